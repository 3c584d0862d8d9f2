package cli_test

import (
	"bufio"
	"crypto/tls"
	"database/sql"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// received is one event as a receiver parsed it from a frame.
type received struct {
	seq    int64
	hash   string
	resent bool
}

// receiver is a syslog receiver over TCP or TLS that reads octet-counted
// frames (RFC 6587) and parses each message's sequence number and hash,
// from the structured data of RFC 5424 or from CEF.
type receiver struct {
	t      *testing.T
	tls    *tls.Config
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	got    []received
	frames int
	addr   string
}

var (
	sdSeq  = regexp.MustCompile(`\[longhaul@32473 seq="(\d+)" hash="([0-9a-f]{64})"`)
	cefSeq = regexp.MustCompile(`externalId=(\d+) .*cs3Label=hash cs3=([0-9a-f]{64})`)
)

func newReceiver(t *testing.T, conf *tls.Config) *receiver {
	r := &receiver{t: t, tls: conf, addr: "127.0.0.1:0"}
	r.up()
	t.Cleanup(r.down)
	return r
}

// up listens (again, on the same port after down).
func (r *receiver) up() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	if r.tls != nil {
		ln = tls.NewListener(ln, r.tls)
	}
	r.mu.Lock()
	r.ln, r.addr = ln, ln.Addr().String()
	r.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.conns = append(r.conns, c)
			r.mu.Unlock()
			go r.read(c)
		}
	}()
}

// down stops listening and drops every connection.
func (r *receiver) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
	}
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}

func (r *receiver) read(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		n, err := br.ReadString(' ')
		if err != nil {
			return
		}
		size, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || size <= 0 {
			r.t.Errorf("a frame that is not octet-counted: %q", n)
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(br, msg); err != nil {
			return
		}
		m := sdSeq.FindSubmatch(msg)
		if m == nil {
			m = cefSeq.FindSubmatch(msg)
		}
		if m == nil || !strings.HasPrefix(string(msg), "<110>1 ") {
			r.t.Errorf("a message without its sequence number and hash: %q", msg)
			continue
		}
		seq, _ := strconv.ParseInt(string(m[1]), 10, 64)
		r.mu.Lock()
		r.got = append(r.got, received{seq: seq, hash: string(m[2]), resent: strings.Contains(string(msg), `resent="true"`) || strings.Contains(string(msg), "cs5=true")})
		r.frames++
		r.mu.Unlock()
	}
}

func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor waits until the receiver has event seq.
func (r *receiver) waitFor(t *testing.T, seq int64) {
	t.Helper()
	for range 300 {
		for _, e := range r.events() {
			if e.seq == seq {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the receiver never got event %d (it has %d frames)", seq, len(r.events()))
}

// chainOf reads every event's hash from the database.
func chainOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT seq, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	hashes := []string{""}
	for rows.Next() {
		var seq int64
		var h string
		rows.Scan(&seq, &h)
		if seq != int64(len(hashes)) {
			t.Fatalf("the chain skips to %d", seq)
		}
		hashes = append(hashes, h)
	}
	return hashes
}

// checkOnce checks that the receiver got the events from..to of chain,
// each with its hash, first arrivals in order, and nothing twice unless
// marked resent; strict also refuses any resent event at all.
func checkOnce(t *testing.T, got []received, chain []string, from, to int64, strict bool) {
	t.Helper()
	seen := map[int64]bool{}
	next := from
	for _, e := range got {
		if e.seq < from || e.seq > to {
			t.Fatalf("event %d arrived, outside %d..%d", e.seq, from, to)
		}
		if e.hash != chain[e.seq] {
			t.Fatalf("event %d arrived with hash %s, the chain has %s", e.seq, e.hash, chain[e.seq])
		}
		if strict && e.resent {
			t.Fatalf("event %d was resent", e.seq)
		}
		if seen[e.seq] {
			if !e.resent {
				t.Fatalf("event %d arrived twice, the second time not marked resent", e.seq)
			}
			continue
		}
		if e.seq != next {
			t.Fatalf("event %d arrived where %d was due: a gap or the wrong order", e.seq, next)
		}
		seen[e.seq] = true
		next++
	}
	if next != to+1 {
		t.Fatalf("events %d..%d arrived, want up to %d", from, next-1, to)
	}
}

// TestAuditStreamToTCPAndTLS streams a demo database's chain with longhaul
// audit stream to a TCP receiver as syslog and to a TLS receiver (its
// self-signed certificate trusted through --audit-sink-ca) as CEF: each gets every
// event once, in order, with its sequence number and hash. A second run
// resumes where the first ended and sends nothing; --from-seq sends again
// from an event.
func TestAuditStreamToTCPAndTLS(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			url, db := demoDB(t, name, dsn(t))
			chain := chainOf(t, db)
			head := int64(len(chain) - 1)

			tcp := newReceiver(t, nil)
			r := run(t, nil, "", "audit", "stream", "--db", url, "--to", "tcp://"+tcp.addr, "--format", "syslog")
			if r.code != 0 || !strings.Contains(r.out, fmt.Sprintf("Sent %d audit events", head)) {
				t.Fatalf("stream: %+v", r)
			}
			tcp.waitFor(t, head)
			checkOnce(t, tcp.events(), chain, 1, head, true)
			r = run(t, nil, "", "audit", "stream", "--db", url, "--to", "tcp://"+tcp.addr)
			if r.code != 0 || !strings.Contains(r.out, "Sent 0 audit events") || !strings.Contains(r.out, fmt.Sprintf("every event up to %d", head)) {
				t.Fatalf("a second stream must resume after the last event: %+v", r)
			}
			r = run(t, nil, "", "audit", "stream", "--db", url, "--to", "tcp://"+tcp.addr, "--from-seq", strconv.FormatInt(head-4, 10))
			if r.code != 0 || !strings.Contains(r.out, "Sent 5 audit events") {
				t.Fatalf("--from-seq: %+v", r)
			}

			dir := t.TempDir()
			certFile, keyFile := selfSigned(t, dir)
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			tlsRecv := newReceiver(t, &tls.Config{Certificates: []tls.Certificate{cert}})
			if r := run(t, nil, "", "audit", "stream", "--db", url, "--to", "tls://"+tlsRecv.addr, "--format", "cef"); r.code == 0 {
				t.Fatalf("a TLS receiver whose certificate is not trusted: %+v", r)
			}
			// Not trusted: it was never reached, so nothing is lost.
			r = run(t, nil, "", "audit", "stream", "--db", url, "--to", "tls://"+tlsRecv.addr, "--format", "cef", "--audit-sink-ca", certFile)
			if r.code != 0 || !strings.Contains(r.out, fmt.Sprintf("Sent %d audit events", head)) {
				t.Fatalf("stream over TLS: %+v", r)
			}
			tlsRecv.waitFor(t, head)
			checkOnce(t, tlsRecv.events(), chain, 1, head, true)
		})
	}
}

