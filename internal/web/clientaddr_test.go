package web

import (
	"net/http"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/exchange"
)

func TestClientAddrBelievesOnlyTrustedProxies(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.168.1.7, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{TrustedProxies: proxies}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.9:5123", nil, "203.0.113.9"},
		{"a stranger's X-Forwarded-For is not believed", "203.0.113.9:5123", []string{"198.51.100.1"}, "203.0.113.9"},
		{"one trusted proxy", "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the client's own claim left of the proxy's is ignored", "10.1.2.3:443", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", "10.1.2.3:443", []string{"198.51.100.1, 192.168.1.7"}, "198.51.100.1"},
		{"headers repeated are read as one list", "10.1.2.3:443", []string{"6.6.6.6", "198.51.100.1", "192.168.1.7"}, "198.51.100.1"},
		{"a hop that is no address stops the walk", "10.1.2.3:443", []string{"198.51.100.1, evil, 192.168.1.7"}, "192.168.1.7"},
		{"only proxies", "10.1.2.3:443", []string{"10.9.9.9"}, "10.9.9.9"},
		{"no header from a proxy", "10.1.2.3:443", nil, "10.1.2.3"},
		{"IPv6 behind an IPv6 proxy", "[fd00::1]:443", []string{"2001:db8::42"}, "2001:db8::42"},
		{"an IPv4-mapped hop", "10.1.2.3:443", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, h := range c.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := s.clientAddr(r); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/8,localhost"); err == nil {
		t.Error("a host name was taken as a trusted proxy")
	}
	if k := access.AddressKey("2001:db8:1:2:3:4:5:6"); k != "2001:db8:1:2::/64" {
		t.Errorf("an IPv6 address is limited by %q, want its /64", k)
	}
	if k := access.AddressKey("198.51.100.1"); k != "198.51.100.1" {
		t.Errorf("an IPv4 address is limited by %q", k)
	}
}

func TestTemplateExamplesHaveEveryColumn(t *testing.T) {
	for kind, rows := range templateExamples {
		for i, r := range rows {
			if want := len(exchange.Columns[kind]); len(r) != want {
				t.Errorf("%s example %d has %d cells, the columns are %d", kind, i, len(r), want)
			}
		}
	}
}
