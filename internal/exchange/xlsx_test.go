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

// TestToXLSXWritesNumbersAsTheCSVDoes: each case is a column of an export
// as CSV; in the workbook each value reads back as the CSV's cell means it,
// is a number or text as said, and shows as said.
func TestToXLSXWritesNumbersAsTheCSVDoes(t *testing.T) {
	type cell struct {
		csv    string // as the CSV has it
		number bool
		shown  string
	}
	for _, c := range []struct {
		name, column string
		cells        []cell
	}{
		{"amounts with thousands separators", "amount_eur", []cell{{"1000000.00", true, "1,000,000.00"}, {"999999999999.99", true, "999,999,999,999.99"}, {"0.05", true, "0.05"}}},
		{"a negative number, quoted in the CSV, is a number", "lon", []cell{{"'-1.150000", true, "-1.150000"}, {"19.456000", true, "19.456000"}, {"'-0.000001", true, "-0.000001"}}},
		{"an undisclosed value leaves the others numbers", "quantity", []cell{{"undisclosed", false, "undisclosed"}, {"1000000", true, "1,000,000"}, {"", false, ""}}},
		{"each number shows its own decimals", "rate", []cell{{"1", true, "1"}, {"11.734", true, "11.734"}, {"0.92", true, "0.92"}}},
		{"a year shows as written", "year", []cell{{"2025", true, "2025"}}},
		{"the number of a line shows as written", "pledge_line", []cell{{"12345", true, "12345"}}},
		{"a date given as a year is text", "announced", []cell{{"2022", false, "2022"}, {"2023", false, "2023"}}},
		{"a date of any column is text", "date", []cell{{"2022", false, "2022"}}},
		{"a reference of digits is text", "reference", []cell{{"2024", false, "2024"}, {"00042", false, "00042"}}},
		{"a code is text, with leading zeros or without", "group", []cell{{"0123", false, "0123"}, {"1550", false, "1550"}}},
		{"more digits than a spreadsheet keeps is text", "value_eur", []cell{{"1234567890123456.78", false, "1234567890123456.78"}, {"1000000000000000.000", true, "1,000,000,000,000,000.000"}}},
		{"a percentage is text as the CSV has it", "notes", []cell{{"12.5%", false, "12.5%"}, {"'-5", false, "-5"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			csv := "# NATO UNCLASSIFIED\nid," + c.column + "\n"
			for i, v := range c.cells {
				csv += fmt.Sprintf("R-%d,%s\n", i, v.csv)
			}
			f, b := openBook(t, csv, nil)
			rows, err := exchange.WorkbookRows(b)
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range c.cells {
				ref := fmt.Sprintf("B%d", i+3)
				if got, want := value(rows, i+2), exchange.Uncell(v.csv); got != want {
					t.Errorf("%s reads back as %q, the CSV has %q", ref, got, want)
				}
				typ, _ := f.GetCellType("sheet", ref)
				if number := typ == excelize.CellTypeUnset && v.csv != ""; number != v.number {
					t.Errorf("%s %q: a number %v, want %v", ref, v.csv, number, v.number)
				}
				if shown, _ := f.GetCellValue("sheet", ref); shown != v.shown {
					t.Errorf("%s %q shows as %q, want %q", ref, v.csv, shown, v.shown)
				}
			}
		})
	}
}

// value is the second cell of row r, "" when the row leaves it out.
func value(rows [][]string, r int) string {
	if r >= len(rows) || len(rows[r]) < 2 {
		return ""
	}
	return rows[r][1]
}

// TestToXLSXKeepsTextAsWritten: text that a workbook would read as an
// escaped character, or that XML cannot hold, reads back and shows as the
// CSV has it.
func TestToXLSXKeepsTextAsWritten(t *testing.T) {
	for _, v := range []string{
		"_x0041_", "Kit _x0041_ 2", "a_x005F_b", "_x0041_x0042_", "__x0041_", "_x004", "_X0041_", "x_x",
		"a\uFFFEb", "\uFFFF", "\uFFFEx0041_", "_\uFFFF", "_x0041_\uFFFE_x0042_",
		"Одеса, \"Порт\"\nпричал 7", " spaces ", "\t=1", "🚚",
	} {
		var b bytes.Buffer
		b.WriteString("# NATO UNCLASSIFIED\n")
		w := exchange.NewWriter(&b)
		w.Write([]string{"id", "notes"})
		w.Write([]string{"R-1", v})
		w.Flush()
		f, book := openBook(t, b.String(), nil)
		rows, err := exchange.WorkbookRows(book)
		if err != nil {
			t.Fatal(err)
		}
		if got := value(rows, 2); got != v {
			t.Errorf("%q reads back as %q", v, got)
		}
		if shown, _ := f.GetCellValue("sheet", "B3"); shown != v {
			t.Errorf("%q shows as %q", v, shown)
		}
	}
}
