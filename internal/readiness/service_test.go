package readiness_test

import (
	"context"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
)

func as(nation string, clearance access.Classification, roles ...access.Role) context.Context {
	return access.WithIdentity(context.Background(), access.Identity{UserID: 1, Name: "nsatu", Nation: nation, Roles: roles, Clearance: clearance, Via: "token"})
}

var (
	coordinator = as("DEU", access.Secret, access.Coordinator)
	uncleared   = as("DEU", access.Unclassified, access.Coordinator)
	officer     = as("FRA", access.Restricted, access.NationOfficer) // may read, not define
	analyst     = as("POL", access.Secret, access.Analyst)           // may read neither
)

func service(s *fakeStore) *readiness.Service { return &readiness.Service{Store: s, Read: s} }

// nothingWritten checks that a refusal has code and left the store as it
// was, without an audit event.
func nothingWritten(t *testing.T, s *fakeStore, err error, code string, packages int) {
	t.Helper()
	if fault.Code(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if len(s.events) != 0 || len(s.packages) != packages {
		t.Errorf("a refusal wrote: %d events, %d packages", len(s.events), len(s.packages))
	}
}

func TestCreateIsAuditedAndResolvesCrews(t *testing.T) {
	s := newFake()
	p := battery()
	p.ID, p.Name = 0, "  IRIS-T SLM battery "
	p.Elements[1].Target = "irist-ops" // the course, as typed
	p.Elements[0].Kind = " Item"
	got, err := service(s).Create(coordinator, p)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.Version != 1 || got.Name != "IRIS-T SLM battery" || got.Elements[0].Kind != readiness.Item || got.Elements[1].Target != "IRIST-OPS" || got.CreatedBy != "nsatu (token)" {
		t.Errorf("created: %+v", got)
	}
	if len(s.events) != 1 || s.events[0].Action != "readiness.create" || s.events[0].Entity != "capability_package" || s.events[0].EntityID != "11" {
		t.Errorf("audit: %+v", s.events)
	}
}

func TestDefiningIsRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		ctx   context.Context
		edit  func(*readiness.Package)
		code  string
		field []string
	}{
		{"a nation officer may not define", officer, nil, fault.Forbidden, nil},
		{"nor anybody signed out", context.Background(), nil, fault.Unauthorized, nil},
		{"above the definer's clearance", uncleared, func(p *readiness.Package) { p.Classification = access.Restricted }, fault.Invalid, []string{"classification"}},
		{"every problem at once", coordinator, func(p *readiness.Package) {
			p.Name, p.Wanted, p.Capability = "", 0, "space"
			p.Elements = append(p.Elements,
				readiness.Element{Kind: "radar", Target: "X", Quantity: 1},
				readiness.Element{Kind: readiness.Item, Target: "9999-99-999-9999", Quantity: 0},
				readiness.Element{Kind: readiness.Crew, Target: "NO-SUCH-COURSE", Quantity: 1},
				readiness.Element{Kind: readiness.Item, Target: nsnIRIST, Quantity: 2})
		}, fault.Invalid, []string{"name", "wanted", "capability", "elements[3].kind", "elements[4].quantity", "elements[6].target"}},
		{"a facility alone counts no system", coordinator, func(p *readiness.Package) { p.Elements = p.Elements[2:] }, fault.Invalid, []string{"elements"}},
		{"nothing at all", coordinator, func(p *readiness.Package) { p.Elements = nil }, fault.Invalid, []string{"elements"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newFake()
			p := battery()
			p.ID = 0
			if c.edit != nil {
				c.edit(&p)
			}
			_, err := service(s).Create(c.ctx, p)
			nothingWritten(t, s, err, c.code, 0)
			e := fault.As(err)
			probs := e.Problems
			if len(probs) == 0 {
				probs = []*fault.Error{e}
			}
			for _, f := range c.field {
				if !fault.List(probs).Has(f) {
					t.Errorf("no problem at %s: %v", f, err)
				}
			}
		})
	}
}

// TestCheckFindsWhatTheCatalogueLacks: Check reports the unknown targets
// beside the element's own problems, as a form needs them, and saves
// nothing.
func TestCheckFindsWhatTheCatalogueLacks(t *testing.T) {
	s := newFake()
	p := battery()
	p.Elements[0].Target = "1410-99-000-0000"
	p.Elements[1].Target = "NOBODY"
	p.Elements[2].Quantity = 0
	err := service(s).Check(coordinator, p)
	probs := fault.List(fault.As(err).Problems)
	for _, f := range []string{"elements[0].target", "elements[1].target", "elements[2].quantity"} {
		if !probs.Has(f) {
			t.Errorf("no problem at %s: %v", f, err)
		}
	}
	nothingWritten(t, s, err, fault.Invalid, 0)
	if err := service(s).Check(coordinator, battery()); err != nil {
		t.Errorf("a good package: %v", err)
	}
}

