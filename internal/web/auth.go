package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"sync"
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

// refused writes the refusal of a request to the audit trail, in a
// transaction of its own.
func (s *Server) refused(r *http.Request, reason error) {
	ctx := r.Context()
	if err := s.Access.Refused(ctx, r.Method+" "+r.URL.Path, reason.Error(), clientAddr(r)); err != nil {
		s.Log.ErrorContext(ctx, "audit of a refusal failed", "request_id", RequestID(ctx), "err", err)
	}
}

func clientAddr(r *http.Request) string {
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return r.RemoteAddr[:i]
	}
	return r.RemoteAddr
}

func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// limiter throttles sign-in: per account name and per address, a number of
// failures in a window locks further attempts until the window has passed.
// The account key is the name typed, whether or not it exists, so the
// answer never tells which names exist.
type limiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	now      func() time.Time
}

const (
	signInWindow      = 15 * time.Minute
	maxAccountFailure = 5
	maxAddressFailure = 20
)

func newLimiter() *limiter { return &limiter{failures: map[string][]time.Time{}, now: time.Now} }

func (l *limiter) recent(key string) int {
	cut := l.now().Add(-signInWindow)
	ts := l.failures[key]
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	l.failures[key] = ts[i:]
	return len(ts) - i
}

// attempt reserves a sign-in attempt for name from addr, counted as a
// failure until it succeeds, and reports false when sign-in is locked. The
// check and the count are one step, so that attempts sent at once cannot
// all pass the check before any of them is counted.
func (l *limiter) attempt(name, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.recent("u:"+name) >= maxAccountFailure || l.recent("a:"+addr) >= maxAddressFailure {
		return false
	}
	now := l.now()
	l.failures["u:"+name] = append(l.failures["u:"+name], now)
	l.failures["a:"+addr] = append(l.failures["a:"+addr], now)
	return true
}

// succeed clears the account's failures and takes back the attempt's count
// from the address.
func (l *limiter) succeed(name, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "u:"+name)
	if ts := l.failures["a:"+addr]; len(ts) > 0 {
		l.failures["a:"+addr] = ts[:len(ts)-1]
	}
}

// ErrLocked is the answer while sign-in is throttled.
var ErrLocked = fault.Errorf(fault.Unauthorized, "too many failed sign-ins for this account or from this address: try again in %d minutes", int(signInWindow.Minutes()))

type signInView struct {
	Name, Next, Error string
	Token             string // the sign-in form's own CSRF token
}

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
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: t, Path: "/signin", MaxAge: 3600, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return t
}

func (s *Server) uiSignInForm(w http.ResponseWriter, r *http.Request) error {
	v := signInView{Next: safeNext(r.URL.Query().Get("next")), Token: signInToken(w, r)}
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
	v := signInView{Name: name, Next: safeNext(r.PostForm.Get("next")), Token: signInToken(w, r)}
	if c, err := r.Cookie(signInCookie); err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostForm.Get("csrf"))) != 1 {
		err := fault.Errorf(fault.Forbidden, "the sign-in form has expired: sign in again")
		s.refused(r, err)
		v.Error = fault.As(err).Message
		return s.page(w, r, http.StatusForbidden, "signin", "Sign in", v, access.Unclassified)
	}
	addr := clientAddr(r)
	if !s.limiter.attempt(name, addr) {
		s.refused(r, ErrLocked)
		v.Error = fault.As(ErrLocked).Message
		return s.page(w, r, http.StatusTooManyRequests, "signin", "Sign in", v, access.Unclassified)
	}
	_, secret, sess, err := s.Access.SignIn(r.Context(), name, r.PostForm.Get("password"), addr)
	if err != nil {
		if fault.Code(err) != fault.Unauthorized {
			return err
		}
		v.Error = fault.As(err).Message
		return s.page(w, r, http.StatusUnauthorized, "signin", "Sign in", v, access.Unclassified)
	}
	s.limiter.succeed(name, addr)
	setSessionCookie(w, r, secret, sess.ExpiresAt)
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
	http.Redirect(w, r, "/signin?msg="+url.QueryEscape("Signed out"), http.StatusSeeOther)
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
