package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// apiEnv is a running server over a seeded database, with a coordinator
// cleared to NATO SECRET whose token every request sends unless it names
// another.
type apiEnv struct {
	t     *testing.T
	db    *store.DB
	ts    *httptest.Server
	srv   *web.Server
	token string
	now   time.Time
}

// clock moves the server's clock forward by d.
func (e *apiEnv) clock(d time.Duration) {
	e.now = e.now.Add(d)
}

func newAPIEnv(t *testing.T, dsn string) *apiEnv {
	t.Helper()
	db := storetest.Open(t, dsn, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(t, db)
	e := newAPIEnvOver(t, db)
	e.token = e.user("coordinator", "DEU", access.Secret, access.Coordinator)
	// The first use of a token is audited; make it here, so that tests of
	// "nothing changed" compare states after it.
	if r := e.do("GET", "/api/v1/me", "", ""); r.status != 200 {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	return e
}

// newAPIEnvOver serves db as it is, another server of the same database.
func newAPIEnvOver(t *testing.T, db *store.DB) *apiEnv {
	t.Helper()
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	e := &apiEnv{t: t, db: db, srv: srv, now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv.Now = func() time.Time { return e.now }
	srv.Access.Now = srv.Now
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// testPassword is the password of every user tests create.
const testPassword = "correct horse battery staple 7"

// user creates a user and returns an API token of theirs.
func (e *apiEnv) user(name, nation string, clearance access.Classification, roles ...access.Role) string {
	e.t.Helper()
	svc := &access.Service{Store: store.Access{DB: e.db}, Read: e.db}
	ctx := storetest.Ctx()
	if _, err := svc.CreateUser(ctx, access.NewUser{Name: name, Nation: nation, Roles: roles, Clearance: clearance, Password: testPassword}); err != nil {
		e.t.Fatal(err)
	}
	// Tokens are made a year ahead of the server's fixed clock.
	_, secret, err := svc.CreateToken(ctx, name, "test", 365*24*time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

type apiResponse struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// ship moves shipped units of pledge id's first allocation through the
// API, as only shipments may: handed over from the hub to the delivery
// point, the first delivered of them received in full.
func (e *apiEnv) ship(id int64, shipped, delivered int64) {
	e.t.Helper()
	alloc := firstAllocationID(e, id)
	hand := func(q int64, receive bool) {
		res := e.do("POST", "/api/v1/shipments/handover", "application/json",
			fmt.Sprintf(`{"origin":"PL-RZE","override_reason":"handed over at the hub","lines":[{"allocation":%d,"quantity":%d}]}`, alloc, q))
		if res.status != 201 {
			e.t.Fatalf("hand over %d: %d %s", q, res.status, res.body)
		}
		if !receive {
			return
		}
		sh := int64(res.json(e.t)["id"].(float64))
		if res := e.do("POST", fmt.Sprintf("/api/v1/shipments/%d/receive", sh), "application/json", `{}`); res.status != 200 {
			e.t.Fatalf("receive S-%d: %d %s", sh, res.status, res.body)
		}
	}
	hand(delivered, true)
	if shipped > delivered {
		hand(shipped-delivered, false)
	}
}

// firstAllocationID is the id of pledge id's oldest allocation.
func firstAllocationID(e *apiEnv, id int64) int64 {
	e.t.Helper()
	p := e.do("GET", fmt.Sprintf("/api/v1/pledges/%d", id), "", "").json(e.t)
	return int64(p["allocations"].([]any)[0].(map[string]any)["id"].(float64))
}

func (e *apiEnv) do(method, path, contentType, body string, header ...string) apiResponse {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{status: res.StatusCode, header: res.Header, body: b}
}

// signIn posts the sign-in form as a browser does: with the token and the
// cookie that the form's page gave it, and the page to go to next if given.
func (e *apiEnv) signIn(name, password string, next ...string) apiResponse {
	e.t.Helper()
	return e.signInOn("", name, password, next...)
}

// sessionOf returns the session cookie a sign-in set, as a Cookie header.
func sessionOf(t *testing.T, r apiResponse) string {
	t.Helper()
	for _, c := range r.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, web.SessionCookie+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return web.SessionCookie + "=" + v
		}
	}
	t.Fatalf("no session cookie after signing in: %d %v", r.status, r.header)
	return ""
}

// signInOn signs in from a browser holding the device cookie device, or
// none when it is empty.
func (e *apiEnv) signInOn(device, name, password string, next ...string) apiResponse {
	e.t.Helper()
	page := e.do("GET", "/signin", "", "", "Authorization", "")
	var cookie string
	for _, c := range page.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, "longhaul_signin="); ok {
			cookie, _, _ = strings.Cut(v, ";")
		}
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page.body)
	if cookie == "" || token == nil {
		e.t.Fatalf("the sign-in page gave no token: %v", page.header)
	}
	form := url.Values{"name": {name}, "password": {password}, "csrf": {string(token[1])}, "next": next}
	cookies := "longhaul_signin=" + cookie
	if device != "" {
		cookies += "; " + web.DeviceCookie + "=" + device
	}
	return e.do("POST", "/signin", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "", "Cookie", cookies)
}

// notice returns the notice that the page a redirect r leads to shows,
// read with header (the env's token unless it names another), or "" when
// it shows none.
func (e *apiEnv) notice(r apiResponse, header ...string) string {
	e.t.Helper()
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || loc == "" {
		return ""
	}
	page := e.do("GET", loc, "", "", header...)
	m := regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`).FindSubmatch(page.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// noRedirect answers a redirect itself, so that tests see it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *apiEnv) fingerprint() string {
	e.t.Helper()
	fp, err := e.db.Fingerprint(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

const goodPledge = `{"nation":"DEU","title":"Spring package","kind":"in_kind","channel":"bilateral","category":"in_kind",
	"announced":"2025-02-01","promised":"2025-04-30","classification":"NATO RESTRICTED","releasable_to":["UKR"],
	"lines":[{"nsn":"1320-12-345-6789","quantity":100},{"nsn":"1410-01-234-5678","quantity":10,"unit_value":"500000.00"}]}`

func TestAPIPledgeFlow(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			res := e.do("POST", "/api/v1/requirements", "application/json",
				`{"group":"155MM-NATO","quantity":80,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`)
			if res.status != 201 {
				t.Fatalf("create requirement: %d %s", res.status, res.body)
			}
			reqID := int64(res.json(t)["id"].(float64))
			res = e.do("POST", "/api/v1/pledges", "application/json", goodPledge)
			if res.status != 201 {
				t.Fatalf("create pledge: %d %s", res.status, res.body)
			}
			p := res.json(t)
			id := int64(p["id"].(float64))
			if res.header.Get("ETag") != `"v1"` || res.header.Get("Location") != fmt.Sprintf("/api/v1/pledges/%d", id) {
				t.Errorf("headers: ETag %q Location %q", res.header.Get("ETag"), res.header.Get("Location"))
			}
			if p["pledged_value"] != "5350000.00" || p["classification"] != "NATO RESTRICTED" {
				t.Errorf("pledge: value %v classification %v", p["pledged_value"], p["classification"])
			}
			line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
			path := fmt.Sprintf("/api/v1/pledges/%d", id)
			etag := `"v1"`
			for _, step := range []struct{ action, body string }{
				{"commit", fmt.Sprintf(`{"line":%d,"quantity":60}`, line)},
				{"allocate", fmt.Sprintf(`{"line":%d,"quantity":50,"requirement":%d}`, line, reqID)},
				{"shipments", ""}, // 30 shipped, 20 of them received
				{"accept", fmt.Sprintf(`{"line":%d,"quantity":10}`, line)},
				{"withdraw", fmt.Sprintf(`{"line":%d,"quantity":50}`, line)},
			} {
				if step.action == "shipments" {
					e.ship(id, 30, 20)
					etag = e.do("GET", path, "", "").header.Get("ETag")
					continue
				}
				res = e.do("POST", path+"/"+step.action, "application/json", step.body, "If-Match", etag)
				if res.status != 200 {
					t.Fatalf("%s: %d %s", step.action, res.status, res.body)
				}
				etag = res.header.Get("ETag")
			}
			l := res.json(t)["lines"].([]any)[0].(map[string]any)
			got := fmt.Sprint(l["pledged"], l["committed"], l["allocated"], l["shipped"], l["delivered"], l["accepted"], l["withdrawn"])
			if got != "50 50 50 30 20 10 50" {
				t.Errorf("line after the flow: %s", got)
			}
			res = e.do("GET", fmt.Sprintf("/api/v1/requirements/%d", reqID), "", "")
			r := res.json(t)
			if r["allocated"] != 50.0 || r["delivered"] != 20.0 || r["state"] != "partly_allocated" {
				t.Errorf("requirement: %v", r)
			}
			// A line is shipped and delivered through shipments only.
			before := e.fingerprint()
			for _, a := range []string{"ship", "deliver"} {
				res = e.do("POST", path+"/"+a, "application/json", fmt.Sprintf(`{"line":%d,"quantity":1}`, line))
				if res.status != 422 || !strings.Contains(string(res.body), "only through shipments") || !strings.Contains(string(res.body), "/api/v1/shipments/handover") {
					t.Errorf("%s on the line: %d %s", a, res.status, res.body)
				}
			}
			// Acting on the version read before the last change is refused.
			res = e.do("POST", path+"/commit", "application/json", fmt.Sprintf(`{"line":%d,"quantity":1}`, line), "If-Match", `"v2"`)
			if res.status != 409 || !strings.Contains(res.header.Get("Content-Type"), "problem+json") {
				t.Errorf("stale If-Match: %d %s", res.status, res.body)
			}
			if e.fingerprint() != before {
				t.Error("a stale write changed the database")
			}
			page := e.do("GET", fmt.Sprintf("/pledges/%d", id), "", "")
			for _, want := range []string{"Commit 60 on line 1 (1320-12-345-6789)", "Allocate 50 on line 1 (1320-12-345-6789) to R-00001", "NATO RESTRICTED REL TO UKR"} {
				if !strings.Contains(string(page.body), want) {
					t.Errorf("pledge page lacks %q", want)
				}
			}
			d := e.do("GET", "/api/v1/dashboard", "", "").json(t)
			tot := d["totals"].(map[string]any)
			if tot["pledged"] != "5175000.00" || tot["delivered"] != "70000.00" || tot["accepted"] != "35000.00" {
				t.Errorf("dashboard totals: %v", tot)
			}
		})
	}
}

// TestAPIRefusesBadInput sends each kind of bad input and checks the answer
// names what is wrong and that the database and the audit chain are unchanged.
func TestAPIRefusesBadInput(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			res := e.do("POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":40,"priority":2,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`)
			reqID := int64(res.json(t)["id"].(float64))
			p := e.do("POST", "/api/v1/pledges", "application/json", goodPledge).json(t)
			id := int64(p["id"].(float64))
			line := int64(p["lines"].([]any)[0].(map[string]any)["id"].(float64))
			path := fmt.Sprintf("/api/v1/pledges/%d", id)
			for _, s := range []struct{ a, b string }{
				{"commit", fmt.Sprintf(`{"line":%d,"quantity":40}`, line)},
				{"allocate", fmt.Sprintf(`{"line":%d,"quantity":40,"requirement":%d}`, line, reqID)},
				{"shipments", ""},
				{"accept", fmt.Sprintf(`{"line":%d,"quantity":10}`, line)},
			} {
				if s.a == "shipments" {
					e.ship(id, 30, 20)
					continue
				}
				if r := e.do("POST", path+"/"+s.a, "application/json", s.b); r.status != 200 {
					t.Fatalf("%s: %d %s", s.a, r.status, r.body)
				}
			}
			pledge := func(replace ...string) string { return strings.NewReplacer(replace...).Replace(goodPledge) }
			act := func(q int) string { return fmt.Sprintf(`{"line":%d,"quantity":%d}`, line, q) }
			big := `{"nation":"DEU","title":"` + strings.Repeat("x", 1<<20) + `"}`
			cases := []struct {
				name, method, path, ctype, body string
				status                          int
				field                           string
			}{
				{"unknown nation", "POST", "/api/v1/pledges", "application/json", pledge(`"DEU"`, `"XYZ"`), 422, "nation"},
				{"unknown site", "POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":1,"priority":1,"need_by":"2025-05-01","delivery_site":"ATLANTIS"}`, 422, "delivery_site"},
				{"malformed NSN", "POST", "/api/v1/pledges", "application/json", pledge("1320-12-345-6789", "1320-12-3456789"), 422, "lines[0].nsn"},
				{"supply class that does not exist", "POST", "/api/v1/items", "application/json", `{"nsn":"9998-12-345-6789","name":"x","capability":"ammunition","unit_of_issue":"EA","unit_value":"1.00"}`, 422, "nsn"},
				{"zero quantity", "POST", "/api/v1/pledges", "application/json", pledge(`"quantity":100`, `"quantity":0`), 422, "lines[0].quantity"},
				{"negative quantity", "POST", "/api/v1/pledges", "application/json", pledge(`"quantity":10,`, `"quantity":-10,`), 422, "lines[1].quantity"},
				{"fractional quantity", "POST", "/api/v1/pledges", "application/json", pledge(`"quantity":100`, `"quantity":1.5`), 422, "lines[0].quantity"},
				{"fraction of a cent", "POST", "/api/v1/pledges", "application/json", pledge(`"500000.00"`, `"500000.005"`), 422, "lines[1].unit_value"},
				{"money as a number", "POST", "/api/v1/pledges", "application/json", pledge(`"500000.00"`, `500000`), 422, "lines[1].unit_value"},
				{"ship on the line, not through a shipment", "POST", path + "/ship", "application/json", act(1), 422, "action"},
				{"ship more than allocated", "POST", "/api/v1/shipments/handover", "application/json", fmt.Sprintf(`{"origin":"PL-RZE","override_reason":"at the hub","lines":[{"allocation":%d,"quantity":11}]}`, firstAllocationID(e, id)), 422, "lines[0].quantity"},
				{"accept more than delivered", "POST", path + "/accept", "application/json", act(11), 422, "quantity"},
				{"withdraw what was delivered", "POST", path + "/withdraw", "application/json", act(61), 422, "quantity"},
				{"need-by not a date", "POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":1,"priority":1,"need_by":"31/12/2025","delivery_site":"UA-KYIV"}`, 422, "need_by"},
				{"stale version", "POST", path + "/commit", "application/json", act(1), 409, ""},
				{"not JSON", "POST", "/api/v1/pledges", "application/json", `{"nation":`, 400, ""},
				{"unknown field", "POST", "/api/v1/pledges", "application/json", pledge(`"title"`, `"colour":"red","title"`), 422, "colour"},
				{"over 1 MiB", "POST", "/api/v1/pledges", "application/json", big, 413, ""},
				{"wrong media type", "POST", "/api/v1/pledges", "text/plain", goodPledge, 415, ""},
				{"two JSON values", "POST", "/api/v1/pledges", "application/json", goodPledge + goodPledge, 400, ""},
				{"no such pledge", "POST", "/api/v1/pledges/999/commit", "application/json", act(1), 404, ""},
				{"bad sort", "GET", "/api/v1/pledges?sort=colour", "", "", 422, "sort"},
				{"bad limit", "GET", "/api/v1/requirements?limit=5000", "", "", 422, "limit"},
				{"bad yes/no", "GET", "/api/v1/pledges?overdue=perhaps", "", "", 422, "overdue"},
				{"requirement reference for a pledge", "GET", "/api/v1/pledges/R-00001", "", "", 404, ""},
				{"unknown import kind", "POST", "/api/v1/import/tanks", "text/csv", "a,b\n1,2\n", 404, ""},
			}
			before := e.fingerprint()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var hdr []string
					if c.name == "stale version" {
						hdr = []string{"If-Match", `"v1"`}
					}
					res := e.do(c.method, c.path, c.ctype, c.body, hdr...)
					if res.status != c.status {
						t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
					}
					if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("content type %q", ct)
					}
					prob := res.json(t)
					if prob["status"] != float64(c.status) || prob["detail"] == "" {
						t.Errorf("problem: %v", prob)
					}
					if c.field != "" && !problemNames(prob, c.field) {
						t.Errorf("problem does not name field %s: %s", c.field, res.body)
					}
					if after := e.fingerprint(); after != before {
						t.Error("the database changed")
					}
				})
			}
			res = e.do("GET", "/api/v1/audit/verify", "", "")
			if v := res.json(t); v["ok"] != true {
				t.Errorf("audit chain after refusals: %v", v)
			}
		})
	}
}

