package kfp

import (
	"github.com/kfpgo/kfpgo/compiler/ir"
)

// plan holds what KFP's compiler computes before emitting: the groups in
// emission order, each node's ancestors, and the dependencies between
// sibling nodes (KFP get_all_groups, get_parent_groups, get_dependencies).
type plan struct {
	p *ir.Pipeline
	// allGroups lists the root and every group, parent first, depth first.
	allGroups []*ir.Group
	// ancestors maps a node to its groups from the root down, itself last.
	ancestors map[ir.Node][]ir.Node
	// deps maps a node to the sibling nodes it depends on.
	deps map[ir.Node]map[ir.Node]bool
	// exitTasks are the exit tasks of exit handlers, emitted last.
	exitTasks map[*ir.Task]bool
}

func newPlan(p *ir.Pipeline) *plan {
	pl := &plan{p: p, ancestors: map[ir.Node][]ir.Node{}, deps: map[ir.Node]map[ir.Node]bool{}, exitTasks: map[*ir.Task]bool{}}
	for _, g := range p.Groups {
		if g.Kind == ir.GroupExitHandler && g.ExitTask != nil {
			pl.exitTasks[g.ExitTask] = true
		}
	}
	var walk func(g *ir.Group, chain []ir.Node)
	walk = func(g *ir.Group, chain []ir.Node) {
		pl.allGroups = append(pl.allGroups, g)
		chain = append(chain[:len(chain):len(chain)], g)
		pl.ancestors[g] = chain
		for _, it := range g.Items {
			switch x := it.(type) {
			case *ir.Group:
				walk(x, chain)
			case *ir.Task:
				pl.ancestors[x] = append(chain[:len(chain):len(chain)], x)
			}
		}
	}
	walk(p.Root, nil)
	pl.computeDeps()
	return pl
}

// children returns a group's direct subgroups, then its direct tasks, each
// in creation order, without exit tasks (KFP: group.groups + group.tasks).
func (pl *plan) children(g *ir.Group) []ir.Node {
	var groups, tasks []ir.Node
	for _, it := range g.Items {
		switch x := it.(type) {
		case *ir.Group:
			groups = append(groups, x)
		case *ir.Task:
			if !pl.exitTasks[x] {
				tasks = append(tasks, x)
			}
		}
	}
	return append(groups, tasks...)
}

// upstreamOf lists the tasks (or exit-handler groups) a task depends on:
// producers of its inputs, settings and conditions, and its After list.
func (pl *plan) upstreamOf(t *ir.Task) []ir.Node {
	var out []ir.Node
	seen := map[ir.Node]bool{}
	add := func(n ir.Node) {
		if n != nil && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, r := range taskRefs(t) {
		for _, p := range producers(r) {
			add(p)
		}
	}
	for g := t.Group; g != nil; g = g.Parent {
		for _, r := range groupRefs(g) {
			for _, p := range producers(r) {
				add(p)
			}
		}
	}
	for _, a := range t.After {
		add(a)
	}
	return out
}

// taskRefs lists every reference a task reads.
func taskRefs(t *ir.Task) []*ir.Ref {
	var out []*ir.Ref
	for _, in := range t.Component.Inputs {
		if r, ok := t.Args[in.Name]; ok {
			out = append(out, r)
		}
	}
	res := t.Resources
	for _, r := range []*ir.Ref{res.CPURequest, res.CPULimit, res.MemoryRequest, res.MemoryLimit, res.AcceleratorType, res.AcceleratorCount, t.Image} {
		if r != nil {
			out = append(out, r)
		}
	}
	for _, r := range t.PlatformRefs {
		out = append(out, r)
	}
	return out
}

// groupRefs lists the references a group itself reads (its condition
// operands, its loop list).
func groupRefs(g *ir.Group) []*ir.Ref {
	var out []*ir.Ref
	if g.Cond != nil {
		out = append(out, g.Cond.Left, g.Cond.Right)
	}
	for _, c := range g.Prior {
		out = append(out, c.Left, c.Right)
	}
	if g.LoopOver != nil {
		out = append(out, g.LoopOver)
	}
	return out
}

// producers returns the tasks whose outputs a reference reads directly
// (KFP: channel.task).
func producers(r *ir.Ref) []ir.Node {
	if r == nil {
		return nil
	}
	switch r.Kind {
	case ir.RefTaskOutput:
		return []ir.Node{r.Task}
	case ir.RefCollected, ir.RefOneOf:
		var out []ir.Node
		for _, o := range r.Of {
			out = append(out, producers(o)...)
		}
		return out
	}
	return nil
}

// computeDeps applies KFP's rule: a dependency exists between the first
// uncommon ancestors of the two tasks.
func (pl *plan) computeDeps() {
	for _, t := range pl.p.Tasks {
		for _, up := range pl.upstreamOf(t) {
			ua, da := pl.uncommon(up, t)
			if len(ua) == 0 || len(da) == 0 {
				continue
			}
			m := pl.deps[da[0]]
			if m == nil {
				m = map[ir.Node]bool{}
				pl.deps[da[0]] = m
			}
			m[ua[0]] = true
		}
	}
}

// uncommon returns the ancestor chains of a and b below their deepest
// common ancestor.
func (pl *plan) uncommon(a, b ir.Node) ([]ir.Node, []ir.Node) {
	ca, cb := pl.ancestors[a], pl.ancestors[b]
	i := 0
	for i < len(ca) && i < len(cb) && ca[i] == cb[i] {
		i++
	}
	return ca[i:], cb[i:]
}
