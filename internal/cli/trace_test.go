package cli_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/longhaul/longhaul/internal/cli"
)

// otlpReceiver is a real OTLP/HTTP receiver: it takes POST /v1/traces,
// decodes each ExportTraceServiceRequest and keeps its spans.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	posts int
	spans []*tracepb.Span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.Error(w, "only POST /v1/traces", http.StatusNotFound)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
			http.Error(w, "content type "+ct, http.StatusUnsupportedMediaType)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.posts++
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *otlpReceiver) received() (int, []*tracepb.Span) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.posts, append([]*tracepb.Span(nil), rc.spans...)
}

// startTracedServe runs serve with env until the test stops it with the
// returned function, which waits for serve to exit, and returns the
// address it serves.
func startTracedServe(t *testing.T, env map[string]string, args ...string) (base string, out, errs *syncBuffer, stop func()) {
	t.Helper()
	halt, out, errs := startServeWith(t, env, args...)
	m := regexp.MustCompile(`serving (http://\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("serve says no address:\n%s", out)
	}
	return strings.Replace(m[1], "localhost", "127.0.0.1", 1), out, errs, func() {
		if code := halt(); code != 0 {
			t.Errorf("serve exited %d: %s", code, errs)
		}
	}
}

// signIn signs in as the first administrator with the one-time password
// serve printed, with a traceparent of the client's own.
func signIn(t *testing.T, base, out, traceparent string) *http.Client {
	t.Helper()
	pw := regexp.MustCompile(`one-time password (\S+)`).FindStringSubmatch(out)
	if pw == nil {
		t.Fatalf("no one-time password printed:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatal("no sign-in form token")
	}
	form := url.Values{"name": {"admin"}, "password": {pw[1]}, "csrf": {string(token[1])}}
	req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if traceparent != "" {
		req.Header.Set("traceparent", traceparent)
	}
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	return client
}

// requestLog returns the JSON log line of the request to method path.
func requestLog(t *testing.T, logs, method, path string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" && m["method"] == method && m["path"] == path {
			return m
		}
	}
	t.Fatalf("no log line of the request %s %s in:\n%s", method, path, logs)
	return nil
}

func spanNamed(spans []*tracepb.Span, name string) *tracepb.Span {
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			switch v := kv.Value.Value.(type) {
			case *commonpb.AnyValue_StringValue:
				return v.StringValue
			case *commonpb.AnyValue_IntValue:
				return itoa(v.IntValue)
			}
		}
	}
	return ""
}

// TestServeExportsTraces starts serve with --otlp-endpoint (through its
// variable) pointing at a real OTLP/HTTP receiver: signing in (a page that
// writes) gives a server span named by its route with its status code and
// a child span for the sign-in's transaction, a page with an id in its path
// is named by its pattern, the request's log line carries the span's trace
// id, and the spans reach the receiver by the time serve has stopped. A
// client's own traceparent starts no trace of ours: it is only linked.
func TestServeExportsTraces(t *testing.T) {
	rc := newOTLPReceiver(t)
	env := map[string]string{"LONGHAUL_OTLP_ENDPOINT": rc.URL}
	base, out, errs, stop := startTracedServe(t, env, "--db", filepath.Join(t.TempDir(), "t.db"), "--log-format", "json")
	claimed := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	client := signIn(t, base, out.String(), claimed)
	res, err := client.Get(base + "/pledges/424242")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	pageStatus := res.StatusCode
	for _, p := range []string{"/healthz", "/metrics"} {
		if res, err := http.Get(base + p); err == nil {
			res.Body.Close()
		}
	}
	stop()

	_, spans := rc.received()
	signin := spanNamed(spans, "POST /signin")
	if signin == nil {
		t.Fatalf("no span POST /signin among %d spans: %v", len(spans), spanNames(spans))
	}
	if got := spanAttr(signin, "http.response.status_code"); got != "303" {
		t.Errorf("POST /signin: status code %q, want 303", got)
	}
	if got := spanAttr(signin, "http.route"); got != "/signin" {
		t.Errorf("POST /signin: http.route %q", got)
	}
	if signin.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("POST /signin: kind %v, want server", signin.Kind)
	}
	var tx *tracepb.Span
	for _, s := range spans {
		if strings.HasPrefix(s.Name, "tx ") && bytes.Equal(s.ParentSpanId, signin.SpanId) {
			tx = s
		}
	}
	if tx == nil {
		t.Fatalf("no transaction span under POST /signin: %v", spanNames(spans))
	}
	if !bytes.Equal(tx.TraceId, signin.TraceId) || spanAttr(tx, "db.system") != "sqlite" || !strings.Contains(tx.Name, "access.Service") {
		t.Errorf("the sign-in's transaction span: %s, db.system %q", tx.Name, spanAttr(tx, "db.system"))
	}
	if testing.Verbose() {
		t.Logf("spans: %v", spanNames(spans))
	}
	// The client is no trusted proxy: its traceparent is a link, not the parent.
	if hex.EncodeToString(signin.TraceId) == "0af7651916cd43dd8448eb211c80319c" || len(signin.ParentSpanId) != 0 {
		t.Errorf("a client's own traceparent was followed")
	}
	if len(signin.Links) != 1 || hex.EncodeToString(signin.Links[0].TraceId) != "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("the claimed trace is not linked: %v", signin.Links)
	}
	page := spanNamed(spans, "GET /pledges/{id}")
	if page == nil {
		t.Fatalf("no span named by the pattern GET /pledges/{id}: %v", spanNames(spans))
	}
	if got := spanAttr(page, "http.response.status_code"); got != itoa(int64(pageStatus)) {
		t.Errorf("GET /pledges/{id}: status code %q, the answer was %d", got, pageStatus)
	}
	for _, s := range spans {
		if strings.Contains(s.Name, "424242") || s.Name == "GET /healthz" || s.Name == "GET /metrics" {
			t.Errorf("span %q: a raw path or a probe", s.Name)
		}
	}
	line := requestLog(t, errs.String(), "POST", "/signin")
	if line["trace_id"] != hex.EncodeToString(signin.TraceId) || line["span_id"] != hex.EncodeToString(signin.SpanId) {
		t.Errorf("the sign-in's log line has trace %v span %v; its span is %x %x", line["trace_id"], line["span_id"], signin.TraceId, signin.SpanId)
	}
	if id, _ := line["request_id"].(string); len(id) != 16 {
		t.Errorf("the log line's request_id %q", id)
	}
}

// TestServeTrustsTraceparentOfItsProxy: behind a trusted proxy, the
// proxy's traceparent makes the request's span a child of the proxy's.
func TestServeTrustsTraceparentOfItsProxy(t *testing.T) {
	rc := newOTLPReceiver(t)
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rc.URL, "LONGHAUL_TRUSTED_PROXIES": "127.0.0.1/32"}
	base, out, _, stop := startTracedServe(t, env, "--db", filepath.Join(t.TempDir(), "p.db"), "--log-level", "warn")
	signIn(t, base, out.String(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	stop()
	_, spans := rc.received()
	signin := spanNamed(spans, "POST /signin")
	if signin == nil {
		t.Fatalf("no span POST /signin: %v", spanNames(spans))
	}
	if hex.EncodeToString(signin.TraceId) != "0af7651916cd43dd8448eb211c80319c" || hex.EncodeToString(signin.ParentSpanId) != "b7ad6b7169203331" {
		t.Errorf("the proxy's traceparent was not followed: trace %x parent %x", signin.TraceId, signin.ParentSpanId)
	}
}

// TestServeWithoutTracing: with no endpoint configured, or with one and
// OTEL_SDK_DISABLED=true, nothing reaches the receiver and no log line
// carries a trace id.
func TestServeWithoutTracing(t *testing.T) {
	rc := newOTLPReceiver(t)
	for name, env := range map[string]map[string]string{
		"unconfigured": {},
		"disabled":     {"LONGHAUL_OTLP_ENDPOINT": rc.URL, "OTEL_SDK_DISABLED": "true"},
	} {
		t.Run(name, func(t *testing.T) {
			base, out, errs, stop := startTracedServe(t, env, "--db", filepath.Join(t.TempDir(), "n.db"), "--log-format", "json")
			signIn(t, base, out.String(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
			stop()
			if posts, _ := rc.received(); posts != 0 {
				t.Errorf("%d exports reached the receiver", posts)
			}
			line := requestLog(t, errs.String(), "POST", "/signin")
			if _, ok := line["trace_id"]; ok || strings.Contains(errs.String(), "trace_id") {
				t.Errorf("a log line carries a trace id: %v", line)
			}
		})
	}
	// A bad endpoint stops serve before it starts, naming the setting.
	errs := &syncBuffer{}
	if code := cli.Run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "b.db"), "--otlp-endpoint", "collector:4318"}, func(string) string { return "" },
		cli.IO{In: strings.NewReader(""), Out: &syncBuffer{}, Err: errs}); code == 0 || !strings.Contains(errs.String(), `--otlp-endpoint "collector:4318"`) {
		t.Errorf("a bad endpoint: exit %d, %s", code, errs)
	}
}

func spanNames(spans []*tracepb.Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
