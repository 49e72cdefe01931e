package local

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Container runtimes the ContainerHandler drives, by their CLI's name.
const (
	RuntimePodman = "podman"
	RuntimeDocker = "docker"
	// RuntimeAuto picks podman, then docker, the first whose CLI answers
	// `<cli> version` (for docker: whose daemon answers).
	RuntimeAuto = "auto"
)

// Pull policies of the ContainerHandler, named as the runtimes' own --pull
// values.
const (
	// PullMissing takes the image from the runtime's local store and pulls
	// it only when it is absent.
	PullMissing = "missing"
	// PullNever only takes the image from the local store.
	PullNever = "never"
)

// InstallHint says how to get a container runtime on a Debian or Ubuntu
// machine; it ends the error of a missing runtime.
const InstallHint = "install podman (Debian/Ubuntu: apt-get install podman runc catatonit; see the README's \"Run locally in containers\" for the containers.conf a VM may need) or Docker (docker.io, with its daemon running), or rerun with --host-exec to run the commands on the host"

// RuntimeError reports a container runtime that is missing or does not
// answer; Error() says which and how to install one (InstallHint).
type RuntimeError struct {
	// Runtime is what was asked for: podman, docker or auto.
	Runtime string
	// Tried lists, per CLI tried, why it cannot be used.
	Tried []string
}

func (e *RuntimeError) Error() string {
	return fmt.Sprintf("no usable container runtime (--runtime %s): %s; %s", e.Runtime, strings.Join(e.Tried, "; "), InstallHint)
}

// FindRuntime returns the path of the container runtime CLI named by want
// (RuntimePodman, RuntimeDocker or RuntimeAuto), checked by running
// `<cli> version`, which for docker also reaches its daemon. It returns a
// *RuntimeError when none answers, and an error for any other name.
func FindRuntime(ctx context.Context, want string) (string, error) {
	var names []string
	switch want {
	case RuntimePodman, RuntimeDocker:
		names = []string{want}
	case RuntimeAuto, "":
		names = []string{RuntimePodman, RuntimeDocker}
		want = RuntimeAuto
	default:
		return "", fmt.Errorf("--runtime %s: want podman, docker or auto", want)
	}
	rerr := &RuntimeError{Runtime: want}
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			rerr.Tried = append(rerr.Tried, n+" is not installed")
			continue
		}
		cmd := exec.CommandContext(ctx, p, "version")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			rerr.Tried = append(rerr.Tried, fmt.Sprintf("`%s version` failed (%v): %s", n, err, lastLine(out.String())))
			continue
		}
		return p, nil
	}
	return "", rerr
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return oneLine(s)
}

