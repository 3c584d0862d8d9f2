package demo

import (
	"context"
	"fmt"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Password is the password of every demo user. It is documented in the
// README: the demo is for showing Longhaul, never for real data.
const Password = "longhaul-demo-2026"

// User is a demo user.
type User struct {
	Name, Display, Nation string
	Roles                 []access.Role
	Clearance             access.Classification
	Site                  string
}

// Users has one demo user per role, and a second nation officer (France)
// to show that nations see different things.
var Users = []User{
	{"coordinator", "NSATU coordinator", "DEU", []access.Role{access.Coordinator}, access.Secret, ""},
	{"deu-officer", "German liaison officer", "DEU", []access.Role{access.NationOfficer}, access.Restricted, ""},
	{"fra-officer", "French liaison officer", "FRA", []access.Role{access.NationOfficer}, access.Restricted, ""},
	{"ukr-officer", "Ukrainian MoD liaison", "UKR", []access.Role{access.RecipientOfficer}, access.Restricted, ""},
	{"hub-operator", "Rzeszów-Jasionka hub operator", "POL", []access.Role{access.HubOperator}, access.Restricted, "PL-RZE"},
	{"facility-manager", "Gliwice repair facility manager", "POL", []access.Role{access.FacilityManager}, access.Restricted, "PL-GLI"},
	{"analyst", "JATEC analyst", "POL", []access.Role{access.Analyst}, access.Restricted, ""},
	{"auditor", "Inspector", "NLD", []access.Role{access.Auditor}, access.Secret, ""},
	{"admin", "System administrator", "DEU", []access.Role{access.Admin}, access.Unclassified, ""},
}

// LoadUsers creates the demo users that do not exist yet.
func LoadUsers(ctx context.Context, svc *access.Service) (int, error) {
	ctx = access.WithIdentity(ctx, access.System.Named("demo"))
	n := 0
	for _, u := range Users {
		_, err := svc.CreateUser(ctx, access.NewUser{Name: u.Name, DisplayName: u.Display, Nation: u.Nation, Roles: u.Roles, Clearance: u.Clearance, Site: u.Site, Password: Password})
		switch fault.Code(err) {
		case "":
			n++
		case fault.Conflict:
		default:
			return n, fmt.Errorf("demo user %s: %w", u.Name, err)
		}
	}
	return n, nil
}
