package forecast

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
)

func TestDayRoundTrip(t *testing.T) {
	for _, s := range []string{"2000-01-01", "2024-02-29", "2026-12-31", "2100-03-01"} {
		d, err := ParseDay(s)
		if err != nil || d.String() != s {
			t.Errorf("%s: %d %q %v", s, d, d.String(), err)
		}
	}
	if d, err := ParseDay("2026-11-23T09:00:00Z"); err != nil || d != MustDay("2026-11-23") {
		t.Errorf("an instant's day: %v %v", d, err)
	}
	if MustDay("2026-03-01")-MustDay("2026-02-28") != 1 || MustDay("2024-03-01")-MustDay("2024-02-28") != 2 {
		t.Error("days do not count across the end of February")
	}
	if _, err := ParseDay("23.11.2026"); err == nil {
		t.Error("a date not written YYYY-MM-DD was read")
	}
	if d, _ := ParseDay(""); d != 0 || d.String() != "" {
		t.Errorf("the empty date is %d %q", d, d.String())
	}
}

func TestQuantileIsTheNearestRank(t *testing.T) {
	ten := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct {
		name   string
		sample []int
		ppm    int
		want   int
	}{
		{"one value is every quantile", []int{7}, 100_000, 7},
		{"one value, the 90th", []int{7}, 900_000, 7},
		{"the 10th of ten is the first", ten, 100_000, 1},
		{"the median of ten is the fifth", ten, 500_000, 5},
		{"the 90th of ten is the ninth", ten, 900_000, 9},
		{"the 100th is the largest", ten, 1_000_000, 10},
		{"the 10th of eleven is the second", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 100_000, 2},
		{"the median of eleven is the sixth", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 500_000, 6},
		{"ties", []int{3, 3, 3, 3, 9}, 500_000, 3},
		{"the 0th is the smallest", ten, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Quantile(c.sample, c.ppm); got != c.want {
				t.Errorf("Quantile(%v, %d) = %d, want %d", c.sample, c.ppm, got, c.want)
			}
		})
	}
}

// day0 is the day the tests' histories start.
var day0 = MustDay("2024-01-01")

// spec is a line of a test history: who, and days from day0 of each
// stage (negative: not reached).
type spec struct {
	nation, capability, channel                     string
	pledged, committed, allocated, shipped, deliver int
}

var nextID int64

// line builds a line from s; quantities follow the stages reached.
func line(s spec) Line {
	nextID++
	l := Line{Pledge: nextID, ID: nextID, No: 1, Nation: s.nation, NationName: s.nation + "-land", Channel: s.channel, Capability: s.capability, Pledged: 10}
	for st, d := range []int{s.pledged, s.committed, s.allocated, s.shipped, s.deliver} {
		if d >= 0 {
			l.Reached[st] = day0 + Day(d)
		}
	}
	if s.shipped >= 0 {
		l.Shipped = 10
	}
	if s.deliver >= 0 {
		l.Delivered = 10
	}
	return l
}

// delivered makes n delivered lines of the nation, capability and channel
// whose stages took the days given from the pledge: committed after c,
// allocated after a, shipped after sh, delivered after dl plus i (the i-th
// of them), so that their durations are spread over n days.
func delivered(n int, nation, capability, channel string, c, a, sh, dl int) []Line {
	var out []Line
	for i := range n {
		out = append(out, line(spec{nation, capability, channel, 0, c, a, sh, dl + i}))
	}
	return out
}

