package assist

import (
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Requirement states.
const (
	ReqOpen            = "open"
	ReqPartlyAllocated = "partly_allocated"
	ReqAllocated       = "allocated"
	// ReqReceived is a requirement whose goods have all been received and
	// wait for the recipient's acceptance (the acceptance certificate).
	ReqReceived  = "awaiting_acceptance"
	ReqFulfilled = "fulfilled"
	ReqCancelled = "cancelled"
)

// RequirementStates lists the states in the order they are reached.
var RequirementStates = []string{ReqOpen, ReqPartlyAllocated, ReqAllocated, ReqReceived, ReqFulfilled, ReqCancelled}

// Requirement is something the recipient needs: an item or any item of an
// interchangeability group, a quantity, a priority (1 critical … 4 routine),
// a need-by date and a delivery site.
type Requirement struct {
	ID           int64  `json:"id"`
	NSN          string `json:"nsn,omitempty"`
	Group        string `json:"group,omitempty"`
	Quantity     int64  `json:"quantity"`
	Priority     int    `json:"priority"`
	NeedBy       string `json:"need_by"`
	DeliverySite string `json:"delivery_site"`
	Notes        string `json:"notes,omitempty"`
	access.Marking
	Illustrative bool `json:"illustrative,omitempty"`
	Cancelled    bool `json:"cancelled,omitempty"`
	// Allocated, Delivered and Accepted sum the allocations set against it.
	Allocated int64     `json:"allocated"`
	Delivered int64     `json:"delivered"`
	Accepted  int64     `json:"accepted"`
	State     string    `json:"state"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is the requirement's reference as people write it.
func (r *Requirement) Ref() string { return fmt.Sprintf("R-%05d", r.ID) }

// AuditMarking is the owner (the recipient) and marking of the requirement,
// for the audit trail.
func (r Requirement) AuditMarking() (string, access.Marking) { return "UKR", r.Marking }

// Audited is what a requirement's audit events record of it: what people
// enter and its marking, not the quantities summed over the pledges set
// against it nor the state they give. Those belong to the pledges' own
// events, and in the requirement's history they would tell its readers of
// pledges they may not see.
func (r Requirement) Audited() RequirementRecord {
	return RequirementRecord{ID: r.ID, NSN: r.NSN, Group: r.Group, Quantity: r.Quantity, Priority: r.Priority, NeedBy: r.NeedBy,
		DeliverySite: r.DeliverySite, Notes: r.Notes, Marking: r.Marking, Illustrative: r.Illustrative, Cancelled: r.Cancelled, Version: r.Version}
}

// RequirementRecord is a requirement as its audit events hold it.
type RequirementRecord struct {
	ID           int64  `json:"id"`
	NSN          string `json:"nsn,omitempty"`
	Group        string `json:"group,omitempty"`
	Quantity     int64  `json:"quantity"`
	Priority     int    `json:"priority"`
	NeedBy       string `json:"need_by"`
	DeliverySite string `json:"delivery_site"`
	Notes        string `json:"notes,omitempty"`
	access.Marking
	Illustrative bool  `json:"illustrative,omitempty"`
	Cancelled    bool  `json:"cancelled,omitempty"`
	Version      int64 `json:"version"`
}

// AuditMarking is the owner (the recipient) and marking of the requirement.
func (r RequirementRecord) AuditMarking() (string, access.Marking) { return "UKR", r.Marking }

// Derive sets State from the quantities.
func (r *Requirement) Derive() {
	switch {
	case r.Cancelled:
		r.State = ReqCancelled
	case r.Accepted >= r.Quantity:
		r.State = ReqFulfilled
	case r.Delivered >= r.Quantity:
		r.State = ReqReceived
	case r.Allocated >= r.Quantity:
		r.State = ReqAllocated
	case r.Allocated > 0:
		r.State = ReqPartlyAllocated
	default:
		r.State = ReqOpen
	}
}

// Open is the quantity not yet allocated.
func (r *Requirement) Open() int64 {
	if r.Cancelled || r.Allocated >= r.Quantity {
		return 0
	}
	return r.Quantity - r.Allocated
}

// MinPriority and MaxPriority bound a requirement's priority: 1 is the
// most urgent.
const MinPriority, MaxPriority = 1, 4

// Validate checks the fields a person enters, normalising them, and reports
// every problem. Whether the item and site exist is checked by the use case.
func (r *Requirement) Validate() error {
	var errs fault.List
	r.NSN = strings.TrimSpace(r.NSN)
	r.Group = strings.TrimSpace(r.Group)
	if r.NSN == "" && r.Group == "" {
		errs.Add("nsn", "name an item (NSN) or an interchangeability group")
	}
	if r.NSN != "" && r.Group != "" {
		errs.Add("group", "name an item or a group, not both")
	}
	if r.Quantity <= 0 {
		errs.Add("quantity", "must be a positive whole number")
	} else if r.Quantity > MaxQuantity {
		errs.Add("quantity", "must be at most %d", MaxQuantity)
	}
	if r.Priority < MinPriority || r.Priority > MaxPriority {
		errs.Add("priority", "must be 1 (critical) to 4 (routine)")
	}
	if d, err := ParseDate("need_by", r.NeedBy); err != nil {
		errs.Append("", err)
	} else {
		r.NeedBy = d
		errs.Append("", Plausible("need_by", d))
	}
	r.DeliverySite = strings.ToUpper(strings.TrimSpace(r.DeliverySite))
	if r.DeliverySite == "" {
		errs.Add("delivery_site", "is required")
	}
	if len(r.Notes) > 2000 {
		errs.Add("notes", "is longer than 2000 characters")
	}
	return errs.Err()
}

// PriorityLabel names a priority.
func PriorityLabel(p int) string {
	switch p {
	case 1:
		return "1 critical"
	case 2:
		return "2 high"
	case 3:
		return "3 medium"
	case 4:
		return "4 routine"
	}
	return fmt.Sprint(p)
}
