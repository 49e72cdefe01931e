package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	kp "github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	corev1 "k8s.io/api/core/v1"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// AddNodeSelector requires the task's pod to run on nodes labelled
// key=value (kfp-kubernetes add_node_selector; executor config
// nodeSelector.labels), e.g. ("cloud.google.com/gke-accelerator",
// "nvidia-tesla-p4"). Calls accumulate; a repeated key keeps the last value.
//
// Errors: an invalid label key or value.
func AddNodeSelector(task dsl.TaskRef, key, value string) {
	o, ok := open(task, "AddNodeSelector")
	if !ok {
		return
	}
	if !o.checkQualified("node selector key", key) || !o.checkLabelValue("node selector value", value) {
		return
	}
	ns := o.sub("nodeSelector")
	labels, _ := ns["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
		ns["labels"] = labels
	}
	labels[key] = value
}

// AddNodeSelectorJSON sets the whole node selector from a STRUCT parameter
// (kfp-kubernetes add_node_selector_json; nodeSelector.nodeSelectorJson,
// KFP 2.5): a pipeline input, a task output or dsl.Lit(map). At run time it
// takes precedence over AddNodeSelector labels.
//
// Errors: an unset parameter.
func AddNodeSelectorJSON(task dsl.TaskRef, selector dsl.Param[map[string]any]) {
	o, ok := open(task, "AddNodeSelectorJSON")
	if !ok {
		return
	}
	pv, _, ok := o.param(dsl.RefOf(selector), "nodeSelector.nodeSelectorJson", "node selector JSON", false)
	if !ok {
		return
	}
	o.sub("nodeSelector")["nodeSelectorJson"] = pv
}

// Requirement is a node selector requirement of a node affinity term
// (Kubernetes NodeSelectorRequirement).
type Requirement struct {
	Key string
	// Operator is In, NotIn, Exists, DoesNotExist, Gt or Lt.
	Operator string
	Values   []string
}

// NodeAffinityTerm is one node affinity constraint (kfp-kubernetes
// add_node_affinity).
type NodeAffinityTerm struct {
	MatchExpressions []Requirement
	MatchFields      []Requirement
	// Weight 1–100 makes the term preferred
	// (preferredDuringSchedulingIgnoredDuringExecution); 0 makes it
	// required (requiredDuringSchedulingIgnoredDuringExecution).
	Weight int
}

// AddNodeAffinity adds a node affinity term (executor config nodeAffinity).
//
// Errors: an empty key, an operator outside In, NotIn, Exists,
// DoesNotExist, Gt, Lt, or a weight outside 0–100.
func AddNodeAffinity(task dsl.TaskRef, term NodeAffinityTerm) {
	o, ok := open(task, "AddNodeAffinity")
	if !ok {
		return
	}
	msg := &kp.NodeAffinityTerm{}
	good := true
	conv := func(kind string, rs []Requirement) []*kp.SelectorRequirement {
		var out []*kp.SelectorRequirement
		for _, r := range rs {
			if r.Key == "" {
				o.errorf("name the node label (or field) to match", "%s: task %q: a %s has an empty key", o.fn, o.t.Name, kind)
				good = false
			}
			switch r.Operator {
			case "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt":
			default:
				o.errorf("use In, NotIn, Exists, DoesNotExist, Gt or Lt", "%s: task %q: invalid operator %q for key %q in a %s", o.fn, o.t.Name, r.Operator, r.Key, kind)
				good = false
			}
			out = append(out, &kp.SelectorRequirement{Key: r.Key, Operator: r.Operator, Values: r.Values})
		}
		return out
	}
	msg.MatchExpressions = conv("match expression", term.MatchExpressions)
	msg.MatchFields = conv("match field", term.MatchFields)
	if term.Weight < 0 || term.Weight > 100 {
		o.errorf("use 1–100 for a preferred term, 0 for a required one", "%s: task %q: weight %d is outside 0–100", o.fn, o.t.Name, term.Weight)
		good = false
	}
	if !good {
		return
	}
	item := msgMap(msg)
	if term.Weight > 0 {
		// weight is an int32 in kfp-kubernetes since #10671 (a JSON
		// number); the pinned module still has int64 (a JSON string).
		item["weight"] = float64(term.Weight)
	}
	o.appendItem("nodeAffinity", item)
}

