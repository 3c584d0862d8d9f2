package forecast

import (
	"math/rand/v2"
	"testing"
)

// benchLines is a ledger of n lines by 30 nations over six years: most
// delivered, the last tenth open at every stage.
func benchLines(n int) []Line {
	r := rand.New(rand.NewPCG(1, 2))
	nations := make([]string, 30)
	for i := range nations {
		nations[i] = string(rune('A'+i/26)) + string(rune('A'+i%26)) + "X"
	}
	caps := []string{"ammunition", "air_defence", "armour", "artillery", "medical"}
	chans := []string{"bilateral", "coalition", "nato"}
	var out []Line
	for i := range n {
		p := r.IntN(2000)
		s := spec{nations[r.IntN(len(nations))], caps[r.IntN(len(caps))], chans[r.IntN(len(chans))], p, p + r.IntN(30), p + 30 + r.IntN(30), p + 60 + r.IntN(120), p + 180 + r.IntN(60)}
		if i%10 == 0 {
			s.shipped, s.deliver = -1, -1
		}
		out = append(out, line(s))
	}
	return out
}

// BenchmarkOutlook forecasts and assesses every open line of a ledger of
// 10,000 lines, as each page that shows forecasts does; its baseline,
// BenchmarkOutlookModelOnly, builds the history alone.
func BenchmarkOutlook(b *testing.B) {
	lines := benchLines(10_000)
	today := day0 + 2200
	for b.Loop() {
		assess(lines, today)
	}
}

func BenchmarkOutlookModelOnly(b *testing.B) {
	lines := benchLines(10_000)
	for b.Loop() {
		NewModel(lines)
	}
}

// BenchmarkBacktestYear replays a year of a ledger of 2,000 lines.
func BenchmarkBacktestYear(b *testing.B) {
	lines := benchLines(2_000)
	for b.Loop() {
		Backtest(lines, day0+1000, day0+1365)
	}
}
