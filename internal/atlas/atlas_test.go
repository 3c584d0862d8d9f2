package atlas

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// place is a point with a known country, in millionths of a degree.
type place struct {
	name         string
	latE6, lonE6 int64
	in           string   // alpha-3 code of the country it must be inside
	notIn        []string // codes it must be outside
}

var places = []place{
	{"Rzeszów", 50110000, 22020000, "POL", []string{"UKR", "DEU", "SVK"}},
	{"Kyiv", 50450000, 30520000, "UKR", []string{"POL", "BLR", "RUS"}},
	{"Wiesbaden", 50080000, 8240000, "DEU", []string{"FRA", "POL", "LUX"}},
	{"Constanța", 44180000, 28650000, "ROU", []string{"BGR", "UKR", "MDA"}},
	{"Bydgoszcz", 53120000, 18000000, "POL", []string{"DEU", "LTU"}},
	{"Chișinău", 47010000, 28860000, "MDA", []string{"ROU", "UKR"}},
	{"Lviv", 49840000, 24030000, "UKR", []string{"POL"}},
	{"Reykjavík", 64150000, -21940000, "ISL", nil},
	{"Évora", 38570000, -7910000, "PRT", []string{"ESP"}},
	{"Helsinki", 60170000, 24940000, "FIN", []string{"EST"}},
	{"Tallinn", 59440000, 24750000, "EST", []string{"FIN"}},
	{"Ankara", 39930000, 32850000, "TUR", nil},
	{"Moscow", 55760000, 37620000, "RUS", nil},
	{"Kaliningrad", 54710000, 20510000, "RUS", []string{"POL", "LTU"}},
	{"Bern", 46950000, 7450000, "CHE", []string{"DEU", "FRA", "ITA"}},
	{"Vienna", 48210000, 16370000, "AUT", []string{"SVK", "CZE"}},
	{"Tbilisi", 41720000, 44790000, "GEO", nil},
	{"Limassol", 34680000, 33040000, "CYP", nil},
	{"Valletta", 35900000, 14510000, "MLT", nil},
	{"London", 51510000, -130000, "GBR", []string{"FRA", "IRL"}},
	{"Dublin", 53350000, -6260000, "IRL", []string{"GBR"}},
	{"Oslo", 59910000, 10750000, "NOR", []string{"SWE"}},
	{"Rome", 41900000, 12500000, "ITA", []string{"VAT"}},
	// Crimea is drawn as part of Ukraine (see corrections.go).
	{"Simferopol", 44952000, 34102000, "UKR", []string{"RUS"}},
	{"Sevastopol", 44616000, 33525000, "UKR", []string{"RUS"}},
	{"Kerch", 45356000, 36468000, "UKR", []string{"RUS"}},
	{"Donetsk", 48015000, 37802000, "UKR", []string{"RUS"}},
	{"Belgorod", 50597000, 36588000, "RUS", []string{"UKR"}},
}

func TestPlaces(t *testing.T) {
	m := Europe()
	for _, p := range places {
		x, y := m.Project(p.latE6, p.lonE6)
		if x < 0 || x > float64(m.Width) || y < 0 || y > float64(m.Height) {
			t.Errorf("%s projects to (%.1f, %.1f), outside the %d×%d view", p.name, x, y, m.Width, m.Height)
			continue
		}
		if !m.Contains(p.in, x, y) {
			t.Errorf("%s (%.1f, %.1f) is not inside %s", p.name, x, y, p.in)
		}
		for _, c := range p.notIn {
			if m.Contains(c, x, y) {
				t.Errorf("%s (%.1f, %.1f) is inside %s", p.name, x, y, c)
			}
		}
	}
}

