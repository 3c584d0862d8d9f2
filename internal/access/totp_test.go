package access

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// fakeFactors adds the second factor's tables to fakeAccounts, with a
// transaction that rolls back what fn wrote when it fails.
type fakeFactors struct {
	*fakeAccounts
	clock   *time.Time
	factors map[int64]Factor
	codes   map[int64]map[string]bool // hash → used
}

func (f *fakeFactors) Transact(ctx context.Context, fn func(FactorTx) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	before := len(f.audits) + f.sessions + len(f.devices)
	factors, codes := maps.Clone(f.factors), map[int64]map[string]bool{}
	for k, v := range f.codes {
		codes[k] = maps.Clone(v)
	}
	err := fn(f)
	if err != nil {
		f.factors, f.codes = factors, codes
	}
	if len(f.audits)+f.sessions+len(f.devices) != before {
		f.txs++
	}
	return err
}

func (f *fakeFactors) Now() time.Time { return *f.clock }

func (f *fakeFactors) FactorByUser(_ context.Context, id int64) (Factor, error) {
	if v, ok := f.factors[id]; ok {
		return v, nil
	}
	return Factor{}, fault.Errorf(fault.NotFound, "no factor")
}

func (f *fakeFactors) PutFactor(_ context.Context, v Factor) error {
	f.factors[v.UserID] = v
	delete(f.codes, v.UserID)
	return nil
}

func (f *fakeFactors) ConfirmFactor(_ context.Context, id int64, at time.Time, step int64) error {
	v := f.factors[id]
	v.ConfirmedAt, v.LastStep = &at, step
	f.factors[id] = v
	return nil
}

func (f *fakeFactors) DeleteFactor(_ context.Context, id int64) error {
	delete(f.factors, id)
	delete(f.codes, id)
	return nil
}

func (f *fakeFactors) TakeStep(_ context.Context, id, step int64) (bool, error) {
	v := f.factors[id]
	if step <= v.LastStep {
		return false, nil
	}
	v.LastStep = step
	f.factors[id] = v
	return true, nil
}

func (f *fakeFactors) ReplaceRecoveryCodes(_ context.Context, id int64, hashes []string, _ time.Time) error {
	f.codes[id] = map[string]bool{}
	for _, h := range hashes {
		f.codes[id][h] = false
	}
	return nil
}

func (f *fakeFactors) UseRecoveryCode(_ context.Context, id int64, hash string, _ time.Time) (bool, error) {
	used, ok := f.codes[id][hash]
	if !ok || used {
		return false, nil
	}
	f.codes[id][hash] = true
	return true, nil
}

func (f *fakeFactors) RecoveryCodesLeft(_ context.Context, id int64) (int, error) {
	n := 0
	for _, used := range f.codes[id] {
		if !used {
			n++
		}
	}
	return n, nil
}

func (f *fakeFactors) DeleteUserSessions(context.Context, int64) error {
	f.sessions = 0
	return nil
}

func (f *fakeAccounts) UserByID(_ context.Context, id int64) (User, error) {
	for _, u := range f.users {
		if u.ID == id {
			return u, nil
		}
	}
	return User{}, fault.Errorf(fault.NotFound, "no user %d", id)
}

func (r fakeReader) UserByID(ctx context.Context, id int64) (User, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.UserByID(ctx, id)
}

// factorReader reads the factor tables outside a transaction.
type factorReader struct{ f *fakeFactors }

func (r factorReader) FactorByUser(ctx context.Context, id int64) (Factor, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.FactorByUser(ctx, id)
}

func (r factorReader) PasskeysOfUser(context.Context, int64) ([]Passkey, error) { return nil, nil }

func (r factorReader) RecoveryCodesLeft(ctx context.Context, id int64) (int, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.RecoveryCodesLeft(ctx, id)
}

