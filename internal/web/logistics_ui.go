package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
)

func (s *Server) logisticsPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/shipments", access.ShipmentRead, s.uiShipments)
	add("GET", "/shipments/new", access.ShipmentPlan, s.uiShipmentForm)
	add("POST", "/shipments", access.ShipmentPlan, s.uiCreateShipment)
	add("GET", "/shipments/{id}", access.ShipmentRead, s.uiShipment)
	// Each custody action's own rules are checked by the use case.
	add("POST", "/shipments/{id}/act", access.ShipmentCustody, s.uiHand)
	add("POST", "/shipments/{id}/receive", access.ShipmentReceive, s.uiReceive)
	add("GET", "/discrepancies", access.ShipmentRead, s.uiDiscrepancies)
	add("POST", "/discrepancies/{id}/resolve", access.DiscrepancyClose, s.uiResolve)
	add("GET", "/network", access.NetworkRead, s.uiNetwork)
	add("POST", "/network/links", access.NetworkWrite, s.uiSaveLink)
	add("POST", "/network/hubs/{code}", access.NetworkWrite, s.uiSetHub)
	add("POST", "/network/import", access.NetworkWrite, s.uiNetworkImport)
	add("GET", "/hubs/{code}", access.StockRead, s.uiHub)
	add("POST", "/hubs/{code}/count", access.StockCount, s.uiCount)
	add("GET", "/map", access.NetworkRead, s.uiMap)
}

// ---- shipments ----

type shipmentsView struct {
	list.Page[shipmentView]
	States []string
	Sites  []string
	Names  names
	// Arriving is the site the list is filtered on arriving at, and Due
	// when each shipment is planned to reach it, by shipment.
	Arriving string
	Due      map[int64]time.Time
}

func (s *Server) uiShipments(w http.ResponseWriter, r *http.Request) error {
	f, err := s.shipmentFilter(r)
	if err != nil {
		return err
	}
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Logistics.Shipments(r.Context(), f, o)
	if err != nil {
		return err
	}
	v := shipmentsView{Page: list.Page[shipmentView]{Next: p.Next, Total: p.Total, Items: make([]shipmentView, len(p.Items))}, States: logistics.States}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	marking := access.Unclassified
	if f.Arriving != "" {
		v.Arriving, v.Due = strings.ToUpper(f.Arriving), map[int64]time.Time{}
	}
	for i, sh := range p.Items {
		v.Items[i] = s.shipmentView(sh)
		marking = max(marking, sh.Classification)
		if v.Due != nil {
			v.Due[sh.ID], _ = sh.Arriving(v.Arriving)
		}
	}
	return s.page(w, r, 200, "shipments", "Shipments", v, marking)
}

type shipmentFormView struct {
	In          logistics.NewShipment
	Via         string
	Departure   string
	Quantities  []string
	Allocations []logistics.OpenAllocation
	Origins     []string
	// Names are the sites' and nations'; the sites are the route's choices.
	Names  names
	Errors formErrors
}

