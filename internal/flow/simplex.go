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
	// arc points up (node → parent, +1) or down (−1), and its potential.
	// The nodes in preorder form a circular list (thread, with rev the
	// other way); a subtree is the run from its root to last[root], of
	// size[root] nodes.
	parent, pred []int32
	dir          []int8
	pi           []int64
	thread, rev  []int32
	last, size   []int32

	block, next int // block search: block size and where the next block starts
	stem        []int32
	parts       [][2]int32
}

const none = -1

// simplex solves nw, already checked, from scratch.
func simplex(nw *Network, maxCost int64) Solution {
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
	// The arcs are stored mixed (as LEMON does): consecutive network arcs
	// go skip places apart, so that each block of the search sees arcs
	// from all over the network rather than, say, all the arcs out of a
	// few nodes. It takes many fewer pivots on planner-shaped networks.
	skip := 3
	if n > 0 {
		skip = max(m/n, 3)
	}
	k, next, round := 0, 0, 0
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
		k = next
		if next += skip; next >= m {
			round++
			next = round
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
	}
	// The first tree: every node hangs from the root by its artificial arc,
	// carrying its supply.
	nodes := n + 1
	s.parent, s.pred = make([]int32, nodes), make([]int32, nodes)
	s.dir = make([]int8, nodes)
	s.pi = make([]int64, nodes)
	s.thread, s.rev = make([]int32, nodes), make([]int32, nodes)
	s.last, s.size = make([]int32, nodes), make([]int32, nodes)
	s.parent[n], s.pred[n] = none, none
	// Preorder: the root, then every node as a leaf below it.
	order := make([]int32, 0, nodes)
	order = append(order, s.root)
	for v := 0; v < n; v++ {
		order = append(order, int32(v))
	}
	for i, v := range order {
		w := order[(i+1)%nodes]
		s.thread[v], s.rev[w] = w, v
		s.last[v], s.size[v] = v, 1
	}
	s.last[n], s.size[n] = order[nodes-1], int32(nodes)
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
		s.parent[v], s.pred[v] = s.root, int32(e)
	}
	// Blocks of 1.6·√m arcs: with the arcs mixed, fewer pivots than √m
	// (LEMON's choice) for less searching than 2·√m.
	s.block = max(int(1.6*math.Sqrt(float64(m))), 10)
	// First pivots: the cheapest arc into each node short of flow, which
	// settles much of the tree at once where few nodes send.
	cheapest := make([]int32, n)
	for v := range cheapest {
		cheapest[v] = none
	}
	for k := 0; k < m; k++ {
		v := s.dst[k]
		if supply[v] < 0 && (cheapest[v] == none || s.cost[k] < s.cost[cheapest[v]]) {
			cheapest[v] = int32(k)
		}
	}
	for v := 0; v < n; v++ {
		k := int(cheapest[v])
		if k == none || int64(s.state[k])*(s.cost[k]+s.pi[s.src[k]]-s.pi[s.dst[k]]) >= 0 {
			continue
		}
		if !s.pivot(k) {
			return Solution{Status: Unbounded, Method: sol.Method, Steps: sol.Steps}
		}
		sol.Steps++
	}
	cheapest = nil
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
	for v := range sol.Potential {
		sol.Potential[v] = s.pi[v] - s.pi[s.root]
	}
	return sol
}

// entering picks the arc to enter the tree by block search: the arc that
// most violates optimality within the first block that has one. It returns
// none when no arc violates optimality. Only real arcs are searched: an
// artificial arc that has left the tree carries nothing and need not come
// back, as its cost is never below that of a real path.
func (s *simplexState) entering() int {
	m := s.arcs
	st, cost, src, dst, pi := s.state[:m], s.cost[:m], s.src[:m], s.dst[:m], s.pi
	best, bestV := none, int64(0)
	k := s.next
	for scanned := 0; scanned < m; {
		end := min(k+s.block, m)
		if j, v := scanBlock(st[k:end], cost[k:end], src[k:end], dst[k:end], pi); v < bestV {
			best, bestV = k+j, v
		}
		scanned += end - k
		k = end
		if k == m {
			k = 0
		}
		if best != none {
			break
		}
	}
	s.next = k
	return best
}

