package store_test

import (
	"fmt"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

func readinessService(db *store.DB) *readiness.Service {
	return &readiness.Service{Store: store.Readiness{DB: db}, Read: store.Readiness{DB: db}}
}

// readinessWorld is a Stinger section's world on 2025-03-01: 155 mm
// rounds pledged by Germany (restricted, releasable to Ukraine), 50 of
// them delivered and 10 on their way; two registered Stingers donated by
// the USA, one damaged; a German course for Stinger crews with one cohort
// trained and one in the next class; and Gliwice competent for Stingers.
func readinessWorld(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := storetest.Ctx()
	storetest.Seed(t, db)
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	for _, s := range []catalog.Site{
		{Code: "PL-GLI", Name: "Gliwice repair hub", Nation: "POL", Kinds: []string{"repair_facility"}, LatE6: 50294200, LonE6: 18667000},
		{Code: "DE-MUN", Name: "Munster training area", Nation: "DEU", Kinds: []string{"training_facility"}, LatE6: 52986000, LonE6: 10087000},
	} {
		if _, err := cs.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	led := ledger(db)
	req, err := led.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 1000, Priority: 1, NeedBy: "2025-06-30", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	p, err := led.CreatePledge(ctx, newPledge("DEU"))
	if err != nil {
		t.Fatal(err)
	}
	line := p.Lines[0].ID
	for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: 100}, {Kind: assist.Allocate, Line: line, Quantity: 80, Requirement: req.ID}} {
		if p, err = led.Act(ctx, p.ID, 0, a); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Ship(t, db, p.ID, line, 60, 50)

	rs := repairs(db)
	if _, err := rs.SaveFacility(ctx, repair.RepairFacility{Site: "PL-GLI", Slots: 2, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 0); err != nil {
		t.Fatal(err)
	}
	var pieces []repair.Equipment
	for _, serial := range []string{"ST-1", "ST-2"} {
		e, err := rs.RegisterEquipment(ctx, repair.Equipment{NSN: storetest.NSNStinger, Serial: serial, Donor: "USA", Received: "2025-01-10", Location: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		pieces = append(pieces, e)
	}
	if _, _, err := rs.ReportDamage(ctx, repair.Damage{Equipment: pieces[1].ID, Fault: "seeker", Severity: repair.Facility, Priority: 2}); err != nil {
		t.Fatal(err)
	}

	trs := &training.Service{Store: store.Training{DB: db}}
	if _, err := trs.SaveCourse(ctx, training.Offer{Code: "STINGER-OPS", Title: "Stinger operators", Skill: storetest.NSNStinger, Host: "DEU", Site: "DE-MUN", Seats: 20}, 0); err != nil {
		t.Fatal(err)
	}
	jan, err := trs.AddClass(ctx, training.ClassOf{Course: "STINGER-OPS", Start: "2025-01-06", End: "2025-02-14"})
	if err != nil {
		t.Fatal(err)
	}
	mar, err := trs.AddClass(ctx, training.ClassOf{Course: "STINGER-OPS", Start: "2025-03-10", End: "2025-04-11"})
	if err != nil {
		t.Fatal(err)
	}
	var cohorts []int64
	for _, unit := range []string{"1st section", "2nd section"} {
		c, err := trs.AddCohort(ctx, training.CohortOf{Skill: storetest.NSNStinger, Size: 4, Priority: 1, Earliest: "2025-01-01", NeededBy: "2025-05-01", Unit: unit})
		if err != nil {
			t.Fatal(err)
		}
		cohorts = append(cohorts, c.ID)
	}
	start := db.Now().AddDate(0, -3, 0)
	_, fp, err := db.TrainingPlanInput(ctx, start, 200)
	if err != nil {
		t.Fatal(err)
	}
	plan := training.Proposal{Enrolments: []training.Enrolment{{Cohort: cohorts[0], Class: jan.ID, Trainees: 4}, {Cohort: cohorts[1], Class: mar.ID, Trainees: 4}}}
	if _, err := trs.Approve(ctx, plan, fp, start, 200); err != nil {
		t.Fatal(err)
	}
	ens, err := db.Enrolments(ctx, jan.ID)
	if err != nil || len(ens) != 1 {
		t.Fatalf("enrolments: %+v %v", ens, err)
	}
	if _, err := trs.RecordClass(ctx, jan.ID, []training.Record{{Enrolment: ens[0].ID, Attended: 4, Completed: 4}}); err != nil {
		t.Fatal(err)
	}
}

// section is a Stinger section: 50 rounds, a Stinger, a crew and a
// competent facility a system, two wanted; restricted and releasable to
// Ukraine and France.
func section() readiness.Package {
	return readiness.Package{Name: "Stinger section", Capability: "air_defence", Wanted: 2,
		Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"FRA", "UKR"}},
		Elements: []readiness.Element{
			{Kind: readiness.Item, Target: "155mm-nato", Quantity: 50, Label: "rounds"},
			{Kind: readiness.Item, Target: storetest.NSNStinger, Quantity: 1, Label: "launchers"},
			{Kind: readiness.Crew, Target: "stinger-ops", Quantity: 1},
			{Kind: readiness.Facility, Target: storetest.NSNStinger, Quantity: 1},
		}}
}

func TestReadinessPackagesAreStoredAndAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		readinessWorld(t, db)
		svc := readinessService(db)
		fp := mustFingerprint(t, db)
		bad := section()
		bad.Elements = append(bad.Elements, readiness.Element{Kind: readiness.Crew, Target: "NO-COURSE", Quantity: 1}, readiness.Element{Kind: readiness.Item, Target: "NO-GROUP", Quantity: 1})
		_, err := svc.Create(ctx, bad)
		if probs := fault.List(fault.As(err).Problems); !probs.Has("elements[4].target") || !probs.Has("elements[5].target") {
			t.Errorf("unknown targets: %v", err)
		}
		if mustFingerprint(t, db) != fp {
			t.Error("a refused package changed the database")
		}
		p, err := svc.Create(ctx, section())
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.Readiness{DB: db}.Package(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Stinger section" || got.Wanted != 2 || len(got.Elements) != 4 || got.Elements[0].Target != "155MM-NATO" || got.Elements[0].Label != "rounds" ||
			got.Elements[2].Target != "STINGER-OPS" || got.Marking.String() != "NATO RESTRICTED REL TO FRA, UKR" || got.Version != 1 || got.CreatedBy != "test" {
			t.Errorf("stored: %+v", got)
		}
		edit := section()
		edit.Wanted = 3
		edit.Elements = edit.Elements[1:]
		if _, err := svc.Update(ctx, p.ID, 7, edit); fault.Code(err) != fault.Conflict {
			t.Errorf("a stale version: %v", err)
		}
		up, err := svc.Update(ctx, p.ID, 1, edit)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = store.Readiness{DB: db}.Package(ctx, p.ID)
		if up.Version != 2 || got.Version != 2 || got.Wanted != 3 || len(got.Elements) != 3 || got.Elements[0].Target != storetest.NSNStinger {
			t.Errorf("updated: %+v", got)
		}
		evs, err := db.Events(ctx, "capability_package", fmt.Sprint(p.ID), 10)
		if err != nil || len(evs) != 2 {
			t.Fatalf("audit: %+v %v", evs, err)
		}
		// Readers see a package by its marking: a Polish officer not at all.
		pol := as(access.Identity{UserID: 7, Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Secret, Via: "token"})
		if ps, err := (store.Readiness{DB: db}).Packages(pol); err != nil || len(ps) != 0 {
			t.Errorf("a Polish officer lists %+v %v", ps, err)
		}
		if _, err := (store.Readiness{DB: db}).Package(pol, p.ID); fault.Code(err) != fault.NotFound {
			t.Errorf("a Polish officer reads it: %v", err)
		}
		if evs, _ := db.Events(pol, "capability_package", fmt.Sprint(p.ID), 10); len(evs) != 0 {
			t.Errorf("a Polish officer reads its audit trail: %+v", evs)
		}
	})
}

