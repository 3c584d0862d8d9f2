package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/longhaul/longhaul/internal/access"
)

// TestE2ESecondFactor sets up a second factor in a real browser, reading
// the secret off the page as a person would type it into their app, and
// signs in again with a code made from it.
func TestE2ESecondFactor(t *testing.T) {
	a := e2eStart(t)
	// Codes are taken by the time of the transaction: the store's clock
	// runs, as a server's does.
	a.DB.Now = time.Now
	a.signIn("deu-officer")
	a.navigate("/account", 200)
	a.click(`#account-factor a`, 200)
	a.wantText("#factor-state", "You have no second factor.")
	a.click("#begin", 200)
	secret := a.text("#factor-secret")
	if len(secret) != 32 {
		a.fatalf("secret %q", secret)
	}
	// The QR code is drawn by the server and shown under the page's
	// Content-Security-Policy.
	if w := e2eRun(a, "QR code width", chromedp.Evaluate[int](`document.querySelector("#factor-qr").naturalWidth`)); w != 240 {
		a.fatalf("the QR code image is %d pixels wide, want 240 (not loaded?)", w)
	}
	code, err := access.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.fill("#confirm-code", code)
	a.click("#confirm", 200)
	if n := a.count("#recovery-codes li code"); n != access.RecoveryCodes {
		a.fatalf("%d recovery codes shown, want %d", n, access.RecoveryCodes)
	}
	a.navigate("/account/factor", 200)
	if got := a.text("#factor-state"); !strings.Contains(got, "is on since") {
		a.fatalf("factor state %q", got)
	}
	a.signOut()

	a.navigate("/signin", 200)
	a.fill(`#signin-form input[name="name"]`, "deu-officer")
	a.fill(`#signin-form input[name="password"]`, e2ePassword)
	a.click("#signin", 200)
	if got := a.location().Path; got != "/signin/code" {
		a.fatalf("after the password the browser is at %s, want /signin/code", got)
	}
	if n := a.count("#me"); n != 0 {
		a.fatalf("signed in before the code")
	}
	// The enrolment took this period's code: the next one, which an app
	// whose clock runs a little ahead shows, is taken.
	next, _ := access.TOTPCode(secret, time.Now().Add(access.TOTPPeriod))
	a.fill("#code", next)
	a.click("#verify", 200)
	if got := a.location().Path; got != "/" {
		a.fatalf("after the code the browser is at %s, want /", got)
	}
	a.wantText("#me", "deu-officer")
	a.checkConsole()
}
