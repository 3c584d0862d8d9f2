package logistics_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
)

// refused fails unless err has code want ("" for success) and, when the
// input is invalid, names field.
func refused(t *testing.T, err error, want, field string) {
	t.Helper()
	if got := fault.Code(err); got != want {
		t.Fatalf("got %v (%s), want code %q", err, got, want)
	}
	if e := fault.As(err); want == fault.Invalid && e.Field != field {
		t.Fatalf("got %v naming %q, want it to name %q", err, e.Field, field)
	}
}

// untouched fails unless a refused use case left the world exactly as it
// was: no record, custody or stock event and no audit event written.
func untouched(t *testing.T, before, after *world) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("a refusal wrote: audit %v, was %v", after.actions(), before.actions())
	}
}

// since is the audit actions written after the first n.
func since(w *world, n int) []string { return w.actions()[n:] }

// balanced fails unless the ledger kept its order through the shipments:
// every pledge line pledged ≥ … ≥ accepted, each line's shipped, delivered
// and accepted the sums of its allocations', each requirement's delivered
// and accepted the sums of those set against it, and every received
// shipment's lines sent = received + open discrepancies + losses.
func balanced(t *testing.T, w *world) {
	t.Helper()
	type sums struct{ shipped, delivered, accepted int64 }
	byLine, byReq := map[int64]sums{}, map[int64]sums{}
	for _, a := range w.allocations {
		if !(a.Quantity >= a.Shipped && a.Shipped >= a.Delivered && a.Delivered >= a.Accepted && a.Accepted >= 0) {
			t.Errorf("allocation %d breaks the order: %+v", a.ID, a)
		}
		l, r := byLine[a.LineID], byReq[a.Requirement]
		byLine[a.LineID] = sums{l.shipped + a.Shipped, l.delivered + a.Delivered, l.accepted + a.Accepted}
		byReq[a.Requirement] = sums{r.shipped + a.Shipped, r.delivered + a.Delivered, r.accepted + a.Accepted}
	}
	for _, p := range w.pledges {
		for _, l := range p.Lines {
			if err := l.Check(); err != nil {
				t.Errorf("%s: %v", p.Ref(), err)
			}
			if s := byLine[l.ID]; s != (sums{l.Shipped, l.Delivered, l.Accepted}) {
				t.Errorf("%s line %d: shipped, delivered, accepted %d %d %d; its allocations %v", p.Ref(), l.No, l.Shipped, l.Delivered, l.Accepted, s)
			}
		}
	}
	for _, r := range w.requirements {
		if s := byReq[r.ID]; s.delivered != r.Delivered || s.accepted != r.Accepted {
			t.Errorf("%s: delivered %d accepted %d; its allocations %v", r.Ref(), r.Delivered, r.Accepted, s)
		}
	}
	for _, s := range w.shipments {
		if s.State != logistics.Received {
			continue
		}
		for _, l := range s.Lines {
			missing := int64(0)
			for _, d := range w.discrepancies {
				if d.Shipment == s.ID && d.LineNo == l.No && (d.State == logistics.Open || d.Resolution == logistics.Loss) {
					missing += d.Missing()
				}
			}
			if l.Quantity != l.Received+missing {
				t.Errorf("%s line %d: sent %d, received %d, missing %d", s.Ref(), l.No, l.Quantity, l.Received, missing)
			}
		}
	}
}

// step is a custody action h hours after t0.
type step struct {
	action string
	h      float64
}

// The steps that bring a shipment from Grafenwöhr to Lviv by Rzeszów to
// each state, by the coordinator.
var (
	toDispatched = []step{{logistics.Dispatch, 1}}
	toHub        = []step{{logistics.Dispatch, 1}, {logistics.Arrive, 25}}
	toTransit    = []step{{logistics.Dispatch, 1}, {logistics.Arrive, 25}, {logistics.Depart, 31}}
	toDelivered  = []step{{logistics.Dispatch, 1}, {logistics.Arrive, 25}, {logistics.Depart, 31}, {logistics.Arrive, 43}}
)

// ship plans a shipment of allocs from Grafenwöhr to Lviv at t0 and takes
// it through steps, failing the test on any refusal.
func (w *world) ship(t *testing.T, allocs []int64, steps ...step) logistics.Shipment {
	t.Helper()
	svc := logistics.Service{Store: db{w}}
	in := logistics.NewShipment{Origin: graf, Destination: lviv, PlannedDeparture: t0}
	for _, a := range allocs {
		in.Lines = append(in.Lines, logistics.NewLine{Allocation: a})
	}
	sh, err := svc.CreateShipment(as(coordinator), in)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	for _, s := range steps {
		m := logistics.Move{Action: s.action, At: at(s.h)}
		if s.action == logistics.Hold {
			m.Note = "checks"
		}
		if sh, err = svc.Hand(as(coordinator), sh.ID, sh.Version, m); err != nil {
			t.Fatalf("%s at %v h: %v", s.action, s.h, err)
		}
	}
	return sh
}

