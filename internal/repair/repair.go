// Package repair keeps the equipment delivered to Ukraine by serial
// number, the damage reported on it, the allied facilities that repair it,
// and the repair orders that take a piece from damage back into service.
// Its planner assigns waiting orders to competent facilities with free
// slots through internal/flow.
package repair

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// The states of a piece of equipment.
const (
	Operational   = "operational"
	Damaged       = "damaged"
	InRepair      = "in_repair"
	AwaitingParts = "awaiting_parts"
	Destroyed     = "destroyed"
	WrittenOff    = "written_off"
)

// EquipmentStates lists them in order.
var EquipmentStates = []string{Operational, Damaged, InRepair, AwaitingParts, Destroyed, WrittenOff}

// Equipment is one piece of major equipment, by its item and serial
// number.
type Equipment struct {
	ID       int64  `json:"id"`
	NSN      string `json:"nsn"`
	ItemName string `json:"item_name,omitempty"`
	Group    string `json:"group,omitempty"`
	Serial   string `json:"serial"`
	Donor    string `json:"donor"`
	Received string `json:"received"` // date it reached Ukraine
	Shipment int64  `json:"shipment,omitempty"`
	Location string `json:"location"` // a site
	State    string `json:"state"`
	Hours    int64  `json:"hours,omitempty"`
	Rounds   int64  `json:"rounds,omitempty"`
	Notes    string `json:"notes,omitempty"`
	Version  int64  `json:"version"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is the equipment's reference as people write it.
func (e Equipment) Ref() string { return fmt.Sprintf("E-%05d", e.ID) }

// Gone says whether the piece has left the fleet for good.
func (e *Equipment) Gone() bool { return e.State == Destroyed || e.State == WrittenOff }

// Validate checks the fields of a piece being registered.
func (e *Equipment) Validate() error {
	var errs fault.List
	e.NSN = strings.TrimSpace(e.NSN)
	if e.NSN == "" {
		errs.Add("nsn", "is required")
	}
	e.Serial = strings.ToUpper(strings.TrimSpace(e.Serial))
	if e.Serial == "" {
		errs.Add("serial", "is required")
	} else if len(e.Serial) > 60 {
		errs.Add("serial", "is longer than 60 characters")
	}
	e.Donor = strings.ToUpper(strings.TrimSpace(e.Donor))
	if e.Donor == "" {
		errs.Add("donor", "is required")
	}
	// A piece that came through Longhaul takes its date and place from the
	// shipment's receipt.
	if e.Received != "" || e.Shipment == 0 {
		if d, err := assist.ParseDate("received", e.Received); err != nil {
			errs.Append("", err)
		} else {
			e.Received = d
		}
	}
	e.Location = strings.ToUpper(strings.TrimSpace(e.Location))
	if e.Location == "" && e.Shipment == 0 {
		errs.Add("location", "is required")
	}
	if e.State == "" {
		e.State = Operational
	}
	errs.OneOf("state", e.State, []string{Operational, Damaged})
	if e.Hours < 0 {
		errs.Add("hours", "must not be negative")
	}
	if e.Rounds < 0 {
		errs.Add("rounds", "must not be negative")
	}
	e.Notes = strings.TrimSpace(e.Notes)
	return errs.Err()
}

// Severities of damage.
const (
	Theatre  = "theatre"  // repairable in theatre
	Facility = "facility" // needs an allied facility
	Beyond   = "beyond"   // beyond repair
)

// Severities lists them.
var Severities = []string{Theatre, Facility, Beyond}

// The states of a repair order. An order that needs a facility goes
// reported → assigned → in_transit → in_repair (⇄ awaiting_parts) →
// repaired → returned → received; one repaired in theatre goes reported →
// in_repair → repaired.
const (
	Reported = "reported"
	Assigned = "assigned"
	Transit  = "in_transit"
	Repairs  = "in_repair"
	Parts    = "awaiting_parts"
	Repaired = "repaired"
	Returned = "returned"
	Received = "received"
)

// OrderStates lists them in order.
var OrderStates = []string{Reported, Assigned, Transit, Repairs, Parts, Repaired, Returned, Received}

// next is what may follow each state, by severity.
var next = map[string]map[string][]string{
	Facility: {
		Reported: {Assigned},
		Assigned: {Transit},
		Transit:  {Repairs},
		Repairs:  {Parts, Repaired},
		Parts:    {Repairs},
		Repaired: {Returned},
		Returned: {Received},
	},
	Theatre: {
		Reported: {Repairs},
		Repairs:  {Parts, Repaired},
		Parts:    {Repairs},
	},
}

// Order is a repair order: the damage reported on a piece and its way
// through repair.
type Order struct {
	ID        int64  `json:"id"`
	Equipment int64  `json:"equipment"`
	Serial    string `json:"serial,omitempty"`
	NSN       string `json:"nsn,omitempty"`
	ItemName  string `json:"item_name,omitempty"`
	Group     string `json:"group,omitempty"`
	Donor     string `json:"donor,omitempty"`
	Fault     string `json:"fault"`
	Severity  string `json:"severity"`
	Priority  int    `json:"priority"` // operational priority, 1 critical … 4 routine
	Location  string `json:"location"` // where the piece was when reported
	State     string `json:"state"`
	Facility  string `json:"facility,omitempty"`
	// Due is when the facility is expected to finish, from the plan.
	Due      string    `json:"due,omitempty"`
	Outbound int64     `json:"outbound_shipment,omitempty"`
	Inbound  int64     `json:"return_shipment,omitempty"`
	Reported time.Time `json:"reported_at"`
	Repaired string    `json:"repaired_on,omitempty"`
	// Cost is what the repair cost, in euro cents, and PaidBy the nation
	// that paid it; it counts in that nation's pledge accounts.
	Cost      int64     `json:"cost,omitempty"`
	PaidBy    string    `json:"paid_by,omitempty"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ref is the order's reference as people write it.
func (o Order) Ref() string { return fmt.Sprintf("RO-%05d", o.ID) }

// Open says whether the order is still on its way.
func (o *Order) Open() bool {
	if o.Severity == Theatre {
		return o.State != Repaired
	}
	return o.State != Received
}

// AtFacility says whether the order holds one of its facility's slots: from
// its arrival to its repair.
func (o *Order) AtFacility() bool { return o.State == Repairs || o.State == Parts }

// Move changes the order's state to to, if that may follow.
func (o *Order) Move(to string) error {
	if !slices.Contains(OrderStates, to) {
		return fault.Field("state", "%q is not a repair order state: use one of %s", to, strings.Join(OrderStates, ", "))
	}
	if !slices.Contains(next[o.Severity][o.State], to) {
		allowed := next[o.Severity][o.State]
		if len(allowed) == 0 {
			return fault.Errorf(fault.Conflict, "%s is %s: nothing follows", o.Ref(), label(o.State))
		}
		return fault.Errorf(fault.Conflict, "%s is %s: it can go only to %s, not to %s", o.Ref(), label(o.State), strings.Join(labels(allowed), " or "), label(to))
	}
	o.State = to
	return nil
}

// EquipmentState is the state a piece is in while its order is in state.
func EquipmentState(order *Order) string {
	switch order.State {
	case Repairs:
		return InRepair
	case Parts:
		return AwaitingParts
	case Received:
		return Operational
	case Repaired:
		if order.Severity == Theatre {
			return Operational
		}
	}
	return Damaged
}

// Label is a state in words.
func label(s string) string { return strings.ReplaceAll(s, "_", " ") }

func labels(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = label(s)
	}
	return out
}

