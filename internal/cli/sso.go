package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/longhaul/longhaul/internal/sso"
	"github.com/longhaul/longhaul/internal/web"
)

// ssoSettings are serve's single sign-on flags.
type ssoSettings struct {
	issuer, clientID, secret, secretFile, redirect, rules, name, passwordSignIn *string
	trustAMR                                                                    *bool
}

func ssoFlags(fs *flag.FlagSet) *ssoSettings {
	return &ssoSettings{
		issuer:         fs.String("oidc-issuer", "", "OpenID provider's issuer URL; enables single sign-on (LONGHAUL_OIDC_ISSUER)"),
		clientID:       fs.String("oidc-client-id", "", "client ID registered with the OpenID provider (LONGHAUL_OIDC_CLIENT_ID)"),
		secret:         fs.String("oidc-client-secret", "", "client secret; prefer --oidc-client-secret-file (LONGHAUL_OIDC_CLIENT_SECRET)"),
		secretFile:     fs.String("oidc-client-secret-file", "", "file holding the client secret (LONGHAUL_OIDC_CLIENT_SECRET_FILE)"),
		redirect:       fs.String("oidc-redirect-url", "", "Longhaul's callback as registered with the provider, https://HOST"+sso.CallbackPath+" (LONGHAUL_OIDC_REDIRECT_URL)"),
		rules:          fs.String("oidc-rules", "", "claim-mapping rules file (JSON), see docs/sso.md (LONGHAUL_OIDC_RULES)"),
		name:           fs.String("oidc-name", "", "the provider's name on the sign-in page: \"Sign in with NAME\"; default its host (LONGHAUL_OIDC_NAME)"),
		trustAMR:       fs.Bool("oidc-trust-amr", false, "let the provider's word that it asked for a second factor (the ID token's amr claim) meet a role's requirement of one (LONGHAUL_OIDC_TRUST_AMR)"),
		passwordSignIn: fs.String("password-signin", "all", "who may sign in with a password: all, or admins when everyone else uses single sign-on (LONGHAUL_PASSWORD_SIGNIN)"),
	}
}

// apply gives srv what load read.
func (f *ssoSettings) apply(srv *web.Server, c *sso.Client) {
	srv.SSO = c
	srv.Access.PasswordAdminsOnly = *f.passwordSignIn == "admins"
}

// load returns the relying party the flags describe, or nil when
// --oidc-issuer is empty, refusing settings that cannot work before
// anything starts.
func (f *ssoSettings) load() (*sso.Client, error) {
	switch *f.passwordSignIn {
	case "all":
	case "admins":
		if *f.issuer == "" {
			return nil, fmt.Errorf("--password-signin admins needs --oidc-issuer: nobody else could sign in")
		}
	default:
		return nil, fmt.Errorf("--password-signin %q: use all or admins", *f.passwordSignIn)
	}
	if *f.issuer == "" {
		for _, v := range []*string{f.clientID, f.secret, f.secretFile, f.redirect, f.rules} {
			if *v != "" {
				return nil, fmt.Errorf("the --oidc-* settings need --oidc-issuer")
			}
		}
		if *f.trustAMR {
			return nil, fmt.Errorf("--oidc-trust-amr needs --oidc-issuer")
		}
		return nil, nil
	}
	secret := *f.secret
	if *f.secretFile != "" {
		if secret != "" {
			return nil, fmt.Errorf("give --oidc-client-secret or --oidc-client-secret-file, not both")
		}
		b, err := os.ReadFile(*f.secretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	cfg := sso.Config{Issuer: *f.issuer, ClientID: *f.clientID, ClientSecret: secret, RedirectURL: *f.redirect, Name: *f.name, TrustAMR: *f.trustAMR}
	if *f.rules != "" {
		rs, err := sso.LoadRules(*f.rules)
		if err != nil {
			return nil, err
		}
		cfg.Rules = rs
	}
	return sso.New(cfg)
}
