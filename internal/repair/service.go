package repair

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
)

// Event is one entry of a piece's timeline, written in the transaction of
// the change it records; the store stamps it with the transaction's time
// and the actor.
type Event struct {
	Equipment int64
	Kind      string
	State     string
	Site      string
	Order     int64 // 0 for none
	Note      string
}

// Tx is what the repair use cases need from storage inside one
// transaction: the ledger's and the network's (damage raises requirements,
// a plan ships pieces to their facilities) and the register's own.
// Lookups return a fault.NotFound error for a missing record; saves take
// the version the caller read, return a fault.Conflict error when the
// stored record has moved on, and set the record's new version.
type Tx interface {
	logistics.Tx

	Piece(ctx context.Context, id int64) (Equipment, error)
	PieceBySerial(ctx context.Context, nsn, serial string) (Equipment, error)
	CreatePiece(ctx context.Context, e *Equipment) error
	// SavePiece writes the piece's state, location, hours, rounds and
	// notes.
	SavePiece(ctx context.Context, e *Equipment, version int64) error
	PieceEvent(ctx context.Context, ev Event) error

	Order(ctx context.Context, id int64) (Order, error)
	// OpenOrder is the piece's open order, if it has one.
	OpenOrder(ctx context.Context, equipment int64) (Order, error)
	CreateOrder(ctx context.Context, o *Order) error
	// SaveOrder writes the order's state, facility, due date, shipments,
	// repair date and cost.
	SaveOrder(ctx context.Context, o *Order, version int64) error
	OrderEvent(ctx context.Context, order int64, state, note string) error
	// AddPart links a requirement for spare parts to the order.
	AddPart(ctx context.Context, order, requirement int64) error

	Facility(ctx context.Context, site string) (RepairFacility, error)
	// InRepair counts the facility's orders holding a slot.
	InRepair(ctx context.Context, site string) (int, error)
	CreateFacility(ctx context.Context, f *RepairFacility) error
	// UpdateFacility writes the facility's slots and competences.
	UpdateFacility(ctx context.Context, f *RepairFacility, version int64) error

	// Accounts is the accounts' view of the same transaction, for the
	// accounts' own use case (accounts.AddContributionIn) to credit the
	// payer of a repair in the same change.
	Accounts() accounts.Tx

	// PlanInput reads what a repair plan over horizon days from start is
	// made from, and the fingerprint of those inputs.
	PlanInput(ctx context.Context, start time.Time, horizon int) (PlanInput, string, error)
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the repair use cases.
type Service struct {
	Store Store
}

// ledger creates the requirements damage and spare parts raise; its use
// cases run in the caller's transaction only.
var ledger assist.Service

// openOrder is the piece's open order, or nil.
func openOrder(ctx context.Context, tx Tx, equipment int64) (*Order, error) {
	o, err := tx.OpenOrder(ctx, equipment)
	if fault.Code(err) == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// RegisterEquipment adds a piece to the register: its item must exist,
// its serial number be new for that item, its donor a nation and its
// location a site; a piece that came through Longhaul takes its date and
// place from the shipment's receipt.
func (s *Service) RegisterEquipment(ctx context.Context, e Equipment) (Equipment, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	if err := access.Check(access.IdentityFrom(ctx), access.EquipmentWrite); err != nil {
		return e, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var errs fault.List
		if it, err := tx.Item(ctx, e.NSN); err != nil {
			errs.Append("nsn", fault.NotFoundAsInvalid(err, "no item with NSN %s in the catalogue", e.NSN))
		} else {
			e.ItemName, e.Group = it.Name, it.Group
		}
		if _, err := tx.Nation(ctx, e.Donor); err != nil {
			errs.Append("donor", fault.NotFoundAsInvalid(err, "no nation %q", e.Donor))
		}
		if other, err := tx.PieceBySerial(ctx, e.NSN, e.Serial); err == nil {
			errs.Add("serial", "serial number %s of %s is registered already, as %s", e.Serial, e.NSN, other.Ref())
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		if e.Shipment != 0 {
			sh, err := tx.Shipment(ctx, e.Shipment)
			switch {
			case err != nil && fault.Code(err) != fault.NotFound:
				return err
			case err != nil || sh.State != logistics.Received:
				errs.Add("shipment", "S-%05d is not a received shipment", e.Shipment)
			default:
				if e.Received == "" {
					e.Received = sh.ReceivedAt.UTC().Format("2006-01-02")
				}
				if e.Location == "" {
					e.Location = sh.Destination
				}
			}
		}
		if e.Location != "" {
			if _, err := tx.Site(ctx, e.Location); err != nil {
				errs.Append("location", fault.NotFoundAsInvalid(err, "no site %q", e.Location))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt, e.Version = tx.Now(), tx.Now(), 1
		if err := tx.CreatePiece(ctx, &e); err != nil {
			return err
		}
		if err := tx.PieceEvent(ctx, Event{Equipment: e.ID, Kind: "registered", State: e.State, Site: e.Location, Note: fmt.Sprintf("received %s from %s", e.Received, e.Donor)}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "equipment.register", Entity: "equipment", EntityID: audit.ID(e.ID), After: e})
	})
	return e, err
}

// ReportDamage records damage on a piece: one beyond repair leaves the
// fleet (and, if asked, raises a requirement for a replacement at the same
// place in the same transaction); other damage opens a repair order. A
// destroyed or written-off piece, or one with an open order, is refused.
func (s *Service) ReportDamage(ctx context.Context, d Damage) (Order, *assist.Requirement, error) {
	if err := d.Validate(); err != nil {
		return Order{}, nil, err
	}
	if err := access.Check(access.IdentityFrom(ctx), access.EquipmentWrite); err != nil {
		return Order{}, nil, err
	}
	var out Order
	var req *assist.Requirement
	err := s.Store.Transact(ctx, func(tx Tx) error {
		e, err := tx.Piece(ctx, d.Equipment)
		if err != nil {
			return err
		}
		open, err := openOrder(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if d.Location == "" {
			d.Location = e.Location
		}
		before := e
		o, err := e.Report(d, open, tx.Now())
		if err != nil {
			return err
		}
		site, err := tx.Site(ctx, d.Location)
		if err != nil {
			return fault.NotFoundAsInvalid(err, "no site %q", d.Location)
		}
		if o == nil {
			if err := tx.SavePiece(ctx, &e, before.Version); err != nil {
				return err
			}
			if err := tx.PieceEvent(ctx, Event{Equipment: e.ID, Kind: "destroyed", State: e.State, Site: d.Location, Note: d.Fault}); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "equipment.destroyed", Entity: "equipment", EntityID: audit.ID(e.ID), Before: before, After: e}); err != nil {
				return err
			}
			if !d.Replace {
				return nil
			}
			r, err := d.Replacement(e, site, tx.Now())
			if err != nil {
				return err
			}
			if err := ledger.CreateRequirementIn(ctx, tx, &r); err != nil {
				return err
			}
			req = &r
			return nil
		}
		if err := tx.CreateOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.OrderEvent(ctx, o.ID, o.State, d.Fault); err != nil {
			return err
		}
		if err := tx.SavePiece(ctx, &e, before.Version); err != nil {
			return err
		}
		if err := tx.PieceEvent(ctx, Event{Equipment: e.ID, Kind: "damaged", State: e.State, Site: d.Location, Order: o.ID, Note: fmt.Sprintf("%s (%s)", d.Fault, d.Severity)}); err != nil {
			return err
		}
		out = *o
		return tx.Audit(ctx, audit.Record{Action: "repair.report", Entity: "repair_order", EntityID: audit.ID(o.ID), After: *o})
	})
	if err != nil {
		return Order{}, nil, err
	}
	return out, req, nil
}

// WriteOff takes a piece out of the fleet for good, with the reason: one
// destroyed or written off already, or with an open repair order, is
// refused.
func (s *Service) WriteOff(ctx context.Context, id int64, reason string) (Equipment, error) {
	var e Equipment
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return e, fault.Field("reason", "say why the piece is written off")
	}
	if err := access.Check(access.IdentityFrom(ctx), access.EquipmentWrite); err != nil {
		return e, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		if e, err = tx.Piece(ctx, id); err != nil {
			return err
		}
		open, err := openOrder(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		before := e
		if err := e.WriteOff(open); err != nil {
			return err
		}
		if err := tx.SavePiece(ctx, &e, before.Version); err != nil {
			return err
		}
		if err := tx.PieceEvent(ctx, Event{Equipment: e.ID, Kind: "written off", State: e.State, Site: e.Location, Note: reason}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "equipment.write_off", Entity: "equipment", EntityID: audit.ID(e.ID), Before: before, After: e})
	})
	return e, err
}

