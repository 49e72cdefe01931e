package componentyaml_test

import (
	"context"
	"errors"
	"os"
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

func TestLoadV1(t *testing.T) {
	c, err := componentyaml.LoadFile("testdata/v1_train.yaml")
	require.NoError(t, err)
	comp := c.IR()
	assert.Equal(t, "Train model", comp.Name)
	require.Len(t, comp.Inputs, 4)
	assert.Equal(t, "training_data", comp.Inputs[0].Name)
	assert.Equal(t, "system.Dataset", comp.Inputs[0].Type.Artifact.SchemaTitle)
	assert.Equal(t, &ir.Input{Name: "epochs", Type: ir.Type{Param: ir.ParamInt}, Default: int64(10), HasDefault: true, Optional: true}, comp.Inputs[1])
	assert.True(t, comp.Inputs[2].Optional)
	assert.Equal(t, "system.Artifact", comp.Inputs[3].Type.Artifact.SchemaTitle, "untyped v1 inputs are generic artifacts, as in kfp")
	assert.Equal(t, ir.ParamDouble, comp.Output("accuracy").Type.Param)
	ctr := comp.Impl.(*ir.Container)
	assert.Equal(t, []ir.Arg{
		ir.Lit{S: "--data"}, ir.InputPath{Name: "training_data"},
		ir.Lit{S: "--epochs"}, ir.InputValue{Name: "epochs"},
		ir.IfPresent{Name: "learning_rate", Then: []ir.Arg{ir.Lit{S: "--lr"}, ir.InputValue{Name: "learning_rate"}}},
		ir.Concat{Items: []ir.Arg{ir.Lit{S: "--model="}, ir.OutputPath{Name: "model"}}},
		ir.Lit{S: "--accuracy"}, ir.OutputParamFile{Name: "accuracy"},
	}, ctr.Args)
	assert.Equal(t, []ir.EnvVar{{Name: "LOG_LEVEL", Value: "info"}}, ctr.Env)
}

// TestLoadV1IgnoredKeys checks that the v1 keys KFP's Python loader
// accepts without using them (metadata, version, annotations, fileOutputs)
// load.
func TestLoadV1IgnoredKeys(t *testing.T) {
	c, err := componentyaml.Load("a.yaml", []byte(`name: a
version: google.com/cloud/pipelines/component/v1
metadata: {annotations: {author: me}, labels: {team: ml}}
inputs: [{name: x, type: String, annotations: {k: v}}]
outputs: [{name: y, type: String, annotations: {k: v}}]
implementation:
  container:
    image: alpine
    args: [{inputValue: x}, {outputPath: y}]
    fileOutputs: {y: /tmp/y}
`))
	require.NoError(t, err)
	assert.Equal(t, []ir.Arg{ir.InputValue{Name: "x"}, ir.OutputParamFile{Name: "y"}}, c.IR().Impl.(*ir.Container).Args)
}

// TestWriteThenLoad writes a v1 component and a Go-function component as
// v2 component YAML, loads them back as container components with the same
// interface, and writes them again byte for byte.
func TestWriteThenLoad(t *testing.T) {
	v1, err := componentyaml.LoadFile("testdata/v1_train.yaml")
	require.NoError(t, err)
	type in struct {
		Rows dsl.Param[int]            `kfp:"rows" default:"5"`
		Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
	}
	type out struct {
		Model dsl.Artifact[dsl.Model] `kfp:"model"`
		Score dsl.Param[float64]      `kfp:"score"`
	}
	gofn := dsl.NewComponent("go-train", func(context.Context, in) (out, error) { return out{}, nil },
		dsl.Image("ko://example.com/cmd/train"))
	for _, c := range []*ir.Component{v1.IR(), gofn.IR()} {
		b, err := componentyaml.Marshal(c, compiler.Options{})
		require.NoError(t, err)
		back, err := componentyaml.Load("written.yaml", b)
		require.NoError(t, err)
		bc := back.IR()
		_, isContainer := bc.Impl.(*ir.Container)
		assert.True(t, isContainer, "a written component loads back as a container component")
		assert.Equal(t, len(c.Inputs), len(bc.Inputs))
		assert.Equal(t, len(c.Outputs), len(bc.Outputs))
		assert.Equal(t, c.Impl, bc.Impl)
		b2, err := componentyaml.Marshal(bc, compiler.Options{})
		require.NoError(t, err)
		assert.Equal(t, string(b), string(b2))
	}
}

func TestBadYAML(t *testing.T) {
	tests := []struct {
		name, yaml, path, msg, hint string
	}{
		{"v1 missing name", "implementation: {container: {image: x}}\n", "name", "is missing", "add it"},
		{"v1 missing image", "name: a\nimplementation: {container: {command: [x]}}\n", "implementation.container.image", "is missing", "add it"},
		{"v1 no container", "name: a\nimplementation: {graph: {}}\n", "implementation.container", "is missing", "add implementation.container"},
		{"v1 duplicate input", "name: a\ninputs: [{name: x}, {name: X}]\nimplementation: {container: {image: i}}\n", "inputs[1].name", `"X" is declared twice (also at inputs[0])`, "distinct"},
		{"v1 unknown input in placeholder", "name: a\ninputs: [{name: x, type: String}]\nimplementation: {container: {image: i, args: [{inputValue: z}]}}\n", "implementation.container.args[0].inputValue", `input "z" does not exist`, "one of the inputs: x"},
		{"v1 unknown placeholder", "name: a\nimplementation: {container: {image: i, args: [{inputFile: y}]}}\n", "implementation.container.args[0].inputFile", `unknown placeholder "inputFile"`, "inputValue"},
		{"v1 path of parameter", "name: a\ninputs: [{name: x, type: String}]\nimplementation: {container: {image: i, args: [{inputPath: x}]}}\n", "implementation.container.args[0].inputPath", `input "x" is a parameter`, "use inputValue"},
		{"v1 unknown top-level key", "name: a\nfoo: bar\nimplementation: {container: {image: i}}\n", "foo",
			`unknown key "foo" (known: description, implementation, inputs, metadata, name, outputs, version)`, "v1 ComponentSpec has no such field"},
		{"v1 unknown container key", "name: a\nimplementation: {container: {image: i, imagePullPolicy: Always}}\n", "implementation.container.imagePullPolicy",
			`unknown key "imagePullPolicy" (known: args, command, env, fileOutputs, image)`, "v1 ContainerSpec has no such field"},
		{"v1 unknown input key", "name: a\ninputs: [{name: x, type: String, defualt: '1'}]\nimplementation: {container: {image: i}}\n", "inputs[0].defualt",
			`unknown key "defualt" (known: annotations, default, description, name, optional, type)`, "InputSpec"},
		{"v1 unknown output key", "name: a\noutputs: [{name: x, optional: true}]\nimplementation: {container: {image: i}}\n", "outputs[0].optional",
			`unknown key "optional" (known: annotations, description, name, type)`, "OutputSpec"},
		{"v1 unknown implementation key", "name: a\nimplementation: {container: {image: i}, kind: job}\n", "implementation.kind",
			`unknown key "kind" (known: container, graph)`, "implementation"},
		{"v1 unknown metadata key", "name: a\nmetadata: {label: x}\nimplementation: {container: {image: i}}\n", "metadata.label",
			`unknown key "label" (known: annotations, labels)`, "MetadataSpec"},
		{"v1 inputPath of an output", "name: a\noutputs: [{name: o, type: Dataset}]\nimplementation: {container: {image: i, args: [{inputPath: o}]}}\n", "implementation.container.args[0].inputPath",
			`"o" is an output, not an input`, "use {outputPath: o}"},
		{"v1 inputUri of an output", "name: a\noutputs: [{name: o, type: Model}]\nimplementation: {container: {image: i, args: [{inputUri: o}]}}\n", "implementation.container.args[0].inputUri",
			`"o" is an output, not an input`, "use {outputUri: o}"},
		{"v1 outputPath of an artifact input", "name: a\ninputs: [{name: d, type: Dataset}]\nimplementation: {container: {image: i, args: [{outputPath: d}]}}\n", "implementation.container.args[0].outputPath",
			`"d" is an input, not an output`, "use {inputPath: d}"},
		{"v1 outputPath of a parameter input", "name: a\ninputs: [{name: n, type: Integer}]\noutputs: [{name: o}]\nimplementation: {container: {image: i, args: [{outputPath: n}]}}\n", "implementation.container.args[0].outputPath",
			`"n" is an input, not an output`, "use {inputValue: n} to read the input, or name one of the outputs: o"},
		{"v1 bad default", "name: a\ninputs: [{name: count, type: Integer, default: ten}]\nimplementation: {container: {image: i}}\n", "inputs[0].default", `default "ten" is not an integer`, "type"},
		{"v2 unknown type", "", "root.inputDefinitions.parameters.text.parameterType", `unknown parameter type "STRNG"`, "use STRING"},
		{"v2 missing pipelineInfo", "root: {}\n", "pipelineInfo", "is missing", "add pipelineInfo"},
		{"v2 missing component", "pipelineInfo: {name: a}\nroot: {dag: {tasks: {t: {componentRef: {name: comp-x}}}}}\n", "root.dag.tasks.t.componentRef.name", `component "comp-x" does not exist`, "add the component"},
		{"v2 missing executor", "pipelineInfo: {name: a}\nroot: {}\ncomponents: {comp-a: {executorLabel: exec-a}}\n", "components.comp-a.executorLabel", `executor "exec-a" does not exist`, "deploymentSpec.executors"},
		{"v2 malformed placeholder", "pipelineInfo: {name: a}\nroot: {dag: {tasks: {a: {componentRef: {name: comp-a}}}}}\ncomponents: {comp-a: {executorLabel: exec-a}}\ndeploymentSpec: {executors: {exec-a: {container: {image: i, args: [\"{{$.inputs.parameters['nope']}}\"]}}}}\n",
			"deploymentSpec.executors.exec-a.container.args[0]", `placeholder refers to input "nope", which does not exist`, "name one of the component's inputs"},
		{"v2 broken placeholder", "pipelineInfo: {name: a}\nroot: {dag: {tasks: {a: {componentRef: {name: comp-a}}}}}\ncomponents: {comp-a: {executorLabel: exec-a}}\ndeploymentSpec: {executors: {exec-a: {container: {image: i, args: [\"{{$.inputs.parameters[x]}}\"]}}}}\n",
			"deploymentSpec.executors.exec-a.container.args[0]", "malformed placeholder", "{{$.inputs.parameters['name']}}"},
		{"duplicate key", "name: a\nname: b\n", "document 1", "invalid YAML", "each key may appear once"},
		{"not a mapping", "- a\n", "document 1", "the document is a list", "mapping"},
		{"neither form", "foo: 1\n", "", "not a KFP component", "component.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.yaml)
			file := "bad.yaml"
			if tt.yaml == "" {
				file = "testdata/bad_unknown_type.yaml"
				var err error
				data, err = os.ReadFile(file)
				require.NoError(t, err)
			}
			_, err := componentyaml.Load(file, data)
			require.Error(t, err)
			var e *componentyaml.Error
			require.True(t, errors.As(err, &e), "%T", err)
			assert.Equal(t, file, e.File)
			assert.Equal(t, tt.path, e.Path)
			assert.Contains(t, e.Msg, tt.msg)
			assert.Contains(t, e.Hint, tt.hint)
			assert.Contains(t, err.Error(), file+": ")
		})
	}
}

