package audit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

// fakeChain is a chain of n events and the kept positions, in memory.
type fakeChain struct {
	mu     sync.Mutex
	events []audit.Event
	pos    map[string]audit.Position
}

func (c *fakeChain) EventsAfter(_ context.Context, seq int64, limit int) ([]audit.Event, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []audit.Event
	for _, e := range c.events {
		if e.Seq > seq && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}
func (c *fakeChain) SinkPosition(_ context.Context, name string) (audit.Position, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[name], nil
}
func (c *fakeChain) SetSinkPosition(_ context.Context, name string, seq int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pos[name]
	p.Delivered = seq
	c.pos[name] = p
	return nil
}
func (c *fakeChain) SetSinkSentTo(_ context.Context, name string, seq int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pos[name]
	p.SentTo = max(p.SentTo, seq)
	c.pos[name] = p
	return nil
}

// position returns the kept position of the sink name.
func (c *fakeChain) position(name string) audit.Position {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[name]
}

// newChain returns a chain of n events and no kept positions.
func newChain(n int64) *fakeChain {
	c := &fakeChain{pos: map[string]audit.Position{}}
	for i := int64(1); i <= n; i++ {
		e := sample()
		e.Seq = i
		c.events = append(c.events, e)
	}
	return c
}

// fakeTransport keeps what each link received; the receiver goes away
// after dropAfter writes to a link (that write lost), and refuses downFor
// connections after that. Each write takes delay and then calls onWrite,
// if set, with the number of writes so far; a write counts as delivered
// after grace.
type fakeTransport struct {
	mu        sync.Mutex
	got       bytes.Buffer
	writes    int
	dropAfter int
	downFor   int
	delay     time.Duration
	grace     time.Duration
	onWrite   func(n int)
}

type fakeLink struct {
	t    *fakeTransport
	dead bool
}

func (t *fakeTransport) Stream() bool         { return false }
func (t *fakeTransport) Grace() time.Duration { return t.grace }
func (t *fakeTransport) Open(context.Context) (audit.Link, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.downFor > 0 {
		t.downFor--
		return nil, errors.New("connection refused")
	}
	return &fakeLink{t: t}, nil
}
func (l *fakeLink) Write(_ context.Context, b []byte) error {
	time.Sleep(l.t.delay)
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	l.t.writes++
	if l.t.writes == l.t.dropAfter {
		l.dead = true // the write seemed to go, but the receiver was gone
		l.t.downFor = 2
		return nil
	}
	l.t.got.Write(b)
	if l.t.onWrite != nil {
		l.t.onWrite(l.t.writes)
	}
	return nil
}
func (l *fakeLink) Alive() bool  { l.t.mu.Lock(); defer l.t.mu.Unlock(); return !l.dead }
func (l *fakeLink) Close() error { return nil }

func (t *fakeTransport) received() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.got.String()
}

