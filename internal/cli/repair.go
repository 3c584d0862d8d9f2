package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
)

const equipmentUsage = `Usage:
  longhaul equipment list [--state damaged] [--donor DEU] [--q SERIAL]
  longhaul equipment show E-00012
Lists the register of major equipment delivered to Ukraine, or shows one
piece with its repair orders and its timeline.`

func runEquipment(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, equipmentUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("equipment "+sub, strings.SplitN(equipmentUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	state := fs.String("state", "", "a state: "+strings.Join(repair.EquipmentStates, ", "))
	donor := fs.String("donor", "", "the donor nation")
	q := fs.String("q", "", "a serial number or item name to search for")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	ctx = access.WithIdentity(ctx, access.System.Named("cli:equipment"))
	switch sub {
	case "list":
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REF\tNSN\tITEM\tSERIAL\tDONOR\tRECEIVED\tLOCATION\tSTATE")
		o := list.Options{Limit: list.MaxLimit, Sort: "id"}
		for {
			p, err := db.EquipmentList(ctx, repair.EquipmentFilter{State: *state, Donor: *donor, Q: *q}, o)
			if err != nil {
				return problems(stdio, err, "Cannot list the equipment", "the list")
			}
			for _, e := range p.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Ref(), e.NSN, e.ItemName, e.Serial, e.Donor, e.Received, e.Location, e.State)
			}
			if p.Next == "" {
				break
			}
			o.Cursor = p.Next
		}
		return tw.Flush()
	case "show":
		if len(pos) != 1 {
			fmt.Fprintln(stdio.Err, "longhaul equipment show: give one piece, e.g. E-00012")
			return ErrUsage
		}
		id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(pos[0]), "E-"), "0"), 10, 64)
		if err != nil {
			fmt.Fprintf(stdio.Err, "longhaul equipment show: %q is not a piece such as E-00012\n", pos[0])
			return ErrUsage
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		e, tl, os, err := db.Piece(ctx, id)
		if err != nil {
			return problems(stdio, err, "No such piece", pos[0])
		}
		w := stdio.Out
		fmt.Fprintf(w, "%s  %s %s  %s\n", e.Ref(), e.ItemName, e.Serial, strings.ToUpper(strings.ReplaceAll(e.State, "_", " ")))
		fmt.Fprintf(w, "NSN %s, donated by %s, received %s, at %s\n", e.NSN, e.Donor, e.Received, e.Location)
		fmt.Fprintln(w, "\nRepair orders:")
		for _, o := range os {
			fmt.Fprintf(w, "  %s  %s (%s, priority %d)  %s %s\n", o.Ref(), o.Fault, o.Severity, o.Priority, o.State, o.Facility)
		}
		if len(os) == 0 {
			fmt.Fprintln(w, "  none")
		}
		fmt.Fprintln(w, "\nTimeline:")
		for _, ev := range tl {
			fmt.Fprintf(w, "  %s  %-18s %s %s  %s (%s)\n", ev.At.UTC().Format("2006-01-02 15:04"), ev.Kind, ev.State, ev.Site, ev.Note, ev.Actor)
		}
		return nil
	}
	fmt.Fprintln(stdio.Err, equipmentUsage)
	return ErrUsage
}

const repairUsage = `Usage:
  longhaul repair plan [--horizon 90d] [--approve]
  longhaul repair list [--state open] [--facility PL-GLI]
plan places the repair orders waiting for a facility on competent
facilities with free slots over the horizon (most urgent first, then the
least transport and queue time), prints the plan and the orders it cannot
place with the reason, and with --approve assigns them. list lists the
repair orders.`

func runRepair(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, repairUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("repair "+sub, strings.SplitN(repairUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	horizon := fs.String("horizon", "90d", "days over which facilities' slots count")
	approve := fs.Bool("approve", false, "assign the placed orders")
	state := fs.String("state", "", "open, or a state: "+strings.Join(repair.OrderStates, ", "))
	facility := fs.String("facility", "", "a facility's site")
	if sub != "plan" && sub != "list" {
		fmt.Fprintln(stdio.Err, repairUsage)
		return ErrUsage
	}
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:repair"))
	if sub == "list" {
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ORDER\tPIECE\tITEM\tSERIAL\tFAULT\tPRIORITY\tFACILITY\tDUE\tSTATE")
		o := list.Options{Limit: list.MaxLimit, Sort: "id"}
		for {
			p, err := db.Orders(ctx, repair.OrderFilter{State: *state, Facility: *facility}, o)
			if err != nil {
				return problems(stdio, err, "Cannot list the repair orders", "the list")
			}
			for _, x := range p.Items {
				fmt.Fprintf(tw, "%s\tE-%05d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", x.Ref(), x.Equipment, x.ItemName, x.Serial, x.Fault, x.Priority, x.Facility, x.Due, x.State)
			}
			if p.Next == "" {
				break
			}
			o.Cursor = p.Next
		}
		return tw.Flush()
	}
	days, err := parseDays(*horizon)
	if err != nil {
		fmt.Fprintf(stdio.Err, "longhaul repair plan: --horizon %q: %v\n", *horizon, err)
		return ErrUsage
	}
	start := time.Now().UTC().Truncate(time.Second)
	in, fp, err := db.RepairPlanInput(ctx, start, days)
	if err != nil {
		return err
	}
	t0 := time.Now()
	p, err := repair.Plan(in)
	if err != nil {
		return err
	}
	names := map[int64]repair.Waiting{}
	for _, o := range in.Orders {
		names[o.Order] = o
	}
	fmt.Fprintf(stdio.Out, "Repair plan over %d days, made in %s: %d of %d waiting orders placed.\n", days, time.Since(t0).Round(100*time.Microsecond), len(p.Assignments), len(in.Orders))
	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nORDER\tITEM\tFROM\tPRIORITY\tFACILITY\tTRANSPORT\tSTARTS\tDUE")
	for _, a := range p.Assignments {
		o := names[a.Order]
		fmt.Fprintf(tw, "RO-%05d\t%s\t%s\t%d\t%s\t%d h\t%s\t%s\n", a.Order, o.ItemName, o.Location, o.Priority, a.Facility, a.Transport, a.Start.Format("2006-01-02"), a.Due.Format("2006-01-02"))
	}
	tw.Flush()
	if len(p.Unplaced) > 0 {
		fmt.Fprintln(stdio.Out, "\nNot placed:")
		for _, u := range p.Unplaced {
			fmt.Fprintf(stdio.Out, "  RO-%05d (%s, priority %d): %s\n", u.Order, names[u.Order].ItemName, names[u.Order].Priority, u.Reason)
		}
	}
	if !*approve {
		return nil
	}
	svc := &repair.Service{Store: store.Repair{DB: db}}
	n, err := svc.Approve(ctx, p, fp, start, days)
	if err != nil {
		return problems(stdio, err, "Nothing was approved", "the repair plan")
	}
	fmt.Fprintf(stdio.Out, "\nApproved: %d repair orders assigned to their facilities.\n", n)
	return nil
}
