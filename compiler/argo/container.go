package argo

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	apiv1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Paths of the container contract (see the package doc).
const (
	// InputsDir holds input artifacts: <InputsDir>/<name>/data.
	InputsDir = "/tmp/kfp/inputs"
	// OutputsDir holds output artifacts and output parameter files:
	// <OutputsDir>/<name>/data.
	OutputsDir = "/tmp/kfp/outputs"
	// ExecutorOutputPath is where a Go-function component writes its
	// ExecutorOutput JSON (KFP's {{$.outputs.output_file}}).
	ExecutorOutputPath = "/tmp/kfp/outputs/executor_output.json"
	// ExecutorOutputParam is the container template's output parameter
	// holding the ExecutorOutput JSON of a Go-function component.
	ExecutorOutputParam = "executor-output"
	// RunTask is the name of the container step inside the DAG template
	// that wraps a Go-function task.
	RunTask = "run"
)

// InputPath is the container path of input artifact name.
func InputPath(name string) string { return path.Join(InputsDir, name, "data") }

// OutputPath is the container path of output artifact or parameter name.
func OutputPath(name string) string { return path.Join(OutputsDir, name, "data") }

// taskTemplate returns the template that runs t, emitting it on first use.
func (e *emitter) taskTemplate(ps *pipeState, t *ir.Task) *taskTmpl {
	if tt, ok := e.tasks[t]; ok {
		return tt
	}
	tt := &taskTmpl{}
	e.tasks[t] = tt
	switch impl := t.Component.Impl.(type) {
	case *ir.Pipeline:
		tt.name = e.pipeline(impl)
	case *ir.Container:
		if impl.Image == createPVCImage || impl.Image == deletePVCImage {
			e.pvcTask(t, impl, tt)
			break
		}
		e.containerTask(t, impl, tt)
	case *ir.Compiled:
		tt.name = e.uniq(t.Name)
		e.errs.Addf(t.Pos, ir.UnsupportedFeature, "define the nested pipeline with dsl.NewPipeline instead of loading compiled KFP IR",
			"task %q runs a pipeline loaded from KFP IR, which the Argo target cannot translate", t.Name)
	default:
		tt.name = e.uniq(t.Name)
		e.errs.Addf(t.Pos, ir.UnsupportedFeature, "", "task %q: implementation %T has no Argo form", t.Name, impl)
	}
	return tt
}

// tctx renders one task's container.
type tctx struct {
	e      *emitter
	t      *ir.Task
	tt     *taskTmpl
	extras map[string]string // ref key → wire
}

// extraParam makes r a template input of the task and returns its value.
func (c *tctx) extraParam(base string, r *ir.Ref) string {
	if r.Kind == ir.RefLiteral {
		return paramString(r.Value)
	}
	key := fmt.Sprintf("%p", r)
	if w, ok := c.extras[key]; ok {
		return "{{inputs.parameters." + w + "}}"
	}
	w := fieldName("kfp-" + base)
	for i := 2; c.wireTaken(w); i++ {
		w = fieldName(fmt.Sprintf("kfp-%s-%d", base, i))
	}
	c.extras[key] = w
	c.tt.extras = append(c.tt.extras, extra{wire: w, ref: r})
	return "{{inputs.parameters." + w + "}}"
}

func (c *tctx) wireTaken(w string) bool {
	for _, x := range c.tt.extras {
		if x.wire == w {
			return true
		}
	}
	return c.t.Component.Input(w) != nil
}

// present reports whether input name has a value at run time (KFP
// IfPresent): the task sets it or it has a default.
func (c *tctx) present(name string) bool {
	if _, ok := c.t.Args[name]; ok {
		return true
	}
	in := c.t.Component.Input(name)
	return in != nil && in.HasDefault
}