// ContainerHandler runs each task in its image with a container runtime's
// CLI (podman or docker), as KFP's kfp.local.DockerRunner does, under the
// contract of KFP's launcher:
//
//   - the pipeline root is mounted read-only at its own path (so every
//     path in the ExecutorInput, input artifacts of earlier tasks and runs
//     included, is valid inside the container, as in DockerRunner), the
//     task's folder read-write at its own path (output parameter files,
//     output artifact folders, executor_output.json) and the run's
//     workspace read-write; the mount folders of remote URIs
//     (<root>/gcs, s3, minio) appear at /gcs, /s3 and /minio, where KFP's
//     launcher puts them; an input artifact outside the root is mounted
//     read-only at its path;
//   - the image's entrypoint is replaced by the container's command when it
//     has one (--entrypoint), the args follow the image; the env is the
//     executor's env only (not the host's);
//   - cpuLimit (cores) maps to --cpus, memoryLimit (GB, 10^9 bytes, as
//     KFP's compiler writes it) to --memory in bytes;
//   - --network is Network (default none: a task reaching a service on the
//     host needs Network "host"; KFP's IR has no field saying so);
//   - the image's user is kept: the task folder and workspace are made
//     writable by any uid (mode 0777), so distroless nonroot images (uid
//     65532) can write their outputs;
//   - --init runs an init process as PID 1 that forwards signals, so a Go
//     binary gets SIGTERM as a normal process does;
//   - the container is created without --rm and its exit code is read with
//     `inspect` before it is removed (podman 4.3 loses the status of an
//     auto-removed container through its Docker-compatible API);
//   - stdout and stderr stream to the task's log files as they are written;
//   - cancellation runs `<cli> stop --time <grace>`: SIGTERM, then SIGKILL
//     after GracePeriod.
//
// The CLI rather than a Go API: podman's Go bindings and Docker's client are
// two different APIs with large dependency trees (podman's needs cgo and
// containers/storage), while both CLIs take the same flags for everything
// used here, are what users already run, and podman needs no service
// process for them. The handler is safe for concurrent use.
type ContainerHandler struct {
	// CLI is the runtime's command: a path or "podman"/"docker". Required
	// (see FindRuntime).
	CLI string
	// Pull is PullMissing or PullNever. Optional: defaults to PullMissing.
	Pull string
	// Network is the runtime's --network value. Optional: defaults to
	// "none".
	Network string
	// TaskNetwork overrides Network per task, by IR task name (taskInfo.name,
	// e.g. "prepare-data"): the tasks that reach services on this machine
	// (a database or MLflow on loopback) get "host", the others keep none.
	// Optional.
	TaskNetwork map[string]string
	// PassEnv lists the variables of the runner's own environment a task
	// receives: "NAME" for every task, "TASK=NAME" for the task with that IR
	// name only. Each is passed as `--env NAME`, so the runtime reads the
	// value from its own environment: a secret (a DSN with a password, a
	// token) never appears on the runtime's command line, in a process
	// listing or in an error message. A name not set in the runner's
	// environment is left out. Optional.
	PassEnv []string
	// Mounts are folders or files of this machine mounted into the
	// containers, beside the pipeline root (e.g. a dataset the pipeline
	// reads by path, or a store a task writes to). Optional.
	Mounts []Mount
	// Images maps an image reference of the pipeline to the local image
	// that runs for it (e.g. ko://… to the image ko built into the store).
	// Optional.
	Images map[string]string
	// GracePeriod is the time between SIGTERM and SIGKILL on cancellation.
	// Optional: defaults to 10s.
	GracePeriod time.Duration
	// Progress, when set, receives a line before an image is pulled.
	Progress func(msg string)

	mu  sync.Mutex
	ids map[string]*imageFuture
}

// Mount is one host path mounted into a task's container (a `--volume`).
type Mount struct {
	// Task is the IR task name of the only task that gets the mount; ""
	// mounts it into every container.
	Task string
	// Source is an absolute path on this machine. Required.
	Source string
	// Target is the absolute path inside the container. Optional: defaults
	// to Source.
	Target string
	// ReadOnly mounts it read-only. A writable mount must be writable by
	// the image's user (65532 for distroless nonroot images): the handler
	// does not change its permissions.
	ReadOnly bool
}

// ParseMount reads a mount as `--volume` writes it: HOST[:CONTAINER][:ro|rw],
// optionally prefixed with TASK= (the IR task name of the only task that gets
// it). HOST and CONTAINER must be absolute.
func ParseMount(s string) (Mount, error) {
	var m Mount
	v := s
	if t, rest, ok := strings.Cut(s, "="); ok && !strings.Contains(t, "/") {
		m.Task, v = t, rest
	}
	f := strings.Split(v, ":")
	if n := len(f); n > 1 && (f[n-1] == "ro" || f[n-1] == "rw") {
		m.ReadOnly = f[n-1] == "ro"
		f = f[:n-1]
	}
	switch len(f) {
	case 1:
		m.Source = f[0]
	case 2:
		m.Source, m.Target = f[0], f[1]
	default:
		return Mount{}, fmt.Errorf("--volume %q: want [TASK=]HOST[:CONTAINER][:ro|rw] with paths free of ':'", s)
	}
	if !filepath.IsAbs(m.Source) || (m.Target != "" && !filepath.IsAbs(m.Target)) {
		return Mount{}, fmt.Errorf("--volume %q: the paths must be absolute (e.g. $PWD/data:/data:ro)", s)
	}
	if strings.Contains(m.Source, ",") || strings.Contains(m.Target, ",") {
		return Mount{}, fmt.Errorf("--volume %q: a ',' in a path is read by podman and Docker as an option list; options go after a ':' (e.g. /data:/data:ro)", s)
	}
	return m, nil
}

