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
	"github.com/longhaul/longhaul/internal/text"
	"io"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Kinds of record that can be exchanged.
var Kinds = []string{"items", "requirements", "pledges"}

// Columns of each kind, in order. Columns after the first blank-named marker
// in Derived are written on export and ignored on import.
var Columns = map[string][]string{
	"network":      NetworkColumns,
	"items":        {"nsn", "name", "capability", "unit_of_issue", "unit_value_eur", "mass_kg", "volume_m3", "group"},
	"requirements": {"ref", "nsn", "group", "quantity", "priority", "need_by", "delivery_site", "notes", "classification", "releasable_to", "state", "allocated", "delivered", "accepted"},
	"pledges": {"pledge_ref", "nation", "title", "kind", "channel", "category", "announced", "promised", "reference", "depot", "amount_eur", "classification", "releasable_to",
		"line", "nsn", "quantity", "unit_value_eur", "committed", "allocated", "shipped", "delivered", "accepted", "withdrawn"},
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

// row is one CSV record with its line number.
type row struct {
	line int
	cols map[string]string
}

// get returns column c of the row, trimmed, with the quote an export puts
// before a formula-like value taken off again.
func (r row) get(c string) string { return Uncell(strings.TrimSpace(r.cols[c])) }

// read parses CSV with a header naming the columns of kind (in any order;
// unknown columns are refused so that a typo is not silently dropped).
func read(kind string, in io.Reader) ([]row, error) {
	want := Columns[kind]
	if want == nil {
		return nil, fault.Field("kind", "%q cannot be imported: use one of %s", kind, strings.Join(Kinds, ", "))
	}
	cr := csv.NewReader(in)
	cr.Comment = '#' // the marking line an export starts with
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fault.Field("line 1", "the file is empty: the first line must name the columns %s", strings.Join(want, ","))
	}
	if err != nil {
		return nil, notCSV(err)
	}
	known := map[string]bool{}
	for _, c := range want {
		known[c] = true
	}
	var errs fault.List
	for i, h := range head {
		h = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "\ufeff")
		head[i] = h
		if !known[h] {
			errs.Add("line 1", "column %q is not one of %s", h, strings.Join(want, ", "))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, notCSV(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(head) {
			errs.Add(fmt.Sprintf("line %d", line), "has %d fields, the header has %d", len(rec), len(head))
			continue
		}
		r := row{line: line, cols: map[string]string{}}
		bad := false
		for i, h := range head {
			if err := text.Lines(h, rec[i]); err != nil {
				errs.Append(fmt.Sprintf("line %d", line), err)
				bad = true
			}
			r.cols[h] = rec[i]
		}
		if bad {
			continue
		}
		rows = append(rows, r)
		if len(rows) > MaxRows {
			return nil, fault.Field(fmt.Sprintf("line %d", line), "an import holds at most %d rows: split the file", MaxRows)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fault.Field("line 2", "the file has a header but no rows")
	}
	return rows, nil
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

// Result says what an import added.
type Result struct {
	Kind    string `json:"kind"`
	Rows    int    `json:"rows"`
	Created int    `json:"created"`
}

// Import reads CSV of kind and adds every record in one transaction: if any
// row is bad, nothing is added and the error lists every bad row.
func (im *Importer) Import(ctx context.Context, kind string, in io.Reader) (Result, error) {
	res := Result{Kind: kind}
	rows, err := read(kind, in)
	if err != nil {
		return res, err
	}
	res.Rows = len(rows)
	var errs fault.List
	err = im.Store.Transact(ctx, func(tx Tx) error {
		switch kind {
		case "items":
			for _, r := range rows {
				it, err := parseItem(r)
				if err == nil {
					err = im.Catalog.CreateItemIn(ctx, tx, &it)
				}
				if !rowError(&errs, r.line, err) {
					res.Created++
				}
			}
		case "requirements":
			for _, r := range rows {
				q, err := parseRequirement(r)
				if err == nil {
					err = im.Assist.CreateRequirementIn(ctx, tx, &q)
				}
				if !rowError(&errs, r.line, err) {
					res.Created++
				}
			}
		case "pledges":
			groups, gerrs := groupPledges(rows)
			errs = append(errs, gerrs...)
			for _, g := range groups {
				err := im.Assist.CreatePledgeIn(ctx, tx, &g.pledge)
				if err != nil {
					pledgeRowErrors(&errs, g, err)
					continue
				}
				res.Created++
			}
		}
		if len(errs) > 0 {
			return errs.Err()
		}
		return nil
	})
	if err != nil {
		res.Created = 0
		return res, err
	}
	return res, nil
}

// rowError adds err, if any, as a problem of the row at line; it reports
// whether there was one. Errors other than a refusal of the input stop the
// import.
func rowError(errs *fault.List, line int, err error) bool {
	if err == nil {
		return false
	}
	errs.Append(fmt.Sprintf("line %d", line), err)
	return true
}

func parseItem(r row) (catalog.Item, error) {
	var errs fault.List
	it := catalog.Item{NSN: r.get("nsn"), Name: r.get("name"), Capability: r.get("capability"), UnitOfIssue: r.get("unit_of_issue"), Group: r.get("group")}
	it.UnitValue = money.FieldEUR(&errs, "unit_value_eur", r.get("unit_value_eur"))
	it.MassG = money.FieldDecimal(&errs, "mass_kg", r.get("mass_kg"), 3)
	it.VolumeCM3 = money.FieldDecimal(&errs, "volume_m3", r.get("volume_m3"), 6)
	if err := errs.Err(); err != nil {
		return it, err
	}
	return it, it.Validate()
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
	if err := errs.Err(); err != nil {
		return q, err
	}
	return q, q.Validate()
}

type pledgeGroup struct {
	pledge assist.Pledge
	lines  []int // CSV line of each pledge line
	first  int
}

// groupPledges gathers the rows of each pledge: rows with the same
// pledge_ref are one pledge, and must agree on the pledge's own columns.
func groupPledges(rows []row) ([]*pledgeGroup, fault.List) {
	var errs fault.List
	var out []*pledgeGroup
	byRef := map[string]*pledgeGroup{}
	header := []string{"nation", "title", "kind", "channel", "category", "announced", "promised", "reference", "depot", "amount_eur", "classification", "releasable_to"}
	firstRow := map[string]row{}
	for _, r := range rows {
		ref := r.get("pledge_ref")
		at := fmt.Sprintf("line %d", r.line)
		var rowErrs fault.List
		g := byRef[ref]
		if g == nil || ref == "" {
			p := assist.Pledge{Nation: r.get("nation"), Title: r.get("title"), Kind: r.get("kind"), Channel: r.get("channel"), Category: r.get("category"),
				Announced: r.get("announced"), Promised: r.get("promised"), Reference: r.get("reference"), Depot: r.get("depot")}
			p.Amount = money.FieldEUR(&rowErrs, "amount_eur", r.get("amount_eur"))
			p.Marking = marking(&rowErrs, r)
			g = &pledgeGroup{pledge: p, first: r.line}
			out = append(out, g)
			if ref != "" {
				byRef[ref] = g
				firstRow[ref] = r
			}
		} else {
			for _, c := range header {
				if r.get(c) != firstRow[ref].get(c) {
					rowErrs.Add(c, "%q differs from %q on line %d for the same pledge_ref %s", r.get(c), firstRow[ref].get(c), g.first, ref)
				}
			}
		}
		if r.get("nsn") != "" || r.get("quantity") != "" {
			l := assist.Line{NSN: r.get("nsn")}
			l.Pledged = integer(&rowErrs, "quantity", r.get("quantity"))
			l.UnitValue = money.FieldEUR(&rowErrs, "unit_value_eur", r.get("unit_value_eur"))
			g.pledge.Lines = append(g.pledge.Lines, l)
			g.lines = append(g.lines, r.line)
		}
		for _, e := range rowErrs {
			errs.Append(at, e)
		}
	}
	return out, errs
}

// pledgeRowErrors reports err against the CSV lines it concerns: a line's
// problem against that line's row, the pledge's against its first row.
func pledgeRowErrors(errs *fault.List, g *pledgeGroup, err error) {
	e := fault.As(err)
	if e == nil {
		errs.Append(fmt.Sprintf("line %d", g.first), err)
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
		c.Field = field
		errs.Append(fmt.Sprintf("line %d", line), &c)
	}
}
