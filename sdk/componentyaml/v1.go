package componentyaml

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// v1 parameter type names (case-insensitive), as kfp's
// type_utils.PARAMETER_TYPES_MAPPING.
var v1ParamTypes = map[string]ir.ParamType{
	"integer": ir.ParamInt, "int": ir.ParamInt,
	"double": ir.ParamDouble, "float": ir.ParamDouble,
	"string": ir.ParamString, "str": ir.ParamString, "text": ir.ParamString,
	"bool": ir.ParamBool, "boolean": ir.ParamBool,
	"dict": ir.ParamStruct, "list": ir.ParamList,
	"jsonobject": ir.ParamStruct, "jsonarray": ir.ParamList,
}

// v1 artifact type names (case-insensitive), as kfp's
// type_utils.ARTIFACT_CLASSES_MAPPING; any other type is system.Artifact.
var v1ArtifactTypes = map[string]string{
	"artifact": "system.Artifact", "model": "system.Model", "dataset": "system.Dataset",
	"metrics": "system.Metrics", "classificationmetrics": "system.ClassificationMetrics",
	"slicedclassificationmetrics": "system.SlicedClassificationMetrics",
	"html":                        "system.HTML", "markdown": "system.Markdown",
}

var (
	googleTypeRE  = regexp.MustCompile(`^google.[A-Za-z]+$`)
	sanitizeInRE  = regexp.MustCompile(`[^_0-9a-z]+`)
	outerGenericR = regexp.MustCompile(`^([A-Za-z_.]+)\[.*\]$`)
)

// sanitizeName is kfp's utils.sanitize_input_name: lower case, runs of
// other characters become "_", leading and trailing "_" dropped.
func sanitizeName(s string) string {
	return strings.Trim(sanitizeInRE.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// v1Type converts a v1 type (string, mapping or absent) to an IR type.
func v1Type(t any) ir.Type {
	s, ok := t.(string)
	if !ok {
		return ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: "system.Artifact", SchemaVersion: "0.0.1"}}
	}
	if m := outerGenericR.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	if pt, ok := v1ParamTypes[strings.ToLower(s)]; ok {
		return ir.Type{Param: pt}
	}
	if googleTypeRE.MatchString(s) {
		return ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: s, SchemaVersion: "0.0.1"}}
	}
	if title, ok := v1ArtifactTypes[strings.ToLower(s)]; ok {
		return ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: title, SchemaVersion: "0.0.1"}}
	}
	return ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: "system.Artifact", SchemaVersion: "0.0.1"}}
}

// The keys of a v1 component.yaml, sorted: the __init__ parameters of
// kfp.dsl.v1_structures' ComponentSpec, MetadataSpec, InputSpec,
// OutputSpec, ContainerImplementation/GraphImplementation and
// ContainerSpec, whose from_dict refuses any other key. As in
// ComponentSpec.from_v1_component_spec, metadata, version, the inputs' and
// outputs' annotations and the container's fileOutputs are accepted and
// not used (fileOutputs is v1's legacy output copying, which KFP v2 drops
// too; write outputs with outputPath instead).
var (
	v1ComponentKeys      = []string{"description", "implementation", "inputs", "metadata", "name", "outputs", "version"}
	v1MetadataKeys       = []string{"annotations", "labels"}
	v1InputKeys          = []string{"annotations", "default", "description", "name", "optional", "type"}
	v1OutputKeys         = []string{"annotations", "description", "name", "type"}
	v1ImplementationKeys = []string{"container", "graph"}
	v1ContainerKeys      = []string{"args", "command", "env", "fileOutputs", "image"}
)

