package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

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
		if _, err := tx.exec(ctx, `INSERT INTO agreements (nation, signatory, date_signed, duration_years, amount, currency, period, source_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Nation, a.Signatory, a.Signed, a.Years, a.Amount, a.Currency, a.Period, a.Source); err != nil {
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
func (tx *Tx) recordDelivery(ctx context.Context, pledgeID, lineID, delivered int64) error {
	_, err := tx.exec(ctx, `INSERT INTO deliveries (pledge_id, line_id, quantity, value, on_date)
		SELECT pledge_id, id, ? - delivered, (? - delivered) * unit_value, ? FROM pledge_lines WHERE id = ? AND pledge_id = ? AND delivered <> ?`,
		delivered, delivered, tx.now.Format("2006-01-02"), lineID, pledgeID, delivered)
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

// SaveBaseline creates the baseline of b.Year (version 0) or changes it
// if its stored version is version. Its nations must exist and have a GDP
// figure for its GDP year; a second baseline for a year is refused.
func (db *DB) SaveBaseline(ctx context.Context, b accounts.Baseline, version int64) (accounts.Baseline, error) {
	if err := b.Validate(); err != nil {
		return b, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		var before any
		if version > 0 {
			old, err := db.baseline(ctx, tx, b.Year)
			if err != nil {
				return err
			}
			before = old
		} else {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM baselines WHERE year = ?`, b.Year).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fault.Errorf(fault.Conflict, "a baseline for %d exists already: change it instead", b.Year)
			}
		}
		if _, err := db.gdp(ctx, tx, b.GDPYear, b.Nations); err != nil {
			return err
		}
		if err := tx.saveBaseline(ctx, &b, version); err != nil {
			return err
		}
		action := "baseline.create"
		if version > 0 {
			action = "baseline.update"
		}
		return tx.Audit(ctx, audit.Record{Action: action, Entity: "baseline", EntityID: strconv.Itoa(b.Year), Before: before, After: b})
	})
	return b, err
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

