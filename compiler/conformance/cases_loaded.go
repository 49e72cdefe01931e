package conformance

import (
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Ports of goldens whose Python source uses components it does not define
// (see LoadedCase).

// kfp-ir/pipeline_with_condition_dynamic_task_output_custom_training_job.yaml:
// Google Cloud Pipeline Components' CustomTrainingJobOp inside a condition,
// its worker_pool_specs a list constant with three task outputs embedded.
type ctjIn struct {
	Project               dsl.Param[string] `kfp:"project"`
	Location              dsl.Param[string] `kfp:"location"`
	EncryptionSpecKeyName dsl.Param[string] `kfp:"encryption_spec_key_name" default:""`
}

var (
	ctjFlip         = goFunc[none, stringOutput]("flip_biased_coin_op")
	ctjMachineType  = goFunc[none, stringOutput]("machine_type")
	ctjAccelType    = goFunc[none, stringOutput]("accelerator_type")
	ctjAccelCount   = goFunc[none, intOutput]("accelerator_count")
	ctjPipelineName = "pipeline-with-dynamic-condition-output"
)

func buildCustomTrainingJob(golden string) (dsl.PipelineDef, error) {
	// CustomTrainingJobOp comes from google_cloud_pipeline_components.
	job, err := componentyaml.LoadFromPipelineFile(golden, "custom-training-job")
	if err != nil {
		return nil, err
	}
	return dsl.NewPipeline(ctjPipelineName, func(b *dsl.Builder, in ctjIn) none {
		flip := ctjFlip.Task(b, none{}).SetCaching(false)
		machine := ctjMachineType.Task(b, none{})
		accelType := ctjAccelType.Task(b, none{})
		accelCount := ctjAccelCount.Task(b, none{})
		dsl.If(b, dsl.Eq(flip.Out.Output, dsl.Lit("heads")), func(b *dsl.Builder) {
			job.Task(b, map[string]any{
				"display_name": "add-numbers",
				"worker_pool_specs": dsl.Compose[[]any]([]any{map[string]any{
					"container_spec": map[string]any{
						"image_uri": "gcr.io/ml-pipeline/google-cloud-pipeline-components:2.5.0",
						"command":   []string{"echo"},
						"args":      []string{"foo"},
					},
					"machine_spec": map[string]any{
						"machine_type":      machine.Out.Output,
						"accelerator_type":  accelType.Out.Output,
						"accelerator_count": accelCount.Out.Output,
					},
					"replica_count": 1,
				}}),
				"project":                  in.Project,
				"location":                 in.Location,
				"encryption_spec_key_name": in.EncryptionSpecKeyName,
			})
		})
		return none{}
	}), nil
}

// kfp-ir/xgboost_sample_pipeline.yaml: KFP's sample loads its six
// components (Chicago taxi trips, CSV to Parquet, XGBoost train and predict
// on CSV and on Parquet) from component.yaml URLs; the port loads the same
// components from the golden.
type xgbOut struct {
	Table dsl.Artifact[dsl.Generic] `kfp:"table"`
}

func buildXGBoost(golden string) (dsl.PipelineDef, error) {
	load := func(name string) (*dsl.UntypedComponent, error) {
		return componentyaml.LoadFromPipelineFile(golden, name)
	}
	var err error
	must := func(name string) *dsl.UntypedComponent {
		c, e := load(name)
		if e != nil && err == nil {
			err = e
		}
		return c
	}
	taxi := must("chicago-taxi-trips-dataset")
	toParquet := must("convert-csv-to-apache-parquet")
	trainCSV := must("xgboost-train")
	predictCSV := must("xgboost-predict")
	trainParquet := must("xgboost-train-2")
	predictParquet := must("xgboost-predict-2")
	if err != nil {
		return nil, err
	}
	// KFP numbered the repeated names; the components are all named
	// "Xgboost train" or "Xgboost predict" in their component.yaml.
	trainParquet, predictParquet = trainParquet.WithName("xgboost-train"), predictParquet.WithName("xgboost-predict")
	return dsl.NewPipeline("xgboost-sample-pipeline", func(b *dsl.Builder, _ none) none {
		data := taxi.Task(b, map[string]any{
			"where":  `trip_start_timestamp >= "2019-01-01" AND trip_start_timestamp < "2019-02-01"`,
			"select": "tips,trip_seconds,trip_miles,pickup_community_area,dropoff_community_area,fare,tolls,extras,trip_total",
			"limit":  10000,
		}).Out.OutputRef("table")

		// Training and prediction on the CSV data.
		csvModel := trainCSV.Task(b, map[string]any{
			"training_data":  data,
			"label_column":   0,
			"objective":      "reg:squarederror",
			"num_iterations": 200,
		}).Out.OutputRef("model")
		predictCSV.Task(b, map[string]any{"data": data, "model": csvModel, "label_column": 0})

		// Training and prediction on the same data as Apache Parquet.
		parquet := toParquet.Task(b, map[string]any{"data": data}).Out.OutputRef("output_data")
		parquetModel := trainParquet.Task(b, map[string]any{
			"training_data":     parquet,
			"label_column_name": "tips",
			"objective":         "reg:squarederror",
			"num_iterations":    200,
		}).Out.OutputRef("model")
		predictParquet.Task(b, map[string]any{"data": parquet, "model": parquetModel, "label_column_name": "tips"})

		// Cross-format predictions.
		predictParquet.Task(b, map[string]any{"data": parquet, "model": csvModel, "label_column_name": "tips"})
		predictCSV.Task(b, map[string]any{"data": data, "model": parquetModel, "label_column": 0})
		return none{}
	}), nil
}

func init() {
	addLoaded("kfp-ir/pipeline_with_condition_dynamic_task_output_custom_training_job.yaml", buildCustomTrainingJob)
	addLoaded("kfp-ir/xgboost_sample_pipeline.yaml", buildXGBoost)
}
