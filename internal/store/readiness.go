package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
)

// Readiness adapts the store to capability readiness: Transact for its
// use cases, and the reads of packages and of the facts they are assessed
// from, each filtered by the reader.
type Readiness struct{ DB *DB }

var (
	_ readiness.Store  = Readiness{}
	_ readiness.Reader = Readiness{}
)

// Transact runs fn in one write transaction.
func (s Readiness) Transact(ctx context.Context, fn func(readiness.Tx) error) error {
	return s.DB.Transact(ctx, func(tx *Tx) error { return fn(readinessTx{tx}) })
}

// readinessTx is a write transaction as capability readiness sees it.
type readinessTx struct{ *Tx }

var _ readiness.Tx = readinessTx{}

// Trains returns the code of the course target names, or target itself
// when a course trains it as its skill.
func (tx readinessTx) Trains(ctx context.Context, target string) (string, bool, error) {
	var code string
	err := tx.queryRow(ctx, `SELECT code FROM courses WHERE code = ?`, strings.ToUpper(target)).Scan(&code)
	if err == nil {
		return code, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM courses WHERE skill = ?`, target).Scan(&n); err != nil {
		return "", false, err
	}
	return target, n > 0, nil
}

// Package reads a package with its elements, whoever reads it.
func (tx readinessTx) Package(ctx context.Context, id int64) (readiness.Package, error) {
	ps, err := tx.db.packages(ctx, tx.Tx, everyRecord, "c.id = ?", id)
	if err != nil {
		return readiness.Package{}, err
	}
	if len(ps) == 0 {
		return readiness.Package{}, notFound("no capability package CP-%05d", id)
	}
	return ps[0], nil
}

// CreatePackage inserts a package and its elements and sets its id and
// version; an unknown nation in its releasability is refused.
func (tx readinessTx) CreatePackage(ctx context.Context, p *readiness.Package) error {
	aud, err := tx.audience(p.Owner(), p.ReleasableTo)
	if err != nil {
		return err
	}
	id, err := tx.insertID(ctx, `INSERT INTO capability_packages (name, capability, wanted, notes, classification, releasable_to, audience, created_by, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		p.Name, p.Capability, p.Wanted, p.Notes, int(p.Classification), strings.Join(p.ReleasableTo, ","), aud, p.CreatedBy, ts(p.CreatedAt), ts(p.UpdatedAt))
	if err != nil {
		return err
	}
	p.ID, p.Version = id, 1
	return tx.writeElements(ctx, p)
}

// UpdatePackage writes a package and replaces its elements if its stored
// version is version.
func (tx readinessTx) UpdatePackage(ctx context.Context, p *readiness.Package, version int64) error {
	aud, err := tx.audience(p.Owner(), p.ReleasableTo)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE capability_packages SET name = ?, capability = ?, wanted = ?, notes = ?, classification = ?, releasable_to = ?, audience = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		p.Name, p.Capability, p.Wanted, p.Notes, int(p.Classification), strings.Join(p.ReleasableTo, ","), aud, ts(p.UpdatedAt), p.ID, version)
	if err != nil {
		return err
	}
	if err := checkUpdated(res, p.Ref(), version); err != nil {
		return err
	}
	p.Version = version + 1
	if _, err := tx.exec(ctx, `DELETE FROM capability_elements WHERE package_id = ?`, p.ID); err != nil {
		return err
	}
	return tx.writeElements(ctx, p)
}

func (tx readinessTx) writeElements(ctx context.Context, p *readiness.Package) error {
	for i, e := range p.Elements {
		if _, err := tx.exec(ctx, `INSERT INTO capability_elements (package_id, no, kind, target, quantity, label) VALUES (?, ?, ?, ?, ?, ?)`,
			p.ID, i+1, e.Kind, e.Target, e.Quantity, e.Label); err != nil {
			return mapConstraint(err, "element "+e.Kind+" "+e.Target)
		}
	}
	return nil
}

func (db *DB) packagesVisible(ctx context.Context) visibility {
	return db.visible(ctx, access.ReadinessRead, "c")
}

// Packages lists the packages the reader may see, by name.
func (s Readiness) Packages(ctx context.Context) ([]readiness.Package, error) {
	return s.DB.packages(ctx, s.DB.rq, s.DB.packagesVisible(ctx), "1 = 1")
}

// Package reads a package the reader may see.
func (s Readiness) Package(ctx context.Context, id int64) (readiness.Package, error) {
	ps, err := s.DB.packages(ctx, s.DB.rq, s.DB.packagesVisible(ctx), "c.id = ?", id)
	if err != nil {
		return readiness.Package{}, err
	}
	if len(ps) == 0 {
		return readiness.Package{}, notFound("no capability package CP-%05d", id)
	}
	return ps[0], nil
}

