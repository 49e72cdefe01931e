package kubernetes

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// option is one call on one task: the task node, the executor config map
// being built and the caller's position for errors.
type option struct {
	t   *ir.Task
	cfg map[string]any
	pos ir.Pos
	fn  string
}

// open starts an option call on task. It reports (and returns false for) a
// task that cannot carry Kubernetes options: one that runs a nested
// pipeline or an importer. A nil task has nowhere to record an error and
// is ignored.
func open(task dsl.TaskRef, fn string) (*option, bool) {
	pos := ir.Caller()
	if task == nil {
		return nil, false
	}
	t := task.IRTask()
	if t == nil {
		return nil, false
	}
	o := &option{t: t, pos: pos, fn: fn}
	switch t.Component.Impl.(type) {
	case *ir.Pipeline, *ir.Compiled:
		o.errorf("set the option on the tasks inside the nested pipeline instead",
			"%s: task %q runs the nested pipeline %q; Kubernetes options apply only to container tasks (KFP: \"Platform-specific features can only be set on primitive components\")",
			fn, t.Name, t.Component.Name)
		return nil, false
	case *ir.Importer:
		o.errorf("set the option on a task that consumes the imported artifact",
			"%s: task %q is an importer, which runs no container of its own", fn, t.Name)
		return nil, false
	}
	m, _ := t.Platform.(map[string]any)
	if m == nil {
		m = map[string]any{}
		t.Platform = m
	}
	o.cfg = m
	return o, true
}

// errorf records a positioned InvalidPlatformOption error on the task.
func (o *option) errorf(hint, format string, args ...any) {
	o.t.Errors.Addf(o.pos, ir.InvalidPlatformOption, hint, format, args...)
}

// mark records the first position that set a top-level key.
func (o *option) mark(key string) {
	if o.t.PlatformPos == nil {
		o.t.PlatformPos = map[string]ir.Pos{}
	}
	if _, ok := o.t.PlatformPos[key]; !ok {
		o.t.PlatformPos[key] = o.pos
	}
}

// appendItem appends item to the list at key and returns its index.
func (o *option) appendItem(key string, item map[string]any) int {
	l, _ := o.cfg[key].([]any)
	o.cfg[key] = append(l, item)
	o.mark(key)
	return len(l)
}

// sub returns the map at key, creating it.
func (o *option) sub(key string) map[string]any {
	m, _ := o.cfg[key].(map[string]any)
	if m == nil {
		m = map[string]any{}
		o.cfg[key] = m
	}
	o.mark(key)
	return m
}

// param turns a parameter handle into the value of an InputParameterSpec
// key: the spec itself for a literal ({runtimeValue: {constant: v}}), else
// an ir.PlatformParam placeholder registered in PlatformRefs under path.
// ok is false (after reporting) for an unset or foreign handle.
func (o *option) param(r *ir.Ref, path, what string, legacy bool) (v any, literal any, ok bool) {
	if r == nil {
		o.errorf("pass dsl.Lit(value), a pipeline input or a task output", "%s: task %q: %s is an unset parameter", o.fn, o.t.Name, what)
		return nil, nil, false
	}
	switch r.Kind {
	case ir.RefLiteral:
		return map[string]any{"runtimeValue": map[string]any{"constant": r.Value}}, r.Value, true
	case ir.RefComponentInput, ir.RefComponentOutput:
		o.errorf("pass a pipeline input, a task output or dsl.Lit(value)", "%s: task %q: %s is a component's own input or output handle", o.fn, o.t.Name, what)
		return nil, nil, false
	case ir.RefTaskFinalStatus:
		o.errorf("pass a string parameter", "%s: task %q: %s cannot be a PipelineTaskFinalStatus", o.fn, o.t.Name, what)
		return nil, nil, false
	case ir.RefTaskOutput:
		if r.Task != nil && rootOf(r.Task.Group) != rootOf(o.t.Group) {
			o.t.Errors.Addf(o.pos, ir.ForeignTask, "use tasks created with this pipeline's Builder",
				"%s: task %q: %s reads task %q of another pipeline", o.fn, o.t.Name, what, r.Task.Name)
			return nil, nil, false
		}
	case ir.RefPipelineInput:
		if r.Group != nil && r.Group != rootOf(o.t.Group) {
			o.t.Errors.Addf(o.pos, ir.ForeignTask, "use the inputs of the pipeline being built",
				"%s: task %q: %s reads input %q of another pipeline", o.fn, o.t.Name, what, r.Name)
			return nil, nil, false
		}
	}
	if o.t.PlatformRefs == nil {
		o.t.PlatformRefs = map[string]*ir.Ref{}
	}
	o.t.PlatformRefs[path] = r
	return ir.PlatformParam{Ref: r, Legacy: legacy}, nil, true
}

