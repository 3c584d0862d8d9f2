package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// SSOTx is what single sign-on needs of storage beyond Tx: the links of
// accounts to the people an OpenID provider vouches for. The store's
// transaction has both; a Tx without it takes no single sign-on.
type SSOTx interface {
	// UserBySSOLink returns the user linked to subject at issuer.
	UserBySSOLink(ctx context.Context, issuer, subject string) (User, error)
	// CreateSSOLink links the user to subject at issuer.
	CreateSSOLink(ctx context.Context, issuer, subject string, userID int64, at time.Time) error
}

// ExternalSignIn is a sign-in an OpenID provider vouched for: who the
// provider says the person is, and what the claim-mapping rules grant.
type ExternalSignIn struct {
	// Issuer and Subject name the person, for good: an account is linked
	// by them, never by an e-mail address.
	Issuer, Subject string
	// Name is the account name a new user is given, if it is free and is
	// a user name (the provider's preferred_username, or the e-mail's
	// local part); DisplayName the name shown.
	Name, DisplayName string
	Roles             []Role
	Nation            string
	Clearance         Classification
	Site              string
	// Rule is the name of the rule that granted the rest, for the audit.
	Rule string
	// MultiFactor says the provider asked for a second factor itself. A
	// user with a second factor of Longhaul's is asked for its code
	// after the provider unless it did.
	MultiFactor bool
	// From is the client's address.
	From string
}

// SignInExternal opens a session for a person an OpenID provider vouched
// for. The first time, it provisions an account with no password, linked
// to the issuer and subject; each time, the account's roles, nation,
// clearance and site become what the rules grant now, audited when they
// change. A disabled account, or a nation or site that is not one, is
// refused and nothing is written. A user with a second factor whom the
// provider did not ask for a second factor gets a challenge for its code
// instead of a session (CompleteSignIn opens it).
func (s *Service) SignInExternal(ctx context.Context, in ExternalSignIn) (Opened, error) {
	if in.Issuer == "" || in.Subject == "" {
		return Opened{}, fault.Errorf(fault.Unauthorized, "the provider named nobody")
	}
	if len(in.Roles) == 0 {
		return Opened{}, fault.Errorf(fault.Forbidden, "no role granted")
	}
	var out Opened
	err := s.Store.Transact(ctx, func(tx Tx) error {
		links, ok := tx.(SSOTx)
		if !ok {
			return fault.Errorf(fault.Internal, "this store keeps no single sign-on links")
		}
		u, err := links.UserBySSOLink(ctx, in.Issuer, in.Subject)
		switch {
		case err == nil:
			if u, err = s.regrant(ctx, tx, u, in); err != nil {
				return err
			}
		case fault.Code(err) == fault.NotFound:
			if u, err = s.provision(ctx, tx, links, in); err != nil {
				return err
			}
		default:
			return err
		}
		if !in.MultiFactor && s.Factor != nil {
			// Second factor: the provider asked for one factor only, so
			// the user's own is asked next, as after a password; what the
			// rules grant is kept, the session waits for the code.
			ch, err := s.secondStepDue(ctx, u)
			if err != nil {
				return err
			}
			if ch != "" {
				out = Opened{User: u, Challenge: ch}
				return nil
			}
		}
		out.User = u
		out.Secret = RandomToken(32)
		out.Session = Session{UserID: u.ID, CSRF: RandomToken(24), CreatedAt: tx.Now(), ExpiresAt: tx.Now().Add(SessionLifetime), ProviderMFA: in.MultiFactor}
		if err := tx.CreateSession(ctx, Hash(out.Secret), out.Session); err != nil {
			return err
		}
		return tx.Audit(WithIdentity(ctx, u.Identity("session")), audit.Record{Action: "session.signin", Entity: "user", EntityID: u.Name,
			After: map[string]any{"from": in.From, "via": "oidc", "issuer": in.Issuer, "rule": in.Rule, "provider_mfa": in.MultiFactor}})
	})
	if err != nil {
		return Opened{}, err
	}
	return out, nil
}

