package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/types/known/structpb"
)

// State is the state of a task or run, as printed on the terminal.
type State string

// Task and run states.
const (
	StatePending   State = "pending"
	StateRunning   State = "running"
	StateCached    State = "cached"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	StateSkipped   State = "skipped"
	StateCancelled State = "cancelled"
)

// ok reports whether downstream tasks may consume the outputs.
func (s State) ok() bool { return s == StateSucceeded || s == StateCached }

// finalStatus is the PipelineTaskState name KFP passes in a
// PipelineTaskFinalStatus.
func (s State) finalStatus() string {
	switch s {
	case StateSucceeded, StateCached:
		return pipelinespec.PipelineStateEnum_SUCCEEDED.String()
	case StateCancelled:
		return pipelinespec.PipelineStateEnum_CANCELLED.String()
	case StateSkipped:
		return pipelinespec.PipelineStateEnum_SKIPPED.String()
	default:
		return pipelinespec.PipelineStateEnum_FAILED.String()
	}
}

// Options configure Run. The zero value runs with defaults.
type Options struct {
	// Params holds pipeline parameters as text (name → value), typed per the
	// root inputDefinitions: integers, floats, true/false, JSON lists and
	// objects. Optional: defaults of the pipeline apply.
	Params map[string]string
	// Parallelism bounds how many executors run at once. Optional: defaults
	// to runtime.NumCPU().
	Parallelism int
	// PipelineRoot is the local directory holding one folder per run.
	// Optional: defaults to os.UserCacheDir()/kfpgo/pipeline_root.
	PipelineRoot string
	// NoCache disables the cache for every task.
	NoCache bool
	// HostExec runs the command of non-Go images on the host.
	HostExec bool
	// ImageMap maps image references to Go import paths built with go build.
	ImageMap map[string]string
	// GoModuleDir is where Go component images are built. Optional: defaults
	// to the current directory.
	GoModuleDir string
	// GoBuildCacheDir holds built Go binaries. Optional: defaults to
	// os.UserCacheDir()/kfpgo/bin.
	GoBuildCacheDir string
	// Runtime runs images that are not Go components in containers:
	// RuntimePodman, RuntimeDocker or RuntimeAuto (podman, then docker;
	// with neither, such images are refused with a *RuntimeError's advice).
	// HostExec wins over it. Optional: defaults to "" (no container
	// runtime).
	Runtime string
	// Pull is the ContainerHandler's pull policy, PullMissing or PullNever.
	// Optional: defaults to PullMissing.
	Pull string
	// Network is the containers' --network. Optional: defaults to "none".
	Network string
	// TaskNetwork, PassEnv and Mounts are the ContainerHandler's: --network
	// per IR task name, variables of this process's environment passed to
	// the containers by name, and extra host paths mounted into them. A task
	// name they mention must be one of the pipeline's. Optional.
	TaskNetwork map[string]string
	PassEnv     []string
	Mounts      []Mount
	// ContainerImages maps images of the pipeline (typically ko://import
	// paths) to local images of the runtime's store that run for them in
	// containers instead of as Go processes; it needs Runtime.
	ContainerImages map[string]string
	// Handler, if set, runs every container executor (tests, custom
	// runtimes), bypassing the image checks.
	Handler TaskHandler
	// Progress receives one line per task state change. Optional.
	Progress io.Writer
	// OnEvent is called on every task state change, from many goroutines.
	// Optional.
	OnEvent func(Event)
	// GracePeriod is the time between SIGTERM and SIGKILL on cancellation.
	// Optional: defaults to 10s.
	GracePeriod time.Duration
	// RunID names the run folder. Optional: defaults to
	// <pipeline name>-<UTC time>-<random hex>.
	RunID string
}

// Event is a task state change.
type Event struct {
	Time     time.Time
	Task     string
	State    State
	Duration time.Duration
	Reason   string
}

