package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/check"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/reliability"
)

func (s *Server) apiRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/openapi.json", access.Public, s.apiOpenAPI)
	add("GET", "/api/v1/me", access.SignedIn, s.apiMe)
	add("GET", "/api/v1/nations", access.CatalogRead, s.apiNations)
	add("GET", "/api/v1/nations/{code}", access.CatalogRead, s.apiNation)
	add("GET", "/api/v1/sites", access.CatalogRead, s.apiSites)
	add("POST", "/api/v1/sites", access.CatalogWrite, s.apiCreateSite)
	add("GET", "/api/v1/sites/{code}", access.CatalogRead, s.apiSite)
	add("GET", "/api/v1/supply-classes", access.CatalogRead, s.apiSupplyClasses)
	add("GET", "/api/v1/items", access.CatalogRead, s.apiItems)
	add("POST", "/api/v1/items", access.CatalogWrite, s.apiCreateItem)
	add("GET", "/api/v1/items/{nsn}", access.CatalogRead, s.apiItem)
	add("PUT", "/api/v1/items/{nsn}", access.CatalogWrite, s.apiUpdateItem)
	add("GET", "/api/v1/requirements", access.RequirementRead, s.apiRequirements)
	add("POST", "/api/v1/requirements", access.RequirementWrite, s.apiCreateRequirement)
	add("GET", "/api/v1/requirements/{id}", access.RequirementRead, s.apiRequirement)
	add("PUT", "/api/v1/requirements/{id}", access.RequirementWrite, s.apiUpdateRequirement)
	add("POST", "/api/v1/requirements/{id}/cancel", access.RequirementWrite, s.apiCancelRequirement)
	add("GET", "/api/v1/pledges", access.PledgeRead, s.apiPledges)
	add("POST", "/api/v1/pledges", access.PledgeWrite, s.apiCreatePledge)
	add("GET", "/api/v1/pledges/{id}", access.PledgeRead, s.apiPledge)
	add("PUT", "/api/v1/pledges/{id}", access.PledgeWrite, s.apiUpdatePledge)
	for _, a := range assist.Actions {
		add("POST", "/api/v1/pledges/{id}/"+a, actionPermission[a], s.apiAct(a))
	}
	add("POST", "/api/v1/pledges/{id}/actions", access.PledgeRead, s.apiActAll)
	add("POST", "/api/v1/pledges/{id}/payments", access.PledgeWrite, s.apiPay)
	add("POST", "/api/v1/pledges/{id}/revaluations", access.PledgeWrite, s.apiRevalue)
	// A line is shipped and delivered through shipments only: the old
	// action paths say where to go instead of answering 404.
	for _, a := range []string{assist.Ship, assist.Deliver} {
		add("POST", "/api/v1/pledges/{id}/"+a, access.PledgeRead, func(w http.ResponseWriter, r *http.Request) error {
			return fault.Field("action", "%s: POST /api/v1/shipments, or POST /api/v1/shipments/handover for a handover outside the hub network", assist.ThroughShipments)
		})
	}
	s.logisticsRoutes(add)
	s.forecastAPI(add)
	s.accountsAPI(add)
	s.repairAPI(add)
	s.trainingAPI(add)
	s.lessonAPI(add)
	s.reliabilityAPI(add)
	s.readinessAPI(add)
	add("GET", "/api/v1/plans", access.PledgeWrite, s.apiPlans)
	add("POST", "/api/v1/plans", access.PledgeAllocate, s.apiMakePlan)
	add("GET", "/api/v1/plans/{id}", access.PledgeWrite, s.apiPlan)
	add("POST", "/api/v1/plans/{id}/approve", access.PledgeAllocate, s.apiApprovePlan)
	add("GET", "/api/v1/dashboard", access.DashboardRead, s.apiDashboard)
	add("GET", "/api/v1/audit/events", access.AuditRead, s.apiEvents)
	add("GET", "/api/v1/audit/verify", access.AuditVerify, s.apiVerify)
	add("GET", "/api/v1/check", access.LedgerCheck, s.apiCheck)
	for _, k := range exchange.Kinds {
		add("GET", "/api/v1/export/"+k, exportPermission[k], s.apiExport(k))
		add("POST", "/api/v1/import/"+k, importPermission[k], s.apiImport(k))
	}
	add("GET", "/api/v1/users", access.UserAdmin, s.apiUsers)
	add("POST", "/api/v1/users", access.UserAdmin, s.apiCreateUser)
	add("PUT", "/api/v1/users/{name}", access.UserAdmin, s.apiUpdateUser)
	s.mfaAPIRoutes(add)
	add("GET", "/api/v1/tokens", access.TokenOwn, s.apiTokens)
	add("POST", "/api/v1/tokens", access.TokenOwn, s.apiCreateToken)
	add("POST", "/api/v1/tokens/{id}/revoke", access.TokenOwn, s.apiRevokeToken)
}

