package web_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// TestPagesNameWhatTheyCode: wherever a page shows an item's NSN, a site's
// code or a nation's code, it shows the name beside it, "name (code)", in
// its tables and in the choices of its forms.
func TestPagesNameWhatTheyCode(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	const (
		l52    = "Cartridge, 155 mm HE, L52 (DM121-type) (1320-12-000-0001)"
		dnipro = "Delivery point Dnipro (illustrative) (UA-DNIPRO)"
		frDep  = "French Army depot (illustrative) (FR-DEP1)"
		leo    = "Main battle tank, Leopard 2A4 (2350-12-000-0012)"
	)
	if res := e.do("POST", "/plans", "application/x-www-form-urlencoded", "horizon=30"); res.status != 303 {
		t.Fatalf("make a plan: %d", res.status)
	}
	// A course on a system by its NSN, a class of it and a cohort to crew
	// it; a lesson on that system, to be fitted at a facility.
	for _, p := range [][2]string{
		{"/training/courses", "code=LEO&title=Leopard+crews&skill=2350-12-000-0012&host=DEU&site=DE-MUN&seats=12"},
		{"/training/classes", "course=LEO&start=2026-12-01&end=2027-01-20"},
		{"/training/cohorts", "skill=2350-12-000-0012&size=10&priority=1&earliest_start=2026-11-25&needed_by=2027-02-01"},
		{"/lessons", "title=Track+pins+shear&observation=Pins+shear+in+mud.&observed_on=2026-10-02&capability=armour&systems=2350-12-000-0012&classification=NATO+UNCLASSIFIED"},
		{"/lessons/1/step", "to=accepted"},
		{"/lessons/1/links", "kind=facility&ref=PL-GLI"},
	} {
		if res := e.do("POST", p[0], "application/x-www-form-urlencoded", p[1]); res.status != 303 {
			t.Fatalf("POST %s: %d", p[0], res.status)
		}
	}
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/", []string{
			`<td>Netherlands (NLD)</td><td>Main battle tank, Leopard 2A4 (2350-12-000-0012)</td>`,                                                         // an overdue line
			`<td>United Kingdom (GBR)</td><td>Delivery point Kyiv (illustrative) (UA-KYIV)</td>`,                                                          // a late shipment
			`<span class="muted">France (FRA)</span></td><td>Cartridge, 155 mm HE-ER (illustrative) (1320-14-000-0003) <span class="muted">line 1</span>`, // at risk
		}},
		{"/contributions", []string{`<td>C-00006</td><td>Poland (POL)</td>`, `<datalist id="contribution-nations">`, `<option value="POL">Poland (POL)</option>`}},
		{"/agreements", []string{`<datalist id="agreement-nations">`, `<option value="CHE">Switzerland (CHE)</option>`}},
		{"/sites/new", []string{`<datalist id="site-nations">`, `<option value="POL">Poland (POL)</option>`}},
		{"/pledges", []string{`<td>Germany (DEU)</td>`, `<option value="DEU" >Germany (DEU)</option>`}},
		{"/pledges/new", []string{`<option value="1320-12-000-0001" >` + l52 + `</option>`}}, // a line's item
		{"/account", []string{`<dd id="my-nation">Germany (DEU)</dd>`}},
		{"/discrepancies", []string{"<td>" + l52 + "</td>"}},
		{"/network", []string{
			`<tr data-site="PL-RZE"><td><a href="/hubs/PL-RZE">Rzeszów-Jasionka logistics hub</a> <span class="muted">PL-RZE</span></td><td>Poland (POL)</td>`,
			"<td>" + frDep + "</td>",                             // a link's end
			`<option value="UA-DNIPRO" >` + dnipro + `</option>`, // the link form's ends
		}},
		{"/shipments", []string{`<td>United States (USA)</td>`, `<abbr title="Rzeszów-Jasionka logistics hub (PL-RZE)">PL-RZE</abbr>`, `<td>Rzeszów-Jasionka logistics hub (PL-RZE)</td>`}},
		{"/shipments/1", []string{
			`<dd><a href="/nations/DEU">Germany (DEU)</a></dd>`,
			`<dt>To</dt><dd>` + dnipro + `</dd>`,
			`<td>1</td><td>Bundeswehr depot (illustrative) (DE-DEP1)</td><td>Rzeszów-Jasionka logistics hub (PL-RZE)</td>`, // a leg
			`<b>Dispatch</b> at Bundeswehr depot (illustrative) (DE-DEP1): Bundeswehr depot (illustrative) (DE-DEP1) → DB Cargo train`,
		}},
		{"/shipments/new", []string{
			`<option value="UA-DNIPRO" >` + dnipro + `</option>`,
			`· Germany (DEU) · ` + l52 + ` → R-00001 at ` + dnipro + ` ·`, // an allocation to ship
		}},
		{"/sites", []string{`<a href="/nations/CZE">Czechia (CZE)</a>`}},
		{"/equipment", []string{
			`<td>L2A4-PL-001</td><td>Poland (POL)</td>`, `<td>` + dnipro + `</td><td><span class="state`,
			`<datalist id="equipment-items">`, `<option value="2350-12-000-0012">Main battle tank, Leopard 2A4 (2350-12-000-0012)</option>`,
			`<option value="POL">Poland (POL)</option>`, `<option value="UA-DNIPRO">` + dnipro + `</option>`,
		}},
		{"/equipment/1", []string{`<a href="/nations/POL">Poland (POL)</a>`, `<dd id="piece-location">` + dnipro + `</dd>`, `Operational at ` + dnipro}},
		{"/repairs", []string{`<tr><td>Germany (DEU)</td>`}},
		{"/repairs/1", []string{`E-00001</a> of Poland (POL)</dd>`, `at ` + dnipro + `</dd>`}},
		{"/repairs/plan", []string{
			`<tr><td>Bumar-Łabędy repair hub, Gliwice (PL-GLI)</td>`,
			`<td>Main battle tank, Leopard 2A4 (2350-12-000-0012)</td><td>` + dnipro + `</td><td>2 high</td><td>Rheinmetall maintenance hub, Satu Mare (RO-SMR)</td>`,
		}},
		{"/repair-facilities", []string{`<span class="muted">PL-GLI, Poland (POL)</span>`, `Main battle tank, Leopard 2A4 (2350-12-000-0012): 60 d`, `<option value="PL-GLI">Bumar-Łabędy repair hub, Gliwice (PL-GLI)</option>`}},
		{"/training", []string{
			`<td>LEO</td><td>Leopard crews</td><td>` + leo + `</td><td>Germany (DEU)</td><td>Munster training area (DE-MUN)</td>`,
			`<td>1</td><td>` + leo + `</td>`, // the cohort
			`<option value="LEO">Leopard crews (LEO)</option>`,
			`<option value="2350-12-000-0012">` + leo + `</option>`, `<option value="DEU">Germany (DEU)</option>`,
		}},
		{"/training/classes/1", []string{`<dd id="where">Munster training area (DE-MUN), hosted by Germany (DEU)</dd>`}},
		{"/lessons/1", []string{`<dd id="systems">` + leo + `</dd>`, `<li>facility Bumar-Łabędy repair hub, Gliwice (PL-GLI)</li>`}},
		{"/plans/1", []string{
			`<tr data-nation="FRA"><td>France (FRA)</td>`,
			`<tr><td>Rzeszów-Jasionka logistics hub (PL-RZE)</td>`, // a hub's load
			`<td>1 critical</td><td>2027-01-02</td><td>` + dnipro + `</td>`,
			`P-00006</a> France (FRA)<br><span class="muted">Cartridge, 155 mm HE-ER (illustrative) (1320-14-000-0003)</span>`,
		}},
		{"/requirements", []string{
			"<td>Guided missile, Patriot PAC-3 MSE (1410-01-000-0005)</td>",
			"<td>" + dnipro + "</td>",
			`<option value="UA-DNIPRO" >` + dnipro + `</option>`, // the delivery points to filter by
		}},
		{"/requirements/1", []string{`<dd id="deliver-to">` + dnipro + `</dd>`, "<td>Germany (DEU)</td>"}},
		{"/requirements/2", []string{`>Guided missile, Patriot PAC-3 MSE (1410-01-000-0005)</a>`}},
		{"/requirements/new", []string{`<option value="1320-12-000-0001" >` + l52 + `</option>`, `<option value="UA-DNIPRO" >` + dnipro + `</option>`}},
		{"/hubs/PL-RZE", []string{
			"<td>" + dnipro + "</td>",                                // waiting here, to
			"<td>" + frDep + "</td>",                                 // inbound, from
			`<td>Cartridge, 155 mm HE M795 (1320-01-000-0002)<input`, // the count's lines
			`<option value="1320-12-000-0001">` + l52 + `</option>`,  // another item to count
		}},
	} {
		res := e.do("GET", c.path, "", "")
		if res.status != 200 {
			t.Errorf("GET %s: %d", c.path, res.status)
			continue
		}
		page := html.UnescapeString(string(res.body))
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("GET %s shows no %q", c.path, w)
			}
		}
	}
	// The users' nations and sites, and the pickers of both, for admins.
	siteToken(e, "names-op", "POL", "PL-RZE", access.HubOperator)
	e.token = e.user("names-admin", "DEU", access.Unclassified, access.Admin)
	users := html.UnescapeString(string(e.do("GET", "/admin/users", "", "").body))
	for _, w := range []string{`<td>Rzeszów-Jasionka logistics hub (PL-RZE)</td>`, `<td>Poland (POL)</td>`, `<datalist id="user-sites">`, `<option value="PL-GLI">Bumar-Łabędy repair hub, Gliwice (PL-GLI)</option>`, `<option value="FRA">France (FRA)</option>`} {
		if !strings.Contains(users, w) {
			t.Errorf("GET /admin/users shows no %q", w)
		}
	}
}

