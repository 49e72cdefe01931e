package componentyaml

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// v2 loads a PipelineSpec document (and an optional PlatformSpec).
func (l *loader) v2(doc, platform map[string]any) (*ir.Component, error) {
	info, err := l.mapAt(doc, "pipelineInfo", "")
	if err != nil {
		return nil, err
	}
	if info == nil {
		return nil, l.errf("pipelineInfo", "add pipelineInfo: {name: my-component}", "is missing")
	}
	name, err := l.strAt(info, "name", "pipelineInfo", true)
	if err != nil {
		return nil, err
	}
	if dsl.K8sName(name) == "" {
		return nil, l.errf("pipelineInfo.name", "use letters, digits and dashes", "name %q is empty once made Kubernetes-compatible", name)
	}
	root, err := l.mapAt(doc, "root", "")
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, l.errf("root", "add the root component (inputDefinitions, outputDefinitions, dag)", "is missing")
	}
	comps, execs, err := l.componentsAndExecutors(doc)
	if err != nil {
		return nil, err
	}
	if err := l.checkGraph(root, comps, execs); err != nil {
		return nil, err
	}
	var platExecs map[string]any
	var ws *ir.Workspace
	if platform != nil {
		if platExecs, err = l.platformExecutors(platform); err != nil {
			return nil, err
		}
		if ws, err = l.pipelineWorkspace(platform); err != nil {
			return nil, err
		}
	}
	desc, _ := info["description"].(string)

	// A component: the executor exec-<name> holds a plain container.
	key := dsl.K8sName(name)
	if comp, ok := comps["comp-"+key].(map[string]any); ok && platExecs == nil && ws == nil {
		if x, ok := execs["exec-"+key].(map[string]any); ok && comp["executorLabel"] == "exec-"+key && singleTask(root, "comp-"+key) && sameInterface(root, comp) {
			if ctr, ok := x["container"].(map[string]any); ok && plainContainer(ctr) {
				ins, outs, err := l.interfaceOf(comp, "components.comp-"+key)
				if err != nil {
					return nil, err
				}
				c := &ir.Component{Name: name, Description: desc, Inputs: ins, Outputs: outs}
				impl, err := l.container(ctr, "deploymentSpec.executors.exec-"+key+".container", c)
				if err != nil {
					return nil, err
				}
				c.Impl = impl
				return c, nil
			}
		}
	}
	// A pipeline: merged as compiled.
	ins, outs, err := l.interfaceOf(root, "root")
	if err != nil {
		return nil, err
	}
	return &ir.Component{Name: name, Description: desc, Inputs: ins, Outputs: outs,
		Impl: &ir.Compiled{Spec: doc, Platform: platExecs, Workspace: ws}}, nil
}

// componentsAndExecutors returns a PipelineSpec's components and
// deploymentSpec.executors mappings (nil when absent).
func (l *loader) componentsAndExecutors(doc map[string]any) (comps, execs map[string]any, err error) {
	if comps, err = l.mapAt(doc, "components", ""); err != nil {
		return nil, nil, err
	}
	ds, err := l.mapAt(doc, "deploymentSpec", "")
	if err != nil {
		return nil, nil, err
	}
	if execs, err = l.mapAt(ds, "executors", "deploymentSpec"); err != nil {
		return nil, nil, err
	}
	return comps, execs, nil
}

