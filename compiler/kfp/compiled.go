package kfp

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// compiledRoot remembers the raw root of a merged ir.Compiled, so that the
// task's component can be written exactly as read (patchCompiled), newer
// fields included.
type compiledRoot struct {
	spec *pipelinespec.ComponentSpec
	raw  map[string]any
}

// mergeCompiled merges an already-compiled pipeline as KFP merges a nested
// pipeline (mergeSubPipeline): executors and components are copied in the
// document's sorted order, renamed with uniqueName only on a clash, and the
// references to them rewritten. It returns the root as the task's component.
func (e *emitter) mergeCompiled(t *ir.Task, c *ir.Compiled) *pipelinespec.ComponentSpec {
	comps, _ := c.Spec["components"].(map[string]any)
	ds, _ := c.Spec["deploymentSpec"].(map[string]any)
	execs, _ := ds["executors"].(map[string]any)

	renameExec := map[string]string{}
	for _, label := range sortedKeys(execs) {
		x, _ := deepCopy(execs[label]).(map[string]any)
		n := uniqueName(label, func(s string) bool { _, ok := e.executors[s]; return ok })
		renameExec[label] = n
		e.addExecutor(n, x)
		if cfg, ok := c.Platform[label].(map[string]any); ok {
			e.platform[n], _ = deepCopy(cfg).(map[string]any)
		}
	}
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
	names := sortedKeys(comps)
	for _, name := range names {
		renamed[name] = uniqueName(name, taken)
	}
	rewrite := func(raw map[string]any) {
		if l, ok := raw["executorLabel"].(string); ok {
			if n, ok := renameExec[l]; ok {
				raw["executorLabel"] = n
			}
		}
		dag, _ := raw["dag"].(map[string]any)
		tasks, _ := dag["tasks"].(map[string]any)
		for _, ts := range tasks {
			ref, _ := ts.(map[string]any)["componentRef"].(map[string]any)
			if n, ok := renamed[fmt.Sprint(ref["name"])]; ok && ref != nil {
				ref["name"] = n
			}
		}
	}
	for _, name := range names {
		raw, _ := deepCopy(comps[name]).(map[string]any)
		rewrite(raw)
		cs := e.compiledSpec(t, raw)
		e.spec.Components[renamed[name]] = cs
		e.compOrder = append(e.compOrder, renamed[name])
		e.patches = append(e.patches, patch{[]string{"components"}, renamed[name], raw})
	}
	root, _ := deepCopy(c.Spec["root"]).(map[string]any)
	if root == nil {
		root = map[string]any{}
	}
	rewrite(root)
	cs := e.compiledSpec(t, root)
	e.compiledRoots = append(e.compiledRoots, compiledRoot{cs, root})
	return cs
}

// compiledSpec decodes a raw component into the typed message, ignoring
// fields newer than the pinned module (the raw tree is written instead).
func (e *emitter) compiledSpec(t *ir.Task, raw map[string]any) *pipelinespec.ComponentSpec {
	cs := &pipelinespec.ComponentSpec{}
	b, err := json.Marshal(raw)
	if err == nil {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, cs)
	}
	if err != nil {
		e.errs.Addf(t.Pos, ir.InvalidValue, "check the component YAML against KFP's PipelineSpec schema",
			"task %q: compiled component %q: %v", t.Name, t.Component.Name, err)
	}
	return cs
}

// patchCompiled schedules the raw roots of merged compiled pipelines to be
// written under the component names the DAG gave them.
func (e *emitter) patchCompiled() {
	if len(e.compiledRoots) == 0 {
		return
	}
	for name, cs := range e.spec.Components {
		for _, r := range e.compiledRoots {
			if r.spec == cs {
				e.patches = append(e.patches, patch{[]string{"components"}, name, r.raw})
			}
		}
	}
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// deepCopy copies a generic JSON tree.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[k] = deepCopy(v)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, v := range x {
			l[i] = deepCopy(v)
		}
		return l
	}
	return v
}
