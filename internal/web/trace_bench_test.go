package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/telemetry"
	"github.com/longhaul/longhaul/internal/web"
)

// discardExporter takes every batch and keeps nothing: what tracing costs
// the server itself, without the wire.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkTracing measures what tracing costs a request: the same write
// (POST /api/v1/pledges, three lines: one transaction span and the reads
// under the request's span) and the same read (GET /api/v1/pledges, 20 a
// page) with tracing off, which is the baseline, with tracing on and a
// batching exporter that discards (the spans' cost in the server), and
// with tracing on and the real OTLP/HTTP exporter posting to a receiver in
// the same process (the spans' cost with their encoding and the wire).
// docs/benchmarks.md has the figures.
func BenchmarkTracing(b *testing.B) {
	benchQuiet(b)
	modes := []struct {
		name  string
		start func(b *testing.B) *telemetry.Tracing
	}{
		{"off", func(*testing.B) *telemetry.Tracing { return &telemetry.Tracing{} }},
		{"batch-discard", func(*testing.B) *telemetry.Tracing { return telemetry.WithExporter(discardExporter{}) }},
		{"otlp-http", func(b *testing.B) *telemetry.Tracing {
			rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/x-protobuf")
			}))
			b.Cleanup(rc.Close)
			tr, err := telemetry.Start(context.Background(), telemetry.Config{Endpoint: rc.URL}, func(string) string { return "" })
			if err != nil {
				b.Fatal(err)
			}
			return tr
		}},
	}
	for _, m := range modes {
		start := func(b *testing.B) (string, string) {
			tr := m.start(b)
			b.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				tr.Shutdown(ctx)
			})
			url, token, _ := benchServerWith(b, func(srv *web.Server, db *store.DB) {
				srv.Tracing = tr.Provider()
				db.Trace(tr.Provider())
			})
			return url, token
		}
		b.Run("write/"+m.name, func(b *testing.B) {
			b.ReportAllocs()
			url, token := start(b)
			c := benchClient(b)
			for b.Loop() {
				if err := benchPost(c, url, token); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("read/"+m.name, func(b *testing.B) {
			b.ReportAllocs()
			url, token := start(b)
			c := benchClient(b)
			for range 20 {
				if err := benchPost(c, url, token); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				req, _ := http.NewRequest("GET", url+"/api/v1/pledges?limit=20", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("list: %d", res.StatusCode)
				}
			}
		})
	}
}
