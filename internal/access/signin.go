package access

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// Sign-in is throttled without letting anyone lock the owner out. A
// browser that has signed in to an account gets a device cookie for it;
// its failed attempts count against that device only. Attempts from
// anywhere else count against the account name typed (whether or not it
// exists, so the answer never tells which names do) and against the
// address, and past a few in a window those are refused until the window
// has passed: an attacker guessing from new devices gets a handful of
// tries per window, and the owner, on a browser they signed in with before,
// is not slowed at all.
const (
	// SignInWindow is how long failures count.
	SignInWindow = 15 * time.Minute
	// MaxAccountFailures is how many failures an account takes from
	// devices it has not signed in from, per window.
	MaxAccountFailures = 5
	// MaxAddressFailures is how many failures one address makes on
	// devices not known, per window, over every name it tries.
	MaxAddressFailures = 20
	// MaxDeviceFailures is how many failures one known device makes per
	// window before it counts as not known.
	MaxDeviceFailures = 10
	// DeviceLifetime is how long a device cookie is honoured.
	DeviceLifetime = 365 * 24 * time.Hour
)

// Device is a browser a user signed in with.
type Device struct {
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Failures is what a throttle counts for a key: how many failures since
// the start of the key's window.
type Failures struct {
	Count int
	Since time.Time
}

// Throttle keeps the counts of failed sign-ins, where every server
// answering for the same accounts sees them. An attempt is counted before
// the password is checked and taken back when it succeeds, so that
// attempts sent at once cannot all pass the check before any is counted.
type Throttle interface {
	// Failures returns the failures of each key whose window started
	// after since; a key without any is absent.
	Failures(ctx context.Context, keys []string, since time.Time) (map[string]Failures, error)
	// Count counts an attempt at at for each key, in one step with reading
	// the counts it returns. A key whose window started at or before
	// since starts a new one at at.
	Count(ctx context.Context, keys []string, at, since time.Time) (map[string]Failures, error)
	// Uncount takes back one attempt of each key.
	Uncount(ctx context.Context, keys []string) error
	// Forget drops the failures of keys.
	Forget(ctx context.Context, keys []string) error
}

// SignInFailed is the one answer to a failed sign-in, whatever the reason,
// so that it does not tell whether the name exists.
var SignInFailed = fault.Errorf(fault.Unauthorized, "the name or password is wrong, or the account is disabled")

// Attempt is one sign-in: the name and password typed, the client's
// address and the device cookie its browser sent, if any.
type Attempt struct {
	Name, Password, From, Device string
}

// Opened is a sign-in that succeeded: the session and its secret (for
// the cookie), and a new device cookie when the browser had none for this
// account.
type Opened struct {
	User    User
	Secret  string
	Session Session
	Device  string
	// Second factor (totp.go): Challenge, when set, is all a password
	// step of a user with a second factor gives (no session yet);
	// MustEnrol says the user's role requires a factor they do not have;
	// RecoveryLeft, after a recovery code, is how many remain.
	Challenge    string
	MustEnrol    bool
	RecoveryLeft *int
}

// SignIn checks a name and password and opens a session. A success is
// audited at once. A failure costs no durable write: it counts against the
// throttle's keys and, with the refusals of others not signed in, reaches
// the audit trail in the next access.refused_summary. While the attempt's
// keys are over their limit, it is refused with TooMany, and the password
// is not even checked.
func (s *Service) SignIn(ctx context.Context, a Attempt) (Opened, error) {
	name := strings.ToLower(strings.TrimSpace(a.Name))
	now := s.now()
	since := now.Add(-SignInWindow)
	if len(name) > MaxNameLength {
		return Opened{}, s.noSuchName(ctx, name, a.From, now)
	}
	// Everything up to a success is read outside any write transaction,
	// so that guesses, however many, never wait for or hold the writer.
	u, err := s.Read.UserByName(ctx, name)
	found := err == nil
	if err != nil && fault.Code(err) != fault.NotFound {
		return Opened{}, err
	}
	keys, device, counts, err := s.throttleKeys(ctx, a, name, u, found, since)
	if err != nil {
		return Opened{}, err
	}
	th := s.throttle()
	if err := s.countAttempt(ctx, counts, keys, name, a.From, now, since); err != nil {
		return Opened{}, err
	}
	if !s.passwordHolds(u, found, a.Password) {
		s.tally().add(refusal{Action: "session.signin_failed", Subject: name, From: a.From}, now)
		return Opened{}, SignInFailed
	}
	if s.PasswordAdminsOnly && !slices.Contains(u.Roles, Admin) {
		// Single sign-on: not even a second factor's challenge.
		s.tally().add(refusal{Action: "session.signin_failed", Subject: name, From: a.From}, now)
		return Opened{}, PasswordNotHere
	}
	// --- second factor (totp.go): a user with one gets a challenge, not
	// a session; the password was right, so its attempt is taken back. A
	// user whose passkeys do not sign in here is refused, and told why.
	if ch, err := s.secondStepDue(ctx, u); err != nil || ch != "" {
		if fault.Code(err) == fault.Unauthorized {
			s.tally().add(refusal{Action: "session.factor_unusable", Subject: name, From: a.From}, now)
		}
		if err == nil || fault.Code(err) == fault.Unauthorized {
			if uerr := th.Uncount(ctx, keys); err == nil {
				err = uerr
			}
		}
		return Opened{Challenge: ch}, err
	}
	// --- end second factor
	var out Opened
	err = s.Store.Transact(ctx, func(tx Tx) error {
		// The account as it is now: changed since it was read (disabled,
		// a new password), it takes no session on the old one.
		cur, err := tx.UserByName(ctx, name)
		if err != nil || cur.ID != u.ID || cur.Disabled || cur.PasswordHash != u.PasswordHash {
			if err != nil && fault.Code(err) != fault.NotFound {
				return err
			}
			return SignInFailed
		}
		// Single sign-on: password sign-in may be kept for administrators.
		if s.PasswordAdminsOnly && !slices.Contains(cur.Roles, Admin) {
			return PasswordNotHere
		}
		return s.openSession(ctx, tx, cur, device, &out, map[string]string{"from": a.From})
	})
	out.MustEnrol = s.RequiresFactor(out.User.Identity("session")) // second factor: none active, or it would have been asked
	if errors.Is(err, SignInFailed) || errors.Is(err, PasswordNotHere) {
		s.tally().add(refusal{Action: "session.signin_failed", Subject: name, From: a.From}, now)
	}
	if err != nil {
		return Opened{}, err
	}
	if device != "" {
		// The owner is back on their device: its own count starts again.
		err = th.Forget(ctx, keys)
	} else {
		// A success is no failure: its attempt is taken back.
		err = th.Uncount(ctx, keys)
	}
	if err != nil {
		return Opened{}, err
	}
	return out, nil
}

// noSuchName refuses a sign-in with a name longer than any account may
// have, as a wrong name is refused, before anything is looked up: it
// counts against the address alone, since a throttle key per invented
// name would cost memory by the size of the name.
func (s *Service) noSuchName(ctx context.Context, name, from string, now time.Time) error {
	if err := s.countAgainst(ctx, []string{"address:" + from}, name, from, now); err != nil {
		return err
	}
	s.tally().add(refusal{Action: "session.signin_failed", Subject: name, From: from}, now)
	return SignInFailed
}

// countAgainst counts an attempt at now against keys, reading their
// failures first (countAttempt): for the attempts whose keys are known
// before anything is looked up.
func (s *Service) countAgainst(ctx context.Context, keys []string, name, from string, now time.Time) error {
	since := now.Add(-SignInWindow)
	counts, err := s.throttle().Failures(ctx, keys, since)
	if err != nil {
		return err
	}
	return s.countAttempt(ctx, counts, keys, name, from, now, since)
}

// countAttempt counts an attempt against keys, whose failures since are
// counts. It is refused with TooMany, and not counted, when a key is over
// its limit already (no write at all); counted, it is refused when others
// sent at the same moment came first.
func (s *Service) countAttempt(ctx context.Context, counts map[string]Failures, keys []string, name, from string, now, since time.Time) error {
	if err := s.overThrottle(counts, keys, 0, name, from, now); err != nil {
		return err
	}
	counts, err := s.throttle().Count(ctx, keys, now, since)
	if err != nil {
		return err
	}
	return s.overThrottle(counts, keys, 1, name, from, now)
}

// overThrottle returns the refusal of an attempt when one of its keys has
// more than its limit of failures, counting itself (self 1) or not (0).
func (s *Service) overThrottle(counts map[string]Failures, keys []string, self int, name, from string, now time.Time) error {
	for _, k := range keys {
		if f, ok := counts[k]; ok && f.Count-self >= signInLimit(k) {
			wait := f.Since.Add(SignInWindow).Sub(now)
			s.tally().add(refusal{Action: "session.signin_throttled", Subject: name, From: from}, now)
			if strings.HasPrefix(k, "factor:") {
				// Codes count against the account wherever they are typed.
				return TooMany(wait, "%s: try again in %s", throttledWhy(k), WaitWords(wait))
			}
			return TooMany(wait, "%s: try again in %s, or sign in from a browser you have signed in with before", throttledWhy(k), WaitWords(wait))
		}
	}
	return nil
}

// throttleKeys returns the keys an attempt counts against, the hash of its
// device cookie when the cookie is one the named account (u, when found)
// signed in with and that has not failed too often, and the failures of
// every key it considered, read in one step.
func (s *Service) throttleKeys(ctx context.Context, a Attempt, name string, u User, found bool, since time.Time) ([]string, string, map[string]Failures, error) {
	untrusted := []string{"account:" + name, "address:" + a.From}
	considered, h := untrusted, ""
	if found && a.Device != "" && len(a.Device) <= 200 {
		d, err := s.Read.DeviceByHash(ctx, Hash(a.Device))
		switch {
		case err == nil && d.UserID == u.ID && s.now().Sub(d.CreatedAt) <= DeviceLifetime:
			h = Hash(a.Device)
			considered = append([]string{"device:" + h}, untrusted...)
		case err != nil && fault.Code(err) != fault.NotFound:
			return nil, "", nil, err
		}
	}
	counts, err := s.throttle().Failures(ctx, considered, since)
	if err != nil {
		return nil, "", nil, err
	}
	if h != "" && counts["device:"+h].Count < MaxDeviceFailures {
		return []string{"device:" + h}, h, counts, nil
	}
	return untrusted, "", counts, nil
}

func signInLimit(key string) int {
	switch {
	case strings.HasPrefix(key, "account:"):
		return MaxAccountFailures
	case strings.HasPrefix(key, "address:"):
		return MaxAddressFailures
	case strings.HasPrefix(key, "factor:"):
		return MaxFactorFailures
	default:
		return MaxDeviceFailures
	}
}

func throttledWhy(key string) string {
	if strings.HasPrefix(key, "address:") {
		return "too many failed sign-ins from this address"
	}
	if strings.HasPrefix(key, "factor:") {
		return "too many wrong codes for this account"
	}
	return "too many failed sign-ins to this account"
}

// WaitWords is a wait as a person reads it: "3 minutes", "40 seconds".
func WaitWords(d time.Duration) string {
	if d < time.Minute {
		if n := int((d + time.Second - 1) / time.Second); n > 1 {
			return fmt.Sprintf("%d seconds", n)
		}
		return "1 second"
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

func (s *Service) throttle() Throttle {
	if s.Throttle != nil {
		return s.Throttle
	}
	s.tally() // the one place the service's lazy parts are made
	return s.memory
}

// MemoryThrottle keeps failed sign-ins in this server's memory: right for
// a server that is the only one answering for its database (SQLite).
type MemoryThrottle struct {
	mu sync.Mutex
	m  map[string]Failures
}

// Failures implements Throttle.
func (t *MemoryThrottle) Failures(_ context.Context, keys []string, since time.Time) (map[string]Failures, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]Failures{}
	for _, k := range keys {
		if f, ok := t.m[k]; ok && f.Since.After(since) {
			out[k] = f
		}
	}
	return out, nil
}

// Count implements Throttle.
func (t *MemoryThrottle) Count(_ context.Context, keys []string, at, since time.Time) (map[string]Failures, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]Failures{}
	}
	if len(t.m) > 100_000 {
		for k, f := range t.m {
			if !f.Since.After(since) {
				delete(t.m, k)
			}
		}
	}
	out := map[string]Failures{}
	for _, k := range keys {
		f := t.m[k]
		if !f.Since.After(since) {
			f = Failures{Since: at}
		}
		f.Count++
		t.m[k] = f
		out[k] = f
	}
	return out, nil
}

// Uncount implements Throttle.
func (t *MemoryThrottle) Uncount(_ context.Context, keys []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if f, ok := t.m[k]; ok {
			if f.Count <= 1 {
				delete(t.m, k)
			} else {
				f.Count--
				t.m[k] = f
			}
		}
	}
	return nil
}

// Forget implements Throttle.
func (t *MemoryThrottle) Forget(_ context.Context, keys []string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.m, k)
	}
	return nil
}
