package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

func TestTrainingCoursesCohortsAndSeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		trs := &training.Service{Store: store.Training{DB: db}}
		seedTrainingFacility(t, db)
		fp := mustFingerprint(t, db)
		if _, err := trs.SaveCourse(ctx, training.Offer{Code: "LEO", Title: "Leopard crews", Skill: "LEOPARD-2", Host: "DEU", Site: storetest.SiteHub, Seats: 20, MinSize: 8}, 0); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "is not a training facility") {
			t.Errorf("a course at a hub: %v", err)
		}
		if _, err := trs.AddCohort(ctx, training.CohortOf{Skill: "LEOPARD-2", Size: 0, Earliest: "2025-03-01", NeededBy: "2025-06-01"}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "at least one trainee") {
			t.Errorf("a cohort of zero: %v", err)
		}
		if mustFingerprint(t, db) != fp {
			t.Error("refused records changed the database")
		}
		for _, o := range []training.Offer{
			{Code: "LEO-BASIC", Title: "Leopard basics", Skill: "LEO-BASIC", Host: "DEU", Site: "DE-MUN", Seats: 30, MinSize: 4, CostPerSeat: 10_000_00},
			{Code: "LEO", Title: "Leopard crews", Skill: "LEOPARD-2", Host: "DEU", Site: "DE-MUN", Seats: 12, MinSize: 8, Prerequisite: "LEO-BASIC", CostPerSeat: 50_000_00},
		} {
			if _, err := trs.SaveCourse(ctx, o, 0); err != nil {
				t.Fatal(err)
			}
		}
		// Another nation's officer cannot take the course over, and a
		// duplicate in an import is named without breaking the rest.
		pol := access.WithIdentity(ctx, access.Identity{UserID: 4, Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		if _, err := trs.SaveCourse(pol, training.Offer{Code: "LEO", Title: "Mine now", Skill: "LEOPARD-2", Host: "POL", Site: "DE-MUN", Seats: 12}, 1); fault.Code(err) != fault.NotFound && fault.Code(err) != fault.Forbidden {
			t.Errorf("a Polish officer taking over a German course: %v", err)
		}
		if err := trs.ImportCourses(ctx, []training.Offer{{Code: "LEO", Title: "again", Skill: "X", Host: "DEU", Site: "DE-MUN", Seats: 2}, {Code: "NEW", Title: "new", Skill: "X", Host: "DEU", Site: "DE-MUN", Seats: 2}}); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "exists already") || fault.Code(err) == fault.Internal {
			t.Errorf("an import with a duplicate: %v", err)
		}
		if _, err := trs.AddClass(ctx, training.ClassOf{Course: "LEO", Start: "2025-05-01", End: "2025-04-01"}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "before the class starts") {
			t.Errorf("a class that ends before it starts: %v", err)
		}
		basic, err := trs.AddClass(ctx, training.ClassOf{Course: "LEO-BASIC", Start: "2025-03-10", End: "2025-03-31"})
		if err != nil || basic.Seats != 30 {
			t.Fatalf("a class: %+v %v", basic, err)
		}
		crew, err := trs.AddClass(ctx, training.ClassOf{Course: "LEO", Start: "2025-04-14", End: "2025-06-02"})
		if err != nil {
			t.Fatal(err)
		}
		cohort, err := trs.AddCohort(ctx, training.CohortOf{Skill: "LEO-BASIC", Size: 10, Priority: 1, Earliest: "2025-03-01", NeededBy: "2025-04-15", Unit: "33rd brigade"})
		if err != nil {
			t.Fatal(err)
		}
		start := db.Now()
		in, fpr, err := db.TrainingPlanInput(ctx, start, 180)
		if err != nil {
			t.Fatal(err)
		}
		p, err := training.Plan(in)
		if err != nil || len(p.Enrolments) != 1 || p.Enrolments[0].Class != basic.ID || p.Enrolments[0].Trainees != 10 {
			t.Fatalf("plan: %+v %v", p, err)
		}
		// Refused: more than the seats; a cohort without the prerequisite.
		over := training.Proposal{Enrolments: []training.Enrolment{{Cohort: cohort.ID, Class: crew.ID, Trainees: 13}}}
		if _, err := trs.Approve(ctx, over, fpr, start, 180); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "has 12 seats") {
			t.Errorf("more enrolments than seats: %v", err)
		}
		noPre := training.Proposal{Enrolments: []training.Enrolment{{Cohort: cohort.ID, Class: crew.ID, Trainees: 2}}}
		if _, err := trs.Approve(ctx, noPre, fpr, start, 180); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "has not done LEO-BASIC") {
			t.Errorf("enrolling without the prerequisite: %v", err)
		}
		if n, err := trs.Approve(ctx, p, fpr, start, 180); err != nil || n != 1 {
			t.Fatalf("approve: %d %v", n, err)
		}
		if _, err := trs.Approve(ctx, p, fpr, start, 180); fault.Code(err) != fault.Conflict {
			t.Errorf("approving the same plan again: %v", err)
		}
		// The host records the class: no more completions than enrolled;
		// attrition with its reason. Completed seats count as Germany's
		// training contribution.
		ens, err := db.Enrolments(ctx, basic.ID)
		if err != nil || len(ens) != 1 {
			t.Fatalf("enrolments: %+v %v", ens, err)
		}
		host := access.WithIdentity(ctx, access.Identity{UserID: 5, Name: "mun", Nation: "POL", Roles: []access.Role{access.FacilityManager}, Site: "DE-MUN", Clearance: access.Restricted, Via: "token"})
		other := access.WithIdentity(ctx, access.Identity{UserID: 6, Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		if _, err := trs.RecordClass(other, basic.ID, []training.Record{{Enrolment: ens[0].ID, Attended: 10, Completed: 10}}); fault.Code(err) != fault.Forbidden {
			t.Errorf("another nation records the class: %v", err)
		}
		if _, err := trs.RecordClass(host, basic.ID, []training.Record{{Enrolment: ens[0].ID, Attended: 12, Completed: 11}}); fault.Code(err) != fault.Invalid {
			t.Errorf("more completed than enrolled: %v", err)
		}
		if _, err := trs.RecordClass(host, basic.ID, []training.Record{{Enrolment: ens[0].ID, Attended: 10, Completed: 9, Attrition: 1}}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "reason") {
			t.Errorf("attrition without a reason: %v", err)
		}
		if n, err := trs.RecordClass(host, basic.ID, []training.Record{{Enrolment: ens[0].ID, Attended: 10, Completed: 9, Attrition: 1, Reason: "injured"}}); err != nil || n != 9 {
			t.Fatalf("record: %d %v", n, err)
		}
		l, err := db.Accounts(ctx, 2025, time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range l.Accounts {
			if a.Nation == "DEU" && a.ByCategory["training"] != 9*10_000_00 {
				t.Errorf("Germany's training contribution: %s", a.ByCategory["training"])
			}
		}
		cohorts, err := db.Cohorts(ctx)
		if err != nil || len(cohorts) != 1 || cohorts[0].Trained != 9 || len(cohorts[0].Completed) != 0 || cohorts[0].CompletedBy["LEO-BASIC"] != 9 {
			t.Errorf("the cohort after the class: %+v %v", cohorts, err)
		}
		tp, err := db.TrainingThroughput(ctx)
		if err != nil || len(tp.Trained) != 1 || tp.Trained[0].Trained != 9 || tp.Trained[0].Month != "2025-03" || len(tp.Seats) != 2 {
			t.Errorf("throughput: %+v %v", tp, err)
		}
		// The French officer hosts nothing and sees no course or cohort.
		if cs, _ := db.Courses(other); len(cs) != 0 {
			t.Errorf("the French officer sees %d courses", len(cs))
		}
		if hs, _ := db.Cohorts(other); len(hs) != 0 {
			t.Errorf("the French officer sees %d cohorts", len(hs))
		}
	})
}

func TestTrainingPrerequisitesPlannedInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		trs := &training.Service{Store: store.Training{DB: db}}
		seedTrainingFacility(t, db)
		for _, o := range []training.Offer{
			{Code: "LEO-BASIC", Title: "Leopard basics", Skill: "LEO-BASIC", Host: "DEU", Site: "DE-MUN", Seats: 30},
			{Code: "LEO", Title: "Leopard crews", Skill: "LEOPARD-2", Host: "DEU", Site: "DE-MUN", Seats: 12, Prerequisite: "LEO-BASIC"},
		} {
			if _, err := trs.SaveCourse(ctx, o, 0); err != nil {
				t.Fatal(err)
			}
		}
		basic, _ := trs.AddClass(ctx, training.ClassOf{Course: "LEO-BASIC", Start: "2025-03-10", End: "2025-03-31"})
		early, _ := trs.AddClass(ctx, training.ClassOf{Course: "LEO", Start: "2025-03-20", End: "2025-05-10"})
		crew, _ := trs.AddClass(ctx, training.ClassOf{Course: "LEO", Start: "2025-04-14", End: "2025-06-02"})
		cohort, err := trs.AddCohort(ctx, training.CohortOf{Skill: "LEOPARD-2", Size: 4, Priority: 1, Earliest: "2025-03-01", NeededBy: "2025-07-01"})
		if err != nil {
			t.Fatal(err)
		}
		in, fp, err := db.TrainingPlanInput(ctx, db.Now(), 180)
		if err != nil {
			t.Fatal(err)
		}
		p, err := training.Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]int{}
		for _, e := range p.Enrolments {
			got[e.Class] += e.Trainees
		}
		if got[basic.ID] != 4 || got[crew.ID] != 4 || got[early.ID] != 0 {
			t.Fatalf("the basics, then the crew class after them: %v", got)
		}
		if n, err := trs.Approve(ctx, p, fp, db.Now(), 180); err != nil || n != 2 {
			t.Fatalf("approve: %d %v", n, err)
		}
		cohorts, _ := db.Cohorts(ctx)
		if len(cohorts) != 1 || cohorts[0].ID != cohort.ID || cohorts[0].Enrolled != 4 {
			t.Errorf("the cohort: %+v", cohorts)
		}
	})
}

