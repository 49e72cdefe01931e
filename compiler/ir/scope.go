package ir

import (
	"fmt"
	"strings"
)

// checkScopes reports KFP's scoping rules as positioned errors: a value
// made inside a ParallelFor, a condition or an exit handler cannot be read
// (nor, for conditions and exit handlers, waited for with After) from
// outside it except through Collected (loops) or OneOf (If/Elif/Else); a
// loop item exists only inside its loop; PipelineTaskFinalStatus belongs
// to exit tasks and ignore-upstream-failure tasks; a task that ignores
// upstream failures needs defaults for its upstream-fed inputs.
func checkScopes(p *Pipeline, errs *ErrorList) {
	exit := map[*Task]bool{}
	for _, g := range p.Groups {
		if g.Kind == GroupExitHandler && g.ExitTask != nil {
			exit[g.ExitTask] = true
		}
	}
	for _, t := range p.Tasks {
		where := t.Group
		if exit[t] {
			where = p.Root
		}
		for _, in := range t.Component.Inputs {
			r, ok := t.Args[in.Name]
			if !ok {
				if in.Type.Param == ParamTaskFinalStatus && !exit[t] && !t.IgnoreUpstreamFailure {
					errs.Addf(t.Pos, InvalidControlFlow, "use the component as the exit task of dsl.ExitHandler, or call IgnoreUpstreamFailure on the task",
						"task %q: input %q is a PipelineTaskFinalStatus, which only exit tasks and tasks that ignore upstream failures receive", t.Name, in.Name)
				}
				continue
			}
			checkRef(r, where, t.Pos, func() string { return fmt.Sprintf("task %q, input %q", t.Name, in.Name) }, errs)
			if t.IgnoreUpstreamFailure && !in.HasDefault && fedByTask(r) {
				errs.Addf(t.Pos, InvalidControlFlow, fmt.Sprintf("give input %q a default (`default:\"…\"` tag) so the task can run when its producer failed", in.Name),
					"task %q ignores upstream failures, but its input %q comes from an upstream task and has no default", t.Name, in.Name)
			}
		}
		for _, r := range []*Ref{t.Resources.CPURequest, t.Resources.CPULimit, t.Resources.MemoryRequest, t.Resources.MemoryLimit,
			t.Resources.AcceleratorType, t.Resources.AcceleratorCount, t.Image} {
			if r != nil {
				checkRef(r, where, t.Pos, func() string { return fmt.Sprintf("task %q setting", t.Name) }, errs)
			}
		}
		for _, a := range t.After {
			if g := escapingGroup(a.Group, where); g != nil && g.Kind != GroupLoop {
				errs.Addf(t.Pos, OutOfScope, fmt.Sprintf("move task %q inside %s too", t.Name, g.Name),
					"task %q runs After task %q, which is inside %s %s; a task outside it cannot depend on it", t.Name, a.Name, kindName(g), g.Name)
			}
		}
	}
	for _, g := range p.Groups {
		if g.Parent == nil {
			continue
		}
		for _, c := range append(append([]*Cond(nil), g.Prior...), g.Cond) {
			if c == nil {
				continue
			}
			for _, r := range []*Ref{c.Left, c.Right} {
				if r != nil {
					checkRef(r, g.Parent, g.Pos, func() string { return "condition of " + g.Name }, errs)
				}
			}
		}
		if g.LoopOver != nil {
			checkRef(g.LoopOver, g.Parent, g.Pos, func() string { return "items of " + g.Name }, errs)
		}
	}
	for name, r := range p.Outputs {
		checkRef(r, p.Root, p.Component.Pos, func() string { return fmt.Sprintf("pipeline output %q", name) }, errs)
		if r.Kind == RefLoopItem {
			errs.Addf(p.Component.Pos, OutOfScope, "return a task output or a Collected value", "pipeline output %q is a loop item", name)
		}
	}
}

// fedByTask reports whether a reference reads a task's output.
func fedByTask(r *Ref) bool {
	switch r.Kind {
	case RefTaskOutput, RefCollected, RefOneOf:
		return true
	case RefFormat:
		for _, o := range r.Of {
			if fedByTask(o) {
				return true
			}
		}
		return false
	case RefLoopItem:
		return r.Group != nil && r.Group.LoopOver != nil && fedByTask(r.Group.LoopOver)
	}
	return false
}

