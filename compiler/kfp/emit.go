package kfp

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// SchemaVersion is the PipelineSpec schema version KFP's SDK writes
// (pipelinespec PipelineSpec.schema_version; 2.1.0 since kfp-pipeline-spec 0.1.14).
const SchemaVersion = "2.1.0"

// SDKVersion is written to PipelineSpec.sdk_version.
const SDKVersion = "kfpgo-0.1.0"

// Result is a compiled pipeline: the PipelineSpec and, when any task sets
// Kubernetes options, the PlatformSpec (KFP's second YAML document).
type Result struct {
	Spec     *pipelinespec.PipelineSpec
	Platform *pipelinespec.PlatformSpec
	// Doc is the PipelineSpec document as written: Spec in protojson form
	// plus the keys newer than the pinned pipelinespec module (e.g.
	// cachingOptions.cacheKey), which KFP's backend reads from JSON.
	Doc map[string]any
	// PlatformDoc is Platform in protojson form plus, when the pipeline has
	// a workspace, platforms.kubernetes.pipelineConfig (newer than the
	// pinned module; see addPipelineConfig), or nil when neither is set.
	PlatformDoc map[string]any
}

// patch sets key to value in the map at path of the PipelineSpec document.
type patch struct {
	path  []string
	key   string
	value any
}

// emitter builds one PipelineSpec (one pipeline; nested pipelines get their
// own emitter and are merged in, as KFP does).
type emitter struct {
	opts Options
	p    *ir.Pipeline
	spec *pipelinespec.PipelineSpec
	// executors maps executor labels to the executor JSON (the
	// deploymentSpec.executors Struct entries), in insertion order.
	executors    map[string]map[string]any
	executorList []string
	// platform maps executor labels to their Kubernetes executor config.
	platform map[string]map[string]any
	// platformScopes holds, per task with Kubernetes options, the inputs
	// of the DAG that holds it and that DAG's task names (platform.go).
	platformScopes map[*ir.Task]platformScope
	plan           *plan
	// compOrder lists component names in insertion order (KFP's merge of
	// nested pipelines renames in that order).
	compOrder []string
	// patches add keys newer than the pinned pipelinespec module.
	patches []patch
	errs    ir.ErrorList
	// compiledRoots are the roots of merged ir.Compiled pipelines.
	compiledRoots []compiledRoot
	// compiled is set on the emitter of the compiled pipeline (not on
	// those of nested pipelines).
	compiled bool
}

// Emit compiles a validated pipeline to KFP IR. It reports problems the
// target backend cannot run (ir.UnsupportedFeature) as an ir.ErrorList.
func Emit(p *ir.Pipeline, opts Options) (*Result, error) {
	e := newEmitter(p, opts)
	e.compiled = true
	e.build()
	e.checkWorkspace()
	if err := e.errs.Err(); err != nil {
		return nil, err
	}
	return e.result()
}

// checkWorkspace applies KFP's rule that an importer downloading to the
// workspace needs the pipeline's workspace (pipeline_spec_builder
// _uses_workspace_download); nested pipelines' importers count too.
func (e *emitter) checkWorkspace() {
	if e.p.Workspace != nil {
		return
	}
	for _, label := range e.executorList {
		imp, _ := e.executors[label]["importer"].(map[string]any)
		if imp["downloadToWorkspace"] == true {
			e.errs.Addf(e.p.Component.Pos, ir.InvalidValue, `add dsl.PipelineWorkspace(dsl.WorkspaceConfig{Size: "1Gi"}) to the pipeline's options`,
				"pipeline %q: executor %q downloads to the workspace, but the pipeline has no workspace", e.p.Component.Name, label)
			return
		}
	}
}

func newEmitter(p *ir.Pipeline, opts Options) *emitter {
	return &emitter{
		opts:      opts,
		p:         p,
		spec:      &pipelinespec.PipelineSpec{Components: map[string]*pipelinespec.ComponentSpec{}},
		executors: map[string]map[string]any{},
		platform:  map[string]map[string]any{},
	}
}

