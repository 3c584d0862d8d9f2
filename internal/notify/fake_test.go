package notify_test

import (
	"context"
	"sort"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/notify"
)

// fakeStore keeps the outbox, the deliveries and the settings in memory.
// Who may see what is a table: visible[user name] lists "entity:id".
type fakeStore struct {
	events     []notify.Event
	fanned     map[int64]bool
	deliveries []notify.Delivery
	attempts   []notify.Outcome
	users      []access.User
	settings   map[int64]notify.Settings
	endpoints  []notify.Endpoint
	visible    map[string][]string
	audited    []audit.Record
	facts      notify.Facts
}

func newFake() *fakeStore {
	return &fakeStore{fanned: map[int64]bool{}, settings: map[int64]notify.Settings{}, visible: map[string][]string{}}
}

func (f *fakeStore) raise(ev notify.Event) {
	ev.ID = int64(len(f.events) + 1)
	f.events = append(f.events, ev)
}

func (f *fakeStore) PendingEvents(ctx context.Context, limit int) ([]notify.Event, error) {
	var out []notify.Event
	for _, e := range f.events {
		if !f.fanned[e.ID] && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) Recipients(ctx context.Context) ([]notify.Recipient, error) {
	var out []notify.Recipient
	for _, u := range f.users {
		if s, ok := f.settings[u.ID]; ok {
			out = append(out, notify.Recipient{User: u, Settings: s})
		}
	}
	return out, nil
}

func (f *fakeStore) ActiveEndpoints(ctx context.Context) ([]notify.Endpoint, error) {
	var out []notify.Endpoint
	for _, e := range f.endpoints {
		if !e.Disabled {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) UserByID(ctx context.Context, id int64) (access.User, error) {
	for _, u := range f.users {
		if u.ID == id {
			return u, nil
		}
	}
	return access.User{}, fault.Errorf(fault.NotFound, "no user %d", id)
}

func (f *fakeStore) MaySee(ctx context.Context, entity, id string) (bool, error) {
	for _, v := range f.visible[access.IdentityFrom(ctx).Name] {
		if v == entity+":"+id {
			return true, nil
		}
	}
	return false, nil
}

func (f *fakeStore) FanOut(ctx context.Context, event int64, ds []notify.Delivery, now time.Time) error {
	for _, d := range ds {
		d.ID = int64(len(f.deliveries) + 1)
		f.deliveries = append(f.deliveries, d)
	}
	f.fanned[event] = true
	return nil
}

func (f *fakeStore) GatherDigests(ctx context.Context, before, now time.Time) (int, error) {
	byUser := map[int64]int64{}
	n := 0
	for i, d := range f.deliveries {
		if d.State != notify.Held || !f.events[d.EventID-1].CreatedAt.Before(before) {
			continue
		}
		id, ok := byUser[d.UserID]
		if !ok {
			id = int64(len(f.deliveries) + 1)
			f.deliveries = append(f.deliveries, notify.Delivery{ID: id, Channel: notify.DigestCh, UserID: d.UserID, Address: d.Address, State: notify.Pending, NextAt: now})
			byUser[d.UserID] = id
			n++
		}
		f.deliveries[i].State, f.deliveries[i].DigestID = notify.Digested, id
	}
	return n, nil
}

func (f *fakeStore) DueDeliveries(ctx context.Context, now, stale time.Time, limit int) ([]notify.Delivery, error) {
	var out []notify.Delivery
	for _, d := range f.deliveries {
		if (d.State == notify.Pending && !d.NextAt.After(now)) || (d.State == notify.Sending && d.ClaimedAt.Before(stale)) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeStore) Claim(ctx context.Context, d notify.Delivery, now time.Time) (bool, error) {
	c := &f.deliveries[d.ID-1]
	if c.State != d.State || c.Attempts != d.Attempts {
		return false, nil
	}
	c.State, c.ClaimedAt, c.Attempts, c.Uncertain = notify.Sending, now, c.Attempts+1, true
	return true, nil
}

func (f *fakeStore) Finish(ctx context.Context, o notify.Outcome) error {
	c := &f.deliveries[o.Delivery-1]
	c.State, c.Uncertain, c.LastStatus, c.LastError = o.State, o.Uncertain, o.Status, o.Err
	if !o.NextAt.IsZero() {
		c.NextAt = o.NextAt
	}
	if o.Address != "" {
		c.Address = o.Address
	}
	f.attempts = append(f.attempts, o)
	return nil
}

func (f *fakeStore) Event(ctx context.Context, id int64) (notify.Event, error) {
	return f.events[id-1], nil
}

func (f *fakeStore) DigestEvents(ctx context.Context, digest int64) ([]notify.Event, error) {
	var out []notify.Event
	for _, d := range f.deliveries {
		if d.DigestID == digest {
			out = append(out, f.events[d.EventID-1])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (f *fakeStore) EndpointByID(ctx context.Context, id int64) (notify.Endpoint, error) {
	for _, e := range f.endpoints {
		if e.ID == id {
			return e, nil
		}
	}
	return notify.Endpoint{}, fault.Errorf(fault.NotFound, "no webhook %d", id)
}

// The use cases' port.

func (f *fakeStore) Transact(ctx context.Context, fn func(notify.Tx) error) error {
	// Work on a copy, kept only when fn succeeds.
	cp := *f
	cp.settings = map[int64]notify.Settings{}
	for k, v := range f.settings {
		cp.settings[k] = v
	}
	cp.endpoints = append([]notify.Endpoint(nil), f.endpoints...)
	cp.events = append([]notify.Event(nil), f.events...)
	cp.audited = append([]audit.Record(nil), f.audited...)
	if err := fn(fakeTx{&cp}); err != nil {
		return err
	}
	*f = cp
	return nil
}

func (f *fakeStore) Facts(ctx context.Context) (notify.Facts, error) { return f.facts, nil }

func (f *fakeStore) UserSettings(ctx context.Context, userID int64) (notify.Settings, error) {
	return f.settings[userID], nil
}

type fakeTx struct{ f *fakeStore }

func (t fakeTx) Audit(ctx context.Context, r audit.Record) error {
	t.f.audited = append(t.f.audited, r)
	return nil
}

func (t fakeTx) Settings(ctx context.Context, userID int64) (notify.Settings, error) {
	return t.f.settings[userID], nil
}

func (t fakeTx) SaveSettings(ctx context.Context, s *notify.Settings, version int64) error {
	s.Version = version + 1
	t.f.settings[s.UserID] = *s
	return nil
}

func (t fakeTx) CreateEndpoint(ctx context.Context, e *notify.Endpoint) error {
	e.ID = int64(len(t.f.endpoints) + 1)
	t.f.endpoints = append(t.f.endpoints, *e)
	return nil
}

func (t fakeTx) Endpoint(ctx context.Context, id int64) (notify.Endpoint, error) {
	return t.f.EndpointByID(ctx, id)
}

func (t fakeTx) DisableEndpoint(ctx context.Context, id int64) error {
	t.f.endpoints[id-1].Disabled = true
	return nil
}

func (t fakeTx) UserByName(ctx context.Context, name string) (access.User, error) {
	for _, u := range t.f.users {
		if u.Name == name {
			return u, nil
		}
	}
	return access.User{}, fault.Errorf(fault.NotFound, "no user %s", name)
}

func (t fakeTx) Raise(ctx context.Context, evs []notify.Event) (int, error) {
	n := 0
	for _, ev := range evs {
		dup := false
		for _, e := range t.f.events {
			dup = dup || e.Key == ev.Key
		}
		if !dup {
			t.f.raise(ev)
			n++
		}
	}
	return n, nil
}

// fakeMail and fakeHooks record what is sent and answer from a script:
// the first len(fail) attempts get those results.
type fakeMail struct {
	sent []notify.Mail
	fail []notify.Result
}

func (m *fakeMail) Send(ctx context.Context, x notify.Mail) notify.Result {
	if len(m.fail) > 0 {
		r := m.fail[0]
		m.fail = m.fail[1:]
		return r
	}
	m.sent = append(m.sent, x)
	return notify.Result{OK: true, Status: 250}
}

type fakeHooks struct {
	got  []notify.Hook
	fail []notify.Result
}

func (h *fakeHooks) Post(ctx context.Context, x notify.Hook) notify.Result {
	h.got = append(h.got, x)
	if len(h.fail) > 0 {
		r := h.fail[0]
		h.fail = h.fail[1:]
		return r
	}
	return notify.Result{OK: true, Status: 204}
}

func user(id int64, name, nation string, roles ...access.Role) access.User {
	return access.User{ID: id, Name: name, Nation: nation, Roles: roles, Clearance: access.Restricted}
}
