package flow

import "math"

// simplexState is the network simplex's working copy of a network: lower
// bounds shifted to zero, self-loops set aside, and one artificial arc per
// node to an extra root node, so that the first spanning tree is feasible.
type simplexState struct {
	n    int // real nodes; the root is node n
	arcs int // real arcs in the simplex; artificial arc of node v is arcs+v
	root int32

	src, dst        []int32
	capa, cost, flo []int64
	state           []int8  // non-tree arcs: +1 at lower bound, -1 at upper; 0 in the tree
	orig            []int32 // simplex arc → network arc, for real arcs

	// The spanning tree: each node's parent, the arc to it and whether that
	// arc points up (node → parent, +1) or down (−1); depth and potential;
	// children as doubly linked sibling lists.
	parent, pred            []int32
	dir                     []int8
	depth                   []int32
	pi                      []int64
	child, sibNext, sibPrev []int32

	block, next int // block search: block size and where the next block starts
	stack       []int32
}

const none = -1

// simplex solves nw, already checked, from scratch.
func simplex(nw *Network, total, maxCost int64) Solution {
	n := len(nw.Supply)
	art := (maxCost + 1) * int64(n+1)
	supply := make([]int64, n)
	copy(supply, nw.Supply)
	sol := Solution{Flow: make([]int64, len(nw.Arcs)), Method: "network simplex"}
	// Lower bounds shift to zero; self-loops stay out of the tree: a
	// negative one is saturated, and unbounded without a capacity.
	s := &simplexState{n: n, root: int32(n)}
	m := 0
	for _, a := range nw.Arcs {
		if a.From != a.To {
			m++
		}
	}
	s.arcs = m
	all := m + n
	s.src, s.dst = make([]int32, all), make([]int32, all)
	s.capa, s.cost, s.flo = make([]int64, all), make([]int64, all), make([]int64, all)
	s.state = make([]int8, all)
	s.orig = make([]int32, m)
	k := 0
	for i, a := range nw.Arcs {
		if a.From == a.To {
			sol.Flow[i] = a.Lower
			if a.Cost < 0 {
				if a.Cap == Inf {
					return Solution{Status: Unbounded, Method: sol.Method}
				}
				sol.Flow[i] = a.Cap
			}
			continue
		}
		s.src[k], s.dst[k] = int32(a.From), int32(a.To)
		s.capa[k] = a.Cap
		if a.Cap != Inf {
			s.capa[k] = a.Cap - a.Lower
		}
		s.cost[k] = a.Cost
		s.state[k] = 1
		s.orig[k] = int32(i)
		supply[a.From] -= a.Lower
		supply[a.To] += a.Lower
		k++
	}
	_ = total
	// The first tree: every node hangs from the root by its artificial arc,
	// carrying its supply.
	nodes := n + 1
	s.parent, s.pred = make([]int32, nodes), make([]int32, nodes)
	s.dir, s.depth = make([]int8, nodes), make([]int32, nodes)
	s.pi = make([]int64, nodes)
	s.child, s.sibNext, s.sibPrev = make([]int32, nodes), make([]int32, nodes), make([]int32, nodes)
	for v := range s.child {
		s.child[v], s.sibNext[v], s.sibPrev[v] = none, none, none
	}
	s.parent[n], s.pred[n] = none, none
	for v := 0; v < n; v++ {
		e := m + v
		// A node with flow to send passes it to the root for nothing; the
		// root passes flow on to a node short of it at the artificial
		// cost, which no real path can exceed: at the optimum an
		// artificial arc carries flow only when no feasible flow exists.
		s.capa[e] = Inf
		if supply[v] >= 0 {
			s.src[e], s.dst[e] = int32(v), s.root
			s.flo[e] = supply[v]
			s.dir[v] = 1
		} else {
			s.src[e], s.dst[e] = s.root, int32(v)
			s.flo[e] = -supply[v]
			s.dir[v] = -1
			s.cost[e] = art
			s.pi[v] = art
		}
		s.parent[v], s.pred[v], s.depth[v] = s.root, int32(e), 1
		s.addChild(s.root, int32(v))
	}
	s.block = max(int(math.Sqrt(float64(all))), 10)
	for {
		in := s.entering()
		if in == none {
			break
		}
		if !s.pivot(in) {
			return Solution{Status: Unbounded, Method: sol.Method, Steps: sol.Steps}
		}
		sol.Steps++
	}
	for v := 0; v < n; v++ {
		if s.flo[m+v] != 0 {
			return Solution{Status: Infeasible, Method: sol.Method, Steps: sol.Steps}
		}
	}
	for k := 0; k < m; k++ {
		i := s.orig[k]
		sol.Flow[i] = s.flo[k] + nw.Arcs[i].Lower
	}
	for i, a := range nw.Arcs {
		sol.Cost += sol.Flow[i] * a.Cost
	}
	sol.Potential = make([]int64, n)
	copy(sol.Potential, s.pi[:n])
	return sol
}

// addChild makes c the first child of p.
func (s *simplexState) addChild(p, c int32) {
	f := s.child[p]
	s.sibNext[c], s.sibPrev[c] = f, none
	if f != none {
		s.sibPrev[f] = c
	}
	s.child[p] = c
}

