package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

var (
	coordinator = access.Identity{Name: "coord", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Via: "token", UserID: 1}
	deuOfficer  = access.Identity{Name: "deu", Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Via: "token", UserID: 2}
	polOfficer  = access.Identity{Name: "pol", Nation: "POL", Roles: []access.Role{access.NationOfficer}, Clearance: access.Secret, Via: "token", UserID: 3}
	recipient   = access.Identity{Name: "ukr", Nation: "UKR", Roles: []access.Role{access.RecipientOfficer}, Clearance: access.Secret, Via: "token", UserID: 4}
	deuManager  = access.Identity{Name: "fm", Nation: "DEU", Site: "DEU-REP", Roles: []access.Role{access.FacilityManager}, Clearance: access.Secret, Via: "token", UserID: 5}
)

func as(id access.Identity) context.Context {
	return access.WithIdentity(context.Background(), id)
}

// wantErr checks err's code and that its text holds want.
func wantErr(t *testing.T, err error, code, want string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if fault.Code(err) != code || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v (%s), want %s containing %q", err, fault.Code(err), code, want)
	}
}

func TestAddContributionRules(t *testing.T) {
	good := accounts.Contribution{Nation: "DEU", Date: "2025-02-10", Category: "training", Currency: "EUR", Original: 50_000_00, Evidence: "BMVg report 2025-02"}
	for _, c := range []struct {
		name   string
		who    access.Identity
		change func(*accounts.Contribution)
		code   string
		want   string
	}{
		{"a nation officer reports their own nation's", deuOfficer, func(*accounts.Contribution) {}, "", ""},
		{"a coordinator reports any nation's", coordinator, func(c *accounts.Contribution) { c.Nation = "FRA" }, "", ""},
		{"another nation's officer is refused", polOfficer, func(*accounts.Contribution) {}, fault.Forbidden, "may not report contributions of DEU"},
		{"the recipient is refused", recipient, func(*accounts.Contribution) {}, fault.Forbidden, "may not report"},
		{"a marking above the writer's clearance", deuOfficer, func(c *accounts.Contribution) { c.Classification = access.Secret }, fault.Invalid, "above your clearance"},
		{"no evidence", deuOfficer, func(c *accounts.Contribution) { c.Evidence = "  " }, fault.Invalid, "give the evidence"},
		{"an unknown category", deuOfficer, func(c *accounts.Contribution) { c.Category = "bribes" }, fault.Invalid, "category"},
		{"a negative amount", deuOfficer, func(c *accounts.Contribution) { c.Original = -5 }, fault.Invalid, "must not be negative"},
		{"no amount", deuOfficer, func(c *accounts.Contribution) { c.Original = 0 }, fault.Invalid, "more than zero"},
		{"a currency without a rate that year", deuOfficer, func(c *accounts.Contribution) { c.Currency = "NOK" }, fault.Invalid, "no exchange rate for NOK in 2025"},
		{"a date outside every baseline year", deuOfficer, func(c *accounts.Contribution) { c.Date = "2024-05-01" }, fault.Invalid, "outside every baseline year"},
		{"an unknown nation", coordinator, func(c *accounts.Contribution) { c.Nation = "XXX" }, fault.Invalid, `no nation "XXX"`},
		{"a pledge that does not exist", deuOfficer, func(c *accounts.Contribution) { c.Pledge = 99 }, fault.Invalid, "no pledge P-00099"},
		{"another nation's pledge", coordinator, func(c *accounts.Contribution) { c.Pledge = 2 }, fault.Invalid, "P-00002 is a pledge of FRA, not of DEU"},
		{"a pledge it reports of its own nation", deuOfficer, func(c *accounts.Contribution) { c.Pledge = 1 }, "", ""},
		{"a pledge the writer may not see reads as none", deuOfficer, func(c *accounts.Contribution) { c.Pledge = 3 }, fault.Invalid, "no pledge P-00003"},
		{"releasable to a nation that does not exist", deuOfficer, func(c *accounts.Contribution) { c.ReleasableTo = []string{"XXX"} }, fault.Invalid, "releasable_to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			p := m.pledges[1]
			p.ID, p.Marking = 3, access.Marking{Classification: access.Secret}
			m.pledges[3] = p
			svc := &accounts.Service{Store: m}
			in := good
			c.change(&in)
			got, err := svc.AddContribution(as(c.who), in)
			wantErr(t, err, c.code, c.want)
			if c.code != "" {
				if len(m.contributions) != 0 || len(m.events) != 0 {
					t.Errorf("a refused contribution left %d contributions and %d events", len(m.contributions), len(m.events))
				}
				return
			}
			if len(m.contributions) != 1 || len(m.events) != 1 {
				t.Fatalf("%d contributions, %d events; want one of each", len(m.contributions), len(m.events))
			}
			e := m.events[0]
			if e.Action != "contribution.create" || e.EntityID != "1" || e.After.(*accounts.Contribution).ID != got.ID {
				t.Errorf("audit event %+v", e)
			}
			if got.CreatedBy != access.ActorName(as(c.who)) || !got.CreatedAt.Equal(m.now) || got.Version != 1 || got.Amount != 50_000_00 || got.Rate != "1" {
				t.Errorf("recorded by %q at %s, version %d, EUR %s at %s", got.CreatedBy, got.CreatedAt, got.Version, got.Amount, got.Rate)
			}
		})
	}
}

