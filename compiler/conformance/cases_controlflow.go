package conformance

import (
	"context"

	"errors"
	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"math/rand/v2"
	"strings"
)

// Ports of the control-flow goldens: conditions, loops, exit handlers,
// nested pipelines and importers.

type cfTextIn struct {
	Text dsl.Param[string] `kfp:"text"`
}

type cfMsgIn struct {
	Msg dsl.Param[string] `kfp:"msg"`
}

type cfMessageIn struct {
	Message dsl.Param[string] `kfp:"message"`
}

type cfAnyListOutput struct {
	Output dsl.Param[[]any] `kfp:"Output"`
}

type cfStructListOutput struct {
	Output dsl.Param[[]map[string]any] `kfp:"Output"`
}

type cfListStrOutput struct {
	Output dsl.Param[[]string] `kfp:"Output"`
}

// kfp-ir/if_elif_else_with_oneof_parameters.yaml
type cfOutputKeyOut struct {
	OutputKey dsl.Param[string] `kfp:"output_key"`
}

var (
	flipThreeSidedDie = goFuncDo("flip-three-sided-die", func(context.Context, none) (out stringOutput, _ error) {
		out.Output.Set([]string{"heads", "tails", "draw"}[rand.IntN(3)])
		return out, nil
	})
	printAndReturn = goFuncDo("print-and-return", func(_ context.Context, in cfTextIn) (out stringOutput, _ error) {
		out.Output.Set(in.Text.Value())
		return out, nil
	})
	specialPrintAndReturn = goFuncDo("special-print-and-return", func(_ context.Context, in cfTextIn) (out cfOutputKeyOut, _ error) {
		out.OutputKey.Set(in.Text.Value())
		return out, nil
	})
	rollDiePipeline        = dsl.NewPipeline("roll-die-pipeline", rollDie)
	oneOfParametersOuter   = dsl.NewPipeline("outer-pipeline", outerRollDie)
	collectingParameters   = dsl.NewPipeline("collecting-parameters", collectingParams)
	collectedParamPipeline = dsl.NewPipeline("collected-param-pipeline", collectedParamOuter)
)

func rollDie(b *dsl.Builder, _ none) stringOutput {
	flip := flipThreeSidedDie.Task(b, none{})
	var t1, t2 *dsl.Task[stringOutput]
	var t3 *dsl.Task[cfOutputKeyOut]
	dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
		t1 = printAndReturn.Task(b, cfTextIn{Text: dsl.Lit("Got heads!")})
	}).Elif(dsl.Eq(flip.Out.Output, dsl.Lit("tails")), func(b *dsl.Builder) {
		t2 = printAndReturn.Task(b, cfTextIn{Text: dsl.Lit("Got tails!")})
	}).Else(func(b *dsl.Builder) {
		t3 = specialPrintAndReturn.Task(b, cfTextIn{Text: dsl.Lit("Draw!")})
	})
	return stringOutput{Output: dsl.OneOf(b, t1.Out.Output, t2.Out.Output, t3.Out.OutputKey)}
}

func outerRollDie(b *dsl.Builder, _ none) stringOutput {
	flip := rollDiePipeline.Task(b, none{})
	return printAndReturn.Task(b, cfTextIn{Text: flip.Out.Output}).Out
}

// kfp-ir/critical/collected_parameters.yaml
type cfIdsIn struct {
	IDs dsl.Param[string] `kfp:"ids"`
}
type cfListIDsIn struct {
	IDs dsl.Param[[]string] `kfp:"ids"`
}
type cfContentIn struct {
	Content dsl.Param[string] `kfp:"content"`
}
type cfIdIn struct {
	ID dsl.Param[string] `kfp:"id"`
}
type cfModelIDsIn struct {
	ModelIDs dsl.Param[string] `kfp:"model_ids" default:""`
}

var (
	splitIDs = goFuncDo("split-ids", func(_ context.Context, in cfIdsIn) (out cfAnyListOutput, _ error) {
		var ids []any
		for _, id := range strings.Split(in.IDs.Value(), ",") {
			ids = append(ids, id)
		}
		out.Output.Set(ids)
		return out, nil
	})
	prependID = goFuncDo("prepend-id", func(_ context.Context, in cfContentIn) (out stringOutput, _ error) {
		out.Output.Set("model_id_" + in.Content.Value())
		return out, nil
	})
	consumeIDs = goFuncDo("consume-ids", func(context.Context, cfListIDsIn) (out stringOutput, _ error) {
		out.Output.Set("completed")
		return out, nil
	})
	// The Python function prints and returns None for its str output, which
	// KFP's executor refuses; the port leaves the output unset, refused alike.
	consumeSingleID = goFunc[cfIdIn, stringOutput]("consume-single-id")
)

