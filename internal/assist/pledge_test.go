package assist

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
)

func TestLineActionsKeepTheOrder(t *testing.T) {
	l := Line{ID: 1, No: 1, Pledged: 100}
	req := &Requirement{ID: 7, Quantity: 60}
	var allocs []Allocation
	step := func(kind string, q int64) error {
		if kind == "receipt" {
			// What a shipment does (internal/logistics): it ships q, and
			// the recipient's receipt delivers q-10.
			l.Shipped, allocs[0].Shipped = l.Shipped+q, allocs[0].Shipped+q
			l.Delivered, allocs[0].Delivered = l.Delivered+q-10, allocs[0].Delivered+q-10
			return l.Check()
		}
		changed, err := apply(&l, allocs, req, Action{Kind: kind, Line: 1, Quantity: q, Requirement: 7})
		if err == nil {
			for _, c := range changed {
				if c.ID == 0 && len(allocs) == 0 {
					c.ID = 1
					allocs = append(allocs, *c)
				}
			}
			if err := l.Check(); err != nil {
				t.Fatalf("after %s %d the order broke: %v", kind, q, err)
			}
		}
		return err
	}
	for _, s := range []struct {
		kind string
		q    int64
		ok   bool
	}{
		{Ship, 1, false},      // nothing allocated
		{Allocate, 1, false},  // nothing committed
		{Commit, 101, false},  // more than pledged
		{Commit, 80, true},    //
		{Allocate, 61, false}, // the requirement needs 60
		{Allocate, 50, true},  //
		{Ship, 40, false},     // only through shipments
		{Deliver, 30, false},  // only through a receipt
		{"receipt", 40, true}, // shipped 40, delivered 30
		{Accept, 31, false},   // more than delivered
		{Accept, 30, true},    //
		{Withdraw, 51, false}, // 50 are allocated
		{Withdraw, 50, true},  //
		{Commit, 0, false},    // not positive
		{"cancel", 1, false},  // no such action
	} {
		err := step(s.kind, s.q)
		if (err == nil) != s.ok {
			t.Fatalf("%s %d: %v, want ok=%v", s.kind, s.q, err, s.ok)
		}
		if err != nil && fault.Code(err) != fault.Invalid {
			t.Errorf("%s %d: code %s", s.kind, s.q, fault.Code(err))
		}
	}
	if l.Pledged != 50 || l.Withdrawn != 50 || l.Committed != 50 || l.Allocated != 50 || l.Accepted != 30 {
		t.Errorf("line %+v", l)
	}
	if allocs[0].Quantity != 50 || allocs[0].Shipped != 40 || allocs[0].Delivered != 30 || allocs[0].Accepted != 30 {
		t.Errorf("allocation %+v", allocs[0])
	}
	if req.Allocated != 50 {
		t.Errorf("requirement allocated %d", req.Allocated)
	}
}

func TestRequirementState(t *testing.T) {
	r := Requirement{Quantity: 10}
	for _, c := range []struct {
		alloc, acc int64
		cancelled  bool
		want       string
	}{{0, 0, false, ReqOpen}, {4, 0, false, ReqPartlyAllocated}, {10, 3, false, ReqAllocated}, {10, 10, false, ReqFulfilled}, {0, 0, true, ReqCancelled}} {
		r.Allocated, r.Delivered, r.Accepted, r.Cancelled = c.alloc, c.acc, c.acc, c.cancelled
		r.Derive()
		if r.State != c.want {
			t.Errorf("%+v: %s, want %s", c, r.State, c.want)
		}
	}
}

func TestRequirementReceivedAwaitsAcceptance(t *testing.T) {
	r := Requirement{Quantity: 10, Allocated: 10, Delivered: 10, Accepted: 4}
	r.Derive()
	if r.State != ReqReceived || Label(r.State) != "Received, awaiting acceptance" {
		t.Errorf("all received, 4 accepted: %s (%s)", r.State, Label(r.State))
	}
}

