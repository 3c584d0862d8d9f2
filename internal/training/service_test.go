package training

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// wantErr checks err's code and, when msg is set, that its text holds msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if fault.Code(err) != code {
		t.Fatalf("error %v (code %q), want code %q", err, fault.Code(err), code)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q, want it to say %q", err, msg)
	}
}

// wantAudit checks that the use case wrote exactly the audit events want.
func wantAudit(t *testing.T, f *fakeStore, want ...string) {
	t.Helper()
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("audit events %v, want %v", got, want)
	}
}

func TestSaveCourse(t *testing.T) {
	leo := func(host string) Offer {
		return Offer{Code: "LEO", Title: "Leopard crews, new", Skill: "LEOPARD-2", Host: host, Site: "DE-MUN", Seats: 10, Prerequisite: "LEO-BASIC"}
	}
	cases := []struct {
		name    string
		as      access.Identity
		offer   Offer
		version int64
		code    string
		msg     string
	}{
		{"the host nation offers a course", deu, Offer{Code: "pzh", Title: "PzH 2000", Skill: "PZH-2000", Host: "deu", Site: "de-mun", Seats: 8}, 0, "", ""},
		{"the facility's manager offers a course", munster, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8}, 0, "", ""},
		{"the host changes its course", deu, leo("DEU"), 1, "", ""},
		{"a coordinator changes any course", coordinator, leo("DEU"), 1, "", ""},
		{"another nation may not offer the host's courses", pol, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8}, 0, fault.Forbidden, "may not offer courses of DEU"},
		{"another nation may not take a course over", pol, leo("POL"), 1, fault.NotFound, "no course LEO"},
		{"a recipient officer hosts nothing", ukr, Offer{Code: "X", Title: "X", Skill: "X", Host: "UKR", Site: "DE-MUN", Seats: 8}, 0, fault.Forbidden, ""},
		{"a course at a hub", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "PL-RZE", Seats: 8}, 0, fault.Invalid, "is not a training facility"},
		{"a site that does not exist", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "XX-NOPE", Seats: 8}, 0, fault.Invalid, `no site "XX-NOPE"`},
		{"a host that is not a nation", coordinator, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "XXX", Site: "DE-MUN", Seats: 8}, 0, fault.Invalid, `no nation "XXX"`},
		{"a prerequisite that is no course", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8, Prerequisite: "NOPE"}, 0, fault.Invalid, "no course NOPE"},
		{"its own prerequisite", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8, Prerequisite: "PZH"}, 0, fault.Invalid, "its own prerequisite"},
		{"a minimum above the seats", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8, MinSize: 9}, 0, fault.Invalid, "min_size"},
		{"offering a course that exists", deu, leo("DEU"), 0, fault.Conflict, "exists already"},
		{"changing with a stale version", deu, leo("DEU"), 7, fault.Conflict, "changed by someone else"},
		{"changing a course that does not exist", deu, Offer{Code: "PZH", Title: "PzH 2000", Skill: "PZH-2000", Host: "DEU", Site: "DE-MUN", Seats: 8}, 1, fault.NotFound, "no course PZH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := seeded()
			before := f.s.courses["LEO"]
			o, err := (&Service{Store: f}).SaveCourse(as(c.as), c.offer, c.version)
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				wantAudit(t, f)
				if f.s.courses["LEO"] != before || len(f.s.courses) != 2 {
					t.Fatalf("a refused change wrote courses: %+v", f.s.courses)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.s.courses[o.Code]; got != o || o.Version != c.version+1 {
				t.Fatalf("stored %+v, returned %+v", got, o)
			}
			wantAudit(t, f, "course.save")
			if c.version != 0 && f.s.events[0].Before == nil {
				t.Error("a change's audit event holds no before")
			}
		})
	}
}

