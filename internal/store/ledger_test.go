package store_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func ledger(db *store.DB) *assist.Service { return &assist.Service{Store: store.Assist{DB: db}} }

func mustFingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	return storetest.Fingerprint(t, db)
}

func newPledge(nation string) assist.Pledge {
	return assist.Pledge{
		Nation: nation, Title: "155 mm ammunition, spring package", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-02-01", Promised: "2025-04-30",
		Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}},
		Lines: []assist.Line{
			{NSN: storetest.NSN155, Pledged: 100},
			{NSN: storetest.NSNStinger, Pledged: 10, UnitValue: 50000000},
		},
	}
}

func TestReferenceData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		allies, err := db.Nations(ctx, catalog.NationFilter{Role: "ally"}, list.Options{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if allies.Total != 32 {
			t.Errorf("allies: %d, want 32", allies.Total)
		}
		deu, err := db.Nation(ctx, "DEU")
		if err != nil {
			t.Fatal(err)
		}
		if deu.MemberSince != "1955-05-06" || len(deu.Years) != 11 {
			t.Errorf("DEU: member since %s with %d years, want 1955-05-06 and 11 (2014–2024)", deu.MemberSince, len(deu.Years))
		}
		pol, _ := db.Nation(ctx, "POL")
		last := pol.Years[len(pol.Years)-1]
		if last.Year != 2024 || last.DefencePPM/100 != 412 {
			t.Errorf("POL %d: %d ppm of GDP, want 2024 and 4.12%%", last.Year, last.DefencePPM)
		}
		hun, _ := db.Nation(ctx, "HUN")
		if hun.InBaseline {
			t.Error("Hungary opted out of the baseline pledge")
		}
		if _, err := db.Nation(ctx, "UKR"); err != nil {
			t.Error(err)
		}
		if _, err := db.Nation(ctx, "XXX"); fault.Code(err) != fault.NotFound {
			t.Errorf("unknown nation: %v, want not found", err)
		}
		res, err := db.VerifyAudit(ctx)
		if err != nil || res.Break != nil || res.Events != 1 {
			t.Errorf("fresh database: verify %+v %v, want one intact event", res, err)
		}
	})
}

func TestPledgeLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 80, Priority: 1, NeedBy: "2025-05-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.CreatePledge(ctx, newPledge("DEU"))
		if err != nil {
			t.Fatal(err)
		}
		if p.Lines[0].UnitValue != 350000 || p.Lines[1].UnitValue != 50000000 {
			t.Errorf("unit values %v, %v: want the catalogue's for line 1 and the given one for line 2", p.Lines[0].UnitValue, p.Lines[1].UnitValue)
		}
		line := p.Lines[0].ID
		steps := []assist.Action{
			{Kind: assist.Commit, Line: line, Quantity: 60},
			{Kind: assist.Allocate, Line: line, Quantity: 50, Requirement: req.ID},
			{Kind: "shipments"}, // 30 shipped, 20 of them received
			{Kind: assist.Accept, Line: line, Quantity: 10},
		}
		for _, a := range steps {
			if a.Kind == "shipments" {
				storetest.Ship(t, db, p.ID, line, 30, 20)
				p, _ = db.Pledge(ctx, p.ID)
				continue
			}
			if p, err = svc.Act(ctx, p.ID, p.Version, a); err != nil {
				t.Fatalf("%s: %v", a.Kind, err)
			}
		}
		l := p.Lines[0]
		if got := []int64{l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted}; !equal(got, []int64{100, 60, 50, 30, 20, 10}) {
			t.Errorf("line quantities %v", got)
		}
		stored, _ := db.Pledge(ctx, p.ID)
		// Created, committed, allocated, shipped (20 handed over), delivered
		// (their receipt), shipped (10 more), accepted.
		if stored.Version != 7 || stored.Lines[0].Accepted != 10 {
			t.Errorf("stored pledge version %d accepted %d, want 7 and 10", stored.Version, stored.Lines[0].Accepted)
		}
		r, _ := db.Requirement(ctx, req.ID)
		if r.Allocated != 50 || r.Delivered != 20 || r.Accepted != 10 || r.State != assist.ReqPartlyAllocated {
			t.Errorf("requirement %+v", r)
		}
		// Allocating the last 30 makes the requirement allocated.
		p, err = svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Commit, Line: line, Quantity: 30})
		if err == nil {
			p, err = svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Allocate, Line: line, Quantity: 30, Requirement: req.ID})
		}
		if err != nil {
			t.Fatal(err)
		}
		if r, _ = db.Requirement(ctx, req.ID); r.State != assist.ReqAllocated {
			t.Errorf("state %s, want allocated", r.State)
		}
		// 100 pledged, 80 allocated: 20 can be withdrawn, not more.
		if _, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Withdraw, Line: line, Quantity: 21}); fault.Code(err) != fault.Invalid {
			t.Errorf("withdrawing allocated stock: %v, want invalid", err)
		}
		p, err = svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Withdraw, Line: line, Quantity: 20})
		if err != nil {
			t.Fatal(err)
		}
		if p.Lines[0].Pledged != 80 || p.Lines[0].Withdrawn != 20 || p.Lines[0].Committed != 80 {
			t.Errorf("after withdrawal: %+v", p.Lines[0])
		}
		// The whole run is in an intact chain: reference load, 2 sites, 3
		// items, the requirement, the pledge, 8 line actions and the
		// requirement changes that followed them.
		res, err := db.VerifyAudit(ctx)
		if err != nil || res.Break != nil {
			t.Fatalf("verify: %+v %v", res, err)
		}
		evs, _ := db.Events(ctx, "requirement", "1", 100)
		// Shipping changes neither delivered nor accepted, so it leaves no
		// event on the requirement.
		var names []string
		for _, e := range evs {
			names = append(names, e.Action)
		}
		if got := strings.Join(names, " "); got != "requirement.allocate requirement.accept requirement.deliver requirement.allocate requirement.create" {
			t.Errorf("requirement events, newest first: %v", got)
		}
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRefusedChangesChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 40, Priority: 2, NeedBy: "2025-05-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := svc.CreatePledge(ctx, newPledge("FRA"))
		line := p.Lines[0].ID
		for _, a := range []assist.Action{{Kind: "commit", Line: line, Quantity: 40}, {Kind: "allocate", Line: line, Quantity: 40, Requirement: req.ID}, {Kind: "shipments"}, {Kind: "accept", Line: line, Quantity: 10}} {
			if a.Kind == "shipments" {
				storetest.Ship(t, db, p.ID, line, 30, 20)
				continue
			}
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		before := mustFingerprint(t, db)
		bad := func(mutate func(*assist.Pledge)) assist.Pledge { x := newPledge("FRA"); mutate(&x); return x }
		cases := []struct {
			name  string
			run   func() error
			code  string
			field string
		}{
			{"unknown nation", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Nation = "XYZ" }))
				return err
			}, fault.Invalid, "nation"},
			{"recipient pledges", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Nation = "UKR" }))
				return err
			}, fault.Invalid, "nation"},
			{"malformed NSN", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Lines[1].NSN = "1320-12-345" }))
				return err
			}, fault.Invalid, "lines[1].nsn"},
			{"no such supply class", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Lines[0].NSN = "9998-12-345-6789" }))
				return err
			}, fault.Invalid, "lines[0].nsn"},
			{"NSN not in catalogue", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Lines[0].NSN = "1005-12-345-6789" }))
				return err
			}, fault.Invalid, "lines[0].nsn"},
			{"zero quantity", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Lines[0].Pledged = 0 }))
				return err
			}, fault.Invalid, "lines[0].quantity"},
			{"negative quantity", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Lines[1].Pledged = -5 }))
				return err
			}, fault.Invalid, "lines[1].quantity"},
			{"promised before announced", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Promised = "2024-01-01" }))
				return err
			}, fault.Invalid, "promised"},
			{"date not a date", func() error {
				_, err := svc.CreatePledge(ctx, bad(func(p *assist.Pledge) { p.Promised = "2025-02-30" }))
				return err
			}, fault.Invalid, "promised"},
			{"unknown site", func() error {
				_, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1, Priority: 1, NeedBy: "2025-05-01", DeliverySite: "NOWHERE"})
				return err
			}, fault.Invalid, "delivery_site"},
			{"site not a delivery point", func() error {
				_, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1, Priority: 1, NeedBy: "2025-05-01", DeliverySite: storetest.SiteHub})
				return err
			}, fault.Invalid, "delivery_site"},
			{"need-by not a date", func() error {
				_, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1, Priority: 1, NeedBy: "next week", DeliverySite: storetest.SiteKyiv})
				return err
			}, fault.Invalid, "need_by"},
			{"ship on the line instead of a shipment", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "ship", Line: line, Quantity: 1})
				return err
			}, fault.Invalid, "action"},
			{"deliver on the line instead of a receipt", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "deliver", Line: line, Quantity: 1})
				return err
			}, fault.Invalid, "action"},
			{"ship more than allocated", func() error {
				_, err := (&logistics.Service{Store: store.Logistics{DB: db}}).HandOver(ctx, logistics.Handover{Origin: storetest.SiteHub, Override: "test",
					Lines: []logistics.NewLine{{Allocation: firstAllocation(t, db, p.ID), Quantity: 11}}})
				return err
			}, fault.Invalid, "lines[0].quantity"},
			{"accept more than delivered", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "accept", Line: line, Quantity: 11})
				return err
			}, fault.Invalid, "quantity"},
			{"withdraw delivered", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "withdraw", Line: line, Quantity: 61})
				return err
			}, fault.Invalid, "quantity"},
			{"allocate beyond the requirement", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "commit", Line: p.Lines[0].ID, Quantity: 10})
				if err != nil {
					return err
				}
				return nil
			}, "", ""},
			{"zero action", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "commit", Line: line, Quantity: 0})
				return err
			}, fault.Invalid, "quantity"},
			{"incompatible item", func() error {
				_, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: "allocate", Line: p.Lines[1].ID, Quantity: 1, Requirement: req.ID})
				return err
			}, fault.Invalid, "requirement"},
			{"stale version", func() error {
				_, err := svc.Act(ctx, p.ID, p.Version-1, assist.Action{Kind: "commit", Line: line, Quantity: 1})
				return err
			}, fault.Conflict, ""},
			{"no such pledge", func() error {
				_, err := svc.Act(ctx, 9999, 0, assist.Action{Kind: "commit", Line: line, Quantity: 1})
				return err
			}, fault.NotFound, ""},
		}
		for _, c := range cases {
			if c.code == "" {
				continue // a helper step, not a refusal
			}
			t.Run(c.name, func(t *testing.T) {
				err := c.run()
				if fault.Code(err) != c.code {
					t.Fatalf("got %v (%s), want %s", err, fault.Code(err), c.code)
				}
				if c.field != "" && !hasField(err, c.field) {
					t.Errorf("error %q does not name field %s", err, c.field)
				}
				if after := mustFingerprint(t, db); after != before {
					t.Error("the database changed")
				}
			})
		}
	})
}

