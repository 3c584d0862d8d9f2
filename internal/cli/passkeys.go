package cli

import (
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
