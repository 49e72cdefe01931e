package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type overrideIn struct {
	Text  dsl.Param[string] `kfp:"text"`
	Count dsl.Param[int]    `kfp:"count" default:"3"`
}

var overridePipeline = dsl.NewPipeline("override-defaults", func(b *dsl.Builder, in overrideIn) none {
	echo.Task(b, strIn{Text: in.Text})
	return none{}
})

func TestPipelineParametersOverrideRootDefaults(t *testing.T) {
	res, err := compiler.Compile(overridePipeline, compiler.Options{PipelineParameters: map[string]any{"text": "hello", "count": 7}})
	require.NoError(t, err)
	params := res.KFP.Spec.Root.InputDefinitions.Parameters
	// KFP sets the default only; isOptional stays as declared.
	assert.Equal(t, "hello", params["text"].DefaultValue.GetStringValue())
	assert.False(t, params["text"].IsOptional)
	assert.Equal(t, 7.0, params["count"].DefaultValue.GetNumberValue())
	assert.True(t, params["count"].IsOptional)
	// The component of the task keeps its own interface.
	assert.Nil(t, res.KFP.Spec.Components["comp-echo"].InputDefinitions.Parameters["text"].DefaultValue)
}

func TestPipelineParametersUnknownName(t *testing.T) {
	_, err := compiler.Compile(overridePipeline, compiler.Options{PipelineParameters: map[string]any{"nope": 1}})
	require.Error(t, err)
	var list ir.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 1)
	assert.Equal(t, ir.UnknownInput, list[0].Code)
	assert.Contains(t, list[0].Error(), `pipeline parameter "nope"`)
	assert.Contains(t, list[0].Error(), "override_test.go")
}

// compiledDefaultsPipeline carries its own pipeline_parameters; used as a
// task of another pipeline, it must not.
var compiledDefaultsPipeline = dsl.NewPipeline("compiled-defaults", func(b *dsl.Builder, in overrideIn) none {
	echo.Task(b, strIn{Text: in.Text})
	return none{}
}, dsl.CompiledDefaults(map[string]any{"text": "hello", "count": 5}))

func TestCompiledDefaultsOption(t *testing.T) {
	res, err := compiler.Compile(compiledDefaultsPipeline, compiler.Options{})
	require.NoError(t, err)
	params := res.KFP.Spec.Root.InputDefinitions.Parameters
	assert.Equal(t, "hello", params["text"].DefaultValue.GetStringValue())
	assert.False(t, params["text"].IsOptional)
	assert.Equal(t, 5.0, params["count"].DefaultValue.GetNumberValue())
	assert.True(t, params["count"].IsOptional)

	// Options.PipelineParameters wins per name.
	res, err = compiler.Compile(compiledDefaultsPipeline, compiler.Options{PipelineParameters: map[string]any{"count": 9}})
	require.NoError(t, err)
	params = res.KFP.Spec.Root.InputDefinitions.Parameters
	assert.Equal(t, "hello", params["text"].DefaultValue.GetStringValue())
	assert.Equal(t, 9.0, params["count"].DefaultValue.GetNumberValue())

	// Nested, the pipeline keeps its declared interface.
	outer := dsl.NewPipeline("outer-compiled-defaults", func(b *dsl.Builder, _ none) none {
		compiledDefaultsPipeline.Task(b, overrideIn{Text: dsl.Lit("x")})
		return none{}
	})
	res, err = compiler.Compile(outer, compiler.Options{})
	require.NoError(t, err)
	nested := res.KFP.Spec.Components["comp-compiled-defaults"].InputDefinitions.Parameters
	assert.Nil(t, nested["text"].DefaultValue)
	assert.Equal(t, 3.0, nested["count"].DefaultValue.GetNumberValue())
}

func TestCompiledDefaultsUnknownName(t *testing.T) {
	p := dsl.NewPipeline("compiled-defaults-unknown", func(b *dsl.Builder, in overrideIn) none {
		echo.Task(b, strIn{Text: in.Text})
		return none{}
	}, dsl.CompiledDefaults(map[string]any{"nope": 1}))
	_, err := compiler.Compile(p, compiler.Options{})
	var list ir.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 1)
	assert.Equal(t, ir.UnknownInput, list[0].Code)
	assert.Contains(t, list[0].Error(), `CompiledDefaults names "nope", which is not a parameter input of pipeline "compiled-defaults-unknown"`)
	assert.Contains(t, list[0].Error(), "override_test.go")
}

type datasetsIn struct {
	Items dsl.Artifacts[dsl.Dataset] `kfp:"items"`
}

func TestListOfArtifactsInputPlaceholder(t *testing.T) {
	c := dsl.NewContainerComponent("count", func(in datasetsIn, _ none) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"echo", in.Items}}
	})
	p := dsl.NewPipeline("list-placeholder", func(b *dsl.Builder, in datasetsIn) none {
		c.Task(b, in)
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	cmd := res.KFP.Doc["deploymentSpec"].(map[string]any)["executors"].(map[string]any)["exec-count"].(map[string]any)["container"].(map[string]any)["command"]
	assert.Equal(t, []any{"echo", "{{$.inputs.artifacts['items']}}"}, cmd)
}