// scanBlock returns the arc of a block that most violates optimality and
// its violation (the reduced cost signed by the arc's state; 0 for none).
// It is a function of its own so that its loop keeps everything in
// registers.
//
//go:noinline
func scanBlock(st []int8, cost []int64, src, dst []int32, pi []int64) (int, int64) {
	cost, src, dst = cost[:len(st)], src[:len(st)], dst[:len(st)]
	best, bestV := 0, int64(0)
	for j, x := range st {
		// Tree arcs have state 0: no violation.
		if v := int64(x) * (cost[j] + pi[src[j]] - pi[dst[j]]); v < bestV {
			best, bestV = j, v
		}
	}
	return best, bestV
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
	parent, pred, dir, size := s.parent, s.pred, s.dir, s.size
	flo, capa := s.flo, s.capa
	u, v := s.src[in], s.dst[in]
	// The join: the first common ancestor of the arc's ends.
	a, b := u, v
	for a != b {
		if size[a] < size[b] {
			a = parent[a]
		} else {
			b = parent[b]
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
		delta = flo[in]
	}
	out, side := int32(none), 0
	for x := first; x != join; x = parent[x] {
		e := pred[x]
		d := flo[e]
		if dir[x] < 0 {
			if d = Inf; capa[e] != Inf {
				d = capa[e] - flo[e]
			}
		}
		if d < delta {
			delta, out, side = d, x, 1
		}
	}
	for x := second; x != join; x = parent[x] {
		e := pred[x]
		d := flo[e]
		if dir[x] > 0 {
			if d = Inf; capa[e] != Inf {
				d = capa[e] - flo[e]
			}
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
		flo[in] += val
		for x := u; x != join; x = parent[x] {
			flo[pred[x]] -= int64(dir[x]) * val
		}
		for x := v; x != join; x = parent[x] {
			flo[pred[x]] += int64(dir[x]) * val
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
	s.rehang(int32(in), uIn, vIn, out, join)
	return true
}

// rehang moves the subtree of out, which holds uIn, to hang from vIn by the
// entering arc in: the stem from uIn up to out turns round, the subtree's
// run in the preorder is rebuilt and moved after vIn, and sizes, lasts and
// potentials follow.
func (s *simplexState) rehang(in, uIn, vIn, out, join int32) {
	thread, rev, last, size := s.thread, s.rev, s.last, s.size
	parent, pi := s.parent, s.pi
	// Potentials: the whole subtree shifts by one amount.
	newPi := pi[vIn] + s.cost[in]
	if s.src[in] == uIn {
		newPi = pi[vIn] - s.cost[in]
	}
	sigma := newPi - pi[uIn]
	oldLast := last[out]
	if sigma != 0 && int(size[out])*2 <= len(pi) {
		for x := out; ; x = thread[x] {
			pi[x] += sigma
			if x == oldLast {
				break
			}
		}
	} else if sigma != 0 {
		// The subtree is most of the tree: shifting everything else the
		// other way gives the same reduced costs for less work.
		for x := thread[oldLast]; x != out; x = thread[x] {
			pi[x] -= sigma
		}
		if r := pi[s.root]; r > limit/8 || r < -limit/8 {
			for x := range pi {
				pi[x] -= r
			}
		}
	}
	// The stem, uIn first.
	stem := s.stem[:0]
	for x := uIn; ; x = parent[x] {
		stem = append(stem, x)
		if x == out {
			break
		}
	}
	s.stem = stem
	// The new preorder of the subtree: each stem node with what hung below
	// it apart from the stem node below it, uIn's part first.
	parts := append(s.parts[:0], [2]int32{uIn, last[uIn]})
	for i := 1; i < len(stem); i++ {
		x, below := stem[i], stem[i-1]
		parts = append(parts, [2]int32{x, rev[below]})
		if last[below] != last[x] {
			parts = append(parts, [2]int32{thread[last[below]], last[x]})
		}
	}
	s.parts = parts
	// Take the old run out of the list.
	prevOut, nextOut := rev[out], thread[oldLast]
	thread[prevOut], rev[nextOut] = nextOut, prevOut
	// Link the parts and put them after vIn.
	for i := 0; i+1 < len(parts); i++ {
		a, b := parts[i][1], parts[i+1][0]
		thread[a], rev[b] = b, a
	}
	newLast := parts[len(parts)-1][1]
	after := thread[vIn]
	thread[vIn], rev[uIn] = uIn, vIn
	thread[newLast], rev[after] = after, newLast
	// Sizes: the stem's from the old ones, then the paths to the join.
	total := size[out]
	prevOld := size[uIn]
	size[uIn] = total
	for i := 1; i < len(stem); i++ {
		x := stem[i]
		cur := size[x]
		size[x] = total - prevOld
		prevOld = cur
	}
	vOut := parent[out]
	for x := vIn; x != join; x = parent[x] {
		size[x] += total
	}
	for x := vOut; x != join; x = parent[x] {
		size[x] -= total
	}
	// Lasts: every stem node's subtree now ends the moved run; ancestors
	// that ended with the old run end before it, then those that end with
	// vIn end with the new run.
	for x := vOut; x != none && last[x] == oldLast; x = parent[x] {
		last[x] = prevOut
	}
	for _, x := range stem {
		last[x] = newLast
	}
	for x := vIn; x != none && last[x] == vIn; x = parent[x] {
		last[x] = newLast
	}
	// Parents turn round along the stem.
	newParent, newPred := vIn, in
	newDir := int8(-1)
	if s.src[in] == uIn {
		newDir = 1
	}
	pred, dir := s.pred, s.dir
	for _, x := range stem {
		oldPred, oldDir := pred[x], dir[x]
		parent[x], pred[x], dir[x] = newParent, newPred, newDir
		newParent, newPred, newDir = x, oldPred, -oldDir
	}
}
