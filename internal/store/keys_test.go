package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// The sign-in key is made when a database is first opened, at random,
// and every later opening of the same database reads the same one.
func TestSignInKeyIsMadeOnceAndKept(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			first := storetest.Open(t, d, time.Now())
			k1, err := first.SignInKey(context.Background())
			if err != nil || len(k1) != 32 || bytes.Equal(k1, make([]byte, 32)) {
				t.Fatalf("key %x %v", k1, err)
			}
			again, err := store.Open(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			k2, err := again.SignInKey(context.Background())
			if err != nil || !bytes.Equal(k1, k2) {
				t.Errorf("reopened: %x %v, want %x", k2, err, k1)
			}
			other := storetest.Open(t, dsn(t), time.Now())
			if k3, _ := other.SignInKey(context.Background()); bytes.Equal(k1, k3) {
				t.Error("two databases share a key")
			}
		})
	}
}