// TestUntypedInPipeline checks that a loaded component's inputs and outputs
// are checked by name and type at compile time, at the Task call's line.
func TestUntypedInPipeline(t *testing.T) {
	train, err := componentyaml.LoadFile("testdata/v1_train.yaml")
	require.NoError(t, err)
	type pin struct {
		Data dsl.Artifact[dsl.Dataset] `kfp:"data"`
	}
	type trainOut struct {
		Model    dsl.Artifact[dsl.Model] `kfp:"model"`
		Accuracy dsl.Param[float64]      `kfp:"accuracy"`
	}
	type byName struct {
		Data  dsl.Artifact[dsl.Dataset] `kfp:"training_data"`
		Notes dsl.Artifact[dsl.Generic] `kfp:"notes"`
		Rate  dsl.Param[float64]        `kfp:"learning_rate"`
	}
	good := dsl.NewPipeline("good-untyped", func(b *dsl.Builder, in pin) trainOut {
		tr := dsl.TaskAs[trainOut](train, b, map[string]any{"training_data": in.Data, "epochs": 3, "notes": in.Data})
		u := train.Task(b, byName{Data: in.Data, Notes: dsl.AsGeneric(tr.Out.Model), Rate: tr.Out.Accuracy})
		return trainOut{Model: dsl.OutputArtifact[dsl.Model](u.Out, "model"), Accuracy: dsl.OutputParam[float64](u.Out, "accuracy")}
	})
	res, err := compiler.Compile(good, compiler.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), "comp-train-model-2:")
	assert.Contains(t, string(res.YAML), "producerSubtask: train-model-2")

	var lines [4]int
	bad := dsl.NewPipeline("bad-untyped", func(b *dsl.Builder, in pin) struct{} {
		_, _, l, _ := runtime.Caller(0)
		train.Task(b, map[string]any{"training_data": in.Data, "epocs": 3, "notes": in.Data})
		train.Task(b, map[string]any{"training_data": in.Data, "epochs": "ten", "notes": in.Data})
		u := train.Task(b, map[string]any{"notes": in.Data})
		dsl.OutputParam[string](u.Out, "accuracy")
		for i := range lines {
			lines[i] = l + 1 + i
		}
		return struct{}{}
	})
	_, err = compiler.Compile(bad, compiler.Options{})
	require.Error(t, err)
	var list ir.ErrorList
	require.True(t, errors.As(err, &list), "%T", err)
	want := []struct {
		line int
		code ir.Code
		msg  string
	}{
		{lines[0], ir.UnknownInput, `"epocs"`},
		{lines[1], ir.MismatchedType, `input "epochs" of component "Train model" is NUMBER_INTEGER but gets the literal ten (STRING)`},
		{lines[2], ir.MissingInput, `required input "training_data"`},
		{lines[3], ir.MismatchedType, `output "accuracy" of task "train-model-3" is NUMBER_DOUBLE, not STRING`},
	}
	for _, w := range want {
		found := false
		for _, e := range list {
			file, line := e.Pos.FileLine()
			if filepath.Base(file) == "componentyaml_test.go" && line == w.line && e.Code == w.code && strings.Contains(e.Msg, w.msg) {
				found = true
			}
		}
		assert.True(t, found, "no %s error at line %d containing %q in:\n%v", w.code, w.line, w.msg, err)
	}
}

