package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// goodsEnv is a ledger with a German pledge of 100 rounds committed and
// allocated to a requirement at Kyiv, depots of Germany and France, and
// links through Rzeszów.
type goodsEnv struct {
	*apiEnv
	pledge, req, alloc int64
}

func newGoodsEnv(t *testing.T, dsn string) goodsEnv {
	e := newAPIEnv(t, dsn)
	for _, s := range []string{
		`{"code":"DE-DEPOT","name":"German depot","nation":"DEU","kinds":["donor_depot"]}`,
		`{"code":"FR-DEPOT","name":"French depot","nation":"FRA","kinds":["donor_depot"]}`,
	} {
		if r := e.do("POST", "/api/v1/sites", "application/json", s); r.status != 201 {
			t.Fatalf("site: %d %s", r.status, r.body)
		}
	}
	for _, l := range []string{
		`{"from":"DE-DEPOT","to":"PL-RZE","mode":"road","transit_hours":12}`,
		`{"from":"FR-DEPOT","to":"PL-RZE","mode":"road","transit_hours":20}`,
		`{"from":"PL-RZE","to":"UA-KYIV","mode":"rail","transit_hours":16}`,
	} {
		if r := e.do("POST", "/api/v1/links", "application/json", l); r.status != 201 {
			t.Fatalf("link: %d %s", r.status, r.body)
		}
	}
	req := e.do("POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":100,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`).json(t)
	p := e.do("POST", "/api/v1/pledges", "application/json", goodPledge).json(t)
	g := goodsEnv{apiEnv: e, pledge: int64(p["id"].(float64)), req: int64(req["id"].(float64))}
	line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
	for _, s := range []struct{ a, b string }{
		{"commit", fmt.Sprintf(`{"line":%d,"quantity":100}`, line)},
		{"allocate", fmt.Sprintf(`{"line":%d,"quantity":100,"requirement":%d}`, line, g.req)},
	} {
		if r := e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/%s", g.pledge, s.a), "application/json", s.b); r.status != 200 {
			t.Fatalf("%s: %d %s", s.a, r.status, r.body)
		}
	}
	g.alloc = firstAllocationID(e, g.pledge)
	return g
}

func (g goodsEnv) lineQuantities() string {
	g.t.Helper()
	l := g.do("GET", fmt.Sprintf("/api/v1/pledges/%d", g.pledge), "", "").json(g.t)["lines"].([]any)[0].(map[string]any)
	return fmt.Sprint(l["shipped"], " ", l["delivered"], " ", l["accepted"])
}

// TestGoodsMoveOnlyThroughShipments is the first finding of the review: a
// receipt of 190 of 200 with a discrepancy, then the line's own "deliver
// 10", left the ledger saying 200 delivered and 10 missing at once. Now a
// line is delivered only by a receipt, and the discrepancy resolves.
func TestGoodsMoveOnlyThroughShipments(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			g := newGoodsEnv(t, dsn(t))
			sh := g.do("POST", "/api/v1/shipments", "application/json", fmt.Sprintf(`{"origin":"DE-DEPOT","destination":"UA-KYIV","planned_departure":"2025-02-26T08:00:00Z","lines":[{"allocation":%d,"quantity":100}]}`, g.alloc)).json(t)
			path := fmt.Sprintf("/api/v1/shipments/%d", int64(sh["id"].(float64)))
			for _, m := range []struct{ action, body string }{
				{"dispatch", `{"at":"2025-02-27T00:00:00Z"}`}, {"arrive", `{"at":"2025-02-27T12:00:00Z"}`},
				{"depart", `{"at":"2025-02-28T00:00:00Z"}`}, {"arrive", `{"at":"2025-02-28T16:00:00Z"}`},
			} {
				if r := g.do("POST", path+"/"+m.action, "application/json", m.body); r.status != 200 {
					t.Fatalf("%s: %d %s", m.action, r.status, r.body)
				}
			}
			if r := g.do("POST", path+"/receive", "application/json", `{"lines":[{"no":1,"received":90,"kind":"short","reason":"ten missing at unloading"}]}`); r.status != 200 {
				t.Fatalf("receive: %d %s", r.status, r.body)
			}
			before := g.fingerprint()
			// The API and the pledge page refuse delivering on the line.
			if r := g.do("POST", fmt.Sprintf("/api/v1/pledges/%d/deliver", g.pledge), "application/json", `{"line":1,"quantity":10}`); r.status != 422 || !strings.Contains(string(r.body), "only through shipments") {
				t.Errorf("deliver on the line (API): %d %s", r.status, r.body)
			}
			p := g.do("GET", fmt.Sprintf("/api/v1/pledges/%d", g.pledge), "", "").json(t)
			line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
			form := url.Values{"action": {"deliver"}, "line": {fmt.Sprint(line)}, "quantity": {"10"}}
			if r := g.do("POST", fmt.Sprintf("/pledges/%d/act", g.pledge), "application/x-www-form-urlencoded", form.Encode()); r.status != 422 || !strings.Contains(string(r.body), "only through shipments") {
				t.Errorf("deliver on the line (form): %d %.400s", r.status, r.body)
			}
			page := string(g.do("GET", fmt.Sprintf("/pledges/%d", g.pledge), "", "").body)
			if strings.Contains(page, `<option value="deliver"`) || strings.Contains(page, `<option value="ship"`) {
				t.Error("the pledge page still offers ship or deliver on a line")
			}
			if g.fingerprint() != before {
				t.Error("a refused delivery changed the database")
			}
			if got := g.lineQuantities(); got != "100 90 0" {
				t.Errorf("line shipped, delivered, accepted: %s, want 100 90 0", got)
			}
			// The ten turn up: resolving the discrepancy as found delivers them.
			ds := g.do("GET", "/api/v1/discrepancies?state=open", "", "").json(t)["items"].([]any)
			d := ds[0].(map[string]any)
			if r := g.do("POST", fmt.Sprintf("/api/v1/discrepancies/%d/resolve", int64(d["id"].(float64))), "application/json", `{"resolution":"found","note":"found in the second wagon"}`); r.status != 200 {
				t.Fatalf("resolve found: %d %s", r.status, r.body)
			}
			if got := g.lineQuantities(); got != "100 100 0" {
				t.Errorf("after the find: %s, want 100 100 0", got)
			}
			r := g.do("GET", fmt.Sprintf("/api/v1/requirements/%d", g.req), "", "").json(t)
			if r["state"] != "awaiting_acceptance" || r["delivered"] != 100.0 {
				t.Errorf("requirement after receipt: %v %v, want awaiting_acceptance, 100", r["state"], r["delivered"])
			}
			if page := string(g.do("GET", fmt.Sprintf("/requirements/%d", g.req), "", "").body); !strings.Contains(page, "Received, awaiting acceptance") {
				t.Error("the requirement's page does not say it waits for acceptance")
			}
			if rep := g.do("GET", "/api/v1/check", "", "").json(t); rep["ok"] != true {
				t.Errorf("check: %v", rep)
			}
		})
	}
}

// TestShipmentsGoFromTheStockToTheNeed is the second finding: German stock
// for Kyiv shipped from the French depot to another place without a word.
func TestShipmentsGoFromTheStockToTheNeed(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			g := newGoodsEnv(t, dsn(t))
			before := g.fingerprint()
			ship := func(origin, dest, override string) apiResponse {
				return g.do("POST", "/api/v1/shipments", "application/json", fmt.Sprintf(`{"origin":%q,"destination":%q,"override_reason":%q,"planned_departure":"2025-03-02T08:00:00Z","lines":[{"allocation":%d,"quantity":10}]}`, origin, dest, override, g.alloc))
			}
			if r := ship("FR-DEPOT", "UA-KYIV", ""); r.status != 422 || !strings.Contains(string(r.body), `"field":"origin"`) || !strings.Contains(string(r.body), "waits at a depot of DEU") {
				t.Errorf("German stock from the French depot: %d %s", r.status, r.body)
			}
			if r := ship("DE-DEPOT", "PL-RZE", ""); r.status != 422 || !strings.Contains(string(r.body), `"field":"destination"`) || !strings.Contains(string(r.body), "delivered at UA-KYIV") {
				t.Errorf("to the hub instead of the delivery point: %d %s", r.status, r.body)
			}
			// The form says the same beside the field and keeps what was typed.
			form := url.Values{"origin": {"FR-DEPOT"}, "destination": {"UA-KYIV"}, "planned_departure": {"2025-03-02T08:00"}, "allocation": {fmt.Sprint(g.alloc)}, "quantity": {"10"}}
			if r := g.do("POST", "/shipments", "application/x-www-form-urlencoded", form.Encode()); r.status != 422 || !strings.Contains(string(r.body), `data-field="origin"`) {
				t.Errorf("the form from the French depot: %d %.600s", r.status, r.body)
			}
			if g.fingerprint() != before {
				t.Error("a refused shipment changed the database")
			}
			// With its reason the exception is made, and kept.
			r := ship("FR-DEPOT", "UA-KYIV", "German rounds stored at the French depot after an exercise")
			if r.status != 201 || !strings.Contains(r.json(t)["notes"].(string), "route override: German rounds stored") {
				t.Fatalf("with a reason: %d %s", r.status, r.body)
			}
			evs := string(g.do("GET", "/api/v1/audit/events?entity=shipment", "", "").body)
			if !strings.Contains(evs, "German rounds stored at the French depot") {
				t.Error("the override's reason is not in the audit trail")
			}
		})
	}
}

// TestReceiveAndAcceptInOneStep is the third finding: after a receipt the
// requirement read "Allocated" and the recipient had to find the pledge
// and accept each line. The receipt form accepts in the same step.
func TestReceiveAndAcceptInOneStep(t *testing.T) {
	g := newGoodsEnv(t, storetest.SQLiteDSN(t))
	// Germany hands 60 over directly at Kyiv, from its depot.
	g.token = g.user("deu-lo", "DEU", access.Restricted, access.NationOfficer)
	page := string(g.do("GET", fmt.Sprintf("/pledges/%d", g.pledge), "", "").body)
	if !strings.Contains(page, `id="handover-form"`) {
		t.Fatal("the nation's officer is not offered the handover")
	}
	// Too many, with a note: refused beside the field, and what was typed
	// stays in the form.
	res := g.do("POST", fmt.Sprintf("/pledges/%d/handover", g.pledge), "application/x-www-form-urlencoded", url.Values{"allocation": {fmt.Sprint(g.alloc)}, "quantity": {"600"}, "note": {"brigade at Kyiv"}}.Encode())
	if body := string(res.body); res.status != 422 || !strings.Contains(body, `data-field="quantity"`) || !strings.Contains(body, `value="600"`) || !strings.Contains(body, `value="brigade at Kyiv"`) {
		t.Errorf("a handover of too many: %d %.600s", res.status, res.body)
	}
	res = g.do("POST", fmt.Sprintf("/pledges/%d/handover", g.pledge), "application/x-www-form-urlencoded", url.Values{"allocation": {fmt.Sprint(g.alloc)}, "quantity": {"60"}}.Encode())
	if res.status != 303 || !strings.Contains(g.notice(res), "waits for the recipient's receipt at") {
		t.Fatalf("handover: %d %s %.300s", res.status, res.header.Get("Location"), res.body)
	}
	if got := g.lineQuantities(); got != "60 0 0" {
		t.Errorf("after the handover: %s, want 60 shipped, nothing delivered before the receipt", got)
	}
	// The recipient receives and accepts it in one submit.
	g.token = g.user("ukr-lo", "UKR", access.Restricted, access.RecipientOfficer)
	sh := g.do("GET", "/api/v1/shipments?state=delivered", "", "").json(t)["items"].([]any)[0].(map[string]any)
	id := int64(sh["id"].(float64))
	if page := string(g.do("GET", fmt.Sprintf("/shipments/%d", id), "", "").body); !strings.Contains(page, `id="receive-accept"`) {
		t.Fatal("the receipt form does not offer receive and accept")
	}
	res = g.do("POST", fmt.Sprintf("/shipments/%d/receive", id), "application/x-www-form-urlencoded", url.Values{"no": {"1"}, "received": {"60"}, "accept": {"1"}}.Encode())
	if res.status != 303 || !strings.HasPrefix(g.notice(res), "Received and accepted S-") {
		t.Fatalf("receive and accept: %d %s", res.status, res.header.Get("Location"))
	}
	if got := g.lineQuantities(); got != "60 60 60" {
		t.Errorf("after receive and accept: %s, want 60 60 60", got)
	}
	r := g.do("GET", fmt.Sprintf("/api/v1/requirements/%d", g.req), "", "").json(t)
	if r["accepted"] != 60.0 || r["state"] != "allocated" {
		t.Errorf("requirement: accepted %v, state %v; want 60 and allocated (40 still to come)", r["accepted"], r["state"])
	}
}
