// Package cartrain is the reference training pipeline: a car-origin
// classifier trained on the cars dataset, end to end.
//
//	prepare-data ─► materialize-features ─► distributed-train ─► evaluate ─► If accuracy ≥ threshold ─► register-model
//	cars.json        PostgreSQL → Redis       TFJob (2 workers)     metrics       quality gate            MLflow, alias champion
//	→ PostgreSQL     (Feast layout)           or local replicas
//
// The whole DAG runs inside an exit handler whose task, record-run-status,
// records the run's final state. Side-effecting steps (loading tables,
// writing Redis, launching jobs, registering models) do not cache.
//
// On a cluster, credentials come from Kubernetes secrets, the trainer
// replicas share a PVC with an inspection task, and the trainer is placed
// on GPU nodes (see Cluster). Locally, `kfpgo run --local` (or `make demo`)
// runs the same compiled pipeline with training_backend=local.
package cartrain

import (
	"time"

	"github.com/kfpgo/kfpgo/components/distributedtrain"
	"github.com/kfpgo/kfpgo/components/materialize"
	"github.com/kfpgo/kfpgo/components/preparedata"
	"github.com/kfpgo/kfpgo/components/registermodel"
	"github.com/kfpgo/kfpgo/pipelines/cartrain/steps"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	k8s "github.com/kfpgo/kfpgo/sdk/kubernetes"
)

// Cluster settings: the Kubernetes secrets the components read their
// connections from, and the GPU node pool of the trainer.
const (
	// PostgresSecret holds key "dsn": the offline store's connection URL.
	PostgresSecret = "cartrain-postgres"
	// RedisSecret holds key "url": the online store's redis:// URL.
	RedisSecret = "cartrain-redis"
	// MLflowSecret holds key "token": the MLflow tracking token (optional).
	MLflowSecret = "cartrain-mlflow"
	// GPUNodeLabel and GPUNodeValue select the trainer's node pool; GPUTaint
	// is the taint those nodes carry.
	GPUNodeLabel = "nvidia.com/gpu.present"
	GPUNodeValue = "true"
	GPUTaint     = "nvidia.com/gpu"
)

// Name is the pipeline's name (KFP pipelineInfo.name).
const Name = "cartrain"

// DefaultDatasetURI is the published cars.json of vega-datasets 3.2.1
// (BSD-3-Clause; the StatLib "Auto MPG" data), the same file as
// testdata/datasets/cars.json.
const DefaultDatasetURI = "https://cdn.jsdelivr.net/npm/vega-datasets@3.2.1/data/cars.json"

// Features are the offline store columns the classifier reads and the
// feature view serves.
var Features = []string{"miles_per_gallon", "cylinders", "displacement", "horsepower", "weight_in_lbs", "acceleration"}

// In holds the pipeline parameters and their defaults.
type In struct {
	// DatasetURI is the dataset to load (file, http(s) or s3).
	DatasetURI dsl.Param[string] `kfp:"dataset_uri" default:"https://cdn.jsdelivr.net/npm/vega-datasets@3.2.1/data/cars.json"`
	// OfflineTable is the PostgreSQL offline store table.
	OfflineTable dsl.Param[string] `kfp:"offline_table" default:"features.cars"`
	// FeatureView is the online store feature view.
	FeatureView dsl.Param[string] `kfp:"feature_view" default:"car_features"`
	// Workers is the number of trainer workers.
	Workers dsl.Param[int] `kfp:"workers" default:"2"`
	// Epochs is the number of passes over the training split.
	Epochs dsl.Param[int] `kfp:"epochs" default:"300"`
	// LearningRate is the trainer's gradient descent step size.
	LearningRate dsl.Param[float64] `kfp:"learning_rate" default:"0.1"`
	// AccuracyThreshold is the quality gate: register only at or above it.
	AccuracyThreshold dsl.Param[float64] `kfp:"accuracy_threshold" default:"0.7"`
	// ModelName is the MLflow registered model.
	ModelName dsl.Param[string] `kfp:"model_name" default:"car-origin-classifier"`
	// TrainingBackend is tfjob, trainjob or local.
	TrainingBackend dsl.Param[string] `kfp:"training_backend" default:"tfjob"`
	// TrainerImage is the training image (the example Go trainer).
	TrainerImage dsl.Param[string] `kfp:"trainer_image" default:"ko://github.com/kfpgo/kfpgo/cmd/cartrainer"`
	// MLflowTrackingURI is the registry ("" for $MLFLOW_TRACKING_URI).
	MLflowTrackingURI dsl.Param[string] `kfp:"mlflow_tracking_uri" default:""`
	// MaxBadRows fails prepare-data when more rows are dropped.
	MaxBadRows dsl.Param[int] `kfp:"max_bad_rows" default:"20"`
	// ModelPVC is the claim the trainer replicas write the model to.
	ModelPVC dsl.Param[string] `kfp:"model_pvc" default:"cartrain-models"`
}

