package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
)

const eventColumns = "seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash"

type scanner interface{ Scan(dest ...any) error }

func scanEvent(s scanner) (audit.Event, error) {
	var e audit.Event
	var at string
	if err := s.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
		return e, err
	}
	t, err := time.Parse(audit.TimeLayout, at)
	if err != nil {
		// An unreadable time cannot hash to the stored value; keep the text
		// so the verifier reports the event rather than failing to read it.
		t = time.Time{}
	}
	e.At = t
	return e, nil
}

// VerifyResult is the outcome of checking the audit chain.
type VerifyResult struct {
	Events int64  // events verified
	Head   string // hash of the last event
	Break  *audit.Break
}

// VerifyAudit reads the whole audit chain in order and checks every link,
// and that the chain's recorded head is its last event. It returns the
// first broken link in Break; err is only for failures to read.
func (db *DB) VerifyAudit(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	rows, err := db.rq.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events ORDER BY seq`)
	if err != nil {
		return res, fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	v := audit.NewVerifier()
	var e audit.Event
	var at string
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return res, err
		}
		if e.At, err = time.Parse(audit.TimeLayout, at); err != nil {
			res.Break = &audit.Break{Seq: e.Seq, Reason: fmt.Sprintf("its time %q is not one the chain writes (it was edited)", at)}
			break
		}
		if err := v.Check(&e); err != nil {
			res.Break = err.(*audit.Break)
			break
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	res.Events, res.Head = v.Count(), v.Head()
	if res.Break != nil {
		return res, nil
	}
	var headSeq int64
	var headHash string
	if err := db.rq.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil && err != sql.ErrNoRows {
		return res, err
	}
	if headSeq != v.Count() || headHash != v.Head() {
		res.Break = &audit.Break{Seq: v.Count() + 1, Reason: fmt.Sprintf("the chain ends at event %d but its head records event %d (events were removed from the end)", v.Count(), headSeq)}
	}
	return res, nil
}

// eventsVisible is the condition under which the reader may see an audit
// event: the events of a pledge or requirement with the record itself, those
// of the catalogue with the catalogue, those of users, tokens and sessions
// by administrators and auditors. The record is looked up by its key from
// the event (EXISTS), so that reading the newest events walks back from the
// newest and stops, rather than gathering every visible record first.
func (db *DB) eventsVisible(ctx context.Context) visibility {
	pv, rv := db.pledgesVisible(ctx), db.requirementsVisible(ctx)
	cat, adm := allowed(ctx, access.CatalogRead), allowed(ctx, access.UserAdmin)
	if id := access.IdentityFrom(ctx); id.Has(access.Auditor) {
		adm = visibility{cond: "1 = 1"}
	}
	// SQLite compares the integer key with the text entity_id numerically;
	// PostgreSQL needs the text cast, guarded so that no other entity's id
	// is ever cast.
	key, entity := "audit_events.entity_id", "+audit_events.entity" // unary plus: SQLite walks by seq, not the entity index
	if db.dialect == Postgres {
		entity = "audit_events.entity"
		key = "CASE WHEN audit_events.entity_id ~ '^[0-9]{1,18}$' THEN CAST(audit_events.entity_id AS BIGINT) END"
	}
	cond := "((" + entity + " = 'pledge' AND EXISTS (SELECT 1 FROM pledges p WHERE p.id = " + key + " AND " + pv.cond + "))" +
		" OR (" + entity + " = 'requirement' AND EXISTS (SELECT 1 FROM requirements r WHERE r.id = " + key + " AND " + rv.cond + "))" +
		" OR (" + entity + " IN ('item', 'site', 'nation') AND " + cat.cond + ")" +
		" OR (" + entity + " IN ('user', 'token', 'access') AND " + adm.cond + "))"
	return visibility{cond: cond, args: append(append(append(append([]any(nil), pv.args...), rv.args...), cat.args...), adm.args...)}
}

// Events lists the audit events the reader may see for an entity (all when
// entity is empty), newest first, at most limit.
func (db *DB) Events(ctx context.Context, entity, entityID string, limit int) ([]audit.Event, error) {
	v := db.eventsVisible(ctx)
	q := `SELECT ` + eventColumns + ` FROM audit_events WHERE ` + v.cond
	args := v.args
	switch {
	case entity != "" && entityID != "":
		q += ` AND entity = ? AND entity_id = ?`
		args = append(args, entity, entityID)
	case entity != "":
		q += ` AND entity = ?`
		args = append(args, entity)
	}
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit)
	rows, err := db.rq.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []audit.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
