package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// The passkeys' pages: registering and removing them under the account's
// second factor, and the second step of a sign-in with one. The browser's
// side of the ceremonies is static/passkey.js; the rules are in
// internal/access/passkey.go.

const (
	// PasskeyCookie holds the state of a passkey sign-in ceremony, on the
	// sign-in pages only and for as long as its challenge lasts.
	PasskeyCookie = "longhaul_passkey"
	// PasskeyRegisterCookie holds the state of a registration, on the
	// second factor's pages only.
	PasskeyRegisterCookie = "longhaul_passkey_register"
)

func (s *Server) passkeyRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("POST", "/signin/passkey", access.Public, s.uiPasskeySignIn)
	add("POST", factorPath+"/passkeys", access.FactorOwn, s.uiPasskeyAdd)
	add("POST", factorPath+"/passkeys/{id}/remove", access.FactorOwn, s.uiPasskeyRemove)
}

func ceremonyCookie(w http.ResponseWriter, r *http.Request, name, path, value string) {
	c := &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(access.ChallengeLifetime / time.Second),
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// passkeyView is what the second factor's page shows of passkeys.
type passkeyView struct {
	On       bool
	Keys     []access.Passkey
	Options  string // the registration's options for navigator.credentials.create
	Added    string // the name of the passkey just registered
	Required bool
	// NoPassword says the account has no password of Longhaul's (single
	// sign-on): a recent sign-in confirms a removal instead.
	NoPassword bool
}

// passkeyPage begins a registration for the factor page when passkeys are
// offered: its state goes to a cookie, nothing is written.
func (s *Server) passkeyPage(w http.ResponseWriter, r *http.Request) (passkeyView, error) {
	if !s.Access.PasskeysOn() {
		return passkeyView{}, nil
	}
	keys, err := s.Access.MyPasskeys(r.Context())
	if err != nil {
		return passkeyView{}, err
	}
	hasPassword, err := s.Access.HasOwnPassword(r.Context())
	if err != nil {
		return passkeyView{}, err
	}
	if access.CheckFactorChange(access.IdentityFrom(r.Context())) != nil {
		// An API token reads the page but registers nothing.
		return passkeyView{On: true, Keys: keys, NoPassword: !hasPassword}, nil
	}
	c, err := s.Access.BeginPasskeyRegistration(r.Context())
	if err != nil {
		return passkeyView{}, err
	}
	ceremonyCookie(w, r, PasskeyRegisterCookie, factorPath, c.Cookie)
	return passkeyView{On: true, Keys: keys, Options: c.Options, NoPassword: !hasPassword}, nil
}

func (s *Server) uiPasskeyAdd(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	var cookie string
	if c, err := r.Cookie(PasskeyRegisterCookie); err == nil {
		cookie = c.Value
	}
	_, err := s.Access.FinishPasskeyRegistration(r.Context(), r.PostForm.Get("name"), cookie, r.PostForm.Get("response"))
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.factorPage(w, r, statusFor(err), nil, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice(factorPath, "passkey-added"), http.StatusSeeOther)
	return nil
}

func (s *Server) uiPasskeyRemove(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.Errorf(fault.NotFound, "no passkey %q", r.PathValue("id"))
	}
	if err := s.Access.RemovePasskey(r.Context(), id, r.PostForm.Get("password")); err != nil {
		if fe, ok := toFormErrors(err); ok {
			if e := fault.As(err); e.Field == "" {
				fe[""] = e.Message
			} else {
				fe["passkey-"+r.PathValue("id")] = e.Message
			}
			return s.factorPage(w, r, statusFor(err), nil, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice(factorPath, "passkey-removed"), http.StatusSeeOther)
	return nil
}

func (s *Server) uiPasskeySignIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	v := codeView{Next: safeNext(r.PostForm.Get("next")), Token: signInToken(w, r)}
	st := access.PasskeyStep{Response: r.PostForm.Get("response"), From: access.AddressKey(s.clientAddr(r))}
	if c, err := r.Cookie(ChallengeCookie); err == nil {
		st.Challenge = c.Value
	}
	if c, err := r.Cookie(PasskeyCookie); err == nil {
		st.Ceremony = c.Value
	}
	if c, err := r.Cookie(DeviceCookie); err == nil {
		st.Device = c.Value
	}
	again := func(status int, msg string) error {
		// A new ceremony for the next try.
		if err := s.offerSecondStep(w, r, &v, st.Challenge); err != nil {
			if err == access.ChallengeExpired {
				return s.signInExpired(w, r, v.Next)
			}
			return err
		}
		v.Error = msg
		return s.page(w, r, status, "mfa_code", "Your second factor", v, access.Unclassified)
	}
	if c, err := r.Cookie(signInCookie); err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		err := fault.Errorf(fault.Forbidden, "the sign-in form has expired: sign in again")
		s.refused(r, err)
		return again(http.StatusForbidden, fault.As(err).Message)
	}
	in, err := s.Access.CompletePasskeySignIn(r.Context(), st)
	if err != nil {
		switch {
		case err == access.ChallengeExpired:
			return s.signInExpired(w, r, v.Next)
		case fault.Code(err) == fault.Unauthorized:
			return again(http.StatusUnauthorized, fault.As(err).Message)
		case fault.Code(err) == fault.TooMany:
			e := fault.As(err)
			w.Header().Set("Retry-After", retrySeconds(e.RetryAfter))
			return again(http.StatusTooManyRequests, e.Message)
		}
		return err
	}
	ceremonyCookie(w, r, PasskeyCookie, "/signin", "")
	ceremonyCookie(w, r, ChallengeCookie, "/signin", "")
	if in.Device != "" {
		http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: in.Device, Path: "/signin", MaxAge: int(access.DeviceLifetime / time.Second),
			HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
	}
	setSessionCookie(w, r, in.Secret, in.Session.ExpiresAt)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

// offerSecondStep fills v with what the second step of the sign-in with
// challenge offers, keeping a passkey ceremony's state in its cookie.
func (s *Server) offerSecondStep(w http.ResponseWriter, r *http.Request, v *codeView, challenge string) error {
	off, err := s.Access.OfferSecondStep(r.Context(), challenge)
	if err != nil {
		return err
	}
	v.Code, v.Passkey = off.Code, ""
	if off.Passkey != nil {
		v.Passkey = off.Passkey.Options
		ceremonyCookie(w, r, PasskeyCookie, "/signin", off.Passkey.Cookie)
	}
	return nil
}

// signInExpired sends the browser back to the password, the challenge
// dropped, saying the sign-in has expired (access.ChallengeExpired).
func (s *Server) signInExpired(w http.ResponseWriter, r *http.Request, next string) error {
	ceremonyCookie(w, r, ChallengeCookie, "/signin", "")
	ceremonyCookie(w, r, PasskeyCookie, "/signin", "")
	http.Redirect(w, r, withNotice("/signin", "signin-expired")+"&next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}
