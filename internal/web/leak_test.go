package web_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// The leak test is a test of non-interference: two servers hold the same
// demo, and one of them also holds records a reader may not see (a German
// NATO RESTRICTED pledge releasable to Ukraine only, allocated to a
// requirement every reader sees, moved through the Rzeszów hub, part
// received and accepted; a restricted contribution; a restricted lesson).
// For every GET route the server registers, with every path value its
// lists name and every value of the query parameters openapi.json
// enumerates, each reader must get the same answer from both servers:
// the same status, marking and body, byte for byte but for the figures
// normalised below. Whatever a page, answer or export counts, sums,
// charts or lists, it cannot tell the two apart. The routes and values
// come from the server and its documentation, not from a hand-picked
// list, so that a new figure is covered the day it is added.

// leakReaders are the readers who may not see the hidden records: a French
// officer cleared to NATO RESTRICTED, a coordinator with no clearance, an
// analyst with none, and an auditor with none (auditors and coordinators read every nation's
// records up to their clearance).
type leakReader struct {
	name, nation string
	clearance    access.Classification
	role         access.Role
}

var leakReaders = []leakReader{
	{"leak-fra", "FRA", access.Restricted, access.NationOfficer},
	{"leak-coord", "USA", access.Unclassified, access.Coordinator},
	{"leak-analyst", "NLD", access.Unclassified, access.Analyst},
	{"leak-auditor", "FRA", access.Unclassified, access.Auditor},
}

// leakWorld is the demo with the readers' tokens, each used once (the
// first use is audited), and with the hidden records when hidden is set.
type leakWorld struct {
	*apiEnv
	tokens map[string]string
}

var leakNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newLeakWorld(t *testing.T, dsn string, hidden bool) leakWorld {
	t.Helper()
	w := leakWorld{apiEnv: demoEnvOn(t, dsn, leakNow), tokens: map[string]string{}}
	// The demo's capability packages, and one that counts the hidden
	// pledge's item, the tank rounds of requirement 6.
	storetest.DemoReadiness(t, w.db, leakNow)
	if res := w.do("POST", "/api/v1/readiness", "application/json", `{"name":"Tank company ammunition","wanted":1,
		"elements":[{"kind":"item","target":"1315-12-000-0004","quantity":400,"label":"120 mm rounds"}]}`); res.status != 201 {
		t.Fatalf("a package of tank rounds: %d %s", res.status, res.body)
	}
	for _, r := range leakReaders {
		w.tokens[r.name] = w.user(r.name, r.nation, r.clearance, r.role)
		if res := w.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+w.tokens[r.name]); res.status != 200 {
			t.Fatalf("%s: %d", r.name, res.status)
		}
	}
	if res := w.do("GET", "/api/v1/me", "", ""); res.status != 200 {
		t.Fatal(res.status)
	}
	if hidden {
		w.hide()
	}
	return w
}

