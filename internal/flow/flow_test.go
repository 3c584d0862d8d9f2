package flow_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/longhaul/longhaul/internal/flow"
)

// reference solves nw by an independent method: a feasible flow by
// augmenting paths (Edmonds–Karp from a super source to a super sink), then
// cancelling negative cycles found by Bellman–Ford until none is left. It is
// slow and simple, for small networks only. Inf capacities are taken as
// `big`; a negative cycle through such an arc means unbounded.
func reference(nw *flow.Network) (flow.Status, int64) {
	const big = int64(1) << 40
	n := len(nw.Supply)
	type edge struct {
		to, rev int
		cap     int64
		cost    int64
		inf     bool
	}
	g := make([][]edge, n+2)
	add := func(u, v int, c, cost int64, inf bool) {
		g[u] = append(g[u], edge{to: v, rev: len(g[v]), cap: c, cost: cost, inf: inf})
		g[v] = append(g[v], edge{to: u, rev: len(g[u]) - 1, cap: 0, cost: -cost})
	}
	supply := append([]int64(nil), nw.Supply...)
	type fwd struct {
		u, i int
		c    int64
		cost int64
	}
	var arcs []fwd
	var base int64
	selfUnbounded := false
	for _, a := range nw.Arcs {
		c := a.Cap
		inf := c == flow.Inf
		if inf {
			c = big
		} else {
			c -= a.Lower
		}
		supply[a.From] -= a.Lower
		supply[a.To] += a.Lower
		base += a.Lower * a.Cost
		if a.From == a.To {
			if a.Cost < 0 {
				if inf {
					selfUnbounded = true
					continue
				}
				base += c * a.Cost
			}
			continue
		}
		arcs = append(arcs, fwd{a.From, len(g[a.From]), c, a.Cost})
		add(a.From, a.To, c, a.Cost, inf)
	}
	S, T := n, n+1
	var need int64
	for v, s := range supply {
		if s > 0 {
			add(S, v, s, 0, false)
			need += s
		} else if s < 0 {
			add(v, T, -s, 0, false)
		}
	}
	var sum int64
	for _, s := range nw.Supply {
		sum += s
	}
	if sum != 0 {
		return flow.Infeasible, 0
	}
	// Max flow by BFS augmenting paths.
	var got int64
	for {
		prev := make([][2]int, n+2)
		for i := range prev {
			prev[i] = [2]int{-1, -1}
		}
		prev[S] = [2]int{S, -1}
		q := []int{S}
		for len(q) > 0 && prev[T][0] < 0 {
			u := q[0]
			q = q[1:]
			for i, e := range g[u] {
				if e.cap > 0 && prev[e.to][0] < 0 {
					prev[e.to] = [2]int{u, i}
					q = append(q, e.to)
				}
			}
		}
		if prev[T][0] < 0 {
			break
		}
		d := int64(math.MaxInt64)
		for v := T; v != S; v = prev[v][0] {
			d = min(d, g[prev[v][0]][prev[v][1]].cap)
		}
		for v := T; v != S; v = prev[v][0] {
			e := &g[prev[v][0]][prev[v][1]]
			e.cap -= d
			g[v][e.rev].cap += d
		}
		got += d
	}
	if got != need {
		return flow.Infeasible, 0
	}
	if selfUnbounded {
		return flow.Unbounded, 0
	}
	// Cancel negative cycles (not through S or T: their arcs are saturated
	// one way and cost nothing).
	for {
		dist := make([]int64, n)
		prev := make([][2]int, n)
		for i := range prev {
			prev[i] = [2]int{-1, -1}
		}
		last := -1
		for it := 0; it < n; it++ {
			last = -1
			for u := 0; u < n; u++ {
				for i, e := range g[u] {
					if e.to < n && e.cap > 0 && dist[u]+e.cost < dist[e.to] {
						dist[e.to] = dist[u] + e.cost
						prev[e.to] = [2]int{u, i}
						last = e.to
					}
				}
			}
		}
		if last < 0 {
			break
		}
		for i := 0; i < n; i++ {
			last = prev[last][0]
		}
		d := int64(math.MaxInt64)
		inf := true
		for v := last; ; {
			e := g[prev[v][0]][prev[v][1]]
			d = min(d, e.cap)
			if !e.inf || e.cap < big/2 {
				inf = inf && e.inf
			}
			v = prev[v][0]
			if v == last {
				break
			}
		}
		if inf {
			return flow.Unbounded, 0
		}
		for v := last; ; {
			e := &g[prev[v][0]][prev[v][1]]
			e.cap -= d
			g[v][e.rev].cap += d
			v = prev[v][0]
			if v == last {
				break
			}
		}
	}
	cost := base
	for _, a := range arcs {
		cost += (a.c - g[a.u][a.i].cap) * a.cost
	}
	return flow.Optimal, cost
}

