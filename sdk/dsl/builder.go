package dsl

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// Builder records the tasks and groups of one pipeline while its body
// function runs. Every DSL call takes it first; control-flow helpers (If,
// ParallelFor, ExitHandler) pass the body a Builder scoped to their group.
type Builder struct {
	p  *ir.Pipeline
	g  *ir.Group
	st *buildState
	// closed is set once the body this Builder was given has returned;
	// adding to its group after that is an error.
	closed bool
}

type buildState struct {
	// taskNames holds used task names and, per base name, the next index to
	// try, so uniquifying stays linear (KFP probes quadratically).
	taskNames map[string]bool
	nextIndex map[string]int
	groupID   int
	// oneOfs numbers the OneOf values of each If/Elif/Else chain.
	oneOfs map[*ir.Group]int
	// building lists the pipelines whose bodies are running, outermost
	// first, this builder's own pipeline last (nested pipelines are built
	// while their parent's body runs).
	building []*ir.Component
}

func newBuilder(p *ir.Pipeline) *Builder {
	return &Builder{p: p, g: p.Root, st: &buildState{taskNames: map[string]bool{}, nextIndex: map[string]int{}}}
}

// Pipeline returns the pipeline being built.
func (b *Builder) Pipeline() *ir.Pipeline { return b.p }

// Group returns the group the builder adds to.
func (b *Builder) Group() *ir.Group { return b.g }

// Errorf records a positioned error at the caller of the DSL function.
func (b *Builder) errorf(pos ir.Pos, code ir.Code, hint, format string, args ...any) {
	b.p.Errors.Addf(pos, code, hint, format, args...)
}

// checkOpen reports a Builder used after the body it was passed to
// returned (e.g. captured by a closure inside an If body and called
// later): tasks added through it would silently join the closed group.
func (b *Builder) checkOpen(pos ir.Pos) {
	if b.closed {
		b.errorf(pos, ir.InvalidControlFlow, "call the DSL with the Builder of the body being run (the b argument of the enclosing function)",
			"this Builder belongs to the body of %s, which has returned; use the Builder of the enclosing body", b.g.Name)
	}
}

// uniqueTaskName returns name made unique within the pipeline by KFP's rule
// (make_name_unique_by_adding_index: name, name-2, name-3, …).
func (b *Builder) uniqueTaskName(base string) string {
	if base == "" {
		base = "task"
	}
	if !b.st.taskNames[base] {
		b.st.taskNames[base] = true
		return base
	}
	i := b.st.nextIndex[base]
	if i < 2 {
		i = 2
	}
	for {
		n := base + "-" + strconv.Itoa(i)
		i++
		if !b.st.taskNames[n] {
			b.st.nextIndex[base] = i
			b.st.taskNames[n] = true
			return n
		}
	}
}

// newGroup opens a group of kind k under the current group, named as KFP
// names it ("condition-3": kind and a pipeline-wide counter).
func (b *Builder) newGroup(k ir.GroupKind, pos ir.Pos) (*ir.Group, *Builder) {
	b.checkOpen(pos)
	b.st.groupID++
	g := &ir.Group{Kind: k, Name: fmt.Sprintf("%s-%d", k, b.st.groupID), Parent: b.g, Pos: pos, Branch: -1}
	b.g.Items = append(b.g.Items, g)
	b.p.Groups = append(b.p.Groups, g)
	return g, &Builder{p: b.p, g: g, st: b.st}
}

// addTask creates a task of comp in the current group and binds its
// arguments from the In struct value in (via sig).
func (b *Builder) addTask(comp *ir.Component, sig *Signature, in reflect.Value, pos ir.Pos) *ir.Task {
	b.checkOpen(pos)
	t := &ir.Task{
		Name:      b.uniqueTaskName(K8sName(comp.Name)),
		Component: comp,
		Args:      make(map[string]*ir.Ref, len(sig.Fields)),
		Group:     b.g,
		Pos:       pos,
	}
	for _, f := range sig.Fields {
		h := in.FieldByIndex(f.Index).Interface().(handle)
		r := h.irRef()
		if r == nil {
			continue
		}
		b.checkRef(r, pos, fmt.Sprintf("input %q of task %q", f.Name, t.Name))
		t.Args[f.Name] = r
	}
	b.g.Items = append(b.g.Items, t)
	b.p.Tasks = append(b.p.Tasks, t)
	return t
}

// checkRef reports references that cannot be used in this pipeline.
func (b *Builder) checkRef(r *ir.Ref, pos ir.Pos, what string) {
	switch r.Kind {
	case ir.RefComponentInput, ir.RefComponentOutput:
		b.errorf(pos, ir.ForeignTask, "pass a pipeline input, a task output or dsl.Lit(value)",
			"%s: a component's own input/output handle cannot be used as a task argument", what)
	case ir.RefPipelineInput:
		if r.Group != b.p.Root {
			b.errorf(pos, ir.ForeignTask, "use the inputs of the pipeline being built (the in argument of its body)",
				"%s: input %q belongs to another pipeline", what, r.Name)
		}
	case ir.RefFormat:
		for _, o := range r.Of {
			b.checkRef(o, pos, what)
		}
	case ir.RefTaskOutput:
		if !b.owns(r.Task) {
			b.errorf(pos, ir.ForeignTask, "use tasks created with this pipeline's Builder",
				"%s: task %q belongs to another pipeline", what, r.Task.Name)
		}
	}
}

func (b *Builder) owns(t *ir.Task) bool {
	g := t.Group
	for g != nil && g.Parent != nil {
		g = g.Parent
	}
	return g == b.p.Root
}

// bindOutputs fills an Out struct with references to the outputs of t.
func bindOutputs(sig *Signature, out reflect.Value, t *ir.Task) {
	for _, f := range sig.Fields {
		out.FieldByIndex(f.Index).Addr().Interface().(binder).bind(&ir.Ref{Kind: ir.RefTaskOutput, Name: f.Name, Type: f.Type, Task: t})
	}
}

// newTask is the shared body of Component.Task and Pipeline.Task.
func newTask[In, Out any](b *Builder, comp *ir.Component, inSig, outSig *Signature, in In, pos ir.Pos) *Task[Out] {
	t := b.addTask(comp, inSig, reflect.ValueOf(in), pos)
	task := &Task[Out]{node: t, b: b}
	bindOutputs(outSig, reflect.ValueOf(&task.Out).Elem(), t)
	return task
}

// Task adds a task running the component to the builder's current group.
// in gives the arguments: each handle field set to a pipeline input, a task
// output, a loop item or dsl.Lit(v); unset fields take the component's
// default or stay unset when optional.
func (c *Component[In, Out]) Task(b *Builder, in In) *Task[Out] {
	pos := ir.Caller()
	if b == nil {
		panic("dsl: Task called with a nil *Builder")
	}
	for _, e := range c.errors {
		b.p.Errors.Add(e)
	}
	return newTask[In, Out](b, c.ir, c.in, c.out, in, pos)
}