// seeds returns the fuzz seeds: every golden of the conformance corpus
// when $KFPGO_CONFORMANCE_DIR names it, else the package's testdata (what
// a user's clone has).
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	if dir := os.Getenv("KFPGO_CONFORMANCE_DIR"); dir != "" {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
				if b, err := os.ReadFile(p); err == nil {
					out = append(out, b)
				}
			}
			return nil
		})
	}
	if len(out) == 0 {
		paths, err := filepath.Glob("testdata/*.yaml")
		require.NoError(f, err)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			require.NoError(f, err)
			out = append(out, b)
		}
	}
	require.NotEmpty(f, out, "no fuzz seeds: neither the conformance corpus nor testdata/*.yaml")
	return out
}

// FuzzLoad feeds arbitrary bytes to the loader: it must return a component
// or an *Error, never panic; a loaded component must also compile as the
// single task of a pipeline (or fail with an error, not a panic).
func FuzzLoad(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := componentyaml.Load("fuzz.yaml", data)
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

// FuzzLoadV1 fuzzes the v1 component.yaml path from the package's v1 seed.
func FuzzLoadV1(f *testing.F) {
	b, err := os.ReadFile("testdata/v1_train.yaml")
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("name: a\ninputs: [{name: x, type: String, default: '1'}]\nimplementation: {container: {image: i, args: [{if: {cond: {isPresent: x}, then: [{inputValue: x}]}}]}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := componentyaml.Load("fuzz.yaml", data)
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

// TestYAML12Names checks that names such as y and n stay names (KFP writes
// YAML with PyYAML, which never reads them as booleans).
func TestYAML12Names(t *testing.T) {
	c, err := componentyaml.Load("xy.yaml", []byte("name: add\ninputs:\n- {name: x, type: Float}\n- {name: y, type: Float}\n- {name: n, type: Float}\noutputs:\n- {name: on, type: Float}\nimplementation:\n  container:\n    image: alpine\n    args: [{inputValue: y}, {outputPath: on}]\n"))
	require.NoError(t, err)
	assert.NotNil(t, c.IR().Input("y"))
	assert.NotNil(t, c.IR().Input("n"))
	assert.NotNil(t, c.IR().Output("on"))
	_, err = componentyaml.Load("bomb.yaml", []byte("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"))
	assert.ErrorContains(t, err, "more than a million nodes")
}

// TestLoadV1MatchesKFPConversion loads a v1 component.yaml the way KFP's
// ComponentSpec.from_v1_component_spec converts it (kfp/dsl/structures.py):
// the component keeps its description, inputs keep type, default and
// optional, outputs keep their type only; input and output descriptions
// and annotations are dropped, so a pipeline using the component compiles
// to the same IR as KFP's (no description in its inputDefinitions or
// outputDefinitions).
func TestLoadV1MatchesKFPConversion(t *testing.T) {
	c, err := componentyaml.Load("described.yaml", []byte(`name: Described op
description: Does one thing.
inputs:
- {name: text, type: String, description: The text., annotations: {k: v}}
- {name: count, type: Integer, default: "2", description: How many.}
- {name: data, type: Dataset, optional: true, description: Some data.}
outputs:
- {name: out, type: String, description: The result.}
- {name: model, type: Model, description: The model.}
implementation:
  container:
    image: alpine
    args: [{inputValue: text}, {inputValue: count}, {inputPath: data}, {outputPath: out}, {outputPath: model}]
`))
	require.NoError(t, err)
	comp := c.IR()
	assert.Equal(t, "Does one thing.", comp.Description)
	assert.Equal(t, []*ir.Input{
		{Name: "text", Type: ir.Type{Param: ir.ParamString}},
		{Name: "count", Type: ir.Type{Param: ir.ParamInt}, Default: int64(2), HasDefault: true, Optional: true},
		{Name: "data", Type: ir.Type{Artifact: comp.Inputs[2].Type.Artifact}, Optional: true},
	}, comp.Inputs)
	assert.Equal(t, "system.Dataset", comp.Inputs[2].Type.Artifact.SchemaTitle)
	for _, o := range comp.Outputs {
		assert.Empty(t, o.Description, "output %s", o.Name)
	}

	type pin struct {
		Text dsl.Param[string] `kfp:"text"`
	}
	p := dsl.NewPipeline("uses-described", func(b *dsl.Builder, in pin) struct{} {
		c.Task(b, map[string]any{"text": in.Text})
		return struct{}{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	assert.Contains(t, string(res.YAML), "comp-described-op:")
	assert.NotContains(t, string(res.YAML), "description:")
}