func (e *emitter) result() (*Result, error) {
	execs := map[string]any{}
	for label, x := range e.executors {
		execs[label] = x
	}
	ds, err := structpb.NewStruct(map[string]any{"executors": execs})
	if err != nil {
		return nil, fmt.Errorf("kfp: deployment spec: %w", err)
	}
	if len(e.executors) > 0 {
		e.spec.DeploymentSpec = ds
	}
	e.patchCompiled()
	// The document is built from the typed spec without its deployment
	// Struct, which is already held as maps.
	ds0 := e.spec.DeploymentSpec
	e.spec.DeploymentSpec = nil
	doc := protoMap(e.spec)
	e.spec.DeploymentSpec = ds0
	if len(e.executors) > 0 {
		doc["deploymentSpec"] = map[string]any{"executors": execs}
	}
	if e.opts.ImageRepo != "" {
		// Image references also travel as parameter values (e.g. a trainer
		// image default): rewrite every ko:// string, not only executors.
		e.rewriteKoRefs(doc)
	}
	res := &Result{Spec: e.spec, Doc: doc}
	for _, pt := range e.patches {
		m := res.Doc
		for _, k := range pt.path {
			next, _ := m[k].(map[string]any)
			if next == nil {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[pt.key] = pt.value
	}
	if len(e.platform) > 0 {
		ex := map[string]any{}
		for label, cfg := range e.platform {
			ex[label] = cfg
		}
		s, err := structpb.NewStruct(map[string]any{"executors": ex})
		if err != nil {
			return nil, fmt.Errorf("kfp: platform spec: %w", err)
		}
		res.Platform = &pipelinespec.PlatformSpec{Platforms: map[string]*pipelinespec.SinglePlatformSpec{}}
		var dc pipelinespec.PlatformDeploymentConfig
		b, _ := protojson.Marshal(s)
		if err := protojson.Unmarshal(b, &dc); err != nil {
			return nil, fmt.Errorf("kfp: platform spec: %w", err)
		}
		res.Platform.Platforms["kubernetes"] = &pipelinespec.SinglePlatformSpec{DeploymentSpec: &dc}
		res.PlatformDoc = protoMap(res.Platform)
	}
	if ws := e.p.Workspace; ws != nil {
		e.addPipelineConfig(res, ws)
	}
	return res, nil
}

// addPipelineConfig writes the workspace as
// platforms.kubernetes.pipelineConfig.workspace of the PlatformSpec
// document, in the protojson form of KFP's SinglePlatformSpec.pipelineConfig
// (PipelineConfig{workspace: WorkspaceConfig{size, kubernetes:
// KubernetesWorkspaceConfig{pvc_spec_patch}}}), with kubernetes.pvcSpecPatch
// always present as KFP's WorkspaceConfig.get_workspace writes it. The
// pinned pipelinespec module predates that typed field, so Result.Platform
// cannot hold it: it lives in PlatformDoc only. The KFP backend decodes the
// document with its newer proto (protojson), so the keys are the ones it
// reads (argocompiler: GetPipelineConfig().GetWorkspace()).
func (e *emitter) addPipelineConfig(res *Result, ws *ir.Workspace) {
	if res.Platform == nil {
		res.Platform = &pipelinespec.PlatformSpec{Platforms: map[string]*pipelinespec.SinglePlatformSpec{"kubernetes": {}}}
		res.PlatformDoc = map[string]any{"platforms": map[string]any{"kubernetes": map[string]any{}}}
	}
	patch := map[string]any{}
	for k, v := range ws.PVCSpecPatch {
		patch[k] = v
	}
	k8s, _ := res.PlatformDoc["platforms"].(map[string]any)["kubernetes"].(map[string]any)
	k8s["pipelineConfig"] = map[string]any{"workspace": map[string]any{
		"size":       ws.Size,
		"kubernetes": map[string]any{"pvcSpecPatch": patch},
	}}
}

func (e *emitter) build() {
	p := e.p
	e.spec.PipelineInfo = &pipelinespec.PipelineInfo{Name: p.Component.Name, DisplayName: p.DisplayName, Description: p.Component.Description}
	e.spec.SdkVersion = SDKVersion
	e.spec.DefaultPipelineRoot = p.DefaultPipelineRoot
	e.spec.SchemaVersion = SchemaVersion
	e.spec.Root = componentSpec(p.Component)
	e.overrideDefaults()
	e.plan = newPlan(p)
	for _, g := range e.plan.allGroups {
		e.buildGroup(g)
	}
	e.buildExitHandlers()
	e.buildDAGOutputs(e.spec.Root, p.Outputs)
}

// overrideDefaults applies Options.PipelineParameters to the root's input
// definitions (KFP modify_pipeline_spec_with_override: defaultValue only).
func (e *emitter) overrideDefaults() {
	values := map[string]any{}
	if e.compiled {
		// The DSL has refused names that are not parameter inputs.
		for name, v := range e.p.ParameterDefaults {
			values[name] = v
		}
	}
	for name, v := range e.opts.PipelineParameters {
		values[name] = v
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var ps *pipelinespec.ComponentInputsSpec_ParameterSpec
		if defs := e.spec.Root.GetInputDefinitions(); defs != nil {
			ps = defs.Parameters[name]
		}
		if ps == nil {
			e.errs.Addf(e.p.Component.Pos, ir.UnknownInput, "override only the pipeline's own parameter inputs (artifact inputs take no default)",
				"pipeline parameter %q given to the compiler does not match any parameter input of pipeline %q", name, e.p.Component.Name)
			continue
		}
		ps.DefaultValue = protoValue(values[name])
	}
}

// componentSpec converts a component's interface to a ComponentSpec (KFP
// _build_component_spec_from_component_spec_structure).
func componentSpec(c *ir.Component) *pipelinespec.ComponentSpec {
	cs := &pipelinespec.ComponentSpec{}
	for _, in := range c.Inputs {
		if cs.InputDefinitions == nil {
			cs.InputDefinitions = &pipelinespec.ComponentInputsSpec{}
		}
		addInputDef(cs.InputDefinitions, in.Name, in.Type, in)
	}
	for _, out := range c.Outputs {
		if cs.OutputDefinitions == nil {
			cs.OutputDefinitions = &pipelinespec.ComponentOutputsSpec{}
		}
		if out.Type.IsArtifact() {
			if cs.OutputDefinitions.Artifacts == nil {
				cs.OutputDefinitions.Artifacts = map[string]*pipelinespec.ComponentOutputsSpec_ArtifactSpec{}
			}
			cs.OutputDefinitions.Artifacts[out.Name] = &pipelinespec.ComponentOutputsSpec_ArtifactSpec{
				ArtifactType: artifactType(out.Type.Artifact), IsArtifactList: out.Type.List, Description: out.Description}
		} else {
			if cs.OutputDefinitions.Parameters == nil {
				cs.OutputDefinitions.Parameters = map[string]*pipelinespec.ComponentOutputsSpec_ParameterSpec{}
			}
			cs.OutputDefinitions.Parameters[out.Name] = &pipelinespec.ComponentOutputsSpec_ParameterSpec{
				ParameterType: paramType(out.Type.Param), Description: out.Description}
		}
	}
	return cs
}

// addInputDef adds one input definition; in may be nil for compiler-injected
// channel inputs.
func addInputDef(defs *pipelinespec.ComponentInputsSpec, name string, t ir.Type, in *ir.Input) {
	if t.IsArtifact() {
		if defs.Artifacts == nil {
			defs.Artifacts = map[string]*pipelinespec.ComponentInputsSpec_ArtifactSpec{}
		}
		a := &pipelinespec.ComponentInputsSpec_ArtifactSpec{ArtifactType: artifactType(t.Artifact), IsArtifactList: t.List}
		if in != nil {
			a.IsOptional = in.Optional
			a.Description = in.Description
		}
		defs.Artifacts[name] = a
		return
	}
	if defs.Parameters == nil {
		defs.Parameters = map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{}
	}
	ps := &pipelinespec.ComponentInputsSpec_ParameterSpec{ParameterType: paramType(t.Param)}
	if t.Param == ir.ParamTaskFinalStatus {
		ps.IsOptional = true
	}
	if in != nil {
		if in.Optional || in.HasDefault {
			ps.IsOptional = true
		}
		if in.HasDefault {
			ps.DefaultValue = protoValue(in.Default)
		}
		ps.Description = in.Description
	}
	defs.Parameters[name] = ps
}

func artifactType(a *ir.ArtifactType) *pipelinespec.ArtifactTypeSchema {
	return &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_SchemaTitle{SchemaTitle: a.SchemaTitle}, SchemaVersion: a.SchemaVersion}
}

// paramType maps an IR parameter type to the proto enum; ir.ParamType's
// String is the enum's name (STRING, NUMBER_INTEGER, …).
func paramType(t ir.ParamType) pipelinespec.ParameterType_ParameterTypeEnum {
	return pipelinespec.ParameterType_ParameterTypeEnum(pipelinespec.ParameterType_ParameterTypeEnum_value[t.String()])
}

// protoValue converts a JSON-compatible Go value to a protobuf Value (KFP
// to_protobuf_value).
func protoValue(v any) *structpb.Value {
	switch x := v.(type) {
	case int64:
		return structpb.NewNumberValue(float64(x))
	case int:
		return structpb.NewNumberValue(float64(x))
	}
	pv, err := structpb.NewValue(v)
	if err != nil {
		return structpb.NewStringValue(fmt.Sprint(v))
	}
	return pv
}

// buildGroup emits the DAG of one group: a component spec (or the root) and
// one task per direct subgroup and task, as KFP's build_spec_by_group does:
// subgroups first, then tasks, each in creation order.
func (e *emitter) buildGroup(g *ir.Group) {
	var gspec *pipelinespec.ComponentSpec
	if g.Kind == ir.GroupRoot {
		gspec = e.spec.Root
	} else {
		gspec = e.spec.Components[componentName(g.Name)]
	}
	if gspec.Implementation == nil {
		gspec.Implementation = &pipelinespec.ComponentSpec_Dag{Dag: &pipelinespec.DagSpec{Tasks: map[string]*pipelinespec.PipelineTaskSpec{}}}
	}
	dag := gspec.GetDag()
	subs := e.plan.children(g)
	inDag := map[string]bool{}
	for _, n := range subs {
		inDag[nodeName(n)] = true
	}
	for _, n := range subs {
		var ts *pipelinespec.PipelineTaskSpec
		var cs *pipelinespec.ComponentSpec
		var compBase string
		switch x := n.(type) {
		case *ir.Task:
			ts = e.taskSpec(x, gspec.InputDefinitions, inDag)
			cs = e.taskComponent(x)
			compBase = componentName(x.Name)
		case *ir.Group:
			ts, cs = e.groupSpecs(x, gspec.InputDefinitions, inDag)
			compBase = componentName(x.Name)
		}
		if ts == nil {
			continue
		}
		deps := e.plan.deps[n]
		if len(deps) > 0 {
			names := make([]string, 0, len(deps))
			for d := range deps {
				names = append(names, k8sName(nodeName(d)))
			}
			sort.Strings(names)
			ts.DependentTasks = names
		}
		if t, ok := n.(*ir.Task); ok {
			e.ignoreUpstreamFailure(t, ts)
		}
		name := uniqueName(compBase, func(s string) bool { _, ok := e.spec.Components[s]; return ok })
		ts.ComponentRef = &pipelinespec.ComponentRef{Name: name}
		e.spec.Components[name] = cs
		e.compOrder = append(e.compOrder, name)
		dag.Tasks[nodeName(n)] = ts
		if t, ok := n.(*ir.Task); ok && t.CacheKey != "" {
			e.patches = append(e.patches, patch{append(e.dagPath(g), "tasks", nodeName(n), "cachingOptions"), "cacheKey", t.CacheKey})
		}
	}
}

// rewriteKoRefs replaces every "ko://…" string in v with its image under
// Options.ImageRepo.
func (e *emitter) rewriteKoRefs(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && strings.HasPrefix(s, "ko://") {
				x[k] = e.opts.resolveImage(s)
				continue
			}
			e.rewriteKoRefs(c)
		}
	case []any:
		for i, c := range x {
			if s, ok := c.(string); ok && strings.HasPrefix(s, "ko://") {
				x[i] = e.opts.resolveImage(s)
				continue
			}
			e.rewriteKoRefs(c)
		}
	}
}

