package logistics_test

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
)

// world is an in-memory network, ledger and set of shipments for the
// logistics rules: a use case works on a copy, which replaces the world
// only when the use case returns nil, so that it commits all or nothing
// as the real store does. Like the store it writes a shipment's received
// quantities only once the shipment is received; unlike it, it does not
// check a pledge line's quantity order, so that the tests see the use
// cases keep it themselves.
type world struct {
	now           time.Time
	nations       map[string]catalog.Nation
	sites         map[string]catalog.Site
	items         map[string]catalog.Item
	hubs          map[string]logistics.Hub // limits set; other hubs have none
	links         map[int64]logistics.Link
	requirements  map[int64]assist.Requirement
	pledges       map[int64]assist.Pledge
	allocations   map[int64]assist.Allocation
	shipments     map[int64]logistics.Shipment
	custody       map[int64][]logistics.CustodyEvent
	discrepancies map[int64]logistics.Discrepancy
	stock         map[string]int64 // "site nsn" → balance
	stockEvents   []logistics.StockEvent
	audit         []audit.Record
	seq           int64
}

func (w *world) copy() *world {
	c := *w
	c.sites, c.hubs, c.links = maps.Clone(w.sites), maps.Clone(w.hubs), maps.Clone(w.links)
	c.requirements, c.allocations, c.discrepancies = maps.Clone(w.requirements), maps.Clone(w.allocations), maps.Clone(w.discrepancies)
	c.stock, c.stockEvents, c.audit = maps.Clone(w.stock), slices.Clone(w.stockEvents), slices.Clone(w.audit)
	c.pledges = map[int64]assist.Pledge{}
	for id, p := range w.pledges {
		p.Lines = slices.Clone(p.Lines)
		c.pledges[id] = p
	}
	c.shipments = map[int64]logistics.Shipment{}
	for id, s := range w.shipments {
		c.shipments[id] = deep(s)
	}
	c.custody = map[int64][]logistics.CustodyEvent{}
	for id, e := range w.custody {
		c.custody[id] = slices.Clone(e)
	}
	return &c
}

func deep(s logistics.Shipment) logistics.Shipment {
	s.Legs, s.Lines, s.ReleasableTo = slices.Clone(s.Legs), slices.Clone(s.Lines), slices.Clone(s.ReleasableTo)
	return s
}

func (w *world) next() int64 { w.seq++; return w.seq }

// actions lists the audit events written, in order.
func (w *world) actions() []string {
	out := []string{}
	for _, r := range w.audit {
		out = append(out, r.Action)
	}
	return out
}

// db runs a use case on a copy of the world, as a transaction would.
type db struct{ w *world }

func (d db) Transact(ctx context.Context, fn func(logistics.Tx) error) error {
	c := d.w.copy()
	if err := fn(&wtx{w: c}); err != nil {
		return err
	}
	*d.w = *c
	return nil
}

// wtx implements logistics.Tx, and the ledger's assist.Tx within it, over
// a world; the ledger's methods that no logistics use case calls (creating
// requirements and pledges, looking up groups) are left to the nil
// embedded interface.
type wtx struct {
	assist.Tx
	w *world
}

// lookup returns m[k], or a not-found error saying what is missing.
func lookup[K comparable, V any](m map[K]V, k K, what string) (V, error) {
	v, ok := m[k]
	if !ok {
		return v, fault.Errorf(fault.NotFound, "no %s %v", what, k)
	}
	return v, nil
}

// stale is the conflict of an update at a version that is not the stored one.
func stale(what string, have, want int64) error {
	if have != want {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", what, want)
	}
	return nil
}

// put writes *v as m[k] if the stored version have is the version want
// the caller read, and sets *version, v's own, to the next.
func put[K comparable, V any](m map[K]V, k K, v *V, version *int64, have, want int64, what string) error {
	if err := stale(what, have, want); err != nil {
		return err
	}
	*version = want + 1
	m[k] = *v
	return nil
}

func (tx *wtx) Now() time.Time { return tx.w.now }

func (tx *wtx) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	return lookup(tx.w.nations, code, "nation")
}

func (tx *wtx) Site(ctx context.Context, code string) (catalog.Site, error) {
	return lookup(tx.w.sites, code, "site")
}

func (tx *wtx) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	return lookup(tx.w.items, nsn, "item")
}

func (tx *wtx) Requirement(ctx context.Context, id int64) (assist.Requirement, error) {
	return lookup(tx.w.requirements, id, "requirement")
}

func (tx *wtx) UpdateRequirement(ctx context.Context, r *assist.Requirement, version int64) error {
	return put(tx.w.requirements, r.ID, r, &r.Version, tx.w.requirements[r.ID].Version, version, r.Ref())
}

