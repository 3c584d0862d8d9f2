package money

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestToEURRoundsOnceHalfAway(t *testing.T) {
	for _, c := range []struct {
		amount int64
		rate   string
		want   Cents
	}{
		{108_24, "1.0824", 100_00},
		{1, "2", 1},   // 0.5 cent rounds away from zero
		{3, "2", 2},   // 1.5 → 2
		{-3, "2", -2}, // -1.5 → -2
		{100_00, "3", 33_33},
		{2_500_000_000_00, "0.84662", 2_952_918_664_81}, // the UK agreement's GBP 2.5 bn at the 2024 rate
		{1_081_300_00, "1.0813", 1_000_000_00},
	} {
		got, err := ToEUR(c.amount, c.rate)
		if err != nil || got != c.want {
			t.Errorf("%d at %s: %d %v, want %d", c.amount, c.rate, got, err, c.want)
		}
	}
	for _, bad := range []string{"0", "-1", "1/3", "1e3", "abc", ""} {
		if _, err := ToEUR(1, bad); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
	if _, err := ToEUR(9223372036854775807, "0.5"); !errors.Is(err, ErrRange) {
		t.Errorf("a quotient beyond int64: %v, want ErrRange", err)
	}
}

func TestIn(t *testing.T) {
	for _, c := range []struct {
		c        Cents
		currency string
		want     string
	}{
		{1_081_300_00, "USD", "USD 1,081,300.00"}, {1250, "", "EUR 12.50"}, {-5, "GBP", "GBP -0.05"}, {0, "EUR", "EUR 0.00"},
	} {
		if got := c.c.In(c.currency); got != c.want {
			t.Errorf("%d in %q: %q, want %q", c.c, c.currency, got, c.want)
		}
	}
}

// rateRef is what a rate documents itself as: "an exact decimal, e.g.
// 1.0813", with no sign, exponent, fraction bar or base prefix.
var rateRef = regexp.MustCompile(`^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)

// refToEUR divides amount by the decimal rate with big integers and rounds
// half away from zero: the euro amount a conversion must give.
func refToEUR(amount int64, rate string) (*big.Int, bool) {
	t := strings.TrimSpace(rate)
	if !rateRef.MatchString(t) {
		return nil, false
	}
	whole, frac, _ := strings.Cut(t, ".")
	num, _ := new(big.Int).SetString("0"+whole+frac, 10)
	if num.Sign() == 0 {
		return nil, false
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	// amount / (num / scale) = amount * scale / num
	n := new(big.Int).Mul(big.NewInt(amount), scale)
	neg := n.Sign() < 0
	n.Abs(n)
	q, m := new(big.Int).QuoRem(n, num, new(big.Int))
	if m.Mul(m, big.NewInt(2)).Cmp(num) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q, true
}

// FuzzToEUR holds the exchange-rate reading and conversion of amounts in
// other currencies (ToEUR, and ParseRate that contributions' rates and
// the pledges' valuations are read with) to a big-integer reference: a
// rate is accepted exactly when it is a positive plain decimal; the euro
// amount is the exact quotient rounded half away from zero, or a refusal
// when that does not fit in Cents, never a wrapped-round number. The seeds
// are the ECB rates the reference data carries and the amounts of the
// bilateral agreements file.
//
//	go test ./internal/money -run '^$' -fuzz '^FuzzToEUR$' -fuzztime 10m -parallel 1
func FuzzToEUR(f *testing.F) {
	for _, c := range []struct {
		amount int64
		rate   string
	}{
		{250000000000, "0.86979"}, {700000000000, "1"}, {100000000, "1.0813"}, {-100000000, "1.0824"}, {1, "3"}, {5, "10"}, {-5, "10"},
		{100_000_000_000_000, "0.0000000001"}, {1, "0x1p3"}, {1, "1e3"}, {1, "1/3"}, {1, "+1.08"}, {1, "-1"}, {1, "0"}, {1, "0.000"},
		{1, ".5"}, {1, "5."}, {1, "0b11"}, {1, "1_000"}, {1, " 1.0813 "}, {9223372036854775807, "0.5"}, {-9223372036854775808, "1"},
	} {
		f.Add(c.amount, c.rate)
	}
	f.Fuzz(func(t *testing.T, amount int64, rate string) {
		if len(rate) > 64 {
			return // a rate is a few digits; the reference's big division is not the point
		}
		got, err := ToEUR(amount, rate)
		want, ok := refToEUR(amount, rate)
		if _, perr := ParseRate(rate); (perr == nil) != ok {
			t.Fatalf("rate %q: ParseRate says %v; the reference says valid=%v", rate, perr, ok)
		}
		if !ok {
			if err == nil {
				t.Fatalf("ToEUR(%d, %q) = %d: the rate is not a positive decimal", amount, rate, got)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", strings.TrimSpace(rate))) {
				t.Fatalf("ToEUR(%d, %q) refused with %q, which does not quote the rate", amount, rate, err)
			}
			return
		}
		inBounds := want.IsInt64()
		if (err == nil) != inBounds || (err == nil && want.Int64() != int64(got)) {
			t.Fatalf("ToEUR(%d, %q) = %d, %v; want %s", amount, rate, got, err, want)
		}
	})
}