func TestImportCoursesAllOrNothing(t *testing.T) {
	f := seeded()
	err := (&Service{Store: f}).ImportCourses(as(deu), []Offer{
		{Code: "A", Title: "A", Skill: "A", Host: "DEU", Site: "DE-MUN", Seats: 4},
		{Code: "B", Title: "B", Skill: "B", Host: "DEU", Site: "DE-MUN", Seats: 4, Prerequisite: "A"},
		{Code: "LEO", Title: "again", Skill: "X", Host: "DEU", Site: "DE-MUN", Seats: 2},
	})
	wantErr(t, err, fault.Conflict, "line 4")
	if len(f.s.courses) != 2 {
		t.Errorf("a refused import offered %d courses", len(f.s.courses)-2)
	}
	wantAudit(t, f)
	if err := (&Service{Store: f}).ImportCourses(as(deu), []Offer{
		{Code: "A", Title: "A", Skill: "A", Host: "DEU", Site: "DE-MUN", Seats: 4},
		{Code: "B", Title: "B", Skill: "B", Host: "DEU", Site: "DE-MUN", Seats: 4, Prerequisite: "A"},
	}); err != nil {
		t.Fatalf("a course naming an earlier one of the import as its prerequisite: %v", err)
	}
	wantAudit(t, f, "course.save", "course.save")
}

func TestAddClass(t *testing.T) {
	cases := []struct {
		name  string
		as    access.Identity
		class ClassOf
		code  string
		msg   string
		seats int
	}{
		{"the host adds a class with the course's seats", deu, ClassOf{Course: "leo", Start: "2025-04-01", End: "2025-05-01"}, "", "", 12},
		{"the facility adds a smaller class", munster, ClassOf{Course: "LEO", Start: "2025-04-01", End: "2025-05-01", Seats: 6}, "", "", 6},
		{"another nation may not", pol, ClassOf{Course: "LEO", Start: "2025-04-01", End: "2025-05-01"}, fault.Forbidden, "may not add classes to LEO", 0},
		{"a course that does not exist", deu, ClassOf{Course: "NOPE", Start: "2025-04-01", End: "2025-05-01"}, fault.Invalid, "no course NOPE", 0},
		{"ending before it starts", deu, ClassOf{Course: "LEO", Start: "2025-05-01", End: "2025-04-01"}, fault.Invalid, "before the class starts", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := seeded()
			k, err := (&Service{Store: f}).AddClass(as(c.as), c.class)
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				wantAudit(t, f)
				if len(f.s.classes) != 0 {
					t.Fatal("a refused class was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Seats != c.seats || k.MinSize != 8 || k.Course != "LEO" || f.s.classes[k.ID].Seats != c.seats {
				t.Fatalf("class %+v", k)
			}
			wantAudit(t, f, "class.create")
		})
	}
}

func TestAddCohort(t *testing.T) {
	secret := access.Marking{Classification: access.Secret}
	notToUKR := access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"DEU"}}
	cohort := func(req, line int64) CohortOf {
		return CohortOf{Skill: "LEOPARD-2", Size: 10, Earliest: "2025-03-01", NeededBy: "2025-06-01", Requirement: req, PledgeLine: line}
	}
	cases := []struct {
		name   string
		as     access.Identity
		cohort CohortOf
		code   string
		msg    string
	}{
		{"the recipient nominates", ukr, cohort(0, 0), "", ""},
		{"for a requirement and a pledge line it may see", ukr, cohort(1, 10), "", ""},
		{"a coordinator nominates", coordinator, cohort(2, 11), "", ""},
		{"a nation officer may not nominate", deu, cohort(0, 0), fault.Forbidden, "may not nominate"},
		{"a facility manager may not nominate", munster, cohort(0, 0), fault.Forbidden, "may not nominate"},
		{"a requirement that does not exist", ukr, cohort(99, 0), fault.Invalid, "no requirement R-00099"},
		{"a requirement above the nominator's clearance", ukr, cohort(2, 0), fault.Invalid, "no requirement R-00002"},
		{"a pledge line that does not exist", ukr, cohort(0, 99), fault.Invalid, "no pledge line 99"},
		{"a pledge line not releasable to the nominator", ukr, cohort(0, 11), fault.Invalid, "no pledge line 11"},
		{"no trainees", ukr, CohortOf{Skill: "LEOPARD-2", Earliest: "2025-03-01", NeededBy: "2025-06-01"}, fault.Invalid, "at least one trainee"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := seeded()
			f.s.requirements[1] = assist.Requirement{ID: 1, Marking: access.Marking{Classification: access.Restricted}}
			f.s.requirements[2] = assist.Requirement{ID: 2, Marking: secret}
			f.s.linePledges[10] = assist.Pledge{ID: 5, Nation: "POL", Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}}
			f.s.linePledges[11] = assist.Pledge{ID: 6, Nation: "DEU", Marking: notToUKR}
			got, err := (&Service{Store: f}).AddCohort(as(c.as), c.cohort)
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				wantAudit(t, f)
				if len(f.s.cohorts) != 0 {
					t.Fatal("a refused cohort was stored")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.s.cohorts[got.ID].Requirement != c.cohort.Requirement || got.Version != 1 || got.Priority != 3 {
				t.Fatalf("cohort %+v", got)
			}
			wantAudit(t, f, "cohort.create")
		})
	}
}

