package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type formatIn struct {
	Name dsl.Param[string] `kfp:"name"`
	N    dsl.Param[int]    `kfp:"n"`
}

func TestFormatEmbedsChannelsLikeKFP(t *testing.T) {
	p := dsl.NewPipeline("format-channels", func(b *dsl.Builder, in formatIn) none {
		up := echo.Task(b, strIn{Text: in.Name})
		echo.Task(b, strIn{Text: dsl.Format("hi ", in.Name, ", ", up.Out.Output, " x", in.N, dsl.Lit("!"))})
		dsl.ParallelForItems(b, []string{"a", "b"}, func(b *dsl.Builder, item dsl.Param[string]) {
			echo.Task(b, strIn{Text: dsl.Format(item, "-", up.Out.Output)})
		})
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	root := res.KFP.Spec.Root.GetDag().Tasks
	ts := root["echo-2"]
	params := ts.Inputs.Parameters
	assert.Equal(t, "hi {{$.inputs.parameters['pipelinechannel--name']}}, {{$.inputs.parameters['pipelinechannel--echo-Output']}} x{{$.inputs.parameters['pipelinechannel--n']}}!",
		params["text"].GetRuntimeValue().GetConstant().GetStringValue())
	// Pipeline inputs are read under their own name, task outputs of the
	// same DAG directly, as KFP does.
	assert.Equal(t, "name", params["pipelinechannel--name"].GetComponentInputParameter())
	assert.Equal(t, "n", params["pipelinechannel--n"].GetComponentInputParameter())
	assert.Equal(t, "echo", params["pipelinechannel--echo-Output"].GetTaskOutputParameter().GetProducerTask())
	assert.Equal(t, []string{"echo"}, ts.DependentTasks)
	// Inside the loop, the producer's output crosses into the loop DAG.
	loop := res.KFP.Spec.Components["comp-for-loop-2"]
	require.NotNil(t, loop)
	assert.Contains(t, loop.InputDefinitions.Parameters, "pipelinechannel--echo-Output")
	assert.Equal(t, []string{"echo"}, root["for-loop-2"].DependentTasks)
	inner := loop.GetDag().Tasks["echo-3"].Inputs.Parameters
	assert.Equal(t, "{{$.inputs.parameters['pipelinechannel--loop-item-param-1']}}-{{$.inputs.parameters['pipelinechannel--echo-Output']}}",
		inner["text"].GetRuntimeValue().GetConstant().GetStringValue())
	assert.Equal(t, "pipelinechannel--echo-Output", inner["pipelinechannel--echo-Output"].GetComponentInputParameter())
	assert.Equal(t, "pipelinechannel--loop-item-param-1", inner["pipelinechannel--loop-item-param-1"].GetComponentInputParameter())
}

func TestFormatOfLiteralsIsALiteral(t *testing.T) {
	p := dsl.NewPipeline("format-literal", func(b *dsl.Builder, _ none) none {
		echo.Task(b, strIn{Text: dsl.Format("a", dsl.Lit(2), "-", dsl.PipelineJobName())})
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	params := res.KFP.Spec.Root.GetDag().Tasks["echo"].Inputs.Parameters
	assert.Len(t, params, 1)
	assert.Equal(t, "a2-{{$.pipeline_job_name}}", params["text"].GetRuntimeValue().GetConstant().GetStringValue())
}

type formatArtIn struct {
	Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
}

func TestFormatRefusesArtifactsAndOutOfScopeValues(t *testing.T) {
	p := dsl.NewPipeline("format-artifact", func(b *dsl.Builder, in formatArtIn) none {
		echo.Task(b, strIn{Text: dsl.Format("uri: ", in.Data)})
		return none{}
	})
	list := compileErr(t, p)
	require.NotEmpty(t, list)
	assert.Contains(t, list[0].Error(), "Format part 1: an artifact cannot be embedded")
	assert.Contains(t, list[0].Error(), "format_test.go")

	q := dsl.NewPipeline("format-scope", func(b *dsl.Builder, in formatIn) none {
		var inner *dsl.Task[strOut]
		dsl.ParallelForItems(b, []string{"a"}, func(b *dsl.Builder, item dsl.Param[string]) {
			inner = echo.Task(b, strIn{Text: item})
		})
		echo.Task(b, strIn{Text: dsl.Format("after ", inner.Out.Output)})
		return none{}
	})
	list = compileErr(t, q)
	require.NotEmpty(t, list)
	assert.Equal(t, ir.OutOfScope, list[0].Code)
}

type statusStructIn struct {
	Status dsl.Param[map[string]any] `kfp:"status"`
}

func TestStatusAsStructFeedsADictInput(t *testing.T) {
	getState := fn[statusStructIn, strOut]("get-state")
	p := dsl.NewPipeline("status-as-struct", func(b *dsl.Builder, in statusIn) none {
		getState.Task(b, statusStructIn{Status: dsl.StatusAsStruct(in.Status)})
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	assert.Equal(t, "status", res.KFP.Spec.Root.GetDag().Tasks["get-state"].Inputs.Parameters["status"].GetComponentInputParameter())
	assert.True(t, res.KFP.Spec.Root.InputDefinitions.Parameters["status"].IsOptional)
}