func TestCohortsCrewTheSystemsOnTheirWay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		trs := &training.Service{Store: store.Training{DB: db}}
		seedNetwork(t, db)
		p, req, al := allocated(t, db)
		sh, err := logi(db).CreateShipment(ctx, logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, PlannedDeparture: time.Date(2025, 5, 1, 6, 0, 0, 0, time.UTC),
			Lines: []logistics.NewLine{{Allocation: al.ID, Quantity: 40}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trs.AddCohort(ctx, training.CohortOf{Skill: "X", Size: 2, Earliest: "2025-03-01", NeededBy: "2025-07-01", PledgeLine: 99999}); fault.Code(err) != fault.Invalid {
			t.Errorf("a cohort for a pledge line that is not one: %v", err)
		}
		for _, c := range []training.CohortOf{
			{Skill: "GUNNERS", Size: 4, Earliest: "2025-03-01", NeededBy: "2025-07-01", PledgeLine: p.Lines[0].ID},
			{Skill: "GUNNERS", Size: 4, Earliest: "2025-03-01", NeededBy: "2025-07-01", Requirement: req.ID},
			{Skill: "GUNNERS", Size: 4, Earliest: "2025-03-01", NeededBy: "2025-07-01"},
		} {
			if _, err := trs.AddCohort(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		in, _, err := db.TrainingPlanInput(ctx, db.Now(), 180)
		if err != nil || len(in.Cohorts) != 3 {
			t.Fatalf("plan input: %+v %v", in.Cohorts, err)
		}
		if !in.Cohorts[0].ETA.Equal(sh.ETA) || !in.Cohorts[1].ETA.Equal(sh.ETA) || !in.Cohorts[2].ETA.IsZero() {
			t.Errorf("the systems' arrival %s: cohorts' ETAs %s, %s, %s", sh.ETA, in.Cohorts[0].ETA, in.Cohorts[1].ETA, in.Cohorts[2].ETA)
		}
	})
}

// seedTrainingFacility seeds the fixtures and a training facility at
// Munster, DE-MUN.
func seedTrainingFacility(t *testing.T, db *store.DB) {
	t.Helper()
	storetest.Seed(t, db)
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	if _, err := cs.CreateSite(storetest.Ctx(), catalog.Site{Code: "DE-MUN", Name: "Munster training area", Nation: "DEU", Kinds: []string{"training_facility"}, LatE6: 52986000, LonE6: 10087000}); err != nil {
		t.Fatal(err)
	}
}

// trainingFixture adds a training facility, a course of many seats, one
// class of it and a cohort waiting for it.
func trainingFixture(t *testing.T, db *store.DB, trs *training.Service) training.ClassOf {
	t.Helper()
	ctx := storetest.Ctx()
	seedTrainingFacility(t, db)
	if _, err := trs.SaveCourse(ctx, training.Offer{Code: "MED", Title: "Combat first aid", Skill: "MEDIC", Host: "DEU", Site: "DE-MUN", Seats: 1000}, 0); err != nil {
		t.Fatal(err)
	}
	class, err := trs.AddClass(ctx, training.ClassOf{Course: "MED", Start: "2025-03-10", End: "2025-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trs.AddCohort(ctx, training.CohortOf{Skill: "MEDIC", Size: 3, Earliest: "2025-03-01", NeededBy: "2025-07-01"}); err != nil {
		t.Fatal(err)
	}
	return class
}

func TestTrainingApprovalRefusedWhenAnInputChanged(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(ctx context.Context, trs *training.Service) error
	}{
		{"a new cohort", func(ctx context.Context, trs *training.Service) error {
			_, err := trs.AddCohort(ctx, training.CohortOf{Skill: "MEDIC", Size: 2, Earliest: "2025-03-01", NeededBy: "2025-07-01"})
			return err
		}},
		{"a new class", func(ctx context.Context, trs *training.Service) error {
			_, err := trs.AddClass(ctx, training.ClassOf{Course: "MED", Start: "2025-04-01", End: "2025-04-20"})
			return err
		}},
		{"the course's seats", func(ctx context.Context, trs *training.Service) error {
			_, err := trs.SaveCourse(ctx, training.Offer{Code: "MED", Title: "Combat first aid", Skill: "MEDIC", Host: "DEU", Site: "DE-MUN", Seats: 2}, 1)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := storetest.Ctx()
				trs := &training.Service{Store: store.Training{DB: db}}
				trainingFixture(t, db, trs)
				in, fp, err := db.TrainingPlanInput(ctx, db.Now(), 180)
				if err != nil {
					t.Fatal(err)
				}
				p, err := training.Plan(in)
				if err != nil || len(p.Enrolments) != 1 {
					t.Fatalf("plan: %+v %v", p, err)
				}
				storetest.Refused(t, db, func(t *testing.T) {
					if err := c.change(ctx, trs); err != nil {
						t.Fatal(err)
					}
				}, func() error {
					n, err := trs.Approve(ctx, p, fp, db.Now(), 180)
					if n != 0 {
						t.Errorf("approving a plan made before %s enrolled %d", c.name, n)
					}
					return err
				})
				if ens, err := db.Enrolments(ctx, p.Enrolments[0].Class); err != nil || len(ens) != 0 {
					t.Errorf("enrolments after the refused approval: %+v %v", ens, err)
				}
			})
		})
	}
}

