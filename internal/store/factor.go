package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// Factors adapts Transact to the second factor's FactorStore interface.
type Factors struct{ DB *DB }

// Transact runs fn in one write transaction.
func (f Factors) Transact(ctx context.Context, fn func(access.FactorTx) error) error {
	return f.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

const factorColumns = `user_id, secret, confirmed_at, last_step, created_at`

func scanFactor(row *sql.Row) (access.Factor, error) {
	var f access.Factor
	var confirmed sql.NullString
	var created string
	err := row.Scan(&f.UserID, &f.Secret, &confirmed, &f.LastStep, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return f, notFound("no second factor")
	}
	if err != nil {
		return f, err
	}
	if confirmed.Valid {
		t := parseTS(confirmed.String)
		f.ConfirmedAt = &t
	}
	f.CreatedAt = parseTS(created)
	return f, nil
}

// FactorByUser returns the user's second factor.
func (tx *Tx) FactorByUser(ctx context.Context, userID int64) (access.Factor, error) {
	return scanFactor(tx.queryRow(ctx, `SELECT `+factorColumns+` FROM user_factors WHERE user_id = ?`, userID))
}

// FactorByUser returns the user's second factor, read outside any write.
func (db *DB) FactorByUser(ctx context.Context, userID int64) (access.Factor, error) {
	return scanFactor(db.rq.QueryRowContext(ctx, db.rebind(`SELECT `+factorColumns+` FROM user_factors WHERE user_id = ?`), userID))
}

// PutFactor creates or replaces the user's factor and drops their
// recovery codes.
func (tx *Tx) PutFactor(ctx context.Context, f access.Factor) error {
	if err := tx.DeleteFactor(ctx, f.UserID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO user_factors (user_id, secret, confirmed_at, last_step, created_at) VALUES (?, ?, NULL, ?, ?)`,
		f.UserID, f.Secret, f.LastStep, ts(f.CreatedAt))
	return err
}

// ConfirmFactor marks the user's factor confirmed with the step of its
// first code.
func (tx *Tx) ConfirmFactor(ctx context.Context, userID int64, at time.Time, step int64) error {
	_, err := tx.exec(ctx, `UPDATE user_factors SET confirmed_at = ?, last_step = ? WHERE user_id = ?`, ts(at), step, userID)
	return err
}

// DeleteFactor removes the user's factor and recovery codes.
func (tx *Tx) DeleteFactor(ctx context.Context, userID int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `DELETE FROM user_factors WHERE user_id = ?`, userID)
	return err
}

// TakeStep records step as the factor's last one when it is later than the
// one recorded, in one statement.
func (tx *Tx) TakeStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE user_factors SET last_step = ? WHERE user_id = ? AND last_step < ? AND confirmed_at IS NOT NULL`, step, userID, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReplaceRecoveryCodes replaces the user's recovery codes.
func (tx *Tx) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, at time.Time) error {
	if _, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.exec(ctx, `INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (?, ?, ?)`, userID, h, ts(at)); err != nil {
			return err
		}
	}
	return nil
}

// UseRecoveryCode marks an unused code used, and reports whether there was
// one.
func (tx *Tx) UseRecoveryCode(ctx context.Context, userID int64, hash string, at time.Time) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL`, ts(at), userID, hash)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (tx *Tx) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	return n, err
}

// RecoveryCodesLeft counts the user's unused recovery codes, read outside
// any write.
func (db *DB) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`), userID).Scan(&n)
	return n, err
}
