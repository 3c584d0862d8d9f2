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
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the ledger's use cases need from storage inside one
// transaction. Lookups return a fault.NotFound error for a missing record.
// Updates take the version the caller read and return a fault.Conflict error
// when the stored record has moved on; they set the record's new version.
type Tx interface {
	Now() time.Time
	Nation(ctx context.Context, code string) (catalog.Nation, error)
	Site(ctx context.Context, code string) (catalog.Site, error)
	Item(ctx context.Context, nsn string) (catalog.Item, error)
	GroupExists(ctx context.Context, group string) (bool, error)

	Requirement(ctx context.Context, id int64) (Requirement, error)
	CreateRequirement(ctx context.Context, r *Requirement) error
	UpdateRequirement(ctx context.Context, r *Requirement, version int64) error

	Pledge(ctx context.Context, id int64) (Pledge, error)
	CreatePledge(ctx context.Context, p *Pledge) error
	// UpdatePledge writes the pledge's own fields and its amount's
	// valuation, and its lines' quantities, unit values and valuations.
	UpdatePledge(ctx context.Context, p *Pledge, version int64) error
	LineAllocations(ctx context.Context, lineID int64) ([]Allocation, error)
	RequirementAllocations(ctx context.Context, reqID int64) ([]Allocation, error)
	SaveAllocation(ctx context.Context, a *Allocation) error
	// AddPayment records a step of pledge's money, setting its id.
	AddPayment(ctx context.Context, pledge int64, pay *Payment) error
	// AddRevaluation records a change of one of pledge's euro figures,
	// setting its id.
	AddRevaluation(ctx context.Context, pledge int64, r *Revaluation) error

	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the ledger's use cases.
type Service struct {
	Store Store
}

// recipient is the nation whose requirements Longhaul holds.
const recipient = "UKR"

// canSee returns NotFound for a record the actor may not read, so that a
// refusal does not tell that it exists.
func canSee(ctx context.Context, what, nation string, m access.Marking) error {
	if access.IdentityFrom(ctx).CanSee(nation, m) {
		return nil
	}
	return fault.Errorf(fault.NotFound, "no %s", what)
}

// mayMark refuses a marking above the actor's clearance: nobody records
// what they could not read back.
func mayMark(ctx context.Context, m access.Marking) error {
	if id := access.IdentityFrom(ctx); m.Classification > id.Clearance {
		return fault.Field("classification", "%s is above your clearance (%s)", m.Classification, id.Clearance)
	}
	return nil
}

// mayLower refuses a marking m that would let more people read a record
// marked old, unless the actor may lower markings; it reports whether m
// lowers old, so that the change is audited as the act it is.
func mayLower(ctx context.Context, old, m access.Marking) (bool, error) {
	if !m.Lowers(old) {
		return false, nil
	}
	if id := access.IdentityFrom(ctx); id.Via != "system" && !access.Allowed(id, access.MarkingLower) {
		field := "classification"
		if m.Classification >= old.Classification {
			field = "releasable_to"
		}
		return true, &fault.Error{Code: fault.Forbidden, Field: field,
			Message: fmt.Sprintf("%s may not lower the marking %s to %s (%s): only a coordinator may", id.Name, old, m, access.MarkingLower)}
	}
	return true, nil
}

// mayWriteFor refuses a change to another nation's pledge.
func mayWriteFor(ctx context.Context, nation string) error {
	if id := access.IdentityFrom(ctx); !id.MayWriteFor(nation) {
		return fault.Errorf(fault.Forbidden, "%s may not change %s's pledges", id.Name, nation)
	}
	return nil
}

// checkReleasability refuses releasability to a nation that does not exist.
func checkReleasability(ctx context.Context, tx Tx, errs *fault.List, m access.Marking) error {
	for _, code := range m.ReleasableTo {
		n, err := tx.Nation(ctx, code)
		switch {
		case fault.Code(err) == fault.NotFound:
			errs.Add("releasable_to", "%q is not a nation: use ISO alpha-3 codes such as UKR", code)
		case err != nil:
			return err
		case !n.HasUsers():
			errs.Add("releasable_to", "%s (%s) has no one reading here: release to the Allies, partners, Ukraine or the EU", n.Name, n.Code)
		}
	}
	return nil
}

func (s *Service) checkRequirementRefs(ctx context.Context, tx Tx, r *Requirement) error {
	var errs fault.List
	if err := checkReleasability(ctx, tx, &errs, r.Marking); err != nil {
		return err
	}
	if r.NSN != "" {
		nsn, err := catalog.ParseNSN(r.NSN)
		if err != nil {
			errs.Append("", err)
		} else if _, err := tx.Item(ctx, nsn); err != nil {
			errs.Append("nsn", fault.NotFoundAsInvalid(err, "no item with NSN %s in the catalogue", nsn))
		} else {
			r.NSN = nsn
		}
	}
	if r.Group != "" {
		ok, err := tx.GroupExists(ctx, r.Group)
		if err != nil {
			return err
		}
		if !ok {
			errs.Add("group", "no item in the catalogue belongs to group %q", r.Group)
		}
	}
	if r.DeliverySite != "" {
		site, err := tx.Site(ctx, r.DeliverySite)
		if err != nil {
			errs.Append("delivery_site", fault.NotFoundAsInvalid(err, "no site %q", r.DeliverySite))
		} else if !site.HasKind("delivery_point") && !site.HasKind("repair_facility") {
			errs.Add("delivery_site", "%s (%s) is neither a delivery point nor a repair facility (for spare parts)", site.Code, site.Name)
		}
	}
	return errs.Err()
}

// CreateRequirement validates and stores a new requirement.
func (s *Service) CreateRequirement(ctx context.Context, r Requirement) (Requirement, error) {
	err := s.Store.Transact(ctx, func(tx Tx) error { return s.CreateRequirementIn(ctx, tx, &r) })
	return r, err
}

// CreateRequirementIn validates and stores a new requirement inside a
// transaction the caller holds, so that an import adds all or nothing.
func (s *Service) CreateRequirementIn(ctx context.Context, tx Tx, r *Requirement) error {
	return s.createRequirement(ctx, tx, r, 0, "requirement.create")
}

// createRequirement records r, under id when it is not zero (an opening
// balance), audited as action.
func (s *Service) createRequirement(ctx context.Context, tx Tx, r *Requirement, id int64, action string) error {
	// Every problem of the input at once: its own rules, then what it
	// names, each field once.
	var errs fault.List
	verr := r.Validate()
	if verr != nil && fault.Code(verr) != fault.Invalid {
		return verr
	}
	errs.Append("", verr)
	rerr := s.checkRequirementRefs(ctx, tx, r)
	if rerr != nil && fault.Code(rerr) != fault.Invalid {
		return rerr
	}
	errs.AppendNew("", rerr)
	if err := errs.Err(); err != nil {
		return err
	}
	r.Allocated, r.Delivered, r.Accepted, r.Cancelled = 0, 0, 0, false
	if err := mayMark(ctx, r.Marking); err != nil {
		return err
	}
	r.Derive()
	r.CreatedAt, r.UpdatedAt = tx.Now(), tx.Now()
	r.ID = id
	if err := tx.CreateRequirement(ctx, r); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: action, Entity: "requirement", EntityID: audit.ID(r.ID), After: r.Audited()})
}

