package outbound_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/notify"
	"github.com/longhaul/longhaul/internal/outbound"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/testbin"
)

// mailpitBin finds the mailpit binary: LONGHAUL_MAILPIT, else on PATH.
// Without it the test is skipped, but fails under CI.
func mailpitBin(t *testing.T) string {
	t.Helper()
	return testbin.Find(t, "LONGHAUL_MAILPIT", "mailpit not found (set LONGHAUL_MAILPIT or install it: GOBIN=/usr/local/bin go install github.com/axllent/mailpit@v1.33.1)", "mailpit")
}

// mailpit is a running mailpit: its SMTP address and its HTTP API.
type mailpit struct {
	smtp, api string
	cmd       *exec.Cmd
}

// ports reserves an SMTP and an HTTP port for a mailpit started later.
func ports(t *testing.T) mailpit {
	return mailpit{smtp: fmt.Sprintf("127.0.0.1:%d", testbin.FreePort(t)), api: fmt.Sprintf("http://127.0.0.1:%d", testbin.FreePort(t))}
}

// start starts mailpit on m's ports and waits until it answers; it is
// stopped when the test ends.
func (m *mailpit) start(t *testing.T, extra ...string) {
	t.Helper()
	args := append([]string{"--smtp", m.smtp, "--listen", strings.TrimPrefix(m.api, "http://"), "--database", filepath.Join(t.TempDir(), "mailpit.db"), "--smtp-disable-rdns"}, extra...)
	m.cmd = exec.Command(mailpitBin(t), args...)
	out := &strings.Builder{}
	m.cmd.Stdout, m.cmd.Stderr = out, out
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := m.cmd
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get(m.api + "/api/v1/messages"); err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", m.smtp); err == nil {
				c.Close()
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("mailpit did not start: %s", out)
}

type message struct {
	ID      string
	Subject string
	To      []struct{ Address string }
}

func (m *mailpit) messages(t *testing.T) []message {
	t.Helper()
	var out struct {
		Total    int
		Messages []message
	}
	m.get(t, "/api/v1/messages", &out)
	return out.Messages
}

func (m *mailpit) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (m *mailpit) text(t *testing.T, id string) (string, map[string][]string) {
	var msg struct{ Text string }
	m.get(t, "/api/v1/message/"+id, &msg)
	var h map[string][]string
	m.get(t, "/api/v1/message/"+id+"/headers", &h)
	return msg.Text, h
}

// receiver is a webhook receiver that checks each post's signature and
// refuses the first fail posts with 500.
type receiver struct {
	mu     sync.Mutex
	secret map[string]string // path → secret
	fail   int
	got    []post
	srv    *httptest.Server
}

type post struct {
	path       string
	body       notify.HookBody
	signed     bool
	redelivery string
	status     int
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{secret: map[string]string{}, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		p := post{path: req.URL.Path, redelivery: req.Header.Get(outbound.RedeliveryHeader)}
		ts := req.Header.Get(outbound.TimestampHeader)
		p.signed = ts != "" && req.Header.Get(outbound.SignatureHeader) == outbound.Sign(r.secret[req.URL.Path], ts, b)
		json.Unmarshal(b, &p.body)
		p.status = 200
		if r.fail > 0 {
			r.fail--
			p.status = 500
		}
		r.got = append(r.got, p)
		w.WriteHeader(p.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) posts() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]post(nil), r.got...)
}

func as(u access.User) context.Context {
	return access.WithIdentity(context.Background(), u.Identity("session"))
}

var adminCtx = access.WithIdentity(context.Background(), access.Identity{UserID: 1, Name: "admin", Nation: "DEU", Roles: []access.Role{access.Admin}, Via: "session"})

// ledger sets up a German pledge marked NATO RESTRICTED and releasable to
// Ukraine only, 60 rounds of it allocated to a requirement, and two
// nation officers who ask to be told of discrepancies: a German one, who
// may see the pledge's shipments, and a French one, who may not.
type ledger struct {
	db         *store.DB
	deu, fra   access.User
	allocation int64
	lg         *logistics.Service
	notify     *notify.Service
}

