package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/list"
)

// Catalog adapts Transact to the catalogue's Store interface.
type Catalog struct{ DB *DB }

// Transact runs fn in one write transaction.
func (c Catalog) Transact(ctx context.Context, fn func(catalog.Tx) error) error {
	return c.DB.Transact(ctx, func(tx *Tx) error { return fn(tx) })
}

// loadReference loads the nations and their yearly figures into a database
// that has none, in one audited transaction.
func (db *DB) loadReference(ctx context.Context) error {
	var n int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM nations`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return db.loadCountries(ctx)
	}
	nations, err := catalog.ReferenceNations()
	if err != nil {
		return err
	}
	ctx = access.WithIdentity(ctx, access.System.Named("reference"))
	// Audience bits follow the codes' order, as migration 0003 numbers them.
	codes := make([]string, len(nations))
	for i, n := range nations {
		codes[i] = n.Code
	}
	sort.Strings(codes)
	bit := map[string]int{}
	for i, c := range codes {
		bit[c] = i + 1
	}
	return db.Transact(ctx, func(tx *Tx) error {
		years := 0
		for _, nat := range nations {
			if _, err := tx.exec(ctx, `INSERT INTO nations (code, name, role, member_since, eu_member, in_baseline, audience_bit) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				nat.Code, nat.Name, nat.Role, nat.MemberSince, nat.EUMember, nat.InBaseline, bit[nat.Code]); err != nil {
				return fmt.Errorf("nation %s: %w", nat.Code, err)
			}
			for _, y := range nat.Years {
				if _, err := tx.exec(ctx, `INSERT INTO nation_years (nation, year, estimate, gdp_usd, defence_usd, defence_ppm) VALUES (?, ?, ?, ?, ?, ?)`,
					nat.Code, y.Year, y.Estimate, y.GDPUSD, y.DefenceUSD, y.DefencePPM); err != nil {
					return fmt.Errorf("nation %s %d: %w", nat.Code, y.Year, err)
				}
				years++
			}
		}
		acc, err := tx.seedAccounts(ctx)
		if err != nil {
			return err
		}
		countries, err := tx.addCountries(ctx)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "reference.load", Entity: "nation", EntityID: "*",
			After: map[string]any{"nations": len(nations), "nation_years": years, "countries": countries,
				"source": "NATO Defence Expenditure 2014-2024 (17 June 2024); nato_members.csv; ISO 3166-1 as in the CSIS country lookup (CC0)", "accounts": acc}})
	})
}

