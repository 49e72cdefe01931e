package conformance

import (
	"context"
	"errors"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"os"
	"strings"
)

// Ports of loop-topology and nested-pipeline goldens (batch 6).

// kfp-ir/cross_loop_after_topology.yaml
var (
	clPrintOp  = goFunc[cfMessageIn, none]("print-op")
	clPipeline = dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
		msg := func(s string) cfMessageIn { return cfMessageIn{Message: dsl.Lit(s)} }
		var one, three, five, seven *dsl.Task[none]
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			one = clPrintOp.Task(b, msg("one"))
		})
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			clPrintOp.Task(b, msg("two")).After(one)
		})
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			three = clPrintOp.Task(b, msg("three"))
			dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
				clPrintOp.Task(b, msg("four")).After(three)
			})
		})
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			five = clPrintOp.Task(b, msg("five"))
		})
		clPrintOp.Task(b, msg("six")).After(five)
		dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
			dsl.ParallelForItems(b, []int{1, 2}, func(b *dsl.Builder, _ dsl.Param[int]) {
				seven = clPrintOp.Task(b, msg("seven"))
			})
			clPrintOp.Task(b, msg("eight")).After(seven)
		})
		return none{}
	})
)

// kfp-ir/parallel_and_nested/loop_consume_upstream.yaml
type lcuInputIn struct {
	Input dsl.Param[string] `kfp:"input"`
}
type lcuListOut struct {
	Output dsl.Param[[]any] `kfp:"Output"`
}
type lcuCreateIn struct {
	Content dsl.Param[string] `kfp:"content"`
}
type lcuFileOut struct {
	File dsl.Artifact[dsl.Generic] `kfp:"file"`
}
type lcuFileIn struct {
	File dsl.Artifact[dsl.Generic] `kfp:"file"`
}
type lcuListIn struct {
	Input dsl.Param[[]any] `kfp:"input"`
}

var (
	lcuSplitInput = goFuncDo("split-input", func(_ context.Context, in lcuInputIn) (out lcuListOut, _ error) {
		var items []any
		for _, s := range strings.Split(in.Input.Value(), ",") {
			items = append(items, s)
		}
		out.Output.Set(items)
		return out, nil
	})
	lcuCreateFile = goFuncDo("create-file", func(ctx context.Context, in lcuCreateIn) (lcuFileOut, error) {
		out := dsl.Outputs[lcuFileOut](ctx)
		return *out, os.WriteFile(out.File.Path(), []byte(in.Content.Value()), 0o644)
	})
	lcuReadFile = goFuncDo("read-file", func(_ context.Context, in lcuFileIn) (out stringOutput, _ error) {
		if _, err := os.ReadFile(in.File.Path()); err != nil {
			return out, err
		}
		out.Output.Set(in.File.Path())
		return out, nil
	})
	lcuPrintInput = goFunc[lcuListIn, none]("print-input")
	lcuPipeline   = dsl.NewPipeline("loop-consume-upstream", func(b *dsl.Builder, _ none) none {
		const same = "same display name"
		split := lcuSplitInput.Task(b, lcuInputIn{Input: dsl.Lit("component1,component2,component3")}).SetCaching(false).SetDisplayName(same)
		dsl.ParallelFor(b, split.Out.Output, func(b *dsl.Builder, modelID dsl.Param[string]) {
			c := lcuCreateFile.Task(b, lcuCreateIn{Content: modelID}).SetCaching(false).SetDisplayName(same)
			lcuReadFile.Task(b, lcuFileIn{File: c.Out.File}).SetCaching(false).SetDisplayName(same)
		})
		lcuPrintInput.Task(b, lcuListIn{Input: split.Out.Output}).SetCaching(false).SetDisplayName(same)
		return none{}
	}, dsl.DisplayName("Loop Consume Upstream"))
)

// kfp-ir/parallel_and_nested/pipeline_in_pipeline.yaml
var (
	pipPrintOp1 = goFuncDo("print-op1", returnMsg)
	pipPrintOp2 = dsl.NewContainerComponent("print-op2", func(in cfMsgIn, _ none) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"echo", in.Msg}}
	})
	pipInner = dsl.NewPipeline("inner-pipeline", func(b *dsl.Builder, in cfMsgIn) none {
		t := pipPrintOp1.Task(b, in)
		pipPrintOp2.Task(b, cfMsgIn{Msg: t.Out.Output})
		return none{}
	})
	pipPipeline = dsl.NewPipeline("pipeline-in-pipeline", func(b *dsl.Builder, _ none) none {
		pipPrintOp1.Task(b, cfMsgIn{Msg: dsl.Lit("Hello")})
		pipInner.Task(b, cfMsgIn{Msg: dsl.Lit("world")})
		return none{}
	})
)

