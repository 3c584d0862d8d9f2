package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestMoneyBeyondBoundsIsRefused holds issue 15's first finding: a quantity
// or amount whose value would overflow a total is refused with a 422 naming
// the field, through the API and the UI, and the reads that sum every
// pledge (accounts, the review report in every format, the dashboard) keep
// answering on both engines.
func TestMoneyBeyondBoundsIsRefused(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			res := e.do("POST", "/api/v1/pledges", "application/json", goodPledge)
			if res.status != 201 {
				t.Fatalf("create pledge: %d %s", res.status, res.body)
			}
			id := int64(res.json(t)["id"].(float64))
			pledge := func(replace ...string) string { return strings.NewReplacer(replace...).Replace(goodPledge) }
			const first = `{"nsn":"1320-12-345-6789","quantity":100}`
			header := `{"title":"Spring package","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2025-02-01","promised":"2025-04-30","classification":"NATO RESTRICTED","releasable_to":["UKR"],"amount":%q}`
			cases := []struct {
				name, method, path, body string
				field                    string
			}{
				{"quantity of int64's maximum", "POST", "/api/v1/pledges", pledge(`"quantity":100`, `"quantity":9223372036854775807`), "lines[0].quantity"},
				{"quantity above a billion", "POST", "/api/v1/pledges", pledge(`"quantity":100`, `"quantity":1000000001`), "lines[0].quantity"},
				{"two lines of twenty trillion", "POST", "/api/v1/pledges", pledge(`"quantity":100`, `"quantity":20000000000000`, `"quantity":10,`, `"quantity":20000000000000,`), "lines[1].quantity"},
				{"line at the catalogue's value above the bound", "POST", "/api/v1/pledges", pledge(first, `{"nsn":"1320-12-345-6789","quantity":1000000000}`), "lines[0].quantity"},
				{"line value above the bound", "POST", "/api/v1/pledges", pledge(`"quantity":10,"unit_value":"500000.00"`, `"quantity":1000000,"unit_value":"1000000000"`), "lines[1].quantity"},
				{"unit value above the bound", "POST", "/api/v1/pledges", pledge(`"500000.00"`, `"1000000000000.01"`), "lines[1].unit_value"},
				{"amount of int64's maximum", "POST", "/api/v1/pledges", pledge(`"lines"`, `"amount":"92233720368547758.07","lines"`), "amount"},
				{"amount above the bound", "POST", "/api/v1/pledges", pledge(`"lines"`, `"amount":"1000000000000.01","lines"`), "amount"},
				{"amount and lines together above the bound", "POST", "/api/v1/pledges", pledge(`"lines"`, `"amount":"1000000000000","lines"`), "amount"},
				{"amount raised above the bound on update", "PUT", fmt.Sprintf("/api/v1/pledges/%d", id), fmt.Sprintf(header, "92233720368547758.07"), "amount"},
				{"amount raised with the lines above the bound", "PUT", fmt.Sprintf("/api/v1/pledges/%d", id), fmt.Sprintf(header, "1000000000000"), "amount"},
				{"requirement quantity of int64's maximum", "POST", "/api/v1/requirements", `{"nsn":"1320-12-345-6789","quantity":9223372036854775807,"priority":1,"need_by":"2025-05-01","delivery_site":"UA-KYIV"}`, "quantity"},
				{"baseline above the bound", "POST", "/api/v1/baselines", `{"year":2026,"amount":"92233720368547758.07","gdp_year":2024,"nations":["DEU","POL"]}`, "amount"},
				{"course cost per seat above the bound", "POST", "/api/v1/courses", `{"code":"LEO","title":"Leopard crews","skill":"LEOPARD-2","host":"DEU","site":"DE-MUN","seats_per_class":12,"min_size":4,"cost_per_seat":"92233720368547758.07"}`, "cost_per_seat"},
				{"item unit value of int64's maximum", "POST", "/api/v1/items", `{"nsn":"1320-12-999-0001","name":"x","capability":"ammunition","unit_of_issue":"EA","unit_value":"92233720368547758.07"}`, "unit_value"},
			}
			before := e.fingerprint()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					res := e.do(c.method, c.path, "application/json", c.body, "If-Match", `"v1"`)
					if res.status != 422 {
						t.Fatalf("status %d, want 422: %s", res.status, res.body)
					}
					if prob := res.json(t); !problemNames(prob, c.field) {
						t.Errorf("problem does not name field %s: %s", c.field, res.body)
					}
				})
			}
			t.Run("CSV import", func(t *testing.T) {
				csv := "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity\n" +
					"A,DEU,Big,in_kind,bilateral,in_kind,2025-02-01,2025-04-30,1320-12-345-6789,20000000000000\n" +
					"A,DEU,Big,in_kind,bilateral,in_kind,2025-02-01,2025-04-30,1320-12-345-6789,20000000000000\n"
				if res := e.do("POST", "/api/v1/import/pledges", "text/csv", csv); res.status != 422 || !strings.Contains(string(res.body), "quantity") {
					t.Errorf("status %d, want 422 naming the quantity: %s", res.status, res.body)
				}
			})
			t.Run("UI form", func(t *testing.T) {
				form := url.Values{"nation": {"DEU"}, "title": {"Big"}, "kind": {"in_kind"}, "channel": {"bilateral"}, "category": {"in_kind"},
					"announced": {"2025-02-01"}, "promised": {"2025-04-30"}, "classification": {"NATO UNCLASSIFIED"},
					"line_nsn": {"1320-12-345-6789", "1320-12-345-6789"}, "line_quantity": {"20000000000000", "20000000000000"}, "line_unit_value": {"", ""}}
				res := e.do("POST", "/pledges", "application/x-www-form-urlencoded", form.Encode())
				if res.status != 422 || !strings.Contains(string(res.body), `data-field="lines[0].quantity"`) {
					t.Errorf("status %d, want 422 with an error beside lines[0].quantity", res.status)
				}
			})
			if e.fingerprint() != before {
				t.Error("a refused write changed the database")
			}
			for _, path := range []string{"/api/v1/accounts", "/api/v1/dashboard", "/api/v1/reports/review",
				"/api/v1/reports/review?format=html", "/api/v1/reports/review?format=pdf", "/api/v1/reports/review?format=xlsx", "/", "/accounts", "/reports/review"} {
				if res := e.do("GET", path, "", ""); res.status != 200 {
					t.Errorf("GET %s: %d %.300s", path, res.status, res.body)
				}
			}
		})
	}
}

