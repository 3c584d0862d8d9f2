package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/reliability"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/training"
)

// The home page at / is each reader's own: what their role has in hand
// today, every figure a link to the list it counts. A coordinator and an
// auditor, who read every nation's records, keep the alliance view, the
// dashboard, and so does a role without a page of its own; every reader
// may open the dashboard at /dashboard too.

// Home pages, by the template each renders.
const (
	homeDashboard = "dashboard"
	homeNation    = "home_nation"
	homeRecipient = "home_recipient"
	homeHub       = "home_hub"
	homeFacility  = "home_facility"
)

// homeOf is the home page of id's roles: the alliance view first for
// those who read every nation's records, then the page of the first role
// that has one.
func homeOf(id access.Identity) string {
	switch {
	case id.HasAny(access.Coordinator, access.Auditor):
		return homeDashboard
	case id.Has(access.NationOfficer):
		return homeNation
	case id.Has(access.RecipientOfficer):
		return homeRecipient
	case id.Has(access.HubOperator):
		return homeHub
	case id.Has(access.FacilityManager):
		return homeFacility
	}
	return homeDashboard
}

func (s *Server) uiHome(w http.ResponseWriter, r *http.Request) error {
	switch homeOf(access.IdentityFrom(r.Context())) {
	case homeNation:
		return s.uiHomeNation(w, r)
	case homeRecipient:
		return s.uiHomeRecipient(w, r)
	case homeHub:
		return s.uiHomeHub(w, r)
	case homeFacility:
		return s.uiHomeFacility(w, r)
	}
	return s.uiDashboard(w, r)
}

// homeRows is how many rows of a list a home page shows beside its figure.
const homeRows = 10

// figure is a count on a home page and the list it counts, at Href. The
// count is that list's total read through the list's own filter from Href
// itself, so that the figure and the list it links to cannot disagree. A
// figure without Href is one the reader may not open: it is not shown.
type figure struct {
	ID, Label, Note, Href string
	Count                 int64
	// Warn marks a count of something late or held up.
	Warn bool
}

// tally reads the figures of one home page and the strictest marking of
// the records they count; the first error stops it.
type tally struct {
	s       *Server
	r       *http.Request
	marking access.Classification
	err     error
}

// open returns the figure of the list at href, without its count, when
// the reader may open that list's page; ok is false otherwise.
func (t *tally) open(id, label, href string) (figure, *http.Request, bool) {
	if t.err != nil {
		return figure{}, nil, false
	}
	u, err := url.Parse(href)
	if err != nil {
		t.err = err
		return figure{}, nil, false
	}
	if !t.s.mayOpen(t.r, u.Path) {
		return figure{}, nil, false
	}
	rr := t.r.Clone(t.r.Context())
	rr.URL, rr.Form = u, nil
	return figure{ID: id, Label: label, Href: href}, rr, true
}

// pageRoutes matches the path of a link to the page route that serves it,
// to check the link against that route's permission.
type pageRoutes struct {
	once sync.Once
	mux  *http.ServeMux
	perm map[string]access.Permission // by the mux's pattern
}

// mayOpen reports whether the reader of r may open the page at path: a
// GET route of the UI serves it, and its permission allows the reader.
func (s *Server) mayOpen(r *http.Request, path string) bool {
	s.links.once.Do(func() {
		s.links.mux, s.links.perm = http.NewServeMux(), map[string]access.Permission{}
		for _, rt := range s.Routes() {
			if rt.Method == "GET" && !rt.API {
				p := rt.Method + " " + rt.Pattern
				s.links.mux.Handle(p, http.NotFoundHandler())
				s.links.perm[p] = rt.Perm
			}
		}
	})
	req, err := http.NewRequestWithContext(r.Context(), "GET", path, nil)
	if err != nil {
		return false
	}
	_, pattern := s.links.mux.Handler(req)
	perm, ok := s.links.perm[pattern]
	return ok && access.Allowed(access.IdentityFrom(r.Context()), perm)
}

