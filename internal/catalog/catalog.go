// Package catalog owns the reference records everything else points at:
// nations, sites, supply classes and items identified by NATO Stock Number.
//
// It imports nothing of Longhaul's but fault and money.
package catalog

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/text"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Nation roles.
const (
	RoleAlly        = "ally"
	RolePartner     = "partner"
	RoleRecipient   = "recipient"
	RoleInstitution = "institution"
	// RoleCountry is any other country of ISO 3166-1: it may pledge, but
	// none of its people have accounts here, so no record is released to it.
	RoleCountry = "country"
)

// Roles lists the nation roles.
var Roles = []string{RoleAlly, RolePartner, RoleRecipient, RoleInstitution, RoleCountry}

// HasUsers reports whether people of the nation may have accounts, and so
// whether records may be released to it: every nation but a country.
func (n Nation) HasUsers() bool { return n.Role != RoleCountry }

// Nation is an ally, partner, recipient, institution (the EU) or any other
// country, by its code: ISO 3166-1 alpha-3, or EUU for the European Union.
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

// MaxMassG is the most one unit of an item may weigh: 1,000 t, more than
// any vehicle, boat or bridge Longhaul carries, so that a quantity of it
// (at most assist.MaxQuantity) weighs no more than 10^18 g and a product
// mass × quantity never overflows an int64.
const MaxMassG = 1_000_000_000

// MaxVolumeCM3 is the most space one unit may take: 1,000,000 m³.
const MaxVolumeCM3 = 1_000_000_000_000

// MaxLoadG is the most any quantity of goods may weigh: one line, one
// shipment, one hub's stock of an item, and every pledge together: 10^15 g,
// a billion tonnes, a thousand times all the materiel sent to Ukraine, and
// nine thousand times below where an int64 sum overflows, so that the
// tonnage of a hub or of the whole network stays exact.
const MaxLoadG = 1_000_000_000_000_000

// ErrTooHeavy is returned by MassOf for goods above MaxLoadG.
var ErrTooHeavy = errors.New("would weigh more than 1,000,000,000 t")

// MassOf returns the mass of q units of the item, refusing more than
// MaxLoadG (and a negative quantity's mass is that of its size).
func (it Item) MassOf(q int64) (int64, error) {
	q = max(q, -q)
	if it.MassG < 0 || it.MassG > MaxMassG || q < 0 {
		return 0, ErrTooHeavy
	}
	if it.MassG != 0 && q > MaxLoadG/it.MassG {
		return 0, ErrTooHeavy
	}
	return it.MassG * q, nil
}

// CheckLoad verifies that, at the item's mass a unit, the units pledged of
// it beside others (what the rest of the pledged goods weigh) and the most
// units any hub holds of it (stocked) stay within MaxLoadG, naming mass_kg.
// The store calls it when an item's mass grows, which makes every quantity
// of it already recorded heavier.
func (it Item) CheckLoad(others, pledged, stocked int64) error {
	m, err := it.MassOf(pledged)
	if err == nil {
		_, err = AddMass(others, m)
	}
	if err == nil {
		_, err = it.MassOf(stocked)
	}
	if err != nil {
		return fault.Field("mass_kg", "at %s kg a unit, the goods pledged or held at a hub %v", money.FormatDecimal(it.MassG, 3), err)
	}
	return nil
}

// AddMass returns a + b, refusing a sum above MaxLoadG.
func AddMass(a, b int64) (int64, error) {
	if a < 0 || b < 0 || a > MaxLoadG || b > MaxLoadG-a {
		return 0, ErrTooHeavy
	}
	return a + b, nil
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
	} else if it.MassG > MaxMassG {
		errs.Add("mass_kg", "must be at most 1000000 kg (1,000 t) a unit")
	}
	if it.VolumeCM3 < 0 {
		errs.Add("volume_m3", "must not be negative")
	} else if it.VolumeCM3 > MaxVolumeCM3 {
		errs.Add("volume_m3", "must be at most 1000000 m³ a unit")
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
