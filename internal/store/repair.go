package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/repair"
)

// equipmentVisible is who reads which pieces: everyone with the permission
// all of them, but a nation officer the pieces their nation donated and a
// facility manager those with an order at their facility.
func (db *DB) equipmentVisible(ctx context.Context, alias string) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, access.EquipmentRead) {
		return visibility{cond: "1 = 0"}
	}
	if id.Via == "system" || id.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst) {
		return visibility{cond: "1 = 1"}
	}
	var conds []string
	var args []any
	if id.Has(access.NationOfficer) {
		conds = append(conds, alias+".donor = ?")
		args = append(args, id.Nation)
	}
	if id.Has(access.FacilityManager) {
		conds = append(conds, alias+".id IN (SELECT equipment_id FROM repair_orders WHERE facility = ?)")
		args = append(args, id.Site)
	}
	if len(conds) == 0 {
		return visibility{cond: "1 = 0"}
	}
	return visibility{cond: "(" + strings.Join(conds, " OR ") + ")", args: args}
}

// facilityOnly says whether id reads repairs as a facility manager only:
// the orders of their facility and the pieces' history there.
func facilityOnly(id access.Identity) bool {
	return id.Has(access.FacilityManager) && !id.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst, access.NationOfficer) && id.Via != "system"
}

// ordersVisible: a facility manager reads their facility's orders only.
func (db *DB) ordersVisible(ctx context.Context) visibility {
	id := access.IdentityFrom(ctx)
	v := db.equipmentVisible(ctx, "e")
	if facilityOnly(id) {
		return visibility{cond: "o.facility = ?", args: []any{id.Site}}
	}
	return v
}

const equipmentColumns = `e.id, e.nsn, i.name, i.grp, e.serial, e.donor, e.received_on, COALESCE(e.shipment_id, 0), e.location, e.state, e.hours, e.rounds, e.notes, e.version, e.created_at, e.updated_at`

type equipmentRow struct {
	repair.Equipment
	created, updated string
}

func equipmentFields() (*equipmentRow, []any) {
	r := &equipmentRow{}
	e := &r.Equipment
	return r, []any{&e.ID, &e.NSN, &e.ItemName, &e.Group, &e.Serial, &e.Donor, &e.Received, &e.Shipment, &e.Location, &e.State, &e.Hours, &e.Rounds, &e.Notes, &e.Version, &r.created, &r.updated}
}

func (r *equipmentRow) piece() repair.Equipment {
	e := r.Equipment
	e.Group = strings.TrimSpace(e.Group)
	e.CreatedAt, e.UpdatedAt = parseTS(r.created), parseTS(r.updated)
	return e
}

// EquipmentList lists the pieces the reader may see.
func (db *DB) EquipmentList(ctx context.Context, f repair.EquipmentFilter, o list.Options) (list.Page[repair.Equipment], error) {
	q := &listQuery{from: "equipment e JOIN items i ON i.nsn = e.nsn", columns: equipmentColumns, key: "e.id",
		sorts: map[string]string{"id": "e.id", "serial": "e.serial", "received": "e.received_on", "state": "e.state", "nsn": "e.nsn", "donor": "e.donor"}, def: "-id"}
	q.visible(db.equipmentVisible(ctx, "e"))
	if f.State != "" {
		if !slices.Contains(repair.EquipmentStates, f.State) {
			return list.Page[repair.Equipment]{}, fault.Field("state", "%q is not a state: use one of %s", f.State, strings.Join(repair.EquipmentStates, ", "))
		}
		q.filter("e.state = ?", f.State)
	}
	if f.NSN != "" {
		q.filter("e.nsn = ?", f.NSN)
	}
	if f.Donor != "" {
		q.filter("e.donor = ?", strings.ToUpper(f.Donor))
	}
	if f.Q != "" {
		pat := likePattern(f.Q)
		q.filter("(LOWER(e.serial) LIKE ? ESCAPE '\\' OR LOWER(i.name) LIKE ? ESCAPE '\\')", pat, pat)
	}
	p, err := runList(ctx, db, q, o, equipmentFields)
	out := list.Page[repair.Equipment]{Next: p.Next, Total: p.Total, Items: make([]repair.Equipment, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].piece()
	}
	return out, err
}

