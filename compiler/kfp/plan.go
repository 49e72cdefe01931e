package kfp

import (
	"sort"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// plan holds what KFP's compiler computes before emitting (compiler_utils.py):
// the groups in emission order (get_all_groups), each node's ancestors
// (get_parent_groups), the channels that enter each group
// (get_inputs_for_all_groups), the outputs each group surfaces for Collected
// and OneOf values (get_outputs_for_all_groups) and the dependencies between
// sibling nodes (get_dependencies).
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
	// inputs lists, per group, the channels its DAG receives, in the order
	// they were found, without duplicates.
	inputs map[*ir.Group][]*channel
	// outputs lists, per group, the outputs it surfaces (Collected and
	// OneOf values), by output name.
	outputs map[*ir.Group]map[string]*channel
	// outOrder keeps the output names of each group in insertion order.
	outOrder map[*ir.Group][]string
	// collected maps a Collected reference to the channel its consumer
	// reads after surfacing.
	collected map[*ir.Ref]*channel
	// rootOutputs are the pipeline outputs after surfacing.
	rootOutputs map[string]*channel
	// oneOfs maps a OneOf reference to its channel after surfacing.
	oneOfs map[*ir.Ref]*channel
}

func newPlan(p *ir.Pipeline) *plan {
	pl := &plan{p: p, ancestors: map[ir.Node][]ir.Node{}, deps: map[ir.Node]map[ir.Node]bool{}, exitTasks: map[*ir.Task]bool{},
		inputs: map[*ir.Group][]*channel{}, outputs: map[*ir.Group]map[string]*channel{}, outOrder: map[*ir.Group][]string{},
		collected: map[*ir.Ref]*channel{}, rootOutputs: map[string]*channel{}, oneOfs: map[*ir.Ref]*channel{}}
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
				if !pl.exitTasks[x] {
					pl.ancestors[x] = append(chain[:len(chain):len(chain)], x)
				}
			}
		}
	}
	walk(p.Root, nil)
	pl.computeInputs()
	pl.computeOutputs()
	pl.renameSurfacedInputs()
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

// chanKind tells the flavours of KFP pipeline channels apart.
type chanKind int

const (
	chPlain     chanKind = iota // pipeline input or task output
	chLoopArg                   // LoopParameterArgument / LoopArtifactArgument
	chLoopVar                   // LoopArgumentVariable (a field of an object loop item)
	chCollected                 // dsl.Collected
	chOneOf                     // dsl.OneOf
)

// channel is KFP's PipelineChannel as the compiler sees it: a name, the
// producing task or group (empty for pipeline inputs and literal loops) and
// a type.
type channel struct {
	kind chanKind
	name string
	task string
	// producer is KFP's channel.task: the producing task, or the If/Elif/Else
	// chain of a OneOf; nil for pipeline inputs and literal-list loops.
	producer ir.Node
	typ      ir.Type
	// loop is the loop of a loop argument or variable; subvar the field.
	loop      *ir.Group
	subvar    string
	withItems bool
	ref       *ir.Ref
	// branches are the inner channels of a OneOf after surfacing.
	branches []*channel
}

func (c *channel) fullName() string {
	if c.task != "" {
		return c.task + "-" + c.name
	}
	return c.name
}

// inputName is KFP's additional_input_name_for_pipeline_channel.
func (c *channel) inputName() string { return "pipelinechannel--" + c.fullName() }

func (c *channel) isArtifact() bool { return c.typ.IsArtifact() }

// key identifies a channel as KFP's pattern does (task, name, type).
func (c *channel) key() string {
	k := c.task + "\x00" + c.name
	if c.isArtifact() {
		k += "\x00a"
	}
	return k
}

// loopArg returns the loop argument channel of loop g (KFP
// ParallelFor.loop_argument).
func loopArg(g *ir.Group) *channel {
	c := &channel{kind: chLoopArg, loop: g}
	if g.Item != nil {
		c.typ = g.Item.Type
	}
	over := g.LoopOver
	if over == nil || over.Kind == ir.RefLiteral {
		c.withItems = true
		c.name = loopItemName(g)
		if c.typ.Param == ir.ParamNone && !c.typ.IsArtifact() {
			c.typ = ir.Type{Param: literalItemType(over)}
		}
		return c
	}
	items := refChannel(over)
	c.name = items.name + "-loop-item"
	c.task = items.task
	c.producer = items.producer
	if items.isArtifact() {
		c.typ = ir.Type{Artifact: items.typ.Artifact}
	}
	return c
}