// randomNetwork makes a small network: n nodes, m arcs with small
// capacities and costs (some negative, some with no limit), and supplies
// that balance.
func randomNetwork(r *rand.Rand, n, m int, infinite bool) *flow.Network {
	nw := flow.NewNetwork(n)
	for i := 0; i < m; i++ {
		u, v := r.IntN(n), r.IntN(n)
		lo := int64(0)
		if r.IntN(5) == 0 {
			lo = int64(r.IntN(3))
		}
		c := lo + int64(r.IntN(6))
		if infinite && r.IntN(8) == 0 {
			c = flow.Inf
		}
		nw.AddArc(u, v, lo, c, int64(r.IntN(21)-5))
	}
	for i := 0; i < n/2; i++ {
		q := int64(r.IntN(5))
		a, b := r.IntN(n), r.IntN(n)
		nw.Supply[a] += q
		nw.Supply[b] -= q
	}
	return nw
}

func checkSolution(t *testing.T, nw *flow.Network, sol flow.Solution) {
	t.Helper()
	cost, err := flow.Verify(nw, sol.Flow)
	if err != nil {
		t.Fatalf("infeasible flow: %v", err)
	}
	if cost != sol.Cost {
		t.Fatalf("cost %d reported, %d computed", sol.Cost, cost)
	}
	if err := flow.Slack(nw, sol.Flow, sol.Potential); err != nil {
		t.Fatalf("not optimal: %v", err)
	}
}

func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[flow.Status]int{}
	for i := 0; i < 3000; i++ {
		n := 2 + r.IntN(7)
		nw := randomNetwork(r, n, r.IntN(28), i%3 == 0)
		sol, err := flow.Solve(nw)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		st, cost := reference(nw)
		counts[st]++
		if sol.Status != st {
			t.Fatalf("instance %d %+v: status %s, reference %s", i, nw, sol.Status, st)
		}
		if st == flow.Optimal {
			if sol.Cost != cost {
				t.Fatalf("instance %d %+v: cost %d, reference %d", i, nw, sol.Cost, cost)
			}
			checkSolution(t, nw, sol)
		}
	}
	if counts[flow.Optimal] < 1000 || counts[flow.Infeasible] < 100 || counts[flow.Unbounded] < 20 {
		t.Errorf("the random instances should cover every outcome: %v", counts)
	}
}

