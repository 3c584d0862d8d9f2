package exchange_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

const pledgeHead = "pledge_ref,nation,title,kind,channel,category,announced,promised,amount_eur,nsn,quantity,unit_value_eur\n"

// pledgeRows are two pledges, one with an accented title, as CSV rows.
const pledgeRows = "A,DEU,Päckchen für Charkiw,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1320-12-345-6789,10,\n" +
	"A,DEU,Päckchen für Charkiw,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1410-01-234-5678,2,450000.00\n" +
	"B,DNK,Fund,funds,trust_fund,trust_fund,2025-01-01,2025-12-31,1000000.00,,,\n"

// imported returns the pledges an import of file made in a new database,
// and the notices it gave.
func imported(t *testing.T, file []byte) ([]assist.Pledge, []string) {
	t.Helper()
	im, db := importer(t)
	ctx := storetest.Ctx()
	res, err := im.Import(ctx, "pledges", bytes.NewReader(file), false)
	if err != nil {
		t.Fatalf("import: %s", problems(err))
	}
	if res.Created != 2 {
		t.Fatalf("created %d pledges, want 2", res.Created)
	}
	ps, err := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	if err != nil {
		t.Fatal(err)
	}
	return ps, res.Notices
}

func TestImportReadsTheEncodingsAndSeparatorsExcelWrites(t *testing.T) {
	utf8CSV := pledgeHead + pledgeRows
	semicolons := strings.NewReplacer(",", ";").Replace(utf8CSV)
	cp1252, err := charmap.Windows1252.NewEncoder().String(semicolons)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(utf8CSV, ",", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		file    string
		notices []string
	}{
		"UTF-8":                           {utf8CSV, nil},
		"UTF-8 with a byte order mark":    {"\ufeff" + utf8CSV, nil},
		"Windows-1252 with semicolons":    {cp1252, []string{"read as Windows-1252 (Latin-1) and converted, from line 2 on", "separated by semicolons"}},
		"UTF-16 with tabs (Unicode text)": {utf16, []string{"read as UTF-16", "separated by tabs"}},
	} {
		t.Run(name, func(t *testing.T) {
			ps, notices := imported(t, []byte(c.file))
			if ps[0].Title != "Päckchen für Charkiw" || len(ps[0].Lines) != 2 || ps[0].Lines[1].UnitValue != 45000000 || ps[1].Amount != 100000000 {
				t.Errorf("pledges read as %q, %d lines, %+v", ps[0].Title, len(ps[0].Lines), ps[1].Amount)
			}
			if len(notices) != len(c.notices) {
				t.Fatalf("notices %q, want %d", notices, len(c.notices))
			}
			for i, want := range c.notices {
				if !strings.Contains(notices[i], want) {
					t.Errorf("notice %q, want it to say %q", notices[i], want)
				}
			}
		})
	}
}

