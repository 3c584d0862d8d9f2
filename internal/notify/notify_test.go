package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/notify"
)

func TestFromAudit(t *testing.T) {
	for _, c := range []struct {
		name, action, entity, id, after string
		kind, link, title               string // kind "" for no event
	}{
		{"discrepancy opened", "discrepancy.open", "discrepancy", "4", `{"id":4,"shipment":12,"kind":"short","quantity":3,"nsn":"1320-12-345-6789"}`,
			notify.DiscrepancyOpened, "/discrepancies?shipment=12", "Discrepancy 4 opened on shipment 12: 3 short of 1320-12-345-6789"},
		{"shipment held", "shipment.hold", "shipment", "7", `{}`, notify.ShipmentHeld, "/shipments/7", "Shipment 7 is held"},
		{"shipment released", "shipment.release", "shipment", "7", `{}`, "", "", ""},
		{"repair waits for parts", "repair.awaiting_parts", "repair_order", "3", `{"item_name":"Leopard 2A6","serial":"L2-001"}`,
			notify.RepairAwaitingParts, "/repairs/3", "Repair order 3 waits for parts (Leopard 2A6 L2-001)"},
		{"repair in repairs", "repair.in_repair", "repair_order", "3", `{}`, "", "", ""},
		{"plan made", "plan.create", "plan", "9", `{}`, notify.PlanReady, "/plans/9", "Plan 9 is ready for approval"},
		{"plan approved", "plan.approve", "plan", "9", `{}`, "", "", ""},
		{"line at risk", "pledge.at_risk", "pledge", "2", `{"pledge":2,"line":5,"line_no":1,"words":"its shipment's ETA is 6 days past the promised date"}`,
			notify.LineAtRisk, "/pledges/2", "Pledge 2 line 1 is at risk: its shipment's ETA is 6 days past the promised date"},
		{"a pledge committed", "pledge.commit", "pledge", "2", `{}`, "", "", ""},
		{"an unreadable record", "shipment.hold", "shipment", "8", `not json`, notify.ShipmentHeld, "/shipments/8", "Shipment 8 is held"},
	} {
		t.Run(c.name, func(t *testing.T) {
			evs := notify.FromAudit(41, c.action, c.entity, c.id, []byte(c.after))
			if c.kind == "" {
				if len(evs) != 0 {
					t.Fatalf("events %+v, want none", evs)
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("events %+v, want one", evs)
			}
			e := evs[0]
			if e.Kind != c.kind || e.Link != c.link || e.Title != c.title || e.EntityID != c.id || e.AuditSeq != 41 || e.Key != "audit:41:"+c.kind {
				t.Errorf("event %+v, want kind %s link %s title %q", e, c.kind, c.link, c.title)
			}
		})
	}
}

func TestDue(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f := notify.Facts{
		Shipments: []notify.OpenShipment{{ID: 1, ETA: now.Add(-time.Hour)}, {ID: 2, ETA: now.Add(time.Hour)}},
		Actions: []notify.OpenAction{{ID: 1, Lesson: 5, Owner: "DEU", Due: "2026-03-13"}, {ID: 2, Lesson: 5, Owner: "POL", Due: "2026-03-14"},
			{ID: 3, Lesson: 6, Owner: "NSATU", Due: "2026-03-01"}},
		Plans: []notify.WaitingPlan{{ID: 8, MadeAt: now.Add(-25 * time.Hour)}, {ID: 9, MadeAt: now.Add(-time.Hour)}},
		Lines: []notify.OpenLine{{Pledge: 4, Line: 40, No: 1, Promised: "2026-03-09", Outstanding: 12}, {Pledge: 4, Line: 41, No: 2, Promised: "2026-03-10", Outstanding: 3},
			{Pledge: 5, Line: 50, No: 1, Promised: "", Outstanding: 7}, {Pledge: 6, Line: 60, No: 1, Promised: "2026-01-31", Outstanding: 0}},
	}
	got := map[string]notify.Event{}
	for _, e := range notify.Due(f, now) {
		got[e.Key] = e
	}
	want := map[string]string{
		"late:1:" + now.Add(-time.Hour).Format(time.RFC3339): notify.ShipmentLate,
		"action:1:2026-03-13":                                notify.LessonActionDue, // three days ahead
		"action:3:2026-03-01":                                notify.LessonActionDue, // overdue
		"approval:8":                                         notify.ApprovalDue,
		"overdue:40:2026-03-09":                              notify.LineOverdue, // promised yesterday; line 41 is due today, 50 has no date, 60 is delivered
	}
	if len(got) != len(want) {
		t.Errorf("events %v, want %v", keys(got), want)
	}
	for k, kind := range want {
		if got[k].Kind != kind {
			t.Errorf("%s: %+v, want %s", k, got[k], kind)
		}
	}
	if e := got["action:3:2026-03-01"]; !strings.Contains(e.Title, "was due on 2026-03-01") || e.Link != "/lessons/6" || e.Entity != "lesson" {
		t.Errorf("the overdue action: %+v", e)
	}
	if e := got["overdue:40:2026-03-09"]; e.Entity != "pledge" || e.EntityID != "4" || e.Link != "/pledges/4" || !strings.Contains(e.Title, "P-00004 line 1 is past its promised date, 2026-03-09, with 12 units") {
		t.Errorf("the overdue line: %+v", e)
	}
	// The same facts later make the same keys: the store keeps each once.
	again := notify.Due(f, now.Add(time.Minute))
	for _, e := range again {
		if _, ok := got[e.Key]; !ok {
			t.Errorf("a minute later %s is new", e.Key)
		}
	}
}

func keys(m map[string]notify.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func signedIn(u access.User) context.Context {
	return access.WithIdentity(context.Background(), u.Identity("session"))
}

func TestSaveSettings(t *testing.T) {
	f := newFake()
	hub := user(1, "hub", "POL", access.HubOperator)
	f.users = []access.User{hub}
	svc := &notify.Service{Store: f}
	for _, c := range []struct {
		name  string
		in    notify.Settings
		field string
	}{
		{"not an address", notify.Settings{Email: "hub at example", Events: []string{notify.ShipmentHeld}}, "email"},
		{"a name with the address", notify.Settings{Email: "Hub <hub@example.org>", Events: []string{notify.ShipmentHeld}}, "email"},
		{"events without an address", notify.Settings{Events: []string{notify.ShipmentHeld}}, "email"},
		{"an event the role may not ask for", notify.Settings{Email: "hub@example.org", Events: []string{notify.PlanReady}}, "events"},
		{"no such event", notify.Settings{Email: "hub@example.org", Events: []string{"pledge.made"}}, "events"},
		{"no such mode", notify.Settings{Email: "hub@example.org", Mode: "weekly"}, "mode"},
		{"no such language", notify.Settings{Email: "hub@example.org", Events: []string{notify.ShipmentHeld}, Language: "de"}, "language"},
		{"a language by its name", notify.Settings{Email: "hub@example.org", Language: "Français"}, "language"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.SaveSettings(signedIn(hub), c.in, 0)
			if e := fault.As(err); e == nil || (e.Field != c.field && !hasField(e, c.field)) {
				t.Fatalf("%v, want an error at %s", err, c.field)
			}
			if len(f.settings) != 0 || len(f.audited) != 0 {
				t.Fatal("a refused setting was saved")
			}
		})
	}
	s, err := svc.SaveSettings(signedIn(hub), notify.Settings{Email: "hub@example.org", Events: []string{notify.ShipmentLate, notify.ShipmentHeld}, Mode: notify.Digest}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || strings.Join(s.Events, ",") != "shipment.held,shipment.late" || s.Language != notify.English || len(f.audited) != 1 || f.audited[0].Action != "notify.settings" {
		t.Errorf("saved %+v, audited %+v", s, f.audited)
	}
	if s, err := svc.SaveSettings(signedIn(hub), notify.Settings{Email: "hub@example.org", Language: notify.Ukrainian}, 1); err != nil || s.Language != notify.Ukrainian || f.settings[1].Language != notify.Ukrainian {
		t.Errorf("saved in Ukrainian: %+v %v", s, err)
	}
	if s, _ := svc.Settings(signedIn(hub)); s.Language != notify.Ukrainian {
		t.Errorf("read back %+v", s)
	}
	if _, err := svc.SaveSettings(signedIn(hub), notify.Settings{Email: "hub@example.org", Language: "ua"}, 2); fault.As(err) == nil || fault.As(err).Field != "language" ||
		!strings.Contains(err.Error(), `"ua"`) || !strings.Contains(err.Error(), "uk (Українська)") || f.settings[1].Version != 2 {
		t.Errorf("an unknown language: %v, settings %+v", err, f.settings[1])
	}
	if _, err := svc.SaveSettings(signedIn(hub), notify.Settings{Email: "hub@example.org"}, 0); fault.Code(err) != fault.Conflict {
		t.Errorf("a save from a stale version: %v, want a conflict", err)
	}
	if _, err := svc.SaveSettings(context.Background(), notify.Settings{}, 0); fault.Code(err) != fault.Unauthorized {
		t.Errorf("not signed in: %v", err)
	}
}

func hasField(e *fault.Error, field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

func TestCreateEndpoint(t *testing.T) {
	f := newFake()
	admin, reader := user(1, "admin", "DEU", access.Admin), user(2, "siem", "DEU", access.Auditor)
	f.users = []access.User{admin, reader}
	svc := &notify.Service{Store: f}
	_, _, err := svc.CreateEndpoint(signedIn(admin), notify.NewEndpoint{Name: "SIEM", URL: "ftp://x", Events: []string{"nothing"}, AsUser: "nobody"})
	e := fault.As(err)
	if e == nil || !hasField(e, "url") || !hasField(e, "events") {
		t.Fatalf("%v, want errors at url and events", err)
	}
	if _, _, err := svc.CreateEndpoint(signedIn(admin), notify.NewEndpoint{Name: "SIEM", URL: "https://siem.example.org/in", Events: []string{notify.ShipmentHeld}, AsUser: "nobody"}); fault.As(err) == nil || fault.As(err).Field != "as_user" {
		t.Fatalf("an unknown user: %v", err)
	}
	if _, _, err := svc.CreateEndpoint(signedIn(reader), notify.NewEndpoint{Name: "SIEM", URL: "https://siem.example.org/in", Events: []string{notify.ShipmentHeld}, AsUser: "siem"}); fault.Code(err) != fault.Forbidden {
		t.Fatalf("an auditor adds a webhook: %v", err)
	}
	ep, secret, err := svc.CreateEndpoint(signedIn(admin), notify.NewEndpoint{Name: "SIEM", URL: "https://siem.example.org/in", Events: []string{notify.ShipmentHeld}, AsUser: "siem"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "whsec_") || len(secret) < 30 || ep.AsUser != 2 {
		t.Errorf("endpoint %+v secret %q", ep, secret)
	}
	b, _ := json.Marshal(f.audited[0].After)
	if strings.Contains(string(b), secret) {
		t.Error("the audit trail holds the secret")
	}
	if _, err := svc.DisableEndpoint(signedIn(admin), ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DisableEndpoint(signedIn(admin), ep.ID); fault.Code(err) != fault.Conflict {
		t.Errorf("disable twice: %v", err)
	}
}

// world is a fake store with three users who ask for every event they
// may: a German and a French nation officer and a coordinator in digest
// mode, and a webhook acting as the French officer.
func world(now time.Time) (*fakeStore, *fakeMail, *fakeHooks, *notify.Worker) {
	f := newFake()
	deu, fra, coord := user(1, "deu", "DEU", access.NationOfficer), user(2, "fra", "FRA", access.NationOfficer), user(3, "coord", "DEU", access.Coordinator)
	f.users = []access.User{deu, fra, coord}
	for _, u := range f.users {
		var ev []string
		for _, k := range notify.KindsFor(u.Identity("session")) {
			ev = append(ev, k.Name)
		}
		s := notify.Settings{UserID: u.ID, Email: u.Name + "@example.org", Events: ev, Mode: notify.Immediate}
		if u.Name == "coord" {
			s.Mode = notify.Digest
		}
		f.settings[u.ID] = s
	}
	f.endpoints = []notify.Endpoint{{ID: 1, Name: "fra-siem", URL: "https://fra.example.org/hook", Secret: "s3cret", Events: []string{notify.ShipmentHeld, notify.PlanReady}, AsUser: 2}}
	f.visible = map[string][]string{"deu": {"shipment:7"}, "coord": {"shipment:7", "plan:9"}, "fra": {}}
	m, h := &fakeMail{}, &fakeHooks{}
	clock := now
	w := &notify.Worker{Store: f, Mail: m, Hooks: h, BaseURL: "https://longhaul.example.org", Now: func() time.Time { return clock }}
	return f, m, h, w
}

func TestWorkerSendsOnlyToThoseWhoMaySee(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f, m, h, w := world(now)
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", Link: "/shipments/7", CreatedAt: now})
	f.raise(notify.Event{Key: "b", Kind: notify.PlanReady, Entity: "plan", EntityID: "9", Title: "Plan 9 is ready for approval", Link: "/plans/9", CreatedAt: now})
	r, err := w.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// deu gets the shipment now; coord gets both, held for the digest;
	// fra and its webhook see neither; deu may not ask for plans.
	if r.Fanned != 2 || r.Deliveries != 3 || r.Sent != 1 || len(h.got) != 0 {
		t.Fatalf("pass %+v, hooks %d", r, len(h.got))
	}
	if len(m.sent) != 1 || m.sent[0].To != "deu@example.org" || !strings.Contains(m.sent[0].Body, "https://longhaul.example.org/shipments/7") || m.sent[0].Subject != "[Longhaul] Shipment 7 is held" {
		t.Fatalf("mail %+v", m.sent)
	}
	// The next morning the coordinator gets one digest of both.
	w.Now = func() time.Time { return now.Add(20 * time.Hour) }
	r, err = w.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Digests != 1 || len(m.sent) != 2 {
		t.Fatalf("pass %+v, mails %d", r, len(m.sent))
	}
	d := m.sent[1]
	if d.To != "coord@example.org" || !strings.Contains(d.Subject, "2 notifications") || !strings.Contains(d.Body, "Shipment 7 is held") || !strings.Contains(d.Body, "/plans/9") {
		t.Errorf("digest %+v", d)
	}
	// Nothing goes twice.
	if r, _ := w.Pass(context.Background()); r.Sent != 0 || len(m.sent) != 2 {
		t.Errorf("a third pass sent %+v", r)
	}
}

func TestWorkerRetriesAndMarksRedelivery(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f, m, h, w := world(now)
	w.Now = func() time.Time { return clock }
	f.visible["fra"] = []string{"shipment:7"}
	f.settings[1], f.settings[2] = notify.Settings{}, notify.Settings{} // only the webhook and the digest
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", Link: "/shipments/7", CreatedAt: now})
	// A refusal, then an answer lost on the way (timeout), then success.
	h.fail = []notify.Result{{Status: 500, Err: "500 Internal Server Error"}, {Err: "timeout", Unknown: true}}
	r, _ := w.Pass(context.Background())
	if r.Retried != 1 || len(h.got) != 1 || h.got[0].Redelivery {
		t.Fatalf("first pass %+v %+v", r, h.got)
	}
	// Not due before the backoff has passed.
	clock = now.Add(20 * time.Second)
	if r, _ := w.Pass(context.Background()); len(h.got) != 1 {
		t.Fatalf("retried before the backoff: %+v", r)
	}
	clock = now.Add(31 * time.Second)
	w.Pass(context.Background())
	if len(h.got) != 2 || h.got[1].Redelivery {
		t.Fatalf("second attempt %+v: after a refusal it is no redelivery", h.got)
	}
	clock = clock.Add(61 * time.Second) // the backoff doubles
	w.Pass(context.Background())
	if len(h.got) != 3 || !h.got[2].Redelivery {
		t.Fatalf("third attempt %+v: after an unknown outcome it is a redelivery", h.got)
	}
	var body notify.HookBody
	if err := json.Unmarshal(h.got[2].Body, &body); err != nil || !body.Redelivery || body.Link != "https://longhaul.example.org/shipments/7" {
		t.Errorf("body %s: %v", h.got[2].Body, err)
	}
	if d := f.deliveries[1]; d.Channel != notify.Webhook || d.State != notify.Sent || d.Attempts != 3 || d.Uncertain {
		t.Errorf("delivery %+v", d)
	}
	if f.deliveries[0].State != notify.Held {
		t.Errorf("the coordinator's digest e-mail: %+v", f.deliveries[0])
	}
	if len(f.attempts) != 3 || f.attempts[0].Status != 500 {
		t.Errorf("attempts %+v", f.attempts)
	}
	_ = m
}

func TestWorkerResendsWhatACrashLeftClaimed(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f, m, _, w := world(now)
	f.settings[3] = notify.Settings{}
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", Link: "/shipments/7", CreatedAt: now})
	// A worker fans out and claims the delivery, then dies mid-send.
	w.Mail = nil
	w.Pass(context.Background())
	if _, err := f.Claim(context.Background(), f.deliveries[0], now); err != nil {
		t.Fatal(err)
	}
	w.Mail = m
	w.Now = func() time.Time { return now.Add(time.Minute) }
	w.Pass(context.Background())
	if len(m.sent) != 0 {
		t.Fatal("a claim within its lease was taken again")
	}
	w.Now = func() time.Time { return now.Add(3 * time.Minute) }
	w.Pass(context.Background())
	if len(m.sent) != 1 || !m.sent[0].Redelivery || m.sent[0].ID != "1" {
		t.Fatalf("after the lease: %+v", m.sent)
	}
	if d := f.deliveries[0]; d.State != notify.Sent || d.Attempts != 2 {
		t.Errorf("delivery %+v", d)
	}
}

func TestWorkerGivesUp(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f, m, _, w := world(now)
	w.Now, w.MaxAttempts = func() time.Time { return clock }, 3
	f.settings[3] = notify.Settings{}
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", CreatedAt: now})
	m.fail = []notify.Result{{Err: "connect: refused"}, {Err: "connect: refused"}, {Err: "connect: refused"}, {Err: "connect: refused"}}
	for range 5 {
		w.Pass(context.Background())
		clock = clock.Add(time.Hour)
	}
	if d := f.deliveries[0]; d.State != notify.Failed || d.Attempts != 3 {
		t.Errorf("delivery %+v, want failed after 3 attempts", d)
	}
}

func TestCheckRaisesOnce(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f := newFake()
	f.facts = notify.Facts{Shipments: []notify.OpenShipment{{ID: 1, ETA: now.Add(-time.Hour)}}}
	svc := &notify.Service{Store: f, Now: func() time.Time { return now }}
	for i, want := range []int{1, 0} {
		n, err := svc.Check(context.Background())
		if err != nil || n != want {
			t.Errorf("check %d: %d new %v, want %d", i, n, err, want)
		}
	}
	if len(f.events) != 1 {
		t.Errorf("events %+v", f.events)
	}
}

// TestWorkerWithholdsWhatTheReaderNoLongerSees: who may see an event is
// asked again when it is sent, so that a record marked higher, a role
// taken away or an account disabled between the fan-out and the send
// (a mail server down for an hour, a digest the next morning) holds the
// mail, the webhook or the digest's line back.
func TestWorkerWithholdsWhatTheReaderNoLongerSees(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f, m, h, w := world(now)
	w.Now = func() time.Time { return clock }
	f.visible["fra"] = []string{"shipment:7"}
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", Link: "/shipments/7", CreatedAt: now})
	f.raise(notify.Event{Key: "b", Kind: notify.PlanReady, Entity: "plan", EntityID: "9", Title: "Plan 9 is ready for approval", Link: "/plans/9", CreatedAt: now})
	// The mail server and the receiver are down at the fan-out.
	m.fail = []notify.Result{{Err: "connect: refused"}, {Err: "connect: refused"}}
	h.fail = []notify.Result{{Err: "connect: refused"}}
	r, err := w.Pass(context.Background())
	if err != nil || r.Deliveries != 5 || r.Retried != 3 {
		t.Fatalf("first pass %+v %v", r, err)
	}
	// Then the shipment is marked so that neither the German officer nor
	// the coordinator may see it, and the French officer's account (the
	// webhook's too) is disabled.
	f.visible["deu"] = nil
	f.visible["coord"] = []string{"plan:9"}
	f.users[1].Disabled = true
	clock = now.Add(time.Hour)
	sent := len(m.sent)
	r, err = w.Pass(context.Background())
	if err != nil || r.Withheld != 3 || r.Sent != 0 || len(m.sent) != sent || len(h.got) != 1 {
		t.Fatalf("after the marking: %+v %v, mails %d, hooks %d", r, err, len(m.sent)-sent, len(h.got))
	}
	for _, d := range f.deliveries {
		if d.State == notify.Failed && !strings.Contains(d.LastError, "withheld") {
			t.Errorf("delivery %+v", d)
		}
	}
	// The coordinator's digest the next morning holds only the plan.
	clock = now.Add(20 * time.Hour)
	if r, err := w.Pass(context.Background()); err != nil || r.Digests != 1 || r.Sent != 1 {
		t.Fatalf("digest pass %+v %v", r, err)
	}
	d := m.sent[len(m.sent)-1]
	if d.To != "coord@example.org" || !strings.Contains(d.Body, "/plans/9") || strings.Contains(d.Body, "Shipment 7") || !strings.Contains(d.Subject, "1 notification") {
		t.Errorf("digest %+v", d)
	}
	// A digest with nothing left to tell is not sent at all.
	f.raise(notify.Event{Key: "c", Kind: notify.PlanReady, Entity: "plan", EntityID: "10", Title: "Plan 10 is ready for approval", Link: "/plans/10", CreatedAt: clock})
	f.visible["coord"] = []string{"plan:10"}
	w.Pass(context.Background())
	f.visible["coord"] = nil
	clock = clock.Add(24 * time.Hour)
	sent = len(m.sent)
	if r, _ := w.Pass(context.Background()); r.Digests != 1 || r.Withheld != 1 || len(m.sent) != sent {
		t.Errorf("an empty digest: %+v, %d mails", r, len(m.sent)-sent)
	}
}

// TestWorkerSendsAsTheSettingsSayNow: a recipient's settings are read
// again when a delivery is sent, not taken from the fan-out, so that a
// mail server down for an hour or a digest the next morning follows what
// they changed meanwhile: a new address gets the mail (and the delivery
// says so), an event turned off or an address cleared holds it back, a
// switch to the daily digest puts it into the next one, and a digest
// leaves out the events its reader no longer asks for.
func TestWorkerSendsAsTheSettingsSayNow(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f, m, _, w := world(now)
	w.Now = func() time.Time { return clock }
	f.endpoints = nil
	for i, name := range []string{"pol", "ita", "nld"} {
		u := user(int64(4+i), name, strings.ToUpper(name), access.NationOfficer)
		f.users = append(f.users, u)
		f.settings[u.ID] = notify.Settings{UserID: u.ID, Email: name + "@example.org", Events: []string{notify.ShipmentHeld}, Mode: notify.Immediate}
		f.visible[name] = []string{"shipment:7"}
	}
	f.raise(notify.Event{Key: "a", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held", Link: "/shipments/7", CreatedAt: now})
	f.raise(notify.Event{Key: "b", Kind: notify.PlanReady, Entity: "plan", EntityID: "9", Title: "Plan 9 is ready for approval", Link: "/plans/9", CreatedAt: now})
	// The mail server is down at the fan-out: deu, pol, ita and nld
	// each have the shipment's mail to retry; coord has both held.
	m.fail = []notify.Result{{Err: "connect: refused"}, {Err: "connect: refused"}, {Err: "connect: refused"}, {Err: "connect: refused"}}
	if r, err := w.Pass(context.Background()); err != nil || r.Deliveries != 6 || r.Retried != 4 || len(m.sent) != 0 {
		t.Fatalf("first pass %+v %v, sent %+v", r, err, m.sent)
	}
	change := func(id int64, fn func(*notify.Settings)) {
		s := f.settings[id]
		fn(&s)
		f.settings[id] = s
	}
	change(1, func(s *notify.Settings) { s.Email = "deu.lo@example.org" })
	change(4, func(s *notify.Settings) { s.Events = []string{notify.DiscrepancyOpened} })
	change(5, func(s *notify.Settings) { s.Email = "" })
	change(6, func(s *notify.Settings) { s.Mode = notify.Digest })
	change(3, func(s *notify.Settings) { s.Events = []string{notify.PlanReady} })
	clock = now.Add(time.Hour)
	r, err := w.Pass(context.Background())
	if err != nil || r.Sent != 1 || r.Withheld != 2 || r.Held != 1 || r.Retried != 0 {
		t.Fatalf("after the changes: %+v %v", r, err)
	}
	if len(m.sent) != 1 || m.sent[0].To != "deu.lo@example.org" {
		t.Fatalf("sent %+v, want one mail to deu's new address", m.sent)
	}
	want := map[int64]struct{ state, addr, err string }{
		1: {notify.Sent, "deu.lo@example.org", ""},
		4: {notify.Failed, "pol@example.org", "withheld: the recipient's settings no longer ask for this event"},
		5: {notify.Failed, "ita@example.org", "withheld: the recipient's settings give no e-mail address now"},
		6: {notify.Held, "nld@example.org", "held for the daily digest: the recipient's settings ask for one now"},
	}
	for _, d := range f.deliveries {
		if c, ok := want[d.UserID]; ok && (d.State != c.state || d.Address != c.addr || d.LastError != c.err) {
			t.Errorf("%s's delivery is %s to %s (%q), want %s to %s (%q)", f.users[d.UserID-1].Name, d.State, d.Address, d.LastError, c.state, c.addr, c.err)
		}
	}
	// The next morning nld's digest holds the shipment; coord's only the
	// plan, the one kind they still ask for.
	clock = now.Add(20 * time.Hour)
	sent := len(m.sent)
	if r, err := w.Pass(context.Background()); err != nil || r.Digests != 2 || r.Sent != 2 {
		t.Fatalf("digest pass %+v %v", r, err)
	}
	got := map[string]notify.Mail{}
	for _, x := range m.sent[sent:] {
		got[x.To] = x
	}
	if d := got["nld@example.org"]; !strings.Contains(d.Body, "/shipments/7") || !strings.Contains(d.Subject, "1 notification") {
		t.Errorf("nld's digest %+v", d)
	}
	if d := got["coord@example.org"]; !strings.Contains(d.Body, "/plans/9") || strings.Contains(d.Body, "Shipment 7") || !strings.Contains(d.Subject, "1 notification") {
		t.Errorf("coord's digest %+v", d)
	}
	// A digest none of whose events its reader still asks for is not sent.
	f.raise(notify.Event{Key: "c", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "7", Title: "Shipment 7 is held again", Link: "/shipments/7", CreatedAt: clock})
	w.Pass(context.Background())
	change(6, func(s *notify.Settings) { s.Events = nil })
	clock = clock.Add(24 * time.Hour)
	sent = len(m.sent)
	if r, _ := w.Pass(context.Background()); r.Digests != 1 || r.Withheld != 1 || len(m.sent) != sent {
		t.Errorf("a digest of what is no longer asked for: %+v, %d mails", r, len(m.sent)-sent)
	}
}
