package access

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// fakeAccounts is a store of users, sessions and devices in memory that
// counts what it writes. Only what sign-in uses is there; the rest of Tx
// panics if called.
type fakeAccounts struct {
	Tx
	mu       sync.Mutex
	users    map[string]User
	devices  map[string]Device
	sessions int
	audits   []audit.Record
	txs      int // transactions that wrote
	lookups  int // users looked up by name outside a transaction
	fail     error
	now      time.Time
}

func (f *fakeAccounts) Transact(ctx context.Context, fn func(Tx) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	before := len(f.audits) + f.sessions + len(f.devices)
	if f.fail != nil {
		return f.fail
	}
	err := fn(f)
	if len(f.audits)+f.sessions+len(f.devices) != before {
		f.txs++
	}
	return err
}

func (f *fakeAccounts) Now() time.Time { return f.now }

func (f *fakeAccounts) UserByName(_ context.Context, name string) (User, error) {
	if u, ok := f.users[name]; ok {
		return u, nil
	}
	return User{}, fault.Errorf(fault.NotFound, "no user %q", name)
}

func (f *fakeAccounts) CreateSession(context.Context, string, Session) error {
	f.sessions++
	return nil
}

func (f *fakeAccounts) CreateDevice(_ context.Context, hash string, d Device) error {
	f.devices[hash] = d
	return nil
}

func (f *fakeAccounts) Audit(_ context.Context, r audit.Record) error {
	f.audits = append(f.audits, r)
	return nil
}

// fakeReader reads the same store outside a transaction.
type fakeReader struct {
	Reader
	f *fakeAccounts
}

func (r fakeReader) UserByName(ctx context.Context, name string) (User, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.f.lookups++
	return r.f.UserByName(ctx, name)
}

func (r fakeReader) DeviceByHash(_ context.Context, hash string) (Device, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	if d, ok := r.f.devices[hash]; ok {
		return d, nil
	}
	return Device{}, fault.Errorf(fault.NotFound, "no device")
}

func signInService(t *testing.T, names ...string) (*Service, *fakeAccounts, *time.Time) {
	t.Helper()
	h, err := HashPassword("the right passphrase")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	f := &fakeAccounts{users: map[string]User{}, devices: map[string]Device{}, now: now}
	for i, n := range names {
		f.users[n] = User{ID: int64(i + 1), Name: n, PasswordHash: h}
	}
	clock := &now
	return &Service{Store: f, Read: fakeReader{f: f}, Now: func() time.Time { return *clock }}, f, clock
}

func TestSignInHoldsBackGuessesButNotTheOwner(t *testing.T) {
	s, f, clock := signInService(t, "owner")
	ctx := context.Background()
	good := Attempt{Name: "owner", Password: "the right passphrase", From: "198.51.100.1"}
	in, err := s.SignIn(ctx, good)
	if err != nil || in.Device == "" {
		t.Fatalf("first sign-in: %v, device %q", err, in.Device)
	}
	writes := f.txs
	for i := 0; i < MaxAccountFailures; i++ {
		_, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "a guess", From: "203.0.113.7"})
		if err != SignInFailed {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if f.txs != writes {
		t.Errorf("failed sign-ins wrote %d transactions, want none", f.txs-writes)
	}
	// A new device, even with the right password and another address, waits.
	_, err = s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase", From: "192.0.2.1"})
	if e := fault.As(err); e == nil || e.Code != fault.TooMany || e.RetryAfter != SignInWindow {
		t.Fatalf("the right password on a new device after %d guesses: %v", MaxAccountFailures, err)
	}
	// The owner's device is not held back, and gets no new cookie.
	in, err = s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase", Device: in.Device, From: "203.0.113.7"})
	if err != nil || in.Device != "" {
		t.Fatalf("the owner's device: %v, new device %q", err, in.Device)
	}
	// The wait shrinks as the window passes, and ends with it.
	*clock = clock.Add(10 * time.Minute)
	_, err = s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	if e := fault.As(err); e == nil || e.RetryAfter != 5*time.Minute {
		t.Errorf("ten minutes later: %v", err)
	}
	*clock = clock.Add(5 * time.Minute)
	if _, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"}); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestSignInDeviceThatFailsTooOftenIsNotTrusted(t *testing.T) {
	s, _, _ := signInService(t, "owner", "other")
	ctx := context.Background()
	in, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	stolen := in.Device
	// A stolen cookie buys no more guesses than a device's limit, and then
	// the account's limit applies.
	for i := 0; i < MaxDeviceFailures+MaxAccountFailures; i++ {
		if _, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "a guess", Device: stolen}); err != SignInFailed {
			t.Fatalf("guess %d with the cookie: %v", i, err)
		}
	}
	if _, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "a guess", Device: stolen}); fault.Code(err) != fault.TooMany {
		t.Errorf("guess %d with the cookie: %v, want held back", MaxDeviceFailures+MaxAccountFailures, err)
	}
	// A cookie of one account counts for nothing on another.
	other, _ := s.Read.UserByName(ctx, "other")
	keys, dev, _, err := s.throttleKeys(ctx, Attempt{Name: "other", Device: stolen}, "other", other, true, s.now().Add(-SignInWindow))
	if err != nil || dev != "" || len(keys) != 2 {
		t.Errorf("another account's cookie: keys %v, device %q, %v", keys, dev, err)
	}
}

