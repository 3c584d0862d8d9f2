package accounts_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
)

// memory is an in-memory accounts.Store for the rules' tests: a
// transaction works on a copy of the state, which replaces the state only
// when the use case returns nil.
type memory struct {
	now           time.Time
	nations       map[string]catalog.Nation
	gdp           map[string]int64 // "NATION/year" → GDP in US dollars
	pledges       map[int64]assist.Pledge
	baselines     map[int]accounts.Baseline
	rates         map[string]accounts.Rate // "CUR/year"
	agreements    map[string]accounts.Agreement
	contributions []accounts.Contribution
	events        []audit.Record

	// failAudit makes every audit write fail, to show that the change
	// goes with it.
	failAudit error
}

func newMemory() *memory {
	return &memory{
		now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		nations: map[string]catalog.Nation{
			"DEU": {Code: "DEU", Name: "Germany"}, "FRA": {Code: "FRA", Name: "France"},
			"POL": {Code: "POL", Name: "Poland"}, "JPN": {Code: "JPN", Name: "Japan"},
		},
		gdp: map[string]int64{"DEU/2024": 4_500, "FRA/2024": 3_100, "POL/2024": 900, "DEU/2025": 0},
		pledges: map[int64]assist.Pledge{
			1: {ID: 1, Nation: "DEU"},
			2: {ID: 2, Nation: "FRA"},
		},
		baselines:  map[int]accounts.Baseline{2025: {Year: 2025, Amount: 100, GDPYear: 2024, Nations: []string{"DEU", "FRA"}, Version: 1}},
		rates:      map[string]accounts.Rate{"GBP/2025": {Currency: "GBP", Year: 2025, PerEUR: "0.8", Source: "test"}},
		agreements: map[string]accounts.Agreement{},
	}
}

func (m *memory) clone() *memory {
	c := *m
	c.nations, c.gdp, c.pledges = maps.Clone(m.nations), maps.Clone(m.gdp), maps.Clone(m.pledges)
	c.baselines, c.rates, c.agreements = maps.Clone(m.baselines), maps.Clone(m.rates), maps.Clone(m.agreements)
	c.contributions, c.events = slices.Clone(m.contributions), slices.Clone(m.events)
	return &c
}

func (m *memory) Transact(ctx context.Context, fn func(accounts.Tx) error) error {
	work := m.clone()
	if err := fn(memoryTx{work}); err != nil {
		return err
	}
	*m = *work
	return nil
}

type memoryTx struct{ m *memory }

func (tx memoryTx) Now() time.Time { return tx.m.now }

func (tx memoryTx) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	if n, ok := tx.m.nations[code]; ok {
		return n, nil
	}
	return catalog.Nation{}, fault.Errorf(fault.NotFound, "no nation %s", code)
}

func (tx memoryTx) Pledge(ctx context.Context, id int64) (assist.Pledge, error) {
	if p, ok := tx.m.pledges[id]; ok {
		return p, nil
	}
	return assist.Pledge{}, fault.Errorf(fault.NotFound, "no pledge %d", id)
}

func (tx memoryTx) Baseline(ctx context.Context, year int) (accounts.Baseline, error) {
	if b, ok := tx.m.baselines[year]; ok {
		return b, nil
	}
	return accounts.Baseline{}, fault.Errorf(fault.NotFound, "no baseline for %d", year)
}

func (tx memoryTx) HasBaseline(ctx context.Context, year int) (bool, error) {
	_, ok := tx.m.baselines[year]
	return ok, nil
}

func (tx memoryTx) SaveBaseline(ctx context.Context, b *accounts.Baseline, version int64) error {
	old, ok := tx.m.baselines[b.Year]
	switch {
	case version == 0 && ok:
		return fault.Errorf(fault.Conflict, "baseline %d exists", b.Year)
	case version > 0 && (!ok || old.Version != version):
		return fault.Errorf(fault.Conflict, "the baseline for %d was changed by someone else since version %d", b.Year, version)
	}
	b.Version, b.UpdatedAt = version+1, tx.m.now
	tx.m.baselines[b.Year] = *b
	return nil
}

func (tx memoryTx) GDP(ctx context.Context, year int, nations []string) ([]accounts.NationGDP, error) {
	var out []accounts.NationGDP
	for _, code := range nations {
		if n, ok := tx.m.nations[code]; ok {
			out = append(out, accounts.NationGDP{Nation: code, Name: n.Name, GDPUSD: tx.m.gdp[fmt.Sprintf("%s/%d", code, year)]})
		}
	}
	return out, nil
}

func (tx memoryTx) Rate(ctx context.Context, currency string, year int) (accounts.Rate, error) {
	currency = strings.ToUpper(currency)
	if currency == "EUR" {
		return accounts.Rate{Currency: "EUR", Year: year, PerEUR: "1", Source: "the euro itself"}, nil
	}
	if r, ok := tx.m.rates[fmt.Sprintf("%s/%d", currency, year)]; ok {
		return r, nil
	}
	return accounts.Rate{}, fault.Errorf(fault.NotFound, "no exchange rate for %s in %d", currency, year)
}

func (tx memoryTx) SaveRate(ctx context.Context, r accounts.Rate) error {
	tx.m.rates[fmt.Sprintf("%s/%d", r.Currency, r.Year)] = r
	return nil
}

func (tx memoryTx) CreateContribution(ctx context.Context, c *accounts.Contribution) error {
	for _, n := range c.ReleasableTo {
		if _, ok := tx.m.nations[n]; !ok {
			return fault.Field("releasable_to", "no nation %q", n)
		}
	}
	c.ID = int64(len(tx.m.contributions) + 1)
	tx.m.contributions = append(tx.m.contributions, *c)
	return nil
}

func (tx memoryTx) Agreement(ctx context.Context, nation string) (accounts.Agreement, error) {
	if a, ok := tx.m.agreements[nation]; ok {
		return a, nil
	}
	return accounts.Agreement{}, fault.Errorf(fault.NotFound, "no agreement of %s", nation)
}

func (tx memoryTx) SaveAgreement(ctx context.Context, a accounts.Agreement) error {
	tx.m.agreements[a.Nation] = a
	return nil
}

func (tx memoryTx) Audit(ctx context.Context, r audit.Record) error {
	if tx.m.failAudit != nil {
		return tx.m.failAudit
	}
	tx.m.events = append(tx.m.events, r)
	return nil
}
