package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/repair"
)

// A notice is the line a page shows above its content after a change
// ("Pledge P-00012 recorded"). The redirect that ends the change names it
// in the query as msg=KEY or msg=KEY~VALUE~VALUE…: the key picks one of the
// fixed texts of notices, and the values fill its blanks, each held to its
// kind (a count, a reference, a code, an amount, a date, a word of a known
// list). An unknown key, a wrong number of values or a value not of its
// kind shows nothing. So a link can make a page say only what the server
// says after a change, never its own words: the sign-in page's notices
// have no blanks at all.

// notice is one fixed text, with a %s for each of its blanks.
type notice struct {
	text   string
	blanks []blank
}

// blank is a kind of value a notice's text takes: which values fit, and
// how a value is shown.
type blank struct {
	fits func(string) bool
	show func(string) string
}

var (
	integerPattern = regexp.MustCompile(`^-?[0-9]{1,15}$`)
	refPattern     = regexp.MustCompile(`^[A-Z]{1,3}-[0-9]{1,15}$`)
	codePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	datePattern    = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	decimalPattern = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,12})?$`)
)

func same(v string) string { return v }

func integer(v string) int64 {
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// vList is a blank of up to 50 values of one kind, written with commas
// between them and shown joined by sep.
func vList(of blank, sep string) blank {
	return blank{
		fits: func(v string) bool {
			parts := strings.Split(v, ",")
			return len(parts) <= 50 && !slices.ContainsFunc(parts, func(p string) bool { return !of.fits(p) })
		},
		show: func(v string) string { return strings.Join(strings.Split(v, ","), sep) },
	}
}

// vOneOf is a blank of the words of a known list, each shown as show says.
func vOneOf(words []string, show func(string) string) blank {
	return blank{fits: func(v string) bool { return slices.Contains(words, v) }, show: show}
}

// vWord is a blank of the keys of words, each shown as its value.
func vWord(words map[string]string) blank {
	return blank{fits: func(v string) bool { _, ok := words[v]; return ok }, show: func(v string) string { return words[v] }}
}

var (
	// vCount is a number of things, shown with thousands separators.
	vCount = blank{fits: integerPattern.MatchString, show: func(v string) string { return formatInt(integer(v)) }}
	// vNumber is an id, a year or a line's number, shown as it is.
	vNumber = blank{fits: integerPattern.MatchString, show: same}
	vRef    = blank{fits: refPattern.MatchString, show: same}
	// vCode is a site's, a nation's, an item's, a course's or a user's.
	vCode    = blank{fits: codePattern.MatchString, show: same}
	vDate    = blank{fits: datePattern.MatchString, show: same}
	vDecimal = blank{fits: decimalPattern.MatchString, show: same}
	// vCents is an amount in euro cents, shown as "€ 1,250.00" (vShortCents
	// as "€ 40.00 bn" when it is large); vEuros the same as "EUR 1,250.00".
	vCents      = blank{fits: integerPattern.MatchString, show: func(v string) string { return money.Cents(integer(v)).Human(false) }}
	vShortCents = blank{fits: integerPattern.MatchString, show: func(v string) string { return money.Cents(integer(v)).Human(true) }}
	vEuros      = blank{fits: integerPattern.MatchString, show: func(v string) string { return money.Cents(integer(v)).In("") }}
	// vMinute is a time to the minute, written 2006-01-02T15:04Z.
	vMinute = blank{fits: func(v string) bool { _, err := time.Parse(minuteLayout, v); return err == nil },
		show: func(v string) string { t, _ := time.Parse(minuteLayout, v); return t.Format("2006-01-02 15:04 UTC") }}
	// vOpened is the discrepancies a receipt opened, shown after it.
	vOpened = blank{fits: integerPattern.MatchString, show: func(v string) string {
		switch n := integer(v); {
		case n <= 0:
			return ""
		case n == 1:
			return " with 1 discrepancy opened"
		default:
			return fmt.Sprintf(" with %d discrepancies opened", n)
		}
	}}
)

const minuteLayout = "2006-01-02T15:04Z"

// notices are every notice a page shows, by key.
var notices = map[string]notice{
	// Sign-in, the account and its second factor.
	"signed-out":           {"Signed out", nil},
	"password-changed":     {"Password changed: sign in with the new one", nil},
	"password-first":       {"Sign in with your password first", nil},
	"signin-expired":       {"The sign-in has expired: sign in again with your password", nil},
	"role-requires-factor": {"Your role requires a second factor: set it up to go on", nil},
	"enrol-first":          {enrolFirst.Message, nil},
	"recovery-code-used":   {"Signed in with a recovery code: %s left. Make new ones below if you are running out.", []blank{vCount}},
	"factor-off":           {"Second factor turned off: you sign in with your password alone", nil},
	"passkey-added":        {"Passkey registered: use it to sign in after your password", nil},
	"passkey-removed":      {"Passkey removed", nil},
	"token-revoked":        {"Token revoked", nil},
	"notifications-saved":  {"Notification settings saved", nil},
	// Administration.
	"user-updated":     {"User %s updated", []blank{vCode}},
	"factor-reset":     {"Second factor of %s reset: they sign in with the password and set up a new one", []blank{vCode}},
	"webhook-disabled": {"Webhook %s disabled", []blank{vNumber}},
	// The catalogue, requirements and pledges.
	"site-added":             {"Site %s added", []blank{vCode}},
	"item-added":             {"Item %s added to the catalogue", []blank{vCode}},
	"item-updated":           {"Item %s updated", []blank{vCode}},
	"requirement-submitted":  {"Requirement %s submitted", []blank{vRef}},
	"requirements-submitted": {"%s requirements submitted: %s", []blank{vCount, vList(vRef, ", ")}},
	"requirement-updated":    {"Requirement %s updated", []blank{vRef}},
	"requirement-cancelled":  {"Requirement %s cancelled", []blank{vRef}},
	"pledge-recorded":        {"Pledge %s recorded", []blank{vRef}},
	"pledge-updated":         {"Pledge %s updated", []blank{vRef}},
	"line-acted":             {"%s %s on line %s", []blank{vWord(pastTense), vCount, vNumber}},
	"lines-acted":            {"%s on %s lines", []blank{vWord(pastTense), vCount}},
	"one-line-acted":         {"%s on 1 line", []blank{vWord(pastTense)}},
	"payment-recorded":       {"Recorded %s %s on %s", []blank{vCents, vOneOf(assist.Stages, same), vDate}},
	"amount-revalued":        {"Revalued the amount: %s, was %s", []blank{vEuros, vEuros}},
	"line-revalued":          {"Revalued line %s: %s, was %s", []blank{vNumber, vEuros, vEuros}},
	"handed-over":            {"Handed over: %s waits for the recipient's receipt at %s", []blank{vRef, vCode}},
	// The accounts.
	"baseline-saved":          {"Baseline %s saved: %s among %s nations", []blank{vNumber, vShortCents, vCount}},
	"rate-saved":              {"Rate saved: 1 EUR = %s %s in %s", []blank{vDecimal, vCode, vNumber}},
	"contribution-recorded":   {"Contribution %s recorded: %s of %s", []blank{vRef, vCents, vCode}},
	"contribution-for-pledge": {"Contribution %s recorded: %s of %s, reported against %s, whose deliveries count", []blank{vRef, vCents, vCode, vRef}},
	"agreement-saved":         {"The agreement of %s, signed %s, is in the register", []blank{vCode, vDate}},
	// Logistics.
	"shipment-planned":     {"Planned %s: %s, ETA %s", []blank{vRef, vList(vCode, " → "), vMinute}},
	"custody-recorded":     {"%s %s: now %s", []blank{vWord(custodyDone), vRef, vOneOf(logistics.States, logistics.Label)}},
	"received":             {"Received %s%s", []blank{vRef, vOpened}},
	"received-accepted":    {"Received and accepted %s%s", []blank{vRef, vOpened}},
	"discrepancy-resolved": {"Resolved %s as %s", []blank{vRef, vOneOf([]string{logistics.Found, logistics.Loss}, same)}},
	"link-saved":           {"Saved the link %s→%s (%s)", []blank{vCode, vCode, vOneOf(logistics.Modes, same)}},
	"limits-saved":         {"Saved the limits of %s", []blank{vCode}},
	"network-imported":     {"Imported %s rows: %s sites and %s links created or updated", []blank{vCount, vCount, vCount}},
	"stock-counted":        {"Counted %s items: %s adjustments", []blank{vCount, vCount}},
	"plan-made":            {"Plan %s made in %s ms: review it and approve", []blank{vNumber, vCount}},
	"plan-approved":        {"Approved: the allocations are made and the shipments planned", nil},
	// Readiness.
	"package-defined": {"%s defined", []blank{vRef}},
	"package-saved":   {"%s saved", []blank{vRef}},
	// Repair.
	"equipment-registered":      {"%s registered", []blank{vRef}},
	"damage-reported":           {"Damage reported: %s opened", []blank{vRef}},
	"beyond-repair":             {"%s is beyond repair and leaves the fleet", []blank{vRef}},
	"beyond-repair-replacement": {"%s is beyond repair and leaves the fleet; replacement asked for as %s", []blank{vRef, vRef}},
	"parts-asked":               {"%s parts asked for, as requirements at the facility", []blank{vCount}},
	"repair-state":              {"%s is %s", []blank{vRef, vOneOf(repair.OrderStates, func(v string) string { return strings.ReplaceAll(v, "_", " ") })}},
	"facility-saved":            {"%s: %s slots, %s systems", []blank{vCode, vCount, vCount}},
	"repairs-approved":          {"Approved: %s repair orders assigned to their facilities", []blank{vCount}},
	"repair-cost":               {"Cost of %s recorded: %s paid by %s, counted in its pledge accounts", []blank{vRef, vCents, vCode}},
	"written-off":               {"%s is written off and leaves the fleet", []blank{vRef}},
	// Training and lessons.
	"course-offered":      {"Course %s offered at %s", []blank{vCode, vCode}},
	"class-added":         {"Class of %s from %s to %s added", []blank{vCode, vDate, vDate}},
	"cohort-nominated":    {"Cohort %s of %s trainees nominated", []blank{vNumber, vCount}},
	"enrolments-approved": {"Approved: %s enrolments", []blank{vCount}},
	"trainees-completed":  {"Recorded: %s trainees completed", []blank{vCount}},
	"lesson-submitted":    {"%s submitted for triage", []blank{vRef}},
	"lesson-state":        {"%s is %s", []blank{vRef, vOneOf(lessons.States, same)}},
	"action-assigned":     {"Action assigned, due %s", []blank{vDate}},
	"action-done":         {"Action done", nil},
	"lesson-linked":       {"Linked to %s %s", []blank{vOneOf(lessons.LinkKinds, same), vCode}},
}

// withNotice is path with the notice key and its values in its query, for
// the page a change redirects to. A value is written as fmt.Sprint writes
// it: a list's values joined by commas, a time in minuteLayout.
func withNotice(path, key string, values ...any) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "msg=" + url.QueryEscape(noticeMsg(key, values...))
}

// noticeMsg is the msg naming the notice key with its values.
func noticeMsg(key string, values ...any) string {
	v := key
	for _, x := range values {
		v += "~" + fmt.Sprint(x)
	}
	return v
}

// noticeText is the text of the notice msg names, "" when it names none:
// an unknown key, or values that are not those of its blanks.
func noticeText(msg string) string {
	if msg == "" || len(msg) > 2000 {
		return ""
	}
	parts := strings.Split(msg, "~")
	n, ok := notices[parts[0]]
	if !ok || len(parts)-1 != len(n.blanks) {
		return ""
	}
	shown := make([]any, len(n.blanks))
	for i, b := range n.blanks {
		if !b.fits(parts[i+1]) {
			return ""
		}
		shown[i] = b.show(parts[i+1])
	}
	return fmt.Sprintf(n.text, shown...)
}

type noticeKey struct{}

// showNotice returns r with the notice key (and its values) for a page
// rendered at once rather than after a redirect.
func showNotice(r *http.Request, key string, values ...any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), noticeKey{}, noticeMsg(key, values...)))
}

// noticeOf is the text of the notice of the page r asks for.
func noticeOf(r *http.Request) string {
	if msg, ok := r.Context().Value(noticeKey{}).(string); ok {
		return noticeText(msg)
	}
	return noticeText(r.URL.Query().Get("msg"))
}
