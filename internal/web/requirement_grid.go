package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// gridColumns are the requirements grid's columns, those of the form of
// one requirement, in the order a spreadsheet's block is pasted into them.
var gridColumns = []string{"nsn", "group", "quantity", "priority", "need_by", "delivery_site", "notes", "classification", "releasable_to"}

// gridRow is one row of the requirements grid as it was typed, with its
// problems by column; "" holds a problem of the row as a whole.
type gridRow struct {
	Cells  map[string]string
	Errors formErrors
}

// requirementGrid is the grid of several new requirements: its rows as
// typed, the problems of the grid as a whole, and the names its pickers
// offer.
type requirementGrid struct {
	Rows   []gridRow
	Errors formErrors
	More   int // rows to add below those typed
	Names  names
}

// gridRowsShown is how many rows an empty grid offers; a pasted block
// adds the rows it needs.
const gridRowsShown = 4

// padded is the grid with blank rows below those typed, and nm for its
// pickers.
func (g requirementGrid) padded(nm names) requirementGrid {
	g.Names = nm
	for len(g.Rows) < gridRowsShown || g.More > 0 {
		g.Rows = append(g.Rows, gridRow{Cells: map[string]string{}})
		g.More--
	}
	return g
}

// gridRowsFromForm reads the grid's rows: each column is sent as a list of
// its cells, in the order of the rows. A row whose cells are all empty (the
// priority and marking lists always hold a choice) is no requirement and
// is left out, so that every problem names a row that was typed.
func gridRowsFromForm(f url.Values) []gridRow {
	n := 0
	for _, c := range gridColumns {
		n = max(n, len(f[c]))
	}
	var rows []gridRow
	for i := range n {
		row := gridRow{Cells: map[string]string{}}
		blank := true
		for _, c := range gridColumns {
			if vs := f[c]; i < len(vs) {
				row.Cells[c] = vs[i]
			}
			if c != "priority" && c != "classification" && strings.TrimSpace(row.Cells[c]) != "" {
				blank = false
			}
		}
		if !blank {
			rows = append(rows, row)
		}
	}
	return rows
}

// gridErrors puts each problem beside its cell: "requirements[2].quantity"
// at row 2's quantity. What names no row is the grid's own, under "".
func gridErrors(fe formErrors, rows []gridRow) formErrors {
	whole := formErrors{}
	for field, msg := range fe {
		rest, ok := strings.CutPrefix(field, "requirements[")
		end := strings.IndexByte(rest, ']')
		i, err := strconv.Atoi(rest[:max(end, 0)])
		if !ok || end < 0 || err != nil || i < 0 || i >= len(rows) {
			if whole[""] == "" {
				whole[""] = msg
			}
			continue
		}
		col := strings.TrimPrefix(rest[end+1:], ".")
		if !slices.Contains(gridColumns, col) {
			col = "" // a field of no column: shown for the row
		}
		if rows[i].Errors == nil {
			rows[i].Errors = formErrors{}
		}
		if _, dup := rows[i].Errors[col]; !dup {
			rows[i].Errors[col] = msg
		}
	}
	return whole
}

// uiCreateRequirements submits the grid's rows as requirements, all or
// none: every problem of every row is shown beside its cell, with what was
// typed kept.
func (s *Server) uiCreateRequirements(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	rows := gridRowsFromForm(r.PostForm)
	again := func(status int, fe formErrors, more int) error {
		g := requirementGrid{Rows: rows, Errors: gridErrors(fe, rows), More: more}
		return s.requirementFormFor(w, r, status, requirementInput{Priority: 2, Classification: access.Unclassified.String()}, nil, assist.Requirement{}, g)
	}
	if r.PostForm.Get("more") != "" {
		return again(200, nil, gridRowsShown)
	}
	// Every problem at once: the cells that do not read as what they
	// hold, and what the use case finds in the rest.
	var read fault.List
	qs := make([]assist.Requirement, len(rows))
	for i, row := range rows {
		f := url.Values{}
		for c, v := range row.Cells {
			f.Set(c, v)
		}
		in, pre := requirementFromForm(f)
		prefix := fmt.Sprintf("requirements[%d]", i)
		for field, msg := range pre {
			read.Add(prefix+"."+field, "%s", msg)
		}
		q, err := in.requirement()
		read.AppendNew(prefix, err)
		qs[i] = q
	}
	var err error
	if len(read) > 0 {
		err = fault.Also(read.Err(), s.Assist.CheckRequirements(r.Context(), qs))
	} else {
		qs, err = s.Assist.CreateRequirements(r.Context(), qs)
	}
	if err != nil {
		fe, ok := toFormErrors(err)
		if !ok {
			return err
		}
		if fault.Code(err) == fault.Forbidden {
			fe[""] = fault.As(err).Message
		}
		return again(statusFor(err), fe, 0)
	}
	refs := make([]string, len(qs))
	for i := range qs {
		refs[i] = qs[i].Ref()
	}
	to := withNotice("/requirements?sort=-id", "requirements-submitted", len(qs), strings.Join(refs, ","))
	if len(qs) == 1 {
		to = withNotice("/requirements?sort=-id", "requirement-submitted", refs[0])
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
