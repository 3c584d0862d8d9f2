package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
)

const shipmentUsage = `Usage:
  longhaul shipment list [--state STATE|active] [--late] [--site CODE] [--nation N] [--csv]
  longhaul shipment show REF
  longhaul shipment receive REF [--line NO=RECEIVED[:KIND:REASON]]... [--to UNIT] [--note TEXT] [--accept]
REF is a shipment's id or reference (S-00012). receive without --line takes every
line as received in full; a line received short names its kind (short, damaged,
lost, or surplus for more than sent) and a reason, e.g. --line 2=38:damaged:"fuzes dented".
--accept accepts what is received in the same step (the acceptance certificate).`

// lineFlags collects repeated --line flags.
type lineFlags []string

func (l *lineFlags) String() string     { return strings.Join(*l, " ") }
func (l *lineFlags) Set(v string) error { *l = append(*l, v); return nil }

func runShipment(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, shipmentUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("shipment "+sub, strings.SplitN(shipmentUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	state := fs.String("state", "", "list: a state, or active for those on their way")
	late := fs.Bool("late", false, "list: only shipments past their ETA")
	site := fs.String("site", "", "list: shipments whose route passes this site")
	nation := fs.String("nation", "", "list: shipments of this nation's goods")
	asCSV := fs.Bool("csv", false, "list: write CSV, one row a line")
	var lines lineFlags
	fs.Var(&lines, "line", "receive: NO=RECEIVED[:KIND:REASON], repeated")
	to := fs.String("to", "", "receive: the unit that takes the goods")
	note := fs.String("note", "", "receive: a note")
	accept := fs.Bool("accept", false, "receive: accept what is received in the same step")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli"))
	ref := func() (int64, error) {
		if len(pos) != 1 {
			fs.Usage()
			return 0, ErrUsage
		}
		id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(pos[0]), "S-"), "0"), 10, 64)
		if err != nil || id <= 0 {
			return 0, fmt.Errorf("%q is not a shipment: give its id or reference, e.g. S-00012", pos[0])
		}
		return id, nil
	}
	switch sub {
	case "list":
		if len(pos) != 0 {
			fs.Usage()
			return ErrUsage
		}
		f := logistics.ShipmentFilter{State: *state, Site: *site, Nation: *nation}
		if f.State != "" && f.State != "active" && !slices.Contains(logistics.States, f.State) {
			return fmt.Errorf("%q is not a shipment state: use active or one of %s", f.State, strings.Join(logistics.States, ", "))
		}
		now := time.Now().UTC()
		if *late {
			f.Late = now
		}
		var all []logistics.Shipment
		o := list.Options{Limit: list.MaxLimit, Sort: "id"}
		for {
			p, err := db.Shipments(ctx, f, o)
			if err != nil {
				return err
			}
			all = append(all, p.Items...)
			if p.Next == "" {
				break
			}
			o.Cursor = p.Next
		}
		if *asCSV {
			if err := db.WithLines(ctx, all); err != nil {
				return err
			}
			_, err := exchange.WriteShipments(stdio.Out, all, now)
			return err
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "REF\tNATION\tROUTE\tSTATE\tHELD BY\tETA\tTONNES\tVALUE")
		for _, s := range all {
			st := s.State
			if s.Late(now) {
				st += " (late)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Ref(), s.Nation, strings.Join(s.Route(), ">"), st, s.Holder,
				s.ETA.UTC().Format("2006-01-02 15:04"), money.FormatDecimal((s.MassG+50_000)/100_000, 1), s.Value.Human(true))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "%d shipment%s.\n", len(all), plural(len(all)))
		return nil
	case "show":
		id, err := ref()
		if err != nil {
			return err
		}
		s, err := db.Shipment(ctx, id)
		if err != nil {
			return err
		}
		chain, err := db.Custody(ctx, id)
		if err != nil {
			return err
		}
		ds, err := db.Discrepancies(ctx, logistics.DiscrepancyFilter{Shipment: id}, list.Options{Limit: list.MaxLimit})
		if err != nil {
			return err
		}
		showShipment(stdio.Out, s, chain, ds.Items)
		return nil
	case "receive":
		id, err := ref()
		if err != nil {
			return err
		}
		rc := logistics.Receipt{To: *to, Note: *note, Accept: *accept}
		for _, l := range lines {
			rl, err := parseReceiptLine(l)
			if err != nil {
				return err
			}
			rc.Lines = append(rc.Lines, rl)
		}
		lg := &logistics.Service{Store: store.Logistics{DB: db}}
		s, ds, err := lg.Receive(ctx, id, 0, rc)
		if err != nil {
			return problems(stdio, err, "Nothing was received", pos[0])
		}
		verb := "Received"
		if *accept {
			verb = "Received and accepted"
		}
		fmt.Fprintf(stdio.Out, "%s %s at %s: %d line%s", verb, s.Ref(), s.Destination, len(s.Lines), plural(len(s.Lines)))
		if len(ds) > 0 {
			fmt.Fprintf(stdio.Out, ", %d discrepanc%s opened", len(ds), map[bool]string{true: "y", false: "ies"}[len(ds) == 1])
		}
		fmt.Fprintln(stdio.Out, ".")
		for _, d := range ds {
			fmt.Fprintf(stdio.Out, "  %s line %d: %d %s (%s)\n", d.Ref(), d.LineNo, d.Quantity, d.Kind, d.Reason)
		}
		return nil
	}
	fmt.Fprintln(stdio.Err, shipmentUsage)
	return ErrUsage
}

