package ir

// Compiled is an implementation that is already KFP IR: a compiled pipeline
// (or a pipeline-form component) loaded from YAML and used as a nested
// pipeline component. The back end merges it as KFP merges a nested
// pipeline: its components and executors are copied (renamed only on a name
// clash) and its root becomes the task's component.
//
// The documents are kept as generic JSON trees (map[string]any, []any,
// string, float64, bool), exactly as read, so fields newer than the pinned
// pipelinespec module survive the round trip.
type Compiled struct {
	// Spec is the PipelineSpec document: "root" (inputDefinitions,
	// outputDefinitions, dag), "components" and
	// "deploymentSpec.executors". Other keys (pipelineInfo, sdkVersion…)
	// are ignored.
	Spec map[string]any
	// Platform is the Kubernetes executor configs keyed by executor label
	// (the PlatformSpec's platforms.kubernetes.deploymentSpec.executors),
	// or nil.
	Platform map[string]any
	// Workspace is the loaded pipeline's own workspace (the PlatformSpec's
	// platforms.kubernetes.pipelineConfig.workspace), or nil. KFP applies
	// only the outermost pipeline's pipelineConfig, so a pipeline that uses
	// this component takes the workspace on as its own (sdk/dsl lifts it;
	// a different workspace on that pipeline is a compile error).
	Workspace *Workspace
}

func (*Compiled) implNode() {}
