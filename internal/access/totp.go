package access

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// A second factor is a TOTP secret (RFC 6238: six digits every 30 seconds,
// as authenticator apps make them) and ten single-use recovery codes. A
// user with one signs in in two steps: the password gives a challenge, not
// a session, and the session opens only when a code passes. A code is
// taken once: the time step it belongs to is recorded in the same
// transaction as the session, so a code seen over someone's shoulder, or
// replayed from a log, is refused within its window. Failed codes count
// against the throttle as failed passwords do and cost no durable write.
// API tokens are not asked for a code: a token is itself a secret that
// only a signed-in user (past their second factor) can make. Nor does a
// token change a second factor: that is done in a browser session
// (CheckFactorChange), and the codes its changes ask for count against
// the same throttle as those of the sign-in.
const (
	// TOTPPeriod is how long one code lasts.
	TOTPPeriod = 30 * time.Second
	// TOTPSkew is how many periods either side of now a code is taken in,
	// for clocks that drift.
	TOTPSkew = 1
	// RecoveryCodes is how many recovery codes a user gets.
	RecoveryCodes = 10
	// ChallengeLifetime is how long the second step waits for its code.
	ChallengeLifetime = 5 * time.Minute
	// MaxFactorFailures is how many wrong codes an account takes per
	// sign-in window.
	MaxFactorFailures = 5
	// Issuer names Longhaul in the authenticator app.
	Issuer = "Longhaul"
)

// Factor is a user's TOTP second factor. It is active once confirmed with
// a first code; until then it is an enrolment in progress.
type Factor struct {
	UserID      int64      `json:"user_id"`
	Secret      string     `json:"-"` // base32, as the authenticator app takes it
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
	// LastStep is the time step (Unix time / period) of the last code
	// taken; a code of that step or an earlier one is refused.
	LastStep  int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Active reports whether the factor is confirmed and asked for at sign-in.
func (f Factor) Active() bool { return f.ConfirmedAt != nil }

// FactorTx is what the second-factor use cases need inside one transaction.
type FactorTx interface {
	Tx
	// FactorByUser returns the user's factor, or NotFound.
	FactorByUser(ctx context.Context, userID int64) (Factor, error)
	// PutFactor creates or replaces the user's factor, dropping their
	// recovery codes.
	PutFactor(ctx context.Context, f Factor) error
	// ConfirmFactor marks the factor confirmed at at with the step of its
	// first code.
	ConfirmFactor(ctx context.Context, userID int64, at time.Time, step int64) error
	// DeleteFactor removes the user's factor and recovery codes.
	DeleteFactor(ctx context.Context, userID int64) error
	// TakeStep records step as the factor's last one if it is later than
	// the one recorded, in one statement, and reports whether it was: two
	// servers given the same code at once take it once.
	TakeStep(ctx context.Context, userID, step int64) (bool, error)
	// ReplaceRecoveryCodes replaces the user's recovery codes by these
	// hashes.
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, at time.Time) error
	// UseRecoveryCode marks the unused code with hash used at at, and
	// reports whether there was one.
	UseRecoveryCode(ctx context.Context, userID int64, hash string, at time.Time) (bool, error)
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)
}

// FactorStore runs a function in one transaction with the factor port.
type FactorStore interface {
	Transact(ctx context.Context, fn func(FactorTx) error) error
}

// FactorReader reads factors outside a write transaction.
type FactorReader interface {
	FactorByUser(ctx context.Context, userID int64) (Factor, error)
	RecoveryCodesLeft(ctx context.Context, userID int64) (int, error)
	// PasskeysOfUser returns the user's passkeys on every site, oldest
	// first, each with its site.
	PasskeysOfUser(ctx context.Context, userID int64) ([]Passkey, error)
}

// SecondFactor configures the second factor of a Service.
type SecondFactor struct {
	Store FactorStore
	Read  FactorReader
	// Required are the roles that may do nothing until they have an
	// active factor.
	Required []Role
}

// FactorState is what a user's account page shows of their factor.
type FactorState struct {
	Factor        *Factor // nil: none, not even an enrolment
	Enrolling     bool
	Active        bool
	Required      bool // one of the user's roles requires one
	RecoveryLeft  int
	Secret        string // for an enrolment: the secret to type in
	URL           string // for an enrolment: the otpauth:// URL
	QRCode        string // for an enrolment: the URL as a PNG data: URL
	AccountName   string
	RecoveryCodes []string // new codes, shown once
}

