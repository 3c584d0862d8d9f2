package exchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/assist"
)

// canonicalNumber is a number as an export writes it: digits, an optional
// minus and decimal point, no leading zero (so that a code such as "0042"
// stays text).
var canonicalNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?$`)

// maxDigits is how many significant digits a spreadsheet keeps of a
// number: a value with more is written as text, so that it shows and
// reads back exactly as exported.
const maxDigits = 15

// exact reports whether a spreadsheet keeps every digit of the number v.
func exact(v string) bool {
	digits := strings.Trim(strings.NewReplacer("-", "", ".", "").Replace(v), "0")
	return len(digits) <= maxDigits
}

// textColumn reports whether the column named h holds codes, references
// or dates: text even where every value of it is digits, as a reference
// "2024" or the year a date may be given as ("2022") is, so that the sheet
// shows it as written, not as 2,022.
func textColumn(h string) bool {
	if h == "nsn" || strings.Contains(h, "ref") || h == "code" || h == "group" || h == "date" || strings.HasSuffix(h, "_date") {
		return true
	}
	for _, cs := range DateColumns {
		if slices.Contains(cs, h) {
			return true
		}
	}
	return false
}

// plainColumns are the numeric columns that count nothing (a year, the
// number of a record or a line, a priority): numbers shown as written,
// without thousands separators.
var plainColumns = map[string]bool{"year": true, "plan": true, "line": true, "pledge_line": true, "allocation": true, "priority": true}

// escapeLike matches what a workbook's text reads as an escaped character,
// "_x" and four hexadecimal digits and "_" (ECMA-376 ST_Xstring).
var escapeLike = regexp.MustCompile(`^_x[0-9A-Fa-f]{4}_`)

// xstring is text as a workbook's cell holds it, for a spreadsheet (and
// the import) to read it back as it was: an underscore that would begin
// an escape is escaped itself (_x005F_), so that "_x0041_" is not read as
// "A", and the characters XML cannot hold (U+FFFE, U+FFFF) are escaped,
// as Excel writes them, rather than replaced.
func xstring(v string) string {
	if !strings.Contains(v, "_x") && !strings.ContainsAny(v, "\uFFFE\uFFFF") {
		return v
	}
	var b strings.Builder
	for i, r := range v {
		switch {
		case r == '_' && escapeLike.MatchString(v[i:]):
			b.WriteString("_x005F_")
		case r == '\uFFFE' || r == '\uFFFF':
			fmt.Fprintf(&b, "_x%04X_", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ToXLSX turns an export written as CSV into a workbook of one sheet with
// the same rows: the comment lines the CSV starts with (the marking, then
// any note) each in a row of its own, the marking's in bold, without their
// '#'; the header below them, frozen; then every record, a template's
// example rows starting with '#' included. A column whose every value is
// a number (or "undisclosed") is written as numbers, exactly as the CSV
// has them (no float on the way), each shown with its own decimals and
// with thousands separators; everything else is text, never a formula, as
// the CSV's cell means it (without the quote Cell puts before a formula).
// lists gives columns a drop-down of the values they take, from a hidden
// sheet.
func ToXLSX(csvText []byte, sheet string, lists map[string][]string) ([]byte, error) {
	var comments []string
	for bytes.HasPrefix(csvText, []byte("#")) {
		line, rest, _ := bytes.Cut(csvText, []byte("\n"))
		comments = append(comments, strings.TrimSpace(strings.TrimPrefix(string(line), "#")))
		csvText = rest
	}
	cr := csv.NewReader(bytes.NewReader(csvText))
	cr.FieldsPerRecord = -1
	var recs [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("the export is not CSV: %w", err)
		}
		for i, v := range rec {
			rec[i] = Uncell(v)
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, errors.New("the export has no header")
	}
	head, body := recs[0], recs[1:]
	// A column is numeric when all its values (as a person reads them,
	// without the quote Cell puts before a minus) are numbers, but for
	// those that say the value is undisclosed.
	numeric := make([]bool, len(head))
	for c := range head {
		numeric[c] = !textColumn(head[c])
		seen := false
		for _, r := range body {
			if c >= len(r) || r[c] == "" || r[c] == assist.Undisclosed {
				continue
			}
			seen = true
			if !canonicalNumber.MatchString(r[c]) {
				numeric[c] = false
				break
			}
		}
		numeric[c] = numeric[c] && seen
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	type format struct {
		plain    bool
		decimals int
	}
	styles := map[format]int{}
	style := func(col, v string) (int, error) {
		k := format{plain: plainColumns[col]}
		if _, frac, ok := strings.Cut(v, "."); ok {
			k.decimals = len(frac)
		}
		if s, ok := styles[k]; ok {
			return s, nil
		}
		code := "#,##0"
		if k.plain {
			code = "0"
		}
		if k.decimals > 0 {
			code += "." + strings.Repeat("0", k.decimals)
		}
		s, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		styles[k] = s
		return s, err
	}
	for i, c := range comments {
		cell := fmt.Sprintf("A%d", i+1)
		if err := f.SetCellStr(sheet, cell, xstring(c)); err != nil {
			return nil, err
		}
		if i == 0 {
			if err := f.SetCellStyle(sheet, cell, cell, bold); err != nil {
				return nil, err
			}
		}
	}
	headRow := len(comments) + 1
	width := make([]int, len(head))
	for c, h := range head {
		cell, _ := excelize.CoordinatesToCellName(c+1, headRow)
		if err := f.SetCellStr(sheet, cell, xstring(h)); err != nil {
			return nil, err
		}
		width[c] = utf8.RuneCountInString(h)
	}
	last, _ := excelize.CoordinatesToCellName(len(head), headRow)
	first, _ := excelize.CoordinatesToCellName(1, headRow)
	if err := f.SetCellStyle(sheet, first, last, bold); err != nil {
		return nil, err
	}
	for i, r := range body {
		for c, v := range r {
			cell, err := excelize.CoordinatesToCellName(c+1, headRow+1+i)
			if err != nil {
				return nil, err
			}
			if c < len(numeric) && numeric[c] && canonicalNumber.MatchString(v) && exact(v) {
				if err := f.SetCellDefault(sheet, cell, v); err != nil {
					return nil, err
				}
				s, err := style(head[c], v)
				if err != nil {
					return nil, err
				}
				if err := f.SetCellStyle(sheet, cell, cell, s); err != nil {
					return nil, err
				}
			} else if err := f.SetCellStr(sheet, cell, xstring(v)); err != nil {
				return nil, err
			}
			if c < len(width) {
				width[c] = max(width[c], min(utf8.RuneCountInString(v), 60))
			}
		}
	}
	for c, wd := range width {
		col, _ := excelize.ColumnNumberToName(c + 1)
		if err := f.SetColWidth(sheet, col, col, float64(wd+2)); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: fmt.Sprintf("A%d", headRow+1), ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := f.AutoFilter(sheet, first+":"+last, nil); err != nil {
		return nil, err
	}
	if err := addLists(f, sheet, head, headRow, lists); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// addLists gives the columns named in lists a drop-down of their values,
// kept on a hidden sheet "lists", for the rows a person fills in: those
// below the header, in row headRow.
func addLists(f *excelize.File, sheet string, head []string, headRow int, lists map[string][]string) error {
	if len(lists) == 0 {
		return nil
	}
	if _, err := f.NewSheet("lists"); err != nil {
		return err
	}
	n := 0
	for c, h := range head {
		vals := lists[h]
		if len(vals) == 0 {
			continue
		}
		n++
		lcol, _ := excelize.ColumnNumberToName(n)
		if err := f.SetCellStr("lists", lcol+"1", xstring(h)); err != nil {
			return err
		}
		for i, v := range vals {
			if err := f.SetCellStr("lists", fmt.Sprintf("%s%d", lcol, i+2), xstring(v)); err != nil {
				return err
			}
		}
		col, _ := excelize.ColumnNumberToName(c + 1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s%d:%s%d", col, headRow+1, col, headRow+MaxRows)
		dv.SetSqrefDropList(fmt.Sprintf("lists!$%s$2:$%s$%d", lcol, lcol, len(vals)+1))
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return err
		}
	}
	return f.SetSheetVisible("lists", false)
}