// workbook builds an .xlsx as a person would in Excel: a title row, the
// header, dates as date cells and numbers as numbers.
func workbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportReadsAWorkbook(t *testing.T) {
	jan, jun := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	head := []any{"pledge_ref", "nation", "title", "kind", "channel", "category", "announced", "promised", "amount_eur", "nsn", "quantity", "unit_value_eur"}
	book := workbook(t, [][]any{
		{"Pledges of the spring, as the ministry sent them"},
		head,
		{"A", "DEU", "Päckchen für Charkiw", "in_kind", "bilateral", "in_kind", jan, jun, nil, "1320-12-345-6789", 10},
		{"A", "DEU", "Päckchen für Charkiw", "in_kind", "bilateral", "in_kind", jan, jun, nil, "1410-01-234-5678", 2, 450000},
		{},
		{"B", "DNK", "Fund", "funds", "trust_fund", "trust_fund", "2025-01-01", "2025-12-31", 1000000},
	})
	ps, notices := imported(t, book)
	if ps[0].Announced != "2025-01-01" || ps[0].Promised != "2025-06-30" || ps[0].Lines[0].Pledged != 10 || ps[0].Lines[1].UnitValue != 45000000 || ps[1].Amount != 100000000 {
		t.Errorf("from the workbook: %+v", ps)
	}
	if len(notices) != 0 {
		t.Errorf("notices %q", notices)
	}
	// Problems name the sheet's rows, every one of them at once.
	bad := workbook(t, [][]any{head,
		{"A", "DEU", "Package", "in_kind", "bilateral", "in_kind", jan, jun, nil, "1320-12-345-6789", "ten"},
		{"B", "XXX", "", "funds", "trust_fund", "trust_fund", "2025-01-01", "2025-12-31", 1000000},
	})
	im, _ := importer(t)
	_, err := im.Import(storetest.Ctx(), "pledges", bytes.NewReader(bad), false)
	n := 0
	for _, p := range fault.As(err).Problems {
		if p.Field == "row 2.quantity" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("row 2.quantity reported %d times: %s", n, problems(err))
	}
	for _, want := range []string{`row 2.quantity: "ten" is not a whole number`, "row 3.nation", "row 3.title: is required"} {
		if !strings.Contains(problems(err), want) {
			t.Errorf("problems %q, want %q", problems(err), want)
		}
	}
}

func TestEveryProblemOfARowAtOnce(t *testing.T) {
	im, _ := importer(t)
	_, err := im.Import(storetest.Ctx(), "items", strings.NewReader("nsn,name,unit_of_issue,unit_value_eur,mass_kg\n12-34,,EA,ten,abc\n"), false)
	got := problems(err)
	_, err = im.Import(storetest.Ctx(), "requirements", strings.NewReader("nsn,quantity,priority,need_by,delivery_site\n1320-12-345-6789,many,1,2025-06-01,XX-NOWHERE\n"), false)
	for _, want := range []string{"line 2.quantity", "line 2.delivery_site"} {
		if !strings.Contains(problems(err), want) {
			t.Errorf("requirement problems %q, want one of %s", problems(err), want)
		}
	}
	for _, want := range []string{"line 2.nsn", "line 2.name", "line 2.unit_value_eur", "line 2.mass_kg"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q, want one of %s", got, want)
		}
	}
	if strings.Count(got, "line 2.mass_kg") != 1 {
		t.Errorf("a field reported twice: %q", got)
	}
}

func TestDryRunSavesNothingAndSaysWhatItWouldAdd(t *testing.T) {
	im, db := importer(t)
	ctx := storetest.Ctx()
	before, _ := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	res, err := im.Import(ctx, "pledges", strings.NewReader(pledgeHead+pledgeRows), true)
	if err != nil {
		t.Fatal(problems(err))
	}
	if !res.DryRun || res.Created != 2 || len(res.Records) != 2 || res.Records[0].At != "lines 2-3" || !strings.Contains(res.Records[0].Summary, "DEU: Päckchen für Charkiw, 2 lines") {
		t.Errorf("dry run: %+v", res)
	}
	after, _ := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	if len(after) != len(before) {
		t.Errorf("a dry run saved %d pledges", len(after)-len(before))
	}
	if res, err := im.Import(ctx, "pledges", strings.NewReader(pledgeHead+pledgeRows), false); err != nil || res.Created != 2 {
		t.Errorf("the import after it: %+v %v", res, err)
	}
}

