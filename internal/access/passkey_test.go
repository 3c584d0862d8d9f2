package access

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/fault"
)

// fakePasskeys adds the passkeys' tables to fakeFactors, with a
// transaction that rolls back what fn wrote when it fails and counts the
// transactions that changed a passkey.
type fakePasskeys struct {
	*fakeFactors
	handles    map[int64][]byte
	keys       []Passkey
	next       int64
	challenges map[string]time.Time
	writes     int
}

func newFakePasskeys(f *fakeFactors) *fakePasskeys {
	return &fakePasskeys{fakeFactors: f, handles: map[int64][]byte{}, challenges: map[string]time.Time{}}
}

func (f *fakePasskeys) Transact(ctx context.Context, fn func(PasskeyTx) error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	handles, keys, next, challenges := map[int64][]byte{}, slices.Clone(f.keys), f.next, map[string]time.Time{}
	for k, v := range f.handles {
		handles[k] = v
	}
	for k, v := range f.challenges {
		challenges[k] = v
	}
	before := len(f.audits) + f.sessions
	err := fn(f)
	if err != nil {
		f.handles, f.keys, f.next, f.challenges = handles, keys, next, challenges
		return err
	}
	if len(f.audits)+f.sessions != before {
		f.writes++
	}
	return nil
}

func (f *fakePasskeys) PasskeyHandle(_ context.Context, _ string, id int64) ([]byte, error) {
	if h, ok := f.handles[id]; ok {
		return h, nil
	}
	return nil, fault.Errorf(fault.NotFound, "no handle")
}

func (f *fakePasskeys) PutPasskeyHandle(_ context.Context, _ string, id int64, h []byte, _ time.Time) error {
	f.handles[id] = h
	return nil
}

func (f *fakePasskeys) PasskeysByUser(_ context.Context, rp string, id int64) ([]Passkey, error) {
	var out []Passkey
	for _, k := range f.keys {
		if k.UserID == id && k.Site == rp {
			out = append(out, k)
		}
	}
	return out, nil
}

func (f *fakePasskeys) AddPasskey(_ context.Context, rp string, p Passkey) (int64, error) {
	for _, k := range f.keys {
		if bytes.Equal(k.Credential.ID, p.Credential.ID) {
			return 0, fault.Errorf(fault.Conflict, "credential already registered")
		}
	}
	f.next++
	p.ID, p.Site = f.next, rp
	f.keys = append(f.keys, p)
	return p.ID, nil
}

func (f *fakePasskeys) DeletePasskey(_ context.Context, rp string, user, id int64) (bool, error) {
	n := len(f.keys)
	f.keys = slices.DeleteFunc(f.keys, func(k Passkey) bool { return k.UserID == user && k.ID == id && k.Site == rp })
	return len(f.keys) != n, nil
}

func (f *fakePasskeys) DeletePasskeys(_ context.Context, user int64) (int, error) {
	n := len(f.keys)
	f.keys = slices.DeleteFunc(f.keys, func(k Passkey) bool { return k.UserID == user })
	delete(f.handles, user)
	return n - len(f.keys), nil
}

func (f *fakePasskeys) UsePasskey(_ context.Context, _ string, id int64, c webauthn.Credential, at time.Time) error {
	for i, k := range f.keys {
		if k.ID == id {
			f.keys[i].Credential, f.keys[i].LastUsedAt = c, &at
		}
	}
	return nil
}

func (f *fakePasskeys) TakeChallenge(_ context.Context, c string, at, _ time.Time) (bool, error) {
	if _, ok := f.challenges[c]; ok {
		return false, nil
	}
	f.challenges[c] = at
	return true, nil
}

// factorsOf runs the factor use cases in the passkeys' transaction, as
// the store does, so that a reset removes passkeys too.
type factorsOf struct{ f *fakePasskeys }

func (s factorsOf) Transact(ctx context.Context, fn func(FactorTx) error) error {
	return s.f.Transact(ctx, func(tx PasskeyTx) error { return fn(tx.(FactorTx)) })
}

// passkeyFactors reads the factors with the passkeys of every site.
type passkeyFactors struct {
	factorReader
	p *fakePasskeys
}

func (r passkeyFactors) PasskeysOfUser(_ context.Context, id int64) ([]Passkey, error) {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	var out []Passkey
	for _, k := range r.p.keys {
		if k.UserID == id {
			out = append(out, k)
		}
	}
	return out, nil
}

