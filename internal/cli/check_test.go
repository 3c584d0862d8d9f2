package cli_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/check"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestCheckNamesEveryCorruption loads the demo, checks that every invariant
// holds, then breaks each one directly in SQL, as a hand-written statement
// or a bug could, and checks that `longhaul check` exits 3 naming the
// invariant and the record; the next case starts from the mended rows.
func TestCheckNamesEveryCorruption(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			url, db := demoDB(t, name, dsn(t))
			r := run(t, nil, "", "check", "--db", url)
			if r.code != 0 || !strings.Contains(r.out, "All 16 invariants hold") {
				t.Fatalf("check of the demo: %+v", r)
			}
			ctx := context.Background()
			exec := func(stmts ...string) {
				t.Helper()
				for _, s := range stmts {
					if _, err := db.ExecContext(ctx, s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
			}
			var firstDelivery, actor string
			if err := db.QueryRowContext(ctx, `SELECT 'P-' || LPAD(CAST(pledge_id AS TEXT), 5, '0') FROM deliveries ORDER BY id LIMIT 1`).Scan(&firstDelivery); err != nil {
				// SQLite has no LPAD.
				if err := db.QueryRowContext(ctx, `SELECT printf('P-%05d', pledge_id) FROM deliveries ORDER BY id LIMIT 1`).Scan(&firstDelivery); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.QueryRowContext(ctx, `SELECT actor FROM audit_events WHERE seq = 5`).Scan(&actor); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				invariant, record string
				breaks, mends     []string
			}{
				{check.PledgeTotals, "P-00002", []string{`UPDATE pledges SET delivered_value = delivered_value + 1 WHERE id = 2`},
					[]string{`UPDATE pledges SET delivered_value = delivered_value - 1 WHERE id = 2`}},
				{check.MoneyOrder, "P-00009", []string{`UPDATE pledges SET amount_disbursed = amount_disbursed + 1 WHERE id = 9`},
					[]string{`UPDATE pledges SET amount_disbursed = amount_disbursed - 1 WHERE id = 9`}},
				{check.MoneyOrder, "P-00012", []string{`UPDATE payments SET amount = amount + 1 WHERE pledge_id = 12 AND stage = 'disbursed'`},
					[]string{`UPDATE payments SET amount = amount - 1 WHERE pledge_id = 12 AND stage = 'disbursed'`}},
				{check.LineAllocations, "P-00002", []string{`UPDATE pledge_lines SET allocated = allocated + 1 WHERE pledge_id = 2`},
					[]string{`UPDATE pledge_lines SET allocated = allocated - 1 WHERE pledge_id = 2`}},
				{check.Fulfilment, "R-00001", []string{`UPDATE requirements SET state = 'open' WHERE id = 1`},
					[]string{`UPDATE requirements SET state = 'partly_allocated' WHERE id = 1`}},
				{check.ShippedByShipment, "P-00004", []string{`UPDATE shipment_lines SET quantity = quantity + 1 WHERE shipment_id = 2`},
					[]string{`UPDATE shipment_lines SET quantity = quantity - 1 WHERE shipment_id = 2`}},
				{check.DeliveredByReceipt, "P-00002", []string{`UPDATE shipment_lines SET received = received - 1 WHERE shipment_id = 1`},
					[]string{`UPDATE shipment_lines SET received = received + 1 WHERE shipment_id = 1`}},
				{check.SentReceived, "S-00001", []string{`UPDATE discrepancies SET quantity = quantity + 1 WHERE id = 1`},
					[]string{`UPDATE discrepancies SET quantity = quantity - 1 WHERE id = 1`}},
				{check.HubStock, "PL-RZE 1410-01-000-0007", []string{`UPDATE hub_stock SET quantity = quantity + 5 WHERE site = 'PL-RZE' AND nsn = '1410-01-000-0007'`},
					[]string{`UPDATE hub_stock SET quantity = quantity - 5 WHERE site = 'PL-RZE' AND nsn = '1410-01-000-0007'`}},
				{check.RepairSlots, "PL-GLI", []string{`UPDATE repair_orders SET facility = 'PL-GLI', state = 'in_repair' WHERE state = 'reported' AND facility IS NULL`},
					[]string{`UPDATE repair_orders SET facility = NULL, state = 'reported' WHERE facility = 'PL-GLI' AND state = 'in_repair'`}},
				{check.ClassSeats, "class 9001", []string{
					`INSERT INTO courses (code, title, skill, host, site, seats, min_size, updated_at) VALUES ('CHK-1', 'check', 'check', 'DEU', 'DE-MUN', 1, 0, '2026-01-01T00:00:00Z')`,
					`INSERT INTO classes (id, course, start_on, end_on, seats, min_size) VALUES (9001, 'CHK-1', '2026-01-05', '2026-01-09', 1, 0)`,
					`INSERT INTO cohorts (id, skill, size, priority, earliest, needed_by, created_at) VALUES (9001, 'check', 5, 1, '2026-01-01', '2026-02-01', '2026-01-01T00:00:00Z')`,
					`INSERT INTO enrolments (cohort_id, class_id, trainees, created_at) VALUES (9001, 9001, 5, '2026-01-01T00:00:00Z')`,
				}, []string{`DELETE FROM enrolments WHERE class_id = 9001`, `DELETE FROM cohorts WHERE id = 9001`, `DELETE FROM classes WHERE id = 9001`, `DELETE FROM courses WHERE code = 'CHK-1'`}},
				{check.DeliveriesOnce, firstDelivery, []string{`UPDATE deliveries SET quantity = quantity + 1 WHERE id = (SELECT MIN(id) FROM deliveries)`},
					[]string{`UPDATE deliveries SET quantity = quantity - 1 WHERE id = (SELECT MIN(id) FROM deliveries)`}},
				{check.LineStages, "P-00003", []string{`DELETE FROM line_stages WHERE line_id = 3 AND stage = 'allocated'`},
					[]string{`INSERT INTO line_stages (line_id, pledge_id, stage, on_date) SELECT line_id, pledge_id, 'allocated', on_date FROM line_stages WHERE line_id = 3 AND stage = 'committed'`}},
				{check.LineStages, "P-00002", []string{`UPDATE line_stages SET pledge_id = 2 WHERE line_id = 3 AND stage = 'committed'`},
					[]string{`UPDATE line_stages SET pledge_id = 3 WHERE line_id = 3 AND stage = 'committed'`}},
				{check.Conversions, "P-00005", []string{`UPDATE pledge_lines SET rate = '0.86978' WHERE pledge_id = 5 AND no = 1`},
					[]string{`UPDATE pledge_lines SET rate = '0.86979' WHERE pledge_id = 5 AND no = 1`}},
				{check.Conversions, "P-00003", []string{`UPDATE valuations SET eur = eur + 1 WHERE pledge_id = 3`},
					[]string{`UPDATE valuations SET eur = eur - 1 WHERE pledge_id = 3`}},
				{check.Conversions, "P-00009", []string{`UPDATE pledges SET amount_original = 5 WHERE id = 9`},
					[]string{`UPDATE pledges SET amount_original = 0 WHERE id = 9`}},
				{check.AuditChain, "event 5", []string{`UPDATE audit_events SET actor = 'mallory' WHERE seq = 5`},
					[]string{`UPDATE audit_events SET actor = '` + actor + `' WHERE seq = 5`}},
			}
			for _, c := range cases {
				exec(c.breaks...)
				r := run(t, nil, "", "check", "--db", url)
				if want := "VIOLATED " + c.invariant + ": " + c.record + ":"; r.code != 3 || !strings.Contains(r.out, want) {
					t.Errorf("%s broken: exit %d, want 3 and %q in\n%s%s", c.invariant, r.code, want, r.out, r.err)
				}
				exec(c.mends...)
				if r := run(t, nil, "", "check", "--db", url); r.code != 0 {
					t.Fatalf("after mending %s: %+v", c.invariant, r)
				}
			}
			// Last, the quantity order itself, which the tables' CHECK
			// constraints also hold: lifted here as a broken migration would.
			if name == "postgres" {
				exec(`DO $$ DECLARE r record; BEGIN
					FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = 'pledge_lines'::regclass AND contype = 'c' LOOP
						EXECUTE 'ALTER TABLE pledge_lines DROP CONSTRAINT ' || quote_ident(r.conname);
					END LOOP; END $$`)
				exec(`UPDATE pledge_lines SET accepted = delivered + 1 WHERE pledge_id = 2`)
			} else {
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range []string{`PRAGMA ignore_check_constraints = ON`, `UPDATE pledge_lines SET accepted = delivered + 1 WHERE pledge_id = 2`} {
					if _, err := conn.ExecContext(ctx, s); err != nil {
						t.Fatal(err)
					}
				}
				conn.Close()
			}
			r = run(t, nil, "", "check", "--db", url, "--json")
			if r.code != 3 || !strings.Contains(r.out, `"invariant": "line order"`) || !strings.Contains(r.out, `"record": "P-00002"`) {
				t.Errorf("line order broken: %+v", r)
			}
		})
	}
}

