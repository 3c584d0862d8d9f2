package web_test

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestTheDonorsReportedDeliveriesHaveTheirPlace: what a tracker quotes the
// donor as having delivered imports into its own column, shows on the
// pledge's page beside what receipts confirm, exports again, changes by
// the report action, and counts in no delivered total.
func TestTheDonorsReportedDeliveriesHaveTheirPlace(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	file := "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity,unit_value_eur,reported_delivered\n" +
		"A,DEU,Rounds as reported,in_kind,bilateral,in_kind,2025-01-01,2025-06-30," + storetest.NSN155 + ",100,4000.00,60\n" +
		"B,DEU,Ten rounds,in_kind,bilateral,in_kind,2025-01-01,2025-06-30," + storetest.NSN155 + ",10,4000.00,11\n"
	r := e.do("POST", "/api/v1/import/pledges", "text/csv", file)
	if r.status != 422 || !strings.Contains(string(r.body), "line 3.reported_delivered") {
		t.Fatalf("11 reported of 10 pledged: %d %s", r.status, r.body)
	}
	file = strings.Replace(file, ",10,4000.00,11\n", ",10,4000.00,\n", 1)
	if r = e.do("POST", "/api/v1/import/pledges", "text/csv", file); r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	exp := string(e.do("GET", "/api/v1/export/pledges?q=reported", "", "").body)
	if !strings.Contains(exp, ",reported_delivered,") || !strings.Contains(exp, ",4000.00,,,,,,,60,0,0,0,0,0,0\n") {
		t.Errorf("the export lacks the donor's figure:\n%s", exp)
	}
	list := e.do("GET", "/api/v1/pledges?q=reported", "", "").json(t)
	id := int64(list["items"].([]any)[0].(map[string]any)["id"].(float64))
	p := e.do("GET", "/api/v1/pledges/"+strconv.FormatInt(id, 10), "", "")
	line := p.json(t)["lines"].([]any)[0].(map[string]any)
	if line["reported_delivered"] != float64(60) || line["delivered"] != float64(0) {
		t.Errorf("the pledge's line: %v", line)
	}
	page := html.UnescapeString(string(e.do("GET", "/pledges/"+strconv.FormatInt(id, 10), "", "").body))
	if !strings.Contains(page, "Donor reports delivered") || !strings.Contains(page, `<td class="num q-reported">60</td>`) {
		t.Errorf("the pledge's page does not show the donor's figure")
	}
	figures := func() string {
		d := e.do("GET", "/api/v1/dashboard", "", "").json(t)
		return fmt.Sprint(d["totals"], d["by_nation"])
	}
	dash := figures()
	r = e.do("POST", "/api/v1/pledges/"+strconv.FormatInt(id, 10)+"/report", "application/json", `{"line":`+strconv.FormatInt(int64(line["id"].(float64)), 10)+`,"quantity":75}`, "If-Match", p.header.Get("ETag"))
	if r.status != 200 || r.json(t)["lines"].([]any)[0].(map[string]any)["reported_delivered"] != float64(75) {
		t.Errorf("report 75: %d %s", r.status, r.body)
	}
	if after := figures(); after != dash {
		t.Errorf("the donor's report changed the dashboard:\n%s\nwas\n%s", after, dash)
	}
}

// TestDisclosingAQuantityCountsTheLine: a line of undisclosed quantity is
// disclosed through the API; the dashboard stops counting it among the
// undisclosed and counts its value, and it can be committed.
func TestDisclosingAQuantityCountsTheLine(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	file := "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity,unit_value_eur\n" +
		"A,DEU,Rounds of a number not said,in_kind,bilateral,in_kind,2025-01-01,2025-06-30," + storetest.NSN155 + ",undisclosed,4000.00\n"
	if r := e.do("POST", "/api/v1/import/pledges", "text/csv", file); r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	totals := func() map[string]any {
		return e.do("GET", "/api/v1/dashboard", "", "").json(t)["totals"].(map[string]any)
	}
	before := totals()
	p := e.do("GET", "/api/v1/pledges/1", "", "")
	line := strconv.FormatInt(int64(p.json(t)["lines"].([]any)[0].(map[string]any)["id"].(float64)), 10)
	if r := e.do("POST", "/api/v1/pledges/1/commit", "application/json", `{"line":`+line+`,"quantity":5}`); r.status != 422 || !strings.Contains(string(r.body), "disclose it") {
		t.Errorf("committing an undisclosed quantity: %d %s", r.status, r.body)
	}
	r := e.do("POST", "/api/v1/pledges/1/disclose", "application/json", `{"line":`+line+`,"quantity":250}`)
	if r.status != 200 {
		t.Fatalf("disclose: %d %s", r.status, r.body)
	}
	l := r.json(t)["lines"].([]any)[0].(map[string]any)
	if l["pledged"] != float64(250) || l["quantity_undisclosed"] != nil {
		t.Errorf("the disclosed line: %v", l)
	}
	after := totals()
	if fmt.Sprint(before["undisclosed"]) != "1" || fmt.Sprint(after["undisclosed"]) != "0" || fmt.Sprint(after["pledged"]) != "1000000.00" {
		t.Errorf("the dashboard's totals before %v, after %v", before, after)
	}
	if r := e.do("POST", "/api/v1/pledges/1/disclose", "application/json", `{"line":`+line+`,"quantity":300}`); r.status != 422 {
		t.Errorf("disclosing a known quantity again: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/pledges/1/commit", "application/json", `{"line":`+line+`,"quantity":250}`); r.status != 200 {
		t.Errorf("committing the disclosed line: %d %s", r.status, r.body)
	}
}

// TestThePageConfirmsAReportAndADisclosure: the pledge page's action form
// says what a report or a disclosure did, as it does for a commitment.
func TestThePageConfirmsAReportAndADisclosure(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	file := "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity,unit_value_eur\n" +
		"A,DEU,Rounds,in_kind,bilateral,in_kind,2025-01-01,2025-06-30," + storetest.NSN155 + ",undisclosed,4000.00\n"
	if r := e.do("POST", "/api/v1/import/pledges", "text/csv", file); r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	p := e.do("GET", "/api/v1/pledges/1", "", "").json(t)
	line := strconv.FormatInt(int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64)), 10)
	for i, c := range []struct{ action, quantity, want string }{
		{"disclose", "250", "Disclosed a quantity of 250 on line 1"},
		{"report", "40", "Recorded as reported delivered 40 on line 1"},
	} {
		r := e.do("POST", "/pledges/1/act", "application/x-www-form-urlencoded", fmt.Sprintf("version=%d&line=%s&action=%s&quantity=%s", i+1, line, c.action, c.quantity))
		if got := e.notice(r); r.status != 303 || got != c.want {
			t.Errorf("%s: %d, the page says %q, want %q", c.action, r.status, got, c.want)
		}
	}
}
