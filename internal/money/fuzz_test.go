package money

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// The grammar ParseDecimal promises, written out in full as the forms
// people write, each with the separator it groups by and the one it marks
// decimals with. Grouped digits start with a digit other than 0. A point alone is always the decimal point; a comma alone
// is the decimal comma, except before exactly three digits after one to
// three others (not all zero), which is ambiguous and refused.
var decimalForms = []struct {
	re         *regexp.Regexp
	group, dec string
}{
	{regexp.MustCompile(`^[0-9]*(?:\.[0-9]+)?$`), "", "."},                                                                    // 1250.50
	{regexp.MustCompile(`^[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?$`), ",", "."},                                            // 1,250.50
	{regexp.MustCompile(`^[1-9][0-9]{0,2}(?:\.[0-9]{3})+,[0-9]+$`), ".", ","},                                                 // 1.250,50
	{regexp.MustCompile(`^[1-9][0-9]{0,2}(?:\.[0-9]{3}){2,}$`), ".", ""},                                                      // 1.250.000
	{regexp.MustCompile(`^[0-9]*,[0-9]+$`), "", ","},                                                                          // 12,50
	{regexp.MustCompile("^[1-9][0-9]{0,2}(?:[ \u00a0\u202f\u2009'][0-9]{3})+(?:[.,][0-9]+)?$"), " \u00a0\u202f\u2009'", ".,"}, // 1 250,50
}

var ambiguousRef = regexp.MustCompile("^[1-9][0-9]{0,2}(?:[ \u00a0\u202f\u2009'][0-9]{3})*,[0-9]{3}$")

// mixedMarks reports whether t groups its digits with two kinds of space
// or apostrophe, which no one does.
func mixedMarks(t string) bool {
	seen := ""
	for _, r := range t {
		if strings.ContainsRune(" \u00a0\u202f\u2009'", r) && !strings.ContainsRune(seen, r) {
			seen += string(r)
		}
	}
	return len([]rune(seen)) > 1
}

// refDecimal parses s the slow way, with big integers, as ParseDecimal
// promises to: the exact value scaled by 10^places, or false.
func refDecimal(s string, places int) (int64, bool) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg || strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	if ambiguousRef.MatchString(t) {
		return 0, false
	}
	var whole, frac string
	matched := false
	for _, f := range decimalForms {
		if !f.re.MatchString(t) || mixedMarks(t) {
			continue
		}
		u := t
		for _, g := range f.group {
			u = strings.ReplaceAll(u, string(g), "")
		}
		w, fr, _ := strings.Cut(strings.Map(func(r rune) rune {
			if strings.ContainsRune(f.dec, r) {
				return '.'
			}
			return r
		}, u), ".")
		whole, frac, matched = w, fr, true
		break
	}
	if !matched || (whole == "" && frac == "") {
		return 0, false
	}
	if len(frac) > places {
		if strings.Trim(frac[places:], "0") != "" {
			return 0, false
		}
		frac = frac[:places]
	}
	n, ok := new(big.Int).SetString("0"+whole+frac+strings.Repeat("0", places-len(frac)), 10)
	if !ok {
		return 0, false
	}
	if neg {
		n.Neg(n)
	}
	if !n.IsInt64() {
		return 0, false
	}
	v := n.Int64()
	if v == -1<<63 { // ParseDecimal reads the digits before the sign
		return 0, false
	}
	return v, true
}

