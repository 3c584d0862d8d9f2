package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/plan"
)

func (s *Server) planPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/plans", access.PledgeWrite, s.uiPlans)
	add("POST", "/plans", access.PledgeAllocate, s.uiMakePlan)
	add("GET", "/plans/{id}", access.PledgeWrite, s.uiPlan)
	add("POST", "/plans/{id}/approve", access.PledgeAllocate, s.uiApprovePlan)
}

// proposalLine is a proposed allocation as people read it.
type proposalLine struct {
	Pledge      int64       `json:"pledge"`
	PledgeLine  int64       `json:"pledge_line"`
	Nation      string      `json:"nation"`
	NSN         string      `json:"nsn"`
	ItemName    string      `json:"item_name"`
	Quantity    int64       `json:"quantity"`
	Value       money.Cents `json:"value"`
	Route       []string    `json:"route"`
	ETA         time.Time   `json:"eta"`
	DaysLate    int         `json:"days_late"`
	TransitHour int64       `json:"transit_hours"`
}

// proposalNeed is one requirement with what the proposal sends it, and
// what it had before.
type proposalNeed struct {
	Requirement int64          `json:"requirement"`
	NSN         string         `json:"nsn,omitempty"`
	Group       string         `json:"group,omitempty"`
	Priority    int            `json:"priority"`
	NeedBy      string         `json:"need_by"`
	Site        string         `json:"site"`
	Quantity    int64          `json:"quantity"`
	Allocated   int64          `json:"allocated_before"`
	Open        int64          `json:"open"`
	Served      int64          `json:"served"`
	Unmet       int64          `json:"unmet"`
	Reason      string         `json:"reason,omitempty"`
	Lines       []proposalLine `json:"lines"`
}

// After is what the requirement would have allocated once the plan is
// approved.
func (n proposalNeed) After() int64 { return n.Allocated + n.Served }

// nationDiff is the difference a plan makes to a nation's allocations.
type nationDiff struct {
	Nation    string      `json:"nation"`
	Lines     int         `json:"pledge_lines"`
	Committed int64       `json:"committed"`
	Before    int64       `json:"allocated_before"`
	Proposed  int64       `json:"proposed"`
	Value     money.Cents `json:"proposed_value"`
}

// After is what the nation's lines would have allocated.
func (d nationDiff) After() int64 { return d.Before + d.Proposed }

// proposalView is a saved allocation plan as its reader may see it: by
// requirement, most urgent first, with the hubs' loads and the difference
// from the current allocations.
type proposalView struct {
	ID          int64                 `json:"id"`
	State       string                `json:"state"`
	MadeAt      time.Time             `json:"made_at"`
	MadeBy      string                `json:"made_by"`
	Horizon     int                   `json:"horizon_days"`
	Start       time.Time             `json:"start"`
	Rounds      int                   `json:"rounds"`
	Served      int64                 `json:"served"`
	Unmet       int64                 `json:"unmet"`
	Late        int64                 `json:"late"`
	Value       money.Cents           `json:"value"`
	Needs       []proposalNeed        `json:"needs"`
	Nations     []nationDiff          `json:"nations"`
	Hubs        []plan.HubLoad        `json:"hubs"`
	Fingerprint string                `json:"fingerprint"`
	Stale       bool                  `json:"stale"` // its inputs changed since it was made: it cannot be approved
	CanApprove  bool                  `json:"can_approve"`
	OwnOnly     bool                  `json:"own_lines_only"` // the reader sees the lines of their nation's pledges only
	Hidden      int                   `json:"hidden_lines"`   // lines above the reader's clearance
	DecidedAt   *time.Time            `json:"decided_at,omitempty"`
	DecidedBy   string                `json:"decided_by,omitempty"`
	Decision    *plan.Decision        `json:"decision,omitempty"`
	Horizons    []int                 `json:"-"`
	Marking     access.Classification `json:"-"`
	Error       string                `json:"-"`
	TookMS      float64               `json:"-"`
	Names       names                 `json:"-"`
	saved       plan.Saved
}

var planHorizons = []int{7, 14, 30, 60, 90}