// MaxRequirementsAtOnce is the most requirements one batch may hold: a
// grid or a block pasted from a spreadsheet, not an import.
const MaxRequirementsAtOnce = 500

// CreateRequirements validates and stores several new requirements in one
// transaction: all of them, or none if any is refused, every problem of
// every one named by its place in the batch ("requirements[2].quantity"),
// as a spreadsheet user enters a block of rows at once. Only those who may
// submit requirements may.
func (s *Service) CreateRequirements(ctx context.Context, rs []Requirement) ([]Requirement, error) {
	out := slices.Clone(rs)
	if err := s.Store.Transact(ctx, func(tx Tx) error { return s.createRequirementsIn(ctx, tx, out) }); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckRequirements reports every problem that CreateRequirements would
// meet with rs, and saves nothing: for a grid some of whose cells did not
// even parse, so that the person sees every problem of every row at once.
func (s *Service) CheckRequirements(ctx context.Context, rs []Requirement) error {
	rs = slices.Clone(rs)
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if err := s.createRequirementsIn(ctx, tx, rs); err != nil {
			return err
		}
		return errChecked
	})
	if errors.Is(err, errChecked) {
		return nil
	}
	return err
}

func (s *Service) createRequirementsIn(ctx context.Context, tx Tx, rs []Requirement) error {
	if id := access.IdentityFrom(ctx); id.Via != "system" && !access.Allowed(id, access.RequirementWrite) {
		return fault.Errorf(fault.Forbidden, "%s may not submit requirements (%s)", id.Name, access.RequirementWrite)
	}
	switch {
	case len(rs) == 0:
		return fault.Field("requirements", "give at least one requirement")
	case len(rs) > MaxRequirementsAtOnce:
		return fault.Field("requirements", "at most %d requirements at once, not %d", MaxRequirementsAtOnce, len(rs))
	}
	var errs fault.List
	for i := range rs {
		if err := s.CreateRequirementIn(ctx, tx, &rs[i]); err != nil {
			if fault.Code(err) != fault.Invalid {
				return err // a failure ends them all
			}
			errs.Append(fmt.Sprintf("requirements[%d]", i), err)
		}
	}
	return errs.Err()
}

