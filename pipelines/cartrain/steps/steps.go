// Package steps holds the small pipeline-specific components of the
// reference pipeline cartrain: evaluate (accuracy and confusion matrix of a
// trained model on a split of the offline store, as KFP metrics) and
// record-run-status (the exit handler's task, which records the run's final
// status), inspect-model-store and hyperparameters (the run params MLflow
// records and the trainer arguments that carry them). Both run in one binary, cmd/cartrain-steps, which dispatches on
// the component name.
package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kfpgo/kfpgo/components/cartrainer"
	"github.com/kfpgo/kfpgo/components/mlflow"
	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Image is the ko reference of the binary hosting these components.
const Image = "ko://github.com/kfpgo/kfpgo/cmd/cartrain-steps"

// EnvPostgresDSN names the variable holding the offline store's DSN (on a
// cluster it comes from a Kubernetes secret; see the pipeline).
const EnvPostgresDSN = "KFPGO_POSTGRES_DSN"

// EvaluateIn is the input of evaluate.
type EvaluateIn struct {
	// Model is the trained model: a directory holding model.json (the
	// trainer contract of components/distributedtrain/contract).
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
	// Dataset is prepare-data's output; its metadata names the table.
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
	// Split is the offline store split to score ("validation" or "test").
	Split dsl.Param[string] `kfp:"split" default:"validation"`
}

// EvaluateOut is the output of evaluate.
type EvaluateOut struct {
	// Metrics holds accuracy, loss and rows (KFP Metrics scalars).
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
	// ClassificationMetrics holds the confusion matrix the KFP UI draws.
	ClassificationMetrics dsl.Artifact[dsl.ClassificationMetrics] `kfp:"classification_metrics"`
	// Accuracy is the fraction of correctly classified rows, in [0, 1].
	Accuracy dsl.Param[float64] `kfp:"accuracy"`
}

// Evaluate scores the model on a split of the offline store.
var Evaluate = dsl.NewComponent("evaluate", evaluate, dsl.Image(Image),
	dsl.Description("Scores a trained model on a split of the offline store: accuracy, loss and confusion matrix as KFP metrics."))

func evaluate(ctx context.Context, in EvaluateIn) (EvaluateOut, error) {
	out := dsl.Outputs[EvaluateOut](ctx)
	table, _ := in.Dataset.Metadata()["table"].(string)
	if table == "" {
		return *out, fmt.Errorf("dataset artifact %s has no \"table\" metadata: wire prepare-data's dataset output", in.Dataset.URI())
	}
	dir, err := modelDir(in.Model)
	if err != nil {
		return *out, err
	}
	m, err := cartrainer.LoadModel(dir)
	if err != nil {
		return *out, fmt.Errorf("load model from %s: %w", dir, err)
	}
	conn, err := pgx.Connect(ctx, os.Getenv(EnvPostgresDSN))
	if err != nil {
		err = fmt.Errorf("connect to the offline store (set %s): %w", EnvPostgresDSN, redact.Error(err, redact.Passwords(os.Getenv(EnvPostgresDSN))...))
		if pe := (*pgconn.ParseConfigError)(nil); errors.As(err, &pe) {
			err = dsl.Permanent(err) // a retry reads the same DSN
		}
		return *out, err
	}
	defer conn.Close(context.Background())
	split := in.Split.Value()
	recs, err := cartrainer.PostgresSource{DB: conn, Table: table}.Split(ctx, split)
	if err != nil {
		return *out, err
	}
	if len(recs) == 0 {
		return *out, fmt.Errorf("split %q of %s is empty: nothing to evaluate", split, table)
	}
	ev, err := cartrainer.Evaluate(m, recs)
	if err != nil {
		return *out, err
	}
	for name, v := range map[string]float64{"accuracy": ev.Accuracy, "loss": ev.Loss, "rows": float64(ev.Rows)} {
		if err := artifacts.LogMetric(out.Metrics, name, v); err != nil {
			return *out, err
		}
	}
	cm := make([][]float64, len(ev.ConfusionMatrix.Matrix))
	for i, row := range ev.ConfusionMatrix.Matrix {
		cm[i] = make([]float64, len(row))
		for j, c := range row {
			cm[i][j] = float64(c)
		}
	}
	if err := artifacts.LogClassificationMetrics(out.ClassificationMetrics, artifacts.ClassificationMetrics{
		Categories: ev.ConfusionMatrix.Classes, Matrix: cm}); err != nil {
		return *out, err
	}
	out.Accuracy.Set(ev.Accuracy)
	slog.Info("evaluated", "split", split, "rows", ev.Rows, "accuracy", ev.Accuracy, "loss", ev.Loss)
	return *out, nil
}