// horizonDays reads a planning horizon such as "90" or "90d": def when v
// is empty, else a whole number of days from lo to hi.
func horizonDays(v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || n < lo || n > hi {
		return 0, fault.Field("horizon", "%q is not a number of days from %d to %d", v, lo, hi)
	}
	return n, nil
}

// horizonOf reads the horizon of an allocation plan.
func horizonOf(v string) (int, error) { return horizonDays(v, 30, 1, 366) }

// planView shows saved plan sv to the reader: a coordinator sees every
// line their clearance allows, and may approve a current proposal only if
// that is all of it; a nation officer sees the lines of their own
// nation's pledges.
func (s *Server) planView(r *http.Request, sv plan.Saved) (proposalView, error) {
	me := access.IdentityFrom(r.Context())
	mayAllocate := access.Allowed(me, access.PledgeAllocate)
	in, p := sv.Input, sv.Plan
	v := proposalView{ID: sv.ID, State: sv.State, MadeAt: sv.MadeAt, MadeBy: sv.MadeBy, Horizon: sv.Horizon, Start: sv.Start, Rounds: p.Rounds,
		Hubs: p.Hubs, Horizons: planHorizons, DecidedAt: sv.DecidedAt, DecidedBy: sv.DecidedBy, Decision: sv.Decision, OwnOnly: !mayAllocate, saved: sv}
	if v.Hubs == nil {
		v.Hubs = []plan.HubLoad{}
	}
	cleared := func(m int) bool { return access.Classification(m) <= me.Clearance }
	byNeed := map[int]*proposalNeed{}
	need := func(i int) *proposalNeed {
		if pn, ok := byNeed[i]; ok {
			return pn
		}
		n := in.Needs[i]
		pn := &proposalNeed{Requirement: n.Requirement, NSN: n.NSN, Group: n.Group, Priority: n.Priority, NeedBy: n.NeedBy, Site: n.Site,
			Quantity: n.Total, Allocated: n.Allocated, Open: n.Quantity, Lines: []proposalLine{}}
		byNeed[i] = pn
		return pn
	}
	nations := map[string]*nationDiff{}
	seenLine := map[int]bool{}
	for _, l := range p.Lines {
		st, nd := in.Stock[l.Stock], in.Needs[l.Need]
		if !mayAllocate && st.Nation != me.Nation {
			continue
		}
		if !cleared(st.Marking) || !cleared(nd.Marking) {
			v.Hidden++
			continue
		}
		v.Marking = max(v.Marking, access.Classification(st.Marking), access.Classification(nd.Marking))
		pl := proposalLine{Pledge: st.Pledge, PledgeLine: st.Line, Nation: st.Nation, NSN: st.Item.NSN, ItemName: st.Item.Name, Quantity: l.Quantity,
			Value: money.Cents(int64(st.Item.UnitValue) * l.Quantity), Route: l.Route, ETA: l.ETA, DaysLate: l.DaysLate, TransitHour: l.TransitHour}
		pn := need(l.Need)
		pn.Lines = append(pn.Lines, pl)
		pn.Served += l.Quantity
		v.Served += l.Quantity
		v.Value += pl.Value
		if l.DaysLate > 0 {
			v.Late += l.Quantity
		}
		d := nations[st.Nation]
		if d == nil {
			d = &nationDiff{Nation: st.Nation}
			nations[st.Nation] = d
		}
		if !seenLine[l.Stock] {
			seenLine[l.Stock] = true
			d.Lines++
			d.Committed += st.Committed
			d.Before += st.Allocated
		}
		d.Proposed += l.Quantity
		d.Value += pl.Value
	}
	if mayAllocate {
		for _, u := range p.Unmet {
			if !cleared(in.Needs[u.Need].Marking) {
				v.Hidden++
				continue
			}
			v.Marking = max(v.Marking, access.Classification(in.Needs[u.Need].Marking))
			pn := need(u.Need)
			pn.Unmet, pn.Reason = u.Quantity, u.Reason
			v.Unmet += u.Quantity
		}
	}
	for _, pn := range byNeed {
		v.Needs = append(v.Needs, *pn)
	}
	sort.Slice(v.Needs, func(i, j int) bool {
		a, b := v.Needs[i], v.Needs[j]
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		if a.NeedBy != b.NeedBy {
			return a.NeedBy < b.NeedBy
		}
		return a.Requirement < b.Requirement
	})
	if v.Needs == nil {
		v.Needs = []proposalNeed{}
	}
	v.Nations = []nationDiff{}
	for _, d := range nations {
		v.Nations = append(v.Nations, *d)
	}
	sort.Slice(v.Nations, func(i, j int) bool { return v.Nations[i].Nation < v.Nations[j].Nation })
	// Hub loads and the approval's totals cover the whole plan: only a
	// reader who sees all of it reads them.
	if !mayAllocate || v.Hidden > 0 {
		v.Hubs, v.Decision = []plan.HubLoad{}, nil
	}
	if mayAllocate && v.Hidden == 0 {
		stale, err := s.Plans.Stale(r.Context(), sv)
		if err != nil {
			return v, err
		}
		v.Stale = stale
		v.Fingerprint = sv.Fingerprint
		v.CanApprove = sv.State == plan.StateProposed && !stale && v.Served > 0
	}
	return v, nil
}

