package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/report"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// reliabilityEnv is the seeded server on 2025-03-01 with three pledges:
// German rounds promised for 31 January, 60 delivered on the 20th and 40
// on 10 February; German Stingers promised for 15 February, NATO
// RESTRICTED and releasable to Ukraine only, none delivered; French rounds
// promised for 31 December 2024, 20 of 50 delivered on the 20th.
func reliabilityEnv(t *testing.T) (e *apiEnv, hidden int64) {
	t.Helper()
	e = newAPIEnv(t, storetest.SQLiteDSN(t))
	ctx := storetest.Ctx()
	svc := &assist.Service{Store: store.Assist{DB: e.db}}
	at := func(day string) {
		d, _ := time.Parse("2006-01-02", day)
		e.db.Now = func() time.Time { return d.Add(10 * time.Hour) }
	}
	defer at("2025-03-01")
	at("2024-11-05")
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1000, Priority: 1, NeedBy: "2025-06-01", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	pledge := func(nation, promised, nsn string, q int64, m access.Marking) (int64, int64) {
		p, err := svc.CreatePledge(ctx, assist.Pledge{Nation: nation, Title: nation + " " + nsn, Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
			Announced: "2024-11-01", Promised: promised, Marking: m, Lines: []assist.Line{{NSN: nsn, Pledged: q}}})
		if err != nil {
			t.Fatal(err)
		}
		l := p.Lines[0].ID
		acts := []assist.Action{{Kind: assist.Commit, Line: l, Quantity: q}}
		if nsn != storetest.NSNStinger { // the requirement is for 155 mm rounds
			acts = append(acts, assist.Action{Kind: assist.Allocate, Line: l, Quantity: q, Requirement: req.ID})
		}
		for _, a := range acts {
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		return p.ID, l
	}
	deu, deuLine := pledge("DEU", "2025-01-31", storetest.NSN155, 100, access.Marking{})
	hidden, _ = pledge("DEU", "2025-02-15", storetest.NSNStinger, 10, access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}})
	fra, fraLine := pledge("FRA", "2024-12-31", storetest.NSN155Alt, 50, access.Marking{})
	at("2024-12-20")
	storetest.Ship(t, e.db, fra, fraLine, 20, 20)
	at("2025-01-20")
	storetest.Ship(t, e.db, deu, deuLine, 60, 60)
	at("2025-02-10")
	storetest.Ship(t, e.db, deu, deuLine, 40, 40)
	return e, hidden
}

