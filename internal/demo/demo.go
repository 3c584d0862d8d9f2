// Package demo loads the demonstration scenario: the real sites of the NSATU
// network (headquarters, the Rzeszów-Jasionka hub, repair and training
// facilities, JATEC) from public sources, and illustrative catalogue items,
// requirements and pledges marked as such. Dates are set relative to the
// day the scenario is loaded, so that it always shows a live picture.
//
// It imports the domain packages only.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
)

// BaselineEUR2025 is the Washington Summit's minimum baseline for the year
// after the summit, EUR 40 billion, in cents.
const BaselineEUR2025 money.Cents = 40_000_000_000_00

// Sites of the scenario. Those with a public source are named in
// docs/data.md; the donor depots and delivery points are illustrative.
var Sites = []catalog.Site{
	{Code: "NSATU-WIE", Name: "NSATU headquarters, Wiesbaden (Lucius D. Clay Kaserne)", Nation: "DEU", Kinds: []string{"headquarters"}, LatE6: 50049700, LonE6: 8325400, Notes: "NATO Security Assistance and Training for Ukraine; operations began 2024-12-18"},
	{Code: "PL-RZE", Name: "Rzeszów-Jasionka logistics hub", Nation: "POL", Kinds: []string{"logistics_hub"}, LatE6: 50110000, LonE6: 22019000, Notes: "main hub, more than 90% of deliveries"},
	{Code: "RO-LENR", Name: "Logistics node Romania (LEN-R)", Nation: "ROU", Kinds: []string{"logistics_hub"}, LatE6: 47687500, LonE6: 26354100, Notes: "under NSATU from January 2026; location illustrative"},
	{Code: "PL-JATEC", Name: "JATEC, Bydgoszcz", Nation: "POL", Kinds: []string{"lessons_centre"}, LatE6: 53123500, LonE6: 18008400, Notes: "NATO-Ukraine Joint Analysis, Training and Education Centre; opened 2025-02-17"},
	{Code: "PL-GLI", Name: "Bumar-Łabędy repair hub, Gliwice", Nation: "POL", Kinds: []string{"repair_facility"}, LatE6: 50294200, LonE6: 18667000, Notes: "Leopard 2A4/2A6, T-64/T-72"},
	{Code: "LT-JON", Name: "Lithuania Defence Services, Jonava", Nation: "LTU", Kinds: []string{"repair_facility"}, LatE6: 55083300, LonE6: 24279000, Notes: "Leopard 2A5/2A6, PzH 2000"},
	{Code: "RO-SMR", Name: "Rheinmetall maintenance hub, Satu Mare", Nation: "ROU", Kinds: []string{"repair_facility"}, LatE6: 47792000, LonE6: 22885000, Notes: "SP howitzers, Leopard 2, Challenger 2, Marder, Fuchs, trucks"},
	{Code: "PL-USRP", Name: "US EUCOM artillery repair point, Poland", Nation: "POL", Kinds: []string{"repair_facility"}, LatE6: 50300000, LonE6: 21500000, Notes: "M777, HIMARS; site undisclosed, location illustrative"},
	{Code: "DE-MUN", Name: "Munster training area", Nation: "DEU", Kinds: []string{"training_facility"}, LatE6: 52986000, LonE6: 10087000, Notes: "Leopard 2 crews, 6-8 weeks"},
	{Code: "DK-SKR", Name: "Skrydstrup Air Base", Nation: "DNK", Kinds: []string{"training_facility"}, LatE6: 55221000, LonE6: 9263000, Notes: "F-16 coalition flying training"},
	{Code: "RO-FET", Name: "European F-16 Training Center, 86th Air Base, Fetești", Nation: "ROU", Kinds: []string{"training_facility"}, LatE6: 44392000, LonE6: 27726000, Notes: "opened 2023-11-13"},
	{Code: "US-TUC", Name: "162nd Wing, Morris ANGB, Tucson", Nation: "USA", Kinds: []string{"training_facility"}, LatE6: 32166000, LonE6: -110883000, Notes: "F-16 pilots"},
	{Code: "DE-DEP1", Name: "Bundeswehr depot (illustrative)", Nation: "DEU", Kinds: []string{"donor_depot"}, LatE6: 52520000, LonE6: 13405000, Notes: "illustrative"},
	{Code: "FR-DEP1", Name: "French Army depot (illustrative)", Nation: "FRA", Kinds: []string{"donor_depot"}, LatE6: 48860000, LonE6: 2350000, Notes: "illustrative"},
	{Code: "US-DEP1", Name: "US Army prepositioned stock (illustrative)", Nation: "USA", Kinds: []string{"donor_depot"}, LatE6: 49440000, LonE6: 7770000, Notes: "illustrative"},
	{Code: "GB-DEP1", Name: "British Army depot (illustrative)", Nation: "GBR", Kinds: []string{"donor_depot"}, LatE6: 51900000, LonE6: -1150000, Notes: "illustrative"},
	{Code: "PL-DEP1", Name: "Polish Armed Forces depot (illustrative)", Nation: "POL", Kinds: []string{"donor_depot"}, LatE6: 52230000, LonE6: 21010000, Notes: "illustrative"},
	{Code: "CZ-DEP1", Name: "Czech ammunition depot (illustrative)", Nation: "CZE", Kinds: []string{"donor_depot"}, LatE6: 49190000, LonE6: 16610000, Notes: "illustrative"},
	{Code: "UA-LVIV", Name: "Delivery point Lviv (illustrative)", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 49839700, LonE6: 24029700, Notes: "illustrative"},
	{Code: "UA-KYIV", Name: "Delivery point Kyiv (illustrative)", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 50450100, LonE6: 30523400, Notes: "illustrative"},
	{Code: "UA-DNIPRO", Name: "Delivery point Dnipro (illustrative)", Nation: "UKR", Kinds: []string{"delivery_point"}, LatE6: 48464700, LonE6: 35046200, Notes: "illustrative"},
}

