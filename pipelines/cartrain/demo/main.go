// Command demo runs the reference pipeline end to end on this machine: it
// starts PostgreSQL and Redis on free loopback ports in a temporary
// directory, compiles cartrain, runs it with the local runner on
// testdata/datasets/cars.json, prints live progress and a summary, stops the
// servers, and leaves the run folder with every artifact (and an MLflow file
// store) under --pipeline-root.
//
//	go run ./pipelines/cartrain/demo [--pipeline-root out/cartrain] [--param name=value]...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kfpgo/kfpgo/components/testenv"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
)

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
	params := paramFlags{}
	flag.Var(params, "param", "pipeline parameter name=value (repeatable), e.g. --param accuracy_threshold=0.8")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./pipelines/cartrain/demo [flags]   (or: make demo DEMO_ARGS=\"flags\")\n\nRuns the cartrain pipeline locally on cars.json with throw-away PostgreSQL and Redis servers.\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*root, params, *noCache); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(root string, params map[string]string, noCache bool) error {
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
