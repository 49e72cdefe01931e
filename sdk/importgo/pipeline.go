package importgo

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// pipeEmit writes one pipeline's body. It runs twice: the first pass finds
// which tasks are referenced and from where, the second writes the code
// with the variables the first pass asked for.
type pipeEmit struct {
	g     *gen
	ci    *compInfo
	root  *dagInfo
	tasks map[string]*taskInfo
	dags  []*dagInfo
	vars  *scope
	final bool
	oneOf int
	// oneOfUses counts the reads of each OneOf value (by YAML path) in the
	// first pass; one read more than once is declared once, in oneOfVars.
	oneOfUses map[string]int
	oneOfVars map[string]oneOfVar
	// pending are declarations to write before the next statement of a
	// DAG.
	pending []pendingDecl
	// usesTime, usesK8s record the imports the body needs.
	usesTime, usesK8s bool
}

type oneOfVar struct {
	name string
	dag  *dagInfo
}

type pendingDecl struct {
	dag  *dagInfo
	stmt string
}

// flush writes the pending declarations of DAG d.
func (pe *pipeEmit) flush(w *bytes.Buffer, d *dagInfo) {
	kept := pe.pending[:0]
	for _, p := range pe.pending {
		if p.dag == d {
			w.WriteString(p.stmt)
			continue
		}
		kept = append(kept, p)
	}
	pe.pending = kept
}

type taskInfo struct {
	name    string
	spec    map[string]any
	path    string
	dag     *dagInfo
	comp    *compInfo
	group   *dagInfo // the sub-DAG, for group tasks
	varName string
	used    bool
	cross   bool
	rank    int
	// exitFor is the exit-handler group this task is the exit task of.
	exitFor  *taskInfo
	exitTask *taskInfo
	// after lists the tasks outside this task's DAG it runs after: the
	// DSL lifts X.After(Y) to the groups that hold X and Y, so a group's
	// dependentTasks that no input implies are written on its first task.
	after []*taskInfo
}

type dagInfo struct {
	parent *dagInfo
	comp   *compInfo
	task   *taskInfo // the group task in the parent DAG (nil for the pipeline)
	spec   map[string]any
	path   string
	tasks  map[string]*taskInfo
	order  []*taskInfo
	inputs map[string]val
	kind   string // "", condition, condition-branches, for-loop, exit-handler
	num    int
}

// val is a Go expression for a value and its IR type.
type val struct {
	expr string
	t    ir.Type
	// loop marks a loop item (of a loop over raw items when itemsRaw).
	loopItem bool
	// elem is the Go element type of a typed LIST value (fieldInfo.elem).
	elem string
	// collected marks a Collected value, which an outer loop's output
	// passes on as it is (the DSL collects across every loop between the
	// task and the reader).
	collected bool
}

// pipelineFile writes the file of one pipeline.
func (g *gen) pipelineFile(ci *compInfo, pkg string, isRoot bool, info map[string]any) ([]byte, error) {
	pe := &pipeEmit{g: g, ci: ci, tasks: map[string]*taskInfo{}}
	root, err := pe.readDag(nil, ci, nil, ci.path+".dag")
	if err != nil {
		return nil, err
	}
	pe.root = root
	if err := pe.order(); err != nil {
		return nil, err
	}
	if err := pe.groupAfter(); err != nil {
		return nil, err
	}
	// Pass 1: find references.
	if _, err := pe.body(); err != nil {
		return nil, err
	}
	pe.final = true
	pe.vars = newScope()
	for _, d := range pe.dags {
		for _, t := range d.order {
			if t.used && t.group == nil {
				t.varName = pe.vars.claim(localName(t.name))
			}
		}
	}
	body, err := pe.body()
	if err != nil {
		return nil, err
	}
	var w bytes.Buffer
	g.header(&w, pkg)
	w.WriteString("import (\n")
	if pe.usesTime {
		w.WriteString("\"time\"\n\n")
	}
	w.WriteString("\"github.com/kfpgo/kfpgo/sdk/dsl\"\n")
	if pe.usesK8s {
		w.WriteString("\"github.com/kfpgo/kfpgo/sdk/kubernetes\"\n")
	}
	w.WriteString(")\n\n")
	g.writeStruct(&w, ci.in, fmt.Sprintf("%s are the inputs of pipeline %s.", ci.in.typeName, ci.name))
	g.writeStruct(&w, ci.out, fmt.Sprintf("%s are the outputs of pipeline %s.", ci.out.typeName, ci.name))
	doc := fmt.Sprintf("%s is the KFP pipeline %q.", ci.goName, ci.name)
	var opts []string
	if isRoot {
		if d, _ := info["description"].(string); d != "" {
			doc += "\n\n" + d
			opts = append(opts, "dsl.Description("+goString(d)+")")
		}
		if d, _ := info["displayName"].(string); d != "" {
			opts = append(opts, "dsl.DisplayName("+strconv.Quote(d)+")")
		}
		if r, ok := g.doc["defaultPipelineRoot"].(string); ok {
			opts = append(opts, "dsl.DefaultPipelineRoot("+strconv.Quote(r)+")")
		}
		if g.workspace != "" {
			opts = append(opts, g.workspace)
		}
		// A default on a required input is what compiling with
		// pipeline_parameters writes: dsl.CompiledDefaults.
		var defs []string
		for _, f := range ci.in.fields {
			if f.in != nil && f.in.HasDefault && !f.in.Optional && !f.t.IsArtifact() {
				defs = append(defs, strconv.Quote(f.kfp)+": "+anyLiteral(f.in.Default))
			}
		}
		if len(defs) > 0 {
			opts = append(opts, "dsl.CompiledDefaults(map[string]any{"+strings.Join(defs, ", ")+"})")
		}
	}
	docComment(&w, doc)
	inP := "_"
	if len(ci.in.fields) > 0 && bytes.Contains(body, []byte("in.")) {
		inP = "in"
	}
	fmt.Fprintf(&w, "var %s = dsl.NewPipeline(%q, func(b *dsl.Builder, %s %s) %s {\n%s}", ci.goName, ci.name, inP, ci.in.typeExpr(), ci.out.typeExpr(), body)
	for _, o := range opts {
		w.WriteString(", " + o)
	}
	w.WriteString(")\n")
	return gofmt(pipelineFileBase(ci.name)+".go", w.Bytes())
}

