package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/report"
	"github.com/longhaul/longhaul/internal/store"
)

const forecastUsage = `Usage:
  longhaul forecast backtest [--from 2024-01-01] [--to 2026-11-30]
  longhaul forecast show P-00012
  longhaul forecast at-risk [--nation DEU]
  longhaul forecast check
backtest replays the ledger's history with a rolling origin: at the end of
each day from --from (the first day the history holds enough deliveries)
to --to (yesterday), it forecasts every line then open with only what was
known that day, and compares each forecast with the day the line was
delivered; it prints the mean absolute error in days and the share of
deliveries inside the 80% interval, overall and per nation, and how often
deliveries fell at or below each decile. show prints the forecast of each
open line of a pledge beside its promised date; at-risk lists the lines
whose promise the early-warning rule finds at risk, with the reason. check
runs the early-warning check: it flags the lines newly at risk and closes
the flags of those no longer at risk, as the server does every hour.
docs/forecast.md describes the method.`

func runForecast(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, forecastUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("forecast "+sub, strings.SplitN(forecastUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	from := fs.String("from", "", "the first day of the backtest, YYYY-MM-DD (backtest)")
	to := fs.String("to", "", "the last day of the backtest, YYYY-MM-DD; yesterday when absent (backtest)")
	nation := fs.String("nation", "", "a nation's lines only (at-risk)")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	switch sub {
	case "backtest", "at-risk", "check":
		if len(pos) > 0 {
			fmt.Fprintf(stdio.Err, "longhaul forecast %s: unexpected argument %q\n", sub, pos[0])
			return ErrUsage
		}
	case "show":
		if len(pos) != 1 {
			fmt.Fprintln(stdio.Err, "longhaul forecast show: give one pledge, e.g. P-00012")
			return ErrUsage
		}
	default:
		fmt.Fprintln(stdio.Err, forecastUsage)
		return ErrUsage
	}
	ctx = access.WithIdentity(ctx, access.System.Named("cli:forecast"))
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := forecastService(db)
	today := forecast.DayOf(time.Now())
	switch sub {
	case "backtest":
		f, err := forecast.ParseDay(*from)
		if err != nil {
			return fmt.Errorf("--from: %w", err)
		}
		t, err := forecast.ParseDay(*to)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		if t == 0 {
			t = today - 1
		}
		r, err := svc.Backtest(ctx, f, t)
		if err != nil {
			return problems(stdio, err, "Cannot backtest", "the backtest")
		}
		return printBacktest(stdio.Out, r)
	case "show":
		id, err := assist.ParseRef("pledge", "P-", pos[0])
		if err != nil {
			fmt.Fprintf(stdio.Err, "longhaul forecast show: %v\n", err)
			return ErrUsage
		}
		p, err := db.Pledge(ctx, id)
		if err != nil {
			return err
		}
		o, err := svc.Outlook(ctx, today)
		if err != nil {
			return err
		}
		n, err := db.Nation(ctx, p.Nation)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "%s %s, %s (%s), promised %s\n", p.Ref(), p.Title, n.Name, n.Code, p.PromisedWords())
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tITEM\tSTAGE\tEXPECTED\t80% FROM\tTO\tDAYS LATE\tFROM THE HISTORY OF\tAT RISK")
		for _, l := range p.Lines {
			e, ok := o.Line(l.ID)
			if !ok {
				fmt.Fprintf(tw, "%d\t%s\t%s\t—\t\t\t\t\t\n", l.No, l.ItemName, l.State())
				continue
			}
			f := e.Forecast
			late, basis := "", f.Note
			if f.OK() {
				late, basis = strconv.Itoa(f.DaysLate), fmt.Sprintf("%s (%d)", f.Basis, f.Sample)
				if f.Open > 0 {
					basis = fmt.Sprintf("%s (%d, %d open)", f.Basis, f.Sample, f.Open)
				}
				if f.Note != "" {
					basis += "; " + f.Note
				}
			}
			risk := ""
			if e.Risk != nil {
				risk = e.Risk.Words
			}
			high := f.High.String()
			if f.HighAtLeast {
				high = "at least " + high
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.No, l.ItemName, f.Stage, orDash(f.Expected.String()), f.Low, high, late, basis, risk)
		}
		return tw.Flush()
	case "at-risk":
		o, err := svc.Outlook(ctx, today)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LINE\tNATION\tITEM\tPROMISED\tEXPECTED\tREASON\tDAYS\tFLAGGED\tWHY")
		for _, e := range o.AtRisk(strings.ToUpper(*nation)) {
			flagged := "not yet"
			if e.Flag != nil {
				flagged = e.Flag.FlaggedOn.String()
			}
			fmt.Fprintf(tw, "%s\t%s (%s)\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", e.Line.Ref(), e.Line.NationName, e.Line.Nation, e.Line.ItemName, e.Line.PromisedText,
				orDash(e.Forecast.Expected.String()), e.Risk.Reason, e.Risk.Days, flagged, e.Risk.Words)
		}
		return tw.Flush()
	}
	r, err := svc.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Early-warning check of %s: %d flagged, %d closed, %d open.\n", r.Day, len(r.Flagged), len(r.Closed), r.Open)
	for _, f := range r.Flagged {
		fmt.Fprintf(stdio.Out, "  flagged %s: %s\n", f.Ref(), f.Words)
	}
	for _, f := range r.Closed {
		fmt.Fprintf(stdio.Out, "  closed %s (%s): %s\n", f.Ref(), f.Outcome, f.Words)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// forecastService is the forecasts over db.
func forecastService(db *store.DB) *forecast.Service {
	return &forecast.Service{Store: store.Forecast{DB: db}, Read: db}
}

// printBacktest writes a backtest's figures, overall and per nation, and
// its calibration.
func printBacktest(w io.Writer, r forecast.Report) error {
	if r.From == 0 {
		fmt.Fprintf(w, "Nothing to backtest: the history holds fewer than %d deliveries.\n", forecast.MinSample)
		return nil
	}
	fmt.Fprintf(w, "Backtest from %s to %s: each day, every line then open forecast with only what was known that day, against the day it was delivered.\n\n", r.From, r.To)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tLINES\tFORECASTS\tMEAN ABS. ERROR (DAYS)\tINSIDE 80% INTERVAL\tDAYS WITHOUT A FORECAST\t")
	row := func(name string, s forecast.Score) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d\t\n", name, s.Lines, s.Forecasts, report.Days(s.MAETenths()), report.Percent(s.CoveragePPM(), 1), s.Unforecast)
	}
	row("All nations", r.Overall)
	for _, s := range r.Nations {
		row(fmt.Sprintf("%s (%s)", s.NationName, s.Nation), s)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nCalibration: the share of deliveries on or before each decile of their forecast (a calibrated forecast has 10% at the 10th, 50% at the median, 90% at the 90th).")
	var parts []string
	for k := range 9 {
		parts = append(parts, fmt.Sprintf("%d0th %s", k+1, report.Percent(r.Overall.AtOrBelowPPM(k), 1)))
	}
	fmt.Fprintln(w, strings.Join(parts, ", "))
	return nil
}
