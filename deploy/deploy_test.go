// Package deploy_test checks the deployment files beside it: the systemd
// unit with systemd's own verifier and security review, and the
// Dockerfile by reading it (and, with LONGHAUL_TEST_DOCKER=1 and a Docker
// daemon, by building and running the image).
package deploy_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stages reads a Dockerfile into its stages: each FROM line and the
// instructions after it, continuation lines joined.
func stages(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	var cur string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		cur += line
		if strings.HasPrefix(strings.ToUpper(cur), "FROM ") {
			out = append(out, nil)
		}
		if len(out) == 0 {
			t.Fatalf("%s: %q before the first FROM", path, cur)
		}
		out[len(out)-1] = append(out[len(out)-1], cur)
		cur = ""
	}
	return out
}

func instr(stage []string, name string) []string {
	var out []string
	for _, l := range stage {
		if k, v, _ := strings.Cut(l, " "); strings.EqualFold(k, name) {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	st := stages(t, "../Dockerfile")
	if len(st) < 2 {
		t.Fatalf("%d stages, want a build stage and a run stage", len(st))
	}
	build, run := st[0], st[len(st)-1]
	if from := instr(build, "FROM")[0]; !strings.HasPrefix(from, "golang:") {
		t.Errorf("the build stage starts from %q, want a golang image", from)
	}
	runs := strings.Join(instr(build, "RUN"), "\n")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "go build", "./cmd/longhaul"} {
		if !strings.Contains(runs, want) {
			t.Errorf("the build does not use %s:\n%s", want, runs)
		}
	}
	if from := instr(run, "FROM")[0]; !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("the run stage starts from %q, want distroless static or scratch", from)
	}
	if r := instr(run, "RUN"); len(r) > 0 {
		t.Errorf("the run stage runs %q: it has no shell", r)
	}
	users := instr(run, "USER")
	if len(users) == 0 {
		t.Fatal("the run stage names no USER: it would run as root")
	}
	u, _, _ := strings.Cut(users[len(users)-1], ":")
	if n, err := strconv.Atoi(u); u == "root" || (err == nil && n == 0) || u == "" {
		t.Errorf("the image runs as %q", users[len(users)-1])
	}
	hc := instr(run, "HEALTHCHECK")
	if len(hc) != 1 || !regexp.MustCompile(`CMD \["/longhaul", "health"`).MatchString(hc[0]) {
		t.Errorf("HEALTHCHECK %q, want the binary's own health command", hc)
	}
	for _, l := range run {
		if strings.Contains(l, "curl") || strings.Contains(l, "wget") {
			t.Errorf("the run stage uses curl or wget: %q", l)
		}
	}
	if v := instr(run, "VOLUME"); len(v) != 1 || v[0] != "/data" {
		t.Errorf("VOLUME %q, want /data", v)
	}
	env := strings.Join(instr(run, "ENV"), " ")
	for _, want := range []string{"LONGHAUL_DB=/data/", "LONGHAUL_PRODUCTION=true"} {
		if !strings.Contains(env, want) {
			t.Errorf("ENV lacks %s: %s", want, env)
		}
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", "*.db"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

// unitForTest writes the unit with ExecStart pointing at a binary built
// from this tree, since systemd-analyze verify checks that it exists.
func unitForTest(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "longhaul")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/longhaul").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	b, err := os.ReadFile("longhaul.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(b), "ExecStart=/usr/local/bin/longhaul", "ExecStart="+bin)
	path := filepath.Join(dir, "longhaul.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		const how = "systemd-analyze not found: install systemd (Debian: apt-get install systemd) to check deploy/longhaul.service"
		if os.Getenv("CI") == "true" {
			t.Fatal(how + " (CI=true, so the check must run)")
		}
		t.Skip(how)
	}
	return p
}

func TestSystemdUnit(t *testing.T) {
	sa := systemdAnalyze(t)
	b, err := os.ReadFile("longhaul.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/longhaul", "NoNewPrivileges=yes", "PrivateTmp=yes",
		"ProtectHome=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "EnvironmentFile=/etc/longhaul/longhaul.env"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	path := unitForTest(t)
	if out, err := exec.Command(sa, "verify", path).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// systemd's own review of the sandbox: 0 is fully locked down, 10
	// not at all; below 2 is what it calls OK.
	out, err := exec.Command(sa, "security", "--offline=true", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level >= 2 {
		t.Errorf("exposure level %.1f, want under 2:\n%s", level, out)
	}
}

// TestDockerImage builds the image and runs it until its health check
// passes. It needs a Docker daemon that can pull the base images, so it
// runs only when LONGHAUL_TEST_DOCKER=1.
func TestDockerImage(t *testing.T) {
	if os.Getenv("LONGHAUL_TEST_DOCKER") != "1" {
		t.Skip("set LONGHAUL_TEST_DOCKER=1 to build and run the image (needs a Docker daemon that can pull golang and distroless)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	docker := func(args ...string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	tag := "longhaul-test:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	docker("build", "-t", tag, "..")
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	id := docker("run", "-d", "--read-only", "--tmpfs", "/tmp", "-e", "LONGHAUL_TRUSTED_PROXIES=127.0.0.1", tag)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", id).Run() })
	if user := docker("inspect", "-f", "{{.Config.User}}", id); strings.HasPrefix(user, "0") || user == "" || user == "root" {
		t.Errorf("the container runs as %q", user)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(2 * time.Second) {
		state := docker("inspect", "-f", "{{.State.Health.Status}}", id)
		if state == "healthy" {
			break
		}
		if time.Now().After(deadline) || state == "unhealthy" {
			t.Fatalf("the container is %s:\n%s", state, docker("logs", id))
		}
	}
}
