package conformance

import (
	"context"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// goImage is the image of Go-function ports of Python-function components;
// the conformance comparison skips those executors' image, command and args.
const goImage = "ko://github.com/kfpgo/kfpgo/compiler/conformance/cmd/ports"

// goFunc declares a Go-function port with the interface of a Python
// function component; its body is never run by the conformance test.
func goFunc[In, Out any](name string) *dsl.Component[In, Out] {
	return dsl.NewComponent(name, func(context.Context, In) (Out, error) {
		var out Out
		return out, nil
	}, dsl.Image(goImage))
}

type stringOutput struct {
	Output dsl.Param[string] `kfp:"Output"`
}

// kfp-ir/essential/concat_message.yaml
type concatMessageIn struct {
	Message1 dsl.Param[string] `kfp:"message1"`
	Message2 dsl.Param[string] `kfp:"message2"`
}

var concatMessage = goFunc[concatMessageIn, stringOutput]("concat_message")

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

var envComp = goFunc[envVarIn, stringOutput]("comp")

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

var readEnvVar = goFunc[readEnvIn, stringOutput]("read_env_var")

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