// passkeyReader reads the passkeys' tables outside a transaction.
type passkeyReader struct{ f *fakePasskeys }

func (r passkeyReader) PasskeyHandle(ctx context.Context, rp string, id int64) ([]byte, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.PasskeyHandle(ctx, rp, id)
}

func (r passkeyReader) PasskeysByUser(ctx context.Context, rp string, id int64) ([]Passkey, error) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.f.PasskeysByUser(ctx, rp, id)
}

const testOrigin = "https://longhaul.example.org"

// passkeyService is factorService with passkeys offered at testOrigin.
func passkeyService(t *testing.T, required ...Role) (*Service, *fakePasskeys, *time.Time) {
	t.Helper()
	s, ff, clock := factorService(t, required...)
	// The WebAuthn library checks a ceremony's expiry by the wall clock too.
	*clock = time.Now().UTC()
	fp := newFakePasskeys(ff)
	pk, err := NewPasskeys(testOrigin, fp, passkeyReader{fp})
	if err != nil {
		t.Fatal(err)
	}
	s.Passkeys = pk
	s.Factor.Store = factorsOf{fp}
	s.Factor.Read = passkeyFactors{factorReader{ff}, fp}
	return s, fp, clock
}

// authenticator is a software authenticator: one P-256 credential, with
// the sign counter it reports and the origin its browser puts in the
// client data.
type authenticator struct {
	key     *ecdsa.PrivateKey
	id      []byte
	handle  []byte
	counter uint32
	origin  string
	rpID    string
}

func newAuthenticator(t *testing.T) *authenticator {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	rand.Read(id)
	return &authenticator{key: k, id: id, origin: testOrigin, rpID: "longhaul.example.org"}
}

var b64 = base64.RawURLEncoding

func (a *authenticator) clientData(t *testing.T, typ string, challenge []byte) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": typ, "challenge": b64.EncodeToString(challenge), "origin": a.origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// authData is the authenticator data: the RP id's hash, the flags (user
// present and verified, and attested credential data when attested is
// given), the sign counter and the attested data.
func (a *authenticator) authData(attested []byte) []byte {
	rp := sha256.Sum256([]byte(a.rpID))
	flags := byte(protocol.FlagUserPresent | protocol.FlagUserVerified)
	if attested != nil {
		flags |= byte(protocol.FlagAttestedCredentialData)
	}
	out := append(rp[:], flags)
	out = binary.BigEndian.AppendUint32(out, a.counter)
	return append(out, attested...)
}

// create answers a registration's options as navigator.credentials.create
// would, with attestation "none".
func (a *authenticator) create(t *testing.T, options string) string {
	t.Helper()
	var cc protocol.CredentialCreation
	if err := json.Unmarshal([]byte(options), &cc); err != nil {
		t.Fatalf("registration options: %v", err)
	}
	id, _ := cc.Response.User.ID.(string)
	handle, err := b64.DecodeString(id)
	if err != nil || len(handle) == 0 {
		t.Fatalf("the user handle %v: %v", cc.Response.User.ID, err)
	}
	a.handle = handle
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         1, XCoord: a.key.X.FillBytes(make([]byte, 32)), YCoord: a.key.Y.FillBytes(make([]byte, 32)),
	})
	if err != nil {
		t.Fatal(err)
	}
	attested := append(make([]byte, 16), byte(len(a.id)>>8), byte(len(a.id)))
	attested = append(append(attested, a.id...), cose...)
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(attested)})
	if err != nil {
		t.Fatal(err)
	}
	return a.answer(t, map[string]any{
		"clientDataJSON":    b64.EncodeToString(a.clientData(t, "webauthn.create", cc.Response.Challenge)),
		"attestationObject": b64.EncodeToString(obj),
	})
}

