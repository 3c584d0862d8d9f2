package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/access"
)

// Passkeys adapts Transact to the passkeys' PasskeyStore interface.
type Passkeys struct{ DB *DB }

// Transact runs fn in one write transaction.
func (p Passkeys) Transact(ctx context.Context, fn func(access.PasskeyTx) error) error {
	return p.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

var b64u = base64.RawURLEncoding

const passkeyHandleQuery = `SELECT handle FROM passkey_users WHERE rp_id = ? AND user_id = ?`

func scanHandle(row *sql.Row) ([]byte, error) {
	var h string
	err := row.Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no passkey handle")
	}
	if err != nil {
		return nil, err
	}
	return b64u.DecodeString(h)
}

// PasskeyHandle returns the user's handle under rp.
func (tx *Tx) PasskeyHandle(ctx context.Context, rp string, userID int64) ([]byte, error) {
	return scanHandle(tx.queryRow(ctx, passkeyHandleQuery, rp, userID))
}

// PasskeyHandle returns the user's handle under rp, read outside any
// write.
func (db *DB) PasskeyHandle(ctx context.Context, rp string, userID int64) ([]byte, error) {
	return scanHandle(db.rq.QueryRowContext(ctx, db.rebind(passkeyHandleQuery), rp, userID))
}

// PutPasskeyHandle records the user's handle under rp.
func (tx *Tx) PutPasskeyHandle(ctx context.Context, rp string, userID int64, handle []byte, at time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO passkey_users (rp_id, user_id, handle, created_at) VALUES (?, ?, ?, ?)`, rp, userID, b64u.EncodeToString(handle), ts(at))
	return mapConstraint(err, "the passkey handle")
}

const passkeysQuery = `SELECT id, rp_id, user_id, name, credential, created_at, last_used_at FROM passkeys WHERE rp_id = ? AND user_id = ? ORDER BY id`

// PasskeysOfUser returns the user's passkeys on every site, read outside
// any write.
func (db *DB) PasskeysOfUser(ctx context.Context, userID int64) ([]access.Passkey, error) {
	return scanPasskeys(db.rq.QueryContext(ctx, db.rebind(`SELECT id, rp_id, user_id, name, credential, created_at, last_used_at FROM passkeys WHERE user_id = ? ORDER BY id`), userID))
}

// PasskeysElsewhere returns the sites other than site that passkeys are
// stored for, in order, and how many users have one of them: the passkeys
// a server at site (none: "") does not take.
func (db *DB) PasskeysElsewhere(ctx context.Context, site string) ([]string, int64, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT DISTINCT rp_id FROM passkeys WHERE rp_id <> ? ORDER BY rp_id`), site)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var sites []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, 0, err
		}
		sites = append(sites, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var users int64
	err = db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(DISTINCT user_id) FROM passkeys WHERE rp_id <> ?`), site).Scan(&users)
	return sites, users, err
}

func scanPasskeys(rows *sql.Rows, err error) ([]access.Passkey, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access.Passkey
	for rows.Next() {
		var p access.Passkey
		var cred, created string
		var used sql.NullString
		if err := rows.Scan(&p.ID, &p.Site, &p.UserID, &p.Name, &cred, &created, &used); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cred), &p.Credential); err != nil {
			return nil, fmt.Errorf("passkey %d: the stored credential does not decode: %w", p.ID, err)
		}
		p.CreatedAt = parseTS(created)
		if used.Valid {
			t := parseTS(used.String)
			p.LastUsedAt = &t
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PasskeysByUser returns the user's passkeys under rp, oldest first.
func (tx *Tx) PasskeysByUser(ctx context.Context, rp string, userID int64) ([]access.Passkey, error) {
	return scanPasskeys(tx.query(ctx, passkeysQuery, rp, userID))
}

// PasskeysByUser returns the user's passkeys under rp, read outside any
// write.
func (db *DB) PasskeysByUser(ctx context.Context, rp string, userID int64) ([]access.Passkey, error) {
	return scanPasskeys(db.rq.QueryContext(ctx, db.rebind(passkeysQuery), rp, userID))
}

// AddPasskey records a new passkey under rp and returns its id.
func (tx *Tx) AddPasskey(ctx context.Context, rp string, p access.Passkey) (int64, error) {
	cred, err := json.Marshal(p.Credential)
	if err != nil {
		return 0, fmt.Errorf("encode passkey: %w", err)
	}
	id, err := tx.insertID(ctx, `INSERT INTO passkeys (rp_id, user_id, credential_id, name, credential, sign_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		rp, p.UserID, b64u.EncodeToString(p.Credential.ID), p.Name, string(cred), int64(p.Credential.Authenticator.SignCount), ts(p.CreatedAt))
	return id, mapConstraint(err, "this passkey")
}

// DeletePasskey removes the user's passkey id under rp.
func (tx *Tx) DeletePasskey(ctx context.Context, rp string, userID, id int64) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM passkeys WHERE rp_id = ? AND user_id = ? AND id = ?`, rp, userID, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeletePasskeys removes all the user's passkeys and handles, of every
// site, and returns how many passkeys there were.
func (tx *Tx) DeletePasskeys(ctx context.Context, userID int64) (int, error) {
	res, err := tx.exec(ctx, `DELETE FROM passkeys WHERE user_id = ?`, userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	_, err = tx.exec(ctx, `DELETE FROM passkey_users WHERE user_id = ?`, userID)
	return int(n), err
}

// UsePasskey stores the credential record as a sign-in left it (its sign
// counter) and when it was used.
func (tx *Tx) UsePasskey(ctx context.Context, rp string, id int64, c webauthn.Credential, at time.Time) error {
	cred, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode passkey: %w", err)
	}
	res, err := tx.exec(ctx, `UPDATE passkeys SET credential = ?, sign_count = ?, last_used_at = ? WHERE rp_id = ? AND id = ?`,
		string(cred), int64(c.Authenticator.SignCount), ts(at), rp, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return err
		}
		return notFound("no passkey %d", id)
	}
	return nil
}

// TakeChallenge records challenge as used at at and reports whether it
// was not already; challenges used before since are dropped first.
func (tx *Tx) TakeChallenge(ctx context.Context, challenge string, at, since time.Time) (bool, error) {
	if _, err := tx.exec(ctx, `DELETE FROM passkey_challenges WHERE used_at < ?`, ts(since)); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO passkey_challenges (challenge, used_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING`, challenge, ts(at))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
