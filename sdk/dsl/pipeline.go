package dsl

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Pipeline is a typed pipeline definition. In gives its inputs (with
// `default:"…"` tags for defaults) and Out its outputs. The body runs once,
// lazily, when the pipeline is first built (Build, compile, or use as a
// nested pipeline).
type Pipeline[In, Out any] struct {
	name   string
	body   func(b *Builder, in In) Out
	o      options
	in     *Signature
	out    *Signature
	pos    ir.Pos
	comp   *ir.Component
	errors ir.ErrorList

	once  sync.Once
	built *ir.Pipeline
}

// PipelineDef is the untyped view of a pipeline definition, as the compiler
// and the registry see it.
type PipelineDef interface {
	// Name is the pipeline's name (KFP pipelineInfo.name).
	Name() string
	// Build runs the body once and returns the graph; errors found while
	// building are in the returned pipeline's Errors.
	Build() *ir.Pipeline
	// Pos is where the pipeline was defined.
	Pos() ir.Pos
}

// NewPipeline defines a pipeline and registers it by name, so `kfpgo
// compile ./pkg` finds it. name must be a valid KFP pipeline name (lower
// case letters, digits and dashes); an invalid or duplicate name is reported
// when the pipeline is compiled.
//
//	var Hello = dsl.NewPipeline("hello", func(b *dsl.Builder, in HelloIn) struct{} {
//		Echo.Task(b, EchoIn{Text: in.Message})
//		return struct{}{}
//	})
func NewPipeline[In, Out any](name string, body func(b *Builder, in In) Out, opts ...Option) *Pipeline[In, Out] {
	pos := ir.Caller()
	p := &Pipeline[In, Out]{name: name, body: body, o: applyOptions(opts), pos: pos}
	var errs ir.ErrorList
	p.in, errs = signatureOf(reflect.TypeFor[In](), "input", pos)
	p.errors = append(p.errors, errs...)
	p.out, errs = signatureOf(reflect.TypeFor[Out](), "output", pos)
	p.errors = append(p.errors, errs...)
	if !validName.MatchString(name) || len(name) > 128 {
		p.errors.Addf(pos, ir.InvalidName, `use lower-case letters, digits and dashes, starting and ending with a letter or digit, e.g. "car-training"`,
			"pipeline name %q is not a valid KFP pipeline name", name)
	}
	if body == nil {
		p.errors.Addf(pos, ir.InvalidValue, "pass the function that adds the pipeline's tasks", "pipeline %q has no body", name)
	}
	if ws := p.o.workspace; ws != nil && !ValidWorkspaceSize(ws.Size) {
		p.errors.Addf(pos, ir.InvalidValue, `give a Kubernetes quantity such as "10Gi", "500Mi" or "1Ti"`,
			"pipeline %q: workspace size %q is not a valid size", name, ws.Size)
	}
	p.comp = &ir.Component{Name: name, Description: p.o.description, Inputs: p.in.irInputs(), Outputs: p.out.irOutputs(), Pos: pos}
	register(p)
	return p
}

// Name returns the pipeline's name.
func (p *Pipeline[In, Out]) Name() string { return p.name }

// Pos returns where the pipeline was defined.
func (p *Pipeline[In, Out]) Pos() ir.Pos { return p.pos }

// IR returns the pipeline as a component (built on first use).
func (p *Pipeline[In, Out]) IR() *ir.Component {
	p.Build()
	return p.comp
}

// Build runs the body once and returns the pipeline graph.
func (p *Pipeline[In, Out]) Build() *ir.Pipeline { return p.build(nil) }

// build runs the body once; within lists the pipelines whose bodies are
// running and led to this build (outermost first), so that a body that uses
// one of them as a task is reported (Task) rather than built again, which
// would wait on itself forever.
func (p *Pipeline[In, Out]) build(within []*ir.Component) *ir.Pipeline {
	p.once.Do(func() {
		g := &ir.Pipeline{Component: p.comp, Root: &ir.Group{Kind: ir.GroupRoot, Pos: p.pos, Branch: -1}, Outputs: map[string]*ir.Ref{},
			DisplayName: p.o.displayName, DefaultPipelineRoot: p.o.root, Workspace: p.o.irWorkspace(), ParameterDefaults: maps.Clone(p.o.paramDefs)}
		g.Errors = append(g.Errors, p.errors...)
		for _, name := range slices.Sorted(maps.Keys(p.o.paramDefs)) {
			if f := p.in.Field(name); f == nil || f.Type.IsArtifact() || f.Type.Param == ir.ParamTaskFinalStatus {
				g.Errors.Addf(p.pos, ir.UnknownInput, "name a parameter input of the pipeline (its kfp tag)",
					"CompiledDefaults names %q, which is not a parameter input of pipeline %q", name, p.name)
				delete(g.ParameterDefaults, name)
			}
		}
		p.comp.Impl = g
		p.built = g
		if p.body == nil {
			return
		}
		b := newBuilder(g)
		b.st.building = append(within[:len(within):len(within)], p.comp)
		var in In
		iv := reflect.ValueOf(&in).Elem()
		for _, f := range p.in.Fields {
			iv.FieldByIndex(f.Index).Addr().Interface().(binder).bind(&ir.Ref{Kind: ir.RefPipelineInput, Name: f.Name, Type: f.Type, Group: g.Root, Pos: p.pos})
		}
		out := p.body(b, in)
		ov := reflect.ValueOf(&out).Elem()
		for _, f := range p.out.Fields {
			r := ov.FieldByIndex(f.Index).Interface().(handle).irRef()
			if r == nil {
				g.Errors.Addf(p.pos, ir.MissingInput, "return a task output (or a Collected/OneOf value) in that field",
					"pipeline %q leaves its output %q unset", p.name, f.Name)
				continue
			}
			b.checkRef(r, p.pos, "pipeline output "+f.Name)
			g.Outputs[f.Name] = r
		}
		liftWorkspace(g)
	})
	return p.built
}

// Task uses the pipeline as a component of another pipeline (a nested
// pipeline): it adds a task to b whose outputs are this pipeline's outputs.
func (p *Pipeline[In, Out]) Task(b *Builder, in In) *Task[Out] {
	pos := ir.Caller()
	if b == nil {
		panic("dsl: Task called with a nil *Builder")
	}
	for i, c := range b.st.building {
		if c != p.comp {
			continue
		}
		var path []string
		for _, x := range b.st.building[i:] {
			path = append(path, strconv.Quote(x.Name))
		}
		path = append(path, strconv.Quote(p.name))
		if len(path) == 2 {
			b.errorf(pos, ir.Cycle, "a pipeline cannot contain itself: KFP has no recursion; repeat the work with a Go loop or a ParallelFor",
				"pipeline %q uses itself as a task", p.name)
		} else {
			b.errorf(pos, ir.Cycle, "a pipeline cannot contain itself: KFP has no recursion; remove one of these nested pipeline tasks",
				"pipeline %q uses itself as a task through nested pipelines: %s", p.name, strings.Join(path, " → "))
		}
		return newTask[In, Out](b, p.comp, p.in, p.out, in, pos)
	}
	p.build(b.st.building)
	for _, e := range p.built.Errors {
		b.p.Errors.Add(e)
	}
	return newTask[In, Out](b, p.comp, p.in, p.out, in, pos)
}

var (
	registryMu sync.Mutex
	registry   []PipelineDef
)

func register(p PipelineDef) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry = append(registry, p)
}

// Pipelines returns every pipeline defined with NewPipeline in this
// program, sorted by name (definition order among equal names). This is the
// registry that `kfpgo compile ./pkg` walks, a name-keyed registry like
// database/sql's drivers.
func Pipelines() []PipelineDef {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := append([]PipelineDef(nil), registry...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// LookupPipeline returns the registered pipeline named name.
func LookupPipeline(name string) (PipelineDef, bool) {
	for _, p := range Pipelines() {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}
