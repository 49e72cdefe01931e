package kfp_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/compiler/conformance"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/compiler/kfp"
)

// TestDocMatchesProtojson checks that the document written for every ported
// conformance pipeline is what protojson gives for the typed spec (plus the
// documented newer keys, which protojson cannot know).
func TestDocMatchesProtojson(t *testing.T) {
	names := make([]string, 0, len(conformance.Cases))
	for n := range conformance.Cases {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, n := range names {
		c := conformance.Cases[n]
		g := c.Pipeline.Build()
		if len(ir.Validate(g)) > 0 {
			continue
		}
		res, err := kfp.Emit(g, c.Options)
		if err != nil {
			continue
		}
		b, err := protojson.Marshal(res.Spec)
		require.NoError(t, err)
		var want map[string]any
		require.NoError(t, json.Unmarshal(b, &want))
		got := kfp.ProtoMapForTest(res.Spec)
		assert.Equal(t, want, got, n)
		checked++
	}
	assert.Greater(t, checked, 50)
	for _, d := range []*durationpb.Duration{{Seconds: 3600}, {Seconds: 1, Nanos: 500000000}, {Nanos: 1000}, {Seconds: 2, Nanos: 1}} {
		b, _ := protojson.Marshal(d)
		var want any
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, kfp.DurationForTest(d))
	}
}

// TestTypedConversionsMatchProtojson fills every field of the messages
// converted without protoreflect, plus empty, nil and unknown-enum edge
// cases, and compares the document with protojson's.
func TestTypedConversionsMatchProtojson(t *testing.T) {
	str := structpb.NewStringValue
	list, _ := structpb.NewList([]any{1.5, "x", true, nil, map[string]any{"k": []any{}}})
	st, _ := structpb.NewStruct(map[string]any{"a": 1.0, "b": map[string]any{"c": "d"}, "e": []any{"f"}})
	task := &pipelinespec.PipelineTaskSpec{
		TaskInfo:       &pipelinespec.PipelineTaskInfo{Name: "t"},
		DependentTasks: []string{"a", "b"},
		CachingOptions: &pipelinespec.PipelineTaskSpec_CachingOptions{EnableCache: true},
		ComponentRef:   &pipelinespec.ComponentRef{Name: "comp-t"},
		TriggerPolicy:  &pipelinespec.PipelineTaskSpec_TriggerPolicy{Condition: "x == 1", Strategy: pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED},
		Iterator: &pipelinespec.PipelineTaskSpec_ParameterIterator{ParameterIterator: &pipelinespec.ParameterIteratorSpec{ItemInput: "item",
			Items: &pipelinespec.ParameterIteratorSpec_ItemsSpec{Kind: &pipelinespec.ParameterIteratorSpec_ItemsSpec_Raw{Raw: "[1, 2]"}}}},
		RetryPolicy:    &pipelinespec.PipelineTaskSpec_RetryPolicy{MaxRetryCount: 3, BackoffDuration: durationpb.New(1500 * time.Millisecond), BackoffFactor: 2},
		IteratorPolicy: &pipelinespec.PipelineTaskSpec_IteratorPolicy{ParallelismLimit: 2},
		Inputs: &pipelinespec.TaskInputsSpec{
			Parameters: map[string]*pipelinespec.TaskInputsSpec_InputParameterSpec{
				"out":   {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter{TaskOutputParameter: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{ProducerTask: "p", OutputParameterKey: "o"}}, ParameterExpressionSelector: "parseJson(string_value)"},
				"empty": {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter{TaskOutputParameter: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{}}},
				"rt":    {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: structpb.NewListValue(list)}}}},
				"rp":    {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_RuntimeParameter{RuntimeParameter: "uri"}}}},
				"cv":    {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_ConstantValue{ConstantValue: &pipelinespec.Value{Value: &pipelinespec.Value_IntValue{IntValue: 7}}}}}},
				"none":  {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{}}},
				"in":    {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: ""}},
				"st":    {Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus_{TaskFinalStatus: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus{ProducerTask: "p"}}},
				"bare":  {},
			},
			Artifacts: map[string]*pipelinespec.TaskInputsSpec_InputArtifactSpec{
				"a": {Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{ProducerTask: "p", OutputArtifactKey: "m"}}},
				"b": {Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact{ComponentInputArtifact: "x"}},
				"c": {},
			},
		},
	}
	spec := &pipelinespec.PipelineSpec{
		PipelineInfo:        &pipelinespec.PipelineInfo{Name: "p", DisplayName: "P", Description: "d"},
		DeploymentSpec:      st,
		SdkVersion:          "s",
		SchemaVersion:       "2.1.0",
		DefaultPipelineRoot: "gs://b",
		Root: &pipelinespec.ComponentSpec{
			InputDefinitions: &pipelinespec.ComponentInputsSpec{
				Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{
					"x":   {Type: pipelinespec.PrimitiveType_STRING, ParameterType: pipelinespec.ParameterType_STRING, DefaultValue: str("v"), IsOptional: true, Description: "d"},
					"odd": {ParameterType: pipelinespec.ParameterType_ParameterTypeEnum(99), DefaultValue: structpb.NewStructValue(st)},
					"nil": {DefaultValue: structpb.NewNullValue()},
				},
				Artifacts: map[string]*pipelinespec.ComponentInputsSpec_ArtifactSpec{
					"m": {ArtifactType: &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_SchemaTitle{SchemaTitle: "system.Model"}, SchemaVersion: "0.0.1"}, IsArtifactList: true, IsOptional: true, Description: "d"},
					"u": {ArtifactType: &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_SchemaUri{SchemaUri: "u"}}},
					"i": {ArtifactType: &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_InstanceSchema{InstanceSchema: "s"}}},
					"e": {ArtifactType: &pipelinespec.ArtifactTypeSchema{}},
				},
			},
			OutputDefinitions: &pipelinespec.ComponentOutputsSpec{
				Parameters: map[string]*pipelinespec.ComponentOutputsSpec_ParameterSpec{
					"o": {Type: pipelinespec.PrimitiveType_INT, ParameterType: pipelinespec.ParameterType_NUMBER_INTEGER, Description: "d"},
					"e": {},
				},
				Artifacts: map[string]*pipelinespec.ComponentOutputsSpec_ArtifactSpec{"m": {Description: "d", Metadata: st}},
			},
			Implementation: &pipelinespec.ComponentSpec_Dag{Dag: &pipelinespec.DagSpec{
				Tasks:   map[string]*pipelinespec.PipelineTaskSpec{"t": task, "e": {}},
				Outputs: &pipelinespec.DagOutputsSpec{Parameters: map[string]*pipelinespec.DagOutputsSpec_DagOutputParameterSpec{}},
			}},
		},
		Components: map[string]*pipelinespec.ComponentSpec{
			"comp-t":     {Implementation: &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: "exec-t"}},
			"comp-empty": {InputDefinitions: &pipelinespec.ComponentInputsSpec{}, OutputDefinitions: &pipelinespec.ComponentOutputsSpec{}},
			"comp-dag":   {Implementation: &pipelinespec.ComponentSpec_Dag{Dag: &pipelinespec.DagSpec{}}},
		},
	}
	container := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{
		Image: "alpine", Command: []string{"sh", "-c"}, Args: []string{"x"},
		Lifecycle: &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_Lifecycle{PreCacheCheck: &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_Lifecycle_Exec{Command: []string{"c"}}},
		Resources: &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec{CpuLimit: 0.5, MemoryLimit: 1.5},
		Env:       []*pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_EnvVar{{Name: "A", Value: "1"}, {}},
	}
	for _, m := range []proto.Message{spec, container, &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{}, &pipelinespec.PipelineSpec{}} {
		b, err := protojson.Marshal(m)
		require.NoError(t, err)
		var want map[string]any
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, kfp.ProtoMapForTest(m), "%T", m)
	}
}

// TestTypedConversionsCoverFields lists, per message converted without
// protoreflect, the fields its function writes. A newer pipelinespec
// module that adds a field fails here: add the field to the function in
// protomap.go and to this list.
func TestTypedConversionsCoverFields(t *testing.T) {
	for m, fields := range map[proto.Message]string{
		&pipelinespec.PipelineSpec{}:                                              "pipeline_info deployment_spec sdk_version schema_version components root default_pipeline_root",
		&pipelinespec.ComponentSpec{}:                                             "input_definitions output_definitions dag executor_label",
		&pipelinespec.DagSpec{}:                                                   "tasks outputs",
		&pipelinespec.PipelineTaskSpec{}:                                          "task_info inputs dependent_tasks caching_options component_ref trigger_policy artifact_iterator parameter_iterator retry_policy iterator_policy",
		&pipelinespec.PipelineTaskInfo{}:                                          "name",
		&pipelinespec.PipelineTaskSpec_CachingOptions{}:                           "enable_cache",
		&pipelinespec.ComponentRef{}:                                              "name",
		&pipelinespec.TaskInputsSpec{}:                                            "parameters artifacts",
		&pipelinespec.TaskInputsSpec_InputParameterSpec{}:                         "task_output_parameter runtime_value component_input_parameter task_final_status parameter_expression_selector",
		&pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{}: "producer_task output_parameter_key",
		&pipelinespec.TaskInputsSpec_InputArtifactSpec{}:                          "task_output_artifact component_input_artifact",
		&pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{}:   "producer_task output_artifact_key",
		&pipelinespec.ValueOrRuntimeParameter{}:                                   "constant_value runtime_parameter constant",
		&pipelinespec.ComponentInputsSpec{}:                                       "artifacts parameters",
		&pipelinespec.ComponentInputsSpec_ParameterSpec{}:                         "type parameter_type default_value is_optional description",
		&pipelinespec.ComponentInputsSpec_ArtifactSpec{}:                          "artifact_type is_artifact_list is_optional description",
		&pipelinespec.ComponentOutputsSpec{}:                                      "artifacts parameters",
		&pipelinespec.ComponentOutputsSpec_ParameterSpec{}:                        "type parameter_type description",
		&pipelinespec.ArtifactTypeSchema{}:                                        "schema_title schema_uri instance_schema schema_version",
		&pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{}:            "image command args lifecycle resources env",
		&structpb.Value{}:                                                         "null_value number_value string_value bool_value struct_value list_value",
		&structpb.Struct{}:                                                        "fields",
		&structpb.ListValue{}:                                                     "values",
	} {
		d := m.ProtoReflect().Descriptor()
		var got []string
		for i := 0; i < d.Fields().Len(); i++ {
			got = append(got, string(d.Fields().Get(i).Name()))
		}
		assert.ElementsMatch(t, strings.Fields(fields), got, "fields of %s", d.FullName())
	}
}
