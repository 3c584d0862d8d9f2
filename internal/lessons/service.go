package lessons

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the lessons process needs from storage inside one
// transaction. Lookups return a fault.NotFound error for a missing record
// and do not filter by the reader: the use cases decide who may see what.
// The Visible lookups are the exception: they answer whether the reader in
// ctx may see a record of another domain, by that domain's rules.
type Tx interface {
	Now() time.Time
	Item(ctx context.Context, nsn string) (catalog.Item, error)

	// Lesson reads a lesson with its actions and links.
	Lesson(ctx context.Context, id int64) (Lesson, error)
	// CreateLesson stores a submitted lesson and sets its id and version.
	CreateLesson(ctx context.Context, l *Lesson) error
	// UpdateLesson writes the lesson's state and findings if its stored
	// version is version, and sets its new version; otherwise it returns a
	// fault.Conflict error.
	UpdateLesson(ctx context.Context, l *Lesson, version int64) error
	// CreateAction stores a remedial action and sets its id.
	CreateAction(ctx context.Context, a *Action) error
	// FinishAction records that an action of its lesson is done at its
	// DoneAt; an action done already is a fault.Conflict error.
	FinishAction(ctx context.Context, a Action) error
	// CreateLink ties a lesson to a record; the same link twice is a
	// fault.Conflict error.
	CreateLink(ctx context.Context, lesson int64, k Link) error

	CourseVisible(ctx context.Context, code string) (bool, error)
	PieceVisible(ctx context.Context, id int64) (bool, error)
	RequirementVisible(ctx context.Context, id int64) (bool, error)
	RepairFacilityExists(ctx context.Context, site string) (bool, error)

	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction: it commits when fn returns nil
// and rolls back otherwise, so a use case's change and its audit event are
// written together or not at all.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the use cases of the lessons process.
type Service struct {
	Store Store
}

// may refuses an actor who may not use p at all.
func may(ctx context.Context, p access.Permission) error {
	return access.Check(access.IdentityFrom(ctx), p)
}

// lesson reads a lesson the actor may see; one they may not is not found,
// so that a refusal does not tell that it exists.
func lesson(ctx context.Context, tx Tx, id int64) (Lesson, error) {
	l, err := tx.Lesson(ctx, id)
	if err != nil {
		return l, err
	}
	if me := access.IdentityFrom(ctx); !access.Allowed(me, access.LessonRead) || !me.CanSee(l.Owner, l.Marking) {
		return Lesson{}, fault.Errorf(fault.NotFound, "no lesson %s", l.Ref())
	}
	return l, nil
}

// Submit records an observation, marked as its submitter says, owned by the
// submitter's nation. The systems it names must be in the catalogue.
func (s *Service) Submit(ctx context.Context, l Lesson) (Lesson, error) {
	if err := may(ctx, access.LessonSubmit); err != nil {
		return l, err
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		n := l
		if err := n.Submit(access.IdentityFrom(ctx), access.ActorName(ctx), tx.Now()); err != nil {
			return err
		}
		var errs fault.List
		for i, nsn := range n.Systems {
			if _, err := tx.Item(ctx, nsn); fault.Code(err) == fault.NotFound {
				errs.Add(fmt.Sprintf("systems[%d]", i), "no item with NSN %s in the catalogue", nsn)
			} else if err != nil {
				return err
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := tx.CreateLesson(ctx, &n); err != nil {
			return err
		}
		l = n
		return tx.Audit(ctx, audit.Record{Action: "lesson.submit", Entity: "lesson", EntityID: audit.ID(l.ID), After: l})
	})
	return l, err
}

// Advance takes a lesson one step on (see Lesson.Advance). A version other
// than zero must be the lesson's current one.
func (s *Service) Advance(ctx context.Context, id, version int64, st Step) (Lesson, error) {
	if err := may(ctx, access.LessonAnalyse); err != nil {
		return Lesson{}, err
	}
	var out Lesson
	err := s.Store.Transact(ctx, func(tx Tx) error {
		before, err := lesson(ctx, tx, id)
		if err != nil {
			return err
		}
		if version != 0 && version != before.Version {
			return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d: reload and try again", before.Ref(), version)
		}
		l := before
		if err := l.Advance(st, tx.Now()); err != nil {
			return err
		}
		if err := tx.UpdateLesson(ctx, &l, before.Version); err != nil {
			return err
		}
		out = l
		return tx.Audit(ctx, audit.Record{Action: "lesson." + st.To, Entity: "lesson", EntityID: audit.ID(l.ID), Before: before, After: l})
	})
	return out, err
}

// AddAction assigns a remedial action to an identified lesson, with its
// owner and due date; the first one makes the lesson actioned.
func (s *Service) AddAction(ctx context.Context, lessonID int64, a Action) (Action, error) {
	if err := may(ctx, access.LessonAnalyse); err != nil {
		return a, err
	}
	if err := a.Validate(); err != nil {
		return a, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		before, err := lesson(ctx, tx, lessonID)
		if err != nil {
			return err
		}
		l := before
		n := a
		n.DoneAt = nil
		if err := l.Assign(&n); err != nil {
			return err
		}
		if err := tx.CreateAction(ctx, &n); err != nil {
			return err
		}
		if l.State != before.State {
			if err := tx.UpdateLesson(ctx, &l, before.Version); err != nil {
				return err
			}
		}
		a = n
		return tx.Audit(ctx, audit.Record{Action: "lesson.action", Entity: "lesson", EntityID: audit.ID(l.ID), After: a})
	})
	return a, err
}

// ActionDone records that an action of a lesson is done.
func (s *Service) ActionDone(ctx context.Context, lessonID, action int64) (Action, error) {
	if err := may(ctx, access.LessonAnalyse); err != nil {
		return Action{}, err
	}
	var out Action
	err := s.Store.Transact(ctx, func(tx Tx) error {
		l, err := lesson(ctx, tx, lessonID)
		if err != nil {
			return err
		}
		a, err := l.Finish(action, tx.Now())
		if err != nil {
			return err
		}
		if err := tx.FinishAction(ctx, a); err != nil {
			return err
		}
		out = a
		return tx.Audit(ctx, audit.Record{Action: "lesson.action_done", Entity: "lesson", EntityID: audit.ID(l.ID), After: a})
	})
	return out, err
}

// Link ties a lesson to a record it should change; the record must exist
// and the linker be able to see it.
func (s *Service) Link(ctx context.Context, lessonID int64, k Link) error {
	if err := may(ctx, access.LessonAnalyse); err != nil {
		return err
	}
	if err := k.Normalize(); err != nil {
		return err
	}
	return s.Store.Transact(ctx, func(tx Tx) error {
		l, err := lesson(ctx, tx, lessonID)
		if err != nil {
			return err
		}
		var seen bool
		switch k.Kind {
		case "course":
			seen, err = tx.CourseVisible(ctx, k.Ref)
		case "equipment":
			seen, err = tx.PieceVisible(ctx, k.ID())
		case "facility":
			seen, err = tx.RepairFacilityExists(ctx, k.Ref)
		case "requirement":
			seen, err = tx.RequirementVisible(ctx, k.ID())
		}
		if err != nil {
			return err
		}
		if !seen {
			return k.Unseen()
		}
		if err := tx.CreateLink(ctx, l.ID, k); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "lesson.link", Entity: "lesson", EntityID: audit.ID(l.ID), After: k})
	})
}
