package accounts

import (
	"time"

	"github.com/longhaul/longhaul/internal/money"
)

// Spending is an Ally's defence expenditure in a year.
type Spending struct {
	Nation     string `json:"nation"`
	Name       string `json:"name"`
	Year       int    `json:"year"`
	Estimate   bool   `json:"estimate"`
	GDPUSD     int64  `json:"gdp_usd"`
	DefenceUSD int64  `json:"defence_usd"`
	PPM        int64  `json:"share_ppm"` // of GDP, NATO's official figure
	Meets2     bool   `json:"meets_2_percent"`
}

// BarWidth is the share on a scale where 2% is 200, capped at 500.
func (s Spending) BarWidth() int64 { return min(s.PPM/100, 500) }

// Millions is the defence expenditure in millions of US dollars.
func (s Spending) Millions() int64 { return (s.DefenceUSD + 500_000) / 1_000_000 }

// Activity is a public pledge as IATI reports it: what was committed and
// what was delivered, when.
type Activity struct {
	Pledge       int64
	Nation       string
	Name         string
	Title        string
	Category     string
	Announced    string
	Promised     string
	Committed    money.Cents
	Delivered    []Dated // deliveries by date
	Illustrative bool
	Updated      time.Time
}

// Dated is an amount on a date.
type Dated struct {
	Date  string
	Value money.Cents
}
