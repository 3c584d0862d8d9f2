package assist_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// wantErr fails unless err has code want ("" for none) and, for an invalid
// input, names field.
func wantErr(t *testing.T, err error, want, field string) {
	t.Helper()
	if fault.Code(err) != want {
		t.Fatalf("error %v (%s), want %q", err, fault.Code(err), want)
	}
	if want == fault.Invalid {
		if got := fault.As(err).Field; got != field {
			t.Fatalf("error %v names field %q, want %q", err, got, field)
		}
	}
}

// unchanged fails unless a refused use case left the ledger as it was: no
// record and no audit event written.
func unchanged(t *testing.T, before, after *ledger) {
	t.Helper()
	if len(after.audit) != len(before.audit) {
		t.Errorf("a refused change was audited: %v", after.actions())
	}
	if !reflect.DeepEqual(before.pledges, after.pledges) || !reflect.DeepEqual(before.requirements, after.requirements) || !reflect.DeepEqual(before.allocations, after.allocations) {
		t.Errorf("a refused change wrote to the ledger")
	}
}

// orderHolds fails unless every line keeps pledged ≥ committed ≥ allocated ≥
// shipped ≥ delivered ≥ accepted ≥ 0, every line's allocated is the sum of
// its allocations, and every requirement's figures are the sums of those
// set against it.
func orderHolds(t *testing.T, l *ledger) {
	t.Helper()
	byLine, byReq := map[int64]int64{}, map[int64][3]int64{}
	for _, a := range l.allocations {
		byLine[a.LineID] += a.Quantity
		s := byReq[a.Requirement]
		byReq[a.Requirement] = [3]int64{s[0] + a.Quantity, s[1] + a.Delivered, s[2] + a.Accepted}
		if !(a.Quantity >= a.Shipped && a.Shipped >= a.Delivered && a.Delivered >= a.Accepted && a.Accepted >= 0) {
			t.Errorf("allocation %d breaks the order: %+v", a.ID, a)
		}
	}
	for _, p := range l.pledges {
		for _, ln := range p.Lines {
			if err := ln.Check(); err != nil {
				t.Errorf("%s: %v", p.Ref(), err)
			}
			if byLine[ln.ID] != ln.Allocated {
				t.Errorf("%s line %d: allocated %d, its allocations %d", p.Ref(), ln.No, ln.Allocated, byLine[ln.ID])
			}
		}
	}
	for _, r := range l.requirements {
		if s := byReq[r.ID]; s != [3]int64{r.Allocated, r.Delivered, r.Accepted} {
			t.Errorf("%s: allocated, delivered, accepted %d %d %d; its allocations %v", r.Ref(), r.Allocated, r.Delivered, r.Accepted, s)
		}
	}
}

func wantActions(t *testing.T, l *ledger, want ...string) {
	t.Helper()
	if got := l.actions(); !slices.Equal(got, want) {
		t.Errorf("audit %v, want %v", got, want)
	}
}

func newPledge() assist.Pledge {
	return assist.Pledge{Nation: "DEU", Title: "More rounds", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-02-01", Promised: "2025-04-01", Depot: deuDepot,
		Lines: []assist.Line{{NSN: "1320123456789", Pledged: 20, Committed: 5, Delivered: 5}}}
}

