package web

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "longhaul_session"

type sessionKey struct{}

// sessionFrom returns the session of a request signed in by cookie.
func sessionFrom(ctx context.Context) (access.Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(access.Session)
	return s, ok
}

// bearer returns the token of an Authorization header, and whether the
// request has one at all; a header of another scheme gives an empty token.
func bearer(r *http.Request) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return "", false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// authorize establishes the identity of r from its API token or session
// cookie, checks that it may use rt, and for a cookie-authenticated change
// that it carries the session's CSRF token.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rt Route) (*http.Request, error) {
	ctx := r.Context()
	var id access.Identity
	var sess access.Session
	tok, hasBearer := bearer(r)
	cookie, _ := r.Cookie(SessionCookie)
	addr := s.clientAddr(r)
	credentials := hasBearer || (cookie != nil && cookie.Value != "")
	if !credentials {
		// Nothing to look up: an address over its limit is refused before
		// any work is done for it.
		if ok, wait := s.Limits.Stranger(addr); !ok {
			return r, s.overLimit(r, addr, wait)
		}
	}
	var err error
	switch {
	case hasBearer && tok == "":
		err = fault.Errorf(fault.Unauthorized, "the Authorization header must be 'Bearer TOKEN'")
	case hasBearer:
		id, _, err = s.Access.Authenticate(ctx, "", tok)
	case cookie != nil && cookie.Value != "":
		id, sess, err = s.Access.Authenticate(ctx, cookie.Value, "")
		if fault.Code(err) == fault.Unauthorized {
			clearSessionCookie(w, r)
		}
	}
	if err != nil && fault.Code(err) != fault.Unauthorized {
		return r, err
	}
	if credentials {
		var ok bool
		var wait time.Duration
		if err != nil {
			// Credentials that do not hold count as no credentials.
			ok, wait = s.Limits.Stranger(addr)
		} else {
			secret := tok
			if secret == "" {
				secret = cookie.Value
			}
			ok, wait = s.Limits.Caller(id, secret)
		}
		if !ok {
			return r, s.overLimit(r.WithContext(access.WithIdentity(ctx, id)), addr, wait)
		}
	}
	if err != nil && rt.Perm != access.Public {
		return r, err
	}
	ctx = access.WithIdentity(ctx, id)
	if cookie != nil && id.Via == "session" {
		ctx = context.WithValue(ctx, sessionKey{}, sess)
	}
	r = r.WithContext(ctx)
	if err := access.Check(id, rt.Perm); err != nil {
		return r, err
	}
	// --- second factor (mfa_ui.go): a role that requires one does
	// nothing else until it is set up.
	if err := s.enrolmentGate(ctx, rt, id); err != nil {
		return r, err
	}
	// --- end second factor
	if id.Via == "session" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		given := r.Header.Get("X-CSRF-Token")
		if given == "" {
			given = r.PostFormValue("csrf") // never from the URL, which logs keep
		}
		if given == "" || subtle.ConstantTimeCompare([]byte(given), []byte(sess.CSRF)) != 1 {
			return r, fault.Errorf(fault.Forbidden, "the form is missing its security token or it has expired: reload the page and try again")
		}
	}
	return r, nil
}

// overLimit counts a request refused for its rate and returns the refusal.
func (s *Server) overLimit(r *http.Request, addr string, wait time.Duration) error {
	s.Access.RateLimited(r.Context(), routeOf(r), addr)
	return access.TooMany(wait, "too many requests: try again in %s", access.WaitWords(wait))
}

// refused records the refusal of a request: for a signed-in caller, in the
// audit trail at once; for anyone else, in the counts of the next summary.
func (s *Server) refused(r *http.Request, reason error) {
	ctx := r.Context()
	req := access.Request{Route: routeOf(r), Path: r.Method + " " + r.URL.Path, From: s.clientAddr(r)}
	if err := s.Access.Refused(ctx, req, reason.Error()); err != nil {
		s.Log.ErrorContext(ctx, "audit of a refusal failed", "request_id", RequestID(ctx), "err", err)
	}
}

// routeOf is the route r was routed by, as it was registered ("GET
// /api/v1/users/{name}/factor"), or its method and path when it matched
// none.
func routeOf(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method + " " + r.URL.Path
}

