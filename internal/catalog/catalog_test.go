package catalog_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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

// TestCountriesRebuildFromTheLookup checks that the embedded list of ISO
// 3166-1 countries is the CSIS country lookup's, row for row: every entry
// with an alpha-3, alpha-2 and numeric code, its name, whether it is a
// territory and whether it is in the EU today.
func TestCountriesRebuildFromTheLookup(t *testing.T) {
	src := filepath.Join("..", "..", "..", "shared", "data", "nato_members", "original", "Location_CountryCodes.csv")
	f, err := os.Open(src)
	if err != nil {
		t.Skip("../shared/data is not beside the checkout; nothing to compare")
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	want := [][]string{{"iso3", "iso2", "iso_numeric", "name", "is_territory", "eu_member"}}
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	alpha3 := regexp.MustCompile(`^[A-Z]{3}$`)
	for _, rec := range recs {
		get := func(c string) string { return rec[col[c]] }
		if !alpha3.MatchString(get("alpha-3")) || get("country-code") == "NULL" || get("country-code") == "" || get("alpha-2") == "NULL" {
			continue
		}
		eu := "0"
		if e, x := get("EUentryYear"), get("EUexitYear"); e != "NA" && e != "NULL" && e != "" && (x == "NA" || x == "NULL" || x == "") {
			eu = "1"
		}
		num := get("country-code")
		for len(num) < 3 {
			num = "0" + num
		}
		want = append(want, []string{get("alpha-3"), get("alpha-2"), num, get("name"), get("isTerritory"), eu})
	}
	sort.Slice(want[1:], func(i, j int) bool { return want[1+i][0] < want[1+j][0] })
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(want)
	got, err := os.ReadFile("data/iso3166_countries.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Errorf("data/iso3166_countries.csv is not what the lookup gives (%d rows rebuilt)", len(want)-1)
	}
	if len(want)-1 != 249 {
		t.Errorf("%d countries, ISO 3166-1 has 249", len(want)-1)
	}
}