func TestCreatePledge(t *testing.T) {
	for _, c := range []struct {
		name        string
		who         access.Identity
		edit        func(p *assist.Pledge)
		want, field string
	}{
		{name: "a nation officer records their nation's pledge", who: deuOfficer},
		{name: "a coordinator records any nation's", who: coordinator, edit: func(p *assist.Pledge) { p.Nation, p.Depot = "POL", polDepot }},
		{name: "a nation officer may not record another nation's", who: deuOfficer, edit: func(p *assist.Pledge) { p.Nation, p.Depot = "pol", polDepot }, want: fault.Forbidden},
		{name: "a recipient officer does not pledge", who: ukrOfficer, want: fault.Forbidden},
		{name: "an analyst does not pledge", who: analyst, want: fault.Forbidden},
		{name: "no title", who: deuOfficer, edit: func(p *assist.Pledge) { p.Title = "  " }, want: fault.Invalid, field: "title"},
		{name: "a title too long", who: deuOfficer, edit: func(p *assist.Pledge) { p.Title = strings.Repeat("x", 201) }, want: fault.Invalid, field: "title"},
		{name: "no nation", who: coordinator, edit: func(p *assist.Pledge) { p.Nation = "" }, want: fault.Invalid, field: "nation"},
		{name: "an unknown kind", who: deuOfficer, edit: func(p *assist.Pledge) { p.Kind = "gift" }, want: fault.Invalid, field: "kind"},
		{name: "an unknown channel", who: deuOfficer, edit: func(p *assist.Pledge) { p.Channel = "private" }, want: fault.Invalid, field: "channel"},
		{name: "an unknown category", who: deuOfficer, edit: func(p *assist.Pledge) { p.Category = "other" }, want: fault.Invalid, field: "category"},
		{name: "an announcement that is no date", who: deuOfficer, edit: func(p *assist.Pledge) { p.Announced = "1.2.2025" }, want: fault.Invalid, field: "announced"},
		{name: "promised before announced", who: deuOfficer, edit: func(p *assist.Pledge) { p.Promised = "2025-01-01" }, want: fault.Invalid, field: "promised"},
		{name: "a negative amount", who: deuOfficer, edit: func(p *assist.Pledge) { p.Amount = -1 }, want: fault.Invalid, field: "amount"},
		{name: "neither lines nor an amount", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines = nil }, want: fault.Invalid, field: "lines"},
		{name: "an amount alone", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines, p.Amount, p.Kind, p.Category = nil, 100_000_00, "funds", "trust_fund" }},
		{name: "a line of nothing", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines[0].Pledged = 0 }, want: fault.Invalid, field: "lines[0].quantity"},
		{name: "a negative unit value", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines[0].UnitValue = -1 }, want: fault.Invalid, field: "lines[0].unit_value"},
		{name: "a line without an item", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines[0].NSN = "" }, want: fault.Invalid, field: "lines[0].nsn"},
		{name: "a line whose NSN is malformed", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines[0].NSN = "155mm" }, want: fault.Invalid, field: "lines[0].nsn"},
		{name: "a line of an item not in the catalogue", who: deuOfficer, edit: func(p *assist.Pledge) { p.Lines[0].NSN = "1320-12-999-9999" }, want: fault.Invalid, field: "lines[0].nsn"},
		{name: "a nation that does not exist", who: coordinator, edit: func(p *assist.Pledge) { p.Nation, p.Depot = "XXX", "" }, want: fault.Invalid, field: "nation"},
		{name: "the recipient pledging", who: coordinator, edit: func(p *assist.Pledge) { p.Nation, p.Depot = "UKR", "" }, want: fault.Invalid, field: "nation"},
		{name: "a depot that is no depot", who: deuOfficer, edit: func(p *assist.Pledge) { p.Depot = hub }, want: fault.Invalid, field: "depot"},
		{name: "a depot that does not exist", who: deuOfficer, edit: func(p *assist.Pledge) { p.Depot = "DE-NONE" }, want: fault.Invalid, field: "depot"},
		{name: "a marking above the officer's clearance", who: deuOfficer, edit: func(p *assist.Pledge) { p.Classification = access.Secret }, want: fault.Invalid, field: "classification"},
		{name: "a marking within it", who: deuOfficer, edit: func(p *assist.Pledge) { p.Classification = access.Confidential }},
		{name: "releasable to a nation that does not exist", who: deuOfficer, edit: func(p *assist.Pledge) { p.ReleasableTo = access.Releasability{"UKR", "XXX"} }, want: fault.Invalid, field: "releasable_to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			before := l.clone()
			in := newPledge()
			if c.edit != nil {
				c.edit(&in)
			}
			svc := assist.Service{Store: books{l}}
			p, err := svc.CreatePledge(as(c.who), in)
			wantErr(t, err, c.want, c.field)
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			wantActions(t, l, "pledge.create")
			got, ok := l.pledges[p.ID]
			if !ok || got.Version != 1 || !got.CreatedAt.Equal(l.now) {
				t.Fatalf("stored %+v", got)
			}
			for _, ln := range got.Lines {
				// What a new line has come through is never taken from
				// the input; the unit value defaults to the catalogue's.
				if ln.NSN != nsn155 || ln.Committed != 0 || ln.Delivered != 0 || ln.UnitValue != 400000 || ln.ItemName != "155 mm HE" || ln.ID == 0 {
					t.Errorf("line %+v", ln)
				}
			}
			orderHolds(t, l)
		})
	}
}

func TestUpdatePledge(t *testing.T) {
	header := func(p *assist.Pledge) {
		p.Nation, p.Title, p.Kind, p.Channel, p.Category, p.Announced, p.Promised, p.Depot =
			"DEU", "155 mm rounds, second tranche", "in_kind", "nato", "in_kind", "2025-01-10", "2025-07-01", deuDepot
	}
	for _, c := range []struct {
		name        string
		who         access.Identity
		version     int64
		moved       bool
		edit        func(p *assist.Pledge)
		want, field string
	}{
		{name: "the pledging nation's officer", who: deuOfficer, version: 1},
		{name: "a coordinator", who: coordinator, version: 1},
		{name: "any version when none is named", who: deuOfficer},
		{name: "another nation's officer", who: polOfficer, version: 1, want: fault.Forbidden},
		{name: "a recipient officer", who: ukrOfficer, version: 1, want: fault.Forbidden},
		{name: "a stale version", who: deuOfficer, version: 2, want: fault.Conflict},
		{name: "someone else changed it meanwhile", who: deuOfficer, version: 1, moved: true, want: fault.Conflict},
		{name: "the nation changes", who: coordinator, version: 1, edit: func(p *assist.Pledge) { p.Nation = "POL" }, want: fault.Invalid, field: "nation"},
		{name: "no title", who: deuOfficer, version: 1, edit: func(p *assist.Pledge) { p.Title = "" }, want: fault.Invalid, field: "title"},
		{name: "promised before announced", who: deuOfficer, version: 1, edit: func(p *assist.Pledge) { p.Promised = "2024-12-31" }, want: fault.Invalid, field: "promised"},
		{name: "an unknown channel", who: deuOfficer, version: 1, edit: func(p *assist.Pledge) { p.Channel = "x" }, want: fault.Invalid, field: "channel"},
		{name: "a marking above clearance", who: deuOfficer, version: 1, edit: func(p *assist.Pledge) { p.Classification = access.Secret }, want: fault.Invalid, field: "classification"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			var in assist.Pledge
			header(&in)
			if c.edit != nil {
				c.edit(&in)
			}
			l.moved = c.moved
			before := l.clone()
			svc := assist.Service{Store: books{l}}
			p, err := svc.UpdatePledge(as(c.who), 10, c.version, in)
			wantErr(t, err, c.want, c.field)
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			wantActions(t, l, "pledge.update")
			got := l.pledges[10]
			if got.Title != "155 mm rounds, second tranche" || got.Channel != "nato" || got.Version != 2 || p.Version != 2 {
				t.Errorf("stored %+v", got)
			}
			// The header changes; the lines' quantities stay.
			if !reflect.DeepEqual(got.Lines, before.pledges[10].Lines) {
				t.Errorf("lines %+v, were %+v", got.Lines, before.pledges[10].Lines)
			}
		})
	}
}

