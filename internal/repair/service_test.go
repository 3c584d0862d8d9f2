package repair_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/repair"
)

// wantCode fails unless err has code want ("" for no error) and its
// message holds msg.
func wantCode(t *testing.T, err error, want, msg string) {
	t.Helper()
	if fault.Code(err) != want {
		t.Fatalf("error %v (%s), want %q", err, fault.Code(err), want)
	}
	if msg != "" && (err == nil || !strings.Contains(err.Error(), msg)) {
		t.Fatalf("error %v, want it to say %q", err, msg)
	}
}

// unchanged fails unless a refused use case left the memory as it was:
// no audit event, no order, piece or event written.
func unchanged(t *testing.T, before, after *memory) {
	t.Helper()
	if len(after.audit) != len(before.audit) || len(after.events) != len(before.events) || len(after.orderEvents) != len(before.orderEvents) ||
		len(after.requirements) != len(before.requirements) || len(after.shipments) != len(before.shipments) || len(after.contributions) != len(before.contributions) {
		t.Errorf("a refused change wrote: audit %v", after.actions())
	}
	for id, o := range before.orders {
		if after.orders[id] != o {
			t.Errorf("a refused change moved %s: %+v", o.Ref(), after.orders[id])
		}
	}
	for id, e := range before.pieces {
		if after.pieces[id] != e {
			t.Errorf("a refused change changed %s: %+v", e.Ref(), after.pieces[id])
		}
	}
}

func TestOrderMoveIsTheStateMachine(t *testing.T) {
	for _, c := range []struct {
		severity, from, to string
		want               string
	}{
		{repair.Facility, repair.Reported, repair.Assigned, ""},
		{repair.Facility, repair.Assigned, repair.Transit, ""},
		{repair.Facility, repair.Transit, repair.Repairs, ""},
		{repair.Facility, repair.Repairs, repair.Parts, ""},
		{repair.Facility, repair.Parts, repair.Repairs, ""},
		{repair.Facility, repair.Repairs, repair.Repaired, ""},
		{repair.Facility, repair.Repaired, repair.Returned, ""},
		{repair.Facility, repair.Returned, repair.Received, ""},
		{repair.Facility, repair.Reported, repair.Repairs, fault.Conflict},
		{repair.Facility, repair.Assigned, repair.Repairs, fault.Conflict},
		{repair.Facility, repair.Parts, repair.Repaired, fault.Conflict},
		{repair.Facility, repair.Received, repair.Reported, fault.Conflict},
		{repair.Facility, repair.Repairs, "fixed", fault.Invalid},
		{repair.Theatre, repair.Reported, repair.Repairs, ""},
		{repair.Theatre, repair.Repairs, repair.Repaired, ""},
		{repair.Theatre, repair.Reported, repair.Assigned, fault.Conflict},
		{repair.Theatre, repair.Repaired, repair.Returned, fault.Conflict},
	} {
		t.Run(c.severity+" "+c.from+" to "+c.to, func(t *testing.T) {
			o := repair.Order{ID: 1, Severity: c.severity, State: c.from}
			err := o.Move(c.to)
			wantCode(t, err, c.want, "")
			if want := map[bool]string{true: c.to, false: c.from}[c.want == ""]; o.State != want {
				t.Errorf("state %s, want %s", o.State, want)
			}
		})
	}
}

