package launcher_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/sdk/launcher"
)

func mustValue(t *testing.T, v any) *structpb.Value {
	t.Helper()
	pv, err := structpb.NewValue(v)
	require.NoError(t, err)
	return pv
}

func component(t *testing.T, js string) *pipelinespec.ComponentSpec {
	t.Helper()
	c := &pipelinespec.ComponentSpec{}
	require.NoError(t, protojson.Unmarshal([]byte(js), c))
	return c
}

const compJSON = `{
 "inputDefinitions": {"parameters": {
   "s": {"parameterType": "STRING"}, "n": {"parameterType": "NUMBER_INTEGER"},
   "f": {"parameterType": "NUMBER_DOUBLE"}, "b": {"parameterType": "BOOLEAN"},
   "l": {"parameterType": "LIST"}, "m": {"parameterType": "STRUCT"},
   "d": {"parameterType": "STRING", "defaultValue": "dflt", "isOptional": true},
   "opt": {"parameterType": "STRING", "isOptional": true},
   "fs": {"parameterType": "STRING"}},
  "artifacts": {"data": {"artifactType": {"schemaTitle": "system.Dataset"}}}},
 "outputDefinitions": {"parameters": {"count": {"parameterType": "NUMBER_INTEGER"}, "text": {"parameterType": "STRING"}},
  "artifacts": {"model": {"artifactType": {"schemaTitle": "system.Model"}}}}}`

