package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

func TestLessonsPages(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	post := func(path string, v url.Values) apiResponse {
		return e.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
	}
	obs := url.Values{"title": {"Leopard track pins shear in mud"}, "observation": {"Track pins shear after long road marches in deep mud."}, "observed_on": {"2026-10-02"},
		"capability": {"armour"}, "systems": {"2350-12-000-0012"}, "classification": {"NATO UNCLASSIFIED"}}
	if res := post("/lessons", url.Values{"title": {""}, "observation": {""}, "observed_on": {"soon"}}); res.status != 422 || !strings.Contains(string(res.body), `data-field="title"`) {
		t.Errorf("an empty observation: %d", res.status)
	}
	res := post("/lessons", obs)
	if res.status != 303 {
		t.Fatalf("submit: %d %.500s", res.status, res.body)
	}
	// A second like it is shown the first before it is recorded.
	again := post("/lessons", obs)
	if again.status != 200 || !strings.Contains(string(again.body), `id="similar"`) || !strings.Contains(string(again.body), "Leopard track pins shear in mud") {
		t.Fatalf("a similar observation: %d %.1500s", again.status, again.body)
	}
	obs.Set("checked", "1")
	if res := post("/lessons", obs); res.status != 303 {
		t.Errorf("submitted anyway: %d", res.status)
	}
	// The process through the page, in order.
	if res := post("/lessons/1/step", url.Values{"to": {"learned"}}); res.status != 409 || !strings.Contains(string(res.body), `id="lesson-error"`) {
		t.Errorf("learned at once: %d", res.status)
	}
	if res := post("/lessons/1/step", url.Values{"to": {"accepted"}}); res.status != 303 {
		t.Fatalf("accepted: %d", res.status)
	}
	// Identifying it without its analysis says each missing part once.
	if res := post("/lessons/1/step", url.Values{"to": {"identified"}}); res.status != 422 ||
		!strings.Contains(html.UnescapeString(string(res.body)), "3 problems: analysis: is required to identify a lesson; conclusion: is required to identify a lesson; recommendation: is required to identify a lesson.") {
		t.Errorf("identified without analysis: %d %s", res.status, regexp.MustCompile(`id="lesson-error"[^<]*<[^<]*`).Find(res.body))
	}
	for _, step := range []url.Values{{"to": {"identified"}, "analysis": {"mud"}, "conclusion": {"pins"}, "recommendation": {"hardened pins"}}} {
		if res := post("/lessons/1/step", step); res.status != 303 {
			t.Fatalf("%s: %d %.500s", step.Get("to"), res.status, res.body)
		}
	}
	if res := post("/lessons/1/actions", url.Values{"owner_kind": {"facility"}, "owner": {"PL-GLI"}, "description": {"fit hardened pins"}, "due": {"2026-11-01"}}); res.status != 303 {
		t.Fatalf("action: %d", res.status)
	}
	if res := post("/lessons/1/links", url.Values{"kind": {"facility"}, "ref": {"PL-GLI"}}); res.status != 303 {
		t.Errorf("link: %d %.500s", res.status, res.body)
	}
	page := string(e.do("GET", "/lessons/1", "", "").body)
	if !strings.Contains(page, `id="lesson-state">actioned`) || !strings.Contains(page, "overdue") || !strings.Contains(page, "facility Bumar-Łabędy repair hub, Gliwice (PL-GLI)") {
		t.Errorf("the lesson page:\n%.3000s", page)
	}
	m := regexp.MustCompile(`action="/lessons/1/actions/(\d+)/done"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no done button")
	}
	if list := string(e.do("GET", "/lessons", "", "").body); !strings.Contains(list, "fit hardened pins") {
		t.Error("the overdue action is not listed")
	}
	if dash := string(e.do("GET", "/", "", "").body); !strings.Contains(dash, `id="dashboard-overdue"`) || !strings.Contains(dash, "fit hardened pins") {
		t.Error("the dashboard does not show the overdue action")
	}
	if res := post("/lessons/1/actions/"+m[1]+"/done", nil); res.status != 303 {
		t.Fatalf("done: %d", res.status)
	}
	if res := post("/lessons/1/step", url.Values{"to": {"learned"}}); res.status != 303 {
		t.Errorf("learned: %d", res.status)
	}
	// The lesson names the Leopard 2A4: its repair rate before and after
	// the action shows; the linked piece and requirement show the lesson.
	learned := string(e.do("GET", "/lessons/1", "", "").body)
	if !strings.Contains(learned, `id="effects"`) || !strings.Contains(learned, "0 in 1 d") || !strings.Contains(learned, "2 in 1 d") {
		t.Errorf("the lesson's effect:\n%.3000s", learned)
	}
	for _, k := range []url.Values{{"kind": {"equipment"}, "ref": {"E-00001"}}, {"kind": {"requirement"}, "ref": {"R-00001"}}} {
		if res := post("/lessons/1/links", k); res.status != 303 {
			t.Errorf("link %v: %d", k, res.status)
		}
	}
	if p := string(e.do("GET", "/repair-facilities", "", "").body); !strings.Contains(p, `id="facility-lessons"`) {
		t.Error("the facilities page does not show the lesson linked to Gliwice")
	}
	for _, page := range []string{"/equipment/1", "/requirements/1"} {
		if p := string(e.do("GET", page, "", "").body); !strings.Contains(p, `id="lessons"`) || !strings.Contains(p, "Leopard track pins shear in mud") {
			t.Errorf("%s does not show its lesson", page)
		}
	}
	if p := string(e.do("GET", "/", "", "").body); strings.Contains(p, `id="dashboard-overdue"`) {
		t.Error("the dashboard lists an action that is done")
	}
	// A restricted observation is not found by someone not cleared.
	restricted := url.Values{"title": {"Jammer settings against Orlan drones"}, "observation": {"Restricted jammer settings."}, "observed_on": {"2026-10-05"}, "capability": {"drones"}, "classification": {"NATO RESTRICTED"}, "checked": {"1"}}
	if res := post("/lessons", restricted); res.status != 303 {
		t.Fatalf("restricted: %d %.500s", res.status, res.body)
	}
	e.token = e.user("uncleared", "POL", access.Unclassified, access.HubOperator)
	e.do("GET", "/api/v1/me", "", "")
	found := string(e.do("GET", "/lessons?q=jammer+orlan", "", "").body)
	if strings.Contains(found, "Jammer settings") || !strings.Contains(found, "No lesson matches.") {
		t.Error("an uncleared reader finds the restricted lesson")
	}
}
