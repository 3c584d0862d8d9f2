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

// BenchmarkTracing measures what tracing costs a request, against the
// same request with tracing off measured in the same run: each iteration
// sends one request to an untraced server (the baseline) and the same to a
// traced one, in turn, so that the load of a shared machine falls on both
// alike. The request is a write (POST /api/v1/pledges, three lines: a
// transaction span and two reads under the request's span) or a read (GET
// /api/v1/pledges, 20 a page: four read spans); the traced server hands its
// spans to a batching exporter that discards them (their cost in the
// server), or to the real OTLP/HTTP exporter posting to a receiver in the
// same process (their cost with their encoding and the wire, the
// receiver's work on the same cores included). It reports the time of
// each and their ratio, x-off; ns/op is the time of the pair.
// docs/benchmarks.md has the figures.
func BenchmarkTracing(b *testing.B) {
	benchQuiet(b)
	modes := []struct {
		name  string
		start func(b *testing.B) *telemetry.Tracing
	}{
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
	type server struct{ url, token string }
	start := func(b *testing.B, tr *telemetry.Tracing) server {
		b.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tr.Shutdown(ctx)
		})
		url, token, _ := benchServerWith(b, func(srv *web.Server, db *store.DB) {
			srv.Tracing = tr.Provider()
			db.Trace(tr.Provider())
		})
		return server{url, token}
	}
	write := func(c *http.Client, s server) error { return benchPost(c, s.url, s.token) }
	read := func(c *http.Client, s server) error {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/pledges?limit=20", nil)
		req.Header.Set("Authorization", "Bearer "+s.token)
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return &benchStatusError{res.StatusCode, "list"}
		}
		return nil
	}
	for _, kind := range []struct {
		name string
		req  func(*http.Client, server) error
	}{{"write", write}, {"read", read}} {
		for _, m := range modes {
			b.Run(kind.name+"/"+m.name, func(b *testing.B) {
				off, on := start(b, &telemetry.Tracing{}), start(b, m.start(b))
				c := benchClient(b)
				if kind.name == "read" {
					for range 20 {
						if err := write(c, off); err != nil {
							b.Fatal(err)
						}
						if err := write(c, on); err != nil {
							b.Fatal(err)
						}
					}
				}
				var offTime, onTime time.Duration
				timed := func(s server, d *time.Duration) {
					t0 := time.Now()
					if err := kind.req(c, s); err != nil {
						b.Fatal(err)
					}
					*d += time.Since(t0)
				}
				// Each goes first every other time: neither gains from
				// following the other.
				for i := 0; b.Loop(); i++ {
					if i%2 == 0 {
						timed(off, &offTime)
						timed(on, &onTime)
					} else {
						timed(on, &onTime)
						timed(off, &offTime)
					}
				}
				n := float64(b.N)
				b.ReportMetric(float64(offTime.Microseconds())/n, "off-µs/req")
				b.ReportMetric(float64(onTime.Microseconds())/n, "on-µs/req")
				b.ReportMetric(float64(onTime)/float64(offTime), "x-off")
			})
		}
	}
}
