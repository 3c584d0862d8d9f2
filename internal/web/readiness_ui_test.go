package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

var readinessNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// readinessEnv is the demo with its crews' training and capability
// packages, as `longhaul serve --demo` loads it.
func readinessEnv(t *testing.T) *apiEnv {
	t.Helper()
	e := demoEnv(t, readinessNow)
	storetest.DemoReadiness(t, e.db, readinessNow)
	return e
}

// assessments reads GET /api/v1/readiness by package name.
func assessments(t *testing.T, e *apiEnv) map[string]readiness.Assessment {
	t.Helper()
	res := e.do("GET", "/api/v1/readiness", "", "")
	var list struct {
		Items []readiness.Assessment `json:"items"`
		Total int                    `json:"total"`
	}
	if err := json.Unmarshal(res.body, &list); err != nil || res.status != 200 || list.Total != len(list.Items) {
		t.Fatalf("GET /api/v1/readiness: %d %v %.300s", res.status, err, res.body)
	}
	out := map[string]readiness.Assessment{}
	for _, a := range list.Items {
		out[a.Package.Name] = a
	}
	return out
}

// TestReadinessOfTheDemo: the Leopard company is ready, the IRIS-T
// battery waits for its crew in class, the Patriot battery for
// interceptors on their way and for a repair facility nobody plans; page
// and API say the same.
func TestReadinessOfTheDemo(t *testing.T) {
	e := readinessEnv(t)
	as := assessments(t, e)
	leo, iris, patriot := as["Leopard 2 tank company"], as["IRIS-T SLM battery"], as["Patriot battery"]
	if len(as) != 3 || leo.Ready != 1 || !leo.Complete || iris.Ready != 0 || patriot.Ready != 0 {
		t.Fatalf("the demo's readiness: %d packages, Leopard %d, IRIS-T %d, Patriot %d", len(as), leo.Ready, iris.Ready, patriot.Ready)
	}
	if crew := iris.Elements[1]; crew.Status != readiness.Planned || crew.ClosesOn != "2026-12-13" || iris.ReadyBy != "2026-12-13" || iris.Elements[0].Missing != 0 {
		t.Errorf("the IRIS-T battery waits for its crew: %+v, ready by %q", crew, iris.ReadyBy)
	}
	if fac := patriot.Elements[2]; fac.Status != readiness.Unplanned || !patriot.Unplanned || patriot.ReadyBy != "" || patriot.Elements[0].Missing != 2 {
		t.Errorf("the Patriot battery: %+v", patriot.Elements)
	}
	page := string(e.do("GET", "/readiness", "", "").body)
	for _, a := range []readiness.Assessment{leo, iris, patriot} {
		row := regexp.MustCompile(fmt.Sprintf(`<tr data-id="%d" data-ready="(\d+)">`, a.Package.ID)).FindStringSubmatch(page)
		if row == nil || row[1] != fmt.Sprint(a.Ready) {
			t.Errorf("the page's row for %s: %v, the API says %d ready", a.Package.Name, row, a.Ready)
		}
	}
	if !strings.Contains(page, `id="complete-total">1 of 3`) || !strings.Contains(page, `id="unplanned-total">1`) {
		t.Errorf("the page's figures:\n%.2000s", page)
	}
	if !strings.Contains(page, `<span class="missing" data-kind="crew">1 battery crew</span>`) || !strings.Contains(page, `<span class="missing" data-kind="facility">1 missile repair</span>`) {
		t.Errorf("the page says what is missing:\n%.3000s", page)
	}
	if !strings.Contains(page, `<a href="/readiness" aria-current="page">Readiness</a>`) {
		t.Error("the menu has no current Readiness")
	}
	detail := string(e.do("GET", "/readiness/"+patriot.Package.Ref(), "", "").body)
	for _, want := range []string{`data-element="2" data-status="unplanned"`, `no plan for 1`, `href="/shipments/`, "the shipment's ETA", `a repair facility needs this competence`, "Guided missile, Patriot PAC-3 MSE"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the Patriot battery's page has no %q", want)
		}
	}
	if d := string(e.do("GET", "/readiness/"+iris.Package.Ref(), "", "").body); !strings.Contains(d, `id="outlook"`) || !strings.Contains(d, "2026-12-13") || !strings.Contains(d, `href="/training/classes/`) {
		t.Errorf("the IRIS-T battery's page:\n%.2000s", d)
	}
	if res := e.do("GET", "/api/v1/readiness/"+leo.Package.Ref(), "", ""); res.status != 200 || res.header.Get("ETag") != `"v1"` || res.header.Get("X-Classification") != "NATO UNCLASSIFIED" {
		t.Errorf("GET the Leopard company: %d %v", res.status, res.header)
	}
	if res := e.do("GET", "/readiness/999999", "", ""); res.status != 404 {
		t.Errorf("no such package: %d", res.status)
	}

	// A French officer counts what France may see: not the German missiles
	// released to Ukraine only, nor the German course's crews, nor the
	// tanks other nations donated; the tank company is not ready to them.
	e.token = e.user("rd-fra", "FRA", access.Restricted, access.NationOfficer)
	fra := assessments(t, e)
	if m := fra["IRIS-T SLM battery"].Elements[0]; m.Available != 0 || len(m.Have) != 0 {
		t.Errorf("the French officer counts the German missiles: %+v", m)
	}
	if l := fra["Leopard 2 tank company"]; l.Ready != 0 || l.Elements[3].Available != 0 {
		t.Errorf("the French officer's Leopard company: %d ready, crews %+v", l.Ready, l.Elements[3])
	}
	if p := string(e.do("GET", "/readiness", "", "").body); strings.Contains(p, `id="define-package"`) {
		t.Error("a nation officer is offered to define a package")
	}
	if res := e.do("GET", "/readiness/new", "", ""); res.status != 403 {
		t.Errorf("a nation officer opens the form: %d", res.status)
	}
	// An analyst may not read readiness, and is not offered it.
	e.token = e.user("rd-analyst", "POL", access.Secret, access.Analyst)
	if res := e.do("GET", "/readiness", "", ""); res.status != 403 {
		t.Errorf("an analyst: %d", res.status)
	}
	if home := string(e.do("GET", "/", "", "").body); strings.Contains(home, `href="/readiness"`) {
		t.Error("an analyst's menu links to readiness")
	}
}