// TestTrainingApprovalNeverAppliesAStalePlan approves a plan while another
// writer nominates a cohort, round after round: either the approval is
// refused, or the nomination committed after it (its audit event comes
// after the enrolments').
func TestTrainingApprovalNeverAppliesAStalePlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		trs := &training.Service{Store: store.Training{DB: db}}
		trainingFixture(t, db, trs)
		storetest.NeverStale(t, 30, func(t *testing.T, round int) storetest.Race {
			in, fp, err := db.TrainingPlanInput(ctx, db.Now(), 180)
			if err != nil {
				t.Fatal(err)
			}
			p, err := training.Plan(in)
			if err != nil || len(p.Enrolments) == 0 {
				t.Fatalf("round %d: plan %+v %v", round, p, err)
			}
			enrolsBefore := len(mustEvents(t, db, "enrolment", ""))
			var cohort training.CohortOf
			return storetest.Race{
				Approve: func() error { _, err := trs.Approve(ctx, p, fp, db.Now(), 180); return err },
				Change: func() (err error) {
					cohort, err = trs.AddCohort(ctx, training.CohortOf{Skill: "MEDIC", Size: 1, Earliest: "2025-03-01", NeededBy: "2025-07-01"})
					return err
				},
				Written: func(t *testing.T) any { return len(mustEvents(t, db, "enrolment", "")) },
				Applied: func(t *testing.T) {
					if enrols := mustEvents(t, db, "enrolment", ""); len(enrols) == enrolsBefore {
						t.Fatalf("round %d: an approval went through and wrote no enrolment", round)
					}
				},
				Order: func(t *testing.T) (int64, int64) {
					enrols := mustEvents(t, db, "enrolment", "")
					nominated := mustEvents(t, db, "cohort", strconv.FormatInt(cohort.ID, 10))
					if len(nominated) != 1 {
						t.Fatalf("round %d: cohort %d has events %v, want its nomination", round, cohort.ID, nominated)
					}
					return enrols[len(enrols)-1], nominated[0]
				},
			}
		})
	})
}

