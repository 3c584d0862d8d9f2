package atlas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// topology is the part of a TopoJSON document that the package reads.
type topology struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]struct {
		Type       string     `json:"type"`
		Geometries []geometry `json:"geometries"`
	} `json:"objects"`
	Arcs json.RawMessage `json:"arcs"` // decoded by parseArcs, which is much faster than encoding/json here
}

// geometry is one feature of a GeometryCollection.
type geometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
	Arcs json.RawMessage `json:"arcs"`
}

// feature is a decoded country: its id, name and polygons, each polygon a
// list of rings and each ring a list of arc indexes (~i is arc i reversed).
type feature struct {
	id, name string
	polygons [][][]int
}

// arc is a decoded arc: longitude/latitude pairs in degrees and their
// bounding box.
type arc struct {
	pts  [][2]float64
	bbox box
}

// box is an axis-aligned rectangle.
type box struct{ x0, y0, x1, y1 float64 }

func emptyBox() box { return box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

func (b *box) add(x, y float64) {
	b.x0, b.x1 = min(b.x0, x), max(b.x1, x)
	b.y0, b.y1 = min(b.y0, y), max(b.y1, y)
}

func (b *box) union(c box) {
	b.x0, b.x1 = min(b.x0, c.x0), max(b.x1, c.x1)
	b.y0, b.y1 = min(b.y0, c.y0), max(b.y1, c.y1)
}

func (b box) intersects(c box) bool {
	return b.x0 <= c.x1 && c.x0 <= b.x1 && b.y0 <= c.y1 && c.y0 <= b.y1
}

// decodeTopology parses a TopoJSON document and returns its arcs, with the
// quantization undone, and the features of the named GeometryCollection.
func decodeTopology(data []byte, object string) ([]arc, []feature, error) {
	var t topology
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, nil, fmt.Errorf("atlas: decode topology: %w", err)
	}
	if t.Type != "Topology" {
		return nil, nil, fmt.Errorf("atlas: type %q, want Topology", t.Type)
	}
	obj, ok := t.Objects[object]
	if !ok {
		return nil, nil, fmt.Errorf("atlas: no object %q", object)
	}

	rawArcs, err := parseArcs(t.Arcs)
	if err != nil {
		return nil, nil, err
	}
	arcs := make([]arc, len(rawArcs))
	for i, raw := range rawArcs {
		a := arc{pts: raw, bbox: emptyBox()}
		if t.Transform != nil {
			// Quantized topology: the first position is absolute, the others
			// are deltas from the previous one, all in quantized units.
			sx, sy := t.Transform.Scale[0], t.Transform.Scale[1]
			tx, ty := t.Transform.Translate[0], t.Transform.Translate[1]
			var qx, qy float64
			for j, p := range raw {
				qx += p[0]
				qy += p[1]
				raw[j] = [2]float64{qx*sx + tx, qy*sy + ty}
			}
		}
		for _, p := range raw {
			a.bbox.add(p[0], p[1])
		}
		arcs[i] = a
	}

	features := make([]feature, 0, len(obj.Geometries))
	for gi, g := range obj.Geometries {
		f := feature{id: decodeID(g.ID), name: g.Properties.Name}
		switch g.Type {
		case "Polygon":
			var rings [][]int
			if err := json.Unmarshal(g.Arcs, &rings); err != nil {
				return nil, nil, fmt.Errorf("atlas: geometry %d (%s): %w", gi, f.name, err)
			}
			f.polygons = [][][]int{rings}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &f.polygons); err != nil {
				return nil, nil, fmt.Errorf("atlas: geometry %d (%s): %w", gi, f.name, err)
			}
		default:
			// Null geometries, points and lines have no area to draw.
			continue
		}
		for _, poly := range f.polygons {
			for _, ring := range poly {
				for _, ai := range ring {
					if ai < 0 {
						ai = ^ai
					}
					if ai >= len(arcs) {
						return nil, nil, fmt.Errorf("atlas: geometry %d (%s): arc %d out of range", gi, f.name, ai)
					}
				}
			}
		}
		features = append(features, f)
	}
	return arcs, features, nil
}

