package atlas

import (
	"math"
	"strconv"
)

// simplifyArc projects an arc to pixels and drops every point closer than tol
// pixels to the previous kept point. The end points are always kept, so arcs
// shared by two countries stay joined, and both countries get the same border.
func (m *Map) simplifyArc(pts [][2]float64, tol float64) []point {
	out := make([]point, 0, min(len(pts), 16))
	tol2 := tol * tol
	last := len(pts) - 1
	for i, p := range pts {
		x, y := m.pixel(p[0], p[1])
		q := point{x, y}
		if i > 0 && i < last {
			prev := out[len(out)-1]
			if dx, dy := q.x-prev.x, q.y-prev.y; dx*dx+dy*dy < tol2 {
				continue
			}
		}
		out = append(out, q)
	}
	return out
}

// area returns the signed area of a ring in square pixels.
func area(r []point) float64 {
	var s float64
	j := len(r) - 1
	for i := range r {
		s += (r[j].x - r[i].x) * (r[j].y + r[i].y)
		j = i
	}
	return s / 2
}

// boundsOf returns the bounding box of r.
func boundsOf(r []point) box {
	b := emptyBox()
	for _, p := range r {
		b.add(p.x, p.y)
	}
	return b
}

// clipRing clips the closed ring r to the rectangle c (Sutherland–Hodgman).
// The result is a closed ring, possibly with edges running along c, which
// fills the same area inside c as r. out and scratch are buffers to reuse; the
// result is built in one of them, and the other is returned for reuse.
func clipRing(r []point, c box, out, scratch []point) (clipped, spare []point) {
	if b := boundsOf(r); b.x0 >= c.x0 && b.x1 <= c.x1 && b.y0 >= c.y0 && b.y1 <= c.y1 {
		return append(out[:0], r...), scratch
	}
	in, dst := r, out[:0]
	spare = scratch[:0]
	for edge := range 4 {
		dst = dst[:0]
		inside := func(p point) bool {
			switch edge {
			case 0:
				return p.x >= c.x0
			case 1:
				return p.x <= c.x1
			case 2:
				return p.y >= c.y0
			default:
				return p.y <= c.y1
			}
		}
		cross := func(a, b point) point {
			var t float64
			switch edge {
			case 0:
				t = (c.x0 - a.x) / (b.x - a.x)
				return point{c.x0, a.y + t*(b.y-a.y)}
			case 1:
				t = (c.x1 - a.x) / (b.x - a.x)
				return point{c.x1, a.y + t*(b.y-a.y)}
			case 2:
				t = (c.y0 - a.y) / (b.y - a.y)
				return point{a.x + t*(b.x-a.x), c.y0}
			default:
				t = (c.y1 - a.y) / (b.y - a.y)
				return point{a.x + t*(b.x-a.x), c.y1}
			}
		}
		if len(in) == 0 {
			break
		}
		prev := in[len(in)-1]
		prevIn := inside(prev)
		for _, p := range in {
			pIn := inside(p)
			switch {
			case pIn && prevIn:
				dst = append(dst, p)
			case pIn:
				dst = append(dst, cross(prev, p), p)
			case prevIn:
				dst = append(dst, cross(prev, p))
			}
			prev, prevIn = p, pIn
		}
		// The output of this pass is the input of the next; the buffer that
		// held the input (never r itself after the first pass) is reused.
		if edge == 0 {
			in, dst = dst, spare
		} else {
			in, dst = dst, in
		}
	}
	return in, dst[:0]
}

// roundRing returns a copy of r with its coordinates rounded to 0.1 pixel and
// repeated points removed.
func roundRing(r []point) []point {
	out := make([]point, 0, len(r))
	for _, p := range r {
		q := point{math.Round(p.x*10) / 10, math.Round(p.y*10) / 10}
		if n := len(out); n > 0 && out[n-1] == q {
			continue
		}
		out = append(out, q)
	}
	for n := len(out); n > 1 && out[0] == out[n-1]; n = len(out) {
		out = out[:n-1]
	}
	return out
}

// pathData writes rings as SVG path data: "M x,y L x,y x,y … Z" for each,
// without spaces around the commands.
func pathData(rings [][]point) string {
	n := 0
	for _, r := range rings {
		n += 2 + 10*len(r)
	}
	b := make([]byte, 0, n)
	for _, r := range rings {
		for i, p := range r {
			switch i {
			case 0:
				b = append(b, 'M')
			case 1:
				b = append(b, 'L')
			default:
				b = append(b, ' ')
			}
			b = appendCoord(b, p.x)
			b = append(b, ',')
			b = appendCoord(b, p.y)
		}
		b = append(b, 'Z')
	}
	return string(b)
}

// appendCoord appends v, a multiple of 0.1, with at most one decimal.
func appendCoord(b []byte, v float64) []byte {
	t := int64(math.Round(v * 10))
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t/10, 10)
	if d := t % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
}
