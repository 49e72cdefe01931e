package argo

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// emitter turns one validated pipeline graph into Argo templates.
type emitter struct {
	opts  Options
	top   *ir.Pipeline // the pipeline being compiled (inputs are workflow parameters)
	order []string     // template names in output order
	tmpls map[string]*wfv1.Template
	taken map[string]bool
	pipes map[*ir.Pipeline]*pipeState
	tasks map[*ir.Task]*taskTmpl
	errs  ir.ErrorList
}

// pipeState is the per-pipeline state: its group states and exit tasks.
type pipeState struct {
	p      *ir.Pipeline
	root   string
	groups map[*ir.Group]*groupState
	exit   map[*ir.Task]*ir.Group
	oneOfN int
}

// groupState is the per-group state: the templates, the values that cross
// into the group (needs) and the values it exposes (outputs by export key).
type groupState struct {
	g     *ir.Group
	call  string         // the template the parent calls
	body  *wfv1.Template // the DAG holding the group's items
	outer *wfv1.Template // ParallelFor only: the loop template
	needs []*need
	byKey map[string]*need
	wires map[string]bool
	outs  map[string]string // export key → output name
}

// need is one value that enters a group as a template input.
type need struct {
	key  string
	wire string
	ref  *ir.Ref
	art  bool
}

// val is a value as seen from one DAG: an Argo parameter string, an
// artifact `from`, or an artifact location (importers).
type val struct {
	param string
	from  string
	loc   *wfv1.ArtifactLocation
	art   bool
}

// taskTmpl is the template of a task and the extra inputs it takes besides
// the component's inputs (Kubernetes option values, parameter resources,
// image override), in order.
type taskTmpl struct {
	name   string
	extras []extra
}

type extra struct {
	wire string
	ref  *ir.Ref
}

func newEmitter(opts Options) *emitter {
	return &emitter{opts: opts, tmpls: map[string]*wfv1.Template{}, taken: map[string]bool{},
		pipes: map[*ir.Pipeline]*pipeState{}, tasks: map[*ir.Task]*taskTmpl{}}
}

// uniq reserves a template name derived from base.
func (e *emitter) uniq(base string) string {
	base = fieldName(base)
	name := base
	for i := 2; e.taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	e.taken[name] = true
	return name
}

// add places a template in the output order.
func (e *emitter) add(t *wfv1.Template) *wfv1.Template {
	e.order = append(e.order, t.Name)
	e.tmpls[t.Name] = t
	return t
}

// templates returns the templates in output order.
func (e *emitter) templates() []wfv1.Template {
	out := make([]wfv1.Template, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, *e.tmpls[n])
	}
	return out
}

// pipeline emits p's templates on first use and returns its root template.
func (e *emitter) pipeline(p *ir.Pipeline) string {
	if ps, ok := e.pipes[p]; ok {
		return ps.root
	}
	ps := &pipeState{p: p, groups: map[*ir.Group]*groupState{}, exit: map[*ir.Task]*ir.Group{}}
	e.pipes[p] = ps
	for _, g := range p.Groups {
		if g.Kind == ir.GroupExitHandler && g.ExitTask != nil {
			ps.exit[g.ExitTask] = g
		}
	}
	ps.root = e.uniq(p.Component.Name)
	gs := e.group(ps, p.Root)
	// Pipeline inputs are the root template's inputs, declared in
	// signature order (needs never hold them at the root).
	var in wfv1.Inputs
	for _, x := range p.Component.Inputs {
		if p == e.top && !x.Type.IsArtifact() {
			continue // read as {{workflow.parameters.x}}
		}
		if x.Type.IsArtifact() {
			// An optional artifact input left unset by the caller is
			// absent (Argo Artifact.optional).
			in.Artifacts = append(in.Artifacts, wfv1.Artifact{Name: x.Name, Optional: x.Optional})
			continue
		}
		prm := wfv1.Parameter{Name: x.Name}
		switch {
		case x.HasDefault:
			prm.Default = wfv1.AnyStringPtr(paramString(x.Default))
		case x.Optional:
			// Argo has no absent parameter: an optional input left unset
			// by the caller reads as "".
			prm.Default = wfv1.AnyStringPtr("")
		}
		in.Parameters = append(in.Parameters, prm)
	}
	gs.body.Inputs = in
	// Pipeline outputs are the root template's outputs.
	for _, name := range sortedKeys(p.Outputs) {
		v := e.value(ps, p.Outputs[name], p.Root, p.Component.Pos)
		e.addOutput(gs.body, name, v)
	}
	return ps.root
}