// Items of the scenario. The NSNs are illustrative: their supply classes
// are real, their item numbers are not.
var Items = []catalog.Item{
	{NSN: "1320-12-000-0001", Name: "Cartridge, 155 mm HE, L52 (DM121-type)", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 4_000_00, MassG: 46_000, VolumeCM3: 14_000, Group: "155MM-NATO"},
	{NSN: "1320-01-000-0002", Name: "Cartridge, 155 mm HE M795", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 3_500_00, MassG: 46_700, VolumeCM3: 14_000, Group: "155MM-NATO"},
	{NSN: "1320-14-000-0003", Name: "Cartridge, 155 mm HE-ER (illustrative)", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 5_200_00, MassG: 47_000, VolumeCM3: 14_000, Group: "155MM-NATO"},
	{NSN: "1315-12-000-0004", Name: "Cartridge, 120 mm tank, APFSDS", Capability: "ammunition", UnitOfIssue: "RD", UnitValue: 9_000_00, MassG: 21_000, VolumeCM3: 9_000, Group: "120MM-TANK"},
	{NSN: "1410-01-000-0005", Name: "Guided missile, Patriot PAC-3 MSE", Capability: "air_defence", UnitOfIssue: "EA", UnitValue: 4_000_000_00, MassG: 312_000, VolumeCM3: 700_000},
	{NSN: "1410-12-000-0006", Name: "Guided missile, IRIS-T SLM", Capability: "air_defence", UnitOfIssue: "EA", UnitValue: 430_000_00, MassG: 87_000, VolumeCM3: 300_000},
	{NSN: "1410-01-000-0007", Name: "Guided missile, Stinger", Capability: "air_defence", UnitOfIssue: "EA", UnitValue: 480_000_00, MassG: 15_200, VolumeCM3: 60_000, Group: "MANPADS"},
	{NSN: "1410-14-000-0008", Name: "Guided missile, Piorun", Capability: "air_defence", UnitOfIssue: "EA", UnitValue: 250_000_00, MassG: 16_500, VolumeCM3: 60_000, Group: "MANPADS"},
	{NSN: "1025-01-000-0009", Name: "Howitzer, towed, 155 mm M777", Capability: "artillery", UnitOfIssue: "EA", UnitValue: 3_500_000_00, MassG: 4_200_000, VolumeCM3: 40_000_000},
	{NSN: "2350-12-000-0010", Name: "Self-propelled howitzer PzH 2000", Capability: "artillery", UnitOfIssue: "EA", UnitValue: 17_000_000_00, MassG: 55_800_000, VolumeCM3: 90_000_000},
	{NSN: "2350-12-000-0011", Name: "Main battle tank, Leopard 2A6", Capability: "armour", UnitOfIssue: "EA", UnitValue: 15_000_000_00, MassG: 62_300_000, VolumeCM3: 95_000_000, Group: "LEOPARD-2"},
	{NSN: "2350-12-000-0012", Name: "Main battle tank, Leopard 2A4", Capability: "armour", UnitOfIssue: "EA", UnitValue: 8_000_000_00, MassG: 55_150_000, VolumeCM3: 90_000_000, Group: "LEOPARD-2"},
	{NSN: "1055-01-000-0013", Name: "Launcher, rocket, HIMARS M142", Capability: "artillery", UnitOfIssue: "EA", UnitValue: 5_100_000_00, MassG: 16_250_000, VolumeCM3: 60_000_000},
	{NSN: "1340-01-000-0014", Name: "Rocket, guided, GMLRS pod", Capability: "ammunition", UnitOfIssue: "PG", UnitValue: 1_000_000_00, MassG: 2_300_000, VolumeCM3: 4_000_000},
	{NSN: "1550-14-000-0015", Name: "Unmanned aircraft, tactical reconnaissance", Capability: "drones", UnitOfIssue: "SE", UnitValue: 180_000_00, MassG: 25_000, VolumeCM3: 400_000},
	{NSN: "6545-14-000-0016", Name: "First aid kit, individual (IFAK)", Capability: "medical", UnitOfIssue: "KT", UnitValue: 95_00, MassG: 600, VolumeCM3: 2_000},
	{NSN: "2320-12-000-0017", Name: "Truck, cargo, 8x8, 15 t", Capability: "logistics", UnitOfIssue: "EA", UnitValue: 420_000_00, MassG: 24_000_000, VolumeCM3: 80_000_000},
	{NSN: "5820-14-000-0018", Name: "Radio set, tactical, VHF", Capability: "communications", UnitOfIssue: "SE", UnitValue: 18_000_00, MassG: 4_500, VolumeCM3: 12_000},
	{NSN: "1385-14-000-0019", Name: "EOD tool set, surface", Capability: "demining", UnitOfIssue: "SE", UnitValue: 65_000_00, MassG: 90_000, VolumeCM3: 300_000},
	{NSN: "2355-12-000-0020", Name: "Armoured personnel carrier, wheeled", Capability: "armour", UnitOfIssue: "EA", UnitValue: 2_200_000_00, MassG: 22_000_000, VolumeCM3: 70_000_000},
}

