package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

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
			for _, path := range []string{"/api/v1/accounts", "/api/v1/dashboard", "/api/v1/reports/review", "/api/v1/pledges", "/"} {
				if res := e.do("GET", path, "", ""); res.status != 200 {
					t.Errorf("GET %s: %d %.300s", path, res.status, res.body)
				}
			}
		})
	}
}