// packages reads the packages visible under v that meet cond, by name,
// with their elements in order.
func (db *DB) packages(ctx context.Context, q querier, v visibility, cond string, args ...any) ([]readiness.Package, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT c.id, c.name, c.capability, c.wanted, c.notes, c.classification, c.releasable_to, c.created_by, c.created_at, c.updated_at, c.version
		FROM capability_packages c WHERE `+v.cond+` AND `+cond+` ORDER BY c.name, c.id`), append(slices.Clone(v.args), args...)...)
	if err != nil {
		return nil, err
	}
	out := []readiness.Package{}
	at := map[int64]int{}
	for rows.Next() {
		var p readiness.Package
		var rel, created, updated string
		if err := rows.Scan(&p.ID, &p.Name, &p.Capability, &p.Wanted, &p.Notes, &p.Classification, &rel, &p.CreatedBy, &created, &updated, &p.Version); err != nil {
			rows.Close()
			return nil, err
		}
		p.ReleasableTo = access.ParseReleasability(rel)
		p.CreatedAt, p.UpdatedAt = parseTS(created), parseTS(updated)
		p.Elements = []readiness.Element{}
		at[p.ID] = len(out)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]any, 0, len(out))
	for _, p := range out {
		ids = append(ids, p.ID)
	}
	rows, err = q.QueryContext(ctx, db.rebind(`SELECT package_id, kind, target, quantity, label FROM capability_elements WHERE package_id IN (`+placeholders(len(ids))+`) ORDER BY package_id, no`), ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e readiness.Element
		if err := rows.Scan(&id, &e.Kind, &e.Target, &e.Quantity, &e.Label); err != nil {
			return nil, err
		}
		out[at[id]].Elements = append(out[at[id]].Elements, e)
	}
	return out, rows.Err()
}

// placeholders is n comma-separated question marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// Facts reads what the packages' elements are assessed from, each source
// filtered by the reader as its own pages are: the items they name, the
// pieces of those items in the register with their open repair orders,
// the pledge lines of those items allocated to requirements with the
// shipments carrying them, the courses and cohorts with their enrolments,
// and the repair facilities.
func (s Readiness) Facts(ctx context.Context, ps []readiness.Package) (readiness.Facts, error) {
	db := s.DB
	f := readiness.Facts{}
	var targets []any
	crews := false
	for _, p := range ps {
		for _, e := range p.Elements {
			targets = append(targets, e.Target)
			crews = crews || e.Kind == readiness.Crew
		}
	}
	if len(targets) == 0 {
		return f, nil
	}
	in := placeholders(len(targets))
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT nsn, name, grp FROM items WHERE nsn IN (`+in+`) OR grp IN (`+in+`) ORDER BY nsn`), append(slices.Clone(targets), targets...)...)
	if err != nil {
		return f, err
	}
	var nsns []any
	for rows.Next() {
		var it catalog.Item
		if err := rows.Scan(&it.NSN, &it.Name, &it.Group); err != nil {
			rows.Close()
			return f, err
		}
		f.Items = append(f.Items, it)
		nsns = append(nsns, it.NSN)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	if len(nsns) > 0 {
		if f.Pieces, err = db.readinessPieces(ctx, nsns); err != nil {
			return f, err
		}
		if f.Lines, err = db.readinessLines(ctx, nsns); err != nil {
			return f, err
		}
	}
	if crews {
		if f.Courses, f.Cohorts, err = db.readinessCohorts(ctx); err != nil {
			return f, err
		}
	}
	if access.Allowed(access.IdentityFrom(ctx), access.EquipmentRead) {
		var fs []repair.RepairFacility
		if fs, err = db.repairFacilities(ctx, db.rq, ""); err != nil {
			return f, err
		}
		f.Facilities = fs
	}
	return f, nil
}

