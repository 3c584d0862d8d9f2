package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/logistics"
)

// stageColumns are the columns of pledge_lines whose quantity reaching
// the line's pledged quantity puts the line at each stage of line_stages.
var stageColumns = []struct {
	stage forecast.Stage
	qty   func(l *assist.Line) int64
}{
	{forecast.Committed, func(l *assist.Line) int64 { return l.Committed }},
	{forecast.Allocated, func(l *assist.Line) int64 { return l.Allocated }},
	{forecast.Shipped, func(l *assist.Line) int64 { return l.Shipped }},
	{forecast.Delivered, func(l *assist.Line) int64 { return l.Delivered }},
}

// recordStages writes the day line l of pledge pledgeID reached each stage
// its whole quantity now holds, unless it reached it before: the day of
// the write, or the day its delivery is recorded on.
func (tx *Tx) recordStages(ctx context.Context, pledgeID int64, l *assist.Line) error {
	if l.Pledged <= 0 {
		return nil
	}
	day := tx.now.Format(assist.DateLayout)
	var rows []string
	var args []any
	for _, c := range stageColumns {
		if c.qty(l) < l.Pledged {
			break
		}
		on := day
		if c.stage == forecast.Delivered && l.DeliveredOn != "" {
			on = l.DeliveredOn
		}
		rows = append(rows, "(?, ?, ?, ?)")
		args = append(args, l.ID, pledgeID, c.stage.String(), on)
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO line_stages (line_id, pledge_id, stage, on_date) VALUES `+strings.Join(rows, ", ")+` ON CONFLICT (line_id, stage) DO NOTHING`, args...)
	return err
}

// queryer is a read connection or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// ForecastLines reads every pledge line the reader may see with what the
// forecasts need: who pledged it by which channel, its capability, its
// promised date, its quantities, the day it reached each stage and the
// shipments carrying it that the reader may see.
func (db *DB) ForecastLines(ctx context.Context) ([]forecast.Line, error) {
	return forecastLines(ctx, db.rq, db.dialect, db.pledgesVisible(ctx), db.shipmentsVisible(ctx))
}

// ForecastLines reads every pledge line, as the early-warning check does.
func (tx *Tx) ForecastLines(ctx context.Context) ([]forecast.Line, error) {
	all := visibility{cond: "1 = 1"}
	return forecastLines(ctx, tx.tx, tx.db.dialect, all, all)
}

func forecastLines(ctx context.Context, q queryer, dialect string, pv, sv visibility) ([]forecast.Line, error) {
	rows, err := q.QueryContext(ctx, rebind(dialect, `SELECT p.id, l.id, l.no, p.title, p.nation, n.name, p.channel, i.capability, l.nsn, i.name,
		p.announced, p.promised, p.promised_precision, p.promised_from, l.pledged, l.shipped, l.delivered, p.classification, p.releasable_to
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id JOIN items i ON i.nsn = l.nsn JOIN nations n ON n.code = p.nation
		WHERE l.pledged > 0 AND `+pv.cond+` ORDER BY p.id, l.no`), pv.args...)
	if err != nil {
		return nil, err
	}
	var out []forecast.Line
	idx := map[int64]int{}
	for rows.Next() {
		var l forecast.Line
		var announced, promised, precision, from, rel string
		var class int
		if err := rows.Scan(&l.Pledge, &l.ID, &l.No, &l.Title, &l.Nation, &l.NationName, &l.Channel, &l.Capability, &l.NSN, &l.ItemName,
			&announced, &promised, &precision, &from, &l.Pledged, &l.Shipped, &l.Delivered, &class, &rel); err != nil {
			rows.Close()
			return nil, err
		}
		l.Reached[forecast.Pledged], _ = forecast.ParseDay(announced)
		l.Promised, _ = forecast.ParseDay(promised)
		l.PromisedText = assist.Pledge{Promised: promised, PromisedPrecision: precision, PromisedFrom: from}.PromisedWords()
		l.Marking = access.Marking{Classification: access.Classification(class), ReleasableTo: access.ParseReleasability(rel)}
		idx[l.ID] = len(out)
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, rebind(dialect, `SELECT ls.line_id, ls.stage, ls.on_date FROM line_stages ls JOIN pledges p ON p.id = ls.pledge_id WHERE `+pv.cond), pv.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var line int64
		var stage, on string
		if err := rows.Scan(&line, &stage, &on); err != nil {
			rows.Close()
			return nil, err
		}
		i, ok := idx[line]
		st, known := forecast.ParseStage(stage)
		if !ok || !known {
			continue
		}
		out[i].Reached[st], _ = forecast.ParseDay(on)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	v := pv.and(sv)
	rows, err = q.QueryContext(ctx, rebind(dialect, `SELECT sl.line_id, s.id, s.state, s.eta, s.dispatched_at, s.received_at, s.legs, SUM(sl.quantity), SUM(sl.quantity * sl.unit_value)
		FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id JOIN pledges p ON p.id = sl.pledge_id
		WHERE s.state <> 'cancelled' AND `+v.cond+`
		GROUP BY sl.line_id, s.id, s.state, s.eta, s.dispatched_at, s.received_at, s.legs ORDER BY sl.line_id, s.id`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var line int64
		var c forecast.Carrier
		var state, eta, dispatched, received, legs string
		if err := rows.Scan(&line, &c.Shipment, &state, &eta, &dispatched, &received, &legs, &c.Quantity, &c.Value); err != nil {
			return nil, err
		}
		i, ok := idx[line]
		if !ok {
			continue
		}
		c.ETAAt = parseTS(eta)
		c.ETA = forecast.DayOf(c.ETAAt)
		c.PlannedETA = c.ETA
		if dispatched != "" {
			at := parseTS(dispatched)
			c.Dispatched = forecast.DayOf(at)
			var ls []logistics.Leg
			if err := json.Unmarshal([]byte(legs), &ls); err != nil {
				return nil, fmt.Errorf("S-%05d legs: %w", c.Shipment, err)
			}
			c.PlannedETA = forecast.DayOf(logistics.Schedule(ls, 0, at))
		}
		if received != "" {
			c.Received = forecast.DayOf(parseTS(received))
		}
		c.Arrived = state == logistics.Delivered || state == logistics.Received
		out[i].Carriers = append(out[i].Carriers, c)
	}
	return out, rows.Err()
}

const flagColumns = `f.id, f.pledge_id, f.line_id, l.no, p.nation, f.reason, f.words, f.days, COALESCE(f.shipment_id, 0), f.flagged_on, f.closed_on, f.outcome, f.closed_days, p.classification, p.releasable_to`

const flagFrom = ` FROM risk_flags f JOIN pledges p ON p.id = f.pledge_id JOIN pledge_lines l ON l.id = f.line_id`

func scanFlags(rows *sql.Rows) ([]forecast.Flag, error) {
	defer rows.Close()
	out := []forecast.Flag{}
	for rows.Next() {
		var f forecast.Flag
		var flagged, closed, rel string
		var class int
		if err := rows.Scan(&f.ID, &f.Pledge, &f.Line, &f.LineNo, &f.Nation, &f.Reason, &f.Words, &f.Days, &f.Shipment, &flagged, &closed, &f.Outcome, &f.ClosedDays, &class, &rel); err != nil {
			return nil, err
		}
		f.FlaggedOn, _ = forecast.ParseDay(flagged)
		f.ClosedOn, _ = forecast.ParseDay(closed)
		f.Marking = access.Marking{Classification: access.Classification(class), ReleasableTo: access.ParseReleasability(rel)}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RiskFlags lists the early-warning flags of the pledges the reader may
// see, the latest first.
func (db *DB) RiskFlags(ctx context.Context, f forecast.FlagFilter) ([]forecast.Flag, error) {
	v := db.pledgesVisible(ctx)
	q := `SELECT ` + flagColumns + flagFrom + ` WHERE ` + v.cond
	args := append([]any(nil), v.args...)
	if f.Pledge != 0 {
		q += ` AND f.pledge_id = ?`
		args = append(args, f.Pledge)
	}
	if f.Line != 0 {
		q += ` AND f.line_id = ?`
		args = append(args, f.Line)
	}
	if f.Open {
		q += ` AND f.closed_on = ''`
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY f.flagged_on DESC, f.id DESC`), args...)
	if err != nil {
		return nil, err
	}
	return scanFlags(rows)
}

