package assist

import (
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/money"
)

// PledgeSummary is a pledge as a list shows it: its own fields and the
// totals of its lines.
type PledgeSummary struct {
	Pledge
	State          string      `json:"state"`
	LineCount      int         `json:"line_count"`
	PledgedValue   money.Cents `json:"pledged_value"`
	DeliveredValue money.Cents `json:"delivered_value"`
	AcceptedValue  money.Cents `json:"accepted_value"`
	OverdueLines   int         `json:"overdue_lines"`
}

// NationFigures are one nation's pledged, delivered and accepted value.
type NationFigures struct {
	Nation  string      `json:"nation"`
	Name    string      `json:"name"`
	Pledges int64       `json:"pledges"`
	Pledged money.Cents `json:"pledged"`
	// Committed is goods committed at their value and money committed;
	// Disbursed is money paid out, as Delivered is goods delivered.
	Committed   money.Cents `json:"committed"`
	Disbursed   money.Cents `json:"disbursed"`
	Delivered   money.Cents `json:"delivered"`
	Accepted    money.Cents `json:"accepted"`
	Undelivered money.Cents `json:"undelivered"` // pledged, neither delivered nor disbursed
	// Undisclosed counts the pledges of undisclosed value, which the
	// sums above leave out.
	Undisclosed int64 `json:"undisclosed"`
}

// OverdueLine is a pledge line whose promised date has passed and which is
// not fully delivered.
type OverdueLine struct {
	Pledge      int64       `json:"pledge"`
	Ref         string      `json:"ref"`
	Nation      string      `json:"nation"`
	Title       string      `json:"title"`
	Line        int64       `json:"line"`
	No          int         `json:"no"`
	NSN         string      `json:"nsn"`
	ItemName    string      `json:"item_name"`
	Promised    string      `json:"promised"`
	DaysLate    int         `json:"days_late"`
	Outstanding int64       `json:"outstanding"`
	Value       money.Cents `json:"value"`
}

// PriorityFigures count the open requirements of one priority.
type PriorityFigures struct {
	Priority int   `json:"priority"`
	Count    int64 `json:"count"`
	Quantity int64 `json:"quantity"` // still unallocated
	Overdue  int64 `json:"overdue"`  // need-by date passed
}

// Dashboard is the ledger at a glance.
type Dashboard struct {
	AsOf         string          `json:"as_of"`
	Totals       NationFigures   `json:"totals"`
	ByNation     []NationFigures `json:"by_nation"`
	OverdueCount int64           `json:"overdue_count"` // open lines past their promise
	// OverduePledges is how many pledges hold them.
	OverduePledges int64             `json:"overdue_pledges"`
	OverdueValue   money.Cents       `json:"overdue_value"`
	Overdue        []OverdueLine     `json:"overdue"`
	OpenByPriority []PriorityFigures `json:"open_by_priority"`
	Recent         []audit.Event     `json:"recent"`
}

// OpenNeed counts the open requirements of a priority and capability area.
type OpenNeed struct {
	Priority   int    `json:"priority"`
	Capability string `json:"capability"`
	Count      int    `json:"requirements"`
	Open       int64  `json:"open_quantity"` // not yet allocated
}

// BasisFigures are the pledged value on one valuation basis: how many
// pledges and lines carry a figure on it and what those figures are worth
// (amounts, and lines at quantity × unit value). Values that are not
// disclosed are in no row.
type BasisFigures struct {
	Basis   string      `json:"basis"` // one of Bases, or empty: not stated
	Pledges int64       `json:"pledges"`
	Lines   int64       `json:"lines"`
	Value   money.Cents `json:"value"`
}