// addOutput declares output name of a DAG template, fed by v.
func (e *emitter) addOutput(t *wfv1.Template, name string, v val) {
	if v.art {
		if v.loc != nil {
			e.errs.Addf(0, ir.UnsupportedFeature, "return the artifact from a task that consumes the import",
				"output %q of %s is an imported artifact, which an Argo DAG cannot return", name, t.Name)
			return
		}
		t.Outputs.Artifacts = append(t.Outputs.Artifacts, wfv1.Artifact{Name: name, From: v.from})
		return
	}
	t.Outputs.Parameters = append(t.Outputs.Parameters, wfv1.Parameter{Name: name, ValueFrom: &wfv1.ValueFrom{Parameter: v.param}})
}

func (ps *pipeState) state(g *ir.Group) *groupState {
	gs := ps.groups[g]
	if gs == nil {
		gs = &groupState{g: g, byKey: map[string]*need{}, wires: map[string]bool{}, outs: map[string]string{}}
		ps.groups[g] = gs
	}
	return gs
}

// group emits g's template(s): the DAG of its items in DSL order, each
// nested group before the DAG task that calls it.
func (e *emitter) group(ps *pipeState, g *ir.Group) *groupState {
	gs := ps.state(g)
	dag := &wfv1.DAGTemplate{}
	switch g.Kind {
	case ir.GroupRoot:
		gs.body = e.add(&wfv1.Template{Name: ps.root, DAG: dag})
		gs.call = ps.root
	case ir.GroupLoop:
		gs.call = e.uniq(g.Name)
		gs.outer = e.add(&wfv1.Template{Name: gs.call})
		gs.body = e.add(&wfv1.Template{Name: e.uniq(g.Name + "-body"), DAG: dag})
	default:
		gs.call = e.uniq(g.Name)
		gs.body = e.add(&wfv1.Template{Name: gs.call, DAG: dag})
	}
	ignoreFail := false
	for _, it := range g.Items {
		switch n := it.(type) {
		case *ir.Task:
			if isImporter(n) {
				continue
			}
			dt := e.taskNode(ps, n, g)
			dt.Depends = e.depends(ps, g, n, n.IgnoreUpstreamFailure)
			ignoreFail = ignoreFail || n.IgnoreUpstreamFailure
			dag.Tasks = append(dag.Tasks, dt)
		case *ir.Group:
			cs := e.group(ps, n)
			dt := e.groupNode(ps, cs, g)
			dt.Depends = e.depends(ps, g, n, false)
			dag.Tasks = append(dag.Tasks, dt)
		}
	}
	if ignoreFail {
		f := false
		dag.FailFast = &f
	}
	if len(dag.Tasks) == 0 {
		e.errs.Addf(g.Pos, ir.UnsupportedFeature, "add a task to the group",
			"%s holds no task that runs as a step (Argo DAGs need at least one task)", groupLabel(g))
	}
	if g.Kind != ir.GroupRoot {
		gs.body.Inputs = needInputs(gs.needs)
	}
	if g.Kind == ir.GroupLoop {
		e.loopTemplate(ps, gs)
	}
	return gs
}

func groupLabel(g *ir.Group) string {
	if g.Kind == ir.GroupRoot {
		return "the pipeline"
	}
	return g.Name
}

// needInputs declares a group template's inputs.
func needInputs(needs []*need) wfv1.Inputs {
	var in wfv1.Inputs
	for _, n := range needs {
		if n.art {
			in.Artifacts = append(in.Artifacts, wfv1.Artifact{Name: n.wire})
		} else {
			in.Parameters = append(in.Parameters, wfv1.Parameter{Name: n.wire})
		}
	}
	return in
}