func TestFallsBackToWiderHistoryWithMinimumSample(t *testing.T) {
	// Germany has ten air-defence lines by the bilateral channel, five of
	// armour; France three; NATO-channel lines are Norway's, twelve.
	var h []Line
	h = append(h, delivered(10, "DEU", "air_defence", "bilateral", 10, 20, 30, 100)...)
	h = append(h, delivered(5, "DEU", "armour", "bilateral", 10, 20, 30, 200)...)
	h = append(h, delivered(3, "FRA", "armour", "bilateral", 10, 20, 30, 300)...)
	h = append(h, delivered(12, "NOR", "medical", "nato", 10, 20, 30, 50)...)
	m := NewModel(h)
	today := day0 + 400
	for _, c := range []struct {
		name     string
		line     spec
		level    Level
		sample   int
		expectIn int // days after the pledge the median falls
		basisHas string
	}{
		{"its own group when it holds enough", spec{"DEU", "air_defence", "bilateral", 390, -1, -1, -1, -1}, Own, 10, 104, "DEU-land's air defence lines by bilateral"},
		{"the nation when its own group holds too few", spec{"DEU", "armour", "bilateral", 390, -1, -1, -1, -1}, Nation, 15, 107, "DEU-land's lines"},
		{"the channel when the nation holds too few", spec{"FRA", "armour", "nato", 390, -1, -1, -1, -1}, Channel, 12, 55, "every nation's lines by NATO"},
		{"the channel before everyone", spec{"FRA", "armour", "bilateral", 390, -1, -1, -1, -1}, Channel, 18, 108, "every nation's lines by bilateral"},
		{"everyone when the channel holds too few", spec{"FRA", "armour", "coalition", 390, -1, -1, -1, -1}, Everyone, 30, 102, "every nation's lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := line(c.line)
			f := m.Forecast(&l, today)
			if f.Level != c.level || f.Sample != c.sample || !strings.Contains(f.Basis, c.basisHas) {
				t.Fatalf("level %s sample %d basis %q; want %s, %d, %q", f.Level, f.Sample, f.Basis, c.level, c.sample, c.basisHas)
			}
			if want := l.Reached[Pledged] + Day(c.expectIn); f.Expected != want {
				t.Errorf("expected %s, want %s", f.Expected, want)
			}
			if !(f.Low <= f.Expected && f.Expected <= f.High) {
				t.Errorf("the interval %s to %s does not hold the expected %s", f.Low, f.High, f.Expected)
			}
		})
	}
	t.Run("no forecast when even everyone's history is too short", func(t *testing.T) {
		m := NewModel(delivered(MinSample-1, "DEU", "armour", "bilateral", 1, 2, 3, 10))
		l := line(spec{"DEU", "armour", "bilateral", 100, -1, -1, -1, -1})
		f := m.Forecast(&l, day0+101)
		if f.OK() || f.Level != None || !strings.Contains(f.Note, fmt.Sprintf("fewer than %d comparable deliveries", MinSample)) || f.Expected != 0 {
			t.Errorf("%+v", f)
		}
	})
}

func TestTheIntervalIsTheTenthToNinetiethPercentile(t *testing.T) {
	// Twenty lines taking 101 … 120 days from the pledge: the 10th
	// percentile is the 2nd (102), the median the 10th (110), the 90th the
	// 18th (118).
	m := NewModel(delivered(20, "DEU", "armour", "bilateral", 1, 2, 3, 101))
	l := line(spec{"DEU", "armour", "bilateral", 500, -1, -1, -1, -1})
	f := m.Forecast(&l, day0+500)
	start := day0 + 500
	if f.Low != start+102 || f.Expected != start+110 || f.High != start+118 || f.Sample != 20 {
		t.Errorf("low %s expected %s high %s, want %s %s %s", f.Low, f.Expected, f.High, start+102, start+110, start+118)
	}
	if f.Words() != fmt.Sprintf("%s (80%%: %s to %s)", start+110, start+102, start+118) {
		t.Errorf("words %q", f.Words())
	}
}