func (s *Server) savedPlan(r *http.Request) (proposalView, error) {
	id, err := pathID(r)
	if err != nil {
		return proposalView{}, err
	}
	sv, err := s.Read.Plans.Plan(r.Context(), id)
	if err != nil {
		return proposalView{}, err
	}
	return s.planView(r, sv)
}

// plansView is the list of saved plans.
type plansView struct {
	list.Page[plan.Saved]
	Horizons []int
	Figures  bool // the reader sees the plans' figures (coordinators)
}

func (s *Server) planList(r *http.Request) (list.Page[plan.Saved], error) {
	o, err := listOptions(r)
	if err != nil {
		return list.Page[plan.Saved]{}, err
	}
	p, err := s.Read.Plans.Plans(r.Context(), assist.PlanFilter{State: r.URL.Query().Get("state")}, o)
	if err != nil {
		return p, err
	}
	// The figures of a plan are a coordinator's, and only up to their
	// clearance.
	me := access.IdentityFrom(r.Context())
	for i := range p.Items {
		if !access.Allowed(me, access.PledgeAllocate) || access.Classification(p.Items[i].Marking) > me.Clearance {
			p.Items[i].Served, p.Items[i].Unmet, p.Items[i].Late = 0, 0, 0
			p.Items[i].Decision, p.Items[i].Fingerprint = nil, ""
		}
	}
	return p, nil
}

func (s *Server) uiPlans(w http.ResponseWriter, r *http.Request) error {
	p, err := s.planList(r)
	if err != nil {
		return err
	}
	v := plansView{Page: p, Horizons: planHorizons, Figures: access.Allowed(access.IdentityFrom(r.Context()), access.PledgeAllocate)}
	return s.page(w, r, 200, "plans", "Allocation plans", v, access.Unclassified)
}

