package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// serverKeys are the names of the deployment's secrets.
var serverKeys = []string{"signin"}

// ensureKeys makes each server key the database does not hold yet, at
// random. Two servers opening a new database at once keep whichever
// wrote first.
func (db *DB) ensureKeys(ctx context.Context) error {
	for _, name := range serverKeys {
		var n int
		if err := db.write.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM server_keys WHERE name = ?`), name).Scan(&n); err != nil {
			return fmt.Errorf("server keys: %w", err)
		}
		if n > 0 {
			continue
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		if _, err := db.write.ExecContext(ctx, db.rebind(`INSERT INTO server_keys (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`),
			name, hex.EncodeToString(secret), ts(time.Now())); err != nil {
			return fmt.Errorf("server keys: %w", err)
		}
	}
	return nil
}

// SignInKey returns the secret that keys the sign-in's challenges and
// passkey ceremonies.
func (db *DB) SignInKey(ctx context.Context) ([]byte, error) {
	var h string
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT secret FROM server_keys WHERE name = ?`), "signin").Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("the database holds no sign-in key")
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(h)
}
