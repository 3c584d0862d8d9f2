package flow

import "math"

// Cost scaling (Goldberg and Tarjan): ε-optimal pseudoflows refined while ε
// shrinks, on costs multiplied by n+1 so that ε = 1 at the end means
// optimal. Each refinement moves excess by partial augment-relabel: from an
// active node it follows admissible edges for a few steps, relabelling a
// node that has none, and pushes along the path it found. It solves networks
// with no negative cost. A maximum flow first decides whether any feasible
// flow exists, so the refinements need no artificial arcs (whose huge costs
// would add phases and a node of degree n). A network it cannot settle
// exactly is left to the network simplex, and its potentials are made exact
// by a final label-correcting pass, so that what it returns carries the
// same certificate.

// scaleFactor is how much ε shrinks from one phase to the next.
const scaleFactor = 16

// pathLength is the most edges a partial augmentation follows.
const pathLength = 4

// edge is an edge of the residual graph: a network arc forward, or its
// reverse. rev is the index of the other one.
type edge struct {
	res  int64 // residual capacity
	cost int64 // scaled
	to   int32
	rev  int32
}

// scalingState is the residual graph in compressed rows: the edges of node
// v are first[v]..first[v+1]-1.
type scalingState struct {
	n     int
	first []int32
	edges []edge
	price []int64
	ex    []int64
	cur   []int32 // current edge of each node

	// Price refinement's working space, made when first needed.
	rank, pred, order []int32
	mark              []uint8
	bnext, bprev      []int32
	buckets           []int32
}

