// Package componentyaml loads Kubeflow Pipelines component YAML into kfpgo
// components and writes any kfpgo component as KFP component YAML.
//
// Loading (Load, LoadFile, LoadIR) accepts KFP v2 component YAML (a
// single-component PipelineSpec), compiled pipeline YAML (used as a nested
// pipeline component, merged exactly as written) and KFP v1 component.yaml
// (implementation.container with inputValue/inputPath/outputPath, concat and
// if placeholders, converted as the Python SDK's
// ComponentSpec.from_v1_component_spec does). The result is a
// dsl.UntypedComponent: use it with Task(b, map[string]any{…}) or a handle
// struct, read outputs with dsl.OutputParam / dsl.OutputArtifact, or bind a
// typed Out struct with dsl.TaskAs. Input names and types are checked when
// the pipeline compiles, each error at the Task call's file:line.
//
// A compiled pipeline's workspace (its PlatformSpec's
// platforms.kubernetes.pipelineConfig.workspace: size and
// kubernetes.pvcSpecPatch) stays with the loaded component
// (ir.Compiled.Workspace). KFP's Python SDK applies only the outermost
// pipeline's pipelineConfig and drops a nested pipeline's, which would leave
// a loaded pipeline that reads `{{$.workspace_path}}` or imports with
// download_to_workspace without a volume; here the pipeline that uses the
// loaded one takes its workspace on instead (sdk/dsl), so the loaded
// pipeline keeps working. If that pipeline sets a different workspace, or
// two loaded pipelines need different ones, compiling fails with an
// ir.InvalidValue error at the Task call naming both workspaces. The other
// pipelineConfig settings (resourceTtl*, activeDeadlineSeconds) bound the
// whole run and are left to the outermost pipeline, as in KFP.
//
// Writing (Marshal, Write) produces what kfp.compiler writes for a
// component, which Python's kfp.components.load_component_from_file loads:
// pipelineInfo.name N, one root task N of component comp-N with executor
// exec-N, inputs passed through and outputs raised.
//
// Bad YAML gives an *Error naming the file, the YAML path (e.g.
// "implementation.container.args[2].inputValue") and the fix.
package componentyaml
