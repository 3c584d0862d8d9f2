package accounts

import (
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/money"
)

// Ledger is the accounts of a year as the reader may see them: each
// nation's, and the Alliance's.
type Ledger struct {
	Baseline Baseline              `json:"baseline"`
	Shares   []Share               `json:"shares"`
	Rate     *Rate                 `json:"gdp_rate,omitempty"`
	Accounts []Account             `json:"accounts"`
	Alliance Account               `json:"alliance"`
	Flagged  []string              `json:"flagged"`
	Marking  access.Classification `json:"-"`
}

// Tally gathers a year's figures, as the reader may see them, into a
// Ledger. It holds the counting rule: deliveries and contributions entered
// directly count, and a contribution that reports a pledge is shown and
// not counted again, the pledge's deliveries count for it.
type Tally struct {
	l        Ledger
	byNation map[string]*Account
	order    []string
}

// NewTally starts the ledger of baseline b, its nations' fair shares and
// the rate of its GDP year (nil when there is none).
func NewTally(b Baseline, shares []Share, rate *Rate) *Tally {
	t := &Tally{l: Ledger{Baseline: b, Shares: shares, Rate: rate}, byNation: map[string]*Account{}}
	for _, s := range shares {
		a := t.account(s.Nation)
		a.Name, a.Fair = s.Name, s.Fair
	}
	return t
}

func (t *Tally) account(code string) *Account {
	if a, ok := t.byNation[code]; ok {
		return a
	}
	a := &Account{Nation: code, ByCategory: map[string]money.Cents{}}
	t.byNation[code] = a
	t.order = append(t.order, code)
	return a
}

// Delivered counts value delivered by nation's pledges of category in half
// (1 or 2) of the year, the most restricted of them marked m.
func (t *Tally) Delivered(nation, category string, half int, value money.Cents, m access.Classification) {
	a := t.account(nation)
	a.Delivered += value
	a.Halves[half-1] += value
	a.ByCategory[category] += value
	t.l.Marking = max(t.l.Marking, m)
}

// Disbursed counts money disbursed by nation's pledges of category in half
// of the year, the most restricted of them marked m: money counts when it
// is paid, as goods count when they are delivered.
func (t *Tally) Disbursed(nation, category string, half int, value money.Cents, m access.Classification) {
	a := t.account(nation)
	a.Disbursed += value
	a.Halves[half-1] += value
	a.ByCategory[category] += value
	t.l.Marking = max(t.l.Marking, m)
}

// Contributed adds contributions of nation and category in half of the
// year. Those that report a pledge (reportsPledge) are shown as reported
// and do not count: the ledger counts the pledge's deliveries already.
func (t *Tally) Contributed(nation, category string, half int, value money.Cents, m access.Classification, reportsPledge bool) {
	a := t.account(nation)
	t.l.Marking = max(t.l.Marking, m)
	if reportsPledge {
		a.Reported += value
		return
	}
	a.Direct += value
	a.Halves[half-1] += value
	a.ByCategory[category] += value
}

// Outstanding adds what nation's pledges promise and have not delivered
// (goods) or disbursed (money) yet; a nation with nothing outstanding and
// no account gets none.
func (t *Tally) Outstanding(nation string, value money.Cents, m access.Classification) {
	if value > 0 {
		t.l.Marking = max(t.l.Marking, m)
	}
	if a, ok := t.byNation[nation]; ok {
		a.Outstanding += value
	} else if value > 0 {
		t.account(nation).Outstanding = value
	}
}

// Standing adds what nation's pledges have committed to date and how many
// of them hold no disclosed value; a nation with neither and no account
// gets none.
func (t *Tally) Standing(nation string, committed money.Cents, undisclosed int64, m access.Classification) {
	if committed == 0 && undisclosed == 0 {
		return
	}
	t.l.Marking = max(t.l.Marking, m)
	a := t.account(nation)
	a.Committed += committed
	a.Undisclosed += undisclosed
}

// Unnamed lists the nations counted that have no name yet (those outside
// the baseline).
func (t *Tally) Unnamed() []string {
	var out []string
	for _, code := range t.order {
		if t.byNation[code].Name == "" {
			out = append(out, code)
		}
	}
	return out
}

// Name names a nation's account.
func (t *Tally) Name(code, name string) {
	if a, ok := t.byNation[code]; ok {
		a.Name = name
	}
}

// Ledger settles every account of year at today, adds them up for the
// Alliance (whose fair share is the baseline) and returns the ledger, the
// largest fair share first.
func (t *Tally) Ledger(year int, today time.Time) Ledger {
	l := t.l
	l.Accounts = []Account{}
	l.Alliance = Account{Nation: "", Name: "Alliance", ByCategory: map[string]money.Cents{}}
	l.Flagged = []string{}
	for _, code := range t.order {
		a := *t.byNation[code]
		a.Settle(year, today)
		if a.Flagged {
			l.Flagged = append(l.Flagged, code)
		}
		l.Accounts = append(l.Accounts, a)
		l.Alliance.Delivered += a.Delivered
		l.Alliance.Disbursed += a.Disbursed
		l.Alliance.Committed += a.Committed
		l.Alliance.Undisclosed += a.Undisclosed
		l.Alliance.Direct += a.Direct
		l.Alliance.Reported += a.Reported
		l.Alliance.Outstanding += a.Outstanding
		l.Alliance.Halves[0] += a.Halves[0]
		l.Alliance.Halves[1] += a.Halves[1]
		for k, v := range a.ByCategory {
			l.Alliance.ByCategory[k] += v
		}
	}
	l.Alliance.Fair = l.Baseline.Amount
	l.Alliance.Settle(year, today)
	slices.SortFunc(l.Accounts, func(x, y Account) int {
		if x.Fair != y.Fair {
			if x.Fair > y.Fair {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Nation, y.Nation)
	})
	return l
}