// AddNodeAffinityJSON sets node affinity from a Kubernetes NodeAffinity
// object (kfp-kubernetes add_node_affinity_json; nodeAffinity[].
// nodeAffinityJson, KFP 2.14): a STRUCT pipeline input or task output, or
// dsl.Lit(map) with the NodeAffinity fields in their JSON form
// ("requiredDuringSchedulingIgnoredDuringExecution"…). It replaces an
// earlier JSON term of the task.
//
// Errors: a literal that is not a valid NodeAffinity (unknown fields or
// wrong types).
func AddNodeAffinityJSON(task dsl.TaskRef, affinity dsl.Param[map[string]any]) {
	o, ok := open(task, "AddNodeAffinityJSON")
	if !ok {
		return
	}
	if r := dsl.RefOf(affinity); r != nil && r.Kind == ir.RefLiteral {
		b, err := json.Marshal(r.Value)
		if err == nil {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			var na corev1.NodeAffinity
			err = dec.Decode(&na)
		}
		if err != nil {
			o.errorf("write a Kubernetes NodeAffinity object, e.g. {\"preferredDuringSchedulingIgnoredDuringExecution\": [...]}",
				"%s: task %q: invalid NodeAffinity JSON: %v", o.fn, o.t.Name, err)
			return
		}
	}
	// Drop an earlier JSON term (and its reference), as KFP does.
	l, _ := o.cfg["nodeAffinity"].([]any)
	kept := l[:0:0]
	for _, it := range l {
		if m, ok := it.(map[string]any); ok {
			if _, isJSON := m["nodeAffinityJson"]; isJSON {
				continue
			}
		}
		kept = append(kept, it)
	}
	for k := range o.t.PlatformRefs {
		if len(k) > len("nodeAffinity[") && k[:len("nodeAffinity[")] == "nodeAffinity[" {
			delete(o.t.PlatformRefs, k)
		}
	}
	o.cfg["nodeAffinity"] = kept
	pv, _, ok := o.param(dsl.RefOf(affinity), fmt.Sprintf("nodeAffinity[%d].nodeAffinityJson", len(kept)), "node affinity JSON", false)
	if !ok {
		return
	}
	o.appendItem("nodeAffinity", map[string]any{"nodeAffinityJson": pv})
}

// Toleration lets the task's pod schedule onto nodes with matching taints
// (Kubernetes Toleration; kfp-kubernetes add_toleration).
type Toleration struct {
	// Key is the taint key; "" matches every key (Operator must then be
	// Exists).
	Key string
	// Operator is "Equal" (the Kubernetes default when "") or "Exists".
	Operator string
	// Value is the taint value; empty with Exists.
	Value string
	// Effect is "" (all effects), "NoSchedule", "PreferNoSchedule" or
	// "NoExecute".
	Effect string
	// TolerationSeconds, with effect NoExecute, bounds how long the pod
	// stays on a node after the taint appears. Optional: nil tolerates
	// forever.
	TolerationSeconds *int64
}

// AddToleration adds a toleration to the task's pod (executor config
// tolerations).
//
// Errors: an invalid key, an operator other than Equal or Exists, an
// effect other than NoSchedule, PreferNoSchedule or NoExecute, a value
// with Exists, or an empty key without Exists.
func AddToleration(task dsl.TaskRef, tol Toleration) {
	o, ok := open(task, "AddToleration")
	if !ok {
		return
	}
	o.addToleration(tol)
}

