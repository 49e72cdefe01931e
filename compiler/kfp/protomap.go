package kfp

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// protoMap converts a message to the generic tree protojson would produce
// (JSON field names, enums as names, int64 as strings, well-known types in
// their JSON form, numbers as float64), walking the message with
// protoreflect instead of printing and re-reading JSON text. Fields at their
// default value are omitted, as protojson does.
func protoMap(m proto.Message) map[string]any {
	v := messageValue(m.ProtoReflect())
	out, ok := v.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("kfp: %T is not an object in JSON", m))
	}
	return out
}

func messageValue(m protoreflect.Message) any {
	if v, ok := typedValue(m.Interface()); ok {
		return v
	}
	switch m.Descriptor().FullName() {
	case "google.protobuf.Struct":
		return structValue(m)
	case "google.protobuf.Value":
		return valueValue(m)
	case "google.protobuf.ListValue":
		return listValue(m)
	case "google.protobuf.Duration":
		return durationValue(m)
	}
	out := map[string]any{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		out[fd.JSONName()] = fieldValue(fd, v)
		return true
	})
	return out
}

func fieldValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch {
	case fd.IsList():
		l := v.List()
		out := make([]any, l.Len())
		for i := range out {
			out[i] = scalarValue(fd, l.Get(i))
		}
		return out
	case fd.IsMap():
		mp := v.Map()
		out := make(map[string]any, mp.Len())
		mp.Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
			out[k.String()] = scalarValue(fd.MapValue(), mv)
			return true
		})
		return out
	}
	return scalarValue(fd, v)
}

func scalarValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return messageValue(v.Message())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return float64(v.Enum())
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.BytesKind:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return float64(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return float64(v.Uint())
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "Infinity"
		case math.IsInf(f, -1):
			return "-Infinity"
		}
		return f
	}
	return v.Interface()
}

func structValue(m protoreflect.Message) any {
	fd := m.Descriptor().Fields().ByName("fields")
	out := map[string]any{}
	m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		out[k.String()] = valueValue(v.Message())
		return true
	})
	return out
}

func listValue(m protoreflect.Message) any {
	l := m.Get(m.Descriptor().Fields().ByName("values")).List()
	out := make([]any, l.Len())
	for i := range out {
		out[i] = valueValue(l.Get(i).Message())
	}
	return out
}

func valueValue(m protoreflect.Message) any {
	od := m.Descriptor().Oneofs().ByName("kind")
	fd := m.WhichOneof(od)
	if fd == nil {
		return nil
	}
	v := m.Get(fd)
	switch fd.Name() {
	case "null_value":
		return nil
	case "number_value":
		return v.Float()
	case "string_value":
		return v.String()
	case "bool_value":
		return v.Bool()
	case "struct_value":
		return structValue(v.Message())
	case "list_value":
		return listValue(v.Message())
	}
	return nil
}

// durationValue renders a Duration as protojson does ("3600s", "1.5s").
func durationValue(m protoreflect.Message) any {
	fields := m.Descriptor().Fields()
	secs := m.Get(fields.ByName("seconds")).Int()
	nanos := m.Get(fields.ByName("nanos")).Int()
	if nanos == 0 {
		return strconv.FormatInt(secs, 10) + "s"
	}
	sign := ""
	if secs < 0 || nanos < 0 {
		sign, secs, nanos = "-", -secs, -nanos
	}
	// protojson writes 3, 6 or 9 fractional digits.
	frac := fmt.Sprintf("%09d", nanos)
	for strings.HasSuffix(frac, "000") {
		frac = frac[:len(frac)-3]
	}
	return sign + strconv.FormatInt(secs, 10) + "." + frac + "s"
}

// The messages written once or more per task (task specs, their inputs,
// component interfaces, container executors, google.protobuf.Value) are
// converted by the typed functions below instead of the protoreflect walk:
// a pipeline of 10,000 tasks holds about 200,000 of them. Each function
// writes every field of its message exactly as the walk does (JSON names,
// defaults omitted, oneof members written when set, enums by name) and
// hands any other message back to messageValue. protomap_test.go checks
// each message's field list against its descriptor, so a newer
// pipelinespec module with new fields fails the tests until they are
// added here.

