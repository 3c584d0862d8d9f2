package assist

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// An opening balance brings a ledger kept elsewhere (another Longhaul, a
// coordinator's workbook) in as it stands on the day it is taken over:
// its requirements and pledges under their own references, then how far
// each pledge has come, step by step. Each step goes through the rule that
// governs it here (commit, allocate and accept through ActIn, money through
// Pledge.Pay); what was shipped and delivered before the opening has no
// shipment or receipt here, and the allocation keeps it apart
// (Allocation.OpeningShipped, OpeningDelivered) for longhaul check. Only a
// coordinator opens a balance, and every step is audited.

// The steps of an opening balance: a line's quantity committed, allocated
// to a requirement, shipped, delivered (on a date) and accepted against
// that allocation, or withdrawn; a pledge's money committed or disbursed
// (on a date, with its evidence).
const (
	OpenCommitted      = "committed"
	OpenAllocated      = "allocated"
	OpenShipped        = "shipped"
	OpenDelivered      = "delivered"
	OpenAccepted       = "accepted"
	OpenWithdrawn      = "withdrawn"
	OpenMoneyCommitted = "money_committed"
	OpenMoneyDisbursed = "money_disbursed"
)

// OpeningSteps lists the steps in the order a pledge goes through them.
var OpeningSteps = []string{OpenCommitted, OpenAllocated, OpenShipped, OpenDelivered, OpenAccepted, OpenWithdrawn, OpenMoneyCommitted, OpenMoneyDisbursed}

// Opening is one step of an opening balance.
type Opening struct {
	Pledge int64  `json:"pledge"`
	Line   int    `json:"line,omitempty"` // the line's number; none for money
	Step   string `json:"step"`
	// Requirement is the requirement of the allocation the step moves
	// (allocated, shipped, delivered, accepted).
	Requirement int64       `json:"requirement,omitempty"`
	Quantity    int64       `json:"quantity,omitempty"`
	Amount      money.Cents `json:"amount,omitempty"`
	Date        string      `json:"date,omitempty"`
	Evidence    string      `json:"evidence,omitempty"`
}

// MayOpen says who opens a balance: a coordinator, or the system itself
// (the command line run by the operator).
func MayOpen(ctx context.Context) error {
	id := access.IdentityFrom(ctx)
	if id.Has(access.Coordinator) || id.Via == "system" {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "%s may not import an opening balance: only a coordinator may", id.Name)
}

// MaxRef bounds the references an opening balance brings in: a billion
// records of a kind, and far from the end of the ids a database counts,
// so that the records made after it still get theirs.
const MaxRef = 999_999_999

// ParseRef reads a reference such as P-00012 (prefix "P-") as the id it
// names; field names it in the problem.
func ParseRef(field, prefix, s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	digits, ok := strings.CutPrefix(s, prefix)
	id, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || id <= 0 || strings.Trim(digits, "0123456789") != "" {
		return 0, fault.Field(field, "%q is not a reference such as %s00012", s, prefix)
	}
	if id > MaxRef {
		return 0, fault.Field(field, "%s is beyond the last reference, %s%d", s, prefix, MaxRef)
	}
	return id, nil
}

// OpenPledgeIn records pledge p under id, as a coordinator bringing in an
// opening balance: the same checks as CreatePledgeIn, audited as
// pledge.opening.
func (s *Service) OpenPledgeIn(ctx context.Context, tx Tx, p *Pledge, id int64) error {
	if err := MayOpen(ctx); err != nil {
		return err
	}
	return s.createPledge(ctx, tx, p, id, "pledge.opening")
}

// OpenRequirementIn records requirement r under id, as OpenPledgeIn does
// a pledge.
func (s *Service) OpenRequirementIn(ctx context.Context, tx Tx, r *Requirement, id int64) error {
	if err := MayOpen(ctx); err != nil {
		return err
	}
	return s.createRequirement(ctx, tx, r, id, "requirement.opening")
}

