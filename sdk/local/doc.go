// Package local runs a compiled Kubeflow Pipelines pipeline (KFP IR YAML) on
// this machine with the semantics of KFP's backend, control flow included.
//
// The runner is an interpreter of the IR, so what runs locally is exactly
// what would be uploaded:
//
//   - Parse reads the PipelineSpec document (and the optional kubernetes
//     PlatformSpec document, used only to warn about options that cannot
//     apply on one machine).
//   - Run walks the root DAG: a task starts when its dependentTasks are done,
//     its triggerPolicy.condition is evaluated with CEL exactly as KFP's
//     driver does (backend/src/v2/expression), ParallelFor tasks
//     (parameterIterator/artifactIterator) fan out with their
//     iteratorPolicy.parallelismLimit, sub-DAG outputs are resolved through
//     dagOutputs (valueFromParameter, valueFromOneof, artifactSelectors;
//     loop outputs are collected into lists as dsl.Collected does), tasks
//     with strategy ALL_UPSTREAM_TASKS_COMPLETED (exit handlers and
//     ignore-upstream-failure) run after failures and see a real
//     PipelineTaskFinalStatus, importers resolve their artifact without a
//     process, and nested pipelines run as sub-DAGs.
//   - Container executors run through a TaskHandler: GoHandler builds a Go
//     component image (ko://import/path, or an image mapped to a package)
//     once with `go build` and runs it as a process; ContainerHandler runs
//     any other image (and, with Options.ContainerImages, built component
//     images) in podman or Docker with KFP's launcher contract
//     (Options.Runtime, Pull, Network); HostHandler runs a container's
//     command on the host (Options.HostExec). Placeholders
//     and the ExecutorInput/ExecutorOutput protocol come from package
//     launcher. An ExecutorInput over MaxInlineExecutorInput (64 KiB) is
//     passed to Go components as @<task folder>/executor_input.json instead
//     of inline; host commands are refused with its size.
//   - Retries follow each task's retryPolicy (backoffDuration ×
//     backoffFactor^attempt, capped at backoffMaxDuration), except that an
//     attempt ending with launcher.ExitPermanent (3: bad input, which the
//     Go executor reports for dsl.Permanent errors and ill-typed inputs)
//     fails the task at once; caching keys on a
//     fingerprint of everything that can change a task's result: image,
//     command, args, environment variables, input values and artifacts and
//     output names and types, as KFP's cache key does, plus the SHA-256 of the
//     built binary for Go component images (so that editing a component's
//     code invalidates its cached results), honouring
//     cachingOptions.enableCache and Options.NoCache.
//
// A failed task skips its dependants (except ALL_UPSTREAM_TASKS_COMPLETED
// ones); tasks that do not depend on it keep running, and the run ends
// failed. Cancelling the context stops running processes (SIGTERM to the
// process group, SIGKILL after Options.GracePeriod) and records every
// unfinished task as cancelled.
//
// Artifacts and logs live under the local pipeline root, one folder per run
// (<root>/<run id>) and one per task inside it (tasks/<task path>), with the
// task's stdout.log and stderr.log. A retried task keeps every attempt:
// stdout.log and stderr.log hold the last one, attempt-<n>.stdout.log and
// attempt-<n>.stderr.log the earlier ones (n = 1, 2, …), and the progress
// line announcing a retry ends with the reason the attempt failed.
package local
