package web

import "testing"

func TestNamed(t *testing.T) {
	for _, c := range []struct{ name, code, want string }{
		{"Kyiv delivery point", "UA-KYIV", "Kyiv delivery point (UA-KYIV)"},
		{"", "UA-KYIV", "UA-KYIV"},
		{"UA-KYIV", "UA-KYIV", "UA-KYIV"},
		{" Germany ", "DEU", "Germany (DEU)"},
		{"Germany", "", "Germany"},
	} {
		if got := named(c.name, c.code); got != c.want {
			t.Errorf("named(%q, %q) = %q, want %q", c.name, c.code, got, c.want)
		}
	}
	n := names{}.withSites(nil)
	if got := n.Site("XX-NONE"); got != "XX-NONE" {
		t.Errorf("a code that names nothing is written %q, want it as typed", got)
	}
}
