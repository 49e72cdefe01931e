package conformance

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of artifact goldens: custom artifact paths, custom (google.*)
// artifact kinds, optional artifact inputs, and resources set from task
// outputs (batch a1).

// paHelloWorld is the content of the custom-path golden's dataset.
const paHelloWorld = "Hello, World!"

// kfp-ir/critical/pipeline_with_artifact_custom_path.yaml: the output
// artifact's custom path is set at run time (Python set_path), so the IR
// only shows the plain producer/consumer pair.
type paOutDatasetOutput struct {
	OutDataset dsl.Artifact[dsl.Dataset] `kfp:"out_dataset"`
}
type paInDatasetIn struct {
	InDataset dsl.Artifact[dsl.Dataset] `kfp:"in_dataset"`
}
type paBoolOutput struct {
	Output dsl.Param[bool] `kfp:"Output"`
}

var (
	// paComponentOutputArtifact writes "Hello, World!" to its dataset. The
	// Python sets a custom path (/tmp/out_dataset) first, for KFP's
	// launcher to upload from; the Go executor has no custom output paths,
	// so the body writes at the artifact's own path, which is where the
	// consumer reads it.
	paComponentOutputArtifact = goFuncDo("component-output-artifact", func(ctx context.Context, _ none) (paOutDatasetOutput, error) {
		out := dsl.Outputs[paOutDatasetOutput](ctx)
		return *out, os.WriteFile(out.OutDataset.Path(), []byte(paHelloWorld), 0o644)
	})
	// paValidateInputArtifact checks that every line of its dataset is
	// "Hello, World!" and returns true.
	paValidateInputArtifact = goFuncDo("validate-input-artifact", func(_ context.Context, in paInDatasetIn) (out paBoolOutput, _ error) {
		if !in.InDataset.IsSet() {
			return out, fmt.Errorf("input artifact in_dataset is missing: wire it to component-output-artifact's out_dataset")
		}
		f, err := os.Open(in.InDataset.Path())
		if err != nil {
			return out, err
		}
		defer f.Close()
		r := bufio.NewReader(f)
		for {
			// Python iterates lines with their newline kept.
			line, err := r.ReadString('\n')
			if line != "" && line != paHelloWorld {
				return out, fmt.Errorf("file content is %q but should be %q", line, paHelloWorld)
			}
			if err != nil {
				break
			}
		}
		out.Output.Set(true)
		return out, nil
	})
	paCustomPathPipeline = dsl.NewPipeline("pipeline-with-custom-path-artifact", func(b *dsl.Builder, _ none) none {
		out := paComponentOutputArtifact.Task(b, none{}).SetCaching(false)
		paValidateInputArtifact.Task(b, paInDatasetIn{InDataset: out.Out.OutDataset})
		return none{}
	}, dsl.Description("pipeline with artifact with custom path"))
)

// kfp-ir/pipeline_with_google_artifact_type.yaml: artifact kinds defined
// outside the system.* set (a Vertex SDK stand-in, schema version 0.0.0).
type paVertexModel struct{}

// SchemaTitle returns "google.VertexModel".
func (paVertexModel) SchemaTitle() string { return "google.VertexModel" }

// SchemaVersion returns "0.0.0".
func (paVertexModel) SchemaVersion() string { return "0.0.0" }

type paVertexDataset struct{}

// SchemaTitle returns "google.VertexDataset".
func (paVertexDataset) SchemaTitle() string { return "google.VertexDataset" }

// SchemaVersion returns "0.0.0".
func (paVertexDataset) SchemaVersion() string { return "0.0.0" }

type paModelOutput struct {
	Model dsl.Artifact[paVertexModel] `kfp:"model"`
}
type paModelConsumerIn struct {
	Model   dsl.Artifact[paVertexModel]   `kfp:"model"`
	Dataset dsl.Artifact[paVertexDataset] `kfp:"dataset"`
}

