package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/logistics"
)

// The history is an illustrative past for the forecasts to learn from and
// the backtest to replay: some four and a half years of pledges by ten
// nations, each committed, allocated, handed over and received as its
// nation's habits make it (some quick and reliable, some slow, some
// promising more than they keep), with slips, partial deliveries and
// withdrawals; the latest are still on their way. Every record is marked
// illustrative. It is drawn from a seeded generator, so that every load is
// alike, and recorded through the use cases with the clock set to each
// day, so that its audit events, stages, shipments and deliveries carry
// the days they stand for.

// habit is how a nation's pledges move: the days from the announcement to
// the commitment, on to the allocation, to the handover and to the
// recipient's receipt (each a minimum and a spread), the chance in percent
// of a long slip and its longest, and how much of its usual time a nation
// promises (in percent: below 100 promises sooner than it delivers).
type habit struct {
	nation   string
	pledges  int
	items    []string
	channels []string
	commit   [2]int
	allocate [2]int
	ship     [2]int
	receive  [2]int
	slipPct  int
	slip     int
	promise  int
}

var habits = []habit{
	{"USA", 12, []string{"1320-01-000-0002", "1410-01-000-0005", "1410-01-000-0007", "1025-01-000-0009", "1055-01-000-0013", "1340-01-000-0014", "2320-12-000-0017"},
		[]string{"bilateral"}, [2]int{0, 10}, [2]int{5, 20}, [2]int{15, 60}, [2]int{2, 6}, 15, 180, 85},
	{"DEU", 12, []string{"1320-12-000-0001", "1410-12-000-0006", "2350-12-000-0010", "2350-12-000-0011", "2320-12-000-0017", "5820-14-000-0018", "2355-12-000-0020"},
		[]string{"bilateral", "bilateral", "coalition"}, [2]int{5, 40}, [2]int{10, 30}, [2]int{40, 160}, [2]int{3, 9}, 25, 150, 60},
	{"GBR", 8, []string{"1315-12-000-0004", "1410-01-000-0007", "1550-14-000-0015", "5820-14-000-0018", "1385-14-000-0019"},
		[]string{"bilateral", "coalition"}, [2]int{2, 18}, [2]int{5, 25}, [2]int{20, 80}, [2]int{2, 8}, 15, 120, 75},
	{"FRA", 8, []string{"1320-14-000-0003", "1550-14-000-0015", "2320-12-000-0017", "2355-12-000-0020"},
		[]string{"bilateral"}, [2]int{10, 50}, [2]int{15, 30}, [2]int{60, 160}, [2]int{4, 11}, 35, 200, 55},
	{"POL", 7, []string{"1410-14-000-0008", "2350-12-000-0012", "6545-14-000-0016", "2320-12-000-0017"},
		[]string{"bilateral"}, [2]int{0, 8}, [2]int{2, 12}, [2]int{5, 30}, [2]int{1, 4}, 10, 60, 90},
	{"NLD", 6, []string{"2350-12-000-0012", "2350-12-000-0011", "1550-14-000-0015", "1410-01-000-0007"},
		[]string{"coalition", "bilateral"}, [2]int{5, 25}, [2]int{10, 20}, [2]int{30, 110}, [2]int{3, 7}, 20, 120, 70},
	{"NOR", 6, []string{"6545-14-000-0016", "2320-12-000-0017", "1385-14-000-0019", "5820-14-000-0018"},
		[]string{"bilateral", "multilateral"}, [2]int{2, 12}, [2]int{5, 15}, [2]int{15, 45}, [2]int{2, 6}, 10, 60, 85},
	{"CZE", 6, []string{"1320-12-000-0001", "1320-01-000-0002", "1320-14-000-0003"},
		[]string{"coalition"}, [2]int{20, 70}, [2]int{10, 20}, [2]int{30, 90}, [2]int{2, 4}, 30, 150, 50},
	{"CAN", 5, []string{"1410-01-000-0007", "6545-14-000-0016", "2320-12-000-0017", "2355-12-000-0020"},
		[]string{"bilateral", "nato"}, [2]int{5, 25}, [2]int{10, 20}, [2]int{30, 90}, [2]int{3, 7}, 20, 90, 70},
	{"SWE", 5, []string{"2355-12-000-0020", "5820-14-000-0018", "1550-14-000-0015"},
		[]string{"bilateral"}, [2]int{5, 20}, [2]int{10, 20}, [2]int{25, 80}, [2]int{2, 6}, 15, 90, 75},
}

