// Command demo runs the reference pipeline end to end on this machine: it
// starts PostgreSQL and Redis on free loopback ports in a temporary
// directory, compiles cartrain, runs it with the local runner on
// testdata/datasets/cars.json, prints live progress and a summary, stops the
// servers, and leaves the run folder with every artifact (and an MLflow file
// store) under --pipeline-root.
//
// With --images built every task runs in a container (podman or Docker,
// --runtime) from the component images built with ko into the runtime's
// local store: the very images that go to a cluster (see
// cartrain.LocalContainers for what each container gets).
//
//	go run ./pipelines/cartrain/demo [--pipeline-root out/cartrain] [--param name=value]... [--images go|built] [--runtime auto|podman|docker]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kfpgo/kfpgo/components/testenv"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
	"github.com/kfpgo/kfpgo/sdk/images"
	"github.com/kfpgo/kfpgo/sdk/local"
)

// buildImages builds the images of cartrain.LocalImages with ko into the
// container runtime's local store (offline, from the generated nonroot base)
// and copies the trainer image's binary out to a temporary folder, which
// cleanup removes.
func buildImages(ctx context.Context, moduleDir, runtime string, progress io.Writer) (c *cartrain.LocalContainers, cleanup func(), err error) {
	cli, err := local.FindRuntime(ctx, runtime)
	if err != nil {
		return nil, nil, fmt.Errorf("--images built: %w", err)
	}
	refs, err := cartrain.LocalImages()
	if err != nil {
		return nil, nil, err
	}
	ko, err := images.EnsureKo(ctx, filepath.Join(moduleDir, "bin"))
	if err != nil {
		return nil, nil, err
	}
	comps := make([]images.Component, len(refs))
	for i, r := range refs {
		ip := strings.TrimPrefix(r, images.KoScheme)
		comps[i] = images.Component{Name: path.Base(ip), ImportPath: ip}
	}
	start := time.Now()
	fmt.Fprintf(progress, "building %d images with ko into %s's store (offline, generated nonroot base)…\n", len(comps), filepath.Base(cli))
	local, err := images.BuildIntoRuntime(ctx, images.RuntimeOptions{Ko: ko, Dir: moduleDir, CLI: cli}, comps)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(progress, "built and loaded %d images in %s\n", len(comps), time.Since(start).Round(100*time.Millisecond))
	c = &cartrain.LocalContainers{Runtime: cli, Images: map[string]string{}}
	for i, r := range refs {
		c.Images[r] = local[i]
	}
	tmp, err := os.MkdirTemp("", "kfpgo-trainer-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { _ = os.RemoveAll(tmp) }
	trainer := path.Base(strings.TrimPrefix(cartrain.TrainerImage, images.KoScheme))
	c.TrainerBinary = filepath.Join(tmp, trainer)
	if err := images.CopyFromImage(ctx, cli, c.Images[cartrain.TrainerImage], path.Join("/ko-app", trainer), c.TrainerBinary); err != nil {
		cleanup()
		return nil, nil, err
	}
	return c, cleanup, nil
}

// installHint adds how to install a missing server binary.
func installHint(err error) error {
	if errors.Is(err, testenv.ErrBinaryNotFound) {
		return fmt.Errorf("%w (install PostgreSQL and Redis with: make setup)", err)
	}
	return err
}

type paramFlags map[string]string

func (p paramFlags) String() string { return fmt.Sprint(map[string]string(p)) }
func (p paramFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want name=value, got %q", s)
	}
	p[k] = v
	return nil
}

func main() {
	root := flag.String("pipeline-root", "out/cartrain", "folder holding the run folders and the MLflow file store")
	noCache := flag.Bool("no-cache", false, "run every task even when a cached result exists")
	imagesMode := flag.String("images", "go", "how the components run: go (go build, host processes) or built (ko images in a container runtime, as on a cluster)")
	runtime := flag.String("runtime", local.RuntimeAuto, "container runtime of --images built: podman, docker or auto (podman, then docker)")
	params := paramFlags{}
	flag.Var(params, "param", "pipeline parameter name=value (repeatable), e.g. --param accuracy_threshold=0.8")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./pipelines/cartrain/demo [flags]   (or: make demo DEMO_ARGS=\"flags\")\n\nRuns the cartrain pipeline locally on cars.json with throw-away PostgreSQL and Redis servers.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *imagesMode != "go" && *imagesMode != "built" {
		fmt.Fprintf(os.Stderr, "demo: --images %s: want go (host processes) or built (container images)\n", *imagesMode)
		os.Exit(2)
	}
	if err := run(*root, params, *noCache, *imagesMode == "built", *runtime); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(root string, params map[string]string, noCache, built bool, runtime string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	moduleDir, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(moduleDir, "go.mod")); err != nil {
		return fmt.Errorf("run the demo from the kfpgo checkout's root (make demo)")
	}
	root, err = filepath.Abs(root)
	if err != nil {
		return err
	}
	start := time.Now()
	opts := cartrain.LocalOptions{ModuleDir: moduleDir, PipelineRoot: root, Params: params, Progress: os.Stderr, NoCache: noCache}
	// Refuse a mistyped --param before starting anything.
	if err := cartrain.CheckLocalParams(opts); err != nil {
		return err
	}
	if built {
		c, cleanup, err := buildImages(ctx, moduleDir, runtime, os.Stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		opts.Containers = c
	}
	fmt.Fprintln(os.Stderr, "starting PostgreSQL and Redis on loopback…")
	pg, err := testenv.StartPostgres(ctx, testenv.PostgresOptions{})
	if err != nil {
		return installHint(err)
	}
	defer pg.Stop()
	rd, err := testenv.StartRedis(ctx, testenv.RedisOptions{})
	if err != nil {
		return installHint(err)
	}
	defer rd.Stop()
	fmt.Fprintf(os.Stderr, "PostgreSQL on port %d, Redis on %s; running cartrain (pipeline root %s)\n", pg.Port, rd.Addr, root)
	opts.PostgresDSN, opts.RedisURL = pg.DSN, rd.URL
	res, err := cartrain.RunLocal(ctx, opts)
	if res != nil && res.Run != nil {
		fmt.Println()
		fmt.Print(res.Summary())
		fmt.Printf("wall time:                     %s\n", time.Since(start).Round(100*time.Millisecond))
	}
	return err
}
