package exchange

import (
	"encoding/csv"
	"io"
	"strings"
)

// formulaLead holds the first characters that make a spreadsheet read a
// cell as a formula (OWASP, "CSV Injection"), and the quote that the
// exporter puts before them.
const formulaLead = "=+-@\t\r'"

// Cell returns v as a CSV export writes it: with a single quote before a
// value that a spreadsheet would otherwise run as a formula. A value that
// itself begins with a quote gets one too, so that Uncell gives back
// exactly what was exported.
func Cell(v string) string {
	if v != "" && strings.IndexByte(formulaLead, v[0]) >= 0 {
		return "'" + v
	}
	return v
}

// Uncell returns the value that Cell turned into c: it takes off a leading
// quote only where Cell puts one, before a formula's first character or
// another quote, and leaves every other cell as it is.
func Uncell(c string) string {
	if len(c) >= 2 && c[0] == '\'' && strings.IndexByte(formulaLead, c[1]) >= 0 {
		return c[1:]
	}
	return c
}

// Writer writes CSV records whose every cell has passed through Cell; every
// CSV export writes through one, so that no cell of an export is a live
// formula.
type Writer struct{ cw *csv.Writer }

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{cw: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (w *Writer) Write(rec []string) error {
	out := make([]string, len(rec))
	for i, v := range rec {
		out[i] = Cell(v)
	}
	return w.cw.Write(out)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.cw.Flush() }

// Error reports any error of an earlier Write or Flush.
func (w *Writer) Error() error { return w.cw.Error() }
