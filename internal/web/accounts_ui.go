package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/report"
)

func (s *Server) accountsRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/accounts", access.AccountsRead, s.uiAccounts)
	add("GET", "/contributions", access.AccountsRead, s.uiContributions)
	add("POST", "/contributions", access.PledgeWrite, s.uiAddContribution)
	add("GET", "/baselines", access.AccountsRead, s.uiBaselines)
	add("POST", "/baselines", access.AccountsWrite, s.uiSaveBaseline)
	add("POST", "/exchange-rates", access.AccountsWrite, s.uiSaveRate)
	add("GET", "/agreements", access.CatalogRead, s.uiAgreements)
	add("POST", "/agreements", access.AccountsWrite, s.uiSaveAgreement)
	add("GET", "/spending", access.CatalogRead, s.uiSpending)
	add("GET", "/reports/review", access.AccountsRead, s.uiReview)
}

func (s *Server) accountsAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/accounts", access.AccountsRead, s.apiAccounts)
	add("GET", "/api/v1/baselines", access.AccountsRead, s.apiBaselines)
	add("POST", "/api/v1/baselines", access.AccountsWrite, s.apiCreateBaseline)
	add("GET", "/api/v1/baselines/{year}", access.AccountsRead, s.apiBaseline)
	add("PUT", "/api/v1/baselines/{year}", access.AccountsWrite, s.apiUpdateBaseline)
	add("GET", "/api/v1/exchange-rates", access.AccountsRead, s.apiRates)
	add("POST", "/api/v1/exchange-rates", access.AccountsWrite, s.apiSaveRate)
	add("GET", "/api/v1/contributions", access.AccountsRead, s.apiContributions)
	add("POST", "/api/v1/contributions", access.PledgeWrite, s.apiAddContribution)
	add("GET", "/api/v1/agreements", access.CatalogRead, s.apiAgreements)
	add("POST", "/api/v1/agreements", access.AccountsWrite, s.apiSaveAgreement)
	add("GET", "/api/v1/spending", access.CatalogRead, s.apiSpending)
	add("GET", "/api/v1/reports/review", access.AccountsRead, s.apiReview)
	add("GET", "/api/v1/reports/iati", access.AccountsRead, s.apiIATI)
}

// accountsYear is the year a request asks for, or the latest baseline
// year not after this one.
func (s *Server) accountsYear(r *http.Request) (int, []int, error) {
	bs, err := s.Read.Accounts.Baselines(r.Context())
	if err != nil {
		return 0, nil, err
	}
	years := make([]int, len(bs))
	for i, b := range bs {
		years[i] = b.Year
	}
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := accounts.ParseYear("year", v)
		if err != nil {
			return 0, years, err
		}
		if !slices.Contains(years, y) {
			return 0, years, fault.Errorf(fault.NotFound, "no baseline for %d: the baselines are for %s", y, joinInts(years))
		}
		return y, years, nil
	}
	if len(years) == 0 {
		return 0, years, fault.Errorf(fault.NotFound, "no baseline yet: define one under Baselines")
	}
	this := s.Now().Year()
	for _, y := range years { // latest first
		if y <= this {
			return y, years, nil
		}
	}
	return years[len(years)-1], years, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// accountRow is a nation's account with its share and its bar in the
// chart.
type accountRow struct {
	accounts.Account
	Share accounts.Share
	Bar   int // the bar's length: 400 is the fair share met
}

type accountsView struct {
	Year       int
	Years      []int
	Ledger     accounts.Ledger
	Rows       []accountRow
	Categories []string
	// The half-year chart: bars for what counted in each half and a line
	// at half the baseline, on a scale where 200 is half the baseline.
	HalfBars [2]int
}

const barScale = 400

func bar(ppm int64) int { return int(min(ppm*barScale/1_000_000, barScale*3/2)) }

func (s *Server) accountsView(r *http.Request) (accountsView, error) {
	year, years, err := s.accountsYear(r)
	if err != nil {
		return accountsView{}, err
	}
	l, err := s.Read.Accounts.Accounts(r.Context(), year, s.Now())
	if err != nil {
		return accountsView{}, err
	}
	v := accountsView{Year: year, Years: years, Ledger: l, Categories: accounts.Categories}
	shares := map[string]accounts.Share{}
	for _, sh := range l.Shares {
		shares[sh.Nation] = sh
	}
	for _, a := range l.Accounts {
		v.Rows = append(v.Rows, accountRow{Account: a, Share: shares[a.Nation], Bar: bar(a.MetPPM)})
	}
	if half := int64(l.Baseline.Amount) / 2; half > 0 {
		for i := range 2 {
			v.HalfBars[i] = int(min(int64(l.Alliance.Halves[i])*200/half, 300))
		}
	}
	return v, nil
}

