package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"sync"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

// Request is what a refusal records of the request refused: Route is the
// pattern of the route that matched ("GET /api/v1/users/{name}/factor"),
// or the method and path when none did; Path is the method and the path
// asked for; From is the client's address.
type Request struct {
	Route, Path, From string
}

// Refused records the refusal of a request, and why it was refused. The
// refusal of a signed-in user is written to the audit trail at once, in a
// transaction of its own, with the path they asked for. The refusal of
// someone not signed in costs no write: it is counted in memory, by its
// route rather than its path, and the counts reach the trail as one
// access.refused_summary event per interval (FlushRefusals), so that
// nobody without credentials can make the server write at the rate they
// send requests, or a line per path they invent. Either records at most
// maxRecorded characters of each value (bounded).
func (s *Service) Refused(ctx context.Context, req Request, reason string) error {
	if !IdentityFrom(ctx).SignedIn() {
		route := req.Route
		if route == "" {
			route = req.Path
		}
		s.tally().add(refusal{Action: "access.refused", Route: route, Reason: reason, From: req.From}, s.now())
		return nil
	}
	return s.Store.Transact(ctx, func(tx Tx) error {
		return tx.Audit(ctx, audit.Record{Action: "access.refused", Entity: "access", EntityID: bounded(req.Path),
			After: map[string]string{"reason": bounded(reason), "from": bounded(req.From)}})
	})
}

// maxRecorded is the most characters a refusal records of each value it
// is given: a name typed, a route or path asked for, a reason. Past it,
// the value is cut and a short hash of the whole is added, so that
// distinct values stay distinct lines of a summary while nobody makes a
// line, or an event, as large as what they send.
const maxRecorded = 64

// bounded returns s when it has at most maxRecorded characters, and
// otherwise its first maxRecorded, "…#" and the first 12 hex digits of
// the SHA-256 of the whole.
func bounded(s string) string {
	n := 0
	for i := range s {
		if n == maxRecorded {
			h := sha256.Sum256([]byte(s))
			return s[:i] + "…#" + hex.EncodeToString(h[:6])
		}
		n++
	}
	return s
}

// RefusalInterval is how often the counts of refusals of people not signed
// in are written to the audit trail: at most this much of them is lost if
// the server stops without shutting down.
const RefusalInterval = time.Minute

// refusal is what the summary counts: one kind of refusal from one address.
type refusal struct {
	Action  string `json:"action"`            // access.refused, session.signin_failed
	Route   string `json:"route,omitempty"`   // for access.refused
	Reason  string `json:"reason,omitempty"`  // for access.refused
	Subject string `json:"account,omitempty"` // the name typed, for session.signin_failed
	From    string `json:"from"`
}

// refusalCount is one line of a summary.
type refusalCount struct {
	refusal
	Count int64 `json:"count"`
}

// RefusalSummary is the After of an access.refused_summary event.
type RefusalSummary struct {
	From  time.Time      `json:"from"`  // the first refusal counted
	To    time.Time      `json:"to"`    // the last
	Total int64          `json:"total"` // every refusal counted
	Lines []refusalCount `json:"lines"` // by kind and address, most frequent first
	// Others counts the refusals past the most distinct lines a summary
	// keeps, so that invented names and addresses cost bounded memory.
	Others int64 `json:"others,omitempty"`
}

// maxRefusalLines is the most distinct lines one summary keeps.
const maxRefusalLines = 500

// refusalTally counts refusals between two flushes.
type refusalTally struct {
	mu     sync.Mutex
	counts map[refusal]int64
	others int64
	total  int64
	from   time.Time
	to     time.Time
}

// add counts one refusal at at, each of its values bounded.
func (t *refusalTally) add(r refusal, at time.Time) {
	r.Action, r.Route, r.Reason, r.Subject, r.From = bounded(r.Action), bounded(r.Route), bounded(r.Reason), bounded(r.Subject), bounded(r.From)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.addLocked(r, 1, at, at)
}

func (t *refusalTally) addLocked(r refusal, n int64, from, to time.Time) {
	if t.counts == nil {
		t.counts = map[refusal]int64{}
	}
	if _, ok := t.counts[r]; ok || len(t.counts) < maxRefusalLines {
		t.counts[r] += n
	} else {
		t.others += n
	}
	t.total += n
	if t.from.IsZero() || from.Before(t.from) {
		t.from = from
	}
	if to.After(t.to) {
		t.to = to
	}
}

// take empties the tally and returns what it held.
func (t *refusalTally) take() (RefusalSummary, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.total == 0 {
		return RefusalSummary{}, false
	}
	s := RefusalSummary{From: t.from, To: t.to, Total: t.total, Others: t.others}
	for r, n := range t.counts {
		s.Lines = append(s.Lines, refusalCount{r, n})
	}
	sort.Slice(s.Lines, func(i, j int) bool {
		a, b := s.Lines[i], s.Lines[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Action+a.Route+a.Reason+a.Subject+a.From < b.Action+b.Route+b.Reason+b.Subject+b.From
	})
	t.counts, t.others, t.total, t.from, t.to = nil, 0, 0, time.Time{}, time.Time{}
	return s, true
}

// putBack returns a summary that could not be written, so that its counts
// go out with the next one.
func (t *refusalTally) putBack(s RefusalSummary) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range s.Lines {
		t.addLocked(l.refusal, l.Count, s.From, s.To)
	}
	t.others += s.Others
	t.total += s.Others
}

func (s *Service) tally() *refusalTally {
	s.once.Do(func() { s.refusals, s.memory = &refusalTally{}, &MemoryThrottle{} })
	return s.refusals
}

// FlushRefusals writes the refusals counted since the last flush as one
// access.refused_summary event, and nothing when there were none. When the
// write fails, the counts are kept for the next flush.
func (s *Service) FlushRefusals(ctx context.Context) error {
	sum, ok := s.tally().take()
	if !ok {
		return nil
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		return tx.Audit(ctx, audit.Record{Action: "access.refused_summary", Entity: "access", EntityID: "summary", After: sum})
	})
	if err != nil {
		s.tally().putBack(sum)
	}
	return err
}

// KeepRefusals flushes the counted refusals every interval until ctx ends,
// and once more then, so that a server shutting down loses none. Errors
// go to report, if not nil.
func (s *Service) KeepRefusals(ctx context.Context, every time.Duration, report func(error)) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	flush := func(ctx context.Context) {
		if err := s.FlushRefusals(ctx); err != nil && report != nil {
			report(err)
		}
	}
	for {
		select {
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			flush(fctx)
			cancel()
			return
		}
	}
}

// RateLimited counts a request refused for being over its rate limit. Like
// the refusals of people not signed in, it costs no write of its own and
// reaches the audit trail in the next summary, with the account when the
// caller was signed in: otherwise the limit meant to spare the server
// would make it write once per request refused.
func (s *Service) RateLimited(ctx context.Context, route, from string) {
	s.tally().add(refusal{Action: "access.rate_limited", Route: route, Subject: IdentityFrom(ctx).Name, From: from}, s.now())
}
