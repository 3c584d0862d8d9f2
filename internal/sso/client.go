package sso

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

// Config is how Longhaul signs in through one OpenID provider.
type Config struct {
	// Issuer is the provider's issuer URL, exactly as its ID tokens name
	// it; its discovery document is at Issuer/.well-known/openid-configuration.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is Longhaul's callback, https://…/signin/sso/callback,
	// registered with the provider.
	RedirectURL string
	// Name is the provider's name on the sign-in page.
	Name string
	// Rules map the provider's claims to what Longhaul grants.
	Rules *Rules
	// TrustAMR lets the provider's word that it asked for a second factor
	// (the ID token's amr claim) meet a role's requirement of one. Off,
	// Longhaul asks for its own whatever the provider did.
	TrustAMR bool
}

// Check refuses settings a sign-in could not work with, naming the
// setting.
func (c Config) Check() error {
	iss, err := url.Parse(c.Issuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "https" && !(iss.Scheme == "http" && loopback(iss.Hostname()))) {
		return fmt.Errorf("--oidc-issuer %q is not an https URL (http is accepted for localhost only)", c.Issuer)
	}
	if c.ClientID == "" {
		return fmt.Errorf("--oidc-client-id is required with --oidc-issuer")
	}
	red, err := url.Parse(c.RedirectURL)
	if err != nil || red.Host == "" || (red.Scheme != "https" && red.Scheme != "http") || red.Path != CallbackPath {
		return fmt.Errorf("--oidc-redirect-url %q must be the absolute URL of Longhaul's %s, e.g. https://longhaul.example%s", c.RedirectURL, CallbackPath, CallbackPath)
	}
	if c.Rules == nil {
		return fmt.Errorf("--oidc-rules is required with --oidc-issuer: without rules nobody could sign in")
	}
	return nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// CallbackPath is where the provider sends the browser back.
const CallbackPath = "/signin/sso/callback"

// FlowLifetime is how long a sign-in may take at the provider.
const FlowLifetime = 10 * time.Minute

// Client is the relying party of one provider. It discovers the
// provider's endpoints and keys at its first use and keeps them once that
// has succeeded, so that a provider down when Longhaul starts delays
// nobody's password sign-in.
type Client struct {
	cfg  Config
	http *http.Client

	mu sync.Mutex
	d  *discovered
	// failed and failure are the last discovery that failed: for
	// RetryAfter after it, others are answered with its error at once
	// rather than each waiting for the provider in turn.
	failed  time.Time
	failure error
	now     func() time.Time
}

// RetryAfter is how long a provider that did not answer discovery is
// taken as down before it is asked again.
const RetryAfter = 10 * time.Second

type discovered struct {
	verifier   *oidc.IDTokenVerifier
	provider   *oidc.Provider
	oauth      oauth2.Config
	endSession string
}

// New returns the relying party of cfg, refusing settings that cannot work.
func New(cfg Config) (*Client, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Name == "" {
		u, _ := url.Parse(cfg.Issuer)
		cfg.Name = u.Hostname()
	}
	return &Client{cfg: cfg, http: &http.Client{Timeout: 15 * time.Second}, now: time.Now}, nil
}

// Name is the provider's name as the sign-in page shows it.
func (c *Client) Name() string { return c.cfg.Name }

// Issuer is the provider's issuer URL.
func (c *Client) Issuer() string { return c.cfg.Issuer }

// Rules are the claim-mapping rules.
func (c *Client) Rules() *Rules { return c.cfg.Rules }

// discover returns the provider's endpoints, fetching them the first time.
func (c *Client) discover() (*discovered, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.d != nil {
		return c.d, nil
	}
	if c.failure != nil && c.now().Sub(c.failed) < RetryAfter {
		return nil, c.failure
	}
	d, err := c.fetch()
	if err != nil {
		c.failed, c.failure = c.now(), err
		return nil, err
	}
	c.d, c.failure = d, nil
	return d, nil
}

// fetch reads the provider's discovery document.
func (c *Client) fetch() (*discovered, error) {
	// The provider keeps the context for fetching its keys later: not a
	// request's, which ends with the request.
	ctx := oidc.ClientContext(context.Background(), c.http)
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
	if err != nil {
		return nil, fault.Errorf(fault.Unavailable, "the sign-in provider %s does not answer: %v", c.cfg.Name, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Methods    []string `json:"code_challenge_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fault.Errorf(fault.Unavailable, "the sign-in provider's discovery document: %v", err)
	}
	return &discovered{
		provider: p,
		verifier: p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID}),
		oauth: oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(), RedirectURL: c.cfg.RedirectURL,
			Scopes: []string{oidc.ScopeOpenID, "profile", "email"}},
		endSession: meta.EndSession,
	}, nil
}

// Flow is what a browser keeps, in a cookie, between leaving for the
// provider and coming back: the state the provider must return, the nonce
// the ID token must hold, the PKCE verifier, and where to go after.
type Flow struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Next     string    `json:"x"`
	Expires  time.Time `json:"e"`
}

// Encode is the flow as a cookie value.
func (f Flow) Encode() string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeFlow reads a flow's cookie value.
func DecodeFlow(s string, now time.Time) (Flow, error) {
	var f Flow
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return Flow{}, errFlow
	}
	if !now.Before(f.Expires) {
		return Flow{}, fault.Errorf(fault.Forbidden, "the sign-in took longer than %d minutes: start again", int(FlowLifetime/time.Minute))
	}
	return f, nil
}

var errFlow = fault.Errorf(fault.Forbidden, "this browser did not start a single sign-on, or it has expired: start again from the sign-in page")

// Start begins a sign-in: the provider's authorization URL to send the
// browser to (code flow, PKCE S256, state and nonce), and the flow the
// browser keeps meanwhile.
func (c *Client) Start(next string, now time.Time) (string, Flow, error) {
	d, err := c.discover()
	if err != nil {
		return "", Flow{}, err
	}
	f := Flow{State: access.RandomToken(24), Nonce: access.RandomToken(24), Verifier: oauth2.GenerateVerifier(), Next: next, Expires: now.Add(FlowLifetime)}
	u := d.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return u, f, nil
}

// Vouched is a person the provider vouched for.
type Vouched struct {
	Issuer, Subject string
	// Claims are the ID token's claims, with those only the userinfo
	// endpoint gives added.
	Claims map[string]any
	// IDToken is the raw ID token, the hint of a later sign-out.
	IDToken string
	// MultiFactor is MultiFactor of the ID token's own claims, where the
	// provider is trusted to say so (Config.TrustAMR): how the person
	// signed in is the token's to say, never the userinfo's.
	MultiFactor bool
}

// Finish completes a sign-in from the provider's answer q: the state must
// be the flow's, the code is exchanged with the PKCE verifier, and the ID
// token must be signed by the provider's keys for this client, unexpired
// and hold the flow's nonce.
func (c *Client) Finish(ctx context.Context, f Flow, q url.Values) (Vouched, error) {
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return Vouched{}, fault.Errorf(fault.Forbidden, "the answer from the sign-in provider is not for the sign-in this browser started (its state differs): start again")
	}
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the sign-in provider refused: %s", msg)
	}
	code := q.Get("code")
	if code == "" {
		return Vouched{}, fault.Field("code", "the sign-in provider sent no code")
	}
	d, err := c.discover()
	if err != nil {
		return Vouched{}, err
	}
	ctx = oidc.ClientContext(ctx, c.http)
	tok, err := d.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the sign-in provider did not take the code: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the sign-in provider sent no ID token")
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the ID token does not hold: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the ID token is not for the sign-in this browser started (its nonce differs)")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Vouched{}, fault.Errorf(fault.Unauthorized, "the ID token's claims cannot be read: %v", err)
	}
	mfa := c.cfg.TrustAMR && MultiFactor(claims)
	if d.provider.UserInfoEndpoint() != "" {
		// Providers differ in what they put in the ID token; what only the
		// userinfo endpoint tells is added, never put over the token's.
		ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Vouched{}, fault.Errorf(fault.Unavailable, "the sign-in provider's userinfo: %v", err)
		}
		if ui.Subject != idt.Subject {
			return Vouched{}, fault.Errorf(fault.Unauthorized, "the provider's userinfo names someone else than its ID token")
		}
		var more map[string]any
		if err := ui.Claims(&more); err == nil {
			for k, v := range more {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	return Vouched{Issuer: idt.Issuer, Subject: idt.Subject, Claims: claims, IDToken: raw, MultiFactor: mfa}, nil
}

// SignOutURL is where to send a browser to sign out at the provider too
// (RP-initiated logout, with the ID token as hint and where to come back
// to), and false when the provider offers no end_session_endpoint.
func (c *Client) SignOutURL(idToken, back string) (string, bool) {
	d, err := c.discover()
	if err != nil || d.endSession == "" {
		return "", false
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return "", false
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", c.cfg.ClientID)
	q.Set("post_logout_redirect_uri", back)
	u.RawQuery = q.Encode()
	return u.String(), true
}

// PostLogoutURL is where the provider sends the browser back after
// signing out: Longhaul's sign-in page, on the redirect URL's origin.
func (c *Client) PostLogoutURL() string {
	u, _ := url.Parse(c.cfg.RedirectURL)
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/signin"}).String()
}

// Suggested is the account name a new user's claims suggest.
func Suggested(claims map[string]any) (name, display string) {
	for _, k := range []string{"preferred_username", "email"} {
		if v, ok := claims[k].(string); ok && strings.TrimSpace(v) != "" {
			name = v
			break
		}
	}
	display, _ = claims["name"].(string)
	return name, display
}

// MultiFactor reports whether the provider says it asked for more than
// one factor at this sign-in, by the ID token's amr claim (RFC 8176):
// "mfa", or a possession or inherence method beside a knowledge one
// ("pwd" with "otp", "hwk", "swk", "sms", "tel", "sc", "fpt", "face"…).
// Without the claim, it did not say so.
func MultiFactor(claims map[string]any) bool {
	list, _ := claims["amr"].([]any)
	knows, has := false, false
	for _, v := range list {
		switch m, _ := v.(string); m {
		case "mfa":
			return true
		case "pwd", "pin", "kba":
			knows = true
		case "otp", "hwk", "swk", "sms", "tel", "sc", "pop", "fpt", "face", "iris", "retina", "vbm":
			// "geo" is where the person is, not a factor they hold.
			has = true
		}
	}
	return knows && has
}
