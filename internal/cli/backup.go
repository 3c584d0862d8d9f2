package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
)

func runBackup(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("backup", "backup --out FILE [--db FILE|URL] [--force]", stdio)
	dsn := dbFlag(fs)
	out := fs.String("out", "", "the file to write the copy to (required)")
	force := fs.Bool("force", false, "replace --out if it exists")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(stdio.Err, "longhaul backup: give --out FILE")
		fs.Usage()
		return ErrUsage
	}
	// Nothing is removed here: a file replaced with --force stays whole
	// until the new copy is.
	if _, err := os.Lstat(*out); err == nil && !*force {
		return fault.Errorf(fault.Conflict, "%s already exists: give --force to replace it", *out)
	}
	start := time.Now().UTC()
	if store.IsPostgres(*dsn) {
		return backupPostgres(ctx, *dsn, *out, start, stdio)
	}
	if _, err := os.Stat(*dsn); err != nil {
		return fmt.Errorf("database %s: %w", *dsn, err)
	}
	info, err := store.BackupSQLite(ctx, *dsn, *out, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Backed up %s to %s at %s: %d bytes, schema version %d, audit head event %d %s.\n",
		*dsn, *out, start.Format(time.RFC3339), info.Size, info.Schema, info.HeadSeq, info.HeadHash)
	return nil
}

// backupPostgres runs pg_dump in its custom format, which pg_restore reads;
// the head printed is the database's when the dump started, which the dump
// holds (it may hold later events too).
func backupPostgres(ctx context.Context, dsn, out string, start time.Time, stdio IO) error {
	pgDump, err := exec.LookPath("pg_dump")
	if err != nil {
		return fmt.Errorf("a PostgreSQL database is backed up with pg_dump, which is not on PATH: install PostgreSQL's client tools and run pg_dump -Fc --file %s 'postgres://…'", out)
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	seq, hash, err := db.AuditHead(ctx)
	db.Close()
	if err != nil {
		return err
	}
	conn, schema := store.PgConn(dsn)
	tmp := out + ".partial"
	args := []string{"--format=custom", "--no-owner", "--file=" + tmp}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, pgDump, append(args, "--dbname="+conn)...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	st, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Fprintf(stdio.Out, "Backed up the PostgreSQL database to %s with pg_dump at %s: %d bytes, audit head event %d %s (or later).\n",
		out, start.Format(time.RFC3339), st.Size(), seq, hash)
	return nil
}

func runRestore(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("restore", "restore --from FILE [--db FILE|URL] [--force]", stdio)
	dsn := dbFlag(fs)
	from := fs.String("from", "", "the backup to restore (required)")
	force := fs.Bool("force", false, "replace a database that is not empty")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(stdio.Err, "longhaul restore: give --from FILE")
		fs.Usage()
		return ErrUsage
	}
	if store.IsPostgres(*dsn) {
		return restorePostgres(ctx, *from, *dsn, *force, stdio)
	}
	info, err := store.RestoreSQLite(ctx, *from, *dsn, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Restored %s into %s: schema version %d, audit head event %d %s.\nRun 'longhaul check' and 'longhaul audit verify' (with --anchor) on it before serving it.\n",
		*from, *dsn, info.Schema, info.HeadSeq, info.HeadHash)
	return nil
}

// restorePostgres checks that from is a pg_dump archive of a Longhaul
// database of a known schema version and restores it with pg_restore into
// the database dsn names, which must be empty unless force is set.
func restorePostgres(ctx context.Context, from, dsn string, force bool, stdio IO) error {
	pgRestore, err := exec.LookPath("pg_restore")
	if err != nil {
		return fmt.Errorf("a PostgreSQL database is restored with pg_restore, which is not on PATH: run pg_restore --no-owner --dbname 'postgres://…' %s", from)
	}
	version, err := pgArchiveSchema(ctx, pgRestore, from)
	if err != nil {
		return err
	}
	latest, known, err := store.KnownSchema(store.Postgres, version)
	if err != nil {
		return err
	}
	if !known {
		return fault.Errorf(fault.Invalid, "%s is at schema version %d, which this build of Longhaul does not know (it knows up to %d)", from, version, latest)
	}
	conn, _ := store.PgConn(dsn)
	empty, err := store.IsEmptyPostgres(ctx, dsn)
	if err != nil {
		return fmt.Errorf("database %s: %w", dsnLabel(dsn), err)
	}
	args := []string{"--no-owner", "--exit-on-error", "--single-transaction", "--dbname=" + conn}
	if !empty {
		if !force {
			return fault.Errorf(fault.Conflict, "the target database already holds a Longhaul database: give --force to replace it")
		}
		args = append(args, "--clean", "--if-exists")
	}
	cmd := exec.CommandContext(ctx, pgRestore, append(args, from)...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	seq, hash, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Restored %s into the PostgreSQL database with pg_restore: schema version %d, audit head event %d %s.\nRun 'longhaul check' and 'longhaul audit verify' (with --anchor) on it before serving it.\n",
		from, version, seq, hash)
	return nil
}

// pgArchiveSchema reads the highest migration a pg_dump archive records,
// from the data of its schema_migrations table.
func pgArchiveSchema(ctx context.Context, pgRestore, file string) (int, error) {
	head := make([]byte, 5)
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "PGDMP" {
		return 0, fault.Errorf(fault.Invalid, "%s is not a pg_dump archive in the custom format (make it with pg_dump -Fc or longhaul backup)", file)
	}
	cmd := exec.CommandContext(ctx, pgRestore, "--data-only", "--table=schema_migrations", "--file=-", file)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("pg_restore --list %s: %v: %s", file, err, strings.TrimSpace(errb.String()))
	}
	max, in := 0, false
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "COPY ") && strings.Contains(line, "schema_migrations"):
			in = true
		case in && line == `\.`:
			in = false
		case in:
			v, err := strconv.Atoi(strings.SplitN(line, "\t", 2)[0])
			if err == nil && v > max {
				max = v
			}
		}
	}
	if max == 0 {
		return 0, errors.Join(fault.Errorf(fault.Invalid, "%s holds no Longhaul schema version: it is not a dump of a Longhaul database", file), sc.Err())
	}
	return max, nil
}
