package forecast

import "testing"

func TestBacktestScoresEachDayWithWhatWasKnown(t *testing.T) {
	// Every German line takes exactly 100 days, pledged a day apart; every
	// French one 50 days. Once ten are delivered, each forecast is exact.
	var lines []Line
	for i := range 30 {
		lines = append(lines, line(spec{"DEU", "armour", "bilateral", i, -1, -1, -1, i + 100}))
	}
	for i := range 20 {
		lines = append(lines, line(spec{"FRA", "armour", "bilateral", 200 + i, -1, -1, -1, 250 + i}))
	}
	from := FirstDay(lines)
	if from != day0+109 {
		t.Fatalf("the first day with ten deliveries is %s, want %s", from, day0+109)
	}
	r := Backtest(lines, from, day0+400)
	o := r.Overall
	// Each line is forecast once a day from the origin until the day
	// before its delivery: the 20 German lines delivered after day 109,
	// from 109 to 99+i, and the French from their pledge to 49 days on.
	want := 0
	for i := 10; i < 30; i++ {
		want += i + 100 - 109
	}
	want += 20 * 50
	if got := o.Forecasts + o.Unforecast; got != want {
		t.Errorf("%d line-days scored or not, want %d", got, want)
	}
	if len(r.Nations) != 2 || r.Nations[0].Nation != "DEU" || r.Nations[1].Nation != "FRA" || r.Nations[0].Lines != 20 || r.Nations[1].Lines != 20 {
		t.Fatalf("per nation: %+v", r.Nations)
	}
	if d := r.Nations[0]; d.Forecasts == 0 || d.AbsErrorDays != 0 || d.Inside != d.Forecasts || d.MAETenths() != 0 || d.CoveragePPM() != 1_000_000 {
		t.Errorf("Germany's constant durations: %d forecasts, error %d days, %d inside", d.Forecasts, d.AbsErrorDays, d.Inside)
	}
	if o.Forecasts != r.Nations[0].Forecasts+r.Nations[1].Forecasts || o.AbsErrorDays != r.Nations[0].AbsErrorDays+r.Nations[1].AbsErrorDays {
		t.Errorf("the overall score is not the nations' sum: %+v", o)
	}
	// The French history is Germany's until ten French lines are in (every
	// nation's lines, 100 days): those forecasts are 50 days out.
	if f := r.Nations[1]; f.AbsErrorDays == 0 || f.Inside == f.Forecasts {
		t.Errorf("France's first forecasts come from Germany's history and should miss: %+v", f)
	}
	for k := 1; k < 9; k++ {
		if o.AtOrBelow[k] < o.AtOrBelow[k-1] {
			t.Errorf("fewer deliveries at or below decile %d than %d: %v", k+1, k, o.AtOrBelow)
		}
	}
}

func TestBacktestDoesNotSeeTheFuture(t *testing.T) {
	// Nine lines delivered early on, then a tenth very late: on any day
	// before that tenth is delivered, no forecast can use it, so there is
	// none (nine is too few), and no line is scored as forecast.
	var lines []Line
	for i := range 9 {
		lines = append(lines, line(spec{"DEU", "armour", "bilateral", 0, -1, -1, -1, 10 + i}))
	}
	lines = append(lines, line(spec{"DEU", "armour", "bilateral", 5, -1, -1, -1, 300}))
	r := Backtest(lines, day0, day0+299)
	if r.Overall.Forecasts != 0 || r.Overall.Unforecast == 0 {
		t.Errorf("forecast from deliveries not yet made: %+v", r.Overall)
	}
	// A stage reached later is not known on an earlier day either.
	l := line(spec{"DEU", "armour", "bilateral", 0, 50, -1, -1, 90})
	if s := l.stageAt(day0 + 49); s != Pledged {
		t.Errorf("on day 49 the line was %s", s)
	}
	if s := l.stageAt(day0 + 50); s != Committed {
		t.Errorf("on day 50 the line was %s", s)
	}
}

func TestCalibrationCountsDeliveriesAtOrBelowEachDecile(t *testing.T) {
	var s Score
	f := Forecast{Level: Nation}
	for i := range f.deciles {
		f.deciles[i] = day0 + Day(10*(i+1))
	}
	f.Low, f.Expected, f.High = f.deciles[0], f.deciles[4], f.deciles[8]
	s.add(&f, day0+35) // above the 3rd decile, at or below the 4th
	s.add(&f, day0+95) // above them all
	if s.Forecasts != 2 || s.Inside != 1 || s.AtOrBelow[2] != 0 || s.AtOrBelow[3] != 1 || s.AtOrBelow[8] != 1 {
		t.Errorf("%+v", s)
	}
	if s.AbsErrorDays != 15+45 || s.MAETenths() != 300 || s.CoveragePPM() != 500_000 || s.AtOrBelowPPM(3) != 500_000 {
		t.Errorf("error %d, MAE %d tenths, coverage %d", s.AbsErrorDays, s.MAETenths(), s.CoveragePPM())
	}
}