// demoDB loads the demo into the database at url, of engine name, and
// opens it for SQL that breaks what the use cases keep.
func demoDB(t *testing.T, name, url string) (string, *sql.DB) {
	t.Helper()
	if r := run(t, nil, "", "demo", "--db", url); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	driver := "sqlite"
	if name == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return url, db
}

// TestCheckNamesFiguresBeyondBounds stores, by SQL as rows written before
// the bounds were, each kind of figure beyond its bound and checks that
// `longhaul check` exits 3 naming the bound and the record, even when the
// figure makes the sums of the other invariants overflow.
func TestCheckNamesFiguresBeyondBounds(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			url, db := demoDB(t, name, dsn(t))
			ctx := context.Background()
			value := func(q string) string {
				t.Helper()
				var v string
				if err := db.QueryRowContext(ctx, q).Scan(&v); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return v
			}
			line := value(`SELECT CAST(MIN(id) AS TEXT) FROM pledge_lines WHERE pledge_id = 2`)
			cases := []struct {
				name, record string
				table, set   string // the column set beyond its bound, in the row where
				where        string
			}{
				{"a line's quantity", "P-00002", "pledge_lines", "pledged = pledged + 1000000000", "id = " + line},
				{"a line's unit value", "P-00002", "pledge_lines", "unit_value = 100000000000001", "id = " + line},
				{"a line whose sums overflow", "P-00002", "pledge_lines", "pledged = 9000000000000000000", "id = " + line},
				{"a pledge's amount", "P-00002", "pledges", "amount = 100000000000001", "id = 2"},
				{"a requirement's quantity", "R-00001", "requirements", "quantity = 1000000001", "id = 1"},
				{"an item's mass", "2350-12-000-0012", "items", "mass_g = 1000000001", "nsn = '2350-12-000-0012'"},
				{"an item's unit value", "2350-12-000-0012", "items", "unit_value = 100000000000001", "nsn = '2350-12-000-0012'"},
				{"a hub's stock", "PL-RZE 1410-01-000-0007", "hub_stock", "quantity = 9000000000000000", "site = 'PL-RZE' AND nsn = '1410-01-000-0007'"},
				{"a contribution", "C-00001", "contributions", "amount = 100000000000001", "id = 1"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					col, _, _ := strings.Cut(c.set, " ")
					was := value(`SELECT CAST(` + col + ` AS TEXT) FROM ` + c.table + ` WHERE ` + c.where)
					if _, err := db.ExecContext(ctx, `UPDATE `+c.table+` SET `+c.set+` WHERE `+c.where); err != nil {
						t.Fatal(err)
					}
					r := run(t, nil, "", "check", "--db", url)
					if want := "VIOLATED " + check.Bounds + ": " + c.record + ":"; r.code != 3 || !strings.Contains(r.out, want) {
						t.Errorf("exit %d, want 3 and %q in\n%s%s", r.code, want, r.out, r.err)
					}
					if _, err := db.ExecContext(ctx, `UPDATE `+c.table+` SET `+col+` = `+was+` WHERE `+c.where); err != nil {
						t.Fatal(err)
					}
					if r := run(t, nil, "", "check", "--db", url); r.code != 0 {
						t.Fatalf("after mending: %+v", r)
					}
				})
			}
		})
	}
}