// checkGraph checks that DAG tasks refer to existing components and
// components to existing executors; that each component is either a
// container (executorLabel) or a pipeline (dag); and that every task
// output a DAG reads (task inputs taskOutputParameter, taskOutputArtifact
// and taskFinalStatus, dependentTasks, and the DAG's outputs) names a task
// of that DAG and an output its component declares. KFP's backend drops a
// DAG output whose producer does not exist instead of failing the run.
func (l *loader) checkGraph(root, comps, execs map[string]any) error {
	check := func(spec map[string]any, path string) error {
		if lbl, ok := spec["executorLabel"]; ok {
			s, isStr := lbl.(string)
			if !isStr {
				return l.errf(join(path, "executorLabel"), "write the executor label as a string", "is a %s", kindOf(lbl))
			}
			if _, ok := execs[s]; !ok {
				return l.errf(join(path, "executorLabel"), "add the executor under deploymentSpec.executors or fix the label", "executor %q does not exist", s)
			}
		}
		dag, err := l.mapAt(spec, "dag", path)
		if err != nil {
			return err
		}
		tasks, err := l.mapAt(dag, "tasks", join(path, "dag"))
		if err != nil {
			return err
		}
		for _, tn := range sortedKeys(tasks) {
			tp := join(path, "dag.tasks."+tn)
			ts, ok := tasks[tn].(map[string]any)
			if !ok {
				return l.errf(tp, "write the task as a mapping", "is a %s", kindOf(tasks[tn]))
			}
			ref, err := l.mapAt(ts, "componentRef", tp)
			if err != nil {
				return err
			}
			cn, err := l.strAt(ref, "name", join(tp, "componentRef"), true)
			if err != nil {
				return err
			}
			if _, ok := comps[cn]; !ok {
				return l.errf(join(tp, "componentRef.name"), "add the component under components or fix the name", "component %q does not exist", cn)
			}
		}
		if dag == nil {
			return nil
		}
		g := dagRefs{l: l, tasks: tasks, comps: comps}
		for _, tn := range sortedKeys(tasks) {
			ts, _ := tasks[tn].(map[string]any)
			if err := g.task(ts, join(path, "dag.tasks."+tn)); err != nil {
				return err
			}
		}
		return g.outputs(dag, join(path, "dag"))
	}
	if err := check(root, "root"); err != nil {
		return err
	}
	for _, n := range sortedKeys(comps) {
		c, ok := comps[n].(map[string]any)
		if !ok {
			return l.errf("components."+n, "write the component as a mapping", "is a %s", kindOf(comps[n]))
		}
		_, hasExec := c["executorLabel"]
		_, hasDAG := c["dag"]
		switch {
		case !hasExec && !hasDAG:
			return l.errf("components."+n, "add executorLabel naming an executor under deploymentSpec.executors (a container or importer component) or a dag with tasks (a pipeline component)",
				"has neither executorLabel nor dag")
		case hasExec && hasDAG:
			return l.errf("components."+n, "keep executorLabel (a container or importer component) or dag (a pipeline component), not both",
				"has both executorLabel and dag")
		}
		if err := check(c, "components."+n); err != nil {
			return err
		}
		if _, _, err := l.interfaceOf(c, "components."+n); err != nil {
			return err
		}
	}
	for _, n := range sortedKeys(execs) {
		x, ok := execs[n].(map[string]any)
		if !ok {
			return l.errf("deploymentSpec.executors."+n, "write the executor as a mapping with container or importer", "is a %s", kindOf(execs[n]))
		}
		p := "deploymentSpec.executors." + n
		ctr, err := l.mapAt(x, "container", p)
		if err != nil {
			return err
		}
		if err := l.knownKeys(ctr, join(p, "container"), containerSpecKeys, "KFP's PipelineContainerSpec"); err != nil {
			return err
		}
	}
	return nil
}

// containerSpecKeys are the fields of KFP's PipelineContainerSpec
// (pipeline_spec.proto: image, command, args, lifecycle, resources, env),
// sorted.
var containerSpecKeys = []string{"args", "command", "env", "image", "lifecycle", "resources"}

