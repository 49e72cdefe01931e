package kfp

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// groupSpecs builds the task spec and component spec of a sub-DAG group
// (condition, loop, exit handler, If/Elif/Else chain), as KFP's
// build_spec_by_group does for a TasksGroup: the group's component takes
// every channel its DAG needs as a `pipelinechannel--…` input, and its task
// in the parent DAG wires each from the parent.
func (e *emitter) groupSpecs(g *ir.Group, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) (*pipelinespec.PipelineTaskSpec, *pipelinespec.ComponentSpec) {
	chans := e.groupChannels(g)
	cs := &pipelinespec.ComponentSpec{Implementation: &pipelinespec.ComponentSpec_Dag{Dag: &pipelinespec.DagSpec{Tasks: map[string]*pipelinespec.PipelineTaskSpec{}}}}
	for _, c := range chans {
		if cs.InputDefinitions == nil {
			cs.InputDefinitions = &pipelinespec.ComponentInputsSpec{}
		}
		addInputDef(cs.InputDefinitions, c.inputName(), c.typ, nil)
	}
	outs := e.plan.outputs[g]
	for _, name := range e.plan.outOrder[g] {
		c := outs[name]
		if cs.OutputDefinitions == nil {
			cs.OutputDefinitions = &pipelinespec.ComponentOutputsSpec{}
		}
		addOutputDef(cs.OutputDefinitions, name, c.typ)
	}
	ts := e.groupTaskSpec(g, chans, inDag)
	dag := cs.GetDag()
	for _, name := range e.plan.outOrder[g] {
		c := outs[name]
		if g.Kind == ir.GroupBranches && c.kind == chOneOf {
			connectOneOfOutput(dag, name, c)
			continue
		}
		connectOutput(dag, name, c)
	}
	return ts, cs
}

// groupChannels lists the channels a group's component takes as inputs
// (KFP "punching the hole" in build_spec_by_group).
func (e *emitter) groupChannels(g *ir.Group) []*channel {
	in := e.plan.inputs[g]
	var out []*channel
	seen := map[string]bool{}
	add := func(c *channel) {
		k := c.inputName()
		if c.isArtifact() {
			k += "\x00a"
		}
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, c)
	}
	switch g.Kind {
	case ir.GroupLoop:
		for _, c := range in {
			if (c.kind == chLoopArg || c.kind == chLoopVar) && c.withItems {
				found := false
				for a := g; a != nil; a = a.Parent {
					if a.Kind == ir.GroupLoop && strings.Contains(loopArg(a).name, c.name) {
						found = true
						break
					}
				}
				if !found {
					continue
				}
			}
			add(c)
		}
		if items := itemsChannel(g); items != nil {
			add(items)
		}
		add(loopArg(g))
	case ir.GroupCondition:
		for _, c := range in {
			add(c)
		}
		for _, c := range condChannels(g) {
			add(c)
		}
	default:
		for _, c := range in {
			add(c)
		}
	}
	return out
}

// groupTaskSpec is KFP's build_task_spec_for_group.
func (e *emitter) groupTaskSpec(g *ir.Group, chans []*channel, inDag map[string]bool) *pipelinespec.PipelineTaskSpec {
	ts := &pipelinespec.PipelineTaskSpec{TaskInfo: &pipelinespec.PipelineTaskInfo{Name: g.Name}}
	if g.DisplayName != "" {
		ts.TaskInfo.Name = g.DisplayName
	}
	atRoot := g.Parent != nil && g.Parent.Kind == ir.GroupRoot
	inputs := &pipelinespec.TaskInputsSpec{}
	for _, c := range chans {
		full := c.fullName()
		chName := c.name
		inName := c.inputName()
		var selector string
		if c.kind == chLoopVar {
			arg := loopArg(c.loop)
			full = arg.fullName()
			selector = fmt.Sprintf(`parseJson(string_value)["%s"]`, c.subvar)
			if !c.withItems {
				if items := itemsChannel(c.loop); items != nil {
					chName = items.name
				}
			}
		}
		switch {
		case c.isArtifact():
			if c.task != "" && inDag[c.task] {
				setArtifact(inputs, inName, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{
					TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{ProducerTask: k8sName(c.task), OutputArtifactKey: chName}}})
			} else {
				src := inName
				if atRoot {
					src = full
				}
				setArtifact(inputs, inName, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact{ComponentInputArtifact: src}})
			}
		case c.task != "" && inDag[c.task]:
			setParam(inputs, inName, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter{
				TaskOutputParameter: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{ProducerTask: k8sName(c.task), OutputParameterKey: chName}},
				ParameterExpressionSelector: selector})
		default:
			src := "pipelinechannel--" + full
			if atRoot {
				src = full
			}
			setParam(inputs, inName, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: src},
				ParameterExpressionSelector: selector})
		}
	}
	ts.Inputs = inputs
	switch g.Kind {
	case ir.GroupLoop:
		e.updateLoopTaskSpec(g, ts)
	case ir.GroupCondition:
		cel, err := celConjunction(conditionsOf(g), len(g.Prior))
		if err != nil {
			e.errs.Addf(g.Pos, ir.InvalidControlFlow, "compare strings, numbers or booleans", "%s: %v", g.Name, err)
		}
		ts.TriggerPolicy = &pipelinespec.PipelineTaskSpec_TriggerPolicy{Condition: cel}
	}
	if len(ts.Inputs.Parameters) == 0 && len(ts.Inputs.Artifacts) == 0 {
		ts.Inputs = nil
	}
	return ts
}