func TestAPledgeAboveTheReadersClearanceIsNotFound(t *testing.T) {
	l := newLedger()
	p := l.pledges[10]
	p.Classification = access.Restricted
	l.pledges[10] = p
	before := l.clone()
	svc := assist.Service{Store: books{l}}
	in := newPledge()
	_, err := svc.UpdatePledge(as(lowOfficer), 10, 1, in)
	wantErr(t, err, fault.NotFound, "")
	_, err = svc.Act(as(lowOfficer), 10, 1, assist.Action{Kind: assist.Commit, Line: 11, Quantity: 1})
	wantErr(t, err, fault.NotFound, "")
	unchanged(t, before, l)
}

// line is a pledge line's quantities, for the tables.
type line struct{ pledged, committed, allocated, shipped, delivered, accepted, withdrawn int64 }

func quantities(l assist.Line) line {
	return line{l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted, l.Withdrawn}
}

func TestAct(t *testing.T) {
	// allocated sets 40 of DEU's line against R-00001 as allocation 30,
	// 30 of them shipped, 20 delivered and 5 accepted.
	allocated := func(l *ledger) {
		p := l.pledges[10]
		p.Lines[0].Allocated, p.Lines[0].Shipped, p.Lines[0].Delivered, p.Lines[0].Accepted = 40, 30, 20, 5
		l.pledges[10] = p
		l.allocations[30] = assist.Allocation{ID: 30, PledgeID: 10, LineID: 11, Requirement: 1, Quantity: 40, Shipped: 30, Delivered: 20, Accepted: 5}
		r := l.requirements[1]
		r.Allocated, r.Delivered, r.Accepted = 40, 20, 5
		r.Derive()
		l.requirements[1] = r
	}
	groupReq := func(l *ledger) {
		l.requirements[2] = assist.Requirement{ID: 2, Group: "155mm", Quantity: 10, Priority: 2, NeedBy: "2025-06-01", DeliverySite: lviv, State: assist.ReqOpen, Version: 1}
		l.requirements[3] = assist.Requirement{ID: 3, NSN: nsnMine, Quantity: 10, Priority: 2, NeedBy: "2025-06-01", DeliverySite: lviv, State: assist.ReqOpen, Version: 1}
		l.requirements[4] = assist.Requirement{ID: 4, NSN: nsnAlt, Quantity: 10, Priority: 2, NeedBy: "2025-06-01", DeliverySite: lviv, State: assist.ReqOpen, Version: 1}
		l.requirements[5] = assist.Requirement{ID: 5, NSN: nsn155, Quantity: 10, Priority: 2, NeedBy: "2025-06-01", DeliverySite: lviv, Cancelled: true, State: assist.ReqCancelled, Version: 1}
		l.requirements[6] = assist.Requirement{ID: 6, NSN: nsn155, Quantity: 10, Priority: 2, NeedBy: "2025-06-01", DeliverySite: lviv, State: assist.ReqOpen, Version: 1, Marking: access.Marking{Classification: access.Secret}}
	}
	for _, c := range []struct {
		name        string
		who         access.Identity
		setup       func(l *ledger)
		pledge      int64
		version     int64
		a           assist.Action
		want, field string
		line        line     // the line after
		req         [3]int64 // requirement a.Requirement (or 1): allocated, delivered, accepted after
		state       string   // its state after
		audit       []string
	}{
		{name: "the pledging nation commits", who: deuOfficer, a: assist.Action{Kind: assist.Commit, Quantity: 20},
			line: line{100, 100, 0, 0, 0, 0, 0}, state: assist.ReqOpen, audit: []string{"pledge.commit"}},
		{name: "a coordinator commits", who: coordinator, a: assist.Action{Kind: assist.Commit, Quantity: 1},
			line: line{100, 81, 0, 0, 0, 0, 0}, state: assist.ReqOpen, audit: []string{"pledge.commit"}},
		{name: "another nation does not commit", who: polOfficer, a: assist.Action{Kind: assist.Commit, Quantity: 1}, want: fault.Forbidden},
		{name: "the recipient does not commit", who: ukrOfficer, a: assist.Action{Kind: assist.Commit, Quantity: 1}, want: fault.Forbidden},
		{name: "no more is committed than pledged", who: deuOfficer, a: assist.Action{Kind: assist.Commit, Quantity: 21}, want: fault.Invalid, field: "quantity"},
		{name: "nothing is no quantity", who: deuOfficer, a: assist.Action{Kind: assist.Commit}, want: fault.Invalid, field: "quantity"},
		{name: "a negative quantity", who: deuOfficer, a: assist.Action{Kind: assist.Commit, Quantity: -5}, want: fault.Invalid, field: "quantity"},
		{name: "a line of another pledge", who: deuOfficer, a: assist.Action{Kind: assist.Commit, Line: 21, Quantity: 1}, want: fault.Invalid, field: "line"},
		{name: "a stale version", who: deuOfficer, version: 2, a: assist.Action{Kind: assist.Commit, Quantity: 1}, want: fault.Conflict},
		{name: "the current version", who: deuOfficer, version: 1, a: assist.Action{Kind: assist.Commit, Quantity: 1},
			line: line{100, 81, 0, 0, 0, 0, 0}, state: assist.ReqOpen, audit: []string{"pledge.commit"}},
		{name: "an unknown action", who: coordinator, a: assist.Action{Kind: "donate", Quantity: 1}, want: fault.Invalid, field: "action"},
		{name: "shipping is not a line action", who: coordinator, a: assist.Action{Kind: assist.Ship, Quantity: 1}, want: fault.Invalid, field: "action"},
		{name: "delivering is not a line action", who: ukrOfficer, setup: allocated, a: assist.Action{Kind: assist.Deliver, Quantity: 1}, want: fault.Invalid, field: "action"},

		{name: "a coordinator allocates", who: coordinator, a: assist.Action{Kind: assist.Allocate, Quantity: 50, Requirement: 1},
			line: line{100, 80, 50, 0, 0, 0, 0}, req: [3]int64{50, 0, 0}, state: assist.ReqPartlyAllocated, audit: []string{"requirement.allocate", "pledge.allocate"}},
		{name: "allocating all a requirement needs", who: coordinator, a: assist.Action{Kind: assist.Allocate, Quantity: 60, Requirement: 1},
			line: line{100, 80, 60, 0, 0, 0, 0}, req: [3]int64{60, 0, 0}, state: assist.ReqAllocated, audit: []string{"requirement.allocate", "pledge.allocate"}},
		{name: "allocating more to the same requirement adds to its allocation", who: coordinator, setup: allocated, a: assist.Action{Kind: assist.Allocate, Quantity: 20, Requirement: 1},
			line: line{100, 80, 60, 30, 20, 5, 0}, req: [3]int64{60, 20, 5}, state: assist.ReqAllocated, audit: []string{"requirement.allocate", "pledge.allocate"}},
		{name: "the requirement changed meanwhile", who: coordinator, setup: func(l *ledger) { l.requirementMoved = true }, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 1}, want: fault.Conflict},
		{name: "the requirement changed before an acceptance", who: ukrOfficer, setup: func(l *ledger) { allocated(l); l.requirementMoved = true }, a: assist.Action{Kind: assist.Accept, Quantity: 1}, want: fault.Conflict},
		{name: "the pledging nation does not allocate", who: deuOfficer, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 1}, want: fault.Forbidden},
		{name: "the recipient does not allocate", who: ukrOfficer, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 1}, want: fault.Forbidden},
		{name: "no more is allocated than committed", who: coordinator, setup: func(l *ledger) { allocated(l); groupReq(l) }, a: assist.Action{Kind: assist.Allocate, Quantity: 41, Requirement: 2}, want: fault.Invalid, field: "quantity"},
		{name: "no more than the requirement still needs", who: coordinator, setup: allocated, a: assist.Action{Kind: assist.Allocate, Quantity: 21, Requirement: 1}, want: fault.Invalid, field: "quantity"},
		{name: "no requirement named", who: coordinator, a: assist.Action{Kind: assist.Allocate, Quantity: 1}, want: fault.Invalid, field: "requirement"},
		{name: "a requirement that does not exist", who: coordinator, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 99}, want: fault.Invalid, field: "requirement"},
		{name: "a requirement above the reader's clearance", who: access.Identity{Name: "low", Roles: []access.Role{access.Coordinator}, Clearance: access.Confidential, Via: "session"},
			setup: groupReq, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 6}, want: fault.Invalid, field: "requirement"},
		{name: "a cancelled requirement", who: coordinator, setup: groupReq, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 5}, want: fault.Invalid, field: "requirement"},
		{name: "an item that cannot stand in", who: coordinator, setup: groupReq, a: assist.Action{Kind: assist.Allocate, Quantity: 1, Requirement: 3}, want: fault.Invalid, field: "requirement"},
		{name: "a member of the group the requirement names", who: coordinator, setup: groupReq, a: assist.Action{Kind: assist.Allocate, Quantity: 10, Requirement: 2},
			line: line{100, 80, 10, 0, 0, 0, 0}, req: [3]int64{10, 0, 0}, state: assist.ReqAllocated, audit: []string{"requirement.allocate", "pledge.allocate"}},
		{name: "an item of the same group as the requirement's", who: coordinator, setup: groupReq, a: assist.Action{Kind: assist.Allocate, Quantity: 4, Requirement: 4},
			line: line{100, 80, 4, 0, 0, 0, 0}, req: [3]int64{4, 0, 0}, state: assist.ReqPartlyAllocated, audit: []string{"requirement.allocate", "pledge.allocate"}},

		{name: "the recipient accepts what was delivered", who: ukrOfficer, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 15},
			line: line{100, 80, 40, 30, 20, 20, 0}, req: [3]int64{40, 20, 20}, state: assist.ReqPartlyAllocated, audit: []string{"requirement.accept", "pledge.accept"}},
		{name: "a coordinator accepts against a named allocation", who: coordinator, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 1, Allocation: 30},
			line: line{100, 80, 40, 30, 20, 6, 0}, req: [3]int64{40, 20, 6}, state: assist.ReqPartlyAllocated, audit: []string{"requirement.accept", "pledge.accept"}},
		{name: "the pledging nation does not accept", who: deuOfficer, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 1}, want: fault.Forbidden},
		{name: "an analyst does not accept", who: analyst, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 1}, want: fault.Forbidden},
		{name: "no more is accepted than delivered", who: ukrOfficer, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 16}, want: fault.Invalid, field: "quantity"},
		{name: "an allocation of another line", who: ukrOfficer, setup: allocated, a: assist.Action{Kind: assist.Accept, Quantity: 1, Allocation: 31}, want: fault.Invalid, field: "quantity"},

		{name: "the pledging nation withdraws what is not allocated", who: deuOfficer, setup: allocated, a: assist.Action{Kind: assist.Withdraw, Quantity: 60},
			line: line{40, 40, 40, 30, 20, 5, 60}, req: [3]int64{40, 20, 5}, state: assist.ReqPartlyAllocated, audit: []string{"pledge.withdraw"}},
		{name: "withdrawing the uncommitted part keeps the committed", who: deuOfficer, a: assist.Action{Kind: assist.Withdraw, Quantity: 20},
			line: line{80, 80, 0, 0, 0, 0, 20}, state: assist.ReqOpen, audit: []string{"pledge.withdraw"}},
		{name: "a coordinator withdraws", who: coordinator, a: assist.Action{Kind: assist.Withdraw, Quantity: 100},
			line: line{0, 0, 0, 0, 0, 0, 100}, state: assist.ReqOpen, audit: []string{"pledge.withdraw"}},
		{name: "another nation does not withdraw", who: polOfficer, a: assist.Action{Kind: assist.Withdraw, Quantity: 1}, want: fault.Forbidden},
		{name: "what is allocated is not withdrawn", who: deuOfficer, setup: allocated, a: assist.Action{Kind: assist.Withdraw, Quantity: 61}, want: fault.Invalid, field: "quantity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			if c.setup != nil {
				c.setup(l)
			}
			if c.a.Line == 0 {
				c.a.Line = 11
			}
			if c.pledge == 0 {
				c.pledge = 10
			}
			before := l.clone()
			svc := assist.Service{Store: books{l}}
			p, err := svc.Act(as(c.who), c.pledge, c.version, c.a)
			wantErr(t, err, c.want, c.field)
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			if got := quantities(l.pledges[10].Lines[0]); got != c.line {
				t.Errorf("line %+v, want %+v", got, c.line)
			}
			if p.Version != 2 || l.pledges[10].Version != 2 {
				t.Errorf("version %d, stored %d", p.Version, l.pledges[10].Version)
			}
			rid := c.a.Requirement
			if rid == 0 {
				rid = 1
			}
			r := l.requirements[rid]
			if got := [3]int64{r.Allocated, r.Delivered, r.Accepted}; got != c.req {
				t.Errorf("%s allocated, delivered, accepted %v, want %v", r.Ref(), got, c.req)
			}
			if r.State != c.state {
				t.Errorf("%s is %s, want %s", r.Ref(), r.State, c.state)
			}
			wantActions(t, l, c.audit...)
			orderHolds(t, l)
		})
	}
}

