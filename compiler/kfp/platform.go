package kfp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// platformScope is where a task with Kubernetes options sits: the inputs of
// its DAG's component and the names of the nodes of that DAG (KFP's
// parent_component_inputs and tasks_in_current_dag).
type platformScope struct {
	inputs *pipelinespec.ComponentInputsSpec
	inDag  map[string]bool
}

// notePlatformScope records the scope of a task that has Kubernetes options
// while its task spec is built.
func (e *emitter) notePlatformScope(t *ir.Task, parentInputs *pipelinespec.ComponentInputsSpec, inDag map[string]bool) {
	if t.Platform == nil {
		return
	}
	if e.platformScopes == nil {
		e.platformScopes = map[*ir.Task]platformScope{}
	}
	if len(inDag) == 0 && e.plan != nil && e.plan.exitTasks[t] {
		// KFP resolves an exit task's options against the root DAG.
		inDag = map[string]bool{}
		for _, n := range e.plan.children(e.p.Root) {
			inDag[nodeName(n)] = true
		}
	}
	e.platformScopes[t] = platformScope{inputs: parentInputs, inDag: inDag}
}

// addPlatform records a task's Kubernetes executor config under label (the
// PlatformSpec's platforms.kubernetes.deploymentSpec.executors.<label>).
// The config is the map sdk/kubernetes built; each ir.PlatformParam in it
// becomes an InputParameterSpec seen from the task's DAG, with KFP's
// _rewrite_platform_config_input_references semantics: a pipeline input
// is componentInputParameter under its own name at the root and under its
// "pipelinechannel--" name inside sub-DAGs; an output of a task in the
// same DAG is taskOutputParameter; an output of a task outside it is the
// surfaced componentInputParameter. Options newer than Options.Target are
// reported as ir.UnsupportedFeature.
func (e *emitter) addPlatform(label string, t *ir.Task) {
	m, ok := t.Platform.(map[string]any)
	if !ok || len(m) == 0 {
		return
	}
	e.checkPlatformTarget(t, m)
	scope := e.platformScopes[t]
	e.platform[label], _ = e.resolvePlatform(m, scope).(map[string]any)
}

// resolvePlatform deep-copies v, replacing PlatformParam placeholders.
func (e *emitter) resolvePlatform(v any, scope platformScope) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			val := x[k]
			p, isParam := asPlatformParam(val)
			if !isParam {
				out[k] = e.resolvePlatform(val, scope)
				continue
			}
			spec := e.platformParamSpec(p.Ref, scope)
			out[k] = spec
			if p.Legacy {
				// The deprecated PvcMount pvc_reference oneof, rewritten as
				// KFP rewrites it.
				switch {
				case spec["taskOutputParameter"] != nil:
					out["taskOutputParameter"] = deepCopy(spec["taskOutputParameter"])
				case spec["componentInputParameter"] != nil:
					out["componentInputParameter"] = spec["componentInputParameter"]
				case spec["runtimeValue"] != nil:
					rv, _ := spec["runtimeValue"].(map[string]any)
					if s, ok := rv["constant"].(string); ok {
						out["constant"] = s
					}
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = e.resolvePlatform(it, scope)
		}
		return out
	}
	return v
}

func asPlatformParam(v any) (ir.PlatformParam, bool) {
	switch p := v.(type) {
	case ir.PlatformParam:
		return p, true
	case *ir.PlatformParam:
		if p != nil {
			return *p, true
		}
	}
	return ir.PlatformParam{}, false
}

// platformParamSpec is the InputParameterSpec (protojson map) of a
// reference as the task's DAG sees it.
func (e *emitter) platformParamSpec(r *ir.Ref, scope platformScope) map[string]any {
	if r == nil {
		return map[string]any{}
	}
	if r.Kind == ir.RefLiteral {
		return map[string]any{"runtimeValue": map[string]any{"constant": deepCopy(r.Value)}}
	}
	if r.Kind == ir.RefPlaceholder {
		return map[string]any{"runtimeValue": map[string]any{"constant": r.Name}}
	}
	tmp := &pipelinespec.TaskInputsSpec{}
	e.setChannelInput(tmp, "p", r, scope.inputs, scope.inDag)
	if p := tmp.Parameters["p"]; p != nil {
		return protoMap(p)
	}
	return map[string]any{}
}