// UpdateRequirement changes a requirement's fields. Its quantity may not
// fall below what is already allocated, and the item it names may not change
// once anything is allocated to it. The parts of the marking named in keep
// stay as stored; a lower marking needs access.MarkingLower and is audited
// as requirement.lower_marking.
func (s *Service) UpdateRequirement(ctx context.Context, id, version int64, in Requirement, keep ...access.MarkingPart) (Requirement, error) {
	if err := in.Validate(); err != nil {
		return in, err
	}
	var out Requirement
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Requirement(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "requirement "+audit.ID(id), recipient, old.Marking); err != nil {
			return err
		}
		in.Marking = in.Marking.Keep(old.Marking, keep...)
		if err := mayMark(ctx, in.Marking); err != nil {
			return err
		}
		lowered, err := mayLower(ctx, old.Marking, in.Marking)
		if err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		if old.Cancelled {
			return fault.Errorf(fault.Conflict, "%s is cancelled and can no longer change", old.Ref())
		}
		if err := s.checkRequirementRefs(ctx, tx, &in); err != nil {
			return err
		}
		if in.Quantity < old.Allocated {
			return fault.Field("quantity", "%d is less than the %d already allocated", in.Quantity, old.Allocated)
		}
		if old.Allocated > 0 && (in.NSN != old.NSN || in.Group != old.Group) {
			return fault.Field("nsn", "the item cannot change once stock is allocated to the requirement")
		}
		r := old
		r.NSN, r.Group, r.Quantity, r.Priority, r.NeedBy, r.DeliverySite, r.Notes, r.Marking =
			in.NSN, in.Group, in.Quantity, in.Priority, in.NeedBy, in.DeliverySite, in.Notes, in.Marking
		r.Derive()
		r.UpdatedAt = tx.Now()
		if err := tx.UpdateRequirement(ctx, &r, old.Version); err != nil {
			return err
		}
		out = r
		action := "requirement.update"
		if lowered {
			action = "requirement.lower_marking"
		}
		return tx.Audit(ctx, audit.Record{Action: action, Entity: "requirement", EntityID: audit.ID(id), Before: old.Audited(), After: r.Audited()})
	})
	return out, err
}

// CancelRequirement cancels a requirement that has nothing allocated.
func (s *Service) CancelRequirement(ctx context.Context, id, version int64) (Requirement, error) {
	var out Requirement
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Requirement(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "requirement "+audit.ID(id), recipient, old.Marking); err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		if old.Cancelled {
			return fault.Errorf(fault.Conflict, "%s is already cancelled", old.Ref())
		}
		if old.Allocated > 0 {
			return fault.Errorf(fault.Conflict, "%s has %d allocated and cannot be cancelled", old.Ref(), old.Allocated)
		}
		r := old
		r.Cancelled = true
		r.Derive()
		r.UpdatedAt = tx.Now()
		if err := tx.UpdateRequirement(ctx, &r, old.Version); err != nil {
			return err
		}
		out = r
		return tx.Audit(ctx, audit.Record{Action: "requirement.cancel", Entity: "requirement", EntityID: audit.ID(id), Before: old.Audited(), After: r.Audited()})
	})
	return out, err
}

