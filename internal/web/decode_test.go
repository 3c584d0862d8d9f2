package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// typedWrites are the main write endpoints with a body each that is valid
// but for what a case changes, over the demo scenario: pledges,
// requirements, allocations, shipments, repair, training, lessons and
// contributions. {pledge}, {line}, {requirement}, {shipment}, {equipment},
// {order} ({orderversion}), {class} and {lesson} are the ids of records of the demo (or made
// for the test).
var typedWrites = []struct{ method, pattern, path, body string }{
	{"POST", "/api/v1/pledges", "/api/v1/pledges", `{"nation":"DEU","title":"Spring package","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2026-11-01","promised":"2027-01-31","amount":"","classification":"NATO UNCLASSIFIED","releasable_to":["UKR"],"lines":[{"nsn":"1320-01-000-0002","quantity":100,"unit_value":"3500.00"}]}`},
	{"PUT", "/api/v1/pledges/{id}", "/api/v1/pledges/{pledge}", `{"nation":"DEU","title":"Spring package","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2026-11-01","promised":"2027-01-31","classification":"NATO UNCLASSIFIED"}`},
	{"POST", "/api/v1/requirements", "/api/v1/requirements", `{"nsn":"1320-01-000-0002","quantity":10,"priority":1,"need_by":"2027-05-01","delivery_site":"UA-KYIV","notes":"x","classification":"NATO UNCLASSIFIED","releasable_to":["DEU"]}`},
	{"PUT", "/api/v1/requirements/{id}", "/api/v1/requirements/{requirement}", `{"nsn":"1320-01-000-0002","quantity":10,"priority":1,"need_by":"2027-05-01","delivery_site":"UA-KYIV","classification":"NATO UNCLASSIFIED"}`},
	{"POST", "/api/v1/pledges/{id}/allocate", "/api/v1/pledges/{pledge}/allocate", `{"line":{line},"quantity":1,"requirement":{requirement}}`},
	{"POST", "/api/v1/pledges/{id}/commit", "/api/v1/pledges/{pledge}/commit", `{"line":{line},"quantity":1}`},
	{"POST", "/api/v1/shipments", "/api/v1/shipments", `{"origin":"PL-RZE","destination":"UA-KYIV","via":[],"modes":["road"],"planned_departure":"2026-11-24T08:00:00Z","lines":[{"allocation":1,"quantity":1}],"notes":"x","override_reason":"x"}`},
	{"POST", "/api/v1/shipments/handover", "/api/v1/shipments/handover", `{"origin":"PL-RZE","destination":"UA-KYIV","at":"2026-11-23T08:00:00Z","note":"x","override_reason":"x","lines":[{"allocation":1,"quantity":1}]}`},
	{"POST", "/api/v1/shipments/{id}/dispatch", "/api/v1/shipments/{shipment}/dispatch", `{"action":"dispatch","at":"2026-11-23T08:00:00Z","to":"x","note":"x"}`},
	{"POST", "/api/v1/shipments/{id}/receive", "/api/v1/shipments/{shipment}/receive", `{"lines":[{"no":1,"received":1,"kind":"damaged","reason":"x"}],"to":"x","note":"x","at":"2026-11-23T08:00:00Z","accept":false}`},
	{"POST", "/api/v1/equipment", "/api/v1/equipment", `{"nsn":"2350-12-000-0012","serial":"LEO-T-1","donor":"DEU","received":"2026-11-01","location":"UA-KYIV","state":"operational","hours":1,"rounds":1,"notes":"x"}`},
	{"POST", "/api/v1/equipment/{id}/damage", "/api/v1/equipment/{equipment}/damage", `{"fault":"track","severity":"major","priority":2,"location":"UA-KYIV","replace":false}`},
	{"POST", "/api/v1/repairs/{id}/move", "/api/v1/repairs/{order}/move", `{"state":"in_transit","note":"x","version":{orderversion}}`},
	{"POST", "/api/v1/repairs/{id}/parts", "/api/v1/repairs/{order}/parts", `{"parts":[{"nsn":"1320-01-000-0002","quantity":1}]}`},
	{"POST", "/api/v1/repairs/{id}/cost", "/api/v1/repairs/{order}/cost", `{"cost":"1200.00","paid_by":"DEU"}`},
	{"POST", "/api/v1/repair-facilities", "/api/v1/repair-facilities", `{"site":"PL-GLI","slots":4,"competences":[{"target":"2350-12-000-0012","turnaround_days":10}]}`},
	{"POST", "/api/v1/courses", "/api/v1/courses", `{"code":"TST","title":"Test crews","skill":"LEOPARD-2","host":"DEU","site":"DE-MUN","language":"en","interpretation":true,"seats_per_class":12,"min_size":4,"cost_per_seat":"40000.00"}`},
	{"POST", "/api/v1/classes", "/api/v1/classes", `{"course":"TST","start":"2026-12-01","end":"2027-01-20","seats":12,"min_size":4}`},
	{"POST", "/api/v1/classes/{id}/record", "/api/v1/classes/{class}/record", `{"records":[{"enrolment":1,"attended":1,"completed":1,"attrition":0,"reason":"x"}]}`},
	{"POST", "/api/v1/cohorts", "/api/v1/cohorts", `{"skill":"LEOPARD-2","size":10,"priority":1,"earliest_start":"2026-11-25","needed_by":"2027-02-01","unit":"x","notes":"x"}`},
	{"POST", "/api/v1/lessons", "/api/v1/lessons", `{"title":"Track pins shear","observation":"In mud.","where":"x","observed_on":"2026-10-02","source":"x","capability":"armour","systems":["2350-12-000-0012"],"classification":"NATO UNCLASSIFIED","releasable_to":[]}`},
	{"POST", "/api/v1/lessons/{id}/step", "/api/v1/lessons/{lesson}/step", `{"to":"accepted","reason":"x","version":1}`},
	{"POST", "/api/v1/lessons/{id}/actions", "/api/v1/lessons/{lesson}/actions", `{"owner_kind":"nation","owner":"DEU","description":"x","due":"2027-01-01"}`},
	{"POST", "/api/v1/lessons/{id}/links", "/api/v1/lessons/{lesson}/links", `{"kind":"course","ref":"TST"}`},
	{"POST", "/api/v1/contributions", "/api/v1/contributions", `{"nation":"DEU","date":"2026-11-01","category":"in_kind","currency":"EUR","amount":"1000.00","evidence":"x","notes":"x","classification":"NATO UNCLASSIFIED","releasable_to":[]}`},
}

