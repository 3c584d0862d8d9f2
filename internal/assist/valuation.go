package assist

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// The bases of a valuation: where a euro figure comes from, as published
// audits of assistance tell them apart (the same tank is worth its book
// value, its replacement cost or its price-list price, billions apart
// over a programme).
const (
	Official        = "official"         // the donor's official figure
	PriceList       = "price_list"       // a manufacturer's or catalogue price
	ReplacementCost = "replacement_cost" // what replacing it costs the donor
	BookValue       = "book_value"       // its depreciated value in the donor's books
	Estimate        = "estimate"         // an estimate by whoever recorded it
)

// Bases lists the valuation bases.
var Bases = []string{Official, PriceList, ReplacementCost, BookValue, Estimate}

// BasisWords is a basis for people: "not stated" when there is none.
func BasisWords(b string) string {
	if b == "" {
		return "not stated"
	}
	return strings.ToLower(Label(b))
}

// MaxSource bounds a valuation's source and MaxReason a revaluation's
// reason: a document's reference, a report or an address where the figure
// can be checked.
const (
	MaxSource = 500
	MaxReason = 500
)

// Valuation is where a euro figure comes from: the figure in the currency
// it was given in, the rate that brought it to euros and that rate's date,
// the basis of the valuation and its source. For a pledge it stands behind
// the amount, for a line behind the unit value. A valuation in euros
// (Currency empty) has no rate and no original figure of its own.
type Valuation struct {
	// Currency is the ISO 4217 code of the original figure; empty is euros.
	Currency string `json:"currency,omitzero"`
	// Original is the figure in cents of Currency.
	Original money.Cents `json:"original,omitzero"`
	// Rate is units of Currency per euro, an exact decimal such as 1.0813,
	// and RateDate the day (YYYY-MM-DD) whose rate it is.
	Rate     string `json:"rate,omitzero"`
	RateDate string `json:"rate_date,omitzero"`
	Basis    string `json:"basis,omitzero"`
	Source   string `json:"source,omitzero"`
}

// Foreign reports whether the figure was given in a currency other than
// the euro.
func (v Valuation) Foreign() bool { return v.Currency != "" }

// Words is the valuation for people, as it follows the euro figure it
// stands behind: "USD 1,081,300.00 at 1.0813 per euro on 2023-12-29,
// official, source …", or "basis not stated" when nothing is known.
func (v Valuation) Words() string {
	var parts []string
	if v.Foreign() {
		s := v.Original.In(v.Currency) + " at " + v.Rate + " per euro"
		if v.RateDate != "" {
			s += " on " + v.RateDate
		}
		parts = append(parts, s)
	}
	if v.Basis == "" {
		parts = append(parts, "basis not stated")
	} else {
		parts = append(parts, BasisWords(v.Basis))
	}
	if v.Source != "" {
		parts = append(parts, "source "+v.Source)
	}
	return strings.Join(parts, ", ")
}

