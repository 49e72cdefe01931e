package dsl

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// UntypedComponent is a component known by its IR interface only, such as
// one loaded from KFP component YAML (sdk/componentyaml). Its inputs and
// outputs are checked by name and type when the pipeline is compiled, and
// each problem is reported at the file:line of the Task call.
type UntypedComponent struct {
	ir *ir.Component
}

// NewUntypedComponent wraps an IR component (container, importer, Go
// pipeline or compiled pipeline) for use in pipelines.
func NewUntypedComponent(c *ir.Component) *UntypedComponent { return &UntypedComponent{ir: c} }

// IR returns the component's graph node.
func (c *UntypedComponent) IR() *ir.Component { return c.ir }

// Name returns the component's name.
func (c *UntypedComponent) Name() string { return c.ir.Name }

// TaskOutputs are the outputs of a task of an UntypedComponent; take typed
// handles from them with OutputParam, OutputArtifact and OutputArtifacts.
type TaskOutputs struct {
	t *ir.Task
	b *Builder
}

// Names lists the output names, sorted.
func (o TaskOutputs) Names() []string {
	var names []string
	if o.t != nil {
		for _, out := range o.t.Component.Outputs {
			names = append(names, out.Name)
		}
	}
	sort.Strings(names)
	return names
}

// Task adds a task running the component. args gives the arguments either
// as a map from input name to value, or as a struct whose handle fields are
// named by `kfp:"name"` tags (field names in snake_case otherwise), like a
// typed component's In struct. A value is a handle (Param, Artifact,
// Artifacts — a pipeline input, a task output, a loop item, Lit), a raw
// *ir.Ref, or a Go literal (string, bool, integers, float64, slices, maps)
// written as the input's constant. Unknown names, mismatched types and
// missing required inputs are reported when the pipeline compiles.
func (c *UntypedComponent) Task(b *Builder, args any) *Task[TaskOutputs] {
	pos := ir.Caller()
	if b == nil {
		panic("dsl: Task called with a nil *Builder")
	}
	b.checkOpen(pos)
	t := &ir.Task{
		Name:      b.uniqueTaskName(K8sName(c.ir.Name)),
		Component: c.ir,
		Args:      map[string]*ir.Ref{},
		Group:     b.g,
		Pos:       pos,
	}
	for name, v := range untypedArgs(b, args, pos, c.ir.Name) {
		r := c.argRef(b, name, v, pos)
		if r == nil {
			continue
		}
		b.checkRef(r, pos, fmt.Sprintf("input %q of task %q", name, t.Name))
		t.Args[name] = r
	}
	b.g.Items = append(b.g.Items, t)
	b.p.Tasks = append(b.p.Tasks, t)
	return &Task[TaskOutputs]{node: t, b: b, Out: TaskOutputs{t: t, b: b}}
}

// untypedArgs flattens a map or handle struct into name → value.
func untypedArgs(b *Builder, args any, pos ir.Pos, comp string) map[string]any {
	out := map[string]any{}
	if args == nil {
		return out
	}
	v := reflect.ValueOf(args)
	switch {
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		for _, k := range v.MapKeys() {
			out[k.String()] = v.MapIndex(k).Interface()
		}
	case v.Kind() == reflect.Struct:
		sig, errs := signatureOf(v.Type(), "input", pos)
		for _, e := range errs {
			b.p.Errors.Add(e)
		}
		for _, f := range sig.Fields {
			h := v.FieldByIndex(f.Index).Interface().(handle)
			if h.irRef() != nil {
				out[f.Name] = h
			}
		}
	default:
		b.errorf(pos, ir.InvalidValue, "pass a map[string]any or a struct of dsl handles",
			"task of component %q: arguments of type %T", comp, args)
	}
	return out
}

// argRef converts one argument to a reference typed as it will be checked.
func (c *UntypedComponent) argRef(b *Builder, name string, v any, pos ir.Pos) *ir.Ref {
	switch x := v.(type) {
	case nil:
		return nil
	case *ir.Ref:
		return x
	case handle:
		r := refOf(x)
		if r == nil && reflect.ValueOf(x).Kind() == reflect.Pointer {
			b.errorf(pos, ir.InvalidValue, "pass a handle bound to a pipeline value (a pipeline input, a task output, a loop item or dsl.Lit), or leave the input out",
				"input %q of component %q: a nil %T is not bound to a pipeline value", name, c.ir.Name, x)
		}
		return r
	}
	in := c.ir.Input(name)
	if in == nil {
		// Let validation report the unknown name with the input list.
		return &ir.Ref{Kind: ir.RefLiteral, Type: ir.Type{Param: literalParamType(v)}, Value: jsonValue(v), Pos: pos}
	}
	if in.Type.IsArtifact() {
		b.errorf(pos, ir.MismatchedType, "pass an artifact handle (a task output, pipeline input or importer)",
			"input %q of component %q is %s but gets the literal %v", name, c.ir.Name, in.Type, v)
		return nil
	}
	lit := jsonValue(v)
	pt := literalParamType(v)
	if pt != in.Type.Param {
		if _, isInt := lit.(int64); !(isInt && in.Type.Param == ir.ParamDouble) {
			b.errorf(pos, ir.MismatchedType, fmt.Sprintf("pass a Go value of KFP type %s", in.Type),
				"input %q of component %q is %s but gets the literal %v (%s)", name, c.ir.Name, in.Type, v, pt)
			return nil
		}
	}
	return &ir.Ref{Kind: ir.RefLiteral, Type: in.Type, Value: lit, Pos: pos}
}

