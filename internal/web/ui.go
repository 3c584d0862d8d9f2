package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/reliability"
)

func (s *Server) uiRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/signin", access.Public, s.uiSignInForm)
	add("POST", "/signin", access.Public, s.uiSignIn)
	add("POST", "/signout", access.SignedIn, s.uiSignOut)
	s.ssoRoutes(add) // single sign-on, when configured
	s.mfaRoutes(add)
	add("GET", "/{$}", access.DashboardRead, s.uiHome)
	add("GET", "/dashboard", access.DashboardRead, s.uiDashboard)
	add("GET", "/nations", access.CatalogRead, s.uiNations)
	add("GET", "/nations/{code}", access.CatalogRead, s.uiNation)
	add("GET", "/sites", access.CatalogRead, s.uiSites)
	add("GET", "/sites/new", access.CatalogWrite, s.uiSiteForm)
	add("POST", "/sites", access.CatalogWrite, s.uiCreateSite)
	add("GET", "/items", access.CatalogRead, s.uiItems)
	add("GET", "/items/new", access.CatalogWrite, s.uiItemForm)
	add("POST", "/items", access.CatalogWrite, s.uiCreateItem)
	add("GET", "/items/{nsn}/edit", access.CatalogWrite, s.uiItemEdit)
	add("POST", "/items/{nsn}", access.CatalogWrite, s.uiUpdateItem)
	add("GET", "/requirements", access.RequirementRead, s.uiRequirements)
	add("GET", "/requirements/new", access.RequirementWrite, s.uiRequirementForm)
	add("POST", "/requirements", access.RequirementWrite, s.uiCreateRequirement)
	add("POST", "/requirements/grid", access.RequirementWrite, s.uiCreateRequirements)
	add("GET", "/requirements/{id}", access.RequirementRead, s.uiRequirement)
	add("GET", "/requirements/{id}/edit", access.RequirementWrite, s.uiRequirementEdit)
	add("POST", "/requirements/{id}", access.RequirementWrite, s.uiUpdateRequirement)
	add("POST", "/requirements/{id}/cancel", access.RequirementWrite, s.uiCancelRequirement)
	add("GET", "/pledges", access.PledgeRead, s.uiPledges)
	add("GET", "/pledges/new", access.PledgeWrite, s.uiPledgeForm)
	add("POST", "/pledges", access.PledgeWrite, s.uiCreatePledge)
	add("GET", "/pledges/{id}", access.PledgeRead, s.uiPledge)
	add("GET", "/pledges/{id}/edit", access.PledgeWrite, s.uiPledgeEdit)
	add("POST", "/pledges/{id}", access.PledgeWrite, s.uiUpdatePledge)
	// Each action's own permission is checked by the use case.
	add("POST", "/pledges/{id}/act", access.PledgeRead, s.uiAct)
	add("POST", "/pledges/{id}/grid", access.PledgeRead, s.uiGrid)
	add("POST", "/pledges/{id}/pay", access.PledgeWrite, s.uiPay)
	add("POST", "/pledges/{id}/revalue", access.PledgeWrite, s.uiRevalue)
	add("POST", "/pledges/{id}/handover", access.ShipmentPlan, s.uiHandOver)
	s.logisticsPages(add)
	s.forecastPages(add)
	s.planPages(add)
	s.accountsRoutes(add)
	s.repairPages(add)
	s.trainingPages(add)
	s.lessonPages(add)
	s.reliabilityPages(add)
	s.readinessPages(add)
	s.notifyRoutes(add)
	add("GET", "/transfer", access.SignedIn, s.uiTransfer)
	add("POST", "/transfer/import", access.SignedIn, s.uiImport)
	for _, k := range exchange.Kinds {
		add("GET", "/transfer/export/"+k, exportPermission[k], s.uiExport(k))
		add("GET", "/transfer/template/"+k, access.SignedIn, s.uiTemplate(k))
	}
	add("GET", "/audit", access.AuditRead, s.uiAudit)
	add("GET", "/account", access.TokenOwn, s.uiAccount)
	add("POST", "/account/tokens", access.TokenOwn, s.uiCreateToken)
	add("POST", "/account/password", access.SignedIn, s.uiChangePassword)
	add("POST", "/account/tokens/{id}/revoke", access.TokenOwn, s.uiRevokeToken)
	add("GET", "/admin/users", access.UserAdmin, s.uiUsers)
	add("POST", "/admin/users", access.UserAdmin, s.uiCreateUser)
	add("POST", "/admin/users/{name}", access.UserAdmin, s.uiUpdateUser)
}

// formErrors maps a field to the message shown beside it; "" holds a
// message for the whole form.
type formErrors map[string]string

func toFormErrors(err error) (formErrors, bool) {
	e := fault.As(err)
	if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
		return nil, false
	}
	fe := formErrors{}
	probs := e.Problems
	if len(probs) == 0 {
		probs = []*fault.Error{e}
	}
	for _, p := range probs {
		if _, dup := fe[p.Field]; !dup {
			fe[p.Field] = p.Message
		}
		// A problem of one entry of a list field ("releasable_to[1]") is
		// shown at the field the form has for the whole list.
		if i := strings.LastIndexByte(p.Field, '['); i > 0 && strings.HasSuffix(p.Field, "]") && !strings.Contains(p.Field[i:], ".") {
			if _, dup := fe[p.Field[:i]]; !dup {
				fe[p.Field[:i]] = p.Message
			}
		}
	}
	if e.Code == fault.Conflict {
		fe[""] = e.Message
	}
	return fe, true
}

func statusFor(err error) int { return problemFor(err).Status }

type chartRow struct {
	assist.NationFigures
	Y, WP, WD, WA int
}

type dashboardView struct {
	assist.Dashboard
	Chart       []chartRow
	ChartHeight int
	MaxOpen     int64
	Bars        []priorityBar
	// Logistics is shown to readers of shipments.
	Logistics *logisticsView
	// AtRisk are the lines whose promise is at risk, the soonest promised
	// first, at most a dozen of AtRiskCount.
	AtRisk      []forecast.Entry
	AtRiskCount int
	// Expected are the open lines' forecasts by line id, beside the
	// overdue lines' promised dates.
	Expected map[int64]*forecast.Entry
	// OverdueActions are the lessons' remedial actions past their due date.
	OverdueActions []lessons.OverdueAction
	Names          names
	// Reliability is shown to readers of the accounts.
	Reliability *reliabilityView
}

// logisticsView is logistics at a glance with the lines whose shipment's
// ETA will miss their promised date, by the early-warning rule.
type logisticsView struct {
	logistics.LogisticsSummary
	AtRisk []logistics.AtRiskLine `json:"at_risk"`
}

type priorityBar struct {
	assist.PriorityFigures
	Width int
}

const chartWidth = 560

