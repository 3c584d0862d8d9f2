package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Delivery is one event (or one daily digest) to one address, with its
// durable state: pending (due at NextAt), sending (claimed: an attempt is
// under way, or the process that claimed it died), sent, failed (out of
// attempts), held (waiting for the user's digest) or digested (gone into
// the digest DigestID).
type Delivery struct {
	ID         int64     `json:"id"`
	EventID    int64     `json:"event_id,omitempty"`
	Channel    string    `json:"channel"` // email, webhook or digest
	UserID     int64     `json:"-"`
	EndpointID int64     `json:"endpoint_id,omitempty"`
	Address    string    `json:"address"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	Uncertain  bool      `json:"uncertain"` // an attempt may have arrived: the next is a redelivery
	NextAt     time.Time `json:"next_at"`
	ClaimedAt  time.Time `json:"claimed_at,omitzero"`
	LastStatus int       `json:"last_status,omitempty"`
	LastError  string    `json:"last_error,omitempty"`
	SentAt     time.Time `json:"sent_at,omitzero"`
	DigestID   int64     `json:"digest_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// Kind and Title are the event's, for the delivery log.
	Kind  string `json:"kind,omitempty"`
	Title string `json:"title,omitempty"`
}

// Delivery channels and states.
const (
	Email    = "email"
	Webhook  = "webhook"
	DigestCh = "digest"

	Pending  = "pending"
	Sending  = "sending"
	Sent     = "sent"
	Failed   = "failed"
	Held     = "held"
	Digested = "digested"
)

// States lists the delivery states.
var States = []string{Pending, Sending, Sent, Failed, Held, Digested}

// Recipient is a user with settings.
type Recipient struct {
	User     access.User
	Settings Settings
}

// Outcome is what an attempt came to, as the store records it.
type Outcome struct {
	Delivery   int64
	At         time.Time
	State      string // sent, pending (to try again at NextAt) or failed
	NextAt     time.Time
	Status     int
	Err        string
	Redelivery bool // the attempt was marked a redelivery
	Uncertain  bool // this attempt, or one before, may have arrived
	// Address, when set, is where the attempt went: the recipient's
	// address as their settings say now.
	Address string
}

// Deliveries is what the worker needs of storage.
type Deliveries interface {
	// PendingEvents returns events not yet fanned out, oldest first.
	PendingEvents(ctx context.Context, limit int) ([]Event, error)
	Recipients(ctx context.Context) ([]Recipient, error)
	ActiveEndpoints(ctx context.Context) ([]Endpoint, error)
	UserByID(ctx context.Context, id int64) (access.User, error)
	// UserSettings returns a user's notification settings as they are
	// now, Version 0 when they have none.
	UserSettings(ctx context.Context, userID int64) (Settings, error)
	// MaySee reports whether the identity of ctx may read the record,
	// by the same rule its lists apply.
	MaySee(ctx context.Context, entity, id string) (bool, error)
	// FanOut writes an event's deliveries and marks it fanned out, at once.
	FanOut(ctx context.Context, event int64, ds []Delivery, now time.Time) error
	// GatherDigests puts each user's held deliveries of events before
	// before into one digest delivery, and says how many digests it made.
	GatherDigests(ctx context.Context, before, now time.Time) (int, error)
	// DueDeliveries returns pending deliveries due at now and those
	// claimed before stale, oldest first.
	DueDeliveries(ctx context.Context, now, stale time.Time, limit int) ([]Delivery, error)
	// Claim marks d sending at now if it is still as read; false when
	// another worker took it.
	Claim(ctx context.Context, d Delivery, now time.Time) (bool, error)
	Finish(ctx context.Context, o Outcome) error
	Event(ctx context.Context, id int64) (Event, error)
	DigestEvents(ctx context.Context, digest int64) ([]Event, error)
	EndpointByID(ctx context.Context, id int64) (Endpoint, error)
}

// Mail is one e-mail to send, its subject and body in UTF-8. ID is the
// same on every attempt of one delivery (it becomes the Message-ID), so a
// redelivered mail can be told from a new one; a redelivery's body says
// so in its first line. Language is the code of the language it is
// written in.
type Mail struct {
	ID         string
	To         string
	Subject    string
	Body       string
	Language   string
	Redelivery bool
}

// Hook is one webhook post.
type Hook struct {
	ID         string // the delivery's id, the same on every attempt
	URL        string
	Secret     string
	Body       []byte
	Redelivery bool
}

// Result is what a sender says of an attempt. Unknown means it cannot
// tell whether the message arrived (the connection broke after it was
// handed over).
type Result struct {
	OK      bool
	Status  int
	Err     string
	Unknown bool
	// Withheld says nothing was sent: the reader may no longer see it,
	// or no longer asks for it.
	Withheld bool
	// Held says nothing was sent: the reader asks for a daily digest
	// now, and the delivery waits for it.
	Held bool
}

