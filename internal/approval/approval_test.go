package approval

import (
	"context"
	"errors"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
)

// fakeTx is a transaction over one input whose version the test moves.
type fakeTx struct {
	input   *int
	applied *int
}

type fakeStore struct{ input, applied int }

func (s *fakeStore) Transact(ctx context.Context, fn func(fakeTx) error) error {
	input, applied := s.input, s.applied
	tx := fakeTx{input: &input, applied: &applied}
	if err := fn(tx); err != nil {
		return err
	}
	s.input, s.applied = input, applied
	return nil
}

func fingerprintOf(_ context.Context, tx fakeTx) (string, error) {
	return string(rune('a' + *tx.input)), nil
}

func TestApplyChecksTheFingerprintInsideTheTransaction(t *testing.T) {
	ctx := context.Background()
	apply := func(_ context.Context, tx fakeTx) error { *tx.applied++; return nil }
	cases := []struct {
		name     string
		reviewed string
		input    int
		code     string
		applied  int
	}{
		{"unchanged", "a", 0, "", 1},
		{"an input changed after the review", "a", 1, fault.Conflict, 0},
		{"no fingerprint", "", 0, fault.Invalid, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &fakeStore{input: c.input}
			err := Apply(ctx, st, Review{What: "the plan", Fingerprint: c.reviewed}, fingerprintOf, apply)
			if fault.Code(err) != c.code {
				t.Fatalf("error %v, want code %q", err, c.code)
			}
			if st.applied != c.applied {
				t.Fatalf("applied %d times, want %d", st.applied, c.applied)
			}
		})
	}
}

func TestApplyKeepsTheApplyError(t *testing.T) {
	boom := errors.New("boom")
	st := &fakeStore{}
	err := Apply(context.Background(), st, Review{What: "x", Fingerprint: "a"}, fingerprintOf, func(context.Context, fakeTx) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}
