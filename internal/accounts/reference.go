package accounts

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
)

// The register of agreements starts from the 23 bilateral security
// agreements signed by the end of the Washington Summit, copied from
// ../shared/data/agreements (see docs/data.md) and embedded.
//
//go:embed data/bilateral_security_agreements_2024.csv
var agreementsCSV []byte

// Agreement is a bilateral security agreement with Ukraine: who signed it,
// when, for how long, and what it states, in its own currency.
type Agreement struct {
	Nation    string `json:"nation"`
	Signatory string `json:"signatory"`
	Signed    string `json:"date_signed"`
	Years     int    `json:"duration_years"`
	Amount    string `json:"amount,omitempty"`   // as stated, whole units, or a share of GDP in percent
	Currency  string `json:"currency,omitempty"` // ISO 4217, or PCT_GDP
	Period    string `json:"period,omitempty"`
	Source    string `json:"source_url,omitempty"`
}

// ReferenceAgreements returns the agreements of the embedded register.
func ReferenceAgreements() ([]Agreement, error) {
	recs, err := csv.NewReader(bytes.NewReader(agreementsCSV)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("the agreements register is empty")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var out []Agreement
	for n, r := range recs[1:] {
		years, err := strconv.Atoi(r[col["duration_years"]])
		if err != nil {
			return nil, fmt.Errorf("agreements line %d: duration_years %q", n+2, r[col["duration_years"]])
		}
		out = append(out, Agreement{Nation: r[col["signatory_iso3"]], Signatory: r[col["signatory"]], Signed: r[col["date_signed"]], Years: years,
			Amount: r[col["amount"]], Currency: r[col["amount_currency"]], Period: r[col["amount_period"]], Source: r[col["source_url"]]})
	}
	return out, nil
}

// ReferenceRates are the euro reference rates the accounts start with: the
// European Central Bank's annual averages of its daily euro foreign
// exchange reference rates.
var ReferenceRates = []Rate{
	{Currency: "USD", Year: 2023, PerEUR: "1.0813", Source: "ECB euro foreign exchange reference rates, annual average 2023"},
	{Currency: "USD", Year: 2024, PerEUR: "1.0824", Source: "ECB euro foreign exchange reference rates, annual average 2024"},
	{Currency: "GBP", Year: 2023, PerEUR: "0.86979", Source: "ECB euro foreign exchange reference rates, annual average 2023"},
	{Currency: "GBP", Year: 2024, PerEUR: "0.84662", Source: "ECB euro foreign exchange reference rates, annual average 2024"},
}

// Washington is the baseline the Allies set at the Washington Summit: EUR
// 40 billion within the next year, 2025, shared by GDP; NATO's latest GDP
// figures then were its 2024 estimates.
var Washington = Baseline{Year: 2025, Amount: 40_000_000_000_00, GDPYear: 2024,
	Notes: "Washington Summit Pledge of Long-Term Security Assistance for Ukraine, 10 July 2024: a minimum baseline of EUR 40 billion within the next year, in proportion to each Ally's share of NATO GDP; Hungary does not take part."}

// Validate checks an agreement and normalises its codes.
func (a *Agreement) Validate() error {
	var errs fault.List
	a.Nation = strings.ToUpper(strings.TrimSpace(a.Nation))
	if a.Nation == "" {
		errs.Add("nation", "is required")
	}
	a.Signatory = strings.TrimSpace(a.Signatory)
	if d, err := assist.ParseDate("date_signed", a.Signed); err != nil {
		errs.Append("", err)
	} else {
		a.Signed = d
	}
	if a.Years < 1 || a.Years > 50 {
		errs.Add("duration_years", "%d is not a number of years from 1 to 50", a.Years)
	}
	a.Amount, a.Currency = strings.TrimSpace(a.Amount), strings.ToUpper(strings.TrimSpace(a.Currency))
	switch {
	case a.Amount == "" && a.Currency == "":
	case a.Amount == "":
		errs.Add("amount", "a currency without an amount: give both or neither")
	default:
		if r, ok := new(big.Rat).SetString(a.Amount); !ok || r.Sign() < 0 || strings.ContainsAny(a.Amount, "/eE") {
			errs.Add("amount", "%q is not an amount: write a decimal number such as 2500000000", a.Amount)
		}
		if a.Currency != "PCT_GDP" && (len(a.Currency) != 3 || strings.Trim(a.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
			errs.Add("currency", "%q is not an ISO 4217 code such as EUR, or PCT_GDP for a share of GDP", a.Currency)
		}
	}
	a.Period, a.Source = strings.TrimSpace(a.Period), strings.TrimSpace(a.Source)
	return errs.Err()
}
