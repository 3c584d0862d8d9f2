package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// gridForm is the requirements grid as a browser sends it: every column a
// list of its cells, one a row, empty rows included.
func gridForm(rows ...[]string) string {
	cols := []string{"nsn", "group", "quantity", "priority", "need_by", "delivery_site", "notes", "classification", "releasable_to"}
	f := url.Values{}
	for _, r := range rows {
		for i, c := range cols {
			v := ""
			if i < len(r) {
				v = r[i]
			}
			f.Add(c, v)
		}
	}
	return f.Encode()
}

func TestRequirementsGrid(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	count := func() int {
		return len(regexp.MustCompile(`<tr data-id=`).FindAll(e.do("GET", "/requirements", "", "").body, -1))
	}
	post := func(body string) apiResponse {
		return e.do("POST", "/requirements/grid", "application/x-www-form-urlencoded", body)
	}
	if page := string(e.do("GET", "/requirements/new", "", "").body); !strings.Contains(page, `<table class="data lines" id="requirements-grid">`) || strings.Count(page, `aria-label="quantity of row`) != 4 {
		t.Fatal("the requirement form has no grid of four rows")
	}

	// Every problem of every row at once, beside its cell, with what was
	// typed kept; nothing is stored, not even the good row.
	before := e.fingerprint()
	res := post(gridForm(
		[]string{storetest.NSN155, "", "12x", "1", "soon", storetest.SiteKyiv, "", "NATO UNCLASSIFIED"},
		[]string{},
		[]string{storetest.NSNStinger, "", "4", "2", "2025-06-01", storetest.SiteKyiv, "", "NATO UNCLASSIFIED"},
		[]string{"", "155MM-NATO", "800", "", "2025-07-01", "UA-NOWHERE", "", "NATO UNCLASSIFIED"},
	))
	page := html.UnescapeString(string(res.body))
	if res.status != 422 {
		t.Fatalf("a grid with bad rows: %d", res.status)
	}
	for _, w := range []string{
		`data-field="requirements[0].quantity">"12x" is not a whole number`,
		`data-field="requirements[0].need_by">"soon" is not a date`,
		`data-field="requirements[2].priority">must be 1 (critical) to 4 (routine)`,
		`data-field="requirements[2].delivery_site">no site "UA-NOWHERE"`,
		`value="12x" aria-label="quantity of row 1"`, `value="soon" aria-label="need-by date of row 1"`, // kept as typed
		`value="UA-NOWHERE" aria-label="delivery point of row 3"`, // the blank row is gone, the rest keep their order
		`id="grid-error"`,
	} {
		if !strings.Contains(page, w) {
			t.Errorf("the refused grid shows no %q", w)
		}
	}
	if n := strings.Count(page, `class="field-error"`); n != 4 {
		t.Errorf("%d errors shown, want 4: %s", n, regexp.MustCompile(`data-field="[^"]*"`).FindAllString(page, -1))
	}
	if e.fingerprint() != before {
		t.Error("a refused grid stored something")
	}

	// Nothing typed is nothing to submit.
	if res := post(gridForm([]string{}, []string{"", "", "", "", "", "", "", "NATO UNCLASSIFIED"})); res.status != 422 || !strings.Contains(string(res.body), "give at least one requirement") {
		t.Errorf("an empty grid: %d", res.status)
	}
	// More rows keeps what was typed and saves nothing.
	res = e.do("POST", "/requirements/grid", "application/x-www-form-urlencoded", gridForm([]string{storetest.NSN155, "", "7"})+"&more=1")
	if page := string(res.body); res.status != 200 || strings.Count(page, `aria-label="quantity of row`) != 5 || !strings.Contains(page, `value="7" aria-label="quantity of row 1"`) {
		t.Errorf("more rows: %d, %d rows", res.status, strings.Count(page, `aria-label="quantity of row`))
	}
	if e.fingerprint() != before {
		t.Error("asking for more rows stored something")
	}

	// Three good rows make three requirements.
	n := count()
	res = post(gridForm(
		[]string{storetest.NSN155, "", "1200", "1", "2025-06-01", storetest.SiteKyiv, "counter-battery", "NATO UNCLASSIFIED"},
		[]string{"", "155MM-NATO", "800", "2", "2025-07-01", "ua-kyiv", "", "NATO RESTRICTED", "UKR DEU"},
		[]string{storetest.NSNStinger, "", "4", "3", "2025-08-01", storetest.SiteKyiv},
	))
	if got := e.notice(res); res.status != 303 || got != "3 requirements submitted: R-00001, R-00002, R-00003" {
		t.Fatalf("three rows: %d %q", res.status, got)
	}
	if got := count(); got != n+3 {
		t.Errorf("%d requirements after three rows, want %d", got, n+3)
	}
}
