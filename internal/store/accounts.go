package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
)

// Accounts adapts Transact to the accounts' Store interface.
type Accounts struct{ DB *DB }

// Transact runs fn in one write transaction.
func (a Accounts) Transact(ctx context.Context, fn func(accounts.Tx) error) error {
	return a.DB.Transact(ctx, func(tx *Tx) error { return fn(accountsTx{tx}) })
}

// accountsTx is the write transaction as the accounts' use cases see it.
type accountsTx struct{ *Tx }

// Baseline reads the baseline of year with its nations.
func (tx accountsTx) Baseline(ctx context.Context, year int) (accounts.Baseline, error) {
	return tx.db.baseline(ctx, tx.Tx, year)
}

// HasBaseline reports whether year has a baseline.
func (tx accountsTx) HasBaseline(ctx context.Context, year int) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM baselines WHERE year = ?`, year).Scan(&n)
	return n > 0, err
}

// SaveBaseline writes b with its nations, at version.
func (tx accountsTx) SaveBaseline(ctx context.Context, b *accounts.Baseline, version int64) error {
	return tx.saveBaseline(ctx, b, version)
}

// GDP reads the GDP in year of those of nations that exist.
func (tx accountsTx) GDP(ctx context.Context, year int, nations []string) ([]accounts.NationGDP, error) {
	return tx.db.gdp(ctx, tx.Tx, year, nations)
}

// Rate reads the rate of currency in year.
func (tx accountsTx) Rate(ctx context.Context, currency string, year int) (accounts.Rate, error) {
	return tx.db.rate(ctx, tx.Tx, currency, year)
}

// SaveRate records r in place of the rate of its currency and year.
func (tx accountsTx) SaveRate(ctx context.Context, r accounts.Rate) error {
	if _, err := tx.exec(ctx, `DELETE FROM exchange_rates WHERE currency = ? AND year = ?`, r.Currency, r.Year); err != nil {
		return err
	}
	return tx.saveRate(ctx, r)
}

// CreateContribution inserts c and sets its id, refusing one that would
// take the contributions together beyond their bound.
func (tx accountsTx) CreateContribution(ctx context.Context, c *accounts.Contribution) error {
	var others, othersOriginal money.Cents
	if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(original), 0) FROM contributions`).Scan(&others, &othersOriginal); err != nil {
		return fmt.Errorf("contributions total: %w", err)
	}
	if err := c.CheckLedger(others, othersOriginal); err != nil {
		return err
	}
	aud, err := tx.audience(c.Nation, c.ReleasableTo)
	if err != nil {
		return err
	}
	var pledge any
	if c.Pledge != 0 {
		pledge = c.Pledge
	}
	c.ID, err = tx.insertID(ctx, `INSERT INTO contributions (nation, on_date, category, currency, original, rate, amount, pledge_id, evidence, notes, classification, releasable_to, audience, version, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Nation, c.Date, c.Category, c.Currency, c.Original, c.Rate, c.Amount, pledge, c.Evidence, c.Notes, int(c.Classification), strings.Join(c.ReleasableTo, ","), aud, c.Version, c.CreatedBy, ts(c.CreatedAt))
	return mapConstraint(err, "contribution")
}

// Agreement reads the agreement of nation in the register.
func (tx accountsTx) Agreement(ctx context.Context, nation string) (accounts.Agreement, error) {
	return tx.db.agreement(ctx, tx.Tx, nation)
}

// SaveAgreement records a in place of its nation's agreement.
func (tx accountsTx) SaveAgreement(ctx context.Context, a accounts.Agreement) error {
	if _, err := tx.exec(ctx, `DELETE FROM agreements WHERE nation = ?`, a.Nation); err != nil {
		return err
	}
	return tx.insertAgreement(ctx, a)
}

func (tx *Tx) insertAgreement(ctx context.Context, a accounts.Agreement) error {
	_, err := tx.exec(ctx, `INSERT INTO agreements (nation, signatory, date_signed, duration_years, amount, currency, period, source_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Nation, a.Signatory, a.Signed, a.Years, a.Amount, a.Currency, a.Period, a.Source)
	return err
}

