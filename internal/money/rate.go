package money

import (
	"fmt"
	"math/big"
	"strings"
)

// ParseRate reads an exchange rate written as a plain decimal such as
// 1.0813 (units of a currency per euro): digits and at most one point,
// more than zero, and nothing that big.Rat would also read (a sign, an
// exponent, a fraction bar, a base prefix such as 0x1p3, digit
// separators). The rate is exact: no float on the way.
func ParseRate(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	plain := whole+frac != "" && strings.Trim(whole, "0123456789") == "" && strings.Trim(frac, "0123456789") == ""
	r, ok := new(big.Rat).SetString(s)
	if !plain || !ok {
		return nil, fmt.Errorf("%q is not a decimal number such as 1.0813", s)
	}
	if r.Sign() <= 0 {
		return nil, fmt.Errorf("%q must be more than zero", s)
	}
	return r, nil
}

// ToEUR converts amount, in cents of a currency, to euro cents at perEUR
// (units of the currency per euro, as ParseRate reads it): the exact
// quotient, rounded once, half away from zero, to the cent. A result that
// does not fit in Cents is refused with an error that wraps ErrRange;
// callers bound it further, by MaxAmount.
func ToEUR(amount int64, perEUR string) (Cents, error) {
	r, err := ParseRate(perEUR)
	if err != nil {
		return 0, err
	}
	q := new(big.Rat).Quo(new(big.Rat).SetInt64(amount), r)
	eur := roundHalfAway(q)
	if !eur.IsInt64() {
		return 0, fmt.Errorf("%s at %s per euro %w: more euros than Longhaul can count", FormatDecimal(amount, 2), strings.TrimSpace(perEUR), ErrRange)
	}
	return Cents(eur.Int64()), nil
}

// roundHalfAway rounds q to the nearest integer, a half away from zero.
func roundHalfAway(q *big.Rat) *big.Int {
	num, den := q.Num(), q.Denom()
	n, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			n.Sub(n, big.NewInt(1))
		} else {
			n.Add(n, big.NewInt(1))
		}
	}
	return n
}

// In formats c, cents of currency (ISO 4217; empty is euros), for people
// in a sentence that names currencies: "USD 1,081,300.00", "EUR 12.50".
func (c Cents) In(currency string) string {
	if currency == "" {
		currency = "EUR"
	}
	whole, frac, _ := strings.Cut(FormatDecimal(int64(c), 2), ".")
	return currency + " " + Grouped(whole) + "." + frac
}
