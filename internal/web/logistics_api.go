package web

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
)

func (s *Server) logisticsRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/links", access.NetworkRead, s.apiLinks)
	add("POST", "/api/v1/links", access.NetworkWrite, s.apiCreateLink)
	add("GET", "/api/v1/links/{id}", access.NetworkRead, s.apiLink)
	add("PUT", "/api/v1/links/{id}", access.NetworkWrite, s.apiUpdateLink)
	add("GET", "/api/v1/hubs", access.NetworkRead, s.apiHubs)
	add("PUT", "/api/v1/hubs/{code}", access.NetworkWrite, s.apiSetHub)
	add("GET", "/api/v1/hubs/{code}/stock", access.StockRead, s.apiHubStock)
	add("POST", "/api/v1/hubs/{code}/counts", access.StockCount, s.apiCount)
	add("GET", "/api/v1/network/export", access.NetworkRead, s.apiNetworkExport)
	add("POST", "/api/v1/network/import", access.NetworkWrite, s.apiNetworkImport)
	add("GET", "/api/v1/shipments", access.ShipmentRead, s.apiShipments)
	add("POST", "/api/v1/shipments", access.ShipmentPlan, s.apiCreateShipment)
	add("POST", "/api/v1/shipments/handover", access.ShipmentPlan, s.apiHandOver)
	add("GET", "/api/v1/shipments/{id}", access.ShipmentRead, s.apiShipment)
	for _, a := range logistics.Actions {
		add("POST", "/api/v1/shipments/{id}/"+a, custodyPermission(a), s.apiHand(a))
	}
	add("POST", "/api/v1/shipments/{id}/receive", access.ShipmentReceive, s.apiReceive)
	add("GET", "/api/v1/discrepancies", access.ShipmentRead, s.apiDiscrepancies)
	add("POST", "/api/v1/discrepancies/{id}/resolve", access.DiscrepancyClose, s.apiResolve)
	add("GET", "/api/v1/logistics", access.ShipmentRead, s.apiLogistics)
}

// custodyPermission is the permission of each custody action: cancelling is
// the planner's, the rest whoever holds the goods'.
func custodyPermission(action string) access.Permission {
	if action == logistics.Cancel {
		return access.ShipmentPlan
	}
	return access.ShipmentCustody
}

func (s *Server) apiLinks(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.Read.Logistics.Links(r.Context())
	if err != nil {
		return err
	}
	site := strings.ToUpper(r.URL.Query().Get("site"))
	mode := r.URL.Query().Get("mode")
	out := []logistics.Link{}
	for _, l := range ls {
		if (site == "" || l.From == site || l.To == site) && (mode == "" || l.Mode == mode) {
			out = append(out, l)
		}
	}
	return writeJSON(w, 200, list.Page[logistics.Link]{Items: out, Total: int64(len(out))})
}

func (s *Server) apiLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := s.Read.Logistics.Link(r.Context(), id)
	if err != nil {
		return err
	}
	setETag(w, l.Version)
	return writeJSON(w, 200, l)
}

func (s *Server) apiCreateLink(w http.ResponseWriter, r *http.Request) error {
	var in logistics.Link
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.Logi.SaveLink(r.Context(), 0, 0, in)
	if err != nil {
		return err
	}
	setETag(w, l.Version)
	w.Header().Set("Location", fmt.Sprintf("/api/v1/links/%d", l.ID))
	return writeJSON(w, 201, l)
}

func (s *Server) apiUpdateLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in logistics.Link
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.Logi.SaveLink(r.Context(), id, version, in)
	if err != nil {
		return err
	}
	setETag(w, l.Version)
	return writeJSON(w, 200, l)
}

func (s *Server) apiHubs(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.Read.Logistics.Hubs(r.Context(), s.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, list.Page[logistics.HubLoad]{Items: hs, Total: int64(len(hs))})
}

func (s *Server) apiSetHub(w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in logistics.Hub
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := s.Logi.SetHub(r.Context(), r.PathValue("code"), version, in)
	if err != nil {
		return err
	}
	setETag(w, h.Version)
	return writeJSON(w, 200, h)
}

// hubStock is a hub's stock and its handling per day.
type hubStock struct {
	Site       string                `json:"site"`
	Lines      []logistics.StockLine `json:"lines"`
	Throughput []logistics.DayLoad   `json:"throughput"`
}

func (s *Server) hubStock(r *http.Request, code string) (hubStock, error) {
	code = strings.ToUpper(code)
	if _, err := s.Read.Catalog.Site(r.Context(), code); err != nil {
		return hubStock{}, err
	}
	days, err := queryInt(r, "days")
	if err != nil {
		return hubStock{}, err
	}
	if days == 0 {
		days = 14
	}
	if days < 1 || days > 366 {
		return hubStock{}, fault.Field("days", "must be between 1 and 366")
	}
	lines, err := s.Read.Logistics.HubStock(r.Context(), code)
	if err != nil {
		return hubStock{}, err
	}
	now := s.Now().UTC()
	tp, err := s.Read.Logistics.Throughput(r.Context(), code, now.AddDate(0, 0, -days+1).Format("2006-01-02"), now.Format("2006-01-02"))
	return hubStock{Site: code, Lines: lines, Throughput: tp}, err
}

