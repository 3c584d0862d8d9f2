package training

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
)

// state is an in-memory ledger of the training, for the rules' tests.
type state struct {
	nations      map[string]bool
	sites        map[string]catalog.Site
	requirements map[int64]assist.Requirement
	linePledges  map[int64]assist.Pledge
	courses      map[string]Offer
	classes      map[int64]ClassOf
	cohorts      map[int64]CohortOf
	completed    map[int64][]string // courses each cohort has done
	enrolments   map[int64]EnrolmentOf
	baselines    map[int]bool
	credited     []accounts.Contribution
	events       []audit.Record
	seq          int64
}

func (s *state) clone() *state {
	c := *s
	c.nations, c.sites, c.requirements, c.linePledges = maps.Clone(s.nations), maps.Clone(s.sites), maps.Clone(s.requirements), maps.Clone(s.linePledges)
	c.courses, c.classes, c.cohorts, c.completed, c.enrolments = maps.Clone(s.courses), maps.Clone(s.classes), maps.Clone(s.cohorts), maps.Clone(s.completed), maps.Clone(s.enrolments)
	c.baselines, c.credited, c.events = maps.Clone(s.baselines), slices.Clone(s.credited), slices.Clone(s.events)
	return &c
}

// newState holds a training facility DE-MUN, a hub PL-RZE, the nations
// DEU, POL and UKR, and the 2025 baseline.
func newState() *state {
	return &state{
		nations: map[string]bool{"DEU": true, "POL": true, "UKR": true},
		sites: map[string]catalog.Site{
			"DE-MUN": {Code: "DE-MUN", Name: "Munster", Nation: "DEU", Kinds: []string{"training_facility"}},
			"PL-RZE": {Code: "PL-RZE", Name: "Rzeszów", Nation: "POL", Kinds: []string{"logistics_hub"}},
		},
		requirements: map[int64]assist.Requirement{}, linePledges: map[int64]assist.Pledge{},
		courses: map[string]Offer{}, classes: map[int64]ClassOf{}, cohorts: map[int64]CohortOf{}, completed: map[int64][]string{},
		enrolments: map[int64]EnrolmentOf{}, baselines: map[int]bool{2025: true},
	}
}

type fakeStore struct{ s *state }

func (f *fakeStore) Transact(ctx context.Context, fn func(Tx) error) error {
	c := f.s.clone()
	if err := fn(&fakeTx{c}); err != nil {
		return err
	}
	f.s = c
	return nil
}

type fakeTx struct{ s *state }

var _ Tx = (*fakeTx)(nil)

func (tx *fakeTx) Now() time.Time { return time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) }

func (tx *fakeTx) id() int64 { tx.s.seq++; return tx.s.seq }

// find returns m[k], or a not-found error saying format of k.
func find[K comparable, V any](m map[K]V, k K, format string) (V, error) {
	v, ok := m[k]
	if !ok {
		return v, fault.Errorf(fault.NotFound, format, k)
	}
	return v, nil
}

func (tx *fakeTx) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	if !tx.s.nations[code] {
		return catalog.Nation{}, fault.Errorf(fault.NotFound, "no nation %q", code)
	}
	return catalog.Nation{Code: code}, nil
}

func (tx *fakeTx) Site(ctx context.Context, code string) (catalog.Site, error) {
	return find(tx.s.sites, code, "no site %q")
}

func (tx *fakeTx) Requirement(ctx context.Context, id int64) (assist.Requirement, error) {
	return find(tx.s.requirements, id, "no requirement %d")
}

func (tx *fakeTx) LinePledge(ctx context.Context, line int64) (assist.Pledge, error) {
	return find(tx.s.linePledges, line, "no pledge line %d")
}

func (tx *fakeTx) Course(ctx context.Context, code string) (Offer, error) {
	return find(tx.s.courses, code, "no course %s")
}

func (tx *fakeTx) CreateCourse(ctx context.Context, o *Offer) error {
	if _, ok := tx.s.courses[o.Code]; ok {
		return fault.Errorf(fault.Conflict, "course %s already exists", o.Code)
	}
	o.Version = 1
	tx.s.courses[o.Code] = *o
	return nil
}

func (tx *fakeTx) UpdateCourse(ctx context.Context, o *Offer, version int64) error {
	if old, ok := tx.s.courses[o.Code]; !ok || old.Version != version {
		return fault.Errorf(fault.Conflict, "course %s was changed", o.Code)
	}
	o.Version = version + 1
	tx.s.courses[o.Code] = *o
	return nil
}

func (tx *fakeTx) Class(ctx context.Context, id int64) (ClassOf, error) {
	c, ok := tx.s.classes[id]
	if !ok {
		return c, fault.Errorf(fault.NotFound, "no class %d", id)
	}
	o := tx.s.courses[c.Course]
	c.Title, c.Skill, c.Host, c.Site, c.Enrolled = o.Title, o.Skill, o.Host, o.Site, 0
	for _, e := range tx.s.enrolments {
		if e.Class == id {
			c.Enrolled += e.Trainees
		}
	}
	return c, nil
}

