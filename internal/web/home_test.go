package web_test

import (
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

var (
	homeHref = regexp.MustCompile(`href="([^"]*)"`)
	// homeFigure is a figure of a home page: its id, its link and its count.
	homeFigure = regexp.MustCompile(`<div class="card[^"]*" id="(home-[^"]+)"><div class="label">[^<]*</div><div class="figure"><a href="([^"]+)">(\d+)</a>`)
	// homeTotal is the total of a list page: the pager's, or the classes'.
	homeTotal = regexp.MustCompile(`<span class="total"[^>]*>(\d+) in all</span>`)
)

// homeCases are the home page each role's user gets, told by what only
// that page shows, with the figures it must have.
var homeCases = []struct {
	user, marker string
	figures      []string
}{
	{"coordinator", `<h1>Dashboard</h1>`, nil},
	{"auditor", `<h1>Dashboard</h1>`, nil},
	{"analyst", `<h1>Dashboard</h1>`, nil},
	{"admin", `<h1>Dashboard</h1>`, nil},
	{"deu-officer", `id="home-reliability"`, []string{"home-overdue", "home-at-risk", "home-to-commit", "home-to-dispatch"}},
	{"fra-officer", `id="home-reliability"`, []string{"home-overdue", "home-at-risk", "home-to-commit", "home-to-dispatch"}},
	{"ukr-officer", `id="home-to-receive-list"`, []string{"home-today", "home-week", "home-late", "home-to-receive", "home-to-accept", "home-returned"}},
	{"hub-operator", `id="home-waiting-list"`, []string{"home-today", "home-week", "home-overdue", "home-waiting", "home-held"}},
	{"facility-manager", `id="home-repairs"`, []string{"home-open-orders", "home-orders-assigned", "home-orders-in_transit", "home-orders-in_repair", "home-orders-awaiting_parts", "home-orders-repaired"}},
	{"munster-manager", `id="home-training"`, []string{"home-running", "home-upcoming"}},
}

// TestHomePageOfEachRole reads / as each role's user: it is their role's
// page; every link on it opens for them (no 403, no 404, no error); and
// every figure is the total of the list it links to, read as they read
// it.
func TestHomePageOfEachRole(t *testing.T) {
	e, tokens := homeEnv(t, storetest.SQLiteDSN(t), time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	for _, tc := range homeCases {
		t.Run(tc.user, func(t *testing.T) {
			as := []string{"Authorization", "Bearer " + tokens[tc.user]}
			home := e.do("GET", "/", "", "", as...)
			page := string(home.body)
			if home.status != 200 || !strings.Contains(page, tc.marker) {
				t.Fatalf("GET /: %d, want 200 and %s:\n%.2000s", home.status, tc.marker, page)
			}
			var links []string
			for _, m := range homeHref.FindAllStringSubmatch(page, -1) {
				href := html.UnescapeString(m[1])
				if i := strings.IndexByte(href, '#'); i >= 0 {
					href = href[:i]
				}
				if strings.HasPrefix(href, "/") && !slices.Contains(links, href) {
					links = append(links, href)
				}
			}
			if len(links) < 10 {
				t.Fatalf("the page has %d links: %v", len(links), links)
			}
			for _, href := range links {
				if res := e.do("GET", href, "", "", as...); res.status == 403 || res.status == 404 || res.status >= 500 {
					t.Errorf("the link to %s answers %d", href, res.status)
				}
			}
			var seen []string
			nonzero := false
			for _, m := range homeFigure.FindAllStringSubmatch(page, -1) {
				id, href := m[1], html.UnescapeString(m[2])
				n, _ := strconv.ParseInt(m[3], 10, 64)
				seen, nonzero = append(seen, id), nonzero || n > 0
				list := e.do("GET", href, "", "", as...)
				total := homeTotal.FindStringSubmatch(string(list.body))
				if list.status != 200 || total == nil {
					t.Errorf("%s links to %s: %d, without a total", id, href, list.status)
					continue
				}
				if total[1] != m[3] {
					t.Errorf("%s reads %s, the list it links to (%s) %s in all", id, m[3], href, total[1])
				}
			}
			if !slices.Equal(seen, tc.figures) {
				t.Errorf("figures %v, want %v", seen, tc.figures)
			}
			if tc.figures != nil && !nonzero {
				t.Error("every figure is 0: the world tests nothing")
			}
		})
	}
}

// TestHomeFiltersRefuseWhatTheyDoNotKnow: a filter's bad value is a
// clear 4xx, never an empty list that looks like an answer.
func TestHomeFiltersRefuseWhatTheyDoNotKnow(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	for _, path := range []string{"/shipments?due_from=tomorrow", "/api/v1/shipments?due_to=2025-13-01", "/training?when=soon", "/api/v1/classes?when=soon", "/pledges?to_commit=maybe", "/api/v1/pledges?to_accept=2"} {
		if res := e.do("GET", path, "", ""); res.status < 400 || res.status >= 500 {
			t.Errorf("GET %s: %d", path, res.status)
		}
	}
}
