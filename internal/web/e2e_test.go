package web_test

// End-to-end tests that drive the server-rendered UI with a real headless
// Chromium through github.com/chromedp/chromedp. They run when a browser is
// found (LONGHAUL_CHROME, or chromium, chromium-browser or google-chrome on
// PATH) and skip otherwise, except on CI, where a missing browser fails.
//
//	go test ./internal/web/ -run E2E -count=1 -v

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/testbin"
)

const (
	// e2eTestTimeout bounds a whole test, browser start included.
	e2eTestTimeout = 90 * time.Second
	// e2eStepTimeout bounds one browser action, so that a missing element
	// fails fast and with a message instead of at the end of the test.
	e2eStepTimeout = 15 * time.Second
)

// e2eChrome returns the browser to drive: LONGHAUL_CHROME if set, else the
// first of chromium, chromium-browser and google-chrome on PATH. Without one
// it skips the test, or fails it when CI is "true".
func e2eChrome(t *testing.T) string {
	t.Helper()
	return testbin.Find(t, "LONGHAUL_CHROME", "no Chromium or Chrome found for the browser end-to-end tests: install one (Debian: apt-get install chromium) or set LONGHAUL_CHROME to the browser's path",
		"chromium", "chromium-browser", "google-chrome")
}

// e2eBuffer is a bytes.Buffer safe for the browser's output goroutine.
type e2eBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *e2eBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *e2eBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// e2eApp is a running Longhaul server and a browser tab pointed at it.
type e2eApp struct {
	t    *testing.T
	DB   *store.DB
	URL  string
	ctx  context.Context // the chromedp context of the tab
	out  *e2eBuffer      // stdout and stderr of the browser
	mu   sync.Mutex
	logs []chromedp.ConsoleMessage
}

// e2eStart starts the server over a fresh seeded SQLite database, and a
// headless browser with a profile of its own; both stop when the test ends.
func e2eStart(t *testing.T) *e2eApp {
	t.Helper()
	return e2eStartWith(t, func(db *store.DB) { e2eSeed(t, db) })
}

// e2eSeed fills db with the seed data and the end-to-end tests' users, a
// coordinator and the officers of Germany and France.
func e2eSeed(t *testing.T, db *store.DB) {
	t.Helper()
	storetest.Seed(t, db)
	users := &access.Service{Store: store.Access{DB: db}, Read: db}
	for _, u := range []access.NewUser{
		{Name: "coordinator", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret},
		{Name: "deu-officer", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted},
		{Name: "fra-officer", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted},
	} {
		u.Password = e2ePassword
		if _, err := users.CreateUser(storetest.Ctx(), u); err != nil {
			t.Fatal(err)
		}
	}
}

// e2eStartWith is e2eStart over a fresh SQLite database that load fills
// (with users whose password is e2ePassword).
func e2eStartWith(t *testing.T, load func(db *store.DB)) *e2eApp {
	t.Helper()
	chrome := e2eChrome(t)

	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Now())
	load(db)
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return e2eBrowse(t, chrome, db, ts.URL)
}

// e2eBrowse starts a headless browser with a profile of its own, for the
// server at url over db; it stops when the test ends.
func e2eBrowse(t *testing.T, chrome string, db *store.DB, url string) *e2eApp {
	t.Helper()
	// The profile is removed by t.TempDir's cleanup, which runs after the
	// browser's below (cleanups run last in, first out).
	profile := filepath.Join(t.TempDir(), "profile")
	a := &e2eApp{t: t, DB: db, URL: url, out: &e2eBuffer{}}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(a.out),
	)
	// The whole test, browser included, ends at the deadline.
	deadline, cancelDeadline := context.WithTimeout(context.Background(), e2eTestTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	a.ctx = tab
	t.Cleanup(func() {
		// Close the browser gracefully so that no helper process writes in
		// the profile while t.TempDir removes it.
		ctx, cancel := context.WithTimeout(tab, 10*time.Second)
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("closing the browser: %v", err)
		}
		cancel()
		cancelTab()
		cancelAlloc()
		cancelDeadline()
		e2eRemoveAll(t, profile)
	})

	start := time.Now()
	if err := chromedp.Do(tab); err != nil { // starts the browser
		t.Fatalf("start %s: %v\nbrowser output:\n%s", chrome, err, a.out)
	}
	t.Logf("browser %s started in %v", chrome, time.Since(start).Round(time.Millisecond))

	// Collect what pages write to the console: exceptions, console calls
	// and browser log entries (such as Content-Security-Policy violations).
	msgs := chromedp.Console(tab)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			a.mu.Lock()
			a.logs = append(a.logs, m)
			a.mu.Unlock()
		}
	}()
	return a
}