// TestSea checks points at sea, which must be in no country.
func TestSea(t *testing.T) {
	m := Europe()
	sea := []struct {
		name         string
		latE6, lonE6 int64
	}{
		{"Black Sea", 43500000, 34000000},
		{"Baltic Sea", 55500000, 18000000},
		{"North Sea", 56000000, 3000000},
		{"Bay of Biscay", 45500000, -4000000},
		{"Tyrrhenian Sea", 40000000, 12000000},
	}
	for _, s := range sea {
		x, y := m.Project(s.latE6, s.lonE6)
		for _, c := range m.Countries {
			if m.Contains(c.Code, x, y) {
				t.Errorf("%s (%.1f, %.1f) is inside %s", s.name, x, y, c.Code)
			}
		}
	}
}

// TestNATOMembers checks that every NATO member in Europe is on the map with
// its code and an outline, and that the two in North America are not.
func TestNATOMembers(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "nato_members.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	members := rows[1:]
	if len(members) != 32 {
		t.Fatalf("%d NATO members in testdata, want 32", len(members))
	}

	m := Europe()
	byCode := map[string]Country{}
	for _, c := range m.Countries {
		if c.Code != "" {
			if _, dup := byCode[c.Code]; dup {
				t.Errorf("code %s appears twice", c.Code)
			}
			byCode[c.Code] = c
		}
	}
	for _, row := range members {
		code, num, name := row[col["iso3"]], row[col["iso_numeric"]], row[col["name"]]
		if got := alpha3[num]; got != code {
			t.Errorf("alpha3[%q] = %q, want %q (%s)", num, got, code, name)
		}
		c, ok := byCode[code]
		switch code {
		case "USA", "CAN":
			if ok {
				t.Errorf("%s is on the Europe map", code)
			}
			continue
		}
		if !ok {
			t.Errorf("NATO member %s (%s) is not on the map", code, name)
			continue
		}
		if c.Numeric != num {
			t.Errorf("%s: Numeric = %q, want %q", code, c.Numeric, num)
		}
		if !strings.HasPrefix(c.Path, "M") || !strings.HasSuffix(c.Path, "Z") {
			t.Errorf("%s: Path %.40q… is not closed path data", code, c.Path)
		}
	}
	for _, code := range []string{"UKR", "MDA", "BLR", "RUS", "SRB", "BIH", "CHE", "AUT", "IRL", "CYP", "GEO"} {
		if byCode[code].Path == "" {
			t.Errorf("%s is not on the map", code)
		}
	}
	for _, code := range []string{"JPN", "AUS"} {
		if _, ok := byCode[code]; ok {
			t.Errorf("%s is on the Europe map", code)
		}
	}
}

// TestMissingIDs checks that countries without an id in the atlas (Kosovo)
// are drawn, with empty codes.
func TestMissingIDs(t *testing.T) {
	m := Europe()
	var kosovo *Country
	for i, c := range m.Countries {
		if c.Name == "Kosovo" {
			kosovo = &m.Countries[i]
		}
		if c.Name == "" {
			t.Errorf("country %d (%s) has no name", i, c.Numeric)
		}
		if c.Path == "" {
			t.Errorf("%s has no path", c.Name)
		}
	}
	if kosovo == nil {
		t.Fatal("Kosovo is not on the map")
	}
	if kosovo.Code != "" || kosovo.Numeric != "" {
		t.Errorf("Kosovo: Code %q, Numeric %q, want both empty", kosovo.Code, kosovo.Numeric)
	}
	if m.Contains("", 500, 500) {
		t.Error(`Contains("") reported true`)
	}
	// Priština is in Kosovo, so in none of its neighbours.
	x, y := m.Project(42663000, 21166000)
	for _, c := range []string{"SRB", "MKD", "ALB", "MNE"} {
		if m.Contains(c, x, y) {
			t.Errorf("Priština is inside %s", c)
		}
	}
}

// TestOrder checks that countries are sorted by name.
func TestOrder(t *testing.T) {
	cs := Europe().Countries
	for i := 1; i < len(cs); i++ {
		if cs[i-1].Name > cs[i].Name {
			t.Errorf("%q before %q", cs[i-1].Name, cs[i].Name)
		}
	}
}

