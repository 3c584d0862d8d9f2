package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/notify"
)

// raiseFromAudit writes the notification events an audit event tells of,
// in the transaction of the change: they are sent if, and only if, it
// commits.
func (tx *Tx) raiseFromAudit(ctx context.Context, seq int64, action, entity, entityID, after string) error {
	evs := notify.FromAudit(seq, action, entity, entityID, []byte(after))
	for _, ev := range evs {
		if _, err := tx.exec(ctx, `INSERT INTO notify_outbox (event_key, kind, entity, entity_id, title, params, link, audit_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ev.Key, ev.Kind, ev.Entity, ev.EntityID, ev.Title, params(ev.Params), ev.Link, seq, ts(tx.now)); err != nil {
			return fmt.Errorf("write notification %s: %w", ev.Key, err)
		}
	}
	return nil
}

// params is an event's params as the outbox keeps them: JSON, or empty
// for none.
func params(p *notify.Params) string {
	if p == nil {
		return ""
	}
	b, err := json.Marshal(p)
	if err != nil {
		return ""
	}
	return string(b)
}

// Notify adapts the store to notify.Store.
type Notify struct{ DB *DB }

// Transact runs fn in one write transaction.
func (n Notify) Transact(ctx context.Context, fn func(notify.Tx) error) error {
	return n.DB.Transact(ctx, func(tx *Tx) error { return fn(notifyTx{tx}) })
}

// UserSettings returns a user's notification settings.
func (n Notify) UserSettings(ctx context.Context, userID int64) (notify.Settings, error) {
	return n.DB.settings(ctx, n.DB.rq, userID)
}

// Facts reads what the periodic check looks at: every open shipment,
// remedial action, proposed plan and pledge line with something left to
// deliver (the recipients' visibility is
// applied when the events are fanned out).
func (n Notify) Facts(ctx context.Context) (notify.Facts, error) {
	db := n.DB
	var f notify.Facts
	rows, err := db.rq.QueryContext(ctx, `SELECT id, eta FROM shipments WHERE state NOT IN ('delivered', 'received', 'cancelled') ORDER BY id`)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var s notify.OpenShipment
		var eta string
		if err := rows.Scan(&s.ID, &eta); err != nil {
			rows.Close()
			return f, err
		}
		s.ETA = parseTS(eta)
		f.Shipments = append(f.Shipments, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = db.rq.QueryContext(ctx, `SELECT a.id, a.lesson_id, a.owner, a.due FROM lesson_actions a WHERE a.done_at IS NULL ORDER BY a.id`)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var a notify.OpenAction
		if err := rows.Scan(&a.ID, &a.Lesson, &a.Owner, &a.Due); err != nil {
			rows.Close()
			return f, err
		}
		f.Actions = append(f.Actions, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = db.rq.QueryContext(ctx, `SELECT p.id, l.id, l.no, p.promised, l.pledged - l.delivered FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id
		WHERE l.delivered < l.pledged AND p.promised <> '' ORDER BY p.id, l.no`)
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var l notify.OpenLine
		if err := rows.Scan(&l.Pledge, &l.Line, &l.No, &l.Promised, &l.Outstanding); err != nil {
			rows.Close()
			return f, err
		}
		f.Lines = append(f.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = db.rq.QueryContext(ctx, `SELECT id, made_at FROM plans WHERE state = 'proposed' ORDER BY id`)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var p notify.WaitingPlan
		var made string
		if err := rows.Scan(&p.ID, &made); err != nil {
			return f, err
		}
		p.MadeAt = parseTS(made)
		f.Plans = append(f.Plans, p)
	}
	return f, rows.Err()
}

type notifyTx struct{ *Tx }

func (tx notifyTx) Settings(ctx context.Context, userID int64) (notify.Settings, error) {
	return tx.db.settings(ctx, tx.Tx, userID)
}

func (db *DB) settings(ctx context.Context, q querier, userID int64) (notify.Settings, error) {
	s := notify.Settings{UserID: userID, Mode: notify.Immediate, Language: notify.English, Events: []string{}}
	var events, updated string
	err := q.QueryRowContext(ctx, db.rebind(`SELECT email, events, mode, language, version, updated_at FROM notify_settings WHERE user_id = ?`), userID).
		Scan(&s.Email, &events, &s.Mode, &s.Language, &s.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	s.Events, s.Updated = splitList(events), parseTS(updated)
	return s, nil
}

func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (tx notifyTx) SaveSettings(ctx context.Context, s *notify.Settings, version int64) error {
	s.Updated = tx.now
	if version == 0 {
		s.Version = 1
		_, err := tx.exec(ctx, `INSERT INTO notify_settings (user_id, email, events, mode, language, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)`,
			s.UserID, s.Email, strings.Join(s.Events, ","), s.Mode, s.Language, ts(tx.now))
		return err
	}
	res, err := tx.exec(ctx, `UPDATE notify_settings SET email = ?, events = ?, mode = ?, language = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND version = ?`,
		s.Email, strings.Join(s.Events, ","), s.Mode, s.Language, ts(tx.now), s.UserID, version)
	if err != nil {
		return err
	}
	s.Version = version + 1
	return checkUpdated(res, "your notification settings", version)
}

const endpointColumns = "w.id, w.name, w.url, w.secret, w.events, w.as_user, u.name, w.disabled, w.created_by, w.created_at"

func scanEndpoint(s scanner) (notify.Endpoint, error) {
	var e notify.Endpoint
	var events, created string
	err := s.Scan(&e.ID, &e.Name, &e.URL, &e.Secret, &events, &e.AsUser, &e.AsUserName, &e.Disabled, &e.CreatedBy, &created)
	e.Events, e.CreatedAt = splitList(events), parseTS(created)
	return e, err
}

func (db *DB) endpoint(ctx context.Context, q querier, id int64) (notify.Endpoint, error) {
	e, err := scanEndpoint(q.QueryRowContext(ctx, db.rebind(`SELECT `+endpointColumns+` FROM webhook_endpoints w JOIN users u ON u.id = w.as_user WHERE w.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("no webhook %d", id)
	}
	return e, err
}

func (tx notifyTx) CreateEndpoint(ctx context.Context, e *notify.Endpoint) error {
	e.CreatedAt = tx.now
	id, err := tx.insertID(ctx, `INSERT INTO webhook_endpoints (name, url, secret, events, as_user, disabled, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Name, e.URL, e.Secret, strings.Join(e.Events, ","), e.AsUser, false, e.CreatedBy, ts(e.CreatedAt))
	e.ID = id
	return err
}

func (tx notifyTx) Endpoint(ctx context.Context, id int64) (notify.Endpoint, error) {
	return tx.db.endpoint(ctx, tx.Tx, id)
}

func (tx notifyTx) DisableEndpoint(ctx context.Context, id int64) error {
	if _, err := tx.exec(ctx, `UPDATE webhook_endpoints SET disabled = ? WHERE id = ?`, true, id); err != nil {
		return err
	}
	// What waits for a disabled endpoint is not sent.
	_, err := tx.exec(ctx, `UPDATE notify_deliveries SET state = 'failed', last_error = 'the endpoint was disabled' WHERE endpoint_id = ? AND state IN ('pending', 'sending')`, id)
	return err
}

// Raise writes the events whose key is not yet in the outbox.
func (tx notifyTx) Raise(ctx context.Context, evs []notify.Event) (int, error) {
	n := 0
	for _, ev := range evs {
		res, err := tx.exec(ctx, `INSERT INTO notify_outbox (event_key, kind, entity, entity_id, title, params, link, audit_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (event_key) DO NOTHING`,
			ev.Key, ev.Kind, ev.Entity, ev.EntityID, ev.Title, params(ev.Params), ev.Link, ts(tx.now))
		if err != nil {
			return n, fmt.Errorf("raise %s: %w", ev.Key, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	return n, nil
}

// Outbox adapts the store to the notification worker.
type Outbox struct{ DB *DB }

const outboxColumns = "id, event_key, kind, entity, entity_id, title, params, link, audit_seq, created_at"

func scanOutbox(s scanner) (notify.Event, error) {
	var e notify.Event
	var ps, created string
	err := s.Scan(&e.ID, &e.Key, &e.Kind, &e.Entity, &e.EntityID, &e.Title, &ps, &e.Link, &e.AuditSeq, &created)
	e.CreatedAt = parseTS(created)
	if ps != "" {
		var p notify.Params
		// Params that do not read leave the event its English title.
		if json.Unmarshal([]byte(ps), &p) == nil {
			e.Params = &p
		}
	}
	return e, err
}

func (o Outbox) events(ctx context.Context, q string, args ...any) ([]notify.Event, error) {
	rows, err := o.DB.rq.QueryContext(ctx, o.DB.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Event
	for rows.Next() {
		e, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PendingEvents returns events not yet fanned out, oldest first.
func (o Outbox) PendingEvents(ctx context.Context, limit int) ([]notify.Event, error) {
	return o.events(ctx, `SELECT `+outboxColumns+` FROM notify_outbox WHERE fanned_at = '' ORDER BY id LIMIT ?`, limit)
}

// Event returns the outbox event id.
func (o Outbox) Event(ctx context.Context, id int64) (notify.Event, error) {
	e, err := scanOutbox(o.DB.rq.QueryRowContext(ctx, o.DB.rebind(`SELECT `+outboxColumns+` FROM notify_outbox WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("no notification event %d", id)
	}
	return e, err
}

// DigestEvents returns the events gathered into the digest delivery.
func (o Outbox) DigestEvents(ctx context.Context, digest int64) ([]notify.Event, error) {
	return o.events(ctx, `SELECT `+outboxColumns+` FROM notify_outbox WHERE id IN (SELECT event_id FROM notify_deliveries WHERE digest_id = ?) ORDER BY id`, digest)
}

// Recipients returns the users with notification settings that ask for
// any event.
func (o Outbox) Recipients(ctx context.Context) ([]notify.Recipient, error) {
	db := o.DB
	cols := strings.ReplaceAll("u."+userColumns, ", ", ", u.")
	rows, err := db.rq.QueryContext(ctx, `SELECT `+cols+`, ns.email, ns.events, ns.mode, ns.language, ns.version FROM notify_settings ns JOIN users u ON u.id = ns.user_id WHERE ns.events <> '' ORDER BY u.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Recipient
	for rows.Next() {
		var r notify.Recipient
		var roles, created, updated, events string
		u := &r.User
		if err := rows.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Nation, &roles, &u.Clearance, &u.Site, &u.Disabled, &u.PasswordHash, &u.Version, &created, &updated,
			&r.Settings.Email, &events, &r.Settings.Mode, &r.Settings.Language, &r.Settings.Version); err != nil {
			return nil, err
		}
		for _, x := range splitList(roles) {
			u.Roles = append(u.Roles, access.Role(x))
		}
		u.PasswordHash = ""
		r.Settings.UserID, r.Settings.Events = u.ID, splitList(events)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ActiveEndpoints returns the webhook endpoints not disabled.
func (o Outbox) ActiveEndpoints(ctx context.Context) ([]notify.Endpoint, error) {
	return o.DB.endpoints(ctx, "w.disabled = ?", false)
}

func (db *DB) endpoints(ctx context.Context, cond string, args ...any) ([]notify.Endpoint, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT `+endpointColumns+` FROM webhook_endpoints w JOIN users u ON u.id = w.as_user WHERE `+cond+` ORDER BY w.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []notify.Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EndpointByID returns the webhook endpoint id, with its secret.
func (o Outbox) EndpointByID(ctx context.Context, id int64) (notify.Endpoint, error) {
	return o.DB.endpoint(ctx, o.DB.rq, id)
}

// UserSettings returns a user's notification settings as they are now.
func (o Outbox) UserSettings(ctx context.Context, userID int64) (notify.Settings, error) {
	return o.DB.settings(ctx, o.DB.rq, userID)
}

// UserByID returns the user id.
func (o Outbox) UserByID(ctx context.Context, id int64) (access.User, error) {
	return o.DB.UserByID(ctx, id)
}

// MaySee reports whether the identity of ctx may read the record entity
// id, by the visibility its lists apply.
func (o Outbox) MaySee(ctx context.Context, entity, id string) (bool, error) {
	db := o.DB
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return false, nil
	}
	var from string
	var v visibility
	switch entity {
	case "shipment":
		from, v = "shipments s WHERE s.id = ?", db.shipmentsVisible(ctx)
	case "discrepancy":
		from, v = "discrepancies d JOIN shipments s ON s.id = d.shipment_id WHERE d.id = ?", db.shipmentsVisible(ctx)
	case "repair_order":
		from, v = "repair_orders o JOIN equipment e ON e.id = o.equipment_id WHERE o.id = ?", db.ordersVisible(ctx)
	case "pledge":
		from, v = "pledges p WHERE p.id = ?", db.pledgesVisible(ctx)
	case "lesson":
		from, v = "lessons l WHERE l.id = ?", db.lessonsVisible(ctx)
	case "plan":
		// A plan is read by whoever reads plans, within their clearance.
		from, v = "plans p WHERE p.id = ?", allowed(ctx, access.PledgeWrite).and(visibility{cond: "p.classification <= ?", args: []any{int(access.IdentityFrom(ctx).Clearance)}})
	default:
		return false, nil
	}
	var k int64
	err = db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM `+from+` AND `+v.cond), append([]any{n}, v.args...)...).Scan(&k)
	return k > 0, err
}

// FanOut writes an event's deliveries and marks it fanned out; an event
// another worker fanned out first is a conflict, and nothing is written.
func (o Outbox) FanOut(ctx context.Context, event int64, ds []notify.Delivery, now time.Time) error {
	return o.DB.Transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE notify_outbox SET fanned_at = ? WHERE id = ? AND fanned_at = ''`, ts(now), event)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.Errorf(fault.Conflict, "event %d was fanned out by another worker", event)
		}
		for _, d := range ds {
			if _, err := tx.exec(ctx, `INSERT INTO notify_deliveries (event_id, channel, user_id, endpoint_id, address, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				event, d.Channel, d.UserID, d.EndpointID, d.Address, d.State, ts(d.NextAt), ts(now)); err != nil {
				return fmt.Errorf("delivery of event %d: %w", event, err)
			}
		}
		return nil
	})
}

