package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// fillUntilFull records pledges until one fails, and returns that error; the
// ledger's fingerprint taken just before it must not have moved.
func fillUntilFull(t *testing.T, db *store.DB) error {
	t.Helper()
	ctx := storetest.Ctx()
	for i := 0; i < 5000; i++ {
		before := mustFingerprint(t, db)
		p := newPledge("DEU")
		p.Title = fmt.Sprintf("Package %d, %s", i, strings.Repeat("long ", 30))
		if _, err := ledger(db).CreatePledge(ctx, p); err != nil {
			if after := mustFingerprint(t, db); after != before {
				t.Errorf("a write that failed changed the ledger: %v", err)
			}
			return err
		}
	}
	t.Fatal("5000 pledges fit: the storage never filled")
	return nil
}

// wantFull checks that err is the storage-full fault, saying so plainly.
func wantFull(t *testing.T, err error) {
	t.Helper()
	if fault.Code(err) != fault.Full {
		t.Fatalf("error %v (code %s), want %s", err, fault.Code(err), fault.Full)
	}
	if msg := fault.As(err).Message; !strings.Contains(msg, "storage is full") || !strings.Contains(msg, "nothing was saved") {
		t.Errorf("message %q does not say the storage is full and nothing was saved", msg)
	}
}

// TestStorageFullIsSaidAndReadinessFollows fills a SQLite database to the
// page cap that stands in for a full disk: the write that does not fit is a
// fault.Full that saves nothing, the database is not Ready while writes
// fail, and it is Ready again when a probe fits (the cap raised) or a real
// write succeeds.
func TestStorageFullIsSaidAndReadinessFollows(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	db := storetest.Open(t, dsn, time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(t, db)
	db.ProbeEvery = 0
	ctx := context.Background()
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("a new database is not ready: %v", err)
	}
	if _, err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	wantFull(t, fillUntilFull(t, db))
	err := db.Ready(ctx)
	if fault.Code(err) != fault.Full || !strings.Contains(err.Error(), "since 2025-03-01T09:00:00Z") {
		t.Fatalf("ready while writes fail: %v", err)
	}
	if !errors.Is(err, fault.As(err).Cause) || !strings.Contains(fault.As(err).Cause.Error(), "full") {
		t.Errorf("the fault does not keep SQLite's error for the log: %v", fault.As(err).Cause)
	}

	// The probe fits once there is room: ready without a real write.
	if _, err := db.LimitPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("not ready once there is room again: %v", err)
	}
	// A real write that succeeds makes it ready again too.
	if _, err := db.LimitPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	wantFull(t, fillUntilFull(t, db))
	db.ProbeEvery = time.Hour // no probe: only the write below can clear it
	if err := db.Ready(ctx); fault.Code(err) != fault.Full {
		t.Fatalf("ready while writes fail: %v", err)
	}
	if _, err := db.LimitPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	if _, err := ledger(db).CreatePledge(storetest.Ctx(), newPledge("DEU")); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("not ready after a write succeeded: %v", err)
	}
	var n int
	if err := rawDB(t, db, dsn).QueryRow(`SELECT COUNT(*) FROM storage_probe`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the probe left %d rows (%v)", n, err)
	}
}

// TestStorageFullOnATinyDisk fills a real file system: a tmpfs of a few
// MiB holding the SQLite file, or a PostgreSQL tablespace that holds every
// table of the test's schema. The write that finds no room is a fault.Full
// that saves nothing, the database is not Ready, and once the filler is
// removed a probe fits and writes work again. Mounting needs root and, for
// PostgreSQL, a server on this machine; the test is skipped without them.
func TestStorageFullOnATinyDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := tinyDisk(t, "16m", -1)
		db := storetest.Open(t, filepath.Join(dir, "longhaul.db"), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
		storetest.Seed(t, db)
		testTinyDisk(t, db, dir)
	})
	t.Run("postgres", func(t *testing.T) {
		// A full tablespace can make the server's checkpointer give up and
		// the whole server with it, and it cannot start again once the
		// tmpfs is gone: never on a server others share (CI's is).
		if os.Getenv("LONGHAUL_TEST_POSTGRES") == "" || os.Getenv("LONGHAUL_TEST_FILL_POSTGRES") != "yes" {
			t.Skip("fills a tablespace of the PostgreSQL server, which can stop the server: set LONGHAUL_TEST_FILL_POSTGRES=yes on a server of your own")
		}
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("no postgres user on this machine to own a tablespace")
		}
		uid, _ := strconv.Atoi(pg.Uid)
		dir := tinyDisk(t, "16m", uid)
		admin, err := sql.Open("pgx", os.Getenv("LONGHAUL_TEST_POSTGRES"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Close() })
		space := fmt.Sprintf("tiny_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
		if _, err := admin.Exec(fmt.Sprintf(`CREATE TABLESPACE %s LOCATION '%s'`, space, dir)); err != nil {
			t.Skipf("no tablespace on a tmpfs here (is the server on another machine?): %v", err)
		}
		t.Cleanup(func() {
			if _, err := admin.Exec(`DROP TABLESPACE ` + space); err != nil {
				t.Errorf("drop tablespace: %v", err)
			}
		})
		u, err := url.Parse(storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("default_tablespace", space)
		u.RawQuery = q.Encode()
		db := storetest.Open(t, u.String(), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
		storetest.Seed(t, db)
		var where string
		if err := admin.QueryRow(`SELECT COALESCE(tablespace, '') FROM pg_tables WHERE schemaname = $1 AND tablename = 'pledges'`, q.Get("search_path")).Scan(&where); err != nil || where != space {
			t.Fatalf("pledges are in tablespace %q, not %q (%v)", where, space, err)
		}
		testTinyDisk(t, db, dir)
	})
}

func testTinyDisk(t *testing.T, db *store.DB, dir string) {
	db.ProbeEvery = 0
	ctx := context.Background()
	filler := filepath.Join(dir, "filler")
	fill(t, filler)
	wantFull(t, fillUntilFull(t, db))
	if err := db.Ready(ctx); fault.Code(err) != fault.Full {
		t.Fatalf("ready on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("not ready once the disk has room: %v", err)
	}
	if _, err := ledger(db).CreatePledge(storetest.Ctx(), newPledge("DEU")); err != nil {
		t.Fatalf("a write once the disk has room: %v", err)
	}
}

// tinyDisk mounts a tmpfs of size in a new directory that any user may
// reach, owned by uid unless it is negative, and unmounts it when the test
// ends. It skips the test when the mount is refused.
func tinyDisk(t *testing.T, size string, uid int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "longhaul-tiny-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := "size=" + size
	if uid >= 0 {
		opts += fmt.Sprintf(",mode=0700,uid=%d", uid)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file at path until the file system has no room left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}