// typedValues are values of each field that its type or its format
// refuses, beyond the wrong JSON kinds that every field is sent: the field
// is named by its path in the body, the value is raw JSON.
var typedValues = []struct {
	pattern, field, value string
}{
	{"/api/v1/pledges", "announced", `"2026-13-01"`},
	{"/api/v1/pledges", "promised", `"soon"`},
	{"/api/v1/pledges", "kind", `"gift"`},
	{"/api/v1/pledges", "channel", `"post"`},
	{"/api/v1/pledges", "category", `"other"`},
	{"/api/v1/pledges", "nation", `"XXX"`},
	{"/api/v1/pledges", "amount", `"1.234"`},
	{"/api/v1/pledges", "amount", `"1,250"`},
	{"/api/v1/pledges", "classification", `"TOP SECRET"`},
	{"/api/v1/pledges", "releasable_to[0]", `"XXX"`},
	{"/api/v1/pledges", "lines[0].nsn", `"1320-01-000-000"`},
	{"/api/v1/pledges", "lines[0].quantity", `0`},
	{"/api/v1/pledges", "lines[0].quantity", `99999999999999999999`},
	{"/api/v1/pledges", "lines[0].unit_value", `"abc"`},
	{"/api/v1/pledges/{id}", "announced", `"2026-02-30"`},
	{"/api/v1/pledges/{id}", "classification", `"TOP SECRET"`},
	{"/api/v1/requirements", "need_by", `"May"`},
	{"/api/v1/requirements", "priority", `9`},
	{"/api/v1/requirements", "quantity", `-1`},
	{"/api/v1/requirements", "nsn", `"1320-12-345"`},
	{"/api/v1/requirements", "classification", `"TOP SECRET"`},
	{"/api/v1/requirements/{id}", "need_by", `"2027-13-01"`},
	{"/api/v1/pledges/{id}/allocate", "quantity", `-1`},
	{"/api/v1/pledges/{id}/allocate", "requirement", `99999`},
	{"/api/v1/pledges/{id}/commit", "quantity", `0`},
	{"/api/v1/shipments", "planned_departure", `"2026-02-30T08:00:00Z"`},
	{"/api/v1/shipments", "planned_departure", `"tomorrow"`},
	{"/api/v1/shipments", "modes[0]", `"teleport"`},
	{"/api/v1/shipments/handover", "at", `"yesterday"`},
	{"/api/v1/shipments/{id}/dispatch", "at", `"now"`},
	{"/api/v1/shipments/{id}/receive", "at", `"2026-11-23"`},
	{"/api/v1/equipment", "received", `"2026-13-01"`},
	{"/api/v1/equipment", "nsn", `"2350-12-000"`},
	{"/api/v1/equipment/{id}/damage", "severity", `"huge"`},
	{"/api/v1/equipment/{id}/damage", "priority", `9`},
	{"/api/v1/repairs/{id}/move", "state", `"flying"`},
	{"/api/v1/repairs/{id}/parts", "parts[0].quantity", `0`},
	{"/api/v1/repairs/{id}/cost", "cost", `"1.234"`},
	{"/api/v1/courses", "cost_per_seat", `"12.345"`},
	{"/api/v1/courses", "cost_per_seat", `"abc"`},
	{"/api/v1/courses", "seats_per_class", `-1`},
	{"/api/v1/classes", "start", `"2026-13-01"`},
	{"/api/v1/classes", "end", `"next year"`},
	{"/api/v1/cohorts", "earliest_start", `"2026-13-01"`},
	{"/api/v1/cohorts", "needed_by", `"soon"`},
	{"/api/v1/lessons", "observed_on", `"2026-13-01"`},
	{"/api/v1/lessons", "classification", `"TOP SECRET"`},
	{"/api/v1/lessons/{id}/actions", "due", `"soon"`},
	{"/api/v1/lessons/{id}/links", "kind", `"gossip"`},
	{"/api/v1/contributions", "date", `"2026-13-01"`},
	{"/api/v1/contributions", "amount", `"1.234"`},
	{"/api/v1/contributions", "amount", `""`},
	{"/api/v1/contributions", "classification", `"TOP SECRET"`},
	{"/api/v1/contributions", "pledge", `"P-abc"`},
}

