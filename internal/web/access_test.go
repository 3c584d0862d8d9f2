package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// matrixPath fills a route pattern's parameters with values that exist or
// plausibly could.
func matrixPath(pattern string) string {
	r := strings.NewReplacer("{id}", "1", "{code}", "DEU", "{nsn}", storetest.NSN155, "{name}", "nobody", "{$}", "")
	return r.Replace(pattern)
}

// TestAuthorizationMatrix sends every registered route a request from every
// role and from nobody, and checks the answer against the policy table:
// allowed requests are never refused for who sent them, refused ones are
// 403 (401 or a redirect to sign-in for nobody).
func TestAuthorizationMatrix(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	tokens := map[access.Role]string{}
	for _, r := range access.Roles {
		tokens[r] = e.user("m-"+strings.ReplaceAll(string(r), "_", "-"), "DEU", access.Secret, r)
		e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+tokens[r]) // first use, audited
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	srv := cli.NewServer(e.db, nil, "test")
	srv.Limits = nil                                         // tests send far more than people do; the limits have tests of their own
	const signinToken = "a-sign-in-form-token-of-the-matrix" // the sign-in form's, sent as cookie and field
	routes := srv.Routes()
	if len(routes) < 60 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, rt := range routes {
		if !access.Known(rt.Perm) || rt.Perm == "" {
			t.Errorf("%s %s has no entry in the policy table", rt.Method, rt.Pattern)
		}
		callers := append([]access.Role{""}, access.Roles...)
		for _, role := range callers {
			name := fmt.Sprintf("%s %s as %s", rt.Method, rt.Pattern, role)
			body, ctype := "", ""
			if rt.Method != "GET" {
				body, ctype = "{}", "application/json"
				if !rt.API {
					body, ctype = "x=1", "application/x-www-form-urlencoded"
				}
			}
			if strings.HasPrefix(rt.Pattern, "/signin") && rt.Method == "POST" { // the sign-in form and its code step
				body += "&csrf=" + signinToken
			}
			req, _ := http.NewRequest(rt.Method, e.ts.URL+matrixPath(rt.Pattern), strings.NewReader(body))
			if strings.HasPrefix(rt.Pattern, "/signin") {
				req.Header.Set("Cookie", "longhaul_signin="+signinToken)
			}
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			id := access.Anonymous
			if role != "" {
				req.Header.Set("Authorization", "Bearer "+tokens[role])
				id = access.Identity{Roles: []access.Role{role}, Via: "token"}
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			toSignIn := res.StatusCode == 303 && strings.HasPrefix(res.Header.Get("Location"), "/signin?next=")
			refused := res.StatusCode == 401 || res.StatusCode == 403 || toSignIn
			allowed := access.Allowed(id, rt.Perm)
			switch {
			case rt.Perm == access.Public:
				if res.StatusCode == 403 || toSignIn {
					t.Errorf("%s: public route answered %d", name, res.StatusCode)
				}
			case allowed && refused:
				t.Errorf("%s: refused (%d) though the policy allows it", name, res.StatusCode)
			case res.StatusCode >= 500:
				t.Errorf("%s: %d", name, res.StatusCode)
			case !allowed && role == "" && rt.API && res.StatusCode != 401:
				t.Errorf("%s: %d, want 401", name, res.StatusCode)
			case !allowed && role == "" && !rt.API && !toSignIn:
				t.Errorf("%s: %d, want a redirect to sign in", name, res.StatusCode)
			case !allowed && role != "" && res.StatusCode != 403:
				t.Errorf("%s: %d, want 403", name, res.StatusCode)
			}
		}
	}
}

func (e *apiEnv) records() string {
	e.t.Helper()
	fp, err := e.db.FingerprintRecords(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return fp
}

func (e *apiEnv) lastEvent() audit.Event {
	e.t.Helper()
	evs, err := e.db.Events(storetest.Ctx(), "", "", 1)
	if err != nil || len(evs) == 0 {
		e.t.Fatalf("last event: %v", err)
	}
	return evs[0]
}

// TestCredentialsRefused sends bad credentials of every kind and checks that
// each is refused, changes no record, and is audited.
func TestCredentialsRefused(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			svc := &access.Service{Store: store.Access{DB: e.db}, Read: e.db}
			officer := e.user("deu-officer", "DEU", access.Restricted, access.NationOfficer)
			e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+officer)
			_, shortLived, err := svc.CreateToken(storetest.Ctx(), "deu-officer", "short", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			revoked := e.user("revoked", "DEU", access.Restricted, access.NationOfficer)
			tok, err := e.db.TokenByHash(context.Background(), access.Hash(revoked))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RevokeToken(storetest.Ctx(), tok.ID); err != nil {
				t.Fatal(err)
			}
			disabled := e.user("gone", "DEU", access.Restricted, access.NationOfficer)
			if _, err := svc.UpdateUser(storetest.Ctx(), "gone", "disable", func(u *access.User) error { u.Disabled = true; return nil }); err != nil {
				t.Fatal(err)
			}
			// Sign in a browser session for the CSRF case.
			res := e.signIn("deu-officer", testPassword)
			var session string
			for _, c := range res.header.Values("Set-Cookie") {
				if v, ok := strings.CutPrefix(c, web.SessionCookie+"="); ok {
					session, _, _ = strings.Cut(v, ";")
					if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Secure") {
						t.Errorf("session cookie attributes: %s", c)
					}
				}
			}
			if session == "" {
				t.Fatalf("no session cookie after signing in: %d %v", res.status, res.header)
			}

			pledge := strings.Replace(goodPledge, `"DEU"`, `"USA"`, 1)
			cases := []struct {
				name, method, path, ctype, body string
				header                          []string
				status                          int
			}{
				{"no token", "GET", "/api/v1/pledges", "", "", []string{"Authorization", ""}, 401},
				{"malformed header", "GET", "/api/v1/pledges", "", "", []string{"Authorization", "Basic abc"}, 401},
				{"forged token", "GET", "/api/v1/pledges", "", "", []string{"Authorization", "Bearer lh_" + strings.Repeat("A", 43)}, 401},
				{"revoked token", "GET", "/api/v1/pledges", "", "", []string{"Authorization", "Bearer " + revoked}, 401},
				{"token of a disabled user", "GET", "/api/v1/pledges", "", "", []string{"Authorization", "Bearer " + disabled}, 401},
				{"forged cookie", "GET", "/api/v1/pledges", "", "", []string{"Authorization", "", "Cookie", web.SessionCookie + "=forged"}, 401},
				{"session without CSRF token", "POST", "/api/v1/pledges", "application/json", strings.Replace(goodPledge, `"DEU"`, `"DEU"`, 1), []string{"Authorization", "", "Cookie", web.SessionCookie + "=" + session}, 403},
				{"form without CSRF token", "POST", "/pledges", "application/x-www-form-urlencoded", "nation=DEU&title=x", []string{"Authorization", "", "Cookie", web.SessionCookie + "=" + session}, 403},
				{"nation officer pledging for the USA", "POST", "/api/v1/pledges", "application/json", pledge, []string{"Authorization", "Bearer " + officer}, 403},
				{"nation officer allocating", "POST", "/api/v1/pledges/1/allocate", "application/json", `{"line":1,"quantity":1,"requirement":1}`, []string{"Authorization", "Bearer " + officer}, 403},
				{"nation officer listing users", "GET", "/api/v1/users", "", "", []string{"Authorization", "Bearer " + officer}, 403},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before, events := e.records(), e.eventCount()
					res := e.do(c.method, c.path, c.ctype, c.body, c.header...)
					if res.status != c.status {
						t.Fatalf("status %d, want %d: %s", res.status, c.status, res.body)
					}
					if after := e.records(); after != before {
						t.Error("a refused request changed a record")
					}
					if c.status == 401 {
						// Not signed in: counted, and written only in the
						// next summary, so that nobody without credentials
						// makes the server write per request.
						if got := e.eventCount(); got != events {
							t.Errorf("a refusal of someone not signed in wrote %d events", got-events)
						}
						if n := count(e.lastSummary(), "access.refused", c.method+" "+c.path); n != 1 {
							t.Errorf("the summary counts the refusal %d times, want 1", n)
						}
						return
					}
					if ev := e.lastEvent(); ev.Action != "access.refused" || ev.EntityID != c.method+" "+c.path {
						t.Errorf("last audit event %s %s, want the refusal", ev.Action, ev.EntityID)
					}
				})
			}
			// The short-lived token works now and not after it expires.
			if r := e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+shortLived); r.status != 200 {
				t.Errorf("fresh token: %d", r.status)
			}
			e.clock(2 * time.Minute)
			if r := e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+shortLived); r.status != 401 {
				t.Errorf("expired token: %d, want 401", r.status)
			}
			// With the token, the same session may change what it may.
			res = e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", web.SessionCookie+"="+session)
			if res.status != 200 || res.json(t)["name"] != "deu-officer" {
				t.Fatalf("me by cookie: %d %s", res.status, res.body)
			}
			if res := e.do("POST", "/api/v1/audit/verify", "", "", "Authorization", ""); res.status == 200 {
				t.Error("verify must not answer a POST")
			}
			if v := e.do("GET", "/api/v1/audit/verify", "", "").json(t); v["ok"] != true {
				t.Errorf("audit chain after the refusals: %v", v)
			}
		})
	}
}

