package readiness_test

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/readiness"
)

// fakeStore keeps packages in memory for the rules' tests. A transaction
// works on a copy that replaces the store's packages, and adds its audit
// events, only when the use case returns nil: as the real store, it
// commits all or nothing. As a Reader it answers with its facts, and
// filters packages by the reader's clearance and nation as the store's
// SQL does.
type fakeStore struct {
	now      time.Time
	packages map[int64]readiness.Package
	items    []catalog.Item
	courses  []readiness.Course
	facts    readiness.Facts
	events   []audit.Record // committed
	nextID   int64
}

func newFake(ps ...readiness.Package) *fakeStore {
	s := &fakeStore{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), packages: map[int64]readiness.Package{}, nextID: 10,
		items: []catalog.Item{
			{NSN: nsnIRIST, Name: "Guided missile, IRIS-T SLM"},
			{NSN: nsnLeo2A4, Name: "Main battle tank, Leopard 2A4", Group: "LEOPARD-2"},
			{NSN: nsnLeo2A6, Name: "Main battle tank, Leopard 2A6", Group: "LEOPARD-2"},
			{NSN: nsnTruck, Name: "Truck, cargo, 8x8"},
		},
		courses: []readiness.Course{{Code: "IRIST-OPS", Title: "IRIS-T SLM operators", Skill: nsnIRIST}, {Code: "LEO2", Title: "Leopard 2 crews", Skill: "LEOPARD-2"}},
	}
	for _, p := range ps {
		s.packages[p.ID] = p
	}
	return s
}

func (s *fakeStore) Transact(ctx context.Context, fn func(readiness.Tx) error) error {
	tx := &fakeTx{s: s, packages: map[int64]readiness.Package{}}
	for id, p := range s.packages {
		tx.packages[id] = clone(p)
	}
	if err := fn(tx); err != nil {
		return err
	}
	s.packages, s.events = tx.packages, append(s.events, tx.events...)
	return nil
}

func clone(p readiness.Package) readiness.Package {
	p.Elements = slices.Clone(p.Elements)
	return p
}

type fakeTx struct {
	s        *fakeStore
	packages map[int64]readiness.Package
	events   []audit.Record
}

func (tx *fakeTx) Now() time.Time { return tx.s.now }

func (tx *fakeTx) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	for _, it := range tx.s.items {
		if it.NSN == nsn {
			return it, nil
		}
	}
	return catalog.Item{}, fault.Errorf(fault.NotFound, "no item %s", nsn)
}

func (tx *fakeTx) GroupExists(ctx context.Context, group string) (bool, error) {
	return slices.ContainsFunc(tx.s.items, func(it catalog.Item) bool { return it.Group == group }), nil
}

func (tx *fakeTx) Trains(ctx context.Context, target string) (string, bool, error) {
	for _, c := range tx.s.courses {
		if c.Code == strings.ToUpper(target) {
			return c.Code, true, nil
		}
	}
	for _, c := range tx.s.courses {
		if c.Skill == target {
			return target, true, nil
		}
	}
	return "", false, nil
}

func (tx *fakeTx) Package(ctx context.Context, id int64) (readiness.Package, error) {
	p, ok := tx.packages[id]
	if !ok {
		return p, fault.Errorf(fault.NotFound, "no capability package CP-%05d", id)
	}
	return clone(p), nil
}

func (tx *fakeTx) CreatePackage(ctx context.Context, p *readiness.Package) error {
	tx.s.nextID++
	p.ID, p.Version = tx.s.nextID, 1
	tx.packages[p.ID] = clone(*p)
	return nil
}

func (tx *fakeTx) UpdatePackage(ctx context.Context, p *readiness.Package, version int64) error {
	old, ok := tx.packages[p.ID]
	if !ok || old.Version != version {
		return fault.Errorf(fault.Conflict, "%s was changed by someone else since version %d", p.Ref(), version)
	}
	p.Version = version + 1
	tx.packages[p.ID] = clone(*p)
	return nil
}

func (tx *fakeTx) Audit(ctx context.Context, r audit.Record) error {
	tx.events = append(tx.events, r)
	return nil
}

// The Reader.

func (s *fakeStore) seen(ctx context.Context, p readiness.Package) bool {
	id := access.IdentityFrom(ctx)
	return access.Allowed(id, access.ReadinessRead) && id.CanSee(p.Owner(), p.Marking)
}

func (s *fakeStore) Packages(ctx context.Context) ([]readiness.Package, error) {
	var out []readiness.Package
	for _, p := range s.packages {
		if s.seen(ctx, p) {
			out = append(out, clone(p))
		}
	}
	slices.SortFunc(out, func(a, b readiness.Package) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *fakeStore) Package(ctx context.Context, id int64) (readiness.Package, error) {
	p, ok := s.packages[id]
	if !ok || !s.seen(ctx, p) {
		return readiness.Package{}, fault.Errorf(fault.NotFound, "no capability package CP-%05d", id)
	}
	return clone(p), nil
}

func (s *fakeStore) Facts(ctx context.Context, ps []readiness.Package) (readiness.Facts, error) {
	f := s.facts
	f.Items = s.items
	f.Courses = s.courses
	return f, nil
}
