// Package storetest opens real databases for tests: SQLite in a temporary
// directory always, and PostgreSQL in a schema of its own when
// LONGHAUL_TEST_POSTGRES holds a URL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/training"
)

// Engines returns the DSNs to test against, by name.
func Engines(t testing.TB) map[string]func(testing.TB) string {
	m := map[string]func(testing.TB) string{"sqlite": SQLiteDSN}
	if os.Getenv("LONGHAUL_TEST_POSTGRES") != "" {
		m["postgres"] = PostgresDSN
	} else {
		once.Do(func() {
			t.Log("PostgreSQL tests skipped: set LONGHAUL_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them")
		})
	}
	return m
}

var once onceFlag

type onceFlag struct{ done atomic.Bool }

func (o *onceFlag) Do(f func()) {
	if o.done.CompareAndSwap(false, true) {
		f()
	}
}

// SQLiteDSN returns the path of a new database file in a temporary directory.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "longhaul.db")
}

var schemaSeq atomic.Int64

// PostgresDSN creates an empty schema in the database LONGHAUL_TEST_POSTGRES
// names, drops it when the test ends, and returns a URL whose search path is
// that schema. It skips the test when the variable is unset.
func PostgresDSN(t testing.TB) string {
	base := os.Getenv("LONGHAUL_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set LONGHAUL_TEST_POSTGRES to a postgres:// URL to run them")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a database at dsn and closes it when the test ends; its clock
// is fixed at now.
func Open(t testing.TB, dsn string, now time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	db.Now = func() time.Time { return now }
	t.Cleanup(func() { db.Close() })
	// Every database a test leaves behind holds the ledger's invariants
	// (this runs before the close above), unless the test broke it on
	// purpose.
	t.Cleanup(func() {
		if _, ok := tampered.Load(db); ok || t.Failed() || db.Ping(context.Background()) != nil {
			return // broken on purpose, failed already, or closed by the test
		}
		rep, err := db.Check(context.Background())
		if err != nil {
			t.Errorf("check the database the test leaves: %v", err)
			return
		}
		for _, v := range rep.Violations {
			t.Errorf("the test leaves a broken ledger: %s: %s: %s", v.Invariant, v.Record, v.Detail)
		}
	})
	return db
}

var tampered sync.Map

// Tampered marks db as broken on purpose by its test (an audit chain
// edited to see that verify finds it): it is not checked when the test
// ends.
func Tampered(db *store.DB) { tampered.Store(db, true) }

// Each runs f as a subtest against every engine.
func Each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	for name, dsn := range Engines(t) {
		t.Run(name, func(t *testing.T) {
			f(t, Open(t, dsn(t), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)))
		})
	}
}

// Fixture items and sites that Seed creates.
const (
	NSN155     = "1320-12-345-6789" // 155 mm round, group 155MM-NATO
	NSN155Alt  = "1320-14-111-2222" // another 155 mm round, same group
	NSNStinger = "1410-01-234-5678" // no group
	SiteKyiv   = "UA-KYIV"
	SiteHub    = "PL-RZE"
)

// Seed adds two sites and three items through the catalogue's use cases.
func Seed(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := Ctx()
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	for _, s := range []catalog.Site{
		{Code: SiteKyiv, Name: "Kyiv delivery point", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 50450100, LonE6: 30523400},
		{Code: SiteHub, Name: "Rzeszów-Jasionka", Nation: "POL", Kinds: []string{"logistics_hub"}, LatE6: 50110000, LonE6: 22019000},
	} {
		if _, err := cs.CreateSite(ctx, s); err != nil {
			t.Fatalf("seed site %s: %v", s.Code, err)
		}
	}
	for _, it := range []catalog.Item{
		{NSN: NSN155, Name: "Cartridge, 155 mm HE M795", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 350000, MassG: 46700, VolumeCM3: 14000, Group: "155MM-NATO"},
		{NSN: NSN155Alt, Name: "Cartridge, 155 mm HE DM121", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 420000, MassG: 45000, VolumeCM3: 14000, Group: "155MM-NATO"},
		{NSN: NSNStinger, Name: "Guided missile, Stinger", Capability: "air_defence", UnitOfIssue: "EA", UnitValue: 48000000, MassG: 15200, VolumeCM3: 60000},
	} {
		if _, err := cs.CreateItem(ctx, it); err != nil {
			t.Fatalf("seed item %s: %v", it.NSN, err)
		}
	}
}

