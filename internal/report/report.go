// Package report makes the summit review report of a year from the
// accounts, the ledger and NATO's figures, as its reader may see them, and
// writes it as PDF or XLSX (the web UI renders the same data as HTML), and
// the public part of the contributions as IATI activity XML.
package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/reliability"
)

// Reader reads what a summit review shows, each figure counting only what
// the reader of ctx may see.
type Reader interface {
	Accounts(ctx context.Context, year int, today time.Time) (accounts.Ledger, error)
	reliability.Facts
	OpenNeeds(ctx context.Context) ([]assist.OpenNeed, access.Classification, error)
	ValueByBasis(ctx context.Context) ([]assist.BasisFigures, access.Classification, error)
	Agreements(ctx context.Context) ([]accounts.Agreement, error)
	Spending(ctx context.Context, year int) ([]accounts.Spending, error)
}

// Review is the summit review report of a year.
type Review struct {
	Year    int                   `json:"year"`
	Made    time.Time             `json:"made"`
	Reader  string                `json:"reader"`
	Marking access.Classification `json:"marking"`

	Ledger       accounts.Ledger      `json:"accounts"`
	Needs        []assist.OpenNeed    `json:"open_requirements"`
	Agreements   []accounts.Agreement `json:"agreements"`
	SpendingYear int                  `json:"spending_year"`
	Spending     []accounts.Spending  `json:"spending"`
	AtTwo        int                  `json:"allies_at_2_percent"`

	// Bases is the pledged value by valuation basis.
	Bases []assist.BasisFigures `json:"value_by_basis"`
	// Reliability is how the nations kept their promised dates, as of
	// the day the report is made.
	Reliability reliability.Report `json:"reliability"`
}

// Build gathers the review of year as the identity of ctx may see it.
func Build(ctx context.Context, db Reader, year int, now time.Time) (Review, error) {
	rv := Review{Year: year, Made: now.UTC(), Reader: access.ActorName(ctx)}
	var err error
	if rv.Ledger, err = db.Accounts(ctx, year, now); err != nil {
		return rv, err
	}
	rv.Marking = rv.Ledger.Marking
	if rv.Reliability, err = (&reliability.Service{Facts: db}).Measure(ctx, reliability.Query{By: reliability.ByNation}, now); err != nil {
		return rv, err
	}
	rv.Marking = max(rv.Marking, rv.Reliability.Marking)
	var m access.Classification
	if rv.Needs, m, err = db.OpenNeeds(ctx); err != nil {
		return rv, err
	}
	rv.Marking = max(rv.Marking, m)
	if rv.Bases, m, err = db.ValueByBasis(ctx); err != nil {
		return rv, err
	}
	rv.Marking = max(rv.Marking, m)
	if rv.Agreements, err = db.Agreements(ctx); err != nil {
		return rv, err
	}
	rv.SpendingYear = min(rv.Ledger.Baseline.GDPYear, 2024)
	if rv.Spending, err = db.Spending(ctx, rv.SpendingYear); err != nil {
		return rv, err
	}
	for _, s := range rv.Spending {
		if s.Meets2 {
			rv.AtTwo++
		}
	}
	return rv, nil
}

// Percent writes parts per million as a percentage with decimals places.
func Percent(ppm int64, decimals int) string {
	scale := int64(1)
	for range 4 - decimals {
		scale *= 10
	}
	return money.FormatDecimal((ppm+scale/2)/scale, decimals) + "%"
}

// Days writes tenths of a day as days with one decimal.
func Days(tenths int64) string { return money.FormatDecimal(tenths, 1) }

// Title is the report's title.
func (rv *Review) Title() string {
	return fmt.Sprintf("Summit review %d: the pledge of long-term security assistance for Ukraine", rv.Year)
}

// Name is a nation's name in the accounts, or its code.
func (rv *Review) Name(code string) string {
	for _, a := range rv.Ledger.Accounts {
		if a.Nation == code && a.Name != "" {
			return a.Name
		}
	}
	for _, s := range rv.Spending {
		if s.Nation == code {
			return s.Name
		}
	}
	return code
}

// Table is one table of the report, as text cells, for the PDF and the
// workbook alike.
type Table struct {
	Sheet   string
	Title   string
	Note    string
	Head    []string
	Right   []bool // right-aligned (figures)
	Numeric []bool // written as numbers in the workbook
	Widths  []float64
	Rows    [][]string
	Total   []string
}

// eur is an amount as the report shows it: with thousands separators and
// its cents ("40,000,000,000.00"); the workbook stores it exactly.
func eur(c money.Cents) string { return strings.Replace(c.Human(false), "€ ", "", 1) }

