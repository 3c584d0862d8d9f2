package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/repair"
)

// repairTx is a write transaction seen by the repair use cases: the
// ledger's and the network's storage of Tx, and the register's own.
type repairTx struct{ *Tx }

var _ repair.Tx = repairTx{}

// Repair adapts Transact to the repair Store interface.
type Repair struct{ DB *DB }

// Transact runs fn in one write transaction.
func (r Repair) Transact(ctx context.Context, fn func(repair.Tx) error) error {
	return r.DB.Transact(ctx, func(tx *Tx) error { return fn(repairTx{tx}) })
}

const pieceFrom = ` FROM equipment e JOIN items i ON i.nsn = e.nsn`

func (tx repairTx) pieceWhere(ctx context.Context, where string, args ...any) (repair.Equipment, error) {
	r, dest := equipmentFields()
	err := tx.queryRow(ctx, `SELECT `+equipmentColumns+pieceFrom+` WHERE `+where, args...).Scan(dest...)
	return r.piece(), err
}

// Piece returns the piece with id.
func (tx repairTx) Piece(ctx context.Context, id int64) (repair.Equipment, error) {
	e, err := tx.pieceWhere(ctx, `e.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Equipment{}, notFound("no equipment E-%05d", id)
	}
	return e, err
}

// PieceBySerial returns the piece of item nsn with serial number serial.
func (tx repairTx) PieceBySerial(ctx context.Context, nsn, serial string) (repair.Equipment, error) {
	e, err := tx.pieceWhere(ctx, `e.nsn = ? AND e.serial = ?`, nsn, serial)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Equipment{}, notFound("no equipment %s of %s", serial, nsn)
	}
	return e, err
}

// CreatePiece inserts a piece and sets its id.
func (tx repairTx) CreatePiece(ctx context.Context, e *repair.Equipment) error {
	var ship any
	if e.Shipment != 0 {
		ship = e.Shipment
	}
	id, err := tx.insertID(ctx, `INSERT INTO equipment (nsn, serial, donor, received_on, shipment_id, location, state, hours, rounds, notes, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.NSN, e.Serial, e.Donor, e.Received, ship, e.Location, e.State, e.Hours, e.Rounds, e.Notes, e.Version, ts(e.CreatedAt), ts(e.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "equipment")
	}
	e.ID = id
	return nil
}

// SavePiece writes the piece's state, location, hours, rounds and notes if
// its stored version is version.
func (tx repairTx) SavePiece(ctx context.Context, e *repair.Equipment, version int64) error {
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

// PieceEvent adds an entry to a piece's timeline.
func (tx repairTx) PieceEvent(ctx context.Context, ev repair.Event) error {
	var o any
	if ev.Order != 0 {
		o = ev.Order
	}
	_, err := tx.exec(ctx, `INSERT INTO equipment_events (equipment_id, at, actor, kind, state, site, order_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Equipment, ts(tx.now), access.ActorName(ctx), ev.Kind, ev.State, ev.Site, o, ev.Note)
	return err
}

const orderFrom = ` FROM repair_orders o JOIN equipment e ON e.id = o.equipment_id JOIN items i ON i.nsn = e.nsn`

func (tx repairTx) orderWhere(ctx context.Context, where string, args ...any) (repair.Order, error) {
	r, dest := orderFields()
	err := tx.queryRow(ctx, `SELECT `+orderColumns+orderFrom+` WHERE `+where, args...).Scan(dest...)
	return r.order(), err
}

// Order returns the repair order with id.
func (tx repairTx) Order(ctx context.Context, id int64) (repair.Order, error) {
	o, err := tx.orderWhere(ctx, `o.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Order{}, notFound("no repair order RO-%05d", id)
	}
	return o, err
}

// OpenOrder returns the piece's open repair order.
func (tx repairTx) OpenOrder(ctx context.Context, equipment int64) (repair.Order, error) {
	o, err := tx.orderWhere(ctx, `o.equipment_id = ? AND `+orderOpen+` ORDER BY o.id LIMIT 1`, equipment)
	if errors.Is(err, sql.ErrNoRows) {
		return repair.Order{}, notFound("no open repair order on E-%05d", equipment)
	}
	return o, err
}

// CreateOrder inserts a repair order and sets its id.
func (tx repairTx) CreateOrder(ctx context.Context, o *repair.Order) error {
	id, err := tx.insertID(ctx, `INSERT INTO repair_orders (equipment_id, fault, severity, priority, location, state, reported_at, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Equipment, o.Fault, o.Severity, o.Priority, o.Location, o.State, ts(o.Reported), o.Version, ts(o.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "repair order")
	}
	o.ID = id
	return nil
}

// SaveOrder writes the order's state, facility, due date, shipments,
// repair date and cost if its stored version is version.
func (tx repairTx) SaveOrder(ctx context.Context, o *repair.Order, version int64) error {
	o.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE repair_orders SET state = ?, facility = ?, due = ?, outbound_shipment = ?, return_shipment = ?, repaired_on = ?, cost = ?, paid_by = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		o.State, nullString(o.Facility), o.Due, nullID(o.Outbound), nullID(o.Inbound), o.Repaired, o.Cost, o.PaidBy, ts(o.UpdatedAt), o.ID, version)
	if err != nil {
		return mapConstraint(err, o.Ref())
	}
	if err := checkUpdated(res, o.Ref(), version); err != nil {
		return err
	}
	o.Version = version + 1
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// OrderEvent records that the order entered state, or a note on it.
func (tx repairTx) OrderEvent(ctx context.Context, order int64, state, note string) error {
	_, err := tx.exec(ctx, `INSERT INTO repair_order_events (order_id, at, state, actor, note) VALUES (?, ?, ?, ?, ?)`, order, ts(tx.now), state, access.ActorName(ctx), note)
	return err
}

// AddPart links a requirement for spare parts to the order.
func (tx repairTx) AddPart(ctx context.Context, order, requirement int64) error {
	_, err := tx.exec(ctx, `INSERT INTO repair_parts (order_id, requirement_id) VALUES (?, ?)`, order, requirement)
	return err
}

// Facility returns the repair facility at site with its competences.
func (tx repairTx) Facility(ctx context.Context, site string) (repair.RepairFacility, error) {
	fs, err := tx.db.repairFacilities(ctx, tx, site)
	if err != nil {
		return repair.RepairFacility{}, err
	}
	if len(fs) == 0 {
		return repair.RepairFacility{}, notFound("no repair facility %s", site)
	}
	return fs[0], nil
}

// InRepair counts the facility's orders holding a slot.
func (tx repairTx) InRepair(ctx context.Context, site string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM repair_orders WHERE facility = ? AND state IN (?, ?)`, site, repair.Repairs, repair.Parts).Scan(&n)
	return n, err
}

// CreateFacility inserts a repair facility with its competences and sets
// its version.
func (tx repairTx) CreateFacility(ctx context.Context, f *repair.RepairFacility) error {
	if _, err := tx.exec(ctx, `INSERT INTO repair_facilities (site, slots, version, updated_at) VALUES (?, ?, 1, ?)`, f.Site, f.Slots, ts(tx.now)); err != nil {
		return mapConstraint(err, "repair facility "+f.Site)
	}
	f.Version = 1
	return tx.insertCompetences(ctx, f)
}

// UpdateFacility writes the facility's slots and competences if its stored
// version is version.
func (tx repairTx) UpdateFacility(ctx context.Context, f *repair.RepairFacility, version int64) error {
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
	return tx.insertCompetences(ctx, f)
}

func (tx repairTx) insertCompetences(ctx context.Context, f *repair.RepairFacility) error {
	for _, c := range f.Competences {
		if _, err := tx.exec(ctx, `INSERT INTO repair_competences (site, target, turnaround_days) VALUES (?, ?, ?)`, f.Site, c.Target, c.Days); err != nil {
			return err
		}
	}
	return nil
}

// Accounts is the accounts' port over the same transaction.
func (tx repairTx) Accounts() accounts.Tx { return accountsTx{tx.Tx} }

// PlanInput reads the repair plan's inputs and their fingerprint through
// the transaction.
func (tx repairTx) PlanInput(ctx context.Context, start time.Time, horizon int) (repair.PlanInput, string, error) {
	return tx.db.repairPlanInput(ctx, tx, start, horizon)
}
