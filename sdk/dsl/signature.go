package dsl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Field is one input or output of a component signature: the Go struct
// field it lives in and its KFP name and type. Exported for sdk/executor,
// which binds run-time values through the same table.
type Field struct {
	// Index is the field index path in the In/Out struct (reflect.FieldByIndex).
	Index []int
	// GoName is the Go field name.
	GoName string
	// Name is the KFP input/output name (from the `kfp:"name"` tag, else the
	// field name in snake_case).
	Name string
	Type ir.Type
	// Default is the parsed `default:"…"` tag (JSON-compatible value).
	Default    any
	HasDefault bool
	// Optional is set by `kfp:"name,optional"` or by a default.
	Optional    bool
	Description string
}

// Signature is the reflected shape of an In or Out struct, computed once per
// component (NewComponent, NewPipeline) and cached.
type Signature struct {
	GoType reflect.Type
	Fields []Field
	byName map[string]int
}

// Field returns the field with KFP name name, or nil.
func (s *Signature) Field(name string) *Field {
	if s == nil {
		return nil
	}
	if i, ok := s.byName[name]; ok {
		return &s.Fields[i]
	}
	return nil
}

var (
	binderType  = reflect.TypeFor[binder]()
	identRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	emptyStruct = reflect.TypeFor[struct{}]()
)

// signatureOf reflects over an In or Out struct type. Struct types only:
// each exported field must be a Param, Artifact, Artifacts or
// PipelineTaskFinalStatus; unexported fields are ignored.
func signatureOf(t reflect.Type, role string, pos ir.Pos) (*Signature, ir.ErrorList) {
	var errs ir.ErrorList
	sig := &Signature{GoType: t, byName: map[string]int{}}
	if t == nil {
		return sig, nil
	}
	if t.Kind() != reflect.Struct {
		errs.Addf(pos, ir.InvalidType, fmt.Sprintf("use a struct whose fields are dsl.Param, dsl.Artifact or dsl.Artifacts handles, or struct{} for no %ss", role),
			"%s type %s is not a struct", role, t)
		return sig, errs
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		if !reflect.PointerTo(sf.Type).Implements(binderType) {
			errs.Addf(pos, ir.InvalidType, "declare it as dsl.Param[T], dsl.Artifact[K], dsl.Artifacts[K] or dsl.PipelineTaskFinalStatus",
				"%s field %s.%s has type %s, which is not a KFP parameter or artifact handle", role, t.Name(), sf.Name, sf.Type)
			continue
		}
		f := Field{Index: sf.Index, GoName: sf.Name, Description: sf.Tag.Get("description")}
		name, opts, _ := strings.Cut(sf.Tag.Get("kfp"), ",")
		if name == "" {
			name = snakeCase(sf.Name)
		}
		f.Name = name
		for _, o := range strings.Split(opts, ",") {
			switch strings.TrimSpace(o) {
			case "":
			case "optional":
				f.Optional = true
			default:
				errs.Addf(pos, ir.InvalidValue, `the only option is "optional", as in kfp:"name,optional"`,
					"%s field %s.%s: unknown kfp tag option %q", role, t.Name(), sf.Name, o)
			}
		}
		f.Type = reflect.Zero(sf.Type).Interface().(handle).irType()
		if !identRE.MatchString(name) {
			errs.Addf(pos, ir.InvalidName, "use letters, digits and underscores, starting with a letter (a Python identifier, as KFP requires)",
				"%s field %s.%s: name %q is not a valid KFP %s name", role, t.Name(), sf.Name, name, role)
		}
		if def, ok := sf.Tag.Lookup("default"); ok {
			if f.Type.IsArtifact() {
				errs.Addf(pos, ir.InvalidValue, "remove the default tag; mark the field kfp:\"name,optional\" instead",
					"%s field %s.%s: artifacts cannot have a default value", role, t.Name(), sf.Name)
			} else {
				v, err := parseDefault(def, f.Type.Param, sf.Type)
				if err == nil {
					if msg := ir.LiteralProblem(v, "value"); msg != "" {
						err = errors.New(msg)
					}
				}
				if err != nil {
					errs.Addf(pos, ir.InvalidValue, "write the default in the field's type (JSON for lists and maps)",
						"%s field %s.%s: default %q: %v", role, t.Name(), sf.Name, def, err)
				} else {
					f.Default, f.HasDefault, f.Optional = v, true, true
				}
			}
		}
		if _, dup := sig.byName[name]; dup {
			errs.Addf(pos, ir.DuplicateName, "give each field a distinct kfp name tag",
				"%s %q is declared twice in %s", role, name, t.Name())
			continue
		}
		sig.byName[name] = len(sig.Fields)
		sig.Fields = append(sig.Fields, f)
	}
	return sig, errs
}

// parseDefault parses a default tag value as the field's parameter type.
func parseDefault(s string, pt ir.ParamType, goType reflect.Type) (any, error) {
	switch pt {
	case ir.ParamString:
		return s, nil
	case ir.ParamInt:
		return strconv.ParseInt(s, 10, 64)
	case ir.ParamDouble:
		return strconv.ParseFloat(s, 64)
	case ir.ParamBool:
		return strconv.ParseBool(s)
	case ir.ParamList, ir.ParamStruct:
		// Decode into the field's Go value type to check the shape.
		vt := goType
		if f, ok := goType.FieldByName("v"); ok {
			vt = f.Type
		}
		pv := reflect.New(vt)
		if err := json.Unmarshal([]byte(s), pv.Interface()); err != nil {
			return nil, err
		}
		return jsonValue(pv.Elem().Interface()), nil
	}
	return nil, fmt.Errorf("parameters of type %s take no default", pt)
}

// irInputs converts an In signature to IR inputs.
func (s *Signature) irInputs() []*ir.Input {
	out := make([]*ir.Input, 0, len(s.Fields))
	for _, f := range s.Fields {
		in := &ir.Input{Name: f.Name, Type: f.Type, Default: f.Default, HasDefault: f.HasDefault, Optional: f.Optional, Description: f.Description}
		out = append(out, in)
	}
	return out
}

// irOutputs converts an Out signature to IR outputs.
func (s *Signature) irOutputs() []*ir.Output {
	out := make([]*ir.Output, 0, len(s.Fields))
	for _, f := range s.Fields {
		out = append(out, &ir.Output{Name: f.Name, Type: f.Type, Description: f.Description})
	}
	return out
}
