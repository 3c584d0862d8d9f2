package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/money"
)

// AccountsStore is where the demo reads the baselines.
type AccountsStore interface {
	Baseline(ctx context.Context, year int) (accounts.Baseline, error)
}

// AccountsService is what the demo's accounts are written through.
type AccountsService interface {
	SaveBaseline(ctx context.Context, b accounts.Baseline, version int64) (accounts.Baseline, error)
	AddContribution(ctx context.Context, c accounts.Contribution) (accounts.Contribution, error)
}

// contributions the demo reports directly: illustrative figures.
var demoContributions = []struct {
	nation, category string
	days             int // before today
	eur              money.Cents
	evidence         string
}{
	{"NLD", "trust_fund", 200, 150_000_000_00, "illustrative: NATO CAP trust fund receipt"},
	{"GBR", "training", 150, 85_000_000_00, "illustrative: Operation Interflex cost statement"},
	{"DEU", "maintenance_logistics", 120, 40_000_000_00, "illustrative: repair contract, Leopard 2A4 at Gliwice"},
	{"DNK", "infrastructure_industry", 90, 60_000_000_00, "illustrative: Danish model production order"},
	{"USA", "equipment_purchase", 60, 900_000_000_00, "illustrative: USAI contract announcement"},
	{"POL", "operational", 30, 25_000_000_00, "illustrative: Rzeszow hub operating costs"},
}

// LoadAccounts gives the demo's year a baseline, when it has none (the
// 2025 baseline carried over, marked illustrative), and reports a few
// contributions directly, so that the accounts show more than the demo's
// deliveries.
func LoadAccounts(ctx context.Context, st AccountsStore, svc AccountsService, today time.Time) error {
	year := today.Year()
	if _, err := st.Baseline(ctx, year); err != nil {
		b, err := st.Baseline(ctx, accounts.Washington.Year)
		if err != nil {
			return err
		}
		b.Year, b.Notes = year, fmt.Sprintf("Illustrative: the demo carries the %d baseline into %d.", accounts.Washington.Year, year)
		if _, err := svc.SaveBaseline(ctx, b, 0); err != nil {
			return fmt.Errorf("demo baseline %d: %w", year, err)
		}
	}
	for _, c := range demoContributions {
		d := today.AddDate(0, 0, -c.days)
		if d.Year() != year {
			d = time.Date(year, 1, 15, 0, 0, 0, 0, time.UTC)
		}
		if _, err := svc.AddContribution(ctx, accounts.Contribution{Nation: c.nation, Date: d.Format("2006-01-02"), Category: c.category, Currency: "EUR",
			Original: c.eur, Evidence: c.evidence}); err != nil {
			return fmt.Errorf("demo contribution of %s: %w", c.nation, err)
		}
	}
	return nil
}
