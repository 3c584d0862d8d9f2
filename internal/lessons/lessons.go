// Package lessons keeps the lessons process of the Joint Analysis,
// Training and Education Centre: an observation is submitted, accepted or
// rejected, analysed into a lesson identified, given remedial actions with
// owners and due dates, and, once the actions are done, validated as a
// lesson learned — or closed as not actionable. No step is skipped.
//
// The rules sit on Lesson and Link; Service holds the use cases, each one
// transaction through the Tx port that the store implements. The package
// knows no SQL and no HTTP: it never imports store or web.
package lessons

import (
	"fmt"
	"github.com/longhaul/longhaul/internal/text"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// The states of a lesson.
const (
	Submitted  = "submitted"
	Accepted   = "accepted"
	Rejected   = "rejected"
	Identified = "identified"
	Actioned   = "actioned" // remedial actions assigned
	Learned    = "learned"
	Closed     = "closed" // not actionable
)

// States lists them in order.
var States = []string{Submitted, Accepted, Rejected, Identified, Actioned, Learned, Closed}

// next is what may follow each state.
var next = map[string][]string{
	Submitted:  {Accepted, Rejected},
	Accepted:   {Identified, Closed},
	Identified: {Actioned, Closed},
	Actioned:   {Learned, Closed},
}

// Lesson is an observation and what became of it.
type Lesson struct {
	ID         int64    `json:"id"`
	Title      string   `json:"title"`
	Observed   string   `json:"observation"`
	Where      string   `json:"where,omitempty"` // a site or place
	When       string   `json:"observed_on"`
	Source     string   `json:"source,omitempty"` // unit or source
	Capability string   `json:"capability"`
	Systems    []string `json:"systems"` // catalogue NSNs
	access.Marking
	State          string     `json:"state"`
	Reason         string     `json:"reason,omitempty"` // of a rejection or closure
	Analysis       string     `json:"analysis,omitempty"`
	Conclusion     string     `json:"conclusion,omitempty"`
	Recommendation string     `json:"recommendation,omitempty"`
	Owner          string     `json:"owner_nation,omitempty"` // the submitter's nation, for releasability
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	LearnedAt      *time.Time `json:"learned_at,omitempty"`
	Version        int64      `json:"version"`
	Actions        []Action   `json:"actions,omitempty"`
	Links          []Link     `json:"links,omitempty"`
}

// Ref is the lesson's reference as people write it.
func (l Lesson) Ref() string { return fmt.Sprintf("L-%05d", l.ID) }

// AuditMarking is the owner and marking of the lesson.
func (l Lesson) AuditMarking() (string, access.Marking) { return l.Owner, l.Marking }

// Validate checks an observation being submitted.
func (l *Lesson) Validate() error {
	var errs fault.List
	l.Title, l.Observed = text.TrimBlank(l.Title), text.TrimBlank(l.Observed)
	if l.Title == "" {
		errs.Add("title", "is required")
	} else if len(l.Title) > 200 {
		errs.Add("title", "is longer than 200 characters")
	}
	if l.Observed == "" {
		errs.Add("observation", "say what was observed")
	}
	if d, err := assist.ParseDate("observed_on", l.When); err != nil {
		errs.Append("", err)
	} else {
		l.When = d
	}
	l.Where, l.Source, l.Capability = strings.TrimSpace(l.Where), strings.TrimSpace(l.Source), strings.TrimSpace(l.Capability)
	if l.Capability == "" {
		errs.Add("capability", "name the capability area")
	}
	var sys []string
	for _, s := range l.Systems {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(sys, s) {
			sys = append(sys, s)
		}
	}
	l.Systems = sys
	return errs.Err()
}

// Move changes the lesson's state to to, if that may follow.
func (l *Lesson) Move(to string) error {
	if !slices.Contains(next[l.State], to) {
		allowed := next[l.State]
		if len(allowed) == 0 {
			return fault.Errorf(fault.Conflict, "%s is %s: nothing follows", l.Ref(), l.State)
		}
		return fault.Errorf(fault.Conflict, "%s is %s: it can go only to %s, not to %s", l.Ref(), l.State, strings.Join(allowed, " or "), to)
	}
	l.State = to
	return nil
}

// Submit makes l an observation submitted at at by id, whom the audit trail
// names actor: owned by the submitter's nation, for releasability, and
// marked no higher than their clearance, since nobody records what they
// could not read back.
func (l *Lesson) Submit(id access.Identity, actor string, at time.Time) error {
	if l.Classification > id.Clearance {
		return fault.Field("classification", "%s is above your clearance (%s)", l.Classification, id.Clearance)
	}
	l.Owner, l.State, l.CreatedBy, l.CreatedAt = id.Nation, Submitted, actor, at
	l.Reason, l.Analysis, l.Conclusion, l.Recommendation, l.LearnedAt, l.Actions, l.Links = "", "", "", "", nil, nil, nil
	return nil
}

// Step is one step of the lessons process.
type Step struct {
	To             string `json:"to"`
	Reason         string `json:"reason,omitempty"`
	Analysis       string `json:"analysis,omitempty"`
	Conclusion     string `json:"conclusion,omitempty"`
	Recommendation string `json:"recommendation,omitempty"`
}

// Advance takes the lesson one step on at at, if that step may follow:
// rejection and closure need a reason, identification its analysis,
// conclusion and recommendation, and validation as learned every action
// done (see Learn). Actions are assigned one by one (see Assign). On a
// refusal the lesson is left as it was.
func (l *Lesson) Advance(s Step, at time.Time) error {
	if s.To == Actioned {
		return fault.Field("to", "actions are assigned one by one: add an action with its owner and due date")
	}
	if s.To == Learned {
		return l.Learn(at)
	}
	n := *l
	if err := n.Move(s.To); err != nil {
		return err
	}
	var errs fault.List
	switch s.To {
	case Rejected, Closed:
		if n.Reason = strings.TrimSpace(s.Reason); n.Reason == "" {
			errs.Add("reason", "say why")
		}
	case Identified:
		n.Analysis, n.Conclusion, n.Recommendation = strings.TrimSpace(s.Analysis), strings.TrimSpace(s.Conclusion), strings.TrimSpace(s.Recommendation)
		for _, f := range []struct{ name, v string }{{"analysis", n.Analysis}, {"conclusion", n.Conclusion}, {"recommendation", n.Recommendation}} {
			if f.v == "" {
				errs.Add(f.name, "is required to identify a lesson")
			}
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	*l = n
	return nil
}

// Learn validates an actioned lesson as learned at at. A lesson is learned
// once its remedial actions are: every one must be done.
func (l *Lesson) Learn(at time.Time) error {
	n := *l
	if err := n.Move(Learned); err != nil {
		return err
	}
	var errs fault.List
	for _, a := range n.Actions {
		if !a.Done() {
			errs.Add("actions", "action %d (%s, due %s) is not done: a lesson is learned once its actions are", a.ID, a.Owner, a.Due)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	n.LearnedAt = &at
	*l = n
	return nil
}

// Assign gives the lesson the remedial action a, which must follow an
// identified lesson; the first one makes the lesson actioned. It sets the
// action's lesson.
func (l *Lesson) Assign(a *Action) error {
	if l.State != Identified && l.State != Actioned {
		return fault.Errorf(fault.Conflict, "%s is %s: actions follow an identified lesson", l.Ref(), l.State)
	}
	a.Lesson = l.ID
	l.State = Actioned
	return nil
}

// Finish marks the lesson's action id done at at and returns it. Only an
// action of this lesson is found here, so that nobody marks another
// lesson's action done through a lesson they may see.
func (l *Lesson) Finish(id int64, at time.Time) (Action, error) {
	for i := range l.Actions {
		a := &l.Actions[i]
		if a.ID != id {
			continue
		}
		if a.Done() {
			return *a, fault.Errorf(fault.Conflict, "action %d is done already", id)
		}
		a.DoneAt = &at
		return *a, nil
	}
	return Action{}, fault.Errorf(fault.NotFound, "no action %d", id)
}

// Owner kinds of a remedial action.
var OwnerKinds = []string{"nation", "facility", "course", "nsatu"}

// Action is a remedial action: who does what by when.
type Action struct {
	ID          int64      `json:"id"`
	Lesson      int64      `json:"lesson"`
	OwnerKind   string     `json:"owner_kind"`
	Owner       string     `json:"owner"`
	Description string     `json:"description"`
	Due         string     `json:"due"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// Done says whether the action is done.
func (a Action) Done() bool { return a.DoneAt != nil }

// Overdue says whether the action is late at today (YYYY-MM-DD).
func (a Action) Overdue(today string) bool { return !a.Done() && a.Due < today }

// Validate checks an action's fields.
func (a *Action) Validate() error {
	var errs fault.List
	errs.OneOf("owner_kind", a.OwnerKind, OwnerKinds)
	a.Owner = strings.ToUpper(strings.TrimSpace(a.Owner))
	if a.OwnerKind == "nsatu" && a.Owner == "" {
		a.Owner = "NSATU"
	}
	if a.Owner == "" {
		errs.Add("owner", "name the owner: a nation, a facility, a course or NSATU")
	}
	a.Description = strings.TrimSpace(a.Description)
	if a.Description == "" {
		errs.Add("description", "say what is to change")
	}
	if strings.TrimSpace(a.Due) == "" {
		errs.Add("due", "give a due date")
	} else if d, err := assist.ParseDate("due", a.Due); err != nil {
		errs.Append("", err)
	} else {
		a.Due = d
	}
	return errs.Err()
}

// Link kinds: what a lesson may change.
var LinkKinds = []string{"course", "equipment", "facility", "requirement"}

// Link ties a lesson to a record it should change.
type Link struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// Normalize checks a link's kind and writes its reference as people do:
// a course code or facility site in capitals, a piece as E-00012 and a
// requirement as R-00012.
func (k *Link) Normalize() error {
	if !slices.Contains(LinkKinds, k.Kind) {
		return fault.Field("kind", "%q is not a kind of record: use one of %s", k.Kind, strings.Join(LinkKinds, ", "))
	}
	k.Ref = strings.ToUpper(strings.TrimSpace(k.Ref))
	switch k.Kind {
	case "equipment":
		id, err := refID(k.Ref, "E-")
		if err != nil {
			return fault.Field("ref", "%q is not a piece such as E-00012", k.Ref)
		}
		k.Ref = fmt.Sprintf("E-%05d", id)
	case "requirement":
		id, err := refID(k.Ref, "R-")
		if err != nil {
			return fault.Field("ref", "%q is not a requirement such as R-00012", k.Ref)
		}
		k.Ref = fmt.Sprintf("R-%05d", id)
	}
	return nil
}

// ID is the id of the piece or requirement a normalized link names, zero
// for the other kinds.
func (k Link) ID() int64 {
	prefix := map[string]string{"equipment": "E-", "requirement": "R-"}[k.Kind]
	if prefix == "" {
		return 0
	}
	id, _ := refID(k.Ref, prefix)
	return id
}

// Unseen is the refusal of a link to a record the linker may not see, or
// that does not exist: the two are answered alike.
func (k Link) Unseen() error {
	switch k.Kind {
	case "course":
		return fault.Field("ref", "no course %s you may see", k.Ref)
	case "equipment":
		return fault.Field("ref", "no piece %s you may see", k.Ref)
	case "facility":
		return fault.Field("ref", "no repair facility %s", k.Ref)
	}
	return fault.Field("ref", "no requirement %s you may see", k.Ref)
}

// refID reads the number of a reference such as E-00012 (or 12): digits
// only, above zero, so that no sign makes a link to a record that cannot
// exist.
func refID(ref, prefix string) (int64, error) {
	digits := strings.TrimPrefix(ref, prefix)
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a number", digits)
	}
	id, err := strconv.ParseInt(strings.TrimLeft(digits, "0"), 10, 64)
	if err == nil && id <= 0 {
		err = fmt.Errorf("%q is not above zero", digits)
	}
	return id, err
}