// MoveOrder moves a repair order on to state to, if its stored version is
// version (0: any). A facility manager moves their facility's orders only;
// an order starts its repair only while its facility has a free slot. The
// piece's state and location follow.
func (s *Service) MoveOrder(ctx context.Context, id, version int64, to, note string) (Order, error) {
	var o Order
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		o, err = MoveOrderIn(ctx, tx, id, version, to, note)
		return err
	})
	return o, err
}

// MoveOrderIn is MoveOrder inside a transaction the caller holds.
func MoveOrderIn(ctx context.Context, tx Tx, id, version int64, to, note string) (Order, error) {
	me := access.IdentityFrom(ctx)
	if err := access.Check(me, access.RepairUpdate); err != nil {
		return Order{}, err
	}
	o, err := tx.Order(ctx, id)
	if err != nil {
		return o, err
	}
	if err := o.MayMove(me, to); err != nil {
		return o, err
	}
	if version != 0 && version != o.Version {
		return o, fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d: reload and try again", o.Ref(), version)
	}
	before := o
	if err := o.Move(to); err != nil {
		return o, err
	}
	if o.TakesSlot(before.State) {
		f, err := tx.Facility(ctx, o.Facility)
		if err != nil {
			return o, fmt.Errorf("the slots of %s: %w", o.Facility, err)
		}
		busy, err := tx.InRepair(ctx, o.Facility)
		if err != nil {
			return o, err
		}
		if err := f.Admit(busy, &o); err != nil {
			return o, err
		}
	}
	if to == Repaired {
		o.Repaired = tx.Now().Format("2006-01-02")
	}
	if err := tx.SaveOrder(ctx, &o, before.Version); err != nil {
		return o, err
	}
	if err := tx.OrderEvent(ctx, o.ID, o.State, note); err != nil {
		return o, err
	}
	e, err := tx.Piece(ctx, o.Equipment)
	if err != nil {
		return o, err
	}
	eb := e
	e.Follow(&o)
	if err := tx.SavePiece(ctx, &e, eb.Version); err != nil {
		return o, err
	}
	if err := tx.PieceEvent(ctx, Event{Equipment: e.ID, Kind: "repair." + to, State: e.State, Site: e.Location, Order: o.ID, Note: note}); err != nil {
		return o, err
	}
	return o, tx.Audit(ctx, audit.Record{Action: "repair." + to, Entity: "repair_order", EntityID: audit.ID(o.ID), Before: before, After: o})
}

