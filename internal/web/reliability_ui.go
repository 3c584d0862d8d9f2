package web

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/reliability"
)

// Promise reliability is read with the pledge accounts: whoever may read
// the accounts may read how the nations kept their dates, counting the
// pledges they may see.

func (s *Server) reliabilityPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/reliability", access.AccountsRead, s.uiReliability)
}

func (s *Server) reliabilityAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/reliability", access.AccountsRead, s.apiReliability)
}

// measure is the reliability the query asks for, as of today.
func (s *Server) measure(r *http.Request) (reliability.Report, error) {
	q := r.URL.Query()
	switch f := q.Get("format"); f {
	case "", "json", "csv", "xlsx":
	default:
		return reliability.Report{}, fault.Field("format", "%q is not a format of reliability: use json, csv or xlsx", f)
	}
	return s.Read.Reliability.Measure(r.Context(), reliability.Query{Nation: q.Get("nation"), By: q.Get("by")}, s.Now())
}

// apiReliability answers the report as JSON, or as CSV or a workbook.
func (s *Server) apiReliability(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.measure(r)
	if err != nil {
		return err
	}
	if wantsTable(r) {
		var buf bytes.Buffer
		if err := reliability.WriteCSV(&buf, rep); err != nil {
			return err
		}
		return s.sendTable(w, r, "reliability", rep.Marking, buf.Bytes())
	}
	w.Header().Set("X-Classification", rep.Marking.String())
	return writeJSON(w, 200, rep)
}

// reliabilityView is a reliability report as a page shows it: each
// figure with the address of the pledges behind it, when the reader may
// list pledges.
type reliabilityView struct {
	reliability.Report
	Rows    []reliabilityRow // one a group
	Total   reliabilityRow   // every line
	Trend   []reliabilityRow // every line, by the quarter of its promised date
	Buckets []reliability.Bucket
	// Head names the groups' column.
	Head string
	// Bys and Nations are the choices of the page's form.
	Bys     []string
	Nations []catalog.Nation
}

// reliabilityRow is one row of figures with its links.
type reliabilityRow struct {
	Label string
	reliability.Figures
	// Href lists the row's pledges, OverdueHref those with a line past
	// its promise and not delivered; Ages are the buckets of the latter.
	Href, OverdueHref string
	Ages              []ageCell
	// Bar is the share of the lines on time, in per cent, for a bar.
	Bar int64
}

type ageCell struct {
	reliability.Age
	Href string
}

// groupParam is the pledges' filter that selects a group of by.
var groupParam = map[string]string{reliability.ByNation: "nation", reliability.ByChannel: "channel", reliability.ByCapability: "capability"}

// groupHead names the column of the groups of by.
var groupHead = map[string]string{reliability.ByNation: "Nation", reliability.ByChannel: "Channel", reliability.ByCapability: "Capability area"}

// reliabilityView lays rep out with links to /pledges, for a reader who
// may list pledges.
func (s *Server) reliabilityView(r *http.Request, rep reliability.Report) reliabilityView {
	links := access.Allowed(access.IdentityFrom(r.Context()), access.PledgeRead)
	v := reliabilityView{Report: rep, Buckets: reliability.Buckets, Bys: reliability.Bys, Head: groupHead[rep.By]}
	// href lists the pledges of the report's nation, if any, and of the
	// filters of kv (name, value, …).
	href := func(kv ...string) string {
		if !links {
			return ""
		}
		q := url.Values{}
		if rep.Nation != "" {
			q.Set("nation", rep.Nation)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(kv[i], kv[i+1])
		}
		if len(q) == 0 {
			return "/pledges"
		}
		return "/pledges?" + q.Encode()
	}
	row := func(label string, f reliability.Figures, kv ...string) reliabilityRow {
		overdue := append(kv[:len(kv):len(kv)], "overdue", "1")
		out := reliabilityRow{Label: label, Figures: f, Href: href(kv...), OverdueHref: href(overdue...), Bar: f.OnTimeLinesPPM / 10_000}
		for _, a := range f.Overdue {
			out.Ages = append(out.Ages, ageCell{Age: a, Href: href(append(overdue[:len(overdue):len(overdue)], "late", a.Bucket)...)})
		}
		return out
	}
	for _, g := range rep.Groups {
		v.Rows = append(v.Rows, row(g.Label, g.Figures, groupParam[rep.By], g.Key))
	}
	v.Total = row(rep.All.Label, rep.All.Figures)
	for _, qt := range rep.All.Quarters {
		from, to, _ := reliability.QuarterDates(qt.Quarter)
		v.Trend = append(v.Trend, row(qt.Quarter, qt.Figures, "promised_from", from, "promised_to", to))
	}
	return v
}

// reliabilityPanel is the reliability q asks for, for a section of
// another page, raising its marking; nil for a reader who may not read the
// accounts, to whom the page shows none.
func (s *Server) reliabilityPanel(r *http.Request, q reliability.Query, marking *access.Classification) (*reliabilityView, error) {
	if !access.Allowed(access.IdentityFrom(r.Context()), access.AccountsRead) {
		return nil, nil
	}
	rep, err := s.Read.Reliability.Measure(r.Context(), q, s.Now())
	if err != nil {
		return nil, err
	}
	*marking = max(*marking, rep.Marking)
	v := s.reliabilityView(r, rep)
	return &v, nil
}

func (s *Server) uiReliability(w http.ResponseWriter, r *http.Request) error {
	if wantsTable(r) {
		return s.apiReliability(w, r)
	}
	rep, err := s.measure(r)
	if err != nil {
		return err
	}
	v := s.reliabilityView(r, rep)
	if v.Nations, err = s.pledgingNations(r); err != nil {
		return err
	}
	return s.page(w, r, 200, "reliability", "Promise reliability", v, rep.Marking)
}