// dagPath is the document path of a group's DAG.
func (e *emitter) dagPath(g *ir.Group) []string {
	if g.Kind == ir.GroupRoot {
		return []string{"root", "dag"}
	}
	return []string{"components", componentName(g.Name), "dag"}
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

// taskComponent builds the component spec of a task and registers its
// executor (container or importer) or merges its nested pipeline.
func (e *emitter) taskComponent(t *ir.Task) *pipelinespec.ComponentSpec {
	switch impl := t.Component.Impl.(type) {
	case *ir.Pipeline:
		return e.mergeSubPipeline(impl)
	case *ir.Compiled:
		return e.mergeCompiled(t, impl)
	case *ir.Container:
		cs := componentSpec(t.Component)
		label := uniqueName(executorLabel(t.Name), func(s string) bool { _, ok := e.executors[s]; return ok })
		cs.Implementation = &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: label}
		e.addExecutor(label, map[string]any{"container": e.containerSpec(t, impl)})
		if t.Platform != nil {
			e.addPlatform(label, t)
		}
		return cs
	case *ir.Importer:
		cs := componentSpec(t.Component)
		label := uniqueName(executorLabel(t.Name), func(s string) bool { _, ok := e.executors[s]; return ok })
		cs.Implementation = &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: label}
		e.addExecutor(label, map[string]any{"importer": e.importerSpec(t, impl)})
		return cs
	}
	e.errs.Addf(t.Pos, ir.InvalidValue, "", "task %q: component %q has no implementation", t.Name, t.Component.Name)
	return componentSpec(t.Component)
}