// loopTemplate fills a ParallelFor's loop template: the group's inputs plus
// the items, and one task fanned out over the items that calls the body.
func (e *emitter) loopTemplate(ps *pipeState, gs *groupState) {
	g := gs.g
	t := gs.outer
	t.Inputs = wfv1.Inputs{}
	iter := wfv1.DAGTask{Name: g.Name + "-iteration", Template: gs.body.Name}
	for _, n := range gs.needs {
		if isOwnItem(n.ref, g) {
			s := "{{item}}"
			if n.ref.Field != "" {
				s = "{{item." + n.ref.Field + "}}"
			}
			iter.Arguments.Parameters = append(iter.Arguments.Parameters, wfv1.Parameter{Name: n.wire, Value: wfv1.AnyStringPtr(s)})
			continue
		}
		if n.art {
			t.Inputs.Artifacts = append(t.Inputs.Artifacts, wfv1.Artifact{Name: n.wire})
			iter.Arguments.Artifacts = append(iter.Arguments.Artifacts, wfv1.Artifact{Name: n.wire, From: "{{inputs.artifacts." + n.wire + "}}"})
			continue
		}
		t.Inputs.Parameters = append(t.Inputs.Parameters, wfv1.Parameter{Name: n.wire})
		iter.Arguments.Parameters = append(iter.Arguments.Parameters, wfv1.Parameter{Name: n.wire, Value: wfv1.AnyStringPtr("{{inputs.parameters." + n.wire + "}}")})
	}
	switch {
	case g.LoopOver == nil:
	case g.LoopOver.Kind == ir.RefLiteral:
		list, _ := g.LoopOver.Value.([]any)
		for _, it := range list {
			item, err := wfv1.ParseItem(jsonString(it))
			if err != nil {
				e.errs.Addf(g.Pos, ir.UnsupportedFeature, "", "%s: item %v: %v", g.Name, it, err)
				continue
			}
			iter.WithItems = append(iter.WithItems, item)
		}
	case g.LoopOver.Type.IsArtifact():
		e.errs.Addf(g.Pos, ir.UnsupportedFeature, "loop over a list parameter (e.g. the artifacts' URIs) instead",
			"%s loops over a list of artifacts, which Argo cannot fan out", g.Name)
	default:
		t.Inputs.Parameters = append(t.Inputs.Parameters, wfv1.Parameter{Name: "loop-items"})
		iter.WithParam = "{{inputs.parameters.loop-items}}"
	}
	if g.Parallelism > 0 {
		p := int64(g.Parallelism)
		t.Parallelism = &p
	}
	t.DAG = &wfv1.DAGTemplate{Tasks: []wfv1.DAGTask{iter}}
}

func isOwnItem(r *ir.Ref, g *ir.Group) bool { return r.Kind == ir.RefLoopItem && r.Group == g }

// groupNode is the DAG task (in parent) that calls group cs.
func (e *emitter) groupNode(ps *pipeState, cs *groupState, parent *ir.Group) wfv1.DAGTask {
	g := cs.g
	dt := wfv1.DAGTask{Name: g.Name, Template: cs.call}
	for _, n := range cs.needs {
		if isOwnItem(n.ref, g) {
			continue
		}
		v := e.value(ps, n.ref, parent, g.Pos)
		addArg(&dt.Arguments, n.wire, v)
	}
	if g.Kind == ir.GroupLoop && g.LoopOver != nil && g.LoopOver.Kind != ir.RefLiteral && !g.LoopOver.Type.IsArtifact() {
		v := e.value(ps, g.LoopOver, parent, g.Pos)
		addArg(&dt.Arguments, "loop-items", v)
	}
	if g.Kind == ir.GroupCondition {
		dt.When = e.when(ps, g, parent)
	}
	if g.Kind == ir.GroupExitHandler && g.ExitTask != nil {
		x := e.taskNode(ps, g.ExitTask, parent)
		dt.Hooks = wfv1.LifecycleHooks{wfv1.ExitLifecycleEvent: wfv1.LifecycleHook{Template: x.Template, Arguments: x.Arguments}}
		// The exit task's final status input.
		for _, in := range g.ExitTask.Component.Inputs {
			if in.Type.Param == ir.ParamTaskFinalStatus {
				h := dt.Hooks[wfv1.ExitLifecycleEvent]
				h.Arguments.Parameters = append(h.Arguments.Parameters, wfv1.Parameter{Name: in.Name, Value: wfv1.AnyStringPtr(finalStatus(g.Name))})
				dt.Hooks[wfv1.ExitLifecycleEvent] = h
			}
		}
	}
	return dt
}