// loadCountries adds the countries of ISO 3166-1 a database made before
// every country could pledge does not have yet.
func (db *DB) loadCountries(ctx context.Context) error {
	ctx = access.WithIdentity(ctx, access.System.Named("reference"))
	var have int
	if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM nations WHERE role = 'country'`).Scan(&have); err != nil {
		return err
	}
	if have > 0 {
		return nil // loaded already: the start-up of every server but the first costs one count
	}
	return db.Transact(ctx, func(tx *Tx) error {
		added, err := tx.addCountries(ctx)
		if err != nil || added == 0 {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "reference.countries", Entity: "nation", EntityID: "*",
			After: map[string]any{"countries": added, "source": "ISO 3166-1 as in the CSIS country lookup (CC0); iso3166_countries.csv"}})
	})
}

// addCountries inserts every country of ISO 3166-1 that is not a nation
// yet, as a country without an audience bit (none of its people have
// accounts), and returns how many it added.
func (tx *Tx) addCountries(ctx context.Context) (int, error) {
	countries, err := catalog.ReferenceCountries()
	if err != nil {
		return 0, err
	}
	added := 0
	for _, c := range countries {
		res, err := tx.exec(ctx, `INSERT INTO nations (code, name, role, member_since, eu_member, in_baseline, audience_bit) VALUES (?, ?, ?, '', ?, FALSE, 0) ON CONFLICT (code) DO NOTHING`,
			c.Code, c.Name, c.Role, c.EUMember)
		if err != nil {
			return 0, fmt.Errorf("country %s: %w", c.Code, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	return added, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) nation(ctx context.Context, q querier, code string, withYears bool) (catalog.Nation, error) {
	var n catalog.Nation
	err := q.QueryRowContext(ctx, db.rebind(`SELECT code, name, role, member_since, eu_member, in_baseline FROM nations WHERE code = ?`), strings.ToUpper(code)).
		Scan(&n.Code, &n.Name, &n.Role, &n.MemberSince, &n.EUMember, &n.InBaseline)
	if errors.Is(err, sql.ErrNoRows) {
		return n, notFound("no nation %q", code)
	}
	if err != nil || !withYears {
		return n, err
	}
	rows, err := q.QueryContext(ctx, db.rebind(`SELECT year, estimate, gdp_usd, defence_usd, defence_ppm FROM nation_years WHERE nation = ? ORDER BY year`), n.Code)
	if err != nil {
		return n, err
	}
	defer rows.Close()
	for rows.Next() {
		var y catalog.NationYear
		if err := rows.Scan(&y.Year, &y.Estimate, &y.GDPUSD, &y.DefenceUSD, &y.DefencePPM); err != nil {
			return n, err
		}
		n.Years = append(n.Years, y)
	}
	return n, rows.Err()
}

// Nation returns the nation with code, without its yearly figures.
func (tx *Tx) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	return tx.db.nation(ctx, tx, code, false)
}

// Nation returns the nation with code and its yearly figures.
func (db *DB) Nation(ctx context.Context, code string) (catalog.Nation, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.CatalogRead) {
		return catalog.Nation{}, notFound("no nation %q", code)
	}
	return db.nation(ctx, db.rq, code, true)
}

// Nations lists nations.
func (db *DB) Nations(ctx context.Context, f catalog.NationFilter, o list.Options) (list.Page[catalog.Nation], error) {
	q := &listQuery{
		from: "nations n", columns: "n.code, n.name, n.role, n.member_since, n.eu_member, n.in_baseline", key: "n.code",
		sorts: map[string]string{"code": "n.code", "name": "n.name", "member_since": "n.member_since", "role": "n.role"}, def: "code",
	}
	q.visible(allowed(ctx, access.CatalogRead))
	if f.Role != "" {
		q.filter("n.role = ?", f.Role)
	}
	if f.Q != "" {
		q.filter("(LOWER(n.name) LIKE ? ESCAPE '\\' OR LOWER(n.code) LIKE ? ESCAPE '\\')", likePattern(f.Q), likePattern(f.Q))
	}
	return runList(ctx, db, q, o, func() (*catalog.Nation, []any) {
		n := &catalog.Nation{}
		return n, []any{&n.Code, &n.Name, &n.Role, &n.MemberSince, &n.EUMember, &n.InBaseline}
	})
}

const siteColumns = "s.code, s.name, s.nation, s.kinds, s.lat_e6, s.lon_e6, s.notes"

type siteRow struct {
	catalog.Site
	kinds string
}

func siteFields() (*siteRow, []any) {
	r := &siteRow{}
	s := &r.Site
	return r, []any{&s.Code, &s.Name, &s.Nation, &r.kinds, &s.LatE6, &s.LonE6, &s.Notes}
}

func (r *siteRow) site() catalog.Site {
	r.Site.Kinds = strings.Split(r.kinds, ",")
	return r.Site
}

func (db *DB) site(ctx context.Context, q querier, code string) (catalog.Site, error) {
	r, dest := siteFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+siteColumns+` FROM sites s WHERE s.code = ?`), strings.ToUpper(code)).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Site{}, notFound("no site %q", code)
	}
	return r.site(), err
}

// Site returns the site with code.
func (tx *Tx) Site(ctx context.Context, code string) (catalog.Site, error) {
	return tx.db.site(ctx, tx, code)
}

// Site returns the site with code.
func (db *DB) Site(ctx context.Context, code string) (catalog.Site, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.CatalogRead) {
		return catalog.Site{}, notFound("no site %q", code)
	}
	return db.site(ctx, db.rq, code)
}

// CreateSite inserts a site.
func (tx *Tx) CreateSite(ctx context.Context, s *catalog.Site) error {
	_, err := tx.exec(ctx, `INSERT INTO sites (code, name, nation, kinds, lat_e6, lon_e6, notes) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		s.Code, s.Name, s.Nation, strings.Join(s.Kinds, ","), s.LatE6, s.LonE6, s.Notes)
	return mapConstraint(err, "site "+s.Code)
}