// get answers a sign-in's options as navigator.credentials.get would.
func (a *authenticator) get(t *testing.T, options string) string {
	t.Helper()
	var ca protocol.CredentialAssertion
	if err := json.Unmarshal([]byte(options), &ca); err != nil {
		t.Fatalf("sign-in options: %v", err)
	}
	a.counter++
	cd := a.clientData(t, "webauthn.get", ca.Response.Challenge)
	ad := a.authData(nil)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(slices.Clone(ad), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return a.answer(t, map[string]any{
		"clientDataJSON":    b64.EncodeToString(cd),
		"authenticatorData": b64.EncodeToString(ad),
		"signature":         b64.EncodeToString(sig),
		"userHandle":        b64.EncodeToString(a.handle),
	})
}

func (a *authenticator) answer(t *testing.T, response map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": b64.EncodeToString(a.id), "rawId": b64.EncodeToString(a.id), "type": "public-key", "response": response})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// register registers a's credential for u under name.
func register(t *testing.T, s *Service, u User, a *authenticator, name string) Passkey {
	t.Helper()
	ctx := as(u)
	c, err := s.BeginPasskeyRegistration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.FinishPasskeyRegistration(ctx, name, c.Cookie, a.create(t, c.Options))
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return p
}

// passkeyStep signs u in with its password and returns the second step's
// challenge and passkey ceremony.
func passkeyStep(t *testing.T, s *Service, name string) (string, PasskeyCeremony) {
	t.Helper()
	in, err := s.SignIn(context.Background(), Attempt{Name: name, Password: "the right passphrase", From: "198.51.100.7"})
	if err != nil || in.Challenge == "" {
		t.Fatalf("password step of %s: %+v, %v", name, in, err)
	}
	off, err := s.OfferSecondStep(context.Background(), in.Challenge)
	if err != nil || off.Passkey == nil {
		t.Fatalf("second step of %s: %+v, %v", name, off, err)
	}
	return in.Challenge, *off.Passkey
}

func TestPasskeyRegistersAndSignsInOnce(t *testing.T) {
	s, f, _ := passkeyService(t, Coordinator)
	owner := f.users["owner"]
	if must, _ := s.MustEnrol(context.Background(), owner.Identity("session")); !must {
		t.Fatal("a coordinator without a factor is not held back")
	}
	// Beginning writes nothing: the handle travels in the cookie.
	writes := f.writes
	if _, err := s.BeginPasskeyRegistration(as(owner)); err != nil || f.writes != writes || len(f.handles) != 0 {
		t.Fatalf("begin: %v, %d writes, %d handles", err, f.writes-writes, len(f.handles))
	}
	a := newAuthenticator(t)
	p := register(t, s, owner, a, "  work   laptop ")
	if p.Name != "work laptop" || p.ID == 0 || !bytes.Equal(f.handles[owner.ID], a.handle) {
		t.Fatalf("registered %+v, handle %x, authenticator's %x", p, f.handles[owner.ID], a.handle)
	}
	if last := f.audits[len(f.audits)-1]; last.Action != "factor.passkey_add" || last.EntityID != "owner" {
		t.Errorf("audited %+v", last)
	}
	if must, _ := s.MustEnrol(context.Background(), owner.Identity("session")); must {
		t.Error("a passkey does not count as the required second factor")
	}
	// The same credential again is refused by the exclusion list.
	c, _ := s.BeginPasskeyRegistration(as(owner))
	if _, err := s.FinishPasskeyRegistration(as(owner), "again", c.Cookie, a.create(t, c.Options)); err == nil {
		t.Error("the same credential registered twice")
	}

	challenge, cer := passkeyStep(t, s, "owner")
	answer := a.get(t, cer.Options)
	sessions := f.sessions
	out, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: cer.Cookie, Response: answer, From: "198.51.100.7"})
	if err != nil || out.Secret == "" || f.sessions != sessions+1 {
		t.Fatalf("passkey sign-in: %+v, %v", out, err)
	}
	if k := f.keys[0]; k.Credential.Authenticator.SignCount != a.counter || k.LastUsedAt == nil {
		t.Errorf("the sign counter %d (authenticator %d), last used %v", k.Credential.Authenticator.SignCount, a.counter, k.LastUsedAt)
	}
	// The same answer again: its challenge is spent.
	writes = f.writes
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: cer.Cookie, Response: answer}); err != PasskeyFailed {
		t.Errorf("a replayed answer: %v", err)
	}
	if f.writes != writes || f.sessions != sessions+1 {
		t.Errorf("a replayed answer wrote: %d transactions, %d sessions", f.writes-writes, f.sessions-sessions-1)
	}
}

