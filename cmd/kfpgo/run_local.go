package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kfpgo/kfpgo/sdk/images"
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
	runtime      string
	pull         string
	network      []string
	passEnv      []string
	volumes      []string
	images       string
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
--image-map image=import/path) are built with go build and run as processes;
with --images built they are built with ko into the container runtime's local
store instead and run as the very images that go to a cluster.
Other images run in containers with --runtime (podman or docker; auto tries
podman, then docker), taken from the runtime's local store first (--pull
never: only from there), without network unless --network says otherwise;
--host-exec runs their command on the host instead (enough for shell-based
components). Artifacts and logs go to a folder per run under --pipeline-root.
Ctrl-C cancels running tasks (containers get SIGTERM, then SIGKILL).`
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
		fl.StringVar(&f.runtime, "runtime", local.RuntimeAuto, "container runtime for images that are not Go components: podman, docker or auto (podman, then docker)")
		fl.StringVar(&f.pull, "pull", local.PullMissing, "when to pull a container image: missing (only when not in the local store) or never")
		fl.StringArrayVar(&f.network, "network", nil, "container network: none (default) or host for every task, or TASK=host for one task (IR task name) that reaches services on this machine such as a database or MLflow on loopback (repeatable)")
		fl.StringArrayVar(&f.passEnv, "pass-env", nil, "pass variable NAME of this environment to every container, or TASK=NAME to one task; the runtime reads the value itself, so it never shows on a command line (repeatable)")
		fl.StringArrayVar(&f.volumes, "volume", nil, "mount a host path into the containers: [TASK=]HOST[:CONTAINER][:ro|rw], absolute paths (repeatable)")
		fl.StringVar(&f.images, "images", "go", "how Go component images (ko://) run: go (go build, host processes) or built (ko build into the runtime's store, run in containers)")
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
	var built map[string]string
	switch f.images {
	case "go":
	case "built":
		if f.hostExec {
			return errors.New("--images built runs Go components in containers and --host-exec runs images on the host: pick one")
		}
		if built, err = buildImages(ctx, cmd, p, f.runtime, images, params); err != nil {
			return err
		}
	default:
		return fmt.Errorf("--images %s: want go (go build, host processes) or built (ko images in the container runtime)", f.images)
	}
	network, taskNetwork := "", map[string]string{}
	for _, n := range f.network {
		if t, v, ok := strings.Cut(n, "="); ok {
			if t == "" || v == "" {
				return fmt.Errorf("--network %q: want none, host, or TASK=host", n)
			}
			taskNetwork[t] = v
			continue
		}
		network = n
	}
	for _, e := range f.passEnv {
		if _, name, ok := strings.Cut(e, "="); (ok && name == "") || e == "" || strings.HasPrefix(e, "=") {
			// The argument is not echoed: a mistyped NAME=value may hold a secret.
			return errors.New("--pass-env: want NAME or TASK=NAME, the value being read from this environment (export NAME=value first)")
		}
	}
	var mounts []local.Mount
	for _, v := range f.volumes {
		m, err := local.ParseMount(v)
		if err != nil {
			return err
		}
		mounts = append(mounts, m)
	}
	runtime := f.runtime
	if f.hostExec && !cmd.Flags().Changed("runtime") {
		runtime = "" // every image runs on the host: no runtime to look for
	}
	res, err := local.Run(ctx, p, local.Options{
		Runtime:         runtime,
		Pull:            f.pull,
		Network:         network,
		TaskNetwork:     taskNetwork,
		PassEnv:         f.passEnv,
		Mounts:          mounts,
		ContainerImages: built,
		Params:          params,
		Parallelism:     f.parallelism,
		PipelineRoot:    f.pipelineRoot,
		NoCache:         f.noCache,
		HostExec:        f.hostExec,
		ImageMap:        images,
		Progress:        out,
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

// buildImages builds the pipeline's ko:// images (main packages of the
// current module) with ko into the container runtime's local store and
// returns the map from each ko:// reference to its local image. Images
// mapped with --image-map are built from their import path too, and so are
// ko:// references among the pipeline's string parameters (--param values
// and defaults, e.g. a trainer_image a task launches), so that their
// binaries can be copied out of the store (see the README).
func buildImages(ctx context.Context, cmd *cobra.Command, p *local.Pipeline, runtime string, imageMap, params map[string]string) (map[string]string, error) {
	cli, err := local.FindRuntime(ctx, runtime)
	if err != nil {
		return nil, fmt.Errorf("--images built: %w", err)
	}
	byImage := map[string]images.Component{}
	names := map[string]string{}
	var refs []string
	for _, e := range p.Executors {
		refs = append(refs, e.GetContainer().GetImage())
	}
	for n, d := range p.Spec.GetRoot().GetInputDefinitions().GetParameters() {
		v, ok := params[n]
		if !ok {
			v = d.GetDefaultValue().GetStringValue()
		}
		if strings.HasPrefix(v, images.KoScheme) {
			refs = append(refs, v)
		}
	}
	for _, image := range refs {
		ip, ok := strings.CutPrefix(image, images.KoScheme)
		if !ok {
			ip, ok = imageMap[image]
		}
		if !ok || image == "" {
			continue
		}
		name := path.Base(ip)
		if other, dup := names[name]; dup && other != ip {
			return nil, fmt.Errorf("--images built: %s and %s would both be named %s/%s: ko names images by the last element of the import path; rename one package", other, ip, images.OfflineRepo, name)
		}
		names[name] = ip
		byImage[image] = images.Component{Name: name, ImportPath: ip}
	}
	if len(byImage) == 0 {
		return nil, nil
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("--images built builds the images with ko in the current Go module: %w", err)
	}
	ko, err := images.EnsureKo(ctx, filepath.Join(root, "bin"))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(byImage))
	for k := range byImage {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	comps := make([]images.Component, len(keys))
	for i, k := range keys {
		comps[i] = byImage[k]
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s  %-10s %d images with ko into %s's store (offline, generated nonroot base)\n", time.Now().Format("15:04:05"), "building", len(comps), path.Base(cli))
	locals, err := images.BuildIntoRuntime(ctx, images.RuntimeOptions{Ko: ko, Dir: root, CLI: cli}, comps)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, k := range keys {
		out[k] = locals[i]
	}
	return out, nil
}
