// Package exchange owns the CSV formats in which items, requirements and
// pledges leave and enter Longhaul. Export and import use the same columns;
// an import is all or nothing and reports every bad row by its line number.
//
// It imports nothing of Longhaul's but the domain packages.
package exchange

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/text"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Kinds of record that can be exchanged. Progress is an opening
// balance's: how far each pledge has come, step by step (assist.Opening).
var Kinds = []string{"items", "requirements", "pledges", "progress"}

// Columns of each kind, in order. Columns after the first blank-named marker
// in Derived are written on export and ignored on import.
var Columns = map[string][]string{
	"network":      NetworkColumns,
	"items":        {"nsn", "name", "capability", "unit_of_issue", "unit_value_eur", "mass_kg", "volume_m3", "group"},
	"requirements": {"ref", "nsn", "group", "quantity", "priority", "need_by", "delivery_site", "notes", "classification", "releasable_to", "state", "allocated", "delivered", "accepted"},
	"pledges": {"pledge_ref", "nation", "title", "description", "kind", "aid", "instrument", "channel", "category", "announced", "promised", "reference", "depot", "amount_eur", "value_undisclosed",
		"amount_currency", "amount_original", "amount_rate", "amount_rate_date", "amount_basis", "amount_source", "classification", "releasable_to",
		"line", "nsn", "quantity", "unit_value_eur", "unit_currency", "unit_original", "unit_rate", "unit_rate_date", "unit_basis", "unit_source", "reported_delivered",
		"committed", "allocated", "shipped", "delivered", "accepted", "withdrawn"},
	"progress": {"pledge_ref", "line", "step", "requirement_ref", "quantity", "amount_eur", "date", "evidence"},
}

// Derived lists the columns that an export writes for reading and an import
// ignores, because they follow from the ledger's actions: an import always
// records new requirements and pledges as pledged.
var Derived = map[string][]string{
	"requirements": {"ref", "state", "allocated", "delivered", "accepted"},
	"pledges":      {"line", "committed", "allocated", "shipped", "delivered", "accepted", "withdrawn"},
}

// MaxRows bounds one import.
const MaxRows = 100_000

// Tx is what an import needs inside its one transaction.
type Tx interface {
	assist.Tx
	catalog.Tx
}

// Store runs a function in one transaction.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Over adapts a store whose transactions are of type T to Store, so that a
// store serves the import without naming its types.
func Over[T Tx](st interface {
	Transact(ctx context.Context, fn func(T) error) error
}) Store {
	return over[T]{st}
}

type over[T Tx] struct {
	st interface {
		Transact(ctx context.Context, fn func(T) error) error
	}
}

func (o over[T]) Transact(ctx context.Context, fn func(Tx) error) error {
	return o.st.Transact(ctx, func(tx T) error { return fn(tx) })
}

// Importer adds records from CSV through the domain's use cases.
type Importer struct {
	Store   Store
	Catalog *catalog.Service
	Assist  *assist.Service
}

// row is one record with its line number (CSV) or row number (XLSX).
type row struct {
	line int
	unit string // "line" or "row"
	cols map[string]string
}

// at is where the row is, as its problems name it.
func (r row) at() string { return fmt.Sprintf("%s %d", r.unit, r.line) }

// get returns column c of the row, trimmed, and for CSV with the quote an
// export puts before a formula-like value taken off again (a workbook's
// text cells need none: they are never formulas).
func (r row) get(c string) string {
	v := strings.TrimSpace(r.cols[c])
	if r.unit == "row" {
		return v
	}
	return Uncell(v)
}

// DateColumns are the columns of each kind that hold dates.
var DateColumns = map[string][]string{
	"requirements": {"need_by"},
	"pledges":      {"announced", "promised", "amount_rate_date", "unit_rate_date"},
	"progress":     {"date"},
}

