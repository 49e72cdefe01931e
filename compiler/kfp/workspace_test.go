package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// A workspace is written as platforms.kubernetes.pipelineConfig beside any
// executor configs; the importer download flag lands in its executor.
func TestWorkspaceInPlatformDoc(t *testing.T) {
	p := dsl.NewPipeline("ws", func(b *dsl.Builder, _ none) none {
		echo.Task(b, strIn{Text: dsl.WorkspacePath()})
		dsl.Importer[dsl.Dataset](b, dsl.Lit("s3://b/k"), dsl.DownloadToWorkspace())
		return none{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "2Gi"}))
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"platforms": map[string]any{"kubernetes": map[string]any{"pipelineConfig": map[string]any{
		"workspace": map[string]any{"size": "2Gi", "kubernetes": map[string]any{"pvcSpecPatch": map[string]any{}}}}}}}, res.KFP.PlatformDoc)
	imp := res.KFP.Doc["deploymentSpec"].(map[string]any)["executors"].(map[string]any)["exec-importer"].(map[string]any)["importer"].(map[string]any)
	assert.Equal(t, true, imp["downloadToWorkspace"])
	assert.Equal(t, "{{$.workspace_path}}", res.KFP.Spec.Root.GetDag().Tasks["echo"].Inputs.Parameters["text"].GetRuntimeValue().GetConstant().GetStringValue())
	assert.Contains(t, string(res.YAML), "pipelineConfig:")
}

func TestWorkspaceErrors(t *testing.T) {
	noWS := dsl.NewPipeline("ws-missing", func(b *dsl.Builder, _ none) none {
		dsl.Importer[dsl.Dataset](b, dsl.Lit("s3://b/k"), dsl.DownloadToWorkspace())
		return none{}
	})
	_, err := compiler.Compile(noWS, compiler.Options{})
	require.ErrorContains(t, err, `executor "exec-importer" downloads to the workspace, but the pipeline has no workspace`)
	badSize := dsl.NewPipeline("ws-bad-size", func(b *dsl.Builder, _ none) none {
		echo.Task(b, strIn{Text: dsl.WorkspacePath()})
		return none{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "1 GB"}))
	_, err = compiler.Compile(badSize, compiler.Options{})
	require.ErrorContains(t, err, `workspace size "1 GB" is not a valid size`)
}
