package readiness_test

import (
	"slices"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
)

const (
	nsnIRIST  = "1410-12-000-0006"
	nsnLeo2A4 = "2350-12-000-0012"
	nsnLeo2A6 = "2350-12-000-0011"
	nsnTruck  = "2320-12-000-0017"
	today     = "2026-03-01"
)

var items = []catalog.Item{
	{NSN: nsnIRIST, Name: "Guided missile, IRIS-T SLM"},
	{NSN: nsnLeo2A4, Name: "Main battle tank, Leopard 2A4", Group: "LEOPARD-2"},
	{NSN: nsnLeo2A6, Name: "Main battle tank, Leopard 2A6", Group: "LEOPARD-2"},
	{NSN: nsnTruck, Name: "Truck, cargo, 8x8"},
}

var courses = []readiness.Course{{Code: "IRIST-OPS", Title: "IRIS-T SLM operators", Skill: nsnIRIST}, {Code: "LEO2", Title: "Leopard 2 crews", Skill: "LEOPARD-2"}}

// battery is an IRIS-T battery: 8 missiles, one crew and a facility
// competent for the missile, two wanted.
func battery() readiness.Package {
	return readiness.Package{ID: 1, Name: "IRIS-T SLM battery", Wanted: 2, Elements: []readiness.Element{
		{Kind: readiness.Item, Target: nsnIRIST, Quantity: 8, Label: "missiles"},
		{Kind: readiness.Crew, Target: "IRIST-OPS", Quantity: 1},
		{Kind: readiness.Facility, Target: nsnIRIST, Quantity: 1},
	}}
}

// delivered is a pledge line of nsn with units delivered and nothing
// else on its way.
func delivered(pledge int64, nsn string, n int64) readiness.Line {
	return readiness.Line{Pledge: pledge, Nation: "DEU", Title: "Air defence package", No: 1, NSN: nsn, Allocated: n, Delivered: n, Accepted: n, Promised: "2025-12-31"}
}

// trained is a cohort of size that completed course.
func trained(id int64, course string, size int) readiness.Cohort {
	return readiness.Cohort{ID: id, Skill: "x", Size: size, Enrolments: []readiness.Enrolment{{Class: id, Course: course, End: "2026-01-15", Trainees: size, Completed: size, Recorded: true}}}
}

var competent = repair.RepairFacility{Site: "DE-FAC", Name: "Diehl service centre", Nation: "DEU", Slots: 2, Competences: []repair.Competence{{Target: nsnIRIST, Days: 40}}}

func facts(f readiness.Facts) readiness.Facts {
	f.Items, f.Courses = items, courses
	return f
}

func state(t *testing.T, a readiness.Assessment, kind string) readiness.ElementState {
	t.Helper()
	for _, s := range a.Elements {
		if s.Kind == kind {
			return s
		}
	}
	t.Fatalf("no %s element in %+v", kind, a.Elements)
	return readiness.ElementState{}
}

// TestOneMissingElementKeepsASystemFromCounting is the rule of the
// issue: missiles for two batteries and a facility are not a battery
// while no crew is trained, and the first trained crew makes one.
func TestOneMissingElementKeepsASystemFromCounting(t *testing.T) {
	f := facts(readiness.Facts{Lines: []readiness.Line{delivered(3, nsnIRIST, 17)}, Facilities: []repair.RepairFacility{competent}})
	a := readiness.Assess(battery(), f, today)
	if a.Ready != 0 || a.Complete {
		t.Fatalf("no crew, yet %d ready", a.Ready)
	}
	missiles, crews := state(t, a, readiness.Item), state(t, a, readiness.Crew)
	if missiles.Available != 17 || missiles.Systems != 2 || missiles.Missing != 0 || missiles.Status != readiness.There {
		t.Errorf("the missiles: %+v", missiles)
	}
	if crews.Available != 0 || crews.Missing != 2 || crews.Status != readiness.Unplanned || crews.Unplanned != 2 || !a.Unplanned || a.ReadyBy != "" {
		t.Errorf("the crews: %+v, ready by %q", crews, a.ReadyBy)
	}
	f.Cohorts = []readiness.Cohort{trained(1, "IRIST-OPS", 12)}
	if a := readiness.Assess(battery(), f, today); a.Ready != 1 || a.Complete {
		t.Errorf("one crew: %d ready, complete %v", a.Ready, a.Complete)
	}
	// Without the facility, no battery counts however much else is there.
	f.Cohorts = append(f.Cohorts, trained(2, "IRIST-OPS", 12))
	if a := readiness.Assess(battery(), f, today); a.Ready != 2 || !a.Complete {
		t.Errorf("two crews: %d ready, complete %v", a.Ready, a.Complete)
	}
	f.Facilities = nil
	a = readiness.Assess(battery(), f, today)
	if fac := state(t, a, readiness.Facility); a.Ready != 0 || fac.Met || fac.Missing != 1 || fac.Status != readiness.Unplanned {
		t.Errorf("no facility: %d ready, %+v", a.Ready, fac)
	}
}

