package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// shipmentsAtEveryStage plans shipments of 5 rounds each from the German
// depot to Kyiv and moves them to every stage: planned ahead, planned and
// not gone, dispatched, at the Rzeszów hub, on the last leg, delivered,
// held at the hub, held on the way, cancelled, and one through Romania.
// Each Each-engine database's clock stands at 2025-03-01 09:00.
func shipmentsAtEveryStage(t *testing.T, db *store.DB) []logistics.Shipment {
	t.Helper()
	ctx := storetest.Ctx()
	seedNetwork(t, db)
	_, _, al := allocated(t, db)
	svc := logi(db)
	base := time.Date(2025, 2, 27, 6, 0, 0, 0, time.UTC) // 20 h to the hub, 6 h there, 18 h to Kyiv
	move := func(action string, h int) logistics.Move {
		return logistics.Move{Action: action, At: base.Add(time.Duration(h) * time.Hour), Note: "as planned"}
	}
	for i, spec := range []struct {
		depart time.Time
		via    string
		moves  []logistics.Move
	}{
		{depart: base.AddDate(0, 0, 3)},
		{depart: base},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0)}},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0), move(logistics.Arrive, 20)}},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0), move(logistics.Arrive, 20), move(logistics.Depart, 26)}},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0), move(logistics.Arrive, 20), move(logistics.Depart, 26), move(logistics.Arrive, 44)}},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0), move(logistics.Arrive, 20), move(logistics.Hold, 22)}},
		{depart: base, moves: []logistics.Move{move(logistics.Dispatch, 0), move(logistics.Hold, 4)}},
		{depart: base, moves: []logistics.Move{move(logistics.Cancel, 1)}},
		{depart: base.AddDate(0, 0, 1), via: siteRO},
	} {
		in := logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: spec.depart, Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 5}}}
		if spec.via != "" {
			in.Via = []string{spec.via}
		}
		sh, err := svc.CreateShipment(ctx, in)
		if err != nil {
			t.Fatalf("shipment %d: %v", i, err)
		}
		for _, m := range spec.moves {
			if sh, err = svc.Hand(ctx, sh.ID, sh.Version, m); err != nil {
				t.Fatalf("shipment %d, %s: %v", i, m.Action, err)
			}
		}
	}
	all, err := db.Shipments(ctx, logistics.ShipmentFilter{}, list.Options{Limit: 100, Sort: "id"})
	if err != nil {
		t.Fatal(err)
	}
	return all.Items
}

func shipmentIDs(ships []logistics.Shipment) []int64 {
	ids := []int64{}
	for _, s := range ships {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

// within reports whether day t (UTC) falls from from to to, either empty
// for no bound.
func within(t time.Time, from, to string) bool {
	d := t.UTC().Format("2006-01-02")
	return (from == "" || d >= from) && (to == "" || d <= to)
}

// TestShipmentsArriving holds the store's filters of the shipments still
// to reach a site, by the day they are due there, to the rule of
// logistics.Shipment.Arriving, for every site and range of days, and the
// filters by the nations of the ends and the site that holds the goods to
// what they say.
func TestShipmentsArriving(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		all := shipmentsAtEveryStage(t, db)
		filtered := func(f logistics.ShipmentFilter) []int64 {
			t.Helper()
			p, err := db.Shipments(ctx, f, list.Options{Limit: 100})
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			if int(p.Total) != len(p.Items) {
				t.Errorf("%+v: total %d, %d listed", f, p.Total, len(p.Items))
			}
			return shipmentIDs(p.Items)
		}
		ranges := [][2]string{{"", ""}, {"2025-02-28", "2025-02-28"}, {"2025-03-01", "2025-03-01"}, {"2025-03-01", "2025-03-07"}, {"", "2025-02-28"}, {"2025-03-02", ""}, {"2025-03-04", "2025-03-04"}}
		some := 0
		for _, site := range []string{storetest.SiteHub, storetest.SiteKyiv, siteRO, siteDepot} {
			for _, r := range ranges {
				t.Run(fmt.Sprintf("%s %s..%s", site, r[0], r[1]), func(t *testing.T) {
					var want []logistics.Shipment
					for _, sh := range all {
						if at, ok := sh.Arriving(site); ok && within(at, r[0], r[1]) {
							want = append(want, sh)
						}
					}
					some += len(want)
					if got := filtered(logistics.ShipmentFilter{Arriving: site, DueFrom: r[0], DueTo: r[1]}); !slices.Equal(got, shipmentIDs(want)) {
						t.Errorf("arriving: %v, want %v", got, shipmentIDs(want))
					}
				})
			}
		}
		if some == 0 {
			t.Fatal("no shipment arrives anywhere: the fixture tests nothing")
		}
		// By ETA at the destination, of those not there yet.
		for _, r := range ranges[1:] {
			var want []logistics.Shipment
			for _, sh := range all {
				if _, ok := sh.Arriving(sh.Destination); ok && within(sh.ETA, r[0], r[1]) {
					want = append(want, sh)
				}
			}
			if got := filtered(logistics.ShipmentFilter{DueFrom: r[0], DueTo: r[1]}); !slices.Equal(got, shipmentIDs(want)) {
				t.Errorf("due %s..%s: %v, want %v", r[0], r[1], got, shipmentIDs(want))
			}
		}
		for name, tc := range map[string]struct {
			f    logistics.ShipmentFilter
			want func(logistics.Shipment) bool
		}{
			"from Germany":  {logistics.ShipmentFilter{FromNation: "deu"}, func(s logistics.Shipment) bool { return s.Origin == siteDepot }},
			"from Poland":   {logistics.ShipmentFilter{FromNation: "POL"}, func(s logistics.Shipment) bool { return false }},
			"to Ukraine":    {logistics.ShipmentFilter{ToNation: "UKR"}, func(s logistics.Shipment) bool { return s.Destination == storetest.SiteKyiv }},
			"to Germany":    {logistics.ShipmentFilter{ToNation: "DEU"}, func(s logistics.Shipment) bool { return false }},
			"at the hub":    {logistics.ShipmentFilter{At: storetest.SiteHub}, func(s logistics.Shipment) bool { return s.Location == storetest.SiteHub }},
			"held at a hub": {logistics.ShipmentFilter{At: storetest.SiteHub, State: logistics.Held}, func(s logistics.Shipment) bool { return s.Location == storetest.SiteHub && s.State == logistics.Held }},
			"arrived":       {logistics.ShipmentFilter{ToNation: "UKR", State: logistics.Delivered}, func(s logistics.Shipment) bool { return s.State == logistics.Delivered }},
		} {
			var want []logistics.Shipment
			for _, sh := range all {
				if tc.want(sh) {
					want = append(want, sh)
				}
			}
			if got := filtered(tc.f); !slices.Equal(got, shipmentIDs(want)) {
				t.Errorf("%s: %v, want %v", name, got, shipmentIDs(want))
			}
		}
	})
}