func newLedger(t *testing.T, db *store.DB) *ledger {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Seed(t, db)
	svc := &assist.Service{Store: store.Assist{DB: db}}
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 80, Priority: 1, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePledge(ctx, assist.Pledge{Nation: "DEU", Title: "155 mm ammunition", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-02-01", Promised: "2025-04-30", Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}},
		Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	line := p.Lines[0].ID
	for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 100}, {Kind: assist.Allocate, Line: line, Quantity: 60, Requirement: req.ID}} {
		if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
			t.Fatal(err)
		}
	}
	als, err := db.Allocations(ctx, p.ID, 0)
	if err != nil || len(als) != 1 {
		t.Fatalf("allocations %v %v", als, err)
	}
	l := &ledger{db: db, allocation: als[0].ID, lg: &logistics.Service{Store: store.Logistics{DB: db}}, notify: &notify.Service{Store: store.Notify{DB: db}}}
	acc := &access.Service{Store: store.Access{DB: db}, Read: db}
	for _, u := range []*access.User{&l.deu, &l.fra} {
		nation := "DEU"
		if u == &l.fra {
			nation = "FRA"
		}
		*u, err = acc.CreateUser(ctx, access.NewUser{Name: strings.ToLower(nation) + "-lo", DisplayName: nation + " liaison", Nation: nation, Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Password: "a-long-enough-password-2026"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.notify.SaveSettings(as(*u), notify.Settings{Email: u.Name + "@example.org", Events: []string{notify.DiscrepancyOpened, notify.ShipmentLate}}, 0); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

// discrepancy hands 40 rounds over at the hub and receives 38 of them,
// which opens a discrepancy of 2 damaged.
func (l *ledger) discrepancy(t *testing.T) logistics.Shipment {
	t.Helper()
	ctx := storetest.Ctx()
	sh, err := l.lg.HandOver(ctx, logistics.Handover{Origin: storetest.SiteHub, Override: "test fixture", Lines: []logistics.NewLine{{Allocation: l.allocation, Quantity: 40}}})
	if err != nil {
		t.Fatal(err)
	}
	sh, ds, err := l.lg.Receive(ctx, sh.ID, 0, logistics.Receipt{Lines: []logistics.ReceiptLine{{No: 1, Received: 38, Kind: "damaged", Reason: "two rounds with dented fuzes"}}})
	if err != nil || len(ds) != 1 {
		t.Fatalf("receive: %v %v", ds, err)
	}
	return sh
}

func (l *ledger) webhook(t *testing.T, r *receiver, path string, u access.User) notify.Endpoint {
	t.Helper()
	e, secret, err := l.notify.CreateEndpoint(adminCtx, notify.NewEndpoint{Name: "hook " + path, URL: r.srv.URL + path, Events: []string{notify.DiscrepancyOpened}, AsUser: u.Name})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	r.secret[path] = secret
	r.mu.Unlock()
	return e
}

// TestNotificationsArriveOnce: the mail server is down when the
// discrepancy is opened; once it is up the German officer's e-mail
// arrives, once; the webhook acting as the German officer gets the event,
// signed, after two refusals, and its delivery log says so; the French
// officer, and the webhook acting as them, who may not see the shipment,
// get nothing of it; a change rolled back sends nothing.
func TestNotificationsArriveOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db)
		mp := ports(t)
		rc := newReceiver(t, 2)
		deuHook := l.webhook(t, rc, "/deu", l.deu)
		l.webhook(t, rc, "/fra", l.fra)
		sh := l.discrepancy(t)

		// A change that rolls back after its audit event raises nothing.
		rolledBack := errors.New("rolled back")
		if err := db.Transact(storetest.Ctx(), func(tx *store.Tx) error {
			if err := tx.Audit(storetest.Ctx(), audit.Record{Action: "shipment.hold", Entity: "shipment", EntityID: audit.ID(sh.ID)}); err != nil {
				return err
			}
			return rolledBack
		}); !errors.Is(err, rolledBack) {
			t.Fatal(err)
		}

		clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		w := &notify.Worker{Store: store.Outbox{DB: db}, Hooks: &outbound.Webhooks{}, BaseURL: "http://longhaul.test",
			Mail: &outbound.SMTP{Addr: mp.smtp, From: "longhaul@example.org", StartTLS: outbound.Off, Timeout: 5 * time.Second},
			Now:  func() time.Time { return clock }}
		pass := func() notify.PassResult {
			t.Helper()
			r, err := w.Pass(storetest.Ctx())
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		r := pass()
		if r.Fanned != 1 || r.Deliveries != 2 || r.Sent != 0 || r.Retried != 2 {
			t.Fatalf("with the mail server down: %+v, want one event to the German officer's e-mail and webhook, both to retry", r)
		}
		mp.start(t)
		clock = clock.Add(31 * time.Second)
		if r = pass(); r.Sent != 1 || r.Retried != 1 {
			t.Fatalf("with the mail server up: %+v", r)
		}
		clock = clock.Add(61 * time.Second)
		if r = pass(); r.Sent != 1 {
			t.Fatalf("the webhook's third attempt: %+v", r)
		}
		clock = clock.Add(time.Hour)
		if r = pass(); r.Sent+r.Retried+r.Fanned != 0 {
			t.Fatalf("a pass with nothing due: %+v", r)
		}

		msgs := mp.messages(t)
		if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0].Address != "deu-lo@example.org" {
			t.Fatalf("messages %+v, want one to deu-lo@example.org", msgs)
		}
		body, h := mp.text(t, msgs[0].ID)
		if want := fmt.Sprintf("http://longhaul.test/discrepancies?shipment=%d", sh.ID); !strings.Contains(body, want) || !strings.Contains(msgs[0].Subject, "2 damaged") {
			t.Errorf("subject %q body %q, want the discrepancy and %s", msgs[0].Subject, body, want)
		}
		if len(h["X-Longhaul-Redelivery"]) != 0 {
			t.Error("the first delivery is marked a redelivery")
		}

		posts := rc.posts()
		if len(posts) != 3 {
			t.Fatalf("webhook posts %+v, want three to /deu", posts)
		}
		for i, p := range posts {
			if p.path != "/deu" || !p.signed || p.body.Kind != notify.DiscrepancyOpened || p.body.Redelivery || p.redelivery != "" {
				t.Errorf("post %d: %+v", i, p)
			}
		}
		log, err := db.Deliveries(adminCtx, notify.DeliveryFilter{Endpoint: deuHook.ID}, listAll)
		if err != nil || len(log.Items) != 1 || log.Items[0].State != notify.Sent || log.Items[0].Attempts != 3 || log.Items[0].LastStatus != 200 {
			t.Fatalf("the delivery log: %+v %v", log, err)
		}
		// The administrator, cleared below the shipment's marking, reads
		// the log without its title; one cleared for it reads the title.
		if got := log.Items[0].Title; got != "withheld: a record you may not see" {
			t.Errorf("an uncleared administrator reads the title %q", got)
		}
		cleared := access.WithIdentity(context.Background(), access.Identity{UserID: 1, Name: "admin", Nation: "DEU", Roles: []access.Role{access.Admin, access.Coordinator}, Clearance: access.Secret, Via: "session"})
		if log, err := db.Deliveries(cleared, notify.DeliveryFilter{Endpoint: deuHook.ID}, listAll); err != nil || len(log.Items) != 1 || !strings.Contains(log.Items[0].Title, "damaged") {
			t.Errorf("a cleared administrator's log: %+v %v", log.Items, err)
		}
		at, err := db.Attempts(adminCtx, log.Items[0].ID)
		if err != nil || len(at) != 3 || at[0].Status != 500 || at[1].Status != 500 || at[2].Status != 200 {
			t.Errorf("attempts %+v %v", at, err)
		}
		if failed, _ := db.Deliveries(adminCtx, notify.DeliveryFilter{State: notify.Failed}, listAll); failed.Total != 0 {
			t.Errorf("failed deliveries: %+v", failed)
		}
		if _, err := db.Deliveries(adminCtx, notify.DeliveryFilter{State: "lost"}, listAll); err == nil {
			t.Error("a delivery state that does not exist is taken")
		}

		// The mail server offers no STARTTLS: "required" refuses to send.
		res := (&outbound.SMTP{Addr: mp.smtp, From: "longhaul@example.org", StartTLS: outbound.Required}).Send(context.Background(), notify.Mail{ID: "x", To: "a@example.org", Subject: "s", Body: "b"})
		if res.OK || res.Unknown || !strings.Contains(res.Err, "STARTTLS") {
			t.Errorf("STARTTLS required of a server without it: %+v", res)
		}
	})
}

