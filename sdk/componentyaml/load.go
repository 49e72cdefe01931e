package componentyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/upload"
)

// Error is a problem in a component YAML file: the file, the YAML path of
// the offending node (e.g. "inputs[2].type" or
// "deploymentSpec.executors.exec-train.container.args[3]"), what is wrong
// and how to fix it. Match it with errors.As.
type Error struct {
	File string
	Path string
	Msg  string
	Hint string
}

// Error formats the error as "file: path: msg", the hint on a continuation
// line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n\t")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// LoadFile reads a component YAML file (see Load).
func LoadFile(path string) (*dsl.UntypedComponent, error) {
	data, err := upload.ReadFile(path)
	if tl := (*upload.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, err
	}
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Hint: "check the path of the component YAML"}
	}
	return Load(path, data)
}

// Load parses component YAML into a component usable in pipelines. file
// names the source in errors. Three forms are accepted:
//
//   - KFP v2 component YAML, a PipelineSpec whose pipelineInfo.name N has
//     an executor "exec-N" (what kfp.compiler writes for a component and
//     `kfpgo component compile` writes): a container component;
//   - any other compiled pipeline YAML (PipelineSpec, optionally followed
//     by a PlatformSpec document): a nested pipeline component, merged as
//     compiled, keeping its Kubernetes executor configs and its workspace
//     (platforms.kubernetes.pipelineConfig.workspace), which the pipeline
//     using it takes on (see the package doc);
//   - KFP v1 component.yaml (name, inputs, outputs,
//     implementation.container with inputValue/inputPath/outputPath,
//     concat and if/ifPresent placeholders): a container component,
//     converted as kfp's ComponentSpec.from_v1_component_spec does. A key
//     KFP's v1 structures do not define is refused, as kfp refuses it;
//     the keys kfp accepts but does not use (metadata, version,
//     annotations, fileOutputs) are accepted and not used either.
//
// A v2 file is checked as a whole before use: each component has exactly
// one of executorLabel and dag; each task names an existing component and
// each executorLabel an existing executor; every task output a DAG reads
// (a task input's taskOutputParameter, taskOutputArtifact or
// taskFinalStatus, dependentTasks, and the DAG's outputs through
// valueFromParameter, valueFromOneof and artifactSelectors) names a task
// of that same DAG and an output its component declares, since KFP's
// backend drops a DAG output whose producer is missing instead of failing;
// and an executor container holds only the fields of KFP's
// PipelineContainerSpec (image, command, args, env, resources, lifecycle).
//
// Errors are *Error values naming the file, the YAML path and the fix.
func Load(file string, data []byte) (*dsl.UntypedComponent, error) {
	if err := upload.Check(file, data); err != nil {
		return nil, err
	}
	c, err := LoadIR(file, data)
	if err != nil {
		return nil, err
	}
	return dsl.NewUntypedComponent(c), nil
}

// LoadIR is Load returning the IR component.
func LoadIR(file string, data []byte) (*ir.Component, error) {
	docs, err := splitDocs(file, data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, &Error{File: file, Msg: "the file holds no YAML document", Hint: "write a KFP component (name, inputs, outputs, implementation) or a compiled pipeline"}
	}
	first := docs[0]
	if _, ok := first["implementation"]; ok {
		if len(docs) > 1 {
			return nil, &Error{File: file, Msg: "a v1 component.yaml has one document, this file has " + fmt.Sprint(len(docs)), Hint: "keep only the component document"}
		}
		l := &loader{file: file}
		return l.v1(first)
	}
	if _, ok := first["root"]; ok || first["pipelineInfo"] != nil || first["deploymentSpec"] != nil {
		var platform map[string]any
		if len(docs) > 1 {
			platform = docs[1]
		}
		if len(docs) > 2 {
			return nil, &Error{File: file, Path: "document 3", Msg: "a compiled pipeline has at most two documents (PipelineSpec, PlatformSpec)", Hint: "remove the extra documents"}
		}
		l := &loader{file: file}
		return l.v2(first, platform)
	}
	return nil, &Error{File: file, Msg: "not a KFP component: found neither implementation (v1 component.yaml) nor root/pipelineInfo (v2 IR)",
		Hint: "load a component.yaml with implementation.container, or a YAML file written by kfp.compiler or kfpgo"}
}

