package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
)

var _ logistics.Tx = (*Tx)(nil)

// Logistics adapts Transact to the logistics Store interface.
type Logistics struct{ DB *DB }

// Transact runs fn in one write transaction.
func (l Logistics) Transact(ctx context.Context, fn func(logistics.Tx) error) error {
	return l.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

// UpdateSite writes a site's name, nation, kinds, place and notes.
func (tx *Tx) UpdateSite(ctx context.Context, s *catalog.Site) error {
	_, err := tx.exec(ctx, `UPDATE sites SET name = ?, nation = ?, kinds = ?, lat_e6 = ?, lon_e6 = ?, notes = ? WHERE code = ?`,
		s.Name, s.Nation, strings.Join(s.Kinds, ","), s.LatE6, s.LonE6, s.Notes, s.Code)
	return mapConstraint(err, "site "+s.Code)
}

// ---- links and hubs ----

const linkColumns = "k.id, k.from_site, k.to_site, k.mode, k.transit_hours, k.capacity_t_day, k.capacity_pallets_day, k.notes, k.version, k.created_at, k.updated_at"

type linkRow struct {
	logistics.Link
	created, updated string
}

func linkFields() (*linkRow, []any) {
	r := &linkRow{}
	l := &r.Link
	return r, []any{&l.ID, &l.From, &l.To, &l.Mode, &l.TransitHours, &l.CapacityTonnesDay, &l.CapacityPalletsDay, &l.Notes, &l.Version, &r.created, &r.updated}
}

func (r *linkRow) link() logistics.Link {
	r.CreatedAt, r.UpdatedAt = parseTS(r.created), parseTS(r.updated)
	return r.Link
}

func (db *DB) links(ctx context.Context, q querier, where string, args ...any) ([]logistics.Link, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+linkColumns+` FROM links k `+where+` ORDER BY k.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.Link{}
	for rows.Next() {
		r, dest := linkFields()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r.link())
	}
	return out, rows.Err()
}

// Link returns the link with id.
func (tx *Tx) Link(ctx context.Context, id int64) (logistics.Link, error) {
	ls, err := tx.db.links(ctx, tx, `WHERE k.id = ?`, id)
	if err == nil && len(ls) == 0 {
		err = notFound("no link %d", id)
	}
	if err != nil {
		return logistics.Link{}, err
	}
	return ls[0], nil
}

// LinkBetween returns the link from one site to another by mode.
func (tx *Tx) LinkBetween(ctx context.Context, from, to, mode string) (logistics.Link, error) {
	ls, err := tx.db.links(ctx, tx, `WHERE k.from_site = ? AND k.to_site = ? AND k.mode = ?`, from, to, mode)
	if err == nil && len(ls) == 0 {
		err = notFound("no %s link from %s to %s", mode, from, to)
	}
	if err != nil {
		return logistics.Link{}, err
	}
	return ls[0], nil
}

// CreateLink inserts a link.
func (tx *Tx) CreateLink(ctx context.Context, l *logistics.Link) error {
	l.Version = 1
	id, err := tx.insertID(ctx, `INSERT INTO links (from_site, to_site, mode, transit_hours, capacity_t_day, capacity_pallets_day, notes, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		l.From, l.To, l.Mode, l.TransitHours, l.CapacityTonnesDay, l.CapacityPalletsDay, l.Notes, ts(l.CreatedAt), ts(l.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "link "+l.Ref())
	}
	l.ID = id
	return nil
}

// UpdateLink writes a link if its stored version is version.
func (tx *Tx) UpdateLink(ctx context.Context, l *logistics.Link, version int64) error {
	res, err := tx.exec(ctx, `UPDATE links SET from_site = ?, to_site = ?, mode = ?, transit_hours = ?, capacity_t_day = ?, capacity_pallets_day = ?, notes = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		l.From, l.To, l.Mode, l.TransitHours, l.CapacityTonnesDay, l.CapacityPalletsDay, l.Notes, ts(l.UpdatedAt), l.ID, version)
	if err != nil {
		return mapConstraint(err, "link "+l.Ref())
	}
	if err := checkUpdated(res, "link "+l.Ref(), version); err != nil {
		return err
	}
	l.Version = version + 1
	return nil
}

// Links returns every link of the network.
func (db *DB) Links(ctx context.Context) ([]logistics.Link, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.NetworkRead) {
		return []logistics.Link{}, nil
	}
	return db.links(ctx, db.rq, "")
}

// Link returns the link with id.
func (db *DB) Link(ctx context.Context, id int64) (logistics.Link, error) {
	ls, err := db.links(ctx, db.rq, `WHERE k.id = ?`, id)
	if err == nil && (len(ls) == 0 || !access.Allowed(access.IdentityFrom(ctx), access.NetworkRead)) {
		err = notFound("no link %d", id)
	}
	if err != nil {
		return logistics.Link{}, err
	}
	return ls[0], nil
}

const hubColumns = "s.code, s.name, s.nation, COALESCE(h.throughput_t_day, 0), COALESCE(h.storage_t, 0), COALESCE(h.dwell_hours, 0), COALESCE(h.version, 0), COALESCE(h.updated_at, '')"

func (db *DB) hubs(ctx context.Context, q querier, where string, args ...any) ([]logistics.Hub, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+hubColumns+` FROM sites s LEFT JOIN hubs h ON h.site = s.code
		WHERE (',' || s.kinds || ',') LIKE '%,logistics_hub,%' `+where+` ORDER BY s.code`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.Hub{}
	for rows.Next() {
		var h logistics.Hub
		var updated string
		if err := rows.Scan(&h.Site, &h.Name, &h.Nation, &h.ThroughputTDay, &h.StorageTonnes, &h.DwellHours, &h.Version, &updated); err != nil {
			return nil, err
		}
		h.Configured = h.Version > 0
		if !h.Configured {
			h.DwellHours = logistics.DefaultDwellHours
		}
		if updated != "" {
			h.UpdatedAt = parseTS(updated)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Hub returns the limits of hub site; a hub whose limits were never set
// has version 0.
func (tx *Tx) Hub(ctx context.Context, site string) (logistics.Hub, error) {
	hs, err := tx.db.hubs(ctx, tx, `AND s.code = ?`, site)
	if err == nil && len(hs) == 0 {
		err = notFound("no logistics hub %q", site)
	}
	if err != nil {
		return logistics.Hub{}, err
	}
	return hs[0], nil
}

// SaveHub writes a hub's limits if their stored version is version.
func (tx *Tx) SaveHub(ctx context.Context, h *logistics.Hub, version int64) error {
	if version == 0 {
		if _, err := tx.exec(ctx, `INSERT INTO hubs (site, throughput_t_day, storage_t, dwell_hours, version, updated_at) VALUES (?, ?, ?, ?, 1, ?)`,
			h.Site, h.ThroughputTDay, h.StorageTonnes, h.DwellHours, ts(h.UpdatedAt)); err != nil {
			return mapConstraint(err, "hub "+h.Site)
		}
		h.Version = 1
		return nil
	}
	res, err := tx.exec(ctx, `UPDATE hubs SET throughput_t_day = ?, storage_t = ?, dwell_hours = ?, version = version + 1, updated_at = ? WHERE site = ? AND version = ?`,
		h.ThroughputTDay, h.StorageTonnes, h.DwellHours, ts(h.UpdatedAt), h.Site, version)
	if err != nil {
		return mapConstraint(err, "hub "+h.Site)
	}
	if err := checkUpdated(res, "hub "+h.Site, version); err != nil {
		return err
	}
	h.Version = version + 1
	return nil
}

// Network returns every site, hub and link, for routing.
func (tx *Tx) Network(ctx context.Context) (logistics.Network, error) {
	return tx.db.network(ctx, tx)
}

func (db *DB) network(ctx context.Context, q querier) (logistics.Network, error) {
	n := logistics.Network{Sites: map[string]catalog.Site{}, Hubs: map[string]logistics.Hub{}}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT `+siteColumns+` FROM sites s`))
	if err != nil {
		return n, err
	}
	for rows.Next() {
		r, dest := siteFields()
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return n, err
		}
		n.Sites[r.Code] = r.site()
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	hubs, err := db.hubs(ctx, q, "")
	if err != nil {
		return n, err
	}
	for _, h := range hubs {
		n.Hubs[h.Site] = h
	}
	n.Links, err = db.links(ctx, q, "")
	return n, err
}

