// LEMON driver for the benchmark harness in bench/ (see bench/README.md).
//
//   solve [-a ns|cs|all] FILE      (FILE - for standard input)
//
// Reads a DIMACS minimum-cost flow problem with LEMON's readDimacsMin into a
// SmartDigraph (int64 bounds, capacities, costs and supplies), then runs
// NetworkSimplex (block-search pivot, LEMON's default) and CostScaling
// (partial augment-relabel, LEMON's default), each in a fresh algorithm
// object on the same read-only graph, and prints for each:
//
//   c <alg> setup-ms <float>   constructing the object and passing the maps
//   c <alg> solve-ms <float>   the run() call alone (std::chrono::steady_clock)
//   s <alg> <cost>             or  s <alg> INFEASIBLE / UNBOUNDED
//
// with <alg> lemon-ns or lemon-cs. Built against Debian's liblemon-dev 1.3.1:
//   g++ -O2 -o solve solve.cpp -lemon
#include <lemon/cost_scaling.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

using namespace lemon;

typedef SmartDigraph Digraph;
typedef long long Int;
typedef Digraph::ArcMap<Int> ArcInt;
typedef Digraph::NodeMap<Int> NodeInt;
typedef std::chrono::steady_clock Clock;

static double ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

template <typename Status>
static void report(const char* alg, Status st, Status optimal, Status infeasible, Int cost,
                   double setup, double solve) {
  std::printf("c %s setup-ms %.3f\n", alg, setup);
  std::printf("c %s solve-ms %.3f\n", alg, solve);
  if (st == optimal)
    std::printf("s %s %lld\n", alg, cost);
  else if (st == infeasible)
    std::printf("s %s INFEASIBLE\n", alg);
  else
    std::printf("s %s UNBOUNDED\n", alg);
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  std::string which = "all", file;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
      which = argv[++i];
    } else if (file.empty()) {
      file = argv[i];
    } else {
      file.clear();
      break;
    }
  }
  if (file.empty() || (which != "all" && which != "ns" && which != "cs")) {
    std::fprintf(stderr, "usage: %s [-a ns|cs|all] FILE\n", argv[0]);
    return 2;
  }

  Digraph g;
  ArcInt lower(g), cap(g), cost(g);
  NodeInt supply(g);
  Clock::time_point t0 = Clock::now();
  try {
    if (file == "-") {
      std::ios::sync_with_stdio(false);
      readDimacsMin(std::cin, g, lower, cap, cost, supply);
    } else {
      std::ifstream in(file.c_str());
      if (!in) {
        std::fprintf(stderr, "%s: cannot open\n", file.c_str());
        return 1;
      }
      readDimacsMin(in, g, lower, cap, cost, supply);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", file.c_str(), e.what());
    return 1;
  }
  Clock::time_point t1 = Clock::now();
  std::printf("c nodes %d arcs %d\n", countNodes(g), countArcs(g));
  std::printf("c parse-ms %.3f\n", ms(t0, t1));

  if (which == "all" || which == "ns") {
    typedef NetworkSimplex<Digraph, Int, Int> NS;
    Clock::time_point a = Clock::now();
    NS ns(g);
    ns.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
    Clock::time_point b = Clock::now();
    NS::ProblemType st = ns.run();
    Clock::time_point c = Clock::now();
    report("lemon-ns", st, NS::OPTIMAL, NS::INFEASIBLE,
           st == NS::OPTIMAL ? ns.totalCost() : 0, ms(a, b), ms(b, c));
  }
  if (which == "all" || which == "cs") {
    typedef CostScaling<Digraph, Int, Int> CS;
    Clock::time_point a = Clock::now();
    CS cs(g);
    cs.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
    Clock::time_point b = Clock::now();
    CS::ProblemType st = cs.run();
    Clock::time_point c = Clock::now();
    report("lemon-cs", st, CS::OPTIMAL, CS::INFEASIBLE,
           st == CS::OPTIMAL ? cs.totalCost() : 0, ms(a, b), ms(b, c));
  }
  return 0;
}
