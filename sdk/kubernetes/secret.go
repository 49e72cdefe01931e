package kubernetes

import (
	"fmt"

	kp "github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"

	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// KeyToEnv maps one data key of a Secret or ConfigMap to an environment
// variable of the task's container.
type KeyToEnv struct {
	// Key is the data key in the Secret or ConfigMap, e.g. "password".
	Key string
	// EnvVar is the environment variable name, e.g. "DB_PASSWORD".
	EnvVar string
}

// SourceOption refines UseSecretAsEnv, UseSecretAsVolume,
// UseConfigMapAsEnv and UseConfigMapAsVolume.
type SourceOption func(*sourceOptions)

type sourceOptions struct{ optional bool }

// Optional lets the task start when the Secret or ConfigMap (or the key) is
// missing (Kubernetes optional: true). KFP writes optional: false otherwise.
// For the env forms, KFP 2.15 or newer honours it; the compiler refuses it
// for older targets.
func Optional() SourceOption { return func(s *sourceOptions) { s.optional = true } }

func sourceOpts(opts []SourceOption) sourceOptions {
	var s sourceOptions
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return s
}

// UseSecretAsEnv exposes keys of a Kubernetes Secret as environment
// variables of the task's container (kfp-kubernetes use_secret_as_env;
// executor config secretAsEnv). name is dsl.Lit("my-secret"), a pipeline
// input or a task output: a literal also fills the deprecated secretName
// key, as KFP does. Entries keep the order of keyToEnv.
//
// Errors (reported when the pipeline compiles, at this call's file:line):
// an invalid Secret name (DNS-1123 subdomain) or environment variable name,
// no keys, or a task that runs a nested pipeline.
func UseSecretAsEnv(task dsl.TaskRef, name dsl.Param[string], keyToEnv []KeyToEnv, opts ...SourceOption) {
	o, ok := open(task, "UseSecretAsEnv")
	if !ok {
		return
	}
	useAsEnv(o, "secretAsEnv", "secretNameParameter", "Secret", name, keyToEnv, sourceOpts(opts).optional)
}

// UseConfigMapAsEnv exposes keys of a Kubernetes ConfigMap as environment
// variables (kfp-kubernetes use_config_map_as_env; executor config
// configMapAsEnv). Arguments and errors are those of UseSecretAsEnv.
func UseConfigMapAsEnv(task dsl.TaskRef, name dsl.Param[string], keyToEnv []KeyToEnv, opts ...SourceOption) {
	o, ok := open(task, "UseConfigMapAsEnv")
	if !ok {
		return
	}
	useAsEnv(o, "configMapAsEnv", "configMapNameParameter", "ConfigMap", name, keyToEnv, sourceOpts(opts).optional)
}

func useAsEnv(o *option, key, paramKey, kind string, name dsl.Param[string], keyToEnv []KeyToEnv, optional bool) {
	if len(keyToEnv) == 0 {
		o.errorf("map at least one key to an environment variable", "%s: task %q: no keys given", o.fn, o.t.Name)
		return
	}
	good := true
	for _, k := range keyToEnv {
		if k.Key == "" {
			o.errorf("name the data key", "%s: task %q: empty %s key", o.fn, o.t.Name, kind)
			good = false
		}
		good = o.checkEnvName(k.EnvVar) && good
	}
	l, _ := o.cfg[key].([]any)
	pv, lit, ok := o.param(dsl.RefOf(name), fmt.Sprintf("%s[%d].%s", key, len(l), paramKey), kind+" name", false)
	if !ok || !good {
		return
	}
	litName, isLit := lit.(string)
	if isLit && !o.checkSubdomain(kind, litName) {
		return
	}
	var item map[string]any
	if kind == "Secret" {
		msg := &kp.SecretAsEnv{}
		for _, k := range keyToEnv {
			msg.KeyToEnv = append(msg.KeyToEnv, &kp.SecretAsEnv_SecretKeyToEnvMap{SecretKey: k.Key, EnvVar: k.EnvVar})
		}
		if isLit {
			msg.SecretName = litName
		}
		item = msgMap(msg)
	} else {
		msg := &kp.ConfigMapAsEnv{}
		for _, k := range keyToEnv {
			msg.KeyToEnv = append(msg.KeyToEnv, &kp.ConfigMapAsEnv_ConfigMapKeyToEnvMap{ConfigMapKey: k.Key, EnvVar: k.EnvVar})
		}
		if isLit {
			msg.ConfigMapName = litName
		}
		item = msgMap(msg)
	}
	// Newer than the pinned module: optional (KFP 2.15) and the name
	// parameter (KFP 2.5).
	item["optional"] = optional
	item[paramKey] = pv
	o.appendItem(key, item)
}

// UseSecretAsVolume mounts a Kubernetes Secret's data as files at
// mountPath (kfp-kubernetes use_secret_as_volume; executor config
// secretAsVolume). name is as in UseSecretAsEnv.
//
// Errors: an invalid Secret name, an empty mount path or one with ':', or a
// task that runs a nested pipeline.
func UseSecretAsVolume(task dsl.TaskRef, name dsl.Param[string], mountPath string, opts ...SourceOption) {
	o, ok := open(task, "UseSecretAsVolume")
	if !ok {
		return
	}
	useAsVolume(o, "secretAsVolume", "secretNameParameter", "Secret", name, mountPath, sourceOpts(opts).optional)
}

// UseConfigMapAsVolume mounts a Kubernetes ConfigMap's data as files at
// mountPath (kfp-kubernetes use_config_map_as_volume; executor config
// configMapAsVolume). Arguments and errors are those of
// UseSecretAsVolume.
func UseConfigMapAsVolume(task dsl.TaskRef, name dsl.Param[string], mountPath string, opts ...SourceOption) {
	o, ok := open(task, "UseConfigMapAsVolume")
	if !ok {
		return
	}
	useAsVolume(o, "configMapAsVolume", "configMapNameParameter", "ConfigMap", name, mountPath, sourceOpts(opts).optional)
}

func useAsVolume(o *option, key, paramKey, kind string, name dsl.Param[string], mountPath string, optional bool) {
	good := o.checkMountPath(mountPath)
	l, _ := o.cfg[key].([]any)
	pv, lit, ok := o.param(dsl.RefOf(name), fmt.Sprintf("%s[%d].%s", key, len(l), paramKey), kind+" name", false)
	if !ok || !good {
		return
	}
	litName, isLit := lit.(string)
	if isLit && !o.checkSubdomain(kind, litName) {
		return
	}
	var item map[string]any
	if kind == "Secret" {
		msg := &kp.SecretAsVolume{MountPath: mountPath, Optional: &optional}
		if isLit {
			msg.SecretName = litName
		}
		item = msgMap(msg)
	} else {
		msg := &kp.ConfigMapAsVolume{MountPath: mountPath, Optional: &optional}
		if isLit {
			msg.ConfigMapName = litName
		}
		item = msgMap(msg)
	}
	item[paramKey] = pv
	o.appendItem(key, item)
}

// UseFieldPathAsEnv exposes a field of the task's pod as an environment
// variable through the Downward API (kfp-kubernetes use_field_path_as_env;
// executor config fieldPathAsEnv), e.g. fieldPath "metadata.name" or
// "metadata.annotations['pipelines.kubeflow.org/run_name']".
//
// Errors: an invalid environment variable name or an empty field path.
func UseFieldPathAsEnv(task dsl.TaskRef, envName, fieldPath string) {
	o, ok := open(task, "UseFieldPathAsEnv")
	if !ok {
		return
	}
	good := o.checkEnvName(envName)
	if fieldPath == "" {
		o.errorf(`give a pod field such as "metadata.name"`, "%s: task %q: empty field path", o.fn, o.t.Name)
		good = false
	}
	if !good {
		return
	}
	o.appendItem("fieldPathAsEnv", msgMap(&kp.FieldPathAsEnv{Name: envName, FieldPath: fieldPath}))
}

// SetImagePullSecrets adds Secrets the kubelet uses to pull the task's
// image (kfp-kubernetes set_image_pull_secrets; executor config
// imagePullSecret). Each name is a literal (dsl.Lit) or a parameter.
//
// Errors: an invalid literal Secret name.
func SetImagePullSecrets(task dsl.TaskRef, names ...dsl.Param[string]) {
	o, ok := open(task, "SetImagePullSecrets")
	if !ok {
		return
	}
	for _, name := range names {
		l, _ := o.cfg["imagePullSecret"].([]any)
		pv, lit, ok := o.param(dsl.RefOf(name), fmt.Sprintf("imagePullSecret[%d].secretNameParameter", len(l)), "image pull Secret name", false)
		if !ok {
			continue
		}
		msg := &kp.ImagePullSecret{}
		if s, isLit := lit.(string); isLit {
			if !o.checkSubdomain("Secret", s) {
				continue
			}
			msg.SecretName = s
		}
		item := msgMap(msg)
		item["secretNameParameter"] = pv
		o.appendItem("imagePullSecret", item)
	}
}

// SetImagePullPolicy sets the container's image pull policy
// (kfp-kubernetes set_image_pull_policy; executor config imagePullPolicy):
// "Always", "Never" or "IfNotPresent".
//
// Errors: any other policy.
func SetImagePullPolicy(task dsl.TaskRef, policy string) {
	o, ok := open(task, "SetImagePullPolicy")
	if !ok {
		return
	}
	switch policy {
	case "Always", "Never", "IfNotPresent":
	default:
		o.errorf(`use "Always", "Never" or "IfNotPresent"`, "%s: task %q: invalid image pull policy %q", o.fn, o.t.Name, policy)
		return
	}
	o.cfg["imagePullPolicy"] = policy
	o.mark("imagePullPolicy")
}