func (s *Server) uiAccounts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountsView(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "accounts", fmt.Sprintf("Pledge accounts %d", v.Year), v, v.Ledger.Marking)
}

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountsView(r)
	if err != nil {
		return err
	}
	if wantsTable(r) {
		var buf bytes.Buffer
		cw := exchange.NewWriter(&buf)
		head := []string{"year", "nation", "name", "gdp_usd", "gdp_share_ppm", "fair_share_eur", "committed_eur", "disbursed_eur", "delivered_eur", "direct_eur", "reported_eur", "counted_eur", "met_ppm", "first_half_eur", "second_half_eur", "outstanding_eur", "flagged", "undisclosed_pledges"}
		for _, c := range accounts.Categories {
			head = append(head, c+"_eur")
		}
		cw.Write(head)
		for _, a := range v.Rows {
			rec := []string{strconv.Itoa(v.Year), a.Nation, a.Name, strconv.FormatInt(a.Share.GDPUSD, 10), strconv.FormatInt(a.Share.PPM, 10), a.Fair.String(), a.Committed.String(), a.Disbursed.String(), a.Delivered.String(),
				a.Direct.String(), a.Reported.String(), a.Counted.String(), strconv.FormatInt(a.MetPPM, 10), a.Halves[0].String(), a.Halves[1].String(), a.Outstanding.String(), strconv.FormatBool(a.Flagged), strconv.FormatInt(a.Undisclosed, 10)}
			for _, c := range accounts.Categories {
				rec = append(rec, a.ByCategory[c].String())
			}
			cw.Write(rec)
		}
		cw.Flush()
		return s.sendTable(w, r, fmt.Sprintf("accounts-%d", v.Year), v.Ledger.Marking, buf.Bytes())
	}
	w.Header().Set("X-Classification", v.Ledger.Marking.String())
	return writeJSON(w, 200, v.Ledger)
}

// Baselines and rates.

type baselinesView struct {
	Baselines []accounts.Baseline
	Rates     []accounts.Rate
	Nations   []nationChoice
	In        baselineInput
	Rate      accounts.Rate
	Errors    formErrors
	RateError formErrors
}

type nationChoice struct {
	Code, Name, Role string
}

// baselineInput is a baseline as the API and the form take it.
type baselineInput struct {
	Year    int      `json:"year"`
	Amount  string   `json:"amount"`
	GDPYear int      `json:"gdp_year"`
	Nations []string `json:"nations"`
	Notes   string   `json:"notes"`
	Version int64    `json:"version"`
}

func (in baselineInput) baseline() (accounts.Baseline, error) {
	var errs fault.List
	b := accounts.Baseline{Year: in.Year, GDPYear: in.GDPYear, Nations: in.Nations, Notes: in.Notes}
	b.Amount = money.FieldEUR(&errs, "amount", in.Amount)
	if err := errs.Err(); err != nil {
		return b, err
	}
	return b, nil
}

func (s *Server) baselinesPage(w http.ResponseWriter, r *http.Request, status int, v baselinesView) error {
	var err error
	if v.Baselines, err = s.Read.Accounts.Baselines(r.Context()); err != nil {
		return err
	}
	if v.Rates, err = s.Read.Accounts.Rates(r.Context()); err != nil {
		return err
	}
	ns, err := s.Read.Catalog.Nations(r.Context(), catalog.NationFilter{}, list.Options{Limit: list.MaxLimit})
	if err != nil {
		return err
	}
	for _, n := range ns.Items {
		if n.Role != "recipient" {
			v.Nations = append(v.Nations, nationChoice{n.Code, n.Name, n.Role})
		}
	}
	if v.In.Year == 0 && len(v.Baselines) > 0 {
		latest := v.Baselines[0]
		v.In = baselineInput{Year: latest.Year + 1, Amount: latest.Amount.String(), GDPYear: latest.GDPYear, Nations: latest.Nations}
	}
	return s.page(w, r, status, "baselines", "Baselines and exchange rates", v, access.Unclassified)
}

func (s *Server) uiBaselines(w http.ResponseWriter, r *http.Request) error {
	return s.baselinesPage(w, r, 200, baselinesView{})
}

func baselineFromForm(f url.Values) baselineInput {
	in := baselineInput{Amount: f.Get("amount"), Nations: f["nations"], Notes: f.Get("notes")}
	in.Year, _ = strconv.Atoi(f.Get("year"))
	in.GDPYear, _ = strconv.Atoi(f.Get("gdp_year"))
	in.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	return in
}