// factorService is a sign-in service with a second factor over fakes, its
// clock at a fixed instant that the test moves.
func factorService(t *testing.T, required ...Role) (*Service, *fakeFactors, *time.Time) {
	t.Helper()
	s, f, clock := signInService(t, "owner", "admin")
	ff := &fakeFactors{fakeAccounts: f, clock: clock, factors: map[int64]Factor{}, codes: map[int64]map[string]bool{}}
	a := f.users["admin"]
	a.Roles = []Role{Admin}
	f.users["admin"] = a
	o := f.users["owner"]
	o.Roles = []Role{Coordinator}
	f.users["owner"] = o
	s.Factor = &SecondFactor{Store: ff, Read: factorReader{ff}, Required: required}
	return s, ff, clock
}

func as(u User) context.Context { return WithIdentity(context.Background(), u.Identity("session")) }

// enrol enrols owner and returns their secret and recovery codes.
func enrol(t *testing.T, s *Service, f *fakeFactors) (string, []string) {
	t.Helper()
	ctx := as(f.users["owner"])
	if err := s.BeginEnrolment(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.FactorState(ctx)
	if err != nil || !st.Enrolling || st.Active || st.Secret == "" || !strings.HasPrefix(st.QRCode, "data:image/png;base64,") {
		t.Fatalf("enrolment state: %+v, %v", st, err)
	}
	if !strings.HasPrefix(st.URL, "otpauth://totp/Longhaul:owner?") || !strings.Contains(st.URL, "secret="+st.Secret) {
		t.Errorf("otpauth URL %q", st.URL)
	}
	if _, err := s.ConfirmEnrolment(ctx, "000000"); fault.As(err) == nil || fault.As(err).Field != "code" {
		t.Fatalf("a wrong first code: %v", err)
	}
	code, _ := TOTPCode(st.Secret, s.now())
	codes, err := s.ConfirmEnrolment(ctx, code)
	if err != nil || len(codes) != RecoveryCodes {
		t.Fatalf("confirm: %d codes, %v", len(codes), err)
	}
	return st.Secret, codes
}

func TestEnrolledSignInTakesEachCodeOnce(t *testing.T) {
	s, f, clock := factorService(t)
	secret, _ := enrol(t, s, f)
	ctx := context.Background()
	*clock = clock.Add(time.Minute) // the enrolment's code is spent
	sessions, writes := f.sessions, f.txs
	in, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase", From: "198.51.100.1"})
	if err != nil || in.Challenge == "" || in.Secret != "" {
		t.Fatalf("password step: %+v, %v", in, err)
	}
	if f.sessions != sessions || f.txs != writes {
		t.Fatalf("the password step wrote: %d sessions, %d transactions", f.sessions-sessions, f.txs-writes)
	}
	code, _ := TOTPCode(secret, *clock)
	cases := []struct {
		name  string
		step  SecondStep
		moved time.Duration
		want  error
	}{
		{"a wrong code", SecondStep{Challenge: in.Challenge, Code: "123456"}, 0, CodeFailed},
		{"a forged challenge", SecondStep{Challenge: "2" + in.Challenge[1:], Code: code}, 0, ChallengeExpired},
		{"the right code", SecondStep{Challenge: in.Challenge, Code: code}, 0, nil},
		{"the same code again", SecondStep{Challenge: in.Challenge, Code: code}, 0, CodeFailed},
		{"the same code half a period later", SecondStep{Challenge: in.Challenge, Code: code}, 15 * time.Second, CodeFailed},
		{"a challenge past its lifetime", SecondStep{Challenge: in.Challenge, Code: code}, ChallengeLifetime, ChallengeExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			*clock = clock.Add(c.moved)
			before := f.sessions
			out, err := s.CompleteSignIn(ctx, c.step)
			if err != c.want {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if (err == nil) != (f.sessions == before+1) || (err == nil && out.Secret == "") {
				t.Errorf("sessions %d → %d, secret %q", before, f.sessions, out.Secret)
			}
		})
	}
	// The next period's code opens a session; the audit says how.
	*clock = clock.Add(-ChallengeLifetime)
	in, _ = s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	next, _ := TOTPCode(secret, clock.Add(TOTPPeriod))
	if _, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: next[:3] + " " + next[3:]}); err != nil {
		t.Fatalf("the next period's code, typed with a space: %v", err)
	}
	last := f.audits[len(f.audits)-1]
	if last.Action != "session.signin" || last.After.(map[string]any)["factor"] != "totp" {
		t.Errorf("audit %+v", last)
	}
}

