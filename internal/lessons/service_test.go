package lessons_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
)

const nsnStinger = "1425-01-433-0713"

func as(roles []access.Role, nation string, clearance access.Classification) context.Context {
	return access.WithIdentity(context.Background(), access.Identity{UserID: 1, Name: "jatec", Nation: nation, Roles: roles, Clearance: clearance, Via: "token"})
}

var (
	analyst   = as([]access.Role{access.Analyst}, "POL", access.Secret)
	uncleared = as([]access.Role{access.Analyst}, "POL", access.Unclassified)
	officer   = as([]access.Role{access.NationOfficer}, "FRA", access.Secret) // may read and submit, not analyse
	nobody    = context.Background()
)

// stored is a lesson at state with actions, as the store holds it.
func stored(id int64, state string, actions ...lessons.Action) lessons.Lesson {
	for i := range actions {
		actions[i].Lesson = id
	}
	return lessons.Lesson{ID: id, Title: "Seekers fail in frost", Observed: "Lock lost below minus fifteen.", When: "2025-01-20", Capability: "air_defence",
		Owner: "POL", State: state, Version: 3, Actions: actions}
}

func restricted(l lessons.Lesson) lessons.Lesson {
	l.Classification = access.Restricted
	return l
}

func done(id int64) lessons.Action {
	at := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	return lessons.Action{ID: id, OwnerKind: "nation", Owner: "USA", Description: "heated containers", Due: "2025-02-15", DoneAt: &at}
}

func open(id int64) lessons.Action {
	return lessons.Action{ID: id, OwnerKind: "nation", Owner: "USA", Description: "warm-up drill", Due: "2025-02-15"}
}