func TestCreateShipment(t *testing.T) {
	plan := func(edit func(in *logistics.NewShipment)) logistics.NewShipment {
		in := logistics.NewShipment{Origin: graf, Destination: lviv, PlannedDeparture: at(2), Lines: []logistics.NewLine{{Allocation: 30}}}
		if edit != nil {
			edit(&in)
		}
		return in
	}
	polPledge := func(in *logistics.NewShipment) { in.Origin, in.Lines = nowa, []logistics.NewLine{{Allocation: 31}} }
	for _, c := range []struct {
		name        string
		who         access.Identity
		edit        func(in *logistics.NewShipment)
		planned     int64 // of allocation 30, in another planned shipment
		want, field string
		route       []string
		eta         float64 // hours after t0
		quantity    int64
		override    bool
	}{
		{name: "a coordinator plans by the quickest route", who: coordinator, route: []string{graf, rze, lviv}, eta: 2 + 24 + 6 + 12, quantity: 40},
		{name: "the pledging nation plans", who: deuOfficer, route: []string{graf, rze, lviv}, eta: 44, quantity: 40},
		{name: "another nation does not ship Germany's goods", who: polOfficer, want: fault.Forbidden},
		{name: "a hub operator does not plan", who: rzeOperator, want: fault.Forbidden},
		{name: "the recipient does not plan", who: ukrOfficer, want: fault.Forbidden},
		{name: "part of an allocation", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Quantity = 15 }, route: []string{graf, rze, lviv}, eta: 44, quantity: 15},
		{name: "a mode per leg", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Via, in.Modes = []string{rze}, []string{"RAIL", ""} }, route: []string{graf, rze, lviv}, eta: 2 + 30 + 6 + 12, quantity: 40},
		{name: "a hub without limits keeps goods 12 hours", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Via = []string{jas} }, route: []string{graf, jas, lviv}, eta: 2 + 24 + 12 + 12, quantity: 40},
		{name: "more than is allocated", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Quantity = 41 }, want: fault.Invalid, field: "lines[0].quantity"},
		{name: "more than is left beside planned shipments", who: deuOfficer, planned: 30, edit: func(in *logistics.NewShipment) { in.Lines[0].Quantity = 11 }, want: fault.Invalid, field: "lines[0].quantity"},
		{name: "what is left beside planned shipments", who: deuOfficer, planned: 30, route: []string{graf, rze, lviv}, eta: 44, quantity: 10},
		{name: "nothing left to ship", who: deuOfficer, planned: 40, want: fault.Invalid, field: "lines[0].quantity"},
		{name: "no origin", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Origin = " " }, want: fault.Invalid, field: "origin"},
		{name: "no destination", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Destination = "" }, want: fault.Invalid, field: "destination"},
		{name: "no lines", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines = nil }, want: fault.Invalid, field: "lines"},
		{name: "no departure", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.PlannedDeparture = time.Time{} }, want: fault.Invalid, field: "planned_departure"},
		{name: "a mode that is none", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Modes = []string{"boat"} }, want: fault.Invalid, field: "modes"},
		{name: "no allocation named", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Allocation = 0 }, want: fault.Invalid, field: "lines[0].allocation"},
		{name: "an allocation named twice", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines = append(in.Lines, logistics.NewLine{Allocation: 30}) }, want: fault.Invalid, field: "lines[1].allocation"},
		{name: "a negative quantity", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Quantity = -1 }, want: fault.Invalid, field: "lines[0].quantity"},
		{name: "an origin that does not exist", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Origin = "de-none" }, want: fault.Invalid, field: "origin"},
		{name: "a destination that does not exist", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Destination = "UA-NONE" }, want: fault.Invalid, field: "destination"},
		{name: "an allocation that does not exist", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Allocation = 99 }, want: fault.Invalid, field: "lines[0].allocation"},
		{name: "an allocation the planner may not see", who: polOfficer, edit: func(in *logistics.NewShipment) { in.Lines[0].Allocation = 32 }, want: fault.Invalid, field: "lines[0].allocation"},
		{name: "two nations' goods", who: coordinator, edit: func(in *logistics.NewShipment) {
			in.Lines, in.Override = append(in.Lines, logistics.NewLine{Allocation: 31}), "consolidated"
		}, want: fault.Invalid, field: "lines[1].allocation"},
		{name: "through a site that is no hub", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Via = []string{kyiv} }, want: fault.Invalid, field: "via"},
		{name: "along no link", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Via, in.Modes = []string{rze}, []string{"air"} }, want: fault.Invalid, field: "via"},

		{name: "from a depot where the stock does not wait", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Origin = burg }, want: fault.Invalid, field: "origin"},
		{name: "from there with a reason", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Origin, in.Override = burg, "moved to Burg in January" },
			route: []string{burg, rze, lviv}, eta: 2 + 20 + 6 + 12, quantity: 40, override: true},
		{name: "to a site that is not the requirement's", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Destination = kyiv }, want: fault.Invalid, field: "destination"},
		{name: "there with a reason", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Destination, in.Override = kyiv, "the brigade moved" },
			route: []string{graf, rze, kyiv}, eta: 2 + 24 + 6 + 30, quantity: 40, override: true},
		{name: "a reason of blanks is none", who: deuOfficer, edit: func(in *logistics.NewShipment) { in.Destination, in.Override = kyiv, "  " }, want: fault.Invalid, field: "destination"},
		{name: "a pledge without depot leaves from a depot of its nation", who: polOfficer, edit: polPledge, route: []string{nowa, rze, lviv}, eta: 2 + 6 + 6 + 12, quantity: 20},
		{name: "not from another nation's depot", who: coordinator, edit: func(in *logistics.NewShipment) { polPledge(in); in.Origin = graf }, want: fault.Invalid, field: "origin"},
		{name: "not from its nation's hub", who: coordinator, edit: func(in *logistics.NewShipment) { polPledge(in); in.Origin = rze }, want: fault.Invalid, field: "origin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			if c.planned > 0 {
				w.shipments[90] = logistics.Shipment{ID: 90, Nation: "DEU", State: logistics.Planned, Origin: graf, Destination: lviv, Version: 1,
					Lines: []logistics.Line{{No: 1, Allocation: 30, Quantity: c.planned}}}
			}
			before := w.copy()
			svc := logistics.Service{Store: db{w}}
			sh, err := svc.CreateShipment(as(c.who), plan(c.edit))
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			if got := sh.Route(); !slices.Equal(got, c.route) {
				t.Errorf("route %v, want %v", got, c.route)
			}
			if !sh.ETA.Equal(at(c.eta)) {
				t.Errorf("ETA %v, want %v", sh.ETA, at(c.eta))
			}
			stored := w.shipments[sh.ID]
			if stored.State != logistics.Planned || stored.Holder != stored.Origin || stored.Version != 1 || len(stored.Lines) != 1 || stored.Lines[0].Quantity != c.quantity {
				t.Errorf("stored %+v", stored)
			}
			if want := w.items[stored.Lines[0].NSN].MassG * c.quantity; stored.MassG != want {
				t.Errorf("mass %d g, want %d", stored.MassG, want)
			}
			if got := strings.Contains(stored.Notes, "route override: "); got != c.override {
				t.Errorf("notes %q", stored.Notes)
			}
			if got := since(w, 0); !slices.Equal(got, []string{"shipment.create"}) {
				t.Errorf("audit %v", got)
			}
			// A plan moves nothing on the ledger.
			if !reflect.DeepEqual(w.pledges, before.pledges) || !reflect.DeepEqual(w.allocations, before.allocations) {
				t.Errorf("planning moved the ledger")
			}
		})
	}
}

func TestAShipmentIsMarkedAsItsPledges(t *testing.T) {
	w := newWorld()
	p := w.pledges[10]
	p.Classification, p.ReleasableTo = access.Restricted, access.Releasability{"DEU", "UKR"}
	w.pledges[10] = p
	sh := w.ship(t, []int64{30, 32})
	if sh.Classification != access.Restricted || !slices.Equal(sh.ReleasableTo, []string{"DEU"}) || sh.Nation != "DEU" {
		t.Errorf("marking %v %v of %s", sh.Classification, sh.ReleasableTo, sh.Nation)
	}
}

