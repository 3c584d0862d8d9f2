package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
)

func (db *DB) lessonsVisible(ctx context.Context) visibility {
	return db.visible(ctx, access.LessonRead, "l")
}

// Lessons adapts Transact to the lessons process's Store interface.
type Lessons struct{ DB *DB }

// Transact runs fn in one write transaction.
func (s Lessons) Transact(ctx context.Context, fn func(lessons.Tx) error) error {
	return s.DB.Transact(ctx, func(tx *Tx) error { return fn(lessonsTx{tx}) })
}

// lessonsTx is a write transaction as the lessons process sees it.
type lessonsTx struct{ *Tx }

var _ lessons.Tx = lessonsTx{}

// Lesson reads a lesson with its actions and links, whoever reads it.
func (tx lessonsTx) Lesson(ctx context.Context, id int64) (lessons.Lesson, error) {
	return tx.db.lesson(ctx, tx.Tx, id, visibility{cond: "1 = 1"})
}

// CreateLesson inserts a submitted lesson and sets its id and version; an
// unknown nation in its releasability is refused.
func (tx lessonsTx) CreateLesson(ctx context.Context, l *lessons.Lesson) error {
	aud, err := tx.audience(l.Owner, l.ReleasableTo)
	if err != nil {
		return err
	}
	id, err := tx.insertID(ctx, `INSERT INTO lessons (title, observed, place, observed_on, source, capability, systems, classification, releasable_to, audience, owner, state, created_by, created_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		l.Title, l.Observed, l.Where, l.When, l.Source, l.Capability, strings.Join(l.Systems, ","), int(l.Classification), strings.Join(l.ReleasableTo, ","), aud, l.Owner, l.State, l.CreatedBy, ts(l.CreatedAt))
	if err != nil {
		return err
	}
	l.ID, l.Version = id, 1
	return nil
}

// UpdateLesson writes a lesson's state and findings if its stored version
// is version.
func (tx lessonsTx) UpdateLesson(ctx context.Context, l *lessons.Lesson, version int64) error {
	var learned any
	if l.LearnedAt != nil {
		learned = ts(*l.LearnedAt)
	}
	res, err := tx.exec(ctx, `UPDATE lessons SET state = ?, reason = ?, analysis = ?, conclusion = ?, recommendation = ?, learned_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		l.State, l.Reason, l.Analysis, l.Conclusion, l.Recommendation, learned, l.ID, version)
	if err != nil {
		return err
	}
	if err := checkUpdated(res, l.Ref(), version); err != nil {
		return err
	}
	l.Version = version + 1
	return nil
}

// CreateAction inserts a remedial action and sets its id.
func (tx lessonsTx) CreateAction(ctx context.Context, a *lessons.Action) error {
	id, err := tx.insertID(ctx, `INSERT INTO lesson_actions (lesson_id, owner_kind, owner, description, due) VALUES (?, ?, ?, ?, ?)`, a.Lesson, a.OwnerKind, a.Owner, a.Description, a.Due)
	if err != nil {
		return mapConstraint(err, "action")
	}
	a.ID = id
	return nil
}

// FinishAction sets the done time of an action of its lesson that is not
// done yet.
func (tx lessonsTx) FinishAction(ctx context.Context, a lessons.Action) error {
	if a.DoneAt == nil {
		return fmt.Errorf("action %d: no time it was done", a.ID)
	}
	res, err := tx.exec(ctx, `UPDATE lesson_actions SET done_at = ? WHERE id = ? AND lesson_id = ? AND done_at IS NULL`, ts(*a.DoneAt), a.ID, a.Lesson)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fault.Errorf(fault.Conflict, "action %d is done already", a.ID)
	}
	return nil
}

// CreateLink inserts a link of a lesson to a record.
func (tx lessonsTx) CreateLink(ctx context.Context, lesson int64, k lessons.Link) error {
	if _, err := tx.exec(ctx, `INSERT INTO lesson_links (lesson_id, kind, ref) VALUES (?, ?, ?)`, lesson, k.Kind, k.Ref); err != nil {
		return mapConstraint(err, "link")
	}
	return nil
}

