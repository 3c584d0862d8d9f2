package store

import (
	"context"
	"fmt"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/reliability"
)

// DeliveryFacts reads every pledge line the reader of ctx may see among
// the pledge accounts (of nation, when given) with what reliability needs
// to judge it: its pledge's nation and name, channel and promised date, its
// item's capability area, its quantities and unit value, and its
// deliveries by day. It returns the highest classification of the pledges
// read. One statement reads lines and deliveries together, so that the two
// agree on either engine.
func (db *DB) DeliveryFacts(ctx context.Context, nation string) ([]reliability.Line, access.Classification, error) {
	pv := db.visible(ctx, access.AccountsRead, "p")
	where, args := pv.cond, pv.args
	if nation != "" {
		where += " AND p.nation = ?"
		args = append(args, nation)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.id, l.id, l.no, p.nation, COALESCE(n.name, ''), p.channel, i.capability, p.promised,
		l.pledged, l.delivered, l.unit_value, l.value_undisclosed, p.classification, COALESCE(d.on_date, ''), COALESCE(d.quantity, 0)
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id JOIN items i ON i.nsn = l.nsn LEFT JOIN nations n ON n.code = p.nation
		LEFT JOIN deliveries d ON d.pledge_id = p.id AND d.line_id = l.id
		WHERE `+where+` ORDER BY p.id, l.no, d.on_date, d.id`), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("delivery facts: %w", err)
	}
	defer rows.Close()
	out := []reliability.Line{}
	marking := access.Unclassified
	for rows.Next() {
		var l reliability.Line
		var d reliability.Delivery
		var m access.Classification
		if err := rows.Scan(&l.Pledge, &l.Line, &l.No, &l.Nation, &l.NationName, &l.Channel, &l.Capability, &l.Promised,
			&l.Pledged, &l.Delivered, &l.UnitValue, &l.ValueUndisclosed, &m, &d.On, &d.Quantity); err != nil {
			return nil, 0, err
		}
		marking = max(marking, m)
		if n := len(out); n == 0 || out[n-1].Line != l.Line {
			out = append(out, l)
		}
		if d.On != "" {
			last := &out[len(out)-1]
			last.Deliveries = append(last.Deliveries, d)
		}
	}
	return out, marking, rows.Err()
}
