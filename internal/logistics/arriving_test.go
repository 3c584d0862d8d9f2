package logistics_test

import (
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/logistics"
)

// TestShipmentArriving: a shipment has still to reach the end of the leg
// under way and of every leg after it, until the goods are there; once
// delivered, received or cancelled it arrives nowhere.
func TestShipmentArriving(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	legs := []logistics.Leg{{No: 1, From: "DEPOT", To: "HUB", Arrive: t0.Add(20 * time.Hour)}, {No: 2, From: "HUB", To: "FRONT", Arrive: t0.Add(44 * time.Hour)}}
	for _, tc := range []struct {
		name, state, location string
		leg                   int
		hub, front            bool
	}{
		{"planned", logistics.Planned, "DEPOT", 0, true, true},
		{"dispatched", logistics.Dispatched, "", 0, true, true},
		{"at the hub", logistics.AtHub, "HUB", 0, false, true},
		{"held at the hub", logistics.Held, "HUB", 0, false, true},
		{"held on the way", logistics.Held, "", 0, true, true},
		{"on the last leg", logistics.InTransit, "", 1, false, true},
		{"delivered", logistics.Delivered, "FRONT", 1, false, false},
		{"received", logistics.Received, "FRONT", 1, false, false},
		{"cancelled", logistics.Cancelled, "DEPOT", 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := logistics.Shipment{Origin: "DEPOT", Destination: "FRONT", State: tc.state, Location: tc.location, Leg: tc.leg, Legs: legs}
			for _, site := range []struct {
				code string
				want bool
				at   time.Time
			}{{"HUB", tc.hub, legs[0].Arrive}, {"FRONT", tc.front, legs[1].Arrive}, {"DEPOT", false, time.Time{}}, {"ELSEWHERE", false, time.Time{}}} {
				at, ok := sh.Arriving(site.code)
				if ok != site.want || (ok && !at.Equal(site.at)) {
					t.Errorf("arriving at %s: %v %v, want %v %v", site.code, at, ok, site.at, site.want)
				}
			}
		})
	}
}
