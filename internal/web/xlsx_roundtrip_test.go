package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// awkward are files of each importable kind whose values are the ones a
// conversion to a workbook gets wrong: text in any script, with quotes,
// commas, line breaks and a formula's first character; codes and
// references with leading zeros; negative, large and small numbers with
// their decimals; dates of a year, a month, a quarter and a range; empty
// and undisclosed cells; a percentage in a cell of its own; text a
// workbook would take for an escaped character, and a character XML
// cannot hold.
var awkward = map[string][][]string{
	"network": {
		exchange.NetworkColumns,
		{"site", "UA-ODESA", `Одеса – "Порт", причал 7`, "UKR", "delivery_point", "46.482500", "30.723300", "", "", "", "", "", "", "", "", "", "Zugang über Tor 3\nnur werktags, 08:00–16:00 \uFFFE"},
		{"site", "GB-DEP2", "Depot 'Bicester', Oxfordshire", "GBR", "donor_depot", "51.900000", "-1.150000", "", "", "", "", "", "", "", "", "", `=HYPERLINK("http://evil.example")`},
		{"site", "PL-0042", "Hub „Zwei“ – Łódź", "POL", "logistics_hub donor_depot", "51.759200", "19.456000", "12000", "350000", "48", "", "", "", "", "", "", "100%"},
		{"site", "US-0007", "Depot 007, \"Yuma\"", "USA", "donor_depot", "-0.000001", "-114.624000", "", "", "", "", "", "", "", "", "", "-"},
		{"link", "", "", "", "", "", "", "", "", "", "PL-0042", "UA-ODESA", "road", "36", "1200", "80", `via "Korczowa", 1,250 km`},
		{"link", "", "", "", "", "", "", "", "", "", "GB-DEP2", "PL-0042", "air", "1000000", "0", "0", "'quoted"},
	},
	"items": {
		{"nsn", "name", "capability", "unit_of_issue", "unit_value_eur", "mass_kg", "volume_m3", "group"},
		{"1005-01-000-0042", `Gewehr „G36“, 5,56 mm – "Sturmgewehr"`, "small_arms", "EA", "987654321098.76", "3.600", "0.012000", "007-GROUP"},
		{"6545-00-000-0007", "=1+1 first aid", "medical", "KT", "0.05", "0.001", "0.000001", ""},
		{"8470-12-100-0008", "-Weste, ballistisch (Klasse IV)", "other", "EA", "1250.50", "1000000.000", "1000000.000000", "007-GROUP"},
		{"2350-12-100-0123", "坦克 Ⅱ 🚚 _x0041_", "armour", "EA", "0.00", "0.000", "0.000000", "0123"},
	},
	"requirements": {
		{"nsn", "group", "quantity", "priority", "need_by", "delivery_site", "notes", "classification", "releasable_to"},
		{"1005-01-000-0042", "", "1000000", "1", "2026-03-31", "UA-ODESA", "Für die 3. Brigade:\n\"dringend\", 50% bis März", "NATO UNCLASSIFIED", ""},
		{"", "007-GROUP", "12", "4", "2026-12-31", "UA-ODESA", "'quoted", "NATO RESTRICTED", "UKR POL"},
		{"2350-12-100-0123", "", "3", "2", "2026-06-30", "UA-ODESA", "", "NATO UNCLASSIFIED", ""},
		{"6545-00-000-0007", "", "7", "3", "2025-10-15", "UA-ODESA", "für Sanitäter, \"sofort\"", "NATO UNCLASSIFIED", ""},
	},
	"pledges": {
		{"pledge_ref", "nation", "title", "description", "kind", "aid", "instrument", "channel", "category", "announced", "promised", "reference", "depot", "amount_eur", "value_undisclosed", "classification", "releasable_to", "nsn", "quantity", "unit_value_eur"},
		{"X1", "CHE", "Schweizer „Winterhilfe“, Teil 2", "Zeile 1\nZeile 2, mit \"Anführungszeichen\"\r\nund einem Wagenrücklauf", "in_kind", "humanitarian", "grant", "bilateral", "in_kind", "2022", "2023", "00042", "GB-DEP2", "", "", "NATO UNCLASSIFIED", "", "1005-01-000-0042", "undisclosed", "1234567.89"},
		{"X1", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "6545-00-000-0007", "1000000", "undisclosed"},
		{"X2", "CHE", "Minenräumung", "", "in_kind", "military", "grant", "bilateral", "in_kind", "2024", "2025", "2024", "", "", "", "NATO UNCLASSIFIED", "", "2350-12-100-0123", "2", "0.01"},
		{"X3", "EUU", "-5 % on the EPF tranche", "", "funds", "military", "loan", "european_peace_facility", "equipment_purchase", "2022-03-04/2022-03-11", "2023-Q4", "=SUM(A1:A9)", "", "999999999999.99", "", "NATO RESTRICTED", "UKR DEU", "", "", ""},
		{"X4", "TWN", "台灣 援助 🚚", "12.5%", "funds", "financial", "guarantee", "multilateral", "trust_fund", "2023-02", "2023-12", "1,250", "", "", "yes", "NATO UNCLASSIFIED", "", "", "", ""},
		{"X5", "IND", "@Delhi: medical kits", "'", "in_kind", "humanitarian", "grant", "bilateral", "in_kind", "2025-01-15", "2025-02-28", "", "PL-0042", "", "", "NATO UNCLASSIFIED", "", "6545-00-000-0007", "7", "0.05"},
	},
}