func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Read.Ledger.Dashboard(r.Context(), s.today(), 12)
	if err != nil {
		return err
	}
	v := dashboardView{Dashboard: d}
	if v.OverdueActions, err = s.Read.Lessons.OverdueActions(r.Context(), s.Now()); err != nil {
		return err
	}
	var max money.Cents = 1
	for _, n := range d.ByNation {
		if n.Pledged > max {
			max = n.Pledged
		}
	}
	scale := func(c money.Cents) int { return int(int64(c) * chartWidth / int64(max)) }
	for i, n := range d.ByNation {
		if i == 15 {
			break
		}
		v.Chart = append(v.Chart, chartRow{NationFigures: n, Y: 10 + i*24, WP: scale(n.Pledged), WD: scale(n.Delivered), WA: scale(n.Accepted)})
	}
	v.ChartHeight = 20 + len(v.Chart)*24
	var maxCount int64 = 1
	for _, p := range d.OpenByPriority {
		maxCount = max64(maxCount, p.Count)
	}
	for _, p := range d.OpenByPriority {
		v.Bars = append(v.Bars, priorityBar{PriorityFigures: p, Width: int(p.Count * 100 / maxCount)})
	}
	marking := access.Unclassified
	var o *forecast.Outlook
	if access.Allowed(access.IdentityFrom(r.Context()), access.PledgeRead) {
		if o, err = s.outlook(r); err != nil {
			return err
		}
		v.AtRisk = o.AtRisk("")
		v.AtRiskCount = len(v.AtRisk)
		v.AtRisk = v.AtRisk[:min(len(v.AtRisk), 12)]
		shown := append([]forecast.Entry(nil), v.AtRisk...)
		v.Expected = map[int64]*forecast.Entry{}
		for _, l := range d.Overdue {
			if e, ok := o.Line(l.Line); ok {
				v.Expected[l.Line] = &e
				shown = append(shown, e)
			}
		}
		// The dashboard's lists of lines do not mark it (its overdue lines
		// never have); the history behind their forecasts does.
		marking = historyMarking(shown) // max is a figure here
	}
	if access.Allowed(access.IdentityFrom(r.Context()), access.ShipmentRead) {
		lg, err := s.logistics(r, o, 10)
		if err != nil {
			return err
		}
		v.Logistics = &lg
		for _, sh := range lg.LateList {
			if sh.Classification > marking {
				marking = sh.Classification
			}
		}
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	if v.Reliability, err = s.reliabilityPanel(r, reliability.Query{By: reliability.ByNation}, &marking); err != nil {
		return err
	}
	return s.page(w, r, 200, "dashboard", "Dashboard", v, marking)
}

// logistics is logistics at a glance, with at most limit lines in each
// list; the lines at risk by their ETA come from o, read when nil.
func (s *Server) logistics(r *http.Request, o *forecast.Outlook, limit int) (logisticsView, error) {
	lg, err := s.Read.Logistics.Logistics(r.Context(), s.Now(), limit)
	if err != nil {
		return logisticsView{}, err
	}
	if o == nil {
		if o, err = s.outlook(r); err != nil {
			return logisticsView{}, err
		}
	}
	return logisticsView{LogisticsSummary: lg, AtRisk: etaAtRisk(o, limit)}, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (s *Server) uiNations(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	if o.Limit == 0 {
		o.Limit = 100
	}
	q := r.URL.Query()
	p, err := s.Read.Catalog.Nations(r.Context(), catalog.NationFilter{Role: q.Get("role"), Q: q.Get("q")}, o)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "nations", "Nations", p, access.Unclassified)
}

type nationView struct {
	catalog.Nation
	Rows      []yearRow
	Pledges   list.Page[assist.PledgeSummary]
	Sites     list.Page[catalog.Site]
	Agreement *accounts.Agreement
	Account   *accounts.Account // in the latest baseline year, for readers of the accounts
	Year      int
	// Reliability is the nation's by capability area, for readers of the
	// accounts.
	Reliability *reliabilityView
	// AtRisk are the nation's lines whose promise is at risk.
	AtRisk []forecast.Entry
}

// yearRow is one year of a nation's figures, formatted for the page.
type yearRow struct {
	Year, GDP, Defence, Share string
}

func (s *Server) uiNation(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Read.Catalog.Nation(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	v := nationView{Nation: n}
	for i := len(n.Years) - 1; i >= 0; i-- {
		y := n.Years[i]
		row := yearRow{Year: strconv.Itoa(y.Year), GDP: formatInt((y.GDPUSD + 500_000) / 1_000_000), Defence: "—", Share: "—"}
		if y.Estimate {
			row.Year += "e"
		}
		if y.DefenceUSD > 0 {
			row.Defence = formatInt((y.DefenceUSD + 500_000) / 1_000_000)
			row.Share = money.FormatDecimal((y.DefencePPM+50)/100, 2) + "%"
		}
		v.Rows = append(v.Rows, row)
	}
	if v.Pledges, err = s.Read.Ledger.Pledges(r.Context(), assist.PledgeFilter{Nation: n.Code}, list.Options{Limit: 100}, s.today()); err != nil {
		return err
	}
	if v.Sites, err = s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Nation: n.Code}, list.Options{Limit: 100}); err != nil {
		return err
	}
	if a, err := s.Read.Accounts.Agreement(r.Context(), n.Code); err == nil {
		v.Agreement = &a
	} else if fault.Code(err) != fault.NotFound {
		return err
	}
	marking := highestPledge(v.Pledges.Items)
	if access.Allowed(access.IdentityFrom(r.Context()), access.PledgeRead) {
		o, err := s.outlook(r)
		if err != nil {
			return err
		}
		v.AtRisk = o.AtRisk(n.Code)
		marking = max(marking, entriesMarking(v.AtRisk))
	}
	if access.Allowed(access.IdentityFrom(r.Context()), access.AccountsRead) {
		if year, _, err := s.accountsYear(r); err == nil {
			l, err := s.Read.Accounts.Accounts(r.Context(), year, s.Now())
			if err != nil {
				return err
			}
			for i := range l.Accounts {
				if l.Accounts[i].Nation == n.Code {
					v.Account, v.Year = &l.Accounts[i], year
					marking = max(marking, l.Marking)
				}
			}
		}
	}
	if v.Reliability, err = s.reliabilityPanel(r, reliability.Query{Nation: n.Code, By: reliability.ByCapability}, &marking); err != nil {
		return err
	}
	return s.page(w, r, 200, "nation", n.Name, v, marking)
}

func highestPledge(ps []assist.PledgeSummary) access.Classification {
	c := access.Unclassified
	for _, p := range ps {
		if p.Classification > c {
			c = p.Classification
		}
	}
	return c
}

func (s *Server) uiSites(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Nation: q.Get("nation"), Kind: q.Get("kind"), Q: q.Get("q")}, o)
	if err != nil {
		return err
	}
	nm, err := s.readNames(r.Context(), nationNames)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "sites", "Sites", struct {
		list.Page[catalog.Site]
		Kinds []string
		Names names
	}{p, catalog.SiteKinds, nm}, access.Unclassified)
}

// siteInput is the site form as typed: coordinates in decimal degrees.
type siteInput struct {
	Code, Name, Nation, Lat, Lon, Notes string
	Kinds                               []string
}

type siteFormView struct {
	In     siteInput
	Errors formErrors
	Kinds  []string
	Names  names
}

