package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
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

// ordersVisible: a facility manager reads their facility's orders only.
func (db *DB) ordersVisible(ctx context.Context) visibility {
	id := access.IdentityFrom(ctx)
	v := db.equipmentVisible(ctx, "e")
	if id.Has(access.FacilityManager) && !id.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst, access.NationOfficer) && id.Via != "system" {
		return visibility{cond: "o.facility = ?", args: []any{id.Site}}
	}
	return v
}

// RegisterEquipment adds a piece to the register: its item must exist,
// its serial number be new for that item, its donor a nation and its
// location a site.
func (db *DB) RegisterEquipment(ctx context.Context, e repair.Equipment) (repair.Equipment, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		var errs fault.List
		it, err := tx.Item(ctx, e.NSN)
		if err != nil {
			errs.Append("nsn", notFoundField(err, "no item with NSN %s in the catalogue", e.NSN))
		} else {
			e.ItemName, e.Group = it.Name, it.Group
		}
		if _, err := db.nation(ctx, tx, e.Donor, false); err != nil {
			errs.Append("donor", notFoundField(err, "no nation %q", e.Donor))
		}
		var other int64
		if err := tx.queryRow(ctx, `SELECT id FROM equipment WHERE nsn = ? AND serial = ?`, e.NSN, e.Serial).Scan(&other); err == nil {
			errs.Add("serial", "serial number %s of %s is registered already, as E-%05d", e.Serial, e.NSN, other)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if e.Shipment != 0 {
			var dest, received string
			if err := tx.queryRow(ctx, `SELECT destination, COALESCE(received_at, '') FROM shipments WHERE id = ? AND state = 'received'`, e.Shipment).Scan(&dest, &received); err != nil {
				errs.Add("shipment", "S-%05d is not a received shipment", e.Shipment)
			} else {
				if e.Received == "" {
					e.Received = parseTS(received).Format("2006-01-02")
				}
				if e.Location == "" {
					e.Location = dest
				}
			}
		}
		if e.Location != "" {
			if _, err := tx.Site(ctx, e.Location); err != nil {
				errs.Append("location", notFoundField(err, "no site %q", e.Location))
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt, e.Version = tx.now, tx.now, 1
		var ship any
		if e.Shipment != 0 {
			ship = e.Shipment
		}
		if e.ID, err = tx.insertID(ctx, `INSERT INTO equipment (nsn, serial, donor, received_on, shipment_id, location, state, hours, rounds, notes, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, e.NSN, e.Serial, e.Donor, e.Received, ship, e.Location, e.State, e.Hours, e.Rounds, e.Notes, ts(e.CreatedAt), ts(e.UpdatedAt)); err != nil {
			return mapConstraint(err, "equipment")
		}
		if err := tx.equipmentEvent(ctx, e.ID, "registered", e.State, e.Location, 0, fmt.Sprintf("received %s from %s", e.Received, e.Donor)); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "equipment.register", Entity: "equipment", EntityID: strconv.FormatInt(e.ID, 10), After: e})
	})
	return e, err
}

func (tx *Tx) equipmentEvent(ctx context.Context, id int64, kind, state, site string, order int64, note string) error {
	var o any
	if order != 0 {
		o = order
	}
	_, err := tx.exec(ctx, `INSERT INTO equipment_events (equipment_id, at, actor, kind, state, site, order_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, ts(tx.now), access.ActorName(ctx), kind, state, site, o, note)
	return err
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

// EquipmentFilter narrows the register.
type EquipmentFilter struct {
	State, NSN, Donor, Q string
}

// EquipmentList lists the pieces the reader may see.
func (db *DB) EquipmentList(ctx context.Context, f EquipmentFilter, o ListOptions) (Page[repair.Equipment], error) {
	q := &listQuery{from: "equipment e JOIN items i ON i.nsn = e.nsn", columns: equipmentColumns, key: "e.id",
		sorts: map[string]string{"id": "e.id", "serial": "e.serial", "received": "e.received_on", "state": "e.state", "nsn": "e.nsn", "donor": "e.donor"}, def: "-id"}
	q.visible(db.equipmentVisible(ctx, "e"))
	if f.State != "" {
		if !slices.Contains(repair.EquipmentStates, f.State) {
			return Page[repair.Equipment]{}, fault.Field("state", "%q is not a state: use one of %s", f.State, strings.Join(repair.EquipmentStates, ", "))
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
	out := Page[repair.Equipment]{Next: p.Next, Total: p.Total, Items: make([]repair.Equipment, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].piece()
	}
	return out, err
}

// EquipmentEvent is one entry of a piece's timeline.
type EquipmentEvent struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Kind  string    `json:"kind"`
	State string    `json:"state"`
	Site  string    `json:"site,omitempty"`
	Order int64     `json:"order,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// Piece reads a piece with its timeline and orders, if the reader may see
// it.
func (db *DB) Piece(ctx context.Context, id int64) (repair.Equipment, []EquipmentEvent, []repair.Order, error) {
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
	if me := access.IdentityFrom(ctx); me.Has(access.FacilityManager) && !me.HasAny(access.Coordinator, access.RecipientOfficer, access.Auditor, access.Analyst, access.NationOfficer) && me.Via != "system" {
		q += ` AND (order_id IS NULL OR order_id IN (SELECT id FROM repair_orders WHERE facility = ?))`
		args = append(args, me.Site)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY id`), args...)
	if err != nil {
		return e, nil, nil, err
	}
	defer rows.Close()
	var evs []EquipmentEvent
	for rows.Next() {
		var ev EquipmentEvent
		var at string
		if err := rows.Scan(&at, &ev.Actor, &ev.Kind, &ev.State, &ev.Site, &ev.Order, &ev.Note); err != nil {
			return e, nil, nil, err
		}
		ev.At = parseTS(at)
		evs = append(evs, ev)
	}
	rows.Close()
	orders, err := db.Orders(ctx, OrderFilter{Equipment: id}, ListOptions{Limit: MaxLimit})
	return e, evs, orders.Items, err
}

// ReportDamage records damage on a piece: one beyond repair leaves the
// fleet (and, if asked, raises a requirement for a replacement at the same
// place in the same transaction); other damage opens a repair order. A
// destroyed or written-off piece, or one with an open order, is refused.
func (db *DB) ReportDamage(ctx context.Context, d repair.Damage) (repair.Order, *assist.Requirement, error) {
	if err := d.Validate(); err != nil {
		return repair.Order{}, nil, err
	}
	var o repair.Order
	var req *assist.Requirement
	err := db.Transact(ctx, func(tx *Tx) error {
		e, err := tx.piece(ctx, d.Equipment)
		if err != nil {
			return err
		}
		if e.Gone() {
			return fault.Errorf(fault.Conflict, "%s (%s %s) is %s: no damage can be reported on it", e.Ref(), e.ItemName, e.Serial, strings.ReplaceAll(e.State, "_", " "))
		}
		var open int64
		if err := tx.queryRow(ctx, `SELECT id FROM repair_orders WHERE equipment_id = ? AND NOT ((severity = 'theatre' AND state = 'repaired') OR state = 'received')`, e.ID).Scan(&open); err == nil {
			return fault.Errorf(fault.Conflict, "%s has an open repair order, RO-%05d: report on that order", e.Ref(), open)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if d.Location == "" {
			d.Location = e.Location
		}
		if _, err := tx.Site(ctx, d.Location); err != nil {
			return notFoundField(err, "no site %q", d.Location)
		}
		before := e
		if d.Severity == repair.Beyond {
			e.State = repair.Destroyed
			if err := tx.savePiece(ctx, &e, before.Version); err != nil {
				return err
			}
			if err := tx.equipmentEvent(ctx, e.ID, "destroyed", e.State, d.Location, 0, d.Fault); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "equipment.destroyed", Entity: "equipment", EntityID: strconv.FormatInt(e.ID, 10), Before: before, After: e}); err != nil {
				return err
			}
			if d.Replace {
				site, err := tx.Site(ctx, d.Location)
				if err != nil {
					return err
				}
				if !site.HasKind("delivery_point") {
					return fault.Field("location", "%s is not a delivery point: a replacement is asked for at one", site.Code)
				}
				r := assist.Requirement{NSN: e.NSN, Quantity: 1, Priority: d.Priority, NeedBy: tx.now.AddDate(0, 0, 90).Format("2006-01-02"), DeliverySite: d.Location,
					Notes: fmt.Sprintf("replacement for %s %s (%s), beyond repair: %s", e.ItemName, e.Serial, e.Ref(), d.Fault)}
				svc := assist.Service{}
				if err := svc.CreateRequirementIn(ctx, tx, &r); err != nil {
					return err
				}
				req = &r
			}
			return nil
		}
		o = repair.Order{Equipment: e.ID, Serial: e.Serial, NSN: e.NSN, ItemName: e.ItemName, Group: e.Group, Donor: e.Donor, Fault: d.Fault, Severity: d.Severity,
			Priority: d.Priority, Location: d.Location, State: repair.Reported, Reported: tx.now, UpdatedAt: tx.now, Version: 1}
		if o.ID, err = tx.insertID(ctx, `INSERT INTO repair_orders (equipment_id, fault, severity, priority, location, state, reported_at, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`,
			o.Equipment, o.Fault, o.Severity, o.Priority, o.Location, o.State, ts(tx.now), ts(tx.now)); err != nil {
			return err
		}
		if err := tx.orderEvent(ctx, o.ID, o.State, d.Fault); err != nil {
			return err
		}
		e.State, e.Location = repair.Damaged, d.Location
		if err := tx.savePiece(ctx, &e, before.Version); err != nil {
			return err
		}
		if err := tx.equipmentEvent(ctx, e.ID, "damaged", e.State, d.Location, o.ID, fmt.Sprintf("%s (%s)", d.Fault, d.Severity)); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "repair.report", Entity: "repair_order", EntityID: strconv.FormatInt(o.ID, 10), After: o})
	})
	return o, req, err
}

func (tx *Tx) piece(ctx context.Context, id int64) (repair.Equipment, error) {
	r, dest := equipmentFields()
	err := tx.queryRow(ctx, `SELECT `+equipmentColumns+` FROM equipment e JOIN items i ON i.nsn = e.nsn WHERE e.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Equipment{}, notFound("no equipment E-%05d", id)
	}
	return r.piece(), err
}

func (tx *Tx) savePiece(ctx context.Context, e *repair.Equipment, version int64) error {
	e.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE equipment SET state = ?, location = ?, hours = ?, rounds = ?, notes = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		e.State, e.Location, e.Hours, e.Rounds, e.Notes, ts(e.UpdatedAt), e.ID, version)
	if err != nil {
		return err
	}
	if err := checkUpdated(res, e.Ref(), version); err != nil {
		return err
	}
	e.Version = version + 1
	return nil
}

func (tx *Tx) orderEvent(ctx context.Context, order int64, state, note string) error {
	_, err := tx.exec(ctx, `INSERT INTO repair_order_events (order_id, at, state, actor, note) VALUES (?, ?, ?, ?, ?)`, order, ts(tx.now), state, access.ActorName(ctx), note)
	return err
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

// OrderFilter narrows the list of repair orders.
type OrderFilter struct {
	State     string // a state, or "open"
	Facility  string
	Equipment int64
}

// Orders lists the repair orders the reader may see.
func (db *DB) Orders(ctx context.Context, f OrderFilter, o ListOptions) (Page[repair.Order], error) {
	q := &listQuery{from: "repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn", columns: orderColumns, key: "o.id",
		sorts: map[string]string{"id": "o.id", "priority": "o.priority", "state": "o.state", "reported": "o.reported_at", "due": "o.due"}, def: "-id"}
	q.visible(db.ordersVisible(ctx))
	switch f.State {
	case "":
	case "open":
		q.filter("NOT ((o.severity = 'theatre' AND o.state = 'repaired') OR o.state = 'received')")
	default:
		if !slices.Contains(repair.OrderStates, f.State) {
			return Page[repair.Order]{}, fault.Field("state", "%q is not a repair order state: use open or one of %s", f.State, strings.Join(repair.OrderStates, ", "))
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
	out := Page[repair.Order]{Next: p.Next, Total: p.Total, Items: make([]repair.Order, len(p.Items))}
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

// MoveOrder moves a repair order on to state to, if its stored version is
// version (0: any). A facility manager moves their facility's orders only;
// an order starts its repair only while its facility has a free slot. The
// piece's state and location follow.
func (db *DB) MoveOrder(ctx context.Context, id, version int64, to, note string) (repair.Order, error) {
	var o repair.Order
	err := db.Transact(ctx, func(tx *Tx) error {
		var err error
		o, err = db.moveOrderIn(ctx, tx, id, version, to, note)
		return err
	})
	return o, err
}

// moveOrderIn is MoveOrder inside a transaction the caller holds.
func (db *DB) moveOrderIn(ctx context.Context, tx *Tx, id, version int64, to, note string) (repair.Order, error) {
	var o repair.Order
	r, dest := orderFields()
	err := tx.queryRow(ctx, `SELECT `+orderColumns+` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE o.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return o, notFound("no repair order RO-%05d", id)
	}
	if err != nil {
		return o, err
	}
	o = r.order()
	me := access.IdentityFrom(ctx)
	if me.Via != "system" && !me.Has(access.Coordinator) {
		switch {
		case me.Has(access.FacilityManager) && o.Facility != "" && o.Facility == me.Site:
		case me.Has(access.RecipientOfficer) && (to == repair.Received || o.Severity == repair.Theatre):
		default:
			return o, fault.Errorf(fault.Forbidden, "%s may not move %s: it is %s's to move", me.Name, o.Ref(), orderOwner(o))
		}
	}
	if version != 0 && version != o.Version {
		return o, fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d: reload and try again", o.Ref(), version)
	}
	before := o
	if err := o.Move(to); err != nil {
		return o, err
	}
	if to == repair.Repairs && before.State != repair.Parts {
		site := o.Facility
		if o.Severity == repair.Theatre {
			site = ""
		}
		if site != "" {
			var slots, busy int
			if err := tx.queryRow(ctx, `SELECT slots FROM repair_facilities WHERE site = ?`, site).Scan(&slots); err != nil {
				return o, fmt.Errorf("the slots of %s: %w", site, err)
			}
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM repair_orders WHERE facility = ? AND state IN ('in_repair', 'awaiting_parts')`, site).Scan(&busy); err != nil {
				return o, err
			}
			if busy >= slots {
				return o, fault.Errorf(fault.Conflict, "%s has %d slots and %d orders in repair: %s waits for a free slot", site, slots, busy, o.Ref())
			}
		}
	}
	if to == repair.Repaired {
		o.Repaired = tx.now.Format("2006-01-02")
	}
	res, err := tx.exec(ctx, `UPDATE repair_orders SET state = ?, repaired_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, o.State, o.Repaired, ts(tx.now), o.ID, before.Version)
	if err != nil {
		return o, err
	}
	if err := checkUpdated(res, o.Ref(), before.Version); err != nil {
		return o, err
	}
	o.Version, o.UpdatedAt = before.Version+1, tx.now
	if err := tx.orderEvent(ctx, o.ID, o.State, note); err != nil {
		return o, err
	}
	e, err := tx.piece(ctx, o.Equipment)
	if err != nil {
		return o, err
	}
	eb := e
	e.State = repair.EquipmentState(&o)
	switch to {
	case repair.Repairs:
		if o.Facility != "" {
			e.Location = o.Facility
		}
	case repair.Received:
		e.Location = o.Location
	}
	if err := tx.savePiece(ctx, &e, eb.Version); err != nil {
		return o, err
	}
	if err := tx.equipmentEvent(ctx, e.ID, "repair."+to, e.State, e.Location, o.ID, note); err != nil {
		return o, err
	}
	return o, tx.Audit(ctx, audit.Record{Action: "repair." + to, Entity: "repair_order", EntityID: strconv.FormatInt(o.ID, 10), Before: before, After: o})
}

func orderOwner(o repair.Order) string {
	if o.Facility != "" {
		return o.Facility
	}
	return "a coordinator"
}

// RepairFacilities lists the repair facilities with their competences.
func (db *DB) RepairFacilities(ctx context.Context) ([]repair.RepairFacility, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT f.site, s.name, s.nation, f.slots, f.version FROM repair_facilities f JOIN sites s ON s.code = f.site ORDER BY f.site`)
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
	crow, err := db.rq.QueryContext(ctx, `SELECT site, target, turnaround_days FROM repair_competences ORDER BY site, target`)
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

// SaveFacility sets up a repair facility (version 0) or changes its slots
// and competences. Its site must be a repair facility; its competences name
// catalogue items or groups.
func (db *DB) SaveFacility(ctx context.Context, f repair.RepairFacility, version int64) (repair.RepairFacility, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		site, err := tx.Site(ctx, f.Site)
		if err != nil {
			return notFoundField(err, "no site %q", f.Site)
		}
		if !site.HasKind("repair_facility") {
			return fault.Field("site", "%s (%s) is not a repair facility", site.Code, site.Name)
		}
		f.Name, f.Nation = site.Name, site.Nation
		var errs fault.List
		for i, c := range f.Competences {
			if _, err := tx.Item(ctx, c.Target); err == nil {
				continue
			}
			if ok, err := tx.GroupExists(ctx, c.Target); err != nil {
				return err
			} else if !ok {
				errs.Add(fmt.Sprintf("competences[%d].target", i), "%q is neither an NSN nor an interchangeability group of the catalogue", c.Target)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if version == 0 {
			if _, err := tx.exec(ctx, `INSERT INTO repair_facilities (site, slots, version, updated_at) VALUES (?, ?, 1, ?)`, f.Site, f.Slots, ts(tx.now)); err != nil {
				return mapConstraint(err, "repair facility "+f.Site)
			}
			f.Version = 1
		} else {
			res, err := tx.exec(ctx, `UPDATE repair_facilities SET slots = ?, version = version + 1, updated_at = ? WHERE site = ? AND version = ?`, f.Slots, ts(tx.now), f.Site, version)
			if err != nil {
				return err
			}
			if err := checkUpdated(res, "repair facility "+f.Site, version); err != nil {
				return err
			}
			f.Version = version + 1
			if _, err := tx.exec(ctx, `DELETE FROM repair_competences WHERE site = ?`, f.Site); err != nil {
				return err
			}
		}
		for _, c := range f.Competences {
			if _, err := tx.exec(ctx, `INSERT INTO repair_competences (site, target, turnaround_days) VALUES (?, ?, ?)`, f.Site, c.Target, c.Days); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit.Record{Action: "repair.facility", Entity: "repair_facility", EntityID: f.Site, After: f})
	})
	return f, err
}

// RepairPlanInput reads the orders waiting for a facility, the facilities
// with the days their open orders still need, and the network's transit
// times.
func (db *DB) RepairPlanInput(ctx context.Context, start time.Time, horizon int) (repair.PlanInput, string, error) {
	in := repair.PlanInput{Start: start, Horizon: horizon, Busy: map[string][]int{}}
	var err error
	if in.Facilities, err = db.RepairFacilities(ctx); err != nil {
		return in, "", err
	}
	ctx = access.WithIdentity(ctx, access.System.Named(access.ActorName(ctx)))
	var fp strings.Builder
	o := ListOptions{Limit: MaxLimit, Sort: "id"}
	for {
		p, err := db.Orders(ctx, OrderFilter{State: "open"}, o)
		if err != nil {
			return in, "", err
		}
		for _, x := range p.Items {
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
		if p.Next == "" {
			break
		}
		o.Cursor = p.Next
	}
	for _, f := range in.Facilities {
		fmt.Fprintf(&fp, "f%s/%d;", f.Site, f.Version)
	}
	n, err := db.Network(ctx)
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

// ApproveRepairs assigns the planned orders to their facilities, in one
// transaction: each must still be reported and unchanged since the plan
// was made (fingerprint), or nothing is written.
func (db *DB) ApproveRepairs(ctx context.Context, p repair.Proposal, fingerprint string, start time.Time, horizon int) (int, error) {
	_, fp, err := db.RepairPlanInput(ctx, start, horizon)
	if err != nil {
		return 0, err
	}
	if fp != fingerprint {
		return 0, fault.Errorf(fault.Conflict, "repair orders or facilities changed since this plan was made: plan again and review the new plan")
	}
	n := 0
	err = db.Transact(ctx, func(tx *Tx) error {
		for _, a := range p.Assignments {
			res, err := tx.exec(ctx, `UPDATE repair_orders SET state = ?, facility = ?, due = ?, version = version + 1, updated_at = ? WHERE id = ? AND state = ?`,
				repair.Assigned, a.Facility, a.Due.Format("2006-01-02"), ts(tx.now), a.Order, repair.Reported)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fault.Errorf(fault.Conflict, "RO-%05d is no longer waiting: plan again", a.Order)
			}
			var competent int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn
				JOIN repair_competences c ON c.site = ? AND (c.target = e.nsn OR (i.grp <> '' AND c.target = i.grp)) WHERE o.id = ?`, a.Facility, a.Order).Scan(&competent); err != nil {
				return err
			}
			if competent == 0 {
				return fault.Errorf(fault.Invalid, "%s is not competent for the piece of RO-%05d", a.Facility, a.Order)
			}
			note := fmt.Sprintf("to %s, %d h away; repair from %s, due %s", a.Facility, a.Transport, a.Start.Format("2006-01-02"), a.Due.Format("2006-01-02"))
			// The piece's transport there and back, as shipments with their
			// custody chain.
			var loc, donor, serial, item string
			if err := tx.queryRow(ctx, `SELECT o.location, e.donor, e.serial, i.name FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE o.id = ?`, a.Order).Scan(&loc, &donor, &serial, &item); err != nil {
				return err
			}
			what := fmt.Sprintf("%s %s for repair order RO-%05d", item, serial, a.Order)
			out, err := logistics.CreateShipmentIn(ctx, tx, logistics.NewShipment{Origin: loc, Destination: a.Facility, PlannedDeparture: start, Nation: donor, Notes: "to repair: " + what})
			if err != nil {
				return fmt.Errorf("the transport of RO-%05d to %s: %w", a.Order, a.Facility, err)
			}
			back, err := logistics.CreateShipmentIn(ctx, tx, logistics.NewShipment{Origin: a.Facility, Destination: loc, PlannedDeparture: a.Due, Nation: donor, Notes: "back from repair: " + what})
			var backID any
			if err == nil {
				backID = back.ID
			} else if fault.As(err) != nil && fault.Code(err) != fault.Internal {
				note += fmt.Sprintf("; no return shipment planned (%s): plan it by hand", fault.As(err).Message)
			} else {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE repair_orders SET outbound_shipment = ?, return_shipment = ? WHERE id = ?`, out.ID, backID, a.Order); err != nil {
				return err
			}
			if err := tx.orderEvent(ctx, a.Order, repair.Assigned, note); err != nil {
				return err
			}
			var eq int64
			if err := tx.queryRow(ctx, `SELECT equipment_id FROM repair_orders WHERE id = ?`, a.Order).Scan(&eq); err != nil {
				return err
			}
			if err := tx.equipmentEvent(ctx, eq, "repair.assigned", repair.Damaged, a.Facility, a.Order, note); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "repair.assigned", Entity: "repair_order", EntityID: strconv.FormatInt(a.Order, 10), After: a}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// FleetRow counts the pieces of a system (or a donor's) by state.
type FleetRow struct {
	Key      string         `json:"key"`
	Name     string         `json:"name"`
	ByState  map[string]int `json:"by_state"`
	Total    int            `json:"total"`
	InFleet  int            `json:"in_fleet"`         // neither destroyed nor written off
	AvailPPM int64          `json:"availability_ppm"` // operational share of the fleet
}

// Fleet counts the pieces the reader may see by system and by donor.
func (db *DB) Fleet(ctx context.Context) (bySystem, byDonor []FleetRow, err error) {
	v := db.equipmentVisible(ctx, "e")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT e.nsn, i.name, e.donor, e.state, COUNT(*) FROM equipment e JOIN items i ON i.nsn = e.nsn WHERE `+v.cond+` GROUP BY e.nsn, i.name, e.donor, e.state`), v.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	sys, don := map[string]*FleetRow{}, map[string]*FleetRow{}
	add := func(m map[string]*FleetRow, key, name, state string, n int) {
		r := m[key]
		if r == nil {
			r = &FleetRow{Key: key, Name: name, ByState: map[string]int{}}
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
	settle := func(m map[string]*FleetRow) []FleetRow {
		out := []FleetRow{}
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

// FacilityStats is a facility's load and its turnaround from the order
// history: days from the start of repair to its end.
type FacilityStats struct {
	Site     string `json:"site"`
	Name     string `json:"name"`
	Slots    int    `json:"slots"`
	InRepair int    `json:"in_repair"` // holding a slot
	Incoming int    `json:"incoming"`  // assigned or on the way
	Done     int    `json:"repaired"`  // orders with a turnaround
	Median   int    `json:"turnaround_median_days"`
	P90      int    `json:"turnaround_p90_days"`
}

// FacilityStatistics works out each facility's load and turnaround over
// the orders the reader may see.
func (db *DB) FacilityStatistics(ctx context.Context) ([]FacilityStats, error) {
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
	out := make([]FacilityStats, len(fs))
	idx := map[string]int{}
	for i, f := range fs {
		out[i] = FacilityStats{Site: f.Site, Name: f.Name, Slots: f.Slots}
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

// RepairDemo adapts the store to the demo's repair loader.
type RepairDemo struct{ *DB }

// ReportDamage reports damage and returns its order.
func (d RepairDemo) ReportDamage(ctx context.Context, dm repair.Damage) (repair.Order, error) {
	o, _, err := d.DB.ReportDamage(ctx, dm)
	return o, err
}

// PartNeed is a spare part an order needs, as a requirement, with what is
// on its way: the pledges allocated to it and the shipments carrying it.
type PartNeed struct {
	Requirement int64   `json:"requirement"`
	NSN         string  `json:"nsn"`
	ItemName    string  `json:"item_name"`
	Quantity    int64   `json:"quantity"`
	Allocated   int64   `json:"allocated"`
	Delivered   int64   `json:"delivered"`
	Pledges     []int64 `json:"pledges"`
	Shipments   []int64 `json:"shipments"`
}

// AddParts records the spare parts a repair order needs, each as a
// requirement delivered to the order's facility (or where the piece is,
// for a repair in theatre), in one transaction; an order in repair then
// waits for its parts.
func (db *DB) AddParts(ctx context.Context, orderID int64, parts []repair.Part) ([]PartNeed, error) {
	if len(parts) == 0 {
		return nil, fault.Field("parts", "name at least one part: an NSN and a quantity")
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		r, dest := orderFields()
		err := tx.queryRow(ctx, `SELECT `+orderColumns+` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE o.id = ?`, orderID).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no repair order RO-%05d", orderID)
		}
		if err != nil {
			return err
		}
		o := r.order()
		me := access.IdentityFrom(ctx)
		if me.Via != "system" && !me.Has(access.Coordinator) && !(me.Has(access.FacilityManager) && me.Site == o.Facility) {
			return fault.Errorf(fault.Forbidden, "%s may not ask for parts for %s", me.Name, o.Ref())
		}
		if !o.Open() || o.State == repair.Repaired || o.State == repair.Returned {
			return fault.Errorf(fault.Conflict, "%s is %s: it needs no more parts", o.Ref(), strings.ReplaceAll(o.State, "_", " "))
		}
		site := o.Facility
		if site == "" {
			site = o.Location
		}
		var errs fault.List
		svc := assist.Service{}
		for i, p := range parts {
			if p.Quantity <= 0 {
				errs.Add(fmt.Sprintf("parts[%d].quantity", i), "must be a positive whole number")
				continue
			}
			req := assist.Requirement{NSN: strings.TrimSpace(p.NSN), Quantity: p.Quantity, Priority: o.Priority, NeedBy: tx.now.AddDate(0, 0, 30).Format("2006-01-02"),
				DeliverySite: site, Notes: fmt.Sprintf("spare parts for %s (%s %s)", o.Ref(), o.ItemName, o.Serial)}
			if err := svc.CreateRequirementIn(ctx, tx, &req); err != nil {
				if e := fault.As(err); e != nil && e.Code == fault.Invalid {
					errs.Append(fmt.Sprintf("parts[%d]", i), err)
					continue
				}
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO repair_parts (order_id, requirement_id) VALUES (?, ?)`, o.ID, req.ID); err != nil {
				return err
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.orderEvent(ctx, o.ID, o.State, fmt.Sprintf("%d parts asked for", len(parts))); err != nil {
			return err
		}
		if o.State == repair.Repairs {
			if _, err := db.moveOrderIn(ctx, tx, o.ID, 0, repair.Parts, "waiting for parts"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.Parts(ctx, orderID)
}

// Parts lists a repair order's spare parts with what brings them.
func (db *DB) Parts(ctx context.Context, orderID int64) ([]PartNeed, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT r.id, COALESCE(r.nsn, ''), COALESCE(i.name, ''), r.quantity, r.allocated, r.delivered
		FROM repair_parts p JOIN requirements r ON r.id = p.requirement_id LEFT JOIN items i ON i.nsn = r.nsn WHERE p.order_id = ? ORDER BY r.id`), orderID)
	if err != nil {
		return nil, err
	}
	out := []PartNeed{}
	for rows.Next() {
		var p PartNeed
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

// PipelineWeek counts the open repair orders in each state at the end of a
// week.
type PipelineWeek struct {
	End    time.Time      `json:"end"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

// Pipeline counts, for each of the last weeks weeks up to now, the orders
// the reader may see by the state they were in at the week's end, from
// the orders' history.
func (db *DB) Pipeline(ctx context.Context, weeks int, now time.Time) ([]PipelineWeek, error) {
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
	out := make([]PipelineWeek, weeks)
	for w := range weeks {
		end := now.AddDate(0, 0, -7*(weeks-1-w))
		pw := PipelineWeek{End: end, Counts: map[string]int{}}
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

// RecordRepairCost records what a finished repair cost and who paid: the
// cost counts as that nation's contribution to maintenance and logistics,
// dated today, with the order as its evidence, in the same transaction. A
// cost is recorded once.
func (db *DB) RecordRepairCost(ctx context.Context, id int64, cost money.Cents, paidBy string) (repair.Order, error) {
	var o repair.Order
	if cost <= 0 {
		return o, fault.Field("cost", "must be more than zero")
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		r, dest := orderFields()
		err := tx.queryRow(ctx, `SELECT `+orderColumns+` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn WHERE o.id = ?`, id).Scan(dest...)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no repair order RO-%05d", id)
		}
		if err != nil {
			return err
		}
		o = r.order()
		me := access.IdentityFrom(ctx)
		if me.Via != "system" && !me.Has(access.Coordinator) && !(me.Has(access.FacilityManager) && me.Site == o.Facility) {
			return fault.Errorf(fault.Forbidden, "%s may not record the cost of %s", me.Name, o.Ref())
		}
		if err := accounts.MayCredit(me, paidBy); err != nil {
			return err
		}
		if o.State != repair.Repaired && o.State != repair.Returned && o.State != repair.Received {
			return fault.Errorf(fault.Conflict, "%s is %s: its cost is recorded once it is repaired", o.Ref(), strings.ReplaceAll(o.State, "_", " "))
		}
		if o.Cost > 0 {
			return fault.Errorf(fault.Conflict, "the cost of %s was recorded already: %s paid by %s", o.Ref(), money.Cents(o.Cost).Human(false), o.PaidBy)
		}
		c := accounts.Contribution{Nation: paidBy, Date: tx.now.Format("2006-01-02"), Category: "maintenance_logistics", Currency: "EUR", Original: cost,
			Evidence: fmt.Sprintf("repair order %s at %s", o.Ref(), o.Facility), Notes: fmt.Sprintf("repair of %s %s", o.ItemName, o.Serial)}
		if err := c.Validate(); err != nil {
			return err
		}
		if err := tx.addContribution(ctx, &c); err != nil {
			return err
		}
		before := o
		o.Cost, o.PaidBy = int64(cost), c.Nation
		if _, err := tx.exec(ctx, `UPDATE repair_orders SET cost = ?, paid_by = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, o.Cost, o.PaidBy, ts(tx.now), o.ID, before.Version); err != nil {
			return err
		}
		o.Version++
		if err := tx.orderEvent(ctx, o.ID, o.State, fmt.Sprintf("cost %s paid by %s, counted as %s", cost.Human(false), o.PaidBy, c.Ref())); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "repair.cost", Entity: "repair_order", EntityID: strconv.FormatInt(o.ID, 10), Before: before, After: o})
	})
	return o, err
}

// WriteOff takes a piece out of the fleet for good, with the reason: one
// destroyed or written off already, or with an open repair order, is
// refused.
func (db *DB) WriteOff(ctx context.Context, id int64, reason string) (repair.Equipment, error) {
	var e repair.Equipment
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return e, fault.Field("reason", "say why the piece is written off")
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		var err error
		if e, err = tx.piece(ctx, id); err != nil {
			return err
		}
		if e.Gone() {
			return fault.Errorf(fault.Conflict, "%s is %s already", e.Ref(), strings.ReplaceAll(e.State, "_", " "))
		}
		var open int64
		if err := tx.queryRow(ctx, `SELECT id FROM repair_orders WHERE equipment_id = ? AND NOT ((severity = 'theatre' AND state = 'repaired') OR state = 'received')`, e.ID).Scan(&open); err == nil {
			return fault.Errorf(fault.Conflict, "%s has an open repair order, RO-%05d: finish it first", e.Ref(), open)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		before := e
		e.State = repair.WrittenOff
		if err := tx.savePiece(ctx, &e, before.Version); err != nil {
			return err
		}
		if err := tx.equipmentEvent(ctx, e.ID, "written off", e.State, e.Location, 0, reason); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "equipment.write_off", Entity: "equipment", EntityID: strconv.FormatInt(e.ID, 10), Before: before, After: e})
	})
	return e, err
}
