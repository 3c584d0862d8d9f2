package training

import (
	"github.com/longhaul/longhaul/internal/text"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Offer is a course offered at an allied training facility.
type Offer struct {
	Code           string      `json:"code"`
	Title          string      `json:"title"`
	Skill          string      `json:"skill"` // a skill, or a system's NSN or interchangeability group
	Host           string      `json:"host"`  // the host nation
	Site           string      `json:"site"`  // a training facility
	Language       string      `json:"language,omitempty"`
	Interpretation bool        `json:"interpretation"`
	Seats          int         `json:"seats_per_class"`
	MinSize        int         `json:"min_size"`
	Prerequisite   string      `json:"prerequisite,omitempty"` // another course's code
	CostPerSeat    money.Cents `json:"cost_per_seat"`
	Version        int64       `json:"version"`
}

// Validate checks a course's own fields.
func (o *Offer) Validate() error {
	var errs fault.List
	o.Code = strings.ToUpper(strings.TrimSpace(o.Code))
	if o.Code == "" {
		errs.Add("code", "is required")
	}
	o.Title, o.Skill = text.TrimBlank(o.Title), text.TrimBlank(o.Skill)
	if o.Title == "" {
		errs.Add("title", "is required")
	}
	if o.Skill == "" {
		errs.Add("skill", "is required: a skill, or the NSN or group of the system it trains on")
	}
	o.Host, o.Site = strings.ToUpper(strings.TrimSpace(o.Host)), strings.ToUpper(strings.TrimSpace(o.Site))
	if o.Host == "" {
		errs.Add("host", "is required")
	}
	if o.Site == "" {
		errs.Add("site", "is required")
	}
	if o.Seats < 1 {
		errs.Add("seats_per_class", "must be at least 1")
	}
	if o.MinSize < 0 || o.MinSize > o.Seats {
		errs.Add("min_size", "%d is not between 0 and the %d seats", o.MinSize, o.Seats)
	}
	o.Prerequisite = strings.ToUpper(strings.TrimSpace(o.Prerequisite))
	if o.Prerequisite != "" && o.Prerequisite == o.Code {
		errs.Add("prerequisite", "a course cannot be its own prerequisite")
	}
	if o.CostPerSeat < 0 {
		errs.Add("cost_per_seat", "must not be negative")
	} else if _, err := o.CostPerSeat.Checked(); err != nil {
		errs.Add("cost_per_seat", "%v", err)
	}
	return errs.Err()
}

// ClassOf is a class of a course with its enrolment.
type ClassOf struct {
	ID        int64  `json:"id"`
	Course    string `json:"course"`
	Title     string `json:"title,omitempty"`
	Skill     string `json:"skill,omitempty"`
	Site      string `json:"site,omitempty"`
	Host      string `json:"host,omitempty"`
	Start     string `json:"start"`
	End       string `json:"end"`
	Seats     int    `json:"seats"`
	MinSize   int    `json:"min_size"`
	Enrolled  int    `json:"enrolled"`
	Cancelled bool   `json:"cancelled"`
	Version   int64  `json:"version"`
}

// Validate checks a class's dates and seats.
func (c *ClassOf) Validate() error {
	var errs fault.List
	s, err := assist.ParseDate("start", c.Start)
	errs.Append("", err)
	e, err2 := assist.ParseDate("end", c.End)
	errs.Append("", err2)
	if err == nil && err2 == nil {
		c.Start, c.End = s, e
		if e < s {
			errs.Add("end", "%s is before the class starts on %s", e, s)
		}
	}
	if c.Seats < 0 {
		errs.Add("seats", "must not be negative")
	}
	return errs.Err()
}

// CohortOf is a nominated cohort of trainees.
type CohortOf struct {
	ID          int64    `json:"id"`
	Skill       string   `json:"skill"`
	Size        int      `json:"size"`
	Priority    int      `json:"priority"`
	Earliest    string   `json:"earliest_start"`
	NeededBy    string   `json:"needed_by"`
	Unit        string   `json:"unit,omitempty"`
	Requirement int64    `json:"requirement,omitempty"` // the system it will crew, as asked for
	PledgeLine  int64    `json:"pledge_line,omitempty"` // or as pledged
	Notes       string   `json:"notes,omitempty"`
	Enrolled    int      `json:"enrolled"`
	Trained     int      `json:"trained"`
	Completed   []string `json:"completed_courses"` // by every trainee
	// CompletedBy counts, per course, the trainees who completed it.
	CompletedBy map[string]int `json:"-"`
	Version     int64          `json:"version"`
}

// Validate checks a cohort's own fields.
func (c *CohortOf) Validate() error {
	var errs fault.List
	c.Skill = strings.TrimSpace(c.Skill)
	if c.Skill == "" {
		errs.Add("skill", "is required")
	}
	if c.Size <= 0 {
		errs.Add("size", "a cohort has at least one trainee")
	}
	if c.Priority == 0 {
		c.Priority = 3
	}
	if c.Priority < 1 || c.Priority > 4 {
		errs.Add("priority", "%d is not a priority from 1 (critical) to 4 (routine)", c.Priority)
	}
	e, err := assist.ParseDate("earliest_start", c.Earliest)
	errs.Append("", err)
	n, err2 := assist.ParseDate("needed_by", c.NeededBy)
	errs.Append("", err2)
	if err == nil && err2 == nil {
		c.Earliest, c.NeededBy = e, n
		if n < e {
			errs.Add("needed_by", "%s is before the earliest start, %s", n, e)
		}
	}
	c.Unit, c.Notes = strings.TrimSpace(c.Unit), strings.TrimSpace(c.Notes)
	return errs.Err()
}

// Record is what a host records when a class ends, per enrolment.
type Record struct {
	Enrolment int64  `json:"enrolment"`
	Attended  int    `json:"attended"`
	Completed int    `json:"completed"`
	Attrition int    `json:"attrition"`
	Reason    string `json:"reason,omitempty"`
}

// MayHost reports whether id may offer and run courses of host at site: a
// coordinator any, a nation officer their own nation's, a facility manager
// those at their own site.
func MayHost(id access.Identity, host, site string) bool {
	return id.Via == "system" || id.Has(access.Coordinator) || (id.Has(access.NationOfficer) && id.Nation == host) || (id.Has(access.FacilityManager) && id.Site == site)
}

// HostedBy reports whether id may change the course, its classes and their
// records: only its current host may, so that nobody takes another's course
// over by naming themselves its host.
func (o Offer) HostedBy(id access.Identity) bool { return MayHost(id, o.Host, o.Site) }

// NewClass is a class of the course: its seats and minimum size default to
// the course's.
func (o Offer) NewClass(c ClassOf) ClassOf {
	c.Course = o.Code
	if c.Seats == 0 {
		c.Seats = o.Seats
	}
	if c.MinSize == 0 {
		c.MinSize = o.MinSize
	}
	return c
}

// Fits refuses trainees more than the class's free seats: a class is never
// filled beyond its seats.
func (c ClassOf) Fits(trainees int) error {
	if c.Enrolled+trainees > c.Seats {
		return fault.Errorf(fault.Conflict, "class %d of %s has %d seats and %d taken: %d more do not fit", c.ID, c.Course, c.Seats, c.Enrolled, trainees)
	}
	return nil
}

// MayNominate reports whether id may nominate cohorts: the recipient's
// officers and the coordinators.
func MayNominate(id access.Identity) bool { return access.Allowed(id, access.CohortWrite) }

// EnrolmentOf is an enrolment with its class's course.
type EnrolmentOf struct {
	ID        int64  `json:"id"`
	Cohort    int64  `json:"cohort"`
	Class     int64  `json:"class"`
	Course    string `json:"course"`
	Trainees  int    `json:"trainees"`
	Attended  int    `json:"attended"`
	Completed int    `json:"completed"`
	Attrition int    `json:"attrition"`
	Reason    string `json:"reason,omitempty"`
	Recorded  bool   `json:"recorded"`
	Version   int64  `json:"-"`
}

// Record returns the enrolment with r recorded: once, no more attended than
// enrolled, no more completed than attended, no more completed and left than
// enrolled, and attrition with its reason. Field names are relative to the
// record.
func (e EnrolmentOf) Record(r Record) (EnrolmentOf, error) {
	switch {
	case e.Recorded:
		return e, fault.Field("", "enrolment %d was recorded already", e.ID)
	case r.Attended < 0 || r.Completed < 0 || r.Attrition < 0:
		return e, fault.Field("", "counts must not be negative")
	case r.Attended > e.Trainees:
		return e, fault.Field("attended", "%d attended of %d enrolled", r.Attended, e.Trainees)
	case r.Completed > r.Attended:
		return e, fault.Field("completed", "%d completed but %d attended: completion is recorded for no more than attended, of %d enrolled", r.Completed, r.Attended, e.Trainees)
	case r.Completed+r.Attrition > e.Trainees:
		return e, fault.Field("attrition", "%d completed and %d left are more than the %d enrolled", r.Completed, r.Attrition, e.Trainees)
	case r.Attrition > 0 && strings.TrimSpace(r.Reason) == "":
		return e, fault.Field("reason", "give the reason for the attrition")
	}
	e.Attended, e.Completed, e.Attrition, e.Reason, e.Recorded = r.Attended, r.Completed, r.Attrition, strings.TrimSpace(r.Reason), true
	return e, nil
}
