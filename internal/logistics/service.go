package logistics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the logistics use cases need from storage inside one
// transaction: the ledger's (shipping and receiving move pledge lines,
// allocations and requirements) and the network's and shipments' own.
type Tx interface {
	assist.Tx

	UpdateSite(ctx context.Context, s *catalog.Site) error
	CreateSite(ctx context.Context, s *catalog.Site) error
	Network(ctx context.Context) (Network, error)
	Hub(ctx context.Context, site string) (Hub, error)
	SaveHub(ctx context.Context, h *Hub, version int64) error
	Link(ctx context.Context, id int64) (Link, error)
	LinkBetween(ctx context.Context, from, to, mode string) (Link, error)
	CreateLink(ctx context.Context, l *Link) error
	UpdateLink(ctx context.Context, l *Link, version int64) error

	Allocation(ctx context.Context, id int64) (assist.Allocation, error)
	// Reserved is the quantity of an allocation in planned shipments.
	Reserved(ctx context.Context, allocation int64) (int64, error)
	Shipment(ctx context.Context, id int64) (Shipment, error)
	CreateShipment(ctx context.Context, s *Shipment) error
	// UpdateShipment writes the shipment's state, legs and lines' received.
	UpdateShipment(ctx context.Context, s *Shipment, version int64) error
	Custody(ctx context.Context, shipment int64) ([]CustodyEvent, error)
	AddCustody(ctx context.Context, shipment int64, e *CustodyEvent) error
	CreateDiscrepancy(ctx context.Context, d *Discrepancy) error
	Discrepancy(ctx context.Context, id int64) (Discrepancy, error)
	UpdateDiscrepancy(ctx context.Context, d *Discrepancy, version int64) error
	StockLevel(ctx context.Context, site, nsn string) (int64, error)
	// MoveStock records e and adds its delta to the hub's balance.
	MoveStock(ctx context.Context, e StockEvent) error
}

// Store runs a function in one transaction.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the logistics use cases.
type Service struct {
	Store Store
}

// MayHandle reports whether id may act for site: hand goods on there,
// receive them, or count its stock. A coordinator may act anywhere, a hub
// operator at their own site, a nation officer at their nation's sites and a
// recipient officer at the recipient's.
func MayHandle(id access.Identity, site catalog.Site) bool {
	switch {
	case id.Via == "system" || id.Has(access.Coordinator):
		return true
	case id.Has(access.HubOperator) && id.Site != "" && id.Site == site.Code:
		return true
	case id.Has(access.NationOfficer) && id.Nation != "" && id.Nation == site.Nation:
		return true
	case id.Has(access.RecipientOfficer) && site.Nation == "UKR":
		return true
	}
	return false
}

// CanSee reports whether id may read shipment s: the operator of a hub on
// its route; and, unless id reads shipments only as a hub operator, by the
// shipment's marking like any record. The store's SQL filter applies the
// same rule.
func CanSee(id access.Identity, s *Shipment) bool {
	onRoute := id.Has(access.HubOperator) && id.Site != "" && s.Classification <= id.Clearance && slices.Contains(s.Route(), id.Site)
	if HubOnly(id) {
		return onRoute
	}
	return onRoute || id.CanSee(s.Nation, s.Marking)
}

// HubOnly reports whether id reads shipments only as a hub operator: it
// sees those through its hub and no others.
func HubOnly(id access.Identity) bool {
	return id.Via != "system" && id.Has(access.HubOperator) && !id.HasAny(access.Coordinator, access.NationOfficer, access.RecipientOfficer, access.Auditor)
}

func canSee(ctx context.Context, s *Shipment) error {
	if CanSee(access.IdentityFrom(ctx), s) {
		return nil
	}
	return fault.Errorf(fault.NotFound, "no shipment %d", s.ID)
}

// shipmentFor reads the shipment a use case changes: it must be one the
// actor may see, at the version they read (0 for any).
func shipmentFor(ctx context.Context, tx Tx, id, version int64) (Shipment, error) {
	sh, err := tx.Shipment(ctx, id)
	if err != nil {
		return sh, err
	}
	if err := canSee(ctx, &sh); err != nil {
		return sh, err
	}
	return sh, fault.CheckVersion(sh.Ref(), sh.Version, version)
}

// siteField returns the site with code, or a field error naming it.
func siteField(ctx context.Context, tx Tx, field, code string) (catalog.Site, error) {
	s, err := tx.Site(ctx, code)
	if fault.Code(err) == fault.NotFound {
		return s, fault.Field(field, "no site %q", code)
	}
	return s, err
}

// SaveLink creates a link (id 0) or changes one, after checking that both
// its sites exist.
func (s *Service) SaveLink(ctx context.Context, id, version int64, l Link) (Link, error) {
	if err := l.Validate(); err != nil {
		return Link{}, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		return saveLink(ctx, tx, id, version, &l)
	})
	return l, err
}

func saveLink(ctx context.Context, tx Tx, id, version int64, l *Link) error {
	var errs fault.List
	for _, end := range []struct{ field, code string }{{"from", l.From}, {"to", l.To}} {
		if _, err := siteField(ctx, tx, end.field, end.code); fault.Code(err) == fault.Invalid {
			errs.Append("", err)
		} else if err != nil {
			return err
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	l.UpdatedAt = tx.Now()
	if id == 0 {
		if _, err := tx.LinkBetween(ctx, l.From, l.To, l.Mode); err == nil {
			return &fault.Error{Code: fault.Conflict, Field: "mode", Message: fmt.Sprintf("there is already a %s link from %s to %s: change that one", l.Mode, l.From, l.To)}
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		l.CreatedAt = tx.Now()
		if err := tx.CreateLink(ctx, l); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "link.create", Entity: "link", EntityID: audit.ID(l.ID), After: *l})
	}
	old, err := tx.Link(ctx, id)
	if err != nil {
		return err
	}
	if err := fault.CheckVersion("link "+old.Ref(), old.Version, version); err != nil {
		return err
	}
	l.ID, l.CreatedAt = id, old.CreatedAt
	if err := tx.UpdateLink(ctx, l, old.Version); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "link.update", Entity: "link", EntityID: audit.ID(id), Before: old, After: *l})
}

// SetHub sets the limits of a logistics hub.
func (s *Service) SetHub(ctx context.Context, site string, version int64, h Hub) (Hub, error) {
	if err := h.Validate(); err != nil {
		return Hub{}, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		return setHub(ctx, tx, strings.ToUpper(site), version, &h)
	})
	return h, err
}