func TestRecoveryCodesWorkOnceEach(t *testing.T) {
	s, f, _ := factorService(t)
	_, codes := enrol(t, s, f)
	ctx := context.Background()
	for i, want := range []error{nil, CodeFailed} {
		in, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: strings.ToUpper(codes[3])})
		if err != want {
			t.Fatalf("use %d of a recovery code: %v, want %v", i+1, err, want)
		}
		if err == nil && (out.RecoveryLeft == nil || *out.RecoveryLeft != RecoveryCodes-1) {
			t.Errorf("recovery codes left: %v", out.RecoveryLeft)
		}
	}
	// New codes void the old ones, and need a current code.
	owner := as(f.users["owner"])
	if _, err := s.RegenerateRecoveryCodes(owner, "not-a-code"); fault.As(err) == nil || fault.As(err).Field != "code" {
		t.Fatalf("regenerate without a code: %v", err)
	}
	fresh, err := s.RegenerateRecoveryCodes(owner, codes[4])
	if err != nil || len(fresh) != RecoveryCodes {
		t.Fatalf("regenerate: %v", err)
	}
	in, _ := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	if _, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: codes[5]}); err != CodeFailed {
		t.Errorf("an old code after regenerating: %v", err)
	}
	if _, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: fresh[0]}); err != nil {
		t.Errorf("a new code: %v", err)
	}
}

func TestWrongCodesAreThrottledWithoutWrites(t *testing.T) {
	s, f, clock := factorService(t)
	secret, _ := enrol(t, s, f)
	ctx := context.Background()
	*clock = clock.Add(time.Minute)
	in, _ := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	writes := f.txs
	for i := 0; i < MaxFactorFailures; i++ {
		if _, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: "999999"}); err != CodeFailed {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if f.txs != writes {
		t.Errorf("wrong codes wrote %d transactions", f.txs-writes)
	}
	code, _ := TOTPCode(secret, *clock)
	_, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: code})
	if e := fault.As(err); e == nil || e.Code != fault.TooMany || !strings.Contains(e.Message, "wrong codes") {
		t.Fatalf("the right code after %d wrong ones: %v", MaxFactorFailures, err)
	}
	*clock = clock.Add(SignInWindow)
	in, _ = s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	code, _ = TOTPCode(secret, *clock)
	if _, err := s.CompleteSignIn(ctx, SecondStep{Challenge: in.Challenge, Code: code}); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestRequiredFactorHoldsBackTheRoleUntilEnrolled(t *testing.T) {
	s, f, clock := factorService(t, Coordinator)
	ctx := context.Background()
	in, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	if err != nil || !in.MustEnrol || in.Secret == "" {
		t.Fatalf("a coordinator without a factor: %+v, %v", in, err)
	}
	id := f.users["owner"].Identity("session")
	if must, err := s.MustEnrol(ctx, id); !must || err != nil {
		t.Errorf("MustEnrol before enrolling: %v, %v", must, err)
	}
	if must, _ := s.MustEnrol(ctx, f.users["owner"].Identity("token")); must {
		t.Error("an API token is held back")
	}
	viaProvider := id
	viaProvider.ProviderMFA = true
	if must, _ := s.MustEnrol(ctx, viaProvider); must {
		t.Error("a session whose provider asked for a second factor is held back")
	}
	if must, _ := s.MustEnrol(ctx, f.users["admin"].Identity("session")); must {
		t.Error("an administrator is held back though only coordinators must enrol")
	}
	secret, _ := enrol(t, s, f)
	if must, _ := s.MustEnrol(ctx, id); must {
		t.Error("MustEnrol after enrolling")
	}
	*clock = clock.Add(time.Minute)
	code, _ := TOTPCode(secret, *clock)
	if err := s.DisableFactor(as(f.users["owner"]), code); fault.Code(err) != fault.Forbidden {
		t.Errorf("a coordinator turning the required factor off: %v", err)
	}
}

