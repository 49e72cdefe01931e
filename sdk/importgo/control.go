package importgo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// taskSettings renders the setter chain of a task: caching, display name,
// retry, trigger policy and the container resources and env of its
// executor.
func (pe *pipeEmit) taskSettings(t *taskInfo, skip map[string]bool) ([]string, error) {
	g := pe.g
	var out []string
	if co, ok := t.spec["cachingOptions"].(map[string]any); ok {
		if err := g.knownKeys(co, t.path+".cachingOptions", "enableCache", "cacheKey"); err != nil {
			return nil, err
		}
		if en, _ := co["enableCache"].(bool); !en {
			out = append(out, "SetCaching(false)")
		}
		if k, ok := co["cacheKey"].(string); ok && k != "" {
			out = append(out, "SetCacheKey("+strconv.Quote(k)+")")
		}
	} else {
		return nil, g.unsupported(t.path, "a task without cachingOptions (the Go DSL always writes enableCache)")
	}
	if ti, ok := t.spec["taskInfo"].(map[string]any); ok {
		if err := g.knownKeys(ti, t.path+".taskInfo", "name"); err != nil {
			return nil, err
		}
		if n, _ := ti["name"].(string); n != t.name {
			out = append(out, "SetDisplayName("+strconv.Quote(n)+")")
		}
	}
	if rp, ok := t.spec["retryPolicy"].(map[string]any); ok {
		s, err := pe.retry(rp, t.path+".retryPolicy")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if tp, ok := t.spec["triggerPolicy"].(map[string]any); ok {
		if err := g.knownKeys(tp, t.path+".triggerPolicy", "strategy"); err != nil {
			return nil, err
		}
		switch s, _ := tp["strategy"].(string); s {
		case "ALL_UPSTREAM_TASKS_COMPLETED":
			if t.exitFor == nil {
				out = append(out, "IgnoreUpstreamFailure()")
			}
		case "", "ALL_UPSTREAM_TASKS_SUCCEEDED":
		default:
			return nil, g.unsupported(t.path+".triggerPolicy.strategy", "trigger strategy "+s)
		}
	}
	for _, k := range []string{"iteratorPolicy", "parameterIterator", "artifactIterator"} {
		if t.spec[k] != nil {
			return nil, g.unsupported(t.path+"."+k, k+" on a task that is not a loop")
		}
	}
	if t.comp.kind != kindContainer {
		return out, nil
	}
	ctr := t.comp.c.Impl.(*ir.Container)
	for _, e := range ctr.Env {
		out = append(out, fmt.Sprintf("SetEnv(%q, %s)", e.Name, strconv.Quote(e.Value)))
	}
	res, _ := t.comp.container["resources"].(map[string]any)
	if res == nil {
		return out, nil
	}
	rpath := "deploymentSpec.executors." + t.comp.execLabel + ".container.resources"
	if err := g.knownKeys(res, rpath, "cpuLimit", "cpuRequest", "memoryLimit", "memoryRequest", "resourceCpuLimit", "resourceCpuRequest", "resourceMemoryLimit", "resourceMemoryRequest", "accelerator"); err != nil {
		return nil, err
	}
	for _, q := range []struct{ key, legacy, setter, input string }{
		{"resourceCpuRequest", "cpuRequest", "SetCPURequest", "cpu_request"},
		{"resourceCpuLimit", "cpuLimit", "SetCPULimit", "cpu_limit"},
		{"resourceMemoryRequest", "memoryRequest", "SetMemoryRequest", "memory_request"},
		{"resourceMemoryLimit", "memoryLimit", "SetMemoryLimit", "memory_limit"},
	} {
		s, ok := res[q.key].(string)
		if !ok {
			if res[q.legacy] != nil {
				return nil, g.unsupported(rpath+"."+q.legacy, q.legacy+" without "+q.key+" (KFP before 2.5)")
			}
			continue
		}
		e, err := pe.setting(t, s, q.setter, q.input, skip, rpath+"."+q.key)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if acc, ok := res["accelerator"].(map[string]any); ok {
		ap := rpath + ".accelerator"
		if err := g.knownKeys(acc, ap, "type", "count", "resourceType", "resourceCount"); err != nil {
			return nil, err
		}
		if s, ok := acc["resourceType"].(string); ok {
			e, err := pe.setting(t, s, "SetAcceleratorType", "accelerator_type", skip, ap+".resourceType")
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if s, ok := acc["resourceCount"].(string); ok {
			if n, err := strconv.Atoi(s); err == nil {
				out = append(out, fmt.Sprintf("SetAcceleratorLimit(%d)", n))
			} else {
				e, err := pe.setting(t, s, "SetAcceleratorLimit", "accelerator_count", skip, ap+".resourceCount")
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
		} else {
			return nil, g.unsupported(ap, "an accelerator without resourceCount")
		}
	}
	return out, nil
}

var channelPH = regexp.MustCompile(`^\{\{\$\.inputs\.parameters\['(pipelinechannel--[^']*)'\]\}\}$`)

// setting renders a resource setter: literal, or …From(parameter) when the
// value is a placeholder of an injected task input.
func (pe *pipeEmit) setting(t *taskInfo, s, setter, input string, skip map[string]bool, path string) (string, error) {
	m := channelPH.FindStringSubmatch(s)
	if m == nil {
		return setter + "(" + strconv.Quote(s) + ")", nil
	}
	ins, _ := t.spec["inputs"].(map[string]any)
	params, _ := ins["parameters"].(map[string]any)
	spec, ok := params[m[1]].(map[string]any)
	if !ok {
		return "", pe.g.errf(path, "", "placeholder names task input %q, which the task does not set", m[1])
	}
	skip["parameters."+m[1]] = true
	skip["parameters."+input] = true
	v, err := pe.inputValue(t.dag, spec, t.path+".inputs.parameters."+m[1], ir.Type{Param: ir.ParamString})
	if err != nil {
		return "", err
	}
	e, err := pe.coerce(v, ir.Type{Param: ir.ParamString}, path)
	if err != nil {
		return "", err
	}
	return setter + "From(" + e + ")", nil
}

// retry renders SetRetry with the options that differ from its defaults.
func (pe *pipeEmit) retry(rp map[string]any, path string) (string, error) {
	if err := pe.g.knownKeys(rp, path, "maxRetryCount", "backoffDuration", "backoffFactor", "backoffMaxDuration"); err != nil {
		return "", err
	}
	n, _ := rp["maxRetryCount"].(float64)
	s := fmt.Sprintf("SetRetry(%d", int(n))
	dur := func(key string, def float64, opt string) error {
		v, ok := rp[key]
		if !ok {
			if key == "backoffDuration" {
				return nil
			}
			return pe.g.unsupported(path, "a retry policy without "+key)
		}
		str, _ := v.(string)
		d, err := time.ParseDuration(str)
		if err != nil {
			return pe.g.errf(path+"."+key, "write a duration such as 3600s", "%v", err)
		}
		if d.Seconds() != def {
			pe.usesTime = true
			s += fmt.Sprintf(", dsl.%s(%s)", opt, goDuration(d))
		}
		return nil
	}
	if err := dur("backoffDuration", 0, "BackoffDuration"); err != nil {
		return "", err
	}
	f, ok := rp["backoffFactor"].(float64)
	if !ok {
		return "", pe.g.unsupported(path, "a retry policy without backoffFactor")
	}
	if f != 2 {
		s += fmt.Sprintf(", dsl.BackoffFactor(%s)", strconv.FormatFloat(f, 'g', -1, 64))
	}
	if err := dur("backoffMaxDuration", 3600, "BackoffMaxDuration"); err != nil {
		return "", err
	}
	return s + ")", nil
}

func goDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d*time.Hour", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d*time.Minute", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d*time.Second", d/time.Second)
	case d%time.Millisecond == 0:
		return fmt.Sprintf("%d*time.Millisecond", d/time.Millisecond)
	}
	return fmt.Sprintf("%d", int64(d))
}

// groupInputs resolves the inputs a group task passes into its sub-DAG.
func (pe *pipeEmit) groupInputs(t *taskInfo) error {
	sub := t.group
	sub.inputs = map[string]val{}
	ins, _ := t.spec["inputs"].(map[string]any)
	if err := pe.g.knownKeys(ins, t.path+".inputs", "parameters", "artifacts"); err != nil {
		return err
	}
	for _, kind := range []string{"parameters", "artifacts"} {
		m, _ := ins[kind].(map[string]any)
		for _, k := range sortedKeys(m) {
			spec, _ := m[k].(map[string]any)
			p := t.path + ".inputs." + kind + "." + k
			want := ir.Type{Param: ir.ParamString}
			if in := inputDef(sub.comp, kind, k); in != nil {
				want = typeOfDef(in, kind)
			}
			v, err := pe.inputValue(t.dag, spec, p, want)
			if err != nil {
				return err
			}
			sub.inputs[k] = v
		}
	}
	return nil
}

func inputDef(ci *compInfo, kind, name string) map[string]any {
	defs, _ := ci.spec["inputDefinitions"].(map[string]any)
	m, _ := defs[kind].(map[string]any)
	d, _ := m[name].(map[string]any)
	return d
}

func typeOfDef(d map[string]any, kind string) ir.Type {
	if kind == "artifacts" {
		at, _ := d["artifactType"].(map[string]any)
		title, _ := at["schemaTitle"].(string)
		ver, _ := at["schemaVersion"].(string)
		l, _ := d["isArtifactList"].(bool)
		return ir.Type{Artifact: &ir.ArtifactType{SchemaTitle: title, SchemaVersion: ver}, List: l}
	}
	s, _ := d["parameterType"].(string)
	return ir.Type{Param: map[string]ir.ParamType{"STRING": ir.ParamString, "NUMBER_INTEGER": ir.ParamInt, "NUMBER_DOUBLE": ir.ParamDouble,
		"BOOLEAN": ir.ParamBool, "LIST": ir.ParamList, "STRUCT": ir.ParamStruct, "TASK_FINAL_STATUS": ir.ParamTaskFinalStatus}[s]}
}

// groupOpts renders dsl.Named when the group's display name differs from
// its KFP name.
func (pe *pipeEmit) groupOpts(t *taskInfo) ([]string, error) {
	var opts []string
	if ti, ok := t.spec["taskInfo"].(map[string]any); ok {
		if err := pe.g.knownKeys(ti, t.path+".taskInfo", "name"); err != nil {
			return nil, err
		}
		if n, _ := ti["name"].(string); n != t.name {
			opts = append(opts, "dsl.Named("+strconv.Quote(n)+")")
		}
	}
	return opts, nil
}

// groupStmt writes a condition, loop or exit handler.
func (pe *pipeEmit) groupStmt(w *bytes.Buffer, t *taskInfo) error {
	g := pe.g
	sub := t.group
	if err := pe.groupInputs(t); err != nil {
		return err
	}
	opts, err := pe.groupOpts(t)
	if err != nil {
		return err
	}
	var known []string
	switch sub.kind {
	case "condition":
		known = []string{"componentRef", "inputs", "taskInfo", "triggerPolicy", "dependentTasks"}
	case "for-loop":
		known = []string{"componentRef", "inputs", "taskInfo", "parameterIterator", "artifactIterator", "iteratorPolicy", "dependentTasks"}
	case "exit-handler":
		known = []string{"componentRef", "inputs", "taskInfo", "dependentTasks"}
	}
	if err := g.knownKeys(t.spec, t.path, known...); err != nil {
		return err
	}
	var body bytes.Buffer
	switch sub.kind {
	case "condition":
		cond, err := pe.condition(t)
		if err != nil {
			return err
		}
		if cond.own == "" {
			return g.unsupported(t.path+".triggerPolicy.condition", "a condition that is only negations outside an If/Elif/Else chain")
		}
		if err := pe.dagBody(&body, sub); err != nil {
			return err
		}
		fmt.Fprintf(w, "dsl.If(b, %s, func(b *dsl.Builder) {\n%s}%s)\n", cond.own, body.String(), optList(opts))
	case "exit-handler":
		if t.exitTask == nil {
			return g.errf(t.path, "", "exit handler %q has no exit task (a task depending on it with strategy ALL_UPSTREAM_TASKS_COMPLETED)", t.name)
		}
		t.exitTask.used = true
		if err := pe.taskStmt(w, t.exitTask); err != nil {
			return err
		}
		if err := pe.dagBody(&body, sub); err != nil {
			return err
		}
		fmt.Fprintf(w, "dsl.ExitHandler(b, %s, func(b *dsl.Builder) {\n%s}%s)\n", t.exitTask.varName, body.String(), optList(opts))
	case "for-loop":
		return pe.loop(w, t, opts)
	default:
		return g.unsupported(t.path, "group "+sub.kind)
	}
	return nil
}

func optList(opts []string) string {
	if len(opts) == 0 {
		return ""
	}
	return ", " + strings.Join(opts, ", ")
}

// loop writes a ParallelFor.
func (pe *pipeEmit) loop(w *bytes.Buffer, t *taskInfo, opts []string) error {
	g := pe.g
	sub := t.group
	if ip, ok := t.spec["iteratorPolicy"].(map[string]any); ok {
		if err := g.knownKeys(ip, t.path+".iteratorPolicy", "parallelismLimit"); err != nil {
			return err
		}
		if n, _ := ip["parallelismLimit"].(float64); n > 0 {
			opts = append(opts, fmt.Sprintf("dsl.Parallelism(%d)", int(n)))
		}
	}
	if t.spec["artifactIterator"] != nil {
		ai, _ := t.spec["artifactIterator"].(map[string]any)
		ap := t.path + ".artifactIterator"
		if err := g.knownKeys(ai, ap, "itemInput", "items"); err != nil {
			return err
		}
		items, _ := ai["items"].(map[string]any)
		if err := g.knownKeys(items, ap+".items", "inputArtifact"); err != nil {
			return err
		}
		name, _ := items["inputArtifact"].(string)
		v, ok := sub.inputs[name]
		if !ok || !v.t.IsArtifact() || !v.t.List {
			return g.errf(ap+".items.inputArtifact", "", "names %q, which is not a list of artifacts passed into the loop", name)
		}
		itemName, _ := ai["itemInput"].(string)
		item := pe.loopVar()
		sub.inputs[itemName] = val{expr: item, t: ir.Type{Artifact: v.t.Artifact}}
		var body bytes.Buffer
		if err := pe.dagBody(&body, sub); err != nil {
			return err
		}
		fmt.Fprintf(w, "dsl.ParallelForArtifacts(b, %s, func(b *dsl.Builder, %s dsl.Artifact[%s]) {\n%s}%s)\n", v.expr, item, g.kindExpr(*v.t.Artifact), body.String(), optList(opts))
		return nil
	}
	pi, _ := t.spec["parameterIterator"].(map[string]any)
	pp := t.path + ".parameterIterator"
	if pi == nil {
		return g.errf(t.path, "", "a for-loop task without parameterIterator or artifactIterator")
	}
	if err := g.knownKeys(pi, pp, "itemInput", "items"); err != nil {
		return err
	}
	items, _ := pi["items"].(map[string]any)
	if err := g.knownKeys(items, pp+".items", "raw", "inputParameter"); err != nil {
		return err
	}
	itemName, _ := pi["itemInput"].(string)
	item := pe.loopVar()
	var head string
	if raw, ok := items["raw"].(string); ok {
		var list []any
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return g.errf(pp+".items.raw", "write a JSON list", "%v", err)
		}
		typ, lit, err := rawItems(list)
		if err != nil {
			return g.errf(pp+".items.raw", "", "%v", err)
		}
		it := ir.Type{Param: map[string]ir.ParamType{"string": ir.ParamString, "int": ir.ParamInt, "float64": ir.ParamDouble, "bool": ir.ParamBool, "map[string]any": ir.ParamStruct}[typ]}
		sub.inputs[itemName] = val{expr: item, t: it, loopItem: true}
		head = fmt.Sprintf("dsl.ParallelForItems(b, %s, func(b *dsl.Builder, %s dsl.Param[%s]) {\n", lit, item, typ)
	} else {
		name, _ := items["inputParameter"].(string)
		v, ok := sub.inputs[name]
		if !ok {
			return g.errf(pp+".items.inputParameter", "", "names %q, which is not passed into the loop", name)
		}
		ins, _ := t.spec["inputs"].(map[string]any)
		params, _ := ins["parameters"].(map[string]any)
		if spec, _ := params[name].(map[string]any); spec != nil && spec["parameterExpressionSelector"] != nil {
			// A list held in a field of an outer loop's item: the DSL
			// reads it with ItemField[[]any] and gives string items.
			lv, err := pe.inputValue(t.dag, spec, t.path+".inputs.parameters."+name, ir.Type{Param: ir.ParamList})
			if err != nil {
				return err
			}
			v = lv
		}
		if v.t.Param != ir.ParamList {
			return g.errf(pp+".items.inputParameter", "", "loops over %q, which is %s, not a LIST", name, v.t)
		}
		elem := "string"
		it := ir.Type{Param: ir.ParamString}
		if def := inputDef(sub.comp, "parameters", itemName); def != nil {
			if want := typeOfDef(def, "parameters"); want.Param != ir.ParamString {
				if v.elem == "" || loopElems[want.Param] != v.elem {
					return g.unsupported(sub.comp.path+".inputDefinitions.parameters."+itemName, fmt.Sprintf("%s loop items over a list the importer cannot type as a Go []%s (only a pipeline input or a task output list can be)", want.Param, loopElems[want.Param]))
				}
				elem, it = v.elem, want
			}
		}
		sub.inputs[itemName] = val{expr: item, t: it, loopItem: true}
		head = fmt.Sprintf("dsl.ParallelFor(b, %s, func(b *dsl.Builder, %s dsl.Param[%s]) {\n", v.expr, item, elem)
	}
	var body bytes.Buffer
	if err := pe.dagBody(&body, sub); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s%s}%s)\n", head, body.String(), optList(opts))
	return nil
}

