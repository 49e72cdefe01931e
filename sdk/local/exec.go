package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/sdk/launcher"
)

// runContainer runs one container task: ExecutorInput, placeholders,
// cache lookup, the process with retries, and the outputs read back.
func (r *run) runContainer(ctx context.Context, res *TaskResult, spec *pipelinespec.PipelineTaskSpec, comp *pipelinespec.ComponentSpec, params map[string]*structpb.Value, arts map[string]*pipelinespec.ArtifactList) {
	c := r.p.Executors[comp.GetExecutorLabel()].GetContainer()
	dir := filepath.Join(r.runDir, "tasks", filepath.FromSlash(dirName(res.Name)))
	res.Dir = dir
	ei := launcher.BuildExecutorInput(comp, launcher.Inputs{Parameters: params, Artifacts: arts}, launcher.Layout{
		ArtifactURIPrefix: filepath.Join(dir, "artifacts"),
		ParameterDir:      filepath.Join(dir, "outputs"),
		OutputFile:        filepath.Join(dir, "executor_output.json"),
	})
	rt := launcher.Runtime{
		JobName: r.runID, JobResourceName: r.runID, JobUUID: r.runID,
		TaskName: res.TaskName, TaskUUID: r.taskUUID(res), PipelineRoot: r.root,
		CreateTimeUTC: r.created, ScheduleTimeUTC: r.created,
		WorkspacePath: r.workspace(),
	}
	raw, err := r.inlineExecutorInput(res, c.GetImage(), ei, append(append([]string(nil), c.GetCommand()...), c.GetArgs()...))
	if err != nil {
		r.emit(res, StateFailed, err.Error())
		return
	}
	// The command and the args are resolved apart (placeholders resolve
	// element by element), so that a container runtime can tell them apart.
	nCmd := len(c.GetCommand())
	command, err := launcher.Resolve(ei, rt, r.root, raw[:nCmd])
	if err != nil {
		r.emit(res, StateFailed, err.Error())
		return
	}
	args, err := launcher.Resolve(ei, rt, r.root, raw[nCmd:])
	if err != nil {
		r.emit(res, StateFailed, err.Error())
		return
	}
	argv := append(command, args...)
	if err := checkArgLengths(argv); err != nil {
		r.emit(res, StateFailed, err.Error())
		return
	}
	var env []string
	for _, e := range c.GetEnv() {
		v, err := launcher.Resolve(ei, rt, r.root, []string{e.GetValue()})
		if err != nil || len(v) != 1 {
			r.emit(res, StateFailed, fmt.Sprintf("env %s: %v", e.GetName(), err))
			return
		}
		env = append(env, e.GetName()+"="+v[0])
	}
	useCache := !r.opts.NoCache && spec.GetCachingOptions().GetEnableCache()
	var key string
	if useCache {
		digest, err := r.router.binaryDigest(ctx, c.GetImage())
		if err != nil {
			r.emit(res, StateFailed, err.Error())
			return
		}
		key = cacheKey(c, ei, comp, digest, env)
		release := r.cache.acquire(ctx, key)
		defer release()
		if eo := r.cache.load(key, r.root); eo != nil {
			res.Parameters, res.Artifacts = eo.GetParameterValues(), eo.GetArtifacts()
			r.emit(res, StateCached, "")
			return
		}
	}
	h, err := r.router.handler(c.GetImage())
	if err != nil {
		r.emit(res, StateFailed, err.Error())
		return
	}
	rp := spec.GetRetryPolicy()
	attempts := 1 + int(max(rp.GetMaxRetryCount(), 0))
	r.emit(res, StatePending, "")
	for attempt := 0; attempt < attempts; attempt++ {
		if attempt > 0 {
			d := backoff(rp, attempt)
			r.emitNote(res, fmt.Sprintf("retry %d/%d in %s: %s", attempt, attempts-1, d, oneLine(res.Reason)))
			select {
			case <-time.After(d):
			case <-ctx.Done():
				r.emit(res, StateCancelled, "the run was cancelled")
				return
			}
		}
		proc := Process{Task: res.Name, TaskName: res.TaskName, Image: c.GetImage(), Argv: argv, CommandLen: len(command), ExecutorInput: ei, Component: comp, Env: env, Dir: res.Dir,
			CPULimit: c.GetResources().GetCpuLimit(), MemoryLimit: int64(c.GetResources().GetMemoryLimit() * 1e9), PipelineRoot: r.root, Workspace: rt.WorkspacePath}
		eo, err := r.attempt(ctx, res, attempt, h, proc)
		res.Attempts = attempt + 1
		if ctx.Err() != nil {
			r.emit(res, StateCancelled, "the run was cancelled")
			return
		}
		if err == nil {
			res.Parameters, res.Artifacts = eo.GetParameterValues(), eo.GetArtifacts()
			if useCache {
				r.cache.store(key, eo)
			}
			r.emit(res, StateSucceeded, "")
			return
		}
		res.Reason = err.Error()
		if permanent(err) && attempt+1 < attempts {
			if !strings.Contains(res.Reason, "not retried") { // the Go executor says so itself
				res.Reason += fmt.Sprintf(" (exit status %d: the component marked the failure permanent, so it is not retried)", launcher.ExitPermanent)
			}
			break
		}
	}
	r.emit(res, StateFailed, "")
}