// FuzzParseDecimal holds ParseDecimal, ParseEUR and the JSON form of Cents
// to the grammar they document, checked against a big-integer reference:
// what is accepted is exactly the reference's value, formats back to the
// same value (plainly, for people, and as JSON), and what is refused is
// refused with a message that quotes the input. The seeds are amounts from
// the NATO expenditure and bilateral agreement files the demo uses, and the
// edges the parser handles. A longer run:
//
//	go test ./internal/money -run '^$' -fuzz '^FuzzParseDecimal$' -fuzztime 10m -parallel 1
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{
		// internal/accounts/data/bilateral_security_agreements_2024.csv
		"2500000000", "7000000000", "1000000000",
		// internal/catalog/data/nato_def_exp_2014_2024_by_ally.csv
		"18788.017032", "178.3589837425897", "-2.736816894190086", "13245.95253384557", "6.744",
		// the demo's amounts and those the README shows
		"4000.00", "500000.00", "1,250,000.50", "40000000000.00", "-4000.00", "92233720368547758.07", "92233720368547758.08",
		"999999999999.99", "1000000000000.01", "-9223372036854775808", "9223372036854775807",
		// edges
		"", " ", "0", "-0", "+1", ".5", "5.", "-.5", "1e3", "1E3", "0x10", "1_000", "1,5", "1,,000", ",000", "1,000,00",
		"12,345.6", "00012", "1.000", "1.001", "٣", "1\u00a0000", "\t12.50\n", "--1", "+-1", "1.2.3", "NaN", "Inf",
		// as people write them (issue 16)
		"12,50", "1 250,50", "1.250,50", "1,250.50", "1,250", "0,250", "1.250.000", "1'250.50", "1\u202f250,5", "1 250.000,50", "12,,5",
	} {
		for _, places := range []uint8{2, 3, 6} {
			f.Add(s, places)
		}
	}
	f.Fuzz(func(t *testing.T, s string, places uint8) {
		p := int(places % 7)
		v, err := ParseDecimal(s, p)
		want, ok := refDecimal(s, p)
		if (err == nil) != ok || (ok && v != want) {
			t.Fatalf("ParseDecimal(%q, %d) = %d, %v; the reference says %d, %v", s, p, v, err, want, ok)
		}
		if err != nil {
			if strings.TrimSpace(s) != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Fatalf("ParseDecimal(%q) refused with %q, which does not quote the input", s, err)
			}
			return
		}
		out := FormatDecimal(v, p)
		if back, err := ParseDecimal(out, p); err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, out, back, err)
		}
		if p != 2 {
			return
		}
		c := Cents(v)
		human := strings.Replace(strings.Replace(c.Human(false), "€ ", "", 1), "-", "", 1)
		if c < 0 {
			human = "-" + human
		}
		if back, err := ParseEUR(human); err != nil || back != c {
			t.Fatalf("%d for people is %q, which reads back as %d, %v", c, c.Human(false), back, err)
		}
		_ = c.Human(true)
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Cents
		if err := json.Unmarshal(b, &back); err != nil || back != c {
			t.Fatalf("%d as JSON is %s, which reads back as %d, %v", c, b, back, err)
		}
		if _, err := c.Checked(); (err == nil) != (c <= MaxAmount && c >= -MaxAmount) {
			t.Fatalf("Checked(%d) = %v", c, err)
		}
	})
}

// FuzzCentsJSON holds the JSON reading of an amount to ParseEUR: a JSON
// string is read as ParseEUR reads its content, a JSON number only when it
// is written without an exponent, and anything else is refused.
//
//	go test ./internal/money -run '^$' -fuzz '^FuzzCentsJSON$' -fuzztime 10m -parallel 1
func FuzzCentsJSON(f *testing.F) {
	for _, s := range []string{`"500000.00"`, `"1,250,000.50"`, `1250`, `-3.5`, `1e3`, `"1e3"`, `"12.505"`, `null`, `true`, `[]`, `{}`,
		`"92233720368547758.07"`, `92233720368547758.08`, `"\u0031"`, `" 12 "`, `"1,5"`, `0.10`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var c Cents
		err := json.Unmarshal([]byte(doc), &c)
		var raw any
		d := json.NewDecoder(strings.NewReader(doc))
		d.UseNumber()
		if !json.Valid([]byte(doc)) || d.Decode(&raw) != nil {
			if err == nil {
				t.Fatalf("%q is not JSON, yet read as %d", doc, c)
			}
			return
		}
		var want Cents
		ok := false
		switch x := raw.(type) {
		case string:
			want, ok = parseRef(x)
		case json.Number:
			if !strings.ContainsAny(string(x), "eE") {
				want, ok = parseRef(string(x))
			}
		case nil:
			return // null is the caller's to take or refuse
		}
		if (err == nil) != ok || (ok && c != want) {
			t.Fatalf("%s read as %d, %v; want %d, %v", doc, c, err, want, ok)
		}
	})
}

func parseRef(s string) (Cents, bool) {
	v, ok := refDecimal(s, 2)
	return Cents(v), ok
}
