package store_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestRepairApprovalRefusesChangedInputs changes one input of a repair
// plan between its proposal and its approval: the approval is refused as a
// conflict and writes nothing.
func TestRepairApprovalRefusesChangedInputs(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, db *store.DB, other repair.Equipment)
	}{
		{"a new damage report", func(t *testing.T, db *store.DB, other repair.Equipment) {
			if _, _, err := repairs(db).ReportDamage(storetest.Ctx(), repair.Damage{Equipment: other.ID, Fault: "gripstock", Severity: repair.Facility, Priority: 2}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a facility's slots", func(t *testing.T, db *store.DB, _ repair.Equipment) {
			if _, err := repairs(db).SaveFacility(storetest.Ctx(), repair.RepairFacility{Site: "PL-GLI", Slots: 3, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 1); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := storetest.Ctx()
				one, two := seedRepair(t, db)
				svc := repairs(db)
				if _, err := svc.SaveFacility(ctx, repair.RepairFacility{Site: "PL-GLI", Slots: 2, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}, 0); err != nil {
					t.Fatal(err)
				}
				o, _, err := svc.ReportDamage(ctx, repair.Damage{Equipment: one.ID, Fault: "seeker", Severity: repair.Facility, Priority: 1})
				if err != nil {
					t.Fatal(err)
				}
				start := db.Now()
				in, fp, err := db.RepairPlanInput(ctx, start, 60)
				if err != nil {
					t.Fatal(err)
				}
				p, err := repair.Plan(in)
				if err != nil || len(p.Assignments) != 1 {
					t.Fatalf("the proposal: %+v %v", p, err)
				}
				storetest.Refused(t, db, func(t *testing.T) { c.change(t, db, two) }, func() error {
					n, err := svc.Approve(ctx, p, fp, start, 60)
					if n != 0 {
						t.Errorf("a refused approval assigned %d orders", n)
					}
					return err
				})
				if got, _ := db.Order(ctx, o.ID); got.State != repair.Reported || got.Facility != "" {
					t.Errorf("the order after a refused approval: %+v", got)
				}
				// The plan made again from the ledger as it is now is approved.
				in, fp, err = db.RepairPlanInput(ctx, start, 60)
				if err != nil {
					t.Fatal(err)
				}
				p, _ = repair.Plan(in)
				if n, err := svc.Approve(ctx, p, fp, start, 60); err != nil || n != len(in.Orders) {
					t.Errorf("approving the plan made again: %d of %d, %v", n, len(in.Orders), err)
				}
			})
		})
	}
}

// TestRepairApprovalRacingAChange approves a plan in one goroutine while
// another changes one of its inputs (a facility's slots), round after
// round. A stale plan is never applied: either the approval fails as a
// conflict and assigns nothing, or it committed before the change did.
func TestRepairApprovalRacingAChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		seedRepair(t, db)
		svc := repairs(db)
		fac := repair.RepairFacility{Site: "PL-GLI", Slots: 200, Competences: []repair.Competence{{Target: storetest.NSNStinger, Days: 14}}}
		f, err := svc.SaveFacility(ctx, fac, 0)
		if err != nil {
			t.Fatal(err)
		}
		version := f.Version
		storetest.NeverStale(t, 40, func(t *testing.T, round int) storetest.Race {
			e, err := svc.RegisterEquipment(ctx, repair.Equipment{NSN: storetest.NSNStinger, Serial: fmt.Sprintf("RACE-%03d", round), Donor: "USA", Received: "2025-01-10", Location: storetest.SiteKyiv})
			if err != nil {
				t.Fatal(err)
			}
			o, _, err := svc.ReportDamage(ctx, repair.Damage{Equipment: e.ID, Fault: "seeker", Severity: repair.Facility, Priority: 1})
			if err != nil {
				t.Fatal(err)
			}
			start := db.Now()
			in, fp, err := db.RepairPlanInput(ctx, start, 90)
			if err != nil {
				t.Fatal(err)
			}
			p, err := repair.Plan(in)
			if err != nil || len(p.Assignments) == 0 {
				t.Fatalf("round %d: the proposal places nothing: %+v %v", round, p, err)
			}
			var n int
			state := func(t *testing.T) string {
				got, err := db.Order(ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.State
			}
			return storetest.Race{
				Approve: func() (err error) { n, err = svc.Approve(ctx, p, fp, start, 90); return err },
				Change: func() error {
					fac.Slots = 200 + round%2
					f, err := svc.SaveFacility(ctx, fac, version)
					if err == nil {
						version = f.Version
					}
					return err
				},
				Written: func(t *testing.T) any { return state(t) },
				Applied: func(t *testing.T) {
					if got := state(t); n != len(p.Assignments) || got != repair.Assigned {
						t.Fatalf("round %d: approved %d of %d, the order %s", round, n, len(p.Assignments), got)
					}
				},
				Order: func(t *testing.T) (int64, int64) {
					return lastSeq(t, db, "repair_order", strconv.FormatInt(o.ID, 10)), lastSeq(t, db, "repair_facility", "PL-GLI")
				},
			}
		})
	})
}

// lastSeq is the sequence number of the newest audit event on an entity.
func lastSeq(t *testing.T, db *store.DB, entity, id string) int64 {
	t.Helper()
	seq, err := db.LastEventSeq(storetest.Ctx(), entity, id)
	if err != nil || seq == 0 {
		t.Fatalf("the events of %s %s: %d %v", entity, id, seq, err)
	}
	return seq
}
