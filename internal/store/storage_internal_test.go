package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/longhaul/longhaul/internal/fault"
)

// TestStorageFaultMapsTheEnginesCodes holds the mapping of each engine's
// "no room" and "no capacity" errors to the storage faults, however they
// are wrapped; PostgreSQL's are tested by code here since a full disk needs
// root (TestStorageFullOnATinyDisk makes one where it can).
func TestStorageFaultMapsTheEnginesCodes(t *testing.T) {
	pg := func(code string) error { return &pgconn.PgError{Severity: "ERROR", Code: code, Message: "x"} }
	for _, c := range []struct {
		name string
		err  error
		want string // "" for no storage fault
	}{
		{"postgres disk_full", pg("53100"), fault.Full},
		{"postgres disk_full wrapped", fmt.Errorf("insert pledge: %w", pg("53100")), fault.Full},
		{"postgres out_of_memory", pg("53200"), fault.Unavailable},
		{"postgres too_many_connections", pg("53300"), fault.Unavailable},
		{"postgres configuration_limit_exceeded", pg("53400"), fault.Unavailable},
		{"postgres unique_violation", pg("23505"), ""},
		{"postgres check_violation", fmt.Errorf("x: %w", pg("23514")), ""},
		{"postgres text copied", errors.New("save: ERROR: could not extend file: No space left on device (SQLSTATE 53100)"), fault.Full},
		{"sqlite text copied", errors.New("append audit event: database or disk is full (13)"), fault.Full},
		{"a fault already", &fault.Error{Code: fault.Full, Message: fullMessage}, fault.Full},
		{"an invalid input", fault.Field("title", "is required"), ""},
		{"any other error", errors.New("connection reset by peer"), ""},
		{"no error", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := storageFault(c.err)
			switch {
			case c.want == "" && f != nil:
				t.Fatalf("%v: %s, want no storage fault", c.err, f.Code)
			case c.want == "":
			case f == nil || f.Code != c.want:
				t.Fatalf("%v: %v, want %s", c.err, f, c.want)
			case f.Message != fullMessage && f.Message != unavailableMessage:
				t.Errorf("message %q", f.Message)
			case c.err != nil && !errors.Is(f, c.err):
				t.Errorf("the fault does not keep its cause for the log")
			}
		})
	}
}
