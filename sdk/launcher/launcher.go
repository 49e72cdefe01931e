package launcher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// ExitPermanent is the exit status by which a component says that it failed
// in a way no retry can fix (bad input: a malformed DSN, an ill-typed
// parameter). The local runner (sdk/local) fails such a task at once,
// whatever its retryPolicy; the Go executor runtime (sdk/executor) exits
// with it for a *dsl.PermanentError and for inputs it cannot bind. KFP's
// launcher protocol has no such status (every failure is retried as the
// retryPolicy says), so this is a kfpgo convention: 3 is unused by the
// executor's other statuses (0 success, 1 error, 2 panic) and below the
// 126–165 range that shells and signals use.
const ExitPermanent = 3

// Runtime holds the values of the pipeline-level placeholders of one task.
// Every field is substituted verbatim; empty fields resolve to "".
type Runtime struct {
	// JobName is the run's display name ({{$.pipeline_job_name}}).
	JobName string
	// JobResourceName is the run's resource name
	// ({{$.pipeline_job_resource_name}}).
	JobResourceName string
	// JobUUID is the run's unique id ({{$.pipeline_job_uuid}}).
	JobUUID string
	// TaskName is the task's name ({{$.pipeline_task_name}}).
	TaskName string
	// TaskUUID is the task's unique id ({{$.pipeline_task_uuid}}).
	TaskUUID string
	// PipelineRoot is the root under which artifacts are written
	// ({{$.pipeline_root}}).
	PipelineRoot string
	// CreateTimeUTC is the run's creation time, RFC 3339 in UTC
	// ({{$.pipeline_job_create_time_utc}}).
	CreateTimeUTC string
	// ScheduleTimeUTC is the run's scheduled time, RFC 3339 in UTC
	// ({{$.pipeline_job_schedule_time_utc}}); for a run started by hand it
	// equals CreateTimeUTC.
	ScheduleTimeUTC string
	// WorkspacePath is the folder standing in for KFP's workspace volume
	// ({{$.workspace_path}}); empty means the run has no workspace.
	WorkspacePath string
}

// Inputs are the resolved inputs of one task, keyed by the component's
// input names. A nil or null-valued parameter counts as absent.
type Inputs struct {
	Parameters map[string]*structpb.Value
	Artifacts  map[string]*pipelinespec.ArtifactList
}

// Layout says where a task writes its outputs.
type Layout struct {
	// ArtifactURIPrefix is joined with "/" and an output artifact's name to
	// form that artifact's URI: a local absolute path, or a gs://, s3:// or
	// minio:// URI (mapped under LocalRoot).
	ArtifactURIPrefix string
	// ParameterDir holds one file per output parameter, named after it.
	ParameterDir string
	// OutputFile is the ExecutorOutput JSON file the component may write
	// ({{$.outputs.output_file}}).
	OutputFile string
}

// LocalPath maps an artifact URI to a path on this machine. Absolute paths
// and file:// URIs are returned as paths; gs://, s3://, minio:// and oci://
// follow KFP's launcher (SplitURI: gs://b/k → /gcs/b/k) rebased under
// localRoot. Relative paths, other schemes and keys that escape their mount
// folder return an error naming the URI.
func LocalPath(localRoot, uri string) (string, error) {
	if !strings.Contains(uri, "://") && !filepath.IsAbs(uri) {
		return "", fmt.Errorf("artifact URI %q has no local path: use an absolute path or a gs://, s3:// or minio:// URI", uri)
	}
	rel, dir, err := SplitURI(uri)
	if err != nil {
		return "", fmt.Errorf("artifact URI %q has no local path: %w", uri, err)
	}
	if dir == "" {
		return rel, nil
	}
	return filepath.Join(localRoot, dir, rel), nil
}