// typedValue converts m when it is one of the messages handled here.
func typedValue(m proto.Message) (any, bool) {
	switch x := m.(type) {
	case *pipelinespec.PipelineSpec:
		return pipelineSpecValue(x), true
	case *pipelinespec.ComponentSpec:
		return componentSpecValue(x), true
	case *pipelinespec.DagSpec:
		return dagSpecValue(x), true
	case *pipelinespec.PipelineTaskSpec:
		return taskSpecValue(x), true
	case *pipelinespec.TaskInputsSpec:
		return taskInputsValue(x), true
	case *pipelinespec.TaskInputsSpec_InputParameterSpec:
		return inputParameterValue(x), true
	case *pipelinespec.TaskInputsSpec_InputArtifactSpec:
		return inputArtifactValue(x), true
	case *pipelinespec.ValueOrRuntimeParameter:
		return valueOrRuntimeValue(x), true
	case *pipelinespec.ComponentInputsSpec:
		return componentInputsValue(x), true
	case *pipelinespec.ComponentInputsSpec_ParameterSpec:
		return inputParameterDefValue(x), true
	case *pipelinespec.ComponentInputsSpec_ArtifactSpec:
		return inputArtifactDefValue(x), true
	case *pipelinespec.ComponentOutputsSpec:
		return componentOutputsValue(x), true
	case *pipelinespec.ComponentOutputsSpec_ParameterSpec:
		return outputParameterDefValue(x), true
	case *pipelinespec.ArtifactTypeSchema:
		return artifactTypeValue(x), true
	case *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec:
		return containerValue(x), true
	case *structpb.Value:
		return pbValue(x), true
	case *structpb.Struct:
		return pbStruct(x), true
	case *structpb.ListValue:
		return pbList(x), true
	}
	return nil, false
}

// anyValue converts a message that has no typed function here.
func anyValue(m proto.Message) any { return messageValue(m.ProtoReflect()) }

// stringList is a repeated string field.
func stringList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// enumName is an enum value's name, or its number for values the enum
// does not define (as protojson writes them).
func enumName(names map[int32]string, v int32) any {
	if n, ok := names[v]; ok {
		return n
	}
	return float64(v)
}

func pipelineSpecValue(x *pipelinespec.PipelineSpec) map[string]any {
	out := make(map[string]any, 7)
	if x.PipelineInfo != nil {
		out["pipelineInfo"] = anyValue(x.PipelineInfo)
	}
	if x.DeploymentSpec != nil {
		out["deploymentSpec"] = pbStruct(x.DeploymentSpec)
	}
	setString(out, "sdkVersion", x.SdkVersion)
	setString(out, "schemaVersion", x.SchemaVersion)
	setMap(out, "components", x.Components, componentSpecValue)
	if x.Root != nil {
		out["root"] = componentSpecValue(x.Root)
	}
	setString(out, "defaultPipelineRoot", x.DefaultPipelineRoot)
	return out
}

func componentSpecValue(x *pipelinespec.ComponentSpec) map[string]any {
	out := make(map[string]any, 3)
	if x == nil {
		return out
	}
	if x.InputDefinitions != nil {
		out["inputDefinitions"] = componentInputsValue(x.InputDefinitions)
	}
	if x.OutputDefinitions != nil {
		out["outputDefinitions"] = componentOutputsValue(x.OutputDefinitions)
	}
	switch impl := x.Implementation.(type) {
	case *pipelinespec.ComponentSpec_Dag:
		out["dag"] = dagSpecValue(impl.Dag)
	case *pipelinespec.ComponentSpec_ExecutorLabel:
		out["executorLabel"] = impl.ExecutorLabel
	}
	return out
}

func dagSpecValue(x *pipelinespec.DagSpec) map[string]any {
	out := make(map[string]any, 2)
	if x == nil {
		return out
	}
	setMap(out, "tasks", x.Tasks, taskSpecValue)
	if x.Outputs != nil {
		out["outputs"] = anyValue(x.Outputs)
	}
	return out
}