func setHub(ctx context.Context, tx Tx, site string, version int64, h *Hub) error {
	st, err := tx.Site(ctx, site)
	if err != nil {
		return err
	}
	if !st.HasKind("logistics_hub") {
		return fault.Field("site", "%s (%s) is not a logistics hub", st.Code, st.Name)
	}
	old, err := tx.Hub(ctx, site)
	if err != nil {
		return err
	}
	if err := fault.CheckVersion("hub "+site, old.Version, version); err != nil {
		return err
	}
	h.Site, h.Name, h.Nation, h.Configured, h.UpdatedAt = site, st.Name, st.Nation, true, tx.Now()
	if err := tx.SaveHub(ctx, h, old.Version); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "hub.update", Entity: "hub", EntityID: site, Before: old, After: *h})
}

// NetworkRow is one row of a network import: a site (with its hub limits
// when it is a hub) or a link.
type NetworkRow struct {
	Line int   // the row's line in the file, for errors
	Err  error // what was wrong in reading the row, if anything
	Site *catalog.Site
	Hub  *Hub
	Link *Link
}

// ImportNetwork creates or updates the sites, hub limits and links of rows,
// all or nothing; every bad row is reported with its line.
func (s *Service) ImportNetwork(ctx context.Context, rows []NetworkRow) (sites, links int, err error) {
	// Rows whose own fields are bad are reported with the rest and skipped,
	// so that one answer names every problem of the file.
	var pre fault.List
	bad := map[int]bool{}
	for _, r := range rows {
		where := fmt.Sprintf("line %d", r.Line)
		if r.Err != nil {
			pre.Append(where, r.Err)
			bad[r.Line] = true
			continue
		}
		if r.Site != nil {
			if err := r.Site.Validate(); err != nil {
				pre.Append(where, err)
				bad[r.Line] = true
			}
		}
		if r.Link != nil {
			if err := r.Link.Validate(); err != nil {
				pre.Append(where, err)
				bad[r.Line] = true
			}
		}
		if r.Hub != nil {
			if err := r.Hub.Validate(); err != nil {
				pre.Append(where, err)
				bad[r.Line] = true
			}
		}
	}
	err = s.Store.Transact(ctx, func(tx Tx) error {
		errs := pre
		for _, r := range rows {
			where := fmt.Sprintf("line %d", r.Line)
			if bad[r.Line] {
				continue
			}
			if r.Site != nil {
				// A site changed, like a site created, belongs to a nation
				// that exists.
				if _, err := tx.Nation(ctx, r.Site.Nation); fault.Code(err) == fault.NotFound {
					errs.Add(where+": nation", "no nation %q", r.Site.Nation)
					continue
				} else if err != nil {
					return err
				}
				old, err := tx.Site(ctx, r.Site.Code)
				switch {
				case err == nil:
					if err := tx.UpdateSite(ctx, r.Site); err != nil {
						return err
					}
					if err := tx.Audit(ctx, audit.Record{Action: "site.update", Entity: "site", EntityID: r.Site.Code, Before: old, After: *r.Site}); err != nil {
						return err
					}
				case fault.Code(err) == fault.NotFound:
					if err := tx.CreateSite(ctx, r.Site); err != nil {
						return err
					}
					if err := tx.Audit(ctx, audit.Record{Action: "site.create", Entity: "site", EntityID: r.Site.Code, After: *r.Site}); err != nil {
						return err
					}
				default:
					return err
				}
				sites++
				if r.Hub != nil {
					// Limits on a site that is no hub are the row's
					// problem, which setHub names.
					version := int64(0)
					if r.Site.HasKind("logistics_hub") {
						old, err := tx.Hub(ctx, r.Site.Code)
						if err != nil {
							return err
						}
						version = old.Version
					}
					if err := setHub(ctx, tx, r.Site.Code, version, r.Hub); err != nil {
						errs.Append(where, err)
					}
				}
			}
			if r.Link != nil {
				id, version := int64(0), int64(0)
				if old, err := tx.LinkBetween(ctx, r.Link.From, r.Link.To, r.Link.Mode); err == nil {
					id, version = old.ID, old.Version
				} else if fault.Code(err) != fault.NotFound {
					return err
				}
				if err := saveLink(ctx, tx, id, version, r.Link); err != nil {
					if fault.Code(err) == fault.Internal {
						return err
					}
					errs.Append(where, err)
					continue
				}
				links++
			}
		}
		return errs.Err()
	})
	if err != nil {
		return 0, 0, err
	}
	return sites, links, nil
}

// NewShipment is what a planner gives to create a shipment.
type NewShipment struct {
	Origin           string    `json:"origin"`
	Destination      string    `json:"destination"`
	Via              []string  `json:"via"`   // hubs between; empty to let Longhaul find the quickest route
	Modes            []string  `json:"modes"` // per leg, optional
	PlannedDeparture time.Time `json:"planned_departure"`
	Lines            []NewLine `json:"lines"`
	Notes            string    `json:"notes"`
	// Nation owns the goods of a shipment without lines: equipment on its
	// way to repair and back, described in the notes.
	Nation string `json:"-"`
	// Override is the reason for shipping from somewhere other than where
	// the allocations' stock waits, or to somewhere other than their
	// requirements' delivery point; without one such a shipment is refused.
	Override string `json:"override_reason,omitempty"`
	// direct is a handover outside the hub network: one leg, no link.
	direct bool
}

// NewLine takes a quantity from one allocation; zero takes all that is
// allocated and not yet shipped or planned.
type NewLine struct {
	Allocation int64 `json:"allocation"`
	Quantity   int64 `json:"quantity"`
}

// CreateShipment plans a shipment of allocated goods along a route, and
// computes its ETA from the legs and the hubs' dwell time.
func (s *Service) CreateShipment(ctx context.Context, in NewShipment) (Shipment, error) {
	var out Shipment
	if err := in.validate(); err != nil {
		return out, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		out, err = CreateShipmentIn(ctx, tx, in)
		return err
	})
	return out, err
}