// updateLoopTaskSpec is KFP's _update_task_spec_for_loop_group: the
// iterator over a channel or a raw JSON list, and the parallelism limit.
func (e *emitter) updateLoopTaskSpec(g *ir.Group, ts *pipelinespec.PipelineTaskSpec) {
	arg := loopArg(g)
	if items := itemsChannel(g); items != nil {
		inParam := items.inputName()
		item := arg.inputName()
		if arg.isArtifact() {
			ts.Iterator = &pipelinespec.PipelineTaskSpec_ArtifactIterator{ArtifactIterator: &pipelinespec.ArtifactIteratorSpec{
				Items: &pipelinespec.ArtifactIteratorSpec_ItemsSpec{InputArtifact: inParam}, ItemInput: item}}
		} else {
			ts.Iterator = &pipelinespec.PipelineTaskSpec_ParameterIterator{ParameterIterator: &pipelinespec.ParameterIteratorSpec{
				Items: &pipelinespec.ParameterIteratorSpec_ItemsSpec{Kind: &pipelinespec.ParameterIteratorSpec_ItemsSpec_InputParameter{InputParameter: inParam}}, ItemInput: item}}
		}
		delete(ts.Inputs.Parameters, item)
		delete(ts.Inputs.Artifacts, item)
		if items.kind == chLoopVar {
			p := ts.Inputs.Parameters[inParam]
			if p == nil {
				p = &pipelinespec.TaskInputsSpec_InputParameterSpec{}
				setParam(ts.Inputs, inParam, p)
			}
			p.ParameterExpressionSelector = fmt.Sprintf(`parseJson(string_value)["%s"]`, items.subvar)
			p.Kind = &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: loopArg(items.loop).inputName()}
		}
	} else {
		var raw strings.Builder
		var v any
		if g.LoopOver != nil {
			v = g.LoopOver.Value
		}
		writeSortedPyJSON(&raw, v)
		item := arg.inputName()
		ts.Iterator = &pipelinespec.PipelineTaskSpec_ParameterIterator{ParameterIterator: &pipelinespec.ParameterIteratorSpec{
			Items: &pipelinespec.ParameterIteratorSpec_ItemsSpec{Kind: &pipelinespec.ParameterIteratorSpec_ItemsSpec_Raw{Raw: raw.String()}}, ItemInput: item}}
		delete(ts.Inputs.Parameters, item)
		delete(ts.Inputs.Artifacts, item)
	}
	if g.Parallelism > 0 {
		ts.IteratorPolicy = &pipelinespec.PipelineTaskSpec_IteratorPolicy{ParallelismLimit: int32(g.Parallelism)}
	}
}

