package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/repair"
)

func (s *Server) repairPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/equipment", access.EquipmentRead, s.uiEquipment)
	add("POST", "/equipment", access.EquipmentWrite, s.uiRegister)
	add("GET", "/equipment/{id}", access.EquipmentRead, s.uiPiece)
	add("POST", "/equipment/{id}/damage", access.EquipmentWrite, s.uiDamage)
	add("POST", "/equipment/{id}/write-off", access.EquipmentWrite, s.uiWriteOff)
	add("GET", "/repairs", access.EquipmentRead, s.uiRepairs)
	add("GET", "/repairs/plan", access.RepairPlan, s.uiRepairPlan)
	add("POST", "/repairs/plan/approve", access.RepairPlan, s.repairApproval().ui(s))
	add("GET", "/repairs/{id}", access.EquipmentRead, s.uiOrder)
	add("POST", "/repairs/{id}/move", access.RepairUpdate, s.uiMoveOrder)
	add("POST", "/repairs/{id}/parts", access.RepairUpdate, s.uiAddParts)
	add("POST", "/repairs/{id}/cost", access.RepairUpdate, s.uiRepairCost)
	add("GET", "/repair-facilities", access.EquipmentRead, s.uiFacilities)
	add("POST", "/repair-facilities", access.RepairPlan, s.uiSaveFacility)
}

func (s *Server) repairAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/equipment", access.EquipmentRead, s.apiEquipment)
	add("POST", "/api/v1/equipment", access.EquipmentWrite, s.apiRegister)
	add("GET", "/api/v1/equipment/{id}", access.EquipmentRead, s.apiPiece)
	add("POST", "/api/v1/equipment/{id}/damage", access.EquipmentWrite, s.apiDamage)
	add("POST", "/api/v1/equipment/{id}/write-off", access.EquipmentWrite, s.apiWriteOff)
	add("GET", "/api/v1/repairs", access.EquipmentRead, s.apiOrders)
	add("GET", "/api/v1/repairs/plan", access.RepairPlan, s.apiRepairPlan)
	add("POST", "/api/v1/repairs/plan/approve", access.RepairPlan, s.repairApproval().api())
	add("GET", "/api/v1/repairs/{id}", access.EquipmentRead, s.apiOrder)
	add("POST", "/api/v1/repairs/{id}/move", access.RepairUpdate, s.apiMoveOrder)
	add("POST", "/api/v1/repairs/{id}/parts", access.RepairUpdate, s.apiAddParts)
	add("POST", "/api/v1/repairs/{id}/cost", access.RepairUpdate, s.apiRepairCost)
	add("GET", "/api/v1/repair-facilities", access.EquipmentRead, s.apiFacilities)
	add("POST", "/api/v1/repair-facilities", access.RepairPlan, s.apiSaveFacility)
	add("GET", "/api/v1/fleet", access.EquipmentRead, s.apiFleet)
}

// Equipment.

type equipmentView struct {
	list.Page[repair.Equipment]
	States []string
	In     repair.Equipment
	Errors formErrors
	Names  names
}

func equipmentFilter(r *http.Request) repair.EquipmentFilter {
	q := r.URL.Query()
	return repair.EquipmentFilter{State: q.Get("state"), NSN: q.Get("nsn"), Donor: q.Get("donor"), Q: q.Get("q")}
}

func (s *Server) equipmentPage(w http.ResponseWriter, r *http.Request, status int, v equipmentView) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	if v.Page, err = s.Read.Repair.EquipmentList(r.Context(), equipmentFilter(r), o); err != nil {
		return err
	}
	v.States = repair.EquipmentStates
	if v.In.Received == "" {
		v.In.Received = s.today()
	}
	want := siteNames | nationNames
	if access.Allowed(access.IdentityFrom(r.Context()), access.EquipmentWrite) {
		want |= itemNames // the register form offers every item
	}
	if v.Names, err = s.readNames(r.Context(), want); err != nil {
		return err
	}
	return s.page(w, r, status, "equipment", "Equipment", v, access.Unclassified)
}

