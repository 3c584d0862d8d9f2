// Package assist owns the assistance ledger: the recipient's requirements,
// the nations' pledges and their lines, and the allocations that set pledged
// stock against requirements. Its rules (a line's quantities move through
// pledged ≥ committed ≥ allocated ≥ shipped ≥ delivered ≥ accepted) live here
// once, and every entry point (API, UI, import, planner) goes through them.
//
// It imports nothing of Longhaul's but fault, money, access, audit and catalog.
package assist

import (
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// DateLayout is the layout of a calendar date.
const DateLayout = "2006-01-02"

// ParseDate checks that s is a calendar date written YYYY-MM-DD and returns it.
func ParseDate(field, s string) (string, error) {
	t := strings.TrimSpace(s)
	if _, err := time.Parse(DateLayout, t); err != nil {
		return "", fault.Field(field, "%q is not a date: write YYYY-MM-DD", s)
	}
	return t, nil
}

// MaxDescription and MaxReference bound a pledge's description and its
// sources: long enough for what public trackers say of a pledge and for
// several sources, one a line, short enough for every list and export.
const (
	MaxDescription = 10_000
	MaxReference   = 4_000
)

// FirstYear and LastYear bound the dates of pledges and requirements: the
// assistance this ledger holds began in 2014, and a year outside these is
// a typo (2922 for 2022), refused rather than stored.
const FirstYear, LastYear = 2000, 2100

// Plausible refuses a date (YYYY-MM-DD, already parsed) outside FirstYear
// to LastYear, saying which field and why.
func Plausible(field, d string) error {
	if len(d) < 4 {
		return nil
	}
	if y, err := strconv.Atoi(d[:4]); err == nil && (y < FirstYear || y > LastYear) {
		return fault.Field(field, "%s is not a plausible date: the year must be from %d to %d; check for a typo", d, FirstYear, LastYear)
	}
	return nil
}

// Pledge kinds, channels and the pledge's counting categories.
var (
	// AidTypes and Instruments tell aid apart as the public trackers do;
	// the first of each is the default.
	AidTypes    = []string{"military", "financial", "humanitarian"}
	Instruments = []string{"grant", "loan", "guarantee"}
	Kinds       = []string{"in_kind", "funds", "procurement", "training", "repair", "services"}
	// Channels are the ways a pledge reaches Ukraine. The EU's instruments
	// are channels of the EU's own pledges (nation EUU), so that what the
	// member states pay into them is not counted a second time as theirs.
	Channels   = []string{"bilateral", "nato", "multilateral", "trust_fund", "coalition", "european_peace_facility", "ukraine_facility", "eib"}
	Categories = []string{
		"equipment_purchase",      // purchase of military equipment
		"in_kind",                 // in-kind support donated
		"maintenance_logistics",   // maintenance, logistics and transport of equipment
		"training",                // military training
		"operational",             // operational costs of military support
		"infrastructure_industry", // investment in Ukraine's defence infrastructure and industry
		"trust_fund",              // contributions to NATO trust funds for Ukraine
	}
)

// EUInstrument reports whether channel is one of the EU's instruments,
// through which only the EU itself pledges.
func EUInstrument(channel string) bool {
	switch channel {
	case "european_peace_facility", "ukraine_facility", "eib":
		return true
	}
	return false
}

// Label turns a code such as "maintenance_logistics" into words for people.
func Label(code string) string {
	switch code {
	case "nato":
		return "NATO"
	case Report:
		return "Report delivered (the donor's figure)"
	case Disclose:
		return "Disclose the quantity"
	case "maintenance_logistics":
		return "Maintenance, logistics and transport"
	case "infrastructure_industry":
		return "Defence infrastructure and industry"
	case "trust_fund":
		return "NATO trust fund"
	case "european_peace_facility":
		return "European Peace Facility"
	case "ukraine_facility":
		return "Ukraine Facility (EU)"
	case "eib":
		return "European Investment Bank"
	case "equipment_purchase":
		return "Equipment purchase"
	case ReqReceived:
		return "Received, awaiting acceptance"
	}
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