func TestSignInAtOnceChecksNoMoreThanTheLimit(t *testing.T) {
	s, _, _ := signInService(t, "owner")
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignIn(context.Background(), Attempt{Name: "owner", Password: "a guess"})
			if err == SignInFailed {
				mu.Lock()
				checked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if checked != MaxAccountFailures {
		t.Errorf("%d of 30 attempts at once reached the password check, want %d", checked, MaxAccountFailures)
	}
}

func TestRefusalsOfStrangersAreSummarised(t *testing.T) {
	s, f, _ := signInService(t, "owner")
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if err := s.Refused(ctx, Request{Route: "GET /api/v1/pledges", Path: "GET /api/v1/pledges", From: "203.0.113.7"}, "the API token is unknown, expired or revoked"); err != nil {
			t.Fatal(err)
		}
	}
	// Invented addresses cost a line each up to a bound, then one count.
	for i := 0; i < maxRefusalLines+50; i++ {
		s.Refused(ctx, Request{Route: "GET /", Path: "GET /", From: "10.0." + string(rune('a'+i%26)) + "." + time.Duration(i).String()}, "sign in")
	}
	if f.txs != 0 {
		t.Fatalf("refusals of strangers wrote %d transactions", f.txs)
	}
	// A refusal that fails to be written is kept for the next flush.
	f.fail = fault.Errorf(fault.Unavailable, "no room")
	if err := s.FlushRefusals(ctx); err == nil {
		t.Fatal("a failed flush reported success")
	}
	f.fail = nil
	if err := s.FlushRefusals(ctx); err != nil {
		t.Fatal(err)
	}
	if f.txs != 1 || len(f.audits) != 1 || f.audits[0].Action != "access.refused_summary" {
		t.Fatalf("flush wrote %d transactions: %+v", f.txs, f.audits)
	}
	sum := f.audits[0].After.(RefusalSummary)
	if sum.Total != 1000+maxRefusalLines+50 || len(sum.Lines) != maxRefusalLines || sum.Others == 0 {
		t.Errorf("summary: total %d, %d lines, %d others", sum.Total, len(sum.Lines), sum.Others)
	}
	if sum.Lines[0].Count != 1000 || sum.Lines[0].From != "203.0.113.7" {
		t.Errorf("first line %+v, want the most frequent", sum.Lines[0])
	}
	if err := s.FlushRefusals(ctx); err != nil || f.txs != 1 {
		t.Errorf("a flush with nothing counted wrote: %v, %d", err, f.txs)
	}
	// A signed-in user's refusal is audited at once.
	who := WithIdentity(ctx, Identity{UserID: 1, Name: "owner", Via: "token"})
	if err := s.Refused(who, Request{Route: "GET /api/v1/users", Path: "GET /api/v1/users", From: "203.0.113.7"}, "forbidden"); err != nil || f.txs != 2 || f.audits[1].Action != "access.refused" {
		t.Errorf("a signed-in refusal: %v, %d transactions", err, f.txs)
	}
}

