package readiness

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the use cases need from storage inside one transaction.
// Lookups return a fault.NotFound error for a missing record and do not
// filter by the reader: the use cases decide who may see what.
type Tx interface {
	Now() time.Time
	Item(ctx context.Context, nsn string) (catalog.Item, error)
	// GroupExists reports whether an item of the catalogue is in the
	// interchangeability group.
	GroupExists(ctx context.Context, group string) (bool, error)
	// Trains returns the code of the course target names, or target
	// itself when it is the skill a course trains, and false when it is
	// neither.
	Trains(ctx context.Context, target string) (string, bool, error)

	// Package reads a package with its elements.
	Package(ctx context.Context, id int64) (Package, error)
	// CreatePackage stores a package and sets its id and version.
	CreatePackage(ctx context.Context, p *Package) error
	// UpdatePackage writes the package and its elements if its stored
	// version is version, and sets its new version; otherwise it returns
	// a fault.Conflict error.
	UpdatePackage(ctx context.Context, p *Package, version int64) error

	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Reader reads packages and the facts of their elements, each filtered
// by the reader the context carries.
type Reader interface {
	// Packages lists the packages the reader may see, by name.
	Packages(ctx context.Context) ([]Package, error)
	// Package reads one the reader may see; another is not found.
	Package(ctx context.Context, id int64) (Package, error)
	// Facts reads what the ledger, the register, the repairs and the
	// training hold for the packages' elements, as far as the reader may
	// see them.
	Facts(ctx context.Context, ps []Package) (Facts, error)
}

// Expectation is when an open pledge line is expected to be delivered:
// the forecast's median day and its 80% interval (YYYY-MM-DD).
type Expectation struct {
	Expected, Low, High string
}

// Forecaster forecasts the open pledge lines the reader of ctx may see,
// on today (YYYY-MM-DD), by line id; a line without a forecast is absent.
type Forecaster interface {
	Expect(ctx context.Context, today string) (map[int64]Expectation, error)
}

// Service holds the use cases of capability readiness.
type Service struct {
	Store Store
	Read  Reader
	// Forecast, when set, dates what is allocated and not yet on its
	// way by the line's forecast rather than by its promise.
	Forecast Forecaster
}

// waiting reports whether part of what l allocates is neither delivered
// nor on its way: the part its forecast dates.
func waiting(l Line) bool {
	open := l.Allocated - l.Delivered
	for _, t := range l.Transit {
		open -= t.Quantity
	}
	return open > 0
}

// facts reads the facts of ps with the forecasts of their open lines.
func (s *Service) facts(ctx context.Context, ps []Package, today string) (Facts, error) {
	f, err := s.Read.Facts(ctx, ps)
	if err != nil || s.Forecast == nil || !slices.ContainsFunc(f.Lines, waiting) {
		return f, err
	}
	ex, err := s.Forecast.Expect(ctx, today)
	if err != nil {
		return f, err
	}
	f.Lines = slices.Clone(f.Lines) // the reader's stay as read
	for i := range f.Lines {
		if e, ok := ex[f.Lines[i].ID]; ok {
			f.Lines[i].Forecast = &e
		}
	}
	return f, nil
}

// Create defines a package.
func (s *Service) Create(ctx context.Context, p Package) (Package, error) {
	p.Elements = slices.Clone(p.Elements) // the caller's stay as given
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessWrite); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		n := p
		if err := n.Define(access.IdentityFrom(ctx), access.ActorName(ctx), tx.Now()); err != nil {
			return err
		}
		if err := resolve(ctx, tx, &n); err != nil {
			return err
		}
		if err := tx.CreatePackage(ctx, &n); err != nil {
			return err
		}
		p = n
		return tx.Audit(ctx, audit.Record{Action: "readiness.create", Entity: "capability_package", EntityID: audit.ID(p.ID), After: p})
	})
	return p, err
}

