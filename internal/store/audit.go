package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"sync"
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

// verifySegments is how many parts of a long chain are verified at once,
// and verifyInPartsFrom the length from which a chain is (a variable so
// that tests can check the joining on short chains).
const verifySegments = 2

var verifyInPartsFrom int64 = 10_000

// segmentResult is what verifying one part of the chain found.
type segmentResult struct {
	first, last int64 // sequence numbers of the first and last event read
	count       int64
	firstPrev   string
	head        string
	brk         *audit.Break
	err         error
}

// verifySegment checks the events from seq start up to, not including,
// end, its first link taken on trust. It reads through the driver itself
// on a connection of the read pool: the text arrives as the strings the
// driver makes, and nothing is copied again on the way to the hash.
func (db *DB) verifySegment(ctx context.Context, start, end int64) (res segmentResult) {
	// The first part reads from the very beginning, so that an event
	// slipped in before event 1 is read and refused.
	q, args := `SELECT `+eventColumns+` FROM audit_events WHERE seq >= ? AND seq < ? ORDER BY seq`, []driver.NamedValue{{Ordinal: 1, Value: start}, {Ordinal: 2, Value: end}}
	if start <= 1 {
		q, args = `SELECT `+eventColumns+` FROM audit_events WHERE seq < ? ORDER BY seq`, []driver.NamedValue{{Ordinal: 1, Value: end}}
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return segmentResult{err: err}
	}
	defer conn.Close()
	v := audit.NewSegmentVerifier(start)
	err = conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("the database driver cannot query directly")
		}
		rows, err := qc.QueryContext(ctx, db.rebind(q), args)
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		defer rows.Close()
		vals := make([]driver.Value, 10)
		var r audit.Raw
		text := [...]*string{&r.At, &r.Actor, &r.Action, &r.Entity, &r.EntityID, &r.Before, &r.After, &r.PrevHash, &r.Hash}
		for {
			if err := rows.Next(vals); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			seq, ok := vals[0].(int64)
			if !ok {
				return fmt.Errorf("audit event: seq is %T", vals[0])
			}
			r.Seq = seq
			for i, p := range text {
				switch x := vals[i+1].(type) {
				case string:
					*p = x
				case []byte:
					*p = string(x)
				case time.Time:
					*p = x.UTC().Format(audit.TimeLayout)
				default:
					return fmt.Errorf("audit event %d: column %d is %T", seq, i+1, x)
				}
			}
			if res.count == 0 {
				res.first = r.Seq
			}
			if err := v.CheckRaw(&r); err != nil {
				res.brk = err.(*audit.Break)
				return nil
			}
			res.last = r.Seq
			res.count++
		}
	})
	if err != nil {
		res.err = err
	}
	res.firstPrev, res.head = v.FirstPrev(), v.HeadRaw()
	return res
}

// VerifyAudit reads the whole audit chain and checks every link, and that
// the chain's recorded head is its last event. A long chain is read in
// parts at once, each checked on its own and then joined. It returns the
// first broken link in Break; err is only for failures to read.
func (db *DB) VerifyAudit(ctx context.Context) (audit.VerifyResult, error) {
	var res audit.VerifyResult
	var headSeq int64
	var headHash string
	if err := db.rq.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil && err != sql.ErrNoRows {
		return res, err
	}
	parts := int64(verifySegments)
	if headSeq < verifyInPartsFrom {
		parts = 1
	}
	starts := make([]int64, parts)
	for i := range starts {
		starts[i] = 1 + int64(i)*headSeq/parts
	}
	results := make([]segmentResult, parts)
	var wg sync.WaitGroup
	for i := range starts {
		// The chain is verified as far as the head read above: events that
		// writers add meanwhile are checked below, not read as tampering.
		end := headSeq + 1
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		wg.Add(1)
		go func(i int, start, end int64) {
			defer wg.Done()
			results[i] = db.verifySegment(ctx, start, end)
		}(i, starts[i], end)
	}
	wg.Wait()
	// Join the parts in order: each must start where the one before ended,
	// with the previous hash that part ended on.
	next, prev := int64(1), audit.Genesis
	for _, seg := range results {
		if seg.err != nil {
			return res, seg.err
		}
		if seg.count > 0 || seg.brk != nil {
			first := seg.first
			if seg.count == 0 {
				first = seg.brk.Seq
			}
			switch {
			case first != next:
				res.Break = &audit.Break{Seq: first, Reason: fmt.Sprintf("expected event %d, found %d (an event was removed or inserted)", next, first)}
			case seg.count > 0 && seg.firstPrev != prev:
				res.Break = &audit.Break{Seq: first, Reason: "its previous hash does not match the event before it"}
			case seg.brk != nil:
				res.Break = seg.brk
			}
			if res.Break != nil {
				return res, nil
			}
			res.Events += seg.count
			next, prev = seg.last+1, seg.head
		}
	}
	res.Head = prev
	if res.Events != next-1 || headSeq != next-1 || headHash != prev {
		res.Break = &audit.Break{Seq: next, Reason: fmt.Sprintf("the chain ends at event %d but its head records event %d (events were removed from the end)", next-1, headSeq)}
		return res, nil
	}
	// Events past the head that no writer recorded there were added by hand.
	var maxSeq, nowHead int64
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&maxSeq); err != nil {
		return res, err
	}
	if err := db.read.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&nowHead); err != nil {
		return res, err
	}
	if maxSeq > nowHead {
		res.Break = &audit.Break{Seq: nowHead + 1, Reason: fmt.Sprintf("events up to %d follow the last one the head records, %d (events were added by hand)", maxSeq, nowHead)}
	}
	return res, nil
}

