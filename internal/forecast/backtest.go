package forecast

import (
	"cmp"
	"slices"

	"github.com/longhaul/longhaul/internal/access"
)

// Score is how the forecasts of a set of lines fared against what
// happened: each forecast made on a day of the backtest for a line then
// open, compared with the day it was delivered.
type Score struct {
	Nation     string `json:"nation,omitempty"`
	NationName string `json:"nation_name,omitempty"`
	// Lines is how many delivered lines were forecast, Forecasts how many
	// forecasts were made of them (one a day each was open), and
	// Unforecast how many days one of them was open without a forecast.
	Lines      int `json:"lines"`
	Forecasts  int `json:"forecasts"`
	Unforecast int `json:"unforecast"`
	// AbsErrorDays is the sum of the days between each expected day and
	// the delivery, and Inside how many deliveries fell inside the 80%
	// interval.
	AbsErrorDays int64 `json:"abs_error_days"`
	Inside       int   `json:"inside"`
	// AtOrBelow counts, for each decile from the 10th to the 90th, the
	// deliveries on or before it: a calibrated forecast has about a tenth
	// of them at or below the 10th, half at or below the median.
	AtOrBelow [9]int `json:"at_or_below"`
}

// MAETenths is the mean absolute error in tenths of a day, rounded.
func (s Score) MAETenths() int64 {
	if s.Forecasts == 0 {
		return 0
	}
	n := int64(s.Forecasts)
	return (s.AbsErrorDays*10 + n/2) / n
}

// CoveragePPM is the share of deliveries inside the 80% interval, in
// parts per million.
func (s Score) CoveragePPM() int64 { return ppm(s.Inside, s.Forecasts) }

// AtOrBelowPPM is the share of deliveries at or before the decile k
// (0 for the 10th … 8 for the 90th), in parts per million.
func (s Score) AtOrBelowPPM(k int) int64 { return ppm(s.AtOrBelow[k], s.Forecasts) }

func ppm(n, of int) int64 {
	if of == 0 {
		return 0
	}
	return (int64(n)*1_000_000 + int64(of)/2) / int64(of)
}

func (s *Score) add(f *Forecast, delivered Day) {
	s.Forecasts++
	e := int64(delivered - f.Expected)
	s.AbsErrorDays += max(e, -e)
	if delivered >= f.Low && delivered <= f.High {
		s.Inside++
	}
	for k, d := range f.deciles {
		if delivered <= d {
			s.AtOrBelow[k]++
		}
	}
}

// Report is a backtest: the forecasts of every day from From to To, over
// all lines and per nation.
type Report struct {
	From    Day     `json:"from"`
	To      Day     `json:"to"`
	Overall Score   `json:"overall"`
	Nations []Score `json:"nations"`
	// Classification is the highest of the lines it replays.
	Classification access.Classification `json:"-"`
}

// FirstDay is the first day a backtest of lines can forecast from: the
// day the ledger's history first held MinSample deliveries, zero when it
// never has.
func FirstDay(lines []Line) Day {
	var ds []Day
	for i := range lines {
		if d := lines[i].Reached[Delivered]; d != 0 {
			ds = append(ds, d)
		}
	}
	if len(ds) < MinSample {
		return 0
	}
	slices.Sort(ds)
	return ds[MinSample-1]
}

// Backtest replays the history of lines with a rolling origin: at the end
// of each day from from to to, it forecasts every line then open with only
// what was known that day (the deliveries made by then, the stages the
// line had reached, its shipments' ETAs as planned), and compares the
// forecast with the day the line was delivered. Lines not delivered yet
// have nothing to compare with and are left out.
func Backtest(lines []Line, from, to Day) Report {
	r := Report{From: from, To: to}
	for i := range lines {
		r.Classification = max(r.Classification, lines[i].Marking.Classification)
	}
	m := NewModel(lines)
	byNation := map[string]*Score{}
	counted := map[int64]bool{}
	for d := from; d <= to; d++ {
		for i := range lines {
			l := &lines[i]
			delivered := l.Reached[Delivered]
			if delivered == 0 || delivered <= d || l.Reached[Pledged] == 0 || l.Reached[Pledged] > d {
				continue
			}
			s := byNation[l.Nation]
			if s == nil {
				s = &Score{Nation: l.Nation, NationName: l.NationName}
				byNation[l.Nation] = s
			}
			if !counted[l.ID] {
				counted[l.ID] = true
				s.Lines++
				r.Overall.Lines++
			}
			f := m.forecastAt(l, d, d+1, true)
			if !f.OK() {
				s.Unforecast++
				r.Overall.Unforecast++
				continue
			}
			s.add(&f, delivered)
			r.Overall.add(&f, delivered)
		}
	}
	for _, s := range byNation {
		r.Nations = append(r.Nations, *s)
	}
	slices.SortFunc(r.Nations, func(a, b Score) int { return cmp.Compare(a.Nation, b.Nation) })
	return r
}