// validate normalises a new shipment's fields and checks them.
func (in *NewShipment) validate() error {
	var errs fault.List
	in.Origin, in.Destination = strings.ToUpper(strings.TrimSpace(in.Origin)), strings.ToUpper(strings.TrimSpace(in.Destination))
	if in.Origin == "" {
		errs.Add("origin", "is required: the site the goods leave from")
	}
	if in.Destination == "" {
		errs.Add("destination", "is required: the site they go to")
	}
	if len(in.Lines) == 0 && in.Nation == "" {
		errs.Add("lines", "name at least one allocation to ship")
	}
	if in.PlannedDeparture.IsZero() {
		errs.Add("planned_departure", "is required")
	}
	for i, m := range in.Modes {
		in.Modes[i] = strings.ToLower(strings.TrimSpace(m))
		if in.Modes[i] != "" && !slices.Contains(Modes, in.Modes[i]) {
			errs.Add("modes", "%q is not a mode: use %s", m, strings.Join(Modes, ", "))
		}
	}
	seen := map[int64]bool{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Allocation <= 0 {
			errs.Add(f+".allocation", "name an allocation")
		} else if seen[l.Allocation] {
			errs.Add(f+".allocation", "allocation %d is named twice", l.Allocation)
		}
		seen[l.Allocation] = true
		if l.Quantity < 0 {
			errs.Add(f+".quantity", "must not be negative")
		}
	}
	return errs.Err()
}

