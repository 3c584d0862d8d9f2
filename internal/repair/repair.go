// Package repair keeps the equipment delivered to Ukraine by serial
// number, the damage reported on it, the allied facilities that repair it,
// and the repair orders that take a piece from damage back into service.
// Its planner assigns waiting orders to competent facilities with free
// slots through internal/flow. Its use cases (Service) decide who may do
// what and apply the rules on the records' own types, through the storage
// ports it declares (Tx, Store); it holds no SQL and no HTTP.
package repair

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
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

// Report applies a damage report to the piece. A piece destroyed or written
// off, or one with an open order (open, nil when there is none), is
// refused. Damage beyond repair takes the piece out of the fleet and opens
// no order; other damage leaves it damaged where it was reported and
// returns the order it opens, in state reported.
func (e *Equipment) Report(d Damage, open *Order, now time.Time) (*Order, error) {
	if e.Gone() {
		return nil, fault.Errorf(fault.Conflict, "%s (%s %s) is %s: no damage can be reported on it", e.Ref(), e.ItemName, e.Serial, label(e.State))
	}
	if open != nil {
		return nil, fault.Errorf(fault.Conflict, "%s has an open repair order, %s: report on that order", e.Ref(), open.Ref())
	}
	if d.Severity == Beyond {
		e.State = Destroyed
		return nil, nil
	}
	e.State, e.Location = Damaged, d.Location
	return &Order{Equipment: e.ID, Serial: e.Serial, NSN: e.NSN, ItemName: e.ItemName, Group: e.Group, Donor: e.Donor, Fault: d.Fault, Severity: d.Severity,
		Priority: d.Priority, Location: d.Location, State: Reported, Reported: now, UpdatedAt: now, Version: 1}, nil
}

// WriteOff takes the piece out of the fleet for good. One destroyed or
// written off already, or with an open order (open, nil when there is
// none), is refused: an order is finished first.
func (e *Equipment) WriteOff(open *Order) error {
	if e.Gone() {
		return fault.Errorf(fault.Conflict, "%s is %s already", e.Ref(), label(e.State))
	}
	if open != nil {
		return fault.Errorf(fault.Conflict, "%s has an open repair order, %s: finish it first", e.Ref(), open.Ref())
	}
	e.State = WrittenOff
	return nil
}

// Replacement is the requirement a report of damage beyond repair raises
// for a new piece of the same item, delivered where the damage was
// reported (site), which must be a delivery point.
func (d *Damage) Replacement(e Equipment, site catalog.Site, now time.Time) (assist.Requirement, error) {
	if !site.HasKind("delivery_point") {
		return assist.Requirement{}, fault.Field("location", "%s is not a delivery point: a replacement is asked for at one", site.Code)
	}
	return assist.Requirement{NSN: e.NSN, Quantity: 1, Priority: d.Priority, NeedBy: now.AddDate(0, 0, 90).Format("2006-01-02"), DeliverySite: site.Code,
		Notes: fmt.Sprintf("replacement for %s %s (%s), beyond repair: %s", e.ItemName, e.Serial, e.Ref(), d.Fault)}, nil
}

// privileged says whether id acts for the whole coordination: a
// coordinator, or the system itself.
func privileged(id access.Identity) bool { return id.Via == "system" || id.Has(access.Coordinator) }

// atFacility says whether id manages the order's facility.
func (o *Order) atFacility(id access.Identity) bool {
	return id.Has(access.FacilityManager) && o.Facility != "" && o.Facility == id.Site
}

// MayMove refuses id moving the order on to state to: a facility manager
// moves their own facility's orders only, and a recipient officer only
// receives a piece back or moves a repair in theatre; a coordinator moves
// any.
func (o *Order) MayMove(id access.Identity, to string) error {
	switch {
	case privileged(id):
	case o.atFacility(id):
	case id.Has(access.RecipientOfficer) && (to == Received || o.Severity == Theatre):
	default:
		return fault.Errorf(fault.Forbidden, "%s may not move %s: it is %s's to move", id.Name, o.Ref(), o.owner())
	}
	return nil
}

func (o *Order) owner() string {
	if o.Facility != "" {
		return o.Facility
	}
	return "a coordinator"
}

// TakesSlot says whether the order, just moved on from state from, now
// takes one of its facility's slots: it starts its repair there (a repair
// resumed after waiting for parts kept its slot, and one in theatre needs
// none).
func (o *Order) TakesSlot(from string) bool {
	return o.State == Repairs && from != Parts && o.Severity != Theatre && o.Facility != ""
}

// Admit refuses an order that would take a slot of the facility when busy
// orders hold them all already: a facility never repairs more at once
// than it has slots.
func (f *RepairFacility) Admit(busy int, o *Order) error {
	if busy >= f.Slots {
		return fault.Errorf(fault.Conflict, "%s has %d slots and %d orders in repair: %s waits for a free slot", f.Site, f.Slots, busy, o.Ref())
	}
	return nil
}

