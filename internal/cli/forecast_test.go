package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
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
	m := regexp.MustCompile(`All nations +([0-9]+) +([0-9]+) +([0-9]+\.[0-9]) +([0-9]+)\.[0-9]%`).FindStringSubmatch(r.out)
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
	// The API of the same database says what the commands print.
	api := apiOf(t, env)
	bt := api("/api/v1/forecast/backtest")
	overall := bt["overall"].(map[string]any)
	if fmt.Sprint(overall["lines"]) != m[1] || fmt.Sprint(overall["forecasts"]) != m[2] {
		t.Errorf("the API's backtest has %v lines and %v forecasts, the command %s and %s", overall["lines"], overall["forecasts"], m[1], m[2])
	}
	abs, n := int64(overall["abs_error_days"].(float64)), int64(overall["forecasts"].(float64))
	if tenths := (abs*10 + n/2) / n; fmt.Sprintf("%d.%d", tenths/10, tenths%10) != m[3] {
		t.Errorf("the API's mean error is %d.%d days, the command's %s", tenths/10, tenths%10, m[3])
	}
	show := run(t, env, "", "forecast", "show", "P-00002")
	lines := api("/api/v1/pledges/2/forecast")["lines"].([]any)
	exp := lines[0].(map[string]any)["forecast"].(map[string]any)["expected"].(string)
	if !regexp.MustCompile(`\n1 .* ` + exp + ` `).MatchString(show.out) {
		t.Errorf("the API expects %s, the command says\n%s", exp, show.out)
	}
	if r := run(t, env, "", "forecast", "show"); r.code != 2 {
		t.Errorf("show without a pledge: %+v", r)
	}
	if r := run(t, env, "", "forecast", "guess"); r.code != 2 {
		t.Errorf("an unknown subcommand: %+v", r)
	}
}

// apiOf serves the API over the database of env, as the coordinator of
// the demo, and returns a function that reads a path of it as JSON.
func apiOf(t *testing.T, env map[string]string) func(path string) map[string]any {
	t.Helper()
	tok := run(t, env, "", "token", "create", "--user", "coordinator")
	lines := strings.Split(strings.TrimSpace(tok.out), "\n")
	secret := lines[len(lines)-1]
	db, err := store.Open(context.Background(), env["LONGHAUL_DB"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := httptest.NewServer(cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test").Handler())
	t.Cleanup(ts.Close)
	return func(path string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
		return v
	}
}