// BuildExecutorInput returns the ExecutorInput of a task running comp: the
// given inputs plus the defaults of comp's input definitions for absent
// parameters (KFP's addDefaultParams), strings that embed
// {{$.inputs.parameters['x']}} resolved against the other inputs at any depth
// of a parameter value (f-string inputs, see expandEmbedded),
// one output artifact per output definition under layout.ArtifactURIPrefix,
// and one output parameter file per output parameter under
// layout.ParameterDir.
func BuildExecutorInput(comp *pipelinespec.ComponentSpec, in Inputs, layout Layout) *pipelinespec.ExecutorInput {
	params := map[string]*structpb.Value{}
	for k, v := range in.Parameters {
		if v == nil || isNull(v) {
			continue
		}
		params[k] = v
	}
	for name, spec := range comp.GetInputDefinitions().GetParameters() {
		if _, ok := params[name]; !ok && spec.GetDefaultValue() != nil && !isNull(spec.GetDefaultValue()) {
			params[name] = spec.GetDefaultValue()
		}
	}
	resolved := make(map[string]*structpb.Value, len(params))
	for k, v := range params {
		resolved[k] = expandEmbedded(v, params)
	}
	params = resolved
	arts := map[string]*pipelinespec.ArtifactList{}
	for k, v := range in.Artifacts {
		if v != nil && len(v.GetArtifacts()) > 0 {
			arts[k] = v
		}
	}
	ei := &pipelinespec.ExecutorInput{
		Inputs: &pipelinespec.ExecutorInput_Inputs{ParameterValues: params, Artifacts: arts},
		Outputs: &pipelinespec.ExecutorInput_Outputs{
			Parameters: map[string]*pipelinespec.ExecutorInput_OutputParameter{},
			Artifacts:  map[string]*pipelinespec.ArtifactList{},
			OutputFile: layout.OutputFile,
		},
	}
	for name := range comp.GetOutputDefinitions().GetParameters() {
		ei.Outputs.Parameters[name] = &pipelinespec.ExecutorInput_OutputParameter{OutputFile: filepath.Join(layout.ParameterDir, name)}
	}
	for name, spec := range comp.GetOutputDefinitions().GetArtifacts() {
		ei.Outputs.Artifacts[name] = &pipelinespec.ArtifactList{Artifacts: []*pipelinespec.RuntimeArtifact{{
			Name:     name,
			Type:     spec.GetArtifactType(),
			Uri:      strings.TrimSuffix(layout.ArtifactURIPrefix, "/") + "/" + name,
			Metadata: &structpb.Struct{Fields: map[string]*structpb.Value{}},
		}}}
	}
	return ei
}

// expandEmbedded returns v with every {{$.inputs.parameters['x']}} embedded
// in its strings replaced by the value of input x (FormatParameter), at any
// depth of a list or struct: KFP's launcher substitutes the input
// placeholders over the whole ExecutorInput JSON it passes as {{$}}, so an
// f-string constant (dsl.Format) and strings nested in a structured constant
// reach the component resolved. A reference to an absent input, or to an
// input that itself holds a placeholder, is left as written. v is not
// modified.
func expandEmbedded(v *structpb.Value, params map[string]*structpb.Value) *structpb.Value {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		if !strings.Contains(k.StringValue, "{{$.inputs.parameters[") {
			return v
		}
		return structpb.NewStringValue(inputParamRe.ReplaceAllStringFunc(k.StringValue, func(m string) string {
			ref := params[inputParamRe.FindStringSubmatch(m)[1]]
			if ref == nil || isNull(ref) || strings.Contains(FormatParameter(ref), "{{$.inputs.parameters[") {
				return m
			}
			return FormatParameter(ref)
		}))
	case *structpb.Value_ListValue:
		out := make([]*structpb.Value, len(k.ListValue.GetValues()))
		for i, e := range k.ListValue.GetValues() {
			out[i] = expandEmbedded(e, params)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: out})
	case *structpb.Value_StructValue:
		out := make(map[string]*structpb.Value, len(k.StructValue.GetFields()))
		for name, e := range k.StructValue.GetFields() {
			out[name] = expandEmbedded(e, params)
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: out})
	}
	return v
}