// containerTask emits t's container template (and, for a Go-function task
// with output parameters, the wrapper DAG template).
func (e *emitter) containerTask(t *ir.Task, ctr *ir.Container, tt *taskTmpl) {
	c := &tctx{e: e, t: t, tt: tt, extras: map[string]string{}}
	comp := t.Component
	goFunc := hasExecutorInput(ctr)
	hasParamOut := false
	for _, o := range comp.Outputs {
		hasParamOut = hasParamOut || !o.Type.IsArtifact()
	}
	wrap := goFunc && hasParamOut
	var wrapper *wfv1.Template
	if wrap {
		tt.name = e.uniq(t.Name)
		wrapper = e.add(&wfv1.Template{Name: tt.name})
	}
	name := e.uniq(t.Name)
	if wrap {
		name = e.uniq(t.Name + "-exec")
	}
	if !wrap {
		tt.name = name
	}
	tmpl := e.add(&wfv1.Template{Name: name})

	// Inputs.
	for _, in := range comp.Inputs {
		if in.Type.IsArtifact() {
			if _, ok := t.Args[in.Name]; ok {
				tmpl.Inputs.Artifacts = append(tmpl.Inputs.Artifacts, wfv1.Artifact{Name: in.Name, Path: InputPath(in.Name)})
			}
			continue
		}
		_, set := t.Args[in.Name]
		if !set && in.Type.Param == ir.ParamTaskFinalStatus {
			set = true // filled by the exit hook
		}
		if !set && !in.HasDefault {
			continue
		}
		p := wfv1.Parameter{Name: in.Name}
		if !set {
			p.Default = wfv1.AnyStringPtr(paramString(in.Default))
		}
		tmpl.Inputs.Parameters = append(tmpl.Inputs.Parameters, p)
	}

	// Container.
	image := ctr.Image
	if t.Image != nil {
		image = c.extraParam("image", t.Image)
	}
	k := &apiv1.Container{Name: "main", Image: e.opts.resolveImage(image)}
	k.Command = c.render(ctr.Command)
	k.Args = c.render(ctr.Args)
	for _, v := range append(append([]ir.EnvVar(nil), ctr.Env...), t.Env...) {
		k.Env = append(k.Env, apiv1.EnvVar{Name: v.Name, Value: v.Value})
	}
	patch := c.resources(k)
	tmpl.Container = k

	// Outputs.
	for _, o := range comp.Outputs {
		if o.Type.IsArtifact() {
			tmpl.Outputs.Artifacts = append(tmpl.Outputs.Artifacts, wfv1.Artifact{Name: o.Name, Path: OutputPath(o.Name)})
		} else if !goFunc {
			tmpl.Outputs.Parameters = append(tmpl.Outputs.Parameters, wfv1.Parameter{Name: o.Name, ValueFrom: &wfv1.ValueFrom{Path: OutputPath(o.Name)}})
		}
	}
	if wrap {
		tmpl.Outputs.Parameters = append(tmpl.Outputs.Parameters, wfv1.Parameter{Name: ExecutorOutputParam, ValueFrom: &wfv1.ValueFrom{Path: ExecutorOutputPath}})
	}

	// Settings.
	if r := t.Retry; r != nil && r.MaxRetryCount > 0 {
		rs := &wfv1.RetryStrategy{Limit: ptr(intstr.FromInt(r.MaxRetryCount)), RetryPolicy: wfv1.RetryPolicyAlways}
		if r.BackoffDurationSeconds > 0 || r.BackoffMaxDurationSeconds > 0 {
			b := &wfv1.Backoff{Duration: seconds(r.BackoffDurationSeconds)}
			if r.BackoffFactor > 0 {
				f := intstr.FromString(strconv.FormatFloat(r.BackoffFactor, 'f', -1, 64))
				if r.BackoffFactor == float64(int(r.BackoffFactor)) {
					f = intstr.FromInt(int(r.BackoffFactor))
				}
				b.Factor = &f
			}
			if r.BackoffMaxDurationSeconds > 0 {
				b.MaxDuration = seconds(r.BackoffMaxDurationSeconds)
			}
			rs.Backoff = b
		}
		tmpl.RetryStrategy = rs
	}
	if key := c.memoKey(tmpl); key != "" {
		tmpl.Memoize = &wfv1.Memoize{Key: key, Cache: &wfv1.Cache{ConfigMap: &apiv1.ConfigMapKeySelector{
			LocalObjectReference: apiv1.LocalObjectReference{Name: e.opts.memoizeConfigMap()}}}}
	}
	if t.Platform != nil {
		patch = c.platform(tmpl, patch)
	}
	if len(patch) > 0 {
		b, _ := json.Marshal(patch)
		tmpl.PodSpecPatch = string(b)
	}
	for _, x := range tt.extras {
		tmpl.Inputs.Parameters = append(tmpl.Inputs.Parameters, wfv1.Parameter{Name: x.wire})
	}

	if wrap {
		e.fillWrapper(wrapper, tmpl, comp)
	}
}

