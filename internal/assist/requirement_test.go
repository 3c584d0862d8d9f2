package assist_test

import (
	"slices"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// problemFields lists the fields an invalid input's error names, one for
// each of its problems.
func problemFields(err error) []string {
	e := fault.As(err)
	if e == nil || e.Code != fault.Invalid {
		return nil
	}
	probs := e.Problems
	if len(probs) == 0 {
		probs = []*fault.Error{e}
	}
	var out []string
	for _, p := range probs {
		out = append(out, p.Field)
	}
	slices.Sort(out)
	return out
}

func TestCreateRequirementsIsAllOrNothing(t *testing.T) {
	row := func(edit func(r *assist.Requirement)) assist.Requirement {
		r := assist.Requirement{NSN: nsn155, Quantity: 30, Priority: 2, NeedBy: "2025-08-01", DeliverySite: "ua-lviv"}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	three := []assist.Requirement{
		row(nil),
		row(func(r *assist.Requirement) { r.NSN, r.Group = "", "155mm" }),
		row(func(r *assist.Requirement) { r.NSN, r.Quantity, r.Priority = nsnMine, 500, 1 }),
	}
	for _, c := range []struct {
		name   string
		who    access.Identity
		rows   []assist.Requirement
		want   string   // the error's code, "" for none
		fields []string // every problem, by its row
	}{
		{name: "three rows", who: ukrOfficer, rows: three},
		{name: "a coordinator's", who: coordinator, rows: three[:1]},
		{name: "every problem of every row", who: ukrOfficer, rows: []assist.Requirement{
			row(func(r *assist.Requirement) { r.Quantity = 0 }),
			row(nil),
			row(func(r *assist.Requirement) { r.DeliverySite, r.NeedBy = "UA-NONE", "soon" }),
		}, want: fault.Invalid, fields: []string{"requirements[0].quantity", "requirements[2].delivery_site", "requirements[2].need_by"}},
		{name: "a marking above clearance", who: ukrOfficer, rows: []assist.Requirement{row(nil), row(func(r *assist.Requirement) { r.Classification = access.Secret })},
			want: fault.Invalid, fields: []string{"requirements[1].classification"}},
		{name: "a nation officer's", who: deuOfficer, rows: three, want: fault.Forbidden},
		{name: "no row", who: ukrOfficer, want: fault.Invalid, fields: []string{"requirements"}},
		{name: "too many rows", who: ukrOfficer, rows: make([]assist.Requirement, assist.MaxRequirementsAtOnce+1), want: fault.Invalid, fields: []string{"requirements"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLedger()
			before := l.clone()
			svc := assist.Service{Store: books{l}}
			// A check says what the batch would, and writes nothing.
			cerr := svc.CheckRequirements(as(c.who), c.rows)
			if fault.Code(cerr) != c.want || !slices.Equal(problemFields(cerr), c.fields) {
				t.Errorf("check: %v (%s) %v, want %q %v", cerr, fault.Code(cerr), problemFields(cerr), c.want, c.fields)
			}
			unchanged(t, before, l)
			got, err := svc.CreateRequirements(as(c.who), c.rows)
			if fault.Code(err) != c.want || !slices.Equal(problemFields(err), c.fields) {
				t.Fatalf("create: %v (%s) %v, want %q %v", err, fault.Code(err), problemFields(err), c.want, c.fields)
			}
			if c.want != "" {
				unchanged(t, before, l)
				return
			}
			if len(got) != len(c.rows) || len(l.requirements) != len(before.requirements)+len(c.rows) {
				t.Fatalf("%d rows made %d requirements, the ledger holds %d more", len(c.rows), len(got), len(l.requirements)-len(before.requirements))
			}
			want := make([]string, len(c.rows))
			for i := range want {
				want[i] = "requirement.create"
			}
			wantActions(t, l, want...)
			for i, r := range got {
				stored := l.requirements[r.ID]
				if r.ID == 0 || stored.Quantity != c.rows[i].Quantity || stored.DeliverySite != lviv || stored.State != assist.ReqOpen {
					t.Errorf("row %d stored as %+v", i, stored)
				}
			}
		})
	}
}
