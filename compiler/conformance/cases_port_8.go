package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of importer, formatted-message and exit-task goldens (batch 8).

// kfp-ir/pipeline_with_importer.yaml
type pwiTrainIn struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}
type pwiTrainOut struct {
	Scalar dsl.Param[string]       `kfp:"scalar"`
	Model  dsl.Artifact[dsl.Model] `kfp:"model"`
}
type pwiPipelineIn struct {
	Dataset2 dsl.Param[string] `kfp:"dataset2" default:"gs://ml-pipeline-playground/shakespeare2.txt"`
}

var (
	// pwiTrain reads its dataset and returns scalar "123" and a model whose
	// text names the data (KFP writes a returned artifact's text to its
	// path).
	pwiTrain = goFuncDo("train", func(ctx context.Context, in pwiTrainIn) (pwiTrainOut, error) {
		out := dsl.Outputs[pwiTrainOut](ctx)
		b, err := os.ReadFile(in.Dataset.Path())
		if err != nil {
			return *out, err
		}
		out.Scalar.Set("123")
		return *out, os.WriteFile(out.Model.Path(), []byte("My model trained using data: "+string(b)), 0o644)
	})
	pwiPipeline = dsl.NewPipeline("pipeline-with-importer", func(b *dsl.Builder, in pwiPipelineIn) none {
		imp1 := dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://ml-pipeline-playground/shakespeare1.txt"), dsl.ImportMetadata(map[string]any{"key": "value"}))
		t1 := pwiTrain.Task(b, pwiTrainIn{Dataset: imp1.Out.Artifact})
		dsl.If(b, dsl.Eq(t1.Out.Scalar, dsl.Lit("123")), func(b *dsl.Builder) {
			imp2 := dsl.Importer[dsl.Dataset](b, in.Dataset2, dsl.Reimport())
			pwiTrain.Task(b, pwiTrainIn{Dataset: imp2.Out.Artifact})
		})
		return none{}
	})
)

// kfp-ir/critical/flip_coin.yaml: messages formatted with a task output
// ("heads and %s > 5!" % output in Python) are dsl.Format.
type fcLowHighIn struct {
	Low  dsl.Param[int] `kfp:"low"`
	High dsl.Param[int] `kfp:"high"`
}

var (
	fcRandomNum = goFuncDo("random-num", func(_ context.Context, in fcLowHighIn) (out intOutput, _ error) {
		lo, hi := in.Low.Value(), in.High.Value()
		if hi < lo {
			return out, fmt.Errorf("empty range for randint (%d, %d)", lo, hi+1)
		}
		out.Output.Set(lo + rand.IntN(hi-lo+1))
		return out, nil
	})
	fcFlipCoin = goFuncDo("flip-coin", coinFlip)
	fcPrintMsg = goFunc[cfMsgIn, none]("print-msg")
	fcPipeline = dsl.NewPipeline("conditional-execution-pipeline", func(b *dsl.Builder, _ none) none {
		flip := fcFlipCoin.Task(b, none{}).SetCaching(false)
		side := func(name string, low, high, mid int) {
			dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit(name)), func(b *dsl.Builder) {
				num := fcRandomNum.Task(b, fcLowHighIn{Low: dsl.Lit(low), High: dsl.Lit(high)}).SetCaching(false)
				dsl.If(b, dsl.Gt(num.Out.Output, dsl.Lit(mid)), func(b *dsl.Builder) {
					fcPrintMsg.Task(b, cfMsgIn{Msg: dsl.Format(name+" and ", num.Out.Output, " > ", dsl.Lit(mid), "!")}).SetCaching(false)
				})
				dsl.If(b, dsl.Le(num.Out.Output, dsl.Lit(mid)), func(b *dsl.Builder) {
					fcPrintMsg.Task(b, cfMsgIn{Msg: dsl.Format(name+" and ", num.Out.Output, " <= ", dsl.Lit(mid), "!")}).SetCaching(false)
				})
			})
		}
		side("heads", 0, 9, 5)
		side("tails", 10, 19, 15)
		return none{}
	}, dsl.Description("Shows how to use dsl.If()."))
)

// kfp-ir/pipeline_with_task_final_status_yaml.yaml
type tfsyExitIn struct {
	UserInput dsl.Param[string]           `kfp:"user_input"`
	Status    dsl.PipelineTaskFinalStatus `kfp:"status"`
}

var (
	tfsyExitOp = dsl.NewContainerComponent("Exit Op", func(in tfsyExitIn, _ none) dsl.Container {
		return dsl.Container{Image: ubiPython, Command: []any{"echo", "user input:", in.UserInput, "pipeline status:", in.Status}}
	})
	tfsyPrintOp = dsl.NewContainerComponent("Print Op", func(in cfMessageIn, _ none) dsl.Container {
		return dsl.Container{Image: ubiPython, Command: []any{"echo", in.Message}}
	})
	tfsyPipeline = dsl.NewPipeline("pipeline-with-task-final-status-yaml", func(b *dsl.Builder, in cfMessageDefaultIn) none {
		exit := tfsyExitOp.Task(b, tfsyExitIn{UserInput: in.Message})
		dsl.ExitHandler(b, exit, func(b *dsl.Builder) {
			tfsyPrintOp.Task(b, cfMessageIn{Message: in.Message})
		}, dsl.Named("my-pipeline"))
		return none{}
	})
)

func init() {
	add("kfp-ir/pipeline_with_importer.yaml", pwiPipeline)
	add("kfp-ir/critical/flip_coin.yaml", fcPipeline)
	add("kfp-ir/pipeline_with_task_final_status_yaml.yaml", tfsyPipeline)
}
