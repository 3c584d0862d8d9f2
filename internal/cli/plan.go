package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
)

const planUsage = `Usage:
  longhaul plan allocate [--horizon 30d] [--approve]
  longhaul plan list [--state proposed|approved]
  longhaul plan show ID
  longhaul plan approve ID [--exclude LINE-REQUIREMENT,...]
allocate proposes allocations of committed, unallocated pledged stock to
open requirements through the hubs, priority first, saves the proposal as a
plan and prints it: the lines by requirement, what stays unmet and why, and
the hubs' loads against their limits. It changes no allocation unless
--approve is given: then it writes the plan in one transaction, as
allocations and planned shipments. approve does that for a saved plan,
leaving out the excluded lines (a pledge line's id and a requirement's,
e.g. 12-5); a plan whose inputs changed since it was made is refused.`

func runPlan(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, planUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	ctx = access.WithIdentity(ctx, access.System.Named("cli:plan"))
	switch sub {
	case "allocate":
		return planAllocate(ctx, rest, env, stdio)
	case "list":
		return planList(ctx, rest, env, stdio)
	case "show", "approve":
		return planOne(ctx, sub, rest, env, stdio)
	}
	fmt.Fprintln(stdio.Err, planUsage)
	return ErrUsage
}

func planAllocate(ctx context.Context, rest []string, env Env, stdio IO) error {
	fs := flags("plan allocate", "plan allocate [--horizon 30d] [--approve]", stdio)
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
	t0 := time.Now()
	sv, err := plans(db).Make(ctx, days, time.Now().UTC())
	if err != nil {
		return err
	}
	printPlan(stdio, sv, time.Since(t0))
	if !*approve {
		fmt.Fprintf(stdio.Out, "\nSaved as plan %d: approve it with `longhaul plan approve %d` or on its page, /plans/%d.\n", sv.ID, sv.ID, sv.ID)
		return nil
	}
	return approvePlan(ctx, db, &sv, nil, stdio)
}

// plans is the allocation plan's use cases over db.
func plans(db *store.DB) *plan.Service {
	return &plan.Service{Store: plan.Over[*store.Tx](db), Read: db}
}

func approvePlan(ctx context.Context, db *store.DB, sv *plan.Saved, exclude []plan.Key, stdio IO) error {
	got, err := plans(db).Approve(ctx, sv, exclude)
	if err != nil {
		return problems(stdio, err, "Nothing was approved", fmt.Sprintf("plan %d", sv.ID))
	}
	fmt.Fprintf(stdio.Out, "\nApproved plan %d: %d allocations of %d units, %d planned shipments.\n", sv.ID, got.Allocations, got.Units, len(got.Shipments))
	return nil
}

func planList(ctx context.Context, rest []string, env Env, stdio IO) error {
	fs := flags("plan list", "plan list [--state proposed|approved]", stdio)
	dsn := dbFlag(fs)
	state := fs.String("state", "", "proposed or approved")
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLAN\tMADE\tBY\tHORIZON\tSTATE\tPROPOSED\tLATE\tUNMET")
	o := list.Options{Limit: list.MaxLimit}
	for {
		p, err := db.Plans(ctx, assist.PlanFilter{State: *state}, o)
		if err != nil {
			return problems(stdio, err, "Cannot list the plans", "the list")
		}
		for _, s := range p.Items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d d\t%s\t%d\t%d\t%d\n", s.ID, s.MadeAt.Format("2006-01-02 15:04"), s.MadeBy, s.Horizon, s.State, s.Served, s.Late, s.Unmet)
		}
		if p.Next == "" {
			break
		}
		o.Cursor = p.Next
	}
	return tw.Flush()
}

func planOne(ctx context.Context, sub string, rest []string, env Env, stdio IO) error {
	fs := flags("plan "+sub, "plan "+sub+" ID", stdio)
	dsn := dbFlag(fs)
	var exclude *string
	if sub == "approve" {
		exclude = fs.String("exclude", "", "lines to leave out, LINE-REQUIREMENT separated by commas, e.g. 12-5,13-5")
	}
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintf(stdio.Err, "longhaul plan %s: give one plan id\n", sub)
		return ErrUsage
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintf(stdio.Err, "longhaul plan %s: %q is not a plan id\n", sub, pos[0])
		return ErrUsage
	}
	var keys []plan.Key
	if exclude != nil && *exclude != "" {
		for _, x := range strings.Split(*exclude, ",") {
			k, err := assist.ParseProposalKey(x)
			if err != nil {
				fmt.Fprintf(stdio.Err, "longhaul plan approve: --exclude %q: write a pledge line and a requirement as LINE-REQUIREMENT, e.g. 12-5\n", x)
				return ErrUsage
			}
			keys = append(keys, k)
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	sv, err := db.Plan(ctx, id)
	if err != nil {
		return problems(stdio, err, "No such plan", fmt.Sprintf("plan %d", id))
	}
	if sub == "show" {
		printPlan(stdio, sv, 0)
		stale, err := plans(db).Stale(ctx, sv)
		if err != nil {
			return err
		}
		switch {
		case sv.Decision != nil:
			fmt.Fprintf(stdio.Out, "\nApproved %s by %s: %d allocations of %d units, shipments %v.\n", sv.DecidedAt.Format("2006-01-02 15:04"), sv.DecidedBy, sv.Decision.Allocations, sv.Decision.Units, sv.Decision.Shipments)
		case stale:
			fmt.Fprintln(stdio.Out, "\nThe ledger or the network changed since this plan was made: it cannot be approved; make a new one with `longhaul plan allocate`.")
		}
		return nil
	}
	return approvePlan(ctx, db, &sv, keys, stdio)
}

// parseDays reads a number of days written 30 or 30d.
func parseDays(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "d"))
	if err != nil || n < 1 || n > 366 {
		return 0, fmt.Errorf("write a number of days from 1 to 366, e.g. 30d")
	}
	return n, nil
}

func printPlan(stdio IO, sv plan.Saved, took time.Duration) {
	in, p := sv.Input, sv.Plan
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
	made := sv.MadeAt.Format("2006-01-02 15:04") + " by " + sv.MadeBy
	if took > 0 {
		made = "in " + took.Round(100*time.Microsecond).String()
	}
	fmt.Fprintf(stdio.Out, "Plan %d (%s) over a %d-day horizon, made %s (%d solve%s): %d lines, %d units worth %s to %d requirements; %d units late; %d units unmet.\n",
		sv.ID, sv.State, sv.Horizon, made, p.Rounds, plural(p.Rounds), len(p.Lines), units, value.Human(true), countNeeds(p), late, unmet)
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
