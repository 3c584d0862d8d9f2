package exchange

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/money"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// yes writes a flag as a cell: "yes", or empty for no.
func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// writeMarking writes the first line of an export: the highest marking of
// what it holds, as a comment line that import skips.
func writeMarking(w io.Writer, c access.Classification) error {
	_, err := io.WriteString(w, "# "+c.String()+"\n")
	return err
}

// WriteItems writes items as CSV and returns the export's marking.
func WriteItems(w io.Writer, items []catalog.Item) (access.Classification, error) {
	if err := writeMarking(w, access.Unclassified); err != nil {
		return 0, err
	}
	cw := NewWriter(w)
	cw.Write(Columns["items"])
	for _, it := range items {
		cw.Write([]string{it.NSN, it.Name, it.Capability, it.UnitOfIssue, it.UnitValue.String(),
			money.FormatDecimal(it.MassG, 3), money.FormatDecimal(it.VolumeCM3, 6), it.Group})
	}
	cw.Flush()
	return access.Unclassified, cw.Error()
}

// WriteRequirements writes requirements as CSV and returns the export's
// marking.
func WriteRequirements(w io.Writer, reqs []assist.Requirement) (access.Classification, error) {
	high := access.Unclassified
	for _, r := range reqs {
		high = max(high, r.Classification)
	}
	if err := writeMarking(w, high); err != nil {
		return high, err
	}
	cw := NewWriter(w)
	cw.Write(Columns["requirements"])
	for _, r := range reqs {
		cw.Write([]string{r.Ref(), r.NSN, r.Group, itoa(r.Quantity), strconv.Itoa(r.Priority), r.NeedBy, r.DeliverySite, r.Notes,
			r.Classification.String(), strings.Join(r.ReleasableTo, " "), r.State, itoa(r.Allocated), itoa(r.Delivered), itoa(r.Accepted)})
	}
	cw.Flush()
	return high, cw.Error()
}

// WritePledges writes pledges as CSV, one row per line (one row for a
// pledge of money without lines), and returns the export's marking.
func WritePledges(w io.Writer, pledges []assist.Pledge) (access.Classification, error) {
	high := access.Unclassified
	for _, p := range pledges {
		high = max(high, p.Classification)
	}
	if err := writeMarking(w, high); err != nil {
		return high, err
	}
	cw := NewWriter(w)
	cw.Write(Columns["pledges"])
	for _, p := range pledges {
		head := append([]string{p.Ref(), p.Nation, p.Title, p.Description, p.Kind, p.Aid, p.Instrument, p.Channel, p.Category, p.AnnouncedText(), p.PromisedText(), p.Reference, p.Depot, p.Amount.String(), yes(p.ValueUndisclosed)},
			valuationCells(p.AmountValuation)...)
		head = append(head, p.Classification.String(), strings.Join(p.ReleasableTo, " "))
		if len(p.Lines) == 0 {
			cw.Write(append(head, make([]string, 4+len(valuationColumns)+1+6)...))
			continue
		}
		for _, l := range p.Lines {
			qty, value := itoa(l.Pledged), l.UnitValue.String()
			if l.QuantityUndisclosed {
				qty = assist.Undisclosed
			}
			if l.ValueUndisclosed {
				value = assist.Undisclosed
			}
			rec := append(append([]string(nil), head...), strconv.Itoa(l.No), l.NSN, qty, value)
			rec = append(rec, valuationCells(l.Valuation)...)
			reported := ""
			if l.Reported != 0 {
				reported = itoa(l.Reported)
			}
			cw.Write(append(rec, reported, itoa(l.Committed), itoa(l.Allocated), itoa(l.Shipped), itoa(l.Delivered), itoa(l.Accepted), itoa(l.Withdrawn)))
		}
	}
	cw.Flush()
	return high, cw.Error()
}

// WriteProgress writes how far pledges have come as the steps of an
// opening balance (assist.Progress.Steps), one row per step, and returns
// the export's marking: the highest of the pledges'.
func WriteProgress(w io.Writer, progress []assist.Progress) (access.Classification, error) {
	high := access.Unclassified
	for _, pr := range progress {
		high = max(high, pr.Pledge.Classification)
	}
	if err := writeMarking(w, high); err != nil {
		return high, err
	}
	cw := NewWriter(w)
	cw.Write(Columns["progress"])
	for _, pr := range progress {
		for _, o := range pr.Steps() {
			line, req, qty, amount := "", "", "", ""
			if o.Line != 0 {
				line = strconv.Itoa(o.Line)
			}
			if o.Requirement != 0 {
				req = fmt.Sprintf("R-%05d", o.Requirement)
			}
			if o.Quantity != 0 {
				qty = itoa(o.Quantity)
			}
			if o.Amount != 0 {
				amount = o.Amount.String()
			}
			cw.Write([]string{fmt.Sprintf("P-%05d", o.Pledge), line, o.Step, req, qty, amount, o.Date, o.Evidence})
		}
	}
	cw.Flush()
	return high, cw.Error()
}

// valuationCells are a valuation's cells, in the order of
// valuationColumns: an original figure of zero (none) is left empty.
func valuationCells(v assist.Valuation) []string {
	original := ""
	if v.Original != 0 {
		original = v.Original.String()
	}
	return []string{v.Currency, original, v.Rate, v.RateDate, v.Basis, v.Source}
}