// PrepareOutputs creates the directories of every output parameter file and
// output artifact path of ei, as KFP's prepareOutputFolders does.
func PrepareOutputs(ei *pipelinespec.ExecutorInput, localRoot string) error {
	for name, p := range ei.GetOutputs().GetParameters() {
		if err := os.MkdirAll(filepath.Dir(p.GetOutputFile()), 0o755); err != nil {
			return fmt.Errorf("create directory for output parameter %q: %w", name, err)
		}
	}
	for name, l := range ei.GetOutputs().GetArtifacts() {
		for _, a := range l.GetArtifacts() {
			p, err := artifactPath(localRoot, a)
			if err != nil {
				return fmt.Errorf("output artifact %q: %w", name, err)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return fmt.Errorf("create directory for output artifact %q: %w", name, err)
			}
		}
	}
	if f := ei.GetOutputs().GetOutputFile(); f != "" {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return fmt.Errorf("create directory for the executor output file: %w", err)
		}
	}
	return nil
}

func artifactPath(localRoot string, a *pipelinespec.RuntimeArtifact) (string, error) {
	return LocalPath(localRoot, a.GetUri())
}

var (
	placeholderRe = regexp.MustCompile(`\{\{\$(?:\.[^{}]*)?\}\}`)
	inputParamRe  = regexp.MustCompile(`\{\{\$\.inputs\.parameters\['([^']*)'\]\}\}`)
	artifactsRe   = regexp.MustCompile(`^\{\{\$\.inputs\.artifacts\['([^']*)'\]\}\}$`)
	artifactRe    = regexp.MustCompile(`^\{\{\$\.(inputs|outputs)\.artifacts\['([^']*)'\]\.(path|uri|metadata)\}\}$`)
	outParamRe    = regexp.MustCompile(`^\{\{\$\.outputs\.parameters\['([^']*)'\]\.output_file\}\}$`)
)

