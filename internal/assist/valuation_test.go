package assist_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// usd is a valuation of USD 1,081,300.00 at the ECB's 2023 annual average,
// EUR 1,000,000.00.
func usd() assist.Valuation {
	return assist.Valuation{Currency: "USD", Original: 1_081_300_00, Rate: "1.0813", RateDate: "2023-12-29", Basis: assist.Official, Source: "Ministry of Defence press release"}
}

// fundsIn is a German pledge of money whose amount is valued by v.
func fundsIn(amount money.Cents, v assist.Valuation) assist.Pledge {
	return assist.Pledge{Nation: "DEU", Title: "Air defence fund", Kind: "funds", Channel: "bilateral", Category: "equipment_purchase",
		Announced: "2025-01-10", Promised: "2025-12-31", Amount: amount, AmountValuation: v}
}

// fields lists the fields err names, in order.
func fields(err error) []string {
	e := fault.As(err)
	if e == nil {
		return nil
	}
	probs := e.Problems
	if len(probs) == 0 {
		probs = []*fault.Error{e}
	}
	var out []string
	for _, p := range probs {
		out = append(out, p.Field)
	}
	return out
}

// TestAValuationStandsBehindItsEuroFigure: a figure in another currency
// gives the euro figure by its rate, filling one left empty and refusing
// one that differs, saying both; a figure in euros has no rate; the basis
// is one of Bases; every problem is named on its field.
func TestAValuationStandsBehindItsEuroFigure(t *testing.T) {
	for _, c := range []struct {
		name   string
		amount money.Cents
		v      func(v *assist.Valuation)
		want   money.Cents // the amount stored
		fields string      // the fields refused, in order
		msg    string      // what the first problem says
	}{
		{name: "the conversion fills an empty amount", want: 1_000_000_00},
		{name: "an amount that agrees", amount: 1_000_000_00, want: 1_000_000_00},
		{name: "an amount the conversion contradicts", amount: 990_000_00, fields: "amount",
			msg: "USD 1,081,300.00 at 1.0813 per euro is EUR 1,000,000.00, not EUR 990,000.00: leave the euro figure empty to take the conversion, or correct it"},
		{name: "a currency in small letters", v: func(v *assist.Valuation) { v.Currency = " usd " }, want: 1_000_000_00},
		{name: "pounds at the 2024 rate", v: func(v *assist.Valuation) {
			v.Currency, v.Original, v.Rate, v.RateDate = "GBP", 2_500_000_000_00, "0.84662", "2024-12-31"
		}, want: 2_952_918_664_81},
		{name: "a currency that is no ISO code", v: func(v *assist.Valuation) { v.Currency = "US$" }, fields: "amount_valuation.currency"},
		{name: "no original, rate or rate date", v: func(v *assist.Valuation) { v.Original, v.Rate, v.RateDate = 0, "", "" }, amount: 5,
			fields: "amount_valuation.original amount_valuation.rate amount_valuation.rate_date"},
		{name: "a rate that is no plain decimal", v: func(v *assist.Valuation) { v.Rate = "1,0813" }, fields: "amount_valuation.rate"},
		{name: "a rate of zero", v: func(v *assist.Valuation) { v.Rate = "0" }, fields: "amount_valuation.rate"},
		{name: "a rate date that is no date", v: func(v *assist.Valuation) { v.RateDate = "29.12.2023" }, fields: "amount_valuation.rate_date"},
		{name: "a rate date in 2922", v: func(v *assist.Valuation) { v.RateDate = "2922-12-29" }, fields: "amount_valuation.rate_date"},
		{name: "a rate date after today", v: func(v *assist.Valuation) { v.RateDate = "2025-03-02" }, fields: "amount_valuation.rate_date", msg: "after today"},
		{name: "an original below a cent in euros", v: func(v *assist.Valuation) { v.Original, v.Rate = 1, "3" }, fields: "amount_valuation.original"},
		{name: "a basis not known", v: func(v *assist.Valuation) { v.Basis = "guess" }, fields: "amount_valuation.basis"},
		{name: "no basis", v: func(v *assist.Valuation) { v.Basis = "" }, want: 1_000_000_00},
		{name: "a source of 501 bytes", v: func(v *assist.Valuation) { v.Source = strings.Repeat("s", 501) }, fields: "amount_valuation.source"},
		{name: "euros with a rate", v: func(v *assist.Valuation) { v.Currency, v.Original, v.RateDate = "EUR", 0, "" }, amount: 100, fields: "amount_valuation.rate"},
		{name: "euros given as the original", v: func(v *assist.Valuation) {
			*v = assist.Valuation{Currency: "EUR", Original: 12_50, Basis: assist.Estimate}
		}, want: 12_50},
		{name: "euros whose original differs", v: func(v *assist.Valuation) { *v = assist.Valuation{Original: 12_50} }, amount: 13_00, fields: "amount"},
		{name: "a basis and source for no amount", v: func(v *assist.Valuation) { *v = assist.Valuation{Basis: assist.Estimate, Source: "x"} }, fields: "amount lines"},
		{name: "every problem at once", amount: 1, v: func(v *assist.Valuation) { v.Currency, v.RateDate, v.Basis = "USDX", "2025-13-01", "list" },
			fields: "amount_valuation.basis amount_valuation.currency amount_valuation.rate_date"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			before := l.clone()
			v := usd()
			if c.v != nil {
				c.v(&v)
			}
			svc := assist.Service{Store: books{l}}
			p, err := svc.CreatePledge(as(deuOfficer), fundsIn(c.amount, v))
			if c.fields != "" {
				if got := strings.Join(fields(err), " "); got != c.fields || fault.Code(err) != fault.Invalid {
					t.Fatalf("refused on %q (%v), want %q", got, err, c.fields)
				}
				if e := fault.As(err); c.msg != "" && !strings.Contains(e.Message, c.msg) && (len(e.Problems) == 0 || !strings.Contains(e.Problems[0].Message, c.msg)) {
					t.Errorf("message %q, want it to say %q", err, c.msg)
				}
				unchanged(t, before, l)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := l.pledges[p.ID]
			if got.Amount != c.want {
				t.Errorf("amount %s, want %s", got.Amount.In(""), c.want.In(""))
			}
			if got.AmountValuation.Currency == "EUR" || got.AmountValuation.Currency != strings.ToUpper(strings.TrimSpace(got.AmountValuation.Currency)) {
				t.Errorf("currency stored as %q", got.AmountValuation.Currency)
			}
			if !got.AmountValuation.Foreign() && got.AmountValuation.Original != 0 {
				t.Errorf("a figure in euros keeps an original of its own: %+v", got.AmountValuation)
			}
		})
	}
}

