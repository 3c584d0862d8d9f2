package access

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// A passkey (WebAuthn) is a second factor as a TOTP secret is: after the
// password, a user with one signs in with it instead of a code. A user
// registers passkeys from their account's second factor page; each is
// named, and shows when it was made and last used. The ceremonies' state
// (the challenge the browser signs) is held by the browser in a cookie
// signed with a key made from what only the database holds of the user,
// never written before the ceremony passes. The user handle authenticators
// keep is a random id of the user, not their name. Passkeys are offered
// only where the site is a secure context: its origin (--webauthn-origin)
// is https://, or http://localhost.

// PasskeyNameMax is how long a passkey's name may be, in characters.
const PasskeyNameMax = 60

// Passkey is one WebAuthn credential of a user.
type Passkey struct {
	ID         int64               `json:"id"`
	UserID     int64               `json:"-"`
	Name       string              `json:"name"`
	Site       string              `json:"site"` // the relying party id it was registered for
	Credential webauthn.Credential `json:"-"`
	CreatedAt  time.Time           `json:"created_at"`
	LastUsedAt *time.Time          `json:"last_used_at,omitempty"`
}

// PasskeyTx is what the passkey use cases need inside one transaction.
// Every record is partitioned by the relying party id rp.
type PasskeyTx interface {
	Tx
	// FactorByUser returns the user's TOTP factor, or NotFound.
	FactorByUser(ctx context.Context, userID int64) (Factor, error)
	// PasskeyHandle returns the user's handle, or NotFound.
	PasskeyHandle(ctx context.Context, rp string, userID int64) ([]byte, error)
	// PutPasskeyHandle records the user's handle.
	PutPasskeyHandle(ctx context.Context, rp string, userID int64, handle []byte, at time.Time) error
	// PasskeysByUser returns the user's passkeys, oldest first.
	PasskeysByUser(ctx context.Context, rp string, userID int64) ([]Passkey, error)
	// AddPasskey records a new passkey; a credential id already recorded
	// is a Conflict.
	AddPasskey(ctx context.Context, rp string, p Passkey) (int64, error)
	// DeletePasskey removes the user's passkey id and reports whether
	// there was one.
	DeletePasskey(ctx context.Context, rp string, userID, id int64) (bool, error)
	// DeletePasskeys removes all the user's passkeys and their handle, of
	// every site, and returns how many passkeys there were.
	DeletePasskeys(ctx context.Context, userID int64) (int, error)
	// UsePasskey records what a sign-in changed of the credential (its
	// sign counter) and when it was used.
	UsePasskey(ctx context.Context, rp string, id int64, c webauthn.Credential, at time.Time) error
	// TakeChallenge records a ceremony's challenge as used and reports
	// whether it was not already, dropping those older than since.
	TakeChallenge(ctx context.Context, challenge string, at, since time.Time) (bool, error)
}

// PasskeyStore runs a function in one transaction with the passkey port.
type PasskeyStore interface {
	Transact(ctx context.Context, fn func(PasskeyTx) error) error
}

// PasskeyReader reads passkeys outside a write transaction.
type PasskeyReader interface {
	PasskeyHandle(ctx context.Context, rp string, userID int64) ([]byte, error)
	PasskeysByUser(ctx context.Context, rp string, userID int64) ([]Passkey, error)
}

// Passkeys configures the passkeys of a Service; nil: not offered.
type Passkeys struct {
	Store  PasskeyStore
	Read   PasskeyReader
	Origin string // e.g. https://longhaul.example.org
	RPID   string // the origin's host
	wa     *webauthn.WebAuthn
}

