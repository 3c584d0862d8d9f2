// Package sso owns single sign-on with OpenID Connect: the relying party
// (discovery, the authorization code flow with PKCE, ID-token checks,
// RP-initiated sign-out) and the rules that turn a provider's claims into
// Longhaul's roles, nation, clearance and site. It holds no SQL and no
// HTTP handlers; provisioning and linking accounts is a use case of
// access.
package sso

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Rules are the ordered claim-mapping rules of a rules file. The first
// rule whose conditions all hold decides everything a user is granted;
// later rules are not consulted, so that what someone gets is always what
// one rule, read on its own, says.
type Rules struct {
	// Contact is whom a person with no matching rule should ask, shown on
	// the refusal page.
	Contact string `json:"contact"`
	Rules   []Rule `json:"rules"`
}

// Rule grants roles, a nation, a clearance and a site to whoever's claims
// meet all its conditions.
type Rule struct {
	Name string `json:"name"`
	// When maps a claim name to the values of which the claim must hold
	// one (a string claim equal to it, or a list claim containing it).
	When map[string]Values `json:"when"`
	// Roles are the roles granted, all of them.
	Roles []string `json:"roles"`
	// Nation is the nation granted; NationFrom names the claim that holds
	// it instead. Exactly one of the two is given.
	Nation     string `json:"nation,omitempty"`
	NationFrom string `json:"nation_from,omitempty"`
	// Clearance is the clearance granted, and the highest one the rule
	// grants: with ClearanceFrom, the claim's clearance is granted when it
	// is lower, and Clearance when the claim's is higher.
	Clearance     string `json:"clearance"`
	ClearanceFrom string `json:"clearance_from,omitempty"`
	// Site is the work site granted (hub operators, facility managers);
	// SiteFrom names the claim that holds it instead. Both may be absent.
	Site     string `json:"site,omitempty"`
	SiteFrom string `json:"site_from,omitempty"`

	roles     []access.Role
	clearance access.Classification
}

// Values is one value or a list of them, as a rules file writes either.
type Values []string

// UnmarshalJSON reads a string or a list of strings.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*v = Values{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a condition is a string or a list of strings")
	}
	*v = many
	return nil
}

// Grant is what the rules give one person.
type Grant struct {
	Rule      string
	Roles     []access.Role
	Nation    string
	Clearance access.Classification
	Site      string
}

// LoadRules reads and checks a rules file.
func LoadRules(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc rules: %w", err)
	}
	rs, err := ParseRules(b)
	if err != nil {
		return nil, fmt.Errorf("oidc rules %s: %w", path, err)
	}
	return rs, nil
}

var nationCode = regexp.MustCompile(`^[A-Z]{3}$`)

// ParseRules reads rules written as JSON and checks each of them: a rule
// with no condition, an unknown role or clearance, no nation or two, or
// a field the format does not have is refused, naming the rule.
func ParseRules(b []byte) (*Rules, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rs Rules
	if err := dec.Decode(&rs); err != nil {
		return nil, err
	}
	if len(rs.Rules) == 0 {
		return nil, fmt.Errorf("no rules: nobody could sign in")
	}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		where := fmt.Sprintf("rules[%d]", i)
		if r.Name != "" {
			where += " (" + r.Name + ")"
		} else {
			r.Name = fmt.Sprintf("rule %d", i+1)
		}
		if len(r.When) == 0 {
			return nil, fmt.Errorf("%s: give at least one condition in \"when\"", where)
		}
		for claim, vs := range r.When {
			if strings.TrimSpace(claim) == "" || len(vs) == 0 {
				return nil, fmt.Errorf("%s: the condition on %q names no value", where, claim)
			}
		}
		roles, err := access.ParseRoles(strings.Join(r.Roles, ","))
		if err != nil {
			return nil, fmt.Errorf("%s: %s", where, fault.As(err).Message)
		}
		r.roles = roles
		if (r.Nation == "") == (r.NationFrom == "") {
			return nil, fmt.Errorf("%s: give either \"nation\" or \"nation_from\"", where)
		}
		if r.Nation != "" {
			r.Nation = strings.ToUpper(strings.TrimSpace(r.Nation))
			if !nationCode.MatchString(r.Nation) {
				return nil, fmt.Errorf("%s: nation %q is not an ISO 3166-1 alpha-3 code", where, r.Nation)
			}
		}
		if strings.TrimSpace(r.Clearance) == "" {
			return nil, fmt.Errorf("%s: give \"clearance\", the highest clearance the rule grants", where)
		}
		if r.clearance, err = access.ParseClassification(r.Clearance); err != nil {
			return nil, fmt.Errorf("%s: %s", where, fault.As(err).Message)
		}
		if r.Site != "" && r.SiteFrom != "" {
			return nil, fmt.Errorf("%s: give \"site\" or \"site_from\", not both", where)
		}
		r.Site = strings.ToUpper(strings.TrimSpace(r.Site))
	}
	return &rs, nil
}