// TestActionsKeepTheOrderOnEveryPath runs every action on lines at every
// stage and checks that none leaves a line out of order: each either keeps
// the order or is refused naming the quantity.
func TestActionsKeepTheOrderOnEveryPath(t *testing.T) {
	stages := []line{
		{100, 0, 0, 0, 0, 0, 0},
		{100, 100, 0, 0, 0, 0, 0},
		{100, 60, 60, 0, 0, 0, 0},
		{100, 60, 60, 60, 60, 0, 0},
		{100, 60, 60, 60, 60, 60, 0},
		{60, 60, 60, 60, 60, 60, 40},
	}
	for _, st := range stages {
		for _, kind := range assist.Actions {
			for _, q := range []int64{1, 40, 41, 60, 100, 101} {
				l := newLedger()
				p := l.pledges[10]
				p.Lines[0].Pledged, p.Lines[0].Committed, p.Lines[0].Allocated, p.Lines[0].Shipped, p.Lines[0].Delivered, p.Lines[0].Accepted, p.Lines[0].Withdrawn =
					st.pledged, st.committed, st.allocated, st.shipped, st.delivered, st.accepted, st.withdrawn
				l.pledges[10] = p
				if st.allocated > 0 {
					l.allocations[30] = assist.Allocation{ID: 30, PledgeID: 10, LineID: 11, Requirement: 1, Quantity: st.allocated, Shipped: st.shipped, Delivered: st.delivered, Accepted: st.accepted}
					r := l.requirements[1]
					r.Allocated, r.Delivered, r.Accepted = st.allocated, st.delivered, st.accepted
					l.requirements[1] = r
				}
				// Ukraine needs more, so that only the line limits an allocation.
				r := l.requirements[1]
				r.Quantity = 1000
				l.requirements[1] = r
				before := l.clone()
				svc := assist.Service{Store: books{l}}
				_, err := svc.Act(as(coordinator), 10, 0, assist.Action{Kind: kind, Line: 11, Quantity: q, Requirement: 1})
				if err != nil {
					if e := fault.As(err); e == nil || e.Code != fault.Invalid || e.Field != "quantity" {
						t.Errorf("%v: %s %d: %v, want a refusal naming the quantity", st, kind, q, err)
					}
					unchanged(t, before, l)
					continue
				}
				orderHolds(t, l)
			}
		}
	}
}

