package sso

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// TestDiscoveryThatFailsIsNotAskedForByEveryone: a provider that does not
// answer discovery is asked once, and those who come within RetryAfter get
// its error at once instead of each waiting for it in turn; after
// RetryAfter it is asked again.
func TestDiscoveryThatFailsIsNotAskedForByEveryone(t *testing.T) {
	var asked atomic.Int32
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer op.Close()
	c, err := New(Config{Issuer: op.URL, ClientID: "longhaul", RedirectURL: "http://localhost:8080" + CallbackPath, Rules: mustRules(t, exampleRules)})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return clock }
	for i := range 5 {
		if _, err := c.discover(); fault.Code(err) != fault.Unavailable {
			t.Fatalf("discovery %d: %v, want the provider unavailable", i, err)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the provider was asked %d times within %s, want once", n, RetryAfter)
	}
	clock = clock.Add(RetryAfter)
	c.discover()
	if n := asked.Load(); n != 2 {
		t.Errorf("the provider was asked %d times once %s had passed, want twice", n, RetryAfter)
	}
}