// awkwardFile is the awkward file of kind as CSV.
func awkwardFile(t *testing.T, kind string) string {
	t.Helper()
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	if err := cw.WriteAll(awkward[kind]); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// awkwardExports are values of the awkward files as each kind's export
// writes them, so that a test sees the awkward records are there.
var awkwardExports = map[string][]string{
	"/api/v1/network/export":      {",'-1.150000,", ",'-0.000001,'-114.624000,", `"Одеса – ""Порт"", причал 7"`, ",12000,350000,48,", "\nnur werktags", "16:00 \uFFFE"},
	"/api/v1/export/items":        {",987654321098.76,", "'=1+1 first aid", ",007-GROUP", ",0123", "🚚 _x0041_,"},
	"/api/v1/export/requirements": {",''quoted,", "Für die 3. Brigade:\n", ",1000000,"},
	"/api/v1/export/pledges":      {",undisclosed,1234567.89,", ",1000000,undisclosed,", ",2022,2023,00042,", ",2024,2025,2024,", ",999999999999.99,", "2022-03-04/2022-03-11,2023-Q4,'=SUM(A1:A9)", "台灣", `"1,250"`, ",yes,"},
}

// addAwkward imports the awkward files into the database of e.
func addAwkward(t *testing.T, e *apiEnv) {
	t.Helper()
	for _, k := range []struct{ kind, path string }{{"network", "/api/v1/network/import"}, {"items", "/api/v1/import/items"},
		{"requirements", "/api/v1/import/requirements"}, {"pledges", "/api/v1/import/pledges"}} {
		if r := e.do("POST", k.path, "text/csv", awkwardFile(t, k.kind)); r.status != 201 {
			t.Fatalf("import the awkward %s: %d %s", k.kind, r.status, r.body)
		}
	}
	for path, values := range awkwardExports {
		out := string(e.do("GET", path, "", "").body)
		for _, v := range values {
			if !strings.Contains(out, v) {
				t.Errorf("%s does not hold %q:\n%s", path, v, out)
			}
		}
	}
}

// shipAwkward commits and allocates the line of the awkward pledge of
// India to the awkward requirement of its item, and ships it, so that
// the shipments hold an item of an awkward name: 3 delivered, 4 on their
// way.
func shipAwkward(t *testing.T, e *apiEnv) {
	t.Helper()
	id := func(path string) (int64, map[string]any) {
		items := e.do("GET", path, "", "").json(t)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("%s: %d records, want 1", path, len(items))
		}
		m := items[0].(map[string]any)
		return int64(m["id"].(float64)), m
	}
	pledge, _ := id("/api/v1/pledges?nation=IND")
	req, _ := id("/api/v1/requirements?nsn=6545-00-000-0007")
	p := e.do("GET", fmt.Sprintf("/api/v1/pledges/%d", pledge), "", "").json(t)
	line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
	for _, a := range []struct{ action, body string }{
		{"commit", fmt.Sprintf(`{"line":%d,"quantity":7}`, line)},
		{"allocate", fmt.Sprintf(`{"line":%d,"quantity":7,"requirement":%d}`, line, req)},
	} {
		if r := e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/%s", pledge, a.action), "application/json", a.body); r.status != 200 && r.status != 201 {
			t.Fatalf("%s: %d %s", a.action, r.status, r.body)
		}
	}
	e.ship(pledge, 7, 3)
	if out := string(e.do("GET", "/api/v1/shipments?format=csv", "", "").body); !strings.Contains(out, ",'=1+1 first aid,4,0,0.20,0.004,") {
		t.Errorf("the shipments do not hold the awkward item:\n%s", out)
	}
}