// group is the group of key in a reliability answer, or "all".
func group(t *testing.T, rel map[string]any, key string) map[string]any {
	t.Helper()
	if key == "all" {
		return rel["all"].(map[string]any)
	}
	for _, g := range rel["groups"].([]any) {
		if m := g.(map[string]any); m["key"] == key {
			return m
		}
	}
	t.Fatalf("no group %s in %v", key, rel["groups"])
	return nil
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

// TestReliabilityCountsWhatTheReaderMaySee reads the reliability through
// the API as a coordinator, who sees the restricted German Stingers, and
// as a French officer, who does not: the Stingers are in no figure of
// the officer's, neither their line, nor their value, nor their ageing,
// nor the marking.
func TestReliabilityCountsWhatTheReaderMaySee(t *testing.T) {
	e, _ := reliabilityEnv(t)
	fra := e.user("fra-officer", "FRA", access.Restricted, access.NationOfficer)
	for _, c := range []struct {
		name, token, marking string
		deuLines, deuOverdue int64
		deuValue             string
	}{
		{"coordinator", e.token, "NATO RESTRICTED", 2, 1, "5150000.00"},
		{"French officer", fra, "NATO UNCLASSIFIED", 1, 0, "350000.00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := e.do("GET", "/api/v1/reliability", "", "", "Authorization", "Bearer "+c.token)
			if res.status != 200 || res.header.Get("X-Classification") != c.marking {
				t.Fatalf("%d %s %s", res.status, res.header.Get("X-Classification"), res.body)
			}
			rel := res.json(t)
			deu := group(t, rel, "DEU")
			ages := deu["overdue"].([]any)
			if num(deu["lines_judged"]) != c.deuLines || deu["value_judged"] != c.deuValue || num(ages[0].(map[string]any)["lines"]) != c.deuOverdue ||
				deu["label"] != "Germany (DEU)" || rel["marking"] != c.marking {
				t.Errorf("Germany: %v", deu)
			}
			// The rounds: the last 40 ten days late, 60 of 100 by the date.
			if num(deu["lines_on_time"]) != 0 || num(deu["median_slip_tenths"]) != 100 || num(deu["lines_delivered"]) != 1 {
				t.Errorf("Germany's slip: %v", deu)
			}
			all := group(t, rel, "all")
			if num(all["lines_judged"]) != c.deuLines+1 {
				t.Errorf("all lines: %v", all)
			}
			csvBody := e.do("GET", "/api/v1/reliability?format=csv", "", "", "Authorization", "Bearer "+c.token)
			if !strings.HasPrefix(string(csvBody.body), "# "+c.marking+"\n") || strings.Contains(string(csvBody.body), "4800000.00") != (c.deuOverdue == 1) {
				t.Errorf("the CSV:\n%s", csvBody.body)
			}
		})
	}
	if res := e.do("GET", "/api/v1/reliability?nation=DEU&by=region", "", ""); res.status != 422 || !strings.Contains(string(res.body), "by") {
		t.Errorf("a bad grouping: %d %s", res.status, res.body)
	}
	hub := e.user("hub", "POL", access.Secret, access.HubOperator)
	if res := e.do("GET", "/api/v1/reliability", "", "", "Authorization", "Bearer "+hub); res.status != 403 {
		t.Errorf("a hub operator reads no accounts: %d", res.status)
	}
}