func TestPasskeyRefusesAnotherOrigin(t *testing.T) {
	s, f, _ := passkeyService(t)
	owner := f.users["owner"]
	a := newAuthenticator(t)
	a.origin = "https://longhaul.example.org.evil.example"
	c, _ := s.BeginPasskeyRegistration(as(owner))
	_, err := s.FinishPasskeyRegistration(as(owner), "phished", c.Cookie, a.create(t, c.Options))
	if e := fault.As(err); e == nil || e.Field != "passkey" {
		t.Fatalf("a registration from another origin: %v", err)
	}
	if len(f.keys) != 0 || len(f.handles) != 0 || f.writes != 0 {
		t.Fatalf("a refused registration wrote: %d keys, %d handles", len(f.keys), len(f.handles))
	}
	// A sign-in answered for another origin, or for another site's RP id.
	a.origin = testOrigin
	register(t, s, owner, a, "laptop")
	for _, tc := range []struct{ name, origin, rpID string }{
		{"origin", "https://evil.example", "longhaul.example.org"},
		{"rp id", testOrigin, "evil.example"},
	} {
		a.origin, a.rpID = tc.origin, tc.rpID
		challenge, cer := passkeyStep(t, s, "owner")
		sessions, writes := f.sessions, f.writes
		if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: cer.Cookie, Response: a.get(t, cer.Options)}); err != PasskeyFailed {
			t.Errorf("a sign-in of another %s: %v", tc.name, err)
		}
		if f.sessions != sessions || f.writes != writes {
			t.Errorf("a sign-in of another %s wrote", tc.name)
		}
	}
}

func TestPasskeyCeremonyCookieHolds(t *testing.T) {
	s, f, clock := passkeyService(t)
	owner, admin := f.users["owner"], f.users["admin"]
	a := newAuthenticator(t)
	tamper := func(c string) string {
		i := strings.IndexByte(c, '.') + 3
		b := []byte(c)
		b[i] ^= 1
		return string(b)
	}
	cases := []struct {
		name   string
		cookie func() (string, string) // the cookie and the options answered
		as     User
	}{
		{"tampered", func() (string, string) {
			c, _ := s.BeginPasskeyRegistration(as(owner))
			return tamper(c.Cookie), c.Options
		}, owner},
		{"another user's", func() (string, string) {
			c, _ := s.BeginPasskeyRegistration(as(admin))
			return c.Cookie, c.Options
		}, owner},
		{"expired", func() (string, string) {
			c, _ := s.BeginPasskeyRegistration(as(owner))
			*clock = clock.Add(ChallengeLifetime)
			return c.Cookie, c.Options
		}, owner},
		{"made before the password changed", func() (string, string) {
			c, _ := s.BeginPasskeyRegistration(as(owner))
			u := f.users["owner"]
			u.PasswordHash += "x"
			f.users["owner"] = u
			return c.Cookie, c.Options
		}, owner},
		{"of a sign-in", func() (string, string) {
			_, cer := passkeyStep(t, s, "admin")
			return cer.Cookie, cer.Options
		}, admin},
	}
	// admin needs a passkey for its sign-in ceremony.
	register(t, s, admin, newAuthenticator(t), "admin's key")
	hash := owner.PasswordHash
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys := len(f.keys)
			cookie, options := tc.cookie()
			var answer string
			if strings.Contains(options, `"rp"`) {
				answer = a.create(t, options)
			} else {
				answer = a.get(t, options)
			}
			_, err := s.FinishPasskeyRegistration(as(f.users[tc.as.Name]), "key", cookie, answer)
			if err != PasskeyExpired {
				t.Errorf("finish: %v, want %v", err, PasskeyExpired)
			}
			if len(f.keys) != keys {
				t.Error("a passkey was registered")
			}
		})
	}
	u := f.users["owner"]
	u.PasswordHash = hash
	f.users["owner"] = u
	// A sign-in whose ceremony cookie was tampered with, or that expired.
	register(t, s, owner, a, "laptop")
	challenge, cer := passkeyStep(t, s, "owner")
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: tamper(cer.Cookie), Response: a.get(t, cer.Options)}); err != PasskeyFailed {
		t.Errorf("a tampered sign-in ceremony: %v", err)
	}
	// The ceremony's own expiry: a fresh password step's challenge with a
	// ceremony from one long past.
	*clock = clock.Add(ChallengeLifetime)
	fresh, _ := passkeyStep(t, s, "owner")
	before := s.tally().counts[refusal{Action: "session.factor_failed", Subject: "owner"}]
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: fresh, Ceremony: cer.Cookie, Response: a.get(t, cer.Options)}); err != PasskeyFailed {
		t.Errorf("an expired sign-in ceremony: %v, want %v", err, PasskeyFailed)
	}
	if got := s.tally().counts[refusal{Action: "session.factor_failed", Subject: "owner"}]; got != before+1 {
		t.Errorf("the expired ceremony's refusal counted %d times", got-before)
	}
}