// e2eRemoveAll removes dir, retrying while the browser's last helper
// processes finish writing in it.
func e2eRemoveAll(t *testing.T, dir string) {
	var err error
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
	}
	t.Logf("removing the browser profile: %v", err)
}

// fatalf fails the test with what the browser shows, to make the failure
// readable without a screenshot.
func (a *e2eApp) fatalf(format string, args ...any) {
	a.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("main") ? document.querySelector("main").innerText : document.documentElement.outerHTML`))
	if len(text) > 3000 {
		text = text[:3000] + "…"
	}
	a.t.Fatalf("%s\npage %s shows:\n%s", msg, loc, text)
}

// run runs one action that returns a value, bounded by e2eStepTimeout.
func e2eRun[T any](a *e2eApp, what string, act chromedp.Action[T]) T {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, e2eStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, act)
	if err != nil {
		a.fatalf("%s: %v", what, err)
	}
	return v
}

// do runs actions that return no value.
func (a *e2eApp) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	e2eRun(a, what, chromedp.Steps(steps...))
}

// navigate opens path and checks the status of the page.
func (a *e2eApp) navigate(path string, status int64) {
	a.t.Helper()
	resp := e2eRun(a, "open "+path, chromedp.NavigateResponse(a.URL+path))
	if resp.Status != status {
		a.fatalf("GET %s: status %d, want %d", path, resp.Status, status)
	}
}

// click clicks the element sel, which must load a page (a link or a submit
// button), waits for that page and checks its status. It returns the
// response of the page, after redirects.
func (a *e2eApp) click(sel string, status int64) *network.Response {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(a.ctx, e2eStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		a.fatalf("click %s: %v", sel, err)
	}
	if resp.Status != status {
		a.fatalf("click %s: page %s has status %d, want %d", sel, resp.URL, resp.Status, status)
	}
	return resp
}

// text returns the trimmed text of the first element matching sel, waiting
// for it to appear.
func (a *e2eApp) text(sel string) string {
	a.t.Helper()
	return strings.TrimSpace(e2eRun(a, "read "+sel, chromedp.TextContent(chromedp.CSS(sel))))
}

// wantText checks the text of sel.
func (a *e2eApp) wantText(sel, want string) {
	a.t.Helper()
	if got := a.text(sel); got != want {
		a.fatalf("%s reads %q, want %q", sel, got, want)
	}
}

// count returns how many elements match sel now, without waiting.
func (a *e2eApp) count(sel string) int {
	a.t.Helper()
	q, _ := json.Marshal(sel)
	return e2eRun(a, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%s).length", q)))
}

// fill sets the form control sel to value and checks that it took (a select
// without such an option would silently stay empty). Text inputs are typed
// into as a user would; selects and date inputs get their value set.
func (a *e2eApp) fill(sel, value string) {
	a.t.Helper()
	typed := e2eRun(a, "inspect "+sel, chromedp.JavascriptAttribute[string](chromedp.CSS(sel), "type"))
	switch typed {
	case "text", "":
		a.do("type into "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
	default: // select-one, date
		a.do("set "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
	}
	if got := e2eRun(a, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != value {
		a.fatalf("%s holds %q after filling in %q", sel, got, value)
	}
}

// location returns the URL the tab shows.
func (a *e2eApp) location() *url.URL {
	a.t.Helper()
	loc := e2eRun(a, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		a.fatalf("location %q: %v", loc, err)
	}
	return u
}

// screenshot saves a full-page PNG in the test's temporary directory.
func (a *e2eApp) screenshot(name string) {
	a.t.Helper()
	png := e2eRun(a, "screenshot", chromedp.FullScreenshot(100))
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		a.fatalf("screenshot is not a PNG (%d bytes)", len(png))
	}
	path := filepath.Join(a.t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// pledgeCount returns how many pledges the database holds.
func (a *e2eApp) pledgeCount() int64 {
	a.t.Helper()
	p, err := a.DB.Pledges(storetest.Ctx(), assist.PledgeFilter{}, list.Options{Limit: 100}, time.Now().UTC().Format("2006-01-02"))
	if err != nil {
		a.t.Fatalf("list pledges: %v", err)
	}
	return p.Total
}

// checkConsole fails the test for a script exception, a console.error or a
// browser log error such as a blocked resource. The favicon, which Longhaul
// does not serve, is ignored, and so are the errors whose text contains one of
// allow (Chromium logs every 4xx response, also the expected ones).
func (a *e2eApp) checkConsole(allow ...string) {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var bad []string
	for _, m := range a.logs {
		if strings.Contains(m.URL, "/favicon.ico") || strings.Contains(m.Text, "favicon.ico") ||
			slices.ContainsFunc(allow, func(s string) bool { return strings.Contains(m.Text, s) }) {
			a.t.Logf("console %s (expected): %s", m.Type, m.Text)
			continue
		}
		if m.IsException() || m.Type == "error" {
			bad = append(bad, m.String())
		} else {
			a.t.Logf("console %s: %s", m.Type, m.Text)
		}
	}
	if len(bad) > 0 {
		a.t.Fatalf("the pages wrote errors to the console:\n%s", strings.Join(bad, "\n"))
	}
}

// e2ePassword is the password of the test's users.
const e2ePassword = "correct horse battery staple 7"

// signIn signs in through the sign-in page and lands on the dashboard.
func (a *e2eApp) signIn(name string) {
	a.t.Helper()
	a.navigate("/signin", 200)
	a.fill(`#signin-form input[name="name"]`, name)
	a.fill(`#signin-form input[name="password"]`, e2ePassword)
	a.click("#signin", 200)
	if got := a.location().Path; got != "/" {
		a.fatalf("after signing in as %s the browser is at %s, want /", name, got)
	}
	a.wantText("#me", name)
}

