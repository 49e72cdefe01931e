package conformance

import (
	"context"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of OneOf, Collected and loop goldens (batch 5).

// kfp-ir/local_execution/local_execution_pipeline_with_oneof.yaml
type oneofPickIn struct {
	PickA dsl.Param[bool] `kfp:"pick_a" default:"true"`
}
type oneofValueIn struct {
	Value dsl.Param[string] `kfp:"value"`
}

var (
	oneofBranchA     = goFuncDo("branch-a", constant("A"))
	oneofBranchB     = goFuncDo("branch-b", constant("B"))
	oneofTagSelected = goFuncDo("tag-selected", func(_ context.Context, in oneofValueIn) (out stringOutput, _ error) {
		out.Output.Set("selected:" + in.Value.Value())
		return out, nil
	})
	oneofPipeline = dsl.NewPipeline("pipeline-with-oneof", func(b *dsl.Builder, in oneofPickIn) stringOutput {
		var a, bb *dsl.Task[stringOutput]
		dsl.If(b, dsl.Eq(in.PickA, dsl.Lit(true)), func(b *dsl.Builder) {
			a = oneofBranchA.Task(b, none{})
		}).Else(func(b *dsl.Builder) {
			bb = oneofBranchB.Task(b, none{})
		})
		return oneofTagSelected.Task(b, oneofValueIn{Value: dsl.OneOf(b, a.Out.Output, bb.Out.Output)}).Out
	})
)

// kfp-ir/local_execution/pipeline_with_collected_artifacts.yaml
type caIndexIn struct {
	Index dsl.Param[int] `kfp:"index"`
}
type caOut struct {
	Out dsl.Artifact[dsl.Generic] `kfp:"out"`
}
type caArtifactsIn struct {
	Artifacts dsl.Artifacts[dsl.Generic] `kfp:"artifacts"`
}

var (
	// caWriteArtifact writes its index to its artifact.
	caWriteArtifact = goFuncDo("write-artifact", func(ctx context.Context, in caIndexIn) (caOut, error) {
		out := dsl.Outputs[caOut](ctx)
		return *out, os.WriteFile(out.Out.Path(), []byte(strconv.Itoa(in.Index.Value())), 0o644)
	})
	// caReadAndJoin returns the trimmed contents of its artifacts, sorted
	// and comma-separated.
	caReadAndJoin = goFuncDo("read-and-join", func(_ context.Context, in caArtifactsIn) (out stringOutput, _ error) {
		parts := make([]string, 0, len(in.Artifacts.Items()))
		for _, a := range in.Artifacts.Items() {
			b, err := os.ReadFile(a.Path)
			if err != nil {
				return out, err
			}
			parts = append(parts, strings.TrimSpace(string(b)))
		}
		sort.Strings(parts)
		out.Output.Set(strings.Join(parts, ","))
		return out, nil
	})
	caPipeline = dsl.NewPipeline("pipeline-with-collected-artifacts", func(b *dsl.Builder, _ none) stringOutput {
		var producer *dsl.Task[caOut]
		dsl.ParallelForItems(b, []int{0, 1, 2}, func(b *dsl.Builder, i dsl.Param[int]) {
			producer = caWriteArtifact.Task(b, caIndexIn{Index: i})
		})
		return caReadAndJoin.Task(b, caArtifactsIn{Artifacts: dsl.CollectedArtifacts(producer.Out.Out)}).Out
	})
)

// kfp-ir/if_else_with_oneof_artifacts.yaml and
// kfp-ir/critical/if_else_with_oneof_artifacts.yaml (the same pipeline).
type ieoValIn struct {
	Val dsl.Param[string] `kfp:"val"`
}
type ieoAOut struct {
	A dsl.Artifact[dsl.Generic] `kfp:"a"`
}
type ieoAIn struct {
	A dsl.Artifact[dsl.Generic] `kfp:"a"`
}
type genericOutput struct {
	Output dsl.Artifact[dsl.Generic] `kfp:"Output"`
}

var (
	ieoFlipCoin        = goFuncDo("flip-coin", coinFlip)
	ieoParamToArtifact = goFunc[ieoValIn, ieoAOut]("param-to-artifact")
	ieoPrintArtifact   = goFunc[ieoAIn, none]("print-artifact")
	ieoFlipPipeline    = dsl.NewPipeline("flip-coin-pipeline", func(b *dsl.Builder, _ none) genericOutput {
		flip := ieoFlipCoin.Task(b, none{})
		var t1, t2 *dsl.Task[ieoAOut]
		dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
			t1 = ieoParamToArtifact.Task(b, ieoValIn{Val: flip.Out.Output})
		}).Else(func(b *dsl.Builder) {
			t2 = ieoParamToArtifact.Task(b, ieoValIn{Val: flip.Out.Output})
		})
		oneof := dsl.OneOfArtifact(b, t1.Out.A, t2.Out.A)
		ieoPrintArtifact.Task(b, ieoAIn{A: oneof})
		return genericOutput{Output: oneof}
	})
	ieoOuter = dsl.NewPipeline("outer-pipeline", func(b *dsl.Builder, _ none) none {
		f := ieoFlipPipeline.Task(b, none{})
		ieoPrintArtifact.Task(b, ieoAIn{A: f.Out.Output})
		return none{}
	})
)

