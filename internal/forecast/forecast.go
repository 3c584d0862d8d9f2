// Package forecast owns what the ledger expects of its open pledge lines:
// when each will be delivered (an expected day and an 80% interval, from
// the empirical distribution of how long comparable lines took from the
// stage it is at, or from its shipment's ETA), whether its promise is at
// risk and why (the early-warning rule, written once here), the flags that
// keep that warning in history, and the backtest that replays the
// ledger's history to say how good the forecasts are. docs/forecast.md
// describes the method.
//
// It imports nothing of Longhaul's but access, audit, fault and money: the store
// reads the lines and their dates into the types declared here.
package forecast

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/money"
)

// Stage is how far a line's whole quantity has come. A line's forecast
// counts from the furthest stage every unit of it has reached: a line of
// which part is shipped and part only committed is delivered when its
// committed part is, so it counts from the day it was all committed.
type Stage int

// The stages, in the order a line goes through them.
const (
	Pledged Stage = iota
	Committed
	Allocated
	Shipped
	Delivered
)

// Stages lists the stages a forecast counts from, in order.
var Stages = []Stage{Pledged, Committed, Allocated, Shipped}

var stageNames = [...]string{"pledged", "committed", "allocated", "shipped", "delivered"}

// String is the stage's code.
func (s Stage) String() string { return stageNames[s] }

// ParseStage reads a stage's code.
func ParseStage(s string) (Stage, bool) {
	i := slices.Index(stageNames[:], s)
	return Stage(i), i >= 0
}

// MinSample is the fewest comparable deliveries a forecast is made from:
// fewer, and the forecast falls back to a wider group of lines (the
// nation's, the channel's, everyone's); when even everyone's history holds
// fewer, there is no forecast.
const MinSample = 10

// Carrier is a shipment carrying part of a line.
type Carrier struct {
	Shipment int64 `json:"shipment"`
	// Dispatched is the day it left, zero while it is only planned.
	Dispatched Day `json:"dispatched,omitempty"`
	// ETA is its estimated arrival now; PlannedETA the one it had when it
	// was dispatched (or planned), from its legs' transit and dwell times,
	// which the backtest uses since later estimates are not kept.
	ETA        Day `json:"eta"`
	PlannedETA Day `json:"planned_eta"`
	// Arrived says it is at its destination, waiting for the recipient's
	// receipt or received.
	Arrived bool `json:"arrived,omitempty"`
	// Received is the day the recipient received it, zero until then.
	Received Day `json:"received,omitempty"`
	// ETAAt is the ETA to the minute, and Quantity and Value what the
	// shipment carries of the line.
	ETAAt    time.Time   `json:"-"`
	Quantity int64       `json:"-"`
	Value    money.Cents `json:"-"`
}

// Line is a pledge line as the forecast sees it: who pledged what by
// which channel, when it was promised, how far it has come and when it
// reached each stage.
type Line struct {
	Pledge     int64  `json:"pledge"`
	ID         int64  `json:"line"`
	No         int    `json:"line_no"`
	Title      string `json:"title"`
	Nation     string `json:"nation"`
	NationName string `json:"nation_name"`
	Channel    string `json:"channel"`
	Capability string `json:"capability"`
	NSN        string `json:"nsn"`
	ItemName   string `json:"item_name"`
	// Promised is the last day of the promised date's period; zero when
	// the pledge names none.
	Promised     Day    `json:"promised,omitempty"`
	PromisedText string `json:"promised_text,omitempty"`
	Pledged      int64  `json:"pledged"`
	Shipped      int64  `json:"shipped"`
	Delivered    int64  `json:"delivered"`
	// Reached is the day the line's whole quantity first reached each
	// stage, zero where it has not or the day is not known; the pledged
	// stage's is the day the pledge was announced.
	Reached  [Delivered + 1]Day `json:"-"`
	Carriers []Carrier          `json:"-"`
	// Marking is the pledge's.
	Marking access.Marking `json:"-"`
}

// Ref is the pledge's reference and the line's number, as people write it.
func (l *Line) Ref() string { return fmt.Sprintf("P-%05d line %d", l.Pledge, l.No) }