func (s *Service) factors() (SecondFactor, error) {
	if s.Factor == nil || s.Factor.Store == nil || s.Factor.Read == nil {
		return SecondFactor{}, fault.Errorf(fault.Internal, "the second factor is not wired")
	}
	return *s.Factor, nil
}

// RequiresFactor reports whether one of id's roles requires a second factor.
func (s *Service) RequiresFactor(id Identity) bool {
	if s.Factor == nil {
		return false
	}
	for _, r := range s.Factor.Required {
		if id.Has(r) {
			return true
		}
	}
	return false
}

// MustEnrol reports whether id, signed in with a session, must enrol a
// second factor before doing anything else: one of its roles requires one
// and it has none active. API tokens are never held back.
func (s *Service) MustEnrol(ctx context.Context, id Identity) (bool, error) {
	if id.Via != "session" || id.ProviderMFA || !s.RequiresFactor(id) {
		return false, nil
	}
	_, active, err := s.activeFactor(ctx, id.UserID)
	if err != nil || active {
		return false, err
	}
	// A passkey counts as a second factor (passkey.go).
	n, err := s.passkeyCount(ctx, id.UserID)
	return n == 0, err
}

// activeFactor returns the user's factor and whether it is active.
func (s *Service) activeFactor(ctx context.Context, userID int64) (Factor, bool, error) {
	if s.Factor == nil || s.Factor.Read == nil {
		return Factor{}, false, nil
	}
	f, err := s.Factor.Read.FactorByUser(ctx, userID)
	switch {
	case fault.Code(err) == fault.NotFound:
		return Factor{}, false, nil
	case err != nil:
		return Factor{}, false, err
	}
	return f, f.Active(), nil
}

// FactorState returns what the signed-in user's account page shows of
// their factor; for an enrolment in progress, the secret and its QR code.
func (s *Service) FactorState(ctx context.Context) (FactorState, error) {
	me := IdentityFrom(ctx)
	st := FactorState{Required: s.RequiresFactor(me), AccountName: me.Name}
	fs, err := s.factors()
	if err != nil {
		return st, err
	}
	f, err := fs.Read.FactorByUser(ctx, me.UserID)
	if fault.Code(err) == fault.NotFound {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Factor, st.Active, st.Enrolling = &f, f.Active(), !f.Active()
	if st.Active {
		st.RecoveryLeft, err = fs.Read.RecoveryCodesLeft(ctx, me.UserID)
		return st, err
	}
	key, err := totpKey(me.Name, f.Secret)
	if err != nil {
		return st, err
	}
	st.Secret, st.URL = f.Secret, key.URL()
	st.QRCode, err = qrDataURL(key)
	return st, err
}

// b32 is how secrets are written for authenticator apps: RFC 4648 base32
// without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return b
}

// totpKey is the key of secret for the account name, as an authenticator
// app is given it. A stored secret that is not base32 is an error, never a
// new random one.
func totpKey(name, secret string) (*otp.Key, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("totp key of %s: the stored secret is not base32", name)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: name, Secret: raw})
	if err != nil {
		return nil, fmt.Errorf("totp key: %w", err)
	}
	return k, nil
}