func (pe *pipeEmit) loopVar() string {
	if pe.vars == nil {
		return "item"
	}
	return pe.vars.claim("item")
}

// rawItems types a literal loop list: its Go element type and literal.
func rawItems(list []any) (string, string, error) {
	if len(list) == 0 {
		return "", "", fmt.Errorf("the loop list is empty")
	}
	kinds := map[string]bool{}
	for _, x := range list {
		switch v := x.(type) {
		case string:
			kinds["string"] = true
		case bool:
			kinds["bool"] = true
		case float64:
			if v == math.Trunc(v) {
				kinds["int"] = true
			} else {
				kinds["float64"] = true
			}
		case map[string]any:
			kinds["map[string]any"] = true
		default:
			return "", "", fmt.Errorf("loop item %v has no Go DSL type", x)
		}
	}
	if kinds["int"] && kinds["float64"] {
		delete(kinds, "int")
	}
	if len(kinds) != 1 {
		return "", "", fmt.Errorf("the loop list mixes item types; ParallelForItems takes one")
	}
	var typ string
	for k := range kinds {
		typ = k
	}
	parts := make([]string, len(list))
	for i, x := range list {
		switch typ {
		case "float64":
			parts[i] = strconv.FormatFloat(x.(float64), 'g', -1, 64)
		default:
			parts[i] = anyLiteral(x)
		}
	}
	return typ, "[]" + typ + "{" + strings.Join(parts, ", ") + "}", nil
}