// exists reports whether the query finds a row.
func (tx lessonsTx) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	err := tx.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// CourseVisible reports whether the course with code exists and the reader
// may see it.
func (tx lessonsTx) CourseVisible(ctx context.Context, code string) (bool, error) {
	v := coursesVisible(ctx, "c")
	return tx.exists(ctx, `SELECT 1 FROM courses c WHERE c.code = ? AND `+v.cond, append([]any{code}, v.args...)...)
}

// PieceVisible reports whether the piece of equipment with id exists and
// the reader may see it.
func (tx lessonsTx) PieceVisible(ctx context.Context, id int64) (bool, error) {
	v := tx.db.equipmentVisible(ctx, "e")
	return tx.exists(ctx, `SELECT 1 FROM equipment e WHERE e.id = ? AND `+v.cond, append([]any{id}, v.args...)...)
}

// RequirementVisible reports whether the requirement with id exists and the
// reader may see it.
func (tx lessonsTx) RequirementVisible(ctx context.Context, id int64) (bool, error) {
	v := tx.db.requirementsVisible(ctx)
	return tx.exists(ctx, `SELECT 1 FROM requirements r WHERE r.id = ? AND `+v.cond, append([]any{id}, v.args...)...)
}

// RepairFacilityExists reports whether site is a repair facility.
func (tx lessonsTx) RepairFacilityExists(ctx context.Context, site string) (bool, error) {
	return tx.exists(ctx, `SELECT 1 FROM repair_facilities WHERE site = ?`, site)
}

const lessonColumns = `l.id, l.title, l.observed, l.place, l.observed_on, l.source, l.capability, l.systems, l.classification, l.releasable_to, l.owner, l.state, l.reason, l.analysis, l.conclusion, l.recommendation, l.created_by, l.created_at, COALESCE(l.learned_at, ''), l.version`

type lessonRow struct {
	lessons.Lesson
	systems, rel, created, learned string
}

func lessonFields() (*lessonRow, []any) {
	r := &lessonRow{}
	l := &r.Lesson
	return r, []any{&l.ID, &l.Title, &l.Observed, &l.Where, &l.When, &l.Source, &l.Capability, &r.systems, &l.Classification, &r.rel, &l.Owner, &l.State, &l.Reason, &l.Analysis, &l.Conclusion, &l.Recommendation, &l.CreatedBy, &r.created, &r.learned, &l.Version}
}

func (r *lessonRow) lesson() lessons.Lesson {
	l := r.Lesson
	l.Systems = []string{}
	if r.systems != "" {
		l.Systems = strings.Split(r.systems, ",")
	}
	l.ReleasableTo = access.ParseReleasability(r.rel)
	l.CreatedAt = parseTS(r.created)
	if r.learned != "" {
		t := parseTS(r.learned)
		l.LearnedAt = &t
	}
	return l
}

// ftsQuery turns words into a query every dialect reads the same way: the
// words, all of them, without operators.
func ftsWords(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return slices.DeleteFunc(words, func(w string) bool { return slices.Contains(stopwords, w) })
}

// stopwords are left out of a search on both engines, as PostgreSQL's
// English configuration does.
var stopwords = []string{"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on", "or", "the", "to", "was", "were", "with"}

