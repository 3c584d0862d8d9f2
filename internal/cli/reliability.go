package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/reliability"
	"github.com/longhaul/longhaul/internal/report"
)

const reliabilityUsage = `reliability [--db FILE|URL] [--nation DEU] [--by nation|channel|capability] [--csv]

Prints how the nations keep their promised dates, as of today: per nation,
channel or capability area and in all, the pledge lines judged (delivered in
full, or past their promised date), the shares of lines and of value
delivered by the promised date, the median and 90th-percentile slip in days
(from the promised date to the last unit's arrival), and the lines overdue
by days past the promise; then the same by the quarter of the promised
date. --csv writes the figures as CSV, a row a group and a row for each of
its quarters, the row of every line last. docs/reliability.md defines them.`

func runReliability(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("reliability", reliabilityUsage, stdio)
	dsn := dbFlag(fs)
	nation := fs.String("nation", "", "only this nation's pledges, by its code, e.g. DEU")
	by := fs.String("by", reliability.ByNation, "group by nation, channel or capability (area)")
	asCSV := fs.Bool("csv", false, "write CSV")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &reliability.Service{Facts: db}
	r, err := svc.Measure(ctx, reliability.Query{Nation: *nation, By: *by}, time.Now())
	if err != nil {
		return problems(stdio, err, "No figures", "reliability")
	}
	if *asCSV {
		return reliability.WriteCSV(stdio.Out, r)
	}
	return writeReliability(stdio.Out, r)
}

// writeReliability prints r for a person, in the review's words.
func writeReliability(w io.Writer, r reliability.Report) error {
	of := ""
	if r.Nation != "" {
		of = " of " + r.All.Label
	}
	fmt.Fprintf(w, "Promise reliability%s by %s as of %s (%s)\n", of, r.By, r.AsOf, r.Marking)
	head := []string{"LINES JUDGED", "ON TIME", "VALUE ON TIME", "MEDIAN SLIP", "P90 SLIP", "OVERDUE"}
	for _, b := range reliability.Buckets {
		head = append(head, strings.ToUpper(b.Words))
	}
	head = append(head, "NOT YET DUE")
	table := func(first string, rows [][]string) error {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, first+"\t"+strings.Join(head, "\t"))
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		return tw.Flush()
	}
	var rows [][]string
	for _, g := range append(append([]reliability.Group(nil), r.Groups...), r.All) {
		rows = append(rows, append([]string{g.Label}, report.ReliabilityCells(g.Figures)...))
	}
	if err := table(strings.ToUpper(r.By), rows); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nBy the quarter of the promised date:")
	rows = nil
	for _, q := range r.All.Quarters {
		rows = append(rows, append([]string{q.Quarter}, report.ReliabilityCells(q.Figures)...))
	}
	if err := table("QUARTER", rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nLines judged: delivered in full or past the promised date. On time: delivered in full by it; value on time counts the units delivered by it,\nlines of undisclosed value in the lines only. Slip in days to the last unit's arrival, early counting 0. Withdrawn quantities count nowhere.")
	return err
}
