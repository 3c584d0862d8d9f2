package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/training"
)

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

// everyRecord is the visibility of the use cases' lookups and the planner's
// input: every record, the use cases decide who may see what.
var everyRecord = visibility{cond: "1 = 1"}

// Courses lists the courses the reader may see.
func (db *DB) Courses(ctx context.Context) ([]training.Offer, error) {
	return db.courses(ctx, db.rq, coursesVisible(ctx, "c"), "1 = 1")
}

// courses lists the courses visible under v meeting cond, by code.
func (db *DB) courses(ctx context.Context, q querier, v visibility, cond string, args ...any) ([]training.Offer, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT c.code, c.title, c.skill, c.host, c.site, c.language, c.interpretation, c.seats, c.min_size, c.prerequisite, c.cost_per_seat, c.version
		FROM courses c WHERE `+v.cond+` AND `+cond+` ORDER BY c.code`), append(slices.Clone(v.args), args...)...)
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

const classColumns = `k.id, k.course, c.title, c.skill, c.site, c.host, k.start_on, k.end_on, k.seats, k.min_size, k.cancelled, k.version,
	(SELECT COALESCE(SUM(en.trainees), 0) FROM enrolments en WHERE en.class_id = k.id)`

// Classes lists the classes of the courses the reader may see that f
// selects, soonest first.
func (db *DB) Classes(ctx context.Context, f training.ClassFilter) ([]training.ClassOf, error) {
	conds, args := []string{"1 = 1"}, []any{}
	if f.Course != "" {
		conds, args = append(conds, "k.course = ?"), append(args, strings.ToUpper(f.Course))
	}
	if f.Site != "" {
		conds, args = append(conds, "c.site = ?"), append(args, strings.ToUpper(f.Site))
	}
	// ClassOf.RunsWhen, in SQL.
	switch f.When {
	case "":
	case training.Running:
		conds, args = append(conds, "NOT k.cancelled AND k.start_on <= ? AND k.end_on >= ?"), append(args, f.Today, f.Today)
	case training.Upcoming:
		conds, args = append(conds, "NOT k.cancelled AND k.start_on > ?"), append(args, f.Today)
	case training.Ended:
		conds, args = append(conds, "NOT k.cancelled AND k.end_on < ?"), append(args, f.Today)
	default:
		return nil, fault.Field("when", "%q is not when a class runs: use %s", f.When, strings.Join(training.ClassWhens, ", "))
	}
	return db.classes(ctx, db.rq, coursesVisible(ctx, "c"), strings.Join(conds, " AND "), args...)
}

// Class reads one class of a course the reader may see.
func (db *DB) Class(ctx context.Context, id int64) (training.ClassOf, error) {
	return db.class(ctx, db.rq, coursesVisible(ctx, "c"), id)
}

func (db *DB) class(ctx context.Context, q querier, v visibility, id int64) (training.ClassOf, error) {
	cs, err := db.classes(ctx, q, v, `k.id = ?`, id)
	if err != nil {
		return training.ClassOf{}, err
	}
	if len(cs) == 0 {
		return training.ClassOf{}, notFound("no class %d", id)
	}
	return cs[0], nil
}

// classes lists the classes visible under v meeting cond, soonest first.
func (db *DB) classes(ctx context.Context, q querier, v visibility, cond string, args ...any) ([]training.ClassOf, error) {
	query := `SELECT ` + classColumns + ` FROM classes k JOIN courses c ON c.code = k.course WHERE ` + v.cond + ` AND ` + cond
	rows, err := q.QueryContext(ctx, db.rebind(query+` ORDER BY k.start_on, k.id`), append(slices.Clone(v.args), args...)...)
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

// Cohorts lists the cohorts the reader may see, with the trainees enrolled
// in and trained for their own skill (a prerequisite's class is on the
// way there) and the courses they completed.
func (db *DB) Cohorts(ctx context.Context) ([]training.CohortOf, error) {
	return db.cohorts(ctx, db.rq, cohortsVisible(ctx))
}

func (db *DB) cohorts(ctx context.Context, q querier, v visibility) ([]training.CohortOf, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT h.id, h.skill, h.size, h.priority, h.earliest, h.needed_by, h.unit, COALESCE(h.requirement_id, 0), COALESCE(h.pledge_line_id, 0), h.notes, h.version,
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
	done, err := q.QueryContext(ctx, `SELECT en.cohort_id, k.course, SUM(en.completed) FROM enrolments en JOIN classes k ON k.id = en.class_id WHERE en.recorded GROUP BY en.cohort_id, k.course`)
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
// expected arrival of the first shipment bringing it, with the fingerprint
// an approval is checked against. It reads every record: it is for those
// who plan.
func (db *DB) TrainingPlanInput(ctx context.Context, start time.Time, horizon int) (training.PlanInput, string, error) {
	return db.trainingPlanInput(ctx, db.rq, start, horizon)
}

// trainingPlanInput reads the plan's input through q: the read pool for a
// proposal, the write transaction for its approval, so that both see the
// same fingerprint of the same rows.
func (db *DB) trainingPlanInput(ctx context.Context, q querier, start time.Time, horizon int) (training.PlanInput, string, error) {
	in := training.PlanInput{Start: start, Horizon: horizon, Courses: map[string]training.Course{}}
	var fp strings.Builder
	offers, err := db.courses(ctx, q, everyRecord, "1 = 1")
	if err != nil {
		return in, "", err
	}
	for _, o := range offers {
		in.Courses[o.Code] = training.Course{Code: o.Code, Skill: o.Skill, Prerequisite: o.Prerequisite}
		fmt.Fprintf(&fp, "c%s/%d;", o.Code, o.Version)
	}
	classes, err := db.classes(ctx, q, everyRecord, "1 = 1")
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
	cohorts, err := db.cohorts(ctx, q, everyRecord)
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
			err := q.QueryRowContext(ctx, db.rebind(`SELECT COALESCE(MIN(s.eta), '') FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id WHERE sl.`+link.col+` = ? AND s.state <> 'cancelled'`), link.id).Scan(&eta)
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

const enrolmentColumns = `en.id, en.cohort_id, en.class_id, k.course, en.trainees, en.attended, en.completed, en.attrition, en.reason, en.recorded, en.version`

// Enrolments lists a class's enrolments.
func (db *DB) Enrolments(ctx context.Context, class int64) ([]training.EnrolmentOf, error) {
	return db.enrolments(ctx, db.rq, coursesVisible(ctx, "c"), `en.class_id = ?`, class)
}

// enrolments lists the enrolments in classes of courses visible under v
// meeting cond, in the order they were made.
func (db *DB) enrolments(ctx context.Context, q querier, v visibility, cond string, args ...any) ([]training.EnrolmentOf, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+enrolmentColumns+`
		FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses c ON c.code = k.course WHERE `+cond+` AND `+v.cond+` ORDER BY en.id`), append(slices.Clone(args), v.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []training.EnrolmentOf{}
	for rows.Next() {
		var e training.EnrolmentOf
		if err := rows.Scan(&e.ID, &e.Cohort, &e.Class, &e.Course, &e.Trainees, &e.Attended, &e.Completed, &e.Attrition, &e.Reason, &e.Recorded, &e.Version); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TrainingThroughput works out the throughput over what the reader may see.
func (db *DB) TrainingThroughput(ctx context.Context) (training.Throughput, error) {
	t := training.Throughput{Waiting: map[int]int{}}
	v := coursesVisible(ctx, "c")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT substr(k.end_on, 1, 7), c.skill, c.host, SUM(en.completed) FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses c ON c.code = k.course
		WHERE en.recorded AND `+v.cond+` GROUP BY substr(k.end_on, 1, 7), c.skill, c.host ORDER BY 1, 2, 3`), v.args...)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		var r training.TrainedRow
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
		var r training.SeatsRow
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
		t.Crews = append(t.Crews, training.CrewRow{Skill: o.Skill, Crews: crews[o.Skill], Systems: n, Crewed: min(n, crews[o.Skill])})
	}
	if t.Trained == nil {
		t.Trained = []training.TrainedRow{}
	}
	if t.Seats == nil {
		t.Seats = []training.SeatsRow{}
	}
	if t.Crews == nil {
		t.Crews = []training.CrewRow{}
	}
	return t, nil
}
