package lessons

import (
	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// Filter narrows a search of lessons.
type Filter struct {
	Q          string // words, all of which must appear
	Capability string
	System     string // an NSN
	State      string
	From, To   string // observed on, YYYY-MM-DD
}

// OverdueAction is an action past its due date, with its lesson.
type OverdueAction struct {
	Action
	Title          string                `json:"title"`
	Classification access.Classification `json:"-"`
}

// Effect compares, for a system a lesson names, the repair orders
// reported per 30 days before and after its last action was done.
type Effect struct {
	System       string `json:"system"`
	Since        string `json:"since"` // the day the last action was done
	DaysBefore   int    `json:"days_before"`
	OrdersBefore int    `json:"orders_before"`
	DaysAfter    int    `json:"days_after"`
	OrdersAfter  int    `json:"orders_after"`
}

// LearningTimes is how long lessons took from observation to learned.
type LearningTimes struct {
	Learned    int `json:"learned"`
	MedianDays int `json:"median_days"`
}

// Check refuses a filter whose dates are not dates, or whose period ends
// before it starts, rather than answering with no lessons.
func (f *Filter) Check() error {
	return Period(&f.From, &f.To, false)
}

// Period checks the observed-on period from..to, each YYYY-MM-DD, and
// writes them back trimmed. With required, both must be given; otherwise
// either may be empty, for an open end.
func Period(from, to *string, required bool) error {
	var errs fault.List
	for _, d := range []struct {
		field string
		v     *string
	}{{"from", from}, {"to", to}} {
		if *d.v == "" {
			if required {
				errs.Add(d.field, "is required: give the period from and to, YYYY-MM-DD")
			}
			continue
		}
		t, err := assist.ParseDate(d.field, *d.v)
		if err != nil {
			errs.Append("", err)
			continue
		}
		*d.v = t
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if *from != "" && *to != "" && *from > *to {
		return fault.Field("to", "%s is before from (%s): the period must not end before it starts", *to, *from)
	}
	return nil
}
