package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func repairs(db *store.DB) *repair.Service { return &repair.Service{Store: store.Repair{DB: db}} }

// seedRepair adds a repair facility at Gliwice with one slot for Stingers
// (14 days), a road from Kyiv, and two registered Stingers.
func seedRepair(t *testing.T, db *store.DB) (repair.Equipment, repair.Equipment) {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Seed(t, db)
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	if _, err := cs.CreateSite(ctx, catalog.Site{Code: "PL-GLI", Name: "Gliwice repair hub", Nation: "POL", Kinds: []string{"repair_facility"}, LatE6: 50294200, LonE6: 18667000}); err != nil {
		t.Fatal(err)
	}
	lg := &logistics.Service{Store: store.Logistics{DB: db}}
	for _, l := range []logistics.Link{{From: storetest.SiteKyiv, To: "PL-GLI", Mode: "road", TransitHours: 30}, {From: "PL-GLI", To: storetest.SiteKyiv, Mode: "road", TransitHours: 30}} {
		if _, err := lg.SaveLink(ctx, 0, 0, l); err != nil {
			t.Fatal(err)
		}
	}
	var pieces []repair.Equipment
	for _, serial := range []string{"st-001", "ST-002"} {
		e, err := repairs(db).RegisterEquipment(ctx, repair.Equipment{NSN: storetest.NSNStinger, Serial: serial, Donor: "USA", Received: "2025-01-10", Location: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		pieces = append(pieces, e)
	}
	return pieces[0], pieces[1]
}

func TestRepairFacilityRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedRepair(t, db)
		for _, c := range []struct {
			f    repair.RepairFacility
			want string
		}{
			{repair.RepairFacility{Site: storetest.SiteHub, Slots: 1, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, "is not a repair facility"},
			{repair.RepairFacility{Site: "PL-GLI", Slots: 1, Competences: []repair.Competence{{Target: "TANKS", Days: 14}}}, "neither an NSN nor an interchangeability group"},
			{repair.RepairFacility{Site: "PL-GLI", Slots: 0, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 0}}}, "slots"},
		} {
			if _, err := repairs(db).SaveFacility(ctx, c.f, 0); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%+v: %v, want %q", c.f, err, c.want)
			}
		}
		f, err := repairs(db).SaveFacility(ctx, repair.RepairFacility{Site: "pl-gli", Slots: 1, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}, {Target: "155MM-NATO", Days: 3}}}, 0)
		if err != nil || f.Version != 1 || f.Name != "Gliwice repair hub" {
			t.Fatalf("a facility: %+v %v", f, err)
		}
		fs, err := db.RepairFacilities(ctx)
		if err != nil || len(fs) != 1 || len(fs[0].Competences) != 2 {
			t.Errorf("facilities: %+v %v", fs, err)
		}
	})
}

func TestEquipmentAndRepairOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		one, two := seedRepair(t, db)
		if one.Serial != "ST-001" || one.ItemName == "" || one.State != repair.Operational {
			t.Errorf("the first piece: %+v", one)
		}
		fp := mustFingerprint(t, db)
		if _, err := repairs(db).RegisterEquipment(ctx, repair.Equipment{NSN: storetest.NSNStinger, Serial: "ST-001", Donor: "USA", Received: "2025-01-10", Location: storetest.SiteKyiv}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "registered already, as E-00001") {
			t.Errorf("a serial number twice: %v", err)
		}
		if _, err := repairs(db).RegisterEquipment(ctx, repair.Equipment{NSN: "9999-99-999-9999", Serial: "X", Donor: "XXX", Received: "soon", Location: "NOWHERE"}); fault.Code(err) != fault.Invalid {
			t.Errorf("a bad piece: %v", err)
		}
		if mustFingerprint(t, db) != fp {
			t.Error("a refused registration changed the database")
		}
		if _, err := repairs(db).SaveFacility(ctx, repair.RepairFacility{Site: "PL-GLI", Slots: 1, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 0); err != nil {
			t.Fatal(err)
		}
		// Damage on both: two orders wait for Gliwice.
		var orders []repair.Order
		for _, e := range []repair.Equipment{one, two} {
			o, _, err := repairs(db).ReportDamage(ctx, repair.Damage{Equipment: e.ID, Fault: "seeker head failure", Severity: repair.Facility, Priority: 1})
			if err != nil {
				t.Fatal(err)
			}
			orders = append(orders, o)
		}
		if _, _, err := repairs(db).ReportDamage(ctx, repair.Damage{Equipment: one.ID, Fault: "again", Severity: repair.Facility}); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "open repair order, RO-00001") {
			t.Errorf("a second report on an open order: %v", err)
		}
		start := db.Now()
		in, fpr, err := db.RepairPlanInput(ctx, start, 90)
		if err != nil || len(in.Orders) != 2 || len(in.Facilities) != 1 {
			t.Fatalf("plan input: %+v %v", in, err)
		}
		p, err := repair.Plan(in)
		if err != nil || len(p.Assignments) != 2 || p.Assignments[0].Facility != "PL-GLI" || p.Assignments[0].Transport != 30 {
			t.Fatalf("plan: %+v %v", p, err)
		}
		if _, err := repairs(db).Approve(ctx, p, "stale", start, 90); fault.Code(err) != fault.Conflict {
			t.Errorf("a stale plan: %v", err)
		}
		// An order sent to a facility without the competence is refused,
		// and the whole approval with it.
		cs := catalog.Service{Store: store.Catalog{DB: db}}
		if _, err := cs.CreateSite(ctx, catalog.Site{Code: "RO-SMR", Name: "Satu Mare", Nation: "ROU", Kinds: []string{"repair_facility"}, LatE6: 47792000, LonE6: 22885000}); err != nil {
			t.Fatal(err)
		}
		if _, err := repairs(db).SaveFacility(ctx, repair.RepairFacility{Site: "RO-SMR", Slots: 5, Competences: []repair.Competence{{Target: storetest.NSN155, Days: 5}}}, 0); err != nil {
			t.Fatal(err)
		}
		in, fpr, err = db.RepairPlanInput(ctx, start, 90)
		if err != nil {
			t.Fatal(err)
		}
		wrong := repair.Proposal{Assignments: append([]repair.Assignment{}, p.Assignments...)}
		wrong.Assignments[1].Facility = "RO-SMR"
		fpBefore := mustFingerprint(t, db)
		if _, err := repairs(db).Approve(ctx, wrong, fpr, start, 90); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "RO-SMR is not competent") {
			t.Errorf("a facility without the competence: %v", err)
		}
		if mustFingerprint(t, db) != fpBefore {
			t.Error("a refused approval changed the database")
		}
		if n, err := repairs(db).Approve(ctx, p, fpr, start, 90); err != nil || n != 2 {
			t.Fatalf("approve: %d %v", n, err)
		}
		// Each order goes there and back as planned shipments.
		got, err := db.Order(ctx, orders[0].ID)
		if err != nil || got.Outbound == 0 || got.Inbound == 0 {
			t.Fatalf("the order's transport: %+v %v", got, err)
		}
		out, err := db.Shipment(ctx, got.Outbound)
		if err != nil || out.Origin != storetest.SiteKyiv || out.Destination != "PL-GLI" || out.State != logistics.Planned || out.Nation != "USA" || !strings.Contains(out.Notes, "RO-00001") {
			t.Errorf("the outbound shipment: %+v %v", out, err)
		}
		back, err := db.Shipment(ctx, got.Inbound)
		if err != nil || back.Origin != "PL-GLI" || back.Destination != storetest.SiteKyiv || !back.PlannedDeparture.After(out.PlannedDeparture) {
			t.Errorf("the return shipment: %+v %v", back, err)
		}
		// The state machine: out of order refused; one slot at Gliwice.
		if _, err := repairs(db).MoveOrder(ctx, orders[0].ID, 0, repair.Repairs, ""); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "it can go only to in transit") {
			t.Errorf("in repair before transit: %v", err)
		}
		if _, err := repairs(db).MoveOrder(ctx, orders[0].ID, 0, repair.Returned, ""); fault.Code(err) != fault.Conflict {
			t.Errorf("returning a piece never sent: %v", err)
		}
		for _, o := range orders {
			if _, err := repairs(db).MoveOrder(ctx, o.ID, 0, repair.Transit, "truck 3"); err != nil {
				t.Fatal(err)
			}
		}
		manager := access.WithIdentity(ctx, access.Identity{UserID: 7, Name: "gli-manager", Nation: "POL", Roles: []access.Role{access.FacilityManager}, Site: "PL-GLI", Clearance: access.Restricted, Via: "token"})
		other := access.WithIdentity(ctx, access.Identity{UserID: 8, Name: "jon-manager", Nation: "LTU", Roles: []access.Role{access.FacilityManager}, Site: "LT-JON", Clearance: access.Restricted, Via: "token"})
		if _, err := repairs(db).MoveOrder(other, orders[0].ID, 0, repair.Repairs, ""); fault.Code(err) != fault.Forbidden {
			t.Errorf("another facility's manager: %v", err)
		}
		if _, err := repairs(db).MoveOrder(manager, orders[0].ID, 0, repair.Repairs, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := repairs(db).MoveOrder(manager, orders[1].ID, 0, repair.Repairs, ""); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "has 1 slots and 1 orders in repair") {
			t.Errorf("more in repair than slots: %v", err)
		}
		if p, err := db.Orders(other, repair.OrderFilter{}, list.Options{}); err != nil || p.Total != 0 {
			t.Errorf("another facility's manager sees %d orders", p.Total)
		}
		if p, err := db.Orders(manager, repair.OrderFilter{}, list.Options{}); err != nil || p.Total != 2 {
			t.Errorf("Gliwice's manager sees %d orders", p.Total)
		}
		db.Now = func() time.Time { return start.AddDate(0, 0, 12) }
		for _, to := range []string{repair.Parts, repair.Repairs, repair.Repaired, repair.Returned} {
			if _, err := repairs(db).MoveOrder(manager, orders[0].ID, 0, to, ""); err != nil {
				t.Fatalf("%s: %v", to, err)
			}
		}
		ukr := access.WithIdentity(ctx, access.Identity{UserID: 9, Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Restricted, Via: "token"})
		if _, err := repairs(db).MoveOrder(ukr, orders[0].ID, 0, repair.Received, "back with 3rd brigade"); err != nil {
			t.Fatal(err)
		}
		// The repair's cost counts in the paying nation's accounts, once.
		if _, err := repairs(db).RecordCost(ctx, orders[1].ID, 1000, "USA"); fault.Code(err) != fault.Conflict {
			t.Errorf("the cost of an order not yet repaired: %v", err)
		}
		if o, err := repairs(db).RecordCost(ctx, orders[0].ID, 250_000_00, "usa"); err != nil || o.Cost != 250_000_00 || o.PaidBy != "USA" {
			t.Fatalf("a repair's cost: %+v %v", o, err)
		}
		if _, err := repairs(db).RecordCost(ctx, orders[0].ID, 1000, "USA"); fault.Code(err) != fault.Conflict {
			t.Errorf("a cost recorded twice: %v", err)
		}
		led, err := db.Accounts(ctx, 2025, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range led.Accounts {
			if a.Nation == "USA" && (a.Direct != 250_000_00 || a.ByCategory["maintenance_logistics"] != 250_000_00) {
				t.Errorf("the United States' account: %+v", a)
			}
		}
		e, timeline, os, err := db.Piece(ctx, one.ID)
		if err != nil || e.State != repair.Operational || e.Location != storetest.SiteKyiv || len(os) != 1 || len(timeline) < 8 {
			t.Errorf("the piece after repair: %+v, %d events, %d orders, %v", e, len(timeline), len(os), err)
		}
		stats, err := db.FacilityStatistics(ctx)
		if err != nil || len(stats) != 2 || stats[0].Done != 1 || stats[0].Median != 12 || stats[0].InRepair != 0 || stats[0].Incoming != 1 {
			t.Errorf("Gliwice's statistics: %+v %v", stats, err)
		}
		// The American officer sees the pieces the United States donated;
		// the German none.
		usa := access.WithIdentity(ctx, access.Identity{UserID: 10, Name: "usa", Nation: "USA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		deu := access.WithIdentity(ctx, access.Identity{UserID: 11, Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		if p, _ := db.EquipmentList(usa, repair.EquipmentFilter{}, list.Options{}); p.Total != 2 {
			t.Errorf("the American officer sees %d pieces", p.Total)
		}
		if p, _ := db.EquipmentList(deu, repair.EquipmentFilter{}, list.Options{}); p.Total != 0 {
			t.Errorf("the German officer sees %d pieces", p.Total)
		}
		// Beyond repair: it leaves the fleet and a replacement is asked for.
		_, req, err := repairs(db).ReportDamage(ctx, repair.Damage{Equipment: one.ID, Fault: "destroyed by a strike", Severity: repair.Beyond, Priority: 1, Replace: true})
		if err != nil || req == nil || req.NSN != storetest.NSNStinger || req.Quantity != 1 {
			t.Fatalf("beyond repair: %+v %v", req, err)
		}
		if _, _, err := repairs(db).ReportDamage(ctx, repair.Damage{Equipment: one.ID, Fault: "more", Severity: repair.Theatre}); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "is destroyed") {
			t.Errorf("damage on a destroyed piece: %v", err)
		}
		sys, _, err := db.Fleet(ctx)
		if err != nil || len(sys) != 1 || sys[0].InFleet != 1 || sys[0].ByState[repair.Destroyed] != 1 || sys[0].AvailPPM != 0 {
			t.Errorf("the fleet: %+v %v", sys, err)
		}
	})
}

func TestSpareParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		one, _ := seedRepair(t, db)
		if _, err := repairs(db).SaveFacility(ctx, repair.RepairFacility{Site: "PL-GLI", Slots: 2, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 0); err != nil {
			t.Fatal(err)
		}
		o, _, err := repairs(db).ReportDamage(ctx, repair.Damage{Equipment: one.ID, Fault: "seeker", Severity: repair.Facility, Priority: 1})
		if err != nil {
			t.Fatal(err)
		}
		in, fp, err := db.RepairPlanInput(ctx, db.Now(), 60)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := repair.Plan(in)
		if _, err := repairs(db).Approve(ctx, p, fp, db.Now(), 60); err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{repair.Transit, repair.Repairs} {
			if _, err := repairs(db).MoveOrder(ctx, o.ID, 0, st, ""); err != nil {
				t.Fatal(err)
			}
		}
		fpBefore := mustFingerprint(t, db)
		if _, err := repairs(db).AddParts(ctx, o.ID, []repair.Part{{NSN: storetest.NSN155, Quantity: 4}, {NSN: "0000-00-000-0000", Quantity: 0}}); fault.Code(err) != fault.Invalid {
			t.Errorf("bad parts: %v", err)
		}
		if mustFingerprint(t, db) != fpBefore {
			t.Error("refused parts changed the database")
		}
		reqs, err := repairs(db).AddParts(ctx, o.ID, []repair.Part{{NSN: storetest.NSN155, Quantity: 4}})
		if err != nil || len(reqs) != 1 || reqs[0].Quantity != 4 {
			t.Fatalf("parts: %+v %v", reqs, err)
		}
		parts, err := db.Parts(ctx, o.ID)
		if err != nil || len(parts) != 1 || parts[0].Quantity != 4 || parts[0].Requirement != reqs[0].ID {
			t.Fatalf("the order's parts: %+v %v", parts, err)
		}
		req, err := db.Requirement(ctx, parts[0].Requirement)
		if err != nil || req.DeliverySite != "PL-GLI" || !strings.Contains(req.Notes, "RO-00001") {
			t.Errorf("the parts' requirement: %+v %v", req, err)
		}
		if got, _ := db.Order(ctx, o.ID); got.State != repair.Parts {
			t.Errorf("the order waits for parts: %s", got.State)
		}
		// A German pledge of rounds allocated to it shows as coming.
		svc := ledger(db)
		pl, err := svc.CreatePledge(ctx, newPledge("DEU"))
		if err != nil {
			t.Fatal(err)
		}
		line := pl.Lines[0].ID
		for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 4}, {Kind: assist.Allocate, Line: line, Quantity: 4, Requirement: req.ID}} {
			if pl, err = svc.Act(ctx, pl.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		parts, err = db.Parts(ctx, o.ID)
		if err != nil || parts[0].Allocated != 4 || len(parts[0].Pledges) != 1 || parts[0].Pledges[0] != pl.ID {
			t.Errorf("parts after the allocation: %+v %v", parts, err)
		}
	})
}
