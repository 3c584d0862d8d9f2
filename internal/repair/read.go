package repair

import "time"

// EquipmentFilter narrows the register.
type EquipmentFilter struct {
	State, NSN, Donor, Q string
}

// EquipmentEvent is one entry of a piece's timeline.
type EquipmentEvent struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	State string    `json:"state"`
	Site  string    `json:"site,omitempty"`
	Order int64     `json:"order,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// OrderFilter narrows the list of repair orders.
type OrderFilter struct {
	State     string // a state, or "open"
	Facility  string
	Equipment int64
}

// FleetRow counts the pieces of a system (or a donor's) by state.
type FleetRow struct {
	Key      string         `json:"key"`
	Name     string         `json:"name"`
	ByState  map[string]int `json:"by_state"`
	Total    int            `json:"total"`
	InFleet  int            `json:"in_fleet"`         // neither destroyed nor written off
	AvailPPM int64          `json:"availability_ppm"` // operational share of the fleet
}

// FacilityStats is a facility's load and its turnaround from the order
// history: days from the start of repair to its end.
type FacilityStats struct {
	Site     string `json:"site"`
	Name     string `json:"name"`
	Slots    int    `json:"slots"`
	InRepair int    `json:"in_repair"` // holding a slot
	Incoming int    `json:"incoming"`  // assigned or on the way
	Done     int    `json:"repaired"`  // orders with a turnaround
	Median   int    `json:"turnaround_median_days"`
	P90      int    `json:"turnaround_p90_days"`
}

// PartNeed is a spare part an order needs, as a requirement, with what is
// on its way: the pledges allocated to it and the shipments carrying it.
type PartNeed struct {
	Requirement int64   `json:"requirement"`
	NSN         string  `json:"nsn"`
	ItemName    string  `json:"item_name"`
	Quantity    int64   `json:"quantity"`
	Allocated   int64   `json:"allocated"`
	Delivered   int64   `json:"delivered"`
	Pledges     []int64 `json:"pledges"`
	Shipments   []int64 `json:"shipments"`
}

// PipelineWeek counts the open repair orders in each state at the end of a
// week.
type PipelineWeek struct {
	End    time.Time      `json:"end"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}
