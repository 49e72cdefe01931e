package argo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path"
	"strings"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/argoproj/argo-workflows/v3/workflow/validate"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/schedule"
)

// The object kinds Compile writes (Options.Kind).
const (
	KindWorkflow         = "workflow"
	KindWorkflowTemplate = "workflowtemplate"
	KindCronWorkflow     = "cronworkflow"
)

// DefaultMemoizeConfigMap is the ConfigMap memoized (cached) task results
// go to unless Options.MemoizeConfigMap names another.
const DefaultMemoizeConfigMap = "kfpgo-memoize-cache"

// SizeWarnBytes is the JSON size of an object above which Compile warns:
// Argo refuses or offloads workflows near etcd's request limit (1.5 MiB by
// default), and keeps objects under about 1 MB to leave room for status.
const SizeWarnBytes = 1 << 20

// Options controls Argo emission.
type Options struct {
	// Kind is the object to write: KindWorkflow, KindWorkflowTemplate or
	// KindCronWorkflow. Optional: defaults to KindCronWorkflow when
	// Schedule is set, else KindWorkflow.
	Kind string
	// Schedule is a standard 5-field cron expression ("0 3 * * *") or a
	// descriptor ("@daily") for a CronWorkflow. Optional.
	Schedule string
	// Timezone is the IANA time zone of Schedule. Optional: defaults to UTC.
	Timezone string
	// DisableCaching turns memoization off for tasks that do not set
	// caching themselves. Optional: defaults to false.
	DisableCaching bool
	// MemoizeConfigMap names the ConfigMap of the memoize cache. Optional:
	// defaults to DefaultMemoizeConfigMap.
	MemoizeConfigMap string
	// ImageRepo and ImageTag rewrite "ko://<import path>" images to
	// "<ImageRepo>/<last path element>:<ImageTag>" (ImageTag defaults to
	// "latest"). Optional: by default ko:// references stay, for `ko resolve`.
	ImageRepo, ImageTag string
}

func (o Options) memoizeConfigMap() string {
	if o.MemoizeConfigMap == "" {
		return DefaultMemoizeConfigMap
	}
	return o.MemoizeConfigMap
}

func (o Options) resolveImage(img string) string {
	if o.ImageRepo == "" || !strings.HasPrefix(img, "ko://") {
		return img
	}
	tag := o.ImageTag
	if tag == "" {
		tag = "latest"
	}
	return strings.TrimSuffix(o.ImageRepo, "/") + "/" + path.Base(strings.TrimPrefix(img, "ko://")) + ":" + tag
}

// Result is a compiled pipeline.
type Result struct {
	// Object is the *wfv1.Workflow, *wfv1.WorkflowTemplate or
	// *wfv1.CronWorkflow.
	Object any
	// YAML is the object as YAML with sorted keys and empty fields left out.
	YAML []byte
	// Size is the object's JSON size in bytes.
	Size int
	// Warnings are non-fatal findings (e.g. an object above SizeWarnBytes).
	Warnings []string
}

