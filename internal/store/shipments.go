package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
)

// Shipments lists the shipments the reader may see.
func (db *DB) Shipments(ctx context.Context, f logistics.ShipmentFilter, o list.Options) (list.Page[logistics.Shipment], error) {
	q := &listQuery{from: "shipments s", columns: shipmentColumns, key: "s.id",
		sorts: map[string]string{"id": "s.id", "eta": "s.eta", "planned_departure": "s.planned_departure", "state": "s.state", "mass": "s.mass_g", "value": "s.value", "updated_at": "s.updated_at"}, def: "-id"}
	q.visible(db.shipmentsVisible(ctx))
	switch f.State {
	case "":
	case "active":
		q.filter("s.state IN ('dispatched', 'at_hub', 'in_transit', 'delivered', 'held')")
	default:
		q.filter("s.state = ?", f.State)
	}
	if f.Nation != "" {
		q.filter("s.nation = ?", strings.ToUpper(f.Nation))
	}
	if f.Origin != "" {
		q.filter("s.origin = ?", strings.ToUpper(f.Origin))
	}
	if f.Destination != "" {
		q.filter("s.destination = ?", strings.ToUpper(f.Destination))
	}
	if f.Site != "" {
		q.filter("s.route LIKE ?", "%,"+strings.ToUpper(f.Site)+",%")
	}
	if !f.Late.IsZero() {
		q.filter("s.eta < ? AND s.state NOT IN ('delivered', 'received', 'cancelled')", ts(f.Late))
	}
	if f.Pledge != 0 {
		q.filter("s.id IN (SELECT shipment_id FROM shipment_lines WHERE pledge_id = ?)", f.Pledge)
	}
	if f.FromNation != "" {
		q.filter("s.origin IN (SELECT code FROM sites WHERE nation = ?)", strings.ToUpper(f.FromNation))
	}
	if f.ToNation != "" {
		q.filter("s.destination IN (SELECT code FROM sites WHERE nation = ?)", strings.ToUpper(f.ToNation))
	}
	if f.At != "" {
		q.filter("s.location = ?", strings.ToUpper(f.At))
	}
	if f.Arriving != "" {
		cond, args := db.arriving(strings.ToUpper(f.Arriving), f.DueFrom, f.DueTo)
		q.filter(cond, args...)
	} else if f.DueFrom != "" || f.DueTo != "" {
		q.filter("s.state NOT IN ('delivered', 'received', 'cancelled')")
		if f.DueFrom != "" {
			q.filter("SUBSTR(s.eta, 1, 10) >= ?", f.DueFrom)
		}
		if f.DueTo != "" {
			q.filter("SUBSTR(s.eta, 1, 10) <= ?", f.DueTo)
		}
	}
	p, err := runList(ctx, db, q, o, shipmentFields)
	out := list.Page[logistics.Shipment]{Next: p.Next, Total: p.Total, Items: make([]logistics.Shipment, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].shipment()
	}
	return out, err
}

// arriving is logistics.Shipment.Arriving in SQL, over the legs the
// shipment keeps as JSON: one of its legs from the one under way on ends
// at site, the goods are not there yet, and the leg's planned arrival
// falls on a day from from to to (either may be empty).
func (db *DB) arriving(site, from, to string) (string, []any) {
	// Each engine reads the JSON array its own way: the leg, its index
	// from 0, its end and its planned arrival.
	legs, idx, end, arrive := "json_each(s.legs) j", "j.key", "json_extract(j.value, '$.to')", "json_extract(j.value, '$.arrive')"
	if db.dialect == Postgres {
		legs, idx, end, arrive = "jsonb_array_elements(s.legs::jsonb) WITH ORDINALITY AS j(leg, n)", "(j.n - 1)", "(j.leg->>'to')", "(j.leg->>'arrive')"
	}
	cond := "s.state NOT IN ('delivered', 'received', 'cancelled') AND EXISTS (SELECT 1 FROM " + legs + " WHERE " + end + " = ? AND (" +
		idx + " > s.leg OR (" + idx + " = s.leg AND s.location <> " + end + "))"
	args := []any{site}
	if from != "" {
		cond += " AND SUBSTR(" + arrive + ", 1, 10) >= ?"
		args = append(args, from)
	}
	if to != "" {
		cond += " AND SUBSTR(" + arrive + ", 1, 10) <= ?"
		args = append(args, to)
	}
	return cond + ")", args
}

