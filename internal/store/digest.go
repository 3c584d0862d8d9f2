package store

import (
	"context"

	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
)

// LessonsObserved lists, with their actions, the lessons the reader may
// see observed from from to to (and of one capability area when
// capability is set), the earliest first: the content of a digest.
func (db *DB) LessonsObserved(ctx context.Context, from, to, capability string) ([]lessons.Lesson, error) {
	var out []lessons.Lesson
	o := list.Options{Limit: list.MaxLimit, Sort: "observed"}
	for {
		p, err := db.SearchLessons(ctx, lessons.Filter{From: from, To: to, Capability: capability}, o)
		if err != nil {
			return nil, err
		}
		for _, l := range p.Items {
			full, err := db.Lesson(ctx, l.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, full)
		}
		if p.Next == "" {
			return out, nil
		}
		o.Cursor = p.Next
	}
}
