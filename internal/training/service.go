package training

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/approval"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the training's use cases need from storage inside one
// transaction. Lookups return a fault.NotFound error for a missing record
// and see every record: the use cases decide who may see what. Updates take
// the version the caller read and return a fault.Conflict error when the
// stored record has moved on; creations and updates set the record's new
// id and version.
type Tx interface {
	Now() time.Time
	Nation(ctx context.Context, code string) (catalog.Nation, error)
	Site(ctx context.Context, code string) (catalog.Site, error)
	Requirement(ctx context.Context, id int64) (assist.Requirement, error)
	// LinePledge returns the pledge that holds pledge line id.
	LinePledge(ctx context.Context, line int64) (assist.Pledge, error)

	Course(ctx context.Context, code string) (Offer, error)
	CreateCourse(ctx context.Context, o *Offer) error
	UpdateCourse(ctx context.Context, o *Offer, version int64) error
	// Class returns a class with its course's title, skill, host and site
	// and the seats its enrolments take.
	Class(ctx context.Context, id int64) (ClassOf, error)
	CreateClass(ctx context.Context, c *ClassOf) error
	CreateCohort(ctx context.Context, c *CohortOf) error
	Enrolment(ctx context.Context, id int64) (EnrolmentOf, error)
	CreateEnrolment(ctx context.Context, e *EnrolmentOf) error
	// RecordEnrolment writes what was recorded of an enrolment.
	RecordEnrolment(ctx context.Context, e *EnrolmentOf, version int64) error

	// PlanInput reads what a training plan is made from, and its
	// fingerprint, through the transaction.
	PlanInput(ctx context.Context, start time.Time, horizon int) (PlanInput, string, error)

	// BaselineYear says whether year has a baseline that contributions
	// count against.
	BaselineYear(ctx context.Context, year int) (bool, error)
	// Accounts is the accounts' view of the same transaction, for the
	// accounts' own use case (accounts.AddContributionIn) to credit the
	// host of a class in the same change.
	Accounts() accounts.Tx

	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the training's use cases: courses offered by their hosts,
// their classes, cohorts nominated by the recipient, approved seat plans and
// what the hosts record when a class ends.
type Service struct {
	Store Store
}

// recipient is the nation whose requirements Longhaul holds.
const recipient = "UKR"

// invalid turns a not-found error into an Invalid one with message; other
// errors pass through.
func invalid(err error, format string, args ...any) error {
	if fault.Code(err) == fault.NotFound {
		return &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf(format, args...)}
	}
	return err
}

// SaveCourse offers a course (version 0) or changes it. Its site must be a
// training facility, its host a nation, its prerequisite another course;
// only the course's current host may change it.
func (s *Service) SaveCourse(ctx context.Context, o Offer, version int64) (Offer, error) {
	err := s.Store.Transact(ctx, func(tx Tx) error { return s.saveCourseIn(ctx, tx, &o, version) })
	return o, err
}

// ImportCourses offers courses in one transaction: all, or none if any is
// refused, each refusal named by its line (the first course is line 2). A
// course may name an earlier one of the same import as its prerequisite.
func (s *Service) ImportCourses(ctx context.Context, offers []Offer) error {
	return s.Store.Transact(ctx, func(tx Tx) error {
		var errs fault.List
		for i := range offers {
			if err := s.saveCourseIn(ctx, tx, &offers[i], 0); err != nil {
				if e := fault.As(err); e == nil || e.Code == fault.Internal {
					return err
				}
				errs.Append(fmt.Sprintf("line %d", i+2), err)
			}
		}
		return errs.Err()
	})
}

// errChecked ends the transaction of CheckCourse: nothing it did is kept.
var errChecked = errors.New("checked only")

// CheckCourse reports every problem saving o would meet, and saves
// nothing: for a form some of whose fields did not even parse, so that
// the person sees every problem in one round.
func (s *Service) CheckCourse(ctx context.Context, o Offer, version int64) error {
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if err := s.saveCourseIn(ctx, tx, &o, version); err != nil {
			return err
		}
		return errChecked
	})
	if errors.Is(err, errChecked) {
		return nil
	}
	return err
}

