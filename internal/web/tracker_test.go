package web_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// trackerFile reads a file of the tracker-shaped dataset in
// testdata/tracker: pledges.csv holds one row per item, the rows of an
// aid entry grouped by its id and the entry's own columns on its first row
// only, dates known to the day, month, quarter, year or as a range, donors
// outside NATO (Austria, Switzerland, Ireland, Cyprus, Malta, Taiwan,
// India, China, Singapore) and the EU's instruments, money written as
// people write it, and values, quantities and unit values the donors did
// not disclose; totals.csv holds each donor's sums, worked out apart from
// Longhaul when the dataset was made.
func trackerFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tracker", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTrackerDatasetImportsWhole: the tracker-shaped dataset imports as it
// comes, as CSV and as a workbook, with no row refused; every donor's
// pledges, pledged value (to the cent) and pledges of undisclosed value
// on the dashboard are the dataset's own; and its export imports into an
// empty ledger to the same export.
func TestTrackerDatasetImportsWhole(t *testing.T) {
	pledges := trackerFile(t, "pledges.csv")
	want, err := csv.NewReader(strings.NewReader(trackerFile(t, "totals.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	load := func(body, contentType string) *apiEnv {
		e := newAPIEnv(t, storetest.SQLiteDSN(t))
		if r := e.do("POST", "/api/v1/import/items", "text/csv", trackerFile(t, "items.csv")); r.status != 201 {
			t.Fatalf("the items: %d %s", r.status, r.body)
		}
		// The dataset holds 35 aid entries, in 48 rows.
		if dry := e.do("POST", "/api/v1/import/pledges?dry_run=true", contentType, body); dry.status != 200 || dry.json(t)["created"] != float64(35) {
			t.Fatalf("the dry run: %d %.3000s", dry.status, dry.body)
		}
		if r := e.do("POST", "/api/v1/import/pledges", contentType, body); r.status != 201 || r.json(t)["created"] != float64(35) {
			t.Fatalf("the import: %d %.3000s", r.status, r.body)
		}
		return e
	}
	check := func(e *apiEnv, how string) {
		t.Helper()
		d := e.do("GET", "/api/v1/dashboard", "", "").json(t)
		got := map[string]map[string]any{}
		for _, n := range d["by_nation"].([]any) {
			n := n.(map[string]any)
			got[n["nation"].(string)] = n
		}
		for _, w := range want[1:] {
			g, ok := got[w[0]]
			if !ok {
				t.Errorf("%s: no figures for %s", how, w[0])
				continue
			}
			pledges, _ := strconv.Atoi(w[1])
			undisclosed, _ := strconv.Atoi(w[3])
			if g["pledges"] != float64(pledges) || g["pledged"] != w[2] || g["undisclosed"] != float64(undisclosed) {
				t.Errorf("%s: %s has %v pledges worth %v, %v undisclosed; the dataset says %s worth %s, %s undisclosed", how, w[0], g["pledges"], g["pledged"], g["undisclosed"], w[1], w[2], w[3])
			}
		}
		if len(got) != len(want)-1 {
			t.Errorf("%s: %d donors on the dashboard, the dataset has %d", how, len(got), len(want)-1)
		}
	}
	fromCSV := load(pledges, "text/csv")
	check(fromCSV, "as CSV")
	book, err := exchange.ToXLSX([]byte(pledges), "pledges", nil)
	if err != nil {
		t.Fatal(err)
	}
	check(load(string(book), web.XLSXType), "as a workbook")

	// Out and in again: the same ledger, to the last cell.
	out := fromCSV.do("GET", "/api/v1/export/pledges", "", "")
	again := newAPIEnv(t, storetest.SQLiteDSN(t))
	if r := again.do("POST", "/api/v1/import/items", "text/csv", trackerFile(t, "items.csv")); r.status != 201 {
		t.Fatal(r.status)
	}
	if r := again.do("POST", "/api/v1/import/pledges", "text/csv", string(out.body)); r.status != 201 {
		t.Fatalf("the export back: %d %.2000s", r.status, r.body)
	}
	check(again, "exported and imported again")
	if back := again.do("GET", "/api/v1/export/pledges", "", ""); string(back.body) != string(out.body) {
		t.Errorf("the export of the export differs:\n%.1500s\nfrom\n%.1500s", back.body, out.body)
	}
	for _, s := range []string{"undisclosed", "2022-03-04/2022-03-11", "2022-04-01/2022-05-15"} {
		if !strings.Contains(string(out.body), s) {
			t.Errorf("the export does not hold %q", s)
		}
	}
}
