package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/longhaul/longhaul/internal/fault"
)

// BackupInfo describes a copy of a database: its size in bytes, its schema
// version and the head of its audit chain, as the copy holds them.
type BackupInfo struct {
	Size     int64
	Schema   int
	HeadSeq  int64
	HeadHash string
}

// BackupSQLite writes a consistent copy of the SQLite database at path to
// file while a server may go on writing. It copies with VACUUM INTO in one
// read transaction of its own: the copy holds every transaction committed
// before it started, those still in the write-ahead log included, and none
// that commits while it runs; writers are not held up. The copy is written
// beside file, synced and read back, and only then renamed over it: a file
// that exists (replaced only with replace set) stays whole until the new
// copy is, and a backup that stops half-way leaves no half-written file
// under its name. It neither migrates nor writes the database. A
// PostgreSQL database is copied with pg_dump instead.
func BackupSQLite(ctx context.Context, path, file string, replace bool) (BackupInfo, error) {
	if IsPostgres(path) {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "a PostgreSQL database is backed up with pg_dump")
	}
	path = strings.TrimPrefix(path, "sqlite:")
	if _, err := InspectSQLite(ctx, path); err != nil {
		return BackupInfo{}, err
	}
	if sameFile(path, file) {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s is the database itself: write the backup to another file", file)
	}
	if _, err := os.Lstat(file); err == nil && !replace {
		return BackupInfo{}, fault.Errorf(fault.Conflict, "%s already exists", file)
	}
	tmp := file + ".partial"
	info, err := copySQLite(ctx, path, tmp, false)
	if err != nil {
		return info, err
	}
	return info, renameOver(tmp, file)
}

// copySQLite copies the database at path into tmp with VACUUM INTO,
// syncs the copy and checks it with InspectSQLite; what it returns is what
// the copy holds. A copy that fails is removed. readOnly opens path
// read-only (a backup being restored); a live database is opened as its
// server does, since SQLite refuses VACUUM INTO on a query-only
// connection.
func copySQLite(ctx context.Context, path, tmp string, readOnly bool) (BackupInfo, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return BackupInfo{}, err
	}
	// A copy left by one that stopped half-way is ours to replace.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return BackupInfo{}, err
	}
	mode := "?_pragma=busy_timeout(10000)"
	if readOnly {
		mode = "?mode=ro&_pragma=busy_timeout(10000)"
	}
	conn, err := sql.Open("sqlite", "file:"+sqliteURIPath(abs)+mode)
	if err != nil {
		return BackupInfo{}, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("copy %s into %s: %w", path, tmp, err)
	}
	// A copy holds every record: only its owner reads it.
	if err := os.Chmod(tmp, 0o600); err != nil {
		os.Remove(tmp)
		return BackupInfo{}, err
	}
	if err := syncFile(tmp); err != nil {
		os.Remove(tmp)
		return BackupInfo{}, err
	}
	info, err := InspectSQLite(ctx, tmp)
	if err != nil {
		os.Remove(tmp)
		return BackupInfo{}, fmt.Errorf("read the copy back: %w", err)
	}
	return info, nil
}

