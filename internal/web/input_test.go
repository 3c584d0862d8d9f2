package web_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestAPIRefusesHostileInput holds every write and query to a clear 4xx
// problem naming the field for input that once panicked, answered 500, was
// stored altered, or was answered as if it were a question.
func TestAPIRefusesHostileInput(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			p := e.do("POST", "/api/v1/pledges", "application/json", goodPledge).json(t)
			line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
			path := fmt.Sprintf("/api/v1/pledges/%d", int64(p["id"].(float64)))
			if r := e.do("POST", path+"/commit", "application/json", fmt.Sprintf(`{"line":%d,"quantity":40}`, line)); r.status != 200 {
				t.Fatalf("commit: %d %s", r.status, r.body)
			}
			pledge := func(title string) string {
				return strings.Replace(goodPledge, `"Spring package"`, title, 1)
			}
			requirement := func(notes string) string {
				return `{"nsn":"1320-12-345-6789","quantity":1,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV","notes":` + notes + `}`
			}
			// A cursor the server gave out, with its sort value made an array.
			e.do("POST", "/api/v1/pledges", "application/json", goodPledge)
			next, _ := e.do("GET", "/api/v1/pledges?limit=1", "", "").json(t)["next"].(string)
			raw, err := base64.RawURLEncoding.DecodeString(next)
			if err != nil || next == "" {
				t.Fatalf("cursor %q: %v", next, err)
			}
			var c map[string]any
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			c["v"] = []any{1, 2}
			raw, _ = json.Marshal(c)
			cursor := base64.RawURLEncoding.EncodeToString(raw)
			items := "nsn,name,capability,unit_of_issue,unit_value_eur\n"
			big := items + strings.Repeat("9999-12-345-6789,"+strings.Repeat("x", 4000)+",ammunition,EA,1.00\n", 33<<20/4000)
			cases := []struct {
				name, method, path, ctype, body string
				status                          int
				field                           string
			}{
				{"NUL in a title", "POST", "/api/v1/pledges", "application/json", pledge(`"Spring\u0000package"`), 422, "title"},
				{"invalid UTF-8 in a title", "POST", "/api/v1/pledges", "application/json", pledge("\"Spring \xff package\""), 422, "title"},
				{"lone surrogate in a title", "POST", "/api/v1/pledges", "application/json", pledge(`"Spring \ud800 package"`), 422, "title"},
				{"lone low surrogate in a title", "POST", "/api/v1/pledges", "application/json", pledge(`"Spring \udc00 package"`), 422, "title"},
				{"title of zero-width spaces", "POST", "/api/v1/pledges", "application/json", pledge(`"\u200b\u200b\u2060"`), 422, "title"},
				{"bell in notes", "POST", "/api/v1/requirements", "application/json", requirement(`"ring \u0007"`), 422, "notes"},
				{"NUL in a nested field", "POST", "/api/v1/pledges", "application/json", strings.Replace(goodPledge, `"1410-01-234-5678"`, `"1410-01-234-5678\u0000"`, 1), 422, "lines[1].nsn"},
				{"JSON array body", "POST", "/api/v1/pledges", "application/json", `[` + goodPledge + `]`, 400, ""},
				{"allocate to an unknown requirement", "POST", path + "/allocate", "application/json", fmt.Sprintf(`{"line":%d,"quantity":1,"requirement":99999}`, line), 422, "requirement"},
				{"departure that is not a time", "POST", "/api/v1/shipments", "application/json", `{"origin":"DE-DEPOT","destination":"UA-KYIV","planned_departure":"tomorrow","lines":[]}`, 422, "planned_departure"},
				{"cursor holding an array", "GET", "/api/v1/pledges?cursor=" + cursor, "", "", 422, "cursor"},
				{"lessons from no date", "GET", "/api/v1/lessons?from=notadate", "", "", 422, "from"},
				{"IATI for year 0", "GET", "/api/v1/reports/iati?year=0", "", "", 422, "year"},
				{"contributions for year 99999", "GET", "/api/v1/contributions?year=99999", "", "", 422, "year"},
				{"digest ending before it starts", "GET", "/api/v1/lessons/digest?from=2025-03-01&to=2025-01-01&format=pdf", "", "", 422, "to"},
				{"digest from no date", "GET", "/api/v1/lessons/digest?from=x&to=2025-01-01&format=pdf", "", "", 422, "from"},
				{"CSV with an unterminated quote", "POST", "/api/v1/import/items", "text/csv", items + "\"9999-12-345-6789,x,ammunition,EA,1.00\n", 422, "line 2"},
				{"CSV with NUL in a cell", "POST", "/api/v1/import/items", "text/csv", items + "9999-12-345-6789,x\x00y,ammunition,EA,1.00\n", 422, "line 2.name"},
				{"CSV neither UTF-8 nor Windows-1252", "POST", "/api/v1/import/items", "text/csv", items + "9999-12-345-6789,x\x81y,ammunition,EA,1.00\n", 422, "line 2"},
				{"network CSV with an unterminated quote", "POST", "/api/v1/network/import", "text/csv", "record,code\n\"site,X\n", 422, ""},
				{"CSV over 32 MiB", "POST", "/api/v1/import/items", "text/csv", big, 413, ""},
			}
			before := e.fingerprint()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					res := e.do(c.method, c.path, c.ctype, c.body)
					if res.status != c.status {
						t.Fatalf("status %d, want %d: %.300s", res.status, c.status, res.body)
					}
					if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("content type %q", ct)
					}
					prob := res.json(t)
					detail, _ := prob["detail"].(string)
					if prob["status"] != float64(c.status) || detail == "" {
						t.Errorf("problem: %v", prob)
					}
					if strings.Contains(detail, "parsing time") || strings.Contains(detail, "json:") {
						t.Errorf("problem shows a parser's own error: %s", detail)
					}
					if c.field != "" && !problemNames(prob, c.field) {
						t.Errorf("problem does not name field %s: %s", c.field, res.body)
					}
					if after := e.fingerprint(); after != before {
						t.Error("the database changed")
					}
				})
			}
		})
	}
}

// TestUIRefusesHostileText holds the forms to the same text rule as the API.
func TestUIRefusesHostileText(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			before := e.fingerprint()
			for _, c := range []struct{ name, value, field string }{
				{"NUL", "Logistics\x00node", "name"},
				{"invalid UTF-8", "Logistics \xff node", "name"},
				{"escape", "Logistics \x1b[31m node", "name"},
			} {
				t.Run(c.name, func(t *testing.T) {
					form := url.Values{"code": {"RO-LENR"}, "name": {c.value}, "nation": {"rou"}, "kinds": {"logistics_hub"}, "lat": {"47.6875"}, "lon": {"26.3541"}}
					r := e.do("POST", "/sites", "application/x-www-form-urlencoded", form.Encode(), "Accept", "text/html")
					if r.status != 422 || !strings.Contains(string(r.body), c.field) {
						t.Errorf("status %d: %.300s", r.status, r.body)
					}
				})
			}
			form := url.Values{"code": {"RO-LENR"}, "name": {"\u200b\u200b"}, "nation": {"rou"}, "kinds": {"logistics_hub"}, "lat": {"47.6875"}, "lon": {"26.3541"}}
			if r := e.do("POST", "/sites", "application/x-www-form-urlencoded", form.Encode()); r.status != 422 || !strings.Contains(string(r.body), `data-field="name"`) {
				t.Errorf("name of zero-width spaces: %d", r.status)
			}
			if after := e.fingerprint(); after != before {
				t.Error("the database changed")
			}
		})
	}
}
