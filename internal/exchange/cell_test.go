package exchange_test

import (
	"testing"

	"github.com/longhaul/longhaul/internal/exchange"
)

func TestCellQuotesFormulasAndUncellGivesThemBack(t *testing.T) {
	for _, c := range []struct{ value, cell string }{
		{"Spring package", "Spring package"},
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+49 30 1234", "'+49 30 1234"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'", "''"},
		{"'quoted", "''quoted"},
		{"'=1", "''=1"},
		{"a=1", "a=1"},
	} {
		if got := exchange.Cell(c.value); got != c.cell {
			t.Errorf("Cell(%q) = %q, want %q", c.value, got, c.cell)
		}
		if got := exchange.Uncell(c.cell); got != c.value {
			t.Errorf("Uncell(%q) = %q, want %q", c.cell, got, c.value)
		}
	}
	// A quote a person typed before ordinary text is kept on import.
	if got := exchange.Uncell("'quoted"); got != "'quoted" {
		t.Errorf("Uncell(%q) = %q", "'quoted", got)
	}
}