// Piece reads a piece with its timeline and orders, if the reader may see
// it.
func (db *DB) Piece(ctx context.Context, id int64) (repair.Equipment, []repair.EquipmentEvent, []repair.Order, error) {
	v := db.equipmentVisible(ctx, "e")
	r, dest := equipmentFields()
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT `+equipmentColumns+` FROM equipment e JOIN items i ON i.nsn = e.nsn WHERE e.id = ? AND `+v.cond), append([]any{id}, v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Equipment{}, nil, nil, notFound("no equipment E-%05d", id)
	}
	if err != nil {
		return repair.Equipment{}, nil, nil, err
	}
	e := r.piece()
	// A facility manager reads the piece's history at their facility only.
	q, args := `SELECT at, actor, kind, state, site, COALESCE(order_id, 0), note FROM equipment_events WHERE equipment_id = ?`, []any{id}
	if me := access.IdentityFrom(ctx); facilityOnly(me) {
		q += ` AND (order_id IS NULL OR order_id IN (SELECT id FROM repair_orders WHERE facility = ?))`
		args = append(args, me.Site)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY id`), args...)
	if err != nil {
		return e, nil, nil, err
	}
	defer rows.Close()
	var evs []repair.EquipmentEvent
	for rows.Next() {
		var ev repair.EquipmentEvent
		var at string
		if err := rows.Scan(&at, &ev.Actor, &ev.Kind, &ev.State, &ev.Site, &ev.Order, &ev.Note); err != nil {
			return e, nil, nil, err
		}
		ev.At = parseTS(at)
		evs = append(evs, ev)
	}
	rows.Close()
	orders, err := db.Orders(ctx, repair.OrderFilter{Equipment: id}, list.Options{Limit: list.MaxLimit})
	return e, evs, orders.Items, err
}

const orderColumns = `o.id, o.equipment_id, e.serial, e.nsn, i.name, i.grp, e.donor, o.fault, o.severity, o.priority, o.location, o.state, COALESCE(o.facility, ''), o.due, COALESCE(o.outbound_shipment, 0), COALESCE(o.return_shipment, 0), o.reported_at, o.repaired_on, o.cost, o.paid_by, o.version, o.updated_at`

type orderRow struct {
	repair.Order
	reported, updated string
}

func orderFields() (*orderRow, []any) {
	r := &orderRow{}
	o := &r.Order
	return r, []any{&o.ID, &o.Equipment, &o.Serial, &o.NSN, &o.ItemName, &o.Group, &o.Donor, &o.Fault, &o.Severity, &o.Priority, &o.Location, &o.State, &o.Facility, &o.Due, &o.Outbound, &o.Inbound, &r.reported, &o.Repaired, &o.Cost, &o.PaidBy, &o.Version, &r.updated}
}

func (r *orderRow) order() repair.Order {
	o := r.Order
	o.Group = strings.TrimSpace(o.Group)
	o.Reported, o.UpdatedAt = parseTS(r.reported), parseTS(r.updated)
	return o
}

// orderOpen is the condition of an order still on its way (repair.Order.Open).
const orderOpen = "NOT ((o.severity = 'theatre' AND o.state = 'repaired') OR o.state = 'received')"

// Orders lists the repair orders the reader may see.
func (db *DB) Orders(ctx context.Context, f repair.OrderFilter, o list.Options) (list.Page[repair.Order], error) {
	q := &listQuery{from: "repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn", columns: orderColumns, key: "o.id",
		sorts: map[string]string{"id": "o.id", "priority": "o.priority", "state": "o.state", "reported": "o.reported_at", "due": "o.due"}, def: "-id"}
	q.visible(db.ordersVisible(ctx))
	switch f.State {
	case "":
	case "open":
		q.filter(orderOpen)
	default:
		if !slices.Contains(repair.OrderStates, f.State) {
			return list.Page[repair.Order]{}, fault.Field("state", "%q is not a repair order state: use open or one of %s", f.State, strings.Join(repair.OrderStates, ", "))
		}
		q.filter("o.state = ?", f.State)
	}
	if f.Facility != "" {
		q.filter("o.facility = ?", strings.ToUpper(f.Facility))
	}
	if f.Equipment != 0 {
		q.filter("o.equipment_id = ?", f.Equipment)
	}
	p, err := runList(ctx, db, q, o, orderFields)
	out := list.Page[repair.Order]{Next: p.Next, Total: p.Total, Items: make([]repair.Order, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].order()
	}
	return out, err
}