// Keeps refuses slots fewer than the busy orders the facility holds in
// repair already: it would then hold more than its slots.
func (f *RepairFacility) Keeps(busy int) error {
	if f.Slots < busy {
		return fault.Errorf(fault.Conflict, "%s has %d orders in repair: it keeps at least %d slots until they leave", f.Site, busy, busy)
	}
	return nil
}

// MayAskParts refuses id asking for spare parts for the order: only a
// coordinator or the manager of its facility may, and only while the
// order is still before its repair's end.
func (o *Order) MayAskParts(id access.Identity) error {
	if !privileged(id) && !o.atFacility(id) {
		return fault.Errorf(fault.Forbidden, "%s may not ask for parts for %s", id.Name, o.Ref())
	}
	if !o.Open() || o.State == Repaired || o.State == Returned {
		return fault.Errorf(fault.Conflict, "%s is %s: it needs no more parts", o.Ref(), label(o.State))
	}
	return nil
}

// PartsSite is where the order's spare parts are delivered: its facility,
// or where the piece is for a repair in theatre.
func (o *Order) PartsSite() string {
	if o.Facility != "" {
		return o.Facility
	}
	return o.Location
}

// MayRecordCost refuses id recording what the order's repair cost and
// that paidBy paid it. The cost counts in the payer's pledge accounts, so
// only a coordinator, or the payer's own people at the order's facility,
// say who paid; and a cost is recorded once, after the repair.
func (o *Order) MayRecordCost(id access.Identity, paidBy string) error {
	if !privileged(id) && !(id.Has(access.FacilityManager) && id.Site == o.Facility) {
		return fault.Errorf(fault.Forbidden, "%s may not record the cost of %s", id.Name, o.Ref())
	}
	if !privileged(id) && !strings.EqualFold(id.Nation, strings.TrimSpace(paidBy)) {
		return fault.Errorf(fault.Forbidden, "%s may record a cost paid by %s only, their own nation; a coordinator records others", id.Name, id.Nation)
	}
	if o.State != Repaired && o.State != Returned && o.State != Received {
		return fault.Errorf(fault.Conflict, "%s is %s: its cost is recorded once it is repaired", o.Ref(), label(o.State))
	}
	if o.Cost > 0 {
		return fault.Errorf(fault.Conflict, "the cost of %s was recorded already: %s paid by %s", o.Ref(), money.Cents(o.Cost).Human(false), o.PaidBy)
	}
	return nil
}

// CostContribution is the contribution a repair's cost counts as: the
// payer's maintenance and logistics, dated on, with the order as its
// evidence.
func (o *Order) CostContribution(cost money.Cents, paidBy, on string) accounts.Contribution {
	return accounts.Contribution{Nation: paidBy, Date: on, Category: "maintenance_logistics", Currency: "EUR", Original: cost,
		Evidence: fmt.Sprintf("repair order %s at %s", o.Ref(), o.Facility), Notes: fmt.Sprintf("repair of %s %s", o.ItemName, o.Serial)}
}

// Follow sets the piece's state and place from its order's, just moved
// on: the piece is at the facility while it is repaired there, and back
// where it was reported once received.
func (e *Equipment) Follow(o *Order) {
	e.State = EquipmentState(o)
	switch o.State {
	case Repairs:
		if o.Facility != "" {
			e.Location = o.Facility
		}
	case Received:
		e.Location = o.Location
	}
}

// AssignTo assigns a waiting order to facility f, due on due: the order
// must still be reported (a plan places only waiting orders) and the
// facility competent for its item.
func (o *Order) AssignTo(f *RepairFacility, due time.Time) error {
	if o.State != Reported {
		return fault.Errorf(fault.Conflict, "%s is no longer waiting: plan again", o.Ref())
	}
	if _, ok := f.Competent(o.NSN, o.Group); !ok {
		return fault.Errorf(fault.Invalid, "%s is not competent for the piece of %s", f.Site, o.Ref())
	}
	if err := o.Move(Assigned); err != nil {
		return err
	}
	o.Facility, o.Due = f.Site, due.Format("2006-01-02")
	return nil
}

// PartRequirement is the requirement that brings spare part p to the
// order, needed within 30 days of now.
func (o *Order) PartRequirement(p Part, now time.Time) assist.Requirement {
	return assist.Requirement{NSN: strings.TrimSpace(p.NSN), Quantity: p.Quantity, Priority: o.Priority, NeedBy: now.AddDate(0, 0, 30).Format("2006-01-02"),
		DeliverySite: o.PartsSite(), Notes: fmt.Sprintf("spare parts for %s (%s %s)", o.Ref(), o.ItemName, o.Serial)}
}
