// Package approval is the one mechanism by which a reviewed plan is
// applied: the allocation, repair and training plans are all approved
// through ApplyIn, which reads the plan's inputs afresh inside the
// transaction that writes and refuses the plan when they changed since the
// reviewer saw them. It owns no domain type and imports nothing of ours
// but fault, so that every domain package and the store may depend on it.
package approval

import (
	"context"

	"github.com/longhaul/longhaul/internal/fault"
)

// Transactor runs a function in one write transaction of type T, committing
// when it returns nil and rolling back otherwise.
type Transactor[T any] interface {
	Transact(ctx context.Context, fn func(T) error) error
}

// Review is a plan as its reviewer saw it: what it is (for messages) and the
// fingerprint of the inputs it was made from.
type Review struct {
	What        string // "the repair plan", "plan 12"
	Fingerprint string
}

// ApplyIn applies a reviewed plan inside the caller's transaction: it
// reads the plan's inputs afresh through the transaction, refuses the plan
// when their fingerprint is not the one the reviewer saw, and only then
// applies it. Because the fingerprint is read inside the transaction that
// writes, no change of an input can slip in between the check and the
// write: every writer holds the same lock (the head of the audit chain) for
// its whole transaction. All three planners (allocation, repair, training)
// are approved through this one function.
func ApplyIn[T any](ctx context.Context, tx T, r Review, current func(context.Context, T) (string, error), apply func(context.Context, T) error) error {
	if r.Fingerprint == "" {
		return fault.Field("fingerprint", "is required: approve the plan you reviewed")
	}
	fp, err := current(ctx, tx)
	if err != nil {
		return err
	}
	if fp != r.Fingerprint {
		return fault.Errorf(fault.Conflict, "the inputs of %s changed since it was made: plan again and review the new proposal", r.What)
	}
	return apply(ctx, tx)
}

// Apply runs ApplyIn in a transaction of its own.
func Apply[T any](ctx context.Context, st Transactor[T], r Review, current func(context.Context, T) (string, error), apply func(context.Context, T) error) error {
	return st.Transact(ctx, func(tx T) error { return ApplyIn(ctx, tx, r, current, apply) })
}
