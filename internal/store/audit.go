package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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
	rows, err := db.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events ORDER BY seq`)
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
	if err := db.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil && err != sql.ErrNoRows {
		return res, err
	}
	if headSeq != v.Count() || headHash != v.Head() {
		res.Break = &audit.Break{Seq: v.Count() + 1, Reason: fmt.Sprintf("the chain ends at event %d but its head records event %d (events were removed from the end)", v.Count(), headSeq)}
	}
	return res, nil
}

// Events lists audit events for an entity (all when entity is empty),
// newest first, at most limit.
func (db *DB) Events(ctx context.Context, entity, entityID string, limit int) ([]audit.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM audit_events`
	var args []any
	switch {
	case entity != "" && entityID != "":
		q += ` WHERE entity = ? AND entity_id = ?`
		args = append(args, entity, entityID)
	case entity != "":
		q += ` WHERE entity = ?`
		args = append(args, entity)
	}
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT %d`, limit)
	rows, err := db.read.QueryContext(ctx, db.rebind(q), args...)
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
