package forecast

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// fake is the ports over memory: the lines, the flags and the audit
// records, with a fixed clock.
type fake struct {
	now    time.Time
	lines  []Line
	flags  []Flag
	events []audit.Record
}

func (f *fake) Transact(ctx context.Context, fn func(Tx) error) error {
	keep := append([]Flag(nil), f.flags...)
	n := len(f.events)
	if err := fn(f); err != nil {
		f.flags, f.events = keep, f.events[:n]
		return err
	}
	return nil
}

func (f *fake) Now() time.Time { return f.now }

func (f *fake) ForecastLines(ctx context.Context) ([]Line, error) {
	out := make([]Line, len(f.lines))
	for i := range f.lines {
		out[i] = f.lines[i]
		out[i].Carriers = append([]Carrier(nil), f.lines[i].Carriers...)
	}
	return out, nil
}

func (f *fake) OpenFlags(ctx context.Context) ([]Flag, error) {
	var out []Flag
	for _, g := range f.flags {
		if g.Open() {
			out = append(out, g)
		}
	}
	return out, nil
}

func (f *fake) RiskFlags(ctx context.Context, ff FlagFilter) ([]Flag, error) {
	var out []Flag
	for _, g := range f.flags {
		if (!ff.Open || g.Open()) && (ff.Pledge == 0 || g.Pledge == ff.Pledge) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (f *fake) SaveFlag(ctx context.Context, g *Flag) error {
	if g.ID == 0 {
		for _, h := range f.flags {
			if h.Line == g.Line && h.Open() {
				return fault.Errorf(fault.Conflict, "%s is flagged already", g.Ref())
			}
		}
		g.ID = int64(len(f.flags) + 1)
		f.flags = append(f.flags, *g)
		return nil
	}
	f.flags[g.ID-1] = *g
	return nil
}

func (f *fake) Audit(ctx context.Context, r audit.Record) error {
	f.events = append(f.events, r)
	return nil
}

var system = access.WithIdentity(context.Background(), access.System.Named("test"))

func TestAShipmentsETAMovedPastThePromiseIsFlaggedWithItsReason(t *testing.T) {
	today := MustDay("2026-11-23")
	// Germany's history: a dozen lines delivered within 40 days of the
	// pledge, 3 … 14 days after their shipment's ETA.
	var h []Line
	for i := range 12 {
		l := line(spec{"DEU", "armour", "bilateral", 0, 5, 10, 20, 26 + i})
		l.Carriers = []Carrier{{Shipment: 100 + int64(i), Dispatched: day0 + 20, ETA: day0 + 23, PlannedETA: day0 + 23, Arrived: true, Received: day0 + Day(26+i)}}
		h = append(h, l)
	}
	// The line watched: promised in 30 days, all on its way, its shipment
	// due in 5.
	watched := line(spec{"DEU", "armour", "bilateral", 0, 5, 10, 20, -1})
	watched.Reached[Pledged], watched.Reached[Committed], watched.Reached[Allocated], watched.Reached[Shipped] = today-60, today-50, today-40, today-2
	watched.Promised, watched.Shipped, watched.Nation, watched.NationName = today+30, 10, "DEU", "Germany"
	watched.Marking = access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}
	watched.Carriers = []Carrier{{Shipment: 7, Dispatched: today - 2, ETA: today + 5, PlannedETA: today + 5}}
	st := &fake{now: today.time(9), lines: append(h, watched)}
	svc := &Service{Store: st, Read: st}

	r, err := svc.Check(system)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Flagged) != 0 || len(st.flags) != 0 {
		t.Fatalf("a line on time was flagged: %+v", r.Flagged)
	}

	// The shipment is held at the border: its ETA moves 40 days, 10 past
	// the promised date.
	st.lines[len(st.lines)-1].Carriers[0].ETA = today + 40
	r, err = svc.Check(system)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Flagged) != 1 || r.Open != 1 {
		t.Fatalf("flagged %+v, open %d", r.Flagged, r.Open)
	}
	f := st.flags[0]
	if f.Line != watched.ID || f.Reason != ReasonETA || f.Days != 10 || f.Shipment != 7 || f.FlaggedOn != today || !f.Open() ||
		!strings.Contains(f.Words, "S-00007's ETA, "+(today+40).String()+", is 10 days after the promised "+(today+30).String()) {
		t.Errorf("the flag: %+v", f)
	}
	if len(st.events) != 1 || st.events[0].Action != "pledge.at_risk" || st.events[0].Entity != "pledge" {
		t.Errorf("audited %+v", st.events)
	}
	if owner, m := st.events[0].After.(Flag).AuditMarking(); owner != "DEU" || m.Classification != access.Restricted {
		t.Errorf("the flag's event is marked %s %+v, not as its pledge", owner, m)
	}

	// The next check, the next day, keeps the flag as it was first raised.
	st.now = (today + 1).time(9)
	r, err = svc.Check(system)
	if err != nil || len(r.Flagged) != 0 || len(r.Closed) != 0 || r.Open != 1 || len(st.flags) != 1 || len(st.events) != 1 {
		t.Fatalf("a second check changed the flags: %+v %v", r, err)
	}
	// The live view shows the risk with its flag.
	o, err := svc.Outlook(system, today+1)
	if err != nil {
		t.Fatal(err)
	}
	risky := o.AtRisk("")
	if len(risky) != 1 || risky[0].Risk.Reason != ReasonETA || risky[0].Flag == nil || risky[0].Flag.FlaggedOn != today {
		t.Errorf("at risk: %+v", risky)
	}

	// The shipment catches up: the flag is closed as cleared, by the days
	// it was at risk when last seen.
	st.lines[len(st.lines)-1].Carriers[0].ETA = today + 6
	st.now = (today + 3).time(9)
	r, err = svc.Check(system)
	if err != nil || len(r.Closed) != 1 || r.Open != 0 {
		t.Fatalf("closed %+v %v", r, err)
	}
	if c := st.flags[0]; c.Outcome != OutcomeCleared || c.ClosedOn != today+3 || c.ClosedDays != 10 || c.Open() {
		t.Errorf("the closed flag: %+v", c)
	}
	if len(st.events) != 2 || st.events[1].Action != "pledge.risk_closed" {
		t.Errorf("the closing was not audited: %+v", st.events)
	}
}