func (e *emitter) addExecutor(label string, x map[string]any) {
	e.executors[label] = x
	e.executorList = append(e.executorList, label)
}

// containerSpec builds an executor's PipelineContainerSpec with the official
// type, then adds the newer resource keys (resourceCpuLimit…) that the
// pinned pipelinespec module lacks; deploymentSpec is a Struct, so they are
// kept as written.
func (e *emitter) containerSpec(t *ir.Task, c *ir.Container) map[string]any {
	pc := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{Image: e.image(t, c)}
	for _, a := range c.Command {
		pc.Command = append(pc.Command, argString(a))
	}
	for _, a := range c.Args {
		pc.Args = append(pc.Args, argString(a))
	}
	seen := map[string]int{}
	for _, env := range append(append([]ir.EnvVar(nil), c.Env...), t.Env...) {
		if i, ok := seen[env.Name]; ok {
			pc.Env[i].Value = env.Value
			continue
		}
		seen[env.Name] = len(pc.Env)
		pc.Env = append(pc.Env, &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_EnvVar{Name: env.Name, Value: env.Value})
	}
	r := t.Resources
	newer := map[string]any{}
	var res pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec
	hasRes := false
	quantity := func(ref *ir.Ref, key string, set func(float64), conv func(string) float64) {
		if ref == nil {
			return
		}
		hasRes = true
		if ref.Kind == ir.RefLiteral {
			s := fmt.Sprint(ref.Value)
			newer[key] = s
			set(conv(s))
			return
		}
		newer[key] = e.channelPlaceholder(ref)
	}
	quantity(r.CPURequest, "resourceCpuRequest", func(f float64) { res.CpuRequest = f }, cpuToFloat)
	quantity(r.CPULimit, "resourceCpuLimit", func(f float64) { res.CpuLimit = f }, cpuToFloat)
	quantity(r.MemoryRequest, "resourceMemoryRequest", func(f float64) { res.MemoryRequest = f }, memoryToFloat)
	quantity(r.MemoryLimit, "resourceMemoryLimit", func(f float64) { res.MemoryLimit = f }, memoryToFloat)
	acc := map[string]any{}
	if r.AcceleratorCount != nil {
		hasRes = true
		var cfg pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec_AcceleratorConfig
		if r.AcceleratorType != nil {
			if r.AcceleratorType.Kind == ir.RefLiteral {
				cfg.Type = fmt.Sprint(r.AcceleratorType.Value)
				acc["resourceType"] = cfg.Type
			} else {
				acc["resourceType"] = e.channelPlaceholder(r.AcceleratorType)
			}
		}
		if r.AcceleratorCount.Kind == ir.RefLiteral {
			s := fmt.Sprint(r.AcceleratorCount.Value)
			n, _ := strconv.ParseInt(s, 10, 64)
			cfg.Count = n
			acc["resourceCount"] = s
		} else {
			acc["resourceCount"] = e.channelPlaceholder(r.AcceleratorCount)
		}
		res.Accelerator = &cfg
	}
	if hasRes {
		pc.Resources = &res
	}
	m := protoMap(pc)
	if hasRes {
		rm, _ := m["resources"].(map[string]any)
		if rm == nil {
			rm = map[string]any{}
			m["resources"] = rm
		}
		for k, v := range newer {
			rm[k] = v
		}
		if len(acc) > 0 {
			am, _ := rm["accelerator"].(map[string]any)
			if am == nil {
				am = map[string]any{}
				rm["accelerator"] = am
			}
			for k, v := range acc {
				am[k] = v
			}
		}
	}
	return m
}