func rootOf(g *ir.Group) *ir.Group {
	for g != nil && g.Parent != nil {
		g = g.Parent
	}
	return g
}

// msgMap converts a kubernetesplatform message to its protojson map, the
// form KFP's json_format.MessageToDict writes (int64 as strings).
func msgMap(m proto.Message) map[string]any {
	b, err := protojson.Marshal(m)
	if err != nil {
		// Only broken descriptors fail here; the messages are ours.
		panic(fmt.Sprintf("kubernetes: marshal %T: %v", m, err))
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("kubernetes: re-read %T: %v", m, err))
	}
	return out
}

// Name checks. Each returns false after reporting.

// checkSubdomain checks a literal object name (Secret, ConfigMap, PVC):
// a DNS-1123 subdomain (k8s.io/apimachinery validation).
func (o *option) checkSubdomain(kind, name string) bool {
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		o.errorf("use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253 characters)",
			"%s: task %q: %s name %q is not a valid Kubernetes name: %s", o.fn, o.t.Name, kind, name, strings.Join(msgs, "; "))
		return false
	}
	return true
}

// checkLabel checks a volume or container name: a DNS-1123 label.
func (o *option) checkLabel(kind, name string) bool {
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		o.errorf("use lower-case letters, digits and '-', starting and ending with a letter or digit (at most 63 characters)",
			"%s: task %q: %s %q is not a valid Kubernetes name: %s", o.fn, o.t.Name, kind, name, strings.Join(msgs, "; "))
		return false
	}
	return true
}

// checkEnvName checks an environment variable name.
func (o *option) checkEnvName(name string) bool {
	if msgs := validation.IsEnvVarName(name); len(msgs) > 0 {
		o.errorf("use letters, digits, '_', '-' or '.', not starting with a digit",
			"%s: task %q: environment variable name %q is invalid: %s", o.fn, o.t.Name, name, strings.Join(msgs, "; "))
		return false
	}
	return true
}

// checkQualified checks a label, annotation, node selector or toleration
// key: a qualified name with an optional DNS subdomain prefix.
func (o *option) checkQualified(kind, key string) bool {
	if msgs := validation.IsQualifiedName(key); len(msgs) > 0 {
		o.errorf(`write it as "name" or "prefix/name", e.g. "kubernetes.io/arch"`,
			"%s: task %q: %s %q is invalid: %s", o.fn, o.t.Name, kind, key, strings.Join(msgs, "; "))
		return false
	}
	return true
}

// checkLabelValue checks a label or node selector value.
func (o *option) checkLabelValue(kind, v string) bool {
	if msgs := validation.IsValidLabelValue(v); len(msgs) > 0 {
		o.errorf("use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
			"%s: task %q: %s %q is invalid: %s", o.fn, o.t.Name, kind, v, strings.Join(msgs, "; "))
		return false
	}
	return true
}

// checkQuantity checks a Kubernetes resource quantity such as "5Gi".
func (o *option) checkQuantity(what, q string) bool {
	if _, err := resource.ParseQuantity(q); err != nil {
		o.errorf(`write a Kubernetes quantity such as "500m", "5Gi" or "1G"`,
			"%s: task %q: %s %q is not a valid quantity: %v", o.fn, o.t.Name, what, q, err)
		return false
	}
	return true
}

// checkMountPath checks a mount path is set and has no ':' (Kubernetes
// VolumeMount validation).
func (o *option) checkMountPath(p string) bool {
	if p == "" || strings.Contains(p, ":") {
		o.errorf(`give a path such as "/data"`, "%s: task %q: mount path %q must be non-empty and contain no ':'", o.fn, o.t.Name, p)
		return false
	}
	return true
}
