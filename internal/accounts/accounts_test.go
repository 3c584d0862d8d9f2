package accounts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
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

func TestToEURRoundsOnceHalfAway(t *testing.T) {
	for _, c := range []struct {
		amount int64
		rate   string
		want   money.Cents
	}{
		{108_24, "1.0824", 100_00},
		{1, "2", 1},   // 0.5 cent rounds away from zero
		{3, "2", 2},   // 1.5 → 2
		{-3, "2", -2}, // -1.5 → -2
		{100_00, "3", 33_33},
		{2_500_000_000_00, "0.84662", 2_952_918_664_81}, // the UK agreement's GBP 2.5 bn at the 2024 rate
	} {
		got, err := accounts.ToEUR(c.amount, c.rate)
		if err != nil || got != c.want {
			t.Errorf("%d at %s: %d %v, want %d", c.amount, c.rate, got, err, c.want)
		}
	}
	for _, bad := range []string{"0", "-1", "1/3", "1e3", "abc", ""} {
		if _, err := accounts.ToEUR(1, bad); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
}