// TestAuditStreamCAFlag gives audit stream its CA file in each of the ways
// it takes one, the file missing, and checks which file it tried to read:
// --audit-sink-ca or LONGHAUL_AUDIT_SINK_CA as for serve, its former name
// --ca, which on the command line wins over the variable, and LONGHAUL_CA
// only without either.
func TestAuditStreamCAFlag(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	if r := run(t, nil, "", "migrate", "--db", db); r.code != 0 {
		t.Fatal(r)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"the flag", []string{"--audit-sink-ca", "/missing/flag.pem"}, nil, "/missing/flag.pem"},
		{"its variable", nil, map[string]string{"LONGHAUL_AUDIT_SINK_CA": "/missing/var.pem"}, "/missing/var.pem"},
		{"the former flag", []string{"--ca", "/missing/former.pem"}, nil, "/missing/former.pem"},
		{"the former flag over the variable", []string{"--ca", "/missing/former.pem"}, map[string]string{"LONGHAUL_AUDIT_SINK_CA": "/missing/var.pem"}, "/missing/former.pem"},
		{"the flag over the former variable", []string{"--audit-sink-ca", "/missing/flag.pem"}, map[string]string{"LONGHAUL_CA": "/missing/formervar.pem"}, "/missing/flag.pem"},
		{"the variable over the former variable", nil, map[string]string{"LONGHAUL_AUDIT_SINK_CA": "/missing/var.pem", "LONGHAUL_CA": "/missing/formervar.pem"}, "/missing/var.pem"},
		{"the former variable alone", nil, map[string]string{"LONGHAUL_CA": "/missing/formervar.pem"}, "/missing/formervar.pem"},
		{"both flags", []string{"--audit-sink-ca", "/missing/flag.pem", "--ca", "/missing/former.pem"}, nil, "not both"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"audit", "stream", "--db", db, "--to", "tls://127.0.0.1:6514"}, c.args...)
			if r := run(t, c.env, "", args...); r.code == 0 || !strings.Contains(r.err, c.want) {
				t.Fatalf("want an error naming %s: %+v", c.want, r)
			}
		})
	}
}

// TestServeAuditSink runs serve with an audit sink: events written while
// it runs arrive; after a restart it resumes with the next event, sending
// none twice; while the receiver is down, changes go on, and once it is up
// again every event arrives (any sent twice marked resent).
func TestServeAuditSink(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "l.db")
	recv := newReceiver(t, nil)
	sink := "tcp://" + recv.addr
	addUser := func(name string) {
		t.Helper()
		if r := run(t, nil, "", "user", "add", "--db", db, "--name", name, "--nation", "DEU", "--role", "analyst", "--clearance", "NATO RESTRICTED"); r.code != 0 {
			t.Fatalf("user add: %+v", r)
		}
	}
	head := func() (int64, []string) {
		t.Helper()
		c, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		chain := chainOf(t, c)
		return int64(len(chain) - 1), chain
	}

	stop, _, errs := startServe(t, "--db", db, "--audit-sink", sink)
	addUser("sink-a")
	n, _ := head()
	recv.waitFor(t, n)
	if code := stop(); code != 0 {
		t.Fatalf("serve: %d %s", code, errs)
	}
	addUser("sink-b") // written while serve is stopped
	addUser("sink-c")
	stop, _, errs = startServe(t, "--db", db, "--audit-sink", sink)
	n, chain := head()
	recv.waitFor(t, n)
	checkOnce(t, recv.events(), chain, 1, n, true)

	// The receiver goes away; the server goes on writing; it comes back.
	recv.down()
	addUser("sink-d")
	addUser("sink-e")
	time.Sleep(300 * time.Millisecond)
	recv.up()
	addUser("sink-f")
	n, chain = head()
	recv.waitFor(t, n)
	if code := stop(); code != 0 {
		t.Fatalf("serve: %d %s", code, errs)
	}
	checkOnce(t, recv.events(), chain, 1, n, false)
	if !strings.Contains(errs.String(), "audit sink") {
		t.Errorf("the receiver's absence was not logged:\n%s", errs)
	}
}
