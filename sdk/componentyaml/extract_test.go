package componentyaml_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type extractIn struct {
	Text  dsl.Param[string] `kfp:"text"`
	Times dsl.Param[int]    `kfp:"times" default:"2"`
}

type extractOut struct {
	Report dsl.Artifact[dsl.Markdown] `kfp:"report"`
}

var extractEcho = dsl.NewContainerComponent("echo-report", func(in extractIn, out extractOut) dsl.Container {
	return dsl.Container{Image: "alpine:3.20", Command: []any{"sh", "-c", dsl.Join("echo ", in.Text, " ", in.Times, " > ", out.Report)}}
})

type extractSrcIn struct {
	Mode dsl.Param[string] `kfp:"mode"`
}

// A component taken out of a compiled pipeline compiles back to the same
// component and executor.
func TestLoadFromPipelineRoundTrip(t *testing.T) {
	src := dsl.NewPipeline("src", func(b *dsl.Builder, in extractSrcIn) struct{} {
		dsl.If(b, dsl.Eq(in.Mode, dsl.Lit("b")), func(b *dsl.Builder) {
			extractEcho.Task(b, extractIn{Text: dsl.Lit("hi")})
		})
		return struct{}{}
	})
	res, err := compiler.Compile(src, compiler.Options{})
	require.NoError(t, err)

	c, err := componentyaml.LoadFromPipeline("src.yaml", res.YAML, "comp-echo-report")
	require.NoError(t, err)
	assert.Equal(t, "echo-report", c.Name())
	same, err := componentyaml.LoadFromPipeline("src.yaml", res.YAML, "echo-report")
	require.NoError(t, err)
	assert.Equal(t, c.IR().Inputs, same.IR().Inputs)

	again := dsl.NewPipeline("again", func(b *dsl.Builder, _ struct{}) struct{} {
		c.Task(b, map[string]any{"text": "hi"})
		return struct{}{}
	})
	out, err := compiler.Compile(again, compiler.Options{})
	require.NoError(t, err)
	assert.Equal(t, res.KFP.Spec.Components["comp-echo-report"].String(), out.KFP.Spec.Components["comp-echo-report"].String())
	assert.Equal(t, res.KFP.Doc["deploymentSpec"], out.KFP.Doc["deploymentSpec"])

	// Renamed, its tasks and component key follow the new name.
	renamed := dsl.NewPipeline("renamed", func(b *dsl.Builder, _ struct{}) struct{} {
		c.WithName("shout").Task(b, map[string]any{"text": "hi"})
		return struct{}{}
	})
	out, err = compiler.Compile(renamed, compiler.Options{})
	require.NoError(t, err)
	assert.Contains(t, out.KFP.Spec.Root.GetDag().Tasks, "shout")
	assert.Contains(t, out.KFP.Spec.Components, "comp-shout")
	assert.Equal(t, "echo-report", c.Name(), "WithName leaves the original alone")
}