// refused checks that err has code and that the store holds nothing of the
// use case: no audit event and the lesson as it was.
func refused(t *testing.T, s *fakeStore, err error, code string, before map[int64]lessons.Lesson) {
	t.Helper()
	if fault.Code(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	if len(s.events) != 0 {
		t.Errorf("a refusal wrote audit events: %+v", s.events)
	}
	if len(s.lessons) != len(before) {
		t.Errorf("a refusal changed the lessons: %d, had %d", len(s.lessons), len(before))
	}
	for id, l := range before {
		if got := s.lessons[id]; got.State != l.State || got.Version != l.Version || len(got.Actions) != len(l.Actions) || len(got.Links) != len(l.Links) {
			t.Errorf("a refusal changed %s: %+v", l.Ref(), got)
		}
	}
}

func snapshot(s *fakeStore) map[int64]lessons.Lesson {
	out := map[int64]lessons.Lesson{}
	for id, l := range s.lessons {
		out[id] = clone(l)
	}
	return out
}

// audited checks that exactly one event was written, for action on lesson id.
func audited(t *testing.T, s *fakeStore, action string, id int64) {
	t.Helper()
	if len(s.events) != 1 || s.events[0].Action != action || s.events[0].Entity != "lesson" || s.events[0].EntityID != strconv.FormatInt(id, 10) {
		t.Errorf("want one %s event on lesson %d, got %+v", action, id, s.events)
	}
}

func TestSubmit(t *testing.T) {
	observation := func(m access.Classification, systems ...string) lessons.Lesson {
		return lessons.Lesson{Title: "Stinger seekers fail in frost", Observed: "Seeker heads lose lock.", When: "2025-01-20", Capability: "air_defence",
			Systems: systems, Marking: access.Marking{Classification: m}}
	}
	cases := []struct {
		name  string
		ctx   context.Context
		in    lessons.Lesson
		code  string
		field string
	}{
		{"an observation", analyst, observation(access.Restricted, nsnStinger), "", ""},
		{"marked up to the submitter's clearance", uncleared, observation(access.Unclassified), "", ""},
		{"marked above the submitter's clearance", uncleared, observation(access.Restricted), fault.Invalid, "classification"},
		{"a system not in the catalogue", analyst, observation(access.Unclassified, "1005-01-000-0000"), fault.Invalid, "systems[0]"},
		{"an empty observation", analyst, lessons.Lesson{Title: " ", When: "soon"}, fault.Invalid, "title"},
		{"nobody signed in", nobody, observation(access.Unclassified), fault.Unauthorized, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFake()
			s.items = []string{nsnStinger}
			l, err := (&lessons.Service{Store: s}).Submit(c.ctx, c.in)
			if c.code != "" {
				refused(t, s, err, c.code, nil)
				if e := fault.As(err); c.field != "" && (e == nil || e.Field != c.field) {
					t.Errorf("want field %s, got %v", c.field, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := s.lessons[l.ID]
			if got.State != lessons.Submitted || got.Owner != "POL" || got.CreatedBy != "jatec (token)" || !got.CreatedAt.Equal(s.now) || got.Version != 1 || l.Version != 1 {
				t.Errorf("stored: %+v", got)
			}
			audited(t, s, "lesson.submit", l.ID)
		})
	}
}

// TestSubmitTakesNoFindings: what follows triage is not submitted with the
// observation, whatever the request holds.
func TestSubmitTakesNoFindings(t *testing.T) {
	s := newFake()
	in := stored(0, lessons.Learned, done(1))
	in.Analysis, in.Reason, in.Owner = "already analysed", "none", "USA"
	l, err := (&lessons.Service{Store: s}).Submit(analyst, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.lessons[l.ID]; got.State != lessons.Submitted || got.Analysis != "" || got.Reason != "" || got.Owner != "POL" || len(got.Actions) != 0 {
		t.Errorf("stored: %+v", got)
	}
}

func TestAdvance(t *testing.T) {
	identify := lessons.Step{To: lessons.Identified, Analysis: "cold soak", Conclusion: "storage", Recommendation: "heated storage"}
	cases := []struct {
		name    string
		ctx     context.Context
		lesson  lessons.Lesson
		step    lessons.Step
		version int64
		moved   bool
		code    string
		want    string
	}{
		{"accepted after submitted", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Accepted}, 3, false, "", lessons.Accepted},
		{"rejected with a reason", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Rejected, Reason: "a duplicate"}, 0, false, "", lessons.Rejected},
		{"identified with its findings", analyst, stored(1, lessons.Accepted), identify, 0, false, "", lessons.Identified},
		{"learned once every action is done", analyst, stored(1, lessons.Actioned, done(7), done(8)), lessons.Step{To: lessons.Learned}, 0, false, "", lessons.Learned},
		{"closed when not actionable", analyst, stored(1, lessons.Identified), lessons.Step{To: lessons.Closed, Reason: "overtaken"}, 0, false, "", lessons.Closed},
		{"identified before accepted", analyst, stored(1, lessons.Submitted), identify, 0, false, fault.Conflict, ""},
		{"learned at once", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Learned}, 0, false, fault.Conflict, ""},
		{"nothing follows learned", analyst, stored(1, lessons.Learned, done(7)), lessons.Step{To: lessons.Closed, Reason: "x"}, 0, false, fault.Conflict, ""},
		{"rejected without a reason", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Rejected, Reason: " "}, 0, false, fault.Invalid, ""},
		{"identified without a recommendation", analyst, stored(1, lessons.Accepted), lessons.Step{To: lessons.Identified, Analysis: "a", Conclusion: "c"}, 0, false, fault.Invalid, ""},
		{"actioned by a step", analyst, stored(1, lessons.Identified), lessons.Step{To: lessons.Actioned}, 0, false, fault.Invalid, ""},
		{"learned with an action not done", analyst, stored(1, lessons.Actioned, done(7), open(8)), lessons.Step{To: lessons.Learned}, 0, false, fault.Invalid, ""},
		{"a version read before a change", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Accepted}, 2, false, fault.Conflict, ""},
		{"changed by someone else meanwhile", analyst, stored(1, lessons.Submitted), lessons.Step{To: lessons.Accepted}, 0, true, fault.Conflict, ""},
		{"a lesson above the analyst's clearance", uncleared, restricted(stored(1, lessons.Submitted)), lessons.Step{To: lessons.Accepted}, 0, false, fault.NotFound, ""},
		{"no lesson", analyst, stored(2, lessons.Submitted), lessons.Step{To: lessons.Accepted}, 0, false, fault.NotFound, ""},
		{"a reader who may not analyse", officer, stored(1, lessons.Submitted), lessons.Step{To: lessons.Accepted}, 0, false, fault.Forbidden, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFake(c.lesson)
			s.moved = c.moved
			before := snapshot(s)
			l, err := (&lessons.Service{Store: s}).Advance(c.ctx, 1, c.version, c.step)
			if c.code != "" {
				refused(t, s, err, c.code, before)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := s.lessons[1]
			if got.State != c.want || l.State != c.want || got.Version != 4 || l.Version != 4 {
				t.Errorf("stored %s v%d, returned %s v%d", got.State, got.Version, l.State, l.Version)
			}
			if learned := got.LearnedAt != nil; learned != (c.want == lessons.Learned) || (learned && !got.LearnedAt.Equal(s.now)) {
				t.Errorf("learned at %v", got.LearnedAt)
			}
			audited(t, s, "lesson."+c.want, 1)
			if b, ok := s.events[0].Before.(lessons.Lesson); !ok || b.State != c.lesson.State || s.events[0].After.(lessons.Lesson).State != c.want {
				t.Errorf("the event's before and after: %+v", s.events[0])
			}
		})
	}
}

