package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/atlas"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
)

// mapView is the map page: the SVG drawn on the server and its legend.
type mapView struct {
	SVG     template.HTML
	Moving  int
	AtHubs  int
	Late    int
	Shades  []mapShade
	Marking access.Classification
	Width   int
	Height  int
	Sites   int
	Links   int
}

type mapShade struct {
	Class string
	From  money.Cents
}

func (s *Server) uiMap(w http.ResponseWriter, r *http.Request) error {
	v, err := s.buildMap(r.Context())
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "map", "Map", v, v.Marking)
}

// linkLoad is what moves on one link now.
type linkLoad struct {
	count int
	massG int64
}

// buildMap draws the network and the shipments moving on it over the
// boundaries of Europe, with nations shaded by the value they delivered.
func (s *Server) buildMap(ctx context.Context) (mapView, error) {
	m := atlas.Europe()
	v := mapView{Width: m.Width, Height: m.Height}
	n, err := s.Read.Logistics.Network(ctx)
	if err != nil {
		return v, err
	}
	hubs, err := s.Read.Logistics.Hubs(ctx, s.Now())
	if err != nil {
		return v, err
	}
	delivered, err := s.Read.Ledger.DeliveredByNation(ctx)
	if err != nil {
		return v, err
	}
	ships, err := s.Read.Logistics.MovingShipments(ctx)
	if err != nil {
		return v, err
	}
	now := s.Now()

	// Shades: five classes of delivered value, split at quantiles of the
	// nations that delivered anything.
	var values []money.Cents
	for _, c := range delivered {
		if c > 0 {
			values = append(values, c)
		}
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	var bounds []money.Cents
	for k := 0; k < 5 && len(values) > 0; k++ {
		b := values[k*len(values)/5]
		if len(bounds) == 0 || b > bounds[len(bounds)-1] {
			bounds = append(bounds, b)
			v.Shades = append(v.Shades, mapShade{Class: "s" + strconv.Itoa(len(bounds)), From: b})
		}
	}
	shade := func(code string) string {
		c := delivered[code]
		if c <= 0 {
			return "s0"
		}
		k := 0
		for i, b := range bounds {
			if c >= b {
				k = i + 1
			}
		}
		return "s" + strconv.Itoa(k)
	}

	var b strings.Builder
	b.Grow(260_000 + 90*len(ships))
	fmt.Fprintf(&b, `<svg class="map" id="map" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="Map of the logistics network and the shipments on it">`, m.Width, m.Height)
	b.WriteString(`<rect class="sea" width="100%" height="100%"/><g class="countries">`)
	for _, c := range m.Countries {
		title := c.Name
		if c.Code != "" && delivered[c.Code] > 0 {
			title += ": delivered " + delivered[c.Code].Human(false)
		}
		fmt.Fprintf(&b, `<path class="country %s" data-code="%s" d="%s"><title>%s</title></path>`, shade(c.Code), c.Code, c.Path, html.EscapeString(title))
	}
	b.WriteString(`</g>`)

	// Links, with what moves on each now.
	loads := map[int64]*linkLoad{}
	for _, sh := range ships {
		if (sh.State == logistics.Dispatched || sh.State == logistics.InTransit) && sh.Leg < len(sh.Legs) {
			l := loads[sh.Legs[sh.Leg].Link]
			if l == nil {
				l = &linkLoad{}
				loads[sh.Legs[sh.Leg].Link] = l
			}
			l.count++
			l.massG += sh.MassG
		}
	}
	pos := func(code string) (float64, float64, bool) {
		site, ok := n.Sites[code]
		if !ok {
			return 0, 0, false
		}
		x, y := m.Project(site.LatE6, site.LonE6)
		return x, y, true
	}
	b.WriteString(`<g class="links">`)
	for _, l := range n.Links {
		x1, y1, ok1 := pos(l.From)
		x2, y2, ok2 := pos(l.To)
		if !ok1 || !ok2 {
			continue
		}
		v.Links++
		ld := loads[l.ID]
		if ld == nil {
			ld = &linkLoad{}
		}
		info := fmt.Sprintf("%s → %s by %s\n%d h transit · %s t and %s pallets a day\nOn it now: %d shipment%s, %s t",
			siteName(n.Sites, l.From), siteName(n.Sites, l.To), l.Mode, l.TransitHours, formatInt(l.CapacityTonnesDay), formatInt(l.CapacityPalletsDay),
			ld.count, plural(ld.count), tonnes(ld.massG))
		if l.CapacityTonnesDay > 0 {
			info += fmt.Sprintf(" (%d%% of a day's capacity)", ld.massG/(l.CapacityTonnesDay*10_000))
		}
		esc := html.EscapeString(info)
		fmt.Fprintf(&b, `<g class="link mode-%s" data-link="%d" data-panel="%s" tabindex="0"><title>%s</title><line class="hit" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/></g>`,
			l.Mode, l.ID, esc, esc, x1, y1, x2, y2, x1, y1, x2, y2)
	}
	b.WriteString(`</g>`)

	// Shipments on their way, placed along their leg by the time elapsed.
	b.WriteString(`<g class="shipments">`)
	for _, sh := range ships {
		if sh.Classification > v.Marking {
			v.Marking = sh.Classification
		}
		switch {
		case sh.State == logistics.AtHub:
			v.AtHubs++
			continue
		case sh.State != logistics.Dispatched && sh.State != logistics.InTransit:
			continue
		case sh.Leg >= len(sh.Legs):
			continue
		}
		leg := sh.Legs[sh.Leg]
		x1, y1, ok1 := pos(leg.From)
		x2, y2, ok2 := pos(leg.To)
		if !ok1 || !ok2 {
			continue
		}
		f := 0.5
		if span := leg.Arrive.Sub(leg.Depart); span > 0 {
			f = math.Min(1, math.Max(0, float64(now.Sub(leg.Depart))/float64(span)))
		}
		cls := "ship"
		if sh.Late(now) {
			cls += " late"
			v.Late++
		}
		v.Moving++
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="2.5"><title>S-%05d %s → %s, ETA %s</title></circle>`,
			cls, x1+(x2-x1)*f, y1+(y2-y1)*f, sh.ID, leg.From, leg.To, sh.ETA.UTC().Format("2006-01-02 15:04"))
	}
	b.WriteString(`</g>`)

	// Sites, hubs with their load.
	hubLoad := map[string]logistics.HubLoad{}
	for _, h := range hubs {
		hubLoad[h.Site] = h
	}
	codes := make([]string, 0, len(n.Sites))
	for c := range n.Sites {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	b.WriteString(`<g class="sites">`)
	for _, c := range codes {
		site := n.Sites[c]
		x, y := m.Project(site.LatE6, site.LonE6)
		if x < 0 || y < 0 || x > float64(m.Width) || y > float64(m.Height) {
			continue
		}
		v.Sites++
		kind, r := "site", 3.5
		switch {
		case site.HasKind("logistics_hub"):
			kind, r = "hub", 7
		case site.HasKind("donor_depot"):
			kind, r = "depot", 4.5
		case site.HasKind("delivery_point"):
			kind, r = "delivery", 4.5
		}
		info := fmt.Sprintf("%s (%s, %s)\n%s", site.Name, site.Code, site.Nation, strings.ReplaceAll(strings.Join(site.Kinds, ", "), "_", " "))
		if h, ok := hubLoad[c]; ok {
			info += fmt.Sprintf("\nWaiting: %d shipment%s, %s t · inbound: %d, %s t\nStock %s t", h.AtHub, plural(int(h.AtHub)), tonnes(h.AtHubG), h.Inbound, tonnes(h.InboundG), tonnes(h.StockG))
			if h.Configured {
				info += fmt.Sprintf(" of %s t storage\nToday %s t handled of %s t a day", formatInt(h.StorageTonnes), tonnes(h.TodayG), formatInt(h.ThroughputTDay))
			}
		}
		esc := html.EscapeString(info)
		fmt.Fprintf(&b, `<g class="%s" data-site="%s" data-panel="%s" tabindex="0"><title>%s</title><circle cx="%.1f" cy="%.1f" r="%.1f"/><text x="%.1f" y="%.1f">%s</text></g>`,
			kind, c, esc, esc, x, y, r, x+r+2, y+3, html.EscapeString(c))
	}
	b.WriteString(`</g></svg>`)
	v.SVG = template.HTML(b.String())
	return v, nil
}

func siteName(sites map[string]catalog.Site, code string) string {
	if s, ok := sites[code]; ok {
		return s.Name
	}
	return code
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// tonnes writes grams as tonnes with one decimal.
func tonnes(g int64) string { return money.FormatDecimal((g+50_000)/100_000, 1) }
