package forecast

import (
	"fmt"

	"github.com/longhaul/longhaul/internal/access"
)

// The reasons a line is at risk, in the order the rule tries them.
const (
	// ReasonETA: a shipment carrying the line arrives, by its ETA, after
	// the promised date.
	ReasonETA = "eta"
	// ReasonForecast: the line's expected delivery falls after the
	// promised date.
	ReasonForecast = "forecast"
	// ReasonLeadTime: the promised date comes sooner than the nation's
	// usual lead time from dispatch to delivery, and nothing is shipped.
	ReasonLeadTime = "lead_time"
)

// Reasons lists the reasons, in the order the rule tries them.
var Reasons = []string{ReasonETA, ReasonForecast, ReasonLeadTime}

// ReasonWords says what a reason means, for people.
func ReasonWords(reason string) string {
	switch reason {
	case ReasonETA:
		return "shipment's ETA after the promised date"
	case ReasonForecast:
		return "forecast after the promised date"
	case ReasonLeadTime:
		return "promised sooner than the usual lead time, nothing shipped"
	}
	return reason
}

// Risk is why a line's promise is at risk and by how much: the days its
// shipment's ETA or its forecast falls after the promised date, or the
// days the time left is short of the nation's usual lead time.
type Risk struct {
	Reason   string `json:"reason"`
	Days     int    `json:"days"`
	Shipment int64  `json:"shipment,omitempty"`
	Words    string `json:"words"`
	// Classification is the highest of the history it is drawn from.
	Classification access.Classification `json:"-"`
}

// Assess is the early-warning rule, the one place it is written. An open
// line with a promised date is at risk on day today when, in this order:
//
//   - a shipment carrying it, planned or on its way and not yet at its
//     destination, has an ETA after the promised date (whether or not that
//     date has passed: the ETA says by how much it will be missed; goods
//     that have arrived wait only for the recipient's receipt);
//   - its promised date has not passed and its forecast's expected day
//     falls after it;
//   - its promised date has not passed, nothing of it is shipped, and the
//     days left are fewer than its nation's usual lead time from dispatch
//     to delivery.
//
// A line past its promised date is overdue, which the ledger shows as
// such; only its shipment's ETA adds to that.
func Assess(l *Line, f *Forecast, lead LeadTime, leadKnown bool, today Day) (Risk, bool) {
	if !l.Open() || l.Promised == 0 {
		return Risk{}, false
	}
	var late Risk
	for _, c := range l.Carriers {
		if c.Arrived || c.Received != 0 || c.ETA <= l.Promised {
			continue
		}
		if d := int(c.ETA - l.Promised); d > late.Days {
			late = Risk{Reason: ReasonETA, Days: d, Shipment: c.Shipment,
				Words: fmt.Sprintf("S-%05d's ETA, %s, is %s after the promised %s", c.Shipment, c.ETA, days(d), l.Promised)}
		}
	}
	if late.Reason != "" {
		return late, true
	}
	if today > l.Promised {
		return Risk{}, false
	}
	if f != nil && f.OK() && f.Expected > l.Promised {
		d := int(f.Expected - l.Promised)
		return Risk{Reason: ReasonForecast, Days: d, Classification: f.Classification,
			Words: fmt.Sprintf("expected %s, %s after the promised %s", f.Expected, days(d), l.Promised)}, true
	}
	left := int(l.Promised - today)
	if l.Shipped == 0 && leadKnown && left < lead.Days {
		who := l.NationName
		if who == "" {
			who = l.Nation
		}
		return Risk{Reason: ReasonLeadTime, Days: lead.Days - left, Classification: lead.Classification,
			Words: fmt.Sprintf("promised %s, in %s, with nothing shipped; %s usual lead time from dispatch to delivery is %s", l.Promised, days(left), possessive(who, lead.Level), days(lead.Days))}, true
	}
	return Risk{}, false
}

// possessive names whose lead time it is.
func possessive(nation string, v Level) string {
	if v == Nation {
		return nation + "'s"
	}
	return "every nation's (" + nation + " has too few deliveries of its own)"
}

// days writes a number of days for people.
func days(n int) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d day", n)
	}
	return fmt.Sprintf("%d days", n)
}