// Compile builds the pipeline, validates its graph (ir.Validate), emits the
// Argo object and checks it with Argo's validate in lint mode. Definition
// errors and constructs Argo cannot express are returned as an
// ir.ErrorList (match with errors.As); a failed Argo validation or an
// invalid schedule as a plain error naming the problem.
func Compile(b compiler.Builder, opts Options) (*Result, error) {
	g := b.Build()
	if errs := ir.Validate(g); len(errs) > 0 {
		return nil, errs
	}
	if g.Workspace != nil {
		// KFP's backend creates and mounts the per-run workspace claim;
		// this target has no equivalent yet, so {{$.workspace_path}} and
		// importer downloads to the workspace would have nowhere to point.
		var errs ir.ErrorList
		errs.Addf(g.Component.Pos, ir.UnsupportedFeature, "compile for KFP, or share data between tasks through artifacts",
			"pipeline %q has a workspace (dsl.PipelineWorkspace), which the Argo target does not support", g.Component.Name)
		return nil, errs
	}
	wf, err := Emit(g, opts)
	if err != nil {
		return nil, err
	}
	kind := opts.Kind
	if kind == "" {
		kind = KindWorkflow
		if opts.Schedule != "" {
			kind = KindCronWorkflow
		}
	}
	if kind != KindCronWorkflow && opts.Schedule != "" {
		return nil, fmt.Errorf("argo: --schedule needs --kind %s (got %s)", KindCronWorkflow, kind)
	}
	if err := Lint(wf); err != nil {
		return nil, err
	}
	name := wf.GenerateName[:len(wf.GenerateName)-1]
	var obj any
	switch kind {
	case KindWorkflow:
		obj = wf
	case KindWorkflowTemplate:
		wt := &wfv1.WorkflowTemplate{TypeMeta: metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "WorkflowTemplate"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: wf.Annotations}, Spec: wf.Spec}
		if err := validate.ValidateWorkflowTemplate(noTemplates{}, noClusterTemplates{}, wt, nil, validate.ValidateOpts{Lint: true}); err != nil {
			return nil, fmt.Errorf("argo: WorkflowTemplate %s fails Argo validation: %w", name, err)
		}
		obj = wt
	case KindCronWorkflow:
		cw, err := cronWorkflow(name, wf, opts)
		if err != nil {
			return nil, err
		}
		if err := validate.ValidateCronWorkflow(context.Background(), noTemplates{}, noClusterTemplates{}, cw, nil); err != nil {
			return nil, fmt.Errorf("argo: CronWorkflow %s fails Argo validation: %w", name, err)
		}
		obj = cw
	default:
		return nil, fmt.Errorf("argo: unknown kind %q; choose %s, %s or %s", kind, KindWorkflow, KindWorkflowTemplate, KindCronWorkflow)
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("argo: encode %s: %w", name, err)
	}
	res := &Result{Object: obj, Size: len(js)}
	if res.Size > SizeWarnBytes {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s: the %s object is %d bytes, above %d: Argo may refuse it or need node status offloading; split large fan-outs (withParam instead of long literal lists) or nested pipelines into WorkflowTemplates",
			name, kind, res.Size, SizeWarnBytes))
	}
	res.YAML, err = toYAML(js)
	if err != nil {
		return nil, fmt.Errorf("argo: encode %s: %w", name, err)
	}
	return res, nil
}

// CompileYAML is Compile for the `kfpgo compile --target argo` command: it
// returns the YAML and logs each warning with log/slog.
func CompileYAML(b compiler.Builder, opts Options) ([]byte, error) {
	res, err := Compile(b, opts)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		slog.Warn("argo: " + w)
	}
	return res.YAML, nil
}

// Lint checks a Workflow with Argo's own validation in lint mode (the check
// `argo lint` runs), with no cluster templates available.
func Lint(wf *wfv1.Workflow) error {
	if err := validate.ValidateWorkflow(noTemplates{}, noClusterTemplates{}, wf, nil, validate.ValidateOpts{Lint: true}); err != nil {
		return fmt.Errorf("argo: workflow %s fails Argo validation: %w", wf.GenerateName, err)
	}
	return nil
}

// cronWorkflow wraps the workflow spec with the schedule.
func cronWorkflow(name string, wf *wfv1.Workflow, opts Options) (*wfv1.CronWorkflow, error) {
	if opts.Schedule == "" {
		return nil, fmt.Errorf("argo: kind %s needs --schedule (a 5-field cron such as \"0 3 * * *\")", KindCronWorkflow)
	}
	for _, a := range wf.Spec.Arguments.Parameters {
		if a.Value == nil {
			return nil, fmt.Errorf("argo: pipeline input %q has no default, and a CronWorkflow starts runs without arguments: give the input a default (`default:\"…\"` tag)", a.Name)
		}
	}
	if f := strings.Fields(opts.Schedule); len(f) == 6 {
		return nil, fmt.Errorf("argo: --schedule %q has 6 fields (seconds first); Argo's CronWorkflow takes standard 5-field cron (minute hour day-of-month month day-of-week): pass --schedule %q", opts.Schedule, strings.Join(f[1:], " "))
	}
	six, err := schedule.FromStandardCron(opts.Schedule)
	if err != nil {
		return nil, fmt.Errorf("argo: --schedule: %w", err)
	}
	ac, err := schedule.Schedule{Cron: six, Timezone: opts.Timezone}.Argo()
	if err != nil {
		return nil, fmt.Errorf("argo: --schedule: %w", err)
	}
	cw := &wfv1.CronWorkflow{TypeMeta: metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "CronWorkflow"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: wf.Annotations},
		Spec: wfv1.CronWorkflowSpec{WorkflowSpec: wf.Spec, Schedules: []string{ac.Schedule}, Timezone: ac.Timezone,
			ConcurrencyPolicy: wfv1.ConcurrencyPolicy(ac.ConcurrencyPolicy), StartingDeadlineSeconds: ac.StartingDeadlineSeconds}}
	return cw, nil
}

