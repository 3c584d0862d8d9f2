package web_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

func TestTrainingPages(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	post := func(path string, v url.Values) apiResponse {
		return e.do("POST", path, "application/x-www-form-urlencoded", v.Encode())
	}
	// A course wrong in every way says so in one round, each at its field:
	// a number that does not parse, a missing title, an unknown host and a
	// site that trains nobody.
	if res := post("/training/courses", url.Values{"code": {"LEO"}, "title": {""}, "skill": {"LEOPARD-2"}, "host": {"XXX"}, "site": {"PL-RZE"}, "seats": {"twelve"}}); res.status != 422 ||
		!strings.Contains(string(res.body), `data-field="seats"`) || !strings.Contains(string(res.body), `data-field="title"`) || !strings.Contains(string(res.body), `data-field="host"`) || !strings.Contains(string(res.body), "is not a training facility") {
		t.Errorf("a course wrong in every way: %d %s", res.status, regexp.MustCompile(`data-field="[^"]*"`).FindAll(res.body, -1))
	}
	if res := post("/training/courses", url.Values{"code": {"LEO"}, "title": {"Leopard crews"}, "skill": {"LEOPARD-2"}, "host": {"DEU"}, "site": {"PL-RZE"}, "seats": {"12"}}); res.status != 422 || !strings.Contains(string(res.body), "is not a training facility") {
		t.Errorf("a course at a hub: %d", res.status)
	}
	if res := post("/training/courses", url.Values{"code": {"LEO"}, "title": {"Leopard crews"}, "skill": {"LEOPARD-2"}, "host": {"DEU"}, "site": {"DE-MUN"}, "seats": {"12"}, "min_size": {"8"}, "cost_per_seat": {"40000"}}); res.status != 303 {
		t.Fatalf("a course: %d %.500s", res.status, res.body)
	}
	if res := post("/training/classes", url.Values{"course": {"LEO"}, "start": {"2027-01-10"}, "end": {"2027-01-01"}}); res.status != 422 || !strings.Contains(string(res.body), "before the class starts") {
		t.Errorf("a class ending before it starts: %d", res.status)
	}
	if res := post("/training/classes", url.Values{"course": {"LEO"}, "start": {"2026-12-01"}, "end": {"2027-01-20"}}); res.status != 303 {
		t.Fatalf("a class: %d", res.status)
	}
	if res := post("/training/cohorts", url.Values{"skill": {"LEOPARD-2"}, "size": {"0"}, "earliest_start": {"2026-11-25"}, "needed_by": {"2027-02-01"}}); res.status != 422 || !strings.Contains(string(res.body), "at least one trainee") {
		t.Errorf("a cohort of zero: %d", res.status)
	}
	// A number that is not one, or a requirement that is not one, is
	// said so by its field, not read as nothing.
	res := post("/training/cohorts", url.Values{"skill": {"LEOPARD-2"}, "size": {"ten"}, "requirement": {"R-abc"}, "earliest_start": {"2026-11-25"}, "needed_by": {"2027-02-01"}})
	if body := string(res.body); res.status != 422 || !strings.Contains(body, `data-field="size">&#34;ten&#34; is not a whole number`) || !strings.Contains(body, `data-field="requirement"`) {
		t.Errorf("a cohort of %q trainees for requirement %q: %d\n%.3000s", "ten", "R-abc", res.status, res.body)
	}
	if res := post("/training/cohorts", url.Values{"skill": {"LEOPARD-2"}, "size": {"10"}, "priority": {"1"}, "earliest_start": {"2026-11-25"}, "needed_by": {"2027-02-01"}, "unit": {"47th brigade"}}); res.status != 303 {
		t.Fatalf("a cohort: %d", res.status)
	}
	page := string(e.do("GET", "/training/plan", "", "").body)
	m := regexp.MustCompile(`name="fingerprint" value="([^"]+)"><input type="hidden" name="start" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Every waiting trainee is placed.") {
		t.Fatalf("the plan page:\n%.2500s", page)
	}
	if res := post("/training/plan/approve", url.Values{"fingerprint": {"stale"}, "start": {m[2]}, "horizon": {"365"}}); res.status != 409 || !strings.Contains(string(res.body), "changed since it was made") {
		t.Errorf("a stale plan: %d", res.status)
	}
	if res := post("/training/plan/approve", url.Values{"fingerprint": {m[1]}, "start": {m[2]}, "horizon": {"365"}}); res.status != 303 {
		t.Fatalf("approve: %d %.500s", res.status, res.body)
	}
	var cohorts []struct {
		Enrolled int `json:"enrolled"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/v1/cohorts", "", "").body, &cohorts); err != nil || len(cohorts) != 1 || cohorts[0].Enrolled != 10 {
		t.Fatalf("cohorts: %+v %v", cohorts, err)
	}
	class := string(e.do("GET", "/training/classes/1", "", "").body)
	em := regexp.MustCompile(`name="enrolment" value="(\d+)"`).FindStringSubmatch(class)
	if em == nil {
		t.Fatalf("the class page:\n%.2000s", class)
	}
	for _, bad := range []string{"999", "x"} {
		if res := e.do("GET", "/training/classes/"+bad, "", ""); res.status != 404 {
			t.Errorf("class %s: %d, want 404", bad, res.status)
		}
	}
	f := func(k string) string { return "e" + em[1] + "_" + k }
	if res := post("/training/classes/1/record", url.Values{"enrolment": {em[1]}, f("attended"): {"10"}, f("completed"): {"11"}}); res.status != 422 || !strings.Contains(string(res.body), `id="record-error"`) {
		t.Errorf("more completed than attended: %d", res.status)
	}
	// The host, Munster's manager, records the class; a French officer may not.
	e.token = siteToken(e, "fra-host", "FRA", "", access.NationOfficer)
	if res := post("/training/classes/1/record", url.Values{"enrolment": {em[1]}, f("attended"): {"10"}, f("completed"): {"9"}}); res.status != 403 && res.status != 404 {
		t.Errorf("another nation records the class: %d", res.status)
	}
	e.token = siteToken(e, "mun-manager", "DEU", "DE-MUN", access.FacilityManager)
	if res := post("/training/classes/1/record", url.Values{"enrolment": {em[1]}, f("attended"): {"10"}, f("completed"): {"9"}, f("attrition"): {"1"}, f("reason"): {"injured"}}); res.status != 303 {
		t.Fatalf("record: %d %.800s", res.status, res.body)
	}
	var tp struct {
		Trained []struct {
			Skill   string `json:"skill"`
			Trained int    `json:"trained"`
		} `json:"trained"`
		Crews []struct {
			Skill   string `json:"skill"`
			Systems int    `json:"systems"`
		} `json:"crews"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/v1/training/throughput", "", "").body, &tp); err != nil || len(tp.Trained) != 1 || tp.Trained[0].Trained != 9 {
		t.Errorf("throughput: %+v %v", tp, err)
	}
	p := string(e.do("GET", "/training", "", "").body)
	trained, _, _ := strings.Cut(p[strings.Index(p, `id="trained"`)+1:], "</table>")
	if !strings.Contains(p, `id="crews"`) || !strings.Contains(trained, `<td class="num">9</td></tr>`) {
		t.Error("the training page")
	}
}