// TaskResult is what a run records about one task (a container, importer,
// sub-DAG, loop, or loop iteration).
type TaskResult struct {
	// Name is the task path: IR task names joined by "/", loop iterations as
	// "for-loop-2[0]".
	Name string
	// TaskName is the IR task name (taskInfo.name).
	TaskName string
	// Kind is "go-function" (a Go component, built and run as a process),
	// "container", "importer", "dag", "loop" or "iteration".
	Kind  string
	State State
	// Reason says why a task was skipped, failed or cancelled. For a failed
	// process it is the first stderr line starting with "executor: " (the
	// one line in which a Go component's executor says why it failed) when
	// there is one, else the process error (e.g. "exit status 1").
	Reason string
	// Start and End bound the task's execution (zero if it never ran).
	Start, End time.Time
	// Attempts counts executions, retries included.
	Attempts int
	// ExecTime is the time spent inside TaskHandler.Run (the process itself,
	// from start to exit), summed over attempts.
	ExecTime time.Duration
	// Parameters and Artifacts are the task's outputs.
	Parameters map[string]*structpb.Value
	Artifacts  map[string]*pipelinespec.ArtifactList
	// Dir is the task folder (container tasks): artifacts, outputs and the
	// stdout.log/stderr.log files.
	Dir string
	// StderrTail holds the last lines of stderr of the last attempt.
	StderrTail string
}

// Duration is End − Start.
func (t *TaskResult) Duration() time.Duration {
	if t.Start.IsZero() || t.End.IsZero() {
		return 0
	}
	return t.End.Sub(t.Start)
}

// RunResult is the outcome of Run.
type RunResult struct {
	RunID  string
	RunDir string
	State  State
	Start  time.Time
	End    time.Time
	// Tasks lists every task by start time, then name.
	Tasks []*TaskResult
	// Parameters and Artifacts are the pipeline's outputs (root dagOutputs).
	Parameters map[string]*structpb.Value
	Artifacts  map[string]*pipelinespec.ArtifactList
}

