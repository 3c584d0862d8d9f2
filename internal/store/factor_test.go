package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestSecondFactorCodeIsTakenOnceAtOnce enrols a user through the store,
// then sends one code in as many second steps at once as the throttle
// lets through: one opens a session,
// the others are refused, on either engine. A recovery code, likewise,
// is taken once.
func TestSecondFactorCodeIsTakenOnceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		acc := &access.Service{Store: store.Access{DB: db}, Read: db, Now: db.Now,
			Factor: &access.SecondFactor{Store: store.Factors{DB: db}, Read: db}}
		u, err := acc.CreateUser(storetest.Ctx(), access.NewUser{Name: "owner", Nation: "DEU", Roles: []access.Role{access.Coordinator}, Clearance: access.Secret, Password: "the right passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		me := access.WithIdentity(context.Background(), u.Identity("session"))
		if err := acc.BeginEnrolment(me); err != nil {
			t.Fatal(err)
		}
		st, err := acc.FactorState(me)
		if err != nil {
			t.Fatal(err)
		}
		first, _ := access.TOTPCode(st.Secret, db.Now())
		codes, err := acc.ConfirmEnrolment(me, first)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := acc.FactorState(me); !st.Active || st.RecoveryLeft != access.RecoveryCodes {
			t.Fatalf("after confirming: %+v", st)
		}
		clock := db.Now().Add(time.Minute)
		db.Now, acc.Now = func() time.Time { return clock }, func() time.Time { return clock }
		code, _ := access.TOTPCode(st.Secret, clock)
		for round, try := range []string{code, codes[0]} {
			if round > 0 {
				// The refused replays of the round before have had their window.
				clock = clock.Add(access.SignInWindow)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			opened := 0
			for range access.MaxFactorFailures {
				in, err := acc.SignIn(context.Background(), access.Attempt{Name: "owner", Password: "the right passphrase", From: "192.0.2.1"})
				if err != nil || in.Challenge == "" {
					t.Fatalf("password step: %+v, %v", in, err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := acc.CompleteSignIn(context.Background(), access.SecondStep{Challenge: in.Challenge, Code: try, From: "192.0.2.1"})
					mu.Lock()
					defer mu.Unlock()
					switch err {
					case nil:
						opened++
					case access.CodeFailed:
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if opened != 1 {
				t.Errorf("%q sent %d times at once opened %d sessions, want 1", try, access.MaxFactorFailures, opened)
			}
		}
		if st, _ := acc.FactorState(me); st.RecoveryLeft != access.RecoveryCodes-1 {
			t.Errorf("recovery codes left: %d", st.RecoveryLeft)
		}
	})
}
