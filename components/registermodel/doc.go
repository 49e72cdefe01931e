// Package registermodel is the logic of the register-model component:
// it registers a trained model's artifact URI as a version of a registered
// model in MLflow's Model Registry, logs the training params and metrics
// to an MLflow run, and points an alias (e.g. "champion") at the version.
//
// Call Run with a Config; it returns a Result with the version number and
// the "models:/<name>/<version>" URI.
//
// # Stores
//
// The tracking URI picks the store (mlflow.Open): http(s)://… talks to a
// tracking server over MLflow's REST API, with MLflow's environment
// variables for credentials and TLS (MLFLOW_TRACKING_TOKEN, or
// MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD;
// MLFLOW_TRACKING_SERVER_CERT_PATH; MLFLOW_TRACKING_INSECURE_TLS). With no
// server, a file:<dir> URI or a plain directory (and, as in MLflow, ./mlruns
// when nothing is set) gets MLflow's file-store layout, which
// `mlflow server --backend-store-uri file:<dir>` serves:
//
//	mlflow server --backend-store-uri file:/path/to/run-folder/mlruns --port 5000
//
// When KFP's MLflow integration injects MLFLOW_TRACKING_URI and
// MLFLOW_RUN_ID, Run logs to that run and links the version to it.
//
// # Local models
//
// A tracking server validates every version source
// (mlflow/server/handlers.py _validate_source_run): a local path or
// file: URI is accepted only inside the local artifact directory of the
// given run, which a server that proxies artifacts (mlflow-artifacts:/…,
// the default of `mlflow server`) never has. So Run does what MLflow's
// client does for mlflow.register_model("runs:/<run_id>/model"): it uploads
// the model directory to the run's artifacts through the server's
// /api/2.0/mlflow-artifacts/artifacts endpoints and registers
// "<run artifact_uri>/model" with the run's ID. When the server reports a
// run artifact location it does not proxy (s3://…, a server-side path), Run
// stops with a *NotProxiedError naming the two fixes: serve artifacts
// through the server (--serve-artifacts --artifacts-destination), or put
// the model in remote storage and register it by reference.
//
// # Idempotence
//
// A version is tagged with kfp.pipeline_run_id and kfp.task_name (and, from
// the component, kfpgo.model_sha256). Before registering, Run searches for a
// version with the same identity and, if one exists, reuses it, so
// re-running a pipeline task registers nothing new. A retried attempt that
// failed before its version existed finds the tracking run of the earlier
// attempt by the same two tags (runs/search) and logs to it again, instead
// of leaving one run per attempt. This works with both stores.
//
// # Errors and retries
//
// Connection errors, 429 and 5xx answers are retried inside the client with
// backoff (a request that creates a run or version only on 429 and 503, where
// the server did not act). A 4xx refusal is MLflow saying no: it fails at
// once with MLflow's status, error_code and message, for example
//
//	register-model: creating a version of "cars" from mlflow-artifacts:/1/<run>/artifacts/model:
//	MLflow POST /api/2.0/mlflow/model-versions/create: 400 Bad Request: INVALID_PARAMETER_VALUE: …
//
// A bad Config is a *ConfigError naming the field (no model URI, no model
// name, a reserved alias). An unreachable server is an
// *mlflow.UnreachableError. Tokens and passwords never appear in errors or
// logs.
//
// # Exit status under a retry policy
//
// The component exits with status 1 and that error as the last line of its
// log. KFP's retry policy (and the local runner's) re-runs a failed task
// whatever its exit status, so a refused registration is re-sent by each
// attempt; nothing of it is hidden or multiplied: each attempt fails with
// the same MLflow error_code and message (the local runner prints the
// reason of every attempt, "retry 1/3 in 10s: …"), reuses the same tracking
// run and creates no version, and the task ends Failed with MLflow's
// refusal as its message. A retry that does succeed (a transient cause that
// outlived the client's own retries) registers exactly one version.
package registermodel
