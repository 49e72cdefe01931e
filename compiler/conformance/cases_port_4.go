package conformance

import (
	"context"
	"errors"
	"fmt"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"os"
	"strconv"
	"strings"
)

// Ports of condition goldens (batch 4).

// kfp-ir/essential/pipeline_with_nested_conditions_yaml.yaml: components
// loaded from v1 component YAML text (KFP gives each task of such a
// component its own comp-…[-N] spec, hence one component value per task)
// and messages formatted with a task output (dsl.Format).
type ncyOutputOut struct {
	Output dsl.Param[int] `kfp:"output"`
}
type ncyFlipOut struct {
	Output dsl.Param[string] `kfp:"output"`
}

func ncyRandomNum(low, high string) *dsl.Component[none, ncyOutputOut] {
	return dsl.NewContainerComponent("Generate random number", func(_ none, out ncyOutputOut) dsl.Container {
		return dsl.Container{Image: "python:alpine3.9", Command: []any{"sh", "-c"}, Args: []any{
			`mkdir -p "$(dirname $2)" && python -c "import random; print(random.randint($0, $1), end='')" | tee $2`,
			low, high, out.Output}}
	})
}

func ncyPrint() *dsl.Component[cfMsgIn, none] {
	return dsl.NewContainerComponent("Print", func(in cfMsgIn, _ none) dsl.Container {
		return dsl.Container{Image: "python:alpine3.9", Command: []any{"echo", in.Msg}}
	})
}

var (
	ncyFlipCoin = dsl.NewContainerComponent("Flip coin", func(_ none, out ncyFlipOut) dsl.Container {
		return dsl.Container{Image: "python:alpine3.9", Command: []any{"sh", "-c"}, Args: []any{
			`mkdir -p "$(dirname $0)" && python -c "import random; result = 'heads' if random.randint(0,1) == 0 else 'tails'; print(result, end='')" | tee $0`,
			out.Output}}
	})
	ncyPipeline = dsl.NewPipeline("conditional-execution-pipeline", func(b *dsl.Builder, _ none) none {
		flip := ncyFlipCoin.Task(b, none{})
		dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
			num := ncyRandomNum("0", "9").Task(b, none{})
			dsl.If(b, dsl.Gt(num.Out.Output, dsl.Lit(5)), func(b *dsl.Builder) {
				ncyPrint().Task(b, cfMsgIn{Msg: dsl.Format("heads and ", num.Out.Output, " > 5!")})
			})
			dsl.If(b, dsl.Le(num.Out.Output, dsl.Lit(5)), func(b *dsl.Builder) {
				ncyPrint().Task(b, cfMsgIn{Msg: dsl.Format("heads and ", num.Out.Output, " <= 5!")})
			})
		})
		dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("tails")), func(b *dsl.Builder) {
			num := ncyRandomNum("10", "19").Task(b, none{})
			dsl.If(b, dsl.Gt(num.Out.Output, dsl.Lit(15)), func(b *dsl.Builder) {
				ncyPrint().Task(b, cfMsgIn{Msg: dsl.Format("tails and ", num.Out.Output, " > 15!")})
			})
			dsl.If(b, dsl.Le(num.Out.Output, dsl.Lit(15)), func(b *dsl.Builder) {
				ncyPrint().Task(b, cfMsgIn{Msg: dsl.Format("tails and ", num.Out.Output, " <= 15!")})
			})
		})
		return none{}
	}, dsl.DisplayName("Conditional execution pipeline."), dsl.Description("Shows how to use dsl.Condition()."))
)

// kfp-ir/essential/pipeline_with_nested_conditions.yaml
var (
	ncFlipCoin = goFuncDo("flip-coin-op", coinFlip)
	ncPrintOp  = goFunc[cfMsgIn, none]("print-op")
	ncPipeline = dsl.NewPipeline("nested-conditions-pipeline", func(b *dsl.Builder, _ none) none {
		flip1 := ncFlipCoin.Task(b, none{})
		ncPrintOp.Task(b, cfMsgIn{Msg: flip1.Out.Output})
		flip2 := ncFlipCoin.Task(b, none{})
		ncPrintOp.Task(b, cfMsgIn{Msg: flip2.Out.Output})
		dsl.If(b, dsl.Ne(flip1.Out.Output, dsl.Lit("no-such-result")), func(b *dsl.Builder) {
			flip3 := ncFlipCoin.Task(b, none{})
			ncPrintOp.Task(b, cfMsgIn{Msg: flip3.Out.Output})
			dsl.If(b, dsl.Eq(flip2.Out.Output, flip3.Out.Output), func(b *dsl.Builder) {
				flip4 := ncFlipCoin.Task(b, none{})
				ncPrintOp.Task(b, cfMsgIn{Msg: flip4.Out.Output})
			})
		})
		return none{}
	})
)