// fillWrapper makes the DAG template that runs a Go-function container and
// turns its ExecutorOutput into Argo output parameters.
func (e *emitter) fillWrapper(w, ctr *wfv1.Template, comp *ir.Component) {
	w.Inputs = *ctr.Inputs.DeepCopy()
	run := wfv1.DAGTask{Name: RunTask, Template: ctr.Name}
	for _, p := range ctr.Inputs.Parameters {
		run.Arguments.Parameters = append(run.Arguments.Parameters, wfv1.Parameter{Name: p.Name, Value: wfv1.AnyStringPtr("{{inputs.parameters." + p.Name + "}}")})
	}
	for i, a := range ctr.Inputs.Artifacts {
		w.Inputs.Artifacts[i].Path = ""
		run.Arguments.Artifacts = append(run.Arguments.Artifacts, wfv1.Artifact{Name: a.Name, From: "{{inputs.artifacts." + a.Name + "}}"})
	}
	w.DAG = &wfv1.DAGTemplate{Tasks: []wfv1.DAGTask{run}}
	for _, o := range comp.Outputs {
		if o.Type.IsArtifact() {
			w.Outputs.Artifacts = append(w.Outputs.Artifacts, wfv1.Artifact{Name: o.Name, From: "{{tasks." + RunTask + ".outputs.artifacts." + o.Name + "}}"})
			continue
		}
		w.Outputs.Parameters = append(w.Outputs.Parameters, wfv1.Parameter{Name: o.Name, ValueFrom: &wfv1.ValueFrom{Expression: OutputExpression(o.Name, o.Type.Param)}})
	}
}

// OutputExpression is the Argo expression that reads output parameter name
// of type t from the "executor-output" parameter of the wrapper's run step:
// the value itself for a STRING, its JSON text otherwise.
func OutputExpression(name string, t ir.ParamType) string {
	q := fmt.Sprintf("jsonpath(tasks['%s'].outputs.parameters['%s'], \"$.parameterValues['%s']\")", RunTask, ExecutorOutputParam, name)
	if t == ir.ParamString {
		return q
	}
	return "toJson(" + q + ")"
}

// memoKey is the memoize key of a cached task, or "".
func (c *tctx) memoKey(tmpl *wfv1.Template) string {
	t := c.t
	on := !c.e.opts.DisableCaching && !t.Component.NoCache
	if t.Caching != nil {
		on = *t.Caching
	}
	if !on {
		return ""
	}
	if t.CacheKey != "" {
		return tmpl.Name + "-" + fieldName(t.CacheKey)
	}
	if len(tmpl.Inputs.Artifacts) > 0 {
		return ""
	}
	if len(tmpl.Inputs.Parameters) == 0 && len(c.tt.extras) == 0 {
		return tmpl.Name
	}
	var parts []string
	for _, p := range tmpl.Inputs.Parameters {
		parts = append(parts, "inputs.parameters['"+p.Name+"']")
	}
	for _, x := range c.tt.extras {
		parts = append(parts, "inputs.parameters['"+x.wire+"']")
	}
	return tmpl.Name + "-{{=sprig.sha256sum(toJson([" + strings.Join(parts, ", ") + "]))}}"
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) + "s" }

