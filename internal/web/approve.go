package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// planApproval is what a seat or repair planner's approval needs of the
// web: its defaults, how to make the plan again (for its page, and to have
// the proposal the reviewer approves), the use case that applies it, and
// how to tell the reviewer what it did. The fingerprint is compared inside
// the use case's transaction (internal/approval); this is only the HTTP.
type planApproval[V any] struct {
	horizon  int                                                            // days, when the request names none
	replan   func(r *http.Request, start time.Time, horizon int) (V, error) // the proposal and its page
	approve  func(r *http.Request, v V, in reviewedPlan) (int, error)
	withErr  func(v V, msg string) V // the page again, with the refusal's message
	template string
	title    string
	done     func(n int) string // where to go after the approval, with its message
	apiKey   string             // "assigned", "enrolled"
}

// reviewedPlan is the plan the reviewer approves: when it starts, over how
// many days, and the fingerprint of its inputs as they saw them.
type reviewedPlan struct {
	Start       time.Time `json:"start"`
	Horizon     int       `json:"horizon_days"`
	Fingerprint string    `json:"fingerprint"`
}

func (a planApproval[V]) apply(r *http.Request, in reviewedPlan) (int, error) {
	if in.Start.IsZero() {
		return 0, fault.Field("start", "give the plan's start, as the plan gave it")
	}
	if in.Horizon == 0 {
		in.Horizon = a.horizon
	}
	v, err := a.replan(r, in.Start, in.Horizon)
	if err != nil {
		return 0, err
	}
	return a.approve(r, v, in)
}

// ui approves the plan a form sent and shows the plan again, with the
// reason, when it is refused.
func (a planApproval[V]) ui(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := r.ParseForm(); err != nil {
			return &fault.Error{Code: malformed, Message: "the form could not be read"}
		}
		f := r.PostForm
		in := reviewedPlan{Fingerprint: f.Get("fingerprint")}
		in.Horizon, _ = strconv.Atoi(f.Get("horizon"))
		in.Start, _ = time.Parse(time.RFC3339, f.Get("start"))
		n, err := a.apply(r, in)
		if err != nil {
			e := fault.As(err)
			if e == nil || e.Code == fault.Internal {
				return err
			}
			v, verr := a.replan(r, s.Now().UTC().Truncate(time.Second), max(in.Horizon, 7))
			if verr != nil {
				return err
			}
			return s.page(w, r, statusFor(err), a.template, a.title, a.withErr(v, e.Message), access.Unclassified)
		}
		http.Redirect(w, r, a.done(n), http.StatusSeeOther)
		return nil
	}
}

// api approves the plan a JSON body names.
func (a planApproval[V]) api() handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in reviewedPlan
		if err := decode(w, r, &in); err != nil {
			return err
		}
		n, err := a.apply(r, in)
		if err != nil {
			return err
		}
		return writeJSON(w, 201, map[string]int{a.apiKey: n})
	}
}
