package web_test

// BenchmarkDemoPlan makes an allocation plan over the demo through the web
// UI, as a coordinator does: POST /plans (plan and save) and GET /plans/N
// (the review page). Target: under a second. Run with:
//   go test ./internal/web -run XXX -bench DemoPlan

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func BenchmarkDemoPlan(b *testing.B) {
	_, h, token := benchDemo(b)
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for b.Loop() {
		made := do("POST", "/plans", "horizon=30")
		if made.Code != http.StatusSeeOther {
			b.Fatalf("make: %d %s", made.Code, made.Body.String())
		}
		loc := made.Header().Get("Location")
		page := do("GET", strings.SplitN(loc, "?", 2)[0], "")
		if page.Code != http.StatusOK || !strings.Contains(page.Body.String(), `id="approve"`) {
			b.Fatalf("review of %s: %d %.3000s", loc, page.Code, page.Body.String())
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/1e6, "ms/plan")
	b.ReportMetric(float64(per)/float64(time.Second), "x-target")
}