// isCurrency reports whether c is three letters A–Z, as ISO 4217 codes are.
func isCurrency(c string) bool {
	return len(c) == 3 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// check verifies v against *eur, the euro figure it stands behind, and
// reports every problem into errs: v's own fields under prefix
// (prefix+"currency", …), a euro figure the conversion contradicts under
// eurField. A figure in another currency gives the euro figure by
// money.ToEUR: an empty euro figure (zero) is filled with it, one given
// that differs is refused saying both, never changed. undisclosed says the
// value is not public: it has no figure in any currency. today
// (YYYY-MM-DD) bounds the rate's date; empty does not bound it.
func (v *Valuation) check(errs *fault.List, prefix, eurField string, eur *money.Cents, undisclosed bool, today string) {
	v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
	v.Rate, v.RateDate = strings.TrimSpace(v.Rate), strings.TrimSpace(v.RateDate)
	v.Basis, v.Source = strings.TrimSpace(v.Basis), strings.TrimSpace(v.Source)
	if v.Basis != "" && !slices.Contains(Bases, v.Basis) {
		errs.Add(prefix+"basis", "%q is not a basis: use one of %s, or leave it empty", v.Basis, strings.Join(Bases, ", "))
	}
	if len(v.Source) > MaxSource {
		errs.Add(prefix+"source", "is longer than %d characters", MaxSource)
	}
	if v.Currency == "EUR" {
		v.Currency = ""
	}
	if undisclosed {
		for _, f := range []struct {
			name  string
			given bool
		}{{"currency", v.Currency != ""}, {"original", v.Original != 0}, {"rate", v.Rate != ""}, {"rate_date", v.RateDate != ""}} {
			if f.given {
				errs.Add(prefix+f.name, "the value is undisclosed: it has no figure in any currency; give the figure and say it is disclosed, or leave the %s empty", strings.ReplaceAll(f.name, "_", " "))
			}
		}
		return
	}
	if v.Currency == "" {
		// Euros: the original figure is the euro figure itself.
		if v.Rate != "" {
			errs.Add(prefix+"rate", "a figure in euros has no exchange rate: leave it empty, or name the currency the figure was given in")
		}
		if v.RateDate != "" {
			errs.Add(prefix+"rate_date", "a figure in euros has no rate date: leave it empty, or name the currency the figure was given in")
		}
		switch {
		case v.Original == 0:
		case v.Original < 0:
			errs.Add(prefix+"original", "must not be negative")
		case *eur == 0:
			*eur = v.Original
		case v.Original != *eur:
			errs.Add(eurField, "%s is not the original figure %s, in euros too: leave one of them empty, or make them agree", eur.In(""), v.Original.In(""))
		}
		v.Original = 0
		return
	}
	ok := true
	if !isCurrency(v.Currency) {
		errs.Add(prefix+"currency", "%q is not an ISO 4217 code such as USD or GBP", v.Currency)
		ok = false
	}
	switch {
	case v.Original <= 0:
		errs.Add(prefix+"original", "give the figure in %s, more than zero, that the euro figure converts", v.Currency)
		ok = false
	case v.Original > money.MaxAmount:
		errs.Add(prefix+"original", "%s %v", v.Original.In(v.Currency), money.ErrTooLarge)
		ok = false
	}
	if v.Rate == "" {
		errs.Add(prefix+"rate", "give the rate used, in %s per euro, such as 1.0813", v.Currency)
		ok = false
	} else if _, err := money.ParseRate(v.Rate); err != nil {
		errs.Add(prefix+"rate", "%v: give the rate in %s per euro", err, v.Currency)
		ok = false
	}
	if v.RateDate == "" {
		errs.Add(prefix+"rate_date", "give the day of the rate used (YYYY-MM-DD)")
	} else if d, err := ParseDate(prefix+"rate_date", v.RateDate); err != nil {
		errs.Append("", err)
	} else if err := Plausible(prefix+"rate_date", d); err != nil {
		errs.Append("", err)
	} else if today != "" && d > today {
		errs.Add(prefix+"rate_date", "%s is after today (%s): a rate used is one already published", d, today)
	}
	if !ok {
		return
	}
	conv, err := money.ToEUR(int64(v.Original), v.Rate)
	if err == nil {
		_, err = conv.Checked()
	}
	switch {
	case errors.Is(err, money.ErrRange), errors.Is(err, money.ErrTooLarge):
		errs.Add(prefix+"original", "%s at %s per euro %v", v.Original.In(v.Currency), v.Rate, money.ErrTooLarge)
	case err != nil:
		errs.Add(prefix+"rate", "%v", err)
	case conv == 0:
		errs.Add(prefix+"original", "%s at %s per euro is less than a euro cent", v.Original.In(v.Currency), v.Rate)
	case *eur == 0:
		*eur = conv
	case *eur != conv:
		errs.Add(eurField, "%s at %s per euro is %s, not %s: leave the euro figure empty to take the conversion, or correct it",
			v.Original.In(v.Currency), v.Rate, conv.In(""), eur.In(""))
	}
}

// Revaluation is a change of the euro figure of a pledge's amount (Line 0)
// or of a line's unit value (Line, its number), with the valuation that
// stands behind the new figure and why it changed. Revaluations are never
// changed or deleted: they are the history of the pledge's value.
type Revaluation struct {
	ID int64 `json:"id"`
	// Line is the number of the line revalued; 0 is the pledge's amount.
	Line int `json:"line"`
	// Was is the euro figure before, EUR the euro figure after: the
	// amount, or the line's unit value.
	Was money.Cents `json:"was"`
	EUR money.Cents `json:"eur"`
	Valuation
	Reason     string    `json:"reason"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// What names the figure revalued, for people: "the amount" or "line 2".
func (r Revaluation) What() string {
	if r.Line == 0 {
		return "the amount"
	}
	return fmt.Sprintf("line %d", r.Line)
}

// Revalue checks revaluation r against the pledge as it stands on today
// (YYYY-MM-DD) and sets the figure it names (the amount, or a line's unit
// value) and its valuation. It reports every problem at once. A new
// valuation in another currency gives the new euro figure, as when the
// pledge was recorded; the new figure is more than zero, and an amount
// may not fall below what is committed of it. A value the donor has not
// disclosed has no figure to revalue. Goods already delivered stay in the
// accounts at the value of the day they were delivered: a revaluation
// changes the pledge's figures from now on, not the years already counted.
func (p *Pledge) Revalue(r *Revaluation, today string) error {
	var errs fault.List
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case r.Reason == "":
		errs.Add("reason", "say why the figure changes: a new official figure, a correction, a price list …")
	case len(r.Reason) > MaxReason:
		errs.Add("reason", "is longer than %d characters", MaxReason)
	}
	var line *Line
	switch {
	case r.Line < 0:
		errs.Add("line", "%d is not a line: give the line's number, or 0 for the amount", r.Line)
	case r.Line == 0 && p.ValueUndisclosed:
		errs.Add("line", "%s's value is undisclosed: a figure not made public cannot be revalued; edit the pledge once the donor discloses it", p.Ref())
	case r.Line == 0 && p.Amount == 0:
		errs.Add("line", "%s pledges no amount of money: name the line to revalue", p.Ref())
	case r.Line == 0:
		r.Was = p.Amount
	default:
		for i := range p.Lines {
			if p.Lines[i].No == r.Line {
				line = &p.Lines[i]
			}
		}
		switch {
		case line == nil:
			errs.Add("line", "%s has no line %d", p.Ref(), r.Line)
		case line.ValueUndisclosed:
			errs.Add("line", "line %d's value is undisclosed: a figure not made public cannot be revalued", r.Line)
			line = nil
		default:
			r.Was = line.UnitValue
		}
	}
	r.Valuation.check(&errs, "", "eur", &r.EUR, false, today)
	switch {
	case errs.Has("eur"):
	case r.EUR == 0 && r.Valuation.Foreign():
		// the conversion failed, and says why
	case r.EUR <= 0:
		errs.Add("eur", "must be more than zero: give the new euro figure, or the figure in its currency with the rate")
	case r.EUR > money.MaxAmount:
		errs.Add("eur", "%v", money.ErrTooLarge)
	case r.Line == 0 && !errs.Has("line") && r.EUR < p.AmountCommitted:
		errs.Add("eur", "%s of %s's money is committed: its amount cannot be less than that", p.AmountCommitted.In(""), p.Ref())
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if line == nil {
		if r.EUR == p.Amount && r.Valuation == p.AmountValuation {
			return fault.Field("eur", "the amount is %s on that valuation already: nothing changes", p.Amount.In(""))
		}
		p.Amount, p.AmountValuation = r.EUR, r.Valuation
	} else {
		if r.EUR == line.UnitValue && r.Valuation == line.Valuation {
			return fault.Field("eur", "line %d's unit value is %s on that valuation already: nothing changes", line.No, line.UnitValue.In(""))
		}
		line.UnitValue, line.Valuation = r.EUR, r.Valuation
	}
	if err := p.CheckValue(); err != nil {
		// The pledge's value with the new figure is too large: the new
		// figure is at fault.
		var out fault.List
		out.Append("", err)
		for _, e := range out {
			e.Field = "eur"
		}
		return out.Err()
	}
	return nil
}

// MayRevalue says who revalues a pledge's figures: the pledging nation or
// a coordinator, as for recording its money.
func MayRevalue(ctx context.Context, nation string) error {
	if id := access.IdentityFrom(ctx); !id.MayWriteFor(nation) {
		return fault.Errorf(fault.Forbidden, "%s may not revalue %s's pledges", id.Name, nation)
	}
	return nil
}

// Revalue records revaluation r of pledge id, if its stored version is
// version: the new figure and its valuation, the revaluation in the
// pledge's history and its audit event, in one transaction.
func (s *Service) Revalue(ctx context.Context, id, version int64, r Revaluation) (Pledge, error) {
	var out Pledge
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		out, err = revalueIn(ctx, tx, id, version, r)
		return err
	})
	return out, err
}

// CheckRevaluation reports every problem that revaluation r of pledge id
// would meet, and saves nothing: for a form or request some of whose
// fields did not even parse, so that the person sees every problem in one
// round.
func (s *Service) CheckRevaluation(ctx context.Context, id, version int64, r Revaluation) error {
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if _, err := revalueIn(ctx, tx, id, version, r); err != nil {
			return err
		}
		return errChecked
	})
	if errors.Is(err, errChecked) {
		return nil
	}
	return err
}

// revalueIn is Revalue inside a transaction the caller holds.
func revalueIn(ctx context.Context, tx Tx, id, version int64, r Revaluation) (Pledge, error) {
	var out Pledge
	err := func() error {
		old, err := tx.Pledge(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "pledge "+audit.ID(id), old.Nation, old.Marking); err != nil {
			return err
		}
		if err := MayRevalue(ctx, old.Nation); err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		p := old
		p.Lines = slices.Clone(old.Lines)
		now := tx.Now()
		if err := p.Revalue(&r, now.UTC().Format(DateLayout)); err != nil {
			return err
		}
		r.RecordedAt = now
		if r.RecordedBy == "" {
			r.RecordedBy = access.IdentityFrom(ctx).Name
		}
		p.UpdatedAt = now
		if err := tx.UpdatePledge(ctx, &p, old.Version); err != nil {
			if e := fault.As(err); e != nil && e.Code == fault.Invalid {
				// The store refuses what the new figure does to the
				// ledger (its total beyond bound): the figure is at fault.
				return fault.Field("eur", "%s", e.Message)
			}
			return err
		}
		if err := tx.AddRevaluation(ctx, p.ID, &r); err != nil {
			return err
		}
		p.Revaluations = append(slices.Clone(old.Revaluations), r)
		out = p
		return tx.Audit(ctx, audit.Record{Action: "pledge.revalue", Entity: "pledge", EntityID: audit.ID(p.ID), Before: old, After: struct {
			Pledge
			Revaluation Revaluation `json:"revaluation"`
		}{p, r}})
	}()
	return out, err
}
