package forecast

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// Reader reads the lines and flags the reader of ctx may see.
type Reader interface {
	ForecastLines(ctx context.Context) ([]Line, error)
	RiskFlags(ctx context.Context, f FlagFilter) ([]Flag, error)
}

// Tx is what the early-warning check needs of one transaction: every
// line, unfiltered, and the open flags to compare with.
type Tx interface {
	Now() time.Time
	ForecastLines(ctx context.Context) ([]Line, error)
	OpenFlags(ctx context.Context) ([]Flag, error)
	SaveFlag(ctx context.Context, f *Flag) error
	Audit(ctx context.Context, r audit.Record) error
}

// Store runs one transaction.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service forecasts the ledger's open lines as a reader sees them, and
// keeps the early warnings in history.
type Service struct {
	Store Store
	Read  Reader
}

// Entry is an open line with its forecast and, when its promise is at
// risk, why, with the open flag that keeps it in history.
type Entry struct {
	Line     Line     `json:"line"`
	Forecast Forecast `json:"forecast"`
	Risk     *Risk    `json:"risk,omitempty"`
	Flag     *Flag    `json:"flag,omitempty"`
}

// Outlook is every open line the reader may see with its forecast and
// risk on one day, from the history the reader may see.
type Outlook struct {
	Today   Day
	Entries []Entry
	byLine  map[int64]int
}

// Outlook forecasts, on day today, every open line the reader of ctx may
// see, from the history the same reader may see, and assesses each line's
// promise with the early-warning rule.
func (s *Service) Outlook(ctx context.Context, today Day) (*Outlook, error) {
	o, err := s.Forecasts(ctx, today)
	if err != nil {
		return nil, err
	}
	flags, err := s.Read.RiskFlags(ctx, FlagFilter{Open: true})
	if err != nil {
		return nil, err
	}
	for i := range flags {
		if j, ok := o.byLine[flags[i].Line]; ok {
			o.Entries[j].Flag = &flags[i]
		}
	}
	return o, nil
}

// Forecasts is Outlook without the flags kept in history: for a reader
// that needs only the forecasts and risks.
func (s *Service) Forecasts(ctx context.Context, today Day) (*Outlook, error) {
	lines, err := s.Read.ForecastLines(ctx)
	if err != nil {
		return nil, err
	}
	return assess(lines, today), nil
}

// assess forecasts every open line of lines on day today and applies the
// early-warning rule, all from the history of lines.
func assess(lines []Line, today Day) *Outlook {
	m := NewModel(lines)
	return assessWith(lines, today, func(*Line) *Model { return m })
}

// assessWith is assess with the history of each open line from model.
func assessWith(lines []Line, today Day, model func(l *Line) *Model) *Outlook {
	o := &Outlook{Today: today, byLine: map[int64]int{}}
	for i := range lines {
		l := &lines[i]
		if !l.Open() {
			continue
		}
		m := model(l)
		e := Entry{Line: *l, Forecast: m.Forecast(l, today)}
		lead, known := m.LeadTime(l, today)
		if r, at := Assess(l, &e.Forecast, lead, known, today); at {
			e.Risk = &r
		}
		o.byLine[l.ID] = len(o.Entries)
		o.Entries = append(o.Entries, e)
	}
	return o
}

// assessShared is assess for the early-warning check, which sees every
// line: each open line is forecast from the history that every reader who
// may see it may see too (lines marked no higher and released at least as
// widely), so that a flag, shown to a reader of its line, holds no figure
// drawn from what that reader may not see.
func assessShared(lines []Line, today Day) *Outlook {
	models := map[string]*Model{}
	return assessWith(lines, today, func(l *Line) *Model {
		k := fmt.Sprint(l.Marking.Classification, l.Nation, l.Marking.ReleasableTo)
		if m, ok := models[k]; ok {
			return m
		}
		var shared []Line
		for i := range lines {
			if seenWith(&lines[i], l) {
				shared = append(shared, lines[i])
			}
		}
		models[k] = NewModel(shared)
		return models[k]
	})
}

