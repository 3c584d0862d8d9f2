package readiness

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/repair"
)

// Where an element's available quantity is counted from.
const (
	FromRegister = "register" // operational pieces of the equipment register
	FromLedger   = "ledger"   // units delivered through the pledges
	FromTraining = "training" // cohorts whose every trainee completed
	FromRepair   = "repair"   // repair facilities competent for the system
)

// The state of an element against what the wanted systems need.
const (
	There     = "there"     // nothing is missing
	Planned   = "planned"   // what is planned closes the gap, by a date
	Undated   = "undated"   // what is planned closes the gap, but not all of it has a date
	Unplanned = "unplanned" // what is planned does not close the gap
)

// The bases of a planned date.
const (
	BasisETA       = "eta"        // a shipment's expected arrival
	BasisPromised  = "promised"   // the pledge's promised date
	BasisForecast  = "forecast"   // the line's forecast delivery
	BasisRepairDue = "repair_due" // the repair facility's expected finish
	BasisAwaiting  = "awaiting"   // a repair order waiting for a facility: no date yet
	BasisClassEnd  = "class_end"  // the last day of the class a cohort is in
	BasisWaiting   = "waiting"    // a cohort waiting for a seat: no date yet
)

// Assessment is a package's readiness: how many complete systems are
// ready, and element by element what is there, what is missing and what
// is planned to close the gap.
type Assessment struct {
	Package Package `json:"package"`
	// Ready is how many complete systems the elements make: the least,
	// over the items and crews, of what is available divided by what
	// one system needs (rounded down), and none while a facility is
	// missing.
	Ready int64 `json:"ready"`
	// Complete says that Ready reaches the systems wanted.
	Complete bool `json:"complete"`
	// ReadyBy is the day what is planned closes the last gap, when every
	// gap is closed by dated plans; empty when complete or when some gap is
	// not.
	ReadyBy string `json:"ready_by,omitempty"`
	// Overdue says that a plan ReadyBy counts on is late: its date has
	// passed.
	Overdue bool `json:"overdue"`
	// Unplanned says that some gap is not closed by dated plans.
	Unplanned bool           `json:"unplanned"`
	Elements  []ElementState `json:"elements"`
	// Outlook is how many systems will be ready after each planned date
	// still to come, where that number grows.
	Outlook []Step `json:"outlook"`
	// Marking is the highest classification of what the assessment holds.
	Marking access.Classification `json:"marking"`
}

// Step is the number of systems ready from a date on.
type Step struct {
	Date  string `json:"date"`
	Ready int64  `json:"ready"`
}

// ElementState is an element against what the wanted systems need.
type ElementState struct {
	Element
	// Name is what the target is: an item's name, a course's title.
	Name   string `json:"name"`
	Source string `json:"source"`
	// Needed is what the wanted systems need: the quantity times the
	// systems wanted, for a facility its quantity.
	Needed    int64 `json:"needed"`
	Available int64 `json:"available"`
	Missing   int64 `json:"missing"`
	// Systems is how many systems the element suffices for; a facility,
	// a condition on them all, counts none and Met says whether it holds.
	Systems int64  `json:"systems"`
	Met     bool   `json:"met"`
	Status  string `json:"status"`
	// ClosesOn is the day what is planned closes the gap, when it does by
	// dated plans: the latest of the plans it needs. Overdue says that
	// some of them are late.
	ClosesOn string `json:"closes_on,omitempty"`
	Overdue  bool   `json:"overdue"`
	// Unplanned is what is missing with nothing planned to close it.
	Unplanned int64     `json:"unplanned"`
	Have      []Holding `json:"have"`
	Planned   []Plan    `json:"planned"`
}

// Holding is a record of what is there.
type Holding struct {
	What     string `json:"what"`
	Ref      string `json:"ref,omitempty"`  // the record's reference, e.g. P-00003
	Href     string `json:"href,omitempty"` // its page
	Quantity int64  `json:"quantity"`
}

// Plan is a record of what is planned to come, with its date.
type Plan struct {
	What     string `json:"what"`
	Ref      string `json:"ref,omitempty"`
	Href     string `json:"href,omitempty"`
	Quantity int64  `json:"quantity"`
	// Date is when it is expected (Basis says from what); empty when
	// nothing says yet.
	Date  string `json:"date,omitempty"`
	Basis string `json:"basis"`
	// Low and High are the forecast's 80% interval, and Promised the
	// pledge's promised date, when Basis is a forecast.
	Low      string `json:"low,omitempty"`
	High     string `json:"high,omitempty"`
	Promised string `json:"promised,omitempty"`
	Overdue  bool   `json:"overdue"`
	// Closes says that the plan is part of what closes the gap, soonest
	// first; the others come after it is closed.
	Closes bool `json:"closes"`
}