// qrDataURL draws the key's URL as a QR code, a PNG in a data: URL: made
// here, so that the secret is never sent to anyone else to draw.
func qrDataURL(k *otp.Key) (string, error) {
	img, err := k.Image(240, 240)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// CheckFactorChange refuses a change of id's second factors (enrolling,
// new recovery codes, turning codes off, registering or removing a
// passkey) unless it comes from a browser session: an API token is a
// secret a program keeps, needs no CSRF token, and was never asked for a
// second factor, so one that leaks must not be able to weaken or replace
// the factor that guards its user's sessions.
func CheckFactorChange(id Identity) error {
	if id.Via != "session" {
		return FactorChangeNeedsSession
	}
	return nil
}

// FactorChangeNeedsSession is the refusal of a change of second factors
// asked for with an API token.
var FactorChangeNeedsSession = fault.Errorf(fault.Forbidden, "second factors are changed only in the browser, signed in under Your account, Second factor (/account/factor): not with an API token")

// BeginEnrolment gives the signed-in user a new secret to confirm, in
// place of an enrolment not finished. A user with an active factor turns
// it off first.
func (s *Service) BeginEnrolment(ctx context.Context) error {
	me := IdentityFrom(ctx)
	if err := CheckFactorChange(me); err != nil {
		return err
	}
	fs, err := s.factors()
	if err != nil {
		return err
	}
	secret := b32.EncodeToString(randomBytes(20))
	return fs.Store.Transact(ctx, func(tx FactorTx) error {
		old, err := tx.FactorByUser(ctx, me.UserID)
		if err == nil && old.Active() {
			return fault.Errorf(fault.Conflict, "you already have a second factor: turn it off first to set up another")
		}
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		if err := tx.PutFactor(ctx, Factor{UserID: me.UserID, Secret: secret, CreatedAt: tx.Now()}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "factor.enrol_begin", Entity: "user", EntityID: me.Name})
	})
}

// ConfirmEnrolment activates the signed-in user's enrolment with its first
// code and returns their recovery codes, shown this once.
func (s *Service) ConfirmEnrolment(ctx context.Context, code string) ([]string, error) {
	me := IdentityFrom(ctx)
	if err := CheckFactorChange(me); err != nil {
		return nil, err
	}
	fs, err := s.factors()
	if err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes(me.UserID)
	err = fs.Store.Transact(ctx, func(tx FactorTx) error {
		f, err := tx.FactorByUser(ctx, me.UserID)
		if fault.Code(err) == fault.NotFound || (err == nil && f.Active()) {
			return fault.Errorf(fault.Conflict, "there is no second factor being set up: start again")
		}
		if err != nil {
			return err
		}
		step, ok := MatchTOTP(f.Secret, code, tx.Now(), f.LastStep)
		if !ok {
			return fault.Field("code", "is not the code your app shows now: check that its clock is right and type the current six digits")
		}
		if err := tx.ConfirmFactor(ctx, me.UserID, tx.Now(), step); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, me.UserID, hashes, tx.Now()); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "factor.enrol", Entity: "user", EntityID: me.Name, After: map[string]any{"kind": "totp", "recovery_codes": RecoveryCodes}})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RegenerateRecoveryCodes replaces the signed-in user's recovery codes
// after checking a current code, and returns the new ones, shown once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, code string) ([]string, error) {
	me := IdentityFrom(ctx)
	if err := CheckFactorChange(me); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes(me.UserID)
	err := s.withCode(ctx, code, "factor.recovery_regenerate", func(tx FactorTx) error {
		return tx.ReplaceRecoveryCodes(ctx, me.UserID, hashes, tx.Now())
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableFactor turns the signed-in user's codes off after checking a
// current code (or a recovery code). A user whose role requires a second
// factor keeps them unless a passkey that signs in here remains, as a user
// keeps their last passkey unless codes remain (RemovePasskey).
func (s *Service) DisableFactor(ctx context.Context, code string) error {
	me := IdentityFrom(ctx)
	if err := CheckFactorChange(me); err != nil {
		return err
	}
	return s.withCode(ctx, code, "factor.disable", func(tx FactorTx) error {
		if s.RequiresFactor(me) {
			passkeys := 0
			if ptx, ok := tx.(PasskeyTx); ok && s.PasskeysOn() {
				ks, err := ptx.PasskeysByUser(ctx, s.Passkeys.RPID, me.UserID)
				if err != nil {
					return err
				}
				passkeys = len(ks)
			}
			if passkeys == 0 {
				return fault.Errorf(fault.Forbidden, "your role requires a second factor: your codes stay on until you have registered a passkey (an administrator can reset them)")
			}
		}
		return tx.DeleteFactor(ctx, me.UserID)
	})
}

// wrongCode is the refusal of a code that is neither current nor an
// unused recovery code, on the account's own factor page.
var wrongCode = fault.Field("code", "is not a current code or an unused recovery code")

// withCode runs change with the signed-in user's active factor once code,
// a current code or an unused recovery code, has been taken, and audits
// it as action. The code counts against the account's factor throttle,
// the one the sign-in's second step counts against, so that a session
// (stolen, or left open) guesses codes no faster than a stranger at the
// sign-in: a wrong one is counted there and in the next summary as
// session.factor_failed, and past the limit every code is refused with
// TooMany until the window has passed; the right one is taken back.
func (s *Service) withCode(ctx context.Context, code, action string, change func(FactorTx) error) error {
	me := IdentityFrom(ctx)
	fs, err := s.factors()
	if err != nil {
		return err
	}
	now := s.now()
	keys := []string{"factor:" + me.Name}
	if err := s.countAgainst(ctx, keys, me.Name, "", now); err != nil {
		return err
	}
	err = fs.Store.Transact(ctx, func(tx FactorTx) error {
		f, err := tx.FactorByUser(ctx, me.UserID)
		if fault.Code(err) == fault.NotFound || (err == nil && !f.Active()) {
			return fault.Errorf(fault.Conflict, "you have no second factor")
		}
		if err != nil {
			return err
		}
		how, err := takeCode(ctx, tx, f, code, tx.Now())
		if err != nil {
			return err
		}
		if how == "" {
			return wrongCode
		}
		if err := change(tx); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: action, Entity: "user", EntityID: me.Name, After: map[string]string{"with": how}})
	})
	if err == wrongCode {
		s.tally().add(refusal{Action: "session.factor_failed", Subject: me.Name}, now)
		return err
	}
	if uerr := s.throttle().Uncount(ctx, keys); err == nil {
		err = uerr
	}
	return err
}

