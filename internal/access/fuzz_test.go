package access

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/longhaul/longhaul/internal/fault"
)

// FuzzParseMarking holds the two halves of a marking as they are read from
// forms, the API, the importer, the CLI and the store. A classification is
// accepted exactly when, white space collapsed and ASCII letters
// upper-cased, it is one of the twelve names the package documents; its
// full name and its abbreviation read back to it; a refusal says
// "classification" and quotes the input. A releasability list comes out
// sorted, without duplicates, blanks or separators, and reads back
// unchanged both from its printed form ("REL TO DEU, UKR") and from the
// comma-joined form the store keeps, so that no marking changes on its way
// through a form, an export or the database. The seeds are the markings the
// demo and the tests write.
//
//	go test ./internal/access -run '^$' -fuzz '^FuzzParseMarking$' -fuzztime 10m -parallel 1
func FuzzParseMarking(f *testing.F) {
	for _, c := range []struct{ class, rel string }{
		{"NATO RESTRICTED", "REL TO UKR, DEU, POL"}, {"NATO UNCLASSIFIED", ""}, {"nr", "UKR DEU POL"}, {"secret", "UKR,DEU"},
		{"NATO  CONFIDENTIAL", "REL TO UKR"}, {"NATO\u00a0SECRET", "DEU;FRA/UKR"}, {"NS", "REL TO"}, {"NATO ſECRET", "REL TOX"},
		{"NATO RESTRıCTED", "ukr ukr Ukr"}, {"TOP SECRET", " , ; / "}, {"", "REL TO REL TO"}, {"N U", "deu\tfra"},
	} {
		f.Add(c.class, c.rel)
	}
	f.Fuzz(func(t *testing.T, class, rel string) {
		c, err := ParseClassification(class)
		norm := asciiUpper(strings.Join(strings.FieldsFunc(class, unicode.IsSpace), " "))
		want := norm == ""
		for i, n := range classNames {
			want = want || norm == n || norm == strings.TrimPrefix(n, "NATO ") || norm == Classification(i).Short()
		}
		if (err == nil) != want {
			t.Fatalf("ParseClassification(%q) = %v, %v; the reference says valid=%v", class, c, err, want)
		}
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", class)) || !strings.Contains(err.Error(), "classification") {
				t.Fatalf("ParseClassification(%q) refused with %q", class, err)
			}
		} else {
			for _, s := range []string{c.String(), c.Short(), strings.ToLower(c.String())} {
				if back, err := ParseClassification(s); err != nil || back != c {
					t.Fatalf("%v written %q reads back as %v, %v", c, s, back, err)
				}
			}
			var back Classification
			b, _ := c.MarshalText()
			if err := back.UnmarshalText(b); err != nil || back != c {
				t.Fatalf("%v as text %q reads back as %v, %v", c, b, back, err)
			}
		}

		r := ParseReleasability(rel)
		if !slices.IsSorted(r) || len(slices.Compact(slices.Clone(r))) != len(r) {
			t.Fatalf("ParseReleasability(%q) = %q: not sorted and unique", rel, r)
		}
		ascii := true
		for _, code := range r {
			if code == "" || strings.ContainsAny(code, ", ;/") || code != strings.TrimSpace(code) || strings.ContainsAny(code, "abcdefghijklmnopqrstuvwxyz") {
				t.Fatalf("ParseReleasability(%q) = %q: code %q", rel, r, code)
			}
			for _, c := range code {
				ascii = ascii && c < 0x80
			}
		}
		written := []string{r.String(), strings.Join(r, ",")}
		if ascii {
			// Lower case reads back only for ASCII codes: Unicode's case
			// mappings do not go back, which is why codes keep any other
			// letter as typed.
			written = append(written, strings.ToLower(strings.Join(r, ";")))
		}
		for _, s := range written {
			if back := ParseReleasability(s); !slices.Equal(back, r) {
				t.Fatalf("ParseReleasability(%q) = %q, written %q, reads back as %q", rel, r, s, back)
			}
		}
		if back := Normalize(r); !slices.Equal(back, r) {
			t.Fatalf("Normalize(%q) = %q", r, back)
		}
	})
}

