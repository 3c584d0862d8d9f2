package web

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// ifMatchPattern is the If-Match header the API document promises to take.
var ifMatchPattern = regexp.MustCompile(`^(\*|(W/)?"?v?[0-9]+"?)$`)

// FuzzIfMatch holds ifMatch, which reads the version a write is guarded by,
// to the pattern the API document states for If-Match: it accepts nothing
// the pattern refuses, gives a version above zero, reads the ETag the
// server writes for that version back to it, and refuses anything else on
// the field If-Match, quoting the header. The seeds are the ETags the tests
// and README send.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzIfMatch$' -fuzztime 10m -parallel 1
func FuzzIfMatch(f *testing.F) {
	for _, s := range []string{`"v1"`, `"v3"`, `W/"v12"`, `v7`, `7`, `*`, ``, ` "v2" `, `"v0"`, `"v-1"`, `"v+5"`, `+5`, `""v5""`, `"v5`,
		`"v1", "v2"`, `"v9223372036854775807"`, `"v9223372036854775808"`, `W/W/"v1"`, `"V1"`, `"v１"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest("PUT", "/api/v1/pledges/1", nil)
		r.Header.Set("If-Match", h)
		h = strings.TrimSpace(h)
		v, err := ifMatch(r)
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Field != "If-Match" || !strings.Contains(e.Message, fmt.Sprintf("%q", strings.TrimPrefix(h, "W/"))) {
				t.Fatalf("ifMatch(%q) refused with %#v: want a problem on If-Match quoting the header", h, err)
			}
			return
		}
		if !ifMatchPattern.MatchString(h) && h != "" {
			t.Fatalf("ifMatch(%q) = %d: the API document's pattern refuses it", h, v)
		}
		if h == "" || h == "*" {
			if v != 0 {
				t.Fatalf("ifMatch(%q) = %d", h, v)
			}
			return
		}
		w := httptest.NewRecorder()
		setETag(w, v)
		r.Header.Set("If-Match", w.Header().Get("ETag"))
		if back, err := ifMatch(r); v <= 0 || err != nil || back != v {
			t.Fatalf("ifMatch(%q) = %d; its ETag %q reads back as %d, %v", h, v, w.Header().Get("ETag"), back, err)
		}
	})
}

// browserLocal says whether a browser, following a redirect to p from a
// page of this site, would stay on it: it drops tabs and newlines anywhere
// and C0 controls and spaces at the ends, reads a backslash as a slash,
// and leaves the origin for a scheme or a "//" authority.
func browserLocal(p string) bool {
	p = strings.TrimFunc(p, func(r rune) bool { return r <= 0x20 })
	p = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(p)
	if regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`).MatchString(p) {
		return false
	}
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//")
}

// FuzzLocalPath holds localPath, which keeps the page to go to after
// sign-in (and after a form) on this site, to a browser's reading of the
// URL: what it keeps a browser resolves to this origin, it keeps it
// unchanged or gives the fallback, and what it keeps holds no control
// character that could end a Location header. The seeds are the open
// redirects of issue 15 and the paths of the site's pages.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzLocalPath$' -fuzztime 10m -parallel 1
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/pledges/12?msg=Saved", "/requirements?state=open#top", "/%5Cevil.example", "/\\evil.example", "/\t/evil.example",
		"//evil.example", "/\n/evil.example", "https://evil.example/", "javascript:alert(1)", " /x", "/x\r\nSet-Cookie: a=b", "/@evil.example",
		"/..//evil.example", "/./\\evil", "", "pledges", "\x00/", "/\u2028/evil.example", "/%2F%2Fevil.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != p {
			t.Fatalf("localPath(%q) = %q: neither the path nor the fallback", p, got)
		}
		if !browserLocal(p) {
			t.Fatalf("localPath(%q) kept a path a browser leaves the site for", p)
		}
		for _, c := range p {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("localPath(%q) kept a control character", p)
			}
		}
		if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("localPath(%q): %v %v", p, u, err)
		}
	})
}

