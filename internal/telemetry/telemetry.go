// Package telemetry owns tracing: the OpenTelemetry tracer provider and its
// OTLP/HTTP exporter, set up only when an endpoint is configured, and the
// log handler that gives each log line the trace it belongs to. It imports
// nothing of Longhaul's: web and store take the tracer provider it makes,
// and cli wires it.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Config says where traces go and what they are of.
type Config struct {
	// Endpoint is the base URL of an OTLP/HTTP receiver, e.g.
	// http://collector:4318, as OTEL_EXPORTER_OTLP_ENDPOINT is: spans
	// are posted to its path followed by /v1/traces. Empty: the OTEL_*
	// variables decide.
	Endpoint string
	// Service and Version name the service in the spans' resource;
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override them.
	Service string
	Version string
	// Log, if set, gets the exporter's errors (a receiver that is down or
	// refuses the spans) as warnings, rather than the standard logger.
	Log *slog.Logger
}

// Tracing is the tracing a process runs with. Its zero value, what Start
// returns when nothing is configured, traces nothing and costs nothing.
type Tracing struct {
	tp *sdktrace.TracerProvider
	// URL is where spans are exported to; empty when tracing is off.
	URL string
}

// Provider is the tracer provider to hand to the server and the store, or
// nil when tracing is off.
func (t *Tracing) Provider() trace.TracerProvider {
	if t == nil || t.tp == nil {
		return nil
	}
	return t.tp
}

// Enabled reports whether spans are recorded and exported.
func (t *Tracing) Enabled() bool { return t != nil && t.tp != nil }

// Shutdown exports the spans still waiting in the batch and stops the
// exporter; the server calls it once it has stopped serving.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.tp.Shutdown(ctx)
}

// Propagator reads and writes the W3C traceparent and tracestate headers.
// Baggage is not propagated: it would carry whatever a caller put in it
// into every span.
func Propagator() propagation.TextMapPropagator { return propagation.TraceContext{} }

// TracesURL returns the URL spans are posted to, and the name of the
// setting it came from, or "" when tracing is not configured. The flag
// (cfg.Endpoint) comes first, then OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a
// full URL, used as it is), then OTEL_EXPORTER_OTLP_ENDPOINT (a base URL,
// /v1/traces appended). OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none
// turn tracing off whatever is set. A value that is no http or https URL
// with a host is an error that names the setting.
func TracesURL(cfg Config, getenv func(string) string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") ||
		strings.EqualFold(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")), "none") {
		return "", nil
	}
	switch e := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); e {
	case "", "otlp":
	default:
		return "", fmt.Errorf("OTEL_TRACES_EXPORTER=%q: only otlp (over HTTP) or none is supported", e)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		switch p := strings.TrimSpace(getenv(name)); p {
		case "":
			continue
		case "http/protobuf":
		default:
			return "", fmt.Errorf("%s=%q: only http/protobuf is supported", name, p)
		}
		break
	}
	if cfg.Endpoint != "" {
		return baseURL("--otlp-endpoint", cfg.Endpoint)
	}
	if v := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); v != "" {
		u, err := checkURL("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", v)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	if v := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); v != "" {
		return baseURL("OTEL_EXPORTER_OTLP_ENDPOINT", v)
	}
	return "", nil
}

func baseURL(name, v string) (string, error) {
	u, err := checkURL(name, v)
	if err != nil {
		return "", err
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String(), nil
}

func checkURL(name, v string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s %q: give the receiver's http:// or https:// URL, e.g. http://localhost:4318", name, v)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q: give the URL without credentials, query or fragment (headers go in OTEL_EXPORTER_OTLP_HEADERS)", name, v)
	}
	return u, nil
}

// Start sets up tracing as cfg and the environment say: nothing at all
// when no endpoint is configured, else a tracer provider that samples as
// OTEL_TRACES_SAMPLER says (every trace by default, or as the caller's
// trace says) and exports in batches (OTEL_BSP_*) over OTLP/HTTP. The
// exporter reads the rest of its settings (OTEL_EXPORTER_OTLP_HEADERS,
// _TIMEOUT, _COMPRESSION, _CERTIFICATE and their _TRACES_ forms) from the
// process environment. Start sends nothing: a receiver that is down loses
// spans, never requests.
func Start(ctx context.Context, cfg Config, getenv func(string) string) (*Tracing, error) {
	target, err := TracesURL(cfg, getenv)
	if err != nil || target == "" {
		return &Tracing{}, err
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(target))
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	service := cfg.Service
	if service == "" {
		service = "longhaul"
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(service), semconv.ServiceVersion(cfg.Version)),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		exp.Shutdown(ctx)
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	if cfg.Log != nil {
		// OpenTelemetry reports the errors of its background work (an
		// export that failed) to one handler for the whole process.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			cfg.Log.Warn("traces: export failed, spans lost", "err", err)
		}))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{tp: tp, URL: target}, nil
}

// WithExporter returns tracing that hands its spans in batches to exp, for
// benchmarks and tests that measure the tracing itself.
func WithExporter(exp sdktrace.SpanExporter) *Tracing {
	return &Tracing{tp: sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))}
}