// readDag reads a DAG and, recursively, the DAGs of its group tasks.
func (pe *pipeEmit) readDag(parent *dagInfo, comp *compInfo, task *taskInfo, path string) (*dagInfo, error) {
	d := &dagInfo{parent: parent, comp: comp, task: task, path: path, tasks: map[string]*taskInfo{}}
	pe.dags = append(pe.dags, d)
	if m := groupKeyRE.FindStringSubmatch(comp.key); m != nil {
		d.kind = m[1]
		d.num, _ = strconv.Atoi(m[2])
	}
	d.spec, _ = comp.spec["dag"].(map[string]any)
	if err := pe.g.knownKeys(d.spec, path, "tasks", "outputs"); err != nil {
		return nil, err
	}
	tasks, _ := d.spec["tasks"].(map[string]any)
	for _, name := range sortedKeys(tasks) {
		tpath := path + ".tasks." + name
		ts, ok := tasks[name].(map[string]any)
		if !ok {
			return nil, pe.g.errf(tpath, "write the task as a mapping", "is not a mapping")
		}
		if err := pe.g.knownKeys(ts, tpath, "componentRef", "inputs", "dependentTasks", "cachingOptions", "taskInfo", "triggerPolicy", "retryPolicy", "iteratorPolicy", "parameterIterator", "artifactIterator"); err != nil {
			return nil, err
		}
		ref, _ := ts["componentRef"].(map[string]any)
		key, _ := ref["name"].(string)
		ci := pe.g.infos[key]
		if ci == nil {
			return nil, pe.g.errf(tpath+".componentRef.name", "name a component under components", "component %q does not exist", key)
		}
		if prev := pe.tasks[name]; prev != nil {
			return nil, pe.g.errf(tpath, "give each task of the pipeline a distinct name", "task %q also appears at %s; the Go DSL names tasks uniquely across a pipeline", name, prev.path)
		}
		t := &taskInfo{name: name, spec: ts, path: tpath, dag: d, comp: ci}
		pe.tasks[name] = t
		d.tasks[name] = t
		if ci.kind == kindGroup {
			if strings.TrimPrefix(key, "comp-") != name {
				return nil, pe.g.errf(tpath, "", "group task %q runs %s; KFP names a group task after its component", name, key)
			}
			sub, err := pe.readDag(d, ci, t, ci.path+".dag")
			if err != nil {
				return nil, err
			}
			t.group = sub
		}
	}
	return d, nil
}

// order puts the items of every DAG in an order that creates each task
// and group when the compiler must number it (task name suffixes, group
// numbers) and after everything it reads.
func (pe *pipeEmit) order() error {
	// Exit handlers: the exit task comes before its group.
	for _, d := range pe.dags {
		for _, t := range sortedTasks(d.tasks) {
			if t.group == nil || t.group.kind != "exit-handler" {
				continue
			}
			for _, o := range sortedTasks(d.tasks) {
				if strategy(o.spec) != "ALL_UPSTREAM_TASKS_COMPLETED" || !contains(depList(o.spec), t.name) {
					continue
				}
				if t.exitTask != nil {
					return pe.g.errf(o.path, "", "exit handler %q has two exit tasks (%s and %s); the Go DSL takes one", t.name, t.exitTask.name, o.name)
				}
				t.exitTask, o.exitFor = o, t
			}
		}
	}
	type edge struct{ a, b *taskInfo }
	var edges []edge
	// Names: tasks of one base name in suffix order, groups in number order.
	byBase := map[string][]*taskInfo{}
	var groups []*taskInfo
	for _, d := range pe.dags {
		for _, t := range sortedTasks(d.tasks) {
			if t.group != nil {
				groups = append(groups, t)
				continue
			}
			base := dslK8sName(t.comp.name)
			if t.comp.kind == kindImporter {
				base = "importer"
			}
			switch {
			case t.name == base:
				t.rank = 1
			case strings.HasPrefix(t.name, base+"-") && isDigits(t.name[len(base)+1:]):
				t.rank, _ = strconv.Atoi(t.name[len(base)+1:])
			default:
				return pe.g.errf(t.path, "", "task %q runs component %q; the Go DSL names a task after its component (%s, %s-2, …)", t.name, t.comp.name, base, base)
			}
			byBase[base] = append(byBase[base], t)
		}
	}
	for _, ts := range byBase {
		sort.Slice(ts, func(i, j int) bool { return ts[i].rank < ts[j].rank })
		for i := 1; i < len(ts); i++ {
			edges = append(edges, edge{ts[i-1], ts[i]})
		}
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].group.num < groups[j].group.num })
	for i, t := range groups {
		t.rank = t.group.num
		if i > 0 {
			edges = append(edges, edge{groups[i-1], t})
		}
	}
	// Component keys: the compiler names a nested pipeline's components
	// when it emits the task running it, after the tasks created before it
	// in the same DAG, and renames on collisions (comp-print-op1-2). A task
	// whose component key has the same base and a lower suffix than one the
	// nested pipeline uses comes first, one with a higher suffix after.
	for _, d := range pe.dags {
		for _, p := range sortedTasks(d.tasks) {
			if p.group != nil || p.comp.kind != kindPipeline {
				continue
			}
			inner := pe.g.usedKeys(p.comp, map[string]bool{})
			for _, t := range sortedTasks(d.tasks) {
				if t == p || t.group != nil {
					continue
				}
				base, n := keySuffix(t.comp.key)
				for _, k := range sortedKeys(inner) {
					if kb, kn := keySuffix(k); kb == base && kn != n {
						if n < kn {
							edges = append(edges, edge{t, p})
						} else {
							edges = append(edges, edge{p, t})
						}
						break
					}
				}
			}
		}
	}
	// Data and explicit dependencies.
	for _, d := range pe.dags {
		for _, t := range sortedTasks(d.tasks) {
			for _, p := range pe.producers(t) {
				if p == t.exitFor {
					continue
				}
				edges = append(edges, edge{p, t})
			}
			if t.exitTask != nil {
				edges = append(edges, edge{t.exitTask, t})
			}
		}
	}
	// Lift each edge to the siblings that hold its ends.
	succ := map[*taskInfo][]*taskInfo{}
	indeg := map[*taskInfo]int{}
	seen := map[[2]*taskInfo]bool{}
	for _, e := range edges {
		a, b := pe.lift(e.a, e.b)
		if a == nil || a == b || seen[[2]*taskInfo{a, b}] {
			continue
		}
		seen[[2]*taskInfo{a, b}] = true
		succ[a] = append(succ[a], b)
		indeg[b]++
	}
	for _, d := range pe.dags {
		// Kahn's algorithm with a heap: the least ready item first.
		ready := &readyHeap{}
		all := sortedTasks(d.tasks)
		for _, t := range all {
			if indeg[t] == 0 {
				heap.Push(ready, t)
			}
		}
		for ready.Len() > 0 {
			t := heap.Pop(ready).(*taskInfo)
			d.order = append(d.order, t)
			for _, s := range succ[t] {
				indeg[s]--
				if indeg[s] == 0 {
					heap.Push(ready, s)
				}
			}
		}
		if len(d.order) != len(all) {
			var stuck []string
			for _, t := range all {
				if indeg[t] > 0 {
					stuck = append(stuck, t.name)
				}
			}
			return pe.g.errf(d.path+".tasks", "", "tasks %s cannot be created in an order that gives them these names and feeds each its inputs", strings.Join(stuck, ", "))
		}
	}
	return nil
}

