package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/training"
)

// Training adapts Transact to the training's Store interface.
type Training struct{ DB *DB }

// Transact runs fn in one write transaction.
func (t Training) Transact(ctx context.Context, fn func(training.Tx) error) error {
	return t.DB.Transact(ctx, func(tx *Tx) error { return fn(trainingTx{tx}) })
}

// trainingTx is a write transaction as the training's use cases see it; the
// lookups it shares with the other domains (Now, Nation, Site, Requirement,
// Audit) come from Tx.
type trainingTx struct{ *Tx }

var _ training.Tx = trainingTx{}

// LinePledge returns the pledge that holds pledge line id.
func (tx trainingTx) LinePledge(ctx context.Context, line int64) (assist.Pledge, error) {
	var pledge int64
	err := tx.queryRow(ctx, `SELECT pledge_id FROM pledge_lines WHERE id = ?`, line).Scan(&pledge)
	if errors.Is(err, sql.ErrNoRows) {
		return assist.Pledge{}, notFound("no pledge line %d", line)
	}
	if err != nil {
		return assist.Pledge{}, err
	}
	return tx.Pledge(ctx, pledge)
}

// Course returns the course with code.
func (tx trainingTx) Course(ctx context.Context, code string) (training.Offer, error) {
	cs, err := tx.db.courses(ctx, tx.Tx, everyRecord, `c.code = ?`, code)
	if err != nil {
		return training.Offer{}, err
	}
	if len(cs) == 0 {
		return training.Offer{}, notFound("no course %s", code)
	}
	return cs[0], nil
}

// CreateCourse inserts a course and sets its version.
func (tx trainingTx) CreateCourse(ctx context.Context, o *training.Offer) error {
	if _, err := tx.exec(ctx, `INSERT INTO courses (code, title, skill, host, site, language, interpretation, seats, min_size, prerequisite, cost_per_seat, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		o.Code, o.Title, o.Skill, o.Host, o.Site, o.Language, o.Interpretation, o.Seats, o.MinSize, o.Prerequisite, o.CostPerSeat, ts(tx.now)); err != nil {
		return mapConstraint(err, "course "+o.Code)
	}
	o.Version = 1
	return nil
}

// UpdateCourse writes a course if its stored version is version.
func (tx trainingTx) UpdateCourse(ctx context.Context, o *training.Offer, version int64) error {
	res, err := tx.exec(ctx, `UPDATE courses SET title = ?, skill = ?, host = ?, site = ?, language = ?, interpretation = ?, seats = ?, min_size = ?, prerequisite = ?, cost_per_seat = ?, version = version + 1, updated_at = ? WHERE code = ? AND version = ?`,
		o.Title, o.Skill, o.Host, o.Site, o.Language, o.Interpretation, o.Seats, o.MinSize, o.Prerequisite, o.CostPerSeat, ts(tx.now), o.Code, version)
	if err != nil {
		return mapConstraint(err, "course "+o.Code)
	}
	if err := checkUpdated(res, "course "+o.Code, version); err != nil {
		return err
	}
	o.Version = version + 1
	return nil
}

// Class returns the class with id and the seats taken in it.
func (tx trainingTx) Class(ctx context.Context, id int64) (training.ClassOf, error) {
	return tx.db.class(ctx, tx.Tx, everyRecord, id)
}

// CreateClass inserts a class and sets its id and version.
func (tx trainingTx) CreateClass(ctx context.Context, c *training.ClassOf) error {
	id, err := tx.insertID(ctx, `INSERT INTO classes (course, start_on, end_on, seats, min_size, version) VALUES (?, ?, ?, ?, ?, 1)`, c.Course, c.Start, c.End, c.Seats, c.MinSize)
	if err != nil {
		return mapConstraint(err, "class")
	}
	c.ID, c.Version = id, 1
	return nil
}

// CreateCohort inserts a cohort and sets its id and version.
func (tx trainingTx) CreateCohort(ctx context.Context, c *training.CohortOf) error {
	var req, line any
	if c.Requirement != 0 {
		req = c.Requirement
	}
	if c.PledgeLine != 0 {
		line = c.PledgeLine
	}
	id, err := tx.insertID(ctx, `INSERT INTO cohorts (skill, size, priority, earliest, needed_by, unit, requirement_id, pledge_line_id, notes, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
		c.Skill, c.Size, c.Priority, c.Earliest, c.NeededBy, c.Unit, req, line, c.Notes, ts(tx.now))
	if err != nil {
		return mapConstraint(err, "cohort")
	}
	c.ID, c.Version = id, 1
	return nil
}

// Enrolment returns the enrolment with id.
func (tx trainingTx) Enrolment(ctx context.Context, id int64) (training.EnrolmentOf, error) {
	es, err := tx.db.enrolments(ctx, tx.Tx, everyRecord, `en.id = ?`, id)
	if err != nil {
		return training.EnrolmentOf{}, err
	}
	if len(es) == 0 {
		return training.EnrolmentOf{}, notFound("no enrolment %d", id)
	}
	return es[0], nil
}

// CreateEnrolment inserts an enrolment and sets its id and version.
func (tx trainingTx) CreateEnrolment(ctx context.Context, e *training.EnrolmentOf) error {
	id, err := tx.insertID(ctx, `INSERT INTO enrolments (cohort_id, class_id, trainees, version, created_at) VALUES (?, ?, ?, 1, ?)`, e.Cohort, e.Class, e.Trainees, ts(tx.now))
	if err != nil {
		return mapConstraint(err, "enrolment")
	}
	e.ID, e.Version = id, 1
	return nil
}

// RecordEnrolment writes an enrolment's attendance, completion and
// attrition if its stored version is version.
func (tx trainingTx) RecordEnrolment(ctx context.Context, e *training.EnrolmentOf, version int64) error {
	res, err := tx.exec(ctx, `UPDATE enrolments SET attended = ?, completed = ?, attrition = ?, reason = ?, recorded = ?, version = version + 1 WHERE id = ? AND version = ?`,
		e.Attended, e.Completed, e.Attrition, e.Reason, e.Recorded, e.ID, version)
	if err != nil {
		return mapConstraint(err, "enrolment")
	}
	if err := checkUpdated(res, "enrolment", version); err != nil {
		return err
	}
	e.Version = version + 1
	return nil
}

// PlanInput reads the training plan's input and fingerprint through the
// transaction.
func (tx trainingTx) PlanInput(ctx context.Context, start time.Time, horizon int) (training.PlanInput, string, error) {
	return tx.db.trainingPlanInput(ctx, tx.Tx, start, horizon)
}

// BaselineYear says whether year has a baseline.
func (tx trainingTx) BaselineYear(ctx context.Context, year int) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM baselines WHERE year = ?`, year).Scan(&n)
	return n > 0, err
}

// Accounts is the accounts' port over the same transaction.
func (tx trainingTx) Accounts() accounts.Tx { return accountsTx{tx.Tx} }
