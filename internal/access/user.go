package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// User is a person who signs in, or whose tokens a program uses.
type User struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	DisplayName string         `json:"display_name"`
	Nation      string         `json:"nation"`
	Roles       []Role         `json:"roles"`
	Clearance   Classification `json:"clearance"`
	// Site is where a hub operator or facility manager works, a site code.
	Site         string    `json:"site,omitempty"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Identity is the identity the user acts as.
func (u User) Identity(via string) Identity {
	return Identity{UserID: u.ID, Name: u.Name, Nation: u.Nation, Roles: u.Roles, Clearance: u.Clearance, Site: u.Site, Via: via}
}

func (u User) activeAdmin() bool { return !u.Disabled && slices.Contains(u.Roles, Admin) }

// auditView is what the audit trail records of a user: never the hash.
func (u User) auditView() any {
	return struct {
		Name        string         `json:"name"`
		DisplayName string         `json:"display_name"`
		Nation      string         `json:"nation"`
		Roles       []Role         `json:"roles"`
		Clearance   Classification `json:"clearance"`
		Site        string         `json:"site,omitempty"`
		Disabled    bool           `json:"disabled"`
	}{u.Name, u.DisplayName, u.Nation, u.Roles, u.Clearance, u.Site, u.Disabled}
}

// Token is an API token of a user; only its hash is stored.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	UserName   string     `json:"user"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"` // the first characters, to tell tokens apart
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Active reports whether the token may be used at t.
func (t Token) Active(at time.Time) bool { return t.RevokedAt == nil && at.Before(t.ExpiresAt) }

// Session is a signed-in browser.
type Session struct {
	UserID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
	// ProviderMFA says the session was opened through an OpenID provider
	// that asked for a second factor itself (sso.go).
	ProviderMFA bool
}

// SessionLifetime is how long a session lasts after sign-in.
const SessionLifetime = 12 * time.Hour

// TokenPrefix starts every API token, so that a leaked one is recognisable.
const TokenPrefix = "lh_"

// Hash is the stored form of a session or API token.
func Hash(secret string) string {
	s := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(s[:])
}

