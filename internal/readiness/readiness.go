// Package readiness keeps the capability packages coordinators define, one
// per system Ukraine fields (an air-defence battery, a tank company): the
// items and their quantities, the trained crews and the repair facility a
// system needs before it counts as ready capability. Its rule (Assess)
// says how many complete systems are ready, element by element what is
// there and what is missing, and what is planned to close each gap and
// by when, from the facts of the ledger, the equipment register, the
// repair pipeline and the training that the store reads for the reader.
//
// Service holds the use cases, each one transaction through the Tx port
// the store implements, and the reads through the Reader port. The
// package knows no SQL and no HTTP: it never imports store or web.
package readiness

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/text"
)

// The kinds of element of a package.
const (
	// Item is an item of the catalogue, by NSN, or any item of an
	// interchangeability group, and how many units each system needs.
	Item = "item"
	// Crew is trained crews: of a course (by its code) or of a system (the
	// skill courses train, an NSN or group), and how many each system
	// needs. A crew is a cohort whose every trainee completed.
	Crew = "crew"
	// Facility is allied repair facilities competent for a system (an NSN
	// or group), and how many there must be. A facility serves every
	// system of the package: it is a condition, not a quantity per system.
	Facility = "facility"
)

// Kinds lists the kinds of element.
var Kinds = []string{Item, Crew, Facility}

// owner is the nation a package belongs to, for its releasability: the
// capability is Ukraine's, as its requirements are.
const owner = "UKR"

// Limits of a package.
const (
	MaxElements = 50
	MaxWanted   = 10_000
	MaxQuantity = 1_000_000_000
)

// Element is one thing a system needs.
type Element struct {
	Kind string `json:"kind"`
	// Target is what the element names: an NSN or group for an item or a
	// facility, a course code or a skill for crews.
	Target string `json:"target"`
	// Quantity is how many each system needs (items, crews), or how many
	// competent facilities there must be.
	Quantity int64 `json:"quantity"`
	// Label says what the element is in the package, e.g. "launchers".
	Label string `json:"label,omitempty"`
}

// Package is a capability package: what one system needs, and how many
// systems Ukraine is to field.
type Package struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Capability string `json:"capability,omitempty"`
	// Wanted is how many systems of the package are to be fielded; what is
	// missing is counted against it.
	Wanted int64  `json:"wanted"`
	Notes  string `json:"notes,omitempty"`
	access.Marking
	Elements  []Element `json:"elements"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

// Ref is the package's reference as people write it.
func (p Package) Ref() string { return fmt.Sprintf("CP-%05d", p.ID) }

// AuditMarking is the owner and marking of the package.
func (p Package) AuditMarking() (string, access.Marking) { return owner, p.Marking }

// Owner is the nation the package belongs to, for releasability.
func (p Package) Owner() string { return owner }

// ParseRef reads a package's id from "CP-00012" or "12".
func ParseRef(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "CP-"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Errorf(fault.NotFound, "%q is not a capability package such as CP-00012", s)
	}
	return id, nil
}

// Validate checks the package's own fields and elements, all at once,
// and writes them back trimmed: a kind in lower case, an NSN, group or
// course code in upper case. Whether the targets exist is the use case's
// to check (see Service.Check).
func (p *Package) Validate() error {
	var errs fault.List
	p.Name, p.Notes = text.TrimBlank(p.Name), strings.TrimSpace(p.Notes)
	switch {
	case p.Name == "":
		errs.Add("name", "is required: say what system the package is, e.g. IRIS-T SLM battery")
	case len(p.Name) > 200:
		errs.Add("name", "is longer than 200 characters")
	}
	p.Capability = strings.ToLower(strings.TrimSpace(p.Capability))
	if p.Capability != "" && !slices.Contains(catalog.CapabilityAreas, p.Capability) {
		errs.Add("capability", "%q is not a capability area: use one of %s", p.Capability, strings.Join(catalog.CapabilityAreas, ", "))
	}
	if p.Wanted < 1 || p.Wanted > MaxWanted {
		errs.Add("wanted", "%d is not a number of systems from 1 to %d", p.Wanted, MaxWanted)
	}
	if len(p.Elements) == 0 {
		errs.Add("elements", "name at least one element: an item, crews or a repair facility")
	}
	if len(p.Elements) > MaxElements {
		errs.Add("elements", "%d elements are more than %d", len(p.Elements), MaxElements)
	}
	seen := map[string]int{}
	counted := false
	for i := range p.Elements {
		e := &p.Elements[i]
		f := fmt.Sprintf("elements[%d]", i)
		errs.Append(f, e.Validate())
		if e.Kind != Facility {
			counted = true
		}
		key := e.Kind + " " + e.Target
		if j, dup := seen[key]; dup && e.Target != "" {
			errs.Add(f+".target", "%s %s is element %d already: give its quantity once", e.Kind, e.Target, j+1)
		} else {
			seen[key] = i
		}
	}
	if len(p.Elements) > 0 && !counted {
		errs.Add("elements", "name at least one item or crews a system needs: a repair facility alone counts no system")
	}
	return errs.Err()
}

// Validate checks an element's own fields; field names are relative to
// the element.
func (e *Element) Validate() error {
	var errs fault.List
	e.Kind = strings.ToLower(strings.TrimSpace(e.Kind))
	errs.OneOf("kind", e.Kind, Kinds)
	e.Target = text.TrimBlank(e.Target)
	if e.Kind != Crew {
		e.Target = strings.ToUpper(e.Target)
	}
	switch {
	case e.Target == "" && e.Kind == Crew:
		errs.Add("target", "name the course (its code) or the system (NSN or group) the crews are trained for")
	case e.Target == "":
		errs.Add("target", "name the item or system by its NSN or interchangeability group")
	case len(e.Target) > 60:
		errs.Add("target", "is longer than 60 characters")
	}
	if e.Quantity < 1 || e.Quantity > MaxQuantity {
		errs.Add("quantity", "%d is not a quantity from 1 to %d", e.Quantity, MaxQuantity)
	}
	e.Label = text.TrimBlank(e.Label)
	if len(e.Label) > 100 {
		errs.Add("label", "is longer than 100 characters")
	}
	return errs.Err()
}

// Define makes p a package defined by id, whom the audit trail names
// actor, at at: marked no higher than their clearance, since nobody
// defines what they could not read back.
func (p *Package) Define(id access.Identity, actor string, at time.Time) error {
	if p.Classification > id.Clearance {
		return fault.Field("classification", "%s is above your clearance (%s)", p.Classification, id.Clearance)
	}
	p.CreatedBy, p.CreatedAt, p.UpdatedAt = actor, at, at
	return nil
}

// Change returns old with the definition of p, changed at at: its id,
// author and creation stay.
func (old Package) Change(p Package, id access.Identity, at time.Time) (Package, error) {
	if p.Classification > id.Clearance {
		return old, fault.Field("classification", "%s is above your clearance (%s)", p.Classification, id.Clearance)
	}
	n := old
	n.Name, n.Capability, n.Wanted, n.Notes, n.Marking = p.Name, p.Capability, p.Wanted, p.Notes, p.Marking
	n.Elements = slices.Clone(p.Elements)
	n.UpdatedAt = at
	return n, nil
}