// TestALineKeepsItsValuation: a line's unit value in another currency is
// converted as the amount is, its problems named by the line, and a value
// the donor has not disclosed has no figure in any currency.
func TestALineKeepsItsValuation(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	in := newPledge()
	in.Lines[0].Valuation = assist.Valuation{Currency: "GBP", Original: 3_479_16, Rate: "0.86979", RateDate: "2023-12-31", Basis: assist.ReplacementCost, Source: "MoD written answer"}
	p, err := svc.CreatePledge(as(deuOfficer), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.pledges[p.ID].Lines[0]; got.UnitValue != 4_000_00 || got.Valuation.Basis != assist.ReplacementCost || got.Valuation.Currency != "GBP" {
		t.Fatalf("line stored %+v", got)
	}

	bad := newPledge()
	bad.Lines = append(bad.Lines, assist.Line{NSN: nsnMine, Pledged: 10, UnitValue: 99_00,
		Valuation: assist.Valuation{Currency: "USD", Original: 108_13, Rate: "1.0813", RateDate: "2023-12-29", Basis: "list"}})
	bad.Lines = append(bad.Lines, assist.Line{NSN: nsnMine, Pledged: 10, ValueUndisclosed: true, Valuation: assist.Valuation{Currency: "USD", Basis: assist.Official}})
	before := l.clone()
	_, err = svc.CreatePledge(as(deuOfficer), bad)
	if got := strings.Join(fields(err), " "); got != "lines[1].valuation.basis lines[1].unit_value lines[2].valuation.currency" {
		t.Fatalf("refused on %q: %v", got, err)
	}
	unchanged(t, before, l)

	// An undisclosed value may still say where the silence comes from.
	ok := newPledge()
	ok.Lines[0].ValueUndisclosed = true
	ok.Lines[0].Valuation = assist.Valuation{Basis: assist.Official, Source: "the donor's statement"}
	if _, err := svc.CreatePledge(as(deuOfficer), ok); err != nil {
		t.Fatal(err)
	}
	und := fundsIn(0, usd())
	und.ValueUndisclosed = true
	if _, err := svc.CreatePledge(as(deuOfficer), und); fault.Code(err) != fault.Invalid || !strings.HasPrefix(fields(err)[0], "amount_valuation.") {
		t.Errorf("an undisclosed amount with a figure in dollars: %v", err)
	}
}

// TestUpdateKeepsOrChecksTheAmountsValuation: a change that leaves the
// valuation out keeps it, and is refused when the new amount contradicts
// it; one that gives a valuation has it checked and converted.
func TestUpdateKeepsOrChecksTheAmountsValuation(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	p, err := svc.CreatePledge(as(deuOfficer), fundsIn(0, usd()))
	if err != nil {
		t.Fatal(err)
	}
	in := fundsIn(1_000_000_00, assist.Valuation{})
	in.Title = "Air defence fund, renamed"
	got, err := svc.UpdatePledgeKeeping(as(deuOfficer), p.ID, 1, in, []string{assist.KeepAmountValuation})
	if err != nil || got.AmountValuation != usd() || got.Title != "Air defence fund, renamed" {
		t.Fatalf("kept valuation: %+v, %v", got.AmountValuation, err)
	}
	in.Amount = 2_000_000_00
	before := l.clone()
	_, err = svc.UpdatePledgeKeeping(as(deuOfficer), p.ID, 2, in, []string{assist.KeepAmountValuation})
	wantErr(t, err, fault.Invalid, "amount")
	unchanged(t, before, l)
	in.Amount, in.AmountValuation = 0, assist.Valuation{Currency: "GBP", Original: 869_790_00, Rate: "0.86979", RateDate: "2023-12-31", Basis: assist.Estimate}
	got, err = svc.UpdatePledge(as(deuOfficer), p.ID, 2, in)
	if err != nil || got.Amount != 1_000_000_00 || l.pledges[p.ID].AmountValuation.Currency != "GBP" {
		t.Fatalf("a new valuation: %s %+v, %v", got.Amount.In(""), got.AmountValuation, err)
	}

	// A pledge of goods keeps no amount valuation it does not have, and
	// refuses a basis for an amount it does not pledge.
	in = l.pledges[10]
	in.AmountValuation = assist.Valuation{Basis: assist.Official}
	_, err = svc.UpdatePledge(as(deuOfficer), 10, 1, in)
	wantErr(t, err, fault.Invalid, "amount")
}

// TestRevalueKeepsHistory: a revaluation changes the amount or a line's
// unit value with its new valuation, adds to the pledge's history, oldest
// first, and is audited with the pledge before and after; the line's value
// moves the pledge's value.
func TestRevalueKeepsHistory(t *testing.T) {
	l := newLedger()
	svc := assist.Service{Store: books{l}}
	p, err := svc.CreatePledge(as(deuOfficer), fundsIn(0, usd()))
	if err != nil {
		t.Fatal(err)
	}
	r := assist.Revaluation{Valuation: assist.Valuation{Currency: "USD", Original: 1_082_400_00, Rate: "1.0824", RateDate: "2024-12-31", Basis: assist.Official, Source: "Annual report 2024"},
		Reason: "the 2024 annual average"}
	p, err = svc.Revalue(as(deuOfficer), p.ID, 1, r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Amount != 1_000_000_00 || p.AmountValuation.Rate != "1.0824" || p.Version != 2 || len(p.Revaluations) != 1 {
		t.Fatalf("after revaluing at the 2024 rate: %+v", p)
	}
	p, err = svc.Revalue(as(coordinator), p.ID, 2, assist.Revaluation{EUR: 1_100_000_00, Valuation: assist.Valuation{Basis: assist.ReplacementCost}, Reason: "replacement cost, as audited"})
	if err != nil {
		t.Fatal(err)
	}
	stored := l.pledges[p.ID]
	h := stored.Revaluations
	if len(h) != 2 || h[0].Was != 1_000_000_00 || h[0].EUR != 1_000_000_00 || h[1].Was != 1_000_000_00 || h[1].EUR != 1_100_000_00 ||
		h[1].RecordedBy != "nsatu" || !h[1].RecordedAt.Equal(l.now) || h[0].ID == 0 || h[1].Line != 0 || h[1].What() != "the amount" {
		t.Fatalf("history %+v", h)
	}
	if stored.Amount != 1_100_000_00 || stored.AmountValuation != (assist.Valuation{Basis: assist.ReplacementCost}) {
		t.Fatalf("stored %s %+v", stored.Amount.In(""), stored.AmountValuation)
	}
	wantActions(t, l, "pledge.create", "pledge.revalue", "pledge.revalue")
	ev := l.audit[2]
	var after struct {
		Amount      money.Cents        `json:"amount"`
		Revaluation assist.Revaluation `json:"revaluation"`
	}
	b, _ := json.Marshal(ev.After)
	if err := json.Unmarshal(b, &after); err != nil || after.Amount != 1_100_000_00 || after.Revaluation.Reason != "replacement cost, as audited" || after.Revaluation.Basis != assist.ReplacementCost {
		t.Errorf("audited after %s: %v", b, err)
	}
	if before, ok := ev.Before.(assist.Pledge); !ok || before.Amount != 1_000_000_00 {
		t.Errorf("audited before %+v", ev.Before)
	}

	// A line's unit value: the pledge's value follows.
	p, err = svc.Revalue(as(deuOfficer), 10, 1, assist.Revaluation{Line: 1, EUR: 450_000, Valuation: assist.Valuation{Basis: assist.PriceList, Source: "Price list 2025"}, Reason: "new price list"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := p.Value(); v != 450_000*100 || l.pledges[10].Lines[0].UnitValue != 450_000 || l.pledges[10].Lines[0].Valuation.Basis != assist.PriceList {
		t.Fatalf("line revalued: value %s, line %+v", v.In(""), l.pledges[10].Lines[0])
	}
	if h := l.pledges[10].Revaluations; len(h) != 1 || h[0].Line != 1 || h[0].Was != 400_000 || h[0].What() != "line 1" {
		t.Fatalf("line history %+v", h)
	}
}

// TestRevalueRefuses: only the donor's people and coordinators revalue;
// every problem of a revaluation at once; a stale version, a value not
// disclosed, an amount below what is committed and a change of nothing are
// refused, and a refusal changes nothing.
func TestRevalueRefuses(t *testing.T) {
	l := newLedger()
	id := fundsPledge(l)
	p := l.pledges[id]
	p.AmountCommitted = 60_000_000
	p.Payments = []assist.Payment{{ID: 1, Stage: assist.Committed, Amount: 60_000_000, Date: "2025-02-01", Evidence: "x"}}
	l.pledges[id] = p
	l.pledges[40] = assist.Pledge{ID: 40, Nation: "DEU", Title: "Tanks", Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2025-01-10", Promised: "2025-12-31",
		Version: 1, ValueUndisclosed: true, Lines: []assist.Line{{ID: 41, No: 1, NSN: nsn155, Pledged: 10, ValueUndisclosed: true}}}
	svc := assist.Service{Store: books{l}}
	ok := assist.Revaluation{EUR: 90_000_000, Reason: "corrected"}
	before := l.clone()

	for _, c := range []struct {
		name    string
		who     access.Identity
		id      int64
		version int64
		r       assist.Revaluation
		code    string
		fields  string
	}{
		{"another nation's officer", polOfficer, id, 1, ok, fault.Forbidden, ""},
		{"an analyst", analyst, id, 1, ok, fault.Forbidden, ""},
		{"the recipient", ukrOfficer, id, 1, ok, fault.Forbidden, ""},
		{"a stale version", deuOfficer, id, 2, ok, fault.Conflict, ""},
		{"no pledge", deuOfficer, 99, 1, ok, fault.NotFound, ""},
		{"every problem at once", deuOfficer, id, 1, assist.Revaluation{Line: 7, Valuation: assist.Valuation{Currency: "USD", Basis: "guess"}}, fault.Invalid,
			"reason line basis original rate rate_date"},
		{"below what is committed", deuOfficer, id, 1, assist.Revaluation{EUR: 59_999_999, Reason: "x"}, fault.Invalid, "eur"},
		{"nothing new", deuOfficer, id, 1, assist.Revaluation{EUR: 100_000_000, Reason: "x"}, fault.Invalid, "eur"},
		{"no figure", deuOfficer, id, 1, assist.Revaluation{Reason: "x", Valuation: assist.Valuation{Basis: assist.Estimate}}, fault.Invalid, "eur"},
		{"a conversion contradicted", deuOfficer, id, 1, assist.Revaluation{EUR: 1, Reason: "x", Valuation: usd()}, fault.Invalid, "eur"},
		{"a reason of 501 bytes", deuOfficer, id, 1, assist.Revaluation{EUR: 90_000_000, Reason: strings.Repeat("r", 501)}, fault.Invalid, "reason"},
		{"an undisclosed amount", deuOfficer, 40, 1, assist.Revaluation{EUR: 5, Reason: "x"}, fault.Invalid, "line"},
		{"an undisclosed line", deuOfficer, 40, 1, assist.Revaluation{Line: 1, EUR: 5, Reason: "x"}, fault.Invalid, "line"},
		{"the amount of a pledge of goods", deuOfficer, 10, 1, assist.Revaluation{EUR: 5, Reason: "x"}, fault.Invalid, "line"},
		{"a figure beyond any pledge", deuOfficer, 10, 1, assist.Revaluation{Line: 1, EUR: money.MaxAmount, Reason: "x"}, fault.Invalid, "eur"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.Revalue(as(c.who), c.id, c.version, c.r)
			if fault.Code(err) != c.code {
				t.Fatalf("%v (%s), want %s", err, fault.Code(err), c.code)
			}
			if c.fields != "" {
				if got := strings.Join(fields(err), " "); got != c.fields {
					t.Errorf("refused on %q (%v), want %q", got, err, c.fields)
				}
			}
			unchanged(t, before, l)
		})
	}
}

// TestValuationWords: the provenance of a figure, for people.
func TestValuationWords(t *testing.T) {
	if got := usd().Words(); got != "USD 1,081,300.00 at 1.0813 per euro on 2023-12-29, official, source Ministry of Defence press release" {
		t.Errorf("words %q", got)
	}
	if got := (assist.Valuation{}).Words(); got != "basis not stated" {
		t.Errorf("words of nothing %q", got)
	}
	if got := assist.BasisWords(assist.ReplacementCost); got != "replacement cost" {
		t.Errorf("basis words %q", got)
	}
	if assist.BasisWords("") != "not stated" {
		t.Errorf("no basis")
	}
}
