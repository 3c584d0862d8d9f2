package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/plan"
)

var (
	m795    = catalog.Item{NSN: "1320-01-000-0002", MassG: 46_700, Group: "155MM"}
	dm121   = catalog.Item{NSN: "1320-12-000-0001", MassG: 46_000, Group: "155MM"}
	stinger = catalog.Item{NSN: "1410-01-000-0007", MassG: 15_200}
)

// network: a German depot, two hubs (Rzeszów, fast; Romania, slow) and
// two delivery points.
func network(rzeLimitT int64) logistics.Network {
	site := func(code, nation string, kinds ...string) catalog.Site {
		return catalog.Site{Code: code, Name: code, Nation: nation, Kinds: kinds}
	}
	return logistics.Network{
		Sites: map[string]catalog.Site{
			"DE-DEP": site("DE-DEP", "DEU", "donor_depot"), "PL-RZE": site("PL-RZE", "POL", "logistics_hub"),
			"RO-HUB": site("RO-HUB", "ROU", "logistics_hub"), "UA-KYIV": site("UA-KYIV", "UKR", "delivery_point"),
			"UA-DNIPRO": site("UA-DNIPRO", "UKR", "delivery_point"),
		},
		Hubs: map[string]logistics.Hub{
			"PL-RZE": {Site: "PL-RZE", ThroughputTDay: rzeLimitT, DwellHours: 12, Configured: true},
			"RO-HUB": {Site: "RO-HUB", ThroughputTDay: 1000, DwellHours: 24, Configured: true},
		},
		Links: []logistics.Link{
			{ID: 1, From: "DE-DEP", To: "PL-RZE", Mode: "road", TransitHours: 12},
			{ID: 2, From: "DE-DEP", To: "RO-HUB", Mode: "road", TransitHours: 30},
			{ID: 3, From: "PL-RZE", To: "UA-KYIV", Mode: "rail", TransitHours: 14},
			{ID: 4, From: "RO-HUB", To: "UA-KYIV", Mode: "road", TransitHours: 20},
			{ID: 5, From: "PL-RZE", To: "UA-DNIPRO", Mode: "rail", TransitHours: 26},
		},
	}
}

var start = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func served(p plan.Plan, need int) (q int64) {
	for _, l := range p.Lines {
		if l.Need == need {
			q += l.Quantity
		}
	}
	return q
}