func taskSpecValue(x *pipelinespec.PipelineTaskSpec) map[string]any {
	out := make(map[string]any, 5)
	if x == nil {
		return out
	}
	if x.TaskInfo != nil {
		info := make(map[string]any, 1)
		setString(info, "name", x.TaskInfo.Name)
		out["taskInfo"] = info
	}
	if x.Inputs != nil {
		out["inputs"] = taskInputsValue(x.Inputs)
	}
	if len(x.DependentTasks) > 0 {
		out["dependentTasks"] = stringList(x.DependentTasks)
	}
	if x.CachingOptions != nil {
		co := make(map[string]any, 1)
		if x.CachingOptions.EnableCache {
			co["enableCache"] = true
		}
		out["cachingOptions"] = co
	}
	if x.ComponentRef != nil {
		ref := make(map[string]any, 1)
		setString(ref, "name", x.ComponentRef.Name)
		out["componentRef"] = ref
	}
	if x.TriggerPolicy != nil {
		out["triggerPolicy"] = anyValue(x.TriggerPolicy)
	}
	switch it := x.Iterator.(type) {
	case *pipelinespec.PipelineTaskSpec_ArtifactIterator:
		out["artifactIterator"] = anyValue(it.ArtifactIterator)
	case *pipelinespec.PipelineTaskSpec_ParameterIterator:
		out["parameterIterator"] = anyValue(it.ParameterIterator)
	}
	if x.RetryPolicy != nil {
		out["retryPolicy"] = anyValue(x.RetryPolicy)
	}
	if x.IteratorPolicy != nil {
		out["iteratorPolicy"] = anyValue(x.IteratorPolicy)
	}
	return out
}

func taskInputsValue(x *pipelinespec.TaskInputsSpec) map[string]any {
	out := make(map[string]any, 2)
	setMap(out, "parameters", x.Parameters, inputParameterValue)
	setMap(out, "artifacts", x.Artifacts, inputArtifactValue)
	return out
}

func inputParameterValue(x *pipelinespec.TaskInputsSpec_InputParameterSpec) map[string]any {
	out := make(map[string]any, 2)
	if x == nil {
		return out
	}
	switch k := x.Kind.(type) {
	case *pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter:
		ref := make(map[string]any, 2)
		if k.TaskOutputParameter != nil {
			setString(ref, "producerTask", k.TaskOutputParameter.ProducerTask)
			setString(ref, "outputParameterKey", k.TaskOutputParameter.OutputParameterKey)
		}
		out["taskOutputParameter"] = ref
	case *pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue:
		out["runtimeValue"] = valueOrRuntimeValue(k.RuntimeValue)
	case *pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter:
		out["componentInputParameter"] = k.ComponentInputParameter
	case *pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus_:
		out["taskFinalStatus"] = anyValue(k.TaskFinalStatus)
	}
	setString(out, "parameterExpressionSelector", x.ParameterExpressionSelector)
	return out
}

func inputArtifactValue(x *pipelinespec.TaskInputsSpec_InputArtifactSpec) map[string]any {
	out := make(map[string]any, 1)
	if x == nil {
		return out
	}
	switch k := x.Kind.(type) {
	case *pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact:
		ref := make(map[string]any, 2)
		if k.TaskOutputArtifact != nil {
			setString(ref, "producerTask", k.TaskOutputArtifact.ProducerTask)
			setString(ref, "outputArtifactKey", k.TaskOutputArtifact.OutputArtifactKey)
		}
		out["taskOutputArtifact"] = ref
	case *pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact:
		out["componentInputArtifact"] = k.ComponentInputArtifact
	}
	return out
}

func valueOrRuntimeValue(x *pipelinespec.ValueOrRuntimeParameter) map[string]any {
	out := make(map[string]any, 1)
	if x == nil {
		return out
	}
	switch v := x.Value.(type) {
	case *pipelinespec.ValueOrRuntimeParameter_ConstantValue:
		out["constantValue"] = anyValue(v.ConstantValue)
	case *pipelinespec.ValueOrRuntimeParameter_RuntimeParameter:
		out["runtimeParameter"] = v.RuntimeParameter
	case *pipelinespec.ValueOrRuntimeParameter_Constant:
		out["constant"] = pbValue(v.Constant)
	}
	return out
}

func componentInputsValue(x *pipelinespec.ComponentInputsSpec) map[string]any {
	out := make(map[string]any, 2)
	setMap(out, "artifacts", x.Artifacts, inputArtifactDefValue)
	setMap(out, "parameters", x.Parameters, inputParameterDefValue)
	return out
}

func inputParameterDefValue(x *pipelinespec.ComponentInputsSpec_ParameterSpec) map[string]any {
	out := make(map[string]any, 3)
	if x == nil {
		return out
	}
	if x.Type != 0 {
		out["type"] = enumName(pipelinespec.PrimitiveType_PrimitiveTypeEnum_name, int32(x.Type))
	}
	if x.ParameterType != 0 {
		out["parameterType"] = enumName(pipelinespec.ParameterType_ParameterTypeEnum_name, int32(x.ParameterType))
	}
	if x.DefaultValue != nil {
		out["defaultValue"] = pbValue(x.DefaultValue)
	}
	if x.IsOptional {
		out["isOptional"] = true
	}
	setString(out, "description", x.Description)
	return out
}