func (s *Server) siteForm(w http.ResponseWriter, r *http.Request, status int, in siteInput, errs formErrors) error {
	nm, err := s.readNames(r.Context(), nationNames)
	if err != nil {
		return err
	}
	return s.page(w, r, status, "site_form", "New site", siteFormView{in, errs, catalog.SiteKinds, nm}, access.Unclassified)
}

func (s *Server) uiSiteForm(w http.ResponseWriter, r *http.Request) error {
	return s.siteForm(w, r, 200, siteInput{}, nil)
}

func (s *Server) uiCreateSite(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := siteInput{Code: f.Get("code"), Name: f.Get("name"), Nation: f.Get("nation"), Lat: f.Get("lat"), Lon: f.Get("lon"), Notes: f.Get("notes"), Kinds: f["kinds"]}
	var errs fault.List
	site := catalog.Site{Code: in.Code, Name: in.Name, Nation: in.Nation, Kinds: in.Kinds, Notes: in.Notes}
	site.LatE6 = money.FieldDecimal(&errs, "lat_e6", in.Lat, 6)
	site.LonE6 = money.FieldDecimal(&errs, "lon_e6", in.Lon, 6)
	err := errs.Err()
	if err == nil {
		site, err = s.Catalog.CreateSite(r.Context(), site)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.siteForm(w, r, statusFor(err), in, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice("/sites?q="+url.QueryEscape(site.Code), "site-added", site.Code), http.StatusSeeOther)
	return nil
}

type itemsView struct {
	list.Page[catalog.Item]
	Capabilities []string
	Groups       []string
}

func (s *Server) uiItems(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Catalog.Items(r.Context(), itemFilter(r), o)
	if err != nil {
		return err
	}
	groups, err := s.Read.Catalog.Groups(r.Context())
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "items", "Catalogue", itemsView{p, catalog.CapabilityAreas, groups}, access.Unclassified)
}

type itemFormView struct {
	In           itemInput
	Errors       formErrors
	Capabilities []string
	Units        []string
	Groups       []string
	// Version is set when an existing item is edited; its NSN stays.
	Version int64
}

func (s *Server) itemForm(w http.ResponseWriter, r *http.Request, status int, in itemInput, errs formErrors) error {
	return s.itemFormFor(w, r, status, in, errs, 0)
}

func (s *Server) itemFormFor(w http.ResponseWriter, r *http.Request, status int, in itemInput, errs formErrors, version int64) error {
	groups, err := s.Read.Catalog.Groups(r.Context())
	if err != nil {
		return err
	}
	title := "New item"
	if version != 0 {
		title = "Edit " + in.NSN
	}
	return s.page(w, r, status, "item_form", title, itemFormView{in, errs, catalog.CapabilityAreas, catalog.UnitsOfIssue(), groups, version}, access.Unclassified)
}

func itemFromForm(f url.Values) itemInput {
	return itemInput{NSN: f.Get("nsn"), Name: f.Get("name"), Capability: f.Get("capability"), UnitOfIssue: f.Get("unit_of_issue"),
		UnitValue: f.Get("unit_value"), MassKG: f.Get("mass_kg"), VolumeM3: f.Get("volume_m3"), Group: f.Get("group")}
}

func (s *Server) uiItemEdit(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Read.Catalog.Item(r.Context(), r.PathValue("nsn"))
	if err != nil {
		return err
	}
	in := itemInput{NSN: it.NSN, Name: it.Name, Capability: it.Capability, UnitOfIssue: it.UnitOfIssue, UnitValue: it.UnitValue.String(),
		MassKG: money.FormatDecimal(it.MassG, 3), VolumeM3: money.FormatDecimal(it.VolumeCM3, 6), Group: it.Group}
	return s.itemFormFor(w, r, 200, in, nil, it.Version)
}

func (s *Server) uiUpdateItem(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in := itemFromForm(r.PostForm)
	in.NSN = r.PathValue("nsn")
	pre := formErrors{}
	version := formInt(pre, r.PostForm, "version")
	if len(pre) > 0 {
		return s.itemFormFor(w, r, 422, in, pre, max(version, 1))
	}
	it, err := in.item()
	if err == nil {
		it, err = s.Catalog.UpdateItem(r.Context(), in.NSN, version, it)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.itemFormFor(w, r, statusFor(err), in, fe, max(version, 1))
		}
		return err
	}
	http.Redirect(w, r, withNotice("/items?q="+url.QueryEscape(it.NSN), "item-updated", it.NSN), http.StatusSeeOther)
	return nil
}

func (s *Server) uiItemForm(w http.ResponseWriter, r *http.Request) error {
	return s.itemForm(w, r, 200, itemInput{UnitOfIssue: "EA"}, nil)
}

func (s *Server) uiCreateItem(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in := itemFromForm(r.PostForm)
	it, err := in.item()
	if err == nil {
		it, err = s.Catalog.CreateItem(r.Context(), it)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.itemForm(w, r, statusFor(err), in, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice("/items?q="+url.QueryEscape(it.NSN), "item-added", it.NSN), http.StatusSeeOther)
	return nil
}

type requirementsView struct {
	list.Page[assist.Requirement]
	States []string
	// Sites are the delivery points to filter by.
	Sites []catalog.Site
	Names names
}

func (s *Server) uiRequirements(w http.ResponseWriter, r *http.Request) error {
	p, err := s.requirementPage(r)
	if err != nil {
		return err
	}
	c := access.Unclassified
	for _, q := range p.Items {
		if q.Classification > c {
			c = q.Classification
		}
	}
	// Every site, for the names of spare parts' repair facilities as well
	// as of the delivery points the filter offers.
	nm, err := s.readNames(r.Context(), itemNames|siteNames)
	if err != nil {
		return err
	}
	points, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Kind: "delivery_point"}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		return err
	}
	v := requirementsView{Page: p, States: assist.RequirementStates, Sites: points.Items, Names: nm}
	return s.page(w, r, 200, "requirements", "Requirements", v, c)
}

type requirementFormView struct {
	In     requirementInput
	Errors formErrors
	// ID and Version are set when an existing requirement is edited.
	ID, Version     int64
	Ref             string
	Items           []catalog.Item
	Groups          []string
	Sites           []catalog.Site
	Classifications []access.Classification
	// Grid is the grid of several new requirements, beside the form of one.
	Grid requirementGrid
}

func (s *Server) requirementForm(w http.ResponseWriter, r *http.Request, status int, in requirementInput, errs formErrors) error {
	return s.requirementFormFor(w, r, status, in, errs, assist.Requirement{}, requirementGrid{})
}

// requirementFormFor renders the form for a new requirement, with the grid
// of several as grid holds it, or for editing existing when its ID is set.
func (s *Server) requirementFormFor(w http.ResponseWriter, r *http.Request, status int, in requirementInput, errs formErrors, existing assist.Requirement, grid requirementGrid) error {
	items, err := s.Read.Catalog.AllItems(r.Context(), catalog.ItemFilter{})
	if err != nil {
		return err
	}
	groups, err := s.Read.Catalog.Groups(r.Context())
	if err != nil {
		return err
	}
	sites, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Kind: "delivery_point"}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		return err
	}
	v := requirementFormView{In: in, Errors: errs, Items: items, Groups: groups, Sites: sites.Items, Classifications: access.Classifications()}
	title := "New requirement"
	if existing.ID != 0 {
		v.ID, v.Version, v.Ref = existing.ID, existing.Version, existing.Ref()
		title = "Edit " + existing.Ref()
	} else {
		v.Grid = grid.padded(names{}.withItems(items).withSites(sites.Items))
	}
	return s.page(w, r, status, "requirement_form", title, v, existing.Classification)
}

