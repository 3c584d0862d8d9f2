package store

import (
	"context"
	"encoding/json"

	"github.com/longhaul/longhaul/internal/access"
)

// marked is a record that carries a marking: a pledge or a requirement.
type marked interface {
	AuditMarking() (owner string, m access.Marking)
}

// eventMarking is the classification (the highest) and the audience masks
// of what an event's before and after hold, narrowed by its cause's. An event of a
// record without a marking is unclassified and releasable to all.
func (db *DB) eventMarking(before, after, cause any) (int, int64, int64) {
	class := access.Unclassified
	mask := func(v any) int64 {
		rec, ok := v.(marked)
		if !ok {
			return audienceAll
		}
		owner, m := rec.AuditMarking()
		class = max(class, m.Classification)
		a, err := db.audience(owner, m.ReleasableTo)
		if err != nil {
			return 0 // an unknown nation: only readers of every nation see it
		}
		return a
	}
	b, a := mask(before), mask(after)
	if cause != nil {
		c := mask(cause)
		b, a = b&c, a&c
	}
	return int(class), b, a
}

// storedMarking is the part of a pledge's or requirement's JSON the audit
// marking is computed from.
type storedMarking struct {
	Nation         string                `json:"nation"`
	Classification access.Classification `json:"classification"`
	ReleasableTo   []string              `json:"releasable_to"`
}

func (s storedMarking) AuditMarking() (string, access.Marking) {
	return s.Nation, access.Marking{Classification: s.Classification, ReleasableTo: access.Normalize(s.ReleasableTo)}
}

// backfillEventMarking computes the marking of events written before
// migration 0005, from their JSON.
func (db *DB) backfillEventMarking(ctx context.Context) error {
	rows, err := db.write.QueryContext(ctx, `SELECT seq, entity, before, after FROM audit_events WHERE classification < 0`)
	if err != nil {
		return err
	}
	var updates [][]any
	for rows.Next() {
		var seq int64
		var entity, before, after string
		if err := rows.Scan(&seq, &entity, &before, &after); err != nil {
			rows.Close()
			return err
		}
		decode := func(s string) any {
			if s == "" || (entity != "pledge" && entity != "requirement") {
				return nil
			}
			var m storedMarking
			if json.Unmarshal([]byte(s), &m) != nil {
				return nil
			}
			if entity == "requirement" {
				m.Nation = "UKR"
			}
			return m
		}
		c, b, a := db.eventMarking(decode(before), decode(after), nil)
		updates = append(updates, []any{c, b, a, seq})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return db.execAll(ctx, `UPDATE audit_events SET classification = ?, audience_before = ?, audience_after = ? WHERE seq = ?`, updates)
}