// withhold is the outcome of a delivery not sent, and why.
func withhold(why string) Result { return Result{Withheld: true, Err: "withheld: " + why} }

// The reasons a delivery is withheld at its send.
var (
	withheld    = withhold("the recipient may no longer see its record")
	noAddress   = withhold("the recipient's settings give no e-mail address now")
	notAskedFor = withhold("the recipient's settings no longer ask for this event")
	heldBack    = Result{Held: true, Err: "held for the daily digest: the recipient's settings ask for one now"}
)

// Mailer sends e-mail; Poster posts webhooks.
type Mailer interface {
	Send(ctx context.Context, m Mail) Result
}

// Poster posts a webhook.
type Poster interface {
	Post(ctx context.Context, h Hook) Result
}

// Worker delivers the outbox: each pass fans the new events out to their
// recipients, gathers the digests of the day before, and sends what is due.
type Worker struct {
	Store   Deliveries
	Mail    Mailer // nil: e-mails wait until a mail server is set
	Hooks   Poster
	BaseURL string // the server's address, for the links
	Now     func() time.Time
	Log     *slog.Logger
	// Lease is how long a claimed delivery may take before it is taken
	// again as not proven sent; MaxAttempts how many attempts a delivery
	// gets before it fails; Backoff the wait after the first failure,
	// doubled after each.
	Lease       time.Duration
	MaxAttempts int
	Backoff     time.Duration
}

// PassResult says what a pass did.
type PassResult struct {
	Fanned, Deliveries, Digests, Sent, Retried, Failed int
	// Withheld counts the deliveries not sent because their reader may
	// no longer see what they tell of, or no longer asks for it; Held
	// those put back for the reader's daily digest.
	Withheld, Held int
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// Pass runs one pass.
func (w *Worker) Pass(ctx context.Context) (PassResult, error) {
	var r PassResult
	if err := w.fanOut(ctx, &r); err != nil {
		return r, fmt.Errorf("fan out: %w", err)
	}
	now := w.now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	n, err := w.Store.GatherDigests(ctx, day, now)
	if err != nil {
		return r, fmt.Errorf("gather digests: %w", err)
	}
	r.Digests = n
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	for {
		due, err := w.Store.DueDeliveries(ctx, now, now.Add(-lease), 100)
		if err != nil {
			return r, fmt.Errorf("due deliveries: %w", err)
		}
		if len(due) == 0 {
			return r, nil
		}
		progress := false
		for _, d := range due {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			done, err := w.deliver(ctx, d, now, &r)
			if err != nil {
				return r, err
			}
			progress = progress || done
		}
		if !progress || len(due) < 100 {
			return r, nil
		}
	}
}

// Recipients works out who receives ev: the users who ask for its kind,
// may by their role, have an address and may see its record; and the
// active endpoints that ask for it and whose user may see the record.
func (w *Worker) recipients(ctx context.Context, ev Event) ([]Delivery, error) {
	kind, ok := KindOf(ev.Kind)
	if !ok {
		return nil, nil
	}
	now := w.now()
	var out []Delivery
	rs, err := w.Store.Recipients(ctx)
	if err != nil {
		return nil, err
	}
	for _, rc := range rs {
		if rc.User.Disabled || rc.Settings.Email == "" || !rc.Settings.Wants(ev.Kind) {
			continue
		}
		if ok, err := w.maySee(ctx, rc.User, kind, ev); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		st := Pending
		if rc.Settings.Mode == Digest {
			st = Held
		}
		out = append(out, Delivery{EventID: ev.ID, Channel: Email, UserID: rc.User.ID, Address: rc.Settings.Email, State: st, NextAt: now, CreatedAt: now})
	}
	eps, err := w.Store.ActiveEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range eps {
		if !slices.Contains(e.Events, ev.Kind) {
			continue
		}
		u, err := w.Store.UserByID(ctx, e.AsUser)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			continue
		}
		if ok, err := w.maySee(ctx, u, kind, ev); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		out = append(out, Delivery{EventID: ev.ID, Channel: Webhook, EndpointID: e.ID, Address: e.URL, State: Pending, NextAt: now, CreatedAt: now})
	}
	return out, nil
}