// Open reports whether the line still has something to deliver.
func (l *Line) Open() bool { return l.Pledged > 0 && l.Delivered < l.Pledged }

// stageAt is the furthest stage the line's whole quantity had reached by
// the end of day known.
func (l *Line) stageAt(known Day) Stage {
	for s := Shipped; s > Pledged; s-- {
		if d := l.Reached[s]; d != 0 && d <= known {
			return s
		}
	}
	return Pledged
}

// deliveredBy is the day the line was all delivered, if it was by the end
// of day known.
func (l *Line) deliveredBy(known Day) (Day, bool) {
	d := l.Reached[Delivered]
	return d, d != 0 && d <= known
}

// onTheWay returns the shipments carrying the line that, at the end of day
// known, were dispatched and not yet received, and the latest ETA among
// them: the ETA now, or the planned one for a day of the past.
func (l *Line) onTheWay(known Day, planned bool) (eta Day, shipment int64) {
	for _, c := range l.Carriers {
		if c.Dispatched == 0 || c.Dispatched > known || (c.Received != 0 && c.Received <= known) {
			continue
		}
		e := c.ETA
		if planned {
			e = c.PlannedETA
		}
		if e > eta {
			eta, shipment = e, c.Shipment
		}
	}
	return eta, shipment
}

// lastETA is the ETA, as planned, of the last shipment dispatched with
// part of the line by day d: the ETA a delivered line's history counts
// from.
func (l *Line) lastETA(d Day) Day {
	var eta, sent Day
	for _, c := range l.Carriers {
		if c.Dispatched != 0 && c.Dispatched <= d && (c.Dispatched > sent || (c.Dispatched == sent && c.PlannedETA > eta)) {
			eta, sent = c.PlannedETA, c.Dispatched
		}
	}
	return eta
}

// Level is the group of lines a forecast's history is drawn from: the
// line's own (its nation's lines of its capability by its channel), then
// wider ones when that holds too few.
type Level int

// The levels, narrowest first.
const (
	None Level = iota // no forecast
	Own
	Nation
	Channel
	Everyone
)

var levelNames = [...]string{"none", "own", "nation", "channel", "everyone"}

// String is the level's code.
func (v Level) String() string { return levelNames[v] }

// MarshalText writes the level's code.
func (v Level) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// key is what a line shares with the others of its group at level v.
func (v Level) key(nation, capability, channel string) string {
	switch v {
	case Own:
		return nation + "|" + capability + "|" + channel
	case Nation:
		return nation
	case Channel:
		return channel
	}
	return ""
}

// Words says which lines a level holds, for people.
func (v Level) Words(l *Line) string {
	who := l.NationName
	if who == "" {
		who = l.Nation
	}
	switch v {
	case Own:
		return fmt.Sprintf("%s's %s lines by %s", who, label(l.Capability), label(l.Channel))
	case Nation:
		return fmt.Sprintf("%s's lines", who)
	case Channel:
		return fmt.Sprintf("every nation's lines by %s", label(l.Channel))
	case Everyone:
		return "every nation's lines"
	}
	return "no history"
}

// label turns a code such as "air_defence" into words.
func label(code string) string {
	if code == "nato" {
		return "NATO"
	}
	return strings.ReplaceAll(code, "_", " ")
}

