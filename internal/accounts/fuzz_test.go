package accounts_test

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/fault"
)

// rateRef is what a rate documents itself as: "an exact decimal, e.g.
// 1.0813", with no sign, exponent, fraction bar or base prefix.
var rateRef = regexp.MustCompile(`^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$`)

// refToEUR divides amount by the decimal rate with big integers and rounds
// half away from zero: the euro amount a contribution must get.
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

// FuzzToEUR holds the exchange-rate reading and conversion of contributions
// in other currencies (ToEUR, and Rate.Validate that refuses what it
// cannot read) to a big-integer reference: a rate is accepted exactly when
// it is a positive plain decimal; the euro amount is the exact quotient
// rounded half away from zero, or a refusal when that does not fit in
// Cents, never a wrapped-round number. The seeds are the ECB
// rates the reference data carries and the amounts of the bilateral
// agreements file.
//
//	go test ./internal/accounts -run '^$' -fuzz '^FuzzToEUR$' -fuzztime 10m -parallel 1
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
		got, err := accounts.ToEUR(amount, rate)
		want, ok := refToEUR(amount, rate)
		rt := accounts.Rate{Currency: "USD", Year: 2025, PerEUR: rate, Source: "fuzz"}
		if verr := rt.Validate(); (verr == nil) != ok {
			t.Fatalf("rate %q: Validate says %v; the reference says valid=%v", rate, verr, ok)
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
