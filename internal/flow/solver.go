package flow

import "container/heap"

// Solver holds a network and its last optimal solution, and re-solves after
// small changes starting from that solution: the changed arcs are brought
// back to optimality with respect to the old potentials (which may leave
// nodes with too much or too little flow), and shortest augmenting paths on
// reduced costs move the difference, keeping the potentials a certificate.
// A change that such a repair cannot start from (an unlimited arc turned
// negative) is solved again from scratch.
type Solver struct {
	nw   Network
	last *Solution // the last optimal solution, or nil

	// Residual adjacency: for each node the arcs that leave it and the arcs
	// that enter it (CSR), rebuilt when arcs are added.
	outStart, outArcs []int32
	inStart, inArcs   []int32
	built             int // arcs the adjacency covers
}

// NewSolver returns a solver for a copy of nw.
func NewSolver(nw *Network) *Solver {
	s := &Solver{}
	s.nw.Supply = append([]int64(nil), nw.Supply...)
	s.nw.Arcs = append([]Arc(nil), nw.Arcs...)
	return s
}

// Network returns the solver's network; change it only through the
// solver's methods.
func (s *Solver) Network() *Network { return &s.nw }

// SetSupply changes node v's supply.
func (s *Solver) SetSupply(v int, x int64) { s.nw.Supply[v] = x }

// SetCapacity changes arc a's capacity.
func (s *Solver) SetCapacity(a int, c int64) { s.nw.Arcs[a].Cap = c }

// SetCost changes arc a's cost per unit.
func (s *Solver) SetCost(a int, c int64) { s.nw.Arcs[a].Cost = c }

// AddArc adds an arc and returns its index.
func (s *Solver) AddArc(a Arc) int {
	s.nw.Arcs = append(s.nw.Arcs, a)
	if s.last != nil {
		s.last.Flow = append(s.last.Flow, a.Lower)
	}
	return len(s.nw.Arcs) - 1
}

// CloseArc lets arc a carry no more than its lower bound.
func (s *Solver) CloseArc(a int) { s.nw.Arcs[a].Cap = s.nw.Arcs[a].Lower }

// Solve solves the network: from scratch the first time and after an
// outcome other than optimal, from the last solution otherwise.
func (s *Solver) Solve() (Solution, error) {
	if s.last == nil {
		return s.fresh()
	}
	total, _, err := check(&s.nw)
	if err != nil {
		return Solution{}, err
	}
	var sum int64
	for _, x := range s.nw.Supply {
		sum += x
	}
	if sum != 0 {
		s.last = nil
		return Solution{Status: Infeasible, Method: "warm start"}, nil
	}
	sol, ok := s.repair(total)
	if !ok {
		return s.fresh()
	}
	if sol.Status == Optimal {
		keep := sol
		keep.Flow = append([]int64(nil), sol.Flow...)
		keep.Potential = append([]int64(nil), sol.Potential...)
		s.last = &keep
	} else {
		s.last = nil
	}
	return sol, nil
}

func (s *Solver) fresh() (Solution, error) {
	sol, err := Solve(&s.nw)
	if err != nil {
		return sol, err
	}
	if sol.Status == Optimal {
		keep := sol
		keep.Flow = append([]int64(nil), sol.Flow...)
		keep.Potential = append([]int64(nil), sol.Potential...)
		s.last = &keep
	} else {
		s.last = nil
	}
	return sol, nil
}

// adjacency builds the residual adjacency lists.
func (s *Solver) adjacency() {
	n, arcs := len(s.nw.Supply), s.nw.Arcs
	if s.built == len(arcs) && len(s.outStart) == n+1 {
		return
	}
	s.outStart, s.inStart = make([]int32, n+1), make([]int32, n+1)
	for _, a := range arcs {
		s.outStart[a.From+1]++
		s.inStart[a.To+1]++
	}
	for v := 0; v < n; v++ {
		s.outStart[v+1] += s.outStart[v]
		s.inStart[v+1] += s.inStart[v]
	}
	s.outArcs, s.inArcs = make([]int32, len(arcs)), make([]int32, len(arcs))
	po, pi := append([]int32(nil), s.outStart[:n]...), append([]int32(nil), s.inStart[:n]...)
	for i, a := range arcs {
		s.outArcs[po[a.From]] = int32(i)
		po[a.From]++
		s.inArcs[pi[a.To]] = int32(i)
		pi[a.To]++
	}
	s.built = len(arcs)
}

