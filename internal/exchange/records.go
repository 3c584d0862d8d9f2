package exchange

// WorkbookRows returns the rows of a workbook's first sheet as an import
// reads them: each cell as stored, not as displayed, and a row's empty
// cells at its end left out, as the sheet leaves them. Unlike an import it
// keeps the comment rows, those whose first cell starts with '#', so that
// a workbook can be compared whole with the CSV it was made from.
func WorkbookRows(b []byte) ([][]string, error) {
	t, err := readSheet(b, true)
	return t.records, err
}
