package web_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// badPledge breaks nearly every field of a pledge at once.
var badPledge = url.Values{"nation": {"XXX"}, "title": {""}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
	"announced": {"2025-13-01"}, "promised": {"soon"}, "classification": {"NATO RESTRICTED"}, "releasable_to": {"ZZZ"},
	"line_nsn": {"1320-12-345-678"}, "line_quantity": {"abc"}, "line_unit_value": {"1,250"}}

var badPledgeFields = []string{"nation", "title", "announced", "promised", "releasable_to", "lines[0].nsn", "lines[0].quantity", "lines[0].unit_value"}

// TestEveryProblemOfAPledgeInOneRound: the pledge form and the API report
// every problem of a pledge at once, each at its field, and the form keeps
// what was typed; before, a bad pledge took three submissions.
func TestEveryProblemOfAPledgeInOneRound(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("form-coordinator", "DEU", access.Secret, access.Coordinator)
	cookie := sessionOf(t, e.signIn("form-coordinator", testPassword))
	form := url.Values{}
	for k, v := range badPledge {
		form[k] = v
	}
	form.Set("csrf", e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string))
	before := e.fingerprint()
	page := e.do("POST", "/pledges", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "", "Cookie", cookie)
	if page.status != 422 {
		t.Fatalf("the form: %d", page.status)
	}
	marked := map[string]bool{}
	for _, m := range regexp.MustCompile(`data-field="([^"]+)"`).FindAllStringSubmatch(string(page.body), -1) {
		marked[m[1]] = true
	}
	for _, f := range badPledgeFields {
		if !marked[f] {
			t.Errorf("the form does not mark %s: marks %v", f, marked)
		}
	}
	body := html.UnescapeString(string(page.body))
	for _, typed := range []string{`value="XXX"`, `value="2025-13-01"`, `value="soon"`, `value="ZZZ"`, `value="1320-12-345-678"`, `value="abc"`, `value="1,250"`} {
		if !strings.Contains(body, typed) {
			t.Errorf("the form lost what was typed: no %s", typed)
		}
	}
	api := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"XXX","title":"","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2025-13-01","promised":"soon",
		"classification":"NATO RESTRICTED","releasable_to":["ZZZ"],"lines":[{"nsn":"1320-12-345-678","quantity":5,"unit_value":"1,250"}]}`)
	got := map[string]bool{}
	for _, p := range api.json(t)["errors"].([]any) {
		got[p.(map[string]any)["field"].(string)] = true
	}
	for _, f := range badPledgeFields {
		if f != "lines[0].quantity" && !got[f] {
			t.Errorf("the API does not name %s: names %v", f, got)
		}
	}
	if e.fingerprint() != before {
		t.Error("a refused pledge changed the database")
	}
}

// TestAllocateOffersOnlyWhatALineCanMeet: on a pledge's page, each line's
// allocate list holds only the open requirements its item can meet (the
// same NSN, or the same group), named with the item and the site beside
// their codes; before, every line offered every requirement.
func TestAllocateOffersOnlyWhatALineCanMeet(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	for _, body := range []string{
		`{"nsn":"1320-12-345-6789","quantity":40,"priority":2,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`,
		`{"nsn":"1410-01-234-5678","quantity":4,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`,
	} {
		if r := e.do("POST", "/api/v1/requirements", "application/json", body); r.status != 201 {
			t.Fatalf("requirement: %d %s", r.status, r.body)
		}
	}
	p := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Mixed","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2025-02-01","promised":"2025-04-30",
		"lines":[{"nsn":"1320-14-111-2222","quantity":100},{"nsn":"1410-01-234-5678","quantity":10}]}`)
	if p.status != 201 {
		t.Fatalf("pledge: %d %s", p.status, p.body)
	}
	id := int64(p.json(t)["id"].(float64))
	page := html.UnescapeString(string(e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "").body))
	options := func(line int) string {
		m := regexp.MustCompile(`(?s)aria-label="requirement for line ` + fmt.Sprint(line) + `">(.*?)</select>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no allocate list for line %d", line)
		}
		return m[1]
	}
	// Line 1 is another 155 mm round of the same group: R-00001 (155 mm), not R-00002 (Stinger).
	if l1 := options(1); !strings.Contains(l1, "R-00001 · Cartridge, 155 mm HE M795 (1320-12-345-6789) ·") || strings.Contains(l1, "R-00002") || !strings.Contains(l1, "Kyiv delivery point (UA-KYIV)") {
		t.Errorf("line 1 offers %s", l1)
	}
	if l2 := options(2); !strings.Contains(l2, "R-00002 · Guided missile, Stinger (1410-01-234-5678) ·") || strings.Contains(l2, "R-00001") {
		t.Errorf("line 2 offers %s", l2)
	}
}

// TestPledgesHaveADescription: a pledge keeps a long description beside
// its short title and several sources, one a line; a PUT that leaves the
// description out keeps it, and the CSV export carries it back in.
func TestPledgesHaveADescription(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	long := strings.Repeat("Leopard 1A5 tanks from industry stocks, refurbished in Germany and Denmark. ", 40)
	sources := "https://www.bmvg.de/de/aktuelles\nhttps://www.fmn.dk/en/news"
	r := e.do("POST", "/api/v1/pledges", "application/json", fmt.Sprintf(`{"nation":"DEU","title":"Leopard 1A5","description":%q,"reference":%q,"kind":"in_kind","channel":"coalition","category":"in_kind","announced":"2023-02-07","promised":"2025-12-31","amount":"1.00"}`, long, sources))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	j := r.json(t)
	id := int64(j["id"].(float64))
	if j["description"] != strings.TrimSpace(long) || j["reference"] != sources {
		t.Errorf("description or sources lost: %.80v / %v", j["description"], j["reference"])
	}
	put := e.do("PUT", fmt.Sprintf("/api/v1/pledges/%d", id), "application/json", `{"title":"Leopard 1A5 (coalition)","kind":"in_kind","channel":"coalition","category":"in_kind","announced":"2023-02-07","promised":"2025-12-31","amount":"1.00"}`,
		"If-Match", fmt.Sprintf(`"%d"`, int64(j["version"].(float64))))
	if put.status != 200 || put.json(t)["description"] != strings.TrimSpace(long) {
		t.Errorf("a PUT without the description: %d, description %.60v", put.status, put.json(t)["description"])
	}
	csv := e.do("GET", "/api/v1/export/pledges?nation=DEU", "", "")
	if !strings.Contains(string(csv.body), "pledge_ref,nation,title,description,") || !strings.Contains(string(csv.body), "refurbished in Germany and Denmark") {
		t.Errorf("the export lacks the description: %.300s", csv.body)
	}
	pr := e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "")
	page := html.UnescapeString(string(pr.body))
	if !strings.Contains(page, "refurbished in Germany and Denmark") || !strings.Contains(page, "https://www.fmn.dk/en/news") {
		t.Errorf("the pledge's page does not show its description and sources: %d %.300s", pr.status, regexp.MustCompile(`(?s)<dl class="facts">.*?</dl>`).FindString(page))
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", fmt.Sprintf(`{"nation":"DEU","title":"Too long","description":%q,"kind":"funds","channel":"bilateral","category":"operational","announced":"2023-02-07","promised":"2025-12-31","amount":"1.00"}`, strings.Repeat("x", 10001))); r.status != 422 || r.json(t)["field"] != "description" {
		t.Errorf("a description over 10,000 characters: %d %s", r.status, r.body)
	}
}

// TestPledgesSayTheirAidAndInstrument: a loan of financial aid is told
// apart from a military grant, filtered by, and carried through CSV.
func TestPledgesSayTheirAidAndInstrument(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	loan := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Budget support","kind":"funds","aid":"financial","instrument":"loan","channel":"bilateral","category":"operational","announced":"2024-02-01","promised":"2024-12-31","amount":"1000000.00"}`)
	grant := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Rounds","kind":"funds","channel":"bilateral","category":"operational","announced":"2024-02-01","promised":"2024-12-31","amount":"5.00"}`)
	if loan.status != 201 || grant.status != 201 {
		t.Fatalf("create: %d %s / %d %s", loan.status, loan.body, grant.status, grant.body)
	}
	if g := grant.json(t); g["aid"] != "military" || g["instrument"] != "grant" {
		t.Errorf("the default is a military grant: %v %v", g["aid"], g["instrument"])
	}
	list := e.do("GET", "/api/v1/pledges?aid=financial&instrument=loan", "", "").json(t)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["title"] != "Budget support" {
		t.Errorf("filtered by aid and instrument: %v", list)
	}
	if r := e.do("GET", "/api/v1/pledges?instrument=gift", "", ""); r.status != 422 || r.json(t)["field"] != "instrument" {
		t.Errorf("an unknown instrument: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"X","kind":"funds","aid":"moral","channel":"bilateral","category":"operational","announced":"2024-02-01","promised":"2024-12-31","amount":"5.00"}`); r.status != 422 || r.json(t)["field"] != "aid" {
		t.Errorf("an unknown type of aid: %d %s", r.status, r.body)
	}
	csv := string(e.do("GET", "/api/v1/export/pledges?aid=financial", "", "").body)
	if !strings.Contains(csv, ",funds,financial,loan,bilateral,") {
		t.Errorf("the export lacks aid and instrument: %.300s", csv)
	}
}

// TestListsNameWhatTheyCode: the lists show names beside the codes of
// items, sites and nations.
func TestListsNameWhatTheyCode(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	if r := e.do("POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":40,"priority":2,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`); r.status != 201 {
		t.Fatal(r.status)
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", goodPledge); r.status != 201 {
		t.Fatal(r.status)
	}
	reqs := html.UnescapeString(string(e.do("GET", "/requirements", "", "").body))
	if !strings.Contains(reqs, `<td>Cartridge, 155 mm HE M795 (1320-12-345-6789)</td>`) || !strings.Contains(reqs, `<td>Kyiv delivery point (UA-KYIV)</td>`) {
		t.Error("the requirements list shows codes without names")
	}
	if pl := html.UnescapeString(string(e.do("GET", "/pledges", "", "").body)); !strings.Contains(pl, `<td>Germany (DEU)</td>`) {
		t.Error("the pledges list shows the nation's code without its name")
	}
}

// TestPledgeDatesKnownOnlyToTheMonth: a pledge announced "04/2022" and
// promised for "2022-Q3", as public trackers give them, is stored as April
// 2022 to the month and due 30 September 2022 to the quarter; its page says
// so in words, its export writes them back as they came, a PUT that sends
// the dates back as read keeps their precision, and an ambiguous date is
// refused.
func TestPledgeDatesKnownOnlyToTheMonth(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Announced in April","kind":"funds","channel":"bilateral","category":"operational","announced":"04/2022","promised":"2022-Q3","amount":"10.00"}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	j := r.json(t)
	if j["announced"] != "2022-04-01" || j["announced_precision"] != "month" || j["promised"] != "2022-09-30" || j["promised_precision"] != "quarter" {
		t.Fatalf("stored as %v %v %v %v", j["announced"], j["announced_precision"], j["promised"], j["promised_precision"])
	}
	id := int64(j["id"].(float64))
	page := html.UnescapeString(string(e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "").body))
	if !strings.Contains(page, "<dd>April 2022</dd>") || !strings.Contains(page, "<dd>Q3 2022</dd>") {
		t.Error("the page does not say April 2022 and Q3 2022")
	}
	csv := string(e.do("GET", "/api/v1/export/pledges?q=Announced+in+April", "", "").body)
	if !strings.Contains(csv, ",2022-04,2022-Q3,") {
		t.Errorf("the export does not write the dates as known: %.400s", csv)
	}
	put := e.do("PUT", fmt.Sprintf("/api/v1/pledges/%d", id), "application/json", `{"title":"Announced in April (renamed)","kind":"funds","channel":"bilateral","category":"operational","announced":"2022-04-01","promised":"2022-09-30","amount":"10.00"}`,
		"If-Match", fmt.Sprintf(`"%d"`, int64(j["version"].(float64))))
	if p := put.json(t); put.status != 200 || p["announced_precision"] != "month" || p["promised_precision"] != "quarter" {
		t.Errorf("a PUT of the dates as read: %d, precisions %v %v", put.status, p["announced_precision"], p["promised_precision"])
	}
	// The export imports back to the same dates.
	e2 := newAPIEnv(t, storetest.SQLiteDSN(t))
	if r := e2.do("POST", "/api/v1/import/pledges", "text/csv", csv); r.status != 201 {
		t.Fatalf("the export back: %d %s", r.status, r.body)
	}
	back := e2.do("GET", "/api/v1/pledges?q=Announced", "", "").json(t)["items"].([]any)[0].(map[string]any)
	if back["announced"] != "2022-04-01" || back["announced_precision"] != "month" || back["promised"] != "2022-09-30" || back["promised_precision"] != "quarter" {
		t.Errorf("imported back as %v", back)
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"US date","kind":"funds","channel":"bilateral","category":"operational","announced":"3/4/22","promised":"2022","amount":"10.00"}`); r.status != 422 || r.json(t)["field"] != "announced" || !strings.Contains(string(r.body), "day first or month first") {
		t.Errorf("3/4/22: %d %s", r.status, r.body)
	}
}

// TestShipmentsNameTheirRoute: the shipments list names the sites of a
// route beside their codes.
func TestShipmentsNameTheirRoute(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := html.UnescapeString(string(e.do("GET", "/shipments", "", "").body))
	if !strings.Contains(page, `<abbr title="Rzeszów-Jasionka logistics hub">PL-RZE</abbr>`) && !regexp.MustCompile(`<abbr title="[^"]+">PL-RZE</abbr>`).MatchString(page) {
		t.Errorf("the shipments list does not name PL-RZE: %s", regexp.MustCompile(`<td>[^<]*<abbr[^\n]*`).FindString(page))
	}
	if !regexp.MustCompile(`<span class="muted">[^<]+ to [^<]+</span>`).MatchString(page) {
		t.Error("the shipments list does not say from where to where in words")
	}
}

// TestPledgesOfUndisclosedValue: a pledge whose donor gave no value is
// taken, holds no amount, and the dashboard says how many such pledges its
// sums leave out instead of counting them as zero in silence.
func TestPledgesOfUndisclosedValue(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"CHE","title":"Demining support","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2023-05","promised":"2023","value_undisclosed":true}`)
	if r.status != 201 || r.json(t)["value_undisclosed"] != true {
		t.Fatalf("an undisclosed pledge: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"CHE","title":"Nothing said","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2023-05","promised":"2023"}`); r.status != 422 || !strings.Contains(string(r.body), "undisclosed") {
		t.Errorf("a pledge of nothing: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"CHE","title":"Both","kind":"funds","channel":"bilateral","category":"operational","announced":"2023-05","promised":"2023","amount":"5.00","value_undisclosed":true}`); r.status != 422 || r.json(t)["field"] != "amount" {
		t.Errorf("an undisclosed value with an amount: %d %s", r.status, r.body)
	}
	d := e.do("GET", "/api/v1/dashboard", "", "").json(t)
	if tot := d["totals"].(map[string]any); tot["undisclosed"] != float64(1) {
		t.Errorf("the dashboard's totals: %v", tot)
	}
	page := html.UnescapeString(string(e.do("GET", "/", "", "").body))
	if !strings.Contains(page, "1 of undisclosed value not in the sum") || !strings.Contains(page, "and 1 undisclosed") {
		t.Error("the dashboard does not say what its sums leave out")
	}
	csv := string(e.do("GET", "/api/v1/export/pledges?nation=CHE", "", "").body)
	if !strings.Contains(csv, ",0.00,yes,") {
		t.Errorf("the export does not say the value is undisclosed: %.300s", csv)
	}
	e2 := newAPIEnv(t, storetest.SQLiteDSN(t))
	if r := e2.do("POST", "/api/v1/import/pledges", "text/csv", csv); r.status != 201 {
		t.Fatalf("the export back: %d %s", r.status, r.body)
	}
	if back := e2.do("GET", "/api/v1/pledges?nation=CHE", "", "").json(t)["items"].([]any)[0].(map[string]any); back["value_undisclosed"] != true {
		t.Errorf("imported back as %v", back)
	}
}

