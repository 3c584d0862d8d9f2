package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
)

// productionRoles are the roles that must have a second factor in
// production mode unless --mfa-required-roles says otherwise.
const productionRoles = "coordinator,admin"

// serveMode is what --production and --mfa-required-roles make of serve.
type serveMode struct {
	Production    bool
	Demo          bool
	TLS           bool // --tls-cert and --tls-key given
	BehindProxy   bool // --trusted-proxies given
	RequiredRoles string
}

// check refuses a production server that would be unsafe, naming the
// setting to change, and returns the roles that must have a second factor.
func (m serveMode) check() ([]access.Role, error) {
	roles := m.RequiredRoles
	if m.Production {
		if m.Demo {
			return nil, errors.New("--production refuses --demo: the demo's users share one published password; serve the demo without --production (LONGHAUL_PRODUCTION, LONGHAUL_DEMO)")
		}
		if !m.TLS && !m.BehindProxy {
			return nil, errors.New("--production needs TLS: give --tls-cert and --tls-key, or --trusted-proxies naming the TLS-terminating proxy in front of this server (LONGHAUL_TLS_CERT, LONGHAUL_TLS_KEY, LONGHAUL_TRUSTED_PROXIES)")
		}
		if strings.TrimSpace(roles) == "" {
			roles = productionRoles
		}
	}
	rs, err := access.ParseRequiredRoles(roles)
	if err != nil {
		return nil, fmt.Errorf("--mfa-required-roles %q: %w", roles, err)
	}
	return rs, nil
}

func runHealth(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("health", "health [--url http://127.0.0.1:8080/healthz] [--insecure]", stdio)
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "the server's health URL; /readyz also checks that the database takes writes (LONGHAUL_URL)")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate, for a server with a self-signed one on this machine (LONGHAUL_INSECURE)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer (LONGHAUL_TIMEOUT)")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return fmt.Errorf("--url %q: %w", *u, err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: *insecure}}} // #nosec: only on the operator's say
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %d: %s", *u, res.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdio.Out, "%s: %s\n", *u, strings.TrimSpace(string(body)))
	return nil
}