// branches writes an If/Elif/Else chain.
func (pe *pipeEmit) branches(w *bytes.Buffer, t *taskInfo) error {
	g := pe.g
	sub := t.group
	if err := g.knownKeys(t.spec, t.path, "componentRef", "inputs", "taskInfo", "dependentTasks"); err != nil {
		return err
	}
	if err := pe.groupInputs(t); err != nil {
		return err
	}
	if opts, err := pe.groupOpts(t); err != nil || len(opts) > 0 {
		if err != nil {
			return err
		}
		return g.unsupported(t.path+".taskInfo.name", "a display name on an If/Elif/Else chain")
	}
	if len(sub.order) == 0 {
		return g.errf(sub.path, "", "an If/Elif/Else chain without branches")
	}
	for i, bt := range sub.order {
		if bt.group == nil || bt.group.kind != "condition" {
			return g.unsupported(bt.path, "a task directly inside an If/Elif/Else chain")
		}
		if err := pe.groupInputs(bt); err != nil {
			return err
		}
		if err := g.knownKeys(bt.spec, bt.path, "componentRef", "inputs", "taskInfo", "triggerPolicy", "dependentTasks"); err != nil {
			return err
		}
		opts, err := pe.groupOpts(bt)
		if err != nil {
			return err
		}
		cond, err := pe.condition(bt)
		if err != nil {
			return err
		}
		if cond.negated != i {
			return g.unsupported(bt.path+".triggerPolicy.condition", "a branch condition that does not negate exactly the earlier branches")
		}
		var body bytes.Buffer
		if err := pe.dagBody(&body, bt.group); err != nil {
			return err
		}
		switch {
		case i == 0:
			fmt.Fprintf(w, "dsl.If(b, %s, func(b *dsl.Builder) {\n%s}%s)", cond.own, body.String(), optList(opts))
		case cond.own != "":
			fmt.Fprintf(w, ".\nElif(%s, func(b *dsl.Builder) {\n%s}%s)", cond.own, body.String(), optList(opts))
		default:
			if i != len(sub.order)-1 {
				return g.unsupported(bt.path, "an Else branch that is not the last")
			}
			fmt.Fprintf(w, ".\nElse(func(b *dsl.Builder) {\n%s}%s)", body.String(), optList(opts))
		}
	}
	w.WriteString("\n")
	return nil
}

