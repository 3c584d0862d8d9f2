package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/report"
)

const reportUsage = `Usage:
  longhaul report spending --year 2024
  longhaul report review --year 2025 --format html|pdf|xlsx --out FILE
  longhaul report iati --year 2025 [--out FILE]
spending lists the Allies' defence expenditure as a share of GDP in a year
(NATO's 2014-2024 tables) and says how many meet 2%. review writes the
summit review report of a year: baseline progress, fair shares against
contributions, promise reliability, open requirements, agreements
and spending, marked with the highest classification of what it holds.
iati writes the public contributions of a year as IATI activity XML.`

func runReport(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, reportUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("report "+sub, strings.SplitN(reportUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	year := fs.Int("year", 0, "the year")
	format := fs.String("format", "", "html, pdf or xlsx (review)")
	out := fs.String("out", "", "the file to write; standard output when absent (spending, iati)")
	switch sub {
	case "spending", "review", "iati":
	default:
		fmt.Fprintln(stdio.Err, reportUsage)
		return ErrUsage
	}
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	if *year == 0 {
		fmt.Fprintf(stdio.Err, "longhaul report %s: --year is required, e.g. --year 2025\n", sub)
		return ErrUsage
	}
	if sub == "review" {
		if *format != "html" && *format != "pdf" && *format != "xlsx" {
			fmt.Fprintf(stdio.Err, "longhaul report review: --format %q: use html, pdf or xlsx\n", *format)
			return ErrUsage
		}
		if *out == "" {
			fmt.Fprintln(stdio.Err, "longhaul report review: --out FILE is required")
			return ErrUsage
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:report"))
	var buf bytes.Buffer
	switch sub {
	case "spending":
		rows, err := db.Spending(ctx, *year)
		if err != nil {
			return problems(stdio, err, "No report", "spending")
		}
		tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "ALLY\tNAME\tSHARE OF GDP\tAT 2%\t")
		at := 0
		for _, r := range rows {
			mark := ""
			if r.Meets2 {
				mark = "yes"
				at++
			}
			est := ""
			if r.Estimate {
				est = " e"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\t\n", r.Nation, r.Name, report.Percent(r.PPM, 2), est, mark)
		}
		tw.Flush()
		fmt.Fprintf(&buf, "\n%d of %d Allies spent 2%% of GDP or more on defence in %d (NATO, Defence Expenditure of NATO Countries 2014-2024; e: estimate).\n", at, len(rows), *year)
	case "iati":
		n, err := report.IATI(ctx, db, &buf, *year, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Err, "%d public activities.\n", n)
	case "review":
		rv, err := report.Build(ctx, db, *year, time.Now())
		if err != nil {
			return problems(stdio, err, "No report", fmt.Sprintf("the review of %d", *year))
		}
		switch *format {
		case "pdf":
			err = rv.PDF(&buf)
		case "xlsx":
			err = rv.XLSX(&buf)
		case "html":
			err = rv.HTML(&buf)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Err, "The summit review of %d, marked %s: %s.\n", *year, rv.Marking, *out)
	}
	if *out == "" {
		_, err := stdio.Out.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}