func (tx *fakeTx) CreateClass(ctx context.Context, c *ClassOf) error {
	c.ID, c.Version = tx.id(), 1
	tx.s.classes[c.ID] = *c
	return nil
}

func (tx *fakeTx) CreateCohort(ctx context.Context, c *CohortOf) error {
	c.ID, c.Version = tx.id(), 1
	tx.s.cohorts[c.ID] = *c
	return nil
}

func (tx *fakeTx) Enrolment(ctx context.Context, id int64) (EnrolmentOf, error) {
	return find(tx.s.enrolments, id, "no enrolment %d")
}

func (tx *fakeTx) CreateEnrolment(ctx context.Context, e *EnrolmentOf) error {
	e.ID, e.Version = tx.id(), 1
	tx.s.enrolments[e.ID] = *e
	return nil
}

func (tx *fakeTx) RecordEnrolment(ctx context.Context, e *EnrolmentOf, version int64) error {
	if old, ok := tx.s.enrolments[e.ID]; !ok || old.Version != version {
		return fault.Errorf(fault.Conflict, "enrolment %d was changed", e.ID)
	}
	e.Version = version + 1
	tx.s.enrolments[e.ID] = *e
	return nil
}

// PlanInput gives every cohort and class; its fingerprint changes with any
// course, class, cohort or enrolment.
func (tx *fakeTx) PlanInput(ctx context.Context, start time.Time, horizon int) (PlanInput, string, error) {
	in := PlanInput{Start: start, Horizon: horizon, Courses: map[string]Course{}}
	var fp strings.Builder
	for _, code := range slices.Sorted(maps.Keys(tx.s.courses)) {
		o := tx.s.courses[code]
		in.Courses[code] = Course{Code: code, Skill: o.Skill, Prerequisite: o.Prerequisite}
		fmt.Fprintf(&fp, "c%s/%d;", code, o.Version)
	}
	for _, id := range slices.Sorted(maps.Keys(tx.s.classes)) {
		c, _ := tx.Class(ctx, id)
		fmt.Fprintf(&fp, "k%d/%d/%d;", id, c.Version, c.Enrolled)
	}
	for _, id := range slices.Sorted(maps.Keys(tx.s.cohorts)) {
		c := tx.s.cohorts[id]
		fmt.Fprintf(&fp, "h%d/%d;", id, c.Version)
		in.Cohorts = append(in.Cohorts, Cohort{ID: id, Skill: c.Skill, Size: c.Size, Completed: tx.s.completed[id]})
	}
	return in, fp.String(), nil
}

func (tx *fakeTx) BaselineYear(ctx context.Context, year int) (bool, error) {
	return tx.s.baselines[year], nil
}

func (tx *fakeTx) Accounts() accounts.Tx {
	return accountstest.Credit{Clock: tx.Now, Audited: tx.Audit, Saved: func(k *accounts.Contribution) {
		tx.s.credited = append(tx.s.credited, *k)
	}}
}

func (tx *fakeTx) Audit(ctx context.Context, r audit.Record) error {
	tx.s.events = append(tx.s.events, r)
	return nil
}

// Identities of the tests.
var (
	coordinator = access.Identity{UserID: 1, Name: "coord", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "session"}
	deu         = access.Identity{UserID: 2, Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"}
	pol         = access.Identity{UserID: 3, Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"}
	munster     = access.Identity{UserID: 4, Name: "mun", Nation: "DEU", Site: "DE-MUN", Roles: []access.Role{access.FacilityManager}, Clearance: access.Restricted, Via: "token"}
	ukr         = access.Identity{UserID: 5, Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Restricted, Via: "session"}
)

func as(id access.Identity) context.Context {
	return access.WithIdentity(context.Background(), id)
}

// seeded is a store with a German course LEO at DE-MUN (12 seats, the
// prerequisite LEO-BASIC, 50,000 EUR a seat), LEO-BASIC itself, and no
// classes yet.
func seeded() *fakeStore {
	s := newState()
	s.courses["LEO-BASIC"] = Offer{Code: "LEO-BASIC", Title: "Leopard basics", Skill: "LEO-BASIC", Host: "DEU", Site: "DE-MUN", Seats: 30, Version: 1}
	s.courses["LEO"] = Offer{Code: "LEO", Title: "Leopard crews", Skill: "LEOPARD-2", Host: "DEU", Site: "DE-MUN", Seats: 12, MinSize: 8, Prerequisite: "LEO-BASIC", CostPerSeat: 50_000_00, Version: 1}
	return &fakeStore{s}
}

// actions lists the audit actions written, in order.
func (f *fakeStore) actions() []string {
	var out []string
	for _, e := range f.s.events {
		out = append(out, e.Action)
	}
	return out
}
