package reliability_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/reliability"
)

// today is the day every case is measured on.
var today = time.Date(2025, 7, 1, 15, 30, 0, 0, time.UTC)

// line is a line of 100 units at EUR 10.00 promised on promised, with
// deliveries "YYYY-MM-DD:QTY".
func line(nation, promised string, deliveries ...string) reliability.Line {
	l := reliability.Line{Pledge: 1, Line: 1, No: 1, Nation: nation, NationName: map[string]string{"DEU": "Germany", "FRA": "France"}[nation],
		Channel: "bilateral", Capability: "ammunition", Promised: promised, Pledged: 100, UnitValue: 10_00}
	for _, d := range deliveries {
		on, q, _ := strings.Cut(d, ":")
		var n int64
		fmt.Sscan(q, &n)
		l.Deliveries = append(l.Deliveries, reliability.Delivery{On: on, Quantity: n})
		l.Delivered += n
	}
	return l
}

func TestMedianAndP90(t *testing.T) {
	for _, c := range []struct {
		name        string
		days        []int64
		median, p90 int64 // tenths
	}{
		{"none", nil, 0, 0},
		{"one", []int64{7}, 70, 70},
		{"odd count", []int64{9, 1, 5}, 50, 90},
		{"even count: halfway between the middle two", []int64{4, 1, 2, 9}, 30, 90},
		{"even count, a half day", []int64{0, 3}, 15, 30},
		{"ten: the ninth", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 55, 90},
		{"eleven: the tenth", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 60, 100},
		{"twenty: the eighteenth", []int64{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 105, 180},
		{"one late of ten does not move it", []int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 300}, 0, 0},
		{"two late of ten do", []int64{0, 0, 0, 0, 0, 0, 0, 0, 200, 300}, 0, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := reliability.Median(c.days); got != c.median {
				t.Errorf("median of %v: %d tenths, want %d", c.days, got, c.median)
			}
			if got := reliability.P90(c.days); got != c.p90 {
				t.Errorf("90th percentile of %v: %d tenths, want %d", c.days, got, c.p90)
			}
		})
	}
}

// TestAgeingBuckets holds the bands' edges: a line is past its promise
// from the day after, and 30/31, 90/91 and 180/181 days past it fall in
// different bands.
func TestAgeingBuckets(t *testing.T) {
	for _, c := range []struct {
		daysPast int
		bucket   string // "" for not yet due
	}{
		{-10, ""}, {0, ""}, {1, "0-30"}, {30, "0-30"}, {31, "31-90"}, {90, "31-90"}, {91, "91-180"}, {180, "91-180"}, {181, "181-"}, {900, "181-"},
	} {
		t.Run(fmt.Sprintf("%d days", c.daysPast), func(t *testing.T) {
			promised := today.AddDate(0, 0, -c.daysPast).Format("2006-01-02")
			l := line("DEU", promised, promised+":40") // 60 of 100 still to come
			f := reliability.Compute([]reliability.Line{l}, "", today).All.Figures
			for _, a := range f.Overdue {
				want := a.Bucket == c.bucket
				if (a.Lines == 1) != want || (want && (a.Quantity != 60 || a.Value != 600_00)) {
					t.Errorf("bucket %s: %+v", a.Bucket, a)
				}
			}
			if c.bucket == "" && (f.NotDueLines != 1 || f.NotDueValue != 600_00 || f.Lines != 0) {
				t.Errorf("not yet due: %+v", f)
			}
			if c.bucket != "" && (f.Lines != 1 || f.OnTimeLines != 0 || f.NotDueLines != 0 || f.OverdueLines() != 1) {
				t.Errorf("overdue: %+v", f)
			}
			// The bucket's window of promised dates holds the line.
			if c.bucket != "" {
				b, _ := reliability.BucketNamed(c.bucket)
				from, to := b.Window(today)
				if promised > to || (from != "" && promised < from) {
					t.Errorf("%s is outside the window %s..%s of %s", promised, from, to, c.bucket)
				}
			}
		})
	}
}

