package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/report"
)

type pages struct {
	t map[string]*template.Template
}

var funcs = template.FuncMap{
	"eur":       func(c money.Cents) string { return c.Human(false) },
	"eurShort":  func(c money.Cents) string { return c.Human(true) },
	"label":     assist.Label,
	"named":     named,
	"hasRole":   func(rs []access.Role, r access.Role) bool { return slices.Contains(rs, r) },
	"hasEvent":  func(es []string, e string) bool { return slices.Contains(es, e) },
	"rref":      func(id int64) string { return (&assist.Requirement{ID: id}).Ref() },
	"pref":      func(id int64) string { return (&assist.Pledge{ID: id}).Ref() },
	"priority":  assist.PriorityLabel,
	"num":       formatInt,
	"count":     func(n int) string { return formatInt(int64(n)) },
	"pct":       func(ppm int64, decimals int) string { return report.Percent(ppm, decimals) },
	"days":      report.Days,
	"cents":     func(m map[string]money.Cents, k string) money.Cents { return m[k] },
	"contains":  func(xs []string, x string) bool { return slices.Contains(xs, x) },
	"list4":     func() []int { return []int{1, 2, 3, 4} },
	"hasPrefix": strings.HasPrefix,
	"rate30":    ratePer30,
	"cents0":    func(c int64) money.Cents { return money.Cents(c) },
	"time":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"marking":   func(m access.Marking) string { return m.String() },
	"short":     func(c access.Classification) string { return c.Short() },
	"join":      strings.Join,
	"lower":     strings.ToLower,
	"add":       func(a, b int) int { return a + b },
	"mul":       func(a, b int) int { return a * b },
	"tonnes":    tonnes,
	"sref":      func(id int64) string { return (&logistics.Shipment{ID: id}).Ref() },
	"shipState": logistics.Label,
	"custodyLabel": func(a string) string {
		if l, ok := custodyLabels[a]; ok {
			return l
		}
		return a
	},
	"lineValue": func(unit money.Cents, q int64) money.Cents { return money.Cents(int64(unit) * q) },
	"field": func(errs map[string]string, name string) string {
		return errs[name]
	},
	"list": func(xs ...string) []string { return xs },
	// args passes several values to a template: {{template "t" (args a b)}}.
	"args": func(xs ...any) []any { return xs },
	"last": func(xs []string) string {
		if len(xs) == 0 {
			return ""
		}
		return xs[len(xs)-1]
	},
	// when is a date as well as it is known: "April 2022", "Q3 2022".
	"when": assist.WhenWords,
	// riskReason says why a line is at risk, in a few words.
	"riskReason": forecast.ReasonWords,
	"next": func(v url.Values, cursor string) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		q.Del("msg")
		q.Set("cursor", cursor)
		return "?" + q.Encode()
	},
	"query": func(v url.Values, kv ...string) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = append([]string(nil), vs...)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		q.Del("cursor")
		q.Del("msg")
		if len(q) == 0 {
			return ""
		}
		return "?" + q.Encode()
	},
}

// formatInt writes n with thousands separators.
func formatInt(n int64) string { return money.Grouped(strconv.FormatInt(n, 10)) }

// ratePer30 writes orders over days as orders per 30 days, one decimal.
func ratePer30(orders, days int) string {
	if days <= 0 {
		return "—"
	}
	tenths := (orders*300 + days/2) / days
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

func mustPages() *pages {
	p := &pages{t: map[string]*template.Template{}}
	// Every page may use the blocks of the partials, which are no pages.
	layout := template.Must(template.New("layout").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials/*.html"))
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		p.t[name] = template.Must(template.Must(layout.Clone()).ParseFS(assets, n))
	}
	return p
}

// render writes page name; a template error is written as a plain message,
// since the status line has already gone out.
func (p *pages) render(w io.Writer, name string, data any) error {
	t, ok := p.t[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// pageData is what every page gets.
type pageData struct {
	Title   string
	Nav     string
	Path    string
	Query   url.Values
	Flash   string
	Version string
	Today   string
	// Marking is the highest classification of what the page shows.
	Marking access.Classification
	Data    any
	// Me is who is signed in, CSRF the token every form posts back, and
	// Can says which parts of the navigation they may use.
	Me   access.Identity
	CSRF string
	Can  map[string]bool
}

func (s *Server) pageData(r *http.Request, title string, data any) pageData {
	nav := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
	id := access.IdentityFrom(r.Context())
	pd := pageData{Title: title, Nav: nav, Path: r.URL.Path, Query: r.URL.Query(), Flash: noticeOf(r), Version: s.Version, Today: s.today(), Data: data,
		Me: id, Can: map[string]bool{}}
	if sess, ok := sessionFrom(r.Context()); ok {
		pd.CSRF = sess.CSRF
	}
	for p := range access.Policy {
		pd.Can[string(p)] = access.Allowed(id, p)
	}
	return pd
}

func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name, title string, data any, marking access.Classification) error {
	pd := s.pageData(r, title, data)
	pd.Marking = marking
	var buf bytes.Buffer
	if err := s.pages.render(&buf, name, pd); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func staticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.FileServerFS(assets).ServeHTTP(w, r)
	})
}

// custodyLabels name the custody actions for people.
var custodyLabels = map[string]string{
	logistics.Dispatch: "Dispatch", logistics.Arrive: "Record arrival", logistics.Depart: "Record departure",
	logistics.Hold: "Hold", logistics.Release: "Release", logistics.Cancel: "Cancel shipment", "receive": "Received",
}
