package cli

import (
	"context"
	"log/slog"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store"
)

// passkeys returns the passkeys of a server over db for --webauthn-origin
// origin, or, when it is not given, for --public-url when that is a secure
// context; nil when neither gives one, or origin is "off". An origin given
// that is not a secure context stops the start.
func passkeys(db *store.DB, origin, publicURL string, log *slog.Logger) (*access.Passkeys, error) {
	origin = strings.TrimSpace(origin)
	switch {
	case strings.EqualFold(origin, "off"):
		return nil, nil
	case origin != "":
		return access.NewPasskeys(origin, store.Passkeys{DB: db}, db)
	case strings.TrimSpace(publicURL) == "":
		log.Info("passkeys are not offered: give --webauthn-origin (or --public-url) to offer them")
		return nil, nil
	}
	pk, err := access.NewPasskeys(publicURL, store.Passkeys{DB: db}, db)
	if err != nil {
		log.Warn("passkeys are not offered: --public-url is not an origin they can be used at; give --webauthn-origin", "public_url", publicURL, "why", err.Error())
		return nil, nil
	}
	return pk, nil
}

// warnUnusablePasskeys warns when users have passkeys that the server, with
// passkeys pk (nil: none), does not take: passkeys are off, or the
// passkeys are of another site than its origin's. Those users, unless
// they have codes too, are refused at sign-in until passkeys are offered
// for their site again or an administrator resets their second factor.
func warnUnusablePasskeys(ctx context.Context, db *store.DB, pk *access.Passkeys, log *slog.Logger) error {
	var site string
	if pk != nil {
		site = pk.RPID
	}
	sites, users, err := db.PasskeysElsewhere(ctx, site)
	if err != nil || len(sites) == 0 {
		return err
	}
	if pk == nil {
		log.Warn("passkeys are not offered, but users have passkeys: those without codes are refused at sign-in until --webauthn-origin offers passkeys for their site or an administrator resets their second factor",
			"users", users, "passkey_sites", strings.Join(sites, ","))
		return nil
	}
	log.Warn("users have passkeys of another site than this server's: those without codes are refused at sign-in until an administrator resets their second factor, or --webauthn-origin names their site again",
		"site", site, "users", users, "passkey_sites", strings.Join(sites, ","))
	return nil
}
