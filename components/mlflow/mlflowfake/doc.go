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
// Requests records every request (without credentials) for assertions.
package mlflowfake
