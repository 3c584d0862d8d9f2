package money

import (
	"errors"
	"testing"
)

// TestNumbersAsPeopleWriteThem: every way the users write an
// amount means what they meant, and the one that means two things is
// refused, never read as either.
func TestNumbersAsPeopleWriteThem(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Cents
	}{
		{"12,50", 1250}, {"12,5", 1250}, {"1 250,50", 125050}, {"1.250,50", 125050}, {"1,250.50", 125050},
		{"1\u00a0250,50", 125050}, {"1\u202f250\u202f000,00", 125000000}, {"1'250.50", 125050},
		{"1,250,000", 125000000}, {"1.250.000", 125000000}, {"1.250.000,5", 125000050}, {"0,250", 25}, {",5", 50},
		{"1250.50", 125050}, {"1.25", 125}, {"1.250", 125}, {"-1.250,50", -125050}, {"1234,567", 0},
	} {
		got, err := ParseEUR(c.in)
		if c.in == "1234,567" {
			if err == nil {
				t.Errorf("%q: a fraction of a cent accepted as %d", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseEUR(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"1,250", "12,345", "-1,250", "1 250,000"} {
		_, err := ParseEUR(in)
		if in == "1 250,000" {
			if !errors.Is(err, ErrAmbiguous) && err == nil {
				t.Errorf("%q accepted", in)
			}
			continue
		}
		if !errors.Is(err, ErrAmbiguous) {
			t.Errorf("ParseEUR(%q): %v, want it refused as ambiguous", in, err)
		}
	}
	for _, in := range []string{"1,2,3", "1.2.3", "12,50,00", "1 25", "1,250.000,5", "1.250,000.5", "1 250.000,50", "12.,5", "1,,250"} {
		if v, err := ParseEUR(in); err == nil {
			t.Errorf("ParseEUR(%q) = %d, want it refused", in, v)
		}
	}
}