// OrderCounts counts the repair orders the reader may see in each state.
func (db *DB) OrderCounts(ctx context.Context) (map[string]int64, error) {
	v := db.ordersVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT o.state, COUNT(*) FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id WHERE `+v.cond+` GROUP BY o.state`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Order reads a repair order the reader may see.
func (db *DB) Order(ctx context.Context, id int64) (repair.Order, error) {
	v := db.ordersVisible(ctx)
	r, dest := orderFields()
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT `+orderColumns+` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE o.id = ? AND `+v.cond),
		append([]any{id}, v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Order{}, notFound("no repair order RO-%05d", id)
	}
	return r.order(), err
}

// RepairFacilities lists the repair facilities with their competences.
func (db *DB) RepairFacilities(ctx context.Context) ([]repair.RepairFacility, error) {
	return db.repairFacilities(ctx, db.rq, "")
}

// repairFacilities reads the facilities (site, or all when empty) with
// their competences, through q: the read pool or a transaction.
func (db *DB) repairFacilities(ctx context.Context, q querier, site string) ([]repair.RepairFacility, error) {
	where, args := "", []any{}
	if site != "" {
		where, args = " WHERE f.site = ?", []any{site}
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT f.site, s.name, s.nation, f.slots, f.version FROM repair_facilities f JOIN sites s ON s.code = f.site`+where+` ORDER BY f.site`), args...)
	if err != nil {
		return nil, err
	}
	out := []repair.RepairFacility{}
	for rows.Next() {
		var f repair.RepairFacility
		if err := rows.Scan(&f.Site, &f.Name, &f.Nation, &f.Slots, &f.Version); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	crow, err := q.QueryContext(ctx, db.rebind(`SELECT f.site, f.target, f.turnaround_days FROM repair_competences f`+where+` ORDER BY f.site, f.target`), args...)
	if err != nil {
		return nil, err
	}
	defer crow.Close()
	for crow.Next() {
		var site string
		var c repair.Competence
		if err := crow.Scan(&site, &c.Target, &c.Days); err != nil {
			return nil, err
		}
		for i := range out {
			if out[i].Site == site {
				out[i].Competences = append(out[i].Competences, c)
			}
		}
	}
	return out, crow.Err()
}

// RepairPlanInput reads the orders waiting for a facility, the facilities
// with the days their open orders still need, and the network's transit
// times, with the fingerprint of those inputs. The plan is the whole
// coordination's: it reads every order, whoever asks.
func (db *DB) RepairPlanInput(ctx context.Context, start time.Time, horizon int) (repair.PlanInput, string, error) {
	return db.repairPlanInput(ctx, db.rq, start, horizon)
}

// repairPlanInput is RepairPlanInput through q, so that an approval reads
// the same inputs, and computes the same fingerprint, inside its write
// transaction.
func (db *DB) repairPlanInput(ctx context.Context, q querier, start time.Time, horizon int) (repair.PlanInput, string, error) {
	in := repair.PlanInput{Start: start, Horizon: horizon, Busy: map[string][]int{}}
	var err error
	if in.Facilities, err = db.repairFacilities(ctx, q, ""); err != nil {
		return in, "", err
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+orderColumns+` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE `+orderOpen+` ORDER BY o.id`))
	if err != nil {
		return in, "", err
	}
	var open []repair.Order
	for rows.Next() {
		r, dest := orderFields()
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return in, "", err
		}
		open = append(open, r.order())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, "", err
	}
	var fp strings.Builder
	for _, x := range open {
		fmt.Fprintf(&fp, "%d/%d;", x.ID, x.Version)
		switch {
		case x.Severity != repair.Facility:
		case x.State == repair.Reported:
			in.Orders = append(in.Orders, repair.Waiting{Order: x.ID, NSN: x.NSN, Group: x.Group, ItemName: x.ItemName, Location: x.Location, Priority: x.Priority, Reported: x.Reported})
		case x.Facility != "" && x.State != repair.Repaired && x.State != repair.Returned:
			left := 30
			if due, err := time.Parse("2006-01-02", x.Due); err == nil {
				left = max(int(due.Sub(start).Hours()/24), 1)
			}
			in.Busy[x.Facility] = append(in.Busy[x.Facility], left)
		}
	}
	for _, f := range in.Facilities {
		fmt.Fprintf(&fp, "f%s/%d;", f.Site, f.Version)
	}
	n, err := db.network(ctx, q)
	if err != nil {
		return in, "", err
	}
	cache := map[[2]string]int64{}
	in.Hours = func(from, to string) (int64, bool) {
		k := [2]string{from, to}
		if h, ok := cache[k]; ok {
			return h, h >= 0
		}
		route, err := n.Route(from, to)
		if err != nil {
			cache[k] = -1
			return 0, false
		}
		legs, err := n.Legs(route, nil)
		if err != nil {
			cache[k] = -1
			return 0, false
		}
		var h int64
		for _, l := range legs {
			h += l.TransitHours
		}
		cache[k] = h
		return h, true
	}
	sort.Slice(in.Orders, func(i, j int) bool { return in.Orders[i].Order < in.Orders[j].Order })
	return in, fp.String(), nil
}

// Fleet counts the pieces the reader may see by system and by donor.
func (db *DB) Fleet(ctx context.Context) (bySystem, byDonor []repair.FleetRow, err error) {
	v := db.equipmentVisible(ctx, "e")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT e.nsn, i.name, e.donor, e.state, COUNT(*) FROM equipment e JOIN items i ON i.nsn = e.nsn WHERE `+v.cond+` GROUP BY e.nsn, i.name, e.donor, e.state`), v.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	sys, don := map[string]*repair.FleetRow{}, map[string]*repair.FleetRow{}
	add := func(m map[string]*repair.FleetRow, key, name, state string, n int) {
		r := m[key]
		if r == nil {
			r = &repair.FleetRow{Key: key, Name: name, ByState: map[string]int{}}
			m[key] = r
		}
		r.ByState[state] += n
		r.Total += n
	}
	for rows.Next() {
		var nsn, name, donor, state string
		var n int
		if err := rows.Scan(&nsn, &name, &donor, &state, &n); err != nil {
			return nil, nil, err
		}
		add(sys, nsn, name, state, n)
		add(don, donor, donor, state, n)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	settle := func(m map[string]*repair.FleetRow) []repair.FleetRow {
		out := []repair.FleetRow{}
		for _, r := range m {
			r.InFleet = r.Total - r.ByState[repair.Destroyed] - r.ByState[repair.WrittenOff]
			if r.InFleet > 0 {
				r.AvailPPM = int64(r.ByState[repair.Operational]) * 1_000_000 / int64(r.InFleet)
			}
			out = append(out, *r)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return settle(sys), settle(don), nil
}

// FacilityStatistics works out each facility's load and turnaround over
// the orders the reader may see.
func (db *DB) FacilityStatistics(ctx context.Context) ([]repair.FacilityStats, error) {
	fs, err := db.RepairFacilities(ctx)
	if err != nil {
		return nil, err
	}
	v := db.ordersVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT o.id, COALESCE(o.facility, ''), o.state, ev.state, ev.at FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id
		JOIN repair_order_events ev ON ev.order_id = o.id WHERE o.facility IS NOT NULL AND `+v.cond+` ORDER BY o.id, ev.id`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type hist struct {
		site, state     string
		start, repaired time.Time
	}
	orders := map[int64]*hist{}
	for rows.Next() {
		var id int64
		var site, state, evState, at string
		if err := rows.Scan(&id, &site, &state, &evState, &at); err != nil {
			return nil, err
		}
		h := orders[id]
		if h == nil {
			h = &hist{site: site, state: state}
			orders[id] = h
		}
		switch evState {
		case repair.Repairs:
			if h.start.IsZero() {
				h.start = parseTS(at)
			}
		case repair.Repaired:
			h.repaired = parseTS(at)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	days := map[string][]int{}
	out := make([]repair.FacilityStats, len(fs))
	idx := map[string]int{}
	for i, f := range fs {
		out[i] = repair.FacilityStats{Site: f.Site, Name: f.Name, Slots: f.Slots}
		idx[f.Site] = i
	}
	for _, h := range orders {
		i, ok := idx[h.site]
		if !ok {
			continue
		}
		switch h.state {
		case repair.Repairs, repair.Parts:
			out[i].InRepair++
		case repair.Assigned, repair.Transit:
			out[i].Incoming++
		}
		if !h.start.IsZero() && !h.repaired.IsZero() {
			days[h.site] = append(days[h.site], int((h.repaired.Sub(h.start).Hours()+23)/24))
		}
	}
	for i := range out {
		d := days[out[i].Site]
		slices.Sort(d)
		out[i].Done = len(d)
		if len(d) > 0 {
			out[i].Median = d[(len(d)-1)/2]
			out[i].P90 = d[(len(d)*9+9)/10-1]
		}
	}
	return out, nil
}

// Parts lists a repair order's spare parts with what brings them.
func (db *DB) Parts(ctx context.Context, orderID int64) ([]repair.PartNeed, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT r.id, COALESCE(r.nsn, ''), COALESCE(i.name, ''), r.quantity, r.allocated, r.delivered
		FROM repair_parts p JOIN requirements r ON r.id = p.requirement_id LEFT JOIN items i ON i.nsn = r.nsn WHERE p.order_id = ? ORDER BY r.id`), orderID)
	if err != nil {
		return nil, err
	}
	out := []repair.PartNeed{}
	for rows.Next() {
		var p repair.PartNeed
		if err := rows.Scan(&p.Requirement, &p.NSN, &p.ItemName, &p.Quantity, &p.Allocated, &p.Delivered); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	for i := range out {
		p := &out[i]
		p.Pledges, p.Shipments = []int64{}, []int64{}
		for _, q := range []struct {
			sql string
			dst *[]int64
		}{
			{`SELECT DISTINCT pledge_id FROM allocations WHERE requirement_id = ? ORDER BY pledge_id`, &p.Pledges},
			{`SELECT DISTINCT sl.shipment_id FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id WHERE sl.requirement_id = ? AND s.state <> 'cancelled' ORDER BY sl.shipment_id`, &p.Shipments},
		} {
			rs, err := db.rq.QueryContext(ctx, db.rebind(q.sql), p.Requirement)
			if err != nil {
				return nil, err
			}
			for rs.Next() {
				var id int64
				if err := rs.Scan(&id); err != nil {
					rs.Close()
					return nil, err
				}
				*q.dst = append(*q.dst, id)
			}
			rs.Close()
		}
	}
	return out, nil
}

// Pipeline counts, for each of the last weeks weeks up to now, the orders
// the reader may see by the state they were in at the week's end, from
// the orders' history.
func (db *DB) Pipeline(ctx context.Context, weeks int, now time.Time) ([]repair.PipelineWeek, error) {
	v := db.ordersVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT o.id, o.severity, ev.state, ev.at FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id
		JOIN repair_order_events ev ON ev.order_id = o.id WHERE `+v.cond+` ORDER BY o.id, ev.id`), v.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type step struct {
		at    time.Time
		state string
	}
	type hist struct {
		severity string
		steps    []step
	}
	orders := map[int64]*hist{}
	for rows.Next() {
		var id int64
		var sev, state, at string
		if err := rows.Scan(&id, &sev, &state, &at); err != nil {
			return nil, err
		}
		h := orders[id]
		if h == nil {
			h = &hist{severity: sev}
			orders[id] = h
		}
		h.steps = append(h.steps, step{parseTS(at), state})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]repair.PipelineWeek, weeks)
	for w := range weeks {
		end := now.AddDate(0, 0, -7*(weeks-1-w))
		pw := repair.PipelineWeek{End: end, Counts: map[string]int{}}
		for _, h := range orders {
			state := ""
			for _, s := range h.steps {
				if s.at.After(end) {
					break
				}
				state = s.state
			}
			o := repair.Order{Severity: h.severity, State: state}
			if state == "" || !o.Open() {
				continue
			}
			pw.Counts[state]++
			pw.Total++
		}
		out[w] = pw
	}
	return out, nil
}