func (s *Server) uiEquipment(w http.ResponseWriter, r *http.Request) error {
	return s.equipmentPage(w, r, 200, equipmentView{})
}

func pieceFromForm(f url.Values) (repair.Equipment, formErrors) {
	e := repair.Equipment{NSN: f.Get("nsn"), Serial: f.Get("serial"), Donor: f.Get("donor"), Received: f.Get("received"), Location: f.Get("location"), Notes: f.Get("notes")}
	pre := formErrors{}
	for name, dst := range map[string]*int64{"hours": &e.Hours, "rounds": &e.Rounds} {
		if v := strings.TrimSpace(f.Get(name)); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				pre[name] = fmt.Sprintf("%q is not a whole number", v)
			}
			*dst = n
		}
	}
	return e, pre
}

func (s *Server) uiRegister(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	e, pre := pieceFromForm(r.PostForm)
	if len(pre) > 0 {
		return s.equipmentPage(w, r, 422, equipmentView{In: e, Errors: pre})
	}
	e, err := s.Repair.RegisterEquipment(r.Context(), e)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.equipmentPage(w, r, statusFor(err), equipmentView{In: e, Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/equipment/%d", e.ID), "equipment-registered", e.Ref()), http.StatusSeeOther)
	return nil
}

type pieceView struct {
	repair.Equipment
	Lessons    []lessons.Lesson
	Timeline   []repair.EquipmentEvent
	Orders     []repair.Order
	Severities []string
	Damage     repair.Damage
	Errors     formErrors
	Names      names
}

func (s *Server) pieceView(r *http.Request) (pieceView, error) {
	id, err := pathID(r)
	if err != nil {
		return pieceView{}, err
	}
	e, tl, os, err := s.Read.Repair.Piece(r.Context(), id)
	if err != nil {
		return pieceView{}, err
	}
	ls, err := s.Read.Lessons.LessonsFor(r.Context(), "equipment", e.Ref())
	if err != nil {
		return pieceView{}, err
	}
	nm, err := s.readNames(r.Context(), siteNames|nationNames)
	if err != nil {
		return pieceView{}, err
	}
	return pieceView{Equipment: e, Lessons: ls, Timeline: tl, Orders: os, Severities: repair.Severities, Damage: repair.Damage{Priority: 3, Location: e.Location}, Names: nm}, nil
}

func (s *Server) uiPiece(w http.ResponseWriter, r *http.Request) error {
	v, err := s.pieceView(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "piece", v.Ref()+" "+v.ItemName, v, lessonsMarking(v.Lessons))
}

func (s *Server) uiDamage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	v, err := s.pieceView(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	d := repair.Damage{Equipment: v.ID, Fault: f.Get("fault"), Severity: f.Get("severity"), Location: f.Get("location"), Replace: f.Get("replace") != ""}
	d.Priority, _ = strconv.Atoi(f.Get("priority"))
	o, req, err := s.Repair.ReportDamage(r.Context(), d)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			v.Damage, v.Errors = d, fe
			return s.page(w, r, statusFor(err), "piece", v.Ref()+" "+v.ItemName, v, access.Unclassified)
		}
		return err
	}
	to := withNotice(fmt.Sprintf("/equipment/%d", v.ID), "damage-reported", o.Ref())
	if d.Severity == repair.Beyond {
		to = withNotice(fmt.Sprintf("/equipment/%d", v.ID), "beyond-repair", v.Ref())
		if req != nil {
			to = withNotice(fmt.Sprintf("/equipment/%d", v.ID), "beyond-repair-replacement", v.Ref(), req.Ref())
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) apiEquipment(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Repair.EquipmentList(r.Context(), equipmentFilter(r), o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiRegister(w http.ResponseWriter, r *http.Request) error {
	var e repair.Equipment
	if err := decode(w, r, &e); err != nil {
		return err
	}
	e, err := s.Repair.RegisterEquipment(r.Context(), e)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/equipment/%d", e.ID))
	return writeJSON(w, 201, e)
}

type pieceJSON struct {
	repair.Equipment
	Timeline []repair.EquipmentEvent `json:"timeline"`
	Orders   []repair.Order          `json:"orders"`
}

func (s *Server) apiPiece(w http.ResponseWriter, r *http.Request) error {
	v, err := s.pieceView(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, pieceJSON{v.Equipment, v.Timeline, v.Orders})
}

type damageResult struct {
	Order       *repair.Order `json:"order,omitempty"`
	Requirement int64         `json:"replacement_requirement,omitempty"`
}

func (s *Server) apiDamage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var d repair.Damage
	if err := decode(w, r, &d); err != nil {
		return err
	}
	d.Equipment = id
	o, req, err := s.Repair.ReportDamage(r.Context(), d)
	if err != nil {
		return err
	}
	var out damageResult
	if o.ID != 0 {
		out.Order = &o
	}
	if req != nil {
		out.Requirement = req.ID
	}
	return writeJSON(w, 201, out)
}

// Orders, the fleet and the facilities.

type repairsView struct {
	list.Page[repair.Order]
	States     []string
	BySystem   []repair.FleetRow
	ByDonor    []repair.FleetRow
	Facilities []repair.FacilityStats
	Pipeline   []pipelineBar
	History    []historyBar
	OpenStates []string
	Names      names
}

// historyBar is one week of the pipeline over time: a stacked bar.
type historyBar struct {
	Label string
	X     int
	Parts []historyPart
	Total int
}

type historyPart struct {
	State     string
	Y, Height int
	Count     int
}

// pipelineBar is the number of open orders in a state, for the chart.
type pipelineBar struct {
	State string
	Count int64
	Width int
}

// orderFilter is the repair orders a query asks for, for the page and
// the API alike.
func orderFilter(r *http.Request) repair.OrderFilter {
	q := r.URL.Query()
	return repair.OrderFilter{State: q.Get("state"), Facility: q.Get("facility")}
}

func (s *Server) uiRepairs(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	v := repairsView{States: repair.OrderStates}
	if v.Page, err = s.Read.Repair.Orders(r.Context(), orderFilter(r), o); err != nil {
		return err
	}
	if v.BySystem, v.ByDonor, err = s.Read.Repair.Fleet(r.Context()); err != nil {
		return err
	}
	if v.Facilities, err = s.Read.Repair.FacilityStatistics(r.Context()); err != nil {
		return err
	}
	counts, err := s.Read.Repair.OrderCounts(r.Context())
	if err != nil {
		return err
	}
	var top int64 = 1
	for _, st := range repair.OrderStates[:len(repair.OrderStates)-1] {
		v.Pipeline = append(v.Pipeline, pipelineBar{State: st, Count: counts[st]})
		top = max(top, counts[st])
	}
	for i := range v.Pipeline {
		v.Pipeline[i].Width = int(v.Pipeline[i].Count * 400 / top)
	}
	hist, err := s.Read.Repair.Pipeline(r.Context(), 12, s.Now())
	if err != nil {
		return err
	}
	v.OpenStates = repair.OrderStates[:len(repair.OrderStates)-1]
	most := 1
	for _, h := range hist {
		most = max(most, h.Total)
	}
	for i, h := range hist {
		b := historyBar{Label: h.End.Format("01-02"), X: 40 + i*50, Total: h.Total}
		y := 170
		for _, st := range v.OpenStates {
			n := h.Counts[st]
			if n == 0 {
				continue
			}
			ht := n * 150 / most
			y -= ht
			b.Parts = append(b.Parts, historyPart{State: st, Y: y, Height: ht, Count: n})
		}
		v.History = append(v.History, b)
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, 200, "repairs", "Repairs", v, access.Unclassified)
}

func (s *Server) apiOrders(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Repair.Orders(r.Context(), orderFilter(r), o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

type orderView struct {
	repair.Order
	Next      []string
	Parts     []repair.PartNeed
	PartsText string
	Errors    string
	Names     names
}

func (s *Server) orderPage(w http.ResponseWriter, r *http.Request, status int, o repair.Order, v orderView) error {
	parts, err := s.Read.Repair.Parts(r.Context(), o.ID)
	if err != nil {
		return err
	}
	v.Order, v.Next, v.Parts = o, nextStates(o), parts
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "repair", o.Ref(), v, access.Unclassified)
}

// parseParts reads "NSN=QUANTITY" pairs separated by commas or lines.
func parseParts(text string) ([]repair.Part, error) {
	var out []repair.Part
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		nsn, q, ok := strings.Cut(f, "=")
		n, err := strconv.ParseInt(strings.TrimSpace(q), 10, 64)
		if !ok || err != nil {
			return nil, fault.Field("parts", "%q: write an NSN, =, and a quantity, e.g. 2530-12-000-0101=4", f)
		}
		out = append(out, repair.Part{NSN: strings.TrimSpace(nsn), Quantity: n})
	}
	return out, nil
}

func (s *Server) uiAddParts(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	o, err := s.pathOrder(r)
	if err != nil {
		return err
	}
	text := r.PostForm.Get("parts")
	parts, err := parseParts(text)
	if err == nil {
		_, err = s.Repair.AddParts(r.Context(), o.ID, parts)
	}
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
			return err
		}
		return s.orderPage(w, r, statusFor(err), o, orderView{PartsText: text, Errors: problemText(e)})
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/repairs/%d", o.ID), "parts-asked", len(parts)), http.StatusSeeOther)
	return nil
}

// problemText is an error and its problems in one line.
func problemText(e *fault.Error) string {
	if len(e.Problems) < 2 {
		return e.Error()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return fmt.Sprintf("%d problems: %s.", len(parts), strings.Join(parts, "; "))
}

type partsInput struct {
	Parts []repair.Part `json:"parts"`
}

func (s *Server) apiAddParts(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOrder(r)
	if err != nil {
		return err
	}
	var in partsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := s.Repair.AddParts(r.Context(), o.ID, in.Parts); err != nil {
		return err
	}
	parts, err := s.Read.Repair.Parts(r.Context(), o.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, parts)
}

func nextStates(o repair.Order) []string {
	var out []string
	for _, st := range repair.OrderStates {
		c := o
		if c.Move(st) == nil {
			out = append(out, st)
		}
	}
	return out
}

// pathOrder reads the repair order the path names.
func (s *Server) pathOrder(r *http.Request) (repair.Order, error) {
	id, err := pathID(r)
	if err != nil {
		return repair.Order{}, err
	}
	return s.Read.Repair.Order(r.Context(), id)
}

func (s *Server) uiOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOrder(r)
	if err != nil {
		return err
	}
	return s.orderPage(w, r, 200, o, orderView{})
}

func (s *Server) uiMoveOrder(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	o, err := s.Repair.MoveOrder(r.Context(), id, version, r.PostForm.Get("state"), r.PostForm.Get("note"))
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
			return err
		}
		cur, rerr := s.Read.Repair.Order(r.Context(), id)
		if rerr != nil {
			return err
		}
		return s.orderPage(w, r, statusFor(err), cur, orderView{Errors: e.Message})
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/repairs/%d", o.ID), "repair-state", o.Ref(), o.State), http.StatusSeeOther)
	return nil
}

type orderJSON struct {
	repair.Order
	Parts []repair.PartNeed `json:"parts"`
}

func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOrder(r)
	if err != nil {
		return err
	}
	parts, err := s.Read.Repair.Parts(r.Context(), o.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, orderJSON{o, parts})
}

