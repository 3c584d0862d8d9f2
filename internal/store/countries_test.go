package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestEveryCountryMayPledge: donors outside the Allies, partners and the
// EU (Austria, Switzerland, Taiwan, India) pledge like any other; no
// record is released to them, and none of their people get accounts, for
// none read here.
func TestEveryCountryMayPledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		for code, name := range map[string]string{"AUT": "Austria", "CHE": "Switzerland", "TWN": "Taiwan", "IND": "India", "MLT": "Malta"} {
			n, err := db.Nation(ctx, code)
			if err != nil || n.Name != name || n.Role != catalog.RoleCountry || n.InBaseline || n.HasUsers() {
				t.Errorf("%s: %+v %v", code, n, err)
			}
		}
		p, err := ledger(db).CreatePledge(ctx, assist.Pledge{Nation: "CHE", Title: "Demining equipment", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
			Announced: "2024-06-01", Promised: "2024-12-31", Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 10}}})
		if err != nil {
			t.Fatalf("a Swiss pledge: %v", err)
		}
		if got, err := db.Pledge(ctx, p.ID); err != nil || got.Nation != "CHE" {
			t.Errorf("the Swiss pledge reads back as %+v %v", got, err)
		}
		_, err = ledger(db).CreatePledge(ctx, assist.Pledge{Nation: "DEU", Title: "For Austria too", Kind: "funds", Channel: "trust_fund", Category: "trust_fund",
			Announced: "2024-06-01", Promised: "2024-12-31", Amount: 100, Marking: access.Marking{Classification: access.Restricted, ReleasableTo: access.Releasability{"AUT", "UKR"}}})
		if fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "Austria (AUT) has no one reading here") {
			t.Errorf("released to a country without readers: %v", err)
		}
		acc := &access.Service{Store: store.Access{DB: db}, Read: db}
		if _, err := acc.CreateUser(ctx, access.NewUser{Name: "aut-officer", Nation: "AUT", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Password: "correct horse battery staple 7"}); fault.Code(err) != fault.Invalid {
			t.Errorf("a user of a country without readers: %v", err)
		}
		// Allies, partners, Ukraine and the EU keep their audience bits:
		// 249 countries and the EU would not fit in 62.
		all, err := db.Nations(ctx, catalog.NationFilter{}, list.Options{Limit: list.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		readers := 0
		for _, n := range all.Items {
			if n.HasUsers() {
				readers++
			}
		}
		if all.Total < 250 || readers != 38 {
			t.Errorf("%d nations, %d with readers; want every ISO 3166-1 country and the EU, and the 38 of before", all.Total, readers)
		}
	})
}

// TestCountriesReachADatabaseMadeBefore reopens a database made before
// every country could pledge, holding pledges that refer to its nations:
// the nations table is rebuilt (SQLite) or its rule changed (PostgreSQL),
// the records keep their nations, and the countries come in once.
func TestCountriesReachADatabaseMadeBefore(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
			db := storetest.Open(t, d, now)
			storetest.Seed(t, db)
			ctx := storetest.Ctx()
			p, err := ledger(db).CreatePledge(ctx, assist.Pledge{Nation: "POL", Title: "Before", Kind: "in_kind", Channel: "bilateral", Category: "in_kind",
				Announced: "2024-06-01", Promised: "2024-12-31", Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 10}}})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			raw := rawOpen(t, d)
			for _, q := range []string{`DELETE FROM nations WHERE role = 'country'`, `DELETE FROM schema_migrations WHERE version = 16`} {
				if _, err := raw.ExecContext(context.Background(), q); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()
			again := storetest.Open(t, d, now)
			if got, err := again.Pledge(ctx, p.ID); err != nil || got.Nation != "POL" || len(got.Lines) != 1 {
				t.Fatalf("the pledge after the upgrade: %+v %v", got, err)
			}
			if n, err := again.Nation(ctx, "AUT"); err != nil || n.Role != catalog.RoleCountry {
				t.Errorf("Austria after the upgrade: %+v %v", n, err)
			}
			evs, _ := again.Events(ctx, "nation", "*", 10)
			found := 0
			for _, ev := range evs {
				if ev.Action == "reference.countries" {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%d reference.countries events, want 1", found)
			}
			if res, err := again.VerifyAudit(ctx); err != nil || res.Break != nil {
				t.Errorf("the chain after the upgrade: %+v %v", res, err)
			}
		})
	}
}

// rawOpen opens dsn with database/sql alone, as an operator's tool would.
func rawOpen(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, name := "pgx", dsn
	if !strings.HasPrefix(dsn, "postgres") {
		driver, name = "sqlite", "file:"+dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