// SearchLessons lists the lessons the reader may see that match f, newest
// observation first; Q searches the full text (SQLite FTS5 or PostgreSQL
// full-text search).
func (db *DB) SearchLessons(ctx context.Context, f lessons.Filter, o list.Options) (list.Page[lessons.Lesson], error) {
	q := &listQuery{from: "lessons l", columns: lessonColumns, key: "l.id",
		sorts: map[string]string{"id": "l.id", "observed": "l.observed_on", "state": "l.state", "capability": "l.capability"}, def: "-id"}
	q.visible(db.lessonsVisible(ctx))
	if words := ftsWords(f.Q); len(words) > 0 {
		if db.dialect == Postgres {
			q.filter("l.search @@ plainto_tsquery('english', ?)", strings.Join(words, " "))
		} else {
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = `"` + w + `"`
			}
			q.filter("l.id IN (SELECT rowid FROM lessons_fts WHERE lessons_fts MATCH ?)", strings.Join(quoted, " "))
		}
	}
	if f.Capability != "" {
		q.filter("l.capability = ?", f.Capability)
	}
	if f.System != "" {
		q.filter("(',' || l.systems || ',') LIKE ?", "%,"+strings.TrimSpace(f.System)+",%")
	}
	if f.State != "" {
		if !slices.Contains(lessons.States, f.State) {
			return list.Page[lessons.Lesson]{}, fault.Field("state", "%q is not a state: use one of %s", f.State, strings.Join(lessons.States, ", "))
		}
		q.filter("l.state = ?", f.State)
	}
	if f.From != "" {
		q.filter("l.observed_on >= ?", f.From)
	}
	if f.To != "" {
		q.filter("l.observed_on <= ?", f.To)
	}
	p, err := runList(ctx, db, q, o, lessonFields)
	out := list.Page[lessons.Lesson]{Next: p.Next, Total: p.Total, Items: make([]lessons.Lesson, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].lesson()
	}
	return out, err
}

