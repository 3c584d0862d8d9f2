package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

const (
	siteDepot = "DE-DEPOT"
	siteRO    = "RO-HUB"
	siteShop  = "PL-SHOP" // a repair facility: not a hub
)

func logi(db *store.DB) *logistics.Service {
	return &logistics.Service{Store: store.Logistics{DB: db}}
}

// seedNetwork adds a German depot, a Romanian hub and a repair shop to the
// fixture sites, and links depot → Rzeszów (road, 20 h) → Kyiv (rail, 18 h),
// and depot → Romania → Kyiv, slower.
func seedNetwork(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Seed(t, db)
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	for _, s := range []catalog.Site{
		{Code: siteDepot, Name: "Depot Pfungstadt", Nation: "DEU", Kinds: []string{"donor_depot"}, LatE6: 49800000, LonE6: 8600000},
		{Code: siteRO, Name: "Suceava node", Nation: "ROU", Kinds: []string{"logistics_hub"}, LatE6: 47650000, LonE6: 26250000},
		{Code: siteShop, Name: "Repair shop", Nation: "POL", Kinds: []string{"repair_facility"}, LatE6: 50290000, LonE6: 18670000},
	} {
		if _, err := cs.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	svc := logi(db)
	for _, l := range []logistics.Link{
		{From: siteDepot, To: storetest.SiteHub, Mode: "road", TransitHours: 20, CapacityTonnesDay: 400, CapacityPalletsDay: 600},
		{From: storetest.SiteHub, To: storetest.SiteKyiv, Mode: "rail", TransitHours: 18, CapacityTonnesDay: 1000, CapacityPalletsDay: 1200},
		{From: siteDepot, To: siteRO, Mode: "road", TransitHours: 30, CapacityTonnesDay: 200, CapacityPalletsDay: 300},
		{From: siteRO, To: storetest.SiteKyiv, Mode: "road", TransitHours: 20, CapacityTonnesDay: 200, CapacityPalletsDay: 300},
		{From: siteDepot, To: siteShop, Mode: "road", TransitHours: 10, CapacityTonnesDay: 100, CapacityPalletsDay: 100},
		{From: siteShop, To: storetest.SiteKyiv, Mode: "road", TransitHours: 10, CapacityTonnesDay: 100, CapacityPalletsDay: 100},
	} {
		if _, err := svc.SaveLink(ctx, 0, 0, l); err != nil {
			t.Fatalf("link %s: %v", l.Ref(), err)
		}
	}
	if _, err := svc.SetHub(ctx, storetest.SiteHub, 0, logistics.Hub{ThroughputTDay: 2000, StorageTonnes: 10000, DwellHours: 6}); err != nil {
		t.Fatal(err)
	}
}

// allocated records a German pledge of 100 rounds, commits and allocates
// 60 of them to a requirement, and returns the allocation.
func allocated(t *testing.T, db *store.DB) (assist.Pledge, assist.Requirement, assist.Allocation) {
	t.Helper()
	ctx := storetest.Ctx()
	svc := ledger(db)
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 80, Priority: 1, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	p := newPledge("DEU")
	p.Marking = access.Marking{}
	p, err = svc.CreatePledge(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	line := p.Lines[0].ID
	for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 100}, {Kind: assist.Allocate, Line: line, Quantity: 60, Requirement: req.ID}} {
		if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
			t.Fatal(err)
		}
	}
	als, err := db.Allocations(ctx, p.ID, 0)
	if err != nil || len(als) != 1 {
		t.Fatalf("allocations: %v %v", als, err)
	}
	return p, req, als[0]
}