// NewPasskeys configures passkeys for the site at origin, which must be a
// secure context: https://HOST[:PORT], or http://localhost[:PORT].
func NewPasskeys(origin string, st PasskeyStore, rd PasskeyReader) (*Passkeys, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(origin), "/"))
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("--webauthn-origin %q: give the site's origin as its users reach it, e.g. https://longhaul.example.org", origin)
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && host == "localhost":
	default:
		return nil, fmt.Errorf("--webauthn-origin %q: browsers offer passkeys only to a secure context: an https:// origin, or http://localhost", origin)
	}
	if ip := strings.Trim(host, "[]"); strings.Count(ip, ".") == 3 && strings.Trim(ip, "0123456789.") == "" || strings.Contains(ip, ":") {
		return nil, fmt.Errorf("--webauthn-origin %q: a passkey belongs to a domain name, not an IP address", origin)
	}
	o := u.Scheme + "://" + strings.ToLower(u.Host)
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          host,
		RPDisplayName: Issuer,
		RPOrigins:     []string{o},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ChallengeLifetime, TimeoutUVD: ChallengeLifetime},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ChallengeLifetime, TimeoutUVD: ChallengeLifetime},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("--webauthn-origin %q: %w", origin, err)
	}
	return &Passkeys{Store: st, Read: rd, Origin: o, RPID: host, wa: wa}, nil
}

// PasskeysOn reports whether passkeys are offered.
func (s *Service) PasskeysOn() bool { return s.Passkeys != nil && s.Passkeys.wa != nil }

func (s *Service) passkeys() (*Passkeys, error) {
	if !s.PasskeysOn() {
		return nil, fault.Errorf(fault.Conflict, "passkeys are not set up on this server")
	}
	return s.Passkeys, nil
}

// passkeyCount counts the user's passkeys, none when passkeys are off.
func (s *Service) passkeyCount(ctx context.Context, userID int64) (int, error) {
	if !s.PasskeysOn() {
		return 0, nil
	}
	ps, err := s.Passkeys.Read.PasskeysByUser(ctx, s.Passkeys.RPID, userID)
	return len(ps), err
}

// signInPasskeys counts the passkeys of a user without codes that sign
// in here, reading their passkeys of every site once. A user who has
// passkeys and none of them usable (of another site, registered before the
// server moved to another name, or on a server that offers no passkeys) is
// refused: letting the password alone in would make their second factor
// vanish with a change of the server's name or settings; they are told
// why, and an administrator's reset (or passkeys offered for their site
// again) lets them in.
func (s *Service) signInPasskeys(ctx context.Context, userID int64) (int, error) {
	if s.Factor == nil || s.Factor.Read == nil {
		return s.passkeyCount(ctx, userID)
	}
	keys, err := s.Factor.Read.PasskeysOfUser(ctx, userID)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	if !s.PasskeysOn() {
		return 0, fault.Errorf(fault.Unauthorized, "your second factor is a passkey, and this server does not offer passkeys: ask an administrator to reset your second factor")
	}
	var sites []string
	usable := 0
	for _, k := range keys {
		if k.Site == s.Passkeys.RPID {
			usable++
		} else if !slices.Contains(sites, k.Site) {
			sites = append(sites, k.Site)
		}
	}
	if usable > 0 {
		return usable, nil
	}
	slices.Sort(sites)
	return 0, fault.Errorf(fault.Unauthorized, "your passkeys are for another site (%s), not this one (%s): ask an administrator to reset your second factor", strings.Join(sites, ", "), s.Passkeys.RPID)
}

// passkeyUser is a user as the WebAuthn library sees them.
type passkeyUser struct {
	u      User
	handle []byte
	keys   []Passkey
}

func (p passkeyUser) WebAuthnID() []byte { return p.handle }
func (p passkeyUser) WebAuthnName() string {
	return p.u.Name
}
func (p passkeyUser) WebAuthnDisplayName() string {
	if p.u.DisplayName != "" {
		return p.u.DisplayName
	}
	return p.u.Name
}
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	cs := make([]webauthn.Credential, len(p.keys))
	for i, k := range p.keys {
		cs[i] = k.Credential
	}
	return cs
}

