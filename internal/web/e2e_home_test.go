package web_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

// The home pages in a real browser, over homeWorld as of today. What each
// figure must read is worked out here from the records as the user may
// read them, with the domain's own rules (Line.Open, Line.ToCommit,
// Shipment.Arriving, Order.Open, ClassOf.RunsWhen), not with the filters
// the page counts with; and the figure's link must lead to a list of as
// many.

// e2eHome starts the browser over homeWorld and signs in as user.
func e2eHome(t *testing.T, user string) (*e2eApp, context.Context) {
	t.Helper()
	a := e2eStartWith(t, func(db *store.DB) { homeWorld(t, db, time.Now()) })
	a.signIn(user)
	i := slices.IndexFunc(homeUsers, func(u demo.User) bool { return u.Name == user })
	u := homeUsers[i]
	return a, access.WithIdentity(context.Background(), access.Identity{Name: u.Name, Nation: u.Nation, Roles: u.Roles, Clearance: u.Clearance, Site: u.Site, Via: "session"})
}

// wantFigure checks that the figure id reads n, follows its link, and
// checks that the list there holds n in all. It returns to the home page.
func (a *e2eApp) wantFigure(id string, n int, path string) {
	a.t.Helper()
	a.navigate("/", 200)
	a.wantText("#"+id+" .figure a", strconv.Itoa(n))
	a.click("#"+id+" .figure a", 200)
	if got := a.location().Path; got != path {
		a.fatalf("%s leads to %s, want %s", id, got, path)
	}
	sel := ".pager .total"
	if path == "/training" {
		sel = "#classes-total"
	}
	a.wantText(sel, fmt.Sprintf("%d in all", n))
}

// readerShipments are every shipment the reader of ctx may see.
func readerShipments(t *testing.T, a *e2eApp, ctx context.Context) []logistics.Shipment {
	t.Helper()
	p, err := a.DB.Shipments(ctx, logistics.ShipmentFilter{}, list.Options{Limit: list.MaxLimit})
	if err != nil || p.Next != "" {
		t.Fatalf("shipments: %v (more than a page: %v)", err, p.Next != "")
	}
	return p.Items
}

