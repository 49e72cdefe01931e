package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
)

// Process is one container execution, its placeholders already resolved.
type Process struct {
	// Task is the task path, for messages.
	Task string
	// TaskName is the IR task name (taskInfo.name), which per-task settings
	// of a handler (ContainerHandler.TaskNetwork…) are keyed by.
	TaskName string
	// Image is the container image of the executor.
	Image string
	// Argv is the container's command followed by its args.
	Argv []string
	// CommandLen is how many leading elements of Argv are the container's
	// command; 0 means the image's entrypoint runs with Argv as its args.
	// Only container runtimes tell them apart.
	CommandLen int
	// CPULimit is the container's cpuLimit in cores, 0 for none.
	CPULimit float64
	// MemoryLimit is the container's memoryLimit in bytes, 0 for none.
	MemoryLimit int64
	// PipelineRoot is the local pipeline root, which holds every artifact
	// the ExecutorInput names by a local path (empty in tests that run no
	// pipeline).
	PipelineRoot string
	// Workspace is the run's workspace folder, if the run has one.
	Workspace string
	// Env holds NAME=value pairs from the executor's env, appended to the
	// host environment.
	Env []string
	// ExecutorInput is what the placeholders were resolved from (read-only).
	ExecutorInput *pipelinespec.ExecutorInput
	// Component is the task's component: input and output definitions
	// (read-only).
	Component *pipelinespec.ComponentSpec
	// Dir is the task's folder, used as the working directory.
	Dir string
	// Stdout and Stderr receive the process output.
	Stdout, Stderr io.Writer
}

// TaskHandler runs container executors. Implementations are safe for
// concurrent use. Run returns nil on exit status 0, an error otherwise; when
// ctx is cancelled it stops the process and returns an error wrapping
// ctx.Err().
type TaskHandler interface {
	// Prepare is called once per image before anything starts, so that an
	// image that cannot run here is refused up front; it may build.
	Prepare(ctx context.Context, image string) error
	// Run executes p and waits for it.
	Run(ctx context.Context, p Process) error
}

// HostHandler runs a container's command on the host, as if the image were
// this machine: enough for shell-based components (sh -c, echo, printf).
type HostHandler struct {
	// GracePeriod is how long a cancelled process has between SIGTERM and
	// SIGKILL. Optional: defaults to 10s.
	GracePeriod time.Duration
}

// Prepare accepts every image.
func (HostHandler) Prepare(context.Context, string) error { return nil }

// Run starts p.Argv in its own process group and waits; see runProcess.
func (h HostHandler) Run(ctx context.Context, p Process) error {
	return runProcess(ctx, p, p.Argv, h.GracePeriod)
}

// GoHandler runs Go component images as local processes: the image
// ko://<import path>, or an image mapped to an import path by ImageMap, is
// built once with `go build` into CacheDir and its command, /ko-app/<last
// element of the import path> in ko's layout, is mapped to the binary.
type GoHandler struct {
	// ModuleDir is the Go module directory in which `go build` runs.
	// Optional: defaults to the current directory.
	ModuleDir string
	// CacheDir holds the built binaries, keyed by import path and module
	// state. Optional: defaults to os.UserCacheDir()/kfpgo/bin.
	CacheDir string
	// ImageMap maps an image reference to a Go import path.
	ImageMap map[string]string
	// GracePeriod is as in HostHandler.
	GracePeriod time.Duration

	mu     sync.Mutex
	builds map[string]*buildFuture
	state  string
}

type buildFuture struct {
	done   chan struct{}
	bin    string
	digest string
	err    error
}

// ImportPath returns the Go import path an image stands for, and whether it
// is a Go component image.
func (g *GoHandler) ImportPath(image string) (string, bool) {
	if p, ok := strings.CutPrefix(image, "ko://"); ok {
		return p, true
	}
	p, ok := g.ImageMap[image]
	return p, ok
}

