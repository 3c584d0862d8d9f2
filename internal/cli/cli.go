// Package cli owns the longhaul command: its subcommands, flags and
// LONGHAUL_* environment variables, and the wiring of store, domain and web.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// Env reads an environment variable.
type Env func(string) string

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env Env, io IO) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server and API", runServe},
		{"migrate", "create or upgrade the database schema", runMigrate},
		{"demo", "load the demonstration scenario into a database", runDemo},
		{"import", "import items, requirements or pledges from CSV", runImport},
		{"export", "export items, requirements or pledges as CSV", runExport},
		{"pledge", "pledges: show, pay (money committed or disbursed), revalue (a figure, with where it comes from)", runPledge},
		{"shipment", "shipments: list, show, receive", runShipment},
		{"network", "the logistics network as CSV: import, export", runNetwork},
		{"flow", "minimum-cost flow: solve a DIMACS problem", runFlow},
		{"plan", "propose allocations through the hubs: allocate", runPlan},
		{"equipment", "the equipment register: list, show", runEquipment},
		{"repair", "repair orders: plan, list", runRepair},
		{"course", "training courses: list, import", runCourse},
		{"training", "training seats: plan", runTraining},
		{"lessons", "lessons learned: list, show, export", runLessons},
		{"readiness", "capability readiness: how many systems are ready and what is missing; show", runReadiness},
		{"forecast", "forecasts of the open lines: backtest, show, at-risk, check (the early warnings)", runForecast},
		{"report", "reports: spending, the summit review (HTML, PDF, XLSX), IATI", runReport},
		{"reliability", "how the nations keep their promised dates, by nation, channel or capability area", runReliability},
		{"notify", "notifications: send (raise what is due and deliver the outbox once), webhooks, webhook-add, webhook-disable", runNotify},
		{"audit", "audit commands: verify [--anchor FILE], anchor, stream", runAudit},
		{"backup", "copy the database while the server runs (SQLite; pg_dump for PostgreSQL)", runBackup},
		{"restore", "restore a backup into a database path or an empty PostgreSQL database", runRestore},
		{"check", "recompute every invariant of the ledger; exit 3 if one is broken", runCheck},
		{"user", "manage users: add, list, role, disable, enable, password, reset-factor", runUser},
		{"token", "manage API tokens: create, list, revoke", runToken},
		{"health", "ask a running server whether it is healthy: exit 0 if it is (for container health checks)", runHealth},
		{"version", "print the version", runVersion},
	}
}

// ErrUsage marks a command line that could not be understood; the message
// has already been printed.
var ErrUsage = errors.New("usage")

// Run runs the command line args (without the program name) and returns
// the process's exit code.
func Run(ctx context.Context, args []string, env Env, stdio IO) int {
	err := dispatch(ctx, args, env, stdio)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	if e := fault.As(err); e != nil && len(e.Problems) > 0 {
		fmt.Fprintf(stdio.Err, "longhaul: %d problems:\n", len(e.Problems))
		for _, p := range e.Problems {
			fmt.Fprintf(stdio.Err, "  %s\n", p.Error())
		}
	} else {
		fmt.Fprintf(stdio.Err, "longhaul: %v\n", err)
	}
	var ex exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	return 1
}

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func dispatch(ctx context.Context, args []string, env Env, stdio IO) error {
	// The command line is run by an operator on the server: it acts as the
	// system, and the audit trail says so.
	ctx = access.WithIdentity(ctx, access.System.Named("cli"))
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdio.Out)
		if len(args) == 0 {
			return ErrUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env, stdio)
		}
	}
	fmt.Fprintf(stdio.Err, "longhaul: unknown command %q\n\n", args[0])
	usage(stdio.Err)
	return ErrUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Longhaul coordinates multinational security assistance and training for Ukraine.")
	fmt.Fprintln(w, "\nUsage: longhaul COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'longhaul COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Every flag can also be set by its LONGHAUL_* environment variable, e.g. LONGHAUL_DB for --db.")
}

// flags returns a flag set that prints its usage to stdio.Err.
func flags(name, synopsis string, stdio IO) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	fs.Usage = func() {
		fmt.Fprintf(stdio.Err, "Usage: longhaul %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, flags and positional arguments in any order, then
// fills every flag not given on the command line from its LONGHAUL_*
// variable (the flag's name upper-cased, dashes as underscores). A bad value
// from either stops the command with its name. It returns the positional
// arguments.
func parse(fs *flag.FlagSet, args []string, env Env) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, ErrUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := "LONGHAUL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := env(name); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return pos, err
}

const defaultDB = "longhaul.db"

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", defaultDB, "database: a SQLite file path or a postgres:// URL (LONGHAUL_DB)")
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: use text or json", format)
}

// parseNoArgs is parse for commands that take no positional arguments.
func parseNoArgs(fs *flag.FlagSet, args []string, env Env, stdio IO) error {
	pos, err := parse(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintf(stdio.Err, "longhaul %s: unexpected argument %q\n", fs.Name(), pos[0])
		fs.Usage()
		return ErrUsage
	}
	return nil
}