func TestAddContributionConvertsAtItsYearsRate(t *testing.T) {
	m := newMemory()
	svc := &accounts.Service{Store: m}
	c, err := svc.AddContribution(as(deuOfficer), accounts.Contribution{Nation: "deu", Date: "2025-08-15", Category: "training", Currency: "gbp", Original: 1_000_00, Evidence: "course invoice"})
	if err != nil || c.Amount != 1_250_00 || c.Rate != "0.8" || c.Currency != "GBP" || c.Nation != "DEU" {
		t.Fatalf("pounds converted: %+v %v", c, err)
	}
}

func TestAuditGoesWithTheChange(t *testing.T) {
	m := newMemory()
	m.failAudit = errors.New("disk full")
	svc := &accounts.Service{Store: m}
	ctx := as(coordinator)
	if _, err := svc.AddContribution(ctx, accounts.Contribution{Nation: "DEU", Date: "2025-02-10", Category: "training", Original: 1, Evidence: "x"}); err == nil {
		t.Error("a contribution recorded without its audit event")
	}
	if _, err := svc.SaveRate(ctx, accounts.Rate{Currency: "USD", Year: 2025, PerEUR: "1.1", Source: "ECB"}); err == nil {
		t.Error("a rate recorded without its audit event")
	}
	if _, err := svc.SaveBaseline(ctx, accounts.Baseline{Year: 2026, Amount: 100, GDPYear: 2024, Nations: []string{"DEU"}}, 0); err == nil {
		t.Error("a baseline recorded without its audit event")
	}
	if len(m.contributions) != 0 || len(m.rates) != 1 || len(m.baselines) != 1 {
		t.Errorf("changes kept without their audit events: %d contributions, %d rates, %d baselines", len(m.contributions), len(m.rates), len(m.baselines))
	}
}

func TestAddContributionInLeavesWhoMayCreditToTheCaller(t *testing.T) {
	// A facility manager records a repair's cost: the contribution is the
	// payer's, and its own checks still hold.
	m := newMemory()
	err := m.Transact(as(deuManager), func(tx accounts.Tx) error {
		return accounts.AddContributionIn(as(deuManager), tx, &accounts.Contribution{Nation: "DEU", Date: "2025-03-01", Category: "maintenance_logistics", Original: 7_000_00, Evidence: "repair order RO-00001"})
	})
	if err != nil || len(m.contributions) != 1 || len(m.events) != 1 {
		t.Fatalf("a repair's cost: %v, %d contributions, %d events", err, len(m.contributions), len(m.events))
	}
	err = m.Transact(as(deuManager), func(tx accounts.Tx) error {
		return accounts.AddContributionIn(as(deuManager), tx, &accounts.Contribution{Nation: "DEU", Date: "2025-03-01", Category: "maintenance_logistics", Original: 7_000_00})
	})
	wantErr(t, err, fault.Invalid, "give the evidence")
}

