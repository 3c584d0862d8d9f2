package forecast

import (
	"fmt"
	"time"
)

// Day is a calendar day, counted in whole days from 1970-01-01. Zero is
// "not known": no date of this ledger is that old (assist.FirstYear).
type Day int

// dayLayout is the layout of a calendar date.
const dayLayout = "2006-01-02"

// DayOf is the calendar day of instant t in UTC.
func DayOf(t time.Time) Day {
	y, m, d := t.UTC().Date()
	return Day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDay reads a date written YYYY-MM-DD (or the first ten characters
// of an instant); an empty string is the unknown day.
func ParseDay(s string) (Day, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse(dayLayout, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date: write YYYY-MM-DD", s)
	}
	return DayOf(t), nil
}

// MustDay is ParseDay for dates the caller wrote itself.
func MustDay(s string) Day {
	d, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String is the day as YYYY-MM-DD, empty when it is not known.
func (d Day) String() string {
	if d == 0 {
		return ""
	}
	return time.Unix(int64(d)*86400, 0).UTC().Format(dayLayout)
}

// MarshalText writes the day as YYYY-MM-DD, so that JSON carries dates as
// every other date of the API.
func (d Day) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a day written YYYY-MM-DD.
func (d *Day) UnmarshalText(b []byte) error {
	v, err := ParseDay(string(b))
	*d = v
	return err
}
