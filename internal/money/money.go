// Package money owns the representation of euro amounts as integer cents and
// of other fixed-point decimal quantities (kilograms, cubic metres) as integers
// in their smallest unit. Nothing here ever uses a float.
//
// It imports nothing of Longhaul's but fault.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/fault"
)

// Cents is an amount of money in euro cents.
type Cents int64

// ParseEUR parses a decimal euro amount such as "1250000", "1,250,000.50",
// "1.250.000,50" or "-3.5" (see ParseDecimal). It refuses fractions of a
// cent, exponents, ambiguous numbers and anything that is not a number.
func ParseEUR(s string) (Cents, error) {
	v, err := ParseDecimal(s, 2)
	if err != nil {
		return 0, err
	}
	return Cents(v), nil
}

// ErrSyntax is returned for a string that is not a plain decimal number.
var ErrSyntax = errors.New("not a decimal number")

// ErrRange is returned for a decimal number beyond int64 once scaled.
var ErrRange = errors.New("is too large")

// ErrAmbiguous is returned for a number that people write for two values:
// "1,250" is 1250 in London and 1.25 in Berlin.
var ErrAmbiguous = errors.New("is ambiguous")

// groupMarks are the characters people put between groups of three
// digits besides a comma or a point: spaces (plain, no-break, narrow and
// thin) and the Swiss apostrophe.
const groupMarks = " \u00a0\u202f\u2009'"

// ParseDecimal parses a decimal number into an integer scaled by
// 10^places: ParseDecimal("1.5", 3) is 1500. It reads numbers as people
// write them wherever that is unambiguous: "1250.50", "1,250.50",
// "1.250,50", "1 250,50", "12,50" (12.50) and "1,250,000" all mean what
// they say; a single point is always the decimal point, as in every
// export and the API. "1,250" could be 1250 or 1.25, and is refused with
// ErrAmbiguous rather than guessed. It refuses more than places fractional
// digits rather than rounding them away, exponents, and anything else.
func ParseDecimal(s string, places int) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty: %w", ErrSyntax)
	}
	neg := false
	switch t[0] {
	case '-':
		neg, t = true, t[1:]
	case '+':
		t = t[1:]
	}
	whole, frac, hasFrac, err := splitDecimal(s, t)
	if err != nil {
		return 0, err
	}
	if whole == "" && (!hasFrac || frac == "") {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	if hasFrac && frac == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
		}
	}
	if len(frac) > places {
		extra := strings.TrimRight(frac[places:], "0")
		if extra != "" {
			if places == 2 {
				return 0, fmt.Errorf("%q has a fraction of a cent", s)
			}
			return 0, fmt.Errorf("%q has more than %d decimal places", s, places)
		}
		frac = frac[:places]
	}
	frac += strings.Repeat("0", places-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q %w", s, ErrRange)
	}
	if neg {
		v = -v
	}
	return v, nil
}

