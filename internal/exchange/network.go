package exchange

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
)

// NetworkColumns are the columns of the network file: one row a site (record
// "site", with its hub limits when it is a hub) or a link (record "link").
// A site row leaves the link columns empty and a link row the site columns.
var NetworkColumns = []string{"record", "code", "name", "nation", "kinds", "lat", "lon", "throughput_t_day", "storage_t", "dwell_hours",
	"from", "to", "mode", "transit_hours", "capacity_t_day", "capacity_pallets_day", "notes"}

// WriteNetwork writes the network's sites (with hub limits) and links as
// CSV; sites first, by code, then links by id.
func WriteNetwork(w io.Writer, n logistics.Network) error {
	if err := writeMarking(w, access.Unclassified); err != nil {
		return err
	}
	cw := NewWriter(w)
	cw.Write(NetworkColumns)
	codes := make([]string, 0, len(n.Sites))
	for c := range n.Sites {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		s := n.Sites[c]
		rec := []string{"site", s.Code, s.Name, s.Nation, strings.Join(s.Kinds, " "), money.FormatDecimal(s.LatE6, 6), money.FormatDecimal(s.LonE6, 6), "", "", "", "", "", "", "", "", "", s.Notes}
		if h, ok := n.Hubs[c]; ok && h.Configured {
			rec[7], rec[8], rec[9] = itoa(h.ThroughputTDay), itoa(h.StorageTonnes), itoa(h.DwellHours)
		}
		cw.Write(rec)
	}
	for _, l := range n.Links {
		cw.Write([]string{"link", "", "", "", "", "", "", "", "", "", l.From, l.To, l.Mode, itoa(l.TransitHours), itoa(l.CapacityTonnesDay), itoa(l.CapacityPalletsDay), l.Notes})
	}
	cw.Flush()
	return cw.Error()
}

// ReadNetwork parses a network file (CSV or XLSX) into rows, and says what
// had to be done to read it (an encoding converted, a separator found); a
// row that cannot be read carries its error, for the import to report with
// every other problem.
func ReadNetwork(in io.Reader) ([]logistics.NetworkRow, []string, error) {
	rows, notices, err := read("network", in)
	if err != nil {
		return nil, notices, err
	}
	var out []logistics.NetworkRow
	for _, r := range rows {
		var le fault.List
		nr := logistics.NetworkRow{Line: r.line}
		switch rec := strings.ToLower(r.get("record")); rec {
		case "site":
			s := catalog.Site{Code: r.get("code"), Name: r.get("name"), Nation: r.get("nation"), Kinds: strings.Fields(strings.ReplaceAll(r.get("kinds"), ",", " ")), Notes: r.get("notes")}
			s.LatE6 = money.FieldDecimal(&le, "lat", r.get("lat"), 6)
			s.LonE6 = money.FieldDecimal(&le, "lon", r.get("lon"), 6)
			nr.Site = &s
			if t, st, d := r.get("throughput_t_day"), r.get("storage_t"), r.get("dwell_hours"); t != "" || st != "" || d != "" {
				if !s.HasKind("logistics_hub") {
					le.Add("throughput_t_day", "only a logistics hub has limits: add logistics_hub to its kinds or leave them empty")
				}
				nr.Hub = &logistics.Hub{ThroughputTDay: integer(&le, "throughput_t_day", t), StorageTonnes: integer(&le, "storage_t", st), DwellHours: integer(&le, "dwell_hours", d)}
			}
		case "link":
			l := logistics.Link{From: r.get("from"), To: r.get("to"), Mode: r.get("mode"), Notes: r.get("notes")}
			l.TransitHours = integer(&le, "transit_hours", r.get("transit_hours"))
			l.CapacityTonnesDay = integer(&le, "capacity_t_day", r.get("capacity_t_day"))
			l.CapacityPalletsDay = integer(&le, "capacity_pallets_day", r.get("capacity_pallets_day"))
			nr.Link = &l
		default:
			le.Add("record", "%q is neither site nor link", rec)
		}
		nr.Err = le.Err()
		out = append(out, nr)
	}
	return out, notices, nil
}

// ShipmentColumns are the columns of a shipment export, one row a line.
var ShipmentColumns = []string{"ref", "nation", "origin", "destination", "route", "state", "planned_departure", "eta", "late", "dispatched_at", "received_at",
	"line", "allocation", "pledge_ref", "requirement_ref", "nsn", "item", "quantity", "received", "value_eur", "mass_kg", "classification", "releasable_to"}

// WriteShipments writes shipments as CSV, one row a line, and returns the
// export's marking: the highest of the shipments'.
func WriteShipments(w io.Writer, ships []logistics.Shipment, now time.Time) (access.Classification, error) {
	c := access.Unclassified
	for _, s := range ships {
		c = max(c, s.Classification)
	}
	if err := writeMarking(w, c); err != nil {
		return c, err
	}
	cw := NewWriter(w)
	cw.Write(ShipmentColumns)
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, s := range ships {
		late := "no"
		if s.Late(now) {
			late = "yes"
		}
		for _, l := range s.Lines {
			cw.Write([]string{s.Ref(), s.Nation, s.Origin, s.Destination, strings.Join(s.Route(), " > "), s.State, at(s.PlannedDeparture), at(s.ETA), late, at(s.DispatchedAt), at(s.ReceivedAt),
				strconv.Itoa(l.No), itoa(l.Allocation), fmt.Sprintf("P-%05d", l.Pledge), fmt.Sprintf("R-%05d", l.Requirement), l.NSN, l.ItemName, itoa(l.Quantity), itoa(l.Received),
				money.Cents(int64(l.UnitValue) * l.Quantity).String(), money.FormatDecimal(l.MassG*l.Quantity, 3), s.Classification.String(), strings.Join(s.ReleasableTo, " ")})
		}
	}
	cw.Flush()
	return c, cw.Error()
}