func TestProjectMonotone(t *testing.T) {
	m := Europe()
	for lat := int64(34); lat <= 71; lat++ {
		for lon := int64(-12); lon < 45; lon++ {
			x0, y0 := m.Project(lat*1e6, lon*1e6)
			xe, _ := m.Project(lat*1e6, lon*1e6+500000)
			_, yn := m.Project(lat*1e6+500000, lon*1e6)
			if xe <= x0 {
				t.Fatalf("(%d, %d): x %.3f half a degree east is not greater than %.3f", lat, lon, xe, x0)
			}
			if yn >= y0 {
				t.Fatalf("(%d, %d): y %.3f half a degree north is not less than %.3f", lat, lon, yn, y0)
			}
		}
	}
	// The corners of the region lie inside the view, and its south and
	// north edges touch the view's bottom and top.
	for _, c := range [][2]int64{{34, -12}, {34, 45}, {71, -12}, {71, 45}} {
		x, y := m.Project(c[0]*1e6, c[1]*1e6)
		if x < -0.5 || x > float64(m.Width)+0.5 || y < -0.5 || y > float64(m.Height)+0.5 {
			t.Errorf("corner %v projects to (%.1f, %.1f), outside the view", c, x, y)
		}
	}
	if _, y := m.Project(34e6, 16.5e6); y < float64(m.Height)-1 {
		t.Errorf("(34, 16.5) projects to y %.1f, not the bottom edge %d", y, m.Height)
	}
}

func TestSize(t *testing.T) {
	m := Europe()
	if m.Width != 1000 || m.Height < 700 || m.Height > 900 {
		t.Errorf("size %d×%d", m.Width, m.Height)
	}
	total := 0
	for _, c := range m.Countries {
		total += len(c.Path)
	}
	t.Logf("%d countries, %d bytes of path data, viewBox 0 0 %d %d", len(m.Countries), total, m.Width, m.Height)
	if total > 400_000 {
		t.Errorf("path data is %d bytes, want under 400 KB", total)
	}
	if total < 50_000 {
		t.Errorf("path data is only %d bytes; outlines have lost their shape", total)
	}
}

// TestPathSyntax checks the path data grammar and that every coordinate is
// within the clip margin.
func TestPathSyntax(t *testing.T) {
	m := Europe()
	lo, hiX, hiY := -europeView.margin, float64(m.Width)+europeView.margin, float64(m.Height)+europeView.margin
	for _, c := range m.Countries {
		for _, sub := range strings.SplitAfter(c.Path, "Z") {
			if sub == "" {
				continue
			}
			if sub[0] != 'M' || strings.Count(sub, "M") != 1 || strings.Count(sub, "L") != 1 {
				t.Errorf("%s: bad subpath %.60q", c.Name, sub)
				continue
			}
			body := strings.NewReplacer("M", "", "L", " ", "Z", "").Replace(sub)
			for _, pair := range strings.Fields(body) {
				var x, y float64
				if _, err := fmt.Sscanf(pair, "%g,%g", &x, &y); err != nil {
					t.Fatalf("%s: bad pair %q: %v", c.Name, pair, err)
				}
				if x < lo || x > hiX || y < lo || y > hiY {
					t.Fatalf("%s: pair %q outside the clip rectangle", c.Name, pair)
				}
				for _, num := range strings.Split(pair, ",") {
					if i := strings.IndexByte(num, '.'); i >= 0 && len(num)-i-1 != 1 {
						t.Fatalf("%s: pair %q is not rounded to one decimal", c.Name, pair)
					}
				}
			}
		}
	}
}

