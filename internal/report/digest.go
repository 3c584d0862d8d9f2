package report

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/lessons"
)

// Digest is the lessons of a period and capability area as a reader may
// see them.
type Digest struct {
	From, To   string
	Capability string
	Made       time.Time
	Reader     string
	Marking    access.Classification
	Lessons    []lessons.Lesson
}

// LessonSearch reads the lessons a digest holds.
type LessonSearch interface {
	// LessonsObserved lists, with their actions, the lessons the reader
	// may see observed from from to to (and of one capability area when
	// capability is set), the earliest first.
	LessonsObserved(ctx context.Context, from, to, capability string) ([]lessons.Lesson, error)
}

// BuildDigest gathers the lessons observed from from to to (and of one
// capability area when capability is set) that the identity of ctx may
// see, with their actions.
func BuildDigest(ctx context.Context, ls LessonSearch, from, to, capability string, now time.Time) (Digest, error) {
	if err := lessons.Period(&from, &to, true); err != nil {
		return Digest{}, err
	}
	d := Digest{From: from, To: to, Capability: capability, Made: now.UTC(), Reader: access.ActorName(ctx)}
	var err error
	if d.Lessons, err = ls.LessonsObserved(ctx, from, to, capability); err != nil {
		return d, err
	}
	for _, l := range d.Lessons {
		d.Marking = max(d.Marking, l.Classification)
	}
	return d, nil
}

// Title is the digest's title.
func (d *Digest) Title() string {
	t := fmt.Sprintf("Lessons digest %s to %s", d.From, d.To)
	if d.Capability != "" {
		t += ", " + d.Capability
	}
	return t
}

func (d *Digest) table() Table {
	t := Table{Sheet: "Lessons", Title: d.Title(), Head: []string{"Ref", "Observed", "Capability", "State", "Title", "Recommendation", "Actions", "Marking"},
		Right: make([]bool, 8), Numeric: make([]bool, 8), Widths: []float64{16, 18, 20, 16, 45, 45, 12, 8}}
	for _, l := range d.Lessons {
		done := 0
		for _, a := range l.Actions {
			if a.Done() {
				done++
			}
		}
		t.Rows = append(t.Rows, []string{l.Ref(), l.When, l.Capability, l.State, l.Title, l.Recommendation, fmt.Sprintf("%d/%d", done, len(l.Actions)), l.Classification.Short()})
	}
	return t
}

// PDF writes the digest as a PDF, marked on every page.
func (d *Digest) PDF(w io.Writer) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCreationDate(d.Made)
	pdf.SetModificationDate(d.Made)
	pdf.SetAutoPageBreak(true, 18)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	marking := d.Marking.String()
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
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 8)
	pdf.CellFormat(0, 5, tr(fmt.Sprintf("Made %s for %s: %d lessons this reader may see.", d.Made.Format("2006-01-02 15:04 UTC"), d.Reader, len(d.Lessons))), "", 1, "L", false, 0, "")
	t := d.table()
	scale := 1.55
	for i := range t.Widths {
		t.Widths[i] *= scale
	}
	writeTable(pdf, tr, t)
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// XLSX writes the digest as a workbook of one sheet, marked in its first
// row.
func (d *Digest) XLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	t := d.table()
	if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
		return err
	}
	rows := append([][]string{{d.Marking.String()}, {t.Title}, t.Head}, t.Rows...)
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if err := f.SetCellStr(t.Sheet, cell, strings.TrimSpace(v)); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}
