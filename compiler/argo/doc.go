// Package argo compiles a validated kfpgo pipeline graph (compiler/ir) to
// plain Argo Workflows objects — a Workflow, a WorkflowTemplate or, with a
// schedule, a CronWorkflow — built from the real types of
// github.com/argoproj/argo-workflows/v3 (pkg/apis/workflow/v1alpha1) and
// checked with Argo's own workflow/validate in lint mode. The output runs on
// a plain Argo install, without KFP.
//
// # Visit order
//
// Emit is a pure function of (graph, Options). It visits the graph in one
// deterministic order, the order in which templates are appended:
//
//  1. the pipeline's root group, then its items in DSL order, depth first
//     (go/ast preorder), each nested group completely before its next
//     sibling;
//  2. a nested pipeline's templates on its first use only (a pipeline used
//     twice shares its templates);
//  3. a task's container template when the task is reached.
//
// A group's template inputs are known once all its items have been visited,
// so each DAG task that calls a group is built after the group's own
// template (post-order), and the group's template is placed before the
// templates of its items in the output (preorder), which reads top-down.
//
// # Templates
//
//   - the pipeline (and each nested pipeline) is a DAG template named after
//     it; every condition, exit-handler and If/Elif/Else group is a DAG
//     template named after the group ("condition-1", "exit-handler-1",
//     "condition-branches-2"); a ParallelFor is two DAG templates: the loop
//     ("for-loop-2", holding `parallelism`) with a single fanned-out task
//     "for-loop-2-iteration" (withItems for a literal list, withParam for a
//     list parameter) calling the body template "for-loop-2-body";
//   - every task is a container template named after the task; a Go-function
//     task with output parameters is a DAG template of that name wrapping the
//     container template "<task>-exec" (see below);
//   - an importer is not a step: its URI becomes the location of the input
//     artifact of each consumer (s3://, minio://, gs://, http(s)://).
//
// Values that cross into a group travel as the group template's inputs (one
// per value, named after its source: the pipeline input's name,
// "<task>-<output>", "<loop>-item[-<field>]"); values that leave a group
// (Collected, OneOf, pipeline outputs) travel as the group template's
// outputs. Parameters are Argo parameters holding KFP's string form (a
// STRING as is, numbers and booleans as JSON scalars, LIST and STRUCT as
// JSON). Artifacts are Argo artifacts stored in the cluster's default
// artifact repository: outputs carry only a path, inputs only `from`, so no
// bucket or endpoint is written into the workflow.
//
// # The container contract
//
// Inside a container, KFP's placeholders become:
//
//	{{$.inputs.parameters['x']}}          {{inputs.parameters.x}}
//	{{$.inputs.artifacts['x'].path}}      /tmp/kfp/inputs/x/data   (the Argo input artifact's path)
//	{{$.inputs.artifacts['x'].uri}}       the same path
//	{{$.outputs.artifacts['x'].path|uri}} /tmp/kfp/outputs/x/data  (the Argo output artifact's path)
//	{{$.outputs.parameters['x'].output_file}} /tmp/kfp/outputs/x/data (valueFrom.path)
//	{{$.outputs.output_file}}             /tmp/kfp/outputs/executor_output.json
//	{{$.inputs.artifacts['x'].metadata}}  {} (Argo keeps no artifact metadata)
//	{{$.pipeline_job_name}}, …_resource_name   {{workflow.name}}
//	{{$.pipeline_job_uuid}}               {{workflow.uid}}
//	{{$.pipeline_job_create_time_utc}}    {{workflow.creationTimestamp}}
//	{{$.pipeline_job_schedule_time_utc}}  {{workflow.scheduledTime}}
//	{{$.pipeline_task_name}}, …_uuid      {{pod.name}}
//
// IfPresent is decided when compiling: an input is present when the task
// sets it or it has a default.
//
// A Go-function component (its arguments hold KFP's {{$}}) runs unchanged:
// its --executor_input argument is the ExecutorInput JSON written by the
// compiler, with Argo placeholders where run-time values go —
// `{{=toJson(inputs.parameters['x'])}}` for a STRING (Argo's expression
// tag, so quotes and newlines stay valid JSON) and `{{inputs.parameters.x}}`
// for the JSON-typed ones — and the artifact paths above as URIs. The
// binary writes its ExecutorOutput to /tmp/kfp/outputs/executor_output.json,
// which the container template exposes as the output parameter
// "executor-output"; the wrapper DAG template turns each output parameter x
// into an Argo output parameter with
// `jsonpath(tasks['run'].outputs.parameters['executor-output'], '$.parameterValues.x')`
// (wrapped in toJson for non-STRING types). Output artifacts are read from
// their paths. Artifact metadata and metrics stay in the executor-output
// parameter.
//
// # Control flow
//
//   - a condition is the `when` of the DAG task that calls its group, in
//     govaluate syntax: STRING operands single-quoted, numbers and booleans
//     bare (so Argo compares numbers as numbers); Elif and Else negate the
//     earlier branches;
//   - Collected is the aggregated output of the fanned-out iteration task
//     (Argo collects one JSON list), exposed by the loop template;
//   - OneOf is an output of the If/Elif/Else template chosen with an
//     expression over the branches' status;
//   - ExitHandler is an exit hook (`hooks.exit`) on the DAG task that calls
//     the handler's group; a PipelineTaskFinalStatus input receives
//     {"state": "{{=sprig.upper(tasks['exit-handler-1'].status)}}",
//     "pipelineJobResourceName": "{{workflow.name}}", "pipelineTaskName": …}
//     (states SUCCEEDED, FAILED, ERROR);
//   - dependencies are `depends` expressions; a task that ignores upstream
//     failures depends on "(a.Succeeded || a.Failed || a.Errored)", its DAG
//     does not fail fast, and an input it reads from such an upstream task
//     falls back to the input's default when that task did not succeed.
//
// # Task settings
//
//   - retry policy → retryStrategy (limit, retryPolicy Always, backoff
//     duration, factor, maxDuration);
//   - caching → memoize with a key made of the template name and a SHA-256
//     of the input parameters, stored in the ConfigMap named by
//     Options.MemoizeConfigMap (Argo creates it on first use; its service
//     account needs RBAC to write ConfigMaps). A task whose caching is off,
//     or which reads an input artifact (Argo cannot key on artifact
//     content), is not memoized; a task's cache key replaces the hash;
//   - CPU, memory and accelerator limits/requests → container resources
//     (accelerator type is the resource name, e.g. nvidia.com/gpu), or a
//     podSpecPatch when the value is a parameter; env; image overrides;
//   - Kubernetes options (kfp-kubernetes' KubernetesExecutorConfig on
//     ir.Task.Platform) → the template's pod spec: secrets and config maps as
//     volumes or env, PVC mounts, empty dirs, generic ephemeral volumes,
//     shared memory, field-path env, node selector, node and pod
//     (anti-)affinity, tolerations, pod labels and annotations, image pull
//     secrets (podSpecPatch) and policy, active deadline; a value taken from
//     a parameter is passed as a template input.
//
// # Not expressible on Argo (refused with a positioned error)
//
//   - Collected artifacts and artifacts leaving a ParallelFor: Argo
//     aggregates only the output parameters of a fan-out;
//   - a ParallelFor over a list of artifacts;
//   - an importer whose URI is a parameter (an artifact location must be
//     known when compiling);
//   - a nested pipeline loaded from compiled KFP IR (ir.Compiled).
//
// Pipeline inputs of the compiled pipeline are workflow parameters
// (`argo submit -p name=value`); an artifact input is read from the
// artifact repository at the key given by the workflow parameter of the
// same name. An optional parameter input of a nested pipeline left unset
// reads as ""; an optional artifact input left unset is absent.
// A CronWorkflow needs a default for every input.
//
// # Size
//
// Argo stores a Workflow in etcd, whose default request limit is 1.5 MiB
// and whose objects Argo keeps under ~1 MB unless node status offloading is
// on; Compile returns a warning (Result.Warnings) when the object exceeds
// SizeWarnBytes.
package argo