// regrant gives a linked account what the rules grant now.
func (s *Service) regrant(ctx context.Context, tx Tx, old User, in ExternalSignIn) (User, error) {
	if old.Disabled {
		return User{}, fault.Errorf(fault.Unauthorized, "your Longhaul account %s is disabled: ask an administrator", old.Name)
	}
	u := old
	u.Roles, u.Nation, u.Clearance, u.Site = sortedRoles(in.Roles), in.Nation, in.Clearance, in.Site
	if slices.Equal(u.Roles, old.Roles) && u.Nation == old.Nation && u.Clearance == old.Clearance && u.Site == old.Site {
		return old, nil
	}
	if u.Nation != old.Nation {
		if err := userNation(ctx, tx, u.Nation); err != nil {
			return User{}, err
		}
	}
	if u.Site != old.Site {
		if err := checkSite(ctx, tx, u.Site); err != nil {
			return User{}, err
		}
	}
	if old.activeAdmin() && !u.activeAdmin() {
		n, err := tx.CountActiveAdmins(ctx)
		if err != nil {
			return User{}, err
		}
		if n <= 1 {
			return User{}, fault.Errorf(fault.Conflict, "%s is the last active administrator, and the rules no longer make them one: make another administrator first", old.Name)
		}
	}
	u.UpdatedAt = tx.Now()
	if err := tx.UpdateUser(ctx, &u, old.Version); err != nil {
		return User{}, err
	}
	u.Version = old.Version + 1
	err := tx.Audit(WithIdentity(ctx, u.Identity("session")), audit.Record{Action: "user.sso_update", Entity: "user", EntityID: u.Name,
		Before: old.auditView(), After: u.auditView()})
	return u, err
}

// provision creates the account of a person signing in for the first
// time, and links it.
func (s *Service) provision(ctx context.Context, tx Tx, links SSOTx, in ExternalSignIn) (User, error) {
	if err := userNation(ctx, tx, in.Nation); err != nil {
		return User{}, err
	}
	if err := checkSite(ctx, tx, in.Site); err != nil {
		return User{}, err
	}
	name, err := freeName(ctx, tx, in)
	if err != nil {
		return User{}, err
	}
	u := User{Name: name, DisplayName: strings.TrimSpace(in.DisplayName), Nation: in.Nation, Roles: sortedRoles(in.Roles), Clearance: in.Clearance, Site: in.Site,
		CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
	if u.DisplayName == "" || len(u.DisplayName) > 200 {
		u.DisplayName = name
	}
	if err := tx.CreateUser(ctx, &u); err != nil {
		return User{}, err
	}
	if err := links.CreateSSOLink(ctx, in.Issuer, in.Subject, u.ID, tx.Now()); err != nil {
		return User{}, err
	}
	err = tx.Audit(WithIdentity(ctx, u.Identity("session")), audit.Record{Action: "user.sso_provision", Entity: "user", EntityID: u.Name,
		After: struct {
			User    any    `json:"user"`
			Issuer  string `json:"issuer"`
			Subject string `json:"subject"`
			Rule    string `json:"rule"`
		}{u.auditView(), in.Issuer, in.Subject, in.Rule}})
	return u, err
}

var notNameChars = regexp.MustCompile(`[^a-z0-9._-]+`)

// freeName is the account name of a new linked user: the name the
// provider suggests, made a user name, with -2, -3, … when it is taken;
// sso- and a hash of the subject when it suggests nothing usable.
func freeName(ctx context.Context, tx Tx, in ExternalSignIn) (string, error) {
	base := strings.ToLower(strings.TrimSpace(in.Name))
	if at := strings.IndexByte(base, '@'); at > 0 {
		base = base[:at]
	}
	base = strings.Trim(notNameChars.ReplaceAllString(base, "-"), "-._")
	if len(base) > 56 {
		base = base[:56]
	}
	if !namePattern.MatchString(base) {
		base = "sso-" + Hash(in.Issuer + " " + in.Subject)[:10]
	}
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		_, err := tx.UserByName(ctx, name)
		if fault.Code(err) == fault.NotFound {
			return name, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "sso-" + Hash(in.Issuer + " " + in.Subject)[:16], nil
}

func sortedRoles(rs []Role) []Role {
	out := slices.Clone(rs)
	slices.Sort(out)
	return slices.Compact(out)
}

// RefusedExternal counts a sign-in through an OpenID provider that the
// rules refused, for the next access.refused_summary: the person is not
// signed in, so it costs no write of its own.
func (s *Service) RefusedExternal(subject, from string) {
	s.tally().add(refusal{Action: "session.sso_refused", Subject: subject, From: from}, s.now())
}

// PasswordNotHere refuses the password sign-in of someone other than an
// administrator where they sign in through the OpenID provider.
var PasswordNotHere = fault.Errorf(fault.Unauthorized, "sign in through single sign-on: password sign-in is kept for administrators here")