// CreateShipmentIn is CreateShipment inside a transaction the caller holds,
// for use cases that plan shipments together with other records.
func CreateShipmentIn(ctx context.Context, tx Tx, in NewShipment) (Shipment, error) {
	var out Shipment
	if err := in.validate(); err != nil {
		return out, err
	}
	id := access.IdentityFrom(ctx)
	err := func() error {
		net, err := tx.Network(ctx)
		if err != nil {
			return err
		}
		var errs fault.List
		if _, ok := net.Sites[in.Origin]; !ok {
			errs.Add("origin", "no site %q", in.Origin)
		}
		if _, ok := net.Sites[in.Destination]; !ok {
			errs.Add("destination", "no site %q", in.Destination)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		var legs []Leg
		route := []string{in.Origin}
		for _, v := range in.Via {
			if v = strings.ToUpper(strings.TrimSpace(v)); v != "" {
				route = append(route, v)
			}
		}
		route = append(route, in.Destination)
		switch {
		case in.direct:
			if in.Origin == in.Destination {
				return fault.Field("destination", "is the origin: goods are handed over somewhere else")
			}
			legs = []Leg{{No: 1, From: in.Origin, To: in.Destination, Mode: DirectMode}}
		default:
			if len(route) == 2 && len(in.Modes) == 0 {
				if _, direct := net.fastest(in.Origin, in.Destination, ""); !direct {
					if route, err = net.Route(in.Origin, in.Destination); err != nil {
						return err
					}
				}
			}
			if legs, err = net.Legs(route, in.Modes); err != nil {
				return err
			}
		}
		sh := Shipment{Origin: in.Origin, Destination: in.Destination, State: Planned, Holder: in.Origin, Location: in.Origin,
			PlannedDeparture: in.PlannedDeparture.UTC(), Legs: legs, Notes: strings.TrimSpace(in.Notes)}
		sh.ETA = Schedule(sh.Legs, 0, sh.PlannedDeparture)
		var rel []string
		relSet := false
		pledges := map[int64]assist.Pledge{}
		for i, nl := range in.Lines {
			f := fmt.Sprintf("lines[%d]", i)
			al, err := tx.Allocation(ctx, nl.Allocation)
			if fault.Code(err) == fault.NotFound {
				errs.Add(f+".allocation", "no allocation %d", nl.Allocation)
				continue
			} else if err != nil {
				return err
			}
			p, ok := pledges[al.PledgeID]
			if !ok {
				if p, err = tx.Pledge(ctx, al.PledgeID); err != nil {
					return err
				}
				pledges[p.ID] = p
			}
			if !id.CanSee(p.Nation, p.Marking) {
				errs.Add(f+".allocation", "no allocation %d", nl.Allocation)
				continue
			}
			if sh.Nation == "" {
				sh.Nation = p.Nation
			} else if sh.Nation != p.Nation {
				errs.Add(f+".allocation", "allocation %d is %s's; this shipment carries %s's goods: ship each nation's goods apart", nl.Allocation, p.Nation, sh.Nation)
				continue
			}
			reserved, err := tx.Reserved(ctx, al.ID)
			if err != nil {
				return err
			}
			free := al.Quantity - al.Shipped - reserved
			q := nl.Quantity
			if q == 0 {
				q = free
			}
			if q <= 0 || q > free {
				errs.Add(f+".quantity", "allocation %d has %d to ship: %d allocated, %d shipped, %d in planned shipments", al.ID, max(free, 0), al.Quantity, al.Shipped, reserved)
				continue
			}
			pl, err := p.Line(al.LineID)
			if err != nil {
				return err
			}
			if err := plausible(ctx, tx, net, &errs, f, in, p, al); err != nil {
				return err
			}
			item, err := tx.Item(ctx, pl.NSN)
			if err != nil {
				return err
			}
			sh.Lines = append(sh.Lines, Line{No: len(sh.Lines) + 1, Allocation: al.ID, Pledge: p.ID, PledgeLine: pl.ID, Requirement: al.Requirement,
				NSN: pl.NSN, ItemName: item.Name, Quantity: q, UnitValue: pl.UnitValue, MassG: item.MassG})
			m, err := item.MassOf(q)
			if err == nil {
				m, err = catalog.AddMass(sh.MassG, m)
			}
			if err != nil {
				errs.Add(f+".quantity", "the shipment %v", err)
				continue
			}
			sh.MassG = m
			sh.Value += pl.Value(q)
			sh.Classification = max(sh.Classification, p.Classification)
			// The shipment is releasable where all its pledges are.
			switch {
			case len(p.ReleasableTo) == 0:
			case !relSet:
				rel, relSet = append([]string(nil), p.ReleasableTo...), true
			default:
				rel = slices.DeleteFunc(rel, func(n string) bool { return !slices.Contains(p.ReleasableTo, n) })
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if len(in.Lines) == 0 {
			sh.Nation = strings.ToUpper(in.Nation)
		}
		if relSet && len(rel) == 0 {
			rel = []string{sh.Nation} // released to nobody else
		}
		sh.ReleasableTo = rel
		if !id.MayWriteFor(sh.Nation) {
			return fault.Errorf(fault.Forbidden, "%s may not ship %s's goods", id.Name, sh.Nation)
		}
		override := strings.TrimSpace(in.Override)
		if override != "" {
			sh.Notes = strings.TrimSpace(sh.Notes + "\nroute override: " + override)
		}
		sh.CreatedAt, sh.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateShipment(ctx, &sh); err != nil {
			return err
		}
		out = sh
		return tx.Audit(ctx, audit.Record{Action: "shipment.create", Entity: "shipment", EntityID: audit.ID(sh.ID), After: struct {
			Shipment
			Override string `json:"override_reason,omitempty"`
		}{sh, override}})
	}()
	return out, err
}

// DirectMode is the mode of a handover outside the hub network: the goods
// go from the donor's hands straight to the recipient's, with no link and
// no transit time of the network's.
const DirectMode = "direct"

// plausible checks that allocation al of pledge p may leave in.Origin for
// in.Destination: the stock waits at the pledge's depot (or, when it names
// none, at one of its nation's depots) and goes to the requirement's
// delivery point. A shipment that does otherwise needs a reason
// (in.Override), which is kept in its notes and its audit event.
func plausible(ctx context.Context, tx Tx, net Network, errs *fault.List, field string, in NewShipment, p assist.Pledge, al assist.Allocation) error {
	if strings.TrimSpace(in.Override) != "" {
		return nil
	}
	origin := net.Sites[in.Origin]
	switch {
	case p.Depot != "" && in.Origin != p.Depot:
		errs.Add("origin", "the stock of allocation %d waits at %s, %s's depot: ship it from there, or give the reason for %s in override_reason", al.ID, p.Depot, p.Ref(), in.Origin)
	case p.Depot == "" && (origin.Nation != p.Nation || !origin.HasKind("donor_depot")):
		errs.Add("origin", "the stock of allocation %d waits at a depot of %s's, and %s (%s) is not one: ship it from there, or give the reason in override_reason", al.ID, p.Nation, in.Origin, origin.Name)
	}
	r, err := tx.Requirement(ctx, al.Requirement)
	if err != nil {
		return err
	}
	if r.DeliverySite != "" && r.DeliverySite != in.Destination {
		errs.Add("destination", "allocation %d serves %s, delivered at %s: ship it there, or give the reason for %s in override_reason", al.ID, r.Ref(), r.DeliverySite, in.Destination)
	}
	return nil
}

// Handover is goods handed over outside the hub network, a donor
// delivering straight to a unit: a direct shipment, recorded as dispatched
// and arrived at once, that waits for the recipient's receipt like any
// other. So every delivered unit has a receipt, and every difference a
// discrepancy.
type Handover struct {
	Lines []NewLine `json:"lines"`
	// Origin defaults to where the first allocation's stock waits, and
	// Destination to its requirement's delivery point.
	Origin      string    `json:"origin"`
	Destination string    `json:"destination"`
	At          time.Time `json:"at"` // when the goods were handed over; zero for now
	Note        string    `json:"note"`
	Override    string    `json:"override_reason,omitempty"`
}

// HandOver records a handover outside the hub network in one transaction:
// the direct shipment, its dispatch (the pledge lines' shipped) and its
// arrival at the destination, where the recipient receives it.
func (s *Service) HandOver(ctx context.Context, in Handover) (Shipment, error) {
	var out Shipment
	err := s.Store.Transact(ctx, func(tx Tx) error {
		at, err := eventTime(in.At, tx.Now(), nil)
		if err != nil {
			return err
		}
		ns := NewShipment{Origin: in.Origin, Destination: in.Destination, PlannedDeparture: at, Lines: in.Lines,
			Notes: strings.TrimSpace("handed over directly. " + strings.TrimSpace(in.Note)), Override: in.Override, direct: true}
		if len(in.Lines) > 0 && (strings.TrimSpace(ns.Origin) == "" || strings.TrimSpace(ns.Destination) == "") {
			if err := handoverEnds(ctx, tx, &ns); err != nil {
				return err
			}
		}
		sh, err := CreateShipmentIn(ctx, tx, ns)
		if err != nil {
			return err
		}
		before := sh
		via := "handed over directly"
		sh.Legs = slices.Clone(sh.Legs)
		sh.Legs[0].Depart, sh.Legs[0].Arrive = at, at
		sh.State, sh.Leg, sh.DispatchedAt, sh.ETA = Delivered, 0, at, at
		sh.Location, sh.Holder = sh.Destination, sh.Destination
		if err := s.ship(ctx, tx, &sh); err != nil {
			return err
		}
		sh.UpdatedAt = tx.Now()
		if err := tx.UpdateShipment(ctx, &sh, before.Version); err != nil {
			return err
		}
		actor, note := access.ActorName(ctx), strings.TrimSpace(in.Note)
		for _, ev := range []CustodyEvent{
			{At: at, Action: Dispatch, State: Dispatched, Site: sh.Origin, From: sh.Origin, To: via, Actor: actor, Note: note},
			{At: at, Action: Arrive, State: Delivered, Site: sh.Destination, From: via, To: sh.Destination, Actor: actor, Note: note},
		} {
			if err := tx.AddCustody(ctx, sh.ID, &ev); err != nil {
				return err
			}
		}
		out = sh
		return tx.Audit(ctx, audit.Record{Action: "shipment.handover", Entity: "shipment", EntityID: audit.ID(sh.ID), Before: before, After: sh})
	})
	return out, err
}

// handoverEnds fills in a handover's missing origin and destination from
// its first allocation: where its stock waits and where its requirement is
// delivered.
func handoverEnds(ctx context.Context, tx Tx, ns *NewShipment) error {
	al, err := tx.Allocation(ctx, ns.Lines[0].Allocation)
	if fault.Code(err) == fault.NotFound {
		return fault.Field("lines[0].allocation", "no allocation %d", ns.Lines[0].Allocation)
	} else if err != nil {
		return err
	}
	p, err := tx.Pledge(ctx, al.PledgeID)
	if err != nil {
		return err
	}
	if !access.IdentityFrom(ctx).CanSee(p.Nation, p.Marking) {
		return fault.Field("lines[0].allocation", "no allocation %d", al.ID)
	}
	if strings.TrimSpace(ns.Origin) == "" {
		ns.Origin = p.Depot
		if ns.Origin == "" {
			net, err := tx.Network(ctx)
			if err != nil {
				return err
			}
			ns.Origin = net.DepotOf(p.Nation)
		}
		if ns.Origin == "" {
			return fault.Field("origin", "%s names no depot and %s has none: name the site the goods left from", p.Ref(), p.Nation)
		}
	}
	if strings.TrimSpace(ns.Destination) == "" {
		r, err := tx.Requirement(ctx, al.Requirement)
		if err != nil {
			return err
		}
		ns.Destination = r.DeliverySite
	}
	return nil
}

// Move is one custody action on a shipment.
type Move struct {
	Action string    `json:"action"`
	At     time.Time `json:"at"` // when it happened; zero for now
	To     string    `json:"to"` // the carrier the goods are handed to, where one takes them
	Note   string    `json:"note"`
}

// Hand records a change of hands (or a hold, a release or a cancellation)
// and moves the shipment on: its state, location, holder, ETA, the hubs'
// stock and, at dispatch, the pledge lines' shipped quantity.
func (s *Service) Hand(ctx context.Context, id, version int64, m Move) (Shipment, error) {
	var out Shipment
	if !slices.Contains(Actions, m.Action) {
		return out, fault.Field("action", "%q is not a custody action: use %s", m.Action, strings.Join(Actions, ", "))
	}
	who := access.IdentityFrom(ctx)
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := shipmentFor(ctx, tx, id, version)
		if err != nil {
			return err
		}
		events, err := tx.Custody(ctx, id)
		if err != nil {
			return err
		}
		at, err := eventTime(m.At, tx.Now(), events)
		if err != nil {
			return err
		}
		sh := old
		sh.Legs = slices.Clone(old.Legs)
		ev := CustodyEvent{At: at, Action: m.Action, Actor: access.ActorName(ctx), Note: strings.TrimSpace(m.Note), From: old.Holder}
		refuse := func() error {
			return fault.Errorf(fault.Conflict, "%s is %s: it cannot %s now (%s)", old.Ref(), Label(old.State), m.Action, nextSteps(old))
		}
		holds := func(code string) error {
			site, err := tx.Site(ctx, code)
			if err != nil {
				return err
			}
			if !MayHandle(who, site) {
				return fault.Errorf(fault.Forbidden, "%s does not hold the goods of %s: %s holds them", who.Name, old.Ref(), holderName(old))
			}
			return nil
		}
		carrier := func(leg Leg) string {
			if c := strings.TrimSpace(m.To); c != "" {
				return c
			}
			return "carrier (" + leg.Mode + ")"
		}
		switch m.Action {
		case Dispatch:
			if old.State != Planned {
				return refuse()
			}
			if err := holds(old.Origin); err != nil {
				return err
			}
			leg := sh.Legs[0]
			sh.State, sh.Leg, sh.Location, sh.Holder, sh.DispatchedAt = Dispatched, 0, "", carrier(leg), at
			sh.ETA = Schedule(sh.Legs, 0, at)
			ev.Site, ev.To = old.Origin, sh.Holder
			if err := s.ship(ctx, tx, &sh); err != nil {
				return err
			}
		case Arrive:
			if old.State != Dispatched && old.State != InTransit {
				return refuse()
			}
			leg := &sh.Legs[old.Leg]
			if err := holds(leg.To); err != nil {
				return fault.Errorf(fault.Forbidden, "%s may not take the goods of %s at %s", who.Name, old.Ref(), leg.To)
			}
			if err := arrivalPlausible(*leg, events, at, ev.Note); err != nil {
				return err
			}
			leg.Arrive = at
			sh.Location, sh.Holder = leg.To, leg.To
			ev.Site, ev.To = leg.To, leg.To
			if leg.To == sh.Destination {
				sh.State, sh.ETA = Delivered, at
			} else {
				sh.State = AtHub
				sh.ETA = Schedule(sh.Legs, old.Leg+1, at.Add(time.Duration(leg.DwellHours)*time.Hour))
				if err := s.stock(ctx, tx, &sh, leg.To, +1, at); err != nil {
					return err
				}
			}
		case Depart:
			if old.State != AtHub {
				return refuse()
			}
			if err := holds(old.Location); err != nil {
				return err
			}
			sh.Leg = old.Leg + 1
			leg := sh.Legs[sh.Leg]
			sh.State, sh.Location, sh.Holder = InTransit, "", carrier(leg)
			sh.ETA = Schedule(sh.Legs, sh.Leg, at)
			ev.Site, ev.To = old.Location, sh.Holder
			if err := s.stock(ctx, tx, &sh, old.Location, -1, at); err != nil {
				return err
			}
		case Hold, Release:
			if (m.Action == Hold) != (old.State != Held) || old.State == Planned || old.State == Received || old.State == Cancelled {
				return refuse()
			}
			if old.Location != "" {
				if err := holds(old.Location); err != nil {
					return err
				}
			} else if !who.MayWriteFor(old.Nation) {
				return fault.Errorf(fault.Forbidden, "%s does not hold the goods of %s: %s holds them", who.Name, old.Ref(), holderName(old))
			}
			if m.Action == Hold {
				if ev.Note == "" {
					return fault.Field("note", "say why the shipment is held")
				}
				sh.State, sh.HeldFrom = Held, old.State
			} else {
				sh.State, sh.HeldFrom = old.HeldFrom, ""
			}
			ev.Site, ev.To = old.Location, old.Holder
		case Cancel:
			if old.State != Planned {
				return refuse()
			}
			if !who.MayWriteFor(old.Nation) {
				return fault.Errorf(fault.Forbidden, "%s may not cancel %s's shipments", who.Name, old.Nation)
			}
			sh.State, sh.Location = Cancelled, old.Origin
			ev.Site, ev.To = old.Origin, old.Origin
		}
		ev.State = sh.State
		sh.UpdatedAt = tx.Now()
		if err := tx.UpdateShipment(ctx, &sh, old.Version); err != nil {
			return err
		}
		if err := tx.AddCustody(ctx, sh.ID, &ev); err != nil {
			return err
		}
		out = sh
		return tx.Audit(ctx, audit.Record{Action: "shipment." + m.Action, Entity: "shipment", EntityID: audit.ID(sh.ID), Before: old, After: struct {
			Shipment
			Event CustodyEvent `json:"event"`
		}{sh, ev}})
	})
	return out, err
}

// arrivalPlausible refuses, without a note that says why, an arrival in
// less than half the leg's transit time after the goods left: a hub arrival
// one second into a 12-hour leg is a slip of the hand far more often than a
// fact.
func arrivalPlausible(leg Leg, events []CustodyEvent, at time.Time, note string) error {
	if leg.TransitHours <= 0 || note != "" || len(events) == 0 {
		return nil
	}
	left := events[len(events)-1].At
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == Dispatch || events[i].Action == Depart {
			left = events[i].At
			break
		}
	}
	took, least := at.Sub(left), time.Duration(leg.TransitHours)*time.Hour/2
	if took < least {
		return fault.Field("note", "the goods left %s at %s and the leg takes %d h: an arrival after %s needs a note saying why", leg.From, left.Format(time.RFC3339), leg.TransitHours, took.Truncate(time.Second))
	}
	return nil
}