func TestLineOutcomes(t *testing.T) {
	withdrawn := line("DEU", "2025-03-31", "2025-03-20:60")
	withdrawn.Pledged = 60 // 40 withdrawn: not undelivered
	none := line("DEU", "2025-03-31")
	none.Pledged = 0 // withdrawn in full
	undisclosed := line("DEU", "2025-03-31", "2025-03-20:100")
	undisclosed.ValueUndisclosed, undisclosed.UnitValue = true, 0
	for _, c := range []struct {
		name string
		l    reliability.Line
		want reliability.Figures // Overdue compared as the lines of each bucket
		ages [4]int64
	}{
		{"delivered in full by the promised day", line("DEU", "2025-03-31", "2025-03-31:100"),
			reliability.Figures{Lines: 1, OnTimeLines: 1, OnTimeLinesPPM: 1e6, Value: 1000_00, OnTimeValue: 1000_00, OnTimeValuePPM: 1e6, Delivered: 1}, [4]int64{}},
		{"in two parts, the last ten days late: slip on the last unit", line("DEU", "2025-03-31", "2025-04-10:40", "2025-03-20:60"),
			reliability.Figures{Lines: 1, Value: 1000_00, OnTimeValue: 600_00, OnTimeValuePPM: 600_000, Delivered: 1, MedianSlipTenths: 100, P90SlipTenths: 100}, [4]int64{}},
		{"early counts no slip", line("DEU", "2025-03-31", "2025-01-02:100"),
			reliability.Figures{Lines: 1, OnTimeLines: 1, OnTimeLinesPPM: 1e6, Value: 1000_00, OnTimeValue: 1000_00, OnTimeValuePPM: 1e6, Delivered: 1}, [4]int64{}},
		{"complete before a promise not yet due is judged on time", line("DEU", "2025-12-31", "2025-06-01:100"),
			reliability.Figures{Lines: 1, OnTimeLines: 1, OnTimeLinesPPM: 1e6, Value: 1000_00, OnTimeValue: 1000_00, OnTimeValuePPM: 1e6, Delivered: 1}, [4]int64{}},
		{"part delivered before a promise not yet due is not judged", line("DEU", "2025-12-31", "2025-06-01:30"),
			reliability.Figures{NotDueLines: 1, NotDueValue: 700_00}, [4]int64{}},
		{"a correction takes the line back below complete until the last delivery", line("DEU", "2025-03-31", "2025-03-01:100", "2025-03-15:-10", "2025-04-05:10"),
			reliability.Figures{Lines: 1, Value: 1000_00, OnTimeValue: 900_00, OnTimeValuePPM: 900_000, Delivered: 1, MedianSlipTenths: 50, P90SlipTenths: 50}, [4]int64{}},
		{"withdrawn units are not undelivered", withdrawn,
			reliability.Figures{Lines: 1, OnTimeLines: 1, OnTimeLinesPPM: 1e6, Value: 600_00, OnTimeValue: 600_00, OnTimeValuePPM: 1e6, Delivered: 1}, [4]int64{}},
		{"a line withdrawn in full is no promise", none, reliability.Figures{}, [4]int64{}},
		{"undisclosed value counts in the lines, not the value", undisclosed,
			reliability.Figures{Lines: 1, OnTimeLines: 1, OnTimeLinesPPM: 1e6, UndisclosedLines: 1, Delivered: 1}, [4]int64{}},
		{"nothing delivered, 92 days past", line("DEU", "2025-03-31"),
			reliability.Figures{Lines: 1, Value: 1000_00}, [4]int64{0, 0, 1, 0}},
		{"a bad date is no promise", line("DEU", "2025-13-01"), reliability.Figures{}, [4]int64{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := reliability.Compute([]reliability.Line{c.l}, "", today).All.Figures
			var ages [4]int64
			for i, a := range got.Overdue {
				ages[i] = a.Lines
			}
			got.Overdue = nil
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) || ages != c.ages {
				t.Errorf("got  %+v %v\nwant %+v %v", got, ages, c.want, c.ages)
			}
		})
	}
}

