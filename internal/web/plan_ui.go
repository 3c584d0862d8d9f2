package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
)

func (s *Server) planPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/plans/proposal", access.PledgeWrite, s.uiProposal)
	add("POST", "/plans/proposal/approve", access.PledgeAllocate, s.uiApprove)
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

// proposalNeed is one requirement with what the proposal sends it.
type proposalNeed struct {
	Requirement int64          `json:"requirement"`
	NSN         string         `json:"nsn,omitempty"`
	Group       string         `json:"group,omitempty"`
	Priority    int            `json:"priority"`
	NeedBy      string         `json:"need_by"`
	Site        string         `json:"site"`
	Open        int64          `json:"open"`
	Served      int64          `json:"served"`
	Unmet       int64          `json:"unmet"`
	Reason      string         `json:"reason,omitempty"`
	Lines       []proposalLine `json:"lines"`
}

// proposalView is an allocation proposal: by requirement, most urgent
// first, with the hubs' loads.
type proposalView struct {
	Horizon  int                   `json:"horizon_days"`
	Start    time.Time             `json:"start"`
	TookMS   float64               `json:"took_ms"`
	Rounds   int                   `json:"rounds"`
	Served   int64                 `json:"served"`
	Unmet    int64                 `json:"unmet"`
	Late     int64                 `json:"late"`
	Value    money.Cents           `json:"value"`
	Needs    []proposalNeed        `json:"needs"`
	Hubs     []plan.HubLoad        `json:"hubs"`
	Horizons []int                 `json:"-"`
	Marking  access.Classification `json:"-"`
	// Fingerprint identifies the inputs: approval is refused once they change.
	Fingerprint string `json:"fingerprint"`
	Error       string `json:"-"`
	in          plan.Input
	plan        plan.Plan
}

func (s *Server) proposal(r *http.Request) (proposalView, error) {
	days := 30
	if h := r.URL.Query().Get("horizon"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > 366 {
			return proposalView{}, fault.Field("horizon", "%q is not a number of days from 1 to 366", h)
		}
		days = n
	}
	// A plan is made over all the stock and every need, whoever asks; a
	// reader who may not allocate (a nation officer) sees the lines of
	// their own nation's pledges, and no fingerprint to approve with.
	me := access.IdentityFrom(r.Context())
	mayAllocate := access.Allowed(me, access.PledgeAllocate)
	ctx := r.Context()
	if !mayAllocate {
		ctx = access.WithIdentity(ctx, access.System.Named(me.Name))
	}
	in, err := s.DB.PlanInput(ctx)
	if err != nil {
		return proposalView{}, err
	}
	in.Start, in.Horizon = s.Now().UTC(), days
	t0 := time.Now()
	p, err := plan.Make(in)
	if err != nil {
		return proposalView{}, err
	}
	v := proposalView{Fingerprint: plan.Fingerprint(in), in: in, plan: p, Horizon: days, Start: in.Start, TookMS: float64(time.Since(t0).Microseconds()) / 1000, Rounds: p.Rounds, Hubs: p.Hubs, Horizons: []int{7, 14, 30, 60, 90}}
	if v.Hubs == nil {
		v.Hubs = []plan.HubLoad{}
	}
	byNeed := map[int]*proposalNeed{}
	need := func(i int) *proposalNeed {
		if pn, ok := byNeed[i]; ok {
			return pn
		}
		n := in.Needs[i]
		pn := &proposalNeed{Requirement: n.Requirement, NSN: n.NSN, Group: n.Group, Priority: n.Priority, NeedBy: n.NeedBy, Site: n.Site, Open: n.Quantity, Lines: []proposalLine{}}
		byNeed[i] = pn
		return pn
	}
	if !mayAllocate {
		v.Fingerprint = ""
		var own []plan.Line
		for _, l := range p.Lines {
			if in.Stock[l.Stock].Nation == me.Nation {
				own = append(own, l)
			}
		}
		p.Lines, p.Unmet = own, nil
	}
	for _, l := range p.Lines {
		st := in.Stock[l.Stock]
		v.Marking = max(v.Marking, access.Classification(st.Marking), access.Classification(in.Needs[l.Need].Marking))
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
	}
	for _, u := range p.Unmet {
		v.Marking = max(v.Marking, access.Classification(in.Needs[u.Need].Marking))
		pn := need(u.Need)
		pn.Unmet, pn.Reason = u.Quantity, u.Reason
		v.Unmet += u.Quantity
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
	return v, nil
}

func (s *Server) uiProposal(w http.ResponseWriter, r *http.Request) error {
	v, err := s.proposal(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "proposal", "Allocation proposal", v, v.Marking)
}

func (s *Server) apiProposal(w http.ResponseWriter, r *http.Request) error {
	v, err := s.proposal(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

// approveInput is an approval of a proposal.
type approveInput struct {
	Horizon     int        `json:"horizon"`
	Fingerprint string     `json:"fingerprint"`
	Exclude     []plan.Key `json:"exclude"`
}

func (s *Server) approve(r *http.Request, in approveInput) (plan.Approved, proposalView, error) {
	q := r.URL.Query()
	q.Set("horizon", strconv.Itoa(in.Horizon))
	r.URL.RawQuery = q.Encode()
	v, err := s.proposal(r)
	if err != nil {
		return plan.Approved{}, v, err
	}
	got, err := plan.Approve(r.Context(), store.Logistics{DB: s.DB}, v.in, v.plan, in.Fingerprint, in.Exclude)
	return got, v, err
}

func (s *Server) uiApprove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := approveInput{Fingerprint: f.Get("fingerprint")}
	in.Horizon, _ = strconv.Atoi(f.Get("horizon"))
	for _, x := range f["exclude"] {
		var k plan.Key
		if _, err := fmt.Sscanf(x, "%d-%d", &k.PledgeLine, &k.Requirement); err == nil {
			in.Exclude = append(in.Exclude, k)
		}
	}
	got, v, err := s.approve(r, in)
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || v.Needs == nil {
			return err
		}
		v.Error = e.Message
		return s.page(w, r, problemFor(err).Status, "proposal", "Allocation proposal", v, v.Marking)
	}
	msg := fmt.Sprintf("Approved: %d allocations of %d units, %d planned shipments", got.Allocations, got.Units, len(got.Shipments))
	http.Redirect(w, r, "/shipments?state=planned&msg="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) error {
	var in approveInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Horizon == 0 {
		in.Horizon = 30
	}
	got, _, err := s.approve(r, in)
	if err != nil {
		return err
	}
	if got.Shipments == nil {
		got.Shipments = []int64{}
	}
	return writeJSON(w, 201, got)
}
