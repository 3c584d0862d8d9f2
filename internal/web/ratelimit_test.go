package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

// fakeClock is a clock for the limiters that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// limitsAt returns limits at small rates on clock c.
func limitsAt(c *fakeClock, address, token, account access.Rate) *access.Limits {
	l := &access.Limits{Address: access.NewLimiter(address), Token: access.NewLimiter(token), Account: access.NewLimiter(account)}
	l.Address.Now, l.Token.Now, l.Account.Now = c.now, c.now, c.now
	return l
}

// TestStrangersCostNoWrite floods the server as someone without
// credentials would: anonymous pages, forged tokens, forged cookies. None
// of it writes until the summary, which is one event, and past the
// address's burst the answers are 429 with Retry-After, before any lookup.
func TestStrangersCostNoWrite(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	clock := &fakeClock{t: time.Now()}
	e.srv.Limits = limitsAt(clock, access.Rate{Every: 100 * time.Millisecond, Burst: 60}, access.DefaultRates.Token, access.DefaultRates.Account)
	events := e.eventCount()
	statuses := map[int]int{}
	const sent = 400
	for i := 0; i < sent; i++ {
		var r apiResponse
		switch i % 4 {
		case 0:
			r = e.do("GET", "/api/v1/pledges", "", "", "Authorization", "Bearer lh_"+strings.Repeat("A", 43))
		case 1:
			r = e.do("GET", "/api/v1/pledges", "", "", "Authorization", "")
		case 2:
			r = e.do("GET", "/", "", "", "Authorization", "", "Cookie", web.SessionCookie+"=forged")
		case 3:
			r = e.do("POST", "/api/v1/pledges", "application/json", goodPledge, "Authorization", "Bearer forged")
		}
		statuses[r.status]++
		if r.status == 429 && r.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if statuses[429] != sent-60 {
		t.Errorf("answers %v: want %d refused for the rate after a burst of 60", statuses, sent-60)
	}
	if got := e.eventCount(); got != events {
		t.Errorf("%d requests without credentials wrote %d audit events, want none", sent, got-events)
	}
	sum := e.lastSummary()
	if got := e.eventCount(); got != events+1 {
		t.Errorf("the summary is %d events, want 1", got-events)
	}
	if sum.Total != sent {
		t.Errorf("the summary counts %d refusals, want %d", sum.Total, sent)
	}
	if n := count(sum, "access.rate_limited", "GET /api/v1/pledges"); n == 0 {
		t.Errorf("the summary has no requests refused for their rate: %+v", sum.Lines)
	}
	// After a second the address has ten requests again.
	clock.t = clock.t.Add(time.Second)
	for i := 0; i < 10; i++ {
		if r := e.do("GET", "/api/v1/pledges", "", "", "Authorization", ""); r.status != 401 {
			t.Fatalf("request %d a second later: %d, want 401", i, r.status)
		}
	}
	if r := e.do("GET", "/api/v1/pledges", "", "", "Authorization", ""); r.status != 429 {
		t.Errorf("the eleventh: %d, want 429", r.status)
	}
	// A signed-in colleague at the same address is not held to its limit.
	if r := e.do("GET", "/api/v1/pledges", "", ""); r.status != 200 {
		t.Errorf("a signed-in request from the address: %d, want 200", r.status)
	}
}

func TestRateLimitsPerTokenAndAccount(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	clock := &fakeClock{t: time.Now()}
	e.srv.Limits = limitsAt(clock, access.Rate{Every: time.Second, Burst: 3}, access.Rate{Every: time.Second, Burst: 5}, access.Rate{Every: time.Second, Burst: 8})
	first := e.user("fin-officer", "FIN", access.Restricted, access.NationOfficer)
	second := e.token2("fin-officer")
	as := func(tok string) apiResponse {
		return e.do("GET", "/api/v1/me", "", "", "Authorization", "Bearer "+tok)
	}
	for i := 0; i < 5; i++ {
		if r := as(first); r.status != 200 {
			t.Fatalf("request %d of the first token: %d", i, r.status)
		}
	}
	r := as(first)
	if r.status != 429 || r.header.Get("Retry-After") != "1" || !strings.Contains(string(r.body), "too many requests") {
		t.Fatalf("the sixth of one token: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	// The second token has its own bucket, until the account's is empty.
	for i := 0; i < 3; i++ {
		if r := as(second); r.status != 200 {
			t.Fatalf("request %d of the second token: %d", i, r.status)
		}
	}
	if r := as(second); r.status != 429 {
		t.Errorf("past the account's burst: %d, want 429", r.status)
	}
	// Other accounts are untouched.
	if r := e.do("GET", "/api/v1/me", "", ""); r.status != 200 {
		t.Errorf("another account: %d", r.status)
	}
	clock.t = clock.t.Add(time.Second)
	if r := as(first); r.status != 200 {
		t.Errorf("a second later: %d, want 200", r.status)
	}
}

// token2 makes another API token for the user.
func (e *apiEnv) token2(name string) string {
	e.t.Helper()
	_, secret, err := e.srv.Access.CreateToken(storetest.Ctx(), name, fmt.Sprintf("second %s", name), 24*time.Hour*365)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// TestSignInCountsSharedByServers runs two servers over one PostgreSQL
// database: failures on one hold back sign-ins on the other.
func TestSignInCountsSharedByServers(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a := newAPIEnv(t, dsn)
	b := newAPIEnvOver(t, storetest.Open(t, dsn, a.now))
	a.user("est-officer", "EST", access.Restricted, access.NationOfficer)
	for i := 0; i < access.MaxAccountFailures; i++ {
		env := a
		if i%2 == 1 {
			env = b
		}
		if r := env.signIn("est-officer", "not the password at all"); r.status != 401 {
			t.Fatalf("failure %d: %d", i, r.status)
		}
	}
	for _, env := range []*apiEnv{a, b} {
		if r := env.signIn("est-officer", testPassword); r.status != 429 {
			t.Errorf("after %d failures shared by two servers: %d, want 429", access.MaxAccountFailures, r.status)
		}
	}
}