// gdp reads the GDP of nations in year, refusing by name a nation that is
// unknown or has no figure.
func (db *DB) gdp(ctx context.Context, q querier, year int, nations []string) ([]accounts.NationGDP, error) {
	var errs fault.List
	out := make([]accounts.NationGDP, 0, len(nations))
	for _, code := range nations {
		g := accounts.NationGDP{Nation: code}
		err := q.QueryRowContext(ctx, db.rebind(`SELECT n.name, COALESCE(y.gdp_usd, 0) FROM nations n LEFT JOIN nation_years y ON y.nation = n.code AND y.year = ? WHERE n.code = ?`), year, code).Scan(&g.Name, &g.GDPUSD)
		if errors.Is(err, sql.ErrNoRows) {
			errs.Add("nations", "no nation %q", code)
			continue
		}
		if err != nil {
			return nil, err
		}
		if g.GDPUSD <= 0 {
			errs.Add("nations", "no GDP figure for %s (%s) in %d: choose another reference year or leave it out", g.Name, code, year)
		}
		out = append(out, g)
	}
	return out, errs.Err()
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
	shares, err := accounts.FairShares(b.Amount, g)
	if err != nil {
		return b, nil, nil, err
	}
	var rate *accounts.Rate
	if r, err := db.Rate(ctx, "USD", b.GDPYear); err == nil {
		rate = &r
		for i := range shares {
			if eur, err := accounts.ToEUR(shares[i].GDPUSD*100, r.PerEUR); err == nil {
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

// SaveRate records or replaces the rate of a currency in a year.
func (db *DB) SaveRate(ctx context.Context, r accounts.Rate) (accounts.Rate, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	if r.Currency == "EUR" {
		return r, fault.Field("currency", "the euro's rate is 1 and is not recorded")
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		before, err := db.rate(ctx, tx, r.Currency, r.Year)
		var b any
		if err == nil {
			b = before
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM exchange_rates WHERE currency = ? AND year = ?`, r.Currency, r.Year); err != nil {
			return err
		}
		if err := tx.saveRate(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "rate.save", Entity: "exchange_rate", EntityID: fmt.Sprintf("%s/%d", r.Currency, r.Year), Before: b, After: r})
	})
	return r, err
}

func (tx *Tx) saveRate(ctx context.Context, r accounts.Rate) error {
	_, err := tx.exec(ctx, `INSERT INTO exchange_rates (currency, year, per_eur, source, updated_at) VALUES (?, ?, ?, ?, ?)`, r.Currency, r.Year, r.PerEUR, r.Source, ts(tx.now))
	return err
}

// AddContribution records a contribution reported directly, converted to
// euros at its year's rate. Refused with no change: an unknown nation,
// category or currency (no rate for the year), a date outside every
// baseline year, a pledge of another nation, or a writer who may not
// write for the nation.
func (db *DB) AddContribution(ctx context.Context, c accounts.Contribution) (accounts.Contribution, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	id := access.IdentityFrom(ctx)
	if !id.MayWriteFor(c.Nation) {
		return c, fault.Errorf(fault.Forbidden, "%s may not report contributions of %s", id.Name, c.Nation)
	}
	if c.Classification > id.Clearance {
		return c, fault.Field("classification", "%s is above your clearance (%s)", c.Classification, id.Clearance)
	}
	err := db.Transact(ctx, func(tx *Tx) error { return tx.addContribution(ctx, &c) })
	return c, err
}

// addContribution checks and records c in the transaction.
func (tx *Tx) addContribution(ctx context.Context, c *accounts.Contribution) error {
	db := tx.db
	{
		var errs fault.List
		if _, err := db.nation(ctx, tx, c.Nation, false); err != nil {
			errs.Append("nation", notFoundField(err, "no nation %q", c.Nation))
		}
		year, _ := strconv.Atoi(c.Date[:4])
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM baselines WHERE year = ?`, year).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			errs.Add("date", "%s is outside every baseline year: contributions count against a year's baseline, and there is none for %d", c.Date, year)
		}
		r, err := db.rate(ctx, tx, c.Currency, year)
		if err != nil {
			errs.Append("currency", notFoundField(err, "no exchange rate for %s in %d: record the rate first", c.Currency, year))
		} else {
			c.Rate = r.PerEUR
			if c.Amount, err = accounts.ToEUR(int64(c.Original), r.PerEUR); err != nil {
				return err
			}
		}
		if c.Pledge != 0 {
			var nation string
			v := db.pledgesVisible(ctx)
			err := tx.queryRow(ctx, `SELECT p.nation FROM pledges p WHERE p.id = ? AND `+v.cond, append([]any{c.Pledge}, v.args...)...).Scan(&nation)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				errs.Add("pledge", "no pledge P-%05d", c.Pledge)
			case err != nil:
				return err
			case nation != c.Nation:
				errs.Add("pledge", "P-%05d is a pledge of %s, not of %s", c.Pledge, nation, c.Nation)
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		aud, err := tx.audience(c.Nation, c.ReleasableTo)
		if err != nil {
			return err
		}
		c.CreatedBy, c.CreatedAt, c.Version = access.ActorName(ctx), tx.now, 1
		var pledge any
		if c.Pledge != 0 {
			pledge = c.Pledge
		}
		c.ID, err = tx.insertID(ctx, `INSERT INTO contributions (nation, on_date, category, currency, original, rate, amount, pledge_id, evidence, notes, classification, releasable_to, audience, version, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			c.Nation, c.Date, c.Category, c.Currency, c.Original, c.Rate, c.Amount, pledge, c.Evidence, c.Notes, int(c.Classification), strings.Join(c.ReleasableTo, ","), aud, c.CreatedBy, ts(c.CreatedAt))
		if err != nil {
			return mapConstraint(err, "contribution")
		}
		return tx.Audit(ctx, audit.Record{Action: "contribution.create", Entity: "contribution", EntityID: strconv.FormatInt(c.ID, 10), After: c})
	}
}

func notFoundField(err error, format string, args ...any) error {
	if fault.Code(err) == fault.NotFound {
		return &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf(format, args...)}
	}
	return err
}

// ContributionFilter narrows the list of contributions.
type ContributionFilter struct {
	Nation   string
	Year     int
	Category string
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
func (db *DB) Contributions(ctx context.Context, f ContributionFilter, o ListOptions) (Page[accounts.Contribution], error) {
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
			return Page[accounts.Contribution]{}, fault.Field("category", "%q is not a counting category: use one of %s", f.Category, strings.Join(accounts.Categories, ", "))
		}
		q.filter("c.category = ?", f.Category)
	}
	p, err := runList(ctx, db, q, o, contributionFields)
	out := Page[accounts.Contribution]{Next: p.Next, Total: p.Total, Items: make([]accounts.Contribution, len(p.Items))}
	for i := range p.Items {
		c := p.Items[i].Contribution
		c.ReleasableTo = access.ParseReleasability(p.Items[i].rel)
		c.CreatedAt = parseTS(p.Items[i].created)
		out.Items[i] = c
	}
	return out, err
}

// Ledger is the accounts of a year as the reader may see them: each
// nation's, and the Alliance's.
type Ledger struct {
	Baseline accounts.Baseline     `json:"baseline"`
	Shares   []accounts.Share      `json:"shares"`
	Rate     *accounts.Rate        `json:"gdp_rate,omitempty"`
	Accounts []accounts.Account    `json:"accounts"`
	Alliance accounts.Account      `json:"alliance"`
	Flagged  []string              `json:"flagged"`
	Marking  access.Classification `json:"-"`
}

// Accounts works out every nation's account for year, at today: the
// participants' fair shares, and for every nation that counted anything,
// its deliveries, direct contributions, what its pledges still promise,
// and its standing. Deliveries, pledges and contributions the reader may
// not see are left out of every figure.
func (db *DB) Accounts(ctx context.Context, year int, today time.Time) (Ledger, error) {
	var l Ledger
	b, shares, rate, err := db.FairShares(ctx, year)
	if err != nil {
		return l, err
	}
	l.Baseline, l.Shares, l.Rate = b, shares, rate
	byNation := map[string]*accounts.Account{}
	var order []string
	account := func(code string) *accounts.Account {
		if a, ok := byNation[code]; ok {
			return a
		}
		a := &accounts.Account{Nation: code, ByCategory: map[string]money.Cents{}}
		byNation[code] = a
		order = append(order, code)
		return a
	}
	for _, s := range shares {
		a := account(s.Nation)
		a.Name, a.Fair = s.Name, s.Fair
	}
	from, to := fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
	half := `CASE WHEN substr(%s, 6, 2) <= '06' THEN 1 ELSE 2 END`
	pv := db.visible(ctx, access.AccountsRead, "p")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, p.category, `+fmt.Sprintf(half, "d.on_date")+`, SUM(d.value), MAX(p.classification)
		FROM deliveries d JOIN pledges p ON p.id = d.pledge_id WHERE d.on_date >= ? AND d.on_date <= ? AND `+pv.cond+`
		GROUP BY p.nation, p.category, `+fmt.Sprintf(half, "d.on_date")), append([]any{from, to}, pv.args...)...)
	if err != nil {
		return l, err
	}
	if err := scanCounts(rows, func(nation, cat string, h int, v money.Cents, m access.Classification) {
		a := account(nation)
		a.Delivered += v
		a.Halves[h-1] += v
		a.ByCategory[cat] += v
		l.Marking = max(l.Marking, m)
	}); err != nil {
		return l, err
	}
	cv := db.visible(ctx, access.AccountsRead, "c")
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT c.nation, c.category, `+fmt.Sprintf(half, "c.on_date")+`, SUM(c.amount), MAX(c.classification), CASE WHEN c.pledge_id IS NULL THEN 1 ELSE 0 END
		FROM contributions c WHERE c.on_date >= ? AND c.on_date <= ? AND `+cv.cond+`
		GROUP BY c.nation, c.category, `+fmt.Sprintf(half, "c.on_date")+`, CASE WHEN c.pledge_id IS NULL THEN 1 ELSE 0 END`), append([]any{from, to}, cv.args...)...)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var nation, cat string
		var h, counts int
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &cat, &h, &v, &m, &counts); err != nil {
			return l, err
		}
		a := account(nation)
		l.Marking = max(l.Marking, m)
		if counts == 0 {
			a.Reported += v
			continue
		}
		a.Direct += v
		a.Halves[h-1] += v
		a.ByCategory[cat] += v
	}
	if err := rows.Err(); err != nil {
		return l, err
	}
	rows.Close()
	rows, err = db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, SUM((l.pledged - l.delivered - l.withdrawn) * l.unit_value), MAX(p.classification)
		FROM pledge_lines l JOIN pledges p ON p.id = l.pledge_id WHERE `+pv.cond+` GROUP BY p.nation`), pv.args...)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var nation string
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &v, &m); err != nil {
			return l, err
		}
		if v > 0 {
			l.Marking = max(l.Marking, m)
		}
		if a, ok := byNation[nation]; ok {
			a.Outstanding = v
		} else if v > 0 {
			account(nation).Outstanding = v
		}
	}
	if err := rows.Err(); err != nil {
		return l, err
	}
	l.Accounts = []accounts.Account{}
	l.Alliance = accounts.Account{Nation: "", Name: "Alliance", ByCategory: map[string]money.Cents{}}
	l.Flagged = []string{}
	for _, code := range order {
		a := byNation[code]
		if a.Name == "" {
			if n, err := db.nation(ctx, db.rq, code, false); err == nil {
				a.Name = n.Name
			}
		}
		a.Settle(year, today)
		if a.Flagged {
			l.Flagged = append(l.Flagged, code)
		}
		l.Accounts = append(l.Accounts, *a)
		l.Alliance.Fair += a.Fair
		l.Alliance.Delivered += a.Delivered
		l.Alliance.Direct += a.Direct
		l.Alliance.Reported += a.Reported
		l.Alliance.Outstanding += a.Outstanding
		l.Alliance.Halves[0] += a.Halves[0]
		l.Alliance.Halves[1] += a.Halves[1]
		for k, v := range a.ByCategory {
			l.Alliance.ByCategory[k] += v
		}
	}
	l.Alliance.Fair = b.Amount
	l.Alliance.Settle(year, today)
	slices.SortFunc(l.Accounts, func(x, y accounts.Account) int {
		if x.Fair != y.Fair {
			if x.Fair > y.Fair {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Nation, y.Nation)
	})
	return l, nil
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
	return db.agreements(ctx, "")
}

// Agreement returns the agreement of a nation.
func (db *DB) Agreement(ctx context.Context, nation string) (accounts.Agreement, error) {
	as, err := db.agreements(ctx, strings.ToUpper(nation))
	if err != nil {
		return accounts.Agreement{}, err
	}
	if len(as) == 0 {
		return accounts.Agreement{}, notFound("no agreement of %s in the register", nation)
	}
	return as[0], nil
}

// SaveAgreement adds an agreement to the register or replaces the one of
// its nation.
func (db *DB) SaveAgreement(ctx context.Context, a accounts.Agreement) (accounts.Agreement, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	err := db.Transact(ctx, func(tx *Tx) error {
		n, err := db.nation(ctx, tx, a.Nation, false)
		if err != nil {
			return notFoundField(err, "no nation %q", a.Nation)
		}
		if a.Signatory == "" {
			a.Signatory = n.Name
		}
		var before any
		if old, err := db.agreements(ctx, a.Nation); err != nil {
			return err
		} else if len(old) > 0 {
			before = old[0]
		}
		if _, err := tx.exec(ctx, `DELETE FROM agreements WHERE nation = ?`, a.Nation); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO agreements (nation, signatory, date_signed, duration_years, amount, currency, period, source_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Nation, a.Signatory, a.Signed, a.Years, a.Amount, a.Currency, a.Period, a.Source); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "agreement.save", Entity: "agreement", EntityID: a.Nation, Before: before, After: a})
	})
	return a, err
}

