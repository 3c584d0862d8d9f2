// Package testbin finds the programs the tests start beside Longhaul (a
// browser, an OpenID provider, an SMTP server) and the ports they listen
// on. It is for tests only.
package testbin

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// Find returns the program the variable env names, else the first of
// names on PATH. A variable naming no executable fails the test; with
// neither, the test is skipped with how, or fails when CI is "true", since
// CI must run it.
func Find(t testing.TB, env, how string, names ...string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("%s=%q is not an executable: %v", env, p, err)
		}
		return path
	}
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(how + " (CI=true, so the tests must run)")
	}
	t.Skip(how)
	return ""
}

// FreePort returns a port of 127.0.0.1 nobody listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