func TestRequirements(t *testing.T) {
	newReq := func() assist.Requirement {
		return assist.Requirement{NSN: " 1320-12-345-6789 ", Quantity: 30, Priority: 2, NeedBy: "2025-08-01", DeliverySite: "ua-lviv", Allocated: 30, Accepted: 30}
	}
	for _, c := range []struct {
		name        string
		who         access.Identity
		edit        func(r *assist.Requirement)
		want, field string
	}{
		{name: "an item", who: ukrOfficer},
		{name: "a group", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NSN, r.Group = "", "155mm" }},
		{name: "neither item nor group", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NSN = "" }, want: fault.Invalid, field: "nsn"},
		{name: "both item and group", who: ukrOfficer, edit: func(r *assist.Requirement) { r.Group = "155mm" }, want: fault.Invalid, field: "group"},
		{name: "no quantity", who: ukrOfficer, edit: func(r *assist.Requirement) { r.Quantity = 0 }, want: fault.Invalid, field: "quantity"},
		{name: "a priority out of range", who: ukrOfficer, edit: func(r *assist.Requirement) { r.Priority = 5 }, want: fault.Invalid, field: "priority"},
		{name: "a need-by that is no date", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NeedBy = "soon" }, want: fault.Invalid, field: "need_by"},
		{name: "no delivery site", who: ukrOfficer, edit: func(r *assist.Requirement) { r.DeliverySite = "" }, want: fault.Invalid, field: "delivery_site"},
		{name: "a delivery site that does not exist", who: ukrOfficer, edit: func(r *assist.Requirement) { r.DeliverySite = "UA-NONE" }, want: fault.Invalid, field: "delivery_site"},
		{name: "a delivery site that is no delivery point", who: ukrOfficer, edit: func(r *assist.Requirement) { r.DeliverySite = hub }, want: fault.Invalid, field: "delivery_site"},
		{name: "an item not in the catalogue", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NSN = "1320-12-999-9999" }, want: fault.Invalid, field: "nsn"},
		{name: "a malformed NSN", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NSN = "155" }, want: fault.Invalid, field: "nsn"},
		{name: "a group nothing belongs to", who: ukrOfficer, edit: func(r *assist.Requirement) { r.NSN, r.Group = "", "152mm" }, want: fault.Invalid, field: "group"},
		{name: "notes too long", who: ukrOfficer, edit: func(r *assist.Requirement) { r.Notes = strings.Repeat("n", 2001) }, want: fault.Invalid, field: "notes"},
		{name: "a marking above clearance", who: ukrOfficer, edit: func(r *assist.Requirement) { r.Classification = access.Secret }, want: fault.Invalid, field: "classification"},
		{name: "releasable to a nation that does not exist", who: ukrOfficer, edit: func(r *assist.Requirement) { r.ReleasableTo = access.Releasability{"XXX"} }, want: fault.Invalid, field: "releasable_to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			before := l.clone()
			in := newReq()
			if c.edit != nil {
				c.edit(&in)
			}
			svc := assist.Service{Store: books{l}}
			r, err := svc.CreateRequirement(as(c.who), in)
			wantErr(t, err, c.want, c.field)
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			wantActions(t, l, "requirement.create")
			got := l.requirements[r.ID]
			// A new requirement has nothing allocated, whatever the input said.
			if got.Allocated != 0 || got.Accepted != 0 || got.State != assist.ReqOpen || got.DeliverySite != lviv || got.Version != 1 {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestUpdateAndCancelRequirement(t *testing.T) {
	// R-00001 has 40 allocated.
	allocated := func(l *ledger) {
		r := l.requirements[1]
		r.Allocated = 40
		r.Derive()
		l.requirements[1] = r
		p := l.pledges[10]
		p.Lines[0].Allocated = 40
		l.pledges[10] = p
		l.allocations[30] = assist.Allocation{ID: 30, PledgeID: 10, LineID: 11, Requirement: 1, Quantity: 40}
	}
	cancelled := func(l *ledger) {
		r := l.requirements[1]
		r.Cancelled = true
		r.Derive()
		l.requirements[1] = r
	}
	for _, c := range []struct {
		name        string
		setup       func(l *ledger)
		cancel      bool
		version     int64
		edit        func(r *assist.Requirement)
		want, field string
		state       string
	}{
		{name: "more of the same", version: 1, edit: func(r *assist.Requirement) { r.Quantity = 80 }, state: assist.ReqOpen},
		{name: "down to what is allocated", setup: allocated, version: 1, edit: func(r *assist.Requirement) { r.Quantity = 40 }, state: assist.ReqAllocated},
		{name: "below what is allocated", setup: allocated, version: 1, edit: func(r *assist.Requirement) { r.Quantity = 39 }, want: fault.Invalid, field: "quantity"},
		{name: "another item before anything is allocated", version: 1, edit: func(r *assist.Requirement) { r.NSN = nsnAlt }, state: assist.ReqOpen},
		{name: "another item once stock is allocated", setup: allocated, version: 1, edit: func(r *assist.Requirement) { r.NSN = nsnAlt }, want: fault.Invalid, field: "nsn"},
		{name: "a group once stock is allocated", setup: allocated, version: 1, edit: func(r *assist.Requirement) { r.NSN, r.Group = "", "155mm" }, want: fault.Invalid, field: "nsn"},
		{name: "a stale version", version: 2, want: fault.Conflict},
		{name: "a cancelled requirement does not change", setup: cancelled, version: 1, want: fault.Conflict},
		{name: "a bad delivery site", version: 1, edit: func(r *assist.Requirement) { r.DeliverySite = polDepot }, want: fault.Invalid, field: "delivery_site"},
		{name: "cancelling", cancel: true, version: 1, state: assist.ReqCancelled},
		{name: "cancelling at a stale version", cancel: true, version: 3, want: fault.Conflict},
		{name: "cancelling what has stock allocated", setup: allocated, cancel: true, version: 1, want: fault.Conflict},
		{name: "cancelling twice", setup: cancelled, cancel: true, version: 1, want: fault.Conflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			if c.setup != nil {
				c.setup(l)
			}
			before := l.clone()
			svc := assist.Service{Store: books{l}}
			var err error
			var r assist.Requirement
			action := "requirement.update"
			if c.cancel {
				action = "requirement.cancel"
				r, err = svc.CancelRequirement(as(ukrOfficer), 1, c.version)
			} else {
				in := l.requirements[1]
				if c.edit != nil {
					c.edit(&in)
				}
				r, err = svc.UpdateRequirement(as(ukrOfficer), 1, c.version, in)
			}
			wantErr(t, err, c.want, c.field)
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			wantActions(t, l, action)
			if got := l.requirements[1]; got.State != c.state || got.Version != 2 || r.Version != 2 || got.Allocated != before.requirements[1].Allocated {
				t.Errorf("stored %+v, want state %s", got, c.state)
			}
		})
	}
}

func TestRecount(t *testing.T) {
	for _, c := range []struct {
		name                string
		delivered, accepted int64 // on the allocations, beside what the requirement holds
		audit               []string
		state               string
	}{
		{name: "nothing moved writes nothing", delivered: 20, accepted: 5, state: assist.ReqAllocated},
		{name: "all received awaits acceptance", delivered: 60, accepted: 5, audit: []string{"requirement.deliver"}, state: assist.ReqReceived},
		{name: "all accepted is fulfilled", delivered: 60, accepted: 60, audit: []string{"requirement.deliver"}, state: assist.ReqFulfilled},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			r := l.requirements[1]
			r.Allocated, r.Delivered, r.Accepted = 60, 20, 5
			r.Derive()
			l.requirements[1] = r
			// Two allocations from two nations share the requirement.
			l.allocations[30] = assist.Allocation{ID: 30, PledgeID: 10, LineID: 11, Requirement: 1, Quantity: 40, Shipped: 40, Delivered: min(c.delivered, 40), Accepted: min(c.accepted, 40)}
			l.allocations[31] = assist.Allocation{ID: 31, PledgeID: 20, LineID: 21, Requirement: 1, Quantity: 20, Shipped: 20, Delivered: c.delivered - min(c.delivered, 40), Accepted: c.accepted - min(c.accepted, 40)}
			err := books{l}.Transact(as(coordinator), func(tx assist.Tx) error { return assist.Recount(as(coordinator), tx, 1, "requirement.deliver", nil) })
			wantErr(t, err, "", "")
			got := l.requirements[1]
			if got.Delivered != c.delivered || got.Accepted != c.accepted || got.State != c.state {
				t.Errorf("delivered %d accepted %d state %s", got.Delivered, got.Accepted, got.State)
			}
			wantActions(t, l, c.audit...)
			if len(c.audit) > 0 && got.Version != 2 {
				t.Errorf("version %d", got.Version)
			}
		})
	}
}