func TestPasskeyWhoseCounterWentBackIsRefused(t *testing.T) {
	s, f, _ := passkeyService(t)
	a := newAuthenticator(t)
	register(t, s, f.users["owner"], a, "laptop")
	a.counter = 10
	challenge, cer := passkeyStep(t, s, "owner")
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: cer.Cookie, Response: a.get(t, cer.Options)}); err != nil {
		t.Fatal(err)
	}
	// A copy of the key that has signed fewer times than the original.
	a.counter = 3
	sessions := f.sessions
	challenge, cer = passkeyStep(t, s, "owner")
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: challenge, Ceremony: cer.Cookie, Response: a.get(t, cer.Options)}); err != PasskeyFailed {
		t.Errorf("a cloned authenticator: %v", err)
	}
	if f.sessions != sessions {
		t.Error("a cloned authenticator opened a session")
	}
	if got := s.tally().counts[refusal{Action: "session.passkey_clone_warning", Subject: "owner"}]; got != 1 {
		t.Errorf("clone warnings counted: %d", got)
	}
}

func TestLastPasskeyStaysWhileTheRoleRequiresOne(t *testing.T) {
	s, f, _ := passkeyService(t, Coordinator)
	owner := f.users["owner"]
	first := register(t, s, owner, newAuthenticator(t), "laptop")
	ctx := as(owner)
	if err := s.RemovePasskey(ctx, first.ID, "not my password"); fault.As(err) == nil || fault.As(err).Field != "password" {
		t.Errorf("removing with a wrong password: %v", err)
	}
	if err := s.RemovePasskey(ctx, first.ID, "the right passphrase"); fault.Code(err) != fault.Forbidden {
		t.Errorf("removing a coordinator's last factor: %v", err)
	}
	theirs := register(t, s, f.users["admin"], newAuthenticator(t), "admin's")
	if err := s.RemovePasskey(ctx, theirs.ID, "the right passphrase"); fault.Code(err) != fault.NotFound {
		t.Errorf("removing another user's passkey: %v", err)
	}
	second := register(t, s, owner, newAuthenticator(t), "phone")
	if err := s.RemovePasskey(ctx, first.ID, "the right passphrase"); err != nil {
		t.Fatalf("removing one of two: %v", err)
	}
	if ks, _ := s.MyPasskeys(ctx); len(ks) != 1 || ks[0].ID != second.ID {
		t.Errorf("left: %+v", ks)
	}
	if last := f.audits[len(f.audits)-1]; last.Action != "factor.passkey_remove" {
		t.Errorf("audited %+v", last)
	}
	// An administrator's reset removes every passkey and the handle.
	if err := s.ResetFactor(as(f.users["admin"]), "owner"); err != nil {
		t.Fatal(err)
	}
	if ks, _ := s.MyPasskeys(ctx); len(ks) != 0 || f.handles[owner.ID] != nil {
		t.Errorf("after a reset: %d passkeys, handle %x", len(ks), f.handles[owner.ID])
	}
}

func TestPasskeysOnlyForASecureOrigin(t *testing.T) {
	for _, o := range []string{"http://longhaul.example.org", "https://10.0.0.1", "https://[::1]:8443", "https://host/path", "longhaul.example.org", "https://user@host"} {
		if _, err := NewPasskeys(o, nil, nil); err == nil {
			t.Errorf("%s accepted", o)
		}
	}
	for o, rp := range map[string]string{"https://Longhaul.Example.org/": "longhaul.example.org", "http://localhost:8080": "localhost", "https://hub.example.org:8443": "hub.example.org"} {
		p, err := NewPasskeys(o, nil, nil)
		if err != nil || p.RPID != rp {
			t.Errorf("%s: %v, rp %q", o, err, p.RPID)
		}
	}
}