func (s *Service) saveCourseIn(ctx context.Context, tx Tx, o *Offer, version int64) error {
	// Every problem of the input at once: its own rules and what it names.
	var errs fault.List
	verr := o.Validate()
	if verr != nil && fault.Code(verr) != fault.Invalid {
		return verr
	}
	errs.Append("", verr)
	if err := s.checkCourseRefs(ctx, tx, o, &errs); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	id := access.IdentityFrom(ctx)
	if !o.HostedBy(id) {
		return fault.Errorf(fault.Forbidden, "%s may not offer courses of %s at %s", id.Name, o.Host, o.Site)
	}
	return s.storeCourse(ctx, tx, o, version)
}

// checkCourseRefs adds to errs the problems of what a course names: its
// host, site and prerequisite, each field errs has none for yet.
func (s *Service) checkCourseRefs(ctx context.Context, tx Tx, o *Offer, have *fault.List) error {
	var errs fault.List
	if o.Host != "" {
		if _, err := tx.Nation(ctx, o.Host); err != nil {
			errs.Append("host", invalid(err, "no nation %q", o.Host))
		}
	}
	if o.Site != "" {
		if site, err := tx.Site(ctx, o.Site); err != nil {
			errs.Append("site", invalid(err, "no site %q", o.Site))
		} else if !site.HasKind("training_facility") {
			errs.Add("site", "%s (%s) is not a training facility", site.Code, site.Name)
		}
	}
	if o.Prerequisite != "" {
		if _, err := tx.Course(ctx, o.Prerequisite); fault.Code(err) == fault.NotFound {
			errs.Add("prerequisite", "no course %s", o.Prerequisite)
		} else if err != nil {
			return err
		}
	}
	for _, e := range errs {
		if e.Code == fault.Internal {
			return e
		}
	}
	have.AppendNew("", errs.Err())
	return nil
}

// storeCourse creates or changes a course that passed its checks.
func (s *Service) storeCourse(ctx context.Context, tx Tx, o *Offer, version int64) error {
	id := access.IdentityFrom(ctx)
	old, err := tx.Course(ctx, o.Code)
	switch {
	case err == nil && version == 0:
		return fault.Errorf(fault.Conflict, "course %s exists already: change it with its version", o.Code)
	case err == nil && !old.HostedBy(id):
		// Another host's course: refused as if it were not there.
		return fault.Errorf(fault.NotFound, "no course %s", o.Code)
	case err == nil && old.Version != version:
		return fault.Errorf(fault.Conflict, "course %s was changed by someone else since version %d: reload and try again", o.Code, version)
	case fault.Code(err) == fault.NotFound && version != 0:
		return fault.Errorf(fault.NotFound, "no course %s", o.Code)
	case err != nil && fault.Code(err) != fault.NotFound:
		return err
	}
	before := any(nil)
	if version == 0 {
		err = tx.CreateCourse(ctx, o)
	} else {
		before = old
		err = tx.UpdateCourse(ctx, o, version)
	}
	if err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "course.save", Entity: "course", EntityID: o.Code, Before: before, After: o})
}

// AddClass adds a class to a course, by its host: its seats and minimum
// size default to the course's.
func (s *Service) AddClass(ctx context.Context, c ClassOf) (ClassOf, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		course, err := tx.Course(ctx, strings.ToUpper(c.Course))
		if fault.Code(err) == fault.NotFound {
			return fault.Field("course", "no course %s", c.Course)
		}
		if err != nil {
			return err
		}
		if id := access.IdentityFrom(ctx); !course.HostedBy(id) {
			return fault.Errorf(fault.Forbidden, "%s may not add classes to %s", id.Name, c.Course)
		}
		k := course.NewClass(c)
		if err := tx.CreateClass(ctx, &k); err != nil {
			return err
		}
		c = k
		return tx.Audit(ctx, audit.Record{Action: "class.create", Entity: "class", EntityID: audit.ID(c.ID), After: c})
	})
	return c, err
}

