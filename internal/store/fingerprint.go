package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// fingerprintTables lists every table of the ledger with its key order.
var fingerprintTables = []struct{ name, order string }{
	{"nations", "code"}, {"nation_years", "nation, year"}, {"sites", "code"}, {"items", "nsn"},
	{"requirements", "id"}, {"pledges", "id"}, {"pledge_lines", "id"}, {"allocations", "id"},
	{"audit_events", "seq"}, {"audit_head", "id"},
	{"users", "id"}, {"api_tokens", "id"}, {"sessions", "hash"},
	{"capability_packages", "id"}, {"capability_elements", "package_id, no"},
}

// Fingerprint returns a hash of the content of every ledger table. Two
// equal fingerprints mean nothing was written in between; tests use it to
// show that refused input changed nothing, and operators to compare copies.
func (db *DB) Fingerprint(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, nil)
}

// FingerprintRecords is Fingerprint without the audit trail: equal values
// mean no record changed, though refusals may have been audited.
func (db *DB) FingerprintRecords(ctx context.Context) (string, error) {
	return db.fingerprint(ctx, map[string]bool{"audit_events": true, "audit_head": true})
}

func (db *DB) fingerprint(ctx context.Context, skip map[string]bool) (string, error) {
	h := sha256.New()
	for _, t := range fingerprintTables {
		if skip[t.name] {
			continue
		}
		rows, err := db.rq.QueryContext(ctx, fmt.Sprintf("SELECT * FROM %s ORDER BY %s", t.name, t.order))
		if err != nil {
			return "", fmt.Errorf("fingerprint %s: %w", t.name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(h, "table %s\n", t.name)
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", err
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v\x1f", v)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return "", err
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
