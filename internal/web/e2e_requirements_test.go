package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// requirementCount returns how many requirements the database holds.
func (a *e2eApp) requirementCount() int64 {
	a.t.Helper()
	p, err := a.DB.Requirements(storetest.Ctx(), assist.RequirementFilter{}, list.Options{Limit: 1})
	if err != nil {
		a.t.Fatalf("list requirements: %v", err)
	}
	return p.Total
}

// pasteInto pastes text, as copied from a spreadsheet, into the element
// sel, and returns how many rows the table of name's cells then has.
func (a *e2eApp) pasteInto(sel, name, text string) int {
	a.t.Helper()
	js := fmt.Sprintf(`(function () {
		var dt = new DataTransfer();
		dt.setData("text/plain", %q);
		document.querySelector(%q).dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		return document.querySelectorAll('#requirements-grid input[name=%q]').length;
	})()`, text, sel, name)
	return e2eRun(a, "paste into "+sel, chromedp.Evaluate[int](js))
}

// wantValues checks the value of each form control, when it is.
func (a *e2eApp) wantValues(when string, want map[string]string) {
	a.t.Helper()
	for sel, w := range want {
		if got := e2eRun(a, "read "+sel, chromedp.Value(chromedp.CSS(sel))); got != w {
			a.fatalf("%s %s holds %q, want %q", when, sel, got, w)
		}
	}
}

// TestE2EPasteRequirementsFromASpreadsheet copies three requirements out
// of a spreadsheet (item, group, quantity, priority, need-by, delivery
// point, notes, tab-separated) into the third row of the requirements
// grid: the rows fill from there, one is added for the row that runs past
// the grid's four, and saving makes the three requirements.
func TestE2EPasteRequirementsFromASpreadsheet(t *testing.T) {
	a := e2eStart(t)
	a.signIn("coordinator")
	a.navigate("/requirements/new", 200)
	when := e2ePromised()
	block := storetest.NSN155 + "\t\t1200\t1\t" + when + "\t" + storetest.SiteKyiv + "\tcounter-battery\r\n" +
		"\t155MM-NATO\t800\t2\t" + when + "\t" + storetest.SiteKyiv + "\t\r\n" +
		storetest.NSNStinger + "\t\t4\t3\t" + when + "\t" + storetest.SiteKyiv + "\tair defence of Kyiv\r\n"
	if rows := a.pasteInto(`#requirements-grid tbody tr:nth-child(3) input[name="nsn"]`, "nsn", block); rows != 5 {
		a.fatalf("after pasting three rows into the third the grid has %d rows, want 5", rows)
	}
	a.wantValues("after the paste", map[string]string{
		`#requirements-grid tbody tr:nth-child(3) input[name="quantity"]`:      "1200",
		`#requirements-grid tbody tr:nth-child(4) input[name="group"]`:         "155MM-NATO",
		`#requirements-grid tbody tr:nth-child(4) select[name="priority"]`:     "2",
		`#requirements-grid tbody tr:nth-child(5) input[name="notes"]`:         "air defence of Kyiv",
		`#requirements-grid tbody tr:nth-child(5) input[name="need_by"]`:       when,
		`#requirements-grid tbody tr:nth-child(5) input[name="delivery_site"]`: storetest.SiteKyiv,
	})
	a.wantText("#requirements-grid tbody tr:nth-child(5) td:first-child", "5")
	before := a.requirementCount()
	a.click("#submit-grid", 200)
	if after := a.requirementCount(); after != before+3 {
		a.fatalf("%d requirements after saving, want %d", after, before+3)
	}
	if got := a.location().Path; got != "/requirements" {
		a.fatalf("after saving the browser is at %s, want /requirements", got)
	}
	if flash := a.text("p.flash"); !strings.HasPrefix(flash, "3 requirements submitted: ") {
		a.fatalf("the list says %q", flash)
	}
	a.wantText(`#requirements tbody tr:first-child td:nth-child(2)`, "Guided missile, Stinger ("+storetest.NSNStinger+")")
	a.checkConsole()
}

// TestE2ERequirementsGridShowsEveryRowsError pastes three rows of which
// two are wrong: nothing is saved, each problem is shown beside its cell,
// and every cell keeps what was pasted.
func TestE2ERequirementsGridShowsEveryRowsError(t *testing.T) {
	a := e2eStart(t)
	a.signIn("coordinator")
	a.navigate("/requirements/new", 200)
	when := e2ePromised()
	block := storetest.NSN155 + "\t\t12x\t1\t" + when + "\t" + storetest.SiteKyiv + "\t\n" +
		storetest.NSNStinger + "\t\t4\t2\t" + when + "\t" + storetest.SiteKyiv + "\t\n" +
		"\t155MM-NATO\t800\t2\t" + when + "\tUA-NOWHERE\t\n"
	if rows := a.pasteInto(`#requirements-grid tbody tr:first-child input[name="nsn"]`, "nsn", block); rows != 4 {
		a.fatalf("after pasting three rows the grid has %d rows, want 4", rows)
	}
	before := a.requirementCount()
	a.click("#submit-grid", 422)
	if after := a.requirementCount(); after != before {
		a.fatalf("%d requirements after a refused grid, want %d: a row was saved", after, before)
	}
	for field, want := range map[string]string{
		"requirements[0].quantity":      `"12x" is not a whole number`,
		"requirements[2].delivery_site": `no site "UA-NOWHERE"`,
	} {
		a.wantText(fmt.Sprintf(`#requirements-grid-form .field-error[data-field=%q]`, field), want)
	}
	if n := a.count("#requirements-grid-form .field-error"); n != 2 {
		a.fatalf("%d errors in the grid, want the 2 of its bad cells", n)
	}
	if n := a.count("#grid-error"); n != 1 {
		a.fatalf("%d alerts above the grid, want 1", n)
	}
	a.wantValues("after the error", map[string]string{
		`#requirements-grid tbody tr:nth-child(1) input[name="quantity"]`:      "12x",
		`#requirements-grid tbody tr:nth-child(2) input[name="nsn"]`:           storetest.NSNStinger,
		`#requirements-grid tbody tr:nth-child(3) input[name="group"]`:         "155MM-NATO",
		`#requirements-grid tbody tr:nth-child(3) input[name="delivery_site"]`: "UA-NOWHERE",
	})
	a.checkConsole("the server responded with a status of 422")
}
