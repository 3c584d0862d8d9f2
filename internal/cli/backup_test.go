package cli_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestBackupUnderWriteLoad backs a SQLite database up while four writers
// create pledges through the ledger's use case, each acknowledging the id
// of every pledge it created. Every pledge acknowledged before the backup
// started is in the copy, and the copy, restored, passes check and audit
// verify.
func TestBackupUnderWriteLoad(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "live.db")
	db := storetest.Open(t, dsn, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(t, db)
	svc := &assist.Service{Store: store.Assist{DB: db}}
	ctx := access.WithIdentity(context.Background(), access.System.Named("load"))

	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p, err := svc.CreatePledge(ctx, assist.Pledge{Nation: "DEU", Title: fmt.Sprintf("load %d.%d", w, i), Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
					Announced: "2025-02-01", Promised: "2025-04-30", Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 10}}})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				acked = append(acked, p.ID)
				mu.Unlock()
			}
		}()
	}
	// Let the writers fill the write-ahead log, then back up among them.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]int64(nil), acked...)
	mu.Unlock()
	copyFile := filepath.Join(dir, "copy.db")
	r := run(t, nil, "", "backup", "--db", dsn, "--out", copyFile)
	mu.Lock()
	during := len(acked)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if r.code != 0 || !strings.Contains(r.out, "audit head event") || !strings.Contains(r.out, "bytes") {
		t.Fatalf("backup: %+v", r)
	}
	if during <= len(before) {
		t.Logf("no write was acknowledged while the backup ran (%d before)", len(before))
	}
	if _, err := os.Stat(dsn + "-wal"); err != nil {
		t.Fatalf("the live database has no write-ahead log, so the test shows nothing: %v", err)
	}

	copyDB, err := sql.Open("sqlite", copyFile)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	have := map[int64]bool{}
	rows, err := copyDB.Query(`SELECT id FROM pledges`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		have[id] = true
	}
	rows.Close()
	for _, id := range before {
		if !have[id] {
			t.Fatalf("pledge %d was acknowledged before the backup started but is not in the copy (%d of %d there)", id, len(have), len(before))
		}
	}
	t.Logf("%d pledges acknowledged before the backup, %d in the copy, %d acknowledged by its end", len(before), len(have), during)

	// Refuses to overwrite, unless --force.
	if r := run(t, nil, "", "backup", "--db", dsn, "--out", copyFile); r.code == 0 || !strings.Contains(r.err, "--force") {
		t.Errorf("a second backup onto the same file: %+v", r)
	}
	restored := filepath.Join(dir, "restored.db")
	if r := run(t, nil, "", "restore", "--from", copyFile, "--db", restored); r.code != 0 {
		t.Fatalf("restore: %+v", r)
	}
	if r := run(t, nil, "", "check", "--db", restored); r.code != 0 {
		t.Fatalf("check of the restored copy: %+v", r)
	}
	if r := run(t, nil, "", "audit", "verify", "--db", restored); r.code != 0 || !strings.Contains(r.out, "Audit chain intact") {
		t.Fatalf("audit verify of the restored copy: %+v", r)
	}
}

// TestRestoreRefuses checks what restore refuses before it touches the
// target: a file that is not SQLite, a SQLite file that is not Longhaul's,
// a schema version this build does not know, and a target that holds a
// database, unless --force.
func TestRestoreRefuses(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	storetest.Seed(t, storetest.Open(t, live, time.Now()))
	good := filepath.Join(dir, "good.db")
	if r := run(t, nil, "", "backup", "--db", live, "--out", good); r.code != 0 {
		t.Fatalf("backup: %+v", r)
	}
	text := filepath.Join(dir, "text.db")
	os.WriteFile(text, []byte("not a database at all, but long enough"), 0o600)
	other := filepath.Join(dir, "other.db")
	o, _ := sql.Open("sqlite", other)
	o.Exec(`CREATE TABLE t (x INTEGER)`)
	o.Close()
	future := filepath.Join(dir, "future.db")
	if r := run(t, nil, "", "backup", "--db", live, "--out", future); r.code != 0 {
		t.Fatalf("backup: %+v", r)
	}
	f, _ := sql.Open("sqlite", future)
	if _, err := f.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	target := filepath.Join(dir, "target.db")
	for _, c := range []struct{ from, want string }{
		{text, "is not a SQLite database"},
		{other, "is not a Longhaul database"},
		{future, "schema version 9999, which this build of Longhaul does not know"},
		{filepath.Join(dir, "missing.db"), "no such file"},
	} {
		if r := run(t, nil, "", "restore", "--from", c.from, "--db", target); r.code == 0 || !strings.Contains(r.err, c.want) {
			t.Errorf("restore from %s: %+v, want %q", filepath.Base(c.from), r, c.want)
		}
		if _, err := os.Stat(target); err == nil {
			t.Fatalf("a refused restore from %s wrote the target", filepath.Base(c.from))
		}
	}
	if r := run(t, nil, "", "restore", "--from", good, "--db", target); r.code != 0 {
		t.Fatalf("restore: %+v", r)
	}
	if r := run(t, nil, "", "restore", "--from", good, "--db", target); r.code == 0 || !strings.Contains(r.err, "give --force") {
		t.Errorf("restore onto a database: %+v", r)
	}
	if r := run(t, nil, "", "restore", "--from", good, "--db", target, "--force"); r.code != 0 {
		t.Errorf("restore --force: %+v", r)
	}
	if r := run(t, nil, "", "audit", "verify", "--db", target); r.code != 0 {
		t.Errorf("audit verify after restore: %+v", r)
	}
}

