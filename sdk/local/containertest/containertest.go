// Package containertest starts podman or Docker for tests of the local
// runner's container handler: a private image store and configuration in a
// temp folder (for Docker, its own dockerd on a socket there), images made
// offline from a scratch Containerfile or built with ko, and a check that a
// container really runs. A test that calls Podman or Docker fails (never
// skips) when the runtime cannot run here, saying why and how to install it.
package containertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PodmanNprocCap is the highest nproc limit podman 4.3 can give a
// container: podman lowers its own RLIMIT_NPROC to 32768 before it starts
// conmon (seen in conmon's /proc/PID/limits), and runc cannot raise a
// container's limit above its parent's ("error setting rlimit type 6:
// operation not permitted").
const PodmanNprocCap = 32768

// ContainersConf returns a containers.conf(5) for podman 4.3 on a VM like
// the CI machine's: runc (crun refuses the hybrid cgroup v1 layout there),
// the cgroupfs cgroup manager and file events (no systemd session), and
// explicit default ulimits no higher than this process's own limits
// (RLIMIT_NOFILE, and RLIMIT_NPROC capped at PodmanNprocCap): podman's
// defaults (1048576) are refused by runc where the host's are lower.
func ContainersConf() string {
	nofile, nproc := uint64(1024), uint64(4096)
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil {
		nofile = l.Cur
	}
	const rlimitNproc = 6 // RLIMIT_NPROC, include/uapi/asm-generic/resource.h
	if syscall.Getrlimit(rlimitNproc, &l) == nil {
		nproc = l.Cur
	}
	nproc = min(nproc, PodmanNprocCap)
	return fmt.Sprintf(`[containers]
default_ulimits = ["nofile=%d:%d", "nproc=%d:%d"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`, nofile, nofile, nproc, nproc)
}

// Env is a container runtime with its own store: CLI is the path of podman
// or docker, Dir the temp folder holding the configuration and the store.
type Env struct {
	CLI string
	Dir string
	// Runtime is "podman" or "docker", the local runner's --runtime value.
	Runtime string
	// env is added to the CLI's environment (DOCKER_BUILDKIT for builds).
	env []string
}

// InstallHint says how to get what Podman needs on Debian.
const InstallHint = "install them with: apt-get install -y podman runc catatonit busybox-static (bash .ci/setup does it)"

// Podman prepares podman for the test: CONTAINERS_CONF (ContainersConf) and
// CONTAINERS_STORAGE_CONF (overlay store in a temp folder) are set with
// t.Setenv, so every podman the test starts, the runner's included, uses
// them; then it runs a container from a scratch image to prove podman
// works. It fails the test, saying why, when podman, runc or catatonit is
// missing or the container does not run. The store is removed at the end.
func Podman(t testing.TB) *Env {
	t.Helper()
	var missing []string
	cli, err := exec.LookPath("podman")
	if err != nil {
		missing = append(missing, "podman")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		missing = append(missing, "runc")
	}
	if _, err := os.Stat("/usr/libexec/podman/catatonit"); err != nil {
		missing = append(missing, "catatonit (podman's --init)")
	}
	if _, err := os.Stat(Busybox); err != nil {
		missing = append(missing, "busybox-static")
	}
	if len(missing) > 0 {
		t.Fatalf("the container tests need %s, missing here: %s", strings.Join(missing, ", "), InstallHint)
	}
	dir, err := os.MkdirTemp("", "kfpgo-podman-")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "containers.conf")
	storage := filepath.Join(dir, "storage.conf")
	write(t, conf, ContainersConf())
	write(t, storage, fmt.Sprintf("[storage]\ndriver = \"overlay\"\ngraphroot = %q\nrunroot = %q\n", filepath.Join(dir, "graph"), filepath.Join(dir, "run")))
	t.Setenv("CONTAINERS_CONF", conf)
	t.Setenv("CONTAINERS_STORAGE_CONF", storage)
	e := &Env{CLI: cli, Dir: dir, Runtime: "podman"}
	t.Cleanup(func() {
		// Unmount and delete everything of this store, then its folder.
		_ = exec.Command(cli, "rm", "--all", "--force").Run()
		_ = exec.Command(cli, "system", "reset", "--force").Run()
		_ = os.RemoveAll(dir)
	})
	e.probe(t, func() string { return fmt.Sprintf("its configuration is %s:\n%s", conf, ContainersConf()) })
	return e
}

// probe builds a scratch image and runs a container from it, failing the
// test with the runtime's answer and diag() (what to look at) when it does
// not print "ok".
func (e *Env) probe(t testing.TB, diag func() string) {
	t.Helper()
	e.Scratch(t, "localhost/kfpgo-probe:1", "")
	if out, err := e.Output(t, "run", "--rm", "--pull", "never", "--network", "none", "localhost/kfpgo-probe:1", "sh", "-c", "echo ok"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("%s cannot run a container here (%v): %s\n%s", e.Runtime, err, out, diag())
	}
}

// DockerInstallHint says how to get Docker's daemon and CLI on Debian.
const DockerInstallHint = "install them with: apt-get install -y docker.io (bash .ci/setup does it; the daemon need not run: the tests start their own)"

