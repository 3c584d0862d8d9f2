package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/longhaul/longhaul/internal/fault"
)

// Messages of the storage faults: what the person whose write failed reads.
const (
	fullMessage        = "the server's storage is full: nothing was saved; try again later or tell the operator"
	unavailableMessage = "the server's storage cannot take writes just now: nothing was saved; try again in a minute"
)

// sqliteFull is SQLITE_FULL, the primary result code of "database or disk
// is full": the disk holding the file or its journal has no room, or the
// file reached its max_page_count.
const sqliteFull = 13

// storageFault returns a Full or Unavailable *fault.Error wrapping err when
// err, anywhere in its chain, is the database saying it has no room or no
// capacity for a write, and nil otherwise.
//
// SQLite says SQLITE_FULL. PostgreSQL says SQLSTATE 53100 disk_full (no room
// for a table, an index or a temporary file), 53200 out_of_memory or 53300
// too_many_connections; the class 53 "insufficient resources" codes other
// than disk_full are unavailability that passes. The text is matched too,
// for the few paths that copy a driver's message into an error of their own.
func storageFault(err error) *fault.Error {
	if err == nil {
		return nil
	}
	if e := fault.As(err); e != nil && (e.Code == fault.Full || e.Code == fault.Unavailable) {
		return e
	}
	full := &fault.Error{Code: fault.Full, Message: fullMessage, Cause: err}
	unavailable := &fault.Error{Code: fault.Unavailable, Message: unavailableMessage, Cause: err}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqliteFull {
		return full
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100":
			return full
		case strings.HasPrefix(pe.Code, "53"):
			return unavailable
		}
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database or disk is full") || strings.Contains(msg, "SQLSTATE 53100"):
		return full
	case strings.Contains(msg, "SQLSTATE 53"):
		return unavailable
	}
	return nil
}

// health is what the database knows of its writes: whether the last one
// failed for want of room, since when, and when it last probed.
type health struct {
	down   atomic.Bool // a write failed for want of room and none succeeded since
	mu     sync.Mutex
	failed *fault.Error
	since  time.Time // the clock's time of the first failure
	probed time.Time // wall-clock time of the last probe
}

// wrote records the outcome of a write transaction and returns its error,
// turned into a storage fault where it is one.
func (db *DB) wrote(ctx context.Context, err error) error {
	if err == nil {
		if db.health.down.Load() {
			db.recovered(ctx)
		}
		return nil
	}
	f := storageFault(err)
	if f == nil {
		return err
	}
	db.health.mu.Lock()
	if !db.health.down.Load() {
		db.health.since = db.Now().UTC()
		slog.ErrorContext(ctx, "storage: writes fail for want of room", "code", f.Code, "err", err)
	}
	db.health.failed, db.health.probed = f, time.Time{}
	db.health.down.Store(true)
	db.health.mu.Unlock()
	return f
}

func (db *DB) recovered(ctx context.Context) {
	db.health.mu.Lock()
	if db.health.down.Load() {
		slog.InfoContext(ctx, "storage: writes succeed again", "failing_since", db.health.since)
	}
	db.health.failed = nil
	db.health.down.Store(false)
	db.health.mu.Unlock()
}

// probeBytes is the size of the probe's row: a few pages, more than most
// use cases write, so that a probe that fits says a usual write fits too.
const probeBytes = 64 << 10

// Ready reports whether the database answers and takes writes. While the
// last write failed for want of room (and none has succeeded since), it
// probes at most once every ProbeEvery: a transaction that inserts 64 KiB
// of random bytes into storage_probe, deletes them and commits, so that it
// needs new pages of the file (or the tablespace) and room in the log just
// as a real write does, and leaves nothing behind. Until a probe or a real
// write succeeds it returns the fault, saying since when writes fail.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	if !db.health.down.Load() {
		return nil
	}
	db.health.mu.Lock()
	defer db.health.mu.Unlock()
	if !db.health.down.Load() {
		return nil
	}
	if time.Since(db.health.probed) >= db.ProbeEvery {
		db.health.probed = time.Now()
		if err := db.probeWrite(ctx); err == nil {
			slog.InfoContext(ctx, "storage: a probe write succeeds again", "failing_since", db.health.since)
			db.health.failed = nil
			db.health.down.Store(false)
			return nil
		}
	}
	f := db.health.failed
	what := "the storage is full"
	if f.Code == fault.Unavailable {
		what = "the storage cannot take writes"
	}
	return &fault.Error{Code: f.Code, Cause: f.Cause,
		Message: fmt.Sprintf("%s: writes have failed since %s", what, db.health.since.Format(time.RFC3339))}
}

// probeWrite writes and removes a row of probeBytes in one transaction.
func (db *DB) probeWrite(ctx context.Context) error {
	filler := make([]byte, probeBytes)
	rand.Read(filler) // random, so that PostgreSQL cannot compress it away
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO storage_probe (filler) VALUES (?)`), filler); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM storage_probe`); err != nil {
		return err
	}
	return tx.Commit()
}

// LimitPages caps the SQLite database at pages pages (PRAGMA max_page_count
// on the one connection that writes), never fewer than it holds, and returns
// the cap SQLite set; pages of 0 caps it at the pages it holds now. A write
// that needs more fails as it would on a full disk, which is what tests and
// a rehearsal of the operations guide use it for. It is not kept: the
// connection forgets it when the database is opened again. PostgreSQL has
// no such cap.
func (db *DB) LimitPages(ctx context.Context, pages int64) (int64, error) {
	if db.dialect != SQLite {
		return 0, errors.New("limit pages: only SQLite has a page cap")
	}
	if pages == 0 {
		if err := db.write.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			return 0, fmt.Errorf("limit pages: %w", err)
		}
	}
	var got int64
	if err := db.write.QueryRowContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)).Scan(&got); err != nil {
		return 0, fmt.Errorf("limit pages: %w", err)
	}
	return got, nil
}
