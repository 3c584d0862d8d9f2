// Package flow solves minimum-cost flow problems over integer capacities,
// costs and supplies. It knows nothing of what the networks stand for.
//
// A Network has nodes 0..N-1 with supplies (positive: the node sends;
// negative: it receives; they must sum to zero) and arcs with a lower bound,
// a capacity (Inf for none) and a cost per unit. Solve returns an optimal
// integral flow, its cost, and node potentials (dual prices) that certify
// optimality: every arc's reduced cost, cost + π(from) − π(to), is ≥ 0 where
// the flow could still increase and ≤ 0 where it could still decrease.
// It says when a problem is infeasible or unbounded, and refuses a network
// whose costs and capacities could overflow int64 arithmetic.
//
// Two methods solve from scratch: the primal network simplex with a
// block-search pivot rule and an artificial root, and cost scaling
// (partial augment-relabel, for networks without negative costs); Solve
// chooses between them by the network's shape and size. A Solver keeps a solution and re-solves after
// small changes (a supply, a capacity or a cost, an arc added or closed) by
// repairing it with shortest augmenting paths on reduced costs, which is far
// cheaper than solving again.
package flow

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Inf is the capacity of an arc without an upper bound.
const Inf int64 = math.MaxInt64

// Arc is a directed arc of a network.
type Arc struct {
	From, To int
	Lower    int64 // least flow; usually 0
	Cap      int64 // most flow; Inf for no limit
	Cost     int64 // per unit of flow
}

// Network is a minimum-cost flow problem.
type Network struct {
	Supply []int64 // one per node
	Arcs   []Arc
}

// NewNetwork returns a network of n nodes with no supply and no arcs.
func NewNetwork(n int) *Network { return &Network{Supply: make([]int64, n)} }

// Nodes is the number of nodes.
func (nw *Network) Nodes() int { return len(nw.Supply) }

// AddArc adds an arc and returns its index.
func (nw *Network) AddArc(from, to int, lower, cap, cost int64) int {
	nw.Arcs = append(nw.Arcs, Arc{From: from, To: to, Lower: lower, Cap: cap, Cost: cost})
	return len(nw.Arcs) - 1
}

// Status says how a solve ended.
type Status int

// The outcomes of a solve.
const (
	Optimal    Status = iota // an optimal flow was found
	Infeasible               // no flow meets the supplies within the bounds
	Unbounded                // a negative-cost cycle has no capacity limit
)