// Damage is a damage report on a piece.
type Damage struct {
	Equipment int64  `json:"equipment"`
	Fault     string `json:"fault"`
	Severity  string `json:"severity"`
	Priority  int    `json:"priority"`
	Location  string `json:"location"`
	// Replace raises a requirement for a replacement when the piece is
	// beyond repair.
	Replace bool `json:"replace,omitempty"`
}

// Validate checks a damage report's own fields.
func (d *Damage) Validate() error {
	var errs fault.List
	d.Fault = strings.TrimSpace(d.Fault)
	if d.Fault == "" {
		errs.Add("fault", "describe the fault")
	}
	errs.OneOf("severity", d.Severity, Severities)
	if d.Priority == 0 {
		d.Priority = 3
	}
	if d.Priority < 1 || d.Priority > 4 {
		errs.Add("priority", "%d is not a priority from 1 (critical) to 4 (routine)", d.Priority)
	}
	d.Location = strings.ToUpper(strings.TrimSpace(d.Location))
	return errs.Err()
}

// Competence is a system a facility repairs: an NSN or an
// interchangeability group, and its typical turnaround.
type Competence struct {
	Target string `json:"target"` // an NSN, or a group
	Days   int    `json:"turnaround_days"`
}

// RepairFacility is an allied repair facility: its site, the systems it is
// competent for and how many it repairs at once.
type RepairFacility struct {
	Site        string       `json:"site"`
	Name        string       `json:"name,omitempty"`
	Nation      string       `json:"nation,omitempty"`
	Slots       int          `json:"slots"`
	Competences []Competence `json:"competences"`
	Version     int64        `json:"version"`
}

// Competent returns the facility's competence for an item (by NSN first,
// then its group).
func (f *RepairFacility) Competent(nsn, group string) (Competence, bool) {
	for _, c := range f.Competences {
		if c.Target == nsn {
			return c, true
		}
	}
	for _, c := range f.Competences {
		if group != "" && c.Target == group {
			return c, true
		}
	}
	return Competence{}, false
}

// Validate checks a facility's slots and competences.
func (f *RepairFacility) Validate() error {
	var errs fault.List
	f.Site = strings.ToUpper(strings.TrimSpace(f.Site))
	if f.Site == "" {
		errs.Add("site", "is required")
	}
	if f.Slots < 1 || f.Slots > 10_000 {
		errs.Add("slots", "%d is not a number of slots from 1 to 10,000", f.Slots)
	}
	seen := map[string]bool{}
	for i, c := range f.Competences {
		c.Target = strings.TrimSpace(c.Target)
		f.Competences[i].Target = c.Target
		field := fmt.Sprintf("competences[%d]", i)
		switch {
		case c.Target == "":
			errs.Add(field+".target", "name an NSN or an interchangeability group")
		case seen[c.Target]:
			errs.Add(field+".target", "%s is listed twice", c.Target)
		}
		seen[c.Target] = true
		if c.Days < 1 || c.Days > 730 {
			errs.Add(field+".turnaround_days", "%d is not a number of days from 1 to 730", c.Days)
		}
	}
	if len(f.Competences) == 0 {
		errs.Add("competences", "name at least one system the facility repairs")
	}
	return errs.Err()
}

// Part is a spare part a repair order needs.
type Part struct {
	NSN      string `json:"nsn"`
	Quantity int64  `json:"quantity"`
}