// cells are the texts of the cells of the row of a table's tr whose
// attribute attr is val, tags stripped.
func cells(t *testing.T, page, attr, val string) []string {
	t.Helper()
	i := strings.Index(page, attr+`="`+val+`"`)
	if i < 0 {
		t.Fatalf("no row %s=%q", attr, val)
	}
	row := page[i:]
	row = row[:strings.Index(row, "</tr>")]
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`).FindAllStringSubmatch(row, -1) {
		text := regexp.MustCompile(`<br>.*`).ReplaceAllString(m[1], "")
		out = append(out, strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(text, "")))
	}
	return out
}

// hrefs are the links of the row of attr=val.
func hrefs(t *testing.T, page, attr, val string) []string {
	t.Helper()
	i := strings.Index(page, attr+`="`+val+`"`)
	row := page[i:]
	row = row[:strings.Index(row, "</tr>")]
	var out []string
	for _, m := range regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(row, -1) {
		out = append(out, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	return out
}

// wantCells are the cells a page shows of a group of the API's answer.
func wantCells(g map[string]any) []string {
	share := func(ppm string, none bool) string {
		if none {
			return "—"
		}
		return report.Percent(num(g[ppm]), 1)
	}
	slip := func(k string) string {
		if num(g["lines_delivered"]) == 0 {
			return "—"
		}
		return report.Days(num(g[k]))
	}
	out := []string{g["label"].(string), fmt.Sprint(num(g["lines_judged"])), share("lines_on_time_ppm", num(g["lines_judged"]) == 0), share("value_on_time_ppm", g["value_judged"] == "0.00"),
		slip("median_slip_tenths"), slip("p90_slip_tenths")}
	var overdue int64
	var ages []string
	for _, a := range g["overdue"].([]any) {
		overdue += num(a.(map[string]any)["lines"])
		ages = append(ages, fmt.Sprint(num(a.(map[string]any)["lines"])))
	}
	out = append(append(out, fmt.Sprint(overdue)), ages...)
	return append(out, fmt.Sprint(num(g["not_yet_due_lines"])))
}

// TestReliabilityPagesAgreeWithTheAPI shows the same figures on the
// dashboard, the reliability page, the nation's page and the summit
// review as the API answers, each for its reader, and follows the links
// of the ageing to the pledges behind them.
func TestReliabilityPagesAgreeWithTheAPI(t *testing.T) {
	e, hidden := reliabilityEnv(t)
	fra := e.user("fra-officer", "FRA", access.Restricted, access.NationOfficer)
	analyst := e.user("jatec", "POL", access.Secret, access.Analyst)
	for _, c := range []struct {
		name, token string
		links       bool
	}{{"coordinator", e.token, true}, {"French officer", fra, true}, {"analyst", analyst, false}} {
		t.Run(c.name, func(t *testing.T) {
			get := func(path string) string {
				t.Helper()
				res := e.do("GET", path, "", "", "Authorization", "Bearer "+c.token)
				if res.status != 200 {
					t.Fatalf("GET %s: %d %s", path, res.status, res.body)
				}
				return string(res.body)
			}
			rel := e.do("GET", "/api/v1/reliability", "", "", "Authorization", "Bearer "+c.token).json(t)
			deuCap := e.do("GET", "/api/v1/reliability?nation=DEU&by=capability", "", "", "Authorization", "Bearer "+c.token).json(t)
			dash, page, nation := get("/dashboard"), get("/reliability"), get("/nations/DEU")
			if !strings.Contains(page, `<a href="/reliability" aria-current="page">Promises</a>`) || !strings.Contains(dash, `<a href="/reliability" >Promises</a>`) {
				t.Error("the menu has no Promises leading to the reliability page")
			}
			if strings.Contains(page, `href="/forecast"`) != c.links {
				t.Errorf("the reliability page links to the forecasts (%v) for a reader who may list pledges (%v)", !c.links, c.links)
			}
			for _, p := range []struct{ name, html string }{{"dashboard", dash}, {"reliability page", page}} {
				for _, key := range []string{"DEU", "FRA"} {
					g := group(t, rel, key)
					if got, want := cells(t, p.html, "data-group", g["label"].(string)), wantCells(g); strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("%s, %s: %v, want %v", p.name, key, got, want)
					}
				}
				if got, want := cells(t, p.html, "data-group", "all"), wantCells(group(t, rel, "all")); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s, all: %v, want %v", p.name, got, want)
				}
				section := p.html[strings.Index(p.html, `id="reliability"`):]
				section = section[:strings.Index(section, "</table>")]
				if strings.Contains(section, `href="/pledges`) != c.links {
					t.Errorf("%s: links to /pledges for a reader who may list pledges only (%v)", p.name, c.links)
				}
			}
			if got, want := cells(t, nation, "data-group", "all"), wantCells(group(t, deuCap, "all")); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("the nation's page: %v, want %v", got, want)
			}
			if !strings.Contains(nation, `id="nation-reliability"`) || !strings.Contains(nation, `data-quarter="2025-Q1"`) {
				t.Error("the nation's page has no reliability cards or trend")
			}
			// The summit review's table holds the same figures, in its
			// workbook as on its page.
			xl := e.do("GET", "/reports/review?year=2025&format=xlsx", "", "", "Authorization", "Bearer "+c.token)
			f, err := excelize.OpenReader(bytes.NewReader(xl.body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Reliability")
			f.Close()
			for _, key := range []string{"DEU", "FRA"} {
				want := wantCells(group(t, rel, key))
				want = append(want[:6:6], want[7:11]...) // no overdue total, no not yet due
				found := false
				for _, r := range rows {
					if len(r) > 0 && r[0] == want[0] {
						found = true
						if strings.Join(r, "|") != strings.Join(want, "|") {
							t.Errorf("the review's row %v, want %v", r, want)
						}
					}
				}
				if !found {
					t.Errorf("the review has no row %s: %v", want[0], rows)
				}
			}
			if rev := get("/reports/review?year=2025"); !strings.Contains(rev, `data-sheet="Reliability"`) || !strings.Contains(rev, `data-sheet="Reliability by quarter"`) {
				t.Error("the review's page has no reliability tables")
			}
		})
	}

	// The coordinator's 0–30 days of Germany leads to the restricted
	// Stingers, and only to them; the French officer's holds nothing and
	// links nowhere.
	dash := string(e.do("GET", "/", "", "").body)
	links := hrefs(t, dash, "data-group", "Germany (DEU)")
	var bucket string
	for _, l := range links {
		if strings.Contains(l, "late=0-30") {
			bucket = l
		}
	}
	u, _ := url.Parse(bucket)
	if q := u.Query(); u.Path != "/pledges" || q.Get("nation") != "DEU" || q.Get("overdue") != "1" {
		t.Fatalf("the link of Germany's 0–30 days: %q of %v", bucket, links)
	}
	list := e.do("GET", "/api/v1/pledges?"+u.RawQuery, "", "").json(t)
	if items := list["items"].([]any); len(items) != 1 || num(items[0].(map[string]any)["id"]) != hidden {
		t.Errorf("the pledges behind Germany's 0–30 days: %v", items)
	}
	if page := string(e.do("GET", bucket, "", "").body); !strings.Contains(page, fmt.Sprintf(`data-id="%d"`, hidden)) || !strings.Contains(page, `value="0-30" selected`) {
		t.Error("the pledges page of the link does not show the pledge, or hides its filter")
	}
	// The quarter of the nation's trend leads to its pledges promised then.
	quarter := hrefs(t, string(e.do("GET", "/nations/DEU", "", "").body), "data-quarter", "2025-Q1")
	if len(quarter) == 0 || quarter[0] != "/pledges?nation=DEU&promised_from=2025-01-01&promised_to=2025-03-31" {
		t.Fatalf("the links of Germany's first quarter: %v", quarter)
	}
	if items := e.do("GET", "/api/v1"+quarter[0], "", "").json(t)["items"].([]any); len(items) != 2 {
		t.Errorf("Germany's pledges promised in 2025-Q1: %v", items)
	}
	fraDash := string(e.do("GET", "/dashboard", "", "", "Authorization", "Bearer "+fra).body)
	for _, l := range hrefs(t, fraDash, "data-group", "Germany (DEU)") {
		if strings.Contains(l, "late=") {
			t.Errorf("the French officer's Germany links to %s", l)
		}
	}
	// The French officer lists no pledge behind the coordinator's link.
	if items := e.do("GET", "/api/v1/pledges?"+u.RawQuery, "", "", "Authorization", "Bearer "+fra).json(t)["items"].([]any); len(items) != 0 {
		t.Errorf("the French officer lists %v", items)
	}
	// A hub operator's dashboard and home have no reliability, and no
	// link to it.
	hub := e.user("hub", "POL", access.Secret, access.HubOperator)
	for _, path := range []string{"/dashboard", "/"} {
		if d := string(e.do("GET", path, "", "", "Authorization", "Bearer "+hub).body); strings.Contains(d, "dashboard-reliability") || strings.Contains(d, `href="/reliability`) {
			t.Errorf("a hub operator's %s shows reliability", path)
		}
	}
	// The page's CSV is the API's.
	a := e.do("GET", "/api/v1/reliability?by=capability&format=csv", "", "")
	b := e.do("GET", "/reliability?by=capability&format=csv", "", "")
	if !bytes.Equal(a.body, b.body) {
		t.Errorf("the page's CSV differs from the API's:\n%s\n%s", a.body, b.body)
	}
	r := csv.NewReader(bytes.NewReader(a.body))
	r.Comment = '#'
	if recs, err := r.ReadAll(); err != nil || len(recs) < 3 || recs[1][0] != "capability" {
		t.Errorf("the CSV: %v %v", recs, err)
	}
}