// image returns the executor image: the task's override (literal or
// parameter placeholder) or the component's, with ko:// references rewritten
// when Options.ImageRepo is set.
func (e *emitter) image(t *ir.Task, c *ir.Container) string {
	img := c.Image
	if t.Image != nil {
		if t.Image.Kind == ir.RefLiteral {
			img = fmt.Sprint(t.Image.Value)
		} else {
			return e.channelPlaceholder(t.Image)
		}
	}
	return e.opts.resolveImage(img)
}

// channelPlaceholder is the `{{$.inputs.parameters['pipelinechannel--…']}}`
// placeholder of a parameterized setting.
func (e *emitter) channelPlaceholder(r *ir.Ref) string {
	return fmt.Sprintf("{{$.inputs.parameters['%s']}}", ChannelName(r))
}

// cpuToFloat is KFP's _cpu_to_float: "500m" → 0.5, "2" → 2.
func cpuToFloat(s string) float64 {
	if strings.HasSuffix(s, "m") {
		f, _ := strconv.ParseFloat(strings.TrimSuffix(s, "m"), 64)
		return f / 1000
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// memoryToFloat is KFP's _memory_to_float: the quantity in GB (10^9 bytes).
func memoryToFloat(s string) float64 {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"Ei", math.Pow(2, 60)}, {"Pi", math.Pow(2, 50)}, {"Ti", math.Pow(2, 40)}, {"Gi", math.Pow(2, 30)},
		{"Mi", math.Pow(2, 20)}, {"Ki", math.Pow(2, 10)},
		{"E", 1e18}, {"P", 1e15}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3},
	}
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			f, _ := strconv.ParseFloat(strings.TrimSuffix(s, u.suffix), 64)
			return f * u.mult / 1e9
		}
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f / 1e9
}