func (s *Server) uiMakePlan(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	h, err := horizonOf(r.PostForm.Get("horizon"))
	if err != nil {
		return err
	}
	t0 := time.Now()
	sv, err := s.Plans.Make(r.Context(), h, s.Now().UTC())
	if err != nil {
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/plans/%d", sv.ID), "plan-made", sv.ID, (time.Since(t0).Microseconds()+500)/1000), http.StatusSeeOther)
	return nil
}

func (s *Server) uiPlan(w http.ResponseWriter, r *http.Request) error {
	v, err := s.savedPlan(r)
	if err != nil {
		return err
	}
	return s.proposalPage(w, r, 200, v)
}

// proposalPage shows a plan with the names of its items, sites and nations.
func (s *Server) proposalPage(w http.ResponseWriter, r *http.Request, status int, v proposalView) error {
	var err error
	if v.Names, err = s.readNames(r.Context(), itemNames|siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "proposal", fmt.Sprintf("Allocation plan %d", v.ID), v, v.Marking)
}

// exclusions reads "pledge line-requirement" pairs.
func exclusions(xs []string) ([]plan.Key, error) {
	var out []plan.Key
	for _, x := range xs {
		k, err := assist.ParseProposalKey(x)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// approvePlan approves saved plan v as the reader, leaving out the
// excluded lines: only a reader who sees all of it may.
func (s *Server) approvePlan(r *http.Request, v proposalView, exclude []plan.Key) (plan.Approved, error) {
	if v.Hidden > 0 && v.State == plan.StateProposed {
		return plan.Approved{}, fault.Errorf(fault.Forbidden, "plan %d holds %d lines above your clearance: a coordinator cleared for all of it approves it", v.ID, v.Hidden)
	}
	return s.Plans.Approve(r.Context(), &v.saved, exclude)
}

func (s *Server) uiApprovePlan(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	v, err := s.savedPlan(r)
	if err != nil {
		return err
	}
	exclude, err := exclusions(r.PostForm["exclude"])
	if err == nil {
		_, err = s.approvePlan(r, v, exclude)
	}
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal {
			return err
		}
		if e.Code == fault.Conflict {
			v.Stale, v.CanApprove = v.State == plan.StateProposed, false
		}
		v.Error = e.Message
		return s.proposalPage(w, r, problemFor(err).Status, v)
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/plans/%d", v.ID), "plan-approved"), http.StatusSeeOther)
	return nil
}

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) error {
	p, err := s.planList(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

// makePlanInput asks for a plan.
type makePlanInput struct {
	Horizon int `json:"horizon_days"`
}

func (s *Server) apiMakePlan(w http.ResponseWriter, r *http.Request) error {
	var in makePlanInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := horizonOf(strconv.Itoa(in.Horizon))
	if in.Horizon == 0 {
		h, err = 30, nil
	}
	if err != nil {
		return err
	}
	sv, err := s.Plans.Make(r.Context(), h, s.Now().UTC())
	if err != nil {
		return err
	}
	v, err := s.planView(r, sv)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/plans/%d", sv.ID))
	return writeJSON(w, 201, v)
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) error {
	v, err := s.savedPlan(r)
	if err != nil {
		return err
	}
	if wantsTable(r) {
		return s.exportPlan(w, r, v)
	}
	w.Header().Set("X-Classification", v.Marking.String())
	return writeJSON(w, 200, v)
}

// exportPlan writes a plan's lines as the reader sees them, one row per
// proposed line and one per unmet quantity.
func (s *Server) exportPlan(w http.ResponseWriter, r *http.Request, v proposalView) error {
	var buf bytes.Buffer
	cw := exchange.NewWriter(&buf)
	cw.Write([]string{"plan", "requirement", "priority", "need_by", "delivery_site", "pledge", "pledge_line", "nation", "nsn", "quantity", "value_eur", "route", "eta", "days_late", "unmet", "reason"})
	for _, n := range v.Needs {
		req := fmt.Sprintf("R-%05d", n.Requirement)
		for _, l := range n.Lines {
			cw.Write([]string{strconv.FormatInt(v.ID, 10), req, strconv.Itoa(n.Priority), n.NeedBy, n.Site, fmt.Sprintf("P-%05d", l.Pledge), strconv.FormatInt(l.PledgeLine, 10),
				l.Nation, l.NSN, strconv.FormatInt(l.Quantity, 10), l.Value.String(), strings.Join(l.Route, ">"), l.ETA.UTC().Format(time.RFC3339), strconv.Itoa(l.DaysLate), "", ""})
		}
		if n.Unmet > 0 {
			cw.Write([]string{strconv.FormatInt(v.ID, 10), req, strconv.Itoa(n.Priority), n.NeedBy, n.Site, "", "", "", n.NSN, "", "", "", "", "", strconv.FormatInt(n.Unmet, 10), n.Reason})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return s.sendTable(w, r, fmt.Sprintf("plan-%d", v.ID), v.Marking, buf.Bytes())
}

// approveInput is an approval of a saved plan.
type approveInput struct {
	Exclude []plan.Key `json:"exclude"`
}

func (s *Server) apiApprovePlan(w http.ResponseWriter, r *http.Request) error {
	var in approveInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.savedPlan(r)
	if err != nil {
		return err
	}
	got, err := s.approvePlan(r, v, in.Exclude)
	if err != nil {
		return err
	}
	if got.Shipments == nil {
		got.Shipments = []int64{}
	}
	return writeJSON(w, 201, got)
}
