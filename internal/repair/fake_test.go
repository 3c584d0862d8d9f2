package repair_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/accounts/accountstest"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
)

// memory is an in-memory repair register for the domain's rules: what a
// use case wrote is kept only when its transaction commits.
type memory struct {
	now           time.Time
	sites         map[string]catalog.Site
	items         map[string]catalog.Item
	nations       []string
	pieces        map[int64]repair.Equipment
	orders        map[int64]repair.Order
	facilities    map[string]repair.RepairFacility
	requirements  []assist.Requirement
	parts         [][2]int64
	contributions []accounts.Contribution
	shipments     []logistics.Shipment
	events        []repair.Event
	orderEvents   []string
	audit         []audit.Record
	links         []logistics.Link
	fingerprint   string // of the plan's inputs
	racing        int64  // a piece someone else changes before each write
	nextID        int64
}

func (m *memory) clone() *memory {
	c := *m
	c.pieces, c.orders, c.facilities = maps.Clone(m.pieces), maps.Clone(m.orders), maps.Clone(m.facilities)
	c.requirements, c.parts, c.contributions = slices.Clone(m.requirements), slices.Clone(m.parts), slices.Clone(m.contributions)
	c.shipments, c.events, c.orderEvents, c.audit = slices.Clone(m.shipments), slices.Clone(m.events), slices.Clone(m.orderEvents), slices.Clone(m.audit)
	return &c
}

func (m *memory) id() int64 { m.nextID++; return m.nextID }

// actions lists the audit events written, in order.
func (m *memory) actions() []string {
	var out []string
	for _, r := range m.audit {
		out = append(out, r.Action)
	}
	return out
}

// store runs a use case on a copy of the memory and keeps the copy only
// when the use case succeeds, as a transaction would.
type store struct{ m *memory }

func (s store) Transact(ctx context.Context, fn func(repair.Tx) error) error {
	w := s.m.clone()
	if err := fn(&tx{m: w}); err != nil {
		return err
	}
	*s.m = *w
	return nil
}

// tx implements repair.Tx over memory; the ledger's and the network's
// methods that no repair use case calls are left to the nil embedded
// interface.
type tx struct {
	logistics.Tx
	m *memory
}

func conflict(what string, version int64) error {
	return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", what, version)
}

func (t *tx) Now() time.Time { return t.m.now }

func (t *tx) Nation(_ context.Context, code string) (catalog.Nation, error) {
	if !slices.Contains(t.m.nations, strings.ToUpper(code)) {
		return catalog.Nation{}, fault.Errorf(fault.NotFound, "no nation %s", code)
	}
	return catalog.Nation{Code: strings.ToUpper(code)}, nil
}

func (t *tx) Site(_ context.Context, code string) (catalog.Site, error) {
	s, ok := t.m.sites[strings.ToUpper(code)]
	if !ok {
		return s, fault.Errorf(fault.NotFound, "no site %s", code)
	}
	return s, nil
}

func (t *tx) Item(_ context.Context, nsn string) (catalog.Item, error) {
	it, ok := t.m.items[nsn]
	if !ok {
		return it, fault.Errorf(fault.NotFound, "no item %s", nsn)
	}
	return it, nil
}

func (t *tx) GroupExists(_ context.Context, group string) (bool, error) {
	for _, it := range t.m.items {
		if it.Group == group {
			return true, nil
		}
	}
	return false, nil
}

func (t *tx) CreateRequirement(_ context.Context, r *assist.Requirement) error {
	r.ID, r.Version = t.m.id(), 1
	t.m.requirements = append(t.m.requirements, *r)
	return nil
}

func (t *tx) Network(context.Context) (logistics.Network, error) {
	return logistics.Network{Sites: t.m.sites, Hubs: map[string]logistics.Hub{}, Links: t.m.links}, nil
}

func (t *tx) CreateShipment(_ context.Context, s *logistics.Shipment) error {
	s.ID, s.Version = t.m.id(), 1
	t.m.shipments = append(t.m.shipments, *s)
	return nil
}