// ceremony is the signed cookie of a ceremony in progress: the user, what
// the library must be given back, and a MAC keyed by what only the
// database holds of the user, so a new password voids it.
func ceremony(key []byte, u User, purpose string, sd *webauthn.SessionData) (string, error) {
	b, err := json.Marshal(sd)
	if err != nil {
		return "", fmt.Errorf("passkey ceremony: %w", err)
	}
	body := strconv.FormatInt(u.ID, 10) + "." + base64.RawURLEncoding.EncodeToString(b)
	return body + "." + ceremonyMAC(key, u, purpose, body), nil
}

func ceremonyMAC(server []byte, u User, purpose, body string) string {
	key := sha256.Sum256([]byte("longhaul passkey\x00" + purpose + "\x00" + hex.EncodeToString(server) + "\x00" + u.PasswordHash))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// ceremonyUser reads the user id of a ceremony cookie, unverified.
func ceremonyUser(c string) (int64, bool) {
	if len(c) > 4000 {
		return 0, false
	}
	id, _, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(id, 10, 64)
	return n, ok && err == nil
}

// openCeremony verifies the cookie c of u for purpose and returns its
// session data, or ok false when it is forged, of someone else or expired.
func openCeremony(key []byte, u User, purpose, c string, now time.Time) (webauthn.SessionData, bool) {
	var sd webauthn.SessionData
	i := strings.LastIndexByte(c, '.')
	if i < 0 || !hmac.Equal([]byte(ceremonyMAC(key, u, purpose, c[:i])), []byte(c[i+1:])) {
		return sd, false
	}
	id, rest, _ := strings.Cut(c[:i], ".")
	if id != strconv.FormatInt(u.ID, 10) {
		return sd, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || json.Unmarshal(b, &sd) != nil || !now.Before(sd.Expires) {
		return webauthn.SessionData{}, false
	}
	return sd, true
}

// PasskeyExpired is the answer to a registration whose ceremony does not
// hold: too old, forged, or of another account.
var PasskeyExpired = fault.Field("passkey", "the passkey request has expired: try again")

// PasskeyCeremony is a ceremony begun: the options for the browser's
// navigator.credentials call (JSON) and the cookie that keeps its state.
type PasskeyCeremony struct {
	Options string
	Cookie  string
}

// BeginPasskeyRegistration starts registering a passkey for the signed-in
// user, in a browser session (CheckFactorChange). It writes nothing: the user's handle, new or not, travels in the
// ceremony's cookie and is recorded when the passkey is.
func (s *Service) BeginPasskeyRegistration(ctx context.Context) (PasskeyCeremony, error) {
	if err := CheckFactorChange(IdentityFrom(ctx)); err != nil {
		return PasskeyCeremony{}, err
	}
	pk, err := s.passkeys()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	me := IdentityFrom(ctx)
	u, err := s.Read.UserByID(ctx, me.UserID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	handle, err := pk.Read.PasskeyHandle(ctx, pk.RPID, u.ID)
	if fault.Code(err) == fault.NotFound {
		handle, err = randomBytes(32), nil
	}
	if err != nil {
		return PasskeyCeremony{}, err
	}
	keys, err := pk.Read.PasskeysByUser(ctx, pk.RPID, u.ID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	pu := passkeyUser{u: u, handle: handle, keys: keys}
	exclude := make([]protocol.CredentialDescriptor, len(keys))
	for i, k := range keys {
		exclude[i] = k.Credential.Descriptor()
	}
	opts, sd, err := pk.wa.BeginRegistration(pu,
		webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred}))
	if err != nil {
		return PasskeyCeremony{}, fmt.Errorf("begin passkey registration: %w", err)
	}
	return s.ceremonyOut(ctx, u, "register", opts, sd)
}

func (s *Service) ceremonyOut(ctx context.Context, u User, purpose string, opts any, sd *webauthn.SessionData) (PasskeyCeremony, error) {
	key, err := s.signInKey(ctx)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	b, err := json.Marshal(opts)
	if err != nil {
		return PasskeyCeremony{}, fmt.Errorf("passkey options: %w", err)
	}
	// The ceremony lasts by the service's clock, as a sign-in's challenge does.
	sd.Expires = s.now().Add(ChallengeLifetime)
	c, err := ceremony(key, u, purpose, sd)
	return PasskeyCeremony{Options: string(b), Cookie: c}, err
}

// FinishPasskeyRegistration checks the browser's answer to the ceremony
// of cookie and records the new passkey under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, name, cookie, response string) (Passkey, error) {
	if err := CheckFactorChange(IdentityFrom(ctx)); err != nil {
		return Passkey{}, err
	}
	pk, err := s.passkeys()
	if err != nil {
		return Passkey{}, err
	}
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return Passkey{}, fault.Field("name", "is required: name the passkey after the device that holds it, e.g. work laptop")
	case utf8.RuneCountInString(name) > PasskeyNameMax:
		return Passkey{}, fault.Field("name", "is longer than %d characters", PasskeyNameMax)
	}
	me := IdentityFrom(ctx)
	u, err := s.Read.UserByID(ctx, me.UserID)
	if err != nil {
		return Passkey{}, err
	}
	key, err := s.signInKey(ctx)
	if err != nil {
		return Passkey{}, err
	}
	sd, ok := openCeremony(key, u, "register", cookie, s.now())
	if !ok {
		return Passkey{}, PasskeyExpired
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(response))
	if err != nil {
		return Passkey{}, fault.Field("passkey", "the browser's answer could not be read: try again")
	}
	keys, err := pk.Read.PasskeysByUser(ctx, pk.RPID, u.ID)
	if err != nil {
		return Passkey{}, err
	}
	cred, err := pk.wa.CreateCredential(passkeyUser{u: u, handle: sd.UserID, keys: keys}, sd, parsed)
	if err != nil {
		return Passkey{}, fault.Field("passkey", "was not accepted: %s", protocolReason(err))
	}
	p := Passkey{UserID: u.ID, Name: name, Credential: *cred}
	err = pk.Store.Transact(ctx, func(tx PasskeyTx) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil || cur.PasswordHash != u.PasswordHash || cur.Disabled {
			if err != nil && fault.Code(err) != fault.NotFound {
				return err
			}
			return PasskeyExpired
		}
		h, err := tx.PasskeyHandle(ctx, pk.RPID, u.ID)
		switch {
		case fault.Code(err) == fault.NotFound:
			if err := tx.PutPasskeyHandle(ctx, pk.RPID, u.ID, sd.UserID, tx.Now()); err != nil {
				return err
			}
		case err != nil:
			return err
		case !hmac.Equal(h, sd.UserID):
			return PasskeyExpired
		}
		p.CreatedAt = tx.Now()
		if p.ID, err = tx.AddPasskey(ctx, pk.RPID, p); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "factor.passkey_add", Entity: "user", EntityID: u.Name, After: map[string]any{"kind": "passkey", "passkey": p.ID, "name": name}})
	})
	return p, err
}

