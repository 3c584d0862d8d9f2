package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/notify"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestNotifyLanguageAndParams keeps, on both engines, each user's
// language (English for settings saved before there was one) and each
// event's params (none for an event kept before them, or raised without):
// they come back as saved, the worker reads a user's settings as set now,
// and a delivery keeps the address its last attempt went to.
func TestNotifyLanguageAndParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		ctx := storetest.Ctx()
		users := &access.Service{Store: store.Access{DB: db}, Read: db}
		var us []access.User
		for _, name := range []string{"fra-lo", "ukr-lo", "old-lo"} {
			u, err := users.CreateUser(ctx, access.NewUser{Name: name, Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Restricted, Password: "correct horse battery staple 7"})
			if err != nil {
				t.Fatal(err)
			}
			us = append(us, u)
		}
		fra, ukr, old := us[0], us[1], us[2]
		as := func(u access.User) context.Context {
			return access.WithIdentity(context.Background(), u.Identity("session"))
		}
		svc := &notify.Service{Store: store.Notify{DB: db}}
		for _, c := range []struct {
			u    access.User
			lang string
		}{{fra, notify.French}, {ukr, notify.Ukrainian}} {
			if _, err := svc.SaveSettings(as(c.u), notify.Settings{Email: c.u.Name + "@example.org", Events: []string{notify.ShipmentHeld}, Language: c.lang}, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.InsertNotifyRowsOf0035(ctx, old.ID, "old:1"); err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{fra.ID: notify.French, ukr.ID: notify.Ukrainian, old.ID: notify.English}
		for id, lang := range want {
			if s, err := (store.Notify{DB: db}).UserSettings(ctx, id); err != nil || s.Language != lang {
				t.Errorf("user %d's settings %+v %v, want %s", id, s, err, lang)
			}
		}
		if s, err := svc.Settings(as(old)); err != nil || s.Language != notify.English || s.Email != "old@example.org" {
			t.Errorf("settings saved before languages: %+v %v", s, err)
		}
		ob := store.Outbox{DB: db}
		rs, err := ob.Recipients(ctx)
		if err != nil || len(rs) != 3 {
			t.Fatalf("recipients %+v %v", rs, err)
		}
		for _, r := range rs {
			if r.Settings.Language != want[r.User.ID] {
				t.Errorf("recipient %s in %q, want %s", r.User.Name, r.Settings.Language, want[r.User.ID])
			}
		}

		// Events: one from an audit record, two raised by the check (one
		// with params, one without), and the one kept before params.
		now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		overdue := notify.Due(notify.Facts{Lines: []notify.OpenLine{{Pledge: 4, Line: 40, No: 1, Promised: "2026-03-09", Outstanding: 1250}}}, now)[0]
		bare := notify.Event{Key: "bare:1", Kind: notify.ShipmentHeld, Entity: "shipment", EntityID: "8", Title: "Shipment 8 is held", Link: "/shipments/8"}
		if err := (store.Notify{DB: db}).Transact(ctx, func(tx notify.Tx) error {
			if _, err := tx.Raise(ctx, []notify.Event{overdue, bare}); err != nil {
				return err
			}
			return tx.Audit(ctx, audit.Record{Action: "shipment.hold", Entity: "shipment", EntityID: "7"})
		}); err != nil {
			t.Fatal(err)
		}
		evs, err := ob.PendingEvents(ctx, 10)
		if err != nil || len(evs) != 4 {
			t.Fatalf("pending %+v %v", evs, err)
		}
		byKey := map[string]notify.Event{}
		for _, e := range evs {
			byKey[e.Key] = e
		}
		if e := byKey[overdue.Key]; e.Params == nil || !reflect.DeepEqual(*e.Params, *overdue.Params) || e.Title != overdue.Title ||
			e.TitleIn(notify.Ukrainian) != "Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 1\u00a0250\u00a0од." {
			t.Errorf("the overdue line came back %+v (params %+v), raised with %+v", e, e.Params, overdue.Params)
		}
		held := notify.FromAudit(0, "shipment.hold", "shipment", "7", nil)[0]
		for _, e := range evs {
			if e.AuditSeq != 0 && (e.Params == nil || !reflect.DeepEqual(*e.Params, *held.Params) || e.TitleIn(notify.French) != "L’expédition 7 est mise en attente") {
				t.Errorf("the audited hold came back %+v (params %+v)", e, e.Params)
			}
		}
		for _, key := range []string{"bare:1", "old:1"} {
			if e := byKey[key]; e.Params != nil || e.TitleIn(notify.French) != e.Title {
				t.Errorf("%s came back with params %+v", key, e.Params)
			}
		}
		if e, err := ob.Event(ctx, byKey[overdue.Key].ID); err != nil || e.Params == nil || e.Params.Quantity != 1250 {
			t.Errorf("the event read alone: %+v %v", e, err)
		}

		// The worker reads each recipient's settings as they are at the
		// send, and the delivery keeps the address it went to.
		ev := byKey["old:1"].ID
		var ds []notify.Delivery
		for _, u := range us {
			ds = append(ds, notify.Delivery{EventID: ev, Channel: notify.Email, UserID: u.ID, Address: u.Name + "@example.org", State: notify.Pending, NextAt: now})
		}
		ds = append(ds, notify.Delivery{EventID: ev, Channel: notify.Webhook, EndpointID: 9, Address: "https://siem.example.org/in", State: notify.Pending, NextAt: now})
		if err := ob.FanOut(ctx, ev, ds, now); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveSettings(as(ukr), notify.Settings{Email: "ukr-new@example.org", Events: []string{notify.ShipmentHeld}, Language: notify.English}, 1); err != nil {
			t.Fatal(err)
		}
		if s, err := ob.UserSettings(ctx, ukr.ID); err != nil || s.Language != notify.English || s.Email != "ukr-new@example.org" {
			t.Errorf("the worker reads %+v %v after the change", s, err)
		}
		due, err := ob.DueDeliveries(ctx, now, now.Add(-time.Minute), 10)
		if err != nil || len(due) != 4 {
			t.Fatalf("due %+v %v", due, err)
		}
		var mine notify.Delivery
		for _, d := range due {
			if d.UserID == ukr.ID {
				mine = d
			}
		}
		if ok, err := ob.Claim(ctx, mine, now); err != nil || !ok {
			t.Fatalf("claim %v %v", ok, err)
		}
		if err := ob.Finish(ctx, notify.Outcome{Delivery: mine.ID, At: now, State: notify.Pending, NextAt: now, Err: "connect: refused", Address: "ukr-new@example.org"}); err != nil {
			t.Fatal(err)
		}
		due, err = ob.DueDeliveries(ctx, now, now.Add(-time.Minute), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range due {
			if d.ID == mine.ID && (d.Address != "ukr-new@example.org" || d.Attempts != 1 || d.LastError != "connect: refused") {
				t.Errorf("after an attempt to the new address the delivery reads %+v", d)
			}
		}
	})
}