func (s *Server) uiRequirementForm(w http.ResponseWriter, r *http.Request) error {
	return s.requirementForm(w, r, 200, requirementInput{Priority: 2, Classification: access.Unclassified.String()}, nil)
}

func formInt(errs formErrors, f url.Values, name string) int64 {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		errs[name] = fmt.Sprintf("%q is not a whole number", v)
	}
	return n
}

func releasable(f url.Values) []string {
	return access.ParseReleasability(f.Get("releasable_to"))
}

// requirementFromForm reads the requirement form; pre holds what could not
// be read as numbers.
func requirementFromForm(f url.Values) (requirementInput, formErrors) {
	pre := formErrors{}
	in := requirementInput{NSN: f.Get("nsn"), Group: f.Get("group"), NeedBy: f.Get("need_by"), DeliverySite: f.Get("delivery_site"),
		Notes: f.Get("notes"), Classification: f.Get("classification"), ReleasableTo: releasable(f)}
	in.Quantity = formInt(pre, f, "quantity")
	in.Priority = int(formInt(pre, f, "priority"))
	return in, pre
}

func (s *Server) uiRequirementEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q, err := s.Read.Ledger.Requirement(r.Context(), id)
	if err != nil {
		return err
	}
	in := requirementInput{NSN: q.NSN, Group: q.Group, Quantity: q.Quantity, Priority: q.Priority, NeedBy: q.NeedBy, DeliverySite: q.DeliverySite,
		Notes: q.Notes, Classification: q.Classification.String(), ReleasableTo: q.ReleasableTo}
	return s.requirementFormFor(w, r, 200, in, nil, q, requirementGrid{})
}

// formKeeps returns the parts of the marking that a posted edit form leaves
// out, which the edit keeps as stored.
func formKeeps(f url.Values) []access.MarkingPart {
	var keep []access.MarkingPart
	if strings.TrimSpace(f.Get("classification")) == "" {
		keep = append(keep, access.ClassificationPart)
	}
	if _, ok := f["releasable_to"]; !ok {
		keep = append(keep, access.ReleasabilityPart)
	}
	return keep
}

func (s *Server) uiUpdateRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	existing, err := s.Read.Ledger.Requirement(r.Context(), id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in, pre := requirementFromForm(r.PostForm)
	version := formInt(pre, r.PostForm, "version")
	if len(pre) > 0 {
		return s.requirementFormFor(w, r, 422, in, pre, existing, requirementGrid{})
	}
	q, err := in.requirement()
	if err == nil {
		q, err = s.Assist.UpdateRequirement(r.Context(), id, version, q, formKeeps(r.PostForm)...)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.requirementFormFor(w, r, statusFor(err), in, fe, existing, requirementGrid{})
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/requirements/%d", id), "requirement-updated", q.Ref()), http.StatusSeeOther)
	return nil
}

func (s *Server) uiCreateRequirement(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in, pre := requirementFromForm(r.PostForm)
	if len(pre) > 0 {
		return s.requirementForm(w, r, 422, in, pre)
	}
	q, err := in.requirement()
	if err == nil {
		q, err = s.Assist.CreateRequirement(r.Context(), q)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.requirementForm(w, r, statusFor(err), in, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/requirements/%d", q.ID), "requirement-submitted", q.Ref()), http.StatusSeeOther)
	return nil
}

func (s *Server) uiRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.requirementDetail(r, id)
	if err != nil {
		return err
	}
	evs, err := s.Read.Audit.Events(r.Context(), "requirement", strconv.FormatInt(id, 10), 50)
	if err != nil {
		return err
	}
	ls, err := s.Read.Lessons.LessonsFor(r.Context(), "requirement", d.Ref)
	if err != nil {
		return err
	}
	marking := d.Classification
	for _, l := range ls {
		marking = max(marking, l.Classification)
	}
	nm, err := s.readNames(r.Context(), itemNames|siteNames|nationNames)
	if err != nil {
		return err
	}
	var fc *requirementForecast
	if access.Allowed(access.IdentityFrom(r.Context()), access.PledgeRead) {
		f, err := s.requirementForecast(r, d.Requirement, d.Allocations)
		if err != nil {
			return err
		}
		fc = &f
		marking = max(marking, entriesMarking(f.Lines))
	}
	return s.page(w, r, 200, "requirement", d.Ref, struct {
		requirementDetail
		Events   any
		Lessons  any
		Names    names
		Forecast *requirementForecast
	}{d, evs, ls, nm, fc}, marking)
}

func (s *Server) uiCancelRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	q, err := s.Assist.CancelRequirement(r.Context(), id, version)
	if err != nil {
		return err // shown as the page of the refusal, saying why
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/requirements/%d", id), "requirement-cancelled", q.Ref()), http.StatusSeeOther)
	return nil
}

type pledgesView struct {
	list.Page[assist.PledgeSummary]
	Kinds, Channels, Categories []string
	Nations                     []catalog.Nation
	Names                       names
	AidTypes, Instruments       []string
	// Capabilities and Buckets filter the pledges behind a reliability
	// figure.
	Capabilities []string
	Buckets      []reliability.Bucket
}

func (s *Server) pledgingNations(r *http.Request) ([]catalog.Nation, error) {
	p, err := s.Read.Catalog.Nations(r.Context(), catalog.NationFilter{}, list.Options{Limit: list.MaxLimit, Sort: "name"})
	var out []catalog.Nation
	for _, n := range p.Items {
		if n.Role != catalog.RoleRecipient {
			out = append(out, n)
		}
	}
	return out, err
}

func (s *Server) uiPledges(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pledgePage(r)
	if err != nil {
		return err
	}
	nations, err := s.pledgingNations(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "pledges", "Pledges", pledgesView{p, assist.Kinds, assist.Channels, assist.Categories, nations, names{}.withNations(nations), assist.AidTypes, assist.Instruments, catalog.CapabilityAreas, reliability.Buckets}, highestPledge(p.Items))
}

type pledgeFormView struct {
	In                          pledgeInput
	Errors                      formErrors
	Nations                     []catalog.Nation
	Items                       []catalog.Item
	Kinds, Channels, Categories []string
	AidTypes, Instruments       []string
	Classifications             []access.Classification
	Depots                      []catalog.Site
	Bases                       []string
	More                        int
	// ID, Version and Ref are set when an existing pledge's own fields are
	// edited; its lines then change only through their actions.
	ID, Version int64
	Ref         string
	// Known are the nations and NSNs the form's lists offer, so that a
	// value sent that is none of them is shown as sent, not dropped.
	KnownNation map[string]bool
	KnownNSN    map[string]bool
}

const formLines = 4

func (s *Server) pledgeForm(w http.ResponseWriter, r *http.Request, status int, in pledgeInput, errs formErrors) error {
	return s.pledgeFormFor(w, r, status, in, errs, assist.Pledge{})
}

func (s *Server) pledgeFormFor(w http.ResponseWriter, r *http.Request, status int, in pledgeInput, errs formErrors, existing assist.Pledge) error {
	nations, err := s.pledgingNations(r)
	if err != nil {
		return err
	}
	items, err := s.Read.Catalog.AllItems(r.Context(), catalog.ItemFilter{})
	if err != nil {
		return err
	}
	depots, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Kind: "donor_depot"}, list.Options{Limit: list.MaxLimit, Sort: "code"})
	if err != nil {
		return err
	}
	v := pledgeFormView{In: in, Errors: errs, Nations: nations, Items: items, Kinds: assist.Kinds, Channels: assist.Channels, Categories: assist.Categories, AidTypes: assist.AidTypes, Instruments: assist.Instruments,
		Classifications: access.Classifications(), Depots: depots.Items, Bases: assist.Bases, KnownNation: map[string]bool{}, KnownNSN: map[string]bool{}}
	for _, n := range nations {
		v.KnownNation[n.Code] = true
	}
	for _, it := range items {
		v.KnownNSN[it.NSN] = true
	}
	title := "Record a pledge"
	if existing.ID != 0 {
		v.ID, v.Version, v.Ref, v.In.Lines = existing.ID, existing.Version, existing.Ref(), nil
		title = "Edit " + existing.Ref()
	} else {
		for len(v.In.Lines) < formLines {
			v.In.Lines = append(v.In.Lines, lineInput{})
		}
		v.More = len(v.In.Lines) + 4
	}
	return s.page(w, r, status, "pledge_form", title, v, existing.Classification)
}