// FuzzFormFields holds the readers of the forms' numbers, horizons and
// datetime-local fields (formInt, intField, horizonDays, formTime) to one
// promise: what they accept formats back to what was typed (around white
// space), and what they refuse lands beside the field it was typed into,
// quoting it, never on another field and never as a panic.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzFormFields$' -fuzztime 10m -parallel 1
func FuzzFormFields(f *testing.F) {
	for _, s := range []string{"12", " 40 ", "-3", "+5", "1e3", "0x10", "9223372036854775807", "9223372036854775808", "90d", "366", "367", "0", "d", "",
		"2025-02-26T08:00", "2025-02-26T08:00:00", "2025-02-30T08:00", "2025-02-26 08:00", "2025-02-26T24:00", "tomorrow", "٢٠٢٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		form := url.Values{"quantity": {v}, "when": {v}}
		trimmed := strings.TrimSpace(v)
		errs := formErrors{}
		n := formInt(errs, form, "quantity")
		if msg, bad := errs["quantity"]; bad {
			if !strings.Contains(msg, fmt.Sprintf("%q", trimmed)) || len(errs) != 1 {
				t.Fatalf("formInt(%q) refused with %v", v, errs)
			}
		} else if trimmed == "" && n != 0 || trimmed != "" && strconv.FormatInt(n, 10) != strings.TrimLeft(strings.TrimPrefix(trimmed, "+"), "0") && n != 0 {
			t.Fatalf("formInt(%q) = %d", v, n)
		}
		var list fault.List
		m := intField(&list, form, "quantity")
		if err := list.Err(); err != nil {
			if e := fault.As(err); e.Field != "quantity" || !strings.Contains(e.Message, fmt.Sprintf("%q", trimmed)) {
				t.Fatalf("intField(%q) refused with %v", v, err)
			}
		} else if int64(m) != n && trimmed != "" {
			t.Fatalf("intField(%q) = %d, formInt %d", v, m, n)
		}
		if h, err := horizonDays(v, 30, 1, 366); err != nil {
			if e := fault.As(err); e == nil || e.Field != "horizon" || !strings.Contains(e.Message, fmt.Sprintf("%q", v)) {
				t.Fatalf("horizonDays(%q) refused with %v", v, err)
			}
		} else if h < 1 || h > 366 || (v != "" && strconv.Itoa(h) != strings.TrimLeft(strings.TrimPrefix(strings.TrimSuffix(v, "d"), "+"), "0")) {
			t.Fatalf("horizonDays(%q) = %d", v, h)
		}
		errs = formErrors{}
		at := formTime(errs, form, "when")
		if msg, bad := errs["when"]; bad {
			if !strings.Contains(msg, fmt.Sprintf("%q", trimmed)) || len(errs) != 1 {
				t.Fatalf("formTime(%q) refused with %v", v, errs)
			}
		} else if trimmed == "" && !at.IsZero() || trimmed != "" && (at.Format("2006-01-02T15:04") != trimmed || at.Location() != time.UTC) {
			t.Fatalf("formTime(%q) = %v", v, at)
		}
	})
}

// FuzzRepairLists holds the readers of the repair pages' lists, parts
// ("NSN=QUANTITY") and competences ("TARGET=DAYS") separated by commas,
// semicolons or lines, to a round trip: what they accept, written back in
// the same syntax, reads back the same; what they refuse is refused on the
// field parts or competences, quoting the entry at fault.
//
//	go test ./internal/web -run '^$' -fuzz '^FuzzRepairLists$' -fuzztime 10m -parallel 1
func FuzzRepairLists(f *testing.F) {
	for _, s := range []string{"2530-12-000-0101=4", "2530-12-000-0101=4, 2540-12-000-0102=1\n", "LEOPARD-2=60; PZH-2000=45", "=4", "x=", "x", "x==4",
		"x=-1", "x=+1", "x=1.5", "x=9223372036854775808", ",,;\n", "a=1\r\nb=2", " LEOPARD-2 = 60 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		quoted := func(err error, field string) bool {
			e := fault.As(err)
			if e == nil || e.Field != field {
				return false
			}
			for _, entry := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
				if strings.Contains(e.Message, fmt.Sprintf("%q", strings.TrimSpace(entry))) {
					return true
				}
			}
			return false
		}
		if parts, err := parseParts(text); err != nil {
			if !quoted(err, "parts") {
				t.Fatalf("parseParts(%q) refused with %v", text, err)
			}
		} else {
			var w []string
			for _, p := range parts {
				w = append(w, fmt.Sprintf("%s=%d", p.NSN, p.Quantity))
			}
			back, err := parseParts(strings.Join(w, "\n"))
			if err != nil || fmt.Sprint(back) != fmt.Sprint(parts) {
				t.Fatalf("parseParts(%q) = %v; written back it reads %v, %v", text, parts, back, err)
			}
		}
		if cs, err := parseCompetences(text); err != nil {
			if !quoted(err, "competences") {
				t.Fatalf("parseCompetences(%q) refused with %v", text, err)
			}
		} else {
			var w []string
			for _, c := range cs {
				w = append(w, fmt.Sprintf("%s=%d", c.Target, c.Days))
			}
			back, err := parseCompetences(strings.Join(w, ", "))
			if err != nil || fmt.Sprint(back) != fmt.Sprint(cs) {
				t.Fatalf("parseCompetences(%q) = %v; written back it reads %v, %v", text, cs, back, err)
			}
		}
	})
}
