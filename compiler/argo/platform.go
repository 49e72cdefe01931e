package argo

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	apiv1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kfpgo/kfpgo/compiler/ir"
)

// platformKeys are the KubernetesExecutorConfig keys (protojson names)
// the Argo target maps; any other key is reported, so a new option is
// never dropped silently.
var platformKeys = map[string]bool{
	"secretAsVolume": true, "secretAsEnv": true, "pvcMount": true, "nodeSelector": true, "podMetadata": true,
	"imagePullSecret": true, "imagePullPolicy": true, "configMapAsVolume": true, "configMapAsEnv": true,
	"activeDeadlineSeconds": true, "fieldPathAsEnv": true, "tolerations": true, "genericEphemeralVolume": true,
	"nodeAffinity": true, "podAffinity": true, "emptyDirMounts": true, "enabledSharedMemory": true,
	"securityContext": true, "initContainers": true,
}

// platform maps the task's Kubernetes options (ir.Task.Platform, the
// protojson form of kfp-kubernetes' KubernetesExecutorConfig) onto the
// container template, and returns the pod spec patch extended with what a
// template cannot hold (image pull secrets).
func (c *tctx) platform(tmpl *wfv1.Template, patch map[string]any) map[string]any {
	m, ok := c.t.Platform.(map[string]any)
	if !ok {
		c.e.errs.Addf(c.t.Pos, ir.UnsupportedFeature, "", "task %q: Kubernetes options of type %T", c.t.Name, c.t.Platform)
		return patch
	}
	k := tmpl.Container
	for _, key := range sortedKeys(m) {
		if !platformKeys[key] {
			pos := c.t.PlatformPos[key]
			if !pos.IsValid() {
				pos = c.t.Pos
			}
			c.e.errs.Addf(pos, ir.UnsupportedFeature, "remove the option for the Argo target, or compile for KFP",
				"task %q: Kubernetes option %q has no Argo mapping yet", c.t.Name, key)
		}
	}
	vol := func(name string, src apiv1.VolumeSource, mount, sub string) {
		tmpl.Volumes = append(tmpl.Volumes, apiv1.Volume{Name: name, VolumeSource: src})
		if mount != "" {
			k.VolumeMounts = append(k.VolumeMounts, apiv1.VolumeMount{Name: name, MountPath: mount, SubPath: sub})
		}
	}
	for i, s := range list(m["secretAsVolume"]) {
		name := c.name(s, "secretName", "secret")
		src := &apiv1.SecretVolumeSource{SecretName: name, Optional: optBool(s["optional"])}
		vol(fmt.Sprintf("kfp-secret-%d", i), apiv1.VolumeSource{Secret: src}, str(s["mountPath"]), "")
	}
	for _, s := range list(m["secretAsEnv"]) {
		name := c.name(s, "secretName", "secret")
		for _, kv := range list(s["keyToEnv"]) {
			k.Env = append(k.Env, apiv1.EnvVar{Name: str(kv["envVar"]), ValueFrom: &apiv1.EnvVarSource{SecretKeyRef: &apiv1.SecretKeySelector{
				LocalObjectReference: apiv1.LocalObjectReference{Name: name}, Key: str(kv["secretKey"]), Optional: optBool(s["optional"])}}})
		}
	}
	for i, s := range list(m["configMapAsVolume"]) {
		name := c.name(s, "configMapName", "config-map")
		src := &apiv1.ConfigMapVolumeSource{LocalObjectReference: apiv1.LocalObjectReference{Name: name}, Optional: optBool(s["optional"])}
		vol(fmt.Sprintf("kfp-config-map-%d", i), apiv1.VolumeSource{ConfigMap: src}, str(s["mountPath"]), "")
	}
	for _, s := range list(m["configMapAsEnv"]) {
		name := c.name(s, "configMapName", "config-map")
		for _, kv := range list(s["keyToEnv"]) {
			k.Env = append(k.Env, apiv1.EnvVar{Name: str(kv["envVar"]), ValueFrom: &apiv1.EnvVarSource{ConfigMapKeyRef: &apiv1.ConfigMapKeySelector{
				LocalObjectReference: apiv1.LocalObjectReference{Name: name}, Key: str(kv["configMapKey"]), Optional: optBool(s["optional"])}}})
		}
	}
	for i, s := range list(m["pvcMount"]) {
		name := c.name(s, "pvcName", "pvc")
		if name == "" {
			name = str(s["constant"])
		}
		if name == "" {
			if p, ok := asParam(s["taskOutputParameter"]); ok {
				name = c.extraParam("pvc", p.Ref)
			} else if p, ok := asParam(s["componentInputParameter"]); ok {
				name = c.extraParam("pvc", p.Ref)
			}
		}
		vol(fmt.Sprintf("kfp-pvc-%d", i), apiv1.VolumeSource{PersistentVolumeClaim: &apiv1.PersistentVolumeClaimVolumeSource{ClaimName: name}},
			str(s["mountPath"]), str(s["subPath"]))
	}
	for _, s := range list(m["emptyDirMounts"]) {
		src := &apiv1.EmptyDirVolumeSource{Medium: apiv1.StorageMedium(str(s["medium"]))}
		if q := str(s["sizeLimit"]); q != "" {
			src.SizeLimit = c.quantity(q)
		}
		vol(str(s["volumeName"]), apiv1.VolumeSource{EmptyDir: src}, str(s["mountPath"]), "")
	}
	if s, ok := m["enabledSharedMemory"].(map[string]any); ok {
		name := str(s["volumeName"])
		if name == "" {
			name = "shm"
		}
		src := &apiv1.EmptyDirVolumeSource{Medium: apiv1.StorageMediumMemory}
		if q := str(s["size"]); q != "" {
			src.SizeLimit = c.quantity(q)
		}
		vol(name, apiv1.VolumeSource{EmptyDir: src}, "/dev/shm", "")
	}
	for _, s := range list(m["genericEphemeralVolume"]) {
		spec := apiv1.PersistentVolumeClaimSpec{}
		for _, a := range strs(s["accessModes"]) {
			spec.AccessModes = append(spec.AccessModes, apiv1.PersistentVolumeAccessMode(a))
		}
		if q := str(s["size"]); q != "" {
			if qq := c.quantity(q); qq != nil {
				spec.Resources.Requests = apiv1.ResourceList{apiv1.ResourceStorage: *qq}
			}
		}
		if sc := str(s["storageClassName"]); sc != "" && s["defaultStorageClass"] != true {
			spec.StorageClassName = &sc
		}
		tpl := &apiv1.PersistentVolumeClaimTemplate{Spec: spec}
		if md, ok := s["metadata"].(map[string]any); ok {
			tpl.Labels, tpl.Annotations = strMap(md["labels"]), strMap(md["annotations"])
		}
		vol(str(s["volumeName"]), apiv1.VolumeSource{Ephemeral: &apiv1.EphemeralVolumeSource{VolumeClaimTemplate: tpl}}, str(s["mountPath"]), "")
	}
	for _, s := range list(m["fieldPathAsEnv"]) {
		k.Env = append(k.Env, apiv1.EnvVar{Name: str(s["name"]), ValueFrom: &apiv1.EnvVarSource{FieldRef: &apiv1.ObjectFieldSelector{FieldPath: str(s["fieldPath"])}}})
	}
	if ns, ok := m["nodeSelector"].(map[string]any); ok {
		tmpl.NodeSelector = strMap(ns["labels"])
	}
	if pm, ok := m["podMetadata"].(map[string]any); ok {
		tmpl.Metadata.Labels, tmpl.Metadata.Annotations = strMap(pm["labels"]), strMap(pm["annotations"])
	}
	if p := str(m["imagePullPolicy"]); p != "" {
		k.ImagePullPolicy = apiv1.PullPolicy(p)
	}
	if d, ok := number(m["activeDeadlineSeconds"]); ok && d > 0 {
		v := intstr.FromInt(int(d))
		tmpl.ActiveDeadlineSeconds = &v
	}
	for _, s := range list(m["tolerations"]) {
		tol := apiv1.Toleration{Key: str(s["key"]), Operator: apiv1.TolerationOperator(str(s["operator"])), Value: str(s["value"]), Effect: apiv1.TaintEffect(str(s["effect"]))}
		if n, ok := number(s["tolerationSeconds"]); ok {
			v := int64(n)
			tol.TolerationSeconds = &v
		}
		tmpl.Tolerations = append(tmpl.Tolerations, tol)
	}
	c.affinity(tmpl, m)
	for _, ic := range list(m["initContainers"]) {
		u := wfv1.UserContainer{Container: apiv1.Container{Name: str(ic["name"]), Image: str(ic["image"]), Command: strs(ic["command"]), Args: strs(ic["args"])}}
		for _, ev := range list(ic["env"]) {
			u.Env = append(u.Env, apiv1.EnvVar{Name: str(ev["name"]), Value: str(ev["value"])})
		}
		for _, vm := range list(ic["volumeMounts"]) {
			u.VolumeMounts = append(u.VolumeMounts, apiv1.VolumeMount{Name: str(vm["volumeName"]), MountPath: str(vm["mountPath"])})
		}
		if rp := str(ic["restartPolicy"]); rp != "" {
			pol := apiv1.ContainerRestartPolicy(rp)
			u.RestartPolicy = &pol
		}
		if res, ok := ic["resources"].(map[string]any); ok {
			for key, dst := range map[string]*apiv1.ResourceList{"requests": &u.Resources.Requests, "limits": &u.Resources.Limits} {
				for name, q := range strMap(res[key]) {
					if qq := c.quantity(q); qq != nil {
						if *dst == nil {
							*dst = apiv1.ResourceList{}
						}
						(*dst)[apiv1.ResourceName(name)] = *qq
					}
				}
			}
		}
		tmpl.InitContainers = append(tmpl.InitContainers, u)
	}
	if sc, ok := m["securityContext"].(map[string]any); ok {
		b, _ := json.Marshal(intsFromStrings(sc))
		k.SecurityContext = &apiv1.SecurityContext{}
		if err := json.Unmarshal(b, k.SecurityContext); err != nil {
			c.e.errs.Addf(c.t.Pos, ir.UnsupportedFeature, "", "task %q: securityContext: %v", c.t.Name, err)
		}
	}
	var pulls []any
	for _, s := range list(m["imagePullSecret"]) {
		pulls = append(pulls, map[string]any{"name": c.name(s, "secretName", "pull-secret")})
	}
	if len(pulls) > 0 {
		if patch == nil {
			patch = map[string]any{}
		}
		patch["imagePullSecrets"] = pulls
	}
	return patch
}