func TestMayCredit(t *testing.T) {
	for _, c := range []struct {
		name  string
		who   access.Identity
		payer string
		ok    bool
	}{
		{"a coordinator credits any nation", coordinator, "POL", true},
		{"the system credits any nation", access.System, "POL", true},
		{"the payer's own facility manager", deuManager, "DEU", true},
		{"the payer's own people, whatever the spelling", deuManager, " deu ", true},
		{"a facility manager names another payer", deuManager, "POL", false},
		{"a nation officer names another payer", polOfficer, "DEU", false},
		{"the recipient names a payer", recipient, "DEU", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := accounts.MayCredit(c.who, c.payer)
			if c.ok {
				wantErr(t, err, "", "")
			} else {
				wantErr(t, err, fault.Forbidden, "their own nation; a coordinator records others")
			}
		})
	}
}

func TestSaveBaselineRules(t *testing.T) {
	b2026 := accounts.Baseline{Year: 2026, Amount: 100, GDPYear: 2024, Nations: []string{"fra", "DEU", "DEU"}}
	for _, c := range []struct {
		name    string
		who     access.Identity
		b       accounts.Baseline
		version int64
		code    string
		want    string
	}{
		{"a new year's baseline", coordinator, b2026, 0, "", ""},
		{"only a coordinator sets baselines", deuOfficer, b2026, 0, fault.Forbidden, "may not do this"},
		{"one baseline per year", coordinator, accounts.Baseline{Year: 2025, Amount: 100, GDPYear: 2024, Nations: []string{"DEU"}}, 0, fault.Conflict, "a baseline for 2025 exists already: change it instead"},
		{"a GDP year without figures names the nation", coordinator, accounts.Baseline{Year: 2026, Amount: 100, GDPYear: 2025, Nations: []string{"DEU"}}, 0, fault.Invalid, "no GDP figure for Germany (DEU) in 2025"},
		{"a participant without a figure is named", coordinator, accounts.Baseline{Year: 2026, Amount: 100, GDPYear: 2024, Nations: []string{"DEU", "JPN"}}, 0, fault.Invalid, "Japan (JPN)"},
		{"an unknown participant", coordinator, accounts.Baseline{Year: 2026, Amount: 100, GDPYear: 2024, Nations: []string{"XXX"}}, 0, fault.Invalid, `no nation "XXX"`},
		{"no amount", coordinator, accounts.Baseline{Year: 2026, GDPYear: 2024, Nations: []string{"DEU"}}, 0, fault.Invalid, "more than zero"},
		{"a change at the stored version", coordinator, accounts.Baseline{Year: 2025, Amount: 200, GDPYear: 2024, Nations: []string{"DEU", "FRA", "POL"}}, 1, "", ""},
		{"a change at a stale version", coordinator, accounts.Baseline{Year: 2025, Amount: 200, GDPYear: 2024, Nations: []string{"DEU"}}, 7, fault.Conflict, "changed by someone else"},
		{"a change of a year without a baseline", coordinator, b2026, 1, fault.NotFound, "no baseline for 2026"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			before := m.baselines[2025]
			svc := &accounts.Service{Store: m}
			got, err := svc.SaveBaseline(as(c.who), c.b, c.version)
			wantErr(t, err, c.code, c.want)
			if c.code != "" {
				if len(m.events) != 0 || len(m.baselines) != 1 || m.baselines[2025].Version != 1 {
					t.Errorf("a refused baseline changed the accounts: %d events, %v", len(m.events), m.baselines)
				}
				return
			}
			if len(m.events) != 1 || got.Version != c.version+1 {
				t.Fatalf("%d events, version %d", len(m.events), got.Version)
			}
			e := m.events[0]
			switch c.version {
			case 0:
				if e.Action != "baseline.create" || e.Before != nil || strings.Join(got.Nations, ",") != "DEU,FRA" {
					t.Errorf("created %+v with event %+v", got, e)
				}
			default:
				if e.Action != "baseline.update" || e.Before.(accounts.Baseline).Amount != before.Amount || e.After.(accounts.Baseline).Amount != 200 {
					t.Errorf("changed %+v with event %+v", got, e)
				}
			}
		})
	}
}

