// Package accountstest gives the domains that credit a nation in their own
// use cases (a repair's cost, a class's seats) the accounts' view of their
// fake transaction, for unit tests: every nation known, a baseline every
// year, euros at par. The accounts' own rules are tested in accounts.
package accountstest

import (
	"context"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
)

// Credit is an accounts.Tx over a test's fake transaction.
type Credit struct {
	accounts.Tx // what a credit does not use
	Clock       func() time.Time
	Saved       func(c *accounts.Contribution)
	Audited     func(ctx context.Context, r audit.Record) error
}

func (c Credit) Now() time.Time { return c.Clock() }

func (c Credit) Nation(context.Context, string) (catalog.Nation, error) {
	return catalog.Nation{}, nil
}

func (c Credit) HasBaseline(context.Context, int) (bool, error) { return true, nil }

func (c Credit) Rate(_ context.Context, cur string, year int) (accounts.Rate, error) {
	return accounts.Rate{Currency: cur, Year: year, PerEUR: "1"}, nil
}

func (c Credit) CreateContribution(_ context.Context, k *accounts.Contribution) error {
	c.Saved(k)
	return nil
}

func (c Credit) Audit(ctx context.Context, r audit.Record) error { return c.Audited(ctx, r) }
