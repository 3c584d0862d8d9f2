package assist

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
)

func TestDatesKnownToTheMonthQuarterOrYear(t *testing.T) {
	for _, c := range []struct {
		in, first, last, precision, back, words string
	}{
		{"2022-04-15", "2022-04-15", "2022-04-15", DayPrecision, "2022-04-15", "2022-04-15"},
		{"2022-04", "2022-04-01", "2022-04-30", MonthPrecision, "2022-04", "April 2022"},
		{"04/2022", "2022-04-01", "2022-04-30", MonthPrecision, "2022-04", "April 2022"},
		{"4/2024", "2024-04-01", "2024-04-30", MonthPrecision, "2024-04", "April 2024"},
		{"2024-02", "2024-02-01", "2024-02-29", MonthPrecision, "2024-02", "February 2024"},
		{"2022-Q3", "2022-07-01", "2022-09-30", QuarterPrecision, "2022-Q3", "Q3 2022"},
		{"Q4 2023", "2023-10-01", "2023-12-31", QuarterPrecision, "2023-Q4", "Q4 2023"},
		{"2022q1", "2022-01-01", "2022-03-31", QuarterPrecision, "2022-Q1", "Q1 2022"},
		{" 2023 ", "2023-01-01", "2023-12-31", YearPrecision, "2023", "2023"},
	} {
		first, last, p, err := ParseWhen("announced", c.in)
		if err != nil || first != c.first || last != c.last || p != c.precision {
			t.Errorf("ParseWhen(%q) = %s %s %s %v, want %s %s %s", c.in, first, last, p, err, c.first, c.last, c.precision)
			continue
		}
		for _, d := range []string{first, last} {
			if back := FormatWhen(d, p); back != c.back {
				t.Errorf("FormatWhen(%s, %s) = %q, want %q", d, p, back, c.back)
			}
			if f, l := Within(d, p); f != first || l != last {
				t.Errorf("Within(%s, %s) = %s %s", d, p, f, l)
			}
		}
		if w := WhenWords(first, p); w != c.words {
			t.Errorf("WhenWords(%s, %s) = %q, want %q", first, p, w, c.words)
		}
	}
	for in, why := range map[string]string{"3/4/22": "day first or month first", "13/2022": "no month 13", "2022-13": "no month 13", "2022-Q5": "not a date", "April": "not a date", "": "not a date"} {
		if _, _, _, err := ParseWhen("announced", in); err == nil || fault.As(err).Field != "announced" || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseWhen(%q): %v, want it refused: %s", in, err, why)
		}
	}
	// A pledge known to the month is announced at its start and due at
	// its end; an exact date with a stated precision stands for its period.
	p := Pledge{Nation: "DEU", Title: "Package", Kind: "funds", Channel: "bilateral", Category: "operational", Announced: "04/2022", Promised: "2022-Q3", Amount: 100}
	if err := p.Validate(); err != nil || p.Announced != "2022-04-01" || p.AnnouncedPrecision != MonthPrecision || p.Promised != "2022-09-30" || p.PromisedPrecision != QuarterPrecision {
		t.Errorf("a pledge of April 2022 due in Q3: %+v %v", p, err)
	}
	q := Pledge{Nation: "DEU", Title: "Package", Kind: "funds", Channel: "bilateral", Category: "operational", Announced: "2022-04-15", AnnouncedPrecision: "month", Promised: "2022-08-01", PromisedPrecision: "year", Amount: 100}
	if err := q.Validate(); err != nil || q.Announced != "2022-04-01" || q.Promised != "2022-12-31" {
		t.Errorf("exact dates with precisions: %+v %v", q, err)
	}
	bad := Pledge{Nation: "DEU", Title: "Package", Kind: "funds", Channel: "bilateral", Category: "operational", Announced: "2022-04-15", AnnouncedPrecision: "week", Promised: "2022-08-01", Amount: 100}
	if e := fault.As(bad.Validate()); e == nil || e.Field != "announced_precision" {
		t.Errorf("an unknown precision: %v", e)
	}
}

// TestParseWhenReadsRanges: a date given as a range keeps both bounds; a
// range with a date that may be read two ways is refused for that date,
// and one that ends before it begins is refused; "04/2022" stays a month.
func TestParseWhenReadsRanges(t *testing.T) {
	for _, c := range []struct{ in, first, last, precision, err string }{
		{"2022-03-04/2022-03-11", "2022-03-04", "2022-03-11", RangePrecision, ""},
		{"between 2022-03-04 and 2022-03-11", "2022-03-04", "2022-03-11", RangePrecision, ""},
		{"Between 2022-03 AND 2022-05", "2022-03-01", "2022-05-31", RangePrecision, ""},
		{"2022-Q1 to 2022-Q2", "2022-01-01", "2022-06-30", RangePrecision, ""},
		{"2022-03-04 – 2022-03-11", "2022-03-04", "2022-03-11", RangePrecision, ""},
		{"04/2022", "2022-04-01", "2022-04-30", MonthPrecision, ""},
		{"between 3/4/22 and 3/11/22", "", "", "", "may be read day first or month first"},
		{"2022-03-11/2022-03-04", "", "", "", "ends (2022-03-04) before it begins"},
		{"soon/later", "", "", "", "is not a date"},
	} {
		first, last, p, err := ParseWhen("announced", c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || first != c.first || last != c.last || p != c.precision {
			t.Errorf("%q: %s %s %s %v", c.in, first, last, p, err)
		}
		if back, _, _, err := ParseWhen("announced", FormatRange(first, last)); p == RangePrecision && (err != nil || back != first) {
			t.Errorf("%q written back as %q reads %s, %v", c.in, FormatRange(first, last), back, err)
		}
	}
}
