// Package store owns persistence: SQL for SQLite (embedded, the default) and
// PostgreSQL, the embedded migrations, and the implementations of the
// storage interfaces the domain packages declare. SQL never leaves it.
// It speaks the domain's types and calls no use case: it never imports the
// planner (internal/plan) or the import (internal/exchange), whose ports
// it serves through plan.Over and exchange.Over.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/longhaul/longhaul/internal/fault"
)

//go:embed migrations
var migrationsFS embed.FS

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is an open Longhaul database.
type DB struct {
	dialect string
	write   *sql.DB // one connection: SQLite has one writer at a time
	read    *sql.DB // a pool for reads
	// Now is the clock; a transaction reads it once, at its start.
	Now func() time.Time
	dsn string
	// bits maps a nation to its audience bit (see migration 0003).
	bits map[string]int64
	// stmts holds the write path's prepared statements (SQLite), rq runs
	// the reads.
	stmts stmtCache
	rq    *readPool
	// ProbeEvery is how often Ready may probe with a write while writes
	// fail for want of room; between probes it repeats what the last found.
	ProbeEvery time.Duration
	health     health
	// tr records the spans of transactions and reads (see Trace).
	tr tracing
	// held is the SQLite file a server holds (see Hold), closed last.
	held *os.File
}

// Dialect is SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// Open opens the database named by dsn, a file path or a postgres:// URL,
// and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := open(dsn)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func open(dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("no database: give --db a file path or a postgres:// URL")
	}
	db := &DB{Now: time.Now, dsn: dsn, ProbeEvery: 2 * time.Second}
	if IsPostgres(dsn) {
		db.dialect = Postgres
		w, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redact(dsn), err)
		}
		w.SetMaxOpenConns(8)
		w.SetMaxIdleConns(8)
		db.write, db.read = w, w
		db.rq = &readPool{db: w, tr: &db.tr}
		return db, nil
	}
	db.dialect = SQLite
	file := sqliteURIPath(strings.TrimPrefix(dsn, "sqlite:"))
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", "file:"+file+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Readers map up to 1 GiB of the file rather than copying pages through
	// read calls (long scans such as audit verify gain about an eighth).
	r, err := sql.Open("sqlite", "file:"+file+"?"+pragmas+"&_pragma=query_only(1)&_pragma=mmap_size(1073741824)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db.write, db.read = w, r
	db.rq = &readPool{db: r, cache: true, tr: &db.tr}
	return db, nil
}

// sqliteURIPath escapes a file path for a SQLite "file:" URI, in which
// '?' would start the parameters and '#' a fragment.
func sqliteURIPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.close()
	db.rq.close()
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	// Only now: closing a descriptor of the file drops every fcntl lock
	// this process holds on it, SQLite's among them.
	if db.held != nil {
		db.held.Close()
	}
	return err
}

// Hold marks a SQLite database as served by this process until it is
// closed, so that a restore refuses to replace it under the server. It
// does nothing on PostgreSQL.
func (db *DB) Hold() error {
	if db.dialect != SQLite || db.held != nil || strings.Contains(db.dsn, ":memory:") {
		return nil
	}
	f, err := os.Open(strings.TrimPrefix(db.dsn, "sqlite:"))
	if err != nil {
		return fmt.Errorf("hold %s: %w", db.dsn, err)
	}
	if _, err := flock(f, false); err != nil {
		f.Close()
		return fmt.Errorf("hold %s: %w", db.dsn, err)
	}
	db.held = f
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.rq.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// rebind turns the ? placeholders of a query into $1, $2… for PostgreSQL.
func (db *DB) rebind(q string) string { return rebind(db.dialect, q) }

func rebind(dialect, q string) string {
	if dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := path.Join("migrations", db.dialect)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationsFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies, in order and each in its own transaction, the embedded
// migrations the database has not recorded yet, then loads the reference
// data if the database has none.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if err := db.loadReference(ctx); err != nil {
		return err
	}
	if err := db.loadAudience(ctx); err != nil {
		return err
	}
	if err := db.ensureKeys(ctx); err != nil {
		return err
	}
	return db.seedAccounts(ctx)
}

// foreignKeysOff marks a SQLite migration that rebuilds a table others
// refer to: it runs with foreign keys off, as SQLite's own procedure for
// such changes says, and the keys are checked before they are on again.
const foreignKeysOff = "-- longhaul:foreign-keys-off"

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	if db.dialect == SQLite && strings.HasPrefix(m.sql, foreignKeysOff) {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
		return db.applyMigrationOn(ctx, m, conn, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
			if err != nil {
				return err
			}
			defer rows.Close()
			if rows.Next() {
				return fmt.Errorf("the rebuild broke a foreign key")
			}
			return rows.Err()
		})
	}
	return db.applyMigrationOn(ctx, m, db.write, nil)
}

// applyMigrationOn applies m in a transaction on q, running check, if
// any, before the commit.
func (db *DB) applyMigrationOn(ctx context.Context, m migration, q interface {
	BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
}, check func(*sql.Tx) error) error {
	tx, err := q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == Postgres {
		// Two servers starting at once must not both migrate.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7355608)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	if check != nil {
		if err := check(tx); err != nil {
			return err
		}
	}
	slog.InfoContext(ctx, "migration applied", "name", m.name, "dialect", db.dialect)
	return tx.Commit()
}

// SchemaVersion returns the highest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.rq.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// notFound is the error for a missing record.
func notFound(format string, args ...any) error {
	return fault.Errorf(fault.NotFound, format, args...)
}

// mapConstraint turns a constraint violation into a conflict or invalid
// error that a person can read; other errors pass through.
func mapConstraint(err error, what string) error {
	if err == nil {
		return nil
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key"):
		return fault.Errorf(fault.Conflict, "%s already exists", what)
	case strings.Contains(msg, "foreign key"):
		return fault.Errorf(fault.Invalid, "%s refers to a record that does not exist", what)
	case strings.Contains(msg, "check constraint") || strings.Contains(msg, "constraint failed: check"):
		return fault.Errorf(fault.Invalid, "%s breaks a rule of the ledger (%v)", what, err)
	}
	return err
}
