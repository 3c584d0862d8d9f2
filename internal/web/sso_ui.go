package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/sso"
)

// Single sign-on: GET /signin/sso sends the browser to the OpenID
// provider, GET /signin/sso/callback takes it back. Neither writes
// anything for someone not signed in: the flow waits in a cookie, and a
// refusal only counts towards the next access.refused_summary.

// ssoFlowCookie holds the flow of a sign-in under way at the provider.
const ssoFlowCookie = "longhaul_sso"

// ssoHintCookie holds the ID token of a session opened by single sign-on,
// the hint of its sign-out at the provider.
const ssoHintCookie = "longhaul_sso_hint"

func (s *Server) ssoRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	if s.SSO == nil {
		return
	}
	add("GET", "/signin/sso", access.Public, s.uiSSOStart)
	add("GET", sso.CallbackPath, access.Public, s.uiSSOCallback)
}

// ssoName is the provider's name for the sign-in page, "" without one.
func (s *Server) ssoName() string {
	if s.SSO == nil {
		return ""
	}
	return s.SSO.Name()
}

func (s *Server) uiSSOStart(w http.ResponseWriter, r *http.Request) error {
	to, flow, err := s.SSO.Start(safeNext(r.URL.Query().Get("next")), time.Now())
	if err != nil {
		return s.ssoRefusal(w, r, err)
	}
	// Lax, so that the browser sends it back on the provider's redirect,
	// a top-level navigation from another site.
	http.SetCookie(w, &http.Cookie{Name: ssoFlowCookie, Value: flow.Encode(), Path: "/signin/sso", MaxAge: int(sso.FlowLifetime / time.Second),
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *Server) uiSSOCallback(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(ssoFlowCookie)
	if err != nil {
		return s.ssoRefusal(w, r, fault.Errorf(fault.Forbidden, "this browser did not start a single sign-on, or it has expired: start again from the sign-in page"))
	}
	// A flow serves once.
	http.SetCookie(w, &http.Cookie{Name: ssoFlowCookie, Value: "", Path: "/signin/sso", MaxAge: -1, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	flow, err := sso.DecodeFlow(c.Value, time.Now())
	if err != nil {
		return s.ssoRefusal(w, r, err)
	}
	v, err := s.SSO.Finish(r.Context(), flow, r.URL.Query())
	if err != nil {
		return s.ssoRefusal(w, r, err)
	}
	from := access.AddressKey(s.clientAddr(r))
	grant, err := s.SSO.Rules().Map(v.Claims)
	if err != nil {
		s.Access.RefusedExternal(v.Subject, from)
		return s.ssoRefusal(w, r, err)
	}
	name, display := sso.Suggested(v.Claims)
	in, err := s.Access.SignInExternal(r.Context(), access.ExternalSignIn{Issuer: v.Issuer, Subject: v.Subject, Name: name, DisplayName: display,
		Roles: grant.Roles, Nation: grant.Nation, Clearance: grant.Clearance, Site: grant.Site, Rule: grant.Rule, From: from, MultiFactor: v.MultiFactor})
	if err != nil {
		if c := fault.Code(err); c == fault.Invalid || c == fault.Unauthorized || c == fault.Forbidden || c == fault.Conflict {
			s.Access.RefusedExternal(v.Subject, from)
			return s.ssoRefusal(w, r, err)
		}
		return err
	}
	expires := in.Session.ExpiresAt
	if in.Challenge != "" {
		expires = time.Now().Add(access.SessionLifetime)
	}
	if len(v.IDToken) < 3800 { // a cookie holds 4096 bytes; without the hint the provider still signs out, asking first
		http.SetCookie(w, &http.Cookie{Name: ssoHintCookie, Value: v.IDToken, Path: "/signout", Expires: expires,
			HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	}
	if in.Challenge != "" { // second factor (mfa_ui.go): the user's code comes next
		// Lax, not Strict: this answer ends a redirect that started at
		// the provider, and a strict cookie would not come back with the
		// next page.
		startSecondStepAs(w, r, in.Challenge, safeNext(flow.Next), http.SameSiteLaxMode)
		return nil
	}
	setSessionCookie(w, r, in.Secret, in.Session.ExpiresAt)
	http.Redirect(w, r, safeNext(flow.Next), http.StatusSeeOther)
	return nil
}

// ssoSignOut returns where to send a browser whose session single sign-on
// opened, to sign out at the provider too, and false for any other.
func (s *Server) ssoSignOut(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := r.Cookie(ssoHintCookie)
	if err != nil || s.SSO == nil {
		return "", false
	}
	http.SetCookie(w, &http.Cookie{Name: ssoHintCookie, Value: "", Path: "/signout", MaxAge: -1, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
	return s.SSO.SignOutURL(c.Value, s.SSO.PostLogoutURL())
}

// ssoRefusedView is the page of a single sign-on that did not sign in.
type ssoRefusedView struct {
	Provider string
	Message  string
	// Contact is whom to ask for access, from the rules.
	Contact string
	// NoRule says the person signed in at the provider, and no rule gives
	// them access.
	NoRule bool
}

// ssoRefusal answers a sign-in through the provider that did not end
// signed in, with a page saying why and whom to ask.
func (s *Server) ssoRefusal(w http.ResponseWriter, r *http.Request, err error) error {
	v := ssoRefusedView{Provider: s.SSO.Name(), Contact: s.SSO.Rules().Contact}
	status := http.StatusForbidden
	var nr *sso.NoRule
	switch {
	case errors.As(err, &nr):
		v.NoRule, v.Message = true, nr.Error()
	case fault.Code(err) == fault.Internal:
		return err
	default:
		e := fault.As(err)
		v.Message = e.Message
		if e.Code == fault.Unavailable {
			status = http.StatusServiceUnavailable
		}
	}
	s.refused(r, err)
	return s.page(w, r, status, "sso_refused", "Single sign-on", v, access.Unclassified)
}