// Forecast is when an open line is expected to be delivered: the median
// of the comparable history (Expected) and its 10th and 90th percentiles
// (Low and High, an 80% interval), counted from the day the line reached
// its stage or from its shipment's ETA.
type Forecast struct {
	Pledge int64 `json:"pledge"`
	Line   int64 `json:"line"`
	LineNo int   `json:"line_no"`
	// Stage is the stage the forecast counts from and From its day; when
	// a shipment carries the whole line, From is that shipment's ETA.
	Stage    string `json:"stage"`
	From     Day    `json:"from,omitempty"`
	Shipment int64  `json:"shipment,omitempty"`
	Expected Day    `json:"expected,omitempty"`
	Low      Day    `json:"low,omitempty"`
	High     Day    `json:"high,omitempty"`
	// Level and Basis say which lines' history the figures come from, and
	// Sample how many of their deliveries.
	Level  Level  `json:"level"`
	Basis  string `json:"basis"`
	Sample int    `json:"sample"`
	// Open is how many lines of that history were still open, counted
	// for the days they have waited; HighAtLeast says that so many are
	// still open that the history cannot yet say when the slowest tenth
	// arrives: High is then the longest wait seen, a lower bound.
	Open        int  `json:"open"`
	HighAtLeast bool `json:"high_at_least,omitempty"`
	// Promised is the line's promised day, and DaysLate how many days
	// after it Expected falls (negative when before).
	Promised Day `json:"promised,omitempty"`
	DaysLate int `json:"days_late"`
	// Note says why there is no forecast, or what bounds it.
	Note string `json:"note,omitempty"`
	// Classification is the highest of the lines its history holds: the
	// forecast is marked as what it is drawn from.
	Classification access.Classification `json:"-"`
	// deciles are the 10th to 90th percentiles, for the backtest's
	// calibration.
	deciles [9]Day
}

// OK reports whether there is a forecast.
func (f Forecast) OK() bool { return f.Level != None }

// Words is the forecast for people: "2027-01-20 (80%: 2026-12-28 to 2027-03-02)".
func (f Forecast) Words() string {
	if !f.OK() {
		return "no forecast"
	}
	if f.Low == f.High {
		return f.Expected.String()
	}
	if f.HighAtLeast {
		return fmt.Sprintf("%s (80%%: %s to at least %s)", f.Expected, f.Low, f.High)
	}
	return fmt.Sprintf("%s (80%%: %s to %s)", f.Expected, f.Low, f.High)
}

// outcome is a delivered line as history: when it was delivered and the
// day it reached each stage before, and the ETA its last shipment had.
type outcome struct {
	nation, capability, channel string
	delivered                   Day
	from                        [Shipped + 1]Day
	eta                         Day
	class                       access.Classification
}

// anchor is what a forecast counts from: a stage, or a shipment's ETA.
type anchor int

const etaAnchor = anchor(Shipped + 1)

// at is the day an outcome's anchor a fell on, zero when not known (or,
// as with an opening balance's stages, recorded after the delivery).
func (o *outcome) at(a anchor) Day {
	var d Day
	if a == etaAnchor {
		d = o.eta
	} else {
		d = o.from[a]
	}
	if d == 0 || (a != etaAnchor && d > o.delivered) {
		return 0
	}
	return d
}

// Model is the history forecasts are drawn from: every line delivered or
// still open, grouped at each level and in the order they were delivered
// (the open ones last). It keeps the durations it has sorted for the last
// day it was asked about, and is not safe for concurrent use.
type Model struct {
	groups [Everyone + 1]map[string][]outcome
	known  Day
	cache  map[historyKey]*history
}

// historyKey names a group's durations from an anchor.
type historyKey struct {
	level Level
	group string
	a     anchor
}

// never is the delivery day of a line not delivered.
const never = Day(1<<31 - 1)

// NewModel builds the history from lines: those delivered, and those still
// open, which say how long a line has waited without delivery.
func NewModel(lines []Line) *Model {
	m := &Model{}
	for v := Own; v <= Everyone; v++ {
		m.groups[v] = map[string][]outcome{}
	}
	for i := range lines {
		l := &lines[i]
		d := l.Reached[Delivered]
		if d == 0 && !l.Open() {
			continue
		}
		o := outcome{nation: l.Nation, capability: l.Capability, channel: l.Channel, delivered: d, class: l.Marking.Classification}
		copy(o.from[:], l.Reached[:Shipped+1])
		if d == 0 {
			o.delivered = never
		} else {
			o.eta = l.lastETA(d)
		}
		for v := Own; v <= Everyone; v++ {
			k := v.key(o.nation, o.capability, o.channel)
			m.groups[v][k] = append(m.groups[v][k], o)
		}
	}
	for v := range m.groups {
		for _, g := range m.groups[v] {
			slices.SortStableFunc(g, func(a, b outcome) int { return cmp.Compare(a.delivered, b.delivered) })
		}
	}
	return m
}