// TestCrashMidSendIsRedelivered: a worker claims an e-mail and dies before
// it records the outcome; within the lease nothing is sent again, after
// it the e-mail is sent once more, marked as a redelivery.
func TestCrashMidSendIsRedelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db)
		mp := ports(t)
		mp.start(t)
		l.discrepancy(t)
		clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		ob := store.Outbox{DB: db}
		w := &notify.Worker{Store: ob, Hooks: &outbound.Webhooks{}, BaseURL: "http://longhaul.test", Now: func() time.Time { return clock }}
		if r, err := w.Pass(storetest.Ctx()); err != nil || r.Deliveries != 1 || r.Sent != 0 {
			t.Fatalf("without a mail server: %+v %v", r, err)
		}
		due, err := ob.DueDeliveries(context.Background(), clock, clock.Add(-2*time.Minute), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %+v %v", due, err)
		}
		if ok, err := ob.Claim(context.Background(), due[0], clock); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, _ := ob.Claim(context.Background(), due[0], clock); ok {
			t.Fatal("a delivery was claimed twice")
		}
		w.Mail = &outbound.SMTP{Addr: mp.smtp, From: "longhaul@example.org", StartTLS: outbound.Off}
		clock = clock.Add(time.Minute)
		if r, _ := w.Pass(storetest.Ctx()); r.Sent != 0 {
			t.Fatalf("within the lease: %+v", r)
		}
		clock = clock.Add(2 * time.Minute)
		if r, _ := w.Pass(storetest.Ctx()); r.Sent != 1 {
			t.Fatalf("after the lease: %+v", r)
		}
		msgs := mp.messages(t)
		if len(msgs) != 1 {
			t.Fatalf("messages %+v", msgs)
		}
		body, h := mp.text(t, msgs[0].ID)
		if strings.Join(h["X-Longhaul-Redelivery"], "") != "true" || !strings.Contains(body, "may repeat") {
			t.Errorf("the resend is not marked a redelivery: %v %q", h, body)
		}
	})
}