// Tx is what the access use cases need from storage inside one transaction.
type Tx interface {
	Now() time.Time
	// NationReads reports whether code is a nation, and whether its
	// people read here (it holds an audience bit): the Allies, partners,
	// the recipient and institutions do; a country that only pledges does
	// not.
	NationReads(ctx context.Context, code string) (exists, reads bool, err error)
	SiteExists(ctx context.Context, code string) (bool, error)
	CountUsers(ctx context.Context) (int64, error)
	CountActiveAdmins(ctx context.Context) (int64, error)
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User, version int64) error
	CreateToken(ctx context.Context, t *Token, hash string) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
	TokenByID(ctx context.Context, id int64) (Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	// RevokeUserTokens revokes every token of the user still in force.
	RevokeUserTokens(ctx context.Context, userID int64, at time.Time) error
	CreateSession(ctx context.Context, hash string, s Session) error
	// CreateDevice records a browser the user signed in with, by the hash
	// of its device cookie.
	CreateDevice(ctx context.Context, hash string, d Device) error
	SessionByHash(ctx context.Context, hash string) (Session, error)
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the use cases of identities: users, sign-in, sessions and
// tokens.
type Service struct {
	Store Store
	Read  Reader
	// Now is the clock of checks made outside a transaction; nil is time.Now.
	Now func() time.Time
	// Throttle keeps the counts of failed sign-ins; nil keeps them in
	// this server's memory.
	Throttle Throttle
	// PasswordAdminsOnly refuses password sign-in to everyone but
	// administrators: the others sign in through the OpenID provider.
	PasswordAdminsOnly bool
	// Factor is the second factor's port and settings (totp.go); nil
	// asks nobody for a second factor.
	Factor *SecondFactor
	// Passkeys configures WebAuthn passkeys as a second factor
	// (passkey.go); nil offers none.
	Passkeys *Passkeys
	// Keys holds the deployment's sign-in key, which keys the second
	// step's challenges and the passkey ceremonies together with what the
	// database holds of the user; nil keys them by the latter alone.
	Keys KeySource

	// verify checks a password against its hash; nil is VerifyPassword.
	// It is a field so that what a sign-in verifies can be observed.
	verify func(hash, pw string) bool

	once     sync.Once
	keyMu    sync.Mutex
	key      []byte
	refusals *refusalTally
	memory   *MemoryThrottle
}

// KeySource reads the deployment's sign-in key.
type KeySource interface {
	SignInKey(ctx context.Context) ([]byte, error)
}

// signInKey returns the deployment's sign-in key, read once.
func (s *Service) signInKey(ctx context.Context) ([]byte, error) {
	if s.Keys == nil {
		return nil, nil
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key == nil {
		k, err := s.Keys.SignInKey(ctx)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	return s.key, nil
}

// MaxNameLength is the longest name an account may have, in bytes (the
// name pattern allows ASCII only). A sign-in with a longer name is refused
// before anything is looked up or counted against it.
const MaxNameLength = 64

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewUser is what an administrator gives to create a user.
type NewUser struct {
	Name        string
	DisplayName string
	Nation      string
	Roles       []Role
	Clearance   Classification
	Site        string // the site a hub operator or facility manager works at
	Password    string
}

// CreateUser adds a user.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	var errs fault.List
	name := strings.ToLower(strings.TrimSpace(in.Name))
	if !namePattern.MatchString(name) {
		errs.Add("name", "%q is not a user name: 2 to 64 lower-case letters, digits, dots, dashes or underscores", in.Name)
	}
	if len(in.Roles) == 0 {
		errs.Add("roles", "name at least one role")
	}
	if in.Clearance < Unclassified || in.Clearance > Secret {
		errs.Add("clearance", "is not a classification")
	}
	errs.Append("", CheckPassword(in.Password))
	nation := strings.ToUpper(strings.TrimSpace(in.Nation))
	if nation == "" {
		errs.Add("nation", "is required")
	}
	if err := errs.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, DisplayName: strings.TrimSpace(in.DisplayName), Nation: nation, Roles: in.Roles, Clearance: in.Clearance, Site: strings.ToUpper(strings.TrimSpace(in.Site)), PasswordHash: hash}
	if u.DisplayName == "" {
		u.DisplayName = name
	}
	err = s.Store.Transact(ctx, func(tx Tx) error {
		if err := userNation(ctx, tx, nation); err != nil {
			return err
		}
		if err := checkSite(ctx, tx, u.Site); err != nil {
			return err
		}
		if _, err := tx.UserByName(ctx, name); err == nil {
			return &fault.Error{Code: fault.Conflict, Field: "name", Message: "a user " + name + " already exists"}
		} else if fault.Code(err) != fault.NotFound {
			return err
		}
		u.CreatedAt, u.UpdatedAt = tx.Now(), tx.Now()
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "user.create", Entity: "user", EntityID: u.Name, After: u.auditView()})
	})
	return u, err
}

// UpdateUser changes a user's roles, clearance, nation or disabled flag
// through change, in one audited transaction.
func (s *Service) UpdateUser(ctx context.Context, name, action string, change func(*User) error) (User, error) {
	var out User
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.UserByName(ctx, strings.ToLower(name))
		if err != nil {
			return err
		}
		u := old
		u.Roles = append([]Role(nil), old.Roles...)
		if err := change(&u); err != nil {
			return err
		}
		if err := noSelfGrant(IdentityFrom(ctx), old, u); err != nil {
			return err
		}
		if old.activeAdmin() && !u.activeAdmin() {
			n, err := tx.CountActiveAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return fault.Errorf(fault.Conflict, "%s is the last active administrator: make another one first", old.Name)
			}
		}
		if u.Nation != old.Nation {
			if err := userNation(ctx, tx, u.Nation); err != nil {
				return err
			}
		}
		if u.Site != old.Site {
			if err := checkSite(ctx, tx, u.Site); err != nil {
				return err
			}
		}
		u.UpdatedAt = tx.Now()
		if err := tx.UpdateUser(ctx, &u, old.Version); err != nil {
			return err
		}
		if u.PasswordHash != old.PasswordHash || u.Disabled {
			// A new password or a disabled account ends every session and
			// revokes every API token: whoever took the old password may
			// have made one.
			if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
				return err
			}
			if err := tx.RevokeUserTokens(ctx, u.ID, tx.Now()); err != nil {
				return err
			}
		}
		out = u
		return tx.Audit(ctx, audit.Record{Action: "user." + action, Entity: "user", EntityID: u.Name, Before: old.auditView(), After: u.auditView()})
	})
	return out, err
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, name, pw string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	_, err = s.UpdateUser(ctx, name, "password", func(u *User) error { u.PasswordHash = hash; return nil })
	return err
}