// protocolReason is what a person is told of a refused ceremony.
func protocolReason(err error) string {
	if e, ok := err.(*protocol.Error); ok && e.Details != "" {
		return strings.ToLower(strings.TrimSuffix(e.Details, "."))
	}
	return "the authenticator's answer does not hold"
}

// MyPasskeys returns the signed-in user's passkeys.
func (s *Service) MyPasskeys(ctx context.Context) ([]Passkey, error) {
	pk, err := s.passkeys()
	if err != nil {
		return nil, err
	}
	return pk.Read.PasskeysByUser(ctx, pk.RPID, IdentityFrom(ctx).UserID)
}

// RemovePasskey removes the signed-in user's passkey id, in a browser
// session (CheckFactorChange), once they have given their password again
// (reconfirm: a recent sign-in for an account without one). A user whose role requires a second factor keeps their
// last one.
func (s *Service) RemovePasskey(ctx context.Context, id int64, password string) error {
	pk, err := s.passkeys()
	if err != nil {
		return err
	}
	me := IdentityFrom(ctx)
	if me.UserID == 0 {
		return fault.Errorf(fault.Unauthorized, "sign in to remove a passkey")
	}
	if err := CheckFactorChange(me); err != nil {
		return err
	}
	who, err := s.Read.UserByID(ctx, me.UserID)
	if err != nil {
		return err
	}
	if err := s.reconfirm(ctx, who, password, "password"); err != nil {
		return err
	}
	return pk.Store.Transact(ctx, func(tx PasskeyTx) error {
		u, err := tx.UserByID(ctx, me.UserID)
		if err != nil {
			return err
		}
		keys, err := tx.PasskeysByUser(ctx, pk.RPID, u.ID)
		if err != nil {
			return err
		}
		var name string
		for _, k := range keys {
			if k.ID == id {
				name = k.Name
			}
		}
		if name == "" {
			return fault.Errorf(fault.NotFound, "you have no passkey %d", id)
		}
		if len(keys) == 1 && s.RequiresFactor(me) {
			f, err := tx.FactorByUser(ctx, u.ID)
			if err != nil && fault.Code(err) != fault.NotFound {
				return err
			}
			if err != nil || !f.Active() {
				return fault.Errorf(fault.Forbidden, "your role requires a second factor: register another passkey or set up codes before removing your last passkey")
			}
		}
		if _, err := tx.DeletePasskey(ctx, pk.RPID, u.ID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "factor.passkey_remove", Entity: "user", EntityID: u.Name, Before: map[string]any{"passkey": id, "name": name}})
	})
}