// itemsChannel returns the channel a loop iterates over, nil for a literal.
func itemsChannel(g *ir.Group) *channel {
	if g.LoopOver == nil || g.LoopOver.Kind == ir.RefLiteral {
		return nil
	}
	return refChannel(g.LoopOver)
}

// literalItemType is the parameter type KFP gives the items of a literal
// list: the Python type of the first element (a dict is a STRUCT).
func literalItemType(r *ir.Ref) ir.ParamType {
	if r == nil {
		return ir.ParamString
	}
	l, _ := r.Value.([]any)
	if len(l) == 0 {
		return ir.ParamString
	}
	return valueParamType(l[0])
}

func valueParamType(v any) ir.ParamType {
	switch v.(type) {
	case string:
		return ir.ParamString
	case int64, int:
		return ir.ParamInt
	case float64:
		return ir.ParamDouble
	case bool:
		return ir.ParamBool
	case map[string]any:
		return ir.ParamStruct
	case []any:
		return ir.ParamList
	}
	return ir.ParamString
}

// subvarType is the type KFP gives the fields of a loop item: for a literal
// list of objects, the type of the first object's first value (keys taken
// in sorted order, Go maps being unordered); STRING otherwise.
func subvarType(g *ir.Group) ir.ParamType {
	if g.LoopOver == nil || g.LoopOver.Kind != ir.RefLiteral {
		return ir.ParamString
	}
	l, _ := g.LoopOver.Value.([]any)
	if len(l) == 0 {
		return ir.ParamString
	}
	m, ok := l[0].(map[string]any)
	if !ok || len(m) == 0 {
		return ir.ParamString
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return valueParamType(m[keys[0]])
}

// refChannel converts a non-literal reference to its channel. Collected and
// OneOf references get their pre-surfacing form.
func refChannel(r *ir.Ref) *channel {
	switch r.Kind {
	case ir.RefPipelineInput:
		return &channel{kind: chPlain, name: r.Name, typ: r.Type, ref: r}
	case ir.RefTaskOutput:
		return &channel{kind: chPlain, name: r.Name, task: r.Task.Name, producer: r.Task, typ: r.Type, ref: r}
	case ir.RefLoopItem:
		arg := loopArg(r.Group)
		if r.Field == "" {
			arg.ref = r
			return arg
		}
		return &channel{kind: chLoopVar, name: arg.name + "-subvar-" + r.Field, task: arg.task, producer: arg.producer,
			typ: ir.Type{Param: subvarType(r.Group)}, loop: r.Group, subvar: r.Field, withItems: arg.withItems, ref: r}
	case ir.RefCollected:
		inner := refChannel(r.Of[0])
		t := ir.Type{Param: ir.ParamList}
		if inner.isArtifact() {
			t = ir.Type{Artifact: inner.typ.Artifact, List: true}
		}
		return &channel{kind: chCollected, name: inner.name, task: inner.task, producer: inner.producer, typ: t, ref: r}
	case ir.RefOneOf:
		name := "pipelinechannel--" + r.Group.Name + "-oneof-" + r.Name
		return &channel{kind: chOneOf, name: name, task: r.Group.Name, producer: r.Group, typ: r.Of[0].Type, ref: r}
	}
	return nil
}

// parent returns the loop argument a loop variable belongs to, or the
// channel a loop argument iterates over (nil for literal lists).
func (c *channel) parent() *channel {
	switch c.kind {
	case chLoopVar:
		return loopArg(c.loop)
	case chLoopArg:
		return itemsChannel(c.loop)
	}
	return nil
}

// taskRefs lists every reference a task reads: inputs, parameterized
// settings and Kubernetes option references.
func taskRefs(t *ir.Task) []*ir.Ref {
	var out []*ir.Ref
	for _, in := range t.Component.Inputs {
		if r, ok := t.Args[in.Name]; ok {
			if r.Kind == ir.RefFormat {
				// KFP extracts the channels embedded in a string argument
				// into task.channel_inputs.
				out = append(out, r.Of...)
				continue
			}
			out = append(out, r)
		}
	}
	res := t.Resources
	for _, r := range []*ir.Ref{res.CPURequest, res.CPULimit, res.MemoryRequest, res.MemoryLimit, res.AcceleratorType, res.AcceleratorCount, t.Image} {
		if r != nil {
			out = append(out, r)
		}
	}
	names := make([]string, 0, len(t.PlatformRefs))
	for n := range t.PlatformRefs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, t.PlatformRefs[n])
	}
	if imp, ok := t.Component.Impl.(*ir.Importer); ok {
		if imp.URI != nil && t.Args["uri"] == nil {
			out = append(out, imp.URI)
		}
		keys := make([]string, 0, len(imp.MetadataRefs))
		for k := range imp.MetadataRefs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, imp.MetadataRefs[k])
		}
	}
	return out
}