type parsedCond struct {
	own     string // the DSL condition of the branch itself, "" for Else
	negated int
}

var (
	cmpRE     = regexp.MustCompile(`^(.+?) (==|!=|<=|>=|<|>) (.+)$`)
	operandRE = regexp.MustCompile(`^(int|double)?\(?inputs\.parameter_values\['([^']*)'\]\)?$`)
)

// condition parses a group task's CEL condition (as KFP writes it:
// comparisons joined with &&, earlier branches negated with !(…)).
func (pe *pipeEmit) condition(t *taskInfo) (parsedCond, error) {
	g := pe.g
	tp, _ := t.spec["triggerPolicy"].(map[string]any)
	path := t.path + ".triggerPolicy"
	if err := g.knownKeys(tp, path, "condition"); err != nil {
		return parsedCond{}, err
	}
	cel, _ := tp["condition"].(string)
	path += ".condition"
	if cel == "" {
		return parsedCond{}, g.errf(path, "", "a condition group without a condition")
	}
	var pc parsedCond
	parts := strings.Split(cel, " && ")
	for i, p := range parts {
		neg := strings.HasPrefix(p, "!(") && strings.HasSuffix(p, ")")
		if neg {
			p = p[2 : len(p)-1]
			if i != pc.negated {
				return pc, g.unsupported(path, "condition "+strconv.Quote(cel))
			}
			pc.negated++
			continue
		}
		if i != len(parts)-1 {
			return pc, g.unsupported(path, "condition "+strconv.Quote(cel))
		}
		c, err := pe.comparison(t.group, p, path)
		if err != nil {
			return pc, err
		}
		pc.own = c
	}
	return pc, nil
}