// obs is a duration of the history: the days from a line's anchor to its
// delivery, or, for a line still open on the day known, to that day (it
// took longer: the duration is censored).
type obs struct {
	days  int
	open  bool
	class access.Classification
}

// history is a group's durations from an anchor as known at the end of
// one day, sorted (a delivery before a line still open on the same day),
// with, from each, how many of the rest were delivered and the highest
// classification among them.
type history struct {
	obs    []obs
	events []int
	class  []access.Classification
}

// history returns the durations from anchor a of the lines of group g at
// level v as known at the end of day known. A line delivered by then
// counts its days to delivery; one that had reached its anchor stage and
// was not delivered counts the days it had waited, as open (shipments'
// ETAs count only deliveries).
func (m *Model) history(v Level, group string, a anchor, known Day) *history {
	if m.cache == nil || m.known != known {
		m.cache, m.known = map[historyKey]*history{}, known
	}
	k := historyKey{v, group, a}
	if h, ok := m.cache[k]; ok {
		return h
	}
	g := m.groups[v][group]
	h := &history{}
	n, _ := slices.BinarySearchFunc(g, known+1, func(o outcome, d Day) int { return cmp.Compare(o.delivered, d) })
	for i := range g[:n] {
		if at := g[i].at(a); at != 0 {
			h.obs = append(h.obs, obs{days: int(g[i].delivered - at), class: g[i].class})
		}
	}
	if a != etaAnchor {
		for i := range g[n:] {
			o := &g[n+i]
			if at := o.at(a); at != 0 && at <= known {
				h.obs = append(h.obs, obs{days: int(known - at), open: true, class: o.class})
			}
		}
	}
	slices.SortFunc(h.obs, func(x, y obs) int {
		if c := cmp.Compare(x.days, y.days); c != 0 {
			return c
		}
		switch {
		case x.open == y.open:
			return 0
		case y.open:
			return -1
		}
		return 1
	})
	h.events, h.class = make([]int, len(h.obs)+1), make([]access.Classification, len(h.obs)+1)
	for i := len(h.obs) - 1; i >= 0; i-- {
		h.events[i], h.class[i] = h.events[i+1], max(h.class[i+1], h.obs[i].class)
		if !h.obs[i].open {
			h.events[i]++
		}
	}
	m.cache[k] = h
	return h
}

// since returns the durations of h no shorter than waited days: the
// history of lines that had waited at least as long as this one has, with
// how many of them were delivered and the highest classification among
// them.
func (h *history) since(waited int) ([]obs, int, access.Classification) {
	i, _ := slices.BinarySearchFunc(h.obs, waited, func(o obs, w int) int { return cmp.Compare(o.days, w) })
	return h.obs[i:], h.events[i], h.class[i]
}

// deciles are the 10th to 90th percentiles of the durations s (sorted as
// sample sorts them), by the Kaplan–Meier estimate: a line still open
// after d days is known to take longer than d, and counts among those
// that might still be delivered at every day up to d. For each decile the
// duration is the shortest with at least that share delivered by it; one
// the estimate never reaches (too many lines still open) is the longest
// duration seen, a lower bound, and reports false. Without open lines
// this is the nearest rank (Quantile).
func deciles(s []obs) (out [9]int, reached bool) {
	const eps = 1e-9
	surv, k := 1.0, 0
	for i := 0; i < len(s) && k < len(out); {
		j, d := i, 0
		for j < len(s) && s[j].days == s[i].days {
			if !s[j].open {
				d++
			}
			j++
		}
		if d > 0 {
			surv *= float64(len(s)-i-d) / float64(len(s)-i)
			for k < len(out) && 1-surv >= float64(k+1)/10-eps {
				out[k] = s[i].days
				k++
			}
		}
		i = j
	}
	if k == len(out) {
		return out, true
	}
	for ; k < len(out); k++ {
		out[k] = s[len(s)-1].days
	}
	return out, false
}

// Quantile is the q-th quantile, in parts per million, of sorted by the
// nearest rank: the smallest value with at least that share of the sample
// at or below it.
func Quantile(sorted []int, ppm int) int {
	n := len(sorted)
	k := (ppm*n + 999_999) / 1_000_000
	return sorted[max(k-1, 0)]
}