func TestAddAction(t *testing.T) {
	action := lessons.Action{OwnerKind: "nation", Owner: "usa", Description: "heated containers", Due: "2025-02-15"}
	cases := []struct {
		name    string
		ctx     context.Context
		lesson  lessons.Lesson
		in      lessons.Action
		moved   bool
		code    string
		version int64 // of the lesson after
	}{
		{"the first action of an identified lesson", analyst, stored(1, lessons.Identified), action, false, "", 4},
		{"another action of an actioned lesson", analyst, stored(1, lessons.Actioned, open(7)), action, false, "", 3},
		{"an action of a submitted lesson", analyst, stored(1, lessons.Submitted), action, false, fault.Conflict, 0},
		{"an action of a learned lesson", analyst, stored(1, lessons.Learned, done(7)), action, false, fault.Conflict, 0},
		{"an action without owner or due date", analyst, stored(1, lessons.Identified), lessons.Action{OwnerKind: "nation", Description: "x"}, false, fault.Invalid, 0},
		{"changed by someone else meanwhile", analyst, stored(1, lessons.Identified), action, true, fault.Conflict, 0},
		{"a lesson above the analyst's clearance", uncleared, restricted(stored(1, lessons.Identified)), action, false, fault.NotFound, 0},
		{"a reader who may not analyse", officer, stored(1, lessons.Identified), action, false, fault.Forbidden, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFake(c.lesson)
			s.moved = c.moved
			before := snapshot(s)
			a, err := (&lessons.Service{Store: s}).AddAction(c.ctx, 1, c.in)
			if c.code != "" {
				refused(t, s, err, c.code, before)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := s.lessons[1]
			if got.State != lessons.Actioned || got.Version != c.version || len(got.Actions) != len(c.lesson.Actions)+1 || a.ID == 0 || a.Lesson != 1 || a.Owner != "USA" {
				t.Errorf("stored %+v, returned %+v", got, a)
			}
			audited(t, s, "lesson.action", 1)
		})
	}
}