// csvRows are the records of a CSV export as an import takes their
// values: each cell with the quote Cell puts before a formula taken off.
// The comment lines before the header (the marking, a template's note)
// are a record each, holding the comment's text, as a workbook holds them
// in a row of their own; a comment line below the header (a template's
// example) is a record like any other, as it is a row of the workbook.
// head is the index of the header.
func csvRows(t *testing.T, body []byte) (rows [][]string, head int) {
	t.Helper()
	var out [][]string
	for bytes.HasPrefix(body, []byte("#")) {
		line, rest, _ := bytes.Cut(body, []byte("\n"))
		out = append(out, []string{strings.TrimSpace(strings.TrimPrefix(string(line), "#"))})
		body = rest
	}
	head = len(out)
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("the CSV export does not parse: %v", err)
	}
	for _, rec := range recs {
		for i, c := range rec {
			rec[i] = exchange.Uncell(c)
		}
		out = append(out, rec)
	}
	return out, head
}

// trimRow is rec without its empty cells at the end, which a sheet does
// not keep.
func trimRow(rec []string) []string {
	for len(rec) > 0 && rec[len(rec)-1] == "" {
		rec = rec[:len(rec)-1]
	}
	return rec
}

// plainColumns are numeric columns that are not amounts: shown as
// written, without thousands separators.
var plainColumns = map[string]bool{"year": true, "plan": true, "line": true, "pledge_line": true, "allocation": true, "priority": true}

// numberColumn reports whether a column holds amounts, quantities or
// measures, which a workbook must hold as numbers; every other column is
// text, a year-only date and a reference of digits included.
func numberColumn(h string) bool {
	for _, s := range []string{"_eur", "_usd", "_kg", "_m3", "_t", "_day", "_hours", "_ppm", "_pledges"} {
		if strings.HasSuffix(h, s) {
			return true
		}
	}
	switch h {
	case "quantity", "committed", "allocated", "shipped", "delivered", "accepted", "withdrawn", "received", "unmet", "days_late",
		"original_amount", "rate", "lat", "lon", "amount_original", "amount_rate", "unit_original", "unit_rate", "reported_delivered":
		return true
	}
	return plainColumns[h]
}

