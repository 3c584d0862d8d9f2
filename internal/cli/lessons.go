package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/report"
)

const lessonsUsage = `Usage:
  longhaul lessons list [--q WORDS] [--state learned] [--capability armour]
  longhaul lessons show L-00012
  longhaul lessons export --from 2025-01-01 --to 2025-12-31 [--capability armour] --format pdf|xlsx --out FILE
list searches the lessons (full text over the observation and the lesson);
show prints one with its actions and links; export writes the digest of a
period, marked with the highest classification of what it holds.`

func runLessons(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, lessonsUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	if sub != "list" && sub != "show" && sub != "export" {
		fmt.Fprintln(stdio.Err, lessonsUsage)
		return ErrUsage
	}
	fs := flags("lessons "+sub, strings.SplitN(lessonsUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	q := fs.String("q", "", "words to search for")
	state := fs.String("state", "", "a state")
	capability := fs.String("capability", "", "a capability area")
	from := fs.String("from", "", "observed on or after, YYYY-MM-DD")
	to := fs.String("to", "", "observed on or before, YYYY-MM-DD")
	format := fs.String("format", "", "pdf or xlsx (export)")
	out := fs.String("out", "", "the file to write (export)")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	if sub == "export" && ((*format != "pdf" && *format != "xlsx") || *out == "" || *from == "" || *to == "") {
		fmt.Fprintln(stdio.Err, "longhaul lessons export: give --from, --to, --format pdf|xlsx and --out FILE")
		return ErrUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:lessons"))
	switch sub {
	case "list":
		p, err := db.SearchLessons(ctx, lessons.Filter{Q: *q, State: *state, Capability: *capability, From: *from, To: *to}, list.Options{Limit: list.MaxLimit})
		if err != nil {
			return problems(stdio, err, "Cannot search", "the lessons")
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REF\tOBSERVED\tCAPABILITY\tSTATE\tTITLE\tMARKING")
		for _, l := range p.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Ref(), l.When, l.Capability, l.State, l.Title, l.Classification.Short())
		}
		tw.Flush()
		fmt.Fprintf(stdio.Out, "%d in all.\n", p.Total)
		return nil
	case "show":
		if len(pos) != 1 {
			fmt.Fprintln(stdio.Err, "longhaul lessons show: give one lesson, e.g. L-00012")
			return ErrUsage
		}
		id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(pos[0]), "L-"), "0"), 10, 64)
		if err != nil {
			fmt.Fprintf(stdio.Err, "longhaul lessons show: %q is not a lesson such as L-00012\n", pos[0])
			return ErrUsage
		}
		l, err := db.Lesson(ctx, id)
		if err != nil {
			return problems(stdio, err, "No such lesson", pos[0])
		}
		w := stdio.Out
		fmt.Fprintf(w, "%s  %s  %s  (%s)\n", l.Ref(), l.Title, strings.ToUpper(l.State), l.Classification)
		fmt.Fprintf(w, "Observed %s %s by %s; capability %s; systems %s\n\n%s\n", l.When, l.Where, l.Source, l.Capability, strings.Join(l.Systems, ", "), l.Observed)
		if l.Analysis != "" {
			fmt.Fprintf(w, "\nAnalysis: %s\nConclusion: %s\nRecommendation: %s\n", l.Analysis, l.Conclusion, l.Recommendation)
		}
		for _, a := range l.Actions {
			done := "open"
			if a.Done() {
				done = "done " + a.DoneAt.Format("2006-01-02")
			}
			fmt.Fprintf(w, "  action %d: %s %s, due %s, %s: %s\n", a.ID, a.OwnerKind, a.Owner, a.Due, done, a.Description)
		}
		for _, k := range l.Links {
			fmt.Fprintf(w, "  changes %s %s\n", k.Kind, k.Ref)
		}
		return nil
	}
	d, err := report.BuildDigest(ctx, db, *from, *to, *capability, time.Now())
	if err != nil {
		return problems(stdio, err, "No digest", "the lessons")
	}
	var buf bytes.Buffer
	if *format == "pdf" {
		err = d.PDF(&buf)
	} else {
		err = d.XLSX(&buf)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Err, "%d lessons, marked %s: %s.\n", len(d.Lessons), d.Marking, *out)
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}
