package store_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

// The model's generator: each operation picks its actor and arguments from
// the world — mostly sensible, often not — and returns the step that does
// it. Choosing reads the database as the system; doing acts as the actor.

// step picks the next operation, weighted towards what moves goods on.
func (w *world) step() step {
	w.mu.Lock()
	empty := map[string]bool{"pledges": len(w.pledges) == 0, "ships": len(w.ships) == 0, "discs": len(w.discs) == 0, "pieces": len(w.pieces) == 0, "orders": len(w.orders) == 0}
	w.mu.Unlock()
	// An operation on records of a kind there is none of yet is rare.
	rare := func(kind string, weight int) int {
		if empty[kind] {
			return 1
		}
		return weight
	}
	ops := []struct {
		weight int
		gen    func() step
	}{
		{6, w.genRequirement}, {5, w.genPledge}, {rare("pledges", 20), w.genAct}, {rare("pledges", 8), w.genShipment}, {rare("ships", 24), w.genHand},
		{rare("pledges", 5), w.genHandover}, {rare("ships", 12), w.genReceive}, {rare("discs", 4), w.genResolve}, {4, w.genAllocationPlan},
		{3, w.genEquipment}, {rare("pieces", 3), w.genDamage}, {2, w.genRepairPlan}, {rare("orders", 5), w.genMoveOrder}, {1, w.genSlots}, {rare("orders", 1), w.genParts},
		{2, w.genCohort}, {3, w.genTrainingPlan}, {2, w.genRecordClass}, {1, w.genClass}, {1, w.genCount},
	}
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	n := w.rng.IntN(total)
	for _, o := range ops {
		if n < o.weight {
			return o.gen()
		}
		n -= o.weight
	}
	panic("unreachable")
}

// Helpers for random choices.

func (w *world) who() string { return w.names[w.rng.IntN(len(w.names))] }

// whoOr is one of the likely actors most of the time, anyone otherwise.
// An empty name (no officer of a nation that is not in the model) is
// the coordinator.
func (w *world) whoOr(likely ...string) string {
	if w.rng.IntN(4) == 0 {
		return w.who()
	}
	if who := likely[w.rng.IntN(len(likely))]; who != "" {
		return who
	}
	return "coordinator"
}

func oneOf[T any](w *world, xs ...T) T { return xs[w.rng.IntN(len(xs))] }

// id is one of ids, or now and then one that does not exist.
func (w *world) id(ids []int64) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(ids) == 0 || w.rng.IntN(12) == 0 {
		return oneOf[int64](w, 0, -1, 999)
	}
	return ids[w.rng.IntN(len(ids))]
}

// qty is a quantity up to about most, now and then zero, negative or more.
func (w *world) qty(most int64) int64 {
	switch w.rng.IntN(10) {
	case 0:
		return oneOf[int64](w, 0, -1)
	case 1:
		return most + 1 + w.rng.Int64N(5)
	}
	if most < 1 {
		return 1
	}
	return 1 + w.rng.Int64N(most)
}

// when is the time a person gives for an event: mostly now (zero) or a
// little before, sometimes in the future or long ago.
func (w *world) when() time.Time {
	now := w.now()
	switch w.rng.IntN(10) {
	case 0, 1, 2, 3:
		return time.Time{}
	case 4, 5, 6, 7:
		return now.Add(-time.Duration(w.rng.IntN(12*60)) * time.Minute)
	case 8:
		return now.Add(time.Duration(1+w.rng.IntN(48)) * time.Hour)
	}
	return now.Add(-time.Duration(100+w.rng.IntN(400)) * time.Hour)
}

func (w *world) note() string { return oneOf(w, "", "", "convoy delayed at the border", "rerouted") }

func (w *world) version() int64 { return oneOf[int64](w, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) }

// allocations reads every allocation of the pledges made so far.
func (w *world) allocations() []assist.Allocation {
	w.mu.Lock()
	ps := slices.Clone(w.pledges)
	w.mu.Unlock()
	var out []assist.Allocation
	for _, p := range ps {
		als, err := w.db.Allocations(w.sys, p, 0)
		if err != nil {
			w.t.Fatal(err)
		}
		out = append(out, als...)
	}
	return out
}

// The ledger.