// GatherDigests puts each user's held e-mails of events before before
// into one digest delivery per user.
func (o Outbox) GatherDigests(ctx context.Context, before, now time.Time) (int, error) {
	made := 0
	err := o.DB.Transact(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT d.user_id, MAX(d.address) FROM notify_deliveries d JOIN notify_outbox e ON e.id = d.event_id
			WHERE d.state = 'held' AND e.created_at < ? GROUP BY d.user_id ORDER BY d.user_id`, ts(before))
		if err != nil {
			return err
		}
		type user struct {
			id   int64
			addr string
		}
		var us []user
		for rows.Next() {
			var u user
			if err := rows.Scan(&u.id, &u.addr); err != nil {
				rows.Close()
				return err
			}
			us = append(us, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, u := range us {
			// The worker sends it to the address the settings give then.
			id, err := tx.insertID(ctx, `INSERT INTO notify_deliveries (event_id, channel, user_id, endpoint_id, address, state, next_at, created_at) VALUES (0, 'digest', ?, 0, ?, 'pending', ?, ?)`,
				u.id, u.addr, ts(now), ts(now))
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE notify_deliveries SET state = 'digested', digest_id = ? WHERE user_id = ? AND state = 'held'
				AND event_id IN (SELECT id FROM notify_outbox WHERE created_at < ?)`, id, u.id, ts(before)); err != nil {
				return err
			}
			made++
		}
		return nil
	})
	return made, err
}

