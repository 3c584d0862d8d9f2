package web_test

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestProvenanceThroughThePledgeForm: the pledge form takes where the
// amount and each line's value come from; a form whose figures disagree
// with their conversions, whose basis is unknown and whose currency is no
// code shows every problem beside its field, keeps what was typed and
// records nothing; once corrected, the pledge page says where each figure
// comes from.
func TestProvenanceThroughThePledgeForm(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("value-officer", "DEU", access.Confidential, access.NationOfficer)
	cookie := sessionOf(t, e.signIn("value-officer", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	form := url.Values{"csrf": {csrf}, "nation": {"DEU"}, "title": {"Air defence and rounds"}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
		"announced": {"2025-01-10"}, "promised": {"2025-12-31"}, "classification": {"NATO UNCLASSIFIED"}, "amount": {"990000.00"},
		"amount_valuation.currency": {"USD"}, "amount_valuation.original": {"1,081,300.00"}, "amount_valuation.rate": {"1.0813"}, "amount_valuation.rate_date": {"2023-12-29"},
		"amount_valuation.basis": {"official"}, "amount_valuation.source": {"DoD release"},
		"line_nsn": {"1320-12-345-6789", "1410-01-234-5678", ""}, "line_quantity": {"10", "2", ""}, "line_unit_value": {"", "", ""},
		"line_basis": {"list", "price_list", ""}, "line_source": {"MoD answer", "", ""},
		"line_currency": {"GBP", "US$", ""}, "line_original": {"3479.16", "5", ""}, "line_rate": {"0.86979", "1", ""}, "line_rate_date": {"2023-12-31", "2023-12-31", ""}}
	post := func(f url.Values) apiResponse {
		return e.do("POST", "/pledges", "application/x-www-form-urlencoded", f.Encode(), "Authorization", "", "Cookie", cookie)
	}
	before := e.fingerprint()
	bad := post(form)
	body := html.UnescapeString(string(bad.body))
	if bad.status != 422 || e.fingerprint() != before {
		t.Fatalf("a form with three problems: %d, changed %v: %.3000s", bad.status, e.fingerprint() != before, body)
	}
	for _, f := range []string{"amount", "lines[0].valuation.basis", "lines[1].valuation.currency"} {
		if !strings.Contains(body, `data-field="`+f+`"`) {
			t.Errorf("no problem shown beside %s", f)
		}
	}
	if !strings.Contains(body, "USD 1,081,300.00 at 1.0813 per euro is EUR 1,000,000.00, not EUR 990,000.00") {
		t.Errorf("the conversion's refusal does not say both figures")
	}
	for _, typed := range []string{`value="1,081,300.00"`, `value="DoD release"`, `value="US$"`, `value="3479.16"`, `value="MoD answer"`, `<option value="list" selected>`} {
		if !strings.Contains(body, typed) {
			t.Errorf("what was typed is lost: no %s", typed)
		}
	}
	form.Set("amount", "")
	form["line_basis"] = []string{"replacement_cost", "price_list", ""}
	form["line_currency"] = []string{"GBP", "", ""}
	form["line_original"] = []string{"3479.16", "", ""}
	form["line_rate"] = []string{"0.86979", "", ""}
	form["line_rate_date"] = []string{"2023-12-31", "", ""}
	ok := post(form)
	if ok.status != 303 {
		t.Fatalf("the corrected form: %d %.3000s", ok.status, html.UnescapeString(string(ok.body)))
	}
	loc := ok.header.Get("Location")
	page := html.UnescapeString(string(e.do("GET", strings.SplitN(loc, "?", 2)[0], "", "", "Authorization", "", "Cookie", cookie).body))
	for _, want := range []string{
		"€ 1,000,000.00 <span class=\"provenance\" id=\"amount-provenance\">— USD 1,081,300.00 at 1.0813 per euro on 2023-12-29, official, source DoD release",
		"GBP 3,479.16 at 0.86979 per euro on 2023-12-31, replacement cost, source MoD answer",
		"price list", "No figure revalued yet",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the pledge page does not show %q", want)
		}
	}
}

// TestRevalueThroughThePledgePage: the Revalue form shows every problem
// beside its field with what was typed kept, and changes nothing; a
// revaluation then shows in the page's history of revaluations and of
// events, and its figure where the old one was.
func TestRevalueThroughThePledgePage(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("reval-officer", "DEU", access.Confidential, access.NationOfficer)
	cookie := sessionOf(t, e.signIn("reval-officer", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	created := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Air defence fund","kind":"funds","channel":"bilateral","category":"equipment_purchase",
		"announced":"2025-01-10","promised":"2025-12-31","classification":"NATO UNCLASSIFIED",
		"amount_valuation":{"currency":"USD","original":"1081300.00","rate":"1.0813","rate_date":"2023-12-29","basis":"official"}}`)
	if created.status != 201 {
		t.Fatalf("the pledge: %d %s", created.status, created.body)
	}
	id := int64(created.json(t)["id"].(float64))
	revalue := func(f url.Values) apiResponse {
		f.Set("csrf", csrf)
		return e.do("POST", fmt.Sprintf("/pledges/%d/revalue", id), "application/x-www-form-urlencoded", f.Encode(), "Authorization", "", "Cookie", cookie)
	}
	before := e.fingerprint()
	bad := revalue(url.Values{"line": {"0"}, "eur": {"1,250"}, "currency": {"USD"}, "original": {"1082400.00"}, "rate": {"1.0824"}, "rate_date": {"2026-01-01"}, "basis": {"guess"}, "reason": {""}})
	body := html.UnescapeString(string(bad.body))
	if bad.status != 422 || e.fingerprint() != before {
		t.Fatalf("a revaluation with four problems: %d, changed %v: %.3000s", bad.status, e.fingerprint() != before, body)
	}
	for _, f := range []string{"eur", "rate_date", "basis", "reason"} {
		if !strings.Contains(body, `data-field="`+f+`"`) {
			t.Errorf("no problem shown beside %s", f)
		}
	}
	for _, typed := range []string{`value="1,250"`, `value="1082400.00"`, `value="2026-01-01"`, `<option value="guess" selected>`} {
		if !strings.Contains(body, typed) {
			t.Errorf("what was typed is lost: no %s", typed)
		}
	}
	if !regexp.MustCompile(`<details id="revalue" open>`).MatchString(body) {
		t.Errorf("the Revalue form is closed over its problems")
	}
	good := revalue(url.Values{"line": {"0"}, "eur": {"1.100.000,00"}, "basis": {"replacement_cost"}, "source": {"Audit report 2025"}, "reason": {"replacement cost, as audited"}})
	if good.status != 303 || e.notice(good) != "Revalued the amount: EUR 1,100,000.00, was EUR 1,000,000.00" {
		t.Fatalf("the revaluation: %d %s %s", good.status, good.header.Get("Location"), good.body)
	}
	page := html.UnescapeString(string(e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "", "Authorization", "", "Cookie", cookie).body))
	for _, want := range []string{"replacement cost, as audited", "€ 1,100,000.00 <span class=\"provenance\" id=\"amount-provenance\">— replacement cost, source Audit report 2025",
		"the amount from EUR 1,000,000.00 to EUR 1,100,000.00: replacement cost, as audited", "pledge.revalue"} {
		if !strings.Contains(page, want) {
			t.Errorf("the pledge page does not show %q", want)
		}
	}
	// Another nation's officer is not offered the form, and may not post it.
	e.user("pol-officer", "POL", access.Confidential, access.NationOfficer)
	other := sessionOf(t, e.signIn("pol-officer", testPassword))
	if p := string(e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "", "Authorization", "", "Cookie", other).body); strings.Contains(p, `id="revalue-form"`) {
		t.Error("another nation's officer is offered the Revalue form")
	}
	r := e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/revaluations", id), "application/json", `{"eur":"5","reason":"x"}`, "Authorization", "", "Cookie", other,
		"X-CSRF-Token", e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", other).json(t)["csrf"].(string))
	if r.status != 403 || !strings.Contains(string(r.body), "may not revalue") {
		t.Errorf("another nation's officer revalues: %d %s", r.status, r.body)
	}
}

// TestAPIValuationProblemsNameTheirFields: the API names each problem of a
// valuation on its JSON path, all in one answer.
func TestAPIValuationProblemsNameTheirFields(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	res := e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"Spring package","kind":"in_kind","channel":"bilateral","category":"in_kind",
		"announced":"2025-02-01","promised":"2025-04-30","classification":"NATO UNCLASSIFIED",
		"amount":"5","amount_valuation":{"currency":"EUR","rate":"1.2"},
		"lines":[{"nsn":"1320-12-345-6789","quantity":100,"unit_value":"1.00","valuation":{"currency":"USD","original":"1,250","rate":"x","rate_date":"2025-03-02","basis":"list"}}]}`)
	prob := res.json(t)
	if res.status != 422 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	for _, f := range []string{"amount_valuation.rate", "lines[0].valuation.original", "lines[0].valuation.rate", "lines[0].valuation.rate_date", "lines[0].valuation.basis"} {
		if !problemNames(prob, f) {
			t.Errorf("no problem on %s: %s", f, res.body)
		}
	}
}