func TestHand(t *testing.T) {
	mv := func(action string, h float64, note string) logistics.Move {
		m := logistics.Move{Action: action, Note: note}
		if h != 0 {
			m.At = at(h)
		}
		return m
	}
	d, a, dp, hold, rel, cancel := logistics.Dispatch, logistics.Arrive, logistics.Depart, logistics.Hold, logistics.Release, logistics.Cancel
	toHeldAtHub := append(slices.Clone(toHub), step{hold, 26})
	toHeldOnTheWay := append(slices.Clone(toDispatched), step{hold, 2})
	toReleased := append(slices.Clone(toHeldOnTheWay), step{rel, 3})
	for _, c := range []struct {
		name        string
		steps       []step
		alloc       int64 // shipped; 30 when zero
		who         access.Identity
		move        logistics.Move
		version     int64 // -1 for a stale one
		want, field string
		state       string
		location    string
		holder      string
		stock       int64 // at Rzeszów after
		shipped     int64 // of P-00010 line 1 after
		audit       []string
	}{
		{name: "the pledging nation dispatches", who: deuOfficer, move: mv(d, 0, ""), state: logistics.Dispatched, holder: "carrier (road)", shipped: 40, audit: []string{"pledge.ship", "shipment.dispatch"}},
		{name: "to a carrier it names", who: coordinator, move: logistics.Move{Action: d, To: "DB Cargo"}, state: logistics.Dispatched, holder: "DB Cargo", shipped: 40, audit: []string{"pledge.ship", "shipment.dispatch"}},
		{name: "another nation does not dispatch", who: polOfficer, move: mv(d, 0, ""), want: fault.Forbidden},
		{name: "a hub operator on the route does not dispatch", who: rzeOperator, move: mv(d, 0, ""), want: fault.Forbidden},
		{name: "the recipient does not dispatch", who: ukrOfficer, move: mv(d, 0, ""), want: fault.Forbidden},
		{name: "an analyst holds nothing", who: analyst, move: mv(d, 0, ""), want: fault.Forbidden},
		{name: "a shipment the actor may not see", alloc: 32, who: polOfficer, move: mv(d, 0, ""), want: fault.NotFound},
		{name: "dispatched twice", steps: toDispatched, who: coordinator, move: mv(d, 0, ""), want: fault.Conflict},
		{name: "a stale version", steps: toDispatched, who: coordinator, version: -1, move: mv(a, 25, ""), want: fault.Conflict},
		{name: "an action that is none", who: coordinator, move: mv("unload", 0, ""), want: fault.Invalid, field: "action"},
		{name: "in the future", who: coordinator, move: mv(d, 49, ""), want: fault.Invalid, field: "at"},
		{name: "before the last event", steps: toDispatched, who: coordinator, move: mv(a, 0.5, "quick"), want: fault.Invalid, field: "at"},
		{name: "at the time of the last event", steps: toDispatched, who: coordinator, move: mv(a, 1, "same minute"), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},

		{name: "the hub's operator takes the goods", steps: toDispatched, who: rzeOperator, move: mv(a, 25, ""), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "the hub's nation takes them", steps: toDispatched, who: polOfficer, move: mv(a, 25, ""), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "another nation does not take them at the hub", steps: toDispatched, who: deuOfficer, move: mv(a, 25, ""), want: fault.Forbidden},
		{name: "another site's operator does not", steps: toDispatched, who: lvivOperator, move: mv(a, 25, ""), want: fault.Forbidden},
		{name: "an arrival in under half the leg's time", steps: toDispatched, who: rzeOperator, move: mv(a, 12.99, ""), want: fault.Invalid, field: "note"},
		{name: "an arrival after half the leg's time", steps: toDispatched, who: rzeOperator, move: mv(a, 13, ""), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "a quick arrival with a note", steps: toDispatched, who: rzeOperator, move: mv(a, 2, "by air after all"), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "a quick arrival counts from the dispatch, not a release", steps: toReleased, who: rzeOperator, move: mv(a, 13, ""), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "a planned shipment does not arrive", who: coordinator, move: mv(a, 0, ""), want: fault.Conflict},

		{name: "the hub hands the goods on", steps: toHub, who: rzeOperator, move: mv(dp, 31, ""), state: logistics.InTransit, holder: "carrier (road)", stock: 0, shipped: 40, audit: []string{"shipment.depart"}},
		{name: "the recipient does not take them from the hub", steps: toHub, who: ukrOfficer, move: mv(dp, 31, ""), want: fault.Forbidden},
		{name: "the pledging nation does not either", steps: toHub, who: deuOfficer, move: mv(dp, 31, ""), want: fault.Forbidden},
		{name: "goods on the way do not depart", steps: toDispatched, who: coordinator, move: mv(dp, 30, ""), want: fault.Conflict},

		{name: "the recipient takes them at the destination", steps: toTransit, who: ukrOfficer, move: mv(a, 43, ""), state: logistics.Delivered, location: lviv, holder: lviv, shipped: 40, audit: []string{"shipment.arrive"}},
		{name: "the hub does not take them at the destination", steps: toTransit, who: rzeOperator, move: mv(a, 43, ""), want: fault.Forbidden},
		{name: "a quick arrival counts from the last departure", steps: toTransit, who: ukrOfficer, move: mv(a, 36.9, ""), want: fault.Invalid, field: "note"},

		{name: "the hub holds what it holds", steps: toHub, who: rzeOperator, move: mv(hold, 26, "customs"), state: logistics.Held, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.hold"}},
		{name: "a hold says why", steps: toHub, who: rzeOperator, move: mv(hold, 26, " "), want: fault.Invalid, field: "note"},
		{name: "the owner holds goods on the way", steps: toDispatched, who: deuOfficer, move: mv(hold, 2, "recall"), state: logistics.Held, holder: "carrier (road)", shipped: 40, audit: []string{"shipment.hold"}},
		{name: "a hub does not hold goods on the way", steps: toDispatched, who: rzeOperator, move: mv(hold, 2, "recall"), want: fault.Forbidden},
		{name: "another nation does not hold them at the hub", steps: toHub, who: deuOfficer, move: mv(hold, 26, "recall"), want: fault.Forbidden},
		{name: "a planned shipment is not held", who: coordinator, move: mv(hold, 0, "why"), want: fault.Conflict},
		{name: "held twice", steps: toHeldAtHub, who: coordinator, move: mv(hold, 27, "again"), want: fault.Conflict},
		{name: "a release goes back to where it was", steps: toHeldAtHub, who: rzeOperator, move: mv(rel, 27, ""), state: logistics.AtHub, location: rze, holder: rze, stock: 40, shipped: 40, audit: []string{"shipment.release"}},
		{name: "what is not held is not released", steps: toHub, who: coordinator, move: mv(rel, 27, ""), want: fault.Conflict},
		{name: "held goods do not depart", steps: toHeldAtHub, who: coordinator, move: mv(dp, 31, ""), want: fault.Conflict},

		{name: "the owner cancels a planned shipment", who: deuOfficer, move: mv(cancel, 0, ""), state: logistics.Cancelled, location: graf, holder: graf, audit: []string{"shipment.cancel"}},
		{name: "another nation does not cancel", who: polOfficer, move: mv(cancel, 0, ""), want: fault.Forbidden},
		{name: "a hub does not cancel", who: rzeOperator, move: mv(cancel, 0, ""), want: fault.Forbidden},
		{name: "what left is not cancelled", steps: toDispatched, who: coordinator, move: mv(cancel, 0, ""), want: fault.Conflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			alloc := c.alloc
			if alloc == 0 {
				alloc = 30
			}
			sh := w.ship(t, []int64{alloc}, c.steps...)
			version := sh.Version
			if c.version < 0 {
				version--
			}
			before, n, events := w.copy(), len(w.audit), len(w.custody[sh.ID])
			svc := logistics.Service{Store: db{w}}
			out, err := svc.Hand(as(c.who), sh.ID, version, c.move)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			got := w.shipments[sh.ID]
			if got.State != c.state || got.Location != c.location || got.Holder != c.holder || got.Version != sh.Version+1 || out.Version != got.Version {
				t.Errorf("%s at %q held by %q, version %d; want %s at %q held by %q", got.State, got.Location, got.Holder, got.Version, c.state, c.location, c.holder)
			}
			if s := w.stock[rze+" "+nsn155]; s != c.stock {
				t.Errorf("stock at %s %d, want %d", rze, s, c.stock)
			}
			if s := w.pledges[10].Lines[0].Shipped; s != c.shipped {
				t.Errorf("shipped %d, want %d", s, c.shipped)
			}
			if s := w.allocations[30].Shipped; s != c.shipped {
				t.Errorf("allocation shipped %d, want %d", s, c.shipped)
			}
			if got := since(w, n); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			chain := w.custody[sh.ID]
			if len(chain) != events+1 || chain[len(chain)-1].Action != c.move.Action || chain[len(chain)-1].State != c.state || chain[len(chain)-1].No != events+1 {
				t.Errorf("custody %+v", chain)
			}
			if e := chain[len(chain)-1]; !c.move.At.IsZero() && !e.At.Equal(c.move.At) || c.move.At.IsZero() && !e.At.Equal(w.now) {
				t.Errorf("event at %v", e.At)
			}
			balanced(t, w)
		})
	}
}

