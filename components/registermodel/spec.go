package registermodel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Image is the ko reference of the register-model component binary.
const Image = "ko://github.com/kfpgo/kfpgo/cmd/register-model"

// TagModelSHA256 is the version tag holding the hex SHA-256 of the model
// artifact's files, the identity by which re-runs find their version.
const TagModelSHA256 = "kfpgo.model_sha256"

// In is the input of the register-model component.
type In struct {
	// Model is the model artifact; its URI becomes the version's source.
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
	// Metrics are logged to the tracking run and tagged on the version
	// (the metadata scalars of a KFP Metrics artifact).
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics,optional"`
	// ModelName is the registered model's name.
	ModelName dsl.Param[string] `kfp:"model_name"`
	// Alias is pointed at the version ("" for none).
	Alias dsl.Param[string] `kfp:"alias" default:"champion"`
	// Description of the version.
	Description dsl.Param[string] `kfp:"description" default:""`
	// TrackingURI is the MLflow tracking URI: http(s)://… for a server,
	// file:<dir> for a local file store. "" means $MLFLOW_TRACKING_URI,
	// then ./mlruns.
	TrackingURI dsl.Param[string] `kfp:"tracking_uri" default:""`
	// ExperimentName of the tracking run ("" means Default).
	ExperimentName dsl.Param[string] `kfp:"experiment_name" default:""`
	// Params are the training parameters logged to the tracking run.
	Params dsl.Param[map[string]string] `kfp:"params,optional"`
	// PipelineRunID and TaskName tag the version with where it came from;
	// wire dsl.PipelineJobUUID() and dsl.PipelineTaskName().
	PipelineRunID dsl.Param[string] `kfp:"pipeline_run_id" default:""`
	TaskName      dsl.Param[string] `kfp:"task_name" default:""`
	// GitSHA tags the version with the source commit ("" for none).
	GitSHA dsl.Param[string] `kfp:"git_sha" default:""`
}

// Out is the output of the register-model component.
type Out struct {
	// Version is the model version number ("1", "2"…).
	Version dsl.Param[string] `kfp:"version"`
	// ModelURI is "models:/<name>/<version>".
	ModelURI dsl.Param[string] `kfp:"model_uri"`
	// Reused is true when an earlier version of the same model content was
	// found and nothing new was registered.
	Reused dsl.Param[bool] `kfp:"reused"`
}

// Component registers a model version in MLflow's Model Registry. It is
// side-effecting, so its tasks do not cache by default; re-running it on the
// same model content reuses the earlier version (TagModelSHA256).
var Component = dsl.NewComponent("register-model", run, dsl.Image(Image), dsl.SideEffects(),
	dsl.Description("Registers a model version in MLflow (REST API or local file store), sets an alias, and is idempotent on the model's content."))

func run(ctx context.Context, in In) (Out, error) {
	out := dsl.Outputs[Out](ctx)
	if !in.Model.IsSet() || in.Model.URI() == "" {
		return *out, fmt.Errorf("register-model: the model input has no URI: wire the trainer's model output")
	}
	sum, err := hashTree(in.Model.Path())
	if err != nil {
		return *out, fmt.Errorf("register-model: reading the model at %s: %w", in.Model.Path(), err)
	}
	metrics := map[string]float64{}
	if in.Metrics.IsSet() {
		for k, v := range in.Metrics.Metadata() {
			if f, ok := v.(float64); ok {
				metrics[k] = f
			}
		}
	}
	res, err := Run(ctx, Config{
		TrackingURI:    in.TrackingURI.Value(),
		ModelName:      in.ModelName.Value(),
		ModelURI:       in.Model.URI(),
		Description:    in.Description.Value(),
		Alias:          in.Alias.Value(),
		ExperimentName: in.ExperimentName.Value(),
		Params:         in.Params.Value(),
		Metrics:        metrics,
		PipelineRunID:  in.PipelineRunID.Value(),
		TaskName:       in.TaskName.Value(),
		GitSHA:         in.GitSHA.Value(),
		Identity:       map[string]string{TagModelSHA256: sum},
		Logger:         slog.Default(),
	})
	if err != nil {
		return *out, err
	}
	out.Version.Set(res.Version)
	out.ModelURI.Set(res.ModelURI)
	out.Reused.Set(res.Reused)
	fmt.Fprintf(os.Stderr, "registered %s (alias %q, reused %v)\n", res.ModelURI, in.Alias.Value(), res.Reused)
	return *out, nil
}

// hashTree returns the hex SHA-256 over the relative paths and contents of
// every regular file under root (or of root itself when it is a file).
func hashTree(root string) (string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no files")
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
		r, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, r)
		r.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
