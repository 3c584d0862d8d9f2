package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// siteUser creates a user who works at a site and returns an API token.
func siteUser(t *testing.T, db *store.DB, name, nation, site string, roles ...access.Role) string {
	t.Helper()
	svc := &access.Service{Store: store.Access{DB: db}, Read: db}
	ctx := storetest.Ctx()
	if _, err := svc.CreateUser(ctx, access.NewUser{Name: name, Nation: nation, Site: site, Roles: roles, Clearance: access.Secret, Password: oaPassword}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	_, secret, err := svc.CreateToken(ctx, name, "test", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// allocatedLine records a German pledge of 100 rounds and allocates 60 to a
// requirement at Kyiv; it returns the allocation's id.
func allocatedLine(t *testing.T, db *store.DB) (pledge, allocation int64) {
	t.Helper()
	ctx := storetest.Ctx()
	svc := &assist.Service{Store: store.Assist{DB: db}}
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 80, Priority: 1, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePledge(ctx, assist.Pledge{Nation: "DEU", Title: "155 mm rounds", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-01-10", Promised: "2025-02-01", Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 100, UnitValue: 350000}}})
	if err != nil {
		t.Fatal(err)
	}
	line := p.Lines[0].ID
	for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 100}, {Kind: assist.Allocate, Line: line, Quantity: 60, Requirement: req.ID}} {
		if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
			t.Fatal(err)
		}
	}
	als, err := db.Allocations(ctx, p.ID, 0)
	if err != nil || len(als) != 1 {
		t.Fatalf("allocations %v %v", als, err)
	}
	return p.ID, als[0].ID
}

// TestLogisticsAPI drives the logistics routes over a real server and
// checks every request and response against the OpenAPI document: the
// network, a shipment from plan to receipt with a discrepancy, the hub's
// stock and count, and the refusals the rules call for.
func TestLogisticsAPI(t *testing.T) {
	doc := oaLoad(t)
	oaStrict(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	openapi3filter.RegisterBodyDecoder("text/csv", oaCSV)
	t.Cleanup(func() { openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.CsvBodyDecoder) })
	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Now())
	storetest.Seed(t, db)
	srv := newTestServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	coordinator := oaUser(t, db, "lg.coordinator", "DEU", access.Secret, access.Coordinator)
	rze := siteUser(t, db, "lg.rze", "POL", storetest.SiteHub, access.HubOperator)
	kyiv := siteUser(t, db, "lg.kyiv", "UKR", "", access.RecipientOfficer)
	c := &oaClient{t: t, base: ts.URL, router: router, seen: map[string]bool{}, token: coordinator}

	// The network: a depot, a second hub, links, limits.
	csvBody := "record,code,name,nation,kinds,lat,lon,throughput_t_day,storage_t,dwell_hours,from,to,mode,transit_hours,capacity_t_day,capacity_pallets_day,notes\n" +
		"site,DE-DEPOT,Depot Pfungstadt,DEU,donor_depot,49.8,8.6,,,,,,,,,,\n" +
		"site,RO-HUB,Suceava node,ROU,logistics_hub,47.65,26.25,800,4000,8,,,,,,,\n" +
		"link,,,,,,,,,,DE-DEPOT,PL-RZE,road,20,400,600,A4 corridor\n"
	res := c.do(oaCall{method: "POST", path: "/api/v1/network/import", header: map[string]string{"Content-Type": "text/csv"}, body: csvBody, status: 201}).json(t)
	if oaNum(t, res["sites"]) != 2 || oaNum(t, res["links"]) != 1 {
		t.Errorf("network import: %v", res)
	}
	bad := strings.Replace(csvBody, "DE-DEPOT,PL-RZE,road,20", "DE-DEPOT,XX-NONE,road,-3", 1)
	fp := mustFingerprintDB(t, db)
	c.do(oaCall{method: "POST", path: "/api/v1/network/import", header: map[string]string{"Content-Type": "text/csv"}, body: bad, status: 422})
	if mustFingerprintDB(t, db) != fp {
		t.Error("a refused network import changed the database")
	}
	link := c.do(oaCall{method: "POST", path: "/api/v1/links", body: oaJSON(map[string]any{"from": storetest.SiteHub, "to": storetest.SiteKyiv, "mode": "rail", "transit_hours": 18, "capacity_t_day": 1000, "capacity_pallets_day": 1200}), status: 201})
	linkPath := link.header.Get("Location")
	c.do(oaCall{method: "GET", path: linkPath, status: 200})
	c.do(oaCall{method: "PUT", path: linkPath, header: map[string]string{"If-Match": `"v1"`}, body: oaJSON(map[string]any{"from": storetest.SiteHub, "to": storetest.SiteKyiv, "mode": "rail", "transit_hours": 16, "capacity_t_day": 1000, "capacity_pallets_day": 1200}), status: 200})
	c.do(oaCall{method: "PUT", path: linkPath, header: map[string]string{"If-Match": `"v1"`}, body: oaJSON(map[string]any{"from": storetest.SiteHub, "to": storetest.SiteKyiv, "mode": "rail", "transit_hours": 15}), status: 409})
	c.do(oaCall{method: "POST", path: "/api/v1/links", body: oaJSON(map[string]any{"from": storetest.SiteHub, "to": "UA-NOWHERE", "mode": "road", "transit_hours": 5}), status: 422})
	c.do(oaCall{method: "GET", path: "/api/v1/links?site=PL-RZE", status: 200})
	c.do(oaCall{method: "PUT", path: "/api/v1/hubs/PL-RZE", body: oaJSON(map[string]any{"throughput_t_day": 2000, "storage_t": 10000, "dwell_hours": 6}), status: 200})
	c.do(oaCall{method: "PUT", path: "/api/v1/hubs/UA-KYIV", body: oaJSON(map[string]any{"throughput_t_day": 1, "storage_t": 1, "dwell_hours": 1}), status: 422})
	export := string(c.do(oaCall{method: "GET", path: "/api/v1/network/export", status: 200}).body)
	if !strings.Contains(export, "link,,,,,,,,,,PL-RZE,UA-KYIV,rail,16,1000,1200,") || !strings.Contains(export, "site,PL-RZE,") {
		t.Errorf("network export:\n%s", export)
	}

	// A shipment from plan to receipt.
	pledge, alloc := allocatedLine(t, db)
	plan := map[string]any{"origin": "DE-DEPOT", "destination": storetest.SiteKyiv, "planned_departure": time.Now().UTC().Add(-72 * time.Hour).Format(time.RFC3339),
		"lines": []map[string]any{{"allocation": alloc, "quantity": 40}}}
	c.do(oaCall{method: "POST", path: "/api/v1/shipments", body: oaJSON(map[string]any{"origin": "DE-DEPOT", "destination": storetest.SiteKyiv, "planned_departure": time.Now().UTC().Format(time.RFC3339),
		"lines": []map[string]any{{"allocation": alloc, "quantity": 61}}}), status: 422})
	c.do(oaCall{method: "POST", path: "/api/v1/shipments", token: kyiv, body: oaJSON(plan), status: 403})
	sh := c.do(oaCall{method: "POST", path: "/api/v1/shipments", body: oaJSON(plan), status: 201})
	path := sh.header.Get("Location")
	if got := sh.json(t)["ref"]; got == nil || !strings.HasPrefix(got.(string), "S-") {
		t.Errorf("ref %v", got)
	}
	c.do(oaCall{method: "POST", path: path + "/depart", status: 409})
	c.do(oaCall{method: "POST", path: path + "/dispatch", token: rze, status: 403})
	c.do(oaCall{method: "POST", path: path + "/dispatch", body: oaJSON(map[string]any{"to": "Spedition Müller, truck 7", "at": time.Now().UTC().Add(-70 * time.Hour).Format(time.RFC3339)}), status: 200})
	c.do(oaCall{method: "POST", path: path + "/arrive", token: rze, body: oaJSON(map[string]any{"at": time.Now().UTC().Add(-50 * time.Hour).Format(time.RFC3339)}), status: 200})
	st := c.do(oaCall{method: "GET", path: "/api/v1/hubs/PL-RZE/stock", token: rze, status: 200}).json(t)
	if lines := st["lines"].([]any); len(lines) != 1 || oaNum(t, lines[0].(map[string]any)["quantity"]) != 40 {
		t.Errorf("hub stock %v", st)
	}
	c.do(oaCall{method: "POST", path: "/api/v1/hubs/PL-RZE/counts", token: rze, body: oaJSON(map[string]any{"lines": []map[string]any{{"nsn": storetest.NSN155, "counted": -2}}}), status: 422, badRequest: true})
	c.do(oaCall{method: "POST", path: "/api/v1/hubs/PL-RZE/counts", token: rze, body: oaJSON(map[string]any{"lines": []map[string]any{{"nsn": storetest.NSN155, "counted": 40}}}), status: 201})
	c.do(oaCall{method: "GET", path: "/api/v1/hubs", status: 200})
	c.do(oaCall{method: "POST", path: path + "/hold", token: rze, body: oaJSON(map[string]any{"note": "customs papers missing"}), status: 200})
	c.do(oaCall{method: "POST", path: path + "/depart", token: rze, status: 409})
	c.do(oaCall{method: "POST", path: path + "/release", token: rze, status: 200})
	c.do(oaCall{method: "POST", path: path + "/depart", token: rze, body: oaJSON(map[string]any{"to": "PKP Cargo train 4411"}), status: 200})
	// Dispatched 70 hours ago with a 44-hour route and never arrived: late.
	late := c.do(oaCall{method: "GET", path: "/api/v1/shipments?late=true", status: 200}).json(t)
	if oaNum(t, late["total"]) != 0 {
		// The ETA was recomputed at departure (now + 16 h): not late.
		t.Errorf("late shipments after departure: %v", late["total"])
	}
	sum := c.do(oaCall{method: "GET", path: "/api/v1/logistics", status: 200}).json(t)
	if oaNum(t, sum["active"]) != 1 || len(sum["at_risk"].([]any)) != 1 {
		t.Errorf("logistics summary: active %v, at risk %v; the pledge promised 2025-02-01", sum["active"], sum["at_risk"])
	}
	// The early warning says so, and the check keeps it as a flag, which
	// the pledge's forecast and the lines at risk show.
	risky := c.do(oaCall{method: "GET", path: "/api/v1/forecast/at-risk", status: 200}).json(t)["lines"].([]any)
	if len(risky) != 1 || risky[0].(map[string]any)["risk"].(map[string]any)["reason"] != "eta" || risky[0].(map[string]any)["flag"] != nil {
		t.Errorf("lines at risk before the check: %v", risky)
	}
	if r, err := srv.Forecast.Check(storetest.Ctx()); err != nil || len(r.Flagged) != 1 {
		t.Fatalf("check: %+v %v", r, err)
	}
	pf := c.do(oaCall{method: "GET", path: fmt.Sprintf("/api/v1/pledges/%d/forecast", pledge), status: 200}).json(t)
	if flags := pf["flags"].([]any); len(flags) != 1 || flags[0].(map[string]any)["reason"] != "eta" || len(pf["lines"].([]any)) != 1 {
		t.Errorf("the pledge's forecast: %v", pf)
	}
	if risky := c.do(oaCall{method: "GET", path: "/api/v1/forecast/at-risk?nation=DEU", status: 200}).json(t)["lines"].([]any); len(risky) != 1 || risky[0].(map[string]any)["flag"] == nil {
		t.Errorf("lines at risk after the check: %v", risky)
	}
	c.do(oaCall{method: "GET", path: "/api/v1/forecast/at-risk?nation=FRA", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/pledges/99999/forecast", status: 404})
	rf := c.do(oaCall{method: "GET", path: "/api/v1/requirements/1/forecast", status: 200}).json(t)
	if f := rf["fulfilment"].(map[string]any); oaNum(t, f["unallocated"]) != 20 || oaNum(t, f["lines"]) != 1 {
		t.Errorf("the requirement's fulfilment: %v", f)
	}
	c.do(oaCall{method: "GET", path: "/api/v1/requirements/99999/forecast", status: 404})
	c.do(oaCall{method: "GET", path: "/api/v1/forecast/backtest", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/forecast/backtest?from=2020-01-01&to=2020-06-30", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/forecast/backtest?from=2999-01-01", status: 422})
	c.do(oaCall{method: "GET", path: "/api/v1/forecast/backtest?from=soon", status: 422, badRequest: true})
	c.do(oaCall{method: "POST", path: path + "/receive", token: kyiv, status: 409})
	// Just departed on a 16-hour leg: arriving now needs a note saying why.
	c.do(oaCall{method: "POST", path: path + "/arrive", token: kyiv, status: 422})
	c.do(oaCall{method: "POST", path: path + "/arrive", token: kyiv, body: oaJSON(map[string]any{"note": "the train ran ahead of the timetable"}), status: 200})
	c.do(oaCall{method: "POST", path: path + "/receive", token: kyiv, body: oaJSON(map[string]any{"lines": []map[string]any{{"no": 1, "received": 37}}}), status: 422})
	rc := c.do(oaCall{method: "POST", path: path + "/receive", token: kyiv, body: oaJSON(map[string]any{"lines": []map[string]any{{"no": 1, "received": 37, "kind": "short", "reason": "three rounds missing at unloading"}}}), status: 200}).json(t)
	ds := rc["discrepancies"].([]any)
	if len(ds) != 1 || oaNum(t, ds[0].(map[string]any)["quantity"]) != 3 {
		t.Fatalf("discrepancies %v", rc["discrepancies"])
	}
	c.do(oaCall{method: "POST", path: path + "/receive", token: kyiv, status: 409})
	p, err := db.Pledge(storetest.Ctx(), pledge)
	if err != nil || p.Lines[0].Delivered != 37 || p.Lines[0].Shipped != 40 {
		t.Errorf("pledge line after receipt: %+v %v", p.Lines, err)
	}
	dpath := fmt.Sprintf("/api/v1/discrepancies/%d/resolve", oaNum(t, ds[0].(map[string]any)["id"]))
	c.do(oaCall{method: "GET", path: "/api/v1/discrepancies?state=open", status: 200})
	c.do(oaCall{method: "POST", path: dpath, token: kyiv, body: oaJSON(map[string]any{"resolution": "loss", "note": "x"}), status: 403})
	c.do(oaCall{method: "POST", path: dpath, body: oaJSON(map[string]any{"resolution": "loss", "note": "theft on the rail leg reported to the police"}), status: 200})
	c.do(oaCall{method: "POST", path: dpath, body: oaJSON(map[string]any{"resolution": "found", "note": "again"}), status: 409})
	got := c.do(oaCall{method: "GET", path: path, status: 200}).json(t)
	if chain := got["custody"].([]any); len(chain) != 7 {
		t.Errorf("custody chain has %d events, want 7 (dispatch, arrive, hold, release, depart, arrive, receive)", len(chain))
	}
	c.do(oaCall{method: "GET", path: "/api/v1/shipments?state=received&origin=DE-DEPOT", status: 200})
	csvOut := string(c.do(oaCall{method: "GET", path: "/api/v1/shipments?format=csv", status: 200}).body)
	if !strings.Contains(csvOut, "S-00001,DEU,DE-DEPOT,UA-KYIV,DE-DEPOT > PL-RZE > UA-KYIV,received") {
		t.Errorf("shipments CSV:\n%s", csvOut)
	}
	c.do(oaCall{method: "POST", path: "/api/v1/shipments/S-00001/cancel", status: 409})
}

func mustFingerprintDB(t *testing.T, db *store.DB) string {
	t.Helper()
	fp, err := db.Fingerprint(storetest.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return fp
}
