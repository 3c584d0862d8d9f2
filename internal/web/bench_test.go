package web_test

// Benchmarks of the HTTP API; docs/benchmarks.md has the figures. Each
// reports its rate against a bare loop of plain INSERT transactions with
// the same durability settings, measured in the same run.

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

var benchNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// benchPledgeBody is a pledge of three lines as a client posts it.
const benchPledgeBody = `{"nation":"DEU","title":"155 mm ammunition and air defence, winter package","kind":"in_kind","channel":"bilateral","category":"in_kind",
"announced":"2026-11-01","promised":"2027-03-31","reference":"MoD press release 2026-11-01","classification":"NATO RESTRICTED","releasable_to":["UKR"],
"lines":[{"nsn":"1320-12-345-6789","quantity":12000},{"nsn":"1320-14-111-2222","quantity":8000},{"nsn":"1410-01-234-5678","quantity":40,"unit_value":"500000.00"}]}`

// benchAuditAfter is the size of the audit event the service writes for
// such a pledge, for the bare loop's audit row.
var benchAuditAfter = `{"id":1,"nation":"DEU","title":"155 mm ammunition and air defence, winter package","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2026-11-01","promised":"2027-03-31","reference":"MoD press release 2026-11-01","amount":"0.00","classification":"NATO RESTRICTED","releasable_to":["UKR"],"lines":[` +
	strings.Repeat(`{"id":1,"no":1,"nsn":"1320-12-345-6789","item_name":"Cartridge, 155 mm HE M795","unit_value":"3500.00","pledged":12000,"committed":0,"allocated":0,"shipped":0,"delivered":0,"accepted":0,"withdrawn":0},`, 2) +
	`{"id":3,"no":3,"nsn":"1410-01-234-5678","item_name":"Guided missile, Stinger","unit_value":"500000.00","pledged":40,"committed":0,"allocated":0,"shipped":0,"delivered":0,"accepted":0,"withdrawn":0}],"version":1,"created_at":"2026-11-23T09:00:00.000000Z","updated_at":"2026-11-23T09:00:00.000000Z"}`

const benchHash = "9f2c4e1d7a5b3c8e0f6a1d2b4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e"

// benchQuiet silences the default logger (store.Open logs each migration).
func benchQuiet(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })
}

// benchServer starts the real handler over a new, seeded SQLite database
// and returns its URL and an API token of a German nation officer cleared
// to NATO RESTRICTED, the caller the benchmarks post as. The database and
// the server run on the real clock, so that the token's last use is
// written at most once a minute, as in production.
func benchServer(b *testing.B) (url, token string) {
	url, token, _ = benchServerDB(b)
	return url, token
}

// benchServerDB is benchServer that also returns the database.
func benchServerDB(b *testing.B) (url, token string, db *store.DB) {
	return benchServerWith(b, nil)
}

// benchServerWith is benchServerDB with setup, if any, run on the server
// and the database before the server starts.
func benchServerWith(b *testing.B, setup func(*web.Server, *store.DB)) (url, token string, db *store.DB) {
	db = storetest.Open(b, storetest.SQLiteDSN(b), benchNow)
	db.Now = time.Now
	storetest.Seed(b, db)
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
	if setup != nil {
		setup(srv, db)
	}
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	ctx := storetest.Ctx()
	if _, err := srv.Access.CreateUser(ctx, access.NewUser{Name: "bench-deu", DisplayName: "Bench officer", Nation: "DEU",
		Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Password: "correct horse battery staple 7"}); err != nil {
		b.Fatal(err)
	}
	_, token, err := srv.Access.CreateToken(ctx, "bench-deu", "bench", 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	return ts.URL, token, db
}

// benchClient keeps its connections alive between requests.
func benchClient(b *testing.B) *http.Client {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func benchPost(c *http.Client, url, token string) error {
	req, err := http.NewRequest("POST", url+"/api/v1/pledges", strings.NewReader(benchPledgeBody))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body) // read to the end, so the connection is reused
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return &benchStatusError{resp.StatusCode, string(body)}
	}
	return nil
}

type benchStatusError struct {
	status int
	body   string
}

func (e *benchStatusError) Error() string { return strconv.Itoa(e.status) + ": " + e.body }

// benchBare is the baseline: a bare loop of plain INSERT transactions (one
// pledge, three lines, one audit-event-sized row) on a migrated SQLite
// database of its own, opened with store.open's pragmas (WAL,
// synchronous=FULL, BEGIN IMMEDIATE, one connection).
type benchBare struct {
	db       *sql.DB
	seq      int64
	audience int64 // DEU's bit and UKR's, as the store computes it
}

