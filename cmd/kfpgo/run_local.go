package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// compileGoPackage compiles a Go pipeline package (an argument that is not
// a YAML file) to KFP IR YAML bytes for `kfpgo run --local`: the pipeline
// named pipelineName, or when empty the package's top pipeline. It is set by the
// compiler's wiring; until then Go packages are refused.
var compileGoPackage = func(ctx context.Context, pkg, pipelineName string) ([]byte, error) {
	return nil, fmt.Errorf("%s: running a Go pipeline package directly is not supported yet: compile it with `kfpgo compile` and pass the YAML file", pkg)
}

type runLocalFlags struct {
	local        bool
	params       []string
	parallelism  int
	pipelineRoot string
	noCache      bool
	hostExec     bool
	imageMap     []string
	pipeline     string
}

func init() {
	runLocalSetup = func(run *cobra.Command) {
		f := &runLocalFlags{}
		run.Use = "run --local PIPELINE.yaml|./package [--pipeline NAME] [--param name=value]..."
		run.Long = `Run a compiled pipeline (KFP IR YAML) or a Go pipeline package on this
machine with --local. A package is compiled first: its pipeline named by
--pipeline, else its only pipeline, else the one pipeline that no other
pipeline of the package uses as a task.

Tasks whose image is a Go component (ko://import/path, or an image mapped with
--image-map image=import/path) are built with go build and run as processes.
Other images need a container runtime; --host-exec runs their command on the
host instead (enough for shell-based components). Artifacts and logs go to a
folder per run under --pipeline-root. Ctrl-C cancels running tasks.`
		run.Args = cobra.MaximumNArgs(1)
		fl := run.Flags()
		fl.BoolVar(&f.local, "local", false, "run the pipeline on this machine")
		fl.StringArrayVar(&f.params, "param", nil, "pipeline parameter as name=value, typed per the pipeline's inputs (repeatable)")
		fl.IntVar(&f.parallelism, "parallelism", 0, "maximum number of tasks running at once, 1 or more (default: number of CPUs)")
		fl.StringVar(&f.pipelineRoot, "pipeline-root", "", "local directory for run folders (default: <user cache dir>/kfpgo/pipeline_root)")
		fl.BoolVar(&f.noCache, "no-cache", false, "run every task even if a cached result exists")
		fl.BoolVar(&f.hostExec, "host-exec", false, "run the command of non-Go images on the host instead of a container")
		fl.StringVar(&f.pipeline, "pipeline", "", "pipeline to run when the package defines several")
		fl.StringArrayVar(&f.imageMap, "image-map", nil, "treat an image as a Go component: image=import/path (repeatable)")
		run.RunE = func(cmd *cobra.Command, args []string) error {
			if !f.local {
				if len(args) == 0 {
					return cmd.Help()
				}
				return fmt.Errorf("kfpgo run %s: pass --local to run it on this machine, or use `kfpgo run create --package %s` to run it on a KFP server", args[0], args[0])
			}
			if len(args) != 1 {
				return errors.New("kfpgo run --local needs a compiled pipeline or a Go package: kfpgo run --local pipeline.yaml, or kfpgo run --local ./package")
			}
			return runLocal(cmd, f, args[0])
		}
	}
}

// exitCancelled is the exit status of a run cancelled by Ctrl-C (SIGINT)
// or SIGTERM: 128+2, as shells report a command ended by SIGINT.
const exitCancelled = 130

func runLocal(cmd *cobra.Command, f *runLocalFlags, arg string) error {
	if f.parallelism < 0 || (cmd.Flags().Changed("parallelism") && f.parallelism == 0) {
		return fmt.Errorf("--parallelism %d: want 1 or more tasks at once (leave it out for the number of CPUs)", f.parallelism)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var p *local.Pipeline
	var err error
	isFile := strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".json")
	if isFile && f.pipeline != "" {
		return fmt.Errorf("--pipeline %s: a compiled pipeline file holds one pipeline; --pipeline applies to a Go package", f.pipeline)
	}
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.HasSuffix(arg, ".json") {
		p, err = local.LoadFile(arg)
	} else {
		var b []byte
		if b, err = compileGoPackage(ctx, arg, f.pipeline); err == nil {
			p, err = local.Parse(arg, b)
		}
	}
	if err != nil {
		return err
	}
	params := map[string]string{}
	for _, kv := range f.params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--param %q: want name=value", kv)
		}
		if _, dup := params[k]; dup {
			return fmt.Errorf("--param %s given twice: pass each pipeline parameter once", k)
		}
		params[k] = v
	}
	images := map[string]string{}
	for _, kv := range f.imageMap {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || v == "" {
			return fmt.Errorf("--image-map %q: want image=import/path", kv)
		}
		images[k] = v
	}
	out := cmd.OutOrStdout()
	for _, w := range p.Warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	res, err := local.Run(ctx, p, local.Options{
		Params:       params,
		Parallelism:  f.parallelism,
		PipelineRoot: f.pipelineRoot,
		NoCache:      f.noCache,
		HostExec:     f.hostExec,
		ImageMap:     images,
		Progress:     out,
	})
	if res != nil {
		fmt.Fprintln(out)
		if werr := local.WriteSummary(out, res); werr != nil {
			return werr
		}
	}
	if err != nil && ctx.Err() != nil {
		return &exitError{code: exitCancelled, err: err}
	}
	return err
}