func TestEnrolmentRecord(t *testing.T) {
	e := EnrolmentOf{ID: 7, Trainees: 10}
	cases := []struct {
		name  string
		e     EnrolmentOf
		r     Record
		field string
		msg   string
	}{
		{"all completed", e, Record{Attended: 10, Completed: 10}, "-", ""},
		{"attrition with its reason", e, Record{Attended: 10, Completed: 8, Attrition: 2, Reason: " injured "}, "-", ""},
		{"recorded already", EnrolmentOf{ID: 7, Trainees: 10, Recorded: true}, Record{Attended: 10, Completed: 10}, "", "recorded already"},
		{"negative", e, Record{Attended: -1}, "", "must not be negative"},
		{"more attended than enrolled", e, Record{Attended: 11, Completed: 10}, "attended", "11 attended of 10"},
		{"more completed than attended", e, Record{Attended: 8, Completed: 9}, "completed", "9 completed but 8 attended"},
		{"more completed and left than enrolled", e, Record{Attended: 10, Completed: 9, Attrition: 2, Reason: "x"}, "attrition", "more than the 10 enrolled"},
		{"attrition without a reason", e, Record{Attended: 10, Completed: 9, Attrition: 1, Reason: "  "}, "reason", "give the reason"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.e.Record(c.r)
			if c.field == "-" {
				if err != nil || !got.Recorded || got.Completed != c.r.Completed || got.Reason != strings.TrimSpace(c.r.Reason) {
					t.Fatalf("%+v %v", got, err)
				}
				return
			}
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid || e.Field != c.field || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("error %#v, want field %q saying %q", err, c.field, c.msg)
			}
			if got.Recorded != c.e.Recorded {
				t.Fatal("a refused record changed the enrolment")
			}
		})
	}
}

// withEnrolment adds a LEO class (ending in 2025) with one enrolment of 10
// trainees of cohort 1.
func withEnrolment(f *fakeStore) (class, enrolment int64) {
	f.s.classes[100] = ClassOf{ID: 100, Course: "LEO", Start: "2025-04-01", End: "2025-05-30", Seats: 12, Version: 1}
	f.s.classes[101] = ClassOf{ID: 101, Course: "LEO", Start: "2025-06-01", End: "2025-06-30", Seats: 12, Version: 1}
	f.s.cohorts[1] = CohortOf{ID: 1, Skill: "LEOPARD-2", Size: 10, Version: 1}
	f.s.enrolments[200] = EnrolmentOf{ID: 200, Cohort: 1, Class: 100, Course: "LEO", Trainees: 10, Version: 1}
	f.s.enrolments[201] = EnrolmentOf{ID: 201, Cohort: 1, Class: 101, Course: "LEO", Trainees: 2, Version: 1}
	return 100, 200
}

