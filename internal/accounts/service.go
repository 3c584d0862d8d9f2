package accounts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the accounts' use cases need from storage inside one
// transaction. Lookups return a fault.NotFound error for a missing record
// and read every record, whoever the actor is: the use cases decide what
// the actor may see. SaveBaseline takes the version the caller read and
// returns a fault.Conflict error when the stored baseline has moved on.
type Tx interface {
	Now() time.Time
	Nation(ctx context.Context, code string) (catalog.Nation, error)
	Pledge(ctx context.Context, id int64) (assist.Pledge, error)

	Baseline(ctx context.Context, year int) (Baseline, error)
	HasBaseline(ctx context.Context, year int) (bool, error)
	// SaveBaseline creates b (version 0) or changes it from version, with
	// its nations, and sets its version and time.
	SaveBaseline(ctx context.Context, b *Baseline, version int64) error
	// GDP returns the GDP in year of those of nations that exist, in their
	// order; a nation without a figure has GDPUSD 0.
	GDP(ctx context.Context, year int, nations []string) ([]NationGDP, error)

	// Rate returns the rate of currency in year; the euro's is 1.
	Rate(ctx context.Context, currency string, year int) (Rate, error)
	// SaveRate records the rate of its currency and year, replacing one
	// recorded before.
	SaveRate(ctx context.Context, r Rate) error

	// CreateContribution stores c and sets its id; releasability to a
	// nation that does not exist is refused.
	CreateContribution(ctx context.Context, c *Contribution) error

	Agreement(ctx context.Context, nation string) (Agreement, error)
	// SaveAgreement records a, replacing the agreement of its nation.
	SaveAgreement(ctx context.Context, a Agreement) error

	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the accounts' use cases.
type Service struct {
	Store Store
}

// SaveBaseline creates the baseline of b.Year (version 0) or changes it
// if its stored version is version. Its nations must exist and have a GDP
// figure for its GDP year; a second baseline for a year is refused.
func (s *Service) SaveBaseline(ctx context.Context, b Baseline, version int64) (Baseline, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.AccountsWrite); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var before any
		if version > 0 {
			old, err := tx.Baseline(ctx, b.Year)
			if err != nil {
				return err
			}
			before = old
		} else {
			exists, err := tx.HasBaseline(ctx, b.Year)
			if err != nil {
				return err
			}
			if err := checkNewBaseline(b.Year, exists); err != nil {
				return err
			}
		}
		gdp, err := tx.GDP(ctx, b.GDPYear, b.Nations)
		if err != nil {
			return err
		}
		if err := b.CheckGDP(gdp); err != nil {
			return err
		}
		if err := tx.SaveBaseline(ctx, &b, version); err != nil {
			return err
		}
		action := "baseline.create"
		if version > 0 {
			action = "baseline.update"
		}
		return tx.Audit(ctx, audit.Record{Action: action, Entity: "baseline", EntityID: strconv.Itoa(b.Year), Before: before, After: b})
	})
	return b, err
}

// checkNewBaseline keeps one baseline per year: a year that has one
// changes it instead.
func checkNewBaseline(year int, exists bool) error {
	if exists {
		return fault.Errorf(fault.Conflict, "a baseline for %d exists already: change it instead", year)
	}
	return nil
}

// SaveRate records or replaces the rate of a currency in a year.
func (s *Service) SaveRate(ctx context.Context, r Rate) (Rate, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.AccountsWrite); err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	if r.Currency == "EUR" {
		return r, fault.Field("currency", "the euro's rate is 1 and is not recorded")
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var before any
		if old, err := tx.Rate(ctx, r.Currency, r.Year); err == nil {
			before = old
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		if err := tx.SaveRate(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "rate.save", Entity: "exchange_rate", EntityID: fmt.Sprintf("%s/%d", r.Currency, r.Year), Before: before, After: r})
	})
	return r, err
}

