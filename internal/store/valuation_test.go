package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestValuationsRoundTrip: the amount's and the lines' valuations are
// stored and read back as given, by the single read, the list and the
// export's read; a revaluation writes the new figure, the line's
// valuation and the pledge's totals, and its history reads back oldest
// first; the ledger's invariants hold throughout.
func TestValuationsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		amount := assist.Valuation{Currency: "USD", Original: 1_081_300_00, Rate: "1.0813", RateDate: "2023-12-29", Basis: assist.Official, Source: "Press release, 29 December 2023"}
		line := assist.Valuation{Currency: "GBP", Original: 3_479_16, Rate: "0.86979", RateDate: "2023-12-31", Basis: assist.ReplacementCost, Source: "Written answer UIN 1234"}
		in := newPledge("GBR")
		in.AmountValuation = amount
		in.Lines[0].Valuation = line
		p, err := svc.CreatePledge(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Amount != 1_000_000_00 || p.Lines[0].UnitValue != 4_000_00 {
			t.Fatalf("converted: amount %s, unit value %s", p.Amount.In(""), p.Lines[0].UnitValue.In(""))
		}
		got, err := db.Pledge(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.AmountValuation != amount || got.Lines[0].Valuation != line || got.Lines[1].Valuation != (assist.Valuation{}) || got.Revaluations != nil {
			t.Fatalf("read back: amount %+v, lines %+v %+v, history %+v", got.AmountValuation, got.Lines[0].Valuation, got.Lines[1].Valuation, got.Revaluations)
		}
		all, err := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
		if err != nil || len(all) != 1 || all[0].AmountValuation != amount || all[0].Lines[0].Valuation != line {
			t.Fatalf("the export's read: %+v %v", all, err)
		}

		// The line's unit value rises by revaluation: the pledge's totals
		// follow, the history keeps what it was.
		newer := assist.Valuation{Currency: "GBP", Original: 3_386_60, Rate: "0.84662", RateDate: "2024-12-31", Basis: assist.ReplacementCost, Source: "Written answer UIN 5678"}
		p, err = svc.Revalue(ctx, p.ID, got.Version, assist.Revaluation{Line: 1, Valuation: newer, Reason: "the 2024 rate"})
		if err != nil {
			t.Fatal(err)
		}
		p, err = svc.Revalue(ctx, p.ID, p.Version, assist.Revaluation{EUR: 1_200_000_00, Valuation: assist.Valuation{Basis: assist.Estimate}, Reason: "an estimate of the programme"})
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.Pledge(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Lines[0].UnitValue != 4_000_14 || got.Lines[0].Valuation != newer || got.Amount != 1_200_000_00 || got.AmountValuation != (assist.Valuation{Basis: assist.Estimate}) {
			t.Fatalf("after revaluing: line %+v, amount %s %+v", got.Lines[0], got.Amount.In(""), got.AmountValuation)
		}
		h := got.Revaluations
		if len(h) != 2 || h[0].Line != 1 || h[0].Was != 4_000_00 || h[0].EUR != 4_000_14 || h[0].Valuation != newer || h[0].Reason != "the 2024 rate" ||
			h[0].RecordedBy != "test" || h[0].RecordedAt.IsZero() || h[1].Line != 0 || h[1].Was != 1_000_000_00 || h[1].EUR != 1_200_000_00 || h[1].ID <= h[0].ID {
			t.Fatalf("history %+v", h)
		}
		page, err := db.Pledges(ctx, assist.PledgeFilter{}, list.Options{Limit: 10}, "2025-03-01")
		if err != nil || len(page.Items) != 1 {
			t.Fatal(page, err)
		}
		if s := page.Items[0]; s.PledgedValue != 1_200_000_00+100*4_000_14+10*500_000_00 || s.AmountValuation.Basis != assist.Estimate {
			t.Errorf("the list: pledged value %s, amount valuation %+v", s.PledgedValue.In(""), s.AmountValuation)
		}
		rep, err := db.Check(ctx)
		if err != nil || !rep.OK() {
			t.Fatalf("check: %+v %v", rep.Violations, err)
		}
	})
}

// TestValueByBasisCountsWhatTheReaderMaySee: the pledged value by basis
// sums amounts on their basis and lines on theirs, leaves out values not
// disclosed, and counts only the pledges the reader may see.
func TestValueByBasisCountsWhatTheReaderMaySee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		open := newPledge("DEU")
		open.Marking = access.Marking{Classification: access.Unclassified}
		open.Amount, open.AmountValuation = 1_000_000_00, assist.Valuation{Basis: assist.Official}
		open.Lines[0].Valuation = assist.Valuation{Basis: assist.PriceList}
		open.Lines = append(open.Lines, assist.Line{NSN: storetest.NSN155, Pledged: 5, ValueUndisclosed: true, Valuation: assist.Valuation{Basis: assist.PriceList}})
		restricted := newPledge("FRA") // Restricted, releasable to UKR: no basis stated
		for _, p := range []assist.Pledge{open, restricted} {
			if _, err := svc.CreatePledge(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		words := func(fs []assist.BasisFigures) string {
			var out []string
			for _, f := range fs {
				out = append(out, fmt.Sprintf("%s %d %d %s", assist.BasisWords(f.Basis), f.Pledges, f.Lines, f.Value))
			}
			return strings.Join(out, "; ")
		}
		all, m, err := db.ValueByBasis(ctx)
		if want := "official 1 0 1000000.00; price list 1 1 350000.00; not stated 2 3 10350000.00"; err != nil || words(all) != want || m != access.Restricted {
			t.Errorf("the system sees %q marked %s (%v), want %q", words(all), m, err, want)
		}
		reader := access.WithIdentity(storetest.Ctx(), access.Identity{UserID: 5, Name: "analyst", Nation: "POL", Roles: []access.Role{access.Analyst}, Clearance: access.Unclassified, Via: "token"})
		seen, m, err := db.ValueByBasis(reader)
		if want := "official 1 0 1000000.00; price list 1 1 350000.00; not stated 1 1 5000000.00"; err != nil || words(seen) != want || m != access.Unclassified {
			t.Errorf("an unclassified reader sees %q marked %s (%v), want %q", words(seen), m, err, want)
		}
	})
}