// checked is a form's checkbox as the API's optional flag: a form always
// says, ticked or not.
func checked(f url.Values, name string) *bool {
	b := f.Get(name) != ""
	return &b
}

func pledgeHeaderFromForm(f url.Values) pledgeInput {
	return pledgeInput{Nation: f.Get("nation"), Title: f.Get("title"), Description: f.Get("description"), Kind: f.Get("kind"), Aid: f.Get("aid"), Instrument: f.Get("instrument"), Channel: f.Get("channel"), Category: f.Get("category"),
		Announced: f.Get("announced"), Promised: f.Get("promised"), Reference: f.Get("reference"), Depot: f.Get("depot"), Amount: f.Get("amount"), ValueUndisclosed: checked(f, "value_undisclosed"),
		AmountValuation: valuationFromForm(f, "amount_valuation."), Classification: f.Get("classification"), ReleasableTo: releasable(f)}
}

// valuationFromForm reads the valuation fields named prefix+"currency"
// and so on.
func valuationFromForm(f url.Values, prefix string) valuationInput {
	return valuationInput{Currency: f.Get(prefix + "currency"), Original: f.Get(prefix + "original"), Rate: f.Get(prefix + "rate"), RateDate: f.Get(prefix + "rate_date"),
		Basis: f.Get(prefix + "basis"), Source: f.Get(prefix + "source")}
}

func (s *Server) uiPledgeEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Ledger.Pledge(r.Context(), id)
	if err != nil {
		return err
	}
	in := pledgeInput{Nation: p.Nation, Title: p.Title, Description: p.Description, Kind: p.Kind, Aid: p.Aid, Instrument: p.Instrument, Channel: p.Channel, Category: p.Category, Announced: p.AnnouncedText(), Promised: p.PromisedText(),
		Reference: p.Reference, Depot: p.Depot, Amount: p.Amount.String(), ValueUndisclosed: &p.ValueUndisclosed, AmountValuation: valuationText(p.AmountValuation),
		Classification: p.Classification.String(), ReleasableTo: p.ReleasableTo}
	return s.pledgeFormFor(w, r, 200, in, nil, p)
}

