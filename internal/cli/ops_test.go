package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestBackupKeepsWhatItWouldReplace: a backup that fails leaves the file
// it was to replace as it was, and a backup onto the database itself is
// refused, the database untouched.
func TestBackupKeepsWhatItWouldReplace(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	storetest.Seed(t, storetest.Open(t, live, time.Now()))
	keep := filepath.Join(dir, "keep.db")
	if r := run(t, nil, "", "backup", "--db", live, "--out", keep); r.code != 0 {
		t.Fatalf("backup: %+v", r)
	}
	before, _ := os.ReadFile(keep)
	notDB := filepath.Join(dir, "notdb.db")
	os.WriteFile(notDB, []byte("these are not the pages of a database at all"), 0o600)
	for _, c := range []struct{ db, want string }{
		{filepath.Join(dir, "nothere.db"), "no such file"},
		{notDB, "is not a SQLite database"},
	} {
		if r := run(t, nil, "", "backup", "--db", c.db, "--out", keep, "--force"); r.code == 0 || !strings.Contains(r.err, c.want) {
			t.Errorf("backup of %s: %+v, want %q", filepath.Base(c.db), r, c.want)
		}
		if after, err := os.ReadFile(keep); err != nil || !bytes.Equal(after, before) {
			t.Fatalf("a failed backup of %s changed the file it was to replace (%v)", filepath.Base(c.db), err)
		}
	}
	if r := run(t, nil, "", "backup", "--db", live, "--out", live, "--force"); r.code == 0 || !strings.Contains(r.err, "is the database itself") {
		t.Errorf("backup onto the database: %+v", r)
	}
	if r := run(t, nil, "", "check", "--db", live); r.code != 0 {
		t.Errorf("the database after a backup onto itself was refused: %+v", r)
	}
	// A copy left by a backup that stopped half-way does not stand in
	// the way, and is gone once the next one is whole.
	os.WriteFile(keep+".partial", []byte("half"), 0o600)
	if r := run(t, nil, "", "backup", "--db", live, "--out", keep, "--force"); r.code != 0 {
		t.Fatalf("backup --force: %+v", r)
	}
	if _, err := os.Stat(keep + ".partial"); err == nil {
		t.Error("the half-way copy is still there")
	}
}

// TestRestoreTakesTheWriteAheadLog restores from a database whose latest
// transactions are still in its write-ahead log (a file-level snapshot of
// a live data directory): the restored copy holds them, and restore prints
// the head the copy holds.
func TestRestoreTakesTheWriteAheadLog(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	db := storetest.Open(t, src, time.Now())
	storetest.Seed(t, db)
	users := &access.Service{Store: store.Access{DB: db}, Read: db}
	ctx := access.WithIdentity(context.Background(), access.System.Named("test"))
	for _, name := range []string{"wal-one", "wal-two", "wal-three"} {
		if _, err := users.CreateUser(ctx, access.NewUser{Name: name, Nation: "DEU", Roles: []access.Role{access.Analyst}, Clearance: access.Restricted, Password: "correct horse battery staple 7"}); err != nil {
			t.Fatal(err)
		}
	}
	seq, hash, err := db.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(src + "-wal"); err != nil || st.Size() == 0 {
		t.Fatalf("the source's latest writes are not in its write-ahead log (%v): the test proves nothing", err)
	}
	dst := filepath.Join(dir, "dst.db")
	r := run(t, nil, "", "restore", "--from", src, "--db", dst)
	if r.code != 0 || !strings.Contains(r.out, "audit head event "+itoa(seq)+" "+hash) {
		t.Fatalf("restore: %+v, want head %d %s", r, seq, hash)
	}
	if r := run(t, nil, "", "user", "list", "--db", dst); r.code != 0 || !strings.Contains(r.out, "wal-three") {
		t.Errorf("the restored copy lacks the users in the log: %+v", r)
	}
	if r := run(t, nil, "", "audit", "verify", "--db", dst); r.code != 0 || !strings.Contains(r.out, hash) {
		t.Errorf("audit verify of the copy: %+v", r)
	}
}