// permanent reports whether a failed attempt ended with
// launcher.ExitPermanent, the status by which a component says that no
// retry can fix its failure.
func permanent(err error) bool {
	var ec interface{ ExitCode() int }
	return errors.As(err, &ec) && ec.ExitCode() == launcher.ExitPermanent
}

// MaxInlineExecutorInput is the largest ExecutorInput JSON, in bytes, passed
// inline on the command line for the {{$}} placeholder (64 KiB, half of
// Linux's 128 KiB limit on one argument, MAX_ARG_STRLEN in
// include/uapi/linux/binfmts.h). A larger one is written to
// executor_input.json in the task folder and passed as @<path> to Go
// component images (package executor reads --executor_input @file); other
// images are refused with the size and this limit.
const MaxInlineExecutorInput = 64 << 10

// maxArgLen is Linux's limit on one argument or environment string,
// terminating NUL included (MAX_ARG_STRLEN = 32 pages of 4 KiB).
const maxArgLen = 128 << 10

// inlineExecutorInput returns the command and args of a container with {{$}}
// replaced by @<task folder>/executor_input.json when the ExecutorInput is
// over MaxInlineExecutorInput and the image is a Go component run by the
// GoHandler; see MaxInlineExecutorInput. An argument "{{$}}" or ending in
// "={{$}}" (--executor_input={{$}}) is replaced; the file is written
// atomically.
func (r *run) inlineExecutorInput(res *TaskResult, image string, ei *pipelinespec.ExecutorInput, args []string) ([]string, error) {
	uses := false
	for _, a := range args {
		if strings.Contains(a, "{{$}}") {
			uses = true
		}
	}
	if !uses {
		return args, nil
	}
	b, err := protojson.Marshal(ei)
	if err != nil {
		return nil, fmt.Errorf("encode ExecutorInput: %w", err)
	}
	if len(b) <= MaxInlineExecutorInput || r.router.override != nil {
		return args, nil
	}
	if !r.router.isGo(image) {
		return nil, fmt.Errorf("the ExecutorInput ({{$}}) is %d bytes, over the %d-byte limit for a command-line argument of a host command: pass large values as artifacts (files) instead of parameters, or run the component as a Go component image, which receives it as a file", len(b), MaxInlineExecutorInput)
	}
	file := filepath.Join(res.Dir, "executor_input.json")
	out := make([]string, len(args))
	replaced := false
	for i, a := range args {
		switch {
		case a == "{{$}}":
			out[i], replaced = "@"+file, true
		case strings.HasSuffix(a, "={{$}}") && !strings.Contains(strings.TrimSuffix(a, "{{$}}"), "{{$}}"):
			out[i], replaced = strings.TrimSuffix(a, "{{$}}")+"@"+file, true
		default:
			out[i] = a
		}
	}
	if !replaced {
		return nil, fmt.Errorf("the ExecutorInput ({{$}}) is %d bytes, over the %d-byte inline limit, and the placeholder is embedded in a longer argument, so it cannot be passed as a file: pass {{$}} as an argument of its own (--executor_input {{$}})", len(b), MaxInlineExecutorInput)
	}
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create task folder: %w", err)
	}
	tmp, err := os.CreateTemp(res.Dir, ".executor_input-*")
	if err != nil {
		return nil, fmt.Errorf("write the ExecutorInput file: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("write the ExecutorInput file %s: %v", file, errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("write the ExecutorInput file %s: %w", file, err)
	}
	return out, nil
}

// checkArgLengths refuses a resolved command line with an argument the
// kernel would refuse (maxArgLen), saying which one and how long it is,
// instead of the bare "argument list too long" of exec.
func checkArgLengths(argv []string) error {
	for i, a := range argv {
		if len(a)+1 > maxArgLen {
			return fmt.Errorf("command-line argument %d is %d bytes, over Linux's %d-byte limit for one argument: pass large values as artifacts (files) instead of parameters", i, len(a), maxArgLen-1)
		}
	}
	return nil
}