func actor(name string, roles []access.Role, nation, site string) context.Context {
	return access.WithIdentity(context.Background(), access.Identity{Name: name, Nation: nation, Roles: roles, Site: site, Clearance: access.Secret, Via: "session"})
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if fault.Code(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

func TestShipmentLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		p, req, al := allocated(t, db)
		svc := logi(db)
		depart := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
		sh, err := svc.CreateShipment(ctx, logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: depart,
			Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 40}}})
		if err != nil {
			t.Fatal(err)
		}
		// The quickest route passes Rzeszów: 20 h road, 6 h dwell, 18 h rail.
		if got := strings.Join(sh.Route(), ">"); got != siteDepot+">"+storetest.SiteHub+">"+storetest.SiteKyiv {
			t.Errorf("route %s", got)
		}
		if want := depart.Add(44 * time.Hour); !sh.ETA.Equal(want) {
			t.Errorf("ETA %s, want %s", sh.ETA, want)
		}
		if sh.Nation != "DEU" || sh.MassG != 40*46700 || sh.State != logistics.Planned {
			t.Errorf("shipment %+v", sh)
		}

		// Bad shipments change nothing.
		fp := mustFingerprint(t, db)
		for name, in := range map[string]logistics.NewShipment{
			"more than allocated and not planned":  {Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: depart, Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 21}}},
			"through a site that is no hub":        {Origin: siteDepot, Destination: storetest.SiteKyiv, Via: []string{siteShop}, PlannedDeparture: depart, Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 1}}},
			"to a site that does not exist":        {Origin: siteDepot, Destination: "UA-NOWHERE", PlannedDeparture: depart, Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 1}}},
			"from a site that does not exist":      {Origin: "XX-NONE", Destination: storetest.SiteKyiv, PlannedDeparture: depart, Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 1}}},
			"of an allocation that does not exist": {Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: depart, Lines: []logistics.NewLine{{Allocation: 999, Quantity: 1}}},
		} {
			_, err := svc.CreateShipment(ctx, in)
			wantCode(t, name, err, fault.Invalid)
		}
		if _, err := svc.SaveLink(ctx, 0, 0, logistics.Link{From: siteDepot, To: "XX-NONE", Mode: "road", TransitHours: 3}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "XX-NONE") {
			t.Errorf("link to a missing site: %v", err)
		}
		if got := mustFingerprint(t, db); got != fp {
			t.Fatal("a refused shipment or link changed the database")
		}

		rze := actor("rze-op", []access.Role{access.HubOperator}, "POL", storetest.SiteHub)
		suceava := actor("ro-op", []access.Role{access.HubOperator}, "ROU", siteRO)
		kyiv := actor("ua-officer", []access.Role{access.RecipientOfficer}, "UKR", "")
		// Going forward only, and only by whoever holds the goods.
		_, err = svc.Hand(ctx, sh.ID, 0, logistics.Move{Action: logistics.Depart})
		wantCode(t, "depart before dispatch", err, fault.Conflict)
		_, err = svc.Hand(rze, sh.ID, 0, logistics.Move{Action: logistics.Dispatch})
		wantCode(t, "dispatch by the hub, which does not hold the goods", err, fault.Forbidden)
		if got := mustFingerprint(t, db); got != fp {
			t.Fatal("a refused custody event changed the database")
		}
		if sh, err = svc.Hand(ctx, sh.ID, sh.Version, logistics.Move{Action: logistics.Dispatch, To: "Spedition Müller, truck 7", At: db.Now().Add(-100 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		p, _ = db.Pledge(ctx, p.ID)
		if l := p.Lines[0]; l.Shipped != 40 {
			t.Errorf("dispatch: line shipped %d, want 40", l.Shipped)
		}
		if _, err := svc.Hand(suceava, sh.ID, 0, logistics.Move{Action: logistics.Arrive}); err == nil {
			t.Error("a hub off the route took the goods")
		}
		// An arrival far quicker than the leg needs a note saying why.
		_, err = svc.Hand(rze, sh.ID, 0, logistics.Move{Action: logistics.Arrive, At: db.Now().Add(-99 * time.Hour)})
		wantCode(t, "an arrival an hour into a 20-hour leg, without a note", err, fault.Invalid)
		if fe := fault.As(err); fe == nil || fe.Field != "note" {
			t.Errorf("the quick arrival's error names %+v, want the note", fe)
		}
		if sh, err = svc.Hand(rze, sh.ID, 0, logistics.Move{Action: logistics.Arrive, At: db.Now().Add(-80 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if sh.State != logistics.AtHub || sh.Location != storetest.SiteHub {
			t.Errorf("after arrival: %s at %s", sh.State, sh.Location)
		}
		stock, err := db.HubStock(ctx, storetest.SiteHub)
		if err != nil || len(stock) != 1 || stock[0].Quantity != 40 {
			t.Fatalf("stock at the hub: %+v %v", stock, err)
		}
		_, err = svc.Hand(ctx, sh.ID, 0, logistics.Move{Action: logistics.Dispatch})
		wantCode(t, "dispatch again", err, fault.Conflict)
		if sh, err = svc.Hand(rze, sh.ID, 0, logistics.Move{Action: logistics.Depart, To: "PKP Cargo train 4411", At: db.Now().Add(-60 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		stock, _ = db.HubStock(ctx, storetest.SiteHub)
		if len(stock) != 0 {
			t.Errorf("stock after departure: %+v", stock)
		}
		if sh, err = svc.Hand(kyiv, sh.ID, 0, logistics.Move{Action: logistics.Arrive, At: db.Now().Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if sh.State != logistics.Delivered {
			t.Fatalf("state %s, want delivered", sh.State)
		}

		// Receipt: 38 of 40 received, 2 damaged.
		fp = mustFingerprint(t, db)
		_, _, err = svc.Receive(kyiv, sh.ID, 0, logistics.Receipt{Lines: []logistics.ReceiptLine{{No: 1, Received: 38}}})
		wantCode(t, "a shortfall without a reason", err, fault.Invalid)
		_, _, err = svc.Receive(kyiv, sh.ID, 0, logistics.Receipt{Lines: []logistics.ReceiptLine{{No: 1, Received: 41, Kind: "short", Reason: "counted twice"}}})
		wantCode(t, "more than sent without a surplus", err, fault.Invalid)
		if got := mustFingerprint(t, db); got != fp {
			t.Fatal("a refused receipt changed the database")
		}
		sh, ds, err := svc.Receive(kyiv, sh.ID, 0, logistics.Receipt{Lines: []logistics.ReceiptLine{{No: 1, Received: 38, Kind: "damaged", Reason: "two rounds with dented fuzes"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].Quantity != 2 || ds[0].State != logistics.Open {
			t.Fatalf("discrepancies %+v", ds)
		}
		_, _, err = svc.Receive(kyiv, sh.ID, 0, logistics.Receipt{})
		wantCode(t, "receive twice", err, fault.Conflict)
		p, _ = db.Pledge(ctx, p.ID)
		r, _ := db.Requirement(ctx, req.ID)
		if p.Lines[0].Delivered != 38 || r.Delivered != 38 {
			t.Errorf("after receipt: line delivered %d, requirement delivered %d, want 38 and 38", p.Lines[0].Delivered, r.Delivered)
		}
		balance(t, db, sh.ID)

		// The damaged rounds were repaired in theatre after all: found.
		if _, err := svc.Resolve(ctx, ds[0].ID, 0, "found", "fuzes replaced at the delivery point"); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Resolve(ctx, ds[0].ID, 0, "loss", "again")
		wantCode(t, "resolve twice", err, fault.Conflict)
		p, _ = db.Pledge(ctx, p.ID)
		r, _ = db.Requirement(ctx, req.ID)
		if p.Lines[0].Delivered != 40 || r.Delivered != 40 {
			t.Errorf("after found: line delivered %d, requirement %d, want 40", p.Lines[0].Delivered, r.Delivered)
		}
		balance(t, db, sh.ID)

		chain, err := db.Custody(ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range chain {
			acts = append(acts, e.Action+"@"+e.Site)
		}
		if got, want := strings.Join(acts, " "), "dispatch@DE-DEPOT arrive@PL-RZE depart@PL-RZE arrive@UA-KYIV receive@UA-KYIV"; got != want {
			t.Errorf("custody chain %q, want %q", got, want)
		}
		if chain[0].To != "Spedition Müller, truck 7" || chain[2].From != storetest.SiteHub {
			t.Errorf("custody parties: %+v", chain)
		}
		if res, err := db.VerifyAudit(ctx); err != nil || res.Break != nil {
			t.Errorf("audit chain: %+v %v", res.Break, err)
		}
	})
}

// balance checks that every line's sent quantity equals its received
// quantity plus its open discrepancies and resolved losses.
func balance(t *testing.T, db *store.DB, id int64) {
	t.Helper()
	ctx := storetest.Ctx()
	sh, err := db.Shipment(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := db.Discrepancies(ctx, logistics.DiscrepancyFilter{Shipment: id}, list.Options{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sh.Lines {
		sum := l.Received
		for _, d := range ds.Items {
			if d.LineNo == l.No && (d.State == logistics.Open || d.Resolution == logistics.Loss) {
				sum += d.Missing()
			}
		}
		if sum != l.Quantity {
			t.Errorf("line %d: sent %d, received %d + discrepancies = %d", l.No, l.Quantity, l.Received, sum)
		}
	}
}

func TestHubStockAndCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		_, _, al := allocated(t, db)
		svc := logi(db)
		sh, err := svc.CreateShipment(ctx, logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, Via: []string{storetest.SiteHub}, PlannedDeparture: time.Date(2025, 2, 27, 0, 0, 0, 0, time.UTC),
			Lines: []logistics.NewLine{{Allocation: al.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		if sh.Lines[0].Quantity != 60 {
			t.Errorf("no quantity takes all that is free: %d, want 60", sh.Lines[0].Quantity)
		}
		// Dispatched on 27 February, at Rzeszów 20 hours later: the ETA in
		// Kyiv is 28 February 20:00, and the clock says 1 March.
		for _, m := range []logistics.Move{{Action: logistics.Dispatch, At: time.Date(2025, 2, 27, 0, 0, 0, 0, time.UTC)}, {Action: logistics.Arrive, At: time.Date(2025, 2, 27, 20, 0, 0, 0, time.UTC)}} {
			if sh, err = svc.Hand(ctx, sh.ID, 0, m); err != nil {
				t.Fatal(err)
			}
		}
		rze := actor("rze-op", []access.Role{access.HubOperator}, "POL", storetest.SiteHub)
		suceava := actor("ro-op", []access.Role{access.HubOperator}, "ROU", siteRO)
		fp := mustFingerprint(t, db)
		_, err = svc.Count(rze, storetest.SiteHub, []logistics.CountLine{{NSN: storetest.NSN155, Counted: -1}}, "broken pallet")
		wantCode(t, "a negative count", err, fault.Invalid)
		_, err = svc.Count(rze, storetest.SiteHub, []logistics.CountLine{{NSN: storetest.NSN155, Counted: 57}}, "")
		wantCode(t, "a differing count without a reason", err, fault.Invalid)
		_, err = svc.Count(suceava, storetest.SiteHub, []logistics.CountLine{{NSN: storetest.NSN155, Counted: 57}}, "x")
		wantCode(t, "another hub's operator counting", err, fault.Forbidden)
		if got := mustFingerprint(t, db); got != fp {
			t.Fatal("a refused count changed the database")
		}
		res, err := svc.Count(rze, storetest.SiteHub, []logistics.CountLine{{NSN: storetest.NSN155, Counted: 57}}, "three rounds found under a pallet in bay 4 were booked to the wrong shipment")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Adjustments) != 1 || res.Adjustments[0].Delta != -3 {
			t.Errorf("adjustments %+v", res.Adjustments)
		}
		stock, _ := db.HubStock(ctx, storetest.SiteHub)
		sums, err := db.StockEventSum(ctx, storetest.SiteHub)
		if err != nil {
			t.Fatal(err)
		}
		if len(stock) != 1 || stock[0].Quantity != 57 || sums[storetest.NSN155] != 57 {
			t.Errorf("balance %+v, event sum %v, want 57 both", stock, sums)
		}

		// Visibility: the hub on the route sees the shipment, another does not.
		if _, err := db.Shipment(rze, sh.ID); err != nil {
			t.Errorf("the hub operator on the route: %v", err)
		}
		if _, err := db.Shipment(suceava, sh.ID); fault.Code(err) != fault.NotFound {
			t.Errorf("a hub operator off the route: %v, want not found", err)
		}
		page, err := db.Shipments(suceava, logistics.ShipmentFilter{}, list.Options{})
		if err != nil || page.Total != 0 {
			t.Errorf("a hub operator off the route lists %d shipments (%v)", page.Total, err)
		}

		// Late: the ETA was 44 hours after 27 February; now is 1 March 09:00.
		late, err := db.Shipments(ctx, logistics.ShipmentFilter{Late: db.Now()}, list.Options{})
		if err != nil || late.Total != 1 {
			t.Errorf("late shipments: %d (%v), want 1", late.Total, err)
		}
		hubs, err := db.Hubs(ctx, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hubs {
			if h.Site == storetest.SiteHub && (h.AtHub != 1 || h.StockG != 57*46700) {
				t.Errorf("hub load %+v", h)
			}
		}
	})
}
