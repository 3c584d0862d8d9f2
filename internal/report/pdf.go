package report

import (
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"
)

// PDF writes the review as an A4 PDF: the marking at the top and bottom
// of every page, then the report's tables.
func (rv *Review) PDF(w io.Writer) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(rv.Made)
	pdf.SetModificationDate(rv.Made)
	pdf.SetTitle(rv.Title(), true)
	pdf.SetAuthor("Longhaul", true)
	pdf.SetMargins(15, 20, 15)
	pdf.SetAutoPageBreak(true, 18)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	marking := rv.Marking.String()
	pdf.SetHeaderFunc(func() {
		pdf.SetY(8)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(0, 5, marking, "", 0, "C", false, 0, "")
		pdf.Ln(10)
	})
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(0, 5, marking, "", 1, "C", false, 0, "")
		pdf.SetFont("Helvetica", "", 7)
		pdf.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AliasNbPages("{nb}")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(0, 7, tr(rv.Title()), "", "L", false)
	pdf.SetFont("Helvetica", "", 8)
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Made %s for %s. Figures are what this reader may see.", rv.Made.Format("2006-01-02 15:04 UTC"), rv.Reader)), "", 1, "L", false, 0, "")
	pdf.Ln(3)
	for _, t := range rv.Tables() {
		writeTable(pdf, tr, t)
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

func writeTable(pdf *fpdf.Fpdf, tr func(string) string, t Table) {
	_, pageH := pdf.GetPageSize()
	if pdf.GetY() > pageH-50 {
		pdf.AddPage()
	}
	pdf.SetFont("Helvetica", "B", 11)
	pdf.MultiCell(0, 6, tr(t.Title), "", "L", false)
	if t.Note != "" {
		pdf.SetFont("Helvetica", "I", 7)
		pdf.MultiCell(0, 3.5, tr(t.Note), "", "L", false)
	}
	head := func() {
		pdf.SetFont("Helvetica", "B", 7)
		pdf.SetFillColor(225, 230, 236)
		for i, h := range t.Head {
			pdf.CellFormat(t.Widths[i], 5, tr(h), "B", 0, align(t, i), true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("Helvetica", "", 7)
	}
	head()
	row := func(cells []string, style string) {
		if pdf.GetY() > pageH-24 {
			pdf.AddPage()
			head()
		}
		pdf.SetFont("Helvetica", style, 7)
		for i, c := range cells {
			txt := tr(c)
			for pdf.GetStringWidth(txt) > t.Widths[i]-1 && len(txt) > 3 {
				txt = txt[:len(txt)-4] + "..."
			}
			pdf.CellFormat(t.Widths[i], 4.2, txt, "", 0, align(t, i), false, 0, "")
		}
		pdf.Ln(-1)
	}
	for _, r := range t.Rows {
		row(r, "")
	}
	if len(t.Rows) == 0 {
		pdf.SetFont("Helvetica", "I", 7)
		pdf.CellFormat(0, 4.2, "None.", "", 1, "L", false, 0, "")
	}
	if t.Total != nil {
		row(t.Total, "B")
	}
	pdf.Ln(4)
}

func align(t Table, i int) string {
	if i < len(t.Right) && t.Right[i] {
		return "R"
	}
	return "L"
}
