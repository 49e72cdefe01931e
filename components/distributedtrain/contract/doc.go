// Package contract is the agreement between the distributed-train launcher
// (package distributedtrain) and the training image it starts.
//
// The launcher sets three environment variables on every replica:
//
//   - TF_CONFIG: the TensorFlow cluster description (shape [TFConfig]),
//     exactly as the Kubeflow training-operator injects it into a TFJob
//     replica; unset when the job has a single replica, as the operator does.
//   - KFPGO_MODEL_DIR: the directory the trainer writes its model into.
//   - KFPGO_METRICS_FILE: the path of the metrics JSON file ([Metrics]).
//
// Only the writing replica ([TFConfig.IsWriter]: the chief, else worker 0)
// writes the model and the metrics file, and it writes the metrics file last
// and atomically ([WriteMetrics]): its presence means the model is complete.
// After the job succeeds the launcher reads the file with [ReadMetrics] and
// returns the scalars as KFP system.Metrics and the confusion matrix as KFP
// system.ClassificationMetrics ([ConfusionMatrix.KFPMetadata]).
package contract
