package web_test

import (
	"context"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/store/storetest"
)

// BenchmarkWriteUnderForgedFlood times real pledge writes while four
// clients without valid credentials send forged tokens as fast as they can
// (rate limits off, as for an attacker with many addresses), against the
// same writes with no flood, in one run. It reports the median write, the
// forged requests answered and the audit events they added: refusals of
// callers not signed in are counted in memory, so the flood adds none.
func BenchmarkWriteUnderForgedFlood(b *testing.B) {
	benchQuiet(b)
	for _, flood := range []bool{false, true} {
		name := "quiet"
		if flood {
			name = "flood"
		}
		b.Run(name, func(b *testing.B) {
			url, token, db := benchServerDB(b)
			c := benchClient(b)
			if err := benchPost(c, url, token); err != nil { // the token's first use, audited
				b.Fatal(err)
			}
			events := func() int {
				evs, err := db.Events(storetest.Ctx(), "", "", 10_000_000)
				if err != nil {
					b.Fatal(err)
				}
				return len(evs)
			}
			before := events()
			ctx, stop := context.WithCancel(context.Background())
			var forged atomic.Int64
			var wg sync.WaitGroup
			if flood {
				fc := benchClient(b)
				for i := 0; i < 4; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for ctx.Err() == nil {
							req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/pledges", nil)
							req.Header.Set("Authorization", "Bearer lh_forgedforgedforgedforgedforgedforgedforg")
							res, err := fc.Do(req)
							if err != nil {
								continue
							}
							io.Copy(io.Discard, res.Body)
							res.Body.Close()
							forged.Add(1)
						}
					}()
				}
				time.Sleep(200 * time.Millisecond) // the flood is running before the first write
			}
			var times []time.Duration
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				if err := benchPost(c, url, token); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
			}
			elapsed := time.Since(start)
			stop()
			wg.Wait()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median-write")
			b.ReportMetric(float64(forged.Load())/elapsed.Seconds(), "forged/s")
			b.ReportMetric(float64(events()-before-len(times)), "events-beyond-writes")
		})
	}
}
