package repair

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/flow"
)

// Waiting is an order waiting for a facility.
type Waiting struct {
	Order    int64
	NSN      string
	Group    string
	ItemName string
	Location string
	Priority int
	Reported time.Time
}

// PlanInput is what a repair plan is made from.
type PlanInput struct {
	Orders     []Waiting
	Facilities []RepairFacility
	// Busy holds, per facility, the days each of its open orders still
	// needs a slot for (those assigned, on their way or in repair).
	Busy map[string][]int
	// Hours is the transport time from a site to a facility; false when
	// there is no route.
	Hours   func(from, to string) (int64, bool)
	Start   time.Time
	Horizon int // days
}

// Assignment is a proposed placement of an order.
type Assignment struct {
	Order     int64     `json:"order"`
	Facility  string    `json:"facility"`
	Transport int64     `json:"transport_hours"`
	Arrive    time.Time `json:"arrive"`
	Start     time.Time `json:"start"`
	Due       time.Time `json:"due"`
	Days      int       `json:"turnaround_days"`
	Queue     int       `json:"queue_days"` // between arrival and the start of repair
}

// Unplaced is an order the plan cannot place, and why.
type Unplaced struct {
	Order  int64  `json:"order"`
	Reason string `json:"reason"`
}

// FacilityLoad is what a plan asks of a facility over the horizon.
type FacilityLoad struct {
	Site     string `json:"site"`
	Slots    int    `json:"slots"`
	Busy     int    `json:"busy"`     // open orders before the plan
	Assigned int    `json:"assigned"` // orders the plan adds
	// SlotDays is what the facility offers over the horizon and Used what
	// its open and planned orders need of it.
	SlotDays int64 `json:"slot_days"`
	Used     int64 `json:"used_slot_days"`
}

// Proposal is a repair plan.
type Proposal struct {
	Assignments []Assignment   `json:"assignments"`
	Unplaced    []Unplaced     `json:"unplaced"`
	Load        []FacilityLoad `json:"facilities"`
	Rounds      int            `json:"rounds"`
}

// Costs: an order left waiting costs more than any placement, and more the
// more urgent it is; a placement costs its transport hours and the hours it
// waits for a slot.
const (
	waitBase = 1_000_000 // per order, times (5 − priority)
	weekCost = 7 * 24    // per week of queue
)

