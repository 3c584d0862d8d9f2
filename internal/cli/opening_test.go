package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestOpeningBalanceRoundTrip exports the demo's ledger (its network,
// catalogue, requirements, pledges and their progress: commitments,
// allocations, shipments, deliveries by day, acceptances, withdrawals and
// money) and brings it into an empty database as an opening balance: every
// export of the copy is the source's, byte for byte, references included,
// and longhaul check and audit verify pass on it. Without --opening a
// progress file is refused, and a row out of order names its line.
func TestOpeningBalanceRoundTrip(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src, dst := storetest.SQLiteDSN(t), dsn(t)
			if r := run(t, nil, "", "demo", "--db", src); r.code != 0 {
				t.Fatalf("demo: %+v", r)
			}
			kinds := []string{"items", "requirements", "pledges", "progress"}
			exported := map[string]string{}
			for _, k := range kinds {
				r := run(t, nil, "", "export", "--db", src, k)
				if r.code != 0 {
					t.Fatalf("export %s: %+v", k, r)
				}
				exported[k] = r.out
			}
			progress := exported["progress"]
			for _, step := range []string{",committed,", ",allocated,R-", ",shipped,R-", ",delivered,R-", ",accepted,R-", ",money_committed,", ",money_disbursed,"} {
				if !strings.Contains(progress, step) {
					t.Errorf("the demo's progress has no %q step:\n%s", step, progress)
				}
			}
			net := run(t, nil, "", "network", "export", "--db", src)
			if net.code != 0 {
				t.Fatalf("network export: %+v", net)
			}

			if r := run(t, nil, "", "migrate", "--db", dst); r.code != 0 {
				t.Fatalf("migrate: %+v", r)
			}
			if r := run(t, nil, net.out, "network", "import", "--db", dst, "-"); r.code != 0 {
				t.Fatalf("network import: %+v", r)
			}
			if r := run(t, nil, exported["items"], "import", "--db", dst, "items", "-"); r.code != 0 {
				t.Fatalf("import items: %+v", r)
			}
			if r := run(t, nil, progress, "import", "--db", dst, "progress", "-"); r.code != 1 || !strings.Contains(r.err, "opening balance") {
				t.Errorf("progress without --opening: %+v", r)
			}
			for _, k := range kinds[1:] {
				if r := run(t, nil, exported[k], "import", "--db", dst, "--opening", "--dry-run", k, "-"); r.code != 0 || !strings.Contains(r.out, "Nothing was saved") {
					t.Fatalf("import --opening --dry-run %s: %+v", k, r)
				}
				if r := run(t, nil, exported[k], "import", "--db", dst, "--opening", k, "-"); r.code != 0 {
					t.Fatalf("import --opening %s: %+v", k, r)
				}
			}
			for _, k := range kinds {
				r := run(t, nil, "", "export", "--db", dst, k)
				if r.code != 0 {
					t.Fatalf("export %s of the copy: %+v", k, r)
				}
				if r.out != exported[k] {
					t.Errorf("the copy's %s differ from the source's:\n%s\nwant\n%s", k, r.out, exported[k])
				}
			}
			if r := run(t, nil, "", "check", "--db", dst); r.code != 0 || !strings.Contains(r.out, "invariants hold") {
				t.Errorf("check after the opening balance: %+v", r)
			}
			if r := run(t, nil, "", "audit", "verify", "--db", dst); r.code != 0 {
				t.Errorf("audit verify after the opening balance: %+v", r)
			}
			// The references taken, a second opening is refused whole.
			if r := run(t, nil, exported["pledges"], "import", "--db", dst, "--opening", "pledges", "-"); r.code != 1 || !strings.Contains(r.err, "Nothing was imported") {
				t.Errorf("the same pledges opened twice: %+v", r)
			}
			// New records after the opening take the next references.
			if r := run(t, nil, exported["pledges"], "import", "--db", dst, "pledges", "-"); r.code != 0 {
				t.Errorf("pledges after the opening: %+v", r)
			}

			// A step before the one it needs is refused by its line and
			// column, and nothing is saved.
			bad := "pledge_ref,line,step,requirement_ref,quantity,amount_eur,date,evidence\n" +
				"P-00001,1,delivered,R-00099,5,,2025-01-01,\n" +
				"P-09999,1,committed,,5,,,\n" +
				"P-00001,x,ordered,,,,,\n"
			path := filepath.Join(dir, "bad.csv")
			os.WriteFile(path, []byte(bad), 0o644)
			r := run(t, nil, "", "import", "--db", dst, "--opening", "progress", path)
			for _, want := range []string{"line 2", "requirement_ref", "line 3", "pledge_ref", "line 4", "step", "Nothing was imported"} {
				if r.code != 1 || !strings.Contains(r.err, want) {
					t.Errorf("a bad progress file: %d, %q lacks %q", r.code, r.err, want)
				}
			}
		})
	}
}