type reqSpec struct {
	nsn, group string
	qty        int64
	prio       int
	needDays   int
	site       string
	notes      string
}

var requirements = []reqSpec{
	{group: "155MM-NATO", qty: 80_000, prio: 1, needDays: 30, site: "UA-DNIPRO", notes: "counter-battery and defensive fires"},
	{nsn: "1410-01-000-0005", qty: 24, prio: 1, needDays: 45, site: "UA-KYIV", notes: "air defence of critical infrastructure"},
	{nsn: "1410-12-000-0006", qty: 40, prio: 1, needDays: 60, site: "UA-KYIV"},
	{group: "MANPADS", qty: 600, prio: 2, needDays: 60, site: "UA-DNIPRO"},
	{group: "LEOPARD-2", qty: 12, prio: 2, needDays: 120, site: "UA-LVIV", notes: "replacement of combat losses"},
	{nsn: "1315-12-000-0004", qty: 4_000, prio: 2, needDays: 90, site: "UA-LVIV"},
	{nsn: "1340-01-000-0014", qty: 60, prio: 1, needDays: 40, site: "UA-DNIPRO"},
	{nsn: "6545-14-000-0016", qty: 50_000, prio: 3, needDays: 75, site: "UA-LVIV"},
	{nsn: "2320-12-000-0017", qty: 150, prio: 3, needDays: 150, site: "UA-LVIV"},
	{nsn: "5820-14-000-0018", qty: 2_500, prio: 3, needDays: 100, site: "UA-KYIV"},
	{nsn: "1385-14-000-0019", qty: 200, prio: 4, needDays: 200, site: "UA-KYIV", notes: "humanitarian demining"},
	{nsn: "1550-14-000-0015", qty: 300, prio: 2, needDays: -10, site: "UA-DNIPRO", notes: "overdue: reconnaissance for artillery units"},
	{nsn: "2355-12-000-0020", qty: 80, prio: 3, needDays: 180, site: "UA-LVIV"},
}

