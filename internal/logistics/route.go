package logistics

import (
	"container/heap"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Network is the sites, hubs and links a route is planned over.
type Network struct {
	Sites map[string]catalog.Site
	Hubs  map[string]Hub
	Links []Link
}

// dwell is how long goods wait at a hub between legs.
func (n *Network) dwell(site string) int64 {
	if h, ok := n.Hubs[site]; ok && h.Configured {
		return h.DwellHours
	}
	return DefaultDwellHours
}

// DepotOf is the first donor depot of nation, by code, or "" when it has
// none.
func (n *Network) DepotOf(nation string) string {
	best := ""
	for code, s := range n.Sites {
		if s.Nation == nation && s.HasKind("donor_depot") && (best == "" || code < best) {
			best = code
		}
	}
	return best
}

// isHub reports whether goods may pass through site.
func (n *Network) isHub(site string) bool {
	s, ok := n.Sites[site]
	return ok && s.HasKind("logistics_hub")
}

// fastest is the quickest link from a to b, of mode if one is named.
func (n *Network) fastest(a, b, mode string) (Link, bool) {
	var best Link
	found := false
	for _, l := range n.Links {
		if l.From != a || l.To != b || (mode != "" && l.Mode != mode) {
			continue
		}
		if !found || l.TransitHours < best.TransitHours || (l.TransitHours == best.TransitHours && l.ID < best.ID) {
			best, found = l, true
		}
	}
	return best, found
}

// Legs turns a route (origin, the hubs between, destination) into legs,
// each along the fastest link between its ends of the mode named for it
// (modes may be shorter than the route, or empty). Every site between the
// ends must be a logistics hub.
func (n *Network) Legs(route []string, modes []string) ([]Leg, error) {
	var errs fault.List
	for i, s := range route {
		if _, ok := n.Sites[s]; !ok {
			errs.Add("via", "no site %q", s)
			continue
		}
		if i > 0 && i < len(route)-1 && !n.isHub(s) {
			errs.Add("via", "%s (%s) is not a logistics hub: goods pass only through hubs", s, n.Sites[s].Name)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var legs []Leg
	for i := 0; i+1 < len(route); i++ {
		mode := ""
		if i < len(modes) {
			mode = modes[i]
		}
		l, ok := n.fastest(route[i], route[i+1], mode)
		if !ok {
			what := "no link"
			if mode != "" {
				what = "no " + mode + " link"
			}
			errs.Add("via", "%s from %s to %s: add one to the network or route the shipment another way", what, route[i], route[i+1])
			continue
		}
		leg := Leg{No: i + 1, From: l.From, To: l.To, Link: l.ID, Mode: l.Mode, TransitHours: l.TransitHours}
		if i+2 < len(route) {
			leg.DwellHours = n.dwell(l.To)
		}
		legs = append(legs, leg)
	}
	return legs, errs.Err()
}

// Route finds the quickest way from origin to destination, counting transit
// and the dwell at each hub passed, and passing only through hubs.
func (n *Network) Route(origin, destination string) ([]string, error) {
	if _, ok := n.Sites[origin]; !ok {
		return nil, fault.Field("origin", "no site %q", origin)
	}
	if _, ok := n.Sites[destination]; !ok {
		return nil, fault.Field("destination", "no site %q", destination)
	}
	if origin == destination {
		return nil, fault.Field("destination", "is the origin: a shipment goes somewhere else")
	}
	out := map[string][]Link{}
	for _, l := range n.Links {
		out[l.From] = append(out[l.From], l)
	}
	dist := map[string]int64{origin: 0}
	prev := map[string]string{}
	q := &queue{{site: origin}}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		if it.hours > dist[it.site] {
			continue
		}
		if it.site == destination {
			break
		}
		if it.site != origin && !n.isHub(it.site) {
			continue // only hubs pass goods on
		}
		wait := int64(0)
		if it.site != origin {
			wait = n.dwell(it.site)
		}
		for _, l := range out[it.site] {
			d := it.hours + wait + l.TransitHours
			if old, ok := dist[l.To]; !ok || d < old {
				dist[l.To], prev[l.To] = d, it.site
				heap.Push(q, item{site: l.To, hours: d})
			}
		}
	}
	if _, ok := dist[destination]; !ok {
		return nil, fault.Field("via", "no route from %s to %s through the network's hubs: add links or name the hubs", origin, destination)
	}
	route := []string{destination}
	for s := destination; s != origin; {
		s = prev[s]
		route = append([]string{s}, route...)
	}
	return route, nil
}

type item struct {
	site  string
	hours int64
}

type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].hours < q[j].hours || (q[i].hours == q[j].hours && q[i].site < q[j].site)
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any     { old := *q; x := old[len(old)-1]; *q = old[:len(old)-1]; return x }

// Schedule sets the planned times of legs from leg index from on, starting
// at start: each leg departs when the one before arrived plus the dwell at
// the hub between. It returns the ETA at the destination.
func Schedule(legs []Leg, from int, start time.Time) time.Time {
	t := start
	for i := from; i < len(legs); i++ {
		legs[i].Depart = t
		t = t.Add(time.Duration(legs[i].TransitHours) * time.Hour)
		legs[i].Arrive = t
		t = t.Add(time.Duration(legs[i].DwellHours) * time.Hour)
	}
	if len(legs) == 0 {
		return start
	}
	return legs[len(legs)-1].Arrive
}