// volume returns the --volume value of m.
func (m Mount) volume() string {
	t := m.Target
	if t == "" {
		t = m.Source
	}
	v := m.Source + ":" + t
	if m.ReadOnly {
		v += ":ro"
	}
	return v
}

type imageFuture struct {
	done chan struct{}
	id   string
	err  error
}

func (h *ContainerHandler) local(image string) string {
	if l, ok := h.Images[image]; ok {
		return l
	}
	return image
}

func (h *ContainerHandler) cliName() string { return filepath.Base(h.CLI) }

// Prepare makes sure the image is in the runtime's local store, pulling it
// when absent if Pull allows (once per handler and image).
func (h *ContainerHandler) Prepare(ctx context.Context, image string) error {
	_, err := h.ImageID(ctx, image)
	return err
}

// ImageID returns the runtime's id of the local image standing for image
// (the configuration digest, "sha256:…"), pulling it first when Pull
// allows. Errors: the image is absent and may not be pulled, the pull
// failed, or the runtime failed (its message included).
func (h *ContainerHandler) ImageID(ctx context.Context, image string) (string, error) {
	ref := h.local(image)
	h.mu.Lock()
	if h.ids == nil {
		h.ids = map[string]*imageFuture{}
	}
	f, ok := h.ids[ref]
	if !ok {
		f = &imageFuture{done: make(chan struct{})}
		h.ids[ref] = f
		h.mu.Unlock()
		f.id, f.err = h.resolveImage(ctx, image, ref)
		close(f.done)
	} else {
		h.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.id, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (h *ContainerHandler) resolveImage(ctx context.Context, image, ref string) (string, error) {
	if strings.Contains(ref, "://") {
		return "", fmt.Errorf("image %s has no local image: build it into %s's store first (kfpgo run --local --images built builds ko:// images), or map it with --image-map %s=<import path> to run it as a process", image, h.cliName(), image)
	}
	id, err := h.inspectImage(ctx, ref)
	if err == nil {
		return id, nil
	}
	if h.Pull == PullNever {
		return "", fmt.Errorf("image %s is not in %s's local store and --pull never forbids pulling it: load it (%s load -i image.tar, podman pull oci:DIR) or build it, or allow pulls with --pull missing", ref, h.cliName(), h.cliName())
	}
	if h.Progress != nil {
		h.Progress(fmt.Sprintf("pulling %s with %s", ref, h.cliName()))
	}
	out, perr := exec.CommandContext(ctx, h.CLI, "pull", ref).CombinedOutput()
	if perr != nil {
		return "", fmt.Errorf("image %s is not in %s's local store and pulling it failed (%v): %s; load it (%s load -i image.tar) or build it, or check the registry's address and credentials", ref, h.cliName(), perr, lastLine(string(out)), h.cliName())
	}
	return h.inspectImage(ctx, ref)
}

func (h *ContainerHandler) inspectImage(ctx context.Context, ref string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, h.CLI, "image", "inspect", "--format", "{{.Id}}", ref)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s image inspect %s: %v: %s", h.cliName(), ref, err, lastLine(stderr.String()))
	}
	id := strings.TrimSpace(string(out))
	if !strings.Contains(id, ":") {
		id = "sha256:" + id
	}
	return id, nil
}

