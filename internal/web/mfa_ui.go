package web

import (
	"context"
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// The second factor's pages: the second step of a sign-in
// (/signin/code), the account's factor (/account/factor: enrol, recovery
// codes, turn off) and an administrator's reset. The rules are in
// internal/access/totp.go.

// ChallengeCookie holds the challenge of a sign-in waiting for its code,
// only on the sign-in pages and for as long as the challenge lasts.
const ChallengeCookie = "longhaul_challenge"

// factorPath is the page of the account's second factor.
const factorPath = "/account/factor"

func (s *Server) mfaRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/signin/code", access.Public, s.uiCodeForm)
	add("POST", "/signin/code", access.Public, s.uiCode)
	add("GET", factorPath, access.SignedIn, s.uiFactor)
	add("POST", factorPath+"/begin", access.FactorOwn, s.uiFactorBegin)
	add("POST", factorPath+"/confirm", access.FactorOwn, s.uiFactorConfirm)
	add("POST", factorPath+"/recovery", access.FactorOwn, s.uiFactorRecovery)
	add("POST", factorPath+"/disable", access.FactorOwn, s.uiFactorDisable)
	add("POST", "/admin/users/{name}/factor/reset", access.UserAdmin, s.uiFactorReset)
	s.passkeyRoutes(add)
}

func (s *Server) mfaAPIRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("POST", "/api/v1/users/{name}/factor/reset", access.UserAdmin, s.apiFactorReset)
	add("GET", "/api/v1/users/{name}/factor", access.UserAdmin, s.apiUserFactor)
	add("GET", "/api/v1/account/factor", access.SignedIn, s.apiMyFactor)
	add("POST", "/api/v1/account/passkeys/{id}/remove", access.FactorOwn, s.apiPasskeyRemove)
}

func (s *Server) apiMyFactor(w http.ResponseWriter, r *http.Request) error {
	out, err := s.Access.FactorSummaryOf(r.Context(), "")
	if err != nil {
		return err
	}
	return writeJSON(w, 200, out)
}

func (s *Server) apiUserFactor(w http.ResponseWriter, r *http.Request) error {
	out, err := s.Access.FactorSummaryOf(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, out)
}

func (s *Server) apiPasskeyRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return fault.Errorf(fault.NotFound, "no passkey %q", r.PathValue("id"))
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.Access.RemovePasskey(r.Context(), id, in.Password); err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"removed": id})
}

type secureKey struct{}

// secureCookies reports whether r's cookies are marked Secure: served over
// TLS here, or by a server told it is behind a TLS proxy (--production).
func secureCookies(r *http.Request) bool {
	return r.TLS != nil || r.Context().Value(secureKey{}) != nil
}

// enrolFirst is the refusal of a request by someone whose role requires a
// second factor they have not set up.
var enrolFirst = &fault.Error{Code: fault.Forbidden, Field: "second_factor", Message: "your role requires a second factor: set it up under Your account, Second factor (" + factorPath + "), before anything else"}

// enrolmentGate refuses everything but enrolling and signing out to a
// session whose role requires a second factor it does not have.
func (s *Server) enrolmentGate(ctx context.Context, rt Route, id access.Identity) error {
	if rt.Perm == access.Public || id.Via != "session" || strings.HasPrefix(rt.Pattern, factorPath) || strings.HasPrefix(rt.Pattern, "/api/v1"+factorPath) || rt.Pattern == "/signout" || rt.Pattern == "/api/v1/me" {
		return nil
	}
	must, err := s.Access.MustEnrol(ctx, id)
	if err != nil {
		return err
	}
	if must {
		return enrolFirst
	}
	return nil
}

type codeView struct {
	Next, Error string
	Token       string // the sign-in form's own CSRF token
	// Code is whether a TOTP code is asked; Passkey, when not empty, the
	// options of a passkey ceremony (passkey_ui.go) offered instead.
	Code    bool
	Passkey string
}

// startSecondStep keeps the challenge of a sign-in whose password passed
// and sends the browser to the code's page.
func startSecondStep(w http.ResponseWriter, r *http.Request, challenge, next string) {
	startSecondStepAs(w, r, challenge, next, http.SameSiteStrictMode)
}

// startSecondStepAs is startSecondStep with the challenge cookie's SameSite.
func startSecondStepAs(w http.ResponseWriter, r *http.Request, challenge, next string, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: ChallengeCookie, Value: challenge, Path: "/signin", MaxAge: int(access.ChallengeLifetime / time.Second),
		HttpOnly: true, Secure: secureCookies(r), SameSite: same})
	http.Redirect(w, r, "/signin/code?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func (s *Server) uiCodeForm(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(ChallengeCookie)
	if err != nil || c.Value == "" {
		http.Redirect(w, r, withNotice("/signin", "password-first")+"&next="+url.QueryEscape(safeNext(r.URL.Query().Get("next"))), http.StatusSeeOther)
		return nil
	}
	v := codeView{Next: safeNext(r.URL.Query().Get("next")), Token: signInToken(w, r)}
	if err := s.offerSecondStep(w, r, &v, c.Value); err != nil {
		if err == access.ChallengeExpired {
			return s.signInExpired(w, r, v.Next)
		}
		return err
	}
	return s.page(w, r, 200, "mfa_code", "Your second factor", v, access.Unclassified)
}