// historyQuantity is the range of a line's quantity, by unit of issue.
var historyQuantity = map[string][2]int64{"RD": {1_000, 15_000}, "PG": {4, 30}, "EA": {2, 24}, "SE": {20, 400}, "KT": {2_000, 15_000}}

// historySites are where each capability's history is delivered.
var historySites = map[string]string{"ammunition": "UA-DNIPRO", "air_defence": "UA-KYIV", "artillery": "UA-DNIPRO", "armour": "UA-LVIV", "drones": "UA-DNIPRO"}

// depots are the donor depots of the scenario, by nation.
var depots = map[string]string{"DEU": "DE-DEP1", "FRA": "FR-DEP1", "USA": "US-DEP1", "GBR": "GB-DEP1", "POL": "PL-DEP1", "CZE": "CZ-DEP1"}

// HistoryDays is how far back the history goes, some four and a half
// years: a number of days rather than of years, so that the history drawn
// is the same whatever day the demo is loaded on.
const HistoryDays = 1640

// step is one thing that happens in the history, on a day.
type step struct {
	day  int // days from the history's first day
	kind string
	p    int // the pledge, by its index in the plan
	line int // the line, by its index in the pledge
	qty  int64
	part int // which handover of the line
}

// plannedLine and plannedPledge are the history as drawn.
type plannedLine struct {
	nsn string
	qty int64
}

type plannedPledge struct {
	nation, title, channel, kind, category string
	// announced and promised are days from the history's first; a
	// pledge promised to the month is due at the month's end.
	announced, promised int
	monthly             bool
	lines               []plannedLine
}

