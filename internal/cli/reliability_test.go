package cli_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
)

// TestReliabilityCommand prints the demo's reliability for a person and
// as CSV, and the CSV is the one the API answers the demo's coordinator,
// who may see every pledge of the demo.
func TestReliabilityCommand(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "l.db")
	env := map[string]string{"LONGHAUL_DB": dsn}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := run(t, env, "", "reliability")
	if r.code != 0 || !strings.HasPrefix(r.out, "Promise reliability by nation as of ") || !strings.Contains(r.out, "(NATO RESTRICTED)") ||
		!strings.Contains(r.out, "\nGermany (DEU) ") || !strings.Contains(r.out, "\nAll nations ") || !strings.Contains(r.out, "By the quarter of the promised date:") {
		t.Errorf("reliability:\n%s%s", r.out, r.err)
	}
	r = run(t, env, "", "reliability", "--nation", "deu", "--by", "capability")
	if r.code != 0 || !strings.HasPrefix(r.out, "Promise reliability of Germany (DEU) by capability") || !strings.Contains(r.out, "\nAir defence ") || strings.Contains(r.out, "France") {
		t.Errorf("Germany by capability area:\n%s%s", r.out, r.err)
	}
	if r := run(t, env, "", "reliability", "--by", "donor"); r.code != 1 || !strings.Contains(r.err, `"donor" is not a grouping`) {
		t.Errorf("a bad grouping: %+v", r)
	}
	if r := run(t, env, "", "reliability", "now"); r.code != 2 {
		t.Errorf("an argument: %+v", r)
	}

	tok := run(t, env, "", "token", "create", "--user", "coordinator")
	lines := strings.Split(strings.TrimSpace(tok.out), "\n")
	secret := lines[len(lines)-1]
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts := httptest.NewServer(cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "test").Handler())
	defer ts.Close()
	for _, by := range []string{"nation", "channel", "capability"} {
		r := run(t, env, "", "reliability", "--csv", "--by", by)
		if r.code != 0 || !strings.HasPrefix(r.out, "# NATO RESTRICTED\nby,key,name,quarter,lines_judged,") || !strings.Contains(r.out, "\n"+by+",") {
			t.Errorf("reliability --csv --by %s:\n%s%s", by, r.out, r.err)
		}
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/reliability?format=csv&by="+by, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != r.out {
			t.Errorf("by %s: the command and the API differ (%d):\n%s\n%s", by, res.StatusCode, r.out, body)
		}
	}
}
