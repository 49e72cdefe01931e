package ir

import "strings"

// Input is one input of a component or pipeline (KFP inputDefinitions entry).
type Input struct {
	Name string
	Type Type
	// Default is the default value as a JSON-compatible Go value (string,
	// int64, float64, bool, []any, map[string]any); valid when HasDefault.
	Default    any
	HasDefault bool
	// Optional marks an input that may be left unset (KFP isOptional). An
	// input with a default is always optional.
	Optional    bool
	Description string
}

// Output is one output of a component or pipeline (KFP outputDefinitions entry).
type Output struct {
	Name        string
	Type        Type
	Description string
}

// Impl is a component implementation: *Container, *Pipeline or *Importer.
type Impl interface{ implNode() }

// Component is a reusable step: an interface and an implementation.
type Component struct {
	// Name is the component's name as the user gave it (e.g. "train-model"
	// or "train_model"); back ends derive wire names from it.
	Name        string
	Description string
	Inputs      []*Input
	Outputs     []*Output
	Impl        Impl
	// NoCache marks a side-effecting component: its tasks default to caching
	// disabled unless a task turns it on.
	NoCache bool
	Pos     Pos
}

// Input returns the input named name, or nil.
func (c *Component) Input(name string) *Input {
	for _, in := range c.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Output returns the output named name, or nil.
func (c *Component) Output(name string) *Output {
	for _, out := range c.Outputs {
		if out.Name == name {
			return out
		}
	}
	return nil
}

// EnvVar is a container environment variable (KFP PipelineContainerSpec.env).
type EnvVar struct {
	Name  string
	Value string
}

// Container is a container implementation (KFP PipelineContainerSpec).
type Container struct {
	Image   string
	Command []Arg
	Args    []Arg
	Env     []EnvVar
}

func (*Container) implNode() {}

// Importer is an importer implementation (KFP ImporterSpec): it brings an
// existing artifact at URI into the pipeline as its "artifact" output.
type Importer struct {
	// URI is a literal string or a parameter reference.
	URI          *Ref
	ArtifactType ArtifactType
	// Metadata is the artifact metadata; string values may embed references
	// given in MetadataRefs by their placeholder key.
	Metadata map[string]any
	// MetadataRefs maps a placeholder key used in Metadata values to the
	// reference it stands for (dynamic importer metadata).
	MetadataRefs map[string]*Ref
	Reimport     bool
	// DownloadToWorkspace makes KFP download the artifact into the run's
	// workspace (KFP ImporterSpec.download_to_workspace, kfp 2.14+); the
	// pipeline must then configure a Workspace.
	DownloadToWorkspace bool
}

func (*Importer) implNode() {}

// Arg is one element of a container's command or args: a literal or a
// placeholder. The implementations are the sealed set below.
type Arg interface{ argNode() }

// The placeholders a container command or argument can hold.
type (
	// Lit is a literal string.
	Lit struct{ S string }
	// InputValue is `{{$.inputs.parameters['name']}}`.
	InputValue struct{ Name string }
	// InputPath is `{{$.inputs.artifacts['name'].path}}`.
	InputPath struct{ Name string }
	// InputArtifactList is `{{$.inputs.artifacts['name']}}`: a list-of-
	// artifacts input as the JSON list of its artifacts (KFP's
	// InputListOfArtifactsPlaceholder, written when a container component
	// uses an Input[List[...]] argument directly).
	InputArtifactList struct{ Name string }
	// InputURI is `{{$.inputs.artifacts['name'].uri}}`.
	InputURI struct{ Name string }
	// InputMetadata is `{{$.inputs.artifacts['name'].metadata}}`.
	InputMetadata struct{ Name string }
	// OutputPath is `{{$.outputs.artifacts['name'].path}}`.
	OutputPath struct{ Name string }
	// OutputURI is `{{$.outputs.artifacts['name'].uri}}`.
	OutputURI struct{ Name string }
	// OutputMetadata is `{{$.outputs.artifacts['name'].metadata}}`.
	OutputMetadata struct{ Name string }
	// OutputParamFile is `{{$.outputs.parameters['name'].output_file}}`.
	OutputParamFile struct{ Name string }
	// ExecutorInput is `{{$}}`, the whole ExecutorInput JSON.
	ExecutorInput struct{}
	// ExecutorOutputFile is `{{$.outputs.output_file}}`, the path the
	// executor writes its ExecutorOutput JSON to.
	ExecutorOutputFile struct{}
	// PipelineValue is a pipeline-level placeholder such as
	// `{{$.pipeline_job_name}}`; Key is the part after "$." (e.g.
	// "pipeline_job_name").
	PipelineValue struct{ Key string }
	// Concat joins its items into one string (KFP {"Concat": [...]}).
	Concat struct{ Items []Arg }
	// Join writes its items' placeholder strings side by side in one
	// argument, as a Python f-string does ("prefix-{{$.inputs…}}").
	Join struct{ Items []Arg }
	// IfPresent expands to Then when input Name is set, else to Else (KFP
	// {"IfPresent": {"InputName", "Then", "Else"}}).
	IfPresent struct {
		Name string
		Then []Arg
		Else []Arg
	}
)

func (Lit) argNode()                {}
func (InputValue) argNode()         {}
func (InputPath) argNode()          {}
func (InputArtifactList) argNode()  {}
func (InputURI) argNode()           {}
func (InputMetadata) argNode()      {}
func (OutputPath) argNode()         {}
func (OutputURI) argNode()          {}
func (OutputMetadata) argNode()     {}
func (OutputParamFile) argNode()    {}
func (ExecutorInput) argNode()      {}
func (ExecutorOutputFile) argNode() {}
func (PipelineValue) argNode()      {}
func (Concat) argNode()             {}
func (Join) argNode()               {}
func (IfPresent) argNode()          {}

// RefKind tells what a Ref refers to.
type RefKind int

// The kinds of values that flow into task inputs.
const (
	RefInvalid RefKind = iota
	// RefLiteral is a constant (Value).
	RefLiteral
	// RefPipelineInput is an input (Name) of the pipeline being built.
	RefPipelineInput
	// RefTaskOutput is output Name of Task.
	RefTaskOutput
	// RefLoopItem is the item (or item field Field) of loop Group.
	RefLoopItem
	// RefCollected is the fan-in of Of[0] (produced inside loop Group) into
	// a list, usable after the loop.
	RefCollected
	// RefOneOf is the one value among Of (one per branch of Group, an
	// If/Elif/Else chain) that was produced.
	RefOneOf
	// RefPlaceholder is a pipeline-level runtime value such as the job name;
	// Name holds the placeholder text (e.g. "{{$.pipeline_job_name}}").
	RefPlaceholder
	// RefTaskFinalStatus is the final status of the tasks guarded by the exit
	// handler that runs the consuming task.
	RefTaskFinalStatus
	// RefComponentInput and RefComponentOutput name an input or output (Name)
	// of the component being defined; they only appear while the DSL turns a
	// container's command line into placeholders, never in a pipeline.
	RefComponentInput
	RefComponentOutput
	// RefFormat is a string parameter made of literal text with values
	// embedded in it (KFP's f-string or str.format over pipeline channels,
	// e.g. f"heads and {x} > 5!"). Value holds the literal segments as a
	// []string with one more element than Of; the values in Of (pipeline
	// inputs, task outputs, loop items…) sit between them. A LIST or STRUCT
	// RefFormat (KFP's list or dict argument holding pipeline channels)
	// holds instead a JSON-like tree ([]any, map[string]any, string,
	// float64, bool, nil) whose TemplateText leaves embed the values of Of;
	// FormatValue renders either form.
	RefFormat
)

// TemplateText is a string leaf of a LIST or STRUCT RefFormat's tree: the
// literal segments Segs (one more than Of) with, between segment i and
// i+1, the value Ref.Of[Of[i]].
type TemplateText struct {
	Segs []string
	Of   []int
}

// FormatValue renders a RefFormat with each embedded value r.Of[i] written
// as embed(i): the text of a string format, or a fresh JSON-like tree for a
// LIST or STRUCT one. It returns nil for any other kind of reference.
func (r *Ref) FormatValue(embed func(i int) string) any {
	if r == nil || r.Kind != RefFormat {
		return nil
	}
	if segs, ok := r.Value.([]string); ok {
		idx := make([]int, len(r.Of))
		for i := range idx {
			idx[i] = i
		}
		return renderText(TemplateText{Segs: segs, Of: idx}, embed)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case TemplateText:
			return renderText(x, embed)
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		}
		return v
	}
	return walk(r.Value)
}