// AddCohort nominates a cohort: only the recipient (or a coordinator) may,
// and the requirement and pledge line it will crew must be ones its
// nominator may see.
func (s *Service) AddCohort(ctx context.Context, c CohortOf) (CohortOf, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	id := access.IdentityFrom(ctx)
	if !MayNominate(id) {
		return c, fault.Errorf(fault.Forbidden, "%s may not nominate cohorts", id.Name)
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if c.Requirement != 0 {
			r, err := tx.Requirement(ctx, c.Requirement)
			if err == nil && !(access.Allowed(id, access.RequirementRead) && id.CanSee(recipient, r.Marking)) {
				err = fault.Errorf(fault.NotFound, "no requirement %d", c.Requirement)
			}
			if err != nil {
				return invalid(err, "no requirement R-%05d", c.Requirement)
			}
		}
		if c.PledgeLine != 0 {
			p, err := tx.LinePledge(ctx, c.PledgeLine)
			if err == nil && !(access.Allowed(id, access.PledgeRead) && id.CanSee(p.Nation, p.Marking)) {
				err = fault.Errorf(fault.NotFound, "no pledge line %d", c.PledgeLine)
			}
			if fault.Code(err) == fault.NotFound {
				return fault.Field("pledge_line", "no pledge line %d", c.PledgeLine)
			}
			if err != nil {
				return err
			}
		}
		if err := tx.CreateCohort(ctx, &c); err != nil {
			return err
		}
		c.Completed = []string{}
		return tx.Audit(ctx, audit.Record{Action: "cohort.create", Entity: "cohort", EntityID: audit.ID(c.ID), After: c})
	})
	return c, err
}

// Approve enrols the trainees of a reviewed plan, in one transaction, if
// courses, classes and cohorts are as they were when the plan was made:
// their fingerprint is read inside the transaction that writes, through the
// one approval mechanism of internal/approval. A class is never filled beyond
// its seats, and a cohort enrols only where it has done the course's
// prerequisite, or the same plan places it in a class of it that ends
// before. It returns the number of enrolments written.
func (s *Service) Approve(ctx context.Context, p Proposal, fingerprint string, start time.Time, horizon int) (int, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.TrainingPlan); err != nil {
		return 0, err
	}
	var in PlanInput
	current := func(ctx context.Context, tx Tx) (string, error) {
		var fp string
		var err error
		in, fp, err = tx.PlanInput(ctx, start, horizon)
		return fp, err
	}
	n := 0
	apply := func(ctx context.Context, tx Tx) error {
		var err error
		n, err = enrol(ctx, tx, in, p)
		return err
	}
	err := approval.Apply(ctx, s.Store, approval.Review{What: "the training plan", Fingerprint: fingerprint}, current, apply)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// span is a class's course and dates, for prerequisites.
type span struct{ course, start, end string }

