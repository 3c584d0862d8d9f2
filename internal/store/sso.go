package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// UserBySSOLink returns the user linked to the subject of an OpenID
// provider's issuer.
func (tx *Tx) UserBySSOLink(ctx context.Context, issuer, subject string) (access.User, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT user_id FROM sso_links WHERE issuer = ? AND subject = ?`, issuer, subject).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return access.User{}, notFound("no account linked to %s at %s", subject, issuer)
	}
	if err != nil {
		return access.User{}, err
	}
	return tx.UserByID(ctx, id)
}

// CreateSSOLink links a user to the subject of an issuer.
func (tx *Tx) CreateSSOLink(ctx context.Context, issuer, subject string, userID int64, at time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO sso_links (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)`, issuer, subject, userID, ts(at))
	if err != nil {
		return mapConstraint(err, "the link of "+subject)
	}
	return nil
}