// noSelfGrant refuses a signed-in user who gives themselves a role they do
// not hold or a higher clearance: an administrator cannot make themselves
// a coordinator cleared for NATO SECRET; another administrator must.
func noSelfGrant(me Identity, old, u User) error {
	if me.UserID == 0 || me.UserID != old.ID {
		return nil
	}
	for _, r := range u.Roles {
		if !slices.Contains(old.Roles, r) {
			return &fault.Error{Code: fault.Forbidden, Field: "roles", Message: fmt.Sprintf("you may not give yourself the role %s: another administrator does", r)}
		}
	}
	if u.Clearance > old.Clearance {
		return &fault.Error{Code: fault.Forbidden, Field: "clearance", Message: fmt.Sprintf("you may not raise your own clearance to %s: another administrator does", u.Clearance)}
	}
	return nil
}

// ChangeOwnPassword replaces the password of the user named after checking
// their current one; every session of theirs ends, this one included.
func (s *Service) ChangeOwnPassword(ctx context.Context, name, current, next string) error {
	if err := CheckPassword(next); err != nil {
		return fault.Field("new_password", "%s", fault.As(err).Message)
	}
	u, err := s.Read.UserByName(ctx, name)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return fault.Errorf(fault.Conflict, "your account signs in through single sign-on and has no password here to change")
	}
	if err := s.reconfirm(ctx, u, current, "current_password"); err != nil {
		return err
	}
	if current == next {
		return fault.Field("new_password", "is the same as the current one")
	}
	return s.SetPassword(ctx, name, next)
}

// SignOut ends the session with secret.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	return s.Store.Transact(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, Hash(secret)); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "session.signout", Entity: "user", EntityID: IdentityFrom(ctx).Name})
	})
}

// CreateToken creates an API token for the user named, valid for ttl, and
// returns its secret: the only time it is shown.
func (s *Service) CreateToken(ctx context.Context, userName, label string, ttl time.Duration) (Token, string, error) {
	if ttl < time.Minute || ttl > MaxTokenLifetime {
		return Token{}, "", fault.Field("expires", "must be between 1 minute and 2 years")
	}
	label = strings.TrimSpace(label)
	if label == "" || len(label) > 100 {
		return Token{}, "", fault.Field("name", "give the token a name of at most 100 characters, e.g. the program that uses it")
	}
	secret := TokenPrefix + RandomToken(32)
	var t Token
	err := s.Store.Transact(ctx, func(tx Tx) error {
		u, err := tx.UserByName(ctx, strings.ToLower(userName))
		if err != nil {
			return err
		}
		t = Token{UserID: u.ID, UserName: u.Name, Name: label, Hint: secret[:len(TokenPrefix)+6], CreatedAt: tx.Now(), ExpiresAt: tx.Now().Add(ttl)}
		if err := tx.CreateToken(ctx, &t, Hash(secret)); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "token.create", Entity: "token", EntityID: fmt.Sprint(t.ID), After: t})
	})
	return t, secret, err
}

// RevokeToken revokes a token; only its owner or an administrator may.
func (s *Service) RevokeToken(ctx context.Context, id int64) (Token, error) {
	me := IdentityFrom(ctx)
	var out Token
	err := s.Store.Transact(ctx, func(tx Tx) error {
		t, err := tx.TokenByID(ctx, id)
		if err != nil {
			return err
		}
		if t.UserID != me.UserID && !me.Has(Admin) && me.Via != "system" {
			return fault.Errorf(fault.NotFound, "no token %d", id)
		}
		if t.RevokedAt != nil {
			out = t
			return nil
		}
		if err := tx.RevokeToken(ctx, id, tx.Now()); err != nil {
			return err
		}
		now := tx.Now()
		t.RevokedAt = &now
		out = t
		return tx.Audit(ctx, audit.Record{Action: "token.revoke", Entity: "token", EntityID: fmt.Sprint(id), After: t})
	})
	return out, err
}

// tokenUseAudit is how often the use of one token is written to the audit
// trail: at its first use and then at most once in this period.
const tokenUseAudit = time.Hour

// Reader is what authentication reads outside any write transaction, so
// that checking a request's credentials never waits for a writer.
type Reader interface {
	DeviceByHash(ctx context.Context, hash string) (Device, error)
	SessionByHash(ctx context.Context, hash string) (Session, error)
	TokenByHash(ctx context.Context, hash string) (Token, error)
	UserByID(ctx context.Context, id int64) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
}

