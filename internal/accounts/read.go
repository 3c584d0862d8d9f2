package accounts

// ContributionFilter narrows the list of contributions.
type ContributionFilter struct {
	Nation   string
	Year     int
	Category string
}
