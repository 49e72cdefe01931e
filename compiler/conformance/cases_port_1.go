package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of nested-pipeline and loop goldens (batch 1).

type intOutput struct {
	Output dsl.Param[int] `kfp:"Output"`
}

// kfp-ir/critical/parameter_cache.yaml
type pcInputIn struct {
	Input dsl.Param[string] `kfp:"input"`
}

var (
	pcCoreComp  = goFunc[none, stringOutput]("core-comp")
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
	mpCoreComp  = goFunc[none, intOutput]("core-comp")
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
	psDouble       = goFunc[psNumIn, intOutput]("double")
	psAdd          = goFunc[psNumsIn, intOutput]("add")
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
