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

// TestNotifyWebhooks: an operator adds, lists and disables webhook
// endpoints from the command line; every mistake of an addition is named
// at once and adds nothing; the secret is printed once, never listed.
func TestNotifyWebhooks(t *testing.T) {
	env := map[string]string{"LONGHAUL_DB": filepath.Join(t.TempDir(), "l.db")}
	if r := run(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("demo: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhooks"); r.code != 0 || !strings.Contains(r.out, "No webhook endpoints.") {
		t.Fatalf("no endpoints yet: %+v", r)
	}
	r := run(t, env, "", "notify", "webhook-add", "--url", "ftp://siem.example.org", "--events", "shipment.held,shipment.teleported", "--as-user", "coordinator")
	if r.code == 0 || !strings.Contains(r.err, "name") || !strings.Contains(r.err, "ftp://siem.example.org") || !strings.Contains(r.err, "shipment.teleported") {
		t.Errorf("a bad endpoint: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhook-add", "--name", "SIEM", "--url", "https://siem.example.org/longhaul", "--events", "shipment.held", "--as-user", "nobody"); r.code == 0 || !strings.Contains(r.err, "nobody") {
		t.Errorf("an unknown user: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhooks"); !strings.Contains(r.out, "No webhook endpoints.") {
		t.Fatalf("a refused endpoint was added: %+v", r)
	}
	r = run(t, env, "", "notify", "webhook-add", "--name", "SIEM", "--url", "https://siem.example.org/longhaul", "--events", "shipment.held, discrepancy.opened", "--as-user", "coordinator")
	secret := regexp.MustCompile(`Signing secret \(shown once\): (whsec_\S+)`).FindStringSubmatch(r.out)
	if r.code != 0 || secret == nil || !strings.Contains(r.out, "Webhook 1 (SIEM)") {
		t.Fatalf("add: %+v", r)
	}
	r = run(t, env, "", "notify", "webhooks")
	if r.code != 0 || !strings.Contains(r.out, "https://siem.example.org/longhaul") || !strings.Contains(r.out, "discrepancy.opened,shipment.held") || !strings.Contains(r.out, "active") || strings.Contains(r.out, secret[1]) {
		t.Errorf("list: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhook-disable", "--id", "1"); r.code != 0 || !strings.Contains(r.out, "disabled") {
		t.Errorf("disable: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhook-disable", "--id", "1"); r.code == 0 || !strings.Contains(r.err, "already disabled") {
		t.Errorf("disable twice: %+v", r)
	}
	if r := run(t, env, "", "notify", "webhooks"); !strings.Contains(r.out, "disabled") {
		t.Errorf("list after disabling: %+v", r)
	}
	if r := run(t, env, "", "notify", "frobnicate"); r.code != 2 || !strings.Contains(r.err, "webhook-add") {
		t.Errorf("an unknown subcommand: %+v", r)
	}
	if r := run(t, env, "", "audit", "verify"); r.code != 0 {
		t.Errorf("verify: %+v", r)
	}
}
