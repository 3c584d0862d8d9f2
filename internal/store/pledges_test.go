package store_test

import (
	"slices"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestPledgesToCommitAndToAccept holds the store's filters of the pledges
// with something to commit and with something delivered to accept to the
// rules on the line, assist.Line.ToCommit and ToAccept, over pledges at
// every stage, and checks each filter selects some and leaves some out.
func TestPledgesToCommitAndToAccept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 1000, Priority: 1, NeedBy: "2025-06-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		// Each pledge of one line of 100 rounds, the line taken this far:
		// committed, allocated, delivered (shipped and received) and
		// accepted, or withdrawn whole.
		for _, st := range []struct {
			nation                                   string
			commit, allocate, deliver, accept, taken int64
		}{
			{nation: "DEU"},
			{nation: "DEU", commit: 40},
			{nation: "DEU", commit: 100},
			{nation: "FRA", commit: 100, allocate: 60, deliver: 30},
			{nation: "FRA", commit: 100, allocate: 100, deliver: 100, accept: 40},
			{nation: "NLD", commit: 100, allocate: 100, deliver: 100, accept: 100},
			{nation: "NLD", taken: 100},
		} {
			p := assist.Pledge{Nation: st.nation, Title: "Rounds", Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2025-02-01", Promised: "2025-04-30",
				Marking: access.Marking{}, Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 100}}}
			if p, err = svc.CreatePledge(ctx, p); err != nil {
				t.Fatal(err)
			}
			line := p.Lines[0].ID
			for _, a := range []assist.Action{{Kind: assist.Commit, Line: line, Quantity: st.commit}, {Kind: assist.Allocate, Line: line, Quantity: st.allocate, Requirement: req.ID}} {
				if a.Quantity > 0 {
					if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
						t.Fatal(err)
					}
				}
			}
			if st.deliver > 0 {
				storetest.Ship(t, db, p.ID, line, st.deliver, st.deliver)
			}
			for _, a := range []assist.Action{{Kind: assist.Accept, Line: line, Quantity: st.accept}, {Kind: assist.Withdraw, Line: line, Quantity: st.taken}} {
				if a.Quantity > 0 {
					if _, err = svc.Act(ctx, p.ID, 0, a); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		all, err := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			f    assist.PledgeFilter
			rule func(l *assist.Line) int64
		}{
			"to commit":         {assist.PledgeFilter{ToCommit: true}, (*assist.Line).ToCommit},
			"to accept":         {assist.PledgeFilter{ToAccept: true}, (*assist.Line).ToAccept},
			"German, to commit": {assist.PledgeFilter{ToCommit: true, Nation: "DEU"}, (*assist.Line).ToCommit},
		} {
			var want []int64
			for _, p := range all {
				if tc.f.Nation != "" && p.Nation != tc.f.Nation {
					continue
				}
				if slices.ContainsFunc(p.Lines, func(l assist.Line) bool { return tc.rule(&l) > 0 }) {
					want = append(want, p.ID)
				}
			}
			page, err := db.Pledges(ctx, tc.f, list.Options{Limit: 100, Sort: "id"}, "2025-03-01")
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range page.Items {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, want) || page.Total != int64(len(want)) {
				t.Errorf("%s: %v (%d in all), want %v", name, got, page.Total, want)
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Errorf("%s: the fixture selects %d of %d pledges: it tests nothing", name, len(want), len(all))
			}
		}
	})
}
