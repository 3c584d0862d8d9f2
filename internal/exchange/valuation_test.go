package exchange_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// provenanceCSV holds a fund valued in dollars (its euro figure left to
// the conversion, the original written with a decimal comma), a package
// whose first line is valued in pounds and whose second says its basis
// only, and a pledge of undisclosed value that names its source.
const provenanceCSV = "pledge_ref,nation,title,kind,channel,category,announced,promised,amount_eur,value_undisclosed,amount_currency,amount_original,amount_rate,amount_rate_date,amount_basis,amount_source,nsn,quantity,unit_value_eur,unit_currency,unit_original,unit_rate,unit_rate_date,unit_basis,unit_source\n" +
	"F,USA,Air defence fund,funds,bilateral,equipment_purchase,2025-01-10,2025-12-31,,,usd,\"1.081.300,00\",1.0813,2023-12-29,official,\"DoD release, 29 December 2023\",,,,,,,,,\n" +
	"K,GBR,Winter package,in_kind,bilateral,in_kind,2025-01-10,2025-06-30,,,,,,,,,1320-12-345-6789,10,,GBP,3479.16,0.86979,2023-12-31,replacement_cost,MoD written answer\n" +
	"K,,,,,,,,,,,,,,,,1410-01-234-5678,2,450000.00,,,,,price_list,Price list 2024\n" +
	"U,POL,Tanks,in_kind,bilateral,in_kind,2025-01-10,2025-06-30,,yes,,,,,official,Minister's statement,,,,,,,,,\n"

// TestProvenanceImportsAndExportsAsItCame: the valuations of a file come
// in with their conversions, go out in the export's columns, and the
// export imports into an empty database to the same pledges and exports
// again to the same file, as CSV and as a workbook.
func TestProvenanceImportsAndExportsAsItCame(t *testing.T) {
	ctx := storetest.Ctx()
	im, db := importer(t)
	res, err := im.Import(ctx, "pledges", strings.NewReader(provenanceCSV), false)
	if err != nil || res.Created != 3 {
		t.Fatalf("import: %+v %s", res, problems(err))
	}
	ps, err := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	if err != nil || len(ps) != 3 {
		t.Fatal(ps, err)
	}
	fund, pkg, tanks := ps[0], ps[1], ps[2]
	if fund.Amount != 1_000_000_00 || fund.AmountValuation != (assist.Valuation{Currency: "USD", Original: 1_081_300_00, Rate: "1.0813", RateDate: "2023-12-29", Basis: assist.Official, Source: "DoD release, 29 December 2023"}) {
		t.Errorf("the fund: %s %+v", fund.Amount.In(""), fund.AmountValuation)
	}
	if l := pkg.Lines[0]; l.UnitValue != 4_000_00 || l.Valuation.Currency != "GBP" || l.Valuation.Basis != assist.ReplacementCost {
		t.Errorf("the package's first line: %+v", l)
	}
	if l := pkg.Lines[1]; l.UnitValue != 450_000_00 || l.Valuation != (assist.Valuation{Basis: assist.PriceList, Source: "Price list 2024"}) {
		t.Errorf("the package's second line: %+v", l)
	}
	if !tanks.ValueUndisclosed || tanks.AmountValuation.Source != "Minister's statement" {
		t.Errorf("the tanks: %+v", tanks)
	}
	var first bytes.Buffer
	if _, err := exchange.WritePledges(&first, ps); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{",USD,1081300.00,1.0813,2023-12-29,official,\"DoD release, 29 December 2023\",", ",GBP,3479.16,0.86979,2023-12-31,replacement_cost,MoD written answer,"} {
		if !strings.Contains(first.String(), want) {
			t.Errorf("the export lacks %q:\n%s", want, first.String())
		}
	}
	again := func(file []byte) string {
		t.Helper()
		im, db := importer(t)
		if res, err := im.Import(ctx, "pledges", bytes.NewReader(file), false); err != nil || res.Created != 3 {
			t.Fatalf("the export back: %+v %s", res, problems(err))
		}
		ps, err := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := exchange.WritePledges(&out, ps); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if got := again(first.Bytes()); got != first.String() {
		t.Errorf("the CSV export imported and exported again differs:\n%s\nwas\n%s", got, first.String())
	}
	book, err := exchange.ToXLSX(first.Bytes(), "pledges", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := again(book); got != first.String() {
		t.Errorf("the workbook imported and exported again differs:\n%s\nwas\n%s", got, first.String())
	}
}

// TestProvenanceProblemsByLineAndColumn: every problem of a valuation is
// named by its line and its column, at once, and nothing is imported.
func TestProvenanceProblemsByLineAndColumn(t *testing.T) {
	ctx := storetest.Ctx()
	im, db := importer(t)
	csv := "pledge_ref,nation,title,kind,channel,category,announced,promised,amount_eur,amount_currency,amount_original,amount_rate,amount_rate_date,amount_basis,nsn,quantity,unit_value_eur,unit_currency,unit_original,unit_rate,unit_rate_date,unit_basis\n" +
		"F,USA,Fund,funds,bilateral,equipment_purchase,2025-01-10,2025-12-31,990000.00,USD,1081300.00,1.0813,2023-12-29,official,,,,,,,,\n" +
		"G,USA,Fund,funds,bilateral,equipment_purchase,2025-01-10,2025-12-31,,US$,\"1,250\",1/3,2023-13-01,guess,,,,,,,,\n" +
		"K,GBR,Kit,in_kind,bilateral,in_kind,2025-01-10,2025-06-30,,,,,,,1320-12-345-6789,10,,GBP,abc,,2025-03-02,\n" +
		"L,GBR,Kit,in_kind,bilateral,in_kind,2025-01-10,2025-06-30,,,,,,,,,,GBP,,,,\n"
	_, err := im.Import(ctx, "pledges", strings.NewReader(csv), false)
	got := problems(err)
	for _, want := range []string{
		"line 2.amount: USD 1,081,300.00 at 1.0813 per euro is EUR 1,000,000.00, not EUR 990,000.00",
		"line 3.amount_currency:", "line 3.amount_original:", "line 3.amount_rate:", "line 3.amount_rate_date:", "line 3.amount_basis:",
		"line 4.unit_original:", "line 4.unit_rate:", "line 4.unit_rate_date: 2025-03-02 is after today",
		"line 5.unit_currency:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the problems lack %q:\n%s", want, got)
		}
	}
	if ps, _ := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01"); len(ps) != 0 {
		t.Errorf("a refused import added %d pledges", len(ps))
	}
}
