package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/sdk/kfpyaml"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// Package is a compiled pipeline file: the PipelineSpec document and, when
// the pipeline uses kfp-kubernetes options, the PlatformSpec document that
// follows it ("---" separated, as KFP's compiler writes it).
type Package struct {
	// PipelineSpec is the first YAML document as a JSON object.
	PipelineSpec map[string]any
	// PlatformSpec merges the later documents; nil when there are none.
	PlatformSpec map[string]any
	// Raw is the file as read, for uploads.
	Raw []byte
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// ParsePackage reads a compiled pipeline (YAML or JSON). It fails when the
// first document is not a PipelineSpec (no root or pipelineInfo).
func ParsePackage(b []byte) (*Package, error) {
	p := &Package{Raw: b}
	for _, doc := range docSep.Split(string(b), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var m map[string]any
		j, err := kfpyaml.ToJSON([]byte(doc))
		if err == nil {
			err = json.Unmarshal(j, &m)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the compiled pipeline: %w", err)
		}
		if p.PipelineSpec == nil {
			p.PipelineSpec = m
			continue
		}
		if p.PlatformSpec == nil {
			p.PlatformSpec = map[string]any{}
		}
		for k, v := range m {
			p.PlatformSpec[k] = v
		}
	}
	if p.PipelineSpec == nil {
		return nil, fmt.Errorf("the compiled pipeline is empty: compile it with `kfpgo compile`")
	}
	if _, ok := p.PipelineSpec["root"]; !ok {
		return nil, fmt.Errorf("the first document is not a KFP PipelineSpec (no \"root\"): pass the YAML written by `kfpgo compile`")
	}
	return p, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// SpecObject returns the pipeline_spec object a run or recurring run sends
// inline: the PipelineSpec itself, or {pipeline_spec, platform_spec} when the
// package has a platform document (the form KFP's API server and Python SDK
// use).
func (p *Package) SpecObject() map[string]any {
	if len(p.PlatformSpec) == 0 {
		return p.PipelineSpec
	}
	return map[string]any{"pipeline_spec": p.PipelineSpec, "platform_spec": p.PlatformSpec}
}

// Name returns pipelineInfo.name, or "".
func (p *Package) Name() string {
	info, _ := p.PipelineSpec["pipelineInfo"].(map[string]any)
	n, _ := info["name"].(string)
	return n
}

// Parameter types of KFP IR (ParameterType.ParameterTypeEnum in
// pipeline_spec.proto).
const (
	TypeString  = "STRING"
	TypeInteger = "NUMBER_INTEGER"
	TypeDouble  = "NUMBER_DOUBLE"
	TypeBoolean = "BOOLEAN"
	TypeList    = "LIST"
	TypeStruct  = "STRUCT"
)

// InputParameter is one root input parameter of a pipeline.
type InputParameter struct {
	// Type is one of the Type… constants.
	Type string
	// Optional is isOptional, or true when a default exists.
	Optional bool
	// Default is defaultValue, nil when absent.
	Default any
}

// RootInputs returns the root input parameters of a pipeline spec object:
// a PipelineSpec, or the nested {pipeline_spec, platform_spec} form
// (pipeline versions and runs hold either).
func RootInputs(spec map[string]any) (map[string]InputParameter, error) {
	if inner, ok := spec["pipeline_spec"].(map[string]any); ok {
		spec = inner
	}
	root, ok := spec["root"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the pipeline spec has no root: it is not KFP IR")
	}
	out := map[string]InputParameter{}
	defs, _ := root["inputDefinitions"].(map[string]any)
	params, _ := defs["parameters"].(map[string]any)
	for name, raw := range params {
		d, _ := raw.(map[string]any)
		t, _ := d["parameterType"].(string)
		if t == "" { // older IR: type STRING/INT/DOUBLE
			switch d["type"] {
			case "INT":
				t = TypeInteger
			case "DOUBLE":
				t = TypeDouble
			default:
				t = TypeString
			}
		}
		opt, _ := d["isOptional"].(bool)
		def, hasDef := d["defaultValue"]
		out[name] = InputParameter{Type: t, Optional: opt || hasDef, Default: def}
	}
	return out, nil
}

// ParameterError is a runtime parameter refused before any request: unknown,
// missing, or of the wrong type.
type ParameterError struct {
	// Name is the parameter; Msg says what is wrong and how to fix it.
	Name, Msg string
}

// Error formats the error as "parameter <name>: <msg>".
func (e *ParameterError) Error() string { return "parameter " + strconv.Quote(e.Name) + ": " + e.Msg }

// TypeParameters checks values against the pipeline's root inputs and
// returns them with their JSON types: integers as int64, doubles as
// float64, booleans, strings, lists and structs. A value of another type
// (the string "20" for a NUMBER_INTEGER input), an unknown name or a missing
// required input is a *ParameterError. Use ParseParameterValues to convert
// strings first.
func TypeParameters(inputs map[string]InputParameter, values map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(values))
	for _, name := range sortedKeys(values) {
		in, ok := inputs[name]
		if !ok {
			return nil, &ParameterError{Name: name, Msg: "the pipeline has no such input; its inputs are " + listInputs(inputs)}
		}
		v, err := typed(in.Type, values[name])
		if err != nil {
			return nil, &ParameterError{Name: name, Msg: err.Error()}
		}
		out[name] = v
	}
	for _, name := range sortedKeys(inputs) {
		if _, ok := out[name]; !ok && !inputs[name].Optional {
			return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is required (%s, no default): pass it, e.g. --param %s=…", inputs[name].Type, name)}
		}
	}
	return out, nil
}

func listInputs(inputs map[string]InputParameter) string {
	if len(inputs) == 0 {
		return "none"
	}
	var parts []string
	for _, n := range sortedKeys(inputs) {
		parts = append(parts, n+" ("+inputs[n].Type+")")
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// typed converts v to the JSON type of t, refusing values of another kind.
func typed(t string, v any) (any, error) {
	switch t {
	case TypeInteger:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case uint32:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && !math.IsInf(x, 0) {
				return int64(x), nil
			}
		case json.Number:
			if i, err := x.Int64(); err == nil {
				return i, nil
			}
		case string:
			return nil, fmt.Errorf("is NUMBER_INTEGER but got the string %q: pass a number", redact.Clip(x, nameEchoLimit))
		}
		return nil, fmt.Errorf("is NUMBER_INTEGER but got %s (%T)", echo(v), v)
	case TypeDouble:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case json.Number:
			if f, err := x.Float64(); err == nil {
				return f, nil
			}
		case string:
			return nil, fmt.Errorf("is NUMBER_DOUBLE but got the string %q: pass a number", redact.Clip(x, nameEchoLimit))
		}
		return nil, fmt.Errorf("is NUMBER_DOUBLE but got %s (%T)", echo(v), v)
	case TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("is BOOLEAN but got %s (%T): pass true or false", echo(v), v)
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("is STRING but got %s (%T): pass a string", echo(v), v)
	case TypeList:
		b, err := json.Marshal(v)
		if err == nil && bytes.HasPrefix(b, []byte("[")) {
			var out []any
			if json.Unmarshal(b, &out) == nil {
				return out, nil
			}
		}
		return nil, fmt.Errorf("is LIST but got %s (%T): pass a JSON array", echo(v), v)
	case TypeStruct:
		b, err := json.Marshal(v)
		if err == nil && bytes.HasPrefix(b, []byte("{")) {
			var out map[string]any
			if json.Unmarshal(b, &out) == nil {
				return out, nil
			}
		}
		return nil, fmt.Errorf("is STRUCT but got %s (%T): pass a JSON object", echo(v), v)
	}
	return nil, fmt.Errorf("has the unknown type %q in the pipeline spec", t)
}

// ParseParameterValues converts name=value strings (as given on the command
// line) to values of the inputs' types: NUMBER_INTEGER with strconv.ParseInt
// (within ±2^53, what a float64 holds exactly), NUMBER_DOUBLE with
// ParseFloat (finite), BOOLEAN with ParseBool, LIST and STRUCT as
// JSON, STRING as is. Errors are *ParameterError.
func ParseParameterValues(inputs map[string]InputParameter, raw map[string]string) (map[string]any, error) {
	out := make(map[string]any, len(raw))
	for _, name := range sortedKeys(raw) {
		s := raw[name]
		in, ok := inputs[name]
		if !ok {
			return nil, &ParameterError{Name: name, Msg: "the pipeline has no such input; its inputs are " + listInputs(inputs)}
		}
		switch in.Type {
		case TypeInteger:
			i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if errors.Is(err, strconv.ErrRange) || (err == nil && (i > maxExactInteger || i < -maxExactInteger)) ||
				(err != nil && (errors.Is(ferr, strconv.ErrRange) || (ferr == nil && f == math.Trunc(f) && math.Abs(f) > maxExactInteger))) {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is NUMBER_INTEGER but %q is out of range: KFP carries numbers as 64-bit floats, exact for whole numbers from %d to %d (±2^53)", redact.Clip(s, nameEchoLimit), -maxExactInteger, maxExactInteger)}
			}
			if err != nil {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is NUMBER_INTEGER but %q is not an integer", redact.Clip(s, nameEchoLimit))}
			}
			out[name] = i
		case TypeDouble:
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0) {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is NUMBER_DOUBLE but %q is out of range: a 64-bit float, at most %g in magnitude", redact.Clip(s, nameEchoLimit), math.MaxFloat64)}
			}
			if err != nil {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is NUMBER_DOUBLE but %q is not a number", redact.Clip(s, nameEchoLimit))}
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				// The run's runtime config is JSON, which has no NaN or Infinity.
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is NUMBER_DOUBLE but %q is not a finite number: KFP passes parameters as JSON, which has no NaN or Infinity", s)}
			}
			out[name] = f
		case TypeBoolean:
			b, err := strconv.ParseBool(strings.TrimSpace(s))
			if err != nil {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is BOOLEAN but %q is not true or false", redact.Clip(s, nameEchoLimit))}
			}
			out[name] = b
		case TypeList, TypeStruct:
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return nil, &ParameterError{Name: name, Msg: fmt.Sprintf("is %s but %q is not JSON: %v", in.Type, redact.Clip(s, nameEchoLimit), err)}
			}
			out[name] = v
		default:
			out[name] = s
		}
	}
	return out, nil
}

// maxExactInteger is the largest magnitude of a NUMBER_INTEGER run
// parameter, 2^53: the KFP API server keeps runtime parameters as
// google.protobuf.Value numbers (float64), exact for whole numbers up to
// 2^53 (the compiler refuses larger integer literals for the same reason).
const maxExactInteger = 1 << 53

// nameEchoLimit bounds how much of a user-supplied name or value a
// message repeats (200 bytes).
const nameEchoLimit = 200

// echo prints a user-supplied value for a message, clipped.
func echo(v any) string { return redact.Clip(fmt.Sprint(v), nameEchoLimit) }

// SplitParams splits "name=value" strings into a map; a string without "="
// or a repeated name is an error.
func SplitParams(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("parameter %q is not name=value", redact.Clip(kv, nameEchoLimit))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("parameter %q is given twice", redact.Clip(k, nameEchoLimit))
		}
		out[k] = v
	}
	return out, nil
}
