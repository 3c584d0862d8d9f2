// Package reliability owns how well the nations keep the dates they
// promise. From what is known of each pledge line — its promised date,
// quantity, value and deliveries by day — it computes, once for every
// page, answer, command and report, the share of lines and of value
// delivered by the promised date, the median and 90th-percentile slip, the
// ageing of what is still undelivered past its promise and the trend by
// quarter, per nation, channel or capability area (docs/reliability.md).
//
// It is arithmetic over the lines its caller read: it counts every line it
// is given, and the store gives only those the reader may see. It never
// imports the store or HTTP.
package reliability

import (
	"cmp"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/money"
)

// The groupings of the figures.
const (
	ByNation     = "nation"
	ByChannel    = "channel"
	ByCapability = "capability"
)

// Bys lists the groupings.
var Bys = []string{ByNation, ByChannel, ByCapability}

// Line is what is known of one pledge line.
type Line struct {
	Pledge     int64
	Line       int64
	No         int
	Nation     string
	NationName string
	Channel    string
	Capability string // of the line's item
	// Promised is the pledge's promised date (YYYY-MM-DD): the last day of
	// its period when it is known only to the month, quarter or year, or
	// as a range (assist.Pledge.Promised).
	Promised string
	// Pledged is the quantity still promised, withdrawals taken off;
	// Delivered is how much of it has arrived.
	Pledged, Delivered int64
	UnitValue          money.Cents
	ValueUndisclosed   bool
	// Deliveries are the line's deliveries, oldest first; a day may have
	// several, and a correction may be negative.
	Deliveries []Delivery
}

// Delivery is a quantity of a line delivered on a day (YYYY-MM-DD).
type Delivery struct {
	On       string
	Quantity int64
}

// Bucket is a band of days past the promised date.
type Bucket struct {
	Key      string
	From, To int // days past the promise, inclusive; To 0 has no end
	Words    string
	Short    string // for a table's head under "days past the promise"
	Column   string // the CSV's name of its columns
}

// Buckets are the bands of the ageing. A line is past its promise from
// the day after the promised date, so the first band holds 1 to 30 days.
var Buckets = []Bucket{
	{Key: "0-30", From: 1, To: 30, Words: "0–30 days", Short: "0–30", Column: "overdue_0_30"},
	{Key: "31-90", From: 31, To: 90, Words: "31–90 days", Short: "31–90", Column: "overdue_31_90"},
	{Key: "91-180", From: 91, To: 180, Words: "91–180 days", Short: "91–180", Column: "overdue_91_180"},
	{Key: "181-", From: 181, Words: "over 180 days", Short: "> 180", Column: "overdue_over_180"},
}

// BucketNamed returns the bucket of key, or false.
func BucketNamed(key string) (Bucket, bool) {
	for _, b := range Buckets {
		if b.Key == key {
			return b, true
		}
	}
	return Bucket{}, false
}

// Window returns the promised dates, inclusive, of the lines that are in
// b on the day asOf; from is empty when b has no end.
func (b Bucket) Window(asOf time.Time) (from, to string) {
	day := dayOf(asOf)
	to = day.AddDate(0, 0, -b.From).Format(assist.DateLayout)
	if b.To > 0 {
		from = day.AddDate(0, 0, -b.To).Format(assist.DateLayout)
	}
	return from, to
}

// bucketOf is the index in Buckets of a line days past its promise.
func bucketOf(days int) int {
	for i, b := range Buckets {
		if days >= b.From && (b.To == 0 || days <= b.To) {
			return i
		}
	}
	return -1
}

// Age is what is still undelivered of the lines in one bucket.
type Age struct {
	Bucket   string      `json:"bucket"`
	Lines    int64       `json:"lines"`
	Quantity int64       `json:"quantity"`
	Value    money.Cents `json:"value"`
	// UndisclosedLines are lines of undisclosed value, in Lines and
	// Quantity but in no Value.
	UndisclosedLines int64 `json:"undisclosed_value_lines"`
}

// Figures are the reliability of a set of lines.
type Figures struct {
	// Lines counts the lines judged: delivered in full, or past their
	// promised date. A line neither is not yet due, and not judged.
	Lines          int64 `json:"lines_judged"`
	OnTimeLines    int64 `json:"lines_on_time"`
	OnTimeLinesPPM int64 `json:"lines_on_time_ppm"`
	// Value is the value of the lines judged, OnTimeValue that of their
	// units delivered by the promised date; lines of undisclosed value
	// are in neither, and UndisclosedLines counts them.
	Value            money.Cents `json:"value_judged"`
	OnTimeValue      money.Cents `json:"value_on_time"`
	OnTimeValuePPM   int64       `json:"value_on_time_ppm"`
	UndisclosedLines int64       `json:"undisclosed_value_lines"`
	// Delivered counts the lines delivered in full, whose slips are the
	// days from the promised date to the day their last unit arrived (0
	// when by it): the median and the 90th percentile, nearest rank, in
	// tenths of a day.
	Delivered        int64 `json:"lines_delivered"`
	MedianSlipTenths int64 `json:"median_slip_tenths"`
	P90SlipTenths    int64 `json:"p90_slip_tenths"`
	// Overdue is the ageing of the lines past their promise and not
	// delivered in full, one Age per bucket.
	Overdue []Age `json:"overdue"`
	// NotDue counts the lines not yet due and not delivered in full.
	NotDueLines int64       `json:"not_yet_due_lines"`
	NotDueValue money.Cents `json:"not_yet_due_value"`

	slips []int64
}