// OpenFlags returns every flag still open, for the early-warning check.
func (tx *Tx) OpenFlags(ctx context.Context) ([]forecast.Flag, error) {
	rows, err := tx.query(ctx, `SELECT `+flagColumns+flagFrom+` WHERE f.closed_on = '' ORDER BY f.id`)
	if err != nil {
		return nil, err
	}
	return scanFlags(rows)
}

// SaveFlag inserts a new flag, or closes an open one.
func (tx *Tx) SaveFlag(ctx context.Context, f *forecast.Flag) error {
	if f.ID == 0 {
		var ship any
		if f.Shipment != 0 {
			ship = f.Shipment
		}
		id, err := tx.insertID(ctx, `INSERT INTO risk_flags (pledge_id, line_id, reason, words, days, shipment_id, flagged_on) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			f.Pledge, f.Line, f.Reason, f.Words, f.Days, ship, f.FlaggedOn.String())
		f.ID = id
		return mapConstraint(err, f.Ref())
	}
	res, err := tx.exec(ctx, `UPDATE risk_flags SET closed_on = ?, outcome = ?, closed_days = ? WHERE id = ? AND closed_on = ''`, f.ClosedOn.String(), f.Outcome, f.ClosedDays, f.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("close flag %d of %s: %d rows (%v)", f.ID, f.Ref(), n, err)
	}
	return nil
}

// Forecast adapts Transact to the forecasts' Store interface.
type Forecast struct{ DB *DB }

// Transact runs fn in one write transaction.
func (f Forecast) Transact(ctx context.Context, fn func(forecast.Tx) error) error {
	return f.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}
