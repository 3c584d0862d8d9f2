package plan

import (
	"time"

	"github.com/longhaul/longhaul/internal/assist"
)

// A saved proposal, its approval and its decision are the ledger's types
// (see assist.Proposal): the store keeps them without knowing the planner.
type (
	Saved    = assist.Proposal
	Decision = assist.Decision
	Key      = assist.ProposalKey
	Approved = assist.Approval
)

// States of a saved plan.
const (
	StateProposed = assist.ProposalProposed
	StateApproved = assist.ProposalApproved
)

// Save makes the record of a proposal made from in.
func Save(in Input, p Plan, by string, at time.Time) Saved {
	s := Saved{MadeAt: at, MadeBy: by, Horizon: in.Horizon, Start: in.Start, Fingerprint: Fingerprint(in), State: StateProposed,
		Input: assist.Outstanding{Stock: in.Stock, Needs: in.Needs}, Plan: p}
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
