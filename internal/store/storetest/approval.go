package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
)

// Refused checks the approval of a reviewed plan whose inputs changed
// since the review: run after change, approve must fail as a conflict and
// leave the database as it was.
func Refused(t *testing.T, db *store.DB, change func(t *testing.T), approve func() error) {
	t.Helper()
	change(t)
	before := Fingerprint(t, db)
	if err := approve(); fault.Code(err) != fault.Conflict {
		t.Fatalf("approving a plan whose inputs changed since its review: %v, want a conflict", err)
	}
	if Fingerprint(t, db) != before {
		t.Error("a refused approval changed the database")
	}
}

// Fingerprint is the digest of everything db holds, to check that a
// refused change wrote nothing.
func Fingerprint(t testing.TB, db *store.DB) string {
	t.Helper()
	fp, err := db.Fingerprint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// Race is one round of an approval racing a change of one of its plan's
// inputs.
type Race struct {
	Approve func() error
	Change  func() error
	// Written is what the approval writes (how many of its audit events,
	// the quantities it allocates, the state of what it assigns …): read
	// before the round and after a refused approval, it must not have
	// moved. It must be comparable.
	Written func(t *testing.T) any
	// Order returns, once both have committed, the sequence numbers in the
	// audit chain of the approval's last event and of the change's event.
	Order func(t *testing.T) (approved, changed int64)
	// Applied, when set, checks what an approval that went through wrote.
	Applied func(t *testing.T)
}

// NeverStale runs rounds races of an approval against a change of its
// inputs, each round as race prepares it, the change starting a little
// later from round to round so that it falls before, during and after the
// approval. A stale plan is never applied: either the approval fails as a
// conflict and writes nothing, or it committed before the change did (its
// audit events come first).
func NeverStale(t *testing.T, rounds int, race func(t *testing.T, round int) Race) {
	t.Helper()
	applied, refused := 0, 0
	for round := range rounds {
		r := race(t, round)
		written := r.Written(t)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var approveErr, changeErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			approveErr = r.Approve()
		}()
		go func() {
			defer wg.Done()
			<-start
			time.Sleep(time.Duration(round%10) * 30 * time.Microsecond)
			changeErr = r.Change()
		}()
		close(start)
		wg.Wait()
		if changeErr != nil {
			t.Fatalf("round %d: the change: %v", round, changeErr)
		}
		if approveErr != nil {
			if fault.Code(approveErr) != fault.Conflict {
				t.Fatalf("round %d: the approval refused with %v, want a conflict", round, approveErr)
			}
			if n := r.Written(t); n != written {
				t.Fatalf("round %d: a refused approval wrote (%d before, %d after)", round, written, n)
			}
			refused++
			continue
		}
		applied++
		if r.Applied != nil {
			r.Applied(t)
		}
		if approved, changed := r.Order(t); approved > changed {
			t.Fatalf("round %d: a stale plan was applied: approved at event %d, after its input changed at event %d", round, approved, changed)
		}
	}
	t.Logf("%d rounds: %d approvals applied before the change, %d refused after it", rounds, applied, refused)
}