// every reads the whole of a paged list as the request r asks for it:
// its total, as the list's page counts it, and all its rows.
func every[T any](r *http.Request, read func(*http.Request) (list.Page[T], error)) (int64, []T, error) {
	var (
		total int64
		all   []T
	)
	q := r.URL.Query()
	q.Set("limit", strconv.Itoa(list.MaxLimit))
	for first := true; ; first = false {
		u := *r.URL
		u.RawQuery = q.Encode()
		rr := r.Clone(r.Context())
		rr.URL = &u
		p, err := read(rr)
		if err != nil {
			return 0, nil, err
		}
		if first {
			total = p.Total
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return total, all, nil
		}
		q.Set("cursor", p.Next)
	}
}

// first is at most n of rows.
func first[T any](rows []T, n int) []T { return rows[:min(len(rows), n)] }

// pledges is the figure of the pledges at href, with all their rows.
func (t *tally) pledges(id, label, href string) (figure, []assist.PledgeSummary) {
	f, rr, ok := t.open(id, label, href)
	if !ok {
		return f, nil
	}
	var rows []assist.PledgeSummary
	f.Count, rows, t.err = every(rr, t.s.pledgePage)
	t.marking = max(t.marking, highestPledge(rows))
	return f, rows
}

// shipments is the figure of the shipments at href, with all their rows.
func (t *tally) shipments(id, label, href string) (figure, []shipmentView) {
	f, rr, ok := t.open(id, label, href)
	if !ok {
		return f, nil
	}
	sf, err := t.s.shipmentFilter(rr)
	if err != nil {
		t.err = err
		return f, nil
	}
	var rows []shipmentView
	f.Count, rows, t.err = every(rr, func(rr *http.Request) (list.Page[shipmentView], error) {
		o, err := listOptions(rr)
		if err != nil {
			return list.Page[shipmentView]{}, err
		}
		p, err := t.s.Read.Logistics.Shipments(rr.Context(), sf, o)
		out := list.Page[shipmentView]{Next: p.Next, Total: p.Total}
		for _, sh := range p.Items {
			out.Items = append(out.Items, t.s.shipmentView(sh))
			t.marking = max(t.marking, sh.Classification)
		}
		return out, err
	})
	return f, rows
}

// orders is the figure of the repair orders at href, with all their rows.
func (t *tally) orders(id, label, href string) (figure, []repair.Order) {
	f, rr, ok := t.open(id, label, href)
	if !ok {
		return f, nil
	}
	var rows []repair.Order
	f.Count, rows, t.err = every(rr, func(rr *http.Request) (list.Page[repair.Order], error) {
		o, err := listOptions(rr)
		if err != nil {
			return list.Page[repair.Order]{}, err
		}
		return t.s.Read.Repair.Orders(rr.Context(), orderFilter(rr), o)
	})
	return f, rows
}

// classes is the figure of the classes the training page at href lists.
func (t *tally) classes(id, label, href string) (figure, []training.ClassOf) {
	f, rr, ok := t.open(id, label, href)
	if !ok {
		return f, nil
	}
	rows, err := t.s.Read.Training.Classes(rr.Context(), t.s.classFilter(rr))
	f.Count, t.err = int64(len(rows)), err
	return f, rows
}

// day is the date d days after today, as the filters take it.
func (s *Server) day(d int) string {
	return s.Now().UTC().AddDate(0, 0, d).Format(assist.DateLayout)
}

// ---- a nation officer ----

type homeNationView struct {
	Nation catalog.Nation
	// Account is the nation's in the baseline year Year; NoAccount says
	// why there is none.
	Account   *accounts.Account
	Year      int
	NoAccount string
	// The figures, with the first rows of the lists behind them.
	Overdue, AtRisk, ToCommit, ToDispatch figure
	OverdueLines                          int
	OverdueRows, AtRiskRows, ToCommitRows []assist.PledgeSummary
	DispatchRows                          []shipmentView
	// Reliability is how the nation kept its promised dates, for readers
	// of the accounts; its figures link to the reliability page.
	Reliability                                            *reliabilityView
	Names                                                  names
	CanDashboard, CanAccounts, CanContributions, CanNation bool
	CanReliability                                         bool
}

