package web_test

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/web"
)

const importPledges = "pledge_ref,nation,title,kind,channel,category,announced,promised,amount_eur,nsn,quantity,unit_value_eur\n" +
	"A,DEU,Päckchen für Charkiw,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1320-12-345-6789,10,\n" +
	"B,DNK,Fund,funds,trust_fund,trust_fund,2025-01-01,2025-12-31,1000000.00,,,\n"

// book opens a workbook an answer holds.
func book(t *testing.T, r apiResponse) *excelize.File {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != web.XLSXType {
		t.Fatalf("Content-Type %q, want a workbook: %d %.200s", ct, r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestAPIImportsAWorkbookAndDryRunSavesNothing(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	before := e.fingerprint()
	res := e.do("POST", "/api/v1/import/pledges?dry_run=true", "text/csv", importPledges)
	if res.status != 200 {
		t.Fatalf("dry run: %d %s", res.status, res.body)
	}
	j := res.json(t)
	if j["dry_run"] != true || j["created"] != float64(2) || len(j["records"].([]any)) != 2 {
		t.Errorf("dry run answered %s", res.body)
	}
	if e.fingerprint() != before {
		t.Error("a dry run changed the database")
	}
	// Exported as a workbook and imported back, the pledges come again.
	if r := e.do("POST", "/api/v1/import/pledges", "text/csv", importPledges); r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	x := e.do("GET", "/api/v1/export/pledges?nation=DNK&format=xlsx", "", "")
	f := book(t, x)
	if v, _ := f.GetCellValue("pledges", "A1"); v != "NATO UNCLASSIFIED" || x.header.Get("X-Classification") != "NATO UNCLASSIFIED" {
		t.Errorf("marking row %q, header %q", v, x.header.Get("X-Classification"))
	}
	if v := cellByHeader(t, f, "pledges", "amount_eur", 3); v != "1,000,000.00" {
		t.Errorf("the amount shows as %q, want 1,000,000.00", v)
	}
	if !strings.Contains(x.header.Get("Content-Disposition"), ".xlsx") {
		t.Errorf("file name %q", x.header.Get("Content-Disposition"))
	}
	back := e.do("POST", "/api/v1/import/pledges", web.XLSXType, string(x.body))
	if back.status != 201 || back.json(t)["created"] != float64(1) {
		t.Errorf("the workbook back: %d %s", back.status, back.body)
	}
	if r := e.do("GET", "/api/v1/export/pledges?format=ods", "", ""); r.status != 422 || !strings.Contains(string(r.body), "use csv or xlsx") {
		t.Errorf("an unknown format: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/import/pledges", "image/png", importPledges); r.status != 415 {
		t.Errorf("an image: %d", r.status)
	}
	// Every list with a CSV export has the workbook too.
	for _, path := range []string{"/api/v1/export/items", "/api/v1/export/requirements", "/api/v1/network/export", "/api/v1/shipments?format=xlsx", "/api/v1/contributions?format=xlsx", "/api/v1/accounts?format=xlsx&year=2025"} {
		if !strings.Contains(path, "format=") {
			path += "?format=xlsx"
		}
		r := e.do("GET", path, "", "")
		if r.status != 200 {
			t.Errorf("%s: %d %.200s", path, r.status, r.body)
			continue
		}
		f := book(t, r)
		if rows, err := f.GetRows(f.GetSheetList()[0]); err != nil || len(rows) < 2 {
			t.Errorf("%s: %d rows, %v", path, len(rows), err)
		}
	}
}

// postForm posts a multipart form as the signed-in browser of cookie.
func (e *apiEnv) postForm(t *testing.T, path, cookie string, fields map[string]string, file string) apiResponse {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "pledges.csv")
		fw.Write([]byte(file))
	}
	mw.Close()
	return e.do("POST", path, mw.FormDataContentType(), b.String(), "Authorization", "", "Cookie", cookie)
}

func TestImportPageChecksThenConfirms(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	e.user("imp-coordinator", "DEU", access.Secret, access.Coordinator)
	cookie := sessionOf(t, e.signIn("imp-coordinator", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	before := e.fingerprint()
	// A file with problems: every one listed, nothing saved.
	bad := strings.Replace(importPledges, "DNK,Fund", "XXX,", 1)
	page := e.postForm(t, "/transfer/import", cookie, map[string]string{"csrf": csrf, "kind": "pledges"}, bad)
	body := html.UnescapeString(string(page.body))
	if page.status != 422 || !strings.Contains(body, "line 3.nation") || !strings.Contains(body, "line 3.title: is required") {
		t.Fatalf("a bad file: %d %s", page.status, body)
	}
	// A good one: the preview lists what it adds and saves nothing.
	page = e.postForm(t, "/transfer/import", cookie, map[string]string{"csrf": csrf, "kind": "pledges"}, importPledges)
	body = html.UnescapeString(string(page.body))
	if page.status != 200 || !strings.Contains(body, "Nothing is saved yet") || !strings.Contains(body, "DEU: Päckchen für Charkiw, 1 line") || !strings.Contains(body, "Import these 2 pledges") {
		t.Fatalf("the check: %d %s", page.status, body)
	}
	if e.fingerprint() != before {
		t.Fatal("checking a file saved something")
	}
	field := func(name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(string(page.body))
		if m == nil {
			t.Fatalf("the confirm form has no %s", name)
		}
		return html.UnescapeString(m[1])
	}
	confirm := map[string]string{"csrf": csrf, "kind": "pledges", "confirm": "yes", "hash": field("hash"), "data": field("data"), "name": field("name")}
	// Another file under the checked one's hash is refused.
	tampered := map[string]string{}
	for k, v := range confirm {
		tampered[k] = v
	}
	tampered["data"] = "cGxlZGdlX3JlZgo="
	if r := e.postForm(t, "/transfer/import", cookie, tampered, ""); r.status != 422 || !strings.Contains(string(r.body), "not the file that was checked") {
		t.Errorf("a file other than the checked one: %d", r.status)
	}
	done := e.postForm(t, "/transfer/import", cookie, confirm, "")
	if done.status != 200 || !strings.Contains(string(done.body), "Imported 2 pledges from 2 rows") {
		t.Fatalf("confirm: %d %s", done.status, done.body)
	}
	if e.fingerprint() == before {
		t.Error("the confirmed import saved nothing")
	}
	// The templates: CSV with an example that is never imported, and a
	// workbook with drop-downs for the coded columns.
	tpl := e.do("GET", "/transfer/template/pledges", "", "", "Authorization", "", "Cookie", cookie)
	if tpl.status != 200 || !strings.Contains(string(tpl.body), "pledge_ref,nation") {
		t.Fatalf("CSV template: %d %s", tpl.status, tpl.body)
	}
	if r := e.do("POST", "/api/v1/import/pledges?dry_run=true", "text/csv", string(tpl.body)); r.status != 422 || !strings.Contains(string(r.body), "no rows") {
		t.Errorf("the template as it comes: %d %s", r.status, r.body)
	}
	xt := e.do("GET", "/transfer/template/pledges?format=xlsx", "", "", "Authorization", "", "Cookie", cookie)
	f := book(t, xt)
	dvs, err := f.GetDataValidations("pledges")
	if err != nil || len(dvs) < 5 {
		t.Fatalf("%d drop-downs in the template, %v", len(dvs), err)
	}
	if visible, _ := f.GetSheetVisible("lists"); visible {
		t.Error("the sheet of lists is visible")
	}
	nations, _ := f.GetCols("lists")
	if len(nations) == 0 || !contains(nations[0], "DEU") || contains(nations[0], "UKR") {
		t.Errorf("the nations a pledge may name: %v", nations)
	}
	bases := 0
	for _, c := range nations {
		if len(c) > 0 && (c[0] == "amount_basis" || c[0] == "unit_basis") && contains(c, "replacement_cost") {
			bases++
		}
	}
	if bases != 2 {
		t.Errorf("the valuation bases are offered in %d columns, want 2 (amount_basis, unit_basis)", bases)
	}
}

// cellByHeader is the shown value of the column named header (in the
// header row, the second) at row.
func cellByHeader(t *testing.T, f *excelize.File, sheet, header string, row int) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) < 2 {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	for i, h := range rows[1] {
		if h == header {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			v, _ := f.GetCellValue(sheet, cell)
			return v
		}
	}
	t.Fatalf("sheet %s has no column %s", sheet, header)
	return ""
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestAmountsAsPeopleWriteThem posts amounts written the continental and
// the English way through the API and the pledge form: each is stored as
// meant, and "1,250", which means two things, is refused next to its
// field, with what was typed kept in the form.
func TestAmountsAsPeopleWriteThem(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	fund := func(amount string) string {
		return `{"nation":"DEU","title":"Fund","kind":"funds","channel":"trust_fund","category":"trust_fund","announced":"2025-02-01","promised":"2025-04-30","amount":` + amount + `}`
	}
	for in, want := range map[string]string{`"12,50"`: "12.50", `"1.250.000,50"`: "1250000.50", `"1 250,5"`: "1250.50", `"1,250.50"`: "1250.50", `"0,25"`: "0.25"} {
		r := e.do("POST", "/api/v1/pledges", "application/json", fund(in))
		if r.status != 201 || r.json(t)["amount"] != want {
			t.Errorf("amount %s: %d %s, want %s", in, r.status, r.body, want)
		}
	}
	r := e.do("POST", "/api/v1/pledges", "application/json", fund(`"1,250"`))
	if r.status != 422 || r.json(t)["field"] != "amount" || !strings.Contains(string(r.body), "ambiguous") {
		t.Errorf("amount 1,250: %d %s", r.status, r.body)
	}
	e.user("amt-coordinator", "DEU", access.Secret, access.Coordinator)
	cookie := sessionOf(t, e.signIn("amt-coordinator", testPassword))
	csrf := e.do("GET", "/api/v1/me", "", "", "Authorization", "", "Cookie", cookie).json(t)["csrf"].(string)
	form := "csrf=" + csrf + "&nation=DEU&title=Fund+by+form&kind=funds&channel=trust_fund&category=trust_fund&announced=2025-02-01&promised=2025-04-30&classification=NATO+UNCLASSIFIED&amount="
	page := e.do("POST", "/pledges", "application/x-www-form-urlencoded", form+"1%2C250", "Authorization", "", "Cookie", cookie)
	body := html.UnescapeString(string(page.body))
	if page.status != 422 || !strings.Contains(body, "ambiguous") || !strings.Contains(body, `value="1,250"`) {
		t.Errorf("the form with 1,250: %d, the message or the typed value is missing", page.status)
	}
	page = e.do("POST", "/pledges", "application/x-www-form-urlencoded", form+"12%2C50", "Authorization", "", "Cookie", cookie)
	if page.status != 303 {
		t.Fatalf("the form with 12,50: %d %s", page.status, page.body)
	}
	ps := e.do("GET", "/api/v1/pledges?q=Fund+by+form", "", "").json(t)["items"].([]any)
	if len(ps) != 1 || ps[0].(map[string]any)["amount"] != "12.50" {
		t.Errorf("the form's 12,50 is stored as %v", ps)
	}
}

// TestNetworkImportSaysWhatItConverted: a network file in Windows-1252 with
// semicolons, as Excel saves it in Europe, imports through the API, the
// page and the CLI alike, and each says the file was converted rather
// than changing its encoding in silence.
func TestNetworkImportSaysWhatItConverted(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	csv, err := charmap.Windows1252.NewEncoder().String("record;code;name;nation;kinds;lat;lon\nsite;DE-MUC;München Depot;DEU;donor_depot;48.14;11.58\n")
	if err != nil {
		t.Fatal(err)
	}
	r := e.do("POST", "/api/v1/network/import", "text/csv", csv)
	if r.status != 201 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	notices, _ := r.json(t)["notices"].([]any)
	if len(notices) != 2 || !strings.Contains(fmt.Sprint(notices), "Windows-1252") || !strings.Contains(fmt.Sprint(notices), "semicolons") {
		t.Errorf("the API's notices: %v", notices)
	}
	if sites := string(e.do("GET", "/api/v1/network/export", "", "").body); !strings.Contains(sites, "München Depot") {
		t.Errorf("the name was not converted: %.300s", sites)
	}
}