// kfp-ir/pipeline_with_nested_loops.yaml
type nlPrintIn struct {
	Msg  dsl.Param[string] `kfp:"msg"`
	Msg2 dsl.Param[string] `kfp:"msg2,optional"`
}
type nlPipelineIn struct {
	LoopParameter dsl.Param[[]any] `kfp:"loop_parameter" default:"[{\"p_a\": [{\"q_a\": \"1\"}, {\"q_a\": \"2\"}], \"p_b\": \"hello\"}, {\"p_a\": [{\"q_a\": \"11\"}, {\"q_a\": \"22\"}], \"p_b\": \"halo\"}]"`
}

var (
	nlPrintOp  = goFunc[nlPrintIn, none]("print-op")
	nlPipeline = dsl.NewPipeline("pipeline-with-nested-loops", func(b *dsl.Builder, in nlPipelineIn) none {
		dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, item dsl.Param[string]) {
			dsl.ParallelFor(b, dsl.ItemField[[]any](item, "p_a"), func(b *dsl.Builder, itemPA dsl.Param[string]) {
				nlPrintOp.Task(b, nlPrintIn{Msg: dsl.ItemField[string](itemPA, "q_a")})
			})
		})
		dsl.ParallelForItems(b, []string{"1", "2"}, func(b *dsl.Builder, outer dsl.Param[string]) {
			nlPrintOp.Task(b, nlPrintIn{Msg: outer})
			dsl.ParallelForItems(b, []string{"100", "200", "300"}, func(b *dsl.Builder, inner dsl.Param[string]) {
				nlPrintOp.Task(b, nlPrintIn{Msg: outer, Msg2: inner})
			})
		})
		return none{}
	})
)

// kfp-ir/pipeline_with_parallelfor_pipeline_param.yaml
type ppPrintIn struct {
	Prefix dsl.Param[string] `kfp:"prefix"`
	Item   dsl.Param[string] `kfp:"item"`
}
type ppPipelineIn struct {
	Prefix        dsl.Param[string]   `kfp:"prefix"`
	LoopParameter dsl.Param[[]string] `kfp:"loop_parameter"`
}

var (
	ppPrintWithPrefix = goFuncDo("print-with-prefix", func(_ context.Context, in ppPrintIn) (out stringOutput, _ error) {
		out.Output.Set(in.Prefix.Value() + ": " + in.Item.Value())
		return out, nil
	})
	ppMakePrefix = goFuncDo("make-prefix", constant("dynamic-prefix"))
	ppPipeline   = dsl.NewPipeline("pipeline-parallelfor-pipeline-param", func(b *dsl.Builder, in ppPipelineIn) none {
		dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, item dsl.Param[string]) {
			ppPrintWithPrefix.Task(b, ppPrintIn{Prefix: in.Prefix, Item: item})
		}, dsl.Parallelism(1))
		prefix := ppMakePrefix.Task(b, none{})
		dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, item dsl.Param[string]) {
			ppPrintWithPrefix.Task(b, ppPrintIn{Prefix: prefix.Out.Output, Item: item})
		})
		dsl.ParallelForItems(b, []string{"x", "y"}, func(b *dsl.Builder, _ dsl.Param[string]) {
			dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, inner dsl.Param[string]) {
				ppPrintWithPrefix.Task(b, ppPrintIn{Prefix: in.Prefix, Item: inner})
			})
		}, dsl.Parallelism(2))
		return none{}
	}, dsl.Description("Pipeline parameter used alongside loop item inside ParallelFor."))
)

func init() {
	add("kfp-ir/local_execution/local_execution_pipeline_with_oneof.yaml", oneofPipeline)
	add("kfp-ir/local_execution/pipeline_with_collected_artifacts.yaml", caPipeline)
	add("kfp-ir/if_else_with_oneof_artifacts.yaml", ieoOuter)
	add("kfp-ir/critical/if_else_with_oneof_artifacts.yaml", ieoOuter)
	add("kfp-ir/pipeline_with_nested_loops.yaml", nlPipeline)
	add("kfp-ir/pipeline_with_parallelfor_pipeline_param.yaml", ppPipeline)
}
