package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// demoEnv is a running server over the demo scenario, its clock at now.
func demoEnv(t *testing.T, now time.Time) *apiEnv {
	t.Helper()
	return demoEnvOn(t, storetest.SQLiteDSN(t), now)
}

// demoEnvOn is demoEnv over the database of dsn.
func demoEnvOn(t *testing.T, dsn string, now time.Time) *apiEnv {
	t.Helper()
	db := storetest.Open(t, dsn, now)
	storetest.Demo(t, db, now)
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), "test")
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	e := &apiEnv{t: t, db: db, srv: srv, now: now}
	srv.Now = func() time.Time { return e.now }
	srv.Access.Now = srv.Now
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	e.token = e.user("lg-coordinator", "DEU", access.Secret, access.Coordinator)
	return e
}

func siteToken(e *apiEnv, name, nation, site string, roles ...access.Role) string {
	e.t.Helper()
	svc := &access.Service{Store: store.Access{DB: e.db}, Read: e.db}
	ctx := storetest.Ctx()
	if _, err := svc.CreateUser(ctx, access.NewUser{Name: name, Nation: nation, Site: site, Roles: roles, Clearance: access.Secret, Password: testPassword}); err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := svc.CreateToken(ctx, name, "test", 24*time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func TestLogisticsPages(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e := demoEnv(t, now)
	for path, want := range map[string][]string{
		"/":                    {`id="logistics"`, `id="late-shipments"`, `id="at-risk"`},
		"/shipments":           {`id="shipments"`, "DE-DEP1 → PL-RZE → UA-DNIPRO", `class="tag late"`, "Export CSV"},
		"/shipments?late=true": {"GB-DEP1 → PL-RZE → UA-KYIV"},
		"/shipments/1":         {`id="custody"`, "DB Cargo train 51870", "received", `id="shipment-discrepancies"`, "damaged packaging"},
		"/shipments/2":         {`id="act-depart"`, `id="act-hold"`, "at a hub"},
		"/shipments/new":       {`id="shipment-form"`, "free"},
		"/network":             {`id="hubs"`, "Rzeszów-Jasionka", `id="links"`, "Ramstein airlift", `id="link-form"`},
		"/hubs/PL-RZE":         {`id="stock"`, "1320-01-000-0002", `id="count-form"`, `id="waiting-list"`, "S-00002"},
		"/discrepancies":       {`id="discrepancies"`, "damaged"},
		"/map":                 {`<svg class="map"`, `data-site="PL-RZE"`, `class="ship`, `data-code="UKR"`, "data-panel="},
	} {
		res := e.do("GET", path, "", "")
		if res.status != 200 {
			t.Errorf("GET %s: %d\n%.400s", path, res.status, res.body)
			continue
		}
		// The page as read, tags and all, and as its text (a route's codes
		// carry their names in tags).
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(string(res.body), "")
		for _, w := range want {
			if !strings.Contains(string(res.body), w) && !strings.Contains(text, w) {
				t.Errorf("GET %s: no %q", path, w)
			}
		}
	}

	// The hub operator sees the shipments through their hub, and counts
	// its stock; a count below zero is refused beside the field.
	hub := siteToken(e, "rze-op", "POL", "PL-RZE", access.HubOperator)
	other := siteToken(e, "ro-op", "ROU", "RO-LENR", access.HubOperator)
	e.token = other
	if res := e.do("GET", "/shipments", "", ""); res.status != 200 || strings.Contains(string(res.body), "S-00001") {
		t.Errorf("the Romanian hub's operator sees Rzeszów's shipments (%d)", res.status)
	}
	if res := e.do("GET", "/shipments/1", "", ""); res.status != 404 {
		t.Errorf("another hub's shipment: %d, want 404", res.status)
	}
	e.token = hub
	if res := e.do("GET", "/shipments", "", ""); !strings.Contains(string(res.body), "S-00002") {
		t.Error("the hub operator does not see the shipment waiting at the hub")
	}
	before := e.fingerprint()
	res := e.do("POST", "/hubs/PL-RZE/count", "application/x-www-form-urlencoded", url.Values{"nsn": {"1320-01-000-0002"}, "counted": {"-5"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), `data-field="lines[0].counted"`) {
		t.Errorf("negative count: %d\n%.600s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused count changed the database")
	}
	res = e.do("POST", "/hubs/PL-RZE/count", "application/x-www-form-urlencoded", url.Values{"nsn": {"1320-01-000-0002"}, "counted": {"2990"}, "reason": {"ten rounds found damaged in bay 2 and quarantined"}}.Encode())
	if res.status != 303 || !strings.Contains(e.notice(res), "1 adjustments") {
		t.Errorf("count: %d %s", res.status, res.header.Get("Location"))
	}
	// Departing from the hub through the page: the shipment moves on.
	res = e.do("POST", "/shipments/2/act", "application/x-www-form-urlencoded", url.Values{"action": {"depart"}, "to": {"PKP Cargo train 88"}, "version": {"1"}}.Encode())
	if res.status != 409 || !strings.Contains(string(res.body), "changed by someone else") {
		t.Errorf("a stale version: %d", res.status)
	}
	res = e.do("POST", "/shipments/2/act", "application/x-www-form-urlencoded", url.Values{"action": {"depart"}, "to": {"PKP Cargo train 88"}}.Encode())
	if res.status != 303 {
		t.Fatalf("depart: %d %.300s", res.status, res.body)
	}
	if page := string(e.do("GET", "/shipments/2", "", "").body); !strings.Contains(page, "PKP Cargo train 88") || !strings.Contains(page, "in transit") {
		t.Error("the shipment page does not show the departure")
	}

	// The recipient receives through the form; a shortfall needs a reason.
	e.token = siteToken(e, "ua-officer", "UKR", "", access.RecipientOfficer)
	res = e.do("POST", "/shipments/2/act", "application/x-www-form-urlencoded", url.Values{"action": {"arrive"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "needs a note saying why") {
		t.Errorf("an arrival just after departure, without a note: %d %.300s", res.status, res.body)
	}
	res = e.do("POST", "/shipments/2/act", "application/x-www-form-urlencoded", url.Values{"action": {"arrive"}, "note": {"unloaded early at Kyiv"}}.Encode())
	if res.status != 303 {
		t.Fatalf("arrive: %d %.300s", res.status, res.body)
	}
	before = e.fingerprint()
	res = e.do("POST", "/shipments/2/receive", "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"2900"}, "kind": {""}, "reason": {""}, "to": {"54th brigade"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "say whether the 100 missing are short, damaged or lost") {
		t.Errorf("receipt without a reason: %d\n%.500s", res.status, res.body)
	}
	// The form shows what was typed, not the quantity sent: resubmitting
	// it must not confirm 3000 when 2900 arrived.
	if !strings.Contains(string(res.body), `name="received" inputmode="numeric" size="7" value="2900"`) || !strings.Contains(string(res.body), `value="54th brigade"`) {
		t.Errorf("the refused receipt's form lost what was typed: %s", regexp.MustCompile(`<input name="received"[^>]*>`).Find(res.body))
	}
	res = e.do("POST", "/shipments/2/receive", "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"many"}, "kind": {"lost"}, "reason": {"pallet"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), `value="many"`) || !strings.Contains(string(res.body), `<option value="lost" selected>`) || !strings.Contains(string(res.body), `value="pallet"`) {
		t.Errorf("a receipt that did not parse lost what was typed: %d", res.status)
	}
	if e.fingerprint() != before {
		t.Error("a refused receipt changed the database")
	}
	res = e.do("POST", "/shipments/2/receive", "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"2900"}, "kind": {"lost"}, "reason": {"one pallet missing at unloading"}}.Encode())
	if res.status != 303 || !strings.Contains(e.notice(res), "with 1 discrepancy opened") {
		t.Errorf("receipt: %d %s", res.status, res.header.Get("Location"))
	}
}

func TestPlanShipmentForm(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/shipments/new", "", "").body)
	m := regexp.MustCompile(`<option value="(\d+)" >#\d+ · P-\d+ line \d+ · Norway \(NOR\)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Norwegian allocation offered:\n%s", page)
	}
	before := e.fingerprint()
	form := url.Values{"origin": {"DE-DEP1"}, "destination": {"UA-LVIV"}, "via": {"UA-KYIV"}, "planned_departure": {"2026-11-24T08:00"}, "allocation": {m[1], ""}, "quantity": {"5", ""}}
	res := e.do("POST", "/shipments", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "is not a logistics hub") || !strings.Contains(string(res.body), `value="UA-KYIV"`) {
		t.Errorf("through a delivery point: %d\n%.800s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused plan changed the database")
	}
	form.Set("via", "")
	// Norway's stock does not wait at the German depot: that needs a reason.
	res = e.do("POST", "/shipments", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "override_reason") || !strings.Contains(string(res.body), `data-field="origin"`) {
		t.Errorf("from another nation's depot without a reason: %d\n%.800s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused plan changed the database")
	}
	form.Set("override_reason", "Norwegian trucks staged at the Bundeswehr depot")
	res = e.do("POST", "/shipments", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 303 {
		t.Fatalf("plan: %d\n%.800s", res.status, res.body)
	}
	// Depot to Rzeszów by road (12 h), 12 h at the hub, 5 h on to Lviv.
	if got := e.notice(res); !strings.Contains(got, "DE-DEP1 → PL-RZE → UA-LVIV, ETA 2026-11-25 13:00 UTC") {
		t.Errorf("planned: %q", got)
	}

}

func TestNetworkPageEditsALink(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/network?edit=1", "", "").body)
	if !strings.Contains(page, "Change the link Bundeswehr depot (illustrative) (DE-DEP1) → Rzeszów-Jasionka logistics hub (PL-RZE) (road)") || !strings.Contains(page, `name="version" value="1"`) {
		t.Fatalf("the edit form:\n%.2000s", page)
	}
	form := url.Values{"id": {"1"}, "version": {"1"}, "from": {"DE-DEP1"}, "to": {"PL-RZE"}, "mode": {"road"}, "transit_hours": {"0"}}
	before := e.fingerprint()
	if res := e.do("POST", "/network/links", "application/x-www-form-urlencoded", form.Encode()); res.status != 422 || !strings.Contains(string(res.body), `data-field="transit_hours"`) {
		t.Errorf("zero transit hours: %d", res.status)
	}
	if e.fingerprint() != before {
		t.Error("a refused link changed the database")
	}
	form.Set("transit_hours", "11")
	form.Set("capacity_t_day", "650")
	if res := e.do("POST", "/network/links", "application/x-www-form-urlencoded", form.Encode()); res.status != 303 {
		t.Fatalf("save: %d %.500s", res.status, res.body)
	}
	if res := e.do("POST", "/network/links", "application/x-www-form-urlencoded", form.Encode()); res.status != 409 {
		t.Errorf("the same form again, with the old version: %d, want 409", res.status)
	}
	l, err := e.db.Link(storetest.Ctx(), 1)
	if err != nil || l.TransitHours != 11 || l.CapacityTonnesDay != 650 || l.Version != 2 {
		t.Errorf("link after the edit: %+v %v", l, err)
	}
}

func TestPledgesAtRiskFilter(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	res := e.do("GET", "/api/v1/pledges?at_risk=true", "", "")
	if res.status != 200 {
		t.Fatalf("at_risk: %d %s", res.status, res.body)
	}
	got := res.json(t)
	// The French ammunition (promised 60 days ago), the American rounds
	// (5 days ago) and the Lithuanian Stingers (3 days ago) are on their
	// way: their ETAs fall after. The Polish Piorun, promised in 30 days,
	// arrives in time.
	var titles []string
	for _, it := range got["items"].([]any) {
		titles = append(titles, it.(map[string]any)["title"].(string))
	}
	if all := strings.Join(titles, "|"); len(titles) != 3 || !strings.Contains(all, "CAESAR") || !strings.Contains(all, "Stinger") || !strings.Contains(all, "GMLRS") {
		t.Errorf("pledges at risk: %v", titles)
	}
	if page := string(e.do("GET", "/pledges?at_risk=1", "", "").body); !strings.Contains(page, "CAESAR") || strings.Contains(page, "Patriot") {
		t.Error("the pledges page does not filter by risk")
	}
}

func TestAdministratorSetsAHubOperatorsSite(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.token = e.user("admin-1", "DEU", access.Unclassified, access.Admin)
	res := e.do("POST", "/api/v1/users", "application/json", `{"name":"rze-op-2","nation":"POL","roles":["hub_operator"],"clearance":"NATO RESTRICTED","site":"PL-RZE","password":"`+testPassword+`"}`)
	if res.status != 201 || !strings.Contains(string(res.body), `"site": "PL-RZE"`) {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if res := e.do("POST", "/api/v1/users", "application/json", `{"name":"rze-op-3","nation":"POL","roles":["hub_operator"],"clearance":"NATO RESTRICTED","site":"PL-NOWHERE","password":"`+testPassword+`"}`); res.status != 422 || !strings.Contains(string(res.body), `no site`) {
		t.Errorf("a site that does not exist: %d %s", res.status, res.body)
	}
	form := url.Values{"do": {"roles"}, "roles": {"hub_operator"}, "clearance": {"NATO RESTRICTED"}, "site": {"ua-kyiv"}}
	if res := e.do("POST", "/admin/users/rze-op-2", "application/x-www-form-urlencoded", form.Encode()); res.status != 303 || e.notice(res) != "User rze-op-2 updated" {
		t.Fatalf("update: %d %s", res.status, res.header.Get("Location"))
	}
	u, err := e.db.UserByName(context.Background(), "rze-op-2")
	if err != nil || u.Site != "UA-KYIV" {
		t.Errorf("site after the update: %q %v", u.Site, err)
	}
}

// planJSON is what the tests read of a saved plan.
type planJSON struct {
	ID          int64  `json:"id"`
	State       string `json:"state"`
	Fingerprint string `json:"fingerprint"`
	Served      int64  `json:"served"`
	Stale       bool   `json:"stale"`
	CanApprove  bool   `json:"can_approve"`
	OwnOnly     bool   `json:"own_lines_only"`
	Needs       []struct {
		Requirement int64  `json:"requirement"`
		Priority    int    `json:"priority"`
		Quantity    int64  `json:"quantity"`
		Allocated   int64  `json:"allocated_before"`
		Served      int64  `json:"served"`
		Unmet       int64  `json:"unmet"`
		Reason      string `json:"reason"`
		Lines       []struct {
			Nation string `json:"nation"`
		} `json:"lines"`
	} `json:"needs"`
	Nations []struct {
		Nation   string `json:"nation"`
		Before   int64  `json:"allocated_before"`
		Proposed int64  `json:"proposed"`
	} `json:"nations"`
}

func TestAllocationPlanPages(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	ledger := func() string { return string(e.do("GET", "/api/v1/pledges?limit=1000", "", "").body) }
	before := ledger()
	// Made through the page: a saved plan to review.
	res := e.do("POST", "/plans", "application/x-www-form-urlencoded", "horizon=30")
	if res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/plans/1?") {
		t.Fatalf("make a plan: %d %s %.500s", res.status, res.header.Get("Location"), res.body)
	}
	page := e.do("GET", "/plans/1", "", "")
	body := string(page.body)
	if page.status != 200 || !strings.Contains(body, `id="proposal"`) || !strings.Contains(html.UnescapeString(body), `<abbr title="French Army depot (illustrative) (FR-DEP1)">FR-DEP1</abbr> → <abbr title="Rzeszów-Jasionka logistics hub (PL-RZE)">PL-RZE</abbr> → <abbr title="Delivery point Dnipro (illustrative) (UA-DNIPRO)">UA-DNIPRO</abbr>`) ||
		!strings.Contains(body, "has no donor depot") || !strings.Contains(body, `id="plan-nations"`) || !strings.Contains(body, `id="approve"`) {
		t.Fatalf("plan page: %d\n%.2000s", page.status, body)
	}
	// It proposes restricted French stock: the page is marked so.
	if !strings.Contains(body, `data-marking="NATO RESTRICTED"`) {
		t.Error("the plan page does not carry the marking of what it shows")
	}
	if ledger() != before {
		t.Error("making a plan changed the ledger")
	}
	list := string(e.do("GET", "/plans", "", "").body)
	if !strings.Contains(list, `href="/plans/1"`) || !strings.Contains(list, `data-state="proposed"`) {
		t.Errorf("the plans list:\n%.1500s", list)
	}
	// Through the API: made, listed, read back as it was saved.
	res = e.do("POST", "/api/v1/plans", "application/json", `{"horizon_days": 14}`)
	var v planJSON
	if err := json.Unmarshal(res.body, &v); err != nil || res.status != 201 || v.ID != 2 || res.header.Get("Location") != "/api/v1/plans/2" {
		t.Fatalf("API make: %d %v %s", res.status, err, res.body)
	}
	if v.Served == 0 || len(v.Needs) == 0 || v.Needs[0].Priority != 1 || !v.CanApprove || v.Stale || v.Fingerprint == "" || len(v.Nations) == 0 {
		t.Errorf("API plan: %+v", v)
	}
	for _, n := range v.Needs {
		if n.Allocated+n.Served+n.Unmet > n.Quantity {
			t.Errorf("R-%05d: %d allocated before, %d proposed and %d unmet are more than its %d", n.Requirement, n.Allocated, n.Served, n.Unmet, n.Quantity)
		}
	}
	var again planJSON
	if res := e.do("GET", "/api/v1/plans/2", "", ""); res.status != 200 || json.Unmarshal(res.body, &again) != nil || again.Served != v.Served || len(again.Needs) != len(v.Needs) {
		t.Errorf("API show: %d %s", res.status, res.body)
	}
	var lst struct {
		Total int64 `json:"total"`
	}
	if res := e.do("GET", "/api/v1/plans?state=proposed", "", ""); res.status != 200 || json.Unmarshal(res.body, &lst) != nil || lst.Total != 2 {
		t.Errorf("API list: %d %s", res.status, res.body)
	}
	csv := e.do("GET", "/api/v1/plans/2?format=csv", "", "")
	if csv.status != 200 || !strings.HasPrefix(string(csv.body), "# NATO RESTRICTED\nplan,requirement,priority") || csv.header.Get("X-Classification") != "NATO RESTRICTED" {
		t.Errorf("CSV export: %d %s %.300s", csv.status, csv.header.Get("X-Classification"), csv.body)
	}
	for _, bad := range []string{`{"horizon_days": 0.5}`, `{"horizon_days": 400}`} {
		if res := e.do("POST", "/api/v1/plans", "application/json", bad); res.status != 422 && res.status != 400 {
			t.Errorf("a bad horizon %s: %d", bad, res.status)
		}
	}
	if res := e.do("GET", "/api/v1/plans/99", "", ""); res.status != 404 {
		t.Errorf("a missing plan: %d", res.status)
	}
	if res := e.do("GET", "/api/v1/plans?state=done", "", ""); res.status != 422 {
		t.Errorf("a bad state filter: %d", res.status)
	}
	if ledger() != before {
		t.Error("plans changed the ledger")
	}
	// A French officer sees the lines of France's pledges, and cannot
	// make or approve a plan.
	e.token = siteToken(e, "fra-lo", "FRA", "", access.NationOfficer)
	res = e.do("GET", "/api/v1/plans/1", "", "")
	var own planJSON
	if err := json.Unmarshal(res.body, &own); err != nil || res.status != 200 || own.Fingerprint != "" || own.CanApprove || !own.OwnOnly || len(own.Needs) != 1 {
		t.Fatalf("a nation officer's plan: %d %v %s", res.status, err, res.body)
	}
	for _, n := range own.Needs {
		if n.Unmet != 0 || n.Reason != "" {
			t.Errorf("the French officer sees what is unmet of R-%05d", n.Requirement)
		}
		for _, l := range n.Lines {
			if l.Nation != "FRA" {
				t.Errorf("the French officer sees a line of %s", l.Nation)
			}
		}
	}
	if page := string(e.do("GET", "/plans/1", "", "").body); !strings.Contains(page, `id="own-lines"`) || strings.Contains(page, `id="approve"`) || strings.Contains(page, "<td>PL-RZE</td>") {
		t.Error("the French officer's page should show own lines, no approval and no hub loads of the whole plan")
	}
	if res := e.do("POST", "/api/v1/plans/1/approve", "application/json", `{}`); res.status != 403 {
		t.Errorf("a nation officer approving: %d, want 403", res.status)
	}
	if res := e.do("POST", "/api/v1/plans", "application/json", `{}`); res.status != 403 {
		t.Errorf("a nation officer planning: %d, want 403", res.status)
	}
}

func TestApprovePlan(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	for range 2 {
		if res := e.do("POST", "/api/v1/plans", "application/json", `{}`); res.status != 201 {
			t.Fatalf("make: %d %s", res.status, res.body)
		}
	}
	// Through the page: plan 2 with the French 155 mm line excluded.
	page := string(e.do("GET", "/plans/2", "", "").body)
	m := regexp.MustCompile(`name="exclude" value="(\d+-\d+)" aria-label="exclude P-00006`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no exclude box for the French line:\n%.3000s", page)
	}
	res := e.do("POST", "/plans/2/approve", "application/x-www-form-urlencoded", url.Values{"exclude": {"French"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "LINE-REQUIREMENT") {
		t.Errorf("a malformed exclusion: %d", res.status)
	}
	before := e.fingerprint()
	res = e.do("POST", "/plans/2/approve", "application/x-www-form-urlencoded", url.Values{"exclude": {m[1]}}.Encode())
	if res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/plans/2?") {
		t.Fatalf("approve: %d %.1500s", res.status, res.body)
	}
	done := string(e.do("GET", "/plans/2", "", "").body)
	if !strings.Contains(done, `id="decision"`) || !strings.Contains(done, "Approved: 5 allocations of 13,256 units, 1 line left out") || strings.Contains(done, `id="approve"`) {
		t.Errorf("the approved plan's page:\n%.3000s", done)
	}
	if !strings.Contains(done, `href="/shipments/`) {
		t.Error("the approved plan does not link its shipments")
	}
	if e.fingerprint() == before {
		t.Error("the approval wrote nothing")
	}
	var v planJSON
	if res := e.do("GET", "/api/v1/plans/2", "", ""); json.Unmarshal(res.body, &v) != nil || v.State != "approved" || v.CanApprove {
		t.Errorf("the approved plan by the API: %s", res.body)
	}
	// Plan 1 was made from the same ledger: it is stale now, says so, and
	// is refused; one click makes a new plan from the ledger as it is.
	before = e.fingerprint()
	stale := e.do("GET", "/plans/1", "", "")
	if !strings.Contains(string(stale.body), `id="replan"`) || strings.Contains(string(stale.body), `id="approve"`) {
		t.Errorf("a stale plan's page:\n%.2000s", stale.body)
	}
	res = e.do("POST", "/plans/1/approve", "application/x-www-form-urlencoded", "")
	if res.status != 409 || !strings.Contains(string(res.body), `id="approve-error"`) || !strings.Contains(string(res.body), "plan again") || !strings.Contains(string(res.body), `id="replan"`) {
		t.Errorf("approving a stale plan: %d %.1500s", res.status, res.body)
	}
	if res := e.do("POST", "/api/v1/plans/1/approve", "application/json", `{}`); res.status != 409 || !strings.Contains(string(res.body), "the inputs of plan 1 changed since it was made") {
		t.Errorf("approving a stale plan by the API: %d %s", res.status, res.body)
	}
	if res := e.do("POST", "/api/v1/plans/2/approve", "application/json", `{}`); res.status != 409 || !strings.Contains(string(res.body), "approved already") {
		t.Errorf("approving a plan twice: %d %s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused approval changed the database")
	}
	// The new plan offers the French stock alone for the 155 mm requirement.
	res = e.do("POST", "/plans", "application/x-www-form-urlencoded", "horizon=30")
	if res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/plans/3?") {
		t.Fatalf("plan again: %d %s", res.status, res.header.Get("Location"))
	}
	again := string(e.do("GET", "/plans/3", "", "").body)
	if !strings.Contains(again, "P-00006") || strings.Contains(again, "P-00018") {
		t.Error("after the approval the new plan should hold only what was left out")
	}
	if res := e.do("POST", "/api/v1/plans/3/approve", "application/json", `{"exclude": []}`); res.status != 201 {
		t.Errorf("approving plan 3 by the API: %d %s", res.status, res.body)
	}
}

// TestEveryRoleRendersEveryPage opens the main pages as each role over the
// demo: a page answers, refuses or hides; it never fails.
func TestEveryRoleRendersEveryPage(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	if res := e.do("POST", "/api/v1/plans", "application/json", `{}`); res.status != 201 {
		t.Fatalf("make a plan: %d %s", res.status, res.body)
	}
	tokens := map[string]string{"coordinator": e.token}
	for _, u := range []struct {
		name, nation, site string
		role               access.Role
	}{
		{"r-nation", "DEU", "", access.NationOfficer}, {"r-recipient", "UKR", "", access.RecipientOfficer},
		{"r-hub", "POL", "PL-RZE", access.HubOperator}, {"r-facility", "POL", "PL-GLI", access.FacilityManager},
		{"r-analyst", "POL", "", access.Analyst}, {"r-auditor", "NLD", "", access.Auditor}, {"r-admin", "DEU", "", access.Admin},
	} {
		tokens[string(u.role)] = siteToken(e, u.name, u.nation, u.site, u.role)
	}
	pages := []string{"/", "/shipments", "/shipments/1", "/shipments/2", "/shipments/new", "/discrepancies", "/network", "/hubs/PL-RZE", "/map",
		"/plans", "/plans/1", "/accounts", "/contributions", "/baselines", "/agreements", "/spending", "/reports/review", "/nations/DEU", "/equipment", "/equipment/1", "/repairs", "/repairs/1", "/repairs/plan", "/repair-facilities", "/training", "/training/plan", "/lessons", "/pledges", "/requirements", "/items", "/sites", "/audit", "/admin/users", "/account"}
	for role, tok := range tokens {
		e.token = tok
		for _, p := range pages {
			res := e.do("GET", p, "", "")
			switch res.status {
			case 200, 403, 404:
			default:
				t.Errorf("%s GET %s: %d\n%.300s", role, p, res.status, res.body)
			}
		}
	}
}

func TestPledgeDepotThroughAPIAndForm(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	form := string(e.do("GET", "/pledges/new", "", "").body)
	if !strings.Contains(form, `<select name="depot">`) || !strings.Contains(form, `value="DE-DEP1"`) || strings.Contains(form, `<option value="UA-KYIV"`) {
		t.Errorf("the pledge form's depot list:\n%.3000s", form)
	}
	withDepot := func(depot string) string {
		return `{"nation":"DEU","title":"Spring package","depot":"` + depot + `","kind":"in_kind","channel":"bilateral","category":"in_kind",
			"announced":"2026-11-01","promised":"2026-12-30","classification":"NATO UNCLASSIFIED","lines":[{"nsn":"1315-12-000-0004","quantity":100}]}`
	}
	before := e.fingerprint()
	res := e.do("POST", "/api/v1/pledges", "application/json", withDepot("UA-KYIV"))
	if res.status != 422 || !strings.Contains(string(res.body), `"depot"`) || !strings.Contains(string(res.body), "not a donor depot") {
		t.Errorf("a delivery point as depot: %d %s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused pledge changed the database")
	}
	res = e.do("POST", "/api/v1/pledges", "application/json", withDepot("de-dep1"))
	var p struct {
		ID    int64  `json:"id"`
		Depot string `json:"depot"`
	}
	if err := json.Unmarshal(res.body, &p); err != nil || res.status != 201 || p.Depot != "DE-DEP1" {
		t.Fatalf("a pledge with its depot: %d %s", res.status, res.body)
	}
	if page := string(e.do("GET", fmt.Sprintf("/pledges/%d", p.ID), "", "").body); !strings.Contains(page, `<dd id="pledge-depot">Bundeswehr depot (illustrative) (DE-DEP1)</dd>`) {
		t.Error("the pledge page does not show its depot by name and code")
	}
}
