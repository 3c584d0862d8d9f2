package store_test

import (
	"context"
	"testing"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestSinkPositions keeps two sinks' positions in turn: each starts at
// zero, the last event written (sent_to) and the last delivered move on
// their own, the mark of what was written never moves back, and one sink's
// position is not the other's.
func TestSinkPositions(t *testing.T) {
	for name, dsnFn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			db := storetest.Open(t, dsnFn(t), storetestNow)
			ctx := context.Background()
			for _, step := range []struct {
				name string
				do   func() error
				a, b audit.Position
			}{
				{"a new sink is at zero", func() error { return nil }, audit.Position{}, audit.Position{}},
				{"a is about to write up to 10", func() error { return db.SetSinkSentTo(ctx, "a", 10) }, audit.Position{SentTo: 10}, audit.Position{}},
				{"a delivered up to 7", func() error { return db.SetSinkPosition(ctx, "a", 7) }, audit.Position{Delivered: 7, SentTo: 10}, audit.Position{}},
				{"a mark below the last one changes nothing", func() error { return db.SetSinkSentTo(ctx, "a", 5) }, audit.Position{Delivered: 7, SentTo: 10}, audit.Position{}},
				{"a is about to write up to 20", func() error { return db.SetSinkSentTo(ctx, "a", 20) }, audit.Position{Delivered: 7, SentTo: 20}, audit.Position{}},
				{"b delivered up to 3", func() error { return db.SetSinkPosition(ctx, "b", 3) }, audit.Position{Delivered: 7, SentTo: 20}, audit.Position{Delivered: 3}},
			} {
				if err := step.do(); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				for sink, want := range map[string]audit.Position{"a": step.a, "b": step.b} {
					got, err := db.SinkPosition(ctx, sink)
					if err != nil {
						t.Fatalf("%s: %v", step.name, err)
					}
					if got != want {
						t.Errorf("%s: sink %s is at %+v, want %+v", step.name, sink, got, want)
					}
				}
			}
		})
	}
}
