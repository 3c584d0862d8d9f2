package sso

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

const exampleRules = `{
  "contact": "the NSATU service desk (servicedesk@nsatu.example)",
  "rules": [
    {"name": "coordinators", "when": {"groups": "nsatu-coordinators"}, "roles": ["coordinator"], "nation_from": "nation", "clearance": "NATO SECRET", "clearance_from": "clearance"},
    {"name": "hub staff", "when": {"groups": ["rze-hub", "gli-hub"], "email_verified": "true"}, "roles": ["hub_operator"], "nation": "pol", "clearance": "NATO RESTRICTED", "site_from": "site"},
    {"name": "liaison", "when": {"groups": "liaison"}, "roles": ["nation_officer", "analyst"], "nation_from": "nation", "clearance": "RESTRICTED"}
  ]
}`

func mustRules(t *testing.T, s string) *Rules {
	t.Helper()
	rs, err := ParseRules([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestMap(t *testing.T) {
	rs := mustRules(t, exampleRules)
	cases := []struct {
		name   string
		claims map[string]any
		want   Grant
	}{
		{"list claim holds the group", map[string]any{"groups": []any{"staff", "nsatu-coordinators"}, "nation": "deu", "clearance": "NATO CONFIDENTIAL"},
			Grant{Rule: "coordinators", Roles: []access.Role{access.Coordinator}, Nation: "DEU", Clearance: access.Confidential}},
		{"string claim, the second of the values, the fixed nation", map[string]any{"groups": "gli-hub", "email_verified": true, "site": "pl-gli"},
			Grant{Rule: "hub staff", Roles: []access.Role{access.HubOperator}, Nation: "POL", Clearance: access.Restricted, Site: "PL-GLI"}},
		{"the first matching rule wins", map[string]any{"groups": []any{"liaison", "nsatu-coordinators"}, "nation": "NLD", "clearance": "SECRET"},
			Grant{Rule: "coordinators", Roles: []access.Role{access.Coordinator}, Nation: "NLD", Clearance: access.Secret}},
		{"several roles", map[string]any{"groups": []any{"liaison"}, "nation": "ITA"},
			Grant{Rule: "liaison", Roles: []access.Role{access.Analyst, access.NationOfficer}, Nation: "ITA", Clearance: access.Restricted}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := rs.Map(c.claims)
			if err != nil {
				t.Fatal(err)
			}
			if g.Rule != c.want.Rule || !slices.Equal(g.Roles, c.want.Roles) || g.Nation != c.want.Nation || g.Clearance != c.want.Clearance || g.Site != c.want.Site {
				t.Fatalf("granted %+v, want %+v", g, c.want)
			}
		})
	}
}

func TestMapNeverAboveTheRule(t *testing.T) {
	rs := mustRules(t, `{"rules": [{"when": {"groups": "x"}, "roles": ["analyst"], "nation": "DEU", "clearance": "NATO RESTRICTED", "clearance_from": "clearance"}]}`)
	for _, claimed := range []string{"NATO SECRET", "CONFIDENTIAL", "NATO RESTRICTED"} {
		g, err := rs.Map(map[string]any{"groups": "x", "clearance": claimed})
		if err != nil {
			t.Fatal(err)
		}
		if g.Clearance != access.Restricted {
			t.Errorf("claim %q granted %s, want the rule's NATO RESTRICTED at most", claimed, g.Clearance)
		}
	}
	g, err := rs.Map(map[string]any{"groups": "x", "clearance": "NATO UNCLASSIFIED"})
	if err != nil || g.Clearance != access.Unclassified {
		t.Fatalf("a lower claim: %v %v, want NATO UNCLASSIFIED", g.Clearance, err)
	}
}

func TestMapRefuses(t *testing.T) {
	rs := mustRules(t, exampleRules)
	cases := []struct {
		name   string
		claims map[string]any
		field  string // "" for no matching rule
	}{
		{"no group", map[string]any{"sub": "x"}, ""},
		{"another group", map[string]any{"groups": []any{"nsatu-visitors"}}, ""},
		{"group names are exact", map[string]any{"groups": []any{"NSATU-Coordinators"}, "nation": "DEU", "clearance": "SECRET"}, ""},
		{"one condition of two", map[string]any{"groups": "rze-hub", "email_verified": false, "site": "PL-RZE"}, ""},
		{"nation claim missing", map[string]any{"groups": "liaison"}, "nation"},
		{"nation claim not a code", map[string]any{"groups": "liaison", "nation": "Germany"}, "nation"},
		{"nation claim not a string", map[string]any{"groups": "liaison", "nation": []any{"DEU"}}, "nation"},
		{"unknown clearance", map[string]any{"groups": "nsatu-coordinators", "nation": "DEU", "clearance": "TOP SECRET"}, "clearance"},
		{"empty clearance", map[string]any{"groups": "nsatu-coordinators", "nation": "DEU", "clearance": ""}, "clearance"},
		{"clearance claim missing", map[string]any{"groups": "nsatu-coordinators", "nation": "DEU"}, "clearance"},
		{"site claim missing", map[string]any{"groups": "rze-hub", "email_verified": "true"}, "site"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := rs.Map(c.claims)
			if err == nil {
				t.Fatalf("granted %+v", g)
			}
			var nr *NoRule
			if c.field == "" {
				if !errors.As(err, &nr) || !strings.Contains(nr.Contact, "service desk") {
					t.Fatalf("got %v, want no matching rule with the contact", err)
				}
				return
			}
			if fault.Code(err) != fault.Invalid || fault.As(err).Field != c.field {
				t.Fatalf("got %v (field %q), want an invalid %s claim", err, fault.As(err).Field, c.field)
			}
		})
	}
}

func TestParseRulesRefuses(t *testing.T) {
	cases := []struct{ name, rules, says string }{
		{"no rules", `{"rules": []}`, "no rules"},
		{"no condition", `{"rules": [{"roles": ["analyst"], "nation": "DEU", "clearance": "NATO RESTRICTED"}]}`, "at least one condition"},
		{"unknown role", `{"rules": [{"when": {"g": "x"}, "roles": ["superuser"], "nation": "DEU", "clearance": "NATO RESTRICTED"}]}`, "not a role"},
		{"no role", `{"rules": [{"when": {"g": "x"}, "roles": [], "nation": "DEU", "clearance": "NATO RESTRICTED"}]}`, "at least one role"},
		{"unknown clearance", `{"rules": [{"when": {"g": "x"}, "roles": ["analyst"], "nation": "DEU", "clearance": "COSMIC"}]}`, "not a classification"},
		{"no clearance", `{"rules": [{"when": {"g": "x"}, "roles": ["analyst"], "nation": "DEU"}]}`, "clearance"},
		{"no nation", `{"rules": [{"when": {"g": "x"}, "roles": ["analyst"], "clearance": "NATO RESTRICTED"}]}`, "nation"},
		{"two nations", `{"rules": [{"when": {"g": "x"}, "roles": ["analyst"], "nation": "DEU", "nation_from": "n", "clearance": "NATO RESTRICTED"}]}`, "either"},
		{"bad nation", `{"rules": [{"when": {"g": "x"}, "roles": ["analyst"], "nation": "DE", "clearance": "NATO RESTRICTED"}]}`, "alpha-3"},
		{"misspelt field", `{"rules": [{"when": {"g": "x"}, "role": ["analyst"], "nation": "DEU", "clearance": "NATO RESTRICTED"}]}`, "unknown field"},
		{"condition of no value", `{"rules": [{"when": {"g": []}, "roles": ["analyst"], "nation": "DEU", "clearance": "NATO RESTRICTED"}]}`, "names no value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRules([]byte(c.rules))
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want an error saying %q", err, c.says)
			}
		})
	}
}

func TestMultiFactorReadsTheAMRClaim(t *testing.T) {
	for _, c := range []struct {
		amr  any
		want bool
	}{
		{nil, false},
		{[]any{"pwd"}, false},
		{[]any{"otp"}, false},
		{[]any{"mfa"}, true},
		{[]any{"pwd", "otp"}, true},
		{[]any{"pin", "hwk"}, true},
		{[]any{"pwd", "kba"}, false},
		{[]any{"pwd", "geo"}, false}, // where the person is, not what they hold
		{"mfa", false},               // not a list: the claim is malformed
	} {
		claims := map[string]any{}
		if c.amr != nil {
			claims["amr"] = c.amr
		}
		if got := MultiFactor(claims); got != c.want {
			t.Errorf("amr %v: %v, want %v", c.amr, got, c.want)
		}
	}
}
