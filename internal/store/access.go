package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// Access adapts Transact to the access use cases' Store interface.
type Access struct{ DB *DB }

// Transact runs fn in one write transaction.
func (a Access) Transact(ctx context.Context, fn func(access.Tx) error) error {
	return a.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

// NationReads reports whether a nation with code exists, and whether it
// holds an audience bit, which only nations whose people read here have.
func (tx *Tx) NationReads(ctx context.Context, code string) (bool, bool, error) {
	var bit int
	err := tx.queryRow(ctx, `SELECT audience_bit FROM nations WHERE code = ?`, strings.ToUpper(code)).Scan(&bit)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, bit > 0, err
}

// SiteExists reports whether a site with code exists.
func (tx *Tx) SiteExists(ctx context.Context, code string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE code = ?`, strings.ToUpper(code)).Scan(&n)
	return n > 0, err
}

// CountUsers returns the number of users.
func (tx *Tx) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CountActiveAdmins returns the number of administrators not disabled.
func (tx *Tx) CountActiveAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE disabled = ? AND (',' || roles || ',') LIKE '%,admin,%'`, false).Scan(&n)
	return n, err
}

// CountUsers returns the number of users.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := db.rq.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

const userColumns = "id, name, display_name, nation, roles, clearance, site, disabled, password_hash, version, created_at, updated_at"

func scanUser(s scanner) (access.User, error) {
	var u access.User
	var roles, created, updated string
	if err := s.Scan(&u.ID, &u.Name, &u.DisplayName, &u.Nation, &roles, &u.Clearance, &u.Site, &u.Disabled, &u.PasswordHash, &u.Version, &created, &updated); err != nil {
		return u, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, access.Role(r))
		}
	}
	u.CreatedAt, u.UpdatedAt = parseTS(created), parseTS(updated)
	return u, nil
}

func (db *DB) userBy(ctx context.Context, q querier, col string, v any) (access.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, db.rebind(`SELECT `+userColumns+` FROM users WHERE `+col+` = ?`), v))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("no user %v", v)
	}
	return u, err
}

// UserByName returns the user with name.
func (tx *Tx) UserByName(ctx context.Context, name string) (access.User, error) {
	return tx.db.userBy(ctx, tx, "name", name)
}

// UserByID returns the user with id.
func (tx *Tx) UserByID(ctx context.Context, id int64) (access.User, error) {
	return tx.db.userBy(ctx, tx, "id", id)
}

// UserByID returns the user with id.
func (db *DB) UserByID(ctx context.Context, id int64) (access.User, error) {
	return db.userBy(ctx, db.rq, "id", id)
}

// UserByName returns the user with name.
func (db *DB) UserByName(ctx context.Context, name string) (access.User, error) {
	return db.userBy(ctx, db.rq, "name", strings.ToLower(name))
}