var jsonSeq = regexp.MustCompile(`"seq":(\d+).*?("resent":true)?}\n`)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestSinkLosesNothing runs a sink whose receiver vanishes after taking a
// batch, losing the next one, and refuses two connections: every event
// arrives, in order of first arrival, those sent again marked resent, and
// the kept position ends at the last event; a second run sends nothing.
func TestSinkLosesNothing(t *testing.T) {
	chain := newChain(25)
	tr := &fakeTransport{dropAfter: 2}
	s := &audit.Sink{Name: "siem", Source: chain, Positions: chain, Transport: tr, Format: audit.FormatJSON, Batch: 10,
		Poll: time.Millisecond, MaxBackoff: time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := int64(1)
	seen := map[int64]bool{}
	for _, m := range jsonSeq.FindAllStringSubmatch(tr.got.String(), -1) {
		seq, _ := strconv.ParseInt(m[1], 10, 64)
		if seen[seq] {
			if m[2] == "" {
				t.Fatalf("event %d arrived twice, unmarked", seq)
			}
			continue
		}
		if seq != next {
			t.Fatalf("event %d arrived where %d was due", seq, next)
		}
		seen[seq] = true
		next++
	}
	if next != 26 || chain.position("siem").Delivered != 25 {
		t.Fatalf("delivered up to %d, position %d, want 25", next-1, chain.position("siem").Delivered)
	}
	before := tr.got.Len()
	s2 := &audit.Sink{Name: "siem", Source: chain, Positions: chain, Transport: tr, Format: audit.FormatJSON}
	if err := s2.Run(context.Background()); err != nil || tr.got.Len() != before || s2.Sent.Load() != 0 {
		t.Fatalf("a second run sent %d events (%v)", s2.Sent.Load(), err)
	}
}

// TestSinkMarksWhatACrashLeftUnconfirmed stops a sink as a crash would, its
// kept state being what it had written to its store the moment its
// receiver took the first batch, before that batch counted as delivered:
// the next run sends that batch again, every event of it marked resent,
// and the rest once, unmarked.
func TestSinkMarksWhatACrashLeftUnconfirmed(t *testing.T) {
	chain := newChain(25)
	ctx, crash := context.WithCancel(context.Background())
	var durable audit.Position
	tr := &fakeTransport{onWrite: func(n int) {
		if n == 1 {
			durable = chain.position("siem")
			crash()
		}
	}}
	s := &audit.Sink{Name: "siem", Source: chain, Positions: chain, Transport: tr, Format: audit.FormatJSON, Batch: 10,
		Follow: true, Poll: time.Millisecond, MaxBackoff: time.Millisecond, Log: quiet}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if durable.Delivered != 0 {
		t.Fatalf("the position was %d when the receiver took the first batch, before it counted as delivered", durable.Delivered)
	}

	after := &fakeChain{events: chain.events, pos: map[string]audit.Position{"siem": durable}}
	tr2 := &fakeTransport{}
	s2 := &audit.Sink{Name: "siem", Source: after, Positions: after, Transport: tr2, Format: audit.FormatJSON, Batch: 10, Log: quiet}
	if err := s2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := int64(1)
	for _, m := range jsonSeq.FindAllStringSubmatch(tr2.received(), -1) {
		seq, _ := strconv.ParseInt(m[1], 10, 64)
		if seq != next {
			t.Fatalf("event %d arrived where %d was due", seq, next)
		}
		if resent := m[2] != ""; resent != (seq <= 10) {
			t.Errorf("event %d: resent %v, want %v (the crash came after events 1..10 were written)", seq, resent, seq <= 10)
		}
		next++
	}
	if next != 26 || after.position("siem").Delivered != 25 {
		t.Fatalf("the run after the crash delivered up to %d, position %d, want 25", next-1, after.position("siem").Delivered)
	}
}

// growingChain has new events whenever it is asked: a busy server.
type growingChain struct{ *fakeChain }

func (c growingChain) EventsAfter(ctx context.Context, seq int64, limit int) ([]audit.Event, error) {
	c.mu.Lock()
	for range 5 {
		e := sample()
		e.Seq = int64(len(c.events) + 1)
		c.events = append(c.events, e)
	}
	c.mu.Unlock()
	return c.fakeChain.EventsAfter(ctx, seq, limit)
}

// TestSinkKeepsItsPositionUnderSteadyLoad sends to a receiver that is
// written to every few milliseconds, far more often than the grace after
// which a write counts as delivered: the kept position still advances
// while the writes go on, at least twice, and at most about once a second.
func TestSinkKeepsItsPositionUnderSteadyLoad(t *testing.T) {
	chain := growingChain{newChain(0)}
	var saves []int64
	tr := &fakeTransport{delay: 2 * time.Millisecond, grace: 50 * time.Millisecond}
	s := &audit.Sink{Name: "siem", Source: chain, Positions: &countingPositions{chain.fakeChain, &saves}, Transport: tr,
		Format: audit.FormatJSON, Follow: true, Poll: time.Millisecond, Log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	start := time.Now()
	var moves []int64
	for time.Since(start) < 5*time.Second && len(moves) < 2 {
		if p := chain.position("siem").Delivered; p > 0 && (len(moves) == 0 || p > moves[len(moves)-1]) {
			moves = append(moves, p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sent := s.Sent.Load()
	took := time.Since(start)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(moves) < 2 {
		t.Fatalf("after %v and %d events sent, the kept position moved %d times: %v", took, sent, len(moves), moves)
	}
	if n := len(saves); n > int(took/time.Second)+3 {
		t.Errorf("the position was kept %d times in %v", n, took)
	}
}

// countingPositions records each position kept.
type countingPositions struct {
	*fakeChain
	saves *[]int64
}

func (p *countingPositions) SetSinkPosition(ctx context.Context, name string, seq int64) error {
	p.mu.Lock()
	*p.saves = append(*p.saves, seq)
	p.mu.Unlock()
	return p.fakeChain.SetSinkPosition(ctx, name, seq)
}

// TestSinkStopsOnAStalledReceiver sends to a real TCP receiver that takes
// the connection and never reads: a batch far larger than the buffers
// between them holds the write, and the end of the sink's context, by
// cancel or by deadline, ends it within a few seconds, not the write's own
// 30 s. Nothing counts as delivered, and the batch is marked as written,
// so that it goes again marked resent.
func TestSinkStopsOnAStalledReceiver(t *testing.T) {
	for _, c := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		// end ends ctx once the write has begun, or leaves it to its
		// deadline.
		end func(stop context.CancelFunc)
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			func(stop context.CancelFunc) { time.Sleep(100 * time.Millisecond); stop() }},
		{"past its deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Second)
		},
			func(context.CancelFunc) {}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				conn.(*net.TCPConn).SetReadBuffer(4096)
				accepted <- conn // and never read
			}()
			chain := newChain(64)
			for i := range chain.events {
				chain.events[i].After = `{"note":"` + strings.Repeat("x", 256<<10) + `"}` // 16 MiB in all
			}
			tr, err := audit.NewTransport("tcp://"+ln.Addr().String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			s := &audit.Sink{Name: "siem", Source: chain, Positions: chain, Transport: tr, Format: audit.FormatSyslog,
				Batch: 64, Follow: true, Log: quiet}
			ctx, stop := c.ctx()
			defer stop()
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			select {
			case conn := <-accepted:
				defer conn.Close()
			case <-time.After(5 * time.Second):
				t.Fatal("the sink never connected")
			}
			for chain.position("siem").SentTo == 0 { // until the write begins
				if ctx.Err() != nil {
					t.Fatal("the context ended before the sink began to write")
				}
				time.Sleep(time.Millisecond)
			}
			c.end(stop)
			<-ctx.Done()
			stopped := time.Now()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5*time.Second - time.Since(stopped)):
				t.Fatal("the sink was still writing to a stalled receiver 5 s after its context ended")
			}
			if p := chain.position("siem"); s.Sent.Load() != 0 || p != (audit.Position{SentTo: 64}) {
				t.Errorf("sent %d, position %+v; want nothing delivered and events up to 64 marked as written", s.Sent.Load(), p)
			}
		})
	}
}