func TestReadyIsTheLeastElementRoundedDown(t *testing.T) {
	three := []readiness.Cohort{trained(1, "IRIST-OPS", 12), trained(2, "IRIST-OPS", 12), trained(3, "IRIST-OPS", 12)}
	for _, c := range []struct {
		name     string
		missiles int64
		cohorts  []readiness.Cohort
		want     int64
	}{
		{"7 missiles are no battery", 7, three, 0},
		{"8 are one", 8, three, 1},
		{"23 are two", 23, three, 2},
		{"24 are three", 24, three, 3},
		{"40 missiles and three crews are three", 40, three, 3},
		{"no missile is none", 0, three, 0},
		{"a cohort not all trained is no crew", 24, []readiness.Cohort{{ID: 9, Size: 12, Enrolments: []readiness.Enrolment{{Class: 1, Course: "IRIST-OPS", End: "2026-01-15", Trainees: 12, Completed: 11, Recorded: true}}}}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := facts(readiness.Facts{Cohorts: c.cohorts, Facilities: []repair.RepairFacility{competent}})
			if c.missiles > 0 {
				f.Lines = []readiness.Line{delivered(3, nsnIRIST, c.missiles)}
			}
			a := readiness.Assess(battery(), f, today)
			if a.Ready != c.want {
				t.Errorf("%d ready, want %d", a.Ready, c.want)
			}
			if a.Complete != (c.want >= 2) {
				t.Errorf("complete %v with %d of 2", a.Complete, a.Ready)
			}
		})
	}
}