// celConjunction is KFP's _binary_operations_to_cel_conjunctive: the
// comparisons joined with &&, the first negated ones (earlier branches of
// an If/Elif/Else chain) wrapped in !(…).
func celConjunction(conds []*ir.Cond, negated int) (string, error) {
	parts := make([]string, 0, len(conds))
	for i, c := range conds {
		s, err := celComparison(c)
		if err != nil {
			return "", err
		}
		if i < negated {
			s = "!(" + s + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " && "), nil
}

// celComparison is KFP's _single_binary_operation_to_cel_condition: each
// operand is a parameter placeholder (int(…) for integers) or a literal
// (strings quoted, booleans true/false); operands of different types are
// promoted (string > boolean > double > integer).
func celComparison(c *ir.Cond) (string, error) {
	ops := []*ir.Ref{c.Left, c.Right}
	types := map[ir.ParamType]bool{}
	opType := make([]ir.ParamType, 2)
	for i, r := range ops {
		if r == nil {
			return "", fmt.Errorf("comparison with a missing operand")
		}
		var t ir.ParamType
		if r.Kind == ir.RefLiteral {
			t = valueParamType(r.Value)
		} else {
			t = r.Type.Param
			if r.Type.IsArtifact() || t == ir.ParamStruct || t == ir.ParamList || t == ir.ParamNone || t == ir.ParamTaskFinalStatus {
				return "", fmt.Errorf("conditions compare primitive parameters; %s is %s", describeOperand(r), r.Type)
			}
		}
		opType[i] = t
		types[t] = true
	}
	canon := opType[0]
	if len(types) == 2 {
		switch {
		case types[ir.ParamString]:
			canon = ir.ParamString
		case types[ir.ParamBool]:
			canon = ir.ParamBool
		default:
			canon = ir.ParamDouble
		}
	}
	vals := make([]string, 2)
	for i, r := range ops {
		var v string
		if r.Kind == ir.RefLiteral {
			switch x := r.Value.(type) {
			case string:
				v = "'" + x + "'"
			case bool:
				v = strconv.FormatBool(x)
			case float64:
				v = pyFloat(x)
			default:
				v = fmt.Sprint(x)
			}
		} else {
			v = fmt.Sprintf("inputs.parameter_values['%s']", refChannel(r).inputName())
			if opType[i] == ir.ParamInt {
				v = "int(" + v + ")"
			}
		}
		if opType[i] != canon {
			switch canon {
			case ir.ParamString:
				v = "'" + v + "'"
			case ir.ParamBool:
				// KFP's own rule, kept for identical output.
				if n, err := strconv.ParseFloat(v, 64); err == nil && int64(n) == 0 {
					v = "true"
				} else {
					v = "false"
				}
			default:
				v = "double(" + v + ")"
			}
		}
		vals[i] = v
	}
	return vals[0] + " " + c.Op + " " + vals[1], nil
}

func describeOperand(r *ir.Ref) string {
	switch r.Kind {
	case ir.RefPipelineInput:
		return fmt.Sprintf("pipeline input %q", r.Name)
	case ir.RefTaskOutput:
		return fmt.Sprintf("output %q of task %q", r.Name, r.Task.Name)
	}
	return "the operand"
}

// pyFloat formats a float as Python's repr does (1.0, 0.5, 1e-05).
func pyFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-4 || a >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = strings.Repeat("0", 2-len(exp)) + exp
		}
		return mant + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// writeSortedPyJSON writes v as Python's json.dumps(v, sort_keys=True).