// seenWith reports whether every reader who may see line l may see line
// h: h is marked no higher, and released to every nation l is (access's
// rule: the owner, and the nations released to, or every nation when the
// list is empty).
func seenWith(h, l *Line) bool {
	if h.Marking.Classification > l.Marking.Classification {
		return false
	}
	if len(h.Marking.ReleasableTo) == 0 {
		return true
	}
	if len(l.Marking.ReleasableTo) == 0 {
		return false
	}
	for _, n := range append([]string{l.Nation}, l.Marking.ReleasableTo...) {
		if n != h.Nation && !slices.Contains(h.Marking.ReleasableTo, n) {
			return false
		}
	}
	return true
}

// Line returns the entry of open line id.
func (o *Outlook) Line(id int64) (Entry, bool) {
	i, ok := o.byLine[id]
	if !ok {
		return Entry{}, false
	}
	return o.Entries[i], true
}

// Pledge returns the entries of the open lines of pledge id, by line.
func (o *Outlook) Pledge(id int64) []Entry {
	out := []Entry{}
	for _, e := range o.Entries {
		if e.Line.Pledge == id {
			out = append(out, e)
		}
	}
	return out
}

// AtRisk returns the entries at risk, of nation when it is not empty, the
// soonest promised first.
func (o *Outlook) AtRisk(nation string) []Entry {
	out := []Entry{}
	for _, e := range o.Entries {
		if e.Risk != nil && (nation == "" || e.Line.Nation == nation) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Line.Promised, b.Line.Promised), cmp.Compare(a.Line.Pledge, b.Line.Pledge), cmp.Compare(a.Line.No, b.Line.No))
	})
	return out
}

// Allocation is a quantity of a line set against a requirement, and how
// much of it has been delivered.
type Allocation struct {
	Line      int64
	Quantity  int64
	Delivered int64
}

// Fulfilment is when a requirement is expected to be met: the latest of
// the forecasts of the lines allocated to it with something still to
// deliver, each of Expected, Low and High the latest among the lines'.
type Fulfilment struct {
	Expected Day `json:"expected,omitempty"`
	Low      Day `json:"low,omitempty"`
	High     Day `json:"high,omitempty"`
	// Lines is how many allocated lines have something to deliver, and
	// Unforecast how many of them have no forecast.
	Lines      int `json:"lines"`
	Unforecast int `json:"unforecast"`
	// Unallocated is the quantity no line is allocated to yet: until it
	// is, the requirement has no date.
	Unallocated int64 `json:"unallocated"`
	// Delivered says every allocated unit is delivered.
	Delivered bool `json:"delivered"`
}

// OK reports whether the fulfilment has a date: every line to deliver has
// a forecast and nothing is left to allocate.
func (f Fulfilment) OK() bool {
	return f.Expected != 0 && f.Unforecast == 0 && f.Unallocated == 0
}

// Fulfilment is the expected fulfilment of a requirement of quantity
// whose allocations are allocs.
func (o *Outlook) Fulfilment(quantity int64, allocs []Allocation) Fulfilment {
	f := Fulfilment{Unallocated: quantity}
	for _, a := range allocs {
		f.Unallocated -= a.Quantity
		if a.Delivered >= a.Quantity {
			continue
		}
		f.Lines++
		e, ok := o.Line(a.Line)
		if !ok || !e.Forecast.OK() {
			f.Unforecast++
			continue
		}
		f.Expected, f.Low, f.High = max(f.Expected, e.Forecast.Expected), max(f.Low, e.Forecast.Low), max(f.High, e.Forecast.High)
	}
	f.Unallocated = max(f.Unallocated, 0)
	f.Delivered = f.Lines == 0 && len(allocs) > 0
	return f
}

// Backtest replays the history the reader of ctx may see from day from to
// day to (see Backtest); a zero from starts on the first day with enough
// history.
func (s *Service) Backtest(ctx context.Context, from, to Day) (Report, error) {
	lines, err := s.Read.ForecastLines(ctx)
	if err != nil {
		return Report{}, err
	}
	if from == 0 {
		from = FirstDay(lines)
		if from == 0 {
			return Report{To: to, Nations: []Score{}}, nil
		}
	}
	if from > to {
		return Report{}, fault.Field("from", "%s is after %s, the last day with an outcome", from, to)
	}
	r := Backtest(lines, from, to)
	if r.Nations == nil {
		r.Nations = []Score{}
	}
	return r, nil
}