// SaveAgreement adds an agreement to the register or replaces the one of
// its nation; the signatory defaults to the nation's name.
func (s *Service) SaveAgreement(ctx context.Context, a Agreement) (Agreement, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.AccountsWrite); err != nil {
		return a, err
	}
	if err := a.Validate(); err != nil {
		return a, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		n, err := tx.Nation(ctx, a.Nation)
		if err != nil {
			return fault.NotFoundAsInvalid(err, "no nation %q", a.Nation)
		}
		if a.Signatory == "" {
			a.Signatory = n.Name
		}
		var before any
		if old, err := tx.Agreement(ctx, a.Nation); err == nil {
			before = old
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		if err := tx.SaveAgreement(ctx, a); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "agreement.save", Entity: "agreement", EntityID: a.Nation, Before: before, After: a})
	})
	return a, err
}

// AddContribution records a contribution reported directly, converted to
// euros at its year's rate. Refused with no change: an unknown nation,
// category or currency (no rate for the year), a date outside every
// baseline year, a pledge of another nation, a marking above the writer's
// clearance, or a writer who may not write for the nation.
func (s *Service) AddContribution(ctx context.Context, c Contribution) (Contribution, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	id := access.IdentityFrom(ctx)
	if !id.MayWriteFor(c.Nation) {
		return c, fault.Errorf(fault.Forbidden, "%s may not report contributions of %s", id.Name, c.Nation)
	}
	if c.Classification > id.Clearance {
		return c, fault.Field("classification", "%s is above your clearance (%s)", c.Classification, id.Clearance)
	}
	err := s.Store.Transact(ctx, func(tx Tx) error { return AddContributionIn(ctx, tx, &c) })
	return c, err
}

// AddContributionIn checks and records c inside a transaction the caller
// holds, with its audit event, so that a use case that credits a nation
// (a repair's cost, a class's seats) counts it in the same change. Who may
// credit the nation is the caller's decision (see MayCredit).
func AddContributionIn(ctx context.Context, tx Tx, c *Contribution) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkContribution(ctx, tx, c); err != nil {
		return err
	}
	c.CreatedBy, c.CreatedAt, c.Version = access.ActorName(ctx), tx.Now(), 1
	if err := tx.CreateContribution(ctx, c); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "contribution.create", Entity: "contribution", EntityID: strconv.FormatInt(c.ID, 10), After: c})
}

// checkContribution checks what a contribution names against the stored
// records, all at once, and converts it to euros: its nation exists, its
// year has a baseline, its currency a rate that year, and a pledge it
// reports is one the actor may see, of the same nation.
func checkContribution(ctx context.Context, tx Tx, c *Contribution) error {
	var errs fault.List
	if _, err := tx.Nation(ctx, c.Nation); err != nil {
		errs.Append("nation", fault.NotFoundAsInvalid(err, "no nation %q", c.Nation))
	}
	year := c.Year()
	has, err := tx.HasBaseline(ctx, year)
	if err != nil {
		return err
	}
	if !has {
		errs.Add("date", "%s is outside every baseline year: contributions count against a year's baseline, and there is none for %d", c.Date, year)
	}
	r, err := tx.Rate(ctx, c.Currency, year)
	if err != nil {
		errs.Append("currency", fault.NotFoundAsInvalid(err, "no exchange rate for %s in %d: record the rate first", c.Currency, year))
	} else if err := c.Convert(r); err != nil {
		return err
	}
	if c.Pledge != 0 {
		p, err := tx.Pledge(ctx, c.Pledge)
		switch {
		case fault.Code(err) == fault.NotFound || (err == nil && !mayReadPledge(ctx, p)):
			errs.Add("pledge", "no pledge P-%05d", c.Pledge)
		case err != nil:
			return err
		case p.Nation != c.Nation:
			errs.Add("pledge", "P-%05d is a pledge of %s, not of %s", c.Pledge, p.Nation, c.Nation)
		}
	}
	return errs.Err()
}

// mayReadPledge is the rule the pledge lists apply: the actor reads
// pledges and may see this one. A pledge the actor may not see is
// refused as if it did not exist.
func mayReadPledge(ctx context.Context, p assist.Pledge) bool {
	id := access.IdentityFrom(ctx)
	return access.Allowed(id, access.PledgeRead) && id.CanSee(p.Nation, p.Marking)
}
