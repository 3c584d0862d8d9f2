package store

import "context"

// EventSeqs returns the sequence numbers of the audit events of entity
// (with entityID, when it is not empty), oldest first, whoever may read
// them: for tests that check the order in which writers committed.
func (db *DB) EventSeqs(entity, entityID string) ([]int64, error) {
	ctx := context.Background()
	q, args := `SELECT seq FROM audit_events WHERE entity = ?`, []any{entity}
	if entityID != "" {
		q, args = q+` AND entity_id = ?`, append(args, entityID)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY seq`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
