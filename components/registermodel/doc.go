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
// # Idempotence
//
// A version is tagged with kfp.pipeline_run_id and kfp.task_name. Before
// registering, Run searches for a version with the same two tags and, if
// one exists, reuses it (and skips the tracking run), so re-running a
// pipeline task registers nothing new. This works with both stores.
//
// # Errors
//
// A bad Config is a *ConfigError naming the field (no model URI, no model
// name, a reserved alias). An unreachable server is an
// *mlflow.UnreachableError; a refusal is an *mlflow.Error with MLflow's
// error_code, and 401/403 answers say how to fix the credentials. Tokens
// and passwords never appear in errors or logs.
package registermodel