type moveInput struct {
	State   string `json:"state"`
	Note    string `json:"note"`
	Version int64  `json:"version"`
}

func (s *Server) apiMoveOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in moveInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.Repair.MoveOrder(r.Context(), id, in.Version, in.State, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, o)
}

type facilitiesView struct {
	Lessons    map[string][]lessons.Lesson // by facility
	Facilities []repair.FacilityStats
	Config     []repair.RepairFacility
	In         repair.RepairFacility
	Text       string // competences as written in the form
	Errors     formErrors
	Names      names
}

func (s *Server) facilitiesPage(w http.ResponseWriter, r *http.Request, status int, v facilitiesView) error {
	var err error
	if v.Facilities, err = s.Read.Repair.FacilityStatistics(r.Context()); err != nil {
		return err
	}
	if v.Config, err = s.Read.Repair.RepairFacilities(r.Context()); err != nil {
		return err
	}
	v.Lessons = map[string][]lessons.Lesson{}
	for _, f := range v.Config {
		ls, err := s.Read.Lessons.LessonsFor(r.Context(), "facility", f.Site)
		if err != nil {
			return err
		}
		if len(ls) > 0 {
			v.Lessons[f.Site] = ls
		}
	}
	marking := access.Unclassified
	for _, ls := range v.Lessons {
		for _, l := range ls {
			marking = max(marking, l.Classification)
		}
	}
	// Competences name systems by group or NSN.
	if v.Names, err = s.readNames(r.Context(), itemNames|siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "facilities", "Repair facilities", v, marking)
}