// OpenIn applies one step of an opening balance in the caller's
// transaction, on the pledge as the steps before it left it; every
// problem of the step is named by its field.
func (s *Service) OpenIn(ctx context.Context, tx Tx, o Opening) error {
	if err := MayOpen(ctx); err != nil {
		return err
	}
	p, err := tx.Pledge(ctx, o.Pledge)
	if err == nil {
		err = canSee(ctx, "pledge", p.Nation, p.Marking)
	}
	if fault.Code(err) == fault.NotFound {
		return fault.Field("pledge_ref", "no pledge P-%05d: import the pledges before their progress", o.Pledge)
	} else if err != nil {
		return err
	}
	switch o.Step {
	case OpenMoneyCommitted, OpenMoneyDisbursed:
		return openMoney(ctx, tx, p, o)
	case OpenCommitted, OpenAllocated, OpenShipped, OpenDelivered, OpenAccepted, OpenWithdrawn:
	default:
		return fault.Field("step", "%q is not a step: use one of %s", o.Step, strings.Join(OpeningSteps, ", "))
	}
	var l *Line
	for i := range p.Lines {
		if p.Lines[i].No == o.Line {
			l = &p.Lines[i]
		}
	}
	var errs fault.List
	if l == nil {
		errs.Add("line", "%s has no line %d", p.Ref(), o.Line)
	}
	if o.Quantity <= 0 {
		errs.Add("quantity", "must be a positive whole number")
	}
	needsReq := o.Step != OpenCommitted && o.Step != OpenWithdrawn
	if needsReq && o.Requirement == 0 {
		errs.Add("requirement_ref", "name the requirement the line is allocated to")
	}
	if !needsReq && o.Requirement != 0 {
		errs.Add("requirement_ref", "a line is %s as a whole, not against a requirement: leave it empty", o.Step)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	switch o.Step {
	case OpenCommitted:
		_, err := ActIn(ctx, tx, p.ID, p.Version, Action{Kind: Commit, Line: l.ID, Quantity: o.Quantity})
		return err
	case OpenAllocated:
		_, err := ActIn(ctx, tx, p.ID, p.Version, Action{Kind: Allocate, Line: l.ID, Quantity: o.Quantity, Requirement: o.Requirement})
		return asRequirementRef(err)
	}
	allocs, err := tx.LineAllocations(ctx, l.ID)
	if err != nil {
		return err
	}
	var al *Allocation
	for i := range allocs {
		if allocs[i].Requirement == o.Requirement {
			al = &allocs[i]
			break
		}
	}
	if al == nil && o.Step != OpenWithdrawn {
		return fault.Field("requirement_ref", "line %d of %s is not allocated to R-%05d: its allocation comes first", l.No, p.Ref(), o.Requirement)
	}
	switch o.Step {
	case OpenAccepted:
		_, err := ActIn(ctx, tx, p.ID, p.Version, Action{Kind: Accept, Line: l.ID, Quantity: o.Quantity, Allocation: al.ID})
		return err
	case OpenWithdrawn:
		// The pledges' file gives the quantity left after withdrawals: what
		// was withdrawn before the opening is recorded beside it.
		return s.openLine(ctx, tx, p, l, nil, o)
	}
	return s.openLine(ctx, tx, p, l, al, o)
}

// asRequirementRef names a problem with the requirement as an opening
// balance's file names the column.
func asRequirementRef(err error) error {
	if e := fault.As(err); e != nil && e.Field == "requirement" {
		c := *e
		c.Field = "requirement_ref"
		return &c
	}
	return err
}

// openLine records what was shipped, delivered or withdrawn before the
// opening on line l (and its allocation al).
func (s *Service) openLine(ctx context.Context, tx Tx, old Pledge, l *Line, al *Allocation, o Opening) error {
	p := old
	p.Lines = append([]Line(nil), old.Lines...)
	for i := range p.Lines {
		if p.Lines[i].ID == l.ID {
			l = &p.Lines[i]
		}
	}
	switch o.Step {
	case OpenShipped:
		if left := al.Quantity - al.Shipped; o.Quantity > left {
			return fault.Field("quantity", "%d is more than the %d of line %d allocated to R-%05d and not shipped", o.Quantity, left, l.No, o.Requirement)
		}
		al.Shipped += o.Quantity
		al.OpeningShipped += o.Quantity
		l.Shipped += o.Quantity
	case OpenDelivered:
		var errs fault.List
		if left := al.OpeningShipped - al.OpeningDelivered; o.Quantity > left {
			errs.Add("quantity", "%d is more than the %d of line %d shipped to R-%05d before the opening and not delivered (what a shipment carries is delivered by its receipt)", o.Quantity, left, l.No, o.Requirement)
		}
		d, err := openDate(old, o.Date, tx.Now().UTC().Format(DateLayout), "delivered")
		errs.Append("", err)
		if err := errs.Err(); err != nil {
			return err
		}
		al.Delivered += o.Quantity
		al.OpeningDelivered += o.Quantity
		l.Delivered += o.Quantity
		l.DeliveredOn = d
	case OpenWithdrawn:
		l.Withdrawn += o.Quantity
	}
	if err := l.Check(); err != nil {
		return err
	}
	p.UpdatedAt = tx.Now()
	if err := tx.UpdatePledge(ctx, &p, old.Version); err != nil {
		return err
	}
	if al != nil {
		if err := tx.SaveAllocation(ctx, al); err != nil {
			return err
		}
	}
	if o.Step == OpenDelivered {
		if err := Recount(ctx, tx, o.Requirement, "requirement.opening", p); err != nil {
			return err
		}
	}
	return auditOpening(ctx, tx, old, p, o)
}

// auditOpening audits step o of an opening balance, which took pledge
// old to p.
func auditOpening(ctx context.Context, tx Tx, old, p Pledge, o Opening) error {
	return tx.Audit(ctx, audit.Record{Action: "pledge.opening", Entity: "pledge", EntityID: audit.ID(p.ID), Before: old, After: struct {
		Pledge
		Opening Opening `json:"opening"`
	}{p, o}})
}

// openDate checks the date of a step before the opening: a real date, not
// after today nor before the pledge was announced.
func openDate(p Pledge, v, today, what string) (string, error) {
	d, err := ParseDate("date", v)
	if err != nil {
		return "", err
	}
	if err := Plausible("date", d); err != nil {
		return "", err
	}
	if d > today {
		return "", fault.Field("date", "%s is after today (%s): an opening balance holds what was %s before it", d, today, what)
	}
	if d < p.Announced {
		return "", fault.Field("date", "%s is before %s was announced (%s)", d, p.Ref(), p.AnnouncedWords())
	}
	return d, nil
}

// openMoney records money committed or disbursed before the opening,
// through the rule of every payment (Pledge.Pay).
func openMoney(ctx context.Context, tx Tx, old Pledge, o Opening) error {
	var errs fault.List
	if o.Line != 0 {
		errs.Add("line", "money is a pledge's, not a line's: leave the line empty")
	}
	if o.Quantity != 0 || o.Requirement != 0 {
		errs.Add("quantity", "money moves by its amount: leave the quantity and the requirement empty")
	}
	p := old
	pay := Payment{Stage: strings.TrimPrefix(o.Step, "money_"), Amount: o.Amount, Date: o.Date, Evidence: o.Evidence}
	errs.Append("", p.Pay(&pay, tx.Now().UTC().Format(DateLayout)))
	if err := errs.Err(); err != nil {
		return err
	}
	if err := savePayment(ctx, tx, old, &p, &pay); err != nil {
		return err
	}
	return auditOpening(ctx, tx, old, p, o)
}

// String is the step as the preview of an import shows it.
func (o Opening) String() string {
	ref := fmt.Sprintf("P-%05d", o.Pledge)
	switch o.Step {
	case OpenMoneyCommitted, OpenMoneyDisbursed:
		return fmt.Sprintf("%s: %s %s on %s", ref, o.Amount.Human(false), strings.ReplaceAll(o.Step, "_", " "), o.Date)
	case OpenCommitted, OpenWithdrawn:
		return fmt.Sprintf("%s line %d: %d %s", ref, o.Line, o.Quantity, o.Step)
	case OpenDelivered:
		return fmt.Sprintf("%s line %d: %d delivered to R-%05d on %s", ref, o.Line, o.Quantity, o.Requirement, o.Date)
	}
	return fmt.Sprintf("%s line %d: %d %s to R-%05d", ref, o.Line, o.Quantity, o.Step, o.Requirement)
}

// Progress is how far one pledge has come, as an export of its progress
// reads it: the pledge with its lines and payments, its lines'
// allocations (oldest first) and what each line delivered on each day.
type Progress struct {
	Pledge      Pledge
	Allocations []Allocation
	Deliveries  []Delivered
}

// Delivered is what a line delivered on one day, as the accounts count it.
type Delivered struct {
	Line     int64  // the line's id
	Date     string // YYYY-MM-DD
	Quantity int64
}

// Steps writes a pledge's progress as the steps of an opening balance that
// bring an empty ledger to the same state: per line, what is committed;
// per allocation, what is allocated, shipped, delivered (on the days the
// line delivered, shared out over its allocations oldest first) and
// accepted; then what was withdrawn; then the money, payment by payment.
func (pr Progress) Steps() []Opening {
	p := pr.Pledge
	var out []Opening
	for _, l := range p.Lines {
		step := func(kind string, req, q int64) {
			if q > 0 {
				out = append(out, Opening{Pledge: p.ID, Line: l.No, Step: kind, Requirement: req, Quantity: q})
			}
		}
		step(OpenCommitted, 0, l.Committed)
		days := dailyDeliveries(pr.Deliveries, l.ID)
		for _, a := range pr.Allocations {
			if a.LineID != l.ID {
				continue
			}
			step(OpenAllocated, a.Requirement, a.Quantity)
			step(OpenShipped, a.Requirement, a.Shipped)
			// The days' deliveries go to the allocations in turn, each
			// taking what it delivered: both add up to the line's.
			for left := a.Delivered; left > 0 && len(days) > 0; {
				n := min(left, days[0].Quantity)
				out = append(out, Opening{Pledge: p.ID, Line: l.No, Step: OpenDelivered, Requirement: a.Requirement, Quantity: n, Date: days[0].Date})
				left -= n
				if days[0].Quantity -= n; days[0].Quantity == 0 {
					days = days[1:]
				}
			}
			step(OpenAccepted, a.Requirement, a.Accepted)
		}
		step(OpenWithdrawn, 0, l.Withdrawn)
	}
	for _, pay := range p.Payments {
		out = append(out, Opening{Pledge: p.ID, Step: "money_" + pay.Stage, Amount: pay.Amount, Date: pay.Date, Evidence: pay.Evidence})
	}
	return out
}

// dailyDeliveries is what line delivered, day by day, oldest first, each
// day's net quantity; a day that took back more than it delivered takes it
// off the days before it.
func dailyDeliveries(ds []Delivered, line int64) []Delivered {
	var out []Delivered
	for _, d := range ds {
		if d.Line != line {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Date == d.Date {
			out[n-1].Quantity += d.Quantity
			continue
		}
		out = append(out, d)
	}
	for i := 0; i < len(out); i++ {
		for j := i - 1; out[i].Quantity < 0 && j >= 0; j-- {
			n := min(out[j].Quantity, -out[i].Quantity)
			out[j].Quantity -= n
			out[i].Quantity += n
		}
	}
	kept := out[:0]
	for _, d := range out {
		if d.Quantity > 0 {
			kept = append(kept, d)
		}
	}
	return kept
}