func (s Status) String() string {
	switch s {
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Unbounded:
		return "unbounded"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Solution is the result of a solve. Flow and Potential are set when the
// status is Optimal.
type Solution struct {
	Status    Status
	Cost      int64
	Flow      []int64 // per arc
	Potential []int64 // per node: the dual prices
	Method    string  // "network simplex", "cost scaling" or "warm start"
	Steps     int     // pivots or augmentations
}

// ErrOverflow is returned for a network whose figures could overflow int64
// arithmetic on the way to its optimal cost.
var ErrOverflow = errors.New("costs and capacities too large for exact int64 arithmetic")

// limit is the bound every intermediate figure must stay below; a quarter
// of int64's range leaves room for sums of two or three such figures.
const limit = math.MaxInt64 / 4

// mulFits reports whether a×b (both ≥ 0) stays below limit.
func mulFits(a, b int64) bool {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	return hi == 0 && lo < limit
}

// check validates a network and returns the total supply and the largest
// absolute cost.
func check(nw *Network) (total, maxCost int64, err error) {
	n := len(nw.Supply)
	var sum int64
	for v, s := range nw.Supply {
		if s > limit || s < -limit {
			return 0, 0, fmt.Errorf("node %d: supply %d: %w", v+1, s, ErrOverflow)
		}
		sum += s
		if s > 0 {
			total += s
			if total > limit {
				return 0, 0, fmt.Errorf("total supply: %w", ErrOverflow)
			}
		}
	}
	if sum > limit || sum < -limit {
		return 0, 0, fmt.Errorf("supplies: %w", ErrOverflow)
	}
	for i, a := range nw.Arcs {
		if a.From < 0 || a.From >= n || a.To < 0 || a.To >= n {
			return 0, 0, fmt.Errorf("arc %d: node out of range 1..%d", i+1, n)
		}
		if a.Lower > a.Cap {
			return 0, 0, fmt.Errorf("arc %d (%d→%d): lower bound %d above capacity %d", i+1, a.From+1, a.To+1, a.Lower, a.Cap)
		}
		if a.Lower < -limit || a.Lower > limit || (a.Cap != Inf && (a.Cap > limit || a.Cap < -limit)) {
			return 0, 0, fmt.Errorf("arc %d: bounds %d..%d: %w", i+1, a.Lower, a.Cap, ErrOverflow)
		}
		c := a.Cost
		if c < 0 {
			c = -c
		}
		if c > limit || a.Cost == math.MinInt64 {
			return 0, 0, fmt.Errorf("arc %d: cost %d: %w", i+1, a.Cost, ErrOverflow)
		}
		maxCost = max(maxCost, c)
	}
	// The objective: every arc's cost times the most flow it can carry
	// (its capacity, or the total supply on an arc without limit) must add
	// up within range, and so must the artificial cost the simplex uses.
	var bound int64
	for i, a := range nw.Arcs {
		c := a.Cost
		if c < 0 {
			c = -c
		}
		span := total + abs(a.Lower)
		if a.Cap != Inf {
			span = max(abs(a.Cap), abs(a.Lower))
		}
		if !mulFits(c, span) {
			return 0, 0, fmt.Errorf("arc %d: cost %d × flow up to %d: %w", i+1, a.Cost, span, ErrOverflow)
		}
		bound += c * span
		if bound > limit {
			return 0, 0, fmt.Errorf("the total cost could reach beyond %d: %w", int64(limit), ErrOverflow)
		}
	}
	if !mulFits(maxCost+1, int64(n+2)*8) {
		return 0, 0, fmt.Errorf("largest cost %d over %d nodes: %w", maxCost, n, ErrOverflow)
	}
	return total, maxCost, nil
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// Method chooses how Solve works.
type Method int

// The methods: Auto chooses by the network's shape.
const (
	Auto Method = iota
	NetworkSimplex
	CostScaling
)

// Solve solves nw from scratch with the method that suits its shape.
func Solve(nw *Network) (Solution, error) { return SolveBy(nw, Auto) }

// SolveBy solves nw from scratch with method m. Cost scaling applies to
// networks without negative costs; for others, and whenever it cannot
// settle a network exactly, the network simplex solves it.
func SolveBy(nw *Network, m Method) (Solution, error) {
	total, maxCost, err := check(nw)
	if err != nil {
		return Solution{}, err
	}
	var sum int64
	for _, s := range nw.Supply {
		sum += s
	}
	if sum != 0 {
		return Solution{Status: Infeasible}, nil
	}
	if m == Auto {
		m = choose(nw)
	}
	if m == CostScaling && nonNegative(nw) {
		if sol, ok := costScaling(nw, total, maxCost); ok {
			return sol, nil
		}
	}
	sol := simplex(nw, maxCost)
	if sol.Status == Unbounded && !feasible(nw) {
		// A problem with no feasible flow is infeasible, whatever its costs.
		sol.Status = Infeasible
	}
	return sol, nil
}

// feasible reports whether any flow meets nw's supplies within its bounds:
// the same network with every cost zero, which cannot be unbounded.
func feasible(nw *Network) bool {
	free := &Network{Supply: nw.Supply, Arcs: make([]Arc, len(nw.Arcs))}
	for i, a := range nw.Arcs {
		a.Cost = 0
		free.Arcs[i] = a
	}
	return simplex(free, 0).Status == Optimal
}

// Cost returns the cost of flow on nw, or an error when a flow breaks a
// bound or the supplies; it is how tests and callers check a solution.
func Verify(nw *Network, flow []int64) (int64, error) {
	if len(flow) != len(nw.Arcs) {
		return 0, fmt.Errorf("%d flows for %d arcs", len(flow), len(nw.Arcs))
	}
	bal := make([]int64, len(nw.Supply))
	var cost int64
	for i, a := range nw.Arcs {
		f := flow[i]
		if f < a.Lower || f > a.Cap {
			return 0, fmt.Errorf("arc %d: flow %d outside %d..%d", i+1, f, a.Lower, a.Cap)
		}
		bal[a.From] += f
		bal[a.To] -= f
		cost += f * a.Cost
	}
	for v, s := range nw.Supply {
		if bal[v] != s {
			return 0, fmt.Errorf("node %d: sends %d, supply %d", v+1, bal[v], s)
		}
	}
	return cost, nil
}

// Slack checks complementary slackness: with the potentials, every arc's
// reduced cost is ≥ 0 where its flow is below capacity and ≤ 0 where it is
// above its lower bound. A flow that meets the supplies and passes is
// optimal.
func Slack(nw *Network, flow, pi []int64) error {
	for i, a := range nw.Arcs {
		rc := a.Cost + pi[a.From] - pi[a.To]
		if rc < 0 && flow[i] < a.Cap {
			return fmt.Errorf("arc %d (%d→%d): reduced cost %d < 0 but flow %d below capacity %d", i+1, a.From+1, a.To+1, rc, flow[i], a.Cap)
		}
		if rc > 0 && flow[i] > a.Lower {
			return fmt.Errorf("arc %d (%d→%d): reduced cost %d > 0 but flow %d above lower bound %d", i+1, a.From+1, a.To+1, rc, flow[i], a.Lower)
		}
	}
	return nil
}

func nonNegative(nw *Network) bool {
	for _, a := range nw.Arcs {
		if a.Cost < 0 {
			return false
		}
	}
	return true
}

// choose picks the method for a network by its shape and size. Below some
// 20,000 arcs the simplex is faster. Above, where many nodes send or
// receive (as in allocation plans: every depot sends, every requirement
// receives) cost scaling is several times faster; where few do (the
// classic transportation benchmarks) the simplex is faster up to some
// hundreds of thousands of arcs, and cost scaling beyond, as the simplex's
// pivots grow with the size and each pivot costs more.
func choose(nw *Network) Method {
	if len(nw.Arcs) < 20_000 {
		return NetworkSimplex
	}
	ends := 0
	for _, s := range nw.Supply {
		if s != 0 {
			ends++
		}
	}
	if ends*10 > len(nw.Supply)*3 || len(nw.Arcs) >= 750_000 {
		return CostScaling
	}
	return NetworkSimplex
}
