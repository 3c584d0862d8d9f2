package reliability

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/longhaul/longhaul/internal/money"
)

// Header is the CSV's header: the grouping and the group, the quarter
// (empty on a group's own row), then the figures, shares as percentages
// with one decimal and slips in days with one decimal.
func Header() []string {
	h := []string{"by", "key", "name", "quarter", "lines_judged", "lines_on_time", "lines_on_time_percent",
		"value_judged", "value_on_time", "value_on_time_percent", "undisclosed_value_lines",
		"lines_delivered", "median_slip_days", "p90_slip_days"}
	for _, b := range Buckets {
		h = append(h, b.Column+"_lines", b.Column+"_quantity", b.Column+"_value")
	}
	return append(h, "not_yet_due_lines", "not_yet_due_value")
}

// WriteCSV writes r as CSV: its marking as a comment line, the header,
// then each group's row followed by the rows of its quarters, and last
// the row of every line with its quarters.
func WriteCSV(w io.Writer, r Report) error {
	if _, err := io.WriteString(w, "# "+r.Marking.String()+"\n"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(Header())
	for _, g := range append(append([]Group(nil), r.Groups...), r.All) {
		cw.Write(row(r.By, g, "", g.Figures))
		for _, q := range g.Quarters {
			cw.Write(row(r.By, g, q.Quarter, q.Figures))
		}
	}
	cw.Flush()
	return cw.Error()
}

func row(by string, g Group, quarter string, f Figures) []string {
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	share := func(ppm, of int64) string {
		if of == 0 {
			return ""
		}
		return money.FormatDecimal((ppm+500)/1000, 1)
	}
	slip := func(tenths int64) string {
		if f.Delivered == 0 {
			return ""
		}
		return money.FormatDecimal(tenths, 1)
	}
	rec := []string{by, g.Key, g.Name, quarter, i(f.Lines), i(f.OnTimeLines), share(f.OnTimeLinesPPM, f.Lines),
		f.Value.String(), f.OnTimeValue.String(), share(f.OnTimeValuePPM, int64(f.Value)), i(f.UndisclosedLines),
		i(f.Delivered), slip(f.MedianSlipTenths), slip(f.P90SlipTenths)}
	for _, a := range f.Overdue {
		rec = append(rec, i(a.Lines), i(a.Quantity), a.Value.String())
	}
	return append(rec, i(f.NotDueLines), f.NotDueValue.String())
}