func TestResolve(t *testing.T) {
	root := "/local/root"
	comp := component(t, compJSON)
	ei := launcher.BuildExecutorInput(comp, launcher.Inputs{
		Parameters: map[string]*structpb.Value{
			"s": mustValue(t, "hi there"), "n": mustValue(t, 3.0), "f": mustValue(t, 0.5), "b": mustValue(t, true),
			"l": mustValue(t, []any{1.0, "a"}), "m": mustValue(t, map[string]any{"k": "v"}),
			"opt": structpb.NewNullValue(), "fs": mustValue(t, "pre-{{$.inputs.parameters['s']}}"),
		},
		Artifacts: map[string]*pipelinespec.ArtifactList{"data": {Artifacts: []*pipelinespec.RuntimeArtifact{{
			Uri: "gs://bucket/x/data", Metadata: &structpb.Struct{Fields: map[string]*structpb.Value{"rows": mustValue(t, 2.0)}},
		}}}},
	}, launcher.Layout{ArtifactURIPrefix: "/runs/r1/t", ParameterDir: "/runs/r1/t/outputs", OutputFile: "/runs/r1/t/executor_output.json"})
	rt := launcher.Runtime{JobName: "job", JobResourceName: "job-res", JobUUID: "uuid", TaskName: "task", TaskUUID: "tuuid", PipelineRoot: root, CreateTimeUTC: "2026-01-02T03:04:05Z", ScheduleTimeUTC: "2026-01-02T03:04:06Z", WorkspacePath: "/ws"}

	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{name: "string verbatim", in: []string{"{{$.inputs.parameters['s']}}"}, want: []string{"hi there"}},
		{name: "integer", in: []string{"n={{$.inputs.parameters['n']}}"}, want: []string{"n=3"}},
		{name: "double and bool", in: []string{"{{$.inputs.parameters['f']}} {{$.inputs.parameters['b']}}"}, want: []string{"0.5 true"}},
		{name: "list and struct as JSON", in: []string{"{{$.inputs.parameters['l']}}", "{{$.inputs.parameters['m']}}"}, want: []string{`[1,"a"]`, `{"k":"v"}`}},
		{name: "default applied", in: []string{"{{$.inputs.parameters['d']}}"}, want: []string{"dflt"}},
		{name: "f-string input resolved", in: []string{"{{$.inputs.parameters['fs']}}"}, want: []string{"pre-hi there"}},
		{name: "absent input left as written", in: []string{"{{$.inputs.parameters['opt']}}"}, want: []string{"{{$.inputs.parameters['opt']}}"}},
		{name: "input artifact", in: []string{"{{$.inputs.artifacts['data'].uri}}", "{{$.inputs.artifacts['data'].path}}", "{{$.inputs.artifacts['data'].metadata}}"}, want: []string{"gs://bucket/x/data", "/local/root/gcs/bucket/x/data", `{"rows":2}`}},
		{name: "output artifact", in: []string{"{{$.outputs.artifacts['model'].uri}}", "{{$.outputs.artifacts['model'].path}}"}, want: []string{"/runs/r1/t/model", "/runs/r1/t/model"}},
		{name: "output files", in: []string{"{{$.outputs.parameters['count'].output_file}}", "{{$.outputs.output_file}}", "{{$.outputMetadataUri}}"}, want: []string{"/runs/r1/t/outputs/count", "/runs/r1/t/executor_output.json", "/runs/r1/t/executor_output.json"}},
		{name: "pipeline placeholders", in: []string{"{{$.pipeline_job_name}}/{{$.pipeline_job_resource_name}}/{{$.pipeline_job_uuid}}/{{$.pipeline_task_name}}/{{$.pipeline_task_uuid}}/{{$.pipeline_root}}/{{$.pipeline_job_create_time_utc}}/{{$.pipeline_job_schedule_time_utc}}"}, want: []string{"job/job-res/uuid/task/tuuid//local/root/2026-01-02T03:04:05Z/2026-01-02T03:04:06Z"}},
		{name: "concat", in: []string{`{"Concat": ["--n=", "{{$.inputs.parameters['n']}}", "/", "{{$.inputs.parameters['s']}}"]}`}, want: []string{"--n=3/hi there"}},
		{name: "if present then", in: []string{`{"IfPresent": {"InputName": "s", "Then": ["--s", "{{$.inputs.parameters['s']}}"]}}`}, want: []string{"--s", "hi there"}},
		{name: "if absent nothing", in: []string{"a", `{"IfPresent": {"InputName": "opt", "Then": ["--opt", "{{$.inputs.parameters['opt']}}"]}}`, "b"}, want: []string{"a", "b"}},
		{name: "if absent else with nested concat", in: []string{`{"IfPresent": {"InputName": "opt", "Then": "x", "Else": {"Concat": ["--none=", "{{$.inputs.parameters['d']}}"]}}}`}, want: []string{"--none=dflt"}},
		{name: "artifact presence", in: []string{`{"IfPresent": {"InputName": "data", "Then": "has-data"}}`}, want: []string{"has-data"}},
		{name: "list of input artifacts", in: []string{"{{$.inputs.artifacts['data']}}"}, want: []string{`[{"uri":"gs://bucket/x/data","metadata":{"rows":2}}]`}},
		{name: "workspace", in: []string{"{{$.workspace_path}}/f"}, want: []string{"/ws/f"}},
		{name: "values are not rescanned", in: []string{"{{$.inputs.parameters['fs']}}{{$.inputs.parameters['s']}}"}, want: []string{"pre-hi therehi there"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := launcher.Resolve(ei, rt, root, tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("executor input", func(t *testing.T) {
		got, err := launcher.Resolve(ei, rt, root, []string{"--executor_input", "{{$}}"})
		require.NoError(t, err)
		back := &pipelinespec.ExecutorInput{}
		require.NoError(t, protojson.Unmarshal([]byte(got[1]), back))
		assert.Equal(t, "dflt", back.GetInputs().GetParameterValues()["d"].GetStringValue())
		assert.Equal(t, "/runs/r1/t/outputs/text", back.GetOutputs().GetParameters()["text"].GetOutputFile())
		assert.Equal(t, "system.Model", back.GetOutputs().GetArtifacts()["model"].GetArtifacts()[0].GetType().GetSchemaTitle())
	})

	for _, bad := range []struct{ in, want string }{
		{"{{$.inputs.nothing}}", "unsupported placeholder {{$.inputs.nothing}}"},
		{"{{$.outputs.parameters['nope'].output_file}}", `output parameter "nope", which the component does not declare`},
		{`{"Concat": "x"}`, `"Concat" must hold a list`},
		{`{"IfPresent": {"Then": "x"}}`, `needs a string "InputName"`},
		{`{"Concat": [}`, "is not valid JSON"},
	} {
		_, err := launcher.Resolve(ei, rt, root, []string{bad.in})
		assert.ErrorContains(t, err, bad.want, bad.in)
	}
	_, err := launcher.Resolve(ei, launcher.Runtime{}, root, []string{"{{$.workspace_path}}"})
	assert.ErrorContains(t, err, "needs a KFP workspace")
}

func TestLocalPath(t *testing.T) {
	for _, tt := range []struct{ uri, want string }{
		{"gs://b/k/x", "/r/gcs/b/k/x"},
		{"s3://b/k", "/r/s3/b/k"},
		{"minio://b/k", "/r/minio/b/k"},
		{"/abs/file", "/abs/file"},
		{"file:///abs/file", "/abs/file"},
	} {
		got, err := launcher.LocalPath("/r", tt.uri)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
	_, err := launcher.LocalPath("/r", "https://x/y")
	assert.ErrorContains(t, err, "has no local path")
}

func TestParseParameter(t *testing.T) {
	for _, tt := range []struct {
		text string
		typ  pipelinespec.ParameterType_ParameterTypeEnum
		want any
	}{
		{"abc\n", pipelinespec.ParameterType_STRING, "abc\n"},
		{"42\n", pipelinespec.ParameterType_NUMBER_INTEGER, 42.0},
		{"4.0", pipelinespec.ParameterType_NUMBER_INTEGER, 4.0},
		{"9007199254740992", pipelinespec.ParameterType_NUMBER_INTEGER, 9007199254740992.0},
		{"-9007199254740992", pipelinespec.ParameterType_NUMBER_INTEGER, -9007199254740992.0},
		{"1e308", pipelinespec.ParameterType_NUMBER_DOUBLE, 1e308},
		{"0.25", pipelinespec.ParameterType_NUMBER_DOUBLE, 0.25},
		{"true", pipelinespec.ParameterType_BOOLEAN, true},
		{`[1, "a"]`, pipelinespec.ParameterType_LIST, []any{1.0, "a"}},
		{`{"a": [1]}`, pipelinespec.ParameterType_STRUCT, map[string]any{"a": []any{1.0}}},
	} {
		v, err := launcher.ParseParameter(tt.text, tt.typ)
		require.NoError(t, err, tt.text)
		assert.Equal(t, tt.want, v.AsInterface(), tt.text)
	}
	for _, tt := range []struct {
		text string
		typ  pipelinespec.ParameterType_ParameterTypeEnum
		want string
	}{
		{"4.5", pipelinespec.ParameterType_NUMBER_INTEGER, "not an integer"},
		{"x", pipelinespec.ParameterType_NUMBER_DOUBLE, "not a number"},
		{"1e400", pipelinespec.ParameterType_NUMBER_DOUBLE, `"1e400" is out of range for NUMBER_DOUBLE: a 64-bit float, at most 1.7976931348623157e+308 in magnitude`},
		{"-1e400", pipelinespec.ParameterType_NUMBER_DOUBLE, "out of range for NUMBER_DOUBLE"},
		{"73786976294838206464", pipelinespec.ParameterType_NUMBER_INTEGER, `"73786976294838206464" is out of range for NUMBER_INTEGER: KFP carries numbers as 64-bit floats, exact for whole numbers from -9007199254740992 to 9007199254740992`},
		{"9007199254740993", pipelinespec.ParameterType_NUMBER_INTEGER, "out of range for NUMBER_INTEGER"},
		{"1e400", pipelinespec.ParameterType_NUMBER_INTEGER, "out of range for NUMBER_INTEGER"},
		{"1e19", pipelinespec.ParameterType_NUMBER_INTEGER, "out of range for NUMBER_INTEGER"},
		{"yes please", pipelinespec.ParameterType_BOOLEAN, "not a boolean"},
		{"{}", pipelinespec.ParameterType_LIST, "not a JSON list"},
		{"[]", pipelinespec.ParameterType_STRUCT, "not a JSON object"},
	} {
		_, err := launcher.ParseParameter(tt.text, tt.typ)
		assert.ErrorContains(t, err, tt.want, tt.text)
	}
}

func TestCollectOutputs(t *testing.T) {
	dir := t.TempDir()
	comp := component(t, compJSON)
	ei := launcher.BuildExecutorInput(comp, launcher.Inputs{}, launcher.Layout{
		ArtifactURIPrefix: filepath.Join(dir, "a"), ParameterDir: filepath.Join(dir, "o"), OutputFile: filepath.Join(dir, "eo.json"),
	})
	require.NoError(t, launcher.PrepareOutputs(ei, dir))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "o", "count"), []byte("7\n"), 0o644))

	_, err := launcher.CollectOutputs(ei, comp)
	assert.ErrorContains(t, err, `output parameter "text" was not written`)

	eo := map[string]any{
		"parameterValues": map[string]any{"text": "from executor output"},
		"artifacts":       map[string]any{"model": map[string]any{"artifacts": []any{map[string]any{"metadata": map[string]any{"accuracy": 0.9}}}}},
	}
	b, err := json.Marshal(eo)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "eo.json"), b, 0o644))
	out, err := launcher.CollectOutputs(ei, comp)
	require.NoError(t, err)
	assert.Equal(t, 7.0, out.GetParameterValues()["count"].GetNumberValue())
	assert.Equal(t, "from executor output", out.GetParameterValues()["text"].GetStringValue())
	m := out.GetArtifacts()["model"].GetArtifacts()[0]
	assert.Equal(t, filepath.Join(dir, "a", "model"), m.GetUri())
	assert.Equal(t, 0.9, m.GetMetadata().AsMap()["accuracy"])

	require.NoError(t, os.WriteFile(filepath.Join(dir, "eo.json"), []byte("{not json"), 0o644))
	_, err = launcher.CollectOutputs(ei, comp)
	assert.ErrorContains(t, err, "is not an ExecutorOutput JSON")
}