// actionPermission is the permission of each pledge line action.
var actionPermission = map[string]access.Permission{
	assist.Commit: access.PledgeWrite, assist.Withdraw: access.PledgeWrite, assist.Report: access.PledgeWrite, assist.Disclose: access.PledgeWrite,
	assist.Allocate: access.PledgeAllocate, assist.Accept: access.PledgeAccept,
}

// exportPermission and importPermission are the permissions of moving each
// kind of record out and in.
var (
	exportPermission = map[string]access.Permission{"items": access.CatalogRead, "requirements": access.RequirementRead, "pledges": access.PledgeRead, "progress": access.PledgeRead}
	importPermission = map[string]access.Permission{"items": access.CatalogWrite, "requirements": access.RequirementWrite, "pledges": access.PledgeWrite, "progress": access.PledgeWrite}
)

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) error {
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b)
	return err
}

// listOptions reads sort, limit and cursor from the query.
func listOptions(r *http.Request) (list.Options, error) {
	q := r.URL.Query()
	o := list.Options{Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return o, fault.Field("limit", "%q is not a whole number", l)
		}
		o.Limit = n
	}
	return o, nil
}

// pathID reads the {id} of the path: a number, or a reference with its
// prefix ("P-00012" for a pledge).
func pathID(r *http.Request) (int64, error) {
	prefix := "#" // numbers alone but for the kinds with a printed prefix
	switch {
	case strings.Contains(r.URL.Path, "/equipment/"):
		prefix = "E-"
	case strings.Contains(r.URL.Path, "/repairs/"):
		prefix = "RO-"
	case strings.Contains(r.URL.Path, "/lessons/"):
		prefix = "L-"
	case strings.Contains(r.URL.Path, "/pledges/"):
		prefix = "P-"
	case strings.Contains(r.URL.Path, "/requirements/"):
		prefix = "R-"
	case strings.Contains(r.URL.Path, "/shipments/"):
		prefix = "S-"
	case strings.Contains(r.URL.Path, "/discrepancies/"):
		prefix = "D-"
	case strings.Contains(r.URL.Path, "/readiness/"):
		prefix = "CP-"
	}
	s := strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(r.PathValue("id")), prefix), "0")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.Errorf(fault.NotFound, "%q is not an id", r.PathValue("id"))
	}
	return id, nil
}

func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fault.Field(name, "%q is not a whole number", v)
	}
	return n, nil
}