// Resolve returns command or args with every placeholder substituted from ei
// and rt. Elements that are whole {"Concat": …} or {"IfPresent": …} JSON
// placeholders are expanded first (IfPresent may yield zero or several
// elements). Input placeholders whose input has no value are left as written,
// as KFP's launcher leaves them. It returns an error for a malformed JSON
// placeholder or a placeholder kfpgo does not know, naming it.
func Resolve(ei *pipelinespec.ExecutorInput, rt Runtime, localRoot string, items []string) ([]string, error) {
	var eiJSON string
	out := make([]string, 0, len(items))
	for _, item := range items {
		expanded := []string{item}
		if isStructPlaceholder(item) {
			var v any
			if err := json.Unmarshal([]byte(item), &v); err != nil {
				return nil, fmt.Errorf("placeholder %s is not valid JSON: %w", item, err)
			}
			var err error
			if expanded, err = expandStruct(v, ei); err != nil {
				return nil, fmt.Errorf("placeholder %s: %w", item, err)
			}
		}
		for _, s := range expanded {
			var rerr error
			r := placeholderRe.ReplaceAllStringFunc(s, func(m string) string {
				if m == "{{$}}" {
					if eiJSON == "" {
						b, err := protojson.Marshal(ei)
						if err != nil {
							rerr = fmt.Errorf("encode ExecutorInput: %w", err)
							return m
						}
						eiJSON = string(b)
					}
					return eiJSON
				}
				v, err := resolveOne(m, ei, rt, localRoot)
				if err != nil && rerr == nil {
					rerr = err
				}
				return v
			})
			if rerr != nil {
				return nil, rerr
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func isStructPlaceholder(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, `{"Concat":`) || strings.HasPrefix(t, `{"IfPresent":`)
}

// expandStruct resolves a decoded Concat/IfPresent tree into strings.
func expandStruct(v any, ei *pipelinespec.ExecutorInput) ([]string, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{t}, nil
	case []any:
		var out []string
		for _, e := range t {
			r, err := expandStruct(e, ei)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		}
		return out, nil
	case map[string]any:
		if c, ok := t["Concat"]; ok {
			parts, ok := c.([]any)
			if !ok {
				return nil, errors.New(`"Concat" must hold a list`)
			}
			var b strings.Builder
			for _, p := range parts {
				r, err := expandStruct(p, ei)
				if err != nil {
					return nil, err
				}
				b.WriteString(strings.Join(r, ""))
			}
			return []string{b.String()}, nil
		}
		if ip, ok := t["IfPresent"].(map[string]any); ok {
			name, _ := ip["InputName"].(string)
			if name == "" {
				return nil, errors.New(`"IfPresent" needs a string "InputName"`)
			}
			if inputPresent(ei, name) {
				return expandStruct(ip["Then"], ei)
			}
			return expandStruct(ip["Else"], ei)
		}
	}
	return nil, fmt.Errorf("unsupported structure %v: want a string, a list, Concat or IfPresent", v)
}

func inputPresent(ei *pipelinespec.ExecutorInput, name string) bool {
	if v, ok := ei.GetInputs().GetParameterValues()[name]; ok && v != nil && !isNull(v) {
		return true
	}
	l, ok := ei.GetInputs().GetArtifacts()[name]
	return ok && len(l.GetArtifacts()) > 0
}

func resolveOne(m string, ei *pipelinespec.ExecutorInput, rt Runtime, localRoot string) (string, error) {
	switch m {
	case "{{$.outputs.output_file}}", "{{$.outputMetadataUri}}":
		return ei.GetOutputs().GetOutputFile(), nil
	case "{{$.pipeline_job_name}}":
		return rt.JobName, nil
	case "{{$.pipeline_job_resource_name}}":
		return rt.JobResourceName, nil
	case "{{$.pipeline_job_uuid}}":
		return rt.JobUUID, nil
	case "{{$.pipeline_task_name}}":
		return rt.TaskName, nil
	case "{{$.pipeline_task_uuid}}":
		return rt.TaskUUID, nil
	case "{{$.pipeline_root}}":
		return rt.PipelineRoot, nil
	case "{{$.pipeline_job_create_time_utc}}":
		return rt.CreateTimeUTC, nil
	case "{{$.pipeline_job_schedule_time_utc}}":
		return rt.ScheduleTimeUTC, nil
	}
	if sm := inputParamRe.FindStringSubmatch(m); sm != nil && sm[0] == m {
		v, ok := ei.GetInputs().GetParameterValues()[sm[1]]
		if !ok || isNull(v) {
			return m, nil
		}
		return FormatParameter(v), nil
	}
	if sm := outParamRe.FindStringSubmatch(m); sm != nil {
		p, ok := ei.GetOutputs().GetParameters()[sm[1]]
		if !ok {
			return "", fmt.Errorf("placeholder %s names output parameter %q, which the component does not declare", m, sm[1])
		}
		return p.GetOutputFile(), nil
	}
	if sm := artifactRe.FindStringSubmatch(m); sm != nil {
		lists := ei.GetInputs().GetArtifacts()
		if sm[1] == "outputs" {
			lists = ei.GetOutputs().GetArtifacts()
		}
		l, ok := lists[sm[2]]
		if !ok || len(l.GetArtifacts()) == 0 {
			if sm[1] == "outputs" {
				return "", fmt.Errorf("placeholder %s names output artifact %q, which the component does not declare", m, sm[2])
			}
			return m, nil
		}
		a := l.GetArtifacts()[0]
		switch sm[3] {
		case "uri":
			return a.GetUri(), nil
		case "path":
			p, err := artifactPath(localRoot, a)
			if err != nil {
				return "", fmt.Errorf("placeholder %s: %w", m, err)
			}
			return p, nil
		default:
			md := a.GetMetadata()
			if md == nil {
				md = &structpb.Struct{}
			}
			b, err := json.Marshal(md.AsMap())
			if err != nil {
				return "", fmt.Errorf("placeholder %s: encode metadata: %w", m, err)
			}
			return string(b), nil
		}
	}
	if sm := artifactsRe.FindStringSubmatch(m); sm != nil {
		l, ok := ei.GetInputs().GetArtifacts()[sm[1]]
		if !ok {
			return m, nil
		}
		list := make([]json.RawMessage, 0, len(l.GetArtifacts()))
		for _, a := range l.GetArtifacts() {
			b, err := protojson.Marshal(a)
			if err != nil {
				return "", fmt.Errorf("placeholder %s: %w", m, err)
			}
			// protojson may add random spaces; compact for stable text.
			var c bytes.Buffer
			if err := json.Compact(&c, b); err != nil {
				return "", fmt.Errorf("placeholder %s: %w", m, err)
			}
			list = append(list, c.Bytes())
		}
		b, err := json.Marshal(list)
		if err != nil {
			return "", fmt.Errorf("placeholder %s: %w", m, err)
		}
		return string(b), nil
	}
	if m == "{{$.workspace_path}}" && rt.WorkspacePath != "" {
		return rt.WorkspacePath, nil
	}
	if strings.HasPrefix(m, "{{$.workspace_path") {
		return "", fmt.Errorf("placeholder %s needs a KFP workspace, which local runs do not provide: remove the workspace from the pipeline to run it locally", m)
	}
	return "", fmt.Errorf("unsupported placeholder %s: kfpgo resolves the placeholders of KFP's launcher (see package launcher)", m)
}

// FormatParameter renders a parameter value as KFP's launcher substitutes it
// into a command line: strings verbatim, numbers with
// strconv.FormatFloat(v, 'f', -1, 64), booleans as true/false, null as "",
// lists and structs as compact JSON.
func FormatParameter(v *structpb.Value) string {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64)
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue)
	case nil, *structpb.Value_NullValue:
		return ""
	default:
		b, err := json.Marshal(v.AsInterface())
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// MaxExactInteger is the largest magnitude of a NUMBER_INTEGER value, 2^53:
// KFP carries parameter values as google.protobuf.Value numbers (float64),
// which hold every whole number up to 2^53 exactly and round beyond it.
const MaxExactInteger = 1 << 53

var integerRange = fmt.Sprintf("KFP carries numbers as 64-bit floats, exact for whole numbers from %d to %d (±2^53)", -MaxExactInteger, MaxExactInteger)

// ParseParameter converts text to a parameter value of type t, as KFP's
// metadata.TextToPbValue reads output parameter files: STRING verbatim,
// NUMBER_INTEGER as a whole number, NUMBER_DOUBLE as a float, BOOLEAN as
// true/false, LIST and STRUCT as JSON. It returns an error naming the
// expected type when text does not parse, and one saying "out of range for
// <type>" with the range for a number beyond it (an integer beyond
// ±MaxExactInteger, a float beyond ±math.MaxFloat64).
func ParseParameter(text string, t pipelinespec.ParameterType_ParameterTypeEnum) (*structpb.Value, error) {
	switch t {
	case pipelinespec.ParameterType_STRING, pipelinespec.ParameterType_PARAMETER_TYPE_ENUM_UNSPECIFIED:
		return structpb.NewStringValue(text), nil
	case pipelinespec.ParameterType_NUMBER_INTEGER:
		s := strings.TrimSpace(text)
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			switch {
			case errors.Is(err, strconv.ErrRange) || errors.Is(ferr, strconv.ErrRange) || (ferr == nil && f == math.Trunc(f) && math.Abs(f) > MaxExactInteger):
				return nil, fmt.Errorf("%q is out of range for NUMBER_INTEGER: %s", text, integerRange)
			case ferr != nil || f != math.Trunc(f):
				return nil, fmt.Errorf("%q is not an integer (NUMBER_INTEGER)", text)
			}
			i = int64(f)
		}
		if i > MaxExactInteger || i < -MaxExactInteger {
			return nil, fmt.Errorf("%q is out of range for NUMBER_INTEGER: %s", text, integerRange)
		}
		return structpb.NewNumberValue(float64(i)), nil
	case pipelinespec.ParameterType_NUMBER_DOUBLE:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is out of range for NUMBER_DOUBLE: a 64-bit float, at most %g in magnitude", text, math.MaxFloat64)
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a number (NUMBER_DOUBLE)", text)
		}
		return structpb.NewNumberValue(f), nil
	case pipelinespec.ParameterType_BOOLEAN:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean (BOOLEAN: true or false)", text)
		}
		return structpb.NewBoolValue(b), nil
	case pipelinespec.ParameterType_LIST:
		var l []any
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return nil, fmt.Errorf("%q is not a JSON list (LIST)", text)
		}
		lv, err := structpb.NewList(l)
		if err != nil {
			return nil, fmt.Errorf("list %q: %w", text, err)
		}
		return structpb.NewListValue(lv), nil
	case pipelinespec.ParameterType_STRUCT, pipelinespec.ParameterType_TASK_FINAL_STATUS:
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return nil, fmt.Errorf("%q is not a JSON object (STRUCT)", text)
		}
		sv, err := structpb.NewStruct(m)
		if err != nil {
			return nil, fmt.Errorf("struct %q: %w", text, err)
		}
		return structpb.NewStructValue(sv), nil
	default:
		return nil, fmt.Errorf("parameter type %s is not supported", t)
	}
}