func TestAFlagIsClosedWithWhatBecameOfTheLine(t *testing.T) {
	today := MustDay("2026-11-23")
	at := func(edit func(l *Line)) *Line {
		l := line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, -1})
		l.Reached[Pledged], l.Promised = today-100, today+5
		l.Carriers = []Carrier{{Shipment: 9, Dispatched: today - 1, ETA: today + 8, PlannedETA: today + 8}}
		edit(&l)
		return &l
	}
	for _, c := range []struct {
		name    string
		edit    func(l *Line)
		after   Day
		outcome string
	}{
		{"delivered", func(l *Line) { l.Delivered = l.Pledged; l.Reached[Delivered] = today + 1 }, today + 1, OutcomeDelivered},
		{"withdrawn", func(l *Line) { l.Pledged = 0 }, today + 1, OutcomeWithdrawn},
		{"overdue", func(l *Line) { l.Carriers[0].Arrived = true }, today + 6, OutcomeOverdue},
		{"reason changed", func(l *Line) { l.Carriers[0].ETA = today + 1 }, today + 1, OutcomeCleared},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &fake{now: today.time(9), lines: []Line{*at(func(*Line) {})}}
			svc := &Service{Store: st, Read: st}
			if r, err := svc.Check(system); err != nil || len(r.Flagged) != 1 {
				t.Fatalf("%+v %v", r, err)
			}
			c.edit(&st.lines[0])
			st.now = c.after.time(9)
			if _, err := svc.Check(system); err != nil {
				t.Fatal(err)
			}
			if f := st.flags[0]; f.Outcome != c.outcome || f.ClosedOn != c.after {
				t.Errorf("closed %q on %s, want %q on %s", f.Outcome, f.ClosedOn, c.outcome, c.after)
			}
		})
	}
}

