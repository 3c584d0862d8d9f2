package web_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// forecastEnv is the demo with its illustrative history, as serve --demo
// loads it, its clock at now, and the early-warning check run once.
func forecastEnv(t *testing.T, now time.Time) *apiEnv {
	t.Helper()
	e := demoEnv(t, now)
	storetest.DemoHistory(t, e.db, now)
	e.db.Now = func() time.Time { return e.now }
	if _, err := e.srv.Forecast.Check(storetest.Ctx()); err != nil {
		t.Fatal(err)
	}
	return e
}

// text is a page without its tags, its characters unescaped.
func text(b []byte) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(string(b), ""))
}

func TestForecastPagesShowTheExpectedBesideThePromised(t *testing.T) {
	e := forecastEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	page := func(path string) string {
		t.Helper()
		res := e.do("GET", path, "", "")
		if res.status != 200 {
			t.Fatalf("GET %s: %d %.300s", path, res.status, res.body)
		}
		return string(res.body)
	}
	// The backtest page: the figures overall and per nation, and the
	// calibration chart drawn inline.
	p := page("/forecast")
	for _, want := range []string{`id="backtest"`, `data-nation="DEU"`, `<svg class="chart calibration"`, `<polyline class="observed"`, `id="forecast-at-risk"`, `id="flags"`} {
		if !strings.Contains(p, want) {
			t.Errorf("/forecast lacks %s", want)
		}
	}
	m := regexp.MustCompile(`class="num coverage">([0-9]+)\.([0-9])%`).FindStringSubmatch(p)
	if m == nil {
		t.Fatal("/forecast shows no coverage")
	}
	if pct, _ := strconv.Atoi(m[1]); pct < 60 || pct >= 95 {
		t.Errorf("the backtest's coverage: %s.%s%%", m[1], m[2])
	}
	// Nothing comes from elsewhere: the chart is the page's own.
	for _, u := range regexp.MustCompile(`(src|href)="(https?:)?//[^"]*"`).FindAllString(p, -1) {
		t.Errorf("the forecasts page fetches %s", u)
	}
	// Germany's 155 mm line: its expected day and interval beside the
	// promised date, in the lines table.
	p = page("/pledges/2")
	if !strings.Contains(p, `class="forecast"`) || !regexp.MustCompile(`Expected <span class="muted">\(promised [^)]+\)</span>`).MatchString(p) {
		t.Errorf("/pledges/2 has no forecast column")
	}
	if !regexp.MustCompile(`<span class="expected"[^>]*>20[0-9]{2}-[0-9]{2}-[0-9]{2}</span> <span class="muted interval">80%: 20[0-9-]+ to 20[0-9-]+</span>`).MatchString(p) {
		t.Errorf("/pledges/2 shows no expected day with its interval:\n%s", text([]byte(p))[:2000])
	}
	// The requirement's expected fulfilment from its allocated lines.
	if p := page("/requirements/1"); !strings.Contains(p, `id="fulfilment"`) || !strings.Contains(text([]byte(p)), "from the forecasts of its") {
		t.Error("/requirements/1 has no expected fulfilment")
	}
	// The dashboard lists the lines at risk.
	if p := page("/"); !strings.Contains(p, `id="lines-at-risk"`) || !strings.Contains(p, `id="risk-lines"`) {
		t.Error("the dashboard lists no line at risk")
	}
	// The API agrees with the page.
	f := e.do("GET", "/api/v1/pledges/2/forecast", "", "").json(t)
	lines := f["lines"].([]any)
	if len(lines) != 1 {
		t.Fatalf("the pledge's forecast: %v", f)
	}
	fc := lines[0].(map[string]any)["forecast"].(map[string]any)
	if exp, _ := fc["expected"].(string); exp == "" || !strings.Contains(page("/pledges/2"), ">"+exp+"</span>") {
		t.Errorf("the API's expected %v is not the page's", fc["expected"])
	}
	// The CLI of the same database prints the same backtest (see
	// internal/cli); its JSON holds the calibration.
	bt := e.do("GET", "/api/v1/forecast/backtest", "", "").json(t)
	if len(bt["overall"].(map[string]any)["at_or_below_ppm"].([]any)) != 9 || len(bt["nations"].([]any)) != 10 {
		t.Errorf("the backtest's JSON: %v", bt["overall"])
	}
}

