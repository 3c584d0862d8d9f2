package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
)

const planUsage = `Usage:
  longhaul plan allocate [--horizon 30d] [--approve]
Proposes allocations of committed, unallocated pledged stock to open
requirements through the hubs, priority first, and prints the proposal: the
lines by requirement, what stays unmet and why, and the hubs' loads against
their limits. It changes nothing unless --approve is given: then it writes
the proposal in one transaction, as allocations and planned shipments.`

func runPlan(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, planUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	if sub != "allocate" {
		fmt.Fprintln(stdio.Err, planUsage)
		return ErrUsage
	}
	fs := flags("plan allocate", strings.SplitN(planUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	horizon := fs.String("horizon", "30d", "days over which hub throughput counts, e.g. 30d")
	approve := fs.Bool("approve", false, "write the proposal: allocations and planned shipments")
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	days, err := parseDays(*horizon)
	if err != nil {
		fmt.Fprintf(stdio.Err, "longhaul plan allocate: --horizon %q: %v\n", *horizon, err)
		return ErrUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:plan"))
	in, err := db.PlanInput(ctx)
	if err != nil {
		return err
	}
	in.Start, in.Horizon = time.Now().UTC(), days
	t0 := time.Now()
	p, err := plan.Make(in)
	if err != nil {
		return err
	}
	printPlan(stdio, in, p, time.Since(t0))
	if !*approve {
		return nil
	}
	got, err := plan.Approve(ctx, store.Logistics{DB: db}, in, p, plan.Fingerprint(in), nil)
	if err != nil {
		return problems(stdio, err, "Nothing was approved", "the proposal")
	}
	fmt.Fprintf(stdio.Out, "\nApproved: %d allocations of %d units, %d planned shipments.\n", got.Allocations, got.Units, len(got.Shipments))
	return nil
}

// parseDays reads a number of days written 30 or 30d.
func parseDays(s string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimSpace(s), "d"), "%d", &n); err != nil || n < 1 || n > 366 {
		return 0, fmt.Errorf("write a number of days from 1 to 366, e.g. 30d")
	}
	return n, nil
}

func printPlan(stdio IO, in plan.Input, p plan.Plan, took time.Duration) {
	var units, late int64
	var value money.Cents
	for _, l := range p.Lines {
		units += l.Quantity
		value += money.Cents(int64(in.Stock[l.Stock].Item.UnitValue) * l.Quantity)
		if l.DaysLate > 0 {
			late += l.Quantity
		}
	}
	var unmet int64
	for _, u := range p.Unmet {
		unmet += u.Quantity
	}
	fmt.Fprintf(stdio.Out, "Proposal over a %d-day horizon, made in %s (%d solve%s): %d lines, %d units worth %s to %d requirements; %d units late; %d units unmet.\n",
		in.Horizon, took.Round(100*time.Microsecond), p.Rounds, plural(p.Rounds), len(p.Lines), units, value.Human(true), countNeeds(p), late, unmet)
	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nREQUIREMENT\tPRIORITY\tNEED BY\tFROM\tQUANTITY\tROUTE\tETA\tLATE")
	for _, l := range p.Lines {
		n, s := in.Needs[l.Need], in.Stock[l.Stock]
		lateText := ""
		if l.DaysLate > 0 {
			lateText = fmt.Sprintf("%d d", l.DaysLate)
		}
		fmt.Fprintf(tw, "R-%05d\t%d\t%s\tP-%05d line %d (%s %s)\t%d\t%s\t%s\t%s\n", n.Requirement, n.Priority, n.NeedBy, s.Pledge, s.Line, s.Nation, s.Item.NSN,
			l.Quantity, strings.Join(l.Route, ">"), l.ETA.Format("2006-01-02 15:04"), lateText)
	}
	tw.Flush()
	if len(p.Unmet) > 0 {
		fmt.Fprintln(stdio.Out, "\nUnmet:")
		for _, u := range p.Unmet {
			n := in.Needs[u.Need]
			fmt.Fprintf(stdio.Out, "  R-%05d (priority %d, %d of %d): %s\n", n.Requirement, n.Priority, u.Quantity, n.Quantity, u.Reason)
		}
	}
	fmt.Fprintln(stdio.Out, "\nHubs:")
	for _, h := range p.Hubs {
		limit := "no limit"
		if h.LimitG > 0 {
			limit = fmt.Sprintf("of %s t", money.FormatDecimal(h.LimitG/100_000, 1))
		}
		mark := ""
		if h.AtLimit {
			mark = "  AT LIMIT"
		}
		fmt.Fprintf(stdio.Out, "  %s: %d units, %s t %s%s\n", h.Site, h.Quantity, money.FormatDecimal((h.MassG+50_000)/100_000, 1), limit, mark)
	}
}

func countNeeds(p plan.Plan) int {
	seen := map[int]bool{}
	for _, l := range p.Lines {
		seen[l.Need] = true
	}
	return len(seen)
}