// deviceOf returns the device cookie a sign-in set.
func deviceOf(t *testing.T, r apiResponse) string {
	t.Helper()
	for _, c := range r.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, web.DeviceCookie+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return v
		}
	}
	t.Fatalf("no device cookie after signing in: %d %v", r.status, r.header)
	return ""
}

// lastSummary flushes the counted refusals and returns the summary event.
func (e *apiEnv) lastSummary() access.RefusalSummary {
	e.t.Helper()
	if err := e.srv.Access.FlushRefusals(storetest.Ctx()); err != nil {
		e.t.Fatal(err)
	}
	ev := e.lastEvent()
	if ev.Action != "access.refused_summary" {
		e.t.Fatalf("last event %s %s, want the summary of refusals", ev.Action, ev.EntityID)
	}
	var sum access.RefusalSummary
	if err := json.Unmarshal([]byte(ev.After), &sum); err != nil {
		e.t.Fatal(err)
	}
	return sum
}

// count returns the refusals of the summary with action for account, or
// for route when account is empty.
func count(sum access.RefusalSummary, action, subject string) int64 {
	var n int64
	for _, l := range sum.Lines {
		if l.Action == action && (l.Subject == subject || l.Route == subject) {
			n += l.Count
		}
	}
	return n
}

func TestSignInThrottlesWithoutLockingTheOwnerOut(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("pol-officer", "POL", access.Restricted, access.NationOfficer)
	// The owner signs in once on their own browser, which keeps a device
	// cookie for the account.
	first := e.signIn("pol-officer", testPassword)
	if first.status != 303 {
		t.Fatalf("first sign-in: %d %s", first.status, first.body)
	}
	device := deviceOf(t, first)
	events := e.eventCount()

	wrong, unknown := e.signIn("pol-officer", "not the password at all"), e.signIn("nobody-here", "not the password at all")
	if wrong.status != 401 || unknown.status != 401 || !strings.Contains(string(wrong.body), "the name or password is wrong") || !strings.Contains(string(unknown.body), "the name or password is wrong") {
		t.Fatalf("failed sign-ins: %d, %d", wrong.status, unknown.status)
	}
	for i := 0; i < 4; i++ {
		e.signIn("pol-officer", "still not the password")
		e.signIn("nobody-here", "still not the password")
	}
	// From browsers the accounts never signed in with, both names are now
	// held back alike, and the right password does not help there.
	for _, name := range []string{"pol-officer", "nobody-here"} {
		r := e.signIn(name, testPassword)
		if r.status != 429 || !strings.Contains(string(r.body), "too many failed sign-ins to this account") || r.header.Get("Retry-After") != "900" {
			t.Errorf("%s after 5 failures: %d, Retry-After %q", name, r.status, r.header.Get("Retry-After"))
		}
	}
	if got := e.eventCount(); got != events {
		t.Errorf("failed and held-back sign-ins wrote %d audit events, want none until the summary", got-events)
	}
	// The owner, on the browser they signed in with before, is not held back.
	if r := e.signInOn(device, "pol-officer", testPassword); r.status != 303 {
		t.Errorf("the owner on their own browser: %d, want 303: %s", r.status, r.body)
	}
	// A device cookie of one account does nothing for another.
	if r := e.signInOn(device, "nobody-here", testPassword); r.status != 429 {
		t.Errorf("another account's device cookie: %d, want 429", r.status)
	}
	// Another account from the same address is not held back yet.
	e.user("ita-officer", "ITA", access.Restricted, access.NationOfficer)
	if r := e.signIn("ita-officer", testPassword); r.status != 303 {
		t.Errorf("another account: %d, want 303", r.status)
	}
	// Once the window has passed, the account takes sign-ins again.
	e.clock(access.SignInWindow + time.Second)
	if r := e.signIn("nobody-here", "still not the password"); r.status != 401 {
		t.Errorf("after the window: %d, want 401", r.status)
	}
	// Every failure reached the audit trail, counted, in one summary.
	sum := e.lastSummary()
	if n := count(sum, "session.signin_failed", "pol-officer"); n != 5 {
		t.Errorf("summary counts %d failures of pol-officer, want 5: %+v", n, sum)
	}
	if n := count(sum, "session.signin_failed", "nobody-here"); n != 6 {
		t.Errorf("summary counts %d failures of nobody-here, want 6", n)
	}
	if n := count(sum, "session.signin_throttled", "nobody-here"); n != 2 {
		t.Errorf("summary counts %d held-back sign-ins of nobody-here, want 2", n)
	}
	if v := e.do("GET", "/api/v1/audit/verify", "", "").json(t); v["ok"] != true {
		t.Errorf("audit chain after the summary: %v", v)
	}
}