// signOut signs out with the header's button.
func (a *e2eApp) signOut() {
	a.t.Helper()
	a.click(`form[action="/signout"] button`, 200)
	if got := a.location().Path; got != "/signin" {
		a.fatalf("after signing out the browser is at %s, want /signin", got)
	}
}

// e2ePromised is a delivery date three months from today, after the
// announcement date that the form proposes (today).
func e2ePromised() string { return time.Now().UTC().AddDate(0, 3, 0).Format("2006-01-02") }

// TestE2EPledgeLifecycle records a pledge through the form, commits part of
// its line through the line's action form, and follows the figures on the
// dashboard, all with a real browser.
func TestE2EPledgeLifecycle(t *testing.T) {
	start := time.Now()
	a := e2eStart(t)

	// Signed out, the dashboard sends the browser to the sign-in page.
	a.navigate("/", 200)
	if got := a.location().Path; got != "/signin" {
		a.fatalf("signed out, / shows %s, want /signin", got)
	}
	a.signIn("coordinator") // may also allocate: the page shows the requirement picker

	// An empty dashboard.
	a.navigate("/", 200)
	a.wantText("#total-committed", "€ 0.00")
	a.wantText("#total-pledged", "€ 0.00")
	if n := a.count("#by-nation"); n != 0 {
		a.fatalf("the dashboard shows the by-nation table before any pledge")
	}
	if got := a.text("main section:nth-of-type(2) p.muted"); !strings.HasPrefix(got, "No pledges yet.") {
		a.fatalf("dashboard without pledges says %q, want \"No pledges yet. …\"", got)
	}
	if n := a.pledgeCount(); n != 0 {
		t.Fatalf("%d pledges before the test, want 0", n)
	}

	// Through the navigation to the empty list, and on to the form.
	a.click(`header nav a[href="/pledges"]`, 200)
	if got := a.location().Path; got != "/pledges" {
		a.fatalf("the Pledges link leads to %s", got)
	}
	a.wantText("#pledges tbody td.muted", "No pledge matches.")
	a.wantText(".pager .total", "0 in all")
	a.click(`a.button[href="/pledges/new"]`, 200)
	if got := a.location().Path; got != "/pledges/new" {
		a.fatalf("Record a pledge leads to %s", got)
	}
	a.wantText("h1", "Record a pledge")

	// Fill in and submit the form.
	a.fill(`#pledge-form select[name="nation"]`, "DEU")
	a.fill(`#pledge-form input[name="title"]`, "155 mm ammunition, e2e package")
	a.fill(`#pledge-form input[name="promised"]`, e2ePromised())
	a.fill(`#pledge-form select[name="line_nsn"]`, storetest.NSN155)
	a.fill(`#pledge-form input[name="line_quantity"]`, "100")
	a.click("#save-pledge", 200)

	u := a.location()
	m := regexp.MustCompile(`^/pledges/([0-9]+)$`).FindStringSubmatch(u.Path)
	if m == nil {
		a.fatalf("after saving the pledge the browser is at %s, want /pledges/{id}", u)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	a.wantText("p.flash", fmt.Sprintf("Pledge P-%05d recorded", id))
	a.wantText("h1", fmt.Sprintf("P-%05d 155 mm ammunition, e2e package", id))
	a.wantText("tr#line-1 td.q-pledged", "100")
	a.wantText("tr#line-1 td.q-committed", "0")
	a.wantText("#pledged-value", "€ 350,000.00")
	if n := a.count("#lines tbody tr[data-line]"); n != 1 {
		a.fatalf("the pledge shows %d lines, want 1 (blank form rows are not lines)", n)
	}
	if n := a.pledgeCount(); n != 1 {
		t.Fatalf("%d pledges stored after saving the form, want 1", n)
	}
	// app.js ran (the Content-Security-Policy lets it): it hides the
	// requirement picker unless the action is "allocate".
	if hidden := e2eRun(a, "check app.js", chromedp.Evaluate[bool](`document.querySelector("tr#line-1 select[name=requirement]").hidden`)); !hidden {
		a.fatalf("the requirement picker of line 1 is visible for the action commit: app.js did not run")
	}

	// Commit 40 of line 1 with its action form.
	a.fill(`tr#line-1 form.act select[name="action"]`, "commit")
	a.fill(`tr#line-1 form.act input[name="quantity"]`, "40")
	a.click("tr#line-1 form.act button", 200)
	if got := a.location().Path; got != m[0] {
		a.fatalf("after the action the browser is at %s, want %s", got, m[0])
	}
	a.wantText("p.flash", "Committed 40 on line 1")
	a.wantText("tr#line-1 td.q-pledged", "100")
	a.wantText("tr#line-1 td.q-committed", "40")
	a.wantText("tr#line-1 td.q-allocated", "0")
	if n := a.count(".field-error, p.error"); n != 0 {
		a.fatalf("the pledge page shows %d errors after a valid action", n)
	}

	// The dashboard follows: 40 × € 3,500.00 committed, 100 × pledged.
	a.click(`header a.brand`, 200)
	if got := a.location().Path; got != "/" {
		a.fatalf("the brand link leads to %s", got)
	}
	a.wantText("#total-committed", "€ 140,000.00")
	a.wantText("#total-pledged", "€ 350,000.00")
	a.wantText(`#by-nation tr[data-nation="DEU"] td.committed`, "€ 140,000.00")
	a.wantText(`#by-nation tr[data-nation="DEU"] td.pledged`, "€ 350,000.00")
	if n := a.count("#by-nation tbody tr"); n != 1 {
		a.fatalf("the by-nation table has %d rows, want 1", n)
	}
	if n := a.count(`svg.chart g.bar-row[data-nation="DEU"]`); n != 1 {
		a.fatalf("the chart has %d bars for DEU, want 1", n)
	}

	a.screenshot("dashboard.png")
	a.checkConsole()
	t.Logf("browser flow took %v", time.Since(start).Round(time.Millisecond))
}

// TestE2EPledgeFormRejectsBadQuantity submits the pledge form with a
// quantity that is not a positive whole number: the form comes back with the
// error beside the field, keeps what was entered, and stores nothing.
func TestE2EPledgeFormRejectsBadQuantity(t *testing.T) {
	a := e2eStart(t)
	a.signIn("deu-officer")
	for _, tc := range []struct{ quantity, message string }{
		{"abc", `"abc" is not a whole number`},
		{"0", `must be a positive whole number, or "undisclosed"`},
	} {
		before := a.pledgeCount()
		a.navigate("/pledges/new", 200)
		a.fill(`#pledge-form select[name="nation"]`, "DEU")
		a.fill(`#pledge-form input[name="title"]`, "Bad quantity "+tc.quantity)
		a.fill(`#pledge-form input[name="promised"]`, e2ePromised())
		a.fill(`#pledge-form select[name="line_nsn"]`, storetest.NSN155)
		a.fill(`#pledge-form input[name="line_quantity"]`, tc.quantity)
		a.click("#save-pledge", 422)

		if got := a.location().Path; got != "/pledges" {
			a.fatalf("quantity %q: the form came back at %s, want /pledges", tc.quantity, got)
		}
		sel := `#pledge-form .field-error[data-field="lines[0].quantity"]`
		if n := a.count(sel); n != 1 {
			a.fatalf("quantity %q: %d errors for lines[0].quantity, want 1", tc.quantity, n)
		}
		a.wantText(sel, tc.message)
		if n := a.count("#pledge-form .field-error"); n != 1 {
			a.fatalf("quantity %q: %d field errors, want only the quantity's", tc.quantity, n)
		}
		// What was entered is kept.
		for field, want := range map[string]string{
			`select[name="nation"]`:       "DEU",
			`input[name="title"]`:         "Bad quantity " + tc.quantity,
			`input[name="promised"]`:      e2ePromised(),
			`select[name="line_nsn"]`:     storetest.NSN155,
			`input[name="line_quantity"]`: tc.quantity,
		} {
			if got := e2eRun(a, "read "+field, chromedp.Value(chromedp.CSS("#pledge-form "+field))); got != want {
				a.fatalf("quantity %q: after the error %s holds %q, want %q", tc.quantity, field, got, want)
			}
		}
		if n := e2eRun(a, "count alerts", chromedp.Evaluate[int](`document.querySelectorAll('p.error[role=alert]').length`)); n != 1 {
			a.fatalf("quantity %q: %d alerts at the top of the form, want 1", tc.quantity, n)
		}
		if after := a.pledgeCount(); after != before {
			t.Fatalf("quantity %q: %d pledges stored, want %d: the bad form was saved", tc.quantity, after, before)
		}
	}

	// The list agrees that nothing was saved.
	a.navigate("/pledges", 200)
	a.wantText(".pager .total", "0 in all")
	a.screenshot("pledges.png")
	a.checkConsole("the server responded with a status of 422")
}

// TestE2ETwoUsersTwoDashboards signs in as a coordinator and as a French
// liaison officer and sees that a German NATO RESTRICTED pledge, releasable
// to Ukraine only, is on the first dashboard and not on the second.
func TestE2ETwoUsersTwoDashboards(t *testing.T) {
	a := e2eStart(t)
	svc := &assist.Service{Store: store.Assist{DB: a.DB}}
	deu := assist.Pledge{Nation: "DEU", Title: "Air defence", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-01-10", Promised: "2025-06-30", Lines: []assist.Line{{NSN: storetest.NSNStinger, Pledged: 10}},
		Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}}
	nld := deu
	nld.Nation, nld.Marking, nld.Lines = "NLD", access.Marking{}, []assist.Line{{NSN: storetest.NSN155, Pledged: 1000}}
	for _, p := range []assist.Pledge{deu, nld} {
		if _, err := svc.CreatePledge(storetest.Ctx(), p); err != nil {
			t.Fatal(err)
		}
	}

	a.signIn("coordinator")
	a.navigate("/", 200)
	if n := a.count(`#by-nation tr[data-nation="DEU"]`); n != 1 {
		a.fatalf("the coordinator's dashboard has %d DEU rows, want 1", n)
	}
	a.wantText(`#by-nation tr[data-nation="NLD"] td.pledged`, "€ 3,500,000.00")
	a.wantText("#total-pledged", "€ 8.30 m")
	// The promise reliability counts the restricted pledge's line, not yet
	// due: the page carries its marking.
	a.wantText(".banner", "NATO RESTRICTED")
	// Germany's line is more than 180 days past its promise: the figure
	// leads to the pledge behind it, the filter shown.
	a.click(`#dashboard-reliability tr[data-group="Germany (DEU)"] td[data-bucket="181-"] a`, 200)
	a.wantText(".pager .total", "1 in all")
	if n := a.count(`select[name="late"] option[value="181-"][selected]`); n != 1 {
		a.fatalf("the pledges behind the figure do not show their filter")
	}
	a.navigate("/pledges", 200)
	a.wantText(".pager .total", "2 in all")
	a.signOut()

	a.signIn("fra-officer")
	a.navigate("/dashboard", 200)
	if n := a.count(`#by-nation tr[data-nation="DEU"]`); n != 0 {
		a.fatalf("the French officer's dashboard shows Germany's restricted pledge")
	}
	a.wantText(`#by-nation tr[data-nation="NLD"] td.pledged`, "€ 3,500,000.00")
	a.wantText("#total-pledged", "€ 3.50 m")
	a.wantText(".banner", "NATO UNCLASSIFIED")
	a.navigate("/pledges", 200)
	a.wantText(".pager .total", "1 in all")
	// The pledge's own page is not there for them, as if it did not exist.
	a.navigate("/pledges/1", 404)
	a.screenshot("fra-dashboard.png")
	a.checkConsole("404")
}