// TestPackageFormSaysEveryProblemAtOnce: a package wrong in every way is
// refused with each problem beside its field, what was typed kept, and
// nothing saved; then defined, edited, and refused when stale.
func TestPackageFormSaysEveryProblemAtOnce(t *testing.T) {
	e := readinessEnv(t)
	post := func(path string, v url.Values) apiResponse {
		return e.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
	}
	e.do("GET", "/readiness", "", "") // the token's first use is recorded
	before := e.records()
	res := post("/readiness", url.Values{"name": {""}, "wanted": {"two"}, "classification": {"NATO RESTRICTED"},
		"element_kind":     {"item", "crew", "item", "radar"},
		"element_target":   {"9999-99-999-9999", "NO-SUCH-COURSE", "", "TRML-4D"},
		"element_quantity": {"8", "x", "", "1"},
		"element_label":    {"missiles", "", "", ""}})
	body := string(res.body)
	if res.status != 422 {
		t.Fatalf("a package wrong in every way: %d\n%.2000s", res.status, body)
	}
	for _, f := range []string{"name", "wanted", "elements[0].target", "elements[1].target", "elements[1].quantity", "elements[2].kind"} {
		if !strings.Contains(body, `data-field="`+f+`"`) {
			t.Errorf("no error at %s: %s", f, regexp.MustCompile(`data-field="[^"]*"`).FindAll(res.body, -1))
		}
	}
	for _, typed := range []string{`value="two"`, `value="9999-99-999-9999"`, `value="NO-SUCH-COURSE"`, `value="x"`, `value="missiles"`, `value="TRML-4D"`, `<option value="radar" selected>`} {
		if !strings.Contains(body, typed) {
			t.Errorf("the form lost %s", typed)
		}
	}
	if e.records() != before {
		t.Error("a refused package changed the records")
	}
	res = post("/readiness", url.Values{"name": {"Leopard 2 platoon"}, "wanted": {"3"}, "capability": {"armour"}, "classification": {"NATO UNCLASSIFIED"},
		"element_kind": {"item", "crew", "facility", "item"}, "element_target": {"LEOPARD-2", "leo2-crew", "LEOPARD-2", ""}, "element_quantity": {"4", "4", "1", ""}, "element_label": {"tanks", "", "", ""}})
	loc := res.header.Get("Location")
	m := regexp.MustCompile(`^/readiness/(\d+)\?`).FindStringSubmatch(loc)
	if res.status != 303 || m == nil || !regexp.MustCompile(`^CP-\d+ defined$`).MatchString(e.notice(res)) {
		t.Fatalf("a good package: %d %s %.1000s", res.status, loc, res.body)
	}
	id := m[1]
	page := string(e.do("GET", "/readiness/"+id, "", "").body)
	// Eleven tanks are two platoons; the ten crews trained two more.
	if !strings.Contains(page, `id="ready">2 of 3 wanted`) || !strings.Contains(page, "LEO2-CREW Leopard 2 crew training") {
		t.Errorf("the platoon's page:\n%.2500s", page)
	}
	edit := string(e.do("GET", "/readiness/"+id+"/edit", "", "").body)
	if !strings.Contains(edit, `value="Leopard 2 platoon"`) || !strings.Contains(edit, `value="LEO2-CREW"`) || !strings.Contains(edit, `name="version" value="1"`) {
		t.Errorf("the edit form:\n%.2000s", edit)
	}
	change := url.Values{"version": {"1"}, "name": {"Leopard 2 platoon"}, "wanted": {"2"}, "classification": {"NATO UNCLASSIFIED"},
		"element_kind": {"item", "crew"}, "element_target": {"LEOPARD-2", "LEO2-CREW"}, "element_quantity": {"4", "4"}}
	if res := post("/readiness/"+id, change); res.status != 303 {
		t.Fatalf("the change: %d %.1000s", res.status, res.body)
	}
	if res := post("/readiness/"+id, change); res.status != 409 || !strings.Contains(string(res.body), "changed by someone else") || !strings.Contains(string(res.body), `value="Leopard 2 platoon"`) {
		t.Errorf("a stale change: %d", res.status)
	}
	if p := string(e.do("GET", "/readiness/"+id, "", "").body); !strings.Contains(p, `id="ready">2 of 2 wanted`) {
		t.Errorf("after the change:\n%.1500s", p)
	}
}

