package assist_test

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
)

// ledger is an in-memory assistance ledger for the use cases' rules: what
// a use case wrote is kept only when its transaction commits. Unlike the
// real store it does not check a line's quantity order on write, so that
// the tests see the use cases keep it themselves.
type ledger struct {
	now          time.Time
	nations      map[string]catalog.Nation
	sites        map[string]catalog.Site
	items        map[string]catalog.Item
	requirements map[int64]assist.Requirement
	pledges      map[int64]assist.Pledge
	allocations  map[int64]assist.Allocation
	audit        []audit.Record
	// moved makes every update find that someone else changed the record
	// since it was read; requirementMoved, only an update of a requirement,
	// which a use case writes after the pledge.
	moved, requirementMoved bool
	nextID                  int64
}

func (l *ledger) clone() *ledger {
	c := *l
	c.requirements, c.allocations = maps.Clone(l.requirements), maps.Clone(l.allocations)
	c.pledges = map[int64]assist.Pledge{}
	for id, p := range l.pledges {
		c.pledges[id] = copyPledge(p)
	}
	c.audit = slices.Clone(l.audit)
	return &c
}

func copyPledge(p assist.Pledge) assist.Pledge {
	p.Lines = slices.Clone(p.Lines)
	p.Payments = slices.Clone(p.Payments)
	p.Revaluations = slices.Clone(p.Revaluations)
	p.ReleasableTo = slices.Clone(p.ReleasableTo)
	return p
}

func (l *ledger) id() int64 { l.nextID++; return l.nextID }

// actions lists the audit events written, in order.
func (l *ledger) actions() []string {
	var out []string
	for _, r := range l.audit {
		out = append(out, r.Action)
	}
	return out
}

// books runs a use case on a copy of the ledger and keeps the copy only
// when the use case succeeds, as a transaction would.
type books struct{ l *ledger }

func (b books) Transact(ctx context.Context, fn func(assist.Tx) error) error {
	w := b.l.clone()
	if err := fn(&ledgerTx{l: w}); err != nil {
		return err
	}
	*b.l = *w
	return nil
}

// ledgerTx implements assist.Tx over a ledger.
type ledgerTx struct{ l *ledger }

func (tx *ledgerTx) Now() time.Time { return tx.l.now }

func (tx *ledgerTx) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	n, ok := tx.l.nations[code]
	if !ok {
		return n, fault.Errorf(fault.NotFound, "no nation %q", code)
	}
	return n, nil
}

func (tx *ledgerTx) Site(ctx context.Context, code string) (catalog.Site, error) {
	s, ok := tx.l.sites[code]
	if !ok {
		return s, fault.Errorf(fault.NotFound, "no site %q", code)
	}
	return s, nil
}

func (tx *ledgerTx) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	it, ok := tx.l.items[nsn]
	if !ok {
		return it, fault.Errorf(fault.NotFound, "no item with NSN %s", nsn)
	}
	return it, nil
}

func (tx *ledgerTx) GroupExists(ctx context.Context, group string) (bool, error) {
	for _, it := range tx.l.items {
		if it.Group == group {
			return true, nil
		}
	}
	return false, nil
}

func (tx *ledgerTx) Requirement(ctx context.Context, id int64) (assist.Requirement, error) {
	r, ok := tx.l.requirements[id]
	if !ok {
		return r, fault.Errorf(fault.NotFound, "no requirement %d", id)
	}
	return r, nil
}

func (tx *ledgerTx) CreateRequirement(ctx context.Context, r *assist.Requirement) error {
	if r.ID == 0 {
		r.ID = tx.l.id()
	} else if _, taken := tx.l.requirements[r.ID]; taken {
		return fault.Errorf(fault.Conflict, "%s exists", r.Ref())
	}
	r.Version = 1
	tx.l.requirements[r.ID] = *r
	return nil
}