// Tables lays out the report's content once.
func (rv *Review) Tables() []Table {
	l := rv.Ledger
	summary := Table{Sheet: "Summary", Title: "Baseline progress", Head: []string{"Figure", "Value"}, Right: []bool{false, true}, Widths: []float64{110, 70},
		Rows: [][]string{
			{"Baseline (EUR)", eur(l.Baseline.Amount)},
			{"Participating nations", fmt.Sprint(len(l.Baseline.Nations))},
			{"GDP reference year", fmt.Sprint(l.Baseline.GDPYear)},
			{"Counted so far (EUR)", eur(l.Alliance.Counted)},
			{"Share of the baseline met", Percent(l.Alliance.MetPPM, 1)},
			{"Counted in the first half (EUR)", eur(l.Alliance.Halves[0])},
			{"Counted in the second half (EUR)", eur(l.Alliance.Halves[1])},
			{"Committed to date, goods and money (EUR)", eur(l.Alliance.Committed)},
			{"Money disbursed in the year (EUR)", eur(l.Alliance.Disbursed)},
			{"Goods delivered in the year (EUR)", eur(l.Alliance.Delivered)},
			{"Pledged, not yet delivered or disbursed (EUR)", eur(l.Alliance.Outstanding)},
			{"Pledges of undisclosed value, in no sum above", fmt.Sprint(l.Alliance.Undisclosed)},
			{"Nations below half their fair share by mid-year", fmt.Sprint(len(l.Flagged))},
		}}
	shares := Table{Sheet: "Fair shares", Title: "Fair shares against contributions (EUR)",
		Note:  "Fair share: the baseline times the nation's share of the participants' GDP (NATO, current prices), largest-remainder rounding to the cent.",
		Head:  []string{"Nation", "Fair share", "Counted", "Met", "First half", "Second half", "Outstanding", "Flag"},
		Right: []bool{false, true, true, true, true, true, true, false}, Numeric: []bool{false, true, true, false, true, true, true, false},
		Widths: []float64{38, 26, 24, 14, 22, 22, 24, 10}}
	var fair, counted, h1, h2, out money.Cents
	for _, a := range l.Accounts {
		flag := ""
		if a.Flagged {
			flag = "below"
		}
		shares.Rows = append(shares.Rows, []string{a.Name + " (" + a.Nation + ")", eur(a.Fair), eur(a.Counted), Percent(a.MetPPM, 1), eur(a.Halves[0]), eur(a.Halves[1]), eur(a.Outstanding), flag})
		fair += a.Fair
		counted += a.Counted
		h1 += a.Halves[0]
		h2 += a.Halves[1]
		out += a.Outstanding
	}
	shares.Total = []string{"Total", eur(fair), eur(counted), "", eur(h1), eur(h2), eur(out), ""}
	reliable, trend := rv.reliabilityTables()
	bases := Table{Sheet: "Valuation bases", Title: "Pledged value by valuation basis",
		Note: "Each pledge's amount on its amount's basis and each line's value on the line's: a pledge with figures on two bases counts on both, and values not disclosed are in no row.",
		Head: []string{"Basis", "Pledges", "Lines", "Value (EUR)"}, Right: []bool{false, true, true, true}, Numeric: []bool{false, true, true, true}, Widths: []float64{60, 25, 25, 45}}
	var basesValue money.Cents
	var basesLines int64
	for _, b := range rv.Bases {
		bases.Rows = append(bases.Rows, []string{assist.BasisWords(b.Basis), fmt.Sprint(b.Pledges), fmt.Sprint(b.Lines), eur(b.Value)})
		basesValue += b.Value
		basesLines += b.Lines
	}
	if len(rv.Bases) > 0 {
		bases.Total = []string{"Total", "", fmt.Sprint(basesLines), eur(basesValue)}
	}
	needs := Table{Sheet: "Open requirements", Title: "Open requirements by priority and capability area", Head: []string{"Priority", "Capability area", "Requirements", "Open quantity"},
		Right: []bool{false, false, true, true}, Numeric: []bool{true, false, true, true}, Widths: []float64{25, 80, 35, 40}}
	for _, n := range rv.Needs {
		needs.Rows = append(needs.Rows, []string{fmt.Sprint(n.Priority), n.Capability, fmt.Sprint(n.Count), fmt.Sprint(n.Open)})
	}
	ags := Table{Sheet: "Agreements", Title: "Bilateral security agreements", Head: []string{"Signatory", "Signed", "Years", "Stated amount", "Currency", "Period"},
		Right: []bool{false, false, true, true, false, false}, Widths: []float64{36, 22, 12, 30, 18, 62}}
	for _, a := range rv.Agreements {
		ags.Rows = append(ags.Rows, []string{a.Signatory, a.Signed, fmt.Sprint(a.Years), a.Amount, a.Currency, a.Period})
	}
	spend := Table{Sheet: "Spending", Title: fmt.Sprintf("Defence expenditure as a share of GDP, %d (%d Allies at or above 2%%)", rv.SpendingYear, rv.AtTwo),
		Note: "NATO, Defence Expenditure of NATO Countries (2014-2024), 17 June 2024; 2023 and 2024 are estimates.",
		Head: []string{"Ally", "Share of GDP", "At 2%"}, Right: []bool{false, true, false}, Widths: []float64{80, 40, 30}}
	for _, s := range rv.Spending {
		at := ""
		if s.Meets2 {
			at = "yes"
		}
		spend.Rows = append(spend.Rows, []string{s.Name + " (" + s.Nation + ")", Percent(s.PPM, 2), at})
	}
	return []Table{summary, shares, reliable, trend, bases, needs, ags, spend}
}

