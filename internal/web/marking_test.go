package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestMarkingsAreNotLoweredByOmission edits a NATO RESTRICTED pledge
// releasable to UKR, and a requirement marked alike, through the API and
// the forms: an edit that leaves the marking out keeps it, so that FRA
// still cannot read the record; a nation or recipient officer who lowers it
// on purpose is refused naming the field and nothing changes; a
// coordinator may lower it, and the audit trail says so.
func TestMarkingsAreNotLoweredByOmission(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			deu := e.user("deu-lo", "DEU", access.Restricted, access.NationOfficer)
			fra := e.user("fra-lo", "FRA", access.Restricted, access.NationOfficer)
			ukr := e.user("ukr-lo", "UKR", access.Restricted, access.RecipientOfficer)
			if r := e.do("POST", "/api/v1/pledges", "application/json", goodPledge); r.status != 201 {
				t.Fatalf("create pledge: %d %s", r.status, r.body)
			}
			if r := e.do("POST", "/api/v1/requirements", "application/json",
				`{"group":"155MM-NATO","quantity":80,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV","classification":"NATO RESTRICTED","releasable_to":["DEU"]}`); r.status != 201 {
				t.Fatalf("create requirement: %d %s", r.status, r.body)
			}
			const restricted = "NATO RESTRICTED"
			marking := func(path, want string, rel ...string) {
				t.Helper()
				got := e.do("GET", path, "", "").json(t)
				if got["classification"] != want || fmt.Sprint(got["releasable_to"]) != fmt.Sprint(rel) {
					t.Errorf("%s is marked %v %v, want %s %v", path, got["classification"], got["releasable_to"], want, rel)
				}
			}
			pledgeHead := `"title":"Spring package, revised","channel":"bilateral","category":"in_kind","announced":"2025-02-01","promised":"2025-05-31"`
			reqHead := `"group":"155MM-NATO","quantity":90,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV"`

			// Left out, null or empty: kept.
			for i, omit := range []string{"", `,"classification":null,"releasable_to":null`, `,"classification":""`} {
				if r := e.do("PUT", "/api/v1/pledges/1", "application/json", "{"+pledgeHead+omit+"}", "Authorization", "Bearer "+deu); r.status != 200 {
					t.Fatalf("PUT pledge %d: %d %s", i, r.status, r.body)
				}
				if r := e.do("PUT", "/api/v1/requirements/1", "application/json", "{"+reqHead+omit+"}", "Authorization", "Bearer "+ukr); r.status != 200 {
					t.Fatalf("PUT requirement %d: %d %s", i, r.status, r.body)
				}
			}
			marking("/api/v1/pledges/1", restricted, "UKR")
			marking("/api/v1/requirements/1", restricted, "DEU")
			if r := e.do("GET", "/api/v1/pledges/1", "", "", "Authorization", "Bearer "+fra); r.status != 404 {
				t.Errorf("FRA reads the pledge after an edit that left its marking out: %d", r.status)
			}
			form := url.Values{"nation": {"DEU"}, "title": {"Spring package, by form"}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
				"announced": {"2025-02-01"}, "promised": {"2025-05-31"}, "version": {"4"}}
			if r := e.do("POST", "/pledges/1", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "Bearer "+deu); r.status != 303 {
				t.Fatalf("form without a marking: %d %s", r.status, r.body)
			}
			marking("/api/v1/pledges/1", restricted, "UKR")

			// Lowered on purpose by an officer: refused, naming the field.
			// A refusal of a signed-in user is audited, so the records, not
			// the whole database, are compared.
			records := func() string {
				return string(e.do("GET", "/api/v1/pledges/1", "", "").body) + string(e.do("GET", "/api/v1/requirements/1", "", "").body)
			}
			before := records()
			for _, c := range []struct{ body, field string }{
				{`,"classification":"NATO UNCLASSIFIED"`, "classification"},
				{`,"releasable_to":[]`, "releasable_to"},
				{`,"releasable_to":["FRA","UKR"]`, "releasable_to"},
				{`,"classification":"NATO UNCLASSIFIED","releasable_to":["UKR"]`, "classification"},
			} {
				r := e.do("PUT", "/api/v1/pledges/1", "application/json", "{"+pledgeHead+c.body+"}", "Authorization", "Bearer "+deu)
				if r.status != 403 || !problemNames(r.json(t), c.field) {
					t.Errorf("officer lowers the pledge with %s: %d %s", c.body, r.status, r.body)
				}
				r = e.do("PUT", "/api/v1/requirements/1", "application/json", "{"+reqHead+strings.ReplaceAll(c.body, "FRA", "POL")+"}", "Authorization", "Bearer "+ukr)
				if r.status != 403 || !problemNames(r.json(t), c.field) {
					t.Errorf("officer lowers the requirement with %s: %d %s", c.body, r.status, r.body)
				}
			}
			form.Set("version", "5")
			form.Set("classification", restricted)
			form.Set("releasable_to", "")
			r := e.do("POST", "/pledges/1", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "Bearer "+deu)
			if r.status != 403 || !strings.Contains(string(r.body), `data-field="releasable_to"`) {
				t.Errorf("form that empties the releasability: %d", r.status)
			}
			if records() != before {
				t.Error("a refused lowering changed the records")
			}

			// Lowered on purpose by a coordinator: done and audited as such.
			if r := e.do("PUT", "/api/v1/pledges/1", "application/json", "{"+pledgeHead+`,"classification":"NATO UNCLASSIFIED","releasable_to":[]}`); r.status != 200 {
				t.Fatalf("coordinator lowers the pledge: %d %s", r.status, r.body)
			}
			marking("/api/v1/pledges/1", "NATO UNCLASSIFIED")
			evs := e.do("GET", "/api/v1/audit/events?entity=pledge&entity_id=1", "", "")
			if !strings.Contains(string(evs.body), `"pledge.lower_marking"`) {
				t.Errorf("the lowering is not audited as such: %s", evs.body)
			}
			form.Set("version", "6")
			form.Set("classification", restricted)
			form.Set("releasable_to", "UKR")
			if r := e.do("POST", "/pledges/1", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "Bearer "+deu); r.status != 303 {
				t.Errorf("officer raises the marking again: %d %s", r.status, r.body)
			}
			marking("/api/v1/pledges/1", restricted, "UKR")
		})
	}
}