// Sites lists sites.
func (db *DB) Sites(ctx context.Context, f catalog.SiteFilter, o list.Options) (list.Page[catalog.Site], error) {
	q := &listQuery{from: "sites s", columns: siteColumns, key: "s.code",
		sorts: map[string]string{"code": "s.code", "name": "s.name", "nation": "s.nation"}, def: "code"}
	q.visible(allowed(ctx, access.CatalogRead))
	if f.Nation != "" {
		q.filter("s.nation = ?", strings.ToUpper(f.Nation))
	}
	if f.Kind != "" {
		q.filter("(',' || s.kinds || ',') LIKE ?", "%,"+f.Kind+",%")
	}
	if f.Q != "" {
		q.filter("(LOWER(s.name) LIKE ? ESCAPE '\\' OR LOWER(s.code) LIKE ? ESCAPE '\\')", likePattern(f.Q), likePattern(f.Q))
	}
	p, err := runList(ctx, db, q, o, siteFields)
	out := list.Page[catalog.Site]{Next: p.Next, Total: p.Total, Items: make([]catalog.Site, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].site()
	}
	return out, err
}

const itemColumns = "i.nsn, i.name, i.supply_class, i.capability, i.unit_of_issue, i.unit_value, i.mass_g, i.volume_cm3, i.grp, i.version, i.updated_at"

type itemRow struct {
	catalog.Item
	updated string
}

func itemFields() (*itemRow, []any) {
	r := &itemRow{}
	i := &r.Item
	return r, []any{&i.NSN, &i.Name, &i.SupplyClass, &i.Capability, &i.UnitOfIssue, &i.UnitValue, &i.MassG, &i.VolumeCM3, &i.Group, &i.Version, &r.updated}
}

func (r *itemRow) item() catalog.Item {
	r.Item.UpdatedAt = parseTS(r.updated)
	return r.Item
}

func (db *DB) item(ctx context.Context, q querier, nsn string) (catalog.Item, error) {
	r, dest := itemFields()
	err := q.QueryRowContext(ctx, db.rebind(`SELECT `+itemColumns+` FROM items i WHERE i.nsn = ?`), nsn).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Item{}, notFound("no item with NSN %s", nsn)
	}
	return r.item(), err
}

// Item returns the item with nsn.
func (tx *Tx) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	return tx.db.item(ctx, tx, nsn)
}

// Item returns the item with nsn.
func (db *DB) Item(ctx context.Context, nsn string) (catalog.Item, error) {
	if !access.Allowed(access.IdentityFrom(ctx), access.CatalogRead) {
		return catalog.Item{}, notFound("no item with NSN %s", nsn)
	}
	return db.item(ctx, db.rq, nsn)
}

// GroupExists reports whether any item belongs to group.
func (tx *Tx) GroupExists(ctx context.Context, group string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM items WHERE grp = ?`, group).Scan(&n)
	return n > 0, err
}

// CreateItem inserts an item.
func (tx *Tx) CreateItem(ctx context.Context, it *catalog.Item) error {
	it.Version, it.UpdatedAt = 1, tx.now
	_, err := tx.exec(ctx, `INSERT INTO items (nsn, name, supply_class, capability, unit_of_issue, unit_value, mass_g, volume_cm3, grp, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
		it.NSN, it.Name, it.SupplyClass, it.Capability, it.UnitOfIssue, it.UnitValue, it.MassG, it.VolumeCM3, it.Group, ts(tx.now), ts(tx.now))
	return mapConstraint(err, "item "+it.NSN)
}