func (s *Server) uiHomeNation(w http.ResponseWriter, r *http.Request) error {
	id := access.IdentityFrom(r.Context())
	if id.Nation == "" {
		return s.page(w, r, 200, homeNation, "Home", homeNationView{}, access.Unclassified)
	}
	n, err := s.Read.Catalog.Nation(r.Context(), id.Nation)
	if err != nil {
		return err
	}
	v := homeNationView{Nation: n, CanDashboard: s.mayOpen(r, "/dashboard"), CanAccounts: s.mayOpen(r, "/accounts"),
		CanContributions: s.mayOpen(r, "/contributions"), CanNation: s.mayOpen(r, "/nations/"+url.PathEscape(n.Code)), CanReliability: s.mayOpen(r, "/reliability")}
	t := &tally{s: s, r: r}
	code := url.QueryEscape(n.Code)
	var rows []assist.PledgeSummary
	v.Overdue, rows = t.pledges("home-overdue", "Pledges with overdue lines", "/pledges?nation="+code+"&overdue=1&sort=promised")
	for _, p := range rows {
		v.OverdueLines += p.OverdueLines
	}
	v.Overdue.Warn, v.OverdueRows = true, first(rows, homeRows)
	v.Overdue.Note = fmt.Sprintf("%d lines past their promised date", v.OverdueLines)
	if v.OverdueLines == 1 {
		v.Overdue.Note = "1 line past its promised date"
	}
	v.AtRisk, rows = t.pledges("home-at-risk", "Pledges at risk", "/pledges?nation="+code+"&at_risk=1&sort=promised")
	v.AtRisk.Note, v.AtRisk.Warn, v.AtRiskRows = "goods on their way due after the promised date", true, first(rows, homeRows)
	v.ToCommit, rows = t.pledges("home-to-commit", "Pledges with lines to commit", "/pledges?nation="+code+"&to_commit=1&sort=promised")
	v.ToCommit.Note, v.ToCommitRows = "pledged, not committed yet", first(rows, homeRows)
	var ships []shipmentView
	v.ToDispatch, ships = t.shipments("home-to-dispatch", "Shipments to dispatch", "/shipments?from_nation="+code+"&state=planned&sort=planned_departure")
	v.ToDispatch.Note, v.DispatchRows = "planned from "+n.Name+"'s sites", first(ships, homeRows)
	if t.err != nil {
		return t.err
	}
	marking := t.marking
	if access.Allowed(id, access.AccountsRead) {
		year, _, err := s.accountsYear(r)
		switch {
		case fault.Code(err) == fault.NotFound:
			v.NoAccount = "No baseline pledge is defined yet."
		case err != nil:
			return err
		default:
			l, err := s.Read.Accounts.Accounts(r.Context(), year, s.Now())
			if err != nil {
				return err
			}
			v.Year, v.NoAccount = year, n.Name+" has no account in the "+strconv.Itoa(year)+" baseline."
			for i := range l.Accounts {
				if l.Accounts[i].Nation == n.Code {
					v.Account, v.NoAccount = &l.Accounts[i], ""
					marking = max(marking, l.Marking)
				}
			}
		}
	}
	if v.Reliability, err = s.reliabilityPanel(r, reliability.Query{Nation: n.Code, By: reliability.ByCapability}, &marking); err != nil {
		return err
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, 200, homeNation, n.Name, v, marking)
}

// ---- a recipient officer ----

type homeRecipientView struct {
	Nation                                           catalog.Nation
	Today, Week, Late, ToReceive, ToAccept, Returned figure
	WeekRows, ReceiveRows                            []shipmentView
	AcceptRows                                       []assist.PledgeSummary
	ReturnedRows                                     []repair.Order
	Names                                            names
	CanDashboard                                     bool
}