// hide adds the records no reader of leakReaders may see.
func (w leakWorld) hide() {
	t := w.t
	t.Helper()
	must := func(want int, method, path, body string) map[string]any {
		t.Helper()
		res := w.do(method, path, "application/json", body)
		if res.status != want {
			t.Fatalf("%s %s: %d %s", method, path, res.status, res.body)
		}
		var m map[string]any
		json.Unmarshal(res.body, &m)
		return m
	}
	req := must(200, "GET", "/api/v1/requirements/6", "")
	nsn, _ := req["nsn"].(string)
	if nsn == "" {
		items := must(200, "GET", "/api/v1/items?group="+url.QueryEscape(req["group"].(string)), "")["items"].([]any)
		nsn = items[0].(map[string]any)["nsn"].(string)
	}
	p := must(201, "POST", "/api/v1/pledges", fmt.Sprintf(`{"nation":"DEU","title":"Hidden package","kind":"in_kind","channel":"bilateral","category":"in_kind",
		"announced":"2026-10-01","promised":"2026-12-31","depot":"DE-DEP1","classification":"NATO RESTRICTED","releasable_to":["UKR"],
		"lines":[{"nsn":%q,"quantity":10,"unit_value":"1000.00"}]}`, nsn))
	id := int64(p["id"].(float64))
	line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
	must(200, "POST", fmt.Sprintf("/api/v1/pledges/%d/commit", id), fmt.Sprintf(`{"line":%d,"quantity":10}`, line))
	must(200, "POST", fmt.Sprintf("/api/v1/pledges/%d/allocate", id), fmt.Sprintf(`{"line":%d,"quantity":10,"requirement":6}`, line))
	alloc := firstAllocationID(w.apiEnv, id)
	at := func(h int) string { return leakNow.Add(time.Duration(h) * time.Hour).UTC().Format(time.RFC3339) }
	// Ten leave the German depot for Rzeszów; six go on to the delivery
	// point and are received and accepted; four wait at the hub.
	w.clock(-96 * time.Hour)
	sh := must(201, "POST", "/api/v1/shipments", fmt.Sprintf(`{"origin":"DE-DEP1","destination":%q,"planned_departure":%q,"lines":[{"allocation":%d,"quantity":6}]}`,
		req["delivery_site"], at(-95), alloc))
	rest := must(201, "POST", "/api/v1/shipments", fmt.Sprintf(`{"origin":"DE-DEP1","destination":%q,"planned_departure":%q,"lines":[{"allocation":%d,"quantity":4}]}`,
		req["delivery_site"], at(-95), alloc))
	w.clock(96 * time.Hour)
	for _, s := range []map[string]any{sh, rest} {
		path := fmt.Sprintf("/api/v1/shipments/%d", int64(s["id"].(float64)))
		must(200, "POST", path+"/dispatch", fmt.Sprintf(`{"at":%q}`, at(-90)))
		must(200, "POST", path+"/arrive", fmt.Sprintf(`{"at":%q}`, at(-70)))
	}
	path := fmt.Sprintf("/api/v1/shipments/%d", int64(sh["id"].(float64)))
	must(200, "POST", path+"/depart", fmt.Sprintf(`{"at":%q}`, at(-60)))
	must(200, "POST", path+"/arrive", fmt.Sprintf(`{"at":%q,"note":"hidden"}`, at(-10)))
	must(200, "POST", path+"/receive", `{"accept":true}`)
	must(201, "POST", "/api/v1/contributions", `{"nation":"DEU","date":"2026-10-01","category":"training","currency":"EUR","amount":"77000.00","evidence":"hidden","classification":"NATO RESTRICTED","releasable_to":["UKR"]}`)
	must(201, "POST", "/api/v1/lessons", `{"title":"Hidden lesson","observation":"hidden","observed_on":"2026-10-02","capability":"air_defence","classification":"NATO RESTRICTED","releasable_to":["UKR"]}`)
}

// leakURL is a URL to read, with the route it came from.
type leakURL struct{ route, url string }

// leakURLs lists what to read: every GET route of the server, its path
// values from the lists of the all-seeing coordinator in the hidden world
// (so that the hidden records' own paths are read too), and each value of
// each query parameter openapi.json enumerates, one at a time.
func leakURLs(t *testing.T, w leakWorld) []leakURL {
	t.Helper()
	spec := openAPIQueryValues(t)
	var out []leakURL
	for _, rt := range w.srv.Routes() {
		if rt.Method != "GET" || rt.Pattern == "/signin" || rt.Pattern == "/api/v1/openapi.json" {
			continue
		}
		pattern := strings.TrimSuffix(rt.Pattern, "{$}")
		paths := []string{pattern}
		if i := strings.IndexByte(pattern, '{'); i >= 0 {
			j := strings.IndexByte(pattern, '}')
			param := pattern[i+1 : j]
			paths = nil
			for _, v := range pathValues(t, w, pattern[:i], param) {
				paths = append(paths, pattern[:i]+url.PathEscape(v)+pattern[j+1:])
			}
		}
		api := "/api/v1" + strings.TrimPrefix(rt.Pattern, "/api/v1")
		for _, p := range paths {
			out = append(out, leakURL{rt.Pattern, p})
			for _, q := range spec[api] {
				out = append(out, leakURL{rt.Pattern, p + "?" + q})
			}
		}
	}
	return out
}