// TestLedgerStaysWithinItsBound fills the ledger to assist.MaxLedger with
// pledges each at the largest amount, then holds that one cent more is
// refused on create and on update and that every sum still reads.
func TestLedgerStaysWithinItsBound(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			svc := &assist.Service{Store: store.Assist{DB: e.db}}
			ctx := storetest.Ctx()
			err := svc.Store.Transact(ctx, func(tx assist.Tx) error {
				for i := money.Cents(0); i < assist.MaxLedger/money.MaxAmount; i++ {
					p := assist.Pledge{Nation: "DEU", Title: "Fund", Kind: "funds", Channel: "bilateral", Category: "equipment_purchase",
						Announced: "2025-02-01", Promised: "2025-04-30", Amount: money.MaxAmount}
					if err := svc.CreatePledgeIn(ctx, tx, &p); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			res := e.do("POST", "/api/v1/pledges", "application/json", strings.Replace(goodPledge, `"lines"`, `"amount":"0.01","lines"`, 1))
			if res.status != 422 || !problemNames(res.json(t), "amount") {
				t.Errorf("one pledge beyond the ledger's bound: %d %s", res.status, res.body)
			}
			res = e.do("PUT", "/api/v1/pledges/1", "application/json",
				`{"title":"Fund","kind":"funds","channel":"bilateral","category":"equipment_purchase","announced":"2025-02-01","promised":"2025-04-30","amount":"1000000000000.01"}`, "If-Match", `"v1"`)
			if res.status != 422 || !problemNames(res.json(t), "amount") {
				t.Errorf("an amount raised beyond the ledger's bound: %d %s", res.status, res.body)
			}
			res = e.do("PUT", "/api/v1/pledges/1", "application/json",
				`{"title":"Fund","kind":"funds","channel":"bilateral","category":"equipment_purchase","announced":"2025-02-01","promised":"2025-04-30","amount":"999999999999.99"}`, "If-Match", `"v1"`)
			if res.status != 200 {
				t.Errorf("an amount lowered at the ledger's bound: %d %s", res.status, res.body)
			}
			// One cent of goods fills the ledger again; revaluing it to
			// two cents would take it beyond.
			res = e.do("POST", "/api/v1/pledges", "application/json", `{"nation":"DEU","title":"A cent","kind":"in_kind","channel":"bilateral","category":"in_kind",
				"announced":"2025-02-01","promised":"2025-04-30","lines":[{"nsn":"1320-12-345-6789","quantity":1,"unit_value":"0.01"}]}`)
			if res.status != 201 {
				t.Fatalf("a cent of goods at the ledger's bound: %d %s", res.status, res.body)
			}
			res = e.do("POST", fmt.Sprintf("/api/v1/pledges/%d/revaluations", int64(res.json(t)["id"].(float64))), "application/json", `{"line":1,"eur":"0.02","reason":"dearer"}`)
			if res.status != 422 || !problemNames(res.json(t), "eur") {
				t.Errorf("a line revalued beyond the ledger's bound: %d %s", res.status, res.body)
			}
			for _, path := range []string{"/api/v1/accounts", "/api/v1/dashboard", "/api/v1/reports/review", "/api/v1/pledges", "/"} {
				if res := e.do("GET", path, "", ""); res.status != 200 {
					t.Errorf("GET %s: %d %.300s", path, res.status, res.body)
				}
			}
		})
	}
}