// ExitError is a container that ended with a non-zero exit code; Error()
// reads "exit status N" as a process's does.
type ExitError struct {
	// Code is the container's exit code as the runtime recorded it.
	Code int
}

func (e *ExitError) Error() string { return "exit status " + strconv.Itoa(e.Code) }

// ExitCode returns Code (the method exec.ExitError also has).
func (e *ExitError) ExitCode() int { return e.Code }

// Run creates, runs and removes one container for p; see ContainerHandler.
// It returns nil on exit code 0, an *ExitError for another exit code, and
// an error wrapping ctx.Err() when cancelled.
func (h *ContainerHandler) Run(ctx context.Context, p Process) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ref := h.local(p.Image)
	if _, err := h.ImageID(ctx, p.Image); err != nil {
		return err
	}
	if err := openFolders(p.Dir, p.Workspace); err != nil {
		return err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "kfpgo-" + hex.EncodeToString(b[:])
	args, err := h.runArgs(p, name, ref)
	if err != nil {
		return err
	}
	grace := h.GracePeriod
	if grace <= 0 {
		grace = 10 * time.Second
	}
	cmd := exec.Command(h.CLI, args...)
	errTail := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = p.Stdout, io.Writer(errTail)
	if p.Stderr != nil {
		cmd.Stderr = io.MultiWriter(p.Stderr, errTail)
	}
	cmd.Env = os.Environ()
	// The removal runs whatever happens, and without ctx: a cancelled run
	// must still not leave the container behind.
	defer func() { _ = exec.Command(h.CLI, "rm", "--force", name).Run() }()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", h.CLI, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-done:
	case <-ctx.Done():
		secs := max(int((grace+time.Second-1)/time.Second), 1)
		_ = exec.Command(h.CLI, "stop", "--time", strconv.Itoa(secs), name).Run()
		t := time.NewTimer(grace + 10*time.Second)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			_ = cmd.Process.Kill()
			<-done
		}
		return fmt.Errorf("cancelled: %w", ctx.Err())
	}
	code, ierr := h.exitCode(name)
	if ierr != nil {
		if runErr != nil {
			return fmt.Errorf("%s run %s failed: %w (and its exit code is unknown: %v)", h.cliName(), ref, runErr, ierr)
		}
		return ierr
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	if runErr != nil {
		// Exit code 0 recorded but the CLI failed: the container never ran
		// (the runtime refused to create it).
		return fmt.Errorf("%s run %s failed (%v): the container did not start; its error is the last line of the task's stderr%s", h.cliName(), ref, runErr, startHint(errTail.String()))
	}
	return nil
}

// startHint returns advice for a container that did not start, from the
// end of the runtime's stderr.
func startHint(stderr string) string {
	if strings.Contains(stderr, "setting rlimit") {
		return "; the runtime's default ulimits exceed this machine's limits: set lower ones (podman: bash .ci/containers-conf > c.conf; export CONTAINERS_CONF=$PWD/c.conf; see the README's \"Run locally in containers\")"
	}
	return ""
}

// exitCode reads the recorded exit code of the container name. A container
// that never started (bad command, unknown user) reports the runtime's
// error instead.
func (h *ContainerHandler) exitCode(name string) (int, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(h.CLI, "container", "inspect", "--format", "{{.State.ExitCode}}|{{.State.Error}}", name)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%s container inspect %s: %v: %s", h.cliName(), name, err, lastLine(stderr.String()))
	}
	codeText, stateErr, _ := strings.Cut(strings.TrimSpace(string(out)), "|")
	code, err := strconv.Atoi(codeText)
	if err != nil {
		return 0, fmt.Errorf("%s container inspect %s: exit code %q is not a number", h.cliName(), name, codeText)
	}
	if stateErr != "" && code != 0 {
		return 0, fmt.Errorf("the container did not start: %s", oneLine(stateErr))
	}
	return code, nil
}

