package cli_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// syncBuffer is a buffer the server writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// selfSigned writes a certificate and key for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "longhaul test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestServeBootstrapsAdminOverTLS starts serve on a fresh database with TLS:
// it prints the first administrator's one-time password once, serves HTTPS,
// and the password signs in with a Secure session cookie.
func TestServeBootstrapsAdminOverTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	db := filepath.Join(dir, "tls.db")
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--log-level", "warn"},
			func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
	}()
	addr := regexp.MustCompile(`serving (https://\S+)`)
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = strings.Replace(m[1], "localhost", "127.0.0.1", 1)
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start:\n%s\n%s", out, errs)
	}
	pw := regexp.MustCompile(`one-time password (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no one-time password printed:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	formPage, err := client.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(formPage.Body)
	formPage.Body.Close()
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatal("no sign-in form token")
	}
	res, err := client.PostForm(base+"/signin", url.Values{"name": {"admin"}, "password": {pw[1]}, "csrf": {string(token[1])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookie := res.Header.Get("Set-Cookie")
	if res.StatusCode != 303 || !strings.Contains(cookie, "Secure") || !strings.Contains(cookie, "HttpOnly") {
		t.Errorf("sign-in over TLS: %d, cookie %q", res.StatusCode, cookie)
	}
	if hsts := res.Header.Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=31536000") {
		t.Errorf("over TLS: Strict-Transport-Security %q", hsts)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errs)
	}
	// A second start finds the administrator and prints no password.
	out2 := &syncBuffer{}
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		time.Sleep(500 * time.Millisecond)
		cancel2()
	}()
	cli.Run(ctx2, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--log-level", "error"}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: out2, Err: &syncBuffer{}})
	if strings.Contains(out2.String(), "one-time password") {
		t.Error("the password was printed twice")
	}
}

func TestServeWarnsOnPlainHTTPBeyondLoopback(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	errs := &syncBuffer{}
	// The warning comes once the schema is made and the first
	// administrator created, which a loaded machine may take seconds for.
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !strings.Contains(errs.String(), "plain HTTP"); {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	cli.Run(ctx, []string{"serve", "--db", filepath.Join(dir, "w.db"), "--addr", "0.0.0.0:0"}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: &syncBuffer{}, Err: errs})
	if !strings.Contains(errs.String(), "plain HTTP") {
		t.Errorf("no warning about plain HTTP on 0.0.0.0:\n%s", errs)
	}
}

// TestServeSummarisesStrangersBehindItsProxy starts serve behind a trusted
// proxy (named by the environment): requests without credentials write
// nothing while it runs, and the summary written at shutdown gives the
// client addresses the proxy passed on.
func TestServeSummarisesStrangersBehindItsProxy(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "proxy.db")
	env := func(k string) string {
		if k == "LONGHAUL_TRUSTED_PROXIES" {
			return "127.0.0.1/32"
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &syncBuffer{}, &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--db", dbFile, "--addr", "127.0.0.1:0", "--log-level", "warn"}, env, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
	}()
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		time.Sleep(50 * time.Millisecond)
		if m := regexp.MustCompile(`serving (http://\S+)`).FindStringSubmatch(out.String()); m != nil {
			base = strings.Replace(m[1], "localhost", "127.0.0.1", 1)
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve did not start:\n%s\n%s", out, errs)
	}
	for i := 0; i < 5; i++ {
		req, _ := http.NewRequest("GET", base+"/api/v1/pledges", nil)
		req.Header.Set("Authorization", "Bearer lh_forged")
		req.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.7")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Fatalf("forged token: %d", res.StatusCode)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, errs)
	}
	db, err := store.Open(context.Background(), dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.Events(storetest.Ctx(), "access", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var sum access.RefusalSummary
	found := 0
	for _, ev := range evs {
		if ev.Action == "access.refused_summary" {
			found++
			json.Unmarshal([]byte(ev.After), &sum)
		}
		if ev.Action == "access.refused" {
			t.Errorf("a refusal without credentials was written on its own: %+v", ev)
		}
	}
	if found != 1 || sum.Total != 5 || len(sum.Lines) != 1 || sum.Lines[0].From != "198.51.100.7" || sum.Lines[0].Count != 5 {
		t.Errorf("%d summaries at shutdown, the last %+v: want one of 5 refusals from 198.51.100.7", found, sum)
	}
	// A proxy that is no address is refused before anything starts.
	errs = &syncBuffer{}
	if code := cli.Run(context.Background(), []string{"serve", "--db", dbFile, "--trusted-proxies", "proxy.example"}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: &syncBuffer{}, Err: errs}); code == 0 || !strings.Contains(errs.String(), `"proxy.example" is neither an address nor a prefix`) {
		t.Errorf("a bad trusted proxy: exit %d, %s", code, errs)
	}
}