func (w *world) genRequirement() step {
	r := assist.Requirement{Quantity: w.qty(60), Priority: 1 + w.rng.IntN(4), NeedBy: oneOf(w, "2025-04-01", "2025-03-15", "2025-06-30"),
		DeliverySite: oneOf(w, storetest.SiteKyiv, storetest.SiteKyiv, modelLviv, modelLviv, siteShop)}
	if w.rng.IntN(8) == 0 {
		r.Priority, r.NeedBy, r.DeliverySite = oneOf(w, 0, 5, r.Priority), oneOf(w, "soon", r.NeedBy), oneOf(w, storetest.SiteHub, "XX-NONE", r.DeliverySite)
	}
	switch w.rng.IntN(8) {
	case 0, 1:
		r.Group = oneOf(w, "155MM-NATO", "155MM-NATO", "NO-GROUP")
	case 2:
		r.NSN = oneOf(w, "", "9999-99-999-9999")
	default:
		r.NSN = oneOf(w, storetest.NSN155, storetest.NSN155Alt, storetest.NSNStinger)
	}
	what := fmt.Sprintf("create requirement of %d %s%s priority %d by %s at %s", r.Quantity, r.NSN, r.Group, r.Priority, r.NeedBy, r.DeliverySite)
	return step{w.whoOr("ukr-officer", "coordinator"), what, func(ctx context.Context) error {
		got, err := w.as.CreateRequirement(ctx, r)
		if err == nil {
			w.add(&w.reqs, got.ID)
		}
		return err
	}}
}

func (w *world) genPledge() step {
	nation := oneOf(w, "DEU", "DEU", "DEU", "POL", "POL", "POL", "UKR", "XXX")
	p := assist.Pledge{Nation: nation, Title: "model pledge", Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2025-02-01", Promised: "2025-04-30",
		Depot: oneOf(w, "", "", "", siteDepot, modelPLDepot, storetest.SiteHub)}
	if w.rng.IntN(4) == 0 {
		p.Marking = access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}
	}
	var lines []string
	for range 1 + w.rng.IntN(3) {
		l := assist.Line{NSN: oneOf(w, storetest.NSN155, storetest.NSN155, storetest.NSN155Alt, storetest.NSNStinger), Pledged: 1 + w.rng.Int64N(80)}
		if w.rng.IntN(15) == 0 {
			l.NSN, l.Pledged = oneOf(w, "1234", l.NSN), oneOf(w, 0, l.Pledged)
		}
		p.Lines = append(p.Lines, l)
		lines = append(lines, fmt.Sprintf("%d × %s", l.Pledged, l.NSN))
	}
	who := w.whoOr(map[string]string{"DEU": "deu-officer", "POL": "pol-officer"}[nation], "coordinator")
	return step{who, fmt.Sprintf("create pledge %s depot %q %s lines %v", p.Nation, p.Depot, p.Classification, lines), func(ctx context.Context) error {
		in := p
		in.Lines = slices.Clone(p.Lines)
		got, err := w.as.CreatePledge(ctx, in)
		if err == nil {
			w.add(&w.pledges, got.ID)
		}
		return err
	}}
}

// genAct commits, allocates, accepts or withdraws a quantity of a line:
// mostly of a line that has some to move, to a requirement it can meet.
func (w *world) genAct() step {
	pid := w.id(w.pledges)
	a := assist.Action{Kind: oneOf(w, assist.Commit, assist.Commit, assist.Allocate, assist.Allocate, assist.Allocate, assist.Accept, assist.Accept, assist.Withdraw, assist.Ship, assist.Deliver)}
	var most int64 = 50
	who := w.who()
	if p, err := w.db.Pledge(w.sys, pid); err == nil && len(p.Lines) > 0 {
		var can []string
		for _, c := range p.Lines {
			if c.Pledged > c.Committed {
				can = append(can, assist.Commit)
			}
			if c.Committed > c.Allocated {
				can = append(can, assist.Allocate, assist.Allocate)
			}
			if c.Delivered > c.Accepted {
				can = append(can, assist.Accept, assist.Accept)
			}
		}
		if len(can) > 0 && w.rng.IntN(5) != 0 {
			a.Kind = oneOf(w, can...)
		}
		l := p.Lines[w.rng.IntN(len(p.Lines))]
		for _, c := range p.Lines {
			if (a.Kind == assist.Commit && c.Pledged > c.Committed) || (a.Kind == assist.Allocate && c.Committed > c.Allocated) || (a.Kind == assist.Accept && c.Delivered > c.Accepted) {
				l = c
			}
		}
		a.Line = l.ID
		switch a.Kind {
		case assist.Commit:
			most, who = l.Pledged-l.Committed, w.whoOr(map[string]string{"DEU": "deu-officer", "POL": "pol-officer"}[p.Nation], "coordinator")
		case assist.Allocate:
			most, who = l.Committed-l.Allocated, w.whoOr("coordinator")
			a.Requirement = w.requirementFor(l.NSN)
		case assist.Accept:
			most, who = l.Delivered-l.Accepted, w.whoOr("ukr-officer", "coordinator")
			if als, _ := w.db.Allocations(w.sys, pid, 0); len(als) > 0 && w.rng.IntN(2) == 0 {
				a.Allocation = als[w.rng.IntN(len(als))].ID
			}
		case assist.Withdraw:
			most = l.Pledged - l.Committed
		}
	} else {
		a.Line = oneOf[int64](w, 0, 999)
	}
	a.Quantity = w.qty(most)
	version := w.version()
	return step{who, fmt.Sprintf("act on P-%05d v%d: %+v", pid, version, a), func(ctx context.Context) error {
		_, err := w.as.Act(ctx, pid, version, a)
		return err
	}}
}

