package atlas

// A correction moves the polygon of one feature that contains a point to
// another feature, where it is merged with the polygons that it touches.
type correction struct {
	from, to string  // numeric ids
	lon, lat float64 // a point inside the polygon to move, in degrees
	why      string
}

// corrections are applied to the atlas before anything is drawn.
//
// Natural Earth draws countries as it judges them to be controlled on the
// ground, and version 4.1.0 (the one in world-atlas 2.0.2) gives Crimea to
// Russia. These maps show the internationally recognized borders instead.
var corrections = []correction{
	{
		from: "643", to: "804", lon: 34.10, lat: 44.95, // Simferopol
		why: "Crimea is part of Ukraine (UN General Assembly resolution 68/262); Natural Earth 4.1.0 draws it as Russian",
	},
}

// applyCorrections moves polygons between features as corrections says. It
// does nothing for a correction whose features or polygon are not found, so
// that a newer atlas which already draws the border is left alone.
func applyCorrections(fs []feature, arcs []arc, cs []correction) {
	index := make(map[string]int, len(fs))
	for i, f := range fs {
		if f.id != "" {
			index[f.id] = i
		}
	}
	for _, c := range cs {
		fi, ok1 := index[c.from]
		ti, ok2 := index[c.to]
		if !ok1 || !ok2 {
			continue
		}
		from, to := &fs[fi], &fs[ti]
		for pi, poly := range from.polygons {
			if len(poly) == 0 || !ringContains(geoRing(poly[0], arcs), c.lon, c.lat) {
				continue
			}
			from.polygons = append(from.polygons[:pi:pi], from.polygons[pi+1:]...)
			var rings [][]int
			for _, p := range append(to.polygons, poly) {
				rings = append(rings, p...)
			}
			to.polygons = to.polygons[:0:0]
			for _, r := range dissolve(rings, arcs) {
				to.polygons = append(to.polygons, [][]int{r})
			}
			break
		}
	}
}

// geoRing returns the points of a ring of arcs, in degrees (x is the
// longitude).
func geoRing(ring []int, arcs []arc) []point {
	var out []point
	for _, ai := range ring {
		pts := arcs[unrev(ai)].pts
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
		for j := range pts {
			if ai < 0 {
				j = len(pts) - 1 - j
			}
			out = append(out, point{pts[j][0], pts[j][1]})
		}
	}
	return out
}

// dissolve merges rings that share arcs: the arcs that the rings share are
// dropped, and the others are chained into new rings by their end points.
// Since every ring ends up in a single path filled with the even-odd rule,
// the grouping of rings into polygons does not matter. If the remaining arcs
// cannot be chained, the rings are returned as they were.
func dissolve(rings [][]int, arcs []arc) [][]int {
	count := map[int]int{}
	total := 0
	for _, r := range rings {
		for _, ai := range r {
			count[unrev(ai)]++
			total++
		}
	}
	var rest []int
	for _, r := range rings {
		for _, ai := range r {
			if count[unrev(ai)] == 1 {
				rest = append(rest, ai)
			}
		}
	}
	if len(rest) == total {
		return rings
	}
	ends := func(ai int) (first, last [2]float64) {
		pts := arcs[unrev(ai)].pts
		if ai < 0 {
			return pts[len(pts)-1], pts[0]
		}
		return pts[0], pts[len(pts)-1]
	}
	byStart := map[[2]float64][]int{}
	for i, ai := range rest {
		s, _ := ends(ai)
		byStart[s] = append(byStart[s], i)
	}
	used := make([]bool, len(rest))
	var out [][]int
	for i, ai := range rest {
		if used[i] {
			continue
		}
		used[i] = true
		ring := []int{ai}
		first, cur := ends(ai)
		for cur != first {
			next := -1
			for _, j := range byStart[cur] {
				if !used[j] {
					next = j
					break
				}
			}
			if next < 0 {
				return rings
			}
			used[next] = true
			ring = append(ring, rest[next])
			_, cur = ends(rest[next])
		}
		out = append(out, ring)
	}
	return out
}