// WithLines loads the lines of shipments read from a list, for exports.
func (db *DB) WithLines(ctx context.Context, ships []logistics.Shipment) error {
	idx := map[int64]int{}
	for i := range ships {
		idx[ships[i].ID] = i
	}
	for start := 0; start < len(ships); start += 500 {
		end := min(start+500, len(ships))
		marks := make([]string, 0, end-start)
		args := make([]any, 0, end-start)
		for _, s := range ships[start:end] {
			marks = append(marks, "?")
			args = append(args, s.ID)
		}
		rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT sl.shipment_id, sl.no, sl.allocation_id, sl.pledge_id, sl.line_id, sl.requirement_id, sl.nsn, i.name, sl.quantity, sl.received, sl.unit_value, sl.mass_g
			FROM shipment_lines sl JOIN items i ON i.nsn = sl.nsn WHERE sl.shipment_id IN (`+strings.Join(marks, ", ")+`) ORDER BY sl.shipment_id, sl.no`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var l logistics.Line
			if err := rows.Scan(&id, &l.No, &l.Allocation, &l.Pledge, &l.PledgeLine, &l.Requirement, &l.NSN, &l.ItemName, &l.Quantity, &l.Received, &l.UnitValue, &l.MassG); err != nil {
				rows.Close()
				return err
			}
			s := &ships[idx[id]]
			s.Lines = append(s.Lines, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Logistics returns the logistics figures at instant now, over what the
// reader may see; lists hold at most limit rows.
func (db *DB) Logistics(ctx context.Context, now time.Time, limit int) (logistics.LogisticsSummary, error) {
	out := logistics.LogisticsSummary{LateList: []logistics.Shipment{}}
	v := db.shipmentsVisible(ctx)
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT
		COALESCE(SUM(CASE WHEN s.state IN ('dispatched', 'at_hub', 'in_transit', 'delivered', 'held') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.eta < ? AND s.state NOT IN ('delivered', 'received', 'cancelled') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN s.state = 'held' THEN 1 ELSE 0 END), 0)
		FROM shipments s WHERE `+v.cond), append([]any{ts(now)}, v.args...)...).Scan(&out.Active, &out.Late, &out.Held)
	if err != nil {
		return out, err
	}
	if err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM discrepancies d JOIN shipments s ON s.id = d.shipment_id WHERE d.state = 'open' AND `+v.cond), v.args...).Scan(&out.OpenDiscr); err != nil {
		return out, err
	}
	late, err := db.Shipments(ctx, logistics.ShipmentFilter{Late: now}, list.Options{Sort: "eta", Limit: limit})
	if err != nil {
		return out, err
	}
	out.LateList = late.Items
	return out, nil
}

// Hubs returns every logistics hub with its load at instant now.
func (db *DB) Hubs(ctx context.Context, now time.Time) ([]logistics.HubLoad, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.NetworkRead) {
		return []logistics.HubLoad{}, nil
	}
	hubs, err := db.hubs(ctx, db.rq, "")
	if err != nil {
		return nil, err
	}
	out := make([]logistics.HubLoad, len(hubs))
	idx := map[string]int{}
	for i, h := range hubs {
		out[i].Hub = h
		idx[h.Site] = i
	}
	// Stock mass per hub, of the goods the reader may see.
	seen, args := db.stockSeen(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT h.site, COALESCE(SUM(h.quantity * i.mass_g), 0) FROM `+seen+` JOIN items i ON i.nsn = h.nsn GROUP BY h.site`), args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var site string
		var g int64
		if err := rows.Scan(&site, &g); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := idx[site]; ok {
			out[i].StockG = g
		}
	}
	rows.Close()
	// What waits at each hub and what is on its way there, counted over
	// the shipments the reader may see: a hub's operator sees every
	// shipment on its routes, so they see its whole load; another reader
	// does not learn of goods they may not see from a hub's figures.
	sv := db.shipmentsVisible(ctx)
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT s.state, s.location, s.leg, s.legs, s.mass_g FROM shipments s WHERE s.state IN ('dispatched', 'at_hub', 'in_transit') AND `+sv.cond), sv.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var state, loc, legs string
		var leg int
		var g int64
		if err := rows.Scan(&state, &loc, &leg, &legs, &g); err != nil {
			rows.Close()
			return nil, err
		}
		if state == logistics.AtHub {
			if i, ok := idx[loc]; ok {
				out[i].AtHub++
				out[i].AtHubG += g
			}
			continue
		}
		if to := nextStop(legs, leg); to != "" {
			if i, ok := idx[to]; ok {
				out[i].Inbound++
				out[i].InboundG += g
			}
		}
	}
	rows.Close()
	today := now.UTC().Format("2006-01-02")
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT e.site, SUM(e.mass_g) FROM stock_events e LEFT JOIN shipments s ON s.id = e.shipment_id
		WHERE e.day = ? AND e.kind <> 'count' AND (e.shipment_id IS NULL OR `+sv.cond+`) GROUP BY e.site`), append([]any{today}, sv.args...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var site string
		var g int64
		if err := rows.Scan(&site, &g); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := idx[site]; ok {
			out[i].TodayG = g
		}
	}
	rows.Close()
	for i := range out {
		h := &out[i]
		h.OverLimit = h.Configured && h.TodayG > h.ThroughputTDay*1_000_000
		h.OverStorage = h.Configured && h.StockG > h.StorageTonnes*1_000_000
	}
	return out, rows.Err()
}

