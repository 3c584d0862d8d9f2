package flow

// Cost scaling (Goldberg and Tarjan): ε-optimal pseudoflows refined by
// push and relabel while ε shrinks, on costs multiplied by n+1 so that ε = 1
// at the end means optimal. It solves networks with no negative cost; a
// network it cannot settle exactly is left to the network simplex, and its
// potentials are made exact by a final label-correcting pass, so that what
// it returns carries the same certificate.

// scaleFactor is how much ε shrinks from one phase to the next.
const scaleFactor = 8

// scalingState is the residual graph in compressed rows: the edges of node
// v are first[v]..first[v+1]-1; edge e has a reverse edge rev[e].
type scalingState struct {
	n     int
	first []int32
	to    []int32
	rev   []int32
	cost  []int64 // scaled
	res   []int64 // residual capacity
	arc   []int32 // the network arc of a forward edge, −1 for reverse and artificial edges
	inf   []bool  // the arc has no capacity limit
	price []int64
	ex    []int64
	cur   []int32 // current edge of each node
}

// costScaling solves nw (checked, sum of supplies zero, no negative cost).
// ok is false when it cannot: the caller solves with the simplex then.
func costScaling(nw *Network, total, maxCost int64) (sol Solution, ok bool) {
	n := len(nw.Supply)
	nodes := n + 1 // an artificial node keeps every instance feasible
	alpha := int64(nodes + 1)
	art := (maxCost + 1) * int64(n+1)
	if !mulFits(art, alpha*4) || !mulFits(maxCost+1, alpha*int64(nodes)*4) {
		return sol, false
	}
	// An arc without a limit, and an artificial arc, can carry all that
	// any node has to send (its supply, and what lower bounds shift onto it).
	capInf := total + 1
	for _, a := range nw.Arcs {
		if a.Lower > 0 && a.From != a.To {
			capInf += a.Lower
			if capInf > limit/4 {
				return Solution{}, false
			}
		}
	}
	// Count edges per node: two per arc (forward and reverse), two per
	// artificial arc.
	deg := make([]int32, nodes+1)
	m := 0
	for _, a := range nw.Arcs {
		if a.From == a.To {
			continue
		}
		deg[a.From+1]++
		deg[a.To+1]++
		m++
	}
	for v := 0; v < n; v++ {
		deg[v+1] += 2 // an artificial arc each way
		deg[n+1] += 2
	}
	for v := 0; v < nodes; v++ {
		deg[v+1] += deg[v]
	}
	E := int(deg[nodes])
	s := &scalingState{n: nodes, first: deg, to: make([]int32, E), rev: make([]int32, E), cost: make([]int64, E), res: make([]int64, E),
		arc: make([]int32, E), inf: make([]bool, E), price: make([]int64, nodes), ex: make([]int64, nodes), cur: make([]int32, nodes)}
	pos := append([]int32(nil), deg[:nodes]...)
	add := func(u, v int, c, capa int64, arc int32, inf bool) {
		e, f := pos[u], pos[v]
		pos[u]++
		pos[v]++
		s.to[e], s.rev[e], s.cost[e], s.res[e], s.arc[e], s.inf[e] = int32(v), f, c*alpha, capa, arc, inf
		s.to[f], s.rev[f], s.cost[f], s.res[f], s.arc[f] = int32(u), e, -c*alpha, 0, -1
	}
	sol = Solution{Flow: make([]int64, len(nw.Arcs)), Method: "cost scaling"}
	for v, x := range nw.Supply {
		s.ex[v] = x
	}
	for i, a := range nw.Arcs {
		if a.From == a.To {
			sol.Flow[i] = a.Lower // costs are not negative: a self-loop idles
			continue
		}
		capa, inf := a.Cap-a.Lower, a.Cap == Inf
		if inf || capa > capInf {
			capa = capInf
		}
		s.ex[a.From] -= a.Lower
		s.ex[a.To] += a.Lower
		add(a.From, a.To, a.Cost, capa, int32(i), inf)
	}
	root := n
	for v := 0; v < n; v++ {
		add(v, root, art, capInf, -1, true)
		add(root, v, art, capInf, -1, true)
	}
	var eps int64 = 1
	for e := range s.cost {
		eps = max(eps, s.cost[e])
	}
	queue := make([]int32, 0, nodes)
	inQueue := make([]bool, nodes)
	steps := 0
	for eps > 1 {
		eps = max(eps/scaleFactor, 1)
		// Saturate every residual edge of negative reduced cost: the
		// pseudoflow is then 0-optimal, and discharging keeps it ε-optimal.
		for u := 0; u < nodes; u++ {
			pu := s.price[u]
			for e := s.first[u]; e < s.first[u+1]; e++ {
				if r := s.res[e]; r > 0 && s.cost[e]+pu-s.price[s.to[e]] < 0 {
					s.res[e] = 0
					s.res[s.rev[e]] += r
					s.ex[u] -= r
					s.ex[s.to[e]] += r
				}
			}
		}
		floor := int64(0)
		for _, p := range s.price {
			floor = min(floor, p)
		}
		lowest := int64(-limit)
		if drop := (scaleFactor + 3) * int64(nodes); mulFits(drop, eps) && floor-drop*eps > -limit {
			lowest = floor - drop*eps
		}
		queue = queue[:0]
		for v := 0; v < nodes; v++ {
			s.cur[v] = s.first[v]
			inQueue[v] = s.ex[v] > 0
			if inQueue[v] {
				queue = append(queue, int32(v))
			}
		}
		for head := 0; head < len(queue); head++ {
			u := queue[head]
			inQueue[u] = false
			for s.ex[u] > 0 {
				pu := s.price[u]
				e := s.cur[u]
				end := s.first[u+1]
				for ; e < end; e++ {
					if s.res[e] > 0 && s.cost[e]+pu-s.price[s.to[e]] < 0 {
						break
					}
				}
				if e < end {
					v := s.to[e]
					d := min(s.ex[u], s.res[e])
					s.res[e] -= d
					s.res[s.rev[e]] += d
					s.ex[u] -= d
					s.ex[v] += d
					if s.ex[v] > 0 && !inQueue[v] {
						inQueue[v] = true
						queue = append(queue, v)
					}
					s.cur[u] = e
					steps++
					continue
				}
				// Relabel: the highest price that makes some residual edge
				// admissible.
				best := int64(-1 << 62)
				for e := s.first[u]; e < end; e++ {
					if s.res[e] > 0 {
						best = max(best, s.price[s.to[e]]-s.cost[e])
					}
				}
				if best == -1<<62 {
					return sol, false
				}
				s.price[u] = best - eps
				if s.price[u] < -limit/2 {
					return sol, false
				}
				s.cur[u] = s.first[u]
				steps++
				// A node's price falls by at most (k+2)·n·ε in a phase that
				// starts (k·ε)-optimal when the pseudoflow can be settled;
				// beyond that, give up.
				if s.price[u] < lowest {
					return sol, false
				}
			}
			if head > 1<<20 && head*2 > len(queue) {
				queue = append(queue[:0], queue[head+1:]...)
				head = -1
			}
		}
	}
	sol.Steps = steps
	// Flows; an artificial edge in use means no feasible flow exists.
	for u := 0; u < nodes; u++ {
		for e := s.first[u]; e < s.first[u+1]; e++ {
			if !(s.arc[e] >= 0) && !(s.arc[s.rev[e]] >= 0) && s.cost[e] > 0 && s.res[s.rev[e]] > 0 {
				return sol, false // an artificial arc in use: leave the verdict to the simplex
			}
			if s.arc[e] >= 0 {
				i := s.arc[e]
				sol.Flow[i] = s.res[s.rev[e]] + nw.Arcs[i].Lower
			}
		}
	}
	// Exact potentials: rounded prices, corrected by shortest paths over the
	// residual edges of real arcs (an arc without a limit is always
	// residual forward).
	pi := make([]int64, n)
	for v := 0; v < n; v++ {
		pi[v] = floorDiv(s.price[v], alpha)
	}
	if !s.exactPotentials(nw, pi, root) {
		return sol, false
	}
	sol.Potential = pi
	for i, a := range nw.Arcs {
		sol.Cost += sol.Flow[i] * a.Cost
	}
	if Slack(nw, sol.Flow, pi) != nil {
		return sol, false
	}
	return sol, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// exactPotentials lowers pi until every residual edge of a real arc has a
// reduced cost ≥ 0 (label correcting from every node at once). It returns
// false if that does not settle, which would mean the flow is not optimal.
func (s *scalingState) exactPotentials(nw *Network, pi []int64, root int) bool {
	n := len(pi)
	queue := make([]int32, 0, n)
	in := make([]bool, n)
	for v := 0; v < n; v++ {
		queue = append(queue, int32(v))
		in[v] = true
	}
	limitSteps := 50 * (len(s.to) + n)
	steps := 0
	alpha := int64(s.n + 1)
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		in[u] = false
		for e := s.first[u]; e < s.first[u+1]; e++ {
			v := s.to[e]
			if int(v) == root {
				continue
			}
			residual := s.res[e] > 0
			if (s.arc[e] >= 0) && s.inf[e] {
				residual = true
			}
			if !residual || (s.arc[e] < 0 && !(s.arc[s.rev[e]] >= 0)) {
				continue
			}
			c := s.cost[e] / alpha
			if d := pi[u] + c; d < pi[v] {
				// Reduced cost c + π(u) − π(v) < 0: lower π(v).
				pi[v] = d
				if !in[v] {
					in[v] = true
					queue = append(queue, v)
				}
			}
			steps++
			if steps > limitSteps {
				return false
			}
		}
		if head > 1<<20 && head*2 > len(queue) {
			queue = append(queue[:0], queue[head+1:]...)
			head = -1
		}
	}
	return true
}