func (s *Server) shipmentForm(w http.ResponseWriter, r *http.Request, status int, v shipmentFormView) error {
	allocs, err := s.Read.Logistics.OpenAllocations(r.Context(), 500)
	if err != nil {
		return err
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	v.Allocations = allocs
	for len(v.In.Lines) < 4 {
		v.In.Lines = append(v.In.Lines, logistics.NewLine{})
	}
	for len(v.Quantities) < len(v.In.Lines) {
		v.Quantities = append(v.Quantities, "")
	}
	if v.Departure == "" {
		v.Departure = s.Now().UTC().Add(24 * time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")
	}
	return s.page(w, r, status, "shipment_form", "Plan a shipment", v, access.Unclassified)
}

func (s *Server) uiShipmentForm(w http.ResponseWriter, r *http.Request) error {
	v := shipmentFormView{}
	if a := r.URL.Query().Get("allocation"); a != "" {
		id, _ := strconv.ParseInt(a, 10, 64)
		v.In.Lines = []logistics.NewLine{{Allocation: id}}
	}
	return s.shipmentForm(w, r, 200, v)
}

func (s *Server) uiCreateShipment(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	v := shipmentFormView{Errors: formErrors{}, Via: f.Get("via"), Departure: f.Get("planned_departure")}
	v.In = logistics.NewShipment{Origin: f.Get("origin"), Destination: f.Get("destination"), Notes: f.Get("notes"), Override: f.Get("override_reason")}
	for _, h := range strings.FieldsFunc(v.Via, func(r rune) bool { return r == ',' || r == ' ' || r == '>' }) {
		v.In.Via = append(v.In.Via, h)
	}
	if v.Departure != "" {
		t, err := time.Parse("2006-01-02T15:04", v.Departure)
		if err != nil {
			v.Errors["planned_departure"] = fmt.Sprintf("%q is not a date and time", v.Departure)
		}
		v.In.PlannedDeparture = t
	}
	allocs, qs := f["allocation"], f["quantity"]
	for i := range allocs {
		q := ""
		if i < len(qs) {
			q = qs[i]
		}
		a := formInt(v.Errors, url.Values{"allocation": {allocs[i]}}, "allocation")
		n := formInt(v.Errors, url.Values{"quantity": {q}}, "quantity")
		if a == 0 && n == 0 {
			continue
		}
		v.In.Lines = append(v.In.Lines, logistics.NewLine{Allocation: a, Quantity: n})
		v.Quantities = append(v.Quantities, q)
	}
	if len(v.Errors) > 0 {
		return s.shipmentForm(w, r, 422, v)
	}
	lines := v.In.Lines
	sh, err := s.Logi.CreateShipment(r.Context(), v.In)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			v.Errors, v.In.Lines = fe, lines
			return s.shipmentForm(w, r, statusFor(err), v)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/shipments/%d", sh.ID), "shipment-planned", sh.Ref(), strings.Join(sh.Route(), ","), sh.ETA.UTC().Format(minuteLayout)), http.StatusSeeOther)
	return nil
}

type shipmentPageView struct {
	shipmentView
	Names         names
	Discrepancies []logistics.Discrepancy
	Events        []historyRow
	Actions       []string // custody actions the reader may take now
	CanReceive    bool
	CanResolve    bool
	Errors        formErrors
	Tried         string // the action whose form the errors belong to
	Now           string
	// Typed is what a refused receipt said, line by line, so that the
	// form shows it again rather than the quantities sent: resubmitting
	// must not confirm a number nobody typed.
	Typed   map[int]typedLine
	TypedTo string
}

// typedLine is a receipt line as it was typed.
type typedLine struct{ Received, Kind, Reason string }

// nextActions are the custody actions a shipment in its state allows.
func nextActions(sh logistics.Shipment) []string {
	switch sh.State {
	case logistics.Planned:
		return []string{logistics.Dispatch, logistics.Cancel}
	case logistics.Dispatched, logistics.InTransit:
		return []string{logistics.Arrive, logistics.Hold}
	case logistics.AtHub:
		return []string{logistics.Depart, logistics.Hold}
	case logistics.Delivered:
		return []string{logistics.Hold}
	case logistics.Held:
		return []string{logistics.Release}
	}
	return nil
}

func (s *Server) shipmentPage(w http.ResponseWriter, r *http.Request, status int, id int64, errs formErrors, tried string) error {
	return s.shipmentPageTyped(w, r, status, id, errs, tried, nil)
}

// shipmentPageTyped is shipmentPage with the receipt form as posted.
func (s *Server) shipmentPageTyped(w http.ResponseWriter, r *http.Request, status int, id int64, errs formErrors, tried string, posted url.Values) error {
	sh, err := s.Read.Logistics.Shipment(r.Context(), id)
	if err != nil {
		return err
	}
	v := shipmentPageView{shipmentView: s.shipmentView(sh), Errors: errs, Tried: tried, Now: s.Now().UTC().Format("2006-01-02T15:04")}
	if posted != nil {
		v.Typed, v.TypedTo = map[int]typedLine{}, posted.Get("to")
		for i, no := range posted["no"] {
			n, err := strconv.Atoi(no)
			if err != nil {
				continue
			}
			at := func(k string) string {
				if vs := posted[k]; i < len(vs) {
					return vs[i]
				}
				return ""
			}
			v.Typed[n] = typedLine{Received: at("received"), Kind: at("kind"), Reason: at("reason")}
		}
	}
	if v.Custody, err = s.Read.Logistics.Custody(r.Context(), id); err != nil {
		return err
	}
	ds, err := s.Read.Logistics.Discrepancies(r.Context(), logistics.DiscrepancyFilter{Shipment: id}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		return err
	}
	v.Discrepancies = ds.Items
	evs, err := s.Read.Audit.Events(r.Context(), "shipment", strconv.FormatInt(id, 10), 50)
	if err != nil {
		return err
	}
	v.Events = history(evs)
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	me := access.IdentityFrom(r.Context())
	for _, a := range nextActions(sh) {
		if access.Allowed(me, custodyPermission(a)) {
			v.Actions = append(v.Actions, a)
		}
	}
	v.CanReceive = sh.State == logistics.Delivered && access.Allowed(me, access.ShipmentReceive)
	v.CanResolve = access.Allowed(me, access.DiscrepancyClose)
	return s.page(w, r, status, "shipment", sh.Ref(), v, sh.Classification)
}

func (s *Server) uiShipment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.shipmentPage(w, r, 200, id, nil, "")
}

// formTime reads a datetime-local field in UTC; empty is zero.
func formTime(errs formErrors, f url.Values, name string) time.Time {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return time.Time{}
	}
	// Exactly as the browser's date-and-time field sends it: Go's parser
	// alone would also take "T9:05" for "T09:05", and any year.
	t, err := time.Parse("2006-01-02T15:04", v)
	switch {
	case err != nil || t.Format("2006-01-02T15:04") != v:
		errs[name] = fmt.Sprintf("%q is not a date and time: write YYYY-MM-DDTHH:MM", v)
		return time.Time{}
	case t.Year() < 2000 || t.Year() > 2100:
		errs[name] = fmt.Sprintf("%q is not a date and time from 2000 to 2100", v)
		return time.Time{}
	}
	return t
}