// kfp-ir/failing/pipeline_with_multiple_exit_handlers.yaml
var (
	mehPrintOp  = goFunc[cfMessageIn, none]("print-op")
	mehFailOp   = goFuncDo("fail-op", failBody)
	mehPipeline = dsl.NewPipeline("pipeline-with-multiple-exit-handlers", func(b *dsl.Builder, in cfMessageDefaultIn) none {
		first := mehPrintOp.Task(b, cfMessageIn{Message: dsl.Lit("First exit handler has worked!")})
		dsl.ExitHandler(b, first, func(b *dsl.Builder) {
			mehPrintOp.Task(b, cfMessageIn{Message: in.Message})
			mehFailOp.Task(b, cfMessageIn{Message: dsl.Lit("Task failed.")})
		})
		second := mehPrintOp.Task(b, cfMessageIn{Message: dsl.Lit("Second exit handler has worked!")})
		dsl.ExitHandler(b, second, func(b *dsl.Builder) {
			mehPrintOp.Task(b, cfMessageIn{Message: in.Message})
		})
		third := mehPrintOp.Task(b, cfMessageIn{Message: dsl.Lit("Third exit handler has worked!")})
		dsl.ExitHandler(b, third, func(b *dsl.Builder) {
			mehPrintOp.Task(b, cfMessageIn{Message: in.Message})
		})
		return none{}
	})
)

// kfp-ir/local_execution/local_execution_pipeline_with_exit_handler.yaml
type leStatusIn struct {
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}
type leMessageDefaultIn struct {
	Message dsl.Param[string] `kfp:"message" default:"hello"`
}

var (
	leRecordExit = goFuncDo("record-exit", func(_ context.Context, in leStatusIn) (out stringOutput, _ error) {
		out.Output.Set("exit:" + in.Status.State)
		return out, nil
	})
	leEcho = goFuncDo("echo", func(_ context.Context, in cfMessageIn) (out stringOutput, _ error) {
		out.Output.Set(in.Message.Value())
		return out, nil
	})
	leExitHandler = dsl.NewPipeline("pipeline-with-exit-handler", func(b *dsl.Builder, in leMessageDefaultIn) none {
		exit := leRecordExit.Task(b, leStatusIn{})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			leEcho.Task(b, cfMessageIn{Message: in.Message})
		})
		return none{}
	}, dsl.Description("Runs `echo` inside an ExitHandler.\nOn success the exit task receives a PipelineTaskFinalStatus with\n"+
		"state='SUCCEEDED'. No pipeline output — KFP's compiler rejects\nreturning a value from inside an ExitHandler."))
)

// kfp-ir/local_execution/local_execution_pipeline_with_k8s_only_methods.yaml
var leK8sOnly = dsl.NewPipeline("pipeline-with-k8s-only-methods", func(b *dsl.Builder, in leMessageDefaultIn) stringOutput {
	return leEcho.Task(b, cfMessageIn{Message: in.Message}).
		SetCPULimit("1000m").SetMemoryLimit("256Mi").SetAcceleratorType("nvidia.com/gpu").Out
})

// kfp-ir/local_execution/local_execution_pipeline_with_retry.yaml
type leCounterIn struct {
	CounterPath dsl.Param[string] `kfp:"counter_path"`
}

var (
	leFlaky = goFuncDo("flaky", func(_ context.Context, in leCounterIn) (out stringOutput, _ error) {
		count := 0
		if b, err := os.ReadFile(in.CounterPath.Value()); err == nil {
			if s := strings.TrimSpace(string(b)); s != "" {
				if count, err = strconv.Atoi(s); err != nil {
					return out, err
				}
			}
		}
		count++
		if err := os.WriteFile(in.CounterPath.Value(), []byte(strconv.Itoa(count)), 0o644); err != nil {
			return out, err
		}
		if count <= 1 {
			return out, fmt.Errorf("flaky attempt %d", count)
		}
		out.Output.Set(fmt.Sprintf("attempt=%d", count))
		return out, nil
	})
	leRetry = dsl.NewPipeline("pipeline-with-retry", func(b *dsl.Builder, in leCounterIn) stringOutput {
		return leFlaky.Task(b, in).SetRetry(3, dsl.BackoffDuration(0), dsl.BackoffFactor(1.0)).Out
	})
)

func init() {
	add("kfp-ir/essential/pipeline_with_nested_conditions_yaml.yaml", ncyPipeline)
	add("kfp-ir/essential/pipeline_with_nested_conditions.yaml", ncPipeline)
	add("kfp-ir/failing/pipeline_with_multiple_exit_handlers.yaml", mehPipeline)
	add("kfp-ir/local_execution/local_execution_pipeline_with_exit_handler.yaml", leExitHandler)
	add("kfp-ir/local_execution/local_execution_pipeline_with_k8s_only_methods.yaml", leK8sOnly)
	add("kfp-ir/local_execution/local_execution_pipeline_with_retry.yaml", leRetry)
}

// failBody is fail_op: the Python function exits with status 1.
func failBody(context.Context, cfMessageIn) (none, error) {
	return none{}, errors.New("exit status 1")
}