// TestStartTLS: against mailpit with a self-signed certificate that
// requires STARTTLS, a sender that trusts the certificate delivers; one
// that does not, or that will not use STARTTLS, delivers nothing.
func TestStartTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	mp := ports(t)
	mp.start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls")
	pool, err := outbound.LoadCA(cert)
	if err != nil {
		t.Fatal(err)
	}
	mail := notify.Mail{ID: "7", To: "officer@example.org", Subject: "Shipment 7 is held — Львів", Body: "Open it: http://longhaul.test/shipments/7"}
	for _, c := range []struct {
		name string
		s    outbound.SMTP
		ok   bool
	}{
		{"trusted", outbound.SMTP{StartTLS: outbound.Required, RootCAs: pool}, true},
		{"untrusted certificate", outbound.SMTP{StartTLS: outbound.Required}, false},
		{"no STARTTLS", outbound.SMTP{StartTLS: outbound.Off}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.s.Addr, c.s.From = mp.smtp, "longhaul@example.org"
			res := c.s.Send(context.Background(), mail)
			if res.OK != c.ok || res.Unknown {
				t.Errorf("%+v, want ok %v", res, c.ok)
			}
		})
	}
	msgs := mp.messages(t)
	if len(msgs) != 1 || msgs[0].Subject != mail.Subject {
		t.Errorf("messages %+v, want the trusted one's", msgs)
	}
}

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

