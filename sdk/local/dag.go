package local

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/sdk/launcher"
)

func parseParamFlag(text string, t pipelinespec.ParameterType_ParameterTypeEnum) (*structpb.Value, error) {
	v, err := launcher.ParseParameter(text, t)
	if err != nil {
		return nil, err
	}
	// KFP carries run parameters as JSON (the runtime config's
	// google.protobuf.Value), which has no NaN or Infinity; the compiler
	// refuses such literals for the same reason.
	if n, ok := v.GetKind().(*structpb.Value_NumberValue); ok && (math.IsNaN(n.NumberValue) || math.IsInf(n.NumberValue, 0)) {
		return nil, fmt.Errorf("%q is not a finite number: KFP passes parameters as JSON, which has no NaN or Infinity", text)
	}
	return v, nil
}

// scope is one execution of a DAG component: the root, a sub-DAG, or one
// loop iteration.
type scope struct {
	r      *run
	comp   *pipelinespec.ComponentSpec
	path   string // task path prefix ("" for the root)
	params map[string]*structpb.Value
	arts   map[string]*pipelinespec.ArtifactList

	nodes map[string]*node
}

// node is one task of a DAG execution.
type node struct {
	spec *pipelinespec.PipelineTaskSpec
	res  *TaskResult
	done chan struct{}
}

func (s *scope) taskPath(name string) string {
	if s.path == "" {
		return name
	}
	return s.path + "/" + name
}

// runDAG runs every task of the DAG and returns the DAG's state: failed if
// a task failed, cancelled if ctx ended, succeeded otherwise (skipped tasks
// do not fail a DAG).
func (s *scope) runDAG(ctx context.Context) State {
	tasks := s.comp.GetDag().GetTasks()
	names := make([]string, 0, len(tasks))
	for n := range tasks {
		names = append(names, n)
	}
	sort.Strings(names)
	s.nodes = map[string]*node{}
	for _, n := range names {
		spec := tasks[n]
		res := &TaskResult{Name: s.taskPath(n), TaskName: n, State: StatePending}
		res.Kind = s.kindOf(spec)
		s.nodes[n] = &node{spec: spec, res: res, done: make(chan struct{})}
		s.r.record(res)
	}
	var wg sync.WaitGroup
	for _, n := range names {
		nd := s.nodes[n]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(nd.done)
			s.runTask(ctx, nd)
		}()
	}
	wg.Wait()
	state := StateSucceeded
	for _, n := range names {
		switch s.nodes[n].res.State {
		case StateFailed:
			state = StateFailed
		case StateCancelled:
			if state != StateFailed {
				state = StateCancelled
			}
		}
	}
	if state == StateSucceeded && ctx.Err() != nil {
		state = StateCancelled
	}
	return state
}

func (s *scope) kindOf(spec *pipelinespec.PipelineTaskSpec) string {
	comp := s.r.p.Spec.GetComponents()[spec.GetComponentRef().GetName()]
	switch {
	case spec.GetParameterIterator() != nil || spec.GetArtifactIterator() != nil:
		return "loop"
	case comp.GetDag() != nil:
		return "dag"
	case s.r.p.Executors[comp.GetExecutorLabel()].GetImporter() != nil:
		return "importer"
	}
	image := s.r.p.Executors[comp.GetExecutorLabel()].GetContainer().GetImage()
	if _, mapped := s.r.opts.ImageMap[image]; mapped || strings.HasPrefix(image, "ko://") {
		return "go-function"
	}
	return "container"
}