func (o *option) addToleration(tol Toleration) {
	good := true
	if tol.Key != "" {
		good = o.checkQualified("toleration key", tol.Key)
	}
	switch tol.Operator {
	case "", "Equal", "Exists":
	default:
		o.errorf(`use "Equal" or "Exists"`, "%s: task %q: invalid toleration operator %q", o.fn, o.t.Name, tol.Operator)
		good = false
	}
	switch tol.Effect {
	case "", "NoSchedule", "PreferNoSchedule", "NoExecute":
	default:
		o.errorf(`use "NoSchedule", "PreferNoSchedule" or "NoExecute" (or "" for all effects)`, "%s: task %q: invalid toleration effect %q", o.fn, o.t.Name, tol.Effect)
		good = false
	}
	if tol.Operator == "Exists" && tol.Value != "" {
		o.errorf("drop the value, or use operator Equal", "%s: task %q: toleration with operator Exists has value %q", o.fn, o.t.Name, tol.Value)
		good = false
	}
	if tol.Key == "" && tol.Operator != "Exists" {
		o.errorf("set a key, or use operator Exists to tolerate every taint", "%s: task %q: toleration without a key must use operator Exists", o.fn, o.t.Name)
		good = false
	}
	if !good {
		return
	}
	o.appendItem("tolerations", msgMap(&kp.Toleration{Key: tol.Key, Operator: tol.Operator, Value: tol.Value, Effect: tol.Effect, TolerationSeconds: tol.TolerationSeconds}))
}

// AddTolerationJSON adds tolerations given as Kubernetes Toleration JSON
// (kfp-kubernetes add_toleration_json): a STRUCT or LIST pipeline input or
// task output becomes tolerations[].tolerationJson (KFP 2.5), resolved at
// run time; a literal (dsl.Lit of one toleration object, or of a list of
// them, with keys key, operator, value, effect, tolerationSeconds) is
// expanded into AddToleration calls at compile time.
//
// Errors: a literal that is not a toleration or list of tolerations, and
// the errors of AddToleration.
func AddTolerationJSON[T map[string]any | []any | []map[string]any](task dsl.TaskRef, tolerations dsl.Param[T]) {
	o, ok := open(task, "AddTolerationJSON")
	if !ok {
		return
	}
	r := dsl.RefOf(tolerations)
	if r != nil && r.Kind == ir.RefLiteral {
		b, err := json.Marshal(r.Value)
		var list []corev1.Toleration
		if err == nil {
			if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
				err = strictJSON(b, &list)
			} else {
				var one corev1.Toleration
				err = strictJSON(b, &one)
				list = []corev1.Toleration{one}
			}
		}
		if err != nil {
			o.errorf(`write {"key": …, "operator": …, "value": …, "effect": …} or a list of them`, "%s: task %q: invalid toleration JSON: %v", o.fn, o.t.Name, err)
			return
		}
		for _, kt := range list {
			o.addToleration(Toleration{Key: kt.Key, Operator: string(kt.Operator), Value: kt.Value, Effect: string(kt.Effect), TolerationSeconds: kt.TolerationSeconds})
		}
		return
	}
	l, _ := o.cfg["tolerations"].([]any)
	pv, _, ok := o.param(r, fmt.Sprintf("tolerations[%d].tolerationJson", len(l)), "toleration JSON", false)
	if !ok {
		return
	}
	o.appendItem("tolerations", map[string]any{"tolerationJson": pv})
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// SetTimeout bounds the task's pod run time (kfp-kubernetes set_timeout;
// executor config activeDeadlineSeconds), in whole seconds; 0 removes an
// earlier timeout.
//
// Errors: a negative duration or one that is not a whole number of
// seconds.
func SetTimeout(task dsl.TaskRef, d time.Duration) {
	o, ok := open(task, "SetTimeout")
	if !ok {
		return
	}
	if d < 0 || d%time.Second != 0 {
		o.errorf("use a whole, non-negative number of seconds, e.g. 20*time.Second", "%s: task %q: invalid timeout %s", o.fn, o.t.Name, d)
		return
	}
	if d == 0 {
		delete(o.cfg, "activeDeadlineSeconds")
		return
	}
	// int64 fields are JSON strings in protojson, as KFP writes them.
	o.cfg["activeDeadlineSeconds"] = strconv.FormatInt(int64(d/time.Second), 10)
	o.mark("activeDeadlineSeconds")
}