func writeSortedPyJSON(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		om := make(orderedMap, 0, len(keys))
		for _, k := range keys {
			om = append(om, kv{k, x[k]})
		}
		b.WriteByte('{')
		for i, e := range om {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyJSON(b, e.k)
			b.WriteString(": ")
			writeSortedPyJSON(b, e.v)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeSortedPyJSON(b, it)
		}
		b.WriteByte(']')
	case float64:
		b.WriteString(pyFloat(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case nil:
		b.WriteString("null")
	default:
		writePyJSON(b, x)
	}
}

func addOutputDef(defs *pipelinespec.ComponentOutputsSpec, name string, t ir.Type) {
	if t.IsArtifact() {
		if defs.Artifacts == nil {
			defs.Artifacts = map[string]*pipelinespec.ComponentOutputsSpec_ArtifactSpec{}
		}
		defs.Artifacts[name] = &pipelinespec.ComponentOutputsSpec_ArtifactSpec{ArtifactType: artifactType(t.Artifact), IsArtifactList: t.List}
		return
	}
	if defs.Parameters == nil {
		defs.Parameters = map[string]*pipelinespec.ComponentOutputsSpec_ParameterSpec{}
	}
	defs.Parameters[name] = &pipelinespec.ComponentOutputsSpec_ParameterSpec{ParameterType: paramType(t.Param)}
}

// connectOutput is KFP's connect_single_dag_output.
func connectOutput(dag *pipelinespec.DagSpec, name string, c *channel) {
	if dag.Outputs == nil {
		dag.Outputs = &pipelinespec.DagOutputsSpec{}
	}
	if c.isArtifact() {
		if dag.Outputs.Artifacts == nil {
			dag.Outputs.Artifacts = map[string]*pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{}
		}
		a := dag.Outputs.Artifacts[name]
		if a == nil {
			a = &pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{}
			dag.Outputs.Artifacts[name] = a
		}
		a.ArtifactSelectors = append(a.ArtifactSelectors, &pipelinespec.DagOutputsSpec_ArtifactSelectorSpec{ProducerSubtask: c.task, OutputArtifactKey: c.name})
		return
	}
	if dag.Outputs.Parameters == nil {
		dag.Outputs.Parameters = map[string]*pipelinespec.DagOutputsSpec_DagOutputParameterSpec{}
	}
	dag.Outputs.Parameters[name] = &pipelinespec.DagOutputsSpec_DagOutputParameterSpec{Kind: &pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromParameter{
		ValueFromParameter: &pipelinespec.DagOutputsSpec_ParameterSelectorSpec{ProducerSubtask: c.task, OutputParameterKey: c.name}}}
}

// connectOneOfOutput is KFP's connect_oneof_dag_output: one selector per
// branch.
func connectOneOfOutput(dag *pipelinespec.DagSpec, name string, one *channel) {
	if dag.Outputs == nil {
		dag.Outputs = &pipelinespec.DagOutputsSpec{}
	}
	if one.isArtifact() {
		if dag.Outputs.Artifacts == nil {
			dag.Outputs.Artifacts = map[string]*pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{}
		}
		a := &pipelinespec.DagOutputsSpec_DagOutputArtifactSpec{}
		for _, c := range one.branches {
			a.ArtifactSelectors = append(a.ArtifactSelectors, &pipelinespec.DagOutputsSpec_ArtifactSelectorSpec{ProducerSubtask: c.task, OutputArtifactKey: c.name})
		}
		dag.Outputs.Artifacts[name] = a
		return
	}
	if dag.Outputs.Parameters == nil {
		dag.Outputs.Parameters = map[string]*pipelinespec.DagOutputsSpec_DagOutputParameterSpec{}
	}
	sel := &pipelinespec.DagOutputsSpec_ParameterSelectorsSpec{}
	for _, c := range one.branches {
		sel.ParameterSelectors = append(sel.ParameterSelectors, &pipelinespec.DagOutputsSpec_ParameterSelectorSpec{ProducerSubtask: c.task, OutputParameterKey: c.name})
	}
	dag.Outputs.Parameters[name] = &pipelinespec.DagOutputsSpec_DagOutputParameterSpec{Kind: &pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromOneof{ValueFromOneof: sel}}
}

// buildExitHandlers adds the exit task of each exit handler to the root DAG
// (KFP build_exit_handler_groups_recursively): it depends on the handler's
// group, runs whatever the group's state, and receives the group's final
// status in its PipelineTaskFinalStatus inputs.
func (e *emitter) buildExitHandlers() {
	for _, g := range e.plan.allGroups {
		if g.Kind != ir.GroupExitHandler || g.ExitTask == nil {
			continue
		}
		if g.Parent == nil || g.Parent.Kind != ir.GroupRoot {
			e.errs.Addf(g.Pos, ir.InvalidControlFlow, "move the ExitHandler to the pipeline body's top level",
				"ExitHandler %s is inside %s; KFP allows exit handlers only at the top level of a pipeline", g.Name, g.Parent.Name)
			continue
		}
		t := g.ExitTask
		ts := e.taskSpec(t, e.spec.Root.InputDefinitions, map[string]bool{})
		ts.DependentTasks = []string{k8sName(g.Name)}
		ts.TriggerPolicy = &pipelinespec.PipelineTaskSpec_TriggerPolicy{Strategy: pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED}
		setFinalStatusInputs(t, ts, k8sName(g.Name))
		cs := e.taskComponent(t)
		name := uniqueName(componentName(t.Name), func(s string) bool { _, ok := e.spec.Components[s]; return ok })
		ts.ComponentRef = &pipelinespec.ComponentRef{Name: name}
		e.spec.Components[name] = cs
		e.compOrder = append(e.compOrder, name)
		e.spec.Root.GetDag().Tasks[t.Name] = ts
		if t.CacheKey != "" {
			e.patches = append(e.patches, patch{[]string{"root", "dag", "tasks", t.Name, "cachingOptions"}, "cacheKey", t.CacheKey})
		}
	}
}

// setFinalStatusInputs wires each PipelineTaskFinalStatus input of t to the
// final status of producer.
func setFinalStatusInputs(t *ir.Task, ts *pipelinespec.PipelineTaskSpec, producer string) {
	for _, in := range t.Component.Inputs {
		if in.Type.Param != ir.ParamTaskFinalStatus {
			continue
		}
		if ts.Inputs == nil {
			ts.Inputs = &pipelinespec.TaskInputsSpec{}
		}
		setParam(ts.Inputs, in.Name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus_{
			TaskFinalStatus: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus{ProducerTask: producer}}})
	}
}