// plan draws the history's pledges and the steps that move them, over
// span days, the steps in the order they happen.
func plan(span int) ([]plannedPledge, []step) {
	r := rand.New(rand.NewPCG(2022, 2026))
	in := func(v [2]int) int { return v[0] + r.IntN(v[1]+1) }
	var ps []plannedPledge
	var steps []step
	itemOf := map[string]int{}
	for i, it := range Items {
		itemOf[it.NSN] = i
	}
	for _, h := range habits {
		for range h.pledges {
			p := plannedPledge{nation: h.nation, channel: h.channels[r.IntN(len(h.channels))], kind: "in_kind", category: "in_kind", announced: r.IntN(span - 30)}
			if h.nation == "CZE" {
				p.kind, p.category = "procurement", "equipment_purchase"
			}
			n := 1 + r.IntN(3)/2 // one line in three pledges of two
			for _, k := range r.Perm(len(h.items))[:n] {
				it := Items[itemOf[h.items[k]]]
				q := historyQuantity[it.UnitOfIssue]
				p.lines = append(p.lines, plannedLine{nsn: it.NSN, qty: q[0] + r.Int64N(q[1]-q[0]+1)})
			}
			// Titled by its first item and its month, as a package.
			it := Items[itemOf[p.lines[0].nsn]]
			p.title = it.Name + ": package of %s"
			if len(p.lines) > 1 {
				p.title = it.Name + " and more: package of %s"
			}
			pi := len(ps)
			steps = append(steps, step{day: p.announced, kind: "pledge", p: pi})
			// A package is committed and allocated as a whole, in one or
			// two parts; each line is handed over once or twice and
			// received a few days after each.
			c := p.announced + in(h.commit)
			usual := (h.commit[0] + h.commit[1]/2) + (h.allocate[0] + h.allocate[1]/2) + (h.ship[0] + h.ship[1]/2) + (h.receive[0] + h.receive[1]/2)
			p.promised = p.announced + max(usual*h.promise/100+r.IntN(30)-10, 14)
			p.monthly = r.IntN(3) == 0
			split := r.IntN(4) == 0
			withdraw := r.IntN(16) == 0
			for li, l := range p.lines {
				q := l.qty
				if withdraw && li == 0 {
					w := q * int64(10+r.IntN(30)) / 100
					steps = append(steps, step{day: c, kind: assist.Withdraw, p: pi, line: li, qty: w})
					q -= w
				}
				if split {
					first := q / 2
					steps = append(steps, step{day: c, kind: assist.Commit, p: pi, line: li, qty: first})
					steps = append(steps, step{day: c + 10 + r.IntN(50), kind: assist.Commit, p: pi, line: li, qty: q - first})
				} else {
					steps = append(steps, step{day: c, kind: assist.Commit, p: pi, line: li, qty: q})
				}
			}
			a := c + in(h.allocate)
			if split {
				a += 60
			}
			for li := range p.lines {
				q := withdrawn(steps, pi, li, p.lines[li].qty)
				steps = append(steps, step{day: a, kind: assist.Allocate, p: pi, line: li, qty: q})
				s := a + in(h.ship)
				if r.IntN(100) < h.slipPct {
					s += r.IntN(h.slip)
				}
				parts := []int64{q}
				if q >= 4 && r.IntN(3) == 0 {
					parts = []int64{q * int64(40+r.IntN(30)) / 100}
					parts = append(parts, q-parts[0])
				}
				for k, part := range parts {
					if k > 0 {
						s += 15 + r.IntN(75)
					}
					steps = append(steps, step{day: s, kind: "handover", p: pi, line: li, qty: part, part: k})
					steps = append(steps, step{day: s + in(h.receive), kind: "receive", p: pi, line: li, qty: part, part: k})
				}
			}
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return a.day - b.day })
	return ps, steps
}

// withdrawn is qty less what the steps so far withdraw of line li of
// pledge pi.
func withdrawn(steps []step, pi, li int, qty int64) int64 {
	for _, s := range steps {
		if s.p == pi && s.line == li && s.kind == assist.Withdraw {
			qty -= s.qty
		}
	}
	return qty
}