func (s *scope) runTask(ctx context.Context, nd *node) {
	spec, res := nd.spec, nd.res
	allCompleted := spec.GetTriggerPolicy().GetStrategy() == pipelinespec.PipelineTaskSpec_TriggerPolicy_ALL_UPSTREAM_TASKS_COMPLETED
	for _, dep := range spec.GetDependentTasks() {
		up, ok := s.nodes[dep]
		if !ok {
			s.r.emit(res, StateFailed, fmt.Sprintf("depends on task %q, which this DAG lacks: recompile the pipeline", dep))
			return
		}
		if !waitFor(ctx, up) {
			s.r.emit(res, StateCancelled, "the run was cancelled")
			return
		}
		if !up.res.State.ok() && !allCompleted {
			if up.res.State == StateCancelled || ctx.Err() != nil {
				s.r.emit(res, StateCancelled, "the run was cancelled")
				return
			}
			s.r.emit(res, StateSkipped, fmt.Sprintf("upstream task %s %s", dep, up.res.State))
			return
		}
	}
	if ctx.Err() != nil {
		s.r.emit(res, StateCancelled, "the run was cancelled")
		return
	}
	comp := s.r.p.Spec.GetComponents()[spec.GetComponentRef().GetName()]
	if comp == nil {
		s.r.emit(res, StateFailed, fmt.Sprintf("component %q is missing from the pipeline: recompile it", spec.GetComponentRef().GetName()))
		return
	}
	params, arts, err := s.resolveInputs(ctx, res, spec, comp)
	if err != nil {
		if ctx.Err() != nil {
			s.r.emit(res, StateCancelled, "the run was cancelled")
			return
		}
		s.r.emit(res, StateFailed, err.Error())
		return
	}
	if cond := spec.GetTriggerPolicy().GetCondition(); cond != "" {
		ok, err := evalCondition(&pipelinespec.ExecutorInput{Inputs: &pipelinespec.ExecutorInput_Inputs{ParameterValues: params, Artifacts: arts}}, cond)
		if err != nil {
			s.r.emit(res, StateFailed, err.Error())
			return
		}
		if !ok {
			s.r.emit(res, StateSkipped, "condition "+cond+" is false")
			return
		}
	}
	switch res.Kind {
	case "loop":
		s.runLoop(ctx, nd, comp, params, arts)
	case "dag":
		s.r.emit(res, StateRunning, "")
		child := &scope{r: s.r, comp: comp, path: res.Name, params: withDefaults(comp, params), arts: arts}
		st := child.runDAG(ctx)
		res.Parameters, res.Artifacts = child.dagOutputs()
		s.r.emit(res, st, dagReason(st))
	case "importer":
		s.runImporter(nd, comp, params)
	default:
		s.r.runContainer(ctx, res, spec, comp, params, arts)
	}
}

// waitFor blocks until the task up has finished (true) or ctx ends
// (false), so a cancelled run never waits on a task that cannot finish.
func waitFor(ctx context.Context, up *node) bool {
	select {
	case <-up.done:
		return true
	case <-ctx.Done():
		return false
	}
}

func dagReason(st State) string {
	if st == StateFailed {
		return "a task inside failed"
	}
	return ""
}

// withDefaults adds the defaults of a sub-DAG's optional inputs that the
// task left unset, as KFP's DAG driver does.
func withDefaults(comp *pipelinespec.ComponentSpec, params map[string]*structpb.Value) map[string]*structpb.Value {
	out := make(map[string]*structpb.Value, len(params))
	for k, v := range params {
		out[k] = v
	}
	for n, d := range comp.GetInputDefinitions().GetParameters() {
		if _, ok := out[n]; !ok && d.GetDefaultValue() != nil {
			out[n] = d.GetDefaultValue()
		}
	}
	return out
}