// Prepare builds the image's binary (once per handler and module state).
func (g *GoHandler) Prepare(ctx context.Context, image string) error {
	_, err := g.binary(ctx, image)
	return err
}

// BinaryDigest returns the hex SHA-256 of the binary built for image (64
// characters), building it first if needed. The digest is computed once per
// build and kept next to the binary (<binary>.sha256), so that it costs one
// file read on later runs. The local runner adds it to the cache key of Go
// component tasks: editing the component's code changes the binary, hence
// the key. Errors are those of the build.
func (g *GoHandler) BinaryDigest(ctx context.Context, image string) (string, error) {
	f, err := g.future(ctx, image)
	if err != nil {
		return "", err
	}
	return f.digest, nil
}

// Run maps /ko-app/<name> to the built binary and runs the process.
func (g *GoHandler) Run(ctx context.Context, p Process) error {
	bin, err := g.binary(ctx, p.Image)
	if err != nil {
		return err
	}
	argv := append([]string(nil), p.Argv...)
	switch {
	case len(argv) == 0:
		argv = []string{bin}
	case strings.HasPrefix(argv[0], "/ko-app/"):
		argv[0] = bin
	default:
		argv = append([]string{bin}, argv...)
	}
	// Go components that build further Go binaries locally (e.g. a trainer
	// image in distributed-train's local mode) build them from this module.
	if dir, err := filepath.Abs(g.moduleDir()); err == nil {
		p.Env = append(append([]string(nil), p.Env...), EnvModuleDir+"="+dir)
	}
	return runProcess(ctx, p, argv, g.GracePeriod)
}

// EnvModuleDir is set on Go component processes to the Go module the
// runner builds images from (GoHandler.ModuleDir).
const EnvModuleDir = "KFPGO_MODULE_DIR"

func (g *GoHandler) moduleDir() string {
	if g.ModuleDir != "" {
		return g.ModuleDir
	}
	return "."
}

func (g *GoHandler) binary(ctx context.Context, image string) (string, error) {
	f, err := g.future(ctx, image)
	if err != nil {
		return "", err
	}
	return f.bin, nil
}

// future returns the finished build of image, starting it if needed.
func (g *GoHandler) future(ctx context.Context, image string) (*buildFuture, error) {
	ip, ok := g.ImportPath(image)
	if !ok {
		return nil, fmt.Errorf("image %s is not a Go component image: use ko://<import path> or --image-map %s=<import path>", image, image)
	}
	g.mu.Lock()
	if g.builds == nil {
		g.builds = map[string]*buildFuture{}
	}
	f, ok := g.builds[ip]
	if !ok {
		f = &buildFuture{done: make(chan struct{})}
		g.builds[ip] = f
		g.mu.Unlock()
		f.bin, f.err = g.build(ctx, ip)
		if f.err == nil {
			f.digest, f.err = binaryDigest(f.bin)
		}
		close(f.done)
	} else {
		g.mu.Unlock()
	}
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// binaryDigest returns the hex SHA-256 of the file bin, read from
// <bin>.sha256 when present, else computed and stored there (temp file +
// rename; a failed store only costs a recomputation next time).
func binaryDigest(bin string) (string, error) {
	side := bin + ".sha256"
	if b, err := os.ReadFile(side); err == nil {
		if d := strings.TrimSpace(string(b)); len(d) == sha256.Size*2 {
			if _, err := hex.DecodeString(d); err == nil {
				return d, nil
			}
		}
	}
	f, err := os.Open(bin)
	if err != nil {
		return "", fmt.Errorf("fingerprint built binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("fingerprint built binary %s: %w", bin, err)
	}
	d := hex.EncodeToString(h.Sum(nil))
	tmp := fmt.Sprintf("%s.tmp-%d", side, os.Getpid())
	if err := os.WriteFile(tmp, []byte(d+"\n"), 0o644); err == nil {
		if os.Rename(tmp, side) != nil {
			_ = os.Remove(tmp)
		}
	}
	return d, nil
}

func (g *GoHandler) build(ctx context.Context, importPath string) (string, error) {
	dir := g.ModuleDir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	cache := g.CacheDir
	if cache == "" {
		uc, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no cache directory for Go builds (set GoHandler.CacheDir): %w", err)
		}
		cache = filepath.Join(uc, "kfpgo", "bin")
	}
	g.mu.Lock()
	if g.state == "" {
		g.state, err = moduleState(abs)
	}
	state := g.state
	g.mu.Unlock()
	if err != nil {
		return "", fmt.Errorf("read Go module %s: %w", abs, err)
	}
	sum := sha256.Sum256([]byte(importPath + "\x00" + abs + "\x00" + state))
	bin := filepath.Join(cache, hex.EncodeToString(sum[:12]), path.Base(importPath))
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("create Go build cache: %w", err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, importPath)
	cmd.Dir = abs
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("go build %s in %s failed: fix the build or the import path: %s", importPath, abs, oneLine(strings.TrimSpace(string(out))))
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("store built binary: %w", err)
	}
	return bin, nil
}