// requirementFor is mostly a requirement that an item of nsn can meet.
func (w *world) requirementFor(nsn string) int64 {
	w.mu.Lock()
	ids := slices.Clone(w.reqs)
	w.mu.Unlock()
	is155 := func(n string) bool { return n == storetest.NSN155 || n == storetest.NSN155Alt }
	var fit []int64
	for _, id := range ids {
		r, err := w.db.Requirement(w.sys, id)
		if err == nil && r.Open() > 0 && (r.NSN == nsn || (is155(nsn) && (r.Group == "155MM-NATO" || is155(r.NSN)))) {
			fit = append(fit, id)
		}
	}
	if len(fit) > 0 && w.rng.IntN(5) != 0 {
		return fit[w.rng.IntN(len(fit))]
	}
	return w.id(ids)
}

// The goods.

// genShipment plans a shipment of one or two allocations: from their depot
// or another site, to their delivery point or elsewhere, with or without a
// reason for the difference.
func (w *world) genShipment() step {
	als := w.allocations()
	in := logistics.NewShipment{PlannedDeparture: w.now().Add(time.Duration(w.rng.IntN(72)-24) * time.Hour)}
	who := w.whoOr("coordinator", "deu-officer", "pol-officer")
	if len(als) == 0 || w.rng.IntN(15) == 0 {
		in.Lines = []logistics.NewLine{{Allocation: oneOf[int64](w, 0, 999), Quantity: 1}}
		in.Origin, in.Destination = siteDepot, storetest.SiteKyiv
	} else {
		al := als[w.rng.IntN(len(als))]
		in.Lines = []logistics.NewLine{{Allocation: al.ID, Quantity: oneOf(w, 0, w.qty(al.Quantity-al.Shipped))}}
		if w.rng.IntN(4) == 0 {
			other := als[w.rng.IntN(len(als))]
			in.Lines = append(in.Lines, logistics.NewLine{Allocation: other.ID, Quantity: oneOf(w, 0, w.qty(other.Quantity-other.Shipped))})
		}
		depot := siteDepot
		if p, err := w.db.Pledge(w.sys, al.PledgeID); err == nil && p.Depot != "" {
			depot = p.Depot
		} else if err == nil && p.Nation == "POL" {
			depot = modelPLDepot
		}
		dest := storetest.SiteKyiv
		if r, err := w.db.Requirement(w.sys, al.Requirement); err == nil {
			dest = r.DeliverySite
		}
		in.Origin = oneOf(w, depot, depot, depot, siteDepot, modelPLDepot, storetest.SiteHub)
		in.Destination = oneOf(w, dest, dest, dest, storetest.SiteKyiv, modelLviv)
	}
	in.Via = oneOf(w, nil, nil, []string{storetest.SiteHub}, []string{siteRO})
	in.Override = oneOf(w, "", "", "", "stock moved to the Polish depot")
	return step{who, fmt.Sprintf("plan shipment %s→%s via %v lines %+v override %q", in.Origin, in.Destination, in.Via, in.Lines, in.Override), func(ctx context.Context) error {
		ns := in
		ns.Lines, ns.Via = slices.Clone(in.Lines), slices.Clone(in.Via)
		sh, err := w.lg.CreateShipment(ctx, ns)
		if err == nil {
			w.add(&w.ships, sh.ID)
		}
		return err
	}}
}