// LoadHistory records the illustrative history, after Load and
// LoadLogistics: its requirements, one an item, on its first day; then
// every step whose day is before today, each on its day, setNow moving the
// store's clock there (the caller sets it back). Steps from today on have
// not happened yet: the lines they would move are still open.
func LoadHistory(ctx context.Context, ledger *assist.Service, lg *logistics.Service, allocations func(ctx context.Context, pledge int64) ([]assist.Allocation, error), setNow func(time.Time), now time.Time) error {
	ctx = access.WithIdentity(ctx, access.System.Named("demo"))
	today := now.UTC().Truncate(24 * time.Hour)
	span := HistoryDays
	first := today.AddDate(0, 0, -span)
	plans, steps := plan(span)
	at := func(day int) time.Time { return first.AddDate(0, 0, day).Add(10 * time.Hour) }
	date := func(day int) string { return first.AddDate(0, 0, day).Format(assist.DateLayout) }

	// The requirements the history meets, one an item, each as large as
	// what the history allocates to it.
	setNow(at(0))
	need := map[string]int64{}
	var order []string
	for _, s := range steps {
		if s.kind == assist.Allocate {
			nsn := plans[s.p].lines[s.line].nsn
			if need[nsn] == 0 {
				order = append(order, nsn)
			}
			need[nsn] += s.qty
		}
	}
	reqs := map[string]assist.Requirement{}
	for _, nsn := range order {
		it := Items[slices.IndexFunc(Items, func(i catalog.Item) bool { return i.NSN == nsn })]
		site := historySites[it.Capability]
		if site == "" {
			site = "UA-LVIV"
		}
		q, err := ledger.CreateRequirement(ctx, assist.Requirement{NSN: nsn, Quantity: need[nsn], Priority: 2, NeedBy: date(span / 2), DeliverySite: site,
			Notes: "the history's needs of this item (illustrative)", Illustrative: true, Marking: access.Marking{Classification: access.Unclassified}})
		if err != nil {
			return fmt.Errorf("demo history requirement for %s: %w", nsn, err)
		}
		reqs[nsn] = q
	}

	pledges := make([]assist.Pledge, len(plans))
	type handed struct {
		id, version int64
	}
	shipments := map[[3]int]handed{}
	isAct := func(s step) bool {
		return s.kind == assist.Commit || s.kind == assist.Allocate || s.kind == assist.Withdraw
	}
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		if s.day >= span {
			break
		}
		setNow(at(s.day))
		pl := &plans[s.p]
		p := &pledges[s.p]
		switch s.kind {
		case "pledge":
			in := assist.Pledge{Nation: pl.nation, Title: fmt.Sprintf(pl.title, first.AddDate(0, 0, pl.announced).Format("January 2006")), Kind: pl.kind, Channel: pl.channel, Category: pl.category,
				Announced: date(pl.announced), Promised: date(pl.promised), Illustrative: true, Marking: access.Marking{Classification: access.Unclassified}}
			for _, l := range pl.lines {
				in.Lines = append(in.Lines, assist.Line{NSN: l.nsn, Pledged: l.qty})
			}
			if pl.monthly {
				in.Promised = in.Promised[:7] // due at the month's end
			}
			out, err := ledger.CreatePledge(ctx, in)
			if err != nil {
				return fmt.Errorf("demo history pledge %q: %w", in.Title, err)
			}
			*p = out
		case assist.Commit, assist.Allocate, assist.Withdraw:
			// What a pledge's lines do on one day is one act, as a package.
			var as []assist.Action
			for ; i < len(steps) && steps[i].p == s.p && steps[i].day == s.day && isAct(steps[i]); i++ {
				a := assist.Action{Kind: steps[i].kind, Line: p.Lines[steps[i].line].ID, Quantity: steps[i].qty}
				if a.Kind == assist.Allocate {
					a.Requirement = reqs[pl.lines[steps[i].line].nsn].ID
				}
				as = append(as, a)
			}
			i--
			out, err := ledger.ActAll(ctx, p.ID, 0, as)
			if err != nil {
				return fmt.Errorf("demo history %s %s on %s: %w", p.Ref(), s.kind, date(s.day), err)
			}
			*p = out
		case "handover":
			als, err := allocations(ctx, p.ID)
			if err != nil {
				return err
			}
			k := slices.IndexFunc(als, func(a assist.Allocation) bool { return a.LineID == p.Lines[s.line].ID })
			if k < 0 {
				return fmt.Errorf("demo history %s line %d: no allocation", p.Ref(), s.line+1)
			}
			in := logistics.Handover{Origin: depots[pl.nation], Destination: reqs[pl.lines[s.line].nsn].DeliverySite,
				Lines: []logistics.NewLine{{Allocation: als[k].ID, Quantity: s.qty}}, Note: "illustrative history"}
			if in.Origin == "" {
				in.Origin, in.Override = "PL-RZE", "the donor's stock has no depot in the scenario: handed over at the hub (illustrative)"
			}
			sh, err := lg.HandOver(ctx, in)
			if err != nil {
				return fmt.Errorf("demo history handover of %s line %d: %w", p.Ref(), s.line+1, err)
			}
			shipments[[3]int{s.p, s.line, s.part}] = handed{sh.ID, sh.Version}
		case "receive":
			h := shipments[[3]int{s.p, s.line, s.part}]
			if _, _, err := lg.Receive(ctx, h.id, h.version, logistics.Receipt{To: "receiving unit (illustrative)", Accept: true}); err != nil {
				return fmt.Errorf("demo history receipt of S-%05d: %w", h.id, err)
			}
		}
	}
	return nil
}