// estimate draws the forecast of line l counting from anchor a, which fell
// on day start, at the end of day known for a delivery no earlier than
// earliest: from the narrowest group holding MinSample comparable
// deliveries.
func (m *Model) estimate(l *Line, a anchor, start, known, earliest Day) Forecast {
	for v := Own; v <= Everyone; v++ {
		s, events, class := m.history(v, v.key(l.Nation, l.Capability, l.Channel), a, known).since(int(earliest - start))
		if events < MinSample {
			continue
		}
		f := Forecast{Level: v, Basis: v.Words(l), Sample: events, Open: len(s) - events, From: start, Classification: class}
		ds, reached := deciles(s)
		for i, d := range ds {
			f.deciles[i] = start + Day(d)
		}
		f.Low, f.Expected, f.High = f.deciles[0], f.deciles[4], f.deciles[8]
		f.HighAtLeast = !reached
		return f
	}
	return Forecast{Level: None, Basis: None.Words(l), From: start}
}

// Forecast is the forecast of open line l on day today.
func (m *Model) Forecast(l *Line, today Day) Forecast {
	return m.forecastAt(l, today, today, false)
}

// forecastAt forecasts line l with what was known at the end of day known,
// for a delivery on day earliest or later; planned takes the shipments'
// ETAs as they were planned, for a day of the past.
func (m *Model) forecastAt(l *Line, known, earliest Day, planned bool) Forecast {
	stage := l.stageAt(known)
	eta, shipment := l.onTheWay(known, planned)
	f := Forecast{Level: None}
	if stage == Shipped && eta != 0 {
		// The whole line is on its way: its shipment's ETA dominates, with
		// how far deliveries fell from their ETA.
		f = m.estimate(l, etaAnchor, eta, known, earliest)
		if f.OK() {
			f.Shipment = shipment
			f.Note = fmt.Sprintf("counted from S-%05d's ETA", shipment)
		}
	}
	if !f.OK() {
		start := l.Reached[stage]
		if start == 0 {
			f = Forecast{Level: None, Basis: None.Words(l), Note: fmt.Sprintf("the day it was %s is not known", stage)}
		} else {
			f = m.estimate(l, anchor(stage), start, known, earliest)
		}
		if !f.OK() && f.Note == "" {
			f.Note = fmt.Sprintf("fewer than %d comparable deliveries from the %s stage", MinSample, stage)
		}
		if f.OK() && eta != 0 && f.Low < eta {
			// Part of it is on its way: nothing arrives before that ETA.
			for i := range f.deciles {
				f.deciles[i] = max(f.deciles[i], eta)
			}
			f.Low, f.Expected, f.High = f.deciles[0], f.deciles[4], f.deciles[8]
			f.Note = fmt.Sprintf("no earlier than S-%05d's ETA", shipment)
		}
	}
	f.Pledge, f.Line, f.LineNo, f.Stage, f.Promised = l.Pledge, l.ID, l.No, stage.String(), l.Promised
	if f.OK() && l.Promised != 0 {
		f.DaysLate = int(f.Expected - l.Promised)
	}
	return f
}

// LeadTime is a nation's usual lead time: the median of the days its
// lines took from being all shipped to being delivered.
type LeadTime struct {
	Days           int                   `json:"days"`
	Level          Level                 `json:"level"`
	Basis          string                `json:"basis"`
	Sample         int                   `json:"sample"`
	Classification access.Classification `json:"-"`
}

// LeadTime is the usual lead time of the nation of line l at the end of
// day known: its own nation's, or everyone's when its own holds fewer than
// MinSample deliveries.
func (m *Model) LeadTime(l *Line, known Day) (LeadTime, bool) {
	for _, v := range []Level{Nation, Everyone} {
		s, events, class := m.history(v, v.key(l.Nation, l.Capability, l.Channel), anchor(Shipped), known).since(0)
		if events >= MinSample {
			ds, _ := deciles(s)
			return LeadTime{Days: ds[4], Level: v, Basis: v.Words(l), Sample: events, Classification: class}, true
		}
	}
	return LeadTime{Level: None}, false
}