// TestEUInstrumentsAreTheEUs: a pledge through the European Peace Facility,
// the Ukraine Facility or the EIB is the EU's; a member state's would count
// what it pays into them twice.
func TestEUInstrumentsAreTheEUs(t *testing.T) {
	for _, c := range []struct {
		nation, channel string
		ok              bool
	}{
		{"EUU", "european_peace_facility", true}, {"EUU", "ukraine_facility", true}, {"EUU", "eib", true},
		{"DEU", "european_peace_facility", false}, {"AUT", "ukraine_facility", false}, {"DEU", "bilateral", true},
	} {
		p := Pledge{Nation: c.nation, Title: "Package", Kind: "funds", Channel: c.channel, Category: "operational", Announced: "2024-03-18", Promised: "2024-12-31", Amount: 500_000_000_00}
		err := p.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s through %s: %v", c.nation, c.channel, err)
		}
	}
}

// TestDatesArePlausible: a year typed wrong (2922 for 2022, 1022) is
// refused on its field, not stored as a pledge due in nine centuries.
func TestDatesArePlausible(t *testing.T) {
	for _, c := range []struct {
		announced, promised, field string
	}{
		{"2022-03-01", "2922-06-30", "promised"}, {"1022-03-01", "2022-06-30", "announced"}, {"2022-03-01", "2022-06-30", ""},
	} {
		p := Pledge{Nation: "DEU", Title: "Package", Kind: "funds", Channel: "bilateral", Category: "operational", Announced: c.announced, Promised: c.promised, Amount: 100}
		err := p.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s to %s: %v", c.announced, c.promised, err)
			}
			continue
		}
		if e := fault.As(err); e == nil || e.Field != c.field || !strings.Contains(e.Message, "not a plausible date") {
			t.Errorf("%s to %s: %v, want %s refused as implausible", c.announced, c.promised, err, c.field)
		}
	}
	r := Requirement{NSN: "1320-12-345-6789", Quantity: 5, Priority: 1, NeedBy: "2205-01-01", DeliverySite: "UA-KYIV"}
	if e := fault.As(r.Validate()); e == nil || e.Field != "need_by" {
		t.Errorf("a requirement needed in 2205: %v", e)
	}
}

// TestLineToCommitAndToAccept: what waits on a line follows its actions:
// the donor's commitment, and the recipient's acceptance of what was
// delivered; a withdrawal leaves nothing to commit of what it took back.
func TestLineToCommitAndToAccept(t *testing.T) {
	l := Line{ID: 1, No: 1, Pledged: 100}
	req := &Requirement{ID: 7, Quantity: 100}
	var allocs []Allocation
	for _, s := range []struct {
		kind               string
		q                  int64
		toCommit, toAccept int64
	}{
		{Commit, 40, 60, 0},
		{Allocate, 30, 60, 0},
		{"receipt", 30, 60, 30},
		{Accept, 20, 60, 10},
		{Withdraw, 50, 10, 10},
		{Commit, 10, 0, 10},
	} {
		if s.kind == "receipt" {
			l.Shipped, allocs[0].Shipped = l.Shipped+s.q, allocs[0].Shipped+s.q
			l.Delivered, allocs[0].Delivered = l.Delivered+s.q, allocs[0].Delivered+s.q
		} else {
			changed, err := apply(&l, allocs, req, Action{Kind: s.kind, Line: 1, Quantity: s.q, Requirement: 7})
			if err != nil {
				t.Fatalf("%s %d: %v", s.kind, s.q, err)
			}
			if len(allocs) == 0 && len(changed) > 0 {
				allocs = append(allocs, *changed[0])
			}
		}
		if l.ToCommit() != s.toCommit || l.ToAccept() != s.toAccept {
			t.Errorf("after %s %d: %d to commit, %d to accept; want %d and %d", s.kind, s.q, l.ToCommit(), l.ToAccept(), s.toCommit, s.toAccept)
		}
	}
}