func (tx *wtx) Pledge(ctx context.Context, id int64) (assist.Pledge, error) {
	p, err := lookup(tx.w.pledges, id, "pledge")
	p.Lines = slices.Clone(p.Lines)
	return p, err
}

func (tx *wtx) UpdatePledge(ctx context.Context, p *assist.Pledge, version int64) error {
	if err := stale(p.Ref(), tx.w.pledges[p.ID].Version, version); err != nil {
		return err
	}
	p.Version = version + 1
	q := *p
	q.Lines = slices.Clone(p.Lines)
	tx.w.pledges[p.ID] = q
	return nil
}

func (tx *wtx) allocationsWhere(keep func(assist.Allocation) bool) []assist.Allocation {
	var out []assist.Allocation
	for _, id := range slices.Sorted(maps.Keys(tx.w.allocations)) {
		if a := tx.w.allocations[id]; keep(a) {
			out = append(out, a)
		}
	}
	return out
}

func (tx *wtx) LineAllocations(ctx context.Context, lineID int64) ([]assist.Allocation, error) {
	return tx.allocationsWhere(func(a assist.Allocation) bool { return a.LineID == lineID }), nil
}

func (tx *wtx) RequirementAllocations(ctx context.Context, reqID int64) ([]assist.Allocation, error) {
	return tx.allocationsWhere(func(a assist.Allocation) bool { return a.Requirement == reqID }), nil
}

func (tx *wtx) SaveAllocation(ctx context.Context, a *assist.Allocation) error {
	if a.ID == 0 {
		a.ID = tx.w.next()
	}
	tx.w.allocations[a.ID] = *a
	return nil
}

func (tx *wtx) Audit(ctx context.Context, r audit.Record) error {
	tx.w.audit = append(tx.w.audit, r)
	return nil
}

func (tx *wtx) UpdateSite(ctx context.Context, s *catalog.Site) error {
	tx.w.sites[s.Code] = *s
	return nil
}

func (tx *wtx) CreateSite(ctx context.Context, s *catalog.Site) error {
	if _, ok := tx.w.sites[s.Code]; ok {
		return fault.Errorf(fault.Conflict, "site %s already exists", s.Code)
	}
	tx.w.sites[s.Code] = *s
	return nil
}