func (s *Server) uiCode(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	v := codeView{Next: safeNext(r.PostForm.Get("next")), Token: signInToken(w, r), Code: true}
	if c, err := r.Cookie(ChallengeCookie); err == nil {
		// Offered again after a refusal: a passkey, if there is one.
		if err := s.offerSecondStep(w, r, &v, c.Value); err != nil && err != access.ChallengeExpired {
			return err
		}
	}
	if c, err := r.Cookie(signInCookie); err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		err := fault.Errorf(fault.Forbidden, "the sign-in form has expired: sign in again")
		s.refused(r, err)
		v.Error = fault.As(err).Message
		return s.page(w, r, http.StatusForbidden, "mfa_code", "Your code", v, access.Unclassified)
	}
	st := access.SecondStep{Code: r.PostForm.Get("code"), From: access.AddressKey(s.clientAddr(r))}
	if c, err := r.Cookie(ChallengeCookie); err == nil {
		st.Challenge = c.Value
	}
	if c, err := r.Cookie(DeviceCookie); err == nil {
		st.Device = c.Value
	}
	in, err := s.Access.CompleteSignIn(r.Context(), st)
	if err != nil {
		switch {
		case err == access.ChallengeExpired:
			return s.signInExpired(w, r, v.Next)
		case fault.Code(err) == fault.Unauthorized:
			v.Error = fault.As(err).Message
			return s.page(w, r, http.StatusUnauthorized, "mfa_code", "Your code", v, access.Unclassified)
		case fault.Code(err) == fault.TooMany:
			e := fault.As(err)
			v.Error = e.Message
			w.Header().Set("Retry-After", retrySeconds(e.RetryAfter))
			return s.page(w, r, http.StatusTooManyRequests, "mfa_code", "Your code", v, access.Unclassified)
		}
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: ChallengeCookie, Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
	if in.Device != "" {
		http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: in.Device, Path: "/signin", MaxAge: int(access.DeviceLifetime / time.Second),
			HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
	}
	setSessionCookie(w, r, in.Secret, in.Session.ExpiresAt)
	next := v.Next
	if in.RecoveryLeft != nil {
		next = withNotice(factorPath, "recovery-code-used", *in.RecoveryLeft)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

type factorView struct {
	access.FactorState
	Codes  []string // new recovery codes, shown once
	Errors formErrors
	// QR is the enrolment's QR code, a PNG data: URL made by the server.
	QR template.URL
	// Passkeys is what the page shows of passkeys (passkey_ui.go).
	Passkeys passkeyView
}

// factorRefused shows the factor page with the refusal err of a use case
// as the form's errors, or returns err when it is not one to show there.
// A code refused by the throttle says when to try again.
func (s *Server) factorRefused(w http.ResponseWriter, r *http.Request, err error) error {
	fe, ok := toFormErrors(err)
	if !ok {
		return err
	}
	e := fault.As(err)
	if e.Field == "" {
		fe[""] = e.Message
	}
	if e.Code == fault.TooMany {
		w.Header().Set("Retry-After", retrySeconds(e.RetryAfter))
	}
	return s.factorPage(w, r, statusFor(err), nil, fe)
}

func (s *Server) factorPage(w http.ResponseWriter, r *http.Request, status int, codes []string, errs formErrors) error {
	st, err := s.Access.FactorState(r.Context())
	if err != nil {
		return err
	}
	pk, err := s.passkeyPage(w, r)
	if err != nil {
		return err
	}
	pk.Required = st.Required
	return s.page(w, r, status, "mfa_account", "Second factor", factorView{st, codes, errs, template.URL(st.QRCode), pk}, access.Unclassified)
}

func (s *Server) uiFactor(w http.ResponseWriter, r *http.Request) error {
	return s.factorPage(w, r, 200, nil, nil)
}

func (s *Server) uiFactorBegin(w http.ResponseWriter, r *http.Request) error {
	if err := s.Access.BeginEnrolment(r.Context()); err != nil {
		return s.factorRefused(w, r, err)
	}
	http.Redirect(w, r, factorPath, http.StatusSeeOther)
	return nil
}

// factorCode runs a use case taking the form's code and shows the page
// with the recovery codes it returns, or the form's errors.
func (s *Server) factorCode(w http.ResponseWriter, r *http.Request, do func(ctx context.Context, code string) ([]string, error)) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	codes, err := do(r.Context(), r.PostForm.Get("code"))
	if err != nil {
		return s.factorRefused(w, r, err)
	}
	return s.factorPage(w, r, 200, codes, nil)
}

func (s *Server) uiFactorConfirm(w http.ResponseWriter, r *http.Request) error {
	return s.factorCode(w, r, s.Access.ConfirmEnrolment)
}

func (s *Server) uiFactorRecovery(w http.ResponseWriter, r *http.Request) error {
	return s.factorCode(w, r, s.Access.RegenerateRecoveryCodes)
}

func (s *Server) uiFactorDisable(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	if err := s.Access.DisableFactor(r.Context(), r.PostForm.Get("code")); err != nil {
		return s.factorRefused(w, r, err)
	}
	http.Redirect(w, r, withNotice("/account", "factor-off"), http.StatusSeeOther)
	return nil
}

func (s *Server) uiFactorReset(w http.ResponseWriter, r *http.Request) error {
	name := strings.ToLower(r.PathValue("name"))
	if err := s.Access.ResetFactor(r.Context(), name); err != nil {
		return err // shown as the page of the refusal, saying why
	}
	http.Redirect(w, r, withNotice("/admin/users", "factor-reset", name), http.StatusSeeOther)
	return nil
}

func (s *Server) apiFactorReset(w http.ResponseWriter, r *http.Request) error {
	name := strings.ToLower(r.PathValue("name"))
	if err := s.Access.ResetFactor(r.Context(), name); err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"user": name, "second_factor": "reset"})
}
