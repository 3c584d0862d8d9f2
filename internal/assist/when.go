package assist

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// The precisions a pledge's dates are known to: public trackers often know
// only the month ("04/2022"), the quarter or the year of an announcement.
const (
	DayPrecision     = "day"
	MonthPrecision   = "month"
	QuarterPrecision = "quarter"
	YearPrecision    = "year"
	// RangePrecision is a date known to lie between two others ("between
	// 4 and 11 March 2022"): the pledge keeps both bounds.
	RangePrecision = "range"
)

// Precisions lists them, the exact first.
var Precisions = []string{DayPrecision, MonthPrecision, QuarterPrecision, YearPrecision}

var (
	whenMonth      = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
	whenMonthSlash = regexp.MustCompile(`^([0-9]{1,2})/([0-9]{4})$`)
	whenQuarter    = regexp.MustCompile(`^([0-9]{4})-?[Qq]([1-4])$`)
	whenQuarterPre = regexp.MustCompile(`^[Qq]([1-4])[ /-]?([0-9]{4})$`)
	whenYear       = regexp.MustCompile(`^([0-9]{4})$`)
	whenUS         = regexp.MustCompile(`^[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}$`)
	whenBetween    = regexp.MustCompile(`^(?i)between\s+`)
	// whenRangeSep are the separators of a range's bounds, words before
	// the slash, which a month (04/2022) also holds.
	whenRangeSep = []*regexp.Regexp{regexp.MustCompile(`(?i)\s+(?:and|to)\s+`), regexp.MustCompile(`\s*[–—]\s*|\s+-\s+`), regexp.MustCompile(`\s*/\s*`)}
)

// splitRange splits "A/B", "A to B", "A – B" and "between A and B" at the
// first kind of separator it holds, or returns nil.
func splitRange(s string) []string {
	t := whenBetween.ReplaceAllString(strings.TrimSpace(s), "")
	for _, sep := range whenRangeSep {
		if parts := sep.Split(t, -1); len(parts) == 2 && parts[0] != "" && parts[1] != "" {
			return parts
		}
	}
	return nil
}

// ParseWhen reads a date as it is known: a day (YYYY-MM-DD), a month
// (YYYY-MM or MM/YYYY), a quarter (YYYY-Qn or Qn YYYY) or a year (YYYY).
// It returns the first and the last day of what was given, and its
// precision. A date written D/M/Y or M/D/Y is refused: "3/4/22" is the
// 3rd of April in Kyiv and the 4th of March in Washington. A range of two
// of these ("2022-03-04/2022-03-11", "between 2022-03-04 and 2022-03-11",
// "2022-03 to 2022-05") runs from the first day of the one to the last day
// of the other, of precision RangePrecision.
func ParseWhen(field, s string) (first, last, precision string, err error) {
	first, last, precision, err = parseWhen(field, s)
	if err == nil || !errIsNotADate(err) {
		return first, last, precision, err
	}
	g := splitRange(s)
	if g == nil {
		return first, last, precision, err
	}
	a, _, _, aerr := parseWhen(field, g[0])
	_, b, _, berr := parseWhen(field, g[1])
	switch {
	case aerr != nil && errIsNotADate(aerr) && berr != nil && errIsNotADate(berr):
		return "", "", "", err // not a range of dates at all
	case aerr != nil:
		return "", "", "", aerr
	case berr != nil:
		return "", "", "", berr
	case b < a:
		return "", "", "", fault.Field(field, "%q: the range ends (%s) before it begins (%s)", s, b, a)
	}
	return a, b, RangePrecision, nil
}

// errIsNotADate reports whether err is parseWhen's refusal of text that
// is no date at all, as against a date it read and refused.
func errIsNotADate(err error) bool { return strings.Contains(err.Error(), notADate) }

const notADate = "is not a date: write YYYY-MM-DD"

