package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// cookieOf returns the value a response set for cookie name, "" if none.
func cookieOf(r apiResponse, name string) string {
	for _, c := range r.header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, name+"="); ok {
			v, _, _ = strings.Cut(v, ";")
			return v
		}
	}
	return ""
}

// codeStep answers the second step of a sign-in whose password step
// answered first, as a browser does: it opens the code's page with the
// challenge cookie, and posts code with the page's token.
func (e *apiEnv) codeStep(first apiResponse, code string) apiResponse {
	e.t.Helper()
	challenge := cookieOf(first, web.ChallengeCookie)
	if first.status != 303 || challenge == "" || !strings.HasPrefix(first.header.Get("Location"), "/signin/code") {
		e.t.Fatalf("the password step did not ask for a code: %d %v", first.status, first.header)
	}
	if cookieOf(first, web.SessionCookie) != "" {
		e.t.Fatal("the password step set a session cookie before the code")
	}
	jar := web.ChallengeCookie + "=" + challenge
	page := e.do("GET", "/signin/code", "", "", "Authorization", "", "Cookie", jar)
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page.body)
	if page.status != 200 || token == nil {
		e.t.Fatalf("code page: %d %s", page.status, page.body)
	}
	jar += "; longhaul_signin=" + cookieOf(page, "longhaul_signin")
	form := url.Values{"code": {code}, "csrf": {string(token[1])}, "next": {"/pledges"}}
	return e.do("POST", "/signin/code", "application/x-www-form-urlencoded", form.Encode(), "Authorization", "", "Cookie", jar)
}

// session returns the cookie header and CSRF token of a signed-in browser.
func (e *apiEnv) session(r apiResponse) (cookie, csrf string) {
	e.t.Helper()
	cookie = sessionOf(e.t, r)
	me := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie)
	if me.status != 200 {
		e.t.Fatalf("me with the session: %d %s", me.status, me.body)
	}
	return cookie, me.json(e.t)["csrf"].(string)
}

func (e *apiEnv) form(cookie, csrf, path string, fields ...string) apiResponse {
	e.t.Helper()
	f := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(fields); i += 2 {
		f.Set(fields[i], fields[i+1])
	}
	return e.do("POST", path, "application/x-www-form-urlencoded", f.Encode(), "Authorization", "", "Cookie", cookie)
}

