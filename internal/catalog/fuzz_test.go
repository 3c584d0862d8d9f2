package catalog_test

import (
	"encoding/csv"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/fault"
)

// supplyClasses reads the class codes from the reference file itself, not
// through the package, so that the fuzz target checks against the source.
func supplyClasses(tb testing.TB) map[string]bool {
	f, err := os.Open("data/fsc_classes.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range recs[1:] {
		out[r[0]] = true
	}
	return out
}

var (
	canonicalNSN = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{3}-[0-9]{4}$`)
	bareNSN      = regexp.MustCompile(`^[0-9]{13}$`)
)

// FuzzParseNSN holds ParseNSN to its promise against the reference table of
// supply classes: it accepts exactly a dashed NNNN-NN-NNN-NNNN or a bare
// thirteen-digit number (around white space) whose class is in the table,
// returns it dashed, keeps its digits, and reads its own output back
// unchanged; it refuses anything else with a problem on the field nsn that
// quotes the input. The seeds are the demo catalogue's NSNs, the classes of
// the reference table, and the shapes people type.
//
//	go test ./internal/catalog -run '^$' -fuzz '^FuzzParseNSN$' -fuzztime 10m -parallel 1
func FuzzParseNSN(f *testing.F) {
	classes := supplyClasses(f)
	for _, it := range demo.Items {
		f.Add(it.NSN)
		f.Add(strings.ReplaceAll(it.NSN, "-", ""))
	}
	for _, s := range []string{"1005-12-000-0001", "9999-12-345-6789", "1320-12-345-6789", " 1320-12-345-6789\n", "1320 12 345 6789",
		"1320-12-345-678", "1320-12-345-67890", "١٣٢٠-١٢-٣٤٥-٦٧٨٩", "1320–12–345–6789", "1320-12-345-6789\x00", "13201234567890", "", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := catalog.ParseNSN(s)
		trimmed := strings.TrimSpace(s)
		digits := strings.ReplaceAll(trimmed, "-", "")
		shapeOK := canonicalNSN.MatchString(trimmed) || bareNSN.MatchString(trimmed)
		want := shapeOK && classes[digits[:4]]
		if (err == nil) != want {
			t.Fatalf("ParseNSN(%q) = %q, %v; the reference says valid=%v", s, got, err, want)
		}
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid || e.Field != "nsn" || !strings.Contains(e.Message, fmt.Sprintf("%q", s)) {
				t.Fatalf("ParseNSN(%q) refused with %#v: want a problem on nsn quoting the input", s, err)
			}
			return
		}
		if !canonicalNSN.MatchString(got) || strings.ReplaceAll(got, "-", "") != digits {
			t.Fatalf("ParseNSN(%q) = %q: not the same number, dashed", s, got)
		}
		if again, err := catalog.ParseNSN(got); err != nil || again != got {
			t.Fatalf("ParseNSN(%q) = %q, but that reads back as %q, %v", s, got, again, err)
		}
	})
}