// read parses a file with a header naming the columns of kind (in any
// order; unknown columns are refused so that a typo is not silently
// dropped), and returns its rows and what had to be done to read it.
func read(kind string, in io.Reader) ([]row, []string, error) {
	want := Columns[kind]
	if want == nil {
		return nil, nil, fault.Field("kind", "%q cannot be imported: use one of %s", kind, strings.Join(Kinds, ", "))
	}
	known, dates := map[string]bool{}, map[string]bool{}
	for _, c := range want {
		known[c] = true
	}
	for _, c := range DateColumns[kind] {
		dates[c] = true
	}
	t, err := readTable(in, known)
	if err != nil {
		return nil, nil, err
	}
	unit := "line"
	if t.xlsx {
		unit = "row"
	}
	// The header is the first record that is not blank and not a title:
	// a workbook's marking or heading stands alone in its row.
	first := 0
	for first < len(t.records) && (blank(t.records[first]) || title(t.records[first], known)) {
		first++
	}
	if first == len(t.records) {
		return nil, t.notices, fault.Field(unit+" 1", "the file is empty: the first %s must name the columns %s", unit, strings.Join(want, ","))
	}
	head := t.records[first]
	var errs fault.List
	at := fmt.Sprintf("%s %d", unit, t.lines[first])
	for i, h := range head {
		h = normalizeHeader(h)
		head[i] = h
		if !known[h] {
			errs.Add(at, "column %q is not one of %s", h, strings.Join(want, ", "))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, t.notices, err
	}
	var rows []row
	for k, rec := range t.records[first+1:] {
		line := t.lines[first+1+k]
		at := fmt.Sprintf("%s %d", unit, line)
		if blank(rec) {
			continue
		}
		if t.xlsx {
			// A sheet leaves a row's empty cells at its end out, and may
			// store a date as a day number.
			for len(rec) < len(head) {
				rec = append(rec, "")
			}
			for i := range min(len(rec), len(head)) {
				if dates[head[i]] {
					rec[i] = excelDate(rec[i])
				}
			}
		}
		if len(rec) != len(head) {
			errs.Add(at, "has %d fields, the header has %d", len(rec), len(head))
			continue
		}
		r := row{line: line, unit: unit, cols: map[string]string{}}
		bad := false
		for i, h := range head {
			if err := text.Lines(h, rec[i]); err != nil {
				errs.Append(at, err)
				bad = true
			}
			r.cols[h] = rec[i]
		}
		if bad {
			continue
		}
		rows = append(rows, r)
		if len(rows) > MaxRows {
			return nil, t.notices, fault.Field(at, "an import holds at most %d rows: split the file", MaxRows)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, t.notices, err
	}
	if len(rows) == 0 {
		return nil, t.notices, fault.Field(unit+" 2", "the file has a header but no rows")
	}
	return rows, t.notices, nil
}

// title reports whether a record holds one value, which names no column.
func title(rec []string, known map[string]bool) bool {
	n := 0
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			if known[normalizeHeader(f)] {
				return false
			}
			n++
		}
	}
	return n == 1
}

// blank reports whether a record holds nothing but spaces.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// notCSV explains CSV that does not parse, at the line where the bad record
// starts (csv.Reader knows no field positions after an error). An error of
// the reader itself, such as a body over its limit, is returned wrapped for
// the caller, who knows what it means.
func notCSV(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fault.Field(fmt.Sprintf("line %d", pe.StartLine), "not CSV: %v", pe.Err)
	}
	return fmt.Errorf("reading the file: %w", err)
}

// Result says what an import added, or in a dry run would add.
type Result struct {
	Kind    string `json:"kind"`
	Rows    int    `json:"rows"`
	Created int    `json:"created"`
	// DryRun is true when nothing was saved: the result is what the file
	// would add.
	DryRun bool `json:"dry_run,omitempty"`
	// Opening is true for a part of an opening balance.
	Opening bool `json:"opening,omitempty"`
	// Notices say what had to be done to read the file (an encoding
	// converted, a separator found), for the person to check.
	Notices []string `json:"notices,omitempty"`
	// Records are what the file adds, one by one, for the person to
	// confirm.
	Records []Preview `json:"records"`
}

// What names what the import adds, for people: "pledges", "steps of
// progress".
func (r Result) What() string {
	if r.Kind == "progress" {
		return "steps of progress"
	}
	return r.Kind
}

// Preview is one record an import adds: where it is in the file and what
// it is.
type Preview struct {
	At      string `json:"at"`      // "line 2", "rows 4-6"
	Summary string `json:"summary"` // "DEU: Winter package, 2 lines"
}

// errDryRun ends the transaction of a dry run, so that nothing it did
// is kept.
var errDryRun = errors.New("dry run")

// Import reads a file of kind (CSV or XLSX) and adds every record in one
// transaction: if any row is bad, nothing is added and the error lists
// every problem of every row. With dryRun, the same checks run in the same
// transaction, which is then rolled back: the result says what would be
// added, and nothing is.
func (im *Importer) Import(ctx context.Context, kind string, in io.Reader, dryRun bool) (Result, error) {
	return im.ImportWith(ctx, kind, in, Options{DryRun: dryRun})
}

