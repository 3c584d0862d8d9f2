package store_test

// Benchmarks of the logistics targets (issue 4):
//   - the receipt of a 50-line shipment, with the ledger updates and audit
//     events it makes, under 20 ms on SQLite;
//   - a hub's stock with 1,000,000 shipment events at the hub, under 50 ms,
//     beside the sum over the events that the maintained balance replaces.
// Run with:
//   go test ./internal/store -run XXX -bench 'Receive50|HubStock' -benchtime 2s

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// benchReceiptLines is the size of the shipment the receipt benchmark
// receives: five pledges of ten lines, each line allocated.
const benchReceiptLines = 50

// benchAllocations records five German pledges of ten lines, commits and
// allocates each line to one requirement, and returns the 50 allocations.
func benchAllocations(b *testing.B, db *store.DB, perLine int64) []int64 {
	b.Helper()
	ctx := storetest.Ctx()
	svc := ledger(db)
	req, err := svc.CreateRequirement(ctx, assist.Requirement{Group: "155MM-NATO", Quantity: 1 << 40, Priority: 1, NeedBy: "2026-12-31", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		b.Fatal(err)
	}
	var out []int64
	for p := 0; p < benchReceiptLines/10; p++ {
		pl := assist.Pledge{Nation: "DEU", Title: fmt.Sprintf("bench pledge %d", p), Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2026-01-01", Promised: "2026-12-01"}
		for l := 0; l < 10; l++ {
			nsn := storetest.NSN155
			if l%2 == 1 {
				nsn = storetest.NSN155Alt
			}
			pl.Lines = append(pl.Lines, assist.Line{NSN: nsn, Pledged: perLine, UnitValue: 350000})
		}
		pl, err := svc.CreatePledge(ctx, pl)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range pl.Lines {
			for _, a := range []assist.Action{{Kind: assist.Commit, Line: l.ID, Quantity: perLine}, {Kind: assist.Allocate, Line: l.ID, Quantity: perLine, Requirement: req.ID}} {
				if pl, err = svc.Act(ctx, pl.ID, 0, a); err != nil {
					b.Fatal(err)
				}
			}
		}
		als, err := db.Allocations(ctx, pl.ID, 0)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range als {
			out = append(out, a.ID)
		}
	}
	return out
}

func BenchmarkReceive50(b *testing.B) {
	benchQuiet(b)
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, benchDSN(b, engine), time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			seedNetwork(b, db)
			allocs := benchAllocations(b, db, 1_000_000)
			svc := logi(db)
			ctx := storetest.Ctx()
			lines := make([]logistics.NewLine, len(allocs))
			for i, a := range allocs {
				lines[i] = logistics.NewLine{Allocation: a, Quantity: 3}
			}
			// delivered makes a shipment of 50 lines and brings it to its
			// destination: the state a receipt starts from.
			delivered := func() int64 {
				sh, err := svc.CreateShipment(ctx, logistics.NewShipment{Origin: siteDepot, Destination: storetest.SiteKyiv, Via: []string{storetest.SiteHub},
					PlannedDeparture: db.Now().Add(-48 * time.Hour), Lines: lines})
				if err != nil {
					b.Fatal(err)
				}
				for _, a := range []string{logistics.Dispatch, logistics.Arrive, logistics.Depart, logistics.Arrive} {
					// All at the fixed clock's instant: the arrivals say why.
					if sh, err = svc.Hand(ctx, sh.ID, 0, logistics.Move{Action: a, Note: "benchmark"}); err != nil {
						b.Fatal(err)
					}
				}
				return sh.ID
			}
			// One line short, as receipts often are: a discrepancy too.
			rc := logistics.Receipt{Lines: []logistics.ReceiptLine{{No: 7, Received: 2, Kind: logistics.Damaged, Reason: "one round dented"}}}
			var n int
			for b.Loop() {
				b.StopTimer()
				id := delivered()
				b.StartTimer()
				if _, _, err := svc.Receive(benchCtx(access.Identity{Name: "bench-ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Secret, Via: "token"}), id, 0, rc); err != nil {
					b.Fatal(err)
				}
				n++
			}
			per := b.Elapsed() / time.Duration(n)
			b.ReportMetric(float64(per)/1e6, "ms/receipt")
			b.ReportMetric(float64(per)/float64(20*time.Millisecond), "x-target")
		})
	}
}

// benchHubEvents is how many stock events the hub-stock benchmark puts at
// one hub, over benchHubItems items.
const (
	benchHubEvents = 1_000_000
	benchHubItems  = 200
)

func BenchmarkHubStock(b *testing.B) {
	benchQuiet(b)
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			dsn := benchDSN(b, engine)
			db := storetest.Open(b, dsn, benchNow)
			storetest.Seed(b, db)
			raw := benchOpenRaw(b, dsn)
			pg := store.IsPostgres(dsn)
			ctx := context.Background()
			tx, err := raw.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			// The items, the events (in and out, a year of days) and the
			// balance they sum to, as the store keeps it.
			var items, events, balance [][]any
			sums := map[string]int64{}
			for i := 0; i < benchHubItems; i++ {
				nsn := fmt.Sprintf("1320-12-%03d-%04d", i/100, 1000+i)
				items = append(items, []any{nsn, "bench item", "1320", "ammunition", "EA", 100, 1000, 100, "", 1, benchToday, benchToday})
			}
			for i := 0; i < benchHubEvents; i++ {
				nsn := items[i%benchHubItems][0].(string)
				d, kind := int64(10), "in"
				if i%3 == 2 {
					d, kind = -10, "out"
				}
				sums[nsn] += d
				day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%330)
				events = append(events, []any{storetest.SiteHub, nsn, d, 10_000, kind, day.Format(time.RFC3339Nano), day.Format("2006-01-02"), "", "bench"})
			}
			for nsn, q := range sums {
				balance = append(balance, []any{storetest.SiteHub, nsn, q})
			}
			if err := benchBulkInsert(ctx, tx, pg, "items", []string{"nsn", "name", "supply_class", "capability", "unit_of_issue", "unit_value", "mass_g", "volume_cm3", "grp", "version", "created_at", "updated_at"}, items); err != nil {
				b.Fatal(err)
			}
			if err := benchBulkInsert(ctx, tx, pg, "stock_events", []string{"site", "nsn", "delta", "mass_g", "kind", "at", "day", "reason", "actor"}, events); err != nil {
				b.Fatal(err)
			}
			if err := benchBulkInsert(ctx, tx, pg, "hub_stock", []string{"site", "nsn", "quantity"}, balance); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if pg {
				if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			rctx := benchCtx(access.Identity{Name: "bench-rze", Nation: "POL", Site: storetest.SiteHub, Roles: []access.Role{access.HubOperator}, Clearance: access.Restricted, Via: "token"})
			stock, err := db.HubStock(rctx, storetest.SiteHub)
			if err != nil || len(stock) != benchHubItems {
				b.Fatalf("hub stock: %d lines, %v", len(stock), err)
			}
			// The sum over the events, once: what reading the stock would
			// cost without the balance, and the check that they agree.
			t0 := time.Now()
			sum, err := db.StockEventSum(rctx, storetest.SiteHub)
			sumTime := time.Since(t0)
			if err != nil || len(sum) != benchHubItems {
				b.Fatalf("event sum: %d items, %v", len(sum), err)
			}
			for _, l := range stock {
				if sum[l.NSN] != l.Quantity {
					b.Fatalf("%s: balance %d, events sum to %d", l.NSN, l.Quantity, sum[l.NSN])
				}
			}
			for b.Loop() {
				if _, err := db.HubStock(rctx, storetest.SiteHub); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per)/1e6, "ms/call")
			b.ReportMetric(float64(per)/float64(50*time.Millisecond), "x-target")
			b.ReportMetric(float64(sumTime)/1e6, "event-sum-ms")
		})
	}
}