// Ctx returns a context acting as the system: every role, every clearance.
// Tests of access rules use access.WithIdentity with the identity they test.
func Ctx() context.Context {
	return access.WithIdentity(context.Background(), access.System.Named("test"))
}

// Ship moves shipped units of pledge line line through shipments, as only
// shipments may: handed over directly from the hub to the requirements'
// delivery points, oldest allocation first. The first delivered of them
// are received in full; the rest wait for the recipient's receipt.
func Ship(t testing.TB, db *store.DB, pledge, line, shipped, delivered int64) {
	t.Helper()
	ctx := Ctx()
	lg := &logistics.Service{Store: store.Logistics{DB: db}}
	als, err := db.Allocations(ctx, pledge, 0)
	if err != nil {
		t.Fatal(err)
	}
	hand := func(al assist.Allocation, q int64, receive bool) {
		sh, err := lg.HandOver(ctx, logistics.Handover{Origin: SiteHub, Override: "test fixture", Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: q}}})
		if err != nil {
			t.Fatalf("hand over %d of allocation %d: %v", q, al.ID, err)
		}
		if receive {
			if _, _, err := lg.Receive(ctx, sh.ID, sh.Version, logistics.Receipt{}); err != nil {
				t.Fatalf("receive %s: %v", sh.Ref(), err)
			}
		}
	}
	for _, al := range als {
		if al.LineID != line {
			continue
		}
		free := al.Quantity - al.Shipped
		if d := min(delivered, free); d > 0 {
			hand(al, d, true)
			delivered, shipped, free = delivered-d, shipped-d, free-d
		}
		if s := min(shipped, free); s > 0 {
			hand(al, s, false)
			shipped -= s
		}
	}
	if shipped > 0 || delivered > 0 {
		t.Fatalf("pledge line %d has too little allocated to ship %d more (%d of them delivered)", line, shipped, delivered)
	}
}

// Demo loads the demo scenario into db as `longhaul serve --demo` does
// (catalogue, ledger, shipments, accounts and repairs, without users), its
// dates set from now.
func Demo(t testing.TB, db *store.DB, now time.Time) {
	t.Helper()
	ctx := Ctx()
	if err := demo.Load(ctx, &catalog.Service{Store: store.Catalog{DB: db}}, &assist.Service{Store: store.Assist{DB: db}}, now); err != nil {
		t.Fatal(err)
	}
	all := func(ctx context.Context) ([]assist.Pledge, error) {
		return db.AllPledges(ctx, assist.PledgeFilter{}, now.Format(assist.DateLayout))
	}
	if err := demo.LoadLogistics(ctx, &logistics.Service{Store: store.Logistics{DB: db}}, all, now); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadAccounts(ctx, db, &accounts.Service{Store: store.Accounts{DB: db}}, now); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadRepair(ctx, &repair.Service{Store: store.Repair{DB: db}}, now); err != nil {
		t.Fatal(err)
	}
}

// DemoReadiness adds to the demo Demo loaded what `longhaul serve --demo`
// adds beside it: the crews' courses, classes and cohorts, and the
// capability packages.
func DemoReadiness(t testing.TB, db *store.DB, now time.Time) {
	t.Helper()
	rs := &readiness.Service{Store: store.Readiness{DB: db}, Read: store.Readiness{DB: db}}
	if err := demo.LoadReadiness(Ctx(), &training.Service{Store: store.Training{DB: db}}, db, rs, now); err != nil {
		t.Fatal(err)
	}
}

// DemoHistory adds the demo's illustrative history after Demo, as
// `longhaul serve --demo` does: the store's clock is set to each of its
// days, then back to now.
func DemoHistory(t testing.TB, db *store.DB, now time.Time) {
	t.Helper()
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	defer setNow(now)
	allocations := func(ctx context.Context, pledge int64) ([]assist.Allocation, error) {
		return db.Allocations(ctx, pledge, 0)
	}
	if err := demo.LoadHistory(Ctx(), &assist.Service{Store: store.Assist{DB: db}}, &logistics.Service{Store: store.Logistics{DB: db}}, allocations, setNow, now); err != nil {
		t.Fatal(err)
	}
}
