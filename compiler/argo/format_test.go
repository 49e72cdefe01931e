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
