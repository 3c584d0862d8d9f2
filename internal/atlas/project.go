package atlas

import "math"

// lcc is a Lambert conformal conic projection on the unit sphere. Its output
// is in units of the sphere's radius, with x growing east and y growing north.
type lcc struct {
	n, f, rho0, lon0 float64 // lon0 in radians
}

// maxLat keeps latitudes away from the south pole, where the cone's radius
// is infinite.
const maxLat = 89.999

// newLCC returns the projection with standard parallels lat1 and lat2,
// origin latitude lat0 and central meridian lon0, all in degrees.
func newLCC(lat1, lat2, lat0, lon0 float64) lcc {
	r1, r2 := rad(lat1), rad(lat2)
	var n float64
	if math.Abs(lat1-lat2) < 1e-9 {
		n = math.Sin(r1)
	} else {
		n = math.Log(math.Cos(r1)/math.Cos(r2)) /
			math.Log(math.Tan(math.Pi/4+r2/2)/math.Tan(math.Pi/4+r1/2))
	}
	f := math.Cos(r1) * math.Pow(math.Tan(math.Pi/4+r1/2), n) / n
	p := lcc{n: n, f: f, lon0: rad(lon0)}
	p.rho0 = p.rho(lat0)
	return p
}

func rad(deg float64) float64 { return deg * (math.Pi / 180) }

func deg(rad float64) float64 { return rad * (180 / math.Pi) }

// rho is the radius of the parallel at lat degrees.
func (p lcc) rho(lat float64) float64 {
	lat = max(-maxLat, min(maxLat, lat))
	return p.f / math.Pow(math.Tan(math.Pi/4+rad(lat)/2), p.n)
}

// forward projects a longitude and latitude in degrees.
func (p lcc) forward(lon, lat float64) (x, y float64) {
	rho := p.rho(lat)
	theta := p.n * (rad(lon) - p.lon0)
	s, c := math.Sincos(theta)
	return rho * s, p.rho0 - rho*c
}

// inverse returns the longitude and latitude in degrees of a projected point.
func (p lcc) inverse(x, y float64) (lon, lat float64) {
	dy := p.rho0 - y
	rho := math.Copysign(math.Hypot(x, dy), p.n)
	theta := math.Atan2(x, dy)
	if p.n < 0 {
		theta = math.Atan2(-x, -dy)
	}
	lon = deg(theta/p.n + p.lon0)
	if rho == 0 {
		return lon, math.Copysign(90, p.n)
	}
	lat = deg(2*math.Atan(math.Pow(p.f/rho, 1/p.n)) - math.Pi/2)
	return lon, lat
}
