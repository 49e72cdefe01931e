// Package executor is the in-container runtime of Go-function components: it
// speaks Kubeflow Pipelines' launcher protocol for the binary that hosts one
// or more components defined with dsl.NewComponent.
//
// A component binary is a one-line main:
//
//	func main() { executor.Main(train.Component) }
//
// or, for a binary hosting every component registered by the packages it
// imports, executor.Main() with no arguments. KFP runs the binary as the
// component's container with the arguments dsl.NewComponent wrote:
//
//	/ko-app/train --executor_input '<ExecutorInput JSON>' --function_to_execute train
//
// The run follows KFP's Python executor (sdk/python/kfp/dsl/executor.py) and
// the v2 launcher (backend/src/v2/component/launcher_v2.go):
//
//  1. --executor_input is parsed with protojson into the official
//     pipelinespec.ExecutorInput (unknown fields of newer KFP versions are
//     ignored);
//  2. the component's In struct is filled through its dsl.Signature:
//     parameters converted to the field's Go type (defaults applied for
//     absent optional inputs), artifacts with their URI, metadata and local
//     path, lists of artifacts, PipelineTaskFinalStatus;
//  3. the Out struct is prepared with each output artifact bound to its URI
//     and local path (parent directories created) and put in the context,
//     where the function reads it with dsl.Outputs;
//  4. the function runs with a context cancelled on SIGTERM or SIGINT (the
//     signal Kubernetes sends when a run is cancelled); the first signal
//     restores the default handling, so a second one ends the process, and
//     a function that returns after the cancellation writes no
//     ExecutorOutput: the process exits with 128 + the signal number (143
//     for SIGTERM, 130 for SIGINT);
//  5. the ExecutorOutput — output parameter values, and each output
//     artifact's name, URI and metadata (metrics included) — is written as
//     JSON to the outputFile the ExecutorInput names, parent directories
//     created, through a temporary file and a rename so no partial file is
//     left behind;
//  6. each output artifact whose local path holds neither a file nor a
//     folder gets a one-line "executor: warning:" on stderr (KFP would
//     upload nothing), except the metrics kinds, whose content is their
//     metadata.
//
// A returned error exits with status 1 and a panic with status 2, each with a
// one-line reason on stderr (a panic adds its stack below that line). A
// failure that no retry can fix exits with status 3 (ExitPermanent,
// launcher.ExitPermanent): an error marked with dsl.Permanent, an input
// that does not fit its Go type, an ExecutorInput that does not decode.
// The local runner does not retry it; KFP, which has no such notion,
// applies the task's retryPolicy to it as to any failure.
//
// Artifact URIs map to local paths with KFP's convention
// (ResolveLocalPath): gs://b/k → /gcs/b/k, s3://b/k → /s3/b/k,
// minio://b/k → /minio/b/k; file:// URIs and plain paths are local paths.
// The environment variable KFPGO_MOUNT_ROOT (MountRootEnv) moves that root,
// so a local runner can map remote URIs under its own pipeline root. The
// run fails, before the function is called, on a URI of another scheme, on
// a key whose ".." elements leave its mount folder, and on an output
// artifact of the Out struct that the ExecutorInput does not provision.
package executor