func ptr[T any](v T) *T { return &v }

// resources sets literal resources on the container and returns the pod
// spec patch for the ones taken from parameters.
func (c *tctx) resources(k *apiv1.Container) map[string]any {
	r := c.t.Resources
	limits, requests := map[string]any{}, map[string]any{}
	set := func(ref *ir.Ref, name string, limit bool, what string) {
		if ref == nil {
			return
		}
		var s string
		if ref.Kind == ir.RefLiteral {
			s = paramString(ref.Value)
			q, err := resource.ParseQuantity(s)
			if err != nil {
				c.e.errs.Addf(c.t.Pos, ir.UnsupportedFeature, "use a Kubernetes quantity such as 500m, 2 or 4Gi", "task %q: %s %q: %v", c.t.Name, what, s, err)
				return
			}
			rl := &k.Resources.Requests
			if limit {
				rl = &k.Resources.Limits
			}
			if *rl == nil {
				*rl = apiv1.ResourceList{}
			}
			(*rl)[apiv1.ResourceName(name)] = q
			return
		}
		s = c.extraParam(what, ref)
		if limit {
			limits[name] = s
		} else {
			requests[name] = s
		}
	}
	set(r.CPULimit, "cpu", true, "cpu-limit")
	set(r.CPURequest, "cpu", false, "cpu-request")
	set(r.MemoryLimit, "memory", true, "memory-limit")
	set(r.MemoryRequest, "memory", false, "memory-request")
	if r.AcceleratorType != nil && r.AcceleratorCount != nil {
		if r.AcceleratorType.Kind != ir.RefLiteral {
			c.e.errs.Addf(c.t.Pos, ir.UnsupportedFeature, "set the accelerator type to a literal (e.g. nvidia.com/gpu)",
				"task %q: accelerator type from a parameter; Argo needs the resource name when compiling", c.t.Name)
		} else {
			set(r.AcceleratorCount, paramString(r.AcceleratorType.Value), true, "accelerator-count")
		}
	}
	if len(limits)+len(requests) == 0 {
		return nil
	}
	res := map[string]any{}
	if len(limits) > 0 {
		res["limits"] = limits
	}
	if len(requests) > 0 {
		res["requests"] = requests
	}
	return map[string]any{"containers": []any{map[string]any{"name": "main", "resources": res}}}
}

// hasExecutorInput reports whether the container takes KFP's {{$}}.
func hasExecutorInput(c *ir.Container) bool {
	var walk func(as []ir.Arg) bool
	walk = func(as []ir.Arg) bool {
		for _, a := range as {
			switch x := a.(type) {
			case ir.ExecutorInput:
				return true
			case ir.Concat:
				if walk(x.Items) {
					return true
				}
			case ir.Join:
				if walk(x.Items) {
					return true
				}
			case ir.IfPresent:
				if walk(x.Then) || walk(x.Else) {
					return true
				}
			}
		}
		return false
	}
	return walk(c.Command) || walk(c.Args)
}

// render turns command or args into strings with Argo placeholders.
func (c *tctx) render(as []ir.Arg) []string {
	var out []string
	for _, a := range as {
		if ip, ok := a.(ir.IfPresent); ok {
			if c.present(ip.Name) {
				out = append(out, c.render(ip.Then)...)
			} else {
				out = append(out, c.render(ip.Else)...)
			}
			continue
		}
		out = append(out, c.scalar(a))
	}
	return out
}