func TestDisableAndResetFactor(t *testing.T) {
	s, f, clock := factorService(t)
	secret, _ := enrol(t, s, f)
	owner, admin := as(f.users["owner"]), as(f.users["admin"])
	*clock = clock.Add(time.Minute)
	if err := s.DisableFactor(owner, "000000"); fault.As(err) == nil || fault.As(err).Field != "code" {
		t.Fatalf("disable with a wrong code: %v", err)
	}
	if _, ok := f.factors[f.users["owner"].ID]; !ok {
		t.Fatal("a wrong code turned the factor off")
	}
	code, _ := TOTPCode(secret, *clock)
	if err := s.DisableFactor(owner, code); err != nil {
		t.Fatal(err)
	}
	in, err := s.SignIn(context.Background(), Attempt{Name: "owner", Password: "the right passphrase"})
	if err != nil || in.Challenge != "" || in.Secret == "" {
		t.Fatalf("sign-in with the factor off: %+v, %v", in, err)
	}
	enrol(t, s, f)
	if err := s.ResetFactor(owner, "owner"); fault.Code(err) != fault.Forbidden {
		t.Errorf("a user resetting their own factor: %v", err)
	}
	if err := s.ResetFactor(admin, "owner"); err != nil {
		t.Fatal(err)
	}
	last := f.audits[len(f.audits)-1]
	if last.Action != "factor.reset" || last.EntityID != "owner" {
		t.Errorf("audit %+v", last)
	}
	if err := s.ResetFactor(admin, "owner"); fault.Code(err) != fault.Conflict {
		t.Errorf("resetting a factor twice: %v", err)
	}
}

func TestParseRequiredRoles(t *testing.T) {
	for in, want := range map[string]string{"": "", "none": "", "admin,coordinator": "admin, coordinator", "coordinator admin coordinator": "admin, coordinator"} {
		rs, err := ParseRequiredRoles(in)
		if err != nil || joinRoles(rs) != want {
			t.Errorf("%q: %v, %v", in, rs, err)
		}
	}
	if _, err := ParseRequiredRoles("coordinator,general"); err == nil {
		t.Error("an unknown role is taken")
	}
}

// The codes the account's own factor page asks for count against the
// throttle of the sign-in's second step: a session, stolen or left open,
// guesses them no faster than a stranger at the sign-in.
func TestFactorPageCodesAreThrottled(t *testing.T) {
	for _, c := range []struct {
		name string
		use  func(s *Service, ctx context.Context, code string) error
	}{
		{"new recovery codes", func(s *Service, ctx context.Context, code string) error {
			_, err := s.RegenerateRecoveryCodes(ctx, code)
			return err
		}},
		{"turning the codes off", func(s *Service, ctx context.Context, code string) error { return s.DisableFactor(ctx, code) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, f, clock := factorService(t)
			secret, _ := enrol(t, s, f)
			owner := as(f.users["owner"])
			*clock = clock.Add(time.Minute)
			writes := f.txs
			for i := 0; i < MaxFactorFailures; i++ {
				if err := c.use(s, owner, "999999"); fault.As(err) == nil || fault.As(err).Field != "code" {
					t.Fatalf("wrong code %d: %v", i, err)
				}
			}
			if f.txs != writes {
				t.Errorf("wrong codes wrote %d transactions", f.txs-writes)
			}
			if n := s.tally().counts[refusal{Action: "session.factor_failed", Subject: "owner"}]; n != MaxFactorFailures {
				t.Errorf("%d wrong codes counted as session.factor_failed, want %d", n, MaxFactorFailures)
			}
			code, _ := TOTPCode(secret, *clock)
			err := c.use(s, owner, code)
			if e := fault.As(err); e == nil || e.Code != fault.TooMany || e.RetryAfter != SignInWindow || !strings.Contains(e.Message, "wrong codes") {
				t.Fatalf("the right code after %d wrong ones: %v, want held back", MaxFactorFailures, err)
			}
			if _, ok := f.factors[f.users["owner"].ID]; !ok {
				t.Fatal("a code past the limit changed the factor")
			}
			// The same throttle holds the sign-in's second step.
			in, _ := s.SignIn(context.Background(), Attempt{Name: "owner", Password: "the right passphrase"})
			if _, err := s.CompleteSignIn(context.Background(), SecondStep{Challenge: in.Challenge, Code: code}); fault.Code(err) != fault.TooMany {
				t.Errorf("the sign-in's code after the page's wrong ones: %v, want held back", err)
			}
			*clock = clock.Add(SignInWindow)
			code, _ = TOTPCode(secret, *clock)
			if err := c.use(s, owner, code); err != nil {
				t.Errorf("the right code once the window has passed: %v", err)
			}
		})
	}
	// The right code is taken back: it leaves the count where it was.
	s, f, clock := factorService(t)
	secret, _ := enrol(t, s, f)
	owner := as(f.users["owner"])
	*clock = clock.Add(time.Minute)
	for i := 0; i < MaxFactorFailures-1; i++ {
		s.RegenerateRecoveryCodes(owner, "999999")
	}
	code, _ := TOTPCode(secret, *clock)
	if _, err := s.RegenerateRecoveryCodes(owner, code); err != nil {
		t.Fatalf("the right code after %d wrong ones: %v", MaxFactorFailures-1, err)
	}
	if _, err := s.RegenerateRecoveryCodes(owner, "999999"); fault.As(err) == nil || fault.As(err).Field != "code" {
		t.Errorf("the last wrong code within the limit: %v", err)
	}
}