func joinRoles(rs []access.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// CreateUser inserts a user.
func (tx *Tx) CreateUser(ctx context.Context, u *access.User) error {
	u.Version = 1
	id, err := tx.insertID(ctx, `INSERT INTO users (name, display_name, nation, roles, clearance, site, disabled, password_hash, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		u.Name, u.DisplayName, u.Nation, joinRoles(u.Roles), int(u.Clearance), u.Site, u.Disabled, u.PasswordHash, ts(u.CreatedAt), ts(u.UpdatedAt))
	if err != nil {
		return mapConstraint(err, "user "+u.Name)
	}
	u.ID = id
	return nil
}

// UpdateUser writes a user if its stored version is version.
func (tx *Tx) UpdateUser(ctx context.Context, u *access.User, version int64) error {
	res, err := tx.exec(ctx, `UPDATE users SET display_name = ?, nation = ?, roles = ?, clearance = ?, site = ?, disabled = ?, password_hash = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		u.DisplayName, u.Nation, joinRoles(u.Roles), int(u.Clearance), u.Site, u.Disabled, u.PasswordHash, ts(u.UpdatedAt), u.ID, version)
	if err != nil {
		return mapConstraint(err, "user "+u.Name)
	}
	if err := checkUpdated(res, "user "+u.Name, version); err != nil {
		return err
	}
	u.Version = version + 1
	return nil
}

// DeleteUserSessions ends every session of a user.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// Users lists every user by name.
func (db *DB) Users(ctx context.Context) ([]access.User, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []access.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

const tokenColumns = "t.id, t.user_id, u.name, t.name, t.hint, t.created_at, t.expires_at, t.revoked_at, t.last_used_at"

func scanToken(s scanner) (access.Token, error) {
	var t access.Token
	var created, expires string
	var revoked, used sql.NullString
	if err := s.Scan(&t.ID, &t.UserID, &t.UserName, &t.Name, &t.Hint, &created, &expires, &revoked, &used); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt = parseTS(created), parseTS(expires)
	if revoked.Valid {
		r := parseTS(revoked.String)
		t.RevokedAt = &r
	}
	if used.Valid {
		u := parseTS(used.String)
		t.LastUsedAt = &u
	}
	return t, nil
}

func (db *DB) tokenBy(ctx context.Context, q querier, col string, v any) (access.Token, error) {
	t, err := scanToken(q.QueryRowContext(ctx, db.rebind(`SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.`+col+` = ?`), v))
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("no such token")
	}
	return t, err
}

// CreateToken inserts a token with the hash of its secret.
func (tx *Tx) CreateToken(ctx context.Context, t *access.Token, hash string) error {
	id, err := tx.insertID(ctx, `INSERT INTO api_tokens (user_id, name, hint, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.UserID, t.Name, t.Hint, hash, ts(t.CreatedAt), ts(t.ExpiresAt))
	if err != nil {
		return mapConstraint(err, "token")
	}
	t.ID = id
	return nil
}

// TokenByHash returns the token whose secret hashes to hash.
func (tx *Tx) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	return tx.db.tokenBy(ctx, tx, "hash", hash)
}

// TokenByHash returns the token whose secret hashes to hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	return db.tokenBy(ctx, db.rq, "hash", hash)
}

// TokenByID returns the token with id.
func (tx *Tx) TokenByID(ctx context.Context, id int64) (access.Token, error) {
	return tx.db.tokenBy(ctx, tx, "id", id)
}

// TouchToken records the token's last use.
func (tx *Tx) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ts(at), id)
	return err
}

// RevokeToken revokes a token.
func (tx *Tx) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(at), id)
	return err
}

// RevokeUserTokens revokes every token of the user still in force.
func (tx *Tx) RevokeUserTokens(ctx context.Context, userID int64, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, ts(at), userID)
	return err
}

// Tokens lists the tokens of a user (all users' when userID is 0), newest first.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]access.Token, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id`, []any{}
	if userID != 0 {
		q += ` WHERE t.user_id = ?`
		args = append(args, userID)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY t.id DESC`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []access.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CreateSession inserts a session under the hash of its secret.
func (tx *Tx) CreateSession(ctx context.Context, hash string, s access.Session) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at, provider_mfa) VALUES (?, ?, ?, ?, ?, ?)`, hash, s.UserID, s.CSRF, ts(s.CreatedAt), ts(s.ExpiresAt), s.ProviderMFA)
	return err
}

func (db *DB) sessionByHash(ctx context.Context, q querier, hash string) (access.Session, error) {
	var s access.Session
	var created, expires string
	err := q.QueryRowContext(ctx, db.rebind(`SELECT user_id, csrf, created_at, expires_at, provider_mfa FROM sessions WHERE hash = ?`), hash).Scan(&s.UserID, &s.CSRF, &created, &expires, &s.ProviderMFA)
	if errors.Is(err, sql.ErrNoRows) {
		return s, notFound("no such session")
	}
	s.CreatedAt, s.ExpiresAt = parseTS(created), parseTS(expires)
	return s, err
}

// SessionByHash returns the session whose secret hashes to hash.
func (tx *Tx) SessionByHash(ctx context.Context, hash string) (access.Session, error) {
	return tx.db.sessionByHash(ctx, tx, hash)
}

// SessionByHash returns the session whose secret hashes to hash.
func (db *DB) SessionByHash(ctx context.Context, hash string) (access.Session, error) {
	return db.sessionByHash(ctx, db.rq, hash)
}

// DeleteSession ends a session.
func (tx *Tx) DeleteSession(ctx context.Context, hash string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
	return err
}
