package audit

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"time"
)

// Source gives the committed events after a sequence number, in order.
type Source interface {
	EventsAfter(ctx context.Context, seq int64, limit int) ([]Event, error)
}

// Positions keeps, durably, how far each sink has got.
type Positions interface {
	SinkPosition(ctx context.Context, name string) (Position, error)
	// SetSinkPosition records that the receiver has every event up to seq.
	SetSinkPosition(ctx context.Context, name string, seq int64) error
	// SetSinkSentTo records, before a batch goes, that the sink is about
	// to write every event up to seq.
	SetSinkSentTo(ctx context.Context, name string, seq int64) error
}

// Position is how far a sink has got.
type Position struct {
	// Delivered is the last event the receiver is known to have: the sink
	// resumes after it.
	Delivered int64
	// SentTo is the last event ever written to the receiver, delivered or
	// not: one up to it that goes again is marked resent.
	SentTo int64
}

// keepEvery is how often, at most, a sink that keeps sending saves its
// position: a busy server counts batches as delivered all the time, and a
// crash sends again, marked resent, only what it had not saved.
const keepEvery = time.Second

// A Link is one connection to a receiver.
type Link interface {
	// Write sends b, giving up when ctx ends.
	Write(ctx context.Context, b []byte) error
	// Alive reports whether the receiver is still there as far as can be
	// told: a receiver that closed the connection is not.
	Alive() bool
	Close() error
}

// Transport opens links to one receiver.
type Transport interface {
	Open(ctx context.Context) (Link, error)
	// Stream says whether the link is a byte stream (octet-counted
	// syslog) rather than a file (a message a line).
	Stream() bool
	// Grace is how long after a write the link must stay alive before what
	// was written counts as delivered: a stream has no receipts, and a
	// receiver that goes away takes what it had not read with it.
	Grace() time.Duration
}

// Sink sends the audit events to a receiver in order, after they are
// committed, and keeps how far it has got in Positions under Name, so that
// it resumes there after a restart. It never holds up a change: it reads
// the chain after the fact. A receiver that is down delays it; it retries
// with a backoff and says so in the log. Events written to a link that
// then broke before they counted as delivered are sent again, marked as
// resent, since the receiver may or may not have them; so are those a run
// that stopped or crashed had written beyond its kept position, since it
// records, before each batch, the last event it is about to write.
type Sink struct {
	Name      string
	Source    Source
	Positions Positions
	Transport Transport
	Format    string
	Origin    Origin
	// From, when positive, is the first event to send, whatever the kept
	// position says.
	From int64
	// Follow keeps the sink running for new events; without it, Run
	// returns once every event committed is delivered.
	Follow bool
	// Poll is how often a following sink looks for new events; Batch is
	// how many events it sends at once; MaxBackoff caps the wait between
	// attempts to reach the receiver.
	Poll, MaxBackoff time.Duration
	Batch            int
	Log              *slog.Logger
	// Sent counts the events sent, resent ones included.
	Sent atomic.Int64
}