// ignoreUpstreamFailure sets triggerPolicy.strategy for tasks that run
// whatever their upstream tasks' state and wires their
// PipelineTaskFinalStatus inputs to their single upstream task (KFP
// modify_task_for_ignore_upstream_failure).
func (e *emitter) ignoreUpstreamFailure(t *ir.Task, ts *pipelinespec.PipelineTaskSpec) {
	if !t.IgnoreUpstreamFailure {
		return
	}
	ts.TriggerPolicy = &pipelinespec.PipelineTaskSpec_TriggerPolicy{Strategy: pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED}
	for _, in := range t.Component.Inputs {
		if in.Type.Param != ir.ParamTaskFinalStatus {
			continue
		}
		switch n := len(ts.DependentTasks); {
		case n == 0:
			e.errs.Addf(t.Pos, ir.InvalidControlFlow, "order the task After exactly one task of the same group (or use an ExitHandler)",
				"task %q uses IgnoreUpstreamFailure and PipelineTaskFinalStatus but has no upstream task in its own group", t.Name)
		case n > 1:
			e.errs.Addf(t.Pos, ir.InvalidControlFlow, "depend on exactly one upstream task, or wrap the tasks in an ExitHandler",
				"task %q uses IgnoreUpstreamFailure and PipelineTaskFinalStatus but has %d upstream tasks: %s", t.Name, n, strings.Join(ts.DependentTasks, ", "))
		default:
			setParam(ensureInputs(ts), in.Name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus_{
				TaskFinalStatus: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus{ProducerTask: ts.DependentTasks[0]}}})
		}
	}
}

func ensureInputs(ts *pipelinespec.PipelineTaskSpec) *pipelinespec.TaskInputsSpec {
	if ts.Inputs == nil {
		ts.Inputs = &pipelinespec.TaskInputsSpec{}
	}
	return ts.Inputs
}

// wireSpecialChannel wires loop items, Collected and OneOf values; it
// reports whether it handled r.
func (e *emitter) wireSpecialChannel(inputs *pipelinespec.TaskInputsSpec, name string, r *ir.Ref, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) bool {
	var c *channel
	var selector string
	switch r.Kind {
	case ir.RefLoopItem:
		c = refChannel(r)
		if c.kind == chLoopVar {
			arg := loopArg(c.loop)
			if hasInput(parentInputs, arg.inputName(), false) || !hasInput(parentInputs, c.inputName(), false) {
				selector = fmt.Sprintf(`parseJson(string_value)["%s"]`, c.subvar)
				c = arg
			}
		}
		e.wireFrom(inputs, name, c.inputName(), "", "", c.isArtifact(), selector)
		return true
	case ir.RefCollected:
		c = e.plan.collected[r]
		if c == nil {
			c = refChannel(r)
		}
	case ir.RefOneOf:
		c = e.plan.oneOfs[r]
		if c == nil {
			c = refChannel(r)
		}
	default:
		return false
	}
	if c.task != "" && inDag[c.task] {
		e.wireFrom(inputs, name, "", k8sName(c.task), c.name, c.isArtifact(), "")
	} else {
		e.wireFrom(inputs, name, c.inputName(), "", "", c.isArtifact(), "")
	}
	return true
}

// wireFrom sets task input name from a component input (input != "") or a
// producer task's output.
func (e *emitter) wireFrom(inputs *pipelinespec.TaskInputsSpec, name, input, task, key string, artifact bool, selector string) {
	if artifact {
		if input != "" {
			setArtifact(inputs, name, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact{ComponentInputArtifact: input}})
		} else {
			setArtifact(inputs, name, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{
				TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{ProducerTask: task, OutputArtifactKey: key}}})
		}
		return
	}
	if input != "" {
		setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: input},
			ParameterExpressionSelector: selector})
		return
	}
	setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter{
		TaskOutputParameter: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{ProducerTask: task, OutputParameterKey: key}}})
}

// buildDAGOutputs writes the pipeline's outputs into its root DAG (KFP
// _build_dag_outputs over the surfaced pipeline outputs).
func (e *emitter) buildDAGOutputs(cs *pipelinespec.ComponentSpec, outputs map[string]*ir.Ref) {
	dag := cs.GetDag()
	if dag == nil || len(outputs) == 0 {
		return
	}
	names := make([]string, 0, len(outputs))
	for n := range outputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := e.plan.rootOutputs[name]
		if c == nil {
			r := outputs[name]
			e.errs.Addf(r.Pos, ir.InvalidValue, "return a task output, a Collected value or a OneOf value",
				"pipeline output %q: %s cannot be a pipeline output", name, describeOperand(r))
			continue
		}
		connectOutput(dag, name, c)
	}
}
