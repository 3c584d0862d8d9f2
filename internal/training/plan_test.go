package training_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/training"
)

var day0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func d(n int) time.Time { return day0.AddDate(0, 0, n) }

func TestUrgentCohortsFirstAndTheRestExplained(t *testing.T) {
	in := training.PlanInput{
		Classes: []training.Class{{ID: 1, Course: "LEO", Skill: "LEOPARD-2", Start: d(10), End: d(52), Seats: 20, MinSize: 8}},
		Cohorts: []training.Cohort{
			{ID: 1, Skill: "LEOPARD-2", Size: 12, Priority: 3, Earliest: d(0)},
			{ID: 2, Skill: "LEOPARD-2", Size: 12, Priority: 1, Earliest: d(0)},
			{ID: 3, Skill: "F-16", Size: 4, Priority: 1, Earliest: d(0)},
		},
		Start: day0, Horizon: 365,
	}
	p, err := training.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	seats := map[int64]int{}
	for _, e := range p.Enrolments {
		seats[e.Cohort] += e.Trainees
	}
	if seats[2] != 12 || seats[1] != 8 {
		t.Errorf("seats %v: the urgent cohort first, the rest for the other", seats)
	}
	got := map[int64]string{}
	for _, u := range p.Unplaced {
		got[u.Cohort] = fmt.Sprintf("%d %s", u.Trainees, u.Reason)
	}
	if !strings.HasPrefix(got[1], "4 every class of LEOPARD-2") || !strings.Contains(got[3], "no class of F-16") {
		t.Errorf("unplaced %v", got)
	}
}

func TestGraduationJustBeforeTheSystemArrives(t *testing.T) {
	// Two classes; the tanks arrive on day 100: the class ending on day 90
	// suits, the one ending on day 30 graduates the crew months early.
	in := training.PlanInput{
		Classes: []training.Class{{ID: 1, Course: "LEO", Skill: "LEOPARD-2", Start: d(0), End: d(30), Seats: 10},
			{ID: 2, Course: "LEO", Skill: "LEOPARD-2", Start: d(50), End: d(90), Seats: 10}},
		Cohorts: []training.Cohort{{ID: 1, Skill: "LEOPARD-2", Size: 8, Priority: 2, Earliest: d(0), NeededBy: d(120), ETA: d(100)}},
		Start:   day0, Horizon: 365,
	}
	p, err := training.Plan(in)
	if err != nil || len(p.Enrolments) != 1 || p.Enrolments[0].Class != 2 || p.Enrolments[0].Gap != 10 || p.Enrolments[0].Misplaced {
		t.Errorf("enrolments %+v %v", p.Enrolments, err)
	}
}

func TestPrerequisitesAndMinimumSize(t *testing.T) {
	in := training.PlanInput{
		Courses: map[string]training.Course{"F16-2": {Code: "F16-2", Skill: "F-16", Prerequisite: "ENG"}},
		Classes: []training.Class{{ID: 1, Course: "F16-2", Skill: "F-16", Start: d(0), End: d(150), Seats: 6, MinSize: 4}},
		Cohorts: []training.Cohort{{ID: 1, Skill: "F-16", Size: 2, Priority: 1, Earliest: d(0)}, {ID: 2, Skill: "F-16", Size: 2, Priority: 1, Earliest: d(0), Completed: []string{"ENG"}}},
		Start:   day0, Horizon: 365,
	}
	p, err := training.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Enrolments) != 1 || p.Enrolments[0].Cohort != 2 {
		t.Errorf("enrolments %+v", p.Enrolments)
	}
	if len(p.Unplaced) != 1 || !strings.Contains(p.Unplaced[0].Reason, "has not done ENG") {
		t.Errorf("unplaced %+v", p.Unplaced)
	}
	if len(p.UnderMin) != 1 || p.UnderMin[0] != 1 {
		t.Errorf("the class of 2 is under its minimum of 4: %v", p.UnderMin)
	}
}

// BenchmarkPlan5000 plans 5,000 cohorts over 2,000 classes for a 12-month
// horizon (target: under a second). Run with:
//
//	go test ./internal/training -run XXX -bench Plan5000
func BenchmarkPlan5000(b *testing.B) {
	skills := make([]string, 25)
	for i := range skills {
		skills[i] = fmt.Sprintf("SKILL-%02d", i)
	}
	var in training.PlanInput
	in.Start, in.Horizon = day0, 365
	for i := range 2000 {
		start := d((i * 7919) % 300)
		in.Classes = append(in.Classes, training.Class{ID: int64(i + 1), Course: "C", Skill: skills[i%len(skills)], Start: start, End: start.AddDate(0, 0, 35+i%40), Seats: 12 + i%20, MinSize: 6})
	}
	for i := range 5000 {
		co := training.Cohort{ID: int64(i + 1), Skill: skills[(i*7)%len(skills)], Size: 4 + i%12, Priority: 1 + i%4, Earliest: d((i * 31) % 200), NeededBy: d(120 + (i*17)%200)}
		if i%3 == 0 {
			co.ETA = d(150 + (i*13)%150)
		}
		in.Cohorts = append(in.Cohorts, co)
	}
	var p training.Proposal
	for b.Loop() {
		var err error
		if p, err = training.Plan(in); err != nil {
			b.Fatal(err)
		}
	}
	placed := 0
	for _, e := range p.Enrolments {
		placed += e.Trainees
	}
	b.ReportMetric(float64(placed), "trainees-placed")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/plan")
}

func TestPrerequisitesInOrder(t *testing.T) {
	in := training.PlanInput{
		Courses: map[string]training.Course{"BASIC": {Code: "BASIC", Skill: "LEO-BASIC"}, "LEO": {Code: "LEO", Skill: "LEOPARD-2", Prerequisite: "BASIC"}},
		Classes: []training.Class{
			{ID: 1, Course: "BASIC", Skill: "LEO-BASIC", Start: d(0), End: d(20), Seats: 10},
			{ID: 2, Course: "LEO", Skill: "LEOPARD-2", Start: d(10), End: d(50), Seats: 10},
			{ID: 3, Course: "LEO", Skill: "LEOPARD-2", Start: d(25), End: d(65), Seats: 10},
		},
		Cohorts: []training.Cohort{{ID: 7, Skill: "LEOPARD-2", Size: 8, Priority: 1, Earliest: d(0), NeededBy: d(90)}},
		Start:   day0, Horizon: 365,
	}
	p, err := training.Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for _, e := range p.Enrolments {
		if e.Cohort != 7 {
			t.Errorf("enrolment of cohort %d", e.Cohort)
		}
		got[e.Class] += e.Trainees
	}
	if got[1] != 8 || got[3] != 8 || got[2] != 0 || len(p.Unplaced) != 0 {
		t.Errorf("the basics first, then the crew course that starts after them: %v, unplaced %+v", got, p.Unplaced)
	}
}