// literalParamType is the KFP parameter type of a Go literal.
func literalParamType(v any) ir.ParamType {
	if v == nil {
		return ir.ParamNone
	}
	return paramTypeOfReflect(reflect.TypeOf(v))
}

// output finds an output and reports a missing one at the caller.
func (o TaskOutputs) output(name string, pos ir.Pos) *ir.Output {
	if o.t == nil {
		return nil
	}
	out := o.t.Component.Output(name)
	if out == nil {
		o.b.errorf(pos, ir.UnknownInput, "use one of the component's outputs: "+strings.Join(o.Names(), ", "),
			"task %q has no output %q", o.t.Name, name)
	}
	return out
}

// OutputParam returns output name of an untyped task as a Param[T]. A
// missing output or a T whose KFP type differs from the output's is reported
// at the caller when the pipeline compiles; the returned handle is then
// unset.
func OutputParam[T ParamValue](o TaskOutputs, name string) Param[T] {
	pos := ir.Caller()
	out := o.output(name, pos)
	if out == nil {
		return Param[T]{}
	}
	want := ir.Type{Param: paramTypeOf[T]()}
	if out.Type.IsArtifact() || out.Type.Param != want.Param {
		o.b.errorf(pos, ir.MismatchedType, fmt.Sprintf("use dsl.OutputParam with a Go type of KFP type %s", out.Type),
			"output %q of task %q is %s, not %s", name, o.t.Name, out.Type, want)
		return Param[T]{}
	}
	return Param[T]{r: &ir.Ref{Kind: ir.RefTaskOutput, Name: name, Type: out.Type, Task: o.t, Pos: pos}}
}

// OutputArtifact returns output name of an untyped task as an Artifact[K];
// a missing output or a kind that KFP would not accept is reported as in
// OutputParam. The handle keeps the output's own schema for later checks.
func OutputArtifact[K Kind](o TaskOutputs, name string) Artifact[K] {
	pos := ir.Caller()
	out := o.output(name, pos)
	if out == nil {
		return Artifact[K]{}
	}
	want := ir.Type{Artifact: artifactTypeOf[K]()}
	if !ir.Assignable(out.Type, want) {
		o.b.errorf(pos, ir.MismatchedType, fmt.Sprintf("use dsl.OutputArtifact with the kind of %s (or dsl.Generic)", out.Type),
			"output %q of task %q is %s, not %s", name, o.t.Name, out.Type, want)
		return Artifact[K]{}
	}
	return Artifact[K]{r: &ir.Ref{Kind: ir.RefTaskOutput, Name: name, Type: out.Type, Task: o.t, Pos: pos}}
}

// OutputArtifacts returns a list-of-artifacts output as Artifacts[K].
func OutputArtifacts[K Kind](o TaskOutputs, name string) Artifacts[K] {
	pos := ir.Caller()
	out := o.output(name, pos)
	if out == nil {
		return Artifacts[K]{}
	}
	want := ir.Type{Artifact: artifactTypeOf[K](), List: true}
	if !ir.Assignable(out.Type, want) {
		o.b.errorf(pos, ir.MismatchedType, fmt.Sprintf("use the kind and list-ness of %s", out.Type),
			"output %q of task %q is %s, not %s", name, o.t.Name, out.Type, want)
		return Artifacts[K]{}
	}
	return Artifacts[K]{r: &ir.Ref{Kind: ir.RefTaskOutput, Name: name, Type: out.Type, Task: o.t, Pos: pos}}
}

// OutputRef returns the raw reference to output name (for tools that wire
// untyped components together), or nil after reporting a missing output.
func (o TaskOutputs) OutputRef(name string) *ir.Ref {
	pos := ir.Caller()
	out := o.output(name, pos)
	if out == nil {
		return nil
	}
	return &ir.Ref{Kind: ir.RefTaskOutput, Name: name, Type: out.Type, Task: o.t, Pos: pos}
}

// UntypedPipeline is a pipeline whose inputs and outputs are given as IR
// definitions rather than Go structs: tools use it to wrap a loaded
// component into a runnable or compilable pipeline. It implements
// PipelineDef but is not added to the Pipelines registry.
type UntypedPipeline struct {
	name    string
	inputs  []*ir.Input
	outputs []*ir.Output
	body    func(b *Builder, in map[string]*ir.Ref) map[string]*ir.Ref
	pos     ir.Pos
	built   *ir.Pipeline
}