type lineSpec struct {
	nsn string
	qty int64
	// progress: committed, allocated (to requirement req), shipped,
	// delivered, accepted.
	commit, alloc, ship, deliver, accept int64
	req                                  int // index into requirements, -1 none
}

type pledgeSpec struct {
	nation, title, kind, channel, category, ref string
	announcedDays, promisedDays                 int
	amount                                      money.Cents
	class                                       access.Classification
	rel                                         []string
	lines                                       []lineSpec
}

var pledges = []pledgeSpec{
	{"DEU", "Air defence package: IRIS-T SLM missiles", "in_kind", "bilateral", "in_kind", "", -200, -20, 0, access.Restricted, []string{"UKR"},
		[]lineSpec{{"1410-12-000-0006", 30, 30, 24, 24, 24, 20, 2}}},
	{"DEU", "155 mm ammunition from industry", "procurement", "bilateral", "equipment_purchase", "", -150, 40, 0, access.Unclassified, nil,
		[]lineSpec{{"1320-12-000-0001", 20_000, 15_000, 12_000, 8_000, 6_000, 6_000, 0}}},
	{"USA", "Patriot interceptors", "in_kind", "bilateral", "in_kind", "", -180, -35, 0, access.Restricted, []string{"UKR", "DEU", "POL"},
		[]lineSpec{{"1410-01-000-0005", 12, 12, 12, 8, 6, 6, 1}}},
	{"USA", "155 mm rounds and GMLRS", "in_kind", "bilateral", "in_kind", "", -160, -5, 0, access.Unclassified, nil,
		[]lineSpec{{"1320-01-000-0002", 25_000, 25_000, 25_000, 20_000, 18_000, 18_000, 0}, {"1340-01-000-0014", 30, 30, 30, 24, 24, 20, 6}}},
	{"GBR", "Tactical radios and drones", "in_kind", "bilateral", "in_kind", "", -120, 20, 0, access.Unclassified, nil,
		[]lineSpec{{"5820-14-000-0018", 1_000, 1_000, 800, 500, 500, 500, 9}, {"1550-14-000-0015", 100, 60, 60, 40, 40, 40, 11}}},
	{"FRA", "155 mm ammunition (CAESAR-compatible)", "in_kind", "bilateral", "in_kind", "", -140, -60, 0, access.Restricted, []string{"UKR"},
		[]lineSpec{{"1320-14-000-0003", 10_000, 6_000, 5_000, 3_000, 1_000, 0, 0}}},
	{"POL", "Piorun MANPADS", "in_kind", "bilateral", "in_kind", "", -90, 30, 0, access.Restricted, []string{"UKR"},
		[]lineSpec{{"1410-14-000-0008", 300, 300, 250, 100, 0, 0, 3}}},
	{"NLD", "Leopard 2A4 tanks via Denmark-Netherlands package", "in_kind", "coalition", "in_kind", "", -210, -90, 0, access.Unclassified, nil,
		[]lineSpec{{"2350-12-000-0012", 6, 6, 6, 4, 4, 4, 4}}},
	{"DNK", "Ukraine Fund: equipment purchase", "funds", "trust_fund", "equipment_purchase", "https://www.president.gov.ua/en/news/u-lvovi-volodimir-zelenskij-i-mette-frederiksen-pidpisali-ug-89189", -250, 120, 1_800_000_000_00, access.Unclassified, nil, nil},
	{"NOR", "Trucks and medical kits", "in_kind", "bilateral", "in_kind", "", -60, 60, 0, access.Unclassified, nil,
		[]lineSpec{{"2320-12-000-0017", 50, 50, 50, 20, 10, 10, 8}, {"6545-14-000-0016", 20_000, 20_000, 20_000, 20_000, 20_000, 15_000, 7}}},
	{"SWE", "Armoured personnel carriers", "in_kind", "bilateral", "in_kind", "", -100, 150, 0, access.Restricted, []string{"UKR", "FIN"},
		[]lineSpec{{"2355-12-000-0020", 40, 20, 0, 0, 0, 0, -1}}},
	{"CAN", "NATO trust fund contribution", "funds", "trust_fund", "trust_fund", "", -200, 30, 500_000_000_00, access.Unclassified, nil, nil},
	{"ITA", "Demining equipment", "in_kind", "bilateral", "in_kind", "", -40, 90, 0, access.Unclassified, nil,
		[]lineSpec{{"1385-14-000-0019", 80, 40, 40, 0, 0, 0, 10}}},
	{"ESP", "Leopard 2A4 tanks", "in_kind", "bilateral", "in_kind", "", -130, -15, 0, access.Unclassified, nil,
		[]lineSpec{{"2350-12-000-0012", 4, 4, 4, 4, 2, 2, 4}}},
	{"LTU", "Stinger missiles", "in_kind", "bilateral", "in_kind", "", -80, -3, 0, access.Unclassified, nil,
		[]lineSpec{{"1410-01-000-0007", 100, 100, 100, 60, 60, 60, 3}}},
	{"JPN", "Medical kits and trucks (non-lethal)", "in_kind", "multilateral", "in_kind", "", -70, 45, 0, access.Unclassified, nil,
		[]lineSpec{{"6545-14-000-0016", 10_000, 10_000, 10_000, 5_000, 5_000, 5_000, 7}}},
	{"EUU", "European Peace Facility: 155 mm joint procurement", "procurement", "multilateral", "equipment_purchase", "", -300, -120, 0, access.Unclassified, nil,
		[]lineSpec{{"1320-12-000-0001", 30_000, 20_000, 20_000, 20_000, 18_000, 15_000, 0}}},
	{"CZE", "155 mm rounds (Czech initiative)", "procurement", "coalition", "equipment_purchase", "", -100, 10, 0, access.Restricted, []string{"UKR"},
		[]lineSpec{{"1320-01-000-0002", 15_000, 10_000, 0, 0, 0, 0, 0}}},
}

