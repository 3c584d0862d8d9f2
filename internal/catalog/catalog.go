// Package catalog owns the reference records everything else points at:
// nations, sites, supply classes and items identified by NATO Stock Number.
//
// It imports nothing of Longhaul's but fault and money.
package catalog

import (
	"github.com/longhaul/longhaul/internal/text"
	"regexp"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Nation roles.
const (
	RoleAlly        = "ally"
	RolePartner     = "partner"
	RoleRecipient   = "recipient"
	RoleInstitution = "institution"
)

// Nation is an ally, partner, recipient or institution (the EU) by its code:
// ISO 3166-1 alpha-3, or EUU for the European Union.
type Nation struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	MemberSince string `json:"member_since,omitempty"` // accession date, allies only
	EUMember    bool   `json:"eu_member"`
	// InBaseline says whether the nation takes part in the baseline pledge.
	InBaseline bool         `json:"in_baseline"`
	Years      []NationYear `json:"years,omitempty"`
}

// NationYear holds NATO's published economic figures for one nation and year.
type NationYear struct {
	Year     int  `json:"year"`
	Estimate bool `json:"estimate"`
	// GDPUSD and DefenceUSD are current-price US dollars, whole units.
	GDPUSD     int64 `json:"gdp_usd"`
	DefenceUSD int64 `json:"defence_usd"`
	// DefencePPM is defence expenditure as a share of GDP in parts per
	// million (2% is 20000), NATO's official figure.
	DefencePPM int64 `json:"defence_ppm"`
}

// Site kinds.
var SiteKinds = []string{"headquarters", "donor_depot", "logistics_hub", "delivery_point", "repair_facility", "training_facility", "lessons_centre"}

// Site is a place with a nation, coordinates and one or more kinds.
type Site struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Nation string   `json:"nation"`
	Kinds  []string `json:"kinds"`
	// Lat and Lon are in micro-degrees so that no float is stored.
	LatE6 int64  `json:"lat_e6"`
	LonE6 int64  `json:"lon_e6"`
	Notes string `json:"notes,omitempty"`
}

// HasKind reports whether the site is of kind k.
func (s Site) HasKind(k string) bool {
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Capability areas an item belongs to.
var CapabilityAreas = []string{"air_defence", "artillery", "armour", "ammunition", "aviation", "engineering", "demining", "drones", "electronic_warfare", "communications", "medical", "logistics", "maritime", "small_arms", "other"}

// Item is a catalogue entry identified by its NATO Stock Number.
type Item struct {
	NSN         string      `json:"nsn"`
	Name        string      `json:"name"`
	SupplyClass string      `json:"supply_class"`
	Capability  string      `json:"capability"`
	UnitOfIssue string      `json:"unit_of_issue"`
	UnitValue   money.Cents `json:"unit_value"`
	MassG       int64       `json:"mass_g"`     // grams per unit
	VolumeCM3   int64       `json:"volume_cm3"` // cubic centimetres per unit
	Group       string      `json:"group,omitempty"`
	Version     int64       `json:"version"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

var nsnPattern = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{3})-([0-9]{4})$`)

// ParseNSN checks that s is a NATO Stock Number, NNNN-NN-NNN-NNNN, whose first
// four digits are a supply class, and returns it in canonical form. A
// thirteen-digit number without dashes is accepted too.
func ParseNSN(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) == 13 && strings.Trim(t, "0123456789") == "" {
		t = t[:4] + "-" + t[4:6] + "-" + t[6:9] + "-" + t[9:]
	}
	m := nsnPattern.FindStringSubmatch(t)
	if m == nil {
		return "", fault.Field("nsn", "%q is not a NATO Stock Number: write NNNN-NN-NNN-NNNN (supply class, bureau, item number)", s)
	}
	if _, ok := SupplyClassByCode(m[1]); !ok {
		return "", fault.Field("nsn", "%q: %s is not a NATO supply class", s, m[1])
	}
	return t, nil
}

var unitsOfIssue = map[string]bool{"EA": true, "RD": true, "BX": true, "CS": true, "KT": true, "SE": true, "PG": true, "LT": true, "KG": true, "M": true, "PR": true, "DZ": true, "PL": true, "TN": true}

// UnitsOfIssue lists the accepted unit-of-issue codes.
func UnitsOfIssue() []string {
	return []string{"EA", "RD", "BX", "CS", "KT", "SE", "PG", "PR", "DZ", "PL", "LT", "KG", "M", "TN"}
}

// Validate checks an item and normalises its fields, reporting every problem.
func (it *Item) Validate() error {
	var errs fault.List
	nsn, err := ParseNSN(it.NSN)
	if err != nil {
		errs.Append("", err)
	} else {
		it.NSN = nsn
		it.SupplyClass = nsn[:4]
	}
	it.Name = text.TrimBlank(it.Name)
	if it.Name == "" {
		errs.Add("name", "is required")
	} else if len(it.Name) > 200 {
		errs.Add("name", "is longer than 200 characters")
	}
	if it.Capability == "" {
		it.Capability = "other"
	}
	if !contains(CapabilityAreas, it.Capability) {
		errs.Add("capability", "%q is not a capability area: use one of %s", it.Capability, strings.Join(CapabilityAreas, ", "))
	}
	it.UnitOfIssue = strings.ToUpper(strings.TrimSpace(it.UnitOfIssue))
	if it.UnitOfIssue == "" {
		it.UnitOfIssue = "EA"
	}
	if !unitsOfIssue[it.UnitOfIssue] {
		errs.Add("unit_of_issue", "%q is not a unit of issue: use one of %s", it.UnitOfIssue, strings.Join(UnitsOfIssue(), ", "))
	}
	if it.UnitValue < 0 {
		errs.Add("unit_value", "must not be negative")
	} else if _, err := it.UnitValue.Checked(); err != nil {
		errs.Add("unit_value", "%v", err)
	}
	if it.MassG < 0 {
		errs.Add("mass_kg", "must not be negative")
	}
	if it.VolumeCM3 < 0 {
		errs.Add("volume_m3", "must not be negative")
	}
	it.Group = strings.TrimSpace(it.Group)
	if len(it.Group) > 80 {
		errs.Add("group", "is longer than 80 characters")
	}
	return errs.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