func TestETAFollowsTheGoods(t *testing.T) {
	for _, c := range []struct {
		steps []step
		eta   float64
	}{
		{nil, 0 + 24 + 6 + 12},
		{toDispatched, 1 + 24 + 6 + 12},
		{toHub, 25 + 6 + 12},
		{toTransit, 31 + 12},
		{toDelivered, 43},
	} {
		if sh := newWorld().ship(t, []int64{30}, c.steps...); !sh.ETA.Equal(at(c.eta)) {
			t.Errorf("after %v: ETA %v, want %v", c.steps, sh.ETA, at(c.eta))
		}
	}
}

func TestHandOver(t *testing.T) {
	for _, c := range []struct {
		name        string
		who         access.Identity
		in          logistics.Handover
		setup       func(w *world)
		want, field string
		origin      string
		destination string
		when        time.Time
	}{
		{name: "the pledging nation hands over where the stock waits, to where it is needed", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}},
			origin: graf, destination: lviv, when: at(48)},
		{name: "at a time given", who: coordinator, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}, At: at(47.5), Note: "at the border"},
			origin: graf, destination: lviv, when: at(47.5)},
		{name: "not in the future", who: coordinator, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}, At: at(48.1)}, want: fault.Invalid, field: "at"},
		{name: "another nation does not hand over Germany's goods", who: polOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}}, want: fault.Forbidden},
		{name: "the recipient does not hand over", who: ukrOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}}, want: fault.Forbidden},
		{name: "not to the requirement's delivery point", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}, Destination: kyiv}, want: fault.Invalid, field: "destination"},
		{name: "there with a reason", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}, Destination: kyiv, Override: "the brigade moved"},
			origin: graf, destination: kyiv, when: at(48)},
		{name: "not to where it left", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30}}, Destination: graf, Override: "test"}, want: fault.Invalid, field: "destination"},
		{name: "a pledge without depot leaves from its nation's first", who: polOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 31}}},
			origin: nowa, destination: lviv, when: at(48)},
		{name: "a nation without depot names the origin", who: polOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 31}}},
			setup: func(w *world) { delete(w.sites, nowa); delete(w.links, 5) }, want: fault.Invalid, field: "origin"},
		{name: "an allocation that does not exist", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 99}}}, want: fault.Invalid, field: "lines[0].allocation"},
		{name: "an allocation the actor may not see", who: polOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 32}}}, want: fault.Invalid, field: "lines[0].allocation"},
		{name: "more than is allocated", who: deuOfficer, in: logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30, Quantity: 41}}}, want: fault.Invalid, field: "lines[0].quantity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			if c.setup != nil {
				c.setup(w)
			}
			before := w.copy()
			svc := logistics.Service{Store: db{w}}
			sh, err := svc.HandOver(as(c.who), c.in)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			got := w.shipments[sh.ID]
			if got.Origin != c.origin || got.Destination != c.destination || got.State != logistics.Delivered || got.Location != c.destination || got.Holder != c.destination {
				t.Errorf("stored %s → %s, %s at %s held by %s", got.Origin, got.Destination, got.State, got.Location, got.Holder)
			}
			if len(got.Legs) != 1 || got.Legs[0].Mode != logistics.DirectMode || !got.Legs[0].Arrive.Equal(c.when) || !got.DispatchedAt.Equal(c.when) || !got.ETA.Equal(c.when) {
				t.Errorf("legs %+v, dispatched %v", got.Legs, got.DispatchedAt)
			}
			chain := w.custody[sh.ID]
			if len(chain) != 2 || chain[0].Action != logistics.Dispatch || chain[1].Action != logistics.Arrive || chain[1].State != logistics.Delivered || !chain[1].At.Equal(c.when) {
				t.Errorf("custody %+v", chain)
			}
			if got := since(w, 0); !slices.Equal(got, []string{"shipment.create", "pledge.ship", "shipment.handover"}) {
				t.Errorf("audit %v", got)
			}
			// Handed over is shipped, not delivered: the receipt delivers.
			al := w.allocations[got.Lines[0].Allocation]
			if al.Shipped != al.Quantity || al.Delivered != 0 {
				t.Errorf("allocation %+v", al)
			}
			balanced(t, w)
		})
	}
}