// taskSpec builds a task's PipelineTaskSpec (KFP build_task_spec_for_task).
func (e *emitter) taskSpec(t *ir.Task, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) *pipelinespec.PipelineTaskSpec {
	ts := &pipelinespec.PipelineTaskSpec{TaskInfo: &pipelinespec.PipelineTaskInfo{Name: t.Name}}
	if t.DisplayName != "" {
		ts.TaskInfo.Name = t.DisplayName
	}
	ts.CachingOptions = &pipelinespec.PipelineTaskSpec_CachingOptions{EnableCache: e.cachingEnabled(t)}
	if rp := t.Retry; rp != nil {
		ts.RetryPolicy = &pipelinespec.PipelineTaskSpec_RetryPolicy{
			MaxRetryCount:      int32(rp.MaxRetryCount),
			BackoffDuration:    duration(rp.BackoffDurationSeconds),
			BackoffFactor:      rp.BackoffFactor,
			BackoffMaxDuration: duration(rp.BackoffMaxDurationSeconds),
		}
	}
	inputs := &pipelinespec.TaskInputsSpec{}
	for _, in := range t.Component.Inputs {
		r, ok := t.Args[in.Name]
		if !ok {
			continue
		}
		e.setTaskInput(inputs, in.Name, r, parentInputs, inDag)
	}
	// Parameterized settings become extra task inputs, as KFP injects them.
	for _, s := range e.settingChannels(t) {
		setParam(inputs, s.key, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{
			RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: structpb.NewStringValue(e.channelPlaceholder(s.ref))}}}})
		e.setChannelInput(inputs, ChannelName(s.ref), s.ref, parentInputs, inDag)
	}
	// Kubernetes option references are not task inputs; remember where
	// the task sits to resolve them (addPlatform).
	e.notePlatformScope(t, parentInputs, inDag)
	if inputs.Parameters != nil || inputs.Artifacts != nil {
		ts.Inputs = inputs
	}
	return ts
}

type settingChannel struct {
	key string
	ref *ir.Ref
}