// TestActAllIsAllOrNothing: several actions on a pledge's lines go in one
// step; one refused leaves every line as it was and names its line.
func TestActAllIsAllOrNothing(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	before := l.clone()
	_, err := svc.ActAll(as(deuOfficer), 10, 0, []assist.Action{{Kind: assist.Commit, Line: 11, Quantity: 5}, {Kind: assist.Commit, Line: 11, Quantity: 500}})
	if e := fault.As(err); e == nil || e.Code != fault.Invalid || !strings.HasPrefix(e.Field, "line 1.") {
		t.Fatalf("one action too large: %v", err)
	}
	unchanged(t, before, l)
	p, err := svc.ActAll(as(deuOfficer), 10, 0, []assist.Action{{Kind: assist.Commit, Line: 11, Quantity: 5}, {Kind: assist.Commit, Line: 11, Quantity: 6}})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.pledges[10].Lines[0].Committed - before.pledges[10].Lines[0].Committed; got != 11 || p.Version != 3 {
		t.Errorf("two commits moved the line by %d, version %d; want 11 and 3", got, p.Version)
	}
	if _, err := svc.ActAll(as(deuOfficer), 10, 1, []assist.Action{{Kind: assist.Commit, Line: 11, Quantity: 1}}); fault.Code(err) != fault.Conflict {
		t.Errorf("a stale version: %v", err)
	}
	if _, err := svc.ActAll(as(deuOfficer), 10, 0, nil); fault.Code(err) != fault.Invalid {
		t.Errorf("no action: %v", err)
	}
}