// Network returns every site, hub and link.
func (db *DB) Network(ctx context.Context) (logistics.Network, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.NetworkRead) {
		return logistics.Network{Sites: map[string]catalog.Site{}, Hubs: map[string]logistics.Hub{}}, nil
	}
	return db.network(ctx, db.rq)
}

// ---- shipments ----

// Allocation returns the allocation with id.
func (tx *Tx) Allocation(ctx context.Context, id int64) (assist.Allocation, error) {
	rows, err := tx.query(ctx, `SELECT `+allocationColumns+allocationFrom+` WHERE a.id = ?`, id)
	if err != nil {
		return assist.Allocation{}, err
	}
	as, err := scanAllocations(rows)
	if err == nil && len(as) == 0 {
		err = notFound("no allocation %d", id)
	}
	if err != nil {
		return assist.Allocation{}, err
	}
	return as[0], nil
}

// Reserved returns the quantity of an allocation in planned shipments.
func (tx *Tx) Reserved(ctx context.Context, allocation int64) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
		WHERE sl.allocation_id = ? AND s.state = 'planned'`, allocation).Scan(&n)
	return n, err
}

const shipmentColumns = "s.id, s.nation, s.origin, s.destination, s.state, s.held_from, s.leg, s.location, s.holder, s.planned_departure, s.eta, s.dispatched_at, s.received_at, s.mass_g, s.value, s.notes, s.classification, s.releasable_to, s.legs, s.version, s.created_at, s.updated_at"

type shipmentRow struct {
	logistics.Shipment
	planned, eta, dispatched, received, rel, legs, created, updated string
}

func shipmentFields() (*shipmentRow, []any) {
	r := &shipmentRow{}
	s := &r.Shipment
	return r, []any{&s.ID, &s.Nation, &s.Origin, &s.Destination, &s.State, &s.HeldFrom, &s.Leg, &s.Location, &s.Holder, &r.planned, &r.eta, &r.dispatched, &r.received,
		&s.MassG, &s.Value, &s.Notes, &s.Classification, &r.rel, &r.legs, &s.Version, &r.created, &r.updated}
}

func (r *shipmentRow) shipment() logistics.Shipment {
	s := r.Shipment
	s.PlannedDeparture, s.ETA = parseTS(r.planned), parseTS(r.eta)
	if r.dispatched != "" {
		s.DispatchedAt = parseTS(r.dispatched)
	}
	if r.received != "" {
		s.ReceivedAt = parseTS(r.received)
	}
	s.ReleasableTo = access.ParseReleasability(r.rel)
	s.CreatedAt, s.UpdatedAt = parseTS(r.created), parseTS(r.updated)
	s.Legs = []logistics.Leg{}
	_ = json.Unmarshal([]byte(r.legs), &s.Legs)
	return s
}

func tsOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

// routeKey is a shipment's route as stored, for the hub operator's filter.
func routeKey(s *logistics.Shipment) string {
	return "," + strings.Join(s.Route(), ",") + ","
}

func (db *DB) shipment(ctx context.Context, q querier, id int64, v visibility) (logistics.Shipment, error) {
	r, dest := shipmentFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+shipmentColumns+` FROM shipments s WHERE s.id = ? AND `+v.cond), append([]any{id}, v.args...)...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return logistics.Shipment{}, notFound("no shipment %d", id)
	}
	if err != nil {
		return logistics.Shipment{}, err
	}
	s := r.shipment()
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT sl.no, sl.allocation_id, sl.pledge_id, sl.line_id, sl.requirement_id, sl.nsn, i.name, sl.quantity, sl.received, sl.unit_value, sl.mass_g
		FROM shipment_lines sl JOIN items i ON i.nsn = sl.nsn WHERE sl.shipment_id = ? ORDER BY sl.no`), id)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	s.Lines = []logistics.Line{}
	for rows.Next() {
		var l logistics.Line
		if err := rows.Scan(&l.No, &l.Allocation, &l.Pledge, &l.PledgeLine, &l.Requirement, &l.NSN, &l.ItemName, &l.Quantity, &l.Received, &l.UnitValue, &l.MassG); err != nil {
			return s, err
		}
		s.Lines = append(s.Lines, l)
	}
	return s, rows.Err()
}

