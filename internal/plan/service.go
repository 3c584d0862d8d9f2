package plan

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/approval"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
)

// Tx is what the allocation plan's use cases need from storage inside one
// transaction: the ledger's and the network's (an approval allocates and
// plans shipments), what the ledger holds open, and the saved proposals.
type Tx interface {
	logistics.Tx

	// Outstanding reads the open stock and needs as the reader may see
	// them, in the transaction, so that an approval checks the very
	// inputs it writes against.
	Outstanding(ctx context.Context) (assist.Outstanding, error)
	// CreateProposal saves p as it is and sets its id.
	CreateProposal(ctx context.Context, p *assist.Proposal) error
	// DecideProposal writes p's state, decision, and when and by whom it
	// was decided, if the stored proposal is still proposed; otherwise it
	// returns a fault.Conflict error and writes nothing.
	DecideProposal(ctx context.Context, p *assist.Proposal) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Reader reads what a plan is made from, outside any transaction.
type Reader interface {
	Outstanding(ctx context.Context) (assist.Outstanding, error)
	Network(ctx context.Context) (logistics.Network, error)
}

// Over adapts a store whose transactions are of type T to Store, so that a
// store serves the planner without naming its types.
func Over[T Tx](st approval.Transactor[T]) Store { return over[T]{st} }

type over[T Tx] struct{ st approval.Transactor[T] }

func (o over[T]) Transact(ctx context.Context, fn func(Tx) error) error {
	return o.st.Transact(ctx, func(tx T) error { return fn(tx) })
}

// Service holds the allocation plan's use cases: making a proposal over
// what the reader may see, and approving it.
type Service struct {
	Store Store
	Read  Reader
}

// inputOf is what a plan is made from: the ledger's open stock and needs
// over the network. Stock whose pledge names no depot waits at a donor
// depot of its nation, the first by code.
func inputOf(o assist.Outstanding, n logistics.Network, start time.Time, horizon int) Input {
	for i := range o.Stock {
		if o.Stock[i].Depot == "" {
			o.Stock[i].Depot = n.DepotOf(o.Stock[i].Nation)
		}
	}
	return Input{Stock: o.Stock, Needs: o.Needs, Network: n, Start: start, Horizon: horizon}
}

// Input reads what a plan over horizon days from start is made from, as
// the reader sees the ledger now.
func (s *Service) Input(ctx context.Context, start time.Time, horizon int) (Input, error) {
	n, err := s.Read.Network(ctx)
	if err != nil {
		return Input{}, err
	}
	o, err := s.Read.Outstanding(ctx)
	if err != nil {
		return Input{}, err
	}
	return inputOf(o, n, start, horizon), nil
}

// inputIn reads the plan's inputs through the transaction tx.
func inputIn(ctx context.Context, tx Tx, start time.Time, horizon int) (Input, error) {
	n, err := tx.Network(ctx)
	if err != nil {
		return Input{}, err
	}
	o, err := tx.Outstanding(ctx)
	if err != nil {
		return Input{}, err
	}
	return inputOf(o, n, start, horizon), nil
}

// record is a saved plan as the audit chain records it: its figures,
// marked with the highest classification of what it holds.
type record struct {
	ID          int64     `json:"id"`
	State       string    `json:"state"`
	Horizon     int       `json:"horizon_days"`
	Fingerprint string    `json:"fingerprint"`
	Served      int64     `json:"served"`
	Unmet       int64     `json:"unmet"`
	Late        int64     `json:"late"`
	Lines       int       `json:"lines"`
	Decision    *Decision `json:"decision,omitempty"`
	marking     int
}

// AuditMarking is the marking of the plan's record: that of the most
// restricted stock or need it holds.
func (r record) AuditMarking() (string, access.Marking) {
	return "", access.Marking{Classification: access.Classification(r.marking)}
}

func recordOf(s *Saved) record {
	return record{ID: s.ID, State: s.State, Horizon: s.Horizon, Fingerprint: s.Fingerprint, Served: s.Served, Unmet: s.Unmet, Late: s.Late,
		Lines: len(s.Plan.Lines), marking: s.Marking, Decision: s.Decision}
}

// Make plans over what the reader may see, from start over horizon days,
// and saves the proposal for review with its audit event. It changes no
// allocation.
func (s *Service) Make(ctx context.Context, horizon int, start time.Time) (Saved, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.PledgeAllocate); err != nil {
		return Saved{}, err
	}
	in, err := s.Input(ctx, start, horizon)
	if err != nil {
		return Saved{}, err
	}
	p, err := Make(in)
	if err != nil {
		return Saved{}, err
	}
	sv := Save(in, p, "", start)
	err = s.Store.Transact(ctx, func(tx Tx) error {
		sv.MadeAt, sv.MadeBy, sv.State = tx.Now(), access.ActorName(ctx), StateProposed
		if err := tx.CreateProposal(ctx, &sv); err != nil {
			return fmt.Errorf("save the plan: %w", err)
		}
		return tx.Audit(ctx, audit.Record{Action: "plan.create", Entity: "plan", EntityID: strconv.FormatInt(sv.ID, 10), After: recordOf(&sv)})
	})
	if err != nil {
		return Saved{}, err
	}
	return sv, nil
}