// OverdueLines counts the lines past their promise, in every bucket.
func (f Figures) OverdueLines() int64 {
	var n int64
	for _, a := range f.Overdue {
		n += a.Lines
	}
	return n
}

// Group is the reliability of the lines of one nation, channel or
// capability area, and of each quarter their promised dates fall in.
type Group struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Label is the group as people read it: "Germany (DEU)", "Air defence".
	Label string `json:"label"`
	Figures
	Quarters []Quarter `json:"quarters"`
}

// Quarter is the reliability of the lines promised in one quarter
// ("2025-Q1").
type Quarter struct {
	Quarter string `json:"quarter"`
	Figures
}

// Report is the reliability of the lines a reader may see, on a day, in
// groups and in all.
type Report struct {
	AsOf    string                `json:"as_of"`
	By      string                `json:"by"`
	Nation  string                `json:"nation,omitempty"`
	Marking access.Classification `json:"marking"`
	All     Group                 `json:"all"`
	Groups  []Group               `json:"groups"`
}

// outcome is what became of one line by a day.
type outcome struct {
	quarter     string
	judged      bool
	onTime      bool
	complete    bool
	slip        int64
	undisclosed bool
	value       money.Cents // of the line, when judged and disclosed
	onTimeValue money.Cents
	bucket      int // of an overdue line, -1 otherwise
	outstanding int64
	openValue   money.Cents
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func days(from, to time.Time) int64 { return int64(to.Sub(from).Hours() / 24) }

// assess judges line l on the day today. A line with nothing promised
// (withdrawn in full, or of undisclosed quantity) or without a date is no
// promise to judge: ok is false.
func assess(l Line, today time.Time) (o outcome, ok bool) {
	promised, err := time.Parse(assist.DateLayout, l.Promised)
	if err != nil || l.Pledged <= 0 {
		return o, false
	}
	o.quarter = quarterOf(promised)
	o.bucket = -1
	ds := slices.Clone(l.Deliveries)
	slices.SortStableFunc(ds, func(a, b Delivery) int { return cmp.Compare(a.On, b.On) })
	// Walk the days: the quantity there by the end of the promised day,
	// and the day the line last became complete.
	var cum, byPromise int64
	var done, last time.Time
	for i, d := range ds {
		cum += d.Quantity
		if i+1 < len(ds) && ds[i+1].On == d.On {
			continue
		}
		day, err := time.Parse(assist.DateLayout, d.On)
		if err != nil {
			continue
		}
		last = day
		if !day.After(promised) {
			byPromise = cum
		}
		switch {
		case cum < l.Pledged:
			done = time.Time{}
		case done.IsZero():
			done = day
		}
	}
	// The line's own figure says whether it is complete; its deliveries
	// say when.
	o.complete = l.Delivered >= l.Pledged
	if o.complete && done.IsZero() {
		if last.IsZero() {
			return o, false // no dated delivery: `longhaul check` reports it
		}
		done = last
	}
	byPromise = min(max(byPromise, 0), l.Pledged)
	past := promised.Before(today)
	o.judged = o.complete || past
	o.undisclosed = l.ValueUndisclosed
	if o.complete {
		o.slip = max(days(promised, done), 0)
		o.onTime = !done.After(promised)
	} else {
		o.outstanding = l.Pledged - max(l.Delivered, 0)
		if !l.ValueUndisclosed {
			o.openValue = money.Cents(int64(l.UnitValue) * o.outstanding)
		}
		if past {
			o.bucket = bucketOf(int(days(promised, today)))
		}
	}
	if o.judged && !l.ValueUndisclosed {
		o.value = money.Cents(int64(l.UnitValue) * l.Pledged)
		o.onTimeValue = money.Cents(int64(l.UnitValue) * byPromise)
	}
	return o, true
}

// quarterOf names the quarter of a day: "2025-Q1".
func quarterOf(d time.Time) string {
	return d.Format("2006") + "-Q" + string(rune('1'+(int(d.Month())-1)/3))
}

func newFigures() Figures {
	f := Figures{Overdue: make([]Age, len(Buckets))}
	for i, b := range Buckets {
		f.Overdue[i].Bucket = b.Key
	}
	return f
}

func (f *Figures) add(o outcome) {
	if o.judged {
		f.Lines++
		if o.onTime {
			f.OnTimeLines++
		}
		if o.undisclosed {
			f.UndisclosedLines++
		} else {
			f.Value += o.value
			f.OnTimeValue += o.onTimeValue
		}
	}
	if o.complete {
		f.Delivered++
		f.slips = append(f.slips, o.slip)
		return
	}
	if o.bucket >= 0 {
		a := &f.Overdue[o.bucket]
		a.Lines++
		a.Quantity += o.outstanding
		a.Value += o.openValue
		if o.undisclosed {
			a.UndisclosedLines++
		}
	} else if !o.judged {
		f.NotDueLines++
		f.NotDueValue += o.openValue
	}
}

// finish works out the shares and the slip's median and 90th percentile.
func (f *Figures) finish() {
	f.OnTimeLinesPPM = ppm(f.OnTimeLines, f.Lines)
	f.OnTimeValuePPM = ppm(int64(f.OnTimeValue), int64(f.Value))
	f.MedianSlipTenths, f.P90SlipTenths = Median(f.slips), P90(f.slips)
	f.slips = nil
}

// ppm is part of whole in parts per million, rounded down; 0 of nothing.
func ppm(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	q := new(big.Int).Mul(big.NewInt(part), big.NewInt(1_000_000))
	return q.Quo(q, big.NewInt(whole)).Int64()
}

// Median is the median of days in tenths of a day: the middle one of an
// odd count, halfway between the middle two of an even one; 0 of none.
func Median(days []int64) int64 {
	s := slices.Clone(days)
	slices.Sort(s)
	n := len(s)
	switch {
	case n == 0:
		return 0
	case n%2 == 1:
		return s[n/2] * 10
	}
	return (s[n/2-1] + s[n/2]) * 5
}

// P90 is the 90th percentile of days by nearest rank, in tenths of a day:
// the smallest of them that at least nine in ten are not above; 0 of none.
func P90(days []int64) int64 {
	s := slices.Clone(days)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[(9*len(s)+9)/10-1] * 10
}

// key is the group of l under by, and its name.
func key(l Line, by string) (k, name, label string) {
	switch by {
	case ByChannel:
		return l.Channel, assist.Label(l.Channel), assist.Label(l.Channel)
	case ByCapability:
		return l.Capability, assist.Label(l.Capability), assist.Label(l.Capability)
	}
	name = cmp.Or(l.NationName, l.Nation)
	return l.Nation, name, name + " (" + l.Nation + ")"
}

// allNames are the names of the row of every line, by grouping.
var allNames = map[string]string{ByNation: "All nations", ByChannel: "All channels", ByCapability: "All capability areas"}

// groupOf gathers the figures of one group and of its quarters.
type groupOf struct {
	g        Group
	quarters map[string]*Quarter
}

func (a *groupOf) add(o outcome) {
	a.g.add(o)
	q := a.quarters[o.quarter]
	if q == nil {
		q = &Quarter{Quarter: o.quarter, Figures: newFigures()}
		a.quarters[o.quarter] = q
	}
	q.add(o)
}

func (a *groupOf) finish() Group {
	a.g.finish()
	a.g.Quarters = []Quarter{}
	for _, q := range a.quarters {
		q.finish()
		a.g.Quarters = append(a.g.Quarters, *q)
	}
	slices.SortFunc(a.g.Quarters, func(x, y Quarter) int { return cmp.Compare(x.Quarter, y.Quarter) })
	return a.g
}

// Compute measures the reliability of lines on the day asOf, grouped by
// by (ByNation when empty), each group and the whole with their quarters.
// Groups come in the order of their names.
func Compute(lines []Line, by string, asOf time.Time) Report {
	by = cmp.Or(by, ByNation)
	today := dayOf(asOf)
	r := Report{AsOf: today.Format(assist.DateLayout), By: by, Groups: []Group{}}
	all := &groupOf{g: Group{Key: "ALL", Name: allNames[by], Label: allNames[by], Figures: newFigures()}, quarters: map[string]*Quarter{}}
	groups := map[string]*groupOf{}
	for _, l := range lines {
		o, ok := assess(l, today)
		if !ok {
			continue
		}
		k, name, label := key(l, by)
		g := groups[k]
		if g == nil {
			g = &groupOf{g: Group{Key: k, Name: name, Label: label, Figures: newFigures()}, quarters: map[string]*Quarter{}}
			groups[k] = g
		}
		g.add(o)
		all.add(o)
	}
	for _, g := range groups {
		r.Groups = append(r.Groups, g.finish())
	}
	slices.SortFunc(r.Groups, func(x, y Group) int { return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Key, y.Key)) })
	r.All = all.finish()
	return r
}

// QuarterDates returns the first and last day of a quarter ("2025-Q1"),
// or false.
func QuarterDates(quarter string) (from, to string, ok bool) {
	y, q, found := strings.Cut(quarter, "-Q")
	year, err := strconv.Atoi(y)
	if !found || err != nil || len(y) != 4 || len(q) != 1 || q[0] < '1' || q[0] > '4' {
		return "", "", false
	}
	start := time.Date(year, time.Month(int(q[0]-'1')*3+1), 1, 0, 0, 0, 0, time.UTC)
	return start.Format(assist.DateLayout), start.AddDate(0, 3, -1).Format(assist.DateLayout), true
}
