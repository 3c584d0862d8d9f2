package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/check"
	"github.com/longhaul/longhaul/internal/money"
)

// invariantSQL finds the records that break one invariant: each row is the
// record's key (an id or a code) and what is wrong with it.
type invariantSQL struct {
	name string
	ref  func(key string) string
	sql  string
}

func refOf(format string) func(string) string {
	return func(k string) string {
		var id int64
		if _, err := fmt.Sscan(k, &id); err == nil {
			return fmt.Sprintf(format, id)
		}
		return k
	}
}

func asIs(k string) string { return k }

// n is an integer column as text, for the details.
func n(col string) string { return "CAST(" + col + " AS TEXT)" }

// missingSQL is, per shipment line, what the open or lost discrepancies say
// is missing (a discrepancy resolved as found was received after all), and
// surplusSQL what came on top.
const (
	missingSQL = `SELECT shipment_id, line_no, SUM(quantity) AS q FROM discrepancies
		WHERE kind <> 'surplus' AND NOT (state = 'resolved' AND resolution = 'found') GROUP BY shipment_id, line_no`
	surplusSQL = `SELECT shipment_id, line_no, SUM(quantity) AS q FROM discrepancies WHERE kind = 'surplus' GROUP BY shipment_id, line_no`
)

// boundsSQL finds the stored figures beyond the bounds the rules set on
// new ones (assist.MaxQuantity, money.MaxAmount, catalog.MaxMassG and
// MaxLoadG), such as rows written before a bound was: each is a sum that
// could overflow. Products are compared by division, so that the check
// itself cannot overflow. Keys are a kind and an id ("P 12") or a name.
var boundsSQL = func() string {
	q, a, m, load, vol := assist.MaxQuantity, int64(money.MaxAmount), catalog.MaxMassG, catalog.MaxLoadG, catalog.MaxVolumeCM3
	amountMsg := fmt.Sprintf(" cents, more than EUR %s", money.Grouped(strconv.FormatInt(a/100, 10)))
	return fmt.Sprintf(`SELECT 'P ' || `+n("l.pledge_id")+`, 'line ' || `+n("l.no")+` || ': pledged ' || `+n("l.pledged")+` || ' units at ' || `+n("l.unit_value")+
		` || ' cents: a line holds at most %[1]d units and is worth at most %[7]s'
		FROM pledge_lines l WHERE l.pledged > %[1]d OR l.unit_value > %[2]d OR (l.unit_value > 0 AND l.pledged > %[2]d / l.unit_value)
	UNION ALL SELECT 'P ' || `+n("p.id")+`, 'amount ' || `+n("p.amount")+` || ' and lines ' || `+n("p.pledged_value")+` || ' cents: a pledge is worth at most %[7]s'
		FROM pledges p WHERE p.amount > %[2]d OR p.pledged_value > %[2]d - p.amount
	UNION ALL SELECT 'R ' || `+n("r.id")+`, 'quantity ' || `+n("r.quantity")+` || ', more than %[1]d units'
		FROM requirements r WHERE r.quantity > %[1]d
	UNION ALL SELECT 'P ' || `+n("a.pledge_id")+`, 'allocation ' || `+n("a.id")+` || ' of ' || `+n("a.quantity")+` || ' units, more than %[1]d'
		FROM allocations a WHERE a.quantity > %[1]d
	UNION ALL SELECT i.nsn, 'unit value ' || `+n("i.unit_value")+` || ' cents, mass ' || `+n("i.mass_g")+` || ' g, volume ' || `+n("i.volume_cm3")+
		` || ' cm³ a unit: at most %[7]s, %[3]d g and %[5]d cm³'
		FROM items i WHERE i.unit_value > %[2]d OR i.mass_g > %[3]d OR i.volume_cm3 > %[5]d
	UNION ALL SELECT 'S ' || `+n("sl.shipment_id")+`, 'line ' || `+n("sl.no")+` || ': ' || `+n("sl.quantity")+` || ' units of ' || `+n("sl.mass_g")+
		` || ' g: at most %[1]d units of %[3]d g'
		FROM shipment_lines sl WHERE sl.quantity > %[1]d OR sl.mass_g > %[3]d
	UNION ALL SELECT 'S ' || `+n("sh.id")+`, 'weighs ' || `+n("sh.mass_g")+` || ' g, more than %[4]d'
		FROM shipments sh WHERE sh.mass_g > %[4]d
	UNION ALL SELECT h.site || ' ' || h.nsn, 'holds ' || `+n("h.quantity")+` || ' units of ' || `+n("i.mass_g")+` || ' g: more than %[4]d g'
		FROM hub_stock h JOIN items i ON i.nsn = h.nsn WHERE i.mass_g > 0 AND (h.quantity > %[4]d / i.mass_g OR -h.quantity > %[4]d / i.mass_g)
	UNION ALL SELECT 'C ' || `+n("c.id")+`, 'original ' || `+n("c.original")+` || ', in euros ' || `+n("c.amount")+` || ' cents: at most %[7]s'
		FROM contributions c WHERE c.original > %[2]d OR c.amount > %[2]d
	UNION ALL SELECT 'baseline ' || `+n("b.year")+`, 'amount ' || `+n("b.amount")+` || '%[6]s'
		FROM baselines b WHERE b.amount > %[2]d
	UNION ALL SELECT 'course ' || co.code, 'cost per seat ' || `+n("co.cost_per_seat")+` || '%[6]s'
		FROM courses co WHERE co.cost_per_seat > %[2]d
	UNION ALL SELECT 'RO ' || `+n("ro.id")+`, 'cost ' || `+n("ro.cost")+` || '%[6]s'
		FROM repair_orders ro WHERE ro.cost > %[2]d`,
		q, a, m, load, vol, amountMsg, "EUR "+money.Grouped(strconv.FormatInt(a/100, 10)))
}()