// splitDecimal finds t's decimal separator and returns its whole digits,
// with their grouping checked and taken out, and its fraction. s is the
// input as given, for the messages.
func splitDecimal(s, t string) (whole, frac string, hasFrac bool, err error) {
	dots, commas := strings.Count(t, "."), strings.Count(t, ",")
	dec, group := byte(0), byte(0)
	switch {
	case dots > 0 && commas > 0:
		// Both: the last is the decimal separator, the other groups.
		dec, group = '.', ','
		if strings.LastIndexByte(t, ',') > strings.LastIndexByte(t, '.') {
			dec, group = ',', '.'
		}
	case dots == 1:
		dec = '.'
	case dots > 1:
		group = '.'
	case commas == 1:
		before, after, _ := strings.Cut(t, ",")
		if len(after) == 3 && onlyDigits(after) && thousandsLead(before) {
			return "", "", false, fmt.Errorf("%q %w: it may be %s or %s; write it with a point for the decimals (%s.%s) or without a separator (%s%s)",
				s, ErrAmbiguous, strip(before)+after, strip(before)+"."+after, strip(before), after, strip(before), after)
		}
		dec = ','
	case commas > 1:
		group = ','
	}
	whole = t
	if dec != 0 {
		i := strings.LastIndexByte(t, dec)
		if strings.Count(t, string(dec)) != 1 {
			return "", "", false, fmt.Errorf("%q: %w", s, ErrSyntax)
		}
		whole, frac, hasFrac = t[:i], t[i+1:], true
	}
	marks := groupMarks
	if group != 0 {
		marks += string(group)
	}
	if strings.ContainsAny(whole, marks) {
		groups := strings.FieldsFunc(whole, func(r rune) bool { return strings.ContainsRune(marks, r) })
		if !grouped(whole) || strings.Join(groups, "") == "" || separatorsOf(whole, marks) > 1 {
			return "", "", false, fmt.Errorf("%q: %w (group the digits in threes, e.g. 1,250,000.50 or 1 250 000,50)", s, ErrSyntax)
		}
		whole = strings.Join(groups, "")
	}
	return whole, frac, hasFrac, nil
}

// grouped reports whether w is digits in groups of three after a first of
// one to three that does not start with 0, each separated by one mark;
// plain digits are grouped too.
func grouped(w string) bool {
	if onlyDigits(w) {
		return true
	}
	if w == "" || w[0] == '0' {
		return false // no one writes a leading zero before a thousands mark
	}
	n, first := 0, true
	for i := 0; i < len(w); {
		c := w[i]
		if c >= '0' && c <= '9' {
			n++
			i++
			continue
		}
		if n == 0 || (first && n > 3) || (!first && n != 3) {
			return false
		}
		first, n = false, 0
		// skip one mark, whatever its width in UTF-8
		_, size := utf8DecodeMark(w[i:])
		i += size
	}
	return n == 3 && !first
}

// thousandsLead reports whether w could be the digits before a thousands
// comma: one to three digits not starting with 0, or groups of them.
func thousandsLead(w string) bool {
	if onlyDigits(w) {
		return len(w) <= 3 && w[0] != '0'
	}
	return grouped(w)
}

// separatorsOf counts the kinds of mark w uses between its groups.
func separatorsOf(w, marks string) int {
	seen := map[rune]bool{}
	for _, r := range w {
		if strings.ContainsRune(marks, r) {
			seen[r] = true
		}
	}
	return len(seen)
}

func utf8DecodeMark(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 1
}

func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// strip is w without its grouping marks.
func strip(w string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(groupMarks+",.", r) {
			return -1
		}
		return r
	}, w)
}

// FormatDecimal formats v scaled by 10^places as a plain decimal number with
// exactly places fractional digits.
func FormatDecimal(v int64, places int) string {
	if places == 0 {
		return strconv.FormatInt(v, 10)
	}
	sign := ""
	u := uint64(v)
	if v < 0 {
		sign = "-"
		u = uint64(-(v + 1)) + 1 // safe for math.MinInt64
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	return sign + s[:len(s)-places] + "." + s[len(s)-places:]
}

// String formats c as a plain decimal euro amount, e.g. "1250000.50".
func (c Cents) String() string { return FormatDecimal(int64(c), 2) }

// Human formats c for people: "€ 1,250,000.50", or "€ 1.25 bn" / "€ 3.4 m"
// when short is set.
func (c Cents) Human(short bool) string {
	v := int64(c)
	if short {
		abs := v
		if abs < 0 {
			abs = -abs
		}
		switch {
		case abs >= 100_000_000_000: // 1 bn euro
			return "€ " + FormatDecimal(v/1_000_000_000, 2) + " bn"
		case abs >= 100_000_000: // 1 m euro
			return "€ " + FormatDecimal(v/1_000_000, 2) + " m"
		}
	}
	whole, frac, _ := strings.Cut(FormatDecimal(v, 2), ".")
	if g, neg := strings.CutPrefix(Grouped(whole), "-"); neg {
		return "-€ " + g + "." + frac
	}
	return "€ " + Grouped(whole) + "." + frac
}

// MarshalJSON writes c as a JSON string holding a decimal euro amount, so
// that no JSON reader turns it into a float.
func (c Cents) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.String())
}