// Options say how an import goes.
type Options struct {
	// DryRun checks the file and saves nothing.
	DryRun bool
	// Opening takes the file as part of an opening balance (assist's
	// OpenIn): requirements and pledges keep the references the file
	// gives them, and a progress file brings their progress in. Only a
	// coordinator may.
	Opening bool
}

// ImportWith is Import with its options.
func (im *Importer) ImportWith(ctx context.Context, kind string, in io.Reader, o Options) (Result, error) {
	dryRun := o.DryRun
	res := Result{Kind: kind, DryRun: dryRun, Opening: o.Opening, Records: []Preview{}}
	if o.Opening {
		if err := assist.MayOpen(ctx); err != nil {
			return res, err
		}
	} else if kind == "progress" {
		return res, fault.Field("kind", "progress is brought in as an opening balance, by a coordinator: import it as one (--opening, opening=true)")
	}
	rows, notices, err := read(kind, in)
	res.Notices = notices
	if err != nil {
		return res, err
	}
	res.Rows = len(rows)
	var errs fault.List
	err = im.Store.Transact(ctx, func(tx Tx) error {
		switch kind {
		case "items":
			for _, r := range rows {
				// The record's own checks run even when a cell did not
				// parse, so that the row reports every problem at once;
				// whatever they add is rolled back with the rest.
				it, err := parseItem(r)
				err = fault.Also(err, im.Catalog.CreateItemIn(ctx, tx, &it))
				if !rowError(&errs, r, err) {
					res.Created++
					res.Records = append(res.Records, Preview{At: r.at(), Summary: it.NSN + " " + it.Name})
				}
			}
		case "requirements":
			for _, r := range rows {
				q, err := parseRequirement(r)
				if o.Opening {
					id, rerr := assist.ParseRef("ref", "R-", r.get("ref"))
					err = fault.Also(err, rerr)
					if rerr == nil {
						err = fault.Also(err, im.Assist.OpenRequirementIn(ctx, tx, &q, id))
					}
				} else {
					err = fault.Also(err, im.Assist.CreateRequirementIn(ctx, tx, &q))
				}
				if !rowError(&errs, r, err) {
					res.Created++
					res.Records = append(res.Records, Preview{At: r.at(), Summary: fmt.Sprintf("%s: %d of %s for %s by %s", q.Ref(), q.Quantity, q.NSN, q.DeliverySite, q.NeedBy)})
				}
			}
		case "pledges":
			groups, gerrs := groupPledges(rows)
			errs = append(errs, gerrs...)
			for _, g := range groups {
				var err error
				if o.Opening {
					var id int64
					if id, err = assist.ParseRef("pledge_ref", "P-", g.first.get("pledge_ref")); err == nil {
						err = im.Assist.OpenPledgeIn(ctx, tx, &g.pledge, id)
					}
				} else {
					err = im.Assist.CreatePledgeIn(ctx, tx, &g.pledge)
				}
				if err != nil {
					pledgeRowErrors(&errs, g, err)
					continue
				}
				res.Created++
				res.Records = append(res.Records, Preview{At: g.span(), Summary: pledgeSummary(g.pledge)})
			}
		case "progress":
			for _, r := range rows {
				step, err := parseOpening(r)
				if err == nil {
					err = im.Assist.OpenIn(ctx, tx, step)
				}
				if !rowError(&errs, r, err) {
					res.Created++
					res.Records = append(res.Records, Preview{At: r.at(), Summary: step.String()})
				}
			}
		}
		if len(errs) > 0 {
			return errs.Err()
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		res.Created = 0
		res.Records = []Preview{}
		return res, err
	}
	return res, nil
}

// pledgeSummary is a pledge as the preview names it.
func pledgeSummary(p assist.Pledge) string {
	s := p.Nation + ": " + p.Title
	switch len(p.Lines) {
	case 0:
		s += ", EUR " + p.Amount.String()
	case 1:
		s += ", 1 line"
	default:
		s += fmt.Sprintf(", %d lines", len(p.Lines))
	}
	return s
}

// rowError adds err, if any, as a problem of row r; it reports whether
// there was one.
func rowError(errs *fault.List, r row, err error) bool {
	if err == nil {
		return false
	}
	errs.Append(r.at(), err)
	return true
}

func parseItem(r row) (catalog.Item, error) {
	var errs fault.List
	it := catalog.Item{NSN: r.get("nsn"), Name: r.get("name"), Capability: r.get("capability"), UnitOfIssue: r.get("unit_of_issue"), Group: r.get("group")}
	it.UnitValue = money.FieldEUR(&errs, "unit_value_eur", r.get("unit_value_eur"))
	it.MassG = money.FieldDecimal(&errs, "mass_kg", r.get("mass_kg"), 3)
	it.VolumeCM3 = money.FieldDecimal(&errs, "volume_m3", r.get("volume_m3"), 6)
	errs.AppendNew("", it.Validate())
	return it, errs.Err()
}

// flag reads a yes-or-no cell: yes, true, 1 or x for yes; no, false, 0 or
// empty for no.
func flag(errs *fault.List, field, s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "x":
		return true
	case "no", "n", "false", "0", "":
		return false
	}
	errs.Add(field, "%q is neither yes nor no", s)
	return false
}

func integer(errs *fault.List, field, s string) int64 {
	if s == "" {
		errs.Add(field, "is required")
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		errs.Add(field, "%q is not a whole number", s)
	}
	return v
}

func marking(errs *fault.List, r row) access.Marking {
	c, err := access.ParseClassification(r.get("classification"))
	if err != nil {
		errs.Append("classification", err)
	}
	return access.Marking{Classification: c, ReleasableTo: access.ParseReleasability(r.get("releasable_to"))}
}

func parseRequirement(r row) (assist.Requirement, error) {
	var errs fault.List
	q := assist.Requirement{NSN: r.get("nsn"), Group: r.get("group"), NeedBy: r.get("need_by"), DeliverySite: r.get("delivery_site"), Notes: r.get("notes")}
	q.Quantity = integer(&errs, "quantity", r.get("quantity"))
	q.Priority = int(integer(&errs, "priority", r.get("priority")))
	q.Marking = marking(&errs, r)
	errs.AppendNew("", q.Validate())
	return q, errs.Err()
}

// parseOpening reads a step of an opening balance, every problem of its
// cells at once.
func parseOpening(r row) (assist.Opening, error) {
	var errs fault.List
	o := assist.Opening{Step: strings.ToLower(r.get("step")), Date: r.get("date"), Evidence: r.get("evidence")}
	id, err := assist.ParseRef("pledge_ref", "P-", r.get("pledge_ref"))
	errs.Append("", err)
	o.Pledge = id
	if v := r.get("line"); v != "" {
		o.Line = int(integer(&errs, "line", v))
	}
	if v := r.get("requirement_ref"); v != "" {
		id, err := assist.ParseRef("requirement_ref", "R-", v)
		errs.Append("", err)
		o.Requirement = id
	}
	if v := r.get("quantity"); v != "" {
		o.Quantity = integer(&errs, "quantity", v)
	}
	o.Amount = money.FieldEUR(&errs, "amount_eur", r.get("amount_eur"))
	if !slices.Contains(assist.OpeningSteps, o.Step) {
		errs.Add("step", "%q is not a step: use one of %s", r.get("step"), strings.Join(assist.OpeningSteps, ", "))
	}
	return o, errs.Err()
}

type pledgeGroup struct {
	pledge assist.Pledge
	lines  []row // the row of each pledge line
	first  row
	last   row
}

// span is where the pledge is in the file: "line 2" or "lines 2-4".
func (g *pledgeGroup) span() string {
	if g.last.line == g.first.line {
		return g.first.at()
	}
	return fmt.Sprintf("%ss %d-%d", g.first.unit, g.first.line, g.last.line)
}

// groupPledges gathers the rows of each pledge: rows with the same
// pledge_ref are one pledge, and must agree on the pledge's own columns;
// a later row may leave them empty, as trackers give a pledge's title,
// value and dates on its first row only.
func groupPledges(rows []row) ([]*pledgeGroup, fault.List) {
	var errs fault.List
	var out []*pledgeGroup
	byRef := map[string]*pledgeGroup{}
	header := []string{"nation", "title", "description", "kind", "aid", "instrument", "channel", "category", "announced", "promised", "reference", "depot", "amount_eur", "value_undisclosed",
		"amount_currency", "amount_original", "amount_rate", "amount_rate_date", "amount_basis", "amount_source", "classification", "releasable_to"}
	firstRow := map[string]row{}
	for _, r := range rows {
		ref := r.get("pledge_ref")
		at := r.at()
		var rowErrs fault.List
		g := byRef[ref]
		if g == nil || ref == "" {
			p := assist.Pledge{Nation: r.get("nation"), Title: r.get("title"), Description: r.get("description"), Kind: r.get("kind"), Aid: r.get("aid"), Instrument: r.get("instrument"), Channel: r.get("channel"), Category: r.get("category"),
				Announced: r.get("announced"), Promised: r.get("promised"), Reference: r.get("reference"), Depot: r.get("depot")}
			p.Amount = money.FieldEUR(&rowErrs, "amount_eur", r.get("amount_eur"))
			p.ValueUndisclosed = flag(&rowErrs, "value_undisclosed", r.get("value_undisclosed"))
			p.AmountValuation = valuation(&rowErrs, r, "amount_")
			p.Marking = marking(&rowErrs, r)
			g = &pledgeGroup{pledge: p, first: r}
			out = append(out, g)
			if ref != "" {
				byRef[ref] = g
				firstRow[ref] = r
			}
		} else {
			for _, c := range header {
				if v := r.get(c); v != "" && v != firstRow[ref].get(c) {
					rowErrs.Add(c, "%q differs from %q on %s for the same pledge_ref %s", r.get(c), firstRow[ref].get(c), g.first.at(), ref)
				}
			}
		}
		if r.get("nsn") != "" || r.get("quantity") != "" {
			l := assist.Line{NSN: r.get("nsn")}
			// A quantity or unit value the donor has not disclosed is
			// written so, never left to read as zero.
			if assist.IsUndisclosed(r.get("quantity")) {
				l.QuantityUndisclosed = true
			} else {
				l.Pledged = integer(&rowErrs, "quantity", r.get("quantity"))
			}
			if assist.IsUndisclosed(r.get("unit_value_eur")) {
				l.ValueUndisclosed = true
			} else {
				l.UnitValue = money.FieldEUR(&rowErrs, "unit_value_eur", r.get("unit_value_eur"))
			}
			l.Valuation = valuation(&rowErrs, r, "unit_")
			// What the donor reports delivered, as trackers quote it.
			if v := r.get("reported_delivered"); v != "" {
				l.Reported = integer(&rowErrs, "reported_delivered", v)
			}
			g.pledge.Lines = append(g.pledge.Lines, l)
			g.lines = append(g.lines, r)
		} else {
			for _, c := range valuationColumns {
				if r.get("unit_"+c) != "" {
					rowErrs.Add("unit_"+c, "a row without a line (no nsn, no quantity) has no unit value to say where it comes from")
					break
				}
			}
		}
		g.last = r
		for _, e := range rowErrs {
			errs.Append(at, e)
		}
	}
	return out, errs
}

// valuationColumns are the columns of a valuation, after their prefix:
// amount_ for the pledge's amount, unit_ for a line's unit value.
var valuationColumns = []string{"currency", "original", "rate", "rate_date", "basis", "source"}

// valuation reads the valuation columns of row r with prefix; the original
// figure is a decimal in its currency, read as people write it.
func valuation(errs *fault.List, r row, prefix string) assist.Valuation {
	v := assist.Valuation{Currency: r.get(prefix + "currency"), Rate: r.get(prefix + "rate"), RateDate: r.get(prefix + "rate_date"),
		Basis: r.get(prefix + "basis"), Source: r.get(prefix + "source")}
	v.Original = money.Cents(money.FieldDecimal(errs, prefix+"original", r.get(prefix+"original"), 2))
	return v
}

// valuationColumn is the column of a valuation's field as the use case
// names it ("amount_valuation.rate", a line's "valuation.rate").
func valuationColumn(field string) string {
	if c, ok := strings.CutPrefix(field, "amount_valuation."); ok {
		return "amount_" + c
	}
	if c, ok := strings.CutPrefix(field, "valuation."); ok {
		return "unit_" + c
	}
	return field
}

// pledgeRowErrors reports err against the CSV lines it concerns: a line's
// problem against that line's row, the pledge's against its first row.
func pledgeRowErrors(errs *fault.List, g *pledgeGroup, err error) {
	e := fault.As(err)
	if e == nil {
		errs.Append(g.first.at(), err)
		return
	}
	probs := e.Problems
	if len(probs) == 0 {
		probs = []*fault.Error{e}
	}
	for _, p := range probs {
		line, field := g.first, p.Field
		var i int
		var rest string
		if n, _ := fmt.Sscanf(p.Field, "lines[%d]", &i); n == 1 && i >= 0 && i < len(g.lines) {
			line = g.lines[i]
			_, rest, _ = strings.Cut(p.Field, ".")
			field = rest
			if field == "" {
				field = "quantity"
			}
		}
		c := *p
		c.Field = valuationColumn(field)
		errs.AppendNew(line.at(), &c) // one problem per field: a value that did not parse is not also "required"
	}
}