var listAll = list.Options{Limit: 100}

// TestCheckRaisesEachOnce: the periodic check's events are written once
// per key on both engines, however often it runs, and its facts read.
func TestCheckRaisesEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		st := store.Notify{DB: db}
		if _, err := st.Facts(storetest.Ctx()); err != nil {
			t.Fatal(err)
		}
		evs := []notify.Event{{Key: "late:1:x", Kind: notify.ShipmentLate, Entity: "shipment", EntityID: "1", Title: "Shipment 1 is past its ETA", Link: "/shipments/1"},
			{Key: "approval:2", Kind: notify.ApprovalDue, Entity: "plan", EntityID: "2", Title: "Plan 2 waits", Link: "/plans/2"}}
		for i, want := range []int{2, 0} {
			var n int
			err := st.Transact(storetest.Ctx(), func(tx notify.Tx) error {
				var err error
				n, err = tx.Raise(storetest.Ctx(), evs)
				return err
			})
			if err != nil || n != want {
				t.Errorf("raise %d: %d new, %v; want %d", i, n, err, want)
			}
		}
		pending, err := store.Outbox{DB: db}.PendingEvents(storetest.Ctx(), 10)
		if err != nil || len(pending) != 2 {
			t.Errorf("pending %+v %v", pending, err)
		}
	})
}

// TestDigestNextMorning: a user who asks for a daily digest gets nothing
// the day of the change and one e-mail holding it the next morning.
func TestDigestNextMorning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db)
		if _, err := l.notify.SaveSettings(as(l.deu), notify.Settings{Email: "deu-digest@example.org", Events: []string{notify.DiscrepancyOpened}, Mode: notify.Digest}, 1); err != nil {
			t.Fatal(err)
		}
		mp := ports(t)
		mp.start(t)
		sh := l.discrepancy(t)
		clock := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		w := &notify.Worker{Store: store.Outbox{DB: db}, Hooks: &outbound.Webhooks{}, BaseURL: "http://longhaul.test",
			Mail: &outbound.SMTP{Addr: mp.smtp, From: "longhaul@example.org", StartTLS: outbound.Off}, Now: func() time.Time { return clock }}
		if r, err := w.Pass(storetest.Ctx()); err != nil || r.Deliveries != 1 || r.Sent != 0 {
			t.Fatalf("the day of the change: %+v %v", r, err)
		}
		clock = clock.Add(22 * time.Hour)
		if r, err := w.Pass(storetest.Ctx()); err != nil || r.Digests != 1 || r.Sent != 1 {
			t.Fatalf("the next morning: %+v %v", r, err)
		}
		if r, _ := w.Pass(storetest.Ctx()); r.Digests != 0 || r.Sent != 0 {
			t.Errorf("again: %+v", r)
		}
		msgs := mp.messages(t)
		if len(msgs) != 1 || msgs[0].To[0].Address != "deu-digest@example.org" || !strings.Contains(msgs[0].Subject, "Daily digest: 1 notification") {
			t.Fatalf("messages %+v", msgs)
		}
		if body, _ := mp.text(t, msgs[0].ID); !strings.Contains(body, fmt.Sprintf("/discrepancies?shipment=%d", sh.ID)) {
			t.Errorf("digest body %q", body)
		}
	})
}