func TestActionDone(t *testing.T) {
	cases := []struct {
		name   string
		ctx    context.Context
		lesson int64
		action int64
		code   string
	}{
		{"an action of the lesson", analyst, 1, 7, ""},
		{"another lesson's action", analyst, 1, 9, fault.NotFound},
		{"an action done already", analyst, 1, 8, fault.Conflict},
		{"through a lesson above the analyst's clearance", uncleared, 2, 9, fault.NotFound},
		{"a reader who may not analyse", officer, 1, 7, fault.Forbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newFake(stored(1, lessons.Actioned, open(7), done(8)), restricted(stored(2, lessons.Actioned, open(9))))
			before := snapshot(s)
			a, err := (&lessons.Service{Store: s}).ActionDone(c.ctx, c.lesson, c.action)
			if c.code != "" {
				refused(t, s, err, c.code, before)
				for _, l := range s.lessons {
					for _, x := range l.Actions {
						if x.Done() != (x.ID == 8) {
							t.Errorf("action %d done: %v", x.ID, x.Done())
						}
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.lessons[1].Actions[0]; !got.Done() || !got.DoneAt.Equal(s.now) || a.ID != 7 || !a.Done() {
				t.Errorf("stored %+v, returned %+v", got, a)
			}
			audited(t, s, "lesson.action_done", 1)
		})
	}
}

func TestLink(t *testing.T) {
	cases := []struct {
		name string
		ctx  context.Context
		in   lessons.Link
		code string
		want lessons.Link
	}{
		{"a requirement the linker may see", analyst, lessons.Link{Kind: "requirement", Ref: " r-12"}, "", lessons.Link{Kind: "requirement", Ref: "R-00012"}},
		{"a piece the linker may see", analyst, lessons.Link{Kind: "equipment", Ref: "E-1"}, "", lessons.Link{Kind: "equipment", Ref: "E-00001"}},
		{"a course the linker may see", analyst, lessons.Link{Kind: "course", Ref: "pl-ad-1"}, "", lessons.Link{Kind: "course", Ref: "PL-AD-1"}},
		{"a repair facility", analyst, lessons.Link{Kind: "facility", Ref: "PL-GLI"}, "", lessons.Link{Kind: "facility", Ref: "PL-GLI"}},
		{"a requirement the linker may not see", analyst, lessons.Link{Kind: "requirement", Ref: "R-00013"}, fault.Invalid, lessons.Link{}},
		{"a piece the linker may not see", analyst, lessons.Link{Kind: "equipment", Ref: "E-00002"}, fault.Invalid, lessons.Link{}},
		{"a course the linker may not see", analyst, lessons.Link{Kind: "course", Ref: "DE-AD-2"}, fault.Invalid, lessons.Link{}},
		{"no repair facility", analyst, lessons.Link{Kind: "facility", Ref: "PL-WAW"}, fault.Invalid, lessons.Link{}},
		{"no kind of record", analyst, lessons.Link{Kind: "planet", Ref: "x"}, fault.Invalid, lessons.Link{}},
		{"no piece number", analyst, lessons.Link{Kind: "equipment", Ref: "E-abc"}, fault.Invalid, lessons.Link{}},
		{"a link made already", analyst, lessons.Link{Kind: "facility", Ref: "PL-RZE"}, fault.Conflict, lessons.Link{}},
		{"a lesson above the linker's clearance", uncleared, lessons.Link{Kind: "requirement", Ref: "R-00012"}, fault.NotFound, lessons.Link{}},
		{"a reader who may not analyse", officer, lessons.Link{Kind: "requirement", Ref: "R-00012"}, fault.Forbidden, lessons.Link{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := restricted(stored(1, lessons.Identified))
			l.Links = []lessons.Link{{Kind: "facility", Ref: "PL-RZE"}}
			s := newFake(l)
			for _, k := range []string{"requirement:12", "equipment:1", "course:PL-AD-1", "facility:PL-GLI", "facility:PL-RZE"} {
				s.visible[k] = true
			}
			before := snapshot(s)
			err := (&lessons.Service{Store: s}).Link(c.ctx, 1, c.in)
			if c.code != "" {
				refused(t, s, err, c.code, before)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.lessons[1].Links; len(got) != 2 || got[1] != c.want {
				t.Errorf("links: %+v", got)
			}
			audited(t, s, "lesson.link", 1)
		})
	}
}