func (t *tx) Audit(_ context.Context, r audit.Record) error {
	t.m.audit = append(t.m.audit, r)
	return nil
}

func (t *tx) Piece(_ context.Context, id int64) (repair.Equipment, error) {
	e, ok := t.m.pieces[id]
	if !ok {
		return e, fault.Errorf(fault.NotFound, "no equipment E-%05d", id)
	}
	return e, nil
}

func (t *tx) PieceBySerial(_ context.Context, nsn, serial string) (repair.Equipment, error) {
	for _, e := range t.m.pieces {
		if e.NSN == nsn && e.Serial == serial {
			return e, nil
		}
	}
	return repair.Equipment{}, fault.Errorf(fault.NotFound, "no equipment %s", serial)
}

func (t *tx) CreatePiece(_ context.Context, e *repair.Equipment) error {
	e.ID = t.m.id()
	t.m.pieces[e.ID] = *e
	return nil
}

func (t *tx) SavePiece(_ context.Context, e *repair.Equipment, version int64) error {
	if e.ID == t.m.racing {
		p := t.m.pieces[e.ID]
		p.Version++
		t.m.pieces[e.ID] = p
	}
	if t.m.pieces[e.ID].Version != version {
		return conflict(e.Ref(), version)
	}
	e.Version, e.UpdatedAt = version+1, t.m.now
	t.m.pieces[e.ID] = *e
	return nil
}

func (t *tx) PieceEvent(_ context.Context, ev repair.Event) error {
	t.m.events = append(t.m.events, ev)
	return nil
}

func (t *tx) Order(_ context.Context, id int64) (repair.Order, error) {
	o, ok := t.m.orders[id]
	if !ok {
		return o, fault.Errorf(fault.NotFound, "no repair order RO-%05d", id)
	}
	return o, nil
}

func (t *tx) OpenOrder(_ context.Context, equipment int64) (repair.Order, error) {
	for _, o := range t.m.orders {
		if o.Equipment == equipment && o.Open() {
			return o, nil
		}
	}
	return repair.Order{}, fault.Errorf(fault.NotFound, "no open order")
}

func (t *tx) CreateOrder(_ context.Context, o *repair.Order) error {
	o.ID = t.m.id()
	t.m.orders[o.ID] = *o
	return nil
}

func (t *tx) SaveOrder(_ context.Context, o *repair.Order, version int64) error {
	if t.m.orders[o.ID].Version != version {
		return conflict(o.Ref(), version)
	}
	o.Version, o.UpdatedAt = version+1, t.m.now
	t.m.orders[o.ID] = *o
	return nil
}

func (t *tx) OrderEvent(_ context.Context, order int64, state, note string) error {
	t.m.orderEvents = append(t.m.orderEvents, fmt.Sprintf("RO-%05d %s %s", order, state, note))
	return nil
}

func (t *tx) AddPart(_ context.Context, order, requirement int64) error {
	t.m.parts = append(t.m.parts, [2]int64{order, requirement})
	return nil
}

func (t *tx) Facility(_ context.Context, site string) (repair.RepairFacility, error) {
	f, ok := t.m.facilities[site]
	if !ok {
		return f, fault.Errorf(fault.NotFound, "no repair facility %s", site)
	}
	return f, nil
}

func (t *tx) InRepair(_ context.Context, site string) (int, error) {
	n := 0
	for _, o := range t.m.orders {
		if o.Facility == site && o.AtFacility() {
			n++
		}
	}
	return n, nil
}

func (t *tx) CreateFacility(_ context.Context, f *repair.RepairFacility) error {
	if _, ok := t.m.facilities[f.Site]; ok {
		return fault.Errorf(fault.Conflict, "repair facility %s exists already", f.Site)
	}
	f.Version = 1
	t.m.facilities[f.Site] = *f
	return nil
}

func (t *tx) UpdateFacility(_ context.Context, f *repair.RepairFacility, version int64) error {
	if t.m.facilities[f.Site].Version != version {
		return conflict("repair facility "+f.Site, version)
	}
	f.Version = version + 1
	t.m.facilities[f.Site] = *f
	return nil
}