func TestMoveOrder(t *testing.T) {
	for _, c := range []struct {
		name      string
		who       access.Identity
		severity  string
		from, to  string
		facility  string
		version   int64 // 0: any
		inRepair  int   // other orders holding a slot at the facility
		want, msg string
		piece     string // the piece's state after the move
	}{
		{name: "a coordinator moves any order", who: coordinator, severity: repair.Facility, from: repair.Assigned, to: repair.Transit, facility: gli, piece: repair.Damaged},
		{name: "the facility's manager moves its orders", who: gliManager, severity: repair.Facility, from: repair.Transit, to: repair.Repairs, facility: gli, piece: repair.InRepair},
		{name: "another facility's manager may not", who: jonManager, severity: repair.Facility, from: repair.Transit, to: repair.Repairs, facility: gli, want: fault.Forbidden, msg: "it is PL-GLI's to move"},
		{name: "a manager may not move an order not yet assigned", who: gliManager, severity: repair.Facility, from: repair.Reported, to: repair.Assigned, want: fault.Forbidden, msg: "a coordinator's to move"},
		{name: "the recipient receives a piece back", who: ukrOfficer, severity: repair.Facility, from: repair.Returned, to: repair.Received, facility: gli, piece: repair.Operational},
		{name: "the recipient may not send a piece on", who: ukrOfficer, severity: repair.Facility, from: repair.Assigned, to: repair.Transit, facility: gli, want: fault.Forbidden},
		{name: "the recipient repairs in theatre", who: ukrOfficer, severity: repair.Theatre, from: repair.Reported, to: repair.Repairs, piece: repair.InRepair},
		{name: "a nation officer may not move orders", who: usaOfficer, severity: repair.Facility, from: repair.Assigned, to: repair.Transit, facility: gli, want: fault.Forbidden},
		{name: "a state out of order", who: coordinator, severity: repair.Facility, from: repair.Assigned, to: repair.Repairs, facility: gli, want: fault.Conflict, msg: "it can go only to in transit"},
		{name: "a stale version", who: coordinator, severity: repair.Facility, from: repair.Assigned, to: repair.Transit, facility: gli, version: 2, want: fault.Conflict, msg: "since version 2"},
		{name: "the current version", who: coordinator, severity: repair.Facility, from: repair.Assigned, to: repair.Transit, facility: gli, version: 3, piece: repair.Damaged},
		{name: "no free slot", who: gliManager, severity: repair.Facility, from: repair.Transit, to: repair.Repairs, facility: gli, inRepair: 1, want: fault.Conflict, msg: "has 1 slots and 1 orders in repair"},
		{name: "back from waiting for parts keeps its slot", who: gliManager, severity: repair.Facility, from: repair.Parts, to: repair.Repairs, facility: gli, inRepair: 1, piece: repair.InRepair},
		{name: "a repair in theatre needs no slot", who: coordinator, severity: repair.Theatre, from: repair.Reported, to: repair.Repairs, facility: gli, inRepair: 1, piece: repair.InRepair},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			for range c.inRepair {
				m.piece(repair.InRepair, repair.Repairs, repair.Facility, gli)
			}
			eid, oid := m.piece(repair.Damaged, c.from, c.severity, c.facility)
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			o, err := svc.MoveOrder(as(c.who), oid, c.version, c.to, "note")
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				return
			}
			if o.State != c.to || m.orders[oid].State != c.to || o.Version != 4 {
				t.Errorf("the order: %+v", o)
			}
			if got := m.pieces[eid].State; got != c.piece {
				t.Errorf("the piece is %s, want %s", got, c.piece)
			}
			if got := m.actions(); !slices.Equal(got, []string{"repair." + c.to}) {
				t.Errorf("audit %v", got)
			}
			if len(m.events) != 1 || len(m.orderEvents) != 1 {
				t.Errorf("events: %v %v", m.events, m.orderEvents)
			}
		})
	}
}

func TestMoveOrderRefusesAConcurrentChangeOfThePiece(t *testing.T) {
	m := newMemory()
	eid, oid := m.piece(repair.Damaged, repair.Assigned, repair.Facility, gli)
	// The piece moves on between its read and its write: the store
	// refuses the stale version, and nothing is written.
	m.racing = eid
	svc := repair.Service{Store: store{m}}
	before := m.clone()
	_, err := svc.MoveOrder(as(coordinator), oid, 0, repair.Transit, "")
	wantCode(t, err, fault.Conflict, "changed by someone else")
	unchanged(t, before, m)
}

