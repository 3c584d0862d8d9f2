package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// CreateDevice records a browser a user signed in with.
func (tx *Tx) CreateDevice(ctx context.Context, hash string, d access.Device) error {
	_, err := tx.exec(ctx, `INSERT INTO signin_devices (hash, user_id, created_at) VALUES (?, ?, ?)`, hash, d.UserID, ts(d.CreatedAt))
	return err
}

// DeviceByHash returns the device whose cookie hashes to hash.
func (db *DB) DeviceByHash(ctx context.Context, hash string) (access.Device, error) {
	var d access.Device
	var created string
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT user_id, created_at FROM signin_devices WHERE hash = ?`), hash).Scan(&d.UserID, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("no such device")
	}
	d.CreatedAt = parseTS(created)
	return d, err
}

// Throttle keeps the counts of failed sign-ins in the database, where
// every server of a PostgreSQL database sees them, in an UNLOGGED table:
// counting a failure costs no write-ahead log and no fsync. A SQLite
// database has one server, which keeps them in memory instead
// (access.MemoryThrottle).
type Throttle struct{ DB *DB }

// Failures implements access.Throttle, in one query for every key.
func (t Throttle) Failures(ctx context.Context, keys []string, since time.Time) (map[string]access.Failures, error) {
	out := map[string]access.Failures{}
	if len(keys) == 0 {
		return out, nil
	}
	args := []any{since.UnixMilli()}
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := t.DB.rq.QueryContext(ctx, t.DB.rebind(`SELECT key, failures, since_ms FROM signin_failures WHERE since_ms > ? AND key IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		var ms int64
		if err := rows.Scan(&k, &n, &ms); err != nil {
			return nil, err
		}
		out[k] = access.Failures{Count: n, Since: time.UnixMilli(ms).UTC()}
	}
	return out, rows.Err()
}

// Count implements access.Throttle: one statement per key, so that
// attempts made at once on several servers all count.
func (t Throttle) Count(ctx context.Context, keys []string, at, since time.Time) (map[string]access.Failures, error) {
	cut, now := since.UnixMilli(), at.UnixMilli()
	out := map[string]access.Failures{}
	for _, k := range keys {
		var n int
		var ms int64
		err := t.DB.write.QueryRowContext(ctx, t.DB.rebind(`INSERT INTO signin_failures (key, failures, since_ms) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
	failures = CASE WHEN signin_failures.since_ms <= ? THEN 1 ELSE signin_failures.failures + 1 END,
	since_ms = CASE WHEN signin_failures.since_ms <= ? THEN excluded.since_ms ELSE signin_failures.since_ms END
RETURNING failures, since_ms`), k, now, cut, cut).Scan(&n, &ms)
		if err != nil {
			return nil, err
		}
		out[k] = access.Failures{Count: n, Since: time.UnixMilli(ms).UTC()}
	}
	// Counts older than a window are of no use: drop them, so that names
	// and addresses invented by an attacker do not pile up.
	_, err := t.DB.write.ExecContext(ctx, t.DB.rebind(`DELETE FROM signin_failures WHERE since_ms <= ?`), cut)
	return out, err
}

// Uncount implements access.Throttle.
func (t Throttle) Uncount(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if _, err := t.DB.write.ExecContext(ctx, t.DB.rebind(`UPDATE signin_failures SET failures = failures - 1 WHERE key = ? AND failures > 0`), k); err != nil {
			return err
		}
	}
	return nil
}

// Forget implements access.Throttle.
func (t Throttle) Forget(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if _, err := t.DB.write.ExecContext(ctx, t.DB.rebind(`DELETE FROM signin_failures WHERE key = ?`), k); err != nil {
			return err
		}
	}
	return nil
}
