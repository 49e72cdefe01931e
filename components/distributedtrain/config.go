package distributedtrain

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Mode selects where the replicas run.
type Mode string

const (
	// ModeTFJob creates a Kubeflow training-operator TFJob (kubeflow.org/v1).
	ModeTFJob Mode = "tfjob"
	// ModeTrainJob creates a Kubeflow Trainer v2 TrainJob
	// (trainer.kubeflow.org/v1alpha1) and sets TF_CONFIG itself.
	ModeTrainJob Mode = "trainjob"
	// ModeLocal starts the replicas as processes on this machine with the
	// TF_CONFIG the operator would inject, on loopback ports.
	ModeLocal Mode = "local"
)

// Replicas counts the replicas of each TFJob replica type. A TrainJob
// supports Worker only (its nodes).
type Replicas struct {
	Chief, Worker, PS, Evaluator int32
}

func (r Replicas) total() int32 { return r.Chief + r.Worker + r.PS + r.Evaluator }

// Resources are the compute resources of every replica's trainer container.
// CPU and Memory go to both requests and limits (Guaranteed QoS); GPU goes
// to limits, which Kubernetes copies to requests for extended resources.
type Resources struct {
	// CPU is a Kubernetes quantity ("500m", "2"). Optional: unset means none.
	CPU string
	// Memory is a Kubernetes quantity ("512Mi", "4Gi"). Optional.
	Memory string
	// GPU is the number of accelerators. Optional.
	GPU int64
	// GPUResource is the extended resource name. Optional: defaults to
	// "nvidia.com/gpu".
	GPUResource string
}

// RunPolicy mirrors the training-operator's RunPolicy (kubeflow.org/v1).
// A TrainJob takes these from its TrainingRuntime; setting them with
// ModeTrainJob is an error.
type RunPolicy struct {
	// CleanPodPolicy is "All", "Running" or "None". Optional: the
	// operator's default ("None" for TFJob) applies.
	CleanPodPolicy string
	// BackoffLimit is the number of retries before the job fails. Optional.
	BackoffLimit *int32
	// ActiveDeadlineSeconds bounds the job's run time. Optional.
	ActiveDeadlineSeconds *int64
	// TTLSecondsAfterFinished deletes the finished job after this delay. Optional.
	TTLSecondsAfterFinished *int32
}

func (p RunPolicy) isZero() bool {
	return p.CleanPodPolicy == "" && p.BackoffLimit == nil && p.ActiveDeadlineSeconds == nil && p.TTLSecondsAfterFinished == nil
}

// Owner is the pipeline task's pod, made the owner (controller=false) of the
// job so Kubernetes garbage-collects the job when the run's pod goes away.
type Owner struct {
	// Name and UID of the pod. Both required.
	Name, UID string
}

// Environment variables the KFP backend sets on every task pod through the
// downward API (KFP v2 driver), read by [OwnerFromEnv].
const (
	EnvPodName = "KFP_POD_NAME"
	EnvPodUID  = "KFP_POD_UID"
)

// OwnerFromEnv returns the task pod as owner from KFP_POD_NAME and
// KFP_POD_UID, or nil when either is unset (outside a KFP run).
func OwnerFromEnv() *Owner {
	n, u := os.Getenv(EnvPodName), os.Getenv(EnvPodUID)
	if n == "" || u == "" {
		return nil
	}
	return &Owner{Name: n, UID: u}
}