func TestSaveRateRules(t *testing.T) {
	usd := accounts.Rate{Currency: "usd", Year: 2025, PerEUR: "1.1", Source: "ECB"}
	for _, c := range []struct {
		name   string
		who    access.Identity
		r      accounts.Rate
		code   string
		want   string
		before bool
	}{
		{"a new rate", coordinator, usd, "", "", false},
		{"a rate replaced", coordinator, accounts.Rate{Currency: "GBP", Year: 2025, PerEUR: "0.85", Source: "ECB"}, "", "", true},
		{"only a coordinator records rates", polOfficer, usd, fault.Forbidden, "may not do this", false},
		{"the euro's rate is not recorded", coordinator, accounts.Rate{Currency: "EUR", Year: 2025, PerEUR: "1", Source: "x"}, fault.Invalid, "the euro's rate is 1", false},
		{"a rate that is not a decimal", coordinator, accounts.Rate{Currency: "USD", Year: 2025, PerEUR: "1/3", Source: "x"}, fault.Invalid, "not a decimal", false},
		{"a rate without its source", coordinator, accounts.Rate{Currency: "USD", Year: 2025, PerEUR: "1.1"}, fault.Invalid, "say where the rate comes from", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			svc := &accounts.Service{Store: m}
			_, err := svc.SaveRate(as(c.who), c.r)
			wantErr(t, err, c.code, c.want)
			if c.code != "" {
				if len(m.events) != 0 || len(m.rates) != 1 {
					t.Errorf("a refused rate changed the accounts: %d events, %v", len(m.events), m.rates)
				}
				return
			}
			if len(m.events) != 1 || m.events[0].Action != "rate.save" || (m.events[0].Before != nil) != c.before {
				t.Errorf("events %+v", m.events)
			}
		})
	}
}

func TestSaveAgreementRules(t *testing.T) {
	m := newMemory()
	svc := &accounts.Service{Store: m}
	a := accounts.Agreement{Nation: "pol", Signed: "2024-07-08", Years: 10}
	if _, err := svc.SaveAgreement(as(polOfficer), a); fault.Code(err) != fault.Forbidden {
		t.Errorf("a nation officer changed the register: %v", err)
	}
	got, err := svc.SaveAgreement(as(coordinator), a)
	if err != nil || got.Signatory != "Poland" || got.Nation != "POL" || len(m.events) != 1 || m.events[0].Before != nil {
		t.Fatalf("a new agreement: %+v %v %+v", got, err, m.events)
	}
	a.Years = 5
	if _, err := svc.SaveAgreement(as(coordinator), a); err != nil || len(m.events) != 2 || m.events[1].Before.(accounts.Agreement).Years != 10 {
		t.Errorf("a replaced agreement: %v %+v", err, m.events)
	}
	_, err = svc.SaveAgreement(as(coordinator), accounts.Agreement{Nation: "XXX", Signed: "2024-07-08", Years: 10})
	wantErr(t, err, fault.Invalid, `no nation "XXX"`)
	if len(m.events) != 2 {
		t.Errorf("a refused agreement wrote an event")
	}
}

func TestTallyCountsEachContributionOnce(t *testing.T) {
	b := accounts.Baseline{Year: 2025, Amount: 1_000_00}
	shares := []accounts.Share{{Nation: "DEU", Name: "Germany", Fair: 600_00}, {Nation: "FRA", Name: "France", Fair: 400_00}}
	tl := accounts.NewTally(b, shares, nil)
	tl.Delivered("DEU", "in_kind", 1, 100_00, access.Unclassified)
	// The same delivery reported directly, naming its pledge: shown, not
	// counted again.
	tl.Contributed("DEU", "in_kind", 1, 100_00, access.Unclassified, true)
	tl.Contributed("DEU", "training", 2, 50_00, access.Restricted, false)
	tl.Contributed("FRA", "trust_fund", 1, 250_00, access.Unclassified, false)
	tl.Outstanding("DEU", 70_00, access.Unclassified)
	tl.Outstanding("NOR", 30_00, access.Confidential) // outside the baseline
	tl.Outstanding("POL", 0, access.Secret)           // nothing: no account, no marking
	if got := tl.Unnamed(); len(got) != 1 || got[0] != "NOR" {
		t.Fatalf("unnamed %v", got)
	}
	tl.Name("NOR", "Norway")
	l := tl.Ledger(2025, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
	if len(l.Accounts) != 3 || l.Accounts[0].Nation != "DEU" || l.Accounts[1].Nation != "FRA" || l.Accounts[2].Name != "Norway" {
		t.Fatalf("accounts %+v", l.Accounts)
	}
	deu, fra := l.Accounts[0], l.Accounts[1]
	if deu.Delivered != 100_00 || deu.Reported != 100_00 || deu.Direct != 50_00 || deu.Counted != 150_00 {
		t.Errorf("Germany: delivered %s, reported %s, direct %s, counted %s", deu.Delivered, deu.Reported, deu.Direct, deu.Counted)
	}
	if deu.Halves != [2]money.Cents{100_00, 50_00} || deu.ByCategory["in_kind"] != 100_00 || deu.ByCategory["training"] != 50_00 {
		t.Errorf("Germany by half %v, by category %v", deu.Halves, deu.ByCategory)
	}
	if deu.MetPPM != 250_000 || !deu.Flagged || fra.Flagged || fra.Counted != 250_00 {
		t.Errorf("Germany met %d (flagged %v), France counted %s (flagged %v)", deu.MetPPM, deu.Flagged, fra.Counted, fra.Flagged)
	}
	a := l.Alliance
	if a.Fair != 1_000_00 || a.Counted != 400_00 || a.Reported != 100_00 || a.Outstanding != 100_00 || a.Halves != [2]money.Cents{350_00, 50_00} {
		t.Errorf("the Alliance %+v", a)
	}
	if len(l.Flagged) != 1 || l.Flagged[0] != "DEU" || l.Marking != access.Confidential {
		t.Errorf("flagged %v, marking %s", l.Flagged, l.Marking)
	}
	if l := tl.Ledger(2025, time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)); len(l.Flagged) != 0 {
		t.Errorf("flagged before mid-year: %v", l.Flagged)
	}
}