// TestReadinessAPIRefusesEveryProblemInOneAnswer: the API's problems come
// all together, each naming its field; a good package is created, changed
// with its ETag, and refused when stale or to a nation officer.
func TestReadinessAPIRefusesEveryProblemInOneAnswer(t *testing.T) {
	e := readinessEnv(t)
	res := e.do("POST", "/api/v1/readiness", "application/json", `{"name":"","wanted":0,"classification":"TOP SECRET",
		"elements":[{"kind":"radar","target":"","quantity":0},{"kind":"crew","target":"NOBODY","quantity":1},{"kind":"item","target":"1410-12-000-0006","quantity":8}]}`)
	var p struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	json.Unmarshal(res.body, &p)
	got := map[string]bool{}
	for _, f := range p.Errors {
		got[f.Field] = true
	}
	for _, f := range []string{"name", "wanted", "classification", "elements[0].kind", "elements[0].target", "elements[0].quantity", "elements[1].target"} {
		if !got[f] {
			t.Errorf("no problem at %s: %d %s", f, res.status, res.body)
		}
	}
	if res.status != 422 {
		t.Errorf("status %d", res.status)
	}
	good := `{"name":"IRIS-T SLM battery, second","capability":"air_defence","wanted":2,"classification":"NATO RESTRICTED","releasable_to":["UKR","DEU"],
		"elements":[{"kind":"item","target":"1410-12-000-0006","quantity":8,"label":"missiles"},{"kind":"crew","target":"irist-ops","quantity":1}]}`
	res = e.do("POST", "/api/v1/readiness", "application/json", good)
	a := res.json(t)
	loc := res.header.Get("Location")
	if res.status != 201 || !strings.HasPrefix(loc, "/api/v1/readiness/") || res.header.Get("ETag") != `"v1"` || res.header.Get("X-Classification") != "NATO RESTRICTED" {
		t.Fatalf("create: %d %v %s", res.status, res.header, res.body)
	}
	// Two batteries need two crews; one is in class.
	if el := a["elements"].([]any)[1].(map[string]any); el["target"] != "IRIST-OPS" || el["status"] != "unplanned" || el["unplanned"] != float64(1) {
		t.Errorf("the crew element: %v", el)
	}
	changed := strings.Replace(good, `"wanted":2`, `"wanted":1`, 1)
	if res := e.do("POST", loc, "application/json", changed, "If-Match", `"v1"`); res.status != 200 || res.header.Get("ETag") != `"v2"` || res.json(t)["package"].(map[string]any)["wanted"] != float64(1) {
		t.Errorf("change: %d %s", res.status, res.body)
	}
	if res := e.do("POST", loc, "application/json", changed, "If-Match", `"v1"`); res.status != 409 {
		t.Errorf("a stale change: %d", res.status)
	}
	// A change without a marking keeps the stored one.
	noMarking := `{"name":"IRIS-T SLM battery, second","wanted":1,"elements":[{"kind":"item","target":"1410-12-000-0006","quantity":8}]}`
	if res := e.do("POST", loc, "application/json", noMarking); res.status != 200 || res.json(t)["package"].(map[string]any)["classification"] != "NATO RESTRICTED" {
		t.Errorf("a change without a marking: %d %s", res.status, res.body)
	}
	e.token = e.user("rd-deu", "DEU", access.Restricted, access.NationOfficer)
	if res := e.do("POST", "/api/v1/readiness", "application/json", good); res.status != 403 {
		t.Errorf("a nation officer defines a package: %d", res.status)
	}
	if res := e.do("GET", loc, "", ""); res.status != 200 {
		t.Errorf("the German officer reads the package released to Germany: %d", res.status)
	}
	e.token = e.user("rd-pol", "POL", access.Secret, access.NationOfficer)
	if res := e.do("GET", loc, "", ""); res.status != 404 {
		t.Errorf("a Polish officer reads a package not released to Poland: %d", res.status)
	}
}
