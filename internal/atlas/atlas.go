// Package atlas draws country outlines as SVG path data, so that maps can be
// rendered on the server without tiles or scripts.
//
// The outlines come from the Natural Earth 1:50m admin-0 countries, as
// published in TopoJSON by the world-atlas package and embedded in the binary
// (see data/README.md and data/LICENSE). Countries are identified by their
// ISO 3166-1 alpha-3 code.
package atlas

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"sync"
)

//go:embed data/countries-50m.json
var countries50m []byte

// A Map is a projected view of a region: country outlines as SVG path data in a viewBox of Width×Height.
//
// A Map returned by this package is shared between callers and must not be
// modified.
type Map struct {
	Width, Height int
	Countries     []Country // those that intersect the view, in a stable order

	proj   lcc     // projection from degrees to sphere units
	x0, y1 float64 // the view's west and north edges in sphere units
	scale  float64 // pixels per sphere unit

	rings  [][][]point      // per entry of Countries, its rings in pixels
	bboxes []box            // per entry of Countries, the bounding box of its rings
	byCode map[string][]int // alpha-3 code → indexes into Countries
}

// A Country is the outline of one country or territory on a Map.
//
// Path holds one closed subpath per ring, outer rings and holes alike; draw it
// with fill-rule="evenodd".
type Country struct {
	Code    string // ISO alpha-3 where known, else ""
	Numeric string // ISO numeric id from the atlas
	Name    string
	Path    string // SVG path data ("M… L… Z"), coordinates rounded to 0.1 and clipped/culled to the view, simplified so that the whole Europe map's paths total well under ~300 KB
}

// point is a position in pixels.
type point struct{ x, y float64 }

// view describes a Map to build.
type view struct {
	lonW, lonE, latS, latN float64 // the region in degrees; the Map covers the bounding box of its projection
	lat1, lat2             float64 // the standard parallels of the conic projection
	width                  int     // the Map's Width in pixels
	margin                 float64 // outlines are clipped this many pixels outside the view
	tolerance              float64 // points closer than this many pixels to the previous kept point are dropped
	minArea                float64 // rings smaller than this many square pixels are dropped
}

// europeView is Europe and Ukraine, from Ireland and Portugal to the Volga
// and from the North African coast to the North Cape, in a Lambert conformal
// conic projection centred on the region. Iceland lies inside the view.
var europeView = view{
	lonW: -12, lonE: 45, latS: 34, latN: 71,
	lat1: 35, lat2: 65,
	width:     1000,
	margin:    4,
	tolerance: 0.7,
	minArea:   0.5,
}

var (
	europeOnce sync.Once
	europeMap  *Map
)

// Europe returns the map of Europe and Ukraine (roughly lon -12..45, lat 34..71), Width 1000; built once and cached (sync.Once), safe for concurrent use.
//
// The projection is a Lambert conformal conic with standard parallels 35°N
// and 65°N and central meridian 16.5°E; the view is the bounding box of the
// projected region, so its corners reach somewhat beyond it (Iceland and the
// south tip of Greenland are inside, for example). Crimea is drawn as part of
// Ukraine (see corrections.go). Rings smaller than half a square pixel are
// dropped, so Monaco and Vatican City are not on the map at all.
func Europe() *Map {
	europeOnce.Do(func() {
		m, err := buildEurope()
		if err != nil {
			panic(err) // the embedded data is fixed, so this cannot happen in a released binary
		}
		europeMap = m
	})
	return europeMap
}

// buildEurope builds the Europe map from the embedded data, without caching.
func buildEurope() (*Map, error) { return build(countries50m, europeView) }

// Project returns the point for a latitude and longitude given in millionths of a degree (the store keeps coordinates as integers lat_e6, lon_e6).
//
// The point is in the Map's pixel coordinates: x grows east and y grows south,
// and points outside the view are returned as they are, not clamped. Because
// the projection is conic, meridians converge to the north: x grows with the
// longitude at a fixed latitude, and y falls as the latitude grows at a fixed
// longitude, but x also depends on the latitude.
func (m *Map) Project(latE6, lonE6 int64) (x, y float64) {
	return m.pixel(float64(lonE6)/1e6, float64(latE6)/1e6)
}

// pixel projects a longitude and latitude in degrees to pixels.
func (m *Map) pixel(lon, lat float64) (x, y float64) {
	px, py := m.proj.forward(lon, lat)
	return (px - m.x0) * m.scale, (m.y1 - py) * m.scale
}