// SecondStepOffer is what the second step of a sign-in offers: a TOTP
// code, a passkey (with its ceremony), or both.
type SecondStepOffer struct {
	Code    bool
	Passkey *PasskeyCeremony
}

// verifyChallenge returns the user and TOTP factor (zero when none is
// active) of a second step's challenge that holds, or ChallengeExpired.
func (s *Service) verifyChallenge(ctx context.Context, c string) (User, Factor, error) {
	uid, expires, ok := challengeUser(c)
	if !ok || !s.now().Before(expires) {
		return User{}, Factor{}, ChallengeExpired
	}
	u, err := s.Read.UserByID(ctx, uid)
	if fault.Code(err) == fault.NotFound {
		return User{}, Factor{}, ChallengeExpired
	}
	if err != nil {
		return User{}, Factor{}, err
	}
	f, active, err := s.activeFactor(ctx, uid)
	if err != nil {
		return User{}, Factor{}, err
	}
	if !active {
		f = Factor{}
	}
	body := c[:strings.LastIndexByte(c, '.')]
	key, err := s.signInKey(ctx)
	if err != nil {
		return User{}, Factor{}, err
	}
	if u.Disabled || !hmac.Equal([]byte(challengeMAC(key, u, f, body)), []byte(c[len(body)+1:])) {
		return User{}, Factor{}, ChallengeExpired
	}
	return u, f, nil
}

