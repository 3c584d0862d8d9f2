package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
)

// Dashboard computes the ledger at a glance as of the date today
// (YYYY-MM-DD): value by nation, overdue pledge lines, open requirements by
// priority and the latest activity.
func (db *DB) Dashboard(ctx context.Context, today string, overdueLimit int) (assist.Dashboard, error) {
	d := assist.Dashboard{AsOf: today, ByNation: []assist.NationFigures{}, Overdue: []assist.OverdueLine{}}
	// Every figure is computed over what the reader may see, so that no
	// total betrays a record it does not show.
	pv, rv := db.pledgesVisible(ctx), db.requirementsVisible(ctx)
	// One row a pledge, read through the covering index pledges_by_nation:
	// each pledge keeps its lines' totals (migration 0004).
	names, err := db.nationNames(ctx)
	if err != nil {
		return d, err
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, COUNT(*), SUM(p.amount + p.pledged_value), SUM(p.committed_value + p.amount_committed), SUM(p.amount_disbursed), SUM(p.delivered_value), SUM(p.accepted_value),
		SUM(CASE WHEN p.value_undisclosed OR p.undisclosed_lines > 0 THEN 1 ELSE 0 END)
		FROM pledges p WHERE `+pv.cond+` GROUP BY p.nation`), pv.args...)
	if err != nil {
		return d, fmt.Errorf("dashboard pledges: %w", err)
	}
	for rows.Next() {
		var f assist.NationFigures
		if err := rows.Scan(&f.Nation, &f.Pledges, &f.Pledged, &f.Committed, &f.Disbursed, &f.Delivered, &f.Accepted, &f.Undisclosed); err != nil {
			rows.Close()
			return d, err
		}
		f.Name = names[f.Nation]
		f.Undelivered = f.Pledged - f.Delivered - f.Disbursed
		d.ByNation = append(d.ByNation, f)
		t := &d.Totals
		t.Pledges += f.Pledges
		t.Pledged += f.Pledged
		t.Committed += f.Committed
		t.Disbursed += f.Disbursed
		t.Delivered += f.Delivered
		t.Accepted += f.Accepted
		t.Undelivered += f.Undelivered
		t.Undisclosed += f.Undisclosed
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	d.Totals.Nation, d.Totals.Name = "ALL", "All nations"
	sort.Slice(d.ByNation, func(i, j int) bool {
		if d.ByNation[i].Pledged != d.ByNation[j].Pledged {
			return d.ByNation[i].Pledged > d.ByNation[j].Pledged
		}
		return d.ByNation[i].Nation < d.ByNation[j].Nation
	})
	if err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*), COALESCE(SUM(p.open_lines), 0), COALESCE(SUM(p.open_value), 0)
		FROM pledges p WHERE p.promised < ? AND p.open_lines > 0 AND `+pv.cond), append([]any{today}, pv.args...)...).Scan(&d.OverduePledges, &d.OverdueCount, &d.OverdueValue); err != nil {
		return d, fmt.Errorf("dashboard overdue: %w", err)
	}
	day, _ := time.Parse(assist.DateLayout, today)
	rows, err = db.rq.QueryContext(ctx, db.rebind(fmt.Sprintf(`SELECT p.id, p.nation, p.title, l.id, l.no, l.nsn, i.name, p.promised, l.pledged - l.delivered, (l.pledged - l.delivered) * l.unit_value
		FROM (SELECT p.id, p.nation, p.title, p.promised FROM pledges p WHERE p.promised < ? AND p.open_lines > 0 AND %s ORDER BY p.promised, p.id LIMIT ?) p
		JOIN pledge_lines l ON l.pledge_id = p.id JOIN items i ON i.nsn = l.nsn
		WHERE l.delivered < l.pledged ORDER BY p.promised, p.id, l.no LIMIT ?`, pv.cond)), append(append([]any{today}, pv.args...), overdueLimit, overdueLimit)...)
	if err != nil {
		return d, fmt.Errorf("dashboard overdue lines: %w", err)
	}
	for rows.Next() {
		var o assist.OverdueLine
		if err := rows.Scan(&o.Pledge, &o.Nation, &o.Title, &o.Line, &o.No, &o.NSN, &o.ItemName, &o.Promised, &o.Outstanding, &o.Value); err != nil {
			rows.Close()
			return d, err
		}
		o.Ref = (&assist.Pledge{ID: o.Pledge}).Ref()
		if pd, err := time.Parse(assist.DateLayout, o.Promised); err == nil {
			o.DaysLate = int(day.Sub(pd).Hours() / 24)
		}
		d.Overdue = append(d.Overdue, o)
	}
	rows.Close()

	seen, seenArgs := db.requirementsSeen(ctx)
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT r.priority, COUNT(*), SUM(r.quantity - r.allocated), SUM(CASE WHEN r.need_by < ? THEN 1 ELSE 0 END)
		FROM `+seen+` WHERE r.state IN ('open', 'partly_allocated', 'allocated', 'awaiting_acceptance') AND `+rv.cond+` GROUP BY r.priority ORDER BY r.priority`), append(append([]any{today}, seenArgs...), rv.args...)...)
	if err != nil {
		return d, fmt.Errorf("dashboard requirements: %w", err)
	}
	have := map[int]assist.PriorityFigures{}
	for rows.Next() {
		var p assist.PriorityFigures
		if err := rows.Scan(&p.Priority, &p.Count, &p.Quantity, &p.Overdue); err != nil {
			rows.Close()
			return d, err
		}
		have[p.Priority] = p
	}
	rows.Close()
	for pr := 1; pr <= 4; pr++ {
		p := have[pr]
		p.Priority = pr
		d.OpenByPriority = append(d.OpenByPriority, p)
	}
	d.Recent, err = db.Events(ctx, "", "", 12)
	return d, err
}