func inputArtifactDefValue(x *pipelinespec.ComponentInputsSpec_ArtifactSpec) map[string]any {
	out := make(map[string]any, 2)
	if x == nil {
		return out
	}
	if x.ArtifactType != nil {
		out["artifactType"] = artifactTypeValue(x.ArtifactType)
	}
	if x.IsArtifactList {
		out["isArtifactList"] = true
	}
	if x.IsOptional {
		out["isOptional"] = true
	}
	setString(out, "description", x.Description)
	return out
}

func componentOutputsValue(x *pipelinespec.ComponentOutputsSpec) map[string]any {
	out := make(map[string]any, 2)
	setMap(out, "artifacts", x.Artifacts, func(a *pipelinespec.ComponentOutputsSpec_ArtifactSpec) any {
		if a == nil {
			return map[string]any{}
		}
		return anyValue(a)
	})
	setMap(out, "parameters", x.Parameters, outputParameterDefValue)
	return out
}

func outputParameterDefValue(x *pipelinespec.ComponentOutputsSpec_ParameterSpec) map[string]any {
	out := make(map[string]any, 1)
	if x == nil {
		return out
	}
	if x.Type != 0 {
		out["type"] = enumName(pipelinespec.PrimitiveType_PrimitiveTypeEnum_name, int32(x.Type))
	}
	if x.ParameterType != 0 {
		out["parameterType"] = enumName(pipelinespec.ParameterType_ParameterTypeEnum_name, int32(x.ParameterType))
	}
	setString(out, "description", x.Description)
	return out
}

func artifactTypeValue(x *pipelinespec.ArtifactTypeSchema) map[string]any {
	out := make(map[string]any, 2)
	switch k := x.Kind.(type) {
	case *pipelinespec.ArtifactTypeSchema_SchemaTitle:
		out["schemaTitle"] = k.SchemaTitle
	case *pipelinespec.ArtifactTypeSchema_SchemaUri:
		out["schemaUri"] = k.SchemaUri
	case *pipelinespec.ArtifactTypeSchema_InstanceSchema:
		out["instanceSchema"] = k.InstanceSchema
	}
	setString(out, "schemaVersion", x.SchemaVersion)
	return out
}

func containerValue(x *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec) map[string]any {
	out := make(map[string]any, 3)
	setString(out, "image", x.Image)
	if len(x.Command) > 0 {
		out["command"] = stringList(x.Command)
	}
	if len(x.Args) > 0 {
		out["args"] = stringList(x.Args)
	}
	if x.Lifecycle != nil {
		out["lifecycle"] = anyValue(x.Lifecycle)
	}
	if x.Resources != nil {
		out["resources"] = anyValue(x.Resources)
	}
	if len(x.Env) > 0 {
		env := make([]any, len(x.Env))
		for i, v := range x.Env {
			env[i] = anyValue(v)
		}
		out["env"] = env
	}
	return out
}

// pbValue is a google.protobuf.Value in JSON form.
func pbValue(x *structpb.Value) any {
	switch k := x.GetKind().(type) {
	case *structpb.Value_NumberValue:
		return k.NumberValue
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_BoolValue:
		return k.BoolValue
	case *structpb.Value_StructValue:
		return pbStruct(k.StructValue)
	case *structpb.Value_ListValue:
		return pbList(k.ListValue)
	}
	return nil
}

// pbStruct is a google.protobuf.Struct in JSON form.
func pbStruct(x *structpb.Struct) map[string]any {
	out := make(map[string]any, len(x.GetFields()))
	for k, v := range x.GetFields() {
		out[k] = pbValue(v)
	}
	return out
}

// pbList is a google.protobuf.ListValue in JSON form.
func pbList(x *structpb.ListValue) []any {
	out := make([]any, len(x.GetValues()))
	for i, v := range x.GetValues() {
		out[i] = pbValue(v)
	}
	return out
}

// setMap sets out[key] to m with each value converted by conv, or leaves
// out[key] unset when m is empty (protojson omits empty maps).
func setMap[V, R any](out map[string]any, key string, m map[string]V, conv func(V) R) {
	if len(m) == 0 {
		return
	}
	vs := make(map[string]any, len(m))
	for k, v := range m {
		vs[k] = conv(v)
	}
	out[key] = vs
}

// setString sets out[key] to v unless v is empty (protojson omits empty
// strings).
func setString(out map[string]any, key, v string) {
	if v != "" {
		out[key] = v
	}
}
