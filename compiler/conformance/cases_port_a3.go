package conformance

import "github.com/kfpgo/kfpgo/sdk/dsl"

// Ports of the workspace goldens (batch a3): a pipeline-level workspace
// (dsl.PipelineWorkspace), the {{$.workspace_path}} placeholder and
// importers that download into the workspace.
//
// The pinned pipelinespec module has no typed SinglePlatformSpec.
// pipelineConfig, so the compiler writes the workspace into the
// PlatformSpec document map as platforms.kubernetes.pipelineConfig, the
// protojson form of KFP's typed field; the KFP backend decodes the document
// with its newer proto and reads GetPipelineConfig().GetWorkspace(), so it
// accepts this form. The importer's downloadToWorkspace is likewise written
// into the executor Struct.

// paWorkspace is the goldens' workspace: 1Gi, standard storage class,
// ReadWriteOnce.
var paWorkspace = dsl.PipelineWorkspace(dsl.WorkspaceConfig{
	Size:         "1Gi",
	PVCSpecPatch: map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}},
})

// kfp-ir/critical/pipeline_with_workspace.yaml
type paWorkspacePathIn struct {
	WorkspacePath dsl.Param[string] `kfp:"workspace_path"`
}
type paFilePathIn struct {
	FilePath dsl.Param[string] `kfp:"file_path"`
}

var (
	paWriteToWorkspace  = goFunc[paWorkspacePathIn, stringOutput]("write-to-workspace")
	paReadFromWorkspace = goFunc[paFilePathIn, stringOutput]("read-from-workspace")
	paWorkspacePipeline = dsl.NewPipeline("pipeline-with-workspace", func(b *dsl.Builder, _ none) stringOutput {
		w := paWriteToWorkspace.Task(b, paWorkspacePathIn{WorkspacePath: dsl.WorkspacePath()})
		return paReadFromWorkspace.Task(b, paFilePathIn{FilePath: w.Out.Output}).Out
	}, dsl.Description("A pipeline that demonstrates workspace functionality"), paWorkspace)
)

// kfp-ir/critical/pipeline_with_importer_workspace.yaml
type paTrainOut struct {
	Scalar  dsl.Param[string] `kfp:"scalar"`
	Message dsl.Param[string] `kfp:"message"`
}
type paTrainIn struct {
	Dataset dsl.Artifact[dsl.Dataset] `kfp:"dataset"`
}
type paReadDirIn struct {
	Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
}
type paOutDsOut struct {
	OutDs dsl.Artifact[dsl.Dataset] `kfp:"out_ds"`
}
type paGetURIIn struct {
	D dsl.Artifact[dsl.Dataset] `kfp:"d"`
}
type paImportStageIn struct {
	FileURI dsl.Param[string] `kfp:"file_uri"`
	DirURI  dsl.Param[string] `kfp:"dir_uri"`
}
type paImportStageOut struct {
	TrainResult dsl.Param[string] `kfp:"train_result"`
	DirResult   dsl.Param[string] `kfp:"dir_result"`
}

var (
	paTrain             = goFunc[paTrainIn, paTrainOut]("train")
	paReadDir           = goFunc[paReadDirIn, stringOutput]("read-dir")
	paWriteFileArtifact = goFunc[none, paOutDsOut]("write-file-artifact")
	paWriteDirArtifact  = goFunc[none, paOutDsOut]("write-dir-artifact")
	paGetURI            = goFunc[paGetURIIn, stringOutput]("get-uri")
	paImportStage       = dsl.NewPipeline("import-stage", func(b *dsl.Builder, in paImportStageIn) paImportStageOut {
		file := dsl.Importer[dsl.Dataset](b, in.FileURI, dsl.ImportMetadata(map[string]any{"key": "value"}), dsl.DownloadToWorkspace())
		dir := dsl.Importer[dsl.Dataset](b, in.DirURI, dsl.Reimport(), dsl.DownloadToWorkspace(), dsl.ImportMetadata(map[string]any{"source": "directory"}))
		train := paTrain.Task(b, paTrainIn{Dataset: file.Out.Artifact})
		read := paReadDir.Task(b, paReadDirIn{Data: dir.Out.Artifact})
		return paImportStageOut{TrainResult: train.Out.Scalar, DirResult: read.Out.Output}
	})
	paImporterWorkspace = dsl.NewPipeline("pipeline-with-importer-workspace", func(b *dsl.Builder, _ none) paImportStageOut {
		fileWriter := paWriteFileArtifact.Task(b, none{})
		fileURI := paGetURI.Task(b, paGetURIIn{D: fileWriter.Out.OutDs})
		dirWriter := paWriteDirArtifact.Task(b, none{})
		dirURI := paGetURI.Task(b, paGetURIIn{D: dirWriter.Out.OutDs})
		return paImportStage.Task(b, paImportStageIn{FileURI: fileURI.Out.Output, DirURI: dirURI.Out.Output}).Out
	}, dsl.Description("Importer downloads an artifact into workspace; downstream reads it"), paWorkspace)
)

func init() {
	add("kfp-ir/critical/pipeline_with_workspace.yaml", paWorkspacePipeline)
	add("kfp-ir/critical/pipeline_with_importer_workspace.yaml", paImporterWorkspace)
}