// repair brings the last solution to optimality for the changed network.
// It returns false when it cannot start from that solution.
func (s *Solver) repair(total int64) (Solution, bool) {
	s.adjacency()
	n, arcs := len(s.nw.Supply), s.nw.Arcs
	flow := s.last.Flow
	pi := append([]int64(nil), s.last.Potential...)
	for _, p := range pi {
		if p > limit/2 || p < -limit/2 {
			return Solution{}, false
		}
	}
	// Every arc to its bound where its reduced cost says so, within its
	// (possibly new) bounds.
	excess := append([]int64(nil), s.nw.Supply...)
	for i, a := range arcs {
		f := min(max(flow[i], a.Lower), a.Cap)
		rc := a.Cost + pi[a.From] - pi[a.To]
		switch {
		case rc < 0 && f < a.Cap:
			if a.Cap == Inf {
				return Solution{}, false
			}
			f = a.Cap
		case rc > 0 && f > a.Lower:
			f = a.Lower
		}
		flow[i] = f
		excess[a.From] -= f
		excess[a.To] += f
	}
	sol := Solution{Method: "warm start"}
	dist := make([]int64, n)
	done := make([]bool, n)
	prevArc := make([]int32, n) // arc into the node on the path, ≥0 forward, −1−i backward
	var h distHeap
	for {
		var sources []int
		for v, e := range excess {
			if e > 0 {
				sources = append(sources, v)
			}
		}
		if len(sources) == 0 {
			break
		}
		// Dijkstra from every node with flow to spare to the nearest node
		// short of it, over residual arcs weighted by reduced cost.
		for v := range dist {
			dist[v], done[v], prevArc[v] = Inf, false, int32(none)
		}
		h = h[:0]
		for _, v := range sources {
			dist[v] = 0
			heap.Push(&h, distItem{0, int32(v)})
		}
		target := -1
		for h.Len() > 0 {
			it := heap.Pop(&h).(distItem)
			u := it.v
			if done[u] || it.d > dist[u] {
				continue
			}
			done[u] = true
			if excess[u] < 0 {
				target = int(u)
				break
			}
			du := dist[u]
			for _, ai := range s.outArcs[s.outStart[u]:s.outStart[u+1]] {
				a := &arcs[ai]
				if flow[ai] >= a.Cap {
					continue
				}
				if d := du + a.Cost + pi[a.From] - pi[a.To]; d < dist[a.To] {
					dist[a.To], prevArc[a.To] = d, ai
					heap.Push(&h, distItem{d, int32(a.To)})
				}
			}
			for _, ai := range s.inArcs[s.inStart[u]:s.inStart[u+1]] {
				a := &arcs[ai]
				if flow[ai] <= a.Lower {
					continue
				}
				if d := du - (a.Cost + pi[a.From] - pi[a.To]); d < dist[a.From] {
					dist[a.From], prevArc[a.From] = d, -1-ai
					heap.Push(&h, distItem{d, int32(a.From)})
				}
			}
		}
		if target < 0 {
			return Solution{Status: Infeasible, Method: sol.Method, Steps: sol.Steps}, true
		}
		// Potentials rise by the distance, capped at the target's, which
		// keeps every residual arc's reduced cost ≥ 0.
		D := dist[target]
		for v := range pi {
			if done[v] {
				pi[v] += dist[v]
			} else {
				pi[v] += D
			}
		}
		// The path back from the target to a source, and what it can carry.
		delta := -excess[target]
		v := target
		for prevArc[v] != int32(none) {
			ai := prevArc[v]
			if ai >= 0 {
				a := arcs[ai]
				if a.Cap != Inf {
					delta = min(delta, a.Cap-flow[ai])
				}
				v = a.From
			} else {
				a := arcs[-1-ai]
				delta = min(delta, flow[-1-ai]-a.Lower)
				v = a.To
			}
		}
		delta = min(delta, excess[v])
		for w := target; prevArc[w] != int32(none); {
			ai := prevArc[w]
			if ai >= 0 {
				flow[ai] += delta
				w = arcs[ai].From
			} else {
				flow[-1-ai] -= delta
				w = arcs[-1-ai].To
			}
		}
		excess[v] -= delta
		excess[target] += delta
		sol.Steps++
		if sol.Steps > 4*len(arcs)+4*n+int(min(total, 1<<30)) {
			return Solution{}, false // should not happen; solve afresh rather than loop
		}
	}
	sol.Status = Optimal
	sol.Flow = flow
	for i, a := range arcs {
		sol.Cost += flow[i] * a.Cost
	}
	sol.Potential = pi
	return sol, true
}

type distItem struct {
	d int64
	v int32
}

type distHeap []distItem

func (h distHeap) Len() int           { return len(h) }
func (h distHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h distHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *distHeap) Push(x any)        { *h = append(*h, x.(distItem)) }
func (h *distHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