func problemNames(prob map[string]any, field string) bool {
	if prob["field"] == field {
		return true
	}
	errs, _ := prob["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["field"] == field {
			return true
		}
	}
	return false
}

func TestAPIListsPageAndFilter(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	for i := 0; i < 5; i++ {
		body := strings.Replace(goodPledge, `"DEU"`, fmt.Sprintf("%q", []string{"DEU", "FRA", "POL", "DEU", "NLD"}[i]), 1)
		if r := e.do("POST", "/api/v1/pledges", "application/json", body); r.status != 201 {
			t.Fatal(string(r.body))
		}
	}
	seen := map[float64]bool{}
	next := ""
	for pages := 0; pages < 5; pages++ {
		q := "/api/v1/pledges?limit=2&sort=nation"
		if next != "" {
			q += "&cursor=" + url.QueryEscape(next)
		}
		page := e.do("GET", q, "", "").json(t)
		if page["total"] != 5.0 {
			t.Fatalf("total %v", page["total"])
		}
		for _, it := range page["items"].([]any) {
			seen[it.(map[string]any)["id"].(float64)] = true
		}
		next, _ = page["next"].(string)
		if next == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Errorf("paging saw %d pledges, want 5", len(seen))
	}
	for q, want := range map[string]float64{"overdue=false": 5, "overdue=0": 5, "overdue=true": 0} {
		if got := e.do("GET", "/api/v1/pledges?"+q, "", "").json(t)["total"]; got != want {
			t.Errorf("%s: %v pledges, want %v", q, got, want)
		}
	}
	if got := e.do("GET", "/api/v1/pledges/P-00002", "", "").json(t)["id"]; got != 2.0 {
		t.Errorf("pledge by reference: id %v", got)
	}
	deu := e.do("GET", "/api/v1/pledges?nation=DEU", "", "").json(t)
	if deu["total"] != 2.0 {
		t.Errorf("DEU pledges: %v", deu["total"])
	}
}

