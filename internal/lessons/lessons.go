// Package lessons keeps the lessons process of the Joint Analysis,
// Training and Education Centre: an observation is submitted, accepted or
// rejected, analysed into a lesson identified, given remedial actions with
// owners and due dates, and, once the actions are done, validated as a
// lesson learned — or closed as not actionable. No step is skipped.
package lessons

import (
	"fmt"
	"slices"
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
	l.Title, l.Observed = strings.TrimSpace(l.Title), strings.TrimSpace(l.Observed)
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