// eventTime is when a custody event happened: given, or now; never in the
// future and never before the shipment's last event.
func eventTime(given, now time.Time, events []CustodyEvent) (time.Time, error) {
	at := now
	if !given.IsZero() {
		at = given.UTC().Truncate(time.Second)
		if at.After(now) {
			return at, fault.Field("at", "%s is in the future: record what has happened", at.Format(time.RFC3339))
		}
	}
	if n := len(events); n > 0 && at.Before(events[n-1].At) {
		return at, fault.Field("at", "%s is before the shipment's last event (%s)", at.Format(time.RFC3339), events[n-1].At.Format(time.RFC3339))
	}
	return at, nil
}

// holderName is who holds a shipment's goods, for messages.
func holderName(s Shipment) string {
	if s.Location != "" {
		return s.Location
	}
	return s.Holder
}

// nextSteps says what a shipment in its state can do next.
func nextSteps(s Shipment) string {
	switch s.State {
	case Planned:
		return "next: dispatch or cancel"
	case Dispatched, InTransit:
		return "next: arrive at " + s.Legs[s.Leg].To + ", or hold"
	case AtHub:
		return "next: depart from " + s.Location + ", or hold"
	case Delivered:
		return "next: receive, or hold"
	case Held:
		return "next: release"
	}
	return "it has no next step: a shipment does not go back"
}

