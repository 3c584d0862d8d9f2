package store_test

import (
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestSSOLinks signs people in through a provider on both engines: an
// account is provisioned once per issuer and subject, never found by its
// e-mail or name, and a refused sign-in writes nothing.
func TestSSOLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		ctx := storetest.Ctx()
		// The store's clock is storetest.Each's.
		svc := &access.Service{Store: store.Access{DB: db}, Read: db, Now: func() time.Time { return time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) }}
		in := access.ExternalSignIn{Issuer: "https://idp.example", Subject: "s-1", Name: "anna.schmidt@bundeswehr.example", DisplayName: "Anna Schmidt",
			Roles: []access.Role{access.Coordinator}, Nation: "DEU", Clearance: access.Secret, Rule: "coordinators", From: "192.0.2.1"}
		first, err := svc.SignInExternal(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if first.User.Name != "anna.schmidt" || first.User.DisplayName != "Anna Schmidt" || first.User.PasswordHash != "" || first.Secret == "" {
			t.Fatalf("provisioned %+v", first.User)
		}
		if _, _, err := svc.Authenticate(ctx, first.Secret, ""); err != nil {
			t.Fatalf("the session does not hold: %v", err)
		}
		again, err := svc.SignInExternal(ctx, in)
		if err != nil || again.User.ID != first.User.ID {
			t.Fatalf("the second sign-in got %+v, %v; want the same account", again.User, err)
		}
		// The same name and e-mail from another issuer, or another subject,
		// is someone else.
		other := in
		other.Issuer = "https://other-idp.example"
		o, err := svc.SignInExternal(ctx, other)
		if err != nil || o.User.ID == first.User.ID || o.User.Name != "anna.schmidt-2" {
			t.Fatalf("another issuer's subject got %+v, %v; want a new account anna.schmidt-2", o.User, err)
		}
		// What the rules grant now replaces what they granted.
		in.Roles, in.Clearance = []access.Role{access.Analyst, access.Auditor}, access.Confidential
		up, err := svc.SignInExternal(ctx, in)
		if err != nil || up.User.ID != first.User.ID || up.User.Clearance != access.Confidential || len(up.User.Roles) != 2 {
			t.Fatalf("regranted %+v, %v", up.User, err)
		}
		stored, _ := db.UserByID(ctx, first.User.ID)
		if stored.Clearance != access.Confidential || stored.Version != 2 {
			t.Fatalf("stored %+v, want the new clearance at version 2", stored)
		}
		// An unknown nation is refused, and nothing is written.
		users, _ := db.Users(ctx)
		events, _ := db.Events(ctx, "", "", 10000)
		bad := in
		bad.Subject, bad.Nation = "s-2", "XXX"
		if _, err := svc.SignInExternal(ctx, bad); fault.Code(err) != fault.Invalid || fault.As(err).Field != "nation" {
			t.Fatalf("an unknown nation got %v, want an invalid nation", err)
		}
		bad.Nation, bad.Site = "DEU", "XX-NONE"
		if _, err := svc.SignInExternal(ctx, bad); fault.Code(err) != fault.Invalid || fault.As(err).Field != "site" {
			t.Fatalf("an unknown site got %v, want an invalid site", err)
		}
		// A disabled account stays out.
		if _, err := svc.UpdateUser(ctx, first.User.Name, "disable", func(u *access.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		events2, _ := db.Events(ctx, "", "", 10000)
		if _, err := svc.SignInExternal(ctx, in); fault.Code(err) != fault.Unauthorized {
			t.Fatalf("a disabled account got %v, want unauthorized", err)
		}
		users2, _ := db.Users(ctx)
		events3, _ := db.Events(ctx, "", "", 10000)
		if len(users2) != len(users) || len(events2) != len(events)+1 || len(events3) != len(events2) {
			t.Fatalf("refusals wrote: users %d → %d, events %d → %d (+1 for the disabling) → %d", len(users), len(users2), len(events), len(events2), len(events3))
		}
	})
}
