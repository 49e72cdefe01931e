package cartrain

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/pipelines/cartrain/steps"
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
	// Containers, when set, runs every task in a container runtime with the
	// component images built from this module (the images that go to a
	// cluster) instead of as Go processes. Optional.
	Containers *LocalContainers
}

// LocalContainers runs a local run's tasks in containers (`make demo
// DEMO_ARGS="--images built"`). RunLocal gives each task what it gets from
// the cluster, and nothing else:
//
//   - the network: "host" for the tasks that reach PostgreSQL, Redis or a
//     non-file MLflow on this machine's loopback (prepare-data,
//     materialize-features, distributed-train, evaluate, and register-model
//     when the tracking URI is not a file store); none for the others;
//   - the variables a task reads from Kubernetes secrets on a cluster
//     (KFPGO_POSTGRES_DSN, KFPGO_REDIS_URL, MLFLOW_TRACKING_TOKEN), passed
//     by name from this process's environment (local.Options.PassEnv), so
//     their values appear on no command line;
//   - read-only, the folder of a local dataset_uri; writable, the MLflow
//     file store (its folders made writable by the images' non-root user);
//   - read-only into distributed-train's container, the trainer image's own
//     binary at its ko path, which distributed-train's local mode runs as
//     the replicas (it cannot build one there: the image has no Go).
type LocalContainers struct {
	// Runtime is the container runtime, podman or docker (a name, or a path
	// whose last element is one; the CLI found on $PATH runs). Required.
	Runtime string
	// Images maps every image of LocalImages to the local image of the
	// runtime's store built for it. Required.
	Images map[string]string
	// TrainerBinary is a copy, on this machine, of the trainer image's
	// binary (/ko-app/cartrainer of the image built for TrainerImage).
	// Required.
	TrainerBinary string
}

// TrainerImage is the default trainer_image: the ko:// image of
// cmd/cartrainer.
const TrainerImage = "ko://github.com/kfpgo/kfpgo/cmd/cartrainer"

// LocalImages returns, sorted, the ko:// images a local run in containers
// needs: those of the pipeline's tasks and the trainer's (TrainerImage).
func LocalImages() ([]string, error) {
	p, _, err := compileLocal()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{TrainerImage: true}
	for _, e := range p.Executors {
		if img := e.GetContainer().GetImage(); strings.HasPrefix(img, "ko://") {
			set[img] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// containerOptions sets the container settings of LocalContainers on lo.
func containerOptions(lo *local.Options, c *LocalContainers, params map[string]string) error {
	if c.Runtime == "" || len(c.Images) == 0 || c.TrainerBinary == "" {
		return fmt.Errorf("cartrain: LocalContainers needs Runtime, Images and TrainerBinary")
	}
	lo.Runtime, lo.ContainerImages, lo.Pull, lo.Network = filepath.Base(c.Runtime), c.Images, local.PullNever, "none"
	lo.TaskNetwork = map[string]string{
		"prepare-data": "host", "materialize-features": "host", "distributed-train": "host", "evaluate": "host",
	}
	lo.PassEnv = []string{
		"prepare-data=" + steps.EnvPostgresDSN,
		"materialize-features=" + steps.EnvPostgresDSN,
		"materialize-features=KFPGO_REDIS_URL",
		"distributed-train=" + steps.EnvPostgresDSN, // its secret_env, for the replicas
		"evaluate=" + steps.EnvPostgresDSN,
		"register-model=MLFLOW_TRACKING_TOKEN",
	}
	tracking := params["mlflow_tracking_uri"]
	if store, ok := strings.CutPrefix(tracking, "file:"); ok {
		if err := writableStore(store); err != nil {
			return err
		}
		lo.Mounts = append(lo.Mounts, local.Mount{Task: "register-model", Source: store})
	} else {
		lo.TaskNetwork["register-model"] = "host"
	}
	if ds := strings.TrimPrefix(params["dataset_uri"], "file://"); filepath.IsAbs(ds) {
		lo.Mounts = append(lo.Mounts, local.Mount{Task: "prepare-data", Source: filepath.Dir(ds), ReadOnly: true})
	}
	trainer, ok := strings.CutPrefix(params["trainer_image"], "ko://")
	if !ok {
		trainer = strings.TrimPrefix(TrainerImage, "ko://")
	}
	lo.Mounts = append(lo.Mounts, local.Mount{Task: "distributed-train", Source: c.TrainerBinary, Target: path.Join("/ko-app", path.Base(trainer)), ReadOnly: true})
	return nil
}

// writableStore creates the MLflow file store dir when missing and makes
// its folders and files writable by any user, so that register-model's
// image (uid 65532) can add to a store that runs as processes created.
func writableStore(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cartrain: MLflow file store %s: %w", dir, err)
	}
	return filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o666)
		if e.IsDir() {
			mode = 0o777
		} else if !e.Type().IsRegular() {
			return nil
		}
		if err := os.Chmod(p, mode); err != nil {
			return fmt.Errorf("cartrain: make the MLflow file store writable for the container's user: %w", err)
		}
		return nil
	})
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
	lo := local.Options{
		Params:       params,
		PipelineRoot: o.PipelineRoot,
		GoModuleDir:  o.ModuleDir,
		Progress:     o.Progress,
		NoCache:      o.NoCache,
	}
	if o.Containers != nil {
		if err := containerOptions(&lo, o.Containers, params); err != nil {
			return nil, err
		}
	}
	run, runErr := local.Run(ctx, p, lo)
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