// CollectOutputs reads a finished task's outputs back, as KFP's launcher
// does: the ExecutorOutput file (absent means empty) takes precedence, then
// each output parameter missing from it is read from its output file and
// typed per comp's output definitions; output artifacts are those of ei with
// the URI and metadata the component reported merged in. It
// returns an error naming the parameter and file when a declared output
// parameter was not written or does not parse.
func CollectOutputs(ei *pipelinespec.ExecutorInput, comp *pipelinespec.ComponentSpec) (*pipelinespec.ExecutorOutput, error) {
	eo := &pipelinespec.ExecutorOutput{}
	if f := ei.GetOutputs().GetOutputFile(); f != "" {
		b, err := os.ReadFile(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("read executor output file: %w", err)
		default:
			if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, eo); err != nil {
				return nil, fmt.Errorf("executor output file %s is not an ExecutorOutput JSON: %w", f, err)
			}
		}
	}
	if eo.ParameterValues == nil {
		eo.ParameterValues = map[string]*structpb.Value{}
	}
	for name, p := range ei.GetOutputs().GetParameters() {
		if _, ok := eo.ParameterValues[name]; ok {
			continue
		}
		b, err := os.ReadFile(p.GetOutputFile())
		if err != nil {
			return nil, fmt.Errorf("output parameter %q was not written to %s: the component must write it there", name, p.GetOutputFile())
		}
		v, err := ParseParameter(string(b), comp.GetOutputDefinitions().GetParameters()[name].GetParameterType())
		if err != nil {
			return nil, fmt.Errorf("output parameter %q in %s: %w", name, p.GetOutputFile(), err)
		}
		eo.ParameterValues[name] = v
	}
	reported := eo.GetArtifacts()
	eo.Artifacts = map[string]*pipelinespec.ArtifactList{}
	for name, l := range ei.GetOutputs().GetArtifacts() {
		out := &pipelinespec.ArtifactList{}
		for i, a := range l.GetArtifacts() {
			c := &pipelinespec.RuntimeArtifact{Name: a.GetName(), Type: a.GetType(), Uri: a.GetUri(), Metadata: a.GetMetadata()}
			if r := reported[name]; r != nil && i < len(r.GetArtifacts()) {
				mergeArtifact(r.GetArtifacts()[i], c)
			}
			out.Artifacts = append(out.Artifacts, c)
		}
		eo.Artifacts[name] = out
	}
	return eo, nil
}

// mergeArtifact copies what a component reported about an artifact onto the
// planned one (KFP's mergeRuntimeArtifacts).
func mergeArtifact(src, dst *pipelinespec.RuntimeArtifact) {
	if src.GetUri() != "" {
		dst.Uri = src.GetUri()
	}
	if src.GetMetadata() != nil {
		if dst.Metadata == nil {
			dst.Metadata = &structpb.Struct{Fields: map[string]*structpb.Value{}}
		}
		if dst.Metadata.Fields == nil {
			dst.Metadata.Fields = map[string]*structpb.Value{}
		}
		for k, v := range src.GetMetadata().GetFields() {
			dst.Metadata.Fields[k] = v
		}
	}
}

func isNull(v *structpb.Value) bool {
	_, ok := v.GetKind().(*structpb.Value_NullValue)
	return ok || v.GetKind() == nil
}