// moduleState fingerprints the Go sources of a module directory by path,
// size and modification time, so that any edit gives a new build key.
func moduleState(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") && name != "go.mod" && name != "go.sum" && name != "go.work" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// runProcess runs argv in its own process group. On cancellation the group
// gets SIGTERM, then SIGKILL after grace (default 10s).
func runProcess(ctx context.Context, p Process, argv []string, grace time.Duration) error {
	if len(argv) == 0 {
		return errors.New("the container has neither command nor args")
	}
	if grace <= 0 {
		grace = 10 * time.Second
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", argv[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		pgid := cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-done
		}
		return fmt.Errorf("cancelled: %w", ctx.Err())
	}
}

// router picks the handler of an image: images the container handler maps
// (built component images) go to it, Go component images to the GoHandler,
// others to the container handler when there is one, else to the host when
// HostExec is set, else they are refused.
type router struct {
	goh      *GoHandler
	host     TaskHandler
	override TaskHandler
	// container is the ContainerHandler, or nil; containerErr says why
	// there is none when a runtime was asked for and none answered.
	container    *ContainerHandler
	containerErr error
}

// mapped reports whether image runs as a local image of the container
// handler (Options.ContainerImages).
func (r *router) mapped(image string) bool {
	if r.override != nil || r.container == nil {
		return false
	}
	_, ok := r.container.Images[image]
	return ok
}

// binaryDigest returns the digest of the built binary of a Go component
// image run by the GoHandler, and "" for every other image (or when a
// Handler override runs everything).
func (r *router) binaryDigest(ctx context.Context, image string) (string, error) {
	if r.override != nil {
		return "", nil
	}
	if r.mapped(image) {
		return r.container.ImageID(ctx, image)
	}
	if _, ok := r.goh.ImportPath(image); !ok {
		return "", nil
	}
	return r.goh.BinaryDigest(ctx, image)
}

// isGo reports whether image runs on the GoHandler.
func (r *router) isGo(image string) bool {
	if r.override != nil {
		return false
	}
	_, ok := r.goh.ImportPath(image)
	return ok || r.mapped(image)
}

func (r *router) handler(image string) (TaskHandler, error) {
	if r.override != nil {
		return r.override, nil
	}
	if r.mapped(image) {
		return r.container, nil
	}
	if _, ok := r.goh.ImportPath(image); ok {
		return r.goh, nil
	}
	if r.host != nil {
		return r.host, nil
	}
	if r.container != nil {
		return r.container, nil
	}
	if r.containerErr != nil {
		return nil, fmt.Errorf("image %s needs a container runtime: %w", image, r.containerErr)
	}
	return nil, fmt.Errorf("image %s needs a container runtime, which this machine lacks: rerun with --host-exec to run its command on the host, or map it to a Go package with --image-map %s=<import path>", image, image)
}
