package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShipmentAndNetworkCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LONGHAUL_DB": filepath.Join(dir, "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	// The demo's 29 shipments and the 114 handovers of its history.
	r := run(t, env, "", "shipment", "list")
	if r.code != 0 || !strings.Contains(r.out, "S-00002") || !strings.Contains(r.out, "143 shipments.") {
		t.Fatalf("shipment list: %+v", r)
	}
	r = run(t, env, "", "shipment", "list", "--late")
	if r.code != 0 || !strings.Contains(r.out, "S-00003") || strings.Contains(r.out, "S-00002") {
		t.Errorf("shipment list --late: %+v", r)
	}
	r = run(t, env, "", "shipment", "list", "--csv", "--state", "received")
	if r.code != 0 || !strings.HasPrefix(r.out, "# NATO RESTRICTED\nref,") || !strings.Contains(r.out, "S-00001,DEU") {
		t.Errorf("shipment list --csv: %+v", r)
	}
	if r := run(t, env, "", "shipment", "list", "--state", "lost"); r.code == 0 || !strings.Contains(r.err, "not a shipment state") {
		t.Errorf("a bad state: %+v", r)
	}
	r = run(t, env, "", "shipment", "show", "S-00001")
	if r.code != 0 || !strings.Contains(r.out, "DB Cargo train 51870") || !strings.Contains(r.out, "D-00001 line 1: 12 damaged") {
		t.Errorf("shipment show: %+v", r)
	}
	// S-00002 waits at the hub: receiving it now is refused, and says why.
	r = run(t, env, "", "shipment", "receive", "S-00002")
	if r.code != 1 || !strings.Contains(r.err, "only a delivered shipment can be received") {
		t.Errorf("receive a shipment at the hub: %+v", r)
	}
	r = run(t, env, "", "shipment", "receive", "S-00001")
	if r.code != 1 || !strings.Contains(r.err, "received already") {
		t.Errorf("receive twice: %+v", r)
	}
	if r := run(t, env, "", "shipment", "receive", "S-00001", "--line", "one=3"); r.code == 0 || !strings.Contains(r.err, "is not a line number") {
		t.Errorf("a bad --line: %+v", r)
	}
	// S-00009 was handed over directly and waits for its receipt: received
	// and accepted in one step, and the ledger still holds.
	if r := run(t, env, "", "shipment", "receive", "S-00009", "--accept"); r.code != 0 || !strings.Contains(r.out, "Received and accepted S-00009") {
		t.Errorf("receive and accept: %+v", r)
	}
	if r := run(t, env, "", "check"); r.code != 0 {
		t.Errorf("check after receive and accept: %+v", r)
	}

	// The network goes out and comes back unchanged; a bad file changes nothing.
	out := filepath.Join(dir, "network.csv")
	if r := run(t, env, "", "network", "export", "--out", out); r.code != 0 || !strings.Contains(r.out, "28 links") {
		t.Fatalf("network export: %+v", r)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, string(b), "network", "import", "-"); r.code != 0 || !strings.Contains(r.out, "28 links created or updated") {
		t.Errorf("network import of the export: %+v", r)
	}
	again := run(t, env, "", "network", "export")
	if again.out != string(b) {
		t.Errorf("the network changed on a round trip:\n%s\nthen\n%s", b, again.out)
	}
	bad := strings.Replace(string(b), ",PL-RZE,UA-LVIV,road,5,", ",PL-RZE,UA-NOWHERE,road,5,", 1)
	bad = strings.Replace(bad, "link,,,,,,,,,,DE-DEP1,PL-RZE,road,12,", "link,,,,,,,,,,DE-DEP1,PL-RZE,road,-12,", 1)
	r = run(t, env, bad, "network", "import", "-")
	if r.code != 1 || !strings.Contains(r.err, "UA-NOWHERE") || !strings.Contains(r.err, "transit_hours") {
		t.Errorf("a bad network file: %+v", r)
	}
	if after := run(t, env, "", "network", "export"); after.out != string(b) {
		t.Error("a refused network import changed the network")
	}
	if r := run(t, env, "", "audit", "verify"); r.code != 0 {
		t.Errorf("audit verify: %+v", r)
	}
}

func TestFlowSolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "small.min")
	if err := os.WriteFile(file, []byte("c two sources, two sinks\np min 4 5\nn 1 4\nn 2 2\nn 3 -3\nn 4 -3\na 1 3 0 3 2\na 1 4 0 4 6\na 2 3 0 2 1\na 2 4 0 2 3\na 3 4 0 5 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "", "flow", "solve", file); r.code != 0 || r.out != "s 16\n" {
		t.Errorf("solve: %+v", r)
	}
	if r := run(t, nil, "", "flow", "solve", "--flows", file); r.code != 0 || !strings.Contains(r.out, "\nf 1 3 3\n") {
		t.Errorf("solve --flows: %+v", r)
	}
	if r := run(t, nil, "", "flow", "solve", "--stats", "--method", "scaling", file); r.code != 0 || !strings.Contains(r.out, "c method cost scaling\n") || !strings.HasSuffix(r.out, "s 16\n") {
		t.Errorf("solve --method scaling: %+v", r)
	}
	if r := run(t, nil, "", "flow", "solve", "--method", "magic", file); r.code != 2 || !strings.Contains(r.err, "use auto, simplex or scaling") {
		t.Errorf("a bad method: %+v", r)
	}
	if r := run(t, nil, "p min 2 0\nn 1 3\nn 2 -3\n", "flow", "solve", "-"); r.code != 1 || !strings.Contains(r.err, "infeasible") {
		t.Errorf("an infeasible problem: %+v", r)
	}
	if r := run(t, nil, "p min 1 1\na 1 1 0 9223372036854775807 -1\n", "flow", "solve", "-"); r.code != 1 || !strings.Contains(r.err, "unbounded") {
		t.Errorf("an unbounded problem: %+v", r)
	}
	if r := run(t, nil, "p min 2 1\na 1 3 0 1 1\n", "flow", "solve", "-"); r.code != 1 || !strings.Contains(r.err, "line 2") {
		t.Errorf("a malformed problem: %+v", r)
	}
}

func TestPlanAllocate(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	before := run(t, env, "", "export", "pledges").out
	r := run(t, env, "", "plan", "allocate", "--horizon", "30d")
	if r.code != 0 || !strings.Contains(r.out, "Plan 1 (proposed) over a 30-day horizon") || !strings.Contains(r.out, "R-00001") ||
		!strings.Contains(r.out, "has no donor depot") || !strings.Contains(r.out, "PL-RZE:") || !strings.Contains(r.out, "Saved as plan 1") {
		t.Errorf("plan allocate: %+v", r)
	}
	if after := run(t, env, "", "export", "pledges").out; after != before {
		t.Error("a proposal changed the ledger")
	}
	if r := run(t, env, "", "plan", "allocate", "--horizon", "forever"); r.code != 2 || !strings.Contains(r.err, "number of days") {
		t.Errorf("a bad horizon: %+v", r)
	}
	if r := run(t, env, "", "plan", "list"); r.code != 0 || !strings.Contains(r.out, "proposed") || !strings.Contains(r.out, "30 d") {
		t.Errorf("plan list: %+v", r)
	}
	if r := run(t, env, "", "plan", "show", "1"); r.code != 0 || !strings.Contains(r.out, "Plan 1 (proposed)") || !strings.Contains(r.out, "by cli:plan") {
		t.Errorf("plan show: %+v", r)
	}
	if r := run(t, env, "", "plan", "show", "99"); r.code == 0 || !strings.Contains(r.err, "no plan 99") {
		t.Errorf("plan show of a missing plan: %+v", r)
	}
	if r := run(t, env, "", "plan", "approve", "1", "--exclude", "twelve"); r.code != 2 || !strings.Contains(r.err, "LINE-REQUIREMENT") {
		t.Errorf("a bad exclusion: %+v", r)
	}
	// Plan 2 is made and approved at once; plan 1 is now stale and refused.
	r = run(t, env, "", "plan", "allocate", "--approve")
	if r.code != 0 || !strings.Contains(r.out, "Approved plan 2: 6 allocations of 14256 units") {
		t.Errorf("plan allocate --approve: %+v", r)
	}
	mid := run(t, env, "", "export", "pledges").out
	if r := run(t, env, "", "plan", "approve", "1"); r.code == 0 || !strings.Contains(r.err, "the inputs of plan 1 changed since it was made") {
		t.Errorf("approving a stale plan: %+v", r)
	}
	if r := run(t, env, "", "plan", "approve", "2"); r.code == 0 || !strings.Contains(r.err, "approved already") {
		t.Errorf("approving a plan twice: %+v", r)
	}
	if after := run(t, env, "", "export", "pledges").out; after != mid {
		t.Error("a refused approval changed the ledger")
	}
	if r := run(t, env, "", "plan", "show", "1"); r.code != 0 || !strings.Contains(r.out, "cannot be approved") {
		t.Errorf("a stale plan shown: %+v", r)
	}
	if r := run(t, env, "", "plan", "list", "--state", "approved"); r.code != 0 || strings.Count(r.out, "approved") != 1 {
		t.Errorf("plan list --state approved: %+v", r)
	}
	if r := run(t, env, "", "shipment", "list", "--state", "planned"); r.code != 0 || !strings.Contains(r.out, "CZ-DEP1>PL-RZE>UA-DNIPRO") {
		t.Errorf("the approved plan's shipments: %+v", r)
	}
	if r := run(t, env, "", "audit", "verify"); r.code != 0 {
		t.Errorf("audit verify: %+v", r)
	}
}