// readinessPieces reads the pieces of the items nsns the reader may see,
// each with its open repair order.
func (db *DB) readinessPieces(ctx context.Context, nsns []any) ([]readiness.Piece, error) {
	v := db.equipmentVisible(ctx, "e")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT e.id, e.nsn, e.serial, e.state, COALESCE(o.id, 0), COALESCE(o.state, ''), COALESCE(o.facility, ''), COALESCE(o.due, '')
		FROM equipment e LEFT JOIN repair_orders o ON o.equipment_id = e.id AND `+orderOpen+`
		WHERE e.nsn IN (`+placeholders(len(nsns))+`) AND `+v.cond+` ORDER BY e.nsn, e.id`), append(slices.Clone(nsns), v.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []readiness.Piece
	for rows.Next() {
		var p readiness.Piece
		var o readiness.Order
		if err := rows.Scan(&p.ID, &p.NSN, &p.Serial, &p.State, &o.ID, &o.State, &o.Facility, &o.Due); err != nil {
			return nil, err
		}
		if o.ID != 0 {
			p.Order = &o
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// readinessLines reads the pledge lines of the items nsns allocated to
// requirements, of the pledges the reader may see, with what the
// shipments the reader may see carry of them and have not delivered.
func (db *DB) readinessLines(ctx context.Context, nsns []any) ([]readiness.Line, error) {
	v := db.pledgesVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT l.id, p.id, p.nation, p.title, l.no, l.nsn, l.allocated, l.delivered, l.accepted, p.promised, p.classification
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id
		WHERE l.nsn IN (`+placeholders(len(nsns))+`) AND l.allocated > 0 AND `+v.cond+` ORDER BY p.id, l.no`), append(slices.Clone(nsns), v.args...)...)
	if err != nil {
		return nil, err
	}
	var out []readiness.Line
	at := map[int64]int{}
	var ids []any
	for rows.Next() {
		var id int64
		var l readiness.Line
		if err := rows.Scan(&id, &l.Pledge, &l.Nation, &l.Title, &l.No, &l.NSN, &l.Allocated, &l.Delivered, &l.Accepted, &l.Promised, &l.Classification); err != nil {
			rows.Close()
			return nil, err
		}
		l.ID = id
		at[id] = len(out)
		ids = append(ids, id)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	sv := db.shipmentsVisible(ctx)
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT sl.line_id, s.id, SUM(sl.quantity - sl.received), s.eta, s.classification
		FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
		WHERE sl.line_id IN (`+placeholders(len(ids))+`) AND s.state NOT IN ('received', 'cancelled') AND `+sv.cond+`
		GROUP BY sl.line_id, s.id, s.eta, s.classification ORDER BY s.eta, s.id`), append(ids, sv.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var line int64
		var t readiness.Transit
		var eta string
		if err := rows.Scan(&line, &t.Shipment, &t.Quantity, &eta, &t.Classification); err != nil {
			return nil, err
		}
		if eta != "" {
			t.ETA = parseTS(eta).UTC().Format("2006-01-02")
		}
		l := &out[at[line]]
		l.Transit = append(l.Transit, t)
	}
	return out, rows.Err()
}

// readinessCohorts reads the courses and the cohorts the reader may see,
// each cohort with its enrolments in classes of those courses.
func (db *DB) readinessCohorts(ctx context.Context) ([]readiness.Course, []readiness.Cohort, error) {
	offers, err := db.Courses(ctx)
	if err != nil {
		return nil, nil, err
	}
	var courses []readiness.Course
	for _, o := range offers {
		courses = append(courses, readiness.Course{Code: o.Code, Title: o.Title, Skill: o.Skill})
	}
	hv := cohortsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT h.id, h.skill, h.size, h.unit, h.needed_by FROM cohorts h WHERE `+hv.cond+` ORDER BY h.id`), hv.args...)
	if err != nil {
		return nil, nil, err
	}
	var cohorts []readiness.Cohort
	at := map[int64]int{}
	for rows.Next() {
		var h readiness.Cohort
		if err := rows.Scan(&h.ID, &h.Skill, &h.Size, &h.Unit, &h.NeededBy); err != nil {
			rows.Close()
			return nil, nil, err
		}
		at[h.ID] = len(cohorts)
		cohorts = append(cohorts, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(cohorts) == 0 {
		return courses, cohorts, err
	}
	cv := coursesVisible(ctx, "c")
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT en.cohort_id, en.class_id, k.course, k.end_on, en.trainees, en.completed, en.recorded, k.cancelled
		FROM enrolments en JOIN classes k ON k.id = en.class_id JOIN courses c ON c.code = k.course WHERE `+cv.cond+` ORDER BY en.cohort_id, en.id`), cv.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var e readiness.Enrolment
		if err := rows.Scan(&id, &e.Class, &e.Course, &e.End, &e.Trainees, &e.Completed, &e.Recorded, &e.Cancelled); err != nil {
			return nil, nil, err
		}
		if i, ok := at[id]; ok {
			cohorts[i].Enrolments = append(cohorts[i].Enrolments, e)
		}
	}
	return courses, cohorts, rows.Err()
}
