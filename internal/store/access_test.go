package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func as(id access.Identity) context.Context {
	return access.WithIdentity(context.Background(), id)
}

var (
	fraOfficer       = access.Identity{Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "session"}
	deuOfficer       = access.Identity{Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "session"}
	coordCleared     = access.Identity{Name: "coord", Nation: "USA", Roles: []access.Role{access.Coordinator}, Clearance: access.Restricted, Via: "session"}
	coordUncleared   = access.Identity{Name: "coord-u", Nation: "USA", Roles: []access.Role{access.Coordinator}, Clearance: access.Unclassified, Via: "session"}
	adminOnly        = access.Identity{Name: "admin", Nation: "DEU", Roles: []access.Role{access.Admin}, Clearance: access.Secret, Via: "session"}
	recipientOfficer = access.Identity{Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Restricted, Via: "session"}
)

// TestRestrictedPledgeDoesNotLeak follows a DEU pledge, NATO RESTRICTED and
// releasable to UKR only, through every read a FRA officer has.
func TestRestrictedPledgeDoesNotLeak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		svc := ledger(db)
		secret := newPledge("DEU") // NATO RESTRICTED, REL TO UKR
		secret.Title = "Secret air defence package"
		p, err := svc.CreatePledge(as(deuOfficer), secret)
		if err != nil {
			t.Fatal(err)
		}
		open := newPledge("NLD")
		open.Marking = access.Marking{}
		if _, err := svc.CreatePledge(storetest.Ctx(), open); err != nil {
			t.Fatal(err)
		}
		today := "2025-03-01"
		for _, c := range []struct {
			who  access.Identity
			sees bool
		}{{fraOfficer, false}, {coordUncleared, false}, {adminOnly, false}, {coordCleared, true}, {deuOfficer, true}, {recipientOfficer, true}} {
			t.Run(c.who.Name, func(t *testing.T) {
				ctx := as(c.who)
				page, err := db.Pledges(ctx, assist.PledgeFilter{}, list.Options{}, today)
				if err != nil {
					t.Fatal(err)
				}
				inList := slices.ContainsFunc(page.Items, func(s assist.PledgeSummary) bool { return s.ID == p.ID })
				search, _ := db.Pledges(ctx, assist.PledgeFilter{Q: "secret air"}, list.Options{}, today)
				_, getErr := db.Pledge(ctx, p.ID)
				all, _ := db.AllPledges(ctx, assist.PledgeFilter{Nation: "DEU"}, today)
				d, _ := db.Dashboard(ctx, today, 20)
				hasDEU := slices.ContainsFunc(d.ByNation, func(n assist.NationFigures) bool { return n.Nation == "DEU" })
				evs, _ := db.Events(ctx, "pledge", fmt.Sprint(p.ID), 10)
				got := []bool{inList, search.Total == 1, getErr == nil, len(all) == 1, hasDEU, len(evs) > 0}
				for i, g := range got {
					if g != c.sees {
						t.Errorf("read %d (list, search, get, export, dashboard, audit): sees=%v, want %v", i, g, c.sees)
					}
				}
				if !c.sees && fault.Code(getErr) != fault.NotFound {
					t.Errorf("get: %v, want not found (not forbidden)", getErr)
				}
				// Counts and totals hold only what is visible.
				wantTotal := int64(1)
				if c.sees {
					wantTotal = 2
				}
				if c.who.Name == "admin" {
					wantTotal = 0 // an administrator reads no operational data
				}
				if page.Total != wantTotal || d.Totals.Pledges != wantTotal {
					t.Errorf("list total %d, dashboard pledges %d, want %d", page.Total, d.Totals.Pledges, wantTotal)
				}
			})
		}
	})
}

// TestVisibilityInSQLMatchesPolicy checks, on random records and readers,
// that the store's SQL filter shows exactly what access.Identity.CanSee allows.
func TestVisibilityInSQLMatchesPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		svc := ledger(db)
		rng := rand.New(rand.NewPCG(7, 11))
		nations := []string{"DEU", "FRA", "POL", "USA", "NLD"}
		type rec struct {
			id     int64
			nation string
			m      access.Marking
		}
		var recs []rec
		for i := 0; i < 60; i++ {
			p := newPledge(nations[rng.IntN(len(nations))])
			p.Marking = access.Marking{Classification: access.Classification(rng.IntN(4))}
			for _, n := range append(nations, "UKR") {
				if rng.IntN(4) == 0 {
					p.ReleasableTo = append(p.ReleasableTo, n)
				}
			}
			p.ReleasableTo = access.Normalize(p.ReleasableTo)
			got, err := svc.CreatePledge(storetest.Ctx(), p)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec{got.ID, got.Nation, got.Marking})
		}
		readers := []access.Identity{fraOfficer, deuOfficer, coordCleared, coordUncleared, recipientOfficer, adminOnly, {}}
		for _, n := range nations {
			for c := access.Unclassified; c <= access.Secret; c++ {
				readers = append(readers, access.Identity{Name: n + c.Short(), Nation: n, Roles: []access.Role{access.NationOfficer}, Clearance: c, Via: "token"})
			}
		}
		for _, who := range readers {
			all, err := db.AllPledges(as(who), assist.PledgeFilter{}, "2025-03-01")
			if err != nil {
				t.Fatal(err)
			}
			got := map[int64]bool{}
			for _, p := range all {
				got[p.ID] = true
			}
			for _, r := range recs {
				want := access.Allowed(who, access.PledgeRead) && who.CanSee(r.nation, r.m)
				if got[r.id] != want {
					t.Errorf("%s and pledge %d (%s, %s): SQL shows %v, policy says %v", who.Name, r.id, r.nation, r.m, got[r.id], want)
				}
			}
		}
	})
}