// resolveInputs resolves a task's inputs in this scope, as KFP's driver
// (resolve.go) does. res is the task being resolved, for the task-scoped
// constants ({{$.pipeline_task_name}}, {{$.pipeline_task_uuid}}).
func (s *scope) resolveInputs(ctx context.Context, res *TaskResult, spec *pipelinespec.PipelineTaskSpec, comp *pipelinespec.ComponentSpec) (map[string]*structpb.Value, map[string]*pipelinespec.ArtifactList, error) {
	params := map[string]*structpb.Value{}
	optional := func(name string) bool {
		d := comp.GetInputDefinitions().GetParameters()[name]
		return d.GetIsOptional() || d.GetDefaultValue() != nil
	}
	for name, ps := range spec.GetInputs().GetParameters() {
		var v *structpb.Value
		switch k := ps.GetKind().(type) {
		case *pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter:
			v = s.params[k.ComponentInputParameter]
			if v == nil || isNullValue(v) {
				if optional(name) {
					continue
				}
				return nil, nil, fmt.Errorf("input %q: the enclosing DAG has no value for %q", name, k.ComponentInputParameter)
			}
		case *pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter:
			up := s.nodes[k.TaskOutputParameter.GetProducerTask()]
			if up == nil {
				return nil, nil, fmt.Errorf("input %q: producer task %q is not in this DAG", name, k.TaskOutputParameter.GetProducerTask())
			}
			if !waitFor(ctx, up) {
				return nil, nil, ctx.Err()
			}
			v = up.res.Parameters[k.TaskOutputParameter.GetOutputParameterKey()]
			if v == nil {
				if optional(name) {
					continue
				}
				return nil, nil, fmt.Errorf("input %q: task %s (%s) produced no output parameter %q", name, up.res.Name, up.res.State, k.TaskOutputParameter.GetOutputParameterKey())
			}
		case *pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue:
			v = k.RuntimeValue.GetConstant()
			if str, ok := v.GetKind().(*structpb.Value_StringValue); ok {
				v = structpb.NewStringValue(s.r.pipelineConst(res, str.StringValue))
			}
		case *pipelinespec.TaskInputsSpec_InputParameterSpec_TaskFinalStatus_:
			deps := spec.GetDependentTasks()
			if len(deps) == 0 {
				return nil, nil, fmt.Errorf("input %q: a task final status needs a dependent task: recompile the pipeline", name)
			}
			up := s.nodes[deps[0]]
			if up == nil {
				return nil, nil, fmt.Errorf("input %q: task %q is not in this DAG", name, deps[0])
			}
			if !waitFor(ctx, up) {
				return nil, nil, ctx.Err()
			}
			fs := map[string]any{
				"state":                   up.res.State.finalStatus(),
				"pipelineJobResourceName": s.r.runID,
				"pipelineTaskName":        up.res.TaskName,
				"error":                   map[string]any{},
			}
			if up.res.State == StateFailed {
				fs["error"] = map[string]any{"code": 2, "message": up.res.Reason}
			}
			sv, err := structpb.NewStruct(fs)
			if err != nil {
				return nil, nil, err
			}
			v = structpb.NewStructValue(sv)
		default:
			return nil, nil, fmt.Errorf("input %q: unsupported parameter source %T", name, k)
		}
		if sel := ps.GetParameterExpressionSelector(); sel != "" {
			var err error
			if v, err = selectValue(v, sel); err != nil {
				return nil, nil, fmt.Errorf("input %q: %w", name, err)
			}
		}
		params[name] = asDeclared(v, comp.GetInputDefinitions().GetParameters()[name].GetParameterType())
	}
	arts := map[string]*pipelinespec.ArtifactList{}
	for name, as := range spec.GetInputs().GetArtifacts() {
		var l *pipelinespec.ArtifactList
		switch k := as.GetKind().(type) {
		case *pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact:
			l = s.arts[k.ComponentInputArtifact]
		case *pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact:
			up := s.nodes[k.TaskOutputArtifact.GetProducerTask()]
			if up == nil {
				return nil, nil, fmt.Errorf("input artifact %q: producer task %q is not in this DAG", name, k.TaskOutputArtifact.GetProducerTask())
			}
			if !waitFor(ctx, up) {
				return nil, nil, ctx.Err()
			}
			l = up.res.Artifacts[k.TaskOutputArtifact.GetOutputArtifactKey()]
		default:
			return nil, nil, fmt.Errorf("input artifact %q: unsupported source %T", name, k)
		}
		if l == nil || len(l.GetArtifacts()) == 0 {
			if comp.GetInputDefinitions().GetArtifacts()[name].GetIsOptional() {
				continue
			}
			return nil, nil, fmt.Errorf("input artifact %q has no value: its producer did not run or did not produce it", name)
		}
		arts[name] = l
	}
	return params, arts, nil
}