// TestMassStaysWithinItsBound holds item masses to catalog.MaxMassG and the
// goods they weigh (a line, every pledge together, a hub's count, an item's
// mass raised under goods already pledged) to catalog.MaxLoadG, each refused
// with a 422 naming the field, so that the hubs' and the network's tonnage
// keep reading on both engines.
func TestMassStaysWithinItsBound(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			item := func(nsn, kg string) apiResponse {
				return e.do("POST", "/api/v1/items", "application/json",
					fmt.Sprintf(`{"nsn":%q,"name":"Bridge section","capability":"engineering","unit_of_issue":"EA","unit_value":"0.01","mass_kg":%q}`, nsn, kg))
			}
			pledge := func(nsn string, qty int64) apiResponse {
				return e.do("POST", "/api/v1/pledges", "application/json", fmt.Sprintf(`{"nation":"DEU","title":"Bridges","kind":"in_kind","channel":"bilateral","category":"in_kind",
					"announced":"2025-02-01","promised":"2025-04-30","lines":[{"nsn":%q,"quantity":%d}]}`, nsn, qty))
			}
			want := func(what string, res apiResponse, status int, field string) {
				t.Helper()
				if res.status != status || (field != "" && !problemNames(res.json(t), field)) {
					t.Errorf("%s: %d, want %d naming %q: %s", what, res.status, status, field, res.body)
				}
			}
			want("an item of more than 1,000 t a unit", item("5420-12-000-0001", "1000000.001"), 422, "mass_kg")
			want("an item of 1,000 t a unit", item("5420-12-000-0002", "1000000"), 201, "")
			want("an item of 1 t a unit", item("5420-12-000-0003", "1000"), 201, "")
			before := e.fingerprint()
			want("a billion units of 1,000 t", pledge("5420-12-000-0002", 1_000_000_000), 422, "lines[0].quantity")
			if e.fingerprint() != before {
				t.Error("a refused pledge changed the database")
			}
			// 900,000 t, then 200,000 t more, beside the seeded goods.
			want("900,000 units of 1,000 t", pledge("5420-12-000-0002", 900_000), 201, "")
			want("200,000 more", pledge("5420-12-000-0002", 200_000), 422, "lines[0].quantity")
			// Raising a mass makes what is pledged of it heavier.
			want("90,000,000 units of 1 t", pledge("5420-12-000-0003", 90_000_000), 201, "")
			res := e.do("PUT", "/api/v1/items/5420-12-000-0003", "application/json",
				`{"name":"Bridge section","capability":"engineering","unit_of_issue":"EA","unit_value":"0.01","mass_kg":"10000"}`, "If-Match", `"v1"`)
			want("a mass raised under goods already pledged", res, 422, "mass_kg")
			before = e.fingerprint()
			count := func(nsn string, n int64) apiResponse {
				return e.do("POST", "/api/v1/hubs/PL-RZE/counts", "application/json", fmt.Sprintf(`{"lines":[{"nsn":%q,"counted":%d}],"reason":"found"}`, nsn, n))
			}
			want("a count of int64's maximum", count(storetest.NSN155, 9223372036854775807), 422, "lines[0].counted")
			want("a count of a billion units of 1,000 t", count("5420-12-000-0002", 1_000_000_000), 422, "lines[0].counted")
			if e.fingerprint() != before {
				t.Error("a refused count changed the database")
			}
			for _, path := range []string{"/api/v1/hubs", "/api/v1/hubs/PL-RZE/stock", "/api/v1/logistics", "/network", "/hubs/PL-RZE", "/map", "/"} {
				if res := e.do("GET", path, "", ""); res.status != 200 {
					t.Errorf("GET %s: %d %.300s", path, res.status, res.body)
				}
			}
		})
	}
}

// TestContributionsStayWithinTheirBound fills the contributions to
// assist.MaxLedger, each at the largest amount, then holds that one cent
// more is refused with a 422 naming the amount and that the accounts and
// the list of contributions still read.
func TestContributionsStayWithinTheirBound(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			e := newAPIEnv(t, dsn(t))
			ctx := storetest.Ctx()
			st := store.Accounts{DB: e.db}
			err := st.Transact(ctx, func(tx accounts.Tx) error {
				for i := money.Cents(0); i < assist.MaxLedger/money.MaxAmount; i++ {
					c := accounts.Contribution{Nation: "DEU", Date: "2025-03-01", Category: "in_kind", Currency: "EUR", Original: money.MaxAmount, Evidence: "test"}
					if err := accounts.AddContributionIn(ctx, tx, &c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			before := e.fingerprint()
			res := e.do("POST", "/api/v1/contributions", "application/json", `{"nation":"DEU","date":"2025-03-01","category":"in_kind","currency":"EUR","amount":"0.01","evidence":"x"}`)
			if res.status != 422 || !problemNames(res.json(t), "amount") {
				t.Errorf("one contribution beyond the bound: %d %s", res.status, res.body)
			}
			if e.fingerprint() != before {
				t.Error("the refused contribution changed the database")
			}
			for _, path := range []string{"/api/v1/accounts", "/api/v1/contributions", "/api/v1/contributions?year=2025", "/api/v1/reports/review", "/contributions", "/accounts"} {
				if res := e.do("GET", path, "", ""); res.status != 200 {
					t.Errorf("GET %s: %d %.300s", path, res.status, res.body)
				}
			}
		})
	}
}
