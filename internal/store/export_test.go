package store

import (
	"context"
	"fmt"
	"strings"
)

// VerifyInPartsFrom sets the chain length from which VerifyAudit reads in
// parts, and returns a function that restores it.
func VerifyInPartsFrom(n int64) func() {
	old := verifyInPartsFrom
	verifyInPartsFrom = n
	return func() { verifyInPartsFrom = old }
}

// InsertLessonsForBench writes n lessons in one transaction, bypassing the
// use case (no audit events), for the search benchmark: their words come
// from vocab, so that a search term matches a known share of them.
func (db *DB) InsertLessonsForBench(n int, vocab []string) error {
	ctx := context.Background()
	return db.Transact(ctx, func(tx *Tx) error {
		for i := range n {
			w := func(k int) string { return vocab[(i*k+k*7)%len(vocab)] }
			title := w(3) + " " + w(5) + " " + w(11)
			text := "Observed " + w(13) + " " + w(17) + " during " + w(19) + " " + w(23) + "; units report " + w(29) + " and " + w(31) + "."
			class := 0
			if i%10 == 0 {
				class = 1
			}
			if _, err := tx.exec(ctx, `INSERT INTO lessons (title, observed, observed_on, capability, classification, audience, owner, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, 1, 'POL', 'submitted', 'bench', ?)`,
				title, text, fmt.Sprintf("2025-%02d-%02d", 1+i%12, 1+i%28), []string{"air_defence", "artillery", "armour", "logistics"}[i%4], class, ts(tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// BackfillStages forgets every line's stage days and derives them again
// as migration 0026 does for a ledger kept before them: from the audit
// trail and the deliveries.
func (db *DB) BackfillStages(ctx context.Context) error {
	b, err := migrationsFS.ReadFile("migrations/" + db.dialect + "/0026_forecast.sql")
	if err != nil {
		return err
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM line_stages`); err != nil {
		return err
	}
	for _, stmt := range strings.Split(string(b), ";\n") {
		if s := strings.TrimSpace(stmt); strings.HasPrefix(s, "INSERT INTO line_stages") {
			if _, err := db.write.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%.60s…: %w", s, err)
			}
		}
	}
	return nil
}

// InsertNotifyRowsOf0035 writes a user's notification settings and an
// event as the store wrote them before migration 0036: without a
// language, without params.
func (db *DB) InsertNotifyRowsOf0035(ctx context.Context, userID int64, key string) error {
	return db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO notify_settings (user_id, email, events, mode, version, updated_at) VALUES (?, ?, 'shipment.held', 'immediate', 1, ?)`,
			userID, "old@example.org", ts(tx.now)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO notify_outbox (event_key, kind, entity, entity_id, title, link, audit_seq, created_at) VALUES (?, 'shipment.held', 'shipment', '7', 'Shipment 7 is held', '/shipments/7', 0, ?)`,
			key, ts(tx.now))
		return err
	})
}