// condChannels lists the channels of a condition group's comparisons (KFP
// get_channels_from_condition), earlier branches first.
func condChannels(g *ir.Group) []*channel {
	var out []*channel
	for _, c := range conditionsOf(g) {
		for _, r := range []*ir.Ref{c.Left, c.Right} {
			if r == nil || r.Kind == ir.RefLiteral {
				continue
			}
			if c := refChannel(r); c != nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// conditionsOf returns a condition group's comparisons in KFP's order: the
// negated comparisons of the earlier branches, then its own.
func conditionsOf(g *ir.Group) []*ir.Cond {
	if g.Kind != ir.GroupCondition {
		return nil
	}
	out := append([]*ir.Cond(nil), g.Prior...)
	if g.Cond != nil {
		out = append(out, g.Cond)
	}
	return out
}

// taskChannels lists the channels a task reads plus those of its enclosing
// conditions (KFP task.channel_inputs + condition_channels).
func (pl *plan) taskChannels(t *ir.Task) []*channel {
	var out []*channel
	for _, r := range taskRefs(t) {
		if r.Kind == ir.RefLiteral || r.Kind == ir.RefPlaceholder || r.Kind == ir.RefTaskFinalStatus || r.Kind == ir.RefInvalid {
			continue
		}
		if c := refChannel(r); c != nil {
			out = append(out, c)
		}
	}
	if pl.exitTasks[t] {
		return out
	}
	for g := t.Group; g != nil; g = g.Parent {
		out = append(out, condChannels(g)...)
	}
	return out
}

// addInput records that group g receives channel c. A loop item, or a
// field of one, exists only inside its loop: it never enters a group outside
// that loop. KFP's get_inputs_for_all_groups lets a field of a literal-list
// loop item (loop-item-param-N-subvar-F) climb into the enclosing
// ExitHandler or condition, whose task is then fed a value that does not
// exist at that level (KFP issue 13273); kfpgo scopes it to the loop.
func (pl *plan) addInput(g *ir.Group, c *channel) {
	if (c.kind == chLoopArg || c.kind == chLoopVar) && c.loop != nil && !inside(g, c.loop) {
		return
	}
	for _, x := range pl.inputs[g] {
		if x.key() == c.key() {
			return
		}
	}
	pl.inputs[g] = append(pl.inputs[g], c)
}

// inside reports whether group g is loop or one of its descendants.
func inside(g, loop *ir.Group) bool {
	for ; g != nil; g = g.Parent {
		if g == loop {
			return true
		}
	}
	return false
}

// computeInputs is KFP's get_inputs_for_all_groups: every channel a task
// reads enters each group between its producer and the task; loop
// arguments enter only the groups inside their loop.
func (pl *plan) computeInputs() {
	for _, t := range pl.p.Tasks {
		if pl.exitTasks[t] {
			continue
		}
		for _, c := range pl.taskChannels(t) {
			var stack []*channel
			for x := c; x != nil; {
				stack = append(stack, x)
				if x.kind != chLoopArg && x.kind != chLoopVar {
					break
				}
				x = x.parent()
			}
			if c.producer != nil {
				up, down := pl.uncommon(c.producer, t)
				for _, n := range down {
					g, ok := n.(*ir.Group)
					if !ok {
						continue
					}
					pl.addInput(g, stack[len(stack)-1])
					if g.Kind == ir.GroupLoop && strings.Contains(loopArg(g).fullName(), stack[len(stack)-1].fullName()) {
						stack = stack[:len(stack)-1]
						if len(stack) == 0 {
							break
						}
					}
				}
				_ = up
				continue
			}
			chain := pl.ancestors[t]
			if (c.kind == chLoopArg || c.kind == chLoopVar) && c.withItems {
				for i := len(chain) - 1; i >= 0; i-- {
					g, ok := chain[i].(*ir.Group)
					if !ok {
						continue
					}
					pl.addInput(g, stack[0])
					if g.Kind == ir.GroupLoop && strings.Contains(loopArg(g).fullName(), stack[0].fullName()) {
						stack = stack[1:]
						if len(stack) == 0 {
							break
						}
					}
				}
				continue
			}
			for _, n := range chain {
				g, ok := n.(*ir.Group)
				if !ok {
					continue
				}
				pl.addInput(g, stack[len(stack)-1])
				if g.Kind == ir.GroupLoop && strings.Contains(loopArg(g).fullName(), stack[len(stack)-1].fullName()) {
					stack = stack[:len(stack)-1]
					if len(stack) == 0 {
						break
					}
				}
			}
		}
	}
}

func (pl *plan) addOutput(g *ir.Group, name string, c *channel) {
	m := pl.outputs[g]
	if m == nil {
		m = map[string]*channel{}
		pl.outputs[g] = m
	}
	if _, ok := m[name]; !ok {
		pl.outOrder[g] = append(pl.outOrder[g], name)
	}
	m[name] = c
}

// computeOutputs is KFP's get_outputs_for_all_groups: a Collected value is
// surfaced as an output of each loop between its producer and its
// consumer; a OneOf value as an output of each group between each branch's
// producer and the If/Elif/Else chain, which outputs the OneOf itself.
func (pl *plan) computeOutputs() {
	for _, t := range pl.p.Tasks {
		if pl.exitTasks[t] {
			continue
		}
		for _, r := range taskRefs(t) {
			switch r.Kind {
			case ir.RefCollected:
				if r.Of[0].Kind != ir.RefTaskOutput {
					continue
				}
				up, _ := pl.uncommon(r.Of[0].Task, t)
				if len(up) == 0 {
					continue
				}
				pl.collected[r] = pl.surfaceCollected(r, up[:len(up)-1])
			case ir.RefOneOf:
				pl.surfaceOneOf(r)
			}
		}
	}
	names := make([]string, 0, len(pl.p.Outputs))
	for n := range pl.p.Outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := pl.p.Outputs[name]
		switch r.Kind {
		case ir.RefCollected:
			if r.Of[0].Kind != ir.RefTaskOutput {
				continue
			}
			chain := pl.ancestors[r.Of[0].Task]
			if len(chain) < 2 {
				continue
			}
			pl.rootOutputs[name] = pl.surfaceCollected(r, chain[1:len(chain)-1])
		case ir.RefOneOf:
			pl.rootOutputs[name] = pl.surfaceOneOf(r)
		case ir.RefTaskOutput:
			pl.rootOutputs[name] = refChannel(r)
		}
	}
}

// renameSurfacedInputs gives a Collected value that enters a group (its
// consumer sits in another loop) the name of the loop output surfacing it,
// e.g. pipelinechannel--for-loop-2-pipelinechannel--double-Output: KFP's
// get_outputs_for_all_groups renames the Collected channel in place after
// get_inputs_for_all_groups has recorded it, so the group inputs carry the
// surfaced name (golden parameters_complex).
func (pl *plan) renameSurfacedInputs() {
	for _, in := range pl.inputs {
		for i, c := range in {
			if c.kind != chCollected || c.ref == nil {
				continue
			}
			if s := pl.collected[c.ref]; s != nil {
				in[i] = s
			}
		}
	}
}

// surfaceCollected surfaces a Collected value through groups (outermost
// first) and returns the channel the consumer reads.
func (pl *plan) surfaceCollected(r *ir.Ref, groups []ir.Node) *channel {
	c := refChannel(r)
	surfaced := c.inputName()
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i].(*ir.Group)
		pl.addOutput(g, surfaced, &channel{kind: chPlain, name: c.name, task: c.task, typ: c.typ})
		c = &channel{kind: chCollected, name: surfaced, task: g.Name, producer: g, typ: c.typ, ref: r}
	}
	return c
}