// TestOwnersAndRoutesByName: an overdue remedial action names its owner,
// on the lessons page and the dashboard, and a shipment's page its route.
func TestOwnersAndRoutesByName(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	for _, p := range [][2]string{
		{"/lessons", "title=Track+pins+shear&observation=Pins+shear+in+mud.&observed_on=2026-10-02&capability=armour&systems=2350-12-000-0012&classification=NATO+UNCLASSIFIED"},
		{"/lessons/1/step", "to=accepted"},
		{"/lessons/1/step", "to=identified&analysis=Mud+wears+the+pins.&conclusion=Pins+too+soft.&recommendation=Harden+them."},
		{"/lessons/1/actions", "owner_kind=facility&owner=PL-GLI&description=Harden+the+pins&due=2026-11-30"},
	} {
		if res := e.do("POST", p[0], "application/x-www-form-urlencoded", p[1]); res.status != 303 {
			t.Fatalf("POST %s: %d %s", p[0], res.status, res.body)
		}
	}
	e.now = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) // the action is overdue
	owner := "Bumar-Łabędy repair hub, Gliwice (PL-GLI)"
	for _, c := range []struct{ path, want string }{
		{"/lessons", "<td>" + owner + ` <span class="muted">facility</span></td><td>Harden the pins</td>`},
		{"/", "<td>" + owner + "</td><td>Harden the pins</td>"},
		{"/shipments/1", `<p class="muted" id="shipment-route">Bundeswehr depot (illustrative) (DE-DEP1) → Rzeszów-Jasionka logistics hub (PL-RZE) → `},
	} {
		res := e.do("GET", c.path, "", "")
		if body := html.UnescapeString(string(res.body)); res.status != 200 || !strings.Contains(body, c.want) {
			t.Errorf("%s (%d) does not show %q", c.path, res.status, c.want)
		}
	}
}
