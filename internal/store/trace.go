package store

import (
	"context"
	"regexp"
	"runtime"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/longhaul/longhaul/internal/fault"
)

// Trace has the store record a span for each write transaction and each
// read query through tp; nil, the default, records none and costs nothing.
// Call it before the database is used.
//
// A transaction's span is named by the use case that opened it (the first
// caller outside the store and the Transact adapters, e.g.
// "assist.Service.Act"), a read query's by the store function that ran it
// (e.g. "store.DB.Allocations"); a read's span covers the query up to its
// first row, not the scan of the rest. Spans carry the database system,
// the operation and the number of audit events written, never SQL, its
// arguments or an error's message (which may name a person): a failed
// transaction's status gives the error's code.
func (db *DB) Trace(tp trace.TracerProvider) {
	if tp == nil {
		db.tr = tracing{}
		return
	}
	db.tr.tracer = tp.Tracer("github.com/longhaul/longhaul/internal/store")
	if db.dialect == Postgres {
		db.tr.attrs = []attribute.KeyValue{attribute.String("db.system", "postgresql"), semconv.DBSystemNamePostgreSQL}
	} else {
		db.tr.attrs = []attribute.KeyValue{attribute.String("db.system", "sqlite"), semconv.DBSystemNameSQLite}
	}
}

// tracing is the store's tracer and the attributes every span of it
// carries; a zero tracing records nothing.
type tracing struct {
	tracer trace.Tracer
	attrs  []attribute.KeyValue
}

const storePkg = "github.com/longhaul/longhaul/internal/store."

// startTx starts the span of a write transaction, or returns ctx and nil
// when the store is not traced.
func (t *tracing) startTx(ctx context.Context) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	name := useCase()
	attrs := append(t.attrs[:len(t.attrs):len(t.attrs)],
		semconv.DBOperationName("transaction"), attribute.String("code.function.name", name))
	return t.tracer.Start(ctx, "tx "+name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// startRead starts the span of read query q, called by the read pool, or returns ctx and nil when the store is not
// traced.
func (t *tracing) startRead(ctx context.Context, q string) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, nil
	}
	name := storeCaller()
	attrs := append(t.attrs[:len(t.attrs):len(t.attrs)],
		semconv.DBOperationName(queryOp(q)), attribute.String("code.function.name", name))
	return t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// endSpan ends span, if any, with err's code as its status.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		span.SetStatus(codes.Error, fault.Code(err))
	}
	span.End()
}

// useCase names the function that opened the transaction: the first frame
// outside the store that is no Transact adapter (plan.Over and the like).
func useCase() string {
	var pcs [16]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	last := ""
	for {
		f, more := frames.Next()
		last = f.Function
		if !strings.HasPrefix(f.Function, storePkg) && !strings.HasSuffix(f.Function, ".Transact") {
			return shortName(f.Function)
		}
		if !more {
			return shortName(last)
		}
	}
}

// storeCaller names the store function that called the read pool.
func storeCaller() string {
	var pcs [8]uintptr
	n := runtime.Callers(4, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, storePkg+"(*readPool)") || !more {
			return shortName(f.Function)
		}
	}
}

// shortName turns "github.com/longhaul/longhaul/internal/assist.(*Service).Act.func1"
// into "assist.Service.Act": closures and generic instances say nothing a
// reader of the trace needs.
func shortName(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	fn = closureSuffix.ReplaceAllString(fn, "")
	return nameNoise.Replace(fn)
}

var (
	closureSuffix = regexp.MustCompile(`(\.(func|gowrap)\d+(\.\d+)*)+$`)
	nameNoise     = strings.NewReplacer("(*", "", ")", "", "[...]", "")
)

// queryOp is the SQL operation of q: its first word, upper-cased.
func queryOp(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexAny(q, " \t\n("); i > 0 {
		q = q[:i]
	}
	return strings.ToUpper(q)
}