// OfferSecondStep returns what the second step of the sign-in with
// challenge c offers, beginning a passkey ceremony when the user has
// passkeys. It writes nothing.
func (s *Service) OfferSecondStep(ctx context.Context, c string) (SecondStepOffer, error) {
	u, f, err := s.verifyChallenge(ctx, c)
	if err != nil {
		return SecondStepOffer{}, err
	}
	off := SecondStepOffer{Code: f.Active()}
	if !s.PasskeysOn() {
		return off, nil
	}
	pk := s.Passkeys
	keys, err := pk.Read.PasskeysByUser(ctx, pk.RPID, u.ID)
	if err != nil || len(keys) == 0 {
		return off, err
	}
	handle, err := pk.Read.PasskeyHandle(ctx, pk.RPID, u.ID)
	if err != nil {
		return off, err
	}
	opts, sd, err := pk.wa.BeginLogin(passkeyUser{u: u, handle: handle, keys: keys}, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return off, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	cer, err := s.ceremonyOut(ctx, u, "signin", opts, sd)
	if err != nil {
		return off, err
	}
	off.Passkey = &cer
	return off, nil
}

// PasskeyFailed is the answer to a passkey that does not sign in: of
// another account, replayed, or refused by the checks of its signature.
var PasskeyFailed = fault.Errorf(fault.Unauthorized, "the passkey was not accepted: use a passkey registered for this account")

// PasskeyStep is the second step of a sign-in with a passkey: the
// challenge of the password step, the ceremony's cookie, the browser's
// answer (JSON), the client's address and device cookie.
type PasskeyStep struct {
	Challenge, Ceremony, Response, From, Device string
}

// CompletePasskeySignIn checks a passkey's answer to the second step and
// opens the session. As with a code, a failure costs no durable write and
// counts against the account's factor throttle; a success records the
// ceremony's challenge as used (so its answer cannot be replayed), the
// credential's new sign counter, the session and the audited sign-in in
// one transaction. An authenticator whose sign counter went backwards may
// have been cloned: it is refused, as the WebAuthn library flags it.
func (s *Service) CompletePasskeySignIn(ctx context.Context, st PasskeyStep) (Opened, error) {
	pk, err := s.passkeys()
	if err != nil {
		return Opened{}, err
	}
	u, _, err := s.verifyChallenge(ctx, st.Challenge)
	if err != nil {
		return Opened{}, err
	}
	now := s.now()
	keys := []string{"factor:" + u.Name}
	if err := s.countAgainst(ctx, keys, u.Name, st.From, now); err != nil {
		return Opened{}, err
	}
	failed := func(action string) (Opened, error) {
		s.tally().add(refusal{Action: action, Subject: u.Name, From: st.From}, now)
		return Opened{}, PasskeyFailed
	}
	key, err := s.signInKey(ctx)
	if err != nil {
		return Opened{}, err
	}
	sd, ok := openCeremony(key, u, "signin", st.Ceremony, now)
	if !ok {
		return failed("session.factor_failed")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(st.Response))
	if err != nil {
		return failed("session.factor_failed")
	}
	pks, err := pk.Read.PasskeysByUser(ctx, pk.RPID, u.ID)
	if err != nil {
		return Opened{}, err
	}
	handle, err := pk.Read.PasskeyHandle(ctx, pk.RPID, u.ID)
	if fault.Code(err) == fault.NotFound {
		return failed("session.factor_failed")
	}
	if err != nil {
		return Opened{}, err
	}
	cred, err := pk.wa.ValidateLogin(passkeyUser{u: u, handle: handle, keys: pks}, sd, parsed)
	if err != nil {
		return failed("session.factor_failed")
	}
	if cred.Authenticator.CloneWarning {
		return failed("session.passkey_clone_warning")
	}
	var used Passkey
	for _, k := range pks {
		if hmac.Equal(k.Credential.ID, cred.ID) {
			used = k
		}
	}
	if used.ID == 0 {
		return failed("session.factor_failed")
	}
	var device string
	if st.Device != "" && len(st.Device) <= 200 {
		if d, err := s.Read.DeviceByHash(ctx, Hash(st.Device)); err == nil && d.UserID == u.ID {
			device = Hash(st.Device)
		}
	}
	var out Opened
	err = pk.Store.Transact(ctx, func(tx PasskeyTx) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil || cur.Disabled || cur.PasswordHash != u.PasswordHash {
			if err != nil && fault.Code(err) != fault.NotFound {
				return err
			}
			return ChallengeExpired
		}
		took, err := tx.TakeChallenge(ctx, sd.Challenge, tx.Now(), tx.Now().Add(-2*ChallengeLifetime))
		if err != nil {
			return err
		}
		if !took {
			return PasskeyFailed
		}
		if err := tx.UsePasskey(ctx, pk.RPID, used.ID, *cred, tx.Now()); err != nil {
			return err
		}
		return s.openSession(ctx, tx, cur, device, &out, map[string]any{"from": st.From, "factor": "passkey", "passkey": used.ID})
	})
	if err == PasskeyFailed {
		return failed("session.factor_failed")
	}
	if err != nil {
		return Opened{}, err
	}
	if err := s.throttle().Forget(ctx, keys); err != nil {
		return Opened{}, err
	}
	return out, nil
}