// freshPostgres creates a database of its own on the server
// LONGHAUL_TEST_POSTGRES names, drops it when the test ends, and returns
// its URL. pg_dump copies a database, so the test cannot use a schema.
func freshPostgres(t *testing.T, name string) string {
	t.Helper()
	base := os.Getenv("LONGHAUL_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	db := fmt.Sprintf("lh_%s_%d_%d", name, os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + db); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	return u.String()
}

// needPostgresTools skips the test without PostgreSQL or its client tools,
// and fails it when CI=true.
func needPostgresTools(t *testing.T) {
	t.Helper()
	miss := ""
	if os.Getenv("LONGHAUL_TEST_POSTGRES") == "" {
		miss = "LONGHAUL_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := lookPath(tool); err != nil && miss == "" {
			miss = tool + " is not on PATH (Debian: apt-get install postgresql-client)"
		}
	}
	if miss == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(miss)
	}
	t.Skip(miss)
}

// TestPostgresBackupRestoreRoundTrip dumps a PostgreSQL database with the
// demo loaded through longhaul backup (pg_dump), restores it into a fresh
// database through longhaul restore (pg_restore), and checks that the copy
// passes check and audit verify with the same head, and that restoring onto
// it again is refused without --force.
func TestPostgresBackupRestoreRoundTrip(t *testing.T) {
	needPostgresTools(t)
	src := freshPostgres(t, "src")
	if r := run(t, nil, "", "demo", "--db", src); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	dump := filepath.Join(t.TempDir(), "longhaul.dump")
	r := run(t, nil, "", "backup", "--db", src, "--out", dump)
	if r.code != 0 || !strings.Contains(r.out, "pg_dump") {
		t.Fatalf("backup: %+v", r)
	}
	dst := freshPostgres(t, "dst")
	r = run(t, nil, "", "restore", "--from", dump, "--db", dst)
	if r.code != 0 {
		t.Fatalf("restore: %+v", r)
	}
	if r := run(t, nil, "", "check", "--db", dst); r.code != 0 || !strings.Contains(r.out, "invariants hold") {
		t.Fatalf("check of the restored database: %+v", r)
	}
	v1 := run(t, nil, "", "audit", "verify", "--db", src)
	v2 := run(t, nil, "", "audit", "verify", "--db", dst)
	if v2.code != 0 || !strings.Contains(v2.out, "Audit chain intact") {
		t.Fatalf("audit verify of the restored database: %+v", v2)
	}
	chain := func(s string) string { c, _, _ := strings.Cut(s, " (verified"); return c }
	if chain(v1.out) != chain(v2.out) {
		t.Errorf("the restored chain differs: %q against %q", v2.out, v1.out)
	}
	if r := run(t, nil, "", "restore", "--from", dump, "--db", dst); r.code == 0 || !strings.Contains(r.err, "--force") {
		t.Errorf("restore onto a database that holds one: %+v", r)
	}
	if r := run(t, nil, "", "restore", "--from", dump, "--db", dst, "--force"); r.code != 0 {
		t.Errorf("restore --force: %+v", r)
	}
	if r := run(t, nil, "", "audit", "verify", "--db", dst); r.code != 0 {
		t.Errorf("audit verify after restore --force: %+v", r)
	}
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }
