package conformance

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// goImage is the image of Go-function ports of Python-function components;
// the conformance comparison skips those executors' image, command and args.
const goImage = "ko://github.com/kfpgo/kfpgo/compiler/conformance/cmd/ports"

// goFunc declares a Go-function port with the interface of a Python
// function component and a body that returns the zero Out: enough to compile,
// and to run when the port has no output parameters.
func goFunc[In, Out any](name string) *dsl.Component[In, Out] {
	return goFuncDo(name, func(context.Context, In) (Out, error) {
		var out Out
		return out, nil
	})
}

// goFuncDo declares a Go-function port whose body fn does what the golden's
// Python function does, so that a local run of the port checks real outputs.
func goFuncDo[In, Out any](name string, fn func(context.Context, In) (Out, error)) *dsl.Component[In, Out] {
	c := dsl.NewComponent(name, fn, dsl.Image(goImage))
	ports[c.IR()] = c
	return c
}

// ports maps the graph node of every Go-function port to the port itself:
// component names repeat across goldens, so a run of one case picks its own
// functions through its pipeline's graph, not by name.
var ports = map[*ir.Component]dsl.Runnable{}

// coinFlip is the body of the goldens' flip_coin functions: "heads" or
// "tails" at random.
func coinFlip(context.Context, none) (out stringOutput, _ error) {
	out.Output.Set([]string{"heads", "tails"}[rand.IntN(2)])
	return out, nil
}

// returnMsg is the body of functions that return their message input.
func returnMsg(_ context.Context, in cfMsgIn) (out stringOutput, _ error) {
	out.Output.Set(in.Msg.Value())
	return out, nil
}

// constant returns the body of a function that returns s.
func constant(s string) func(context.Context, none) (stringOutput, error) {
	return func(context.Context, none) (out stringOutput, _ error) {
		out.Output.Set(s)
		return out, nil
	}
}

type stringOutput struct {
	Output dsl.Param[string] `kfp:"Output"`
}

// kfp-ir/essential/concat_message.yaml
type concatMessageIn struct {
	Message1 dsl.Param[string] `kfp:"message1"`
	Message2 dsl.Param[string] `kfp:"message2"`
}

var concatMessage = goFuncDo("concat_message", func(_ context.Context, in concatMessageIn) (out stringOutput, _ error) {
	out.Output.Set(in.Message1.Value() + in.Message2.Value())
	return out, nil
})

var concatMessagePipeline = dsl.NewPipeline("concat-message", func(b *dsl.Builder, in concatMessageIn) stringOutput {
	return concatMessage.Task(b, in).Out
})

// kfp-ir/essential/dict_input.yaml
type dictInputIn struct {
	Struct dsl.Param[map[string]any] `kfp:"struct"`
}

var dictInput = goFunc[dictInputIn, none]("dict_input")

var dictInputPipeline = dsl.NewPipeline("dict-input", func(b *dsl.Builder, in dictInputIn) none {
	dictInput.Task(b, in)
	return none{}
})

// kfp-ir/env-var.yaml
type envVarIn struct {
	EnvVar dsl.Param[string] `kfp:"env_var"`
}

var envComp = goFuncDo("comp", func(_ context.Context, in envVarIn) (out stringOutput, _ error) {
	v := os.Getenv(in.EnvVar.Value())
	if v == "" {
		return out, errors.New("env var is not set")
	}
	out.Output.Set(v)
	return out, nil
})

var envVarPipeline = dsl.NewPipeline("test-env-exists", func(b *dsl.Builder, in envVarIn) stringOutput {
	return envComp.Task(b, in).SetCaching(false).Out
})

// kfp-ir/essential/component_with_env_variable.yaml
type readEnvIn struct {
	VarName dsl.Param[string] `kfp:"var_name"`
}
type readEnvPipelineIn struct {
	VarName dsl.Param[string] `kfp:"var_name" default:"KFP_TEST_ENV_VAR"`
}

var readEnvVar = goFuncDo("read_env_var", func(_ context.Context, in readEnvIn) (out stringOutput, _ error) {
	v, ok := os.LookupEnv(in.VarName.Value())
	if !ok {
		v = "UNSET"
	}
	out.Output.Set(v)
	return out, nil
})

var envVariablePipeline = dsl.NewPipeline("pipeline-with-env-variable", func(b *dsl.Builder, in readEnvPipelineIn) stringOutput {
	return readEnvVar.Task(b, readEnvIn{VarName: in.VarName}).SetEnv("KFP_TEST_ENV_VAR", "env_var_value").Out
})

// kfp-ir/pipeline_with_only_display_name.yaml
var echoPy312 = dsl.NewContainerComponent("echo", func(none, none) dsl.Container {
	return dsl.Container{Image: "public.ecr.aws/docker/library/python:3.12", Command: []any{"echo"}, Args: []any{"hello world"}}
})

var onlyDisplayName = dsl.NewPipeline("echo-name", func(b *dsl.Builder, _ none) none {
	echoPy312.Task(b, none{})
	return none{}
}, dsl.DisplayName("echo-displayname"))

func init() {
	add("kfp-ir/essential/concat_message.yaml", concatMessagePipeline)
	add("kfp-ir/essential/dict_input.yaml", dictInputPipeline)
	add("kfp-ir/env-var.yaml", envVarPipeline)
	add("kfp-ir/essential/component_with_env_variable.yaml", envVariablePipeline)
	add("kfp-ir/pipeline_with_only_display_name.yaml", onlyDisplayName)
	// The run_as_user goldens are hello_world compiled with another SDK
	// version: the same pipeline reproduces them.
	add("kfp-ir/run_as_user_cache_disabled.yaml", helloWorld)
	add("kfp-ir/run_as_user_cache_enabled.yaml", helloWorld)
}
