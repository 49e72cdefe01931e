package componentyaml_test

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type wsPathIn struct {
	Dir  dsl.Param[string]         `kfp:"dir"`
	Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
}

type wsNone struct{}

type wsURIIn struct {
	URI dsl.Param[string] `kfp:"uri"`
}

// wsPipelineYAML compiles a pipeline named name with the given workspace:
// an importer downloads uri into the workspace and a container task reads
// it next to `{{$.workspace_path}}`, so the pipeline cannot run without one.
func wsPipelineYAML(t *testing.T, name string, ws dsl.WorkspaceConfig) []byte {
	t.Helper()
	list := dsl.NewContainerComponent("list-workspace", func(in wsPathIn, _ wsNone) dsl.Container {
		return dsl.Container{Image: "alpine:3.20", Command: []any{"ls", "-R", in.Dir, in.Data}}
	})
	p := dsl.NewPipeline(name, func(b *dsl.Builder, in wsURIIn) struct{} {
		imp := dsl.Importer[dsl.Dataset](b, in.URI, dsl.DownloadToWorkspace())
		list.Task(b, wsPathIn{Dir: dsl.WorkspacePath(), Data: imp.Out.Artifact})
		return struct{}{}
	}, dsl.PipelineWorkspace(ws))
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	return res.YAML
}

// pipelineConfig returns platforms.kubernetes.pipelineConfig of a result.
func pipelineConfig(res *compiler.Result) any {
	var v any = res.KFP.PlatformDoc
	for _, k := range []string{"platforms", "kubernetes", "pipelineConfig"} {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

var standardRWO = dsl.WorkspaceConfig{Size: "2Gi", PVCSpecPatch: map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}}

func TestLoadKeepsWorkspace(t *testing.T) {
	c, err := componentyaml.Load("ws.yaml", wsPipelineYAML(t, "ws-stage", standardRWO))
	require.NoError(t, err)
	impl, ok := c.IR().Impl.(*ir.Compiled)
	require.True(t, ok, "a pipeline with a workspace loads as a compiled pipeline, got %T", c.IR().Impl)
	assert.Equal(t, &ir.Workspace{Size: "2Gi", PVCSpecPatch: map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}}, impl.Workspace)
}

// TestWorkspaceLifted uses a loaded pipeline that needs its workspace
// directly, through a nested Go pipeline, and next to the same workspace set
// on the wrapper: each compiled pipeline carries the loaded workspace.
func TestWorkspaceLifted(t *testing.T) {
	stage, err := componentyaml.Load("ws.yaml", wsPipelineYAML(t, "ws-stage", standardRWO))
	require.NoError(t, err)
	want := map[string]any{"workspace": map[string]any{
		"size":       "2Gi",
		"kubernetes": map[string]any{"pvcSpecPatch": map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}},
	}}

	direct := dsl.NewPipeline("ws-direct", func(b *dsl.Builder, in wsURIIn) struct{} {
		stage.Task(b, map[string]any{"uri": in.URI})
		return struct{}{}
	})
	inner := dsl.NewPipeline("ws-inner", func(b *dsl.Builder, in wsURIIn) struct{} {
		stage.Task(b, map[string]any{"uri": in.URI})
		return struct{}{}
	})
	nested := dsl.NewPipeline("ws-nested", func(b *dsl.Builder, in wsURIIn) struct{} {
		inner.Task(b, in)
		return struct{}{}
	})
	same := dsl.NewPipeline("ws-same", func(b *dsl.Builder, in wsURIIn) struct{} {
		stage.Task(b, map[string]any{"uri": in.URI})
		stage.Task(b, map[string]any{"uri": "gs://bucket/other"})
		return struct{}{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: " 2Gi ", PVCSpecPatch: map[string]any{"accessModes": []string{"ReadWriteOnce"}, "storageClassName": "standard"}}))
	for _, p := range []*dsl.Pipeline[wsURIIn, struct{}]{direct, nested, same} {
		res, err := compiler.Compile(p, compiler.Options{})
		require.NoError(t, err, p.Name())
		got := pipelineConfig(res)
		if p == same {
			// The wrapper's own setting is written, as given.
			assert.Equal(t, "2Gi", got.(map[string]any)["workspace"].(map[string]any)["size"], p.Name())
			continue
		}
		assert.Equal(t, want, got, p.Name())
	}

	// The written YAML of the wrapper loads back with the workspace.
	res, err := compiler.Compile(direct, compiler.Options{})
	require.NoError(t, err)
	back, err := componentyaml.Load("direct.yaml", res.YAML)
	require.NoError(t, err)
	assert.Equal(t, "2Gi", back.IR().Impl.(*ir.Compiled).Workspace.Size)

	// The graph holds it, so every back end sees it (Argo refuses it).
	require.NotNil(t, direct.Build().Workspace)
	assert.Equal(t, "2Gi", direct.Build().Workspace.Size)
}