// settingChannels lists the task settings fed by parameters, under KFP's
// injected input keys.
func (e *emitter) settingChannels(t *ir.Task) []settingChannel {
	var out []settingChannel
	add := func(key string, r *ir.Ref) {
		if r != nil && r.Kind != ir.RefLiteral {
			out = append(out, settingChannel{key, r})
		}
	}
	add("cpu_request", t.Resources.CPURequest)
	add("cpu_limit", t.Resources.CPULimit)
	add("memory_request", t.Resources.MemoryRequest)
	add("memory_limit", t.Resources.MemoryLimit)
	add("accelerator_type", t.Resources.AcceleratorType)
	add("accelerator_count", t.Resources.AcceleratorCount)
	add("base_image", t.Image)
	return out
}

func (e *emitter) cachingEnabled(t *ir.Task) bool {
	if t.Caching != nil {
		return *t.Caching
	}
	if t.Component.NoCache {
		return false
	}
	return !e.opts.DisableCaching
}

func duration(sec float64) *durationpb.Duration {
	s := math.Floor(sec)
	return &durationpb.Duration{Seconds: int64(s), Nanos: int32((sec - s) * 1e9)}
}

func setParam(in *pipelinespec.TaskInputsSpec, name string, p *pipelinespec.TaskInputsSpec_InputParameterSpec) {
	if in.Parameters == nil {
		in.Parameters = map[string]*pipelinespec.TaskInputsSpec_InputParameterSpec{}
	}
	in.Parameters[name] = p
}

func setArtifact(in *pipelinespec.TaskInputsSpec, name string, a *pipelinespec.TaskInputsSpec_InputArtifactSpec) {
	if in.Artifacts == nil {
		in.Artifacts = map[string]*pipelinespec.TaskInputsSpec_InputArtifactSpec{}
	}
	in.Artifacts[name] = a
}

// setTaskInput wires one task input from a reference.
func (e *emitter) setTaskInput(inputs *pipelinespec.TaskInputsSpec, name string, r *ir.Ref, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) {
	switch r.Kind {
	case ir.RefLiteral:
		setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{
			RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: protoValue(r.Value)}}}})
	case ir.RefPlaceholder:
		setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{
			RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: structpb.NewStringValue(r.Name)}}}})
	case ir.RefTaskFinalStatus:
		// Wired by the exit handler pass.
	case ir.RefFormat:
		e.setFormatInput(inputs, name, r, parentInputs, inDag)
	default:
		e.setChannelInput(inputs, name, r, parentInputs, inDag)
	}
}

// setFormatInput wires an argument with embedded values as KFP's
// build_task_spec_for_task does for a str, list or dict holding pipeline
// channels: each value becomes an extra task input
// "pipelinechannel--<full name>" and the argument a runtimeValue constant
// (the string, or the list or struct with string leaves) that reads it
// through {{$.inputs.parameters['pipelinechannel--<full name>']}}.
func (e *emitter) setFormatInput(inputs *pipelinespec.TaskInputsSpec, name string, r *ir.Ref, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) {
	v := r.FormatValue(func(i int) string {
		c := r.Of[i]
		extra := ChannelName(c)
		e.setChannelInput(inputs, extra, c, parentInputs, inDag)
		return "{{$.inputs.parameters['" + extra + "']}}"
	})
	setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_RuntimeValue{
		RuntimeValue: &pipelinespec.ValueOrRuntimeParameter{Value: &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: protoValue(v)}}}})
}

// setChannelInput wires a task input from a channel: a producer task in the
// same DAG directly, anything else through the parent component's inputs
// (under its own name for pipeline inputs, else "pipelinechannel--…").
func (e *emitter) setChannelInput(inputs *pipelinespec.TaskInputsSpec, name string, r *ir.Ref, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) {
	if e.wireSpecialChannel(inputs, name, r, parentInputs, inDag) {
		return
	}
	isArt := r.Type.IsArtifact()
	if r.Kind == ir.RefTaskOutput && inDag[r.Task.Name] {
		if isArt {
			setArtifact(inputs, name, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{
				TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{ProducerTask: r.Task.Name, OutputArtifactKey: r.Name}}})
		} else {
			setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter{
				TaskOutputParameter: &pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameterSpec{ProducerTask: r.Task.Name, OutputParameterKey: r.Name}}})
		}
		return
	}
	src := ChannelName(r)
	if r.Kind == ir.RefPipelineInput && hasInput(parentInputs, r.Name, isArt) {
		src = r.Name
	}
	if isArt {
		setArtifact(inputs, name, &pipelinespec.TaskInputsSpec_InputArtifactSpec{Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact{ComponentInputArtifact: src}})
	} else {
		setParam(inputs, name, &pipelinespec.TaskInputsSpec_InputParameterSpec{Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: src}})
	}
}