// Assess works out p's readiness over f on today (YYYY-MM-DD).
func Assess(p Package, f Facts, today string) Assessment {
	a := Assessment{Package: p, Marking: p.Classification, Elements: []ElementState{}, Outlook: []Step{}}
	for _, e := range p.Elements {
		var s ElementState
		var marking access.Classification
		switch e.Kind {
		case Item:
			s, marking = f.item(e)
		case Crew:
			s = f.crew(e)
		case Facility:
			s = f.facility(e)
		}
		a.Marking = max(a.Marking, marking)
		s.close(p.Wanted, today)
		a.Elements = append(a.Elements, s)
	}
	a.Ready = ready(a.Elements, func(s ElementState) int64 { return s.Available })
	a.Complete = a.Ready >= p.Wanted
	if !a.Complete {
		for _, s := range a.Elements {
			switch s.Status {
			case There:
			case Planned:
				a.ReadyBy = max(a.ReadyBy, s.ClosesOn)
				a.Overdue = a.Overdue || s.Overdue
			default:
				a.Unplanned = true
			}
		}
		if a.Unplanned {
			a.ReadyBy, a.Overdue = "", false
		}
	}
	a.Outlook = outlook(a.Elements, a.Ready)
	return a
}

// ready is how many complete systems the elements make with avail of
// each: the least over items and crews of avail divided by the quantity
// one system needs, rounded down; none while a facility is missing.
// Without an item or crew there is nothing to count.
func ready(states []ElementState, avail func(ElementState) int64) int64 {
	n, counted := int64(0), false
	for _, s := range states {
		a := avail(s)
		if s.Kind == Facility {
			if a < s.Quantity {
				return 0
			}
			continue
		}
		k := a / s.Quantity
		if !counted || k < n {
			n, counted = k, true
		}
	}
	return n
}

// outlook is the number of systems ready after each planned date still
// to come, where it grows beyond now, the number ready today. A plan whose
// date has passed is late: nobody can say when it comes, and it is left
// out.
func outlook(states []ElementState, now int64) []Step {
	var dates []string
	for _, s := range states {
		for _, p := range s.Planned {
			if p.Date != "" && !p.Overdue {
				dates = append(dates, p.Date)
			}
		}
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	out := []Step{}
	for _, d := range dates {
		n := ready(states, func(s ElementState) int64 {
			a := s.Available
			for _, p := range s.Planned {
				if p.Date != "" && !p.Overdue && p.Date <= d {
					a += p.Quantity
				}
			}
			return a
		})
		if n > now {
			out = append(out, Step{Date: d, Ready: n})
			now = n
		}
	}
	return out
}

// close works out what the wanted systems need of the element, what is
// missing, and which of the plans close the gap, soonest first.
func (s *ElementState) close(wanted int64, today string) {
	s.Needed = s.Quantity * wanted
	if s.Kind == Facility {
		s.Needed = s.Quantity
		s.Met = s.Available >= s.Quantity
	} else {
		s.Systems = s.Available / s.Quantity
		s.Met = s.Available >= s.Needed
	}
	s.Missing = max(0, s.Needed-s.Available)
	// Plans still to come first, soonest first; then those whose date has
	// passed, late already and so the least certain; those without a date
	// last.
	for i := range s.Planned {
		p := &s.Planned[i]
		p.Overdue = p.Date != "" && p.Date < today
	}
	rank := func(p Plan) int {
		switch {
		case p.Date == "":
			return 2
		case p.Overdue:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(s.Planned, func(a, b Plan) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Date, b.Date))
	})
	undated, late := false, false
	var covered int64
	for i := range s.Planned {
		p := &s.Planned[i]
		if covered >= s.Missing {
			break
		}
		p.Closes = true
		covered += p.Quantity
		switch {
		case p.Date == "":
			undated = true
		default:
			s.ClosesOn = max(s.ClosesOn, p.Date)
			late = late || p.Overdue
		}
	}
	switch {
	case s.Missing == 0:
		s.Status, s.ClosesOn = There, ""
	case covered < s.Missing:
		s.Status, s.ClosesOn, s.Unplanned = Unplanned, "", s.Missing-covered
	case undated:
		s.Status, s.ClosesOn = Undated, ""
	default:
		s.Status, s.Overdue = Planned, late
	}
	if s.Have == nil {
		s.Have = []Holding{}
	}
	if s.Planned == nil {
		s.Planned = []Plan{}
	}
}

// matches returns whether an item, by its NSN, is what target names: the
// NSN itself, or an item of the group target.
func (f Facts) matches(target string) func(nsn string) bool {
	in := map[string]bool{target: true}
	for _, it := range f.Items {
		if it.Group != "" && it.Group == target {
			in[it.NSN] = true
		}
	}
	return func(nsn string) bool { return in[nsn] }
}