// UpdateItem writes an item if its stored version is version.
func (tx *Tx) UpdateItem(ctx context.Context, it *catalog.Item, version int64) error {
	var was int64
	if err := tx.queryRow(ctx, `SELECT mass_g FROM items WHERE nsn = ?`, it.NSN).Scan(&was); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("item %s: %w", it.NSN, err)
	}
	if it.MassG > was {
		// Every quantity of it recorded grows heavier.
		var others, pledged, stocked int64
		if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(l.pledged * i.mass_g), 0) FROM pledge_lines l JOIN items i ON i.nsn = l.nsn WHERE l.nsn <> ?`, it.NSN).Scan(&others); err != nil {
			return fmt.Errorf("ledger mass: %w", err)
		}
		if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(pledged), 0) FROM pledge_lines WHERE nsn = ?`, it.NSN).Scan(&pledged); err != nil {
			return fmt.Errorf("pledged %s: %w", it.NSN, err)
		}
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(ABS(quantity)), 0) FROM hub_stock WHERE nsn = ?`, it.NSN).Scan(&stocked); err != nil {
			return fmt.Errorf("stock of %s: %w", it.NSN, err)
		}
		if err := it.CheckLoad(others, pledged, stocked); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `UPDATE items SET name = ?, capability = ?, unit_of_issue = ?, unit_value = ?, mass_g = ?, volume_cm3 = ?, grp = ?, version = version + 1, updated_at = ? WHERE nsn = ? AND version = ?`,
		it.Name, it.Capability, it.UnitOfIssue, it.UnitValue, it.MassG, it.VolumeCM3, it.Group, ts(tx.now), it.NSN, version)
	if err != nil {
		return mapConstraint(err, "item "+it.NSN)
	}
	if err := checkUpdated(res, "item "+it.NSN, version); err != nil {
		return err
	}
	it.Version, it.UpdatedAt = version+1, tx.now
	return nil
}

// Items lists catalogue items.
func (db *DB) Items(ctx context.Context, f catalog.ItemFilter, o list.Options) (list.Page[catalog.Item], error) {
	q := &listQuery{from: "items i", columns: itemColumns, key: "i.nsn",
		sorts: map[string]string{"nsn": "i.nsn", "name": "i.name", "capability": "i.capability", "unit_value": "i.unit_value", "group": "i.grp"}, def: "nsn"}
	q.visible(allowed(ctx, access.CatalogRead))
	if f.Capability != "" {
		q.filter("i.capability = ?", f.Capability)
	}
	if f.SupplyClass != "" {
		q.filter("i.supply_class = ?", f.SupplyClass)
	}
	if f.Group != "" {
		q.filter("i.grp = ?", f.Group)
	}
	if f.Q != "" {
		q.filter("(LOWER(i.name) LIKE ? ESCAPE '\\' OR i.nsn LIKE ? ESCAPE '\\')", likePattern(f.Q), likePattern(f.Q))
	}
	p, err := runList(ctx, db, q, o, itemFields)
	out := list.Page[catalog.Item]{Next: p.Next, Total: p.Total, Items: make([]catalog.Item, len(p.Items))}
	for i := range p.Items {
		out.Items[i] = p.Items[i].item()
	}
	return out, err
}

// Groups lists the interchangeability groups in use.
func (db *DB) Groups(ctx context.Context) ([]string, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT DISTINCT grp FROM items WHERE grp <> '' ORDER BY grp`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// nationNames maps every nation's code to its name.
func (db *DB) nationNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT code, name FROM nations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var c, n string
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		m[c] = n
	}
	return m, rows.Err()
}