func TestEuropeCached(t *testing.T) {
	var wg sync.WaitGroup
	ms := make([]*Map, 8)
	for i := range ms {
		wg.Go(func() { ms[i] = Europe() })
	}
	wg.Wait()
	for _, m := range ms {
		if m != ms[0] || m == nil {
			t.Fatal("Europe returned different maps")
		}
	}
	if Europe() != Europe() {
		t.Fatal("Europe returned different maps")
	}
	// A fresh build gives the same paths.
	b, err := buildEurope()
	if err != nil {
		t.Fatal(err)
	}
	if b == ms[0] || len(b.Countries) != len(ms[0].Countries) {
		t.Fatal("buildEurope differs from Europe")
	}
	for i, c := range b.Countries {
		if c != ms[0].Countries[i] {
			t.Errorf("country %d differs between builds: %s", i, c.Name)
		}
	}
}

// TestDecodeArcs checks delta decoding and reversed arcs on a tiny topology.
func TestDecodeArcs(t *testing.T) {
	const doc = `{"type":"Topology",
	 "transform":{"scale":[0.5,0.25],"translate":[10,20]},
	 "objects":{"countries":{"type":"GeometryCollection","geometries":[
	  {"type":"Polygon","id":"001","properties":{"name":"A"},"arcs":[[0,1]]},
	  {"type":"Polygon","properties":{"name":"B"},"arcs":[[-1,2]]},
	  {"type":null,"id":"003","properties":{"name":"C"}}]}},
	 "arcs":[[[0,0],[4,0],[0,4]],[[4,4],[-4,0],[0,-4]],[[0,0],[0,-4],[4,0],[0,4]]]}`
	arcs, fs, err := decodeTopology([]byte(doc), "countries")
	if err != nil {
		t.Fatal(err)
	}
	want := [][][2]float64{
		{{10, 20}, {12, 20}, {12, 21}},
		{{12, 21}, {10, 21}, {10, 20}},
		{{10, 20}, {10, 19}, {12, 19}, {12, 20}},
	}
	for i, a := range arcs {
		if fmt.Sprint(a.pts) != fmt.Sprint(want[i]) {
			t.Errorf("arc %d = %v, want %v", i, a.pts, want[i])
		}
	}
	if arcs[2].bbox != (box{10, 19, 12, 20}) {
		t.Errorf("arc 2 bbox = %v", arcs[2].bbox)
	}
	if len(fs) != 2 || fs[0].id != "001" || fs[1].id != "" || fs[1].name != "B" {
		t.Fatalf("features = %+v", fs)
	}
	if fmt.Sprint(fs[1].polygons) != "[[[-1 2]]]" {
		t.Errorf("B's arcs = %v", fs[1].polygons)
	}
}

