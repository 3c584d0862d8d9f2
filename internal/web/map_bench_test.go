package web_test

// BenchmarkMapPage renders the map page with 5,000 shipments on their way
// over the demo network, through the real handler (target: under 300 ms
// server-side). Run with:
//   go test ./internal/web -run XXX -bench MapPage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

const benchMapShipments = 5_000

func BenchmarkMapPage(b *testing.B) {
	db, h, token := benchDemo(b)
	ctx := storetest.Ctx()
	all := func(ctx context.Context) ([]assist.Pledge, error) {
		return db.AllPledges(ctx, assist.PledgeFilter{}, "2026-11-23")
	}
	// 5,000 shipments on the demo's routes, each on some leg of its way,
	// written in one transaction: the map reads them as the service left
	// them.
	n, err := db.Network(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ps, err := all(ctx)
	if err != nil {
		b.Fatal(err)
	}
	origins := []string{"DE-DEP1", "US-DEP1", "FR-DEP1", "GB-DEP1", "PL-DEP1", "CZ-DEP1"}
	dests := []string{"UA-LVIV", "UA-KYIV", "UA-DNIPRO"}
	err = db.Transact(ctx, func(tx *store.Tx) error {
		for i := 0; i < benchMapShipments; i++ {
			route, err := n.Route(origins[i%len(origins)], dests[(i/7)%len(dests)])
			if err != nil {
				return err
			}
			legs, err := n.Legs(route, nil)
			if err != nil {
				return err
			}
			start := benchNow.Add(-time.Duration(i%72) * time.Hour)
			sh := logistics.Shipment{Nation: ps[i%len(ps)].Nation, Origin: route[0], Destination: route[len(route)-1], State: logistics.InTransit, Legs: legs,
				PlannedDeparture: start, MassG: 1_000_000, CreatedAt: benchNow, UpdatedAt: benchNow, Holder: "carrier"}
			sh.ETA = logistics.Schedule(sh.Legs, 0, start)
			sh.Leg = (i / 3) % len(legs)
			if i%5 == 0 {
				sh.State, sh.Location = logistics.AtHub, legs[0].To
			}
			if err := tx.CreateShipment(ctx, &sh); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/map", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	first := get()
	if first.Code != http.StatusOK {
		b.Fatalf("map: %d %s", first.Code, first.Body.String())
	}
	if got := strings.Count(first.Body.String(), `<circle class="ship`); got < benchMapShipments*3/4 {
		b.Fatalf("the map draws %d moving shipments, want about %d", got, benchMapShipments*4/5)
	}
	b.Logf("map page: %d bytes, %s", first.Body.Len(), fmt.Sprint(strings.Count(first.Body.String(), `<circle class="ship`), " shipments drawn"))
	for b.Loop() {
		if rec := get(); rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/1e6, "ms/page")
	b.ReportMetric(float64(per)/float64(300*time.Millisecond), "x-target")
}

// benchDemo loads the demo into a new SQLite database and returns it, the
// real handler over it with the clock at benchNow, and a coordinator's
// API token.
func benchDemo(b *testing.B) (*store.DB, http.Handler, string) {
	benchQuiet(b)
	db := storetest.Open(b, storetest.SQLiteDSN(b), benchNow)
	ctx := storetest.Ctx()
	if err := demo.Load(ctx, &catalog.Service{Store: store.Catalog{DB: db}}, &assist.Service{Store: store.Assist{DB: db}}, benchNow); err != nil {
		b.Fatal(err)
	}
	all := func(ctx context.Context) ([]assist.Pledge, error) {
		return db.AllPledges(ctx, assist.PledgeFilter{}, "2026-11-23")
	}
	if err := demo.LoadLogistics(ctx, &logistics.Service{Store: store.Logistics{DB: db}}, all, benchNow); err != nil {
		b.Fatal(err)
	}
	srv := cli.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), "bench")
	srv.Limits = nil // tests send far more than people do; the limits have tests of their own
	srv.Now = func() time.Time { return benchNow }
	srv.Access.Now = srv.Now
	if _, err := srv.Access.CreateUser(ctx, access.NewUser{Name: "bench-coord", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Password: "correct horse battery staple 7"}); err != nil {
		b.Fatal(err)
	}
	_, token, err := srv.Access.CreateToken(ctx, "bench-coord", "bench", 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return db, srv.Handler(), token
}
