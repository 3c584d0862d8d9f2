package web

import (
	"testing"

	"github.com/longhaul/longhaul/internal/access"
)

// TestFactorWordsCountOnlyWhatSignsInHere: the Users page's second-factor
// column counts the passkeys of this server's site, and says "none:
// required by the role" of a user whose only passkey is another site's.
func TestFactorWordsCountOnlyWhatSignsInHere(t *testing.T) {
	other := []access.Passkey{{ID: 1, Site: "old.example.org"}}
	both := []access.Passkey{{ID: 1, Site: "old.example.org"}, {ID: 2, Site: "longhaul.example.org"}, {ID: 3, Site: "longhaul.example.org"}}
	for _, c := range []struct {
		f    access.FactorSummary
		want string
	}{
		{access.FactorSummary{TOTP: "none"}, "none"},
		{access.FactorSummary{TOTP: "none", Required: true}, "none: required by the role"},
		{access.FactorSummary{TOTP: "none", Required: true, Passkeys: other}, "none: required by the role; 1 passkey of another site, not usable here"},
		{access.FactorSummary{TOTP: "active", RecoveryCodesLeft: 9, Passkeys: both, PasskeysUsable: 2}, "codes (9 recovery left), 2 passkeys; 1 passkey of another site, not usable here"},
		{access.FactorSummary{TOTP: "enrolling", Passkeys: both[2:], PasskeysUsable: 1}, "codes being set up, 1 passkey"},
	} {
		if got := factorWords(c.f); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
}