func TestFactorSummaryShowsNoSecretAndOnlyToItsOwnerOrAnAdmin(t *testing.T) {
	s, f, clock := passkeyService(t, Coordinator)
	owner, admin := f.users["owner"], f.users["admin"]
	p := register(t, s, owner, newAuthenticator(t), "laptop")
	*clock = clock.Add(time.Minute)
	enrol(t, s, f.fakeFactors)

	mine, err := s.FactorSummaryOf(as(owner), "")
	if err != nil || mine.User != "owner" || !mine.Required || mine.TOTP != "active" || mine.RecoveryCodesLeft != RecoveryCodes ||
		len(mine.Passkeys) != 1 || mine.Passkeys[0].ID != p.ID || !mine.PasskeysOffered || mine.Site != "longhaul.example.org" || mine.PasskeysUsable != 1 {
		t.Fatalf("own summary: %+v, %v", mine, err)
	}
	// A passkey of the site the server had before is listed, not counted
	// as one that signs in here.
	f.keys = append(f.keys, Passkey{ID: 99, UserID: owner.ID, Name: "old laptop", Site: "old.example.org", CreatedAt: clock.Add(-time.Hour)})
	if again, err := s.FactorSummaryOf(as(owner), ""); err != nil || len(again.Passkeys) != 2 || again.PasskeysUsable != 1 {
		t.Errorf("with a passkey of another site: %d listed, %d usable, %v", len(again.Passkeys), again.PasskeysUsable, err)
	}
	if err := s.RemovePasskey(as(owner), 99, "the right passphrase"); fault.Code(err) != fault.NotFound {
		t.Errorf("removing a passkey of another site: %v", err)
	}
	f.keys = f.keys[:len(f.keys)-1]
	b, _ := json.Marshal(mine)
	secret := f.factors[owner.ID].Secret
	if strings.Contains(string(b), secret) || strings.Contains(string(b), "public") || strings.Contains(string(b), b64.EncodeToString(p.Credential.ID)) {
		t.Errorf("the summary gives away a secret or credential: %s", b)
	}
	theirs, err := s.FactorSummaryOf(as(admin), " OWNER ")
	if err != nil || theirs.User != "owner" || theirs.TOTP != "active" || len(theirs.Passkeys) != 1 {
		t.Errorf("an administrator's view: %+v, %v", theirs, err)
	}
	if _, err := s.FactorSummaryOf(as(owner), "admin"); fault.Code(err) != fault.Forbidden {
		t.Errorf("a coordinator reading an administrator's factor: %v", err)
	}
	if a, err := s.FactorSummaryOf(as(admin), ""); err != nil || a.Required || a.TOTP != "none" || len(a.Passkeys) != 0 {
		t.Errorf("an administrator without factors: %+v, %v", a, err)
	}
	if _, err := s.FactorSummaryOf(as(admin), "nobody"); fault.Code(err) != fault.NotFound {
		t.Errorf("no such user: %v", err)
	}
	// The command line names the user, even one called as it is.
	f.users["cli"] = User{ID: 77, Name: "cli", Nation: "DEU", Roles: []Role{Analyst}}
	if c, err := s.FactorSummaryOf(WithIdentity(context.Background(), System.Named("cli")), "cli"); err != nil || c.User != "cli" {
		t.Errorf("the command line asking for the user cli: %+v, %v", c, err)
	}
	if _, err := s.FactorSummaryOf(WithIdentity(context.Background(), System.Named("cli")), ""); fault.As(err).Field != "name" {
		t.Errorf("the command line naming nobody: %v", err)
	}
}

type fixedKey []byte

func (k fixedKey) SignInKey(context.Context) ([]byte, error) { return k, nil }

// An account without a password of Longhaul's (made by single sign-on)
// has nothing secret to key its second step by but the deployment's key:
// without it, anyone could make the challenge that skips the provider.
func TestSecondStepOfAnAccountWithoutPasswordNeedsTheServerKey(t *testing.T) {
	s, f, clock := passkeyService(t)
	s.Keys = fixedKey("the deployment's own 32 bytes...")
	a := newAuthenticator(t)
	register(t, s, f.users["owner"], a, "laptop")
	u := f.users["owner"]
	u.PasswordHash = "" // as single sign-on provisions it
	f.users["owner"] = u
	forged := challenge(nil, u, Factor{}, clock.Add(ChallengeLifetime))
	if _, err := s.OfferSecondStep(context.Background(), forged); err != ChallengeExpired {
		t.Fatalf("a challenge made without the server's key: %v", err)
	}
	other := challenge([]byte("another deployment's key"), u, Factor{}, clock.Add(ChallengeLifetime))
	if _, err := s.OfferSecondStep(context.Background(), other); err != ChallengeExpired {
		t.Fatalf("a challenge of another deployment: %v", err)
	}
	ch, err := s.secondStepDue(context.Background(), u)
	if err != nil || ch == "" {
		t.Fatalf("the server's own challenge: %q %v", ch, err)
	}
	off, err := s.OfferSecondStep(context.Background(), ch)
	if err != nil || off.Passkey == nil {
		t.Fatalf("offer: %+v %v", off, err)
	}
	// A ceremony cookie made without the key does not hold either.
	body := off.Passkey.Cookie[:strings.LastIndexByte(off.Passkey.Cookie, '.')]
	fake := body + "." + ceremonyMAC(nil, u, "signin", body)
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: ch, Ceremony: fake, Response: a.get(t, off.Passkey.Options)}); err != PasskeyFailed {
		t.Errorf("a ceremony made without the key: %v", err)
	}
	if _, err := s.CompletePasskeySignIn(context.Background(), PasskeyStep{Challenge: ch, Ceremony: off.Passkey.Cookie, Response: a.get(t, off.Passkey.Options)}); err != nil {
		t.Errorf("the server's own ceremony: %v", err)
	}
}