// seedAccounts starts the accounts of a database that has nations but no
// accounts yet: the Washington baseline for 2025 with the Allies that take
// part, the ECB's rates and the register of agreements. A new database
// gets them with its reference data, in the same event.
func (db *DB) seedAccounts(ctx context.Context) error {
	var n int
	if err := db.write.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM agreements) + (SELECT COUNT(*) FROM baselines) + (SELECT COUNT(*) FROM exchange_rates)`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	ctx = access.WithIdentity(ctx, access.System.Named("reference"))
	return db.Transact(ctx, func(tx *Tx) error {
		what, err := tx.seedAccounts(ctx)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "reference.accounts", Entity: "baseline", EntityID: "2025", After: what})
	})
}

func (tx *Tx) seedAccounts(ctx context.Context) (map[string]any, error) {
	ags, err := accounts.ReferenceAgreements()
	if err != nil {
		return nil, err
	}
	for _, a := range ags {
		if err := tx.insertAgreement(ctx, a); err != nil {
			return nil, fmt.Errorf("agreement of %s: %w", a.Nation, err)
		}
	}
	for _, r := range accounts.ReferenceRates {
		if err := tx.saveRate(ctx, r); err != nil {
			return nil, err
		}
	}
	b := accounts.Washington
	rows, err := tx.query(ctx, `SELECT code FROM nations WHERE role = 'ally' AND in_baseline ORDER BY code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		b.Nations = append(b.Nations, c)
	}
	rows.Close()
	if err := tx.saveBaseline(ctx, &b, 0); err != nil {
		return nil, err
	}
	return map[string]any{"agreements": len(ags), "exchange_rates": len(accounts.ReferenceRates), "baseline": b}, nil
}

// recordDeliveries writes a delivery for every line of p whose delivered
// quantity differs from the stored one, before the line is updated.
func (tx *Tx) recordDelivery(ctx context.Context, pledgeID, lineID, delivered int64, on string) error {
	if on == "" {
		on = tx.now.Format("2006-01-02")
	}
	_, err := tx.exec(ctx, `INSERT INTO deliveries (pledge_id, line_id, quantity, value, on_date)
		SELECT pledge_id, id, ? - delivered, (? - delivered) * unit_value, ? FROM pledge_lines WHERE id = ? AND pledge_id = ? AND delivered <> ?`,
		delivered, delivered, on, lineID, pledgeID, delivered)
	return err
}

// Baselines lists the yearly baselines, latest first.
func (db *DB) Baselines(ctx context.Context) ([]accounts.Baseline, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT year FROM baselines ORDER BY year DESC`)
	if err != nil {
		return nil, err
	}
	var years []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			rows.Close()
			return nil, err
		}
		years = append(years, y)
	}
	rows.Close()
	out := []accounts.Baseline{}
	for _, y := range years {
		b, err := db.Baseline(ctx, y)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Baseline reads the baseline of year with its nations.
func (db *DB) Baseline(ctx context.Context, year int) (accounts.Baseline, error) {
	return db.baseline(ctx, db.rq, year)
}

func (db *DB) baseline(ctx context.Context, q querier, year int) (accounts.Baseline, error) {
	b := accounts.Baseline{Year: year}
	var updated string
	err := q.QueryRowContext(ctx, db.rebind(`SELECT amount, gdp_year, notes, version, updated_at FROM baselines WHERE year = ?`), year).Scan(&b.Amount, &b.GDPYear, &b.Notes, &b.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound("no baseline for %d", year)
	}
	if err != nil {
		return b, err
	}
	b.UpdatedAt = parseTS(updated)
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT nation FROM baseline_nations WHERE year = ? ORDER BY nation`), year)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	b.Nations = []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return b, err
		}
		b.Nations = append(b.Nations, n)
	}
	return b, rows.Err()
}