func TestDegenerateCases(t *testing.T) {
	for name, tc := range map[string]struct {
		nw     *flow.Network
		status flow.Status
		cost   int64
	}{
		"no nodes":                {flow.NewNetwork(0), flow.Optimal, 0},
		"no arcs, no need":        {flow.NewNetwork(3), flow.Optimal, 0},
		"no arcs, a need":         {&flow.Network{Supply: []int64{2, -2}}, flow.Infeasible, 0},
		"supplies unequal":        {&flow.Network{Supply: []int64{2, -1}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 5, Cost: 1}}}, flow.Infeasible, 0},
		"zero capacity":           {&flow.Network{Supply: []int64{1, -1}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 0, Cost: 1}}}, flow.Infeasible, 0},
		"parallel arcs":           {&flow.Network{Supply: []int64{5, -5}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 3, Cost: 4}, {From: 0, To: 1, Cap: 3, Cost: 1}}}, flow.Optimal, 3*1 + 2*4},
		"negative self-loop":      {&flow.Network{Supply: []int64{0}, Arcs: []flow.Arc{{From: 0, To: 0, Cap: 4, Cost: -2}}}, flow.Optimal, -8},
		"unbounded self-loop":     {&flow.Network{Supply: []int64{0}, Arcs: []flow.Arc{{From: 0, To: 0, Cap: flow.Inf, Cost: -1}}}, flow.Unbounded, 0},
		"negative cycle, capped":  {&flow.Network{Supply: []int64{0, 0}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 2, Cost: -3}, {From: 1, To: 0, Cap: flow.Inf, Cost: 1}}}, flow.Optimal, -4},
		"negative cycle, no cap":  {&flow.Network{Supply: []int64{0, 0}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: flow.Inf, Cost: -3}, {From: 1, To: 0, Cap: flow.Inf, Cost: 1}}}, flow.Unbounded, 0},
		"disconnected supply":     {&flow.Network{Supply: []int64{1, -1, 2, -2}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 1, Cost: 1}}}, flow.Infeasible, 0},
		"lower bound forces flow": {&flow.Network{Supply: []int64{0, 0}, Arcs: []flow.Arc{{From: 0, To: 1, Lower: 2, Cap: 5, Cost: 3}, {From: 1, To: 0, Cap: 9, Cost: 1}}}, flow.Optimal, 8},
	} {
		t.Run(name, func(t *testing.T) {
			sol, err := flow.Solve(tc.nw)
			if err != nil {
				t.Fatal(err)
			}
			if sol.Status != tc.status || (tc.status == flow.Optimal && sol.Cost != tc.cost) {
				t.Fatalf("%s cost %d, want %s cost %d", sol.Status, sol.Cost, tc.status, tc.cost)
			}
			if sol.Status == flow.Optimal {
				checkSolution(t, tc.nw, sol)
			}
		})
	}
}

func TestRefusesOverflow(t *testing.T) {
	for name, nw := range map[string]*flow.Network{
		"huge cost":                 {Supply: []int64{1, -1}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 1, Cost: math.MaxInt64 / 2}}},
		"cost times capacity":       {Supply: []int64{1, -1}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 1 << 40, Cost: 1 << 30}}},
		"unlimited arc, big supply": {Supply: []int64{1 << 50, -(1 << 50)}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: flow.Inf, Cost: 1 << 20}}},
		"minimum cost":              {Supply: []int64{0, 0}, Arcs: []flow.Arc{{From: 0, To: 1, Cap: 1, Cost: math.MinInt64}}},
	} {
		if _, err := flow.Solve(nw); !errors.Is(err, flow.ErrOverflow) {
			t.Errorf("%s: %v, want ErrOverflow", name, err)
		}
	}
	if _, err := flow.Solve(&flow.Network{Supply: []int64{0}, Arcs: []flow.Arc{{From: 0, To: 3, Cap: 1}}}); err == nil {
		t.Error("an arc to a node that does not exist was accepted")
	}
	if _, err := flow.Solve(&flow.Network{Supply: []int64{0, 0}, Arcs: []flow.Arc{{From: 0, To: 1, Lower: 3, Cap: 1}}}); err == nil {
		t.Error("a lower bound above the capacity was accepted")
	}
}

