package repair

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/approval"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
)

// Approve assigns the planned orders to their facilities, in one
// transaction, through the one approval mechanism (approval.Apply): the plan's
// inputs over horizon days from start are read again inside the
// transaction, and if their fingerprint is not the one the reviewer saw,
// nothing is written. Each order is sent there and back as planned
// shipments. It returns how many orders were assigned.
func (s *Service) Approve(ctx context.Context, p Proposal, fingerprint string, start time.Time, horizon int) (int, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.RepairPlan); err != nil {
		return 0, err
	}
	n := 0
	current := func(ctx context.Context, tx Tx) (string, error) {
		_, fp, err := tx.PlanInput(ctx, start, horizon)
		return fp, err
	}
	apply := func(ctx context.Context, tx Tx) error {
		n = 0
		for _, a := range p.Assignments {
			if err := assign(ctx, tx, a, start); err != nil {
				return err
			}
			n++
		}
		return nil
	}
	if err := approval.Apply(ctx, s.Store, approval.Review{What: "the repair plan", Fingerprint: fingerprint}, current, apply); err != nil {
		return 0, err
	}
	return n, nil
}

// assign writes one assignment of an approved plan.
func assign(ctx context.Context, tx Tx, a Assignment, start time.Time) error {
	o, err := tx.Order(ctx, a.Order)
	if fault.Code(err) == fault.NotFound {
		return fault.Errorf(fault.Conflict, "RO-%05d is no longer waiting: plan again", a.Order)
	}
	if err != nil {
		return err
	}
	f, err := tx.Facility(ctx, a.Facility)
	if fault.Code(err) == fault.NotFound {
		f = RepairFacility{Site: a.Facility} // competent for nothing
	} else if err != nil {
		return err
	}
	before := o
	if err := o.AssignTo(&f, a.Due); err != nil {
		return err
	}
	note := fmt.Sprintf("to %s, %d h away; repair from %s, due %s", a.Facility, a.Transport, a.Start.Format("2006-01-02"), a.Due.Format("2006-01-02"))
	// The piece's transport there and back, as shipments with their
	// custody chain.
	what := fmt.Sprintf("%s %s for repair order %s", o.ItemName, o.Serial, o.Ref())
	out, err := logistics.CreateShipmentIn(ctx, tx, logistics.NewShipment{Origin: o.Location, Destination: a.Facility, PlannedDeparture: start, Nation: o.Donor, Notes: "to repair: " + what})
	if err != nil {
		return fmt.Errorf("the transport of %s to %s: %w", o.Ref(), a.Facility, err)
	}
	o.Outbound = out.ID
	back, err := logistics.CreateShipmentIn(ctx, tx, logistics.NewShipment{Origin: a.Facility, Destination: o.Location, PlannedDeparture: a.Due, Nation: o.Donor, Notes: "back from repair: " + what})
	switch {
	case err == nil:
		o.Inbound = back.ID
	case fault.As(err) != nil && fault.Code(err) != fault.Internal:
		note += fmt.Sprintf("; no return shipment planned (%s): plan it by hand", fault.As(err).Message)
	default:
		return err
	}
	if err := tx.SaveOrder(ctx, &o, before.Version); err != nil {
		return err
	}
	if err := tx.OrderEvent(ctx, o.ID, o.State, note); err != nil {
		return err
	}
	if err := tx.PieceEvent(ctx, Event{Equipment: o.Equipment, Kind: "repair.assigned", State: Damaged, Site: a.Facility, Order: o.ID, Note: note}); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "repair.assigned", Entity: "repair_order", EntityID: audit.ID(o.ID), After: a})
}
