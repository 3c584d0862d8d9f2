package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/report"
)

// forecastPages is the forecasts' page: the backtest with its calibration
// and the lines at risk.
func (s *Server) forecastPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/forecast", access.PledgeRead, s.uiForecast)
}

// forecastAPI is the same in the API, and each pledge's and
// requirement's forecasts.
func (s *Server) forecastAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/forecast/backtest", access.PledgeRead, s.apiBacktest)
	add("GET", "/api/v1/forecast/at-risk", access.PledgeRead, s.apiAtRisk)
	add("GET", "/api/v1/pledges/{id}/forecast", access.PledgeRead, s.apiPledgeForecast)
	add("GET", "/api/v1/requirements/{id}/forecast", access.RequirementRead, s.apiRequirementForecast)
}

// outlook is every open line the reader may see with its forecast and
// risk, today.
func (s *Server) outlook(r *http.Request) (*forecast.Outlook, error) {
	return s.Forecast.Outlook(r.Context(), forecast.DayOf(s.Now()))
}

// entriesMarking is the highest classification of the lines and of the
// history behind their forecasts and risks.
func entriesMarking(es []forecast.Entry) access.Classification {
	c := historyMarking(es)
	for _, e := range es {
		c = max(c, e.Line.Marking.Classification)
	}
	return c
}

// historyMarking is the highest classification of the history behind the
// entries' forecasts and risks, for a page that marks the lines it lists
// as it marks its other lists (the dashboard).
func historyMarking(es []forecast.Entry) access.Classification {
	c := access.Unclassified
	for _, e := range es {
		c = max(c, e.Forecast.Classification)
		if e.Risk != nil {
			c = max(c, e.Risk.Classification)
		}
	}
	return c
}

// atRiskPledges are the ids of the pledges with a line at risk, for the
// pledges list's at_risk filter.
func atRiskPledges(o *forecast.Outlook) []int64 {
	ids := []int64{}
	for _, e := range o.AtRisk("") {
		if !slices.Contains(ids, e.Line.Pledge) {
			ids = append(ids, e.Line.Pledge)
		}
	}
	return ids
}

// etaAtRisk are the lines the early-warning rule finds at risk by their
// shipment's ETA, as the logistics summary lists them; at most limit.
func etaAtRisk(o *forecast.Outlook, limit int) []logistics.AtRiskLine {
	out := []logistics.AtRiskLine{}
	for _, e := range o.AtRisk("") {
		if e.Risk.Reason != forecast.ReasonETA || len(out) == limit {
			continue
		}
		a := logistics.AtRiskLine{Pledge: e.Line.Pledge, Ref: (&assist.Pledge{ID: e.Line.Pledge}).Ref(), Nation: e.Line.Nation, Title: e.Line.Title, LineNo: e.Line.No,
			NSN: e.Line.NSN, ItemName: e.Line.ItemName, Promised: e.Line.Promised.String(), Shipment: e.Risk.Shipment, DaysLate: e.Risk.Days}
		for _, c := range e.Line.Carriers {
			if c.Shipment == e.Risk.Shipment {
				a.ETA, a.Quantity, a.Value = c.ETAAt, c.Quantity, c.Value
			}
		}
		out = append(out, a)
	}
	return out
}

// calibrationPoint is one decile on the calibration chart: the share of
// deliveries on or before it, against the share it stands for.
type calibrationPoint struct {
	Decile   int    // 1 … 9
	Observed string // the share, for people
	X, Y     int    // its place on the chart
}

// chart geometry of the calibration chart: a square plot of chartSide
// pixels, chartPad from the left and top.
const (
	chartSide = 240
	chartPad  = 40
)

// forecastView is the forecasts' page: the backtest, its calibration and
// the lines at risk with the flags kept of them.
type forecastView struct {
	Report      forecast.Report
	Calibration []calibrationPoint
	// Polyline is the calibration's points for the chart's line.
	Polyline string
	// Top and Base are the plot's top and bottom (and left and right),
	// Size the chart's.
	Top, Base, Size int
	Ticks           []calibrationTick
	AtRisk          []forecast.Entry
	Flags           []forecast.Flag
	MinSample       int
	From            string
	To              string
}

// calibrationTick is a gridline of the chart at a share: X on the
// horizontal axis and Y on the vertical.
type calibrationTick struct {
	Label string
	X, Y  int
}

func calibration(r forecast.Report) ([]calibrationPoint, string, []calibrationTick) {
	var pts []calibrationPoint
	var line []string
	for k := range 9 {
		obs := r.Overall.AtOrBelowPPM(k)
		p := calibrationPoint{Decile: k + 1, Observed: report.Percent(obs, 1),
			X: chartPad + (k+1)*chartSide/10, Y: chartPad + chartSide - int(obs*chartSide/1_000_000)}
		pts = append(pts, p)
		line = append(line, strconv.Itoa(p.X)+","+strconv.Itoa(p.Y))
	}
	var ticks []calibrationTick
	for k := 0; k <= 10; k += 2 {
		at := k * chartSide / 10
		ticks = append(ticks, calibrationTick{Label: strconv.Itoa(k*10) + "%", X: chartPad + at, Y: chartPad + chartSide - at})
	}
	return pts, strings.Join(line, " "), ticks
}

func (s *Server) backtest(r *http.Request) (forecast.Report, error) {
	q := r.URL.Query()
	from, err := forecast.ParseDay(q.Get("from"))
	if err != nil {
		return forecast.Report{}, fault.Field("from", "%v", err)
	}
	to, err := forecast.ParseDay(q.Get("to"))
	if err != nil {
		return forecast.Report{}, fault.Field("to", "%v", err)
	}
	if yesterday := forecast.DayOf(s.Now()) - 1; to == 0 || to > yesterday {
		to = yesterday
	}
	return s.Forecast.Backtest(r.Context(), from, to)
}