// eventsVisible is the condition under which the reader may see an audit
// event: a pledge's or requirement's event if the reader may read such
// records and may see the record as the event holds it, before and after
// the change (migration 0005), which may differ from how it is marked now
// (and a shipment's or a capability package's alike, with theirs); the
// catalogue's with the catalogue; those of users, tokens, sessions and
// refusals by administrators and auditors.
func (db *DB) eventsVisible(ctx context.Context) visibility {
	id := access.IdentityFrom(ctx)
	record := func(perm access.Permission) visibility {
		if !access.Allowed(id, perm) {
			return visibility{cond: "1 = 0"}
		}
		if id.SeesAllNations() || id.Via == "system" {
			return visibility{cond: "audit_events.classification <= ?", args: []any{int(id.Clearance)}}
		}
		r := db.readerAudience(id.Nation)
		return visibility{cond: "(audit_events.classification <= ? AND (audit_events.audience_before & ?) <> 0 AND (audit_events.audience_after & ?) <> 0)",
			args: []any{int(id.Clearance), r, r}}
	}
	pv, rv, sv, cv := record(access.PledgeRead), record(access.RequirementRead), record(access.ShipmentRead), record(access.ReadinessRead)
	cat, adm, net := allowed(ctx, access.CatalogRead), allowed(ctx, access.UserAdmin), allowed(ctx, access.NetworkRead)
	if id.Has(access.Auditor) {
		adm = visibility{cond: "1 = 1"}
	}
	// Unary plus: SQLite walks the chain by seq (newest first, stopping at
	// the limit) rather than through the entity index.
	entity := "+audit_events.entity"
	if db.dialect == Postgres {
		entity = "audit_events.entity"
	}
	cond := "((" + entity + " = 'pledge' AND " + pv.cond + ")" +
		" OR (" + entity + " = 'requirement' AND " + rv.cond + ")" +
		" OR (" + entity + " IN ('shipment', 'discrepancy') AND " + sv.cond + ")" +
		" OR (" + entity + " = 'capability_package' AND " + cv.cond + ")" +
		" OR (" + entity + " IN ('item', 'site', 'nation') AND " + cat.cond + ")" +
		" OR (" + entity + " IN ('link', 'hub') AND " + net.cond + ")" +
		" OR (" + entity + " IN ('user', 'token', 'access') AND " + adm.cond + "))"
	var args []any
	for _, v := range []visibility{pv, rv, sv, cv, cat, net, adm} {
		args = append(args, v.args...)
	}
	return visibility{cond: cond, args: args}
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
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
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

// EventHashes returns the hash the chain holds for each of the events
// seqs, by sequence number; an event the chain does not hold is absent.
func (db *DB) EventHashes(ctx context.Context, seqs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(seqs))
	for _, s := range seqs {
		var h string
		err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT hash FROM audit_events WHERE seq = ?`), s).Scan(&h)
		switch {
		case err == sql.ErrNoRows:
			continue
		case err != nil:
			return nil, err
		}
		out[s] = h
	}
	return out, nil
}

// EventsAfter returns the committed audit events after seq, in order, at
// most limit, whoever may see them: it serves the operator's audit sinks.
// It reads no further than the head, so that it never returns an event of
// a transaction still open.
func (db *DB) EventsAfter(ctx context.Context, seq int64, limit int) ([]audit.Event, error) {
	var head int64
	if err := db.rq.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&head); err != nil {
		return nil, err
	}
	if head <= seq {
		return nil, nil
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT `+eventColumns+` FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`), seq, head, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SinkPosition returns how far the audit sink name has got: the last event
// its receiver has and the last it has written; zero for a sink that has
// sent none.
func (db *DB) SinkPosition(ctx context.Context, name string) (audit.Position, error) {
	var p audit.Position
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT seq, sent_to FROM audit_sinks WHERE name = ?`), name).Scan(&p.Delivered, &p.SentTo)
	if err == sql.ErrNoRows {
		return audit.Position{}, nil
	}
	return p, err
}

// SetSinkSentTo records that the audit sink name is about to write every
// event up to seq. It never moves the mark back.
func (db *DB) SetSinkSentTo(ctx context.Context, name string, seq int64) error {
	_, err := db.write.ExecContext(ctx, db.rebind(`INSERT INTO audit_sinks (name, seq, sent_to, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (name) DO UPDATE SET sent_to = excluded.sent_to, updated_at = excluded.updated_at WHERE excluded.sent_to > audit_sinks.sent_to`),
		name, seq, time.Now().UTC().Format(audit.TimeLayout))
	return err
}

// SetSinkPosition records that the audit sink name has delivered every
// event up to seq.
func (db *DB) SetSinkPosition(ctx context.Context, name string, seq int64) error {
	_, err := db.write.ExecContext(ctx, db.rebind(`INSERT INTO audit_sinks (name, seq, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`),
		name, seq, time.Now().UTC().Format(audit.TimeLayout))
	return err
}
