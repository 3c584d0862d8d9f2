package store_test

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func plans(db *store.DB) *plan.Service {
	return &plan.Service{Store: plan.Over[*store.Tx](db), Read: db}
}

func TestPlanApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		svc := ledger(db)
		// Two requirements at Kyiv; a German pledge of 100 rounds committed
		// and not allocated, and 10 Stingers.
		r1, err := svc.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 60, Priority: 1, NeedBy: "2025-03-20", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSNStinger, Quantity: 4, Priority: 2, NeedBy: "2025-03-20", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p := newPledge("DEU")
		p, err = svc.CreatePledge(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Lines {
			if p, err = svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Commit, Line: l.ID, Quantity: l.Pledged}); err != nil {
				t.Fatal(err)
			}
		}
		pls := plans(db)
		propose := func() (plan.Input, plan.Plan) {
			in, err := pls.Input(ctx, db.Now(), 30)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := plan.Make(in)
			if err != nil {
				t.Fatal(err)
			}
			return in, pl
		}
		in, pl := propose()
		if len(pl.Lines) != 2 || len(pl.Unmet) != 0 {
			t.Fatalf("proposal: %+v", pl)
		}
		// Two plans made from the same inputs: the first approved, the
		// second is stale.
		sv, err := pls.Make(ctx, 30, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		twin, err := pls.Make(ctx, 30, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		if sv.Fingerprint != plan.Fingerprint(in) || len(sv.Plan.Lines) != 2 {
			t.Fatalf("the saved plan: %+v, want the proposal made from %s", sv, plan.Fingerprint(in))
		}
		// Excluding the Stingers: only the rounds are allocated and shipped.
		got, err := pls.Approve(ctx, &sv, []plan.Key{{PledgeLine: p.Lines[1].ID, Requirement: r2.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Allocations != 1 || got.Units != 60 || len(got.Shipments) != 1 {
			t.Errorf("approved %+v, want one allocation of 60 in one shipment", got)
		}
		req, _ := db.Requirement(ctx, r1.ID)
		if req.Allocated != 60 {
			t.Errorf("R1 allocated %d, want 60", req.Allocated)
		}
		sh, err := db.Shipment(ctx, got.Shipments[0])
		if err != nil || sh.State != "planned" || sh.Lines[0].Quantity != 60 || sh.Destination != storetest.SiteKyiv {
			t.Errorf("shipment %+v %v", sh, err)
		}
		// The same proposal again is stale: its stock has been allocated.
		// Against inputs read before, the ledger itself refuses it.
		fpBefore := mustFingerprint(t, db)
		if err := (store.Logistics{DB: db}).Transact(ctx, func(tx logistics.Tx) error { _, err := plan.AllocateIn(ctx, tx, in, pl, nil); return err }); fault.Code(err) != fault.Invalid {
			t.Errorf("a stale approval against old inputs: %v, want the ledger's refusal", err)
		}
		if _, err := pls.Approve(ctx, &twin, nil); fault.Code(err) != fault.Conflict {
			t.Errorf("an approval against changed inputs: %v, want conflict", err)
		}
		if mustFingerprint(t, db) != fpBefore {
			t.Error("a refused approval changed the database")
		}
		// Planned again, the Stingers remain.
		in, pl = propose()
		if len(pl.Lines) != 1 || in.Stock[pl.Lines[0].Stock].Item.NSN != storetest.NSNStinger {
			t.Errorf("the new proposal: %+v", pl.Lines)
		}
	})
}

func TestSavedPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		svc := ledger(db)
		r, err := svc.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 60, Priority: 1, NeedBy: "2025-03-20", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.CreatePledge(ctx, newPledge("DEU"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Lines {
			if p, err = svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Commit, Line: l.ID, Quantity: l.Pledged}); err != nil {
				t.Fatal(err)
			}
		}
		first, err := plans(db).Make(ctx, 30, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		second, err := plans(db).Make(ctx, 14, db.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Read back as it was saved.
		got, err := db.Plan(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != plan.StateProposed || got.Fingerprint != first.Fingerprint || got.Served != 60 || len(got.Plan.Lines) != len(first.Plan.Lines) ||
			len(got.Input.Stock) != len(first.Input.Stock) || got.Input.Needs[0].Total != 60 || got.MadeBy == "" || got.Horizon != 30 {
			t.Fatalf("the plan read back: %+v", got)
		}
		if stale, err := plans(db).Stale(ctx, got); err != nil || stale {
			t.Errorf("a fresh plan is stale: %v %v", stale, err)
		}
		if _, err := db.Plan(ctx, 999); fault.Code(err) != fault.NotFound {
			t.Errorf("a missing plan: %v", err)
		}
		page, err := db.Plans(ctx, assist.PlanFilter{}, list.Options{})
		if err != nil || page.Total != 2 || page.Items[0].ID != second.ID {
			t.Fatalf("the list, newest first: %+v %v", page, err)
		}
		// Approved once: the allocation is written with the plan's state.
		got2, err := db.Plan(ctx, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		done, err := plans(db).Approve(ctx, &got2, nil)
		if err != nil || done.Units != 60 {
			t.Fatalf("approve: %+v %v", done, err)
		}
		req, err := db.Requirement(ctx, r.ID)
		if err != nil || req.Allocated != 60 {
			t.Errorf("the requirement after the approval: %+v %v", req, err)
		}
		after, err := db.Plan(ctx, second.ID)
		if err != nil || after.State != plan.StateApproved || after.Decision == nil || after.Decision.Units != 60 || after.DecidedAt == nil {
			t.Errorf("the approved plan: %+v %v", after, err)
		}
		// Twice, or the first plan now stale: refused, nothing written.
		fp := mustFingerprint(t, db)
		if _, err := plans(db).Approve(ctx, &got2, nil); fault.Code(err) != fault.Conflict {
			t.Errorf("approving again: %v", err)
		}
		if stale, err := plans(db).Stale(ctx, got); err != nil || !stale {
			t.Errorf("the first plan after the second's approval: stale %v %v", stale, err)
		}
		if _, err := plans(db).Approve(ctx, &got, nil); fault.Code(err) != fault.Conflict {
			t.Errorf("approving a stale plan: %v", err)
		}
		if mustFingerprint(t, db) != fp {
			t.Error("a refused approval changed the database")
		}
		if page, err := db.Plans(ctx, assist.PlanFilter{State: plan.StateApproved}, list.Options{}); err != nil || page.Total != 1 {
			t.Errorf("approved plans: %+v %v", page, err)
		}
		if _, err := db.Plans(ctx, assist.PlanFilter{State: "done"}, list.Options{}); fault.Code(err) != fault.Invalid {
			t.Errorf("a bad state: %v", err)
		}
	})
}

func TestPledgeDepot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedNetwork(t, db)
		cs := catalog.Service{Store: store.Catalog{DB: db}}
		// A second German depot, first by code: pledges without a depot
		// wait there; a pledge that names its depot waits where it says.
		if _, err := cs.CreateSite(ctx, catalog.Site{Code: "DE-AAA", Name: "Depot Aachen", Nation: "DEU", Kinds: []string{"donor_depot"}, LatE6: 50770000, LonE6: 6080000}); err != nil {
			t.Fatal(err)
		}
		svc := ledger(db)
		for _, bad := range []struct{ depot, want string }{{"XX-NONE", "no site"}, {storetest.SiteKyiv, "is not a donor depot"}} {
			p := newPledge("DEU")
			p.Depot = bad.depot
			_, err := svc.CreatePledge(ctx, p)
			if e := fault.As(err); e == nil || e.Code != fault.Invalid || e.Field != "depot" || !strings.Contains(e.Message, bad.want) {
				t.Errorf("depot %s: %v, want %q on depot", bad.depot, err, bad.want)
			}
		}
		named := newPledge("DEU")
		named.Depot = strings.ToLower(siteDepot)
		named, err := svc.CreatePledge(ctx, named)
		if err != nil || named.Depot != siteDepot {
			t.Fatalf("a pledge with its depot: %+v %v", named.Depot, err)
		}
		unnamed, err := svc.CreatePledge(ctx, newPledge("DEU"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []assist.Pledge{named, unnamed} {
			for _, l := range p.Lines {
				if _, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Commit, Line: l.ID, Quantity: l.Pledged}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, err := db.Pledge(ctx, named.ID); err != nil || got.Depot != siteDepot {
			t.Errorf("the depot read back: %q %v", got.Depot, err)
		}
		in, err := plans(db).Input(ctx, db.Now(), 30)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range in.Stock {
			want := "DE-AAA"
			if s.Pledge == named.ID {
				want = siteDepot
			}
			if s.Depot != want {
				t.Errorf("stock of P-%05d waits at %s, want %s", s.Pledge, s.Depot, want)
			}
		}
	})
}
