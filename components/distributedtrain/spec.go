package distributedtrain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/kfpgo/kfpgo/sdk/artifacts"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// Image is the ko reference of the distributed-train component binary.
const Image = "ko://github.com/kfpgo/kfpgo/cmd/distributed-train"

// EnvDatasetTable is set on every replica to the offline store table named
// by the dataset input's "table" metadata (see the trainer contract).
const EnvDatasetTable = "KFPGO_DATASET_TABLE"

// In is the input of the distributed-train component.
type In struct {
	// Dataset is prepare-data's output; its "table" metadata is passed to
	// the replicas as KFPGO_DATASET_TABLE.
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
	// Mode is "tfjob" (Kubeflow training-operator), "trainjob" (Trainer v2)
	// or "local" (replicas as processes on this machine).
	Mode dsl.Param[string] `kfp:"mode" default:"tfjob"`
	// TrainerImage is the training image. In local mode a ko:// image's
	// binary runs directly: the one at its ko path (/ko-app/<name>) when
	// present, else built with `go build`.
	TrainerImage dsl.Param[string] `kfp:"trainer_image"`
	// TrainerCommand and TrainerArgs are the trainer container's command
	// and arguments; an empty command uses the image's entrypoint (for ko
	// images, /ko-app/<binary>).
	TrainerCommand dsl.Param[[]string] `kfp:"trainer_command" default:"[]"`
	TrainerArgs    dsl.Param[[]string] `kfp:"trainer_args" default:"[]"`
	// Workers is the number of worker replicas; Chief adds a chief.
	Workers dsl.Param[int]  `kfp:"workers" default:"2"`
	Chief   dsl.Param[bool] `kfp:"chief" default:"false"`
	// Epochs, when above 0, is passed as --epochs=N after TrainerArgs.
	Epochs dsl.Param[int] `kfp:"epochs" default:"0"`
	// CPU, Memory (Kubernetes quantities) and GPU (count) per replica.
	CPU    dsl.Param[string] `kfp:"cpu" default:""`
	Memory dsl.Param[string] `kfp:"memory" default:""`
	GPU    dsl.Param[int]    `kfp:"gpu" default:"0"`
	// ModelPVC is the claim holding the model output (cluster modes).
	ModelPVC dsl.Param[string] `kfp:"model_pvc" default:""`
	// Namespace of the job ("" for the pod's own).
	Namespace dsl.Param[string] `kfp:"namespace" default:""`
	// RuntimeRef is the ClusterTrainingRuntime of a TrainJob.
	RuntimeRef dsl.Param[string] `kfp:"runtime_ref" default:""`
	// SecretEnv maps replica environment variables to Kubernetes secret
	// keys as "secret-name/key" (cluster modes); in local mode the variables
	// are taken from the launcher's own environment.
	SecretEnv dsl.Param[map[string]string] `kfp:"secret_env,optional"`
	// TimeoutSeconds bounds the whole training run.
	TimeoutSeconds dsl.Param[int] `kfp:"timeout_seconds" default:"86400"`
}

// Out is the output of the distributed-train component.
type Out struct {
	// Model is where the trainer wrote the model (a pvc:// URI on a
	// cluster, the local artifact folder in local mode).
	Model dsl.Artifact[dsl.Model] `kfp:"model"`
	// Metrics holds the scalars of the trainer's metrics file.
	Metrics dsl.Artifact[dsl.Metrics] `kfp:"metrics"`
	// ClassificationMetrics holds the trainer's validation confusion matrix.
	ClassificationMetrics dsl.Artifact[dsl.ClassificationMetrics] `kfp:"classification_metrics"`
	// Accuracy is the trainer's "accuracy" metric (0 when absent).
	Accuracy dsl.Param[float64] `kfp:"accuracy"`
}

// Component launches and supervises distributed training. It is
// side-effecting (it creates cluster objects), so its tasks do not cache by
// default.
var Component = dsl.NewComponent("distributed-train", run, dsl.Image(Image), dsl.SideEffects(),
	dsl.Description("Runs multi-worker training as a Kubeflow TFJob or Trainer v2 TrainJob (or local replicas with the same TF_CONFIG) and outputs the model and its metrics."))