// boundRef names the record of a key of boundsSQL as people write it.
func boundRef(k string) string {
	kind, id, ok := strings.Cut(k, " ")
	if v, err := strconv.ParseInt(id, 10, 64); ok && err == nil && len(kind) <= 2 {
		return fmt.Sprintf("%s-%05d", kind, v)
	}
	return k
}

var invariants = []invariantSQL{
	{check.Bounds, boundRef, boundsSQL},
	{check.LineOrder, refOf("P-%05d"), `SELECT ` + n("l.pledge_id") + `, 'line ' || ` + n("l.no") + ` || ': pledged ' || ` + n("l.pledged") +
		` || ', committed ' || ` + n("l.committed") + ` || ', allocated ' || ` + n("l.allocated") + ` || ', shipped ' || ` + n("l.shipped") +
		` || ', delivered ' || ` + n("l.delivered") + ` || ', accepted ' || ` + n("l.accepted") + `
		FROM pledge_lines l WHERE NOT (l.pledged >= l.committed AND l.committed >= l.allocated AND l.allocated >= l.shipped
			AND l.shipped >= l.delivered AND l.delivered >= l.accepted AND l.accepted >= 0 AND l.withdrawn >= 0)`},
	{check.PledgeTotals, refOf("P-%05d"), `SELECT ` + n("p.id") + `, 'stored totals (lines ' || ` + n("p.line_count") + ` || ', pledged ' || ` + n("p.pledged_value") +
		` || ', committed ' || ` + n("p.committed_value") + ` || ', delivered ' || ` + n("p.delivered_value") + ` || ', accepted ' || ` + n("p.accepted_value") +
		` || ', open lines ' || ` + n("p.open_lines") + ` || ', open ' || ` + n("p.open_value") + ` || ') differ from its lines (lines ' || ` + n("COALESCE(t.lines, 0)") +
		` || ', pledged ' || ` + n("COALESCE(t.pledged, 0)") + ` || ', committed ' || ` + n("COALESCE(t.committed, 0)") + ` || ', delivered ' || ` + n("COALESCE(t.delivered, 0)") +
		` || ', accepted ' || ` + n("COALESCE(t.accepted, 0)") + ` || ', open lines ' || ` + n("COALESCE(t.open_lines, 0)") + ` || ', open ' || ` + n("COALESCE(t.open_value, 0)") + ` || ')'
		FROM pledges p LEFT JOIN (SELECT pledge_id, COUNT(*) AS lines, SUM(pledged * unit_value) AS pledged, SUM(committed * unit_value) AS committed,
			SUM(delivered * unit_value) AS delivered, SUM(accepted * unit_value) AS accepted,
			SUM(CASE WHEN delivered < pledged THEN 1 ELSE 0 END) AS open_lines,
			SUM(CASE WHEN delivered < pledged THEN (pledged - delivered) * unit_value ELSE 0 END) AS open_value,
			SUM(CASE WHEN quantity_undisclosed OR value_undisclosed THEN 1 ELSE 0 END) AS undisclosed
			FROM pledge_lines GROUP BY pledge_id) t ON t.pledge_id = p.id
		WHERE p.line_count <> COALESCE(t.lines, 0) OR p.pledged_value <> COALESCE(t.pledged, 0) OR p.committed_value <> COALESCE(t.committed, 0)
			OR p.delivered_value <> COALESCE(t.delivered, 0) OR p.accepted_value <> COALESCE(t.accepted, 0)
			OR p.open_lines <> COALESCE(t.open_lines, 0) OR p.open_value <> COALESCE(t.open_value, 0) OR p.undisclosed_lines <> COALESCE(t.undisclosed, 0)`},
	{check.MoneyOrder, refOf("P-%05d"), `SELECT ` + n("p.id") + `, 'amount ' || ` + n("p.amount") + ` || ', committed ' || ` + n("p.amount_committed") + ` || ', disbursed ' || ` + n("p.amount_disbursed") +
		` || '; its payments commit ' || ` + n("COALESCE(t.c, 0)") + ` || ' and disburse ' || ` + n("COALESCE(t.d, 0)") + `
		FROM pledges p LEFT JOIN (SELECT pledge_id, SUM(CASE WHEN stage = 'committed' THEN amount ELSE 0 END) AS c,
			SUM(CASE WHEN stage = 'disbursed' THEN amount ELSE 0 END) AS d FROM payments GROUP BY pledge_id) t ON t.pledge_id = p.id
		WHERE NOT (p.amount >= p.amount_committed AND p.amount_committed >= p.amount_disbursed AND p.amount_disbursed >= 0)
			OR p.amount_committed <> COALESCE(t.c, 0) OR p.amount_disbursed <> COALESCE(t.d, 0)`},
	{check.LineAllocations, refOf("P-%05d"), `SELECT ` + n("l.pledge_id") + `, 'line ' || ` + n("l.no") + ` || ' reads allocated ' || ` + n("l.allocated") +
		` || ', shipped ' || ` + n("l.shipped") + ` || ', delivered ' || ` + n("l.delivered") + ` || ', accepted ' || ` + n("l.accepted") +
		` || '; its allocations hold ' || ` + n("COALESCE(a.q, 0)") + ` || ', ' || ` + n("COALESCE(a.s, 0)") + ` || ', ' || ` + n("COALESCE(a.d, 0)") + ` || ', ' || ` + n("COALESCE(a.a, 0)") + `
		FROM pledge_lines l LEFT JOIN (SELECT line_id, SUM(quantity) AS q, SUM(shipped) AS s, SUM(delivered) AS d, SUM(accepted) AS a FROM allocations GROUP BY line_id) a ON a.line_id = l.id
		WHERE l.allocated <> COALESCE(a.q, 0) OR l.shipped <> COALESCE(a.s, 0) OR l.delivered <> COALESCE(a.d, 0) OR l.accepted <> COALESCE(a.a, 0)`},
	{check.Fulfilment, refOf("R-%05d"), `SELECT ` + n("r.id") + `, 'reads allocated ' || ` + n("r.allocated") + ` || ', delivered ' || ` + n("r.delivered") +
		` || ', accepted ' || ` + n("r.accepted") + ` || ' (' || r.state || '); its allocations hold ' || ` + n("COALESCE(a.q, 0)") + ` || ', ' || ` + n("COALESCE(a.d, 0)") + ` || ', ' || ` + n("COALESCE(a.a, 0)") + `
		FROM requirements r LEFT JOIN (SELECT requirement_id, SUM(quantity) AS q, SUM(delivered) AS d, SUM(accepted) AS a FROM allocations GROUP BY requirement_id) a ON a.requirement_id = r.id
		WHERE r.allocated <> COALESCE(a.q, 0) OR r.delivered <> COALESCE(a.d, 0) OR r.accepted <> COALESCE(a.a, 0)
			OR r.state <> CASE WHEN r.cancelled THEN 'cancelled' WHEN r.accepted >= r.quantity THEN 'fulfilled'
				WHEN r.delivered >= r.quantity THEN 'awaiting_acceptance' WHEN r.allocated >= r.quantity THEN 'allocated'
				WHEN r.allocated > 0 THEN 'partly_allocated' ELSE 'open' END`},
	{check.ShippedByShipment, refOf("P-%05d"), `SELECT ` + n("a.pledge_id") + `, 'allocation ' || ` + n("a.id") + ` || ' reads shipped ' || ` + n("a.shipped") +
		` || ', its dispatched shipments carry ' || ` + n("COALESCE(s.q, 0)") + ` || ' and its opening balance ' || ` + n("a.opening_shipped") + `
		FROM allocations a LEFT JOIN (SELECT sl.allocation_id, SUM(sl.quantity) AS q FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id
			WHERE sh.state NOT IN ('planned', 'cancelled') GROUP BY sl.allocation_id) s ON s.allocation_id = a.id
		WHERE a.shipped <> COALESCE(s.q, 0) + a.opening_shipped`},
	{check.DeliveredByReceipt, refOf("P-%05d"), `SELECT ` + n("a.pledge_id") + `, 'allocation ' || ` + n("a.id") + ` || ' reads delivered ' || ` + n("a.delivered") +
		` || ', the recipient received ' || ` + n("COALESCE(s.q, 0)") + ` || ' of it and its opening balance holds ' || ` + n("a.opening_delivered") + `
		FROM allocations a LEFT JOIN (SELECT sl.allocation_id, SUM(CASE WHEN sl.received < sl.quantity THEN sl.received ELSE sl.quantity END) AS q
			FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id WHERE sh.state = 'received' GROUP BY sl.allocation_id) s ON s.allocation_id = a.id
		WHERE a.delivered <> COALESCE(s.q, 0) + a.opening_delivered`},
	{check.SentReceived, refOf("S-%05d"), `SELECT ` + n("sl.shipment_id") + `, 'line ' || ` + n("sl.no") + ` || ': sent ' || ` + n("sl.quantity") + ` || ', received ' || ` + n("sl.received") +
		` || ', missing by its discrepancies ' || ` + n("COALESCE(m.q, 0)") + ` || ', surplus ' || ` + n("COALESCE(x.q, 0)") + `
		FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id
		LEFT JOIN (` + missingSQL + `) m ON m.shipment_id = sl.shipment_id AND m.line_no = sl.no
		LEFT JOIN (` + surplusSQL + `) x ON x.shipment_id = sl.shipment_id AND x.line_no = sl.no
		WHERE sh.state = 'received' AND sl.quantity <> sl.received + COALESCE(m.q, 0) - COALESCE(x.q, 0)`},
	{check.HubStock, asIs, `SELECT h.site || ' ' || h.nsn, 'stock reads ' || ` + n("h.quantity") + ` || ', its events add up to ' || ` + n("COALESCE(e.q, 0)") + `
		FROM hub_stock h LEFT JOIN (SELECT site, nsn, SUM(delta) AS q FROM stock_events GROUP BY site, nsn) e ON e.site = h.site AND e.nsn = h.nsn
		WHERE h.quantity <> COALESCE(e.q, 0)
		UNION ALL
		SELECT e.site || ' ' || e.nsn, 'no stock recorded, its events add up to ' || ` + n("e.q") + `
		FROM (SELECT site, nsn, SUM(delta) AS q FROM stock_events GROUP BY site, nsn) e
		WHERE e.q <> 0 AND NOT EXISTS (SELECT 1 FROM hub_stock h WHERE h.site = e.site AND h.nsn = e.nsn)`},
	{check.RepairSlots, asIs, `SELECT f.site, ` + n("b.k") + ` || ' orders in repair, ' || ` + n("f.slots") + ` || ' slots'
		FROM repair_facilities f JOIN (SELECT facility, COUNT(*) AS k FROM repair_orders WHERE state IN ('in_repair', 'awaiting_parts') GROUP BY facility) b ON b.facility = f.site
		WHERE b.k > f.slots`},
	{check.ClassSeats, refOf("class %d"), `SELECT ` + n("c.id") + `, ` + n("e.k") + ` || ' trainees enrolled, ' || ` + n("c.seats") + ` || ' seats'
		FROM classes c JOIN (SELECT class_id, SUM(trainees) AS k FROM enrolments GROUP BY class_id) e ON e.class_id = c.id
		WHERE e.k > c.seats`},
	{check.DeliveriesOnce, refOf("P-%05d"), `SELECT ` + n("l.pledge_id") + `, 'line ' || ` + n("l.no") + ` || ' delivered ' || ` + n("l.delivered") +
		` || ', the accounts record ' || ` + n("COALESCE(d.q, 0)") + `
		FROM pledge_lines l LEFT JOIN (SELECT line_id, SUM(quantity) AS q FROM deliveries GROUP BY line_id) d ON d.line_id = l.id
		WHERE l.delivered <> COALESCE(d.q, 0)`},
	{check.LineStages, refOf("P-%05d"), `SELECT ` + n("l.pledge_id") + `, 'line ' || ` + n("l.no") + ` || ': all ' || ` + n("l.pledged") + ` || ' units are ' || s.stage || ', with no day it was reached'
		FROM pledge_lines l JOIN (SELECT 'committed' AS stage, 1 AS k UNION ALL SELECT 'allocated', 2 UNION ALL SELECT 'shipped', 3 UNION ALL SELECT 'delivered', 4) s
			ON (s.k = 1 AND l.committed >= l.pledged) OR (s.k = 2 AND l.allocated >= l.pledged) OR (s.k = 3 AND l.shipped >= l.pledged) OR (s.k = 4 AND l.delivered >= l.pledged)
		WHERE l.pledged > 0 AND NOT EXISTS (SELECT 1 FROM line_stages ls WHERE ls.line_id = l.id AND ls.stage = s.stage)
		UNION ALL
		SELECT ` + n("ls.pledge_id") + `, 'the day line ' || ` + n("l.no") + ` || ' was ' || ls.stage || ' is recorded under P-' || ` + n("ls.pledge_id") + ` || ', its pledge is P-' || ` + n("l.pledge_id") + `
		FROM line_stages ls JOIN pledge_lines l ON l.id = ls.line_id WHERE ls.pledge_id <> l.pledge_id
		UNION ALL
		SELECT ` + n("ls.pledge_id") + `, 'line ' || ` + n("ls.line_id") + ` || ' was ' || ls.stage || ' on ' || ls.on_date || ', not a day'
		FROM line_stages ls WHERE LENGTH(ls.on_date) <> 10 OR ls.on_date NOT LIKE '____-__-__'`},
}