func TestWorkspaceConflict(t *testing.T) {
	stage, err := componentyaml.Load("ws.yaml", wsPipelineYAML(t, "ws-stage", standardRWO))
	require.NoError(t, err)
	other, err := componentyaml.Load("other.yaml", wsPipelineYAML(t, "ws-other", dsl.WorkspaceConfig{Size: "10Gi"}))
	require.NoError(t, err)

	var ownLine, pairLine int
	own := dsl.NewPipeline("ws-own", func(b *dsl.Builder, in wsURIIn) struct{} {
		_, _, l, _ := runtime.Caller(0)
		ownLine = l + 2
		stage.Task(b, map[string]any{"uri": in.URI})
		return struct{}{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "5Gi"}))
	pair := dsl.NewPipeline("ws-pair", func(b *dsl.Builder, in wsURIIn) struct{} {
		stage.Task(b, map[string]any{"uri": in.URI})
		_, _, l, _ := runtime.Caller(0)
		pairLine = l + 2
		other.Task(b, map[string]any{"uri": in.URI})
		return struct{}{}
	})
	tests := []struct {
		p    *dsl.Pipeline[wsURIIn, struct{}]
		line *int
		msg  string
	}{
		{own, &ownLine, `pipeline "ws-own" sets workspace size "5Gi", but task "ws-stage" runs the loaded pipeline "ws-stage", whose workspace is size "2Gi", pvcSpecPatch {"accessModes":["ReadWriteOnce"],"storageClassName":"standard"}`},
		{pair, &pairLine, `pipeline "ws-pair": task "ws-stage" runs the loaded pipeline "ws-stage", whose workspace is size "2Gi", pvcSpecPatch {"accessModes":["ReadWriteOnce"],"storageClassName":"standard"}, but task "ws-other" runs the loaded pipeline "ws-other", whose workspace is size "10Gi"`},
	}
	for _, tc := range tests {
		_, err := compiler.Compile(tc.p, compiler.Options{})
		require.Error(t, err, tc.p.Name())
		var list ir.ErrorList
		require.True(t, errors.As(err, &list), "%T", err)
		require.Len(t, list, 1, "%v", err)
		e := list[0]
		assert.Equal(t, ir.InvalidValue, e.Code)
		assert.Equal(t, tc.msg, e.Msg)
		assert.Contains(t, e.Hint, "one workspace per run")
		file, line := e.Pos.FileLine()
		assert.Equal(t, "workspace_test.go", filepath.Base(file))
		assert.Equal(t, *tc.line, line, tc.p.Name())
	}
}

func TestBadWorkspace(t *testing.T) {
	good := string(wsPipelineYAML(t, "ws-stage", dsl.WorkspaceConfig{Size: "2Gi"}))
	require.Contains(t, good, "        size: 2Gi\n")
	tests := []struct {
		name, from, to, path, msg string
	}{
		{"bad size", "size: 2Gi", "size: two", "platforms.kubernetes.pipelineConfig.workspace.size", `workspace size "two" is not a valid size`},
		{"size not a string", "size: 2Gi", "size: [2Gi]", "platforms.kubernetes.pipelineConfig.workspace.size", "is a list, want a string"},
		{"missing size", "        size: 2Gi\n", "", "platforms.kubernetes.pipelineConfig.workspace.size", "is missing"},
		{"unknown setting", "size: 2Gi", "size: 2Gi\n        mode: shared", "platforms.kubernetes.pipelineConfig.workspace.mode", `unknown workspace setting "mode"`},
		{"patch not a mapping", "pvcSpecPatch: {}", "pvcSpecPatch: fast", "platforms.kubernetes.pipelineConfig.workspace.kubernetes.pvcSpecPatch", "is a string, want a mapping"},
		{"workspace not a mapping", "    pipelineConfig:\n      workspace:\n", "    pipelineConfig:\n      workspace: big\n      x:\n", "platforms.kubernetes.pipelineConfig.workspace", "is a string, want a mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(good, tc.from, tc.to, 1)
			require.NotEqual(t, good, src)
			_, err := componentyaml.Load("ws.yaml", []byte(src))
			require.Error(t, err)
			var e *componentyaml.Error
			require.True(t, errors.As(err, &e), "%T: %v", err, err)
			assert.Equal(t, "ws.yaml", e.File)
			assert.Equal(t, tc.path, e.Path)
			assert.Contains(t, e.Msg, tc.msg)
			assert.NotEmpty(t, e.Hint)
		})
	}
}

// TestMarshalKeepsWorkspace writes a Go pipeline that has a workspace as
// component YAML and loads it back: the workspace travels with it.
func TestMarshalKeepsWorkspace(t *testing.T) {
	stage, err := componentyaml.Load("ws.yaml", wsPipelineYAML(t, "ws-stage", standardRWO))
	require.NoError(t, err)
	own := dsl.NewPipeline("ws-marshal", func(b *dsl.Builder, in wsURIIn) struct{} {
		dsl.Importer[dsl.Dataset](b, in.URI, dsl.DownloadToWorkspace())
		return struct{}{}
	}, dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "3Gi"}))
	lifted := dsl.NewPipeline("ws-marshal-lifted", func(b *dsl.Builder, in wsURIIn) struct{} {
		stage.Task(b, map[string]any{"uri": in.URI})
		return struct{}{}
	})
	for _, tc := range []struct {
		c    *ir.Component
		want *ir.Workspace
	}{
		{own.IR(), &ir.Workspace{Size: "3Gi"}},
		{lifted.IR(), &ir.Workspace{Size: "2Gi", PVCSpecPatch: map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}}},
		{stage.IR(), &ir.Workspace{Size: "2Gi", PVCSpecPatch: map[string]any{"storageClassName": "standard", "accessModes": []any{"ReadWriteOnce"}}}},
	} {
		b, err := componentyaml.Marshal(tc.c, compiler.Options{})
		require.NoError(t, err, tc.c.Name)
		back, err := componentyaml.Load("written.yaml", b)
		require.NoError(t, err, tc.c.Name)
		impl, ok := back.IR().Impl.(*ir.Compiled)
		require.True(t, ok, "%s: %T", tc.c.Name, back.IR().Impl)
		assert.Equal(t, tc.want, impl.Workspace, tc.c.Name)
	}
}
