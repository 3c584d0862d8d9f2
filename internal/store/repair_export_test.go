package store

import "context"

// LastEventSeq is the sequence number of the newest audit event on an
// entity, whoever may read it: the order in which two transactions
// committed, since every writer appends to the chain under its head's lock.
func (db *DB) LastEventSeq(ctx context.Context, entity, id string) (int64, error) {
	var seq int64
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COALESCE(MAX(seq), 0) FROM audit_events WHERE entity = ? AND entity_id = ?`), entity, id).Scan(&seq)
	return seq, err
}