func renderText(t TemplateText, embed func(i int) string) string {
	var b strings.Builder
	for i, s := range t.Segs {
		b.WriteString(s)
		if i < len(t.Of) {
			b.WriteString(embed(t.Of[i]))
		}
	}
	return b.String()
}

// Ref is a value flowing into a task input, a condition, a loop, a
// pipeline output or a task setting.
type Ref struct {
	Kind RefKind
	Type Type
	// Value is the literal value (RefLiteral), JSON-compatible.
	Value any
	// Name is the pipeline input name, the output name or the placeholder.
	Name string
	// Task is the producer (RefTaskOutput).
	Task *Task
	// Group is the loop (RefLoopItem, RefCollected) or the If/Elif/Else
	// chain (RefOneOf).
	Group *Group
	// Field selects a field of an object loop item ("item.a").
	Field string
	// Of holds the inner references of RefCollected (one) and RefOneOf (one
	// per branch).
	Of  []*Ref
	Pos Pos
}

// RetryPolicy is a task's retry policy (KFP PipelineTaskSpec.RetryPolicy).
type RetryPolicy struct {
	MaxRetryCount int
	// BackoffDuration, BackoffMaxDuration are Go duration strings written as
	// KFP's protobuf Duration seconds ("0s", "3600s").
	BackoffDurationSeconds    float64
	BackoffFactor             float64
	BackoffMaxDurationSeconds float64
}