func TestRecordClass(t *testing.T) {
	cases := []struct {
		name     string
		as       access.Identity
		recs     []Record
		noYear   bool
		code     string
		msg      string
		credited int64 // euro cents
	}{
		{"the host records, and the seats count for it", deu, []Record{{Enrolment: 200, Attended: 10, Completed: 9, Attrition: 1, Reason: "injured"}}, false, "", "", 9 * 50_000_00},
		{"the facility records", munster, []Record{{Enrolment: 200, Attended: 10, Completed: 10}}, false, "", "", 10 * 50_000_00},
		{"outside a baseline year nothing is credited", deu, []Record{{Enrolment: 200, Attended: 10, Completed: 10}}, true, "", "", 0},
		{"another nation may not record", pol, []Record{{Enrolment: 200, Attended: 10, Completed: 10}}, false, fault.Forbidden, "may not record the class of LEO", 0},
		{"an enrolment of another class", deu, []Record{{Enrolment: 201, Attended: 2, Completed: 2}}, false, fault.Invalid, "no enrolment 201 in this class", 0},
		{"an enrolment that does not exist", deu, []Record{{Enrolment: 999, Attended: 2, Completed: 2}}, false, fault.Invalid, "records[0].enrolment", 0},
		{"attrition without a reason", deu, []Record{{Enrolment: 200, Attended: 10, Completed: 9, Attrition: 1}}, false, fault.Invalid, "records[0].reason", 0},
		{"more completed than enrolled", deu, []Record{{Enrolment: 200, Attended: 12, Completed: 11}}, false, fault.Invalid, "records[0].attended", 0},
		{"the same enrolment twice", deu, []Record{{Enrolment: 200, Attended: 10, Completed: 10}, {Enrolment: 200, Attended: 10, Completed: 10}}, false, fault.Invalid, "recorded already", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := seeded()
			class, en := withEnrolment(f)
			if c.noYear {
				delete(f.s.baselines, 2025)
			}
			n, err := (&Service{Store: f}).RecordClass(as(c.as), class, c.recs)
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				wantAudit(t, f)
				if f.s.enrolments[en].Recorded || len(f.s.credited) != 0 {
					t.Fatal("a refused record was written")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != c.recs[0].Completed || !f.s.enrolments[en].Recorded || f.s.enrolments[en].Completed != n {
				t.Fatalf("completed %d, enrolment %+v", n, f.s.enrolments[en])
			}
			// The host's credit is the accounts' own use case, audited in
			// the same change when there is one.
			if c.credited > 0 {
				wantAudit(t, f, "class.record", "contribution.create")
			} else {
				wantAudit(t, f, "class.record")
			}
			var credited int64
			for _, k := range f.s.credited {
				if k.Nation != "DEU" || k.Category != "training" || k.Date != "2025-05-30" {
					t.Errorf("contribution %+v", k)
				}
				credited += int64(k.Original)
			}
			if credited != c.credited {
				t.Errorf("credited %d cents, want %d", credited, c.credited)
			}
			// Recorded once: a second record of the same enrolment is refused.
			_, err = (&Service{Store: f}).RecordClass(as(c.as), class, c.recs)
			wantErr(t, err, fault.Invalid, "recorded already")
		})
	}
}

func TestRecordClassVersionConflict(t *testing.T) {
	f := seeded()
	class, en := withEnrolment(f)
	// Another writer records the enrolment between the read and the write.
	racing := &racingStore{fakeStore: f, enrolment: en}
	_, err := (&Service{Store: racing}).RecordClass(as(deu), class, []Record{{Enrolment: en, Attended: 10, Completed: 10}})
	wantErr(t, err, fault.Conflict, "")
	wantAudit(t, f)
}

// racingStore moves an enrolment's version on after it is read.
type racingStore struct {
	*fakeStore
	enrolment int64
}

func (r *racingStore) Transact(ctx context.Context, fn func(Tx) error) error {
	return r.fakeStore.Transact(ctx, func(tx Tx) error { return fn(racingTx{tx.(*fakeTx), r.enrolment}) })
}

type racingTx struct {
	*fakeTx
	enrolment int64
}

func (tx racingTx) Enrolment(ctx context.Context, id int64) (EnrolmentOf, error) {
	e, err := tx.fakeTx.Enrolment(ctx, id)
	if id == tx.enrolment {
		moved := tx.s.enrolments[id]
		moved.Version++
		tx.s.enrolments[id] = moved
	}
	return e, err
}