func kindName(g *Group) string {
	switch g.Kind {
	case GroupLoop:
		return "ParallelFor"
	case GroupCondition:
		return "If/Elif/Else branch"
	case GroupExitHandler:
		return "ExitHandler"
	case GroupBranches:
		return "If/Elif/Else chain"
	}
	return "group"
}

// escapingGroup returns the outermost group that contains from but not
// to (nil when from is to or one of its ancestors). It is nil as well when
// from belongs to another pipeline (no common root): the builder reports
// such a reference as ForeignTask at the DSL call, and no group of this
// pipeline could be named in a message.
func escapingGroup(from, to *Group) *Group {
	var out *Group
	for g := from; g != nil && !within(to, g); g = g.Parent {
		out = g
	}
	if out != nil && out.Parent == nil {
		return nil
	}
	return out
}

func within(g, outer *Group) bool {
	for x := g; x != nil; x = x.Parent {
		if x == outer {
			return true
		}
	}
	return false
}

// checkRef checks one reference read at group where; what names the
// reader in messages (built only when there is an error).
func checkRef(r *Ref, where *Group, pos Pos, what func() string, errs *ErrorList) {
	switch r.Kind {
	case RefInvalid:
		msg := r.Name
		if msg == "" {
			msg = "invalid value"
		}
		errs.Addf(pos, InvalidControlFlow, invalidHint(msg), "%s: %s", what(), msg)
	case RefTaskOutput:
		if r.Task == nil {
			return
		}
		if g := escapingGroup(r.Task.Group, where); g != nil {
			hint := fmt.Sprintf("move the consumer inside %s, or use dsl.OneOf over one output per branch of an If/Elif/Else chain", g.Name)
			if g.Kind == GroupLoop {
				hint = "fan the values in with dsl.Collected (or dsl.CollectedArtifacts)"
			}
			errs.Addf(pos, OutOfScope, hint, "%s reads output %q of task %q, which runs inside %s %s", what(), r.Name, r.Task.Name, kindName(g), g.Name)
		}
	case RefFormat:
		for _, o := range r.Of {
			checkRef(o, where, pos, what, errs)
		}
	case RefLoopItem:
		if r.Group != nil && !within(where, r.Group) {
			errs.Addf(pos, OutOfScope, "use the loop item only inside the ParallelFor body", "%s reads the item of %s outside that loop", what(), r.Group.Name)
		}
	case RefCollected:
		if len(r.Of) == 0 || r.Of[0] == nil || r.Of[0].Kind != RefTaskOutput || r.Of[0].Task == nil {
			errs.Addf(pos, InvalidControlFlow, "pass an output of a task inside a ParallelFor", "%s: Collected of something that is not a task output", what())
			return
		}
		if r.Name != "" {
			errs.Addf(pos, MismatchedType, "collect into a list of the output's type", "%s: %s", what(), r.Name)
		}
		prod := r.Of[0].Task
		g := escapingGroup(prod.Group, where)
		if g == nil || !hasLoop(prod.Group, g) {
			errs.Addf(pos, InvalidControlFlow, "use Collected only after the loop that produces the value, outside it",
				"%s: Collected of task %q, which is not inside a ParallelFor that excludes the consumer", what(), prod.Name)
			return
		}
		if g.Kind != GroupLoop {
			errs.Addf(pos, OutOfScope, fmt.Sprintf("move the consumer inside %s too", g.Name),
				"%s: Collected of task %q, whose loop is inside %s %s that does not contain the consumer", what(), prod.Name, kindName(g), g.Name)
		}
	case RefOneOf:
		if r.Group != nil && within(where, r.Group) {
			errs.Addf(pos, OutOfScope, "use the OneOf value after the If/Elif/Else chain", "%s reads a OneOf inside its own If/Elif/Else chain %s", what(), r.Group.Name)
		}
	}
}

// invalidHint says how to fix the value behind an invalid reference,
// from the DSL call named at the start of its message.
func invalidHint(msg string) string {
	switch {
	case strings.HasPrefix(msg, "Compose:"):
		return "build the value from strings, numbers, booleans, nil, slices, maps with string keys and handles bound to pipeline values, with no value inside itself"
	case strings.HasPrefix(msg, "Format part"):
		return "pass Go strings and parameter handles bound to pipeline values (inputs, task outputs, loop items, Lit)"
	}
	return ""
}

// hasLoop reports whether a loop lies on the chain from g up to top.
func hasLoop(g, top *Group) bool {
	for x := g; x != nil; x = x.Parent {
		if x.Kind == GroupLoop {
			return true
		}
		if x == top {
			break
		}
	}
	return false
}