// knownKeys refuses a key of m that is not in known (sorted), naming the
// known ones; what names the structure for the hint.
func (l *loader) knownKeys(m map[string]any, path string, known []string, what string) error {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			return l.errf(join(path, k), "remove it or fix its spelling: "+what+" has no such field",
				"unknown key %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// dagRefs checks the task outputs one DAG reads.
type dagRefs struct {
	l     *loader
	tasks map[string]any // the DAG's tasks, each a mapping with a checked componentRef
	comps map[string]any // the pipeline's components
}

// producer checks that m[key] names a task of the DAG and returns it.
func (g dagRefs) producer(m map[string]any, key, path string) (string, error) {
	if _, err := g.l.strAt(m, key, path, true); err != nil {
		return "", err
	}
	return g.taskNamed(m[key], join(path, key))
}

// taskNamed checks that v, at path, names a task of the DAG.
func (g dagRefs) taskNamed(v any, path string) (string, error) {
	name, ok := v.(string)
	if !ok {
		return "", g.l.errf(path, "write the task name as a string", "is a %s, want a task name", kindOf(v))
	}
	if _, ok := g.tasks[name]; !ok {
		known := sortedKeys(g.tasks)
		if len(known) == 0 {
			known = []string{"(none)"}
		}
		return "", g.l.errf(path, "name one of the tasks of this DAG: "+strings.Join(known, ", "), "task %q does not exist in this DAG", name)
	}
	return name, nil
}

// output checks that m[key] names an output of kind ("parameters" or
// "artifacts") that the component of task declares.
func (g dagRefs) output(m map[string]any, key, path, task, kind string) error {
	name, err := g.l.strAt(m, key, path, true)
	if err != nil {
		return err
	}
	ts, _ := g.tasks[task].(map[string]any)
	ref, _ := ts["componentRef"].(map[string]any)
	cn, _ := ref["name"].(string)
	comp, _ := g.comps[cn].(map[string]any)
	defs, _ := comp["outputDefinitions"].(map[string]any)
	items, _ := defs[kind].(map[string]any)
	if _, ok := items[name]; ok {
		return nil
	}
	kindName := strings.TrimSuffix(kind, "s")
	known := sortedKeys(items)
	if len(known) == 0 {
		known = []string{"(none)"}
	}
	return g.l.errf(join(path, key), fmt.Sprintf("name one of the output %ss of %s: %s", kindName, cn, strings.Join(known, ", ")),
		"task %q (component %s) has no output %s %q", task, cn, kindName, name)
}

// selector checks one {producer: task, outputKey: name} pair.
func (g dagRefs) selector(m map[string]any, path, producerKey, outputKey, kind string) error {
	task, err := g.producer(m, producerKey, path)
	if err != nil {
		return err
	}
	return g.output(m, outputKey, path, task, kind)
}

// task checks a task's dependentTasks and the task outputs its inputs read.
func (g dagRefs) task(ts map[string]any, path string) error {
	if raw, ok := ts["dependentTasks"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return g.l.errf(join(path, "dependentTasks"), "write a list of task names", "is a %s, want a list", kindOf(raw))
		}
		for i, it := range list {
			if _, err := g.taskNamed(it, fmt.Sprintf("%s[%d]", join(path, "dependentTasks"), i)); err != nil {
				return err
			}
		}
	}
	ins, err := g.l.mapAt(ts, "inputs", path)
	if err != nil {
		return err
	}
	for _, kind := range []string{"parameters", "artifacts"} {
		items, err := g.l.mapAt(ins, kind, join(path, "inputs"))
		if err != nil {
			return err
		}
		for _, n := range sortedKeys(items) {
			p := join(path, "inputs."+kind+"."+n)
			in, ok := items[n].(map[string]any)
			if !ok {
				return g.l.errf(p, "write the input as a mapping", "is a %s, want a mapping", kindOf(items[n]))
			}
			from, fromKey, outKey := "taskOutputParameter", "producerTask", "outputParameterKey"
			if kind == "artifacts" {
				from, outKey = "taskOutputArtifact", "outputArtifactKey"
			}
			if sel, err := g.l.mapAt(in, from, p); err != nil {
				return err
			} else if sel != nil {
				if err := g.selector(sel, join(p, from), fromKey, outKey, kind); err != nil {
					return err
				}
			}
			if kind == "parameters" {
				if st, err := g.l.mapAt(in, "taskFinalStatus", p); err != nil {
					return err
				} else if st != nil {
					if _, err := g.producer(st, "producerTask", join(p, "taskFinalStatus")); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// outputs checks a DAG's outputs (KFP DagOutputsSpec).
func (g dagRefs) outputs(dag map[string]any, path string) error {
	outs, err := g.l.mapAt(dag, "outputs", path)
	if err != nil {
		return err
	}
	path = join(path, "outputs")
	params, err := g.l.mapAt(outs, "parameters", path)
	if err != nil {
		return err
	}
	for _, n := range sortedKeys(params) {
		p := join(path, "parameters."+n)
		spec, ok := params[n].(map[string]any)
		if !ok {
			return g.l.errf(p, "write the output as a mapping with valueFromParameter or valueFromOneof", "is a %s, want a mapping", kindOf(params[n]))
		}
		if sel, err := g.l.mapAt(spec, "valueFromParameter", p); err != nil {
			return err
		} else if sel != nil {
			if err := g.selector(sel, join(p, "valueFromParameter"), "producerSubtask", "outputParameterKey", "parameters"); err != nil {
				return err
			}
		}
		oneof, err := g.l.mapAt(spec, "valueFromOneof", p)
		if err != nil {
			return err
		}
		if err := g.selectors(oneof, "parameterSelectors", join(p, "valueFromOneof"), "outputParameterKey", "parameters"); err != nil {
			return err
		}
	}
	arts, err := g.l.mapAt(outs, "artifacts", path)
	if err != nil {
		return err
	}
	for _, n := range sortedKeys(arts) {
		p := join(path, "artifacts."+n)
		spec, ok := arts[n].(map[string]any)
		if !ok {
			return g.l.errf(p, "write the output as a mapping with artifactSelectors", "is a %s, want a mapping", kindOf(arts[n]))
		}
		if err := g.selectors(spec, "artifactSelectors", p, "outputArtifactKey", "artifacts"); err != nil {
			return err
		}
	}
	return nil
}

// selectors checks the list m[key] of {producerSubtask, outKey} selectors.
func (g dagRefs) selectors(m map[string]any, key, path, outKey, kind string) error {
	raw, ok := m[key]
	if !ok || raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		return g.l.errf(join(path, key), "write a list of {producerSubtask, "+outKey+"}", "is a %s, want a list", kindOf(raw))
	}
	for i, it := range list {
		p := fmt.Sprintf("%s[%d]", join(path, key), i)
		sel, ok := it.(map[string]any)
		if !ok {
			return g.l.errf(p, "write {producerSubtask: TASK, "+outKey+": NAME}", "is a %s, want a mapping", kindOf(it))
		}
		if err := g.selector(sel, p, "producerSubtask", outKey, kind); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) platformExecutors(doc map[string]any) (map[string]any, error) {
	ps, err := l.mapAt(doc, "platforms", "document 2")
	if err != nil {
		return nil, err
	}
	k, err := l.mapAt(ps, "kubernetes", "platforms")
	if err != nil {
		return nil, err
	}
	ds, err := l.mapAt(k, "deploymentSpec", "platforms.kubernetes")
	if err != nil {
		return nil, err
	}
	return l.mapAt(ds, "executors", "platforms.kubernetes.deploymentSpec")
}

// pipelineWorkspace reads the PlatformSpec's
// platforms.kubernetes.pipelineConfig.workspace (KFP WorkspaceConfig as
// kfp.compiler writes it: size and kubernetes.pvcSpecPatch), or returns nil
// when there is none. The other pipelineConfig settings (resourceTtl*,
// activeDeadlineSeconds) bound the whole run: they are left to the pipeline
// that uses the loaded one, as KFP leaves them to the outermost pipeline.
func (l *loader) pipelineWorkspace(doc map[string]any) (*ir.Workspace, error) {
	ps, _ := doc["platforms"].(map[string]any)
	k, _ := ps["kubernetes"].(map[string]any)
	const at = "platforms.kubernetes.pipelineConfig"
	pc, err := l.mapAt(k, "pipelineConfig", "platforms.kubernetes")
	if err != nil || pc == nil {
		return nil, err
	}
	w, err := l.mapAt(pc, "workspace", at)
	if err != nil || w == nil {
		return nil, err
	}
	wp := at + ".workspace"
	for _, key := range sortedKeys(w) {
		if key != "size" && key != "kubernetes" {
			return nil, l.errf(join(wp, key), "keep only size and kubernetes.pvcSpecPatch (KFP WorkspaceConfig)", "unknown workspace setting %q", key)
		}
	}
	size, err := l.strAt(w, "size", wp, true)
	if err != nil {
		return nil, err
	}
	if !dsl.ValidWorkspaceSize(size) {
		return nil, l.errf(join(wp, "size"), `give a Kubernetes quantity such as "10Gi", "500Mi" or "1Ti"`, "workspace size %q is not a valid size", size)
	}
	kw, err := l.mapAt(w, "kubernetes", wp)
	if err != nil {
		return nil, err
	}
	for _, key := range sortedKeys(kw) {
		if key != "pvcSpecPatch" {
			return nil, l.errf(join(wp, "kubernetes."+key), "keep only pvcSpecPatch (KFP KubernetesWorkspaceConfig)", "unknown Kubernetes workspace setting %q", key)
		}
	}
	patch, err := l.mapAt(kw, "pvcSpecPatch", join(wp, "kubernetes"))
	if err != nil {
		return nil, err
	}
	ws := &ir.Workspace{Size: strings.TrimSpace(size)}
	if len(patch) > 0 {
		ws.PVCSpecPatch = patch
	}
	return ws, nil
}

// singleTask reports whether root's DAG is one task running comp.
func singleTask(root map[string]any, comp string) bool {
	dag, _ := root["dag"].(map[string]any)
	tasks, _ := dag["tasks"].(map[string]any)
	if len(tasks) != 1 {
		return false
	}
	for _, t := range tasks {
		tm, _ := t.(map[string]any)
		ref, _ := tm["componentRef"].(map[string]any)
		return ref["name"] == comp
	}
	return false
}

// sameInterface reports whether the root declares exactly the component's
// inputs and outputs (defaults included), as a compiled component does; a
// pipeline that only happens to share its component's name differs.
func sameInterface(root, comp map[string]any) bool {
	return reflect.DeepEqual(root["inputDefinitions"], comp["inputDefinitions"]) &&
		reflect.DeepEqual(root["outputDefinitions"], comp["outputDefinitions"])
}

// plainContainer reports whether a container spec holds only what an
// ir.Container carries (image, command, args, env).
func plainContainer(c map[string]any) bool {
	for k := range c {
		switch k {
		case "image", "command", "args", "env":
		default:
			return false
		}
	}
	return true
}

// container converts an IR PipelineContainerSpec to an ir.Container.
func (l *loader) container(c map[string]any, path string, comp *ir.Component) (*ir.Container, error) {
	img, err := l.strAt(c, "image", path, true)
	if err != nil {
		return nil, err
	}
	out := &ir.Container{Image: img}
	for _, f := range []struct {
		key string
		dst *[]ir.Arg
	}{{"command", &out.Command}, {"args", &out.Args}} {
		v, ok := c[f.key]
		if !ok || v == nil {
			continue
		}
		list, ok := v.([]any)
		if !ok {
			return nil, l.errf(join(path, f.key), "write a list of strings", "is a %s, want a list", kindOf(v))
		}
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", join(path, f.key), i)
			s, ok := item.(string)
			if !ok {
				return nil, l.errf(p, "quote the item", "is a %s, want a string", kindOf(item))
			}
			a, err := l.parseArg(s, p, comp)
			if err != nil {
				return nil, err
			}
			*f.dst = append(*f.dst, a)
		}
	}
	if v, ok := c["env"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, l.errf(join(path, "env"), "write a list of {name, value}", "is a %s, want a list", kindOf(v))
		}
		for i, item := range list {
			p := fmt.Sprintf("%s[%d]", join(path, "env"), i)
			m, ok := item.(map[string]any)
			if !ok {
				return nil, l.errf(p, "write {name: NAME, value: VALUE}", "is a %s, want a mapping", kindOf(item))
			}
			n, err := l.strAt(m, "name", p, true)
			if err != nil {
				return nil, err
			}
			val, err := l.strAt(m, "value", p, false)
			if err != nil {
				return nil, err
			}
			out.Env = append(out.Env, ir.EnvVar{Name: n, Value: val})
		}
	}
	return out, nil
}

var (
	wholeRE = regexp.MustCompile(`^\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\['([^']*)'\](\.(path|uri|metadata|output_file))?\}\}$`)
	anyRE   = regexp.MustCompile(`\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\['([^']*)'\]`)
	openRE  = regexp.MustCompile(`\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\[`)
	pipeRE  = regexp.MustCompile(`^\{\{\$\.([a-z_]+)\}\}$`)
)

// parseArg converts a command-line string of the IR to an ir.Arg: a whole
// placeholder becomes its typed form, a structural {"Concat"}/{"IfPresent"}
// JSON its Concat/IfPresent, anything else a literal (embedded placeholders
// are kept as written). Each embedded placeholder must name an existing
// input or output of the right kind.
func (l *loader) parseArg(s, path string, comp *ir.Component) (ir.Arg, error) {
	if err := l.checkRefs(s, path, comp); err != nil {
		return nil, err
	}
	switch s {
	case "{{$}}":
		return ir.ExecutorInput{}, nil
	case "{{$.outputs.output_file}}":
		return ir.ExecutorOutputFile{}, nil
	}
	if m := wholeRE.FindStringSubmatch(s); m != nil {
		side, kind, name, attr := m[1], m[2], m[3], m[5]
		switch {
		case side == "inputs" && kind == "parameters" && attr == "":
			return ir.InputValue{Name: name}, nil
		case side == "inputs" && kind == "artifacts" && attr == "" && comp.Input(name) != nil && comp.Input(name).Type.List:
			// KFP's InputListOfArtifactsPlaceholder: the JSON list of a
			// list-of-artifacts input.
			return ir.InputArtifactList{Name: name}, nil
		case side == "inputs" && kind == "artifacts" && attr == "path":
			return ir.InputPath{Name: name}, nil
		case side == "inputs" && kind == "artifacts" && attr == "uri":
			return ir.InputURI{Name: name}, nil
		case side == "inputs" && kind == "artifacts" && attr == "metadata":
			return ir.InputMetadata{Name: name}, nil
		case side == "outputs" && kind == "artifacts" && attr == "path":
			return ir.OutputPath{Name: name}, nil
		case side == "outputs" && kind == "artifacts" && attr == "uri":
			return ir.OutputURI{Name: name}, nil
		case side == "outputs" && kind == "artifacts" && attr == "metadata":
			return ir.OutputMetadata{Name: name}, nil
		case side == "outputs" && kind == "parameters" && attr == "output_file":
			return ir.OutputParamFile{Name: name}, nil
		}
		return nil, l.errf(path, "use {{$.inputs.parameters['x']}}, {{$.inputs.artifacts['x'].path|uri|metadata}}, {{$.outputs.artifacts['x'].path|uri|metadata}} or {{$.outputs.parameters['x'].output_file}}",
			"malformed placeholder %s", s)
	}
	if m := pipeRE.FindStringSubmatch(s); m != nil {
		return ir.PipelineValue{Key: m[1]}, nil
	}
	if strings.HasPrefix(s, `{"Concat"`) || strings.HasPrefix(s, `{"IfPresent"`) {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, l.errf(path, `write {"Concat": [...]} or {"IfPresent": {"InputName": ..., "Then": [...]}} as valid JSON`, "malformed structural placeholder: %v", err)
		}
		return l.structural(v, path, comp)
	}
	return ir.Lit{S: s}, nil
}

// structural converts a decoded {"Concat"}/{"IfPresent"} placeholder.
func (l *loader) structural(v any, path string, comp *ir.Component) (ir.Arg, error) {
	switch x := v.(type) {
	case string:
		return l.parseArg(x, path, comp)
	case map[string]any:
		if len(x) != 1 {
			break
		}
		if items, ok := x["Concat"].([]any); ok {
			var c ir.Concat
			for i, it := range items {
				a, err := l.structural(it, fmt.Sprintf("%s.Concat[%d]", path, i), comp)
				if err != nil {
					return nil, err
				}
				c.Items = append(c.Items, a)
			}
			return c, nil
		}
		if ip, ok := x["IfPresent"].(map[string]any); ok {
			name, _ := ip["InputName"].(string)
			if name == "" || comp.Input(name) == nil {
				return nil, l.errf(path+".IfPresent.InputName", "name one of the component's inputs", "IfPresent input %q does not exist", name)
			}
			out := ir.IfPresent{Name: name}
			for _, br := range []struct {
				key string
				dst *[]ir.Arg
			}{{"Then", &out.Then}, {"Else", &out.Else}} {
				raw, ok := ip[br.key]
				if !ok {
					continue
				}
				list, ok := raw.([]any)
				if !ok {
					list = []any{raw}
				}
				for i, it := range list {
					a, err := l.structural(it, fmt.Sprintf("%s.IfPresent.%s[%d]", path, br.key, i), comp)
					if err != nil {
						return nil, err
					}
					*br.dst = append(*br.dst, a)
				}
			}
			return out, nil
		}
	}
	return nil, l.errf(path, `use {"Concat": [...]} or {"IfPresent": {"InputName": "x", "Then": [...], "Else": [...]}}`, "malformed structural placeholder %v", v)
}

// checkRefs checks every embedded input/output placeholder of s.
func (l *loader) checkRefs(s, path string, comp *ir.Component) error {
	if n := len(openRE.FindAllString(s, -1)); n != len(anyRE.FindAllString(s, -1)) {
		return l.errf(path, "write it as {{$.inputs.parameters['name']}}", "malformed placeholder in %q", s)
	}
	for _, m := range anyRE.FindAllStringSubmatch(s, -1) {
		side, kind, name := m[1], m[2], m[3]
		var t *ir.Type
		if side == "inputs" {
			if in := comp.Input(name); in != nil {
				t = &in.Type
			}
		} else if out := comp.Output(name); out != nil {
			t = &out.Type
		}
		if t == nil {
			return l.errf(path, "name one of the component's "+side+": "+names(comp, side), "placeholder refers to %s %q, which does not exist", strings.TrimSuffix(side, "s"), name)
		}
		if (kind == "artifacts") != t.IsArtifact() {
			return l.errf(path, fmt.Sprintf("use {{$.%s.%s['%s']…}}", side, map[bool]string{true: "artifacts", false: "parameters"}[t.IsArtifact()], name),
				"placeholder treats %s %q (%s) as one of the %s", strings.TrimSuffix(side, "s"), name, *t, kind)
		}
	}
	return nil
}

func names(c *ir.Component, side string) string {
	var ns []string
	if side == "inputs" {
		for _, in := range c.Inputs {
			ns = append(ns, in.Name)
		}
	} else {
		for _, o := range c.Outputs {
			ns = append(ns, o.Name)
		}
	}
	if len(ns) == 0 {
		return "(none)"
	}
	return strings.Join(ns, ", ")
}
