package dsl

import (
	"regexp"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Option configures a component or a pipeline at definition time.
type Option func(*options)

type options struct {
	image       string
	command     []string
	description string
	displayName string
	noCache     bool
	root        string
	workspace   *WorkspaceConfig
	paramDefs   map[string]any
}

// Image sets the container image of a Go-function component. Use a ko
// reference, "ko://<import path of the component's main package>", so that
// `ko resolve` (or `kfpgo compile --image-repo`) writes a concrete image and
// the local runner builds the binary with `go build`.
func Image(ref string) Option { return func(o *options) { o.image = ref } }

// Command sets the container command of a Go-function component whose image
// is not a ko:// reference (for ko images it is /ko-app/<binary>, the path ko
// installs the binary at).
func Command(cmd ...string) Option { return func(o *options) { o.command = cmd } }

// Description sets the component's or pipeline's description (KFP
// pipelineInfo.description for pipelines).
func Description(s string) Option { return func(o *options) { o.description = s } }

// DisplayName sets a pipeline's display name (KFP pipelineInfo.displayName).
func DisplayName(s string) Option { return func(o *options) { o.displayName = s } }

// DefaultPipelineRoot sets the pipeline's default pipeline root, the URI
// under which runs store artifacts unless the run overrides it
// (PipelineSpec.defaultPipelineRoot), e.g. "s3://bucket/pipelines".
func DefaultPipelineRoot(uri string) Option { return func(o *options) { o.root = uri } }

// SideEffects declares a component side-effecting: its tasks default to
// caching disabled (a task can still enable it with SetCaching(true)).
func SideEffects() Option { return func(o *options) { o.noCache = true } }

// WorkspaceConfig configures a pipeline's workspace: one volume shared by
// all tasks of a run, for data too large or too many-filed to pass as
// artifacts (KFP dsl.WorkspaceConfig, kfp 2.14+; the KFP backend creates a
// PersistentVolumeClaim per run and mounts it in every task).
type WorkspaceConfig struct {
	// Size is the claim's size, a Kubernetes quantity such as "10Gi" or
	// "500Mi" (required).
	Size string
	// PVCSpecPatch patches the PersistentVolumeClaim spec the API server
	// builds, with JSON field names, e.g.
	// {"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}.
	// Optional.
	PVCSpecPatch map[string]any
}

// PipelineWorkspace gives a pipeline a workspace (KFP
// PipelineConfig(workspace=WorkspaceConfig(...))): tasks read its path
// from WorkspacePath() and importers can download into it
// (DownloadToWorkspace). The compiled PlatformSpec carries it as
// platforms.kubernetes.pipelineConfig.workspace. An empty or malformed
// Size is reported when the pipeline is compiled. Only the compiled
// pipeline's workspace counts: KFP ignores those of nested pipelines.
// A loaded compiled pipeline (sdk/componentyaml) that has a workspace
// hands it to the pipeline that uses it; setting a different one here is
// then a compile error naming both.
func PipelineWorkspace(cfg WorkspaceConfig) Option {
	return func(o *options) { c := cfg; o.workspace = &c }
}

// CompiledDefaults overrides the defaults of the pipeline's parameter
// inputs when it is the compiled pipeline, as KFP's
// Compiler.compile(pipeline_parameters={...}) does: each value becomes the
// input's defaultValue while isOptional stays as the input declares it (an
// input without a `default` tag stays required, yet has a default in the
// compiled YAML). Values are JSON-compatible: string, int, float64, bool,
// []any, map[string]any. It has no effect on a pipeline used as a task of
// another; compiler.Options.PipelineParameters wins for a name both set.
// A name that is not a parameter input of the pipeline is an
// ir.UnknownInput error when it is compiled.
func CompiledDefaults(values map[string]any) Option {
	return func(o *options) {
		if o.paramDefs == nil {
			o.paramDefs = map[string]any{}
		}
		for k, v := range values {
			o.paramDefs[k] = jsonValue(v)
		}
	}
}

func applyOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// workspaceSizeRE is KFP's workspace size check (kfp/dsl/pipeline_config.py
// _SIZE_REGEX).
var workspaceSizeRE = regexp.MustCompile(`^(?:(?:0|[1-9]\d*)(?:\.\d+)?)(?:Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$`)

// irWorkspace converts the workspace option, or returns nil.
func (o options) irWorkspace() *ir.Workspace {
	if o.workspace == nil {
		return nil
	}
	ws := &ir.Workspace{Size: strings.TrimSpace(o.workspace.Size)}
	if o.workspace.PVCSpecPatch != nil {
		ws.PVCSpecPatch, _ = jsonValue(o.workspace.PVCSpecPatch).(map[string]any)
	}
	return ws
}