// clientAddr is the address of the client: the peer of the connection, or,
// when that peer is a trusted proxy, the rightmost address of
// X-Forwarded-For that is not a trusted proxy's: the last hop anyone
// outside the proxies can vouch for. Entries to its left are the client's
// own claims and are never believed.
func (s *Server) clientAddr(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	ip, err := netip.ParseAddr(peer)
	if err != nil || !s.trusted(ip) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var chain []string
	for _, h := range hops {
		for _, a := range strings.Split(h, ",") {
			chain = append(chain, strings.TrimSpace(a))
		}
	}
	client := ip
	for i := len(chain) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(chain[i])
		if err != nil {
			break // a hop that is no address: trust nothing left of it
		}
		client = hop.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ParseProxies reads the trusted proxies of --trusted-proxy: addresses or
// CIDR prefixes, separated by commas.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a prefix such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}

func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

type signInView struct {
	Name, Next, Error string
	Token             string // the sign-in form's own CSRF token
	SSO               string // the OpenID provider's name, when single sign-on is configured
}

// DeviceCookie marks a browser that has signed in to an account before:
// its failed sign-ins count against it alone, so that nobody guessing the
// account's password elsewhere can lock its owner out of it.
const DeviceCookie = "longhaul_device"

// signInCookie holds the token the sign-in form must post back, so that
// another site cannot sign a browser in to an account of its choosing.
const signInCookie = "longhaul_signin"

// signInToken returns the browser's sign-in token, setting a new one when
// it has none.
func signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signInCookie); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	t := access.RandomToken(18)
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: t, Path: "/signin", MaxAge: 3600, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
	return t
}

func (s *Server) uiSignInForm(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Next: safeNext(r.URL.Query().Get("next")), Token: signInToken(w, r), SSO: s.ssoName()}
	return s.page(w, r, 200, "signin", "Sign in", v, access.Unclassified)
}

// safeNext keeps a redirect after sign-in on this site: next when a
// browser would resolve it to a path of this origin, "/" otherwise.
func safeNext(next string) string {
	return localPath(next, "/")
}

// localPath returns p when a browser would resolve it, against any page of
// this site, to a path on the same origin, and fallback otherwise. Browsers
// drop tabs and newlines anywhere in a URL, read a backslash as a slash and
// "//" as the start of another host, so a path holding any of them, any
// other control character, a scheme or a host is refused rather than
// repaired.
func localPath(p, fallback string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return fallback
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return fallback
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	base := &url.URL{Scheme: "https", Host: "longhaul.invalid", Path: "/"}
	if r := base.ResolveReference(u); r.Scheme != base.Scheme || r.Host != base.Host || r.User != nil {
		return fallback
	}
	return p
}

func (s *Server) uiSignIn(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	name := strings.ToLower(strings.TrimSpace(r.PostForm.Get("name")))
	v := signInView{Name: name, Next: safeNext(r.PostForm.Get("next")), Token: signInToken(w, r), SSO: s.ssoName()}
	if c, err := r.Cookie(signInCookie); err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		err := fault.Errorf(fault.Forbidden, "the sign-in form has expired: sign in again")
		s.refused(r, err)
		v.Error = fault.As(err).Message
		return s.page(w, r, http.StatusForbidden, "signin", "Sign in", v, access.Unclassified)
	}
	a := access.Attempt{Name: name, Password: r.PostForm.Get("password"), From: access.AddressKey(s.clientAddr(r))}
	if c, err := r.Cookie(DeviceCookie); err == nil {
		a.Device = c.Value
	}
	in, err := s.Access.SignIn(r.Context(), a)
	if err == nil && in.Challenge != "" { // second factor (mfa_ui.go): the code comes next
		startSecondStep(w, r, in.Challenge, v.Next)
		return nil
	}
	if err != nil {
		switch fault.Code(err) {
		case fault.Unauthorized:
			v.Error = fault.As(err).Message
			return s.page(w, r, http.StatusUnauthorized, "signin", "Sign in", v, access.Unclassified)
		case fault.TooMany:
			e := fault.As(err)
			v.Error = e.Message
			w.Header().Set("Retry-After", retrySeconds(e.RetryAfter))
			return s.page(w, r, http.StatusTooManyRequests, "signin", "Sign in", v, access.Unclassified)
		}
		return err
	}
	if in.Device != "" {
		http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: in.Device, Path: "/signin", MaxAge: int(access.DeviceLifetime / time.Second),
			HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
	}
	setSessionCookie(w, r, in.Secret, in.Session.ExpiresAt)
	if in.MustEnrol { // second factor (mfa_ui.go): the role requires one
		v.Next = withNotice(factorPath, "role-requires-factor")
	}
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) uiSignOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.Access.SignOut(r.Context(), c.Value); err != nil {
			return err
		}
	}
	clearSessionCookie(w, r)
	if to, ok := s.ssoSignOut(w, r); ok { // signed in through the provider: sign out there too
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, withNotice("/signin", "signed-out"), http.StatusSeeOther)
	return nil
}