func (s *Service) checkPledgeRefs(ctx context.Context, tx Tx, p *Pledge, valid bool) error {
	var errs fault.List
	if err := checkReleasability(ctx, tx, &errs, p.Marking); err != nil {
		return err
	}
	if p.Nation != "" {
		n, err := tx.Nation(ctx, p.Nation)
		if err != nil {
			errs.Append("nation", fault.NotFoundAsInvalid(err, "no nation %q: use an ISO 3166 alpha-3 code such as DEU", p.Nation))
		} else if n.Role == catalog.RoleRecipient {
			errs.Add("nation", "%s is the recipient and cannot pledge", n.Name)
		}
	}
	if p.Depot != "" {
		site, err := tx.Site(ctx, p.Depot)
		if err != nil {
			errs.Append("depot", fault.NotFoundAsInvalid(err, "no site %q", p.Depot))
		} else if !site.HasKind("donor_depot") {
			errs.Add("depot", "%s (%s) is not a donor depot", site.Code, site.Name)
		}
	}
	for i := range p.Lines {
		l := &p.Lines[i]
		f := fmt.Sprintf("lines[%d].nsn", i)
		if l.NSN == "" {
			continue
		}
		nsn, err := catalog.ParseNSN(l.NSN)
		if err != nil {
			errs.Append(f, &fault.Error{Code: fault.Invalid, Message: fault.As(err).Message})
			continue
		}
		item, err := tx.Item(ctx, nsn)
		if err != nil {
			errs.Append(f, fault.NotFoundAsInvalid(err, "no item with NSN %s in the catalogue", nsn))
			continue
		}
		l.NSN, l.ItemName = nsn, item.Name
		if l.UnitValue == 0 && !l.ValueUndisclosed {
			l.UnitValue = item.UnitValue
		}
	}
	if valid && errs.Err() == nil {
		// The catalogue's unit values are known only now.
		errs.Append("", p.CheckValue())
	}
	return errs.Err()
}

// CreatePledge validates and stores a new pledge with its lines. A line's
// unit value defaults to the catalogue's when it is zero. Every problem of
// the input is reported at once.
func (s *Service) CreatePledge(ctx context.Context, p Pledge) (Pledge, error) {
	err := s.Store.Transact(ctx, func(tx Tx) error { return s.CreatePledgeIn(ctx, tx, &p) })
	return p, err
}

// errChecked ends the transaction of CheckPledge: nothing it did is kept.
var errChecked = errors.New("checked only")

// CheckPledge reports every problem that creating p would meet (its own
// rules, what it names, who may record it), and saves nothing: for a form
// or request some of whose fields did not even parse, so that the person
// sees every problem in one round.
func (s *Service) CheckPledge(ctx context.Context, p Pledge) error {
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if err := s.CreatePledgeIn(ctx, tx, &p); err != nil {
			return err
		}
		return errChecked
	})
	if errors.Is(err, errChecked) {
		return nil
	}
	return err
}

// CreatePledgeIn validates and stores a new pledge inside a transaction the
// caller holds, so that an import adds all or nothing.
func (s *Service) CreatePledgeIn(ctx context.Context, tx Tx, p *Pledge) error {
	return s.createPledge(ctx, tx, p, 0, "pledge.create")
}

// createPledge records p, under id when it is not zero (an opening
// balance), audited as action.
func (s *Service) createPledge(ctx context.Context, tx Tx, p *Pledge, id int64, action string) error {
	// Every problem of the input at once: its own rules, then what it
	// names (nation, depot, items), each field once.
	var errs fault.List
	verr := p.ValidateOn(tx.Now().UTC().Format(DateLayout))
	if verr != nil && fault.Code(verr) != fault.Invalid {
		return verr
	}
	errs.Append("", verr)
	if p.Lines == nil {
		p.Lines = []Line{}
	}
	rerr := s.checkPledgeRefs(ctx, tx, p, verr == nil)
	if rerr != nil && fault.Code(rerr) != fault.Invalid {
		return rerr
	}
	errs.AppendNew("", rerr)
	if err := errs.Err(); err != nil {
		return err
	}
	if err := mayWriteFor(ctx, p.Nation); err != nil {
		return err
	}
	if err := mayMark(ctx, p.Marking); err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = tx.Now(), tx.Now()
	p.ID = id
	if err := tx.CreatePledge(ctx, p); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: action, Entity: "pledge", EntityID: audit.ID(p.ID), After: p})
}

// UpdatePledge changes a pledge's own fields (not its lines): title,
// channel, category, dates, reference, amount and marking. The nation and
// kind of a pledge do not change. The parts of the marking named in keep
// stay as stored; a lower marking needs access.MarkingLower and is audited
// as pledge.lower_marking.
func (s *Service) UpdatePledge(ctx context.Context, id, version int64, in Pledge, keep ...access.MarkingPart) (Pledge, error) {
	return s.UpdatePledgeKeeping(ctx, id, version, in, nil, keep...)
}

