package web

import (
	"net/url"
	"strings"
	"testing"
)

// Every notice's text has a blank for each of its kinds, and no other
// verb that would garble it.
func TestEveryNoticeHasItsBlanks(t *testing.T) {
	for key, n := range notices {
		if got := strings.Count(n.text, "%s"); got != len(n.blanks) || strings.Count(n.text, "%") != got {
			t.Errorf("%s: %q has %d blanks and %d verbs, want %d", key, n.text, got, strings.Count(n.text, "%"), len(n.blanks))
		}
	}
}

// A page shows the fixed text of a notice the server names, its blanks
// filled with values of their kinds; anything else shows nothing.
func TestNoticesShowOnlyTheServersWords(t *testing.T) {
	for _, c := range []struct {
		name   string
		key    string
		values []any
		want   string
	}{
		{"no blanks", "signed-out", nil, "Signed out"},
		{"a reference", "pledge-recorded", []any{"P-00012"}, "Pledge P-00012 recorded"},
		{"a word, a count and a number", "line-acted", []any{"commit", 1200, 3}, "Committed 1,200 on line 3"},
		{"an amount and a code", "contribution-recorded", []any{"C-00001", 200000000, "NLD"}, "Contribution C-00001 recorded: € 2,000,000.00 of NLD"},
		{"a route and a time", "shipment-planned", []any{"S-00001", "DE-DEPOT,PL-RZE,UA-KYIV", "2026-11-25T13:00Z"}, "Planned S-00001: DE-DEPOT → PL-RZE → UA-KYIV, ETA 2026-11-25 13:00 UTC"},
		{"references", "requirements-submitted", []any{2, "R-00001,R-00002"}, "2 requirements submitted: R-00001, R-00002"},
		{"discrepancies opened", "received", []any{"S-00002", 2}, "Received S-00002 with 2 discrepancies opened"},
		{"none opened", "received", []any{"S-00002", 0}, "Received S-00002"},
		{"an unknown key", "your-password-expired", nil, ""},
		{"text for a key without blanks", "signed-out", []any{"call the service desk"}, ""},
		{"a blank left empty", "pledge-recorded", nil, ""},
		{"words for a reference", "pledge-recorded", []any{"Call +1 555 0100"}, ""},
		{"a word not of its list", "line-acted", []any{"Give your password to", 1, 1}, ""},
		{"markup for a code", "site-added", []any{"<b>UA-KYIV</b>"}, ""},
		{"words in a route", "shipment-planned", []any{"S-00001", "DE-DEPOT,call us,UA-KYIV", "2026-11-25T13:00Z"}, ""},
		{"a time that is none", "shipment-planned", []any{"S-00001", "DE-DEPOT", "tomorrow"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			to := withNotice("/pledges/12?tab=lines", c.key, c.values...)
			u, err := url.Parse(to)
			if err != nil || u.Path != "/pledges/12" || u.Query().Get("tab") != "lines" {
				t.Fatalf("withNotice wrote %q", to)
			}
			if got := noticeText(u.Query().Get("msg")); got != c.want {
				t.Errorf("the page shows %q, want %q", got, c.want)
			}
		})
	}
	for _, msg := range []string{"", "Your password has expired. Call the service desk on +1 555 0100.", "signed-out~", strings.Repeat("pledge-recorded~P-00012", 200)} {
		if got := noticeText(msg); got != "" {
			t.Errorf("msg=%.40q shows %q", msg, got)
		}
	}
}