func TestCSVImportIsAllOrNothing(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			before := e.fingerprint()
			bad := "nsn,name,capability,unit_of_issue,unit_value_eur,mass_kg,volume_m3,group\n" +
				"1005-12-000-0001,Rifle,small_arms,EA,1200.00,4.1,0.01,\n" +
				"1005-12-000-0002,Rifle B,small_arms,EA,1200.001,4.1,0.01,\n" +
				"1005-12-000-0003,Rifle C,small_arms,EA,900,3,0.01,\n" +
				"9998-12-000-0004,Rifle D,small_arms,EA,900,3,0.01,\n"
			res := e.do("POST", "/api/v1/import/items", "text/csv", bad)
			if res.status != 422 {
				t.Fatalf("bad import: %d %s", res.status, res.body)
			}
			body := string(res.body)
			if !strings.Contains(body, "line 3") || !strings.Contains(body, "line 5") || strings.Contains(body, "line 2") {
				t.Errorf("problems should name lines 3 and 5 only: %s", body)
			}
			if e.fingerprint() != before {
				t.Fatal("a refused import changed the database")
			}
			good := strings.Replace(strings.Replace(bad, "1200.001", "1200.01", 1), "9998-", "1005-", 1)
			res = e.do("POST", "/api/v1/import/items", "text/csv", good)
			if res.status != 201 || res.json(t)["created"] != 4.0 {
				t.Fatalf("good import: %d %s", res.status, res.body)
			}
			// Export and re-import give the same rows: the columns are the same both ways.
			exp := e.do("GET", "/api/v1/export/items?group=", "", "")
			if exp.status != 200 || !strings.HasPrefix(exp.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("export: %d", exp.status)
			}
			if !strings.Contains(string(exp.body), "1005-12-000-0002,Rifle B,small_arms,EA,1200.01,4.100,0.010000,") {
				t.Errorf("export:\n%s", exp.body)
			}
			// Pledges round-trip through CSV into a second database.
			e.do("POST", "/api/v1/pledges", "application/json", goodPledge)
			out := e.do("GET", "/api/v1/export/pledges", "", "")
			e2 := newAPIEnv(t, storetest.SQLiteDSN(t))
			res = e2.do("POST", "/api/v1/import/pledges", "text/csv", string(out.body))
			if res.status != 201 || res.json(t)["created"] != 1.0 {
				t.Fatalf("re-import of exported pledges: %d %s\n%s", res.status, res.body, out.body)
			}
			again := e2.do("GET", "/api/v1/export/pledges", "", "")
			if string(again.body) != string(out.body) {
				t.Errorf("round trip changed the pledges:\n%s\n---\n%s", out.body, again.body)
			}
		})
	}
}