func (t *tx) Accounts() accounts.Tx {
	return accountstest.Credit{Clock: t.Now, Audited: t.Audit, Saved: func(k *accounts.Contribution) {
		k.ID = t.m.id()
		t.m.contributions = append(t.m.contributions, *k)
	}}
}

func (t *tx) PlanInput(context.Context, time.Time, int) (repair.PlanInput, string, error) {
	return repair.PlanInput{}, t.m.fingerprint, nil
}

// Fixtures: Kyiv (a delivery point), Gliwice (a repair facility for
// Stingers with one slot), Jonava (another facility) and Lviv (neither).
const (
	stinger = "1410-01-234-5678"
	kyiv    = "UA-KYIV"
	gli     = "PL-GLI"
	jon     = "LT-JON"
	lviv    = "UA-LVIV"
)

var day = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newMemory() *memory {
	return &memory{
		now: day,
		sites: map[string]catalog.Site{
			kyiv: {Code: kyiv, Name: "Kyiv", Nation: "UKR", Kinds: []string{"delivery_point"}},
			gli:  {Code: gli, Name: "Gliwice", Nation: "POL", Kinds: []string{"repair_facility"}},
			jon:  {Code: jon, Name: "Jonava", Nation: "LTU", Kinds: []string{"repair_facility"}},
			lviv: {Code: lviv, Name: "Lviv", Nation: "UKR"},
		},
		items:      map[string]catalog.Item{stinger: {NSN: stinger, Name: "Stinger"}},
		nations:    []string{"UKR", "USA", "POL", "LTU", "DEU"},
		pieces:     map[int64]repair.Equipment{},
		orders:     map[int64]repair.Order{},
		facilities: map[string]repair.RepairFacility{gli: {Site: gli, Name: "Gliwice", Nation: "POL", Slots: 1, Competences: []repair.Competence{{Target: stinger, Days: 14}}, Version: 1}},
		links: []logistics.Link{
			{ID: 1, From: kyiv, To: gli, Mode: "road", TransitHours: 30},
			{ID: 2, From: gli, To: kyiv, Mode: "road", TransitHours: 30},
		},
		fingerprint: "fp-1",
		nextID:      100,
	}
}

// piece adds a piece in state, with an order in orderState (none when
// empty) at facility, and returns the piece's and the order's ids.
func (m *memory) piece(state, orderState, severity, facility string) (int64, int64) {
	e := repair.Equipment{ID: m.id(), NSN: stinger, ItemName: "Stinger", Serial: fmt.Sprintf("ST-%d", m.nextID), Donor: "USA", Location: kyiv, State: state, Version: 1}
	m.pieces[e.ID] = e
	if orderState == "" {
		return e.ID, 0
	}
	o := repair.Order{ID: m.id(), Equipment: e.ID, NSN: stinger, ItemName: "Stinger", Serial: e.Serial, Donor: "USA", Fault: "seeker", Severity: severity,
		Priority: 1, Location: kyiv, State: orderState, Facility: facility, Version: 3}
	m.orders[o.ID] = o
	return e.ID, o.ID
}

var (
	system      = access.System.Named("test")
	coordinator = access.Identity{UserID: 1, Name: "coord", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "token"}
	gliManager  = access.Identity{UserID: 2, Name: "gli", Nation: "POL", Roles: []access.Role{access.FacilityManager}, Site: gli, Clearance: access.Restricted, Via: "token"}
	jonManager  = access.Identity{UserID: 3, Name: "jon", Nation: "LTU", Roles: []access.Role{access.FacilityManager}, Site: jon, Clearance: access.Restricted, Via: "token"}
	ukrOfficer  = access.Identity{UserID: 4, Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Restricted, Via: "token"}
	usaOfficer  = access.Identity{UserID: 5, Name: "usa", Nation: "USA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"}
)

func as(id access.Identity) context.Context { return access.WithIdentity(context.Background(), id) }