func (tx *ledgerTx) UpdateRequirement(ctx context.Context, r *assist.Requirement, version int64) error {
	old, ok := tx.l.requirements[r.ID]
	if !ok || old.Version != version || tx.l.moved || tx.l.requirementMoved {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", r.Ref(), version)
	}
	r.Version = version + 1
	tx.l.requirements[r.ID] = *r
	return nil
}

func (tx *ledgerTx) Pledge(ctx context.Context, id int64) (assist.Pledge, error) {
	p, ok := tx.l.pledges[id]
	if !ok {
		return p, fault.Errorf(fault.NotFound, "no pledge %d", id)
	}
	return copyPledge(p), nil
}

func (tx *ledgerTx) CreatePledge(ctx context.Context, p *assist.Pledge) error {
	if p.ID == 0 {
		p.ID = tx.l.id()
	} else if _, taken := tx.l.pledges[p.ID]; taken {
		return fault.Errorf(fault.Conflict, "%s exists", p.Ref())
	}
	p.Version = 1
	for i := range p.Lines {
		p.Lines[i].ID = tx.l.id()
	}
	tx.l.pledges[p.ID] = copyPledge(*p)
	return nil
}

func (tx *ledgerTx) UpdatePledge(ctx context.Context, p *assist.Pledge, version int64) error {
	old, ok := tx.l.pledges[p.ID]
	if !ok || old.Version != version || tx.l.moved {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", p.Ref(), version)
	}
	p.Version = version + 1
	tx.l.pledges[p.ID] = copyPledge(*p)
	return nil
}

// allocs returns the allocations that keep, oldest first, with the line's
// number and the pledge's nation as the store reads them.
func (tx *ledgerTx) allocs(keep func(assist.Allocation) bool) []assist.Allocation {
	var out []assist.Allocation
	for _, id := range slices.Sorted(maps.Keys(tx.l.allocations)) {
		a := tx.l.allocations[id]
		if !keep(a) {
			continue
		}
		p := tx.l.pledges[a.PledgeID]
		for _, pl := range p.Lines {
			if pl.ID == a.LineID {
				a.LineNo = pl.No
			}
		}
		a.Nation = p.Nation
		out = append(out, a)
	}
	return out
}

func (tx *ledgerTx) LineAllocations(ctx context.Context, lineID int64) ([]assist.Allocation, error) {
	return tx.allocs(func(a assist.Allocation) bool { return a.LineID == lineID }), nil
}

func (tx *ledgerTx) RequirementAllocations(ctx context.Context, reqID int64) ([]assist.Allocation, error) {
	return tx.allocs(func(a assist.Allocation) bool { return a.Requirement == reqID }), nil
}

func (tx *ledgerTx) SaveAllocation(ctx context.Context, a *assist.Allocation) error {
	if a.ID == 0 {
		a.ID = tx.l.id()
	}
	tx.l.allocations[a.ID] = *a
	return nil
}

func (tx *ledgerTx) AddPayment(ctx context.Context, pledge int64, pay *assist.Payment) error {
	p, ok := tx.l.pledges[pledge]
	if !ok {
		return fault.Errorf(fault.NotFound, "no pledge %d", pledge)
	}
	pay.ID = tx.l.id()
	p.Payments = append(slices.Clone(p.Payments), *pay)
	tx.l.pledges[pledge] = p
	return nil
}

func (tx *ledgerTx) AddRevaluation(ctx context.Context, pledge int64, r *assist.Revaluation) error {
	p, ok := tx.l.pledges[pledge]
	if !ok {
		return fault.Errorf(fault.NotFound, "no pledge %d", pledge)
	}
	r.ID = tx.l.id()
	p.Revaluations = append(slices.Clone(p.Revaluations), *r)
	tx.l.pledges[pledge] = p
	return nil
}

func (tx *ledgerTx) Audit(ctx context.Context, r audit.Record) error {
	tx.l.audit = append(tx.l.audit, r)
	return nil
}

