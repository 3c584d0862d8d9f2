package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/reliability"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

var listAll = list.Options{Limit: 100}

// TestDeliveryFacts reads the facts of reliability on both engines: a
// German line delivered in two parts on two days, a German line of which
// some is withdrawn and the rest outstanding, and a restricted French line
// releasable to Ukraine, which counts for no Polish officer.
func TestDeliveryFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		at := func(day string) {
			d, _ := time.Parse("2006-01-02", day)
			db.Now = func() time.Time { return d.Add(9 * time.Hour) }
		}
		at("2025-01-05")
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 500, Priority: 1, NeedBy: "2025-06-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		deu := newPledge("DEU")
		deu.Marking = access.Marking{}
		deu.Promised = "2025-02-15"
		p, err := svc.CreatePledge(ctx, deu)
		if err != nil {
			t.Fatal(err)
		}
		rounds, stingers := p.Lines[0].ID, p.Lines[1].ID
		for _, a := range []assist.Action{
			{Kind: assist.Commit, Line: rounds, Quantity: 100}, {Kind: assist.Allocate, Line: rounds, Quantity: 100, Requirement: req.ID},
			{Kind: assist.Withdraw, Line: stingers, Quantity: 4},
		} {
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatalf("%s: %v", a.Kind, err)
			}
		}
		at("2025-02-10")
		storetest.Ship(t, db, p.ID, rounds, 60, 60)
		at("2025-02-20")
		storetest.Ship(t, db, p.ID, rounds, 40, 40)
		fra := newPledge("FRA")
		fra.Marking = access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"UKR"}}
		fra.Channel, fra.Promised = "nato", "2025-03-31"
		fra.Lines = fra.Lines[:1]
		f, err := svc.CreatePledge(ctx, fra)
		if err != nil {
			t.Fatal(err)
		}

		lines, marking, err := db.DeliveryFacts(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lines {
			var ds []string
			for _, d := range l.Deliveries {
				ds = append(ds, fmt.Sprintf("%s:%d", d.On, d.Quantity))
			}
			got = append(got, fmt.Sprintf("P%d/%d %s %s %s %s %s %d/%d %s %v [%s]", l.Pledge, l.No, l.Nation, l.NationName, l.Channel, l.Capability, l.Promised,
				l.Delivered, l.Pledged, l.UnitValue, l.ValueUndisclosed, strings.Join(ds, " ")))
		}
		want := []string{
			fmt.Sprintf("P%d/1 DEU Germany bilateral ammunition 2025-02-15 100/100 3500.00 false [2025-02-10:60 2025-02-20:40]", p.ID),
			fmt.Sprintf("P%d/2 DEU Germany bilateral air_defence 2025-02-15 0/6 500000.00 false []", p.ID),
			fmt.Sprintf("P%d/1 FRA France nato ammunition 2025-03-31 0/100 3500.00 false []", f.ID),
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") || marking != access.Restricted {
			t.Errorf("facts marked %s:\n%s\nwant\n%s", marking, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if lines, _, err := db.DeliveryFacts(ctx, "FRA"); err != nil || len(lines) != 1 || lines[0].Pledge != f.ID {
			t.Errorf("France's facts: %+v %v", lines, err)
		}

		// Measured on 2025-04-01 by the whole Alliance: the rounds five
		// days late, the Stingers 45 days past the promise, France's
		// rounds one day past it.
		today := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
		measure := &reliability.Service{Facts: db}
		r, err := measure.Measure(ctx, reliability.Query{}, today)
		if err != nil {
			t.Fatal(err)
		}
		if r.All.Lines != 3 || r.All.OnTimeLines != 0 || r.All.MedianSlipTenths != 50 || r.All.Overdue[0].Lines != 1 || r.All.Overdue[1].Lines != 1 || r.Marking != access.Restricted {
			t.Errorf("the Alliance: %+v", r.All.Figures)
		}
		// A Polish officer cleared to NATO RESTRICTED does not see the
		// French pledge, releasable to Ukraine only: it is in no figure of
		// theirs.
		pol := access.WithIdentity(ctx, access.Identity{UserID: 7, Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token"})
		r, err = measure.Measure(pol, reliability.Query{}, today)
		if err != nil {
			t.Fatal(err)
		}
		if r.All.Lines != 2 || len(r.Groups) != 1 || r.Groups[0].Key != "DEU" || r.Marking != access.Unclassified || r.All.Overdue[0].Lines != 0 {
			t.Errorf("the Polish officer sees %+v marked %s", r.All.Figures, r.Marking)
		}
		// The pledges behind a bucket or a capability area's overdue lines:
		// the window of promised dates, and with overdue only the pledges
		// whose line of that area is still open.
		list := func(f assist.PledgeFilter) string {
			p, err := db.Pledges(ctx, f, listAll, "2025-04-01")
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, x := range p.Items {
				ids = append(ids, x.Nation)
			}
			return strings.Join(ids, " ")
		}
		b, _ := reliability.BucketNamed("31-90")
		from, to := b.Window(today)
		for _, c := range []struct {
			f    assist.PledgeFilter
			want string
		}{
			{assist.PledgeFilter{Overdue: "2025-04-01", PromisedFrom: from, PromisedTo: to}, "DEU"},
			{assist.PledgeFilter{Overdue: "2025-04-01", PromisedFrom: "2025-03-01"}, "FRA"},
			{assist.PledgeFilter{PromisedTo: "2025-02-15"}, "DEU"},
			{assist.PledgeFilter{Overdue: "2025-04-01", Capability: "ammunition"}, "FRA"},
			{assist.PledgeFilter{Capability: "ammunition"}, "FRA DEU"},
			{assist.PledgeFilter{Overdue: "2025-04-01", Capability: "air_defence"}, "DEU"},
		} {
			if got := list(c.f); got != c.want {
				t.Errorf("%+v: %q, want %q", c.f, got, c.want)
			}
		}
		// A hub operator reads no pledge accounts: nothing counts.
		hub := access.WithIdentity(ctx, access.Identity{UserID: 8, Name: "hub", Nation: "POL", Roles: []access.Role{access.HubOperator}, Clearance: access.Secret, Via: "token"})
		if lines, _, err := db.DeliveryFacts(hub, ""); err != nil || len(lines) != 0 {
			t.Errorf("a hub operator reads %d lines, %v", len(lines), err)
		}
	})
}
