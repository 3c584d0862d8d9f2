package web_test

import (
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

// homeUsers are the users of the home pages' tests: one per role of the
// demo (demo.Users), and a manager of the Munster training area, with
// the tests' password.
var homeUsers = append(append([]demo.User(nil), demo.Users...),
	demo.User{Name: "munster-manager", Display: "Munster training area manager", Nation: "DEU", Roles: []access.Role{access.FacilityManager}, Clearance: access.Restricted, Site: "DE-MUN"})

// homeWorld loads the demo into db as of now, and gives every role's home
// page something to count on the day of now: two German shipments planned
// from the Bundeswehr depot through Rzeszów, one due at the hub today and
// one due in Ukraine today (and so due at the hub yesterday); two German
// handovers at their delivery point, one received and not accepted, one
// not received; two Leopard 2A4 repair orders placed with Gliwice, one on
// its way there; a Leopard course at Munster with a class running and one
// to come, and one at Skrydstrup running. It creates homeUsers.
func homeWorld(t testing.TB, db *store.DB, now time.Time) {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Demo(t, db, now)
	users := &access.Service{Store: store.Access{DB: db}, Read: db}
	for _, u := range homeUsers {
		if _, err := users.CreateUser(ctx, access.NewUser{Name: u.Name, DisplayName: u.Display, Nation: u.Nation, Roles: u.Roles, Clearance: u.Clearance, Site: u.Site, Password: e2ePassword}); err != nil {
			t.Fatalf("user %s: %v", u.Name, err)
		}
	}

	// A German allocation with goods left to ship.
	open, err := db.OpenAllocations(ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	var deu logistics.OpenAllocation
	for _, a := range open {
		if a.Nation == "DEU" && a.Free >= 6 {
			deu = a
			break
		}
	}
	// The road from the depot to Rzeszów takes 12 hours, the goods wait
	// 12 hours at the hub, and the leg on takes these hours.
	on := map[string]time.Duration{"UA-LVIV": 5, "UA-KYIV": 14, "UA-DNIPRO": 26}[deu.DeliverySite]
	if on == 0 {
		t.Fatalf("the demo has no German allocation with goods to ship to a delivery point: %+v", open)
	}
	lg := &logistics.Service{Store: store.Logistics{DB: db}}
	noon := now.UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	for _, hubArrival := range []time.Time{noon, noon.Add(-(12 + on) * time.Hour)} {
		if _, err := lg.CreateShipment(ctx, logistics.NewShipment{Origin: "DE-DEP1", Destination: deu.DeliverySite, Via: []string{"PL-RZE"}, Modes: []string{"road"},
			PlannedDeparture: hubArrival.Add(-12 * time.Hour), Lines: []logistics.NewLine{{Allocation: deu.ID, Quantity: 1}}, Notes: "home page test"}); err != nil {
			t.Fatalf("plan a shipment of allocation %d: %v", deu.ID, err)
		}
	}
	for i := range 2 {
		sh, err := lg.HandOver(ctx, logistics.Handover{Origin: "DE-DEP1", Override: "home page test", Lines: []logistics.NewLine{{Allocation: deu.ID, Quantity: 2}}})
		if err != nil {
			t.Fatalf("hand over allocation %d: %v", deu.ID, err)
		}
		if i == 0 {
			if _, _, err := lg.Receive(ctx, sh.ID, sh.Version, logistics.Receipt{To: "receiving unit"}); err != nil {
				t.Fatalf("receive %s: %v", sh.Ref(), err)
			}
		}
	}

	// Gliwice's orders: the waiting orders on Leopard 2A4s.
	rs := &repair.Service{Store: store.Repair{DB: db}}
	orders, err := db.Orders(ctx, repair.OrderFilter{State: repair.Reported}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var leo []int64
	for _, o := range orders.Items {
		if o.NSN == "2350-12-000-0012" && o.Severity == repair.Facility {
			leo = append(leo, o.ID)
		}
	}
	if len(leo) < 2 {
		t.Fatalf("the demo has %d Leopard 2A4 orders waiting, want 2", len(leo))
	}
	start := now.UTC().Truncate(time.Hour)
	_, fp, err := db.RepairPlanInput(ctx, start, 90)
	if err != nil {
		t.Fatal(err)
	}
	p := repair.Proposal{}
	for _, id := range leo[:2] {
		p.Assignments = append(p.Assignments, repair.Assignment{Order: id, Facility: "PL-GLI", Transport: 34, Arrive: start.Add(34 * time.Hour), Start: start.AddDate(0, 0, 2), Due: start.AddDate(0, 0, 62), Days: 60})
	}
	if _, err := rs.Approve(ctx, p, fp, start, 90); err != nil {
		t.Fatalf("place the Leopard orders with Gliwice: %v", err)
	}
	if _, err := rs.MoveOrder(ctx, leo[1], 0, repair.Transit, "on its way"); err != nil {
		t.Fatal(err)
	}

	// Courses and classes.
	ts := &training.Service{Store: store.Training{DB: db}}
	day := func(d int) string { return now.UTC().AddDate(0, 0, d).Format("2006-01-02") }
	for _, c := range []struct {
		code, site, host string
		classes          [][2]int
	}{
		{"LEO-MUN", "DE-MUN", "DEU", [][2]int{{-10, 20}, {30, 70}}},
		{"F16-SKR", "DK-SKR", "DNK", [][2]int{{-5, 40}}},
	} {
		if _, err := ts.SaveCourse(ctx, training.Offer{Code: c.code, Title: "Crews " + c.code, Skill: "LEOPARD-2", Host: c.host, Site: c.site, Language: "en", Seats: 12, MinSize: 4}, 0); err != nil {
			t.Fatalf("course %s: %v", c.code, err)
		}
		for _, k := range c.classes {
			if _, err := ts.AddClass(ctx, training.ClassOf{Course: c.code, Start: day(k[0]), End: day(k[1]), Seats: 12}); err != nil {
				t.Fatalf("class of %s: %v", c.code, err)
			}
		}
	}
}

// homeEnv is an API environment over homeWorld as of now, and a token for
// each of homeUsers.
func homeEnv(t *testing.T, dsn string, now time.Time) (*apiEnv, map[string]string) {
	t.Helper()
	db := storetest.Open(t, dsn, now)
	homeWorld(t, db, now)
	e := newAPIEnvOver(t, db)
	e.now = now
	svc := &access.Service{Store: store.Access{DB: db}, Read: db}
	tokens := map[string]string{}
	for _, u := range homeUsers {
		_, secret, err := svc.CreateToken(storetest.Ctx(), u.Name, "test", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.Name] = secret
	}
	return e, tokens
}
