package accounts_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/fault"
)

// FuzzParseYear holds ParseYear, which reads the year of every accounts
// page, report and API query, to its range: it accepts exactly a whole
// number from 2000 to 2100 and gives that number, and refuses anything else
// on the field it was given, quoting the input.
//
//	go test ./internal/accounts -run '^$' -fuzz '^FuzzParseYear$' -fuzztime 10m -parallel 1
func FuzzParseYear(f *testing.F) {
	for _, s := range []string{"2024", "2025", "2014", "2000", "2100", "1999", "2101", "0", "-2025", "+2025", "02025", " 2025 ", "2025.0", "٢٠٢٥", "99999", "9223372036854775808", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, err := accounts.ParseYear("year", s)
		n, aerr := strconv.Atoi(strings.TrimSpace(s))
		want := aerr == nil && n >= 2000 && n <= 2100
		if (err == nil) != want || (want && y != n) {
			t.Fatalf("ParseYear(%q) = %d, %v; want %d, valid=%v", s, y, err, n, want)
		}
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Field != "year" || (aerr != nil && !strings.Contains(e.Message, fmt.Sprintf("%q", s))) {
				t.Fatalf("ParseYear(%q) refused with %#v: want a problem on year naming the input", s, err)
			}
		}
	})
}