// The optional fields of a pledge a change may leave as stored, for a
// request that did not name them: a client that does not know a field, or
// sends only what it changes, loses nothing by omission.
const (
	KeepDescription      = "description"
	KeepReference        = "reference"
	KeepDepot            = "depot"
	KeepAmount           = "amount"
	KeepValueUndisclosed = "value_undisclosed"
	KeepAmountValuation  = "amount_valuation"
)

// UpdatePledgeKeeping is UpdatePledge that leaves the optional fields
// named in fields (KeepDescription and the others) as stored.
func (s *Service) UpdatePledgeKeeping(ctx context.Context, id, version int64, in Pledge, fields []string, keep ...access.MarkingPart) (Pledge, error) {
	var out Pledge
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Pledge(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "pledge "+audit.ID(id), old.Nation, old.Marking); err != nil {
			return err
		}
		if err := mayWriteFor(ctx, old.Nation); err != nil {
			return err
		}
		in.Marking = in.Marking.Keep(old.Marking, keep...)
		if err := mayMark(ctx, in.Marking); err != nil {
			return err
		}
		lowered, err := mayLower(ctx, old.Marking, in.Marking)
		if err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		if n := strings.ToUpper(strings.TrimSpace(in.Nation)); n != "" && n != old.Nation {
			return fault.Field("nation", "the nation of a pledge cannot change")
		}
		for _, f := range fields {
			switch f {
			case KeepDescription:
				in.Description = old.Description
			case KeepReference:
				in.Reference = old.Reference
			case KeepDepot:
				in.Depot = old.Depot
			case KeepAmount:
				in.Amount = old.Amount
			case KeepValueUndisclosed:
				in.ValueUndisclosed = old.ValueUndisclosed
			case KeepAmountValuation:
				in.AmountValuation = old.AmountValuation
			default:
				return fault.Errorf(fault.Internal, "no field %q of a pledge to keep", f)
			}
		}
		// A date sent back as it was read keeps the precision it is known
		// to, unless the request states another.
		if in.AnnouncedPrecision == "" && strings.TrimSpace(in.Announced) == old.Announced {
			in.AnnouncedPrecision = old.AnnouncedPrecision
			if old.AnnouncedPrecision == RangePrecision {
				in.Announced, in.AnnouncedPrecision = old.AnnouncedText(), ""
			}
		}
		if in.PromisedPrecision == "" && strings.TrimSpace(in.Promised) == old.Promised {
			in.PromisedPrecision = old.PromisedPrecision
			if old.PromisedPrecision == RangePrecision {
				in.Promised, in.PromisedPrecision = old.PromisedText(), ""
			}
		}
		p := old
		p.AnnouncedPrecision, p.PromisedPrecision = in.AnnouncedPrecision, in.PromisedPrecision
		p.ValueUndisclosed, p.AmountValuation = in.ValueUndisclosed, in.AmountValuation
		p.Title, p.Description, p.Channel, p.Category, p.Announced, p.Promised, p.Reference, p.Amount, p.Marking, p.Depot =
			in.Title, in.Description, in.Channel, in.Category, in.Announced, in.Promised, in.Reference, in.Amount, in.Marking, in.Depot
		if in.Kind != "" {
			p.Kind = in.Kind
		}
		if in.Aid != "" {
			p.Aid = in.Aid
		}
		if in.Instrument != "" {
			p.Instrument = in.Instrument
		}
		// Validate resets the line quantities of a new pledge, so it checks
		// the header on a copy without lines when the pledge has any.
		check := p
		check.Lines = nil
		av := check.AmountValuation
		stand := len(p.Lines) > 0 && check.Amount == 0 && !check.ValueUndisclosed && strings.TrimSpace(av.Currency) == "" && av.Original == 0
		if stand {
			check.Amount = 1 // stands for the lines' value
		}
		var errs fault.List
		errs.Append("", check.ValidateOn(tx.Now().UTC().Format(DateLayout)))
		if stand && (strings.TrimSpace(av.Basis) != "" || strings.TrimSpace(av.Source) != "") {
			errs.Add("amount", "a basis or source for the amount, but no amount: give the amount, or leave its basis and source empty")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if !stand {
			p.Amount = check.Amount // an amount left empty takes its valuation's conversion
		}
		p.AmountValuation = check.AmountValuation
		p.Title, p.Announced, p.Promised, p.Reference, p.Depot = check.Title, check.Announced, check.Promised, check.Reference, check.Depot
		p.AnnouncedPrecision, p.PromisedPrecision = check.AnnouncedPrecision, check.PromisedPrecision
		p.AnnouncedUntil, p.PromisedFrom = check.AnnouncedUntil, check.PromisedFrom
		p.Aid, p.Instrument, p.Description = check.Aid, check.Instrument, check.Description
		if err := p.CheckValue(); err != nil {
			return err
		}
		p.UpdatedAt = tx.Now()
		if err := tx.UpdatePledge(ctx, &p, old.Version); err != nil {
			return err
		}
		out = p
		action := "pledge.update"
		if lowered {
			action = "pledge.lower_marking"
		}
		return tx.Audit(ctx, audit.Record{Action: action, Entity: "pledge", EntityID: audit.ID(id), Before: old, After: p})
	})
	return out, err
}