// Resources are a task's container resources. Each is nil when unset, a
// literal string Ref, or a parameter Ref (KFP 2.5+ placeholders).
type Resources struct {
	CPULimit, CPURequest       *Ref
	MemoryLimit, MemoryRequest *Ref
	AcceleratorType            *Ref
	AcceleratorCount           *Ref
}

// Task is one use of a component in a pipeline.
type Task struct {
	// Name is the task's unique name in its pipeline, as KFP derives it from
	// the component name (e.g. "print-op", "print-op-2"). Set by the builder.
	Name      string
	Component *Component
	// Args holds the argument of each input that was set.
	Args  map[string]*Ref
	After []*Task
	Group *Group
	Pos   Pos

	// Caching is nil for the default, else whether caching is enabled.
	Caching     *bool
	CacheKey    string
	Retry       *RetryPolicy
	Resources   Resources
	Env         []EnvVar
	DisplayName string
	// Image overrides the container image (literal or parameter Ref).
	Image *Ref
	// IgnoreUpstreamFailure makes the task run when its upstream tasks
	// failed (KFP triggerPolicy.strategy ALL_UPSTREAM_TASKS_COMPLETED).
	IgnoreUpstreamFailure bool
	// Platform holds the task's Kubernetes options, nil if none: a
	// map[string]any in the protojson form of kfp-kubernetes'
	// KubernetesExecutorConfig (built by sdk/kubernetes from the typed
	// kubernetesplatform messages plus the keys newer than the pinned
	// module), in which a PlatformParam value stands for an
	// InputParameterSpec that the back end resolves where the task sits.
	Platform any
	// PlatformRefs are the references that Kubernetes options take (e.g. a
	// secret name from a pipeline parameter or a PVC name from a task
	// output), keyed by the option path that takes them
	// ("secretAsEnv[0].secretNameParameter"). They enter enclosing
	// conditions and loops like task inputs and make the task depend on
	// their producers, but are not task inputs (KFP
	// register_pipeline_channels).
	PlatformRefs map[string]*Ref
	// PlatformPos records, per top-level executor config key
	// ("securityContext", "tolerations"…), the position of the first DSL
	// call that set it, so back ends can point at it.
	PlatformPos map[string]Pos
	// Errors are the problems found while options were set on the task
	// (e.g. an invalid Kubernetes name); Validate reports them.
	Errors ErrorList
}

// PlatformParam is a placeholder inside Task.Platform for a value that a
// Kubernetes option takes from Ref (a pipeline input, a task output, a loop
// item…). The back end replaces it with KFP's TaskInputsSpec
// InputParameterSpec as seen from the DAG that holds the task
// (componentInputParameter, with the "pipelinechannel--" name inside
// sub-DAGs, or taskOutputParameter for a producer in the same DAG).
type PlatformParam struct {
	Ref *Ref
	// Legacy also writes the deprecated PvcMount pvc_reference oneof
	// (taskOutputParameter or componentInputParameter) into the map that
	// holds the placeholder, as kfp-kubernetes still does.
	Legacy bool
}

