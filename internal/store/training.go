package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/training"
)

// mayHost says whether the identity may offer and run courses of host at
// site: a coordinator any, a nation officer their nation's, a facility
// manager their site's.
func mayHost(id access.Identity, host, site string) bool {
	return id.Via == "system" || id.Has(access.Coordinator) || (id.Has(access.NationOfficer) && id.Nation == host) || (id.Has(access.FacilityManager) && id.Site == site)
}

// coursesVisible: hosts see their own courses; the others who read
// training see all.
func coursesVisible(ctx context.Context, alias string) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, access.TrainingRead) {
		return visibility{cond: "1 = 0"}
	}
	if id.Via == "system" || id.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst) {
		return visibility{cond: "1 = 1"}
	}
	var conds []string
	var args []any
	if id.Has(access.NationOfficer) {
		conds, args = append(conds, alias+".host = ?"), append(args, id.Nation)
	}
	if id.Has(access.FacilityManager) {
		conds, args = append(conds, alias+".site = ?"), append(args, id.Site)
	}
	if len(conds) == 0 {
		return visibility{cond: "1 = 0"}
	}
	return visibility{cond: "(" + strings.Join(conds, " OR ") + ")", args: args}
}

// cohortsVisible: the recipient and the coordinators see every cohort;
// hosts those enrolled in their courses.
func cohortsVisible(ctx context.Context) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, access.TrainingRead) {
		return visibility{cond: "1 = 0"}
	}
	if id.Via == "system" || id.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst) {
		return visibility{cond: "1 = 1"}
	}
	v := coursesVisible(ctx, "cv")
	return visibility{cond: "h.id IN (SELECT en.cohort_id FROM enrolments en JOIN classes cl ON cl.id = en.class_id JOIN courses cv ON cv.code = cl.course WHERE " + v.cond + ")", args: v.args}
}

// SaveCourse offers a course (version 0) or changes it. Its site must be a
// training facility, its host a nation, its prerequisite another course.
func (db *DB) SaveCourse(ctx context.Context, o training.Offer, version int64) (training.Offer, error) {
	err := db.Transact(ctx, func(tx *Tx) error { return db.saveCourseIn(ctx, tx, &o, version) })
	return o, err
}

// ImportCourses offers courses in one transaction: all, or none if any is
// refused, each refusal named by its line (the first course is line 2).
func (db *DB) ImportCourses(ctx context.Context, offers []training.Offer) error {
	return db.Transact(ctx, func(tx *Tx) error {
		var errs fault.List
		for i := range offers {
			if err := db.saveCourseIn(ctx, tx, &offers[i], 0); err != nil {
				if e := fault.As(err); e == nil || e.Code == fault.Internal {
					return err
				}
				errs.Append(fmt.Sprintf("line %d", i+2), err)
			}
		}
		return errs.Err()
	})
}