// Run sends events until ctx ends (or, without Follow, until every event
// is delivered). It returns nil when it stops with ctx or is done, and an
// error when it cannot read the chain or keep its position, or, without
// Follow, when three attempts in a row cannot reach the receiver.
func (s *Sink) Run(ctx context.Context) (err error) {
	poll, maxBackoff, batch := s.Poll, s.MaxBackoff, s.Batch
	if poll <= 0 {
		poll = time.Second
	}
	if maxBackoff <= 0 {
		maxBackoff = 30 * time.Second
	}
	if batch <= 0 {
		batch = 256
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	grace := s.Transport.Grace()
	at, err := s.Positions.SinkPosition(ctx, s.Name)
	if err != nil {
		return fmt.Errorf("audit sink %s: read its position: %w", s.Name, err)
	}
	// pos is the position kept; delivered, what counts as delivered, is
	// kept once no batch waits for its grace, at least every keepEvery
	// while they keep coming, and when Run returns.
	pos := at.Delivered
	if s.From > 0 {
		pos = s.From - 1
	}
	delivered := pos
	var kept time.Time
	confirm := func(seq int64) error {
		if seq == pos {
			return nil
		}
		if err := s.Positions.SetSinkPosition(context.WithoutCancel(ctx), s.Name, seq); err != nil {
			return fmt.Errorf("audit sink %s: keep its position: %w", s.Name, err)
		}
		pos, kept = seq, time.Now()
		return nil
	}
	defer func() {
		if kerr := confirm(delivered); err == nil {
			err = kerr
		}
	}()
	var link Link
	defer func() {
		if link != nil {
			link.Close()
		}
	}()
	// Every event up to maxSent may have reached the receiver already, in
	// this run or in one that ended, or crashed, before it counted as
	// delivered.
	sent, maxSent := delivered, max(at.Delivered, at.SentTo)
	// pending are the batches written on the link that have not yet stayed
	// up for the grace, by their last event.
	type written struct {
		seq int64
		at  time.Time
	}
	var pending []written
	var wrote time.Time
	backoff, failing, attempts := 100*time.Millisecond, false, 0
	wait := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		if ctx.Err() != nil {
			// What the receiver had time to take counts as delivered.
			if link != nil && sent > delivered && link.Alive() {
				time.Sleep(grace - time.Since(wrote))
				if link.Alive() {
					delivered = sent
				}
			}
			return nil
		}
		if link == nil {
			l, err := s.Transport.Open(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if attempts++; !s.Follow && attempts >= 3 {
					return fmt.Errorf("audit sink %s: the receiver is not reachable: %w", s.Name, err)
				}
				log.WarnContext(ctx, "audit sink: the receiver is not reachable; retrying", "sink", s.Name, "err", err, "retry_in", backoff.String(), "delivered_to", delivered)
				failing = true
				if !wait(backoff) {
					return nil
				}
				backoff = min(backoff*2, maxBackoff)
				continue
			}
			if failing {
				log.InfoContext(ctx, "audit sink: the receiver is back", "sink", s.Name, "resume_after", delivered)
			}
			link, failing, backoff, sent, attempts, pending = l, false, 100*time.Millisecond, delivered, 0, nil
		}
		// A receiver that went away gets nothing more on the old link.
		if !link.Alive() {
			log.WarnContext(ctx, "audit sink: the receiver closed the connection; sending again from the last event delivered", "sink", s.Name, "delivered_to", delivered, "sent_to", sent)
			link.Close()
			link = nil
			continue
		}
		now := time.Now()
		for len(pending) > 0 && now.Sub(pending[0].at) >= grace {
			delivered, pending = pending[0].seq, pending[1:]
		}
		if delivered > pos && (len(pending) == 0 || now.Sub(kept) >= keepEvery) {
			if err := confirm(delivered); err != nil {
				return err
			}
		}
		events, err := s.Source.EventsAfter(ctx, sent, batch)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("audit sink %s: read events after %d: %w", s.Name, sent, err)
		}
		if len(events) == 0 {
			if !s.Follow && sent == delivered {
				return nil
			}
			d := poll
			if sent > delivered {
				d = min(poll, grace+10*time.Millisecond)
			}
			wait(d) // the loop's first check ends it when ctx ends
			continue
		}
		var buf []byte
		for _, e := range events {
			buf = append(buf, Frame(s.Format, e, s.Origin, e.Seq <= maxSent, s.Transport.Stream())...)
		}
		last := events[len(events)-1].Seq
		if last > maxSent {
			if err := s.Positions.SetSinkSentTo(context.WithoutCancel(ctx), s.Name, last); err != nil {
				return fmt.Errorf("audit sink %s: keep what it sends: %w", s.Name, err)
			}
			maxSent = last
		}
		if err := link.Write(ctx, buf); err != nil {
			link.Close()
			link = nil
			if ctx.Err() != nil {
				log.WarnContext(ctx, "audit sink: stopped before the receiver took the last batch; it goes again, marked resent", "sink", s.Name, "delivered_to", delivered, "sent_to", last)
				return nil
			}
			log.WarnContext(ctx, "audit sink: sending failed; reconnecting", "sink", s.Name, "err", err, "delivered_to", delivered)
			failing = true
			if !wait(backoff) {
				return nil
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		s.Sent.Add(int64(len(events)))
		sent, wrote = last, time.Now()
		pending = append(pending, written{sent, wrote})
	}
}

// NewTransport returns the transport for a sink address: tcp://HOST:PORT
// and tls://HOST:PORT (syslog over TCP, RFC 6587, or TLS, RFC 5425), or
// file:///PATH (appended, synced after every batch). tlsConf configures a
// TLS link (its RootCAs, for a private CA); nil uses the system's roots.
func NewTransport(addr string, tlsConf *tls.Config) (Transport, error) {
	u, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("audit sink %q: %v", addr, err)
	}
	switch u.Scheme {
	case "tcp", "tls":
		if u.Host == "" || u.Port() == "" {
			return nil, fmt.Errorf("audit sink %q: give a host and port, e.g. %s://siem.example:%s", addr, u.Scheme, map[string]string{"tcp": "514", "tls": "6514"}[u.Scheme])
		}
		t := &netTransport{addr: u.Host}
		if u.Scheme == "tls" {
			c := &tls.Config{MinVersion: tls.VersionTLS12}
			if tlsConf != nil {
				c = tlsConf.Clone()
			}
			if c.ServerName == "" {
				c.ServerName = u.Hostname()
			}
			t.tls = c
		}
		return t, nil
	case "file":
		if u.Path == "" {
			return nil, fmt.Errorf("audit sink %q: give a path, e.g. file:///var/log/longhaul/audit.jsonl", addr)
		}
		return fileTransport{path: u.Path}, nil
	}
	return nil, fmt.Errorf("audit sink %q: use tcp://HOST:PORT, tls://HOST:PORT or file:///PATH", addr)
}