// Constants written by dsl.Format (KFP f-strings) name the task's extra
// pipelinechannel inputs; they are resolved in the ExecutorInput at any depth
// of the value, as KFP's launcher substitutes them over the {{$}} JSON.
func TestBuildExecutorInputResolvesEmbeddedChannels(t *testing.T) {
	comp := component(t, `{"inputDefinitions": {"parameters": {
	  "msg": {"parameterType": "STRING"}, "worker_pool_specs": {"parameterType": "LIST"}}}}`)
	specs := mustValue(t, []any{map[string]any{
		"machine_spec": map[string]any{
			"machine_type":      "{{$.inputs.parameters['pipelinechannel--machine-type-Output']}}",
			"accelerator_count": "{{$.inputs.parameters['pipelinechannel--accelerator-count-Output']}}",
			"accelerator_type":  "{{$.inputs.parameters['pipelinechannel--missing']}}",
		},
		"replica_count": 1.0,
		"args":          []any{"--type={{$.inputs.parameters['pipelinechannel--machine-type-Output']}}"},
	}})
	msg := mustValue(t, "heads and {{$.inputs.parameters['pipelinechannel--random-num-Output']}} > 5!")
	ei := launcher.BuildExecutorInput(comp, launcher.Inputs{Parameters: map[string]*structpb.Value{
		"msg":                                       msg,
		"worker_pool_specs":                         specs,
		"pipelinechannel--random-num-Output":        mustValue(t, 7.0),
		"pipelinechannel--machine-type-Output":      mustValue(t, "n1-standard-4"),
		"pipelinechannel--accelerator-count-Output": mustValue(t, 1.0),
	}}, launcher.Layout{})
	got := ei.GetInputs().GetParameterValues()
	assert.Equal(t, "heads and 7 > 5!", got["msg"].GetStringValue())
	assert.Equal(t, []any{map[string]any{
		"machine_spec": map[string]any{
			"machine_type":      "n1-standard-4",
			"accelerator_count": "1",
			"accelerator_type":  "{{$.inputs.parameters['pipelinechannel--missing']}}",
		},
		"replica_count": 1.0,
		"args":          []any{"--type=n1-standard-4"},
	}}, got["worker_pool_specs"].AsInterface())
	// The caller's values are left as they were.
	assert.Contains(t, msg.GetStringValue(), "{{$.inputs.parameters[")
	assert.Contains(t, specs.GetListValue().GetValues()[0].GetStructValue().GetFields()["machine_spec"].GetStructValue().GetFields()["machine_type"].GetStringValue(), "{{$.inputs.parameters[")
}
