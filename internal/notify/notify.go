// Package notify owns notifications: which changes and which dates make an
// event (the rule from an audit record, and the periodic check of what is
// late or due), who receives each (the users whose role and settings ask
// for it and who may see its record, and the webhook endpoints), and the
// delivery of each, at least once, through ports for mail and webhooks.
//
// Its events are written to an outbox by the store in the transaction of
// the change they tell of, so that a rolled-back change sends nothing and a
// mail server that is down loses nothing. It imports nothing of ours but
// access, audit and fault; the network senders live in internal/outbound.
package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// The kinds of event.
const (
	DiscrepancyOpened   = "discrepancy.opened"
	ShipmentHeld        = "shipment.held"
	ShipmentLate        = "shipment.late"
	RepairAwaitingParts = "repair.awaiting_parts"
	PlanReady           = "plan.ready"
	ApprovalDue         = "plan.approval_due"
	LineAtRisk          = "line.at_risk"
	LineOverdue         = "line.overdue"
	LessonActionDue     = "lesson.action_due"
)

// Kind describes a kind of event: what it is called and the permission a
// user needs to ask for it (seeing its record is checked on top, record by
// record).
type Kind struct {
	Name  string            `json:"name"`
	Title string            `json:"title"`
	Perm  access.Permission `json:"-"`
}

// Kinds lists every kind of event, in the order the settings show them.
var Kinds = []Kind{
	{DiscrepancyOpened, "A discrepancy is opened", access.ShipmentRead},
	{ShipmentHeld, "A shipment is held", access.ShipmentRead},
	{ShipmentLate, "A shipment is past its ETA", access.ShipmentRead},
	{RepairAwaitingParts, "A repair order waits for parts", access.EquipmentRead},
	{PlanReady, "A plan is ready for approval", access.PledgeAllocate},
	{ApprovalDue, "A plan has waited a day for approval", access.PledgeAllocate},
	{LineAtRisk, "A pledge line is flagged at risk", access.PledgeRead},
	{LineOverdue, "A pledge line is past its promised date", access.PledgeRead},
	{LessonActionDue, "A lesson's remedial action is due", access.LessonRead},
}

// KindNames lists the names of every kind.
func KindNames() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.Name
	}
	return out
}

