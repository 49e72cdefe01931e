package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of goldens built from v1 component YAML and Vertex AI components
// (batch b2).

// bqmlModel is the google-cloud-pipeline-components artifact kind
// google.BQMLModel.
type bqmlModel struct{}

// SchemaTitle returns "google.BQMLModel".
func (bqmlModel) SchemaTitle() string { return "google.BQMLModel" }

// SchemaVersion returns "0.0.1".
func (bqmlModel) SchemaVersion() string { return "0.0.1" }

// kfp-ir/pipeline_with_various_io_types.yaml: v1 component types without a
// system artifact of their own (no type, Datasets, "Some arbitrary type",
// {GcsPath: ...}) are system.Artifact, i.e. dsl.Generic.
type vioUpIn struct {
	Input1 dsl.Param[string]         `kfp:"input_1"`
	Input2 dsl.Param[float64]        `kfp:"input_2"`
	Input3 dsl.Artifact[dsl.Generic] `kfp:"input_3"`
	Input4 dsl.Param[string]         `kfp:"input_4"`
}
type vioUpOut struct {
	Output1 dsl.Param[int]            `kfp:"output_1"`
	Output2 dsl.Artifact[dsl.Model]   `kfp:"output_2"`
	Output3 dsl.Artifact[dsl.Generic] `kfp:"output_3"`
	Output4 dsl.Artifact[dsl.Model]   `kfp:"output_4"`
	Output5 dsl.Artifact[dsl.Generic] `kfp:"output_5"`
	Output6 dsl.Artifact[dsl.Generic] `kfp:"output_6"`
	Output7 dsl.Artifact[dsl.Generic] `kfp:"output_7"`
	Output8 dsl.Artifact[dsl.HTML]    `kfp:"output_8"`
	Output9 dsl.Artifact[bqmlModel]   `kfp:"output_9"`
}
type vioDownIn struct {
	InputA dsl.Param[int]            `kfp:"input_a"`
	InputB dsl.Artifact[dsl.Model]   `kfp:"input_b"`
	InputC dsl.Artifact[dsl.Generic] `kfp:"input_c"`
	InputD dsl.Artifact[dsl.Model]   `kfp:"input_d"`
	InputE dsl.Artifact[dsl.Generic] `kfp:"input_e"`
	InputF dsl.Artifact[dsl.Generic] `kfp:"input_f"`
	InputG dsl.Artifact[dsl.Generic] `kfp:"input_g"`
	InputH dsl.Artifact[dsl.HTML]    `kfp:"input_h"`
	InputI dsl.Artifact[bqmlModel]   `kfp:"input_i"`
}
type vioPipelineIn struct {
	Input1 dsl.Param[string]         `kfp:"input1"`
	Input3 dsl.Artifact[dsl.Generic] `kfp:"input3"`
	Input4 dsl.Param[string]         `kfp:"input4" default:""`
}

var (
	vioUpstream = dsl.NewContainerComponent("upstream", func(in vioUpIn, out vioUpOut) dsl.Container {
		return dsl.Container{Image: "gcr.io/image", Args: []any{
			in.Input1, in.Input2, dsl.PathOf(in.Input3), in.Input4,
			out.Output1, dsl.URIOf(out.Output2), dsl.PathOf(out.Output3), dsl.URIOf(out.Output4),
			dsl.URIOf(out.Output5), dsl.PathOf(out.Output6), dsl.PathOf(out.Output7), dsl.PathOf(out.Output8),
		}}
	})
	vioDownstream = dsl.NewContainerComponent("downstream", func(in vioDownIn, _ none) dsl.Container {
		return dsl.Container{Image: "gcr.io/image", Args: []any{
			in.InputA, dsl.URIOf(in.InputB), dsl.PathOf(in.InputC), dsl.URIOf(in.InputD),
			dsl.URIOf(in.InputE), dsl.PathOf(in.InputF), dsl.PathOf(in.InputG), dsl.PathOf(in.InputH),
		}}
	})
	vioPipeline = dsl.NewPipeline("pipeline-with-various-types", func(b *dsl.Builder, in vioPipelineIn) none {
		up := vioUpstream.Task(b, vioUpIn{Input1: in.Input1, Input2: dsl.Lit(3.1415926), Input3: in.Input3, Input4: in.Input4})
		o := up.Out
		vioDownstream.Task(b, vioDownIn{InputA: o.Output1, InputB: o.Output2, InputC: o.Output3, InputD: o.Output4,
			InputE: o.Output5, InputF: o.Output6, InputG: o.Output7, InputH: o.Output8, InputI: o.Output9})
		return none{}
	})
)

func init() {
	add("kfp-ir/pipeline_with_various_io_types.yaml", vioPipeline)
}
