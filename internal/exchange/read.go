package exchange

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/longhaul/longhaul/internal/fault"
)

// MaxFile bounds the bytes of one file read for an import, whatever its
// format, and the bytes an XLSX file may unpack to.
const (
	MaxFile     = 32 << 20
	maxUnpacked = 128 << 20
)

// table is a file read as records: each with the line (CSV) or row (XLSX)
// it starts at, and what had to be done to read it, for the person.
type table struct {
	records [][]string
	lines   []int
	notices []string
	xlsx    bool
}

// readTable reads a file of any format an import takes, told apart by its
// content, not its name: an XLSX workbook (its first sheet), or text in
// UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark,
// or Windows-1252, with its fields separated by commas, semicolons or tabs.
// Lines and rows whose first field starts with '#' are comments (the
// marking an export starts with).
func readTable(in io.Reader, known map[string]bool) (table, error) {
	b, err := io.ReadAll(io.LimitReader(in, MaxFile+1))
	if err != nil {
		return table{}, fmt.Errorf("reading the file: %w", err)
	}
	if len(b) > MaxFile {
		return table{}, fault.Errorf(fault.TooLarge, "the file is larger than %d MiB: split it", MaxFile>>20)
	}
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return readXLSX(b)
	case bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return table{}, fault.Field("file", "this is an Excel 97-2003 workbook (.xls), which Longhaul does not read: save it as an Excel workbook (.xlsx) or as CSV UTF-8 and import that")
	case bytes.HasPrefix(b, []byte("%PDF")):
		return table{}, fault.Field("file", "this is a PDF, not a table: export the table as .xlsx or CSV and import that")
	}
	s, notice, err := decodeText(b)
	if err != nil {
		return table{}, err
	}
	t := table{}
	if notice != "" {
		t.notices = append(t.notices, notice)
	}
	sep, name := separator(s, known)
	if sep != ',' {
		t.notices = append(t.notices, "The columns are separated by "+name+".")
	}
	cr := csv.NewReader(strings.NewReader(s))
	cr.Comma = sep
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = sep != '\t'
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return table{}, notCSV(err)
		}
		line, _ := cr.FieldPos(0)
		t.records = append(t.records, rec)
		t.lines = append(t.lines, line)
		if len(t.records) > MaxRows+1 {
			return table{}, fault.Field(fmt.Sprintf("line %d", line), "an import holds at most %d rows: split the file", MaxRows)
		}
	}
	return t, nil
}

// decodeText returns b as UTF-8, and a notice when it had to be converted.
// Text that is neither UTF-8, UTF-16 nor Windows-1252 is refused at its
// first line that is not, never stored as it came.
func decodeText(b []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		u, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil || !utf8.Valid(u) || bytes.ContainsRune(u, utf8.RuneError) {
			return "", "", fault.Field("file", "the file says it is UTF-16 but is not: save it as CSV UTF-8")
		}
		return string(u), "The file was read as UTF-16 and converted to UTF-8.", nil
	}
	if utf8.Valid(b) {
		return string(b), "", nil
	}
	// Not UTF-8: Windows-1252 (Latin-1 with its printable 0x80-0x9F), what
	// Excel writes as "CSV" in most of Europe, when every byte is one of it.
	for i, c := range b {
		if c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D || c == 0 {
			return "", "", fault.Field(fmt.Sprintf("line %d", 1+bytes.Count(b[:i], []byte("\n"))),
				"the file is neither UTF-8 nor Windows-1252 (byte 0x%02X): save it as CSV UTF-8", c)
		}
	}
	u, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return "", "", fault.Field("file", "the file is neither UTF-8 nor Windows-1252: save it as CSV UTF-8")
	}
	line := 1 + bytes.Count(b[:firstInvalid(b)], []byte("\n"))
	return string(u), fmt.Sprintf("The file is not UTF-8: it was read as Windows-1252 (Latin-1) and converted, from line %d on. Check the accented names; save the file as CSV UTF-8 to be sure.", line), nil
}

// firstInvalid is the offset of the first byte of b that is not UTF-8.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// separator returns the field separator of CSV text: the one of comma,
// semicolon and tab that splits its first line that is not a comment into
// the most known column names; a comma when none does better.
func separator(s string, known map[string]bool) (rune, string) {
	head := ""
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(strings.TrimPrefix(l, "\ufeff")); t != "" && !strings.HasPrefix(t, "#") {
			head = l
			break
		}
	}
	best, bestName, most := ',', "commas", countKnown(head, ',', known)
	for _, c := range []struct {
		sep  rune
		name string
	}{{';', "semicolons"}, {'\t', "tabs"}} {
		if n := countKnown(head, c.sep, known); n > most {
			best, bestName, most = c.sep, c.name, n
		}
	}
	return best, bestName
}

func countKnown(line string, sep rune, known map[string]bool) int {
	n := 0
	for _, f := range strings.Split(line, string(sep)) {
		if known[normalizeHeader(f)] {
			n++
		}
	}
	return n
}

// normalizeHeader is a column name as typed, the way import compares it.
func normalizeHeader(h string) string {
	h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
	return strings.ToLower(strings.Trim(h, `"`))
}

// readXLSX reads the first sheet of a workbook: its cells as stored (not
// as displayed, so that a number is its digits, not the display format's).
func readXLSX(b []byte) (table, error) { return readSheet(b, false) }

// readSheet is readXLSX, and with comments set keeps the rows whose first
// cell starts with '#' that an import skips.
func readSheet(b []byte, comments bool) (table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnpacked, UnzipXMLSizeLimit: maxUnpacked})
	if err != nil {
		return table{}, fault.Field("file", "the file looks like an Excel workbook but cannot be read (%v): save it again as .xlsx, or as CSV UTF-8", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return table{}, fault.Field("file", "the workbook has no sheets")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return table{}, fault.Field("file", "the sheet %q cannot be read: %v", sheets[0], err)
	}
	defer rows.Close()
	t := table{xlsx: true}
	if len(sheets) > 1 {
		t.notices = append(t.notices, fmt.Sprintf("The workbook has %d sheets; only the first, %q, was read.", len(sheets), sheets[0]))
	}
	n := 0
	for rows.Next() {
		n++
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return table{}, fault.Field(fmt.Sprintf("row %d", n), "cannot be read: %v", err)
		}
		if !comments && len(rec) > 0 && strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			continue // a comment, as in CSV
		}
		t.records = append(t.records, rec)
		t.lines = append(t.lines, n)
		if len(t.records) > MaxRows+1 {
			return table{}, fault.Field(fmt.Sprintf("row %d", n), "an import holds at most %d rows: split the file", MaxRows)
		}
	}
	if err := rows.Error(); err != nil {
		return table{}, fault.Field("file", "the sheet %q cannot be read: %v", sheets[0], err)
	}
	return t, nil
}

// excelDate turns a day number of a workbook (a date cell as stored) into
// YYYY-MM-DD; anything else is left as it is, for the date's own check. A
// whole number of four digits is a year typed in a number cell ("2022"),
// not day 2022 of 1900: every date Longhaul holds (2000 to 2100) is a day
// number of five digits.
func excelDate(v string) string {
	if len(v) == 4 && strings.Trim(v, "0123456789") == "" {
		return v
	}
	d, err := strconv.ParseFloat(v, 64)
	if err != nil || d < 1 || d > 2958465 || strings.ContainsAny(v, "eE") {
		return v
	}
	tm, err := excelize.ExcelDateToTime(d, false)
	if err != nil {
		return v
	}
	return tm.Format("2006-01-02")
}