// enrol writes a plan's enrolments over in, the plan's inputs as they are.
func enrol(ctx context.Context, tx Tx, in PlanInput, p Proposal) (int, error) {
	completed := map[int64][]string{}
	for _, c := range in.Cohorts {
		completed[c.ID] = c.Completed
	}
	// A prerequisite also counts when the same plan places the cohort in a
	// class of it that ends before the class that asks for it starts.
	planned := map[int64][]span{}
	for _, e := range p.Enrolments {
		k, err := tx.Class(ctx, e.Class)
		if fault.Code(err) == fault.NotFound {
			return 0, fault.Errorf(fault.Invalid, "no class %d", e.Class)
		}
		if err != nil {
			return 0, err
		}
		planned[e.Cohort] = append(planned[e.Cohort], span{k.Course, k.Start, k.End})
	}
	done := func(cohort int64, pre, start string) bool {
		if slices.Contains(completed[cohort], pre) {
			return true
		}
		for _, sp := range planned[cohort] {
			if sp.course == pre && sp.end < start {
				return true
			}
		}
		return false
	}
	n := 0
	for _, e := range p.Enrolments {
		k, err := tx.Class(ctx, e.Class)
		if err != nil {
			return 0, fmt.Errorf("class %d: %w", e.Class, err)
		}
		course, err := tx.Course(ctx, k.Course)
		if err != nil {
			return 0, fmt.Errorf("course %s: %w", k.Course, err)
		}
		if err := k.Fits(e.Trainees); err != nil {
			return 0, err
		}
		if pre := course.Prerequisite; pre != "" && !done(e.Cohort, pre, k.Start) {
			return 0, fault.Errorf(fault.Invalid, "cohort %d has not done %s, which %s asks for first", e.Cohort, pre, k.Course)
		}
		en := EnrolmentOf{Cohort: e.Cohort, Class: e.Class, Course: k.Course, Trainees: e.Trainees}
		if err := tx.CreateEnrolment(ctx, &en); err != nil {
			return 0, err
		}
		if err := tx.Audit(ctx, audit.Record{Action: "training.enrol", Entity: "enrolment", EntityID: audit.ID(en.ID), After: e}); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// RecordClass records attendance, completion and attrition for a class's
// enrolments, by its host, once each (see EnrolmentOf.Record). The
// completed trainees' seats count as the host's training contribution at
// the course's cost per seat, on the class's last day, when that day falls
// in a baseline year. It returns the trainees who completed.
func (s *Service) RecordClass(ctx context.Context, class int64, recs []Record) (int, error) {
	completed := 0
	err := s.Store.Transact(ctx, func(tx Tx) error {
		k, err := tx.Class(ctx, class)
		if err != nil {
			return err
		}
		course, err := tx.Course(ctx, k.Course)
		if err != nil {
			return err
		}
		if id := access.IdentityFrom(ctx); !course.HostedBy(id) {
			return fault.Errorf(fault.Forbidden, "%s may not record the class of %s", id.Name, k.Course)
		}
		var errs fault.List
		for i, r := range recs {
			f := fmt.Sprintf("records[%d]", i)
			e, err := tx.Enrolment(ctx, r.Enrolment)
			if err == nil && e.Class != class {
				err = fault.Errorf(fault.NotFound, "no enrolment %d in class %d", r.Enrolment, class)
			}
			if fault.Code(err) == fault.NotFound {
				errs.Add(f+".enrolment", "no enrolment %d in this class", r.Enrolment)
				continue
			}
			if err != nil {
				return err
			}
			after, err := e.Record(r)
			errs.Append(f, err)
			if errs.Err() != nil {
				// Go on only to report the other records' faults.
				continue
			}
			// Written at once, so that the same enrolment named twice is
			// recorded once.
			if err := tx.RecordEnrolment(ctx, &after, e.Version); err != nil {
				return err
			}
			completed += after.Completed
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit.Record{Action: "class.record", Entity: "class", EntityID: audit.ID(class), After: recs}); err != nil {
			return err
		}
		return credit(ctx, tx, k, course, completed)
	})
	if err != nil {
		return 0, err
	}
	return completed, nil
}

// credit counts completed seats of class k of course as its host's
// training contribution, when the class ends in a baseline year.
func credit(ctx context.Context, tx Tx, k ClassOf, course Offer, completed int) error {
	if course.CostPerSeat == 0 || completed == 0 {
		return nil
	}
	year, err := strconv.Atoi(k.End[:4])
	if err != nil {
		return fmt.Errorf("class %d ends on %q: %w", k.ID, k.End, err)
	}
	ok, err := tx.BaselineYear(ctx, year)
	if err != nil || !ok {
		return err
	}
	cost, err := course.CostPerSeat.MulChecked(int64(completed))
	if err != nil {
		return fault.Field("completed", "%d trainees at %s a seat: the class's cost %v", completed, course.CostPerSeat, err)
	}
	c := accounts.Contribution{Nation: course.Host, Date: k.End, Category: "training", Currency: "EUR", Original: cost,
		Evidence: fmt.Sprintf("class %d of course %s: %d trainees completed", k.ID, k.Course, completed)}
	if err := c.Validate(); err != nil {
		return err
	}
	return accounts.AddContributionIn(ctx, tx.Accounts(), &c)
}