// splitDocs parses each YAML document into a generic JSON tree (mappings
// with string keys, lists, strings, float64 numbers, booleans, nil). It reads
// YAML 1.2 scalars, as KFP's own files are meant (PyYAML quotes every string
// that YAML 1.1 would read as a boolean, while keys such as y or n stay plain
// names); duplicate keys, non-scalar keys and alias bombs are errors.
func splitDocs(file string, data []byte) ([]map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &Error{File: file, Path: fmt.Sprintf("document %d", i), Msg: "invalid YAML: " + err.Error(), Hint: "fix the YAML syntax"}
		}
		budget := maxNodes
		v, terr := toTree(&n, &budget, 0)
		if terr != nil {
			return nil, &Error{File: file, Path: fmt.Sprintf("document %d", i), Msg: "invalid YAML: " + terr.msg, Hint: terr.hint}
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &Error{File: file, Path: fmt.Sprintf("document %d", i), Msg: fmt.Sprintf("the document is a %s, not a mapping", kindOf(v)), Hint: "a component is a YAML mapping with name, inputs, outputs and implementation"}
		}
		docs = append(docs, m)
	}
	return docs, nil
}

// maxNodes bounds the nodes a document may expand to (aliases included), so
// an alias bomb fails instead of exhausting memory.
const maxNodes = 1 << 20

// treeError is a document toTree cannot convert: what is wrong and how to
// fix it.
type treeError struct{ msg, hint string }

func treeErr(n *yaml.Node, hint, format string, args ...any) *treeError {
	return &treeError{msg: fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...), hint: hint}
}