func (s *Server) uiSaveBaseline(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in := baselineFromForm(r.PostForm)
	b, err := in.baseline()
	if err == nil {
		b, err = s.Accounts.SaveBaseline(r.Context(), b, in.Version)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.baselinesPage(w, r, statusFor(err), baselinesView{In: in, Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/accounts?year=%d", b.Year), "baseline-saved", b.Year, int64(b.Amount), len(b.Nations)), http.StatusSeeOther)
	return nil
}

func (s *Server) uiSaveRate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	rt := accounts.Rate{Currency: f.Get("currency"), PerEUR: f.Get("per_eur"), Source: f.Get("source")}
	rt.Year, _ = strconv.Atoi(f.Get("year"))
	saved, err := s.Accounts.SaveRate(r.Context(), rt)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.baselinesPage(w, r, statusFor(err), baselinesView{Rate: rt, RateError: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/baselines", "rate-saved", saved.PerEUR, saved.Currency, saved.Year), http.StatusSeeOther)
	return nil
}

func (s *Server) apiBaselines(w http.ResponseWriter, r *http.Request) error {
	bs, err := s.Read.Accounts.Baselines(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, bs)
}

func yearParam(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return 0, fault.Errorf(fault.NotFound, "%q is not a year", r.PathValue("year"))
	}
	return y, nil
}

// baselineDetail is a baseline with its fair shares.
type baselineDetail struct {
	accounts.Baseline
	Shares []accounts.Share `json:"shares"`
	Rate   *accounts.Rate   `json:"gdp_rate,omitempty"`
}

func (s *Server) apiBaseline(w http.ResponseWriter, r *http.Request) error {
	y, err := yearParam(r)
	if err != nil {
		return err
	}
	b, shares, rate, err := s.Read.Accounts.FairShares(r.Context(), y)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, b.Version))
	return writeJSON(w, 200, baselineDetail{b, shares, rate})
}

func (s *Server) apiCreateBaseline(w http.ResponseWriter, r *http.Request) error {
	var in baselineInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	b, err := in.baseline()
	if err != nil {
		return err
	}
	if b, err = s.Accounts.SaveBaseline(r.Context(), b, 0); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/baselines/%d", b.Year))
	return writeJSON(w, 201, b)
}

func (s *Server) apiUpdateBaseline(w http.ResponseWriter, r *http.Request) error {
	y, err := yearParam(r)
	if err != nil {
		return err
	}
	var in baselineInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if v, err := ifMatch(r); err != nil {
		return err
	} else if v > 0 {
		in.Version = v
	}
	if in.Version == 0 {
		return fault.Field("version", "give the version you changed (or If-Match), so that nobody else's change is lost")
	}
	in.Year = y
	b, err := in.baseline()
	if err != nil {
		return err
	}
	if b, err = s.Accounts.SaveBaseline(r.Context(), b, in.Version); err != nil {
		return err
	}
	w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, b.Version))
	return writeJSON(w, 200, b)
}

func (s *Server) apiRates(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.Read.Accounts.Rates(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, rs)
}

func (s *Server) apiSaveRate(w http.ResponseWriter, r *http.Request) error {
	var rt accounts.Rate
	if err := decode(w, r, &rt); err != nil {
		return err
	}
	saved, err := s.Accounts.SaveRate(r.Context(), rt)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, saved)
}

// Contributions.

type contributionsView struct {
	list.Page[accounts.Contribution]
	Nations         []nationChoice
	Categories      []string
	Classifications []access.Classification
	In              contributionInput
	Errors          formErrors
	Names           names
}

// contributionInput is a contribution as the API and the form take it.
type contributionInput struct {
	Nation         string   `json:"nation"`
	Date           string   `json:"date"`
	Category       string   `json:"category"`
	Currency       string   `json:"currency"`
	Amount         string   `json:"amount"`
	Pledge         string   `json:"pledge"`
	Evidence       string   `json:"evidence"`
	Notes          string   `json:"notes"`
	Classification string   `json:"classification"`
	ReleasableTo   []string `json:"releasable_to"`
}

// addContribution records what the form or the body holds, naming a field
// at fault as they do: the amount the domain calls original_amount is
// their amount.
func (s *Server) addContribution(ctx context.Context, in contributionInput) (accounts.Contribution, error) {
	c, err := in.contribution()
	if err == nil {
		c, err = s.Accounts.AddContribution(ctx, c)
	}
	return c, renamed(err, "original_amount", "amount")
}

