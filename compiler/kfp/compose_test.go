package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type specsIn struct {
	Specs dsl.Param[[]any] `kfp:"specs"`
}

type structIn struct {
	Config dsl.Param[map[string]any] `kfp:"config"`
}

type intOut struct {
	Output dsl.Param[int] `kfp:"Output"`
}

func TestComposeEmbedsChannelsAtAnyDepth(t *testing.T) {
	takeList := fn[specsIn, none]("take-list")
	count := fn[none, intOut]("count")
	p := dsl.NewPipeline("compose-channels", func(b *dsl.Builder, in formatIn) none {
		up := echo.Task(b, strIn{Text: in.Name})
		n := count.Task(b, none{})
		dsl.If(b, dsl.Eq(up.Out.Output, dsl.Lit("go")), func(b *dsl.Builder) {
			takeList.Task(b, specsIn{Specs: dsl.Compose[[]any]([]any{map[string]any{
				"machine":  map[string]any{"type": up.Out.Output, "count": n.Out.Output, "label": dsl.Format("run-", in.N)},
				"replicas": 2,
				"args":     []string{"a", "b"},
				"job":      dsl.PipelineJobName(),
			}})})
		})
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	cond := res.KFP.Spec.Components["comp-condition-1"]
	require.NotNil(t, cond)
	ts := cond.GetDag().Tasks["take-list"]
	params := ts.Inputs.Parameters
	specs := params["specs"].GetRuntimeValue().GetConstant().AsInterface()
	assert.Equal(t, []any{map[string]any{
		"machine": map[string]any{
			"type":  "{{$.inputs.parameters['pipelinechannel--echo-Output']}}",
			"count": "{{$.inputs.parameters['pipelinechannel--count-Output']}}",
			"label": "run-{{$.inputs.parameters['pipelinechannel--n']}}",
		},
		"replicas": float64(2),
		"args":     []any{"a", "b"},
		"job":      "{{$.pipeline_job_name}}",
	}}, specs)
	// Every embedded value crosses into the condition's DAG and reaches the
	// task as an extra input, as KFP wires channels in a list argument.
	for _, ch := range []string{"pipelinechannel--echo-Output", "pipelinechannel--count-Output", "pipelinechannel--n"} {
		assert.Equal(t, ch, params[ch].GetComponentInputParameter(), ch)
		assert.Contains(t, cond.InputDefinitions.Parameters, ch)
	}
	assert.Equal(t, "NUMBER_INTEGER", cond.InputDefinitions.Parameters["pipelinechannel--count-Output"].ParameterType.String())
	assert.ElementsMatch(t, []string{"count", "echo"}, res.KFP.Spec.Root.GetDag().Tasks["condition-1"].DependentTasks)
}

func TestComposeOfLiteralsIsALiteralStruct(t *testing.T) {
	takeStruct := fn[structIn, none]("take-struct")
	p := dsl.NewPipeline("compose-literal", func(b *dsl.Builder, _ none) none {
		takeStruct.Task(b, structIn{Config: dsl.Compose[map[string]any](map[string]int{"a": 1, "b": 2})})
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	params := res.KFP.Spec.Root.GetDag().Tasks["take-struct"].Inputs.Parameters
	assert.Len(t, params, 1)
	assert.Equal(t, map[string]any{"a": float64(1), "b": float64(2)}, params["config"].GetRuntimeValue().GetConstant().AsInterface())
}

func TestComposeRefusesBadValues(t *testing.T) {
	takeList := fn[specsIn, none]("take-list")
	takeStruct := fn[structIn, none]("take-struct")
	cases := []struct {
		name  string
		build func(b *dsl.Builder, in formatArtIn)
		want  string
	}{
		{"artifact", func(b *dsl.Builder, in formatArtIn) {
			takeList.Task(b, specsIn{Specs: dsl.Compose[[]any]([]any{in.Data})})
		}, "Compose: value[0]: an artifact cannot be embedded"},
		{"shape", func(b *dsl.Builder, in formatArtIn) {
			takeStruct.Task(b, structIn{Config: dsl.Compose[map[string]any]([]any{1})})
		}, "does not build a map[string]interface {}"},
		{"map keys", func(b *dsl.Builder, in formatArtIn) {
			takeStruct.Task(b, structIn{Config: dsl.Compose[map[string]any](map[int]string{1: "a"})})
		}, "value: map keys must be strings, not int"},
		{"go type", func(b *dsl.Builder, in formatArtIn) {
			takeList.Task(b, specsIn{Specs: dsl.Compose[[]any]([]any{map[string]any{"ch": make(chan int)}})})
		}, "value[0].ch: a value of type chan int"},
		{"in a string", func(b *dsl.Builder, in formatArtIn) {
			up := echo.Task(b, strIn{Text: dsl.Lit("x")})
			echo.Task(b, strIn{Text: dsl.Format("list: ", dsl.Compose[[]any]([]any{up.Out.Output}))})
		}, "a list or map (Compose) cannot be embedded in a string"},
		{"loop", func(b *dsl.Builder, in formatArtIn) {
			up := echo.Task(b, strIn{Text: dsl.Lit("x")})
			dsl.ParallelFor(b, dsl.Compose[[]string]([]any{up.Out.Output}), func(b *dsl.Builder, item dsl.Param[string]) {
				echo.Task(b, strIn{Text: item})
			})
		}, "ParallelFor over a list built with Compose"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dsl.NewPipeline("compose-bad", func(b *dsl.Builder, in formatArtIn) none {
				tc.build(b, in)
				return none{}
			})
			list := compileErr(t, p)
			require.NotEmpty(t, list)
			assert.Contains(t, list[0].Error(), tc.want)
			assert.Contains(t, list[0].Error(), "compose_test.go")
		})
	}
}