// TestGroupsAndQuarters measures lines of two nations over two quarters:
// each group and quarter counts its own lines, and the row of all lines
// is their sum.
func TestGroupsAndQuarters(t *testing.T) {
	fra := line("FRA", "2025-02-28", "2025-03-10:100") // Q1, 10 days late
	fra.Channel, fra.Capability = "nato", "air_defence"
	lines := []reliability.Line{
		line("DEU", "2025-01-31", "2025-01-30:100"), // Q1, on time
		line("DEU", "2025-03-31", "2025-04-30:100"), // Q1, 30 days late
		line("DEU", "2025-05-31", "2025-05-31:50"),  // Q2, half by the promise, 31 days past
		line("DEU", "2025-09-30"),                   // Q3, not yet due
		fra,
	}
	r := reliability.Compute(lines, reliability.ByNation, today)
	if r.AsOf != "2025-07-01" || len(r.Groups) != 2 || r.Groups[0].Label != "France (FRA)" || r.Groups[1].Label != "Germany (DEU)" || r.All.Name != "All nations" {
		t.Fatalf("report: %+v", r)
	}
	deu := r.Groups[1]
	if deu.Lines != 3 || deu.OnTimeLines != 1 || deu.OnTimeLinesPPM != 333_333 || deu.Delivered != 2 || deu.MedianSlipTenths != 150 || deu.P90SlipTenths != 300 ||
		deu.Value != 3000_00 || deu.OnTimeValue != 1500_00 || deu.OnTimeValuePPM != 500_000 || deu.Overdue[1].Lines != 1 || deu.NotDueLines != 1 {
		t.Errorf("Germany: %+v", deu.Figures)
	}
	var qs []string
	for _, q := range deu.Quarters {
		qs = append(qs, fmt.Sprintf("%s %d/%d %d", q.Quarter, q.OnTimeLines, q.Lines, q.NotDueLines))
	}
	if got := strings.Join(qs, ", "); got != "2025-Q1 1/2 0, 2025-Q2 0/1 0, 2025-Q3 0/0 1" {
		t.Errorf("Germany's quarters: %s", got)
	}
	all := r.All
	if all.Lines != 4 || all.OnTimeLines != 1 || all.Delivered != 3 || all.MedianSlipTenths != 100 || all.Quarters[0].Lines != 3 || all.Quarters[0].MedianSlipTenths != 100 {
		t.Errorf("all: %+v", all.Figures)
	}
	for _, c := range []struct {
		by   string
		want string
	}{
		{reliability.ByChannel, "Bilateral 4, NATO 1"},
		{reliability.ByCapability, "Air defence 1, Ammunition 4"},
	} {
		var got []string
		for _, g := range reliability.Compute(lines, c.by, today).Groups {
			got = append(got, fmt.Sprintf("%s %d", g.Label, g.Lines+g.NotDueLines))
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("by %s: %v, want %s", c.by, got, c.want)
		}
	}
}