// FactorSummary is what a user has of second factors, without a secret:
// whether their role requires one, their TOTP factor ("active",
// "enrolling" or "none") with the recovery codes left, and their passkeys
// on every site.
type FactorSummary struct {
	User              string    `json:"user"`
	Required          bool      `json:"required"`
	TOTP              string    `json:"totp"`
	RecoveryCodesLeft int       `json:"recovery_codes_left"`
	Passkeys          []Passkey `json:"passkeys"`
	// PasskeysOffered says whether this server offers passkeys, and Site
	// the site it offers them for; PasskeysUsable counts the passkeys that
	// sign in here (those of Site, when offered): one of another site
	// neither signs in nor meets a role's requirement.
	PasskeysOffered bool   `json:"passkeys_offered"`
	Site            string `json:"site,omitempty"`
	PasskeysUsable  int    `json:"passkeys_usable"`
}

// FactorSummaryOf returns the second factors of the user called name: the
// signed-in user's own (name empty or theirs), or anyone's for an
// administrator.
func (s *Service) FactorSummaryOf(ctx context.Context, name string) (FactorSummary, error) {
	me := IdentityFrom(ctx)
	name = strings.ToLower(strings.TrimSpace(name))
	var u User
	var err error
	switch {
	case me.Via == "system":
		if name == "" {
			return FactorSummary{}, fault.Field("name", "name the user whose second factor to show")
		}
		u, err = s.Read.UserByName(ctx, name)
	case name == "" || name == me.Name:
		if me.UserID == 0 {
			return FactorSummary{}, fault.Errorf(fault.Unauthorized, "sign in to see your second factor")
		}
		u, err = s.Read.UserByID(ctx, me.UserID)
	case me.Has(Admin):
		u, err = s.Read.UserByName(ctx, name)
	default:
		return FactorSummary{}, fault.Errorf(fault.Forbidden, "only an administrator sees another user's second factor")
	}
	if err != nil {
		return FactorSummary{}, err
	}
	out := FactorSummary{User: u.Name, Required: s.RequiresFactor(u.Identity("session")), TOTP: "none", Passkeys: []Passkey{}, PasskeysOffered: s.PasskeysOn()}
	if out.PasskeysOffered {
		out.Site = s.Passkeys.RPID
	}
	if s.Factor == nil || s.Factor.Read == nil {
		return out, nil // a server without second factors
	}
	fs := s.Factor
	f, err := fs.Read.FactorByUser(ctx, u.ID)
	switch {
	case err == nil && f.Active():
		out.TOTP = "active"
		if out.RecoveryCodesLeft, err = fs.Read.RecoveryCodesLeft(ctx, u.ID); err != nil {
			return FactorSummary{}, err
		}
	case err == nil:
		out.TOTP = "enrolling"
	case fault.Code(err) != fault.NotFound:
		return FactorSummary{}, err
	}
	keys, err := fs.Read.PasskeysOfUser(ctx, u.ID)
	if err != nil {
		return FactorSummary{}, err
	}
	out.Passkeys = append(out.Passkeys, keys...)
	for _, k := range keys {
		if out.PasskeysOffered && k.Site == out.Site {
			out.PasskeysUsable++
		}
	}
	return out, nil
}