// enrolThroughPages sets up a second factor for a signed-in browser as a
// person does, and returns its secret and recovery codes.
func (e *apiEnv) enrolThroughPages(cookie, csrf string) (string, []string) {
	e.t.Helper()
	if r := e.form(cookie, csrf, "/account/factor/begin"); r.status != 303 {
		e.t.Fatalf("begin: %d %s", r.status, r.body)
	}
	page := e.do("GET", "/account/factor", "", "", "Authorization", "", "Cookie", cookie)
	secret := regexp.MustCompile(`id="factor-secret">([A-Z2-7]+)<`).FindSubmatch(page.body)
	if page.status != 200 || secret == nil || !strings.Contains(string(page.body), `src="data:image/png;base64,`) {
		e.t.Fatalf("the enrolment page shows no secret or QR code: %d %s", page.status, page.body)
	}
	if r := e.form(cookie, csrf, "/account/factor/confirm", "code", "123456"); r.status != 422 || !strings.Contains(string(r.body), `data-field="code"`) {
		e.t.Errorf("a wrong first code: %d", r.status)
	}
	code, _ := access.TOTPCode(string(secret[1]), e.now)
	r := e.form(cookie, csrf, "/account/factor/confirm", "code", code)
	codes := regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`).FindAllSubmatch(r.body, -1)
	if r.status != 200 || len(codes) != access.RecoveryCodes {
		e.t.Fatalf("confirm: %d, %d recovery codes\n%s", r.status, len(codes), r.body)
	}
	var out []string
	for _, c := range codes {
		out = append(out, string(c[1]))
	}
	return string(secret[1]), out
}

func TestSecondFactorThroughThePages(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			e.db.Now = func() time.Time { return e.now } // one clock for the server and its transactions
			officer := e.user("est-officer", "EST", access.Restricted, access.NationOfficer)
			cookie, csrf := e.session(e.signIn("est-officer", testPassword))
			secret, recovery := e.enrolThroughPages(cookie, csrf)
			if got := e.lastEvent(); got.Action != "factor.enrol" || got.EntityID != "est-officer" {
				t.Errorf("enrolment audited as %s %s", got.Action, got.EntityID)
			}
			e.clock(time.Minute) // the enrolment's code is spent

			// The password alone opens no session and writes nothing.
			events := e.eventCount()
			first := e.signIn("est-officer", testPassword)
			if e.eventCount() != events {
				t.Errorf("the password step wrote %d audit events", e.eventCount()-events)
			}
			if r := e.codeStep(first, "000000"); r.status != 401 || cookieOf(r, web.SessionCookie) != "" || !strings.Contains(string(r.body), "the code is wrong or has already been used") {
				t.Errorf("a wrong code: %d %s", r.status, r.body)
			}
			code, _ := access.TOTPCode(secret, e.now)
			r := e.codeStep(first, code)
			if r.status != 303 || r.header.Get("Location") != "/pledges" {
				t.Fatalf("the right code: %d %v %s", r.status, r.header, r.body)
			}
			e.session(r)
			if got := e.lastEvent(); got.Action != "session.signin" || !strings.Contains(got.After, `"factor":"totp"`) {
				t.Errorf("sign-in audited as %s %s", got.Action, got.After)
			}
			// The same code again, within its window, is refused.
			e.clock(10 * time.Second)
			if r := e.codeStep(e.signIn("est-officer", testPassword), code); r.status != 401 || cookieOf(r, web.SessionCookie) != "" {
				t.Errorf("a replayed code: %d", r.status)
			}
			// A recovery code works once.
			r = e.codeStep(e.signIn("est-officer", testPassword), strings.ToUpper(recovery[0]))
			if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/account/factor?msg=") || !strings.Contains(e.notice(r, "Authorization", "", "Cookie", sessionOf(t, r)), "a recovery code: 9 left") {
				t.Fatalf("a recovery code: %d %v", r.status, r.header)
			}
			if r := e.codeStep(e.signIn("est-officer", testPassword), recovery[0]); r.status != 401 {
				t.Errorf("a recovery code used twice: %d", r.status)
			}

			// An administrator resets the factor through the API, audited;
			// the password alone signs in again.
			admin := e.user("ops-admin", "DEU", access.Unclassified, access.Admin)
			// What the factor is shows to its owner and to an administrator,
			// through the API and on the users' page, never its secret.
			mine := e.do("GET", "/api/v1/account/factor", "", "", "Authorization", "Bearer "+officer)
			if m := mine.json(t); mine.status != 200 || m["totp"] != "active" || m["recovery_codes_left"] != float64(access.RecoveryCodes-1) || strings.Contains(string(mine.body), secret) {
				t.Errorf("own factor: %d %s", mine.status, mine.body)
			}
			if r := e.do("GET", "/api/v1/users/est-officer/factor", "", "", "Authorization", "Bearer "+admin); r.status != 200 || r.json(t)["user"] != "est-officer" || r.json(t)["totp"] != "active" {
				t.Errorf("an administrator reads the factor: %d %s", r.status, r.body)
			}
			if r := e.do("GET", "/api/v1/users/ops-admin/factor", "", "", "Authorization", "Bearer "+officer); r.status != 403 {
				t.Errorf("an officer reads an administrator's factor: %d", r.status)
			}
			users := e.do("GET", "/admin/users", "", "", "Authorization", "Bearer "+admin)
			if !regexp.MustCompile(`data-factor="est-officer">codes \(9 recovery left\)<`).Match(users.body) || !strings.Contains(string(users.body), `data-factor="ops-admin">none<`) {
				t.Errorf("the users' page shows no factors: %d %s", users.status, users.body)
			}
			reset := e.do("POST", "/api/v1/users/est-officer/factor/reset", "", "", "Authorization", "Bearer "+admin)
			if reset.status != 200 {
				t.Fatalf("reset: %d %s", reset.status, reset.body)
			}
			if got := e.lastEvent(); got.Action != "factor.reset" || got.EntityID != "est-officer" || !strings.HasPrefix(got.Actor, "ops-admin") {
				t.Errorf("reset audited as %s %s by %s", got.Action, got.EntityID, got.Actor)
			}
			if r := e.do("POST", "/api/v1/users/est-officer/factor/reset", "", "", "Authorization", "Bearer "+admin); r.status != 409 {
				t.Errorf("a second reset: %d", r.status)
			}
			if r := e.do("GET", "/api/v1/account/factor", "", "", "Authorization", "Bearer "+officer); r.json(t)["totp"] != "none" {
				t.Errorf("own factor after the reset: %s", r.body)
			}
			if r := e.signIn("est-officer", testPassword); r.status != 303 || cookieOf(r, web.SessionCookie) == "" {
				t.Errorf("sign-in after the reset: %d %v", r.status, r.header)
			}
		})
	}
}

func TestRequiredSecondFactorHoldsTheSessionToEnrolment(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			e.db.Now = func() time.Time { return e.now }
			e.srv.Access.Factor.Required = []access.Role{access.Coordinator, access.Admin}
			// API tokens are unaffected.
			if r := e.do("GET", "/api/v1/pledges", "", ""); r.status != 200 {
				t.Errorf("the coordinator's token: %d", r.status)
			}
			// The password sends the coordinator to set one up, and nothing
			// else is open to them until they have.
			r := e.signIn("coordinator", testPassword, "/pledges")
			if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/account/factor?") {
				t.Fatalf("sign-in of a coordinator without a factor: %d %v", r.status, r.header)
			}
			cookie, csrf := e.session(r)
			for _, path := range []string{"/pledges", "/account", "/"} {
				if r := e.do("GET", path, "", "", "Authorization", "", "Cookie", cookie); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/account/factor?") {
					t.Errorf("GET %s before enrolling: %d %v", path, r.status, r.header.Get("Location"))
				}
			}
			if r := e.do("GET", "/api/v1/pledges", "", "", "Authorization", "", "Cookie", cookie); r.status != 403 || !strings.Contains(string(r.body), "requires a second factor") {
				t.Errorf("the API with the session before enrolling: %d %s", r.status, r.body)
			}
			if r := e.form(cookie, csrf, "/account/tokens", "name", "a way round", "expires", "90d"); r.status != 303 {
				t.Errorf("making a token before enrolling: %d, want a redirect to enrol", r.status)
			}
			if r := e.do("GET", "/account/factor", "", "", "Authorization", "", "Cookie", cookie); r.status != 200 || !strings.Contains(string(r.body), `id="factor-required"`) {
				t.Errorf("the factor page: %d", r.status)
			}
			secret, _ := e.enrolThroughPages(cookie, csrf)
			if r := e.do("GET", "/pledges", "", "", "Authorization", "", "Cookie", cookie); r.status != 200 {
				t.Errorf("GET /pledges after enrolling: %d", r.status)
			}
			// The required factor cannot be turned off by its owner.
			e.clock(time.Minute)
			code, _ := access.TOTPCode(secret, e.now)
			if r := e.form(cookie, csrf, "/account/factor/disable", "code", code); r.status != 403 || !strings.Contains(string(r.body), "your role requires a second factor") {
				t.Errorf("turning a required factor off: %d", r.status)
			}
		})
	}
}

func TestPasskeysListedAndRemovedThroughTheAPI(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			pk, err := access.NewPasskeys("http://localhost", store.Passkeys{DB: e.db}, e.db)
			if err != nil {
				t.Fatal(err)
			}
			e.srv.Access.Passkeys = pk
			officer := e.user("est-officer", "EST", access.Restricted, access.NationOfficer)
			cookie, csrf := e.session(e.signIn("est-officer", testPassword)) // signed in before the passkeys are registered
			u, err := e.db.UserByName(storetest.Ctx(), "est-officer")
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			if err := (store.Passkeys{DB: e.db}).Transact(storetest.Ctx(), func(tx access.PasskeyTx) error {
				for i, n := range []string{"laptop", "phone"} {
					id, err := tx.AddPasskey(storetest.Ctx(), "localhost", access.Passkey{UserID: u.ID, Name: n, Credential: webauthn.Credential{ID: []byte{byte(i + 1)}}, CreatedAt: e.now})
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			bearer := "Bearer " + officer
			list := func() []any {
				r := e.do("GET", "/api/v1/account/factor", "", "", "Authorization", bearer)
				m := r.json(t)
				if r.status != 200 || m["passkeys_offered"] != true || m["site"] != "localhost" {
					t.Fatalf("own factor: %d %s", r.status, r.body)
				}
				return m["passkeys"].([]any)
			}
			if ks := list(); len(ks) != 2 || ks[0].(map[string]any)["name"] != "laptop" || ks[1].(map[string]any)["site"] != "localhost" {
				t.Fatalf("passkeys: %v", ks)
			}
			// A change of second factors comes from a browser session, with
			// its CSRF token; an API token reads them but changes none.
			body := func(password string) string { return `{"password":` + strconv.Quote(password) + `}` }
			if r := e.do("POST", fmt.Sprintf("/api/v1/account/passkeys/%d/remove", ids[0]), "application/json", body(testPassword), "Authorization", bearer); r.status != 403 || !strings.Contains(string(r.body), "not with an API token") {
				t.Errorf("removing a passkey with an API token: %d %s", r.status, r.body)
			}
			remove := func(id, password string) apiResponse {
				return e.do("POST", "/api/v1/account/passkeys/"+id+"/remove", "application/json", body(password), "Authorization", "", "Cookie", cookie, "X-CSRF-Token", csrf)
			}
			events := e.eventCount()
			if r := remove(fmt.Sprint(ids[0]), "not the password"); r.status != 422 || !strings.Contains(string(r.body), `"password"`) {
				t.Errorf("a wrong password: %d %s", r.status, r.body)
			}
			if r := remove("abc", testPassword); r.status != 404 {
				t.Errorf("a passkey id that is no number: %d", r.status)
			}
			if e.eventCount() != events || len(list()) != 2 {
				t.Fatal("a refused removal changed something")
			}
			if r := remove(fmt.Sprint(ids[0]), testPassword); r.status != 200 || r.json(t)["removed"] != float64(ids[0]) {
				t.Fatalf("remove: %d %s", r.status, r.body)
			}
			if got := e.lastEvent(); got.Action != "factor.passkey_remove" || got.EntityID != "est-officer" {
				t.Errorf("removal audited as %s %s", got.Action, got.EntityID)
			}
			if r := remove(fmt.Sprint(ids[0]), testPassword); r.status != 404 {
				t.Errorf("removed twice: %d", r.status)
			}
			if ks := list(); len(ks) != 1 || ks[0].(map[string]any)["name"] != "phone" {
				t.Errorf("left: %v", ks)
			}
		})
	}
}

// TestFactorPageCodesAreThrottledAndNeedTheSession: the codes the
// account's factor page asks for count against the sign-in's factor
// throttle (429 past it, there and at the sign-in's second step), and an
// API token changes no second factor.
func TestFactorPageCodesAreThrottledAndNeedTheSession(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.db.Now = func() time.Time { return e.now }
	token := e.user("est-officer", "EST", access.Restricted, access.NationOfficer)
	cookie, csrf := e.session(e.signIn("est-officer", testPassword))
	secret, _ := e.enrolThroughPages(cookie, csrf)
	e.clock(time.Minute)
	code, _ := access.TOTPCode(secret, e.now)
	for _, path := range []string{"/account/factor/recovery", "/account/factor/disable", "/account/factor/begin"} {
		if r := e.do("POST", path, "application/x-www-form-urlencoded", "code="+code, "Authorization", "Bearer "+token); r.status != 403 || !strings.Contains(string(r.body), "not with an API token") {
			t.Errorf("POST %s with an API token: %d", path, r.status)
		}
	}
	if err := e.srv.Access.FlushRefusals(storetest.Ctx()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < access.MaxFactorFailures; i++ {
		if r := e.form(cookie, csrf, "/account/factor/recovery", "code", fmt.Sprintf("%06d", 100000+i)); r.status != 422 {
			t.Fatalf("wrong code %d: %d", i, r.status)
		}
	}
	for _, path := range []string{"/account/factor/recovery", "/account/factor/disable"} {
		r := e.form(cookie, csrf, path, "code", code)
		if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "too many wrong codes") {
			t.Errorf("the right code at %s after %d wrong ones: %d, Retry-After %q", path, access.MaxFactorFailures, r.status, r.header.Get("Retry-After"))
		}
	}
	if r := e.codeStep(e.signIn("est-officer", testPassword), code); r.status != 429 {
		t.Errorf("the right code at the sign-in after the page's wrong ones: %d, want 429", r.status)
	}
	if n := count(e.lastSummary(), "session.factor_failed", "est-officer"); n != int64(access.MaxFactorFailures) {
		t.Errorf("the summary counts %d wrong codes, want %d", n, access.MaxFactorFailures)
	}
	e.clock(access.SignInWindow)
	code, _ = access.TOTPCode(secret, e.now)
	r := e.form(cookie, csrf, "/account/factor/recovery", "code", code)
	if n := len(regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`).FindAll(r.body, -1)); r.status != 200 || n != access.RecoveryCodes {
		t.Errorf("the right code once the window has passed: %d, %d new recovery codes", r.status, n)
	}
}