func TestOnlyTheSystemOrACoordinatorRunsTheCheck(t *testing.T) {
	st := &fake{now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	svc := &Service{Store: st, Read: st}
	officer := access.WithIdentity(context.Background(), access.Identity{Name: "deu-officer", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted})
	if _, err := svc.Check(officer); fault.Code(err) != fault.Forbidden {
		t.Errorf("a nation officer ran the check: %v", err)
	}
	coordinator := access.WithIdentity(context.Background(), access.Identity{Name: "coord", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret})
	if _, err := svc.Check(coordinator); err != nil {
		t.Errorf("a coordinator: %v", err)
	}
}

func TestFulfilmentIsTheLatestOfTheAllocatedLines(t *testing.T) {
	today := MustDay("2026-11-23")
	var lines []Line
	lines = append(lines, delivered(12, "DEU", "armour", "bilateral", 1, 2, 3, 40)...) // 40 … 51 days
	a := line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, -1})
	a.Reached[Pledged] = today - 10
	b := line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, -1})
	b.Reached[Pledged] = today - 1
	lines = append(lines, a, b)
	o := assess(lines, today)
	fa, _ := o.Line(a.ID)
	fb, _ := o.Line(b.ID)
	f := o.Fulfilment(30, []Allocation{{Line: a.ID, Quantity: 10}, {Line: b.ID, Quantity: 10, Delivered: 2}, {Line: lines[0].ID, Quantity: 10, Delivered: 10}})
	if f.Expected != max(fa.Forecast.Expected, fb.Forecast.Expected) || f.High != max(fa.Forecast.High, fb.Forecast.High) || f.Lines != 2 || f.Unallocated != 0 || !f.OK() {
		t.Errorf("fulfilment %+v; lines expected %s and %s", f, fa.Forecast.Expected, fb.Forecast.Expected)
	}
	if f := o.Fulfilment(50, []Allocation{{Line: a.ID, Quantity: 10}}); f.Unallocated != 40 || f.OK() || f.Expected == 0 {
		t.Errorf("partly allocated: %+v", f)
	}
	if f := o.Fulfilment(10, []Allocation{{Line: lines[0].ID, Quantity: 10, Delivered: 10}}); !f.Delivered || f.Lines != 0 {
		t.Errorf("delivered: %+v", f)
	}
}

// time is the instant at hour h of day d.
func (d Day) time(h int) time.Time {
	return time.Unix(int64(d)*86400, 0).UTC().Add(time.Duration(h) * time.Hour)
}

func TestTheCheckFlagsFromTheHistoryEveryReaderOfTheLineMaySee(t *testing.T) {
	today := MustDay("2026-11-23")
	// Germany's restricted lines, releasable to Ukraine only, took 200 …
	// 211 days; its unrestricted line was pledged 10 days ago, due in 30.
	restricted := access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}
	var lines []Line
	for _, l := range delivered(12, "DEU", "armour", "bilateral", 1, 2, 3, 200) {
		l.Marking = restricted
		lines = append(lines, l)
	}
	open := line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, -1})
	open.Reached[Pledged], open.Promised = today-10, today+30
	lines = append(lines, open)
	// A coordinator, who sees all of it, finds the line at risk live …
	if e, _ := assess(lines, today).Line(open.ID); e.Risk == nil || e.Risk.Reason != ReasonForecast || e.Risk.Classification != access.Restricted {
		t.Fatalf("live, from every line: %+v", e.Risk)
	}
	// … but the flag every reader of the line sees holds nothing drawn
	// from the restricted lines: without them there is no forecast.
	st := &fake{now: today.time(9), lines: lines}
	if r, err := (&Service{Store: st, Read: st}).Check(system); err != nil || len(r.Flagged) != 0 {
		t.Errorf("flagged from restricted history: %+v %v", r.Flagged, err)
	}
	// The restricted line itself may be forecast from the unrestricted.
	for _, c := range []struct {
		name string
		h, l access.Marking
		hn   string
		want bool
	}{
		{"both released to all", access.Marking{}, access.Marking{}, "FRA", true},
		{"history released to all", access.Marking{}, restricted, "FRA", true},
		{"history restricted, line released to all", restricted, access.Marking{}, "DEU", false},
		{"history classified higher", access.Marking{Classification: access.Secret}, restricted, "DEU", false},
		{"history released to the line's nations", access.Marking{ReleasableTo: access.Releasability{"UKR", "POL"}}, restricted, "DEU", true},
		{"history released to fewer nations", access.Marking{ReleasableTo: access.Releasability{"POL"}}, restricted, "DEU", false},
		{"the line's owner is the history's", access.Marking{ReleasableTo: access.Releasability{"UKR"}}, restricted, "DEU", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := Line{Nation: c.hn, Marking: c.h}
			l := Line{Nation: "DEU", Marking: c.l}
			if got := seenWith(&h, &l); got != c.want {
				t.Errorf("seenWith = %v, want %v", got, c.want)
			}
		})
	}
}