// asDeclared gives a value bound to a STRING input its text, as KFP's
// driver does (backend/src/v2/driver/resolve.go converts any non-string value
// of a STRING parameter with metadata.PbValueToText): a loop item 2 of an
// untyped literal list reaches a string input as "2", true as "true", a list
// or struct as its JSON. Other types pass through unchanged.
func asDeclared(v *structpb.Value, t pipelinespec.ParameterType_ParameterTypeEnum) *structpb.Value {
	if t != pipelinespec.ParameterType_STRING || isNullValue(v) {
		return v
	}
	if _, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return v
	}
	return structpb.NewStringValue(launcher.FormatParameter(v))
}

// workspace returns the run's workspace folder, the local stand-in for
// KFP's workspace volume ({{$.workspace_path}}), creating it on first use.
func (r *run) workspace() string {
	dir := filepath.Join(r.runDir, "workspace")
	r.wsOnce.Do(func() { _ = os.MkdirAll(dir, 0o755) })
	return dir
}

// pipelineConst resolves the pipeline placeholders KFP's driver resolves in
// constant inputs of task t (backend/src/v2/driver/resolve.go): the job's
// name, resource name, uuid and times, the pipeline root, the workspace
// path, and the task's name (its key in the enclosing DAG) and uuid
// (taskUUID).
func (r *run) pipelineConst(t *TaskResult, s string) string {
	if strings.Contains(s, "{{$.workspace_path}}") {
		return strings.ReplaceAll(s, "{{$.workspace_path}}", r.workspace())
	}
	switch s {
	case "{{$.pipeline_job_name}}", "{{$.pipeline_job_resource_name}}":
		return r.runID
	case "{{$.pipeline_job_uuid}}":
		return r.runID
	case "{{$.pipeline_job_create_time_utc}}", "{{$.pipeline_job_schedule_time_utc}}":
		return r.created
	case "{{$.pipeline_task_name}}":
		return t.TaskName
	case "{{$.pipeline_task_uuid}}":
		return r.taskUUID(t)
	case "{{$.pipeline_root}}":
		return r.root
	}
	return s
}

// taskUUID is the id of one execution of task t in this run: a name-based
// (SHA-1, RFC 9562 version 5) UUID of the run id and the task path, so it
// is unique per task and loop iteration and the same for every reader
// within the run. KFP uses the execution's ID there; locally there is no
// metadata store to number executions.
func (r *run) taskUUID(t *TaskResult) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("kfpgo-local:"+r.runID+"/"+t.Name)).String()
}

func isNullValue(v *structpb.Value) bool {
	_, ok := v.GetKind().(*structpb.Value_NullValue)
	return ok
}

