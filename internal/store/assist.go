package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
)

// recipient owns every requirement.
const recipient = "UKR"

const requirementColumns = "r.id, COALESCE(r.nsn, ''), r.grp, r.quantity, r.priority, r.need_by, r.delivery_site, r.notes, r.classification, r.releasable_to, r.illustrative, r.cancelled, r.allocated, r.delivered, r.accepted, r.state, r.version, r.created_at, r.updated_at"

type requirementRow struct {
	assist.Requirement
	rel, created, updated string
}

func requirementFields() (*requirementRow, []any) {
	row := &requirementRow{}
	r := &row.Requirement
	return row, []any{&r.ID, &r.NSN, &r.Group, &r.Quantity, &r.Priority, &r.NeedBy, &r.DeliverySite, &r.Notes, &r.Marking.Classification, &row.rel,
		&r.Illustrative, &r.Cancelled, &r.Allocated, &r.Delivered, &r.Accepted, &r.State, &r.Version, &row.created, &row.updated}
}

func (row *requirementRow) requirement() assist.Requirement {
	row.Marking.ReleasableTo = access.ParseReleasability(row.rel)
	row.CreatedAt, row.UpdatedAt = parseTS(row.created), parseTS(row.updated)
	return row.Requirement
}

func (db *DB) requirement(ctx context.Context, q querier, id int64, from string, args []any, v visibility) (assist.Requirement, error) {
	row, dest := requirementFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+requirementColumns+` FROM `+from+` WHERE r.id = ? AND `+v.cond), append(append(args, id), v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return assist.Requirement{}, notFound("no requirement %d", id)
	}
	return row.requirement(), err
}

// Requirement returns the requirement with id.
func (tx *Tx) Requirement(ctx context.Context, id int64) (assist.Requirement, error) {
	return tx.db.requirement(ctx, tx, id, "requirements r", nil, visibility{cond: "1 = 1"})
}