// decodeID returns a feature id given as a JSON string or number, or "" when
// it is missing or null.
func decodeID(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ""
		}
		return s
	}
	return string(raw)
}

// parseArcs parses the "arcs" member of a topology: an array of arcs, each a
// non-empty array of positions, each an array of two or more numbers of which
// the first two are kept.
func parseArcs(data []byte) ([][][2]float64, error) {
	p := arcParser{data: data}
	var (
		all    = make([][2]float64, 0, bytes.Count(data, []byte{'['})) // a little more than the positions
		bounds = []int{0}                                              // arc i is all[bounds[i]:bounds[i+1]]
	)
	if !p.eat('[') {
		return nil, p.fail("'['")
	}
	for first := true; !p.eat(']'); first = false {
		if !first && !p.eat(',') {
			return nil, p.fail("',' or ']'")
		}
		if !p.eat('[') {
			return nil, p.fail("'['")
		}
		for firstPos := true; !p.eat(']'); firstPos = false {
			if !firstPos && !p.eat(',') {
				return nil, p.fail("',' or ']'")
			}
			if !p.eat('[') {
				return nil, p.fail("'['")
			}
			var pos [2]float64
			k := 0
			for ; !p.eat(']'); k++ {
				if k > 0 && !p.eat(',') {
					return nil, p.fail("',' or ']'")
				}
				v, ok := p.number()
				if !ok {
					return nil, p.fail("a number")
				}
				if k < 2 {
					pos[k] = v
				}
			}
			if k < 2 {
				return nil, p.fail("a position of two numbers")
			}
			all = append(all, pos)
		}
		if len(all) == bounds[len(bounds)-1] {
			return nil, fmt.Errorf("atlas: arc %d is empty", len(bounds)-1)
		}
		bounds = append(bounds, len(all))
	}
	p.skip()
	if p.i != len(p.data) {
		return nil, p.fail("the end of the arcs")
	}
	arcs := make([][][2]float64, len(bounds)-1)
	for i := range arcs {
		arcs[i] = all[bounds[i]:bounds[i+1]:bounds[i+1]]
	}
	return arcs, nil
}

// arcParser reads JSON arrays of numbers.
type arcParser struct {
	data []byte
	i    int
}

// skip moves past white space.
func (p *arcParser) skip() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat moves past white space and then c, and reports whether c was there.
func (p *arcParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// number reads a JSON number.
func (p *arcParser) number() (float64, bool) {
	p.skip()
	start := p.i
	neg := p.i < len(p.data) && p.data[p.i] == '-'
	if neg {
		p.i++
	}
	// Fast path: an integer of up to 15 digits is exact in a float64.
	var n int64
	digits := 0
	for p.i < len(p.data) && p.data[p.i] >= '0' && p.data[p.i] <= '9' {
		n = n*10 + int64(p.data[p.i]-'0')
		p.i++
		digits++
		if digits > 15 {
			break
		}
	}
	if digits > 0 && digits <= 15 && (p.i == len(p.data) || !isNumberByte(p.data[p.i])) {
		if digits > 1 && n < pow10[digits-1] { // a leading zero, as in 01
			return 0, false
		}
		if neg {
			n = -n
		}
		return float64(n), true
	}
	for p.i < len(p.data) && isNumberByte(p.data[p.i]) {
		p.i++
	}
	if !jsonNumber(p.data[start:p.i]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(p.data[start:p.i]), 64)
	return v, err == nil
}

var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// jsonNumber reports whether b is a number as JSON writes one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. strconv.ParseFloat also
// reads "+1", ".5", "1." and "01", which are not JSON.
func jsonNumber(b []byte) bool {
	i := 0
	digits := func() int {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// fail returns an error for unexpected input at the parser's position.
func (p *arcParser) fail(want string) error {
	got := "end of input"
	if p.i < len(p.data) {
		got = fmt.Sprintf("%q", p.data[p.i:min(p.i+10, len(p.data))])
	}
	return fmt.Errorf("atlas: arcs: want %s at offset %d, got %s", want, p.i, got)
}