// Check recomputes every invariant of the ledger from the rows, reading
// everything whatever the reader may see (it is for auditors and
// coordinators, who are told only which records break which rule), and
// names each violation with the record involved.
func (db *DB) Check(ctx context.Context) (check.Report, error) {
	rep := check.Report{Violations: []check.Violation{}}
	for _, inv := range invariants {
		rows, err := db.rq.QueryContext(ctx, inv.sql)
		if err != nil && beyond(rep) {
			// A figure beyond its bound can overflow the sums the other
			// invariants recompute: say so, naming that bound first.
			rep.Violations = append(rep.Violations, check.Violation{Invariant: inv.name, Record: "ledger",
				Detail: fmt.Sprintf("not recomputed while a figure is beyond its bound (%v)", err)})
			rep.Checked = append(rep.Checked, inv.name)
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("check %s: %w", inv.name, err)
		}
		for rows.Next() {
			var key, detail string
			if err := rows.Scan(&key, &detail); err != nil {
				rows.Close()
				return rep, fmt.Errorf("check %s: %w", inv.name, err)
			}
			rep.Violations = append(rep.Violations, check.Violation{Invariant: inv.name, Record: inv.ref(key), Detail: detail})
		}
		if err := rows.Close(); err != nil {
			return rep, err
		}
		if err := rows.Err(); err != nil && beyond(rep) {
			rep.Violations = append(rep.Violations, check.Violation{Invariant: inv.name, Record: "ledger",
				Detail: fmt.Sprintf("not recomputed while a figure is beyond its bound (%v)", err)})
		} else if err != nil {
			return rep, fmt.Errorf("check %s: %w", inv.name, err)
		}
		rep.Checked = append(rep.Checked, inv.name)
	}
	conv, err := db.checkConversions(ctx)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", check.Conversions, err)
	}
	rep.Violations = append(rep.Violations, conv...)
	rep.Checked = append(rep.Checked, check.Conversions)
	res, err := db.VerifyAudit(ctx)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", check.AuditChain, err)
	}
	if res.Break != nil {
		rep.Violations = append(rep.Violations, check.Violation{Invariant: check.AuditChain, Record: fmt.Sprintf("event %d", res.Break.Seq), Detail: res.Break.Reason})
	}
	rep.Checked = append(rep.Checked, check.AuditChain)
	var k int64
	if err := db.rq.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM pledge_lines) + (SELECT COUNT(*) FROM allocations) + (SELECT COUNT(*) FROM requirements)
		+ (SELECT COUNT(*) FROM shipment_lines) + (SELECT COUNT(*) FROM stock_events) + (SELECT COUNT(*) FROM repair_orders) + (SELECT COUNT(*) FROM enrolments)
		+ (SELECT COUNT(*) FROM deliveries) + (SELECT COUNT(*) FROM payments) + (SELECT COUNT(*) FROM valuations)`).Scan(&k); err != nil {
		return rep, err
	}
	rep.Records = k + res.Events
	return rep, nil
}

// beyond reports whether rep names a figure beyond its bound.
func beyond(rep check.Report) bool {
	for _, v := range rep.Violations {
		if v.Invariant == check.Bounds {
			return true
		}
	}
	return false
}

// checkConversions recomputes, in Go with money.ToEUR (SQL has no exact
// decimal division common to both engines), every euro figure that stands
// on a figure in another currency: a pledge's amount, a line's unit value
// and a revaluation's new figure must each be their original's conversion
// at the rate stored, and a figure in euros has no original of its own.
func (db *DB) checkConversions(ctx context.Context) ([]check.Violation, error) {
	rows, err := db.rq.QueryContext(ctx, `SELECT p.id, 'amount', p.amount, p.amount_currency, p.amount_original, p.amount_rate FROM pledges p WHERE p.amount_currency <> '' OR p.amount_original <> 0
		UNION ALL SELECT l.pledge_id, 'line ' || `+n("l.no")+`, l.unit_value, l.currency, l.original, l.rate FROM pledge_lines l WHERE l.currency <> '' OR l.original <> 0
		UNION ALL SELECT v.pledge_id, 'revaluation ' || `+n("v.id")+`, v.eur, v.currency, v.original, v.rate FROM valuations v WHERE v.currency <> '' OR v.original <> 0
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []check.Violation
	for rows.Next() {
		var id int64
		var what, currency, rate string
		var eur, original money.Cents
		if err := rows.Scan(&id, &what, &eur, &currency, &original, &rate); err != nil {
			return nil, err
		}
		detail := ""
		if currency == "" {
			detail = fmt.Sprintf("%s reads %s with an original figure of %s but no currency", what, eur.In(""), original.In(""))
		} else if conv, err := money.ToEUR(int64(original), rate); err != nil {
			detail = fmt.Sprintf("%s reads %s from %s at %q per euro, which does not convert: %v", what, eur.In(""), original.In(currency), rate, err)
		} else if conv != eur {
			detail = fmt.Sprintf("%s reads %s, but %s at %s per euro is %s", what, eur.In(""), original.In(currency), rate, conv.In(""))
		}
		if detail != "" {
			out = append(out, check.Violation{Invariant: check.Conversions, Record: fmt.Sprintf("P-%05d", id), Detail: detail})
		}
	}
	return out, rows.Err()
}