func (db *DB) saveCourseIn(ctx context.Context, tx *Tx, o *training.Offer, version int64) error {
	if err := o.Validate(); err != nil {
		return err
	}
	id := access.IdentityFrom(ctx)
	if !mayHost(id, o.Host, o.Site) {
		return fault.Errorf(fault.Forbidden, "%s may not offer courses of %s at %s", id.Name, o.Host, o.Site)
	}
	var errs fault.List
	if _, err := db.nation(ctx, tx, o.Host, false); err != nil {
		errs.Append("host", notFoundField(err, "no nation %q", o.Host))
	}
	if site, err := tx.Site(ctx, o.Site); err != nil {
		errs.Append("site", notFoundField(err, "no site %q", o.Site))
	} else if !site.HasKind("training_facility") {
		errs.Add("site", "%s (%s) is not a training facility", site.Code, site.Name)
	}
	if o.Prerequisite != "" {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM courses WHERE code = ?`, o.Prerequisite).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			errs.Add("prerequisite", "no course %s", o.Prerequisite)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	var oldHost, oldSite string
	err := tx.queryRow(ctx, `SELECT host, site FROM courses WHERE code = ?`, o.Code).Scan(&oldHost, &oldSite)
	switch {
	case err == nil && version == 0:
		return fault.Errorf(fault.Conflict, "course %s exists already: change it with its version", o.Code)
	case err == nil && !mayHost(id, oldHost, oldSite):
		return fault.Errorf(fault.NotFound, "no course %s", o.Code)
	case errors.Is(err, sql.ErrNoRows) && version != 0:
		return fault.Errorf(fault.NotFound, "no course %s", o.Code)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if version == 0 {
		if _, err := tx.exec(ctx, `INSERT INTO courses (code, title, skill, host, site, language, interpretation, seats, min_size, prerequisite, cost_per_seat, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			o.Code, o.Title, o.Skill, o.Host, o.Site, o.Language, o.Interpretation, o.Seats, o.MinSize, o.Prerequisite, o.CostPerSeat, ts(tx.now)); err != nil {
			return mapConstraint(err, "course "+o.Code)
		}
		o.Version = 1
	} else {
		res, err := tx.exec(ctx, `UPDATE courses SET title = ?, skill = ?, host = ?, site = ?, language = ?, interpretation = ?, seats = ?, min_size = ?, prerequisite = ?, cost_per_seat = ?, version = version + 1, updated_at = ? WHERE code = ? AND version = ?`,
			o.Title, o.Skill, o.Host, o.Site, o.Language, o.Interpretation, o.Seats, o.MinSize, o.Prerequisite, o.CostPerSeat, ts(tx.now), o.Code, version)
		if err != nil {
			return err
		}
		if err := checkUpdated(res, "course "+o.Code, version); err != nil {
			return err
		}
		o.Version = version + 1
	}
	return tx.Audit(ctx, audit.Record{Action: "course.save", Entity: "course", EntityID: o.Code, After: o})
}

