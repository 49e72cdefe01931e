package distributedtrain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// Result is what a successful run produced.
type Result struct {
	// Kind is "TFJob", "TrainJob" or "local"; Namespace/Name identify the job.
	Kind, Namespace, Name string
	// ModelDir is the model directory as the launcher sees it; ModelURI is
	// the Model artifact URI (see Config.ModelURI).
	ModelDir, ModelURI string
	// MetricsFile is the metrics file that was read.
	MetricsFile string
	// Metrics are the scalar metrics (KFP system.Metrics).
	Metrics map[string]float64
	// ConfusionMatrix is the validation confusion matrix, if the trainer
	// wrote one (KFP system.ClassificationMetrics, see
	// contract.ConfusionMatrix.KFPMetadata).
	ConfusionMatrix *contract.ConfusionMatrix
}

// ReplicaFailure describes the replica that made a job fail.
type ReplicaFailure struct {
	// Replica is "worker-1", "chief-0", "node-2".
	Replica string
	// Reason is the container's termination reason ("Error",
	// "OOMKilled") or, locally, the process state ("exit status 1").
	Reason string
	// Message is the termination message, if any.
	Message  string
	ExitCode int
	// LogTail holds the replica's last log lines (Config.LogTailLines).
	LogTail []string
}

// JobFailedError is returned when the job reaches its Failed condition or a
// local replica exits non-zero. Match it with errors.As.
type JobFailedError struct {
	Kind, Namespace, Name string
	// Reason and Message come from the job's Failed condition (cluster modes).
	Reason, Message string
	// Replica is the failing replica, when one could be identified.
	Replica *ReplicaFailure
}

func (e *JobFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s failed", e.Kind, strings.TrimPrefix(e.Namespace+"/"+e.Name, "/"))
	if e.Reason != "" || e.Message != "" {
		fmt.Fprintf(&b, " (%s: %s)", e.Reason, e.Message)
	}
	if r := e.Replica; r != nil {
		fmt.Fprintf(&b, ": replica %s exited with code %d", r.Replica, r.ExitCode)
		if r.Reason != "" {
			fmt.Fprintf(&b, " (%s)", r.Reason)
		}
		if r.Message != "" {
			fmt.Fprintf(&b, ": %s", r.Message)
		}
		if len(r.LogTail) > 0 {
			fmt.Fprintf(&b, "; last %d log lines:\n  %s", len(r.LogTail), strings.Join(r.LogTail, "\n  "))
		}
	} else {
		b.WriteString(": no failed replica pod found; inspect the job's events")
	}
	return b.String()
}

// Run starts the training job described by cfg, waits for it, and returns
// the model location and the metrics the trainer wrote.
//
// Errors: a config error (fix the named field); *JobFailedError when the
// job or a replica failed; an error wrapping context.Canceled or
// context.DeadlineExceeded when ctx ended or Config.Timeout expired, after
// the job was deleted (cluster) or the replicas stopped (local); an error
// naming the metrics file when the trainer did not write a valid one.
func Run(ctx context.Context, cfg Config) (Result, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, c.Timeout,
		fmt.Errorf("distributed-train: job %s did not finish within the timeout %v: %w", c.Name, c.Timeout, context.DeadlineExceeded))
	defer cancel()
	var res Result
	switch c.Mode {
	case ModeLocal:
		res, err = runLocal(ctx, c)
	default:
		res, err = runCluster(ctx, c)
	}
	if err != nil {
		return res, err
	}
	m, err := contract.ReadMetrics(res.MetricsFile)
	if err != nil {
		return res, fmt.Errorf("%s %s succeeded but its metrics are unusable: %w (the trainer's writing replica must write %s; in cluster modes this pod must mount PVC %q at %s)",
			res.Kind, res.Name, err, contract.EnvMetricsFile, c.ModelPVC, c.ModelMountPath)
	}
	res.Metrics, res.ConfusionMatrix = m.Metrics, m.ConfusionMatrix
	return res, nil
}

// ctxErr returns the cause of ctx's end (the timeout message or
// context.Canceled).
func ctxErr(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// NewClients builds the dynamic and typed clients from a REST config,
// e.g. rest.InClusterConfig() inside the pipeline pod.
func NewClients(rc *rest.Config) (dynamic.Interface, kubernetes.Interface, error) {
	d, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("dynamic client: %w", err)
	}
	k, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return d, k, nil
}
