package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func TestFairSharesOfTheWashingtonBaseline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		b, shares, rate, err := db.FairShares(ctx, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if b.Amount != 40_000_000_000_00 || b.GDPYear != 2024 || len(shares) != 31 {
			t.Fatalf("the 2025 baseline: %+v with %d shares", b, len(shares))
		}
		var sum money.Cents
		largest := shares[0]
		for _, s := range shares {
			sum += s.Fair
			if s.Nation == "HUN" {
				t.Error("Hungary opted out and has a share")
			}
			if s.Fair > largest.Fair {
				largest = s
			}
		}
		if sum != b.Amount {
			t.Errorf("the fair shares add up to %s, not to the baseline's %s", sum, b.Amount)
		}
		if largest.Nation != "USA" {
			t.Errorf("the largest share is %s's", largest.Nation)
		}
		if rate == nil || rate.PerEUR != "1.0824" {
			t.Errorf("the GDP's dollar rate: %+v", rate)
		}
	})
}

func TestBaselineRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		fp := mustFingerprint(t, db)
		b := accounts.Baseline{Year: 2025, Amount: 100, GDPYear: 2024, Nations: []string{"DEU"}}
		if _, err := accountsService(db).SaveBaseline(ctx, b, 0); fault.Code(err) != fault.Conflict || !strings.Contains(err.Error(), "exists already") {
			t.Errorf("a second baseline for 2025: %v", err)
		}
		b.Year, b.GDPYear, b.Nations = 2026, 2025, []string{"DEU", "FRA"}
		if _, err := accountsService(db).SaveBaseline(ctx, b, 0); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "no GDP figure for Germany (DEU) in 2025") {
			t.Errorf("a GDP year without figures: %v", err)
		}
		b.GDPYear, b.Nations = 2024, []string{"DEU", "JPN"}
		if _, err := accountsService(db).SaveBaseline(ctx, b, 0); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "Japan (JPN)") {
			t.Errorf("a participant without NATO's GDP figure: %v", err)
		}
		if mustFingerprint(t, db) != fp {
			t.Error("a refused baseline changed the database")
		}
		b.Nations = []string{"deu", "FRA"}
		got, err := accountsService(db).SaveBaseline(ctx, b, 0)
		if err != nil || got.Version != 1 || strings.Join(got.Nations, ",") != "DEU,FRA" {
			t.Fatalf("a 2026 baseline: %+v %v", got, err)
		}
		got.Nations = append(got.Nations, "POL")
		if _, err := accountsService(db).SaveBaseline(ctx, got, 7); fault.Code(err) != fault.Conflict {
			t.Errorf("a stale version: %v", err)
		}
		if got, err = accountsService(db).SaveBaseline(ctx, got, got.Version); err != nil || got.Version != 2 {
			t.Fatalf("adding Poland: %+v %v", got, err)
		}
		_, shares, _, err := db.FairShares(ctx, 2026)
		if err != nil || len(shares) != 3 || shares[0].Fair+shares[1].Fair+shares[2].Fair != 100 {
			t.Errorf("shares of one euro among three: %+v %v", shares, err)
		}
	})
}

func TestSpendingFromNATOTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		for year, want := range map[int]int{2024: 23, 2023: 10, 2014: 3} {
			rows, err := db.Spending(ctx, year)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range rows {
				if r.Meets2 {
					n++
				}
			}
			if n != want {
				t.Errorf("%d: %d Allies at or above 2%%, want %d", year, n, want)
			}
		}
		rows, err := db.Spending(ctx, 2024)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.Nation] = money.FormatDecimal((r.PPM+50)/100, 2)
		}
		if got["POL"] != "4.12" || got["USA"] != "3.38" || rows[0].Nation != "POL" {
			t.Errorf("Poland %s%%, the United States %s%%, first %s", got["POL"], got["USA"], rows[0].Nation)
		}
		if _, err := db.Spending(ctx, 2030); fault.Code(err) != fault.Invalid {
			t.Errorf("a year without figures: %v", err)
		}
	})
}

func TestContributionsCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := ledger(db)
		req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 100, Priority: 1, NeedBy: "2025-06-01", DeliverySite: storetest.SiteKyiv})
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.CreatePledge(ctx, newPledge("DEU"))
		if err != nil {
			t.Fatal(err)
		}
		line := p.Lines[0].ID // 155 mm at EUR 3,500.00
		for _, a := range []assist.Action{
			{Kind: assist.Commit, Line: line, Quantity: 40}, {Kind: assist.Allocate, Line: line, Quantity: 40, Requirement: req.ID},
		} {
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatalf("%s: %v", a.Kind, err)
			}
		}
		storetest.Ship(t, db, p.ID, line, 40, 30)
		// Bad contributions are refused and change nothing.
		fp := mustFingerprint(t, db)
		good := accounts.Contribution{Nation: "DEU", Date: "2025-02-10", Category: "training", Currency: "EUR", Original: 50_000_00, Evidence: "BMVg report 2025-02"}
		for _, c := range []struct {
			change func(*accounts.Contribution)
			field  string
		}{
			{func(c *accounts.Contribution) { c.Category = "bribes" }, "category"},
			{func(c *accounts.Contribution) { c.Currency = "NOK" }, "currency"},
			{func(c *accounts.Contribution) { c.Original = -5 }, "original_amount"},
			{func(c *accounts.Contribution) { c.Date = "2024-05-01" }, "date"},
			{func(c *accounts.Contribution) { c.Evidence = " " }, "evidence"},
			{func(c *accounts.Contribution) { c.Nation = "XXX" }, "nation"},
			{func(c *accounts.Contribution) { c.Pledge = 999 }, "pledge"},
		} {
			bad := good
			c.change(&bad)
			_, err := accountsService(db).AddContribution(ctx, bad)
			e := fault.As(err)
			if e == nil || e.Code != fault.Invalid || !strings.Contains(fmt.Sprint(err), c.field) {
				t.Errorf("%s: %v", c.field, err)
			}
		}
		if mustFingerprint(t, db) != fp {
			t.Error("a refused contribution changed the database")
		}
		// The delivery of 30 rounds is also reported directly, naming the
		// pledge: it counts once. A direct training contribution in pounds
		// counts in euros at the 2025 rate, once there is one.
		if _, err := accountsService(db).AddContribution(ctx, accounts.Contribution{Nation: "DEU", Date: "2025-03-01", Category: "in_kind", Currency: "EUR", Original: 105_000_00, Pledge: p.ID, Evidence: "delivery note 7"}); err != nil {
			t.Fatal(err)
		}
		gbp := accounts.Contribution{Nation: "DEU", Date: "2025-08-15", Category: "training", Currency: "GBP", Original: 1_000_00, Evidence: "course invoice"}
		if _, err := accountsService(db).AddContribution(ctx, gbp); fault.Code(err) != fault.Invalid {
			t.Errorf("pounds in 2025 without a 2025 rate: %v", err)
		}
		if _, err := accountsService(db).SaveRate(ctx, accounts.Rate{Currency: "gbp", Year: 2025, PerEUR: "0.8", Source: "test rate"}); err != nil {
			t.Fatal(err)
		}
		c, err := accountsService(db).AddContribution(ctx, gbp)
		if err != nil || c.Amount != 1_250_00 || c.Rate != "0.8" {
			t.Fatalf("pounds converted: %+v %v", c, err)
		}
		l, err := db.Accounts(ctx, 2025, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		var deu accounts.Account
		for _, a := range l.Accounts {
			if a.Nation == "DEU" {
				deu = a
			}
		}
		if deu.Delivered != 105_000_00 || deu.Reported != 105_000_00 || deu.Direct != 1_250_00 || deu.Counted != 106_250_00 {
			t.Errorf("Germany's account: delivered %s, reported %s, direct %s, counted %s", deu.Delivered, deu.Reported, deu.Direct, deu.Counted)
		}
		if deu.Halves != [2]money.Cents{105_000_00, 1_250_00} || deu.ByCategory["in_kind"] != 105_000_00 || deu.ByCategory["training"] != 1_250_00 {
			t.Errorf("Germany by half %v and category %v", deu.Halves, deu.ByCategory)
		}
		// 30 of 100 rounds delivered, 10 Stingers at EUR 500,000 outstanding.
		if deu.Outstanding != 70*3_500_00+10*500_000_00 {
			t.Errorf("Germany's outstanding pledges: %s", deu.Outstanding)
		}
		if !deu.Flagged || len(l.Flagged) != 31 {
			t.Errorf("by September every participant is below half its share: %v, %d flagged", deu.Flagged, len(l.Flagged))
		}
		if l.Alliance.Counted != deu.Counted || l.Alliance.Fair != 40_000_000_000_00 {
			t.Errorf("the Alliance: %+v", l.Alliance)
		}
		// Before mid-year nobody is flagged; a French officer sees no
		// German restricted pledge in the figures.
		if l, err := db.Accounts(ctx, 2025, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)); err != nil || len(l.Flagged) != 0 {
			t.Errorf("flagged before mid-year: %v %v", l.Flagged, err)
		}
		fra := access.WithIdentity(ctx, access.Identity{Name: "fra", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Secret, Via: "token", UserID: 9})
		l, err = db.Accounts(fra, 2025, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if l.Alliance.Delivered != 0 || l.Alliance.Direct != 1_250_00 {
			t.Errorf("France sees deliveries %s and direct %s", l.Alliance.Delivered, l.Alliance.Direct)
		}
	})
}

// accountsService is the accounts' use cases over db.
func accountsService(db *store.DB) *accounts.Service {
	return &accounts.Service{Store: store.Accounts{DB: db}}
}
