package cli

import (
	"log/slog"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/notify"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/reliability"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/training"
	"github.com/longhaul/longhaul/internal/web"
)

// NewServer wires the use cases and the read interfaces of the web server
// over db.
func NewServer(db *store.DB, log *slog.Logger, version string) *web.Server {
	as := &assist.Service{Store: store.Assist{DB: db}}
	cat := &catalog.Service{Store: store.Catalog{DB: db}}
	acc := &access.Service{Store: store.Access{DB: db}, Read: db, Factor: &access.SecondFactor{Store: store.Factors{DB: db}, Read: db}, Keys: db}
	if db.Dialect() == store.Postgres {
		// Every server of the database counts failed sign-ins together;
		// a SQLite database has one server, which counts them in memory.
		acc.Throttle = store.Throttle{DB: db}
	}
	return web.New(web.Deps{
		Assist:    as,
		Logi:      &logistics.Service{Store: store.Logistics{DB: db}},
		Catalog:   cat,
		Training:  &training.Service{Store: store.Training{DB: db}},
		Repair:    &repair.Service{Store: store.Repair{DB: db}},
		Importer:  &exchange.Importer{Store: exchange.Over[*store.Tx](db), Catalog: cat, Assist: as},
		Lessons:   &lessons.Service{Store: store.Lessons{DB: db}},
		Accounts:  &accounts.Service{Store: store.Accounts{DB: db}},
		Readiness: readinessService(db),
		Forecast:  forecastService(db),
		Notify:    &notify.Service{Store: store.Notify{DB: db}},
		Access:    acc,
		Plans:     &plan.Service{Store: plan.Over[*store.Tx](db), Read: db},
		Checker:   db,
		Read: web.Readers{
			Catalog:   db,
			Ledger:    db,
			Logistics: db,
			Plans:     db,
			Repair:    db,
			Training:  db,
			Lessons:   db,
			Accounts:  db,
			Users:     db,
			Audit:     db,
			Notify:    db,
			Reports:   db,
			// Reliability is computed once, over the facts the store reads.
			Reliability: &reliability.Service{Facts: db},
		},
		Ready:   db,
		Log:     log,
		Version: version,
	})
}