// FuzzParseRoles holds ParseRoles, which reads the roles of the admin form,
// the API and `longhaul user`, to the list of roles: it accepts exactly a
// list of known roles separated by commas and spaces, gives them sorted and
// once each, reads its own output back unchanged, and refuses anything else
// on the field roles, quoting the word at fault.
//
//	go test ./internal/access -run '^$' -fuzz '^FuzzParseRoles$' -fuzztime 10m -parallel 1
func FuzzParseRoles(f *testing.F) {
	for _, s := range []string{"coordinator", "nation_officer,analyst", "Admin Auditor", "hub_operator, facility_manager,,", "",
		"root", "coordinator coordinator", "COORDİNATOR", "analyst\tauditor", "recipient_officer;admin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseRoles(s)
		var want []Role
		valid := true
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			r := Role(strings.ToLower(strings.TrimSpace(w)))
			if !slices.Contains(Roles, r) {
				valid = false
				break
			}
			if !slices.Contains(want, r) {
				want = append(want, r)
			}
		}
		slices.Sort(want)
		valid = valid && len(want) > 0
		if (err == nil) != valid || (valid && !slices.Equal(got, want)) {
			t.Fatalf("ParseRoles(%q) = %v, %v; want %v, valid=%v", s, got, err, want, valid)
		}
		if err != nil {
			if e := fault.As(err); e == nil || e.Field != "roles" {
				t.Fatalf("ParseRoles(%q) refused with %#v: want a problem on roles", s, err)
			}
			return
		}
		words := make([]string, len(got))
		for i, r := range got {
			words[i] = string(r)
		}
		if back, err := ParseRoles(strings.Join(words, ",")); err != nil || !slices.Equal(back, got) {
			t.Fatalf("%v reads back as %v, %v", got, back, err)
		}
	})
}

// FuzzParseLifetime holds ParseLifetime, which reads the lifetime of an API
// token (the API's "expires" and `longhaul user token --expires`), to what
// it says: days written Nd give exactly N days, anything else is a Go
// duration, and what it accepts is positive and no longer than a token may
// live; a refusal is on the field expires and quotes the input.
//
//	go test ./internal/access -run '^$' -fuzz '^FuzzParseLifetime$' -fuzztime 10m -parallel 1
func FuzzParseLifetime(f *testing.F) {
	for _, s := range []string{"", "90d", "730d", "731d", "1d", "0d", "-1d", "+5d", "12h", "30m", "1m", "59s", "1h30m", "2562047h",
		"106751d", "106752d", "213504d", "9223372036854775807d", "1.5d", "d", "90D", " 90d ", "1e3h", "٩٠d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseLifetime(s)
		if err != nil {
			if e := fault.As(err); e == nil || e.Field != "expires" || !strings.Contains(e.Message, fmt.Sprintf("%q", strings.TrimSpace(s))) {
				t.Fatalf("ParseLifetime(%q) refused with %#v: want a problem on expires quoting the input", s, err)
			}
			return
		}
		if d <= 0 || d > MaxTokenLifetime {
			t.Fatalf("ParseLifetime(%q) = %v: not from nothing to %v", s, d, MaxTokenLifetime)
		}
		t2 := strings.TrimSpace(s)
		if days, ok := strings.CutSuffix(t2, "d"); ok {
			n, err := strconv.Atoi(days)
			if err != nil || time.Duration(n)*24*time.Hour != d || d%(24*time.Hour) != 0 {
				t.Fatalf("ParseLifetime(%q) = %v: not %s days", s, d, days)
			}
		} else if t2 != "" {
			if want, err := time.ParseDuration(t2); err != nil || want != d {
				t.Fatalf("ParseLifetime(%q) = %v; Go reads %v, %v", s, d, want, err)
			}
		}
	})
}
