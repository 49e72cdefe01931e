package conformance

import (
	"context"
	"errors"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of Python-function goldens: iris training, pythonic artifacts and
// the Ray integration (batch b3). The iris and pythonic-artifact bodies are
// out of scope; those ports keep the interfaces and wiring.

// kfp-ir/essential/iris_pipeline_compiled.yaml
type irisDatasetOut struct {
	IrisDataset dsl.Artifact[dsl.Dataset] `kfp:"iris_dataset"`
}
type irisNormalizeIn struct {
	InputIrisDataset dsl.Artifact[dsl.Dataset] `kfp:"input_iris_dataset"`
	StandardScaler   dsl.Param[bool]           `kfp:"standard_scaler"`
}
type irisNormalizeOut struct {
	NormalizedIrisDataset dsl.Artifact[dsl.Dataset] `kfp:"normalized_iris_dataset"`
}
type irisTrainIn struct {
	NormalizedIrisDataset dsl.Artifact[dsl.Dataset] `kfp:"normalized_iris_dataset"`
	NNeighbors            dsl.Param[int]            `kfp:"n_neighbors"`
}
type irisTrainOut struct {
	Model   dsl.Artifact[dsl.Model]                 `kfp:"model"`
	Metrics dsl.Artifact[dsl.ClassificationMetrics] `kfp:"metrics"`
}
type irisPipelineIn struct {
	StandardScaler dsl.Param[bool] `kfp:"standard_scaler" default:"true"`
	Neighbors      dsl.Param[int]  `kfp:"neighbors" default:"3"`
}

var (
	irisCreateDataset    = goFunc[none, irisDatasetOut]("create-dataset")
	irisNormalizeDataset = goFunc[irisNormalizeIn, irisNormalizeOut]("normalize-dataset")
	irisTrainModel       = goFunc[irisTrainIn, irisTrainOut]("train-model")
	irisPipeline         = dsl.NewPipeline("iris-training-pipeline", func(b *dsl.Builder, in irisPipelineIn) none {
		data := irisCreateDataset.Task(b, none{}).SetCaching(false)
		norm := irisNormalizeDataset.Task(b, irisNormalizeIn{InputIrisDataset: data.Out.IrisDataset, StandardScaler: in.StandardScaler}).SetCaching(false)
		irisTrainModel.Task(b, irisTrainIn{NormalizedIrisDataset: norm.Out.NormalizedIrisDataset, NNeighbors: in.Neighbors}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/critical/pythonic_artifacts_test_pipeline.yaml
type patDatasetIn struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}

var (
	patGenData    = goFunc[none, datasetOutput]("gen-data")
	patTrainModel = goFunc[patDatasetIn, modelOutput]("train-model")
	patPipeline   = dsl.NewPipeline("pythonic-artifacts-test", func(b *dsl.Builder, _ none) none {
		t1 := patGenData.Task(b, none{}).SetCaching(false)
		patTrainModel.Task(b, patDatasetIn{Dataset: t1.Out.Output}).SetCaching(false)
		return none{}
	})
)

// kfp-ir/pythonic_artifacts_with_multiple_returns.yaml: make_dataset returns
// a generic Artifact that feeds the Dataset input of splitter_pipeline.
type pamInDatasetIn struct {
	InDataset dsl.Artifact[dsl.Dataset] `kfp:"in_dataset"`
}
type pamSplitOut struct {
	Dataset1 dsl.Artifact[dsl.Dataset] `kfp:"dataset1"`
	Dataset2 dsl.Artifact[dsl.Dataset] `kfp:"dataset2"`
}
type pamDatasetOut struct {
	Output dsl.Artifact[dsl.Dataset] `kfp:"Output"`
}

var (
	pamDatasetSplitter = goFunc[pamInDatasetIn, pamSplitOut]("dataset-splitter")
	pamMakeDataset     = goFunc[none, genericOutput]("make-dataset")
	pamSplitter        = dsl.NewPipeline("splitter-pipeline", func(b *dsl.Builder, in pamInDatasetIn) pamSplitOut {
		t := pamDatasetSplitter.Task(b, in)
		return pamSplitOut{Dataset1: t.Out.Dataset1, Dataset2: t.Out.Dataset1}
	})
	pamPipeline = dsl.NewPipeline("split-datasets-and-return-first", func(b *dsl.Builder, _ none) pamDatasetOut {
		t1 := pamMakeDataset.Task(b, none{})
		return pamDatasetOut{Output: pamSplitter.Task(b, pamInDatasetIn{InDataset: dsl.FromGeneric[dsl.Dataset](t1.Out.Output)}).Out.Dataset1}
	})
)

// kfp-ir/integration/ray_integration_compiled.yaml
var (
	// rayFn stands for a function that creates a Ray cluster through the
	// CodeFlare SDK (a RayCluster resource on Kubernetes), runs one remote
	// task returning 100 on it and deletes the cluster: without a
	// Kubernetes cluster there is nothing to run it on, so it says so.
	rayFn = goFuncDo("ray-fn", func(context.Context, none) (intOutput, error) {
		return intOutput{}, errors.New("ray-fn needs a Ray cluster created on Kubernetes by the CodeFlare SDK: run the pipeline on a KFP cluster with the KubeRay operator")
	})
	rayPipeline = dsl.NewPipeline("ray-integration-test", func(b *dsl.Builder, _ none) none {
		rayFn.Task(b, none{}).SetCaching(false)
		return none{}
	}, dsl.Description("Ray Integration Test"))
)

// kfp-ir/critical/notebook_component_simple.yaml and
// kfp-ir/notebook_component_mixed.yaml: KFP notebook components run a
// Python function around the notebook, so they are Go-function ports here.
type nbTextDefaultIn struct {
	Text dsl.Param[string] `kfp:"text" default:"hello"`
}
type nbMixedIn struct {
	Text dsl.Param[string] `kfp:"text" default:"Hello   world"`
}
type nbPreprocessOut struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}
type nbTrainIn struct {
	CleanedText dsl.Artifact[dsl.Dataset] `kfp:"cleaned_text"`
}
type nbTrainOut struct {
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
}
type nbEvalIn struct {
	ModelText dsl.Artifact[dsl.Model] `kfp:"model_text"`
}
type nbEvalOut struct {
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
}

var (
	nbRunTrain = goFunc[cfTextIn, none]("run-train-notebook")
	nbSimple   = dsl.NewPipeline("nb-simple", func(b *dsl.Builder, in nbTextDefaultIn) none {
		nbRunTrain.Task(b, cfTextIn{Text: in.Text}).SetCaching(false)
		return none{}
	})
	nbPreprocess = goFunc[cfTextIn, nbPreprocessOut]("preprocess")
	nbTrainModel = goFunc[nbTrainIn, nbTrainOut]("train-model")
	nbEvaluate   = goFunc[nbEvalIn, nbEvalOut]("evaluate-model")
	nbMixed      = dsl.NewPipeline("nb-mixed", func(b *dsl.Builder, in nbMixedIn) none {
		p := nbPreprocess.Task(b, cfTextIn{Text: in.Text}).SetCaching(false)
		t := nbTrainModel.Task(b, nbTrainIn{CleanedText: p.Out.Dataset}).SetCaching(false)
		nbEvaluate.Task(b, nbEvalIn{ModelText: t.Out.Model}).SetCaching(false)
		return none{}
	})
)

func init() {
	add("kfp-ir/critical/notebook_component_simple.yaml", nbSimple)
	add("kfp-ir/notebook_component_mixed.yaml", nbMixed)
	add("kfp-ir/essential/iris_pipeline_compiled.yaml", irisPipeline)
	add("kfp-ir/critical/pythonic_artifacts_test_pipeline.yaml", patPipeline)
	add("kfp-ir/pythonic_artifacts_with_multiple_returns.yaml", pamPipeline)
	add("kfp-ir/integration/ray_integration_compiled.yaml", rayPipeline)
}