func TestReports(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LONGHAUL_DB": filepath.Join(dir, "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	r := run(t, env, "", "report", "spending", "--year", "2024")
	if r.code != 0 || !strings.Contains(r.out, "23 of 31 Allies spent 2% of GDP or more on defence in 2024") || !strings.Contains(r.out, "4.12% e") {
		t.Errorf("report spending: %+v", r)
	}
	if r := run(t, env, "", "report", "spending", "--year", "2023"); !strings.Contains(r.out, "10 of 31 Allies") {
		t.Errorf("2023: %+v", r)
	}
	if r := run(t, env, "", "report", "spending", "--year", "2031"); r.code == 0 || !strings.Contains(r.err, "2014 to 2024") {
		t.Errorf("a year without figures: %+v", r)
	}
	for _, format := range []string{"html", "pdf", "xlsx"} {
		out := filepath.Join(dir, "review."+format)
		r := run(t, env, "", "report", "review", "--year", "2025", "--format", format, "--out", out)
		b, err := os.ReadFile(out)
		if r.code != 0 || err != nil || len(b) < 1000 || !strings.Contains(r.err, "marked NATO") {
			t.Errorf("report review --format %s: %+v %v %d bytes", format, r, err, len(b))
		}
	}
	if r := run(t, env, "", "report", "review", "--year", "2025", "--format", "doc", "--out", "x"); r.code != 2 || !strings.Contains(r.err, "use html, pdf or xlsx") {
		t.Errorf("a bad format: %+v", r)
	}
	if r := run(t, env, "", "report", "review", "--year", "2019", "--format", "pdf", "--out", filepath.Join(dir, "x.pdf")); r.code == 0 || !strings.Contains(r.err, "no baseline for 2019") {
		t.Errorf("a year without a baseline: %+v", r)
	}
	if r := run(t, env, "", "report", "iati", "--year", "2026"); r.code != 0 || !strings.Contains(r.out, "<iati-activities") || !strings.Contains(r.err, "public activities") {
		t.Errorf("report iati: %+v", r)
	}
}