func (s *Server) uiFacilities(w http.ResponseWriter, r *http.Request) error {
	return s.facilitiesPage(w, r, 200, facilitiesView{})
}

// parseCompetences reads "TARGET=DAYS" pairs separated by commas or lines.
func parseCompetences(text string) ([]repair.Competence, error) {
	var out []repair.Competence
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		target, days, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if !ok || err != nil {
			return nil, fault.Field("competences", "%q: write an NSN or a group, =, and the turnaround in days, e.g. LEOPARD-2=60", part)
		}
		out = append(out, repair.Competence{Target: strings.TrimSpace(target), Days: n})
	}
	return out, nil
}

func (s *Server) uiSaveFacility(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := repair.RepairFacility{Site: f.Get("site")}
	in.Slots, _ = strconv.Atoi(f.Get("slots"))
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	cs, err := parseCompetences(f.Get("competences"))
	if err == nil {
		in.Competences = cs
		in, err = s.Repair.SaveFacility(r.Context(), in, version)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.facilitiesPage(w, r, statusFor(err), facilitiesView{In: in, Text: f.Get("competences"), Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/repair-facilities", "facility-saved", in.Site, in.Slots, len(in.Competences)), http.StatusSeeOther)
	return nil
}

func (s *Server) apiFacilities(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.Read.Repair.RepairFacilities(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, fs)
}

func (s *Server) apiSaveFacility(w http.ResponseWriter, r *http.Request) error {
	var in repair.RepairFacility
	if err := decode(w, r, &in); err != nil {
		return err
	}
	f, err := s.Repair.SaveFacility(r.Context(), in, in.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, f)
}

type fleetJSON struct {
	BySystem   []repair.FleetRow      `json:"by_system"`
	ByDonor    []repair.FleetRow      `json:"by_donor"`
	Facilities []repair.FacilityStats `json:"facilities"`
}

func (s *Server) apiFleet(w http.ResponseWriter, r *http.Request) error {
	var v fleetJSON
	var err error
	if v.BySystem, v.ByDonor, err = s.Read.Repair.Fleet(r.Context()); err != nil {
		return err
	}
	if v.Facilities, err = s.Read.Repair.FacilityStatistics(r.Context()); err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

// The repair plan.

type repairPlanView struct {
	repair.Proposal
	Start       time.Time                `json:"start"`
	Horizon     int                      `json:"horizon_days"`
	Fingerprint string                   `json:"fingerprint"`
	Orders      map[int64]repair.Waiting `json:"-"`
	TookMS      float64                  `json:"took_ms"`
	Horizons    []int                    `json:"-"`
	Error       string                   `json:"-"`
	Names       names                    `json:"-"`
}

func (s *Server) repairPlan(r *http.Request, start time.Time, horizon int) (repairPlanView, error) {
	in, fp, err := s.Read.Repair.RepairPlanInput(r.Context(), start, horizon)
	if err != nil {
		return repairPlanView{}, err
	}
	t0 := time.Now()
	p, err := repair.Plan(in)
	if err != nil {
		return repairPlanView{}, err
	}
	v := repairPlanView{Proposal: p, Start: start, Horizon: horizon, Fingerprint: fp, TookMS: float64(time.Since(t0).Microseconds()) / 1000,
		Orders: map[int64]repair.Waiting{}, Horizons: []int{30, 60, 90, 180}}
	for _, o := range in.Orders {
		v.Orders[o.Order] = o
	}
	// Its page names the facilities and where the pieces are.
	if v.Names, err = s.readNames(r.Context(), siteNames); err != nil {
		return repairPlanView{}, err
	}
	return v, nil
}

func (s *Server) uiRepairPlan(w http.ResponseWriter, r *http.Request) error {
	h, err := horizonDays(r.URL.Query().Get("horizon"), 90, 7, 366)
	if err != nil {
		return err
	}
	v, err := s.repairPlan(r, s.Now().UTC().Truncate(time.Second), h)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "repair_plan", "Repair plan", v, access.Unclassified)
}

func (s *Server) apiRepairPlan(w http.ResponseWriter, r *http.Request) error {
	h, err := horizonDays(r.URL.Query().Get("horizon"), 90, 7, 366)
	if err != nil {
		return err
	}
	v, err := s.repairPlan(r, s.Now().UTC().Truncate(time.Second), h)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

// repairApproval approves a repair plan: the orders it places are
// assigned to their facilities, if nothing changed since it was shown.
func (s *Server) repairApproval() planApproval[repairPlanView] {
	return planApproval[repairPlanView]{horizon: 90, replan: s.repairPlan,
		approve: func(r *http.Request, v repairPlanView, in reviewedPlan) (int, error) {
			return s.Repair.Approve(r.Context(), v.Proposal, in.Fingerprint, in.Start, in.Horizon)
		},
		withErr:  func(v repairPlanView, msg string) repairPlanView { v.Error = msg; return v },
		template: "repair_plan", title: "Repair plan", apiKey: "assigned",
		done: func(n int) string {
			return withNotice("/repairs?state=assigned", "repairs-approved", n)
		}}
}

// costInput is a finished repair's cost and who paid it.
type costInput struct {
	Cost   string `json:"cost"`
	PaidBy string `json:"paid_by"`
}

func (s *Server) recordCost(r *http.Request, in costInput) (repair.Order, error) {
	o, err := s.pathOrder(r)
	if err != nil {
		return o, err
	}
	var errs fault.List
	cost := money.FieldEUR(&errs, "cost", in.Cost)
	if err := errs.Err(); err != nil {
		return o, err
	}
	return s.Repair.RecordCost(r.Context(), o.ID, cost, in.PaidBy)
}

func (s *Server) uiRepairCost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	o, err := s.recordCost(r, costInput{Cost: r.PostForm.Get("cost"), PaidBy: r.PostForm.Get("paid_by")})
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
			return err
		}
		cur, rerr := s.pathOrder(r)
		if rerr != nil {
			return err
		}
		return s.orderPage(w, r, statusFor(err), cur, orderView{Errors: problemText(e)})
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/repairs/%d", o.ID), "repair-cost", o.Ref(), int64(o.Cost), o.PaidBy), http.StatusSeeOther)
	return nil
}

func (s *Server) apiRepairCost(w http.ResponseWriter, r *http.Request) error {
	var in costInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o, err := s.recordCost(r, in)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, o)
}

func (s *Server) uiWriteOff(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	v, err := s.pieceView(r)
	if err != nil {
		return err
	}
	e, err := s.Repair.WriteOff(r.Context(), v.ID, r.PostForm.Get("reason"))
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			v.Errors = fe
			return s.page(w, r, statusFor(err), "piece", v.Ref()+" "+v.ItemName, v, access.Unclassified)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/equipment/%d", e.ID), "written-off", e.Ref()), http.StatusSeeOther)
	return nil
}

type writeOffInput struct {
	Reason string `json:"reason"`
}

func (s *Server) apiWriteOff(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in writeOffInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := s.Repair.WriteOff(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, e)
}

// lessonsMarking is the highest classification of lessons shown on a page.
func lessonsMarking(ls []lessons.Lesson) access.Classification {
	m := access.Unclassified
	for _, l := range ls {
		m = max(m, l.Classification)
	}
	return m
}