// ResetFactor removes the second factor of the user named, for an
// administrator helping someone who lost theirs, and ends that user's
// sessions: they sign in again with the password alone, and enrol again if
// their role requires it.
func (s *Service) ResetFactor(ctx context.Context, name string) error {
	fs, err := s.factors()
	if err != nil {
		return err
	}
	me := IdentityFrom(ctx)
	if !me.Has(Admin) && me.Via != "system" {
		return fault.Errorf(fault.Forbidden, "only an administrator resets a second factor")
	}
	return fs.Store.Transact(ctx, func(tx FactorTx) error {
		u, err := tx.UserByName(ctx, strings.ToLower(strings.TrimSpace(name)))
		if err != nil {
			return err
		}
		if u.ID == me.UserID {
			return fault.Errorf(fault.Forbidden, "you may not reset your own second factor: another administrator does")
		}
		f, err := tx.FactorByUser(ctx, u.ID)
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		hadFactor := err == nil
		if err := tx.DeleteFactor(ctx, u.ID); err != nil {
			return err
		}
		// Passkeys of every site go, whether or not this server offers
		// them: those that sign in nowhere are what a reset is asked for.
		passkeys := 0
		if ptx, ok := tx.(PasskeyTx); ok {
			if passkeys, err = ptx.DeletePasskeys(ctx, u.ID); err != nil {
				return err
			}
		}
		if !hadFactor && passkeys == 0 {
			return fault.Errorf(fault.Conflict, "%s has no second factor", u.Name)
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "factor.reset", Entity: "user", EntityID: u.Name, Before: map[string]any{"active": f.Active(), "passkeys": passkeys}})
	})
}

// takeCode takes code for the factor f at now: a TOTP code of a step not
// yet taken, or an unused recovery code. It returns how ("totp",
// "recovery code") or "" when the code is neither.
func takeCode(ctx context.Context, tx FactorTx, f Factor, code string, now time.Time) (string, error) {
	code = normalCode(code)
	if len(code) == 6 {
		step, ok := MatchTOTP(f.Secret, code, now, f.LastStep)
		if !ok {
			return "", nil
		}
		took, err := tx.TakeStep(ctx, f.UserID, step)
		if err != nil || !took {
			return "", err
		}
		return "totp", nil
	}
	if len(code) != recoveryLen {
		return "", nil
	}
	used, err := tx.UseRecoveryCode(ctx, f.UserID, recoveryHash(f.UserID, code), now)
	if err != nil || !used {
		return "", err
	}
	return "recovery code", nil
}

