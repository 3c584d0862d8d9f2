package reliability

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Facts reads the pledge lines the reader of ctx may see, with their
// deliveries, of nation only when it is not empty, and the highest
// classification among their pledges.
type Facts interface {
	DeliveryFacts(ctx context.Context, nation string) ([]Line, access.Classification, error)
}

// Query selects the lines to measure and how to group them.
type Query struct {
	Nation string // a nation's code, or empty for every nation
	By     string // a grouping of Bys; ByNation when empty
}

// Service measures reliability over the facts its store reads.
type Service struct {
	Facts Facts
}

var nationCode = regexp.MustCompile(`^[A-Z]{3}$`)

// Measure is the reliability of the lines q selects, as the reader of ctx
// may see them, on the day asOf. The report carries the highest
// classification of the pledges it counts.
func (s *Service) Measure(ctx context.Context, q Query, asOf time.Time) (Report, error) {
	q.Nation = strings.ToUpper(strings.TrimSpace(q.Nation))
	if q.By == "" {
		q.By = ByNation
	}
	var errs fault.List
	if !slices.Contains(Bys, q.By) {
		errs.Add("by", "%q is not a grouping: use one of %s", q.By, strings.Join(Bys, ", "))
	}
	if q.Nation != "" && !nationCode.MatchString(q.Nation) {
		errs.Add("nation", "%q is not a nation's code: give three letters, e.g. DEU", q.Nation)
	}
	if err := errs.Err(); err != nil {
		return Report{}, err
	}
	lines, marking, err := s.Facts.DeliveryFacts(ctx, q.Nation)
	if err != nil {
		return Report{}, err
	}
	r := Compute(lines, q.By, asOf)
	r.Nation, r.Marking = q.Nation, marking
	if q.Nation != "" {
		// The row of every line is the nation's; its key stays ALL.
		r.All.Name, r.All.Label = q.Nation, q.Nation
		for _, l := range lines {
			if l.NationName != "" {
				r.All.Name, r.All.Label = l.NationName, l.NationName+" ("+q.Nation+")"
				break
			}
		}
	}
	return r, nil
}
