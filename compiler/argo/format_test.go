package argo_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type formatPipeIn struct {
	Name dsl.Param[string] `kfp:"name"`
	N    dsl.Param[int]    `kfp:"n"`
}

// A dsl.Format argument renders as one Argo parameter string: literal text
// with each embedded value's Argo expression (workflow parameter, task
// output, pipeline placeholder) in place.
func TestFormatArgument(t *testing.T) {
	p := dsl.NewPipeline("argo-format", func(b *dsl.Builder, in formatPipeIn) struct{} {
		up := sizeComp.Task(b, sizeIn{Shard: in.Name})
		sizeComp.Task(b, sizeIn{Shard: dsl.Format("run ", dsl.PipelineJobName(), ": ", in.Name, " x", in.N, dsl.Lit("!"))}).After(up)
		return struct{}{}
	})
	res, err := argo.Compile(p, argo.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), "value: 'run {{workflow.name}}: {{workflow.parameters.name}} x{{workflow.parameters.n}}!'")
}

// The Argo target refuses a pipeline workspace, naming the pipeline.
func TestWorkspaceUnsupported(t *testing.T) {
	p := dsl.NewPipeline("argo-workspace", func(b *dsl.Builder, _ struct{}) struct{} {
		sizeComp.Task(b, sizeIn{Shard: dsl.WorkspacePath()})
		return struct{}{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "1Gi"}))
	_, err := argo.Compile(p, argo.Options{})
	require.ErrorContains(t, err, `pipeline "argo-workspace" has a workspace`)
}

type composeIn struct {
	Specs dsl.Param[[]any] `kfp:"specs"`
}

// A dsl.Compose argument renders as the list's JSON text with each
// embedded value's Argo expression inside its string leaf.
func TestComposeArgument(t *testing.T) {
	takeSpecs := dsl.NewContainerComponent("take-specs", func(in composeIn, _ struct{}) dsl.Container {
		return dsl.Container{Image: "alpine:3.20", Command: []any{"echo", in.Specs}}
	})
	p := dsl.NewPipeline("argo-compose", func(b *dsl.Builder, in formatPipeIn) struct{} {
		up := sizeComp.Task(b, sizeIn{Shard: in.Name})
		takeSpecs.Task(b, composeIn{Specs: dsl.Compose[[]any]([]any{
			map[string]any{"name": in.Name, "n": in.N, "job": dsl.PipelineJobName(), "replicas": 2},
		})}).After(up)
		return struct{}{}
	})
	res, err := argo.Compile(p, argo.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), `value: '[{"job":"{{workflow.name}}","n":"{{workflow.parameters.n}}","name":"{{workflow.parameters.name}}","replicas":2}]'`)
}

// dsl.CompiledDefaults gives the workflow parameters their values, as
// compile(pipeline_parameters=...) gives the KFP root its defaults.
func TestCompiledDefaultsArguments(t *testing.T) {
	p := dsl.NewPipeline("argo-compiled-defaults", func(b *dsl.Builder, in formatPipeIn) struct{} {
		sizeComp.Task(b, sizeIn{Shard: dsl.Format(in.Name, in.N)})
		return struct{}{}
	}, dsl.CompiledDefaults(map[string]any{"name": "shard", "n": 4}))
	res, err := argo.Compile(p, argo.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), "- name: name\n      value: shard\n")
	assert.Contains(t, string(res.YAML), "- name: \"n\"\n      value: \"4\"\n")
}