// usedKeys adds to seen the keys of the components that tasks of ci's
// DAG run, through groups and nested pipelines.
func (g *gen) usedKeys(ci *compInfo, seen map[string]bool) map[string]bool {
	dag, _ := ci.spec["dag"].(map[string]any)
	tasks, _ := dag["tasks"].(map[string]any)
	for _, name := range sortedKeys(tasks) {
		ts, _ := tasks[name].(map[string]any)
		ref, _ := ts["componentRef"].(map[string]any)
		key, _ := ref["name"].(string)
		sub := g.infos[key]
		if sub == nil || seen[key] {
			continue
		}
		seen[key] = true
		if sub.kind == kindGroup || sub.kind == kindPipeline {
			g.usedKeys(sub, seen)
		}
	}
	return seen
}

// keySuffix splits a component key into its base and the number the
// compiler appended to make it unique (1 when none).
func keySuffix(key string) (string, int) {
	if m := suffixRE.FindStringSubmatch(key); m != nil {
		n, _ := strconv.Atoi(m[2])
		return m[1], n
	}
	return key, 1
}

// readyHeap orders the items ready to be created by less.
type readyHeap []*taskInfo

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return less(h[i], h[j]) }
func (h readyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)        { *h = append(*h, x.(*taskInfo)) }
func (h *readyHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func less(a, b *taskInfo) bool {
	if (a.group != nil) != (b.group != nil) {
		return a.group == nil
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.name < b.name
}

// lift returns the ancestors of a and b that are items of one DAG.
func (pe *pipeEmit) lift(a, b *taskInfo) (*taskInfo, *taskInfo) {
	chain := func(t *taskInfo) []*taskInfo {
		var out []*taskInfo
		for t != nil {
			out = append([]*taskInfo{t}, out...)
			t = t.dag.task
		}
		return out
	}
	ca, cb := chain(a), chain(b)
	for i := 0; i < len(ca) && i < len(cb); i++ {
		if ca[i] != cb[i] {
			if ca[i].dag != cb[i].dag {
				return nil, nil
			}
			return ca[i], cb[i]
		}
	}
	return nil, nil
}

// producers lists the tasks of t's DAG that t reads from or runs after.
func (pe *pipeEmit) producers(t *taskInfo) []*taskInfo {
	var out []*taskInfo
	add := func(name string) {
		if p := t.dag.tasks[name]; p != nil && p != t {
			out = append(out, p)
		}
	}
	for _, n := range depList(t.spec) {
		add(n)
	}
	ins, _ := t.spec["inputs"].(map[string]any)
	for _, kind := range []string{"parameters", "artifacts"} {
		m, _ := ins[kind].(map[string]any)
		for _, k := range sortedKeys(m) {
			spec, _ := m[k].(map[string]any)
			for _, key := range []string{"taskOutputParameter", "taskOutputArtifact", "taskFinalStatus"} {
				if x, ok := spec[key].(map[string]any); ok {
					n, _ := x["producerTask"].(string)
					add(n)
				}
			}
		}
	}
	return out
}

func depList(ts map[string]any) []string {
	l, _ := ts["dependentTasks"].([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func strategy(ts map[string]any) string {
	tp, _ := ts["triggerPolicy"].(map[string]any)
	s, _ := tp["strategy"].(string)
	return s
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedTasks(m map[string]*taskInfo) []*taskInfo {
	out := make([]*taskInfo, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// body writes the pipeline function's body.
func (pe *pipeEmit) body() ([]byte, error) {
	pe.oneOf = 0
	pe.oneOfVars = map[string]oneOfVar{}
	pe.pending = nil
	if !pe.final {
		pe.oneOfUses = map[string]int{}
	}
	var w bytes.Buffer
	pe.root.inputs = map[string]val{}
	for _, f := range pe.ci.in.fields {
		pe.root.inputs[f.kfp] = val{expr: "in." + f.goName, t: f.t, elem: f.elem}
	}
	// Tasks referenced outside the closure that creates them are declared
	// up front.
	if pe.final {
		for _, d := range pe.dags {
			for _, t := range d.order {
				if t.cross && t.varName != "" {
					fmt.Fprintf(&w, "var %s *dsl.Task[%s]\n", t.varName, pe.outType(t))
				}
			}
		}
	}
	if err := pe.dagBody(&w, pe.root); err != nil {
		return nil, err
	}
	// Outputs.
	if len(pe.ci.out.fields) == 0 {
		w.WriteString("return struct{}{}\n")
		return w.Bytes(), nil
	}
	var parts []string
	for _, f := range pe.ci.out.fields {
		v, err := pe.dagOutput(pe.root, f.kfp, f.t.IsArtifact(), pe.ci.path+".dag.outputs", pe.root)
		if err != nil {
			return nil, err
		}
		e, err := pe.coerceField(v, f, pe.ci.path+".dag.outputs")
		if err != nil {
			return nil, err
		}
		parts = append(parts, f.goName+": "+e)
	}
	pe.flush(&w, pe.root)
	fmt.Fprintf(&w, "return %s{%s}\n", pe.ci.out.typeName, strings.Join(parts, ", "))
	return w.Bytes(), nil
}

func (pe *pipeEmit) outType(t *taskInfo) string {
	if t.comp.kind == kindImporter {
		at := t.comp.c.Outputs[0].Type.Artifact
		return "dsl.ImporterOut[" + pe.g.kindExpr(*at) + "]"
	}
	return t.comp.out.typeExpr()
}

// dagBody writes the items of one DAG.
func (pe *pipeEmit) dagBody(w *bytes.Buffer, d *dagInfo) error {
	for i := 0; i < len(d.order); i++ {
		t := d.order[i]
		if t.exitFor != nil {
			// Written with its exit handler.
			continue
		}
		// Each item goes to its own buffer so that the declarations its
		// rendering asks for come first.
		var item bytes.Buffer
		var err error
		switch {
		case t.group != nil && t.group.kind == "condition-branches":
			err = pe.branches(&item, t)
		case t.group != nil:
			err = pe.groupStmt(&item, t)
		default:
			err = pe.taskStmt(&item, t)
		}
		if err != nil {
			return err
		}
		pe.flush(w, d)
		w.Write(item.Bytes())
	}
	return nil
}

// groupAfter turns the dependentTasks of each group task that its inputs
// do not imply into After on the group's first task.
func (pe *pipeEmit) groupAfter() error {
	for _, d := range pe.dags {
		for _, t := range d.order {
			if t.group == nil {
				continue
			}
			data := dataProducers(t.spec)
			for _, n := range depList(t.spec) {
				if data[n] {
					continue
				}
				p := d.tasks[n]
				if p == nil {
					return pe.g.errf(t.path+".dependentTasks", "name a task of the same DAG", "task %q does not exist in this DAG", n)
				}
				x := firstTask(t.group)
				if x == nil {
					return pe.g.unsupported(t.path+".dependentTasks", fmt.Sprintf("a dependency of group %q, which holds no task", t.name))
				}
				x.after = append(x.after, p)
			}
		}
	}
	return nil
}

// dataProducers is the set of tasks whose outputs a task spec's inputs
// read.
func dataProducers(spec map[string]any) map[string]bool {
	data := map[string]bool{}
	ins, _ := spec["inputs"].(map[string]any)
	for _, kind := range []string{"parameters", "artifacts"} {
		m, _ := ins[kind].(map[string]any)
		for _, k := range sortedKeys(m) {
			in, _ := m[k].(map[string]any)
			for _, key := range []string{"taskOutputParameter", "taskOutputArtifact"} {
				if x, ok := in[key].(map[string]any); ok {
					n, _ := x["producerTask"].(string)
					data[n] = true
				}
			}
		}
	}
	return data
}

// taskStmt writes one task.
func (pe *pipeEmit) taskStmt(w *bytes.Buffer, t *taskInfo) error {
	g := pe.g
	ci := t.comp
	var call string
	skip := map[string]bool{}
	if ci.kind == kindImporter {
		c, err := pe.importerCall(t, skip)
		if err != nil {
			return err
		}
		call = c
	} else {
		args, err := pe.taskArgs(t, skip)
		if err != nil {
			return err
		}
		call = fmt.Sprintf("%s.Task(b, %s)", ci.goName, args)
	}
	var chain []string
	// After: explicit dependencies that no input implies.
	data := dataProducers(t.spec)
	var after []string
	for _, n := range depList(t.spec) {
		if data[n] || (t.exitFor != nil && n == t.exitFor.name) {
			continue
		}
		p := t.dag.tasks[n]
		if p == nil {
			return g.errf(t.path+".dependentTasks", "name a task of the same DAG", "task %q does not exist in this DAG", n)
		}
		e, err := pe.taskRef(t.dag, p)
		if err != nil {
			return err
		}
		after = append(after, e)
	}
	for _, p := range t.after {
		e, err := pe.taskRef(t.dag, p)
		if err != nil {
			return err
		}
		after = append(after, e)
	}
	if len(after) > 0 {
		chain = append(chain, "After("+strings.Join(after, ", ")+")")
	}
	settings, err := pe.taskSettings(t, skip)
	if err != nil {
		return err
	}
	chain = append(chain, settings...)
	if ins, _ := t.spec["inputs"].(map[string]any); ins != nil {
		for _, kind := range []string{"parameters", "artifacts"} {
			m, _ := ins[kind].(map[string]any)
			for _, k := range sortedKeys(m) {
				if !skip[kind+"."+k] {
					return g.errf(t.path+".inputs."+kind+"."+k, "name an input the component declares", "task %q sets %q, which component %q does not declare", t.name, k, ci.key)
				}
			}
		}
	}
	k8s, err := pe.platform(t)
	if err != nil {
		return err
	}
	if len(k8s) > 0 {
		t.used = true
	}
	stmt := call
	for _, c := range chain {
		stmt += ".\n" + c
	}
	switch {
	case t.varName != "" && t.cross:
		fmt.Fprintf(w, "%s = %s\n", t.varName, stmt)
	case t.varName != "":
		fmt.Fprintf(w, "%s := %s\n", t.varName, stmt)
	default:
		w.WriteString(stmt + "\n")
	}
	for _, k := range k8s {
		w.WriteString(strings.ReplaceAll(k, "$T", t.varName) + "\n")
	}
	return nil
}

// taskArgs renders the In struct literal of a task.
func (pe *pipeEmit) taskArgs(t *taskInfo, skip map[string]bool) (string, error) {
	ci := t.comp
	if ci.in.typeName == "" {
		ins, _ := t.spec["inputs"].(map[string]any)
		if len(ins) == 0 {
			return "struct{}{}", nil
		}
	}
	ins, _ := t.spec["inputs"].(map[string]any)
	if err := pe.g.knownKeys(ins, t.path+".inputs", "parameters", "artifacts"); err != nil {
		return "", err
	}
	var parts []string
	for _, f := range ci.in.fields {
		kind := "parameters"
		if f.t.IsArtifact() {
			kind = "artifacts"
		}
		m, _ := ins[kind].(map[string]any)
		spec, ok := m[f.kfp].(map[string]any)
		if !ok {
			continue
		}
		skip[kind+"."+f.kfp] = true
		p := t.path + ".inputs." + kind + "." + f.kfp
		if _, ok := spec["taskFinalStatus"]; ok {
			if f.t.Param != ir.ParamTaskFinalStatus {
				return "", pe.g.errf(p, "", "taskFinalStatus feeds input %q, which is not a PipelineTaskFinalStatus", f.kfp)
			}
			if t.exitFor == nil {
				return "", pe.g.unsupported(p, "a task final status outside an exit handler's exit task")
			}
			continue
		}
		v, err := pe.formatValue(t, spec, p, f.t, skip)
		if err != nil {
			return "", err
		}
		e, err := pe.coerceField(v, f, p)
		if err != nil {
			return "", err
		}
		parts = append(parts, f.goName+": "+e)
	}
	if len(parts) == 0 {
		return ci.in.typeExpr() + "{}", nil
	}
	return ci.in.typeExpr() + "{" + strings.Join(parts, ", ") + "}", nil
}

// inputValue resolves a TaskInputsSpec entry in DAG d.
func (pe *pipeEmit) inputValue(d *dagInfo, spec map[string]any, path string, want ir.Type) (val, error) {
	g := pe.g
	if err := g.knownKeys(spec, path, "componentInputParameter", "componentInputArtifact", "taskOutputParameter", "taskOutputArtifact", "runtimeValue", "parameterExpressionSelector", "taskFinalStatus"); err != nil {
		return val{}, err
	}
	if sel, ok := spec["parameterExpressionSelector"].(string); ok {
		name, _ := spec["componentInputParameter"].(string)
		v, ok := d.inputs[name]
		if !ok || !v.loopItem {
			return val{}, g.unsupported(path+".parameterExpressionSelector", "a parameter expression selector on anything but a loop item")
		}
		m := fieldSelRE.FindStringSubmatch(sel)
		if m == nil {
			return val{}, g.unsupported(path+".parameterExpressionSelector", fmt.Sprintf("selector %q (only parseJson(string_value)[\"field\"])", sel))
		}
		if want.IsArtifact() || want.Param == ir.ParamTaskFinalStatus {
			return val{}, g.errf(path, "", "an item field feeds an artifact input")
		}
		return val{expr: fmt.Sprintf("dsl.ItemField[%s](%s, %q)", paramGoType(want.Param), v.expr, m[1]), t: want}, nil
	}
	for _, k := range []string{"componentInputParameter", "componentInputArtifact"} {
		if name, ok := spec[k].(string); ok {
			v, ok := d.inputs[name]
			if !ok {
				return val{}, g.errf(path+"."+k, "name an input of the enclosing component", "input %q does not exist here", name)
			}
			return v, nil
		}
	}
	for _, k := range []string{"taskOutputParameter", "taskOutputArtifact"} {
		if x, ok := spec[k].(map[string]any); ok {
			prod, _ := x["producerTask"].(string)
			key, _ := x["outputParameterKey"].(string)
			if k == "taskOutputArtifact" {
				key, _ = x["outputArtifactKey"].(string)
			}
			return pe.taskOutput(d, prod, key, k == "taskOutputArtifact", path+"."+k, d)
		}
	}
	if rv, ok := spec["runtimeValue"].(map[string]any); ok {
		if err := g.knownKeys(rv, path+".runtimeValue", "constant"); err != nil {
			return val{}, err
		}
		c, ok := rv["constant"]
		if !ok {
			return val{}, g.errf(path+".runtimeValue", "give runtimeValue a constant", "has no constant")
		}
		return pe.literal(c, want, path+".runtimeValue.constant")
	}
	return val{}, g.errf(path, "", "the input has no value")
}

var embeddedChannelRE = regexp.MustCompile(`\{\{\$\.inputs\.parameters\['(pipelinechannel--[^']*)'\]\}\}`)

// formatValue is inputValue, except that a constant with embedded channel
// placeholders (a Python f-string over pipeline channels, or a list or
// dict holding run-time values) becomes dsl.Format, or dsl.Compose, over
// the values those channels carry; their injected task inputs are
// consumed.
func (pe *pipeEmit) formatValue(t *taskInfo, spec map[string]any, path string, want ir.Type, skip map[string]bool) (val, error) {
	rv, _ := spec["runtimeValue"].(map[string]any)
	switch c := rv["constant"].(type) {
	case string:
		if want.Param != ir.ParamString || pipeValueRE.MatchString(c) || !embeddedChannelRE.MatchString(c) {
			break
		}
		e, err := pe.embedded(t, c, path, skip, true)
		if err != nil {
			return val{}, err
		}
		return val{expr: e, t: want}, nil
	case []any, map[string]any:
		if want.IsArtifact() || (want.Param != ir.ParamList && want.Param != ir.ParamStruct) || !hasEmbedded(c) {
			break
		}
		e, err := pe.composeLiteral(t, c, path, skip)
		if err != nil {
			return val{}, err
		}
		return val{expr: "dsl.Compose[" + paramGoType(want.Param) + "](" + e + ")", t: want}, nil
	}
	return pe.inputValue(t.dag, spec, path, want)
}

// hasEmbedded reports whether a constant's strings embed a channel
// placeholder.
func hasEmbedded(v any) bool {
	switch x := v.(type) {
	case string:
		return embeddedChannelRE.MatchString(x)
	case []any:
		for _, e := range x {
			if hasEmbedded(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasEmbedded(e) {
				return true
			}
		}
	}
	return false
}

// composeLiteral renders a constant tree for dsl.Compose: anyLiteral with
// each string that embeds channels replaced by the value (or a
// dsl.Format of the values and text).
func (pe *pipeEmit) composeLiteral(t *taskInfo, v any, path string, skip map[string]bool) (string, error) {
	switch x := v.(type) {
	case string:
		if !embeddedChannelRE.MatchString(x) {
			return strconv.Quote(x), nil
		}
		return pe.embedded(t, x, path, skip, false)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := pe.composeLiteral(t, e, fmt.Sprintf("%s[%d]", path, i), skip)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return "[]any{" + strings.Join(parts, ", ") + "}", nil
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			s, err := pe.composeLiteral(t, x[k], path+"."+k, skip)
			if err != nil {
				return "", err
			}
			parts = append(parts, strconv.Quote(k)+": "+s)
		}
		return "map[string]any{" + strings.Join(parts, ", ") + "}", nil
	}
	return anyLiteral(v), nil
}

// embedded renders a string with embedded channel placeholders: the value
// itself when the string is one placeholder (unless format asks for a
// string), else dsl.Format of its text and values.
func (pe *pipeEmit) embedded(t *taskInfo, c, path string, skip map[string]bool, format bool) (string, error) {
	return pe.embeddedRE(t, c, path, skip, format, embeddedChannelRE)
}

// embeddedRE is embedded for the placeholders re matches (its first group
// names the task input).
func (pe *pipeEmit) embeddedRE(t *taskInfo, c, path string, skip map[string]bool, format bool, re *regexp.Regexp) (string, error) {
	ms := re.FindAllStringSubmatchIndex(c, -1)
	ins, _ := t.spec["inputs"].(map[string]any)
	params, _ := ins["parameters"].(map[string]any)
	var parts []string
	last := 0
	for _, m := range ms {
		if m[0] > last {
			parts = append(parts, goString(c[last:m[0]]))
		}
		name := c[m[2]:m[3]]
		cs, ok := params[name].(map[string]any)
		if !ok {
			return "", pe.g.errf(path, "", "the constant embeds %s, which the task does not set", name)
		}
		skip["parameters."+name] = true
		v, err := pe.inputValue(t.dag, cs, t.path+".inputs.parameters."+name, ir.Type{Param: ir.ParamString})
		if err != nil {
			return "", err
		}
		if v.t.IsArtifact() {
			return "", pe.g.errf(t.path+".inputs.parameters."+name, "", "an artifact is embedded in a constant")
		}
		parts = append(parts, v.expr)
		last = m[1]
	}
	if last < len(c) {
		parts = append(parts, goString(c[last:]))
	}
	if !format && len(parts) == 1 {
		return parts[0], nil
	}
	return "dsl.Format(" + strings.Join(parts, ", ") + ")", nil
}

var fieldSelRE = regexp.MustCompile(`^parseJson\(string_value\)\["([A-Za-z_][A-Za-z0-9_]*)"\]$`)

// literal renders a constant for an input of type want.
func (pe *pipeEmit) literal(c any, want ir.Type, path string) (val, error) {
	if want.IsArtifact() {
		return val{}, pe.g.errf(path, "", "a constant feeds an artifact input")
	}
	if s, ok := c.(string); ok && want.Param == ir.ParamString {
		if m := pipeValueRE.FindStringSubmatch(s); m != nil {
			if fn, ok := pipelineValues[m[1]]; ok {
				return val{expr: "dsl." + fn + "()", t: want}, nil
			}
		}
	}
	e, err := goLiteral(c, want.Param)
	if err != nil {
		return val{}, pe.g.errf(path, "write the constant in the input's type", "%v", err)
	}
	return val{expr: "dsl.Lit(" + e + ")", t: want}, nil
}

var pipeValueRE = regexp.MustCompile(`^\{\{\$\.([a-z_]+)\}\}$`)

// goLiteral renders a JSON value as a Go literal of the parameter type.
func goLiteral(c any, pt ir.ParamType) (string, error) {
	switch pt {
	case ir.ParamString:
		s, ok := c.(string)
		if !ok {
			return "", fmt.Errorf("%v is not a string", c)
		}
		return goString(s), nil
	case ir.ParamInt:
		f, ok := c.(float64)
		if !ok || f != math.Trunc(f) {
			return "", fmt.Errorf("%v is not an integer", c)
		}
		return strconv.FormatInt(int64(f), 10), nil
	case ir.ParamDouble:
		f, ok := c.(float64)
		if !ok {
			return "", fmt.Errorf("%v is not a number", c)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s, nil
	case ir.ParamBool:
		b, ok := c.(bool)
		if !ok {
			return "", fmt.Errorf("%v is not a boolean", c)
		}
		return strconv.FormatBool(b), nil
	case ir.ParamList:
		l, ok := c.([]any)
		if !ok {
			return "", fmt.Errorf("%v is not a list", c)
		}
		return anyLiteral(l), nil
	case ir.ParamStruct:
		m, ok := c.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%v is not a mapping", c)
		}
		return anyLiteral(m), nil
	}
	return "", fmt.Errorf("a constant cannot feed a %s input", pt)
}

// anyLiteral renders a JSON tree as a Go []any / map[string]any literal
// (map keys sorted, integral numbers as ints).
func anyLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = anyLiteral(e)
		}
		return "[]any{" + strings.Join(parts, ", ") + "}"
	case map[string]any:
		var parts []string
		for _, k := range sortedKeys(x) {
			parts = append(parts, strconv.Quote(k)+": "+anyLiteral(x[k]))
		}
		return "map[string]any{" + strings.Join(parts, ", ") + "}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// taskRef is the variable of task p, marking it used.
func (pe *pipeEmit) taskRef(from *dagInfo, p *taskInfo) (string, error) {
	if p.group != nil {
		// A dependency on a group: the DSL writes one for After(task) on a
		// task inside it (KFP's task.after on a task in a loop or
		// condition). Take its first task.
		inner := firstTask(p.group)
		if inner == nil {
			return "", pe.g.unsupported(p.path, fmt.Sprintf("a dependency on group %q, which holds no task", p.name))
		}
		p = inner
	}
	p.used = true
	if !encloses(p.dag, from) {
		p.cross = true
	}
	if pe.final && p.varName == "" {
		return "", fmt.Errorf("importgo: task %q has no variable (a bug of the importer)", p.name)
	}
	return p.varName, nil
}

// firstTask is the first task (in creation order) inside a group's DAG.
func firstTask(d *dagInfo) *taskInfo {
	for _, t := range d.order {
		if t.group == nil {
			if t.exitFor != nil {
				continue
			}
			return t
		}
		if x := firstTask(t.group); x != nil {
			return x
		}
	}
	return nil
}

func encloses(outer, inner *dagInfo) bool {
	for d := inner; d != nil; d = d.parent {
		if d == outer {
			return true
		}
	}
	return false
}

// taskOutput resolves output key of task prod in DAG d.
func (pe *pipeEmit) taskOutput(d *dagInfo, prod, key string, artifact bool, path string, from *dagInfo) (val, error) {
	p := d.tasks[prod]
	if p == nil {
		return val{}, pe.g.errf(path+".producerTask", "name a task of the same DAG", "task %q does not exist in this DAG", prod)
	}
	if p.group != nil {
		return pe.dagOutput(p.group, key, artifact, p.group.path+".outputs", from)
	}
	ref, err := pe.taskRef(from, p)
	if err != nil {
		return val{}, err
	}
	if p.comp.kind == kindImporter {
		if key != "artifact" {
			return val{}, pe.g.errf(path, "", "an importer has one output, artifact, not %q", key)
		}
		return val{expr: ref + ".Out.Artifact", t: p.comp.c.Outputs[0].Type}, nil
	}
	f := p.comp.out.byName[key]
	if f == nil || f.t.IsArtifact() != artifact {
		return val{}, pe.g.errf(path, "name an output of the producer's component", "task %q has no output %q of that kind", prod, key)
	}
	return val{expr: ref + ".Out." + f.goName, t: f.t, elem: f.elem}, nil
}

// dagOutput resolves output key of DAG sub (a group or the pipeline).
func (pe *pipeEmit) dagOutput(sub *dagInfo, key string, artifact bool, path string, from *dagInfo) (val, error) {
	outs, _ := sub.spec["outputs"].(map[string]any)
	if err := pe.g.knownKeys(outs, path, "parameters", "artifacts"); err != nil {
		return val{}, err
	}
	kind := "parameters"
	if artifact {
		kind = "artifacts"
	}
	m, _ := outs[kind].(map[string]any)
	spec, ok := m[key].(map[string]any)
	p := path + "." + kind + "." + key
	if !ok {
		return val{}, pe.g.errf(p, "", "is missing")
	}
	var sels []map[string]any
	oneOf := false
	if artifact {
		if err := pe.g.knownKeys(spec, p, "artifactSelectors"); err != nil {
			return val{}, err
		}
		l, _ := spec["artifactSelectors"].([]any)
		for _, x := range l {
			s, _ := x.(map[string]any)
			sels = append(sels, map[string]any{"producerSubtask": s["producerSubtask"], "key": s["outputArtifactKey"]})
		}
		oneOf = len(sels) > 1
	} else {
		if err := pe.g.knownKeys(spec, p, "valueFromParameter", "valueFromOneof"); err != nil {
			return val{}, err
		}
		if s, ok := spec["valueFromParameter"].(map[string]any); ok {
			sels = append(sels, map[string]any{"producerSubtask": s["producerSubtask"], "key": s["outputParameterKey"]})
		}
		if o, ok := spec["valueFromOneof"].(map[string]any); ok {
			oneOf = true
			l, _ := o["parameterSelectors"].([]any)
			for _, x := range l {
				s, _ := x.(map[string]any)
				sels = append(sels, map[string]any{"producerSubtask": s["producerSubtask"], "key": s["outputParameterKey"]})
			}
		}
	}
	if len(sels) == 0 {
		return val{}, pe.g.errf(p, "", "names no producer")
	}
	var vals []val
	for i, s := range sels {
		prod, _ := s["producerSubtask"].(string)
		k, _ := s["key"].(string)
		v, err := pe.taskOutput(sub, prod, k, artifact, fmt.Sprintf("%s[%d]", p, i), from)
		if err != nil {
			return val{}, err
		}
		vals = append(vals, v)
	}
	if oneOf {
		if sub.kind != "condition-branches" {
			return val{}, pe.g.unsupported(p, "a oneOf output outside an If/Elif/Else chain")
		}
		t := vals[0].t
		var es []string
		for _, v := range vals {
			e, err := pe.coerce(v, t, p)
			if err != nil {
				return val{}, err
			}
			es = append(es, e)
		}
		fn := "dsl.OneOf"
		if artifact {
			fn = "dsl.OneOfArtifact"
		}
		expr := fn + "(b, " + strings.Join(es, ", ") + ")"
		if !pe.final {
			pe.oneOfUses[p]++
			return val{expr: expr, t: t}, nil
		}
		if pe.oneOfUses[p] < 2 {
			return val{expr: expr, t: t}, nil
		}
		// Read more than once: one OneOf, declared before its first read.
		if v, ok := pe.oneOfVars[p]; ok {
			if !encloses(v.dag, from) {
				return val{}, pe.g.unsupported(p, "a OneOf value read in a scope its first read does not enclose")
			}
			return val{expr: v.name, t: t}, nil
		}
		name := pe.vars.claim("oneOf")
		pe.oneOfVars[p] = oneOfVar{name: name, dag: from}
		pe.pending = append(pe.pending, pendingDecl{dag: from, stmt: name + " := " + expr + "\n"})
		return val{expr: name, t: t}, nil
	}
	v := vals[0]
	if sub.kind == "for-loop" && !v.collected {
		if artifact {
			return val{expr: "dsl.CollectedArtifacts(" + v.expr + ")", t: ir.Type{Artifact: v.t.Artifact, List: true}, collected: true}, nil
		}
		return val{expr: "dsl.Collected[[]any](" + v.expr + ")", t: ir.Type{Param: ir.ParamList}, collected: true}, nil
	}
	return v, nil
}

// coerceField is coerce to the type of field f, whose Go list type must
// also match.
func (pe *pipeEmit) coerceField(v val, f *fieldInfo, path string) (string, error) {
	e, err := pe.coerce(v, f.t, path)
	if err != nil {
		return "", err
	}
	if f.elem != "" && strings.HasPrefix(e, "dsl.Lit([]any{") {
		return "dsl.Lit([]" + f.elem + "{" + strings.TrimPrefix(e, "dsl.Lit([]any{"), nil
	}
	if !f.t.IsArtifact() && f.t.Param == ir.ParamList && v.elem != f.elem && !strings.HasPrefix(e, "dsl.Lit(") {
		goT := func(elem string) string {
			if elem == "" {
				return "[]any"
			}
			return "[]" + elem
		}
		return "", pe.g.errf(path, "", "a %s list feeds %q, a %s list; the Go DSL has no conversion between list types", goT(v.elem), f.kfp, goT(f.elem))
	}
	return e, nil
}

// coerce converts v to the handle type want.
func (pe *pipeEmit) coerce(v val, want ir.Type, path string) (string, error) {
	if v.t.IsArtifact() != want.IsArtifact() {
		return "", pe.g.errf(path, "", "a %s value feeds a %s input", v.t, want)
	}
	if !want.IsArtifact() {
		if v.t.Param == ir.ParamTaskFinalStatus && want.Param == ir.ParamStruct {
			return "dsl.StatusAsStruct(" + v.expr + ")", nil
		}
		if v.t.Param != want.Param {
			return "", pe.g.errf(path, "", "a %s value feeds a %s input; the Go DSL checks parameter types exactly", v.t.Param, want.Param)
		}
		return v.expr, nil
	}
	if v.t.List != want.List {
		return "", pe.g.errf(path, "", "a %s value feeds a %s input", v.t, want)
	}
	if *v.t.Artifact == *want.Artifact {
		return v.expr, nil
	}
	if v.t.List {
		return "", pe.g.errf(path, "", "a list of %s feeds a list of %s; the Go DSL has no conversion between artifact lists", v.t.Artifact.SchemaTitle, want.Artifact.SchemaTitle)
	}
	switch {
	case want.Artifact.SchemaTitle == ir.GenericArtifactTitle && want.Artifact.SchemaVersion == "0.0.1":
		return "dsl.AsGeneric(" + v.expr + ")", nil
	case v.t.Artifact.SchemaTitle == ir.GenericArtifactTitle && v.t.Artifact.SchemaVersion == "0.0.1":
		return "dsl.FromGeneric[" + pe.g.kindExpr(*want.Artifact) + "](" + v.expr + ")", nil
	}
	return "", pe.g.errf(path, "", "a %s artifact feeds a %s input", v.t.Artifact.SchemaTitle, want.Artifact.SchemaTitle)
}

func dslK8sName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