// finalStatus is KFP's PipelineTaskFinalStatus JSON for the DAG task node.
func finalStatus(node string) string {
	return `{"error":{},"pipelineJobResourceName":"{{workflow.name}}","pipelineTaskName":"` + node +
		`","state":"{{=sprig.upper(tasks['` + node + `'].status)}}"}`
}

func addArg(a *wfv1.Arguments, name string, v val) {
	switch {
	case v.loc != nil:
		a.Artifacts = append(a.Artifacts, wfv1.Artifact{Name: name, ArtifactLocation: *v.loc})
	case v.art:
		a.Artifacts = append(a.Artifacts, wfv1.Artifact{Name: name, From: v.from})
	default:
		a.Parameters = append(a.Parameters, wfv1.Parameter{Name: name, Value: wfv1.AnyStringPtr(v.param)})
	}
}

// taskNode is the DAG task (in group at) that runs t.
func (e *emitter) taskNode(ps *pipeState, t *ir.Task, at *ir.Group) wfv1.DAGTask {
	tt := e.taskTemplate(ps, t)
	dt := wfv1.DAGTask{Name: t.Name, Template: tt.name}
	for _, in := range t.Component.Inputs {
		r, ok := t.Args[in.Name]
		if in.Type.Param == ir.ParamTaskFinalStatus && !ok {
			if ps.exit[t] == nil {
				// Not an exit task: the status of the run so far.
				addArg(&dt.Arguments, in.Name, val{param: `{"error":{},"pipelineJobResourceName":"{{workflow.name}}","pipelineTaskName":"` +
					t.Name + `","state":"{{=sprig.upper(workflow.status)}}"}`})
			}
			continue
		}
		if !ok {
			continue
		}
		v := e.value(ps, r, at, t.Pos)
		if r.Kind == ir.RefPlaceholder {
			v.param = dagPlaceholder(strings.TrimSuffix(strings.TrimPrefix(r.Name, "{{$."), "}}"), t.Name)
		}
		if t.IgnoreUpstreamFailure && in.HasDefault && !v.art && r.Kind == ir.RefTaskOutput && r.Task.Group == at {
			// Fall back to the default when the producer did not succeed.
			v.param = fmt.Sprintf("{{=tasks['%s'].status == 'Succeeded' ? tasks['%s'].outputs.parameters['%s'] : %s}}",
				r.Task.Name, r.Task.Name, r.Name, exprString(paramString(in.Default)))
		}
		addArg(&dt.Arguments, in.Name, v)
	}
	for _, x := range tt.extras {
		addArg(&dt.Arguments, x.wire, e.value(ps, x.ref, at, t.Pos))
	}
	return dt
}