// stillSees reports whether the user reader, as they are now, may see
// what ev tells of: a role, clearance or nation taken away, an account
// disabled, or a record marked higher since the fan-out holds it back.
func (w *Worker) stillSees(ctx context.Context, reader int64, ev Event) (bool, error) {
	kind, ok := KindOf(ev.Kind)
	if !ok {
		return false, nil
	}
	u, err := w.Store.UserByID(ctx, reader)
	if fault.Code(err) == fault.NotFound {
		return false, nil
	}
	if err != nil || u.Disabled {
		return false, err
	}
	return w.maySee(ctx, u, kind, ev)
}

func (w *Worker) maySee(ctx context.Context, u access.User, k Kind, ev Event) (bool, error) {
	id := u.Identity("notify")
	if !access.Allowed(id, k.Perm) {
		return false, nil
	}
	return w.Store.MaySee(access.WithIdentity(ctx, id), ev.Entity, ev.EntityID)
}

func (w *Worker) fanOut(ctx context.Context, r *PassResult) error {
	for {
		evs, err := w.Store.PendingEvents(ctx, 100)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ds, err := w.recipients(ctx, ev)
			if err != nil {
				return err
			}
			if err := w.Store.FanOut(ctx, ev.ID, ds, w.now()); fault.Code(err) == fault.Conflict {
				continue // another worker fanned it out
			} else if err != nil {
				return err
			}
			r.Fanned++
			r.Deliveries += len(ds)
		}
		if len(evs) < 100 {
			return nil
		}
	}
}

// deliver makes one attempt at d. A delivery found claimed (its lease
// passed: the worker that claimed it stopped mid-send) or whose earlier
// attempt may have arrived is sent again marked as a redelivery.
func (w *Worker) deliver(ctx context.Context, d Delivery, now time.Time, r *PassResult) (bool, error) {
	if d.Channel != Webhook && w.Mail == nil {
		return false, nil // no mail server: the e-mail waits, nothing lost
	}
	redelivery := d.Uncertain || d.State == Sending
	ok, err := w.Store.Claim(ctx, d, now)
	if err != nil || !ok {
		return false, err
	}
	res, to := w.attempt(ctx, d, redelivery)
	o := Outcome{Delivery: d.ID, At: now, Status: res.Status, Err: res.Err, Redelivery: redelivery, Uncertain: redelivery || res.Unknown}
	if to != d.Address {
		o.Address = to
	}
	attempts := d.Attempts + 1
	max := w.MaxAttempts
	if max <= 0 {
		max = 10
	}
	switch {
	case res.OK:
		o.State, o.Uncertain = Sent, false
		r.Sent++
	case res.Withheld:
		o.State, o.Uncertain = Failed, redelivery
		r.Withheld++
		w.log().InfoContext(ctx, "notification withheld", "delivery", d.ID, "channel", d.Channel, "why", res.Err)
	case res.Held:
		o.State, o.Uncertain = Held, redelivery
		r.Held++
	case attempts >= max:
		o.State = Failed
		r.Failed++
		w.log().WarnContext(ctx, "notification not delivered: out of attempts", "delivery", d.ID, "channel", d.Channel, "attempts", attempts, "err", res.Err)
	default:
		o.State, o.NextAt = Pending, now.Add(w.backoff(attempts))
		r.Retried++
		w.log().InfoContext(ctx, "notification not delivered: will try again", "delivery", d.ID, "channel", d.Channel, "attempts", attempts, "next_at", o.NextAt, "err", res.Err)
	}
	return true, w.Store.Finish(ctx, o)
}

// backoff is the wait after the attempts-th failure: Backoff, doubled
// after each failure, at most six hours.
func (w *Worker) backoff(attempts int) time.Duration {
	b := w.Backoff
	if b <= 0 {
		b = 30 * time.Second
	}
	for i := 1; i < attempts && b < 6*time.Hour; i++ {
		b *= 2
	}
	return min(b, 6*time.Hour)
}

func (w *Worker) link(path string) string {
	return strings.TrimRight(w.BaseURL, "/") + path
}

