package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/training"
)

const courseUsage = `Usage:
  longhaul course list
  longhaul course import FILE   (FILE - for standard input)
import reads courses as CSV with the header
  code,title,skill,host,site,language,interpretation,seats_per_class,min_size,prerequisite,cost_per_seat_eur
and offers them all, or none if any row is refused (every bad row is named).`

var courseColumns = []string{"code", "title", "skill", "host", "site", "language", "interpretation", "seats_per_class", "min_size", "prerequisite", "cost_per_seat_eur"}

func runCourse(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, courseUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	if sub != "list" && sub != "import" {
		fmt.Fprintln(stdio.Err, courseUsage)
		return ErrUsage
	}
	fs := flags("course "+sub, strings.SplitN(courseUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	ctx = access.WithIdentity(ctx, access.System.Named("cli:course"))
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "list" {
		cs, err := db.Courses(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tTITLE\tSKILL\tHOST\tSITE\tSEATS\tMIN\tPREREQUISITE\tCOST A SEAT")
		for _, c := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c.Code, c.Title, c.Skill, c.Host, c.Site, c.Seats, c.MinSize, c.Prerequisite, c.CostPerSeat.Human(false))
		}
		return tw.Flush()
	}
	if len(pos) != 1 {
		fmt.Fprintln(stdio.Err, "longhaul course import: give one FILE, or - for standard input")
		return ErrUsage
	}
	var in io.Reader = stdio.In
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	offers, err := readCourses(in)
	if err != nil {
		return problems(stdio, err, "Nothing was imported", "the file")
	}
	// All or nothing: a course may name an earlier one of the file as its
	// prerequisite.
	if err := (&training.Service{Store: store.Training{DB: db}}).ImportCourses(ctx, offers); err != nil {
		return problems(stdio, err, "Nothing was imported", "the file")
	}
	n := len(offers)
	fmt.Fprintf(stdio.Out, "%d courses offered.\n", n)
	return nil
}

func readCourses(in io.Reader) ([]training.Offer, error) {
	cr := csv.NewReader(in)
	cr.Comment = '#'
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fault.Field("line 1", "the file is empty: the first line must name the columns %s", strings.Join(courseColumns, ","))
	}
	if err != nil {
		return nil, fault.Field("line 1", "not CSV: %v", err)
	}
	col := map[string]int{}
	var errs fault.List
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range courseColumns {
			known = known || c == h
		}
		if !known {
			errs.Add("line 1", "column %q is not one of %s", h, strings.Join(courseColumns, ", "))
		}
		col[h] = i
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out []training.Offer
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fault.Field(fmt.Sprintf("line %d", line), "not CSV: %v", err)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		o := training.Offer{Code: get("code"), Title: get("title"), Skill: get("skill"), Host: get("host"), Site: get("site"), Language: get("language"),
			Interpretation: get("interpretation") == "true" || get("interpretation") == "yes", Prerequisite: get("prerequisite")}
		f := fmt.Sprintf("line %d", line)
		if o.Seats, err = strconv.Atoi(get("seats_per_class")); err != nil {
			errs.Add(f+".seats_per_class", "%q is not a whole number", get("seats_per_class"))
		}
		if v := get("min_size"); v != "" {
			if o.MinSize, err = strconv.Atoi(v); err != nil {
				errs.Add(f+".min_size", "%q is not a whole number", v)
			}
		}
		if v := get("cost_per_seat_eur"); v != "" {
			o.CostPerSeat = money.FieldEUR(&errs, f+".cost_per_seat_eur", v)
		}
		out = append(out, o)
	}
	return out, errs.Err()
}

const trainingUsage = `Usage:
  longhaul training plan [--horizon 365d] [--approve]
Places the cohorts waiting for seats in the classes of their skill over the
horizon (priority first, then lateness, then graduation just before the
crewed system arrives), prints the plan, the trainees not placed with the
reason and the classes left under their minimum size, and with --approve
enrols them.`

func runTraining(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, trainingUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	if sub != "plan" {
		fmt.Fprintln(stdio.Err, trainingUsage)
		return ErrUsage
	}
	fs := flags("training plan", strings.SplitN(trainingUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	horizon := fs.String("horizon", "365d", "days over which classes count")
	approve := fs.Bool("approve", false, "enrol the placed trainees")
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSuffix(*horizon, "d"))
	if err != nil || days < 7 || days > 730 {
		fmt.Fprintf(stdio.Err, "longhaul training plan: --horizon %q: write a number of days from 7 to 730, e.g. 365d\n", *horizon)
		return ErrUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:training"))
	start := time.Now().UTC().Truncate(time.Second)
	in, fp, err := db.TrainingPlanInput(ctx, start, days)
	if err != nil {
		return err
	}
	t0 := time.Now()
	p, err := training.Plan(in)
	if err != nil {
		return err
	}
	waiting := 0
	for _, c := range in.Cohorts {
		waiting += c.Size
	}
	placed := 0
	for _, e := range p.Enrolments {
		placed += e.Trainees
	}
	fmt.Fprintf(stdio.Out, "Training plan over %d days, made in %s: %d of %d waiting trainees placed.\n", days, time.Since(t0).Round(100*time.Microsecond), placed, waiting)
	tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCOHORT\tCLASS\tTRAINEES\tDAYS LATE\tAGAINST ITS SYSTEM")
	for _, e := range p.Enrolments {
		sys := ""
		if e.Misplaced {
			sys = fmt.Sprintf("%d days", e.Gap)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\n", e.Cohort, e.Class, e.Trainees, e.DaysLate, sys)
	}
	tw.Flush()
	for _, u := range p.Unplaced {
		fmt.Fprintf(stdio.Out, "  cohort %d, %d trainees: %s\n", u.Cohort, u.Trainees, u.Reason)
	}
	if len(p.UnderMin) > 0 {
		fmt.Fprintf(stdio.Out, "Under their minimum size after the plan: classes %v.\n", p.UnderMin)
	}
	if !*approve {
		return nil
	}
	n, err := (&training.Service{Store: store.Training{DB: db}}).Approve(ctx, p, fp, start, days)
	if err != nil {
		return problems(stdio, err, "Nothing was approved", "the training plan")
	}
	fmt.Fprintf(stdio.Out, "\nApproved: %d enrolments.\n", n)
	return nil
}