// TestRemovingAPasskeyAsksWhoYouAre: the password a removal asks for again
// is throttled as at the sign-in form, so that a stolen session cannot
// guess it; an account made by single sign-on, without a password here,
// removes one only soon after signing in.
func TestRemovingAPasskeyAsksWhoYouAre(t *testing.T) {
	s, f, clock := passkeyService(t)
	owner := f.users["owner"]
	p := register(t, s, owner, newAuthenticator(t), "laptop")
	for range MaxAccountFailures {
		if err := s.RemovePasskey(as(owner), p.ID, "a guess"); fault.As(err).Field != "password" {
			t.Fatalf("a wrong password: %v", err)
		}
	}
	if err := s.RemovePasskey(as(owner), p.ID, "the right passphrase"); fault.Code(err) != fault.TooMany {
		t.Errorf("after %d wrong passwords, the right one: %v, want too many", MaxAccountFailures, err)
	}
	if ks, _ := s.MyPasskeys(as(owner)); len(ks) != 1 {
		t.Fatalf("%d passkeys left after refused removals", len(ks))
	}
	if _, err := s.SignIn(context.Background(), Attempt{Name: "owner", Password: "the right passphrase", From: "192.0.2.9"}); fault.Code(err) != fault.TooMany {
		t.Errorf("the sign-in form after the guesses: %v, want them counted there too", err)
	}
	*clock = clock.Add(SignInWindow + time.Second)
	if err := s.RemovePasskey(as(owner), p.ID, "the right passphrase"); err != nil {
		t.Fatalf("once the window has passed: %v", err)
	}

	sso := owner
	sso.PasswordHash = ""
	f.users["owner"] = sso
	q := register(t, s, sso, newAuthenticator(t), "phone")
	id := sso.Identity("session")
	id.SignedInAt = clock.Add(-RecentSignIn - time.Minute)
	if err := s.RemovePasskey(WithIdentity(context.Background(), id), q.ID, ""); fault.Code(err) != fault.Forbidden || !strings.Contains(fault.As(err).Message, "sign in again") {
		t.Errorf("a single sign-on account signed in long ago: %v", err)
	}
	id.SignedInAt = clock.Add(-time.Minute)
	if err := s.RemovePasskey(WithIdentity(context.Background(), id), q.ID, ""); err != nil {
		t.Errorf("a single sign-on account just signed in: %v", err)
	}
	if ks, _ := s.MyPasskeys(as(sso)); len(ks) != 0 {
		t.Errorf("%d passkeys left", len(ks))
	}
}