// TestPasskeysNotTakenHereRefuseThePassword: a user whose second factor
// is passkeys alone is not let in with the password once the server
// offers no passkeys, or offers them for another name; they are told
// why, and an administrator's reset lets them in again.
func TestPasskeysNotTakenHereRefuseThePassword(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	pk, err := access.NewPasskeys("https://longhaul.example", store.Passkeys{DB: e.db}, e.db)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := access.NewPasskeys("https://longhaul.new.example", store.Passkeys{DB: e.db}, e.db)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Access.Passkeys = pk
	e.user("est-officer", "EST", access.Restricted, access.NationOfficer)
	u, _ := e.db.UserByName(storetest.Ctx(), "est-officer")
	if err := (store.Passkeys{DB: e.db}).Transact(storetest.Ctx(), func(tx access.PasskeyTx) error {
		if err := tx.PutPasskeyHandle(storetest.Ctx(), "longhaul.example", u.ID, []byte("handle-of-est-officer-0123456789"), e.now); err != nil {
			return err
		}
		_, err := tx.AddPasskey(storetest.Ctx(), "longhaul.example", access.Passkey{UserID: u.ID, Name: "key", Credential: webauthn.Credential{ID: []byte{1, 2, 3}}, CreatedAt: e.now})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if r := e.signIn("est-officer", testPassword); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/signin/code") {
		t.Fatalf("the password step with passkeys on: %d %s", r.status, r.header.Get("Location"))
	}
	for _, c := range []struct {
		name string
		pk   *access.Passkeys
		says string
	}{
		{"passkeys off", nil, "this server does not offer passkeys"},
		{"another name", moved, "for another site (longhaul.example), not this one (longhaul.new.example)"},
	} {
		e.srv.Access.Passkeys = c.pk
		r := e.signIn("est-officer", testPassword)
		if r.status != 401 || cookieOf(r, web.SessionCookie) != "" || cookieOf(r, web.ChallengeCookie) != "" || !strings.Contains(string(r.body), c.says) || !strings.Contains(string(r.body), "ask an administrator to reset your second factor") {
			t.Errorf("the password step, %s: %d %s, session %q", c.name, r.status, r.header.Get("Location"), cookieOf(r, web.SessionCookie))
		}
	}
	admin := e.user("ops-admin", "DEU", access.Unclassified, access.Admin)
	if r := e.do("POST", "/api/v1/users/est-officer/factor/reset", "", "", "Authorization", "Bearer "+admin); r.status != 200 {
		t.Fatalf("the reset, passkeys of another site: %d %s", r.status, r.body)
	}
	if r := e.signIn("est-officer", testPassword); r.status != 303 || cookieOf(r, web.SessionCookie) == "" {
		t.Errorf("the password after the reset: %d %s", r.status, r.header.Get("Location"))
	}
}

// TestRequiredCodesTurnOffWhileAPasskeyRemains: a user whose role requires
// a second factor turns their codes off through the page once a passkey of
// this site remains, and not before.
func TestRequiredCodesTurnOffWhileAPasskeyRemains(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.db.Now = func() time.Time { return e.now }
	pk, err := access.NewPasskeys("http://localhost", store.Passkeys{DB: e.db}, e.db)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Access.Passkeys = pk
	e.srv.Access.Factor.Required = []access.Role{access.Coordinator}
	e.user("nsatu-co", "DEU", access.Restricted, access.Coordinator)
	cookie, csrf := e.session(e.signIn("nsatu-co", testPassword))
	secret, _ := e.enrolThroughPages(cookie, csrf)
	e.clock(time.Minute)
	code, _ := access.TOTPCode(secret, e.now)
	if r := e.form(cookie, csrf, "/account/factor/disable", "code", code); r.status != 403 || !strings.Contains(string(r.body), "until you have registered a passkey") {
		t.Errorf("turning the only factor off: %d", r.status)
	}
	u, _ := e.db.UserByName(storetest.Ctx(), "nsatu-co")
	if err := (store.Passkeys{DB: e.db}).Transact(storetest.Ctx(), func(tx access.PasskeyTx) error {
		if err := tx.PutPasskeyHandle(storetest.Ctx(), "localhost", u.ID, []byte("handle-of-nsatu-co-0123456789ab"), e.now); err != nil {
			return err
		}
		_, err := tx.AddPasskey(storetest.Ctx(), "localhost", access.Passkey{UserID: u.ID, Name: "security key", Credential: webauthn.Credential{ID: []byte{4, 2}}, CreatedAt: e.now})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.clock(time.Minute)
	code, _ = access.TOTPCode(secret, e.now)
	r := e.form(cookie, csrf, "/account/factor/disable", "code", code)
	if got := e.notice(r, "Authorization", "", "Cookie", cookie); r.status != 303 || !strings.HasPrefix(got, "Second factor turned off") {
		t.Fatalf("turning the codes off beside a passkey: %d %q", r.status, got)
	}
	f := e.do("GET", "/api/v1/account/factor", "", "", "Authorization", "", "Cookie", cookie).json(t)
	if f["totp"] != "none" || f["passkeys_usable"] != float64(1) {
		t.Errorf("the factors left: %v", f)
	}
}