// Act performs one action on one line of a pledge: commit, allocate to a
// requirement, ship, deliver, accept or withdraw a quantity. Allocation,
// shipping, delivery and acceptance also update the requirements concerned.
func (s *Service) Act(ctx context.Context, id, version int64, a Action) (Pledge, error) {
	var out Pledge
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		out, err = ActIn(ctx, tx, id, version, a)
		return err
	})
	return out, err
}

// ActAll takes actions on several lines of a pledge in one transaction:
// all of them, or none if any is refused, every refusal named by its line
// ("line 2.quantity"), as a spreadsheet user commits or allocates a column
// of cells at once. version guards the first action; each next one acts on
// the pledge as the one before left it.
func (s *Service) ActAll(ctx context.Context, id, version int64, as []Action) (Pledge, error) {
	if len(as) == 0 {
		return Pledge{}, fault.Field("actions", "give a quantity on at least one line")
	}
	if len(as) > 500 {
		return Pledge{}, fault.Field("actions", "at most 500 actions at once")
	}
	var out Pledge
	err := s.Store.Transact(ctx, func(tx Tx) error {
		// Problems name the line by its number, as the page shows it.
		no := map[int64]int{}
		if p, err := tx.Pledge(ctx, id); err == nil {
			for _, l := range p.Lines {
				no[l.ID] = l.No
			}
		}
		var errs fault.List
		v := version
		for _, a := range as {
			p, err := ActIn(ctx, tx, id, v, a)
			if err != nil {
				if fault.Code(err) != fault.Invalid {
					return err // a stale version, a refusal or a failure ends them all
				}
				n, ok := no[a.Line]
				if !ok {
					n = int(a.Line)
				}
				errs.Append(fmt.Sprintf("line %d", n), err)
				continue
			}
			out, v = p, p.Version
		}
		return errs.Err()
	})
	if err != nil {
		return Pledge{}, err
	}
	return out, nil
}