// paySpec is a step of a pledge's money, days from today.
type paySpec struct {
	stage    string
	amount   money.Cents
	days     int
	evidence string
}

// payments are the steps of the money pledges, by title: Denmark's fund
// part committed and part disbursed, Canada's contribution paid in full.
var payments = map[string][]paySpec{
	"Ukraine Fund: equipment purchase": {
		{assist.Committed, 1_200_000_000_00, -200, "Contract with Ukraine's Ministry of Defence (illustrative)"},
		{assist.Disbursed, 700_000_000_00, -150, "Payment order, first tranche (illustrative)"},
		{assist.Disbursed, 300_000_000_00, -30, "Payment order, second tranche (illustrative)"},
	},
	"NATO trust fund contribution": {
		{assist.Committed, 500_000_000_00, -190, "Contribution agreement with the NSPA (illustrative)"},
		{assist.Disbursed, 500_000_000_00, -180, "Transfer to the trust fund (illustrative)"},
	},
}

// provenance says where some pledges' figures come from, by title: the
// amount's valuation and each line's, in order. The rates are the ECB's
// annual averages (accounts.ReferenceRates); the figures convert to the
// catalogue's unit values.
var provenance = map[string]struct {
	amount assist.Valuation
	lines  []assist.Valuation
}{
	"Tactical radios and drones": {lines: []assist.Valuation{
		{Currency: "GBP", Original: 15_656_22, Rate: "0.86979", RateDate: "2023-12-31", Basis: assist.ReplacementCost, Source: "UK Ministry of Defence, written answer (illustrative)"},
		{Currency: "GBP", Original: 156_562_20, Rate: "0.86979", RateDate: "2023-12-31", Basis: assist.PriceList, Source: "Manufacturer's price list 2023 (illustrative)"},
	}},
	"Patriot interceptors": {lines: []assist.Valuation{
		{Basis: assist.Estimate, Source: "Catalogue unit value (illustrative)"},
	}},
	"Ukraine Fund: equipment purchase": {amount: assist.Valuation{Basis: assist.Official, Source: "Danish Ministry of Defence, Ukraine Fund announcement (illustrative)"}},
}