// Contains reports whether the projected point lies inside the country with alpha-3 code (even-odd rule over its rings); used by tests and by callers.
//
// It tests the simplified outlines that are drawn, so points within about a
// pixel of a border may land on either side. It reports false for an empty or
// unknown code, and for countries outside the view.
func (m *Map) Contains(code string, x, y float64) bool {
	if code == "" {
		return false
	}
	for _, i := range m.byCode[code] {
		b := m.bboxes[i]
		if x < b.x0 || x > b.x1 || y < b.y0 || y > b.y1 {
			continue
		}
		in := false
		for _, r := range m.rings[i] {
			if ringContains(r, x, y) {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

// ringContains reports whether (x, y) is inside the closed ring r, by
// counting the crossings of a ray towards +x.
func ringContains(r []point, x, y float64) bool {
	in := false
	j := len(r) - 1
	for i := range r {
		a, b := r[i], r[j]
		if (a.y > y) != (b.y > y) && x < (b.x-a.x)*(y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
		j = i
	}
	return in
}

// build projects, simplifies, clips and culls the countries of a TopoJSON
// document for view v.
func build(data []byte, v view) (*Map, error) {
	arcs, features, err := decodeTopology(data, "countries")
	if err != nil {
		return nil, err
	}
	applyCorrections(features, arcs, corrections)

	proj := newLCC(v.lat1, v.lat2, (v.latS+v.latN)/2, (v.lonW+v.lonE)/2)
	// The view is the bounding box of the projected boundary of the region.
	pb := emptyBox()
	const steps = 256
	for i := 0; i <= steps; i++ {
		t := float64(i) / steps
		lon := v.lonW + t*(v.lonE-v.lonW)
		lat := v.latS + t*(v.latN-v.latS)
		pb.add(proj.forward(lon, v.latS))
		pb.add(proj.forward(lon, v.latN))
		pb.add(proj.forward(v.lonW, lat))
		pb.add(proj.forward(v.lonE, lat))
	}
	scale := float64(v.width) / (pb.x1 - pb.x0)
	m := &Map{
		Width:  v.width,
		Height: int(math.Ceil((pb.y1-pb.y0)*scale - 1e-6)),
		proj:   proj,
		x0:     pb.x0,
		y1:     pb.y1,
		scale:  scale,
		byCode: map[string][]int{},
	}
	viewBox := box{0, 0, float64(m.Width), float64(m.Height)}
	clipBox := box{-v.margin, -v.margin, viewBox.x1 + v.margin, viewBox.y1 + v.margin}
	geo := m.geoBounds(clipBox)

	type entry struct {
		c     Country
		rings [][]point
		bbox  box
	}
	var (
		entries []entry
		cache   = make([][]point, len(arcs)) // projected, simplified arcs
		ring    []point
		clipped []point
		scratch []point
	)
	for _, f := range features {
		fb := emptyBox()
		for _, poly := range f.polygons {
			for _, r := range poly {
				for _, ai := range r {
					fb.union(arcs[unrev(ai)].bbox)
				}
			}
		}
		if !fb.intersects(geo) {
			continue
		}
		e := entry{c: Country{Code: alpha3[f.id], Numeric: f.id, Name: f.name}, bbox: emptyBox()}
		for _, poly := range f.polygons {
			for _, r := range poly {
				ring = ring[:0]
				for _, ai := range r {
					i := unrev(ai)
					if cache[i] == nil {
						cache[i] = m.simplifyArc(arcs[i].pts, v.tolerance)
					}
					pts := cache[i]
					if len(ring) > 0 {
						ring = ring[:len(ring)-1] // arcs share their end points
					}
					if ai >= 0 {
						ring = append(ring, pts...)
					} else {
						for j := len(pts) - 1; j >= 0; j-- {
							ring = append(ring, pts[j])
						}
					}
				}
				if n := len(ring); n > 1 && ring[0] == ring[n-1] {
					ring = ring[:n-1]
				}
				if len(ring) < 3 || math.Abs(area(ring)) < v.minArea {
					continue
				}
				clipped, scratch = clipRing(ring, clipBox, clipped[:0], scratch[:0])
				out := roundRing(clipped)
				if len(out) < 3 {
					continue
				}
				rb := boundsOf(out)
				if !rb.intersects(viewBox) {
					continue
				}
				e.rings = append(e.rings, out)
				e.bbox.union(rb)
			}
		}
		if len(e.rings) == 0 {
			continue
		}
		e.c.Path = pathData(e.rings)
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("atlas: no country intersects the view")
	}

	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i].c, entries[j].c
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Numeric < b.Numeric
	})
	m.Countries = make([]Country, len(entries))
	m.rings = make([][][]point, len(entries))
	m.bboxes = make([]box, len(entries))
	for i, e := range entries {
		m.Countries[i] = e.c
		m.rings[i] = e.rings
		m.bboxes[i] = e.bbox
		if e.c.Code != "" {
			m.byCode[e.c.Code] = append(m.byCode[e.c.Code], i)
		}
	}
	return m, nil
}

// unrev returns the index of the arc that ai refers to: ~i means arc i
// reversed.
func unrev(ai int) int {
	if ai < 0 {
		return ^ai
	}
	return ai
}

// geoBounds returns a longitude/latitude box, in degrees, that holds every
// point of the pixel rectangle b, with half a degree to spare.
func (m *Map) geoBounds(b box) box {
	g := emptyBox()
	add := func(x, y float64) {
		lon, lat := m.proj.inverse(m.x0+x/m.scale, m.y1-y/m.scale)
		g.add(lon, lat)
	}
	const steps = 256
	for i := 0; i <= steps; i++ {
		t := float64(i) / steps
		x := b.x0 + t*(b.x1-b.x0)
		y := b.y0 + t*(b.y1-b.y0)
		add(x, b.y0)
		add(x, b.y1)
		add(b.x0, y)
		add(b.x1, y)
	}
	const pad = 0.5
	g = box{g.x0 - pad, g.y0 - pad, g.x1 + pad, g.y1 + pad}
	// If the pole is in view, every longitude is.
	ax, ay := (0-m.x0)*m.scale, (m.y1-m.proj.rho0)*m.scale
	if ax >= b.x0 && ax <= b.x1 && ay >= b.y0 && ay <= b.y1 {
		if m.proj.n > 0 {
			g.y1 = 90
		} else {
			g.y0 = -90
		}
		g.x0, g.x1 = -180, 180
	}
	if g.x0 < -180 || g.x1 > 180 {
		g.x0, g.x1 = -180, 180
	}
	return g
}