func (s *Server) uiHomeRecipient(w http.ResponseWriter, r *http.Request) error {
	id := access.IdentityFrom(r.Context())
	if id.Nation == "" {
		return s.page(w, r, 200, homeRecipient, "Home", homeRecipientView{}, access.Unclassified)
	}
	n, err := s.Read.Catalog.Nation(r.Context(), id.Nation)
	if err != nil {
		return err
	}
	v := homeRecipientView{Nation: n, CanDashboard: s.mayOpen(r, "/dashboard")}
	t := &tally{s: s, r: r}
	to, today, week := "/shipments?to_nation="+url.QueryEscape(n.Code), s.day(0), s.day(6)
	v.Today, _ = t.shipments("home-today", "Due today", to+"&due_from="+today+"&due_to="+today+"&sort=eta")
	v.Today.Note = "by their ETA, " + today
	var rows []shipmentView
	v.Week, rows = t.shipments("home-week", "Due in the next 7 days", to+"&due_from="+today+"&due_to="+week+"&sort=eta")
	v.Week.Note, v.WeekRows = today+" to "+week, first(rows, homeRows)
	v.Late, _ = t.shipments("home-late", "Late", to+"&late=true&sort=eta")
	v.Late.Note, v.Late.Warn = "past their ETA, not arrived", true
	v.ToReceive, rows = t.shipments("home-to-receive", "Arrived, to receive", to+"&state=delivered&sort=eta")
	v.ToReceive.Note, v.ToReceive.Warn, v.ReceiveRows = "at their destination, receipt not recorded", true, first(rows, homeRows)
	var pledges []assist.PledgeSummary
	v.ToAccept, pledges = t.pledges("home-to-accept", "Pledges with deliveries to accept", "/pledges?to_accept=1&sort=promised")
	v.ToAccept.Note, v.AcceptRows = "received, not accepted yet", first(pledges, homeRows)
	var orders []repair.Order
	v.Returned, orders = t.orders("home-returned", "Repaired equipment back", "/repairs?state=returned")
	v.Returned.Note, v.ReturnedRows = "returned from repair, to receive", first(orders, homeRows)
	if t.err != nil {
		return t.err
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, 200, homeRecipient, "Home", v, t.marking)
}

// ---- a hub operator ----

type homeHubView struct {
	Site catalog.Site
	// Hub says whether the site is a logistics hub, whose page there is.
	Hub                                 bool
	Today, Week, Overdue, Waiting, Held figure
	WeekRows, WaitingRows               []shipmentView
	// Due is when each shipment listed is due at the hub, by shipment.
	Due          map[int64]time.Time
	Names        names
	CanDashboard bool
}

func (s *Server) uiHomeHub(w http.ResponseWriter, r *http.Request) error {
	site, err := s.homeSite(r)
	if err != nil {
		return err
	}
	if site.Code == "" {
		return s.page(w, r, 200, homeHub, "Home", homeHubView{}, access.Unclassified)
	}
	v := homeHubView{Site: site, Hub: slices.Contains(site.Kinds, "logistics_hub") && s.mayOpen(r, "/hubs/"+url.PathEscape(site.Code)), Due: map[int64]time.Time{}, CanDashboard: s.mayOpen(r, "/dashboard")}
	t := &tally{s: s, r: r}
	code, today, week := url.QueryEscape(site.Code), s.day(0), s.day(6)
	arriving := "/shipments?arriving=" + code
	v.Today, _ = t.shipments("home-today", "Due here today", arriving+"&due_from="+today+"&due_to="+today+"&sort=eta")
	v.Today.Note = "by their planned arrival, " + today
	var rows []shipmentView
	v.Week, rows = t.shipments("home-week", "Due here in the next 7 days", arriving+"&due_from="+today+"&due_to="+week+"&sort=eta")
	v.Week.Note, v.WeekRows = today+" to "+week, first(rows, homeRows)
	v.Overdue, _ = t.shipments("home-overdue", "Due before today", arriving+"&due_to="+s.day(-1)+"&sort=eta")
	v.Overdue.Note, v.Overdue.Warn = "their arrival here not recorded", true
	v.Waiting, rows = t.shipments("home-waiting", "Waiting here", "/shipments?at="+code+"&state=at_hub&sort=eta")
	v.Waiting.Note, v.WaitingRows = "arrived, to send on", first(rows, homeRows)
	v.Held, _ = t.shipments("home-held", "Held here", "/shipments?at="+code+"&state=held&sort=eta")
	v.Held.Warn = true
	if t.err != nil {
		return t.err
	}
	for _, sh := range v.WeekRows {
		v.Due[sh.ID], _ = sh.Arriving(site.Code)
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, 200, homeHub, site.Name, v, t.marking)
}