func TestUIFormShowsErrorsBesideFields(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	before := e.fingerprint()
	form := url.Values{"nation": {"DEU"}, "title": {""}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
		"announced": {"2025-02-01"}, "promised": {"2025-13-01"}, "classification": {"NATO UNCLASSIFIED"},
		"line_nsn": {"1320-12-345-6789", ""}, "line_quantity": {"-3", ""}, "line_unit_value": {"", ""}}
	res := e.do("POST", "/pledges", "application/x-www-form-urlencoded", form.Encode())
	if res.status != 422 {
		t.Fatalf("status %d", res.status)
	}
	page := string(res.body)
	for _, f := range []string{`data-field="title"`, `data-field="promised"`, `data-field="lines[0].quantity"`} {
		if !strings.Contains(page, f) {
			t.Errorf("no error beside %s", f)
		}
	}
	if !strings.Contains(page, `value="-3"`) {
		t.Error("the form lost what the user typed")
	}
	if e.fingerprint() != before {
		t.Error("a refused form changed the database")
	}
	// The same form corrected is saved and redirects to the pledge.
	form.Set("title", "Winter package")
	form.Set("promised", "2025-12-01")
	form["line_quantity"] = []string{"30", ""}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", e.ts.URL+"/pledges", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+e.token)
	r, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/pledges/1?") {
		t.Errorf("saved form: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "longhaul_http_requests_total"} {
		e.do("GET", "/api/v1/nations", "", "") // so that the request counter has a sample
		res := e.do("GET", path, "", "")
		if res.status != 200 || !strings.Contains(string(res.body), want) {
			t.Errorf("%s: %d %.200s", path, res.status, res.body)
		}
	}
	res := e.do("GET", "/", "", "")
	csp := res.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || res.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers: %v", res.header)
	}
	if res.header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
	// Marked pages and exports are kept by no cache; the assets may be;
	// HSTS is only for what is served over TLS (cli's serve test).
	for _, path := range []string{"/", "/api/v1/pledges", "/api/v1/export/pledges"} {
		if got := e.do("GET", path, "", "").header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, got)
		}
	}
	if got := e.do("GET", "/static/style.css", "", "").header.Get("Cache-Control"); got == "no-store" {
		t.Error("the static assets may be cached")
	}
	if got := res.header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS over plain HTTP: %q", got)
	}
	e.db.Close()
	if res := e.do("GET", "/readyz", "", ""); res.status != 503 {
		t.Errorf("readyz with the database closed: %d", res.status)
	}
}

