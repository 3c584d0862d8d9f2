package money

import "testing"

func TestParseEUR(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Cents
		ok   bool
	}{
		{"0", 0, true}, {"1250", 125000, true}, {"1,250,000.5", 125000050, true}, {"-3.05", -305, true},
		{"12.50", 1250, true}, {"12.500", 1250, true}, {".5", 50, true},
		{"12.505", 0, false}, {"1e3", 0, false}, {"", 0, false}, {"12.", 0, false}, {"abc", 0, false},
		{"92233720368547758.07", 9223372036854775807, true}, {"92233720368547758.08", 0, false},
		// A decimal comma means what it says; "1,500" means two things
		// and is refused, never guessed.
		{"12,50", 1250, true}, {"1,5", 150, true}, {"1,2500", 125, true}, {",500", 50, true}, {"1,,500", 0, false},
		{"1,500", 0, false}, {"12,345,678.90", 1234567890, true}, {"-1,000", 0, false}, {"1,000,000", 100000000, true},
	} {
		got, err := ParseEUR(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseEUR(%q) = %d, %v; want %d ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		c           Cents
		plain, long string
		short       string
	}{
		{0, "0.00", "€ 0.00", "€ 0.00"},
		{5, "0.05", "€ 0.05", "€ 0.05"},
		{-125000050, "-1250000.50", "-€ 1,250,000.50", "€ -1.25 m"},
		{4_000_000_000_000, "40000000000.00", "€ 40,000,000,000.00", "€ 40.00 bn"},
	} {
		if got := c.c.String(); got != c.plain {
			t.Errorf("%d.String() = %q", c.c, got)
		}
		if got := c.c.Human(false); got != c.long {
			t.Errorf("%d.Human(false) = %q", c.c, got)
		}
		if got := c.c.Human(true); got != c.short {
			t.Errorf("%d.Human(true) = %q", c.c, got)
		}
	}
	if _, err := Cents(1 << 62).Mul(4); err == nil {
		t.Error("overflow not refused")
	}
}

func TestCheckedArithmetic(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func() (Cents, error)
		want Cents
		ok   bool
	}{
		{"add within", func() (Cents, error) { return Cents(1).Add(MaxAmount - 1) }, MaxAmount, true},
		{"add beyond", func() (Cents, error) { return Cents(1).Add(MaxAmount) }, 0, false},
		{"add of an operand beyond", func() (Cents, error) { return Cents(9223372036854775807).Add(-9223372036854775807) }, 0, false},
		{"mul within", func() (Cents, error) { return Cents(100_000).MulChecked(1_000_000_000) }, 100_000_000_000_000, true},
		{"mul beyond", func() (Cents, error) { return Cents(100_001).MulChecked(1_000_000_000) }, 0, false},
		{"mul overflowing int64", func() (Cents, error) { return Cents(400_000).MulChecked(9223372036854775807) }, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.f()
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("got %d, %v; want %d ok=%v", got, err, c.want, c.ok)
			}
		})
	}
}