// KindOf returns the kind called name.
func KindOf(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindsFor lists the kinds id may ask for.
func KindsFor(id access.Identity) []Kind {
	var out []Kind
	for _, k := range Kinds {
		if access.Allowed(id, k.Perm) {
			out = append(out, k)
		}
	}
	return out
}

// Event is one thing to notify of: its key makes it once (the store keeps
// one event per key), its entity and id name the record whose readers may
// receive it, and Link is the record's page (a path).
type Event struct {
	ID        int64     `json:"id"`
	Key       string    `json:"key"`
	Kind      string    `json:"kind"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entity_id"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	AuditSeq  int64     `json:"audit_seq,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// FromAudit returns the events the audit event seq of action on entity
// tells of; after is the event's after record as canonical JSON. It is
// called by the store inside the transaction that writes the audit event,
// so that the events are written, or rolled back, with the change.
func FromAudit(seq int64, action, entity, entityID string, after []byte) []Event {
	var a struct {
		Shipment int64  `json:"shipment"`
		Kind     string `json:"kind"`
		Quantity int64  `json:"quantity"`
		NSN      string `json:"nsn"`
		Line     int64  `json:"line"`
		LineNo   int    `json:"line_no"`
		Pledge   int64  `json:"pledge"`
		Words    string `json:"words"`
		Days     int    `json:"days"`
		Serial   string `json:"serial"`
		ItemName string `json:"item_name"`
		Reason   string `json:"reason"`
	}
	if len(after) > 0 {
		_ = json.Unmarshal(after, &a) // a record of another shape just gives a plainer title
	}
	ev := func(kind, ent, id, title, link string) []Event {
		return []Event{{Key: fmt.Sprintf("audit:%d:%s", seq, kind), Kind: kind, Entity: ent, EntityID: id, Title: title, Link: link, AuditSeq: seq}}
	}
	switch {
	case action == "discrepancy.open" && entity == "discrepancy":
		title := fmt.Sprintf("Discrepancy %s opened on shipment %d", entityID, a.Shipment)
		if a.Kind != "" {
			title += fmt.Sprintf(": %d %s of %s", a.Quantity, a.Kind, a.NSN)
		}
		return ev(DiscrepancyOpened, "discrepancy", entityID, title, fmt.Sprintf("/discrepancies?shipment=%d", a.Shipment))
	case action == "shipment.hold" && entity == "shipment":
		return ev(ShipmentHeld, "shipment", entityID, "Shipment "+entityID+" is held", "/shipments/"+entityID)
	case action == "repair.awaiting_parts" && entity == "repair_order":
		title := "Repair order " + entityID + " waits for parts"
		if a.ItemName != "" {
			title += " (" + strings.TrimSpace(a.ItemName+" "+a.Serial) + ")"
		}
		return ev(RepairAwaitingParts, "repair_order", entityID, title, "/repairs/"+entityID)
	case action == "plan.create" && entity == "plan":
		return ev(PlanReady, "plan", entityID, "Plan "+entityID+" is ready for approval", "/plans/"+entityID)
	case action == "pledge.at_risk" && entity == "pledge":
		title := fmt.Sprintf("Pledge %s line %d is at risk", entityID, a.LineNo)
		if a.Words != "" {
			title += ": " + a.Words
		}
		return ev(LineAtRisk, "pledge", entityID, title, "/pledges/"+entityID)
	}
	return nil
}

// Facts are what the periodic check reads: the open shipments with their
// ETA, the open remedial actions with their due date, the plans waiting
// for approval, and the pledge lines with something to deliver and a
// promised date.
type Facts struct {
	Shipments []OpenShipment
	Actions   []OpenAction
	Plans     []WaitingPlan
	Lines     []OpenLine
}

// OpenLine is a pledge line with something left to deliver.
type OpenLine struct {
	Pledge, Line int64
	No           int
	// Promised is the last day of the pledge's promised period
	// (YYYY-MM-DD), and Outstanding what is left to deliver.
	Promised    string
	Outstanding int64
}

// OpenShipment is a shipment not yet delivered, received or cancelled.
type OpenShipment struct {
	ID  int64
	ETA time.Time
}

// OpenAction is a remedial action not done.
type OpenAction struct {
	ID, Lesson int64
	Owner      string
	Due        string // YYYY-MM-DD
}

// WaitingPlan is a plan proposed and not yet approved.
type WaitingPlan struct {
	ID     int64
	MadeAt time.Time
}

// ActionLead is how many days before its due date a remedial action is
// notified as due; ApprovalWait how long a plan waits before its approval
// is notified as due.
const (
	ActionLead   = 3
	ApprovalWait = 24 * time.Hour
)

// Due returns the events the facts make at now: a shipment past its ETA
// (once per ETA: a new ETA that passes is a new event), a remedial action
// due within ActionLead days or overdue (once per due date), a plan
// waiting longer than ApprovalWait (once), a pledge line past its
// promised date with something left to deliver (once per promised date).
func Due(f Facts, now time.Time) []Event {
	today := now.UTC().Format(time.DateOnly)
	lead := now.UTC().AddDate(0, 0, ActionLead).Format(time.DateOnly)
	var out []Event
	for _, s := range f.Shipments {
		if s.ETA.IsZero() || !now.After(s.ETA) {
			continue
		}
		id, eta := fmt.Sprint(s.ID), s.ETA.UTC().Format("2006-01-02 15:04")
		out = append(out, Event{Key: "late:" + id + ":" + s.ETA.UTC().Format(time.RFC3339), Kind: ShipmentLate, Entity: "shipment", EntityID: id,
			Title: "Shipment " + id + " is past its ETA of " + eta + " UTC", Link: "/shipments/" + id})
	}
	for _, a := range f.Actions {
		if a.Due == "" || a.Due > lead {
			continue
		}
		word := "is due on " + a.Due
		if a.Due < today {
			word = "was due on " + a.Due
		}
		lesson := fmt.Sprint(a.Lesson)
		out = append(out, Event{Key: fmt.Sprintf("action:%d:%s", a.ID, a.Due), Kind: LessonActionDue, Entity: "lesson", EntityID: lesson,
			Title: fmt.Sprintf("Remedial action %d of lesson %s (%s) %s", a.ID, lesson, a.Owner, word), Link: "/lessons/" + lesson})
	}
	for _, l := range f.Lines {
		if l.Promised == "" || l.Promised >= today || l.Outstanding <= 0 {
			continue
		}
		id := fmt.Sprint(l.Pledge)
		out = append(out, Event{Key: fmt.Sprintf("overdue:%d:%s", l.Line, l.Promised), Kind: LineOverdue, Entity: "pledge", EntityID: id,
			Title: fmt.Sprintf("Pledge P-%05d line %d is past its promised date, %s, with %d units to deliver", l.Pledge, l.No, l.Promised, l.Outstanding),
			Link:  "/pledges/" + id})
	}
	for _, p := range f.Plans {
		if now.Sub(p.MadeAt) < ApprovalWait {
			continue
		}
		id := fmt.Sprint(p.ID)
		out = append(out, Event{Key: "approval:" + id, Kind: ApprovalDue, Entity: "plan", EntityID: id,
			Title: "Plan " + id + " has waited since " + p.MadeAt.UTC().Format("2006-01-02 15:04") + " UTC for approval", Link: "/plans/" + id})
	}
	return out
}

// Settings are what one user asks to be notified of, and how.
type Settings struct {
	UserID  int64     `json:"-"`
	Email   string    `json:"email"`
	Events  []string  `json:"events"`
	Mode    string    `json:"mode"` // immediate or digest
	Version int64     `json:"version"`
	Updated time.Time `json:"updated_at,omitzero"`
}

// Modes of delivery.
const (
	Immediate = "immediate"
	Digest    = "digest"
)

// Wants says whether s asks for kind.
func (s Settings) Wants(kind string) bool { return slices.Contains(s.Events, kind) }
