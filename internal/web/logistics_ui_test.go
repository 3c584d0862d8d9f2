package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// demoEnv is a running server over the demo scenario, its clock at now.
func demoEnv(t *testing.T, now time.Time) *apiEnv {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteDSN(t), now)
	ctx := storetest.Ctx()
	if err := demo.Load(ctx, &catalog.Service{Store: store.Catalog{DB: db}}, &assist.Service{Store: store.Assist{DB: db}}, now); err != nil {
		t.Fatal(err)
	}
	all := func(ctx context.Context) ([]assist.Pledge, error) {
		return db.AllPledges(ctx, store.PledgeFilter{}, now.Format(assist.DateLayout))
	}
	if err := demo.LoadLogistics(ctx, &logistics.Service{Store: store.Logistics{DB: db}}, all, now); err != nil {
		t.Fatal(err)
	}
	srv := web.New(db, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})), "test")
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
		for _, w := range want {
			if !strings.Contains(string(res.body), w) {
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
	if res.status != 303 || !strings.Contains(res.header.Get("Location"), "1+adjustments") {
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
	if res.status != 303 {
		t.Fatalf("arrive: %d %.300s", res.status, res.body)
	}
	before = e.fingerprint()
	res = e.do("POST", "/shipments/2/receive", "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"2900"}, "kind": {""}, "reason": {""}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), "say whether the 100 missing are short, damaged or lost") {
		t.Errorf("receipt without a reason: %d\n%.500s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused receipt changed the database")
	}
	res = e.do("POST", "/shipments/2/receive", "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"2900"}, "kind": {"lost"}, "reason": {"one pallet missing at unloading"}}.Encode())
	if res.status != 303 || !strings.Contains(res.header.Get("Location"), "1+discrepancy") {
		t.Errorf("receipt: %d %s", res.status, res.header.Get("Location"))
	}
}

func TestPlanShipmentForm(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/shipments/new", "", "").body)
	m := regexp.MustCompile(`<option value="(\d+)" >#\d+ · P-\d+ line \d+ · NOR`).FindStringSubmatch(page)
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
	res = e.do("POST", "/shipments", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 303 {
		t.Fatalf("plan: %d\n%.800s", res.status, res.body)
	}
	loc, _ := url.QueryUnescape(res.header.Get("Location"))
	// Depot to Rzeszów by road (12 h), 12 h at the hub, 5 h on to Lviv.
	if !strings.Contains(loc, "DE-DEP1 → PL-RZE → UA-LVIV, ETA 2026-11-25 13:00 UTC") {
		t.Errorf("planned: %s", loc)
	}

}

func TestNetworkPageEditsALink(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/network?edit=1", "", "").body)
	if !strings.Contains(page, "Change the link DE-DEP1 → PL-RZE (road)") || !strings.Contains(page, `name="version" value="1"`) {
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
	if res := e.do("POST", "/admin/users/rze-op-2", "application/x-www-form-urlencoded", form.Encode()); res.status != 303 || strings.Contains(res.header.Get("Location"), "Not+changed") {
		t.Fatalf("update: %d %s", res.status, res.header.Get("Location"))
	}
	u, err := e.db.UserByName(context.Background(), "rze-op-2")
	if err != nil || u.Site != "UA-KYIV" {
		t.Errorf("site after the update: %q %v", u.Site, err)
	}
}

func TestAllocationProposalPage(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	e.do("GET", "/api/v1/me", "", "") // the token's first use is audited
	before := e.fingerprint()
	page := e.do("GET", "/plans/proposal?horizon=30", "", "")
	if page.status != 200 || !strings.Contains(string(page.body), `id="proposal"`) || !strings.Contains(string(page.body), "FR-DEP1 → PL-RZE → UA-DNIPRO") ||
		!strings.Contains(string(page.body), "has no donor depot") {
		t.Fatalf("proposal page: %d\n%.2000s", page.status, page.body)
	}
	// It proposes restricted French stock: the page is marked so.
	if !strings.Contains(string(page.body), `data-marking="NATO RESTRICTED"`) {
		t.Error("the proposal page does not carry the marking of what it shows")
	}
	res := e.do("GET", "/api/v1/plans/proposal", "", "")
	if res.status != 200 {
		t.Fatalf("API: %d %s", res.status, res.body)
	}
	var v struct {
		Served int64 `json:"served"`
		Needs  []struct {
			Requirement int64  `json:"requirement"`
			Priority    int    `json:"priority"`
			Served      int64  `json:"served"`
			Unmet       int64  `json:"unmet"`
			Reason      string `json:"reason"`
		} `json:"needs"`
	}
	if err := json.Unmarshal(res.body, &v); err != nil {
		t.Fatal(err)
	}
	if v.Served == 0 || len(v.Needs) == 0 || v.Needs[0].Priority != 1 {
		t.Errorf("proposal: served %d, needs %+v", v.Served, v.Needs)
	}
	if res := e.do("GET", "/api/v1/plans/proposal?horizon=0", "", ""); res.status != 422 {
		t.Errorf("a bad horizon: %d", res.status)
	}
	if e.fingerprint() != before {
		t.Error("a proposal changed the database")
	}
	// A French officer sees the lines of France's pledges, and cannot
	// approve.
	e.token = siteToken(e, "fra-lo", "FRA", "", access.NationOfficer)
	res = e.do("GET", "/api/v1/plans/proposal", "", "")
	var own struct {
		Fingerprint string `json:"fingerprint"`
		Needs       []struct {
			Lines []struct {
				Nation string `json:"nation"`
			} `json:"lines"`
		} `json:"needs"`
	}
	if err := json.Unmarshal(res.body, &own); err != nil || res.status != 200 || own.Fingerprint != "" || len(own.Needs) != 1 {
		t.Fatalf("a nation officer's proposal: %d %v %s", res.status, err, res.body)
	}
	for _, n := range own.Needs {
		for _, l := range n.Lines {
			if l.Nation != "FRA" {
				t.Errorf("the French officer sees a line of %s", l.Nation)
			}
		}
	}
	if res := e.do("POST", "/api/v1/plans/proposal/approve", "application/json", `{"fingerprint":"x"}`); res.status != 403 {
		t.Errorf("a nation officer approving: %d, want 403", res.status)
	}
}

func TestApproveProposal(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	res := e.do("GET", "/api/v1/plans/proposal", "", "")
	var v struct {
		Fingerprint string `json:"fingerprint"`
		Served      int64  `json:"served"`
	}
	if err := json.Unmarshal(res.body, &v); err != nil || v.Fingerprint == "" {
		t.Fatalf("proposal: %v %s", err, res.body)
	}
	before := e.fingerprint()
	if res := e.do("POST", "/api/v1/plans/proposal/approve", "application/json", `{"fingerprint":"0000"}`); res.status != 409 || !strings.Contains(string(res.body), "plan again") {
		t.Errorf("a stale fingerprint: %d %s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused approval changed the database")
	}
	// Through the page: the French 155 mm line excluded.
	page := string(e.do("GET", "/plans/proposal", "", "").body)
	m := regexp.MustCompile(`name="exclude" value="(\d+-\d+)" aria-label="exclude P-00006`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no exclude box for the French line:\n%.3000s", page)
	}
	form := url.Values{"horizon": {"30"}, "fingerprint": {v.Fingerprint}, "exclude": {m[1]}}
	res = e.do("POST", "/plans/proposal/approve", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 303 || !strings.Contains(res.header.Get("Location"), "/shipments?state=planned") {
		t.Fatalf("approve: %d %.1500s", res.status, res.body)
	}
	loc, _ := url.QueryUnescape(res.header.Get("Location"))
	if !strings.Contains(loc, "Approved: 5 allocations of 13256 units") {
		t.Errorf("approved: %s", loc)
	}
	// The French stock is still free and the next proposal offers it alone
	// for the 155 mm requirement.
	again := string(e.do("GET", "/plans/proposal", "", "").body)
	if !strings.Contains(again, "P-00006") || strings.Contains(again, "P-00018") {
		t.Error("after the approval the proposal should hold only what was left out")
	}
	res = e.do("POST", "/plans/proposal/approve", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 409 || !strings.Contains(string(res.body), `id="approve-error"`) {
		t.Errorf("approving the old proposal again: %d", res.status)
	}
}

// TestEveryRoleRendersEveryPage opens the main pages as each role over the
// demo: a page answers, refuses or hides; it never fails.
func TestEveryRoleRendersEveryPage(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
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
		"/plans/proposal", "/pledges", "/requirements", "/items", "/sites", "/audit", "/admin/users", "/account"}
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
