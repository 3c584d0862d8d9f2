package access

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// Role is what a user does in Longhaul.
type Role string

// The roles of DESIGN.md.
const (
	Coordinator      Role = "coordinator"
	NationOfficer    Role = "nation_officer"
	RecipientOfficer Role = "recipient_officer"
	HubOperator      Role = "hub_operator"
	FacilityManager  Role = "facility_manager"
	Analyst          Role = "analyst"
	Auditor          Role = "auditor"
	Admin            Role = "admin"
)

// Roles lists every role.
var Roles = []Role{Coordinator, NationOfficer, RecipientOfficer, HubOperator, FacilityManager, Analyst, Auditor, Admin}

// ParseRoles reads a comma- or space-separated list of roles.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		r := Role(strings.ToLower(strings.TrimSpace(f)))
		if !slices.Contains(Roles, r) {
			return nil, fault.Field("roles", "%q is not a role: use %s", f, joinRoles(Roles))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fault.Field("roles", "name at least one role: %s", joinRoles(Roles))
	}
	slices.Sort(out)
	return out, nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Identity is who a request acts as: a signed-in user, a program holding
// one of the user's tokens, or nobody.
type Identity struct {
	UserID    int64          `json:"user_id"`
	Name      string         `json:"name"`
	Nation    string         `json:"nation"`
	Roles     []Role         `json:"roles"`
	Clearance Classification `json:"clearance"`
	// Site is the site a hub operator or facility manager works at.
	Site string `json:"site,omitempty"`
	// Via says how the identity was established: "session", "token", or
	// "system" for the command line and the demo loader.
	Via string `json:"via"`
	// ProviderMFA says a session's identity provider asked for a second
	// factor at its sign-in, which meets a role's requirement of one.
	ProviderMFA bool `json:"-"`
	// SignedInAt is when a session's user signed in.
	SignedInAt time.Time `json:"-"`
}

// Anonymous is the identity of a request without credentials.
var Anonymous = Identity{}

// System is the identity of the command line and of loaders run by an
// operator on the server itself: every role, every clearance.
var System = Identity{Name: "system", Roles: Roles, Clearance: Secret, Via: "system"}

// SignedIn reports whether the identity is a user or the system.
func (id Identity) SignedIn() bool { return id.Via != "" }

// Has reports whether the identity holds role r.
func (id Identity) Has(r Role) bool { return slices.Contains(id.Roles, r) }

// HasAny reports whether the identity holds any of rs.
func (id Identity) HasAny(rs ...Role) bool {
	for _, r := range rs {
		if id.Has(r) {
			return true
		}
	}
	return false
}

func (id Identity) String() string {
	if !id.SignedIn() {
		return "anonymous"
	}
	return fmt.Sprintf("%s (%s, %s, %s)", id.Name, id.Nation, joinRoles(id.Roles), id.Clearance)
}