func (s *Server) apiHubStock(w http.ResponseWriter, r *http.Request) error {
	st, err := s.hubStock(r, r.PathValue("code"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, st)
}

// countInput is a physical count at a hub.
type countInput struct {
	Lines  []logistics.CountLine `json:"lines"`
	Reason string                `json:"reason"`
}

func (s *Server) apiCount(w http.ResponseWriter, r *http.Request) error {
	var in countInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	res, err := s.Logi.Count(r.Context(), r.PathValue("code"), in.Lines, in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, res)
}

func (s *Server) apiNetworkExport(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Read.Logistics.Network(r.Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := exchange.WriteNetwork(&buf, n); err != nil {
		return err
	}
	return s.sendTable(w, r, "network", access.Unclassified, buf.Bytes())
}

// networkResult says what a network import created or changed.
type networkResult struct {
	Rows  int `json:"rows"`
	Sites int `json:"sites"`
	Links int `json:"links"`
	// Notices say what had to be done to read the file.
	Notices []string `json:"notices,omitempty"`
}

func (s *Server) apiNetworkImport(w http.ResponseWriter, r *http.Request) error {
	if err := checkImportType(r); err != nil {
		return err
	}
	rows, notices, err := exchange.ReadNetwork(http.MaxBytesReader(w, r.Body, MaxUpload))
	if err != nil {
		return uploadError(err)
	}
	sites, links, err := s.Logi.ImportNetwork(r.Context(), rows)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, networkResult{Rows: len(rows), Sites: sites, Links: links, Notices: notices})
}

// shipmentFilter reads a shipment list's filters from the query.
func (s *Server) shipmentFilter(r *http.Request) (logistics.ShipmentFilter, error) {
	q := r.URL.Query()
	f := logistics.ShipmentFilter{State: q.Get("state"), Nation: q.Get("nation"), Origin: q.Get("origin"), Destination: q.Get("destination"), Site: q.Get("site"),
		FromNation: q.Get("from_nation"), ToNation: q.Get("to_nation"), At: q.Get("at"), Arriving: q.Get("arriving")}
	for _, d := range []struct {
		name string
		dst  *string
	}{{"due_from", &f.DueFrom}, {"due_to", &f.DueTo}} {
		if v := q.Get(d.name); v != "" {
			if _, err := time.Parse(assist.DateLayout, v); err != nil {
				return f, fault.Field(d.name, "%q is not a date (YYYY-MM-DD)", v)
			}
			*d.dst = v
		}
	}
	if f.State != "" && f.State != "active" && !slices.Contains(logistics.States, f.State) {
		return f, fault.Field("state", "%q is not a shipment state: use active or one of %s", f.State, strings.Join(logistics.States, ", "))
	}
	switch q.Get("late") {
	case "", "false", "0":
	case "true", "1", "on":
		f.Late = s.Now()
	default:
		return f, fault.Field("late", "%q is not true or false", q.Get("late"))
	}
	if p := q.Get("pledge"); p != "" {
		id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(p), "P-"), "0"), 10, 64)
		if err != nil {
			return f, fault.Field("pledge", "%q is not a pledge", p)
		}
		f.Pledge = id
	}
	return f, nil
}

// shipmentView is a shipment as the API and pages show it.
type shipmentView struct {
	logistics.Shipment
	Ref     string                   `json:"ref"`
	Late    bool                     `json:"late"`
	Custody []logistics.CustodyEvent `json:"custody,omitempty"`
}

func (s *Server) shipmentView(sh logistics.Shipment) shipmentView {
	return shipmentView{Shipment: sh, Ref: sh.Ref(), Late: sh.Late(s.Now())}
}

func (s *Server) apiShipments(w http.ResponseWriter, r *http.Request) error {
	f, err := s.shipmentFilter(r)
	if err != nil {
		return err
	}
	if wantsTable(r) {
		return s.exportShipments(w, r, f)
	}
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Logistics.Shipments(r.Context(), f, o)
	if err != nil {
		return err
	}
	out := list.Page[shipmentView]{Next: p.Next, Total: p.Total, Items: make([]shipmentView, len(p.Items))}
	for i, sh := range p.Items {
		out.Items[i] = s.shipmentView(sh)
	}
	return writeJSON(w, 200, out)
}