// exprString quotes s as an expr-lang string literal.
func exprString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// depends is the `depends` expression of item n of group g: the siblings
// that produce what n (at any depth) reads or waits for, in item order.
func (e *emitter) depends(ps *pipeState, g *ir.Group, n ir.Node, ignoreFail bool) string {
	prods := map[*ir.Task]bool{}
	collectProducers(ps, n, prods)
	sib := map[string]bool{}
	for t := range prods {
		if isImporter(t) {
			continue
		}
		if s := sibling(g, t); s != "" && s != nodeName(n) {
			sib[s] = true
		}
	}
	var parts []string
	for _, it := range g.Items {
		name := nodeName(it)
		if !sib[name] {
			continue
		}
		if ignoreFail {
			parts = append(parts, fmt.Sprintf("(%s.Succeeded || %s.Skipped || %s.Failed || %s.Errored)", name, name, name, name))
		} else {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, " && ")
}

func nodeName(n ir.Node) string {
	switch x := n.(type) {
	case *ir.Task:
		return x.Name
	case *ir.Group:
		return x.Name
	}
	return ""
}

// sibling returns the name of g's item that holds task t, or "".
func sibling(g *ir.Group, t *ir.Task) string {
	if t.Group == g {
		return t.Name
	}
	for c := t.Group; c != nil; c = c.Parent {
		if c.Parent == g {
			return c.Name
		}
	}
	return ""
}

// collectProducers adds the tasks whose outputs node n reads, or that n
// waits for (After), at any depth.
func collectProducers(ps *pipeState, n ir.Node, out map[*ir.Task]bool) {
	var ref func(r *ir.Ref)
	ref = func(r *ir.Ref) {
		if r == nil {
			return
		}
		if r.Kind == ir.RefTaskOutput && r.Task != nil {
			out[r.Task] = true
		}
		if r.Kind == ir.RefLoopItem && r.Group != nil && r.Group.LoopOver != nil && r.Group.LoopOver != r {
			// items come from the loop, which its own node waits for
		}
		for _, o := range r.Of {
			ref(o)
		}
	}
	switch x := n.(type) {
	case *ir.Task:
		for _, r := range x.Args {
			ref(r)
		}
		for _, r := range x.PlatformRefs {
			ref(r)
		}
		res := x.Resources
		for _, r := range []*ir.Ref{res.CPULimit, res.CPURequest, res.MemoryLimit, res.MemoryRequest, res.AcceleratorType, res.AcceleratorCount, x.Image} {
			ref(r)
		}
		for _, a := range x.After {
			out[a] = true
		}
	case *ir.Group:
		for _, c := range append(append([]*ir.Cond(nil), x.Prior...), x.Cond) {
			if c != nil {
				ref(c.Left)
				ref(c.Right)
			}
		}
		ref(x.LoopOver)
		for _, it := range x.Items {
			collectProducers(ps, it, out)
		}
	}
}

// addNeed registers r as an input of group at and returns its input value.
func (e *emitter) addNeed(ps *pipeState, at *ir.Group, key, wire string, r *ir.Ref) val {
	gs := ps.state(at)
	n := gs.byKey[key]
	if n == nil {
		w := fieldName(wire)
		base := w
		for i := 2; gs.wires[w] || w == "loop-items"; i++ {
			w = fmt.Sprintf("%s-%d", base, i)
		}
		n = &need{key: key, wire: w, ref: r, art: r.Type.IsArtifact()}
		gs.byKey[key], gs.wires[w] = n, true
		gs.needs = append(gs.needs, n)
	}
	if n.art {
		return val{art: true, from: "{{inputs.artifacts." + n.wire + "}}"}
	}
	return val{param: "{{inputs.parameters." + n.wire + "}}"}
}

// value resolves reference r as seen from the DAG of group at.
func (e *emitter) value(ps *pipeState, r *ir.Ref, at *ir.Group, pos ir.Pos) val {
	art := r.Type.IsArtifact()
	switch r.Kind {
	case ir.RefLiteral:
		return val{param: paramString(r.Value)}
	case ir.RefFormat:
		// Each embedded value is written where KFP writes its
		// {{$.inputs.parameters[…]}} placeholder; a list or struct is then
		// passed as its JSON text, which Argo substitutes into as a string.
		// dsl.Format writes pipeline placeholders into the literal text as
		// KFP's {{$.key}}: map them to Argo's variables (Argo's own
		// expressions never start with "{{$.").
		v := r.FormatValue(func(i int) string { return e.value(ps, r.Of[i], at, pos).param })
		s, ok := v.(string)
		if !ok {
			s = paramString(v)
		}
		s = kfpPlaceholderRE.ReplaceAllStringFunc(s, func(m string) string {
			return argoPlaceholder(m[len("{{$.") : len(m)-len("}}")])
		})
		return val{param: s}
	case ir.RefPlaceholder:
		return val{param: argoPlaceholder(strings.TrimSuffix(strings.TrimPrefix(r.Name, "{{$."), "}}"))}
	case ir.RefPipelineInput:
		if at == ps.p.Root {
			if art {
				return val{art: true, from: "{{inputs.artifacts." + r.Name + "}}"}
			}
			if ps.p == e.top {
				return val{param: "{{workflow.parameters." + r.Name + "}}"}
			}
			return val{param: "{{inputs.parameters." + r.Name + "}}"}
		}
		return e.addNeed(ps, at, "in:"+r.Name, r.Name, r)
	case ir.RefTaskOutput:
		t := r.Task
		if isImporter(t) {
			return e.importerValue(t)
		}
		if t.Group == at && ps.exit[t] == nil {
			if art {
				return val{art: true, from: "{{tasks." + t.Name + ".outputs.artifacts." + r.Name + "}}"}
			}
			return val{param: "{{tasks." + t.Name + ".outputs.parameters." + r.Name + "}}"}
		}
		return e.addNeed(ps, at, fmt.Sprintf("out:%p:%s", t, r.Name), t.Name+"-"+r.Name, r)
	case ir.RefLoopItem:
		wire := r.Group.Name + "-item"
		if r.Field != "" {
			wire += "-" + r.Field
		}
		return e.addNeed(ps, at, fmt.Sprintf("item:%p:%s", r.Group, r.Field), wire, r)
	case ir.RefCollected:
		if len(r.Of) == 0 || r.Of[0].Task == nil {
			return val{}
		}
		prod := r.Of[0].Task
		loop := escaping(prod.Group, at)
		if loop == nil {
			return val{}
		}
		if loop.Parent == at {
			if art {
				e.errs.Addf(pos, ir.UnsupportedFeature, "collect a parameter (e.g. each artifact's URI) instead",
					"Collected artifacts of %s: Argo does not aggregate the artifacts of a fan-out", loop.Name)
				return val{art: true}
			}
			w := e.export(ps, prod, r.Of[0].Name, loop, pos)
			return val{param: "{{tasks." + loop.Name + ".outputs.parameters." + w + "}}"}
		}
		return e.addNeed(ps, at, fmt.Sprintf("col:%p:%s:%p", prod, r.Of[0].Name, loop), "collected-"+prod.Name+"-"+r.Of[0].Name, r)
	case ir.RefOneOf:
		b := r.Group
		if b.Parent == at {
			w := e.exportOneOf(ps, r, pos)
			if art {
				return val{art: true, from: "{{tasks." + b.Name + ".outputs.artifacts." + w + "}}"}
			}
			return val{param: "{{tasks." + b.Name + ".outputs.parameters." + w + "}}"}
		}
		return e.addNeed(ps, at, fmt.Sprintf("oneof:%p", r), b.Name+"-oneof", r)
	}
	e.errs.Addf(pos, ir.UnsupportedFeature, "", "value of kind %d cannot be passed on the Argo target", r.Kind)
	return val{art: art}
}

// escaping returns the outermost group that holds g but not at.
func escaping(g, at *ir.Group) *ir.Group {
	anc := map[*ir.Group]bool{}
	for x := at; x != nil; x = x.Parent {
		anc[x] = true
	}
	var out *ir.Group
	for x := g; x != nil && !anc[x]; x = x.Parent {
		out = x
	}
	return out
}

// export makes output out of task prod visible as an output of every group
// from prod's group up to top (inclusive) and returns its name there.
func (e *emitter) export(ps *pipeState, prod *ir.Task, out string, top *ir.Group, pos ir.Pos) string {
	key := fmt.Sprintf("out:%p:%s", prod, out)
	art := false
	if o := prod.Component.Output(out); o != nil {
		art = o.Type.IsArtifact()
	}
	wire := fieldName(prod.Name + "-" + out)
	child, childOut := prod.Name, out
	for g := prod.Group; g != nil; g = g.Parent {
		gs := ps.state(g)
		if w, ok := gs.outs[key]; ok {
			wire = w
		} else {
			gs.outs[key] = wire
			src := "{{tasks." + child + ".outputs."
			if art {
				gs.body.Outputs.Artifacts = append(gs.body.Outputs.Artifacts, wfv1.Artifact{Name: wire, From: src + "artifacts." + childOut + "}}"})
			} else {
				gs.body.Outputs.Parameters = append(gs.body.Outputs.Parameters, wfv1.Parameter{Name: wire, ValueFrom: &wfv1.ValueFrom{Parameter: src + "parameters." + childOut + "}}"}})
			}
			if gs.outer != nil {
				if art {
					e.errs.Addf(pos, ir.UnsupportedFeature, "pass a parameter out of the loop instead",
						"artifact %q of task %q leaves ParallelFor %s; Argo does not aggregate the artifacts of a fan-out", out, prod.Name, g.Name)
				} else {
					gs.outer.Outputs.Parameters = append(gs.outer.Outputs.Parameters, wfv1.Parameter{Name: wire,
						ValueFrom: &wfv1.ValueFrom{Parameter: "{{tasks." + g.Name + "-iteration.outputs.parameters." + wire + "}}"}})
				}
			}
		}
		if g == top {
			break
		}
		child, childOut = g.Name, wire
	}
	return wire
}

// exportOneOf declares the If/Elif/Else template's output for OneOf r: the
// value of the branch that ran, chosen by the branches' status.
func (e *emitter) exportOneOf(ps *pipeState, r *ir.Ref, pos ir.Pos) string {
	b := r.Group
	gs := ps.state(b)
	key := fmt.Sprintf("oneof:%p", r)
	if w, ok := gs.outs[key]; ok {
		return w
	}
	ps.oneOfN++
	wire := fmt.Sprintf("oneof-%d", ps.oneOfN)
	gs.outs[key] = wire
	kind := "parameters"
	if r.Type.IsArtifact() {
		kind = "artifacts"
	}
	var expr string
	for i := len(r.Of) - 1; i >= 0; i-- {
		o := r.Of[i]
		if o == nil || o.Task == nil {
			continue
		}
		branch := escaping(o.Task.Group, b)
		w := e.export(ps, o.Task, o.Name, branch, pos)
		v := fmt.Sprintf("tasks['%s'].outputs.%s['%s']", branch.Name, kind, w)
		if expr == "" {
			expr = v
		} else {
			expr = fmt.Sprintf("tasks['%s'].status == 'Succeeded' ? %s : (%s)", branch.Name, v, expr)
		}
	}
	if r.Type.IsArtifact() {
		gs.body.Outputs.Artifacts = append(gs.body.Outputs.Artifacts, wfv1.Artifact{Name: wire, FromExpression: expr})
	} else {
		gs.body.Outputs.Parameters = append(gs.body.Outputs.Parameters, wfv1.Parameter{Name: wire, ValueFrom: &wfv1.ValueFrom{Expression: expr}})
	}
	return wire
}

// when renders the condition of branch g as a govaluate expression, with
// its operands resolved in the parent's DAG.
func (e *emitter) when(ps *pipeState, g *ir.Group, at *ir.Group) string {
	var parts []string
	for _, c := range g.Prior {
		if c != nil {
			parts = append(parts, "!("+e.cond(ps, c, at, g.Pos)+")")
		}
	}
	if g.Cond != nil {
		parts = append(parts, e.cond(ps, g.Cond, at, g.Pos))
	}
	return strings.Join(parts, " && ")
}

func (e *emitter) cond(ps *pipeState, c *ir.Cond, at *ir.Group, pos ir.Pos) string {
	quote := isStringy(c.Left) || isStringy(c.Right)
	operand := func(r *ir.Ref) string {
		if r == nil {
			return "''"
		}
		s := e.value(ps, r, at, pos).param
		if r.Kind == ir.RefLiteral && r.Type.Param == ir.ParamBool {
			s = strconv.FormatBool(r.Value == true)
		}
		if quote {
			return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
		}
		return s
	}
	return operand(c.Left) + " " + c.Op + " " + operand(c.Right)
}

// isStringy reports whether a condition operand compares as a string.
func isStringy(r *ir.Ref) bool {
	if r == nil {
		return false
	}
	switch r.Type.Param {
	case ir.ParamInt, ir.ParamDouble, ir.ParamBool:
		return false
	}
	return true
}

// importerValue is the artifact an importer task brings in: its URI as an
// Argo artifact location.
func (e *emitter) importerValue(t *ir.Task) val {
	imp := t.Component.Impl.(*ir.Importer)
	if imp.URI == nil || imp.URI.Kind != ir.RefLiteral {
		e.errs.Addf(t.Pos, ir.UnsupportedFeature, "give the importer a literal URI (s3://, gs://, minio:// or http(s)://)",
			"importer task %q takes its URI from a parameter; an Argo artifact location must be known when compiling", t.Name)
		return val{art: true}
	}
	uri, _ := imp.URI.Value.(string)
	loc, err := locationOf(uri)
	if err != nil {
		e.errs.Addf(t.Pos, ir.UnsupportedFeature, "use an s3://, minio://, gs:// or http(s):// URI", "importer task %q: %v", t.Name, err)
		return val{art: true}
	}
	return val{art: true, loc: loc}
}

// locationOf maps an artifact URI to an Argo artifact location.
func locationOf(uri string) (*wfv1.ArtifactLocation, error) {
	split := func(rest string) (string, string) {
		b, k, _ := strings.Cut(rest, "/")
		return b, k
	}
	switch {
	case strings.HasPrefix(uri, "s3://"), strings.HasPrefix(uri, "minio://"):
		_, rest, _ := strings.Cut(uri, "://")
		b, k := split(rest)
		return &wfv1.ArtifactLocation{S3: &wfv1.S3Artifact{S3Bucket: wfv1.S3Bucket{Bucket: b}, Key: k}}, nil
	case strings.HasPrefix(uri, "gs://"):
		b, k := split(strings.TrimPrefix(uri, "gs://"))
		return &wfv1.ArtifactLocation{GCS: &wfv1.GCSArtifact{GCSBucket: wfv1.GCSBucket{Bucket: b}, Key: k}}, nil
	case strings.HasPrefix(uri, "http://"), strings.HasPrefix(uri, "https://"):
		return &wfv1.ArtifactLocation{HTTP: &wfv1.HTTPArtifact{URL: uri}}, nil
	}
	return nil, fmt.Errorf("URI %q has no Argo artifact location", uri)
}

func isImporter(t *ir.Task) bool {
	_, ok := t.Component.Impl.(*ir.Importer)
	return ok
}

// kfpPlaceholderRE matches a KFP pipeline-level placeholder such as
// {{$.pipeline_job_name}} inside literal text.
var kfpPlaceholderRE = regexp.MustCompile(`\{\{\$\.[a-z_]+\}\}`)

// argoPlaceholder maps a KFP pipeline-level placeholder key (after "$.")
// to Argo's variable.
func argoPlaceholder(key string) string {
	switch key {
	case "pipeline_job_name", "pipeline_job_resource_name":
		return "{{workflow.name}}"
	case "pipeline_job_uuid":
		return "{{workflow.uid}}"
	case "pipeline_job_create_time_utc":
		return "{{workflow.creationTimestamp}}"
	case "pipeline_job_schedule_time_utc":
		return "{{workflow.scheduledTime}}"
	case "pipeline_task_name", "pipeline_task_uuid":
		return "{{pod.name}}"
	case "pipeline_root":
		return ""
	}
	return "{{workflow.name}}"
}

// dagPlaceholder maps a KFP placeholder passed as a task argument, where
// Argo has no pod yet: the task name is known when compiling, and the task
// "UUID" is the workflow UID joined with it.
func dagPlaceholder(key, task string) string {
	switch key {
	case "pipeline_task_name":
		return task
	case "pipeline_task_uuid":
		return "{{workflow.uid}}-" + task
	}
	return argoPlaceholder(key)
}

// fieldName makes an Argo template, task or parameter name: letters,
// digits and '-' only, starting with a letter or digit.
func fieldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "x"
	}
	if len(out) > 100 {
		out = out[:100]
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