type netTransport struct {
	addr string
	tls  *tls.Config
}

func (t *netTransport) Stream() bool         { return true }
func (t *netTransport) Grace() time.Duration { return 200 * time.Millisecond }

func (t *netTransport) Open(ctx context.Context) (Link, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	var c net.Conn
	var err error
	if t.tls != nil {
		c, err = (&tls.Dialer{NetDialer: d, Config: t.tls}).DialContext(ctx, "tcp", t.addr)
	} else {
		c, err = d.DialContext(ctx, "tcp", t.addr)
	}
	if err != nil {
		return nil, err
	}
	l := &netLink{c: c, closed: make(chan struct{})}
	// A syslog receiver sends nothing: a read that ends means it is gone.
	go func() {
		io.Copy(io.Discard, c)
		close(l.closed)
	}()
	return l, nil
}

type netLink struct {
	c      net.Conn
	closed chan struct{}
}

// Write gives a receiver that stops reading 30 s, or until ctx ends if
// that is sooner: the end of ctx closes the connection under the write, so
// that a stalled receiver never holds up a shutdown.
func (l *netLink) Write(ctx context.Context, b []byte) error {
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	l.c.SetWriteDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { l.c.Close() })
	defer stop()
	_, err := l.c.Write(b)
	return err
}

func (l *netLink) Alive() bool {
	select {
	case <-l.closed:
		return false
	default:
		return true
	}
}

func (l *netLink) Close() error { return l.c.Close() }

type fileTransport struct{ path string }

func (fileTransport) Stream() bool         { return false }
func (fileTransport) Grace() time.Duration { return 0 }

func (t fileTransport) Open(ctx context.Context) (Link, error) {
	f, err := os.OpenFile(t.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return fileLink{f}, nil
}

type fileLink struct{ f *os.File }

func (l fileLink) Write(_ context.Context, b []byte) error {
	if _, err := l.f.Write(b); err != nil {
		return err
	}
	return l.f.Sync()
}
func (fileLink) Alive() bool    { return true }
func (l fileLink) Close() error { return l.f.Close() }