func TestNationOfficerChangesOnlyOwnPledges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		svc := ledger(db)
		open := newPledge("DEU")
		open.Marking = access.Marking{} // visible to FRA
		p, err := svc.CreatePledge(as(deuOfficer), open)
		if err != nil {
			t.Fatal(err)
		}
		before := mustFingerprint(t, db)
		usa := newPledge("USA")
		usa.Marking = access.Marking{}
		if _, err := svc.CreatePledge(as(fraOfficer), usa); fault.Code(err) != fault.Forbidden {
			t.Errorf("FRA officer recording a USA pledge: %v, want forbidden", err)
		}
		if _, err := svc.Act(as(fraOfficer), p.ID, 0, assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 1}); fault.Code(err) != fault.Forbidden {
			t.Errorf("FRA officer committing a DEU line: %v, want forbidden", err)
		}
		above := newPledge("FRA")
		above.Marking = access.Marking{Classification: access.Secret}
		if _, err := svc.CreatePledge(as(fraOfficer), above); fault.Code(err) != fault.Invalid {
			t.Errorf("marking above clearance: %v, want invalid", err)
		}
		if after := mustFingerprint(t, db); after != before {
			t.Error("a refused change was written")
		}
		if _, err := svc.Act(as(deuOfficer), p.ID, 0, assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 1}); err != nil {
			t.Errorf("DEU officer committing their own line: %v", err)
		}
	})
}

// TestAudienceComputedAtStart opens a database whose records lack their
// audience mask, as those written before migration 0003 do, and checks that
// the server computes it at start and the records are visible again.
func TestAudienceComputedAtStart(t *testing.T) {
	for name, dsnFn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dsn := dsnFn(t)
			db := storetest.Open(t, dsn, storetestNow)
			storetest.Seed(t, db)
			p := newPledge("DEU") // REL TO UKR
			p.ReleasableTo = access.Releasability{"FRA", "UKR"}
			got, err := ledger(db).CreatePledge(storetest.Ctx(), p)
			if err != nil {
				t.Fatal(err)
			}
			raw := rawDB(t, db, dsn)
			mustExec(t, raw, fmt.Sprintf(`UPDATE pledges SET audience = 0 WHERE id = %d`, got.ID))
			if _, err := db.Pledge(as(fraOfficer), got.ID); fault.Code(err) != fault.NotFound {
				t.Fatalf("without its mask the pledge must be hidden from nation officers: %v", err)
			}
			db.Close()
			db = storetest.Open(t, dsn, storetestNow)
			if _, err := db.Pledge(as(fraOfficer), got.ID); err != nil {
				t.Errorf("after start, FRA sees the pledge releasable to it: %v", err)
			}
			if _, err := db.Pledge(as(access.Identity{Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Secret, Via: "token"}), got.ID); fault.Code(err) != fault.NotFound {
				t.Errorf("POL must not see it: %v", err)
			}
		})
	}
}

// TestAuditTrailShowsEventsAsTheyWereMarked downgrades a SECRET pledge to
// UNCLASSIFIED: the events that hold its SECRET state stay hidden from a
// reader without that clearance, also after they are recomputed at start.
func TestAuditTrailShowsEventsAsTheyWereMarked(t *testing.T) {
	for name, dsnFn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dsn := dsnFn(t)
			db := storetest.Open(t, dsn, storetestNow)
			storetest.Seed(t, db)
			svc := ledger(db)
			p := newPledge("DEU")
			p.Title = "SECRET-ERA TITLE"
			p.Marking = access.Marking{Classification: access.Secret}
			p, err := svc.CreatePledge(storetest.Ctx(), p)
			if err != nil {
				t.Fatal(err)
			}
			down := p
			down.Title = "Open title"
			down.Marking = access.Marking{}
			if _, err := svc.UpdatePledge(storetest.Ctx(), p.ID, 0, down); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Act(storetest.Ctx(), p.ID, 0, assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 1}); err != nil {
				t.Fatal(err)
			}
			reader := access.Identity{Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Unclassified, Via: "token"}
			check := func(when string) {
				t.Helper()
				evs, err := db.Events(as(reader), "pledge", fmt.Sprint(p.ID), 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 1 || evs[0].Action != "pledge.commit" {
					var got []string
					for _, e := range evs {
						got = append(got, e.Action)
					}
					t.Errorf("%s: the reader sees %v, want only pledge.commit", when, got)
				}
				if _, err := db.Pledge(as(reader), p.ID); err != nil {
					t.Errorf("%s: the pledge itself is unclassified now: %v", when, err)
				}
			}
			check("as written")
			mustExecN(t, rawDB(t, db, dsn), `UPDATE audit_events SET classification = -1, audience_before = 0, audience_after = 0`)
			db.Close()
			db = storetest.Open(t, dsn, storetestNow)
			check("recomputed at start")
		})
	}
}

func mustExecN(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
