package cli_test

import (
	"encoding/csv"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadinessCommand: on the demo, the list says which package is
// ready and what the others lack, the CSV says the same element by
// element under its marking, and show prints one package's elements.
func TestReadinessCommand(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := run(t, env, "", "readiness")
	if r.code != 0 || !strings.Contains(r.out, "3 packages.") {
		t.Fatalf("readiness: %+v", r)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(r.out, "\n") {
		if f := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1); len(f) == 8 && strings.HasPrefix(f[0], "CP-") {
			rows[f[1]] = f
		}
	}
	classEnds := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
	for name, want := range map[string][]string{
		"Leopard 2 tank company": {"1", "1", "-", "now", "NU"},
		"IRIS-T SLM battery":     {"0", "1", "1 battery crew", classEnds, "NR"},
		"Patriot battery":        {"0", "1", "1 missile repair", "no date", "NR"},
	} {
		if got := rows[name]; len(got) != 8 || strings.Join(got[3:], "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want ready, wanted, missing, ready by, marking %q", name, got, want)
		}
	}

	r = run(t, env, "", "readiness", "--csv")
	if r.code != 0 || !strings.HasPrefix(r.out, "# NATO RESTRICTED\n") {
		t.Fatalf("readiness --csv: %+v", r)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.SplitN(r.out, "\n", 2)[1])).ReadAll()
	if err != nil || len(recs) != 11 || recs[0][0] != "package" {
		t.Fatalf("the CSV: %d records %v", len(recs), err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for _, rec := range recs[1:] {
		if rows[rec[col["name"]]][3] != rec[col["ready"]] {
			t.Errorf("the CSV says %s ready of %s, the list %s", rec[col["ready"]], rec[col["name"]], rows[rec[col["name"]]][3])
		}
		if rec[col["name"]] == "Patriot battery" && rec[col["kind"]] == "facility" && (rec[col["status"]] != "unplanned" || rec[col["missing"]] != "1") {
			t.Errorf("the Patriot battery's facility: %v", rec)
		}
	}

	r = run(t, env, "", "readiness", "show", "CP-00002")
	for _, want := range []string{"IRIS-T SLM battery  (NATO RESTRICTED)", "0 of 1 wanted ready; ready by " + classEnds, "Trained crews: battery crew — IRIST-OPS", "closes " + classEnds, "the 1 wanted 8: ", " there, 0 missing; there"} {
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("show: no %q in\n%s", want, r.out)
		}
	}
	if r := run(t, env, "", "readiness", "show", "CP-09999"); r.code != 1 || !strings.Contains(r.err, "no capability package CP-09999") {
		t.Errorf("show a package that is not: %+v", r)
	}
	if r := run(t, env, "", "readiness", "show", "P-00002"); r.code != 2 {
		t.Errorf("show a pledge: %+v", r)
	}
	if r := run(t, env, "", "readiness", "--help"); r.code != 0 || !strings.Contains(r.err, "longhaul readiness show CP-00001") {
		t.Errorf("--help: %+v", r)
	}
}
