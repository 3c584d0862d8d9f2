package logistics

import (
	"time"

	"github.com/longhaul/longhaul/internal/money"
)

// DiscrepancyFilter selects discrepancies.
type DiscrepancyFilter struct {
	State    string
	Kind     string
	Shipment int64
}

// DayLoad is the mass a hub handled on one day, in and out.
type DayLoad struct {
	Day  string `json:"day"`
	InG  int64  `json:"in_g"`
	OutG int64  `json:"out_g"`
}

// ShipmentFilter selects shipments.
type ShipmentFilter struct {
	State       string // a state, or "active" for those on their way (dispatched to delivered, and held)
	Nation      string
	Origin      string
	Destination string
	Site        string    // the route passes this site
	Late        time.Time // past their ETA at this instant and not delivered
	Pledge      int64     // carries goods of this pledge
	FromNation  string    // the origin is a site of this nation
	ToNation    string    // the destination is a site of this nation
	At          string    // the goods are at this site (the shipment's location)
	// Arriving selects the shipments that have still to reach this site:
	// a hub on their route or their destination (Shipment.Arriving).
	Arriving string
	// DueFrom and DueTo bound, inclusive, the day (YYYY-MM-DD, UTC) a
	// shipment is due: at the site Arriving names, by the planned arrival
	// of its leg there; otherwise at its destination, by its ETA, and only
	// while it has not arrived.
	DueFrom, DueTo string
}

// AtRiskLine is a pledge line whose promised date will be missed given the
// ETA of a shipment carrying it, as the early-warning rule of
// internal/forecast finds it.
type AtRiskLine struct {
	Pledge   int64       `json:"pledge"`
	Ref      string      `json:"ref"`
	Nation   string      `json:"nation"`
	Title    string      `json:"title"`
	LineNo   int         `json:"line_no"`
	NSN      string      `json:"nsn"`
	ItemName string      `json:"item_name"`
	Promised string      `json:"promised"`
	Shipment int64       `json:"shipment"`
	ETA      time.Time   `json:"eta"`
	DaysLate int         `json:"days_late"`
	Quantity int64       `json:"quantity"`
	Value    money.Cents `json:"value"`
}

// LogisticsSummary is logistics at a glance for the dashboard.
type LogisticsSummary struct {
	Active    int64      `json:"active"` // shipments on their way
	Late      int64      `json:"late"`   // past their ETA
	Held      int64      `json:"held"`   // held
	OpenDiscr int64      `json:"open_discrepancies"`
	LateList  []Shipment `json:"late_shipments"`
}

// HubLoad is a hub at a glance: its limits, what it holds and what waits.
type HubLoad struct {
	Hub
	StockG      int64 `json:"stock_g"`      // mass held now
	AtHub       int64 `json:"at_hub"`       // shipments waiting at the hub
	AtHubG      int64 `json:"at_hub_g"`     // their mass
	Inbound     int64 `json:"inbound"`      // shipments on their way to it
	InboundG    int64 `json:"inbound_g"`    // their mass
	TodayG      int64 `json:"today_g"`      // mass handled today, in and out
	OverLimit   bool  `json:"over_limit"`   // today's handling is over the throughput limit
	OverStorage bool  `json:"over_storage"` // stock is over the storage limit
}

// OpenAllocation is an allocation with goods still to ship: what a planner
// picks a shipment's lines from.
type OpenAllocation struct {
	ID           int64  `json:"id"`
	Pledge       int64  `json:"pledge"`
	Nation       string `json:"nation"`
	LineNo       int    `json:"line_no"`
	NSN          string `json:"nsn"`
	ItemName     string `json:"item_name"`
	Requirement  int64  `json:"requirement"`
	DeliverySite string `json:"delivery_site"`
	Free         int64  `json:"free"` // allocated, not shipped and not in a planned shipment
}
