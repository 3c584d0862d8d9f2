package catalog_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

func TestParseNSN(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"1320-12-345-6789", "1320-12-345-6789", true},
		{" 1410-01-234-5678 ", "1410-01-234-5678", true},
		{"1320123456789", "1320-12-345-6789", true},
		{"1320-12-345-678", "", false},  // too short
		{"1320-1-2345-6789", "", false}, // misplaced dash
		{"13a0-12-345-6789", "", false}, // letter
		{"9998-12-345-6789", "", false}, // no such supply class
		{"0000-00-000-0000", "", false}, // no such supply class
		{"", "", false},
	} {
		got, err := catalog.ParseNSN(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseNSN(%q) = %q, %v", c.in, got, err)
		}
		if err != nil && (fault.Code(err) != fault.Invalid || fault.As(err).Field != "nsn") {
			t.Errorf("ParseNSN(%q): error %v should be invalid on field nsn", c.in, err)
		}
	}
	if c, ok := catalog.SupplyClassByCode("1005"); !ok || c.Name != "GUNS, THROUGH 30MM" {
		t.Errorf("1005: %+v", c)
	}
	if n := len(catalog.SupplyClasses()); n != 639 {
		t.Errorf("%d supply classes, want the 639 active ones", n)
	}
}

func TestReferenceNations(t *testing.T) {
	ns, err := catalog.ReferenceNations()
	if err != nil {
		t.Fatal(err)
	}
	allies, byCode := 0, map[string]catalog.Nation{}
	for _, n := range ns {
		byCode[n.Code] = n
		if n.Role == catalog.RoleAlly {
			allies++
		}
	}
	if allies != 32 {
		t.Errorf("%d allies", allies)
	}
	for _, code := range []string{"UKR", "JPN", "EUU"} {
		if _, ok := byCode[code]; !ok {
			t.Errorf("%s missing", code)
		}
	}
	// NATO's published 2024 count: 23 Allies at or above 2% of GDP.
	at2 := 0
	for _, n := range ns {
		for _, y := range n.Years {
			if y.Year == 2024 && y.DefencePPM >= 20000 {
				at2++
			}
		}
	}
	if at2 != 23 {
		t.Errorf("%d allies at 2%% in 2024, NATO says 23", at2)
	}
	if swe := byCode["SWE"]; swe.MemberSince != "2024-03-07" {
		t.Errorf("Sweden joined %s", swe.MemberSince)
	}
}

// TestEmbeddedDataMatchesShared checks that the copies embedded in the
// binary are the files of ../shared/data they were taken from.
func TestEmbeddedDataMatchesShared(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "data")
	if _, err := os.Stat(shared); err != nil {
		t.Skip("../shared/data is not beside the checkout; nothing to compare")
	}
	for embedded, source := range map[string]string{
		"data/nato_members.csv":                   "nato_members/nato_members.csv",
		"data/nato_def_exp_2014_2024_by_ally.csv": "nato_defence_expenditure/nato_def_exp_2014_2024_by_ally.csv",
		"data/fsc_classes.csv":                    "fsc/fsc_classes.csv",
	} {
		a, err := os.ReadFile(embedded)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(shared, source))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from ../shared/data/%s", embedded, source)
		}
	}
}