// TestReadinessCountsWhatTheReaderMaySee assesses the section from the
// ledger, the register, the repairs and the training, for a coordinator
// and for a French officer who sees neither the German pledge, nor the
// American pieces, nor the German course.
func TestReadinessCountsWhatTheReaderMaySee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		readinessWorld(t, db)
		svc := readinessService(db)
		p, err := svc.Create(ctx, section())
		if err != nil {
			t.Fatal(err)
		}
		coordinator := as(access.Identity{UserID: 5, Name: "nsatu", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "token"})
		a, err := svc.Assess(coordinator, p.ID, "2025-03-01")
		if err != nil {
			t.Fatal(err)
		}
		rounds, stingers, crews, gli := a.Elements[0], a.Elements[1], a.Elements[2], a.Elements[3]
		if rounds.Source != readiness.FromLedger || rounds.Available != 50 || rounds.Needed != 100 || rounds.Missing != 50 || len(rounds.Planned) != 2 {
			t.Fatalf("the rounds: %+v", rounds)
		}
		if tr, rest := rounds.Planned[0], rounds.Planned[1]; tr.Basis != readiness.BasisETA || tr.Quantity != 10 || tr.Date == "" || rest.Basis != readiness.BasisPromised || rest.Quantity != 20 || rest.Date != "2025-04-30" {
			t.Errorf("the rounds' plans: %+v", rounds.Planned)
		}
		if rounds.Status != readiness.Unplanned || rounds.Unplanned != 20 {
			t.Errorf("80 allocated of 100 needed leaves 20 without a plan: %s %d", rounds.Status, rounds.Unplanned)
		}
		if stingers.Source != readiness.FromRegister || stingers.Available != 1 || len(stingers.Planned) != 1 || stingers.Planned[0].Basis != readiness.BasisAwaiting {
			t.Errorf("the Stingers: %+v", stingers)
		}
		if crews.Available != 1 || len(crews.Planned) != 1 || crews.Planned[0].Date != "2025-04-11" || crews.Status != readiness.Planned || crews.Name != "Stinger operators" {
			t.Errorf("the crews: %+v", crews)
		}
		if !gli.Met || gli.Have[0].Ref != "PL-GLI" {
			t.Errorf("the facility: %+v", gli)
		}
		if a.Ready != 1 || a.Complete || a.Marking != access.Restricted {
			t.Errorf("%d ready, complete %v, marked %s", a.Ready, a.Complete, a.Marking)
		}
		all, err := svc.AssessAll(coordinator, "2025-03-01")
		if err != nil || len(all) != 1 || all[0].Ready != a.Ready {
			t.Errorf("all: %+v %v", all, err)
		}

		fra := as(access.Identity{UserID: 6, Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		f, err := svc.Assess(fra, p.ID, "2025-03-01")
		if err != nil {
			t.Fatal(err)
		}
		rounds, stingers, crews, gli = f.Elements[0], f.Elements[1], f.Elements[2], f.Elements[3]
		if rounds.Available != 0 || len(rounds.Have) != 0 || len(rounds.Planned) != 0 {
			t.Errorf("the French officer counts the German rounds: %+v", rounds)
		}
		if stingers.Source != readiness.FromLedger || stingers.Available != 0 {
			t.Errorf("the French officer counts the American pieces: %+v", stingers)
		}
		if crews.Available != 0 || len(crews.Planned) != 0 {
			t.Errorf("the French officer counts the German course's crews: %+v", crews)
		}
		if !gli.Met || f.Ready != 0 {
			t.Errorf("the facility is everyone's to see; nothing is ready: %+v, %d", gli, f.Ready)
		}
		// The rounds' marking came from the German pledge only.
		if f.Marking != access.Restricted {
			t.Errorf("the French officer's assessment is marked %s: the package is restricted", f.Marking)
		}
		analyst := as(access.Identity{UserID: 8, Name: "jatec", Nation: "POL", Roles: []access.Role{access.Analyst}, Clearance: access.Secret, Via: "token"})
		if _, err := svc.Assess(analyst, p.ID, "2025-03-01"); fault.Code(err) != fault.Forbidden {
			t.Errorf("an analyst: %v", err)
		}
	})
}