// ActIn is Act inside a transaction the caller holds, for use cases that
// move pledge lines together with other records (a plan's approval).
func ActIn(ctx context.Context, tx Tx, id, version int64, a Action) (Pledge, error) {
	var out Pledge
	err := func() error {
		old, err := tx.Pledge(ctx, id)
		if err != nil {
			return err
		}
		if err := canSee(ctx, "pledge "+audit.ID(id), old.Nation, old.Marking); err != nil {
			return err
		}
		if err := MayAct(ctx, a.Kind, old.Nation); err != nil {
			return err
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		p := old
		p.Lines = append([]Line(nil), old.Lines...)
		l, err := p.Line(a.Line)
		if err != nil {
			return err
		}
		if l.QuantityUndisclosed && l.Pledged == 0 && a.Kind != Disclose {
			return fault.Field("quantity", "line %d's quantity is undisclosed: nothing of it can be committed, allocated or withdrawn until the donor says how many (disclose it)", l.No)
		}
		allocs, err := tx.LineAllocations(ctx, l.ID)
		if err != nil {
			return err
		}
		var req *Requirement
		if a.Kind == Allocate {
			if a.Requirement == 0 {
				return fault.Field("requirement", "name the requirement to allocate to")
			}
			r, err := tx.Requirement(ctx, a.Requirement)
			if err == nil {
				err = canSee(ctx, "requirement", recipient, r.Marking)
			}
			if fault.Code(err) == fault.NotFound {
				return fault.Field("requirement", "no requirement %d", a.Requirement)
			} else if err != nil {
				return err
			}
			item, err := tx.Item(ctx, l.NSN)
			if err != nil {
				return err
			}
			var reqItem *catalog.Item
			if r.NSN != "" {
				ri, err := tx.Item(ctx, r.NSN)
				if err != nil {
					return err
				}
				reqItem = &ri
			}
			if !Compatible(item, &r, reqItem) {
				return fault.Field("requirement", "%s needs %s, which %s (%s) cannot stand in for", r.Ref(), firstNonEmpty(r.NSN, "group "+r.Group), item.NSN, item.Name)
			}
			req = &r
		}
		reqBefore := Requirement{}
		if req != nil {
			reqBefore = *req
		}
		changed, err := apply(l, allocs, req, a)
		if err != nil {
			return err
		}
		if err := l.Check(); err != nil {
			return err
		}
		if a.Kind == Disclose {
			// A disclosed quantity gives the line its value: the pledge's
			// must still be counted exactly.
			if err := p.CheckValue(); err != nil {
				return err
			}
		}
		p.UpdatedAt = tx.Now()
		if err := tx.UpdatePledge(ctx, &p, old.Version); err != nil {
			return err
		}
		touched := map[int64]bool{}
		for _, al := range changed {
			al.PledgeID, al.LineID = p.ID, l.ID
			if al.ID == 0 {
				al.CreatedAt = tx.Now()
			}
			if err := tx.SaveAllocation(ctx, al); err != nil {
				return err
			}
			touched[al.Requirement] = true
		}
		if req != nil {
			req.Derive()
			req.UpdatedAt = tx.Now()
			if err := tx.UpdateRequirement(ctx, req, reqBefore.Version); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "requirement.allocate", Entity: "requirement", EntityID: audit.ID(req.ID), Before: reqBefore.Audited(), After: req.Audited(), Cause: p}); err != nil {
				return err
			}
		} else if a.Kind == Accept {
			// The requirement's delivered and accepted follow its allocations.
			for rid := range touched {
				if err := Recount(ctx, tx, rid, "requirement."+a.Kind, p); err != nil {
					return err
				}
			}
		}
		out = p
		return tx.Audit(ctx, audit.Record{Action: "pledge." + a.Kind, Entity: "pledge", EntityID: audit.ID(p.ID), Before: old, After: struct {
			Pledge
			Action Action `json:"action"`
		}{p, a}})
	}()
	return out, err
}

// MayAct says who may move a pledge's quantities: the pledging nation (or a
// coordinator) commits and withdraws; a coordinator allocates; the
// recipient (or a coordinator) accepts what was received.
func MayAct(ctx context.Context, kind, nation string) error {
	id := access.IdentityFrom(ctx)
	ok := false
	switch kind {
	case Commit, Withdraw, Report, Disclose:
		ok = id.MayWriteFor(nation)
	case Allocate:
		ok = id.Has(access.Coordinator) || id.Via == "system"
	case Accept:
		ok = id.HasAny(access.Coordinator, access.RecipientOfficer) || id.Via == "system"
	default:
		return nil // apply refuses an unknown action with a clear message
	}
	if !ok {
		return fault.Errorf(fault.Forbidden, "%s may not %s on %s's pledges", id.Name, kind, nation)
	}
	return nil
}

// Recount sets requirement rid's delivered and accepted quantities to the
// sums over its allocations, and audits the change as action when there is
// one, marked also with cause's marking (the pledge or shipment that moved
// it). Every path that moves an allocation's delivered or accepted quantity
// calls it in the same transaction.
func Recount(ctx context.Context, tx Tx, rid int64, action string, cause any) error {
	r, err := tx.Requirement(ctx, rid)
	if err != nil {
		return err
	}
	before := r
	// Recount from the allocations rather than adding deltas, so that the
	// requirement always equals the sum of what is set against it.
	sum, err := tx.RequirementAllocations(ctx, rid)
	if err != nil {
		return err
	}
	r.Delivered, r.Accepted = 0, 0
	for _, al := range sum {
		r.Delivered += al.Delivered
		r.Accepted += al.Accepted
	}
	if r.Delivered == before.Delivered && r.Accepted == before.Accepted {
		return nil
	}
	r.Derive()
	r.UpdatedAt = tx.Now()
	if err := tx.UpdateRequirement(ctx, &r, before.Version); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: action, Entity: "requirement", EntityID: audit.ID(rid), Before: before.Audited(), After: r.Audited(), Cause: cause})
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
