package demo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/logistics"
)

// Links of the demo network: donor depots in several allied nations to the
// hubs at Rzeszów-Jasionka and in Romania, and on to the delivery points in
// Ukraine. Transit times and capacities are illustrative.
var Links = []logistics.Link{
	{From: "DE-DEP1", To: "PL-RZE", Mode: "road", TransitHours: 12, CapacityTonnesDay: 600, CapacityPalletsDay: 900, Notes: "A4 corridor"},
	{From: "DE-DEP1", To: "PL-RZE", Mode: "rail", TransitHours: 18, CapacityTonnesDay: 2_000, CapacityPalletsDay: 2_400},
	{From: "US-DEP1", To: "PL-RZE", Mode: "road", TransitHours: 18, CapacityTonnesDay: 500, CapacityPalletsDay: 700},
	{From: "US-DEP1", To: "PL-RZE", Mode: "air", TransitHours: 3, CapacityTonnesDay: 150, CapacityPalletsDay: 120, Notes: "Ramstein airlift"},
	{From: "FR-DEP1", To: "PL-RZE", Mode: "road", TransitHours: 24, CapacityTonnesDay: 400, CapacityPalletsDay: 600},
	{From: "GB-DEP1", To: "PL-RZE", Mode: "air", TransitHours: 4, CapacityTonnesDay: 120, CapacityPalletsDay: 100, Notes: "RAF Brize Norton airlift"},
	{From: "PL-DEP1", To: "PL-RZE", Mode: "road", TransitHours: 5, CapacityTonnesDay: 800, CapacityPalletsDay: 1_000},
	{From: "CZ-DEP1", To: "PL-RZE", Mode: "road", TransitHours: 9, CapacityTonnesDay: 500, CapacityPalletsDay: 700},
	{From: "CZ-DEP1", To: "RO-LENR", Mode: "road", TransitHours: 16, CapacityTonnesDay: 300, CapacityPalletsDay: 400},
	{From: "DE-DEP1", To: "RO-LENR", Mode: "road", TransitHours: 22, CapacityTonnesDay: 300, CapacityPalletsDay: 400},
	{From: "PL-RZE", To: "UA-LVIV", Mode: "road", TransitHours: 5, CapacityTonnesDay: 1_500, CapacityPalletsDay: 2_000},
	{From: "PL-RZE", To: "UA-KYIV", Mode: "rail", TransitHours: 14, CapacityTonnesDay: 2_500, CapacityPalletsDay: 3_000},
	{From: "PL-RZE", To: "UA-DNIPRO", Mode: "rail", TransitHours: 26, CapacityTonnesDay: 1_800, CapacityPalletsDay: 2_200},
	{From: "RO-LENR", To: "UA-LVIV", Mode: "road", TransitHours: 9, CapacityTonnesDay: 400, CapacityPalletsDay: 500},
	{From: "RO-LENR", To: "UA-KYIV", Mode: "road", TransitHours: 12, CapacityTonnesDay: 400, CapacityPalletsDay: 500},
	{From: "RO-LENR", To: "UA-DNIPRO", Mode: "road", TransitHours: 18, CapacityTonnesDay: 350, CapacityPalletsDay: 450},
	// Back out of Ukraine, for equipment going to repair (illustrative).
	{From: "UA-LVIV", To: "PL-RZE", Mode: "road", TransitHours: 5, CapacityTonnesDay: 600, CapacityPalletsDay: 600, Notes: "returns and repair convoys"},
	{From: "UA-KYIV", To: "PL-RZE", Mode: "rail", TransitHours: 14, CapacityTonnesDay: 1_000, CapacityPalletsDay: 1_000, Notes: "returns and repair convoys"},
	{From: "UA-DNIPRO", To: "PL-RZE", Mode: "rail", TransitHours: 26, CapacityTonnesDay: 800, CapacityPalletsDay: 800, Notes: "returns and repair convoys"},
	{From: "UA-DNIPRO", To: "RO-LENR", Mode: "road", TransitHours: 18, CapacityTonnesDay: 200, CapacityPalletsDay: 200, Notes: "returns and repair convoys"},
	{From: "PL-RZE", To: "PL-GLI", Mode: "rail", TransitHours: 8, CapacityTonnesDay: 500, CapacityPalletsDay: 500},
	{From: "PL-RZE", To: "PL-USRP", Mode: "road", TransitHours: 4, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
	{From: "PL-RZE", To: "LT-JON", Mode: "road", TransitHours: 14, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
	{From: "RO-LENR", To: "RO-SMR", Mode: "road", TransitHours: 6, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
	{From: "PL-GLI", To: "PL-RZE", Mode: "rail", TransitHours: 8, CapacityTonnesDay: 500, CapacityPalletsDay: 500},
	{From: "PL-USRP", To: "PL-RZE", Mode: "road", TransitHours: 4, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
	{From: "LT-JON", To: "PL-RZE", Mode: "road", TransitHours: 14, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
	{From: "RO-SMR", To: "RO-LENR", Mode: "road", TransitHours: 6, CapacityTonnesDay: 300, CapacityPalletsDay: 300},
}

// Hubs are the limits of the demo's hubs (illustrative).
var Hubs = map[string]logistics.Hub{
	"PL-RZE":  {ThroughputTDay: 3_000, StorageTonnes: 20_000, DwellHours: 12},
	"RO-LENR": {ThroughputTDay: 800, StorageTonnes: 6_000, DwellHours: 18},
}

// shipmentSpec is a demo shipment: goods of one pledge line (by pledge
// title and line index), a route, and how far it has come.
type shipmentSpec struct {
	pledge   string
	line     int
	qty      int64
	via      []string
	origin   string
	dest     string
	modes    []string
	departH  int // planned departure, hours from now
	moves    []demoMove
	received int64 // -1: not received
	kind     string
	reason   string
	override string // why the goods leave from somewhere else than their nation's depot
}

type demoMove struct {
	action string
	atH    int // hours from now
	to     string
	note   string
}

var shipments = []shipmentSpec{
	{pledge: "155 mm ammunition from industry", qty: 2_000, origin: "DE-DEP1", dest: "UA-DNIPRO", via: []string{"PL-RZE"}, modes: []string{"rail", "rail"}, departH: -130,
		moves:    []demoMove{{Dispatch, -128, "DB Cargo train 51870", ""}, {Arrive, -110, "", ""}, {Depart, -96, "Ukrzaliznytsia train 2201", ""}, {Arrive, -72, "", ""}},
		received: 1_988, kind: logistics.Damaged, reason: "12 rounds with damaged packaging set aside at unloading"},
	{pledge: "155 mm rounds and GMLRS", qty: 3_000, origin: "US-DEP1", dest: "UA-DNIPRO", via: []string{"PL-RZE"}, modes: []string{"road", "rail"}, departH: -40,
		moves: []demoMove{{Dispatch, -38, "Convoy 3/16", ""}, {Arrive, -19, "", ""}}, received: -1},
	{pledge: "Tactical radios and drones", qty: 300, origin: "GB-DEP1", dest: "UA-KYIV", via: []string{"PL-RZE"}, modes: []string{"air", "rail"}, departH: -80,
		moves: []demoMove{{Dispatch, -78, "RAF A400M", ""}, {Arrive, -74, "", ""}, {Depart, -60, "Ukrzaliznytsia train 2207", ""}}, received: -1},
	{pledge: "155 mm ammunition (CAESAR-compatible)", qty: 2_000, origin: "FR-DEP1", dest: "UA-DNIPRO", via: []string{"PL-RZE"}, departH: -20,
		moves: []demoMove{{Dispatch, -18, "Transports Lecomte, convoy 4", ""}}, received: -1},
	{pledge: "Piorun MANPADS", qty: 150, origin: "PL-DEP1", dest: "UA-DNIPRO", via: []string{"PL-RZE"}, departH: 30, received: -1},
	{pledge: "Stinger missiles", qty: 40, origin: "PL-DEP1", override: "Lithuanian stock staged at the Polish depot (illustrative)", dest: "UA-DNIPRO", via: []string{"PL-RZE"}, departH: -50,
		moves: []demoMove{{Dispatch, -49, "Convoy 7", ""}, {Arrive, -44, "", ""}, {Hold, -40, "", "export licence for the onward leg under review"}}, received: -1},
}

// Custody actions, named here for the table above.
const (
	Dispatch = logistics.Dispatch
	Arrive   = logistics.Arrive
	Depart   = logistics.Depart
	Hold     = logistics.Hold
)

// LoadLogistics adds the demo network (links and hub limits) and a few
// shipments at every stage, through the logistics use cases. It runs after
// Load, whose pledges the shipments carry.
func LoadLogistics(ctx context.Context, lg *logistics.Service, pledges func(context.Context) ([]assist.Pledge, error), now time.Time) error {
	ctx = access.WithIdentity(ctx, access.System.Named("demo"))
	for _, l := range Links {
		if _, err := lg.SaveLink(ctx, 0, 0, l); err != nil {
			return fmt.Errorf("demo link %s: %w", l.Ref(), err)
		}
	}
	// In the order of their codes, so that two loads of the demo are alike
	// to the last audit event.
	for _, site := range slices.Sorted(maps.Keys(Hubs)) {
		if _, err := lg.SetHub(ctx, site, 0, Hubs[site]); err != nil {
			return fmt.Errorf("demo hub %s: %w", site, err)
		}
	}
	ps, err := pledges(ctx)
	if err != nil {
		return err
	}
	byTitle := map[string]assist.Pledge{}
	for _, p := range ps {
		byTitle[p.Title] = p
	}
	hour := func(h int) time.Time { return now.Add(time.Duration(h) * time.Hour).Truncate(time.Minute) }
	for _, spec := range shipments {
		p, ok := byTitle[spec.pledge]
		if !ok {
			return fmt.Errorf("demo shipment: no pledge %q", spec.pledge)
		}
		var alloc int64
		err := lg.Store.Transact(ctx, func(tx logistics.Tx) error {
			als, err := tx.LineAllocations(ctx, p.Lines[spec.line].ID)
			if err == nil && len(als) > 0 {
				alloc = als[0].ID
			}
			return err
		})
		if err != nil || alloc == 0 {
			return fmt.Errorf("demo shipment of %q: no allocation (%v)", spec.pledge, err)
		}
		sh, err := lg.CreateShipment(ctx, logistics.NewShipment{Origin: spec.origin, Destination: spec.dest, Via: spec.via, Modes: spec.modes,
			PlannedDeparture: hour(spec.departH), Lines: []logistics.NewLine{{Allocation: alloc, Quantity: spec.qty}}, Notes: "illustrative", Override: spec.override})
		if err != nil {
			return fmt.Errorf("demo shipment of %q: %w", spec.pledge, err)
		}
		ref := sh.Ref()
		for _, m := range spec.moves {
			if sh, err = lg.Hand(ctx, sh.ID, sh.Version, logistics.Move{Action: m.action, At: hour(m.atH), To: m.to, Note: m.note}); err != nil {
				return fmt.Errorf("demo shipment %s %s: %w", ref, m.action, err)
			}
		}
		if spec.received >= 0 {
			rc := logistics.Receipt{To: "receiving unit (illustrative)", At: hour(spec.moves[len(spec.moves)-1].atH + 2),
				Lines: []logistics.ReceiptLine{{No: 1, Received: spec.received, Kind: spec.kind, Reason: spec.reason}}}
			if _, _, err := lg.Receive(ctx, sh.ID, sh.Version, rc); err != nil {
				return fmt.Errorf("demo shipment %s receipt: %w", ref, err)
			}
		}
	}
	return deliver(ctx, lg, &assist.Service{Store: ledgerStore{lg.Store}}, byTitle)
}

// ledgerStore lets the ledger's accept run in logistics' transactions:
// logistics.Tx holds assist.Tx.
type ledgerStore struct{ logistics.Store }

func (s ledgerStore) Transact(ctx context.Context, fn func(assist.Tx) error) error {
	return s.Store.Transact(ctx, func(tx logistics.Tx) error { return fn(tx) })
}