// TestGapsCloseByWhatIsPlanned: what is on its way and what is allocated
// close the missiles' gap by their dates, soonest first; a crew in a
// class by its last day; the battery is ready by the later of the two.
func TestGapsCloseByWhatIsPlanned(t *testing.T) {
	line := readiness.Line{Pledge: 5, Nation: "DEU", Title: "IRIS-T missiles", No: 1, NSN: nsnIRIST, Allocated: 20, Delivered: 6, Accepted: 4, Promised: "2026-06-30",
		Classification: access.Restricted, Transit: []readiness.Transit{{Shipment: 7, Quantity: 6, ETA: "2026-03-20"}}}
	f := facts(readiness.Facts{Lines: []readiness.Line{line}, Facilities: []repair.RepairFacility{competent},
		Cohorts: []readiness.Cohort{
			trained(1, "IRIST-OPS", 12),
			{ID: 2, Size: 12, Unit: "96th brigade", Enrolments: []readiness.Enrolment{{Class: 4, Course: "IRIST-OPS", End: "2026-04-10", Trainees: 12}}},
		}})
	a := readiness.Assess(battery(), f, today)
	missiles, crews := state(t, a, readiness.Item), state(t, a, readiness.Crew)
	if missiles.Available != 6 || missiles.Missing != 10 || missiles.Status != readiness.Planned || missiles.ClosesOn != "2026-06-30" {
		t.Fatalf("the missiles: %+v", missiles)
	}
	if p := missiles.Planned; len(p) != 2 || p[0].Ref != "S-00007" || p[0].Quantity != 6 || p[0].Date != "2026-03-20" || p[0].Basis != readiness.BasisETA ||
		p[1].Ref != "P-00005" || p[1].Quantity != 8 || p[1].Basis != readiness.BasisPromised || !p[0].Closes || !p[1].Closes {
		t.Errorf("the missiles' plans: %+v", p)
	}
	if crews.Available != 1 || crews.Status != readiness.Planned || crews.ClosesOn != "2026-04-10" || crews.Planned[0].Href != "/training/classes/4" {
		t.Errorf("the crews: %+v", crews)
	}
	if a.Ready != 0 || a.ReadyBy != "2026-06-30" || a.Unplanned || a.Overdue {
		t.Errorf("ready %d by %q, unplanned %v", a.Ready, a.ReadyBy, a.Unplanned)
	}
	// One battery once the shipment is in (6+6 missiles, one crew), two
	// once the rest is.
	if want := []readiness.Step{{Date: "2026-03-20", Ready: 1}, {Date: "2026-06-30", Ready: 2}}; !slices.Equal(a.Outlook, want) {
		t.Errorf("outlook %+v, want %+v", a.Outlook, want)
	}
	if a.Marking != access.Restricted {
		t.Errorf("marking %s: the pledge line is restricted", a.Marking)
	}
	// Past its promised date the plan, and the readiness that waits for
	// it, are overdue.
	a = readiness.Assess(battery(), f, "2026-07-01")
	if m := state(t, a, readiness.Item); !m.Overdue || !m.Planned[1].Overdue || !a.Overdue {
		t.Errorf("overdue: %+v, %v", m, a.Overdue)
	}
	// A shipment past its ETA is late: what is still to come counts
	// first, and the gap closes late.
	a = readiness.Assess(battery(), f, "2026-04-01")
	if m := state(t, a, readiness.Item); m.Planned[0].Ref != "P-00005" || m.Planned[1].Ref != "S-00007" || !m.Planned[1].Overdue || m.ClosesOn != "2026-06-30" || !m.Overdue {
		t.Errorf("a late shipment: %+v", m)
	}
	if want := []readiness.Step{{Date: "2026-06-30", Ready: 1}}; !a.Overdue || !slices.Equal(a.Outlook, want) {
		t.Errorf("a late shipment: overdue %v, outlook %+v; want %+v without the late shipment", a.Overdue, a.Outlook, want)
	}
	// Less allocated than missing leaves a gap without a plan.
	f.Lines[0].Allocated = 10
	a = readiness.Assess(battery(), f, today)
	if m := state(t, a, readiness.Item); m.Status != readiness.Unplanned || m.Unplanned != 6 || m.ClosesOn != "" || !a.Unplanned || a.ReadyBy != "" {
		t.Errorf("too little allocated: %+v", m)
	}
}