// TestReportKeepsTheDonorsFigureApart: the donor's own figure of what it
// has delivered is recorded beside the line, moves nothing and is never
// more than was pledged; only the donor's people and coordinators give it.
func TestReportKeepsTheDonorsFigureApart(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	p, err := svc.Act(as(deuOfficer), 10, 1, assist.Action{Kind: assist.Report, Line: 11, Quantity: 60})
	if err != nil {
		t.Fatal(err)
	}
	got := p.Lines[0]
	if got.Reported != 60 || got.Delivered != 0 || got.Committed != 80 || got.Pledged != 100 {
		t.Fatalf("after the donor reports 60 delivered: %+v", got)
	}
	wantActions(t, l, "pledge.report")
	// A later report replaces the earlier one.
	if p, err = svc.Act(as(coordinator), 10, 2, assist.Action{Kind: assist.Report, Line: 11, Quantity: 45}); err != nil || p.Lines[0].Reported != 45 {
		t.Fatalf("a corrected report: %v, %+v", err, p.Lines)
	}
	before := l.clone()
	_, err = svc.Act(as(deuOfficer), 10, 3, assist.Action{Kind: assist.Report, Line: 11, Quantity: 101})
	wantErr(t, err, fault.Invalid, "quantity")
	_, err = svc.Act(as(polOfficer), 10, 3, assist.Action{Kind: assist.Report, Line: 11, Quantity: 5})
	wantErr(t, err, fault.Forbidden, "")
	unchanged(t, before, l)

	// A new pledge may carry the donor's figure, within what it pledges.
	np := newPledge()
	np.Lines[0].Reported = 21
	_, err = svc.CreatePledge(as(deuOfficer), np)
	wantErr(t, err, fault.Invalid, "lines[0].reported_delivered")
	np.Lines[0].Reported = 20
	created, err := svc.CreatePledge(as(deuOfficer), np)
	if err != nil || created.Lines[0].Reported != 20 || created.Lines[0].Delivered != 0 {
		t.Fatalf("a pledge with the donor's figure: %v, %+v", err, created.Lines)
	}
}