// Courses lists the courses the reader may see.
func (db *DB) Courses(ctx context.Context) ([]training.Offer, error) {
	v := coursesVisible(ctx, "c")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT c.code, c.title, c.skill, c.host, c.site, c.language, c.interpretation, c.seats, c.min_size, c.prerequisite, c.cost_per_seat, c.version
		FROM courses c WHERE `+v.cond+` ORDER BY c.code`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []training.Offer{}
	for rows.Next() {
		var o training.Offer
		if err := rows.Scan(&o.Code, &o.Title, &o.Skill, &o.Host, &o.Site, &o.Language, &o.Interpretation, &o.Seats, &o.MinSize, &o.Prerequisite, &o.CostPerSeat, &o.Version); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AddClass adds a class to a course: its seats and minimum size default to
// the course's.
func (db *DB) AddClass(ctx context.Context, c training.ClassOf) (training.ClassOf, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		var host, site string
		var seats, minSize int
		err := tx.queryRow(ctx, `SELECT host, site, seats, min_size FROM courses WHERE code = ?`, strings.ToUpper(c.Course)).Scan(&host, &site, &seats, &minSize)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Field("course", "no course %s", c.Course)
		}
		if err != nil {
			return err
		}
		if id := access.IdentityFrom(ctx); !mayHost(id, host, site) {
			return fault.Errorf(fault.Forbidden, "%s may not add classes to %s", id.Name, c.Course)
		}
		c.Course = strings.ToUpper(c.Course)
		if c.Seats == 0 {
			c.Seats = seats
		}
		if c.MinSize == 0 {
			c.MinSize = minSize
		}
		if c.ID, err = tx.insertID(ctx, `INSERT INTO classes (course, start_on, end_on, seats, min_size, version) VALUES (?, ?, ?, ?, ?, 1)`, c.Course, c.Start, c.End, c.Seats, c.MinSize); err != nil {
			return mapConstraint(err, "class")
		}
		c.Version = 1
		return tx.Audit(ctx, audit.Record{Action: "class.create", Entity: "class", EntityID: strconv.FormatInt(c.ID, 10), After: c})
	})
	return c, err
}

const classColumns = `k.id, k.course, c.title, c.skill, c.site, c.host, k.start_on, k.end_on, k.seats, k.min_size, k.cancelled, k.version,
	(SELECT COALESCE(SUM(en.trainees), 0) FROM enrolments en WHERE en.class_id = k.id)`

// Classes lists the classes of the courses the reader may see, soonest
// first; course narrows them to one course.
func (db *DB) Classes(ctx context.Context, course string) ([]training.ClassOf, error) {
	if course != "" {
		return db.classes(ctx, `k.course = ?`, strings.ToUpper(course))
	}
	return db.classes(ctx, `1 = 1`)
}

// Class reads one class of a course the reader may see.
func (db *DB) Class(ctx context.Context, id int64) (training.ClassOf, error) {
	cs, err := db.classes(ctx, `k.id = ?`, id)
	if err != nil {
		return training.ClassOf{}, err
	}
	if len(cs) == 0 {
		return training.ClassOf{}, fault.Errorf(fault.NotFound, "no class %d", id)
	}
	return cs[0], nil
}

// classes lists the visible classes meeting cond, soonest first.
func (db *DB) classes(ctx context.Context, cond string, args ...any) ([]training.ClassOf, error) {
	v := coursesVisible(ctx, "c")
	q := `SELECT ` + classColumns + ` FROM classes k JOIN courses c ON c.code = k.course WHERE ` + v.cond + ` AND ` + cond
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY k.start_on, k.id`), append(slices.Clone(v.args), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []training.ClassOf{}
	for rows.Next() {
		var c training.ClassOf
		if err := rows.Scan(&c.ID, &c.Course, &c.Title, &c.Skill, &c.Site, &c.Host, &c.Start, &c.End, &c.Seats, &c.MinSize, &c.Cancelled, &c.Version, &c.Enrolled); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddCohort nominates a cohort.
func (db *DB) AddCohort(ctx context.Context, c training.CohortOf) (training.CohortOf, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		if c.Requirement != 0 {
			if _, err := db.Requirement(ctx, c.Requirement); err != nil {
				return notFoundField(err, "no requirement R-%05d", c.Requirement)
			}
		}
		var req, line any
		if c.Requirement != 0 {
			req = c.Requirement
		}
		if c.PledgeLine != 0 {
			var n int
			pv := db.pledgesVisible(ctx)
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id WHERE l.id = ? AND `+pv.cond, append([]any{c.PledgeLine}, pv.args...)...).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fault.Field("pledge_line", "no pledge line %d", c.PledgeLine)
			}
			line = c.PledgeLine
		}
		var err error
		if c.ID, err = tx.insertID(ctx, `INSERT INTO cohorts (skill, size, priority, earliest, needed_by, unit, requirement_id, pledge_line_id, notes, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			c.Skill, c.Size, c.Priority, c.Earliest, c.NeededBy, c.Unit, req, line, c.Notes, ts(tx.now)); err != nil {
			return err
		}
		c.Version, c.Completed = 1, []string{}
		return tx.Audit(ctx, audit.Record{Action: "cohort.create", Entity: "cohort", EntityID: strconv.FormatInt(c.ID, 10), After: c})
	})
	return c, err
}

// Cohorts lists the cohorts the reader may see, with the trainees enrolled
// in and trained for their own skill (a prerequisite's class is on the
// way there) and the courses they completed.
func (db *DB) Cohorts(ctx context.Context) ([]training.CohortOf, error) {
	v := cohortsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT h.id, h.skill, h.size, h.priority, h.earliest, h.needed_by, h.unit, COALESCE(h.requirement_id, 0), COALESCE(h.pledge_line_id, 0), h.notes, h.version,
		(SELECT COALESCE(SUM(en.trainees), 0) FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses cs ON cs.code = k.course WHERE en.cohort_id = h.id AND NOT k.cancelled AND cs.skill = h.skill),
		(SELECT COALESCE(SUM(en.completed), 0) FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses cs ON cs.code = k.course WHERE en.cohort_id = h.id AND cs.skill = h.skill)
		FROM cohorts h WHERE `+v.cond+` ORDER BY h.priority, h.needed_by, h.id`), v.args...)
	if err != nil {
		return nil, err
	}
	out := []training.CohortOf{}
	for rows.Next() {
		var c training.CohortOf
		if err := rows.Scan(&c.ID, &c.Skill, &c.Size, &c.Priority, &c.Earliest, &c.NeededBy, &c.Unit, &c.Requirement, &c.PledgeLine, &c.Notes, &c.Version, &c.Enrolled, &c.Trained); err != nil {
			rows.Close()
			return nil, err
		}
		c.Completed = []string{}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A course is done when every trainee of the cohort completed it;
	// CompletedBy says how many did, for those partly through.
	at := make(map[int64]int, len(out))
	for i, c := range out {
		at[c.ID] = i
	}
	done, err := db.rq.QueryContext(ctx, `SELECT en.cohort_id, k.course, SUM(en.completed) FROM enrolments en JOIN classes k ON k.id = en.class_id WHERE en.recorded GROUP BY en.cohort_id, k.course`)
	if err != nil {
		return nil, err
	}
	defer done.Close()
	for done.Next() {
		var id int64
		var course string
		var n int
		if err := done.Scan(&id, &course, &n); err != nil {
			return nil, err
		}
		i, ok := at[id]
		if !ok || n <= 0 {
			continue
		}
		c := &out[i]
		if c.CompletedBy == nil {
			c.CompletedBy = map[string]int{}
		}
		c.CompletedBy[course] = n
		if n >= c.Size {
			c.Completed = append(c.Completed, course)
		}
	}
	return out, done.Err()
}

// TrainingPlanInput reads the cohorts still waiting for seats, the classes
// with free seats, the courses, and for cohorts that will crew a system the
// expected arrival of the first shipment bringing it.
func (db *DB) TrainingPlanInput(ctx context.Context, start time.Time, horizon int) (training.PlanInput, string, error) {
	in := training.PlanInput{Start: start, Horizon: horizon, Courses: map[string]training.Course{}}
	ctx = access.WithIdentity(ctx, access.System.Named(access.ActorName(ctx)))
	var fp strings.Builder
	offers, err := db.Courses(ctx)
	if err != nil {
		return in, "", err
	}
	for _, o := range offers {
		in.Courses[o.Code] = training.Course{Code: o.Code, Skill: o.Skill, Prerequisite: o.Prerequisite}
		fmt.Fprintf(&fp, "c%s/%d;", o.Code, o.Version)
	}
	classes, err := db.Classes(ctx, "")
	if err != nil {
		return in, "", err
	}
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	for _, c := range classes {
		fmt.Fprintf(&fp, "k%d/%d/%d;", c.ID, c.Version, c.Enrolled)
		if c.Cancelled || day(c.Start).Before(start.Truncate(24*time.Hour)) {
			continue
		}
		in.Classes = append(in.Classes, training.Class{ID: c.ID, Course: c.Course, Skill: c.Skill, Start: day(c.Start), End: day(c.End), Seats: c.Seats, MinSize: c.MinSize, Enrolled: c.Enrolled})
	}
	cohorts, err := db.Cohorts(ctx)
	if err != nil {
		return in, "", err
	}
	for _, c := range cohorts {
		fmt.Fprintf(&fp, "h%d/%d/%d;", c.ID, c.Version, c.Enrolled)
		left := c.Size - c.Enrolled
		if left <= 0 {
			continue
		}
		co := training.Cohort{ID: c.ID, Skill: c.Skill, Size: left, Priority: c.Priority, Earliest: day(c.Earliest), NeededBy: day(c.NeededBy), Completed: c.Completed}
		// Where only some trainees completed the prerequisite of the
		// skill's courses, only they go on.
		for _, o := range offers {
			if o.Skill != c.Skill || o.Prerequisite == "" || slices.Contains(co.Completed, o.Prerequisite) {
				continue
			}
			if k := c.CompletedBy[o.Prerequisite]; k > 0 {
				co.Completed = append(slices.Clone(co.Completed), o.Prerequisite)
				co.Size = min(co.Size, k)
			}
		}
		if co.Earliest.Before(start) {
			co.Earliest = start.Truncate(24 * time.Hour)
		}
		// The system arrives with the first shipment that brings it.
		for _, link := range []struct {
			col string
			id  int64
		}{{"requirement_id", c.Requirement}, {"line_id", c.PledgeLine}} {
			if link.id == 0 {
				continue
			}
			var eta string
			err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COALESCE(MIN(s.eta), '') FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id WHERE sl.`+link.col+` = ? AND s.state <> 'cancelled'`), link.id).Scan(&eta)
			if err != nil {
				return in, "", err
			}
			if t := parseTS(eta); eta != "" && (co.ETA.IsZero() || t.Before(co.ETA)) {
				co.ETA = t
			}
		}
		in.Cohorts = append(in.Cohorts, co)
	}
	return in, fp.String(), nil
}

