package exchange_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/exchange"
)

// openBook opens a workbook ToXLSX made of csv.
func openBook(t *testing.T, csv string, lists map[string][]string) (*excelize.File, []byte) {
	t.Helper()
	b, err := exchange.ToXLSX([]byte(csv), "sheet", lists)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, b
}

// TestToXLSXKeepsEveryRowOfTheCSV: a template's marking, its note and its
// example rows, which start with '#', are rows of the workbook as they
// are lines of the CSV; the header is frozen wherever it falls and the
// drop-downs start below it.
func TestToXLSXKeepsEveryRowOfTheCSV(t *testing.T) {
	csv := "# NATO UNCLASSIFIED\n# Fill in a row for each item; rows starting with # are not imported.\n" +
		"nsn,name,kind\n#1005-12-345-6789,\"Rifle, example\",a\n1005-12-345-0001,Rifle,b\n"
	f, b := openBook(t, csv, map[string][]string{"kind": {"a", "b"}})
	rows, err := exchange.WorkbookRows(b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"NATO UNCLASSIFIED"}, {"Fill in a row for each item; rows starting with # are not imported."},
		{"nsn", "name", "kind"}, {"#1005-12-345-6789", "Rifle, example", "a"}, {"1005-12-345-0001", "Rifle", "b"}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("the workbook's rows are\n%q\nwant\n%q", rows, want)
	}
	if p, err := f.GetPanes("sheet"); err != nil || !p.Freeze || p.YSplit != 3 || p.TopLeftCell != "A4" {
		t.Errorf("panes %+v %v, want the three rows down to the header frozen", p, err)
	}
	if dvs, err := f.GetDataValidations("sheet"); err != nil || len(dvs) != 1 || dvs[0].Sqref[:3] != "C4:" {
		t.Errorf("drop-downs %+v %v, want one from C4", dvs, err)
	}
	// Without comments the header is the first row.
	f, _ = openBook(t, "nsn,name\n1005-12-345-0001,Rifle\n", nil)
	if p, _ := f.GetPanes("sheet"); p.YSplit != 1 || p.TopLeftCell != "A2" {
		t.Errorf("panes %+v, want the first row frozen", p)
	}
}
