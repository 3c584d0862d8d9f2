package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

func TestAccountsPages(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := string(e.do("GET", "/accounts", "", "").body)
	for _, want := range []string{"Pledge accounts 2026", `id="fair-total">€ 40,000,000,000.00`, `data-nation="USA"`, `id="met-chart"`, "NATO trust fund", "1.0824 USD per euro"} {
		if !strings.Contains(page, want) {
			t.Errorf("the accounts page lacks %q", want)
		}
	}
	// The demo's restricted French pledge is in the counts: the page is marked.
	if !strings.Contains(page, `data-marking="NATO RESTRICTED"`) {
		t.Error("the accounts page is not marked NATO RESTRICTED")
	}
	if p := string(e.do("GET", "/accounts?year=2025", "", "").body); !strings.Contains(p, "Pledge accounts 2025") {
		t.Error("the 2025 accounts")
	}
	if res := e.do("GET", "/accounts?year=2019", "", ""); res.status != 404 || !strings.Contains(string(res.body), "no baseline for 2019") {
		t.Errorf("a year without a baseline: %d", res.status)
	}
	spend := string(e.do("GET", "/spending?year=2024", "", "").body)
	if !strings.Contains(spend, "23 of 31 Allies spent 2% of GDP or more on defence in 2024.") || !strings.Contains(spend, "4.12%") {
		t.Errorf("the spending page:\n%.1500s", spend)
	}
	if s := string(e.do("GET", "/spending?year=2014", "", "").body); !strings.Contains(s, "3 of ") {
		t.Error("2014: 3 Allies at 2%")
	}
	ags := string(e.do("GET", "/agreements", "", "").body)
	if n := strings.Count(ags, "<tr data-nation="); n != 23 {
		t.Errorf("the agreements page lists %d agreements, want 23", n)
	}
	// The register takes a new agreement, and refuses a bad one.
	bad := url.Values{"nation": {"SVN"}, "date_signed": {"July"}, "duration_years": {"10"}, "amount": {"1e9"}, "currency": {"EUR"}}
	if res := e.do("POST", "/agreements", "application/x-www-form-urlencoded", bad.Encode()); res.status != 422 || !strings.Contains(string(res.body), `data-field="date_signed"`) || !strings.Contains(string(res.body), `data-field="amount"`) {
		t.Errorf("a bad agreement: %d", res.status)
	}
	good := url.Values{"nation": {"SVN"}, "date_signed": {"2024-09-05"}, "duration_years": {"10"}, "amount": {"0.1"}, "currency": {"PCT_GDP"}}
	if res := e.do("POST", "/agreements", "application/x-www-form-urlencoded", good.Encode()); res.status != 303 {
		t.Fatalf("an agreement: %d %.800s", res.status, res.body)
	}
	if n := strings.Count(string(e.do("GET", "/agreements", "", "").body), "<tr data-nation="); n != 24 {
		t.Errorf("%d agreements after adding Slovenia's, want 24", n)
	}
	if p := string(e.do("GET", "/nations/SVN", "", "").body); !strings.Contains(p, "0.1% of GDP") || !strings.Contains(p, "Slovenia") {
		t.Error("Slovenia's page does not show its agreement")
	}
	gbr := string(e.do("GET", "/nations/GBR", "", "").body)
	if !strings.Contains(gbr, `id="nation-agreement"`) || !strings.Contains(gbr, "GBP 2500000000") || !strings.Contains(gbr, `id="nation-account"`) {
		t.Errorf("the United Kingdom's page:\n%.3000s", gbr)
	}
	rev := string(e.do("GET", "/reports/review", "", "").body)
	if !strings.Contains(rev, "Summit review 2026") || !strings.Contains(rev, `data-sheet="Fair shares"`) {
		t.Errorf("the review page:\n%.1500s", rev)
	}
	for format, ctype := range map[string]string{"pdf": "application/pdf", "xlsx": "spreadsheetml", "html": "text/html"} {
		res := e.do("GET", "/reports/review?year=2026&format="+format, "", "")
		if res.status != 200 || !strings.Contains(res.header.Get("Content-Type"), ctype) || res.header.Get("X-Classification") == "" || len(res.body) < 1000 {
			t.Errorf("the %s review: %d %s %q", format, res.status, res.header.Get("Content-Type"), res.header.Get("X-Classification"))
		}
	}
}

