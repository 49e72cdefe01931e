// Package launcher is the one implementation of Kubeflow Pipelines' launcher
// protocol in kfpgo: it builds the ExecutorInput of a task from its resolved
// inputs, resolves the placeholders in a container's command and args, and
// reads the ExecutorOutput and output parameter files back.
//
// The behaviour follows KFP's v2 launcher
// (backend/src/v2/component/launcher_v2.go: getPlaceholders,
// compileCmdAndArgs, collectOutputParameters, LocalPathForURI) and the
// structural placeholders of the Python local runner
// (sdk/python/kfp/local/placeholder_utils.py: Concat and IfPresent):
//
//   - {{$}}: the ExecutorInput as protojson;
//   - {{$.inputs.parameters['x']}}: strings verbatim, numbers formatted with
//     strconv.FormatFloat(v, 'f', -1, 64), booleans as true/false, lists and
//     structs as JSON;
//   - {{$.inputs.artifacts['x'].path|uri|metadata}} and
//     {{$.outputs.artifacts['x'].path|uri|metadata}};
//   - {{$.outputs.parameters['x'].output_file}}, {{$.outputs.output_file}}
//     and {{$.outputMetadataUri}};
//   - {{$.pipeline_job_name}}, {{$.pipeline_job_resource_name}},
//     {{$.pipeline_job_uuid}}, {{$.pipeline_task_name}},
//     {{$.pipeline_task_uuid}}, {{$.pipeline_root}},
//     {{$.pipeline_job_create_time_utc}},
//     {{$.pipeline_job_schedule_time_utc}};
//   - whole-argument JSON placeholders {"Concat": [...]} and
//     {"IfPresent": {"InputName": ..., "Then": ..., "Else": ...}}, nested
//     freely.
//
// Remote artifact URIs map to local paths with KFP's convention (gs:// →
// /gcs/, s3:// → /s3/, minio:// → /minio/), rebased under a local directory
// so that a run on one machine never writes outside its pipeline root.
package launcher