var custodyDone = map[string]string{
	logistics.Dispatch: "Dispatched", logistics.Arrive: "Recorded the arrival of", logistics.Depart: "Recorded the departure of",
	logistics.Hold: "Held", logistics.Release: "Released", logistics.Cancel: "Cancelled",
}

func (s *Server) uiHand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	m := logistics.Move{Action: f.Get("action"), To: f.Get("to"), Note: f.Get("note"), At: formTime(pre, f, "at")}
	version := formInt(pre, f, "version")
	if len(pre) > 0 {
		return s.shipmentPage(w, r, 422, id, pre, m.Action)
	}
	sh, err := s.Logi.Hand(r.Context(), id, version, m)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			if fe[""] == "" && fault.Code(err) == fault.Forbidden {
				fe[""] = fault.As(err).Message
			}
			return s.shipmentPage(w, r, statusFor(err), id, fe, m.Action)
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/shipments/%d", id), "custody-recorded", m.Action, sh.Ref(), sh.State), http.StatusSeeOther)
	return nil
}

func (s *Server) uiReceive(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	pre := formErrors{}
	rc := logistics.Receipt{To: f.Get("to"), Note: f.Get("note"), At: formTime(pre, f, "at"), Accept: f.Get("accept") != ""}
	version := formInt(pre, f, "version")
	nos := f["no"]
	for i, no := range nos {
		n, _ := strconv.Atoi(no)
		val := func(k string) string {
			if vs := f[k]; i < len(vs) {
				return vs[i]
			}
			return ""
		}
		q := formInt(pre, url.Values{"received": {val("received")}}, "received")
		rc.Lines = append(rc.Lines, logistics.ReceiptLine{No: n, Received: q, Kind: val("kind"), Reason: val("reason")})
	}
	if len(pre) > 0 {
		return s.shipmentPageTyped(w, r, 422, id, pre, "receive", f)
	}
	sh, ds, err := s.Logi.Receive(r.Context(), id, version, rc)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			if fe[""] == "" && fault.Code(err) == fault.Forbidden {
				fe[""] = fault.As(err).Message
			}
			return s.shipmentPageTyped(w, r, statusFor(err), id, fe, "receive", f)
		}
		return err
	}
	key := "received"
	if rc.Accept {
		key = "received-accepted"
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/shipments/%d", id), key, sh.Ref(), len(ds)), http.StatusSeeOther)
	return nil
}

