package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/cli"
)

type result struct {
	code     int
	out, err string
}

func run(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, func(k string) string { return env[k] }, cli.IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return result{code, out.String(), errb.String()}
}

func TestHelpVersionAndUsage(t *testing.T) {
	if r := run(t, nil, "", "version"); r.code != 0 || !strings.HasPrefix(r.out, "longhaul ") {
		t.Errorf("version: %+v", r)
	}
	if r := run(t, nil, "", "help"); r.code != 0 || !strings.Contains(r.out, "audit") {
		t.Errorf("help: %+v", r)
	}
	if r := run(t, nil, "", "frobnicate"); r.code != 2 || !strings.Contains(r.err, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %+v", r)
	}
	for _, c := range []string{"serve", "migrate", "demo", "import", "export", "version"} {
		if r := run(t, nil, "", c, "--help"); r.code != 0 || !strings.Contains(r.err, "Usage: longhaul "+c) {
			t.Errorf("%s --help: %+v", c, r)
		}
	}
	if r := run(t, nil, "", "audit", "--help"); r.code != 0 || !strings.Contains(r.out, "audit verify") {
		t.Errorf("audit --help: %+v", r)
	}
	if r := run(t, map[string]string{"LONGHAUL_DEMO": "perhaps"}, "", "serve", "--db", filepath.Join(t.TempDir(), "x.db")); r.code == 0 || !strings.Contains(r.err, "LONGHAUL_DEMO") {
		t.Errorf("a bad environment value must stop serve and be named: %+v", r)
	}
}