// costScaling solves nw (checked, sum of supplies zero, no negative cost).
// ok is false when it cannot: the caller solves with the simplex then.
func costScaling(nw *Network, total, maxCost int64) (sol Solution, ok bool) {
	n := len(nw.Supply)
	if n == 0 {
		return sol, false
	}
	scale := int64(n + 1)
	if !mulFits(maxCost+1, scale*scaleFactor*4) {
		return sol, false
	}
	// An arc without a limit can carry all that any node has to send (its
	// supply, and what lower bounds shift onto it).
	capInf := total + 1
	for _, a := range nw.Arcs {
		if a.Lower > 0 && a.From != a.To {
			capInf += a.Lower
			if capInf > limit/4 {
				return Solution{}, false
			}
		}
	}
	// Count edges per node: two per arc (forward and reverse).
	first := make([]int32, n+1)
	for _, a := range nw.Arcs {
		if a.From == a.To {
			continue
		}
		first[a.From+1]++
		first[a.To+1]++
	}
	for v := 0; v < n; v++ {
		first[v+1] += first[v]
	}
	E := int(first[n])
	if E >= math.MaxInt32 {
		return sol, false
	}
	s := &scalingState{n: n, first: first, edges: make([]edge, E),
		price: make([]int64, n), ex: make([]int64, n), cur: make([]int32, n)}
	pos := make([]int32, n)
	copy(pos, first[:n])
	fwd := make([]int32, len(nw.Arcs)) // network arc → forward edge
	sol = Solution{Flow: make([]int64, len(nw.Arcs)), Method: "cost scaling"}
	copy(s.ex, nw.Supply)
	edges := s.edges
	for i, a := range nw.Arcs {
		if a.From == a.To {
			sol.Flow[i] = a.Lower // costs are not negative: a self-loop idles
			fwd[i] = -1
			continue
		}
		capa := a.Cap - a.Lower
		if a.Cap == Inf || capa > capInf {
			capa = capInf
		}
		s.ex[a.From] -= a.Lower
		s.ex[a.To] += a.Lower
		e, f := pos[a.From], pos[a.To]
		pos[a.From]++
		pos[a.To]++
		edges[e] = edge{res: capa, cost: a.Cost * scale, to: int32(a.To), rev: f}
		edges[f] = edge{res: 0, cost: -a.Cost * scale, to: int32(a.From), rev: e}
		fwd[i] = e
	}
	pos = nil
	sources := 0
	for _, x := range s.ex {
		if x > 0 {
			sources++
		}
	}
	if !s.maxFlow() {
		return Solution{Status: Infeasible, Method: sol.Method}, true
	}
	steps, ok := s.refine(maxCost*scale, sources)
	if !ok {
		return sol, false
	}
	sol.Steps = steps
	for i, e := range fwd {
		if e >= 0 {
			sol.Flow[i] = edges[edges[e].rev].res + nw.Arcs[i].Lower
		}
	}
	// Exact potentials: rounded prices, corrected by shortest paths over the
	// residual edges.
	pi := make([]int64, n)
	for v := 0; v < n; v++ {
		pi[v] = floorDiv(s.price[v], scale)
	}
	if !s.exactPotentials(pi, scale) {
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

// maxFlow moves the supplies (s.ex) to the demands along residual edges by
// Dinic's blocking flows, many sources and sinks at once. It reports whether
// all of it could be moved: whether a feasible flow exists. It leaves that
// flow in the residual capacities and every excess zero.
func (s *scalingState) maxFlow() bool {
	n, first, edges, ex, cur := s.n, s.first, s.edges, s.ex, s.cur
	level := make([]int32, n)
	queue := make([]int32, 0, n)
	path := make([]int32, 0, 64)
	for {
		for v := range level {
			level[v] = -1
		}
		queue = queue[:0]
		for v := 0; v < n; v++ {
			if ex[v] > 0 {
				level[v] = 0
				queue = append(queue, int32(v))
			}
		}
		sources := len(queue)
		if sources == 0 {
			return true
		}
		// Levels by breadth-first search, up to the first level that holds
		// a node short of flow.
		top := int32(-1)
		for h := 0; h < len(queue); h++ {
			u := queue[h]
			lu := level[u]
			if top >= 0 && lu >= top {
				break
			}
			for e := first[u]; e < first[u+1]; e++ {
				ed := &edges[e]
				if ed.res > 0 && level[ed.to] < 0 {
					level[ed.to] = lu + 1
					if top < 0 && ex[ed.to] < 0 {
						top = lu + 1
					}
					queue = append(queue, ed.to)
				}
			}
		}
		if top < 0 {
			return false // some supply cannot reach any demand
		}
		for v := 0; v < n; v++ {
			cur[v] = first[v]
		}
		// A blocking flow: paths along levels from each source.
		for _, src := range queue[:sources] {
			for ex[src] > 0 {
				path = path[:0]
				u := src
				for {
					if ex[u] < 0 {
						// A node short of flow: augment.
						d := min(ex[src], -ex[u])
						for _, e := range path {
							d = min(d, edges[e].res)
						}
						for _, e := range path {
							edges[e].res -= d
							edges[edges[e].rev].res += d
						}
						ex[src] -= d
						ex[u] += d
						break
					}
					e, end := cur[u], first[u+1]
					if level[u] < top {
						want := level[u] + 1
						for ; e < end; e++ {
							ed := &edges[e]
							if ed.res > 0 && level[ed.to] == want {
								break
							}
						}
					} else {
						e = end
					}
					cur[u] = e
					if e < end {
						path = append(path, e)
						u = edges[e].to
						continue
					}
					// A dead end: out of this phase.
					level[u] = -1
					if len(path) == 0 {
						break
					}
					last := path[len(path)-1]
					path = path[:len(path)-1]
					u = edges[edges[last].rev].to
					cur[u]++
				}
				if level[src] < 0 {
					break
				}
			}
		}
	}
}

// refine runs the cost scaling phases from ε = maxScaled/scaleFactor down
// to 1. It returns the number of pushes and relabels, and false when prices
// run beyond what a feasible network can need (which would mean a bug or an
// overflow ahead).
func (s *scalingState) refine(maxScaled int64, sources int) (int, bool) {
	n, first, edges, ex, price, cur := s.n, s.first, s.edges, s.ex, s.price, s.cur
	eps := max(maxScaled/scaleFactor, 1)
	queue := make([]int32, 0, n)
	var path [pathLength]int32
	steps := 0
	// Global updates after every n + (nodes with supply)² relabels.
	every := int64(n) + int64(sources)*int64(sources)

	relabels, nextUpdate := int64(0), every
	for phase := 0; ; phase++ {
		if phase > 0 && s.priceRefinement(eps) {
			// The flow is ε-optimal already: this phase has nothing to do.
			if eps == 1 {
				return steps, true
			}
			eps = max(eps/scaleFactor, 1)
			continue
		}
		// Saturate every residual edge of negative reduced cost: the
		// pseudoflow is then 0-optimal, and what follows keeps it ε-optimal.
		for u := 0; u < n; u++ {
			pu := price[u]
			for e := first[u]; e < first[u+1]; e++ {
				ed := &edges[e]
				if r := ed.res; r > 0 && ed.cost+pu-price[ed.to] < 0 {
					ed.res = 0
					edges[ed.rev].res += r
					ex[u] -= r
					ex[ed.to] += r
				}
			}
		}
		floor := int64(0)
		for _, p := range price {
			floor = min(floor, p)
		}
		// A node's price falls by a few n·ε in a phase; far beyond that,
		// something is wrong: give up.
		lowest := int64(-limit / 2)
		if drop := 4 * (scaleFactor + 3) * int64(n+1); mulFits(drop, eps) && floor-drop*eps > lowest {
			lowest = floor - drop*eps
		}
		queue = queue[:0]
		for v := 0; v < n; v++ {
			cur[v] = first[v]
			if ex[v] > 0 {
				queue = append(queue, int32(v))
			}
		}
		for head := 0; head < len(queue); {
			start := queue[head]
			if ex[start] <= 0 {
				head++
				if head > 1<<16 && head*2 > len(queue) {
					queue = append(queue[:0], queue[head:]...)
					head = 0
				}
				continue
			}
			// Follow admissible edges from start for up to pathLength
			// steps, relabelling where there are none.
			k := 0
			tip := start
		search:
			for k < pathLength && ex[tip] >= 0 {
				pt := price[tip]
				e, end := cur[tip], first[tip+1]
				j, minRC := admissible(edges[e:end], pt, price)
				e += int32(j)
				if e < end {
					cur[tip] = e
					v := edges[e].to
					if v == start {
						break search
					}
					for i := 0; i < k; i++ {
						if edges[path[i]].to == v {
							break search // a cycle: push what leads to it
						}
					}
					path[k] = e
					k++
					tip = v
					continue
				}
				// Relabel tip: the highest price that makes a residual edge
				// admissible, and keeps the edge into it on the path from
				// turning too dear.
				if k > 0 {
					r := &edges[edges[path[k-1]].rev]
					minRC = min(minRC, r.cost+pt-price[r.to])
				}
				minRC = min(minRC, leastReduced(edges[first[tip]:cur[tip]], pt, price))
				if minRC == math.MaxInt64 {
					return steps, false
				}
				price[tip] = pt - minRC - eps
				if price[tip] < lowest {
					return steps, false
				}
				cur[tip] = first[tip]
				steps++
				relabels++
				if k > 0 {
					k--
					tip = edges[edges[path[k]].rev].to
				}
			}
			// Push along the path as much as each node has.
			u := start
			for i := 0; i < k; i++ {
				ed := &edges[path[i]]
				v := ed.to
				d := min(ed.res, ex[u])
				ed.res -= d
				edges[ed.rev].res += d
				ex[u] -= d
				ex[v] += d
				if ex[v] > 0 && ex[v] <= d {
					queue = append(queue, v)
				}
				u = v
			}
			steps += k
			if relabels >= nextUpdate {
				s.globalUpdate(eps)
				nextUpdate += every
			}
		}
		if eps == 1 {
			return steps, true
		}
		eps = max(eps/scaleFactor, 1)
	}
}

// workspace makes the ranks and buckets that price refinement and global
// updates share, and returns the number of ranks.
func (s *scalingState) workspace() int32 {
	n := s.n
	maxRank := int32(scaleFactor * (n + 1))
	if s.rank == nil {
		s.rank = make([]int32, n)
		s.mark = make([]uint8, n)
		s.pred = make([]int32, n)
		s.order = make([]int32, 0, n)
		s.bnext = make([]int32, n+1)
		s.bprev = make([]int32, n+1)
		s.buckets = make([]int32, maxRank+1)
		for r := range s.buckets {
			s.buckets[r] = int32(n)
		}
	}
	return maxRank
}

// globalUpdate lowers prices so that every node with excess is as close as
// it can be, in ε steps of reduced cost, to a node short of flow: ranks by
// a bucketed Dijkstra search backwards from the nodes short of flow over
// residual edges, until the search has met all the excess. Each node's
// price falls by its rank times ε (at most the last rank reached).
func (s *scalingState) globalUpdate(eps int64) {
	n, first, edges, ex, price, cur := s.n, s.first, s.edges, s.ex, s.price, s.cur
	maxRank := s.workspace()
	rank, bnext, bprev, buckets := s.rank, s.bnext, s.bprev, s.buckets
	end := int32(n)
	var excess int64
	b0 := end
	for v := 0; v < n; v++ {
		if ex[v] < 0 {
			rank[v] = 0
			bnext[v] = b0
			bprev[b0] = int32(v)
			b0 = int32(v)
		} else {
			excess += ex[v]
			rank[v] = maxRank
		}
	}
	if excess == 0 {
		return
	}
	buckets[0] = b0
	r := int32(0)
	highest := int32(0) // highest bucket used
scan:
	for ; r < maxRank; r++ {
		for buckets[r] != end {
			u := buckets[r]
			buckets[r] = bnext[u]
			pu := price[u]
			for e := first[u]; e < first[u+1]; e++ {
				re := &edges[edges[e].rev] // the edge from v into u
				if re.res <= 0 {
					continue
				}
				v := edges[e].to
				old := rank[v]
				if r >= old {
					continue
				}
				k := (re.cost + price[v] - pu) / eps
				if k >= int64(maxRank) {
					continue
				}
				nr := r + 1 + int32(k)
				if nr >= old {
					continue
				}
				rank[v] = nr
				cur[v] = first[v]
				if old < maxRank {
					if buckets[old] == v {
						buckets[old] = bnext[v]
					} else {
						p, q := bprev[v], bnext[v]
						bnext[p] = q
						bprev[q] = p
					}
				}
				b := buckets[nr]
				bnext[v] = b
				bprev[b] = v
				buckets[nr] = v
				highest = max(highest, nr)
			}
			if ex[u] > 0 {
				excess -= ex[u]
				if excess <= 0 {
					break scan
				}
			}
		}
	}
	for b := int32(0); b <= highest; b++ {
		buckets[b] = end
	}
	// Prices fall by at most r·ε; where that could leave the safe range,
	// leave them as they are (the update only speeds things up).
	floor := int64(0)
	for _, p := range price {
		floor = min(floor, p)
	}
	if !mulFits(int64(r)+1, eps) || floor-(int64(r)+1)*eps < -limit/2 {
		return
	}
	for v := 0; v < n; v++ {
		if k := min(rank[v], r); k > 0 {
			price[v] -= int64(k) * eps
			cur[v] = first[v]
		}
	}
}

// admissible returns the index in es of the first residual edge whose
// reduced cost, from a node of price pt, is negative, or len(es) if none
// is, with the least reduced cost of the residual edges before it. It is a
// function of its own so that its loop keeps everything in registers.
//
//go:noinline
func admissible(es []edge, pt int64, price []int64) (int, int64) {
	minRC := int64(math.MaxInt64)
	for j := range es {
		ed := &es[j]
		if ed.res > 0 {
			rc := ed.cost + pt - price[ed.to]
			if rc < 0 {
				return j, minRC
			}
			minRC = min(minRC, rc)
		}
	}
	return len(es), minRC
}

// leastReduced returns the least reduced cost, from a node of price pt, of
// the residual edges in es (math.MaxInt64 if none).
//
//go:noinline
func leastReduced(es []edge, pt int64, price []int64) int64 {
	minRC := int64(math.MaxInt64)
	for j := range es {
		if ed := &es[j]; ed.res > 0 {
			minRC = min(minRC, ed.cost+pt-price[ed.to])
		}
	}
	return minRC
}

// priceRefinement tries to make the current flow ε-optimal by changing
// prices only, which spares a whole phase when it succeeds. While the
// admissible graph (residual edges of negative reduced cost) has no cycle,
// it gives every node a rank, how many ε its price must fall for the edges
// into it to be within ε, spreads the falls along the other residual edges
// from the highest rank down, and tries again; it succeeds when no rank is
// needed.
func (s *scalingState) priceRefinement(eps int64) bool {
	n, first, edges, price, cur := s.n, s.first, s.edges, s.price, s.cur
	maxRank := s.workspace()
	rank, mark, pred, bnext, bprev, buckets := s.rank, s.mark, s.pred, s.bnext, s.bprev, s.buckets
	end := int32(n) // the empty bucket
	for round := 0; round < 32; round++ {
		// A topological order of the admissible graph, by depth-first
		// search; a cycle ends the attempt.
		order := s.order[:0]
		for v := 0; v < n; v++ {
			mark[v] = 0 // 1: reached, 2: done
			cur[v] = first[v]
		}
		for start := 0; start < n; start++ {
			if mark[start] != 0 {
				continue
			}
			pred[start] = -1
			tip := int32(start)
			mark[tip] = 1
			for {
				pt := price[tip]
				e, last := cur[tip], first[tip+1]
				for ; e < last; e++ {
					ed := &edges[e]
					if ed.res > 0 && ed.cost+pt-price[ed.to] < 0 {
						v := ed.to
						if mark[v] == 0 {
							break
						}
						if mark[v] == 1 {
							return false // a cycle
						}
					}
				}
				if e < last {
					cur[tip] = e
					v := edges[e].to
					mark[v] = 1
					pred[v] = tip
					tip = v
					continue
				}
				mark[tip] = 2
				order = append(order, tip)
				tip = pred[tip]
				if tip < 0 {
					break
				}
				cur[tip]++
			}
		}
		s.order = order
		// Ranks along the topological order (order holds it reversed).
		for v := range rank {
			rank[v] = 0
		}
		top := int32(0)
		for i := len(order) - 1; i >= 0; i-- {
			u := order[i]
			ru, pu := rank[u], price[u]
			for e := first[u]; e < first[u+1]; e++ {
				ed := &edges[e]
				if ed.res > 0 {
					if rc := ed.cost + pu - price[ed.to]; rc < 0 {
						k := (-rc - 1) / eps // ⌈−rc/ε⌉ − 1
						if k >= int64(maxRank) || int64(ru)+k >= int64(maxRank) {
							return false
						}
						if nr := ru + int32(k); nr > rank[ed.to] {
							rank[ed.to] = nr
						}
					}
				}
			}
			if ru > 0 {
				top = max(top, ru)
				b := buckets[ru]
				bnext[u] = b
				bprev[b] = u
				buckets[ru] = u
			}
		}
		if top == 0 {
			return true
		}
		if !mulFits(int64(top), eps) {
			return false
		}
		floor := int64(0)
		for _, p := range price {
			floor = min(floor, p)
		}
		if floor-int64(top)*eps < -limit/2 {
			return false
		}
		// From the highest rank down: each node's price falls by its rank
		// times ε, and raises the ranks of the nodes its residual edges
		// reach as far as needed to keep those edges within ε.
		for r := top; r > 0; r-- {
			for buckets[r] != end {
				u := buckets[r]
				buckets[r] = bnext[u]
				pu := price[u]
				for e := first[u]; e < first[u+1]; e++ {
					ed := &edges[e]
					if ed.res <= 0 {
						continue
					}
					v := ed.to
					old := rank[v]
					if old >= r {
						continue
					}
					var nr int32
					if rc := ed.cost + pu - price[v]; rc < 0 {
						nr = r
					} else if k := rc / eps; k < int64(r) {
						nr = r - 1 - int32(k)
					}
					if nr > old {
						rank[v] = nr
						if old > 0 {
							if buckets[old] == v {
								buckets[old] = bnext[v]
							} else {
								p, q := bprev[v], bnext[v]
								bnext[p] = q
								bprev[q] = p
							}
						}
						b := buckets[nr]
						bnext[v] = b
						bprev[b] = v
						buckets[nr] = v
					}
				}
				price[u] = pu - int64(r)*eps
			}
		}
	}
	return false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// exactPotentials lowers pi until every residual edge has a reduced cost
// ≥ 0 (label correcting from every node at once). It returns false if that
// does not settle, which would mean the flow is not optimal.
func (s *scalingState) exactPotentials(pi []int64, scale int64) bool {
	n := len(pi)
	first, edges := s.first, s.edges
	queue := make([]int32, 0, n)
	in := make([]bool, n)
	for v := 0; v < n; v++ {
		queue = append(queue, int32(v))
		in[v] = true
	}
	limitSteps := 50 * (len(edges) + n)
	steps := 0
	for head := 0; head < len(queue); head++ {
		u := queue[head]
		in[u] = false
		pu := pi[u]
		for e := first[u]; e < first[u+1]; e++ {
			ed := &edges[e]
			if ed.res <= 0 {
				continue
			}
			v := ed.to
			if d := pu + ed.cost/scale; d < pi[v] {
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
