package store_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// accessBenchRecords is the size of the ledger the access benchmark lists.
const accessBenchRecords = 10_000

// accessBenchDB fills a SQLite database with 10,000 pledges of one line
// each, of several nations, classifications and releasabilities, inserted in
// bulk (through the use cases it would take minutes).
func accessBenchDB(b *testing.B) *store.DB {
	b.Helper()
	dsn := storetest.SQLiteDSN(b)
	db := storetest.Open(b, dsn, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(b, db)
	raw, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	nations := []string{"DEU", "FRA", "POL", "USA", "NLD", "GBR", "ITA", "ESP"}
	rels := []string{"", "UKR", "FRA,UKR", "DEU,POL,UKR"}
	// The audience masks, as the store computes them (migration 0003).
	bit := map[string]int64{}
	rows, err := tx.Query(`SELECT code, audience_bit FROM nations`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c string
		var n int
		rows.Scan(&c, &n)
		bit[c] = 1 << n
	}
	rows.Close()
	mask := func(owner, rel string) int64 {
		if rel == "" {
			return bit[owner] | 1
		}
		m := bit[owner]
		for _, c := range strings.Split(rel, ",") {
			m |= bit[c]
		}
		return m
	}
	for i := 1; i <= accessBenchRecords; i++ {
		nation, rel := nations[i%len(nations)], rels[i%len(rels)]
		if _, err := tx.Exec(`INSERT INTO pledges (id, nation, title, kind, channel, category, announced, promised, classification, releasable_to, audience, state, created_at, updated_at)
			VALUES (?, ?, ?, 'in_kind', 'bilateral', 'in_kind', '2025-01-01', '2025-06-30', ?, ?, ?, 'open', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`,
			i, nation, fmt.Sprintf("Package %d", i), i%3, rel, mask(nation, rel)); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO pledge_lines (pledge_id, no, nsn, unit_value, pledged) VALUES (?, 1, ?, 350000, 100)`, i, storetest.NSN155); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPledgeListAccess lists a page of 50 pledges, with its total
// count, at 10,000 records: as a FRA nation officer (the clearance and
// releasability filter in the SQL) and, as the baseline, as the system,
// whose only condition is the trivially true clearance check, i.e. with
// access checks off. The target: the checks add under 20%.
func BenchmarkPledgeListAccess(b *testing.B) {
	db := accessBenchDB(b)
	officer := access.Identity{Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"}
	for _, c := range []struct {
		name string
		id   access.Identity
	}{{"checks_off", access.System}, {"nation_officer", officer}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := as(c.id)
			var total int64
			for b.Loop() {
				p, err := db.Pledges(ctx, assist.PledgeFilter{}, list.Options{Limit: 50, Sort: "-id"}, "2025-03-01")
				if err != nil {
					b.Fatal(err)
				}
				total = p.Total
			}
			b.ReportMetric(float64(total), "visible")
		})
	}
}
