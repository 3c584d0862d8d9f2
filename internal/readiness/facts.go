package readiness

import (
	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/repair"
)

// Facts are what the ledger, the equipment register, the repair pipeline
// and the training hold for the elements of some packages, as the reader
// may see them. The store reads them (Reader.Facts); Assess decides what
// they count for.
type Facts struct {
	// Items are the catalogue items the elements name, by NSN or group.
	Items []catalog.Item
	// Pieces are the registered pieces of those items, in any state.
	Pieces []Piece
	// Lines are the pledge lines of those items allocated to Ukraine's
	// requirements, with what is on its way.
	Lines []Line
	// Courses are the courses, and Cohorts the cohorts with their
	// enrolments, that the reader may see.
	Courses []Course
	Cohorts []Cohort
	// Facilities are the repair facilities with their competences.
	Facilities []repair.RepairFacility
}

// Piece is a registered piece of equipment.
type Piece struct {
	ID     int64  `json:"id"`
	NSN    string `json:"nsn"`
	Serial string `json:"serial"`
	State  string `json:"state"` // one of repair.EquipmentStates
	// Order is the piece's open repair order, nil when it has none.
	Order *Order `json:"order,omitempty"`
}

// Order is an open repair order.
type Order struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Facility string `json:"facility,omitempty"`
	// Due is when the facility is expected to finish, set when a plan
	// assigns the order.
	Due string `json:"due,omitempty"`
}

// Line is a pledge line allocated to Ukraine's requirements.
type Line struct {
	ID             int64
	Pledge         int64
	Nation         string
	Title          string
	No             int
	NSN            string
	Allocated      int64
	Delivered      int64
	Accepted       int64
	Promised       string // the pledge's promised date
	Classification access.Classification
	// Forecast is when the line is expected to be delivered, nil when
	// there is no forecast.
	Forecast *Expectation
	// Transit is what shipments carry of the line and have not yet
	// delivered.
	Transit []Transit
}

// Transit is a shipment's part of a line on its way.
type Transit struct {
	Shipment       int64
	Quantity       int64 // sent and not yet received
	ETA            string
	Classification access.Classification
}

// Course is a training course: what it trains.
type Course struct {
	Code  string
	Title string
	Skill string // a skill, or a system's NSN or group
}

// Cohort is a nominated cohort of trainees with its enrolments.
type Cohort struct {
	ID         int64
	Skill      string
	Size       int
	Unit       string
	NeededBy   string
	Enrolments []Enrolment
}

// Enrolment is a cohort's place in a class.
type Enrolment struct {
	Class     int64
	Course    string
	End       string // the class's last day
	Trainees  int
	Completed int
	Recorded  bool // completion was recorded
	Cancelled bool // the class was cancelled
}