// kfp-ir/parallel_and_nested/pipeline_in_pipeline_complex.yaml
type pipcMsgDefaultIn struct {
	Msg dsl.Param[string] `kfp:"msg" default:"Hello"`
}

var (
	pipcPrintOp3 = dsl.NewContainerComponent("Print Op", func(in cfMsgIn, _ none) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"echo", in.Msg}}
	})
	pipcInner = dsl.NewPipeline("inner-pipeline", func(b *dsl.Builder, in cfMsgIn) none {
		t := pipPrintOp1.Task(b, in)
		dsl.If(b, dsl.Eq(t.Out.Output, dsl.Lit("Hello")), func(b *dsl.Builder) {
			pipPrintOp2.Task(b, cfMsgIn{Msg: dsl.Lit("world")})
		})
		dsl.If(b, dsl.Ne(t.Out.Output, dsl.Lit("Hello")), func(b *dsl.Builder) {
			pipcPrintOp3.Task(b, cfMsgIn{Msg: dsl.Lit("Bye!")})
		})
		return none{}
	})
	pipcPipeline = dsl.NewPipeline("pipeline-in-pipeline-complex", func(b *dsl.Builder, in pipcMsgDefaultIn) none {
		pipPrintOp1.Task(b, cfMsgIn{Msg: in.Msg})
		dsl.ParallelForItems(b, []string{"Hello", "world!"}, func(b *dsl.Builder, item dsl.Param[string]) {
			pipcInner.Task(b, cfMsgIn{Msg: item})
		})
		return none{}
	})
)

func init() {
	add("kfp-ir/cross_loop_after_topology.yaml", clPipeline)
	add("kfp-ir/parallel_and_nested/loop_consume_upstream.yaml", lcuPipeline)
	add("kfp-ir/parallel_and_nested/pipeline_in_pipeline.yaml", pipPipeline)
	add("kfp-ir/parallel_and_nested/pipeline_in_pipeline_complex.yaml", pipcPipeline)
}

// kfp-ir/pipeline_as_exit_task.yaml: a pipeline as the exit task, whose
// PipelineTaskFinalStatus input feeds a dict input (dsl.StatusAsStruct).
type paetStatusIn struct {
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}
type paetStructIn struct {
	Status dsl.Param[map[string]any] `kfp:"status"`
}

var (
	paetPrintOp     = goFunc[cfMessageIn, none]("print-op")
	paetFailOp      = goFuncDo("fail-op", failBody)
	paetGetRunState = goFuncDo("get-run-state", func(_ context.Context, in paetStructIn) (out stringOutput, _ error) {
		state, ok := in.Status.Value()["state"].(string)
		if !ok {
			return out, errors.New("status has no state")
		}
		out.Output.Set(state)
		return out, nil
	})
	paetExitOp = dsl.NewPipeline("conditional-notification", func(b *dsl.Builder, in paetStatusIn) none {
		s := paetGetRunState.Task(b, paetStructIn{Status: dsl.StatusAsStruct(in.Status)})
		dsl.If(b, dsl.Eq(s.Out.Output, dsl.Lit("FAILED")), func(b *dsl.Builder) {
			paetPrintOp.Task(b, cfMessageIn{Message: dsl.Lit("notify task failure.")})
		})
		return none{}
	})
	paetPipeline = dsl.NewPipeline("pipeline-with-task-final-status-conditional", func(b *dsl.Builder, in cfMessageDefaultIn) none {
		exit := paetExitOp.Task(b, paetStatusIn{})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			paetPrintOp.Task(b, cfMessageIn{Message: in.Message})
			paetFailOp.Task(b, cfMessageIn{Message: dsl.Lit("Task failed.")})
		}, dsl.Named("my-pipeline"))
		return none{}
	})
)

func init() {
	add("kfp-ir/pipeline_as_exit_task.yaml", paetPipeline)
}
