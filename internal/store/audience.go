package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
)

// audienceAll is the bit of a record releasable to all.
const audienceAll int64 = 1

// maxAudienceBit is the highest bit a nation can have in an int64 mask.
const maxAudienceBit = 62

// loadAudience reads the nations' audience bits (a country has none: none
// of its people read here), and computes the mask of
// every record that has none yet (those written before migration 0003).
func (db *DB) loadAudience(ctx context.Context) error {
	rows, err := db.write.QueryContext(ctx, `SELECT code, audience_bit FROM nations WHERE role <> 'country'`)
	if err != nil {
		return fmt.Errorf("audience bits: %w", err)
	}
	bits := map[string]int64{}
	for rows.Next() {
		var code string
		var bit int
		if err := rows.Scan(&code, &bit); err != nil {
			rows.Close()
			return err
		}
		if bit < 1 || bit > maxAudienceBit {
			rows.Close()
			return fmt.Errorf("nation %s has audience bit %d: bits run from 1 to %d", code, bit, maxAudienceBit)
		}
		bits[code] = 1 << bit
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	db.bits = bits
	for _, t := range []struct{ table, owner string }{{"pledges", "nation"}, {"requirements", "'UKR'"}} {
		if err := db.backfillAudience(ctx, t.table, t.owner); err != nil {
			return err
		}
	}
	return db.backfillEventMarking(ctx)
}

func (db *DB) backfillAudience(ctx context.Context, table, owner string) error {
	rows, err := db.write.QueryContext(ctx, `SELECT id, `+owner+`, releasable_to FROM `+table+` WHERE audience = 0`)
	if err != nil {
		return err
	}
	var updates [][]any
	for rows.Next() {
		var id int64
		var own, rel string
		if err := rows.Scan(&id, &own, &rel); err != nil {
			rows.Close()
			return err
		}
		mask, err := db.audience(own, access.ParseReleasability(rel))
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s %d: %w", table, id, err)
		}
		updates = append(updates, []any{mask, id})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return db.execAll(ctx, `UPDATE `+table+` SET audience = ? WHERE id = ?`, updates)
}

// execAll runs the statement q once for each argument list, all in one
// transaction; the start-up backfills use it.
func (db *DB) execAll(ctx context.Context, q string, argLists [][]any) error {
	if len(argLists) == 0 {
		return nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	q = db.rebind(q)
	for _, args := range argLists {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s %v: %w", q, args[len(args)-1], err)
		}
	}
	return tx.Commit()
}

// audience is the mask of a record owned by owner and releasable to rel.
func (db *DB) audience(owner string, rel access.Releasability) (int64, error) {
	mask := db.bits[owner]
	if len(rel) == 0 {
		return mask | audienceAll, nil
	}
	var unknown []string
	for _, c := range rel {
		b, ok := db.bits[c]
		if !ok {
			unknown = append(unknown, c)
		}
		mask |= b
	}
	if len(unknown) > 0 {
		return 0, fmt.Errorf("releasable to %s: no such nation", strings.Join(unknown, ", "))
	}
	return mask, nil
}

// readerAudience is the mask a reader's records must share a bit with.
func (db *DB) readerAudience(nation string) int64 {
	return audienceAll | db.bits[nation]
}
