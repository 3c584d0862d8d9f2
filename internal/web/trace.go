package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/longhaul/longhaul/internal/telemetry"
)

// traced records a server span for each request but the probes and the
// scrapes (/healthz, /readyz, /metrics), which would bury the requests of
// people under their own.
//
// A request's W3C traceparent is followed only when it comes from a
// trusted proxy (--trusted-proxies): anyone else's starts a trace of its
// own, linked to the one it claims. A client that chose its trace id could
// otherwise join its requests to someone else's trace, or split a trace
// the proxy started.
func (s *Server) traced(next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "longhaul",
		otelhttp.WithTracerProvider(s.Tracing),
		otelhttp.WithPropagators(telemetry.Propagator()),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithPublicEndpointFn(func(r *http.Request) bool { return !s.fromTrustedProxy(r) }),
		otelhttp.WithFilter(func(r *http.Request) bool {
			switch r.URL.Path {
			case "/healthz", "/readyz", "/metrics":
				return false
			}
			return true
		}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// nameSpan names the request's span by the route that served it (the
// pattern, "GET /api/v1/pledges/{id}", never the path with its ids), and
// gives it the client's address as clientAddr finds it, not as the
// request's X-Forwarded-For claims. A request no route knows keeps the
// method alone as its name.
func (s *Server) nameSpan(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		if span.IsRecording() {
			span.SetAttributes(semconv.ClientAddress(s.clientAddr(r)))
		}
		// The mux sets the pattern on the request it is given.
		mux.ServeHTTP(w, r)
		if !span.IsRecording() {
			return
		}
		method, route, _ := strings.Cut(r.Pattern, " ")
		if route == "" || route == "/" {
			return // the catch-all: not found
		}
		if method == "" {
			method = r.Method
		}
		span.SetName(method + " " + route)
		span.SetAttributes(semconv.HTTPRoute(route))
	})
}

// fromTrustedProxy reports whether r's peer is one of the trusted proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.TrustedProxies) == 0 {
		return false
	}
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	ip, err := netip.ParseAddr(peer)
	return err == nil && s.trusted(ip)
}
