package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/longhaul/longhaul/internal/telemetry"
)

func TestTracesURL(t *testing.T) {
	for _, c := range []struct {
		name     string
		endpoint string
		env      map[string]string
		want     string
		err      string
	}{
		{name: "nothing configured"},
		{name: "the flag is a base URL", endpoint: "http://collector:4318", want: "http://collector:4318/v1/traces"},
		{name: "a base URL with a path", endpoint: "https://otel.example/ingest/", want: "https://otel.example/ingest/v1/traces"},
		{name: "the flag before the variables", endpoint: "http://a:4318", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:4318"}, want: "http://a:4318/v1/traces"},
		{name: "the traces endpoint is used as it is", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:4318/custom", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:4318"}, want: "http://t:4318/custom"},
		{name: "the general endpoint gets /v1/traces", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://b:4318"}, want: "http://b:4318/v1/traces"},
		{name: "disabled wins", endpoint: "http://a:4318", env: map[string]string{"OTEL_SDK_DISABLED": "TRUE"}},
		{name: "no exporter wins", endpoint: "http://a:4318", env: map[string]string{"OTEL_TRACES_EXPORTER": "none"}},
		{name: "no scheme", endpoint: "collector:4318", err: `--otlp-endpoint "collector:4318"`},
		{name: "another scheme", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "grpc://b:4317"}, err: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "credentials in the URL", endpoint: "http://user:secret@a:4318", err: "without credentials"},
		{name: "gRPC is not spoken", endpoint: "http://a:4317", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, err: "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{name: "the traces protocol first", endpoint: "http://a:4318", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, want: "http://a:4318/v1/traces"},
		{name: "another exporter", endpoint: "http://a:4318", env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, err: "OTEL_TRACES_EXPORTER"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := telemetry.TracesURL(telemetry.Config{Endpoint: c.endpoint}, func(k string) string { return c.env[k] })
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Errorf("%q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestStartUnconfigured: with nothing configured there is no provider,
// and shutting down does nothing.
func TestStartUnconfigured(t *testing.T) {
	tr, err := telemetry.Start(context.Background(), telemetry.Config{}, func(string) string { return "" })
	if err != nil || tr.Enabled() || tr.Provider() != nil {
		t.Fatalf("unconfigured: %+v, %v", tr, err)
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestLogHandler: a record logged in a span's context carries its trace
// and span ids; one logged outside any span carries neither.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&buf, nil))).With("service", "longhaul")
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var in, out map[string]any
	json.Unmarshal([]byte(lines[0]), &in)
	json.Unmarshal([]byte(lines[1]), &out)
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["service"] != "longhaul" {
		t.Errorf("inside the span: %v, want trace %s span %s", in, sc.TraceID(), sc.SpanID())
	}
	if _, ok := out["trace_id"]; ok {
		t.Errorf("outside any span: %v", out)
	}
}
