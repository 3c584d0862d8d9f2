package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/training"
)

// TrainingStore is what the demo's training is written through.
type TrainingStore interface {
	SaveCourse(ctx context.Context, o training.Offer, version int64) (training.Offer, error)
	AddClass(ctx context.Context, c training.ClassOf) (training.ClassOf, error)
	AddCohort(ctx context.Context, c training.CohortOf) (training.CohortOf, error)
	Approve(ctx context.Context, p training.Proposal, fingerprint string, start time.Time, horizon int) (int, error)
	RecordClass(ctx context.Context, class int64, recs []training.Record) (int, error)
}

// TrainingReader reads what an approval of the demo's enrolments is
// checked against, and the enrolments to record.
type TrainingReader interface {
	TrainingPlanInput(ctx context.Context, start time.Time, horizon int) (training.PlanInput, string, error)
	Enrolments(ctx context.Context, class int64) ([]training.EnrolmentOf, error)
}

// ReadinessStore is what the demo's capability packages are defined
// through.
type ReadinessStore interface {
	Create(ctx context.Context, p readiness.Package) (readiness.Package, error)
}

// crewCourses are the courses that train the demo packages' crews, at
// Munster (illustrative: no cost is counted for them).
var crewCourses = []training.Offer{
	{Code: "LEO2-CREW", Title: "Leopard 2 crew training", Skill: "LEOPARD-2", Host: "DEU", Site: "DE-MUN", Language: "uk", Interpretation: true, Seats: 40, MinSize: 8},
	{Code: "IRIST-OPS", Title: "IRIS-T SLM operators and maintainers", Skill: "1410-12-000-0006", Host: "DEU", Site: "DE-MUN", Language: "uk", Interpretation: true, Seats: 12, MinSize: 6},
	{Code: "PATRIOT-OPS", Title: "Patriot battery crew training", Skill: "1410-01-000-0005", Host: "DEU", Site: "DE-MUN", Language: "uk", Interpretation: true, Seats: 12, MinSize: 6},
}

// crewClasses are a class of each course, days from today, and the
// cohorts it trains: unit, trainees, and whether the class is over and
// its completion recorded.
var crewClasses = []struct {
	course     string
	start, end int
	cohorts    int
	size       int
	unit       string
	recorded   bool
}{
	// Ten Leopard crews of four, trained.
	{"LEO2-CREW", -120, -70, 10, 4, "tank company, 33rd mechanised brigade (illustrative)", true},
	// A Patriot battery's crew, trained.
	{"PATRIOT-OPS", -150, -100, 1, 12, "Patriot battery crew (illustrative)", true},
	// An IRIS-T battery's crew, in the class now.
	{"IRIST-OPS", -30, 20, 1, 12, "IRIS-T SLM battery crew (illustrative)", false},
}

// Packages are the demo's capability packages, from the items, the
// register, the repair facilities and the courses of the scenario: the
// Leopard company is ready, the IRIS-T battery waits for its crew in
// training, and the Patriot battery lacks interceptors (some on their
// way, some overdue) and any repair facility competent for it.
var Packages = []readiness.Package{
	{Name: "Leopard 2 tank company", Capability: "armour", Wanted: 1, Notes: "illustrative",
		Marking: access.Marking{Classification: access.Unclassified},
		Elements: []readiness.Element{
			{Kind: readiness.Item, Target: "LEOPARD-2", Quantity: 10, Label: "tanks"},
			{Kind: readiness.Item, Target: "2320-12-000-0017", Quantity: 2, Label: "cargo trucks"},
			{Kind: readiness.Item, Target: "5820-14-000-0018", Quantity: 14, Label: "radios"},
			{Kind: readiness.Crew, Target: "LEO2-CREW", Quantity: 10, Label: "tank crews"},
			{Kind: readiness.Facility, Target: "LEOPARD-2", Quantity: 1, Label: "tank repair"},
		}},
	{Name: "IRIS-T SLM battery", Capability: "air_defence", Wanted: 1, Notes: "illustrative",
		Marking: access.Marking{Classification: access.Restricted},
		Elements: []readiness.Element{
			{Kind: readiness.Item, Target: "1410-12-000-0006", Quantity: 8, Label: "missiles"},
			{Kind: readiness.Crew, Target: "IRIST-OPS", Quantity: 1, Label: "battery crew"},
		}},
	{Name: "Patriot battery", Capability: "air_defence", Wanted: 1, Notes: "illustrative",
		Marking: access.Marking{Classification: access.Restricted},
		Elements: []readiness.Element{
			{Kind: readiness.Item, Target: "1410-01-000-0005", Quantity: 8, Label: "PAC-3 MSE interceptors"},
			{Kind: readiness.Crew, Target: "PATRIOT-OPS", Quantity: 1, Label: "battery crew"},
			{Kind: readiness.Facility, Target: "1410-01-000-0005", Quantity: 1, Label: "missile repair"},
		}},
}

// LoadReadiness trains the crews of the demo's packages (their courses,
// classes and cohorts, enrolled and, for the classes over, recorded) and
// defines the packages. It runs after LoadRepair, whose register and
// facilities the packages count.
func LoadReadiness(ctx context.Context, trs TrainingStore, read TrainingReader, rs ReadinessStore, now time.Time) error {
	ctx = access.WithIdentity(ctx, access.System.Named("demo"))
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	for _, o := range crewCourses {
		if _, err := trs.SaveCourse(ctx, o, 0); err != nil {
			return fmt.Errorf("demo course %s: %w", o.Code, err)
		}
	}
	var plan training.Proposal
	classes := make([]int64, len(crewClasses))
	start := now.AddDate(0, 0, -200)
	for i, c := range crewClasses {
		k, err := trs.AddClass(ctx, training.ClassOf{Course: c.course, Start: day(c.start), End: day(c.end)})
		if err != nil {
			return fmt.Errorf("demo class of %s: %w", c.course, err)
		}
		classes[i] = k.ID
		skill := ""
		for _, o := range crewCourses {
			if o.Code == c.course {
				skill = o.Skill
			}
		}
		for n := 0; n < c.cohorts; n++ {
			h, err := trs.AddCohort(ctx, training.CohortOf{Skill: skill, Size: c.size, Priority: 1, Earliest: day(c.start - 30), NeededBy: day(c.end + 30), Unit: c.unit, Notes: "illustrative"})
			if err != nil {
				return fmt.Errorf("demo cohort for %s: %w", c.course, err)
			}
			plan.Enrolments = append(plan.Enrolments, training.Enrolment{Cohort: h.ID, Class: k.ID, Trainees: c.size})
		}
	}
	_, fp, err := read.TrainingPlanInput(ctx, start, 400)
	if err != nil {
		return err
	}
	if _, err := trs.Approve(ctx, plan, fp, start, 400); err != nil {
		return fmt.Errorf("demo enrolments: %w", err)
	}
	for i, c := range crewClasses {
		if !c.recorded {
			continue
		}
		ens, err := read.Enrolments(ctx, classes[i])
		if err != nil {
			return err
		}
		var recs []training.Record
		for _, e := range ens {
			recs = append(recs, training.Record{Enrolment: e.ID, Attended: e.Trainees, Completed: e.Trainees})
		}
		if _, err := trs.RecordClass(ctx, classes[i], recs); err != nil {
			return fmt.Errorf("demo completion of %s: %w", c.course, err)
		}
	}
	for _, p := range Packages {
		if _, err := rs.Create(ctx, p); err != nil {
			return fmt.Errorf("demo package %s: %w", p.Name, err)
		}
	}
	return nil
}
