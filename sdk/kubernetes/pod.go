package kubernetes

import (
	"strconv"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// AddPodLabel adds a label to the task's pod metadata (kfp-kubernetes
// add_pod_label; executor config podMetadata.labels).
//
// Errors: an invalid label key (qualified name) or value.
func AddPodLabel(task dsl.TaskRef, key, value string) {
	o, ok := open(task, "AddPodLabel")
	if !ok {
		return
	}
	if !o.checkQualified("label key", key) || !o.checkLabelValue("label value", value) {
		return
	}
	o.podMetadata("labels")[key] = value
}

// AddPodAnnotation adds an annotation to the task's pod metadata
// (kfp-kubernetes add_pod_annotation; podMetadata.annotations).
//
// Errors: an invalid annotation key (qualified name).
func AddPodAnnotation(task dsl.TaskRef, key, value string) {
	o, ok := open(task, "AddPodAnnotation")
	if !ok {
		return
	}
	if !o.checkQualified("annotation key", key) {
		return
	}
	o.podMetadata("annotations")[key] = value
}

func (o *option) podMetadata(field string) map[string]any {
	pm := o.sub("podMetadata")
	m, _ := pm[field].(map[string]any)
	if m == nil {
		m = map[string]any{}
		pm[field] = m
	}
	return m
}

// SecurityContext holds the identity fields of the task container's
// security context (kfp-kubernetes set_security_context). Nil fields are
// left to the backend's defaults; KFP's backend also drops all capabilities
// and forbids privilege escalation on its own.
type SecurityContext struct {
	// RunAsUser is the UID of the container process (0 or more).
	RunAsUser *int64
	// RunAsGroup is the primary GID (0 or more).
	RunAsGroup *int64
	// RunAsNonRoot makes the kubelet refuse to start a root process.
	RunAsNonRoot *bool
}

// SetSecurityContext sets the container's security context (executor
// config securityContext; KFP 2.16 or newer, refused by the compiler for
// older targets). Fields set by an earlier call are kept unless set again.
//
// Errors: no field set, or a negative UID or GID.
func SetSecurityContext(task dsl.TaskRef, sc SecurityContext) {
	o, ok := open(task, "SetSecurityContext")
	if !ok {
		return
	}
	if sc.RunAsUser == nil && sc.RunAsGroup == nil && sc.RunAsNonRoot == nil {
		o.errorf("set RunAsUser, RunAsGroup or RunAsNonRoot", "%s: task %q: empty security context", o.fn, o.t.Name)
		return
	}
	good := true
	for what, v := range map[string]*int64{"RunAsUser": sc.RunAsUser, "RunAsGroup": sc.RunAsGroup} {
		if v != nil && *v < 0 {
			o.errorf("use 0 or more", "%s: task %q: %s is %d", o.fn, o.t.Name, what, *v)
			good = false
		}
	}
	if !good {
		return
	}
	// SecurityContext is newer than the pinned kubernetesplatform module;
	// its int64 fields are JSON strings, as protojson writes them.
	m := o.sub("securityContext")
	if sc.RunAsUser != nil {
		m["runAsUser"] = strconv.FormatInt(*sc.RunAsUser, 10)
	}
	if sc.RunAsGroup != nil {
		m["runAsGroup"] = strconv.FormatInt(*sc.RunAsGroup, 10)
	}
	if sc.RunAsNonRoot != nil {
		m["runAsNonRoot"] = *sc.RunAsNonRoot
	}
}

// EnvVar is an environment variable of an init container.
type EnvVar struct{ Name, Value string }

// VolumeMount mounts a pod volume (from EmptyDirMount, MountPVC…) into an
// init container.
type VolumeMount struct{ VolumeName, MountPath string }

// InitContainer is a container that runs to completion before the task's
// main container starts (kfp-kubernetes add_init_container).
type InitContainer struct {
	// Name is unique in the pod (a DNS-1123 label; "kfp-launcher" is
	// reserved by KFP).
	Name string
	// Image is the container image.
	Image   string
	Command []string
	Args    []string
	// Env keeps its order, which matters for $(VAR) references.
	Env []EnvVar
	// VolumeMounts name volumes defined on the pod; paths are absolute.
	VolumeMounts []VolumeMount
	// RestartPolicy "Always" makes it a native sidecar that keeps running
	// beside the main container. Optional.
	RestartPolicy string
	// Requests and Limits map resource names to quantities, e.g.
	// {"cpu": "250m", "memory": "128Mi"}. Optional.
	Requests, Limits map[string]string
}

// AddInitContainer adds an init container to the task's pod (executor
// config initContainers; added to KFP after 2.17, so the compiler needs
// Options.Target 2.18 or newer).
//
// Errors: an invalid or duplicate name, "kfp-launcher", no image, a
// restart policy other than "Always", an empty environment variable name,
// a relative mount path, or a malformed resource quantity.
func AddInitContainer(task dsl.TaskRef, c InitContainer) {
	o, ok := open(task, "AddInitContainer")
	if !ok {
		return
	}
	good := o.checkLabel("init container name", c.Name)
	if c.Name == "kfp-launcher" {
		o.errorf("choose another name", "%s: task %q: init container name \"kfp-launcher\" is reserved by Kubeflow Pipelines", o.fn, o.t.Name)
		good = false
	}
	for _, it := range listOf(o.cfg["initContainers"]) {
		if it["name"] == c.Name {
			o.errorf("give each init container its own name", "%s: task %q: an init container named %q was already added", o.fn, o.t.Name, c.Name)
			good = false
		}
	}
	if c.Image == "" {
		o.errorf("set Image", "%s: task %q: init container %q has no image", o.fn, o.t.Name, c.Name)
		good = false
	}
	if c.RestartPolicy != "" && c.RestartPolicy != "Always" {
		o.errorf(`use "Always" (a native sidecar) or leave it empty`, "%s: task %q: invalid init container restart policy %q", o.fn, o.t.Name, c.RestartPolicy)
		good = false
	}
	for _, e := range c.Env {
		good = o.checkEnvName(e.Name) && good
	}
	for _, vm := range c.VolumeMounts {
		good = o.checkLabel("volume name", vm.VolumeName) && good
		if len(vm.MountPath) == 0 || vm.MountPath[0] != '/' {
			o.errorf(`use an absolute path such as "/data"`, "%s: task %q: mount path %q of volume %q is not absolute", o.fn, o.t.Name, vm.MountPath, vm.VolumeName)
			good = false
		}
	}
	for _, q := range []map[string]string{c.Requests, c.Limits} {
		for name, v := range q {
			if name == "" {
				o.errorf(`name the resource, e.g. "cpu"`, "%s: task %q: empty resource name", o.fn, o.t.Name)
				good = false
			}
			good = o.checkQuantity("resource "+name, v) && good
		}
	}
	if !good {
		return
	}
	// InitContainer is newer than the pinned kubernetesplatform module;
	// the keys follow kubernetes_executor_config.proto.
	item := map[string]any{"name": c.Name, "image": c.Image}
	if len(c.Command) > 0 {
		item["command"] = anyList(c.Command)
	}
	if len(c.Args) > 0 {
		item["args"] = anyList(c.Args)
	}
	if len(c.Env) > 0 {
		var env []any
		for _, e := range c.Env {
			env = append(env, map[string]any{"name": e.Name, "value": e.Value})
		}
		item["env"] = env
	}
	if len(c.VolumeMounts) > 0 {
		var vms []any
		for _, vm := range c.VolumeMounts {
			vms = append(vms, map[string]any{"volumeName": vm.VolumeName, "mountPath": vm.MountPath})
		}
		item["volumeMounts"] = vms
	}
	if c.RestartPolicy != "" {
		item["restartPolicy"] = c.RestartPolicy
	}
	if len(c.Requests) > 0 || len(c.Limits) > 0 {
		res := map[string]any{}
		if len(c.Requests) > 0 {
			res["requests"] = stringMap(c.Requests)
		}
		if len(c.Limits) > 0 {
			res["limits"] = stringMap(c.Limits)
		}
		item["resources"] = res
	}
	o.appendItem("initContainers", item)
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func listOf(v any) []map[string]any {
	l, _ := v.([]any)
	var out []map[string]any
	for _, it := range l {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