// Docker starts a dockerd of its own for the test, as root, with its data,
// exec state (its containerd included) and socket in a temp folder, no
// iptables rules and no default bridge (the local runner's containers use
// --network none or host), and sets DOCKER_HOST with t.Setenv so that every
// docker the test starts, the runner's included, talks to it. It then runs
// a container from a scratch image to prove Docker works. It fails the test,
// saying why, when dockerd or docker is missing, the daemon does not answer
// within a minute (its log's last lines included) or the container does not
// run. The daemon is stopped and its folder removed at the end.
func Docker(t testing.TB) *Env {
	t.Helper()
	var missing []string
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		missing = append(missing, "dockerd")
	}
	cli, err := exec.LookPath("docker")
	if err != nil {
		missing = append(missing, "docker")
	}
	if _, err := os.Stat(Busybox); err != nil {
		missing = append(missing, "busybox-static")
	}
	if len(missing) > 0 {
		t.Fatalf("the Docker tests need %s, missing here: %s", strings.Join(missing, ", "), DockerInstallHint)
	}
	dir, err := os.MkdirTemp("", "kfpgo-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	logPath := filepath.Join(dir, "dockerd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	d := exec.Command(dockerd,
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"), "--host", "unix://"+sock,
		"--iptables=false", "--ip-forward=false", "--bridge=none", "--log-level=warn")
	d.Stdout, d.Stderr = logf, logf
	if err := d.Start(); err != nil {
		t.Fatalf("start dockerd: %v; %s", err, DockerInstallHint)
	}
	exited := make(chan struct{})
	go func() { _ = d.Wait(); close(exited) }()
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	e := &Env{CLI: cli, Dir: dir, Runtime: "docker", env: []string{"DOCKER_BUILDKIT=0"}}
	t.Cleanup(func() {
		if ids, err := exec.Command(cli, "ps", "--all", "--quiet").Output(); err == nil && len(bytes.TrimSpace(ids)) > 0 {
			_ = exec.Command(cli, append([]string{"rm", "--force"}, strings.Fields(string(ids))...)...).Run()
		}
		_ = d.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = d.Process.Kill()
			<-exited
		}
		_ = logf.Close()
		unmountUnder(dir)
		_ = os.RemoveAll(dir)
	})
	deadline := time.Now().Add(time.Minute)
	for {
		out, err := exec.Command(cli, "version").CombinedOutput()
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("dockerd exited at start; its log %s ends:\n%s", logPath, tail(logPath))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockerd did not answer on %s within a minute (docker version: %v: %s); its log ends:\n%s", sock, err, out, tail(logPath))
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.probe(t, func() string { return "dockerd's log ends:\n" + tail(logPath) })
	return e
}

// unmountUnder detaches every mount below dir, deepest first: dockerd
// leaves its default network namespace bind-mounted at
// <exec-root>/netns/default after it stops, which makes the folder
// impossible to remove.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			points = append(points, f[1])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		_ = syscall.Unmount(points[i], syscall.MNT_DETACH)
	}
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(len(lines)-15, 0):], "\n")
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Output runs podman with args and returns its combined output.
func (e *Env) Output(t testing.TB, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var b bytes.Buffer
	cmd := exec.CommandContext(ctx, e.CLI, args...)
	cmd.Env = append(os.Environ(), e.env...)
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// Busybox is the static busybox of Debian's busybox-static package.
const Busybox = "/bin/busybox"

// busyboxApplets are the commands the scratch image provides, each a
// symbolic link to busybox (a RUN step would need container limits that
// podman build does not take from containers.conf).
var busyboxApplets = []string{"sh", "echo", "cat", "printf", "sleep", "test", "mkdir", "wc", "id", "ls", "touch", "tr", "seq", "env", "grep", "head"}

// Scratch builds image ref FROM scratch with Debian's static busybox as
// /bin/sh and the usual commands (echo, cat, printf, sleep…), running as
// user ("" for root, as alpine; "65532:65532" as distroless nonroot), and
// returns ref. No registry is contacted.
func (e *Env) Scratch(t testing.TB, ref, user string) string {
	t.Helper()
	ctx := t.TempDir()
	b, err := os.ReadFile(Busybox)
	if err != nil {
		t.Fatalf("read %s: %v; %s", Busybox, err, InstallHint)
	}
	bin := filepath.Join(ctx, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "busybox"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range busyboxApplets {
		if err := os.Symlink("busybox", filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	var cf strings.Builder
	cf.WriteString("FROM scratch\nCOPY bin /bin\n")
	if user != "" {
		cf.WriteString("USER " + user + "\n")
	}
	cf.WriteString("ENV PATH=/bin\nCMD [\"sh\"]\n")
	write(t, filepath.Join(ctx, "Containerfile"), cf.String())
	if out, err := e.Output(t, "build", "--quiet", "--file", filepath.Join(ctx, "Containerfile"), "--tag", ref, ctx); err != nil {
		t.Fatalf("%s build of a scratch image failed (%v): %s", e.Runtime, err, out)
	}
	return ref
}