// genHand moves a shipment on: mostly the action its state asks for, by
// someone who may, at a time that may or may not fit.
func (w *world) genHand() step {
	id := w.shipIn(logistics.Planned, logistics.Dispatched, logistics.InTransit, logistics.AtHub, logistics.Held)
	m := logistics.Move{Action: oneOf(w, logistics.Actions...), At: w.when(), Note: w.note()}
	who := w.who()
	if sh, err := w.db.Shipment(w.sys, id); err == nil && w.rng.IntN(4) != 0 {
		switch sh.State {
		case logistics.Planned:
			m.Action = oneOf(w, logistics.Dispatch, logistics.Dispatch, logistics.Dispatch, logistics.Cancel)
			who = w.whoOr(map[string]string{"DEU": "deu-officer", "POL": "pol-officer"}[sh.Nation], "coordinator")
		case logistics.Dispatched, logistics.InTransit:
			m.Action = oneOf(w, logistics.Arrive, logistics.Arrive, logistics.Arrive, logistics.Hold)
			who = w.whoOr("rze-hub", "coordinator", "ukr-officer", "shop-mgr")
			if to := sh.Legs[sh.Leg].To; to == storetest.SiteKyiv || to == modelLviv {
				who = w.whoOr("ukr-officer", "coordinator")
			}
		case logistics.AtHub:
			m.Action = oneOf(w, logistics.Depart, logistics.Depart, logistics.Hold)
			who = w.whoOr("rze-hub", "coordinator")
		case logistics.Held:
			m.Action = logistics.Release
			who = w.whoOr("rze-hub", "coordinator", "ukr-officer")
		}
	}
	version := w.version()
	return step{who, fmt.Sprintf("%s S-%05d v%d at %s note %q", m.Action, id, version, stamp(m.At), m.Note), func(ctx context.Context) error {
		_, err := w.lg.Hand(ctx, id, version, m)
		return err
	}}
}

// shipIn is mostly a shipment in one of states, else any.
func (w *world) shipIn(states ...string) int64 {
	w.mu.Lock()
	ids := slices.Clone(w.ships)
	w.mu.Unlock()
	var in []int64
	for _, id := range ids {
		if sh, err := w.db.Shipment(w.sys, id); err == nil && slices.Contains(states, sh.State) {
			in = append(in, id)
		}
	}
	if len(in) > 0 && w.rng.IntN(6) != 0 {
		return in[w.rng.IntN(len(in))]
	}
	return w.id(ids)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "now"
	}
	return t.Format("01-02T15:04")
}

// genHandover hands allocated goods over directly, outside the network.
func (w *world) genHandover() step {
	als := w.allocations()
	in := logistics.Handover{At: w.when(), Note: w.note(), Override: oneOf(w, "", "", "handed over at the border")}
	if len(als) > 0 {
		al := als[w.rng.IntN(len(als))]
		in.Lines = []logistics.NewLine{{Allocation: al.ID, Quantity: oneOf(w, 0, w.qty(al.Quantity-al.Shipped))}}
	} else {
		in.Lines = []logistics.NewLine{{Allocation: 999}}
	}
	in.Origin = oneOf(w, "", "", "", siteDepot, modelPLDepot)
	in.Destination = oneOf(w, "", "", "", storetest.SiteKyiv, modelLviv)
	return step{w.whoOr("coordinator", "deu-officer", "pol-officer"), fmt.Sprintf("hand over %+v from %q to %q at %s override %q", in.Lines, in.Origin, in.Destination, stamp(in.At), in.Override), func(ctx context.Context) error {
		h := in
		h.Lines = slices.Clone(in.Lines)
		sh, err := w.lg.HandOver(ctx, h)
		if err == nil {
			w.add(&w.ships, sh.ID)
		}
		return err
	}}
}

