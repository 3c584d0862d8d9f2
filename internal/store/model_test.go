package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

// TestModel drives the whole ledger through its use cases with random
// sequences of operations — often invalid, by every role, some of them two
// at once — and holds it to the invariants `longhaul check` recomputes
// (db.Check) every few steps and at the end of each sequence. A refusal is
// expected; a broken invariant, or an error that is not a *fault.Error or
// is internal, fails the test with the seed and the numbered steps that
// led to it.
//
// The default run is small enough for `go test ./...`. The environment
// makes it longer or replays one sequence:
//
//	LONGHAUL_MODEL_SEQUENCES=2000  sequences per engine (default 20)
//	LONGHAUL_MODEL_STEPS=200       steps per sequence (default 60)
//	LONGHAUL_MODEL_SEED=1234       run the sequence of this seed only, and log its steps
//	LONGHAUL_MODEL_FIRST=5000      the first seed of a run (default 1)
//
// A sequence is a function of its seed, except where two steps race: a
// replay then takes the same steps, and their outcomes may differ.
func TestModel(t *testing.T) {
	sequences, steps, first := modelEnv(t, "LONGHAUL_MODEL_SEQUENCES", 20), modelEnv(t, "LONGHAUL_MODEL_STEPS", 60), modelEnv(t, "LONGHAUL_MODEL_FIRST", 1)
	if s := modelEnv(t, "LONGHAUL_MODEL_SEED", 0); s != 0 {
		sequences, first = 1, s
	}
	if testing.Short() {
		sequences = min(sequences, 3)
	}
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			for seed := first; seed < first+sequences; seed++ {
				t.Run("seed="+strconv.Itoa(seed), func(t *testing.T) {
					db := storetest.Open(t, dsn(t), modelStart)
					w := runModel(t, db, uint64(seed), steps)
					if sequences == 1 {
						t.Logf("steps:\n%s", strings.Join(w.log, "\n"))
					}
				})
			}
		})
	}
}

func modelEnv(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q is not a whole number", name, s)
	}
	return n
}

// modelStart is the clock at the start of a sequence; each step moves it
// on by up to a day.
var modelStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// checkEvery is how many steps pass between two checks of the invariants.
const checkEvery = 10

// runModel runs one sequence of steps over a fresh database.
func runModel(t *testing.T, db *store.DB, seed uint64, steps int) *world {
	w := newWorld(t, db, seed)
	for i := 1; i <= steps; i++ {
		w.clock.Add(int64(time.Duration(w.rng.IntN(24*60)) * time.Minute))
		if w.rng.IntN(100) < 15 {
			a, b := w.step(), w.step()
			if w.rng.IntN(3) == 0 {
				b = a // the same operation twice at once: two receipts, two approvals …
			}
			w.race(i, a, b)
		} else {
			w.run(i, w.step())
		}
		if i%checkEvery == 0 || i == steps {
			w.check(i)
		}
	}
	return w
}

// step is one operation with its arguments chosen: who does what, and the
// function that does it.
type step struct {
	who  string
	what string
	run  func(ctx context.Context) error
}

// world is a sequence's database, the services over it, the people who act
// and what they have made so far.
type world struct {
	t     *testing.T
	db    *store.DB
	seed  uint64
	rng   *rand.Rand
	clock atomic.Int64 // the database's now, in Unix nanoseconds

	as *assist.Service
	lg *logistics.Service
	rp *repair.Service
	tr *training.Service

	actors map[string]context.Context
	names  []string
	sys    context.Context // reads for choosing arguments: everything

	mu                                                   sync.Mutex // guards the lists while steps race
	reqs, pledges, ships, discs, pieces, orders, cohorts []int64
	classes                                              []int64
	stale                                                *allocationProposal
	log                                                  []string
}

// The model's own sites, beside those of seedNetwork: a Polish depot, a
// second delivery point and a training facility.
const (
	modelPLDepot = "PL-DEPOT"
	modelLviv    = "UA-LVIV"
	modelMunster = "DE-MUN"
	modelCourse  = "MANPADS"
)

