package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestFullStorageAnswers507AndNotReady holds issue 15's ninth finding: on a
// SQLite database capped at its size (as a full disk would), the pledge that
// does not fit answers 507 with a problem that says so and saves nothing,
// the form says it beside what was typed, /readyz answers 503 saying why,
// and once there is room both work again.
func TestFullStorageAnswers507AndNotReady(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.db.ProbeEvery = 0
	ctx := context.Background()
	if _, err := e.db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var full apiResponse
	for i := 0; i < 5000 && full.status == 0; i++ {
		before := e.fingerprint()
		res := e.do("POST", "/api/v1/pledges", "application/json", goodPledge)
		switch res.status {
		case 201:
			continue
		case 507:
			full = res
		default:
			t.Fatalf("pledge %d: %d %s", i, res.status, res.body)
		}
		if e.fingerprint() != before {
			t.Error("the pledge that did not fit changed the ledger")
		}
	}
	if full.status != 507 {
		t.Fatal("5000 pledges fit: the storage never filled")
	}
	prob := full.json(t)
	if full.header.Get("Content-Type") != "application/problem+json" || prob["type"] != "/problems/storage-full" || prob["status"] != float64(507) ||
		prob["detail"] != "the server's storage is full: nothing was saved; try again later or tell the operator" {
		t.Errorf("problem: %s %s", full.header.Get("Content-Type"), full.body)
	}
	if full.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if res := e.do("GET", "/readyz", "", ""); res.status != 503 || !strings.Contains(string(res.body), "not ready: the storage is full: writes have failed since 2025-03-01T09:00:00Z") {
		t.Errorf("readyz: %d %s", res.status, res.body)
	}
	before := e.fingerprint()
	form := url.Values{"nation": {"DEU"}, "title": {"Spring package"}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
		"announced": {"2025-02-01"}, "promised": {"2025-04-30"}, "classification": {"NATO UNCLASSIFIED"},
		"line_nsn": {"1320-12-345-6789"}, "line_quantity": {"100"}, "line_unit_value": {""}}
	if res := e.do("POST", "/pledges", "application/x-www-form-urlencoded", form.Encode(), "Accept", "text/html"); res.status != 507 ||
		!strings.Contains(string(res.body), "storage is full: nothing was saved") || !strings.Contains(string(res.body), `value="Spring package"`) {
		t.Errorf("form: %d %.2000s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("the form that did not fit changed the ledger")
	}

	if _, err := e.db.LimitPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", "/readyz", "", ""); res.status != 200 {
		t.Errorf("readyz with room again: %d %s", res.status, res.body)
	}
	if res := e.do("POST", "/api/v1/pledges", "application/json", goodPledge); res.status != 201 {
		t.Errorf("pledge with room again: %d %s", res.status, res.body)
	}
}
