package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
)

const pledgeUsage = `Usage:
  longhaul pledge show REF
  longhaul pledge pay REF --stage committed|disbursed --amount EUR --date YYYY-MM-DD --evidence TEXT
  longhaul pledge revalue REF [--line N] [--eur EUR] [--currency ISO --original FIGURE --rate PER_EUR --rate-date YYYY-MM-DD] [--basis BASIS] [--source TEXT] --reason TEXT
REF is a pledge's id or reference (P-00012). pay records part of a pledge's money
committed (contracted or set to a purpose) or disbursed (paid out) on a date, with
its evidence; the money disbursed counts in the accounts of its year. revalue
changes the euro figure of the pledge's amount (no --line) or of line N's unit
value, with where the new figure comes from and why: a figure in another currency
with its rate gives the euro figure (leave --eur out), and one given that differs
is refused; BASIS is official, price_list, replacement_cost, book_value or
estimate. The pledge keeps every revaluation. Amounts may be written as people
write them (1250.50, 1.250,50, 1 250,50); 1,250 is refused as ambiguous.`

func runPledge(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, pledgeUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("pledge "+sub, strings.SplitN(pledgeUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	stage := fs.String("stage", "", "pay: committed or disbursed")
	amount := fs.String("amount", "", "pay: the amount in euros")
	date := fs.String("date", "", "pay: the day it was committed or disbursed")
	evidence := fs.String("evidence", "", "pay: a contract, payment order, report or address where it can be checked")
	line := fs.Int("line", 0, "revalue: the line whose unit value changes; none for the amount")
	eur := fs.String("eur", "", "revalue: the new figure in euros; none to take the conversion")
	currency := fs.String("currency", "", "revalue: the ISO 4217 code of a figure in another currency")
	original := fs.String("original", "", "revalue: the figure in that currency")
	rate := fs.String("rate", "", "revalue: units of that currency per euro")
	rateDate := fs.String("rate-date", "", "revalue: the day of the rate")
	basis := fs.String("basis", "", "revalue: official, price_list, replacement_cost, book_value or estimate")
	source := fs.String("source", "", "revalue: where the new figure can be checked")
	reason := fs.String("reason", "", "revalue: why the figure changes")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	if (sub != "show" && sub != "pay" && sub != "revalue") || len(pos) != 1 {
		fmt.Fprintln(stdio.Err, pledgeUsage)
		return ErrUsage
	}
	id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(pos[0])), "P-"), "0"), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("%q is not a pledge: give its id or reference, e.g. P-00012", pos[0])
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli"))
	var p assist.Pledge
	switch sub {
	case "revalue":
		var read fault.List
		r := assist.Revaluation{Line: *line, EUR: money.FieldEUR(&read, "eur", *eur), Reason: *reason,
			Valuation: assist.Valuation{Currency: *currency, Original: money.Cents(money.FieldDecimal(&read, "original", *original, 2)), Rate: *rate, RateDate: *rateDate, Basis: *basis, Source: *source}}
		led := &assist.Service{Store: store.Assist{DB: db}}
		if err := read.Err(); err != nil {
			// What did read is checked too, and nothing is saved.
			err = fault.Also(err, led.CheckRevaluation(ctx, id, 0, r))
			return problems(stdio, err, "Nothing was revalued", pos[0])
		}
		if p, err = led.Revalue(ctx, id, 0, r); err != nil {
			return problems(stdio, err, "Nothing was revalued", pos[0])
		}
		last := p.Revaluations[len(p.Revaluations)-1]
		fmt.Fprintf(stdio.Out, "Revalued %s of %s: %s, was %s.\n", last.What(), p.Ref(), last.EUR.Human(false), last.Was.Human(false))
	case "pay":
		var read fault.List
		pay := assist.Payment{Stage: *stage, Amount: money.FieldEUR(&read, "amount", *amount), Date: *date, Evidence: *evidence}
		if read.Err() != nil {
			pay.Amount = 0 // refused by Pay, which reports the other problems too
		}
		led := &assist.Service{Store: store.Assist{DB: db}}
		p, err = led.Pay(ctx, id, 0, pay)
		if read.Err() != nil {
			err = fault.Also(read.Err(), err)
		}
		if err != nil {
			return problems(stdio, err, "Nothing was recorded", pos[0])
		}
		last := p.Payments[len(p.Payments)-1]
		fmt.Fprintf(stdio.Out, "Recorded %s %s on %s for %s.\n", last.Amount.Human(false), last.Stage, last.Date, p.Ref())
	default:
		if p, err = db.Pledge(ctx, id); err != nil {
			return err
		}
	}
	showPledge(stdio.Out, p)
	return nil
}

// showPledge prints a pledge, its lines and its money for a person.
func showPledge(w io.Writer, p assist.Pledge) {
	pledged, delivered, accepted := p.Value()
	fmt.Fprintf(w, "%s %s\n%s · %s · %s · %s\n", p.Ref(), p.Title, p.Nation, assist.Label(p.Kind), assist.Label(p.Channel), p.State())
	fmt.Fprintf(w, "Announced %s, promised %s\n", p.AnnouncedWords(), p.PromisedWords())
	if p.ValueUndisclosed {
		fmt.Fprintln(w, "Value not disclosed by the donor: in no total.")
	} else {
		fmt.Fprintf(w, "Value %s, delivered %s, accepted %s\n", pledged.Human(false), delivered.Human(false), accepted.Human(false))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(p.Lines) > 0 {
		fmt.Fprintln(tw, "LINE\tITEM\tPLEDGED\tCOMMITTED\tALLOCATED\tSHIPPED\tDELIVERED\tACCEPTED")
		for _, l := range p.Lines {
			fmt.Fprintf(tw, "%d\t%s %s\t%d\t%d\t%d\t%d\t%d\t%d\n", l.No, l.NSN, l.ItemName, l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted)
		}
		tw.Flush()
		fmt.Fprintln(tw, "LINE\tUNIT VALUE\tWHERE IT COMES FROM")
		for _, l := range p.Lines {
			value := l.UnitValue.Human(false)
			if l.ValueUndisclosed {
				value = "undisclosed"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\n", l.No, value, l.Valuation.Words())
		}
		tw.Flush()
	}
	if p.Amount > 0 {
		fmt.Fprintf(w, "The money's figure: %s — %s\n", p.Amount.In(""), p.AmountValuation.Words())
		fmt.Fprintf(w, "Money %s: committed %s, disbursed %s (%s)\n", p.Amount.Human(false), p.AmountCommitted.Human(false), p.AmountDisbursed.Human(false), p.MoneyState())
		if len(p.Payments) > 0 {
			fmt.Fprintln(tw, "DATE\tSTAGE\tAMOUNT\tEVIDENCE\tBY")
			for _, pay := range p.Payments {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pay.Date, pay.Stage, pay.Amount.Human(false), pay.Evidence, pay.RecordedBy)
			}
			tw.Flush()
		}
	}
	if len(p.Revaluations) > 0 {
		fmt.Fprintln(tw, "REVALUED\tFIGURE\tWAS\tNOW\tWHERE IT COMES FROM\tREASON\tBY")
		for _, r := range p.Revaluations {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RecordedAt.UTC().Format("2006-01-02"), r.What(), r.Was.Human(false), r.EUR.Human(false), r.Valuation.Words(), r.Reason, r.RecordedBy)
		}
		tw.Flush()
	}
}