func hasField(err error, field string) bool {
	e := fault.As(err)
	if e == nil {
		return false
	}
	if e.Field == field {
		return true
	}
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

func TestStaleVersionConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		p, _ := svc.CreatePledge(ctx, newPledge("POL"))
		a := assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 5}
		if _, err := svc.Act(ctx, p.ID, p.Version, a); err != nil {
			t.Fatal(err)
		}
		// A second user acting on the version they read is refused.
		if _, err := svc.Act(ctx, p.ID, p.Version, a); fault.Code(err) != fault.Conflict {
			t.Fatalf("stale act: %v, want conflict", err)
		}
		edit := p
		edit.Title = "renamed"
		if _, err := svc.UpdatePledge(ctx, p.ID, p.Version, edit); fault.Code(err) != fault.Conflict {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		got, _ := db.Pledge(ctx, p.ID)
		if got.Lines[0].Committed != 5 || got.Title == "renamed" {
			t.Errorf("stale writes changed the pledge: %+v", got)
		}
	})
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, inParts := range []bool{false, true} {
		if inParts {
			// Read the 7 events in two parts, joined at event 4.
			defer store.VerifyInPartsFrom(1)()
		}
		testAuditVerifyFindsTampering(t)
	}
}

func testAuditVerifyFindsTampering(t *testing.T) {
	for name, dsnFn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dsn := dsnFn(t)
			db := storetest.Open(t, dsn, storetestNow)
			storetest.Tampered(db) // its audit chain is edited below, on purpose
			ctx := storetest.Ctx()
			storetest.Seed(t, db)
			if _, err := ledger(db).CreatePledge(ctx, newPledge("NLD")); err != nil {
				t.Fatal(err)
			}
			res, err := db.VerifyAudit(ctx)
			if err != nil || res.Break != nil || res.Events != 7 {
				t.Fatalf("before tampering: %+v %v", res, err)
			}
			raw := rawDB(t, db, dsn)
			mustExec(t, raw, `INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES (0, '2025-03-01T09:00:00.000000Z', 'mallory', 'pledge.delete', 'pledge', '1', '', '', 'x', 'y')`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || res.Break.Seq != 0 {
				t.Fatalf("event slipped in before the first: %+v, want a break at 0", res.Break)
			}
			mustExec(t, raw, `DELETE FROM audit_events WHERE seq = 0`)
			mustExec(t, raw, `INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES (99, '2025-03-01T09:00:00.000000Z', 'mallory', 'pledge.delete', 'pledge', '1', '', '', 'x', 'y')`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || !strings.Contains(res.Break.Reason, "added by hand") {
				t.Fatalf("event added past the head: %+v", res.Break)
			}
			mustExec(t, raw, `DELETE FROM audit_events WHERE seq = 99`)
			mustExec(t, raw, `UPDATE audit_events SET after = REPLACE(after, '"pledged":100', '"pledged":10') WHERE seq = 7`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || res.Break.Seq != 7 || !strings.Contains(res.Break.Reason, "edited") {
				t.Fatalf("edited event: %+v, want a break at 7", res.Break)
			}
			mustExec(t, raw, `DELETE FROM audit_events WHERE seq = 7`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || res.Break.Seq != 7 {
				t.Fatalf("removed last event: %+v, want a break at 7", res.Break)
			}
			mustExec(t, raw, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 4`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || res.Break.Seq != 4 {
				t.Fatalf("edited event 4: %+v, want a break at 4", res.Break)
			}
			mustExec(t, raw, `UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`)
			res, _ = db.VerifyAudit(ctx)
			if res.Break == nil || res.Break.Seq != 3 {
				t.Fatalf("edited actor: %+v, want a break at 3", res.Break)
			}
		})
	}
}

func rawDB(t *testing.T, db *store.DB, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", dsn
	if db.Dialect() == store.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	res, err := db.Exec(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s: %d rows", q, n)
	}
}

// TestPledgeTotalsFollowTheLines checks that the totals each pledge keeps
// equal the sums over its lines after every kind of change.
func TestPledgeTotalsFollowTheLines(t *testing.T) {
	for name, dsnFn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dsn := dsnFn(t)
			db := storetest.Open(t, dsn, storetestNow)
			ctx := storetest.Ctx()
			storetest.Seed(t, db)
			svc := ledger(db)
			req, _ := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 50, Priority: 1, NeedBy: "2025-05-01", DeliverySite: storetest.SiteKyiv})
			p, err := svc.CreatePledge(ctx, newPledge("DEU"))
			if err != nil {
				t.Fatal(err)
			}
			l := p.Lines[0].ID
			check := func(step string) {
				t.Helper()
				var bad int
				err := rawDB(t, db, dsn).QueryRow(`SELECT COUNT(*) FROM pledges p WHERE
					p.line_count <> (SELECT COUNT(*) FROM pledge_lines l WHERE l.pledge_id = p.id) OR
					p.pledged_value <> (SELECT COALESCE(SUM(l.pledged * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id) OR
					p.committed_value <> (SELECT COALESCE(SUM(l.committed * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id) OR
					p.delivered_value <> (SELECT COALESCE(SUM(l.delivered * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id) OR
					p.accepted_value <> (SELECT COALESCE(SUM(l.accepted * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id) OR
					p.open_lines <> (SELECT COUNT(*) FROM pledge_lines l WHERE l.pledge_id = p.id AND l.delivered < l.pledged) OR
					p.open_value <> (SELECT COALESCE(SUM((l.pledged - l.delivered) * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id AND l.delivered < l.pledged)`).Scan(&bad)
				if err != nil || bad != 0 {
					t.Fatalf("after %s: %d pledges whose totals differ from their lines (%v)", step, bad, err)
				}
			}
			check("create")
			for _, a := range []assist.Action{{Kind: "commit", Quantity: 50}, {Kind: "allocate", Quantity: 50, Requirement: req.ID}, {Kind: "shipments"},
				{Kind: "accept", Quantity: 20}, {Kind: "withdraw", Quantity: 30}} {
				a.Line = l
				if a.Kind == "shipments" {
					storetest.Ship(t, db, p.ID, l, 50, 50)
					check("ship and receive")
					continue
				}
				if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
					t.Fatal(err)
				}
				check(a.Kind)
			}
			edit := p
			edit.Amount = 123456
			if _, err := svc.UpdatePledge(ctx, p.ID, 0, edit); err != nil {
				t.Fatal(err)
			}
			check("update")
		})
	}
}

// TestAuditVerifyWhileWriting verifies the chain while pledges are written:
// events added meanwhile are not tampering.
func TestAuditVerifyWhileWriting(t *testing.T) {
	defer store.VerifyInPartsFrom(1)()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := newPledge("DEU")
				p.ReleasableTo = nil
				if _, err := svc.CreatePledge(ctx, p); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for i := 0; i < 30; i++ {
			res, err := db.VerifyAudit(ctx)
			if err != nil || res.Break != nil {
				t.Errorf("verify %d while writing: %+v %v", i, res.Break, err)
				break
			}
		}
		close(stop)
		<-done
	})
}

// firstAllocation is the oldest allocation of pledge p.
func firstAllocation(t *testing.T, db *store.DB, p int64) int64 {
	t.Helper()
	als, err := db.Allocations(storetest.Ctx(), p, 0)
	if err != nil || len(als) == 0 {
		t.Fatalf("allocations of pledge %d: %v %v", p, als, err)
	}
	return als[0].ID
}