// Stale says whether the inputs of a proposed plan changed since it was
// made, as the reader sees them.
func (s *Service) Stale(ctx context.Context, sv Saved) (bool, error) {
	if sv.State != StateProposed {
		return false, nil
	}
	in, err := s.Input(ctx, sv.Start, sv.Horizon)
	if err != nil {
		return false, err
	}
	return Fingerprint(in) != sv.Fingerprint, nil
}

// Approve approves saved plan sv, less the excluded lines, in one
// transaction, through the one approval mechanism (approval.ApplyIn): the
// plan's inputs are read again inside the transaction that writes, and if
// their fingerprint is not the one the plan was made with, nothing is
// written. The allocations and planned shipments are written and the plan
// marked approved together; a plan approved already (by someone else a
// moment ago), or whose shipments would leave in the past, is refused.
func (s *Service) Approve(ctx context.Context, sv *Saved, exclude []Key) (Approved, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.PledgeAllocate); err != nil {
		return Approved{}, err
	}
	if sv.State == StateApproved {
		return Approved{}, fault.Errorf(fault.Conflict, "plan %d was approved already", sv.ID)
	}
	if exclude == nil {
		exclude = []Key{}
	}
	var in Input
	current := func(ctx context.Context, tx Tx) (string, error) {
		var err error
		in, err = inputIn(ctx, tx, sv.Start, sv.Horizon)
		return Fingerprint(in), err
	}
	var got Approved
	decided := *sv
	apply := func(ctx context.Context, tx Tx) error {
		var err error
		if got, err = AllocateIn(ctx, tx, in, sv.Plan, exclude); err != nil {
			return err
		}
		at := tx.Now()
		decided.State, decided.Decision, decided.DecidedBy, decided.DecidedAt = StateApproved, &Decision{Approval: got, Excluded: exclude}, access.ActorName(ctx), &at
		if err := tx.DecideProposal(ctx, &decided); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "plan.approve", Entity: "plan", EntityID: strconv.FormatInt(sv.ID, 10), Before: recordOf(sv), After: recordOf(&decided)})
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if day, today := sv.Start.UTC().Format("2006-01-02"), tx.Now().UTC().Format("2006-01-02"); day < today {
			return fault.Errorf(fault.Conflict, "plan %d was made on %s: its shipments would leave in the past; plan again", sv.ID, day)
		}
		return approval.ApplyIn(ctx, tx, approval.Review{What: fmt.Sprintf("plan %d", sv.ID), Fingerprint: sv.Fingerprint}, current, apply)
	})
	if err != nil {
		return Approved{}, err
	}
	*sv = decided
	return got, nil
}