// Pipeline is the reference training pipeline.
var Pipeline = dsl.NewPipeline(Name, build,
	dsl.Description("Trains a car-origin classifier: cars.json → PostgreSQL offline store → Redis online store → distributed training → evaluation → quality gate → MLflow registry."))

func build(b *dsl.Builder, in In) struct{} {
	status := steps.RecordRunStatus.Task(b, steps.StatusIn{})
	dsl.ExitHandler(b, status, func(b *dsl.Builder) {
		prep := preparedata.Component.Task(b, preparedata.In{
			SourceURI:  in.DatasetURI,
			Table:      in.OfflineTable,
			Required:   dsl.Lit([]string{"Origin"}),
			MaxBadRows: in.MaxBadRows,
		}).SetCPURequest("500m").SetMemoryRequest("512Mi").SetMemoryLimit("2Gi").SetRetry(2, dsl.BackoffDuration(30*time.Second))
		postgresEnv(prep)
		mat := materialize.Component.Task(b, materialize.In{
			Dataset:     prep.Out.Dataset,
			FeatureView: in.FeatureView,
			Features:    dsl.Lit(Features),
		}).SetCPURequest("500m").SetMemoryLimit("1Gi").SetRetry(2, dsl.BackoffDuration(30*time.Second))
		postgresEnv(mat)
		k8s.UseSecretAsEnv(mat, dsl.Lit(RedisSecret), []k8s.KeyToEnv{{Key: "url", EnvVar: "KFPGO_REDIS_URL"}})
		// The training settings, once: as trainer arguments and as the MLflow
		// run params register-model logs.
		hp := steps.Hyperparameters.Task(b, steps.HyperparametersIn{
			Workers:      in.Workers,
			Epochs:       in.Epochs,
			LearningRate: in.LearningRate,
			DatasetURI:   in.DatasetURI,
			FeatureView:  in.FeatureView,
		})
		train := distributedtrain.Component.Task(b, distributedtrain.In{
			Dataset:      prep.Out.Dataset,
			Mode:         in.TrainingBackend,
			TrainerImage: in.TrainerImage,
			TrainerArgs:  hp.Out.TrainerArgs,
			Workers:      in.Workers,
			Epochs:       in.Epochs,
			ModelPVC:     in.ModelPVC,
			SecretEnv:    dsl.Lit(map[string]string{steps.EnvPostgresDSN: PostgresSecret + "/dsn"}),
		}).After(mat).SetCPURequest("250m").SetMemoryLimit("512Mi")
		// The launcher reads the metrics the replicas write to the shared
		// model store, and is placed with them on the GPU pool.
		k8s.MountPVC(train, in.ModelPVC, steps.ModelStoreMountPath)
		k8s.AddNodeSelector(train, GPUNodeLabel, GPUNodeValue)
		k8s.AddToleration(train, k8s.Toleration{Key: GPUTaint, Operator: "Exists", Effect: "NoSchedule"})
		// The inspection pod of the original system: it mounts the same
		// claim and lists what the replicas wrote.
		inspect := steps.InspectModelStore.Task(b, steps.InspectIn{Model: train.Out.Model})
		k8s.MountPVC(inspect, in.ModelPVC, steps.ModelStoreMountPath)
		eval := steps.Evaluate.Task(b, steps.EvaluateIn{Model: train.Out.Model, Dataset: prep.Out.Dataset}).
			SetCPURequest("250m").SetMemoryLimit("512Mi")
		postgresEnv(eval)
		k8s.MountPVC(eval, in.ModelPVC, steps.ModelStoreMountPath)
		dsl.If(b, dsl.Ge(eval.Out.Accuracy, in.AccuracyThreshold), func(b *dsl.Builder) {
			reg := registermodel.Component.Task(b, registermodel.In{
				Model:         train.Out.Model,
				Metrics:       eval.Out.Metrics,
				ModelName:     in.ModelName,
				TrackingURI:   in.MLflowTrackingURI,
				Params:        hp.Out.Params,
				PipelineRunID: dsl.PipelineJobUUID(),
				TaskName:      dsl.PipelineTaskName(),
			}).SetRetry(3, dsl.BackoffDuration(10*time.Second))
			k8s.UseSecretAsEnv(reg, dsl.Lit(MLflowSecret), []k8s.KeyToEnv{{Key: "token", EnvVar: "MLFLOW_TRACKING_TOKEN"}})
			k8s.MountPVC(reg, in.ModelPVC, steps.ModelStoreMountPath)
		}, dsl.Named("quality-gate"))
	}, dsl.Named("car-training"))
	return struct{}{}
}

// postgresEnv gives a task the offline store's DSN from its secret.
func postgresEnv(t dsl.TaskRef) {
	k8s.UseSecretAsEnv(t, dsl.Lit(PostgresSecret), []k8s.KeyToEnv{{Key: "dsn", EnvVar: steps.EnvPostgresDSN}})
}