// Task returns the task with the given path, or nil.
func (r *RunResult) Task(name string) *TaskResult {
	for _, t := range r.Tasks {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Failed returns the failed container and importer tasks.
func (r *RunResult) Failed() []*TaskResult {
	var out []*TaskResult
	for _, t := range r.Tasks {
		if t.State == StateFailed && (t.Kind == "container" || t.Kind == "go-function" || t.Kind == "importer") {
			out = append(out, t)
		}
	}
	return out
}

// InputError reports input refused before anything started: a bad
// parameter, or an image that cannot run here.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// RunError reports a run that finished failed or cancelled; Result holds the
// details.
type RunError struct {
	Result *RunResult
}

func (e *RunError) Error() string {
	if e.Result.State == StateCancelled {
		return fmt.Sprintf("run %s cancelled", e.Result.RunID)
	}
	f := e.Result.Failed()
	if len(f) == 0 {
		return fmt.Sprintf("run %s %s", e.Result.RunID, e.Result.State)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "task %s failed: %s", f[0].Name, f[0].Reason)
	if len(f) > 1 {
		fmt.Fprintf(&b, " (and %d more failed tasks)", len(f)-1)
	}
	if f[0].StderrTail != "" {
		fmt.Fprintf(&b, "\n--- last lines of %s stderr (%s) ---\n%s", f[0].Name, filepath.Join(f[0].Dir, "stderr.log"), f[0].StderrTail)
	}
	return b.String()
}

type run struct {
	p       *Pipeline
	opts    Options
	root    string
	runDir  string
	runID   string
	created string
	router  *router
	sem     chan struct{}
	cache   *cache

	wsOnce sync.Once

	mu    sync.Mutex
	tasks []*TaskResult
}

// Run executes p on this machine. Before anything starts it checks the
// parameters (unknown names, wrong types, missing required ones) and that
// every executor image can run here, returning an *InputError. Otherwise it
// returns the result, with a *RunError if a task failed or the run was
// cancelled (ctx). Go component images are built during the checks.
func Run(ctx context.Context, p *Pipeline, opts Options) (*RunResult, error) {
	params, inArts, err := pipelineParams(p.Spec.GetRoot(), opts.Params)
	if err != nil {
		return nil, err
	}
	r := &run{p: p, opts: opts}
	r.router = &router{
		goh:      &GoHandler{ModuleDir: opts.GoModuleDir, CacheDir: opts.GoBuildCacheDir, ImageMap: opts.ImageMap, GracePeriod: opts.GracePeriod},
		override: opts.Handler,
	}
	if opts.HostExec {
		r.router.host = HostHandler{GracePeriod: opts.GracePeriod}
	}
	if err := r.setupContainer(ctx); err != nil {
		return nil, err
	}
	if err := r.preflight(ctx); err != nil {
		return nil, err
	}
	r.root = opts.PipelineRoot
	if r.root == "" {
		uc, err := os.UserCacheDir()
		if err != nil {
			return nil, &InputError{Msg: fmt.Sprintf("no user cache directory for the pipeline root (%v): pass --pipeline-root", err)}
		}
		r.root = filepath.Join(uc, "kfpgo", "pipeline_root")
	}
	if r.root, err = filepath.Abs(r.root); err != nil {
		return nil, &InputError{Msg: fmt.Sprintf("pipeline root: %v", err)}
	}
	start := time.Now().UTC()
	r.created = start.Format(time.RFC3339)
	r.runID = opts.RunID
	if r.runID == "" {
		var b [3]byte
		_, _ = rand.Read(b[:])
		r.runID = fmt.Sprintf("%s-%s-%s", p.Spec.GetPipelineInfo().GetName(), start.Format("20060102-150405"), hex.EncodeToString(b[:]))
	}
	r.runDir = filepath.Join(r.root, r.runID)
	if err := os.MkdirAll(r.runDir, 0o755); err != nil {
		return nil, &InputError{Msg: fmt.Sprintf("cannot create the run folder %s (%v): pass a writable --pipeline-root", r.runDir, err)}
	}
	n := opts.Parallelism
	if n <= 0 {
		n = runtime.NumCPU()
	}
	r.sem = make(chan struct{}, n)
	r.cache = newCache(filepath.Join(r.root, ".cache"))

	s := &scope{r: r, comp: p.Spec.GetRoot(), params: params, arts: inArts}
	state := s.runDAG(ctx)
	res := &RunResult{RunID: r.runID, RunDir: r.runDir, State: state, Start: start, End: time.Now().UTC()}
	res.Parameters, res.Artifacts = s.dagOutputs()
	r.mu.Lock()
	res.Tasks = append(res.Tasks, r.tasks...)
	r.mu.Unlock()
	sort.SliceStable(res.Tasks, func(i, j int) bool {
		a, b := res.Tasks[i], res.Tasks[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Name < b.Name
	})
	if state != StateSucceeded {
		return res, &RunError{Result: res}
	}
	return res, nil
}

// setupContainer finds the container runtime Options.Runtime asks for. With
// RuntimeAuto and none found, the reason is kept for the error of an image
// that needs one; an explicit runtime that does not answer is an
// *InputError, as are ContainerImages without a runtime.
func (r *run) setupContainer(ctx context.Context) error {
	o := r.opts
	if o.Handler != nil {
		return nil
	}
	if o.Pull != "" && o.Pull != PullMissing && o.Pull != PullNever {
		return &InputError{Msg: fmt.Sprintf("--pull %s: want missing or never", o.Pull)}
	}
	if o.Runtime == "" {
		if len(o.ContainerImages) > 0 {
			return &InputError{Msg: "container images were given but no container runtime: pass --runtime podman, docker or auto"}
		}
		return nil
	}
	if err := r.checkTaskNames(); err != nil {
		return err
	}
	if o.Runtime == RuntimeAuto && len(o.ContainerImages) == 0 && !r.needsContainer() {
		return nil // every image is a Go component: no runtime to look for
	}
	cli, err := FindRuntime(ctx, o.Runtime)
	if err != nil {
		var rerr *RuntimeError
		if errors.As(err, &rerr) && o.Runtime == RuntimeAuto && len(o.ContainerImages) == 0 {
			r.router.containerErr = err
			return nil
		}
		return &InputError{Msg: err.Error()}
	}
	h := &ContainerHandler{CLI: cli, Pull: o.Pull, Network: o.Network, TaskNetwork: o.TaskNetwork, PassEnv: o.PassEnv, Mounts: o.Mounts, Images: o.ContainerImages, GracePeriod: o.GracePeriod}
	if o.Progress != nil {
		h.Progress = func(msg string) {
			r.mu.Lock()
			fmt.Fprintf(o.Progress, "%s  %-10s %s\n", time.Now().Format("15:04:05"), "preparing", msg)
			r.mu.Unlock()
		}
	}
	r.router.container = h
	return nil
}

// envName is a POSIX environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkTaskNames refuses a per-task container setting (TaskNetwork,
// PassEnv, Mounts) that names no task of the pipeline.
func (r *run) checkTaskNames() error {
	names := map[string]bool{}
	comps := append([]*pipelinespec.ComponentSpec{r.p.Spec.GetRoot()}, slices.Collect(maps.Values(r.p.Spec.GetComponents()))...)
	for _, c := range comps {
		for n := range c.GetDag().GetTasks() {
			names[n] = true
		}
	}
	check := func(setting, task, hint string) error {
		if task == "" || names[task] {
			return nil
		}
		return &InputError{Msg: fmt.Sprintf("%s: the pipeline has no task named %q; its tasks are %s%s", setting, task, strings.Join(slices.Sorted(maps.Keys(names)), ", "), hint)}
	}
	for t, n := range r.opts.TaskNetwork {
		if err := check("--network "+t+"="+n, t, ""); err != nil {
			return err
		}
	}
	for _, e := range r.opts.PassEnv {
		if t, _, ok := strings.Cut(e, "="); ok {
			// Only the task part is shown: a mistyped NAME=value may hold a
			// secret.
			if err := check("--pass-env "+t+"=…", t, " (--pass-env takes NAME or TASK=NAME, the value being read from this environment)"); err != nil {
				return err
			}
		}
		name := e
		if _, n, ok := strings.Cut(e, "="); ok {
			name = n
		}
		if !envName.MatchString(name) {
			// Not shown: a value typed in place of a name may be a secret.
			return &InputError{Msg: "--pass-env: a variable name must be letters, digits and underscores, not starting with a digit (--pass-env takes NAME or TASK=NAME, the value being read from this environment)"}
		}
	}
	for _, m := range r.opts.Mounts {
		if err := check("--volume "+m.Task+"="+m.volume(), m.Task, ""); err != nil {
			return err
		}
	}
	return nil
}

// needsContainer reports whether an executor image is not a Go component
// (nor mapped to one), so that it would run in a container.
func (r *run) needsContainer() bool {
	for _, e := range r.p.Executors {
		if c := e.GetContainer(); c != nil {
			if _, ok := r.router.goh.ImportPath(c.GetImage()); !ok {
				return true
			}
		}
	}
	return false
}

// preflight checks every executor image before anything starts.
func (r *run) preflight(ctx context.Context) error {
	labels := make([]string, 0, len(r.p.Executors))
	for l := range r.p.Executors {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	announced := map[string]bool{}
	for _, l := range labels {
		c := r.p.Executors[l].GetContainer()
		if c == nil {
			if r.p.Executors[l].GetImporter() == nil {
				return &InputError{Msg: fmt.Sprintf("executor %s is neither a container nor an importer: local runs support only those", l)}
			}
			continue
		}
		h, err := r.router.handler(c.GetImage())
		if err != nil {
			return &InputError{Msg: fmt.Sprintf("executor %s: %v", l, err)}
		}
		if ip, isGo := r.router.goh.ImportPath(c.GetImage()); isGo && h == TaskHandler(r.router.goh) && r.opts.Progress != nil && !announced[ip] {
			announced[ip] = true
			// A first build takes seconds per component: say what is happening.
			fmt.Fprintf(r.opts.Progress, "%s  %-10s %s (go build, reused until the code changes)\n", time.Now().Format("15:04:05"), "preparing", ip)
		}
		if err := h.Prepare(ctx, c.GetImage()); err != nil {
			return &InputError{Msg: fmt.Sprintf("executor %s: %v", l, err)}
		}
	}
	return nil
}

func (r *run) record(t *TaskResult) {
	r.mu.Lock()
	r.tasks = append(r.tasks, t)
	r.mu.Unlock()
}

func (r *run) emit(t *TaskResult, s State, reason string) {
	r.mu.Lock()
	t.State = s
	if reason != "" {
		t.Reason = reason
	}
	if s.ok() {
		t.Reason = ""
	}
	ev := Event{Time: time.Now(), Task: t.Name, State: s, Reason: t.Reason}
	switch s {
	case StateRunning:
		if t.Start.IsZero() {
			t.Start = ev.Time
		}
	case StatePending:
	default:
		if t.Start.IsZero() {
			t.Start = ev.Time
		}
		t.End = ev.Time
		ev.Duration = t.End.Sub(t.Start)
	}
	r.mu.Unlock()
	if r.opts.OnEvent != nil {
		r.opts.OnEvent(ev)
	}
	if r.opts.Progress != nil && (t.Kind == "container" || t.Kind == "go-function" || t.Kind == "importer" || s == StateSkipped || s == StateFailed && t.Kind != "iteration") {
		writeEvent(r.opts.Progress, ev, &r.mu)
	}
}

// pipelineParams types the text parameters per the root inputDefinitions,
// applies defaults and refuses unknown names and missing required ones. A
// value for a root input artifact is its URI (a path is made absolute).
func pipelineParams(root *pipelinespec.ComponentSpec, raw map[string]string) (map[string]*structpb.Value, map[string]*pipelinespec.ArtifactList, error) {
	defs := root.GetInputDefinitions().GetParameters()
	artDefs := root.GetInputDefinitions().GetArtifacts()
	out := map[string]*structpb.Value{}
	arts := map[string]*pipelinespec.ArtifactList{}
	var known []string
	for n := range defs {
		known = append(known, n)
	}
	for n := range artDefs {
		known = append(known, n)
	}
	sort.Strings(known)
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if ad, ok := artDefs[n]; ok {
			uri := raw[n]
			if !strings.Contains(uri, "://") {
				abs, err := filepath.Abs(uri)
				if err != nil {
					return nil, nil, &InputError{Msg: fmt.Sprintf("input artifact %q: %v: pass --param %s=<path or URI>", n, err, n)}
				}
				uri = abs
			}
			arts[n] = &pipelinespec.ArtifactList{Artifacts: []*pipelinespec.RuntimeArtifact{{
				Name: n, Uri: uri, Type: ad.GetArtifactType(), Metadata: &structpb.Struct{Fields: map[string]*structpb.Value{}},
			}}}
			continue
		}
		d, ok := defs[n]
		if !ok {
			if len(known) == 0 {
				return nil, nil, &InputError{Msg: fmt.Sprintf("unknown parameter %q: the pipeline takes no parameters, remove --param %s", n, n)}
			}
			return nil, nil, &InputError{Msg: fmt.Sprintf("unknown parameter %q: the pipeline takes %s", n, strings.Join(known, ", "))}
		}
		v, err := parseParamFlag(raw[n], d.GetParameterType())
		if err != nil {
			return nil, nil, &InputError{Msg: fmt.Sprintf("parameter %q: %v: pass --param %s=<%s>", n, err, n, typeHint(d.GetParameterType()))}
		}
		out[n] = v
	}
	var missing []string
	for _, n := range known {
		if _, ok := out[n]; ok {
			continue
		}
		if ad, ok := artDefs[n]; ok {
			if arts[n] == nil && !ad.GetIsOptional() {
				missing = append(missing, n)
			}
			continue
		}
		d := defs[n]
		switch {
		case d.GetDefaultValue() != nil:
			out[n] = d.GetDefaultValue()
		case d.GetIsOptional():
			out[n] = structpb.NewNullValue()
		default:
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		var flags []string
		for _, n := range missing {
			hint := "path or URI"
			if d, ok := defs[n]; ok {
				hint = typeHint(d.GetParameterType())
			}
			flags = append(flags, fmt.Sprintf("--param %s=<%s>", n, hint))
		}
		return nil, nil, &InputError{Msg: fmt.Sprintf("missing required parameter %s: pass %s", strings.Join(missing, ", "), strings.Join(flags, " "))}
	}
	return out, arts, nil
}

func typeHint(t pipelinespec.ParameterType_ParameterTypeEnum) string {
	switch t {
	case pipelinespec.ParameterType_NUMBER_INTEGER:
		return "integer"
	case pipelinespec.ParameterType_NUMBER_DOUBLE:
		return "number"
	case pipelinespec.ParameterType_BOOLEAN:
		return "true|false"
	case pipelinespec.ParameterType_LIST:
		return "JSON list"
	case pipelinespec.ParameterType_STRUCT:
		return "JSON object"
	default:
		return "string"
	}
}