const deliveryColumns = "d.id, d.event_id, d.channel, d.user_id, d.endpoint_id, d.address, d.state, d.attempts, d.uncertain, d.next_at, d.claimed_at, d.last_status, d.last_error, d.sent_at, d.digest_id, d.created_at, COALESCE(e.kind, ''), COALESCE(e.title, '')"

const deliveryFrom = "notify_deliveries d LEFT JOIN notify_outbox e ON e.id = d.event_id"

type deliveryRow struct {
	notify.Delivery
	next, claimed, sent, created string
}

func deliveryFields() (*deliveryRow, []any) {
	r := &deliveryRow{}
	d := &r.Delivery
	return r, []any{&d.ID, &d.EventID, &d.Channel, &d.UserID, &d.EndpointID, &d.Address, &d.State, &d.Attempts, &d.Uncertain, &r.next, &r.claimed, &d.LastStatus, &d.LastError, &r.sent, &d.DigestID, &r.created, &d.Kind, &d.Title}
}

func (r *deliveryRow) delivery() notify.Delivery {
	d := r.Delivery
	d.NextAt, d.CreatedAt = parseTS(r.next), parseTS(r.created)
	if r.claimed != "" {
		d.ClaimedAt = parseTS(r.claimed)
	}
	if r.sent != "" {
		d.SentAt = parseTS(r.sent)
	}
	return d
}