func (db *DB) agreements(ctx context.Context, nation string) ([]accounts.Agreement, error) {
	q := `SELECT nation, signatory, date_signed, duration_years, amount, currency, period, source_url FROM agreements`
	var args []any
	if nation != "" {
		q += ` WHERE nation = ?`
		args = append(args, nation)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(q+` ORDER BY date_signed, nation`), args...)
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

// Spending is an Ally's defence expenditure in a year.
type Spending struct {
	Nation     string `json:"nation"`
	Name       string `json:"name"`
	Year       int    `json:"year"`
	Estimate   bool   `json:"estimate"`
	GDPUSD     int64  `json:"gdp_usd"`
	DefenceUSD int64  `json:"defence_usd"`
	PPM        int64  `json:"share_ppm"` // of GDP, NATO's official figure
	Meets2     bool   `json:"meets_2_percent"`
}

// BarWidth is the share on a scale where 2% is 200, capped at 500.
func (s Spending) BarWidth() int64 { return min(s.PPM/100, 500) }

// Millions is the defence expenditure in millions of US dollars.
func (s Spending) Millions() int64 { return (s.DefenceUSD + 500_000) / 1_000_000 }

// Spending lists the Allies' defence expenditure in year, highest share
// first; Allies without armed forces (no figure) are left out.
func (db *DB) Spending(ctx context.Context, year int) ([]Spending, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT n.code, n.name, y.estimate, y.gdp_usd, y.defence_usd, y.defence_ppm FROM nation_years y JOIN nations n ON n.code = y.nation
		WHERE y.year = ? AND n.role = ? AND y.defence_ppm > 0 ORDER BY y.defence_ppm DESC, n.code`), year, catalog.RoleAlly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Spending{}
	for rows.Next() {
		s := Spending{Year: year}
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

// Delivery is how a nation's deliveries in a year kept the dates its
// pledges promised.
type Delivery struct {
	Nation     string      `json:"nation"`
	Deliveries int         `json:"deliveries"`
	Value      money.Cents `json:"value"`
	OnTime     money.Cents `json:"on_time_value"` // delivered on or before the promised date
	OnTimePPM  int64       `json:"on_time_ppm"`   // of the value
	// SlipTenths is the average number of days a delivery came after its
	// pledge's promised date, in tenths of a day (an early one counts 0).
	SlipTenths int64 `json:"average_slip_tenths"`
}

// DeliveryRecord works out, per nation, the deliveries of year the reader
// may see against their pledges' promised dates.
func (db *DB) DeliveryRecord(ctx context.Context, year int) ([]Delivery, access.Classification, error) {
	pv := db.visible(ctx, access.AccountsRead, "p")
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.nation, d.on_date, p.promised, COUNT(*), SUM(d.value), MAX(p.classification)
		FROM deliveries d JOIN pledges p ON p.id = d.pledge_id WHERE d.quantity > 0 AND d.on_date >= ? AND d.on_date <= ? AND `+pv.cond+`
		GROUP BY p.nation, d.on_date, p.promised ORDER BY p.nation`), append([]any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)}, pv.args...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Delivery
	slip := map[string]int64{}
	marking := access.Unclassified
	for rows.Next() {
		var nation, on, promised string
		var n int
		var v money.Cents
		var m access.Classification
		if err := rows.Scan(&nation, &on, &promised, &n, &v, &m); err != nil {
			return nil, 0, err
		}
		marking = max(marking, m)
		if len(out) == 0 || out[len(out)-1].Nation != nation {
			out = append(out, Delivery{Nation: nation})
		}
		d := &out[len(out)-1]
		d.Deliveries += n
		d.Value += v
		a, errA := time.Parse("2006-01-02", on)
		b, errB := time.Parse("2006-01-02", promised)
		if errA == nil && errB == nil && a.After(b) {
			slip[nation] += int64(a.Sub(b).Hours()/24) * int64(n)
		} else {
			d.OnTime += v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for i := range out {
		d := &out[i]
		if d.Value > 0 {
			d.OnTimePPM = int64(d.OnTime) * 1_000_000 / int64(d.Value)
		}
		if d.Deliveries > 0 {
			d.SlipTenths = (slip[d.Nation]*10 + int64(d.Deliveries)/2) / int64(d.Deliveries)
		}
	}
	return out, marking, nil
}

// OpenNeed counts the open requirements of a priority and capability area.
type OpenNeed struct {
	Priority   int    `json:"priority"`
	Capability string `json:"capability"`
	Count      int    `json:"requirements"`
	Open       int64  `json:"open_quantity"` // not yet allocated
}

// OpenNeeds counts the open requirements the reader may see by priority
// and capability area (a group's, from its items).
func (db *DB) OpenNeeds(ctx context.Context) ([]OpenNeed, access.Classification, error) {
	rv := db.requirementsVisible(ctx)
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT r.priority, COALESCE(i.capability, (SELECT MIN(g.capability) FROM items g WHERE g.grp = r.grp AND r.grp <> ''), ''),
		COUNT(*), SUM(r.quantity - r.allocated), MAX(r.classification)
		FROM requirements r LEFT JOIN items i ON i.nsn = r.nsn
		WHERE r.state IN ('open', 'partly_allocated') AND `+rv.cond+`
		GROUP BY r.priority, COALESCE(i.capability, (SELECT MIN(g.capability) FROM items g WHERE g.grp = r.grp AND r.grp <> ''), '')
		ORDER BY r.priority, 2`), rv.args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []OpenNeed{}
	marking := access.Unclassified
	for rows.Next() {
		var o OpenNeed
		var m access.Classification
		if err := rows.Scan(&o.Priority, &o.Capability, &o.Count, &o.Open, &m); err != nil {
			return nil, 0, err
		}
		marking = max(marking, m)
		out = append(out, o)
	}
	return out, marking, rows.Err()
}

// Activity is a public pledge as IATI reports it: what was committed and
// what was delivered, when.
type Activity struct {
	Pledge       int64
	Nation       string
	Name         string
	Title        string
	Category     string
	Announced    string
	Promised     string
	Committed    money.Cents
	Delivered    []Dated // deliveries by date
	Illustrative bool
	Updated      time.Time
}

// Dated is an amount on a date.
type Dated struct {
	Date  string
	Value money.Cents
}

// PublicActivities lists the pledges that may be published (NATO
// UNCLASSIFIED and releasable to all) with their committed value and, for
// year, their deliveries; pledges with neither are left out.
func (db *DB) PublicActivities(ctx context.Context, year int) ([]Activity, error) {
	rows, err := db.rq.QueryContext(ctx, db.rebind(`SELECT p.id, p.nation, n.name, p.title, p.category, p.announced, p.promised, p.updated_at, p.illustrative,
		(SELECT COALESCE(SUM(l.committed * l.unit_value), 0) FROM pledge_lines l WHERE l.pledge_id = p.id)
		FROM pledges p JOIN nations n ON n.code = p.nation WHERE p.classification = 0 AND p.releasable_to = '' ORDER BY p.id`))
	if err != nil {
		return nil, err
	}
	var out []Activity
	for rows.Next() {
		var a Activity
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
			var d Dated
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
