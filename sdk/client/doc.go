// Package client is a Go client for the Kubeflow Pipelines REST API v2beta1
// (the API behind the KFP UI and `kfp` CLI): pipelines and pipeline versions,
// experiments, runs and recurring runs.
//
// Paths, field names and enums follow KFP's protos and generated swagger
// (github.com/kubeflow/pipelines, backend/api/v2beta1): requests and
// responses are snake_case JSON as the server's gateway speaks it
// (protojson with proto names), int64 fields travel as JSON strings,
// timestamps as RFC 3339, enums by name. Lists are paginated with
// page_token/next_page_token; the List…All helpers follow the tokens.
//
// # Seam
//
// API is the interface the CLI and the helpers program against; *Client
// implements it over HTTP and package kfpfake serves the same paths from an
// in-memory store for tests. The helpers on top — UploadPackage, BuildRun,
// WaitRun, ApplyRecurringRun — take an API, so they run against either.
//
// # Parameters
//
// Runtime parameters go to runtime_config.parameters with their real JSON
// types, checked against the pipeline's root inputDefinitions
// (NUMBER_INTEGER, NUMBER_DOUBLE, STRING, BOOLEAN, LIST, STRUCT): a string
// for an integer parameter, an unknown name or a missing required parameter
// is refused before any request. ParseParameterValues turns the CLI's
// name=value strings into typed values.
//
// # Transport
//
// Options carries the endpoint, a bearer token (literal, or a file re-read
// on every request, as projected service-account tokens rotate), the
// namespace of a multi-user install, a custom CA or insecure-skip-verify, a
// per-request timeout, and retries with exponential backoff on 429 and 5xx
// (requests that create something are retried only on 429 and 503, which
// mean the server did not act). Tokens are never logged.
//
// # Errors
//
// A non-2xx answer is an *APIError carrying the HTTP status, the gRPC code
// and the server's message verbatim, whichever error body the server sent
// (google.rpc.Status {code, message, details}, the older gateway's
// {error, code, message, details}, the upload endpoint's
// {error_message, error_details}, or plain text). Match with errors.As, or
// IsNotFound. Client-side refusals (bad parameters, bad schedule) are
// *ParameterError and *schedule.Error values.
package client