func TestCostScalingAgainstSimplex(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	scaled := 0
	for i := 0; i < 3000; i++ {
		n := 2 + r.IntN(9)
		nw := randomNetwork(r, n, r.IntN(30), i%2 == 0)
		for k := range nw.Arcs {
			nw.Arcs[k].Cost = abs64(nw.Arcs[k].Cost)
		}
		want, err := flow.SolveBy(nw, flow.NetworkSimplex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := flow.SolveBy(nw, flow.CostScaling)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || got.Status == flow.Optimal && got.Cost != want.Cost {
			t.Fatalf("instance %d %+v: cost scaling %s %d, simplex %s %d", i, nw, got.Status, got.Cost, want.Status, want.Cost)
		}
		if got.Status == flow.Optimal {
			checkSolution(t, nw, got)
			if got.Method == "cost scaling" {
				scaled++
			}
		}
	}
	if scaled < 800 {
		t.Errorf("cost scaling settled only %d instances itself", scaled)
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestMethodsAgreeOnLargerNetworks solves generated networks of a few
// thousand arcs by both methods: two independent algorithms must find the
// same optimal cost, and each answer must carry its certificate.
func TestMethodsAgreeOnLargerNetworks(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		for _, nw := range []*flow.Network{netgen(3000, seed), planner(3000, seed)} {
			ns, err := flow.SolveBy(nw, flow.NetworkSimplex)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := flow.SolveBy(nw, flow.CostScaling)
			if err != nil {
				t.Fatal(err)
			}
			if ns.Status != flow.Optimal || cs.Status != flow.Optimal || ns.Cost != cs.Cost || cs.Method != "cost scaling" {
				t.Fatalf("seed %d: simplex %s %d, cost scaling %s %d (%s)", seed, ns.Status, ns.Cost, cs.Status, cs.Cost, cs.Method)
			}
			checkSolution(t, nw, ns)
			checkSolution(t, nw, cs)
		}
	}
}

// TestCostScalingMediumNetworks compares cost scaling with the simplex on
// random networks of a few hundred nodes, large enough for its maximum flow,
// global price updates and price refinement to come into play: wide cost
// ranges, lower bounds, arcs without limit, and supplies that sometimes
// cannot be met.
func TestCostScalingMediumNetworks(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	scaled, infeasible := 0, 0
	for i := 0; i < 120; i++ {
		n := 20 + r.IntN(300)
		nw := flow.NewNetwork(n)
		maxCost := []int64{1, 10, 10_000, 1_000_000_000}[i%4]
		for k := 0; k < n*(2+r.IntN(6)); k++ {
			u, v := r.IntN(n), r.IntN(n)
			lo := int64(0)
			if r.IntN(10) == 0 {
				lo = int64(r.IntN(4))
			}
			c := lo + int64(r.IntN(50))
			if r.IntN(6) == 0 {
				c = flow.Inf
			}
			nw.AddArc(u, v, lo, c, r.Int64N(maxCost+1))
		}
		if i%5 != 0 {
			// A ring of arcs through every node keeps most instances feasible.
			for v := 0; v < n; v++ {
				nw.AddArc(v, (v+1)%n, 0, 1000+int64(r.IntN(1000)), maxCost)
			}
		}
		pairs, most := n/3, 60
		if i%2 == 0 {
			pairs, most = 3, 600 // few nodes send: global updates come into play
		}
		for k := 0; k < pairs; k++ {
			q := int64(r.IntN(most))
			a, b := r.IntN(n), r.IntN(n)
			nw.Supply[a] += q
			nw.Supply[b] -= q
		}
		want, err := flow.SolveBy(nw, flow.NetworkSimplex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := flow.SolveBy(nw, flow.CostScaling)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || got.Status == flow.Optimal && got.Cost != want.Cost {
			t.Fatalf("instance %d: cost scaling %s %d, simplex %s %d", i, got.Status, got.Cost, want.Status, want.Cost)
		}
		switch {
		case got.Status == flow.Optimal:
			checkSolution(t, nw, got)
			if got.Method == "cost scaling" {
				scaled++
			}
		case got.Status == flow.Infeasible:
			infeasible++
		}
	}
	t.Logf("%d settled by cost scaling, %d infeasible", scaled, infeasible)
	if scaled < 40 || infeasible < 10 {
		t.Errorf("cost scaling settled %d instances itself, %d were infeasible: the instances should have more of both", scaled, infeasible)
	}
}