// affinity maps nodeAffinity and podAffinity terms: a term with a weight is
// preferred, without one required (kfp-kubernetes' rule).
func (c *tctx) affinity(tmpl *wfv1.Template, m map[string]any) {
	reqs := func(v any) []apiv1.NodeSelectorRequirement {
		var out []apiv1.NodeSelectorRequirement
		for _, r := range list(v) {
			out = append(out, apiv1.NodeSelectorRequirement{Key: str(r["key"]), Operator: apiv1.NodeSelectorOperator(str(r["operator"])), Values: strs(r["values"])})
		}
		return out
	}
	var aff apiv1.Affinity
	for _, t := range list(m["nodeAffinity"]) {
		term := apiv1.NodeSelectorTerm{MatchExpressions: reqs(t["matchExpressions"]), MatchFields: reqs(t["matchFields"])}
		if aff.NodeAffinity == nil {
			aff.NodeAffinity = &apiv1.NodeAffinity{}
		}
		if w, ok := number(t["weight"]); ok {
			aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
				apiv1.PreferredSchedulingTerm{Weight: int32(w), Preference: term})
			continue
		}
		if aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
			aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &apiv1.NodeSelector{}
		}
		ns := aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		ns.NodeSelectorTerms = append(ns.NodeSelectorTerms, term)
	}
	labelSel := func(exprs, labels any) *metav1.LabelSelector {
		ls := &metav1.LabelSelector{MatchLabels: strMap(labels)}
		for _, r := range list(exprs) {
			ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{Key: str(r["key"]),
				Operator: metav1.LabelSelectorOperator(str(r["operator"])), Values: strs(r["values"])})
		}
		if len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0 {
			return nil
		}
		return ls
	}
	for _, t := range list(m["podAffinity"]) {
		term := apiv1.PodAffinityTerm{LabelSelector: labelSel(t["matchPodExpressions"], t["matchPodLabels"]), TopologyKey: str(t["topologyKey"]),
			Namespaces: strs(t["namespaces"]), NamespaceSelector: labelSel(t["matchNamespaceExpressions"], t["matchNamespaceLabels"])}
		w, weighted := number(t["weight"])
		if t["anti"] == true {
			if aff.PodAntiAffinity == nil {
				aff.PodAntiAffinity = &apiv1.PodAntiAffinity{}
			}
			if weighted {
				aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
					apiv1.WeightedPodAffinityTerm{Weight: int32(w), PodAffinityTerm: term})
			} else {
				aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, term)
			}
			continue
		}
		if aff.PodAffinity == nil {
			aff.PodAffinity = &apiv1.PodAffinity{}
		}
		if weighted {
			aff.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(aff.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
				apiv1.WeightedPodAffinityTerm{Weight: int32(w), PodAffinityTerm: term})
		} else {
			aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, term)
		}
	}
	if aff.NodeAffinity != nil || aff.PodAffinity != nil || aff.PodAntiAffinity != nil {
		tmpl.Affinity = &aff
	}
}

