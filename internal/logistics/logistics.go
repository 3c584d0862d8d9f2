// Package logistics owns the network between donor depots, logistics hubs
// and delivery points, the shipments that move allocated goods along it
// with their custody chain, the discrepancies found on receipt, and the
// stock held at the hubs.
//
// Its rules live here once: a shipment carries no more than is allocated and
// not yet shipped, passes only through hubs, moves forward through its
// states, is handed on only by whoever holds it, and is received once; what
// was sent always equals what was received plus its open discrepancies and
// resolved losses. Dispatch and receipt move the pledge lines' shipped and
// delivered quantities through the ledger (package assist) in the same
// transaction.
package logistics

import (
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Modes of transport on a link.
var Modes = []string{"road", "rail", "air", "sea"}

// Shipment states, in the order they are reached; held and cancelled stand
// aside.
const (
	Planned    = "planned"
	Dispatched = "dispatched"
	AtHub      = "at_hub"
	InTransit  = "in_transit"
	Delivered  = "delivered"
	Received   = "received"
	Held       = "held"
	Cancelled  = "cancelled"
)

// States lists every shipment state.
var States = []string{Planned, Dispatched, AtHub, InTransit, Delivered, Received, Held, Cancelled}

// Custody actions: each hands the goods on and moves the shipment forward.
const (
	Dispatch = "dispatch" // the origin hands the goods to the carrier
	Arrive   = "arrive"   // the carrier hands them to the next hub, or to the destination
	Depart   = "depart"   // a hub hands them to the carrier of the next leg
	Hold     = "hold"     // whoever holds them stops them
	Release  = "release"  // the hold ends; the shipment goes on from where it was
	Cancel   = "cancel"   // a planned shipment will not go
)

// Actions lists the custody actions.
var Actions = []string{Dispatch, Arrive, Depart, Hold, Release, Cancel}

// Discrepancy kinds and resolutions.
const (
	Short   = "short"
	Damaged = "damaged"
	Lost    = "lost"
	Surplus = "surplus"

	Open     = "open"
	Resolved = "resolved"

	Found = "found" // the missing goods turned up and are received
	Loss  = "loss"  // the difference stands: written off, or a surplus explained
)

// DiscrepancyKinds lists the kinds of difference between sent and received.
var DiscrepancyKinds = []string{Short, Damaged, Lost, Surplus}

// Link is a way between two sites: one mode, a transit time and a daily
// capacity.
type Link struct {
	ID                 int64     `json:"id"`
	From               string    `json:"from"`
	To                 string    `json:"to"`
	Mode               string    `json:"mode"`
	TransitHours       int64     `json:"transit_hours"`
	CapacityTonnesDay  int64     `json:"capacity_t_day"`
	CapacityPalletsDay int64     `json:"capacity_pallets_day"`
	Notes              string    `json:"notes,omitempty"`
	Version            int64     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// Ref is the link as people write it.
func (l *Link) Ref() string { return fmt.Sprintf("%s→%s (%s)", l.From, l.To, l.Mode) }

// Validate checks the link's own fields.
func (l *Link) Validate() error {
	var errs fault.List
	l.From, l.To = strings.ToUpper(strings.TrimSpace(l.From)), strings.ToUpper(strings.TrimSpace(l.To))
	l.Mode = strings.ToLower(strings.TrimSpace(l.Mode))
	if l.From == "" {
		errs.Add("from", "is required: a site code")
	}
	if l.To == "" {
		errs.Add("to", "is required: a site code")
	}
	if l.From != "" && l.From == l.To {
		errs.Add("to", "a link joins two different sites")
	}
	errs.OneOf("mode", l.Mode, Modes)
	if l.TransitHours <= 0 {
		errs.Add("transit_hours", "must be at least 1")
	}
	if l.CapacityTonnesDay < 0 {
		errs.Add("capacity_t_day", "must not be negative")
	}
	if l.CapacityPalletsDay < 0 {
		errs.Add("capacity_pallets_day", "must not be negative")
	}
	return errs.Err()
}

// Hub is the limits of a logistics hub: what it can turn round in a day,
// what it can store, and how long goods wait there between legs.
type Hub struct {
	Site           string    `json:"site"`
	ThroughputTDay int64     `json:"throughput_t_day"`
	StorageTonnes  int64     `json:"storage_t"`
	DwellHours     int64     `json:"dwell_hours"`
	Version        int64     `json:"version"`
	UpdatedAt      time.Time `json:"updated_at"`
	Name           string    `json:"name,omitempty"`
	Nation         string    `json:"nation,omitempty"`
	Configured     bool      `json:"configured"` // limits were set; otherwise none apply
}

// DefaultDwellHours is the dwell time of a hub whose limits were never set.
const DefaultDwellHours = 12

// Validate checks the hub's limits.
func (h *Hub) Validate() error {
	var errs fault.List
	if h.ThroughputTDay < 0 {
		errs.Add("throughput_t_day", "must not be negative")
	}
	if h.StorageTonnes < 0 {
		errs.Add("storage_t", "must not be negative")
	}
	if h.DwellHours < 0 {
		errs.Add("dwell_hours", "must not be negative")
	}
	return errs.Err()
}

// Leg is one hop of a shipment's route, along one link.
type Leg struct {
	No           int       `json:"no"`
	From         string    `json:"from"`
	To           string    `json:"to"`
	Link         int64     `json:"link"`
	Mode         string    `json:"mode"`
	TransitHours int64     `json:"transit_hours"`
	DwellHours   int64     `json:"dwell_hours"` // at To before the next leg; 0 at the destination
	Depart       time.Time `json:"depart"`      // planned, or actual once it left
	Arrive       time.Time `json:"arrive"`      // planned, or actual once it arrived
}

// Line is one item of a shipment, taken from one allocation.
type Line struct {
	No          int         `json:"no"`
	Allocation  int64       `json:"allocation"`
	Pledge      int64       `json:"pledge"`
	PledgeLine  int64       `json:"pledge_line"`
	Requirement int64       `json:"requirement"`
	NSN         string      `json:"nsn"`
	ItemName    string      `json:"item_name,omitempty"`
	Quantity    int64       `json:"quantity"`
	Received    int64       `json:"received"`
	UnitValue   money.Cents `json:"unit_value"`
	MassG       int64       `json:"mass_g"` // per unit
}

// Shipment is goods moving from an origin to a destination, leg by leg
// through hubs. Its marking is the strictest of the pledges whose goods it
// carries; its nation is theirs.
type Shipment struct {
	ID               int64       `json:"id"`
	Nation           string      `json:"nation"`
	Origin           string      `json:"origin"`
	Destination      string      `json:"destination"`
	State            string      `json:"state"`
	HeldFrom         string      `json:"held_from,omitempty"`
	Leg              int         `json:"leg"`      // the leg under way or next
	Location         string      `json:"location"` // the site holding the goods; empty on the way
	Holder           string      `json:"holder"`   // who holds the goods
	PlannedDeparture time.Time   `json:"planned_departure"`
	ETA              time.Time   `json:"eta"`
	DispatchedAt     time.Time   `json:"dispatched_at,omitzero"`
	ReceivedAt       time.Time   `json:"received_at,omitzero"`
	MassG            int64       `json:"mass_g"`
	Value            money.Cents `json:"value"`
	Notes            string      `json:"notes,omitempty"`
	access.Marking
	Legs      []Leg     `json:"legs"`
	Lines     []Line    `json:"lines,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is the shipment's reference as people write it.
func (s *Shipment) Ref() string { return fmt.Sprintf("S-%05d", s.ID) }

// AuditMarking is the owner and marking of the shipment, for the audit trail.
func (s Shipment) AuditMarking() (string, access.Marking) { return s.Nation, s.Marking }

// Route is the sites the shipment passes, origin first.
func (s Shipment) Route() []string {
	r := []string{s.Origin}
	for _, l := range s.Legs {
		r = append(r, l.To)
	}
	return r
}

// Late reports whether the shipment is past its ETA at t and not there yet.
func (s Shipment) Late(t time.Time) bool {
	switch s.State {
	case Delivered, Received, Cancelled:
		return false
	}
	return t.After(s.ETA)
}

// Arriving returns when the shipment is planned to reach site, and
// whether it has still to reach it: site is the end of the leg under way
// or of one after it, and the goods are not there yet. A shipment
// delivered, received or cancelled arrives nowhere. The store's filter
// ShipmentFilter.Arriving is this rule written in SQL.
func (s Shipment) Arriving(site string) (time.Time, bool) {
	switch s.State {
	case Delivered, Received, Cancelled:
		return time.Time{}, false
	}
	for i := s.Leg; i >= 0 && i < len(s.Legs); i++ {
		if s.Legs[i].To == site && (i > s.Leg || s.Location != site) {
			return s.Legs[i].Arrive, true
		}
	}
	return time.Time{}, false
}

// CustodyEvent is one change of hands: who handed what to whom, where and
// when. Events are numbered from 1 per shipment and never change.
type CustodyEvent struct {
	No     int       `json:"no"`
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	State  string    `json:"state"` // the shipment's state after it
	Site   string    `json:"site,omitempty"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Actor  string    `json:"actor"`
	Note   string    `json:"note,omitempty"`
}

// Discrepancy is a difference between what was sent and what was received
// on one line. It stays open until resolved and never leaves the totals.
type Discrepancy struct {
	ID             int64     `json:"id"`
	Shipment       int64     `json:"shipment"`
	LineNo         int       `json:"line_no"`
	NSN            string    `json:"nsn"`
	Kind           string    `json:"kind"`
	Quantity       int64     `json:"quantity"`
	Reason         string    `json:"reason"`
	State          string    `json:"state"`
	Resolution     string    `json:"resolution,omitempty"`
	ResolutionNote string    `json:"resolution_note,omitempty"`
	ResolvedBy     string    `json:"resolved_by,omitempty"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	// Nation and Marking are the shipment's, for visibility.
	Nation string `json:"nation,omitempty"`
	access.Marking
}

// Ref is the discrepancy's reference as people write it.
func (d *Discrepancy) Ref() string { return fmt.Sprintf("D-%05d", d.ID) }

// AuditMarking is the owner and marking of the discrepancy's shipment.
func (d Discrepancy) AuditMarking() (string, access.Marking) { return d.Nation, d.Marking }

// Missing is the discrepancy's part in the balance of its line: what it
// takes from the received quantity (negative for a surplus).
func (d *Discrepancy) Missing() int64 {
	if d.Kind == Surplus {
		return -d.Quantity
	}
	return d.Quantity
}

// StockLine is the balance of one item at one hub.
type StockLine struct {
	Site     string `json:"site"`
	NSN      string `json:"nsn"`
	ItemName string `json:"item_name,omitempty"`
	Quantity int64  `json:"quantity"`
	MassG    int64  `json:"mass_g"` // of the whole quantity
}

// StockEvent moves stock at a hub: goods in, goods out, or a count's
// adjustment.
type StockEvent struct {
	Site     string    `json:"site"`
	NSN      string    `json:"nsn"`
	Delta    int64     `json:"delta"`
	MassG    int64     `json:"mass_g"` // of the delta, unsigned
	Kind     string    `json:"kind"`   // in, out, count
	Shipment int64     `json:"shipment,omitempty"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason,omitempty"`
	Actor    string    `json:"actor"`
}