func TestLimiterHoldsToItsRate(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	l := NewLimiter(Rate{Every: 100 * time.Millisecond, Burst: 5})
	l.Now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of a burst of 5 refused", i)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("the sixth: %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key shares the bucket")
	}
	if ok, again := l.Allow("a"); ok || again != wait {
		t.Errorf("the bucket, still empty, answers %v, wait %v: a refused request took from it", ok, again)
	}
	now = now.Add(250 * time.Millisecond)
	got := 0
	for {
		if ok, _ := l.Allow("a"); !ok {
			break
		}
		got++
	}
	if got != 2 {
		t.Errorf("after 250ms at 10/s, %d requests allowed, want 2", got)
	}
	// Invented keys cost bounded memory.
	l.Max = 100
	for i := 0; i < 1000; i++ {
		l.Allow(time.Duration(i).String())
	}
	if n := len(l.full); n > 100 {
		t.Errorf("%d keys kept, the bound is 100", n)
	}
}

// A name longer than any account may have is refused as a wrong one is,
// before it is looked up, and counts against the address alone; what the
// summary records of it is bounded.
func TestSignInWithANameNoAccountMayHave(t *testing.T) {
	if !namePattern.MatchString(strings.Repeat("a", MaxNameLength)) || namePattern.MatchString(strings.Repeat("a", MaxNameLength+1)) {
		t.Fatalf("MaxNameLength %d is not the longest name the name pattern allows", MaxNameLength)
	}
	s, f, _ := signInService(t, "owner")
	ctx := context.Background()
	if _, err := s.SignIn(ctx, Attempt{Name: strings.Repeat("b", MaxNameLength), Password: "a guess", From: "192.0.2.1"}); err != SignInFailed || f.lookups != 1 {
		t.Fatalf("the longest name an account may have: %v, %d lookups, want it looked up", err, f.lookups)
	}
	for i := 0; i < MaxAddressFailures; i++ {
		name := strings.Repeat("a", MaxNameLength) + string(rune('a'+i))
		if i%2 == 1 {
			name = string(rune('a'+i)) + strings.Repeat("x", 256<<10)
		}
		if _, err := s.SignIn(ctx, Attempt{Name: name, Password: "a guess", From: "203.0.113.7"}); err != SignInFailed {
			t.Fatalf("a name of %d bytes: %v, want the answer to a wrong name", len(name), err)
		}
	}
	if f.lookups != 1 {
		t.Errorf("names longer than %d bytes were looked up %d times", MaxNameLength, f.lookups-1)
	}
	// Counted against the address: the next is held back as any is.
	if _, err := s.SignIn(ctx, Attempt{Name: "owner", Password: "the right passphrase", From: "203.0.113.7"}); fault.Code(err) != fault.TooMany {
		t.Errorf("the address after %d long names: %v, want held back", MaxAddressFailures, err)
	}
	if err := s.FlushRefusals(ctx); err != nil {
		t.Fatal(err)
	}
	sum := f.audits[len(f.audits)-1].After.(RefusalSummary)
	b, _ := json.Marshal(sum)
	if len(sum.Lines) != MaxAddressFailures+2 || len(b) > 8<<10 {
		t.Errorf("the summary has %d lines in %d bytes, want %d lines in a few KiB", len(sum.Lines), len(b), MaxAddressFailures+2)
	}
}