// ApproveTraining enrols the planned trainees, in one transaction, if
// courses, classes and cohorts are as they were when the plan was made. A
// class is never filled beyond its seats, and a cohort enrols only where it
// has done the course's prerequisite.
func (db *DB) ApproveTraining(ctx context.Context, p training.Proposal, fingerprint string, start time.Time, horizon int) (int, error) {
	in, fp, err := db.TrainingPlanInput(ctx, start, horizon)
	if err != nil {
		return 0, err
	}
	if fp != fingerprint {
		return 0, fault.Errorf(fault.Conflict, "courses, classes or cohorts changed since this plan was made: plan again and review the new plan")
	}
	completed := map[int64][]string{}
	for _, c := range in.Cohorts {
		completed[c.ID] = c.Completed
	}
	// A prerequisite also counts when the same plan places the cohort in
	// a class of it that ends before the class that asks for it starts.
	type span struct{ course, start, end string }
	planned := map[int64][]span{}
	for _, e := range p.Enrolments {
		var sp span
		if err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT course, start_on, end_on FROM classes WHERE id = ?`), e.Class).Scan(&sp.course, &sp.start, &sp.end); err != nil {
			return 0, fault.Errorf(fault.Invalid, "no class %d", e.Class)
		}
		planned[e.Cohort] = append(planned[e.Cohort], sp)
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
	err = db.Transact(ctx, func(tx *Tx) error {
		for _, e := range p.Enrolments {
			var course, pre, start string
			var seats, taken int
			if err := tx.queryRow(ctx, `SELECT k.course, c.prerequisite, k.start_on, k.seats, (SELECT COALESCE(SUM(trainees), 0) FROM enrolments WHERE class_id = k.id) FROM classes k JOIN courses c ON c.code = k.course WHERE k.id = ?`, e.Class).
				Scan(&course, &pre, &start, &seats, &taken); err != nil {
				return fmt.Errorf("class %d: %w", e.Class, err)
			}
			if taken+e.Trainees > seats {
				return fault.Errorf(fault.Conflict, "class %d of %s has %d seats and %d taken: %d more do not fit", e.Class, course, seats, taken, e.Trainees)
			}
			if pre != "" && !done(e.Cohort, pre, start) {
				return fault.Errorf(fault.Invalid, "cohort %d has not done %s, which %s asks for first", e.Cohort, pre, course)
			}
			id, err := tx.insertID(ctx, `INSERT INTO enrolments (cohort_id, class_id, trainees, version, created_at) VALUES (?, ?, ?, 1, ?)`, e.Cohort, e.Class, e.Trainees, ts(tx.now))
			if err != nil {
				return mapConstraint(err, "enrolment")
			}
			if err := tx.Audit(ctx, audit.Record{Action: "training.enrol", Entity: "enrolment", EntityID: strconv.FormatInt(id, 10), After: e}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

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
}

// Enrolments lists a class's enrolments.
func (db *DB) Enrolments(ctx context.Context, class int64) ([]EnrolmentOf, error) {
	v := coursesVisible(ctx, "c")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT en.id, en.cohort_id, en.class_id, k.course, en.trainees, en.attended, en.completed, en.attrition, en.reason, en.recorded
		FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses c ON c.code = k.course WHERE en.class_id = ? AND `+v.cond+` ORDER BY en.id`), append([]any{class}, v.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []EnrolmentOf{}
	for rows.Next() {
		var e EnrolmentOf
		if err := rows.Scan(&e.ID, &e.Cohort, &e.Class, &e.Course, &e.Trainees, &e.Attended, &e.Completed, &e.Attrition, &e.Reason, &e.Recorded); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RecordClass records attendance, completion and attrition for a class's
// enrolments, once: no more complete than attended, none beyond those
// enrolled, and attrition with its reason. The completed trainees' seats
// count as the host's training contribution at the course's cost per seat,
// on the class's last day, when that day falls in a baseline year.
func (db *DB) RecordClass(ctx context.Context, class int64, recs []training.Record) (int, error) {
	completed := 0
	err := db.Transact(ctx, func(tx *Tx) error {
		var course, host, site, end string
		var cost int64
		err := tx.queryRow(ctx, `SELECT k.course, c.host, c.site, k.end_on, c.cost_per_seat FROM classes k JOIN courses c ON c.code = k.course WHERE k.id = ?`, class).Scan(&course, &host, &site, &end, &cost)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no class %d", class)
		}
		if err != nil {
			return err
		}
		if id := access.IdentityFrom(ctx); !mayHost(id, host, site) {
			return fault.Errorf(fault.Forbidden, "%s may not record the class of %s", id.Name, course)
		}
		var errs fault.List
		for i, r := range recs {
			f := fmt.Sprintf("records[%d]", i)
			var trainees int
			var recorded bool
			err := tx.queryRow(ctx, `SELECT trainees, recorded FROM enrolments WHERE id = ? AND class_id = ?`, r.Enrolment, class).Scan(&trainees, &recorded)
			if errors.Is(err, sql.ErrNoRows) {
				errs.Add(f+".enrolment", "no enrolment %d in this class", r.Enrolment)
				continue
			}
			if err != nil {
				return err
			}
			switch {
			case recorded:
				errs.Add(f, "enrolment %d was recorded already", r.Enrolment)
			case r.Attended < 0 || r.Completed < 0 || r.Attrition < 0:
				errs.Add(f, "counts must not be negative")
			case r.Attended > trainees:
				errs.Add(f+".attended", "%d attended of %d enrolled", r.Attended, trainees)
			case r.Completed > r.Attended:
				errs.Add(f+".completed", "%d completed but %d attended: completion is recorded for no more than attended, of %d enrolled", r.Completed, r.Attended, trainees)
			case r.Completed+r.Attrition > trainees:
				errs.Add(f+".attrition", "%d completed and %d left are more than the %d enrolled", r.Completed, r.Attrition, trainees)
			case r.Attrition > 0 && strings.TrimSpace(r.Reason) == "":
				errs.Add(f+".reason", "give the reason for the attrition")
			}
			if err := errs.Err(); err != nil {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE enrolments SET attended = ?, completed = ?, attrition = ?, reason = ?, recorded = ?, version = version + 1 WHERE id = ?`,
				r.Attended, r.Completed, r.Attrition, strings.TrimSpace(r.Reason), true, r.Enrolment); err != nil {
				return err
			}
			completed += r.Completed
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit.Record{Action: "class.record", Entity: "class", EntityID: strconv.FormatInt(class, 10), After: recs}); err != nil {
			return err
		}
		if cost == 0 || completed == 0 {
			return nil
		}
		var baselines int
		year, _ := strconv.Atoi(end[:4])
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM baselines WHERE year = ?`, year).Scan(&baselines); err != nil {
			return err
		}
		if baselines == 0 {
			return nil
		}
		c := accounts.Contribution{Nation: host, Date: end, Category: "training", Currency: "EUR", Original: money.Cents(cost * int64(completed)),
			Evidence: fmt.Sprintf("class %d of course %s: %d trainees completed", class, course, completed)}
		if err := c.Validate(); err != nil {
			return err
		}
		return tx.addContribution(ctx, &c)
	})
	return completed, err
}

// Throughput is what the training delivers.
type Throughput struct {
	// Trained counts the trainees who completed, by the month their class
	// ended, skill and host.
	Trained []TrainedRow `json:"trained"`
	// Seats sets the seats offered against those taken, by the month
	// classes start.
	Seats []SeatsRow `json:"seats"`
	// Waiting counts the trainees of cohorts not yet enrolled, by priority.
	Waiting map[int]int `json:"waiting_by_priority"`
	// Crews sets, per system trained on, the crews trained (cohorts whose
	// trainees all completed) against the pieces in the fleet.
	Crews []CrewRow `json:"crews"`
}

// TrainedRow is one month, skill and host.
type TrainedRow struct {
	Month   string `json:"month"`
	Skill   string `json:"skill"`
	Host    string `json:"host"`
	Trained int    `json:"trained"`
}

// SeatsRow is one month.
type SeatsRow struct {
	Month   string `json:"month"`
	Offered int    `json:"offered"`
	Used    int    `json:"used"`
}

// CrewRow is a system's crews and pieces: a system is crewed only when its
// crew is trained.
type CrewRow struct {
	Skill   string `json:"skill"`
	Crews   int    `json:"crews"`
	Systems int    `json:"systems"`
	Crewed  int    `json:"crewed"`
}

// TrainingThroughput works out the throughput over what the reader may see.
func (db *DB) TrainingThroughput(ctx context.Context) (Throughput, error) {
	t := Throughput{Waiting: map[int]int{}}
	v := coursesVisible(ctx, "c")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT substr(k.end_on, 1, 7), c.skill, c.host, SUM(en.completed) FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses c ON c.code = k.course
		WHERE en.recorded AND `+v.cond+` GROUP BY substr(k.end_on, 1, 7), c.skill, c.host ORDER BY 1, 2, 3`), v.args...)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var r TrainedRow
		if err := rows.Scan(&r.Month, &r.Skill, &r.Host, &r.Trained); err != nil {
			rows.Close()
			return t, err
		}
		t.Trained = append(t.Trained, r)
	}
	rows.Close()
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT substr(k.start_on, 1, 7), SUM(k.seats), SUM((SELECT COALESCE(SUM(en.trainees), 0) FROM enrolments en WHERE en.class_id = k.id))
		FROM classes k JOIN courses c ON c.code = k.course WHERE NOT k.cancelled AND `+v.cond+` GROUP BY substr(k.start_on, 1, 7) ORDER BY 1`), v.args...)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var r SeatsRow
		if err := rows.Scan(&r.Month, &r.Offered, &r.Used); err != nil {
			rows.Close()
			return t, err
		}
		t.Seats = append(t.Seats, r)
	}
	rows.Close()
	cohorts, err := db.Cohorts(ctx)
	if err != nil {
		return t, err
	}
	crews := map[string]int{}
	for _, c := range cohorts {
		if w := c.Size - c.Enrolled; w > 0 {
			t.Waiting[c.Priority] += w
		}
		if c.Trained >= c.Size {
			crews[c.Skill]++
		}
	}
	// Pieces in the fleet of each system a course trains on (by NSN or
	// group).
	offers, err := db.Courses(ctx)
	if err != nil {
		return t, err
	}
	seen := map[string]bool{}
	for _, o := range offers {
		if seen[o.Skill] {
			continue
		}
		seen[o.Skill] = true
		var n int
		ev := db.equipmentVisible(ctx, "e")
		if err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM equipment e JOIN items i ON i.nsn = e.nsn WHERE (e.nsn = ? OR i.grp = ?) AND e.state NOT IN ('destroyed', 'written_off') AND `+ev.cond), append([]any{o.Skill, o.Skill}, ev.args...)...).Scan(&n); err != nil {
			return t, err
		}
		if n == 0 && crews[o.Skill] == 0 {
			continue
		}
		t.Crews = append(t.Crews, CrewRow{Skill: o.Skill, Crews: crews[o.Skill], Systems: n, Crewed: min(n, crews[o.Skill])})
	}
	if t.Trained == nil {
		t.Trained = []TrainedRow{}
	}
	if t.Seats == nil {
		t.Seats = []SeatsRow{}
	}
	if t.Crews == nil {
		t.Crews = []CrewRow{}
	}
	return t, nil
}