func benchNewBare(b *testing.B) *benchBare {
	dsn := storetest.SQLiteDSN(b)
	storetest.Seed(b, storetest.Open(b, dsn, benchNow))
	db, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	b.Cleanup(func() { db.Close() })
	bb := &benchBare{db: db}
	if err := db.QueryRow(`SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&bb.seq); err != nil {
		b.Fatal(err)
	}
	if err := db.QueryRow(`SELECT (1 << (SELECT audience_bit FROM nations WHERE code = 'DEU')) | (1 << (SELECT audience_bit FROM nations WHERE code = 'UKR'))`).Scan(&bb.audience); err != nil {
		b.Fatal(err)
	}
	return bb
}

func (bb *benchBare) insert(ctx context.Context) error {
	tx, err := bb.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := benchNow.Format(audit.TimeLayout)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO pledges (nation, title, kind, channel, category, announced, promised, reference, amount, classification, releasable_to, audience, illustrative, state, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		"DEU", "155 mm ammunition and air defence, winter package", "in_kind", "bilateral", "in_kind", "2026-11-01", "2027-03-31", "MoD press release 2026-11-01",
		0, 1, "UKR", bb.audience, false, "open", now, now).Scan(&id); err != nil {
		return err
	}
	for i, l := range []struct {
		nsn        string
		value, qty int64
	}{{storetest.NSN155, 350000, 12000}, {storetest.NSN155Alt, 420000, 8000}, {storetest.NSNStinger, 50000000, 40}} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pledge_lines (pledge_id, no, nsn, unit_value, pledged, committed, allocated, shipped, delivered, accepted, withdrawn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, i+1, l.nsn, l.value, l.qty, 0, 0, 0, 0, 0, 0); err != nil {
			return err
		}
	}
	bb.seq++
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, classification, audience_before, audience_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		bb.seq, now, "bench-deu (token)", "pledge.create", "pledge", strconv.FormatInt(id, 10), "", benchAuditAfter, benchHash, benchHash, 1, 1, 1); err != nil {
		return err
	}
	return tx.Commit()
}

// benchReport reports pledges/s, the bare loop's rate and how many times
// slower than the bare loop the API was (x-bare; the target is ≤ 2), and
// the target of 1,000 pledges/s as x-target-rate (≥ 1 meets it).
func benchReport(b *testing.B, pledges int, elapsed time.Duration, bareN int, bareTime time.Duration) {
	rate := float64(pledges) / elapsed.Seconds()
	bare := float64(bareN) / bareTime.Seconds()
	b.ReportMetric(rate, "pledges/s")
	b.ReportMetric(bare, "bare-tx/s")
	b.ReportMetric(bare/rate, "x-bare")
	b.ReportMetric(rate/1000, "x-target-rate")
}

// BenchmarkAPICreatePledge posts pledges of three lines to POST
// /api/v1/pledges of the real handler over SQLite, one request at a time
// on a keep-alive connection (serial), and from 8 concurrent clients
// (parallel).
//
// serial: after each timed request, with the timer stopped, it runs one
// transaction of the bare loop, so that the two are measured interleaved,
// under the same load on a shared machine.
//
// parallel: after the timed requests it runs the bare loop for as many
// transactions, or one second, whichever ends first.
func BenchmarkAPICreatePledge(b *testing.B) {
	benchQuiet(b)
	b.Run("sqlite/serial", func(b *testing.B) {
		ctx := context.Background()
		url, token := benchServer(b)
		c := benchClient(b)
		bare := benchNewBare(b)
		var bareTime time.Duration
		for b.Loop() {
			if err := benchPost(c, url, token); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			t0 := time.Now()
			if err := bare.insert(ctx); err != nil {
				b.Fatal(err)
			}
			bareTime += time.Since(t0)
			b.StartTimer()
		}
		benchReport(b, b.N, b.Elapsed(), b.N, bareTime)
	})
	b.Run("sqlite/parallel", func(b *testing.B) {
		ctx := context.Background()
		url, token := benchServer(b)
		c := benchClient(b)
		bare := benchNewBare(b)
		var failed atomic.Value
		b.SetParallelism(4) // 4 × GOMAXPROCS clients
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := benchPost(c, url, token); err != nil {
					failed.Store(err)
					return
				}
			}
		})
		b.StopTimer()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		elapsed := b.Elapsed()
		n, t0 := 0, time.Now()
		for n < b.N && (n == 0 || time.Since(t0) < time.Second) {
			if err := bare.insert(ctx); err != nil {
				b.Fatal(err)
			}
			n++
		}
		benchReport(b, b.N, elapsed, n, time.Since(t0))
	})
}

// BenchmarkAPIBareInsert is the baseline on its own: the bare INSERT loop.
func BenchmarkAPIBareInsert(b *testing.B) {
	benchQuiet(b)
	ctx := context.Background()
	bare := benchNewBare(b)
	for b.Loop() {
		if err := bare.insert(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