func (tx *Tx) saveBaseline(ctx context.Context, b *accounts.Baseline, version int64) error {
	b.UpdatedAt = tx.now
	if version == 0 {
		if _, err := tx.exec(ctx, `INSERT INTO baselines (year, amount, gdp_year, notes, version, updated_at) VALUES (?, ?, ?, ?, 1, ?)`,
			b.Year, b.Amount, b.GDPYear, b.Notes, ts(b.UpdatedAt)); err != nil {
			return mapConstraint(err, fmt.Sprintf("baseline %d", b.Year))
		}
		b.Version = 1
	} else {
		res, err := tx.exec(ctx, `UPDATE baselines SET amount = ?, gdp_year = ?, notes = ?, version = version + 1, updated_at = ? WHERE year = ? AND version = ?`,
			b.Amount, b.GDPYear, b.Notes, ts(b.UpdatedAt), b.Year, version)
		if err != nil {
			return err
		}
		if err := checkUpdated(res, fmt.Sprintf("the baseline for %d", b.Year), version); err != nil {
			return err
		}
		b.Version = version + 1
		if _, err := tx.exec(ctx, `DELETE FROM baseline_nations WHERE year = ?`, b.Year); err != nil {
			return err
		}
	}
	for _, n := range b.Nations {
		if _, err := tx.exec(ctx, `INSERT INTO baseline_nations (year, nation) VALUES (?, ?)`, b.Year, n); err != nil {
			return mapConstraint(err, "nation "+n)
		}
	}
	return nil
}