func hasInput(defs *pipelinespec.ComponentInputsSpec, name string, artifact bool) bool {
	if defs == nil {
		return false
	}
	if artifact {
		_, ok := defs.Artifacts[name]
		return ok
	}
	_, ok := defs.Parameters[name]
	return ok
}

// importerSpec builds an importer executor (KFP build_importer_spec_for_task).
func (e *emitter) importerSpec(t *ir.Task, imp *ir.Importer) map[string]any {
	is := &pipelinespec.PipelineDeploymentConfig_ImporterSpec{ArtifactUri: &pipelinespec.ValueOrRuntimeParameter{}, TypeSchema: artifactType(&imp.ArtifactType), Reimport: imp.Reimport}
	if imp.URI != nil && imp.URI.Kind == ir.RefLiteral {
		is.ArtifactUri.Value = &pipelinespec.ValueOrRuntimeParameter_Constant{Constant: structpb.NewStringValue(fmt.Sprint(imp.URI.Value))}
	} else {
		is.ArtifactUri.Value = &pipelinespec.ValueOrRuntimeParameter_RuntimeParameter{RuntimeParameter: "uri"}
	}
	if len(imp.Metadata) > 0 {
		md, err := structpb.NewStruct(imp.Metadata)
		if err == nil {
			is.Metadata = md
		}
	}
	m := protoMap(is)
	if imp.DownloadToWorkspace {
		// ImporterSpec.download_to_workspace (field 7) is newer than the
		// pinned pipelinespec module; the executor is a Struct, so the key
		// is written as KFP's protojson form.
		m["downloadToWorkspace"] = true
	}
	return m
}

// mergeSubPipeline compiles a nested pipeline on its own and merges its
// components and executors into this spec, renaming on collisions exactly as
// KFP's merge_deployment_spec_and_component_spec does. It returns the nested
// pipeline's root, the component spec of the task that runs it.
func (e *emitter) mergeSubPipeline(p *ir.Pipeline) *pipelinespec.ComponentSpec {
	sub := newEmitter(p, e.opts)
	sub.build()
	e.errs = append(e.errs, sub.errs...)
	// Executors first.
	renameExec := map[string]string{}
	for _, label := range sub.executorList {
		n := uniqueName(label, func(s string) bool { _, ok := e.executors[s]; return ok })
		renameExec[label] = n
		e.addExecutor(n, sub.executors[label])
		if cfg, ok := sub.platform[label]; ok {
			e.platform[n] = cfg
		}
	}
	root := proto.Clone(sub.spec.Root).(*pipelinespec.ComponentSpec)
	comps := map[string]*pipelinespec.ComponentSpec{}
	for name, c := range sub.spec.Components {
		c = proto.Clone(c).(*pipelinespec.ComponentSpec)
		if l := c.GetExecutorLabel(); l != "" {
			c.Implementation = &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: renameExec[l]}
		}
		comps[name] = c
	}
	// Components: rename in the sub-pipeline's insertion order.
	renamed := map[string]string{}
	taken := func(s string) bool {
		if _, ok := e.spec.Components[s]; ok {
			return true
		}
		for o, n := range renamed {
			if o == s || n == s {
				return true
			}
		}
		return false
	}
	for _, name := range sub.compOrder {
		renamed[name] = uniqueName(name, taken)
	}
	rewrite := func(c *pipelinespec.ComponentSpec) {
		if d := c.GetDag(); d != nil {
			for _, ts := range d.Tasks {
				if n, ok := renamed[ts.GetComponentRef().GetName()]; ok {
					ts.ComponentRef.Name = n
				}
			}
		}
	}
	rewrite(root)
	for _, name := range sub.compOrder {
		c := comps[name]
		rewrite(c)
		e.spec.Components[renamed[name]] = c
		e.compOrder = append(e.compOrder, renamed[name])
	}
	return root
}