// TestOverdueLinesAreTheDashboards: the check's overdue lines are the
// open lines past their promise that the dashboard counts, one event a
// line, on both engines.
func TestOverdueLinesAreTheDashboards(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now()
			db := storetest.Open(t, dsn(t), now)
			storetest.Demo(t, db, now)
			f, err := store.Notify{DB: db}.Facts(storetest.Ctx())
			if err != nil {
				t.Fatal(err)
			}
			var overdue []notify.Event
			for _, e := range notify.Due(f, now) {
				if e.Kind == notify.LineOverdue {
					overdue = append(overdue, e)
				}
			}
			d, err := db.Dashboard(storetest.Ctx(), now.UTC().Format(time.DateOnly), 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(overdue) == 0 || int64(len(overdue)) != d.OverdueCount {
				t.Fatalf("%d overdue line events, the dashboard counts %d overdue lines", len(overdue), d.OverdueCount)
			}
			pledges := map[string]bool{}
			for _, l := range d.Overdue {
				pledges[fmt.Sprint(l.Pledge)] = true
			}
			for _, e := range overdue {
				if !pledges[e.EntityID] {
					t.Errorf("%s: pledge %s is not among the dashboard's overdue", e.Key, e.EntityID)
				}
			}
		})
	}
}

// TestUkrainianMailArrivesIntact: an officer who reads Ukrainian gets the
// discrepancy's e-mail from mailpit with its Ukrainian subject and body
// whole, and a subject long enough to take several encoded words arrives
// whole too.
func TestUkrainianMailArrivesIntact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l := newLedger(t, db)
		if _, err := l.notify.SaveSettings(as(l.deu), notify.Settings{Email: "deu-lo@example.org", Events: []string{notify.DiscrepancyOpened}, Language: notify.Ukrainian}, 1); err != nil {
			t.Fatal(err)
		}
		mp := ports(t)
		mp.start(t)
		sh := l.discrepancy(t)
		evs, err := store.Outbox{DB: db}.PendingEvents(storetest.Ctx(), 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("pending %+v %v", evs, err)
		}
		title := evs[0].TitleIn(notify.Ukrainian)
		if want := fmt.Sprintf("щодо відправлення %d: пошкодження 2\u00a0од. (NSN %s)", sh.ID, storetest.NSN155); !strings.HasPrefix(title, "Відкрито розбіжність ") || !strings.HasSuffix(title, want) {
			t.Fatalf("the Ukrainian title %q, want it to end %q", title, want)
		}
		smtp := &outbound.SMTP{Addr: mp.smtp, From: "longhaul@example.org", StartTLS: outbound.Off}
		w := &notify.Worker{Store: store.Outbox{DB: db}, Hooks: &outbound.Webhooks{}, BaseURL: "http://longhaul.test", Mail: smtp,
			Now: func() time.Time { return time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) }}
		if r, err := w.Pass(storetest.Ctx()); err != nil || r.Sent != 1 {
			t.Fatalf("pass %+v %v", r, err)
		}
		long := "[Longhaul] Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 1\u00a0250\u00a0од. — " +
			"Рядок 2 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 12\u00a0од."
		if res := smtp.Send(context.Background(), notify.Mail{ID: "long", To: "ukr-lo@example.org", Subject: long, Body: "Відкрити: http://longhaul.test/pledges/4\n", Language: notify.Ukrainian}); !res.OK {
			t.Fatalf("the long subject: %+v", res)
		}
		got := map[string]message{}
		for _, m := range mp.messages(t) {
			got[m.To[0].Address] = m
		}
		m := got["deu-lo@example.org"]
		if m.Subject != "[Longhaul] "+title {
			t.Errorf("subject %q\nwant %q", m.Subject, "[Longhaul] "+title)
		}
		body, h := mp.text(t, m.ID)
		for _, want := range []string{title + "\n", "Відкрити: http://longhaul.test/discrepancies?shipment=", "у ваших налаштуваннях сповіщень вибрано: відкрито розбіжність."} {
			if !strings.Contains(strings.ReplaceAll(body, "\r\n", "\n"), want) {
				t.Errorf("body %q lacks %q", body, want)
			}
		}
		if strings.Join(h["Content-Language"], "") != "uk" || !strings.Contains(strings.Join(h["Content-Type"], ""), "charset=utf-8") {
			t.Errorf("headers %v", h)
		}
		if m := got["ukr-lo@example.org"]; m.Subject != long {
			t.Errorf("the long subject arrived as %q\nwant %q", m.Subject, long)
		}
	})
}
