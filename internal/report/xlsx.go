package report

import (
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSX writes the review as a workbook with one sheet per table: the
// marking in the first row of every sheet, the title, the header, the
// rows and any total. Amounts are written as exact decimal numbers.
func (rv *Review) XLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	marking := rv.Marking.String()
	for i, t := range rv.Tables() {
		sheet := t.Sheet
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		set := func(col, row int, v string, numeric bool) error {
			cell, err := excelize.CoordinatesToCellName(col, row)
			if err != nil {
				return err
			}
			if numeric && v != "" && !strings.ContainsAny(v, "%") {
				return f.SetCellDefault(sheet, cell, v)
			}
			return f.SetCellStr(sheet, cell, v)
		}
		if err := set(1, 1, marking, false); err != nil {
			return err
		}
		title := t.Title
		if i == 0 {
			title = rv.Title() + " — " + title
		}
		if err := set(1, 2, title, false); err != nil {
			return err
		}
		row := 3
		if t.Note != "" {
			if err := set(1, 3, t.Note, false); err != nil {
				return err
			}
			row = 4
		}
		for c, h := range t.Head {
			if err := set(c+1, row, h, false); err != nil {
				return err
			}
		}
		for _, r := range [][]int{{1, 1}, {1, row}} {
			from, _ := excelize.CoordinatesToCellName(1, r[1])
			to, _ := excelize.CoordinatesToCellName(len(t.Head), r[1])
			if err := f.SetCellStyle(sheet, from, to, bold); err != nil {
				return err
			}
		}
		numeric := func(c int) bool { return c < len(t.Numeric) && t.Numeric[c] }
		if i == 0 {
			numeric = func(c int) bool { return c == 1 }
		}
		for _, r := range t.Rows {
			row++
			for c, v := range r {
				if err := set(c+1, row, v, numeric(c)); err != nil {
					return err
				}
			}
		}
		if t.Total != nil {
			row++
			for c, v := range t.Total {
				if err := set(c+1, row, v, numeric(c)); err != nil {
					return err
				}
			}
			from, _ := excelize.CoordinatesToCellName(1, row)
			to, _ := excelize.CoordinatesToCellName(len(t.Head), row)
			if err := f.SetCellStyle(sheet, from, to, bold); err != nil {
				return err
			}
		}
		for c, wd := range t.Widths {
			col, _ := excelize.ColumnNumberToName(c + 1)
			if err := f.SetColWidth(sheet, col, col, wd*0.7); err != nil {
				return err
			}
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}