// TestRestoreRefusesADatabaseBeingServed: restore refuses, even with
// --force, to replace a database a running server has open, and replaces
// it once the server has stopped.
func TestRestoreRefusesADatabaseBeingServed(t *testing.T) {
	dir := t.TempDir()
	live, good := filepath.Join(dir, "live.db"), filepath.Join(dir, "good.db")
	storetest.Seed(t, storetest.Open(t, good, time.Now()))
	stop, _, errs := startServe(t, "--db", live)
	r := run(t, nil, "", "restore", "--from", good, "--db", live, "--force")
	if r.code == 0 || !strings.Contains(r.err, "a server has "+live+" open: stop it first") {
		t.Errorf("restore under a server: %+v", r)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, errs)
	}
	if r := run(t, nil, "", "restore", "--from", good, "--db", live, "--force"); r.code != 0 {
		t.Errorf("restore once the server stopped: %+v", r)
	}
}

// TestCommandsRefuseAMissingDatabase: a command that reads or verifies a
// database refuses a path with nothing there, and creates nothing; those
// that set one up still do.
func TestCommandsRefuseAMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"check"},
		{"audit", "verify"},
		{"audit", "anchor", "--out", filepath.Join(dir, "a.jsonl"), "--anchor-key", filepath.Join(dir, "a.key")},
		{"report", "spending", "--year", "2024"},
	} {
		db := filepath.Join(dir, "typo.db")
		r := run(t, nil, "", append(args, "--db", db)...)
		if r.code == 0 || !strings.Contains(r.err, "database "+db+" does not exist") {
			t.Errorf("%s on a missing database: %+v", strings.Join(args, " "), r)
		}
		if _, err := os.Stat(db); err == nil {
			t.Fatalf("%s made the database", strings.Join(args, " "))
		}
	}
	if r := run(t, nil, "", "migrate", "--db", filepath.Join(dir, "new.db")); r.code != 0 {
		t.Errorf("migrate of a new database: %+v", r)
	}
}

// TestAnchorsOnlyExtendTheirChain: a checkpoint is appended only after
// the file's last one, of the chain it anchors; an anchor file of no
// checkpoint verifies nothing and fails; serve refuses to start with an
// anchor file it cannot write.
func TestAnchorsOnlyExtendTheirChain(t *testing.T) {
	dir := t.TempDir()
	key, anchors := filepath.Join(dir, "k.key"), filepath.Join(dir, "anchors.jsonl")
	one, other := filepath.Join(dir, "one.db"), filepath.Join(dir, "other.db")
	storetest.Seed(t, storetest.Open(t, one, time.Now()))
	storetest.Seed(t, storetest.Open(t, other, time.Now().Add(time.Hour)))
	if r := run(t, nil, "", "audit", "anchor", "--db", one, "--out", anchors, "--anchor-key", key); r.code != 0 {
		t.Fatalf("anchor: %+v", r)
	}
	before, _ := os.ReadFile(anchors)
	r := run(t, nil, "", "audit", "anchor", "--db", other, "--out", anchors, "--anchor-key", key)
	if r.code == 0 || !strings.Contains(r.err, "nothing was appended: this database is not the one") {
		t.Errorf("anchoring another chain into the file: %+v", r)
	}
	if after, _ := os.ReadFile(anchors); !bytes.Equal(after, before) {
		t.Error("the refused checkpoint reached the file")
	}
	if r := run(t, nil, "", "audit", "verify", "--db", one, "--anchor", anchors, "--anchor-key", key); r.code != 0 {
		t.Errorf("verify after the refusal: %+v", r)
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	if r := run(t, nil, "", "audit", "verify", "--db", one, "--anchor", empty, "--anchor-key", key); r.code != 3 || !strings.Contains(r.err, "holds no checkpoint") {
		t.Errorf("verify against an empty anchor file: %+v", r)
	}
	// Refused before anything is written: a new database's one-time
	// administrator password is not spent on a start that fails.
	out, errs := &syncBuffer{}, &syncBuffer{}
	code := cli.Run(context.Background(), []string{"serve", "--db", filepath.Join(dir, "new.db"), "--addr", "127.0.0.1:0", "--anchor", filepath.Join(dir, "no-dir", "a.jsonl"), "--anchor-key", key},
		func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
	if code == 0 || !strings.Contains(errs.String(), "--anchor "+filepath.Join(dir, "no-dir", "a.jsonl")) {
		t.Errorf("serve with an anchor file it cannot write: exit %d, %s", code, errs)
	}
	if strings.Contains(out.String(), "one-time password") {
		t.Errorf("the refused start created the first administrator: %s", out)
	}
}
