package cartrain

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/local"
)

// LocalOptions configure RunLocal.
type LocalOptions struct {
	// ModuleDir is the kfpgo module root; Go component images (ko://) are
	// built from it. Required.
	ModuleDir string
	// PipelineRoot holds the run folders. Required.
	PipelineRoot string
	// PostgresDSN and RedisURL locate the offline and online stores; they
	// reach the components as KFPGO_POSTGRES_DSN and KFPGO_REDIS_URL.
	// Required.
	PostgresDSN, RedisURL string
	// MLflowTrackingURI is the registry. Optional: defaults to a file store
	// under PipelineRoot/mlruns (MLflow's file layout).
	MLflowTrackingURI string
	// Params override pipeline parameters (text, typed by the pipeline).
	// dataset_uri defaults to testdata/datasets/cars.json under ModuleDir and
	// training_backend to local.
	Params map[string]string
	// Progress receives one line per task state change. Optional.
	Progress io.Writer
	// NoCache disables the local runner's cache.
	NoCache bool
}

// LocalResult is the outcome of RunLocal with the figures the demo prints.
type LocalResult struct {
	Run *local.RunResult
	// YAML is the compiled pipeline that ran.
	YAML []byte
	// TrackingURI is the MLflow store the run registered into.
	TrackingURI string
	// RowsLoaded, EntitiesWritten, Accuracy, ModelVersion and FinalState are
	// read from the task outputs (zero values when a task did not run).
	RowsLoaded      int64
	EntitiesWritten int64
	Accuracy        float64
	ModelVersion    string
	ModelURI        string
	Registered      bool
	// Reused is true when the registry already held this model content
	// and register-model reused that version.
	Reused     bool
	FinalState string
}

// CheckLocalParams compiles the pipeline and checks o.Params (with RunLocal's
// defaults) against its inputs, so a caller can refuse a mistyped or
// unknown parameter before starting PostgreSQL and Redis. The error is
// the local runner's *local.InputError.
func CheckLocalParams(o LocalOptions) error {
	p, _, err := compileLocal()
	if err != nil {
		return err
	}
	return p.CheckParams(localParams(o))
}

func compileLocal() (*local.Pipeline, *compiler.Result, error) {
	res, err := compiler.Compile(Pipeline, compiler.Options{})
	if err != nil {
		return nil, nil, err
	}
	p, err := local.Parse(Name+".yaml", res.YAML)
	if err != nil {
		return nil, nil, err
	}
	return p, res, nil
}

// localParams is o.Params over RunLocal's defaults.
func localParams(o LocalOptions) map[string]string {
	tracking := o.MLflowTrackingURI
	if tracking == "" {
		tracking = "file:" + filepath.Join(o.PipelineRoot, "mlruns")
	}
	params := map[string]string{
		"dataset_uri":         filepath.Join(o.ModuleDir, "testdata", "datasets", "cars.json"),
		"training_backend":    "local",
		"mlflow_tracking_uri": tracking,
	}
	for k, v := range o.Params {
		params[k] = v
	}
	return params
}

// RunLocal compiles the pipeline and runs it with the local runner, the
// trainer as local replicas (training_backend=local).
func RunLocal(ctx context.Context, o LocalOptions) (*LocalResult, error) {
	p, res, err := compileLocal()
	if err != nil {
		return nil, err
	}
	params := localParams(o)
	// The components read their connections from the environment, as they
	// read them from secrets on a cluster.
	for k, v := range map[string]string{"KFPGO_POSTGRES_DSN": o.PostgresDSN, "KFPGO_REDIS_URL": o.RedisURL} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	run, runErr := local.Run(ctx, p, local.Options{
		Params:       params,
		PipelineRoot: o.PipelineRoot,
		GoModuleDir:  o.ModuleDir,
		Progress:     o.Progress,
		NoCache:      o.NoCache,
	})
	out := &LocalResult{Run: run, YAML: res.YAML, TrackingURI: params["mlflow_tracking_uri"]}
	if run == nil {
		return out, runErr
	}
	for _, t := range run.Tasks {
		num := func(name string) float64 {
			if v := t.Parameters[name]; v != nil {
				return v.GetNumberValue()
			}
			return 0
		}
		str := func(name string) string {
			if v := t.Parameters[name]; v != nil {
				return v.GetStringValue()
			}
			return ""
		}
		switch t.TaskName {
		case "prepare-data":
			out.RowsLoaded = int64(num("rows_loaded"))
		case "materialize-features":
			out.EntitiesWritten = int64(num("entities_written"))
		case "evaluate":
			out.Accuracy = num("accuracy")
		case "register-model":
			out.ModelVersion, out.ModelURI = str("version"), str("model_uri")
			out.Registered = out.ModelVersion != ""
			if v := t.Parameters["reused"]; v != nil {
				out.Reused = v.GetBoolValue()
			}
		case "record-run-status":
			out.FinalState = str("state")
		}
	}
	return out, runErr
}

// Summary renders the figures of a local run, one per line.
func (r *LocalResult) Summary() string {
	reg := "not registered (below the accuracy threshold, or the gate did not run)"
	if r.Registered {
		reg = fmt.Sprintf("%s (version %s, alias champion) in %s", r.ModelURI, r.ModelVersion, r.TrackingURI)
		if r.Reused {
			reg += ", reused: the registry already held this model"
		}
	}
	dir := ""
	if r.Run != nil {
		dir = r.Run.RunDir
	}
	return fmt.Sprintf("rows loaded into PostgreSQL:   %d\nentities materialized (Redis): %d\nvalidation accuracy:           %s\nregistered model:              %s\nfinal state (exit handler):    %s\nrun folder:                    %s\n",
		r.RowsLoaded, r.EntitiesWritten, strconv.FormatFloat(r.Accuracy, 'f', 4, 64), reg, r.FinalState, dir)
}
