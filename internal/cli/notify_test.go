package cli_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNotifySend: on the demo, one pass raises what is late or due and
// fans it out; a second raises nothing again; a bad setting stops the
// command naming it.
func TestNotifySend(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	counts := regexp.MustCompile(`^(\d+) events raised by the check, (\d+) fanned out to (\d+) deliveries, (\d+) digests; (\d+) sent, (\d+) to retry, (\d+) failed`)
	r := run(t, env, "", "notify", "send")
	m := counts.FindStringSubmatch(r.out)
	if r.code != 0 || m == nil || m[1] == "0" || !strings.Contains(r.err, "e-mails wait in the outbox") {
		t.Fatalf("notify send: %+v", r)
	}
	r = run(t, env, "", "notify", "send")
	if m := counts.FindStringSubmatch(r.out); r.code != 0 || m == nil || m[1] != "0" || m[2] != "0" {
		t.Errorf("notify send again: %+v", r)
	}
	r = run(t, map[string]string{"LONGHAUL_DB": env["LONGHAUL_DB"], "LONGHAUL_SMTP_STARTTLS": "maybe"}, "", "notify", "send")
	if r.code == 0 || !strings.Contains(r.err, "smtp-starttls") {
		t.Errorf("a bad --smtp-starttls: %+v", r)
	}
	r = run(t, env, "", "notify", "send", "--smtp-addr", "127.0.0.1:1")
	if r.code == 0 || !strings.Contains(r.err, "--smtp-from") {
		t.Errorf("--smtp-addr without --smtp-from: %+v", r)
	}
}
