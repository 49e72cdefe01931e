package dsl

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// TaskRef is anything After accepts: a *Task of any output type.
type TaskRef interface{ IRTask() *ir.Task }

// Task is one use of a component in a pipeline. Out holds handles on the
// task's outputs. The Set… methods change the task's settings and return
// the task, so calls chain.
type Task[Out any] struct {
	Out  Out
	node *ir.Task
	b    *Builder
}

// IRTask returns the untyped task node (for sdk/kubernetes and tools).
func (t *Task[Out]) IRTask() *ir.Task { return t.node }

// Name returns the task's unique name in the pipeline ("train", "train-2").
func (t *Task[Out]) Name() string { return t.node.Name }

var _ TaskRef = (*Task[struct{}])(nil)

// After orders the task after others (KFP dependentTasks) without passing
// data.
func (t *Task[Out]) After(others ...TaskRef) *Task[Out] {
	pos := ir.Caller()
	for _, o := range others {
		if o == nil || o.IRTask() == nil {
			t.b.errorf(pos, ir.InvalidValue, "pass tasks returned by Component.Task", "After: nil task")
			continue
		}
		if !t.b.owns(o.IRTask()) {
			t.b.errorf(pos, ir.ForeignTask, "use tasks created with this pipeline's Builder",
				"After: task %q belongs to another pipeline", o.IRTask().Name)
			continue
		}
		t.node.After = append(t.node.After, o.IRTask())
	}
	return t
}

// SetCaching turns KFP caching on or off for the task
// (PipelineTaskSpec.cachingOptions.enableCache). Tasks cache by default
// unless their component is declared with SideEffects or the compile option
// turns the default off.
func (t *Task[Out]) SetCaching(enabled bool) *Task[Out] {
	t.node.Caching = &enabled
	return t
}

// SetCacheKey sets a custom cache key (cachingOptions.cacheKey).
func (t *Task[Out]) SetCacheKey(key string) *Task[Out] {
	t.node.CacheKey = key
	return t
}

// RetryOption refines SetRetry.
type RetryOption func(*ir.RetryPolicy)

// BackoffDuration sets the wait before the first retry (default 0s).
func BackoffDuration(d time.Duration) RetryOption {
	return func(r *ir.RetryPolicy) { r.BackoffDurationSeconds = d.Seconds() }
}

// BackoffFactor sets the multiplier of the wait between retries (default 2).
func BackoffFactor(f float64) RetryOption {
	return func(r *ir.RetryPolicy) { r.BackoffFactor = f }
}

// BackoffMaxDuration caps the wait between retries (default 3600s).
func BackoffMaxDuration(d time.Duration) RetryOption {
	return func(r *ir.RetryPolicy) { r.BackoffMaxDurationSeconds = d.Seconds() }
}

// SetRetry retries the task up to maxRetryCount times on failure
// (PipelineTaskSpec.retryPolicy), with KFP's defaults: backoff 0s, factor 2,
// max backoff 3600s.
func (t *Task[Out]) SetRetry(maxRetryCount int, opts ...RetryOption) *Task[Out] {
	pos := ir.Caller()
	if maxRetryCount < 0 {
		t.b.errorf(pos, ir.InvalidValue, "use 0 or more retries", "SetRetry: negative retry count %d", maxRetryCount)
		return t
	}
	r := &ir.RetryPolicy{MaxRetryCount: maxRetryCount, BackoffFactor: 2, BackoffMaxDurationSeconds: 3600}
	for _, o := range opts {
		o(r)
	}
	if r.BackoffDurationSeconds < 0 || r.BackoffMaxDurationSeconds < 0 || r.BackoffFactor < 0 {
		t.b.errorf(pos, ir.InvalidValue, "use non-negative durations and factor", "SetRetry: negative backoff")
	}
	t.node.Retry = r
	return t
}

var (
	cpuRE    = regexp.MustCompile(`^([0-9]*[.])?[0-9]+m?$`)
	memoryRE = regexp.MustCompile(`^[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?$`)
)

func (t *Task[Out]) setQuantity(dst **ir.Ref, v string, re *regexp.Regexp, what, example string, pos ir.Pos) *Task[Out] {
	if !re.MatchString(v) {
		t.b.errorf(pos, ir.InvalidResource, "write it like "+example, "%s %q of task %q is not a valid quantity", what, v, t.node.Name)
		return t
	}
	*dst = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamString}, Value: v, Pos: pos}
	return t
}

func (t *Task[Out]) setFrom(dst **ir.Ref, p Param[string], what string, pos ir.Pos) *Task[Out] {
	if p.r == nil {
		t.b.errorf(pos, ir.InvalidValue, "pass a pipeline input or task output", "%s of task %q: unset parameter", what, t.node.Name)
		return t
	}
	t.b.checkRef(p.r, pos, what)
	*dst = p.r
	return t
}

// SetCPULimit sets the CPU limit, e.g. "2" or "500m" (KFP validates
// `^([0-9]*[.])?[0-9]+m?$`); written as resources.resourceCpuLimit and
// cpuLimit in the executor's container.
func (t *Task[Out]) SetCPULimit(cpu string) *Task[Out] {
	return t.setQuantity(&t.node.Resources.CPULimit, cpu, cpuRE, "CPU limit", `"2" or "500m"`, ir.Caller())
}

// SetCPURequest sets the CPU request (same format as SetCPULimit).
func (t *Task[Out]) SetCPURequest(cpu string) *Task[Out] {
	return t.setQuantity(&t.node.Resources.CPURequest, cpu, cpuRE, "CPU request", `"2" or "500m"`, ir.Caller())
}