func TestReceive(t *testing.T) {
	line := func(no int, received int64, kind, reason string) logistics.ReceiptLine {
		return logistics.ReceiptLine{No: no, Received: received, Kind: kind, Reason: reason}
	}
	type found struct {
		kind string
		q    int64
	}
	for _, c := range []struct {
		name        string
		steps       []step // to bring it to Lviv; toDelivered when nil
		who         access.Identity
		rc          logistics.Receipt
		received    bool // received once already
		version     int64
		want, field string
		msg         string   // what a refusal says
		delivered   [2]int64 // allocations 30 and 33 after
		accepted    [2]int64
		found       []found // discrepancies opened
		audit       []string
	}{
		{name: "the recipient receives it all", who: ukrOfficer, delivered: [2]int64{40, 10},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "shipment.receive"}},
		{name: "a coordinator receives", who: coordinator, delivered: [2]int64{40, 10},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "shipment.receive"}},
		{name: "the delivery point's operator receives", who: lvivOperator, delivered: [2]int64{40, 10},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "shipment.receive"}},
		{name: "the pledging nation does not", who: deuOfficer, want: fault.Forbidden},
		{name: "the hub on the way does not", who: rzeOperator, want: fault.Forbidden},
		{name: "short, with a reason", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 30, "Short", "one pallet missing")}},
			delivered: [2]int64{30, 10}, found: []found{{logistics.Short, 10}},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "discrepancy.open", "shipment.receive"}},
		{name: "damaged, with a reason", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(2, 4, "damaged", "crushed")}},
			delivered: [2]int64{40, 4}, found: []found{{logistics.Damaged, 6}},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "discrepancy.open", "shipment.receive"}},
		{name: "all lost", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 0, "lost", "truck burnt out"), line(2, 0, "lost", "truck burnt out")}},
			found: []found{{logistics.Lost, 40}, {logistics.Lost, 10}}, audit: []string{"pledge.deliver", "discrepancy.open", "discrepancy.open", "shipment.receive"}},
		{name: "a difference without kind", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 30, "", "missing")}}, want: fault.Invalid, field: "line 1.kind"},
		{name: "a difference of no kind", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 30, "stolen", "missing")}}, want: fault.Invalid, field: "line 1.kind"},
		{name: "less is no surplus", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 30, "surplus", "missing")}}, want: fault.Invalid, field: "line 1.kind"},
		{name: "a difference without reason", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 30, "short", " ")}}, want: fault.Invalid, field: "line 1.reason"},
		{name: "more than sent is no shortage", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 45, "short", "counted")}}, want: fault.Invalid, field: "line 1.kind"},
		{name: "more than sent without kind", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 45, "", "")}}, want: fault.Invalid, field: "line 1.kind"},
		{name: "a surplus without reason", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 45, "surplus", "")}}, want: fault.Invalid, field: "line 1.reason"},
		{name: "a surplus with a reason is not on the pledge", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 45, "surplus", "five extra on the pallet")}},
			delivered: [2]int64{40, 10}, found: []found{{logistics.Surplus, 5}},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "discrepancy.open", "shipment.receive"}},
		{name: "a negative count", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, -1, "short", "x")}}, want: fault.Invalid, field: "line 1.received"},
		{name: "a line the shipment has not", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(3, 1, "", "")}}, want: fault.Invalid, field: "lines[0].no"},
		{name: "a line named twice", who: ukrOfficer, rc: logistics.Receipt{Lines: []logistics.ReceiptLine{line(1, 40, "", ""), line(1, 30, "short", "x")}}, want: fault.Invalid, field: "lines[1].no"},
		{name: "not yet there", steps: toTransit, who: ukrOfficer, want: fault.Conflict},
		{name: "received once", received: true, who: ukrOfficer, want: fault.Conflict, msg: "received once"},
		{name: "a stale version", version: 1, who: ukrOfficer, want: fault.Conflict},
		{name: "in the future", who: ukrOfficer, rc: logistics.Receipt{At: at(49)}, want: fault.Invalid, field: "at"},
		{name: "before it arrived", who: ukrOfficer, rc: logistics.Receipt{At: at(42)}, want: fault.Invalid, field: "at"},

		{name: "received and accepted at once", who: ukrOfficer, rc: logistics.Receipt{Accept: true}, delivered: [2]int64{40, 10}, accepted: [2]int64{40, 10},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.deliver", "requirement.accept", "pledge.accept", "requirement.accept", "pledge.accept", "shipment.receive"}},
		{name: "what is accepted is what was received", who: coordinator, rc: logistics.Receipt{Accept: true, Lines: []logistics.ReceiptLine{line(1, 30, "short", "x"), line(2, 0, "lost", "y")}},
			delivered: [2]int64{30, 0}, accepted: [2]int64{30, 0}, found: []found{{logistics.Short, 10}, {logistics.Lost, 10}},
			audit: []string{"pledge.deliver", "requirement.deliver", "requirement.accept", "pledge.accept", "discrepancy.open", "discrepancy.open", "shipment.receive"}},
		{name: "who may receive but not accept receives nothing", who: lvivOperator, rc: logistics.Receipt{Accept: true}, want: fault.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			steps := c.steps
			if steps == nil {
				steps = toDelivered
			}
			sh := w.ship(t, []int64{30, 33}, steps...)
			if c.received {
				svc := logistics.Service{Store: db{w}}
				if _, _, err := svc.Receive(as(coordinator), sh.ID, sh.Version, logistics.Receipt{}); err != nil {
					t.Fatalf("receive %s: %v", sh.Ref(), err)
				}
			}
			version := c.version
			if version == 0 {
				version = w.shipments[sh.ID].Version
			}
			before, n := w.copy(), len(w.audit)
			svc := logistics.Service{Store: db{w}}
			out, made, err := svc.Receive(as(c.who), sh.ID, version, c.rc)
			refused(t, err, c.want, c.field)
			if err != nil && !strings.Contains(err.Error(), c.msg) {
				t.Errorf("refusal %q, want it to say %q", err, c.msg)
			}
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			got := w.shipments[sh.ID]
			if got.State != logistics.Received || out.State != logistics.Received || !got.ReceivedAt.Equal(w.now) {
				t.Errorf("stored %s received at %v", got.State, got.ReceivedAt)
			}
			for i, id := range []int64{30, 33} {
				if al := w.allocations[id]; al.Delivered != c.delivered[i] || al.Accepted != c.accepted[i] {
					t.Errorf("allocation %d delivered %d accepted %d, want %d %d", id, al.Delivered, al.Accepted, c.delivered[i], c.accepted[i])
				}
			}
			var opened []found
			for _, d := range made {
				if stored := w.discrepancies[d.ID]; stored.State != logistics.Open || !reflect.DeepEqual(stored, d) {
					t.Errorf("discrepancy %+v stored as %+v", d, stored)
				}
				opened = append(opened, found{d.Kind, d.Quantity})
			}
			if len(w.discrepancies) != len(made) || !slices.Equal(opened, c.found) {
				t.Errorf("discrepancies %v, want %v", opened, c.found)
			}
			if got := since(w, n); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			if chain := w.custody[sh.ID]; chain[len(chain)-1].Action != "receive" || chain[len(chain)-1].To != "recipient at "+lviv {
				t.Errorf("custody %+v", chain[len(chain)-1])
			}
			if r := w.requirements[1]; r.Delivered != c.delivered[0] || r.Accepted != c.accepted[0] {
				t.Errorf("R-00001 delivered %d accepted %d", r.Delivered, r.Accepted)
			}
			balanced(t, w)
		})
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		name             string
		who              access.Identity
		discrepancy      int // 0: short 10 on line 1; 1: surplus 5 on line 2
		resolution, note string
		resolved         bool // resolved once already
		version          int64
		want, field      string
		delivered        int64 // allocation 30 after
		audit            []string
	}{
		{name: "the missing goods are found", who: coordinator, resolution: "Found", note: "second truck", delivered: 40,
			audit: []string{"pledge.deliver", "requirement.deliver", "shipment.found", "discrepancy.resolve"}},
		{name: "a loss stands", who: coordinator, resolution: logistics.Loss, note: "written off", delivered: 30, audit: []string{"discrepancy.resolve"}},
		{name: "a surplus explained", who: coordinator, discrepancy: 1, resolution: logistics.Loss, note: "packed twice", delivered: 30, audit: []string{"discrepancy.resolve"}},
		{name: "a surplus is not found", who: coordinator, discrepancy: 1, resolution: logistics.Found, note: "?", want: fault.Invalid, field: "resolution"},
		{name: "no resolution of that name", who: coordinator, resolution: "forgiven", note: "x", want: fault.Invalid, field: "resolution"},
		{name: "no note", who: coordinator, resolution: logistics.Loss, note: " ", want: fault.Invalid, field: "note"},
		{name: "resolved twice", who: coordinator, resolution: logistics.Loss, note: "again", resolved: true, want: fault.Conflict},
		{name: "a stale version", who: coordinator, resolution: logistics.Loss, note: "x", version: 2, want: fault.Conflict},
		{name: "a hub off the route does not see it", who: access.Identity{Name: "jas", Site: jas, Roles: []access.Role{access.HubOperator}, Clearance: access.Secret, Via: "session"},
			resolution: logistics.Loss, note: "x", want: fault.NotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			sh := w.ship(t, []int64{30, 33}, toDelivered...)
			svc := logistics.Service{Store: db{w}}
			_, made, err := svc.Receive(as(ukrOfficer), sh.ID, 0, logistics.Receipt{Lines: []logistics.ReceiptLine{
				{No: 1, Received: 30, Kind: logistics.Short, Reason: "a pallet missing"}, {No: 2, Received: 15, Kind: logistics.Surplus, Reason: "counted twice"}}})
			if err != nil || len(made) != 2 {
				t.Fatalf("receive: %v %v", made, err)
			}
			d := made[c.discrepancy]
			if c.resolved {
				if _, err := svc.Resolve(as(coordinator), d.ID, 1, logistics.Loss, "once"); err != nil {
					t.Fatal(err)
				}
			}
			version := c.version
			if version == 0 {
				version = w.discrepancies[d.ID].Version
			}
			before, n := w.copy(), len(w.audit)
			out, err := svc.Resolve(as(c.who), d.ID, version, c.resolution, c.note)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			if got := w.discrepancies[d.ID]; got.State != logistics.Resolved || got.Resolution != strings.ToLower(c.resolution) || got.ResolvedBy != c.who.Name || got.Version != 2 || out.Version != 2 {
				t.Errorf("stored %+v", got)
			}
			if got := w.allocations[30].Delivered; got != c.delivered {
				t.Errorf("delivered %d, want %d", got, c.delivered)
			}
			if got := since(w, n); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			balanced(t, w)
		})
	}
}