// Emit turns a validated pipeline graph into a Workflow (not yet linted).
// Constructs the Argo target cannot express are returned as an ir.ErrorList.
func Emit(p *ir.Pipeline, opts Options) (*wfv1.Workflow, error) {
	e := newEmitter(opts)
	e.top = p
	entry := e.pipeline(p)
	if len(e.errs) > 0 {
		e.errs.Sort()
		return nil, e.errs
	}
	wf := &wfv1.Workflow{TypeMeta: metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Workflow"},
		ObjectMeta: metav1.ObjectMeta{GenerateName: fieldName(strings.ToLower(p.Component.Name)) + "-"},
		Spec:       wfv1.WorkflowSpec{Entrypoint: entry, Templates: e.templates()}}
	ann := map[string]string{}
	if p.DisplayName != "" {
		ann["workflows.argoproj.io/title"] = p.DisplayName
	}
	if p.Component.Description != "" {
		ann["workflows.argoproj.io/description"] = p.Component.Description
	}
	if len(ann) > 0 {
		wf.Annotations = ann
	}
	// Pipeline inputs are workflow parameters (set at submit with -p); an
	// artifact input is read from the cluster's artifact repository at the
	// key given by the workflow parameter of the same name.
	for _, in := range p.Component.Inputs {
		a := wfv1.Parameter{Name: in.Name}
		if in.HasDefault && !in.Type.IsArtifact() {
			a.Value = wfv1.AnyStringPtr(paramString(in.Default))
		}
		if v, ok := p.ParameterDefaults[in.Name]; ok && !in.Type.IsArtifact() {
			a.Value = wfv1.AnyStringPtr(paramString(v))
		}
		if in.Description != "" {
			a.Description = wfv1.AnyStringPtr(in.Description)
		}
		wf.Spec.Arguments.Parameters = append(wf.Spec.Arguments.Parameters, a)
		if in.Type.IsArtifact() {
			wf.Spec.Arguments.Artifacts = append(wf.Spec.Arguments.Artifacts, wfv1.Artifact{Name: in.Name,
				ArtifactLocation: wfv1.ArtifactLocation{S3: &wfv1.S3Artifact{Key: "{{workflow.parameters." + in.Name + "}}"}}})
		}
	}
	return wf, nil
}

// toYAML writes JSON as YAML with sorted keys, leaving out the empty
// structs the Go types always encode (status, empty inputs and outputs…).
func toYAML(js []byte) ([]byte, error) {
	var tree any
	if err := json.Unmarshal(js, &tree); err != nil {
		return nil, err
	}
	return yaml.Marshal(prune(tree))
}

var prunable = map[string]bool{"status": true, "creationTimestamp": true, "inputs": true, "outputs": true,
	"metadata": true, "arguments": true, "resources": true, "dag": false}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = prune(val)
			if !prunable[k] {
				continue
			}
			if val == nil {
				delete(x, k)
			} else if m, ok := x[k].(map[string]any); ok && len(m) == 0 {
				delete(x, k)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
	}
	return v
}

type noTemplates struct{}

func (noTemplates) Get(name string) (*wfv1.WorkflowTemplate, error) {
	return nil, fmt.Errorf("WorkflowTemplate %q: no cluster available while compiling", name)
}

type noClusterTemplates struct{}

func (noClusterTemplates) Get(name string) (*wfv1.ClusterWorkflowTemplate, error) {
	return nil, fmt.Errorf("ClusterWorkflowTemplate %q: no cluster available while compiling", name)
}