// DueDeliveries returns the pending deliveries due at now and those
// claimed before stale (their worker stopped mid-send), oldest first.
func (o Outbox) DueDeliveries(ctx context.Context, now, stale time.Time, limit int) ([]notify.Delivery, error) {
	db := o.DB
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT `+deliveryColumns+` FROM `+deliveryFrom+`
		WHERE (d.state = 'pending' AND d.next_at <= ?) OR (d.state = 'sending' AND d.claimed_at < ?) ORDER BY d.id LIMIT ?`), ts(now), ts(stale), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		r, dest := deliveryFields()
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r.delivery())
	}
	return out, rows.Err()
}

// Claim marks d sending at now, counting the attempt, if it is still as
// it was read. It stays marked uncertain until the attempt's outcome is
// recorded, so that a crash mid-send leaves it to be resent as a
// redelivery.
func (o Outbox) Claim(ctx context.Context, d notify.Delivery, now time.Time) (bool, error) {
	claimed := ""
	if !d.ClaimedAt.IsZero() {
		claimed = ts(d.ClaimedAt)
	}
	var ok bool
	err := o.DB.Transact(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE notify_deliveries SET state = 'sending', claimed_at = ?, attempts = attempts + 1, uncertain = ? WHERE id = ? AND state = ? AND claimed_at = ? AND attempts = ?`,
			ts(now), true, d.ID, d.State, claimed, d.Attempts)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// Finish records an attempt's outcome and the delivery's new state.