// A second factor is changed only in a browser session: an API token,
// which was never asked for a second factor and sends no CSRF token,
// neither weakens nor replaces it.
func TestFactorChangesNeedASession(t *testing.T) {
	s, f, clock := passkeyService(t)
	owner := f.users["owner"]
	p := register(t, s, owner, newAuthenticator(t), "laptop")
	secret, codes := enrol(t, s, f.fakeFactors)
	*clock = clock.Add(time.Minute)
	code, _ := TOTPCode(secret, *clock)
	token := WithIdentity(context.Background(), owner.Identity("token"))
	cer, err := s.BeginPasskeyRegistration(as(owner))
	if err != nil {
		t.Fatal(err)
	}
	answer := newAuthenticator(t).create(t, cer.Options)
	audits := len(f.audits)
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"setting up codes", func() error { return s.BeginEnrolment(token) }},
		{"confirming codes", func() error { _, err := s.ConfirmEnrolment(token, code); return err }},
		{"new recovery codes", func() error { _, err := s.RegenerateRecoveryCodes(token, codes[0]); return err }},
		{"turning the codes off", func() error { return s.DisableFactor(token, code) }},
		{"beginning a passkey", func() error { _, err := s.BeginPasskeyRegistration(token); return err }},
		{"registering a passkey", func() error {
			_, err := s.FinishPasskeyRegistration(token, "phone", cer.Cookie, answer)
			return err
		}},
		{"removing a passkey", func() error { return s.RemovePasskey(token, p.ID, "the right passphrase") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); err != FactorChangeNeedsSession || fault.Code(err) != fault.Forbidden {
				t.Errorf("with an API token: %v, want %v", err, FactorChangeNeedsSession)
			}
		})
	}
	if len(f.audits) != audits || len(f.keys) != 1 || !f.factors[owner.ID].Active() || len(f.codes[owner.ID]) != RecoveryCodes {
		t.Errorf("refused changes changed something: %d audits, %d passkeys, factor %+v", len(f.audits)-audits, len(f.keys), f.factors[owner.ID])
	}
	// The routes that change them say so: factor.own is a session's.
	if Allowed(owner.Identity("token"), FactorOwn) || !Allowed(owner.Identity("session"), FactorOwn) || Check(owner.Identity("token"), FactorOwn) != FactorChangeNeedsSession {
		t.Errorf("factor.own: a token allowed %v, a session %v", Allowed(owner.Identity("token"), FactorOwn), Allowed(owner.Identity("session"), FactorOwn))
	}
	// The session changes them.
	if _, err := s.FinishPasskeyRegistration(as(owner), "phone", cer.Cookie, answer); err != nil {
		t.Errorf("registering in the session: %v", err)
	}
	if err := s.DisableFactor(as(owner), code); err != nil {
		t.Errorf("turning the codes off in the session: %v", err)
	}
}
