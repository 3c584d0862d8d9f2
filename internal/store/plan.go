package store

import (
	"context"
	"strings"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/plan"
)

// PlanInput reads what an allocation plan is made from, over what the
// reader may see: every pledge line's committed and unallocated quantity at
// its pledge's depot, or else a donor depot of its nation (the first by
// code), and every active requirement's unallocated quantity.
func (db *DB) PlanInput(ctx context.Context) (plan.Input, error) {
	var in plan.Input
	n, err := db.Network(ctx)
	if err != nil {
		return in, err
	}
	in.Network = n
	depots := map[string]string{}
	for code, s := range n.Sites {
		if s.HasKind("donor_depot") {
			if d, ok := depots[s.Nation]; !ok || code < d {
				depots[s.Nation] = code
			}
		}
	}
	pv := db.pledgesVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.id, l.id, p.nation, p.depot, p.classification, l.committed - l.allocated, l.committed, l.allocated, i.nsn, i.name, i.capability, i.unit_of_issue, i.unit_value, i.mass_g, i.volume_cm3, i.grp
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id JOIN items i ON i.nsn = l.nsn
		WHERE l.committed > l.allocated AND `+pv.cond+` ORDER BY p.promised, p.id, l.no`), pv.args...)
	if err != nil {
		return in, err
	}
	for rows.Next() {
		var s plan.Stock
		it := &s.Item
		var depot string
		if err := rows.Scan(&s.Pledge, &s.Line, &s.Nation, &depot, &s.Marking, &s.Quantity, &s.Committed, &s.Allocated, &it.NSN, &it.Name, &it.Capability, &it.UnitOfIssue, &it.UnitValue, &it.MassG, &it.VolumeCM3, &it.Group); err != nil {
			rows.Close()
			return in, err
		}
		s.Depot = depot
		if s.Depot == "" {
			s.Depot = depots[s.Nation]
		}
		in.Stock = append(in.Stock, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, err
	}
	rv := db.requirementsVisible(ctx)
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT r.id, r.classification, COALESCE(r.nsn, ''), r.grp, r.quantity - r.allocated, r.quantity, r.allocated, r.priority, r.need_by, r.delivery_site,
		COALESCE(i.name, ''), COALESCE(i.mass_g, 0), COALESCE(i.grp, '')
		FROM requirements r LEFT JOIN items i ON i.nsn = r.nsn
		WHERE r.state IN ('open', 'partly_allocated') AND r.quantity > r.allocated AND `+rv.cond+` ORDER BY r.priority, r.need_by, r.id`), rv.args...)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	for rows.Next() {
		var nd plan.Need
		var name, grp string
		var mass int64
		if err := rows.Scan(&nd.Requirement, &nd.Marking, &nd.NSN, &nd.Group, &nd.Quantity, &nd.Total, &nd.Allocated, &nd.Priority, &nd.NeedBy, &nd.Site, &name, &mass, &grp); err != nil {
			return in, err
		}
		if nd.NSN != "" {
			nd.Item = &catalog.Item{NSN: nd.NSN, Name: name, MassG: mass, Group: strings.TrimSpace(grp)}
		}
		in.Needs = append(in.Needs, nd)
	}
	return in, rows.Err()
}