// TestDecilesWithoutOpenLinesAreTheNearestRank: with every line of the
// history delivered, the Kaplan–Meier deciles are the plain nearest-rank
// percentiles, whatever the sample.
func TestDecilesWithoutOpenLinesAreTheNearestRank(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 500 {
		n := 1 + r.IntN(60)
		days := make([]int, n)
		s := make([]obs, n)
		for i := range days {
			days[i] = r.IntN(40) - 5 // ties, and deliveries before an ETA
		}
		slices.Sort(days)
		for i, d := range days {
			s[i] = obs{days: d}
		}
		got, reached := deciles(s)
		for k := range got {
			if want := Quantile(days, (k+1)*100_000); got[k] != want || !reached {
				t.Fatalf("decile %d of %v: %d (reached %v), want %d", k+1, days, got[k], reached, want)
			}
		}
	}
}

// TestLinesStillOpenLengthenTheForecast: ten lines delivered 101 … 110
// days after their pledge and ten of the same months still open after 500
// days. Counting only the delivered would put the median at 105 days and
// the 90th percentile at 109; the lines still open say that half the
// history is slower than every delivery seen, so the median is the tenth
// delivery (110: half delivered by then) and the 90th percentile is at
// least the 500 days the open ones have waited.
func TestLinesStillOpenLengthenTheForecast(t *testing.T) {
	h := delivered(10, "DEU", "armour", "bilateral", 1, 2, 3, 101)
	for range 10 {
		h = append(h, line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, -1}))
	}
	start := day0 + 500
	l := line(spec{"DEU", "armour", "bilateral", 500, -1, -1, -1, -1})
	f := NewModel(h).Forecast(&l, start)
	if f.Sample != 10 || f.Open != 10 || f.Low != start+102 || f.Expected != start+110 || f.High != start+500 || !f.HighAtLeast {
		t.Fatalf("sample %d, %d open: low %s expected %s high %s (at least: %v); want 10, 10: %s %s %s, at least",
			f.Sample, f.Open, f.Low, f.Expected, f.High, f.HighAtLeast, start+102, start+110, start+500)
	}
	if want := fmt.Sprintf("%s (80%%: %s to at least %s)", start+110, start+102, start+500); f.Words() != want {
		t.Errorf("words %q, want %q", f.Words(), want)
	}
	// Without them, the delivered alone.
	f = NewModel(h[:10]).Forecast(&l, start)
	if f.Open != 0 || f.Expected != start+105 || f.High != start+109 || f.HighAtLeast {
		t.Errorf("the delivered alone: expected %s high %s (%d open)", f.Expected, f.High, f.Open)
	}
}

func TestForecastCountsFromTheStageReached(t *testing.T) {
	// Each stage takes its own time: committed 30 days after the pledge,
	// allocated 60, shipped 90, delivered 100 … 111.
	m := NewModel(delivered(12, "DEU", "armour", "bilateral", 30, 60, 90, 100))
	today := day0 + 1000
	for _, c := range []struct {
		name  string
		line  spec
		stage Stage
		from  int // days from day0 of the stage counted from
		want  int // the median's days after that
	}{
		{"pledged: counted from the pledge", spec{"DEU", "armour", "bilateral", 995, -1, -1, -1, -1}, Pledged, 995, 105},
		{"committed: counted from the commitment", spec{"DEU", "armour", "bilateral", 900, 996, -1, -1, -1}, Committed, 996, 75},
		{"allocated: counted from the allocation", spec{"DEU", "armour", "bilateral", 900, 950, 997, -1, -1}, Allocated, 997, 45},
		{"shipped: counted from the dispatch", spec{"DEU", "armour", "bilateral", 900, 950, 960, 998, -1}, Shipped, 998, 15},
		{"a stage reached after today does not count yet", spec{"DEU", "armour", "bilateral", 995, 1001, -1, -1, -1}, Pledged, 995, 105},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := line(c.line)
			f := m.forecastAt(&l, today, today, false)
			if f.Stage != c.stage.String() || f.From != day0+Day(c.from) {
				t.Fatalf("stage %s from %s, want %s from %s", f.Stage, f.From, c.stage, day0+Day(c.from))
			}
			if f.Expected != day0+Day(c.from+c.want) {
				t.Errorf("expected %s, want %s", f.Expected, day0+Day(c.from+c.want))
			}
		})
	}
}