// name is what target is: an item's name, or a group's items' names.
func (f Facts) name(target string) string {
	var names []string
	for _, it := range f.Items {
		if it.NSN == target {
			return it.Name
		}
		if it.Group != "" && it.Group == target {
			names = append(names, it.Name)
		}
	}
	if len(names) == 0 {
		return target
	}
	slices.Sort(names)
	return "any of " + strings.Join(names, ", ")
}

func (f Facts) itemName(nsn string) string {
	for _, it := range f.Items {
		if it.NSN == nsn {
			return it.Name
		}
	}
	return nsn
}

// item counts an item: from the equipment register when it holds any
// piece of it (operational pieces are there, those in repair are planned
// back by their order's due date), otherwise from the ledger (delivered
// units are there). In either case what the pledges have allocated and
// not yet delivered is planned, on its way by its shipment's ETA, the
// rest by the line's forecast, or its pledge's promised date when there
// is no forecast. It returns the highest
// classification of the lines it read.
func (f Facts) item(e Element) (ElementState, access.Classification) {
	s := ElementState{Element: e, Name: f.name(e.Target), Source: FromLedger}
	match := f.matches(e.Target)
	marking := access.Unclassified
	type fleet struct{ operational, inFleet int64 }
	byNSN := map[string]*fleet{}
	var nsns []string
	for _, pc := range f.Pieces {
		if !match(pc.NSN) {
			continue
		}
		s.Source = FromRegister
		fl := byNSN[pc.NSN]
		if fl == nil {
			fl = &fleet{}
			byNSN[pc.NSN] = fl
			nsns = append(nsns, pc.NSN)
		}
		switch pc.State {
		case repair.Destroyed, repair.WrittenOff:
			continue
		case repair.Operational:
			fl.operational++
			s.Available++
		default:
			s.Planned = append(s.Planned, pieceBack(pc, f.itemName(pc.NSN)))
		}
		fl.inFleet++
	}
	slices.Sort(nsns)
	for _, nsn := range nsns {
		fl := byNSN[nsn]
		s.Have = append(s.Have, Holding{What: fmt.Sprintf("%s (%s): %d operational of %d in the fleet", f.itemName(nsn), nsn, fl.operational, fl.inFleet),
			Href: "/equipment?nsn=" + nsn, Quantity: fl.operational})
	}
	for _, l := range f.Lines {
		if !match(l.NSN) {
			continue
		}
		marking = max(marking, l.Classification)
		ref := fmt.Sprintf("P-%05d", l.Pledge)
		what := fmt.Sprintf("%s %s, %s, line %d", ref, l.Nation, l.Title, l.No)
		href := fmt.Sprintf("/pledges/%d", l.Pledge)
		if s.Source == FromLedger && l.Delivered > 0 {
			s.Available += l.Delivered
			s.Have = append(s.Have, Holding{What: fmt.Sprintf("%s: %d delivered, %d of them accepted", what, l.Delivered, l.Accepted), Ref: ref, Href: href, Quantity: l.Delivered})
		}
		open := l.Allocated - l.Delivered
		transit := slices.Clone(l.Transit)
		slices.SortStableFunc(transit, func(a, b Transit) int { return cmp.Compare(a.ETA, b.ETA) })
		for _, t := range transit {
			q := min(t.Quantity, open)
			if q <= 0 {
				break
			}
			marking = max(marking, t.Classification)
			sref := fmt.Sprintf("S-%05d", t.Shipment)
			s.Planned = append(s.Planned, Plan{What: fmt.Sprintf("%s on its way with %s", sref, what), Ref: sref, Href: fmt.Sprintf("/shipments/%d", t.Shipment),
				Quantity: q, Date: t.ETA, Basis: BasisETA})
			open -= q
		}
		if open > 0 {
			p := Plan{What: what + ": allocated, not yet on its way", Ref: ref, Href: href, Quantity: open, Date: l.Promised, Basis: BasisPromised}
			if fc := l.Forecast; fc != nil && fc.Expected != "" {
				p.Date, p.Basis, p.Low, p.High, p.Promised = fc.Expected, BasisForecast, fc.Low, fc.High, l.Promised
			}
			s.Planned = append(s.Planned, p)
		}
	}
	return s, marking
}