func TestPriorityFirstWhenShort(t *testing.T) {
	in := plan.Input{
		Stock: []plan.Stock{{Pledge: 1, Line: 1, Item: stinger, Quantity: 100, Depot: "DE-DEP"}},
		Needs: []plan.Need{
			{Requirement: 1, NSN: stinger.NSN, Quantity: 80, Priority: 3, NeedBy: "2026-12-01", Site: "UA-KYIV"},
			{Requirement: 2, NSN: stinger.NSN, Quantity: 60, Priority: 1, NeedBy: "2026-12-20", Site: "UA-KYIV"},
		},
		Network: network(3000), Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	if served(p, 1) != 60 || served(p, 0) != 40 {
		t.Errorf("priority 1 got %d of 60, priority 3 got %d of 80; want 60 and 40", served(p, 1), served(p, 0))
	}
	if len(p.Unmet) != 1 || p.Unmet[0].Need != 0 || p.Unmet[0].Quantity != 40 || !strings.Contains(p.Unmet[0].Reason, "not enough compatible stock") {
		t.Errorf("unmet %+v", p.Unmet)
	}
	for _, l := range p.Lines {
		if strings.Join(l.Route, ">") != "DE-DEP>PL-RZE>UA-KYIV" || l.TransitHour != 12+12+14 {
			t.Errorf("line %+v: want the quickest route through Rzeszów, 38 h", l)
		}
	}
}

func TestInterchangeableItemsServe(t *testing.T) {
	in := plan.Input{
		Stock: []plan.Stock{{Pledge: 1, Line: 1, Item: dm121, Quantity: 500, Depot: "DE-DEP"}},
		Needs: []plan.Need{
			{Requirement: 1, NSN: m795.NSN, Item: &m795, Quantity: 200, Priority: 1, NeedBy: "2026-12-01", Site: "UA-DNIPRO"},
			{Requirement: 2, Group: "155MM", Quantity: 100, Priority: 2, NeedBy: "2026-12-01", Site: "UA-KYIV"},
			{Requirement: 3, NSN: stinger.NSN, Item: &stinger, Quantity: 5, Priority: 1, NeedBy: "2026-12-01", Site: "UA-KYIV"},
		},
		Network: network(3000), Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	if served(p, 0) != 200 || served(p, 1) != 100 {
		t.Errorf("DM121 rounds stand in for M795: served %d and %d, want 200 and 100", served(p, 0), served(p, 1))
	}
	if len(p.Unmet) != 1 || p.Unmet[0].Need != 2 || !strings.Contains(p.Unmet[0].Reason, "no compatible stock anywhere") {
		t.Errorf("unmet %+v: the Stingers have no stock", p.Unmet)
	}
}

func TestFullHubDivertsAndLateIsReported(t *testing.T) {
	// Rzeszów takes 1 t a day: 30 t over the horizon, about 652 rounds; the
	// rest goes the slow way through Romania and arrives after the need-by.
	in := plan.Input{
		Stock:   []plan.Stock{{Pledge: 1, Line: 1, Item: dm121, Quantity: 1000, Depot: "DE-DEP"}},
		Needs:   []plan.Need{{Requirement: 1, Group: "155MM", Quantity: 1000, Priority: 1, NeedBy: "2026-11-24", Site: "UA-KYIV"}},
		Network: network(1), Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	var viaRZE, viaRO int64
	late := 0
	for _, l := range p.Lines {
		switch l.Route[1] {
		case "PL-RZE":
			viaRZE += l.Quantity
		case "RO-HUB":
			viaRO += l.Quantity
			if l.DaysLate > 0 {
				late++
			}
		}
	}
	if viaRZE != 30*1_000_000/46_000 || viaRZE+viaRO != 1000 || late == 0 {
		t.Errorf("via Rzeszów %d (limit %d), via Romania %d, late lines %d", viaRZE, 30*1_000_000/46_000, viaRO, late)
	}
	if len(p.Unmet) != 0 {
		t.Errorf("a late route is better than none: unmet %+v", p.Unmet)
	}
	atLimit := false
	for _, h := range p.Hubs {
		if h.Site == "PL-RZE" {
			atLimit = h.AtLimit
		}
	}
	if !atLimit {
		t.Errorf("Rzeszów should be at its limit: %+v", p.Hubs)
	}
}

func TestSharedHubLimitAcrossClasses(t *testing.T) {
	// Two classes through Rzeszów, each light enough alone, too heavy
	// together: the shares are cut so the hub's limit holds.
	net := network(2) // 60 t over 30 days
	net.Links = net.Links[:1:1]
	net.Links = append(net.Links, logistics.Link{ID: 3, From: "PL-RZE", To: "UA-KYIV", Mode: "rail", TransitHours: 14})
	in := plan.Input{
		Stock: []plan.Stock{
			{Pledge: 1, Line: 1, Item: dm121, Quantity: 1000, Depot: "DE-DEP"},
			{Pledge: 2, Line: 2, Item: stinger, Quantity: 3000, Depot: "DE-DEP"},
		},
		Needs: []plan.Need{
			{Requirement: 1, Group: "155MM", Quantity: 1000, Priority: 1, NeedBy: "2026-12-20", Site: "UA-KYIV"},
			{Requirement: 2, NSN: stinger.NSN, Item: &stinger, Quantity: 3000, Priority: 2, NeedBy: "2026-12-20", Site: "UA-KYIV"},
		},
		Network: net, Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	var mass int64
	for _, l := range p.Lines {
		mass += l.Quantity * in.Stock[l.Stock].Item.MassG
	}
	if mass > 60_000_000 {
		t.Errorf("the plan sends %d g through a hub that takes 60 t", mass)
	}
	if p.Rounds < 2 || len(p.Unmet) == 0 || !strings.Contains(p.Unmet[0].Reason+p.Unmet[len(p.Unmet)-1].Reason, "PL-RZE") {
		t.Errorf("rounds %d, unmet %+v: the hub's limit should be named", p.Rounds, p.Unmet)
	}
}

func TestStockWithoutDepotIsNamed(t *testing.T) {
	in := plan.Input{
		Stock:   []plan.Stock{{Pledge: 1, Line: 1, Nation: "SWE", Item: stinger, Quantity: 10}},
		Needs:   []plan.Need{{Requirement: 1, NSN: stinger.NSN, Item: &stinger, Quantity: 5, Priority: 2, NeedBy: "2026-12-01", Site: "UA-KYIV"}},
		Network: network(3000), Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Unmet) != 1 || !strings.Contains(p.Unmet[0].Reason, "stock of SWE has no donor depot") {
		t.Errorf("unmet %+v", p.Unmet)
	}
}

func TestHubStorageLimits(t *testing.T) {
	// Rzeszów passes 1,000 t a day but stores 1 t, each tonne for 12 hours:
	// 2 t a day, 60 t over 30 days, about 1,304 rounds; the rest goes
	// through Romania.
	nw := network(1000)
	h := nw.Hubs["PL-RZE"]
	h.StorageTonnes = 1
	nw.Hubs["PL-RZE"] = h
	in := plan.Input{
		Stock:   []plan.Stock{{Pledge: 1, Line: 1, Item: dm121, Quantity: 2000, Depot: "DE-DEP"}},
		Needs:   []plan.Need{{Requirement: 1, Group: "155MM", Quantity: 2000, Priority: 1, NeedBy: "2026-12-20", Site: "UA-KYIV"}},
		Network: nw, Start: start, Horizon: 30,
	}
	p, err := plan.Make(in)
	if err != nil {
		t.Fatal(err)
	}
	var viaRZE int64
	for _, l := range p.Lines {
		if l.Route[1] == "PL-RZE" {
			viaRZE += l.Quantity
		}
	}
	want := int64(60 * 1_000_000 / 46_000)
	if viaRZE != want || served(p, 0) != 2000 {
		t.Errorf("via Rzeszów %d, want %d set by its storage; served %d of 2000", viaRZE, want, served(p, 0))
	}
	for _, hl := range p.Hubs {
		if hl.Site == "PL-RZE" && (hl.Binding != "storage" || hl.LimitG != 60_000_000 || !hl.AtLimit) {
			t.Errorf("Rzeszów's load: %+v", hl)
		}
		if hl.Site == "RO-HUB" && hl.Binding != "throughput" {
			t.Errorf("Romania stores nothing declared: its throughput binds, got %+v", hl)
		}
	}
}

func TestTightNeedGetsTheFastRoute(t *testing.T) {
	// 1,000 rounds for two requirements at Kyiv: 300 needed tomorrow, 700
	// next week. Rzeszów passes 652 in time for tomorrow; Romania's route
	// takes three days. The 300 must come through Rzeszów, whatever the
	// order the requirements are read in.
	tight := plan.Need{Requirement: 1, Group: "155MM", Quantity: 300, Priority: 2, NeedBy: "2026-11-24", Site: "UA-KYIV"}
	loose := plan.Need{Requirement: 2, Group: "155MM", Quantity: 700, Priority: 2, NeedBy: "2026-11-30", Site: "UA-KYIV"}
	for _, needs := range [][]plan.Need{{tight, loose}, {loose, tight}} {
		in := plan.Input{
			Stock:   []plan.Stock{{Pledge: 1, Line: 1, Item: dm121, Quantity: 1000, Depot: "DE-DEP"}},
			Needs:   needs,
			Network: network(1), Start: start, Horizon: 30,
		}
		p, err := plan.Make(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Lines {
			n := in.Needs[l.Need]
			if n.Requirement == 1 && (l.Route[1] != "PL-RZE" || l.DaysLate != 0) {
				t.Errorf("needs read as %d, %d: the tight requirement gets %d via %v, %d days late", needs[0].Requirement, needs[1].Requirement, l.Quantity, l.Route, l.DaysLate)
			}
			if l.DaysLate != 0 {
				t.Errorf("line %+v is late; nothing need be", l)
			}
		}
		if served(p, 0) != needs[0].Quantity || served(p, 1) != needs[1].Quantity {
			t.Errorf("served %d and %d", served(p, 0), served(p, 1))
		}
	}
}
