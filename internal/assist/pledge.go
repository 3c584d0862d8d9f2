package assist

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/text"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// Pledge is one nation's promise: lines of items, or an amount of money, or
// both. A pledge is never deleted; its undelivered part can be withdrawn.
type Pledge struct {
	ID     int64  `json:"id"`
	Nation string `json:"nation"`
	Title  string `json:"title"`
	// Description is what is known of the pledge beyond its short title,
	// in as many lines as it takes.
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind"`
	// Aid is the type of aid (AidTypes) and Instrument how it is given
	// (Instruments); empty is a military grant.
	Aid        string `json:"aid"`
	Instrument string `json:"instrument"`
	Channel    string `json:"channel"`
	Category   string `json:"category"`
	Announced  string `json:"announced"`
	Promised   string `json:"promised"`
	// AnnouncedPrecision and PromisedPrecision say how well the dates are
	// known (Precisions): a pledge announced in April 2022 is announced
	// 2022-04-01 to the month, and one promised for the third quarter is
	// due 2022-09-30 to the quarter. Empty is to the day.
	AnnouncedPrecision string `json:"announced_precision"`
	PromisedPrecision  string `json:"promised_precision"`
	// AnnouncedUntil and PromisedFrom are the other bounds of a date
	// given as a range (RangePrecision), empty otherwise: a pledge
	// announced between 4 and 11 March 2022 is announced 2022-03-04 until
	// 2022-03-11.
	AnnouncedUntil string      `json:"announced_until,omitempty"`
	PromisedFrom   string      `json:"promised_from,omitempty"`
	Reference      string      `json:"reference,omitempty"`
	Amount         money.Cents `json:"amount"` // money pledged beside the lines
	// AmountValuation is where the amount comes from: the figure in the
	// currency it was pledged in, the rate and its date, the basis and
	// the source.
	AmountValuation Valuation `json:"amount_valuation,omitzero"`
	// ValueUndisclosed marks a pledge whose value its donor has not made
	// public: it holds no amount, and totals say how many such pledges
	// they leave out.
	ValueUndisclosed bool `json:"value_undisclosed,omitempty"`
	// AmountCommitted and AmountDisbursed are how much of the amount has
	// been committed and disbursed (Pay): amount ≥ committed ≥ disbursed.
	AmountCommitted money.Cents `json:"amount_committed"`
	AmountDisbursed money.Cents `json:"amount_disbursed"`
	// Payments are the steps of the money, oldest first.
	Payments []Payment `json:"payments,omitempty"`
	// Revaluations are the changes of the amount's or the lines' euro
	// figures, oldest first.
	Revaluations []Revaluation `json:"revaluations,omitempty"`
	// Depot is the donor depot where the pledged stock waits to be
	// shipped; empty when not known, and the planner then takes the
	// nation's first depot.
	Depot string `json:"depot,omitempty"`
	access.Marking
	Illustrative bool      `json:"illustrative,omitempty"`
	Lines        []Line    `json:"lines"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// AnnouncedText and PromisedText are the dates as they are known, as
// ParseWhen reads them back ("2022-04", "2022-03-04/2022-03-11");
// AnnouncedWords and PromisedWords are the same for people.
func (p Pledge) AnnouncedText() string {
	if p.AnnouncedPrecision == RangePrecision {
		return FormatRange(p.Announced, p.AnnouncedUntil)
	}
	return FormatWhen(p.Announced, p.AnnouncedPrecision)
}

func (p Pledge) PromisedText() string {
	if p.PromisedPrecision == RangePrecision {
		return FormatRange(p.PromisedFrom, p.Promised)
	}
	return FormatWhen(p.Promised, p.PromisedPrecision)
}

func (p Pledge) AnnouncedWords() string {
	if p.AnnouncedPrecision == RangePrecision {
		return RangeWords(p.Announced, p.AnnouncedUntil)
	}
	return WhenWords(p.Announced, p.AnnouncedPrecision)
}

func (p Pledge) PromisedWords() string {
	if p.PromisedPrecision == RangePrecision {
		return RangeWords(p.PromisedFrom, p.Promised)
	}
	return WhenWords(p.Promised, p.PromisedPrecision)
}

// Ref is the pledge's reference as people write it.
func (p *Pledge) Ref() string { return fmt.Sprintf("P-%05d", p.ID) }

// AuditMarking is the owner and marking of the pledge, for the audit trail.
func (p Pledge) AuditMarking() (string, access.Marking) { return p.Nation, p.Marking }

// Line is one item of a pledge and how far its quantity has come.
type Line struct {
	ID        int64       `json:"id"`
	No        int         `json:"no"`
	NSN       string      `json:"nsn"`
	ItemName  string      `json:"item_name,omitempty"`
	UnitValue money.Cents `json:"unit_value"`
	Pledged   int64       `json:"pledged"`
	Committed int64       `json:"committed"`
	Allocated int64       `json:"allocated"`
	Shipped   int64       `json:"shipped"`
	Delivered int64       `json:"delivered"`
	Accepted  int64       `json:"accepted"`
	Withdrawn int64       `json:"withdrawn"`
	// QuantityUndisclosed marks a line whose number of units the donor
	// has not made public ("Leopard 2 tanks, number undisclosed"): it
	// holds no quantity, and nothing of it can move until one is known.
	// ValueUndisclosed marks a line whose unit value is not public: its
	// value is in no total, and the totals say how many such lines they
	// leave out.
	QuantityUndisclosed bool `json:"quantity_undisclosed,omitempty"`
	ValueUndisclosed    bool `json:"value_undisclosed,omitempty"`
	// Reported is how many units the donor reports it has delivered, as
	// public trackers quote donors: its own statement, shown beside what
	// receipts confirm (Delivered) and counted in no total.
	Reported int64 `json:"reported_delivered,omitempty"`
	// Valuation is where the unit value comes from.
	Valuation Valuation `json:"valuation,omitzero"`
	// DeliveredOn, when set, is the day (YYYY-MM-DD) the store records
	// the line's next delivery on, instead of the day of the write: an
	// opening balance's deliveries happened before it was taken.
	DeliveredOn string `json:"-"`
}

// Undisclosed is the word a spreadsheet's cell holds for a quantity or
// value the donor has not made public, in imports and exports alike.
const Undisclosed = "undisclosed"

// IsUndisclosed reports whether a cell or field says Undisclosed.
func IsUndisclosed(s string) bool { return strings.EqualFold(strings.TrimSpace(s), Undisclosed) }

// Undisclosed reports whether some of the pledge's value is not public:
// its own value, or a line's quantity or unit value.
func (p *Pledge) Undisclosed() bool {
	if p.ValueUndisclosed {
		return true
	}
	for i := range p.Lines {
		if p.Lines[i].QuantityUndisclosed || p.Lines[i].ValueUndisclosed {
			return true
		}
	}
	return false
}

// MaxQuantity is the most units one pledge line or requirement may hold: a
// billion, a thousand times the largest ammunition packages (a million
// rounds), and small enough that a line's quantity times its unit value is
// checked against money.MaxAmount rather than against int64.
const MaxQuantity = 1_000_000_000

// Value is the value of q units of the line. Validation bounds the line's
// quantity and the product, so that no stored line overflows here.
func (l *Line) Value(q int64) money.Cents { return money.Cents(int64(l.UnitValue) * q) }

// Check verifies the order pledged ≥ committed ≥ allocated ≥ shipped ≥
// delivered ≥ accepted ≥ 0. The store calls it before every write of a line,
// so that no path can store a line that breaks it.
func (l *Line) Check() error {
	q := []int64{l.Pledged, l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted, 0}
	names := []string{"pledged", "committed", "allocated", "shipped", "delivered", "accepted", "zero"}
	for i := 0; i+1 < len(q); i++ {
		if q[i] < q[i+1] {
			return fault.Errorf(fault.Invalid, "line %d: %s (%d) would be less than %s (%d)", l.No, names[i], q[i], names[i+1], q[i+1])
		}
	}
	if l.Withdrawn < 0 {
		return fault.Errorf(fault.Invalid, "line %d: withdrawn is negative", l.No)
	}
	return nil
}

// Open reports whether the line still has something undelivered.
func (l *Line) Open() bool { return l.Delivered < l.Pledged }

// State is a line's furthest stage reached, for people.
func (l *Line) State() string {
	switch {
	case l.QuantityUndisclosed && l.Pledged == 0:
		return "quantity undisclosed"
	case l.Pledged == 0 && l.Withdrawn > 0:
		return "withdrawn"
	case l.Accepted == l.Pledged:
		return "accepted"
	case l.Delivered == l.Pledged:
		return "delivered"
	case l.Shipped > 0:
		return "shipping"
	case l.Allocated > 0:
		return "allocated"
	case l.Committed > 0:
		return "committed"
	}
	return "pledged"
}

// Value is the pledge's total value: its lines at their unit value plus its amount.
func (p *Pledge) Value() (pledged, delivered, accepted money.Cents) {
	pledged = p.Amount
	for i := range p.Lines {
		l := &p.Lines[i]
		pledged += l.Value(l.Pledged)
		delivered += l.Value(l.Delivered)
		accepted += l.Value(l.Accepted)
	}
	return
}

// State is "withdrawn" when everything was withdrawn, "complete" when every
// line was accepted and all its money disbursed, "open" otherwise.
func (p *Pledge) State() string {
	paid := p.Amount > 0 && p.AmountDisbursed == p.Amount
	if len(p.Lines) == 0 {
		if paid {
			return "complete"
		}
		return "open"
	}
	withdrawn, accepted := p.Amount == 0, p.Amount == 0 || paid
	for i := range p.Lines {
		if p.Lines[i].Pledged > 0 {
			withdrawn = false
		}
		if p.Lines[i].Accepted < p.Lines[i].Pledged {
			accepted = false
		}
	}
	switch {
	case withdrawn:
		return "withdrawn"
	case accepted:
		return "complete"
	}
	return "open"
}

// Line returns the line with id.
func (p *Pledge) Line(id int64) (*Line, error) {
	for i := range p.Lines {
		if p.Lines[i].ID == id {
			return &p.Lines[i], nil
		}
	}
	return nil, fault.Field("line", "pledge %s has no line %d", p.Ref(), id)
}

// knownWhen reads a date and its precision: vague text ("2022-04") gives
// its own; an exact date takes the precision stated, if any. It returns the
// first and last day of the period and the precision.
func knownWhen(field, v, precision string) (string, string, string, error) {
	first, last, got, err := ParseWhen(field, v)
	if err != nil {
		return "", "", "", err
	}
	if precision = strings.TrimSpace(precision); got == DayPrecision && precision != "" && precision != DayPrecision {
		if !slices.Contains(Precisions, precision) {
			return "", "", "", fault.Field(field+"_precision", "%q is not a precision: use one of %s", precision, strings.Join(Precisions, ", "))
		}
		first, last = Within(first, precision)
		got = precision
	}
	return first, last, got, nil
}

// Validate checks the fields a person enters and reports every problem.
// Whether the nation and items exist is checked by the use case. It is
// ValidateOn without a today: a valuation's rate may then bear any
// plausible date.
func (p *Pledge) Validate() error { return p.ValidateOn("") }

// ValidateOn is Validate on today (YYYY-MM-DD), after which no rate used
// in a valuation may be dated. A valuation in another currency fills the
// amount or unit value left empty with its conversion to euros, and one
// that contradicts the figure given is refused.
func (p *Pledge) ValidateOn(today string) error {
	var errs fault.List
	p.Nation = strings.ToUpper(strings.TrimSpace(p.Nation))
	if p.Nation == "" {
		errs.Add("nation", "is required")
	}
	p.Title = text.TrimBlank(p.Title)
	if p.Title == "" {
		errs.Add("title", "is required")
	} else if len(p.Title) > 200 {
		errs.Add("title", "is longer than 200 characters")
	}
	errs.OneOf("kind", p.Kind, Kinds)
	if p.Aid = strings.TrimSpace(p.Aid); p.Aid == "" {
		p.Aid = AidTypes[0]
	}
	errs.OneOf("aid", p.Aid, AidTypes)
	if p.Instrument = strings.TrimSpace(p.Instrument); p.Instrument == "" {
		p.Instrument = Instruments[0]
	}
	errs.OneOf("instrument", p.Instrument, Instruments)
	errs.OneOf("channel", p.Channel, Channels)
	if EUInstrument(p.Channel) && p.Nation != "" && strings.ToUpper(p.Nation) != "EUU" {
		errs.Add("channel", "a pledge through the %s is the EU's (nation EUU): what member states pay into it is counted once, in the EU's pledges, not again as theirs", Label(p.Channel))
	}
	errs.OneOf("category", p.Category, Categories)
	// A date may be known only to its month, quarter or year: the pledge
	// is announced at the start of the period and due at its end.
	a, aLast, ap, aerr := knownWhen("announced", p.Announced, p.AnnouncedPrecision)
	errs.Append("", aerr)
	pFirst, pr, pp, perr := knownWhen("promised", p.Promised, p.PromisedPrecision)
	errs.Append("", perr)
	p.AnnouncedPrecision, p.PromisedPrecision = ap, pp
	if aerr == nil && perr == nil {
		p.Announced, p.Promised = a, pr
		p.AnnouncedUntil, p.PromisedFrom = "", ""
		if ap == RangePrecision {
			p.AnnouncedUntil = aLast
			errs.Append("", Plausible("announced", aLast))
		}
		if pp == RangePrecision {
			p.PromisedFrom = pFirst
			errs.Append("", Plausible("promised", pFirst))
		}
		errs.Append("", Plausible("announced", a))
		errs.Append("", Plausible("promised", pr))
		if pr < a {
			errs.Add("promised", "%s is before the announcement on %s", pr, a)
		}
	}
	p.Depot = strings.ToUpper(strings.TrimSpace(p.Depot))
	p.Reference = strings.TrimSpace(p.Reference)
	if len(p.Reference) > MaxReference {
		errs.Add("reference", "is longer than %d characters", MaxReference)
	}
	p.Description = strings.TrimSpace(p.Description)
	if len(p.Description) > MaxDescription {
		errs.Add("description", "is longer than %d characters", MaxDescription)
	}
	p.AmountValuation.check(&errs, "amount_valuation.", "amount", &p.Amount, p.ValueUndisclosed, today)
	if p.Amount == 0 && !p.ValueUndisclosed && !p.AmountValuation.Foreign() && (p.AmountValuation.Basis != "" || p.AmountValuation.Source != "") && !errs.Has("amount") {
		errs.Add("amount", "a basis or source for the amount, but no amount: give the amount, or leave its basis and source empty")
	}
	if p.Amount < 0 {
		errs.Add("amount", "must not be negative")
	} else if p.Amount > money.MaxAmount {
		errs.Add("amount", "%v", money.ErrTooLarge)
	}
	switch {
	case p.ValueUndisclosed && p.Amount != 0:
		errs.Add("amount", "a pledge whose value is undisclosed has no amount: leave it empty, or say the value is disclosed")
	case len(p.Lines) == 0 && p.Amount == 0 && !p.ValueUndisclosed && !p.AmountValuation.Foreign():
		errs.Add("lines", "a pledge needs at least one line or an amount, or to say that its value is undisclosed")
	}
	if len(p.Lines) > 500 {
		errs.Add("lines", "a pledge has at most 500 lines")
	}
	for i := range p.Lines {
		l := &p.Lines[i]
		f := fmt.Sprintf("lines[%d]", i)
		l.No = i + 1
		l.NSN = strings.TrimSpace(l.NSN)
		if l.NSN == "" {
			errs.Add(f+".nsn", "is required")
		}
		switch {
		case l.QuantityUndisclosed && l.Pledged != 0:
			errs.Add(f+".quantity", "a line whose quantity is undisclosed has no quantity: leave it empty, or give the quantity and say it is disclosed")
		case l.QuantityUndisclosed:
		case l.Pledged <= 0:
			errs.Add(f+".quantity", "must be a positive whole number, or %q", Undisclosed)
		case l.Pledged > MaxQuantity:
			errs.Add(f+".quantity", "must be at most %d", MaxQuantity)
		}
		switch {
		case l.Reported < 0:
			errs.Add(f+".reported_delivered", "must not be negative")
		case !l.QuantityUndisclosed && l.Pledged > 0 && l.Reported > l.Pledged:
			errs.Add(f+".reported_delivered", "%d reported delivered is more than the %d pledged", l.Reported, l.Pledged)
		case l.Reported > MaxQuantity:
			errs.Add(f+".reported_delivered", "must be at most %d", MaxQuantity)
		}
		l.Valuation.check(&errs, f+".valuation.", f+".unit_value", &l.UnitValue, l.ValueUndisclosed, today)
		switch {
		case l.ValueUndisclosed && l.UnitValue != 0:
			errs.Add(f+".unit_value", "a line whose value is undisclosed has no unit value: leave it empty, or give the value and say it is disclosed")
		case l.UnitValue < 0:
			errs.Add(f+".unit_value", "must not be negative")
		}
		l.Committed, l.Allocated, l.Shipped, l.Delivered, l.Accepted, l.Withdrawn = 0, 0, 0, 0, 0, 0
	}
	p.AmountCommitted, p.AmountDisbursed, p.Payments, p.Revaluations = 0, 0, nil, nil
	if errs.Err() == nil {
		errs.Append("", p.CheckValue())
	}
	return errs.Err()
}

// MaxLedger is the most the pledges together may be worth: EUR 10^15
// (10^17 cents), some thousand times all the aid ever pledged to Ukraine,
// and ninety times below where an int64 sum overflows, so that a total over
// every pledge, in Go or in SQL, stays exact even when concurrent writers
// each pass the check.
const MaxLedger money.Cents = 100_000_000_000_000_000

// CheckLedger verifies that p, beside others (what every other pledge is
// worth), keeps the ledger within MaxLedger. The store calls it whenever a
// pledge's value grows, as it calls Line.Check, so that no sum of stored
// pledges can overflow.
func (p *Pledge) CheckLedger(others money.Cents) error {
	pledged, _, _ := p.Value()
	if others < 0 || others > MaxLedger || pledged > MaxLedger-others {
		field := "amount"
		if p.Amount == 0 {
			field = "lines"
		}
		return fault.Field(field, "the pledges together would be worth more than EUR 1,000,000,000,000,000: ask the coordinator to check the ledger")
	}
	return nil
}

// CheckMass verifies that p's goods, beside others (what the goods of every
// other pledge weigh), keep all pledged goods within catalog.MaxLoadG,
// naming the line at fault; massOf gives an item's mass a unit. The store
// calls it when a pledge is recorded, as it calls CheckLedger, so that no
// tonnage summed over pledges, shipments or hubs can overflow.
func (p *Pledge) CheckMass(others int64, massOf func(nsn string) int64) error {
	total := others
	for i, l := range p.Lines {
		m, err := catalog.Item{MassG: massOf(l.NSN)}.MassOf(l.Pledged)
		if err == nil {
			total, err = catalog.AddMass(total, m)
		}
		if err != nil {
			return fault.Field(fmt.Sprintf("lines[%d].quantity", i), "%d units of %s: the goods pledged together %v: ask the coordinator to check the ledger", l.Pledged, l.NSN, err)
		}
	}
	return nil
}

// CheckValue verifies that every line's value (quantity × unit value) and
// the pledge's whole value (its lines and its amount) stay within
// money.MaxAmount, naming the field at fault. Validate calls it, and the use
// cases call it again once the catalogue has filled in unit values left
// empty, so that no stored pledge makes a later total overflow.
func (p *Pledge) CheckValue() error {
	var errs fault.List
	total, err := p.Amount.Checked()
	if err != nil {
		errs.Add("amount", "%v", err)
	}
	for i := range p.Lines {
		l := &p.Lines[i]
		f := fmt.Sprintf("lines[%d]", i)
		if _, err := l.UnitValue.Checked(); err != nil {
			errs.Add(f+".unit_value", "%v", err)
			continue
		}
		v, err := l.UnitValue.MulChecked(l.Pledged)
		if err != nil {
			errs.Add(f+".quantity", "%d × %s (its unit value) %v", l.Pledged, l.UnitValue, err)
			continue
		}
		if total, err = total.Add(v); err != nil {
			if p.Amount > 0 {
				errs.Add("amount", "with the lines' value the pledge's value %v", err)
			} else {
				errs.Add(f+".quantity", "the pledge's value up to this line %v", err)
			}
			break
		}
	}
	return errs.Err()
}
