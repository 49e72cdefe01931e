package conformance

import (
	"context"
	"os"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of the "essential" goldens (batch 3).

// kfp-ir/essential/component_with_pip_install.yaml and
// kfp-ir/essential/component_with_pip_install_in_venv.yaml: a Python
// component compiled as a pipeline; pip packages and the venv only change
// its (uncompared) command, so one port reproduces both.
var (
	pipInstallComp     = goFunc[none, none]("component-with-pip-install")
	pipInstallPipeline = dsl.NewPipeline("component-with-pip-install", func(b *dsl.Builder, _ none) none {
		pipInstallComp.Task(b, none{})
		return none{}
	})
)

// kfp-ir/essential/pipeline_with_condition.yaml
type condTextIn struct {
	Text dsl.Param[string] `kfp:"text" default:"condition test"`
}

var (
	condFlipCoin = goFuncDo("flip-coin-op", coinFlip)
	condPrintOp  = goFunc[cfMsgIn, none]("print-op")
	condPipeline = dsl.NewPipeline("single-condition-pipeline", func(b *dsl.Builder, in condTextIn) none {
		flip1 := condFlipCoin.Task(b, none{}).SetCaching(false)
		condPrintOp.Task(b, cfMsgIn{Msg: flip1.Out.Output})
		dsl.If(b, dsl.Eq(flip1.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
			flip2 := condFlipCoin.Task(b, none{}).SetCaching(false)
			condPrintOp.Task(b, cfMsgIn{Msg: flip2.Out.Output})
			condPrintOp.Task(b, cfMsgIn{Msg: in.Text})
		})
		return none{}
	})
)

// kfp-ir/essential/pipeline_with_outputs.yaml
type poDataOut struct {
	Data dsl.Artifact[dsl.Generic] `kfp:"data"`
}
type poInnerOut struct {
	Msg  dsl.Param[string]         `kfp:"msg"`
	Data dsl.Artifact[dsl.Generic] `kfp:"data"`
}
type poMsgDefaultIn struct {
	Msg dsl.Param[string] `kfp:"msg" default:"Hello"`
}
type poOut struct {
	Output dsl.Artifact[dsl.Generic] `kfp:"Output"`
}

var (
	poPrintOp1 = goFuncDo("print-op1", returnMsg)
	poPrintOp2 = dsl.NewContainerComponent("print-op2", func(in cfMsgIn, out poDataOut) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{"sh", "-c", `mkdir --parents $(dirname "$1") && echo "$0" > "$1"`},
			Args: []any{in.Msg, out.Data}}
	})
	poInner = dsl.NewPipeline("inner-pipeline", func(b *dsl.Builder, in cfMsgIn) poInnerOut {
		t1 := poPrintOp1.Task(b, in)
		t2 := poPrintOp2.Task(b, cfMsgIn{Msg: t1.Out.Output})
		return poInnerOut{Msg: t1.Out.Output, Data: t2.Out.Data}
	})
	poPipeline = dsl.NewPipeline("pipeline-in-pipeline", func(b *dsl.Builder, in poMsgDefaultIn) poOut {
		poPrintOp1.Task(b, cfMsgIn{Msg: in.Msg})
		t2 := poInner.Task(b, cfMsgIn{Msg: dsl.Lit("world")})
		return poOut{Output: t2.Out.Data}
	})
)

// kfp-ir/essential/pipeline_with_reused_component.yaml: add_op is loaded
// from a compiled pipeline YAML (critical/add_numbers.yaml); KFP gives each
// task of such a component its own comp-add-numbers[-N] spec, which three
// component values of the same name reproduce.
type reusedABIn struct {
	A dsl.Param[int] `kfp:"a"`
	B dsl.Param[int] `kfp:"b"`
}
type reusedPipelineIn struct {
	A dsl.Param[int] `kfp:"a" default:"2"`
	B dsl.Param[int] `kfp:"b" default:"5"`
}

var (
	reusedAdd1     = goFuncDo("add-numbers", addInts)
	reusedAdd2     = goFuncDo("add-numbers", addInts)
	reusedAdd3     = goFuncDo("add-numbers", addInts)
	reusedPipeline = dsl.NewPipeline("pipeline-with-reused-component", func(b *dsl.Builder, in reusedPipelineIn) none {
		t1 := reusedAdd1.Task(b, reusedABIn{A: in.A, B: dsl.Lit(3)})
		t2 := reusedAdd2.Task(b, reusedABIn{A: t1.Out.Output, B: in.B})
		reusedAdd3.Task(b, reusedABIn{A: t2.Out.Output, B: dsl.Lit(7)})
		return none{}
	})
)

// kfp-ir/essential/lightweight_python_functions_with_outputs.yaml

