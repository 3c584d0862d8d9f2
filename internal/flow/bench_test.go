package flow_test

// Benchmarks of the engine on generated networks; bench/ compares it with
// other solvers on the same instances. Run with:
//   go test ./internal/flow -run XXX -bench . -benchtime 5x

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/flow"
)

// netgen makes a NETGEN-like network of about m arcs: a tenth of the nodes
// are sources or sinks, a chain of wide arcs keeps it feasible, and random
// arcs with costs 1..10000 and capacities 1..1000 make up the rest.
func netgen(m int, seed uint64) *flow.Network {
	r := rand.New(rand.NewPCG(seed, 7))
	n := max(m/8, 10)
	nw := flow.NewNetwork(n)
	src, snk := n/20+1, n/20+1
	var total int64
	for i := 0; i < src; i++ {
		q := int64(1000 + r.IntN(9000))
		nw.Supply[i] += q
		nw.Supply[n-1-r.IntN(snk)] -= q
		total += q
	}
	for v := 0; v+1 < n; v++ {
		nw.AddArc(v, v+1, 0, total, 10000)
	}
	for len(nw.Arcs) < m {
		nw.AddArc(r.IntN(n), r.IntN(n), 0, int64(1+r.IntN(1000)), int64(1+r.IntN(10000)))
	}
	return nw
}

// planner makes a network shaped as an allocation plan: depots → hubs
// (a throughput arc each) → delivery points → requirements, with an unmet
// arc per requirement at a high cost.
func planner(m int, seed uint64) *flow.Network {
	r := rand.New(rand.NewPCG(seed, 9))
	depots, hubs, points := max(m/40, 4), 8, max(m/200, 4)
	reqs := max(m/4-depots, 10)
	// nodes: depots, hub in, hub out, points, requirements, unmet source
	n := depots + 2*hubs + points + reqs + 1
	nw := flow.NewNetwork(n)
	hubIn := func(h int) int { return depots + h }
	hubOut := func(h int) int { return depots + hubs + h }
	point := func(p int) int { return depots + 2*hubs + p }
	req := func(q int) int { return depots + 2*hubs + points + q }
	unmet := n - 1
	var stock, need int64
	for d := 0; d < depots; d++ {
		q := int64(100 + r.IntN(900))
		nw.Supply[d] = q
		stock += q
	}
	for q := 0; q < reqs; q++ {
		x := int64(10 + r.IntN(200))
		nw.Supply[req(q)] = -x
		need += x
	}
	nw.Supply[unmet] = need - stock
	if need < stock {
		nw.Supply[unmet] = 0
		nw.Supply[req(0)] -= stock - need
	}
	for h := 0; h < hubs; h++ {
		nw.AddArc(hubIn(h), hubOut(h), 0, stock/int64(hubs)+int64(r.IntN(1000)), 0)
	}
	for d := 0; d < depots; d++ {
		for k := 0; k < 3; k++ {
			nw.AddArc(d, hubIn(r.IntN(hubs)), 0, flow.Inf, int64(10+r.IntN(50)))
		}
	}
	for h := 0; h < hubs; h++ {
		for p := 0; p < points; p++ {
			nw.AddArc(hubOut(h), point(p), 0, flow.Inf, int64(5+r.IntN(40)))
		}
	}
	for q := 0; q < reqs; q++ {
		prio := int64(1 + r.IntN(4))
		nw.AddArc(unmet, req(q), 0, flow.Inf, 1_000_000*(5-prio))
		nw.AddArc(point(r.IntN(points)), req(q), 0, flow.Inf, (prio-1)*10_000+int64(r.IntN(100)))
	}
	for len(nw.Arcs) < m {
		q := r.IntN(reqs)
		nw.AddArc(point(r.IntN(points)), req(q), 0, flow.Inf, int64(r.IntN(40_000)))
	}
	return nw
}

func BenchmarkSolve(b *testing.B) {
	for _, kind := range []string{"netgen", "planner"} {
		for _, m := range []int{10_000, 100_000} {
			if kind == "netgen" && m > 10_000 {
				continue // a long chain of expensive arcs: slow for the simplex; bench/ has the standard shapes
			}
			nw := netgen(m, 1)
			if kind == "planner" {
				nw = planner(m, 1)
			}
			b.Run(fmt.Sprintf("%s-%dk", kind, m/1000), func(b *testing.B) {
				var sol flow.Solution
				for b.Loop() {
					var err error
					if sol, err = flow.Solve(nw); err != nil || sol.Status != flow.Optimal {
						b.Fatalf("%v %v", sol.Status, err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/solve")
				b.ReportMetric(float64(sol.Steps), "steps")
			})
		}
	}
}

// BenchmarkResolve changes a planner-shaped network of 100,000 arcs a
// little and back — 50 units of supply moved from one depot to another, or
// a hub's throughput raised by 50 units — re-solving each time from the last
// solution, and reports the ratio to a fresh solve.
func BenchmarkResolve(b *testing.B) {
	for _, change := range []string{"supply", "capacity"} {
		b.Run(change, func(b *testing.B) {
			nw := planner(100_000, 1)
			s := flow.NewSolver(nw)
			t0 := time.Now()
			if sol, err := s.Solve(); err != nil || sol.Status != flow.Optimal {
				b.Fatal(sol.Status, err)
			}
			fresh := time.Since(t0)
			hubCap := nw.Arcs[0].Cap // the first arcs are the hubs' throughput
			i := 0
			for b.Loop() {
				there := i%2 == 0
				i++
				switch change {
				case "supply":
					d := int64(50)
					if !there {
						d = -50
					}
					s.SetSupply(0, s.Network().Supply[0]+d)
					s.SetSupply(1, s.Network().Supply[1]-d)
				case "capacity":
					c := hubCap
					if there {
						c = hubCap + 50
					}
					s.SetCapacity(0, c)
				}
				if sol, err := s.Solve(); err != nil || sol.Status != flow.Optimal || sol.Method != "warm start" {
					b.Fatal(sol.Status, sol.Method, err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per.Microseconds())/1000, "ms/resolve")
			b.ReportMetric(float64(fresh.Microseconds())/1000, "ms-fresh")
			b.ReportMetric(float64(fresh)/float64(per), "x-faster")
		})
	}
}