// UnmarshalJSON reads a decimal euro amount given as a JSON string or an
// integer JSON number of euros, refusing fractions of a cent.
func (c *Cents) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
		if strings.ContainsAny(s, "eE") {
			return fmt.Errorf("%s: write the amount as a decimal string such as \"1250.50\"", s)
		}
	}
	v, err := ParseEUR(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MaxAmount is the largest euro amount Longhaul stores in one field or as
// one product: EUR 1,000,000,000,000 (10^14 cents). No single pledge, line
// or item comes within a hundred times of it (the largest national packages
// are tens of billions), and it leaves 92,000 times its size before an int64
// sum overflows, so that totals over every record stay exact.
const MaxAmount Cents = 100_000_000_000_000

// ErrTooLarge is returned by the checked arithmetic for a result above
// MaxAmount.
var ErrTooLarge = errors.New("is more than EUR 1,000,000,000,000")

// Checked returns c, or ErrTooLarge when c is above MaxAmount or below
// -MaxAmount.
func (c Cents) Checked() (Cents, error) {
	if c > MaxAmount || c < -MaxAmount {
		return 0, ErrTooLarge
	}
	return c, nil
}

// Add returns c plus d, refusing a sum beyond MaxAmount either way. Both
// operands are bounded first, so the addition itself cannot overflow.
func (c Cents) Add(d Cents) (Cents, error) {
	if _, err := c.Checked(); err != nil {
		return 0, err
	}
	if _, err := d.Checked(); err != nil {
		return 0, err
	}
	return (c + d).Checked()
}

// Mul returns c times q, refusing a product that overflows int64.
func (c Cents) Mul(q int64) (Cents, error) {
	if q == 0 || c == 0 {
		return 0, nil
	}
	p := int64(c) * q
	if p/q != int64(c) || (int64(c) == -1 && q == math.MinInt64) {
		return 0, fmt.Errorf("%s × %d overflows", c, q)
	}
	return Cents(p), nil
}

// MulChecked returns c times q, refusing a product beyond MaxAmount.
func (c Cents) MulChecked(q int64) (Cents, error) {
	p, err := c.Mul(q)
	if err != nil {
		return 0, ErrTooLarge
	}
	return p.Checked()
}

// Grouped writes the digits of an integer with thousands separators:
// "-1234567" becomes "-1,234,567".
func Grouped(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// AmountHint says how to write a euro amount, for a message about one that
// could not be read.
const AmountHint = `must be an amount in euros with at most two decimals, like "1234.50"`

// FieldEUR parses an optional euro amount typed into field: empty is zero,
// and a bad amount is added to errs under field, saying how to write one.
func FieldEUR(errs *fault.List, field, s string) Cents {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	v, err := ParseEUR(s)
	switch {
	case errors.Is(err, ErrRange):
		errs.Add(field, "%q %v", s, ErrTooLarge)
	case errors.Is(err, ErrAmbiguous):
		errs.Add(field, "%v", err)
	case err != nil:
		errs.Add(field, "%s, not %q", AmountHint, s)
	}
	return v
}

// FieldDecimal is FieldEUR for a decimal with places fractional digits.
func FieldDecimal(errs *fault.List, field, s string, places int) int64 {
	if strings.TrimSpace(s) == "" {
		return 0
	}
	v, err := ParseDecimal(s, places)
	switch {
	case errors.Is(err, ErrRange), errors.Is(err, ErrAmbiguous):
		errs.Add(field, "%v", err)
	case err != nil:
		errs.Add(field, "must be a decimal number with at most %d decimals, like %q, not %q", places, FormatDecimal(12345, min(places, 1)), s)
	}
	return v
}
