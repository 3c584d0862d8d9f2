package store_test

import (
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

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
		propose := func() (plan.Input, plan.Plan) {
			in, err := db.PlanInput(ctx)
			if err != nil {
				t.Fatal(err)
			}
			in.Start, in.Horizon = db.Now(), 30
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
		fp := plan.Fingerprint(in)
		// Excluding the Stingers: only the rounds are allocated and shipped.
		got, err := plan.Approve(ctx, store.Logistics{DB: db}, in, pl, fp, []plan.Key{{PledgeLine: p.Lines[1].ID, Requirement: r2.ID}})
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
		if _, err := plan.Approve(ctx, store.Logistics{DB: db}, in, pl, fp, nil); fault.Code(err) != fault.Invalid {
			t.Errorf("a stale approval against old inputs: %v, want the ledger's refusal", err)
		}
		if _, err := plan.Approve(ctx, store.Logistics{DB: db}, func() plan.Input { in2, _ := db.PlanInput(ctx); in2.Start, in2.Horizon = db.Now(), 30; return in2 }(), pl, fp, nil); fault.Code(err) != fault.Conflict {
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