// TestPledgePayMovesMoney: `longhaul pledge pay` records money disbursed
// on the demo's Danish fund, refuses more than is committed with every
// problem named, and the ledger's invariants hold after it.
func TestPledgePayMovesMoney(t *testing.T) {
	url, _ := demoDB(t, "sqlite", storetest.SQLiteDSN(t))
	r := run(t, nil, "", "pledge", "pay", "--db", url, "P-00009", "--stage", "disbursed", "--amount", "150.000.000,00", "--date", time.Now().UTC().Format("2006-01-02"), "--evidence", "Payment order 7")
	if r.code != 0 || !strings.Contains(r.out, "Recorded € 150,000,000.00 disbursed on "+time.Now().UTC().Format("2006-01-02")+" for P-00009") || !strings.Contains(r.out, "committed € 1,200,000,000.00, disbursed € 1,150,000,000.00") {
		t.Fatalf("pay: %+v", r)
	}
	r = run(t, nil, "", "pledge", "pay", "--db", url, "P-00009", "--stage", "disbursed", "--amount", "50000000.01", "--date", "2999-01-01")
	if r.code != 1 || !strings.Contains(r.err, "date: 2999-01-01 is not a plausible date") || !strings.Contains(r.err, "evidence: give the evidence") || !strings.Contains(r.err, "record the commitment first") {
		t.Errorf("a payment with three problems: %+v", r)
	}
	r = run(t, nil, "", "pledge", "pay", "--db", url, "P-00009", "--stage", "committed", "--amount", "1", "--date", "2020-01-01", "--evidence", "Letter")
	if r.code != 1 || !strings.Contains(r.err, "is before P-00009 was announced") {
		t.Errorf("money committed before the pledge was announced: %+v", r)
	}
	if r := run(t, nil, "", "pledge", "show", "--db", url, "9"); r.code != 0 || !strings.Contains(r.out, "Payment order 7") || !strings.Contains(r.out, "63% disbursed") {
		t.Errorf("show: %+v", r)
	}
	if r := run(t, nil, "", "check", "--db", url); r.code != 0 {
		t.Errorf("check after paying: %+v", r)
	}
}