func TestALineThatHasWaitedIsComparedWithThoseThatWaitedAsLong(t *testing.T) {
	// Half the lines came 100 … 109 days after the pledge, half 300 … 309.
	var h []Line
	h = append(h, delivered(10, "DEU", "armour", "bilateral", 1, 2, 3, 100)...)
	h = append(h, delivered(10, "DEU", "armour", "bilateral", 1, 2, 3, 300)...)
	m := NewModel(h)
	fresh := line(spec{"DEU", "armour", "bilateral", 1000, -1, -1, -1, -1})
	f := m.Forecast(&fresh, day0+1000)
	if f.Sample != 20 || f.Low != day0+1000+101 || f.High != day0+1000+307 {
		t.Errorf("a fresh line: sample %d, %s to %s", f.Sample, f.Low, f.High)
	}
	// 150 days on and not delivered: only the slow half is like it.
	late := line(spec{"DEU", "armour", "bilateral", 850, -1, -1, -1, -1})
	f = m.Forecast(&late, day0+1000)
	if f.Sample != 10 || f.Low < day0+1000 || f.Expected != day0+850+304 {
		t.Errorf("a line 150 days old: sample %d, expected %s (want %s), low %s", f.Sample, f.Expected, day0+850+304, f.Low)
	}
	// Older than anything delivered: no history to say when.
	stuck := line(spec{"DEU", "armour", "bilateral", 600, -1, -1, -1, -1})
	if f := m.Forecast(&stuck, day0+1000); f.OK() {
		t.Errorf("a line older than every delivery got a forecast: %+v", f)
	}
}

func TestTheShipmentsETADominates(t *testing.T) {
	// Deliveries came 2 … 13 days after their shipment's ETA, and 40 …
	// 51 days after dispatch (the dispatch history says little once the
	// goods are on their way).
	var h []Line
	for i := range 12 {
		l := line(spec{"DEU", "armour", "bilateral", 0, 10, 20, 30, 70 + i})
		l.Carriers = []Carrier{{Shipment: 900 + int64(i), Dispatched: day0 + 30, PlannedETA: day0 + Day(68), ETA: day0 + Day(68+i), Arrived: true, Received: day0 + Day(70+i)}}
		h = append(h, l)
	}
	m := NewModel(h)
	today := day0 + 500
	whole := line(spec{"DEU", "armour", "bilateral", 400, 410, 420, 495, -1})
	whole.Carriers = []Carrier{{Shipment: 7, Dispatched: day0 + 495, ETA: day0 + 503, PlannedETA: day0 + 501}}
	f := m.Forecast(&whole, today)
	if f.Shipment != 7 || f.From != day0+503 || f.Expected != day0+503+7 || !strings.Contains(f.Note, "S-00007's ETA") {
		t.Errorf("a line all on its way: %+v, want counted from the ETA %s", f, day0+503)
	}
	// In the past, the ETA as planned is what was known.
	if f := m.forecastAt(&whole, today, today+1, true); f.From != day0+501 {
		t.Errorf("the backtest counts from %s, want the planned ETA %s", f.From, day0+501)
	}
	// Part of it on its way: counted from the stage, never before the ETA.
	part := line(spec{"DEU", "armour", "bilateral", 400, 410, 499, -1, -1})
	part.Shipped = 4
	part.Carriers = []Carrier{{Shipment: 8, Dispatched: day0 + 499, ETA: day0 + 560, PlannedETA: day0 + 560}}
	f = m.Forecast(&part, today)
	if f.Stage != "allocated" || f.Low != day0+560 || f.Shipment != 0 || !strings.Contains(f.Note, "no earlier than S-00008's ETA") {
		t.Errorf("a line partly on its way: %+v", f)
	}
	// Planned, not dispatched: the stage counts, as before dispatch.
	planned := line(spec{"DEU", "armour", "bilateral", 400, 410, 499, -1, -1})
	planned.Carriers = []Carrier{{Shipment: 9, ETA: day0 + 505, PlannedETA: day0 + 505}}
	if f := m.Forecast(&planned, today); f.Shipment != 0 || f.Stage != "allocated" || f.From != day0+499 {
		t.Errorf("a line with a planned shipment: %+v", f)
	}
}

