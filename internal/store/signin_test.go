package store_test

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestThrottleCountsOnceAcrossServers counts failed sign-ins from two
// handles of one PostgreSQL database at once, as two servers would: every
// attempt gets a count of its own, and windows start again once over.
func TestThrottleCountsOnceAcrossServers(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	a, b := store.Throttle{DB: storetest.Open(t, dsn, now)}, store.Throttle{DB: storetest.Open(t, dsn, now)}
	ctx := context.Background()
	since := now.Add(-15 * time.Minute)
	var mu sync.Mutex
	var seen []int
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			th := a
			if i%2 == 1 {
				th = b
			}
			c, err := th.Count(ctx, []string{"account:x"}, now, since)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen = append(seen, c["account:x"].Count)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(seen)
	for i, n := range seen {
		if n != i+1 {
			t.Fatalf("counts %v: two attempts at once shared a count", seen)
		}
	}
	got, err := b.Failures(ctx, []string{"account:x", "account:y"}, since)
	if err != nil || got["account:x"].Count != 20 || !got["account:x"].Since.Equal(now) || len(got) != 1 {
		t.Fatalf("failures %+v, %v", got, err)
	}
	if err := a.Uncount(ctx, []string{"account:x"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Failures(ctx, []string{"account:x"}, since); got["account:x"].Count != 19 {
		t.Errorf("after taking one back: %+v", got)
	}
	// A window over starts again, and the counts it held are dropped.
	later := now.Add(15 * time.Minute)
	c, err := a.Count(ctx, []string{"account:x"}, later, later.Add(-15*time.Minute))
	if err != nil || c["account:x"].Count != 1 || !c["account:x"].Since.Equal(later) {
		t.Errorf("a count after the window: %+v, %v", c, err)
	}
	if err := b.Forget(ctx, []string{"account:x"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Failures(ctx, []string{"account:x"}, since); len(got) != 0 {
		t.Errorf("after forgetting: %+v", got)
	}
	// Counting costs no write-ahead log: the table is UNLOGGED.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var persistence string
	if err := raw.QueryRowContext(ctx, `SELECT c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'signin_failures' AND n.nspname = current_schema()`).Scan(&persistence); err != nil || persistence != "u" {
		t.Errorf("signin_failures persistence %q (%v), want u (unlogged)", persistence, err)
	}
}
