package training

// Throughput is what the training delivers.
type Throughput struct {
	// Trained counts the trainees who completed, by the month their class
	// ended, skill and host.
	Trained []TrainedRow `json:"trained"`
	// Seats sets the seats offered against those taken, by the month
	// classes start.
	Seats []SeatsRow `json:"seats"`
	// Waiting counts the trainees of cohorts not yet enrolled, by priority.
	Waiting map[int]int `json:"waiting_by_priority"`
	// Crews sets, per system trained on, the crews trained (cohorts whose
	// trainees all completed) against the pieces in the fleet.
	Crews []CrewRow `json:"crews"`
}

// TrainedRow is one month, skill and host.
type TrainedRow struct {
	Month   string `json:"month"`
	Skill   string `json:"skill"`
	Host    string `json:"host"`
	Trained int    `json:"trained"`
}

// SeatsRow is one month.
type SeatsRow struct {
	Month   string `json:"month"`
	Offered int    `json:"offered"`
	Used    int    `json:"used"`
}

// CrewRow is a system's crews and pieces: a system is crewed only when its
// crew is trained.
type CrewRow struct {
	Skill   string `json:"skill"`
	Crews   int    `json:"crews"`
	Systems int    `json:"systems"`
	Crewed  int    `json:"crewed"`
}

// When a class runs, as ClassFilter.When names it.
const (
	Running  = "running"  // started and not ended by today
	Upcoming = "upcoming" // starts after today
	Ended    = "ended"    // ended before today
)

// ClassWhens lists them.
var ClassWhens = []string{Running, Upcoming, Ended}

// ClassFilter selects classes.
type ClassFilter struct {
	Course string
	Site   string // the course's training facility
	// When, with Today (YYYY-MM-DD), selects the classes not cancelled
	// that run then (ClassOf.RunsWhen).
	When, Today string
}

// RunsWhen says when, of Running, Upcoming and Ended, the class runs as
// of today, or "" for a cancelled class. The store's filter
// ClassFilter.When is this rule written in SQL.
func (c ClassOf) RunsWhen(today string) string {
	switch {
	case c.Cancelled:
		return ""
	case c.Start > today:
		return Upcoming
	case c.End < today:
		return Ended
	}
	return Running
}