func TestCount(t *testing.T) {
	for _, c := range []struct {
		name        string
		who         access.Identity
		site        string
		lines       []logistics.CountLine
		reason      string
		want, field string
		stock       int64 // 155 mm at the site after; 40 before
		adjusted    []int64
	}{
		{name: "the hub's operator counts what the books say", who: rzeOperator, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}}, stock: 40},
		{name: "a difference with a reason", who: rzeOperator, site: "pl-rze", lines: []logistics.CountLine{{NSN: nsn155, Counted: 38}}, reason: "two damaged, destroyed", stock: 38, adjusted: []int64{-2}},
		{name: "an item not in the books", who: polOfficer, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}, {NSN: nsnAlt, Counted: 3}}, reason: "found in the yard", stock: 40, adjusted: []int64{3}},
		{name: "a difference without reason", who: rzeOperator, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 41}}, want: fault.Invalid, field: "reason"},
		{name: "another site's operator", who: lvivOperator, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}}, want: fault.Forbidden},
		{name: "another nation's officer", who: deuOfficer, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}}, want: fault.Forbidden},
		{name: "a site that is no hub", who: coordinator, site: lviv, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}}, want: fault.Invalid, field: "site"},
		{name: "nothing counted", who: rzeOperator, site: rze, want: fault.Invalid, field: "lines"},
		{name: "a negative count", who: rzeOperator, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: -1}}, reason: "x", want: fault.Invalid, field: "lines[0].counted"},
		{name: "an item counted twice", who: rzeOperator, site: rze, lines: []logistics.CountLine{{NSN: nsn155, Counted: 40}, {NSN: nsn155, Counted: 40}}, want: fault.Invalid, field: "lines[1].nsn"},
		{name: "an item not in the catalogue", who: rzeOperator, site: rze, lines: []logistics.CountLine{{NSN: "1320-00-000-0000", Counted: 1}}, reason: "x", want: fault.Invalid, field: "lines[0].nsn"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			w.ship(t, []int64{30}, toHub...)
			before, n := w.copy(), len(w.audit)
			svc := logistics.Service{Store: db{w}}
			res, err := svc.Count(as(c.who), c.site, c.lines, c.reason)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			if got := w.stock[rze+" "+nsn155]; got != c.stock {
				t.Errorf("stock %d, want %d", got, c.stock)
			}
			var deltas []int64
			for _, e := range res.Adjustments {
				deltas = append(deltas, e.Delta)
				if e.Kind != "count" || e.Reason != c.reason || e.MassG != max(e.Delta, -e.Delta)*w.items[e.NSN].MassG {
					t.Errorf("adjustment %+v", e)
				}
			}
			if !slices.Equal(deltas, c.adjusted) || len(w.stockEvents) != len(before.stockEvents)+len(c.adjusted) {
				t.Errorf("adjustments %v, want %v", deltas, c.adjusted)
			}
			if got := since(w, n); !slices.Equal(got, []string{"hub.count"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

func TestSaveLink(t *testing.T) {
	fresh := logistics.Link{From: "pl-jas", To: lviv, Mode: "Rail", TransitHours: 10, CapacityTonnesDay: 500}
	for _, c := range []struct {
		name        string
		id, version int64
		edit        func(l *logistics.Link)
		want, field string
		problems    int // reported at once
		audit       string
	}{
		{name: "a new link", audit: "link.create"},
		{name: "a link changed", id: 2, version: 1, edit: func(l *logistics.Link) { l.From, l.Mode = rze, "road" }, audit: "link.update"},
		{name: "any version when none is named", id: 2, edit: func(l *logistics.Link) { l.From, l.Mode = rze, "road" }, audit: "link.update"},
		{name: "a stale version", id: 2, version: 2, edit: func(l *logistics.Link) { l.From, l.Mode = rze, "road" }, want: fault.Conflict},
		{name: "a link that does not exist", id: 99, version: 1, want: fault.NotFound},
		{name: "a second link of the same mode", edit: func(l *logistics.Link) { l.From, l.Mode = rze, "road" }, want: fault.Conflict},
		{name: "no start", edit: func(l *logistics.Link) { l.From = "" }, want: fault.Invalid, field: "from"},
		{name: "no end", edit: func(l *logistics.Link) { l.To = "" }, want: fault.Invalid, field: "to"},
		{name: "a loop", edit: func(l *logistics.Link) { l.To = jas }, want: fault.Invalid, field: "to"},
		{name: "a mode that is none", edit: func(l *logistics.Link) { l.Mode = "pipeline" }, want: fault.Invalid, field: "mode"},
		{name: "no transit time", edit: func(l *logistics.Link) { l.TransitHours = 0 }, want: fault.Invalid, field: "transit_hours"},
		{name: "a negative tonnage", edit: func(l *logistics.Link) { l.CapacityTonnesDay = -1 }, want: fault.Invalid, field: "capacity_t_day"},
		{name: "negative pallets", edit: func(l *logistics.Link) { l.CapacityPalletsDay = -1 }, want: fault.Invalid, field: "capacity_pallets_day"},
		{name: "from a site that does not exist", edit: func(l *logistics.Link) { l.From = "PL-NONE" }, want: fault.Invalid, field: "from"},
		{name: "to a site that does not exist", edit: func(l *logistics.Link) { l.To = "UA-NONE" }, want: fault.Invalid, field: "to"},
		{name: "between sites that do not exist", edit: func(l *logistics.Link) { l.From, l.To = "PL-NONE", "UA-NONE" }, want: fault.Invalid, field: "from", problems: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			before := w.copy()
			in := fresh
			if c.edit != nil {
				c.edit(&in)
			}
			svc := logistics.Service{Store: db{w}}
			l, err := svc.SaveLink(as(coordinator), c.id, c.version, in)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				if c.name == "a second link of the same mode" && fault.As(err).Field != "mode" {
					t.Errorf("a duplicate names %q", fault.As(err).Field)
				}
				if got := len(fault.As(err).Problems); got != c.problems {
					t.Errorf("%d problems reported, want %d: %v", got, c.problems, err)
				}
				return
			}
			if got := w.links[l.ID]; got.Mode != strings.ToLower(in.Mode) || got.From != strings.ToUpper(in.From) || got.TransitHours != 10 || got.Version != l.Version {
				t.Errorf("stored %+v", got)
			}
			if got := since(w, 0); !slices.Equal(got, []string{c.audit}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

func TestSetHub(t *testing.T) {
	for _, c := range []struct {
		name        string
		site        string
		version     int64
		h           logistics.Hub
		want, field string
	}{
		{name: "limits changed", site: "pl-rze", version: 1, h: logistics.Hub{ThroughputTDay: 800, StorageTonnes: 5000, DwellHours: 8}},
		{name: "limits set the first time", site: jas, h: logistics.Hub{DwellHours: 4}},
		{name: "a stale version", site: rze, version: 2, h: logistics.Hub{DwellHours: 4}, want: fault.Conflict},
		{name: "a site that is no hub", site: lviv, h: logistics.Hub{DwellHours: 4}, want: fault.Invalid, field: "site"},
		{name: "a negative throughput", site: rze, h: logistics.Hub{ThroughputTDay: -1}, want: fault.Invalid, field: "throughput_t_day"},
		{name: "negative storage", site: rze, h: logistics.Hub{StorageTonnes: -1}, want: fault.Invalid, field: "storage_t"},
		{name: "a negative dwell", site: rze, h: logistics.Hub{DwellHours: -1}, want: fault.Invalid, field: "dwell_hours"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			before := w.copy()
			svc := logistics.Service{Store: db{w}}
			h, err := svc.SetHub(as(coordinator), c.site, c.version, c.h)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			site := strings.ToUpper(c.site)
			if got := w.hubs[site]; !got.Configured || got.DwellHours != c.h.DwellHours || got.Version != before.hubs[site].Version+1 || h.Version != got.Version {
				t.Errorf("stored %+v", got)
			}
			if got := since(w, 0); !slices.Equal(got, []string{"hub.update"}) {
				t.Errorf("audit %v", got)
			}
			// A new dwell time is what the next plan counts.
			sh, err := svc.CreateShipment(as(coordinator), logistics.NewShipment{Origin: graf, Destination: lviv, Via: []string{rze}, PlannedDeparture: t0, Lines: []logistics.NewLine{{Allocation: 30}}})
			if err != nil {
				t.Fatal(err)
			}
			if dwell := w.hubs[rze].DwellHours; !sh.ETA.Equal(at(24 + float64(dwell) + 12)) {
				t.Errorf("ETA %v with a dwell of %d h", sh.ETA, dwell)
			}
		})
	}
}

func TestImportNetwork(t *testing.T) {
	newHub := func(line int) logistics.NetworkRow {
		return logistics.NetworkRow{Line: line, Site: &catalog.Site{Code: "pl-kra", Name: "Kraków", Nation: "pol", Kinds: []string{"logistics_hub"}}, Hub: &logistics.Hub{DwellHours: 3}}
	}
	newLink := func(line int) logistics.NetworkRow {
		return logistics.NetworkRow{Line: line, Link: &logistics.Link{From: "PL-KRA", To: lviv, Mode: "road", TransitHours: 9}}
	}
	for _, c := range []struct {
		name         string
		rows         []logistics.NetworkRow
		want, field  string
		sites, links int
		audit        []string
	}{
		{name: "a new hub and its link", rows: []logistics.NetworkRow{newHub(2), newLink(3)}, sites: 1, links: 1, audit: []string{"site.create", "hub.update", "link.create"}},
		{name: "a known site and link are updated", rows: []logistics.NetworkRow{
			{Line: 2, Site: &catalog.Site{Code: rze, Name: "Rzeszów-Jasionka", Nation: "POL", Kinds: []string{"logistics_hub"}}},
			{Line: 3, Link: &logistics.Link{From: rze, To: lviv, Mode: "road", TransitHours: 11}},
		}, sites: 1, links: 1, audit: []string{"site.update", "link.update"}},
		{name: "a row that could not be read", rows: []logistics.NetworkRow{newHub(2), newLink(3), {Line: 4, Err: fault.Field("dwell_hours", "%q is not a whole number", "six")}}, want: fault.Invalid, field: "line 4.dwell_hours"},
		{name: "a bad link after good rows", rows: []logistics.NetworkRow{newHub(2), {Line: 3, Link: &logistics.Link{From: "PL-KRA", To: lviv, Mode: "road"}}}, want: fault.Invalid, field: "line 3.transit_hours"},
		{name: "a site without name", rows: []logistics.NetworkRow{{Line: 2, Site: &catalog.Site{Code: "X", Nation: "POL", Kinds: []string{"logistics_hub"}}}}, want: fault.Invalid, field: "line 2.name"},
		{name: "a new site of no nation", rows: []logistics.NetworkRow{{Line: 2, Site: &catalog.Site{Code: "XX-NEW", Name: "New", Nation: "XXX", Kinds: []string{"logistics_hub"}}}}, want: fault.Invalid, field: "line 2: nation"},
		{name: "a known site moved to no nation", rows: []logistics.NetworkRow{{Line: 2, Site: &catalog.Site{Code: rze, Name: rze, Nation: "XXX", Kinds: []string{"logistics_hub"}}}}, want: fault.Invalid, field: "line 2: nation"},
		{name: "limits for a site that is no hub", rows: []logistics.NetworkRow{{Line: 2, Site: &catalog.Site{Code: "PL-DEP", Name: "Depot", Nation: "POL", Kinds: []string{"donor_depot"}}, Hub: &logistics.Hub{DwellHours: 3}}},
			want: fault.Invalid, field: "line 2.site"},
		{name: "a link to a site that does not exist", rows: []logistics.NetworkRow{{Line: 2, Link: &logistics.Link{From: rze, To: "UA-NONE", Mode: "road", TransitHours: 9}}}, want: fault.Invalid, field: "line 2.to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld()
			before := w.copy()
			svc := logistics.Service{Store: db{w}}
			sites, links, err := svc.ImportNetwork(as(coordinator), c.rows)
			refused(t, err, c.want, c.field)
			if c.want != "" {
				untouched(t, before, w)
				return
			}
			if sites != c.sites || links != c.links {
				t.Errorf("%d sites and %d links, want %d and %d", sites, links, c.sites, c.links)
			}
			if got := since(w, 0); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
		})
	}
}

// TestShipmentsKeepTheLedgerInOrder takes shipments of every part of an
// allocation along every path to their end and checks the ledger after
// each step.
func TestShipmentsKeepTheLedgerInOrder(t *testing.T) {
	for _, q := range []int64{1, 25, 40} {
		for _, end := range []string{"cancel", "receive", "short", "found", "loss", "accept", "handover"} {
			w := newWorld()
			svc := logistics.Service{Store: db{w}}
			ctx := as(coordinator)
			var sh logistics.Shipment
			var err error
			if end == "handover" {
				sh, err = svc.HandOver(ctx, logistics.Handover{Lines: []logistics.NewLine{{Allocation: 30, Quantity: q}}})
			} else {
				sh, err = svc.CreateShipment(ctx, logistics.NewShipment{Origin: graf, Destination: lviv, PlannedDeparture: t0, Lines: []logistics.NewLine{{Allocation: 30, Quantity: q}}})
			}
			if err != nil {
				t.Fatalf("%d %s: %v", q, end, err)
			}
			if end == "cancel" {
				if _, err := svc.Hand(ctx, sh.ID, 0, logistics.Move{Action: logistics.Cancel}); err != nil {
					t.Fatal(err)
				}
				balanced(t, w)
				// What a cancelled shipment held is free to plan again.
				if _, err := svc.CreateShipment(ctx, logistics.NewShipment{Origin: graf, Destination: lviv, PlannedDeparture: t0, Lines: []logistics.NewLine{{Allocation: 30, Quantity: 40}}}); err != nil {
					t.Errorf("after a cancel: %v", err)
				}
				continue
			}
			if end != "handover" {
				for _, s := range toDelivered {
					if _, err := svc.Hand(ctx, sh.ID, 0, logistics.Move{Action: s.action, At: at(s.h)}); err != nil {
						t.Fatal(err)
					}
					balanced(t, w)
				}
			}
			rc := logistics.Receipt{Accept: end == "accept"}
			if end == "short" || end == "found" || end == "loss" {
				rc.Lines = []logistics.ReceiptLine{{No: 1, Received: q - 1, Kind: logistics.Short, Reason: "missing"}}
			}
			_, made, err := svc.Receive(ctx, sh.ID, 0, rc)
			if err != nil {
				t.Fatalf("%d %s: %v", q, end, err)
			}
			balanced(t, w)
			if end == "found" || end == "loss" {
				if _, err := svc.Resolve(ctx, made[0].ID, 0, end, "settled"); err != nil {
					t.Fatal(err)
				}
				balanced(t, w)
			}
			// Nothing more than was allocated is ever shipped.
			if _, err := svc.CreateShipment(ctx, logistics.NewShipment{Origin: graf, Destination: lviv, PlannedDeparture: t0, Lines: []logistics.NewLine{{Allocation: 30, Quantity: 41 - q}}}); fault.Code(err) != fault.Invalid {
				t.Errorf("%d %s: a shipment of %d more: %v", q, end, 41-q, err)
			}
		}
	}
}