var (
	paModelProducer      = goFunc[none, paModelOutput]("model-producer")
	paModelConsumer      = goFunc[paModelConsumerIn, none]("model-consumer")
	paGoogleTypePipeline = dsl.NewPipeline("pipeline-with-google-types", func(b *dsl.Builder, _ none) none {
		producer := paModelProducer.Task(b, none{})
		imp := dsl.Importer[paVertexDataset](b, dsl.Lit("gs://ml-pipeline-playground/shakespeare1.txt"), dsl.ImportMetadata(map[string]any{"key": "value"}))
		paModelConsumer.Task(b, paModelConsumerIn{Model: producer.Out.Model, Dataset: imp.Out.Artifact})
		return none{}
	})
)

// kfp-ir/pipeline_with_string_machine_fields_task_output.yaml
type paSumIn struct {
	A dsl.Param[int] `kfp:"a"`
	B dsl.Param[int] `kfp:"b"`
}

var (
	paCPULimit         = goFuncDo("cpu-limit", constant("4000m"))
	paMemoryLimit      = goFuncDo("memory-limit", constant("15G"))
	paAcceleratorType  = goFuncDo("accelerator-type", constant("NVIDIA_TESLA_P4"))
	paAcceleratorLimit = goFuncDo("accelerator-limit", constant("1"))
	paSumNumbers       = goFuncDo("sum-numbers", func(_ context.Context, in paSumIn) (out intOutput, _ error) {
		out.Output.Set(in.A.Value() + in.B.Value())
		return out, nil
	})
	paMachineFields = dsl.NewPipeline("pipeline", func(b *dsl.Builder, _ none) none {
		sum := paSumNumbers.Task(b, paSumIn{A: dsl.Lit(1), B: dsl.Lit(2)})
		sum.SetCPULimitFrom(paCPULimit.Task(b, none{}).Out.Output)
		sum.SetMemoryLimitFrom(paMemoryLimit.Task(b, none{}).Out.Output)
		sum.SetAcceleratorTypeFrom(paAcceleratorType.Task(b, none{}).Out.Output)
		sum.SetAcceleratorLimitFrom(paAcceleratorLimit.Task(b, none{}).Out.Output)
		return none{}
	})
)

// kfp-ir/components_with_optional_artifacts.yaml
type paOptArtifactIn struct {
	Artifact dsl.Artifact[dsl.Generic] `kfp:"artifact,optional"`
}
type paOptDatasetIn struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset,optional"`
}
type paOptDataset1In struct {
	Dataset1 dsl.Artifact[dsl.Dataset] `kfp:"dataset1,optional"`
}

var (
	paPythonArtifactPrinter = goFunc[paOptArtifactIn, none]("python-artifact-printer")
	paCustomArtifactPrinter = dsl.NewContainerComponent("custom-artifact-printer", func(in paOptArtifactIn, _ none) dsl.Container {
		return dsl.Container{Image: "alpine", Command: []any{
			dsl.IfPresent(in.Artifact, []any{"echo", dsl.URIOf(in.Artifact)}, []any{"echo", "No artifact provided!"}),
		}}
	})
	paInnerPipeline = dsl.NewPipeline("inner-pipeline", func(b *dsl.Builder, in paOptDatasetIn) none {
		paPythonArtifactPrinter.Task(b, paOptArtifactIn{Artifact: dsl.AsGeneric(in.Dataset)})
		return none{}
	})
	paOptionalArtifacts = dsl.NewPipeline("optional-artifact-pipeline", func(b *dsl.Builder, in paOptDataset1In) none {
		paCustomArtifactPrinter.Task(b, paOptArtifactIn{Artifact: dsl.AsGeneric(in.Dataset1)})
		paCustomArtifactPrinter.Task(b, paOptArtifactIn{})
		imp := dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://ml-pipeline-playground/shakespeare1.txt"))
		paInnerPipeline.Task(b, paOptDatasetIn{Dataset: imp.Out.Artifact})
		paInnerPipeline.Task(b, paOptDatasetIn{})
		return none{}
	})
)

func init() {
	add("kfp-ir/critical/pipeline_with_artifact_custom_path.yaml", paCustomPathPipeline)
	add("kfp-ir/pipeline_with_google_artifact_type.yaml", paGoogleTypePipeline)
	add("kfp-ir/pipeline_with_string_machine_fields_task_output.yaml", paMachineFields)
	add("kfp-ir/components_with_optional_artifacts.yaml", paOptionalArtifacts)
}
