package logistics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
)

// network: a depot with a road to a slow hub and a rail line to a fast one,
// a repair shop (no hub) on a shortcut, and both hubs on to the front.
func network() logistics.Network {
	site := func(code string, kinds ...string) catalog.Site {
		return catalog.Site{Code: code, Name: code, Kinds: kinds}
	}
	return logistics.Network{
		Sites: map[string]catalog.Site{
			"DEPOT": site("DEPOT", "donor_depot"), "SLOW": site("SLOW", "logistics_hub"), "FAST": site("FAST", "logistics_hub"),
			"SHOP": site("SHOP", "repair_facility"), "FRONT": site("FRONT", "delivery_point"),
		},
		Hubs: map[string]logistics.Hub{"FAST": {Site: "FAST", DwellHours: 2, Configured: true}},
		Links: []logistics.Link{
			{ID: 1, From: "DEPOT", To: "SLOW", Mode: "road", TransitHours: 5},
			{ID: 2, From: "DEPOT", To: "FAST", Mode: "rail", TransitHours: 9},
			{ID: 3, From: "DEPOT", To: "FAST", Mode: "road", TransitHours: 8},
			{ID: 4, From: "SLOW", To: "FRONT", Mode: "road", TransitHours: 6},
			{ID: 5, From: "FAST", To: "FRONT", Mode: "rail", TransitHours: 6},
			{ID: 6, From: "DEPOT", To: "SHOP", Mode: "road", TransitHours: 1},
			{ID: 7, From: "SHOP", To: "FRONT", Mode: "road", TransitHours: 1},
		},
	}
}

func TestRouteCountsDwellAndPassesOnlyHubs(t *testing.T) {
	n := network()
	// Through SLOW: 5 + 12 (default dwell) + 6 = 23 h; through FAST: 8 + 2
	// + 6 = 16 h; through the shop, 2 h, but a repair shop passes nothing on.
	route, err := n.Route("DEPOT", "FRONT")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(route, ">"); got != "DEPOT>FAST>FRONT" {
		t.Errorf("route %s, want DEPOT>FAST>FRONT", got)
	}
	legs, err := n.Legs(route, nil)
	if err != nil {
		t.Fatal(err)
	}
	if legs[0].Link != 3 || legs[0].DwellHours != 2 || legs[1].DwellHours != 0 {
		t.Errorf("legs %+v: want the 8 h road link, 2 h dwell at FAST, none at the end", legs)
	}
	start := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	if eta := logistics.Schedule(legs, 0, start); !eta.Equal(start.Add(16 * time.Hour)) {
		t.Errorf("ETA %s, want 16 h after %s", eta, start)
	}
	if legs[1].Depart != start.Add(10*time.Hour) {
		t.Errorf("second leg departs %s, want after the 2 h dwell", legs[1].Depart)
	}
	if legs, err := n.Legs([]string{"DEPOT", "FAST", "FRONT"}, []string{"rail"}); err != nil || legs[0].Link != 2 {
		t.Errorf("a named mode: %+v %v", legs, err)
	}
	for name, route := range map[string][]string{
		"through a repair shop": {"DEPOT", "SHOP", "FRONT"},
		"a site that is not":    {"DEPOT", "NOWHERE", "FRONT"},
		"no link between":       {"FRONT", "DEPOT"},
	} {
		if _, err := n.Legs(route, nil); fault.Code(err) != fault.Invalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if _, err := n.Route("FRONT", "DEPOT"); fault.Code(err) != fault.Invalid {
		t.Errorf("no way back: %v", err)
	}
}

func TestLinkValidation(t *testing.T) {
	l := logistics.Link{From: " depot ", To: "DEPOT", Mode: "Teleport", TransitHours: 0, CapacityTonnesDay: -1}
	err := l.Validate()
	e := fault.As(err)
	if e == nil || len(e.Problems) != 4 {
		t.Fatalf("want four problems (same site, mode, transit, capacity): %v", err)
	}
	if l.From != "DEPOT" {
		t.Errorf("codes are normalised: %q", l.From)
	}
}