func TestUpdateKeepsItsVersionAndAuthor(t *testing.T) {
	stored := battery()
	stored.Version, stored.CreatedBy, stored.Marking = 3, "someone", access.Marking{Classification: access.Restricted, ReleasableTo: []string{"UKR"}}
	s := newFake(stored)
	p := battery()
	p.Wanted, p.Name = 4, "IRIS-T SLM batteries"
	p.Marking = stored.Marking
	if _, err := service(s).Update(coordinator, 1, 2, p); fault.Code(err) != fault.Conflict {
		t.Errorf("a stale version: %v", err)
	}
	// A package the actor may not see is not found, whatever they may do.
	if _, err := service(s).Update(uncleared, 1, 3, p); fault.Code(err) != fault.NotFound {
		t.Errorf("a restricted package to an uncleared coordinator: %v", err)
	}
	nothingWritten(t, s, nil, "", 1)
	got, err := service(s).Update(coordinator, 1, 3, p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 4 || got.Wanted != 4 || got.CreatedBy != "someone" || s.packages[1].Name != "IRIS-T SLM batteries" {
		t.Errorf("updated: %+v", got)
	}
	if len(s.events) != 1 || s.events[0].Action != "readiness.update" || s.events[0].Before == nil {
		t.Errorf("audit: %+v", s.events)
	}
}

// TestAssessReadsWhatTheReaderMaySee: readers of the packages get them
// assessed; a package above the reader's clearance is not there; roles
// without readiness.read are refused.
func TestAssessReadsWhatTheReaderMaySee(t *testing.T) {
	open, secret := battery(), battery()
	secret.ID, secret.Name, secret.Classification = 2, "Patriot battery", access.Secret
	s := newFake(open, secret)
	s.facts.Facilities = []repair.RepairFacility{competent}
	all, err := service(s).AssessAll(officer, today)
	if err != nil || len(all) != 1 || all[0].Package.ID != 1 {
		t.Fatalf("the officer's packages: %+v %v", all, err)
	}
	if _, err := service(s).Assess(officer, 2, today); fault.Code(err) != fault.NotFound {
		t.Errorf("a secret package to a restricted officer: %v", err)
	}
	if all, err := service(s).AssessAll(coordinator, today); err != nil || len(all) != 2 || all[0].Package.Name != "IRIS-T SLM battery" {
		t.Errorf("the coordinator's: %+v %v", all, err)
	}
	if _, err := service(s).AssessAll(analyst, today); fault.Code(err) != fault.Forbidden {
		t.Errorf("an analyst: %v", err)
	}
	a, err := service(s).Assess(coordinator, 1, today)
	if err != nil || a.Ready != 0 || len(a.Elements) != 3 || !state(t, a, readiness.Facility).Met {
		t.Errorf("assessed: %+v %v", a, err)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]int64{"CP-00012": 12, "cp-7": 7, "12": 12, " 3 ": 3} {
		if got, err := readiness.ParseRef(in); err != nil || got != want {
			t.Errorf("%q: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "CP-", "P-00012", "-1", "0", "x"} {
		if _, err := readiness.ParseRef(in); fault.Code(err) != fault.NotFound {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// forecasts is a Forecaster that answers from a map, and remembers the
// day it was asked for.
type forecasts struct {
	by    map[int64]readiness.Expectation
	asked string
}

func (f *forecasts) Expect(_ context.Context, today string) (map[int64]readiness.Expectation, error) {
	f.asked = today
	return f.by, nil
}

// TestAllocatedClosesByItsForecast: what is allocated and not yet on its
// way closes its gap on the line's forecast, not its promise, when there
// is one; the plan keeps the promise and the interval beside it. A line
// without a forecast keeps its promised date.
func TestAllocatedClosesByItsForecast(t *testing.T) {
	s := newFake(battery())
	s.facts = facts(readiness.Facts{Facilities: []repair.RepairFacility{competent},
		Lines: []readiness.Line{{ID: 41, Pledge: 5, Nation: "DEU", Title: "IRIS-T missiles", No: 1, NSN: nsnIRIST, Allocated: 24, Promised: "2026-06-30"}}})
	fc := &forecasts{by: map[int64]readiness.Expectation{41: {Expected: "2026-09-15", Low: "2026-07-20", High: "2026-12-01"}}}
	svc := service(s)
	svc.Forecast = fc
	a, err := svc.Assess(coordinator, 1, today)
	if err != nil {
		t.Fatal(err)
	}
	m := state(t, a, readiness.Item)
	if fc.asked != today || m.Status != readiness.Planned || m.ClosesOn != "2026-09-15" || len(m.Planned) != 1 {
		t.Fatalf("the missiles by their forecast (asked for %q): %+v", fc.asked, m)
	}
	if p := m.Planned[0]; p.Basis != readiness.BasisForecast || p.Promised != "2026-06-30" || p.Low != "2026-07-20" || p.High != "2026-12-01" {
		t.Errorf("the plan: %+v", p)
	}
	fc.by = map[int64]readiness.Expectation{}
	if a, err = svc.Assess(coordinator, 1, today); err != nil {
		t.Fatal(err)
	}
	if m := state(t, a, readiness.Item); m.ClosesOn != "2026-06-30" || m.Planned[0].Basis != readiness.BasisPromised {
		t.Errorf("without a forecast: %+v", m)
	}
	// All of it on its way: its shipment dates it, and nothing is
	// forecast.
	s.facts.Lines[0].Transit = []readiness.Transit{{Shipment: 7, Quantity: 24, ETA: "2026-05-01"}}
	fc.asked = ""
	if _, err := svc.Assess(coordinator, 1, today); err != nil || fc.asked != "" {
		t.Errorf("forecasts asked for (%q) when every line is on its way: %v", fc.asked, err)
	}
}
