package cli_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store"
)

func TestUserFactorShowsAndResetRemoves(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "f.db")
	env := map[string]string{"LONGHAUL_DB": dsn}
	if r := run(t, env, "", "user", "add", "--name", "nsatu-co", "--nation", "DEU", "--role", "coordinator"); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, env, "", "user", "factor", "--name", "nsatu-co"); r.code != 0 || !strings.Contains(r.out, "Codes (TOTP): none") || !strings.Contains(r.out, "Passkeys: none") {
		t.Fatalf("before any factor: %+v", r)
	}
	// The user sets up codes and registers a passkey, as the pages do.
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc := &access.Service{Store: store.Access{DB: db}, Read: db, Factor: &access.SecondFactor{Store: store.Factors{DB: db}, Read: db}}
	u, err := db.UserByName(ctx, "nsatu-co")
	if err != nil {
		t.Fatal(err)
	}
	as := access.WithIdentity(ctx, u.Identity("session"))
	if err := svc.BeginEnrolment(as); err != nil {
		t.Fatal(err)
	}
	st, err := svc.FactorState(as)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := access.TOTPCode(st.Secret, time.Now())
	if _, err := svc.ConfirmEnrolment(as, code); err != nil {
		t.Fatal(err)
	}
	if err := (store.Passkeys{DB: db}).Transact(ctx, func(tx access.PasskeyTx) error {
		_, err := tx.AddPasskey(ctx, "longhaul.example.org", access.Passkey{UserID: u.ID, Name: "work laptop", Credential: webauthn.Credential{ID: []byte{7, 7}}, CreatedAt: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	r := run(t, env, "", "user", "factor", "--name", "NSATU-CO")
	if r.code != 0 || !strings.Contains(r.out, "Codes (TOTP): active, 10 recovery codes left") || !strings.Contains(r.out, "Passkeys: 1, none usable: this server does not offer passkeys") ||
		!strings.Contains(r.out, "longhaul.example.org") || !strings.Contains(r.out, "work laptop") || !strings.Contains(r.out, "never") {
		t.Fatalf("with codes and a passkey: %+v", r)
	}
	if strings.Contains(r.out, st.Secret) {
		t.Error("the factor's secret is printed")
	}
	if r := run(t, env, "", "user", "reset-factor", "--name", "nsatu-co"); r.code != 0 {
		t.Fatal(r)
	}
	if r := run(t, env, "", "user", "factor", "--name", "nsatu-co"); r.code != 0 || !strings.Contains(r.out, "Codes (TOTP): none") || !strings.Contains(r.out, "Passkeys: none") {
		t.Errorf("after the reset: %+v", r)
	}
	if r := run(t, env, "", "user", "factor", "--name", "nobody"); r.code == 0 || !strings.Contains(r.err, "nobody") {
		t.Errorf("an unknown user: %+v", r)
	}
	if r := run(t, env, "", "user", "factor"); r.code == 0 || !strings.Contains(r.err, "name") {
		t.Errorf("naming no user: %+v", r)
	}
}

// TestServeWarnsOfPasskeysItDoesNotTake: serve warns at start when users
// have passkeys it does not take (passkeys off, or of another site), since
// those without codes are refused at sign-in, and says nothing when it
// takes them all.
func TestServeWarnsOfPasskeysItDoesNotTake(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "p.db")
	env := map[string]string{"LONGHAUL_DB": dsn}
	if r := run(t, env, "", "user", "add", "--name", "nsatu-co", "--nation", "DEU", "--role", "coordinator"); r.code != 0 {
		t.Fatal(r)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByName(ctx, "nsatu-co")
	if err != nil {
		t.Fatal(err)
	}
	if err := (store.Passkeys{DB: db}).Transact(ctx, func(tx access.PasskeyTx) error {
		_, err := tx.AddPasskey(ctx, "localhost", access.Passkey{UserID: u.ID, Name: "work laptop", Credential: webauthn.Credential{ID: []byte{7, 7}}, CreatedAt: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		origin, want string
	}{
		{"off", "passkeys are not offered, but users have passkeys"},
		{"https://longhaul.example.org", "users have passkeys of another site than this server's"},
		{"http://localhost:8080", ""},
	} {
		t.Run(c.origin, func(t *testing.T) {
			out, errs := &syncBuffer{}, &syncBuffer{}
			sctx, cancel := context.WithCancel(ctx)
			go func() {
				for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !strings.Contains(out.String(), "serving"); {
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
			}()
			cli.Run(sctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn", "--webauthn-origin", c.origin}, func(string) string { return "" }, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
			warned := regexp.MustCompile(`passkeys.*users=1 .*passkey_sites=localhost`).MatchString(errs.String())
			switch {
			case !strings.Contains(out.String(), "serving"):
				t.Fatalf("serve did not start:\n%s\n%s", out, errs)
			case c.want != "" && (!warned || !strings.Contains(errs.String(), c.want)):
				t.Errorf("no warning %q:\n%s", c.want, errs)
			case c.want == "" && strings.Contains(errs.String(), "passkey"):
				t.Errorf("a warning though every passkey is of this server's site:\n%s", errs)
			}
		})
	}
}