// Update changes a package's definition; a version other than zero must
// be the package's current one. The parts of the marking named in keep
// stay as stored, so that an edit that leaves them out lowers nothing.
func (s *Service) Update(ctx context.Context, id, version int64, p Package, keep ...access.MarkingPart) (Package, error) {
	p.Elements = slices.Clone(p.Elements)
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessWrite); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	var out Package
	err := s.Store.Transact(ctx, func(tx Tx) error {
		before, err := visible(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fault.CheckVersion(before.Ref(), before.Version, version); err != nil {
			return err
		}
		p.Marking = p.Marking.Keep(before.Marking, keep...)
		n, err := before.Change(p, access.IdentityFrom(ctx), tx.Now())
		if err != nil {
			return err
		}
		if err := resolve(ctx, tx, &n); err != nil {
			return err
		}
		if err := tx.UpdatePackage(ctx, &n, before.Version); err != nil {
			return err
		}
		out = n
		return tx.Audit(ctx, audit.Record{Action: "readiness.update", Entity: "capability_package", EntityID: audit.ID(n.ID), Before: before, After: n})
	})
	return out, err
}

// Check finds every problem a package would be refused for, without
// saving it: a form shows them all at once with what failed to parse.
func (s *Service) Check(ctx context.Context, p Package) error {
	p.Elements = slices.Clone(p.Elements)
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessWrite); err != nil {
		return err
	}
	var errs fault.List
	errs.Append("", p.Validate())
	if p.Classification > access.IdentityFrom(ctx).Clearance {
		errs.Add("classification", "%s is above your clearance (%s)", p.Classification, access.IdentityFrom(ctx).Clearance)
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		errs.AppendNew("", resolve(ctx, tx, &p))
		return nil
	})
	if err != nil {
		return err
	}
	return errs.Err()
}

// visible reads a package the actor may see; one they may not is not
// found, so that a refusal does not tell that it exists.
func visible(ctx context.Context, tx Tx, id int64) (Package, error) {
	p, err := tx.Package(ctx, id)
	if err != nil {
		return p, err
	}
	if me := access.IdentityFrom(ctx); !access.Allowed(me, access.ReadinessRead) || !me.CanSee(owner, p.Marking) {
		return Package{}, fault.Errorf(fault.NotFound, "no capability package %s", p.Ref())
	}
	return p, nil
}

// resolve checks that every element names what exists, all at once: an
// item or group of the catalogue, a course or a skill courses train. A
// crew element naming a course takes its code.
func resolve(ctx context.Context, tx Tx, p *Package) error {
	var errs fault.List
	for i := range p.Elements {
		e := &p.Elements[i]
		if e.Target == "" {
			continue
		}
		f := fmt.Sprintf("elements[%d].target", i)
		switch e.Kind {
		case Item, Facility:
			_, err := tx.Item(ctx, e.Target)
			if fault.Code(err) == fault.NotFound {
				ok, gerr := tx.GroupExists(ctx, e.Target)
				if gerr != nil {
					return gerr
				}
				if !ok {
					errs.Add(f, "%s is neither an NSN nor an interchangeability group of the catalogue", e.Target)
				}
				continue
			}
			if err != nil {
				return err
			}
		case Crew:
			code, ok, err := tx.Trains(ctx, e.Target)
			if err != nil {
				return err
			}
			if !ok {
				errs.Add(f, "no course has the code %s or trains it: offer the course first, under Training", e.Target)
				continue
			}
			e.Target = code
		}
	}
	return errs.Err()
}

// Package reads the definition of a package the reader may see.
func (s *Service) Package(ctx context.Context, id int64) (Package, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessRead); err != nil {
		return Package{}, err
	}
	return s.Read.Package(ctx, id)
}

// Assess works out the readiness of the package id on today, over what
// the reader may see.
func (s *Service) Assess(ctx context.Context, id int64, today string) (Assessment, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessRead); err != nil {
		return Assessment{}, err
	}
	p, err := s.Read.Package(ctx, id)
	if err != nil {
		return Assessment{}, err
	}
	f, err := s.facts(ctx, []Package{p}, today)
	if err != nil {
		return Assessment{}, err
	}
	return Assess(p, f, today), nil
}

// AssessAll works out the readiness of every package the reader may see,
// on today, by name.
func (s *Service) AssessAll(ctx context.Context, today string) ([]Assessment, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.ReadinessRead); err != nil {
		return nil, err
	}
	ps, err := s.Read.Packages(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.facts(ctx, ps, today)
	if err != nil {
		return nil, err
	}
	out := make([]Assessment, 0, len(ps))
	for _, p := range ps {
		out = append(out, Assess(p, f, today))
	}
	return out, nil
}
