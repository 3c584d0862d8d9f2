// Package check names the invariants of the ledger and the violations a
// check of them reports. The store recomputes each invariant from the rows
// (it is SQL over every table); this package says what each one means, so
// that the CLI, the API and the tests speak of them alike.
//
// It imports nothing of Longhaul's.
package check

import (
	"context"
	"fmt"
	"io"
)

// Invariants of the ledger, by name.
const (
	Bounds             = "within bounds"          // every stored quantity, amount and mass is within the bound its rule sets
	LineOrder          = "line order"             // pledged ≥ committed ≥ allocated ≥ shipped ≥ delivered ≥ accepted ≥ 0
	PledgeTotals       = "pledge totals"          // a pledge's stored totals are the sums of its lines
	MoneyOrder         = "money order"            // amount ≥ committed ≥ disbursed ≥ 0, each the sum of its payments
	LineAllocations    = "line allocations"       // a line's allocated, shipped, delivered and accepted are its allocations' sums
	Fulfilment         = "requirement fulfilment" // a requirement's allocated, delivered, accepted and state follow its allocations
	ShippedByShipment  = "shipped by shipments"   // an allocation's shipped is what its dispatched shipments carry, with its opening balance
	DeliveredByReceipt = "delivered by receipts"  // an allocation's delivered is what the recipient received of it, with its opening balance
	SentReceived       = "sent = received + discrepancies"
	HubStock           = "hub stock"               // a hub's stock is the sum of its stock events
	RepairSlots        = "repair slots"            // a facility never holds more in repair than its slots
	ClassSeats         = "class seats"             // a class never enrols more than its seats
	DeliveriesOnce     = "deliveries counted once" // the accounts' delivery records add up to each line's delivered
	Conversions        = "conversions"             // a figure given in another currency is its conversion to euros at the rate stored
	LineStages         = "line stages"             // a line whose whole quantity is at a stage has the day it reached it, under its own pledge
	AuditChain         = "audit chain"             // every event links to the one before, up to the recorded head
)

// All lists the invariants in the order they are checked.
var All = []string{Bounds, LineOrder, PledgeTotals, MoneyOrder, LineAllocations, Fulfilment, ShippedByShipment, DeliveredByReceipt,
	SentReceived, HubStock, RepairSlots, ClassSeats, DeliveriesOnce, LineStages, Conversions, AuditChain}

// Violation is one record that breaks an invariant.
type Violation struct {
	Invariant string `json:"invariant"`
	Record    string `json:"record"` // P-00012, R-00003, S-00007, PL-RZE …
	Detail    string `json:"detail"`
}

// Report is the outcome of a check: every invariant checked, and what
// broke them.
type Report struct {
	Checked    []string    `json:"checked"`
	Records    int64       `json:"records"` // rows looked at
	Violations []Violation `json:"violations"`
}

// OK reports whether every invariant holds.
func (r Report) OK() bool { return len(r.Violations) == 0 }

// Checker recomputes the invariants.
type Checker interface {
	Check(ctx context.Context) (Report, error)
}

// Write prints r for a person: one line per violation, then a summary.
func (r Report) Write(w io.Writer) {
	for _, v := range r.Violations {
		fmt.Fprintf(w, "VIOLATED %s: %s: %s\n", v.Invariant, v.Record, v.Detail)
	}
	if r.OK() {
		fmt.Fprintf(w, "All %d invariants hold over %d records.\n", len(r.Checked), r.Records)
		return
	}
	fmt.Fprintf(w, "%d violation(s) of %d invariants checked over %d records.\n", len(r.Violations), len(r.Checked), r.Records)
}