// nextStop is the site a moving shipment goes to next: the end of the leg
// under way, read from its legs as stored.
func nextStop(legsJSON string, leg int) string {
	var legs []logistics.Leg
	if err := json.Unmarshal([]byte(legsJSON), &legs); err != nil || leg < 0 || leg >= len(legs) {
		return ""
	}
	return legs[leg].To
}

// OpenAllocations lists the allocations the reader may see that have goods
// left to ship, oldest first, at most limit.
func (db *DB) OpenAllocations(ctx context.Context, limit int) ([]logistics.OpenAllocation, error) {
	v := db.pledgesVisible(ctx).and(db.requirementsVisible(ctx))
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT a.id, a.pledge_id, p.nation, l.no, l.nsn, i.name, a.requirement_id, r.delivery_site,
		a.quantity - a.shipped - COALESCE((SELECT SUM(sl.quantity) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id WHERE sl.allocation_id = a.id AND s.state = 'planned'), 0)
		FROM allocations a JOIN pledges p ON p.id = a.pledge_id JOIN pledge_lines l ON l.id = a.line_id JOIN items i ON i.nsn = l.nsn JOIN requirements r ON r.id = a.requirement_id
		WHERE a.quantity > a.shipped AND `+v.cond+` ORDER BY a.id LIMIT ?`), append(append([]any(nil), v.args...), limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.OpenAllocation{}
	for rows.Next() {
		var a logistics.OpenAllocation
		if err := rows.Scan(&a.ID, &a.Pledge, &a.Nation, &a.LineNo, &a.NSN, &a.ItemName, &a.Requirement, &a.DeliverySite, &a.Free); err != nil {
			return nil, err
		}
		if a.Free > 0 {
			out = append(out, a)
		}
	}
	return out, rows.Err()
}

// DeliveredByNation is the value each nation has delivered, over the
// pledges the reader may see.
func (db *DB) DeliveredByNation(ctx context.Context) (map[string]money.Cents, error) {
	v := db.pledgesVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, SUM(p.delivered_value) FROM pledges p WHERE `+v.cond+` GROUP BY p.nation`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]money.Cents{}
	for rows.Next() {
		var n string
		var c money.Cents
		if err := rows.Scan(&n, &c); err != nil {
			return nil, err
		}
		out[n] = c
	}
	return out, rows.Err()
}

// MovingShipments returns the shipments the reader may see that are on
// their way (dispatched, at a hub, in transit or held), without lines: what
// the map draws.
func (db *DB) MovingShipments(ctx context.Context) ([]logistics.Shipment, error) {
	v := db.shipmentsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT `+shipmentColumns+` FROM shipments s WHERE s.state IN ('dispatched', 'at_hub', 'in_transit', 'held') AND `+v.cond+` ORDER BY s.id`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.Shipment{}
	for rows.Next() {
		r, dest := shipmentFields()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r.shipment())
	}
	return out, rows.Err()
}