func TestEquipmentAndRepairCommands(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	if r := run(t, env, "", "equipment", "list", "--state", "damaged"); r.code != 0 || strings.Count(r.out, "damaged") != 7 {
		t.Errorf("equipment list --state damaged: %+v", r)
	}
	if r := run(t, env, "", "equipment", "show", "E-00001"); r.code != 0 || !strings.Contains(r.out, "L2A4-PL-001") || !strings.Contains(r.out, "RO-00001") || !strings.Contains(r.out, "registered") {
		t.Errorf("equipment show: %+v", r)
	}
	if r := run(t, env, "", "equipment", "show", "E-09999"); r.code == 0 || !strings.Contains(r.err, "no equipment E-09999") {
		t.Errorf("a missing piece: %+v", r)
	}
	r := run(t, env, "", "repair", "plan", "--horizon", "90d")
	if r.code != 0 || !strings.Contains(r.out, "7 of 7 waiting orders placed") || !strings.Contains(r.out, "PL-USRP") {
		t.Errorf("repair plan: %+v", r)
	}
	if r := run(t, env, "", "repair", "plan", "--approve"); r.code != 0 || !strings.Contains(r.out, "Approved: 7 repair orders") {
		t.Errorf("repair plan --approve: %+v", r)
	}
	if r := run(t, env, "", "repair", "list", "--state", "assigned"); r.code != 0 || strings.Count(r.out, "assigned") != 7 {
		t.Errorf("repair list: %+v", r)
	}
	if r := run(t, env, "", "repair", "list", "--state", "lost"); r.code == 0 || !strings.Contains(r.err, "not a repair order state") {
		t.Errorf("a bad state: %+v", r)
	}
}

func TestCourseAndTrainingCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LONGHAUL_DB": filepath.Join(dir, "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	bad := "code,title,skill,host,site,seats_per_class,min_size,prerequisite,cost_per_seat_eur\nLEO-B,Leopard basics,LEO-BASIC,DEU,DE-MUN,20,4,,10000\nLEO,Leopard crews,LEOPARD-2,DEU,PL-RZE,12,8,LEO-B,40000\n"
	if r := run(t, env, bad, "course", "import", "-"); r.code == 0 || !strings.Contains(r.err, "line 3") || !strings.Contains(r.err, "not a training facility") {
		t.Errorf("a course at a hub: %+v", r)
	}
	if r := run(t, env, "", "course", "list"); r.code != 0 || strings.Contains(r.out, "LEO-B") {
		t.Errorf("a refused import left courses: %+v", r)
	}
	good := strings.Replace(bad, "DEU,PL-RZE", "DEU,DE-MUN", 1)
	if r := run(t, env, good, "course", "import", "-"); r.code != 0 || !strings.Contains(r.out, "2 courses offered") {
		t.Fatalf("course import: %+v", r)
	}
	if r := run(t, env, "", "course", "list"); r.code != 0 || !strings.Contains(r.out, "LEO-B") || !strings.Contains(r.out, "€ 40,000.00") {
		t.Errorf("course list: %+v", r)
	}
	if r := run(t, env, "", "training", "plan"); r.code != 0 || !strings.Contains(r.out, "0 of 0 waiting trainees placed") {
		t.Errorf("training plan: %+v", r)
	}
	if r := run(t, env, "", "training", "plan", "--horizon", "forever"); r.code != 2 {
		t.Errorf("a bad horizon: %+v", r)
	}
}

func TestLessonsCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"LONGHAUL_DB": filepath.Join(dir, "l.db")}
	if r := run(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %+v", r)
	}
	if r := run(t, env, "", "lessons", "list"); r.code != 0 || !strings.Contains(r.out, "0 in all") {
		t.Errorf("lessons list: %+v", r)
	}
	if r := run(t, env, "", "lessons", "show", "L-00009"); r.code == 0 || !strings.Contains(r.err, "no lesson L-00009") {
		t.Errorf("a missing lesson: %+v", r)
	}
	out := filepath.Join(dir, "digest.xlsx")
	if r := run(t, env, "", "lessons", "export", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "xlsx", "--out", out); r.code != 0 || !strings.Contains(r.err, "0 lessons") {
		t.Errorf("lessons export: %+v", r)
	}
	if b, err := os.ReadFile(out); err != nil || len(b) < 1000 {
		t.Errorf("the digest: %d bytes, %v", len(b), err)
	}
	if r := run(t, env, "", "lessons", "export", "--format", "doc"); r.code != 2 {
		t.Errorf("a bad export: %+v", r)
	}
}
