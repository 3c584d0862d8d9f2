package assist

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// The stages of a pledge's money, as trackers of aid tell them apart: the
// amount is pledged (promised), then committed (contracted or allocated to
// a purpose) and disbursed (paid out). Each step moves part of the amount,
// on a date, with its evidence.
const (
	Committed = "committed"
	Disbursed = "disbursed"
)

// Stages lists the money stages in order.
var Stages = []string{Committed, Disbursed}

// MaxEvidence bounds a payment's evidence: a document's reference, a
// report or an address where it can be checked.
const MaxEvidence = 500

// Payment is one step of a pledge's money: an amount committed or
// disbursed on a date, with its evidence. Payments are never changed or
// deleted; the pledge keeps their sums.
type Payment struct {
	ID         int64       `json:"id"`
	Stage      string      `json:"stage"`
	Amount     money.Cents `json:"amount"`
	Date       string      `json:"date"`
	Evidence   string      `json:"evidence"`
	RecordedBy string      `json:"recorded_by"`
	RecordedAt time.Time   `json:"recorded_at"`
}

// Pay checks payment pay against the pledge as it stands on today
// (YYYY-MM-DD) and adds it to the pledge's committed or disbursed amount.
// It reports every problem of the payment at once: the money committed may
// not exceed the amount pledged, nor the money disbursed the amount
// committed, so that pledged ≥ committed ≥ disbursed ≥ 0 always holds.
func (p *Pledge) Pay(pay *Payment, today string) error {
	var errs fault.List
	pay.Stage = strings.TrimSpace(pay.Stage)
	errs.OneOf("stage", pay.Stage, Stages)
	if d, err := ParseDate("date", pay.Date); err != nil {
		errs.Append("", err)
	} else if err := Plausible("date", d); err != nil {
		errs.Append("", err)
	} else if d > today {
		errs.Add("date", "%s is after today (%s): record money when it has been %s", d, today, pay.Stage)
	} else if d < p.Announced {
		errs.Add("date", "%s is before %s was announced (%s)", d, p.Ref(), p.AnnouncedWords())
	} else {
		pay.Date = d
	}
	pay.Evidence = strings.TrimSpace(pay.Evidence)
	switch {
	case pay.Evidence == "":
		errs.Add("evidence", "give the evidence: a contract, a payment order, a report or an address where the step can be checked")
	case len(pay.Evidence) > MaxEvidence:
		errs.Add("evidence", "is longer than %d characters", MaxEvidence)
	}
	if p.ValueUndisclosed || p.Amount == 0 {
		errs.Add("amount", "%s pledges no amount of money: only money pledged can be committed or disbursed", p.Ref())
		return errs.Err()
	}
	if pay.Amount <= 0 {
		errs.Add("amount", "must be more than zero")
		return errs.Err()
	}
	switch pay.Stage {
	case Committed:
		if left := p.Amount - p.AmountCommitted; pay.Amount > left {
			errs.Add("amount", "%s is more than the %s of %s not committed yet", pay.Amount.Human(false), left.Human(false), p.Ref())
		}
	case Disbursed:
		if left := p.AmountCommitted - p.AmountDisbursed; pay.Amount > left {
			errs.Add("amount", "%s is more than the %s committed and not disbursed yet: record the commitment first", pay.Amount.Human(false), left.Human(false))
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if pay.Stage == Committed {
		p.AmountCommitted += pay.Amount
	} else {
		p.AmountDisbursed += pay.Amount
	}
	return nil
}

// CheckMoney verifies pledged ≥ committed ≥ disbursed ≥ 0 for the pledge's
// money. The store calls it before every write of a pledge, as it calls
// Line.Check, so that no path can store money disbursed that was never
// committed, nor an amount lowered below what was committed.
func (p *Pledge) CheckMoney() error {
	switch {
	case p.AmountDisbursed < 0:
		return fault.Field("amount", "%s: the money disbursed is negative", p.Ref())
	case p.AmountCommitted < p.AmountDisbursed:
		return fault.Field("amount", "%s: the money committed (%s) would be less than the money disbursed (%s)", p.Ref(), p.AmountCommitted.Human(false), p.AmountDisbursed.Human(false))
	case p.Amount < p.AmountCommitted:
		return fault.Field("amount", "%s has %s of its money committed: the amount cannot be less than that", p.Ref(), p.AmountCommitted.Human(false))
	}
	return nil
}

// MayPay says who records a step of a pledge's money: the pledging nation
// or a coordinator, as for committing a line.
func MayPay(ctx context.Context, nation string) error {
	return MayAct(ctx, Commit, nation)
}

// Pay records a step of pledge id's money (stage Committed or Disbursed),
// if its stored version is version, with its audit event, in one
// transaction.
func (s *Service) Pay(ctx context.Context, id, version int64, pay Payment) (Pledge, error) {
	var out Pledge
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Pledge(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "pledge "+audit.ID(id), old.Nation, old.Marking); err != nil {
			return err
		}
		if err := MayPay(ctx, old.Nation); err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		p := old
		now := tx.Now()
		if err := p.Pay(&pay, now.UTC().Format(DateLayout)); err != nil {
			return err
		}
		if err := savePayment(ctx, tx, old, &p, &pay); err != nil {
			return err
		}
		out = p
		return tx.Audit(ctx, audit.Record{Action: "pledge." + pay.Stage, Entity: "pledge", EntityID: audit.ID(p.ID), Before: old, After: struct {
			Pledge
			Payment Payment `json:"payment"`
		}{p, pay}})
	})
	return out, err
}

// savePayment writes pledge p, which payment pay has moved on from old,
// and the payment itself, recorded now by the actor.
func savePayment(ctx context.Context, tx Tx, old Pledge, p *Pledge, pay *Payment) error {
	now := tx.Now()
	pay.RecordedAt = now
	if pay.RecordedBy == "" {
		pay.RecordedBy = access.IdentityFrom(ctx).Name
	}
	p.UpdatedAt = now
	if err := tx.UpdatePledge(ctx, p, old.Version); err != nil {
		return err
	}
	if err := tx.AddPayment(ctx, p.ID, pay); err != nil {
		return err
	}
	p.Payments = append(append([]Payment(nil), old.Payments...), *pay)
	return nil
}

// MoneyState is how far a pledge's money has come, for people: "—" for a
// pledge of goods only.
func (p Pledge) MoneyState() string {
	switch {
	case p.Amount == 0:
		return "—"
	case p.AmountDisbursed == p.Amount:
		return "disbursed"
	case p.AmountDisbursed > 0:
		return fmt.Sprintf("%s disbursed", percent(p.AmountDisbursed, p.Amount))
	case p.AmountCommitted > 0:
		return fmt.Sprintf("%s committed", percent(p.AmountCommitted, p.Amount))
	}
	return "pledged"
}

// percent is part of whole, rounded down to a whole percent, as text.
func percent(part, whole money.Cents) string {
	if whole <= 0 {
		return "0%"
	}
	return fmt.Sprintf("%d%%", int64(part)*100/int64(whole))
}