// pathValues are the values of a path parameter: the key of every row
// of the list the path's prefix names, as the coordinator reads it.
func pathValues(t *testing.T, w leakWorld, prefix, param string) []string {
	t.Helper()
	list := strings.TrimSuffix(prefix, "/")
	list = strings.TrimPrefix(list, "/api/v1")
	list = strings.Replace(list, "/training/classes", "/classes", 1)
	if list == "/hubs" && param == "code" {
		list = "/hubs"
	}
	if list == "/users" {
		// Only administrators list users: the readers' names are the values.
		var names []string
		for n := range w.tokens {
			names = append(names, n)
		}
		slices.Sort(names)
		return names
	}
	res := w.do("GET", "/api/v1"+list+"?limit=200", "", "")
	if res.status != 200 {
		t.Fatalf("list for %s{%s}: GET /api/v1%s: %d", prefix, param, list, res.status)
	}
	var body any
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatalf("list %s: %v", list, err)
	}
	var rows []any
	switch b := body.(type) {
	case []any:
		rows = b
	case map[string]any:
		for _, k := range []string{"items", "hubs", "years", "baselines", "classes"} {
			if r, ok := b[k].([]any); ok {
				rows = r
				break
			}
		}
	}
	var vals []string
	for _, r := range rows {
		m, _ := r.(map[string]any)
		v, ok := m[param]
		if !ok && param == "code" {
			v, ok = m["site"]
		}
		if !ok {
			continue
		}
		switch v := v.(type) {
		case float64:
			vals = append(vals, fmt.Sprint(int64(v)))
		case string:
			vals = append(vals, v)
		}
	}
	// Ask for one that does not exist too: a hidden record must answer as
	// one that does not exist.
	if param == "id" {
		vals = append(vals, "999999")
	}
	return vals
}

// openAPIQueryValues returns, for each GET path of openapi.json, the
// queries to try: each enumerated value of each query parameter, and for
// the parameters naming a nation, site or year, one that the hidden
// records touch.
func openAPIQueryValues(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Ref    string `json:"$ref"`
		Name   string `json:"name"`
		In     string `json:"in"`
		Schema struct {
			Enum []any `json:"enum"`
		} `json:"schema"`
	}
	var doc struct {
		Paths map[string]struct {
			Get struct {
				Parameters []param `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	touched := map[string][]string{
		"nation": {"DEU"}, "donor": {"DEU"}, "site": {"PL-RZE"}, "origin": {"DE-DEP1"}, "destination": {"PL-RZE"},
		"year": {"2026"}, "q": {"hidden"}, "text": {"hidden"}, "capability": {"air_defence"}, "days": {"30"},
		"from": {"2026-01-01"}, "all": {"true"},
	}
	out := map[string][]string{}
	for path, ops := range doc.Paths {
		for _, prm := range ops.Get.Parameters {
			if prm.Ref != "" {
				prm = doc.Components.Parameters[prm.Ref[strings.LastIndexByte(prm.Ref, '/')+1:]]
			}
			if prm.In != "query" {
				continue
			}
			vals := touched[prm.Name]
			for _, v := range prm.Schema.Enum {
				vals = append(vals, fmt.Sprint(v))
			}
			for _, v := range vals {
				out[path] = append(out[path], url.Values{prm.Name: {v}}.Encode())
			}
		}
		sort.Strings(out[path])
	}
	return out
}

// leakNormal takes out of an answer what moves without telling anything:
// the version and time of a record changed by a hidden one (a requirement
// whose hidden allocation bumped its version) are not figures. It renders
// PDF as text and XLSX as its sheets' XML, whose files carry their
// making's time and names.
func leakNormal(t *testing.T, contentType string, body []byte) string {
	switch {
	case strings.HasPrefix(contentType, "application/pdf"):
		return pdfText(t, body)
	case strings.Contains(contentType, "spreadsheetml"):
		return xlsxText(t, body)
	}
	s := string(body)
	for _, re := range leakVolatile {
		s = re.ReplaceAllString(s, "…")
	}
	return s
}

var leakVolatile = []*regexp.Regexp{
	regexp.MustCompile(`"version": ?\d+`),
	regexp.MustCompile(`"updated_at": ?"[^"]*"`),
	regexp.MustCompile(`name="version" value="\d+"`),
	// The audit chain is one chain for all: an event's place in it, its
	// hashes and the chain's length count every event, as its proof must,
	// and so does the check's count of the records it read. What a reader
	// sees of an event is filtered; where it sits is not.
	regexp.MustCompile(`"(seq|events|records)": ?\d+`),
	regexp.MustCompile(`"(prev_hash|hash|head)": ?"[0-9a-f]*"`),
	regexp.MustCompile(`<td class="num">\d+</td>(<td>\d{4}-)`),
	regexp.MustCompile(`class="hash">[0-9a-f]+`),
	regexp.MustCompile(`(before|cursor)=\d+`),
	regexp.MustCompile(`Request [0-9a-f]{16}`),
	// Random or timed, in both worlds alike: a token's hint, a planner's time.
	regexp.MustCompile(`lh_[A-Za-z0-9_-]{6}`),
	regexp.MustCompile(`"took_ms": ?[0-9.]+`),
	regexp.MustCompile(`Made in [0-9.]+ ms`),
	regexp.MustCompile(`"request_id": ?"[0-9a-f]{16}"`),
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(f, b, 0o600)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Skipf("pdftotext: %v (install poppler-utils)", err)
	}
	return string(out)
}