func run(ctx context.Context, in In) (Out, error) {
	out := dsl.Outputs[Out](ctx)
	table, _ := in.Dataset.Metadata()["table"].(string)
	mode := Mode(in.Mode.Value())
	cfg := Config{
		Mode:      mode,
		Image:     in.TrainerImage.Value(),
		Command:   in.TrainerCommand.Value(),
		Args:      append([]string(nil), in.TrainerArgs.Value()...),
		Env:       map[string]string{},
		Replicas:  Replicas{Worker: int32(in.Workers.Value())},
		Resources: Resources{CPU: in.CPU.Value(), Memory: in.Memory.Value(), GPU: int64(in.GPU.Value())},
		ModelPVC:  in.ModelPVC.Value(),
		Namespace: in.Namespace.Value(),
		Owner:     OwnerFromEnv(),
		Timeout:   time.Duration(in.TimeoutSeconds.Value()) * time.Second,
		Labels:    map[string]string{"pipelines.kubeflow.org/component": "distributed-train"},
	}
	if in.Chief.Value() {
		cfg.Replicas.Chief = 1
	}
	if table != "" {
		cfg.Env[EnvDatasetTable] = table
	}
	if n := in.Epochs.Value(); n > 0 {
		cfg.Args = append(cfg.Args, "--epochs="+strconv.Itoa(n))
	}
	if mode == ModeTrainJob {
		cfg.RuntimeRef = in.RuntimeRef.Value()
	}
	secretEnv := in.SecretEnv.Value()
	switch mode {
	case ModeLocal:
		// Replicas get the launcher's own values of the secret variables.
		for name := range secretEnv {
			if v, ok := os.LookupEnv(name); ok {
				cfg.Env[name] = v
			}
		}
		if len(cfg.Command) == 0 || strings.HasPrefix(cfg.Command[0], "/ko-app/") {
			bin, err := localBinary(ctx, cfg.Image)
			if err != nil {
				return *out, err
			}
			if len(cfg.Command) == 0 {
				cfg.Command = []string{bin}
			} else {
				cfg.Command = append([]string{bin}, cfg.Command[1:]...)
			}
		}
		cfg.WorkDir = filepath.Dir(out.Model.Path())
		cfg.ModelSubPath = "."
	default:
		cfg.SecretEnv = secretEnv
		rc, err := rest.InClusterConfig()
		if err != nil {
			return *out, fmt.Errorf("distributed-train: mode %s needs a Kubernetes cluster (in-cluster config: %v); use mode local on one machine", mode, err)
		}
		if cfg.Dynamic, cfg.Kube, err = NewClients(rc); err != nil {
			return *out, err
		}
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		return *out, err
	}
	if rt := out.Model.Runtime(); rt != nil && res.ModelURI != "" && mode != ModeLocal {
		rt.URI = res.ModelURI
	}
	for name, v := range res.Metrics {
		if err := artifacts.LogMetric(out.Metrics, name, v); err != nil {
			return *out, err
		}
	}
	if cm := res.ConfusionMatrix; cm != nil {
		m := make([][]float64, len(cm.Matrix))
		for i, row := range cm.Matrix {
			m[i] = make([]float64, len(row))
			for j, c := range row {
				m[i][j] = float64(c)
			}
		}
		if err := artifacts.LogClassificationMetrics(out.ClassificationMetrics, artifacts.ClassificationMetrics{Categories: cm.Classes, Matrix: m}); err != nil {
			return *out, err
		}
	}
	out.Accuracy.Set(res.Metrics["accuracy"])
	return *out, nil
}

// KoAppDir is where ko puts the binary of an image: /ko-app/<last element
// of the import path>.
const KoAppDir = "/ko-app"

// localBinary returns the trainer binary of a ko:// trainer image in local
// mode: the image's own binary when it is present at its ko path
// (KoAppDir/<name>), as when distributed-train runs in its container and
// the local runner mounts the trainer image's binary there (kfpgo run
// --local --images built); otherwise it builds the import path with `go
// build` (cached by import path under the user cache directory), as when
// distributed-train runs as a process from a checkout.
func localBinary(ctx context.Context, image string) (string, error) {
	imp, ok := strings.CutPrefix(image, "ko://")
	if !ok {
		return "", fmt.Errorf("distributed-train: local mode runs Go trainers only: trainer_image %q is not a ko:// reference (set trainer_command to a local executable instead)", image)
	}
	if shipped := path.Join(KoAppDir, path.Base(imp)); isExecutable(shipped) {
		return shipped, nil
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("distributed-train: local mode needs the trainer %s: neither its binary at %s (mount it from the trainer image) nor the go command to build it is here", image, path.Join(KoAppDir, path.Base(imp)))
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	sum := sha256.Sum256([]byte(imp))
	bin := filepath.Join(dir, "kfpgo", "trainers", hex.EncodeToString(sum[:8]), path.Base(imp))
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, imp)
	// The local runner says which module its Go images come from.
	cmd.Dir = os.Getenv("KFPGO_MODULE_DIR")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("distributed-train: go build %s: %v\n%s", imp, err, b)
	}
	return bin, nil
}

// isExecutable reports whether p is a regular file with an execute bit.
func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