// A second factor that is passkeys alone does not vanish when the server
// stops offering passkeys or moves to another name: the password is
// refused, saying why, unless codes are there to ask for instead.
func TestPasskeysThatDoNotSignInHereRefuseThePassword(t *testing.T) {
	s, f, _ := passkeyService(t)
	register(t, s, f.users["owner"], newAuthenticator(t), "laptop")
	here := s.Passkeys
	elsewhere, err := NewPasskeys("https://longhaul.new.example", f, passkeyReader{f})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good := Attempt{Name: "owner", Password: "the right passphrase", From: "198.51.100.7"}
	for _, c := range []struct {
		name string
		pk   *Passkeys
		says []string
	}{
		{"passkeys off", nil, []string{"this server does not offer passkeys", "ask an administrator to reset your second factor"}},
		{"another site", elsewhere, []string{"for another site (longhaul.example.org), not this one (longhaul.new.example)", "ask an administrator to reset your second factor"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.Passkeys = c.pk
			sessions := f.sessions
			// More than the account's limit: the password was right, so
			// its attempt is taken back each time.
			for i := 0; i <= MaxAccountFailures; i++ {
				in, err := s.SignIn(ctx, good)
				e := fault.As(err)
				if e == nil || e.Code != fault.Unauthorized || in.Secret != "" || in.Challenge != "" {
					t.Fatalf("attempt %d: session %v, challenge %v, %v, want refused", i, in.Secret != "", in.Challenge != "", err)
				}
				for _, w := range c.says {
					if !strings.Contains(e.Message, w) {
						t.Errorf("the refusal %q does not say %q", e.Message, w)
					}
				}
			}
			if f.sessions != sessions {
				t.Error("a session was opened with the password alone")
			}
		})
	}
	if n := s.tally().counts[refusal{Action: "session.factor_unusable", Subject: "owner", From: "198.51.100.7"}]; n != 2*(MaxAccountFailures+1) {
		t.Errorf("%d refusals counted as session.factor_unusable", n)
	}
	// An administrator's reset, on a server that does not take them,
	// removes them, and the password signs in.
	for _, pk := range []*Passkeys{nil, elsewhere} {
		s.Passkeys = here
		register(t, s, f.users["owner"], newAuthenticator(t), "laptop")
		s.Passkeys = pk
		if err := s.ResetFactor(as(f.users["admin"]), "owner"); err != nil {
			t.Fatalf("resetting passkeys of another site, passkeys on: %v: %v", pk != nil, err)
		}
		if in, err := s.SignIn(ctx, good); err != nil || in.Secret == "" || len(f.keys) != 0 {
			t.Errorf("after the reset: %+v, %v, %d passkeys left", in, err, len(f.keys))
		}
	}
	// With codes too, the codes are asked for instead.
	s.Passkeys = here
	register(t, s, f.users["owner"], newAuthenticator(t), "laptop")
	enrol(t, s, f.fakeFactors)
	s.Passkeys = elsewhere
	in, err := s.SignIn(ctx, good)
	if err != nil || in.Challenge == "" {
		t.Fatalf("with codes as well: %+v, %v, want the code asked for", in, err)
	}
	if off, err := s.OfferSecondStep(ctx, in.Challenge); err != nil || !off.Code || off.Passkey != nil {
		t.Errorf("the second step offers %+v, %v, want the code alone", off, err)
	}
}

// A user whose role requires a second factor turns their codes off when a
// passkey that signs in here remains, as they remove their last passkey
// when codes remain; never so that none is left.
func TestCodesTurnOffWhileAUsablePasskeyRemains(t *testing.T) {
	for _, c := range []struct {
		name    string
		passkey bool
		server  func(here *Passkeys, f *fakePasskeys) *Passkeys // the passkeys the server offers then
		allowed bool
	}{
		{"a passkey of this site", true, func(here *Passkeys, _ *fakePasskeys) *Passkeys { return here }, true},
		{"no passkey", false, func(here *Passkeys, _ *fakePasskeys) *Passkeys { return here }, false},
		{"a passkey of another site", true, func(_ *Passkeys, f *fakePasskeys) *Passkeys {
			pk, _ := NewPasskeys("https://longhaul.new.example", f, passkeyReader{f})
			return pk
		}, false},
		{"passkeys off", true, func(*Passkeys, *fakePasskeys) *Passkeys { return nil }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, f, clock := passkeyService(t, Coordinator)
			owner := f.users["owner"]
			if c.passkey {
				register(t, s, owner, newAuthenticator(t), "laptop")
			}
			secret, _ := enrol(t, s, f.fakeFactors)
			s.Passkeys = c.server(s.Passkeys, f)
			*clock = clock.Add(time.Minute)
			code, _ := TOTPCode(secret, *clock)
			err := s.DisableFactor(as(owner), code)
			_, kept := f.factors[owner.ID]
			switch {
			case c.allowed && (err != nil || kept):
				t.Fatalf("turning the codes off: %v, codes kept %v", err, kept)
			case !c.allowed && (fault.Code(err) != fault.Forbidden || !kept):
				t.Fatalf("turning the codes off: %v, codes kept %v, want refused", err, kept)
			}
			if must, _ := s.MustEnrol(context.Background(), owner.Identity("session")); must {
				t.Error("the role's requirement is no longer met")
			}
		})
	}
}
