package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of importer goldens with custom and pythonic artifacts (batch 9).

// vertexDataset is the google-cloud-pipeline-components artifact kind
// google.VertexDataset.
type vertexDataset struct{}

// SchemaTitle returns "google.VertexDataset".
func (vertexDataset) SchemaTitle() string { return "google.VertexDataset" }

// SchemaVersion returns "0.0.1".
func (vertexDataset) SchemaVersion() string { return "0.0.1" }

// kfp-ir/pipeline_with_importer_and_gcpc_types.yaml
type gcpcDatasetIn struct {
	Dataset dsl.Artifact[vertexDataset] `kfp:"dataset"`
}

var (
	gcpcConsumer = dsl.NewContainerComponent("consumer_op", func(in gcpcDatasetIn, _ none) dsl.Container {
		return dsl.Container{Image: "dummy", Command: []any{"cmd"}, Args: []any{in.Dataset}}
	})
	gcpcPipeline = dsl.NewPipeline("pipeline-with-importer-and-gcpc-type", func(b *dsl.Builder, _ none) none {
		imp := dsl.Importer[vertexDataset](b, dsl.Lit("gs://ml-pipeline-playground/shakespeare1.txt"), dsl.ImportMetadata(map[string]any{"key": "value"}))
		gcpcConsumer.Task(b, gcpcDatasetIn{Dataset: imp.Out.Artifact})
		return none{}
	})
)

// kfp-ir/pythonic_artifact_with_single_return.yaml
type pasTextIn struct {
	TextDataset dsl.Artifact[dsl.Dataset] `kfp:"text_dataset"`
}
type modelOutput struct {
	Output dsl.Artifact[dsl.Model] `kfp:"Output"`
}

var (
	pasMakeLM   = goFunc[pasTextIn, modelOutput]("make-language-model")
	pasPipeline = dsl.NewPipeline("make-language-model-pipeline", func(b *dsl.Builder, _ none) modelOutput {
		imp := dsl.Importer[dsl.Dataset](b, dsl.Lit("gs://ml-pipeline-playground/shakespeare1.txt"), dsl.ImportMetadata(map[string]any{"key": "value"}))
		return pasMakeLM.Task(b, pasTextIn{TextDataset: imp.Out.Artifact}).Out
	})
)

func init() {
	add("kfp-ir/pipeline_with_importer_and_gcpc_types.yaml", gcpcPipeline)
	add("kfp-ir/pythonic_artifact_with_single_return.yaml", pasPipeline)
}