func (in contributionInput) contribution() (accounts.Contribution, error) {
	var errs fault.List
	c := accounts.Contribution{Nation: in.Nation, Date: in.Date, Category: in.Category, Currency: in.Currency, Evidence: in.Evidence, Notes: in.Notes}
	if strings.TrimSpace(in.Amount) == "" {
		errs.Add("amount", "is required")
	} else {
		c.Original = money.FieldEUR(&errs, "amount", in.Amount)
	}
	if p := strings.TrimLeft(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(in.Pledge)), "P-"), "0"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			errs.Add("pledge", "%q is not a pledge reference such as P-00012", in.Pledge)
		}
		c.Pledge = id
	}
	c.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	return c, errs.Err()
}

func (s *Server) contributionsPage(w http.ResponseWriter, r *http.Request, status int, v contributionsView) error {
	q := r.URL.Query()
	f := accounts.ContributionFilter{Nation: q.Get("nation"), Category: q.Get("category")}
	if y := q.Get("year"); y != "" {
		n, err := accounts.ParseYear("year", y)
		if err != nil {
			return err
		}
		f.Year = n
	}
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	if v.Page, err = s.Read.Accounts.Contributions(r.Context(), f, o); err != nil {
		return err
	}
	nations, err := s.pledgingNations(r)
	if err != nil {
		return err
	}
	for _, n := range nations {
		v.Nations = append(v.Nations, nationChoice{n.Code, n.Name, n.Role})
	}
	v.Names = names{}.withNations(nations)
	v.Categories, v.Classifications = accounts.Categories, access.Classifications()
	if v.In.Currency == "" {
		v.In.Currency, v.In.Date = "EUR", s.today()
	}
	marking := access.Unclassified
	for _, c := range v.Items {
		marking = max(marking, c.Classification)
	}
	return s.page(w, r, status, "contributions", "Contributions", v, marking)
}

func (s *Server) uiContributions(w http.ResponseWriter, r *http.Request) error {
	return s.contributionsPage(w, r, 200, contributionsView{})
}