// The ledger every test starts from: Germany pledges 100 rounds of 155 mm
// at its depot, 80 of them committed; Poland pledges 50; Ukraine needs 60
// rounds of 155 mm at Rzeszów-side delivery point UA-LVIV.
const (
	nsn155   = "1320-12-345-6789" // 155 mm round, group 155mm
	nsnAlt   = "1320-12-345-0001" // another 155 mm round
	nsnMine  = "1345-12-000-0002" // a mine: no group
	deuDepot = "DE-GRAF"
	polDepot = "PL-NOWA"
	lviv     = "UA-LVIV"
	hub      = "PL-RZE"
)

var (
	coordinator = access.Identity{Name: "nsatu", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "session"}
	deuOfficer  = access.Identity{Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Confidential, Via: "session"}
	polOfficer  = access.Identity{Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Confidential, Via: "session"}
	ukrOfficer  = access.Identity{Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Confidential, Via: "session"}
	analyst     = access.Identity{Name: "jatec", Roles: []access.Role{access.Analyst}, Clearance: access.Secret, Via: "session"}
	lowOfficer  = access.Identity{Name: "deu-low", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Unclassified, Via: "session"}
)

func as(id access.Identity) context.Context { return access.WithIdentity(context.Background(), id) }

func newLedger() *ledger {
	l := &ledger{
		now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		nations: map[string]catalog.Nation{
			"DEU": {Code: "DEU", Name: "Germany", Role: catalog.RoleAlly},
			"POL": {Code: "POL", Name: "Poland", Role: catalog.RoleAlly},
			"UKR": {Code: "UKR", Name: "Ukraine", Role: catalog.RoleRecipient},
		},
		sites: map[string]catalog.Site{
			deuDepot: {Code: deuDepot, Name: "Grafenwöhr", Nation: "DEU", Kinds: []string{"donor_depot"}},
			polDepot: {Code: polDepot, Name: "Nowa Dęba", Nation: "POL", Kinds: []string{"donor_depot"}},
			hub:      {Code: hub, Name: "Rzeszów", Nation: "POL", Kinds: []string{"logistics_hub"}},
			lviv:     {Code: lviv, Name: "Lviv", Nation: "UKR", Kinds: []string{"delivery_point"}},
		},
		items: map[string]catalog.Item{
			nsn155:  {NSN: nsn155, Name: "155 mm HE", UnitValue: 400000, MassG: 45000, Group: "155mm"},
			nsnAlt:  {NSN: nsnAlt, Name: "155 mm HE (alt)", UnitValue: 350000, MassG: 45000, Group: "155mm"},
			nsnMine: {NSN: nsnMine, Name: "AT mine", UnitValue: 10000, MassG: 9000},
		},
		requirements: map[int64]assist.Requirement{},
		pledges:      map[int64]assist.Pledge{},
		allocations:  map[int64]assist.Allocation{},
		nextID:       100,
	}
	l.requirements[1] = assist.Requirement{ID: 1, NSN: nsn155, Quantity: 60, Priority: 1, NeedBy: "2025-06-01", DeliverySite: lviv, State: assist.ReqOpen, Version: 1}
	l.pledges[10] = assist.Pledge{ID: 10, Nation: "DEU", Title: "155 mm rounds", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-01-10", Promised: "2025-05-01", Depot: deuDepot, Version: 1,
		Lines: []assist.Line{{ID: 11, No: 1, NSN: nsn155, UnitValue: 400000, Pledged: 100, Committed: 80}}}
	l.pledges[20] = assist.Pledge{ID: 20, Nation: "POL", Title: "155 mm rounds", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
		Announced: "2025-01-10", Promised: "2025-05-01", Depot: polDepot, Version: 1,
		Lines: []assist.Line{{ID: 21, No: 1, NSN: nsn155, UnitValue: 400000, Pledged: 50, Committed: 50}}}
	return l
}
