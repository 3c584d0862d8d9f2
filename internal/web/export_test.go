package web

import (
	"log/slog"

	"github.com/longhaul/longhaul/internal/store"
)

// newTestServer builds a server over db as cli wires it. This package's own
// tests cannot import cli, which imports web; the external tests set it
// (wire_test.go) before any test runs.
var newTestServer func(db *store.DB, log *slog.Logger, version string) *Server

// SetTestServer sets how this package's own tests build a server.
func SetTestServer(f func(db *store.DB, log *slog.Logger, version string) *Server) {
	newTestServer = f
}