func (tx *wtx) Network(ctx context.Context) (logistics.Network, error) {
	n := logistics.Network{Sites: maps.Clone(tx.w.sites), Hubs: map[string]logistics.Hub{}}
	for code, s := range tx.w.sites {
		if s.HasKind("logistics_hub") {
			n.Hubs[code], _ = tx.Hub(ctx, code)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(tx.w.links)) {
		n.Links = append(n.Links, tx.w.links[id])
	}
	return n, nil
}

func (tx *wtx) Hub(ctx context.Context, site string) (logistics.Hub, error) {
	s, ok := tx.w.sites[site]
	if !ok || !s.HasKind("logistics_hub") {
		return logistics.Hub{}, fault.Errorf(fault.NotFound, "no logistics hub %q", site)
	}
	if h, ok := tx.w.hubs[site]; ok {
		return h, nil
	}
	return logistics.Hub{Site: site, Name: s.Name, Nation: s.Nation, DwellHours: logistics.DefaultDwellHours}, nil
}

func (tx *wtx) SaveHub(ctx context.Context, h *logistics.Hub, version int64) error {
	return put(tx.w.hubs, h.Site, h, &h.Version, tx.w.hubs[h.Site].Version, version, "hub "+h.Site)
}

func (tx *wtx) Link(ctx context.Context, id int64) (logistics.Link, error) {
	return lookup(tx.w.links, id, "link")
}

func (tx *wtx) LinkBetween(ctx context.Context, from, to, mode string) (logistics.Link, error) {
	for _, l := range tx.w.links {
		if l.From == from && l.To == to && l.Mode == mode {
			return l, nil
		}
	}
	return logistics.Link{}, fault.Errorf(fault.NotFound, "no %s link from %s to %s", mode, from, to)
}

func (tx *wtx) CreateLink(ctx context.Context, l *logistics.Link) error {
	l.ID, l.Version = tx.w.next(), 1
	tx.w.links[l.ID] = *l
	return nil
}

func (tx *wtx) UpdateLink(ctx context.Context, l *logistics.Link, version int64) error {
	return put(tx.w.links, l.ID, l, &l.Version, tx.w.links[l.ID].Version, version, "link "+l.Ref())
}

func (tx *wtx) Allocation(ctx context.Context, id int64) (assist.Allocation, error) {
	return lookup(tx.w.allocations, id, "allocation")
}

func (tx *wtx) Reserved(ctx context.Context, allocation int64) (int64, error) {
	var n int64
	for _, s := range tx.w.shipments {
		for _, l := range s.Lines {
			if s.State == logistics.Planned && l.Allocation == allocation {
				n += l.Quantity
			}
		}
	}
	return n, nil
}

func (tx *wtx) Shipment(ctx context.Context, id int64) (logistics.Shipment, error) {
	s, err := lookup(tx.w.shipments, id, "shipment")
	return deep(s), err
}

func (tx *wtx) CreateShipment(ctx context.Context, s *logistics.Shipment) error {
	s.ID, s.Version = tx.w.next(), 1
	tx.w.shipments[s.ID] = deep(*s)
	return nil
}

func (tx *wtx) UpdateShipment(ctx context.Context, s *logistics.Shipment, version int64) error {
	old := tx.w.shipments[s.ID]
	if err := stale(s.Ref(), old.Version, version); err != nil {
		return err
	}
	s.Version = version + 1
	n := deep(*s)
	if s.State != logistics.Received {
		// As the store: the lines' received are written only with the receipt.
		n.Lines = slices.Clone(old.Lines)
	}
	tx.w.shipments[s.ID] = n
	return nil
}

func (tx *wtx) Custody(ctx context.Context, shipment int64) ([]logistics.CustodyEvent, error) {
	return slices.Clone(tx.w.custody[shipment]), nil
}

func (tx *wtx) AddCustody(ctx context.Context, shipment int64, e *logistics.CustodyEvent) error {
	e.No = len(tx.w.custody[shipment]) + 1
	tx.w.custody[shipment] = append(tx.w.custody[shipment], *e)
	return nil
}

func (tx *wtx) CreateDiscrepancy(ctx context.Context, d *logistics.Discrepancy) error {
	d.ID, d.Version = tx.w.next(), 1
	tx.w.discrepancies[d.ID] = *d
	return nil
}

func (tx *wtx) Discrepancy(ctx context.Context, id int64) (logistics.Discrepancy, error) {
	d, err := lookup(tx.w.discrepancies, id, "discrepancy")
	if err == nil {
		s := tx.w.shipments[d.Shipment]
		d.Nation, d.Marking = s.Nation, s.Marking
	}
	return d, err
}

func (tx *wtx) UpdateDiscrepancy(ctx context.Context, d *logistics.Discrepancy, version int64) error {
	return put(tx.w.discrepancies, d.ID, d, &d.Version, tx.w.discrepancies[d.ID].Version, version, d.Ref())
}

func (tx *wtx) StockLevel(ctx context.Context, site, nsn string) (int64, error) {
	return tx.w.stock[site+" "+nsn], nil
}

func (tx *wtx) MoveStock(ctx context.Context, e logistics.StockEvent) error {
	tx.w.stockEvents = append(tx.w.stockEvents, e)
	tx.w.stock[e.Site+" "+e.NSN] += e.Delta
	return nil
}

// The world every test starts from, at t0. Germany's pledge P-00010 waits
// at its depot Grafenwöhr: 40 rounds allocated to R-00001 (allocation 30)
// and 10 of another round to R-00002 (allocation 33), both delivered at
// Lviv. Poland's P-00020 names no depot: 20 rounds for R-00001
// (allocation 31). Germany's P-00050, released to Germany only, has 10
// for R-00001 (allocation 32). The way from Grafenwöhr to Lviv passes the
// hub at Rzeszów, where goods wait 6 hours, or the hub at Jasionka, whose
// limits were never set.
const (
	nsn155   = "1320-12-345-6789"
	nsnAlt   = "1320-12-345-0001"
	graf     = "DE-GRAF" // German depot
	burg     = "DE-BURG" // another German depot
	nowa     = "PL-NOWA" // Polish depot
	rze      = "PL-RZE"  // Polish hub, limits set
	jas      = "PL-JAS"  // Polish hub, no limits set
	lviv     = "UA-LVIV" // delivery point
	kyiv     = "UA-KYIV" // delivery point
	roadGraf = 1         // graf → rze, road, 24 h
	railGraf = 6         // graf → rze, rail, 30 h
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// at is t0 plus h hours.
func at(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

var (
	coordinator  = access.Identity{Name: "nsatu", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "session"}
	deuOfficer   = access.Identity{Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Confidential, Via: "session"}
	polOfficer   = access.Identity{Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Confidential, Via: "session"}
	ukrOfficer   = access.Identity{Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Confidential, Via: "session"}
	rzeOperator  = access.Identity{Name: "rze", Site: rze, Roles: []access.Role{access.HubOperator}, Clearance: access.Confidential, Via: "session"}
	lvivOperator = access.Identity{Name: "lviv", Site: lviv, Roles: []access.Role{access.HubOperator}, Clearance: access.Confidential, Via: "session"}
	analyst      = access.Identity{Name: "jatec", Roles: []access.Role{access.Analyst}, Clearance: access.Secret, Via: "session"}
)

func as(id access.Identity) context.Context { return access.WithIdentity(context.Background(), id) }

func newWorld() *world {
	site := func(code, nation string, kinds ...string) catalog.Site {
		return catalog.Site{Code: code, Name: code, Nation: nation, Kinds: kinds}
	}
	link := func(id int64, from, to, mode string, hours int64) logistics.Link {
		return logistics.Link{ID: id, From: from, To: to, Mode: mode, TransitHours: hours, Version: 1}
	}
	req := func(id int64, nsn string, q, alloc int64) assist.Requirement {
		r := assist.Requirement{ID: id, NSN: nsn, Quantity: q, Priority: 1, NeedBy: "2025-06-01", DeliverySite: lviv, Allocated: alloc, Version: 1}
		r.Derive()
		return r
	}
	w := &world{
		now: at(48),
		nations: map[string]catalog.Nation{
			"DEU": {Code: "DEU", Role: catalog.RoleAlly}, "POL": {Code: "POL", Role: catalog.RoleAlly}, "UKR": {Code: "UKR", Role: catalog.RoleRecipient},
		},
		sites: map[string]catalog.Site{
			graf: site(graf, "DEU", "donor_depot"), burg: site(burg, "DEU", "donor_depot"), nowa: site(nowa, "POL", "donor_depot"),
			rze: site(rze, "POL", "logistics_hub"), jas: site(jas, "POL", "logistics_hub"),
			lviv: site(lviv, "UKR", "delivery_point"), kyiv: site(kyiv, "UKR", "delivery_point"),
		},
		items: map[string]catalog.Item{
			nsn155: {NSN: nsn155, Name: "155 mm HE", UnitValue: 400000, MassG: 45000, Group: "155mm"},
			nsnAlt: {NSN: nsnAlt, Name: "155 mm HE (alt)", UnitValue: 350000, MassG: 44000, Group: "155mm"},
		},
		hubs: map[string]logistics.Hub{rze: {Site: rze, Name: rze, Nation: "POL", DwellHours: 6, Version: 1, Configured: true}},
		links: map[int64]logistics.Link{
			roadGraf: link(roadGraf, graf, rze, "road", 24), 2: link(2, rze, lviv, "road", 12), 3: link(3, burg, rze, "road", 20),
			4: link(4, rze, kyiv, "rail", 30), 5: link(5, nowa, rze, "road", 6), railGraf: link(railGraf, graf, rze, "rail", 30),
			7: link(7, graf, jas, "road", 24), 8: link(8, jas, lviv, "road", 12),
		},
		requirements: map[int64]assist.Requirement{1: req(1, nsn155, 100, 70), 2: req(2, nsnAlt, 10, 10)},
		pledges: map[int64]assist.Pledge{
			10: {ID: 10, Nation: "DEU", Title: "155 mm", Depot: graf, Version: 1, Lines: []assist.Line{
				{ID: 11, No: 1, NSN: nsn155, UnitValue: 400000, Pledged: 100, Committed: 80, Allocated: 40},
				{ID: 12, No: 2, NSN: nsnAlt, UnitValue: 350000, Pledged: 10, Committed: 10, Allocated: 10},
			}},
			20: {ID: 20, Nation: "POL", Title: "155 mm", Version: 1, Lines: []assist.Line{{ID: 21, No: 1, NSN: nsn155, UnitValue: 400000, Pledged: 50, Committed: 50, Allocated: 20}}},
			50: {ID: 50, Nation: "DEU", Title: "155 mm, DEU eyes only", Depot: graf, Version: 1, Marking: access.Marking{ReleasableTo: access.Releasability{"DEU"}},
				Lines: []assist.Line{{ID: 51, No: 1, NSN: nsn155, UnitValue: 400000, Pledged: 10, Committed: 10, Allocated: 10}}},
		},
		allocations: map[int64]assist.Allocation{
			30: {ID: 30, PledgeID: 10, LineID: 11, Requirement: 1, Quantity: 40, Nation: "DEU"},
			33: {ID: 33, PledgeID: 10, LineID: 12, Requirement: 2, Quantity: 10, Nation: "DEU"},
			31: {ID: 31, PledgeID: 20, LineID: 21, Requirement: 1, Quantity: 20, Nation: "POL"},
			32: {ID: 32, PledgeID: 50, LineID: 51, Requirement: 1, Quantity: 10, Nation: "DEU"},
		},
		shipments:     map[int64]logistics.Shipment{},
		custody:       map[int64][]logistics.CustodyEvent{},
		discrepancies: map[int64]logistics.Discrepancy{},
		stock:         map[string]int64{},
		seq:           100,
	}
	return w
}