func (s *Server) exportShipments(w http.ResponseWriter, r *http.Request, f logistics.ShipmentFilter) error {
	var all []logistics.Shipment
	o := list.Options{Limit: list.MaxLimit, Sort: "id"}
	for {
		p, err := s.Read.Logistics.Shipments(r.Context(), f, o)
		if err != nil {
			return err
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			break
		}
		o.Cursor = p.Next
	}
	if err := s.Read.Logistics.WithLines(r.Context(), all); err != nil {
		return err
	}
	var buf bytes.Buffer
	marking, err := exchange.WriteShipments(&buf, all, s.Now())
	if err != nil {
		return err
	}
	return s.sendTable(w, r, "shipments", marking, buf.Bytes())
}

func (s *Server) writeShipment(w http.ResponseWriter, r *http.Request, status int, sh logistics.Shipment) error {
	v := s.shipmentView(sh)
	c, err := s.Read.Logistics.Custody(r.Context(), sh.ID)
	if err != nil {
		return err
	}
	v.Custody = c
	setETag(w, sh.Version)
	if status == 201 {
		w.Header().Set("Location", fmt.Sprintf("/api/v1/shipments/%d", sh.ID))
	}
	return writeJSON(w, status, v)
}

func (s *Server) apiShipment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sh, err := s.Read.Logistics.Shipment(r.Context(), id)
	if err != nil {
		return err
	}
	return s.writeShipment(w, r, 200, sh)
}

func (s *Server) apiCreateShipment(w http.ResponseWriter, r *http.Request) error {
	var in logistics.NewShipment
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh, err := s.Logi.CreateShipment(r.Context(), in)
	if err != nil {
		return err
	}
	return s.writeShipment(w, r, 201, sh)
}

// apiHandOver records goods handed over outside the hub network.
func (s *Server) apiHandOver(w http.ResponseWriter, r *http.Request) error {
	var in logistics.Handover
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh, err := s.Logi.HandOver(r.Context(), in)
	if err != nil {
		return err
	}
	return s.writeShipment(w, r, 201, sh)
}

func (s *Server) apiHand(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		version, err := ifMatch(r)
		if err != nil {
			return err
		}
		var m logistics.Move
		if r.ContentLength != 0 {
			if err := decode(w, r, &m); err != nil {
				return err
			}
		}
		if m.Action != "" && m.Action != action {
			return fault.Field("action", "%q does not match the action %s in the path", m.Action, action)
		}
		m.Action = action
		sh, err := s.Logi.Hand(r.Context(), id, version, m)
		if err != nil {
			return err
		}
		return s.writeShipment(w, r, 200, sh)
	}
}

// receiptView is a shipment after its receipt, with the discrepancies it
// opened.
type receiptView struct {
	shipmentView
	Discrepancies []logistics.Discrepancy `json:"discrepancies"`
}

func (s *Server) apiReceive(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in logistics.Receipt
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	sh, ds, err := s.Logi.Receive(r.Context(), id, version, in)
	if err != nil {
		return err
	}
	v := receiptView{shipmentView: s.shipmentView(sh), Discrepancies: ds}
	if v.Discrepancies == nil {
		v.Discrepancies = []logistics.Discrepancy{}
	}
	if v.Custody, err = s.Read.Logistics.Custody(r.Context(), sh.ID); err != nil {
		return err
	}
	setETag(w, sh.Version)
	return writeJSON(w, 200, v)
}

func (s *Server) discrepancyFilter(r *http.Request) (logistics.DiscrepancyFilter, error) {
	q := r.URL.Query()
	f := logistics.DiscrepancyFilter{State: q.Get("state"), Kind: q.Get("kind")}
	if f.State != "" && f.State != logistics.Open && f.State != logistics.Resolved {
		return f, fault.Field("state", "%q is not open or resolved", f.State)
	}
	if f.Kind != "" && !slices.Contains(logistics.DiscrepancyKinds, f.Kind) {
		return f, fault.Field("kind", "%q is not one of %s", f.Kind, strings.Join(logistics.DiscrepancyKinds, ", "))
	}
	if v := q.Get("shipment"); v != "" {
		id, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(v), "S-"), "0"), 10, 64)
		if err != nil {
			return f, fault.Field("shipment", "%q is not a shipment", v)
		}
		f.Shipment = id
	}
	return f, nil
}

func (s *Server) apiDiscrepancies(w http.ResponseWriter, r *http.Request) error {
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
	return writeJSON(w, 200, p)
}

// resolveInput closes a discrepancy.
type resolveInput struct {
	Resolution string `json:"resolution"`
	Note       string `json:"note"`
}

func (s *Server) apiResolve(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in resolveInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d, err := s.Logi.Resolve(r.Context(), id, version, in.Resolution, in.Note)
	if err != nil {
		return err
	}
	setETag(w, d.Version)
	return writeJSON(w, 200, d)
}

func (s *Server) apiLogistics(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.logistics(r, nil, 20)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, sum)
}