// TestRegisterCountsOperationalPieces: where the register holds pieces of
// an item, operational ones are there and those in repair come back by
// their order's due date; what the ledger delivered is not counted twice.
func TestRegisterCountsOperationalPieces(t *testing.T) {
	company := readiness.Package{ID: 2, Name: "Leopard 2 company", Wanted: 1, Elements: []readiness.Element{
		{Kind: readiness.Item, Target: "LEOPARD-2", Quantity: 4},
		{Kind: readiness.Item, Target: nsnTruck, Quantity: 2},
		{Kind: readiness.Crew, Target: "LEOPARD-2", Quantity: 4},
		{Kind: readiness.Facility, Target: "LEOPARD-2", Quantity: 1},
	}}
	pieces := []readiness.Piece{
		{ID: 1, NSN: nsnLeo2A4, Serial: "A1", State: repair.Operational},
		{ID: 2, NSN: nsnLeo2A4, Serial: "A2", State: repair.InRepair, Order: &readiness.Order{ID: 11, State: repair.Repairs, Facility: "PL-GLI", Due: "2026-04-01"}},
		{ID: 3, NSN: nsnLeo2A6, Serial: "B1", State: repair.Operational},
		{ID: 4, NSN: nsnLeo2A6, Serial: "B2", State: repair.Damaged, Order: &readiness.Order{ID: 12, State: repair.Reported}},
		{ID: 5, NSN: nsnLeo2A6, Serial: "B3", State: repair.Destroyed},
		{ID: 6, NSN: nsnLeo2A6, Serial: "B4", State: repair.Operational},
	}
	var crews []readiness.Cohort
	for i := range 4 {
		crews = append(crews, trained(int64(20+i), "LEO2", 4))
	}
	// A facility competent for one model of the group counts for it.
	gli := repair.RepairFacility{Site: "PL-GLI", Name: "Bumar-Łabędy", Nation: "POL", Slots: 6, Competences: []repair.Competence{{Target: nsnLeo2A4, Days: 60}}}
	f := facts(readiness.Facts{Pieces: pieces, Cohorts: crews, Facilities: []repair.RepairFacility{gli},
		Lines: []readiness.Line{delivered(8, nsnLeo2A4, 4), delivered(9, nsnTruck, 10)}})
	a := readiness.Assess(company, f, today)
	tanks := a.Elements[0]
	if tanks.Source != readiness.FromRegister || tanks.Available != 3 || tanks.Missing != 1 || len(tanks.Have) != 2 {
		t.Fatalf("the tanks: %+v", tanks)
	}
	if p := tanks.Planned; len(p) != 2 || p[0].Ref != "RO-00011" || p[0].Date != "2026-04-01" || !p[0].Closes || p[1].Ref != "RO-00012" || p[1].Date != "" || p[1].Closes {
		t.Errorf("the tanks' plans: %+v", p)
	}
	if tanks.Status != readiness.Planned || tanks.ClosesOn != "2026-04-01" {
		t.Errorf("the tanks close %s on %q", tanks.Status, tanks.ClosesOn)
	}
	if trucks := a.Elements[1]; trucks.Source != readiness.FromLedger || trucks.Available != 10 || trucks.Systems != 5 {
		t.Errorf("the trucks: %+v", trucks)
	}
	if c := a.Elements[2]; c.Available != 4 || c.Name != "trained for any of Main battle tank, Leopard 2A4, Main battle tank, Leopard 2A6" {
		t.Errorf("the crews by skill: %+v", c)
	}
	if fac := a.Elements[3]; !fac.Met || fac.Available != 1 {
		t.Errorf("the facility: %+v", fac)
	}
	if a.Ready != 0 || a.ReadyBy != "2026-04-01" {
		t.Errorf("ready %d by %q", a.Ready, a.ReadyBy)
	}
	// A waiting repair order is a plan without a date: the gap closes,
	// but nobody can say when.
	f.Pieces[1].Order.Due = ""
	a = readiness.Assess(company, f, today)
	if tanks := a.Elements[0]; tanks.Status != readiness.Undated || tanks.ClosesOn != "" || !a.Unplanned || a.ReadyBy != "" {
		t.Errorf("undated: %+v", tanks)
	}
}

func TestCrewsInTrainingOrWaiting(t *testing.T) {
	p := readiness.Package{ID: 3, Name: "IRIS-T crews", Wanted: 3, Elements: []readiness.Element{{Kind: readiness.Crew, Target: nsnIRIST, Quantity: 1}}}
	f := facts(readiness.Facts{Cohorts: []readiness.Cohort{
		trained(1, "IRIST-OPS", 10),
		{ID: 2, Skill: nsnIRIST, Size: 10, Unit: "a", NeededBy: "2026-09-01"},
		{ID: 3, Skill: nsnIRIST, Size: 10, Unit: "b", Enrolments: []readiness.Enrolment{{Class: 5, Course: "IRIST-OPS", End: "2026-05-01", Trainees: 10}}},
		{ID: 4, Skill: nsnIRIST, Size: 10, Enrolments: []readiness.Enrolment{{Class: 6, Course: "IRIST-OPS", End: "2026-02-01", Trainees: 10, Cancelled: true}}},
		{ID: 5, Skill: "LEOPARD-2", Size: 4},
	}})
	s := readiness.Assess(p, f, today).Elements[0]
	if s.Available != 1 || s.Missing != 2 || len(s.Planned) != 3 {
		t.Fatalf("%+v", s)
	}
	if s.Planned[0].Ref != "cohort 3" || s.Planned[0].Date != "2026-05-01" || s.Planned[1].Basis != readiness.BasisWaiting || s.Planned[2].Basis != readiness.BasisWaiting {
		t.Errorf("plans: %+v", s.Planned)
	}
	if s.Status != readiness.Undated {
		t.Errorf("a cohort waiting for a seat closes the gap on no known day: %s", s.Status)
	}
}
