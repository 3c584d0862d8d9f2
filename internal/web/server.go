// Package web owns HTTP: the JSON API under /api/v1, the server-rendered
// UI, their middleware, templates and static assets. Handlers are thin:
// they decode, call a use case or a read interface, and encode. Web holds
// services and read interfaces, never the concrete store: cli wires them.
package web

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/check"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/notify"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/sso"
	"github.com/longhaul/longhaul/internal/training"
)

//go:embed templates static openapi.json
var assets embed.FS

// Deps is what a server is built from: the use cases it calls, the read
// interfaces its pages and API read through, and its logger. cli wires
// them over the store.
type Deps struct {
	Assist   *assist.Service
	Logi     *logistics.Service
	Catalog  *catalog.Service
	Training *training.Service
	Repair   *repair.Service
	Importer *exchange.Importer
	Plans    *plan.Service
	Lessons  *lessons.Service
	Accounts *accounts.Service
	// Readiness defines capability packages and assesses them, reading
	// through its own port.
	Readiness *readiness.Service
	Access    *access.Service
	// Forecast forecasts the open lines and keeps the early warnings.
	Forecast *forecast.Service
	// Notify keeps the users' notification settings and the webhook
	// endpoints.
	Notify *notify.Service
	// Checker recomputes the ledger's invariants (GET /api/v1/check).
	Checker check.Checker
	Read    Readers
	// Ready answers /readyz: the server is ready when its storage answers
	// and takes writes.
	Ready   Readier
	Log     *slog.Logger
	Version string
}

// Server serves Longhaul over HTTP.
type Server struct {
	Deps
	// Now is the clock for "today" in the dashboard and overdue filters.
	Now func() time.Time
	// Limits are the request rates each caller is held to; nil holds
	// nobody to any.
	Limits *access.Limits
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// for the client's address.
	TrustedProxies []netip.Prefix
	// Tracing, when set, records a span for each request, named by its
	// route; nil traces nothing.
	Tracing trace.TracerProvider
	// SSO signs people in through an OpenID provider; nil offers
	// password sign-in only.
	SSO *sso.Client
	// SecureCookies marks every cookie Secure and asks browsers to keep
	// to HTTPS even when this server speaks plain HTTP to the TLS proxy
	// in front of it (--production).
	SecureCookies bool

	pages   *pages
	metrics *metrics
	links   pageRoutes
}

// New returns a server over d.
func New(d Deps) *Server {
	return &Server{
		Deps:    d,
		Now:     time.Now,
		Limits:  access.NewLimits(),
		pages:   mustPages(),
		metrics: newMetrics(),
	}
}

func (s *Server) today() string { return s.Now().UTC().Format(assist.DateLayout) }

// handlerFunc is an HTTP handler that returns an error for the adapter to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one registered route.
type Route struct {
	Method  string
	Pattern string // path pattern of http.ServeMux
	API     bool   // answers JSON (errors as problem details)
	// Perm is what the caller must be allowed to do; every route has one,
	// from the policy table in internal/access.
	Perm access.Permission
	h    handlerFunc
}

// Routes lists every route the server registers.
func (s *Server) Routes() []Route {
	var rs []Route
	add := func(api bool, method, pattern string, perm access.Permission, h handlerFunc) {
		if !access.Known(perm) {
			panic(fmt.Sprintf("route %s %s: permission %q is not in the policy table", method, pattern, perm))
		}
		rs = append(rs, Route{Method: method, Pattern: pattern, API: api, Perm: perm, h: h})
	}
	s.apiRoutes(func(m, p string, perm access.Permission, h handlerFunc) { add(true, m, p, perm, h) })
	s.uiRoutes(func(m, p string, perm access.Permission, h handlerFunc) { add(false, m, p, perm, h) })
	return rs
}

// Handler returns the server's HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		rt := rt
		mux.Handle(rt.Method+" "+rt.Pattern, s.metrics.instrument(rt.Method+" "+rt.Pattern, s.adapt(rt)))
	}
	mux.Handle("GET /static/", http.StripPrefix("/", staticHandler()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := s.Ready.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			if c := fault.Code(err); c == fault.Full || c == fault.Unavailable {
				s.Log.ErrorContext(ctx, "readiness: writes fail", "err", err, "cause", fault.As(err).Cause)
				fmt.Fprintf(w, "not ready: %s\n", fault.As(err).Message)
				return
			}
			s.Log.ErrorContext(ctx, "readiness: database unreachable", "err", err)
			w.Write([]byte("database unreachable\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, !isHTMLRequest(r), notFoundPath(r))
	})
	if s.Tracing == nil {
		return s.requestID(s.secure(s.recoverer(mux)))
	}
	return s.traced(s.requestID(s.secure(s.recoverer(s.nameSpan(mux)))))
}

// adapt turns a handlerFunc into an http.Handler that establishes who is
// calling, checks the route's permission and the CSRF token, and renders the
// handler's error.
func (s *Server) adapt(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := s.authorize(w, r, rt)
		if err == nil && !rt.API && r.Method == http.MethodPost {
			// Every form is held to the text rule here, once for every
			// page that takes one; the API's JSON bodies are in decode.
			err = checkFormText(r)
		}
		if err == nil {
			err = rt.h(w, r)
		}
		if err != nil {
			// Every refusal, by the route's policy or by a use case's rule,
			// is audited.
			if c := fault.Code(err); c == fault.Unauthorized || c == fault.Forbidden {
				s.refused(r, err)
			}
			if !rt.API && fault.Code(err) == fault.Unauthorized {
				s.toSignIn(w, r)
				return
			}
			if !rt.API && err == enrolFirst { // second factor (mfa_ui.go)
				http.Redirect(w, r, withNotice(factorPath, "enrol-first"), http.StatusSeeOther)
				return
			}
			s.renderError(w, r, rt.API, err)
		}
	})
}

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r.WithContext(ctx))
		s.Log.LogAttrs(ctx, slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes), slog.Duration("duration", time.Since(start)))
	})
}

// MaxUpload is the largest request body of any kind (a CSV import); JSON
// bodies have their own, smaller limit.
const MaxUpload = 32 << 20

func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxUpload)
		if s.SecureCookies {
			r = r.WithContext(context.WithValue(r.Context(), secureKey{}, true))
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if secureCookies(r) {
			// Served over TLS: the browser keeps to it for a year.
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages, API answers and exports hold marked records: no
			// browser or proxy keeps a copy. Only the embedded assets,
			// which hold none, may be cached.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()), "panic", p)
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "longhaul_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "longhaul_http_request_duration_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	m.reg.MustRegister(m.requests, m.duration, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w, status: 200}
		}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