// ---- discrepancies ----

type discrepanciesView struct {
	list.Page[logistics.Discrepancy]
	Kinds      []string
	CanResolve bool
	Errors     formErrors
	Tried      int64
	Names      names
}

func (s *Server) discrepanciesPage(w http.ResponseWriter, r *http.Request, status int, errs formErrors, tried int64) error {
	f, err := s.discrepancyFilter(r)
	if err != nil {
		return err
	}
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Logistics.Discrepancies(r.Context(), f, o)
	if err != nil {
		return err
	}
	marking := access.Unclassified
	for _, d := range p.Items {
		marking = max(marking, d.Classification)
	}
	nm, err := s.readNames(r.Context(), itemNames)
	if err != nil {
		return err
	}
	v := discrepanciesView{Page: p, Kinds: logistics.DiscrepancyKinds, CanResolve: access.Allowed(access.IdentityFrom(r.Context()), access.DiscrepancyClose), Errors: errs, Tried: tried, Names: nm}
	return s.page(w, r, status, "discrepancies", "Discrepancies", v, marking)
}

func (s *Server) uiDiscrepancies(w http.ResponseWriter, r *http.Request) error {
	return s.discrepanciesPage(w, r, 200, nil, 0)
}

func (s *Server) uiResolve(w http.ResponseWriter, r *http.Request) error {
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
	back := localPath(f.Get("back"), "/discrepancies")
	if len(pre) > 0 {
		return s.discrepanciesPage(w, r, 422, pre, id)
	}
	d, err := s.Logi.Resolve(r.Context(), id, version, f.Get("resolution"), f.Get("note"))
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.discrepanciesPage(w, r, statusFor(err), fe, id)
		}
		return err
	}
	http.Redirect(w, r, withNotice(back, "discrepancy-resolved", d.Ref(), d.Resolution), http.StatusSeeOther)
	return nil
}

// ---- network and hubs ----

type networkView struct {
	Hubs  []logistics.HubLoad
	Links []logistics.Link
	// Names are the sites' and the nations', and the sites are the
	// choices of the link form, by name.
	Names   names
	Modes   []string
	Link    logistics.Link
	Errors  formErrors
	HubForm string // the hub whose form the errors belong to
	Import  []*fault.Error
	// Notices say what had to be done to read an imported file.
	Notices  []string
	CanWrite bool
}

func (s *Server) networkPage(w http.ResponseWriter, r *http.Request, status int, v networkView) error {
	n, err := s.Read.Logistics.Network(r.Context())
	if err != nil {
		return err
	}
	if v.Hubs, err = s.Read.Logistics.Hubs(r.Context(), s.Now()); err != nil {
		return err
	}
	v.Links, v.Modes = n.Links, logistics.Modes
	if e := r.URL.Query().Get("edit"); e != "" && v.Link.ID == 0 && v.Errors == nil {
		for _, l := range n.Links {
			if strconv.FormatInt(l.ID, 10) == e {
				v.Link = l
			}
		}
	}
	if v.Names, err = s.readNames(r.Context(), nationNames); err != nil {
		return err
	}
	v.Names = v.Names.withSites(slices.Collect(maps.Values(n.Sites)))
	v.CanWrite = access.Allowed(access.IdentityFrom(r.Context()), access.NetworkWrite)
	return s.page(w, r, status, "network", "Network", v, access.Unclassified)
}