// v1 converts a v1 component.yaml document, following kfp's
// ComponentSpec.from_v1_component_spec.
func (l *loader) v1(doc map[string]any) (*ir.Component, error) {
	if err := l.knownKeys(doc, "", v1ComponentKeys, "KFP's v1 ComponentSpec"); err != nil {
		return nil, err
	}
	meta, err := l.mapAt(doc, "metadata", "")
	if err != nil {
		return nil, err
	}
	if err := l.knownKeys(meta, "metadata", v1MetadataKeys, "KFP's v1 MetadataSpec"); err != nil {
		return nil, err
	}
	name, err := l.strAt(doc, "name", "", true)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, l.errf("name", "give the component a name", "is empty")
	}
	desc, err := l.strAt(doc, "description", "", false)
	if err != nil {
		return nil, err
	}
	c := &ir.Component{Name: name, Description: desc}
	declared := map[string]string{}
	for _, side := range []string{"inputs", "outputs"} {
		raw, ok := doc[side]
		if !ok || raw == nil {
			continue
		}
		list, ok := raw.([]any)
		if !ok {
			return nil, l.errf(side, "write a list of {name, type} mappings", "is a %s, want a list", kindOf(raw))
		}
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", side, i)
			m, ok := item.(map[string]any)
			if !ok {
				return nil, l.errf(p, "write {name: x, type: String}", "is a %s, want a mapping", kindOf(item))
			}
			if side == "inputs" {
				err = l.knownKeys(m, p, v1InputKeys, "KFP's v1 InputSpec")
			} else {
				err = l.knownKeys(m, p, v1OutputKeys, "KFP's v1 OutputSpec")
			}
			if err != nil {
				return nil, err
			}
			n, err := l.strAt(m, "name", p, true)
			if err != nil {
				return nil, err
			}
			sn := sanitizeName(n)
			if sn == "" {
				return nil, l.errf(join(p, "name"), "use letters and digits", "name %q is empty once sanitized", n)
			}
			if prev, dup := declared[sn]; dup {
				return nil, l.errf(join(p, "name"), "give each input and output a distinct name", "%q is declared twice (also at %s)", n, prev)
			}
			declared[sn] = p
			// KFP's v1 → v2 conversion (ComponentSpec.from_v1_component_spec
			// in kfp/dsl/structures.py) keeps neither the description nor
			// the annotations of an input or output; it is still checked to
			// be text, as KFP's v1 InputSpec/OutputSpec type it.
			if _, err := l.strAt(m, "description", p, false); err != nil {
				return nil, err
			}
			t := v1Type(m["type"])
			if ts, ok := m["type"].(string); ok && ts == "PipelineTaskFinalStatus" && side == "inputs" {
				t = ir.Type{Param: ir.ParamTaskFinalStatus}
			} else if tv, ok := m["type"]; ok && tv != nil {
				if _, isStr := tv.(string); !isStr {
					if _, isMap := tv.(map[string]any); !isMap {
						return nil, l.errf(join(p, "type"), "write a type name such as String, Integer, Dataset", "is a %s", kindOf(tv))
					}
				}
			}
			if side == "outputs" {
				c.Outputs = append(c.Outputs, &ir.Output{Name: sn, Type: t})
				continue
			}
			in := &ir.Input{Name: sn, Type: t}
			if o, ok := m["optional"]; ok {
				b, isBool := o.(bool)
				if !isBool {
					return nil, l.errf(join(p, "optional"), "write true or false", "is a %s, want a boolean", kindOf(o))
				}
				in.Optional = b
			}
			if dv, ok := m["default"]; ok {
				in.Optional = true
				if t.Param == ir.ParamTaskFinalStatus {
					return nil, l.errf(join(p, "default"), "remove it", "a PipelineTaskFinalStatus input takes no default")
				}
				if !t.IsArtifact() && dv != nil {
					v, err := v1Default(dv, t.Param)
					if err != nil {
						return nil, l.errf(join(p, "default"), "write the default in the input's type", "%v", err)
					}
					in.Default, in.HasDefault = v, true
				}
			}
			if t.Param == ir.ParamTaskFinalStatus {
				in.Optional = true
			}
			c.Inputs = append(c.Inputs, in)
		}
	}
	impl, err := l.mapAt(doc, "implementation", "")
	if err != nil {
		return nil, err
	}
	if err := l.knownKeys(impl, "implementation", v1ImplementationKeys, "KFP's v1 implementation"); err != nil {
		return nil, err
	}
	ctr, err := l.mapAt(impl, "container", "implementation")
	if err != nil {
		return nil, err
	}
	if ctr == nil {
		return nil, l.errf("implementation.container", "kfpgo loads container components: add implementation.container with image, command and args", "is missing")
	}
	if err := l.knownKeys(ctr, "implementation.container", v1ContainerKeys, "KFP's v1 ContainerSpec"); err != nil {
		return nil, err
	}
	img, err := l.strAt(ctr, "image", "implementation.container", true)
	if err != nil {
		return nil, err
	}
	out := &ir.Container{Image: img}
	for _, f := range []struct {
		key string
		dst *[]ir.Arg
	}{{"command", &out.Command}, {"args", &out.Args}} {
		raw, ok := ctr[f.key]
		if !ok || raw == nil {
			continue
		}
		list, ok := raw.([]any)
		if !ok {
			return nil, l.errf("implementation.container."+f.key, "write a list", "is a %s, want a list", kindOf(raw))
		}
		for i, item := range list {
			a, err := l.v1Arg(item, fmt.Sprintf("implementation.container.%s[%d]", f.key, i), c, doc)
			if err != nil {
				return nil, err
			}
			*f.dst = append(*f.dst, a)
		}
	}
	env, err := l.mapAt(ctr, "env", "implementation.container")
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(env) {
		s, ok := env[k].(string)
		if !ok {
			return nil, l.errf("implementation.container.env."+k, "quote the value", "is a %s, want a string", kindOf(env[k]))
		}
		out.Env = append(out.Env, ir.EnvVar{Name: k, Value: s})
	}
	c.Impl = out
	return c, nil
}