func collectingParams(b *dsl.Builder, in cfModelIDsIn) cfListStrOutput {
	split := splitIDs.Task(b, cfIdsIn{IDs: in.ModelIDs})
	var prepend *dsl.Task[stringOutput]
	dsl.ParallelFor(b, split.Out.Output, func(b *dsl.Builder, id dsl.Param[string]) {
		prepend = prependID.Task(b, cfContentIn{Content: id}).SetCaching(false)
		consumeSingleID.Task(b, cfIdIn{ID: prepend.Out.Output}).SetCaching(false)
	})
	consumeIDs.Task(b, cfListIDsIn{IDs: dsl.Collected[[]string](prepend.Out.Output)}).SetCaching(false)
	return cfListStrOutput{Output: dsl.Collected[[]string](prepend.Out.Output)}
}

func collectedParamOuter(b *dsl.Builder, _ none) none {
	dag := collectingParameters.Task(b, cfModelIDsIn{ModelIDs: dsl.Lit("s1,s2,s3")}).SetCaching(false)
	consumeIDs.Task(b, cfListIDsIn{IDs: dag.Out.Output}).SetCaching(false)
	return none{}
}

// kfp-ir/parallel_and_nested/pipeline_with_loops.yaml
type cfStructIn struct {
	Struct dsl.Param[map[string]any] `kfp:"struct"`
}
type cfLoopsIn struct {
	LoopParameter dsl.Param[[]string] `kfp:"loop_parameter" default:"[\"a\", \"b\"]"`
}

var (
	argsGeneratorOp = goFuncDo("args-generator-op", func(context.Context, none) (out cfStructListOutput, _ error) {
		out.Output.Set([]map[string]any{{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}})
		return out, nil
	})
	cfPrintText   = goFunc[cfMsgIn, none]("print-text")
	cfPrintStruct = goFunc[cfStructIn, none]("print-struct")
	withLoops     = dsl.NewPipeline("pipeline-with-loops", func(b *dsl.Builder, in cfLoopsIn) none {
		dsl.ParallelFor(b, in.LoopParameter, func(b *dsl.Builder, item dsl.Param[string]) {
			cfPrintText.Task(b, cfMsgIn{Msg: item})
		})
		gen := argsGeneratorOp.Task(b, none{})
		dsl.ParallelFor(b, gen.Out.Output, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			cfPrintStruct.Task(b, cfStructIn{Struct: item})
			cfPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "A_a")})
			cfPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "B_b")})
		})
		loopArgs := []map[string]any{{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}}
		dsl.ParallelForItems(b, loopArgs, func(b *dsl.Builder, item dsl.Param[map[string]any]) {
			cfPrintStruct.Task(b, cfStructIn{Struct: item})
			cfPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "A_a")})
			cfPrintText.Task(b, cfMsgIn{Msg: dsl.ItemField[string](item, "B_b")})
		})
		return none{}
	})
)

// kfp-ir/pipeline_with_task_final_status.yaml
type cfExitOpIn struct {
	UserInput dsl.Param[string]           `kfp:"user_input"`
	Status    dsl.PipelineTaskFinalStatus `kfp:"status"`
}
type cfMessageDefaultIn struct {
	Message dsl.Param[string] `kfp:"message" default:"Hello World!"`
}

var (
	exitOp         = goFunc[cfExitOpIn, none]("exit-op")
	printOpMessage = goFunc[cfMessageIn, none]("print-op")
	failOp         = goFuncDo("fail-op", func(_ context.Context, in cfMessageIn) (none, error) {
		return none{}, errors.New("exit status 1")
	})
	taskFinalStatusPl = dsl.NewPipeline("pipeline-with-task-final-status", func(b *dsl.Builder, in cfMessageDefaultIn) none {
		exit := exitOp.Task(b, cfExitOpIn{UserInput: in.Message})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			printOpMessage.Task(b, cfMessageIn{Message: in.Message})
			failOp.Task(b, cfMessageIn{Message: dsl.Lit("Task failed.")})
		}, dsl.Named("my-pipeline"))
		return none{}
	})
)

// kfp-ir/critical/parallel_for_after_dependency.yaml
var (
	printOpReturn = goFuncDo("print-op", func(_ context.Context, in cfMessageIn) (out stringOutput, _ error) {
		out.Output.Set(in.Message.Value())
		return out, nil
	})
	loopWithAfterDepPl = dsl.NewPipeline("loop-with-after-dependency-set", func(b *dsl.Builder, _ none) none {
		var one *dsl.Task[stringOutput]
		dsl.ParallelForItems(b, []int{1, 2, 3}, func(b *dsl.Builder, _ dsl.Param[int]) {
			one = printOpReturn.Task(b, cfMessageIn{Message: dsl.Lit("foo")})
		})
		printOpReturn.Task(b, cfMessageIn{Message: dsl.Lit("bar")}).After(one)
		printOpReturn.Task(b, cfMessageIn{Message: dsl.Lit("baz")}).After(one)
		return none{}
	})
)

func init() {
	add("kfp-ir/if_elif_else_with_oneof_parameters.yaml", oneOfParametersOuter)
	add("kfp-ir/critical/collected_parameters.yaml", collectedParamPipeline)
	add("kfp-ir/parallel_and_nested/pipeline_with_loops.yaml", withLoops)
	add("kfp-ir/pipeline_with_task_final_status.yaml", taskFinalStatusPl)
	add("kfp-ir/critical/parallel_for_after_dependency.yaml", loopWithAfterDepPl, compiler.Options{})
}