// MayCheck says who runs the early-warning check: the system (the server
// and the command line) or a coordinator.
func MayCheck(ctx context.Context) error {
	id := access.IdentityFrom(ctx)
	if id.Has(access.Coordinator) || id.Via == "system" {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "%s may not run the early-warning check: only a coordinator may", id.Name)
}

// CheckResult is what one early-warning check changed.
type CheckResult struct {
	Day     Day    `json:"day"`
	Open    int    `json:"open"` // flags open after the check
	Flagged []Flag `json:"flagged"`
	Closed  []Flag `json:"closed"`
}

// Check is the early-warning check, in one transaction: on the day of the
// transaction it forecasts every open line from the history every reader
// of the line may see (assessShared), flags each line the rule finds at risk that has no open flag
// (the day, the reason and by how much), and closes each open flag whose
// line is no longer at risk, saying how: delivered, withdrawn, overdue
// (its promised date passed) or cleared. A line whose reason changes has
// its flag closed as cleared and a new one opened. Each flag opened or
// closed is audited on its pledge. It runs as the system or a coordinator;
// the server runs it at start and every hour, so that a line is flagged on
// the day its forecast or its shipment's ETA passes its promised date.
func (s *Service) Check(ctx context.Context) (CheckResult, error) {
	if err := MayCheck(ctx); err != nil {
		return CheckResult{}, err
	}
	var out CheckResult
	err := s.Store.Transact(ctx, func(tx Tx) error {
		out = CheckResult{Flagged: []Flag{}, Closed: []Flag{}}
		today := DayOf(tx.Now())
		out.Day = today
		lines, err := tx.ForecastLines(ctx)
		if err != nil {
			return err
		}
		open, err := tx.OpenFlags(ctx)
		if err != nil {
			return err
		}
		o := assessShared(lines, today)
		all := map[int64]*Line{}
		for i := range lines {
			all[lines[i].ID] = &lines[i]
		}
		flagged := map[int64]bool{}
		for i := range open {
			f := open[i]
			e, isOpen := o.Line(f.Line)
			if isOpen && e.Risk != nil && e.Risk.Reason == f.Reason {
				flagged[f.Line] = true
				out.Open++
				continue
			}
			f.ClosedOn, f.ClosedDays = today, f.Days
			switch l := all[f.Line]; {
			case isOpen && e.Risk != nil:
				f.Outcome, f.ClosedDays = OutcomeCleared, e.Risk.Days
			case isOpen && l.Promised != 0 && today > l.Promised:
				f.Outcome = OutcomeOverdue
			case isOpen:
				f.Outcome = OutcomeCleared
			case l != nil && l.Delivered >= l.Pledged && l.Pledged > 0:
				f.Outcome = OutcomeDelivered
			default:
				f.Outcome = OutcomeWithdrawn
			}
			if err := tx.SaveFlag(ctx, &f); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "pledge.risk_closed", Entity: "pledge", EntityID: audit.ID(f.Pledge), Before: open[i], After: f}); err != nil {
				return err
			}
			out.Closed = append(out.Closed, f)
		}
		for _, e := range o.Entries {
			if e.Risk == nil || flagged[e.Line.ID] {
				continue
			}
			f := Flag{Pledge: e.Line.Pledge, Line: e.Line.ID, LineNo: e.Line.No, Nation: e.Line.Nation, Reason: e.Risk.Reason, Words: e.Risk.Words,
				Days: e.Risk.Days, Shipment: e.Risk.Shipment, FlaggedOn: today, Marking: e.Line.Marking}
			if err := tx.SaveFlag(ctx, &f); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "pledge.at_risk", Entity: "pledge", EntityID: audit.ID(f.Pledge), After: f}); err != nil {
				return err
			}
			out.Flagged = append(out.Flagged, f)
			out.Open++
		}
		return nil
	})
	return out, err
}