// TestDiscloseGivesAnUndisclosedLineItsQuantity: a line pledged with its
// number of units undisclosed moves nothing until the donor discloses it;
// disclosed once, it counts and moves like any other.
func TestDiscloseGivesAnUndisclosedLineItsQuantity(t *testing.T) {
	l := newLedger()
	p := l.pledges[10]
	p.Lines = append(p.Lines, assist.Line{ID: 12, No: 2, NSN: nsnMine, UnitValue: 10000, QuantityUndisclosed: true, Reported: 0})
	l.pledges[10] = p
	svc := assist.Service{Store: books{l}}
	before := l.clone()
	_, err := svc.Act(as(deuOfficer), 10, 1, assist.Action{Kind: assist.Commit, Line: 12, Quantity: 5})
	wantErr(t, err, fault.Invalid, "quantity")
	_, err = svc.Act(as(polOfficer), 10, 1, assist.Action{Kind: assist.Disclose, Line: 12, Quantity: 40})
	wantErr(t, err, fault.Forbidden, "")
	_, err = svc.Act(as(deuOfficer), 10, 1, assist.Action{Kind: assist.Disclose, Line: 11, Quantity: 40})
	wantErr(t, err, fault.Invalid, "quantity") // line 1's quantity is known
	unchanged(t, before, l)

	got, err := svc.Act(as(deuOfficer), 10, 1, assist.Action{Kind: assist.Disclose, Line: 12, Quantity: 40})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Lines[1]; d.Pledged != 40 || d.QuantityUndisclosed || d.State() != "pledged" {
		t.Fatalf("after disclosing 40: %+v (%s)", d, d.State())
	}
	if got, err = svc.Act(as(deuOfficer), 10, 2, assist.Action{Kind: assist.Commit, Line: 12, Quantity: 40}); err != nil || got.Lines[1].Committed != 40 {
		t.Fatalf("committing the disclosed line: %v", err)
	}
	wantActions(t, l, "pledge.disclose", "pledge.commit")
}