func TestContributionAndBaselineForms(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	e.do("GET", "/api/v1/me", "", "") // the token's first use is audited
	before := e.fingerprint()
	bad := url.Values{"nation": {"DEU"}, "date": {"2019-05-01"}, "category": {"training"}, "currency": {"EUR"}, "amount": {"1000"}, "evidence": {""}}
	res := e.do("POST", "/contributions", "application/x-www-form-urlencoded", bad.Encode())
	if body := string(res.body); res.status != 422 || !strings.Contains(body, `data-field="evidence"`) || !strings.Contains(body, "give the evidence") {
		t.Errorf("a contribution without evidence: %d\n%.2000s", res.status, body)
	}
	bad.Set("evidence", "a report")
	res = e.do("POST", "/contributions", "application/x-www-form-urlencoded", bad.Encode())
	if body := string(res.body); res.status != 422 || !strings.Contains(body, `data-field="date"`) || !strings.Contains(body, "outside every baseline year") {
		t.Errorf("a contribution of 2019: %d\n%.2000s", res.status, body)
	}
	if e.fingerprint() != before {
		t.Error("a refused contribution changed the database")
	}
	good := url.Values{"nation": {"DEU"}, "date": {"2026-10-01"}, "category": {"training"}, "currency": {"GBP"}, "amount": {"1000"}, "evidence": {"course invoice 44"}, "classification": {"NATO UNCLASSIFIED"}}
	if res := e.do("POST", "/contributions", "application/x-www-form-urlencoded", good.Encode()); res.status != 422 || !strings.Contains(string(res.body), "no exchange rate for GBP in 2026") {
		t.Errorf("pounds without a 2026 rate: %d", res.status)
	}
	if res := e.do("POST", "/exchange-rates", "application/x-www-form-urlencoded", url.Values{"currency": {"GBP"}, "year": {"2026"}, "per_eur": {"0.8"}, "source": {"test rate"}}.Encode()); res.status != 303 {
		t.Fatalf("a rate: %d %.500s", res.status, res.body)
	}
	res = e.do("POST", "/contributions", "application/x-www-form-urlencoded", good.Encode())
	if got := e.notice(res); res.status != 303 || !strings.Contains(got, "€ 1,250.00 of DEU") {
		t.Fatalf("a contribution: %d %q", res.status, got)
	}
	if list := string(e.do("GET", "/contributions?nation=DEU&year=2026", "", "").body); !strings.Contains(list, "course invoice 44") {
		t.Error("the contribution is not listed")
	}
	// A second baseline for 2026 is refused, and shown why.
	dup := url.Values{"year": {"2026"}, "amount": {"1000"}, "gdp_year": {"2024"}, "nations": {"DEU", "FRA"}}
	if res := e.do("POST", "/baselines", "application/x-www-form-urlencoded", dup.Encode()); res.status != 409 || !strings.Contains(string(res.body), "a baseline for 2026 exists already") {
		t.Errorf("a second 2026 baseline: %d", res.status)
	}
	dup.Set("year", "2027")
	if res := e.do("POST", "/baselines", "application/x-www-form-urlencoded", dup.Encode()); res.status != 303 {
		t.Errorf("a 2027 baseline: %d %.800s", res.status, res.body)
	}
	// A nation officer reports for their own nation only and defines no
	// baseline.
	e.token = siteToken(e, "pol-lo", "POL", "", access.NationOfficer)
	if res := e.do("POST", "/contributions", "application/x-www-form-urlencoded", good.Encode()); res.status != 403 {
		t.Errorf("a Polish officer reporting for Germany: %d", res.status)
	}
	dup.Set("year", "2028")
	if res := e.do("POST", "/baselines", "application/x-www-form-urlencoded", dup.Encode()); res.status != 403 {
		t.Errorf("a nation officer defining a baseline: %d", res.status)
	}
}