// pieceBack is a piece out of service planned back by its repair order.
func pieceBack(pc Piece, name string) Plan {
	what := fmt.Sprintf("E-%05d %s %s, %s", pc.ID, name, pc.Serial, strings.ReplaceAll(pc.State, "_", " "))
	if pc.Order == nil {
		return Plan{What: what + ", no repair order", Ref: fmt.Sprintf("E-%05d", pc.ID), Href: fmt.Sprintf("/equipment/%d", pc.ID), Quantity: 1, Basis: BasisAwaiting}
	}
	o := pc.Order
	ref := fmt.Sprintf("RO-%05d", o.ID)
	p := Plan{Ref: ref, Href: fmt.Sprintf("/repairs/%d", o.ID), Quantity: 1}
	state := strings.ReplaceAll(o.State, "_", " ")
	switch {
	case o.Due != "":
		p.What, p.Date, p.Basis = fmt.Sprintf("%s: repair order %s %s at %s", what, ref, state, o.Facility), o.Due, BasisRepairDue
	case o.Facility != "":
		p.What, p.Basis = fmt.Sprintf("%s: repair order %s %s at %s, no date yet", what, ref, state, o.Facility), BasisAwaiting
	default:
		p.What, p.Basis = fmt.Sprintf("%s: repair order %s %s, waiting for a facility", what, ref, state), BasisAwaiting
	}
	return p
}

// crew counts the crews of a course (the target is its code) or of a
// system (the skill its courses train): a cohort is a crew once every
// trainee completed such a course. Cohorts in a class of it are planned
// for its last day; cohorts of its skill without a seat are planned
// without a date.
func (f Facts) crew(e Element) ElementState {
	s := ElementState{Element: e, Source: FromTraining}
	skillOf := map[string]string{}
	for _, c := range f.Courses {
		skillOf[c.Code] = c.Skill
	}
	code := strings.ToUpper(e.Target)
	var course *Course
	for i, c := range f.Courses {
		if c.Code == code {
			course = &f.Courses[i]
		}
	}
	counts := func(en Enrolment) bool { return skillOf[en.Course] == e.Target }
	skill := e.Target
	s.Name = "trained for " + f.name(e.Target)
	if course != nil {
		counts = func(en Enrolment) bool { return en.Course == course.Code }
		skill = course.Skill
		s.Name = course.Title
	}
	for _, h := range f.Cohorts {
		var completed int
		var in []Enrolment
		relevant := h.Skill == skill
		for _, en := range h.Enrolments {
			if !counts(en) {
				continue
			}
			relevant = true
			switch {
			case en.Recorded:
				completed += en.Completed
			case !en.Cancelled:
				in = append(in, en)
			}
		}
		if !relevant {
			continue
		}
		what := fmt.Sprintf("cohort %d", h.ID)
		if h.Unit != "" {
			what += " (" + h.Unit + ")"
		}
		what += fmt.Sprintf(", %d trainees", h.Size)
		ref := fmt.Sprintf("cohort %d", h.ID)
		switch {
		case completed >= h.Size:
			s.Available++
			s.Have = append(s.Have, Holding{What: what + ": trained", Ref: ref, Href: "/training", Quantity: 1})
		case len(in) > 0:
			last := slices.MaxFunc(in, func(a, b Enrolment) int { return cmp.Compare(a.End, b.End) })
			s.Planned = append(s.Planned, Plan{What: fmt.Sprintf("%s: in class %d of %s, ends %s", what, last.Class, last.Course, last.End), Ref: ref,
				Href: fmt.Sprintf("/training/classes/%d", last.Class), Quantity: 1, Date: last.End, Basis: BasisClassEnd})
		default:
			w := fmt.Sprintf("%s: waiting for a seat, needed by %s", what, h.NeededBy)
			if completed > 0 {
				w = fmt.Sprintf("%s: %d trained, the others waiting for a seat, needed by %s", what, completed, h.NeededBy)
			}
			s.Planned = append(s.Planned, Plan{What: w, Ref: ref, Href: "/training", Quantity: 1, Basis: BasisWaiting})
		}
	}
	return s
}

// facility counts the repair facilities competent for the system: for the
// target itself, for the group of the item it names, or for an item of
// the group it names.
func (f Facts) facility(e Element) ElementState {
	s := ElementState{Element: e, Name: f.name(e.Target), Source: FromRepair}
	match := f.matches(e.Target)
	group := ""
	for _, it := range f.Items {
		if it.NSN == e.Target {
			group = it.Group
		}
	}
	for _, fc := range f.Facilities {
		for _, c := range fc.Competences {
			if !match(c.Target) && (group == "" || c.Target != group) {
				continue
			}
			s.Available++
			s.Have = append(s.Have, Holding{What: fmt.Sprintf("%s %s (%s): repairs %s in about %d days", fc.Site, fc.Name, fc.Nation, c.Target, c.Days),
				Ref: fc.Site, Href: "/repair-facilities", Quantity: 1})
			break
		}
	}
	return s
}