// revaluations change figures after they were recorded, by title: the
// donor's official figure for the Patriot interceptors replaces the
// estimate, in dollars at the ECB's 2023 average, the same in euros.
var revaluations = map[string][]assist.Revaluation{
	"Patriot interceptors": {{Line: 1, Reason: "the donor's official unit cost replaces the estimate",
		Valuation: assist.Valuation{Currency: "USD", Original: 4_325_200_00, Rate: "1.0813", RateDate: "2023-12-31", Basis: assist.Official, Source: "US DoD budget justification, PAC-3 MSE unit cost (illustrative)"}}},
}

// Loaded reports whether the scenario is already in the database.
func Loaded(ctx context.Context, sites interface {
	Site(ctx context.Context, code string) (catalog.Site, error)
}) (bool, error) {
	_, err := sites.Site(ctx, Sites[0].Code)
	switch fault.Code(err) {
	case "":
		return true, nil
	case fault.NotFound:
		return false, nil
	}
	return false, err
}

// Load adds the scenario through the domain's use cases, so that every
// record passes the same rules and is audited like any other: the sites,
// items, requirements and pledges, committed and allocated. LoadLogistics
// then moves the goods.
func Load(ctx context.Context, cat *catalog.Service, ledger *assist.Service, today time.Time) error {
	ctx = access.WithIdentity(ctx, access.System.Named("demo"))
	for _, s := range Sites {
		if _, err := cat.CreateSite(ctx, s); err != nil {
			return fmt.Errorf("demo site %s: %w", s.Code, err)
		}
	}
	for _, it := range Items {
		if _, err := cat.CreateItem(ctx, it); err != nil {
			return fmt.Errorf("demo item %s: %w", it.NSN, err)
		}
	}
	day := func(d int) string { return today.AddDate(0, 0, d).Format(assist.DateLayout) }
	reqIDs := make([]int64, len(requirements))
	for i, r := range requirements {
		q, err := ledger.CreateRequirement(ctx, assist.Requirement{NSN: r.nsn, Group: r.group, Quantity: r.qty, Priority: r.prio,
			NeedBy: day(r.needDays), DeliverySite: r.site, Notes: r.notes, Illustrative: true,
			Marking: access.Marking{Classification: access.Unclassified}})
		if err != nil {
			return fmt.Errorf("demo requirement %d: %w", i+1, err)
		}
		reqIDs[i] = q.ID
	}
	for _, ps := range pledges {
		p := assist.Pledge{Nation: ps.nation, Title: ps.title, Kind: ps.kind, Channel: ps.channel, Category: ps.category, Reference: ps.ref,
			Announced: day(ps.announcedDays), Promised: day(ps.promisedDays), Amount: ps.amount, Illustrative: true,
			Marking: access.Marking{Classification: ps.class, ReleasableTo: ps.rel}}
		prov := provenance[ps.title]
		p.AmountValuation = prov.amount
		for i, l := range ps.lines {
			p.Lines = append(p.Lines, assist.Line{NSN: l.nsn, Pledged: l.qty})
			if i < len(prov.lines) {
				p.Lines[i].Valuation = prov.lines[i]
			}
		}
		p, err := ledger.CreatePledge(ctx, p)
		if err != nil {
			return fmt.Errorf("demo pledge %q: %w", ps.title, err)
		}
		for _, r := range revaluations[ps.title] {
			if p, err = ledger.Revalue(ctx, p.ID, 0, r); err != nil {
				return fmt.Errorf("demo pledge %q revaluation: %w", ps.title, err)
			}
		}
		for _, pay := range payments[ps.title] {
			if p, err = ledger.Pay(ctx, p.ID, 0, assist.Payment{Stage: pay.stage, Amount: pay.amount, Date: day(pay.days), Evidence: pay.evidence}); err != nil {
				return fmt.Errorf("demo pledge %q %s: %w", ps.title, pay.stage, err)
			}
		}
		for i, l := range ps.lines {
			act := func(a assist.Action) error {
				if a.Quantity == 0 {
					return nil
				}
				a.Line = p.Lines[i].ID
				if p, err = ledger.Act(ctx, p.ID, 0, a); err != nil {
					return fmt.Errorf("demo pledge %q line %d %s: %w", ps.title, i+1, a.Kind, err)
				}
				return nil
			}
			if err := act(assist.Action{Kind: assist.Commit, Quantity: l.commit}); err != nil {
				return err
			}
			if l.req < 0 {
				continue
			}
			if err := act(assist.Action{Kind: assist.Allocate, Quantity: l.alloc, Requirement: reqIDs[l.req]}); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliver moves the pledges' goods as they move in life, through
// shipments: each line's delivered units handed over directly and
// received, the rest of what it shipped handed over and waiting for the
// recipient's receipt; then the recipient accepts what the line accepted.
func deliver(ctx context.Context, lg *logistics.Service, ledger *assist.Service, byTitle map[string]assist.Pledge) error {
	for _, ps := range pledges {
		p, ok := byTitle[ps.title]
		if !ok {
			return fmt.Errorf("demo: no pledge %q", ps.title)
		}
		for i, l := range ps.lines {
			if l.req < 0 {
				continue
			}
			if err := handOver(ctx, lg, p, i, l.deliver, true); err != nil {
				return err
			}
			if err := handOver(ctx, lg, p, i, l.ship-l.deliver, false); err != nil {
				return err
			}
			if l.accept > 0 {
				if _, err := ledger.Act(ctx, p.ID, 0, assist.Action{Kind: assist.Accept, Line: p.Lines[i].ID, Quantity: l.accept}); err != nil {
					return fmt.Errorf("demo pledge %q line %d accept: %w", ps.title, i+1, err)
				}
			}
		}
	}
	return nil
}

// handOver hands qty of line i of p over to the recipient directly, from
// the nation's depot, and has it received in full when received is set.
func handOver(ctx context.Context, lg *logistics.Service, p assist.Pledge, i int, qty int64, received bool) error {
	if qty <= 0 {
		return nil
	}
	var alloc int64
	var origin string
	err := lg.Store.Transact(ctx, func(tx logistics.Tx) error {
		als, err := tx.LineAllocations(ctx, p.Lines[i].ID)
		if err != nil || len(als) == 0 {
			return fmt.Errorf("no allocation (%v)", err)
		}
		alloc = als[0].ID
		net, err := tx.Network(ctx)
		origin = net.DepotOf(p.Nation)
		return err
	})
	if err != nil {
		return fmt.Errorf("demo handover of %q: %w", p.Title, err)
	}
	in := logistics.Handover{Origin: origin, Lines: []logistics.NewLine{{Allocation: alloc, Quantity: qty}}, Note: "illustrative"}
	if origin == "" {
		in.Origin, in.Override = "PL-RZE", "the donor's stock has no depot in the scenario: handed over at the hub (illustrative)"
	}
	sh, err := lg.HandOver(ctx, in)
	if err != nil {
		return fmt.Errorf("demo handover of %q line %d: %w", p.Title, i+1, err)
	}
	if !received {
		return nil
	}
	if _, _, err := lg.Receive(ctx, sh.ID, sh.Version, logistics.Receipt{To: "receiving unit (illustrative)"}); err != nil {
		return fmt.Errorf("demo receipt of %s: %w", sh.Ref(), err)
	}
	return nil
}