// MatchTOTP returns the time step of code for secret at now, within
// TOTPSkew periods either side, that is later than last: a code of a step
// already taken does not match.
func MatchTOTP(secret, code string, now time.Time, last int64) (int64, bool) {
	code = normalCode(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / int64(TOTPPeriod/time.Second)
	opts := totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for step := cur - TOTPSkew; step <= cur+TOTPSkew; step++ {
		if step <= last {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// TOTPCode returns the code of secret at t, as an authenticator app shows
// it.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// normalCode drops the spaces and dashes people type in codes, and
// lower-cases recovery codes.
func normalCode(c string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, c))
}

// recoveryLen is the length of a recovery code without its dash.
const recoveryLen = 10

// newRecoveryCodes makes a user's recovery codes, as they are shown
// ("abcde-fghij") and as they are stored.
func newRecoveryCodes(userID int64) (codes, hashes []string) {
	for range RecoveryCodes {
		c := strings.ToLower(b32.EncodeToString(randomBytes(7)))[:recoveryLen]
		codes = append(codes, c[:5]+"-"+c[5:])
		hashes = append(hashes, recoveryHash(userID, c))
	}
	return codes, hashes
}

// recoveryHash is the stored form of a recovery code: bound to its user,
// so that one user's hash says nothing about another's codes.
func recoveryHash(userID int64, code string) string {
	return Hash(strconv.FormatInt(userID, 10) + ":" + normalCode(code))
}

// The second step of a sign-in. The challenge the password step hands out
// is held by the browser, not the database, so that a password step costs
// no write: it names the user and its expiry, signed with a key made from
// what only the database holds of the user (the password hash and the
// factor's secret). A new password or a new factor voids every challenge
// out.

// challenge returns the signed challenge of user u with factor f until
// expires.
func challenge(key []byte, u User, f Factor, expires time.Time) string {
	body := strconv.FormatInt(u.ID, 10) + "." + strconv.FormatInt(expires.Unix(), 10) + "." + RandomToken(9)
	return body + "." + challengeMAC(key, u, f, body)
}

func challengeMAC(server []byte, u User, f Factor, body string) string {
	key := sha256.Sum256([]byte("longhaul second step\x00" + hex.EncodeToString(server) + "\x00" + u.PasswordHash + "\x00" + f.Secret))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// challengeUser reads the user id and expiry of a challenge, unverified.
func challengeUser(c string) (id int64, expires time.Time, ok bool) {
	parts := strings.Split(c, ".")
	if len(parts) != 4 || len(c) > 300 {
		return 0, time.Time{}, false
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, time.Time{}, false
	}
	return id, time.Unix(exp, 0), true
}

// ChallengeExpired is the answer to a second step whose challenge does not
// hold: expired, forged, or voided by a change of password or factor.
var ChallengeExpired = fault.Errorf(fault.Unauthorized, "the sign-in has expired: sign in again with your password")

// CodeFailed is the answer to a wrong, used or replayed code.
var CodeFailed = fault.Errorf(fault.Unauthorized, "the code is wrong or has already been used")

// SecondStep is the second step of a sign-in: the challenge the first gave,
// the code typed, the client's address and device cookie.
type SecondStep struct {
	Challenge, Code, From, Device string
}

// secondStepDue returns the challenge of a sign-in whose password passed
// for u when u has an active factor, "" when they have none. A user whose
// only factor is passkeys that do not sign in here is refused
// (signInPasskeys).
func (s *Service) secondStepDue(ctx context.Context, u User) (string, error) {
	f, active, err := s.activeFactor(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if !active {
		// A user with passkeys and no codes signs in with a passkey; the
		// challenge is keyed by the password alone.
		n, err := s.signInPasskeys(ctx, u.ID)
		if err != nil || n == 0 {
			return "", err
		}
		f = Factor{}
	}
	key, err := s.signInKey(ctx)
	if err != nil {
		return "", err
	}
	return challenge(key, u, f, s.now().Add(ChallengeLifetime)), nil
}

// CompleteSignIn checks the code of a second step and opens the session.
// A wrong or replayed code costs no durable write: it counts against the
// account's factor throttle and reaches the audit trail in the next
// summary. A code that passes is taken, the session opened and the sign-in
// audited in one transaction.
func (s *Service) CompleteSignIn(ctx context.Context, st SecondStep) (Opened, error) {
	fs, err := s.factors()
	if err != nil {
		return Opened{}, err
	}
	now := s.now()
	uid, expires, ok := challengeUser(st.Challenge)
	if !ok || !now.Before(expires) {
		return Opened{}, ChallengeExpired
	}
	u, err := s.Read.UserByID(ctx, uid)
	if fault.Code(err) == fault.NotFound {
		return Opened{}, ChallengeExpired
	}
	if err != nil {
		return Opened{}, err
	}
	f, err := fs.Read.FactorByUser(ctx, uid)
	if fault.Code(err) == fault.NotFound {
		return Opened{}, ChallengeExpired
	}
	if err != nil {
		return Opened{}, err
	}
	body := st.Challenge[:strings.LastIndexByte(st.Challenge, '.')]
	key, err := s.signInKey(ctx)
	if err != nil {
		return Opened{}, err
	}
	if !f.Active() || u.Disabled || !hmac.Equal([]byte(challengeMAC(key, u, f, body)), []byte(st.Challenge[len(body)+1:])) {
		return Opened{}, ChallengeExpired
	}
	keys := []string{"factor:" + u.Name}
	if err := s.countAgainst(ctx, keys, u.Name, st.From, now); err != nil {
		return Opened{}, err
	}
	failed := func() (Opened, error) {
		s.tally().add(refusal{Action: "session.factor_failed", Subject: u.Name, From: st.From}, now)
		return Opened{}, CodeFailed
	}
	// A code that cannot match is refused before any transaction.
	code := normalCode(st.Code)
	if len(code) == 6 {
		if _, ok := MatchTOTP(f.Secret, code, now, f.LastStep); !ok {
			return failed()
		}
	} else if len(code) != recoveryLen {
		return failed()
	}
	var device string
	if st.Device != "" && len(st.Device) <= 200 {
		if d, err := s.Read.DeviceByHash(ctx, Hash(st.Device)); err == nil && d.UserID == u.ID {
			device = Hash(st.Device)
		}
	}
	var out Opened
	err = fs.Store.Transact(ctx, func(tx FactorTx) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil || cur.Disabled || cur.PasswordHash != u.PasswordHash {
			if err != nil && fault.Code(err) != fault.NotFound {
				return err
			}
			return ChallengeExpired
		}
		how, err := takeCode(ctx, tx, f, code, tx.Now())
		if err != nil {
			return err
		}
		if how == "" {
			return CodeFailed
		}
		after := map[string]any{"from": st.From, "factor": how}
		if how == "recovery code" {
			left, err := tx.RecoveryCodesLeft(ctx, u.ID)
			if err != nil {
				return err
			}
			after["recovery_codes_left"] = left
			out.RecoveryLeft = &left
		}
		return s.openSession(ctx, tx, cur, device, &out, after)
	})
	if err == CodeFailed {
		return failed()
	}
	if err != nil {
		return Opened{}, err
	}
	if err := s.throttle().Forget(ctx, keys); err != nil {
		return Opened{}, err
	}
	return out, nil
}

// openSession opens a session for u in tx, with a new device cookie when
// the browser had none for u, and audits the sign-in.
func (s *Service) openSession(ctx context.Context, tx Tx, u User, device string, out *Opened, after any) error {
	out.User = u
	out.Secret = RandomToken(32)
	out.Session = Session{UserID: u.ID, CSRF: RandomToken(24), CreatedAt: tx.Now(), ExpiresAt: tx.Now().Add(SessionLifetime)}
	if err := tx.CreateSession(ctx, Hash(out.Secret), out.Session); err != nil {
		return err
	}
	if device == "" {
		out.Device = RandomToken(24)
		if err := tx.CreateDevice(ctx, Hash(out.Device), Device{UserID: u.ID, CreatedAt: tx.Now()}); err != nil {
			return err
		}
	}
	return tx.Audit(ctx, audit.Record{Action: "session.signin", Entity: "user", EntityID: u.Name, After: after})
}

// ParseRequiredRoles reads the roles of --mfa-required-roles: role names
// separated by commas ("coordinator,admin"); "none" or empty is none.
func ParseRequiredRoles(s string) ([]Role, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	rs, err := ParseRoles(s)
	if err != nil {
		return nil, err
	}
	slices.Sort(rs)
	return slices.Compact(rs), nil
}
