package ir

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Validate checks a built pipeline before any back end runs: the errors the
// DSL recorded while building, then missing and unknown inputs, type
// mismatches, cycles, and references that escape their scope. Nested
// pipelines are validated too. It returns every problem found, sorted by
// position (nil when the pipeline is valid).
func Validate(p *Pipeline) ErrorList {
	v := &validator{seen: map[*Pipeline]bool{}}
	v.pipeline(p)
	v.errs.Sort()
	return v.errs
}

type validator struct {
	errs ErrorList
	seen map[*Pipeline]bool
}

func (v *validator) pipeline(p *Pipeline) {
	if v.seen[p] {
		return
	}
	v.seen[p] = true
	v.errs = append(v.errs, p.Errors...)
	for _, t := range p.Tasks {
		v.task(p, t)
		if sub, ok := t.Component.Impl.(*Pipeline); ok {
			v.pipeline(sub)
		}
	}
	v.cycles(p)
	checkScopes(p, &v.errs)
	v.literals(p)
	v.groups(p)
	v.platform(p)
}

// platform reports the errors recorded while Kubernetes options were set
// and checks that the references they take are in scope where the task
// runs (an exit task runs at the pipeline's top level).
func (v *validator) platform(p *Pipeline) {
	exit := map[*Task]bool{}
	for _, g := range p.Groups {
		if g.Kind == GroupExitHandler && g.ExitTask != nil {
			exit[g.ExitTask] = true
		}
	}
	for _, t := range p.Tasks {
		v.errs = append(v.errs, t.Errors...)
		where := t.Group
		if exit[t] {
			where = p.Root
		}
		for _, key := range sortedRefKeys(t.PlatformRefs) {
			r := t.PlatformRefs[key]
			pos := t.PlatformPos[key[:strings.IndexAny(key+".", "[.")]]
			if !pos.IsValid() {
				pos = t.Pos
			}
			checkRef(r, where, pos, func() string { return fmt.Sprintf("task %q, Kubernetes option %s", t.Name, key) }, &v.errs)
		}
	}
}

// groups reports loop settings outside their domain: a negative
// Parallelism, or one beyond KFP's int32 parallelismLimit.
func (v *validator) groups(p *Pipeline) {
	for _, g := range p.Groups {
		if g.Parallelism < 0 || g.Parallelism > math.MaxInt32 {
			v.errs.Addf(g.Pos, InvalidValue, "pass dsl.Parallelism(n) with n > 0 to limit the iterations run at once, or 0 (the default) for no limit",
				"%s: Parallelism(%d) is out of range (0 to %d)", g.Name, g.Parallelism, math.MaxInt32)
		}
	}
}

func sortedRefKeys(m map[string]*Ref) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (v *validator) task(p *Pipeline, t *Task) {
	c := t.Component
	for _, in := range c.Inputs {
		r, ok := t.Args[in.Name]
		if !ok {
			if !in.Optional && !in.HasDefault && in.Type.Param != ParamTaskFinalStatus {
				v.errs.Addf(t.Pos, MissingInput, fmt.Sprintf("set the %s field of the task's input struct", in.Name),
					"task %q: required input %q (%s) of component %q is not set", t.Name, in.Name, in.Type, c.Name)
			}
			continue
		}
		if r.Kind == RefTaskFinalStatus || r.Type.Param == ParamTaskFinalStatus {
			continue
		}
		if !Assignable(r.Type, in.Type) && !literalFits(r, in.Type) {
			v.errs.Addf(t.Pos, MismatchedType, "wire a value of the input's type (KFP matches parameter types exactly; artifacts by schema title and major version)",
				"task %q: input %q of component %q is %s but gets %s from %s", t.Name, in.Name, c.Name, in.Type, r.Type, describe(r))
		}
	}
	for name := range t.Args {
		if c.Input(name) == nil {
			v.errs.Addf(t.Pos, UnknownInput, "check the component's input names: "+inputNames(c),
				"task %q: component %q has no input %q", t.Name, c.Name, name)
		}
	}
}

// literalFits allows an integer literal where a float is expected (KFP
// accepts 1 for a float input).
func literalFits(r *Ref, t Type) bool {
	if r.Kind != RefLiteral || t.IsArtifact() {
		return false
	}
	_, isInt := r.Value.(int64)
	return isInt && t.Param == ParamDouble
}

func inputNames(c *Component) string {
	var names []string
	for _, in := range c.Inputs {
		names = append(names, in.Name)
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func describe(r *Ref) string {
	switch r.Kind {
	case RefLiteral:
		return fmt.Sprintf("literal %v", r.Value)
	case RefPipelineInput:
		return fmt.Sprintf("pipeline input %q", r.Name)
	case RefTaskOutput:
		return fmt.Sprintf("output %q of task %q", r.Name, r.Task.Name)
	case RefLoopItem:
		return "a loop item"
	case RefCollected:
		return "a Collected value"
	case RefOneOf:
		return "a OneOf value"
	case RefFormat:
		return "a formatted string"
	}
	return "a value"
}

// cycles reports dependency cycles among a pipeline's tasks (data edges
// and After edges), naming the tasks on the cycle.
func (v *validator) cycles(p *Pipeline) {
	const (
		white = iota
		grey
		black
	)
	color := map[*Task]int{}
	var stack []*Task
	var visit func(t *Task) bool
	visit = func(t *Task) bool {
		color[t] = grey
		stack = append(stack, t)
		for _, up := range upstreamTasks(t) {
			switch color[up] {
			case grey:
				var names []string
				start := 0
				for i, s := range stack {
					if s == up {
						start = i
					}
				}
				for _, s := range stack[start:] {
					names = append(names, s.Name)
				}
				names = append(names, up.Name)
				v.errs.Addf(t.Pos, Cycle, "remove one of the After calls or data dependencies on the cycle",
					"tasks form a cycle: %s", strings.Join(names, " -> "))
				return true
			case white:
				if visit(up) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[t] = black
		return false
	}
	for _, t := range p.Tasks {
		if color[t] == white {
			if visit(t) {
				return
			}
		}
	}
}

// upstreamTasks lists the tasks t reads from or is ordered after.
func upstreamTasks(t *Task) []*Task {
	var out []*Task
	var add func(r *Ref)
	add = func(r *Ref) {
		if r == nil {
			return
		}
		if r.Kind == RefTaskOutput && r.Task != nil {
			out = append(out, r.Task)
		}
		for _, o := range r.Of {
			add(o)
		}
	}
	for _, in := range t.Component.Inputs {
		add(t.Args[in.Name])
	}
	for _, k := range sortedRefKeys(t.PlatformRefs) {
		add(t.PlatformRefs[k])
	}
	out = append(out, t.After...)
	return out
}