// TestAShipmentsETAPastThePromiseIsFlaggedOnItsPages moves a shipment's
// ETA past its pledge's promised date — Poland's Piorun, dispatched a
// month late — and sees the early-warning check flag the line with its
// reason, on the pledge's page, the dashboard, the nation's page and the
// requirement it serves.
func TestAShipmentsETAPastThePromiseIsFlaggedOnItsPages(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e := demoEnv(t, now)
	e.db.Now = func() time.Time { return e.now }
	check := func() {
		t.Helper()
		if _, err := e.srv.Forecast.Check(storetest.Ctx()); err != nil {
			t.Fatal(err)
		}
	}
	// The Piorun line (P-00007), promised in 30 days, waits for its
	// shipment (S-00005) planned to leave tomorrow: not at risk.
	check()
	if p := e.do("GET", "/pledges/7", "", ""); strings.Contains(string(p.body), `id="risk-flags"`) || strings.Contains(string(p.body), "at risk:") {
		t.Fatalf("the Piorun line is flagged before its shipment is late:\n%s", text(p.body))
	}
	// Dispatched 29 days late, two days before the promise: its route
	// takes longer, and its ETA passes the promised date.
	e.clock(29 * 24 * time.Hour)
	if res := e.do("POST", "/api/v1/shipments/S-00005/dispatch", "application/json", `{"to":"convoy 12"}`); res.status != 200 {
		t.Fatalf("dispatch: %d %s", res.status, res.body)
	}
	sh := e.do("GET", "/api/v1/shipments/5", "", "").json(t)
	eta := sh["eta"].(string)[:10]
	check()
	raw := e.do("GET", "/pledges/7", "", "").body
	p := text(raw)
	want := "S-00005's ETA, " + eta + ", is 1 day after the promised 2026-12-23"
	if !strings.Contains(string(raw), `id="risk-flags"`) || !strings.Contains(p, "2026-12-22shipment's ETA after the promised date "+want+"1open") {
		t.Errorf("the pledge's page does not show the flag %q, first flagged on 2026-12-22:\n%s", want, p)
	}
	if !strings.Contains(p, "at risk: shipment's ETA after the promised date") {
		t.Error("the pledge's line is not marked at risk")
	}
	for path, want := range map[string]string{"/": want, "/nations/POL": want, "/requirements/4": "at risk: shipment's ETA after the promised date"} {
		if page := text(e.do("GET", path, "", "").body); !strings.Contains(page, want) {
			t.Errorf("%s does not show the Piorun line at risk (%q)", path, want)
		}
	}
	// The pledges at risk include it; a French officer, who may not see
	// Poland's restricted pledge, is not told of it.
	if page := string(e.do("GET", "/pledges?at_risk=1", "", "").body); !strings.Contains(page, "Piorun") {
		t.Error("the pledges at risk lack the Piorun")
	}
	fra := e.user("fc-fra", "FRA", access.Restricted, access.NationOfficer)
	res := e.do("GET", "/api/v1/forecast/at-risk", "", "", "Authorization", "Bearer "+fra)
	if res.status != 200 || strings.Contains(string(res.body), "Piorun") {
		t.Errorf("a French officer sees Poland's line at risk: %d %s", res.status, res.body)
	}
	if res := e.do("GET", "/api/v1/pledges/7/forecast", "", "", "Authorization", "Bearer "+fra); res.status != 404 {
		t.Errorf("a French officer reads Poland's forecast: %d", res.status)
	}
	// The pledge's history tells of it.
	if !strings.Contains(p, "pledge.at_risk") {
		t.Error("the pledge's history does not tell of the flag")
	}
}
