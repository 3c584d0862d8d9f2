package lessons_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
)

// fakeStore keeps lessons in memory for the rules' tests. A transaction
// works on a copy that replaces the store's records, and adds its audit
// events, only when the use case returns nil: as the real store, it
// commits all or nothing.
type fakeStore struct {
	now     time.Time
	lessons map[int64]lessons.Lesson
	items   []string        // NSNs in the catalogue
	visible map[string]bool // "kind:ref" of the records the linker may see
	events  []audit.Record  // committed
	// moved makes every update find that someone else changed the lesson
	// since it was read.
	moved  bool
	nextID int64
}

func newFake(ls ...lessons.Lesson) *fakeStore {
	s := &fakeStore{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), lessons: map[int64]lessons.Lesson{}, visible: map[string]bool{}, nextID: 100}
	for _, l := range ls {
		s.lessons[l.ID] = l
	}
	return s
}

func (s *fakeStore) Transact(ctx context.Context, fn func(lessons.Tx) error) error {
	tx := &fakeTx{s: s, lessons: map[int64]lessons.Lesson{}}
	for id, l := range s.lessons {
		tx.lessons[id] = clone(l)
	}
	if err := fn(tx); err != nil {
		return err
	}
	s.lessons, s.events = tx.lessons, append(s.events, tx.events...)
	return nil
}

func clone(l lessons.Lesson) lessons.Lesson {
	l.Actions, l.Links = slices.Clone(l.Actions), slices.Clone(l.Links)
	return l
}

type fakeTx struct {
	s       *fakeStore
	lessons map[int64]lessons.Lesson
	events  []audit.Record
}

func (tx *fakeTx) Now() time.Time { return tx.s.now }

func (tx *fakeTx) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	if !slices.Contains(tx.s.items, nsn) {
		return catalog.Item{}, fault.Errorf(fault.NotFound, "no item %s", nsn)
	}
	return catalog.Item{NSN: nsn}, nil
}

func (tx *fakeTx) Lesson(ctx context.Context, id int64) (lessons.Lesson, error) {
	l, ok := tx.lessons[id]
	if !ok {
		return l, fault.Errorf(fault.NotFound, "no lesson L-%05d", id)
	}
	return clone(l), nil
}

func (tx *fakeTx) CreateLesson(ctx context.Context, l *lessons.Lesson) error {
	tx.s.nextID++
	l.ID, l.Version = tx.s.nextID, 1
	tx.lessons[l.ID] = clone(*l)
	return nil
}

func (tx *fakeTx) UpdateLesson(ctx context.Context, l *lessons.Lesson, version int64) error {
	old, ok := tx.lessons[l.ID]
	if !ok || old.Version != version || tx.s.moved {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", l.Ref(), version)
	}
	old.State, old.Reason, old.Analysis, old.Conclusion, old.Recommendation, old.LearnedAt = l.State, l.Reason, l.Analysis, l.Conclusion, l.Recommendation, l.LearnedAt
	old.Version = version + 1
	tx.lessons[l.ID] = old
	l.Version = old.Version
	return nil
}

func (tx *fakeTx) CreateAction(ctx context.Context, a *lessons.Action) error {
	l, ok := tx.lessons[a.Lesson]
	if !ok {
		return fmt.Errorf("action of no lesson %d", a.Lesson)
	}
	tx.s.nextID++
	a.ID = tx.s.nextID
	l.Actions = append(l.Actions, *a)
	tx.lessons[l.ID] = l
	return nil
}

func (tx *fakeTx) FinishAction(ctx context.Context, a lessons.Action) error {
	l := tx.lessons[a.Lesson]
	for i := range l.Actions {
		if l.Actions[i].ID == a.ID {
			if l.Actions[i].Done() {
				return fault.Errorf(fault.Conflict, "action %d is done already", a.ID)
			}
			l.Actions[i].DoneAt = a.DoneAt
			return nil
		}
	}
	return fmt.Errorf("no action %d of lesson %d", a.ID, a.Lesson)
}

func (tx *fakeTx) CreateLink(ctx context.Context, lesson int64, k lessons.Link) error {
	l := tx.lessons[lesson]
	if slices.Contains(l.Links, k) {
		return fault.Errorf(fault.Conflict, "link already exists")
	}
	l.Links = append(l.Links, k)
	tx.lessons[lesson] = l
	return nil
}

func (tx *fakeTx) seen(kind, ref string) (bool, error) { return tx.s.visible[kind+":"+ref], nil }

func (tx *fakeTx) CourseVisible(ctx context.Context, code string) (bool, error) {
	return tx.seen("course", code)
}

func (tx *fakeTx) PieceVisible(ctx context.Context, id int64) (bool, error) {
	return tx.seen("equipment", fmt.Sprint(id))
}

func (tx *fakeTx) RequirementVisible(ctx context.Context, id int64) (bool, error) {
	return tx.seen("requirement", fmt.Sprint(id))
}

func (tx *fakeTx) RepairFacilityExists(ctx context.Context, site string) (bool, error) {
	return tx.seen("facility", site)
}

func (tx *fakeTx) Audit(ctx context.Context, r audit.Record) error {
	tx.events = append(tx.events, r)
	return nil
}
