package assist

import (
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Allocation sets a quantity of a pledge line against a requirement, and
// follows that quantity as it is shipped, delivered and accepted.
type Allocation struct {
	ID          int64 `json:"id"`
	PledgeID    int64 `json:"pledge"`
	LineID      int64 `json:"line"`
	Requirement int64 `json:"requirement"`
	Quantity    int64 `json:"quantity"`
	Shipped     int64 `json:"shipped"`
	Delivered   int64 `json:"delivered"`
	Accepted    int64 `json:"accepted"`
	// OpeningShipped and OpeningDelivered are the parts of Shipped and
	// Delivered that an opening balance brought in (OpenIn): shipped and
	// delivered before the ledger was kept here, with no shipment or
	// receipt behind them.
	OpeningShipped   int64     `json:"opening_shipped,omitempty"`
	OpeningDelivered int64     `json:"opening_delivered,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	// LineNo and Nation are read with the allocation for display.
	LineNo int    `json:"line_no"`
	Nation string `json:"nation"`
}

// Actions on a pledge line.
const (
	Commit   = "commit"
	Allocate = "allocate"
	Accept   = "accept"
	Withdraw = "withdraw"
	// Report records how many units of the line the donor reports it has
	// delivered (Line.Reported): the donor's statement, which moves
	// nothing and which no receipt needs to confirm.
	Report = "report"
	// Disclose gives the number of units of a line whose quantity was
	// undisclosed, once the donor makes it public: from then on the line
	// counts in the totals and can move like any other.
	Disclose = "disclose"
)

// Ship and Deliver name the stages a line reaches only through shipments
// (internal/logistics): dispatch ships, the recipient's receipt delivers.
// They are not actions a person takes on a line, so that every delivered
// unit has a receipt and every difference a discrepancy.
const (
	Ship    = "ship"
	Deliver = "deliver"
)

// Actions lists the line actions in the order a line goes through them.
var Actions = []string{Commit, Allocate, Accept, Withdraw, Report, Disclose}

// ThroughShipments is the refusal of a ship or deliver action on a line.
const ThroughShipments = "a pledge line is shipped and delivered only through shipments: plan a shipment from its allocation (or record a handover outside the hub network as a direct shipment), and the recipient's receipt delivers it"

// Action moves a quantity of one pledge line a stage further.
type Action struct {
	Kind     string `json:"kind"`
	Line     int64  `json:"line"`
	Quantity int64  `json:"quantity"`
	// Requirement is the requirement to allocate to (allocate only).
	Requirement int64 `json:"requirement,omitempty"`
	// Allocation names the allocation to ship, deliver or accept against;
	// when it is zero the quantity is taken from the line's allocations
	// oldest first.
	Allocation int64 `json:"allocation,omitempty"`
}

// Compatible reports whether item can meet requirement r: the same NSN, or
// membership of the group r names, or the same group as r's item.
func Compatible(item catalog.Item, r *Requirement, reqItem *catalog.Item) bool {
	switch {
	case r.NSN != "" && item.NSN == r.NSN:
		return true
	case r.Group != "":
		return item.Group == r.Group
	case reqItem != nil && reqItem.Group != "":
		return item.Group == reqItem.Group
	}
	return false
}

// apply performs a on line l; allocs are the line's allocations, oldest
// first, and req the requirement for an allocation. It returns the
// allocations it changed or created.
func apply(l *Line, allocs []Allocation, req *Requirement, a Action) ([]*Allocation, error) {
	q := a.Quantity
	if q <= 0 {
		return nil, fault.Field("quantity", "must be a positive whole number")
	}
	switch a.Kind {
	case Commit:
		if free := l.Pledged - l.Committed; q > free {
			return nil, fault.Field("quantity", "only %d of line %d can be committed: %d pledged, %d already committed", free, l.No, l.Pledged, l.Committed)
		}
		l.Committed += q
		return nil, nil
	case Allocate:
		if free := l.Committed - l.Allocated; q > free {
			return nil, fault.Field("quantity", "only %d of line %d can be allocated: %d committed, %d already allocated", free, l.No, l.Committed, l.Allocated)
		}
		if req.Cancelled {
			return nil, fault.Field("requirement", "%s is cancelled", req.Ref())
		}
		if open := req.Open(); q > open {
			return nil, fault.Field("quantity", "%s needs only %d more (%d required, %d allocated)", req.Ref(), open, req.Quantity, req.Allocated)
		}
		l.Allocated += q
		req.Allocated += q
		for i := range allocs {
			if allocs[i].Requirement == req.ID {
				allocs[i].Quantity += q
				return []*Allocation{&allocs[i]}, nil
			}
		}
		return []*Allocation{{LineID: l.ID, Requirement: req.ID, Quantity: q}}, nil
	case Ship, Deliver:
		return nil, fault.Field("action", ThroughShipments)
	case Accept:
		return move(l, allocs, a)
	case Disclose:
		if !l.QuantityUndisclosed {
			return nil, fault.Field("quantity", "line %d's quantity is known already (%d pledged): only an undisclosed one is disclosed", l.No, l.Pledged)
		}
		if q > MaxQuantity {
			return nil, fault.Field("quantity", "must be at most %d", MaxQuantity)
		}
		if q < l.Reported {
			return nil, fault.Field("quantity", "%d is less than the %d the donor reports delivered on line %d", q, l.Reported, l.No)
		}
		l.Pledged, l.QuantityUndisclosed = q, false
		return nil, nil
	case Report:
		if q > l.Pledged {
			return nil, fault.Field("quantity", "%d reported delivered is more than the %d pledged on line %d", q, l.Pledged, l.No)
		}
		l.Reported = q
		return nil, nil
	case Withdraw:
		// What is allocated is promised to a requirement and may be on its
		// way or delivered; only the rest can be withdrawn.
		if free := l.Pledged - l.Allocated; q > free {
			return nil, fault.Field("quantity", "only %d of line %d can be withdrawn: %d pledged, of which %d allocated, %d shipped and %d delivered", free, l.No, l.Pledged, l.Allocated, l.Shipped, l.Delivered)
		}
		l.Pledged -= q
		l.Withdrawn += q
		if l.Committed > l.Pledged {
			l.Committed = l.Pledged
		}
		return nil, nil
	}
	return nil, fault.Field("action", "%q is not an action: use one of %s", a.Kind, strings.Join(Actions, ", "))
}

// move accepts q of l through its allocations.
func move(l *Line, allocs []Allocation, a Action) ([]*Allocation, error) {
	from, to, verb, prev := stage(l, a.Kind)
	if free := *from - *to; a.Quantity > free {
		return nil, fault.Field("quantity", "only %d of line %d can be %s: %d %s, %d already %s", free, l.No, verb, *from, prev, *to, verb)
	}
	var changed []*Allocation
	left := a.Quantity
	for i := range allocs {
		al := &allocs[i]
		if a.Allocation != 0 && al.ID != a.Allocation {
			continue
		}
		af, at := allocStage(al, a.Kind)
		n := min(*af-*at, left)
		if n <= 0 {
			continue
		}
		*at += n
		left -= n
		changed = append(changed, al)
		if left == 0 {
			break
		}
	}
	if left > 0 {
		if a.Allocation != 0 {
			return nil, fault.Field("quantity", "allocation %d of line %d has only %d that can be %s", a.Allocation, l.No, a.Quantity-left, verb)
		}
		return nil, fault.Errorf(fault.Internal, "line %d: allocations do not add up to the line", l.No)
	}
	*to += a.Quantity
	return changed, nil
}

func stage(l *Line, kind string) (from, to *int64, verb, prev string) {
	return &l.Delivered, &l.Accepted, "accepted", "delivered"
}

func allocStage(a *Allocation, kind string) (from, to *int64) {
	return &a.Delivered, &a.Accepted
}