// TestWorkbookRoundTrip exports items, requirements and pledges as
// workbooks and imports them into an empty database: the same records
// come back.
func TestWorkbookRoundTrip(t *testing.T) {
	im, db := importer(t)
	ctx := storetest.Ctx()
	tricky := "=HYPERLINK(\"http://evil.example/\",\"x\")"
	csv := pledgeHead + pledgeRows + "C,POL," + `"` + strings.ReplaceAll(tricky, `"`, `""`) + `"` + ",in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1320-12-345-6789,1234567,\n"
	if _, err := im.Import(ctx, "pledges", strings.NewReader(csv), false); err != nil {
		t.Fatal(problems(err))
	}
	ps, _ := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	var out bytes.Buffer
	if _, err := exchange.WritePledges(&out, ps); err != nil {
		t.Fatal(err)
	}
	book, err := exchange.ToXLSX(out.Bytes(), "pledges", nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue("pledges", "A1"); v != "NATO UNCLASSIFIED" {
		t.Errorf("A1 is %q, want the marking", v)
	}
	head, _ := f.GetRows("pledges")
	col := func(name string) string {
		for i, h := range head[1] {
			if h == name {
				c, _ := excelize.ColumnNumberToName(i + 1)
				return c
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	Q, C := col("quantity"), col("title")
	row := 0
	for r := 3; r < 7; r++ {
		if v, _ := f.GetCellValue("pledges", fmt.Sprintf("%s%d", C, r)); v == tricky {
			row = r
		}
	}
	if row == 0 {
		t.Fatal("the formula-like title is not in the workbook as text")
	}
	if formula, _ := f.GetCellFormula("pledges", fmt.Sprintf("%s%d", C, row)); formula != "" {
		t.Errorf("a title became the formula %q", formula)
	}
	if raw, _ := f.GetCellValue("pledges", fmt.Sprintf("%s%d", Q, row), excelize.Options{RawCellValue: true}); raw != "1234567" {
		t.Errorf("a quantity is stored as %q", raw)
	}
	if shown, _ := f.GetCellValue("pledges", fmt.Sprintf("%s%d", Q, row)); shown != "1,234,567" {
		t.Errorf("a quantity shows as %q, want thousands separators", shown)
	}
	f.Close()
	im2, db2 := importer(t)
	res, err := im2.Import(ctx, "pledges", bytes.NewReader(book), false)
	if err != nil || res.Created != 3 {
		t.Fatalf("the workbook back: %+v %s", res, problems(err))
	}
	back, _ := db2.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	for i := range ps {
		a, b := ps[i], back[len(back)-len(ps)+i]
		if a.Title != b.Title || a.Nation != b.Nation || a.Amount != b.Amount || len(a.Lines) != len(b.Lines) || a.Announced != b.Announced {
			t.Errorf("pledge %d came back as %+v, was %+v", i, b, a)
		}
	}
	if back[len(back)-1].Title != tricky {
		t.Errorf("the formula-like title came back as %q", back[len(back)-1].Title)
	}
	// Items the same way.
	items, _ := db.AllItems(ctx, catalog.ItemFilter{})
	out.Reset()
	exchange.WriteItems(&out, items[:3])
	book, err = exchange.ToXLSX(out.Bytes(), "items", nil)
	if err != nil {
		t.Fatal(err)
	}
	im3, db3 := importerEmptyCatalog(t)
	if res, err := im3.Import(ctx, "items", bytes.NewReader(book), false); err != nil || res.Created != 3 {
		t.Fatalf("items back: %+v %s", res, problems(err))
	}
	got, _ := db3.AllItems(ctx, catalog.ItemFilter{})
	for i := range 3 {
		if got[i] != items[i] && (got[i].NSN != items[i].NSN || got[i].UnitValue != items[i].UnitValue || got[i].MassG != items[i].MassG || got[i].Name != items[i].Name) {
			t.Errorf("item %d came back as %+v, was %+v", i, got[i], items[i])
		}
	}
}

// importerEmptyCatalog is an importer over a database with the reference
// data and no items.
func importerEmptyCatalog(t *testing.T) (*exchange.Importer, *store.DB) {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteDSN(t), storetestNow())
	cat := &catalog.Service{Store: store.Catalog{DB: db}}
	return &exchange.Importer{Store: exchange.Over[*store.Tx](db), Catalog: cat, Assist: &assist.Service{Store: store.Assist{DB: db}}}, db
}
