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
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/store"
)

const readinessUsage = `Usage:
  longhaul readiness [--csv]
  longhaul readiness show CP-00001
Lists every capability package with how many complete systems are ready
against those wanted, what is missing and when what is planned closes the
last gap; with --csv, one row an element, marked on its first line. show
prints one package element by element: what is there, what is missing,
and what is planned with its date.`

func readinessService(db *store.DB) *readiness.Service {
	return &readiness.Service{Store: store.Readiness{DB: db}, Read: store.Readiness{DB: db}, Forecast: readinessForecasts{forecastService(db)}}
}

// readinessForecasts dates readiness's open lines by the forecasts.
type readinessForecasts struct{ svc *forecast.Service }

func (r readinessForecasts) Expect(ctx context.Context, today string) (map[int64]readiness.Expectation, error) {
	d, err := forecast.ParseDay(today)
	if err != nil {
		return nil, err
	}
	o, err := r.svc.Forecasts(ctx, d)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]readiness.Expectation, len(o.Entries))
	for _, e := range o.Entries {
		if f := e.Forecast; f.OK() {
			out[e.Line.ID] = readiness.Expectation{Expected: f.Expected.String(), Low: f.Low.String(), High: f.High.String()}
		}
	}
	return out, nil
}

func runReadiness(ctx context.Context, args []string, env Env, stdio IO) error {
	show := len(args) > 0 && args[0] == "show"
	name := "readiness"
	if show {
		args, name = args[1:], "readiness show"
	}
	fs := flags(name, strings.SplitN(readinessUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	asCSV := fs.Bool("csv", false, "write CSV, one row an element")
	pos, err := parse(fs, args, env)
	if err != nil {
		return err
	}
	if (show && len(pos) != 1) || (!show && len(pos) != 0) {
		fmt.Fprintln(stdio.Err, readinessUsage)
		return ErrUsage
	}
	var id int64
	if show {
		if id, err = readiness.ParseRef(pos[0]); err != nil {
			fmt.Fprintf(stdio.Err, "longhaul readiness show: %q is not a package such as CP-00001\n", pos[0])
			return ErrUsage
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:readiness"))
	today := time.Now().UTC().Format("2006-01-02")
	svc := readinessService(db)
	if show {
		a, err := svc.Assess(ctx, id, today)
		if err != nil {
			return problems(stdio, err, "No such package", pos[0])
		}
		if *asCSV {
			return writeReadinessCSV(stdio.Out, []readiness.Assessment{a})
		}
		printAssessment(stdio.Out, a)
		return nil
	}
	as, err := svc.AssessAll(ctx, today)
	if err != nil {
		return err
	}
	if *asCSV {
		return writeReadinessCSV(stdio.Out, as)
	}
	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REF\tPACKAGE\tCAPABILITY\tREADY\tWANTED\tMISSING\tREADY BY\tMARKING")
	for _, a := range as {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", a.Package.Ref(), a.Package.Name, a.Package.Capability, a.Ready, a.Package.Wanted, missing(a), readyBy(a), a.Marking.Short())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "%d package%s.\n", len(as), plural(len(as)))
	return nil
}

// missing is what a package lacks, element by element, in words.
func missing(a readiness.Assessment) string {
	var out []string
	for _, e := range a.Elements {
		if e.Missing > 0 {
			out = append(out, fmt.Sprintf("%d %s", e.Missing, elementLabel(e)))
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "; ")
}

func elementLabel(e readiness.ElementState) string {
	if e.Label != "" {
		return e.Label
	}
	return e.Target
}

// readyBy is when the package is ready, in words.
func readyBy(a readiness.Assessment) string {
	switch {
	case a.Complete:
		return "now"
	case a.ReadyBy == "":
		return "no date"
	case a.Overdue:
		return a.ReadyBy + " (overdue)"
	}
	return a.ReadyBy
}

var kindWords = map[string]string{readiness.Item: "Item", readiness.Crew: "Trained crews", readiness.Facility: "Repair facility"}

var sourceWords = map[string]string{readiness.FromRegister: "the equipment register", readiness.FromLedger: "deliveries", readiness.FromTraining: "training", readiness.FromRepair: "repair facilities"}

func printAssessment(w io.Writer, a readiness.Assessment) {
	p := a.Package
	fmt.Fprintf(w, "%s  %s  (%s)\n", p.Ref(), p.Name, a.Marking)
	when := "ready by " + readyBy(a)
	switch {
	case a.Complete:
		when = "ready now"
	case a.ReadyBy == "":
		when = "no date: a gap has no dated plan"
	}
	fmt.Fprintf(w, "%s; %d of %d wanted ready; %s\n", strings.ReplaceAll(p.Capability, "_", " "), a.Ready, p.Wanted, when)
	for _, s := range a.Outlook {
		fmt.Fprintf(w, "  from %s: %d ready\n", s.Date, s.Ready)
	}
	for _, e := range a.Elements {
		fmt.Fprintf(w, "\n%s", kindWords[e.Kind])
		if e.Label != "" {
			fmt.Fprintf(w, ": %s", e.Label)
		}
		fmt.Fprintf(w, " — %s %s (counted from %s)\n", e.Target, e.Name, sourceWords[e.Source])
		gap := e.Status
		switch e.Status {
		case readiness.Planned:
			gap = "closes " + e.ClosesOn
			if e.Overdue {
				gap += " (counting on a plan that is overdue)"
			}
		case readiness.Unplanned:
			gap = fmt.Sprintf("no plan for %d", e.Unplanned)
		case readiness.Undated:
			gap = "planned, not all of it dated"
		}
		fmt.Fprintf(w, "  a system needs %d, the %d wanted %d: %d there, %d missing; %s\n", e.Quantity, p.Wanted, e.Needed, e.Available, e.Missing, gap)
		for _, h := range e.Have {
			fmt.Fprintf(w, "  there:   %s\n", h.What)
		}
		for _, pl := range e.Planned {
			when := pl.Date
			if when == "" {
				when = "no date"
			} else if pl.Overdue {
				when += " (overdue)"
			}
			basis := pl.Basis
			if pl.Basis == readiness.BasisForecast {
				if pl.Low != pl.High {
					basis += fmt.Sprintf(", 80%%: %s to %s", pl.Low, pl.High)
				}
				if pl.Promised != "" {
					basis += ", promised " + pl.Promised
				}
			}
			fmt.Fprintf(w, "  planned: %d by %s, %s (%s)\n", pl.Quantity, when, pl.What, basis)
		}
	}
}

// readinessColumns are the columns of the CSV: the package's, then the
// element's.
var readinessColumns = []string{"package", "name", "capability", "wanted", "ready", "complete", "ready_by", "element", "kind", "target", "target_name", "label",
	"source", "quantity", "needed", "available", "missing", "status", "closes_on", "unplanned", "classification"}

// writeReadinessCSV writes the assessments one row an element, marked on
// its first line with the highest classification they hold.
func writeReadinessCSV(w io.Writer, as []readiness.Assessment) error {
	c := access.Unclassified
	for _, a := range as {
		c = max(c, a.Marking)
	}
	if _, err := io.WriteString(w, "# "+c.String()+"\n"); err != nil {
		return err
	}
	cw := exchange.NewWriter(w)
	cw.Write(readinessColumns)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, a := range as {
		p := a.Package
		for i, e := range a.Elements {
			cw.Write([]string{p.Ref(), p.Name, p.Capability, n(p.Wanted), n(a.Ready), strconv.FormatBool(a.Complete), a.ReadyBy, strconv.Itoa(i + 1), e.Kind, e.Target, e.Name, e.Label,
				e.Source, n(e.Quantity), n(e.Needed), n(e.Available), n(e.Missing), e.Status, e.ClosesOn, n(e.Unplanned), a.Marking.String()})
		}
	}
	cw.Flush()
	return cw.Error()
}