// runLoop fans a ParallelFor out: one iteration scope per item, at most
// iteratorPolicy.parallelismLimit at once (0: no limit). Loop outputs are
// the iterations' outputs collected into lists (dsl.Collected).
func (s *scope) runLoop(ctx context.Context, nd *node, comp *pipelinespec.ComponentSpec, params map[string]*structpb.Value, arts map[string]*pipelinespec.ArtifactList) {
	res := nd.res
	s.r.emit(res, StateRunning, "")
	type item struct {
		param *structpb.Value
		art   *pipelinespec.RuntimeArtifact
	}
	var items []item
	var itemInput string
	if pi := nd.spec.GetParameterIterator(); pi != nil {
		itemInput = pi.GetItemInput()
		var list *structpb.Value
		switch k := pi.GetItems().GetKind().(type) {
		case *pipelinespec.ParameterIteratorSpec_ItemsSpec_Raw:
			list = structpb.NewStringValue(k.Raw)
		case *pipelinespec.ParameterIteratorSpec_ItemsSpec_InputParameter:
			list = params[k.InputParameter]
		}
		vals, err := loopItems(list)
		if err != nil {
			s.r.emit(res, StateFailed, "loop items: "+err.Error())
			return
		}
		for _, v := range vals {
			items = append(items, item{param: v})
		}
	} else {
		ai := nd.spec.GetArtifactIterator()
		itemInput = ai.GetItemInput()
		for _, a := range arts[ai.GetItems().GetInputArtifact()].GetArtifacts() {
			items = append(items, item{art: a})
		}
	}
	limit := int(nd.spec.GetIteratorPolicy().GetParallelismLimit())
	if limit <= 0 || limit > len(items) {
		limit = len(items)
	}
	sem := make(chan struct{}, max(limit, 1))
	iters := make([]*scope, len(items))
	states := make([]State, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		p := make(map[string]*structpb.Value, len(params)+1)
		for k, v := range params {
			p[k] = v
		}
		a := make(map[string]*pipelinespec.ArtifactList, len(arts)+1)
		for k, v := range arts {
			a[k] = v
		}
		if it.art != nil {
			a[itemInput] = &pipelinespec.ArtifactList{Artifacts: []*pipelinespec.RuntimeArtifact{it.art}}
		} else {
			p[itemInput] = it.param
		}
		ires := &TaskResult{Name: fmt.Sprintf("%s[%d]", res.Name, i), TaskName: res.TaskName, Kind: "iteration", State: StatePending}
		s.r.record(ires)
		iters[i] = &scope{r: s.r, comp: comp, path: ires.Name, params: p, arts: a}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				states[i] = StateCancelled
				s.r.emit(ires, StateCancelled, "the run was cancelled")
				return
			}
			defer func() { <-sem }()
			s.r.emit(ires, StateRunning, "")
			states[i] = iters[i].runDAG(ctx)
			ires.Parameters, ires.Artifacts = iters[i].dagOutputs()
			s.r.emit(ires, states[i], dagReason(states[i]))
		}()
	}
	wg.Wait()
	st := StateSucceeded
	for _, x := range states {
		if x == StateFailed {
			st = StateFailed
		} else if x == StateCancelled && st != StateFailed {
			st = StateCancelled
		}
	}
	// Collect: each output becomes the list of the iterations' values.
	res.Parameters = map[string]*structpb.Value{}
	res.Artifacts = map[string]*pipelinespec.ArtifactList{}
	for name := range comp.GetDag().GetOutputs().GetParameters() {
		var vals []*structpb.Value
		for _, it := range iters {
			p, _ := it.dagOutputs()
			if pv := p[name]; pv != nil {
				vals = append(vals, pv)
			}
		}
		res.Parameters[name] = structpb.NewListValue(&structpb.ListValue{Values: vals})
	}
	for name := range comp.GetDag().GetOutputs().GetArtifacts() {
		l := &pipelinespec.ArtifactList{}
		for _, it := range iters {
			_, a := it.dagOutputs()
			l.Artifacts = append(l.Artifacts, a[name].GetArtifacts()...)
		}
		res.Artifacts[name] = l
	}
	s.r.emit(res, st, dagReason(st))
}

// loopItems turns the items of a ParallelFor into values: a list value, or
// a string holding a JSON list (raw items and list-typed outputs passed as
// text).
func loopItems(v *structpb.Value) ([]*structpb.Value, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_ListValue:
		return k.ListValue.GetValues(), nil
	case *structpb.Value_StringValue:
		var l []any
		if err := json.Unmarshal([]byte(k.StringValue), &l); err != nil {
			return nil, fmt.Errorf("%q is not a JSON list", k.StringValue)
		}
		lv, err := structpb.NewList(l)
		if err != nil {
			return nil, err
		}
		return lv.GetValues(), nil
	default:
		return nil, fmt.Errorf("want a list, got %v", v)
	}
}