func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "not a workbook: " + err.Error()
	}
	var out strings.Builder
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, "xl/") {
			continue // docProps hold the time the file was made
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, _ := io.ReadAll(r)
		r.Close()
		fmt.Fprintf(&out, "== %s\n%s\n", f.Name, c)
	}
	return out.String()
}

// leakStillOpen are the routes known to tell the hidden records apart,
// with why; the test fails when one of them stops, so that the list only
// shrinks.
var leakStillOpen = map[string]string{}

// TestNothingHiddenShowsThroughAnyFigure is the leak test over every GET
// route; see the comment at the top of the file.
func TestNothingHiddenShowsThroughAnyFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every route twice for every reader")
	}
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			readers := leakReaders
			if name != "sqlite" {
				// The SQL is the same on every engine; one reader who reads
				// by nation and one who reads by clearance are enough to
				// hold PostgreSQL to it, in a quarter of the time.
				readers = leakReaders[:2]
			}
			leakCompare(t, newLeakWorld(t, dsn(t), false), newLeakWorld(t, dsn(t), true), readers)
		})
	}
}

func leakCompare(t *testing.T, plain, hidden leakWorld, readers []leakReader) {
	urls := leakURLs(t, hidden)
	var leaks []string
	perRoute := map[string]int{}
	stillOpen := map[string]bool{}
	for _, r := range readers {
		for _, u := range urls {
			a := plain.do("GET", u.url, "", "", "Authorization", "Bearer "+plain.tokens[r.name])
			b := hidden.do("GET", u.url, "", "", "Authorization", "Bearer "+hidden.tokens[r.name])
			ca, cb := a.header.Get("Content-Type"), b.header.Get("Content-Type")
			na, nb := leakNormal(t, ca, a.body), leakNormal(t, cb, b.body)
			if a.status == b.status && ca == cb && a.header.Get("X-Classification") == b.header.Get("X-Classification") && na == nb {
				continue
			}
			if leakStillOpen[u.route] != "" {
				stillOpen[u.route] = true
				continue
			}
			perRoute[u.route]++
			if perRoute[u.route] > 2 {
				continue
			}
			leaks = append(leaks, fmt.Sprintf("%s reads GET %s: %d %s / with hidden records %d %s\n%s", r.name, u.url,
				a.status, a.header.Get("X-Classification"), b.status, b.header.Get("X-Classification"), firstDiff(na, nb)))
		}
	}
	t.Logf("%d URLs from %d GET routes, read by %d readers in both worlds", len(urls), countRoutes(urls), len(readers))
	for route, why := range leakStillOpen {
		if !stillOpen[route] {
			t.Errorf("%s no longer tells the hidden records apart: take it off leakStillOpen (%s)", route, why)
		} else {
			t.Logf("still open: %s: %s", route, why)
		}
	}
	if len(leaks) > 0 {
		var routes []string
		for r := range perRoute {
			routes = append(routes, r)
		}
		slices.Sort(routes)
		t.Errorf("%d routes tell the hidden records apart: %s\n\n%s", len(routes), strings.Join(routes, ", "), strings.Join(leaks, "\n\n"))
	}
}

func countRoutes(us []leakURL) int {
	seen := map[string]bool{}
	for _, u := range us {
		seen[u.route] = true
	}
	return len(seen)
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			for k := 0; k < len(x) && k < len(y); k++ {
				if x[k] != y[k] {
					from := max(0, k-100)
					x, y = x[from:], y[from:]
					break
				}
			}
			return fmt.Sprintf("  line %d:\n  - %.300s\n  + %.300s", i+1, strings.TrimSpace(x), strings.TrimSpace(y))
		}
	}
	if !bytes.Equal([]byte(a), []byte(b)) {
		return "  (same lines, different bytes)"
	}
	return "  (status, type or marking differ)"
}