func parseWhen(field, s string) (first, last, precision string, err error) {
	t := strings.TrimSpace(s)
	if d, err := time.Parse(DateLayout, t); err == nil && d.Format(DateLayout) == t {
		return t, t, DayPrecision, nil
	}
	month := func(y, m int) (string, string, error) {
		if m < 1 || m > 12 {
			return "", "", fault.Field(field, "%q: there is no month %d", s, m)
		}
		start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		return start.Format(DateLayout), start.AddDate(0, 1, -1).Format(DateLayout), nil
	}
	switch {
	case whenMonth.MatchString(t):
		g := whenMonth.FindStringSubmatch(t)
		y, _ := strconv.Atoi(g[1])
		m, _ := strconv.Atoi(g[2])
		a, b, err := month(y, m)
		return a, b, MonthPrecision, err
	case whenMonthSlash.MatchString(t):
		g := whenMonthSlash.FindStringSubmatch(t)
		m, _ := strconv.Atoi(g[1])
		y, _ := strconv.Atoi(g[2])
		a, b, err := month(y, m)
		return a, b, MonthPrecision, err
	case whenQuarter.MatchString(t), whenQuarterPre.MatchString(t):
		var y, q int
		if g := whenQuarter.FindStringSubmatch(t); g != nil {
			y, _ = strconv.Atoi(g[1])
			q, _ = strconv.Atoi(g[2])
		} else {
			g := whenQuarterPre.FindStringSubmatch(t)
			q, _ = strconv.Atoi(g[1])
			y, _ = strconv.Atoi(g[2])
		}
		start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return start.Format(DateLayout), start.AddDate(0, 3, -1).Format(DateLayout), QuarterPrecision, nil
	case whenYear.MatchString(t):
		y, _ := strconv.Atoi(t)
		return fmt.Sprintf("%04d-01-01", y), fmt.Sprintf("%04d-12-31", y), YearPrecision, nil
	case whenUS.MatchString(t):
		return "", "", "", fault.Field(field, "%q may be read day first or month first: write YYYY-MM-DD, or the month as YYYY-MM", s)
	}
	return "", "", "", fault.Field(field, "%q "+notADate+", or what is known of it: a month (2022-04 or 04/2022), a quarter (2022-Q2), a year (2022) or a range (2022-03-04/2022-03-11)", s)
}

// Within returns the first and last day of the period of precision that
// holds date (YYYY-MM-DD).
func Within(date, precision string) (string, string) {
	d, err := time.Parse(DateLayout, date)
	if err != nil {
		return date, date
	}
	var start time.Time
	var next func(time.Time) time.Time
	switch precision {
	case MonthPrecision:
		start, next = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	case QuarterPrecision:
		start, next = time.Date(d.Year(), d.Month()-(d.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC), func(t time.Time) time.Time { return t.AddDate(0, 3, 0) }
	case YearPrecision:
		start, next = time.Date(d.Year(), 1, 1, 0, 0, 0, 0, time.UTC), func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	default:
		return date, date
	}
	return start.Format(DateLayout), next(start).AddDate(0, 0, -1).Format(DateLayout)
}

// FormatWhen writes a date of a precision as ParseWhen reads it back:
// "2022-04", "2022-Q2", "2022", or the date itself.
func FormatWhen(date, precision string) string {
	if len(date) < 7 {
		return date
	}
	switch precision {
	case MonthPrecision:
		return date[:7]
	case QuarterPrecision:
		m, _ := strconv.Atoi(date[5:7])
		return fmt.Sprintf("%s-Q%d", date[:4], (m+2)/3)
	case YearPrecision:
		return date[:4]
	}
	return date
}

// FormatRange writes a range as ParseWhen reads it back, each bound as
// short as it can be: "2022-03-04/2022-03-11", "2022-03/2022-05".
func FormatRange(first, last string) string {
	a, b := first, last
	if fa, la := Within(first, MonthPrecision); fa == first && la == last {
		return first[:7] // a whole month is a month
	}
	if f, _ := Within(first, MonthPrecision); f == first {
		if _, l := Within(last, MonthPrecision); l == last {
			a, b = first[:7], last[:7]
		}
	}
	return a + "/" + b
}

// RangeWords is a range for people: "2022-03-04 to 2022-03-11".
func RangeWords(first, last string) string { return first + " to " + last }

// WhenWords is a date of a precision for people: "April 2022", "Q2 2022",
// "2022", or the date.
func WhenWords(date, precision string) string {
	d, err := time.Parse(DateLayout, date)
	if err != nil {
		return date
	}
	switch precision {
	case MonthPrecision:
		return d.Format("January 2006")
	case QuarterPrecision:
		return fmt.Sprintf("Q%d %d", (int(d.Month())+2)/3, d.Year())
	case YearPrecision:
		return strconv.Itoa(d.Year())
	}
	return date
}