func (o Outbox) Finish(ctx context.Context, out notify.Outcome) error {
	return o.DB.Transact(ctx, func(tx *Tx) error {
		sent, next := "", ts(out.At)
		if out.State == notify.Sent {
			sent = ts(out.At)
		}
		if !out.NextAt.IsZero() {
			next = ts(out.NextAt)
		}
		if _, err := tx.exec(ctx, `UPDATE notify_deliveries SET state = ?, uncertain = ?, next_at = ?, last_status = ?, last_error = ?, sent_at = ? WHERE id = ?`,
			out.State, out.Uncertain, next, out.Status, truncate(out.Err, 500), sent, out.Delivery); err != nil {
			return err
		}
		if out.Address != "" {
			if _, err := tx.exec(ctx, `UPDATE notify_deliveries SET address = ? WHERE id = ?`, out.Address, out.Delivery); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, `INSERT INTO notify_attempts (delivery_id, at, status, error, redelivery) VALUES (?, ?, ?, ?, ?)`,
			out.Delivery, ts(out.At), out.Status, truncate(out.Err, 500), out.Redelivery)
		return err
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Endpoints lists the webhook endpoints to an administrator; to anyone
// else, none.
func (db *DB) Endpoints(ctx context.Context) ([]notify.Endpoint, error) {
	return db.endpoints(ctx, allowed(ctx, access.UserAdmin).cond)
}

// Deliveries lists the delivery log: the webhooks' deliveries, or one
// endpoint's, by state and event; administrators read it, others none.
func (db *DB) Deliveries(ctx context.Context, f notify.DeliveryFilter, o list.Options) (list.Page[notify.Delivery], error) {
	q := &listQuery{from: deliveryFrom, columns: deliveryColumns, key: "d.id",
		sorts: map[string]string{"id": "d.id", "state": "d.state", "attempts": "d.attempts", "next_at": "d.next_at"}, def: "-id"}
	q.visible(allowed(ctx, access.UserAdmin))
	q.filter("d.channel = 'webhook'")
	if f.Endpoint != 0 {
		q.filter("d.endpoint_id = ?", f.Endpoint)
	}
	if f.State != "" {
		ok := false
		for _, s := range notify.States {
			ok = ok || s == f.State
		}
		if !ok {
			return list.Page[notify.Delivery]{}, fault.Field("state", "%q is not a delivery state: use one of %s", f.State, strings.Join(notify.States, ", "))
		}
		q.filter("d.state = ?", f.State)
	}
	if f.Kind != "" {
		if _, ok := notify.KindOf(f.Kind); !ok {
			return list.Page[notify.Delivery]{}, fault.Field("kind", "%q is not an event: use one of %s", f.Kind, strings.Join(notify.KindNames(), ", "))
		}
		q.filter("e.kind = ?", f.Kind)
	}
	p, err := runList(ctx, db, q, o, deliveryFields)
	out := list.Page[notify.Delivery]{Next: p.Next, Total: p.Total, Items: make([]notify.Delivery, 0, len(p.Items))}
	for i := range p.Items {
		out.Items = append(out.Items, p.Items[i].delivery())
	}
	if err != nil {
		return out, err
	}
	return out, db.withholdTitles(ctx, out.Items)
}

// withholdTitles blanks the title of each delivery whose event names a
// record the reader may not see: an administrator reads the log of every
// webhook, not every record the webhooks' users may see.
func (db *DB) withholdTitles(ctx context.Context, ds []notify.Delivery) error {
	var ids []any
	for _, d := range ds {
		if d.EventID != 0 {
			ids = append(ids, d.EventID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT id, entity, entity_id FROM notify_outbox WHERE id IN (`+placeholders(len(ids))+`)`), ids...)
	if err != nil {
		return err
	}
	type record struct{ entity, id string }
	of := map[int64]record{}
	for rows.Next() {
		var id int64
		var r record
		if err := rows.Scan(&id, &r.entity, &r.id); err != nil {
			rows.Close()
			return err
		}
		of[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	seen := map[record]bool{}
	for i := range ds {
		r, ok := of[ds[i].EventID]
		if !ok {
			continue
		}
		may, known := seen[r]
		if !known {
			if may, err = (Outbox{DB: db}).MaySee(ctx, r.entity, r.id); err != nil {
				return err
			}
			seen[r] = may
		}
		if !may {
			ds[i].Title = "withheld: a record you may not see"
		}
	}
	return nil
}

// Attempts lists the attempts of a delivery, in order, to an
// administrator.
func (db *DB) Attempts(ctx context.Context, delivery int64) ([]notify.Attempt, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT id, delivery_id, at, status, error, redelivery FROM notify_attempts WHERE delivery_id = ? AND `+allowed(ctx, access.UserAdmin).cond+` ORDER BY id`), delivery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []notify.Attempt{}
	for rows.Next() {
		var a notify.Attempt
		var at string
		if err := rows.Scan(&a.ID, &a.Delivery, &at, &a.Status, &a.Error, &a.Redelivery); err != nil {
			return nil, err
		}
		a.At = parseTS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