// Shipment returns the shipment with id.
func (tx *Tx) Shipment(ctx context.Context, id int64) (logistics.Shipment, error) {
	return tx.db.shipment(ctx, tx, id, visibility{cond: "1 = 1"})
}

// Shipment returns the shipment with id, if the reader may see it.
func (db *DB) Shipment(ctx context.Context, id int64) (logistics.Shipment, error) {
	return db.shipment(ctx, db.rq, id, db.shipmentsVisible(ctx))
}

// shipmentsVisible is who reads a shipment: by its marking like any record,
// and the operator of a hub on its route (logistics.CanSee in SQL).
func (db *DB) shipmentsVisible(ctx context.Context) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, access.ShipmentRead) || !id.Has(access.HubOperator) || id.SeesAllNations() || id.Via == "system" {
		return db.visible(ctx, access.ShipmentRead, "s")
	}
	route := visibility{cond: "(s.classification <= ? AND s.route LIKE ?)", args: []any{int(id.Clearance), "%," + id.Site + ",%"}}
	if id.Site == "" {
		route = visibility{cond: "1 = 0"}
	}
	if logistics.HubOnly(id) {
		return route
	}
	v := db.visible(ctx, access.ShipmentRead, "s")
	return visibility{cond: "(" + v.cond + " OR " + route.cond + ")", args: append(append([]any(nil), v.args...), route.args...)}
}

