package dsl_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type genericOut struct {
	Output dsl.Artifact[dsl.Generic] `kfp:"Output"`
}
type datasetIn struct {
	Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
}

// FromGeneric passes a generic artifact output to a Dataset input: the
// argument is the producer's output reference, the input keeps its kind.
func TestFromGenericWiresProducerOutput(t *testing.T) {
	produce := dsl.NewComponent("produce", func(context.Context, struct{}) (genericOut, error) { return genericOut{}, nil }, dsl.Image("ko://example.com/produce"))
	consume := dsl.NewComponent("consume", func(context.Context, datasetIn) (struct{}, error) { return struct{}{}, nil }, dsl.Image("ko://example.com/consume"))
	p := dsl.NewPipeline("from-generic", func(b *dsl.Builder, _ struct{}) struct{} {
		out := produce.Task(b, struct{}{}).Out.Output
		consume.Task(b, datasetIn{Data: dsl.FromGeneric[dsl.Dataset](out)})
		return struct{}{}
	})
	g := p.Build()
	require.NoError(t, ir.Validate(g).Err())
	var consumer *ir.Task
	for _, task := range g.Tasks {
		if task.Name == "consume" {
			consumer = task
		}
	}
	require.NotNil(t, consumer)
	arg := consumer.Args["data"]
	require.NotNil(t, arg)
	assert.Equal(t, ir.RefTaskOutput, arg.Kind)
	assert.Equal(t, "Output", arg.Name)
	assert.Equal(t, "system.Artifact", arg.Type.Artifact.SchemaTitle)
	assert.Equal(t, "system.Dataset", consumer.Component.Inputs[0].Type.Artifact.SchemaTitle)
}