// reliabilityNote says what the reliability tables count.
const reliabilityNote = "A line is judged once it is delivered in full or its pledge's promised date has passed (the last day of the period when the date is known only to the month, quarter or year). " +
	"On time: delivered in full by that date. Value on time: the value of the units delivered by then, of the lines of disclosed value. " +
	"Slip: days from the promised date to the arrival of the line's last unit, an early delivery counting 0; the median, and the 90th percentile (P90) by nearest rank. " +
	"0–30 d … > 180 d: lines past their promised date and not delivered in full, by days past it. Withdrawn quantities count nowhere."

// reliabilityTables lay out the reliability per nation and the trend of
// all nations by the quarter of the promised date.
func (rv *Review) reliabilityTables() (Table, Table) {
	r := rv.Reliability
	byNation := Table{Sheet: "Reliability", Title: "Promise reliability by nation, as of " + r.AsOf, Note: reliabilityNote,
		Head:  []string{"Nation", "Lines", "On time", "Value on time", "Median slip", "P90 slip", "0–30 d", "31–90 d", "91–180 d", "> 180 d"},
		Right: []bool{false, true, true, true, true, true, true, true, true, true}, Numeric: []bool{false, true, false, false, true, true, true, true, true, true},
		Widths: []float64{40, 14, 15, 22, 18, 15, 14, 14, 14, 14}}
	// The review leaves out the overdue lines in all, and those not yet
	// due, of the cells.
	cells := func(label string, f reliability.Figures) []string {
		c := ReliabilityCells(f)
		return append(append([]string{label}, c[:5]...), c[6:6+len(reliability.Buckets)]...)
	}
	for _, g := range r.Groups {
		byNation.Rows = append(byNation.Rows, cells(g.Label, g.Figures))
	}
	if len(r.Groups) > 0 {
		byNation.Total = cells("All nations", r.All.Figures)
	}
	trend := Table{Sheet: "Reliability by quarter", Title: "Promise reliability of all nations by the quarter of the promised date",
		Head:  []string{"Quarter", "Lines judged", "On time", "Value on time", "Median slip", "P90 slip", "Overdue lines", "Not yet due"},
		Right: []bool{false, true, true, true, true, true, true, true}, Numeric: []bool{false, true, false, false, true, true, true, true},
		Widths: []float64{24, 22, 18, 24, 22, 20, 26, 24}}
	for _, q := range r.All.Quarters {
		c := ReliabilityCells(q.Figures)
		trend.Rows = append(trend.Rows, append(append([]string{q.Quarter}, c[:6]...), c[len(c)-1]))
	}
	return byNation, trend
}

// ReliabilityCells are figures of reliability as the review and the
// command line write them: the lines judged, the shares of lines and of
// value on time, the median and 90th-percentile slip in days, the lines
// overdue in all and in each band of days past the promise, and the lines
// not yet due; a share or slip of nothing is a dash.
func ReliabilityCells(f reliability.Figures) []string {
	share := func(ppm int64, none bool) string {
		if none {
			return "—"
		}
		return Percent(ppm, 1)
	}
	slip := func(tenths int64) string {
		if f.Delivered == 0 {
			return "—"
		}
		return Days(tenths)
	}
	out := []string{fmt.Sprint(f.Lines), share(f.OnTimeLinesPPM, f.Lines == 0), share(f.OnTimeValuePPM, f.Value == 0),
		slip(f.MedianSlipTenths), slip(f.P90SlipTenths), fmt.Sprint(f.OverdueLines())}
	for _, a := range f.Overdue {
		out = append(out, fmt.Sprint(a.Lines))
	}
	return append(out, fmt.Sprint(f.NotDueLines))
}
