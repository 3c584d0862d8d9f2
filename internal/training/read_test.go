package training_test

import (
	"testing"

	"github.com/longhaul/longhaul/internal/training"
)

// TestClassRunsWhen: a class runs from its first day to its last, both
// included; a cancelled class runs at no time.
func TestClassRunsWhen(t *testing.T) {
	c := training.ClassOf{Start: "2025-03-10", End: "2025-03-20"}
	for today, want := range map[string]string{
		"2025-03-09": training.Upcoming, "2025-03-10": training.Running, "2025-03-15": training.Running,
		"2025-03-20": training.Running, "2025-03-21": training.Ended,
	} {
		if got := c.RunsWhen(today); got != want {
			t.Errorf("on %s: %q, want %q", today, got, want)
		}
	}
	c.Cancelled = true
	if got := c.RunsWhen("2025-03-15"); got != "" {
		t.Errorf("cancelled: %q", got)
	}
}