func legsJSON(legs []logistics.Leg) string {
	b, _ := json.Marshal(legs)
	return string(b)
}

// CreateShipment inserts a shipment and its lines.
func (tx *Tx) CreateShipment(ctx context.Context, s *logistics.Shipment) error {
	s.Version = 1
	aud, err := tx.audience(s.Nation, s.ReleasableTo)
	if err != nil {
		return err
	}
	id, err := tx.insertID(ctx, `INSERT INTO shipments (nation, origin, destination, route, state, held_from, leg, location, holder, planned_departure, eta, dispatched_at, received_at, mass_g, value, notes, classification, releasable_to, audience, legs, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		s.Nation, s.Origin, s.Destination, routeKey(s), s.State, s.HeldFrom, s.Leg, s.Location, s.Holder, ts(s.PlannedDeparture), ts(s.ETA), tsOrEmpty(s.DispatchedAt), tsOrEmpty(s.ReceivedAt),
		s.MassG, s.Value, s.Notes, int(s.Classification), strings.Join(s.ReleasableTo, ","), aud, legsJSON(s.Legs), ts(s.CreatedAt), ts(s.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "shipment")
	}
	s.ID = id
	for _, l := range s.Lines {
		if _, err := tx.exec(ctx, `INSERT INTO shipment_lines (shipment_id, no, allocation_id, pledge_id, line_id, requirement_id, nsn, quantity, received, unit_value, mass_g) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, l.No, l.Allocation, l.Pledge, l.PledgeLine, l.Requirement, l.NSN, l.Quantity, l.Received, l.UnitValue, l.MassG); err != nil {
			return mapConstraint(err, fmt.Sprintf("shipment line %d", l.No))
		}
	}
	return nil
}

