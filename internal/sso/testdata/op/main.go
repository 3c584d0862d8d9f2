// Command longhaul-test-op is the OpenID provider the single sign-on tests
// start: zitadel's example provider (its in-memory storage, its login page,
// the library's authorization, token, userinfo and end-session endpoints),
// with three things added that the example hard-codes away: claims of each
// user beyond the standard ones (groups, nation, clearance, site), the
// authentication methods its ID tokens name (amr: the example always says
// "pwd"; a user's "amr" claim says otherwise, and "userinfo_amr" puts
// an amr in the userinfo endpoint's answer alone), and the post-logout
// redirect URIs of its client.
//
// Environment: PORT (the issuer is http://localhost:PORT/), USERS_FILE (the
// example's users, each with an optional "Claims" object), REDIRECT_URI and
// POST_LOGOUT_URI (comma-separated). The client is "web" with secret "secret".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// claimsStorage adds each user's extra claims to the ID token and to the
// userinfo answer, and the post-logout redirect URIs to every client.
type claimsStorage struct {
	*storage.Storage
	claims     map[string]map[string]any // by user ID
	postLogout []string
}

func (s *claimsStorage) add(info *oidc.UserInfo, userID string) {
	for k, v := range s.claims[userID] {
		if k != "amr" && k != "userinfo_amr" {
			info.AppendClaims(k, v)
		}
	}
}

// amrRequest is an authorization request whose ID token names the
// methods of the user's "amr" claim.
type amrRequest struct {
	op.AuthRequest
	amr []string
}

func (r amrRequest) GetAMR() []string {
	if r.AuthRequest.GetAMR() == nil {
		return nil // not yet authenticated
	}
	return r.amr
}

func (s *claimsStorage) withAMR(r op.AuthRequest) op.AuthRequest {
	list, ok := s.claims[r.GetSubject()]["amr"].([]any)
	if !ok {
		return r
	}
	var amr []string
	for _, v := range list {
		if m, ok := v.(string); ok {
			amr = append(amr, m)
		}
	}
	return amrRequest{r, amr}
}

// unwrap gives the example's storage its own request type back.
func unwrap(r op.TokenRequest) op.TokenRequest {
	if a, ok := r.(amrRequest); ok {
		return a.AuthRequest
	}
	return r
}

func (s *claimsStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.withAMR(r), nil
}

func (s *claimsStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.withAMR(r), nil
}

func (s *claimsStorage) CreateAccessToken(ctx context.Context, r op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, unwrap(r))
}

func (s *claimsStorage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.Storage.CreateAccessAndRefreshTokens(ctx, unwrap(r), current)
}

func (s *claimsStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, token, scopes); err != nil {
		return err
	}
	s.add(info, token.GetSubject())
	return nil
}

func (s *claimsStorage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	s.add(info, info.Subject)
	if amr, ok := s.claims[info.Subject]["userinfo_amr"]; ok {
		// the userinfo endpoint's answer alone names these methods
		info.AppendClaims("amr", amr)
	}
	return nil
}

func (s *claimsStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return logoutClient{c, s.postLogout}, nil
}

type logoutClient struct {
	op.Client
	uris []string
}

func (c logoutClient) PostLogoutRedirectURIs() []string { return c.uris }

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	port := os.Getenv("PORT")
	if port == "" {
		port = "9998"
	}
	issuer := fmt.Sprintf("http://localhost:%s/", port)
	split := func(v string) []string {
		var out []string
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	storage.RegisterClients(storage.WebClient("web", "secret", split(os.Getenv("REDIRECT_URI"))...))
	path := os.Getenv("USERS_FILE")
	if path == "" {
		log.Error("USERS_FILE is required")
		os.Exit(2)
	}
	users, err := storage.StoreFromFile(path)
	if err != nil {
		log.Error("cannot read the users", "err", err)
		os.Exit(2)
	}
	var extra map[string]struct{ Claims map[string]any }
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &extra); err != nil {
		log.Error("cannot read the users' claims", "err", err)
		os.Exit(2)
	}
	st := &claimsStorage{Storage: storage.NewStorage(users), claims: map[string]map[string]any{}, postLogout: split(os.Getenv("POST_LOGOUT_URI"))}
	for id, u := range extra {
		st.claims[id] = u.Claims
	}
	router := exampleop.SetupServer(issuer, st, log, false)
	log.Info("listening", "issuer", issuer)
	if err := http.ListenAndServe("127.0.0.1:"+port, router); err != nil {
		log.Error("server ended", "err", err)
		os.Exit(1)
	}
}