// gdp reads the GDP in year of those of nations that exist, in their
// order, with 0 for a nation that has no figure.
func (db *DB) gdp(ctx context.Context, q querier, year int, nations []string) ([]accounts.NationGDP, error) {
	out := make([]accounts.NationGDP, 0, len(nations))
	for _, code := range nations {
		g := accounts.NationGDP{Nation: code}
		err := q.QueryRowContext(ctx, db.rebind(`SELECT n.name, COALESCE(y.gdp_usd, 0) FROM nations n LEFT JOIN nation_years y ON y.nation = n.code AND y.year = ? WHERE n.code = ?`), year, code).Scan(&g.Name, &g.GDPUSD)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// FairShares reads a year's baseline and shares it among its nations by
// their GDP, with each GDP in euros at the GDP year's dollar rate where
// there is one.
func (db *DB) FairShares(ctx context.Context, year int) (accounts.Baseline, []accounts.Share, *accounts.Rate, error) {
	b, err := db.Baseline(ctx, year)
	if err != nil {
		return b, nil, nil, err
	}
	g, err := db.gdp(ctx, db.rq, b.GDPYear, b.Nations)
	if err != nil {
		return b, nil, nil, err
	}
	if err := b.CheckGDP(g); err != nil {
		return b, nil, nil, err
	}
	shares, err := accounts.FairShares(b.Amount, g)
	if err != nil {
		return b, nil, nil, err
	}
	var rate *accounts.Rate
	if r, err := db.Rate(ctx, "USD", b.GDPYear); err == nil {
		rate = &r
		for i := range shares {
			if eur, err := money.ToEUR(shares[i].GDPUSD*100, r.PerEUR); err == nil {
				shares[i].GDPEUR = eur
			}
		}
	} else if fault.Code(err) != fault.NotFound {
		return b, nil, nil, err
	}
	return b, shares, rate, nil
}

// Rates lists the exchange rates, by currency and year.
func (db *DB) Rates(ctx context.Context) ([]accounts.Rate, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT currency, year, per_eur, source FROM exchange_rates ORDER BY currency, year`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []accounts.Rate{}
	for rows.Next() {
		var r accounts.Rate
		if err := rows.Scan(&r.Currency, &r.Year, &r.PerEUR, &r.Source); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rate returns the rate of currency in year; the euro's is 1.
func (db *DB) Rate(ctx context.Context, currency string, year int) (accounts.Rate, error) {
	return db.rate(ctx, db.rq, currency, year)
}

func (db *DB) rate(ctx context.Context, q querier, currency string, year int) (accounts.Rate, error) {
	r := accounts.Rate{Currency: strings.ToUpper(currency), Year: year}
	if r.Currency == "EUR" {
		r.PerEUR, r.Source = "1", "the euro itself"
		return r, nil
	}
	err := q.QueryRowContext(ctx, db.rebind(`SELECT per_eur, source FROM exchange_rates WHERE currency = ? AND year = ?`), r.Currency, year).Scan(&r.PerEUR, &r.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("no exchange rate for %s in %d", r.Currency, year)
	}
	return r, err
}

func (tx *Tx) saveRate(ctx context.Context, r accounts.Rate) error {
	_, err := tx.exec(ctx, `INSERT INTO exchange_rates (currency, year, per_eur, source, updated_at) VALUES (?, ?, ?, ?, ?)`, r.Currency, r.Year, r.PerEUR, r.Source, ts(tx.now))
	return err
}

const contributionColumns = `c.id, c.nation, c.on_date, c.category, c.currency, c.original, c.rate, c.amount, COALESCE(c.pledge_id, 0), c.evidence, c.notes, c.classification, c.releasable_to, c.version, c.created_by, c.created_at`

type contributionRow struct {
	accounts.Contribution
	rel, created string
}

func contributionFields() (*contributionRow, []any) {
	r := &contributionRow{}
	c := &r.Contribution
	return r, []any{&c.ID, &c.Nation, &c.Date, &c.Category, &c.Currency, &c.Original, &c.Rate, &c.Amount, &c.Pledge, &c.Evidence, &c.Notes, &c.Classification, &r.rel, &c.Version, &c.CreatedBy, &r.created}
}

// Contributions lists the contributions the reader may see.
func (db *DB) Contributions(ctx context.Context, f accounts.ContributionFilter, o list.Options) (list.Page[accounts.Contribution], error) {
	q := &listQuery{from: "contributions c", columns: contributionColumns, key: "c.id",
		sorts: map[string]string{"id": "c.id", "date": "c.on_date", "nation": "c.nation", "amount": "c.amount", "category": "c.category"}, def: "-date"}
	q.visible(db.visible(ctx, access.AccountsRead, "c"))
	if f.Nation != "" {
		q.filter("c.nation = ?", strings.ToUpper(f.Nation))
	}
	if f.Year != 0 {
		q.filter("c.on_date >= ? AND c.on_date <= ?", fmt.Sprintf("%04d-01-01", f.Year), fmt.Sprintf("%04d-12-31", f.Year))
	}
	if f.Category != "" {
		if !slices.Contains(accounts.Categories, f.Category) {
			return list.Page[accounts.Contribution]{}, fault.Field("category", "%q is not a counting category: use one of %s", f.Category, strings.Join(accounts.Categories, ", "))
		}
		q.filter("c.category = ?", f.Category)
	}
	p, err := runList(ctx, db, q, o, contributionFields)
	out := list.Page[accounts.Contribution]{Next: p.Next, Total: p.Total, Items: make([]accounts.Contribution, len(p.Items))}
	for i := range p.Items {
		c := p.Items[i].Contribution
		c.ReleasableTo = access.ParseReleasability(p.Items[i].rel)
		c.CreatedAt = parseTS(p.Items[i].created)
		out.Items[i] = c
	}
	return out, err
}

// Accounts works out every nation's account for year, at today: the
// participants' fair shares, and for every nation that counted anything,
// its deliveries, direct contributions, what its pledges still promise,
// and its standing. Deliveries, pledges and contributions the reader may
// not see are left out of every figure.
func (db *DB) Accounts(ctx context.Context, year int, today time.Time) (accounts.Ledger, error) {
	b, shares, rate, err := db.FairShares(ctx, year)
	if err != nil {
		return accounts.Ledger{}, err
	}
	t := accounts.NewTally(b, shares, rate)
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
	half := `CASE WHEN substr(%s, 6, 2) <= '06' THEN 1 ELSE 2 END`
	pv := db.visible(ctx, access.AccountsRead, "p")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, p.category, `+fmt.Sprintf(half, "d.on_date")+`, SUM(d.value), MAX(p.classification)
		FROM deliveries d JOIN pledges p ON p.id = d.pledge_id WHERE d.on_date >= ? AND d.on_date <= ? AND `+pv.cond+`
		GROUP BY p.nation, p.category, `+fmt.Sprintf(half, "d.on_date")), append([]any{from, to}, pv.args...)...)
	if err != nil {
		return accounts.Ledger{}, err
	}
	if err := scanCounts(rows, t.Delivered); err != nil {
		return accounts.Ledger{}, err
	}
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, p.category, `+fmt.Sprintf(half, "y.on_date")+`, SUM(y.amount), MAX(p.classification)
		FROM payments y JOIN pledges p ON p.id = y.pledge_id WHERE y.stage = 'disbursed' AND y.on_date >= ? AND y.on_date <= ? AND `+pv.cond+`
		GROUP BY p.nation, p.category, `+fmt.Sprintf(half, "y.on_date")), append([]any{from, to}, pv.args...)...)
	if err != nil {
		return accounts.Ledger{}, err
	}
	if err := scanCounts(rows, t.Disbursed); err != nil {
		return accounts.Ledger{}, err
	}
	cv := db.visible(ctx, access.AccountsRead, "c")
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT c.nation, c.category, `+fmt.Sprintf(half, "c.on_date")+`, SUM(c.amount), MAX(c.classification), CASE WHEN c.pledge_id IS NULL THEN 0 ELSE 1 END
		FROM contributions c WHERE c.on_date >= ? AND c.on_date <= ? AND `+cv.cond+`
		GROUP BY c.nation, c.category, `+fmt.Sprintf(half, "c.on_date")+`, CASE WHEN c.pledge_id IS NULL THEN 0 ELSE 1 END`), append([]any{from, to}, cv.args...)...)
	if err != nil {
		return accounts.Ledger{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var nation, cat string
		var h, reports int
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &cat, &h, &v, &m, &reports); err != nil {
			return accounts.Ledger{}, err
		}
		t.Contributed(nation, cat, h, v, m, reports == 1)
	}
	if err := rows.Err(); err != nil {
		return accounts.Ledger{}, err
	}
	rows.Close()
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, SUM((l.pledged - l.delivered - l.withdrawn) * l.unit_value), MAX(p.classification)
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id WHERE `+pv.cond+` GROUP BY p.nation`), pv.args...)
	if err != nil {
		return accounts.Ledger{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var nation string
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &v, &m); err != nil {
			return accounts.Ledger{}, err
		}
		t.Outstanding(nation, v, m)
	}
	if err := rows.Err(); err != nil {
		return accounts.Ledger{}, err
	}
	// What every pledge has committed, its money not yet disbursed, and
	// the pledges whose value is undisclosed.
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, SUM(p.committed_value + p.amount_committed), SUM(p.amount - p.amount_disbursed),
		SUM(CASE WHEN p.value_undisclosed OR p.undisclosed_lines > 0 THEN 1 ELSE 0 END), MAX(p.classification)
		FROM pledges p WHERE `+pv.cond+` GROUP BY p.nation`), pv.args...)
	if err != nil {
		return accounts.Ledger{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var nation string
		var committed, unpaid money.Cents
		var undisclosed int64
		var m access.Classification
		if err := rows.Scan(&nation, &committed, &unpaid, &undisclosed, &m); err != nil {
			return accounts.Ledger{}, err
		}
		t.Outstanding(nation, unpaid, m)
		t.Standing(nation, committed, undisclosed, m)
	}
	if err := rows.Err(); err != nil {
		return accounts.Ledger{}, err
	}
	for _, code := range t.Unnamed() {
		if n, err := db.nation(ctx, db.rq, code, false); err == nil {
			t.Name(code, n.Name)
		}
	}
	return t.Ledger(year, today), nil
}