// genReceive receives a shipment, with differences on some lines (short,
// damaged, lost or surplus; with or without a kind and a reason), accepting
// it in the same step or not.
func (w *world) genReceive() step {
	id := w.shipIn(logistics.Delivered)
	rc := logistics.Receipt{Accept: w.rng.IntN(3) == 0, At: w.when(), Note: w.note()}
	if sh, err := w.db.Shipment(w.sys, id); err == nil {
		for _, l := range sh.Lines {
			if w.rng.IntN(3) != 0 {
				continue
			}
			r := logistics.ReceiptLine{No: oneOf(w, l.No, l.No, l.No, l.No+1), Reason: oneOf(w, "", "pallet broken", "counted at the unit")}
			if w.rng.IntN(4) == 0 {
				r.Received, r.Kind = l.Quantity+1+w.rng.Int64N(3), oneOf(w, logistics.Surplus, logistics.Surplus, "short")
			} else {
				r.Received, r.Kind = max(l.Quantity-1-w.rng.Int64N(l.Quantity+1), -1), oneOf(w, append([]string{"", "bogus"}, logistics.DiscrepancyKinds...)...)
			}
			rc.Lines = append(rc.Lines, r)
		}
	}
	version := w.version()
	return step{w.whoOr("ukr-officer", "coordinator"), fmt.Sprintf("receive S-%05d v%d at %s accept %v lines %+v", id, version, stamp(rc.At), rc.Accept, rc.Lines), func(ctx context.Context) error {
		r := rc
		r.Lines = slices.Clone(rc.Lines)
		_, made, err := w.lg.Receive(ctx, id, version, r)
		for _, d := range made {
			if err == nil {
				w.add(&w.discs, d.ID)
			}
		}
		return err
	}}
}

func (w *world) genResolve() step {
	id := w.id(w.discs)
	res, note := oneOf(w, logistics.Found, logistics.Found, logistics.Loss, "maybe"), oneOf(w, "found in the next truck", "written off", "")
	return step{w.whoOr("ukr-officer", "coordinator", "deu-officer"), fmt.Sprintf("resolve D-%05d %s note %q", id, res, note), func(ctx context.Context) error {
		_, err := w.lg.Resolve(ctx, id, w.version(), res, note)
		return err
	}}
}

// genCount counts the stock at a hub.
func (w *world) genCount() step {
	lines := []logistics.CountLine{{NSN: storetest.NSN155, Counted: w.rng.Int64N(50) - 1}}
	reason := oneOf(w, "", "monthly count")
	return step{w.whoOr("rze-hub", "coordinator"), fmt.Sprintf("count %s %+v reason %q", storetest.SiteHub, lines, reason), func(ctx context.Context) error {
		_, err := w.lg.Count(ctx, storetest.SiteHub, slices.Clone(lines), reason)
		return err
	}}
}

// The allocation planner.

// allocationProposal is a proposal as the reviewer saw it.
type allocationProposal struct {
	sv  plan.Saved
	in  assist.Outstanding
	p   plan.Plan
	fp  string
	err error
}

// proposeAllocation makes and saves an allocation proposal over what the
// reader may see. It and approveAllocation are the one place that knows
// the planner's API.
func proposeAllocation(ctx context.Context, db *store.DB, start time.Time) allocationProposal {
	sv, err := allocationPlanner(db).Make(ctx, 30, start)
	return allocationProposal{in: sv.Input, p: sv.Plan, fp: sv.Fingerprint, sv: sv, err: err}
}

func allocationPlanner(db *store.DB) *plan.Service {
	return &plan.Service{Store: plan.Over[*store.Tx](db), Read: db}
}

// approveAllocation approves proposal a less the excluded lines, and
// returns the shipments it planned. The approval reads the plan's inputs
// again inside its transaction whatever the caller does; fresh makes a
// new proposal first and approves that one instead.
func approveAllocation(ctx context.Context, db *store.DB, a allocationProposal, exclude []plan.Key, fresh bool) ([]int64, error) {
	if fresh {
		if a = proposeAllocation(ctx, db, a.sv.Start); a.err != nil {
			return nil, a.err
		}
	}
	got, err := allocationPlanner(db).Approve(ctx, &a.sv, exclude)
	return got.Shipments, err
}

// approvedAllocation approves as approveAllocation does, and records the
// shipments planned.
func (w *world) approvedAllocation(ctx context.Context, a allocationProposal, exclude []plan.Key, fresh bool) error {
	ships, err := approveAllocation(ctx, w.db, a, exclude, fresh)
	for _, id := range ships {
		w.add(&w.ships, id)
	}
	return err
}