// attempt runs the process once (n is the 0-based attempt number), holding a
// parallelism slot. The logs of the previous attempt, if any, are first
// renamed to attempt-<n>.stdout.log and attempt-<n>.stderr.log, so that
// stdout.log and stderr.log always hold the latest attempt.
func (r *run) attempt(ctx context.Context, res *TaskResult, n int, h TaskHandler, p Process) (*pipelinespec.ExecutorOutput, error) {
	ei, comp := p.ExecutorInput, p.Component
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-r.sem }()
	if err := os.RemoveAll(filepath.Join(res.Dir, "outputs")); err != nil {
		return nil, err
	}
	_ = os.Remove(ei.GetOutputs().GetOutputFile())
	if err := launcher.PrepareOutputs(ei, r.root); err != nil {
		return nil, err
	}
	if n > 0 {
		for _, name := range []string{"stdout.log", "stderr.log"} {
			err := os.Rename(filepath.Join(res.Dir, name), filepath.Join(res.Dir, fmt.Sprintf("attempt-%d.%s", n, name)))
			if err != nil && !os.IsNotExist(err) {
				return nil, fmt.Errorf("keep the logs of attempt %d: %w", n, err)
			}
		}
	}
	stdout, err := os.Create(filepath.Join(res.Dir, "stdout.log"))
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(res.Dir, "stderr.log"))
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	tail := &tailBuffer{max: 4096}
	reason := &reasonLine{}
	r.emit(res, StateRunning, "")
	began := time.Now()
	p.Stdout, p.Stderr = stdout, io.MultiWriter(stderr, tail, reason)
	runErr := h.Run(ctx, p)
	res.ExecTime += time.Since(began)
	res.StderrTail = trimLines(tail.String(), 20)
	if runErr != nil {
		if line := reason.String(); line != "" {
			return nil, &processError{reason: line, err: runErr}
		}
		return nil, runErr
	}
	return launcher.CollectOutputs(ei, comp)
}

func (r *run) emitNote(res *TaskResult, note string) {
	if r.opts.Progress != nil {
		r.mu.Lock()
		fmt.Fprintf(r.opts.Progress, "%s  %-10s %s: %s\n", time.Now().Format("15:04:05"), "retrying", res.Name, note)
		r.mu.Unlock()
	}
}

// backoff returns the wait before retry n (1-based): backoffDuration ×
// backoffFactor^(n−1), capped at backoffMaxDuration (KFP defaults: factor 2,
// max 1h).
func backoff(rp *pipelinespec.PipelineTaskSpec_RetryPolicy, n int) time.Duration {
	base := rp.GetBackoffDuration().AsDuration()
	factor := rp.GetBackoffFactor()
	if factor <= 0 {
		factor = 2
	}
	limit := time.Hour
	if rp.GetBackoffMaxDuration() != nil {
		limit = rp.GetBackoffMaxDuration().AsDuration()
	}
	d := time.Duration(float64(base) * math.Pow(factor, float64(n-1)))
	if d > limit || d < 0 {
		d = limit
	}
	return d
}

func dirName(taskPath string) string {
	// The folder has the task's own name, as in the progress lines and the
	// summary: a loop iteration is for-loop-2[0] in all three.
	return taskPath
}

// executorPrefix starts the one line in which a Go component's executor
// (package executor) says why it failed.
const executorPrefix = "executor: "

// reasonLine keeps the first stderr line starting with executorPrefix
// (at most 1 KiB of it), wherever it falls in the stream.
type reasonLine struct {
	mu    sync.Mutex
	cur   []byte
	found string
	done  bool
}

func (l *reasonLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range p {
		if l.done {
			break
		}
		if c == '\n' {
			l.take()
			continue
		}
		if len(l.cur) < 1024 {
			l.cur = append(l.cur, c)
		}
	}
	return len(p), nil
}

func (l *reasonLine) take() {
	if line := strings.TrimRight(string(l.cur), "\r"); strings.HasPrefix(line, executorPrefix) {
		l.found, l.done = line, true
	}
	l.cur = l.cur[:0]
}

// String returns the line found, or "" (an unterminated last line counts).
func (l *reasonLine) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.take()
	}
	return l.found
}

// processError is a failed process whose component said why: Error is that
// line, Unwrap the process error (exit status).
type processError struct {
	reason string
	err    error
}

func (e *processError) Error() string { return e.reason }
func (e *processError) Unwrap() error { return e.err }