func scanCounts(rows *sql.Rows, fn func(nation, cat string, half int, v money.Cents, m access.Classification)) error {
	defer rows.Close()
	for rows.Next() {
		var nation, cat string
		var h int
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &cat, &h, &v, &m); err != nil {
			return err
		}
		fn(nation, cat, h, v, m)
	}
	return rows.Err()
}

// Agreements lists the register of bilateral security agreements, by date.
func (db *DB) Agreements(ctx context.Context) ([]accounts.Agreement, error) {
	return db.agreements(ctx, db.rq, "")
}

// Agreement returns the agreement of a nation.
func (db *DB) Agreement(ctx context.Context, nation string) (accounts.Agreement, error) {
	return db.agreement(ctx, db.rq, nation)
}

func (db *DB) agreement(ctx context.Context, q querier, nation string) (accounts.Agreement, error) {
	as, err := db.agreements(ctx, q, strings.ToUpper(nation))
	if err != nil {
		return accounts.Agreement{}, err
	}
	if len(as) == 0 {
		return accounts.Agreement{}, notFound("no agreement of %s in the register", nation)
	}
	return as[0], nil
}

func (db *DB) agreements(ctx context.Context, q querier, nation string) ([]accounts.Agreement, error) {
	sel := `SELECT nation, signatory, date_signed, duration_years, amount, currency, period, source_url FROM agreements`
	var args []any
	if nation != "" {
		sel += ` WHERE nation = ?`
		args = append(args, nation)
	}
	rows, err := q.QueryContext(ctx, db.rebind(sel+` ORDER BY date_signed, nation`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []accounts.Agreement{}
	for rows.Next() {
		var a accounts.Agreement
		if err := rows.Scan(&a.Nation, &a.Signatory, &a.Signed, &a.Years, &a.Amount, &a.Currency, &a.Period, &a.Source); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Spending lists the Allies' defence expenditure in year, highest share
// first; Allies without armed forces (no figure) are left out.
func (db *DB) Spending(ctx context.Context, year int) ([]accounts.Spending, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT n.code, n.name, y.estimate, y.gdp_usd, y.defence_usd, y.defence_ppm FROM nation_years y JOIN nations n ON n.code = y.nation
		WHERE y.year = ? AND n.role = ? AND y.defence_ppm > 0 ORDER BY y.defence_ppm DESC, n.code`), year, catalog.RoleAlly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []accounts.Spending{}
	for rows.Next() {
		s := accounts.Spending{Year: year}
		if err := rows.Scan(&s.Nation, &s.Name, &s.Estimate, &s.GDPUSD, &s.DefenceUSD, &s.PPM); err != nil {
			return nil, err
		}
		s.Meets2 = s.PPM >= 20_000
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fault.Field("year", "NATO's tables have no figures for %d: they cover 2014 to 2024", year)
	}
	return out, nil
}

// OpenNeeds counts the open requirements the reader may see by priority
// and capability area (a group's, from its items).
func (db *DB) OpenNeeds(ctx context.Context) ([]assist.OpenNeed, access.Classification, error) {
	rv := db.requirementsVisible(ctx)
	seen, seenArgs := db.requirementsSeen(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT r.priority, COALESCE(i.capability, (SELECT MIN(g.capability) FROM items g WHERE g.grp = r.grp AND r.grp <> ''), ''),
		COUNT(*), SUM(r.quantity - r.allocated), MAX(r.classification)
		FROM `+seen+` LEFT JOIN items i ON i.nsn = r.nsn
		WHERE r.state IN ('open', 'partly_allocated') AND `+rv.cond+`
		GROUP BY r.priority, COALESCE(i.capability, (SELECT MIN(g.capability) FROM items g WHERE g.grp = r.grp AND r.grp <> ''), '')
		ORDER BY r.priority, 2`), append(seenArgs, rv.args...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []assist.OpenNeed{}
	marking := access.Unclassified
	for rows.Next() {
		var o assist.OpenNeed
		var m access.Classification
		if err := rows.Scan(&o.Priority, &o.Capability, &o.Count, &o.Open, &m); err != nil {
			return nil, 0, err
		}
		marking = max(marking, m)
		out = append(out, o)
	}
	return out, marking, rows.Err()
}

// ValueByBasis sums the pledged value by valuation basis, as the reader of
// ctx may see the accounts: each pledge's amount on its amount's basis and
// each line's value (quantity × unit value) on the line's, leaving out the
// values that are not disclosed. A pledge with figures on two bases counts
// on both; the rows come in the order of assist.Bases, "not stated" last.
func (db *DB) ValueByBasis(ctx context.Context) ([]assist.BasisFigures, access.Classification, error) {
	pv := db.visible(ctx, access.AccountsRead, "p")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT f.basis, COUNT(DISTINCT f.pledge), SUM(f.line), SUM(f.value), MAX(f.classification) FROM (
		SELECT p.amount_basis AS basis, p.id AS pledge, 0 AS line, p.amount AS value, p.classification AS classification
			FROM pledges p WHERE p.amount > 0 AND NOT p.value_undisclosed AND `+pv.cond+`
		UNION ALL SELECT l.basis, p.id, 1, l.pledged * l.unit_value, p.classification
			FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id WHERE NOT l.value_undisclosed AND l.pledged > 0 AND `+pv.cond+`
		) f GROUP BY f.basis`), append(append([]any{}, pv.args...), pv.args...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	by := map[string]assist.BasisFigures{}
	marking := access.Unclassified
	for rows.Next() {
		var f assist.BasisFigures
		var m access.Classification
		if err := rows.Scan(&f.Basis, &f.Pledges, &f.Lines, &f.Value, &m); err != nil {
			return nil, 0, err
		}
		marking = max(marking, m)
		by[f.Basis] = f
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out := []assist.BasisFigures{}
	for _, b := range append(slices.Clone(assist.Bases), "") {
		if f, ok := by[b]; ok {
			out = append(out, f)
			delete(by, b)
		}
	}
	for _, b := range slices.Sorted(maps.Keys(by)) { // a basis no rule knows: shown, not hidden
		out = append(out, by[b])
	}
	return out, marking, nil
}

// PublicActivities lists the pledges that may be published (NATO
// UNCLASSIFIED and releasable to all) with their committed value and, for
// year, their deliveries; pledges with neither are left out.
func (db *DB) PublicActivities(ctx context.Context, year int) ([]accounts.Activity, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.id, p.nation, n.name, p.title, p.category, p.announced, p.promised, p.updated_at, p.illustrative,
		(SELECT COALESCE(SUM(l.committed * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id)
		FROM pledges p JOIN nations n ON n.code = p.nation WHERE p.classification = 0 AND p.releasable_to = '' ORDER BY p.id`))
	if err != nil {
		return nil, err
	}
	var out []accounts.Activity
	for rows.Next() {
		var a accounts.Activity
		var updated string
		if err := rows.Scan(&a.Pledge, &a.Nation, &a.Name, &a.Title, &a.Category, &a.Announced, &a.Promised, &updated, &a.Illustrative, &a.Committed); err != nil {
			rows.Close()
			return nil, err
		}
		a.Updated = parseTS(updated)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, a := range out {
		drows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT on_date, SUM(value) FROM deliveries WHERE pledge_id = ? AND on_date >= ? AND on_date <= ? GROUP BY on_date ORDER BY on_date`),
			a.Pledge, fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year))
		if err != nil {
			return nil, err
		}
		for drows.Next() {
			var d accounts.Dated
			if err := drows.Scan(&d.Date, &d.Value); err != nil {
				drows.Close()
				return nil, err
			}
			a.Delivered = append(a.Delivered, d)
		}
		drows.Close()
		if a.Committed > 0 || len(a.Delivered) > 0 {
			kept = append(kept, a)
		}
	}
	return kept, nil
}