// TestTypedFieldsAreNamed holds every typed field of the main writes to a
// 422 problem that names it by its path in the body and says what it must
// be: each field sent a value of the wrong JSON kind (the fields listed
// from the API document's request schemas, so that a new field is covered
// as soon as it is documented), every field of a body wrong at once (all
// named in one answer), and the values typedValues lists. Nothing is saved.
func TestTypedFieldsAreNamed(t *testing.T) {
	e := demoEnv(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	ids := typedFixtures(t, e)
	doc := openAPIDoc(t)
	before := e.fingerprint()
	post := func(t *testing.T, method, path string, body map[string]any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		res := e.do(method, path, "application/json", string(b), "If-Match", `"v1"`)
		if res.status != 422 || res.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s %s: %d %.400s", method, path, b, res.status, res.body)
		}
		prob := res.json(t)
		for _, raw := range []string{"json:", "parsing time", "strconv.", "Time.Unmarshal", "Go value"} {
			if strings.Contains(string(res.body), raw) {
				t.Errorf("the problem shows a parser's own words (%q): %s", raw, res.body)
			}
		}
		return prob
	}
	for _, w := range typedWrites {
		path := w.path
		for k, v := range ids {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		body := w.body
		for k, v := range ids {
			body = strings.ReplaceAll(body, "{"+k+"}", v)
		}
		fields := schemaFields(t, doc, w.method, w.pattern)
		if len(fields) == 0 {
			t.Fatalf("%s %s: the API document lists no fields", w.method, w.pattern)
		}
		t.Run(w.method+" "+w.pattern, func(t *testing.T) {
			all := parseBody(t, body)
			for _, f := range fields {
				t.Run(f.path, func(t *testing.T) {
					m := parseBody(t, body)
					setPath(m, f.path, f.wrong())
					setPath(all, f.path, f.wrong())
					prob := post(t, w.method, path, m)
					if !problemNames(prob, f.path) {
						t.Errorf("%s of the wrong kind: the problem does not name it: %v", f.path, prob)
					}
				})
			}
			t.Run("every field wrong at once", func(t *testing.T) {
				prob := post(t, w.method, path, all)
				for _, f := range fields {
					if !problemNames(prob, f.path) {
						t.Errorf("the problem does not name %s among the others: %v", f.path, prob["errors"])
					}
				}
			})
			for _, c := range typedValues {
				if c.pattern != w.pattern {
					continue
				}
				t.Run(c.field+"="+c.value, func(t *testing.T) {
					m := parseBody(t, body)
					var v any
					d := json.NewDecoder(strings.NewReader(c.value))
					d.UseNumber()
					if err := d.Decode(&v); err != nil {
						t.Fatal(err)
					}
					setPath(m, c.field, v)
					prob := post(t, w.method, path, m)
					// A value of a list of codes is named by the list,
					// with the value in the message.
					list, _ := strings.CutSuffix(c.field, "[0]")
					if !problemNames(prob, c.field) && !problemNames(prob, list) {
						t.Errorf("%s = %s: the problem does not name it: %v", c.field, c.value, prob)
					}
				})
			}
		})
	}
	for _, c := range typedValues {
		found := false
		for _, w := range typedWrites {
			found = found || w.pattern == c.pattern
		}
		if !found {
			t.Errorf("typedValues names %s, which typedWrites does not hold", c.pattern)
		}
	}
	if e.fingerprint() != before {
		t.Error("a refused write changed the ledger")
	}
}

// typedFixtures returns the ids the bodies of typedWrites refer to, from the
// demo and from records the test adds.
func typedFixtures(t *testing.T, e *apiEnv) map[string]string {
	t.Helper()
	first := func(path string) map[string]any {
		t.Helper()
		res := e.do("GET", path, "", "")
		items, _ := res.json(t)["items"].([]any)
		if res.status != 200 || len(items) == 0 {
			t.Fatalf("GET %s: %d %.300s", path, res.status, res.body)
		}
		return items[0].(map[string]any)
	}
	id := func(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }
	create := func(path, body string) map[string]any {
		t.Helper()
		res := e.do("POST", path, "application/json", body)
		if res.status != 201 && res.status != 200 {
			t.Fatalf("POST %s: %d %.300s", path, res.status, res.body)
		}
		return res.json(t)
	}
	ids := map[string]string{}
	p := create("/api/v1/pledges", strings.NewReplacer(`"amount":"",`, ``).Replace(typedWrites[0].body))
	ids["pledge"], ids["line"] = id(p), id(p["lines"].([]any)[0].(map[string]any))
	ids["requirement"] = id(first("/api/v1/requirements?limit=1"))
	ids["shipment"] = id(first("/api/v1/shipments?limit=1"))
	ids["equipment"] = id(first("/api/v1/equipment?limit=1"))
	o := first("/api/v1/repairs?limit=1")
	ids["order"], ids["orderversion"] = id(o), fmt.Sprint(int64(o["version"].(float64)))
	create("/api/v1/courses", `{"code":"TST","title":"Test crews","skill":"LEOPARD-2","host":"DEU","site":"DE-MUN","seats_per_class":12,"min_size":4,"cost_per_seat":"40000.00"}`)
	c := create("/api/v1/classes", `{"course":"TST","start":"2026-12-01","end":"2027-01-20"}`)
	ids["class"] = id(c)
	l := create("/api/v1/lessons", typedWrites[len(typedWrites)-5].body)
	ids["lesson"] = id(l)
	return ids
}

// schemaField is a leaf of a request body as the API document describes it.
type schemaField struct {
	path string
	typ  string // the schema's type: string, integer, number, boolean
}

// wrong returns a value of a JSON kind the field never takes.
func (f schemaField) wrong() any {
	switch f.typ {
	case "string":
		return map[string]any{}
	case "boolean":
		return "yes"
	}
	return "x"
}

// schemaFields lists the leaves of the JSON request body of an operation,
// arrays entered at their first element.
func schemaFields(t *testing.T, doc map[string]any, method, pattern string) []schemaField {
	t.Helper()
	resolve := func(s map[string]any) map[string]any {
		for s["$ref"] != nil {
			var cur any = doc
			for _, p := range strings.Split(strings.TrimPrefix(s["$ref"].(string), "#/"), "/") {
				cur = cur.(map[string]any)[p]
			}
			s = cur.(map[string]any)
		}
		return s
	}
	op, _ := doc["paths"].(map[string]any)[pattern].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		t.Fatalf("the API document has no %s %s", method, pattern)
	}
	rb := resolve(op["requestBody"].(map[string]any))
	schema := resolve(rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any))
	var out []schemaField
	var walk func(s map[string]any, path string)
	walk = func(s map[string]any, path string) {
		s = resolve(s)
		all, _ := s["allOf"].([]any)
		for _, a := range all {
			walk(a.(map[string]any), path)
		}
		switch {
		case s["properties"] != nil:
			props := s["properties"].(map[string]any)
			keys := make([]string, 0, len(props))
			for k := range props {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(props[k].(map[string]any), p)
			}
		case s["type"] == "array":
			walk(s["items"].(map[string]any), path+"[0]")
		case s["type"] != nil:
			out = append(out, schemaField{path, s["type"].(string)})
		}
	}
	walk(schema, "")
	return out
}

func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func parseBody(t *testing.T, body string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return m
}

// setPath sets the value at a path such as "lines[0].unit_value" in m,
// making the objects and the first array elements on the way.
func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	cur := m
	for i, part := range parts {
		name, indexed := strings.CutSuffix(part, "[0]")
		last := i == len(parts)-1
		switch {
		case indexed:
			arr, _ := cur[name].([]any)
			if last {
				if len(arr) == 0 {
					arr = []any{nil}
				}
				arr[0] = v
				cur[name] = arr
				return
			}
			if len(arr) == 0 {
				arr = []any{map[string]any{}}
			}
			next, ok := arr[0].(map[string]any)
			if !ok {
				next = map[string]any{}
				arr[0] = next
			}
			cur[name] = arr
			cur = next
		case last:
			cur[name] = v
		default:
			next, ok := cur[name].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[name] = next
			}
			cur = next
		}
	}
}