// name reads a Kubernetes object name given literally (key) or by a
// parameter (key+"Parameter", a PlatformParam or a constant
// InputParameterSpec).
func (c *tctx) name(m map[string]any, key, base string) string {
	if s := str(m[key]); s != "" {
		return s
	}
	v := m[key+"Parameter"]
	if p, ok := asParam(v); ok {
		return c.extraParam(base, p.Ref)
	}
	if spec, ok := v.(map[string]any); ok {
		if rv, ok := spec["runtimeValue"].(map[string]any); ok {
			return paramString(rv["constant"])
		}
	}
	return ""
}

func (c *tctx) quantity(s string) *resource.Quantity {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		c.e.errs.Addf(c.t.Pos, ir.UnsupportedFeature, "use a Kubernetes quantity such as 1Gi", "task %q: size %q: %v", c.t.Name, s, err)
		return nil
	}
	return &q
}

func asParam(v any) (ir.PlatformParam, bool) {
	switch p := v.(type) {
	case ir.PlatformParam:
		return p, p.Ref != nil
	case *ir.PlatformParam:
		if p != nil && p.Ref != nil {
			return *p, true
		}
	}
	return ir.PlatformParam{}, false
}

func list(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case []map[string]any:
		out = x
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, it := range x {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = x
	}
	return out
}

func strMap(v any) map[string]string {
	var out map[string]string
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = paramString(x[k])
		}
	case map[string]string:
		if len(x) > 0 {
			out = x
		}
	}
	return out
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case string:
		var f float64
		if _, err := fmt.Sscan(x, &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

func optBool(v any) *bool {
	if b, ok := v.(bool); ok {
		return &b
	}
	return nil
}

// intsFromStrings turns protojson's int64 strings ("65534") back into
// numbers so the map decodes into Kubernetes' types.
func intsFromStrings(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				out[k] = n
				continue
			}
		case map[string]any:
			out[k] = intsFromStrings(x)
			continue
		}
		out[k] = v
	}
	return out
}