// runArgs returns the `run` arguments for p.
func (h *ContainerHandler) runArgs(p Process, name, ref string) ([]string, error) {
	network := h.Network
	if n, ok := h.TaskNetwork[p.TaskName]; ok {
		network = n
	}
	if network == "" {
		network = "none"
	}
	args := []string{"run", "--name", name, "--init", "--pull", "never", "--network", network}
	if p.CPULimit > 0 {
		args = append(args, "--cpus", strconv.FormatFloat(p.CPULimit, 'f', -1, 64))
	}
	if p.MemoryLimit > 0 {
		args = append(args, "--memory", strconv.FormatInt(p.MemoryLimit, 10)+"b")
	}
	mounts, err := containerMounts(p)
	if err != nil {
		return nil, err
	}
	for _, m := range h.Mounts {
		if m.Task == "" || m.Task == p.TaskName {
			if _, err := os.Stat(m.Source); err != nil {
				return nil, fmt.Errorf("mount %s into the container: %v", m.Source, err)
			}
			mounts = append(mounts, m.volume())
		}
	}
	for _, m := range mounts {
		args = append(args, "--volume", m)
	}
	for _, e := range p.Env {
		args = append(args, "--env", e)
	}
	for _, e := range h.PassEnv {
		task, name, ok := strings.Cut(e, "=")
		if !ok {
			task, name = "", e
		}
		if task != "" && task != p.TaskName {
			continue
		}
		if _, set := os.LookupEnv(name); set {
			// The name alone: the runtime reads the value from its own
			// environment (cmd.Env in Run), never from its command line.
			args = append(args, "--env", name)
		}
	}
	rest := p.Argv
	if p.CommandLen > 0 {
		args = append(args, "--entrypoint", p.Argv[0])
		rest = p.Argv[1:]
	}
	args = append(args, ref)
	return append(args, rest...), nil
}

// containerMounts returns the --volume values of p: see ContainerHandler.
func containerMounts(p Process) ([]string, error) {
	var out []string
	root := p.PipelineRoot
	if root != "" {
		out = append(out, root+":"+root+":ro")
		for _, d := range []string{"gcs", "s3", "minio"} {
			if fi, err := os.Stat(filepath.Join(root, d)); err == nil && fi.IsDir() {
				out = append(out, filepath.Join(root, d)+":/"+d+":ro")
			}
		}
	}
	if p.Dir != "" {
		out = append(out, p.Dir+":"+p.Dir)
	}
	if p.Workspace != "" {
		out = append(out, p.Workspace+":"+p.Workspace)
	}
	for _, m := range out {
		if n := strings.Count(m, ":"); n > 2 || (n == 2 && !strings.HasSuffix(m, ":ro")) {
			return nil, fmt.Errorf("cannot mount %q into a container: --volume separates its fields with ':', and a folder's path has one; pass a --pipeline-root without ':'", m)
		}
	}
	seen := map[string]bool{}
	for _, l := range p.ExecutorInput.GetInputs().GetArtifacts() {
		for _, a := range l.GetArtifacts() {
			uri := a.GetUri()
			path := strings.TrimPrefix(uri, "file://")
			if !filepath.IsAbs(path) || (root != "" && within(root, path)) || seen[path] {
				continue
			}
			if _, err := os.Stat(path); err != nil {
				continue // the component sees it missing, as on a cluster
			}
			seen[path] = true
			if strings.Contains(path, ":") {
				return nil, fmt.Errorf("input artifact %s: a path with ':' cannot be mounted into a container (--volume separates its fields with ':'); move or rename the file", path)
			}
			out = append(out, path+":"+path+":ro")
		}
	}
	return out, nil
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// openFolders makes every folder under the given ones writable by any uid,
// so that an image running as a non-root user can write its outputs.
func openFolders(dirs ...string) error {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				return os.Chmod(p, 0o777)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("make the task folder writable for the container's user: %w", err)
		}
	}
	return nil
}