// A refusal records at most maxRecorded characters of each value, with a
// hash of the whole that keeps distinct values apart; a stranger's is
// counted by its route, a signed-in user's audited with its path.
func TestRefusalsRecordBoundedValues(t *testing.T) {
	long := strings.Repeat("é", maxRecorded)
	for _, c := range []struct {
		name, in string
		same     bool
	}{
		{"short", "GET /api/v1/pledges", true},
		{"exactly the bound", long, true},
		{"one past the bound", long + "x", false},
		{"far past it", long + strings.Repeat("y", 1<<20), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := bounded(c.in)
			if (got == c.in) != c.same || !strings.HasPrefix(got, c.in[:min(len(c.in), len(long))]) || len([]rune(got)) > maxRecorded+14 {
				t.Errorf("bounded: %d characters %q", len([]rune(got)), got[:min(len(got), 200)])
			}
		})
	}
	if bounded(long+"x") == bounded(long+"y") {
		t.Error("two values that differ past the bound are recorded alike")
	}
	s, f, _ := signInService(t, "owner")
	ctx := context.Background()
	path := "GET /api/v1/users/" + strings.Repeat("p", 200<<10) + "/factor"
	for i := 0; i < 3; i++ {
		req := Request{Route: "GET /api/v1/users/{name}/factor", Path: path + string(rune('a'+i)), From: "203.0.113.7"}
		if err := s.Refused(ctx, req, "sign in: "+strings.Repeat("r", 100<<10)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Refused(WithIdentity(ctx, Identity{UserID: 1, Name: "owner", Via: "token"}), Request{Route: "GET /", Path: path, From: "203.0.113.7"}, "forbidden"); err != nil {
		t.Fatal(err)
	}
	if ev := f.audits[0]; ev.Action != "access.refused" || ev.EntityID != bounded(path) {
		t.Errorf("a signed-in refusal audited as %s %q", ev.Action, ev.EntityID[:min(len(ev.EntityID), 200)])
	}
	if err := s.FlushRefusals(ctx); err != nil {
		t.Fatal(err)
	}
	sum := f.audits[1].After.(RefusalSummary)
	if len(sum.Lines) != 1 || sum.Lines[0].Count != 3 || sum.Lines[0].Route != "GET /api/v1/users/{name}/factor" || len(sum.Lines[0].Reason) > 4*maxRecorded+20 {
		t.Errorf("the strangers' refusals: %d lines, the first of route %.80q and a reason of %d bytes", len(sum.Lines), sum.Lines[0].Route, len(sum.Lines[0].Reason))
	}
}

// A sign-in verifies exactly one argon2id hash of the same cost whatever
// the name is: unknown, disabled, without a password of Longhaul's (single
// sign-on), or an active account's. How long it takes cannot be measured
// reliably here; that the same work is done in each case can.
func TestSignInVerifiesOnePasswordWhatever(t *testing.T) {
	s, f, _ := signInService(t, "owner", "gone", "sso")
	gone, sso := f.users["gone"], f.users["sso"]
	gone.Disabled, sso.PasswordHash = true, ""
	f.users["gone"], f.users["sso"] = gone, sso
	var verified []string
	s.verify = func(hash, pw string) bool {
		verified = append(verified, hash)
		return VerifyPassword(hash, pw)
	}
	cost := func(hash string) string {
		return hash[:strings.LastIndexByte(hash[:strings.LastIndexByte(hash, '$')], '$')]
	}
	owner := f.users["owner"].PasswordHash
	for _, c := range []struct {
		name, password string
		want           error
		hash           string // the hash verified
	}{
		{"nobody", "a guess", SignInFailed, dummyHash},
		{"gone", "a guess", SignInFailed, dummyHash},
		{"gone", "the right passphrase", SignInFailed, dummyHash},
		{"sso", "a guess", SignInFailed, dummyHash},
		{"sso", "", SignInFailed, dummyHash},
		{"owner", "a guess", SignInFailed, owner},
		{"owner", "the right passphrase", nil, owner},
	} {
		t.Run(c.name+" "+c.password, func(t *testing.T) {
			verified = nil
			if _, err := s.SignIn(context.Background(), Attempt{Name: c.name, Password: c.password, From: "192.0.2." + c.name}); err != c.want {
				t.Fatalf("%v, want %v", err, c.want)
			}
			if len(verified) != 1 || verified[0] != c.hash || cost(verified[0]) != cost(owner) {
				t.Errorf("verified %d hashes %q, want one of the cost %q", len(verified), verified, cost(owner))
			}
		})
	}
}
