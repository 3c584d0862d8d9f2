package store

import (
	"context"
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
