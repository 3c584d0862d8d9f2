package cli_test

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestForecastCommands runs the forecasts over the demo with its history:
// the backtest prints its error and coverage overall and per nation, show
// prints each open line's expected day beside its promised date, check
// flags the lines at risk once, and at-risk lists them with the day they
// were flagged.
func TestForecastCommands(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := run(t, env, "", "forecast", "backtest")
	if r.code != 0 || !strings.Contains(r.out, "MEAN ABS. ERROR (DAYS)") || !strings.Contains(r.out, "Germany (DEU)") || !strings.Contains(r.out, "Calibration:") {
		t.Fatalf("backtest: %+v", r)
	}
	m := regexp.MustCompile(`All nations +([0-9]+) +([0-9]+) +([0-9]+)\.[0-9] +([0-9]+)\.[0-9]%`).FindStringSubmatch(r.out)
	if m == nil {
		t.Fatalf("no overall row in\n%s", r.out)
	}
	if lines, _ := strconv.Atoi(m[1]); lines < 60 {
		t.Errorf("%s lines backtested", m[1])
	}
	if pct, _ := strconv.Atoi(m[4]); pct < 60 || pct >= 95 {
		t.Errorf("an 80%% interval holding %s%%", m[4])
	}
	// A shorter span replays fewer days.
	short := run(t, env, "", "forecast", "backtest", "--from", "2026-01-01", "--to", "2026-03-31")
	if short.code != 0 || !strings.Contains(short.out, "Backtest from 2026-01-01 to 2026-03-31") {
		t.Errorf("backtest --from --to: %+v", short)
	}
	if r := run(t, env, "", "forecast", "backtest", "--from", "first of May"); r.code == 0 || !strings.Contains(r.err, "--from") {
		t.Errorf("a bad --from: %+v", r)
	}

	if r := run(t, env, "", "forecast", "show", "P-00002"); r.code != 0 || !strings.Contains(r.out, "Germany (DEU), promised") || !regexp.MustCompile(`\n1 +Cartridge, 155 mm HE, L52 \(DM121-type\) +[a-z]+ +20[0-9]{2}-[0-9]{2}-[0-9]{2}`).MatchString(r.out) {
		t.Errorf("show: %+v", r)
	}
	c := run(t, env, "", "forecast", "check")
	if c.code != 0 || !regexp.MustCompile(`Early-warning check of [0-9-]+: [1-9][0-9]* flagged, 0 closed`).MatchString(c.out) || !strings.Contains(c.out, "flagged P-00006 line 1: S-00004's ETA") {
		t.Fatalf("check: %+v", c)
	}
	if again := run(t, env, "", "forecast", "check"); again.code != 0 || !strings.Contains(again.out, ": 0 flagged, 0 closed") {
		t.Errorf("a second check: %+v", again)
	}
	a := run(t, env, "", "forecast", "at-risk", "--nation", "fra")
	if a.code != 0 || !strings.Contains(a.out, "P-00006 line 1") || !strings.Contains(a.out, "France (FRA)") || strings.Contains(a.out, "(DEU)") {
		t.Errorf("at-risk --nation FRA: %+v", a)
	}
	if r := run(t, env, "", "forecast", "show"); r.code != 2 {
		t.Errorf("show without a pledge: %+v", r)
	}
	if r := run(t, env, "", "forecast", "guess"); r.code != 2 {
		t.Errorf("an unknown subcommand: %+v", r)
	}
}