// homeSite is the site the reader works at, as their account names it,
// or no site (no code) when it names none or none that exists.
func (s *Server) homeSite(r *http.Request) (catalog.Site, error) {
	code := access.IdentityFrom(r.Context()).Site
	if code == "" {
		return catalog.Site{}, nil
	}
	site, err := s.Read.Catalog.Site(r.Context(), code)
	if fault.Code(err) == fault.NotFound {
		return catalog.Site{}, nil
	}
	return site, err
}

// ---- a facility manager ----

// orderStep is a state of the repair orders at a facility, with what it
// asks of the facility.
type orderStep struct{ State, Label, Note string }

var facilitySteps = []orderStep{
	{repair.Assigned, "Assigned", "to come here"},
	{repair.Transit, "On their way", "record their arrival"},
	{repair.Repairs, "In repair", ""},
	{repair.Parts, "Awaiting parts", ""},
	{repair.Repaired, "Repaired", "to send back"},
}

type homeFacilityView struct {
	Site catalog.Site
	// Repairs and Training say which of the two the site is.
	Repairs, Training bool
	Open              figure
	Steps             []figure
	OpenRows          []repair.Order
	Running, Upcoming figure
	ClassRows         []training.ClassOf
	Names             names
	CanDashboard      bool
}

func (s *Server) uiHomeFacility(w http.ResponseWriter, r *http.Request) error {
	site, err := s.homeSite(r)
	if err != nil {
		return err
	}
	if site.Code == "" {
		return s.page(w, r, 200, homeFacility, "Home", homeFacilityView{}, access.Unclassified)
	}
	v := homeFacilityView{Site: site, Repairs: slices.Contains(site.Kinds, "repair_facility"), Training: slices.Contains(site.Kinds, "training_facility"), CanDashboard: s.mayOpen(r, "/dashboard")}
	t := &tally{s: s, r: r}
	code := url.QueryEscape(site.Code)
	if v.Repairs {
		var rows []repair.Order
		v.Open, rows = t.orders("home-open-orders", "Open repair orders", "/repairs?state=open&facility="+code)
		v.OpenRows = first(rows, homeRows)
		for _, st := range facilitySteps {
			f, _ := t.orders("home-orders-"+st.State, st.Label, "/repairs?state="+st.State+"&facility="+code)
			f.Note = st.Note
			v.Steps = append(v.Steps, f)
		}
	}
	if v.Training {
		var rows []training.ClassOf
		v.Running, rows = t.classes("home-running", "Classes running", "/training?when=running&site="+code)
		v.Running.Note, v.ClassRows = "started, not ended by "+s.today(), rows
		v.Upcoming, rows = t.classes("home-upcoming", "Classes to come", "/training?when=upcoming&site="+code)
		v.ClassRows = first(append(v.ClassRows, rows...), homeRows)
	}
	if t.err != nil {
		return t.err
	}
	if v.Names, err = s.readNames(r.Context(), itemNames|siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, 200, homeFacility, site.Name, v, t.marking)
}