// UpdateShipment writes a shipment's state, place, times and legs, and the
// received quantity of each line, if its stored version is version.
func (tx *Tx) UpdateShipment(ctx context.Context, s *logistics.Shipment, version int64) error {
	res, err := tx.exec(ctx, `UPDATE shipments SET state = ?, held_from = ?, leg = ?, location = ?, holder = ?, eta = ?, dispatched_at = ?, received_at = ?, legs = ?, notes = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		s.State, s.HeldFrom, s.Leg, s.Location, s.Holder, ts(s.ETA), tsOrEmpty(s.DispatchedAt), tsOrEmpty(s.ReceivedAt), legsJSON(s.Legs), s.Notes, ts(s.UpdatedAt), s.ID, version)
	if err != nil {
		return mapConstraint(err, s.Ref())
	}
	if err := checkUpdated(res, s.Ref(), version); err != nil {
		return err
	}
	if s.State == logistics.Received {
		for _, l := range s.Lines {
			if _, err := tx.exec(ctx, `UPDATE shipment_lines SET received = ? WHERE shipment_id = ? AND no = ?`, l.Received, s.ID, l.No); err != nil {
				return mapConstraint(err, fmt.Sprintf("%s line %d", s.Ref(), l.No))
			}
		}
	}
	s.Version = version + 1
	return nil
}

func (db *DB) custody(ctx context.Context, q querier, shipment int64) ([]logistics.CustodyEvent, error) {
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT no, at, action, state, site, from_party, to_party, actor, note FROM custody_events WHERE shipment_id = ? ORDER BY no`), shipment)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.CustodyEvent{}
	for rows.Next() {
		var e logistics.CustodyEvent
		var at string
		if err := rows.Scan(&e.No, &at, &e.Action, &e.State, &e.Site, &e.From, &e.To, &e.Actor, &e.Note); err != nil {
			return nil, err
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Custody returns a shipment's custody chain, oldest first.
func (tx *Tx) Custody(ctx context.Context, shipment int64) ([]logistics.CustodyEvent, error) {
	return tx.db.custody(ctx, tx, shipment)
}

// Custody returns the custody chain of a shipment the reader may see.
func (db *DB) Custody(ctx context.Context, shipment int64) ([]logistics.CustodyEvent, error) {
	v := db.shipmentsVisible(ctx)
	var one int
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT 1 FROM shipments s WHERE s.id = ? AND `+v.cond), append([]any{shipment}, v.args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no shipment %d", shipment)
	}
	if err != nil {
		return nil, err
	}
	return db.custody(ctx, db.rq, shipment)
}

// AddCustody appends an event to a shipment's custody chain and numbers it.
func (tx *Tx) AddCustody(ctx context.Context, shipment int64, e *logistics.CustodyEvent) error {
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(no), 0) + 1 FROM custody_events WHERE shipment_id = ?`, shipment).Scan(&e.No); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO custody_events (shipment_id, no, at, action, state, site, from_party, to_party, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		shipment, e.No, ts(e.At), e.Action, e.State, e.Site, e.From, e.To, e.Actor, e.Note)
	return mapConstraint(err, "custody event")
}

// ---- discrepancies ----

const discrepancyColumns = "d.id, d.shipment_id, d.line_no, d.nsn, d.kind, d.quantity, d.reason, d.state, d.resolution, d.resolution_note, d.resolved_by, d.resolved_at, d.version, d.created_at, s.nation, s.classification, s.releasable_to"

type discrepancyRow struct {
	logistics.Discrepancy
	resolved, created, rel string
}

func discrepancyFields() (*discrepancyRow, []any) {
	r := &discrepancyRow{}
	d := &r.Discrepancy
	return r, []any{&d.ID, &d.Shipment, &d.LineNo, &d.NSN, &d.Kind, &d.Quantity, &d.Reason, &d.State, &d.Resolution, &d.ResolutionNote, &d.ResolvedBy, &r.resolved, &d.Version, &r.created,
		&d.Nation, &d.Classification, &r.rel}
}

func (r *discrepancyRow) discrepancy() logistics.Discrepancy {
	d := r.Discrepancy
	if r.resolved != "" {
		d.ResolvedAt = parseTS(r.resolved)
	}
	d.CreatedAt = parseTS(r.created)
	d.ReleasableTo = access.ParseReleasability(r.rel)
	return d
}

// Discrepancy returns the discrepancy with id.
func (tx *Tx) Discrepancy(ctx context.Context, id int64) (logistics.Discrepancy, error) {
	r, dest := discrepancyFields()
	err := tx.queryRow(ctx, `SELECT `+discrepancyColumns+` FROM discrepancies d JOIN shipments s ON s.id = d.shipment_id WHERE d.id = ?`, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return logistics.Discrepancy{}, notFound("no discrepancy %d", id)
	}
	return r.discrepancy(), err
}

// CreateDiscrepancy inserts a discrepancy.
func (tx *Tx) CreateDiscrepancy(ctx context.Context, d *logistics.Discrepancy) error {
	d.Version = 1
	id, err := tx.insertID(ctx, `INSERT INTO discrepancies (shipment_id, line_no, nsn, kind, quantity, reason, state, resolution, resolution_note, resolved_by, resolved_at, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', '', 1, ?)`,
		d.Shipment, d.LineNo, d.NSN, d.Kind, d.Quantity, d.Reason, d.State, ts(d.CreatedAt))
	if err != nil {
		return mapConstraint(err, "discrepancy")
	}
	d.ID = id
	return nil
}

// UpdateDiscrepancy writes a discrepancy's resolution if its stored version
// is version.
func (tx *Tx) UpdateDiscrepancy(ctx context.Context, d *logistics.Discrepancy, version int64) error {
	res, err := tx.exec(ctx, `UPDATE discrepancies SET state = ?, resolution = ?, resolution_note = ?, resolved_by = ?, resolved_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		d.State, d.Resolution, d.ResolutionNote, d.ResolvedBy, tsOrEmpty(d.ResolvedAt), d.ID, version)
	if err != nil {
		return mapConstraint(err, d.Ref())
	}
	if err := checkUpdated(res, d.Ref(), version); err != nil {
		return err
	}
	d.Version = version + 1
	return nil
}

// Discrepancies lists the discrepancies of shipments the reader may see.
func (db *DB) Discrepancies(ctx context.Context, f logistics.DiscrepancyFilter, o list.Options) (list.Page[logistics.Discrepancy], error) {
	q := &listQuery{from: "discrepancies d JOIN shipments s ON s.id = d.shipment_id", columns: discrepancyColumns, key: "d.id",
		sorts: map[string]string{"id": "d.id", "quantity": "d.quantity", "created_at": "d.created_at"}, def: "-id"}
	q.visible(db.shipmentsVisible(ctx))
	if f.State != "" {
		q.filter("d.state = ?", f.State)
	}
	if f.Kind != "" {
		q.filter("d.kind = ?", f.Kind)
	}
	if f.Shipment != 0 {
		q.filter("d.shipment_id = ?", f.Shipment)
	}
	p, err := runList(ctx, db, q, o, discrepancyFields)
	out := list.Page[logistics.Discrepancy]{Next: p.Next, Total: p.Total, Items: make([]logistics.Discrepancy, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].discrepancy()
	}
	return out, err
}

// ---- stock ----

// StockLevel returns the balance of one item at a hub.
func (tx *Tx) StockLevel(ctx context.Context, site, nsn string) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT quantity FROM hub_stock WHERE site = ? AND nsn = ?`, site, nsn).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// MoveStock records a stock event and adds its delta to the hub's balance
// in the same transaction.
func (tx *Tx) MoveStock(ctx context.Context, e logistics.StockEvent) error {
	var ship any
	if e.Shipment != 0 {
		ship = e.Shipment
	}
	if _, err := tx.exec(ctx, `INSERT INTO stock_events (site, nsn, delta, mass_g, kind, shipment_id, at, day, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Site, e.NSN, e.Delta, e.MassG, e.Kind, ship, ts(e.At), e.At.UTC().Format("2006-01-02"), e.Reason, e.Actor); err != nil {
		return mapConstraint(err, "stock event")
	}
	_, err := tx.exec(ctx, `INSERT INTO hub_stock (site, nsn, quantity) VALUES (?, ?, ?) ON CONFLICT (site, nsn) DO UPDATE SET quantity = hub_stock.quantity + excluded.quantity`,
		e.Site, e.NSN, e.Delta)
	return mapConstraint(err, "hub stock")
}

// stockSeen is the hub_stock table as the reader of ctx sees it, aliased
// h: each hub's balance per item summed from the stock events of the
// shipments the reader may see, and the counts, which belong to no
// shipment. For a reader who sees every shipment it equals the maintained
// balance (`longhaul check` holds the two equal); for another, the goods
// of a pledge they may not see are not in it.
func (db *DB) stockSeen(ctx context.Context) (string, []any) {
	sv := db.shipmentsVisible(ctx)
	return `(SELECT e.site, e.nsn, SUM(e.delta) AS quantity FROM stock_events e LEFT JOIN shipments s ON s.id = e.shipment_id
		WHERE e.shipment_id IS NULL OR ` + sv.cond + ` GROUP BY e.site, e.nsn) h`, sv.args
}

// HubStock returns the balance of every item at a hub that the reader may
// see, with its mass.
func (db *DB) HubStock(ctx context.Context, site string) ([]logistics.StockLine, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.StockRead) {
		return nil, fault.Errorf(fault.Forbidden, "you may not read hub stock")
	}
	seen, args := db.stockSeen(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT h.site, h.nsn, i.name, h.quantity, h.quantity * i.mass_g FROM `+seen+` JOIN items i ON i.nsn = h.nsn
		WHERE h.site = ? AND h.quantity <> 0 ORDER BY h.nsn`), append(args, strings.ToUpper(site))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []logistics.StockLine{}
	for rows.Next() {
		var l logistics.StockLine
		if err := rows.Scan(&l.Site, &l.NSN, &l.ItemName, &l.Quantity, &l.MassG); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// StockEventSum returns the sum of a hub's stock events per item: what the
// maintained balance must equal.
func (db *DB) StockEventSum(ctx context.Context, site string) (map[string]int64, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT nsn, SUM(delta) FROM stock_events WHERE site = ? GROUP BY nsn`), site)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var nsn string
		var n int64
		if err := rows.Scan(&nsn, &n); err != nil {
			return nil, err
		}
		if n != 0 {
			out[nsn] = n
		}
	}
	return out, rows.Err()
}

// Throughput returns the mass handled at a hub per day from one day to
// another (inclusive), every day listed, counting the shipments the reader
// may see.
func (db *DB) Throughput(ctx context.Context, site, from, to string) ([]logistics.DayLoad, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.StockRead) {
		return nil, fault.Errorf(fault.Forbidden, "you may not read hub throughput")
	}
	sv := db.shipmentsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT e.day, SUM(CASE WHEN e.kind = 'in' THEN e.mass_g ELSE 0 END), SUM(CASE WHEN e.kind = 'out' THEN e.mass_g ELSE 0 END)
		FROM stock_events e LEFT JOIN shipments s ON s.id = e.shipment_id
		WHERE e.site = ? AND e.day >= ? AND e.day <= ? AND e.kind <> 'count' AND (e.shipment_id IS NULL OR `+sv.cond+`) GROUP BY e.day`),
		append([]any{strings.ToUpper(site), from, to}, sv.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string]logistics.DayLoad{}
	for rows.Next() {
		var d logistics.DayLoad
		if err := rows.Scan(&d.Day, &d.InG, &d.OutG); err != nil {
			return nil, err
		}
		got[d.Day] = d
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	start, err := time.Parse("2006-01-02", from)
	if err != nil {
		return nil, fault.Field("from", "%q is not a date", from)
	}
	end, err := time.Parse("2006-01-02", to)
	if err != nil {
		return nil, fault.Field("to", "%q is not a date", to)
	}
	out := []logistics.DayLoad{}
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		k := d.Format("2006-01-02")
		l := got[k]
		l.Day = k
		out = append(out, l)
	}
	return out, nil
}