// TestParseArcs checks the hand-written arc parser on odd but valid input
// and on broken input.
func TestParseArcs(t *testing.T) {
	got, err := parseArcs([]byte(" [ [[1, -2.5e1, 7], [ -0 ,3.25]] ,[[123456789012345678,1E2]]]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "[[[1 -25] [0 3.25]] [[1.2345678901234568e+17 100]]]"; fmt.Sprint(got) != want {
		t.Errorf("parseArcs = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "[", "[[]]", "[[[1]]]", "[[[1,2]]", "[[[1,2]]] x", "[[[1,-]]]", "[[[1,2],]]", "[[[1 2]]]", `[[["1",2]]]`} {
		if _, err := parseArcs([]byte(bad)); err == nil {
			t.Errorf("parseArcs(%q) succeeded", bad)
		}
	}
	if got, err := parseArcs([]byte("[]")); err != nil || len(got) != 0 {
		t.Errorf("parseArcs([]) = %v, %v", got, err)
	}
}

// TestDissolve checks that two rings sharing an arc merge into one, and that
// a correction moves a polygon between features.
func TestDissolve(t *testing.T) {
	// Two unit squares side by side: A is x 0..1, B is x 1..2. Arc 0 is
	// their shared edge, from (1,0) up to (1,1).
	const doc = `{"type":"Topology",
	 "objects":{"countries":{"type":"GeometryCollection","geometries":[
	  {"type":"Polygon","id":"001","properties":{"name":"A"},"arcs":[[0,1]]},
	  {"type":"MultiPolygon","id":"002","properties":{"name":"B"},"arcs":[[[-1,2]],[[3]]]}]}},
	 "arcs":[[[1,0],[1,1]],[[1,1],[0,1],[0,0],[1,0]],[[1,0],[2,0],[2,1],[1,1]],[[5,5],[6,5],[6,6],[5,5]]]}`
	arcs, fs, err := decodeTopology([]byte(doc), "countries")
	if err != nil {
		t.Fatal(err)
	}
	applyCorrections(fs, arcs, []correction{{from: "002", to: "001", lon: 1.5, lat: 0.5}})
	if fmt.Sprint(fs[1].polygons) != "[[[3]]]" {
		t.Errorf("B = %v, want [[[3]]]", fs[1].polygons)
	}
	if fmt.Sprint(fs[0].polygons) != "[[[1 2]]]" {
		t.Errorf("A = %v, want [[[1 2]]]", fs[0].polygons)
	}
	r := geoRing(fs[0].polygons[0][0], arcs)
	if a := area(r); a != 2 && a != -2 {
		t.Errorf("merged ring %v has area %v, want 2", r, a)
	}
	// A correction whose point is in no polygon changes nothing.
	applyCorrections(fs, arcs, []correction{{from: "002", to: "001", lon: 9, lat: 9}})
	if fmt.Sprint(fs[1].polygons) != "[[[3]]]" {
		t.Errorf("B = %v after a correction that matches nothing", fs[1].polygons)
	}
}

// TestClipRing checks that clipping keeps the area inside the rectangle.
func TestClipRing(t *testing.T) {
	square := []point{{-5, -5}, {5, -5}, {5, 5}, {-5, 5}}
	got, _ := clipRing(square, box{0, 0, 10, 10}, nil, nil)
	if a := area(got); a != 25 && a != -25 {
		t.Errorf("clipped area = %v, want 25 (ring %v)", a, got)
	}
	got, _ = clipRing(square, box{20, 20, 30, 30}, nil, nil)
	if len(got) != 0 {
		t.Errorf("ring outside the rectangle clipped to %v", got)
	}
	big := []point{{-50, -50}, {50, -50}, {50, 50}, {-50, 50}}
	got, _ = clipRing(big, box{0, 0, 10, 10}, nil, nil)
	if a := area(got); a != 100 && a != -100 {
		t.Errorf("ring around the rectangle clipped to area %v", a)
	}
}

func TestAppendCoord(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 12.3: "12.3", -0.04: "0", -0.05: "-0.1", -3.5: "-3.5", 999.96: "1000", 7.0: "7"} {
		if got := string(appendCoord(nil, math.Round(v*10)/10)); got != want {
			t.Errorf("appendCoord(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestWriteSVG writes the map to $ATLAS_SVG when it is set, for a look.
func TestWriteSVG(t *testing.T) {
	out := os.Getenv("ATLAS_SVG")
	if out == "" {
		t.Skip("set ATLAS_SVG=file.svg to write the map")
	}
	m := Europe()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d">`, m.Width, m.Height, m.Width, m.Height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#cde"/>`)
	for _, c := range m.Countries {
		fill := "#eee"
		if c.Code == "UKR" {
			fill = "#fd5"
		}
		fmt.Fprintf(&b, `<path d="%s" fill="%s" fill-rule="evenodd" stroke="#666" stroke-width="0.4"><title>%s</title></path>`, c.Path, fill, c.Name)
	}
	for _, p := range places {
		x, y := m.Project(p.latE6, p.lonE6)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="red"/>`, x, y)
	}
	b.WriteString("</svg>\n")
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkEurope(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildEurope(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProject(b *testing.B) {
	m := Europe()
	var sink float64
	i := int64(0)
	for b.Loop() {
		x, y := m.Project(50110000+i%1000, 22020000-i%1000)
		sink += x + y
		i++
	}
	_ = sink
}