// TestE2EPasteLinesFromASpreadsheet copies three lines out of a spreadsheet
// (item, quantity, unit value, tab-separated) into the first cell of the
// pledge form's lines: the rows fill, a fifth row is added for the block
// that runs past the form's four, and the pledge saves with every line.
func TestE2EPasteLinesFromASpreadsheet(t *testing.T) {
	a := e2eStart(t)
	a.signIn("deu-officer")
	a.navigate("/pledges/new", 200)
	a.fill(`#pledge-form select[name="nation"]`, "DEU")
	a.fill(`#pledge-form input[name="title"]`, "Pasted from Excel")
	a.fill(`#pledge-form input[name="promised"]`, e2ePromised())
	block := storetest.NSN155 + "\t1200\t\r\n" + storetest.NSNStinger + "\t4\t450000,00\r\n" + storetest.NSN155Alt + "\t10\t\r\n" +
		storetest.NSN155 + "\t7\t\r\n" + storetest.NSNStinger + "\t1\t\r\n"
	paste := fmt.Sprintf(`(function () {
		var dt = new DataTransfer();
		dt.setData("text/plain", %q);
		var target = document.querySelector('#pledge-form select[name="line_nsn"]');
		target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		return document.querySelectorAll('#pledge-form select[name="line_nsn"]').length;
	})()`, block)
	if rows := e2eRun(a, "paste a block", chromedp.Evaluate[int](paste)); rows != 5 {
		a.fatalf("after pasting five lines the form has %d rows, want 5", rows)
	}
	if v := e2eRun(a, "read the second quantity", chromedp.Evaluate[string](`document.querySelectorAll('#pledge-form input[name="line_quantity"]')[1].value`)); v != "4" {
		a.fatalf("the second line's quantity is %q, want 4", v)
	}
	before := a.pledgeCount()
	a.click("#save-pledge", 200)
	if after := a.pledgeCount(); after != before+1 {
		a.fatalf("%d pledges after saving, want %d", after, before+1)
	}
	a.wantText("tr#line-5 td.q-pledged", "1")
	a.checkConsole()
}