// sameAsWorkbook checks that the workbook an export gives with
// format=xlsx is the CSV it gives otherwise: read back as an import reads
// it, row for row and cell for cell the CSV's values; each number shown
// as the CSV writes it, with thousands separators (but for years and the
// numbers of records); amounts and quantities numbers, codes and dates
// text; the header row frozen.
func sameAsWorkbook(t *testing.T, e *apiEnv, path string) {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	c := e.do("GET", path+sep+"format=csv", "", "")
	x := e.do("GET", path+sep+"format=xlsx", "", "")
	if c.status != 200 || x.status != 200 {
		t.Fatalf("%s: CSV %d, workbook %d: %.300s %.300s", path, c.status, x.status, c.body, x.body)
	}
	want, head := csvRows(t, c.body)
	got, err := exchange.WorkbookRows(x.body)
	if err != nil {
		t.Fatalf("%s: the workbook cannot be read: %v", path, err)
	}
	if len(got) != len(want) {
		t.Errorf("%s: the workbook has %d rows, the CSV %d", path, len(got), len(want))
	}
	f := book(t, x)
	sheet := f.GetSheetList()[0]
	bad := 0
	for r := range min(len(got), len(want)) {
		g, w := trimRow(got[r]), trimRow(want[r])
		if len(g) != len(w) {
			t.Errorf("%s row %d: %d cells in the workbook, %d in the CSV:\n%q\n%q", path, r+1, len(g), len(w), g, w)
			bad++
		}
		for i := range min(len(g), len(w)) {
			col := ""
			if r > head && i < len(want[head]) {
				col = want[head][i]
			}
			if g[i] != w[i] {
				t.Errorf("%s row %d column %d (%s): the workbook reads %q, the CSV %q", path, r+1, i+1, col, g[i], w[i])
				bad++
				continue
			}
			if r <= head || w[i] == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, r+1)
			typ, _ := f.GetCellType(sheet, cell)
			number := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
			shown, _ := f.GetCellValue(sheet, cell)
			switch {
			case !number && numberColumn(col) && w[i] != "undisclosed":
				t.Errorf("%s %s (%s): the number %q is text", path, cell, col, w[i])
				bad++
			case number && !numberColumn(col):
				t.Errorf("%s %s (%s): %q is a number, shown as %q", path, cell, col, w[i], shown)
				bad++
			case !number && shown != w[i]:
				t.Errorf("%s %s (%s): the text shows as %q, the CSV has %q", path, cell, col, shown, w[i])
				bad++
			case number && plainColumns[col] && shown != w[i]:
				t.Errorf("%s %s (%s): the number shows as %q, the CSV has %q", path, cell, col, shown, w[i])
				bad++
			case number && !plainColumns[col] && shown != grouped(w[i]):
				t.Errorf("%s %s (%s): the number shows as %q, want %q", path, cell, col, shown, grouped(w[i]))
				bad++
			}
		}
		if bad > 8 {
			t.Errorf("%s: more differences not shown", path)
			return
		}
	}
	// The header row stays in view.
	p, err := f.GetPanes(sheet)
	if err != nil || !p.Freeze || p.YSplit != head+1 || p.TopLeftCell != fmt.Sprintf("A%d", head+2) {
		t.Errorf("%s: the panes are %+v (%v), want the first %d rows frozen", path, p, err, head+1)
	}
}

// grouped is a number as a workbook shows it: with thousands separators.
func grouped(n string) string {
	whole, frac, ok := strings.Cut(n, ".")
	s := money.Grouped(whole)
	if ok {
		s += "." + frac
	}
	return s
}

// TestEveryExportIsTheSameAsAWorkbook fetches every table export, as CSV
// and as a workbook, over the demo scenario with the awkward records
// added, and finds them the same: the workbook read back as an import
// reads it holds the CSV's rows cell for cell, its marking row included.
func TestEveryExportIsTheSameAsAWorkbook(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC)
			e := demoEnvOn(t, dsn(t), now)
			addAwkward(t, e)
			shipAwkward(t, e)
			if r := e.do("POST", "/api/v1/exchange-rates", "application/json", `{"currency":"NOK","year":2025,"per_eur":"11.734","source":"Norges Bank, \"årsgjennomsnitt\""}`); r.status != 201 {
				t.Fatalf("exchange rate: %d %s", r.status, r.body)
			}
			if r := e.do("POST", "/api/v1/contributions", "application/json",
				`{"nation":"NOR","date":"2025-03-01","category":"training","currency":"NOK","amount":"117000.05","evidence":"Faktura nr. 0012, \"Øvelse\"\nside 2","notes":"=2+2"}`); r.status != 201 {
				t.Fatalf("contribution: %d %s", r.status, r.body)
			}
			res := e.do("POST", "/api/v1/plans", "application/json", `{"horizon_days":90}`)
			if res.status != 201 {
				t.Fatalf("plan: %d %s", res.status, res.body)
			}
			plan := res.header.Get("Location")
			for _, path := range []string{
				"/api/v1/export/items", "/api/v1/export/requirements", "/api/v1/export/pledges", "/api/v1/export/progress", "/api/v1/network/export",
				"/api/v1/export/pledges?nation=CHE", "/api/v1/export/items?group=007-GROUP",
				"/api/v1/shipments", "/api/v1/contributions", "/api/v1/accounts?year=2025", plan,
				"/transfer/export/pledges", "/transfer/template/items", "/transfer/template/requirements", "/transfer/template/pledges", "/transfer/template/progress",
			} {
				t.Run(strings.NewReplacer("/", " ", "?", " ").Replace(path), func(t *testing.T) { sameAsWorkbook(t, e, path) })
			}
		})
	}
}