// genAllocationPlan proposes and approves at once, or approves a proposal
// kept from an earlier step (whose inputs have often changed since).
func (w *world) genAllocationPlan() step {
	who := w.whoOr("coordinator")
	w.mu.Lock()
	old := w.stale
	w.mu.Unlock()
	if old != nil && w.rng.IntN(2) == 0 {
		fresh := w.rng.IntN(2) == 0
		return step{who, fmt.Sprintf("approve an earlier allocation proposal of %d lines (inputs read again: %v)", len(old.p.Lines), fresh), func(ctx context.Context) error {
			return w.approvedAllocation(ctx, *old, nil, fresh)
		}}
	}
	keep := w.rng.IntN(3) == 0
	return step{who, fmt.Sprintf("propose an allocation plan and approve it (kept for later: %v)", keep), func(ctx context.Context) error {
		a := proposeAllocation(ctx, w.db, w.now())
		if a.err != nil {
			return a.err
		}
		if keep {
			w.mu.Lock()
			w.stale = &a
			w.mu.Unlock()
			return nil
		}
		var exclude []plan.Key
		if len(a.p.Lines) > 1 && w.rng.IntN(3) == 0 {
			l := a.p.Lines[0]
			exclude = []plan.Key{{PledgeLine: a.in.Stock[l.Stock].Line, Requirement: a.in.Needs[l.Need].Requirement}}
		}
		return w.approvedAllocation(ctx, a, exclude, false)
	}}
}

// Repair.

func (w *world) genEquipment() step {
	e := repair.Equipment{NSN: oneOf(w, storetest.NSNStinger, storetest.NSNStinger, storetest.NSNStinger, storetest.NSN155), Serial: fmt.Sprintf("ST-%03d", w.rng.IntN(20)),
		Donor: oneOf(w, "USA", "DEU", "XXX"), Received: "2025-01-10", Location: oneOf(w, storetest.SiteKyiv, modelLviv, "NOWHERE")}
	return step{w.whoOr("ukr-officer", "coordinator"), fmt.Sprintf("register %+v", e), func(ctx context.Context) error {
		got, err := w.rp.RegisterEquipment(ctx, e)
		if err == nil {
			w.add(&w.pieces, got.ID)
		}
		return err
	}}
}

func (w *world) genDamage() step {
	d := repair.Damage{Equipment: w.id(w.pieces), Fault: oneOf(w, "seeker head failure", ""), Severity: oneOf(w, repair.Facility, repair.Facility, repair.Theatre, repair.Beyond, "bad"),
		Priority: w.rng.IntN(6), Replace: w.rng.IntN(2) == 0}
	return step{w.whoOr("ukr-officer", "coordinator"), fmt.Sprintf("report damage %+v", d), func(ctx context.Context) error {
		o, r, err := w.rp.ReportDamage(ctx, d)
		if err == nil && o.ID != 0 {
			w.add(&w.orders, o.ID)
		}
		if err == nil && r != nil {
			w.add(&w.reqs, r.ID)
		}
		return err
	}}
}

// genRepairPlan plans the waiting orders and approves the plan, sometimes
// with an assignment to a facility that is not competent.
func (w *world) genRepairPlan() step {
	tamper := w.rng.IntN(4) == 0
	return step{w.whoOr("coordinator"), fmt.Sprintf("plan repairs and approve (tampered: %v)", tamper), func(ctx context.Context) error {
		start := w.now()
		in, fp, err := w.db.RepairPlanInput(ctx, start, 90)
		if err != nil {
			return err
		}
		p, err := repair.Plan(in)
		if err != nil {
			return err
		}
		if tamper && len(p.Assignments) > 0 {
			p.Assignments = append(p.Assignments, p.Assignments[0])
		}
		_, err = w.rp.Approve(ctx, p, fp, start, 90)
		return err
	}}
}

func (w *world) genMoveOrder() step {
	id := w.id(w.orders)
	to := oneOf(w, repair.OrderStates...)
	if o, err := w.db.Order(w.sys, id); err == nil && w.rng.IntN(4) != 0 {
		switch o.State {
		case repair.Assigned:
			to = repair.Transit
		case repair.Transit, repair.Parts:
			to = repair.Repairs
		case repair.Repairs:
			to = oneOf(w, repair.Repaired, repair.Parts)
		case repair.Repaired:
			to = repair.Returned
		case repair.Returned:
			to = repair.Received
		case repair.Reported:
			to = oneOf(w, repair.Repairs, repair.Assigned)
		}
	}
	return step{w.whoOr("shop-mgr", "coordinator", "ukr-officer"), fmt.Sprintf("move RO-%05d to %s", id, to), func(ctx context.Context) error {
		_, err := w.rp.MoveOrder(ctx, id, w.version(), to, w.note())
		return err
	}}
}