// Config describes one distributed training run. Zero values take the
// defaults stated on each field.
type Config struct {
	// Mode is tfjob, trainjob or local. Required.
	Mode Mode
	// Name of the job (a DNS-1035 label of at most 48 characters, so that
	// the operator's service names "<name>-worker-<i>" stay valid).
	// Optional: defaults to "train-" plus 8 random hex digits.
	Name string
	// Namespace of the job. Optional: defaults to the pod's own namespace
	// (service account mount), else "default".
	Namespace string
	// Image is the training image. Required in cluster modes.
	Image string
	// Command and Args of the trainer container. In local mode Command[0] is
	// the executable to start and is required.
	Command, Args []string
	// Env is added to every replica, sorted by name.
	Env map[string]string
	// SecretEnv adds variables read from Kubernetes secrets to every
	// replica: variable name → "secret-name/key" (a secretKeyRef), so
	// credentials never appear in the job object. Cluster modes only.
	SecretEnv map[string]string
	// Replicas per type. At least one chief or worker.
	Replicas Replicas
	// Resources of each replica.
	Resources Resources
	// ModelPVC is the PersistentVolumeClaim mounted at ModelMountPath in every
	// replica for the model output. Required in cluster modes: the model must
	// outlive the replica pods. The launcher reads the metrics file at the
	// same path, so its own pod mounts the same claim at ModelMountPath.
	ModelPVC string
	// ModelMountPath is where the claim is mounted. Optional: defaults to
	// "/mnt/model-store".
	ModelMountPath string
	// ModelSubPath is the directory under the mount that this run owns.
	// Optional: defaults to the job name.
	ModelSubPath string
	// ModelURI overrides the model artifact URI in [Result]. Optional:
	// defaults to "pvc://<claim>/<subpath>/model" in cluster modes and
	// "file://<dir>/model" in local mode.
	ModelURI string
	// RunPolicy of a TFJob.
	RunPolicy RunPolicy
	// Labels go on the job (and, through the operator, on its pods).
	Labels map[string]string
	// Owner, if set, becomes an owner reference of the job. Optional:
	// typically [OwnerFromEnv].
	Owner *Owner
	// RuntimeRef names the ClusterTrainingRuntime of a TrainJob. Required
	// with ModeTrainJob.
	RuntimeRef string
	// Port is the replicas' TF_CONFIG port. Optional: defaults to 2222 (the
	// TFJob default port) for TFJob and 29500 (Trainer's container trainer
	// port) for TrainJob; ignored in local mode (free loopback ports).
	Port int32
	// Timeout bounds the whole run; on expiry the job is deleted. Optional:
	// defaults to 24 hours.
	Timeout time.Duration
	// PollInterval is how often the job and its pods are read. Optional:
	// defaults to 5 seconds.
	PollInterval time.Duration
	// LogTailLines is how many last log lines of the failing replica the
	// error carries. Optional: defaults to 50.
	LogTailLines int
	// Dynamic creates, reads and deletes the job; Kube lists pods and
	// streams their logs. Both required in cluster modes (see [NewClients]).
	Dynamic dynamic.Interface
	Kube    kubernetes.Interface
	// LogOutput receives replica log lines prefixed "[worker-1] ". Optional:
	// defaults to os.Stderr.
	LogOutput io.Writer
	// Logger receives the launcher's own progress. Optional: defaults to slog.Default().
	Logger *slog.Logger
	// WorkDir holds the model and metrics in local mode. Optional: defaults
	// to a new temporary directory.
	WorkDir string
	// StopGracePeriod is how long local replicas get between SIGTERM and
	// SIGKILL when another replica failed or the run is cancelled. Optional:
	// defaults to 10 seconds.
	StopGracePeriod time.Duration
}

