// Package plan turns the ledger and the network into minimum-cost flow
// problems and their solutions back into proposals: which pledged stock
// goes to which requirement, by which route, and why a requirement is not
// met. It knows the domain; internal/flow knows only networks.
//
// The allocation network has, per compatibility class (an
// interchangeability group, or an item without one): the stock at each
// donor depot; the hubs, each an arc in → out carrying at most its
// throughput over the horizon; the delivery points; the requirements. An
// "unmet" node can serve any requirement at a cost that ranks priority
// first, and an "unused" node takes stock nobody needs, so every instance
// is feasible and a shortfall shows as flow on an unmet arc. Which of the
// units arriving at a delivery point serves which requirement there is
// then chosen so that the fewest hours are late (see rematch). Classes share
// the hubs: each class may use a hub's whole limit at first, and where the
// classes together exceed it, their shares are cut in proportion and the
// plan is solved again from where it was.
//
// Its use cases (Service: make a proposal, approve it) write through the
// Tx port it declares in the ledger's types (assist.Outstanding,
// assist.Proposal), so that the store never imports the planner.
package plan

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/flow"
	"github.com/longhaul/longhaul/internal/logistics"
)

// The planner's inputs and its proposal are the ledger's types: the store
// reads and keeps them without knowing the planner.
type (
	Stock   = assist.Stock
	Need    = assist.Need
	Plan    = assist.AllocationPlan
	Line    = assist.PlannedLine
	Unmet   = assist.Shortfall
	HubLoad = assist.HubLoad
)

// Input is what a plan is made from.
type Input struct {
	Stock   []Stock
	Needs   []Need
	Network logistics.Network
	Start   time.Time // when shipments could leave
	Horizon int       // days over which hub throughput counts
}

// hubLimit is the mass in grams hub h can pass over a horizon of days,
// and which of its limits sets it: its throughput a day, or its storage,
// which holds each tonne for the dwell time, so that it turns over
// horizon×24/dwell times. 0 means no limit.
func hubLimit(h logistics.Hub, days int) (int64, string) {
	if !h.Configured {
		return 0, ""
	}
	limit, binding := h.ThroughputTDay*int64(days)*1_000_000, "throughput"
	if h.StorageTonnes > 0 && h.DwellHours > 0 {
		if st := h.StorageTonnes * 1_000_000 * int64(days) * 24 / h.DwellHours; st < limit {
			limit, binding = st, "storage"
		}
	}
	return limit, binding
}

// Costs rank priority first (the cost of leaving a unit unmet), then the
// need-by date, then transit time; every served route costs less than any
// difference between priorities.
const (
	costHour    = 1         // per hour of transit and dwell
	costUrgency = 100       // per day between the start and the need-by date
	unmetBase   = 1_000_000 // per unit unmet, times (5 − priority)
	horizonDays = 366
)

// class is an item's compatibility class: its group, or its NSN.
func class(it catalog.Item) string {
	if it.Group != "" {
		return "G:" + it.Group
	}
	return "N:" + it.NSN
}

// needClass is the class a need accepts: its group, its item's group, or
// its item alone.
func needClass(n Need) string {
	switch {
	case n.Group != "":
		return "G:" + n.Group
	case n.Item != nil && n.Item.Group != "":
		return "G:" + n.Item.Group
	}
	return "N:" + n.NSN
}

