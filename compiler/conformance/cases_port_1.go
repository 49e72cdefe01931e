package conformance

import (
	"context"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of nested-pipeline and loop goldens (batch 1).

type intOutput struct {
	Output dsl.Param[int] `kfp:"Output"`
}

// kfp-ir/critical/parameter_cache.yaml
type pcInputIn struct {
	Input dsl.Param[string] `kfp:"input"`
}

var (
	pcCoreComp = goFuncDo("core-comp", func(context.Context, none) (out stringOutput, _ error) {
		out.Output.Set("foo")
		return out, nil
	})
	pcCrustComp = goFunc[pcInputIn, none]("crust-comp")
	pcCore      = dsl.NewPipeline("core", func(b *dsl.Builder, _ none) stringOutput {
		return pcCoreComp.Task(b, none{}).Out
	})
	pcMantle = dsl.NewPipeline("mantle", func(b *dsl.Builder, _ none) stringOutput {
		return pcCore.Task(b, none{}).Out
	})
	pcCrust = dsl.NewPipeline("parameter-cache-pipeline", func(b *dsl.Builder, _ none) none {
		m := pcMantle.Task(b, none{})
		pcCrustComp.Task(b, pcInputIn{Input: m.Out.Output})
		return none{}
	})
)

// kfp-ir/critical/mixed_parameters.yaml
type mpXYIn struct {
	X dsl.Param[int] `kfp:"x"`
	Y dsl.Param[int] `kfp:"y"`
}

var (
	mpCoreComp = goFuncDo("core-comp", func(context.Context, none) (out intOutput, _ error) {
		out.Output.Set(1)
		return out, nil
	})
	mpCrustComp = goFunc[mpXYIn, none]("crust-comp")
	mpCore      = dsl.NewPipeline("core", func(b *dsl.Builder, _ none) intOutput {
		return mpCoreComp.Task(b, none{}).SetCaching(false).Out
	})
	mpMantle = dsl.NewPipeline("mantle", func(b *dsl.Builder, _ none) intOutput {
		return mpCore.Task(b, none{}).SetCaching(false).Out
	})
	mpCrust = dsl.NewPipeline("mixed-parameters-pipeline", func(b *dsl.Builder, _ none) none {
		m := mpMantle.Task(b, none{}).SetCaching(false)
		mpCrustComp.Task(b, mpXYIn{X: dsl.Lit(2), Y: m.Out.Output}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/critical/parameters_simple.yaml
type psNumIn struct {
	Num dsl.Param[int] `kfp:"num"`
}
type psNumsIn struct {
	Nums dsl.Param[[]int] `kfp:"nums"`
}
type psSumOut struct {
	Sum dsl.Param[int] `kfp:"sum"`
}
type psListOut struct {
	Output dsl.Param[[]int] `kfp:"Output"`
}

var (
	psDouble = goFuncDo("double", func(_ context.Context, in psNumIn) (out intOutput, _ error) {
		out.Output.Set(2 * in.Num.Value())
		return out, nil
	})
	psAdd = goFuncDo("add", func(_ context.Context, in psNumsIn) (out intOutput, _ error) {
		sum := 0
		for _, n := range in.Nums.Value() {
			sum += n
		}
		out.Output.Set(sum)
		return out, nil
	})
	psAddContainer = dsl.NewContainerComponent("add-container", func(in psNumsIn, out psSumOut) dsl.Container {
		return dsl.Container{Image: "jetbrainsinfra/jq", Command: []any{"sh", "-c"}, Args: []any{dsl.Join(
			"\n            set -ex\n            mkdir -p $(dirname ", out.Sum, ")\n            echo ", in.Nums,
			" | jq 'add' > ", out.Sum, "\n            ")}}
	})
	psMath = dsl.NewPipeline("math-pipeline", func(b *dsl.Builder, _ none) psListOut {
		var t *dsl.Task[intOutput]
		dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, x dsl.Param[int]) {
			t = psDouble.Task(b, psNumIn{Num: x})
		})
		psAdd.Task(b, psNumsIn{Nums: dsl.Collected[[]int](t.Out.Output)})
		psAddContainer.Task(b, psNumsIn{Nums: dsl.Collected[[]int](t.Out.Output)})
		return psListOut{Output: dsl.Collected[[]int](t.Out.Output)}
	})
)

func init() {
	add("kfp-ir/critical/parameter_cache.yaml", pcCrust)
	add("kfp-ir/critical/mixed_parameters.yaml", mpCrust)
	add("kfp-ir/critical/parameters_simple.yaml", psMath)
}

// kfp-ir/arguments_parameters.yaml: the container component compiled as a
// pipeline with pipeline_parameters={'param1': 'hello'}; the override sets
// the root default without isOptional (Options.PipelineParameters).
type apEchoIn struct {
	Param1 dsl.Param[string] `kfp:"param1"`
	Param2 dsl.Param[string] `kfp:"param2"`
}

var (
	apEcho = dsl.NewContainerComponent("echo", func(in apEchoIn, _ none) dsl.Container {
		return dsl.Container{Image: ubiPython, Command: []any{"echo"}, Args: []any{dsl.Join(in.Param1, "-", in.Param2)}}
	})
	apPipeline = dsl.NewPipeline("echo", func(b *dsl.Builder, in apEchoIn) none {
		apEcho.Task(b, in)
		return none{}
	})
)

// kfp-ir/containerized_python_component.yaml: concat_message compiled as a
// pipeline; only the executor image (kfp-image) differs from
// essential/concat_message.yaml, and Python-function images are not compared.

func init() {
	add("kfp-ir/arguments_parameters.yaml", apPipeline, compiler.Options{PipelineParameters: map[string]any{"param1": "hello"}})
	add("kfp-ir/containerized_python_component.yaml", concatMessagePipeline)
}