// Authenticate resolves a session secret or an API token to an identity.
// It returns Unauthorized for anything unknown, expired, revoked or
// belonging to a disabled user.
func (s *Service) Authenticate(ctx context.Context, sessionSecret, bearer string) (Identity, Session, error) {
	now := s.now()
	switch {
	case bearer != "":
		t, err := s.Read.TokenByHash(ctx, Hash(bearer))
		if fault.Code(err) == fault.Internal {
			return Identity{}, Session{}, err
		}
		if err != nil || !t.Active(now) {
			return Identity{}, Session{}, fault.Errorf(fault.Unauthorized, "the API token is unknown, expired or revoked")
		}
		u, err := s.activeUser(ctx, t.UserID)
		if err != nil {
			return Identity{}, Session{}, err
		}
		id := u.Identity("token")
		// Last use is kept to the minute, and written to the audit trail at
		// the first use and then hourly, so that a busy program does not
		// turn every read into a write.
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
			err := s.Store.Transact(WithIdentity(ctx, id), func(tx Tx) error {
				if err := tx.TouchToken(ctx, t.ID, tx.Now()); err != nil {
					return err
				}
				if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenUseAudit {
					return tx.Audit(WithIdentity(ctx, id), audit.Record{Action: "token.use", Entity: "token", EntityID: fmt.Sprint(t.ID)})
				}
				return nil
			})
			if err != nil {
				return Identity{}, Session{}, err
			}
		}
		return id, Session{}, nil
	case sessionSecret != "":
		sess, err := s.Read.SessionByHash(ctx, Hash(sessionSecret))
		if fault.Code(err) == fault.Internal {
			return Identity{}, Session{}, err
		}
		if err != nil || !now.Before(sess.ExpiresAt) {
			return Identity{}, Session{}, fault.Errorf(fault.Unauthorized, "the session has ended: sign in again")
		}
		u, err := s.activeUser(ctx, sess.UserID)
		if err != nil {
			return Identity{}, Session{}, err
		}
		id := u.Identity("session")
		id.ProviderMFA, id.SignedInAt = sess.ProviderMFA, sess.CreatedAt
		return id, sess, nil
	}
	return Identity{}, Session{}, fault.Errorf(fault.Unauthorized, "sign in or send an API token")
}

// activeUser returns the user a token or session belongs to, refusing a
// disabled one.
func (s *Service) activeUser(ctx context.Context, id int64) (User, error) {
	u, err := s.Read.UserByID(ctx, id)
	if err != nil {
		return u, err
	}
	if u.Disabled {
		return u, fault.Errorf(fault.Unauthorized, "the account is disabled")
	}
	return u, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// MaxTokenLifetime is the longest an API token may live.
const MaxTokenLifetime = 2 * 365 * 24 * time.Hour

// ParseLifetime reads a token lifetime written as days ("90d") or as a Go
// duration ("12h", "30m"); empty is 90 days. A lifetime over
// MaxTokenLifetime is refused here, before a number of days too large for
// a time.Duration could wrap round to a short or negative one.
func ParseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 90 * 24 * time.Hour, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 {
			if n > int(MaxTokenLifetime/(24*time.Hour)) {
				return 0, fault.Field("expires", "%q is longer than a token may live: at most %dd (2 years)", s, MaxTokenLifetime/(24*time.Hour))
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		if d > MaxTokenLifetime {
			return 0, fault.Field("expires", "%q is longer than a token may live: at most %dd (2 years)", s, MaxTokenLifetime/(24*time.Hour))
		}
		return d, nil
	}
	return 0, fault.Field("expires", "%q is not a lifetime: write days such as 90d or hours such as 12h", s)
}

// userNation refuses a nation a user cannot belong to: one that does not
// exist, or a country none of whose people read here (no record is ever
// released to it, so its people would see nothing of their own).
func userNation(ctx context.Context, tx Tx, code string) error {
	exists, reads, err := tx.NationReads(ctx, code)
	switch {
	case err != nil:
		return err
	case !exists:
		return fault.Field("nation", "no nation %q", code)
	case !reads:
		return fault.Field("nation", "%s pledges but does not read here: users belong to an Ally, a partner, Ukraine or an institution", code)
	}
	return nil
}

// checkSite refuses a work site that does not exist; no site is fine.
func checkSite(ctx context.Context, tx Tx, code string) error {
	if code == "" {
		return nil
	}
	ok, err := tx.SiteExists(ctx, code)
	if err != nil {
		return err
	}
	if !ok {
		return fault.Field("site", "no site %q", code)
	}
	return nil
}
