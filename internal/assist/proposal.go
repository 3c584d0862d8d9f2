package assist

import (
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Stock is a quantity of one pledge line that is committed and not yet
// allocated, waiting at its nation's depot to be allocated.
type Stock struct {
	Pledge, Line int64
	Nation       string
	// Item is the catalogue's item, but for its unit value, which is the
	// pledge line's: the value of the stock is what was pledged, and the
	// line's quantity × unit value is bounded where the catalogue's is not.
	Item     catalog.Item
	Quantity int64
	Depot    string // the pledge's depot, or else a donor depot of the nation; empty when it has none
	Marking  int    // the pledge's classification, for the proposal's marking
	// Committed and Allocated are the line's totals before the plan, for
	// the difference it would make.
	Committed, Allocated int64
}

// Need is an open requirement: the quantity not yet allocated.
type Need struct {
	Requirement int64
	NSN, Group  string // what it asks for
	Item        *catalog.Item
	Quantity    int64
	Priority    int    // 1 critical … 4 routine
	NeedBy      string // YYYY-MM-DD
	Site        string // delivery point
	Marking     int    // the requirement's classification
	// Total and Allocated are the requirement's quantity and what was
	// allocated to it before the plan.
	Total, Allocated int64
}

// Outstanding is what the ledger holds open, as a reader may see it: the
// stock committed and not yet allocated, oldest promise first, and the
// needs not yet allocated, most urgent first. The allocation planner is
// made from it.
type Outstanding struct {
	Stock []Stock `json:"stock"`
	Needs []Need  `json:"needs"`
}

// PlannedLine is one proposed allocation with its route.
type PlannedLine struct {
	Stock       int // index into the proposal's stock
	Need        int // index into the proposal's needs
	Quantity    int64
	Route       []string
	ETA         time.Time
	DaysLate    int // after the need-by date; 0 in time
	TransitHour int64
}

// Shortfall is a requirement's quantity a plan cannot serve, and why.
type Shortfall struct {
	Need     int
	Quantity int64
	Reason   string
}

// HubLoad is what a plan sends through a hub.
type HubLoad struct {
	Site     string `json:"site"`
	MassG    int64  `json:"mass_g"`
	LimitG   int64  `json:"limit_g"`           // what may pass over the horizon; 0 without a limit
	Binding  string `json:"binding,omitempty"` // which limit that is: "throughput" or "storage"
	AtLimit  bool   `json:"at_limit"`
	Quantity int64  `json:"quantity"`
	Classes  int    `json:"classes"`
}

// AllocationPlan is what the allocation planner proposes: allocations of
// open stock to open needs with their routes, what stays unmet and why,
// and the hubs' loads.
type AllocationPlan struct {
	Lines  []PlannedLine
	Unmet  []Shortfall
	Hubs   []HubLoad
	Cost   int64
	Rounds int // solves, the first included
}

// ProposalKey names a proposal line for exclusion: its pledge line and
// requirement.
type ProposalKey struct {
	PledgeLine  int64 `json:"pledge_line"`
	Requirement int64 `json:"requirement"`
}

// String writes the key as ParseProposalKey reads it: LINE-REQUIREMENT.
func (k ProposalKey) String() string {
	return strconv.FormatInt(k.PledgeLine, 10) + "-" + strconv.FormatInt(k.Requirement, 10)
}

// ParseProposalKey reads a proposal line written LINE-REQUIREMENT, such as
// 12-5, as the plan page and `longhaul plan approve --exclude` take it:
// two ids of digits only, each above zero, and nothing after them, so that
// "12-5-7" or "12-5x" is refused rather than read as 12-5.
func ParseProposalKey(s string) (ProposalKey, error) {
	line, req, _ := strings.Cut(strings.TrimSpace(s), "-")
	a, errA := positiveID(line)
	b, errB := positiveID(req)
	if errA != nil || errB != nil {
		return ProposalKey{}, fault.Field("exclude", "%q is not a pledge line and a requirement, written LINE-REQUIREMENT such as 12-5", s)
	}
	return ProposalKey{PledgeLine: a, Requirement: b}, nil
}

// positiveID reads an id of ASCII digits, above zero.
func positiveID(s string) (int64, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n <= 0 {
		err = strconv.ErrRange
	}
	return n, err
}

// Approval is what the approval of an allocation plan wrote.
type Approval struct {
	Allocations int     `json:"allocations"`
	Units       int64   `json:"units"`
	Shipments   []int64 `json:"shipments"`
}

// Decision is what an approval of a saved proposal wrote and left out.
type Decision struct {
	Approval
	Excluded []ProposalKey `json:"excluded"`
}

// States of a saved proposal.
const (
	ProposalProposed = "proposed"
	ProposalApproved = "approved"
)

// Proposal is an allocation plan kept for review: what it was made from,
// the fingerprint of those inputs, and, once approved, what the approval
// wrote.
type Proposal struct {
	ID          int64     `json:"id"`
	MadeAt      time.Time `json:"made_at"`
	MadeBy      string    `json:"made_by"`
	Horizon     int       `json:"horizon_days"`
	Start       time.Time `json:"start"`
	Fingerprint string    `json:"fingerprint"`
	State       string    `json:"state"` // ProposalProposed or ProposalApproved
	Marking     int       `json:"-"`     // the highest classification of what it holds
	Served      int64     `json:"served"`
	Unmet       int64     `json:"unmet"`
	Late        int64     `json:"late"`

	// Input holds the stock and needs the plan was made from; the network
	// is not kept (the fingerprint holds the versions of its links and
	// hubs).
	Input Outstanding    `json:"-"`
	Plan  AllocationPlan `json:"-"`

	DecidedAt *time.Time `json:"decided_at,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	Decision  *Decision  `json:"decision,omitempty"`
}