// AddParts records the spare parts a repair order needs, each as a
// requirement delivered to the order's facility (or where the piece is,
// for a repair in theatre), in one transaction; an order in repair then
// waits for its parts. It returns the requirements.
func (s *Service) AddParts(ctx context.Context, orderID int64, parts []Part) ([]assist.Requirement, error) {
	if len(parts) == 0 {
		return nil, fault.Field("parts", "name at least one part: an NSN and a quantity")
	}
	me := access.IdentityFrom(ctx)
	if err := access.Check(me, access.RepairUpdate); err != nil {
		return nil, err
	}
	var out []assist.Requirement
	err := s.Store.Transact(ctx, func(tx Tx) error {
		out = nil
		o, err := tx.Order(ctx, orderID)
		if err != nil {
			return err
		}
		if err := o.MayAskParts(me); err != nil {
			return err
		}
		var errs fault.List
		for i, p := range parts {
			if p.Quantity <= 0 {
				errs.Add(fmt.Sprintf("parts[%d].quantity", i), "must be a positive whole number")
				continue
			}
			req := o.PartRequirement(p, tx.Now())
			if err := ledger.CreateRequirementIn(ctx, tx, &req); err != nil {
				if fault.Code(err) == fault.Invalid {
					errs.Append(fmt.Sprintf("parts[%d]", i), err)
					continue
				}
				return err
			}
			if err := tx.AddPart(ctx, o.ID, req.ID); err != nil {
				return err
			}
			out = append(out, req)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.OrderEvent(ctx, o.ID, o.State, fmt.Sprintf("%d parts asked for", len(parts))); err != nil {
			return err
		}
		if o.State == Repairs {
			if _, err := MoveOrderIn(ctx, tx, o.ID, 0, Parts, "waiting for parts"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordCost records what a finished repair cost and who paid: the cost
// counts as that nation's contribution to maintenance and logistics, dated
// today, with the order as its evidence, in the same transaction. A cost
// is recorded once.
func (s *Service) RecordCost(ctx context.Context, id int64, cost money.Cents, paidBy string) (Order, error) {
	var o Order
	if cost <= 0 {
		return o, fault.Field("cost", "must be more than zero")
	}
	me := access.IdentityFrom(ctx)
	if err := access.Check(me, access.RepairUpdate); err != nil {
		return o, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		if o, err = tx.Order(ctx, id); err != nil {
			return err
		}
		if err := o.MayRecordCost(me, paidBy); err != nil {
			return err
		}
		c := o.CostContribution(cost, paidBy, tx.Now().Format("2006-01-02"))
		if err := c.Validate(); err != nil {
			return err
		}
		if err := accounts.AddContributionIn(ctx, tx.Accounts(), &c); err != nil {
			return err
		}
		before := o
		o.Cost, o.PaidBy = int64(cost), c.Nation
		if err := tx.SaveOrder(ctx, &o, before.Version); err != nil {
			return err
		}
		if err := tx.OrderEvent(ctx, o.ID, o.State, fmt.Sprintf("cost %s paid by %s, counted as %s", cost.Human(false), o.PaidBy, c.Ref())); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "repair.cost", Entity: "repair_order", EntityID: audit.ID(o.ID), Before: before, After: o})
	})
	return o, err
}

// SaveFacility sets up a repair facility (version 0) or changes its slots
// and competences. Its site must be a repair facility; its competences name
// catalogue items or groups.
func (s *Service) SaveFacility(ctx context.Context, f RepairFacility, version int64) (RepairFacility, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	if err := access.Check(access.IdentityFrom(ctx), access.RepairPlan); err != nil {
		return f, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		site, err := tx.Site(ctx, f.Site)
		if err != nil {
			return fault.NotFoundAsInvalid(err, "no site %q", f.Site)
		}
		if !site.HasKind("repair_facility") {
			return fault.Field("site", "%s (%s) is not a repair facility", site.Code, site.Name)
		}
		f.Name, f.Nation = site.Name, site.Nation
		var errs fault.List
		for i, c := range f.Competences {
			if _, err := tx.Item(ctx, c.Target); err == nil {
				continue
			}
			if ok, err := tx.GroupExists(ctx, c.Target); err != nil {
				return err
			} else if !ok {
				errs.Add(fmt.Sprintf("competences[%d].target", i), "%q is neither an NSN nor an interchangeability group of the catalogue", c.Target)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if version == 0 {
			err = tx.CreateFacility(ctx, &f)
		} else {
			busy, berr := tx.InRepair(ctx, f.Site)
			if berr != nil {
				return berr
			}
			if err := f.Keeps(busy); err != nil {
				return err
			}
			err = tx.UpdateFacility(ctx, &f, version)
		}
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "repair.facility", Entity: "repair_facility", EntityID: f.Site, After: f})
	})
	return f, err
}