// TestGridActsOnManyLinesAtOnce: the pledge page's grid commits two lines
// in one submit; a grid with one line too large changes nothing, names the
// line and keeps what was typed.
func TestGridActsOnManyLinesAtOnce(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("grid-coordinator", "DEU", access.Secret, access.Coordinator)
	cookie := sessionOf(t, e.signIn("grid-coordinator", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	p := e.do("POST", "/api/v1/pledges", "application/json", goodPledge).json(t)
	id := int64(p["id"].(float64))
	lines := p["lines"].([]any)
	l1, l2 := fmt.Sprint(int64(lines[0].(map[string]any)["id"].(float64))), fmt.Sprint(int64(lines[1].(map[string]any)["id"].(float64)))
	post := func(q1, q2 string) apiResponse {
		form := url.Values{"csrf": {csrf}, "version": {fmt.Sprint(int64(p["version"].(float64)))}, "action": {"commit"}, "line": {l1, l2},
			"no_" + l1: {"1"}, "no_" + l2: {"2"}, "quantity_" + l1: {q1}, "quantity_" + l2: {q2}}
		return e.do("POST", fmt.Sprintf("/pledges/%d/grid", id), "application/x-www-form-urlencoded", form.Encode(), "Authorization", "", "Cookie", cookie)
	}
	before := e.fingerprint()
	bad := post("60", "11")
	body := html.UnescapeString(string(bad.body))
	if bad.status != 422 || !strings.Contains(body, "line 2.quantity") || !strings.Contains(body, `value="60"`) || !strings.Contains(body, `value="11"`) {
		t.Fatalf("a grid with line 2 over its pledge: %d %s", bad.status, regexp.MustCompile(`(?s)<div class="error" role="alert" id="grid-errors">.*?</div>`).FindString(body))
	}
	if e.fingerprint() != before {
		t.Fatal("a refused grid changed the database")
	}
	if ok := post("60", "10"); ok.status != 303 || e.notice(ok) != "Committed on 2 lines" {
		t.Fatalf("the grid: %d %s", ok.status, ok.header.Get("Location"))
	}
	got := e.do("GET", fmt.Sprintf("/api/v1/pledges/%d", id), "", "").json(t)["lines"].([]any)
	if got[0].(map[string]any)["committed"] != float64(60) || got[1].(map[string]any)["committed"] != float64(10) {
		t.Errorf("after the grid: %v / %v", got[0].(map[string]any)["committed"], got[1].(map[string]any)["committed"])
	}
}

// TestAPIActsOnManyLinesAtOnce: POST /api/v1/pledges/{id}/actions commits
// two lines in one step, or none of them.
func TestAPIActsOnManyLinesAtOnce(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	p := e.do("POST", "/api/v1/pledges", "application/json", goodPledge).json(t)
	id := int64(p["id"].(float64))
	lines := p["lines"].([]any)
	l1, l2 := int64(lines[0].(map[string]any)["id"].(float64)), int64(lines[1].(map[string]any)["id"].(float64))
	before := e.fingerprint()
	bad := e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/actions", id), "application/json", fmt.Sprintf(`{"actions":[{"kind":"commit","line":%d,"quantity":60},{"kind":"commit","line":%d,"quantity":11}]}`, l1, l2))
	if bad.status != 422 || !strings.Contains(string(bad.body), `"line 2.quantity"`) || e.fingerprint() != before {
		t.Fatalf("one line over its pledge: %d %s", bad.status, bad.body)
	}
	ok := e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/actions", id), "application/json", fmt.Sprintf(`{"actions":[{"kind":"commit","line":%d,"quantity":60},{"kind":"commit","line":%d,"quantity":10}]}`, l1, l2),
		"If-Match", fmt.Sprintf(`"%d"`, int64(p["version"].(float64))))
	if ok.status != 200 {
		t.Fatalf("two commits: %d %s", ok.status, ok.body)
	}
	got := ok.json(t)["lines"].([]any)
	if got[0].(map[string]any)["committed"] != float64(60) || got[1].(map[string]any)["committed"] != float64(10) || ok.json(t)["version"] != float64(3) {
		t.Errorf("after: %s", ok.body)
	}
}

// TestMoneyMovesThroughThePledgePage: the pledge page's money form records
// money committed, then disbursed, in the amounts people write; a form
// with three problems shows all three beside their fields, keeps what was
// typed and records nothing; the money disbursed counts in the accounts of
// its year, and what is committed stands beside it.
func TestMoneyMovesThroughThePledgePage(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("money-officer", "DEU", access.Confidential, access.NationOfficer)
	cookie := sessionOf(t, e.signIn("money-officer", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	created := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Air defence fund","kind":"funds","channel":"bilateral","category":"equipment_purchase",
		"announced":"2025-01-10","promised":"2025-12-31","amount":"1000000.00","classification":"NATO UNCLASSIFIED"}`)
	if created.status != 201 {
		t.Fatalf("the funds pledge: %d %s", created.status, created.body)
	}
	id := int64(created.json(t)["id"].(float64))
	pay := func(stage, amount, date, evidence string) apiResponse {
		form := url.Values{"csrf": {csrf}, "stage": {stage}, "amount": {amount}, "date": {date}, "evidence": {evidence}}
		return e.do("POST", fmt.Sprintf("/pledges/%d/pay", id), "application/x-www-form-urlencoded", form.Encode(), "Authorization", "", "Cookie", cookie)
	}
	before := e.fingerprint()
	bad := pay("committed", "1,250", "2999-01-01", "")
	body := html.UnescapeString(string(bad.body))
	if bad.status != 422 || e.fingerprint() != before {
		t.Fatalf("a form with three problems: %d, changed %v: %.2000s", bad.status, e.fingerprint() != before, body)
	}
	for _, f := range []string{"amount", "date", "evidence"} {
		if !strings.Contains(body, `data-field="`+f+`"`) {
			t.Errorf("no problem shown beside %s", f)
		}
	}
	if !strings.Contains(body, `value="1,250"`) || !strings.Contains(body, `value="2999-01-01"`) {
		t.Errorf("what was typed is lost")
	}
	if r := pay("committed", "600.000,00", "2025-02-01", "Contract 2025/17"); r.status != 303 {
		t.Fatalf("commit: %d %s", r.status, r.body)
	}
	if r := pay("disbursed", "250 000,00", "2025-03-01", "Payment order 1"); r.status != 303 {
		t.Fatalf("disburse: %d %s", r.status, r.body)
	}
	if r := pay("disbursed", "350000.01", "2025-03-02", "Payment order 2"); r.status != 422 || !strings.Contains(html.UnescapeString(string(r.body)), "record the commitment first") {
		t.Errorf("disbursing more than committed: %d", r.status)
	}
	page := html.UnescapeString(string(e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "", "Authorization", "", "Cookie", cookie).body))
	for _, want := range []string{"Contract 2025/17", "Payment order 1", "25% disbursed", "€ 600,000.00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the pledge page does not show %q", want)
		}
	}
	if tot := e.do("GET", "/api/v1/dashboard", "", "").json(t)["totals"].(map[string]any); tot["disbursed"] != "250000.00" || tot["committed"] != "600000.00" || tot["undelivered"] != "750000.00" {
		t.Errorf("the dashboard's totals: %v", tot)
	}
	acc := e.do("GET", "/api/v1/accounts?year=2025", "", "").json(t)
	for _, a := range acc["accounts"].([]any) {
		a := a.(map[string]any)
		if a["nation"] != "DEU" {
			continue
		}
		if a["disbursed"] != "250000.00" || a["committed"] != "600000.00" || a["outstanding"] != "750000.00" {
			t.Errorf("Germany's account: disbursed %v, committed %v, outstanding %v", a["disbursed"], a["committed"], a["outstanding"])
		}
		return
	}
	t.Errorf("no account for Germany: %v", acc["accounts"])
}
