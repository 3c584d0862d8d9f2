package store_test

// BenchmarkLessonSearch searches 100,000 lessons for a word found in about
// one in twenty of them and reads the first page (50), as a reader cleared
// to NATO UNCLASSIFIED (a tenth are restricted), on SQLite and PostgreSQL.
// Target: under 50 ms. Run with:
//   LONGHAUL_TEST_POSTGRES=… go test ./internal/store -run XXX -bench LessonSearch -benchtime 20x

import (
	"fmt"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func BenchmarkLessonSearch(b *testing.B) {
	vocab := make([]string, 400)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("word%03d", i)
	}
	vocab[0], vocab[1], vocab[2] = "seeker", "frost", "engine"
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) {
			benchQuiet(b)
			db := storetest.Open(b, benchDSN(b, engine), benchNow)
			if err := db.InsertLessonsForBench(100_000, vocab); err != nil {
				b.Fatal(err)
			}
			reader := benchCtx(access.Identity{UserID: 3, Name: "bench-reader", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Unclassified, Via: "token"})
			first, err := db.SearchLessons(reader, lessons.Filter{Q: "seeker"}, list.Options{})
			if err != nil || len(first.Items) != 50 {
				b.Fatalf("first page: %d of %d, %v", len(first.Items), first.Total, err)
			}
			for _, l := range first.Items {
				if l.Classification != 0 {
					b.Fatal("a restricted lesson in an unclassified reader's results")
				}
			}
			for b.Loop() {
				if _, err := db.SearchLessons(reader, lessons.Filter{Q: "seeker"}, list.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Total), "matches")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
		})
	}
}