// renameOver puts the whole copy tmp in the place of file, at once, and
// syncs the directory so that the rename survives a crash.
func renameOver(tmp, file string) error {
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(file)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// sameFile reports whether a and b name one file (b may not exist).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// KnownSchema reports the highest migration of the given dialect this
// build knows, and whether version is one of its migrations.
func KnownSchema(dialect string, version int) (latest int, known bool, err error) {
	db := &DB{dialect: dialect}
	ms, err := db.migrations()
	if err != nil {
		return 0, false, err
	}
	for _, m := range ms {
		latest = m.version
		if m.version == version {
			known = true
		}
	}
	return latest, known, nil
}

// InspectSQLite opens file read-only, without migrating it, and checks
// that it is a whole Longhaul database of a schema version this build
// knows: SQLite's quick check passes, its migrations are ours, and it has
// an audit chain head. It returns what the file holds; a file that is
// none of these is refused as invalid, naming what is wrong.
func InspectSQLite(ctx context.Context, file string) (BackupInfo, error) {
	st, err := os.Stat(file)
	if err != nil {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s: %v", file, err)
	}
	if !st.Mode().IsRegular() {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s is not a file", file)
	}
	// Not a SQLite file at all: say so before SQLite does less clearly.
	f, err := os.Open(file)
	if err != nil {
		return BackupInfo{}, err
	}
	magic := make([]byte, 16)
	_, err = io.ReadFull(f, magic)
	f.Close()
	if err != nil || string(magic) != "SQLite format 3\x00" {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s is not a SQLite database", file)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return BackupInfo{}, err
	}
	conn, err := sql.Open("sqlite", "file:"+sqliteURIPath(abs)+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return BackupInfo{}, err
	}
	defer conn.Close()
	var ok string
	if err := conn.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&ok); err != nil || ok != "ok" {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s fails SQLite's integrity check: %s", file, firstOf(ok, err))
	}
	info := BackupInfo{Size: st.Size()}
	var v sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || !v.Valid {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s is not a Longhaul database (it has no schema version)", file)
	}
	info.Schema = int(v.Int64)
	latest, known, err := KnownSchema(SQLite, info.Schema)
	if err != nil {
		return BackupInfo{}, err
	}
	if !known {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s is at schema version %d, which this build of Longhaul does not know (it knows up to %d)", file, info.Schema, latest)
	}
	// Every migration it records must be one of ours, under its name.
	rows, err := conn.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return BackupInfo{}, err
	}
	ours := map[int]string{}
	ms, err := (&DB{dialect: SQLite}).migrations()
	if err != nil {
		rows.Close()
		return BackupInfo{}, err
	}
	for _, m := range ms {
		ours[m.version] = m.name
	}
	for rows.Next() {
		var n int
		var name string
		if err := rows.Scan(&n, &name); err != nil {
			rows.Close()
			return BackupInfo{}, err
		}
		if ours[n] != name {
			rows.Close()
			return BackupInfo{}, fault.Errorf(fault.Invalid, "%s records migration %d as %q, which is not Longhaul's", file, n, name)
		}
	}
	rows.Close()
	if err := conn.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&info.HeadSeq, &info.HeadHash); err != nil {
		return BackupInfo{}, fault.Errorf(fault.Invalid, "%s has no audit chain head: %v", file, err)
	}
	return info, nil
}

func firstOf(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// RestoreSQLite replaces the SQLite database at target with the copy in
// from, after InspectSQLite accepts it. A target that exists and is not
// empty is refused unless force is set, and one a server has open (see
// Hold) is refused always. The copy is made with VACUUM INTO, so that what
// from's own write-ahead log holds comes too, written beside the target,
// synced, checked, and renamed over it: the target is at every moment
// either the old database or the whole new one. The target's write-ahead
// log and shared-memory files are removed first, since they belong to the
// old database. What it returns is what the restored copy holds.
func RestoreSQLite(ctx context.Context, from, target string, force bool) (BackupInfo, error) {
	info, err := InspectSQLite(ctx, from)
	if err != nil {
		return info, err
	}
	if st, err := os.Stat(target); err == nil && st.Size() > 0 && !force {
		return info, fault.Errorf(fault.Conflict, "%s already holds a database: give --force to replace it", target)
	} else if err == nil && !st.Mode().IsRegular() {
		return info, fault.Errorf(fault.Invalid, "%s is not a file", target)
	}
	if sameFile(from, target) {
		return info, fault.Errorf(fault.Invalid, "--from and --db name the same file")
	}
	if f, err := os.Open(target); err == nil {
		defer f.Close()
		free, err := flock(f, true)
		if err != nil {
			return info, fmt.Errorf("%s: %w", target, err)
		}
		if !free {
			return info, fault.Errorf(fault.Conflict, "a server has %s open: stop it first, then restore", target)
		}
	}
	tmp := target + ".restoring"
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(tmp + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return info, err
		}
	}
	// The copy is renamed only after the old database's files are gone:
	// copy to tmp, then clear, then rename.
	if info, err = copySQLite(ctx, from, tmp, true); err != nil {
		return info, err
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(target + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			os.Remove(tmp)
			return info, err
		}
	}
	return info, renameOver(tmp, target)
}

// PgConn splits a PostgreSQL URL into one pg_dump and pg_restore accept
// and the schema its search_path names (pgx takes search_path as a
// parameter of the URL; libpq's tools refuse it), or "" for none.
func PgConn(dsn string) (conn, schema string) {
	base, query, ok := strings.Cut(dsn, "?")
	if !ok {
		return dsn, ""
	}
	var keep []string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "search_path" {
			schema = v
			continue
		}
		keep = append(keep, kv)
	}
	if len(keep) == 0 {
		return base, schema
	}
	return base + "?" + strings.Join(keep, "&"), schema
}

// AuditHead returns the sequence number and hash of the last event of the
// chain, as its head records it.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := db.rq.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, err
}

// IsEmptyPostgres reports whether the PostgreSQL database dsn names holds
// no Longhaul tables yet.
func IsEmptyPostgres(ctx context.Context, dsn string) (bool, error) {
	c, err := sql.Open("pgx", dsn)
	if err != nil {
		return false, err
	}
	defer c.Close()
	var n int
	err = c.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations' AND table_schema = ANY (current_schemas(false))`).Scan(&n)
	return n == 0, err
}