func (s *Server) uiForecast(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.backtest(r)
	if err != nil {
		return err
	}
	o, err := s.outlook(r)
	if err != nil {
		return err
	}
	flags, err := s.Forecast.Read.RiskFlags(r.Context(), forecast.FlagFilter{})
	if err != nil {
		return err
	}
	if len(flags) > 50 {
		flags = flags[:50]
	}
	v := forecastView{Report: rep, AtRisk: o.AtRisk(""), Flags: flags, Top: chartPad, Base: chartPad + chartSide, Size: 2*chartPad + chartSide, MinSample: forecast.MinSample,
		From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	v.Calibration, v.Polyline, v.Ticks = calibration(rep)
	marking := max(rep.Classification, entriesMarking(v.AtRisk))
	for _, f := range flags {
		marking = max(marking, f.Classification)
	}
	return s.page(w, r, 200, "forecast", "Forecasts", v, marking)
}

func (s *Server) apiBacktest(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.backtest(r)
	if err != nil {
		return err
	}
	type score struct {
		forecast.Score
		MAEDays     string `json:"mean_absolute_error_days"`
		CoveragePPM int64  `json:"inside_80_ppm"`
		// AtOrBelowPPM are the shares of AtOrBelow, in parts per million.
		AtOrBelowPPM [9]int64 `json:"at_or_below_ppm"`
	}
	view := func(sc forecast.Score) score {
		v := score{Score: sc, MAEDays: report.Days(sc.MAETenths()), CoveragePPM: sc.CoveragePPM()}
		for k := range v.AtOrBelowPPM {
			v.AtOrBelowPPM[k] = sc.AtOrBelowPPM(k)
		}
		return v
	}
	out := struct {
		From      forecast.Day `json:"from,omitempty"`
		To        forecast.Day `json:"to"`
		MinSample int          `json:"min_sample"`
		Overall   score        `json:"overall"`
		Nations   []score      `json:"nations"`
	}{From: rep.From, To: rep.To, MinSample: forecast.MinSample, Overall: view(rep.Overall), Nations: []score{}}
	for _, n := range rep.Nations {
		out.Nations = append(out.Nations, view(n))
	}
	return writeJSON(w, 200, out)
}

func (s *Server) apiAtRisk(w http.ResponseWriter, r *http.Request) error {
	o, err := s.outlook(r)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, struct {
		Day   forecast.Day     `json:"day"`
		Lines []forecast.Entry `json:"lines"`
	}{o.Today, o.AtRisk(strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("nation"))))})
}

// pledgeForecast is a pledge's open lines with their forecasts, and every
// early warning kept of its lines.
type pledgeForecast struct {
	Pledge   int64            `json:"pledge"`
	Ref      string           `json:"ref"`
	Promised string           `json:"promised"`
	Lines    []forecast.Entry `json:"lines"`
	Flags    []forecast.Flag  `json:"flags"`
}

func (s *Server) pledgeForecast(r *http.Request, p assist.Pledge) (pledgeForecast, error) {
	o, err := s.outlook(r)
	if err != nil {
		return pledgeForecast{}, err
	}
	flags, err := s.Forecast.Read.RiskFlags(r.Context(), forecast.FlagFilter{Pledge: p.ID})
	if err != nil {
		return pledgeForecast{}, err
	}
	return pledgeForecast{Pledge: p.ID, Ref: p.Ref(), Promised: p.PromisedText(), Lines: o.Pledge(p.ID), Flags: flags}, nil
}

func (s *Server) apiPledgeForecast(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Ledger.Pledge(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := s.pledgeForecast(r, p)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, f)
}

// requirementForecast is when a requirement is expected to be met, from
// the forecasts of the lines allocated to it.
type requirementForecast struct {
	Requirement int64               `json:"requirement"`
	Ref         string              `json:"ref"`
	NeedBy      string              `json:"need_by"`
	Fulfilment  forecast.Fulfilment `json:"fulfilment"`
	Lines       []forecast.Entry    `json:"lines"`
	// ByLine are the entries of Lines by line id, for the page.
	ByLine map[int64]*forecast.Entry `json:"-"`
}

func (s *Server) requirementForecast(r *http.Request, q assist.Requirement, allocs []assist.Allocation) (requirementForecast, error) {
	o, err := s.outlook(r)
	if err != nil {
		return requirementForecast{}, err
	}
	out := requirementForecast{Requirement: q.ID, Ref: q.Ref(), NeedBy: q.NeedBy, Lines: []forecast.Entry{}}
	var as []forecast.Allocation
	for _, a := range allocs {
		as = append(as, forecast.Allocation{Line: a.LineID, Quantity: a.Quantity, Delivered: a.Delivered})
		if e, ok := o.Line(a.LineID); ok && !slices.ContainsFunc(out.Lines, func(x forecast.Entry) bool { return x.Line.ID == a.LineID }) {
			out.Lines = append(out.Lines, e)
		}
	}
	out.Fulfilment = o.Fulfilment(q.Quantity, as)
	out.ByLine = map[int64]*forecast.Entry{}
	for i := range out.Lines {
		out.ByLine[out.Lines[i].Line.ID] = &out.Lines[i]
	}
	return out, nil
}

func (s *Server) apiRequirementForecast(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.requirementDetail(r, id)
	if err != nil {
		return err
	}
	f, err := s.requirementForecast(r, d.Requirement, d.Allocations)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, f)
}