// Plan assigns the waiting orders to competent facilities with free slots
// over the horizon, most urgent first, then the least transport and queue
// time. A facility's capacity is counted in slot-days: its slots times the
// days of the horizon, less what its open orders still need; an order
// needs its turnaround's worth, from the week it starts. Orders of the
// same item, place and priority are one node of the flow network, so the
// network grows with the kinds of order, not their number.
func Plan(in PlanInput) (Proposal, error) {
	if in.Horizon <= 0 {
		in.Horizon = 90
	}
	weeks := (in.Horizon + 6) / 7
	start := in.Start.UTC()
	var p Proposal

	// Groups of interchangeable orders, oldest first within each.
	type group struct {
		nsn, grp, name, loc string
		prio                int
		orders              []int // indexes into in.Orders
		node                int
	}
	byKey := map[string]*group{}
	var groups []*group
	for i, o := range in.Orders {
		k := fmt.Sprintf("%s|%s|%s|%d", o.NSN, o.Group, o.Location, o.Priority)
		g := byKey[k]
		if g == nil {
			g = &group{nsn: o.NSN, grp: o.Group, name: o.ItemName, loc: o.Location, prio: min(max(o.Priority, 1), 4)}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.orders = append(g.orders, i)
	}
	for _, g := range groups {
		sort.SliceStable(g.orders, func(a, b int) bool { return in.Orders[g.orders[a]].Reported.Before(in.Orders[g.orders[b]].Reported) })
	}

	// When each slot of each facility is free: open orders hold slots
	// for the days they still need, the soonest free slot taking the next.
	release := map[string][]int{}
	for _, f := range in.Facilities {
		r := make([]int, f.Slots)
		busy := slices.Clone(in.Busy[f.Site])
		slices.Sort(busy)
		for _, d := range busy {
			i := slices.Index(r, slices.Min(r))
			r[i] += d
		}
		release[f.Site] = r
	}
	// have is what a facility offers over the horizon, in slot-days.
	have := func(site string) int64 {
		var n int64
		for _, r := range release[site] {
			n += int64(max(in.Horizon-r, 0))
		}
		return n
	}
	nw := &flow.Network{}
	node := func(supply int64) int {
		nw.Supply = append(nw.Supply, supply)
		return len(nw.Supply) - 1
	}
	sink := node(-int64(len(in.Orders)))
	type target struct {
		node  int
		fac   *RepairFacility
		comp  Competence
		weeks []int // arcs, one per week
	}
	targets := map[string]*target{} // facility|target
	type placeArc struct {
		arc   int
		group *group
		t     *target
		hours int64
	}
	var places []placeArc
	unplacedArc := map[*group]int{}
	reasons := map[*group]string{}
	for _, g := range groups {
		g.node = node(int64(len(g.orders)))
		unplacedArc[g] = nw.AddArc(g.node, sink, 0, flow.Inf, waitBase*int64(5-g.prio))
		var competent, unreachable []string
		for fi := range in.Facilities {
			f := &in.Facilities[fi]
			c, ok := f.Competent(g.nsn, g.grp)
			if !ok {
				continue
			}
			competent = append(competent, f.Site)
			hours, ok := in.Hours(g.loc, f.Site)
			if !ok {
				unreachable = append(unreachable, f.Site)
				continue
			}
			key := f.Site + "|" + c.Target
			t := targets[key]
			if t == nil {
				t = &target{node: node(0), fac: f, comp: c}
				targets[key] = t
				// A slot free on day r starts orders on days r, r+D, r+2D
				// … within the horizon; they are counted by week.
				perWeek := make([]int64, weeks)
				for _, r := range release[f.Site] {
					for d := r; d < in.Horizon; d += c.Days {
						perWeek[d/7]++
					}
				}
				for w := range weeks {
					a := nw.AddArc(t.node, sink, 0, perWeek[w], int64(w)*weekCost)
					t.weeks = append(t.weeks, a)
				}
			}
			// An urgent order's hours weigh more, so that it gets the
			// nearer facility when two orders could swap.
			a := nw.AddArc(g.node, t.node, 0, flow.Inf, hours*int64(5-g.prio))
			places = append(places, placeArc{arc: a, group: g, t: t, hours: hours})
		}
		what := g.name
		if what == "" {
			what = g.nsn
		}
		switch {
		case len(competent) == 0:
			reasons[g] = fmt.Sprintf("no facility is competent for %s", what)
		case len(unreachable) == len(competent):
			reasons[g] = fmt.Sprintf("no route from %s to a facility competent for %s (%s)", g.loc, what, strings.Join(competent, ", "))
		default:
			reasons[g] = fmt.Sprintf("every facility competent for %s (%s) is full until after %s", what, strings.Join(competent, ", "), start.AddDate(0, 0, in.Horizon).Format("2006-01-02"))
		}
	}

	solver := flow.NewSolver(nw)
	var sol flow.Solution
	for round := 1; ; round++ {
		var err error
		if sol, err = solver.Solve(); err != nil {
			return p, err
		}
		if sol.Status != flow.Optimal {
			return p, fmt.Errorf("the repair network is %s: this is a defect in the planner", sol.Status)
		}
		p.Rounds = round
		// Targets of one facility share its slots: where together they
		// need more slot-days than it offers over the horizon (an order's
		// last days may run past it), each keeps its earliest starts in
		// proportion.
		over := false
		byFac := map[string][]*target{}
		for _, t := range targets {
			byFac[t.fac.Site] = append(byFac[t.fac.Site], t)
		}
		for site, ts := range byFac {
			if len(ts) < 2 {
				continue
			}
			var need, longest int64
			for _, t := range ts {
				for _, a := range t.weeks {
					need += sol.Flow[a] * int64(t.comp.Days)
				}
				longest = max(longest, int64(t.comp.Days))
			}
			offer := have(site) + int64(len(release[site]))*(longest-1)
			if need <= offer {
				continue
			}
			for _, t := range ts {
				var took int64
				for _, a := range t.weeks {
					took += sol.Flow[a]
				}
				keep := took * offer / need
				for _, a := range t.weeks {
					k := min(sol.Flow[a], keep)
					solver.SetCapacity(a, k)
					keep -= k
				}
			}
			over = true
		}
		if !over || round == 6 {
			break
		}
	}

	// Read the flow back into assignments, oldest order first in each group.
	next := map[*group]int{}
	take := func(g *group) (int64, bool) {
		if next[g] >= len(g.orders) {
			return 0, false
		}
		o := in.Orders[g.orders[next[g]]]
		next[g]++
		return o.Order, true
	}
	// Per target, the week arcs' flows are the starts in each week, to be
	// shared among the groups that send to it, nearest first.
	loads := map[string]*FacilityLoad{}
	for _, f := range in.Facilities {
		l := &FacilityLoad{Site: f.Site, Slots: f.Slots, Busy: len(in.Busy[f.Site]), SlotDays: int64(f.Slots) * int64(in.Horizon)}
		for _, d := range in.Busy[f.Site] {
			l.Used += int64(min(d, in.Horizon))
		}
		loads[f.Site] = l
	}
	// The most urgent groups take a target's earliest weeks.
	slices.SortStableFunc(places, func(a, b placeArc) int {
		if a.group.prio != b.group.prio {
			return a.group.prio - b.group.prio
		}
		return int(a.hours - b.hours)
	})
	starts := map[*target][]int64{}
	for _, t := range targets {
		s := make([]int64, len(t.weeks))
		for w, a := range t.weeks {
			s[w] = sol.Flow[a]
		}
		starts[t] = s
	}
	for _, pa := range places {
		q := sol.Flow[pa.arc]
		for ; q > 0; q-- {
			s := starts[pa.t]
			w := slices.IndexFunc(s, func(n int64) bool { return n > 0 })
			if w < 0 {
				break
			}
			s[w]--
			id, ok := take(pa.group)
			if !ok {
				break
			}
			arrive := start.Add(time.Duration(pa.hours) * time.Hour)
			begin := start.AddDate(0, 0, 7*w)
			if arrive.After(begin) {
				begin = arrive
			}
			a := Assignment{Order: id, Facility: pa.t.fac.Site, Transport: pa.hours, Arrive: arrive, Start: begin, Days: pa.t.comp.Days,
				Due: begin.AddDate(0, 0, pa.t.comp.Days), Queue: int(begin.Sub(arrive).Hours() / 24)}
			p.Assignments = append(p.Assignments, a)
			l := loads[a.Facility]
			l.Assigned++
			l.Used += int64(a.Days)
		}
	}
	for _, g := range groups {
		for next[g] < len(g.orders) {
			id, _ := take(g)
			p.Unplaced = append(p.Unplaced, Unplaced{Order: id, Reason: reasons[g]})
		}
	}
	for _, f := range in.Facilities {
		p.Load = append(p.Load, *loads[f.Site])
	}
	sort.Slice(p.Assignments, func(i, j int) bool { return p.Assignments[i].Order < p.Assignments[j].Order })
	sort.Slice(p.Unplaced, func(i, j int) bool { return p.Unplaced[i].Order < p.Unplaced[j].Order })
	if p.Assignments == nil {
		p.Assignments = []Assignment{}
	}
	if p.Unplaced == nil {
		p.Unplaced = []Unplaced{}
	}
	return p, nil
}
