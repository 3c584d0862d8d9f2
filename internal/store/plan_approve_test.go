package store_test

import (
	"strconv"
	"testing"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// planFixture records the network, a German pledge of 100 rounds and 10
// Stingers committed to the last unit, a second one of 1,000 Stingers of
// which one is committed, and a requirement for 60 rounds: a plan serves
// the requirement from the first pledge, and the second's commitments are
// one of its inputs.
func planFixture(t *testing.T, db *store.DB) (rounds, more assist.Pledge) {
	t.Helper()
	ctx := storetest.Ctx()
	seedNetwork(t, db)
	svc := ledger(db)
	if _, err := svc.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 60, Priority: 1, NeedBy: "2025-03-20", DeliverySite: storetest.SiteKyiv}); err != nil {
		t.Fatal(err)
	}
	commit := func(p assist.Pledge, line int, qty int64) assist.Pledge {
		t.Helper()
		p, err := svc.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Commit, Line: p.Lines[line].ID, Quantity: qty})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	rounds, err := svc.CreatePledge(ctx, newPledge("DEU"))
	if err != nil {
		t.Fatal(err)
	}
	rounds = commit(rounds, 0, 100)
	rounds = commit(rounds, 1, 10)
	p := newPledge("DEU")
	p.Lines = []assist.Line{{NSN: storetest.NSNStinger, Pledged: 1000, UnitValue: 50000000}}
	if more, err = svc.CreatePledge(ctx, p); err != nil {
		t.Fatal(err)
	}
	return rounds, commit(more, 0, 1)
}

// TestPlanApprovalRefusesChangedInputs changes one input of a saved
// allocation plan between its review and its approval: the approval is
// refused as a conflict and writes nothing, and the plan made again from
// the ledger as it is now is approved.
func TestPlanApprovalRefusesChangedInputs(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, db *store.DB, more assist.Pledge)
	}{
		{"a new commitment on a pledge line", func(t *testing.T, db *store.DB, more assist.Pledge) {
			if _, err := ledger(db).Act(storetest.Ctx(), more.ID, 0, assist.Action{Kind: assist.Commit, Line: more.Lines[0].ID, Quantity: 5}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a new requirement", func(t *testing.T, db *store.DB, _ assist.Pledge) {
			if _, err := ledger(db).CreateRequirement(storetest.Ctx(), assist.Requirement{NSN: storetest.NSNStinger, Quantity: 2, Priority: 3, NeedBy: "2025-05-01", DeliverySite: storetest.SiteKyiv}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a link's transit time", func(t *testing.T, db *store.DB, _ assist.Pledge) {
			ctx := storetest.Ctx()
			n, err := db.Network(ctx)
			if err != nil || len(n.Links) == 0 {
				t.Fatalf("the network: %+v %v", n.Links, err)
			}
			l := n.Links[0]
			l.TransitHours++
			if _, err := logi(db).SaveLink(ctx, l.ID, l.Version, l); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := storetest.Ctx()
				rounds, more := planFixture(t, db)
				pls := plans(db)
				sv, err := pls.Make(ctx, 30, db.Now())
				if err != nil || sv.Served != 60 {
					t.Fatalf("the plan: %+v %v", sv, err)
				}
				storetest.Refused(t, db, func(t *testing.T) { c.change(t, db, more) }, func() error {
					_, err := pls.Approve(ctx, &sv, nil)
					return err
				})
				if got, err := db.Plan(ctx, sv.ID); err != nil || got.State != plan.StateProposed || got.Decision != nil {
					t.Errorf("the plan after a refused approval: %+v %v", got, err)
				}
				again, err := pls.Make(ctx, 30, db.Now())
				if err != nil {
					t.Fatal(err)
				}
				if got, err := pls.Approve(ctx, &again, nil); err != nil || got.Units != again.Served {
					t.Errorf("approving the plan made again: %+v %v, want its %d units", got, err, again.Served)
				}
				if p, err := db.Pledge(ctx, rounds.ID); err != nil || p.Lines[0].Allocated != 60 {
					t.Errorf("the rounds allocated after the approval: %+v %v", p.Lines, err)
				}
			})
		})
	}
}

// TestPlanApprovalRacingAChange approves an allocation plan while another
// writer commits more of a pledge line the plan was made from, round after
// round: the approval is refused, or it committed before the commitment.
func TestPlanApprovalRacingAChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		rounds, more := planFixture(t, db)
		pls := plans(db)
		svc := ledger(db)
		allocated := func(t *testing.T) int64 {
			p, err := db.Pledge(ctx, rounds.ID)
			if err != nil {
				t.Fatal(err)
			}
			return p.Lines[0].Allocated
		}
		storetest.NeverStale(t, 30, func(t *testing.T, round int) storetest.Race {
			// One round more to serve in each round.
			if _, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1, Priority: 2, NeedBy: "2025-04-01", DeliverySite: storetest.SiteKyiv}); err != nil {
				t.Fatal(err)
			}
			sv, err := pls.Make(ctx, 30, db.Now())
			if err != nil || sv.Served == 0 {
				t.Fatalf("round %d: the plan serves nothing: %+v %v", round, sv, err)
			}
			before := allocated(t)
			return storetest.Race{
				Approve: func() error { _, err := pls.Approve(ctx, &sv, nil); return err },
				Change: func() error {
					_, err := svc.Act(ctx, more.ID, 0, assist.Action{Kind: assist.Commit, Line: more.Lines[0].ID, Quantity: 1})
					return err
				},
				Written: func(t *testing.T) any { return allocated(t) },
				Applied: func(t *testing.T) {
					if got := allocated(t); got-before != sv.Decision.Units || sv.State != plan.StateApproved {
						t.Fatalf("round %d: approved %+v, allocated %d more", round, sv.Decision, got-before)
					}
				},
				Order: func(t *testing.T) (int64, int64) {
					return lastSeq(t, db, "plan", strconv.FormatInt(sv.ID, 10)), lastSeq(t, db, "pledge", strconv.FormatInt(more.ID, 10))
				},
			}
		})
	})
}
