#!/usr/bin/python3
"""NetworkX driver for the benchmark harness in bench/ (see bench/README.md).

    /usr/bin/python3 bench/networkx/solve.py [--force] [--max-arcs N] FILE

Reads a DIMACS minimum-cost flow problem, builds a networkx.DiGraph and runs
nx.network_simplex on it. Prints

    c networkx build-ms X    reading the file and building the graph
    c networkx solve-ms X    the nx.network_simplex call alone
    s networkx COST          or  s networkx INFEASIBLE / UNBOUNDED

A DiGraph holds one arc per ordered pair, and DIMACS allows parallel arcs: the
second and later arcs u->v are each split into u->w->v through a new node w
(capacity on both halves, the cost on the first). NetworkX has no lower
bounds: an arc with lower bound L is shifted (L units forced from u to v, the
capacity lowered by L, L*cost added to the result). NetworkX's "demand" is
inflow minus outflow, the negative of a DIMACS supply.

Instances with more than --max-arcs arcs (default 100000) are skipped with
"c networkx skipped" and exit status 3, unless --force is given: pure-Python
network simplex is slow on them.

Needs Debian's python3-networkx (so run it with /usr/bin/python3, not a
pyenv or venv python that lacks it).
"""
import argparse
import sys
import time


def read_dimacs(path):
    """Returns (n, supply dict, list of (u, v, low, cap, cost)), nodes 1..n."""
    n = m = None
    supply = {}
    arcs = []
    f = sys.stdin if path == "-" else open(path)
    with f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith("c"):
                continue
            tag = parts[0]
            if tag == "p":
                if len(parts) != 4 or parts[1] != "min":
                    raise ValueError(f"line {lineno}: expected 'p min NODES ARCS'")
                n, m = int(parts[2]), int(parts[3])
            elif tag == "n":
                supply[int(parts[1])] = int(parts[2])
            elif tag == "a":
                u, v, low, cap, cost = map(int, parts[1:6])
                arcs.append((u, v, low, cap, cost))
            else:
                raise ValueError(f"line {lineno}: unknown line type {tag!r}")
    if n is None:
        raise ValueError("no problem line")
    if len(arcs) != m:
        raise ValueError(f"problem line says {m} arcs, file has {len(arcs)}")
    return n, supply, arcs


def peek_arcs(path):
    """The ARCS count of the problem line, without reading the whole file."""
    if path == "-":
        return None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == "p" and len(parts) == 4:
                return int(parts[3])
    return None


def build(nx, n, supply, arcs):
    g = nx.DiGraph()
    demand = {v: 0 for v in range(1, n + 1)}
    for v, s in supply.items():
        demand[v] -= s
    offset = 0  # cost of flow forced by lower bounds
    next_node = n + 1
    for u, v, low, cap, cost in arcs:
        if low:
            # Send `low` units u->v up front; the arc keeps cap-low of room.
            demand[u] += low
            demand[v] -= low
            offset += low * cost
            cap -= low
        attrs = {"weight": cost, "capacity": cap}
        if g.has_edge(u, v):
            w = next_node
            next_node += 1
            demand[w] = 0
            g.add_edge(u, w, **attrs)
            g.add_edge(w, v, weight=0, capacity=cap)
        else:
            g.add_edge(u, v, **attrs)
    for v, d in demand.items():
        if v not in g:
            g.add_node(v)
        g.nodes[v]["demand"] = d
    return g, offset


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--force", action="store_true", help="solve even above --max-arcs")
    ap.add_argument("--max-arcs", type=int, default=100000)
    args = ap.parse_args()

    m = peek_arcs(args.file)
    if m is not None and m > args.max_arcs and not args.force:
        print(f"c networkx skipped: {m} arcs > {args.max_arcs} (use --force)")
        return 3

    import networkx as nx

    t0 = time.perf_counter()
    n, supply, arcs = read_dimacs(args.file)
    g, offset = build(nx, n, supply, arcs)
    t1 = time.perf_counter()
    print(f"c networkx version {nx.__version__}")
    print(f"c networkx graph nodes {g.number_of_nodes()} arcs {g.number_of_edges()}")
    print(f"c networkx build-ms {(t1 - t0) * 1000:.3f}")
    sys.stdout.flush()
    try:
        t1 = time.perf_counter()
        cost, _flow = nx.network_simplex(g)
        t2 = time.perf_counter()
        result = str(cost + offset)
    except nx.NetworkXUnfeasible:
        t2 = time.perf_counter()
        result = "INFEASIBLE"
    except nx.NetworkXUnbounded:
        t2 = time.perf_counter()
        result = "UNBOUNDED"
    print(f"c networkx solve-ms {(t2 - t1) * 1000:.3f}")
    print(f"s networkx {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
