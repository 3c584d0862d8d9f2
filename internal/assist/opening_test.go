package assist_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// open runs one step of an opening balance as who, in its own transaction.
func open(svc assist.Service, ctx context.Context, o assist.Opening) error {
	return svc.Store.Transact(ctx, func(tx assist.Tx) error { return svc.OpenIn(ctx, tx, o) })
}

// openedLedger brings in, as a coordinator, requirement R-00007 (60
// rounds at Lviv) and pledge P-00042 (100 rounds) under their own
// references, and the funds pledge of fundsPledge.
func openedLedger(t *testing.T) (*ledger, assist.Service) {
	t.Helper()
	l := newLedger()
	fundsPledge(l)
	svc := assist.Service{Store: books{l}}
	ctx := as(coordinator)
	err := svc.Store.Transact(ctx, func(tx assist.Tx) error {
		r := assist.Requirement{NSN: nsn155, Quantity: 60, Priority: 1, NeedBy: "2025-06-01", DeliverySite: lviv}
		if err := svc.OpenRequirementIn(ctx, tx, &r, 7); err != nil {
			return err
		}
		p := newPledge()
		p.Lines[0].Pledged = 100
		return svc.OpenPledgeIn(ctx, tx, &p, 42)
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, svc
}

var openingSteps = []assist.Opening{
	{Pledge: 42, Line: 1, Step: assist.OpenCommitted, Quantity: 80},
	{Pledge: 42, Line: 1, Step: assist.OpenAllocated, Requirement: 7, Quantity: 60},
	{Pledge: 42, Line: 1, Step: assist.OpenShipped, Requirement: 7, Quantity: 50},
	{Pledge: 42, Line: 1, Step: assist.OpenDelivered, Requirement: 7, Quantity: 40, Date: "2025-02-01"},
	{Pledge: 42, Line: 1, Step: assist.OpenAccepted, Requirement: 7, Quantity: 30},
	{Pledge: 42, Line: 1, Step: assist.OpenWithdrawn, Quantity: 10},
	{Pledge: 30, Step: assist.OpenMoneyCommitted, Amount: 60_000_000, Date: "2025-02-01", Evidence: "Contract 2025/17"},
	{Pledge: 30, Step: assist.OpenMoneyDisbursed, Amount: 25_000_000, Date: "2025-02-20", Evidence: "Payment order 88"},
}

// progressOf reads pledge id's progress from the ledger as the store
// would, with what its line delivered on the day.
func progressOf(l *ledger, id int64, delivered []assist.Delivered) assist.Progress {
	pr := assist.Progress{Pledge: l.pledges[id], Deliveries: delivered}
	for _, k := range slices.Sorted(maps.Keys(l.allocations)) {
		if a := l.allocations[k]; a.PledgeID == id {
			pr.Allocations = append(pr.Allocations, a)
		}
	}
	return pr
}

// TestOpeningBalanceBringsProgressIn: requirements and pledges keep the
// references they are given, and each step of their progress goes through
// the rule that governs it, audited; the steps the ledger's progress is
// written as bring another empty ledger to the same state.
func TestOpeningBalanceBringsProgressIn(t *testing.T) {
	l, svc := openedLedger(t)
	ctx := as(coordinator)
	for _, o := range openingSteps {
		if err := open(svc, ctx, o); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
	}
	p := l.pledges[42]
	got := p.Lines[0]
	if got.Pledged != 100 || got.Committed != 80 || got.Allocated != 60 || got.Shipped != 50 || got.Delivered != 40 || got.Accepted != 30 || got.Withdrawn != 10 {
		t.Fatalf("line after the opening: %+v", got)
	}
	if got.DeliveredOn != "2025-02-01" {
		t.Errorf("the delivery is recorded on %q, want the day the file gives", got.DeliveredOn)
	}
	var al assist.Allocation
	for _, a := range l.allocations {
		al = a
	}
	if len(l.allocations) != 1 || al.Requirement != 7 || al.Quantity != 60 || al.OpeningShipped != 50 || al.OpeningDelivered != 40 || al.Accepted != 30 {
		t.Errorf("allocations: %+v", l.allocations)
	}
	if r := l.requirements[7]; r.Allocated != 60 || r.Delivered != 40 || r.Accepted != 30 {
		t.Errorf("requirement R-00007 after the opening: %+v", r)
	}
	if f := l.pledges[30]; f.AmountCommitted != 60_000_000 || f.AmountDisbursed != 25_000_000 || len(f.Payments) != 2 || f.Payments[1].Evidence != "Payment order 88" {
		t.Errorf("money after the opening: %+v", f)
	}
	wantActions(t, l, "requirement.opening", "pledge.opening", "pledge.commit", "requirement.allocate", "pledge.allocate", "pledge.opening",
		"requirement.opening", "pledge.opening", "requirement.accept", "pledge.accept", "pledge.opening", "pledge.opening", "pledge.opening")

	// Written back as steps, the progress is the file that made it.
	var steps []assist.Opening
	for _, id := range []int64{42, 30} {
		steps = append(steps, progressOf(l, id, []assist.Delivered{{Line: got.ID, Date: "2025-02-01", Quantity: 40}}).Steps()...)
	}
	if !slices.Equal(steps, openingSteps) {
		t.Errorf("the progress as steps:\n%v\nwant\n%v", steps, openingSteps)
	}
}

// TestOpeningBalanceRefuses: only a coordinator opens a balance; a step
// the ledger does not hold yet, a date after today, an unknown step or
// pledge, and a reference already taken are refused by their field, and
// change nothing.
func TestOpeningBalanceRefuses(t *testing.T) {
	l, svc := openedLedger(t)
	ctx := as(coordinator)
	if err := open(svc, ctx, openingSteps[0]); err != nil {
		t.Fatal(err)
	}
	before := l.clone()
	for _, c := range []struct {
		name  string
		o     assist.Opening
		code  string
		field string
	}{
		{"shipped before it was allocated", assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenShipped, Requirement: 7, Quantity: 5}, fault.Invalid, "requirement_ref"},
		{"allocated to no requirement", assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenAllocated, Quantity: 5}, fault.Invalid, "requirement_ref"},
		{"allocated to a requirement that does not exist", assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenAllocated, Requirement: 99, Quantity: 5}, fault.Invalid, "requirement_ref"},
		{"committed beyond the pledge", assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenCommitted, Quantity: 21}, fault.Invalid, "quantity"},
		{"a line the pledge does not have", assist.Opening{Pledge: 42, Line: 2, Step: assist.OpenCommitted, Quantity: 1}, fault.Invalid, "line"},
		{"a pledge not brought in", assist.Opening{Pledge: 43, Line: 1, Step: assist.OpenCommitted, Quantity: 1}, fault.Invalid, "pledge_ref"},
		{"no such step", assist.Opening{Pledge: 42, Line: 1, Step: "paid", Quantity: 1}, fault.Invalid, "step"},
		{"money disbursed after today", assist.Opening{Pledge: 30, Step: assist.OpenMoneyCommitted, Amount: 100, Date: "2025-03-02", Evidence: "x"}, fault.Invalid, "date"},
		{"money without evidence", assist.Opening{Pledge: 30, Step: assist.OpenMoneyCommitted, Amount: 100, Date: "2025-03-01"}, fault.Invalid, "evidence"},
	} {
		err := open(svc, ctx, c.o)
		wantErr(t, err, c.code, c.field)
		if t.Failed() {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	// Allocated and shipped, what is delivered needs a real day.
	for _, o := range openingSteps[1:3] {
		if err := open(svc, ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	before = l.clone()
	err := open(svc, ctx, assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenDelivered, Requirement: 7, Quantity: 51, Date: "2025-13-01"})
	wantErr(t, err, fault.Invalid, "quantity")
	if e := fault.As(err); e == nil || len(e.Problems) != 2 {
		t.Errorf("51 delivered of 50 shipped on 2025-13-01: %v, want both problems", err)
	}
	unchanged(t, before, l)

	// A nation officer opens no balance, not even for their own nation.
	for _, err := range []error{
		open(svc, as(deuOfficer), assist.Opening{Pledge: 42, Line: 1, Step: assist.OpenWithdrawn, Quantity: 1}),
		svc.Store.Transact(as(deuOfficer), func(tx assist.Tx) error {
			p := newPledge()
			return svc.OpenPledgeIn(as(deuOfficer), tx, &p, 50)
		}),
	} {
		wantErr(t, err, fault.Forbidden, "")
	}
	// A reference already in the ledger is not taken twice.
	err = svc.Store.Transact(ctx, func(tx assist.Tx) error {
		p := newPledge()
		return svc.OpenPledgeIn(ctx, tx, &p, 42)
	})
	wantErr(t, err, fault.Conflict, "")
	unchanged(t, before, l)
}

// TestProgressStepsShareDeliveriesOverAllocations: a line that delivered
// on two days to two requirements is written as deliveries that add up
// both ways, and a day that took some back takes it off the day before.
func TestProgressStepsShareDeliveriesOverAllocations(t *testing.T) {
	p := assist.Pledge{ID: 5, Lines: []assist.Line{{ID: 50, No: 1, Pledged: 30, Committed: 30, Allocated: 30, Shipped: 30, Delivered: 25}}}
	pr := assist.Progress{Pledge: p,
		Allocations: []assist.Allocation{{LineID: 50, Requirement: 1, Quantity: 10, Shipped: 10, Delivered: 10}, {LineID: 50, Requirement: 2, Quantity: 20, Shipped: 20, Delivered: 15}},
		Deliveries:  []assist.Delivered{{Line: 50, Date: "2025-01-01", Quantity: 8}, {Line: 50, Date: "2025-02-01", Quantity: 20}, {Line: 50, Date: "2025-02-02", Quantity: -3}},
	}
	var got []string
	for _, o := range pr.Steps() {
		if o.Step == assist.OpenDelivered {
			got = append(got, o.String())
		}
	}
	want := []string{
		"P-00005 line 1: 8 delivered to R-00001 on 2025-01-01",
		"P-00005 line 1: 2 delivered to R-00001 on 2025-02-01",
		"P-00005 line 1: 15 delivered to R-00002 on 2025-02-01",
	}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries as steps:\n%q\nwant\n%q", got, want)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]int64{"P-00012": 12, " p-7 ": 7, "P-999999999": assist.MaxRef} {
		if got, err := assist.ParseRef("pledge_ref", "P-", in); err != nil || got != want {
			t.Errorf("ParseRef(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P-", "P-0", "P--1", "P-+1", "R-00012", "12", "P-1000000000", "P-9223372036854775807", "P-99999999999999999999", "P-1e3", "P-0x10"} {
		if _, err := assist.ParseRef("pledge_ref", "P-", in); fault.Code(err) != fault.Invalid || fault.As(err).Field != "pledge_ref" {
			t.Errorf("ParseRef(%q): %v, want a problem of pledge_ref", in, err)
		}
	}
}