func (s *Server) apiNations(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Catalog.Nations(r.Context(), catalog.NationFilter{Role: r.URL.Query().Get("role"), Q: r.URL.Query().Get("q")}, o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiNation(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Read.Catalog.Nation(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, n)
}

func (s *Server) apiSites(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Nation: q.Get("nation"), Kind: q.Get("kind"), Q: q.Get("q")}, o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiSite(w http.ResponseWriter, r *http.Request) error {
	site, err := s.Read.Catalog.Site(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, site)
}

func (s *Server) apiCreateSite(w http.ResponseWriter, r *http.Request) error {
	var in catalog.Site
	if err := decode(w, r, &in); err != nil {
		return err
	}
	site, err := s.Catalog.CreateSite(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sites/"+site.Code)
	return writeJSON(w, 201, site)
}

func (s *Server) apiSupplyClasses(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, 200, map[string]any{"items": catalog.SupplyClasses()})
}

// itemInput is an item as the API takes it; money and measures are decimal
// strings so that no float is involved.
type itemInput struct {
	NSN         string `json:"nsn"`
	Name        string `json:"name"`
	Capability  string `json:"capability"`
	UnitOfIssue string `json:"unit_of_issue"`
	UnitValue   string `json:"unit_value"`
	MassKG      string `json:"mass_kg"`
	VolumeM3    string `json:"volume_m3"`
	Group       string `json:"group"`
}

func (in itemInput) item() (catalog.Item, error) {
	var errs fault.List
	it := catalog.Item{NSN: in.NSN, Name: in.Name, Capability: in.Capability, UnitOfIssue: in.UnitOfIssue, Group: in.Group}
	it.UnitValue = money.FieldEUR(&errs, "unit_value", in.UnitValue)
	it.MassG = money.FieldDecimal(&errs, "mass_kg", in.MassKG, 3)
	it.VolumeCM3 = money.FieldDecimal(&errs, "volume_m3", in.VolumeM3, 6)
	return it, errs.Err()
}

func (s *Server) apiItems(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Catalog.Items(r.Context(), itemFilter(r), o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func itemFilter(r *http.Request) catalog.ItemFilter {
	q := r.URL.Query()
	return catalog.ItemFilter{Capability: q.Get("capability"), SupplyClass: q.Get("supply_class"), Group: q.Get("group"), Q: q.Get("q")}
}

func (s *Server) apiItem(w http.ResponseWriter, r *http.Request) error {
	it, err := s.Read.Catalog.Item(r.Context(), r.PathValue("nsn"))
	if err != nil {
		return err
	}
	setETag(w, it.Version)
	return writeJSON(w, 200, it)
}

func (s *Server) apiCreateItem(w http.ResponseWriter, r *http.Request) error {
	var in itemInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	it, err := in.item()
	if err != nil {
		return err
	}
	if it, err = s.Catalog.CreateItem(r.Context(), it); err != nil {
		return err
	}
	setETag(w, it.Version)
	w.Header().Set("Location", "/api/v1/items/"+it.NSN)
	return writeJSON(w, 201, it)
}

func (s *Server) apiUpdateItem(w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in itemInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.NSN = r.PathValue("nsn")
	it, err := in.item()
	if err != nil {
		return err
	}
	if it, err = s.Catalog.UpdateItem(r.Context(), r.PathValue("nsn"), version, it); err != nil {
		return err
	}
	setETag(w, it.Version)
	return writeJSON(w, 200, it)
}

// requirementInput is a requirement as the API takes it.
type requirementInput struct {
	NSN            string   `json:"nsn"`
	Group          string   `json:"group"`
	Quantity       int64    `json:"quantity"`
	Priority       int      `json:"priority"`
	NeedBy         string   `json:"need_by"`
	DeliverySite   string   `json:"delivery_site"`
	Notes          string   `json:"notes"`
	Classification string   `json:"classification"`
	ReleasableTo   []string `json:"releasable_to"`
}

func marking(errs *fault.List, class string, rel []string) access.Marking {
	c, err := access.ParseClassification(class)
	if err != nil {
		errs.Append("classification", err)
	}
	return access.Marking{Classification: c, ReleasableTo: access.Normalize(rel)}
}

// decodeEdit decodes the JSON body of an edit into v, as decode does, and
// returns the parts of the marking that the body leaves out (absent, null or,
// for the classification, empty), which the edit keeps as stored: a marking
// is never lowered by omission.
func decodeEdit(w http.ResponseWriter, r *http.Request, v any) ([]access.MarkingPart, error) {
	keep, _, err := decodeEditGiven(w, r, v)
	return keep, err
}

// decodeEditGiven is decodeEdit that also returns the fields the body names,
// so that a field it leaves out keeps its stored value.
func decodeEditGiven(w http.ResponseWriter, r *http.Request, v any) ([]access.MarkingPart, map[string]json.RawMessage, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return nil, nil, decodeError(err, nil)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := decode(w, r, v); err != nil {
		return nil, nil, err
	}
	var given map[string]json.RawMessage
	if err := json.Unmarshal(body, &given); err != nil {
		return nil, nil, decodeError(err, body)
	}
	var keep []access.MarkingPart
	if c := bytes.TrimSpace(given["classification"]); len(c) == 0 || string(c) == "null" || string(c) == `""` {
		keep = append(keep, access.ClassificationPart)
	}
	if rel := bytes.TrimSpace(given["releasable_to"]); len(rel) == 0 || string(rel) == "null" {
		keep = append(keep, access.ReleasabilityPart)
	}
	return keep, given, nil
}

func (in requirementInput) requirement() (assist.Requirement, error) {
	var errs fault.List
	q := assist.Requirement{NSN: in.NSN, Group: in.Group, Quantity: in.Quantity, Priority: in.Priority, NeedBy: in.NeedBy, DeliverySite: in.DeliverySite, Notes: in.Notes}
	q.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	if err := errs.Err(); err != nil {
		return q, err
	}
	return q, nil
}

// queryBool reads a yes/no query parameter: 1, true, yes or on; 0, false,
// no, off or empty.
func queryBool(r *http.Request, name string) (bool, error) {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, fault.Field(name, "%q is not true or false", r.URL.Query().Get(name))
}

func (s *Server) requirementFilter(r *http.Request) (assist.RequirementFilter, error) {
	q := r.URL.Query()
	prio, err := queryInt(r, "priority")
	if err != nil {
		return assist.RequirementFilter{}, err
	}
	f := assist.RequirementFilter{State: q.Get("state"), Priority: prio, NSN: q.Get("nsn"), Group: q.Get("group"), Site: q.Get("site"), Q: q.Get("q")}
	overdue, err := queryBool(r, "overdue")
	if overdue {
		f.Overdue = s.today()
	}
	return f, err
}

// requirementPage is the page of requirements the query asks for.
func (s *Server) requirementPage(r *http.Request) (list.Page[assist.Requirement], error) {
	o, err := listOptions(r)
	if err != nil {
		return list.Page[assist.Requirement]{}, err
	}
	f, err := s.requirementFilter(r)
	if err != nil {
		return list.Page[assist.Requirement]{}, err
	}
	return s.Read.Ledger.Requirements(r.Context(), f, o)
}

func (s *Server) apiRequirements(w http.ResponseWriter, r *http.Request) error {
	p, err := s.requirementPage(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

// requirementDetail is a requirement with what is set against it.
type requirementDetail struct {
	assist.Requirement
	Ref         string              `json:"ref"`
	Allocations []assist.Allocation `json:"allocations"`
}

func (s *Server) requirementDetail(r *http.Request, id int64) (requirementDetail, error) {
	q, err := s.Read.Ledger.Requirement(r.Context(), id)
	if err != nil {
		return requirementDetail{}, err
	}
	allocs, err := s.Read.Ledger.Allocations(r.Context(), 0, id)
	if allocs == nil {
		allocs = []assist.Allocation{}
	}
	return requirementDetail{Requirement: q, Ref: q.Ref(), Allocations: allocs}, err
}

func (s *Server) apiRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.requirementDetail(r, id)
	if err != nil {
		return err
	}
	setETag(w, d.Version)
	return writeJSON(w, 200, d)
}

func (s *Server) apiCreateRequirement(w http.ResponseWriter, r *http.Request) error {
	var in requirementInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	q, err := in.requirement()
	if err != nil {
		return err
	}
	if q, err = s.Assist.CreateRequirement(r.Context(), q); err != nil {
		return err
	}
	setETag(w, q.Version)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/requirements/%d", q.ID))
	return writeJSON(w, 201, requirementDetail{Requirement: q, Ref: q.Ref(), Allocations: []assist.Allocation{}})
}

func (s *Server) apiUpdateRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in requirementInput
	keep, err := decodeEdit(w, r, &in)
	if err != nil {
		return err
	}
	q, err := in.requirement()
	if err != nil {
		return err
	}
	if _, err = s.Assist.UpdateRequirement(r.Context(), id, version, q, keep...); err != nil {
		return err
	}
	return s.apiRequirement(w, r)
}

func (s *Server) apiCancelRequirement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if _, err := s.Assist.CancelRequirement(r.Context(), id, version); err != nil {
		return err
	}
	return s.apiRequirement(w, r)
}

// pledgeInput is a pledge as the API takes it.
type pledgeInput struct {
	Nation      string `json:"nation"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Kind        string `json:"kind"`
	Aid         string `json:"aid"`
	Instrument  string `json:"instrument"`
	Channel     string `json:"channel"`
	Category    string `json:"category"`
	Announced   string `json:"announced"`
	Promised    string `json:"promised"`
	// The dates' precisions, for an exact date that stands for a month,
	// quarter or year; vague text ("2022-04") says its own.
	AnnouncedPrecision string `json:"announced_precision"`
	PromisedPrecision  string `json:"promised_precision"`
	Reference          string `json:"reference"`
	Depot              string `json:"depot"`
	Amount             string `json:"amount"`
	// ValueUndisclosed says the donor has not disclosed the value.
	ValueUndisclosed *bool       `json:"value_undisclosed"`
	Classification   string      `json:"classification"`
	ReleasableTo     []string    `json:"releasable_to"`
	Lines            []lineInput `json:"lines"`

	// AmountValuation is where the amount comes from.
	AmountValuation valuationInput `json:"amount_valuation"`
}

type lineInput struct {
	NSN       string `json:"nsn"`
	Quantity  int64  `json:"quantity"`
	UnitValue string `json:"unit_value"`
	// QuantityUndisclosed and ValueUndisclosed say the donor has not
	// disclosed the line's number of units or its unit value.
	QuantityUndisclosed bool `json:"quantity_undisclosed"`
	ValueUndisclosed    bool `json:"value_undisclosed"`
	// Valuation is where the unit value comes from.
	Valuation valuationInput `json:"valuation"`
	// Reported is how many units the donor reports it has delivered.
	Reported int64 `json:"reported_delivered"`
	// QuantityText is what a form's user typed, shown again beside an error.
	QuantityText string `json:"-"`
}

// valuationInput is a valuation as the API and the forms take it: the
// original figure as text, read as people write amounts.
type valuationInput struct {
	Currency string `json:"currency"`
	Original string `json:"original"`
	Rate     string `json:"rate"`
	RateDate string `json:"rate_date"`
	Basis    string `json:"basis"`
	Source   string `json:"source"`
}

// valuation reads in, reporting a bad original figure under prefix.
func (in valuationInput) valuation(errs *fault.List, prefix string) assist.Valuation {
	return assist.Valuation{Currency: in.Currency, Original: money.Cents(money.FieldDecimal(errs, prefix+"original", in.Original, 2)),
		Rate: in.Rate, RateDate: in.RateDate, Basis: in.Basis, Source: in.Source}
}

// valuationText is v as a form shows it again.
func valuationText(v assist.Valuation) valuationInput {
	in := valuationInput{Currency: v.Currency, Rate: v.Rate, RateDate: v.RateDate, Basis: v.Basis, Source: v.Source}
	if v.Original != 0 {
		in.Original = v.Original.String()
	}
	return in
}

// Given reports whether anything of the valuation was typed.
func (in valuationInput) Given() bool { return in != valuationInput{} }

func (in pledgeInput) pledge() (assist.Pledge, error) {
	var errs fault.List
	p := assist.Pledge{Nation: in.Nation, Title: in.Title, Description: in.Description, Kind: in.Kind, Aid: in.Aid, Instrument: in.Instrument, Channel: in.Channel, Category: in.Category,
		Announced: in.Announced, Promised: in.Promised, AnnouncedPrecision: in.AnnouncedPrecision, PromisedPrecision: in.PromisedPrecision, Reference: in.Reference, Depot: in.Depot}
	p.Amount = money.FieldEUR(&errs, "amount", in.Amount)
	p.ValueUndisclosed = in.ValueUndisclosed != nil && *in.ValueUndisclosed
	p.AmountValuation = in.AmountValuation.valuation(&errs, "amount_valuation.")
	p.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	for i, l := range in.Lines {
		line := assist.Line{NSN: l.NSN, Pledged: l.Quantity, QuantityUndisclosed: l.QuantityUndisclosed, ValueUndisclosed: l.ValueUndisclosed, Reported: l.Reported}
		if !(l.ValueUndisclosed && strings.TrimSpace(l.UnitValue) == "") {
			line.UnitValue = money.FieldEUR(&errs, fmt.Sprintf("lines[%d].unit_value", i), l.UnitValue)
		}
		line.Valuation = l.Valuation.valuation(&errs, fmt.Sprintf("lines[%d].valuation.", i))
		p.Lines = append(p.Lines, line)
	}
	return p, errs.Err()
}

func (s *Server) pledgeFilter(r *http.Request) (assist.PledgeFilter, error) {
	q := r.URL.Query()
	f := assist.PledgeFilter{Nation: q.Get("nation"), Kind: q.Get("kind"), Channel: q.Get("channel"), Category: q.Get("category"), Aid: q.Get("aid"), Instrument: q.Get("instrument"), State: q.Get("state"), Q: q.Get("q")}
	if f.Aid != "" && !slices.Contains(assist.AidTypes, f.Aid) {
		return f, fault.Field("aid", "%q is not a type of aid: use one of %s", f.Aid, strings.Join(assist.AidTypes, ", "))
	}
	if f.Instrument != "" && !slices.Contains(assist.Instruments, f.Instrument) {
		return f, fault.Field("instrument", "%q is not an instrument: use one of %s", f.Instrument, strings.Join(assist.Instruments, ", "))
	}
	overdue, err := queryBool(r, "overdue")
	if overdue {
		f.Overdue = s.today()
	}
	if err != nil {
		return f, err
	}
	if f.ToCommit, err = queryBool(r, "to_commit"); err != nil {
		return f, err
	}
	if f.ToAccept, err = queryBool(r, "to_accept"); err != nil {
		return f, err
	}
	atRisk, err := queryBool(r, "at_risk")
	if err != nil {
		return f, err
	}
	if atRisk {
		o, err := s.outlook(r)
		if err != nil {
			return f, err
		}
		f.Among = atRiskPledges(o)
	}
	return f, s.promiseFilter(r, &f)
}

// promiseFilter reads the filters of the pledges behind a reliability
// figure: the promised dates, a capability area, and late, the band of
// days past the promise of an overdue line (which implies overdue).
func (s *Server) promiseFilter(r *http.Request, f *assist.PledgeFilter) error {
	q := r.URL.Query()
	var errs fault.List
	f.PromisedFrom, f.PromisedTo = q.Get("promised_from"), q.Get("promised_to")
	for _, d := range [][2]string{{"promised_from", f.PromisedFrom}, {"promised_to", f.PromisedTo}} {
		if _, err := time.Parse(assist.DateLayout, d[1]); d[1] != "" && err != nil {
			errs.Add(d[0], "%q is not a date: write YYYY-MM-DD", d[1])
		}
	}
	if f.Capability = q.Get("capability"); f.Capability != "" && !slices.Contains(catalog.CapabilityAreas, f.Capability) {
		errs.Add("capability", "%q is not a capability area: use one of %s", f.Capability, strings.Join(catalog.CapabilityAreas, ", "))
	}
	if late := q.Get("late"); late != "" {
		b, ok := reliability.BucketNamed(late)
		if !ok {
			keys := make([]string, len(reliability.Buckets))
			for i, b := range reliability.Buckets {
				keys[i] = b.Key
			}
			errs.Add("late", "%q is not a band of days past the promise: use one of %s", late, strings.Join(keys, ", "))
		} else {
			f.Overdue = s.today()
			from, to := b.Window(s.Now())
			f.PromisedFrom = max(f.PromisedFrom, from)
			if f.PromisedTo == "" || to < f.PromisedTo {
				f.PromisedTo = to
			}
		}
	}
	return errs.Err()
}

// pledgePage is the page of pledges the query asks for, for API and UI alike.
func (s *Server) pledgePage(r *http.Request) (list.Page[assist.PledgeSummary], error) {
	o, err := listOptions(r)
	if err != nil {
		return list.Page[assist.PledgeSummary]{}, err
	}
	f, err := s.pledgeFilter(r)
	if err != nil {
		return list.Page[assist.PledgeSummary]{}, err
	}
	return s.Read.Ledger.Pledges(r.Context(), f, o, s.today())
}

func (s *Server) apiPledges(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pledgePage(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

// pledgeDetail is a pledge with its state, totals and allocations.
type pledgeDetail struct {
	assist.Pledge
	Ref         string              `json:"ref"`
	State       string              `json:"state"`
	Value       money.Cents         `json:"pledged_value"`
	Delivered   money.Cents         `json:"delivered_value"`
	Accepted    money.Cents         `json:"accepted_value"`
	Allocations []assist.Allocation `json:"allocations"`
	// UndisclosedLines counts the lines whose quantity or unit value is
	// not disclosed: the pledged value leaves them out.
	UndisclosedLines int `json:"undisclosed_lines"`
}

// pledgeDetail adds to p its state, values and allocations; a pledge just
// recorded (fresh) has no allocations to read.
func (s *Server) pledgeDetail(r *http.Request, p assist.Pledge, fresh bool) (pledgeDetail, error) {
	d := pledgeDetail{Pledge: p, Ref: p.Ref(), State: p.State(), Allocations: []assist.Allocation{}}
	d.Value, d.Delivered, d.Accepted = p.Value()
	for _, l := range p.Lines {
		if l.QuantityUndisclosed || l.ValueUndisclosed {
			d.UndisclosedLines++
		}
	}
	if fresh {
		return d, nil
	}
	allocs, err := s.Read.Ledger.Allocations(r.Context(), p.ID, 0)
	if len(allocs) > 0 {
		d.Allocations = allocs
	}
	return d, err
}

func (s *Server) writePledge(w http.ResponseWriter, r *http.Request, status int, p assist.Pledge) error {
	d, err := s.pledgeDetail(r, p, status == 201)
	if err != nil {
		return err
	}
	setETag(w, p.Version)
	if status == 201 {
		w.Header().Set("Location", fmt.Sprintf("/api/v1/pledges/%d", p.ID))
	}
	return writeJSON(w, status, d)
}

func (s *Server) apiPledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Ledger.Pledge(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writePledge(w, r, 200, p)
}

func (s *Server) apiCreatePledge(w http.ResponseWriter, r *http.Request) error {
	var in pledgeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := in.pledge()
	if err != nil {
		// What did parse is checked too, so that every problem of the
		// request comes in one answer.
		return fault.Also(err, s.Assist.CheckPledge(r.Context(), p))
	}
	if p, err = s.Assist.CreatePledge(r.Context(), p); err != nil {
		return err
	}
	return s.writePledge(w, r, 201, p)
}

func (s *Server) apiUpdatePledge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in pledgeInput
	keep, given, err := decodeEditGiven(w, r, &in)
	if err != nil {
		return err
	}
	if len(in.Lines) > 0 {
		return fault.Field("lines", "lines change only through the actions commit, allocate, ship, deliver, accept and withdraw")
	}
	p, err := in.pledge()
	if err != nil {
		return err
	}
	// An optional field the request leaves out keeps its stored value.
	var kept []string
	for name, f := range map[string]string{"description": assist.KeepDescription, "reference": assist.KeepReference, "depot": assist.KeepDepot, "amount": assist.KeepAmount, "value_undisclosed": assist.KeepValueUndisclosed,
		"amount_valuation": assist.KeepAmountValuation} {
		if _, ok := given[name]; !ok {
			kept = append(kept, f)
		}
	}
	if p, err = s.Assist.UpdatePledgeKeeping(r.Context(), id, version, p, kept, keep...); err != nil {
		return err
	}
	return s.writePledge(w, r, 200, p)
}

func (s *Server) apiAct(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		version, err := ifMatch(r)
		if err != nil {
			return err
		}
		var a assist.Action
		if err := decode(w, r, &a); err != nil {
			return err
		}
		if a.Kind != "" && a.Kind != kind {
			return fault.Field("kind", "%q does not match the action %s in the path", a.Kind, kind)
		}
		a.Kind = kind
		p, err := s.Assist.Act(r.Context(), id, version, a)
		if err != nil {
			return err
		}
		return s.writePledge(w, r, 200, p)
	}
}

// apiActAll takes several line actions on a pledge at once: all of them
// or none, each refusal named by its line.
func (s *Server) apiActAll(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in struct {
		Actions []assist.Action `json:"actions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Assist.ActAll(r.Context(), id, version, in.Actions)
	if err != nil {
		return err
	}
	return s.writePledge(w, r, 200, p)
}

// apiPay records a step of a pledge's money: an amount committed or
// disbursed on a date, with its evidence.
func (s *Server) apiPay(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in struct {
		Stage    string      `json:"stage"`
		Amount   money.Cents `json:"amount"`
		Date     string      `json:"date"`
		Evidence string      `json:"evidence"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.Assist.Pay(r.Context(), id, version, assist.Payment{Stage: in.Stage, Amount: in.Amount, Date: in.Date, Evidence: in.Evidence})
	if err != nil {
		return err
	}
	return s.writePledge(w, r, 200, p)
}

// revaluationInput is a revaluation as the API and the Revalue form take
// it: the figures as text, read as people write amounts.
type revaluationInput struct {
	Line int    `json:"line"`
	EUR  string `json:"eur"`
	valuationInput
	Reason string `json:"reason"`
}

// revaluation reads in, and the problems of what did not read.
func (in revaluationInput) revaluation() (assist.Revaluation, error) {
	var errs fault.List
	r := assist.Revaluation{Line: in.Line, EUR: money.FieldEUR(&errs, "eur", in.EUR), Valuation: in.valuation(&errs, ""), Reason: in.Reason}
	return r, errs.Err()
}

// revalue records a revaluation of pledge id, reporting what did not read
// together with what the use case finds in the rest.
func (s *Server) revalue(r *http.Request, id, version int64, in revaluationInput) (assist.Pledge, error) {
	rv, read := in.revaluation()
	if read != nil {
		return assist.Pledge{}, fault.Also(read, s.Assist.CheckRevaluation(r.Context(), id, version, rv))
	}
	return s.Assist.Revalue(r.Context(), id, version, rv)
}

// apiRevalue changes the euro figure of a pledge's amount or of a line's
// unit value, with the valuation behind it and the reason.
func (s *Server) apiRevalue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in revaluationInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.revalue(r, id, version, in)
	if err != nil {
		return err
	}
	return s.writePledge(w, r, 200, p)
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Read.Ledger.Dashboard(r.Context(), s.today(), 20)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, d)
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > list.MaxLimit {
		return fault.Field("limit", "must be between 1 and %d", list.MaxLimit)
	}
	q := r.URL.Query()
	evs, err := s.Read.Audit.Events(r.Context(), q.Get("entity"), q.Get("entity_id"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"items": evs})
}

// VerifyReport is the API's answer to an audit verification.
type VerifyReport struct {
	OK       bool   `json:"ok"`
	Events   int64  `json:"events"`
	Head     string `json:"head"`
	BrokenAt int64  `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request) error {
	res, err := s.Read.Audit.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	rep := VerifyReport{OK: res.Break == nil, Events: res.Events, Head: res.Head}
	if res.Break != nil {
		rep.BrokenAt, rep.Reason = res.Break.Seq, res.Break.Reason
	}
	return writeJSON(w, 200, rep)
}

// apiCheck recomputes the ledger's invariants and names every violation.
func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Checker.Check(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, struct {
		OK bool `json:"ok"`
		check.Report
	}{rep.OK(), rep})
}

// export writes kind as CSV or XLSX, filtered as the query says.
func (s *Server) export(w http.ResponseWriter, r *http.Request, kind string) error {
	if _, err := tableFormat(r, "csv"); err != nil {
		return err
	}
	var buf bytes.Buffer
	marking, err := s.writeExport(r, &buf, kind)
	if err != nil {
		return err
	}
	return s.sendTable(w, r, kind, marking, buf.Bytes())
}

// tableFormat is the format a table export is asked in: csv or xlsx, or
// def when the query names none.
func tableFormat(r *http.Request, def string) (string, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "":
		return def, nil
	case "csv", "xlsx":
		return f, nil
	default:
		return "", fault.Field("format", "%q is not a format of this export: use csv or xlsx", f)
	}
}

// wantsTable reports whether the query asks for a table export (CSV or
// XLSX) rather than the list as JSON.
func wantsTable(r *http.Request) bool {
	f := r.URL.Query().Get("format")
	return f == "csv" || f == "xlsx"
}

// sendTable answers a table export, written as CSV: as it is, or as a
// workbook of the same rows when the query says format=xlsx. Its marking
// is in X-Classification and in the file's first line or row, as a
// comment line put before the CSV when its writer did not start with one,
// so that the CSV and the workbook hold the same rows; its file name is
// dated.
func (s *Server) sendTable(w http.ResponseWriter, r *http.Request, name string, marking access.Classification, csvBody []byte) error {
	w.Header().Set("X-Classification", marking.String())
	if !bytes.HasPrefix(csvBody, []byte("#")) {
		csvBody = append([]byte("# "+marking.String()+"\n"), csvBody...)
	}
	if r.URL.Query().Get("format") == "xlsx" {
		book, err := exchange.ToXLSX(csvBody, sheetName(name), nil)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", XLSXType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-%s-%s.xlsx"`, name, s.today()))
		_, err = w.Write(book)
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-%s-%s.csv"`, name, s.today()))
	_, err := w.Write(csvBody)
	return err
}

// sheetName is an export's name as a sheet may be named: at most 31
// characters.
func sheetName(name string) string {
	if len(name) > 31 {
		return name[:31]
	}
	return name
}

// writeExport writes the records of kind that the query selects and the
// reader may see, and returns the export's marking.
func (s *Server) writeExport(r *http.Request, w io.Writer, kind string) (access.Classification, error) {
	switch kind {
	case "items":
		items, err := s.Read.Catalog.AllItems(r.Context(), itemFilter(r))
		if err != nil {
			return 0, err
		}
		return exchange.WriteItems(w, items)
	case "requirements":
		f, err := s.requirementFilter(r)
		if err != nil {
			return 0, err
		}
		reqs, err := s.Read.Ledger.AllRequirements(r.Context(), f)
		if err != nil {
			return 0, err
		}
		return exchange.WriteRequirements(w, reqs)
	case "pledges":
		f, err := s.pledgeFilter(r)
		if err != nil {
			return 0, err
		}
		ps, err := s.Read.Ledger.AllPledges(r.Context(), f, s.today())
		if err != nil {
			return 0, err
		}
		return exchange.WritePledges(w, ps)
	case "progress":
		f, err := s.pledgeFilter(r)
		if err != nil {
			return 0, err
		}
		ps, err := s.Read.Ledger.AllProgress(r.Context(), f, s.today())
		if err != nil {
			return 0, err
		}
		return exchange.WriteProgress(w, ps)
	}
	return 0, fault.Errorf(fault.NotFound, "%q cannot be exported: use one of %s", kind, strings.Join(exchange.Kinds, ", "))
}

func (s *Server) apiExport(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return s.export(w, r, kind) }
}

