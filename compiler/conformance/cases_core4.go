package conformance

import (
	"context"
	"os"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// kfp-ir/output_metrics.yaml
type metricsOut struct {
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
}

var outputMetrics = goFunc[none, metricsOut]("output_metrics")

var outputMetricsPipeline = dsl.NewPipeline("output-metrics", func(b *dsl.Builder, _ none) metricsOut {
	return outputMetrics.Task(b, none{}).Out
})

// kfp-ir/input_artifact.yaml
type inputArtifactIn struct {
	Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
}

var inputArtifact = goFunc[inputArtifactIn, none]("input_artifact")

var inputArtifactPipeline = dsl.NewPipeline("input-artifact", func(b *dsl.Builder, in inputArtifactIn) none {
	inputArtifact.Task(b, in)
	return none{}
})

// kfp-ir/component_with_metadata_fields.yaml
type joinerIn struct {
	DatasetA dsl.Artifact[dsl.Dataset] `kfp:"dataset_a" description:"First dataset."`
	DatasetB dsl.Artifact[dsl.Dataset] `kfp:"dataset_b" description:"Second dataset."`
}
type joinerOut struct {
	OutDataset dsl.Artifact[dsl.Dataset] `kfp:"out_dataset" description:"The concatenated dataset."`
	Output     dsl.Param[string]         `kfp:"Output" description:"The concatenated string."`
}

// datasetJoiner concatenates the contents of dataset_a and dataset_b, writes
// the result to out_dataset and returns it.
var datasetJoiner = goFuncDo("dataset_joiner", func(ctx context.Context, in joinerIn) (joinerOut, error) {
	out := dsl.Outputs[joinerOut](ctx)
	a, err := os.ReadFile(in.DatasetA.Path())
	if err != nil {
		return *out, err
	}
	b, err := os.ReadFile(in.DatasetB.Path())
	if err != nil {
		return *out, err
	}
	joined := string(a) + string(b)
	if err := os.WriteFile(out.OutDataset.Path(), []byte(joined), 0o644); err != nil {
		return *out, err
	}
	out.Output.Set(joined)
	return *out, nil
})

var datasetJoinerPipeline = dsl.NewPipeline("dataset-joiner", func(b *dsl.Builder, in joinerIn) joinerOut {
	return datasetJoiner.Task(b, in).Out
})

// kfp-ir/failing/fail_v2.yaml
var fail = goFunc[none, none]("fail")

var failPipeline = dsl.NewPipeline("fail-pipeline", func(b *dsl.Builder, _ none) none {
	fail.Task(b, none{})
	return none{}
})

// kfp-ir/nested_return.yaml
type listOutput struct {
	Output dsl.Param[[]map[string]any] `kfp:"Output"`
}

var nestedReturn = goFuncDo("nested_return", func(context.Context, none) (out listOutput, _ error) {
	out.Output.Set([]map[string]any{{"A_a": "1", "B_b": "2"}, {"A_a": "10", "B_b": "20"}})
	return out, nil
})

var nestedReturnPipeline = dsl.NewPipeline("nested-return", func(b *dsl.Builder, _ none) listOutput {
	return nestedReturn.Task(b, none{}).Out
})

func init() {
	add("kfp-ir/output_metrics.yaml", outputMetricsPipeline)
	add("kfp-ir/input_artifact.yaml", inputArtifactPipeline)
	add("kfp-ir/component_with_metadata_fields.yaml", datasetJoinerPipeline)
	add("kfp-ir/failing/fail_v2.yaml", failPipeline)
	add("kfp-ir/nested_return.yaml", nestedReturnPipeline)
}