func (s *Server) uiNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.networkPage(w, r, 200, networkView{})
}

func (s *Server) uiSaveLink(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	errs := formErrors{}
	l := logistics.Link{From: f.Get("from"), To: f.Get("to"), Mode: f.Get("mode"), Notes: f.Get("notes"),
		TransitHours: formInt(errs, f, "transit_hours"), CapacityTonnesDay: formInt(errs, f, "capacity_t_day"), CapacityPalletsDay: formInt(errs, f, "capacity_pallets_day")}
	id, version := formInt(errs, f, "id"), formInt(errs, f, "version")
	l.ID, l.Version = id, version
	if len(errs) > 0 {
		return s.networkPage(w, r, 422, networkView{Link: l, Errors: errs})
	}
	saved, err := s.Logi.SaveLink(r.Context(), id, version, l)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			l.ID, l.Version = id, version
			return s.networkPage(w, r, statusFor(err), networkView{Link: l, Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/network", "link-saved", saved.From, saved.To, saved.Mode), http.StatusSeeOther)
	return nil
}

func (s *Server) uiSetHub(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	code := strings.ToUpper(r.PathValue("code"))
	errs := formErrors{}
	h := logistics.Hub{ThroughputTDay: formInt(errs, f, "throughput_t_day"), StorageTonnes: formInt(errs, f, "storage_t"), DwellHours: formInt(errs, f, "dwell_hours")}
	version := formInt(errs, f, "version")
	if len(errs) > 0 {
		return s.networkPage(w, r, 422, networkView{Errors: errs, HubForm: code})
	}
	if _, err := s.Logi.SetHub(r.Context(), code, version, h); err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.networkPage(w, r, statusFor(err), networkView{Errors: fe, HubForm: code})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/network", "limits-saved", code), http.StatusSeeOther)
	return nil
}

func (s *Server) uiNetworkImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.networkPage(w, r, 400, networkView{Import: []*fault.Error{{Message: "The upload could not be read: choose a CSV file of at most 32 MiB."}}})
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return s.networkPage(w, r, 422, networkView{Import: []*fault.Error{{Message: "Choose a CSV file to import."}}})
	}
	defer file.Close()
	rows, notices, err := exchange.ReadNetwork(file)
	var sites, links int
	if err == nil {
		sites, links, err = s.Logi.ImportNetwork(r.Context(), rows)
	}
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal {
			return err
		}
		probs := e.Problems
		if len(probs) == 0 {
			probs = []*fault.Error{e}
		}
		return s.networkPage(w, r, problemFor(err).Status, networkView{Import: probs, Notices: notices})
	}
	if len(notices) > 0 {
		// What had to be done to read the file is shown with the result.
		return s.networkPage(w, showNotice(r, "network-imported", len(rows), sites, links), 200, networkView{Notices: notices})
	}
	http.Redirect(w, r, withNotice("/network", "network-imported", len(rows), sites, links), http.StatusSeeOther)
	return nil
}

type hubView struct {
	Hub      logistics.HubLoad
	Stock    hubStock
	Waiting  []shipmentView
	Inbound  []shipmentView
	Chart    []throughputBar
	BarWidth int
	LimitY   int
	Errors   formErrors
	CanCount bool
	Items    []string
	Names    names
}

type throughputBar struct {
	logistics.DayLoad
	X, YIn, HIn, YOut, HOut int
	Over                    bool
}

