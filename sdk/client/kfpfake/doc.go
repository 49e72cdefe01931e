// Package kfpfake is an in-memory KFP API server (REST API v2beta1) for
// tests, served by net/http/httptest.
//
// It behaves like KFP's API server where a client can tell the difference:
// the same paths and custom verbs (:enable, :disable, :terminate, :retry,
// :archive), snake_case JSON with int64 fields as strings, request bodies
// unmarshalled strictly (an unknown field is a 400 INVALID_ARGUMENT, as with
// the server's protojson DiscardUnknown=false), google.rpc.Status error
// bodies {code, message, details} (the upload endpoints answer
// {error_message, error_details} as the real ones do), run parameters
// checked against the root inputDefinitions of the pipeline they run,
// max_concurrency bounded to 1–10 and cron parsed with KFP's own parser
// (robfig/cron's 6-field seconds-first format, which also accepts 5 fields),
// filters and page tokens on lists, and a bearer token check when
// Options.Token is set.
//
// Runs do not execute: each GET of a run advances it one step through
// Options.RunStates (PENDING → RUNNING → SUCCEEDED by default). Calls records
// every request, so tests can assert what a client did (e.g. one create and
// one ORPHAN delete).
package kfpfake