// SetMemoryLimit sets the memory limit, e.g. "4Gi" or "512M" (KFP validates
// `^[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki)?$`).
func (t *Task[Out]) SetMemoryLimit(mem string) *Task[Out] {
	return t.setQuantity(&t.node.Resources.MemoryLimit, mem, memoryRE, "memory limit", `"4Gi" or "512M"`, ir.Caller())
}

// SetMemoryRequest sets the memory request (same format as SetMemoryLimit).
func (t *Task[Out]) SetMemoryRequest(mem string) *Task[Out] {
	return t.setQuantity(&t.node.Resources.MemoryRequest, mem, memoryRE, "memory request", `"4Gi" or "512M"`, ir.Caller())
}

// SetCPULimitFrom sets the CPU limit from a parameter (KFP 2.5+).
func (t *Task[Out]) SetCPULimitFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.CPULimit, p, "CPU limit", ir.Caller())
}

// SetCPURequestFrom sets the CPU request from a parameter (KFP 2.5+).
func (t *Task[Out]) SetCPURequestFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.CPURequest, p, "CPU request", ir.Caller())
}

// SetMemoryLimitFrom sets the memory limit from a parameter (KFP 2.5+).
func (t *Task[Out]) SetMemoryLimitFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.MemoryLimit, p, "memory limit", ir.Caller())
}

// SetMemoryRequestFrom sets the memory request from a parameter (KFP 2.5+).
func (t *Task[Out]) SetMemoryRequestFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.MemoryRequest, p, "memory request", ir.Caller())
}

// SetAcceleratorType sets the accelerator resource, e.g. "nvidia.com/gpu"
// (resources.accelerator.resourceType and type); the count defaults to 1 as
// in KFP.
func (t *Task[Out]) SetAcceleratorType(typ string) *Task[Out] {
	pos := ir.Caller()
	if typ == "" {
		t.b.errorf(pos, ir.InvalidResource, `e.g. "nvidia.com/gpu"`, "empty accelerator type on task %q", t.node.Name)
		return t
	}
	t.node.Resources.AcceleratorType = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamString}, Value: typ, Pos: pos}
	if t.node.Resources.AcceleratorCount == nil {
		t.node.Resources.AcceleratorCount = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamString}, Value: "1", Pos: pos}
	}
	return t
}

// SetAcceleratorLimit sets the accelerator count (resources.accelerator.count).
func (t *Task[Out]) SetAcceleratorLimit(count int) *Task[Out] {
	pos := ir.Caller()
	if count < 0 {
		t.b.errorf(pos, ir.InvalidResource, "use 0 or more accelerators", "negative accelerator count %d on task %q", count, t.node.Name)
		return t
	}
	t.node.Resources.AcceleratorCount = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamString}, Value: strconv.Itoa(count), Pos: pos}
	return t
}

// SetAcceleratorTypeFrom sets the accelerator type from a parameter (KFP 2.5+).
func (t *Task[Out]) SetAcceleratorTypeFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.AcceleratorType, p, "accelerator type", ir.Caller())
}

// SetAcceleratorLimitFrom sets the accelerator count from a parameter (KFP 2.5+).
func (t *Task[Out]) SetAcceleratorLimitFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Resources.AcceleratorCount, p, "accelerator count", ir.Caller())
}

// SetEnv sets an environment variable of the task's container
// (PipelineContainerSpec.env). name must be a Kubernetes environment
// variable name ([-._a-zA-Z][-._a-zA-Z0-9]*), else the call is an error.
func (t *Task[Out]) SetEnv(name, value string) *Task[Out] {
	if name == "" {
		t.b.errorf(ir.Caller(), ir.InvalidName, "name the variable", "SetEnv: empty name on task %q", t.node.Name)
		return t
	}
	if !envNameRE.MatchString(name) {
		t.b.errorf(ir.Caller(), ir.InvalidName, "use letters, digits, '_', '-' and '.', not starting with a digit (Kubernetes environment variable names), e.g. MY_VAR",
			"SetEnv: %q on task %q is not a valid environment variable name", name, t.node.Name)
		return t
	}
	t.node.Env = append(t.node.Env, ir.EnvVar{Name: name, Value: value})
	return t
}

// SetDisplayName sets the name the KFP UI shows (taskInfo.name).
func (t *Task[Out]) SetDisplayName(name string) *Task[Out] {
	t.node.DisplayName = name
	return t
}

// SetImage overrides the container image of the task.
// An empty image is an error (the task would run no container).
func (t *Task[Out]) SetImage(image string) *Task[Out] {
	pos := ir.Caller()
	if strings.TrimSpace(image) == "" {
		t.b.errorf(pos, ir.InvalidValue, `name an image, e.g. SetImage("python:3.11"), or drop the call to keep the component's image`,
			"SetImage: empty image on task %q", t.node.Name)
		return t
	}
	t.node.Image = &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: ir.ParamString}, Value: image, Pos: pos}
	return t
}

// envNameRE is Kubernetes' rule for container environment variable names
// (k8s.io/apimachinery validation.IsEnvVarName: envVarNameFmt
// "[-._a-zA-Z][-._a-zA-Z0-9]*").
var envNameRE = regexp.MustCompile(`^[-._a-zA-Z][-._a-zA-Z0-9]*$`)

// SetImageFrom overrides the container image with a parameter (KFP 2.5+).
func (t *Task[Out]) SetImageFrom(p Param[string]) *Task[Out] {
	return t.setFrom(&t.node.Image, p, "image", ir.Caller())
}

// IgnoreUpstreamFailure runs the task even when its upstream tasks fail
// (triggerPolicy.strategy ALL_UPSTREAM_TASKS_COMPLETED). Its inputs fed by
// upstream tasks need defaults.
func (t *Task[Out]) IgnoreUpstreamFailure() *Task[Out] {
	t.node.IgnoreUpstreamFailure = true
	return t
}