func TestDemoExportImportAndVerify(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "l.db")
	env := map[string]string{"LONGHAUL_DB": db}
	if r := run(t, env, "", "migrate"); r.code != 0 || !regexp.MustCompile(`is at schema version [1-9][0-9]*\.`).MatchString(r.out) {
		t.Fatalf("migrate: %+v", r)
	}
	if r := run(t, env, "", "demo"); r.code != 0 || !strings.Contains(r.out, "Loaded the demo scenario") || !strings.Contains(r.out, "9 users") {
		t.Fatalf("demo: %+v", r)
	}
	if r := run(t, env, "", "demo"); r.code != 0 || !strings.Contains(r.out, "already loaded") {
		t.Fatalf("demo twice: %+v", r)
	}
	// The demo's 18 pledges and the 75 of its illustrative history.
	r := run(t, env, "", "export", "pledges")
	if r.code != 0 || strings.Count(r.out, "\n") < 20 || !strings.HasPrefix(r.out, "# NATO RESTRICTED\npledge_ref,nation,title") {
		t.Fatalf("export: %+v", r)
	}
	exported := r.out

	// The export imports into a fresh database with the demo's catalogue.
	db2 := filepath.Join(dir, "copy.db")
	items := run(t, env, "", "export", "items", "--out", filepath.Join(dir, "items.csv"))
	if items.code != 0 {
		t.Fatalf("export items: %+v", items)
	}
	// Sites are reference data of the demo; the copy gets them from the demo too.
	if r := run(t, nil, "", "demo", "--db", db2); r.code != 0 {
		t.Fatal(r)
	}
	// A dry run says what the file adds and saves nothing.
	if r := run(t, nil, exported, "import", "--db", db2, "--dry-run", "pledges", "-"); r.code != 0 || !strings.Contains(r.out, "holds 93 pledges to add") || !strings.Contains(r.out, "Nothing was saved") {
		t.Fatalf("import --dry-run: %+v", r)
	}
	if r := run(t, nil, exported, "import", "--db", db2, "pledges", "-"); r.code != 0 || !strings.Contains(r.out, "Imported 93 pledges") {
		t.Fatalf("import pledges after the dry run: %+v", r)
	}
	// The same as a workbook, with --out naming an .xlsx, imports too.
	book := filepath.Join(dir, "pledges.xlsx")
	if r := run(t, env, "", "export", "pledges", "--out", book); r.code != 0 {
		t.Fatalf("export pledges as a workbook: %+v", r)
	}
	if b, err := os.ReadFile(book); err != nil || !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		t.Fatalf("the export is no workbook: %v", err)
	}
	db3 := filepath.Join(dir, "book.db")
	if r := run(t, nil, "", "demo", "--db", db3); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, nil, "", "import", "--db", db3, "pledges", book); r.code != 0 || !strings.Contains(r.out, "Imported 93 pledges") {
		t.Fatalf("import the workbook: %+v", r)
	}
	if r := run(t, env, "", "export", "pledges", "--format", "ods"); r.code == 0 {
		t.Errorf("an unknown format exported: %+v", r)
	}

	// A file with one bad row imports nothing and names the row.
	bad := "nsn,name,capability,unit_of_issue,unit_value_eur,mass_kg,volume_m3,group\n" +
		"1005-12-999-0001,Rifle,small_arms,EA,1200.00,4.1,0.01,\n" +
		"1005-12-999-0002,Rifle B,small_arms,EA,-5,4.1,0.01,\n"
	path := filepath.Join(dir, "bad.csv")
	os.WriteFile(path, []byte(bad), 0o644)
	if r := run(t, env, "", "import", "items", path); r.code != 1 || !strings.Contains(r.err, "line 3") || !strings.Contains(r.err, "Nothing was imported") {
		t.Fatalf("bad import: %+v", r)
	}
	if r := run(t, env, "", "export", "items"); strings.Contains(r.out, "1005-12-999-0001") {
		t.Fatal("the good row of a refused import was saved")
	}

	if r := run(t, env, "", "audit", "verify"); r.code != 0 || !strings.Contains(r.out, "Audit chain intact") {
		t.Fatalf("verify: %+v", r)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_events SET actor = 'someone else' WHERE seq = 42`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	r = run(t, env, "", "audit", "verify")
	if r.code != 3 || !strings.Contains(r.err, "broken at event 42") {
		t.Fatalf("verify after tampering: %+v", r)
	}
}

func TestUsersAndTokens(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	env := map[string]string{"LONGHAUL_DB": db}
	r := run(t, env, "", "user", "add", "--name", "fra-lo", "--nation", "FRA", "--role", "nation_officer", "--clearance", "NATO RESTRICTED")
	if r.code != 0 || !strings.Contains(r.out, "Password (shown once): ") {
		t.Fatalf("user add: %+v", r)
	}
	if r := run(t, env, "short\n", "user", "add", "--name", "xx", "--nation", "FRA", "--role", "analyst", "--password-stdin"); r.code == 0 || !strings.Contains(r.err, "at least 12 characters") {
		t.Errorf("short password: %+v", r)
	}
	if r := run(t, env, "password1234\n", "user", "add", "--name", "yy", "--nation", "FRA", "--role", "analyst", "--password-stdin"); r.code == 0 || !strings.Contains(r.err, "common passwords") {
		t.Errorf("common password: %+v", r)
	}
	if r := run(t, env, "", "user", "add", "--name", "zz", "--nation", "FRA", "--role", "emperor"); r.code == 0 || !strings.Contains(r.err, `"emperor" is not a role`) {
		t.Errorf("unknown role: %+v", r)
	}
	if r := run(t, env, "", "user", "role", "--name", "fra-lo", "--role", "nation_officer,analyst"); r.code != 0 || !strings.Contains(r.out, "analyst,nation_officer") {
		t.Errorf("user role: %+v", r)
	}
	r = run(t, env, "", "token", "create", "--user", "fra-lo", "--name", "reporting", "--expires", "30d")
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	secret := lines[len(lines)-1]
	if r.code != 0 || !strings.HasPrefix(secret, "lh_") {
		t.Fatalf("token create: %+v", r)
	}
	if r := run(t, env, "", "token", "list", "--user", "fra-lo"); r.code != 0 || !strings.Contains(r.out, "reporting") || strings.Contains(r.out, secret) {
		t.Errorf("token list must show the token, never its secret: %+v", r)
	}
	if r := run(t, env, "", "token", "revoke", "1"); r.code != 0 {
		t.Errorf("token revoke: %+v", r)
	}
	if r := run(t, env, "", "token", "list"); !strings.Contains(r.out, "revoked") {
		t.Errorf("revoked token listed as: %s", r.out)
	}
	if r := run(t, env, "", "user", "disable", "--name", "fra-lo"); r.code != 0 {
		t.Errorf("disable: %+v", r)
	}
	if r := run(t, env, "", "user", "list"); !strings.Contains(r.out, "disabled") {
		t.Errorf("user list: %s", r.out)
	}
	// Everything the commands did is in an intact audit chain.
	if r := run(t, env, "", "audit", "verify"); r.code != 0 {
		t.Errorf("verify: %+v", r)
	}
}

func TestLastAdministratorStays(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "a.db")}
	if r := run(t, env, "", "user", "add", "--name", "root", "--nation", "DEU", "--role", "admin"); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, env, "", "user", "disable", "--name", "root"); r.code == 0 || !strings.Contains(r.err, "last active administrator") {
		t.Errorf("disabling the last administrator: %+v", r)
	}
	if r := run(t, env, "", "user", "role", "--name", "root", "--role", "analyst"); r.code == 0 || !strings.Contains(r.err, "last active administrator") {
		t.Errorf("taking the last administrator's role: %+v", r)
	}
	run(t, env, "", "user", "add", "--name", "root2", "--nation", "DEU", "--role", "admin")
	if r := run(t, env, "", "user", "disable", "--name", "root"); r.code != 0 {
		t.Errorf("with a second administrator: %+v", r)
	}
}
