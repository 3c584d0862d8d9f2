package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/cli"
)

// TestServeProductionRefusesWhatIsUnsafe runs serve --production with each
// setting it refuses: each stops before any database is made, with a
// message naming the setting (and so before a one-time password is spent).
func TestServeProductionRefusesWhatIsUnsafe(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"the demo", []string{"--production", "--demo", "--tls-cert", cert, "--tls-key", key}, nil, "--production refuses --demo"},
		{"the demo by the environment", []string{"--demo"}, map[string]string{"LONGHAUL_PRODUCTION": "true", "LONGHAUL_TRUSTED_PROXIES": "10.0.0.0/8"}, "--production refuses --demo"},
		{"plain HTTP without a proxy", []string{"--production"}, nil, "--production needs TLS: give --tls-cert and --tls-key, or --trusted-proxies"},
		{"an unknown required role", []string{"--production", "--trusted-proxies", "10.0.0.1", "--mfa-required-roles", "coordinator,general"}, nil, `"general" is not a role`},
		{"a proxy list of no address", []string{"--production", "--trusted-proxies", ","}, nil, "--production needs TLS"},
		{"a certificate without its key", []string{"--production", "--tls-cert", cert}, nil, "give both --tls-cert and --tls-key"},
		{"a certificate that is not there", []string{"--production", "--tls-cert", filepath.Join(dir, "none.pem"), "--tls-key", key}, nil, "TLS certificate: open"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".db")
			errs := &syncBuffer{}
			env := func(k string) string { return c.env[k] }
			code := cli.Run(context.Background(), append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, c.args...), env, cli.IO{In: strings.NewReader(""), Out: &syncBuffer{}, Err: errs})
			if code == 0 || !strings.Contains(errs.String(), c.want) {
				t.Errorf("exit %d, %q; want a refusal saying %q", code, errs, c.want)
			}
			if _, err := os.Stat(db); err == nil {
				t.Error("a refused start made its database")
			}
		})
	}
}

// TestServeProductionBehindAProxy starts serve --production behind a TLS
// proxy: it serves plain HTTP to the proxy, yet marks its cookies Secure
// and asks for HTTPS, and the first administrator, signed in with the
// one-time password, is sent to set up a second factor and refused
// everything else until they have. The health subcommand answers for it.
func TestServeProductionBehindAProxy(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"LONGHAUL_PRODUCTION": "1", "LONGHAUL_TRUSTED_PROXIES": "127.0.0.1"}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--db", filepath.Join(dir, "prod.db"), "--addr", "127.0.0.1:0", "--log-level", "warn"}, env, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
	}()
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := regexp.MustCompile(`serving (http://\S+)`).FindStringSubmatch(out.String()); m != nil {
			base = strings.Replace(m[1], "localhost", "127.0.0.1", 1)
		}
	}
	if base == "" {
		t.Fatalf("serve did not start:\n%s\n%s", out, errs)
	}
	pw := regexp.MustCompile(`one-time password (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no one-time password printed:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page, err := client.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if hsts := page.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
		t.Errorf("behind the proxy: Strict-Transport-Security %q", hsts)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if token == nil {
		t.Fatal("no sign-in form token")
	}
	// The client jar keeps no Secure cookie over plain HTTP: the test
	// sends them itself, as the proxy's browser would over HTTPS.
	signinCookie := regexp.MustCompile(`longhaul_signin=([^;]+)`).FindStringSubmatch(strings.Join(page.Header.Values("Set-Cookie"), "\n"))
	req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"name": {"admin"}, "password": {pw[1]}, "csrf": {string(token[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "longhaul_signin="+signinCookie[1])
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	session := regexp.MustCompile(`longhaul_session=([^;]+);[^\n]*`).FindStringSubmatch(strings.Join(res.Header.Values("Set-Cookie"), "\n"))
	if res.StatusCode != 303 || session == nil || !strings.Contains(session[0], "Secure") {
		t.Fatalf("sign-in: %d, cookies %q", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/account/factor?") {
		t.Errorf("the administrator is sent to %q, want the second factor's page", loc)
	}
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Cookie", "longhaul_session="+session[1])
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if r := get("/admin/users"); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/account/factor?") {
		t.Errorf("the users page before enrolling: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := get("/account/factor"); r.StatusCode != 200 {
		t.Errorf("the second factor's page: %d", r.StatusCode)
	}
	hout := &syncBuffer{}
	if code := cli.Run(context.Background(), []string{"health", "--url", base + "/readyz"}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: hout, Err: hout}); code != 0 || !strings.Contains(hout.String(), "ready") {
		t.Errorf("health of a running server: exit %d, %s", code, hout)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errs)
	}
	hout = &syncBuffer{}
	if code := cli.Run(context.Background(), []string{"health", "--url", base + "/healthz", "--timeout", "2s"}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: hout, Err: hout}); code == 0 {
		t.Errorf("health of a stopped server: exit 0, %s", hout)
	}
}
