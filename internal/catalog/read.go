package catalog

// NationFilter selects nations.
type NationFilter struct {
	Role string
	Q    string
}

// SiteFilter selects sites.
type SiteFilter struct {
	Nation string
	Kind   string
	Q      string
}

// ItemFilter selects items.
type ItemFilter struct {
	Capability  string
	SupplyClass string
	Group       string
	Q           string
}