// GroupKind is the kind of a Group.
type GroupKind int

// The kinds of task groups.
const (
	GroupRoot GroupKind = iota
	GroupCondition
	GroupLoop
	GroupExitHandler
	// GroupBranches is an If/Elif/Else chain; its items are GroupCondition
	// groups, one per branch.
	GroupBranches
)

// String returns KFP's group type name, the prefix of group component names.
func (k GroupKind) String() string {
	switch k {
	case GroupRoot:
		return "pipeline"
	case GroupCondition:
		return "condition"
	case GroupLoop:
		return "for-loop"
	case GroupExitHandler:
		return "exit-handler"
	case GroupBranches:
		return "condition-branches"
	}
	return "group"
}

// Cond is a comparison of two values (KFP's condition operand pair).
type Cond struct {
	Op          string // one of == != < <= > >=
	Left, Right *Ref
}

// Node is an item of a group: *Task or *Group.
type Node interface{ groupItem() }

func (*Task) groupItem()  {}
func (*Group) groupItem() {}

// Group is a set of tasks and nested groups.
type Group struct {
	Kind GroupKind
	// Name is the group's KFP name ("condition-1", "for-loop-2"…), set by
	// the builder; empty for the root.
	Name        string
	DisplayName string
	Parent      *Group
	Items       []Node
	Pos         Pos

	// Cond is this branch's own comparison (GroupCondition); Prior holds the
	// comparisons of the earlier branches of an If/Elif/Else chain, which
	// must all be false (Elif, Else). Else has Cond nil.
	Cond  *Cond
	Prior []*Cond
	// Branch is the index of this condition in its chain, or -1 for a
	// stand-alone If.
	Branch int

	// Loop: LoopOver is the list (literal, pipeline input or task output);
	// Item is the loop item reference; Parallelism 0 means unlimited.
	LoopOver    *Ref
	Item        *Ref
	Parallelism int

	// ExitTask runs after the group's tasks finish (GroupExitHandler).
	ExitTask *Task
}

// Pipeline is a pipeline: a component implemented by a DAG.
type Pipeline struct {
	Component *Component
	Root      *Group
	// Tasks lists every task of the pipeline in creation order, at any depth.
	Tasks []*Task
	// Groups lists every non-root group in creation order.
	Groups []*Group
	// Outputs maps each pipeline output name to the value that feeds it.
	Outputs map[string]*Ref
	// DisplayName and Description go to KFP pipelineInfo.
	DisplayName string
	// DefaultPipelineRoot is PipelineSpec.defaultPipelineRoot, or "".
	DefaultPipelineRoot string
	// Workspace is the run's shared workspace volume, or nil (KFP
	// PipelineConfig.workspace; only the compiled pipeline's own counts,
	// as in KFP, not those of nested pipelines).
	Workspace *Workspace
	// ParameterDefaults overrides the defaults of the pipeline's own
	// parameter inputs when it is the compiled pipeline (not when nested),
	// as KFP's Compiler.compile(pipeline_parameters=...) does: each value
	// (JSON-compatible: string, float64/int, bool, []any, map[string]any)
	// becomes the root input's defaultValue, isOptional left as declared.
	// Nil when none.
	ParameterDefaults map[string]any
	// Errors are the problems found while the DSL built the pipeline.
	Errors ErrorList
}

func (*Pipeline) implNode() {}

// Workspace is a volume shared by every task of a run, mounted where
// `{{$.workspace_path}}` points (KFP WorkspaceConfig, written to the
// PlatformSpec as platforms.kubernetes.pipelineConfig.workspace).
type Workspace struct {
	// Size is a Kubernetes quantity such as "1Gi" (KFP validates
	// `^(0|[1-9]\d*)(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$`).
	Size string
	// PVCSpecPatch holds PersistentVolumeClaim spec fields (JSON names,
	// e.g. "storageClassName", "accessModes") that override the defaults
	// the KFP API server sets on the workspace claim; nil for none.
	PVCSpecPatch map[string]any
}