// parseReceiptLine reads NO=RECEIVED[:KIND:REASON].
func parseReceiptLine(s string) (logistics.ReceiptLine, error) {
	var rl logistics.ReceiptLine
	no, rest, ok := strings.Cut(s, "=")
	if !ok {
		return rl, fmt.Errorf("--line %q: write NO=RECEIVED, e.g. 1=38, or 1=38:damaged:\"two crates crushed\"", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(no))
	if err != nil {
		return rl, fmt.Errorf("--line %q: %q is not a line number", s, no)
	}
	parts := strings.SplitN(rest, ":", 3)
	q, err := strconv.ParseInt(strings.TrimSpace(parts[0]), 10, 64)
	if err != nil {
		return rl, fmt.Errorf("--line %q: %q is not a whole number", s, parts[0])
	}
	rl.No, rl.Received = n, q
	if len(parts) > 1 {
		rl.Kind = parts[1]
	}
	if len(parts) > 2 {
		rl.Reason = parts[2]
	}
	return rl, nil
}

func showShipment(w io.Writer, s logistics.Shipment, chain []logistics.CustodyEvent, ds []logistics.Discrepancy) {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	fmt.Fprintf(w, "%s  %s  %s\n", s.Ref(), strings.Join(s.Route(), " → "), strings.ToUpper(logistics.Label(s.State)))
	fmt.Fprintf(w, "Marking:           %s\n", s.Marking)
	fmt.Fprintf(w, "Goods of:          %s, %s t, %s\n", s.Nation, money.FormatDecimal((s.MassG+50_000)/100_000, 1), s.Value.Human(false))
	fmt.Fprintf(w, "Held by:           %s\n", s.Holder)
	fmt.Fprintf(w, "Planned departure: %s\n", at(s.PlannedDeparture))
	fmt.Fprintf(w, "Dispatched:        %s\n", at(s.DispatchedAt))
	late := ""
	if s.Late(time.Now()) {
		late = " (late)"
	}
	fmt.Fprintf(w, "ETA:               %s%s\n", at(s.ETA), late)
	fmt.Fprintf(w, "Received:          %s\n", at(s.ReceivedAt))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nLEG\tFROM\tTO\tMODE\tTRANSIT\tDEPARTS\tARRIVES")
	for _, l := range s.Legs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d h\t%s\t%s\n", l.No, l.From, l.To, l.Mode, l.TransitHours, at(l.Depart), at(l.Arrive))
	}
	fmt.Fprintln(tw, "\nLINE\tNSN\tITEM\tPLEDGE\tSENT\tRECEIVED")
	for _, l := range s.Lines {
		fmt.Fprintf(tw, "%d\t%s\t%s\tP-%05d\t%d\t%d\n", l.No, l.NSN, l.ItemName, l.Pledge, l.Quantity, l.Received)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nCustody:")
	for _, e := range chain {
		fmt.Fprintf(w, "  %s  %-8s %s → %s", at(e.At), e.Action, e.From, e.To)
		if e.Site != "" {
			fmt.Fprintf(w, " at %s", e.Site)
		}
		fmt.Fprintf(w, "  (%s)", e.Actor)
		if e.Note != "" {
			fmt.Fprintf(w, " — %s", e.Note)
		}
		fmt.Fprintln(w)
	}
	if len(chain) == 0 {
		fmt.Fprintln(w, "  none yet: the shipment is planned")
	}
	if len(ds) > 0 {
		fmt.Fprintln(w, "\nDiscrepancies:")
		for _, d := range ds {
			fmt.Fprintf(w, "  %s line %d: %d %s, %s — %s", d.Ref(), d.LineNo, d.Quantity, d.Kind, d.State, d.Reason)
			if d.Resolution != "" {
				fmt.Fprintf(w, " (resolved: %s, %s)", d.Resolution, d.ResolutionNote)
			}
			fmt.Fprintln(w)
		}
	}
}

const networkUsage = `Usage:
  longhaul network export [--out FILE]
  longhaul network import FILE   (FILE - for standard input)
The CSV has one row a site (record "site", with hub limits) or a link (record
"link"); an import creates or updates sites by code and links by from, to and
mode, all or nothing.`

func runNetwork(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, networkUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("network "+sub, strings.SplitN(networkUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	out := fs.String("out", "-", "export: file to write, - for standard output")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	switch sub {
	case "export":
		if len(pos) != 0 {
			fs.Usage()
			return ErrUsage
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := db.Network(access.WithIdentity(ctx, access.System.Named("cli")))
		if err != nil {
			return err
		}
		var w io.Writer = stdio.Out
		var f *os.File
		if *out != "-" {
			if f, err = os.Create(*out); err != nil {
				return err
			}
			w = f
		}
		err = exchange.WriteNetwork(w, n)
		if f != nil {
			err = errors.Join(err, f.Close())
			if err == nil {
				fmt.Fprintf(stdio.Out, "Wrote %d sites and %d links to %s.\n", len(n.Sites), len(n.Links), *out)
			}
		}
		return err
	case "import":
		if len(pos) != 1 {
			fs.Usage()
			return ErrUsage
		}
		in := stdio.In
		if pos[0] != "-" {
			f, err := os.Open(pos[0])
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx = access.WithIdentity(ctx, access.System.Named("cli:import"))
		rows, notices, err := exchange.ReadNetwork(in)
		for _, n := range notices {
			fmt.Fprintf(stdio.Err, "%s: %s\n", pos[0], n)
		}
		var sites, links int
		if err == nil {
			sites, links, err = (&logistics.Service{Store: store.Logistics{DB: db}}).ImportNetwork(ctx, rows)
		}
		if err != nil {
			return problems(stdio, err, "Nothing was imported from "+pos[0], pos[0])
		}
		fmt.Fprintf(stdio.Out, "Imported %d rows of %s: %d sites and %d links created or updated.\n", len(rows), pos[0], sites, links)
		return nil
	}
	fmt.Fprintln(stdio.Err, networkUsage)
	return ErrUsage
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