// modelDir finds the directory holding model.json: the artifact's local
// path itself, or its parent when the path is the model.json file.
func modelDir(a dsl.Artifact[dsl.Model]) (string, error) {
	p := a.Path()
	for _, dir := range []string{p, filepath.Dir(p)} {
		if _, err := os.Stat(filepath.Join(dir, "model.json")); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("model artifact %s: no model.json at %s (the trainer writes it under KFPGO_MODEL_DIR)", a.URI(), p)
}

// StatusIn is the input of record-run-status.
type StatusIn struct {
	// Status is the final status of the tasks the exit handler guards.
	Status dsl.PipelineTaskFinalStatus `kfp:"status"`
}

// StatusOut is the output of record-run-status.
type StatusOut struct {
	// State is the final state: SUCCEEDED, FAILED or CANCELLED.
	State dsl.Param[string] `kfp:"state"`
	// Report is a Markdown summary the KFP UI renders.
	Report dsl.Artifact[dsl.Markdown] `kfp:"report"`
}

// RecordRunStatus is the exit task: it records the run's final state.
var RecordRunStatus = dsl.NewComponent("record-run-status", recordRunStatus, dsl.Image(Image),
	dsl.Description("Records the final status of the run (the exit handler's task)."))

func recordRunStatus(ctx context.Context, in StatusIn) (StatusOut, error) {
	out := dsl.Outputs[StatusOut](ctx)
	s := in.Status
	out.State.Set(s.State)
	b, _ := json.MarshalIndent(s, "", "  ")
	md := fmt.Sprintf("# Run %s\n\nFinal state: **%s**\n\n```json\n%s\n```\n", s.PipelineJobResourceName, s.State, b)
	if err := artifacts.WriteMarkdown(out.Report, md); err != nil {
		return *out, err
	}
	fmt.Fprintf(os.Stderr, "run %s finished: %s", s.PipelineJobResourceName, s.State)
	if s.Error.Message != "" {
		fmt.Fprintf(os.Stderr, " (%s)", s.Error.Message)
	}
	fmt.Fprintln(os.Stderr)
	return *out, nil
}

// ModelStoreMountPath is where the model store PVC is mounted in the
// trainer replicas and in the inspection task.
const ModelStoreMountPath = "/mnt/model-store"

// InspectIn is the input of inspect-model-store.
type InspectIn struct {
	// Model is the trained model (its folder is listed when the model
	// store is not mounted, as on one machine).
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
	// MountPath is where the model store PVC is mounted.
	MountPath dsl.Param[string] `kfp:"mount_path" default:"/mnt/model-store"`
}

// InspectOut is the output of inspect-model-store.
type InspectOut struct {
	// Listing is a Markdown table of the files (path, bytes).
	Listing dsl.Artifact[dsl.Markdown] `kfp:"listing"`
}

// InspectModelStore lists the shared model store the trainer replicas
// wrote (model, metrics, logs), the role the inspection pod played in the
// original system.
var InspectModelStore = dsl.NewComponent("inspect-model-store", inspectModelStore, dsl.Image(Image),
	dsl.Description("Lists the files of the model store shared with the trainer replicas (the inspection pod)."))

func inspectModelStore(ctx context.Context, in InspectIn) (InspectOut, error) {
	out := dsl.Outputs[InspectOut](ctx)
	root := in.MountPath.Value()
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		root = in.Model.Path()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Model store %s\n\n| file | bytes |\n| --- | ---: |\n", root)
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			fmt.Fprintf(&b, "| %s | %d |\n", rel, info.Size())
			fmt.Fprintf(os.Stderr, "%10d  %s\n", info.Size(), rel)
			n++
		}
		return nil
	})
	if err != nil {
		return *out, fmt.Errorf("inspect-model-store: listing %s: %w", root, err)
	}
	if n == 0 {
		return *out, fmt.Errorf("inspect-model-store: %s holds no files: the trainer wrote nothing", root)
	}
	return *out, artifacts.WriteMarkdown(out.Listing, b.String())
}

// HyperparametersIn is the input of hyperparameters: the training settings
// of a pipeline run.
type HyperparametersIn struct {
	// Workers is the number of trainer workers.
	Workers dsl.Param[int] `kfp:"workers"`
	// Epochs is the number of passes over the training split.
	Epochs dsl.Param[int] `kfp:"epochs"`
	// LearningRate is the trainer's gradient descent step size.
	LearningRate dsl.Param[float64] `kfp:"learning_rate"`
	// DatasetURI is the dataset the run trains on.
	DatasetURI dsl.Param[string] `kfp:"dataset_uri"`
	// FeatureView is the online store feature view.
	FeatureView dsl.Param[string] `kfp:"feature_view"`
}

// HyperparametersOut is the output of hyperparameters.
type HyperparametersOut struct {
	// Params are the MLflow run params: workers, epochs, learning_rate,
	// dataset_uri and feature_view, numbers written as MLflow's Python
	// client writes them (str(int), repr(float)).
	Params dsl.Param[map[string]string] `kfp:"params"`
	// TrainerArgs pass the learning rate to the trainer
	// (["--learning-rate=<rate>"]), so the logged value is the one used.
	TrainerArgs dsl.Param[[]string] `kfp:"trainer_args"`
}

// Hyperparameters gathers the training settings into the MLflow run params
// that register-model logs, and the trainer arguments that carry the same
// values: one source for what was trained and what was recorded.
var Hyperparameters = dsl.NewComponent("hyperparameters", hyperparameters, dsl.Image(Image),
	dsl.Description("Gathers the training settings into MLflow run params and the matching trainer arguments."))

func hyperparameters(ctx context.Context, in HyperparametersIn) (HyperparametersOut, error) {
	out := dsl.Outputs[HyperparametersOut](ctx)
	lr := in.LearningRate.Value()
	if !(lr > 0) || lr > 10 {
		return HyperparametersOut{}, fmt.Errorf("learning_rate %v is out of range: pass a step size in (0, 10], e.g. 0.1", lr)
	}
	if in.Workers.Value() < 1 || in.Epochs.Value() < 1 {
		return HyperparametersOut{}, fmt.Errorf("workers (%d) and epochs (%d) must be at least 1", in.Workers.Value(), in.Epochs.Value())
	}
	rate := mlflow.PyFloat(lr)
	out.Params.Set(map[string]string{
		"workers":       strconv.Itoa(in.Workers.Value()),
		"epochs":        strconv.Itoa(in.Epochs.Value()),
		"learning_rate": rate,
		"dataset_uri":   in.DatasetURI.Value(),
		"feature_view":  in.FeatureView.Value(),
	})
	out.TrainerArgs.Set([]string{"--learning-rate=" + rate})
	return *out, nil
}