func mustEvents(t *testing.T, db *store.DB, entity, id string) []int64 {
	t.Helper()
	seqs, err := db.EventSeqs(entity, id)
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// TestClassesByFacilityAndWhenTheyRun holds the store's filter of the
// classes by when they run to training.ClassOf.RunsWhen, on the first and
// last days of a class and between, and by facility to the course's site.
func TestClassesByFacilityAndWhenTheyRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		trs := &training.Service{Store: store.Training{DB: db}}
		seedTrainingFacility(t, db)
		cs := catalog.Service{Store: store.Catalog{DB: db}}
		if _, err := cs.CreateSite(ctx, catalog.Site{Code: "DK-SKR", Name: "Skrydstrup", Nation: "DNK", Kinds: []string{"training_facility"}, LatE6: 55221000, LonE6: 9263000}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []training.Offer{
			{Code: "LEO", Title: "Leopard crews", Skill: "LEOPARD-2", Host: "DEU", Site: "DE-MUN", Seats: 12},
			{Code: "F16", Title: "F-16 ground crews", Skill: "F-16", Host: "DNK", Site: "DK-SKR", Seats: 12},
		} {
			if _, err := trs.SaveCourse(ctx, c, 0); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range []training.ClassOf{
			{Course: "LEO", Start: "2025-02-01", End: "2025-02-28"},
			{Course: "LEO", Start: "2025-03-01", End: "2025-03-31"},
			{Course: "LEO", Start: "2025-03-10", End: "2025-03-10"},
			{Course: "LEO", Start: "2025-04-01", End: "2025-05-01"},
			{Course: "F16", Start: "2025-02-15", End: "2025-03-15"},
		} {
			if _, err := trs.AddClass(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		all, err := db.Classes(ctx, training.ClassFilter{})
		if err != nil || len(all) != 5 {
			t.Fatalf("classes: %d %v", len(all), err)
		}
		for _, today := range []string{"2025-02-28", "2025-03-01", "2025-03-10", "2025-03-31", "2025-04-01", "2025-06-01"} {
			for _, site := range []string{"", "DE-MUN", "DK-SKR"} {
				for _, when := range training.ClassWhens {
					var want []int64
					for _, c := range all {
						if c.RunsWhen(today) == when && (site == "" || c.Site == site) {
							want = append(want, c.ID)
						}
					}
					got, err := db.Classes(ctx, training.ClassFilter{Site: site, When: when, Today: today})
					if err != nil {
						t.Fatal(err)
					}
					var ids []int64
					for _, c := range got {
						ids = append(ids, c.ID)
					}
					if !slices.Equal(ids, want) {
						t.Errorf("%s at %q on %s: %v, want %v", when, site, today, ids, want)
					}
				}
			}
		}
		if _, err := db.Classes(ctx, training.ClassFilter{When: "soon", Today: "2025-03-01"}); fault.Code(err) != fault.Invalid {
			t.Errorf("when=soon: %v", err)
		}
	})
}