type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// cacheKey fingerprints everything that can change a container task's
// result in a local run. Beside KFP's own cache key (backend/src/v2/cacheutils
// GenerateCacheKey, the cachekey.CacheKey message), element by element:
//
//	local key                              KFP cache key
//	image                                  containerSpec.image
//	binary: SHA-256 of the built Go        (none: a pushed image is immutable
//	  component (ko:// images), else ""      by digest; a ko:// reference is not)
//	command, args (as compiled)            containerSpec.cmdArgs
//	env: NAME=value, resolved, in order    containerSpec.env
//	input parameter values                 inputParameterValues
//	input artifacts: URI, type, metadata   inputArtifactNames (MLMD names)
//	output parameter names and types       outputParametersSpec
//	output artifact names and types        outputArtifactsSpec (URI wiped)
//	(none: PVCs are not mounted locally)   containerSpec.pvcNames
//
// KFP also scopes a cache hit to the pipeline name and namespace; a local
// cache belongs to one user and one pipeline root, so identical tasks of
// different pipelines share results. Not in the key, as in KFP: resources,
// retry policy, display names and Kubernetes options (which a local run
// ignores), and whatever the process reads outside its inputs (the host's
// own environment and files under --host-exec, the network, the clock).
func cacheKey(c *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec, ei *pipelinespec.ExecutorInput, comp *pipelinespec.ComponentSpec, binary string, env []string) string {
	type art struct {
		URI      string         `json:"uri"`
		Type     string         `json:"type"`
		Metadata map[string]any `json:"metadata,omitempty"`
	}
	k := struct {
		Image      string            `json:"image"`
		Binary     string            `json:"binary,omitempty"`
		Command    []string          `json:"command"`
		Args       []string          `json:"args"`
		Env        []string          `json:"env,omitempty"`
		Params     map[string]any    `json:"params"`
		Artifacts  map[string][]art  `json:"artifacts"`
		OutParams  map[string]string `json:"outParams"`
		OutArtTyps map[string]string `json:"outArtifacts"`
	}{Image: c.GetImage(), Binary: binary, Command: c.GetCommand(), Args: c.GetArgs(), Env: env, Params: map[string]any{}, Artifacts: map[string][]art{}, OutParams: map[string]string{}, OutArtTyps: map[string]string{}}
	for n, v := range ei.GetInputs().GetParameterValues() {
		k.Params[n] = v.AsInterface()
	}
	for n, l := range ei.GetInputs().GetArtifacts() {
		for _, a := range l.GetArtifacts() {
			k.Artifacts[n] = append(k.Artifacts[n], art{URI: a.GetUri(), Type: a.GetType().GetSchemaTitle(), Metadata: a.GetMetadata().AsMap()})
		}
	}
	for n, d := range comp.GetOutputDefinitions().GetParameters() {
		k.OutParams[n] = d.GetParameterType().String()
	}
	for n, d := range comp.GetOutputDefinitions().GetArtifacts() {
		k.OutArtTyps[n] = d.GetArtifactType().GetSchemaTitle()
	}
	b, _ := json.Marshal(k)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// cache stores ExecutorOutputs by fingerprint under dir, one JSON file per
// key; concurrent tasks with the same key wait for the first (a future per
// key, as ko's build cache does).
type cache struct {
	dir string
	mu  sync.Mutex
	inF map[string]chan struct{}
}

func newCache(dir string) *cache { return &cache{dir: dir, inF: map[string]chan struct{}{}} }

// acquire waits until no other task of this run holds key, then holds it.
func (c *cache) acquire(ctx context.Context, key string) func() {
	for {
		c.mu.Lock()
		ch, busy := c.inF[key]
		if !busy {
			ch = make(chan struct{})
			c.inF[key] = ch
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				delete(c.inF, key)
				c.mu.Unlock()
				close(ch)
			}
		}
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return func() {}
		}
	}
}

func (c *cache) path(key string) string { return filepath.Join(c.dir, key[:2], key+".json") }

// load returns the cached outputs of key, or nil when absent or when the
// folder of a local output artifact is gone (its run folder was deleted).
func (c *cache) load(key, root string) *pipelinespec.ExecutorOutput {
	b, err := os.ReadFile(c.path(key))
	if err != nil {
		return nil
	}
	eo := &pipelinespec.ExecutorOutput{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, eo); err != nil {
		return nil
	}
	for _, l := range eo.GetArtifacts() {
		for _, a := range l.GetArtifacts() {
			if p, err := launcher.LocalPath(root, a.GetUri()); err == nil && filepath.IsAbs(a.GetUri()) {
				// The folder, not the file: artifacts such as Metrics may
				// live in metadata only.
				if _, err := os.Stat(filepath.Dir(p)); err != nil {
					return nil
				}
			}
		}
	}
	if eo.ParameterValues == nil {
		eo.ParameterValues = map[string]*structpb.Value{}
	}
	return eo
}

// store writes the entry atomically (temp file + rename); failures only
// lose the cache entry.
func (c *cache) store(key string, eo *pipelinespec.ExecutorOutput) {
	b, err := protojson.Marshal(eo)
	if err != nil {
		return
	}
	p := c.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return
	}
	_, werr := io.Copy(tmp, bytes.NewReader(b))
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), p) != nil {
		_ = os.Remove(tmp.Name())
	}
}
