// Package mlflow talks to MLflow: a REST client for a tracking server and a
// writer of MLflow's local file store, both behind the Store interface that
// the register-model component uses.
//
// # REST API
//
// Client calls the endpoints under /api/2.0/mlflow that register-model
// needs, with MLflow's paths, methods and JSON field names
// (mlflow/protos/service.proto, mlflow/protos/model_registry.proto; REST
// reference https://mlflow.org/docs/latest/rest-api.html):
//
//	GET  experiments/get-by-name   POST experiments/create
//	POST runs/create               GET  runs/get
//	POST runs/log-batch            POST runs/update
//	POST registered-models/create  GET  registered-models/get
//	POST model-versions/create     GET  model-versions/get
//	GET  model-versions/search     POST registered-models/alias
//	POST runs/search
//
// and the artifact proxy that `mlflow server` serves by default
// (ArtifactsPrefix, mlflow/protos/mlflow_artifacts.proto):
//
//	PUT  /api/2.0/mlflow-artifacts/artifacts/<path>   upload one file (streamed)
//	GET  /api/2.0/mlflow-artifacts/artifacts/<path>   download one file
//	GET  /api/2.0/mlflow-artifacts/artifacts?path=<d> list a directory
//
// Authentication follows MLflow's client (mlflow/utils/rest_utils.py):
// MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD as HTTP basic auth, else
// MLFLOW_TRACKING_TOKEN as a bearer token. TLS: MLFLOW_TRACKING_SERVER_CERT_PATH
// adds a CA bundle, MLFLOW_TRACKING_INSECURE_TLS=true skips verification
// (not both). OptionsFromEnv reads these names. Credentials are never
// logged, and are removed from every error text.
//
// Only what can succeed when sent again is retried, with exponential
// backoff: transport errors, 429 and 5xx answers. A 4xx answer is MLflow
// refusing the request and is returned at once. Requests that create a run
// or a model version are retried only where the server surely did not act
// (429, 503, connection refused).
//
// # Errors
//
// A non-2xx answer is an *Error carrying the HTTP status and MLflow's
// error_code and message from the body {"error_code": "...", "message":
// "..."}; 401 and 403 errors say how to fix the credentials. Match with
// errors.As, IsErrorCode, IsNotFound or IsAlreadyExists. A server that
// cannot be reached at all gives an *UnreachableError naming the URI.
//
// # File store
//
// FileStore writes the directory layout of MLflow's FileStore for
// tracking (mlflow/store/tracking/file_store.py) and for the model registry
// (mlflow/store/model_registry/file_store.py), as of MLflow 3.x: experiment
// and run meta.yaml files, params/, metrics/ (one "<timestamp> <value>
// <step>" line per point, the value as Python's repr), tags/, and
// models/<name>/{meta.yaml,tags/,aliases/,version-<N>/}. meta.yaml files
// are byte-compatible with PyYAML's safe_dump (sorted keys, PyYAML's
// quoting and line folding), so `mlflow server --backend-store-uri
// file:<dir>` and `mlflow ui` show what it wrote. The FileStore type's
// documentation lists every file. Versions are READY at once there, as in
// MLflow's file store.
//
// Open chooses the store from a tracking URI: http(s) gives a Client,
// file: or a plain path gives a FileStore.
package mlflow
