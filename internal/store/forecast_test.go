package store_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// forecastFixture records a pledge of two lines day by day: announced on
// 5 January, its first line committed in two parts (all of it on the
// 25th), allocated on 1 February, handed over on the 10th and received on
// the 15th; its second line only committed. It returns the pledge.
func forecastFixture(t *testing.T, db *store.DB) assist.Pledge {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Seed(t, db)
	on := func(day string) {
		d, err := time.Parse("2006-01-02", day)
		if err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return d.Add(10 * time.Hour) }
	}
	svc := ledger(db)
	on("2025-01-10")
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 100, Priority: 1, NeedBy: "2025-03-31", DeliverySite: storetest.SiteKyiv,
		Marking: access.Marking{Classification: access.Unclassified}})
	if err != nil {
		t.Fatal(err)
	}
	p := newPledge("DEU")
	p.Announced = "2025-01-05"
	if p, err = svc.CreatePledge(ctx, p); err != nil {
		t.Fatal(err)
	}
	act := func(day string, a assist.Action) {
		t.Helper()
		on(day)
		if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
			t.Fatalf("%s %s: %v", day, a.Kind, err)
		}
	}
	act("2025-01-20", assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 60})
	act("2025-01-25", assist.Action{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 40})
	act("2025-01-25", assist.Action{Kind: assist.Commit, Line: p.Lines[1].ID, Quantity: 10})
	act("2025-02-01", assist.Action{Kind: assist.Allocate, Line: p.Lines[0].ID, Quantity: 100, Requirement: req.ID})
	on("2025-02-10")
	storetest.Ship(t, db, p.ID, p.Lines[0].ID, 100, 0)
	on("2025-02-15")
	sh, err := db.Shipments(ctx, logistics.ShipmentFilter{Pledge: p.ID}, list.Options{Limit: 10})
	if err != nil || len(sh.Items) != 1 {
		t.Fatalf("shipments %+v %v", sh, err)
	}
	if _, _, err := logi(db).Receive(ctx, sh.Items[0].ID, sh.Items[0].Version, logistics.Receipt{}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLineStagesAreTheDaysTheWholeQuantityReachedEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		p := forecastFixture(t, db)
		want := func(t *testing.T, what string) {
			t.Helper()
			lines, err := db.ForecastLines(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != 2 {
				t.Fatalf("%s: %d lines", what, len(lines))
			}
			days := func(l forecast.Line) []string {
				var out []string
				for _, d := range l.Reached {
					out = append(out, d.String())
				}
				return out
			}
			if got, want := days(lines[0]), []string{"2025-01-05", "2025-01-25", "2025-02-01", "2025-02-10", "2025-02-15"}; !slices.Equal(got, want) {
				t.Errorf("%s: line 1 reached its stages on %v, want %v", what, got, want)
			}
			if got, want := days(lines[1]), []string{"2025-01-05", "2025-01-25", "", "", ""}; !slices.Equal(got, want) {
				t.Errorf("%s: line 2 reached its stages on %v, want %v", what, got, want)
			}
			l := lines[0]
			if l.Nation != "DEU" || l.NationName != "Germany" || l.Capability != "ammunition" || l.Channel != "bilateral" || l.Promised.String() != "2025-04-30" ||
				l.Pledge != p.ID || l.No != 1 || l.Delivered != 100 || l.Marking.Classification != access.Restricted {
				t.Errorf("%s: line 1 %+v", what, l)
			}
			if len(l.Carriers) != 1 || l.Carriers[0].Dispatched.String() != "2025-02-10" || l.Carriers[0].Received.String() != "2025-02-15" || !l.Carriers[0].Arrived {
				t.Errorf("%s: carriers %+v", what, l.Carriers)
			}
		}
		want(t, "as written")
		// A ledger kept before the stages were derives the same from its
		// audit trail and deliveries.
		if err := db.BackfillStages(ctx); err != nil {
			t.Fatal(err)
		}
		want(t, "derived from the audit trail")
	})
}

