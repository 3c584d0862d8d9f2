package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// e2eNetwork adds a German depot with links through Rzeszów to Kyiv, an
// allocation of 60 rounds to ship, and the people who handle them: the
// hub's operator and the recipient's officer.
func e2eNetwork(t *testing.T, a *e2eApp) {
	t.Helper()
	ctx := storetest.Ctx()
	cs := catalog.Service{Store: store.Catalog{DB: a.DB}}
	if _, err := cs.CreateSite(ctx, catalog.Site{Code: "DE-DEPOT", Name: "Depot Pfungstadt", Nation: "DEU", Kinds: []string{"donor_depot"}, LatE6: 49800000, LonE6: 8600000}); err != nil {
		t.Fatal(err)
	}
	lg := &logistics.Service{Store: store.Logistics{DB: a.DB}}
	for _, l := range []logistics.Link{
		{From: "DE-DEPOT", To: storetest.SiteHub, Mode: "road", TransitHours: 20, CapacityTonnesDay: 400},
		{From: storetest.SiteHub, To: storetest.SiteKyiv, Mode: "rail", TransitHours: 18, CapacityTonnesDay: 1000},
	} {
		if _, err := lg.SaveLink(ctx, 0, 0, l); err != nil {
			t.Fatal(err)
		}
	}
	led := &assist.Service{Store: store.Assist{DB: a.DB}}
	req, err := led.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 80, Priority: 1, NeedBy: time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02"), DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	p, err := led.CreatePledge(ctx, assist.Pledge{Nation: "DEU", Title: "155 mm rounds for Kyiv", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: time.Now().UTC().Format("2006-01-02"), Promised: e2ePromised(), Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, act := range []assist.Action{{Kind: assist.Commit, Line: p.Lines[0].ID, Quantity: 100}, {Kind: assist.Allocate, Line: p.Lines[0].ID, Quantity: 60, Requirement: req.ID}} {
		if p, err = led.Act(ctx, p.ID, 0, act); err != nil {
			t.Fatal(err)
		}
	}
	users := &access.Service{Store: store.Access{DB: a.DB}, Read: a.DB}
	for _, u := range []access.NewUser{
		{Name: "rze-operator", Nation: "POL", Site: storetest.SiteHub, Roles: []access.Role{access.HubOperator}, Clearance: access.Restricted},
		{Name: "ukr-officer", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Restricted},
	} {
		u.Password = e2ePassword
		if _, err := users.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestE2EShipmentJourney follows a shipment with a real browser: the
// coordinator plans and dispatches it, the hub's operator takes it in,
// sees it in stock and sends it on, the recipient's officer receives it two
// rounds short; the dashboard, the hub and the map follow.
func TestE2EShipmentJourney(t *testing.T) {
	a := e2eStart(t)
	e2eNetwork(t, a)

	a.signIn("coordinator")
	a.click(`header nav a[href="/shipments"]`, 200)
	a.wantText("#shipments tbody td.muted", "No shipment matches.")
	a.click(`a.button[href="/shipments/new"]`, 200)
	a.fill(`#shipment-form select[name="origin"]`, "DE-DEPOT")
	a.fill(`#shipment-form select[name="destination"]`, storetest.SiteKyiv)
	alloc := e2eRun(a, "read the first allocation", chromedp.Evaluate[string](`document.querySelector('#shipment-form select[name="allocation"] option[value]:not([value=""])').value`))
	a.fill(`#shipment-form select[name="allocation"]`, alloc)
	a.fill(`#shipment-form input[name="quantity"]`, "40")
	a.click(`#shipment-form button`, 200)
	m := regexp.MustCompile(`^/shipments/([0-9]+)$`).FindStringSubmatch(a.location().Path)
	if m == nil {
		a.fatalf("after planning, the browser is at %s", a.location())
	}
	page := "/shipments/" + m[1]
	if got := a.text("p.flash"); !strings.Contains(got, "DE-DEPOT → PL-RZE → UA-KYIV") {
		a.fatalf("the plan's confirmation reads %q", got)
	}
	a.wantText("#shipment-state", "planned")
	a.fill(`#act-dispatch input[name="to"]`, "Spedition Müller, truck 7")
	a.click(`#act-dispatch button`, 200)
	a.wantText("#shipment-state", "dispatched")
	a.wantText("#holder", "Spedition Müller, truck 7")
	a.signOut()

	// The hub operator records the arrival and sees the goods in stock.
	a.signIn("rze-operator")
	a.navigate(page, 200)
	if n := a.count("#act-dispatch"); n != 0 {
		a.fatalf("a dispatched shipment still offers dispatch")
	}
	// Seconds into a 20-hour leg: the arrival needs a note saying why.
	a.click(`#act-arrive button`, 422)
	if got := a.text(`#act-arrive .field-error`); !strings.Contains(got, "needs a note saying why") {
		a.fatalf("a quick arrival without a note: %q", got)
	}
	a.fill(`#act-arrive input[name="note"]`, "arrived early: test convoy")
	a.click(`#act-arrive button`, 200)
	a.wantText("#shipment-state", "at a hub")
	a.navigate("/hubs/"+storetest.SiteHub, 200)
	a.wantText(`#stock tr[data-nsn="`+storetest.NSN155+`"] td.qty`, "40")
	a.navigate(page, 200)
	a.click(`#act-depart button`, 200)
	a.wantText("#shipment-state", "in transit")
	a.signOut()

	// The recipient takes it and receives it two short.
	a.signIn("ukr-officer")
	a.navigate(page, 200)
	a.fill(`#act-arrive input[name="note"]`, "arrived early: test convoy")
	a.click(`#act-arrive button`, 200)
	a.wantText("#shipment-state", "delivered")
	a.fill(`#receive-form input[name="received"]`, "38")
	a.click(`#receive-form button`, 422)
	if got := a.text(`#receive-form .field-error`); !strings.Contains(got, "short, damaged or lost") {
		a.fatalf("a shortfall without a reason reads %q", got)
	}
	a.fill(`#receive-form input[name="received"]`, "38")
	a.fill(`#receive-form select[name="kind"]`, "short")
	a.fill(`#receive-form input[name="reason"]`, "two rounds missing from pallet 3")
	a.click(`#receive-form button`, 200)
	a.wantText("#shipment-state", "received")
	a.wantText("#goods td.received", "38")
	if got := a.text("#shipment-discrepancies tbody tr"); !strings.Contains(got, "short") || !strings.Contains(got, "two rounds missing") {
		a.fatalf("the discrepancy reads %q", got)
	}
	if n := a.count("#custody li"); n != 5 {
		a.fatalf("the custody timeline has %d events, want 5", n)
	}
	a.signOut()

	// The coordinator's dashboard counts the open discrepancy; the map
	// shows the hub's load when it is chosen.
	a.signIn("coordinator")
	a.wantText(`#logistics a[href="/discrepancies?state=open"]`, "1")
	a.navigate("/map", 200)
	a.do("choose the hub on the map", chromedp.Click(chromedp.CSS(`svg.map g[data-site="PL-RZE"] circle`)))
	if got := a.text("#map-info"); !strings.Contains(got, "Rzeszów") {
		a.fatalf("choosing the hub shows %q", got)
	}
	a.screenshot("map.png")
	a.checkConsole("422")
}

// TestE2EAllocationPlan makes, reviews and approves an allocation plan
// with a real browser: a plan made stale by a new requirement says so and
// is made again in one click; the approved plan links its shipment, and
// the German officer sees the lines of Germany's pledge.
func TestE2EAllocationPlan(t *testing.T) {
	a := e2eStart(t)
	e2eNetwork(t, a)

	a.signIn("coordinator")
	a.click(`header nav a[href="/plans"]`, 200)
	a.wantText("#plans tbody td.muted", "No plan yet. Make one above.")
	a.click(`#plan-now`, 200)
	if a.location().Path != "/plans/1" {
		a.fatalf("after making a plan, the browser is at %s", a.location())
	}
	// 40 rounds are committed and free; the requirement lacks 20.
	a.wantText("#served", "20")
	a.wantText(`#plan-nations tr[data-nation="DEU"] td:nth-child(5)`, "+20")
	a.wantText(`#proposal td.diff`, "60 → 80 of 80")

	// A new requirement arrives: the plan is stale and cannot be approved.
	led := &assist.Service{Store: store.Assist{DB: a.DB}}
	if _, err := led.CreateRequirement(storetest.Ctx(), assist.Requirement{NSN: storetest.NSN155, Quantity: 10, Priority: 1,
		NeedBy: time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02"), DeliverySite: storetest.SiteKyiv}); err != nil {
		t.Fatal(err)
	}
	a.navigate("/plans/1", 200)
	if n := a.count("#approve"); n != 0 {
		a.fatalf("a stale plan offers approval")
	}
	a.click(`#replan-now`, 200)
	if a.location().Path != "/plans/2" {
		a.fatalf("planning again leads to %s", a.location())
	}
	a.wantText("#served", "30")
	a.do("accept the confirmation", chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`))
	a.click(`#approve`, 200)
	a.wantText("#plan-state", "approved")
	a.wantText("#decision", "Approved: 2 allocations of 30 units; planned shipments: S-00001.")
	a.click(`#decision a[href^="/shipments/"]`, 200)
	a.wantText("#shipment-state", "planned")
	a.navigate("/plans", 200)
	a.wantText(`#plans tr[data-id="2"] .state`, "approved")
	a.signOut()

	a.signIn("deu-officer")
	a.navigate("/plans/2", 200)
	a.wantText("#own-lines", "The lines below are those of your nation's pledges in the coordinators' plan; coordinators review and approve it.")
	if n := a.count(`#proposal tbody tr[data-requirement]`); n != 2 {
		a.fatalf("the German officer sees %d lines, want 2", n)
	}
	a.checkConsole()
}

// TestE2EAccounts reads the pledge's accounts and reports a contribution
// with a real browser: the fair shares add up to the baseline, the
// contribution counts, the nation's page shows its agreement.
func TestE2EAccounts(t *testing.T) {
	a := e2eStart(t)
	a.signIn("coordinator")
	a.click(`header nav a[href="/accounts"]`, 200)
	a.wantText("#fair-total", "€ 40,000,000,000.00")
	a.wantText("#counted", "€ 0.00")
	a.screenshot("accounts.png")
	a.navigate("/contributions", 200)
	a.fill(`#contribution-form select[name="nation"]`, "NLD")
	a.fill(`#contribution-form input[name="date"]`, "2025-02-03")
	a.fill(`#contribution-form select[name="category"]`, "trust_fund")
	a.fill(`#contribution-form input[name="amount"]`, "2000000")
	a.click(`#contribution-form button`, 422)
	a.wantText(`#contribution-form .field-error[data-field="evidence"]`, "give the evidence: a document, a report or an address where the contribution can be checked")
	a.fill(`#contribution-form input[name="evidence"]`, "CAP trust fund receipt 2025/7")
	a.click(`#contribution-form button`, 200)
	if got := a.text("p.flash"); !strings.Contains(got, "€ 2,000,000.00 of NLD") {
		a.fatalf("the confirmation reads %q", got)
	}
	a.navigate("/accounts?year=2025", 200)
	a.wantText(`#accounts tr[data-nation="NLD"] td.counted`, "€ 2,000,000.00")
	a.navigate("/nations/NLD", 200)
	if got := a.text("#nation-agreement"); !strings.Contains(got, "2024-03-01") || !strings.Contains(got, "EUR 2000000000") {
		a.fatalf("the Netherlands' agreement reads %q", got)
	}
	a.checkConsole("422")
}

// TestE2ELessons submits an observation with a real browser, is shown the
// similar lesson first, submits it anyway, and an analyst takes it to an
// identified lesson with an action.
func TestE2ELessons(t *testing.T) {
	a := e2eStart(t)
	a.signIn("coordinator")
	a.click(`header nav a[href="/lessons"]`, 200)
	a.wantText("#lessons tbody td.muted", "No lesson matches.")
	submit := func() {
		a.fill(`#lesson-form input[name="title"]`, "Stinger seekers fail in frost")
		a.fill(`#lesson-form textarea[name="observation"]`, "Seekers lose lock after storage in unheated trucks.")
		a.fill(`#lesson-form input[name="capability"]`, "air_defence")
	}
	submit()
	a.click(`#lesson-form button`, 200)
	if a.location().Path != "/lessons/1" {
		a.fatalf("after submitting, the browser is at %s", a.location())
	}
	a.wantText("#lesson-state", "submitted")
	a.navigate("/lessons", 200)
	submit()
	a.click(`#lesson-form button`, 200)
	if got := a.text("#similar"); !strings.Contains(got, "Stinger seekers fail in frost") {
		a.fatalf("the similar lessons read %q", got)
	}
	a.click(`#lesson-form button`, 200)
	a.wantText("#lesson-state", "submitted")
	a.navigate("/lessons/1", 200)
	a.fill(`#step-form select[name="to"]`, "accepted")
	a.click(`#step-form button`, 200)
	a.wantText("#lesson-state", "accepted")
	a.fill(`#step-form select[name="to"]`, "identified")
	a.fill(`#step-form textarea[name="analysis"]`, "cold soak")
	a.fill(`#step-form textarea[name="conclusion"]`, "storage")
	a.fill(`#step-form textarea[name="recommendation"]`, "heated containers")
	a.click(`#step-form button`, 200)
	a.wantText("#lesson-state", "identified")
	a.fill(`#action-form input[name="owner"]`, "USA")
	a.fill(`#action-form input[name="description"]`, "heated containers for missiles")
	a.fill(`#action-form input[name="due"]`, "2030-01-31")
	a.click(`#action-form button`, 200)
	a.wantText("#lesson-state", "actioned")
	a.navigate("/lessons?q=frost+seekers", 200)
	if n := a.count("#lessons tbody tr[data-id]"); n != 2 {
		a.fatalf("the search finds %d lessons, want 2", n)
	}
	a.checkConsole()
}
