package web_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// e2eStartPasskeys starts the server with passkeys at http://localhost:
// PORT (a secure context to the browser, as https:// is) and the browser
// at that address, with Chromium's virtual authenticator standing in for a
// device's: a platform authenticator (CTAP2, internal transport) that
// keeps resident keys and verifies its user.
func e2eStartPasskeys(t *testing.T) (*e2eApp, cdpwebauthn.AuthenticatorID) {
	t.Helper()
	chrome := e2eChrome(t)
	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Now())
	e2eSeed(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	srv.Limits = nil
	if srv.Access.Passkeys, err = access.NewPasskeys(origin, store.Passkeys{DB: db}, db); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	a := e2eBrowse(t, chrome, db, origin)
	a.DB.Now = time.Now
	off := false
	if _, err := chromedp.Call(a.ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{EnableUI: &off}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(a.ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &cdpwebauthn.VirtualAuthenticatorOptions{
		Protocol:                    cdpwebauthn.AuthenticatorProtocolCtap2,
		Ctap2version:                cdpwebauthn.Ctap2versionCtap21,
		Transport:                   cdpwebauthn.AuthenticatorTransportInternal,
		HasResidentKey:              true,
		HasUserVerification:         true,
		IsUserVerified:              true,
		AutomaticPresenceSimulation: true,
	}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return a, res.AuthenticatorID
}

// registerPasskey registers a passkey named name for the signed-in user
// from the second factor's page.
func (a *e2eApp) registerPasskey(name string) {
	a.t.Helper()
	a.navigate("/account/factor", 200)
	a.fill("#passkey-name", name)
	a.click("#passkey-add", 200)
	if got := a.location().Path; got != "/account/factor" {
		a.fatalf("after registering the browser is at %s", got)
	}
	if n := a.count("#passkey-refused"); n != 0 {
		a.fatalf("the passkey was refused: %s", a.text("#passkey-refused"))
	}
}

// passwordStep signs in with the password and checks that the second
// step comes next.
func (a *e2eApp) passwordStep(name string) {
	a.t.Helper()
	a.navigate("/signin", 200)
	a.fill(`#signin-form input[name="name"]`, name)
	a.fill(`#signin-form input[name="password"]`, e2ePassword)
	a.click("#signin", 200)
	if got := a.location().Path; got != "/signin/code" {
		a.fatalf("after the password the browser is at %s, want /signin/code", got)
	}
	if n := a.count("#me"); n != 0 {
		a.fatalf("signed in before the second factor")
	}
}

// TestE2EPasskeySignIn registers a passkey in a real browser with a
// virtual authenticator, signs out, and signs in again with the password
// then the passkey; the page lists the passkey with when it was last used,
// and the audit trail says how the user signed in.
func TestE2EPasskeySignIn(t *testing.T) {
	a, auth := e2eStartPasskeys(t)
	a.signIn("deu-officer")
	a.navigate("/account/factor", 200)
	a.wantText("#passkey-none", "You have no passkeys.")
	a.registerPasskey("work laptop")
	a.wantText(`#passkey-list tr[data-passkey] .passkey-name`, "work laptop")
	a.wantText(`#passkey-list tr[data-passkey] .passkey-used`, "never")
	creds, err := chromedp.Call(a.ctx, cdpwebauthn.GetCredentials, cdpwebauthn.GetCredentialsParams{AuthenticatorID: auth})
	if err != nil {
		t.Fatal(err)
	}
	if len(creds.Credentials) != 1 {
		a.fatalf("the authenticator holds %d credentials, want 1", len(creds.Credentials))
	}
	c := creds.Credentials[0]
	if c.RpID != "localhost" || len(c.UserHandle) != 32 || strings.Contains(string(c.UserHandle), "deu-officer") {
		a.fatalf("credential for %q with user handle %q: want localhost and a random 32-byte handle", c.RpID, c.UserHandle)
	}
	a.signOut()

	a.passwordStep("deu-officer")
	if n := a.count("#code-form"); n != 0 {
		a.fatalf("a code is asked of a user who has only a passkey")
	}
	a.click("#passkey-signin", 200)
	if got := a.location().Path; got != "/" {
		a.fatalf("after the passkey the browser is at %s, want /", got)
	}
	a.wantText("#me", "deu-officer")
	a.navigate("/account/factor", 200)
	if got := a.text(`#passkey-list tr[data-passkey] .passkey-used`); got == "never" {
		a.fatalf("the passkey's last use is %q after signing in with it", got)
	}
	evs, err := a.DB.Events(storetest.Ctx(), "user", "deu-officer", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Action != "session.signin" || !strings.Contains(evs[0].After, `"factor":"passkey"`) {
		t.Fatalf("last event of deu-officer %+v, want a sign-in with a passkey", evs)
	}
	a.checkConsole()
}

// TestE2EPasskeyOfAnotherAccountIsRefused registers a passkey for one
// account, then offers it to the second step of another's sign-in: the
// server refuses it, and no session opens.
func TestE2EPasskeyOfAnotherAccountIsRefused(t *testing.T) {
	a, _ := e2eStartPasskeys(t)
	a.signIn("fra-officer")
	a.registerPasskey("fra key")
	a.signOut()
	a.signIn("deu-officer")
	a.registerPasskey("deu key")
	a.signOut()

	// The second step of deu-officer's sign-in, answered by fra-officer's
	// passkey: the browser is made to sign its ceremony with it.
	a.passwordStep("deu-officer")
	fra, err := a.DB.UserByName(storetest.Ctx(), "fra-officer")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := a.DB.PasskeysByUser(storetest.Ctx(), "localhost", fra.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("fra-officer's passkeys: %v %v", keys, err)
	}
	fraID := base64.RawURLEncoding.EncodeToString(keys[0].Credential.ID)
	a.do("offer fra-officer's passkey", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function () {
  var f = document.querySelector("#passkey-form");
  var o = JSON.parse(f.getAttribute("data-passkey-get"));
  o.publicKey.allowCredentials = [{type: "public-key", id: %q}];
  f.setAttribute("data-passkey-get", JSON.stringify(o));
})()`, fraID)))
	a.click("#passkey-signin", http.StatusUnauthorized)
	a.wantText("#code-error", access.PasskeyFailed.Message)
	if n := a.count("#me"); n != 0 {
		a.fatalf("signed in with another account's passkey")
	}
	// Their own passkey, offered next, signs them in.
	a.click("#passkey-signin", 200)
	if got := a.location().Path; got != "/" {
		a.fatalf("after deu-officer's own passkey the browser is at %s, want /", got)
	}
	a.wantText("#me", "deu-officer")
	a.checkConsole("401")
}
