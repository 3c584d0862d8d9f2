package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/cli"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestAuditVerifyAnchor takes signed checkpoints of a demo database's
// chain, adds events and takes another; verify --anchor passes. Then the
// chain is cut back (its last events deleted and its head moved back, so
// that plain verify passes): verify --anchor fails naming the checkpoint
// and the missing events. On SQLite, restoring a backup older than the
// last checkpoint fails alike.
func TestAuditVerifyAnchor(t *testing.T) {
	for name, dsn := range storetest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			url, db := demoDB(t, name, dsn(t))
			dir := t.TempDir()
			key, anchors := filepath.Join(dir, "anchor.key"), filepath.Join(dir, "anchors.jsonl")
			anchor := func() {
				t.Helper()
				if r := run(t, nil, "", "audit", "anchor", "--db", url, "--out", anchors, "--anchor-key", key); r.code != 0 || !strings.Contains(r.out, "Appended to") {
					t.Fatalf("audit anchor: %+v", r)
				}
			}
			anchor()
			if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("the key file made on first use: %v %v", st, err)
			}
			var older string
			if name == "sqlite" {
				older = filepath.Join(dir, "older.db")
				if r := run(t, nil, "", "backup", "--db", url, "--out", older); r.code != 0 {
					t.Fatalf("backup: %+v", r)
				}
			}
			var before int64
			db.QueryRow(`SELECT seq FROM audit_head`).Scan(&before)
			for _, u := range []string{"anchor-a", "anchor-b", "anchor-c"} {
				if r := run(t, nil, "", "user", "add", "--db", url, "--name", u, "--nation", "DEU", "--role", "analyst", "--clearance", "NATO RESTRICTED"); r.code != 0 {
					t.Fatalf("user add: %+v", r)
				}
			}
			anchor()
			env := map[string]string{"LONGHAUL_ANCHOR_KEY": key}
			r := run(t, env, "", "audit", "verify", "--db", url, "--anchor", anchors)
			if r.code != 0 || !strings.Contains(r.out, "It holds all 2 checkpoints") {
				t.Fatalf("verify --anchor of the intact chain: %+v", r)
			}
			// The public key alone verifies.
			pub := filepath.Join(dir, "anchor.pub")
			k := run(t, nil, "", "audit", "anchor-key", "--anchor-key", key)
			os.WriteFile(pub, []byte(k.out), 0o644)
			if r := run(t, nil, "", "audit", "verify", "--db", url, "--anchor", anchors, "--anchor-key", pub); r.code != 0 {
				t.Fatalf("verify with the public key: %+v", r)
			}
			// A key of someone else does not.
			if r := run(t, nil, "", "audit", "verify", "--db", url, "--anchor", anchors, "--anchor-key", filepath.Join(dir, "other.key")); r.code == 0 {
				t.Fatalf("verify with a key file that does not exist: %+v", r)
			}

			if name == "sqlite" {
				rolled := filepath.Join(dir, "rolled.db")
				if r := run(t, nil, "", "restore", "--from", older, "--db", rolled); r.code != 0 {
					t.Fatalf("restore: %+v", r)
				}
				if r := run(t, nil, "", "audit", "verify", "--db", rolled); r.code != 0 {
					t.Fatalf("plain verify of the older copy passes, as the chain cannot see its cut: %+v", r)
				}
				r := run(t, env, "", "audit", "verify", "--db", rolled, "--anchor", anchors)
				if want := "anchor checkpoint on line 2 (event " + itoa(before+3) + ","; r.code != 3 || !strings.Contains(r.err, want) || !strings.Contains(r.err, "events "+itoa(before+1)+" to "+itoa(before+3)+" are missing") {
					t.Fatalf("verify --anchor of an older backup: %+v, want %q", r, want)
				}
			}

			// Cut the last two events off and move the head back to the event before.
			var hash string
			db.QueryRow(`SELECT hash FROM audit_events WHERE seq = ` + itoa(before+1)).Scan(&hash)
			for _, q := range []string{`DELETE FROM audit_events WHERE seq > ` + itoa(before+1), `UPDATE audit_head SET seq = ` + itoa(before+1) + `, hash = '` + hash + `'`} {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if r := run(t, nil, "", "audit", "verify", "--db", url); r.code != 0 {
				t.Fatalf("plain verify of the truncated chain passes: %+v", r)
			}
			r = run(t, env, "", "audit", "verify", "--db", url, "--anchor", anchors)
			if r.code != 3 || !strings.Contains(r.err, "line 2 (event "+itoa(before+3)) || !strings.Contains(r.err, "the chain ends at event "+itoa(before+1)) {
				t.Fatalf("verify --anchor of the truncated chain: %+v", r)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// startServe runs serve with args, logging warnings only, until stop,
// which returns its exit code.
func startServe(t *testing.T, args ...string) (stop func() int, out, errs *syncBuffer) {
	t.Helper()
	return startServeWith(t, nil, append([]string{"--log-level", "warn"}, args...)...)
}

// startServeWith runs serve with the variables env and args until stop,
// which returns its exit code; the test's end stops it too.
func startServeWith(t *testing.T, env map[string]string, args ...string) (stop func() int, out, errs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...),
			func(k string) string { return env[k] }, cli.IO{In: strings.NewReader(""), Out: out, Err: errs})
	}()
	serving := regexp.MustCompile(`is serving`)
	for i := 0; i < 600 && !serving.MatchString(out.String()); i++ {
		select {
		case code := <-done:
			t.Fatalf("serve stopped (%d):\n%s\n%s", code, out, errs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !serving.MatchString(out.String()) {
		cancel()
		t.Fatalf("serve did not start:\n%s\n%s", out, errs)
	}
	stopped := false
	stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return stop, out, errs
}

// TestServeAnchors starts serve with --anchor: it appends a checkpoint at
// start, and one at shutdown of what was written meanwhile, both signed
// by the key it made, and verify --anchor passes.
func TestServeAnchors(t *testing.T) {
	dir := t.TempDir()
	db, key, anchors := filepath.Join(dir, "l.db"), filepath.Join(dir, "k.key"), filepath.Join(dir, "anchors.jsonl")
	stop, _, errs := startServe(t, "--db", db, "--anchor", anchors, "--anchor-key", key, "--anchor-every", "1h")
	for range 50 {
		if b, _ := os.ReadFile(anchors); len(b) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := run(t, nil, "", "user", "add", "--db", db, "--name", "late-user", "--nation", "DEU", "--role", "analyst", "--clearance", "NATO RESTRICTED"); r.code != 0 {
		t.Fatalf("user add: %+v", r)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d: %s", code, errs)
	}
	b, _ := os.ReadFile(anchors)
	if n := strings.Count(string(b), "\n"); n != 2 {
		t.Fatalf("%d checkpoints, want one at start and one at shutdown:\n%s", n, b)
	}
	r := run(t, nil, "", "audit", "verify", "--db", db, "--anchor", anchors, "--anchor-key", key)
	if r.code != 0 || !strings.Contains(r.out, "It holds all 2 checkpoints") {
		t.Fatalf("verify --anchor: %+v", r)
	}
}