const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// withDefaults fills defaults and validates; errors say which field and how to fix.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Mode {
	case ModeTFJob, ModeTrainJob, ModeLocal:
	case "":
		bad("mode is empty: set it to %q, %q or %q", ModeTFJob, ModeTrainJob, ModeLocal)
	default:
		bad("mode %q is unknown: use %q, %q or %q", c.Mode, ModeTFJob, ModeTrainJob, ModeLocal)
	}
	if c.Name == "" {
		var b [4]byte
		rand.Read(b[:])
		c.Name = "train-" + hex.EncodeToString(b[:])
	}
	if len(c.Name) > 48 {
		bad("name %q is %d characters: at most 48 so the operator's service names fit in 63", c.Name, len(c.Name))
	}
	for _, m := range validation.IsDNS1035Label(c.Name) {
		bad("name %q: %s", c.Name, m)
	}
	r := c.Replicas
	if r.Chief < 0 || r.Worker < 0 || r.PS < 0 || r.Evaluator < 0 {
		bad("replica counts must not be negative: %+v", r)
	}
	if r.Chief > 1 {
		bad("chief replicas = %d: a TFJob has at most one chief", r.Chief)
	}
	if r.Chief+r.Worker == 0 {
		bad("no chief or worker replicas: set replicas.worker to at least 1")
	}
	if c.Mode == ModeTrainJob && (r.Chief > 0 || r.PS > 0 || r.Evaluator > 0) {
		bad("a TrainJob runs worker nodes only: set chief, ps and evaluator replicas to 0 (got %+v)", r)
	}
	if c.Mode == ModeTrainJob && !c.RunPolicy.isZero() {
		bad("run policy is not a TrainJob field: set it on the TrainingRuntime %q or use mode %q", c.RuntimeRef, ModeTFJob)
	}
	switch c.RunPolicy.CleanPodPolicy {
	case "", "All", "Running", "None":
	default:
		bad("cleanPodPolicy %q: use All, Running or None", c.RunPolicy.CleanPodPolicy)
	}
	for _, q := range []struct{ field, v string }{{"cpu", c.Resources.CPU}, {"memory", c.Resources.Memory}} {
		if q.v != "" {
			if _, err := resource.ParseQuantity(q.v); err != nil {
				bad("resources.%s %q is not a Kubernetes quantity (e.g. \"500m\", \"2Gi\"): %v", q.field, q.v, err)
			}
		}
	}
	if c.Resources.GPU < 0 {
		bad("resources.gpu %d must not be negative", c.Resources.GPU)
	}
	if c.Resources.GPUResource == "" {
		c.Resources.GPUResource = "nvidia.com/gpu"
	}
	for k := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			bad("env name %q is invalid", k)
		}
		if k == "TF_CONFIG" || k == "KFPGO_MODEL_DIR" || k == "KFPGO_METRICS_FILE" {
			bad("env %s is set by the launcher; remove it from env", k)
		}
	}
	if c.ModelMountPath == "" {
		c.ModelMountPath = "/mnt/model-store"
	}
	if c.ModelSubPath == "" {
		c.ModelSubPath = c.Name
	}
	if path.IsAbs(c.ModelSubPath) || strings.HasPrefix(path.Clean(c.ModelSubPath), "..") {
		bad("modelSubPath %q must be relative and stay under the mount", c.ModelSubPath)
	}
	switch c.Mode {
	case ModeTFJob, ModeTrainJob:
		if c.Image == "" {
			bad("image is empty: set the training image")
		}
		if c.ModelPVC == "" {
			bad("modelPVC is empty: cluster modes need a PersistentVolumeClaim for the model output")
		}
		if c.Dynamic == nil || c.Kube == nil {
			bad("no Kubernetes clients: set Dynamic and Kube (see NewClients)")
		}
		if c.Namespace == "" {
			c.Namespace = "default"
			if b, err := os.ReadFile(serviceAccountNamespaceFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
				c.Namespace = strings.TrimSpace(string(b))
			}
		}
		if c.Owner != nil && (c.Owner.Name == "" || c.Owner.UID == "") {
			bad("owner needs both a pod name and a pod UID")
		}
	case ModeLocal:
		if len(c.Command) == 0 || c.Command[0] == "" {
			bad("local mode runs command[0] as a process: set command to the trainer executable")
		}
	}
	if c.Mode == ModeTrainJob && c.RuntimeRef == "" {
		bad("runtimeRef is empty: name the ClusterTrainingRuntime the TrainJob uses")
	}
	if c.Port == 0 {
		c.Port = 2222
		if c.Mode == ModeTrainJob {
			c.Port = 29500
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = 24 * time.Hour
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.LogTailLines <= 0 {
		c.LogTailLines = 50
	}
	if c.LogOutput == nil {
		c.LogOutput = os.Stderr
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.StopGracePeriod <= 0 {
		c.StopGracePeriod = 10 * time.Second
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("distributed-train config: %w", errors.Join(errs...))
	}
	return c, nil
}

// modelDir and metricsFile are the paths the replicas (and, through the
// same PVC mount, the launcher) use in cluster modes.
func (c Config) modelDir() string { return path.Join(c.ModelMountPath, c.ModelSubPath, "model") }
func (c Config) metricsFile() string {
	return path.Join(c.ModelMountPath, c.ModelSubPath, "metrics.json")
}