// Label is a state or action in words.
func Label(code string) string {
	switch code {
	case AtHub:
		return "at a hub"
	case InTransit:
		return "in transit"
	}
	return strings.ReplaceAll(code, "_", " ")
}

// ship moves the shipment's quantities into the pledge lines' and
// allocations' shipped, one audit event per pledge.
func (s *Service) ship(ctx context.Context, tx Tx, sh *Shipment) error {
	return s.eachPledge(ctx, tx, sh, "pledge.ship", func(p *assist.Pledge, l *Line, al *assist.Allocation) (int64, error) {
		free := al.Quantity - al.Shipped
		if l.Quantity > free {
			return 0, fault.Errorf(fault.Conflict, "line %d: allocation %d has only %d left to ship, the shipment carries %d", l.No, al.ID, free, l.Quantity)
		}
		pl, err := p.Line(l.PledgeLine)
		if err != nil {
			return 0, err
		}
		pl.Shipped += l.Quantity
		al.Shipped += l.Quantity
		return l.Quantity, nil
	})
}

// eachPledge applies fn to every line of sh with its pledge and allocation,
// then writes each pledge and allocation touched and audits the pledges as
// action. It returns the requirements touched in the order first met.
func (s *Service) eachPledge(ctx context.Context, tx Tx, sh *Shipment, action string, fn func(p *assist.Pledge, l *Line, al *assist.Allocation) (int64, error)) error {
	type touched struct {
		before, after assist.Pledge
		allocs        map[int64]*assist.Allocation
	}
	var order []int64
	pledges := map[int64]*touched{}
	var reqs []int64
	for i := range sh.Lines {
		l := &sh.Lines[i]
		t, ok := pledges[l.Pledge]
		if !ok {
			p, err := tx.Pledge(ctx, l.Pledge)
			if err != nil {
				return err
			}
			after := p
			after.Lines = slices.Clone(p.Lines)
			t = &touched{before: p, after: after, allocs: map[int64]*assist.Allocation{}}
			pledges[l.Pledge] = t
			order = append(order, l.Pledge)
		}
		al, ok := t.allocs[l.Allocation]
		if !ok {
			a, err := tx.Allocation(ctx, l.Allocation)
			if err != nil {
				return err
			}
			al = &a
			t.allocs[l.Allocation] = al
		}
		moved, err := fn(&t.after, l, al)
		if err != nil {
			return err
		}
		if moved != 0 && !slices.Contains(reqs, l.Requirement) {
			reqs = append(reqs, l.Requirement)
		}
	}
	for _, id := range order {
		t := pledges[id]
		for i := range t.after.Lines {
			if err := t.after.Lines[i].Check(); err != nil {
				return err
			}
		}
		t.after.UpdatedAt = tx.Now()
		if err := tx.UpdatePledge(ctx, &t.after, t.before.Version); err != nil {
			return err
		}
		ids := make([]int64, 0, len(t.allocs))
		for aid := range t.allocs {
			ids = append(ids, aid)
		}
		slices.Sort(ids)
		for _, aid := range ids {
			if err := tx.SaveAllocation(ctx, t.allocs[aid]); err != nil {
				return err
			}
		}
		if err := tx.Audit(ctx, audit.Record{Action: action, Entity: "pledge", EntityID: audit.ID(id), Before: t.before, After: struct {
			assist.Pledge
			Shipment int64 `json:"shipment"`
		}{t.after, sh.ID}}); err != nil {
			return err
		}
	}
	if action == "pledge.ship" {
		return nil
	}
	for _, rid := range reqs {
		if err := assist.Recount(ctx, tx, rid, "requirement.deliver", sh); err != nil {
			return err
		}
	}
	return nil
}

// stock moves the shipment's goods into (sign +1) or out of (sign -1) the
// stock of hub site.
func (s *Service) stock(ctx context.Context, tx Tx, sh *Shipment, site string, sign int64, at time.Time) error {
	kind := "in"
	if sign < 0 {
		kind = "out"
	}
	for _, l := range sh.Lines {
		m, err := catalog.Item{MassG: l.MassG}.MassOf(l.Quantity)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", sh.Ref(), l.No, err)
		}
		if err := tx.MoveStock(ctx, StockEvent{Site: site, NSN: l.NSN, Delta: sign * l.Quantity, MassG: m, Kind: kind,
			Shipment: sh.ID, At: at, Actor: access.ActorName(ctx)}); err != nil {
			return err
		}
	}
	return nil
}

// ReceiptLine is what arrived of one line of a shipment. A difference from
// what was sent needs a kind and a reason.
type ReceiptLine struct {
	No       int    `json:"no"`
	Received int64  `json:"received"`
	Kind     string `json:"kind"`
	Reason   string `json:"reason"`
}

