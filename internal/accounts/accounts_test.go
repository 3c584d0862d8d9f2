package accounts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/fault"
)

func TestEmbeddedAgreementsMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "data", "agreements", "bilateral_security_agreements_2024.csv")
	b, err := os.ReadFile(shared)
	if err != nil {
		t.Skip("../shared/data is not beside the checkout; nothing to compare")
	}
	a, err := os.ReadFile(filepath.Join("data", "bilateral_security_agreements_2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the embedded agreements differ from ../shared/data")
	}
	ags, err := accounts.ReferenceAgreements()
	if err != nil || len(ags) != 23 {
		t.Fatalf("%d agreements, %v; want 23", len(ags), err)
	}
	if ags[0].Nation != "GBR" || ags[0].Amount != "2500000000" || ags[0].Currency != "GBP" || ags[0].Signed != "2024-01-12" {
		t.Errorf("the first agreement: %+v", ags[0])
	}
}

func TestFairSharesAddUpAndRefuseMissingGDP(t *testing.T) {
	// Three nations with GDP 1, 1, 1 share 100 cents: 34, 33, 33, the odd
	// cent to the first by code among equal remainders.
	got, err := accounts.FairShares(100, []accounts.NationGDP{{Nation: "B", GDPUSD: 1}, {Nation: "A", GDPUSD: 1}, {Nation: "C", GDPUSD: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Fair != 33 || got[1].Fair != 34 || got[2].Fair != 33 {
		t.Errorf("shares %+v", got)
	}
	// Largest remainder: 10 cents by 1:2:3 → 1.67, 3.33, 5 → 2, 3, 5.
	got, _ = accounts.FairShares(10, []accounts.NationGDP{{Nation: "X", GDPUSD: 1}, {Nation: "Y", GDPUSD: 2}, {Nation: "Z", GDPUSD: 3}})
	if got[0].Fair != 2 || got[1].Fair != 3 || got[2].Fair != 5 {
		t.Errorf("largest remainder: %+v", got)
	}
	_, err = accounts.FairShares(100, []accounts.NationGDP{{Nation: "ISL", Name: "Iceland", GDPUSD: 5}, {Nation: "JPN", Name: "Japan"}})
	if fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "Japan (JPN)") {
		t.Errorf("a nation without GDP: %v", err)
	}
}

// TestRateValidateReadsRatesAsMoneyDoes: a rate the accounts record is
// read by money.ParseRate, so that it converts as every other figure does.
func TestRateValidateReadsRatesAsMoneyDoes(t *testing.T) {
	for _, c := range []struct {
		rate string
		ok   bool
	}{{"1.0813", true}, {" 0.86979 ", true}, {"1", true}, {"0", false}, {"-1", false}, {"1/3", false}, {"1e3", false}, {"0x1p3", false}, {"+1.08", false}, {"", false}} {
		r := accounts.Rate{Currency: "USD", Year: 2025, PerEUR: c.rate, Source: "test"}
		if err := r.Validate(); (err == nil) != c.ok {
			t.Errorf("rate %q: %v, want valid=%v", c.rate, err, c.ok)
		}
	}
}