// v1Default converts a v1 default (often a string) to the parameter type,
// as kfp's deserialize_v1_component_yaml_default.
func v1Default(v any, pt ir.ParamType) (any, error) {
	s, isStr := v.(string)
	if !isStr {
		if err := checkValue(v, pt); err != nil {
			return nil, err
		}
		return normalize(v, pt), nil
	}
	switch pt {
	case ir.ParamString:
		return s, nil
	case ir.ParamInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("default %q is not an integer", s)
		}
		return i, nil
	case ir.ParamDouble:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("default %q is not a number", s)
		}
		return f, nil
	case ir.ParamBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "y", "t", "on":
			return true, nil
		case "false", "0", "no", "n", "f", "off":
			return false, nil
		}
		return nil, fmt.Errorf("default %q is not a boolean", s)
	case ir.ParamList, ir.ParamStruct:
		var x any
		if err := json.Unmarshal([]byte(s), &x); err != nil {
			return nil, fmt.Errorf("default %q is not JSON: %v", s, err)
		}
		if err := checkValue(x, pt); err != nil {
			return nil, err
		}
		return x, nil
	}
	return nil, fmt.Errorf("type %s takes no default", pt)
}

// v1Arg converts one v1 command-line item.
func (l *loader) v1Arg(item any, path string, c *ir.Component, doc map[string]any) (ir.Arg, error) {
	switch x := item.(type) {
	case string:
		return ir.Lit{S: x}, nil
	case float64, bool:
		return ir.Lit{S: fmt.Sprint(x)}, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, l.errf(path, "use one of inputValue, inputPath, inputUri, outputPath, outputUri, concat, if", "placeholder mapping has %d keys, want exactly one", len(x))
		}
		for k, v := range x {
			p := join(path, k)
			switch k {
			case "inputValue", "inputPath", "inputUri":
				n, ok := v.(string)
				if !ok {
					return nil, l.errf(p, "name an input", "is a %s, want an input name", kindOf(v))
				}
				in := c.Input(sanitizeName(n))
				if in == nil {
					if out := c.Output(sanitizeName(n)); out != nil {
						use := "outputPath"
						if k == "inputUri" && out.Type.IsArtifact() {
							use = "outputUri"
						}
						return nil, l.errf(p, fmt.Sprintf("use {%s: %s} for the path the program writes the output to, or name one of the inputs: %s", use, n, names(c, "inputs")),
							"%q is an output, not an input", n)
					}
					return nil, l.errf(p, "name one of the inputs: "+names(c, "inputs"), "input %q does not exist", n)
				}
				switch {
				case k == "inputValue" && !in.Type.IsArtifact():
					return ir.InputValue{Name: in.Name}, nil
				case k == "inputValue":
					return nil, l.errf(p, "give the input a parameter type (String, Integer, Float, Boolean, JsonObject, JsonArray), or use inputPath", "input %q is an artifact (%s); inputValue needs a parameter", n, in.Type)
				case in.Type.IsArtifact() && k == "inputPath":
					return ir.InputPath{Name: in.Name}, nil
				case in.Type.IsArtifact():
					return ir.InputURI{Name: in.Name}, nil
				}
				return nil, l.errf(p, "use inputValue for parameters, or give the input an artifact type", "input %q is a parameter (%s); %s needs an artifact", n, in.Type, k)
			case "outputPath", "outputUri":
				n, ok := v.(string)
				if !ok {
					return nil, l.errf(p, "name an output", "is a %s, want an output name", kindOf(v))
				}
				out := c.Output(sanitizeName(n))
				if out == nil {
					if in := c.Input(sanitizeName(n)); in != nil {
						use := "inputValue"
						switch {
						case in.Type.IsArtifact() && k == "outputUri":
							use = "inputUri"
						case in.Type.IsArtifact():
							use = "inputPath"
						}
						return nil, l.errf(p, fmt.Sprintf("use {%s: %s} to read the input, or name one of the outputs: %s", use, n, names(c, "outputs")),
							"%q is an input, not an output", n)
					}
					return nil, l.errf(p, "name one of the outputs: "+names(c, "outputs"), "output %q does not exist", n)
				}
				switch {
				case k == "outputPath" && !out.Type.IsArtifact():
					return ir.OutputParamFile{Name: out.Name}, nil
				case k == "outputPath":
					return ir.OutputPath{Name: out.Name}, nil
				case out.Type.IsArtifact():
					return ir.OutputURI{Name: out.Name}, nil
				}
				return nil, l.errf(p, "give the output an artifact type", "output %q is a parameter; outputUri needs an artifact", n)
			case "concat":
				list, ok := v.([]any)
				if !ok {
					return nil, l.errf(p, "write a list of items", "is a %s, want a list", kindOf(v))
				}
				var cc ir.Concat
				for i, it := range list {
					a, err := l.v1Arg(it, fmt.Sprintf("%s[%d]", p, i), c, doc)
					if err != nil {
						return nil, err
					}
					cc.Items = append(cc.Items, a)
				}
				return cc, nil
			case "if", "ifPresent":
				m, ok := v.(map[string]any)
				if !ok {
					return nil, l.errf(p, "write {cond: {isPresent: x}, then: [...], else: [...]}", "is a %s, want a mapping", kindOf(v))
				}
				var inName string
				thenKey, elseKey := "then", "else"
				if k == "if" {
					cond, _ := m["cond"].(map[string]any)
					inName, _ = cond["isPresent"].(string)
					if inName == "" {
						return nil, l.errf(join(p, "cond"), "write cond: {isPresent: input_name}", "kfpgo supports if conditions of the form isPresent")
					}
				} else {
					inName, _ = m["inputName"].(string)
				}
				in := c.Input(sanitizeName(inName))
				if in == nil {
					return nil, l.errf(p, "name one of the inputs: "+names(c, "inputs"), "input %q does not exist", inName)
				}
				ip := ir.IfPresent{Name: in.Name}
				for _, br := range []struct {
					key string
					dst *[]ir.Arg
				}{{thenKey, &ip.Then}, {elseKey, &ip.Else}} {
					raw, ok := m[br.key]
					if !ok || raw == nil {
						continue
					}
					list, ok := raw.([]any)
					if !ok {
						list = []any{raw}
					}
					for i, it := range list {
						a, err := l.v1Arg(it, fmt.Sprintf("%s.%s[%d]", p, br.key, i), c, doc)
						if err != nil {
							return nil, err
						}
						*br.dst = append(*br.dst, a)
					}
				}
				return ip, nil
			}
			return nil, l.errf(p, "use one of inputValue, inputPath, inputUri, outputPath, outputUri, concat, if", "unknown placeholder %q", k)
		}
	}
	return nil, l.errf(path, "write a string or a placeholder mapping such as {inputValue: x}", "is a %s", kindOf(item))
}
