package local

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// newerFields are the keys that KFP SDKs newer than the pinned pipelinespec
// module write, per message (full proto name) where they appear: a strict
// read accepts them there and only there. The conformance corpus
// (kfp 2.13–2.15) uses resourceCpuLimit, resourceMemoryLimit,
// accelerator resourceType/resourceCount and the importer's
// downloadToWorkspace; KFP's pipeline_spec.proto pairs the limits with
// resourceCpuRequest and resourceMemoryRequest, which kfpgo's compiler
// writes too. These string forms may hold a placeholder; decoding drops
// them, since the local runner does not apply resources.
var newerFields = map[protoreflect.FullName][]string{
	"ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec": {
		"resourceCpuLimit", "resourceCpuRequest", "resourceMemoryLimit", "resourceMemoryRequest",
	},
	"ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec.AcceleratorConfig": {
		"resourceCount", "resourceType",
	},
	"ml_pipelines.PipelineDeploymentConfig.ImporterSpec": {"downloadToWorkspace"},
}

// structAs names the google.protobuf.Struct fields that Parse decodes into
// a typed message, so that a strict read checks their keys too.
var structAs = map[protoreflect.FullName]protoreflect.MessageDescriptor{
	"ml_pipelines.PipelineSpec.deployment_spec": (&pipelinespec.PipelineDeploymentConfig{}).ProtoReflect().Descriptor(),
}

// checkFields walks the JSON form of a PipelineSpec document against the
// proto descriptors, as protojson reads it (JSON or proto field names,
// enum values by name or number), and returns a message naming the path of
// the first unknown field (with the closest known name) or unknown enum
// value (with the valid ones), or "" when all are known. Values of the
// wrong shape are left to protojson, which reports them.
func checkFields(js []byte) string {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return "" // protojson reports it
	}
	return checkMessage(v, (&pipelinespec.PipelineSpec{}).ProtoReflect().Descriptor(), "")
}

func checkMessage(v any, md protoreflect.MessageDescriptor, path string) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	switch md.FullName().Parent() {
	case "google.protobuf":
		return "" // Struct, Value, Timestamp…: free-form or scalar JSON
	}
	fields := md.Fields()
	for _, k := range sortedKeys(m) {
		at := join(path, k)
		fd := fields.ByJSONName(k)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(k))
		}
		if fd == nil {
			if slices.Contains(newerFields[md.FullName()], k) {
				continue
			}
			known := knownNames(md)
			hint := "its fields: " + strings.Join(known, ", ")
			if s := closest(k, known); s != "" {
				hint = "did you mean " + s + "?"
			}
			return fmt.Sprintf("%s: unknown field %q in %s (%s): fix the spelling or recompile the pipeline", at, k, md.Name(), hint)
		}
		if msg := checkValue(m[k], fd, at); msg != "" {
			return msg
		}
	}
	return ""
}

func checkValue(v any, fd protoreflect.FieldDescriptor, path string) string {
	if v == nil {
		return ""
	}
	switch {
	case fd.IsMap():
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range sortedKeys(m) {
			if msg := checkSingle(m[k], fd.MapValue(), join(path, k)); msg != "" {
				return msg
			}
		}
	case fd.IsList():
		l, ok := v.([]any)
		if !ok {
			return ""
		}
		for i, e := range l {
			if msg := checkSingle(e, fd, fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
	default:
		return checkSingle(v, fd, path)
	}
	return ""
}

// checkSingle checks one value of field fd (an element, for lists and
// maps).
func checkSingle(v any, fd protoreflect.FieldDescriptor, path string) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		md := fd.Message()
		if as, ok := structAs[fd.FullName()]; ok {
			md = as
		}
		return checkMessage(v, md, path)
	case protoreflect.EnumKind:
		s, ok := v.(string)
		if !ok {
			return "" // a number, or a shape protojson refuses
		}
		ed := fd.Enum()
		if ed.Values().ByName(protoreflect.Name(s)) != nil {
			return ""
		}
		var names []string
		for i := range ed.Values().Len() {
			names = append(names, string(ed.Values().Get(i).Name()))
		}
		return fmt.Sprintf("%s: unknown value %q: want one of %s", path, s, strings.Join(names, ", "))
	}
	return ""
}

// knownNames returns the JSON names of md's fields and the newer fields it
// accepts, sorted.
func knownNames(md protoreflect.MessageDescriptor) []string {
	var out []string
	for i := range md.Fields().Len() {
		out = append(out, md.Fields().Get(i).JSONName())
	}
	out = append(out, newerFields[md.FullName()]...)
	slices.Sort(out)
	return out
}

// closest returns the name of known nearest to s by edit distance
// (case-insensitive), or "" when none is near enough to be a misspelling:
// at most 2 edits, or a third of s's length for longer names.
func closest(s string, known []string) string {
	best, bestD := "", max(2, len(s)/3)+1
	for _, k := range known {
		if d := editDistance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
