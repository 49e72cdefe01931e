package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of the core goldens: container components, parameters, artifacts,
// task settings (no control flow, no Kubernetes options).

const ubiPython = "registry.access.redhat.com/ubi9/python-311:latest"

type none = struct{}

// kfp-ir/hello_world.yaml: a container component compiled as a pipeline.
var helloWorldEcho = dsl.NewContainerComponent("echo", func(none, none) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"echo"}, Args: []any{"hello world"}}
})

var helloWorld = dsl.NewPipeline("echo", func(b *dsl.Builder, _ none) none {
	helloWorldEcho.Task(b, none{})
	return none{}
})

// kfp-ir/container_io.yaml
type containerIOIn struct {
	Text dsl.Param[string] `kfp:"text"`
}
type containerIOOut struct {
	OutputPath dsl.Param[string] `kfp:"output_path"`
}

var containerIO = dsl.NewContainerComponent("container-io", func(in containerIOIn, out containerIOOut) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"my_program", in.Text}, Args: []any{"--output_path", out.OutputPath}}
})

var containerIOPipeline = dsl.NewPipeline("container-io", func(b *dsl.Builder, in containerIOIn) containerIOOut {
	return containerIO.Task(b, in).Out
})

// kfp-ir/container_with_artifact_output.yaml
type artifactOutputIn struct {
	NumEpochs dsl.Param[int] `kfp:"num_epochs"`
}
type artifactOutputOut struct {
	Model           dsl.Artifact[dsl.Model] `kfp:"model"`
	ModelConfigPath dsl.Param[string]       `kfp:"model_config_path"`
}

var containerWithArtifactOutput = dsl.NewContainerComponent("container-with-artifact-output", func(in artifactOutputIn, out artifactOutputOut) dsl.Container {
	return dsl.Container{Image: "gcr.io/my-image", Command: []any{"sh", "run.sh"}, Args: []any{
		"--epochs", in.NumEpochs,
		"--model_path", dsl.URIOf(out.Model),
		"--model_metadata", dsl.MetadataOf(out.Model),
		"--model_config_path", out.ModelConfigPath,
	}}
})

var containerWithArtifactOutputPipeline = dsl.NewPipeline("container-with-artifact-output", func(b *dsl.Builder, in artifactOutputIn) artifactOutputOut {
	return containerWithArtifactOutput.Task(b, in).Out
})

// kfp-ir/container_with_concat_placeholder.yaml
type concatIn struct {
	Text1 dsl.Param[string] `kfp:"text1"`
}
type concatOut struct {
	Text2      dsl.Artifact[dsl.Dataset] `kfp:"text2"`
	OutputPath dsl.Param[string]         `kfp:"output_path"`
}

var containerWithConcat = dsl.NewContainerComponent("container-with-concat-placeholder", func(in concatIn, out concatOut) dsl.Container {
	return dsl.Container{Image: ubiPython,
		Command: []any{"my_program", dsl.Concat("prefix-", in.Text1, dsl.URIOf(out.Text2))},
		Args:    []any{"--output_path", out.OutputPath}}
})

var containerWithConcatPipeline = dsl.NewPipeline("container-with-concat-placeholder", func(b *dsl.Builder, in concatIn) concatOut {
	return containerWithConcat.Task(b, in).Out
})

// kfp-ir/critical/container_component_with_no_inputs.yaml
var helloWorldContainer = dsl.NewContainerComponent("hello_world_container", func(none, none) dsl.Container {
	return dsl.Container{Image: ubiPython, Command: []any{"echo", "hello world"}}
})

var noInputs = dsl.NewPipeline("v2-container-component-no-input", func(b *dsl.Builder, _ none) none {
	helloWorldContainer.Task(b, none{})
	return none{}
})

func init() {
	add("kfp-ir/hello_world.yaml", helloWorld)
	add("kfp-ir/container_io.yaml", containerIOPipeline)
	add("kfp-ir/container_with_artifact_output.yaml", containerWithArtifactOutputPipeline)
	add("kfp-ir/container_with_concat_placeholder.yaml", containerWithConcatPipeline)
	add("kfp-ir/critical/container_component_with_no_inputs.yaml", noInputs)
}
