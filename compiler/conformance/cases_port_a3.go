package conformance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

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

// paWorkspaceText is what write-to-workspace writes.
const paWorkspaceText = "Hello from workspace!"

type paWorkspacePathIn struct {
	WorkspacePath dsl.Param[string] `kfp:"workspace_path"`
}
type paFilePathIn struct {
	FilePath dsl.Param[string] `kfp:"file_path"`
}

var (
	// paWriteToWorkspace writes "Hello from workspace!" to
	// data/test_file.txt under the workspace and returns the file's path.
	paWriteToWorkspace = goFuncDo("write-to-workspace", func(_ context.Context, in paWorkspacePathIn) (out stringOutput, _ error) {
		f := filepath.Join(in.WorkspacePath.Value(), "data", "test_file.txt")
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return out, err
		}
		if err := os.WriteFile(f, []byte(paWorkspaceText), 0o644); err != nil {
			return out, err
		}
		out.Output.Set(f)
		return out, nil
	})
	// paReadFromWorkspace returns the file's content, which must be the
	// text write-to-workspace wrote, or "File not found".
	paReadFromWorkspace = goFuncDo("read-from-workspace", func(_ context.Context, in paFilePathIn) (out stringOutput, _ error) {
		b, err := os.ReadFile(in.FilePath.Value())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			out.Output.Set("File not found")
			return out, nil
		case err != nil:
			return out, err
		case string(b) != paWorkspaceText:
			return out, fmt.Errorf("%s holds %q, want %q", in.FilePath.Value(), b, paWorkspaceText)
		}
		out.Output.Set(string(b))
		return out, nil
	})
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
	// paTrain reads its dataset and returns scalar "123" and a message
	// naming the data.
	paTrain = goFuncDo("train", func(_ context.Context, in paTrainIn) (out paTrainOut, _ error) {
		b, err := os.ReadFile(in.Dataset.Path())
		if err != nil {
			return out, err
		}
		out.Scalar.Set("123")
		out.Message.Set("My model trained using data: " + string(b))
		return out, nil
	})
	// paReadDir returns the sorted, comma-separated paths of the files
	// under its directory artifact ("EMPTY_DIRECTORY" for none).
	paReadDir = goFuncDo("read-dir", func(_ context.Context, in paReadDirIn) (out stringOutput, _ error) {
		root := in.Data.Path()
		st, err := os.Stat(root)
		if err != nil {
			return out, err
		}
		if !st.IsDir() {
			return out, fmt.Errorf("not a directory: %s", root)
		}
		var names []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(root, p)
			names = append(names, rel)
			return err
		})
		if err != nil {
			return out, err
		}
		sort.Strings(names)
		if len(names) == 0 {
			out.Output.Set("EMPTY_DIRECTORY")
		} else {
			out.Output.Set(strings.Join(names, ","))
		}
		return out, nil
	})
	// paWriteFileArtifact writes one line to its dataset file.
	paWriteFileArtifact = goFuncDo("write-file-artifact", func(ctx context.Context, _ none) (paOutDsOut, error) {
		out := dsl.Outputs[paOutDsOut](ctx)
		if err := os.MkdirAll(filepath.Dir(out.OutDs.Path()), 0o755); err != nil {
			return *out, err
		}
		return *out, os.WriteFile(out.OutDs.Path(), []byte("Hello from producer file\n"), 0o644)
	})
	// paWriteDirArtifact makes its dataset a directory of two files.
	paWriteDirArtifact = goFuncDo("write-dir-artifact", func(ctx context.Context, _ none) (paOutDsOut, error) {
		out := dsl.Outputs[paOutDsOut](ctx)
		dir := out.OutDs.Path()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return *out, err
		}
		if err := os.WriteFile(filepath.Join(dir, "part-000.txt"), []byte("First file in directory.\n"), 0o644); err != nil {
			return *out, err
		}
		return *out, os.WriteFile(filepath.Join(dir, "part-001.txt"), []byte("Second file in directory.\n"), 0o644)
	})
	// paGetURI returns its artifact's URI.
	paGetURI = goFuncDo("get-uri", func(_ context.Context, in paGetURIIn) (out stringOutput, _ error) {
		out.Output.Set(in.D.URI())
		return out, nil
	})
	paImportStage = dsl.NewPipeline("import-stage", func(b *dsl.Builder, in paImportStageIn) paImportStageOut {
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