func TestAnOpeningBalancesStagesAfterTheDeliveryAreLeftOut(t *testing.T) {
	// Delivered before the ledger was opened: its commitment is dated the
	// day of the opening, after the delivery, and says nothing.
	var h []Line
	for i := range 12 {
		h = append(h, line(spec{"DEU", "armour", "bilateral", 0, 500, 500, 500, 100 + i}))
	}
	m := NewModel(h)
	committed := line(spec{"DEU", "armour", "bilateral", 600, 601, -1, -1, -1})
	if f := m.Forecast(&committed, day0+602); f.OK() {
		t.Errorf("a forecast from stages dated after their delivery: %+v", f)
	}
	pledged := line(spec{"DEU", "armour", "bilateral", 600, -1, -1, -1, -1})
	if f := m.Forecast(&pledged, day0+602); !f.OK() || f.Sample != 12 {
		t.Errorf("the pledges' dates still count: %+v", f)
	}
}

func TestLeadTimeIsTheNationsMedianFromDispatch(t *testing.T) {
	var h []Line
	h = append(h, delivered(11, "DEU", "armour", "bilateral", 1, 2, 10, 20)...) // 10 … 20 days from dispatch
	h = append(h, delivered(4, "FRA", "armour", "bilateral", 1, 2, 10, 60)...)
	m := NewModel(h)
	deu := line(spec{"DEU", "armour", "bilateral", 300, -1, -1, -1, -1})
	if lt, ok := m.LeadTime(&deu, day0+300); !ok || lt.Days != 15 || lt.Level != Nation || lt.Sample != 11 {
		t.Errorf("Germany's lead time: %+v %v", lt, ok)
	}
	fra := line(spec{"FRA", "armour", "bilateral", 300, -1, -1, -1, -1})
	if lt, ok := m.LeadTime(&fra, day0+300); !ok || lt.Level != Everyone || lt.Sample != 15 {
		t.Errorf("France's lead time falls back to everyone's: %+v %v", lt, ok)
	}
	if _, ok := NewModel(h[:5]).LeadTime(&deu, day0+300); ok {
		t.Error("a lead time from five deliveries")
	}
}

