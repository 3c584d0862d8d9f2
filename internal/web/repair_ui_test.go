package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

func TestRepairPlanPageAndApproval(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/repairs/plan", "", "").body)
	if n := strings.Count(page, `<td><a href="/repairs/`); n != 7 || !strings.Contains(page, "Every waiting order is placed.") {
		t.Fatalf("the plan places %d orders:\n%.3000s", n, page)
	}
	m := regexp.MustCompile(`name="fingerprint" value="([^"]+)"><input type="hidden" name="start" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no approval form")
	}
	form := url.Values{"horizon": {"90"}, "fingerprint": {"stale"}, "start": {m[2]}}
	if res := e.do("POST", "/repairs/plan/approve", "application/x-www-form-urlencoded", form.Encode()); res.status != 409 || !strings.Contains(string(res.body), `id="approve-error"`) {
		t.Errorf("a stale plan: %d", res.status)
	}
	form.Set("fingerprint", m[1])
	res := e.do("POST", "/repairs/plan/approve", "application/x-www-form-urlencoded", form.Encode())
	if got := e.notice(res); res.status != 303 || !strings.Contains(got, "Approved: 7 repair orders") {
		t.Fatalf("approve: %d %q", res.status, got)
	}
	list := string(e.do("GET", "/repairs?state=assigned", "", "").body)
	if n := strings.Count(list, `data-state="assigned"`); n != 7 {
		t.Errorf("%d orders assigned", n)
	}
	// The facility's manager at Satu Mare moves its orders on; Gliwice's
	// manager sees none of them.
	e.token = siteToken(e, "smr-manager", "ROU", "RO-SMR", access.FacilityManager)
	smr := string(e.do("GET", "/repairs", "", "").body)
	ids := regexp.MustCompile(`<tr data-id="(\d+)" data-state="assigned">`).FindAllStringSubmatch(smr, -1)
	if len(ids) == 0 {
		t.Fatalf("Satu Mare's manager sees no order:\n%.2000s", smr)
	}
	id := ids[0][1]
	if res := e.do("POST", "/repairs/"+id+"/move", "application/x-www-form-urlencoded", url.Values{"state": {"in_repair"}}.Encode()); res.status != 409 || !strings.Contains(string(res.body), "it can go only to in transit") {
		t.Errorf("out of order: %d", res.status)
	}
	for _, st := range []string{"in_transit", "in_repair"} {
		if res := e.do("POST", "/repairs/"+id+"/move", "application/x-www-form-urlencoded", url.Values{"state": {st}, "note": {"ok"}}.Encode()); res.status != 303 {
			t.Fatalf("%s: %d %.500s", st, res.status, res.body)
		}
	}
	if p := string(e.do("GET", "/repairs/"+id, "", "").body); !strings.Contains(p, `id="order-state">in repair`) && !strings.Contains(p, `id="order-state">In repair`) {
		t.Errorf("the order page:\n%.1500s", p)
	}
	// Repaired, its cost counts in the paying nation's accounts.
	if res := e.do("POST", "/repairs/"+id+"/move", "application/x-www-form-urlencoded", url.Values{"state": {"repaired"}}.Encode()); res.status != 303 {
		t.Fatalf("repaired: %d", res.status)
	}
	if res := e.do("POST", "/repairs/"+id+"/cost", "application/x-www-form-urlencoded", url.Values{"cost": {"-5"}, "paid_by": {"DEU"}}.Encode()); res.status != 422 || !strings.Contains(string(res.body), `id="move-error"`) {
		t.Errorf("a negative cost: %d", res.status)
	}
	if res := e.do("POST", "/repairs/"+id+"/cost", "application/x-www-form-urlencoded", url.Values{"cost": {"1200000"}, "paid_by": {"DEU"}}.Encode()); res.status != 403 {
		t.Errorf("a Romanian facility manager crediting Germany: %d", res.status)
	}
	res = e.do("POST", "/repairs/"+id+"/cost", "application/x-www-form-urlencoded", url.Values{"cost": {"1200000"}, "paid_by": {"ROU"}}.Encode())
	if got := e.notice(res); res.status != 303 || !strings.Contains(got, "€ 1,200,000.00 paid by ROU") {
		t.Fatalf("the cost: %d %q %.500s", res.status, got, res.body)
	}
	e.token = siteToken(e, "gli-manager", "POL", "PL-GLI", access.FacilityManager)
	if p := string(e.do("GET", "/repairs", "", "").body); strings.Contains(p, `<tr data-id="`+id+`"`) {
		t.Error("Gliwice's manager sees Satu Mare's order")
	}
	if res := e.do("GET", "/repairs/"+id, "", ""); res.status != 404 {
		t.Errorf("Gliwice's manager opens Satu Mare's order: %d", res.status)
	}
}

func TestEquipmentPages(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	dup := url.Values{"nsn": {"1025-01-000-0009"}, "serial": {"M777-US-001"}, "donor": {"USA"}, "received": {"2026-06-01"}, "location": {"UA-KYIV"}}
	if res := e.do("POST", "/equipment", "application/x-www-form-urlencoded", dup.Encode()); res.status != 422 || !strings.Contains(string(res.body), "registered already") {
		t.Errorf("a serial twice: %d", res.status)
	}
	dup.Set("serial", "M777-US-099")
	res := e.do("POST", "/equipment", "application/x-www-form-urlencoded", dup.Encode())
	if res.status != 303 {
		t.Fatalf("register: %d %.500s", res.status, res.body)
	}
	piece := strings.SplitN(res.header.Get("Location"), "?", 2)[0]
	res = e.do("POST", piece+"/damage", "application/x-www-form-urlencoded", url.Values{"fault": {""}, "severity": {"facility"}}.Encode())
	if res.status != 422 || !strings.Contains(string(res.body), `data-field="fault"`) {
		t.Errorf("damage without a fault: %d", res.status)
	}
	res = e.do("POST", piece+"/damage", "application/x-www-form-urlencoded", url.Values{"fault": {"hit by artillery"}, "severity": {"beyond"}, "priority": {"1"}, "replace": {"1"}, "location": {"UA-KYIV"}}.Encode())
	if got := e.notice(res); res.status != 303 || !strings.Contains(got, "beyond repair") || !strings.Contains(got, "replacement asked for as R-") {
		t.Fatalf("beyond repair: %d %q", res.status, got)
	}
	p := string(e.do("GET", piece, "", "").body)
	if !strings.Contains(p, `id="piece-state">destroyed`) && !strings.Contains(p, `id="piece-state">Destroyed`) || strings.Contains(p, `id="damage-form"`) {
		t.Errorf("the destroyed piece's page:\n%.2000s", p)
	}
	// An operational piece is written off with its reason.
	if res := e.do("POST", "/equipment/1/write-off", "application/x-www-form-urlencoded", url.Values{"reason": {""}}.Encode()); res.status != 422 || !strings.Contains(string(res.body), `data-field="reason"`) {
		t.Errorf("a write-off without a reason: %d", res.status)
	}
	if res := e.do("POST", "/equipment/3/write-off", "application/x-www-form-urlencoded", url.Values{"reason": {"hull cracked, uneconomic"}}.Encode()); res.status != 303 {
		t.Errorf("a write-off: %d %.500s", res.status, res.body)
	}
	if res := e.do("POST", "/equipment/3/write-off", "application/x-www-form-urlencoded", url.Values{"reason": {"again"}}.Encode()); res.status != 409 {
		t.Errorf("a write-off twice: %d", res.status)
	}
	fleet := string(e.do("GET", "/repairs", "", "").body)
	if !strings.Contains(fleet, `<tr data-nsn="1025-01-000-0009">`) || !strings.Contains(fleet, `id="pipeline"`) {
		t.Errorf("the repairs page:\n%.2000s", fleet)
	}
	// Each bar of the pipeline counts the orders in its state.
	svg := fleet[strings.Index(fleet, `id="pipeline"`):]
	svg = svg[:strings.Index(svg, "</svg>")]
	for i, st := range []string{"reported", "assigned"} {
		want := e.do("GET", "/api/v1/repairs?limit=1&state="+st, "", "").json(t)["total"]
		bar := regexp.MustCompile(fmt.Sprintf(`x="\d+" y="%d">(\d+)</text>`, 14+20*i)).FindStringSubmatch(svg)
		if bar == nil || bar[1] != fmt.Sprint(want) {
			t.Errorf("the pipeline's %s bar reads %v, the list counts %v:\n%s", st, bar, want, svg)
		}
	}
	if !strings.Contains(fleet, `id="pipeline-history"`) || !strings.Contains(fleet, `class="st-reported"`) {
		t.Error("the repairs page lacks the pipeline over time")
	}
	// A piece that came through Longhaul takes its date and place from the
	// shipment's receipt.
	var ships struct {
		Items []struct {
			ID          int64     `json:"id"`
			Destination string    `json:"destination"`
			ReceivedAt  time.Time `json:"received_at"`
		} `json:"items"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/v1/shipments?state=received", "", "").body, &ships); err != nil || len(ships.Items) == 0 {
		t.Fatalf("no received shipment in the demo: %v", err)
	}
	sh := ships.Items[0]
	res = e.do("POST", "/api/v1/equipment", "application/json", fmt.Sprintf(`{"nsn":"2355-12-000-0020","serial":"APC-NL-099","donor":"NLD","shipment":%d}`, sh.ID))
	var got struct {
		Received string `json:"received"`
		Location string `json:"location"`
	}
	if err := json.Unmarshal(res.body, &got); err != nil || res.status != 201 || got.Received != sh.ReceivedAt.UTC().Format("2006-01-02") || got.Location != sh.Destination {
		t.Errorf("registered from %d (%s at %s): %d %s", sh.ID, sh.ReceivedAt, sh.Destination, res.status, res.body)
	}
	// The German officer sees Germany's pieces only.
	e.token = siteToken(e, "deu-lo", "DEU", "", access.NationOfficer)
	list := string(e.do("GET", "/equipment", "", "").body)
	if strings.Contains(list, "M777-US") || !strings.Contains(list, "L2A6-DE-001") {
		t.Errorf("the German officer's register:\n%.2000s", list)
	}
}
