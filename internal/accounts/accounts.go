// Package accounts keeps the pledge's accounts: the yearly baseline the
// Allies promised (EUR 40 billion for 2025), each participating nation's
// fair share of it by its share of their GDP, the contributions that count
// against it in seven categories, and the exchange rates that bring other
// currencies to euros.
//
// Money is integer euro cents; exchange rates and GDP shares are exact
// rationals, rounded once at the end, to the cent:
//
//   - a fair share is the baseline times the nation's GDP over the
//     participants' total GDP, rounded down to the cent; the cents left
//     over go one each to the nations with the largest remainders (ties by
//     nation code), so the shares add up to the baseline exactly;
//   - an amount in another currency becomes euros by dividing it by the
//     rate (units of the currency per euro, an exact decimal) and rounding
//     half away from zero to the cent.
//
// Its use cases (Service) change the accounts through the storage port it
// declares (Tx), one transaction and one audit event each; it never
// imports the store, the web or the command line.
package accounts

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Categories are the seven counting categories of the pledge, the same as
// a pledge's.
var Categories = assist.Categories

// Baseline is the minimum the participating nations promised together for
// a year, shared by GDP.
type Baseline struct {
	Year    int         `json:"year"`
	Amount  money.Cents `json:"amount"`
	GDPYear int         `json:"gdp_year"` // the year of the GDP figures the shares follow
	Nations []string    `json:"nations"`  // the participating nations
	Notes   string      `json:"notes,omitempty"`
	Version int64       `json:"version"`

	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks a baseline's own fields and normalises its nations.
func (b *Baseline) Validate() error {
	var errs fault.List
	if b.Year < 2024 || b.Year > 2100 {
		errs.Add("year", "%d is not a year from 2024 to 2100", b.Year)
	}
	if b.Amount <= 0 {
		errs.Add("amount", "must be more than zero")
	} else if _, err := b.Amount.Checked(); err != nil {
		errs.Add("amount", "%v", err)
	}
	if b.GDPYear < 2014 || (b.Year >= 2024 && b.GDPYear > b.Year) {
		errs.Add("gdp_year", "%d is not a year from 2014 to the baseline's year", b.GDPYear)
	}
	b.Notes = strings.TrimSpace(b.Notes)
	seen := map[string]bool{}
	var ns []string
	for _, n := range b.Nations {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		ns = append(ns, n)
	}
	slices.Sort(ns)
	b.Nations = ns
	if len(ns) == 0 {
		errs.Add("nations", "name at least one participating nation")
	}
	return errs.Err()
}

// CheckGDP refuses, by name, a participating nation that gdp (the GDP
// figures of the baseline's GDP year, of the nations that exist) does not
// hold or holds without a figure: a fair share follows GDP, and a nation
// without a figure would silently get none.
func (b *Baseline) CheckGDP(gdp []NationGDP) error {
	byCode := make(map[string]NationGDP, len(gdp))
	for _, g := range gdp {
		byCode[g.Nation] = g
	}
	var errs fault.List
	for _, code := range b.Nations {
		g, ok := byCode[code]
		if !ok {
			errs.Add("nations", "no nation %q", code)
			continue
		}
		if g.GDPUSD <= 0 {
			errs.Add("nations", "no GDP figure for %s (%s) in %d: choose another reference year or leave it out", g.Name, code, b.GDPYear)
		}
	}
	return errs.Err()
}

// NationGDP is a nation's GDP in a year, current US dollars.
type NationGDP struct {
	Nation string
	Name   string
	GDPUSD int64 // 0 when NATO's tables have no figure
}

// Share is a nation's fair share of a baseline.
type Share struct {
	Nation string      `json:"nation"`
	Name   string      `json:"name"`
	GDPUSD int64       `json:"gdp_usd"`
	GDPEUR money.Cents `json:"gdp_eur"` // at the year's rate, for reading; the share does not depend on it
	PPM    int64       `json:"share_ppm"`
	Fair   money.Cents `json:"fair_share"`
}

// FairShares divides amount among the nations by their GDP, to the cent,
// so that the shares add up to amount exactly. A nation without a GDP
// figure is refused by name.
func FairShares(amount money.Cents, gdp []NationGDP) ([]Share, error) {
	var errs fault.List
	total := new(big.Int)
	for _, g := range gdp {
		if g.GDPUSD <= 0 {
			errs.Add("nations", "no GDP figure for %s (%s) in the reference year: choose another year or leave it out", g.Name, g.Nation)
		}
		total.Add(total, big.NewInt(g.GDPUSD))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(gdp) == 0 {
		return nil, fault.Field("nations", "no participating nation")
	}
	out := make([]Share, len(gdp))
	rem := make([]*big.Int, len(gdp))
	var given int64
	a := big.NewInt(int64(amount))
	for i, g := range gdp {
		num := new(big.Int).Mul(a, big.NewInt(g.GDPUSD))
		q, r := new(big.Int).QuoRem(num, total, new(big.Int))
		out[i] = Share{Nation: g.Nation, Name: g.Name, GDPUSD: g.GDPUSD, Fair: money.Cents(q.Int64())}
		ppm := new(big.Int).Mul(big.NewInt(g.GDPUSD), big.NewInt(1_000_000))
		out[i].PPM = ppm.Quo(ppm, total).Int64()
		rem[i] = r
		given += q.Int64()
	}
	order := make([]int, len(gdp))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool {
		if c := rem[order[x]].Cmp(rem[order[y]]); c != 0 {
			return c > 0
		}
		return out[order[x]].Nation < out[order[y]].Nation
	})
	for k := int64(0); k < int64(amount)-given; k++ {
		out[order[k]].Fair++
	}
	return out, nil
}

// Rate is what one euro buys of a currency in a year (an annual average),
// with where the figure comes from.
type Rate struct {
	Currency string `json:"currency"`
	Year     int    `json:"year"`
	PerEUR   string `json:"per_eur"` // an exact decimal, e.g. "1.0813"
	Source   string `json:"source"`
}

// Validate checks a rate and normalises its currency.
func (r *Rate) Validate() error {
	var errs fault.List
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	if len(r.Currency) != 3 || strings.Trim(r.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		errs.Add("currency", "%q is not an ISO 4217 code such as USD", r.Currency)
	}
	if r.Year < 2000 || r.Year > 2100 {
		errs.Add("year", "%d is not a year from 2000 to 2100", r.Year)
	}
	if _, err := money.ParseRate(r.PerEUR); err != nil {
		errs.Add("per_eur", "%v", err)
	}
	r.Source = strings.TrimSpace(r.Source)
	if r.Source == "" {
		errs.Add("source", "say where the rate comes from")
	}
	return errs.Err()
}

// Contribution is support a nation reports directly, with its evidence:
// training, repair, trust funds, or anything not delivered through a
// pledge in the ledger. A contribution that names a pledge reports that
// pledge, whose deliveries the ledger already counts: it is shown beside
// them and not added again.
type Contribution struct {
	ID       int64       `json:"id"`
	Nation   string      `json:"nation"`
	Date     string      `json:"date"`
	Category string      `json:"category"`
	Currency string      `json:"currency"`
	Original money.Cents `json:"original_amount"` // in the currency, cents
	Rate     string      `json:"rate"`            // units of the currency per euro used
	Amount   money.Cents `json:"amount"`          // in euros
	Pledge   int64       `json:"pledge,omitempty"`
	Evidence string      `json:"evidence"`
	Notes    string      `json:"notes,omitempty"`
	access.Marking
	Version   int64     `json:"version"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Ref is the contribution's reference as people write it.
func (c *Contribution) Ref() string { return fmt.Sprintf("C-%05d", c.ID) }

// AuditMarking is the owner and marking of the contribution.
func (c Contribution) AuditMarking() (string, access.Marking) { return c.Nation, c.Marking }

// Counts says whether the contribution adds to the nation's count: one
// that reports a pledge does not, its deliveries count.
func (c *Contribution) Counts() bool { return c.Pledge == 0 }

// Year is the year whose baseline the contribution counts against: the
// year of its date.
func (c *Contribution) Year() int {
	y, _ := strconv.Atoi(c.Date[:min(4, len(c.Date))])
	return y
}

// Convert sets the contribution's euro amount from its original amount at
// r, its currency's rate in its year.
func (c *Contribution) Convert(r Rate) error {
	if !strings.EqualFold(r.Currency, c.Currency) || r.Year != c.Year() {
		return fmt.Errorf("a contribution in %s of %d converted at the rate of %s in %d", c.Currency, c.Year(), r.Currency, r.Year)
	}
	eur, err := money.ToEUR(int64(c.Original), r.PerEUR)
	if errors.Is(err, money.ErrRange) {
		return fault.Field("original_amount", "%v", err)
	}
	if err != nil {
		return err
	}
	if _, err := eur.Checked(); err != nil {
		return fault.Field("original_amount", "in euros %v", err)
	}
	c.Rate, c.Amount = r.PerEUR, eur
	return nil
}

// CheckLedger verifies that c, beside the contributions already recorded
// (others in euros, othersOriginal in their currencies' cents), keeps every
// contribution together within assist.MaxLedger, as the pledges are, so
// that no total over contributions (in euros, or in a currency) overflows
// in Go or in SQL. The store calls it whenever it records one.
func (c *Contribution) CheckLedger(others, othersOriginal money.Cents) error {
	over := func(have, add money.Cents) bool {
		return have < 0 || add < 0 || have > assist.MaxLedger || add > assist.MaxLedger-have
	}
	if over(others, c.Amount) || over(othersOriginal, c.Original) {
		return fault.Field("original_amount", "the contributions together would be worth more than EUR 1,000,000,000,000,000: ask the coordinator to check the accounts")
	}
	return nil
}

// MayCredit says whether id may credit a cost to payer's account, as when
// a finished repair's cost is recorded with who paid: the cost counts as
// the payer's contribution, so only a coordinator (or the system), or the
// payer's own people, say who paid.
func MayCredit(id access.Identity, payer string) error {
	if id.Via == "system" || id.Has(access.Coordinator) || strings.EqualFold(id.Nation, strings.TrimSpace(payer)) {
		return nil
	}
	return fault.Errorf(fault.Forbidden, "%s may record a cost paid by %s only, their own nation; a coordinator records others", id.Name, id.Nation)
}

// Validate checks a contribution's own fields: it needs a nation, a date,
// a counting category, an amount more than zero and its evidence. The
// service checks that its nation, currency rate, pledge and baseline year
// exist.
func (c *Contribution) Validate() error {
	var errs fault.List
	c.Nation = strings.ToUpper(strings.TrimSpace(c.Nation))
	if c.Nation == "" {
		errs.Add("nation", "is required")
	}
	if d, err := assist.ParseDate("date", c.Date); err != nil {
		errs.Append("", err)
	} else {
		c.Date = d
	}
	errs.OneOf("category", c.Category, Categories)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Currency == "" {
		c.Currency = "EUR"
	}
	if c.Original < 0 {
		errs.Add("original_amount", "must not be negative")
	} else if c.Original == 0 {
		errs.Add("original_amount", "must be more than zero")
	} else if _, err := c.Original.Checked(); err != nil {
		errs.Add("original_amount", "%v", err)
	}
	c.Evidence = strings.TrimSpace(c.Evidence)
	if c.Evidence == "" {
		errs.Add("evidence", "give the evidence: a document, a report or an address where the contribution can be checked")
	} else if len(c.Evidence) > 500 {
		errs.Add("evidence", "is longer than 500 characters")
	}
	c.Notes = strings.TrimSpace(c.Notes)
	return errs.Err()
}

// Half is a reporting period: the first or second half of a year.
func Half(date string) int {
	if date[5:7] <= "06" {
		return 1
	}
	return 2
}

// Account is a nation's standing against its fair share of a year's
// baseline.
type Account struct {
	Nation    string      `json:"nation"`
	Name      string      `json:"name"`
	Fair      money.Cents `json:"fair_share"`
	Delivered money.Cents `json:"delivered"` // pledge deliveries in the year, at their declared value
	Disbursed money.Cents `json:"disbursed"` // money of pledges disbursed in the year
	Direct    money.Cents `json:"direct"`    // contributions entered directly that count
	Reported  money.Cents `json:"reported"`  // contributions that report a pledge: shown, counted through its deliveries
	Counted   money.Cents `json:"counted"`
	// Halves is what counted in each half of the year.
	Halves [2]money.Cents `json:"halves"`
	// ByCategory is what counted in each category.
	ByCategory map[string]money.Cents `json:"by_category"`
	// Outstanding is what the nation's pledges promise and have not
	// delivered yet.
	Outstanding money.Cents `json:"outstanding"`
	// Committed is what the nation's pledges have committed to date,
	// goods at their value and money: beside what was disbursed and
	// delivered, how far the promises have come.
	Committed money.Cents `json:"committed"`
	// Undisclosed counts the nation's pledges whose value is not
	// disclosed: no sum holds them, and the page says how many it leaves
	// out.
	Undisclosed int64 `json:"undisclosed"`
	MetPPM      int64 `json:"met_ppm"` // counted over fair share, in parts per million
	Flagged     bool  `json:"flagged"` // below half of its fair share by mid-year
}

// Settle works out an account's totals: counted, the share of the fair
// share met, and the mid-year flag, judged once the year's first half is
// over (at today).
func (a *Account) Settle(year int, today time.Time) {
	a.Counted = a.Delivered + a.Disbursed + a.Direct
	if a.Fair > 0 {
		a.MetPPM = int64(new(big.Int).Quo(new(big.Int).Mul(big.NewInt(int64(a.Counted)), big.NewInt(1_000_000)), big.NewInt(int64(a.Fair))).Int64())
	}
	midYear := time.Date(year, 7, 1, 0, 0, 0, 0, time.UTC)
	a.Flagged = a.Fair > 0 && !today.Before(midYear) && 2*a.Halves[0] < a.Fair
}

// ParseYear reads a year a reader asks about, from 2000 to 2100: the span of
// every rate, baseline and contribution the accounts hold. A year outside it
// is refused rather than answered with an empty report.
func ParseYear(field, s string) (int, error) {
	y, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fault.Field(field, "%q is not a year", s)
	}
	if y < 2000 || y > 2100 {
		return 0, fault.Field(field, "%d is not a year from 2000 to 2100", y)
	}
	return y, nil
}