// me is who the caller is, as the API tells it.
type me struct {
	access.Identity
	Permissions []access.Permission `json:"permissions"`
	// CSRF is the token a signed-in browser session sends with changes
	// (header X-CSRF-Token); empty for API tokens, which need none.
	CSRF string `json:"csrf,omitempty"`
}

func whoAmI(id access.Identity) me {
	m := me{Identity: id, Permissions: []access.Permission{}}
	for p := range access.Policy {
		if access.Allowed(id, p) {
			m.Permissions = append(m.Permissions, p)
		}
	}
	sortPerms(m.Permissions)
	return m
}

func sortPerms(ps []access.Permission) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j] < ps[j-1]; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) error {
	m := whoAmI(access.IdentityFrom(r.Context()))
	if sess, ok := sessionFrom(r.Context()); ok {
		m.CSRF = sess.CSRF
	}
	return writeJSON(w, 200, m)
}

// userInput is a user as the API and the admin page take it.
type userInput struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Nation      string   `json:"nation"`
	Roles       []string `json:"roles"`
	Clearance   string   `json:"clearance"`
	Site        string   `json:"site,omitempty"`
	Password    string   `json:"password"`
	Disabled    *bool    `json:"disabled,omitempty"`
}

func (in userInput) parse() ([]access.Role, access.Classification, error) {
	var errs fault.List
	rs, err := access.ParseRoles(strings.Join(in.Roles, ","))
	errs.Append("", err)
	cl, err := access.ParseClassification(in.Clearance)
	if err != nil {
		errs.Append("clearance", err)
	}
	return rs, cl, errs.Err()
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Read.Users.Users(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"items": users, "total": len(users)})
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rs, cl, err := in.parse()
	if err != nil {
		return err
	}
	u, err := s.Access.CreateUser(r.Context(), access.NewUser{Name: in.Name, DisplayName: in.DisplayName, Nation: in.Nation, Roles: rs, Clearance: cl, Site: in.Site, Password: in.Password})
	if err != nil {
		return err
	}
	return writeJSON(w, 201, u)
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Name != "" && in.Name != r.PathValue("name") {
		return fault.Field("name", "a user's name does not change")
	}
	if in.Password != "" {
		return fault.Field("password", "passwords change with 'longhaul user password', not here")
	}
	// Only what the request names changes.
	var rs []access.Role
	var cl access.Classification
	var err error
	if len(in.Roles) > 0 {
		if rs, err = access.ParseRoles(strings.Join(in.Roles, ",")); err != nil {
			return err
		}
	}
	if in.Clearance != "" {
		if cl, err = access.ParseClassification(in.Clearance); err != nil {
			return fault.Field("clearance", "%s", fault.As(err).Message)
		}
	}
	u, err := s.Access.UpdateUser(r.Context(), r.PathValue("name"), "update", func(u *access.User) error {
		if rs != nil {
			u.Roles = rs
		}
		if in.Clearance != "" {
			u.Clearance = cl
		}
		if in.Site != "" {
			u.Site = strings.ToUpper(strings.TrimSpace(in.Site))
			if u.Site == "-" {
				u.Site = ""
			}
		}
		if in.Nation != "" {
			u.Nation = strings.ToUpper(in.Nation)
		}
		if in.DisplayName != "" {
			u.DisplayName = in.DisplayName
		}
		if in.Disabled != nil {
			u.Disabled = *in.Disabled
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, 200, u)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) error {
	all, err := queryBool(r, "all")
	if err != nil {
		return err
	}
	me := access.IdentityFrom(r.Context())
	uid := me.UserID
	if all {
		if err := access.Check(me, access.UserAdmin); err != nil {
			return err
		}
		uid = 0 // every user's
	}
	ts, err := s.Read.Users.Tokens(r.Context(), uid)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]any{"items": ts, "total": len(ts)})
}

// tokenInput asks for a token.
type tokenInput struct {
	Name    string `json:"name"`
	Expires string `json:"expires"` // 90d, 12h
}

// createdToken is a new token with its secret, shown once.
type createdToken struct {
	access.Token
	Secret string `json:"secret"`
}

func (s *Server) createToken(r *http.Request, in tokenInput) (createdToken, error) {
	ttl, err := access.ParseLifetime(in.Expires)
	if err != nil {
		return createdToken{}, err
	}
	t, secret, err := s.Access.CreateToken(r.Context(), access.IdentityFrom(r.Context()).Name, in.Name, ttl)
	return createdToken{t, secret}, err
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, err := s.createToken(r, in)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, t)
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.Access.RevokeToken(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, t)
}