// surfaceOneOf surfaces each branch value of a OneOf up to its If/Elif/Else
// chain and returns the OneOf channel.
func (pl *plan) surfaceOneOf(r *ir.Ref) *channel {
	if c, ok := pl.oneOfs[r]; ok {
		return c
	}
	one := refChannel(r)
	pl.oneOfs[r] = one
	for _, inner := range r.Of {
		if inner.Kind != ir.RefTaskOutput {
			continue
		}
		c := refChannel(inner)
		surfaced := c.inputName()
		chain := pl.ancestors[inner.Task]
		for i := len(chain) - 2; i >= 0; i-- {
			g := chain[i].(*ir.Group)
			if g == r.Group {
				pl.addOutput(g, one.name, one)
				break
			}
			pl.addOutput(g, surfaced, &channel{kind: chPlain, name: c.name, task: c.task, typ: c.typ})
			c = &channel{kind: chPlain, name: surfaced, task: g.Name, producer: g, typ: c.typ}
		}
		one.branches = append(one.branches, c)
	}
	return one
}

// upstreamOf lists the nodes a task depends on: producers of the channels
// it and its enclosing conditions read (KFP channel.task) and its After
// list.
func (pl *plan) upstreamOf(t *ir.Task) []ir.Node {
	var out []ir.Node
	seen := map[ir.Node]bool{}
	add := func(n ir.Node) {
		if n != nil && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	resourceOnly := resourceOnlyRefs(t)
	for _, c := range pl.taskChannels(t) {
		if c.ref != nil && resourceOnly[c.ref] {
			continue
		}
		add(c.producer)
	}
	for _, a := range t.After {
		add(a)
	}
	return out
}

// resourceOnlyRefs returns the references a task reads only through its
// resources (CPU, memory, accelerator). KFP's PipelineTask.set_cpu_limit and
// the other resource setters do not register their channel in
// task.channel_inputs, so such a producer gets no dependentTasks entry (KFP
// golden pipeline_with_string_machine_fields_task_output); the KFP backend
// still runs the task after it, since its Argo compiler adds a dependency for
// every taskOutputParameter input (argocompiler addImplicitDependencies).
func resourceOnlyRefs(t *ir.Task) map[*ir.Ref]bool {
	res := t.Resources
	// uses counts how often each reference is read outside the resources:
	// every read (taskRefs) minus the resource reads.
	uses := map[*ir.Ref]int{}
	for _, r := range taskRefs(t) {
		uses[r]++
	}
	var out map[*ir.Ref]bool
	for _, r := range []*ir.Ref{res.CPURequest, res.CPULimit, res.MemoryRequest, res.MemoryLimit, res.AcceleratorType, res.AcceleratorCount} {
		if r != nil {
			uses[r]--
			if out == nil {
				out = map[*ir.Ref]bool{}
			}
			out[r] = true
		}
	}
	for r := range out {
		if uses[r] > 0 {
			delete(out, r)
		}
	}
	return out
}

// computeDeps applies KFP's rule: a dependency exists between the first
// uncommon ancestors of the two tasks.
func (pl *plan) computeDeps() {
	for _, t := range pl.p.Tasks {
		if pl.exitTasks[t] {
			continue
		}
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
// common ancestor (KFP _get_uncommon_ancestors).
func (pl *plan) uncommon(a, b ir.Node) ([]ir.Node, []ir.Node) {
	ca, cb := pl.ancestors[a], pl.ancestors[b]
	i := 0
	for i < len(ca) && i < len(cb) && ca[i] == cb[i] {
		i++
	}
	return ca[i:], cb[i:]
}