func (s *Server) uiAddContribution(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := contributionInput{Nation: f.Get("nation"), Date: f.Get("date"), Category: f.Get("category"), Currency: f.Get("currency"), Amount: f.Get("amount"),
		Pledge: f.Get("pledge"), Evidence: f.Get("evidence"), Notes: f.Get("notes"), Classification: f.Get("classification"), ReleasableTo: releasable(f)}
	c, err := s.addContribution(r.Context(), in)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.contributionsPage(w, r, statusFor(err), contributionsView{In: in, Errors: fe})
		}
		return err
	}
	to := withNotice("/contributions", "contribution-recorded", c.Ref(), int64(c.Amount), c.Nation)
	if !c.Counts() {
		to = withNotice("/contributions", "contribution-for-pledge", c.Ref(), int64(c.Amount), c.Nation, fmt.Sprintf("P-%05d", c.Pledge))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) apiContributions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := accounts.ContributionFilter{Nation: q.Get("nation"), Category: q.Get("category")}
	if y := q.Get("year"); y != "" {
		n, err := accounts.ParseYear("year", y)
		if err != nil {
			return err
		}
		f.Year = n
	}
	if wantsTable(r) {
		var all []accounts.Contribution
		o := list.Options{Limit: list.MaxLimit, Sort: "id"}
		marking := access.Unclassified
		for {
			p, err := s.Read.Accounts.Contributions(r.Context(), f, o)
			if err != nil {
				return err
			}
			all = append(all, p.Items...)
			if p.Next == "" {
				break
			}
			o.Cursor = p.Next
		}
		var buf bytes.Buffer
		cw := exchange.NewWriter(&buf)
		cw.Write([]string{"ref", "nation", "date", "category", "currency", "original_amount", "rate", "amount_eur", "pledge", "counts", "evidence", "notes", "classification", "releasable_to"})
		for _, c := range all {
			marking = max(marking, c.Classification)
			pledge := ""
			if c.Pledge != 0 {
				pledge = fmt.Sprintf("P-%05d", c.Pledge)
			}
			cw.Write([]string{c.Ref(), c.Nation, c.Date, c.Category, c.Currency, c.Original.String(), c.Rate, c.Amount.String(), pledge, strconv.FormatBool(c.Counts()),
				c.Evidence, c.Notes, c.Classification.String(), strings.Join(c.ReleasableTo, " ")})
		}
		cw.Flush()
		return s.sendTable(w, r, "contributions", marking, buf.Bytes())
	}
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Accounts.Contributions(r.Context(), f, o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiAddContribution(w http.ResponseWriter, r *http.Request) error {
	var in contributionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.addContribution(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, c)
}

// Agreements and spending.

type agreementsView struct {
	Agreements []accounts.Agreement
	In         accounts.Agreement
	Errors     formErrors
	Names      names
}

func (s *Server) agreementsPage(w http.ResponseWriter, r *http.Request, status int, v agreementsView) error {
	var err error
	if v.Agreements, err = s.Read.Accounts.Agreements(r.Context()); err != nil {
		return err
	}
	if v.In.Years == 0 {
		v.In.Years = 10
	}
	if v.Names, err = s.readNames(r.Context(), nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "agreements", "Security agreements", v, access.Unclassified)
}

func (s *Server) uiAgreements(w http.ResponseWriter, r *http.Request) error {
	return s.agreementsPage(w, r, 200, agreementsView{})
}

func (s *Server) uiSaveAgreement(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	a := accounts.Agreement{Nation: f.Get("nation"), Signatory: f.Get("signatory"), Signed: f.Get("date_signed"), Amount: f.Get("amount"), Currency: f.Get("currency"),
		Period: f.Get("period"), Source: f.Get("source_url")}
	a.Years, _ = strconv.Atoi(f.Get("duration_years"))
	saved, err := s.Accounts.SaveAgreement(r.Context(), a)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.agreementsPage(w, r, statusFor(err), agreementsView{In: a, Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/agreements", "agreement-saved", saved.Nation, saved.Signed), http.StatusSeeOther)
	return nil
}

func (s *Server) apiSaveAgreement(w http.ResponseWriter, r *http.Request) error {
	var a accounts.Agreement
	if err := decode(w, r, &a); err != nil {
		return err
	}
	saved, err := s.Accounts.SaveAgreement(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, saved)
}

func (s *Server) apiAgreements(w http.ResponseWriter, r *http.Request) error {
	as, err := s.Read.Accounts.Agreements(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, as)
}

type spendingView struct {
	Year   int                 `json:"year"`
	AtTwo  int                 `json:"allies_at_2_percent"`
	Of     int                 `json:"allies"`
	Allies []accounts.Spending `json:"allies_figures"`
	Years  []int               `json:"-"`
}

func (s *Server) spending(r *http.Request) (spendingView, error) {
	v := spendingView{Year: 2024}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := accounts.ParseYear("year", y)
		if err != nil {
			return v, err
		}
		v.Year = n
	}
	rows, err := s.Read.Accounts.Spending(r.Context(), v.Year)
	if err != nil {
		return v, err
	}
	v.Allies, v.Of = rows, len(rows)
	for _, a := range rows {
		if a.Meets2 {
			v.AtTwo++
		}
	}
	for y := 2024; y >= 2014; y-- {
		v.Years = append(v.Years, y)
	}
	return v, nil
}

func (s *Server) uiSpending(w http.ResponseWriter, r *http.Request) error {
	v, err := s.spending(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "spending", fmt.Sprintf("Defence spending %d", v.Year), v, access.Unclassified)
}

func (s *Server) apiSpending(w http.ResponseWriter, r *http.Request) error {
	v, err := s.spending(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

// The summit review report.

func (s *Server) review(r *http.Request) (report.Review, error) {
	year, _, err := s.accountsYear(r)
	if err != nil {
		return report.Review{}, err
	}
	return report.Build(r.Context(), s.Read.Reports, year, s.Now())
}

func (s *Server) uiReview(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("format") != "" {
		return s.apiReview(w, r)
	}
	rv, err := s.review(r)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "review", rv.Title(), &rv, rv.Marking)
}

func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) error {
	rv, err := s.review(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	var ctype, ext string
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		w.Header().Set("X-Classification", rv.Marking.String())
		return writeJSON(w, 200, rv)
	case "html":
		ctype, ext, err = "text/html; charset=utf-8", "html", rv.HTML(&buf)
	case "pdf":
		ctype, ext, err = "application/pdf", "pdf", rv.PDF(&buf)
	case "xlsx":
		ctype, ext, err = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", rv.XLSX(&buf)
	default:
		return fault.Field("format", "%q is not a format: use json, html, pdf or xlsx", f)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Classification", rv.Marking.String())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-review-%d.%s"`, rv.Year, ext))
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) apiIATI(w http.ResponseWriter, r *http.Request) error {
	year := s.Now().Year()
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := accounts.ParseYear("year", y)
		if err != nil {
			return err
		}
		year = n
	}
	var buf bytes.Buffer
	if _, err := report.IATI(r.Context(), s.Read.Reports, &buf, year, s.Now()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("X-Classification", access.Unclassified.String())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-iati-%d.xml"`, year))
	_, err := w.Write(buf.Bytes())
	return err
}