// Receipt is the receipt of a shipment at its destination. Lines not named
// were received in full.
type Receipt struct {
	Lines []ReceiptLine `json:"lines"`
	// Accept accepts what is received in the same transaction: the
	// recipient's acceptance certificate signed with the receipt.
	Accept bool      `json:"accept,omitempty"`
	To     string    `json:"to"` // the unit that takes the goods
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

// Receive records the receipt of a delivered shipment, once. It moves the
// received quantities into the pledge lines' and allocations' delivered and
// the requirements' fulfilment, and records each difference as an open
// discrepancy, all in one transaction.
func (s *Service) Receive(ctx context.Context, id, version int64, rc Receipt) (Shipment, []Discrepancy, error) {
	var out Shipment
	var made []Discrepancy
	who := access.IdentityFrom(ctx)
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := shipmentFor(ctx, tx, id, version)
		if err != nil {
			return err
		}
		if old.State == Received {
			return fault.Errorf(fault.Conflict, "%s was received already, at %s: a shipment is received once; record later finds against its discrepancies", old.Ref(), old.ReceivedAt.Format(time.RFC3339))
		}
		if old.State != Delivered {
			return fault.Errorf(fault.Conflict, "%s is %s: only a delivered shipment can be received (%s)", old.Ref(), Label(old.State), nextSteps(old))
		}
		dest, err := tx.Site(ctx, old.Destination)
		if err != nil {
			return err
		}
		if !MayHandle(who, dest) {
			return fault.Errorf(fault.Forbidden, "%s does not hold the goods of %s: %s holds them", who.Name, old.Ref(), old.Destination)
		}
		events, err := tx.Custody(ctx, id)
		if err != nil {
			return err
		}
		at, err := eventTime(rc.At, tx.Now(), events)
		if err != nil {
			return err
		}
		sh := old
		sh.Lines = slices.Clone(old.Lines)
		given := map[int]ReceiptLine{}
		var errs fault.List
		for i, r := range rc.Lines {
			f := fmt.Sprintf("lines[%d]", i)
			if r.No < 1 || r.No > len(sh.Lines) {
				errs.Add(f+".no", "%s has no line %d: its lines run from 1 to %d", old.Ref(), r.No, len(sh.Lines))
				continue
			}
			if _, dup := given[r.No]; dup {
				errs.Add(f+".no", "line %d is named twice", r.No)
				continue
			}
			given[r.No] = r
		}
		for i := range sh.Lines {
			l := &sh.Lines[i]
			r, ok := given[l.No]
			if !ok {
				r = ReceiptLine{No: l.No, Received: l.Quantity}
			}
			f := fmt.Sprintf("line %d", l.No)
			r.Kind, r.Reason = strings.ToLower(strings.TrimSpace(r.Kind)), strings.TrimSpace(r.Reason)
			if r.Received < 0 {
				errs.Add(f+".received", "must not be negative")
				continue
			}
			d := Discrepancy{Shipment: sh.ID, LineNo: l.No, NSN: l.NSN, Kind: r.Kind, Reason: r.Reason, State: Open, CreatedAt: tx.Now(), Nation: sh.Nation, Marking: sh.Marking}
			switch {
			case r.Received == l.Quantity:
				l.Received = r.Received
				continue
			case r.Received < l.Quantity:
				d.Quantity = l.Quantity - r.Received
				if r.Kind == Surplus || !slices.Contains(DiscrepancyKinds, r.Kind) {
					errs.Add(f+".kind", "%d sent, %d received: say whether the %d missing are short, damaged or lost", l.Quantity, r.Received, d.Quantity)
					continue
				}
			default:
				d.Quantity = r.Received - l.Quantity
				if r.Kind != Surplus {
					errs.Add(f+".kind", "%d sent, %d received: more than was sent is received only as a surplus (kind surplus, with a reason)", l.Quantity, r.Received)
					continue
				}
			}
			if r.Reason == "" {
				errs.Add(f+".reason", "%d sent, %d received: give the reason for the difference", l.Quantity, r.Received)
				continue
			}
			l.Received = r.Received
			made = append(made, d)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := s.eachPledge(ctx, tx, &sh, "pledge.deliver", func(p *assist.Pledge, l *Line, al *assist.Allocation) (int64, error) {
			q := min(l.Received, l.Quantity) // a surplus is not on the pledge
			pl, err := p.Line(l.PledgeLine)
			if err != nil {
				return 0, err
			}
			pl.Delivered += q
			al.Delivered += q
			return q, nil
		}); err != nil {
			return err
		}
		if rc.Accept {
			if err := accept(ctx, tx, &sh); err != nil {
				return err
			}
		}
		for i := range made {
			if err := tx.CreateDiscrepancy(ctx, &made[i]); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "discrepancy.open", Entity: "discrepancy", EntityID: audit.ID(made[i].ID), After: made[i]}); err != nil {
				return err
			}
		}
		to := strings.TrimSpace(rc.To)
		if to == "" {
			to = "recipient at " + old.Destination
		}
		sh.State, sh.ReceivedAt, sh.Holder, sh.UpdatedAt = Received, at, to, tx.Now()
		if err := tx.UpdateShipment(ctx, &sh, old.Version); err != nil {
			return err
		}
		ev := CustodyEvent{At: at, Action: "receive", State: Received, Site: old.Destination, From: old.Holder, To: to, Actor: access.ActorName(ctx), Note: strings.TrimSpace(rc.Note)}
		if err := tx.AddCustody(ctx, sh.ID, &ev); err != nil {
			return err
		}
		out = sh
		return tx.Audit(ctx, audit.Record{Action: "shipment.receive", Entity: "shipment", EntityID: audit.ID(sh.ID), Before: old, After: struct {
			Shipment
			Event CustodyEvent `json:"event"`
		}{sh, ev}})
	})
	return out, made, err
}

// accept accepts what was received of each line of sh, through the
// ledger's own accept action, so that its rule and audit are the same as
// accepting on the pledge's page.
func accept(ctx context.Context, tx Tx, sh *Shipment) error {
	for _, l := range sh.Lines {
		q := min(l.Received, l.Quantity)
		if q <= 0 {
			continue
		}
		if _, err := assist.ActIn(ctx, tx, l.Pledge, 0, assist.Action{Kind: assist.Accept, Line: l.PledgeLine, Quantity: q, Allocation: l.Allocation}); err != nil {
			return fmt.Errorf("accept line %d: %w", l.No, err)
		}
	}
	return nil
}