// TestWorkbookExportsImportAsTheyWere exports the network, the items, the
// requirements and the pledges of a database as workbooks and imports them
// into an empty one: what that one exports is, byte for byte, what the
// first exported as CSV. The first holds the demo's sites and items and
// the awkward records, and no progress, which an import does not record.
func TestWorkbookExportsImportAsTheyWere(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC)
			src := emptyEnv(t, dsn(t), now)
			cs := catalog.Service{Store: store.Catalog{DB: src.db}}
			for _, s := range demo.Sites {
				if _, err := cs.CreateSite(storetest.Ctx(), s); err != nil {
					t.Fatal(err)
				}
			}
			for _, it := range demo.Items {
				if _, err := cs.CreateItem(storetest.Ctx(), it); err != nil {
					t.Fatal(err)
				}
			}
			addAwkward(t, src)
			dst := emptyEnv(t, dsn(t), now)
			for _, k := range []struct{ export, imp string }{
				{"/api/v1/network/export", "/api/v1/network/import"},
				{"/api/v1/export/items", "/api/v1/import/items"},
				{"/api/v1/export/requirements", "/api/v1/import/requirements"},
				{"/api/v1/export/pledges", "/api/v1/import/pledges"},
			} {
				sameAsWorkbook(t, src, k.export)
				x := src.do("GET", k.export+"?format=xlsx", "", "")
				if r := dst.do("POST", k.imp, web.XLSXType, string(x.body)); r.status != 201 {
					t.Fatalf("%s: the workbook imports with %d %s", k.imp, r.status, r.body)
				}
				want := src.do("GET", k.export, "", "").body
				if got := dst.do("GET", k.export, "", "").body; !bytes.Equal(got, want) {
					t.Errorf("%s: after the workbook's round trip the export is\n%s\nnot\n%s", k.export, got, want)
				}
			}
		})
	}
}

// TestWorkbookOpeningBalanceKeepsProgress moves the demo's ledger, with
// the awkward records and all their progress, into an empty database as
// workbooks, the requirements, pledges and progress as an opening
// balance: every export of the copy is the source's CSV, byte for byte.
func TestWorkbookOpeningBalanceKeepsProgress(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Date(2025, 10, 1, 9, 0, 0, 0, time.UTC)
			src := demoEnvOn(t, dsn(t), now)
			addAwkward(t, src)
			shipAwkward(t, src)
			dst := emptyEnv(t, dsn(t), now)
			for _, k := range []struct{ export, imp string }{
				{"/api/v1/network/export", "/api/v1/network/import"},
				{"/api/v1/export/items", "/api/v1/import/items"},
				{"/api/v1/export/requirements", "/api/v1/import/requirements?opening=true"},
				{"/api/v1/export/pledges", "/api/v1/import/pledges?opening=true"},
				{"/api/v1/export/progress", "/api/v1/import/progress?opening=true"},
			} {
				x := src.do("GET", k.export+"?format=xlsx", "", "")
				if r := dst.do("POST", k.imp, web.XLSXType, string(x.body)); r.status != 201 {
					t.Fatalf("%s: the workbook imports with %d %s", k.imp, r.status, r.body)
				}
			}
			for _, path := range []string{"/api/v1/export/items", "/api/v1/export/requirements", "/api/v1/export/pledges", "/api/v1/export/progress"} {
				want := src.do("GET", path, "", "").body
				if got := dst.do("GET", path, "", "").body; !bytes.Equal(got, want) {
					t.Errorf("%s: after the opening balance the export is\n%s\nnot\n%s", path, got, want)
				}
			}
			if r := dst.do("GET", "/api/v1/check", "", ""); r.status != 200 || r.json(t)["ok"] != true {
				t.Errorf("check after the opening balance: %d %.500s", r.status, r.body)
			}
		})
	}
}

// emptyEnv is a running server over an empty database, its clock at now.
func emptyEnv(t *testing.T, dsn string, now time.Time) *apiEnv {
	t.Helper()
	e := newAPIEnvOver(t, storetest.Open(t, dsn, now))
	e.now = now
	e.token = e.user("rt-coordinator", "DEU", access.Secret, access.Coordinator)
	return e
}
