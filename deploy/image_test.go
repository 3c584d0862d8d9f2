package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImageContentRunsInAnEmptyRoot runs what the image holds as the
// image would, without Docker: the binary built by the Dockerfile's own
// build command, alone in a root of its own (no libraries, no shell, no
// /etc, less than distroless gives it), as the image's user, which may
// write nowhere but the data volume and /tmp, with the image's
// environment. The server must start, make its database under /data, and
// answer the image's health check. It needs root to change the root;
// elsewhere it is skipped, and under CI=true it fails.
func TestImageContentRunsInAnEmptyRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the image test needs root to chroot")
		}
		t.Skip("needs root to chroot")
	}
	st := stages(t, "../Dockerfile")
	build, run := st[0], st[len(st)-1]
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// The build stage's command, with its output in this root.
	cmd, _, _ := strings.Cut(instr(build, "RUN")[len(instr(build, "RUN"))-1], "&&")
	cmd = strings.ReplaceAll(cmd, "/out/longhaul", filepath.Join(root, "longhaul"))
	b := exec.Command("sh", "-c", cmd)
	b.Dir = ".."
	b.Env = append(os.Environ(), "VERSION=image-test")
	if out, err := b.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	user := instr(run, "USER")[len(instr(run, "USER"))-1]
	var uid, gid uint32
	if _, err := fmt.Sscanf(user, "%d:%d", &uid, &gid); err != nil {
		t.Fatalf("USER %q: %v", user, err)
	}
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{"data", 0o755}, {"tmp", 0o1777}} {
		p := filepath.Join(root, d.path)
		if err := os.Mkdir(p, d.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, d.mode)
	}
	if err := os.Chown(filepath.Join(root, "data"), int(uid), int(gid)); err != nil {
		t.Fatal(err)
	}
	// The image's environment, with a free port and a trusted proxy, as
	// docs/deploy.md runs it.
	env := []string{"LONGHAUL_TRUSTED_PROXIES=127.0.0.1"}
	for _, l := range instr(run, "ENV") {
		env = append(env, strings.Fields(l)...)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env = append(env, "LONGHAUL_ADDR="+addr, "LONGHAUL_URL=http://"+addr+"/healthz")
	jail := func(ctx context.Context, args ...string) *exec.Cmd {
		c := exec.CommandContext(ctx, "/longhaul", args...)
		c.Dir, c.Env = "/", env
		c.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs strings.Builder
	var args []string
	if err := json.Unmarshal([]byte(instr(run, "CMD")[0]), &args); err != nil {
		t.Fatalf("CMD %s: %v", instr(run, "CMD")[0], err)
	}
	srv := jail(ctx, args...)
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		out, err := jail(ctx, "health").CombinedOutput()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the health check never passed: %v\n%s\nserver:\n%s", err, out, logs.String())
		}
	}
	if _, err := os.Stat(filepath.Join(root, "data", "longhaul.db")); err != nil {
		t.Errorf("no database on the volume: %v", err)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if n := e.Name(); n != "longhaul" && n != "data" && n != "tmp" {
			t.Errorf("the server wrote %s outside its volume", n)
		}
	}
	if !strings.Contains(logs.String(), `"level"`) {
		t.Errorf("the logs are not JSON lines, as LONGHAUL_LOG_FORMAT=json asks:\n%.500s", logs.String())
	}
}