// TestPledgeRevalueKeepsHistory: `longhaul pledge revalue` revalues the
// demo's British radios at the ECB's 2024 rate, refuses a revaluation with
// every problem named and nothing saved, and `pledge show` prints where
// each figure comes from and the history; the invariants hold after it.
func TestPledgeRevalueKeepsHistory(t *testing.T) {
	url, _ := demoDB(t, "sqlite", storetest.SQLiteDSN(t))
	r := run(t, nil, "", "pledge", "revalue", "--db", url, "P-00005", "--line", "1", "--currency", "GBP", "--original", "15.656,22", "--rate", "0.84662", "--rate-date", "2024-12-31",
		"--basis", "replacement_cost", "--source", "UK MoD, 2025", "--reason", "the 2024 annual average")
	if r.code != 0 || !strings.Contains(r.out, "Revalued line 1 of P-00005: € 18,492.62, was € 18,000.00.") {
		t.Fatalf("revalue: %+v", r)
	}
	r = run(t, nil, "", "pledge", "revalue", "--db", url, "P-00005", "--line", "9", "--eur", "1,250", "--basis", "guess")
	if r.code != 1 || !strings.Contains(r.err, "Nothing was revalued") || !strings.Contains(r.err, "eur: ") || !strings.Contains(r.err, "line: P-00005 has no line 9") ||
		!strings.Contains(r.err, "basis: ") || !strings.Contains(r.err, "reason: ") {
		t.Errorf("a revaluation with four problems: %+v", r)
	}
	r = run(t, nil, "", "pledge", "show", "--db", url, "P-00005")
	for _, want := range []string{"GBP 15,656.22 at 0.84662 per euro on 2024-12-31, replacement cost, source UK MoD, 2025", "GBP 156,562.20 at 0.86979 per euro on 2023-12-31, price list",
		"the 2024 annual average", "€ 18,000.00"} {
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("show lacks %q: %+v", want, r)
		}
	}
	if r := run(t, nil, "", "pledge", "show", "--db", url, "P-00009"); !strings.Contains(r.out, "The money's figure: EUR 1,800,000,000.00 — official, source Danish Ministry of Defence") {
		t.Errorf("show of the Danish fund: %+v", r)
	}
	if r := run(t, nil, "", "check", "--db", url); r.code != 0 {
		t.Errorf("check after revaluing: %+v", r)
	}
}
