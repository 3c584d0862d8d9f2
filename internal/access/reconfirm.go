package access

import (
	"context"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// RecentSignIn is how long after signing in a user whose account has no
// password of Longhaul's (one made by single sign-on) may take an act
// that others confirm with their password.
const RecentSignIn = 10 * time.Minute

// reconfirm checks that the signed-in user u is who they say before an
// act that weakens their account: their password, given again, when the
// account has one; else a sign-in of the last RecentSignIn. A wrong
// password counts against the account's sign-in throttle, as at the
// sign-in form, so that a stolen session cannot guess it faster than a
// stranger could; the right one is taken back.
func (s *Service) reconfirm(ctx context.Context, u User, password, field string) error {
	me := IdentityFrom(ctx)
	now := s.now()
	if u.PasswordHash == "" {
		if me.Via == "session" && !me.SignedInAt.IsZero() && now.Sub(me.SignedInAt) <= RecentSignIn {
			return nil
		}
		return fault.Errorf(fault.Forbidden, "your account signs in through single sign-on: sign in again, then do this within %s", WaitWords(RecentSignIn))
	}
	keys := []string{"account:" + u.Name}
	if err := s.countAgainst(ctx, keys, u.Name, "", now); err != nil {
		return err
	}
	if !VerifyPassword(u.PasswordHash, password) {
		s.tally().add(refusal{Action: "session.reconfirm_failed", Subject: u.Name}, now)
		return fault.Field(field, "is not your password")
	}
	return s.throttle().Uncount(ctx, keys)
}

// HasOwnPassword reports whether the signed-in user's account has a
// password of Longhaul's, which the acts that weaken it ask for again.
func (s *Service) HasOwnPassword(ctx context.Context) (bool, error) {
	me := IdentityFrom(ctx)
	if me.UserID == 0 {
		return false, fault.Errorf(fault.Unauthorized, "sign in first")
	}
	u, err := s.Read.UserByID(ctx, me.UserID)
	if err != nil {
		return false, err
	}
	return u.PasswordHash != "", nil
}
