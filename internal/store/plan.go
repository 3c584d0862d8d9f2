package store

import (
	"context"
	"strings"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
)

// Outstanding reads what the ledger holds open, over what the reader may
// see: every pledge line's committed and unallocated quantity, oldest
// promise first, and every active requirement's unallocated quantity, most
// urgent first. A pledge that names no depot leaves its stock's depot
// empty, for the planner to choose.
func (db *DB) Outstanding(ctx context.Context) (assist.Outstanding, error) {
	return db.outstanding(ctx, db.rq)
}

// Outstanding is DB.Outstanding inside the transaction, so that an
// approval reads the same inputs, and computes the same fingerprint, as
// the one that writes.
func (tx *Tx) Outstanding(ctx context.Context) (assist.Outstanding, error) {
	return tx.db.outstanding(ctx, tx)
}

func (db *DB) outstanding(ctx context.Context, q querier) (assist.Outstanding, error) {
	var out assist.Outstanding
	pv := db.pledgesVisible(ctx)
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT p.id, l.id, p.nation, p.depot, p.classification, l.committed - l.allocated, l.committed, l.allocated, i.nsn, i.name, i.capability, i.unit_of_issue, l.unit_value, i.mass_g, i.volume_cm3, i.grp
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id JOIN items i ON i.nsn = l.nsn
		WHERE l.committed > l.allocated AND `+pv.cond+` ORDER BY p.promised, p.id, l.no`), pv.args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var s assist.Stock
		it := &s.Item
		if err := rows.Scan(&s.Pledge, &s.Line, &s.Nation, &s.Depot, &s.Marking, &s.Quantity, &s.Committed, &s.Allocated, &it.NSN, &it.Name, &it.Capability, &it.UnitOfIssue, &it.UnitValue, &it.MassG, &it.VolumeCM3, &it.Group); err != nil {
			rows.Close()
			return out, err
		}
		out.Stock = append(out.Stock, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	rv := db.requirementsVisible(ctx)
	rows, err = q.QueryContext(ctx, db.rebind(`SELECT r.id, r.classification, COALESCE(r.nsn, ''), r.grp, r.quantity - r.allocated, r.quantity, r.allocated, r.priority, r.need_by, r.delivery_site,
		COALESCE(i.name, ''), COALESCE(i.mass_g, 0), COALESCE(i.grp, '')
		FROM requirements r LEFT JOIN items i ON i.nsn = r.nsn
		WHERE r.state IN ('open', 'partly_allocated') AND r.quantity > r.allocated AND `+rv.cond+` ORDER BY r.priority, r.need_by, r.id`), rv.args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var nd assist.Need
		var name, grp string
		var mass int64
		if err := rows.Scan(&nd.Requirement, &nd.Marking, &nd.NSN, &nd.Group, &nd.Quantity, &nd.Total, &nd.Allocated, &nd.Priority, &nd.NeedBy, &nd.Site, &name, &mass, &grp); err != nil {
			return out, err
		}
		if nd.NSN != "" {
			nd.Item = &catalog.Item{NSN: nd.NSN, Name: name, MassG: mass, Group: strings.TrimSpace(grp)}
		}
		out.Needs = append(out.Needs, nd)
	}
	return out, rows.Err()
}