var celOps = map[string]string{"==": "Eq", "!=": "Ne", "<": "Lt", "<=": "Le", ">": "Gt", ">=": "Ge"}

func (pe *pipeEmit) comparison(sub *dagInfo, s, path string) (string, error) {
	m := cmpRE.FindStringSubmatch(s)
	if m == nil {
		return "", pe.g.unsupported(path, "comparison "+strconv.Quote(s))
	}
	ops := []string{m[1], m[3]}
	vals := make([]*val, 2)
	for i, o := range ops {
		if om := operandRE.FindStringSubmatch(o); om != nil {
			v, ok := sub.inputs[om[2]]
			if !ok {
				return "", pe.g.errf(path, "", "condition reads %q, which is not passed into the group", om[2])
			}
			if v.t.IsArtifact() {
				return "", pe.g.errf(path, "", "condition compares an artifact")
			}
			wantWrap := map[ir.ParamType]string{ir.ParamInt: "int"}[v.t.Param]
			if om[1] != wantWrap {
				return "", pe.g.unsupported(path, "comparison "+strconv.Quote(s)+" (operands of different types)")
			}
			vals[i] = &v
		}
	}
	var pt ir.ParamType
	switch {
	case vals[0] != nil:
		pt = vals[0].t.Param
	case vals[1] != nil:
		pt = vals[1].t.Param
	default:
		return "", pe.g.unsupported(path, "a comparison of two constants")
	}
	es := make([]string, 2)
	for i, o := range ops {
		if vals[i] != nil {
			if vals[i].t.Param != pt {
				return "", pe.g.unsupported(path, "comparison "+strconv.Quote(s)+" (operands of different types)")
			}
			es[i] = vals[i].expr
			continue
		}
		lit, err := celLiteral(o, pt)
		if err != nil {
			return "", pe.g.unsupported(path, "comparison "+strconv.Quote(s)+": "+err.Error())
		}
		es[i] = "dsl.Lit(" + lit + ")"
	}
	return fmt.Sprintf("dsl.%s(%s, %s)", celOps[m[2]], es[0], es[1]), nil
}

// celLiteral parses a CEL literal as KFP writes it for an operand of type pt.
func celLiteral(s string, pt ir.ParamType) (string, error) {
	switch pt {
	case ir.ParamString:
		if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' && !strings.Contains(s[1:len(s)-1], "'") {
			return strconv.Quote(s[1 : len(s)-1]), nil
		}
	case ir.ParamBool:
		if s == "true" || s == "false" {
			return s, nil
		}
	case ir.ParamInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(n, 10), nil
		}
	case ir.ParamDouble:
		if f, err := strconv.ParseFloat(s, 64); err == nil && strings.ContainsAny(s, ".eE") {
			return strconv.FormatFloat(f, 'g', -1, 64) + map[bool]string{true: ".0", false: ""}[f == math.Trunc(f) && !strings.ContainsAny(strconv.FormatFloat(f, 'g', -1, 64), "e.")], nil
		}
	}
	return "", fmt.Errorf("literal %s is not a %s", s, pt)
}
