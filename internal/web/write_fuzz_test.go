package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
)

// apiWrite is one write of the API document with an example body built
// from its request schema.
type apiWrite struct {
	method, path string
	example      string
}

// schemaExample fills schema s of the API document with values like those
// a client sends: the fuzzer starts from bodies the server accepts.
func schemaExample(doc map[string]any, s map[string]any, name string, depth int) any {
	if ref, ok := s["$ref"].(string); ok {
		parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
		var cur any = doc
		for _, p := range parts {
			cur = cur.(map[string]any)[p]
		}
		return schemaExample(doc, cur.(map[string]any), name, depth)
	}
	if all, ok := s["allOf"].([]any); ok {
		out := map[string]any{}
		for _, x := range all {
			if m, ok := schemaExample(doc, x.(map[string]any), name, depth).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	if ex, ok := s["example"]; ok {
		return ex
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		if depth > 3 {
			return out
		}
		for k, v := range props {
			if ro, _ := v.(map[string]any)["readOnly"].(bool); ro {
				continue
			}
			out[k] = schemaExample(doc, v.(map[string]any), k, depth+1)
		}
		return out
	case "array":
		if it, ok := s["items"].(map[string]any); ok && depth <= 3 {
			return []any{schemaExample(doc, it, name, depth+1)}
		}
		return []any{}
	case "integer":
		return 1
	case "number":
		return 1.5
	case "boolean":
		return false
	}
	switch f, _ := s["format"].(string); {
	case f == "date":
		return "2026-12-01"
	case f == "date-time":
		return "2026-12-01T08:00:00Z"
	}
	switch {
	case name == "nsn":
		return "1320-12-000-0001"
	case strings.Contains(name, "nation") || name == "host" || name == "donor" || name == "paid_by":
		return "DEU"
	case name == "origin" || name == "site" || name == "from":
		return "PL-RZE"
	case name == "destination" || name == "to" || name == "delivery_site":
		return "UA-KYIV"
	case name == "classification" || name == "clearance":
		return "NATO UNCLASSIFIED"
	case strings.Contains(name, "amount") || strings.Contains(name, "value") || strings.Contains(name, "cost") || name == "per_eur":
		return "1000.00"
	case name == "currency":
		return "USD"
	}
	return "x"
}

// apiWrites lists every JSON write of the API document but those of users
// and tokens, which would take the fuzzer's own credentials away.
func apiWrites(tb testing.TB) []apiWrite {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	var out []apiWrite
	for path, ops := range doc["paths"].(map[string]any) {
		if strings.HasPrefix(path, "/api/v1/users") || strings.HasPrefix(path, "/api/v1/tokens") || strings.HasPrefix(path, "/api/v1/import/") || path == "/api/v1/network/import" {
			continue
		}
		for _, m := range []string{"post", "put"} {
			op, ok := ops.(map[string]any)[m].(map[string]any)
			if !ok {
				continue
			}
			body := "{}"
			if rb, ok := op["requestBody"].(map[string]any); ok {
				if ref, ok := rb["$ref"].(string); ok {
					rb = doc["components"].(map[string]any)["requestBodies"].(map[string]any)[ref[strings.LastIndexByte(ref, '/')+1:]].(map[string]any)
				}
				if c, ok := rb["content"].(map[string]any)["application/json"].(map[string]any); ok {
					if s, ok := c["schema"].(map[string]any); ok {
						if b, err := json.Marshal(schemaExample(doc, s, "", 0)); err == nil {
							body = string(b)
						}
					}
				}
			}
			out = append(out, apiWrite{method: strings.ToUpper(m), path: path, example: body})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// FuzzWrite sends any JSON body, with any id in the path and any If-Match,
// to every JSON write of the API document (but those of users and tokens),
// as a coordinator and as a nation officer, over the demo scenario: every
// answer is below 500, and every refusal is a problem that says what is
// wrong. It carries FuzzDecode's promise from the decoder to the use cases
// behind it: a body the decoder takes may still break a rule, a state or a
// store, and that must be a 4xx too. The seeds are bodies built from each
// write's request schema and the bodies the tests send.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzWrite$' -fuzztime 10m -parallel 1
func FuzzWrite(f *testing.F) {
	e := newQueryEnv(f)
	writes := apiWrites(f)
	for i, w := range writes {
		f.Add(uint8(i), "1", w.example, "", false)
	}
	for _, c := range []struct{ path, body string }{
		{"/api/v1/pledges", goodPledge}, {"/api/v1/shipments", `{"origin":"DE-DEP1","destination":"UA-KYIV","planned_departure":"2026-12-01T08:00:00Z","lines":[{"allocation":1,"quantity":1}]}`},
		{"/api/v1/lessons", `{"title":"Drones jam","observation":"GPS jammed near the front","where":"PL-RZE","observed_on":"2026-11-01","source":"unit report","capability":"drones","classification":"NATO RESTRICTED","releasable_to":["FRA;DEU"]}`},
		{"/api/v1/contributions", `{"nation":"DEU","date":"2026-03-01","category":"training","currency":"USD","amount":"1000.00","evidence":"invoice","releasable_to":["XXX"]}`},
	} {
		for i, w := range writes {
			if w.path == c.path && w.method == "POST" {
				f.Add(uint8(i), "1", c.body, `"v1"`, false)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, id, body, ifMatch string, officer bool) {
		w := writes[int(which)%len(writes)]
		path := pathParam.ReplaceAllLiteralString(w.path, strings.ReplaceAll(id, "/", ""))
		req := httptest.NewRequest(w.method, "/", strings.NewReader(body))
		req.URL.Path = path
		req.Header.Set("Content-Type", "application/json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		token := e.tokens[0]
		if officer {
			token = e.tokens[1]
		}
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %.500s", w.method, path, body, rec.Code, rec.Body.String())
		}
		if rec.Code < 400 {
			return
		}
		var p struct {
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Detail == "" {
			t.Fatalf("%s %s %q: %d is not a problem: %.300s", w.method, path, body, rec.Code, rec.Body.String())
		}
	})
}