// scalar renders one placeholder as a single string.
func (c *tctx) scalar(a ir.Arg) string {
	switch x := a.(type) {
	case ir.Lit:
		return x.S
	case ir.InputValue:
		return "{{inputs.parameters." + x.Name + "}}"
	case ir.InputPath, ir.InputURI:
		return InputPath(argName(x))
	case ir.InputMetadata, ir.OutputMetadata:
		return "{}"
	case ir.OutputPath, ir.OutputURI, ir.OutputParamFile:
		return OutputPath(argName(x))
	case ir.ExecutorInput:
		return c.executorInput()
	case ir.ExecutorOutputFile:
		return ExecutorOutputPath
	case ir.PipelineValue:
		return argoPlaceholder(x.Key)
	case ir.Concat:
		return c.join(x.Items)
	case ir.Join:
		return c.join(x.Items)
	case ir.IfPresent:
		return strings.Join(c.render([]ir.Arg{x}), "")
	}
	return ""
}

func (c *tctx) join(items []ir.Arg) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(strings.Join(c.render([]ir.Arg{it}), ""))
	}
	return b.String()
}

func argName(a ir.Arg) string {
	switch x := a.(type) {
	case ir.InputPath:
		return x.Name
	case ir.InputURI:
		return x.Name
	case ir.OutputPath:
		return x.Name
	case ir.OutputURI:
		return x.Name
	case ir.OutputParamFile:
		return x.Name
	}
	return ""
}

// executorInput writes the ExecutorInput JSON of the task with Argo
// placeholders for the run-time parameter values.
func (c *tctx) executorInput() string {
	comp := c.t.Component
	tokens := map[string]string{}
	token := func(v string) string {
		k := fmt.Sprintf("\x00argo%d\x00", len(tokens))
		tokens[k] = v
		return k
	}
	runtimeArtifact := func(name string, t ir.Type, p string) map[string]any {
		ty := map[string]any{}
		if t.Artifact != nil {
			ty["schemaTitle"] = t.Artifact.SchemaTitle
			if t.Artifact.SchemaVersion != "" {
				ty["schemaVersion"] = t.Artifact.SchemaVersion
			}
		}
		return map[string]any{"artifacts": []any{map[string]any{"name": name, "type": ty, "uri": p, "metadata": map[string]any{}}}}
	}
	params, arts := map[string]any{}, map[string]any{}
	for _, in := range comp.Inputs {
		_, set := c.t.Args[in.Name]
		switch {
		case in.Type.IsArtifact():
			if set {
				arts[in.Name] = runtimeArtifact(in.Name, in.Type, InputPath(in.Name))
			}
		case set || in.HasDefault || in.Type.Param == ir.ParamTaskFinalStatus:
			if in.Type.Param == ir.ParamString {
				params[in.Name] = token("{{=toJson(inputs.parameters['" + in.Name + "'])}}")
			} else {
				params[in.Name] = token("{{inputs.parameters." + in.Name + "}}")
			}
		}
	}
	inputs := map[string]any{}
	if len(params) > 0 {
		inputs["parameterValues"] = params
	}
	if len(arts) > 0 {
		inputs["artifacts"] = arts
	}
	outParams, outArts := map[string]any{}, map[string]any{}
	for _, o := range comp.Outputs {
		if o.Type.IsArtifact() {
			outArts[o.Name] = runtimeArtifact(o.Name, o.Type, OutputPath(o.Name))
		} else {
			outParams[o.Name] = map[string]any{"outputFile": OutputPath(o.Name)}
		}
	}
	outputs := map[string]any{"outputFile": ExecutorOutputPath}
	if len(outParams) > 0 {
		outputs["parameters"] = outParams
	}
	if len(outArts) > 0 {
		outputs["artifacts"] = outArts
	}
	b, _ := json.Marshal(map[string]any{"inputs": inputs, "outputs": outputs})
	s := string(b)
	for k, v := range tokens {
		enc, _ := json.Marshal(k)
		s = strings.Replace(s, string(enc), v, 1)
	}
	return s
}

// paramString is KFP's string form of a parameter value: a string as is,
// anything else as JSON.
func paramString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonString(v)
}

func jsonString(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