func TestLoadFromPipelineErrors(t *testing.T) {
	src := dsl.NewPipeline("src", func(b *dsl.Builder, in extractSrcIn) struct{} {
		dsl.If(b, dsl.Eq(in.Mode, dsl.Lit("b")), func(b *dsl.Builder) {
			extractEcho.Task(b, extractIn{Text: dsl.Lit("hi")}).SetCPULimit("1")
		})
		return struct{}{}
	})
	res, err := compiler.Compile(src, compiler.Options{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name, comp, path, want string
		data                   []byte
	}{
		{"unknown", "comp-nope", "components", `has no component "comp-nope"`, res.YAML},
		{"dag", "condition-1", "components.comp-condition-1.dag", "is a DAG, not a container component", res.YAML},
		{"lifecycle", "x", "deploymentSpec.executors.exec-x.container.lifecycle", "lifecycle hook (preCacheCheck) cannot be carried",
			[]byte("components:\n  comp-x:\n    executorLabel: exec-x\ndeploymentSpec:\n  executors:\n    exec-x: {container: {image: i, lifecycle: {preCacheCheck: {command: [sh]}}}}\n")},
		{"unknown container key", "x", "deploymentSpec.executors.exec-x.container.imagePullPolicy", `unknown key "imagePullPolicy" (known: args, command, env, image, lifecycle, resources)`,
			[]byte("components:\n  comp-x:\n    executorLabel: exec-x\ndeploymentSpec:\n  executors:\n    exec-x: {container: {image: i, imagePullPolicy: Always}}\n")},
		{"no executor", "x", "deploymentSpec.executors.exec-x", "is missing", []byte("components:\n  comp-x:\n    executorLabel: exec-x\ndeploymentSpec:\n  executors: {}\n")},
		{"not yaml", "x", "document 1", "invalid YAML", []byte("components: [\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := componentyaml.LoadFromPipeline("p.yaml", tc.data, tc.comp)
			var e *componentyaml.Error
			require.True(t, errors.As(err, &e), "want *componentyaml.Error, got %v", err)
			assert.Equal(t, "p.yaml", e.File)
			assert.Equal(t, tc.path, e.Path)
			assert.Contains(t, e.Error(), tc.want)
			assert.NotEmpty(t, e.Hint)
		})
	}
	_, err = componentyaml.LoadFromPipeline("p.yaml", res.YAML, "comp-nope")
	assert.ErrorContains(t, err, "comp-condition-1, comp-echo-report")
}

// A component whose task set resources loads without them (they are the
// task's), keeping its env; the pipeline that uses it sets its own.
func TestLoadFromPipelineDropsTaskResources(t *testing.T) {
	withEnv, err := componentyaml.Load("echo-env.yaml", []byte(`name: echo-env
inputs: [{name: text, type: String}]
outputs: [{name: report, type: Markdown}]
implementation:
  container:
    image: alpine:3.20
    command: [sh, -c, {concat: [echo , {inputValue: text}, ' > ', {outputPath: report}]}]
    env: {MODE: fast}
`))
	require.NoError(t, err)
	src := dsl.NewPipeline("src", func(b *dsl.Builder, _ struct{}) struct{} {
		withEnv.Task(b, map[string]any{"text": "hi"}).SetCPULimit("1").SetMemoryLimit("1Gi").SetAcceleratorType("nvidia.com/gpu").SetAcceleratorLimit(1)
		return struct{}{}
	})
	res, err := compiler.Compile(src, compiler.Options{})
	require.NoError(t, err)
	require.Contains(t, string(res.YAML), "resourceCpuLimit", "the golden holds task resources in its executor")

	c, err := componentyaml.LoadFromPipeline("src.yaml", res.YAML, "echo-env")
	require.NoError(t, err)
	assert.Equal(t, withEnv.IR().Impl, c.IR().Impl, "image, command, args and env are the component's; resources are dropped")

	again := dsl.NewPipeline("again", func(b *dsl.Builder, _ struct{}) struct{} {
		c.Task(b, map[string]any{"text": "hi"}).SetMemoryRequest("2Gi")
		return struct{}{}
	})
	out, err := compiler.Compile(again, compiler.Options{})
	require.NoError(t, err)
	ds, _ := out.KFP.Doc["deploymentSpec"].(map[string]any)
	execs, _ := ds["executors"].(map[string]any)
	x, _ := execs["exec-echo-env"].(map[string]any)
	ctr, _ := x["container"].(map[string]any)
	require.NotNil(t, ctr, "exec-echo-env.container in %v", execs)
	assert.Equal(t, []any{map[string]any{"name": "MODE", "value": "fast"}}, ctr["env"])
	assert.Equal(t, map[string]any{"memoryRequest": 2.147483648, "resourceMemoryRequest": "2Gi"}, ctr["resources"],
		"only the using task's own settings apply")
}

// FuzzLoadFromPipeline feeds the loader every golden with each of its
// component keys; any outcome other than a component that compiles in a
// pipeline or an *Error is a failure.
func FuzzLoadFromPipeline(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s, "comp-"+firstComponent(s))
	}
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		c, err := componentyaml.LoadFromPipeline("fuzz.yaml", data, key)
		if err != nil {
			var e *componentyaml.Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_, _ = componentyaml.Marshal(c.IR(), compiler.Options{})
	})
}

// firstComponent returns the first "comp-" key name written in a golden.
func firstComponent(b []byte) string {
	_, after, ok := strings.Cut(string(b), "\n  comp-")
	if !ok {
		return "x"
	}
	name, _, _ := strings.Cut(after, ":")
	return name
}
