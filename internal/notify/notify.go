// Package notify owns notifications: which changes and which dates make an
// event (the rule from an audit record, and the periodic check of what is
// late or due), who receives each (the users whose role and settings ask
// for it and who may see its record, and the webhook endpoints), and the
// delivery of each, at least once, through ports for mail and webhooks.
//
// Its events are written to an outbox by the store in the transaction of
// the change they tell of, so that a rolled-back change sends nothing and a
// mail server that is down loses nothing. Each keeps its English title,
// which the webhooks and the delivery log read, and what the title is made
// of, so that each e-mail is written in its recipient's language when it
// is sent (words.go). It imports nothing of ours but
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
	// Params are what Title is made of, to write it in each recipient's
	// language; nil for an event kept before they were.
	Params *Params `json:"params,omitempty"`
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
	ev := func(kind, ent, id, link string, p Params) []Event {
		return []Event{{Key: fmt.Sprintf("audit:%d:%s", seq, kind), Kind: kind, Entity: ent, EntityID: id, Title: storedTitle(kind, p), Link: link, AuditSeq: seq, Params: &p}}
	}
	switch {
	case action == "discrepancy.open" && entity == "discrepancy":
		p := Params{ID: entityID, Shipment: a.Shipment}
		if a.Kind != "" {
			p.Kind, p.Quantity, p.NSN = a.Kind, a.Quantity, a.NSN
		}
		return ev(DiscrepancyOpened, "discrepancy", entityID, fmt.Sprintf("/discrepancies?shipment=%d", a.Shipment), p)
	case action == "shipment.hold" && entity == "shipment":
		return ev(ShipmentHeld, "shipment", entityID, "/shipments/"+entityID, Params{ID: entityID})
	case action == "repair.awaiting_parts" && entity == "repair_order":
		p := Params{ID: entityID}
		if a.ItemName != "" {
			p.Item = strings.TrimSpace(a.ItemName + " " + a.Serial)
		}
		return ev(RepairAwaitingParts, "repair_order", entityID, "/repairs/"+entityID, p)
	case action == "plan.create" && entity == "plan":
		return ev(PlanReady, "plan", entityID, "/plans/"+entityID, Params{ID: entityID})
	case action == "pledge.at_risk" && entity == "pledge":
		return ev(LineAtRisk, "pledge", entityID, "/pledges/"+entityID,
			Params{ID: entityID, Line: a.LineNo, Words: a.Words, Reason: a.Reason, Days: a.Days, Shipment: a.Shipment})
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

// minute is how the titles and the e-mails write a time, in UTC.
const minute = "2006-01-02 15:04"

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
	raise := func(key, kind, entity, id, link string, p Params) {
		out = append(out, Event{Key: key, Kind: kind, Entity: entity, EntityID: id, Title: storedTitle(kind, p), Link: link, Params: &p})
	}
	for _, s := range f.Shipments {
		if s.ETA.IsZero() || !now.After(s.ETA) {
			continue
		}
		id := fmt.Sprint(s.ID)
		raise("late:"+id+":"+s.ETA.UTC().Format(time.RFC3339), ShipmentLate, "shipment", id, "/shipments/"+id,
			Params{ID: id, Time: s.ETA.UTC().Format(minute)})
	}
	for _, a := range f.Actions {
		if a.Due == "" || a.Due > lead {
			continue
		}
		lesson := fmt.Sprint(a.Lesson)
		raise(fmt.Sprintf("action:%d:%s", a.ID, a.Due), LessonActionDue, "lesson", lesson, "/lessons/"+lesson,
			Params{ID: fmt.Sprint(a.ID), Lesson: lesson, Owner: a.Owner, Date: a.Due, Past: a.Due < today})
	}
	for _, l := range f.Lines {
		if l.Promised == "" || l.Promised >= today || l.Outstanding <= 0 {
			continue
		}
		id := fmt.Sprint(l.Pledge)
		raise(fmt.Sprintf("overdue:%d:%s", l.Line, l.Promised), LineOverdue, "pledge", id, "/pledges/"+id,
			Params{ID: fmt.Sprintf("P-%05d", l.Pledge), Line: l.No, Date: l.Promised, Quantity: l.Outstanding})
	}
	for _, p := range f.Plans {
		if now.Sub(p.MadeAt) < ApprovalWait {
			continue
		}
		id := fmt.Sprint(p.ID)
		raise("approval:"+id, ApprovalDue, "plan", id, "/plans/"+id, Params{ID: id, Time: p.MadeAt.UTC().Format(minute)})
	}
	return out
}

// Settings are what one user asks to be notified of, and how.
type Settings struct {
	UserID   int64     `json:"-"`
	Email    string    `json:"email"`
	Events   []string  `json:"events"`
	Mode     string    `json:"mode"`     // immediate or digest
	Language string    `json:"language"` // what the e-mails are written in: en, fr or uk
	Version  int64     `json:"version"`
	Updated  time.Time `json:"updated_at,omitzero"`
}

// Modes of delivery.
const (
	Immediate = "immediate"
	Digest    = "digest"
)

// Wants says whether s asks for kind.
func (s Settings) Wants(kind string) bool { return slices.Contains(s.Events, kind) }