// Resolve closes an open discrepancy: found (the missing goods arrived
// after all; they are received and delivered now) or loss (the difference
// stands).
func (s *Service) Resolve(ctx context.Context, id, version int64, resolution, note string) (Discrepancy, error) {
	var out Discrepancy
	resolution = strings.ToLower(strings.TrimSpace(resolution))
	note = strings.TrimSpace(note)
	var errs fault.List
	errs.OneOf("resolution", resolution, []string{Found, Loss})
	if note == "" {
		errs.Add("note", "say how the discrepancy was resolved")
	}
	if err := errs.Err(); err != nil {
		return out, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Discrepancy(ctx, id)
		if err != nil {
			return err
		}
		sh, err := tx.Shipment(ctx, old.Shipment)
		if err != nil {
			return err
		}
		if err := canSee(ctx, &sh); err != nil {
			return fault.Errorf(fault.NotFound, "no discrepancy %d", id)
		}
		if err := fault.CheckVersion(old.Ref(), old.Version, version); err != nil {
			return err
		}
		if old.State != Open {
			return fault.Errorf(fault.Conflict, "%s was resolved already (%s)", old.Ref(), old.Resolution)
		}
		if resolution == Found && old.Kind == Surplus {
			return fault.Field("resolution", "a surplus is not found: resolve it as loss with a note on where it came from")
		}
		d := old
		d.State, d.Resolution, d.ResolutionNote, d.ResolvedBy, d.ResolvedAt = Resolved, resolution, note, access.ActorName(ctx), tx.Now()
		if resolution == Found {
			sh.Lines = slices.Clone(sh.Lines)
			before := sh
			line := &sh.Lines[d.LineNo-1]
			line.Received += d.Quantity
			one := sh
			one.Lines = []Line{*line}
			if err := s.eachPledge(ctx, tx, &one, "pledge.deliver", func(p *assist.Pledge, l *Line, al *assist.Allocation) (int64, error) {
				pl, err := p.Line(l.PledgeLine)
				if err != nil {
					return 0, err
				}
				pl.Delivered += d.Quantity
				al.Delivered += d.Quantity
				return d.Quantity, nil
			}); err != nil {
				return err
			}
			sh.UpdatedAt = tx.Now()
			if err := tx.UpdateShipment(ctx, &sh, before.Version); err != nil {
				return err
			}
			if err := tx.Audit(ctx, audit.Record{Action: "shipment.found", Entity: "shipment", EntityID: audit.ID(sh.ID), Before: before, After: sh}); err != nil {
				return err
			}
		}
		if err := tx.UpdateDiscrepancy(ctx, &d, old.Version); err != nil {
			return err
		}
		out = d
		return tx.Audit(ctx, audit.Record{Action: "discrepancy.resolve", Entity: "discrepancy", EntityID: audit.ID(d.ID), Before: old, After: d})
	})
	return out, err
}

// CountLine is a physical count of one item at a hub.
type CountLine struct {
	NSN     string `json:"nsn"`
	Counted int64  `json:"counted"`
}

// CountResult is what a count changed.
type CountResult struct {
	Site        string       `json:"site"`
	Adjustments []StockEvent `json:"adjustments"`
	Counted     int          `json:"counted"`
}

// Count records a physical count at a hub. A count that differs from the
// balance records an adjustment with the reason given, which is required
// then.
func (s *Service) Count(ctx context.Context, site string, lines []CountLine, reason string) (CountResult, error) {
	site = strings.ToUpper(strings.TrimSpace(site))
	reason = strings.TrimSpace(reason)
	res := CountResult{Site: site}
	var errs fault.List
	if len(lines) == 0 {
		errs.Add("lines", "count at least one item")
	}
	seen := map[string]bool{}
	for i, l := range lines {
		f := fmt.Sprintf("lines[%d]", i)
		lines[i].NSN = strings.TrimSpace(l.NSN)
		if l.Counted < 0 {
			errs.Add(f+".counted", "%d is negative: a count is zero or more", l.Counted)
		}
		if seen[lines[i].NSN] {
			errs.Add(f+".nsn", "%s is counted twice", l.NSN)
		}
		seen[lines[i].NSN] = true
	}
	if err := errs.Err(); err != nil {
		return res, err
	}
	who := access.IdentityFrom(ctx)
	err := s.Store.Transact(ctx, func(tx Tx) error {
		st, err := tx.Site(ctx, site)
		if err != nil {
			return err
		}
		if !st.HasKind("logistics_hub") {
			return fault.Field("site", "%s (%s) is not a logistics hub", st.Code, st.Name)
		}
		if !MayHandle(who, st) {
			return fault.Errorf(fault.Forbidden, "%s may not count the stock at %s", who.Name, site)
		}
		type change struct {
			NSN     string `json:"nsn"`
			Balance int64  `json:"balance"`
			Counted int64  `json:"counted"`
		}
		var changes []change
		for i, l := range lines {
			item, err := tx.Item(ctx, l.NSN)
			if fault.Code(err) == fault.NotFound {
				errs.Add(fmt.Sprintf("lines[%d].nsn", i), "no item %q", l.NSN)
				continue
			} else if err != nil {
				return err
			}
			if l.Counted < 0 || l.Counted > assist.MaxQuantity {
				errs.Add(fmt.Sprintf("lines[%d].counted", i), "must be from 0 to %d", assist.MaxQuantity)
				continue
			}
			if _, err := item.MassOf(l.Counted); err != nil {
				errs.Add(fmt.Sprintf("lines[%d].counted", i), "%d of %s %v", l.Counted, l.NSN, err)
				continue
			}
			bal, err := tx.StockLevel(ctx, site, l.NSN)
			if err != nil {
				return err
			}
			changes = append(changes, change{l.NSN, bal, l.Counted})
			if bal == l.Counted {
				continue
			}
			if reason == "" {
				errs.Add("reason", "the count of %s (%d) differs from the balance (%d): give the reason", l.NSN, l.Counted, bal)
				continue
			}
			d := l.Counted - bal
			dm, err := item.MassOf(d)
			if err != nil {
				errs.Add(fmt.Sprintf("lines[%d].counted", i), "the change of %d of %s %v", d, l.NSN, err)
				continue
			}
			e := StockEvent{Site: site, NSN: l.NSN, Delta: d, MassG: dm, Kind: "count", At: tx.Now(), Reason: reason, Actor: access.ActorName(ctx)}
			res.Adjustments = append(res.Adjustments, e)
		}
		if err := errs.Err(); err != nil {
			return err
		}
		for _, e := range res.Adjustments {
			if err := tx.MoveStock(ctx, e); err != nil {
				return err
			}
		}
		res.Counted = len(changes)
		return tx.Audit(ctx, audit.Record{Action: "hub.count", Entity: "hub", EntityID: site, After: struct {
			Lines  []change `json:"lines"`
			Reason string   `json:"reason,omitempty"`
		}{changes, reason}})
	})
	return res, err
}
