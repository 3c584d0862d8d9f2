package assist

// RequirementFilter selects requirements.
type RequirementFilter struct {
	State    string // a state, or "active" for open, partly allocated and allocated
	Priority int
	NSN      string
	Group    string
	Site     string
	Q        string
	Overdue  string // a date: need-by before it and not fulfilled
}

// PledgeFilter selects pledges.
type PledgeFilter struct {
	Nation     string
	Kind       string
	Channel    string
	Category   string
	Aid        string
	Instrument string
	State      string
	Q          string
	Overdue    string // a date: pledges with a line promised before it and not delivered
	// PromisedFrom and PromisedTo bound the promised date, inclusive.
	PromisedFrom, PromisedTo string
	// Capability selects pledges with a line of an item of this
	// capability area: with Overdue, a line of it not delivered.
	Capability string
	// ToCommit selects the pledges with a line that has something to
	// commit (Line.ToCommit), ToAccept those with a line that has
	// something delivered to accept (Line.ToAccept).
	ToCommit, ToAccept bool
	// Among, when not nil, keeps only the pledges of these ids: the
	// pledges with a line at risk, as internal/forecast finds them.
	Among []int64
}

// PlanFilter narrows the list of saved plans.
type PlanFilter struct {
	State string
}