func (s *Server) uiUpdatePledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	existing, err := s.Read.Ledger.Pledge(r.Context(), id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in := pledgeHeaderFromForm(r.PostForm)
	pre := formErrors{}
	version := formInt(pre, r.PostForm, "version")
	if len(pre) > 0 {
		return s.pledgeFormFor(w, r, 422, in, pre, existing)
	}
	p, err := in.pledge()
	if err == nil {
		p, err = s.Assist.UpdatePledge(r.Context(), id, version, p, formKeeps(r.PostForm)...)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeFormFor(w, r, statusFor(err), in, fe, existing)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/pledges/%d", id), "pledge-updated", p.Ref()), http.StatusSeeOther)
	return nil
}

func (s *Server) uiPledgeForm(w http.ResponseWriter, r *http.Request) error {
	in := pledgeInput{Kind: "in_kind", Aid: assist.AidTypes[0], Instrument: assist.Instruments[0], Channel: "bilateral", Category: "in_kind", Announced: s.today(), Classification: access.Unclassified.String()}
	if n, _ := strconv.Atoi(r.URL.Query().Get("lines")); n > formLines && n <= 100 {
		in.Lines = make([]lineInput, n)
	}
	return s.pledgeForm(w, r, 200, in, nil)
}

func (s *Server) uiCreatePledge(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := pledgeHeaderFromForm(f)
	pre := formErrors{}
	nsns := f["line_nsn"]
	// at is the ith value of the form's column name, or empty.
	at := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	// Blank rows of the form are not lines; the others keep their position
	// among the lines given so that errors point at the right row.
	var rows []int
	for i := range nsns {
		q := strings.TrimSpace(at("line_quantity", i))
		v := at("line_unit_value", i)
		val := valuationInput{Currency: at("line_currency", i), Original: at("line_original", i), Rate: at("line_rate", i), RateDate: at("line_rate_date", i),
			Basis: at("line_basis", i), Source: at("line_source", i)}
		if strings.TrimSpace(nsns[i]) == "" && q == "" && strings.TrimSpace(v) == "" && strings.TrimSpace(strings.Join([]string{val.Currency, val.Original, val.Rate, val.RateDate, val.Basis, val.Source}, "")) == "" {
			continue
		}
		l := lineInput{NSN: nsns[i], UnitValue: v, QuantityText: q, Valuation: val}
		// "undisclosed" in a cell says the donor has not made it public.
		if assist.IsUndisclosed(v) {
			l.ValueUndisclosed, l.UnitValue = true, ""
		}
		if assist.IsUndisclosed(q) {
			l.QuantityUndisclosed = true
		} else if q != "" {
			n, err := strconv.ParseInt(q, 10, 64)
			if err != nil {
				pre[fmt.Sprintf("lines[%d].quantity", len(in.Lines))] = fmt.Sprintf("%q is not a whole number", q)
			}
			l.Quantity = n
		}
		in.Lines = append(in.Lines, l)
		rows = append(rows, i)
	}
	p, err := in.pledge()
	if err != nil || len(pre) > 0 {
		// Every problem at once: what did not parse, and what the use
		// case finds in the rest.
		var all fault.List
		for field, msg := range pre {
			all.Add(field, "%s", msg)
		}
		all.AppendNew("", err)
		err = fault.Also(all.Err(), s.Assist.CheckPledge(r.Context(), p))
	} else {
		p, err = s.Assist.CreatePledge(r.Context(), p)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeForm(w, r, statusFor(err), in, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/pledges/%d", p.ID), "pledge-recorded", p.Ref()), http.StatusSeeOther)
	return nil
}

// historyRow is an audit event as a record's history shows it.
type historyRow struct {
	audit.Event
	Detail string
}

// history adds to each event what it did, read from the action it records.
func history(evs []audit.Event) []historyRow {
	out := make([]historyRow, len(evs))
	for i, e := range evs {
		out[i].Event = e
		var after struct {
			Lines       []assist.Line       `json:"lines"`
			Action      *assist.Action      `json:"action"`
			Revaluation *assist.Revaluation `json:"revaluation"`
		}
		if json.Unmarshal([]byte(e.After), &after) != nil {
			continue
		}
		if rv := after.Revaluation; rv != nil {
			out[i].Detail = fmt.Sprintf("%s from %s to %s: %s", rv.What(), rv.Was.In(""), rv.EUR.In(""), rv.Reason)
			continue
		}
		if after.Action == nil {
			continue
		}
		for _, l := range after.Lines {
			if l.ID == after.Action.Line {
				out[i].Detail = fmt.Sprintf("%s %s on line %d (%s)", assist.Label(after.Action.Kind), formatInt(after.Action.Quantity), l.No, l.NSN)
				if after.Action.Requirement != 0 {
					out[i].Detail += " to " + (&assist.Requirement{ID: after.Action.Requirement}).Ref()
				}
			}
		}
	}
	return out
}

type pledgeView struct {
	pledgeDetail
	CanEdit     bool
	CanAllocate bool
	// Shippable are the allocations with goods left to ship, offered to
	// whoever may ship this nation's goods for a direct handover.
	Shippable []shippable
	Handover  formErrors
	// Typed is what the handover form sent, shown again with its errors.
	Typed  url.Values
	Now    string // the latest time a handover may be dated, UTC
	Nation catalog.Nation
	// ReqsFor are, for each line by its number, the open requirements its
	// item can meet: the allocate list offers only those.
	ReqsFor map[int][]reqChoice
	Actions []string
	// GridErrors and GridTyped are the grid's problems and what was typed.
	GridErrors formErrors
	GridTyped  url.Values
	// CanPay offers the form that records money committed or disbursed;
	// PayErrors and PayTyped are its problems and what was typed.
	CanPay    bool
	PayErrors formErrors
	PayTyped  url.Values
	Stages    []string
	Today     string
	Events    any
	Errors    formErrors
	ErrLine   int64
	Last      assist.Action

	// Revalue offers the figures that may be revalued (0 the amount, or a
	// line's number), to whoever may; RevalueErrors and RevalueTyped are
	// the form's problems and what was typed.
	Revalue       []revalueChoice
	RevalueErrors formErrors
	RevalueTyped  url.Values
	Bases         []string
	// Names are the sites', for the depot and the requirements' delivery
	// points.
	Names names

	// Forecasts are the open lines' forecasts, by line id, and Flags the
	// early warnings kept of the pledge's lines, the latest first.
	Forecasts map[int64]*forecast.Entry
	Flags     []forecast.Flag
}

// reqChoice is a requirement as the allocate list offers it: by its
// reference, with the item's name and the site's beside their codes.
type reqChoice struct {
	ID       int64
	Ref      string
	What     string // "Cartridge, 155 mm HE (1320-12-345-6789)" or "group 155MM-NATO"
	Site     string // "Kyiv depot (UA-KYIV)"
	Open     int64
	Priority int
}

// compatibleRequirements sorts the open requirements by the lines of p
// whose item can meet them (assist.Compatible), so that a line is offered
// only what it could be allocated to.
func (s *Server) compatibleRequirements(r *http.Request, p assist.Pledge, open []assist.Requirement, nm names) (map[int][]reqChoice, error) {
	if len(open) == 0 {
		return nil, nil
	}
	items, err := s.Read.Catalog.AllItems(r.Context(), catalog.ItemFilter{})
	if err != nil {
		return nil, err
	}
	byNSN := map[string]catalog.Item{}
	for _, it := range items {
		byNSN[it.NSN] = it
	}
	out := map[int][]reqChoice{}
	for _, l := range p.Lines {
		item, ok := byNSN[l.NSN]
		if !ok {
			continue
		}
		for i := range open {
			q := &open[i]
			var reqItem *catalog.Item
			if it, ok := byNSN[q.NSN]; ok {
				reqItem = &it
			}
			if !assist.Compatible(item, q, reqItem) {
				continue
			}
			c := reqChoice{ID: q.ID, Ref: q.Ref(), Open: q.Open(), Priority: q.Priority, Site: nm.Site(q.DeliverySite)}
			if reqItem != nil {
				c.What = named(reqItem.Name, reqItem.NSN)
			} else {
				c.What = "group " + q.Group
			}
			out[l.No] = append(out[l.No], c)
		}
	}
	return out, nil
}

// pledgeViewGrid is the pledge's page with the grid's problems and what
// was typed in it.
func (s *Server) pledgeViewGrid(w http.ResponseWriter, r *http.Request, status int, id int64, errs formErrors, typed url.Values) error {
	return s.pledgeViewWith(w, r, status, id, nil, assist.Action{}, errs, typed)
}

func (s *Server) pledgeView(w http.ResponseWriter, r *http.Request, status int, id int64, errs formErrors, last assist.Action) error {
	return s.pledgeViewWith(w, r, status, id, errs, last, nil, nil)
}

func (s *Server) pledgeViewWith(w http.ResponseWriter, r *http.Request, status int, id int64, errs formErrors, last assist.Action, gridErrs formErrors, gridTyped url.Values) error {
	p, err := s.Read.Ledger.Pledge(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := s.pledgeDetail(r, p, false)
	if err != nil {
		return err
	}
	n, err := s.Read.Catalog.Nation(r.Context(), p.Nation)
	if err != nil {
		return err
	}
	evs, err := s.Read.Audit.Events(r.Context(), "pledge", strconv.FormatInt(id, 10), 50)
	if err != nil {
		return err
	}
	// Offer only the actions the reader may take on this nation's pledge,
	// and read the requirements to allocate to only for those who may.
	me := access.IdentityFrom(r.Context())
	var actions []string
	for _, a := range assist.Actions {
		if access.Allowed(me, actionPermission[a]) && assist.MayAct(r.Context(), a, p.Nation) == nil {
			actions = append(actions, a)
		}
	}
	var open []assist.Requirement
	if slices.Contains(actions, assist.Allocate) {
		reqs, err := s.Read.Ledger.AllRequirements(r.Context(), assist.RequirementFilter{State: "active"})
		if err != nil {
			return err
		}
		for _, q := range reqs {
			if q.Open() > 0 {
				open = append(open, q)
			}
		}
	}
	nm, err := s.readNames(r.Context(), siteNames)
	if err != nil {
		return err
	}
	reqsFor, err := s.compatibleRequirements(r, p, open, nm)
	if err != nil {
		return err
	}
	canEdit := access.Allowed(me, access.PledgeWrite) && me.MayWriteFor(p.Nation)
	v := pledgeView{pledgeDetail: d, CanEdit: canEdit, CanAllocate: slices.Contains(actions, assist.Allocate), Nation: n, ReqsFor: reqsFor,
		Actions: actions, Events: history(evs), Errors: errs, ErrLine: last.Line, Last: last, Now: s.Now().UTC().Format("2006-01-02T15:04"), Names: nm}
	if last.Kind == "handover" {
		v.Handover, v.Errors, v.ErrLine, v.Typed = errs, nil, 0, r.PostForm
	}
	v.GridErrors, v.GridTyped = gridErrs, gridTyped
	if v.GridTyped == nil {
		v.GridTyped = url.Values{}
	}
	v.CanPay = p.Amount > 0 && access.Allowed(me, access.PledgeWrite) && assist.MayPay(r.Context(), p.Nation) == nil
	v.Stages, v.Today, v.PayTyped = assist.Stages, s.today(), url.Values{}
	if last.Kind == "pay" {
		v.PayErrors, v.Errors, v.ErrLine, v.PayTyped = errs, nil, 0, r.PostForm
	}
	if access.Allowed(me, access.PledgeWrite) && assist.MayRevalue(r.Context(), p.Nation) == nil {
		v.Revalue = revalueChoices(p)
	}
	v.Bases, v.RevalueTyped = assist.Bases, url.Values{}
	if last.Kind == "revalue" {
		v.RevalueErrors, v.Errors, v.ErrLine, v.RevalueTyped = errs, nil, 0, r.PostForm
	}
	if access.Allowed(me, access.ShipmentPlan) && me.MayWriteFor(p.Nation) {
		for _, a := range d.Allocations {
			if free := a.Quantity - a.Shipped; free > 0 {
				v.Shippable = append(v.Shippable, shippable{a.ID, a.Requirement, a.LineNo, free})
			}
		}
	}
	fc, err := s.pledgeForecast(r, p)
	if err != nil {
		return err
	}
	v.Forecasts, v.Flags = map[int64]*forecast.Entry{}, fc.Flags
	for i := range fc.Lines {
		v.Forecasts[fc.Lines[i].Line.ID] = &fc.Lines[i]
	}
	return s.page(w, r, status, "pledge", p.Ref()+" "+p.Title, v, max(p.Classification, entriesMarking(fc.Lines)))
}

// shippable is an allocation with goods left to ship.
type shippable struct {
	ID, Requirement int64
	LineNo          int
	Free            int64
}

// uiHandOver records goods of a pledge handed over outside the hub network.
func (s *Server) uiHandOver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	errs := formErrors{}
	in := logistics.Handover{Destination: f.Get("destination"), Note: f.Get("note"), At: formTime(errs, f, "at"), Override: f.Get("override_reason")}
	in.Lines = []logistics.NewLine{{Allocation: formInt(errs, f, "allocation"), Quantity: formInt(errs, f, "quantity")}}
	last := assist.Action{Kind: "handover"}
	if len(errs) > 0 {
		return s.pledgeView(w, r, 422, id, errs, last)
	}
	sh, err := s.Logi.HandOver(r.Context(), in)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeView(w, r, statusFor(err), id, fe, last)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/pledges/%d", id), "handed-over", sh.Ref(), sh.Destination), http.StatusSeeOther)
	return nil
}

func (s *Server) uiPledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.pledgeView(w, r, 200, id, nil, assist.Action{})
}

func (s *Server) uiAct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	a := assist.Action{Kind: f.Get("action"), Line: formInt(pre, f, "line"), Quantity: formInt(pre, f, "quantity"), Requirement: formInt(pre, f, "requirement")}
	version := formInt(pre, f, "version")
	if len(pre) > 0 {
		return s.pledgeView(w, r, 422, id, pre, a)
	}
	p, err := s.Assist.Act(r.Context(), id, version, a)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeView(w, r, statusFor(err), id, fe, a)
		}
		return err
	}
	l, _ := p.Line(a.Line)
	http.Redirect(w, r, withNotice(fmt.Sprintf("/pledges/%d", id), "line-acted", a.Kind, a.Quantity, l.No), http.StatusSeeOther)
	return nil
}

