package audit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

// fakeChain is a chain of n events and the kept positions, in memory.
type fakeChain struct {
	mu     sync.Mutex
	events []audit.Event
	pos    map[string]int64
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
func (c *fakeChain) SinkPosition(_ context.Context, name string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos[name], nil
}
func (c *fakeChain) SetSinkPosition(_ context.Context, name string, seq int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pos[name] = seq
	return nil
}

// fakeTransport keeps what each link received; the receiver goes away
// after dropAfter writes to a link (that write lost), and refuses downFor
// connections after that.
type fakeTransport struct {
	mu        sync.Mutex
	got       bytes.Buffer
	writes    int
	dropAfter int
	downFor   int
}

type fakeLink struct {
	t    *fakeTransport
	dead bool
}

func (t *fakeTransport) Stream() bool         { return false }
func (t *fakeTransport) Grace() time.Duration { return 0 }
func (t *fakeTransport) Open(context.Context) (audit.Link, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.downFor > 0 {
		t.downFor--
		return nil, errors.New("connection refused")
	}
	return &fakeLink{t: t}, nil
}
func (l *fakeLink) Write(b []byte) error {
	l.t.mu.Lock()
	defer l.t.mu.Unlock()
	l.t.writes++
	if l.t.writes == l.t.dropAfter {
		l.dead = true // the write seemed to go, but the receiver was gone
		l.t.downFor = 2
		return nil
	}
	l.t.got.Write(b)
	return nil
}
func (l *fakeLink) Alive() bool  { l.t.mu.Lock(); defer l.t.mu.Unlock(); return !l.dead }
func (l *fakeLink) Close() error { return nil }

var jsonSeq = regexp.MustCompile(`"seq":(\d+).*?("resent":true)?}\n`)

// TestSinkLosesNothing runs a sink whose receiver vanishes after taking a
// batch, losing the next one, and refuses two connections: every event
// arrives, in order of first arrival, those sent again marked resent, and
// the kept position ends at the last event; a second run sends nothing.
func TestSinkLosesNothing(t *testing.T) {
	chain := &fakeChain{pos: map[string]int64{}}
	for i := int64(1); i <= 25; i++ {
		e := sample()
		e.Seq = i
		chain.events = append(chain.events, e)
	}
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
	if next != 26 || chain.pos["siem"] != 25 {
		t.Fatalf("delivered up to %d, position %d, want 25", next-1, chain.pos["siem"])
	}
	before := tr.got.Len()
	s2 := &audit.Sink{Name: "siem", Source: chain, Positions: chain, Transport: tr, Format: audit.FormatJSON}
	if err := s2.Run(context.Background()); err != nil || tr.got.Len() != before || s2.Sent.Load() != 0 {
		t.Fatalf("a second run sent %d events (%v)", s2.Sent.Load(), err)
	}
}
