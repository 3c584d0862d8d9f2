package report

import (
	"io"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSX writes the review as a workbook with one sheet per table: the
// marking in the first row of every sheet, the title, the header, the
// rows and any total, the header frozen. Amounts are written as exact
// decimal numbers shown with thousands separators, shares as percentages.
func (rv *Review) XLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	marking := rv.Marking.String()
	styles := numberStyles{}
	for i, t := range rv.Tables() {
		sheet := t.Sheet
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return err
		}
		// setCell writes v: as an exact number with its format where it is
		// one (numeric columns, and percentages in right-aligned ones),
		// otherwise as text; strong is the total row's bold.
		setCell := func(col, row int, v string, numeric, strong bool) error {
			cell, err := excelize.CoordinatesToCellName(col, row)
			if err != nil {
				return err
			}
			right := col-1 < len(t.Right) && t.Right[col-1]
			if value, format, ok := xlsxNumber(v, numeric, right); ok {
				if err := f.SetCellDefault(sheet, cell, value); err != nil {
					return err
				}
				st, err := styles.get(f, format, strong)
				if err != nil {
					return err
				}
				return f.SetCellStyle(sheet, cell, cell, st)
			}
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				return err
			}
			if strong {
				return f.SetCellStyle(sheet, cell, cell, bold)
			}
			return nil
		}
		set := func(col, row int, v string, numeric bool) error { return setCell(col, row, v, numeric, false) }
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
		// The header stays in view as the rows scroll.
		top, _ := excelize.CoordinatesToCellName(1, row+1)
		if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: row, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
			return err
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
				if err := setCell(c+1, row, v, numeric(c), true); err != nil {
					return err
				}
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

var (
	plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	percentage  = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?%$`)
	grouped     = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)
)

// xlsxNumber is a cell's text as a workbook number, exactly (no float on
// the way), with the format that shows it as the report does: thousands
// separators and the same decimals for amounts and counts, a percentage
// ("52.3%") as the fraction 0.523 shown as a percentage. It reports false
// for text, and for numbers of a column that is not numeric.
func xlsxNumber(v string, numeric, right bool) (string, string, bool) {
	switch {
	case right && percentage.MatchString(v):
		digits := strings.TrimSuffix(v, "%")
		neg := strings.HasPrefix(digits, "-")
		digits = strings.TrimPrefix(digits, "-")
		whole, frac, _ := strings.Cut(digits, ".")
		for len(whole) < 3 {
			whole = "0" + whole
		}
		// Two places to the left: 52.3 per cent is 0.523.
		value := strings.TrimLeft(whole[:len(whole)-2], "0")
		if value == "" {
			value = "0"
		}
		value += "." + whole[len(whole)-2:] + frac
		if neg {
			value = "-" + value
		}
		format := "0"
		if frac != "" {
			format += "." + strings.Repeat("0", len(frac))
		}
		return value, format + "%", true
	case numeric && grouped.MatchString(v):
		v = strings.ReplaceAll(v, ",", "")
		fallthrough
	case numeric && plainNumber.MatchString(v):
		format := "#,##0"
		if _, frac, ok := strings.Cut(v, "."); ok {
			format += "." + strings.Repeat("0", len(frac))
		}
		return v, format, true
	}
	return "", "", false
}

// numberStyles makes each number format's style, plain or bold, once per
// workbook.
type numberStyles map[string]int

func (ns numberStyles) get(f *excelize.File, format string, strong bool) (int, error) {
	key := format
	if strong {
		key += " bold"
	}
	if st, ok := ns[key]; ok {
		return st, nil
	}
	code := format
	st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code, Font: &excelize.Font{Bold: strong}})
	ns[key] = st
	return st, err
}