// removeChild takes c out of p's children.
func (s *simplexState) removeChild(p, c int32) {
	pr, nx := s.sibPrev[c], s.sibNext[c]
	if pr != none {
		s.sibNext[pr] = nx
	} else {
		s.child[p] = nx
	}
	if nx != none {
		s.sibPrev[nx] = pr
	}
	s.sibNext[c], s.sibPrev[c] = none, none
}

// entering picks the arc to enter the tree by block search: the arc that
// most violates optimality within the first block that has one. It returns
// none when no arc violates optimality.
func (s *simplexState) entering() int {
	all := len(s.src)
	best, bestV := none, int64(0)
	count := 0
	pi, cost, st, src, dst := s.pi, s.cost, s.state, s.src, s.dst
	for i, k := 0, s.next; i < all; i++ {
		if st[k] != 0 {
			if v := int64(st[k]) * (cost[k] + pi[src[k]] - pi[dst[k]]); v < bestV {
				best, bestV = k, v
			}
		}
		k++
		if k == all {
			k = 0
		}
		count++
		if count == s.block {
			if best != none {
				s.next = k
				return best
			}
			count = 0
		}
	}
	s.next = 0
	return best
}

// residual is how much more flow arc e can take.
func (s *simplexState) residual(e int32) int64 {
	if s.capa[e] == Inf {
		return Inf
	}
	return s.capa[e] - s.flo[e]
}

// pivot brings arc in into the tree: it pushes flow around the cycle the
// arc closes, takes out the blocking arc and re-hangs the subtree that
// comes loose. It returns false when nothing blocks: the problem is
// unbounded.
func (s *simplexState) pivot(in int) bool {
	u, v := s.src[in], s.dst[in]
	// The join: the first common ancestor of the arc's ends.
	a, b := u, v
	for a != b {
		switch da, db := s.depth[a], s.depth[b]; {
		case da > db:
			a = s.parent[a]
		case db > da:
			b = s.parent[b]
		default:
			a, b = s.parent[a], s.parent[b]
		}
	}
	join := a
	// Flow goes along the arc from first to second when it is at its lower
	// bound, back when at its upper; around the cycle it comes down from
	// the join to first and goes up from second to the join.
	first, second := u, v
	delta := s.residual(int32(in))
	if s.state[in] < 0 {
		first, second = v, u
		delta = s.flo[in]
	}
	out, side := int32(none), 0
	for x := first; x != join; x = s.parent[x] {
		e := s.pred[x]
		d := s.flo[e]
		if s.dir[x] < 0 {
			d = s.residual(e)
		}
		if d < delta {
			delta, out, side = d, x, 1
		}
	}
	for x := second; x != join; x = s.parent[x] {
		e := s.pred[x]
		d := s.flo[e]
		if s.dir[x] > 0 {
			d = s.residual(e)
		}
		if d <= delta {
			delta, out, side = d, x, 2
		}
	}
	if delta == Inf {
		return false
	}
	if delta > 0 {
		val := delta * int64(s.state[in])
		s.flo[in] += val
		for x := u; x != join; x = s.parent[x] {
			s.flo[s.pred[x]] -= int64(s.dir[x]) * val
		}
		for x := v; x != join; x = s.parent[x] {
			s.flo[s.pred[x]] += int64(s.dir[x]) * val
		}
	}
	if out == none {
		// The entering arc blocks itself: it goes to its other bound.
		s.state[in] = -s.state[in]
		return true
	}
	eOut := s.pred[out]
	if s.flo[eOut] == 0 {
		s.state[eOut] = 1
	} else {
		s.state[eOut] = -1
	}
	s.state[in] = 0
	// The loose subtree hangs from out and holds the arc's end on its side.
	uIn, vIn := first, second
	if side == 2 {
		uIn, vIn = second, first
	}
	// Reverse the stem from uIn up to out: each node's old parent becomes
	// its child.
	newParent, newPred := vIn, int32(in)
	newDir := int8(-1)
	if s.src[in] == uIn {
		newDir = 1
	}
	for x := uIn; ; {
		oldParent, oldPred, oldDir := s.parent[x], s.pred[x], s.dir[x]
		s.removeChild(oldParent, x)
		s.addChild(newParent, x)
		s.parent[x], s.pred[x], s.dir[x] = newParent, newPred, newDir
		if x == out {
			break
		}
		newParent, newPred, newDir = x, oldPred, -oldDir
		x = oldParent
	}
	// Depths and potentials of the re-hung subtree follow its new root.
	stack := append(s.stack[:0], uIn)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p, e := s.parent[x], s.pred[x]
		s.depth[x] = s.depth[p] + 1
		if s.dir[x] > 0 {
			s.pi[x] = s.pi[p] - s.cost[e]
		} else {
			s.pi[x] = s.pi[p] + s.cost[e]
		}
		for c := s.child[x]; c != none; c = s.sibNext[c] {
			stack = append(stack, c)
		}
	}
	s.stack = stack
	return true
}
