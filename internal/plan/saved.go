package plan

import (
	"time"
)

// Saved is a proposal kept for review: what it was made from, the
// fingerprint of those inputs, and, once approved, what the approval wrote.
type Saved struct {
	ID          int64     `json:"id"`
	MadeAt      time.Time `json:"made_at"`
	MadeBy      string    `json:"made_by"`
	Horizon     int       `json:"horizon_days"`
	Start       time.Time `json:"start"`
	Fingerprint string    `json:"fingerprint"`
	State       string    `json:"state"` // "proposed" or "approved"
	Marking     int       `json:"-"`     // the highest classification of what it holds
	Served      int64     `json:"served"`
	Unmet       int64     `json:"unmet"`
	Late        int64     `json:"late"`

	// Input holds the stock and needs the plan was made from; its network
	// is not kept (the fingerprint holds the versions of its links and
	// hubs).
	Input Input `json:"-"`
	Plan  Plan  `json:"-"`

	DecidedAt *time.Time `json:"decided_at,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
	Decision  *Decision  `json:"decision,omitempty"`
}

// Decision is what an approval of a saved plan wrote and left out.
type Decision struct {
	Approved
	Excluded []Key `json:"excluded"`
}

// States of a saved plan.
const (
	StateProposed = "proposed"
	StateApproved = "approved"
)

// Save makes the record of a proposal made from in.
func Save(in Input, p Plan, by string, at time.Time) Saved {
	s := Saved{MadeAt: at, MadeBy: by, Horizon: in.Horizon, Start: in.Start, Fingerprint: Fingerprint(in), State: StateProposed,
		Input: Input{Stock: in.Stock, Needs: in.Needs, Start: in.Start, Horizon: in.Horizon}, Plan: p}
	for _, l := range p.Lines {
		s.Served += l.Quantity
		if l.DaysLate > 0 {
			s.Late += l.Quantity
		}
		s.Marking = max(s.Marking, in.Stock[l.Stock].Marking, in.Needs[l.Need].Marking)
	}
	for _, u := range p.Unmet {
		s.Unmet += u.Quantity
		s.Marking = max(s.Marking, in.Needs[u.Need].Marking)
	}
	return s
}