// platformFeature is a Kubernetes option that needs a newer KFP backend
// than the oldest one supported.
type platformFeature struct {
	key  string // top-level executor config key, for the position
	what string
	min  Version
	// since names the KFP release and change that added backend support.
	since string
}

// The KFP backend releases that added driver support for the newer options
// (kubeflow/pipelines, backend/src/v2/driver).
var (
	paramNamesSince   = platformFeature{min: Version{2, 5}, since: "KFP 2.5.0, kubeflow/pipelines#11770"}
	emptyDirSince     = platformFeature{min: Version{2, 3}, since: "KFP 2.3.0, kubeflow/pipelines#10892"}
	affinityJSONSince = platformFeature{min: Version{2, 14}, since: "KFP 2.14.0, kubeflow/pipelines#12028"}
	optionalEnvSince  = platformFeature{min: Version{2, 15}, since: "KFP 2.15.0, kubeflow/pipelines#12216"}
	securitySince     = platformFeature{min: Version{2, 16}, since: "KFP 2.16.0, kubeflow/pipelines#12832"}
	subPathSince      = platformFeature{min: Version{2, 16}, since: "KFP 2.16.0, kubeflow/pipelines#12595"}
	initSince         = platformFeature{min: Version{2, 18}, since: "kubeflow/pipelines#13651, released after KFP 2.17"}
)

// platformFeatures lists the options of cfg that need a newer backend.
func platformFeatures(cfg map[string]any) []platformFeature {
	var out []platformFeature
	add := func(f platformFeature, key, what string) {
		f.key, f.what = key, what
		out = append(out, f)
	}
	if _, ok := cfg["emptyDirMounts"]; ok {
		add(emptyDirSince, "emptyDirMounts", "empty-dir mounts (emptyDirMounts)")
	}
	if _, ok := cfg["securityContext"]; ok {
		add(securitySince, "securityContext", "a security context (securityContext)")
	}
	if _, ok := cfg["initContainers"]; ok {
		add(initSince, "initContainers", "init containers (initContainers)")
	}
	for _, it := range listOf(cfg["nodeAffinity"]) {
		if _, ok := it["nodeAffinityJson"]; ok {
			add(affinityJSONSince, "nodeAffinity", "node affinity as JSON (nodeAffinityJson)")
			break
		}
	}
	for _, it := range listOf(cfg["pvcMount"]) {
		if s, _ := it["subPath"].(string); s != "" {
			add(subPathSince, "pvcMount", "a PVC mount sub-path (pvcMount.subPath)")
			break
		}
	}
	for _, key := range []string{"secretAsEnv", "configMapAsEnv"} {
		for _, it := range listOf(cfg[key]) {
			if b, _ := it["optional"].(bool); b {
				add(optionalEnvSince, key, "an optional "+strings.TrimSuffix(key, "AsEnv")+" as env ("+key+".optional)")
				break
			}
		}
	}
	keys := sortedKeys(cfg)
	for _, key := range keys {
		if hasRuntimeParam(cfg[key]) {
			add(paramNamesSince, key, "a value taken from a pipeline parameter or task output ("+key+")")
		}
	}
	return out
}

func listOf(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, it := range l {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// hasRuntimeParam reports whether v holds a PlatformParam that is not a
// literal.
func hasRuntimeParam(v any) bool {
	if p, ok := asPlatformParam(v); ok {
		return p.Ref != nil && p.Ref.Kind != ir.RefLiteral
	}
	switch x := v.(type) {
	case map[string]any:
		for _, it := range x {
			if hasRuntimeParam(it) {
				return true
			}
		}
	case []any:
		for _, it := range x {
			if hasRuntimeParam(it) {
				return true
			}
		}
	}
	return false
}

// checkPlatformTarget refuses options the target backend cannot run.
func (e *emitter) checkPlatformTarget(t *ir.Task, cfg map[string]any) {
	target := e.opts.target()
	fs := platformFeatures(cfg)
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].key < fs[j].key })
	for _, f := range fs {
		if target.AtLeast(f.min) {
			continue
		}
		pos := t.PlatformPos[f.key]
		if !pos.IsValid() {
			pos = t.Pos
		}
		e.errs.Addf(pos, ir.UnsupportedFeature,
			fmt.Sprintf("compile for KFP %s or newer (Options.Target, kfpgo compile --kfp-version %s), or drop the option", f.min, f.min),
			"task %q: %s needs KFP %s or newer (%s); the target backend is KFP %s", t.Name, f.what, f.min, f.since, target)
	}
}
