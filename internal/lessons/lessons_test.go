package lessons_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
)

// TestStepsInOrder tries every step from every state: only those of the
// process may follow, and no step is skipped.
func TestStepsInOrder(t *testing.T) {
	follows := map[string][]string{
		lessons.Submitted:  {lessons.Accepted, lessons.Rejected},
		lessons.Accepted:   {lessons.Identified, lessons.Closed},
		lessons.Identified: {lessons.Closed},                  // actioned by its first action
		lessons.Actioned:   {lessons.Learned, lessons.Closed}, // learned once its actions are done
	}
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, from := range lessons.States {
		for _, to := range lessons.States {
			t.Run(from+" to "+to, func(t *testing.T) {
				l := lessons.Lesson{ID: 1, State: from, Actions: []lessons.Action{done(7)}}
				err := l.Advance(lessons.Step{To: to, Reason: "why", Analysis: "a", Conclusion: "c", Recommendation: "r"}, at)
				want := false
				for _, s := range follows[from] {
					want = want || s == to
				}
				if (err == nil) != want {
					t.Fatalf("allowed %v, got %v", want, err)
				}
				if err == nil && l.State != to {
					t.Errorf("state %s", l.State)
				}
				if err != nil && l.State != from {
					t.Errorf("a refused step moved the lesson to %s", l.State)
				}
			})
		}
	}
}

func TestLearnOnceEveryActionIsDone(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		state   string
		actions []lessons.Action
		code    string
	}{
		{"every action done", lessons.Actioned, []lessons.Action{done(7), done(8)}, ""},
		{"one action not done", lessons.Actioned, []lessons.Action{done(7), open(8)}, fault.Invalid},
		{"no action done", lessons.Actioned, []lessons.Action{open(7)}, fault.Invalid},
		{"not actioned yet", lessons.Identified, nil, fault.Conflict},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := lessons.Lesson{ID: 1, State: c.state, Actions: c.actions}
			err := l.Learn(at)
			if fault.Code(err) != c.code {
				t.Fatalf("want %q, got %v", c.code, err)
			}
			if c.code == "" && (l.State != lessons.Learned || l.LearnedAt == nil || !l.LearnedAt.Equal(at)) {
				t.Errorf("learned: %+v", l)
			}
			if c.code != "" && (l.State != c.state || l.LearnedAt != nil) {
				t.Errorf("a refusal changed the lesson: %+v", l)
			}
			if c.code == fault.Invalid && !strings.Contains(err.Error(), "action 8") && !strings.Contains(err.Error(), "action 7") {
				t.Errorf("the refusal does not name the action: %v", err)
			}
		})
	}
}

func TestFinishOnlyOwnAction(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	l := lessons.Lesson{ID: 1, State: lessons.Actioned, Actions: []lessons.Action{open(7), done(8)}}
	if _, err := l.Finish(9, at); fault.Code(err) != fault.NotFound {
		t.Errorf("another lesson's action: %v", err)
	}
	if _, err := l.Finish(8, at); fault.Code(err) != fault.Conflict {
		t.Errorf("an action done already: %v", err)
	}
	if a, err := l.Finish(7, at); err != nil || !a.DoneAt.Equal(at) || !l.Actions[0].Done() {
		t.Errorf("its own action: %+v %v", a, err)
	}
}

func TestSubmitWithinClearance(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		marking, clearance access.Classification
		ok                 bool
	}{
		{access.Unclassified, access.Unclassified, true},
		{access.Restricted, access.Restricted, true},
		{access.Restricted, access.Secret, true},
		{access.Restricted, access.Unclassified, false},
		{access.Secret, access.Confidential, false},
	} {
		t.Run(c.marking.String()+" by "+c.clearance.String(), func(t *testing.T) {
			l := lessons.Lesson{Marking: access.Marking{Classification: c.marking}}
			err := l.Submit(access.Identity{Nation: "POL", Clearance: c.clearance}, "jatec", at)
			if (err == nil) != c.ok {
				t.Fatalf("allowed %v, got %v", c.ok, err)
			}
			if err == nil && (l.Owner != "POL" || l.State != lessons.Submitted || l.CreatedBy != "jatec") {
				t.Errorf("submitted: %+v", l)
			}
			if e := fault.As(err); err != nil && e.Field != "classification" {
				t.Errorf("field: %v", err)
			}
		})
	}
}

func TestLinkNormalize(t *testing.T) {
	for _, c := range []struct {
		in   lessons.Link
		want string // the reference, or the field at fault
		ok   bool
	}{
		{lessons.Link{Kind: "equipment", Ref: " e-12 "}, "E-00012", true},
		{lessons.Link{Kind: "requirement", Ref: "R-00012"}, "R-00012", true},
		{lessons.Link{Kind: "requirement", Ref: "12"}, "R-00012", true},
		{lessons.Link{Kind: "course", Ref: "pl-ad-1"}, "PL-AD-1", true},
		{lessons.Link{Kind: "equipment", Ref: "E-00000"}, "ref", false},
		{lessons.Link{Kind: "requirement", Ref: "R-x"}, "ref", false},
		{lessons.Link{Kind: "planet", Ref: "x"}, "kind", false},
	} {
		t.Run(c.in.Kind+" "+c.in.Ref, func(t *testing.T) {
			k := c.in
			err := k.Normalize()
			if c.ok && (err != nil || k.Ref != c.want) {
				t.Errorf("%+v %v", k, err)
			}
			if e := fault.As(err); !c.ok && (e == nil || e.Field != c.want) {
				t.Errorf("want a refusal of %s, got %v", c.want, err)
			}
		})
	}
}
