package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// uiReads are the pages that read a query: lists with their filters and
// sort orders, and the pages of one record.
var uiReads = []string{"/", "/pledges", "/pledges/{id}", "/requirements", "/requirements/{id}", "/items", "/shipments", "/shipments/{id}",
	"/shipments/new", "/pledges/new", "/plans", "/lessons", "/repairs", "/repairs/plan", "/equipment", "/accounts", "/baselines",
	"/contributions", "/training", "/training/plan", "/map", "/network", "/discrepancies", "/audit", "/nations", "/sites", "/spending",
	"/reports/review", "/agreements", "/hubs/{code}", "/signin"}

// apiReads lists every GET of the API document with the query parameters
// it documents, so that a new list is fuzzed without being named here.
func apiReads(tb testing.TB) map[string][]string {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		tb.Fatal(err)
	}
	type param struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	out := map[string][]string{}
	for path, ops := range doc.Paths {
		var get struct {
			Parameters []param `json:"parameters"`
		}
		if raw, ok := ops["get"]; !ok || json.Unmarshal(raw, &get) != nil {
			continue
		}
		var names []string
		for _, p := range get.Parameters {
			if p.Ref != "" {
				p = doc.Components.Parameters[p.Ref[strings.LastIndexByte(p.Ref, '/')+1:]]
			}
			if p.In == "query" {
				names = append(names, p.Name)
			}
		}
		out[path] = names
	}
	return out
}

// queryEnv is the server over the demo scenario, and the tokens of a
// coordinator cleared to NATO SECRET and of a French nation officer.
type queryEnv struct {
	h      http.Handler
	tokens []string
}

func newQueryEnv(tb testing.TB) queryEnv {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(tb, storetest.SQLiteDSN(tb), now)
	storetest.Demo(tb, db, now)
	ctx := storetest.Ctx()
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	srv.Now = func() time.Time { return now }
	srv.Access.Now = srv.Now
	svc := &access.Service{Store: store.Access{DB: db}, Read: db}
	e := queryEnv{h: srv.Handler()}
	for _, u := range []access.NewUser{
		{Name: "q-coordinator", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Password: testPassword},
		{Name: "q-officer", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Password: testPassword},
	} {
		if _, err := svc.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		_, secret, err := svc.CreateToken(ctx, u.Name, "fuzz", 24*time.Hour)
		if err != nil {
			tb.Fatal(err)
		}
		e.tokens = append(e.tokens, secret)
	}
	return e
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// FuzzQuery sends any query string, and any id in the path, to every read
// of the API document and every page that reads a query, as a coordinator
// and as a nation officer, over the demo scenario. Every answer is below
// 500; an API refusal of 400 or 422 is a problem whose fields are among the
// query's parameters or the path's (so that the caller knows what to
// change); a 404 is an API problem too. It covers the list options (sort,
// limit, cursor), every filter (dates, years, booleans, references such as
// P-00012, states, horizons) and the ids of the paths. The seeds are the
// queries the tests and the pages' links send.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzQuery$' -fuzztime 10m -parallel 1
func FuzzQuery(f *testing.F) {
	e := newQueryEnv(f)
	api := apiReads(f)
	var routes []string
	for p := range api {
		routes = append(routes, p)
	}
	sort.Strings(routes)
	routes = append(routes, uiReads...)
	for i, r := range routes {
		f.Add(uint8(i), "1", "", false)
		if slices.Contains(api[r], "limit") {
			f.Add(uint8(i), "1", "limit=2", true)
		}
	}
	for _, c := range []struct{ route, id, q string }{
		{"/api/v1/pledges", "", "cursor=W10&limit=1"}, {"/api/v1/lessons", "", "from=notadate"}, {"/api/v1/reports/iati", "", "year=0"},
		{"/api/v1/contributions", "", "year=99999"}, {"/api/v1/lessons/digest", "", "from=2025-03-01&to=2025-01-01&format=pdf"},
		{"/api/v1/shipments", "", "pledge=P--5"}, {"/api/v1/shipments", "", "late=maybe&format=csv"}, {"/api/v1/reports/review", "", "year=2026&format=csv"},
		{"/api/v1/pledges", "", "sort=-value&nation=DEU&overdue=true&at_risk=1"}, {"/api/v1/requirements", "", "sort=need_by&state=open&priority=1&site=UA-KYIV"}, {"/api/v1/discrepancies", "", "shipment=S-%00"}, {"/api/v1/pledges/{id}", "P-00012", ""},
		{"/api/v1/requirements/{id}", "R-9223372036854775808", ""}, {"/api/v1/items/{nsn}", "1320-12-000-0001", ""}, {"/api/v1/baselines/{year}", "2026", ""},
		{"/api/v1/audit/events", "", "limit=-1&entity=pledge&entity_id=x"}, {"/api/v1/hubs/{code}/stock", "PL-RZE", "days=9999999999"},
		{"/api/v1/repairs/plan", "", "horizon=0d"}, {"/pledges", "", "sort=-value&limit=1001&q=%ff"}, {"/requirements", "", "priority=x&overdue=2"},
	} {
		f.Add(uint8(slices.Index(routes, c.route)), c.id, c.q, false)
	}
	f.Fuzz(func(t *testing.T, which uint8, id, query string, officer bool) {
		route := routes[int(which)%len(routes)]
		params := map[string]bool{}
		for _, m := range pathParam.FindAllString(route, -1) {
			params[strings.Trim(m, "{}")] = true
		}
		path := pathParam.ReplaceAllLiteralString(route, strings.ReplaceAll(id, "/", ""))
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = path, query
		token := e.tokens[0]
		if officer {
			token = e.tokens[1]
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if !strings.HasPrefix(route, "/api/") {
			req.Header.Set("Accept", "text/html")
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %s?%s: %d %.500s", path, query, w.Code, w.Body.String())
		}
		if !strings.HasPrefix(route, "/api/") || (w.Code != 400 && w.Code != 422 && w.Code != 404) {
			return
		}
		var p struct {
			Detail string `json:"detail"`
			Field  string `json:"field"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Detail == "" {
			t.Fatalf("GET %s?%s: %d is not a problem: %.300s", path, query, w.Code, w.Body.String())
		}
		if w.Code == 404 {
			return
		}
		given, _ := url.ParseQuery(query)
		for _, fld := range append([]string{p.Field}, func() (out []string) {
			for _, x := range p.Errors {
				out = append(out, x.Field)
			}
			return out
		}()...) {
			if fld == "" && w.Code == 400 {
				continue
			}
			if _, ok := given[fld]; !ok && !params[fld] && !slices.Contains(api[route], fld) {
				t.Fatalf("GET %s?%s: %d names field %q, which the request does not hold: %s", path, query, w.Code, fld, w.Body.String())
			}
		}
	})
}
