package lessons

import "github.com/longhaul/longhaul/internal/access"

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
