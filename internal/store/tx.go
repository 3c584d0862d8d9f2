package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is one write transaction. It implements the storage interfaces of the
// domain packages, and appends audit events to the chain.
type Tx struct {
	db  *DB
	tx  *sql.Tx
	now time.Time

	headSeq  int64
	headHash string
	hasher   *audit.Hasher
	appended bool
}

// Now is the time the transaction started, the same for every record it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// Transact runs fn in one write transaction. It commits when fn returns nil,
// and rolls back when fn returns an error or panics. A write that fails for
// want of room in the storage returns a fault.Full (or fault.Unavailable)
// error, and the database is not Ready until a write succeeds again.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) (err error) {
	ctx, span := db.tr.startTx(ctx)
	if span != nil {
		defer func() { endSpan(span, err) }()
	}
	wrote, err := db.transact(ctx, fn)
	if err == nil && !wrote {
		return nil // nothing written says nothing of the room left
	}
	return db.wrote(ctx, err)
}

// transact is Transact; wrote says whether it committed audit events,
// which every change writes.
func (db *DB) transact(ctx context.Context, fn func(*Tx) error) (wrote bool, err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{db: db, tx: sqlTx, now: db.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
		// The connection is free again: prepare what the transaction met
		// for the first time.
		if db.dialect == SQLite && db.stmts.pending() {
			db.stmts.prepare(context.WithoutCancel(ctx), db.write)
		}
	}()
	// Lock the head of the audit chain first: on PostgreSQL this orders the
	// writers, as SQLite's single writer does by itself.
	lock := `SELECT seq, hash FROM audit_head WHERE id = 1`
	if db.dialect == Postgres {
		lock += ` FOR UPDATE`
	}
	if err := tx.queryRow(ctx, lock).Scan(&tx.headSeq, &tx.headHash); err != nil {
		return false, fmt.Errorf("lock audit head: %w", err)
	}
	first := tx.headSeq
	if err := fn(tx); err != nil {
		return false, err
	}
	if tx.appended {
		if _, err := tx.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, tx.headSeq, tx.headHash); err != nil {
			return false, fmt.Errorf("update audit head: %w", err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	if db.tr.tracer != nil {
		trace.SpanFromContext(ctx).SetAttributes(attribute.Int64("longhaul.audit.events", tx.headSeq-first))
	}
	return tx.appended, nil
}

// Assist adapts Transact to the ledger's Store interface.
type Assist struct{ DB *DB }

// Transact runs fn in one write transaction.
func (a Assist) Transact(ctx context.Context, fn func(assist.Tx) error) error {
	return a.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = tx.db.rebind(q)
	if s := tx.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = tx.db.rebind(q)
	if s := tx.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = tx.db.rebind(q)
	if s := tx.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// insertID runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// insertAs runs an INSERT into table whose first column is id and
// returns the row's id: id when it is not zero (a record brought in under
// its own reference, as an opening balance does), else the next one. On
// PostgreSQL the identity then moves past the highest id, so that the
// next record without one does not collide.
func (tx *Tx) insertAs(ctx context.Context, table string, id int64, q string, args ...any) (int64, error) {
	if id == 0 {
		q = strings.Replace(strings.Replace(q, "(id, ", "(", 1), "VALUES (?, ", "VALUES (", 1)
		return tx.insertID(ctx, q, args...)
	}
	got, err := tx.insertID(ctx, q, append([]any{id}, args...)...)
	if err != nil || tx.db.dialect != Postgres {
		return got, err
	}
	_, err = tx.exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT MAX(id) FROM `+table+`))`)
	return got, err
}

// Audit appends an event for r to the chain, in this transaction.
func (tx *Tx) Audit(ctx context.Context, r audit.Record) error {
	before, err := canonical(r.Before)
	if err != nil {
		return err
	}
	after, err := canonical(r.After)
	if err != nil {
		return err
	}
	if tx.hasher == nil {
		tx.hasher = audit.NewHasher()
	}
	e := audit.Event{
		Seq: tx.headSeq + 1, At: tx.now, Actor: access.ActorName(ctx),
		Action: r.Action, Entity: r.Entity, EntityID: r.EntityID, Before: before, After: after,
	}
	tx.hasher.Seal(&e, tx.headHash)
	class, audBefore, audAfter := tx.db.eventMarking(r.Before, r.After, r.Cause)
	if _, err := tx.exec(ctx, `INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, classification, audience_before, audience_after)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.Format(audit.TimeLayout), e.Actor, e.Action, e.Entity, e.EntityID, e.Before, e.After, e.PrevHash, e.Hash, class, audBefore, audAfter); err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	if err := tx.raiseFromAudit(ctx, e.Seq, e.Action, e.Entity, e.EntityID, e.After); err != nil {
		return err
	}
	tx.headSeq, tx.headHash, tx.appended = e.Seq, e.Hash, true
	return nil
}

// canonical encodes v as JSON; Go's encoder writes struct fields in
// declaration order and map keys sorted, so the same value always gives the
// same bytes.
func canonical(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode audit record: %w", err)
	}
	return string(b), nil
}

// ts formats an instant for storage.
func ts(t time.Time) string { return t.UTC().Format(audit.TimeLayout) }

// parseTS reads an instant written by ts.
func parseTS(s string) time.Time {
	t, err := time.Parse(audit.TimeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// checkUpdated turns an update that touched no row into a conflict.
func checkUpdated(res sql.Result, what string, version int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d: reload and try again", what, version)
	}
	return nil
}
