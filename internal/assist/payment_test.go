package assist_test

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// fundsPledge adds to l a German pledge of EUR 1,000,000 in money, and
// returns its id.
func fundsPledge(l *ledger) int64 {
	l.pledges[30] = assist.Pledge{ID: 30, Nation: "DEU", Title: "Air defence fund", Kind: "funds", Channel: "bilateral", Category: "equipment_purchase",
		Announced: "2025-01-10", Promised: "2025-12-31", Amount: 100_000_000, Version: 1, Lines: []assist.Line{}}
	return 30
}

// TestPayMovesMoneyThroughItsStages: a pledge's money goes pledged →
// committed → disbursed, partially, each step dated and with its evidence,
// never more than the stage before holds; each step is audited and a
// refused one changes nothing.
func TestPayMovesMoneyThroughItsStages(t *testing.T) {
	l := newLedger()
	id := fundsPledge(l)
	svc := assist.Service{Store: books{l}}
	pay := func(stage string, amount money.Cents, date string) assist.Payment {
		return assist.Payment{Stage: stage, Amount: amount, Date: date, Evidence: "Contract 2025/17"}
	}

	before := l.clone()
	_, err := svc.Pay(as(deuOfficer), id, 1, pay(assist.Disbursed, 10_000_000, "2025-02-01"))
	wantErr(t, err, fault.Invalid, "amount")
	if !strings.Contains(err.Error(), "record the commitment first") {
		t.Errorf("disbursing before committing: %v", err)
	}
	unchanged(t, before, l)

	p, err := svc.Pay(as(deuOfficer), id, 1, pay(assist.Committed, 60_000_000, "2025-02-01"))
	if err != nil {
		t.Fatal(err)
	}
	if p.AmountCommitted != 60_000_000 || p.Version != 2 || len(p.Payments) != 1 || p.Payments[0].RecordedBy != "deu" || p.MoneyState() != "60% committed" {
		t.Fatalf("after committing EUR 600,000: %+v, %q", p, p.MoneyState())
	}
	if _, err := svc.Pay(as(deuOfficer), id, 2, pay(assist.Disbursed, 60_000_001, "2025-02-20")); fault.Code(err) != fault.Invalid {
		t.Fatalf("disbursing more than committed: %v", err)
	}
	p, err = svc.Pay(as(deuOfficer), id, 2, pay(assist.Disbursed, 25_000_000, "2025-02-20"))
	if err != nil {
		t.Fatal(err)
	}
	if p.AmountDisbursed != 25_000_000 || p.State() != "open" || p.MoneyState() != "25% disbursed" {
		t.Fatalf("after disbursing EUR 250,000: %+v", p)
	}
	if _, err := svc.Pay(as(coordinator), id, 3, pay(assist.Committed, 40_000_001, "2025-02-21")); fault.Code(err) != fault.Invalid {
		t.Fatalf("committing more than pledged: %v", err)
	}
	p, err = svc.Pay(as(coordinator), id, 3, pay(assist.Committed, 40_000_000, "2025-02-21"))
	if err == nil {
		p, err = svc.Pay(as(coordinator), id, 4, pay(assist.Disbursed, 75_000_000, "2025-03-01"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if p.State() != "complete" || p.MoneyState() != "disbursed" || len(l.pledges[id].Payments) != 4 {
		t.Fatalf("all paid: state %q, money %q, %d payments stored", p.State(), p.MoneyState(), len(l.pledges[id].Payments))
	}
	wantActions(t, l, "pledge.committed", "pledge.disbursed", "pledge.committed", "pledge.disbursed")
}

// TestPayRefusesEveryProblemAtOnce: a payment with a bad stage, a future
// date and no evidence reports all three; a pledge of goods has no money to
// move; only the donor's people and coordinators record payments.
func TestPayRefusesEveryProblemAtOnce(t *testing.T) {
	l := newLedger()
	id := fundsPledge(l)
	svc := assist.Service{Store: books{l}}
	before := l.clone()
	_, err := svc.Pay(as(deuOfficer), id, 1, assist.Payment{Stage: "paid", Amount: 5, Date: "2025-03-02"})
	e := fault.As(err)
	if e == nil || len(e.Problems) != 3 {
		t.Fatalf("three problems: %v", err)
	}
	var fields []string
	for _, p := range e.Problems {
		fields = append(fields, p.Field)
	}
	if strings.Join(fields, " ") != "stage date evidence" {
		t.Errorf("problems on %v, want stage, date and evidence", fields)
	}
	for _, c := range []struct {
		name string
		pay  assist.Payment
	}{
		{"a date in 2922", assist.Payment{Stage: assist.Committed, Amount: 5, Date: "2922-01-01", Evidence: "x"}},
		{"a negative amount", assist.Payment{Stage: assist.Committed, Amount: -5, Date: "2025-01-01", Evidence: "x"}},
		{"evidence of 501 bytes", assist.Payment{Stage: assist.Committed, Amount: 5, Date: "2025-01-01", Evidence: strings.Repeat("e", 501)}},
	} {
		if _, err := svc.Pay(as(deuOfficer), id, 1, c.pay); fault.Code(err) != fault.Invalid {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := svc.Pay(as(deuOfficer), 10, 1, assist.Payment{Stage: assist.Committed, Amount: 5, Date: "2025-01-01", Evidence: "x"}); fault.Code(err) != fault.Invalid {
		t.Errorf("a pledge of goods: %v", err)
	}
	if _, err := svc.Pay(as(polOfficer), id, 1, assist.Payment{Stage: assist.Committed, Amount: 5, Date: "2025-01-01", Evidence: "x"}); fault.Code(err) != fault.Forbidden {
		t.Errorf("another nation's officer: %v", err)
	}
	if _, err := svc.Pay(as(analyst), id, 1, assist.Payment{Stage: assist.Committed, Amount: 5, Date: "2025-01-01", Evidence: "x"}); fault.Code(err) != fault.Forbidden {
		t.Errorf("an analyst: %v", err)
	}
	unchanged(t, before, l)
}

// TestCheckMoneyHoldsTheOrder: an amount lowered below what is committed,
// or more disbursed than committed, is refused.
func TestCheckMoneyHoldsTheOrder(t *testing.T) {
	for _, c := range []struct {
		amount, committed, disbursed money.Cents
		ok                           bool
	}{
		{100, 100, 100, true}, {100, 50, 0, true}, {0, 0, 0, true},
		{99, 100, 0, false}, {100, 40, 50, false}, {100, 0, -1, false},
	} {
		p := assist.Pledge{ID: 1, Amount: c.amount, AmountCommitted: c.committed, AmountDisbursed: c.disbursed}
		if err := p.CheckMoney(); (err == nil) != c.ok {
			t.Errorf("amount %d, committed %d, disbursed %d: %v", c.amount, c.committed, c.disbursed, err)
		}
	}
}

// TestAPledgeKeepsARangeOfDates: a pledge announced "between 2025-01-04
// and 2025-01-11" keeps both bounds, is shown and written back as a range,
// and keeps it through a change that sends the stored date back as read.
func TestAPledgeKeepsARangeOfDates(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	in := newPledge()
	in.Announced, in.Promised = "between 2025-01-04 and 2025-01-11", "2025-03 to 2025-05"
	p, err := svc.CreatePledge(as(deuOfficer), in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Announced != "2025-01-04" || p.AnnouncedUntil != "2025-01-11" || p.AnnouncedPrecision != assist.RangePrecision ||
		p.PromisedFrom != "2025-03-01" || p.Promised != "2025-05-31" || p.PromisedText() != "2025-03/2025-05" || p.AnnouncedWords() != "2025-01-04 to 2025-01-11" {
		t.Fatalf("stored %+v, promised %q", p, p.PromisedText())
	}
	up := p
	up.Title = "More rounds, renamed"
	up.AnnouncedPrecision, up.PromisedPrecision = "", ""
	got, err := svc.UpdatePledge(as(deuOfficer), p.ID, p.Version, up)
	if err != nil {
		t.Fatal(err)
	}
	if got.AnnouncedText() != "2025-01-04/2025-01-11" || got.PromisedText() != "2025-03/2025-05" {
		t.Errorf("after a change: announced %q, promised %q", got.AnnouncedText(), got.PromisedText())
	}
	in.Announced = "between 2922-01-04 and 2025-01-11"
	if _, err := svc.CreatePledge(as(deuOfficer), in); fault.Code(err) != fault.Invalid {
		t.Errorf("a range from 2922: %v", err)
	}
}

// TestLinesOfUndisclosedQuantityOrValue: a line may say its quantity or
// its unit value is undisclosed, holding none; one that says so and gives
// one is refused; nothing of a line of undisclosed quantity moves.
func TestLinesOfUndisclosedQuantityOrValue(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	in := newPledge()
	in.Lines = []assist.Line{{NSN: nsn155, QuantityUndisclosed: true}, {NSN: nsnAlt, Pledged: 10, ValueUndisclosed: true}}
	p, err := svc.CreatePledge(as(deuOfficer), in)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Undisclosed() || p.Lines[1].UnitValue != 0 || p.Lines[0].State() != "quantity undisclosed" {
		t.Fatalf("stored %+v", p.Lines)
	}
	if _, err := svc.Act(as(deuOfficer), p.ID, 0, assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 1}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "undisclosed") {
		t.Errorf("committing a line of undisclosed quantity: %v", err)
	}
	in.Lines = []assist.Line{{NSN: nsn155, Pledged: 5, QuantityUndisclosed: true}, {NSN: nsnAlt, Pledged: 10, UnitValue: 100, ValueUndisclosed: true}}
	_, err = svc.CreatePledge(as(deuOfficer), in)
	if e := fault.As(err); e == nil || len(e.Problems) != 2 {
		t.Errorf("two lines that say undisclosed and give a figure: %v", err)
	}
}