// siteNation is the nation of each site.
func siteNation(t *testing.T, a *e2eApp) map[string]string {
	t.Helper()
	p, err := a.DB.Sites(storetest.Ctx(), catalog.SiteFilter{}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range p.Items {
		out[s.Code] = s.Nation
	}
	return out
}

func today() string { return time.Now().UTC().Format("2006-01-02") }

func dayOf(t time.Time) string { return t.UTC().Format("2006-01-02") }

// TestE2EHomeOfANationOfficer: Germany's officer sees Germany first: its
// fair share against what counted, as its page has them; its pledges with
// overdue lines, at risk and with lines to commit, and the shipments
// planned from its depot, each a link to as many.
func TestE2EHomeOfANationOfficer(t *testing.T) {
	a, me := e2eHome(t, "deu-officer")
	a.wantText("h1", "Germany DEU")
	pledges, err := a.DB.AllPledges(me, assist.PledgeFilter{Nation: "DEU"}, today())
	if err != nil {
		t.Fatal(err)
	}
	var overdue, lines, toCommit int
	for _, p := range pledges {
		open := 0
		for _, l := range p.Lines {
			if l.Open() {
				open++
			}
		}
		if p.Promised < today() && open > 0 {
			overdue, lines = overdue+1, lines+open
		}
		if slices.ContainsFunc(p.Lines, func(l assist.Line) bool { return l.ToCommit() > 0 }) {
			toCommit++
		}
	}
	nations := siteNation(t, a)
	dispatch := 0
	for _, sh := range readerShipments(t, a, me) {
		if sh.State == logistics.Planned && nations[sh.Origin] == "DEU" {
			dispatch++
		}
	}
	if overdue == 0 || toCommit == 0 || dispatch < 2 {
		t.Fatalf("the world gives Germany %d overdue pledges, %d to commit, %d shipments to dispatch: it tests too little", overdue, toCommit, dispatch)
	}
	if got := a.text("#home-overdue .muted"); !strings.HasPrefix(got, strconv.Itoa(lines)+" line") {
		a.fatalf("the overdue figure says %q, want %d lines", got, lines)
	}
	// The fair share and what counted are the nation page's.
	fair, counted := a.text("#home-fair .figure"), a.text("#home-counted .figure")
	a.click("#home-counted .figure a", 200)
	a.wantText("#nation-account .card:nth-of-type(1) .figure", fair)
	a.wantText("#nation-account .card:nth-of-type(2) .figure", counted)

	a.wantFigure("home-overdue", overdue, "/pledges")
	tags := 0
	for i := range a.count("#pledges tbody .tag.late") {
		n, _ := strconv.Atoi(strings.Fields(a.text(fmt.Sprintf("#pledges tbody tr:nth-child(%d) .tag.late", i+1)))[0])
		tags += n
	}
	if tags != lines {
		a.fatalf("the overdue pledges' list tags %d lines overdue, the home page %d", tags, lines)
	}
	a.wantFigure("home-to-commit", toCommit, "/pledges")
	a.wantFigure("home-to-dispatch", dispatch, "/shipments")
	if n := a.count(`#shipments tbody tr[data-state="planned"]`); n != dispatch {
		a.fatalf("the shipments to dispatch list %d planned, want %d", n, dispatch)
	}
	// Its reliability is the reliability page's for Germany.
	a.navigate("/", 200)
	onTime := a.text("#home-on-time .figure")
	a.click("#home-on-time .figure a", 200)
	if q := a.location().Query(); a.location().Path != "/reliability" || q.Get("nation") != "DEU" {
		a.fatalf("the reliability figure leads to %s", a.location())
	}
	a.wantText(`#reliability tfoot tr[data-group="all"] td.on-time`, onTime)
	a.checkConsole()
}

// TestE2EHomeOfARecipientOfficer: Ukraine's officer sees what arrives at
// Ukraine's sites today and this week, what is late, what arrived and
// waits for receipt, and the deliveries to accept.
func TestE2EHomeOfARecipientOfficer(t *testing.T) {
	a, me := e2eHome(t, "ukr-officer")
	nations := siteNation(t, a)
	week := dayOf(time.Now().AddDate(0, 0, 6))
	var due, thisWeek, late, toReceive int
	for _, sh := range readerShipments(t, a, me) {
		if nations[sh.Destination] != "UKR" {
			continue
		}
		if _, coming := sh.Arriving(sh.Destination); coming {
			if d := dayOf(sh.ETA); d == today() {
				due++
			}
			if d := dayOf(sh.ETA); d >= today() && d <= week {
				thisWeek++
			}
		}
		if sh.Late(time.Now()) {
			late++
		}
		if sh.State == logistics.Delivered {
			toReceive++
		}
	}
	pledges, err := a.DB.AllPledges(me, assist.PledgeFilter{}, today())
	if err != nil {
		t.Fatal(err)
	}
	toAccept := 0
	for _, p := range pledges {
		if slices.ContainsFunc(p.Lines, func(l assist.Line) bool { return l.ToAccept() > 0 }) {
			toAccept++
		}
	}
	if due == 0 || toReceive == 0 || toAccept == 0 {
		t.Fatalf("the world has %d shipments due in Ukraine today, %d to receive, %d pledges to accept: it tests too little", due, toReceive, toAccept)
	}
	a.wantText("h1", "Arriving in Ukraine")
	a.wantFigure("home-today", due, "/shipments")
	a.wantFigure("home-week", thisWeek, "/shipments")
	a.wantFigure("home-late", late, "/shipments")
	a.wantFigure("home-to-receive", toReceive, "/shipments")
	if n := a.count(`#shipments tbody tr[data-state="delivered"]`); n != toReceive {
		a.fatalf("the list to receive shows %d delivered, want %d", n, toReceive)
	}
	a.wantFigure("home-to-accept", toAccept, "/pledges")
	a.checkConsole()
}

// TestE2EHomeOfAHubOperator: Rzeszów's operator sees what is due at the
// hub today, this week and before today, by the planned arrival of the
// leg that ends there, and what waits at the hub to be sent on.
func TestE2EHomeOfAHubOperator(t *testing.T) {
	a, me := e2eHome(t, "hub-operator")
	const hub = "PL-RZE"
	week := dayOf(time.Now().AddDate(0, 0, 6))
	var due, thisWeek, before, waiting int
	for _, sh := range readerShipments(t, a, me) {
		if at, ok := sh.Arriving(hub); ok {
			d := dayOf(at)
			if d == today() {
				due++
			}
			if d >= today() && d <= week {
				thisWeek++
			}
			if d < today() {
				before++
			}
		}
		if sh.State == logistics.AtHub && sh.Location == hub {
			waiting++
		}
	}
	if due == 0 || before == 0 || waiting == 0 {
		t.Fatalf("the world has %d shipments due at the hub today, %d before, %d waiting there: it tests too little", due, before, waiting)
	}
	a.wantText("h1", "Rzeszów-Jasionka logistics hub PL-RZE")
	a.wantFigure("home-today", due, "/shipments")
	for i := range a.count("#shipments tbody td.due") {
		if got := a.text(fmt.Sprintf("#shipments tbody tr:nth-child(%d) td.due", i+1)); !strings.HasPrefix(got, today()) {
			a.fatalf("a shipment due at the hub today is due %s", got)
		}
	}
	a.wantFigure("home-week", thisWeek, "/shipments")
	a.wantFigure("home-overdue", before, "/shipments")
	a.wantFigure("home-waiting", waiting, "/shipments")
	a.navigate("/", 200)
	a.click("#home-hub-page", 200)
	a.wantText("#waiting", strconv.Itoa(waiting))
	a.checkConsole()
}

// TestE2EHomeOfAFacilityManager: Gliwice's manager sees the repair orders
// placed with Gliwice by state; Munster's the classes running there and
// to come.
func TestE2EHomeOfAFacilityManager(t *testing.T) {
	a, me := e2eHome(t, "facility-manager")
	orders, err := a.DB.Orders(me, repair.OrderFilter{}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	open, byState := 0, map[string]int{}
	for _, o := range orders.Items {
		if o.Facility != "PL-GLI" {
			t.Fatalf("Gliwice's manager reads %s of %s", o.Ref(), o.Facility)
		}
		if o.Open() {
			open++
		}
		byState[o.State]++
	}
	if open < 2 || byState[repair.Assigned] == 0 || byState[repair.Transit] == 0 {
		t.Fatalf("Gliwice has %d open orders (%v): the world tests too little", open, byState)
	}
	a.wantText("h1", "Bumar-Łabędy repair hub, Gliwice PL-GLI")
	a.wantFigure("home-open-orders", open, "/repairs")
	a.wantFigure("home-orders-assigned", byState[repair.Assigned], "/repairs")
	a.wantFigure("home-orders-in_transit", byState[repair.Transit], "/repairs")
	if n := a.count(`#orders tbody tr[data-state="in_transit"]`); n != byState[repair.Transit] {
		a.fatalf("the list of orders on their way shows %d, want %d", n, byState[repair.Transit])
	}
	if n := a.count("#home-training"); n != 0 {
		a.fatalf("a repair facility's page shows classes")
	}
	a.signOut()

	a.signIn("munster-manager")
	munster := access.WithIdentity(context.Background(), access.Identity{Name: "munster-manager", Nation: "DEU", Roles: []access.Role{access.FacilityManager}, Clearance: access.Restricted, Site: "DE-MUN", Via: "session"})
	classes, err := a.DB.Classes(munster, training.ClassFilter{})
	if err != nil {
		t.Fatal(err)
	}
	when := map[string]int{}
	for _, c := range classes {
		if c.Site != "DE-MUN" {
			t.Fatalf("Munster's manager reads class %d at %s", c.ID, c.Site)
		}
		when[c.RunsWhen(today())]++
	}
	if when[training.Running] == 0 || when[training.Upcoming] == 0 {
		t.Fatalf("Munster's classes %v: the world tests too little", when)
	}
	a.wantText("h1", "Munster training area DE-MUN")
	a.wantFigure("home-running", when[training.Running], "/training")
	a.wantFigure("home-upcoming", when[training.Upcoming], "/training")
	a.checkConsole()
}

// TestE2EHomeOfACoordinator: the coordinator keeps the alliance view.
func TestE2EHomeOfACoordinator(t *testing.T) {
	a, ctx := e2eHome(t, "coordinator")
	a.wantText("h1", "Dashboard")
	if n := a.count("#by-nation tbody tr"); n == 0 {
		a.fatalf("the coordinator's home has no value by nation")
	}
	// Its figures lead to the lists they count: the pledges with lines
	// past their promise, and every pledge.
	d, err := a.DB.Dashboard(ctx, today(), 1000)
	if err != nil {
		a.fatalf("dashboard: %v", err)
	}
	overdue := map[int64]bool{}
	for _, l := range d.Overdue {
		overdue[l.Pledge] = true
	}
	if d.OverduePledges == 0 || int(d.OverduePledges) < len(overdue) || d.OverdueCount < d.OverduePledges {
		a.fatalf("the world has %d pledges overdue with %d lines, %d listed", d.OverduePledges, d.OverdueCount, len(overdue))
	}
	a.wantFigure("dash-overdue", int(d.OverduePledges), "/pledges")
	a.navigate("/dashboard", 200)
	a.wantText("h1", "Dashboard")
	a.click("#total-pledges", 200)
	a.wantText(".pager .total", fmt.Sprintf("%d in all", d.Totals.Pledges))
	a.checkConsole()
}
