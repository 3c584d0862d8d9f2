package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// oaOutsideAPI are the paths Handler registers beside Routes, which the
// document describes too.
var oaOutsideAPI = []string{"/healthz", "/readyz", "/metrics"}

// oaLoad loads the document the server embeds and serves, and validates it.
func oaLoad(t *testing.T) *openapi3.T {
	t.Helper()
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(b)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// oaTemplate turns a ServeMux pattern into an OpenAPI path template:
// "{name...}" becomes "{name}" and a trailing "{$}" goes.
func oaTemplate(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	return strings.ReplaceAll(p, "...}", "}")
}

// oaDocumented returns "METHOD /path" for every operation in doc.
func oaDocumented(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func oaSorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := oaLoad(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi is %q, want 3.0.3", doc.OpenAPI)
	}
	for _, name := range []string{"Nation", "NationYear", "Site", "Item", "ItemInput", "Requirement", "RequirementInput", "Pledge", "PledgeInput",
		"Line", "Allocation", "Action", "PledgeSummary", "Dashboard", "AuditEvent", "VerifyReport", "ImportResult", "Problem",
		"NationPage", "SitePage", "ItemPage", "RequirementPage", "PledgePage"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("components/schemas has no %s", name)
		}
	}
}

// TestOpenAPIDocumentsEveryRoute checks both directions: every API route the
// server registers is documented with its method, and every documented
// operation is served.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := oaLoad(t)
	documented := oaDocumented(doc)

	// Routes only takes method values of the server, so a zero Server will do.
	served := map[string]bool{}
	for _, rt := range (&Server{}).Routes() {
		if !rt.API {
			if strings.HasPrefix(rt.Pattern, "/api/") {
				t.Errorf("route %s %s is under /api/ but not marked API", rt.Method, rt.Pattern)
			}
			continue
		}
		if !strings.HasPrefix(rt.Pattern, "/api/v1/") {
			t.Errorf("API route %s %s is not under /api/v1/", rt.Method, rt.Pattern)
		}
		key := rt.Method + " " + oaTemplate(rt.Pattern)
		if served[key] {
			t.Errorf("route %s is registered twice", key)
		}
		served[key] = true
	}
	if len(served) == 0 {
		t.Fatal("the server lists no API routes")
	}
	for _, p := range oaOutsideAPI {
		served["GET "+p] = true
	}

	for _, k := range oaSorted(served) {
		if documented[k] == nil {
			t.Errorf("%s is served but not documented in openapi.json", k)
		}
	}
	for _, k := range oaSorted(documented) {
		if !served[k] {
			t.Errorf("openapi.json documents %s, which the server does not serve", k)
		}
	}
}

// TestOpenAPIOperationsAreConsistent checks conventions the document keeps:
// every operation has an id and a 2xx response, every error response of the
// API is a problem, and If-Match is only taken by writes.
func TestOpenAPIOperationsAreConsistent(t *testing.T) {
	doc := oaLoad(t)
	ids := map[string]string{}
	for _, k := range oaSorted(oaDocumented(doc)) {
		op := oaDocumented(doc)[k]
		method, path, _ := strings.Cut(k, " ")
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", k)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s and %s share operationId %s", k, other, op.OperationID)
		}
		ids[op.OperationID] = k
		success := false
		for code, r := range op.Responses.Map() {
			if strings.HasPrefix(code, "2") {
				success = true
			}
			if !strings.HasPrefix(path, "/api/") || !(strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5")) {
				continue
			}
			if r.Value == nil || len(r.Value.Content) != 1 || r.Value.Content["application/problem+json"] == nil {
				t.Errorf("%s response %s is not application/problem+json only", k, code)
				continue
			}
			if s := r.Value.Content["application/problem+json"].Schema; s == nil || s.Ref != "#/components/schemas/Problem" {
				t.Errorf("%s response %s does not use the Problem schema", k, code)
			}
		}
		if !success {
			t.Errorf("%s has no 2xx response", k)
		}
		for _, p := range append(doc.Paths.Value(path).Parameters, op.Parameters...) {
			if p.Value != nil && p.Value.In == "header" && p.Value.Name == "If-Match" && method != "PUT" && method != "POST" {
				t.Errorf("%s takes If-Match but is not a write", k)
			}
		}
	}
}

// oaStrict closes every object schema of the components that does not say
// otherwise. The document leaves responses open so that clients tolerate
// new fields; the live test closes them so that a field the server sends
// but the document does not describe fails it.
func oaStrict(doc *openapi3.T) {
	no := false
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type != nil && s.Type.Is("object") && len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p.Value)
		}
		if s.Items != nil {
			walk(s.Items.Value)
		}
	}
	for _, s := range doc.Components.Schemas {
		walk(s.Value)
	}
}