// attempt makes one attempt at d and says where it went. An e-mail or a
// digest is sent as its recipient's settings say at this moment, not as
// they said at the fan-out: to the address they give now, in the
// language they ask for now; not at all when they no longer ask for the
// event or give no address; into the daily digest when they ask for one
// now.
func (w *Worker) attempt(ctx context.Context, d Delivery, redelivery bool) (Result, string) {
	id := fmt.Sprintf("%d", d.ID)
	fail := func(err error) (Result, string) { return Result{Err: err.Error()}, d.Address }
	if d.Channel == Webhook {
		ev, err := w.Store.Event(ctx, d.EventID)
		if err != nil {
			return fail(err)
		}
		e, err := w.Store.EndpointByID(ctx, d.EndpointID)
		if err != nil {
			return fail(err)
		}
		if e.Disabled {
			return Result{Err: "the endpoint is disabled"}, d.Address
		}
		if ok, err := w.stillSees(ctx, e.AsUser, ev); err != nil {
			return fail(err)
		} else if !ok {
			return withheld, d.Address
		}
		body, _ := json.Marshal(HookBody{Delivery: d.ID, Event: ev.ID, Kind: ev.Kind, Entity: ev.Entity, EntityID: ev.EntityID,
			Title: ev.Title, Link: w.link(ev.Link), OccurredAt: ev.CreatedAt, Redelivery: redelivery})
		return w.Hooks.Post(ctx, Hook{ID: id, URL: e.URL, Secret: e.Secret, Body: body, Redelivery: redelivery}), e.URL
	}
	s, err := w.Store.UserSettings(ctx, d.UserID)
	if err != nil {
		return fail(err)
	}
	wr := writerOf(s.Language)
	if d.Channel == DigestCh {
		all, err := w.Store.DigestEvents(ctx, d.ID)
		if err != nil {
			return fail(err)
		}
		var evs []Event
		wanted := 0
		for _, ev := range all {
			if !s.Wants(ev.Kind) {
				continue
			}
			wanted++
			if ok, err := w.stillSees(ctx, d.UserID, ev); err != nil {
				return fail(err)
			} else if ok {
				evs = append(evs, ev)
			}
		}
		switch {
		case wanted == 0:
			return notAskedFor, d.Address
		case len(evs) == 0:
			return withheld, d.Address
		case s.Email == "":
			return noAddress, d.Address
		}
		return w.Mail.Send(ctx, Mail{ID: id, To: s.Email, Subject: "[Longhaul] " + wr.digestSubject(wr, len(evs)),
			Body: withNotice(wr, w.digestBody(wr, evs), redelivery), Language: wr.lang, Redelivery: redelivery}), s.Email
	}
	ev, err := w.Store.Event(ctx, d.EventID)
	if err != nil {
		return fail(err)
	}
	switch {
	case !s.Wants(ev.Kind):
		return notAskedFor, d.Address
	case s.Email == "":
		return noAddress, d.Address
	}
	if ok, err := w.stillSees(ctx, d.UserID, ev); err != nil {
		return fail(err)
	} else if !ok {
		return withheld, d.Address
	}
	if s.Mode == Digest {
		return heldBack, d.Address
	}
	return w.Mail.Send(ctx, Mail{ID: id, To: s.Email, Subject: "[Longhaul] " + ev.TitleIn(wr.lang),
		Body: withNotice(wr, w.mailBody(wr, ev), redelivery), Language: wr.lang, Redelivery: redelivery}), s.Email
}

// HookBody is the JSON a webhook receives.
type HookBody struct {
	Delivery   int64     `json:"delivery"`
	Event      int64     `json:"event"`
	Kind       string    `json:"kind"`
	Entity     string    `json:"entity"`
	EntityID   string    `json:"entity_id"`
	Title      string    `json:"title"`
	Link       string    `json:"link"`
	OccurredAt time.Time `json:"occurred_at"`
	Redelivery bool      `json:"redelivery"`
}

// withNotice puts before a redelivery's body the line saying it may
// repeat one sent before.
func withNotice(wr writer, body string, redelivery bool) string {
	if !redelivery {
		return body
	}
	return wr.redelivery + "\n\n" + body
}

// mailBody is the e-mail of one event in wr's language: its title (the
// stored English one for an event kept without params), its link, when it
// happened, and why the recipient receives it.
func (w *Worker) mailBody(wr writer, ev Event) string {
	at := ev.CreatedAt.UTC()
	return wr.mail(ev.TitleIn(wr.lang), w.link(ev.Link), at.Format(time.DateOnly), at.Format("15:04"), wr.kind(ev.Kind), w.link("/account/notifications"))
}

func (w *Worker) digestBody(wr writer, evs []Event) string {
	var b strings.Builder
	b.WriteString(wr.digestHead + "\n\n")
	for _, ev := range evs {
		fmt.Fprintf(&b, "- %s UTC  %s\n  %s\n", ev.CreatedAt.UTC().Format(minute), ev.TitleIn(wr.lang), w.link(ev.Link))
	}
	b.WriteString("\n" + wr.digestFoot + w.link("/account/notifications") + "\n")
	return b.String()
}

// DeliveryFilter narrows the delivery log.
type DeliveryFilter struct {
	Endpoint int64
	State    string
	Kind     string
}

// Attempt is one attempt of a delivery, as the delivery log shows it.
type Attempt struct {
	ID         int64     `json:"id"`
	Delivery   int64     `json:"delivery"`
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"`
	Error      string    `json:"error,omitempty"`
	Redelivery bool      `json:"redelivery"`
}