func (s *Server) apiImport(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return s.importCSV(w, r, kind) }
}

// importTypes are the media types an import takes; what the file is, CSV
// or XLSX, is told from its content.
var importTypes = []string{"text/csv", "text/plain", "text/tab-separated-values", XLSXType, "application/vnd.ms-excel", "application/octet-stream"}

// XLSXType is the media type of an Excel workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func checkImportType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	for _, t := range importTypes {
		if strings.HasPrefix(ct, t) {
			return nil
		}
	}
	return fault.Errorf(fault.Unsupported, "send the file as text/csv or %s, not %q", XLSXType, ct)
}

func (s *Server) importCSV(w http.ResponseWriter, r *http.Request, kind string) error {
	if err := checkImportType(r); err != nil {
		return err
	}
	dry, err := queryBool(r, "dry_run")
	if err != nil {
		return err
	}
	opening, err := queryBool(r, "opening")
	if err != nil {
		return err
	}
	res, err := s.Importer.ImportWith(r.Context(), kind, http.MaxBytesReader(w, r.Body, MaxUpload), exchange.Options{DryRun: dry, Opening: opening})
	if err != nil {
		return uploadError(err)
	}
	if dry {
		return writeJSON(w, 200, res)
	}
	return writeJSON(w, 201, res)
}