// genSlots changes the repair shop's slots.
func (w *world) genSlots() step {
	slots := 1 + w.rng.IntN(3)
	return step{w.whoOr("coordinator"), fmt.Sprintf("set %s to %d slots", siteShop, slots), func(ctx context.Context) error {
		fs, err := w.db.RepairFacilities(ctx)
		if err != nil || len(fs) == 0 {
			return err
		}
		f := fs[0]
		f.Slots = slots
		_, err = w.rp.SaveFacility(ctx, f, f.Version)
		return err
	}}
}

func (w *world) genParts() step {
	id := w.id(w.orders)
	parts := []repair.Part{{NSN: oneOf(w, storetest.NSNStinger, "9999-99-999-9999"), Quantity: w.qty(3)}}
	return step{w.whoOr("shop-mgr", "coordinator"), fmt.Sprintf("ask parts for RO-%05d: %+v", id, parts), func(ctx context.Context) error {
		reqs, err := w.rp.AddParts(ctx, id, slices.Clone(parts))
		for _, r := range reqs {
			w.add(&w.reqs, r.ID)
		}
		return err
	}}
}

// Training.

func (w *world) genCohort() step {
	c := training.CohortOf{Skill: oneOf(w, storetest.NSNStinger, storetest.NSNStinger, "MEDIC", ""), Size: int(w.qty(8)), Priority: w.rng.IntN(5),
		Earliest: "2025-03-01", NeededBy: oneOf(w, "2025-09-01", "2025-02-01")}
	return step{w.whoOr("ukr-officer", "coordinator"), fmt.Sprintf("nominate cohort %+v", c), func(ctx context.Context) error {
		got, err := w.tr.AddCohort(ctx, c)
		if err == nil {
			w.add(&w.cohorts, got.ID)
		}
		return err
	}}
}

func (w *world) genClass() step {
	start := oneOf(w, "2025-04-01", "2025-05-05", "2025-06-02")
	c := training.ClassOf{Course: oneOf(w, modelCourse, modelCourse, "NOPE"), Start: start, End: oneOf(w, "2025-06-30", "2025-03-01"), Seats: oneOf(w, 0, 0, 3)}
	return step{w.whoOr("mun-mgr", "deu-officer", "pol-officer"), fmt.Sprintf("add class %+v", c), func(ctx context.Context) error {
		got, err := w.tr.AddClass(ctx, c)
		if err == nil {
			w.add(&w.classes, got.ID)
		}
		return err
	}}
}

// genTrainingPlan approves the planner's proposal, or one written by hand
// that may overfill a class.
func (w *world) genTrainingPlan() step {
	var hand *training.Proposal
	if w.rng.IntN(3) == 0 {
		hand = &training.Proposal{}
		for range 1 + w.rng.IntN(2) {
			hand.Enrolments = append(hand.Enrolments, training.Enrolment{Cohort: w.id(w.cohorts), Class: w.id(w.classes), Trainees: int(w.qty(5))})
		}
	}
	what := "plan training and approve"
	if hand != nil {
		what = fmt.Sprintf("approve training enrolments %+v", hand.Enrolments)
	}
	return step{w.whoOr("coordinator"), what, func(ctx context.Context) error {
		start := w.now()
		in, fp, err := w.db.TrainingPlanInput(ctx, start, 180)
		if err != nil {
			return err
		}
		p := training.Proposal{}
		if hand != nil {
			p.Enrolments = slices.Clone(hand.Enrolments)
		} else if p, err = training.Plan(in); err != nil {
			return err
		}
		_, err = w.tr.Approve(ctx, p, fp, start, 180)
		return err
	}}
}

func (w *world) genRecordClass() step {
	class := w.id(w.classes)
	var recs []training.Record
	if ens, err := w.db.Enrolments(w.sys, class); err == nil {
		for _, e := range ens {
			done := w.rng.IntN(e.Trainees + 2)
			recs = append(recs, training.Record{Enrolment: e.ID, Attended: min(done+w.rng.IntN(2), e.Trainees+1), Completed: done, Attrition: w.rng.IntN(2), Reason: oneOf(w, "", "injured")})
		}
	}
	return step{w.whoOr("mun-mgr", "deu-officer"), fmt.Sprintf("record class %d: %+v", class, recs), func(ctx context.Context) error {
		_, err := w.tr.RecordClass(ctx, class, slices.Clone(recs))
		return err
	}}
}