func TestCSV(t *testing.T) {
	r := reliability.Compute([]reliability.Line{line("DEU", "2025-03-31", "2025-03-20:60", "2025-04-10:40"), line("DEU", "2025-01-31", "2025-01-31:100"), line("DEU", "2025-02-28", "2025-02-01:10")}, "", today)
	r.Marking = access.Restricted
	var buf bytes.Buffer
	if err := reliability.WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# NATO RESTRICTED\n") {
		t.Errorf("no marking line:\n%s", buf.String())
	}
	cr := csv.NewReader(&buf)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// The header, Germany and its quarter, all lines and its quarter.
	if len(rows) != 5 || strings.Join(rows[0][:7], ",") != "by,key,name,quarter,lines_judged,lines_on_time,lines_on_time_percent" {
		t.Fatalf("rows: %v", rows)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	deu := rows[1]
	for k, want := range map[string]string{"key": "DEU", "name": "Germany", "quarter": "", "lines_judged": "3", "lines_on_time": "1", "lines_on_time_percent": "33.3",
		"value_judged": "3000.00", "value_on_time": "1700.00", "value_on_time_percent": "56.7", "median_slip_days": "5.0", "p90_slip_days": "10.0",
		"overdue_91_180_lines": "1", "overdue_91_180_quantity": "90", "overdue_91_180_value": "900.00", "not_yet_due_lines": "0"} {
		if deu[col[k]] != want {
			t.Errorf("%s: %q, want %q", k, deu[col[k]], want)
		}
	}
	if rows[2][col["quarter"]] != "2025-Q1" || rows[3][col["key"]] != "ALL" || rows[3][col["lines_judged"]] != "3" {
		t.Errorf("quarter and all rows: %v", rows[2:])
	}
	empty := reliability.Compute([]reliability.Line{line("DEU", "2025-12-31")}, "", today)
	buf.Reset()
	reliability.WriteCSV(&buf, empty)
	rows, _ = csv.NewReader(strings.NewReader(strings.SplitN(buf.String(), "\n", 2)[1])).ReadAll()
	if rows[1][col["lines_on_time_percent"]] != "" || rows[1][col["median_slip_days"]] != "" {
		t.Errorf("a share of nothing should be empty, not 0: %v", rows[1])
	}
}

// fakeFacts is a store of lines for the service.
type fakeFacts struct {
	lines  []reliability.Line
	asked  string
	marked access.Classification
}

func (f *fakeFacts) DeliveryFacts(_ context.Context, nation string) ([]reliability.Line, access.Classification, error) {
	f.asked = nation
	var out []reliability.Line
	for _, l := range f.lines {
		if nation == "" || l.Nation == nation {
			out = append(out, l)
		}
	}
	return out, f.marked, nil
}

func TestMeasure(t *testing.T) {
	facts := &fakeFacts{lines: []reliability.Line{line("DEU", "2025-03-31", "2025-03-31:100"), line("FRA", "2025-03-31")}, marked: access.Restricted}
	svc := &reliability.Service{Facts: facts}
	ctx := context.Background()
	r, err := svc.Measure(ctx, reliability.Query{Nation: " deu ", By: reliability.ByCapability}, today)
	if err != nil {
		t.Fatal(err)
	}
	if facts.asked != "DEU" || r.Nation != "DEU" || r.Marking != access.Restricted || r.By != "capability" || r.All.Label != "Germany (DEU)" || r.All.Lines != 1 || len(r.Groups) != 1 || r.Groups[0].Key != "ammunition" {
		t.Errorf("Germany by capability: %+v", r)
	}
	if r, err := svc.Measure(ctx, reliability.Query{}, today); err != nil || r.By != "nation" || r.All.Lines != 2 || r.All.OnTimeLinesPPM != 500_000 {
		t.Errorf("everyone: %+v %v", r, err)
	}
	for _, q := range []reliability.Query{{By: "donor"}, {Nation: "Germany"}} {
		_, err := svc.Measure(ctx, q, today)
		if e := fault.As(err); e == nil || e.Code != fault.Invalid {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestQuarterDates(t *testing.T) {
	for _, c := range []struct{ q, from, to string }{
		{"2025-Q1", "2025-01-01", "2025-03-31"}, {"2024-Q2", "2024-04-01", "2024-06-30"}, {"2025-Q3", "2025-07-01", "2025-09-30"}, {"2025-Q4", "2025-10-01", "2025-12-31"},
		{"2025-Q5", "", ""}, {"25-Q1", "", ""}, {"2025Q1", "", ""},
	} {
		from, to, ok := reliability.QuarterDates(c.q)
		if from != c.from || to != c.to || ok != (c.from != "") {
			t.Errorf("%s: %s..%s %v", c.q, from, to, ok)
		}
	}
}