// lwMetricsJSON is the metrics text output_named_tuple returns.
const lwMetricsJSON = `{"metrics": [{"name": "accuracy", "numberValue": 0.9, "format": "PERCENTAGE"}]}`

type lwFirstSecondStr struct {
	First  dsl.Param[string] `kfp:"first"`
	Second dsl.Param[string] `kfp:"second"`
}
type lwFirstSecondInt struct {
	First  dsl.Param[int] `kfp:"first"`
	Second dsl.Param[int] `kfp:"second"`
}
type lwOutputArtifactIn struct {
	Number  dsl.Param[int]    `kfp:"number"`
	Message dsl.Param[string] `kfp:"message"`
}
type lwNamedTupleIn struct {
	Artifact dsl.Artifact[dsl.Dataset] `kfp:"artifact"`
}
type lwNamedTupleOut struct {
	Scalar  dsl.Param[string]         `kfp:"scalar"`
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
	Model   dsl.Artifact[dsl.Model]   `kfp:"model"`
}
type lwPipelineIn struct {
	FirstMessage  dsl.Param[string] `kfp:"first_message"`
	SecondMessage dsl.Param[string] `kfp:"second_message"`
	FirstNumber   dsl.Param[int]    `kfp:"first_number"`
	SecondNumber  dsl.Param[int]    `kfp:"second_number"`
}

var (
	lwConcatMessage = goFuncDo("concat-message", func(_ context.Context, in lwFirstSecondStr) (out stringOutput, _ error) {
		out.Output.Set(in.First.Value() + in.Second.Value())
		return out, nil
	})
	lwAddNumbers = goFuncDo("add-numbers", func(_ context.Context, in lwFirstSecondInt) (out intOutput, _ error) {
		out.Output.Set(in.First.Value() + in.Second.Value())
		return out, nil
	})
	// lwOutputArtifact returns message repeated number times, one per line,
	// as its dataset (KFP writes a returned artifact's text to its path).
	lwOutputArtifact = goFuncDo("output-artifact", func(ctx context.Context, in lwOutputArtifactIn) (datasetOutput, error) {
		out := dsl.Outputs[datasetOutput](ctx)
		lines := make([]string, max(in.Number.Value(), 0))
		for i := range lines {
			lines[i] = in.Message.Value()
		}
		return *out, os.WriteFile(out.Output.Path(), []byte(strings.Join(lines, "\n")), 0o644)
	})
	// lwOutputNamedTuple returns scalar "123", an accuracy metric of 0.9
	// (the JSON text Python's json.dumps gives) and a model whose text
	// embeds its input artifact's contents.
	lwOutputNamedTuple = goFuncDo("output-named-tuple", func(ctx context.Context, in lwNamedTupleIn) (lwNamedTupleOut, error) {
		out := dsl.Outputs[lwNamedTupleOut](ctx)
		b, err := os.ReadFile(in.Artifact.Path())
		if err != nil {
			return *out, err
		}
		out.Scalar.Set("123")
		if err := os.WriteFile(out.Metrics.Path(), []byte(lwMetricsJSON), 0o644); err != nil {
			return *out, err
		}
		return *out, os.WriteFile(out.Model.Path(), []byte("Model contents: "+string(b)), 0o644)
	})
	lwPipeline = dsl.NewPipeline("functions-with-outputs", func(b *dsl.Builder, in lwPipelineIn) none {
		c := lwConcatMessage.Task(b, lwFirstSecondStr{First: in.FirstMessage, Second: in.SecondMessage})
		a := lwAddNumbers.Task(b, lwFirstSecondInt{First: in.FirstNumber, Second: in.SecondNumber})
		o := lwOutputArtifact.Task(b, lwOutputArtifactIn{Number: a.Out.Output, Message: c.Out.Output})
		lwOutputNamedTuple.Task(b, lwNamedTupleIn{Artifact: o.Out.Output})
		return none{}
	})
)

func init() {
	add("kfp-ir/essential/component_with_pip_install.yaml", pipInstallPipeline)
	add("kfp-ir/essential/component_with_pip_install_in_venv.yaml", pipInstallPipeline)
	add("kfp-ir/essential/pipeline_with_condition.yaml", condPipeline)
	add("kfp-ir/essential/pipeline_with_outputs.yaml", poPipeline)
	add("kfp-ir/essential/pipeline_with_reused_component.yaml", reusedPipeline)
	add("kfp-ir/essential/lightweight_python_functions_with_outputs.yaml", lwPipeline)
}

// addInts is add_numbers(a, b): a + b.
func addInts(_ context.Context, in reusedABIn) (out intOutput, _ error) {
	out.Output.Set(in.A.Value() + in.B.Value())
	return out, nil
}
