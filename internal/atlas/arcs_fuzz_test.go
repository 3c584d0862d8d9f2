package atlas

import (
	"encoding/json"
	"testing"
)

// FuzzParseArcs holds parseArcs, the hand-written reader of a TopoJSON
// document's arcs (the map's country outlines), to encoding/json as the
// reference: it accepts exactly the JSON arrays of non-empty arcs of
// positions of two or more numbers that encoding/json reads into float64s,
// and gives the same first two numbers of each position. The seeds are arcs
// of the embedded Natural Earth file and the edges of JSON numbers.
//
//	go test ./internal/atlas -run '^$' -fuzz '^FuzzParseArcs$' -fuzztime 10m -parallel 1
func FuzzParseArcs(f *testing.F) {
	for _, s := range []string{
		`[[[58690,38938],[-25,33],[-34,22],[-44,9],[-57,-4],[-69,-18],[-75,22],[-80,62],[-67,22],[-79,-27],[-4,-1]]]`, // countries-50m.json
		" [ [[1, -2.5e1, 7], [ -0 ,3.25]] ,[[123456789012345678,1E2]]]\n", `[]`, `[[]]`, `[[[1]]]`, `[[[01,2]]]`, `[[[1.,2]]]`, `[[[.5,2]]]`,
		`[[[+1,2]]]`, `[[[-,2]]]`, `[[[1e400,2]]]`, `[[[1e,2]]]`, `[[[1,2]],]`, `[[[1,2]]] x`, `[[[0x10,2]]]`, `[[[1_0,2]]]`, `[[[-01,2]]]`,
		`[[[1234567890123456,2]]]`, `[[[1,2],[3,4]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := parseArcs(data)
		var ref [][][]float64
		refErr := json.Unmarshal(data, &ref)
		refOK := refErr == nil
		for _, a := range ref {
			refOK = refOK && len(a) > 0
			for _, p := range a {
				refOK = refOK && len(p) >= 2
			}
		}
		if ref == nil && refErr == nil {
			refOK = false // null is not an array of arcs
		}
		if (err == nil) != refOK {
			t.Fatalf("parseArcs(%q) = %v, %v; encoding/json: %v, valid=%v", data, got, err, refErr, refOK)
		}
		if err != nil {
			return
		}
		if len(got) != len(ref) {
			t.Fatalf("parseArcs(%q): %d arcs, encoding/json %d", data, len(got), len(ref))
		}
		for i := range got {
			if len(got[i]) != len(ref[i]) {
				t.Fatalf("parseArcs(%q): arc %d has %d positions, encoding/json %d", data, i, len(got[i]), len(ref[i]))
			}
			for j, p := range got[i] {
				if p[0] != ref[i][j][0] || p[1] != ref[i][j][1] {
					t.Fatalf("parseArcs(%q): arc %d position %d is %v, encoding/json %v", data, i, j, p, ref[i][j])
				}
			}
		}
	})
}
