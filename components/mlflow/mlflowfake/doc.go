// Package mlflowfake is an in-memory MLflow tracking server for tests,
// served by net/http/httptest on a loopback port.
//
// It implements exactly the REST endpoints package mlflow calls, with
// MLflow's paths (/api/2.0/mlflow/...), methods, JSON field names, status
// codes and error bodies {"error_code": ..., "message": ...}:
// RESOURCE_ALREADY_EXISTS (400), RESOURCE_DOES_NOT_EXIST (404) and
// INVALID_PARAMETER_VALUE (400), with the messages of MLflow's SQL store.
// Authentication can be required (a bearer token and/or basic-auth
// credentials); a refusal is a 401 with the plain-text body of MLflow's
// basic-auth app. FailNext injects 5xx or 429 answers per endpoint.
//
// New model versions start PENDING_REGISTRATION and turn READY (or
// FAILED_REGISTRATION with FailRegistration) after PendingPolls reads, so
// clients exercise their polling. model-versions/search understands the
// filter clauses name, run_id, source_path and tags.<key> (backticks
// allowed) compared with = and joined by AND, returns MLflow's default
// order and paginates with a base64 {"offset": N} token as MLflow does.
//
// It applies the validation rules of MLflow's server, read from its source
// (mlflow/server/handlers.py, mlflow/utils/validation.py, mlflow/utils/uri.py,
// mlflow/store/model_registry/sqlalchemy_store.py), with MLflow's status
// codes and messages:
//
//   - model-versions/create: a local source (path or file: URI) only with a
//     run_id and inside that run's local artifact directory; any other
//     source without ".." (also percent-encoded), "." segments or an empty
//     path; "models:/<name>/<version>" must name an existing version (500
//     INTERNAL_ERROR otherwise); "runs:/…" is stored as given; version tags
//     within 250/5000 characters;
//   - runs/log-batch: param, tag and metric names (characters, normalized
//     relative paths), keys of at most 250 characters, param and tag values
//     truncated to 6000/5000 (MLFLOW_TRUNCATE_LONG_VALUES is true by
//     default), no duplicate param keys, no changed param value, batch
//     limits;
//   - run lifecycle: a deleted run (DeleteRun) refuses log-batch and
//     runs/update, and runs/search leaves it out;
//   - aliases: _validate_model_alias_name's rules and messages;
//   - mlflow-artifacts: PUT/GET <path> and GET ?path= (list), paths checked
//     as validate_path_is_safe does ("Invalid path"), a missing download is
//     500 INTERNAL_ERROR, and NoServeArtifacts answers 503 as
//     `mlflow server --no-serve-artifacts`.
//
// Runs keep their artifacts under ArtifactRoot ("mlflow-artifacts:/" as a
// default `mlflow server` reports; set another root to act as a server that
// does not proxy artifacts).
//
// Requests records every request (without credentials; an artifact upload
// without its bytes) for assertions.
package mlflowfake