// NewUntypedPipeline defines a pipeline with the given inputs and outputs.
// body receives a reference per input and returns the reference feeding each
// output.
func NewUntypedPipeline(name string, inputs []*ir.Input, outputs []*ir.Output, body func(b *Builder, in map[string]*ir.Ref) map[string]*ir.Ref) *UntypedPipeline {
	return &UntypedPipeline{name: name, inputs: inputs, outputs: outputs, body: body, pos: ir.Caller()}
}

// Name returns the pipeline's name.
func (p *UntypedPipeline) Name() string { return p.name }

// Pos returns where the pipeline was defined.
func (p *UntypedPipeline) Pos() ir.Pos { return p.pos }

// Build runs the body once and returns the graph.
func (p *UntypedPipeline) Build() *ir.Pipeline {
	if p.built != nil {
		return p.built
	}
	comp := &ir.Component{Name: p.name, Inputs: p.inputs, Outputs: p.outputs, Pos: p.pos}
	g := &ir.Pipeline{Component: comp, Root: &ir.Group{Kind: ir.GroupRoot, Pos: p.pos, Branch: -1}, Outputs: map[string]*ir.Ref{}}
	comp.Impl = g
	p.built = g
	if !validName.MatchString(p.name) || len(p.name) > 128 {
		g.Errors.Addf(p.pos, ir.InvalidName, `use lower-case letters, digits and dashes, e.g. "car-training"`,
			"pipeline name %q is not a valid KFP pipeline name", p.name)
	}
	b := newBuilder(g)
	in := map[string]*ir.Ref{}
	for _, i := range p.inputs {
		in[i.Name] = &ir.Ref{Kind: ir.RefPipelineInput, Name: i.Name, Type: i.Type, Group: g.Root, Pos: p.pos}
	}
	if p.body == nil {
		return g
	}
	outs := p.body(b, in)
	for _, o := range p.outputs {
		r := outs[o.Name]
		if r == nil {
			g.Errors.Addf(p.pos, ir.MissingInput, "return a reference for every declared output",
				"pipeline %q leaves its output %q unset", p.name, o.Name)
			continue
		}
		b.checkRef(r, p.pos, "pipeline output "+o.Name)
		g.Outputs[o.Name] = r
	}
	liftWorkspace(g)
	return g
}

var (
	_ PipelineDef = (*UntypedPipeline)(nil)
	_ TaskRef     = (*Task[TaskOutputs])(nil)
)

// TaskAs is UntypedComponent.Task with typed outputs: each field of Out
// (a handle struct, as a typed component's Out) is bound to the output of
// the same KFP name. An Out field naming no output, or whose type KFP would
// not accept from that output, is reported at the caller when the pipeline
// compiles.
func TaskAs[Out any](c *UntypedComponent, b *Builder, args any) *Task[Out] {
	pos := ir.Caller()
	ut := c.Task(b, args)
	ut.node.Pos = pos
	for _, a := range ut.node.Args {
		if a.Pos == 0 {
			a.Pos = pos
		}
	}
	task := &Task[Out]{node: ut.node, b: b}
	sig, errs := signatureOf(reflect.TypeFor[Out](), "output", pos)
	for _, e := range errs {
		b.p.Errors.Add(e)
	}
	ov := reflect.ValueOf(&task.Out).Elem()
	for _, f := range sig.Fields {
		out := c.ir.Output(f.Name)
		if out == nil {
			b.errorf(pos, ir.UnknownInput, "name the field after one of the component's outputs: "+strings.Join(ut.Out.Names(), ", "),
				"output field %s: component %q has no output %q", f.GoName, c.ir.Name, f.Name)
			continue
		}
		if !ir.Assignable(out.Type, f.Type) {
			b.errorf(pos, ir.MismatchedType, fmt.Sprintf("declare the field with KFP type %s", out.Type),
				"output field %s: output %q of component %q is %s, not %s", f.GoName, f.Name, c.ir.Name, out.Type, f.Type)
			continue
		}
		ov.FieldByIndex(f.Index).Addr().Interface().(binder).bind(&ir.Ref{Kind: ir.RefTaskOutput, Name: f.Name, Type: out.Type, Task: ut.node, Pos: pos})
	}
	return task
}

// WithName returns a copy of the component under another name (the
// "comp-<name>" key and the task names KFP derives from it), for example
// to give a component loaded from a compiled pipeline, where KFP numbered
// repeated names ("comp-xgboost-predict-2"), its original name back.
// The interface and implementation are shared with c.
func (c *UntypedComponent) WithName(name string) *UntypedComponent {
	cp := *c.ir
	cp.Name = name
	return &UntypedComponent{ir: &cp}
}
