package lessons_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
)

var printedRef = map[string]*regexp.Regexp{
	"equipment":   regexp.MustCompile(`^E-([0-9]{5,})$`),
	"requirement": regexp.MustCompile(`^R-([0-9]{5,})$`),
}

// FuzzLink holds Link.Normalize, which reads the record a lesson should
// change (the lesson form, the API and the importer of actions), to the
// references it prints: a piece or a requirement comes out as E-00012 or
// R-00012 naming a record that can exist (an id above zero), its ID is that
// number, and normalizing again changes nothing; a course or facility is
// kept in capitals; a refusal is on kind or ref and quotes the input.
//
//	go test ./internal/lessons -run '^$' -fuzz '^FuzzLink$' -fuzztime 10m -parallel 1
func FuzzLink(f *testing.F) {
	for _, c := range [][2]string{
		{"equipment", "E-00012"}, {"equipment", "e-12"}, {"equipment", "12"}, {"requirement", "R-00006"}, {"requirement", " r-6 "},
		{"course", "LEO2-CREW"}, {"facility", "PL-GLI"}, {"equipment", "E-0"}, {"equipment", "E--5"}, {"equipment", "E-+5"},
		{"requirement", "R-"}, {"requirement", "R-9223372036854775807"}, {"requirement", "R-9223372036854775808"}, {"pledge", "P-00001"}, {"", ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, kind, ref string) {
		k := lessons.Link{Kind: kind, Ref: ref}
		err := k.Normalize()
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid || (e.Field != "kind" && e.Field != "ref") {
				t.Fatalf("Normalize(%q, %q) refused with %#v: want a problem on kind or ref", kind, ref, err)
			}
			if q := map[string]string{"kind": kind, "ref": strings.ToUpper(strings.TrimSpace(ref))}[e.Field]; !strings.Contains(e.Message, fmt.Sprintf("%q", q)) {
				t.Fatalf("Normalize(%q, %q) refused with %q, which does not quote %q", kind, ref, e.Message, q)
			}
			return
		}
		if re := printedRef[k.Kind]; re != nil {
			m := re.FindStringSubmatch(k.Ref)
			if m == nil || k.ID() <= 0 || fmt.Sprintf("%s%05d", k.Ref[:2], k.ID()) != k.Ref {
				t.Fatalf("Normalize(%q, %q) = %q with id %d: not a printed reference of a record", kind, ref, k.Ref, k.ID())
			}
			if n, err := strconv.ParseInt(m[1], 10, 64); err != nil || n != k.ID() {
				t.Fatalf("%q has id %d", k.Ref, k.ID())
			}
		} else if k.Ref != strings.ToUpper(strings.TrimSpace(ref)) || k.ID() != 0 {
			t.Fatalf("Normalize(%q, %q) = %q, id %d", kind, ref, k.Ref, k.ID())
		}
		again := k
		if err := again.Normalize(); err != nil || again != k {
			t.Fatalf("%+v normalizes again to %+v, %v", k, again, err)
		}
	})
}

// FuzzPeriod holds Period, which reads the from and to of the lessons
// list, the digest and their API, to its promise: what it accepts is two
// real dates or open ends with from not after to, written YYYY-MM-DD;
// what it refuses is refused on from or to, never on anything else.
//
//	go test ./internal/lessons -run '^$' -fuzz '^FuzzPeriod$' -fuzztime 10m -parallel 1
func FuzzPeriod(f *testing.F) {
	for _, c := range [][2]string{{"2025-01-01", "2025-03-01"}, {"2025-03-01", "2025-01-01"}, {"notadate", ""}, {"", ""}, {"x", "2025-01-01"},
		{" 2025-01-01", "2025-01-01 "}, {"2025-02-30", "2025-03-01"}} {
		f.Add(c[0], c[1], false)
	}
	f.Fuzz(func(t *testing.T, from, to string, required bool) {
		a, b := from, to
		err := lessons.Period(&a, &b, required)
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid {
				t.Fatalf("Period(%q, %q) refused with %#v", from, to, err)
			}
			for _, p := range append([]*fault.Error{e}, e.Problems...) {
				if p.Field != "from" && p.Field != "to" && !(p.Field == "" && len(e.Problems) > 0) {
					t.Fatalf("Period(%q, %q) refused on %q: %v", from, to, p.Field, err)
				}
			}
			return
		}
		date := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
		for _, v := range []string{a, b} {
			if v != "" && !date.MatchString(v) {
				t.Fatalf("Period(%q, %q) gave %q, %q", from, to, a, b)
			}
		}
		if required && (a == "" || b == "") || a != "" && b != "" && a > b {
			t.Fatalf("Period(%q, %q, %v) accepted %q..%q", from, to, required, a, b)
		}
	})
}