// dagOutputs resolves the DAG's outputs from its finished tasks
// (dagOutputs: valueFromParameter, valueFromOneof, artifactSelectors; with
// several selectors the first succeeded producer wins, as for dsl.OneOf).
func (s *scope) dagOutputs() (map[string]*structpb.Value, map[string]*pipelinespec.ArtifactList) {
	params := map[string]*structpb.Value{}
	arts := map[string]*pipelinespec.ArtifactList{}
	if s.nodes == nil {
		return params, arts
	}
	outs := s.comp.GetDag().GetOutputs()
	pick := func(task, key string, artifact bool) (*structpb.Value, *pipelinespec.ArtifactList) {
		nd := s.nodes[task]
		if nd == nil || !nd.res.State.ok() {
			return nil, nil
		}
		if artifact {
			return nil, nd.res.Artifacts[key]
		}
		return nd.res.Parameters[key], nil
	}
	for name, spec := range outs.GetParameters() {
		switch k := spec.GetKind().(type) {
		case *pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromParameter:
			if v, _ := pick(k.ValueFromParameter.GetProducerSubtask(), k.ValueFromParameter.GetOutputParameterKey(), false); v != nil {
				params[name] = v
			}
		case *pipelinespec.DagOutputsSpec_DagOutputParameterSpec_ValueFromOneof:
			for _, sel := range k.ValueFromOneof.GetParameterSelectors() {
				if v, _ := pick(sel.GetProducerSubtask(), sel.GetOutputParameterKey(), false); v != nil {
					params[name] = v
					break
				}
			}
		}
	}
	for name, spec := range outs.GetArtifacts() {
		for _, sel := range spec.GetArtifactSelectors() {
			if _, l := pick(sel.GetProducerSubtask(), sel.GetOutputArtifactKey(), true); l != nil && len(l.GetArtifacts()) > 0 {
				arts[name] = l
				break
			}
		}
	}
	return params, arts
}

// runImporter resolves an importer's artifact: its URI (constant or a task
// input), type and metadata (string values may hold input placeholders).
func (s *scope) runImporter(nd *node, comp *pipelinespec.ComponentSpec, params map[string]*structpb.Value) {
	res := nd.res
	s.r.emit(res, StateRunning, "")
	res.Attempts = 1
	imp := s.r.p.Executors[comp.GetExecutorLabel()].GetImporter()
	var uri string
	switch k := imp.GetArtifactUri().GetValue().(type) {
	case *pipelinespec.ValueOrRuntimeParameter_Constant:
		uri = launcher.FormatParameter(k.Constant)
	case *pipelinespec.ValueOrRuntimeParameter_ConstantValue:
		uri = k.ConstantValue.GetStringValue()
	case *pipelinespec.ValueOrRuntimeParameter_RuntimeParameter:
		uri = launcher.FormatParameter(params[k.RuntimeParameter])
	}
	if uri == "" {
		s.r.emit(res, StateFailed, "the importer's artifact URI is empty: pass a URI")
		return
	}
	md := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	if m := imp.GetMetadata(); m != nil {
		ei := &pipelinespec.ExecutorInput{Inputs: &pipelinespec.ExecutorInput_Inputs{ParameterValues: params}}
		b, err := protojson.Marshal(m)
		if err == nil {
			var resolved []string
			resolved, err = launcher.Resolve(ei, launcher.Runtime{}, s.r.root, []string{string(b)})
			if err == nil && len(resolved) == 1 {
				err = protojson.Unmarshal([]byte(resolved[0]), md)
			}
		}
		if err != nil {
			s.r.emit(res, StateFailed, "importer metadata: "+err.Error())
			return
		}
	}
	outName := "artifact"
	for n := range comp.GetOutputDefinitions().GetArtifacts() {
		outName = n
	}
	res.Parameters = map[string]*structpb.Value{}
	res.Artifacts = map[string]*pipelinespec.ArtifactList{outName: {Artifacts: []*pipelinespec.RuntimeArtifact{{
		Name: outName, Uri: uri, Type: imp.GetTypeSchema(), Metadata: md,
	}}}}
	s.r.emit(res, StateSucceeded, "")
}

func trimLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