func TestUIEditsARequirement(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	res := e.do("POST", "/api/v1/requirements", "application/json", `{"nsn":"1320-12-345-6789","quantity":40,"priority":2,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`)
	if res.status != 201 {
		t.Fatal(string(res.body))
	}
	page := e.do("GET", "/requirements/1/edit", "", "")
	if page.status != 200 || !strings.Contains(string(page.body), `value="40"`) || !strings.Contains(string(page.body), `name="version" value="1"`) {
		t.Fatalf("edit form: %d", page.status)
	}
	form := url.Values{"nsn": {storetest.NSN155}, "quantity": {"55"}, "priority": {"1"}, "need_by": {"2025-04-15"}, "delivery_site": {storetest.SiteKyiv},
		"classification": {"NATO UNCLASSIFIED"}, "version": {"1"}}
	if r := e.do("POST", "/requirements/1", "application/x-www-form-urlencoded", form.Encode()); r.status != 303 {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	got := e.do("GET", "/api/v1/requirements/1", "", "").json(t)
	if got["quantity"] != 55.0 || got["priority"] != 1.0 || got["version"] != 2.0 {
		t.Errorf("after the edit: %v", got)
	}
	// The same form again holds a stale version: refused, nothing changed.
	before := e.fingerprint()
	r := e.do("POST", "/requirements/1", "application/x-www-form-urlencoded", form.Encode())
	if r.status != 409 || !strings.Contains(string(r.body), "changed by someone else") {
		t.Errorf("stale edit: %d", r.status)
	}
	if e.fingerprint() != before {
		t.Error("a stale edit changed the database")
	}
}

func TestUIEditsAPledgesOwnFields(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	if r := e.do("POST", "/api/v1/pledges", "application/json", goodPledge); r.status != 201 {
		t.Fatal(string(r.body))
	}
	page := e.do("GET", "/pledges/1/edit", "", "")
	if page.status != 200 || !strings.Contains(string(page.body), `value="Spring package"`) || strings.Contains(string(page.body), `name="line_nsn"`) {
		t.Fatalf("edit form: %d", page.status)
	}
	form := url.Values{"nation": {"DEU"}, "title": {"Spring package, revised"}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
		"announced": {"2025-02-01"}, "promised": {"2025-05-31"}, "classification": {"NATO RESTRICTED"}, "releasable_to": {"UKR"}, "version": {"1"}}
	if r := e.do("POST", "/pledges/1", "application/x-www-form-urlencoded", form.Encode()); r.status != 303 {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	got := e.do("GET", "/api/v1/pledges/1", "", "").json(t)
	if got["title"] != "Spring package, revised" || got["promised"] != "2025-05-31" || len(got["lines"].([]any)) != 2 || got["version"] != 2.0 {
		t.Errorf("after the edit: %v", got)
	}
	form.Set("promised", "2024-01-01") // before the announcement
	form.Set("version", "2")
	r := e.do("POST", "/pledges/1", "application/x-www-form-urlencoded", form.Encode())
	if r.status != 422 || !strings.Contains(string(r.body), `data-field="promised"`) {
		t.Errorf("bad date: %d", r.status)
	}
}

func TestUIAddsASite(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	form := url.Values{"code": {"RO-LENR"}, "name": {"Logistics node Romania"}, "nation": {"rou"}, "kinds": {"logistics_hub"}, "lat": {"47.6875"}, "lon": {"26.3541"}}
	if r := e.do("POST", "/sites", "application/x-www-form-urlencoded", form.Encode()); r.status != 303 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	site := e.do("GET", "/api/v1/sites/RO-LENR", "", "").json(t)
	if site["nation"] != "ROU" || site["lat_e6"] != 47687500.0 || site["lon_e6"] != 26354100.0 {
		t.Errorf("site: %v", site)
	}
	form.Set("code", "XX-1")
	form.Set("lat", "95")
	form.Set("nation", "ATL")
	r := e.do("POST", "/sites", "application/x-www-form-urlencoded", form.Encode())
	if r.status != 422 || !strings.Contains(string(r.body), `data-field="lat_e6"`) {
		t.Errorf("bad site: %d", r.status)
	}
}

func TestUIEditsAnItem(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	page := e.do("GET", "/items/"+storetest.NSN155+"/edit", "", "")
	if page.status != 200 || !strings.Contains(string(page.body), `value="3500.00"`) || !strings.Contains(string(page.body), `name="version" value="1"`) {
		t.Fatalf("edit form: %d", page.status)
	}
	form := url.Values{"name": {"Cartridge, 155 mm HE M795 (lot 2)"}, "capability": {"ammunition"}, "unit_of_issue": {"RD"}, "unit_value": {"3650.00"},
		"mass_kg": {"46.7"}, "volume_m3": {"0.014"}, "group": {"155MM-NATO"}, "version": {"1"}}
	if r := e.do("POST", "/items/"+storetest.NSN155, "application/x-www-form-urlencoded", form.Encode()); r.status != 303 {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	it := e.do("GET", "/api/v1/items/"+storetest.NSN155, "", "").json(t)
	if it["unit_value"] != "3650.00" || it["version"] != 2.0 || it["mass_g"] != 46700.0 {
		t.Errorf("after the edit: %v", it)
	}
	form.Set("unit_value", "12.345")
	form.Set("version", "2")
	if r := e.do("POST", "/items/"+storetest.NSN155, "application/x-www-form-urlencoded", form.Encode()); r.status != 422 || !strings.Contains(string(r.body), `data-field="unit_value"`) {
		t.Errorf("fraction of a cent: %d", r.status)
	}
}