// Make builds the allocation network, solves it and reads the proposal.
func Make(in Input) (Plan, error) {
	if in.Horizon <= 0 {
		in.Horizon = 30
	}
	b := newBuilder(in)
	if err := b.build(); err != nil {
		return Plan{}, err
	}
	solver := flow.NewSolver(b.nw)
	var sol flow.Solution
	var err error
	var p Plan
	for round := 1; ; round++ {
		if sol, err = solver.Solve(); err != nil {
			return Plan{}, err
		}
		if sol.Status != flow.Optimal {
			return Plan{}, fmt.Errorf("the allocation network is %s: this is a defect in the planner", sol.Status)
		}
		p.Rounds = round
		over := b.shareHubs(solver, sol.Flow)
		if !over || round == 6 {
			break
		}
	}
	p.Cost = sol.Cost
	b.nw = solver.Network() // with the hubs' shares as they ended
	if err := b.read(&p, sol.Flow); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// builder holds the network under construction and what its arcs stand for.
type builder struct {
	in  Input
	nw  *flow.Network
	cls map[string]*classNet

	unmet, unused int
	homeless      map[string][]string // class → nations whose stock has no depot
	unmetArc      map[int]int         // need → its unmet arc
	stockArc      map[int]int         // stock → the arc from its node to its depot node
	hubArcs       map[string][]hubArc
}

type hubArc struct {
	arc   int
	class string
	massG int64 // per unit, the heaviest of the class
}

type classNet struct {
	name   string
	massG  int64
	depot  map[string]int // site → node
	hubIn  map[string]int
	hubOut map[string]int
	point  map[string]int
	arcs   []planArc
}

// planArc is an arc of a class's network and the hop it stands for.
type planArc struct {
	arc      int
	from, to string // sites
	hours    int64
	kind     string // "leg", "hub", "serve"
	need     int
}

func newBuilder(in Input) *builder {
	return &builder{in: in, nw: &flow.Network{}, cls: map[string]*classNet{}, unmetArc: map[int]int{}, stockArc: map[int]int{}, hubArcs: map[string][]hubArc{}, homeless: map[string][]string{}}
}

func (b *builder) node(supply int64) int {
	b.nw.Supply = append(b.nw.Supply, supply)
	return len(b.nw.Supply) - 1
}

func (b *builder) class(name string) *classNet {
	c, ok := b.cls[name]
	if !ok {
		c = &classNet{name: name, depot: map[string]int{}, hubIn: map[string]int{}, hubOut: map[string]int{}, point: map[string]int{}}
		b.cls[name] = c
	}
	return c
}

func (b *builder) build() error {
	var stock, demand int64
	b.unmet = b.node(0)
	b.unused = b.node(0)
	for i, s := range b.in.Stock {
		if s.Quantity > 0 && s.Depot == "" {
			k := class(s.Item)
			if !slices.Contains(b.homeless[k], s.Nation) {
				b.homeless[k] = append(b.homeless[k], s.Nation)
			}
		}
		if s.Quantity <= 0 || s.Depot == "" {
			continue
		}
		c := b.class(class(s.Item))
		c.massG = max(c.massG, s.Item.MassG)
		d, ok := c.depot[s.Depot]
		if !ok {
			d = b.node(0)
			c.depot[s.Depot] = d
			b.nw.AddArc(d, b.unused, 0, flow.Inf, 0)
		}
		sn := b.node(s.Quantity)
		b.stockArc[i] = b.nw.AddArc(sn, d, 0, s.Quantity, 0)
		stock += s.Quantity
	}
	start := b.in.Start.UTC().Truncate(24 * time.Hour)
	for i, n := range b.in.Needs {
		if n.Quantity <= 0 {
			continue
		}
		c := b.class(needClass(n))
		if n.Item != nil {
			c.massG = max(c.massG, n.Item.MassG)
		}
		r := b.node(-n.Quantity)
		demand += n.Quantity
		prio := int64(min(max(n.Priority, 1), 4))
		b.unmetArc[i] = b.nw.AddArc(b.unmet, r, 0, flow.Inf, unmetBase*(5-prio))
		days := int64(horizonDays)
		if t, err := time.Parse("2006-01-02", n.NeedBy); err == nil {
			days = min(max(int64(t.Sub(start).Hours()/24), 0), horizonDays)
		}
		p, ok := c.point[n.Site]
		if !ok {
			p = b.node(0)
			c.point[n.Site] = p
		}
		a := b.nw.AddArc(p, r, 0, n.Quantity, days*costUrgency)
		c.arcs = append(c.arcs, planArc{arc: a, from: n.Site, to: n.Site, kind: "serve", need: i})
	}
	b.nw.Supply[b.unmet] = demand
	b.nw.Supply[b.unused] = -stock
	b.nw.AddArc(b.unmet, b.unused, 0, flow.Inf, 0)
	// Legs: depot → hub, depot → point, hub → hub, hub → point, per class.
	net := b.in.Network
	names := make([]string, 0, len(b.cls))
	for name := range b.cls {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := b.cls[name]
		if len(c.depot) == 0 || len(c.point) == 0 {
			continue
		}
		hubSites := make([]string, 0, len(net.Hubs))
		for site := range net.Sites {
			if net.Sites[site].HasKind("logistics_hub") {
				hubSites = append(hubSites, site)
			}
		}
		sort.Strings(hubSites)
		for _, site := range hubSites {
			{
				in, out := b.node(0), b.node(0)
				c.hubIn[site], c.hubOut[site] = in, out
				h := net.Hubs[site]
				capUnits := flow.Inf
				dwell := int64(logistics.DefaultDwellHours)
				if h.Configured {
					dwell = h.DwellHours
					if limit, _ := hubLimit(h, b.in.Horizon); c.massG > 0 {
						capUnits = limit / c.massG
					}
				}
				a := b.nw.AddArc(in, out, 0, capUnits, dwell*costHour)
				c.arcs = append(c.arcs, planArc{arc: a, from: site, to: site, hours: dwell, kind: "hub"})
				b.hubArcs[site] = append(b.hubArcs[site], hubArc{arc: a, class: name, massG: c.massG})
			}
		}
		for _, l := range net.Links {
			var from, to int
			var ok1, ok2 bool
			if from, ok1 = c.depot[l.From]; !ok1 {
				from, ok1 = c.hubOut[l.From]
			}
			if to, ok2 = c.point[l.To]; !ok2 {
				to, ok2 = c.hubIn[l.To]
			}
			if !ok1 || !ok2 {
				continue
			}
			a := b.nw.AddArc(from, to, 0, flow.Inf, l.TransitHours*costHour)
			c.arcs = append(c.arcs, planArc{arc: a, from: l.From, to: l.To, hours: l.TransitHours, kind: "leg"})
		}
	}
	return nil
}

// shareHubs cuts the classes' shares of each hub whose classes together
// pass more mass than its limit, in proportion to what each passed. It
// reports whether it cut anything.
func (b *builder) shareHubs(s *flow.Solver, f []int64) bool {
	cut := false
	for site, arcs := range b.hubArcs {
		h := b.in.Network.Hubs[site]
		if !h.Configured {
			continue
		}
		limit, _ := hubLimit(h, b.in.Horizon)
		var mass int64
		for _, ha := range arcs {
			mass += f[ha.arc] * ha.massG
		}
		if mass <= limit || mass == 0 {
			continue
		}
		for _, ha := range arcs {
			share := f[ha.arc] * ha.massG * limit / mass / max(ha.massG, 1)
			s.SetCapacity(ha.arc, share)
		}
		cut = true
	}
	return cut
}

// read decomposes the flow into proposal lines (stock → route → need), the
// unmet quantities with their reasons, and the hubs' loads.
func (b *builder) read(p *Plan, f []int64) error {
	arcs := b.nw.Arcs
	flowLeft := append([]int64(nil), f...)
	// Outgoing arcs per node, for walking paths.
	out := make([][]int, len(b.nw.Supply))
	for i, a := range arcs {
		out[a.From] = append(out[a.From], i)
	}
	hop := map[int]planArc{}
	for _, c := range b.cls {
		for _, pa := range c.arcs {
			hop[pa.arc] = pa
		}
	}
	serveNeed := map[int]int{} // requirement node → need index
	for _, c := range b.cls {
		for _, pa := range c.arcs {
			if pa.kind == "serve" {
				serveNeed[arcs[pa.arc].To] = pa.need
			}
		}
	}
	for si := range b.in.Stock {
		sa, ok := b.stockArc[si]
		if !ok {
			continue
		}
		for flowLeft[sa] > 0 {
			// Walk a path with flow from the stock's depot to a need; what
			// goes to the unused node is stock nobody needs.
			path := []int{sa}
			q := flowLeft[sa]
			v := arcs[sa].To
			need := -1
			for need < 0 {
				next := -1
				for _, ai := range out[v] {
					if flowLeft[ai] > 0 && arcs[ai].To != b.unused {
						next = ai
						break
					}
				}
				if next < 0 {
					break
				}
				path = append(path, next)
				q = min(q, flowLeft[next])
				v = arcs[next].To
				if n, ok := serveNeed[v]; ok && hop[next].kind == "serve" {
					need = n
				}
			}
			if need < 0 {
				drained := false
				for _, ai := range out[arcs[sa].To] {
					if arcs[ai].To == b.unused && flowLeft[ai] > 0 {
						d := min(flowLeft[sa], flowLeft[ai])
						flowLeft[ai] -= d
						flowLeft[sa] -= d
						drained = d > 0
						break
					}
				}
				if !drained {
					break
				}
				continue
			}
			for _, ai := range path {
				flowLeft[ai] -= q
			}
			l := Line{Stock: si, Need: need, Quantity: q, Route: []string{b.in.Stock[si].Depot}}
			for _, ai := range path[1:] {
				if h, ok := hop[ai]; ok {
					l.TransitHour += h.hours
					if h.kind == "leg" {
						l.Route = append(l.Route, h.to)
					}
				}
			}
			l.ETA = b.in.Start.Add(time.Duration(l.TransitHour) * time.Hour)
			l.DaysLate = daysLate(l.ETA, b.in.Needs[need])
			p.Lines = append(p.Lines, l)
		}
	}
	if err := b.rematch(p); err != nil {
		return err
	}
	// Unmet quantities and why.
	for i := range b.in.Needs {
		a, ok := b.unmetArc[i]
		if !ok || f[a] == 0 {
			continue
		}
		p.Unmet = append(p.Unmet, Unmet{Need: i, Quantity: f[a], Reason: b.reason(i, f)})
	}
	// Hub loads.
	sites := make([]string, 0, len(b.hubArcs))
	for site := range b.hubArcs {
		sites = append(sites, site)
	}
	sort.Strings(sites)
	for _, site := range sites {
		h := b.in.Network.Hubs[site]
		hl := HubLoad{Site: site}
		hl.LimitG, hl.Binding = hubLimit(h, b.in.Horizon)
		for _, ha := range b.hubArcs[site] {
			if f[ha.arc] > 0 {
				hl.Classes++
			}
			hl.Quantity += f[ha.arc]
			hl.MassG += f[ha.arc] * ha.massG
			if f[ha.arc] > 0 && f[ha.arc] == arcs[ha.arc].Cap {
				hl.AtLimit = true
			}
		}
		if hl.LimitG > 0 && hl.MassG*100 >= hl.LimitG*99 {
			hl.AtLimit = true
		}
		p.Hubs = append(p.Hubs, hl)
	}
	sort.Slice(p.Lines, func(i, j int) bool {
		if p.Lines[i].Need != p.Lines[j].Need {
			return p.Lines[i].Need < p.Lines[j].Need
		}
		return p.Lines[i].Stock < p.Lines[j].Stock
	})
	return nil
}

// lateAfter is the instant after which a delivery for n is late: the end
// of its need-by day. Zero when n has no readable need-by date.
func lateAfter(n Need) time.Time {
	t, err := time.Parse("2006-01-02", n.NeedBy)
	if err != nil {
		return time.Time{}
	}
	return t.Add(24 * time.Hour)
}

// daysLate is how many days after n's need-by date eta falls, counting a
// part of a day as a day.
func daysLate(eta time.Time, n Need) int {
	end := lateAfter(n)
	if end.IsZero() || !eta.After(end) {
		return 0
	}
	return int(eta.Sub(end).Hours()/24) + 1
}

// rematch assigns again the units that arrive at each delivery point to
// the requirements there, so that the fewest hours are late. The flow
// decides how much each requirement gets (priority, then need-by date) and
// by which routes the stock comes (transit time); which arriving unit
// serves which requirement at the same point does not change its cost, so
// the solver's choice is arbitrary. Here it is made on purpose: a small
// transportation problem per point and class, solved with the same
// engine, whose costs are the hours each unit would be late for each
// requirement, and one more for leaving the line where it was.
func (b *builder) rematch(p *Plan) error {
	type key struct{ class, site string }
	groups := map[key][]int{}
	var order []key
	for i, l := range p.Lines {
		n := b.in.Needs[l.Need]
		k := key{needClass(n), n.Site}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var out []Line
	for _, k := range order {
		idx := groups[k]
		var needs []int
		served := map[int]int64{}
		etas := map[time.Time]bool{}
		for _, i := range idx {
			l := p.Lines[i]
			if _, ok := served[l.Need]; !ok {
				needs = append(needs, l.Need)
			}
			served[l.Need] += l.Quantity
			etas[l.ETA] = true
		}
		if len(needs) < 2 || len(etas) < 2 {
			for _, i := range idx {
				out = append(out, p.Lines[i])
			}
			continue
		}
		nw := flow.NewNetwork(len(idx) + len(needs))
		type pair struct{ line, need int }
		var arcs []pair
		for li, i := range idx {
			l := p.Lines[i]
			nw.Supply[li] = l.Quantity
			for ni, n := range needs {
				var cost int64
				if end := lateAfter(b.in.Needs[n]); !end.IsZero() && l.ETA.After(end) {
					cost = 2 * int64(l.ETA.Sub(end)/time.Hour+1)
				}
				if n != l.Need {
					cost++
				}
				nw.AddArc(li, len(idx)+ni, 0, l.Quantity, cost)
				arcs = append(arcs, pair{i, n})
			}
		}
		for ni, n := range needs {
			nw.Supply[len(idx)+ni] = -served[n]
		}
		sol, err := flow.Solve(nw)
		if err != nil {
			return err
		}
		if sol.Status != flow.Optimal {
			return fmt.Errorf("matching arrivals to requirements at %s is %s: this is a defect in the planner", k.site, sol.Status)
		}
		for a, q := range sol.Flow {
			if q == 0 {
				continue
			}
			l := p.Lines[arcs[a].line]
			l.Need, l.Quantity = arcs[a].need, q
			l.DaysLate = daysLate(l.ETA, b.in.Needs[l.Need])
			out = append(out, l)
		}
	}
	p.Lines = out
	return nil
}

// reason says in words why need i is not fully met.
func (b *builder) reason(i int, f []int64) string {
	n := b.in.Needs[i]
	c := b.cls[needClass(n)]
	what := n.NSN
	if n.Group != "" {
		what = "group " + n.Group
	}
	if c == nil || len(c.depot) == 0 {
		if nations := b.homeless[needClass(n)]; len(nations) > 0 {
			slices.Sort(nations)
			return fmt.Sprintf("compatible stock of %s has no donor depot in the network: add one for it to be planned", joinAnd(nations))
		}
		return fmt.Sprintf("no compatible stock anywhere: nothing committed and unallocated can stand in for %s", what)
	}
	var full []string
	for site := range c.hubIn {
		for _, pa := range c.arcs {
			if pa.kind == "hub" && pa.from == site && f[pa.arc] > 0 && f[pa.arc] >= b.nw.Arcs[pa.arc].Cap {
				full = append(full, site)
			}
		}
	}
	slices.Sort(full)
	full = slices.Compact(full)
	if len(full) > 0 {
		return fmt.Sprintf("stock exists but the hub %s is at its limit over the %d-day horizon", joinAnd(full), b.in.Horizon)
	}
	if _, ok := c.point[n.Site]; ok {
		reach := false
		for _, pa := range c.arcs {
			if pa.kind == "leg" && pa.to == n.Site {
				reach = true
			}
		}
		if !reach {
			return fmt.Sprintf("no route from a depot with compatible stock to %s", n.Site)
		}
	}
	return fmt.Sprintf("not enough compatible stock: higher priorities or earlier needs take what there is of %s", what)
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}