// uiPay records money of a pledge committed or disbursed, showing every
// problem of the form at once with what was typed kept.
func (s *Server) uiPay(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	version := formInt(pre, f, "version")
	var read fault.List
	pay := assist.Payment{Stage: f.Get("stage"), Amount: money.FieldEUR(&read, "amount", f.Get("amount")), Date: f.Get("date"), Evidence: f.Get("evidence")}
	last := assist.Action{Kind: "pay"}
	if len(pre) > 0 {
		return s.pledgeView(w, r, 422, id, pre, last)
	}
	if read.Err() != nil {
		pay.Amount = 0 // refused by Pay, which reports the other fields' problems too
	}
	_, err = s.Assist.Pay(r.Context(), id, version, pay)
	if read.Err() != nil {
		err = fault.Also(read.Err(), err)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeView(w, r, statusFor(err), id, fe, last)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/pledges/%d", id), "payment-recorded", int64(pay.Amount), strings.ToLower(strings.TrimSpace(pay.Stage)), strings.TrimSpace(pay.Date)), http.StatusSeeOther)
	return nil
}

// revalueChoice is a figure the Revalue form offers: the amount (Line 0)
// or a line, with its euro figure now.
type revalueChoice struct {
	Line int
	What string
	Now  money.Cents
}

// revalueChoices are the figures of p that have a value to revalue.
func revalueChoices(p assist.Pledge) []revalueChoice {
	var out []revalueChoice
	if p.Amount > 0 && !p.ValueUndisclosed {
		out = append(out, revalueChoice{0, "the amount", p.Amount})
	}
	for _, l := range p.Lines {
		if !l.ValueUndisclosed {
			out = append(out, revalueChoice{l.No, fmt.Sprintf("line %d, %s %s (unit value)", l.No, l.NSN, l.ItemName), l.UnitValue})
		}
	}
	return out
}

// uiRevalue changes a figure of a pledge with its valuation and reason,
// showing every problem of the form at once with what was typed kept.
func (s *Server) uiRevalue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	version := formInt(pre, f, "version")
	line := formInt(pre, f, "line")
	last := assist.Action{Kind: "revalue"}
	if len(pre) > 0 {
		return s.pledgeView(w, r, 422, id, pre, last)
	}
	in := revaluationInput{Line: int(line), EUR: f.Get("eur"), valuationInput: valuationFromForm(f, ""), Reason: f.Get("reason")}
	p, err := s.revalue(r, id, version, in)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.pledgeView(w, r, statusFor(err), id, fe, last)
		}
		return err
	}
	rv := p.Revaluations[len(p.Revaluations)-1]
	to := withNotice(fmt.Sprintf("/pledges/%d", id), "amount-revalued", int64(rv.EUR), int64(rv.Was))
	if rv.Line != 0 {
		to = withNotice(fmt.Sprintf("/pledges/%d", id), "line-revalued", rv.Line, int64(rv.EUR), int64(rv.Was))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// uiGrid takes one action on every line of the grid that has a quantity,
// in one step: all of them, or none, with every problem named by its line
// and what was typed kept.
func (s *Server) uiGrid(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	version := formInt(pre, f, "version")
	kind := f.Get("action")
	var as []assist.Action
	for _, lid := range f["line"] {
		lineID, err := strconv.ParseInt(lid, 10, 64)
		if err != nil {
			pre["line"] = fmt.Sprintf("%q is not a line", lid)
			continue
		}
		q := strings.TrimSpace(f.Get("quantity_" + lid))
		if q == "" {
			continue
		}
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			pre[fmt.Sprintf("line %s.quantity", f.Get("no_"+lid))] = fmt.Sprintf("%q is not a whole number", q)
			continue
		}
		a := assist.Action{Kind: kind, Line: lineID, Quantity: n}
		if req := strings.TrimSpace(f.Get("requirement_" + lid)); req != "" {
			a.Requirement, _ = strconv.ParseInt(req, 10, 64)
		}
		as = append(as, a)
	}
	var p assist.Pledge
	if len(pre) == 0 {
		p, err = s.Assist.ActAll(r.Context(), id, version, as)
	}
	if len(pre) > 0 || err != nil {
		fe := pre
		if err != nil {
			var ok bool
			if fe, ok = toFormErrors(err); !ok {
				return err
			}
			if fe[""] == "" && fault.Code(err) != fault.Invalid {
				fe[""] = fault.As(err).Message
			}
		}
		return s.pledgeViewGrid(w, r, statusFor(errOr(err, fault.Field("grid", "invalid"))), id, fe, f)
	}
	to := withNotice(fmt.Sprintf("/pledges/%d", p.ID), "lines-acted", kind, len(as))
	if len(as) == 1 {
		to = withNotice(fmt.Sprintf("/pledges/%d", p.ID), "one-line-acted", kind)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// errOr is err, or def when err is nil.
func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

var pastTense = map[string]string{
	assist.Commit: "Committed", assist.Allocate: "Allocated", assist.Ship: "Shipped",
	assist.Deliver: "Delivered", assist.Accept: "Accepted", assist.Withdraw: "Withdrew",
	assist.Report: "Recorded as reported delivered", assist.Disclose: "Disclosed a quantity of",
}

type transferView struct {
	Kinds   []string
	Columns map[string][]string
	Derived map[string][]string
	Result  *exchange.Result
	Errors  []*fault.Error
	Message string
	// Checked is a dry run that passed: what the file would add, waiting
	// for the person to confirm.
	Checked *checkedFile
}

// checkedFile is a file that passed its dry run: the confirm form posts it
// back (or, past maxHeld, asks for it again) with its hash, so that what is
// imported is what was checked. Nothing is kept on the server meanwhile.
type checkedFile struct {
	Kind, Name, Hash string
	Opening          bool   // a part of an opening balance
	Data             string // the file, base64; empty when too large to hold in the form
	Shown            []exchange.Preview
	More             int
}

// maxHeld is the largest file the confirm form carries back itself.
const maxHeld = 16 << 20

// maxShown is how many records of a checked file its preview lists.
const maxShown = 500

func (s *Server) uiTransfer(w http.ResponseWriter, r *http.Request) error {
	return s.page(w, r, 200, "transfer", "Import and export", transferView{Kinds: exchange.Kinds, Columns: exchange.Columns, Derived: exchange.Derived}, access.Unclassified)
}

// uiImport checks an uploaded file and shows every problem of every row at
// once, or what it would add with a button to confirm; the confirmation
// imports the same file, all or nothing.
func (s *Server) uiImport(w http.ResponseWriter, r *http.Request) error {
	v := transferView{Kinds: exchange.Kinds, Columns: exchange.Columns, Derived: exchange.Derived}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		v.Message = "The upload could not be read: choose a CSV or Excel file of at most 32 MiB."
		return s.page(w, r, 400, "transfer", "Import and export", v, access.Unclassified)
	}
	kind := r.FormValue("kind")
	perm, ok := importPermission[kind]
	if !ok {
		v.Message = fmt.Sprintf("%q cannot be imported: choose items, requirements, pledges or progress.", kind)
		return s.page(w, r, 422, "transfer", "Import and export", v, access.Unclassified)
	}
	if err := access.Check(access.IdentityFrom(r.Context()), perm); err != nil {
		s.refused(r, err)
		v.Message = "You may not import " + kind + "."
		return s.page(w, r, 403, "transfer", "Import and export", v, access.Unclassified)
	}
	confirm := r.FormValue("confirm") != ""
	var body []byte
	name := r.FormValue("name")
	if data := r.FormValue("data"); confirm && data != "" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			v.Message = "The checked file came back damaged: choose it and check it again."
			return s.page(w, r, 400, "transfer", "Import and export", v, access.Unclassified)
		}
		body = b
	} else {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			v.Message = "Choose a CSV or Excel file to import."
			return s.page(w, r, 422, "transfer", "Import and export", v, access.Unclassified)
		}
		defer file.Close()
		if body, err = io.ReadAll(io.LimitReader(file, MaxUpload+1)); err != nil {
			return err
		}
		name = hdr.Filename
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if confirm && r.FormValue("hash") != hash {
		v.Message = "This is not the file that was checked: check it again before importing."
		return s.page(w, r, 422, "transfer", "Import and export", v, access.Unclassified)
	}
	opening := r.FormValue("opening") != ""
	res, err := s.Importer.ImportWith(r.Context(), kind, bytes.NewReader(body), exchange.Options{DryRun: !confirm, Opening: opening})
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal {
			return err
		}
		v.Message = "Nothing was imported. Correct these rows and check the file again:"
		v.Errors = e.Problems
		if len(v.Errors) == 0 {
			v.Errors = []*fault.Error{e}
		}
		v.Result = &res // its notices
		return s.page(w, r, statusFor(err), "transfer", "Import and export", v, access.Unclassified)
	}
	v.Result = &res
	if !confirm {
		c := &checkedFile{Kind: kind, Name: name, Hash: hash, Opening: opening, Shown: res.Records}
		if len(body) <= maxHeld {
			c.Data = base64.StdEncoding.EncodeToString(body)
		}
		if len(c.Shown) > maxShown {
			c.Shown, c.More = c.Shown[:maxShown], len(c.Shown)-maxShown
		}
		v.Checked = c
	}
	return s.page(w, r, 200, "transfer", "Import and export", v, access.Unclassified)
}

func (s *Server) uiExport(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return s.export(w, r, kind) }
}

func (s *Server) uiAudit(w http.ResponseWriter, r *http.Request) error {
	var rep *VerifyReport
	if r.URL.Query().Get("verify") != "" {
		res, err := s.Read.Audit.VerifyAudit(r.Context())
		if err != nil {
			return err
		}
		rep = &VerifyReport{OK: res.Break == nil, Events: res.Events, Head: res.Head}
		if res.Break != nil {
			rep.BrokenAt, rep.Reason = res.Break.Seq, res.Break.Reason
		}
	}
	evs, err := s.Read.Audit.Events(r.Context(), r.URL.Query().Get("entity"), r.URL.Query().Get("entity_id"), 200)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "audit", "Audit trail", struct {
		Report *VerifyReport
		Events any
	}{rep, evs}, access.Unclassified)
}
