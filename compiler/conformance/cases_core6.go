package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// kfp-ir/sequential_v2.yaml
type urlIn struct {
	URL dsl.Param[string] `kfp:"url"`
}
type downloadedOut struct {
	Downloaded dsl.Param[string] `kfp:"downloaded"`
}
type downloadedIn struct {
	Downloaded dsl.Param[string] `kfp:"downloaded"`
}

var download = dsl.NewContainerComponent("download", func(in urlIn, out downloadedOut) dsl.Container {
	return dsl.Container{Image: "google/cloud-sdk", Command: []any{"sh", "-c"}, Args: []any{dsl.Join("gsutil cp ", in.URL, " ", out.Downloaded)}}
})

var echoDownloaded = dsl.NewContainerComponent("echo", func(in downloadedIn, _ none) dsl.Container {
	return dsl.Container{Image: "library/bash", Command: []any{"sh", "-c"}, Args: []any{dsl.Join("echo ", in.Downloaded)}}
})

var sequential = dsl.NewPipeline("sequential", func(b *dsl.Builder, in urlIn) none {
	d := download.Task(b, in)
	echoDownloaded.Task(b, downloadedIn{Downloaded: d.Out.Downloaded})
	return none{}
})

// kfp-ir/pipeline_with_concat_placeholder.yaml
type twoInputs struct {
	InputOne dsl.Param[string] `kfp:"input_one"`
	InputTwo dsl.Param[string] `kfp:"input_two"`
}

var withConcat = dsl.NewContainerComponent("component with concat placeholder", func(in twoInputs, _ none) dsl.Container {
	return dsl.Container{Image: "ghcr.io/containerd/busybox", Command: []any{"sh", "-ec"},
		Args: []any{`echo "$0" > /tmp/test && [[ "$0" == 'one+two=three' ]]`, dsl.Concat(in.InputOne, "+", in.InputTwo, "=three")}}
})

var concatPlaceholderPipeline = dsl.NewPipeline("one-step-pipeline-with-concat-placeholder", func(b *dsl.Builder, _ none) none {
	withConcat.Task(b, twoInputs{InputOne: dsl.Lit("one"), InputTwo: dsl.Lit("two")})
	return none{}
})

// kfp-ir/essential/placeholder_with_if_placeholder_none_input_value.yaml
type optionalInputs struct {
	RequiredInput  dsl.Param[string] `kfp:"required_input"`
	OptionalInput1 dsl.Param[string] `kfp:"optional_input_1,optional"`
	OptionalInput2 dsl.Param[string] `kfp:"optional_input_2,optional"`
}
type input0In struct {
	Input0 dsl.Param[string] `kfp:"input0" default:"input0"`
}

var withOptionalInputs = dsl.NewContainerComponent("component with optional inputs", func(in optionalInputs, _ none) dsl.Container {
	return dsl.Container{Image: "ghcr.io/containerd/busybox", Command: []any{"echo"}, Args: []any{
		"--arg0", in.RequiredInput,
		dsl.IfPresent(in.OptionalInput1, []any{"--arg1", in.OptionalInput1}, nil),
		dsl.IfPresent(in.OptionalInput2, []any{"--arg2", in.OptionalInput2}, []any{"--arg2", "default value"}),
	}}
})

var ifPlaceholderNone = dsl.NewPipeline("one-step-pipeline-with-if-placeholder-supply-none", func(b *dsl.Builder, in input0In) none {
	withOptionalInputs.Task(b, optionalInputs{RequiredInput: in.Input0})
	return none{}
})

func init() {
	add("kfp-ir/sequential_v2.yaml", sequential)
	add("kfp-ir/pipeline_with_concat_placeholder.yaml", concatPlaceholderPipeline)
	add("kfp-ir/essential/placeholder_with_if_placeholder_none_input_value.yaml", ifPlaceholderNone)
	// The CA-bundle goldens differ from hello_world only in how the run is
	// configured on the cluster (not in the IR): the same pipeline reproduces them.
	add("kfp-ir/mounted_cabundle_secret.yaml", helloWorld)
	add("kfp-ir/mounted_cabundle_configmap.yaml", helloWorld)
}