func TestApprove(t *testing.T) {
	// Cohort 1 has done LEO-BASIC; cohort 2 has not. Class 100 is of
	// LEO-BASIC (ending 2025-04-20), 101 and 102 are of LEO (12 seats),
	// starting after it and before it ends.
	setup := func() *fakeStore {
		f := seeded()
		f.s.classes[100] = ClassOf{ID: 100, Course: "LEO-BASIC", Start: "2025-04-01", End: "2025-04-20", Seats: 30, Version: 1}
		f.s.classes[101] = ClassOf{ID: 101, Course: "LEO", Start: "2025-05-01", End: "2025-06-30", Seats: 12, Version: 1}
		f.s.classes[102] = ClassOf{ID: 102, Course: "LEO", Start: "2025-04-10", End: "2025-06-30", Seats: 12, Version: 1}
		f.s.cohorts[1] = CohortOf{ID: 1, Skill: "LEOPARD-2", Size: 10, Version: 1}
		f.s.cohorts[2] = CohortOf{ID: 2, Skill: "LEOPARD-2", Size: 10, Version: 1}
		f.s.completed[1] = []string{"LEO-BASIC"}
		return f
	}
	en := func(cohort, class int64, n int) Enrolment {
		return Enrolment{Cohort: cohort, Class: class, Trainees: n}
	}
	cases := []struct {
		name   string
		as     access.Identity
		plan   []Enrolment
		stale  bool
		code   string
		msg    string
		enrols int
	}{
		{"a cohort that did the prerequisite", coordinator, []Enrolment{en(1, 101, 10)}, false, "", "", 1},
		{"the prerequisite first, in the same plan", coordinator, []Enrolment{en(2, 100, 10), en(2, 101, 10)}, false, "", "", 2},
		{"up to the seats", coordinator, []Enrolment{en(1, 101, 10), en(2, 100, 2), en(2, 101, 2)}, false, "", "", 3},
		{"beyond the seats", coordinator, []Enrolment{en(1, 101, 13)}, false, fault.Conflict, "has 12 seats and 0 taken: 13 more do not fit", 0},
		{"beyond the seats over two enrolments", coordinator, []Enrolment{en(1, 101, 10), en(2, 100, 3), en(2, 101, 3)}, false, fault.Conflict, "has 12 seats and 10 taken", 0},
		{"without the prerequisite", coordinator, []Enrolment{en(2, 101, 10)}, false, fault.Invalid, "cohort 2 has not done LEO-BASIC, which LEO asks for first", 0},
		{"the prerequisite ending after the class starts", coordinator, []Enrolment{en(2, 100, 10), en(2, 102, 10)}, false, fault.Invalid, "has not done LEO-BASIC", 0},
		{"a class that does not exist", coordinator, []Enrolment{en(1, 999, 1)}, false, fault.Invalid, "no class 999", 0},
		{"inputs changed since the plan was made", coordinator, []Enrolment{en(1, 101, 10)}, true, fault.Conflict, "changed since it was made", 0},
		{"a nation officer may not approve", deu, []Enrolment{en(1, 101, 10)}, false, fault.Forbidden, "", 0},
	}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup()
			tx := &fakeTx{f.s}
			_, fp, _ := tx.PlanInput(context.Background(), start, 180)
			if c.stale {
				f.s.cohorts[3] = CohortOf{ID: 3, Skill: "LEOPARD-2", Size: 4, Version: 1}
			}
			n, err := (&Service{Store: f}).Approve(as(c.as), Proposal{Enrolments: c.plan}, fp, start, 180)
			if c.code != "" {
				wantErr(t, err, c.code, c.msg)
				if n != 0 || len(f.s.enrolments) != 0 {
					t.Fatalf("a refused approval enrolled: %d %+v", n, f.s.enrolments)
				}
				wantAudit(t, f)
				return
			}
			if err != nil || n != c.enrols || len(f.s.enrolments) != c.enrols {
				t.Fatalf("approved %d (%d stored), want %d: %v", n, len(f.s.enrolments), c.enrols, err)
			}
			want := make([]string, c.enrols)
			for i := range want {
				want[i] = "training.enrol"
			}
			wantAudit(t, f, want...)
			// The same plan again is refused: its inputs moved on.
			_, err = (&Service{Store: f}).Approve(as(c.as), Proposal{Enrolments: c.plan}, fp, start, 180)
			wantErr(t, err, fault.Conflict, "")
		})
	}
}