// oaClient sends requests to a running server and checks each request and
// response against the document.
type oaClient struct {
	t      *testing.T
	base   string
	router routers.Router
	seen   map[string]bool // operations exercised, "METHOD /path"
}

// oaCall is one request and what it should get.
type oaCall struct {
	method, path string
	header       map[string]string
	body         string // JSON unless header says otherwise
	status       int
	// badRequest says the document itself refuses the request (the server
	// should too); rawBody that the body is not even parseable, so the
	// request is not checked against the document at all.
	badRequest, rawBody bool
}

// oaReply is what the server answered.
type oaReply struct {
	status int
	header http.Header
	body   []byte
}

func (r oaReply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (c *oaClient) newRequest(call oaCall) *http.Request {
	c.t.Helper()
	var body io.Reader = http.NoBody
	if call.body != "" {
		body = strings.NewReader(call.body)
	}
	req, err := http.NewRequest(call.method, c.base+call.path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if call.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range call.header {
		req.Header.Set(k, v)
	}
	return req
}

func (c *oaClient) do(call oaCall) oaReply {
	c.t.Helper()
	name := call.method + " " + call.path
	ctx := context.Background()
	opts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}

	vreq := c.newRequest(call)
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s: not in the document: %v", name, err)
	}
	c.seen[call.method+" "+route.Path] = true
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if !call.rawBody {
		err := openapi3filter.ValidateRequest(ctx, in)
		switch {
		case call.badRequest && err == nil:
			c.t.Errorf("%s: the document accepts a request the test meant to be refused", name)
		case !call.badRequest && err != nil:
			c.t.Errorf("%s: the request does not match the document: %v", name, err)
		}
	}

	resp, err := http.DefaultClient.Do(c.newRequest(call))
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	if resp.StatusCode != call.status {
		c.t.Fatalf("%s: status %d, want %d\n%s", name, resp.StatusCode, call.status, b)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
	out.SetBodyBytes(b)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		c.t.Errorf("%s: the %d response does not match the document: %v\n%s", name, resp.StatusCode, err, oaClip(b))
	}
	return oaReply{status: resp.StatusCode, header: resp.Header, body: b}
}

func oaClip(b []byte) []byte {
	if len(b) > 2000 {
		return append(b[:2000:2000], "…"...)
	}
	return b
}

func oaJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func oaNum(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	return int64(f)
}

