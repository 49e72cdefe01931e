package dsl

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Format builds a string task argument with run-time values embedded in
// literal text, what KFP's Python DSL writes as an f-string over pipeline
// channels:
//
//	// Python: print_op(msg=f"heads and {num.output} > 5!")
//	Print.Task(b, PrintIn{Msg: dsl.Format("heads and ", num.Out.Output, " > 5!")})
//
// Each part is a Go string (literal text) or a parameter handle of any type
// (a pipeline input, a task output, a loop item or item field, another
// Format, a Lit or a pipeline placeholder such as PipelineJobName).
// Literals are written into the text (a non-string Lit as fmt.Sprint
// prints it). A pipeline placeholder part is written into the text as its
// placeholder string, e.g. "{{$.pipeline_job_name}}", and stays that
// literal text at run time: KFP's driver resolves a pipeline placeholder
// only when it is a whole argument (the argument's constant is exactly the
// placeholder), so Format("run-", PipelineJobName()) reaches the component
// as the text "run-{{$.pipeline_job_name}}". Pass the placeholder as a whole argument, or put it in a
// container component's command line, to get the resolved value. Every
// other value becomes, as in KFP, an extra
// task input "pipelinechannel--<name>" read by a
// {{$.inputs.parameters['pipelinechannel--<name>']}} placeholder inside
// the argument's runtimeValue constant, and orders the task after its
// producer. With no run-time value among the parts, Format is Lit of the
// joined text.
//
// Artifacts cannot be embedded (KFP refuses them too): such a part, an
// unbound handle or any other Go type makes the argument invalid, reported
// at the line of the task that takes it when the pipeline is compiled.
func Format(parts ...any) Param[string] {
	pos := ir.Caller()
	segs := []string{""}
	var of []*ir.Ref
	text := func(s string) { segs[len(segs)-1] += s }
	var add func(p any) string
	add = func(p any) string {
		switch x := p.(type) {
		case string:
			text(x)
			return ""
		case handle:
			r := refOf(x)
			if r == nil {
				return fmt.Sprintf("part %T is not bound to a pipeline value", p)
			}
			if r.Type.IsArtifact() {
				return "an artifact cannot be embedded in a string; pass it to an artifact input (or embed a parameter such as its URI from a task output)"
			}
			switch r.Kind {
			case ir.RefLiteral:
				if s, ok := r.Value.(string); ok {
					text(s)
				} else {
					text(fmt.Sprint(r.Value))
				}
			case ir.RefPlaceholder:
				text(r.Name)
			case ir.RefFormat:
				inner, ok := r.Value.([]string)
				if !ok {
					return "a list or map (Compose) cannot be embedded in a string; pass it as its own argument"
				}
				for i, s := range inner {
					text(s)
					if i < len(r.Of) {
						of = append(of, r.Of[i])
						segs = append(segs, "")
					}
				}
			case ir.RefInvalid, ir.RefTaskFinalStatus, ir.RefComponentInput, ir.RefComponentOutput:
				return "only pipeline values (inputs, task outputs, loop items, Lit) can be embedded in a string"
			default:
				of = append(of, r)
				segs = append(segs, "")
			}
			return ""
		}
		return fmt.Sprintf("part of type %T is neither a string nor a parameter handle", p)
	}
	for i, p := range parts {
		if msg := add(p); msg != "" {
			return Param[string]{r: &ir.Ref{Kind: ir.RefInvalid, Type: ir.Type{Param: ir.ParamString}, Name: fmt.Sprintf("Format part %d: %s", i, msg), Pos: pos}}
		}
	}
	if len(of) == 0 {
		return Lit(strings.Join(segs, ""))
	}
	return Param[string]{r: &ir.Ref{Kind: ir.RefFormat, Type: ir.Type{Param: ir.ParamString}, Value: segs, Of: of, Pos: pos}}
}

// maxDepth bounds how deep Compose and the literal converters descend
// into nested maps and slices.
const maxDepth = 100

