package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps the statements of write transactions prepared on
// SQLite's one write connection, so that each is parsed once rather than at
// every call (parsing was a sixth of the API's time on pledge writes).
// PostgreSQL needs none: pgx caches prepared statements per connection.
//
// A statement is never prepared while a transaction holds the connection:
// a transaction that meets a new query runs it unprepared and asks for it,
// and Transact prepares what was asked for once the transaction is over.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]bool
}

// maxStmts bounds the cache; the write path has a few dozen statements.
const maxStmts = 256

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stmts[q]
	if s == nil && len(c.stmts)+len(c.wanted) < maxStmts {
		if c.wanted == nil {
			c.wanted = map[string]bool{}
		}
		c.wanted[q] = true
	}
	return s
}

// prepare prepares the statements transactions asked for, outside any
// transaction of this goroutine.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
	}
	c.wanted = nil
	c.mu.Unlock()
	for _, q := range qs {
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue // the query runs unprepared, as before
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		if c.stmts[q] == nil {
			c.stmts[q] = s
			s = nil
		}
		c.mu.Unlock()
		if s != nil {
			s.Close()
		}
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
}

func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.wanted) > 0
}

// stmt returns the transaction's use of the cached statement for q, or nil.
func (tx *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if tx.db.dialect != SQLite {
		return nil
	}
	s := tx.db.stmts.get(q)
	if s == nil {
		return nil
	}
	return tx.tx.StmtContext(ctx, s)
}

// QueryRowContext runs a single-row query in the transaction, prepared once
// on SQLite. With QueryContext it makes Tx a querier, so that the lookups
// shared by reads and transactions use the cache too.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.queryRow(ctx, q, args...)
}

// QueryContext runs a query in the transaction, prepared once on SQLite.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.query(ctx, q, args...)
}

// readPool runs the read queries, on SQLite through statements prepared
// once on the read pool (database/sql prepares them again on each of the
// pool's connections as needed).
type readPool struct {
	db    *sql.DB
	cache bool
	tr    *tracing
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (p *readPool) stmt(ctx context.Context, q string) *sql.Stmt {
	if !p.cache {
		return nil
	}
	p.mu.Lock()
	s, full := p.stmts[q], len(p.stmts) >= maxStmts
	p.mu.Unlock()
	if s != nil || full {
		return s
	}
	// Prepared without the lock held: preparing may wait for a connection.
	s, err := p.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the query runs unprepared and reports its own error
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.stmts[q]; old != nil {
		s.Close()
		return old
	}
	if p.stmts == nil {
		p.stmts = map[string]*sql.Stmt{}
	}
	p.stmts[q] = s
	return s
}

func (p *readPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	ctx, span := p.tr.startRead(ctx, q)
	row := p.queryRow(ctx, q, args...)
	if span != nil {
		endSpan(span, row.Err())
	}
	return row
}

func (p *readPool) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, q, args...)
}

func (p *readPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx, span := p.tr.startRead(ctx, q)
	rows, err := p.query(ctx, q, args...)
	if span != nil {
		endSpan(span, err)
	}
	return rows, err
}

func (p *readPool) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, q, args...)
}

func (p *readPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.stmts {
		s.Close()
	}
	p.stmts = nil
}