// Requirement returns the requirement with id, if the reader may see it.
func (db *DB) Requirement(ctx context.Context, id int64) (assist.Requirement, error) {
	from, args := db.requirementsSeen(ctx)
	return db.requirement(ctx, db.rq, id, from, args, db.requirementsVisible(ctx))
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// audience is the visibility mask of a record; an unknown nation in its
// releasability is refused.
func (tx *Tx) audience(owner string, rel access.Releasability) (int64, error) {
	mask, err := tx.db.audience(owner, rel)
	if err != nil {
		return 0, fault.Field("releasable_to", "%v", err)
	}
	return mask, nil
}

// CreateRequirement inserts a requirement and sets its id and version.
func (tx *Tx) CreateRequirement(ctx context.Context, r *assist.Requirement) error {
	r.Version = 1
	aud, err := tx.audience(recipient, r.ReleasableTo)
	if err != nil {
		return err
	}
	id, err := tx.insertAs(ctx, "requirements", r.ID, `INSERT INTO requirements (id, nsn, grp, quantity, priority, need_by, delivery_site, notes, classification, releasable_to, audience, illustrative, cancelled, allocated, delivered, accepted, state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		nullString(r.NSN), r.Group, r.Quantity, r.Priority, r.NeedBy, r.DeliverySite, r.Notes, int(r.Marking.Classification), strings.Join(r.Marking.ReleasableTo, ","), aud,
		r.Illustrative, r.Cancelled, r.Allocated, r.Delivered, r.Accepted, r.State, ts(r.CreatedAt), ts(r.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "requirement")
	}
	r.ID = id
	return nil
}

// UpdateRequirement writes a requirement if its stored version is version.
func (tx *Tx) UpdateRequirement(ctx context.Context, r *assist.Requirement, version int64) error {
	aud, err := tx.audience(recipient, r.ReleasableTo)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE requirements SET nsn = ?, grp = ?, quantity = ?, priority = ?, need_by = ?, delivery_site = ?, notes = ?, classification = ?, releasable_to = ?, audience = ?,
		cancelled = ?, allocated = ?, delivered = ?, accepted = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		nullString(r.NSN), r.Group, r.Quantity, r.Priority, r.NeedBy, r.DeliverySite, r.Notes, int(r.Marking.Classification), strings.Join(r.Marking.ReleasableTo, ","), aud,
		r.Cancelled, r.Allocated, r.Delivered, r.Accepted, r.State, ts(r.UpdatedAt), r.ID, version)
	if err != nil {
		return mapConstraint(err, r.Ref())
	}
	if err := checkUpdated(res, r.Ref(), version); err != nil {
		return err
	}
	r.Version = version + 1
	return nil
}

// Requirements lists requirements.
func (db *DB) Requirements(ctx context.Context, f assist.RequirementFilter, o list.Options) (list.Page[assist.Requirement], error) {
	from, fromArgs := db.requirementsSeen(ctx)
	q := &listQuery{from: from, fromArgs: fromArgs, columns: requirementColumns, key: "r.id",
		sorts: map[string]string{"id": "r.id", "priority": "r.priority", "need_by": "r.need_by", "quantity": "r.quantity", "state": "r.state", "updated_at": "r.updated_at"}, def: "id"}
	q.visible(db.requirementsVisible(ctx))
	switch f.State {
	case "":
	case "active":
		q.filter("r.state IN ('open', 'partly_allocated', 'allocated', 'awaiting_acceptance')")
	default:
		q.filter("r.state = ?", f.State)
	}
	if f.Priority != 0 {
		q.filter("r.priority = ?", f.Priority)
	}
	if f.NSN != "" {
		q.filter("r.nsn = ?", f.NSN)
	}
	if f.Group != "" {
		q.filter("r.grp = ?", f.Group)
	}
	if f.Site != "" {
		q.filter("r.delivery_site = ?", strings.ToUpper(f.Site))
	}
	if f.Overdue != "" {
		q.filter("r.need_by < ? AND r.state NOT IN ('fulfilled', 'cancelled')", f.Overdue)
	}
	if f.Q != "" {
		q.filter("(LOWER(r.notes) LIKE ? ESCAPE '\\' OR COALESCE(r.nsn, '') LIKE ? ESCAPE '\\' OR LOWER(r.grp) LIKE ? ESCAPE '\\' OR r.nsn IN (SELECT nsn FROM items WHERE LOWER(name) LIKE ? ESCAPE '\\'))",
			likePattern(f.Q), likePattern(f.Q), likePattern(f.Q), likePattern(f.Q))
	}
	p, err := runList(ctx, db, q, o, requirementFields)
	out := list.Page[assist.Requirement]{Next: p.Next, Total: p.Total, Items: make([]assist.Requirement, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].requirement()
	}
	return out, err
}

const pledgeColumns = "p.id, p.nation, p.title, p.description, p.kind, p.aid, p.instrument, p.channel, p.category, p.announced, p.promised, p.announced_precision, p.promised_precision, p.announced_until, p.promised_from, p.reference, p.depot, p.amount, p.value_undisclosed, p.amount_committed, p.amount_disbursed, p.classification, p.releasable_to, p.illustrative, p.state, p.version, p.created_at, p.updated_at, " +
	"p.amount_currency, p.amount_original, p.amount_rate, p.amount_rate_date, p.amount_basis, p.amount_source"

// precisionOf is a date's precision as stored: empty is to the day.
func precisionOf(p string) string {
	if p == "" {
		return assist.DayPrecision
	}
	return p
}

type pledgeRow struct {
	assist.PledgeSummary
	rel, created, updated string
}

func pledgeFields() (*pledgeRow, []any) {
	row := &pledgeRow{}
	p := &row.Pledge
	return row, []any{&p.ID, &p.Nation, &p.Title, &p.Description, &p.Kind, &p.Aid, &p.Instrument, &p.Channel, &p.Category, &p.Announced, &p.Promised, &p.AnnouncedPrecision, &p.PromisedPrecision, &p.AnnouncedUntil, &p.PromisedFrom, &p.Reference, &p.Depot, &p.Amount, &p.ValueUndisclosed, &p.AmountCommitted, &p.AmountDisbursed,
		&p.Marking.Classification, &row.rel, &p.Illustrative, &row.State, &p.Version, &row.created, &row.updated,
		&p.AmountValuation.Currency, &p.AmountValuation.Original, &p.AmountValuation.Rate, &p.AmountValuation.RateDate, &p.AmountValuation.Basis, &p.AmountValuation.Source}
}

func (row *pledgeRow) summary() assist.PledgeSummary {
	row.Marking.ReleasableTo = access.ParseReleasability(row.rel)
	row.CreatedAt, row.UpdatedAt = parseTS(row.created), parseTS(row.updated)
	row.Lines = nil
	return row.PledgeSummary
}

func (db *DB) pledge(ctx context.Context, q querier, id int64, v visibility) (assist.Pledge, error) {
	row, dest := pledgeFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+pledgeColumns+` FROM pledges p WHERE p.id = ? AND `+v.cond), append([]any{id}, v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return assist.Pledge{}, notFound("no pledge %d", id)
	}
	if err != nil {
		return assist.Pledge{}, err
	}
	p := row.summary().Pledge
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+lineColumns+`
		FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE l.pledge_id = ? ORDER BY l.no`), id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	p.Lines = []assist.Line{}
	for rows.Next() {
		var l assist.Line
		if err := rows.Scan(lineFields(&l)...); err != nil {
			return p, err
		}
		p.Lines = append(p.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	rows.Close()
	if p.Revaluations, err = db.revaluations(ctx, q, id); err != nil {
		return p, err
	}
	if p.Amount == 0 {
		return p, nil // no money, no payments
	}
	rows, err = q.QueryContext(ctx, db.rebind(`SELECT id, stage, amount, on_date, evidence, recorded_by, recorded_at FROM payments WHERE pledge_id = ? ORDER BY id`), id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var pay assist.Payment
		var at string
		if err := rows.Scan(&pay.ID, &pay.Stage, &pay.Amount, &pay.Date, &pay.Evidence, &pay.RecordedBy, &at); err != nil {
			return p, err
		}
		pay.RecordedAt = parseTS(at)
		p.Payments = append(p.Payments, pay)
	}
	return p, rows.Err()
}

// revaluations reads the history of pledge id's figures, oldest first.
func (db *DB) revaluations(ctx context.Context, q querier, id int64) ([]assist.Revaluation, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT id, line_no, was, eur, currency, original, rate, rate_date, basis, source, reason, recorded_by, recorded_at
		FROM valuations WHERE pledge_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []assist.Revaluation
	for rows.Next() {
		var r assist.Revaluation
		var at string
		v := &r.Valuation
		if err := rows.Scan(&r.ID, &r.Line, &r.Was, &r.EUR, &v.Currency, &v.Original, &v.Rate, &v.RateDate, &v.Basis, &v.Source, &r.Reason, &r.RecordedBy, &at); err != nil {
			return nil, err
		}
		r.RecordedAt = parseTS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRevaluation records a change of one of pledge's euro figures,
// setting its id.
func (tx *Tx) AddRevaluation(ctx context.Context, pledge int64, r *assist.Revaluation) error {
	v := r.Valuation
	id, err := tx.insertID(ctx, `INSERT INTO valuations (pledge_id, line_no, was, eur, currency, original, rate, rate_date, basis, source, reason, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pledge, r.Line, r.Was, r.EUR, v.Currency, v.Original, v.Rate, v.RateDate, v.Basis, v.Source, r.Reason, r.RecordedBy, ts(r.RecordedAt))
	if err != nil {
		return mapConstraint(err, "revaluation")
	}
	r.ID = id
	return nil
}

// AddPayment records a step of pledge's money, setting its id.
func (tx *Tx) AddPayment(ctx context.Context, pledge int64, pay *assist.Payment) error {
	id, err := tx.insertID(ctx, `INSERT INTO payments (pledge_id, stage, amount, on_date, evidence, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		pledge, pay.Stage, pay.Amount, pay.Date, pay.Evidence, pay.RecordedBy, ts(pay.RecordedAt))
	if err != nil {
		return mapConstraint(err, "payment")
	}
	pay.ID = id
	return nil
}

// lineColumns are a pledge line's columns (l, with its item i), in the
// order lineFields scans them.
const lineColumns = "l.id, l.no, l.nsn, i.name, l.unit_value, l.pledged, l.committed, l.allocated, l.shipped, l.delivered, l.accepted, l.withdrawn, l.quantity_undisclosed, l.value_undisclosed, " +
	"l.currency, l.original, l.rate, l.rate_date, l.basis, l.source, l.reported_delivered"

func lineFields(l *assist.Line) []any {
	v := &l.Valuation
	return []any{&l.ID, &l.No, &l.NSN, &l.ItemName, &l.UnitValue, &l.Pledged, &l.Committed, &l.Allocated, &l.Shipped, &l.Delivered, &l.Accepted, &l.Withdrawn, &l.QuantityUndisclosed, &l.ValueUndisclosed,
		&v.Currency, &v.Original, &v.Rate, &v.RateDate, &v.Basis, &v.Source, &l.Reported}
}

// Pledge returns the pledge with id and its lines.
func (tx *Tx) Pledge(ctx context.Context, id int64) (assist.Pledge, error) {
	return tx.db.pledge(ctx, tx, id, visibility{cond: "1 = 1"})
}

// Pledge returns the pledge with id and its lines, if the reader may see it.
func (db *DB) Pledge(ctx context.Context, id int64) (assist.Pledge, error) {
	return db.pledge(ctx, db.rq, id, db.pledgesVisible(ctx))
}

// totals are a pledge's line totals as the pledges table keeps them
// (migration 0004).
type totals struct {
	lines                                   int
	pledged, committed, delivered, accepted money.Cents
	openLines                               int
	open                                    money.Cents
	undisclosed                             int // lines of undisclosed quantity or value
}

func pledgeTotals(p *assist.Pledge) totals {
	var t totals
	for i := range p.Lines {
		l := &p.Lines[i]
		t.lines++
		t.pledged += l.Value(l.Pledged)
		t.committed += l.Value(l.Committed)
		t.delivered += l.Value(l.Delivered)
		t.accepted += l.Value(l.Accepted)
		if l.QuantityUndisclosed || l.ValueUndisclosed {
			t.undisclosed++
		}
		if l.Delivered < l.Pledged {
			t.openLines++
			t.open += l.Value(l.Pledged - l.Delivered)
		}
	}
	return t
}

// checkLedger refuses a pledge whose value would take all the pledges
// together above assist.MaxLedger.
func (tx *Tx) checkLedger(ctx context.Context, p *assist.Pledge) error {
	var others money.Cents
	if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(amount + pledged_value), 0) FROM pledges WHERE id <> ?`, p.ID).Scan(&others); err != nil {
		return fmt.Errorf("ledger total: %w", err)
	}
	return p.CheckLedger(others)
}

// checkLedgerMass refuses a pledge whose goods would take the weight of
// all pledged goods above catalog.MaxLoadG.
func (tx *Tx) checkLedgerMass(ctx context.Context, p *assist.Pledge) error {
	var others int64
	if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(l.pledged * i.mass_g), 0) FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE l.pledge_id <> ?`, p.ID).Scan(&others); err != nil {
		return fmt.Errorf("ledger mass: %w", err)
	}
	mass := map[string]int64{}
	for _, l := range p.Lines {
		if _, ok := mass[l.NSN]; ok {
			continue
		}
		var m int64
		if err := tx.queryRow(ctx, `SELECT mass_g FROM items WHERE nsn = ?`, l.NSN).Scan(&m); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("mass of %s: %w", l.NSN, err)
		}
		mass[l.NSN] = m
	}
	return p.CheckMass(others, func(nsn string) int64 { return mass[nsn] })
}

// writeTotals stores the totals of p's lines on its row.
func (tx *Tx) writeTotals(ctx context.Context, p *assist.Pledge) error {
	t := pledgeTotals(p)
	_, err := tx.exec(ctx, `UPDATE pledges SET line_count = ?, pledged_value = ?, committed_value = ?, delivered_value = ?, accepted_value = ?, open_lines = ?, open_value = ?, undisclosed_lines = ? WHERE id = ?`,
		t.lines, t.pledged, t.committed, t.delivered, t.accepted, t.openLines, t.open, t.undisclosed, p.ID)
	return err
}

// writeAmountValuation stores where p's amount comes from.
func (tx *Tx) writeAmountValuation(ctx context.Context, p *assist.Pledge) error {
	v := p.AmountValuation
	_, err := tx.exec(ctx, `UPDATE pledges SET amount_currency = ?, amount_original = ?, amount_rate = ?, amount_rate_date = ?, amount_basis = ?, amount_source = ? WHERE id = ?`,
		v.Currency, v.Original, v.Rate, v.RateDate, v.Basis, v.Source, p.ID)
	return mapConstraint(err, p.Ref())
}

// CreatePledge inserts a pledge and its lines, setting their ids.
func (tx *Tx) CreatePledge(ctx context.Context, p *assist.Pledge) error {
	p.Version = 1
	aud, err := tx.audience(p.Nation, p.ReleasableTo)
	if err != nil {
		return err
	}
	if err := p.CheckMoney(); err != nil {
		return err
	}
	id, err := tx.insertAs(ctx, "pledges", p.ID, `INSERT INTO pledges (id, nation, title, description, kind, aid, instrument, channel, category, announced, promised, announced_precision, promised_precision, announced_until, promised_from, reference, depot, amount, value_undisclosed, amount_committed, amount_disbursed, classification, releasable_to, audience, illustrative, state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		p.Nation, p.Title, p.Description, p.Kind, p.Aid, p.Instrument, p.Channel, p.Category, p.Announced, p.Promised, precisionOf(p.AnnouncedPrecision), precisionOf(p.PromisedPrecision), p.AnnouncedUntil, p.PromisedFrom, p.Reference, p.Depot, p.Amount, p.ValueUndisclosed, p.AmountCommitted, p.AmountDisbursed, int(p.Marking.Classification),
		strings.Join(p.Marking.ReleasableTo, ","), aud, p.Illustrative, p.State(), ts(p.CreatedAt), ts(p.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "pledge")
	}
	p.ID = id
	if p.AmountValuation != (assist.Valuation{}) {
		if err := tx.writeAmountValuation(ctx, p); err != nil {
			return err
		}
	}
	for i := range p.Lines {
		l := &p.Lines[i]
		if err := l.Check(); err != nil {
			return err
		}
		v := l.Valuation
		lid, err := tx.insertID(ctx, `INSERT INTO pledge_lines (pledge_id, no, nsn, unit_value, pledged, committed, allocated, shipped, delivered, accepted, withdrawn, quantity_undisclosed, value_undisclosed,
			currency, original, rate, rate_date, basis, source, reported_delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, l.No, l.NSN, l.UnitValue, l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted, l.Withdrawn, l.QuantityUndisclosed, l.ValueUndisclosed,
			v.Currency, v.Original, v.Rate, v.RateDate, v.Basis, v.Source, l.Reported)
		if err != nil {
			return mapConstraint(err, fmt.Sprintf("line %d", l.No))
		}
		l.ID = lid
		if err := tx.recordStages(ctx, id, l); err != nil {
			return err
		}
	}
	if err := tx.checkLedger(ctx, p); err != nil {
		return err
	}
	if err := tx.checkLedgerMass(ctx, p); err != nil {
		return err
	}
	return tx.writeTotals(ctx, p)
}

// UpdatePledge writes a pledge's fields, its amount's valuation and its
// lines' quantities, unit values and valuations if its stored version is
// version.
func (tx *Tx) UpdatePledge(ctx context.Context, p *assist.Pledge, version int64) error {
	aud, err := tx.audience(p.Nation, p.ReleasableTo)
	if err != nil {
		return err
	}
	// A larger amount, a line revalued upwards or a quantity disclosed
	// makes a pledge worth more, and a disclosed quantity weigh more: the
	// ledger's total and its mass are checked then.
	var was money.Cents
	var units int64
	if err := tx.queryRow(ctx, `SELECT p.amount + p.pledged_value, COALESCE((SELECT SUM(l.pledged) FROM pledge_lines l WHERE l.pledge_id = p.id), 0) FROM pledges p WHERE p.id = ?`, p.ID).Scan(&was, &units); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", p.Ref(), err)
	}
	if worth, _, _ := p.Value(); worth > was {
		if err := tx.checkLedger(ctx, p); err != nil {
			return err
		}
	}
	var now int64
	for _, l := range p.Lines {
		now += l.Pledged
	}
	if now > units {
		if err := tx.checkLedgerMass(ctx, p); err != nil {
			return err
		}
	}
	if err := p.CheckMoney(); err != nil {
		return err
	}
	av := p.AmountValuation
	res, err := tx.exec(ctx, `UPDATE pledges SET title = ?, description = ?, kind = ?, aid = ?, instrument = ?, channel = ?, category = ?, announced = ?, promised = ?, announced_precision = ?, promised_precision = ?, announced_until = ?, promised_from = ?, reference = ?, depot = ?, amount = ?, value_undisclosed = ?, amount_committed = ?, amount_disbursed = ?, classification = ?, releasable_to = ?, audience = ?,
		amount_currency = ?, amount_original = ?, amount_rate = ?, amount_rate_date = ?, amount_basis = ?, amount_source = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		p.Title, p.Description, p.Kind, p.Aid, p.Instrument, p.Channel, p.Category, p.Announced, p.Promised, precisionOf(p.AnnouncedPrecision), precisionOf(p.PromisedPrecision), p.AnnouncedUntil, p.PromisedFrom, p.Reference, p.Depot, p.Amount, p.ValueUndisclosed, p.AmountCommitted, p.AmountDisbursed, int(p.Marking.Classification), strings.Join(p.Marking.ReleasableTo, ","), aud,
		av.Currency, av.Original, av.Rate, av.RateDate, av.Basis, av.Source, p.State(), ts(p.UpdatedAt), p.ID, version)
	if err != nil {
		return mapConstraint(err, p.Ref())
	}
	if err := checkUpdated(res, p.Ref(), version); err != nil {
		return err
	}
	for i := range p.Lines {
		l := &p.Lines[i]
		if err := l.Check(); err != nil {
			return err
		}
		if err := tx.recordDelivery(ctx, p.ID, l.ID, l.Delivered, l.DeliveredOn); err != nil {
			return err
		}
		if err := tx.recordStages(ctx, p.ID, l); err != nil {
			return err
		}
		// A revaluation changes a line's unit value and its valuation.
		v := l.Valuation
		if _, err := tx.exec(ctx, `UPDATE pledge_lines SET pledged = ?, committed = ?, allocated = ?, shipped = ?, delivered = ?, accepted = ?, withdrawn = ?,
			unit_value = ?, currency = ?, original = ?, rate = ?, rate_date = ?, basis = ?, source = ?, reported_delivered = ?, quantity_undisclosed = ? WHERE id = ? AND pledge_id = ?`,
			l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted, l.Withdrawn,
			l.UnitValue, v.Currency, v.Original, v.Rate, v.RateDate, v.Basis, v.Source, l.Reported, l.QuantityUndisclosed, l.ID, p.ID); err != nil {
			return mapConstraint(err, fmt.Sprintf("%s line %d", p.Ref(), l.No))
		}
	}
	p.Version = version + 1
	return tx.writeTotals(ctx, p)
}

const allocationColumns = "a.id, a.pledge_id, a.line_id, a.requirement_id, a.quantity, a.shipped, a.delivered, a.accepted, a.opening_shipped, a.opening_delivered, a.created_at, l.no, p.nation"

const allocationFrom = " FROM allocations a JOIN pledge_lines l ON l.id = a.line_id JOIN pledges p ON p.id = a.pledge_id"

func scanAllocations(rows *sql.Rows) ([]assist.Allocation, error) {
	defer rows.Close()
	var out []assist.Allocation
	for rows.Next() {
		var a assist.Allocation
		var created string
		if err := rows.Scan(&a.ID, &a.PledgeID, &a.LineID, &a.Requirement, &a.Quantity, &a.Shipped, &a.Delivered, &a.Accepted, &a.OpeningShipped, &a.OpeningDelivered, &created, &a.LineNo, &a.Nation); err != nil {
			return nil, err
		}
		a.CreatedAt = parseTS(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// LineAllocations returns a line's allocations, oldest first.
func (tx *Tx) LineAllocations(ctx context.Context, lineID int64) ([]assist.Allocation, error) {
	rows, err := tx.query(ctx, `SELECT `+allocationColumns+allocationFrom+` WHERE a.line_id = ? ORDER BY a.id`, lineID)
	if err != nil {
		return nil, err
	}
	return scanAllocations(rows)
}

// RequirementAllocations returns the allocations set against a requirement.
func (tx *Tx) RequirementAllocations(ctx context.Context, reqID int64) ([]assist.Allocation, error) {
	rows, err := tx.query(ctx, `SELECT `+allocationColumns+allocationFrom+` WHERE a.requirement_id = ? ORDER BY a.id`, reqID)
	if err != nil {
		return nil, err
	}
	return scanAllocations(rows)
}

// Allocations returns the allocations of a pledge (pledgeID > 0) or of a
// requirement (reqID > 0).
func (db *DB) Allocations(ctx context.Context, pledgeID, reqID int64) ([]assist.Allocation, error) {
	// An allocation shows both sides: the reader must see the pledge and
	// the requirement.
	v := db.pledgesVisible(ctx).and(db.requirementsVisible(ctx))
	from := allocationFrom + " JOIN requirements r ON r.id = a.requirement_id"
	q, arg := `SELECT `+allocationColumns+from+` WHERE a.pledge_id = ? AND `+v.cond+` ORDER BY a.id`, pledgeID
	if reqID > 0 {
		q, arg = `SELECT `+allocationColumns+from+` WHERE a.requirement_id = ? AND `+v.cond+` ORDER BY a.id`, reqID
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q), append([]any{arg}, v.args...)...)
	if err != nil {
		return nil, err
	}
	return scanAllocations(rows)
}

// SaveAllocation inserts an allocation without an id, or updates one.
func (tx *Tx) SaveAllocation(ctx context.Context, a *assist.Allocation) error {
	if a.ID == 0 {
		id, err := tx.insertID(ctx, `INSERT INTO allocations (pledge_id, line_id, requirement_id, quantity, shipped, delivered, accepted, opening_shipped, opening_delivered, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.PledgeID, a.LineID, a.Requirement, a.Quantity, a.Shipped, a.Delivered, a.Accepted, a.OpeningShipped, a.OpeningDelivered, ts(a.CreatedAt))
		if err != nil {
			return mapConstraint(err, "allocation")
		}
		a.ID = id
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE allocations SET quantity = ?, shipped = ?, delivered = ?, accepted = ?, opening_shipped = ?, opening_delivered = ? WHERE id = ?`, a.Quantity, a.Shipped, a.Delivered, a.Accepted, a.OpeningShipped, a.OpeningDelivered, a.ID)
	return mapConstraint(err, "allocation")
}

// The totals of a pledge's lines are kept on its row (migration 0004).
const (
	pledgeValue     = "(p.amount + p.pledged_value)"
	pledgeDelivered = "p.delivered_value"
	pledgeAccepted  = "p.accepted_value"
	pledgeLineCount = "p.line_count"
	pledgeOpenLines = "p.open_lines"
)

// Pledges lists pledges with the totals of their lines.
func (db *DB) Pledges(ctx context.Context, f assist.PledgeFilter, o list.Options, today string) (list.Page[assist.PledgeSummary], error) {
	q := &listQuery{
		from:    "pledges p",
		columns: pledgeColumns + ", " + pledgeLineCount + ", " + pledgeValue + ", " + pledgeDelivered + ", " + pledgeAccepted + ", CASE WHEN p.promised < ? THEN " + pledgeOpenLines + " ELSE 0 END",
		key:     "p.id",
		sorts: map[string]string{"id": "p.id", "nation": "p.nation", "announced": "p.announced", "promised": "p.promised", "title": "p.title",
			"value": pledgeValue, "delivered": pledgeDelivered, "updated_at": "p.updated_at"},
		def: "-id",
	}
	q.visible(db.pledgesVisible(ctx))
	if f.Nation != "" {
		q.filter("p.nation = ?", strings.ToUpper(f.Nation))
	}
	if f.Kind != "" {
		q.filter("p.kind = ?", f.Kind)
	}
	if f.Aid != "" {
		q.filter("p.aid = ?", f.Aid)
	}
	if f.Instrument != "" {
		q.filter("p.instrument = ?", f.Instrument)
	}
	if f.Channel != "" {
		q.filter("p.channel = ?", f.Channel)
	}
	if f.Category != "" {
		q.filter("p.category = ?", f.Category)
	}
	if f.State != "" {
		q.filter("p.state = ?", f.State)
	}
	if f.Overdue != "" {
		q.filter("p.promised < ? AND p.open_lines > 0", f.Overdue)
	}
	if f.PromisedFrom != "" {
		q.filter("p.promised >= ?", f.PromisedFrom)
	}
	if f.PromisedTo != "" {
		q.filter("p.promised <= ?", f.PromisedTo)
	}
	if f.Capability != "" {
		open := ""
		if f.Overdue != "" {
			open = " AND l.delivered < l.pledged"
		}
		q.filter("p.id IN (SELECT l.pledge_id FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE i.capability = ?"+open+")", f.Capability)
	}
	if f.Among != nil {
		if len(f.Among) == 0 {
			q.filter("1 = 0")
		} else {
			args := make([]any, len(f.Among))
			for i, id := range f.Among {
				args[i] = id
			}
			q.filter("p.id IN (?"+strings.Repeat(", ?", len(f.Among)-1)+")", args...)
		}
	}
	// Line.ToCommit and Line.ToAccept, in SQL.
	if f.ToCommit {
		q.filter("p.id IN (SELECT l.pledge_id FROM pledge_lines l WHERE l.committed < l.pledged)")
	}
	if f.ToAccept {
		q.filter("p.id IN (SELECT l.pledge_id FROM pledge_lines l WHERE l.accepted < l.delivered)")
	}
	if f.Q != "" {
		q.filter("(LOWER(p.title) LIKE ? ESCAPE '\\' OR LOWER(p.description) LIKE ? ESCAPE '\\' OR LOWER(p.reference) LIKE ? ESCAPE '\\' OR p.id IN (SELECT l.pledge_id FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE LOWER(i.name) LIKE ? ESCAPE '\\' OR l.nsn LIKE ? ESCAPE '\\'))",
			likePattern(f.Q), likePattern(f.Q), likePattern(f.Q), likePattern(f.Q), likePattern(f.Q))
	}
	q.colArgs = []any{today}
	p, err := runList(ctx, db, q, o, func() (*pledgeRow, []any) {
		row, dest := pledgeFields()
		return row, append(dest, &row.LineCount, &row.PledgedValue, &row.DeliveredValue, &row.AcceptedValue, &row.OverdueLines)
	})
	out := list.Page[assist.PledgeSummary]{Next: p.Next, Total: p.Total, Items: make([]assist.PledgeSummary, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].summary()
	}
	return out, err
}