// TestTallyCountsMoneyWhenDisbursed: a money pledge counts when its money
// is paid, not when it is promised or committed; what is committed and
// what is still to pay stand beside the count, and the pledges of
// undisclosed value are counted by number, never as zero in a sum.
func TestTallyCountsMoneyWhenDisbursed(t *testing.T) {
	b := accounts.Baseline{Year: 2025, Amount: 1_000_00}
	tl := accounts.NewTally(b, []accounts.Share{{Nation: "DNK", Name: "Denmark", Fair: 1_000_00}}, nil)
	tl.Delivered("DNK", "in_kind", 1, 100_00, access.Unclassified)
	tl.Disbursed("DNK", "equipment_purchase", 2, 300_00, access.Unclassified)
	tl.Outstanding("DNK", 40_00, access.Unclassified)  // goods not delivered
	tl.Outstanding("DNK", 200_00, access.Unclassified) // money not disbursed
	tl.Standing("DNK", 650_00, 2, access.Restricted)
	tl.Standing("SWE", 0, 0, access.Secret) // nothing: no account, no marking
	l := tl.Ledger(2025, time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC))
	if len(l.Accounts) != 1 {
		t.Fatalf("accounts %+v", l.Accounts)
	}
	d := l.Accounts[0]
	if d.Counted != 400_00 || d.Disbursed != 300_00 || d.Halves != [2]money.Cents{100_00, 300_00} || d.ByCategory["equipment_purchase"] != 300_00 {
		t.Errorf("Denmark counted %s, disbursed %s, halves %v", d.Counted, d.Disbursed, d.Halves)
	}
	if d.Committed != 650_00 || d.Outstanding != 240_00 || d.Undisclosed != 2 || d.MetPPM != 400_000 {
		t.Errorf("Denmark committed %s, outstanding %s, undisclosed %d, met %d", d.Committed, d.Outstanding, d.Undisclosed, d.MetPPM)
	}
	if a := l.Alliance; a.Disbursed != 300_00 || a.Committed != 650_00 || a.Undisclosed != 2 || a.Counted != 400_00 || l.Marking != access.Restricted {
		t.Errorf("the Alliance %+v, marking %s", a, l.Marking)
	}
}

func TestCheckGDPNamesTheNation(t *testing.T) {
	b := accounts.Baseline{GDPYear: 2025, Nations: []string{"DEU", "FRA", "XXX"}}
	err := b.CheckGDP([]accounts.NationGDP{{Nation: "DEU", Name: "Germany", GDPUSD: 1}, {Nation: "FRA", Name: "France"}})
	e := fault.As(err)
	if e == nil || e.Code != fault.Invalid || len(e.Problems) != 2 {
		t.Fatalf("want two problems: %v", err)
	}
	if got := e.Problems[0].Error() + "; " + e.Problems[1].Error(); !strings.Contains(got, "no GDP figure for France (FRA) in 2025") || !strings.Contains(got, `no nation "XXX"`) || strings.Contains(got, "Germany") {
		t.Errorf("problems: %s", got)
	}
}
