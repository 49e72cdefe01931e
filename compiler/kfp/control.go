package kfp

import (
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// groupSpecs builds the task spec and component spec of a sub-DAG group
// (condition, loop, exit handler, If/Elif/Else chain).
func (e *emitter) groupSpecs(g *ir.Group, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) (*pipelinespec.PipelineTaskSpec, *pipelinespec.ComponentSpec) {
	e.errs.Addf(g.Pos, ir.UnsupportedFeature, "", "%s groups are not supported by this compiler yet", g.Kind)
	return nil, nil
}

// buildExitHandlers adds the exit tasks of exit handlers to the root DAG.
func (e *emitter) buildExitHandlers() {
	for t := range e.plan.exitTasks {
		e.errs.Addf(t.Pos, ir.UnsupportedFeature, "", "exit handlers are not supported by this compiler yet")
	}
}

// ignoreUpstreamFailure sets triggerPolicy.strategy for tasks that run
// whatever their upstream tasks' state.
func (e *emitter) ignoreUpstreamFailure(t *ir.Task, ts *pipelinespec.PipelineTaskSpec) {
	if !t.IgnoreUpstreamFailure {
		return
	}
	ts.TriggerPolicy = &pipelinespec.PipelineTaskSpec_TriggerPolicy{Strategy: pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED}
}

// wireSpecialChannel wires loop items, Collected and OneOf values; it
// reports whether it handled r.
func (e *emitter) wireSpecialChannel(inputs *pipelinespec.TaskInputsSpec, name string, r *ir.Ref, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) bool {
	return false
}

// buildDAGOutputs writes a DAG's outputs (KFP _build_dag_outputs).
func (e *emitter) buildDAGOutputs(cs *pipelinespec.ComponentSpec, outputs map[string]*ir.Ref) {
	dag := cs.GetDag()
	if dag == nil || len(outputs) == 0 {
		return
	}
	for name, r := range outputs {
		if r.Kind != ir.RefTaskOutput {
			e.errs.Addf(r.Pos, ir.UnsupportedFeature, "", "pipeline output %q: only task outputs are supported yet", name)
			continue
		}
		if dag.Outputs == nil {
			dag.Outputs = &pipelinespec.DagOutputsSpec{}
		}
		if r.Type.IsArtifact() {
			if dag.Outputs.Artifacts == nil {
				dag.Outputs.Artifacts = map[string]*pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{}
			}
			dag.Outputs.Artifacts[name] = &pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{ArtifactSelectors: []*pipelinespec.DagOutputsSpec_ArtifactSelectorSpec{
				{ProducerSubtask: r.Task.Name, OutputArtifactKey: r.Name}}}
		} else {
			if dag.Outputs.Parameters == nil {
				dag.Outputs.Parameters = map[string]*pipelinespec.DagOutputsSpec_DagOutputParameterSpec{}
			}
			dag.Outputs.Parameters[name] = &pipelinespec.DagOutputsSpec_DagOutputParameterSpec{Kind: &pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromParameter{
				ValueFromParameter: &pipelinespec.DagOutputsSpec_ParameterSelectorSpec{ProducerSubtask: r.Task.Name, OutputParameterKey: r.Name}}}
		}
	}
}