func TestAssessIsTheEarlyWarningRule(t *testing.T) {
	promised := day0 + 120
	today := promised - 60
	base := func() Line {
		l := line(spec{"DEU", "armour", "bilateral", 10, 20, -1, -1, -1})
		l.Promised, l.NationName = promised, "Germany"
		return l
	}
	ok := func(expected Day) *Forecast {
		return &Forecast{Level: Nation, Expected: expected, Low: expected - 5, High: expected + 5}
	}
	lead := LeadTime{Days: 30, Level: Nation, Sample: 12}
	for _, c := range []struct {
		name      string
		edit      func(l *Line)
		f         *Forecast
		today     Day
		lead      bool
		reason    string
		days      int
		wordsHave string
	}{
		{"on track", func(l *Line) {}, ok(promised - 3), today, true, "", 0, ""},
		{"the shipment's ETA after the promise", func(l *Line) {
			l.Shipped = 10
			l.Carriers = []Carrier{{Shipment: 4, Dispatched: today - 1, ETA: promised + 6}}
		}, ok(promised - 3), today, true, ReasonETA, 6, "S-00004's ETA, " + (promised + 6).String() + ", is 6 days after the promised " + promised.String()},
		{"the latest ETA counts", func(l *Line) {
			l.Carriers = []Carrier{{Shipment: 4, ETA: promised + 2}, {Shipment: 5, ETA: promised + 9}, {Shipment: 6, ETA: promised - 9}}
		}, nil, today, false, ReasonETA, 9, "S-00005"},
		{"an ETA after the promise even when overdue", func(l *Line) {
			l.Carriers = []Carrier{{Shipment: 4, Dispatched: today, ETA: promised + 40}}
		}, nil, promised + 30, false, ReasonETA, 40, ""},
		{"arrived goods wait only for receipt", func(l *Line) {
			l.Carriers = []Carrier{{Shipment: 4, Dispatched: today, ETA: promised + 1, Arrived: true}}
		}, ok(promised - 1), today, true, "", 0, ""},
		{"received goods", func(l *Line) {
			l.Carriers = []Carrier{{Shipment: 4, Dispatched: today, ETA: promised + 1, Arrived: true, Received: promised + 2}}
		}, ok(promised - 1), today, true, "", 0, ""},
		{"the forecast after the promise", func(l *Line) {}, ok(promised + 11), today, true, ReasonForecast, 11, "11 days after the promised"},
		{"no forecast, far from the promise", func(l *Line) {}, &Forecast{Level: None}, today, true, "", 0, ""},
		{"promised sooner than the lead time, nothing shipped", func(l *Line) {}, ok(promised - 1), promised - 20, true, ReasonLeadTime, 10, "in 20 days, with nothing shipped; Germany's usual lead time from dispatch to delivery is 30 days"},
		{"sooner than the lead time but partly shipped", func(l *Line) { l.Shipped = 1 }, ok(promised - 1), promised - 20, true, "", 0, ""},
		{"sooner than a lead time not known", func(l *Line) {}, nil, promised - 20, false, "", 0, ""},
		{"overdue is not at risk: it is late", func(l *Line) {}, ok(promised + 30), promised + 1, true, "", 0, ""},
		{"delivered", func(l *Line) { l.Delivered = l.Pledged }, ok(promised + 30), today, true, "", 0, ""},
		{"no promised date", func(l *Line) { l.Promised = 0 }, ok(promised + 30), today, true, "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := base()
			c.edit(&l)
			r, at := Assess(&l, c.f, lead, c.lead, c.today)
			if at != (c.reason != "") || r.Reason != c.reason || r.Days != c.days || !strings.Contains(r.Words, c.wordsHave) {
				t.Errorf("at risk %v: %+v; want %q by %d with %q", at, r, c.reason, c.days, c.wordsHave)
			}
		})
	}
}

func TestAForecastIsMarkedAsTheHistoryItIsDrawnFrom(t *testing.T) {
	h := delivered(12, "DEU", "armour", "bilateral", 1, 2, 3, 40)
	h[3].Marking.Classification = access.Restricted
	m := NewModel(h)
	l := line(spec{"DEU", "armour", "bilateral", 100, -1, -1, -1, -1})
	if f := m.Forecast(&l, day0+101); !f.OK() || f.Classification != access.Restricted {
		t.Errorf("drawn from a restricted line, the forecast is marked %s", f.Classification)
	}
	// A line that has waited longer than the restricted one took is
	// compared only with the others.
	old := line(spec{"DEU", "armour", "bilateral", 60, -1, -1, -1, -1})
	if f := NewModel(append(h, delivered(12, "DEU", "armour", "bilateral", 1, 2, 3, 100)...)).Forecast(&old, day0+120); !f.OK() || f.Classification != access.Unclassified {
		t.Errorf("drawn from unclassified lines only, the forecast is marked %s (%+v)", f.Classification, f)
	}
	if r := Backtest(h, day0+45, day0+46); r.Classification != access.Restricted {
		t.Errorf("the backtest of a restricted line is marked %s", r.Classification)
	}
}
