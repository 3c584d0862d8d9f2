package assist_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// refDate is the calendar check written out by hand: YYYY-MM-DD in ASCII
// digits, a month from 1 to 12 and a day that month has.
func refDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[5:7])
	d, _ := strconv.Atoi(s[8:])
	days := []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	if m < 1 || m > 12 {
		return false
	}
	n := days[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		n = 29
	}
	return d >= 1 && d <= n
}

// FuzzParseDate holds ParseDate, which reads every calendar date the API,
// the forms, the importer and the CLI take (need_by, announced, promised,
// observed_on, from and to), to a hand-written calendar: it accepts exactly
// the real dates written YYYY-MM-DD (around white space), gives back the
// date as written, which formats back to itself, and refuses anything else
// with a problem on the field it was given that quotes the input. The seeds
// are dates of the reference files and the demo, and the edges.
//
//	go test ./internal/assist -run '^$' -fuzz '^FuzzParseDate$' -fuzztime 10m -parallel 1
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2024-01-12", "2024-02-16", "1979-10-01", "2011-10-01", "2025-02-26", "2026-11-23", "2024-12-18", // reference files, demo
		"2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00",
		"0000-01-01", "9999-12-31", "25-03-01", "2025-3-1", "2025/03/01", "2025-03-01T00:00:00Z", " 2025-03-01 ", "2025-03-01\x00",
		"２０２５-03-01", "+025-03-01", "-025-03-01", "notadate", "", "tomorrow",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := assist.ParseDate("need_by", s)
		want := refDate(strings.TrimSpace(s))
		if (err == nil) != want {
			t.Fatalf("ParseDate(%q) = %q, %v; the calendar says valid=%v", s, got, err, want)
		}
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid || e.Field != "need_by" || !strings.Contains(e.Message, fmt.Sprintf("%q", s)) {
				t.Fatalf("ParseDate(%q) refused with %#v: want a problem on need_by quoting the input", s, err)
			}
			return
		}
		if got != strings.TrimSpace(s) {
			t.Fatalf("ParseDate(%q) = %q", s, got)
		}
		d, err := time.Parse(assist.DateLayout, got)
		if err != nil || d.Format(assist.DateLayout) != got {
			t.Fatalf("%q does not format back to itself: %v %v", got, d, err)
		}
	})
}

// FuzzParseProposalKey holds ParseProposalKey, which reads the proposal
// lines a coordinator leaves out of an allocation plan (the plan page's
// exclude boxes and `longhaul plan approve --exclude`), to its grammar: two
// ids of ASCII digits above zero joined by a dash, around white space, and
// nothing else (Sscanf read "12-5-7" and "12-5x" as 12-5); the key writes
// back to what reads as itself; a refusal is on exclude and quotes the input.
//
//	go test ./internal/assist -run '^$' -fuzz '^FuzzParseProposalKey$' -fuzztime 10m -parallel 1
func FuzzParseProposalKey(f *testing.F) {
	for _, s := range []string{"12-5", " 3-1 ", "12-5-7", "12-5x", "-1-5", "0-5", "12-0", "+1-2", "1 - 2", "9223372036854775807-1", "9223372036854775808-1", "12", "-", "", "١-٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := assist.ParseProposalKey(s)
		a, b, cut := strings.Cut(strings.TrimSpace(s), "-")
		id := func(x string) bool {
			n, err := strconv.ParseInt(x, 10, 64)
			return err == nil && n > 0 && strings.Trim(x, "0123456789") == ""
		}
		if want := cut && id(a) && id(b); (err == nil) != want {
			t.Fatalf("ParseProposalKey(%q) = %v, %v; want valid=%v", s, k, err, want)
		}
		if err != nil {
			if e := fault.As(err); e == nil || e.Field != "exclude" || !strings.Contains(e.Message, fmt.Sprintf("%q", s)) {
				t.Fatalf("ParseProposalKey(%q) refused with %#v", s, err)
			}
			return
		}
		if back, err := assist.ParseProposalKey(k.String()); err != nil || back != k {
			t.Fatalf("%v written %q reads back as %v, %v", k, k.String(), back, err)
		}
	})
}
