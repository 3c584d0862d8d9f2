package store_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestTraceSpans: a traced store records a span for each use case's
// transaction, named by the use case and a child of the caller's span, and
// one for each read, named by the store function, each with the database
// system and none with the values written or a refusal's message.
func TestTraceSpans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		db.Trace(tp)
		defer db.Trace(nil)
		system := map[string]string{store.SQLite: "sqlite", store.Postgres: "postgresql"}[db.Dialect()]

		ctx, parent := tp.Tracer("test").Start(storetest.Ctx(), "request")
		cs := catalog.Service{Store: store.Catalog{DB: db}}
		site := catalog.Site{Code: "UA-ODSA", Name: "Odesa delivery point Kovalenko", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 46482500, LonE6: 30723300}
		if _, err := cs.CreateSite(ctx, site); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CreateSite(ctx, site); err == nil {
			t.Fatal("the same site twice was taken")
		}
		if _, err := db.Groups(ctx); err != nil {
			t.Fatal(err)
		}
		parent.End()

		spans := exp.GetSpans()
		var txs, reads []tracetest.SpanStub
		for _, s := range spans {
			switch {
			case strings.HasPrefix(s.Name, "tx "):
				txs = append(txs, s)
			case s.Name == "store.DB.Groups":
				reads = append(reads, s)
			}
			for _, a := range s.Attributes {
				if v := a.Value.Emit(); strings.Contains(v, "Kovalenko") || strings.Contains(v, "INSERT") || strings.Contains(v, "already exists") {
					t.Errorf("span %s carries %s=%q", s.Name, a.Key, v)
				}
			}
			if strings.Contains(s.Status.Description, "exists") {
				t.Errorf("span %s has the error's message as its status: %q", s.Name, s.Status.Description)
			}
		}
		if len(txs) != 2 || len(reads) != 1 {
			t.Fatalf("want two transaction spans and one read span, got %v", names(spans))
		}
		for _, s := range txs {
			if s.Name != "tx catalog.Service.CreateSite" {
				t.Errorf("transaction span named %q, want tx catalog.Service.CreateSite", s.Name)
			}
			if s.Parent.SpanID() != parent.SpanContext().SpanID() || s.SpanContext.TraceID() != parent.SpanContext().TraceID() {
				t.Errorf("transaction span %s is not a child of the caller's span", s.Name)
			}
			if got := attr(s, "db.system"); got != system {
				t.Errorf("db.system = %q, want %q", got, system)
			}
		}
		if txs[0].Status.Code != codes.Unset || attr(txs[0], "longhaul.audit.events") != "1" {
			t.Errorf("the first transaction: status %v, audit events %q; want ok and 1", txs[0].Status, attr(txs[0], "longhaul.audit.events"))
		}
		if txs[1].Status.Code != codes.Error || txs[1].Status.Description != "conflict" {
			t.Errorf("the refused transaction: status %+v, want an error with its code, conflict", txs[1].Status)
		}
		if got := attr(reads[0], "db.operation.name"); got != "SELECT" || attr(reads[0], "db.system") != system {
			t.Errorf("read span: operation %q, system %q", got, attr(reads[0], "db.system"))
		}

		// Untraced again, the store records nothing.
		exp.Reset()
		db.Trace(nil)
		if _, err := db.Groups(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(exp.GetSpans()); n != 0 {
			t.Errorf("an untraced store recorded %d spans", n)
		}
	})
}

func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.Emit()
		}
	}
	return ""
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}