func TestForecastLinesAndFlagsHoldOnlyWhatTheReaderMaySee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := forecastFixture(t, db)
		ctx := storetest.Ctx()
		fra := access.WithIdentity(context.Background(), access.Identity{Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Secret, Via: "session"})
		deu := access.WithIdentity(context.Background(), access.Identity{Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "session"})
		if lines, err := db.ForecastLines(fra); err != nil || len(lines) != 0 {
			t.Errorf("France sees %d of Germany's restricted lines (%v)", len(lines), err)
		}
		if lines, err := db.ForecastLines(deu); err != nil || len(lines) != 2 || len(lines[0].Carriers) != 1 {
			t.Errorf("Germany sees %+v (%v)", lines, err)
		}
		// A flag, one open a line at most, then closed.
		f := forecast.Flag{Pledge: p.ID, Line: p.Lines[1].ID, LineNo: 2, Reason: forecast.ReasonForecast, Words: "expected late", Days: 12, FlaggedOn: forecast.MustDay("2025-02-20")}
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.SaveFlag(ctx, &f) })
		if err != nil || f.ID == 0 {
			t.Fatalf("save %+v: %v", f, err)
		}
		again := f
		again.ID = 0
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.SaveFlag(ctx, &again) }); err == nil {
			t.Error("a second open flag of the same line was saved")
		}
		if got, err := db.RiskFlags(fra, forecast.FlagFilter{}); err != nil || len(got) != 0 {
			t.Errorf("France sees Germany's flags: %+v %v", got, err)
		}
		got, err := db.RiskFlags(deu, forecast.FlagFilter{Pledge: p.ID, Open: true})
		if err != nil || len(got) != 1 || got[0].Reason != forecast.ReasonForecast || got[0].Days != 12 || got[0].FlaggedOn.String() != "2025-02-20" || got[0].Nation != "DEU" || got[0].LineNo != 2 {
			t.Fatalf("Germany's open flags: %+v %v", got, err)
		}
		f.ClosedOn, f.Outcome, f.ClosedDays = forecast.MustDay("2025-03-01"), forecast.OutcomeCleared, 3
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.SaveFlag(ctx, &f) }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.RiskFlags(deu, forecast.FlagFilter{Open: true}); len(got) != 0 {
			t.Errorf("open after closing: %+v", got)
		}
		if got, _ := db.RiskFlags(deu, forecast.FlagFilter{Line: p.Lines[1].ID}); len(got) != 1 || got[0].Outcome != forecast.OutcomeCleared || got[0].ClosedOn.String() != "2025-03-01" || got[0].ClosedDays != 3 {
			t.Errorf("the closed flag: %+v", got)
		}
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.SaveFlag(ctx, &f) }); err == nil {
			t.Error("a closed flag was closed again")
		}
	})
}

// TestAShipmentHeldPastThePromiseIsFlagged moves a shipment's ETA past
// its pledge's promised date, as a late arrival at the hub does, and sees
// the early-warning check flag the line with its reason, on both engines.
func TestAShipmentHeldPastThePromiseIsFlagged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 80, Priority: 1, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p := newPledge("DEU")
		p.Marking, p.Promised, p.Lines = access.Marking{}, "2025-03-04", p.Lines[:1]
		if p, err = svc.CreatePledge(ctx, p); err != nil {
			t.Fatal(err)
		}
		line := p.Lines[0].ID
		for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 100}, {Kind: assist.Allocate, Line: line, Quantity: 80, Requirement: req.ID}} {
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		als, err := db.Allocations(ctx, p.ID, 0)
		if err != nil || len(als) != 1 {
			t.Fatalf("allocations %+v %v", als, err)
		}
		lg := logi(db)
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		sh, err := lg.CreateShipment(ctx, logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: now,
			Lines: []logistics.NewLine{{Allocation: als[0].ID, Quantity: 80}}})
		if err != nil {
			t.Fatal(err)
		}
		if sh, err = lg.Hand(ctx, sh.ID, sh.Version, logistics.Move{Action: logistics.Dispatch, To: "truck 7"}); err != nil {
			t.Fatal(err)
		}
		fc := &forecast.Service{Store: store.Forecast{DB: db}, Read: db}
		r, err := fc.Check(ctx)
		if err != nil || len(r.Flagged) != 0 {
			t.Fatalf("due on %s, promised 2025-03-04: flagged %+v %v", sh.ETA.Format(time.DateOnly), r.Flagged, err)
		}
		// The truck reaches the hub three days late: the ETA moves to the
		// 5th, a day after the promise.
		now = time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
		if sh, err = lg.Hand(ctx, sh.ID, sh.Version, logistics.Move{Action: logistics.Arrive, Note: "held at the border"}); err != nil {
			t.Fatal(err)
		}
		if r, err = fc.Check(ctx); err != nil || len(r.Flagged) != 1 {
			t.Fatalf("ETA %s: flagged %+v %v", sh.ETA, r.Flagged, err)
		}
		flags, err := db.RiskFlags(ctx, forecast.FlagFilter{Pledge: p.ID})
		if err != nil || len(flags) != 1 {
			t.Fatalf("flags %+v %v", flags, err)
		}
		f := flags[0]
		if f.Reason != forecast.ReasonETA || f.Days != 1 || f.Shipment != sh.ID || f.FlaggedOn.String() != "2025-03-04" || !f.Open() ||
			f.Words != "S-00001's ETA, 2025-03-05, is 1 day after the promised 2025-03-04" {
			t.Errorf("the flag: %+v", f)
		}
		evs, err := db.Events(ctx, "pledge", strconv.FormatInt(p.ID, 10), 1)
		if err != nil || len(evs) != 1 || evs[0].Action != "pledge.at_risk" {
			t.Errorf("the pledge's latest event: %+v %v", evs, err)
		}
		// Checked again, nothing changes.
		if r, err = fc.Check(ctx); err != nil || len(r.Flagged)+len(r.Closed) != 0 || r.Open != 1 {
			t.Errorf("a second check: %+v %v", r, err)
		}
	})
}