// NoRule is the refusal of someone whose claims meet no rule.
type NoRule struct{ Contact string }

func (e *NoRule) Error() string {
	return "your account at the provider is not given any access to Longhaul"
}

// Map returns what the first rule that claims meet grants. Someone no
// rule matches gets *NoRule; a nation, site or clearance claim a rule
// reads that is missing or is not one is refused with an Invalid fault
// naming the claim. Nothing granted is ever above what the rule says.
func (rs *Rules) Map(claims map[string]any) (Grant, error) {
	for _, r := range rs.Rules {
		if !r.matches(claims) {
			continue
		}
		g := Grant{Rule: r.Name, Roles: append([]access.Role(nil), r.roles...), Nation: r.Nation, Clearance: r.clearance, Site: r.Site}
		if r.NationFrom != "" {
			v, ok := claims[r.NationFrom].(string)
			n := strings.ToUpper(strings.TrimSpace(v))
			if !ok || !nationCode.MatchString(n) {
				return Grant{}, badClaim(r.NationFrom, claims[r.NationFrom], "a nation code such as DEU")
			}
			g.Nation = n
		}
		if r.ClearanceFrom != "" {
			v, ok := claims[r.ClearanceFrom].(string)
			if !ok || strings.TrimSpace(v) == "" {
				return Grant{}, badClaim(r.ClearanceFrom, claims[r.ClearanceFrom], "a clearance such as NATO SECRET")
			}
			c, err := access.ParseClassification(v)
			if err != nil {
				return Grant{}, badClaim(r.ClearanceFrom, v, "a clearance such as NATO SECRET")
			}
			g.Clearance = min(c, r.clearance)
		}
		if r.SiteFrom != "" {
			v, ok := claims[r.SiteFrom].(string)
			if !ok || strings.TrimSpace(v) == "" {
				return Grant{}, badClaim(r.SiteFrom, claims[r.SiteFrom], "a site code such as PL-RZE")
			}
			g.Site = strings.ToUpper(strings.TrimSpace(v))
		}
		return g, nil
	}
	return Grant{}, &NoRule{Contact: rs.Contact}
}

// badClaim refuses a claim a rule reads that is missing or is not what
// the rule needs.
func badClaim(name string, v any, what string) error {
	if v == nil {
		return fault.Field(name, "the provider sent no %s claim, which must hold %s", name, what)
	}
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		b = append(b[:57], "..."...)
	}
	return fault.Field(name, "the provider's %s claim %s is not %s", name, b, what)
}

// matches reports whether every condition of r holds for claims.
func (r Rule) matches(claims map[string]any) bool {
	for name, want := range r.When {
		if !holds(claims[name], want) {
			return false
		}
	}
	return true
}

// holds reports whether a claim's value (a string, a list, a boolean or a
// number, as JSON gives them) is, or contains, one of want.
func holds(claim any, want Values) bool {
	switch c := claim.(type) {
	case []any:
		for _, e := range c {
			if holds(e, want) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range c {
			if holds(e, want) {
				return true
			}
		}
		return false
	case string:
		for _, w := range want {
			if c == w {
				return true
			}
		}
	case bool, float64, json.Number:
		s := fmt.Sprint(c)
		for _, w := range want {
			if s == w {
				return true
			}
		}
	}
	return false
}
