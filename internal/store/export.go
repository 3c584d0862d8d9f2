package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/list"
)

// all pages through a list to its end.
func all[T any](ctx context.Context, page func(list.Options) (list.Page[T], error), sort string) ([]T, error) {
	var out []T
	o := list.Options{Sort: sort, Limit: list.MaxLimit}
	for {
		p, err := page(o)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		o.Cursor = p.Next
	}
}

// AllItems returns every item that matches f, by NSN.
func (db *DB) AllItems(ctx context.Context, f catalog.ItemFilter) ([]catalog.Item, error) {
	return all(ctx, func(o list.Options) (list.Page[catalog.Item], error) { return db.Items(ctx, f, o) }, "nsn")
}

// AllRequirements returns every requirement that matches f, by id.
func (db *DB) AllRequirements(ctx context.Context, f assist.RequirementFilter) ([]assist.Requirement, error) {
	return all(ctx, func(o list.Options) (list.Page[assist.Requirement], error) { return db.Requirements(ctx, f, o) }, "id")
}

// AllPledges returns every pledge that matches f with its lines, by id.
func (db *DB) AllPledges(ctx context.Context, f assist.PledgeFilter, today string) ([]assist.Pledge, error) {
	sums, err := all(ctx, func(o list.Options) (list.Page[assist.PledgeSummary], error) { return db.Pledges(ctx, f, o, today) }, "id")
	if err != nil {
		return nil, err
	}
	out := make([]assist.Pledge, len(sums))
	index := make(map[int64]int, len(sums))
	for i := range sums {
		out[i] = sums[i].Pledge
		out[i].Lines = []assist.Line{}
		index[sums[i].ID] = i
	}
	// Lines are read in chunks of ids, one query per chunk.
	for start := 0; start < len(out); start += 500 {
		end := min(start+500, len(out))
		ids := make([]any, 0, end-start)
		for _, p := range out[start:end] {
			ids = append(ids, p.ID)
		}
		q := `SELECT l.pledge_id, ` + lineColumns + `
			FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE l.pledge_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `) ORDER BY l.pledge_id, l.no`
		// Lists of ids vary in length: not worth a prepared statement each.
		rows, err := db.read.QueryContext(ctx, db.rebind(q), ids...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var pid int64
			var l assist.Line
			if err := rows.Scan(append([]any{&pid}, lineFields(&l)...)...); err != nil {
				rows.Close()
				return nil, err
			}
			p := &out[index[pid]]
			p.Lines = append(p.Lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AllProgress returns how far every pledge that matches f has come, by id:
// its lines and payments, the allocations the reader may see (of a
// requirement the reader may see too) and each line's deliveries by day.
func (db *DB) AllProgress(ctx context.Context, f assist.PledgeFilter, today string) ([]assist.Progress, error) {
	ps, err := db.AllPledges(ctx, f, today)
	if err != nil {
		return nil, err
	}
	out := make([]assist.Progress, len(ps))
	index := make(map[int64]int, len(ps))
	for i := range ps {
		out[i].Pledge = ps[i]
		index[ps[i].ID] = i
	}
	v := db.pledgesVisible(ctx).and(db.requirementsVisible(ctx))
	for start := 0; start < len(out); start += 500 {
		end := min(start+500, len(out))
		ids := make([]any, 0, end-start)
		for _, p := range out[start:end] {
			ids = append(ids, p.Pledge.ID)
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		// Lists of ids vary in length: not worth a prepared statement each.
		rows, err := db.read.QueryContext(ctx, db.rebind(`SELECT `+allocationColumns+allocationFrom+` JOIN requirements r ON r.id = a.requirement_id
			WHERE a.pledge_id IN `+in+` AND `+v.cond+` ORDER BY a.id`), append(append([]any(nil), ids...), v.args...)...)
		if err != nil {
			return nil, err
		}
		allocs, err := scanAllocations(rows)
		if err != nil {
			return nil, err
		}
		for _, a := range allocs {
			pr := &out[index[a.PledgeID]]
			pr.Allocations = append(pr.Allocations, a)
		}
		if err := db.scanEach(ctx, `SELECT pledge_id, line_id, on_date, SUM(quantity) FROM deliveries WHERE pledge_id IN `+in+` GROUP BY pledge_id, line_id, on_date ORDER BY pledge_id, line_id, on_date`, ids, func(rows *sql.Rows) error {
			var pid int64
			var d assist.Delivered
			if err := rows.Scan(&pid, &d.Line, &d.Date, &d.Quantity); err != nil {
				return err
			}
			pr := &out[index[pid]]
			pr.Deliveries = append(pr.Deliveries, d)
			return nil
		}); err != nil {
			return nil, err
		}
		if err := db.scanEach(ctx, `SELECT pledge_id, id, stage, amount, on_date, evidence, recorded_by, recorded_at FROM payments WHERE pledge_id IN `+in+` ORDER BY id`, ids, func(rows *sql.Rows) error {
			var pid int64
			var pay assist.Payment
			var at string
			if err := rows.Scan(&pid, &pay.ID, &pay.Stage, &pay.Amount, &pay.Date, &pay.Evidence, &pay.RecordedBy, &at); err != nil {
				return err
			}
			pay.RecordedAt = parseTS(at)
			p := &out[index[pid]].Pledge
			p.Payments = append(p.Payments, pay)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanEach runs a read and calls scan on each of its rows.
func (db *DB) scanEach(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.read.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