func TestSignInLimitPerAddressSparesKnownBrowsers(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("lva-officer", "LVA", access.Restricted, access.NationOfficer)
	device := deviceOf(t, e.signIn("lva-officer", testPassword))
	// Someone behind the same address tries twenty names.
	for i := 0; i < access.MaxAddressFailures; i++ {
		if r := e.signIn(fmt.Sprintf("guess-%d", i), "not the password at all"); r.status != 401 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	e.user("ltu-officer", "LTU", access.Restricted, access.NationOfficer)
	if r := e.signIn("ltu-officer", testPassword); r.status != 429 || !strings.Contains(string(r.body), "from this address") {
		t.Errorf("a new browser at the address: %d, want 429: %s", r.status, r.body)
	}
	if r := e.signInOn(device, "lva-officer", testPassword); r.status != 303 {
		t.Errorf("a browser that signed in before: %d, want 303", r.status)
	}
}

// eventCount is the number of audit events.
func (e *apiEnv) eventCount() int {
	e.t.Helper()
	evs, err := e.db.Events(storetest.Ctx(), "", "", 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

// TestRestrictedPledgeAbsentThroughTheAPI is the leak test over HTTP: a DEU
// NATO RESTRICTED pledge releasable to UKR only, read by a FRA officer, a
// cleared coordinator and an uncleared one.
func TestRestrictedPledgeAbsentThroughTheAPI(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	res := e.do("POST", "/api/v1/pledges", "application/json", strings.Replace(goodPledge, "Spring package", "Hidden package", 1))
	if res.status != 201 {
		t.Fatal(string(res.body))
	}
	id := int64(res.json(t)["id"].(float64))
	open := strings.NewReplacer(`"DEU"`, `"NLD"`, `"NATO RESTRICTED"`, `"NATO UNCLASSIFIED"`, `["UKR"]`, `[]`).Replace(goodPledge)
	if r := e.do("POST", "/api/v1/pledges", "application/json", open); r.status != 201 {
		t.Fatal(string(r.body))
	}
	readers := map[string]struct {
		token string
		sees  bool
	}{
		"fra officer":           {e.user("fra", "FRA", access.Restricted, access.NationOfficer), false},
		"uncleared coordinator": {e.user("coord-u", "USA", access.Unclassified, access.Coordinator), false},
		"cleared coordinator":   {e.user("coord-r", "USA", access.Restricted, access.Coordinator), true},
	}
	for who, r := range readers {
		t.Run(who, func(t *testing.T) {
			auth := []string{"Authorization", "Bearer " + r.token}
			list := e.do("GET", "/api/v1/pledges", "", "", auth...).json(t)
			search := e.do("GET", "/api/v1/pledges?q=hidden", "", "", auth...).json(t)
			detail := e.do("GET", fmt.Sprintf("/api/v1/pledges/%d", id), "", "", auth...)
			dash := e.do("GET", "/api/v1/dashboard", "", "", auth...)
			csv := e.do("GET", "/api/v1/export/pledges", "", "", auth...)
			page := e.do("GET", "/pledges", "", "", auth...)
			want := 1.0
			if r.sees {
				want = 2
			}
			if list["total"] != want || len(list["items"].([]any)) != int(want) {
				t.Errorf("list: total %v", list["total"])
			}
			if got := search["total"] == 1.0; got != r.sees {
				t.Errorf("search finds it: %v", got)
			}
			if r.sees != (detail.status == 200) || (!r.sees && detail.status != 404) {
				t.Errorf("detail: %d", detail.status)
			}
			if got := strings.Contains(string(dash.body), `"nation": "DEU"`); got != r.sees {
				t.Errorf("dashboard has a DEU row: %v", got)
			}
			if got := strings.Contains(string(csv.body), "Hidden package"); got != r.sees {
				t.Errorf("CSV export has it: %v", got)
			}
			if got := strings.Contains(string(page.body), "Hidden package"); got != r.sees {
				t.Errorf("pledges page has it: %v", got)
			}
			// Pages and exports carry the highest marking of what they hold.
			wantMark := "NATO UNCLASSIFIED"
			if r.sees {
				wantMark = "NATO RESTRICTED"
			}
			if got := csv.header.Get("X-Classification"); got != wantMark {
				t.Errorf("export marking %q, want %q", got, wantMark)
			}
			if !strings.HasPrefix(string(csv.body), "# "+wantMark+"\n") {
				t.Errorf("export does not start with its marking: %.40q", csv.body)
			}
			if !strings.Contains(string(page.body), `data-marking="`+wantMark+`"`) {
				t.Errorf("page banner is not %s", wantMark)
			}
		})
	}
}

func TestAuthorizationHeaderAndUserUpdates(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	res := e.do("GET", "/api/v1/me", "", "", "Authorization", "")
	if res.status != 401 || res.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate: %d %v", res.status, res.header)
	}
	if res := e.do("GET", "/api/v1/me", "", "", "Authorization", "bearer "+e.token); res.status != 200 {
		t.Errorf("the scheme is case-insensitive: %d", res.status)
	}
	if res := e.do("GET", "/api/v1/me", "", "", "Authorization", "Basic YTpi"); res.status != 401 || !strings.Contains(string(res.body), "Bearer TOKEN") {
		t.Errorf("another scheme: %d %s", res.status, res.body)
	}
	admin := e.user("root", "DEU", access.Secret, access.Admin)
	e.user("pol-officer", "POL", access.Restricted, access.NationOfficer)
	as := []string{"Authorization", "Bearer " + admin}
	res = e.do("PUT", "/api/v1/users/pol-officer", "application/json", `{"roles":["nation_officer","analyst"]}`, as...)
	if res.status != 200 {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	u := res.json(t)
	if u["clearance"] != "NATO RESTRICTED" || len(u["roles"].([]any)) != 2 {
		t.Errorf("a PUT naming only roles must keep the clearance: %v", u)
	}
	if res := e.do("PUT", "/api/v1/users/pol-officer", "application/json", `{"name":"other"}`, as...); res.status != 422 || !problemNames(res.json(t), "name") {
		t.Errorf("rename: %d %s", res.status, res.body)
	}
	// An administrator does not make themselves a coordinator, nor raise
	// their own clearance: another administrator does.
	low := []string{"Authorization", "Bearer " + e.user("root3", "NLD", access.Restricted, access.Admin)}
	for body, field := range map[string]string{`{"roles":["admin","coordinator"]}`: "roles", `{"clearance":"NATO SECRET"}`: "clearance"} {
		if res := e.do("PUT", "/api/v1/users/root3", "application/json", body, low...); res.status != 403 || !problemNames(res.json(t), field) {
			t.Errorf("self-grant %s: %d %s", body, res.status, res.body)
		}
	}
	if res := e.do("PUT", "/api/v1/users/root3", "application/json", `{"roles":["admin","coordinator"],"clearance":"NATO SECRET"}`, as...); res.status != 200 {
		t.Errorf("another administrator grants them: %d %s", res.status, res.body)
	}
}

func TestPledgePageOffersOnlyAllowedActions(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	open := strings.NewReplacer(`"NATO RESTRICTED"`, `"NATO UNCLASSIFIED"`, `["UKR"]`, `[]`).Replace(goodPledge)
	if r := e.do("POST", "/api/v1/pledges", "application/json", open); r.status != 201 {
		t.Fatal(string(r.body))
	}
	for who, want := range map[string][]string{
		"coordinator": {"commit", "allocate", "accept", "withdraw"},
		"deu":         {"commit", "withdraw"},
		"fra":         nil,
		"ukr":         {"accept"},
	} {
		token := e.token
		switch who {
		case "deu":
			token = e.user("deu-lo", "DEU", access.Restricted, access.NationOfficer)
		case "fra":
			token = e.user("fra-lo", "FRA", access.Restricted, access.NationOfficer)
		case "ukr":
			token = e.user("ukr-lo", "UKR", access.Restricted, access.RecipientOfficer)
		}
		page := string(e.do("GET", "/pledges/1", "", "", "Authorization", "Bearer "+token).body)
		for _, a := range []string{"commit", "allocate", "ship", "deliver", "accept", "withdraw"} {
			offered := strings.Contains(page, `<option value="`+a+`"`)
			if offered != slices.Contains(want, a) {
				t.Errorf("%s: action %s offered=%v", who, a, offered)
			}
		}
	}
}

func TestSignInNeedsTheFormsToken(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("pol-officer", "POL", access.Restricted, access.NationOfficer)
	form := url.Values{"name": {"pol-officer"}, "password": {testPassword}}
	if r := e.do("POST", "/signin", "application/x-www-form-urlencoded", form.Encode(), "Authorization", ""); r.status != 403 || strings.Contains(strings.Join(r.header.Values("Set-Cookie"), ";"), web.SessionCookie) {
		t.Errorf("sign-in without the form's token: %d", r.status)
	}
	if r := e.signIn("pol-officer", testPassword); r.status != 303 {
		t.Errorf("sign-in with it: %d", r.status)
	}
}

// TestSignInStaysOnThisSite signs in with next pages that browsers resolve
// to another host (a backslash, a tab or a newline dropped, "//", a scheme)
// and checks that each lands on "/", while paths of this site are kept.
func TestSignInStaysOnThisSite(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("pol-officer", "POL", access.Restricted, access.NationOfficer)
	for _, c := range []struct{ next, want string }{
		{"/pledges?q=spring", "/pledges?q=spring"},
		{"/pledges/1#lines", "/pledges/1#lines"},
		{"/\\evil.example", "/"},
		{"/\tevil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{"//evil.example", "/"},
		{"/\\/evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"", "/"},
	} {
		t.Run(c.next, func(t *testing.T) {
			r := e.signIn("pol-officer", testPassword, c.next)
			if r.status != 303 || r.header.Get("Location") != c.want {
				t.Errorf("next %q: %d to %q, want %q", c.next, r.status, r.header.Get("Location"), c.want)
			}
			page := e.do("GET", "/signin?next="+url.QueryEscape(c.next), "", "", "Authorization", "")
			m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindSubmatch(page.body)
			if m == nil || html.UnescapeString(string(m[1])) != c.want {
				t.Errorf("the sign-in form carries next %q as %q, want %q", c.next, m, c.want)
			}
		})
	}
}

// TestALinkPutsNoWordsOnThePages: the notice a page shows is one of the
// server's fixed texts, named by the redirect that ends a change; a link
// with words of its own in msg shows nothing, on the sign-in page or any
// other.
func TestALinkPutsNoWordsOnThePages(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	phish := "Your password has expired. Call the NSATU service desk on +1 555 0100 and give them your password to renew it."
	for _, path := range []string{"/signin", "/pledges", "/account"} {
		for _, msg := range []string{phish, "pledge-recorded~" + phish, "signed-out~" + phish} {
			r := e.do("GET", path+"?msg="+url.QueryEscape(msg), "", "", "Authorization", map[bool]string{true: "", false: "Bearer " + e.token}[path == "/signin"])
			if r.status != 200 || strings.Contains(string(r.body), `class="flash"`) || strings.Contains(string(r.body), "service desk") {
				t.Errorf("GET %s?msg=%.30q…: %d, shows a notice", path, msg, r.status)
			}
		}
	}
	// The server's own notices still show: signing out says so.
	cookie, csrf := e.session(e.signIn("coordinator", testPassword))
	out := e.do("POST", "/signout", "application/x-www-form-urlencoded", "csrf="+csrf, "Authorization", "", "Cookie", cookie)
	if got := e.notice(out, "Authorization", ""); got != "Signed out" {
		t.Errorf("after signing out the sign-in page says %q, want Signed out", got)
	}
}

func TestAdministratorListsEveryToken(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	admin := e.user("root", "DEU", access.Secret, access.Admin)
	officer := e.user("pol-officer", "POL", access.Restricted, access.NationOfficer)
	mine := e.do("GET", "/api/v1/tokens", "", "", "Authorization", "Bearer "+admin).json(t)
	all := e.do("GET", "/api/v1/tokens?all=true", "", "", "Authorization", "Bearer "+admin).json(t)
	if mine["total"] != 1.0 || all["total"] != 3.0 {
		t.Errorf("admin's own tokens %v, all tokens %v; want 1 and 3", mine["total"], all["total"])
	}
	if r := e.do("GET", "/api/v1/tokens?all=true", "", "", "Authorization", "Bearer "+officer); r.status != 403 {
		t.Errorf("a nation officer listing every token: %d", r.status)
	}
}

// TestSignInThrottleHoldsUnderParallelAttempts sends many wrong passwords at
// once: no more than the limit reach the password check.
func TestSignInThrottleHoldsUnderParallelAttempts(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("esp-officer", "ESP", access.Restricted, access.NationOfficer)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.signIn("esp-officer", "wrong wrong wrong").status
		}()
	}
	wg.Wait()
	checked := 0
	for _, s := range statuses {
		switch s {
		case 401:
			checked++
		case 429:
		default:
			t.Errorf("a parallel attempt answered %d", s)
		}
	}
	if checked > access.MaxAccountFailures {
		t.Errorf("%d attempts reached the password check, the limit is %d", checked, access.MaxAccountFailures)
	}
	if n := count(e.lastSummary(), "session.signin_failed", "esp-officer"); n != int64(checked) {
		t.Errorf("summary counts %d failures, %d were answered", n, checked)
	}
}

// TestStrangersCannotMakeTheSummaryLarge: names of any length typed at
// the sign-in form, and paths of any length asked for without
// credentials, make a summary of refusals of a bounded size: a long name
// is refused as a wrong one, and a path is counted by its route.
func TestStrangersCannotMakeTheSummaryLarge(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	if err := e.srv.Access.FlushRefusals(storetest.Ctx()); err != nil { // what the set-up left
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("%03d", i) + strings.Repeat("a", 256<<10)
		if r := e.signIn(name, "not the password at all"); r.status != 401 && r.status != 429 {
			t.Fatalf("sign-in %d with a 256 KiB name: %d, want the answer to a wrong name", i, r.status)
		} else if i == 0 && !strings.Contains(string(r.body), "the name or password is wrong") {
			t.Errorf("a 256 KiB name: %s", r.body)
		}
	}
	for i := 0; i < 10; i++ {
		if r := e.do("GET", fmt.Sprintf("/api/v1/users/%d%s/factor", i, strings.Repeat("b", 200<<10)), "", "", "Authorization", ""); r.status != 401 {
			t.Fatalf("a long path without credentials: %d", r.status)
		}
	}
	sum := e.lastSummary()
	if n := count(sum, "access.refused", "GET /api/v1/users/{name}/factor"); n != 10 {
		t.Errorf("the long paths are counted %d times under their route, want 10", n)
	}
	if after := e.lastEvent().After; len(after) > 16<<10 {
		t.Errorf("the summary of %d refusals is %d bytes", sum.Total, len(after))
	}
}

func TestNewPasswordEndsSessions(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	token := e.user("nor-officer", "NOR", access.Restricted, access.NationOfficer)
	byToken := func() int { return e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+token).status }
	if got := byToken(); got != 200 {
		t.Fatalf("token: %d", got)
	}
	res := e.signIn("nor-officer", testPassword)
	var cookie string
	for _, c := range res.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, web.SessionCookie+"="); ok {
			cookie, _, _ = strings.Cut(v, ";")
		}
	}
	me := func() int {
		return e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", web.SessionCookie+"="+cookie).status
	}
	if got := me(); got != 200 {
		t.Fatalf("session: %d", got)
	}
	svc := &access.Service{Store: store.Access{DB: e.db}, Read: e.db}
	if err := svc.SetPassword(storetest.Ctx(), "nor-officer", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if got := me(); got != 401 {
		t.Errorf("session after a password change: %d, want 401", got)
	}
	// Whoever had the old password may have made a token: it goes too.
	if got := byToken(); got != 401 {
		t.Errorf("API token after a password change: %d, want 401", got)
	}
}

func TestUsersChangeTheirOwnPassword(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("lva-officer", "LVA", access.Restricted, access.NationOfficer)
	jar := []string{"Authorization", "", "Cookie", sessionOf(t, e.signIn("lva-officer", testPassword))}
	me := e.do("GET", "/api/v1/me", "", "", jar...).json(t)
	change := func(current, next string) apiResponse {
		form := url.Values{"csrf": {me["csrf"].(string)}, "current_password": {current}, "new_password": {next}}
		return e.do("POST", "/account/password", "application/x-www-form-urlencoded", form.Encode(), jar...)
	}
	if r := change("not my password at all", "a new passphrase 2026"); r.status != 422 || !strings.Contains(string(r.body), `data-field="current_password"`) {
		t.Errorf("wrong current password: %d", r.status)
	}
	if r := change(testPassword, "short"); r.status != 422 || !strings.Contains(string(r.body), `data-field="new_password"`) {
		t.Errorf("short new password: %d", r.status)
	}
	if r := change(testPassword, "a new passphrase 2026"); r.status != 303 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/me", "", "", jar...); r.status != 401 {
		t.Errorf("the old session after the change: %d, want 401", r.status)
	}
	if r := e.signIn("lva-officer", "a new passphrase 2026"); r.status != 303 {
		t.Errorf("sign-in with the new password: %d", r.status)
	}
}
