package catalog

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The reference data is copied from NATO's and GSA's public tables (see
// docs/data.md) and embedded so that the binary needs nothing at run time.
//
//go:embed data/*.csv
var dataFS embed.FS

// SupplyClass is a four-digit NATO Supply Classification class.
type SupplyClass struct {
	Code      string `json:"code"`
	Group     string `json:"group"`
	GroupName string `json:"group_name"`
	Name      string `json:"name"`
}

var (
	classesOnce sync.Once
	classes     []SupplyClass
	classByCode map[string]int
)

func loadClasses() {
	rows := mustCSV("data/fsc_classes.csv")
	classByCode = make(map[string]int, len(rows))
	for _, r := range rows {
		c := SupplyClass{Code: r["fsc"], Group: r["fsg"], GroupName: r["fsg_name"], Name: r["name"]}
		classByCode[c.Code] = len(classes)
		classes = append(classes, c)
	}
}

// SupplyClasses returns the active supply classes in code order.
func SupplyClasses() []SupplyClass {
	classesOnce.Do(loadClasses)
	return classes
}

// SupplyClassByCode returns the supply class with the four-digit code.
func SupplyClassByCode(code string) (SupplyClass, bool) {
	classesOnce.Do(loadClasses)
	i, ok := classByCode[code]
	if !ok {
		return SupplyClass{}, false
	}
	return classes[i], true
}

// Partners and institutions that pledge, and the recipient, beside the 32
// Allies of nato_members.csv.
var otherNations = []Nation{
	{Code: "UKR", Name: "Ukraine", Role: RoleRecipient},
	{Code: "JPN", Name: "Japan", Role: RolePartner},
	{Code: "AUS", Name: "Australia", Role: RolePartner},
	{Code: "KOR", Name: "Republic of Korea", Role: RolePartner},
	{Code: "NZL", Name: "New Zealand", Role: RolePartner},
	{Code: "EUU", Name: "European Union", Role: RoleInstitution},
}

// ReferenceNations returns the 32 Allies with their accession dates and
// NATO's 2014–2024 economic figures, then the partners, the EU and Ukraine.
// Hungary, which opted out of the baseline pledge, is marked as not taking
// part in it.
func ReferenceNations() ([]Nation, error) {
	members, err := readCSV("data/nato_members.csv")
	if err != nil {
		return nil, err
	}
	years, err := readCSV("data/nato_def_exp_2014_2024_by_ally.csv")
	if err != nil {
		return nil, err
	}
	byCode := map[string][]NationYear{}
	for i, r := range years {
		y, err := nationYear(r)
		if err != nil {
			return nil, fmt.Errorf("nato_def_exp_2014_2024_by_ally.csv line %d: %w", i+2, err)
		}
		byCode[r["iso3"]] = append(byCode[r["iso3"]], y)
	}
	var out []Nation
	for _, r := range members {
		n := Nation{
			Code: r["iso3"], Name: r["name"], Role: RoleAlly, MemberSince: r["accession_date"],
			EUMember: r["eu_member"] == "1", InBaseline: r["iso3"] != "HUN", Years: byCode[r["iso3"]],
		}
		sort.Slice(n.Years, func(i, j int) bool { return n.Years[i].Year < n.Years[j].Year })
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	out = append(out, otherNations...)
	return out, nil
}

// ReferenceCountries returns every country of ISO 3166-1 that is none of
// ReferenceNations, as a country (RoleCountry): any of them may pledge.
// The list is the CSIS country lookup's (CC0), see docs/data.md.
func ReferenceCountries() ([]Nation, error) {
	known, err := ReferenceNations()
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, n := range known {
		have[n.Code] = true
	}
	rows, err := readCSV("data/iso3166_countries.csv")
	if err != nil {
		return nil, err
	}
	var out []Nation
	for _, r := range rows {
		if have[r["iso3"]] {
			continue
		}
		out = append(out, Nation{Code: r["iso3"], Name: r["name"], Role: RoleCountry, EUMember: r["eu_member"] == "1"})
	}
	return out, nil
}

func nationYear(r map[string]string) (NationYear, error) {
	y, err := strconv.Atoi(r["year"])
	if err != nil {
		return NationYear{}, fmt.Errorf("year %q: %w", r["year"], err)
	}
	ny := NationYear{Year: y, Estimate: r["is_estimate"] == "1"}
	// The source holds decimals written by a spreadsheet; they are read as
	// exact rationals and rounded once, so no float touches the stored values.
	if ny.GDPUSD, err = scaled(r["gdp_usd_m_current"], 1_000_000); err != nil {
		return ny, fmt.Errorf("gdp_usd_m_current: %w", err)
	}
	if ny.DefenceUSD, err = scaled(r["def_exp_usd_m_current"], 1_000_000); err != nil {
		return ny, fmt.Errorf("def_exp_usd_m_current: %w", err)
	}
	if ny.DefencePPM, err = scaled(r["def_exp_pct_real_gdp"], 10_000); err != nil {
		return ny, fmt.Errorf("def_exp_pct_real_gdp: %w", err)
	}
	return ny, nil
}

// scaled rounds the decimal s times factor to the nearest integer; empty is 0.
func scaled(s string, factor int64) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	r.Mul(r, new(big.Rat).SetInt64(factor))
	// Round half away from zero.
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return q.Int64(), nil
}

func readCSV(name string) ([]map[string]string, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(b))
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", name)
	}
	head := recs[0]
	out := make([]map[string]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		m := make(map[string]string, len(head))
		for i, h := range head {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func mustCSV(name string) []map[string]string {
	rows, err := readCSV(name)
	if err != nil {
		panic(err) // embedded at build time: a failure here is a build defect
	}
	return rows
}
