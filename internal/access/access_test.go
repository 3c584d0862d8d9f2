package access

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
)

func TestPasswords(t *testing.T) {
	h, err := HashPassword("a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if !VerifyPassword(h, "a long enough passphrase") || VerifyPassword(h, "a long enough passphrasE") {
		t.Error("verify does not tell the right password from a wrong one")
	}
	if h2, _ := HashPassword("a long enough passphrase"); h2 == h {
		t.Error("two hashes of one password share a salt")
	}
	for pw, ok := range map[string]bool{"short": false, "password1234": false, "PASSWORD1234": false, "eleven char": false, "twelve chars": true, "Kyiv-Lviv-Dnipro": true} {
		if err := CheckPassword(pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v", pw, err)
		}
	}
	if VerifyPassword("garbage", "x") || VerifyPassword("$argon2id$v=19$m=1,t=1,p=1$!!$!!", "x") {
		t.Error("a malformed hash verified")
	}
}

func TestPolicyTable(t *testing.T) {
	for p, roles := range Policy {
		if len(roles) == 0 {
			t.Errorf("%s: no role may do it", p)
		}
		for _, r := range roles {
			if _, err := ParseRoles(string(r)); err != nil {
				t.Errorf("%s names unknown role %s", p, r)
			}
		}
	}
	admin := Identity{Name: "a", Roles: []Role{Admin}, Clearance: Secret, Via: "session"}
	if Allowed(admin, PledgeRead) || !Allowed(admin, UserAdmin) {
		t.Error("an administrator reads no operational data but manages users")
	}
	if err := Check(Anonymous, PledgeRead); fault.Code(err) != fault.Unauthorized {
		t.Errorf("anonymous: %v", err)
	}
	if err := Check(admin, PledgeRead); fault.Code(err) != fault.Forbidden {
		t.Errorf("admin reading pledges: %v", err)
	}
	if !Allowed(Anonymous, Public) || Allowed(Anonymous, SignedIn) {
		t.Error("public and signed-in are wrong for anonymous")
	}
}

func TestCanSee(t *testing.T) {
	fra := Identity{Nation: "FRA", Roles: []Role{NationOfficer}, Clearance: Restricted, Via: "token"}
	coord := Identity{Nation: "USA", Roles: []Role{Coordinator}, Clearance: Restricted, Via: "token"}
	for _, c := range []struct {
		who    Identity
		nation string
		m      Marking
		want   bool
	}{
		{fra, "DEU", Marking{Restricted, Releasability{"UKR"}}, false},
		{fra, "DEU", Marking{Restricted, Releasability{"FRA", "UKR"}}, true},
		{fra, "DEU", Marking{Restricted, nil}, true},
		{fra, "DEU", Marking{Confidential, Releasability{"FRA"}}, false},
		{fra, "FRA", Marking{Restricted, Releasability{"UKR"}}, true},
		{fra, "FRA", Marking{Secret, nil}, false},
		{coord, "DEU", Marking{Restricted, Releasability{"UKR"}}, true},
		{coord, "DEU", Marking{Secret, nil}, false},
		{Anonymous, "DEU", Marking{}, false},
	} {
		if got := c.who.CanSee(c.nation, c.m); got != c.want {
			t.Errorf("%v sees %s %v: %v, want %v", c.who.Roles, c.nation, c.m, got, c.want)
		}
	}
}

func TestMarkingParsing(t *testing.T) {
	if c, err := ParseClassification("nr"); err != nil || c != Restricted {
		t.Errorf("NR: %v %v", c, err)
	}
	if _, err := ParseClassification("TOP SECRET"); err == nil {
		t.Error("COSMIC TOP SECRET is not held here and must be refused")
	}
	if r := ParseReleasability("REL TO ukr, DEU;POL deu"); strings.Join(r, ",") != "DEU,POL,UKR" {
		t.Errorf("releasability %v", r)
	}
	m := Marking{Restricted, Releasability{"DEU", "UKR"}}
	if m.String() != "NATO RESTRICTED REL TO DEU, UKR" {
		t.Errorf("marking %q", m)
	}
}

func TestMarkingLowersAndKeep(t *testing.T) {
	nr := func(rel ...string) Marking {
		return Marking{Classification: Restricted, ReleasableTo: Normalize(rel)}
	}
	for _, c := range []struct {
		name     string
		old, new Marking
		lowers   bool
	}{
		{"the same", nr("UKR"), nr("UKR"), false},
		{"a lower classification", nr("UKR"), Marking{ReleasableTo: Releasability{"UKR"}}, true},
		{"a higher classification", nr("UKR"), Marking{Classification: Secret, ReleasableTo: Releasability{"UKR"}}, false},
		{"releasable to all", nr("UKR"), nr(), true},
		{"one nation more", nr("UKR"), nr("FRA", "UKR"), true},
		{"another nation", nr("UKR"), nr("FRA"), true},
		{"one nation fewer", nr("DEU", "UKR"), nr("UKR"), false},
		{"from all to some", nr(), nr("UKR"), false},
	} {
		if got := c.new.Lowers(c.old); got != c.lowers {
			t.Errorf("%s: %s in place of %s lowers = %v", c.name, c.new, c.old, got)
		}
	}
	old := nr("UKR")
	if got := (Marking{}).Keep(old, ClassificationPart, ReleasabilityPart); got.String() != old.String() {
		t.Errorf("keeping both parts gives %s", got)
	}
	if got := (Marking{}).Keep(old, ReleasabilityPart); got.String() != "NATO UNCLASSIFIED REL TO UKR" {
		t.Errorf("keeping the releasability gives %s", got)
	}
}