// toTree converts a YAML node to a generic JSON tree.
func toTree(n *yaml.Node, budget *int, depth int) (any, *treeError) {
	*budget--
	if *budget < 0 {
		return nil, &treeError{msg: "the document expands to more than a million nodes",
			hint: "aliases (*name) repeat their anchor (&name) each time they appear; write the repeated part once or use fewer nested aliases"}
	}
	if depth > 1000 {
		return nil, treeErr(n, "flatten the document: a KFP component or pipeline nests a few dozen levels at most", "nesting deeper than 1000 levels")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toTree(n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, treeErr(n, "define the anchor (&name) before the alias (*name) that uses it", "unknown alias")
		}
		return toTree(n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toTree(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, treeErr(k, "write each key as a plain name, not a list or mapping", "mapping keys must be plain names")
			}
			if k.Tag == "!!merge" {
				return nil, treeErr(k, "write the merged keys out in the mapping", "merge keys (<<) are not supported")
			}
			if _, dup := m[k.Value]; dup {
				return nil, treeErr(k, "each key may appear once per mapping: remove or rename one of them", "key %q is set twice in this mapping", k.Value)
			}
			v, err := toTree(n.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, treeErr(n, "fix the value, or quote it to make it a string", "%v", err)
		}
		switch x := v.(type) {
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, treeErr(n, "write a finite number, or quote it to make it a string", "%v is not a JSON number", n.Value)
			}
			return x, nil
		case string, bool, nil:
			return x, nil
		}
		return n.Value, nil
	}
	return nil, treeErr(n, "fix the YAML syntax", "unsupported YAML node")
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

type loader struct {
	file string
}

func (l *loader) errf(path, hint, format string, args ...any) *Error {
	return &Error{File: l.file, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// mapAt returns m[key] as a mapping (nil when absent).
func (l *loader) mapAt(m map[string]any, key, path string) (map[string]any, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	mm, ok := v.(map[string]any)
	if !ok {
		return nil, l.errf(join(path, key), "write it as a mapping (key: value lines)", "is a %s, want a mapping", kindOf(v))
	}
	return mm, nil
}

func (l *loader) strAt(m map[string]any, key, path string, required bool) (string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			return "", l.errf(join(path, key), "add it", "is missing")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", l.errf(join(path, key), "quote the value", "is a %s, want a string", kindOf(v))
	}
	return s, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// paramTypes maps IR parameter type names to IR types.
var paramTypes = map[string]ir.ParamType{
	"STRING": ir.ParamString, "NUMBER_INTEGER": ir.ParamInt, "NUMBER_DOUBLE": ir.ParamDouble,
	"BOOLEAN": ir.ParamBool, "LIST": ir.ParamList, "STRUCT": ir.ParamStruct,
	"TASK_FINAL_STATUS": ir.ParamTaskFinalStatus,
}

// interfaceOf reads inputDefinitions and outputDefinitions of an IR
// ComponentSpec.
func (l *loader) interfaceOf(spec map[string]any, path string) ([]*ir.Input, []*ir.Output, error) {
	var ins []*ir.Input
	var outs []*ir.Output
	seen := map[string]string{}
	for _, side := range []string{"inputDefinitions", "outputDefinitions"} {
		defs, err := l.mapAt(spec, side, path)
		if err != nil {
			return nil, nil, err
		}
		for _, kind := range []string{"parameters", "artifacts"} {
			items, err := l.mapAt(defs, kind, join(path, side))
			if err != nil {
				return nil, nil, err
			}
			for _, name := range sortedKeys(items) {
				p := join(path, side+"."+kind+"."+name)
				if !identRE.MatchString(name) {
					return nil, nil, l.errf(p, "use letters, digits and underscores", "invalid %s name %q", strings.TrimSuffix(kind, "s"), name)
				}
				if prev, dup := seen[side+name]; dup {
					return nil, nil, l.errf(p, "give each input and output a distinct name", "%q is declared twice (also under %s)", name, prev)
				}
				seen[side+name] = p
				def, ok := items[name].(map[string]any)
				if !ok {
					return nil, nil, l.errf(p, "write the definition as a mapping", "is a %s, want a mapping", kindOf(items[name]))
				}
				t, err := l.defType(def, kind, p)
				if err != nil {
					return nil, nil, err
				}
				desc, err := l.strAt(def, "description", p, false)
				if err != nil {
					return nil, nil, err
				}
				if side == "outputDefinitions" {
					outs = append(outs, &ir.Output{Name: name, Type: t, Description: desc})
					continue
				}
				in := &ir.Input{Name: name, Type: t, Description: desc}
				if opt, ok := def["isOptional"]; ok {
					b, isBool := opt.(bool)
					if !isBool {
						return nil, nil, l.errf(join(p, "isOptional"), "write true or false", "is a %s, want a boolean", kindOf(opt))
					}
					in.Optional = b
				}
				if dv, ok := def["defaultValue"]; ok {
					if t.IsArtifact() {
						return nil, nil, l.errf(join(p, "defaultValue"), "remove it; mark the artifact isOptional instead", "artifacts take no default value")
					}
					if err := checkValue(dv, t.Param); err != nil {
						return nil, nil, l.errf(join(p, "defaultValue"), "write the default in the parameter's type", "%v", err)
					}
					in.Default, in.HasDefault = normalize(dv, t.Param), true
				}
				ins = append(ins, in)
			}
		}
	}
	return ins, outs, nil
}

// defType reads parameterType or artifactType (+ isArtifactList).
func (l *loader) defType(def map[string]any, kind, path string) (ir.Type, error) {
	if kind == "parameters" {
		s, err := l.strAt(def, "parameterType", path, true)
		if err != nil {
			return ir.Type{}, err
		}
		pt, ok := paramTypes[s]
		if !ok {
			return ir.Type{}, l.errf(join(path, "parameterType"), "use STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT or TASK_FINAL_STATUS", "unknown parameter type %q", s)
		}
		return ir.Type{Param: pt}, nil
	}
	at, err := l.mapAt(def, "artifactType", path)
	if err != nil {
		return ir.Type{}, err
	}
	if at == nil {
		return ir.Type{}, l.errf(join(path, "artifactType"), "add artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}", "is missing")
	}
	title, err := l.strAt(at, "schemaTitle", join(path, "artifactType"), true)
	if err != nil {
		return ir.Type{}, err
	}
	if title == "" {
		return ir.Type{}, l.errf(join(path, "artifactType.schemaTitle"), "name the artifact schema, e.g. system.Dataset", "is empty")
	}
	version, err := l.strAt(at, "schemaVersion", join(path, "artifactType"), false)
	if err != nil {
		return ir.Type{}, err
	}
	t := ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: title, SchemaVersion: version}}
	if v, ok := def["isArtifactList"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return ir.Type{}, l.errf(join(path, "isArtifactList"), "write true or false", "is a %s, want a boolean", kindOf(v))
		}
		t.List = b
	}
	return t, nil
}

// checkValue checks a JSON value against a parameter type.
func checkValue(v any, pt ir.ParamType) error {
	ok := false
	switch pt {
	case ir.ParamString:
		_, ok = v.(string)
	case ir.ParamInt:
		f, isNum := v.(float64)
		ok = isNum && f == float64(int64(f))
	case ir.ParamDouble:
		_, ok = v.(float64)
	case ir.ParamBool:
		_, ok = v.(bool)
	case ir.ParamList:
		_, ok = v.([]any)
	case ir.ParamStruct:
		_, ok = v.(map[string]any)
	case ir.ParamTaskFinalStatus:
		return errors.New("TASK_FINAL_STATUS inputs take no default")
	}
	if !ok {
		return fmt.Errorf("%s value %v is not a %s", kindOf(v), v, pt)
	}
	return nil
}

// normalize converts a decoded JSON value to the IR's JSON-compatible form
// (integers as int64).
func normalize(v any, pt ir.ParamType) any {
	if f, ok := v.(float64); ok && pt == ir.ParamInt {
		return int64(f)
	}
	return v
}