// Compose builds a LIST or STRUCT task argument from a Go value with
// run-time values embedded at any depth, what KFP's Python DSL writes as a
// list or dict literal holding pipeline channels:
//
//	// Python: CustomTrainingJobOp(worker_pool_specs=[{"machine_spec":
//	//     {"machine_type": machine_type_task.output}, "replica_count": 1}])
//	specs := dsl.Compose[[]any]([]any{map[string]any{
//		"machine_spec":  map[string]any{"machine_type": mt.Out.Output},
//		"replica_count": 1,
//	}})
//
// T is the argument's type: a slice type (LIST) for a slice value, a map
// type (STRUCT) for a map value. v is built from slices, maps with string
// keys, Go scalars and parameter handles (pipeline inputs, task outputs,
// loop items or item fields, Format, Lit, another Compose, pipeline
// placeholders). As KFP writes it, each run-time value becomes an extra
// task input "pipelinechannel--<name>" and its place in the constant the
// string {{$.inputs.parameters['pipelinechannel--<name>']}}, which KFP's
// driver and kfpgo's local runner replace by the value's text when the
// task runs (so an embedded integer arrives as a string); literals and
// Lit values stay typed. With no run-time value inside, Compose is Lit of
// the value.
//
// Artifacts cannot be embedded; such a part, an unbound handle, a map with
// non-string keys, a value of another Go type or a T that is not a list or
// map makes the argument invalid, reported at the line of the task that
// takes it when the pipeline is compiled.
//
// A value that contains itself (a map or slice reachable from its own
// elements) or is nested deeper than 100 levels is refused the same way.
func Compose[T ParamValue](v any) Param[T] {
	pos := ir.Caller()
	pt := paramTypeOf[T]()
	invalid := func(msg string) Param[T] {
		return Param[T]{r: &ir.Ref{Kind: ir.RefInvalid, Type: ir.Type{Param: pt}, Name: "Compose: " + msg, Pos: pos}}
	}
	if pt != ir.ParamList && pt != ir.ParamStruct {
		return invalid(fmt.Sprintf("the argument type %s is not a list or map; use Format for strings and Lit for scalars", reflect.TypeFor[T]()))
	}
	var of []*ir.Ref
	// shift renumbers the TemplateText leaves of an inlined Compose tree.
	var shift func(v any, by int) any
	shift = func(v any, by int) any {
		switch x := v.(type) {
		case ir.TemplateText:
			idx := make([]int, len(x.Of))
			for i, o := range x.Of {
				idx[i] = o + by
			}
			return ir.TemplateText{Segs: x.Segs, Of: idx}
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = shift(e, by)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = shift(e, by)
			}
			return out
		}
		return v
	}
	// onPath holds the maps and slices being converted, from the root to
	// the current value, so that a value containing itself is refused
	// instead of recursing forever.
	type place struct {
		t   reflect.Type
		ptr uintptr
		n   int
	}
	onPath := map[place]bool{}
	depth := 0
	var conv func(v any, path string) (any, error)
	conv = func(v any, path string) (any, error) {
		if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && !rv.IsNil() {
			at := place{rv.Type(), rv.Pointer(), rv.Len()}
			if onPath[at] {
				return nil, fmt.Errorf("%s: the value contains itself", path)
			}
			if depth >= maxDepth {
				return nil, fmt.Errorf("%s: the value is nested deeper than %d levels", path, maxDepth)
			}
			onPath[at] = true
			depth++
			defer func() { delete(onPath, at); depth-- }()
		}
		switch x := v.(type) {
		case nil:
			return nil, nil
		case handle:
			r := refOf(x)
			if r == nil {
				return nil, fmt.Errorf("%s: a %T that is not bound to a pipeline value", path, v)
			}
			if r.Type.IsArtifact() {
				return nil, fmt.Errorf("%s: an artifact cannot be embedded in a parameter value; pass it to an artifact input", path)
			}
			switch r.Kind {
			case ir.RefLiteral:
				return r.Value, nil
			case ir.RefPlaceholder:
				return r.Name, nil
			case ir.RefFormat:
				base := len(of)
				of = append(of, r.Of...)
				if segs, ok := r.Value.([]string); ok {
					idx := make([]int, len(r.Of))
					for i := range idx {
						idx[i] = base + i
					}
					return ir.TemplateText{Segs: segs, Of: idx}, nil
				}
				return shift(r.Value, base), nil
			case ir.RefInvalid:
				return nil, fmt.Errorf("%s: %s", path, r.Name)
			case ir.RefTaskFinalStatus, ir.RefComponentInput, ir.RefComponentOutput:
				return nil, fmt.Errorf("%s: only pipeline values (inputs, task outputs, loop items, Lit) can be embedded", path)
			}
			of = append(of, r)
			return ir.TemplateText{Segs: []string{"", ""}, Of: []int{len(of) - 1}}, nil
		case string, bool, int, int64, float64:
			return jsonValue(x), nil
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				var err error
				if out[i], err = conv(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return nil, err
				}
			}
			return out, nil
		case map[string]any:
			// Sorted keys, so the embedded values are numbered the same
			// way on every run.
			keys := slices.Sorted(maps.Keys(x))
			out := make(map[string]any, len(x))
			for _, k := range keys {
				var err error
				if out[k], err = conv(x[k], path+"."+k); err != nil {
					return nil, err
				}
			}
			return out, nil
		}
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Slice, reflect.Array:
			items := make([]any, rv.Len())
			for i := range items {
				items[i] = rv.Index(i).Interface()
			}
			return conv(items, path)
		case reflect.Map:
			if rv.Type().Key().Kind() != reflect.String {
				return nil, fmt.Errorf("%s: map keys must be strings, not %s", path, rv.Type().Key())
			}
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
			return conv(m, path)
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32:
			return jsonValue(v), nil
		}
		return nil, fmt.Errorf("%s: a value of type %T is neither a JSON-like value nor a parameter handle", path, v)
	}
	tree, err := conv(v, "value")
	if err != nil {
		return invalid(err.Error())
	}
	_, isList := tree.([]any)
	_, isMap := tree.(map[string]any)
	if (pt == ir.ParamList && !isList) || (pt == ir.ParamStruct && !isMap) {
		return invalid(fmt.Sprintf("a %T does not build a %s; pass a slice for a list type, a map for a map type", v, reflect.TypeFor[T]()))
	}
	if len(of) == 0 {
		return Param[T]{r: &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: pt}, Value: tree, Pos: pos}}
	}
	return Param[T]{r: &ir.Ref{Kind: ir.RefFormat, Type: ir.Type{Param: pt}, Value: tree, Of: of, Pos: pos}}
}