// SimilarLessons suggests up to n lessons the reader may see that share
// words with text, best match first, so that an observation can join one
// already made instead of repeating it.
func (db *DB) SimilarLessons(ctx context.Context, text string, n int) ([]lessons.Lesson, error) {
	words := ftsWords(text)
	var keep []string
	for _, w := range words {
		if len(w) > 3 && !slices.Contains(keep, w) {
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		return []lessons.Lesson{}, nil
	}
	v := db.lessonsVisible(ctx)
	var query string
	var args []any
	if db.dialect == Postgres {
		query = `SELECT ` + lessonColumns + ` FROM lessons l, to_tsquery('english', ?) q WHERE l.search @@ q AND ` + v.cond + ` ORDER BY ts_rank(l.search, q) DESC, l.id DESC LIMIT ?`
		args = append(append([]any{strings.Join(keep, " | ")}, v.args...), n)
	} else {
		quoted := make([]string, len(keep))
		for i, w := range keep {
			quoted[i] = `"` + w + `"`
		}
		query = `SELECT ` + lessonColumns + ` FROM lessons_fts f JOIN lessons l ON l.id = f.rowid WHERE lessons_fts MATCH ? AND ` + v.cond + ` ORDER BY bm25(lessons_fts), l.id DESC LIMIT ?`
		args = append(append([]any{strings.Join(quoted, " OR ")}, v.args...), n)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []lessons.Lesson{}
	for rows.Next() {
		r, dest := lessonFields()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r.lesson())
	}
	return out, rows.Err()
}

// Lesson reads a lesson the reader may see with its actions and links.
func (db *DB) Lesson(ctx context.Context, id int64) (lessons.Lesson, error) {
	return db.lesson(ctx, db.rq, id, db.lessonsVisible(ctx))
}

func (db *DB) lesson(ctx context.Context, q querier, id int64, v visibility) (lessons.Lesson, error) {
	r, dest := lessonFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+lessonColumns+` FROM lessons l WHERE l.id = ? AND `+v.cond), append([]any{id}, v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return lessons.Lesson{}, notFound("no lesson L-%05d", id)
	}
	if err != nil {
		return lessons.Lesson{}, err
	}
	l := r.lesson()
	if l.Actions, err = db.lessonActions(ctx, q, l.ID); err != nil {
		return l, err
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT kind, ref FROM lesson_links WHERE lesson_id = ? ORDER BY kind, ref`), l.ID)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	l.Links = []lessons.Link{}
	for rows.Next() {
		var k lessons.Link
		if err := rows.Scan(&k.Kind, &k.Ref); err != nil {
			return l, err
		}
		l.Links = append(l.Links, k)
	}
	return l, rows.Err()
}

func (db *DB) lessonActions(ctx context.Context, q querier, lesson int64) ([]lessons.Action, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT id, lesson_id, owner_kind, owner, description, due, COALESCE(done_at, '') FROM lesson_actions WHERE lesson_id = ? ORDER BY id`), lesson)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []lessons.Action{}
	for rows.Next() {
		var a lessons.Action
		var done string
		if err := rows.Scan(&a.ID, &a.Lesson, &a.OwnerKind, &a.Owner, &a.Description, &a.Due, &done); err != nil {
			return nil, err
		}
		if done != "" {
			t := parseTS(done)
			a.DoneAt = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LessonsFor lists the lessons the reader may see that are linked to a
// record.
func (db *DB) LessonsFor(ctx context.Context, kind, ref string) ([]lessons.Lesson, error) {
	v := db.lessonsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT `+lessonColumns+` FROM lessons l JOIN lesson_links k ON k.lesson_id = l.id WHERE k.kind = ? AND k.ref = ? AND `+v.cond+` ORDER BY l.id DESC`),
		append([]any{kind, strings.ToUpper(ref)}, v.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []lessons.Lesson{}
	for rows.Next() {
		r, dest := lessonFields()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r.lesson())
	}
	return out, rows.Err()
}

// OverdueActions lists the actions of lessons the reader may see that are
// past their due date at today, by owner.
func (db *DB) OverdueActions(ctx context.Context, today time.Time) ([]lessons.OverdueAction, error) {
	v := db.lessonsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT a.id, a.lesson_id, a.owner_kind, a.owner, a.description, a.due, l.title, l.classification FROM lesson_actions a JOIN lessons l ON l.id = a.lesson_id
		WHERE a.done_at IS NULL AND a.due < ? AND `+v.cond+` ORDER BY a.owner, a.due`), append([]any{today.Format("2006-01-02")}, v.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []lessons.OverdueAction{}
	for rows.Next() {
		var o lessons.OverdueAction
		if err := rows.Scan(&o.ID, &o.Lesson, &o.OwnerKind, &o.Owner, &o.Description, &o.Due, &o.Title, &o.Classification); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// LessonEffects works out, for a lesson whose actions are all done, the
// repair rate of each system it names before and after, over the orders
// the reader may see, in windows of equal length (up to 180 days).
func (db *DB) LessonEffects(ctx context.Context, l lessons.Lesson, now time.Time) ([]lessons.Effect, error) {
	var last time.Time
	for _, a := range l.Actions {
		if !a.Done() {
			return nil, nil
		}
		if a.DoneAt.After(last) {
			last = *a.DoneAt
		}
	}
	if last.IsZero() || len(l.Systems) == 0 {
		return nil, nil
	}
	window := min(int(now.Sub(last).Hours()/24), 180)
	if window < 1 {
		window = 1
	}
	since := last.UTC().Truncate(24 * time.Hour)
	from, to := since.AddDate(0, 0, -window), since.AddDate(0, 0, window)
	v := db.ordersVisible(ctx)
	var out []lessons.Effect
	for _, nsn := range l.Systems {
		e := lessons.Effect{System: nsn, Since: since.Format("2006-01-02"), DaysBefore: window, DaysAfter: window}
		for _, w := range []struct {
			a, b time.Time
			n    *int
		}{{from, since, &e.OrdersBefore}, {since, to, &e.OrdersAfter}} {
			if err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id WHERE e.nsn = ? AND o.reported_at >= ? AND o.reported_at < ? AND `+v.cond),
				append([]any{nsn, ts(w.a), ts(w.b)}, v.args...)...).Scan(w.n); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// LearningTimes works out the median days from observation to lesson
// learned over the lessons the reader may see.
func (db *DB) LearningTimes(ctx context.Context) (lessons.LearningTimes, error) {
	v := db.lessonsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT l.observed_on, l.learned_at FROM lessons l WHERE l.learned_at IS NOT NULL AND `+v.cond), v.args...)
	if err != nil {
		return lessons.LearningTimes{}, err
	}
	defer rows.Close()
	var days []int
	for rows.Next() {
		var obs, learned string
		if err := rows.Scan(&obs, &learned); err != nil {
			return lessons.LearningTimes{}, err
		}
		o, _ := time.Parse("2006-01-02", obs)
		days = append(days, int(parseTS(learned).Sub(o).Hours()/24))
	}
	slices.Sort(days)
	t := lessons.LearningTimes{Learned: len(days)}
	if len(days) > 0 {
		t.MedianDays = days[(len(days)-1)/2]
	}
	return t, rows.Err()
}
