package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

var storetestNow = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func TestListsPageFilterAndSort(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		for i := 0; i < 7; i++ {
			_, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: int64(10 + i), Priority: 1 + i%4,
				NeedBy: fmt.Sprintf("2025-04-%02d", 10+i), DeliverySite: storetest.SiteKyiv})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Page through by descending priority, three at a time.
		var got []int64
		var lastPrio = 5
		cur := ""
		for pages := 0; ; pages++ {
			p, err := db.Requirements(ctx, assist.RequirementFilter{}, list.Options{Sort: "-priority", Limit: 3, Cursor: cur})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 7 {
				t.Fatalf("total %d", p.Total)
			}
			for _, r := range p.Items {
				if r.Priority > lastPrio {
					t.Errorf("not sorted: priority %d after %d", r.Priority, lastPrio)
				}
				lastPrio = r.Priority
				got = append(got, r.ID)
			}
			if p.Next == "" {
				break
			}
			cur = p.Next
			if pages > 5 {
				t.Fatal("paging does not end")
			}
		}
		if len(got) != 7 || len(unique(got)) != 7 {
			t.Errorf("pages gave %v, want the 7 requirements once each", got)
		}
		p, err := db.Requirements(ctx, assist.RequirementFilter{Priority: 1}, list.Options{})
		if err != nil || p.Total != 2 {
			t.Errorf("priority 1: %d (%v), want 2", p.Total, err)
		}
		p, _ = db.Requirements(ctx, assist.RequirementFilter{Overdue: "2025-04-12"}, list.Options{})
		if p.Total != 2 {
			t.Errorf("overdue on 2025-04-12: %d, want 2", p.Total)
		}
		if _, err := db.Requirements(ctx, assist.RequirementFilter{}, list.Options{Sort: "colour"}); fault.Code(err) != fault.Invalid {
			t.Errorf("unknown sort: %v", err)
		}
		if _, err := db.Requirements(ctx, assist.RequirementFilter{}, list.Options{Cursor: "garbage!"}); fault.Code(err) != fault.Invalid {
			t.Errorf("bad cursor: %v", err)
		}
		items, _ := db.Items(ctx, catalog.ItemFilter{Group: "155MM-NATO"}, list.Options{Sort: "-unit_value"})
		if items.Total != 2 || items.Items[0].NSN != storetest.NSN155Alt {
			t.Errorf("items in group by value: %+v", items)
		}
		sites, _ := db.Sites(ctx, catalog.SiteFilter{Kind: "delivery_point"}, list.Options{})
		if sites.Total != 1 || sites.Items[0].Code != storetest.SiteKyiv || sites.Items[0].Kinds[0] != "delivery_point" {
			t.Errorf("delivery points: %+v", sites)
		}
	})
}

func unique(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func TestDashboardFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		svc.CreatePledge(ctx, newPledge("DEU")) // 100 × 3,500.00 + 10 × 500,000.00
		late := newPledge("FRA")
		late.Announced, late.Promised = "2024-10-01", "2025-01-31"
		fra, _ := svc.CreatePledge(ctx, late)
		req, _ := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 10, Priority: 1, NeedBy: "2025-02-01", DeliverySite: storetest.SiteKyiv})
		for _, a := range []assist.Action{{Kind: "commit", Quantity: 10}, {Kind: "allocate", Quantity: 10, Requirement: req.ID}, {Kind: "shipments"}, {Kind: "accept", Quantity: 4}} {
			a.Line = fra.Lines[0].ID
			if a.Kind == "shipments" {
				storetest.Ship(t, db, fra.ID, a.Line, 10, 10)
				continue
			}
			if _, err := svc.Act(ctx, fra.ID, 0, a); err != nil {
				t.Fatal(err)
			}
		}
		d, err := db.Dashboard(ctx, "2025-03-01", 20)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(100*350000 + 10*50000000)
		if d.Totals.Pledged != 2*money.Cents(want) || d.Totals.Delivered != 10*350000 || d.Totals.Accepted != 4*350000 {
			t.Errorf("totals %+v", d.Totals)
		}
		if len(d.ByNation) != 2 {
			t.Fatalf("by nation: %+v", d.ByNation)
		}
		// FRA's lines were promised for 2025-01-31: both are overdue, one
		// partly (90 of 100 rounds outstanding).
		if d.OverdueCount != 2 || d.Overdue[0].Nation != "FRA" || d.Overdue[0].Outstanding != 90 || d.Overdue[0].DaysLate != 29 {
			t.Errorf("overdue %d %+v", d.OverdueCount, d.Overdue)
		}
		if d.OpenByPriority[0].Count != 1 || d.OpenByPriority[0].Quantity != 0 || d.OpenByPriority[0].Overdue != 1 {
			t.Errorf("priority 1: %+v", d.OpenByPriority[0])
		}
		if len(d.Recent) < 2 || d.Recent[0].Action != "pledge.accept" || d.Recent[1].Action != "requirement.accept" {
			t.Errorf("recent: %d events, want pledge.accept then requirement.accept first", len(d.Recent))
		}
		pl, err := db.Pledges(ctx, assist.PledgeFilter{Overdue: "2025-03-01"}, list.Options{}, "2025-03-01")
		if err != nil || pl.Total != 1 || pl.Items[0].Nation != "FRA" || pl.Items[0].OverdueLines != 2 {
			t.Errorf("overdue pledges: %+v %v", pl, err)
		}
	})
}

// TestDatabasePathWithURICharacters opens a SQLite file whose path holds
// characters that a file: URI would otherwise read as its query or fragment.
func TestDatabasePathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger #1?v=2%.db")
	db := storetest.Open(t, path, storetestNow)
	if _, err := db.Nation(storetest.Ctx(), "DEU"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not at the path given: %v", err)
	}
}