func newWorld(t *testing.T, db *store.DB, seed uint64) *world {
	w := &world{t: t, db: db, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x4c6f6e67)), sys: storetest.Ctx()}
	w.clock.Store(modelStart.UnixNano())
	db.Now = func() time.Time { return time.Unix(0, w.clock.Load()).UTC() }
	w.as, w.lg, w.rp, w.tr = ledger(db), logi(db), repairs(db), &training.Service{Store: store.Training{DB: db}}
	w.actors = map[string]context.Context{
		"coordinator": actor("coordinator", []access.Role{access.Coordinator}, "", ""),
		"deu-officer": actor("deu-officer", []access.Role{access.NationOfficer}, "DEU", ""),
		"pol-officer": actor("pol-officer", []access.Role{access.NationOfficer}, "POL", ""),
		"ukr-officer": actor("ukr-officer", []access.Role{access.RecipientOfficer}, "UKR", ""),
		"rze-hub":     actor("rze-hub", []access.Role{access.HubOperator}, "POL", storetest.SiteHub),
		"shop-mgr":    actor("shop-mgr", []access.Role{access.FacilityManager}, "POL", siteShop),
		"mun-mgr":     actor("mun-mgr", []access.Role{access.FacilityManager}, "DEU", modelMunster),
	}
	w.names = []string{"coordinator", "deu-officer", "pol-officer", "ukr-officer", "rze-hub", "shop-mgr", "mun-mgr"}

	// The network: depots of Germany and Poland, the hubs at Rzeszów and
	// Suceava, delivery points at Kyiv and Lviv, a repair shop of two slots
	// and a training facility with one course of few seats.
	seedNetwork(t, db)
	ctx := w.sys
	cs := catalog.Service{Store: store.Catalog{DB: db}}
	for _, s := range []catalog.Site{
		{Code: modelPLDepot, Name: "Depot Nowa Dęba", Nation: "POL", Kinds: []string{"donor_depot"}, LatE6: 50420000, LonE6: 21750000},
		{Code: modelLviv, Name: "Lviv delivery point", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 49840000, LonE6: 24030000},
		{Code: modelMunster, Name: "Munster training area", Nation: "DEU", Kinds: []string{"training_facility"}, LatE6: 52986000, LonE6: 10087000},
	} {
		if _, err := cs.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []logistics.Link{
		{From: modelPLDepot, To: storetest.SiteHub, Mode: "road", TransitHours: 6},
		{From: storetest.SiteHub, To: modelLviv, Mode: "road", TransitHours: 8},
		{From: storetest.SiteKyiv, To: siteShop, Mode: "road", TransitHours: 30},
		{From: modelLviv, To: siteShop, Mode: "road", TransitHours: 12},
		{From: siteShop, To: modelLviv, Mode: "road", TransitHours: 12},
	} {
		if _, err := w.lg.SaveLink(ctx, 0, 0, l); err != nil {
			t.Fatalf("link %s: %v", l.Ref(), err)
		}
	}
	if _, err := w.rp.SaveFacility(ctx, repair.RepairFacility{Site: siteShop, Slots: 2, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.tr.SaveCourse(ctx, training.Offer{Code: modelCourse, Title: "MANPADS crews", Skill: storetest.NSNStinger, Host: "DEU", Site: modelMunster, Seats: 6, CostPerSeat: 1_000_00}, 0); err != nil {
		t.Fatal(err)
	}
	k, err := w.tr.AddClass(ctx, training.ClassOf{Course: modelCourse, Start: "2025-04-01", End: "2025-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	w.classes = append(w.classes, k.ID)

	// A start, so that goods move early in a short sequence: a need at
	// each delivery point, a committed pledge of each nation, three
	// Stingers in service.
	for _, r := range []assist.Requirement{
		{Group: "155MM-NATO", Quantity: 40, Priority: 1, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv},
		{NSN: storetest.NSNStinger, Quantity: 6, Priority: 2, NeedBy: "2025-05-01", DeliverySite: modelLviv},
	} {
		got, err := w.as.CreateRequirement(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		w.reqs = append(w.reqs, got.ID)
	}
	for _, p := range []assist.Pledge{
		{Nation: "DEU", Depot: siteDepot, Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 60}, {NSN: storetest.NSNStinger, Pledged: 10}}},
		{Nation: "POL", Lines: []assist.Line{{NSN: storetest.NSN155Alt, Pledged: 40}}},
	} {
		p.Title, p.Kind, p.Channel, p.Category, p.Announced, p.Promised = "model pledge", "in_kind", "bilateral", "in_kind", "2025-02-01", "2025-04-30"
		got, err := w.as.CreatePledge(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range got.Lines {
			if _, err := w.as.Act(ctx, got.ID, 0, assist.Action{Kind: assist.Commit, Line: l.ID, Quantity: l.Pledged}); err != nil {
				t.Fatal(err)
			}
		}
		w.pledges = append(w.pledges, got.ID)
	}
	for _, serial := range []string{"ST-001", "ST-002", "ST-003"} {
		e, err := w.rp.RegisterEquipment(ctx, repair.Equipment{NSN: storetest.NSNStinger, Serial: serial, Donor: "USA", Received: "2025-01-10", Location: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		w.pieces = append(w.pieces, e.ID)
	}
	return w
}

// now is the database's clock.
func (w *world) now() time.Time { return time.Unix(0, w.clock.Load()).UTC() }

// add records a new record's id in one of the world's lists.
func (w *world) add(list *[]int64, id int64) {
	w.mu.Lock()
	*list = append(*list, id)
	w.mu.Unlock()
}

// run takes step s as step number i and fails on an error no user should
// see.
func (w *world) run(i int, s step) {
	err := s.run(w.actors[s.who])
	w.record(fmt.Sprintf("%3d %s: %s", i, s.who, s.what), err)
}

// race takes two steps at once as step number i.
func (w *world) race(i int, a, b step) {
	errs := make([]error, 2)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for j, s := range []step{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[j] = s.run(w.actors[s.who])
		}()
	}
	close(start)
	wg.Wait()
	w.record(fmt.Sprintf("%3d ‖ %s: %s", i, a.who, a.what), errs[0])
	w.record(fmt.Sprintf("%3d ‖ %s: %s", i, b.who, b.what), errs[1])
}

// record logs a step's outcome, and fails the sequence on an internal
// error: a refusal is a *fault.Error with a code a user can act on.
func (w *world) record(line string, err error) {
	w.t.Helper()
	switch {
	case err == nil:
		w.log = append(w.log, line+" → ok")
	case fault.As(err) == nil || fault.Code(err) == fault.Internal:
		w.log = append(w.log, line+" → INTERNAL: "+err.Error())
		w.fail("an internal error")
	default:
		w.log = append(w.log, line+" → "+fault.Code(err)+": "+err.Error())
	}
}

// check runs the invariants after step i.
func (w *world) check(i int) {
	w.t.Helper()
	rep, err := w.db.Check(context.Background())
	if err != nil {
		w.fail(fmt.Sprintf("the check after step %d: %v", i, err))
	}
	if !rep.OK() {
		var b strings.Builder
		rep.Write(&b)
		w.fail(fmt.Sprintf("the invariants after step %d:\n%s", i, strings.TrimSpace(b.String())))
	}
}

func (w *world) fail(what string) {
	w.t.Helper()
	w.t.Fatalf("%s\nseed %d; replay with LONGHAUL_MODEL_SEED=%d go test ./internal/store -run 'TestModel/%s'\nsteps:\n%s",
		what, w.seed, w.seed, w.t.Name()[strings.Index(w.t.Name(), "/")+1:strings.LastIndex(w.t.Name(), "/")], strings.Join(w.log, "\n"))
}
