package web_test

import (
	"encoding/csv"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestAPIOpeningBalanceKeepsTheAccounts brings the demo's ledger into an
// empty database through the API as an opening balance, as a coordinator:
// the pledges, requirements and progress export as they did, and the
// accounts of every year (deliveries counted on the day they were made,
// money on the day it was disbursed) are the source's. Only a coordinator
// opens a balance, and a progress file outside one is refused.
func TestAPIOpeningBalanceKeepsTheAccounts(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	srcDB := storetest.Open(t, storetest.SQLiteDSN(t), now)
	storetest.Demo(t, srcDB, now)
	src := newAPIEnvOver(t, srcDB)
	src.token = src.user("src-coordinator", "DEU", access.Secret, access.Coordinator)
	dst := newAPIEnvOver(t, storetest.Open(t, storetest.SQLiteDSN(t), now))
	dst.token = dst.user("dst-coordinator", "DEU", access.Secret, access.Coordinator)
	officer := dst.user("dst-officer", "DEU", access.Secret, access.NationOfficer)

	get := func(e *apiEnv, path string) string {
		t.Helper()
		r := e.do("GET", path, "", "")
		if r.status != 200 {
			t.Fatalf("GET %s: %d %.300s", path, r.status, r.body)
		}
		return string(r.body)
	}
	files := map[string]string{}
	for _, k := range []string{"items", "requirements", "pledges", "progress"} {
		files[k] = get(src, "/api/v1/export/"+k)
	}
	if r := dst.do("POST", "/api/v1/network/import", "text/csv", get(src, "/api/v1/network/export")); r.status >= 300 {
		t.Fatalf("network: %d %s", r.status, r.body)
	}
	if r := dst.do("POST", "/api/v1/import/items", "text/csv", files["items"]); r.status != 201 {
		t.Fatalf("items: %d %s", r.status, r.body)
	}
	if r := dst.do("POST", "/api/v1/import/progress", "text/csv", files["progress"]); r.status != 422 || !strings.Contains(string(r.body), "opening balance") {
		t.Errorf("progress outside an opening balance: %d %s", r.status, r.body)
	}
	if r := dst.do("POST", "/api/v1/import/requirements?opening=true", "text/csv", files["requirements"], "Authorization", "Bearer "+officer); r.status != 403 {
		t.Errorf("a nation officer opening a balance: %d %s", r.status, r.body)
	}
	if got := get(dst, "/api/v1/export/requirements"); strings.Count(got, "\n") != 2 {
		t.Errorf("a refused opening balance saved requirements:\n%s", got)
	}
	for _, k := range []string{"requirements", "pledges", "progress"} {
		r := dst.do("POST", "/api/v1/import/"+k+"?opening=true", "text/csv", files[k])
		if r.status != 201 || r.json(t)["opening"] != true {
			t.Fatalf("opening %s: %d %.500s", k, r.status, r.body)
		}
	}
	for k, want := range files {
		if got := get(dst, "/api/v1/export/"+k); got != want {
			t.Errorf("%s after the opening balance:\n%s\nwant\n%s", k, got, want)
		}
	}
	// What the ledger counts in the accounts is the source's; the
	// contributions nations report directly are not pledges, and stay
	// behind.
	path := "/api/v1/accounts?format=csv&year=2025"
	got, want := ledgerColumns(t, get(dst, path)), ledgerColumns(t, get(src, path))
	if !slices.Equal(got, want) || !strings.Contains(strings.Join(want, "\n"), "DNK,1200000000.00,300000000.00,") {
		t.Errorf("the accounts after the opening balance:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := dst.do("GET", "/api/v1/check", "", ""); r.status != 200 || r.json(t)["ok"] != true {
		t.Errorf("check after the opening balance: %d %.500s", r.status, r.body)
	}
}

// ledgerColumns are the columns of an accounts CSV that the ledger's
// pledges make: nation, committed, disbursed, delivered, outstanding and
// the pledges of undisclosed value.
func ledgerColumns(t *testing.T, body string) []string {
	t.Helper()
	if strings.HasPrefix(body, "#") {
		body = body[strings.Index(body, "\n")+1:]
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("accounts CSV: %v\n%s", err, body)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var out []string
	for _, r := range recs[1:] {
		var cells []string
		for _, c := range []string{"nation", "committed_eur", "disbursed_eur", "delivered_eur", "outstanding_eur", "undisclosed_pledges"} {
			cells = append(cells, r[col[c]])
		}
		out = append(out, strings.Join(cells, ","))
	}
	return out
}

// TestImportPageOpensABalance: the import page's opening-balance box
// checks a progress file, says it is an opening balance, and its
// confirmation imports it as one.
func TestImportPageOpensABalance(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(t, storetest.SQLiteDSN(t), now)
	storetest.Demo(t, db, now)
	e := newAPIEnvOver(t, db)
	e.token = e.user("page-coordinator", "DEU", access.Secret, access.Coordinator)
	cookie := sessionOf(t, e.signIn("page-coordinator", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	step := "pledge_ref,line,step,requirement_ref,quantity,amount_eur,date,evidence\nP-00001,1,withdrawn,,1,,,\n"

	page := e.postForm(t, "/transfer/import", cookie, map[string]string{"csrf": csrf, "kind": "progress"}, step)
	if body := html.UnescapeString(string(page.body)); page.status != 422 || !strings.Contains(body, "opening balance") {
		t.Errorf("progress without the box: %d %s", page.status, body)
	}
	page = e.postForm(t, "/transfer/import", cookie, map[string]string{"csrf": csrf, "kind": "progress", "opening": "yes"}, step)
	body := html.UnescapeString(string(page.body))
	if page.status != 200 || !strings.Contains(body, "as an opening balance") || !strings.Contains(body, `name="opening" value="yes"`) || !strings.Contains(body, "P-00001 line 1: 1 withdrawn") {
		t.Fatalf("checking with the box: %d %s", page.status, body)
	}
}