func (s *Server) hubPage(w http.ResponseWriter, r *http.Request, status int, errs formErrors) error {
	code := strings.ToUpper(r.PathValue("code"))
	hubs, err := s.Read.Logistics.Hubs(r.Context(), s.Now())
	if err != nil {
		return err
	}
	v := hubView{Errors: errs}
	found := false
	for _, h := range hubs {
		if h.Site == code {
			v.Hub, found = h, true
		}
	}
	if !found {
		return fault.Errorf(fault.NotFound, "no logistics hub %q", code)
	}
	if v.Stock, err = s.hubStock(r, code); err != nil {
		return err
	}
	// One read of what is on its way through the hub: waiting here, or
	// bound for it on the leg under way.
	moving, err := s.Read.Logistics.Shipments(r.Context(), logistics.ShipmentFilter{State: "active", Site: code}, list.Options{Limit: 300, Sort: "eta"})
	if err != nil {
		return err
	}
	for _, sh := range moving.Items {
		switch {
		case sh.State == logistics.AtHub && sh.Location == code:
			v.Waiting = append(v.Waiting, s.shipmentView(sh))
		case (sh.State == logistics.Dispatched || sh.State == logistics.InTransit) && sh.Leg < len(sh.Legs) && sh.Legs[sh.Leg].To == code:
			v.Inbound = append(v.Inbound, s.shipmentView(sh))
		}
	}
	// Throughput per day against the limit, as bars of tonnes.
	var top int64 = v.Hub.ThroughputTDay * 1_000_000
	for _, d := range v.Stock.Throughput {
		top = max(top, d.InG+d.OutG)
	}
	top = max(top, 1)
	const h = 120
	step := 740 / max(len(v.Stock.Throughput), 1)
	v.BarWidth = max(step-8, 2)
	for i, d := range v.Stock.Throughput {
		b := throughputBar{DayLoad: d, X: 40 + i*step}
		b.HIn = int(d.InG * h / top)
		b.HOut = int(d.OutG * h / top)
		b.YIn = 10 + h - b.HIn
		b.YOut = b.YIn - b.HOut
		b.Over = v.Hub.Configured && d.InG+d.OutG > v.Hub.ThroughputTDay*1_000_000
		v.Chart = append(v.Chart, b)
	}
	v.LimitY = 10 + h - int(v.Hub.ThroughputTDay*1_000_000*h/top)
	me := access.IdentityFrom(r.Context())
	v.CanCount = access.Allowed(me, access.StockCount)
	for _, l := range v.Stock.Lines {
		v.Items = append(v.Items, l.NSN)
	}
	want := siteNames
	if v.CanCount {
		want |= itemNames // the count form offers every item
	}
	if v.Names, err = s.readNames(r.Context(), want); err != nil {
		return err
	}
	return s.page(w, r, status, "hub", v.Hub.Name, v, access.Unclassified)
}

func (s *Server) uiHub(w http.ResponseWriter, r *http.Request) error {
	return s.hubPage(w, r, 200, nil)
}

func (s *Server) uiCount(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	errs := formErrors{}
	var lines []logistics.CountLine
	nsns, counts := f["nsn"], f["counted"]
	for i, nsn := range nsns {
		c := ""
		if i < len(counts) {
			c = counts[i]
		}
		if strings.TrimSpace(nsn) == "" && strings.TrimSpace(c) == "" {
			continue
		}
		n := formInt(errs, url.Values{"counted": {c}}, "counted")
		lines = append(lines, logistics.CountLine{NSN: nsn, Counted: n})
	}
	if len(errs) > 0 {
		return s.hubPage(w, r, 422, errs)
	}
	res, err := s.Logi.Count(r.Context(), r.PathValue("code"), lines, f.Get("reason"))
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			if fe[""] == "" && fault.Code(err) == fault.Forbidden {
				fe[""] = fault.As(err).Message
			}
			return s.hubPage(w, r, statusFor(err), fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice("/hubs/"+url.PathEscape(res.Site), "stock-counted", res.Counted, len(res.Adjustments)), http.StatusSeeOther)
	return nil
}