func TestRecordCost(t *testing.T) {
	for _, c := range []struct {
		name      string
		who       access.Identity
		state     string
		cost      money.Cents
		paidBy    string
		recorded  bool
		want, msg string
	}{
		{name: "a coordinator records any payer", who: coordinator, state: repair.Repaired, cost: 1000, paidBy: "usa"},
		{name: "the facility's manager records their own nation", who: gliManager, state: repair.Returned, cost: 1000, paidBy: "POL"},
		{name: "the facility's manager may not credit another nation", who: gliManager, state: repair.Repaired, cost: 1000, paidBy: "DEU", want: fault.Forbidden, msg: "their own nation"},
		{name: "another facility's manager may not", who: jonManager, state: repair.Repaired, cost: 1000, paidBy: "LTU", want: fault.Forbidden, msg: "may not record the cost"},
		{name: "the recipient may not", who: ukrOfficer, state: repair.Repaired, cost: 1000, paidBy: "UKR", want: fault.Forbidden},
		{name: "not yet repaired", who: coordinator, state: repair.Repairs, cost: 1000, paidBy: "USA", want: fault.Conflict, msg: "once it is repaired"},
		{name: "recorded once", who: coordinator, state: repair.Received, cost: 1000, paidBy: "USA", recorded: true, want: fault.Conflict, msg: "recorded already"},
		{name: "no cost", who: coordinator, state: repair.Repaired, cost: 0, paidBy: "USA", want: fault.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			_, oid := m.piece(repair.Damaged, c.state, repair.Facility, gli)
			if c.recorded {
				o := m.orders[oid]
				o.Cost, o.PaidBy = 500, "USA"
				m.orders[oid] = o
			}
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			o, err := svc.RecordCost(as(c.who), oid, c.cost, c.paidBy)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				return
			}
			want := strings.ToUpper(c.paidBy)
			if o.Cost != int64(c.cost) || o.PaidBy != want || m.orders[oid].Cost != int64(c.cost) {
				t.Errorf("the order: %+v", o)
			}
			if len(m.contributions) != 1 || m.contributions[0].Nation != want || m.contributions[0].Category != "maintenance_logistics" || m.contributions[0].Original != c.cost {
				t.Errorf("the contribution: %+v", m.contributions)
			}
			if got := m.actions(); !slices.Equal(got, []string{"contribution.create", "repair.cost"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

func TestWriteOff(t *testing.T) {
	for _, c := range []struct {
		name       string
		who        access.Identity
		state      string
		orderState string
		reason     string
		want, msg  string
	}{
		{name: "an operational piece", who: coordinator, state: repair.Operational, reason: "worn out"},
		{name: "after its repair in theatre", who: ukrOfficer, state: repair.Operational, orderState: repair.Repaired, reason: "worn out"},
		{name: "destroyed already", who: coordinator, state: repair.Destroyed, reason: "gone", want: fault.Conflict, msg: "is destroyed already"},
		{name: "written off already", who: coordinator, state: repair.WrittenOff, reason: "gone", want: fault.Conflict, msg: "written off already"},
		{name: "with an open order", who: coordinator, state: repair.Damaged, orderState: repair.Repairs, reason: "too slow", want: fault.Conflict, msg: "finish it first"},
		{name: "no reason", who: coordinator, state: repair.Operational, reason: " ", want: fault.Invalid},
		{name: "a nation officer may not", who: usaOfficer, state: repair.Operational, reason: "ours", want: fault.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			severity := repair.Facility
			if c.orderState == repair.Repaired {
				severity = repair.Theatre
			}
			eid, _ := m.piece(c.state, c.orderState, severity, gli)
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			e, err := svc.WriteOff(as(c.who), eid, c.reason)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				return
			}
			if e.State != repair.WrittenOff || m.pieces[eid].State != repair.WrittenOff || e.Version != 2 {
				t.Errorf("the piece: %+v", e)
			}
			if got := m.actions(); !slices.Equal(got, []string{"equipment.write_off"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

func TestReportDamage(t *testing.T) {
	for _, c := range []struct {
		name       string
		who        access.Identity
		state      string
		orderState string
		damage     repair.Damage
		want, msg  string
		piece      string
		audit      []string
	}{
		{name: "damage opens an order", who: ukrOfficer, state: repair.Operational, damage: repair.Damage{Fault: "seeker", Severity: repair.Facility}, piece: repair.Damaged, audit: []string{"repair.report"}},
		{name: "beyond repair leaves the fleet", who: ukrOfficer, state: repair.Operational, damage: repair.Damage{Fault: "strike", Severity: repair.Beyond}, piece: repair.Destroyed, audit: []string{"equipment.destroyed"}},
		{name: "beyond repair raises a replacement", who: coordinator, state: repair.Damaged, damage: repair.Damage{Fault: "strike", Severity: repair.Beyond, Priority: 1, Replace: true}, piece: repair.Destroyed, audit: []string{"equipment.destroyed", "requirement.create"}},
		{name: "a replacement only at a delivery point", who: coordinator, state: repair.Operational, damage: repair.Damage{Fault: "strike", Severity: repair.Beyond, Location: lviv, Replace: true}, want: fault.Invalid, msg: "UA-LVIV is not a delivery point"},
		{name: "an unknown place", who: coordinator, state: repair.Operational, damage: repair.Damage{Fault: "seeker", Severity: repair.Facility, Location: "NOWHERE"}, want: fault.Invalid, msg: `no site "NOWHERE"`},
		{name: "a destroyed piece", who: coordinator, state: repair.Destroyed, damage: repair.Damage{Fault: "more", Severity: repair.Theatre}, want: fault.Conflict, msg: "no damage can be reported on it"},
		{name: "a written-off piece", who: coordinator, state: repair.WrittenOff, damage: repair.Damage{Fault: "more", Severity: repair.Theatre}, want: fault.Conflict, msg: "no damage can be reported on it"},
		{name: "a piece with an open order", who: coordinator, state: repair.Damaged, orderState: repair.Assigned, damage: repair.Damage{Fault: "again", Severity: repair.Facility}, want: fault.Conflict, msg: "report on that order"},
		{name: "a facility manager may not", who: gliManager, state: repair.Operational, damage: repair.Damage{Fault: "seeker", Severity: repair.Facility}, want: fault.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			eid, _ := m.piece(c.state, c.orderState, repair.Facility, gli)
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			d := c.damage
			d.Equipment = eid
			o, req, err := svc.ReportDamage(as(c.who), d)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				return
			}
			if got := m.pieces[eid].State; got != c.piece {
				t.Errorf("the piece is %s, want %s", got, c.piece)
			}
			if got := m.actions(); !slices.Equal(got, c.audit) {
				t.Errorf("audit %v, want %v", got, c.audit)
			}
			switch {
			case d.Severity != repair.Beyond:
				if o.ID == 0 || m.orders[o.ID].State != repair.Reported || o.Location != kyiv || req != nil {
					t.Errorf("the order: %+v %+v", o, req)
				}
			case d.Replace:
				if req == nil || req.NSN != stinger || req.Quantity != 1 || req.DeliverySite != kyiv || req.Priority != 1 || len(m.requirements) != 1 || o.ID != 0 {
					t.Errorf("the replacement: %+v", req)
				}
			default:
				if req != nil || o.ID != 0 || len(m.orders) != 0 {
					t.Errorf("beyond repair opened %+v %+v", o, req)
				}
			}
		})
	}
}

func TestRegisterEquipment(t *testing.T) {
	m := newMemory()
	svc := repair.Service{Store: store{m}}
	e, err := svc.RegisterEquipment(as(ukrOfficer), repair.Equipment{NSN: stinger, Serial: "st-1", Donor: "usa", Received: "2026-01-10", Location: kyiv})
	if err != nil || e.ID == 0 || e.Serial != "ST-1" || e.ItemName != "Stinger" || e.State != repair.Operational || e.Version != 1 {
		t.Fatalf("a piece: %+v %v", e, err)
	}
	if got := m.actions(); !slices.Equal(got, []string{"equipment.register"}) || len(m.events) != 1 {
		t.Errorf("audit %v, events %v", got, m.events)
	}
	for _, c := range []struct {
		name      string
		who       access.Identity
		in        repair.Equipment
		want, msg string
	}{
		{"a serial number twice", ukrOfficer, repair.Equipment{NSN: stinger, Serial: "ST-1", Donor: "USA", Received: "2026-01-10", Location: kyiv}, fault.Invalid, "registered already, as " + e.Ref()},
		{"an unknown item, donor and place", ukrOfficer, repair.Equipment{NSN: "9999-99-999-9999", Serial: "X", Donor: "XXX", Received: "2026-01-10", Location: "NOWHERE"}, fault.Invalid, "3 problems"},
		{"a facility manager may not", gliManager, repair.Equipment{NSN: stinger, Serial: "ST-2", Donor: "USA", Received: "2026-01-10", Location: kyiv}, fault.Forbidden, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := m.clone()
			_, err := svc.RegisterEquipment(as(c.who), c.in)
			wantCode(t, err, c.want, c.msg)
			unchanged(t, before, m)
			if len(m.pieces) != len(before.pieces) {
				t.Error("a refused registration added a piece")
			}
		})
	}
}

func TestSaveFacility(t *testing.T) {
	for _, c := range []struct {
		name      string
		who       access.Identity
		f         repair.RepairFacility
		version   int64
		want, msg string
	}{
		{name: "a new facility", who: coordinator, f: repair.RepairFacility{Site: "lt-jon", Slots: 2, Competences: []repair.Competence{{Target: stinger, Days: 20}}}},
		{name: "more slots", who: coordinator, f: repair.RepairFacility{Site: gli, Slots: 3, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, version: 1},
		{name: "a stale version", who: coordinator, f: repair.RepairFacility{Site: gli, Slots: 3, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, version: 4, want: fault.Conflict},
		{name: "not a repair facility", who: coordinator, f: repair.RepairFacility{Site: kyiv, Slots: 1, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, want: fault.Invalid, msg: "is not a repair facility"},
		{name: "an unknown system", who: coordinator, f: repair.RepairFacility{Site: jon, Slots: 1, Competences: []repair.Competence{{Target: "TANKS", Days: 14}}}, want: fault.Invalid, msg: "neither an NSN nor an interchangeability group"},
		{name: "no slots", who: coordinator, f: repair.RepairFacility{Site: jon, Slots: 0, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, want: fault.Invalid, msg: "slots"},
		{name: "a facility manager may not", who: gliManager, f: repair.RepairFacility{Site: gli, Slots: 9, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, version: 1, want: fault.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			f, err := svc.SaveFacility(as(c.who), c.f, c.version)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				if !equalFacilities(m.facilities, before.facilities) {
					t.Error("a refused change changed a facility")
				}
				return
			}
			if f.Version != c.version+1 || m.facilities[f.Site].Slots != c.f.Slots || f.Name == "" {
				t.Errorf("the facility: %+v", f)
			}
			if got := m.actions(); !slices.Equal(got, []string{"repair.facility"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}

func equalFacilities(a, b map[string]repair.RepairFacility) bool {
	if len(a) != len(b) {
		return false
	}
	for k, f := range a {
		if g := b[k]; g.Slots != f.Slots || g.Version != f.Version {
			return false
		}
	}
	return true
}

func TestAddParts(t *testing.T) {
	for _, c := range []struct {
		name      string
		who       access.Identity
		state     string
		parts     []repair.Part
		want, msg string
		after     string
	}{
		{name: "an order in repair waits for its parts", who: gliManager, state: repair.Repairs, parts: []repair.Part{{NSN: stinger, Quantity: 2}}, after: repair.Parts},
		{name: "an order on its way", who: coordinator, state: repair.Transit, parts: []repair.Part{{NSN: stinger, Quantity: 1}}, after: repair.Transit},
		{name: "another facility's manager may not", who: jonManager, state: repair.Repairs, parts: []repair.Part{{NSN: stinger, Quantity: 2}}, want: fault.Forbidden},
		{name: "nor for an order on its way", who: jonManager, state: repair.Transit, parts: []repair.Part{{NSN: stinger, Quantity: 2}}, want: fault.Forbidden, msg: "may not ask for parts"},
		{name: "a repaired order needs none", who: gliManager, state: repair.Repaired, parts: []repair.Part{{NSN: stinger, Quantity: 2}}, want: fault.Conflict, msg: "needs no more parts"},
		{name: "bad parts, all or nothing", who: gliManager, state: repair.Repairs, parts: []repair.Part{{NSN: stinger, Quantity: 2}, {NSN: stinger, Quantity: 0}}, want: fault.Invalid, msg: "parts[1].quantity"},
		{name: "no parts", who: gliManager, state: repair.Repairs, want: fault.Invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			_, oid := m.piece(repair.InRepair, c.state, repair.Facility, gli)
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			reqs, err := svc.AddParts(as(c.who), oid, c.parts)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				unchanged(t, before, m)
				return
			}
			if len(reqs) != len(c.parts) || reqs[0].DeliverySite != gli || !strings.Contains(reqs[0].Notes, "RO-") || len(m.parts) != len(c.parts) {
				t.Errorf("the parts: %+v", reqs)
			}
			if got := m.orders[oid].State; got != c.after {
				t.Errorf("the order is %s, want %s", got, c.after)
			}
		})
	}
}

func TestApprove(t *testing.T) {
	due := day.AddDate(0, 0, 20)
	assignment := func(order int64, facility string) repair.Assignment {
		return repair.Assignment{Order: order, Facility: facility, Transport: 30, Start: day.AddDate(0, 0, 2), Due: due}
	}
	for _, c := range []struct {
		name        string
		who         access.Identity
		state       string
		facility    string // where the plan sends the order
		fingerprint string
		want, msg   string
	}{
		{name: "a reviewed plan", who: coordinator, state: repair.Reported, facility: gli, fingerprint: "fp-1"},
		{name: "inputs changed since the review", who: coordinator, state: repair.Reported, facility: gli, fingerprint: "fp-0", want: fault.Conflict, msg: "inputs of the repair plan changed"},
		{name: "no fingerprint", who: coordinator, state: repair.Reported, facility: gli, want: fault.Invalid},
		{name: "an order no longer waiting", who: coordinator, state: repair.Assigned, facility: gli, fingerprint: "fp-1", want: fault.Conflict, msg: "no longer waiting"},
		{name: "a facility not competent", who: coordinator, state: repair.Reported, facility: jon, fingerprint: "fp-1", want: fault.Invalid, msg: "LT-JON is not competent"},
		{name: "only a coordinator approves", who: gliManager, state: repair.Reported, facility: gli, fingerprint: "fp-1", want: fault.Forbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			_, first := m.piece(repair.Damaged, repair.Reported, repair.Facility, "")
			_, oid := m.piece(repair.Damaged, c.state, repair.Facility, "")
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			p := repair.Proposal{Assignments: []repair.Assignment{assignment(first, gli), assignment(oid, c.facility)}}
			n, err := svc.Approve(as(c.who), p, c.fingerprint, day, 60)
			wantCode(t, err, c.want, c.msg)
			if c.want != "" {
				// The first assignment was good: it is not written either.
				unchanged(t, before, m)
				return
			}
			if n != 2 {
				t.Errorf("%d assigned", n)
			}
			for _, id := range []int64{first, oid} {
				o := m.orders[id]
				if o.State != repair.Assigned || o.Facility != gli || o.Due != due.Format("2006-01-02") || o.Outbound == 0 || o.Inbound == 0 {
					t.Errorf("the order: %+v", o)
				}
			}
			if len(m.shipments) != 4 || m.shipments[0].Origin != kyiv || m.shipments[0].Destination != gli || m.shipments[0].Nation != "USA" {
				t.Errorf("the shipments: %+v", m.shipments)
			}
			if got := m.actions(); !slices.Equal(got, []string{"shipment.create", "shipment.create", "repair.assigned", "shipment.create", "shipment.create", "repair.assigned"}) {
				t.Errorf("audit %v", got)
			}
		})
	}
}
