// Package distributedtrain is the distributed-train standard component's
// logic: it runs a TensorFlow-style distributed training job and returns
// the model location and the trainer's metrics.
//
// [Run] takes a [Config] and, by [Config.Mode]:
//
//   - tfjob: creates a Kubeflow training-operator TFJob (kubeflow.org/v1,
//     [BuildTFJob]) with client-go's dynamic client;
//   - trainjob: creates a Kubeflow Trainer v2 TrainJob
//     (trainer.kubeflow.org/v1alpha1, [BuildTrainJob]) and sets TF_CONFIG
//     itself, since Trainer v2 does not inject it;
//   - local: starts the replicas as processes on this machine with the
//     TF_CONFIG the operator would inject, on free loopback ports
//     ([LocalTFConfigs]).
//
// In the cluster modes Run polls the job's conditions every PollInterval (a
// TFJob's Created, Running, Restarting, then Succeeded or Failed; a
// TrainJob has only Complete or Failed, which Trainer copies from its
// JobSet with the JobSet's reason and message), streams
// every replica pod's log to LogOutput prefixed "[worker-1] ", deletes the
// job when ctx is cancelled (the pipeline run was terminated: SIGTERM) or
// Timeout expires, and on failure returns a [*JobFailedError] naming the
// failing replica, its termination reason and its log tail. The job gets an
// owner reference to the pipeline task's pod ([OwnerFromEnv]) so that it is
// garbage-collected with the run.
//
// # TrainJob runtime
//
// A TrainJob names a ClusterTrainingRuntime ([Config.RuntimeRef]) whose
// JobSet template has a replicated job "node" labelled
// trainer.kubeflow.org/trainjob-ancestor-step=trainer with a container
// "node", and no torch or MPI policy (Trainer's plain-ML plugin then takes
// the node count and env from the TrainJob as they are). Restart policy
// Never with backoff limit 0 makes a failing node fail the run at once, as
// a TFJob with restart policy Never does; package testenv's
// TrainJobRuntimeYAML is such a runtime.
//
// # Trainer contract
//
// Every replica gets TF_CONFIG, KFPGO_MODEL_DIR and KFPGO_METRICS_FILE
// (package contract). In the cluster modes both paths lie on the model PVC,
// mounted at ModelMountPath:
//
//	<ModelMountPath>/<ModelSubPath>/model         KFPGO_MODEL_DIR
//	<ModelMountPath>/<ModelSubPath>/metrics.json  KFPGO_METRICS_FILE
//
// and the launcher's own pod must mount the same claim at the same path to
// read the metrics. In local mode they lie under WorkDir. The writing
// replica (chief, else worker 0) writes the model, then the metrics JSON:
//
//	{"metrics": {"accuracy": 0.83, "loss": 0.41},
//	 "confusion_matrix": {"classes": ["Europe", "Japan", "USA"], "matrix": [[...], ...]}}
//
// [Result] carries the model URI, the scalars (KFP system.Metrics) and the
// confusion matrix (KFP system.ClassificationMetrics via
// contract.ConfusionMatrix.KFPMetadata). Package cartrainer and command
// cmd/cartrainer are an example trainer that follows this contract.
package distributedtrain