// TestOpenAPIDescribesLiveResponses runs the real handler over a seeded
// SQLite database and checks real requests and responses against the
// document, so that the schemas are shown to describe what the server sends.
func TestOpenAPIDescribesLiveResponses(t *testing.T) {
	doc := oaLoad(t)
	oaStrict(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Now())
	storetest.Seed(t, db)
	srv := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := &oaClient{t: t, base: ts.URL, router: router, seen: map[string]bool{}}

	// Operations outside the API.
	c.do(oaCall{method: "GET", path: "/healthz", status: 200})
	c.do(oaCall{method: "GET", path: "/readyz", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/openapi.json", status: 200})

	// Catalogue.
	items := c.do(oaCall{method: "GET", path: "/api/v1/items", status: 200}).json(t)
	if n := oaNum(t, items["total"]); n != 3 {
		t.Errorf("GET /api/v1/items: total %d, want the 3 seeded items", n)
	}
	page := c.do(oaCall{method: "GET", path: "/api/v1/nations?role=ally&sort=-name&limit=5", status: 200}).json(t)
	next, _ := page["next"].(string)
	if next == "" {
		t.Fatal("GET /api/v1/nations: no next cursor on a first page of 5 allies")
	}
	c.do(oaCall{method: "GET", path: "/api/v1/nations?role=ally&sort=-name&limit=5&cursor=" + url.QueryEscape(next), status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/nations/DEU", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/nations/XYZ", status: 404})
	c.do(oaCall{method: "GET", path: "/api/v1/sites?kind=delivery_point", status: 200})
	c.do(oaCall{method: "POST", path: "/api/v1/sites", status: 201,
		body: oaJSON(map[string]any{"code": "DE-GRF", "name": "Grafenwöhr depot", "nation": "DEU", "kinds": []string{"donor_depot"}, "lat_e6": 49698000, "lon_e6": 11940000})})
	c.do(oaCall{method: "GET", path: "/api/v1/sites/DE-GRF", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/supply-classes", status: 200})
	stinger := "/api/v1/items/" + storetest.NSNStinger
	etag := c.do(oaCall{method: "GET", path: stinger, status: 200}).header.Get("ETag")
	upd := oaJSON(map[string]any{"name": "Guided missile, Stinger FIM-92", "capability": "air_defence", "unit_of_issue": "EA", "unit_value": "480000.00", "mass_kg": "15.2", "volume_m3": "0.06"})
	c.do(oaCall{method: "PUT", path: stinger, header: map[string]string{"If-Match": etag}, body: upd, status: 200})
	c.do(oaCall{method: "PUT", path: stinger, header: map[string]string{"If-Match": etag}, body: upd, status: 409})
	c.do(oaCall{method: "POST", path: "/api/v1/items", status: 201,
		body: oaJSON(map[string]any{"nsn": "1005-01-000-0001", "name": "Rifle, 5.56 mm", "capability": "small_arms", "unit_value": "1,500"})})

	// Requirements.
	req := c.do(oaCall{method: "POST", path: "/api/v1/requirements", status: 201,
		body: oaJSON(map[string]any{"nsn": storetest.NSN155, "quantity": 5000, "priority": 1, "need_by": "2024-12-31", "delivery_site": storetest.SiteKyiv,
			"classification": "NR", "releasable_to": []string{"ukr", "deu"}, "notes": "Counter-battery fire"})}).json(t)
	reqID := oaNum(t, req["id"])
	req2 := c.do(oaCall{method: "POST", path: "/api/v1/requirements", status: 201,
		body: oaJSON(map[string]any{"group": "155MM-NATO", "quantity": 100, "priority": 4, "need_by": "2030-01-01", "delivery_site": storetest.SiteKyiv})})
	c.do(oaCall{method: "PUT", path: fmt.Sprintf("/api/v1/requirements/%d", oaNum(t, req2.json(t)["id"])), status: 200,
		header: map[string]string{"If-Match": req2.header.Get("ETag")},
		body:   oaJSON(map[string]any{"group": "155MM-NATO", "quantity": 200, "priority": 3, "need_by": "2030-01-01", "delivery_site": storetest.SiteKyiv})})
	c.do(oaCall{method: "POST", path: fmt.Sprintf("/api/v1/requirements/R-%05d/cancel", oaNum(t, req2.json(t)["id"])), status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/requirements?state=active&sort=-priority&overdue=true", status: 200})

	// Pledges and their actions.
	pledge := oaJSON(map[string]any{"nation": "DEU", "title": "155 mm ammunition", "kind": "in_kind", "channel": "bilateral", "category": "in_kind",
		"announced": "2024-01-15", "promised": "2024-06-30", "lines": []map[string]any{{"nsn": storetest.NSN155, "quantity": 1000}}})
	created := c.do(oaCall{method: "POST", path: "/api/v1/pledges", body: pledge, status: 201})
	p := created.json(t)
	id := oaNum(t, p["id"])
	lineID := oaNum(t, p["lines"].([]any)[0].(map[string]any)["id"])
	path := fmt.Sprintf("/api/v1/pledges/%d", id)
	if loc := created.header.Get("Location"); loc != path {
		t.Errorf("POST /api/v1/pledges: Location %q, want %q", loc, path)
	}
	got := c.do(oaCall{method: "GET", path: path, status: 200})
	if got.header.Get("ETag") != created.header.Get("ETag") {
		t.Errorf("GET %s: ETag %q, the create gave %q", path, got.header.Get("ETag"), created.header.Get("ETag"))
	}
	etag = got.header.Get("ETag")
	for _, a := range []map[string]any{
		{"kind": "commit", "line": lineID, "quantity": 600},
		{"kind": "allocate", "line": lineID, "quantity": 400, "requirement": reqID},
		{"kind": "ship", "line": lineID, "quantity": 100},
		{"line": lineID, "quantity": 100},
		{"kind": "accept", "line": lineID, "quantity": 50},
		{"kind": "withdraw", "line": lineID, "quantity": 50},
	} {
		kind, _ := a["kind"].(string)
		if kind == "" {
			kind = "deliver" // the kind may be left to the path
		}
		r := c.do(oaCall{method: "POST", path: path + "/" + kind, header: map[string]string{"If-Match": etag}, body: oaJSON(a), status: 200})
		etag = r.header.Get("ETag")
	}
	c.do(oaCall{method: "POST", path: path + "/deliver", header: map[string]string{"If-Match": `"v1"`}, body: oaJSON(map[string]any{"line": lineID, "quantity": 1}), status: 409})
	c.do(oaCall{method: "GET", path: fmt.Sprintf("/api/v1/requirements/%d", reqID), status: 200})
	funds := c.do(oaCall{method: "POST", path: "/api/v1/pledges", status: 201,
		body: oaJSON(map[string]any{"nation": "POL", "title": "Drone coalition contribution", "kind": "funds", "channel": "coalition", "category": "trust_fund",
			"announced": "2025-01-01", "promised": "2030-01-01", "amount": "2500000.00", "classification": "NATO UNCLASSIFIED"})})
	c.do(oaCall{method: "PUT", path: fmt.Sprintf("/api/v1/pledges/P-%05d", oaNum(t, funds.json(t)["id"])), status: 200,
		header: map[string]string{"If-Match": funds.header.Get("ETag")},
		body: oaJSON(map[string]any{"title": "Drone coalition contribution", "channel": "coalition", "category": "trust_fund",
			"announced": "2025-01-01", "promised": "2029-01-01", "amount": "3000000"})})
	c.do(oaCall{method: "GET", path: "/api/v1/pledges", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/pledges?nation=DEU&overdue=true&sort=value", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/pledges/999999", status: 404})

	// Reports, audit and exchange.
	c.do(oaCall{method: "GET", path: "/api/v1/dashboard", status: 200})
	c.do(oaCall{method: "GET", path: fmt.Sprintf("/api/v1/audit/events?entity=pledge&entity_id=%d", id), status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/audit/verify", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/export/pledges.csv", status: 200})
	c.do(oaCall{method: "GET", path: "/api/v1/export/items?capability=ammunition", status: 200})
	c.do(oaCall{method: "POST", path: "/api/v1/import/items", header: map[string]string{"Content-Type": "text/csv"}, status: 201,
		body: "nsn,name,capability,unit_value_eur\n1005-01-000-0002,\"Carbine, 5.56 mm\",small_arms,1200\n"})
	c.do(oaCall{method: "POST", path: "/api/v1/import/items", header: map[string]string{"Content-Type": "text/csv"}, status: 422,
		body: "nsn,name\nnot-an-nsn,Thing\n"})

	// Refusals: every one is a problem the document describes.
	bad := c.do(oaCall{method: "POST", path: "/api/v1/pledges", status: 422, badRequest: true,
		body: oaJSON(map[string]any{"nation": "DEU", "title": "", "kind": "gift", "channel": "bilateral", "category": "in_kind", "announced": "2025-01-15", "promised": "2025-06-30"})})
	if ct := bad.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("422: Content-Type %q, want application/problem+json", ct)
	}
	if errs, _ := bad.json(t)["errors"].([]any); len(errs) < 3 {
		t.Errorf("422: errors %v, want title, kind and lines", errs)
	}
	c.do(oaCall{method: "POST", path: "/api/v1/pledges", status: 422,
		body: oaJSON(map[string]any{"nation": "DEU", "title": "Late", "kind": "funds", "channel": "bilateral", "category": "operational",
			"announced": "2025-01-15", "promised": "2024-06-30", "amount": "10"})})
	c.do(oaCall{method: "POST", path: "/api/v1/pledges", status: 422, badRequest: true,
		body: oaJSON(map[string]any{"nation": "DEU", "title": "Extra", "kind": "funds", "channel": "bilateral", "category": "operational",
			"announced": "2025-01-15", "promised": "2025-06-30", "amount": "10", "colour": "blue"})})
	c.do(oaCall{method: "GET", path: "/api/v1/items?limit=1001", status: 422, badRequest: true})
	c.do(oaCall{method: "POST", path: "/api/v1/items", body: `{"nsn": `, status: 400, rawBody: true})
	c.do(oaCall{method: "POST", path: "/api/v1/items", header: map[string]string{"Content-Type": "application/xml"}, body: "<item/>", status: 415, badRequest: true})
	c.do(oaCall{method: "POST", path: "/api/v1/import/items", header: map[string]string{"Content-Type": "application/json"}, body: "{}", status: 415, badRequest: true})

	c.do(oaCall{method: "GET", path: "/metrics", status: 200})

	// Say what the live test did not reach, so gaps are visible.
	var missed []string
	for _, k := range oaSorted(oaDocumented(doc)) {
		if !c.seen[k] {
			missed = append(missed, k)
		}
	}
	if len(missed) > 0 {
		t.Logf("operations not exercised live: %s", strings.Join(missed, ", "))
	}
}

// TestOpenAPIServedDocumentIsTheFile checks that GET /api/v1/openapi.json
// answers the embedded file unchanged.
func TestOpenAPIServedDocumentIsTheFile(t *testing.T) {
	want, err := assets.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := (&Server{}).apiOpenAPI(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Error("GET /api/v1/openapi.json does not answer the embedded openapi.json")
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}
