package forecast

import (
	"fmt"

	"github.com/longhaul/longhaul/internal/access"
)

// How a flag was closed.
const (
	OutcomeDelivered = "delivered" // the line was delivered
	OutcomeOverdue   = "overdue"   // its promised date passed undelivered
	OutcomeCleared   = "cleared"   // its reason no longer held
	OutcomeWithdrawn = "withdrawn" // nothing of it is left to deliver
)

// Flag is an early warning kept in history: the day a line was first
// found at risk, why and by how many days then, and, once closed, the day
// and how, with the days it was at risk by when last seen.
type Flag struct {
	ID        int64  `json:"id"`
	Pledge    int64  `json:"pledge"`
	Line      int64  `json:"line"`
	LineNo    int    `json:"line_no"`
	Nation    string `json:"nation"`
	Reason    string `json:"reason"`
	Words     string `json:"words"`
	Days      int    `json:"days"`
	Shipment  int64  `json:"shipment,omitempty"`
	FlaggedOn Day    `json:"flagged_on"`
	ClosedOn  Day    `json:"closed_on,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	// ClosedDays is by how much it was at risk when last seen open.
	ClosedDays int `json:"closed_days,omitempty"`
	// Marking is the pledge's, which the flag's audit events carry.
	access.Marking `json:"-"`
}

// Ref is the flag's pledge and line, as people write them.
func (f *Flag) Ref() string { return fmt.Sprintf("P-%05d line %d", f.Pledge, f.LineNo) }

// Open reports whether the line is still flagged.
func (f *Flag) Open() bool { return f.ClosedOn == 0 }

// AuditMarking is the owner and marking of the flag's pledge, so that only
// readers of the pledge see that it was flagged.
func (f Flag) AuditMarking() (string, access.Marking) { return f.Nation, f.Marking }

// FlagFilter selects flags.
type FlagFilter struct {
	Pledge int64
	Line   int64
	Open   bool // only the flags still open
}
