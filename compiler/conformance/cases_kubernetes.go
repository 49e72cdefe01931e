package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/kfp"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/kubernetes"
)

// Ports of the kfp-kubernetes snapshot goldens (one per option) and of the
// kfp-ir goldens that carry a PlatformSpec document.

var k8sComp = goFunc[none, none]("comp")

// k8sOne is the shape of most kfp-kubernetes snapshots: one "comp" task in
// "my-pipeline" with one option set on it.
func k8sOne(set func(t *dsl.Task[none])) dsl.PipelineDef {
	return dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
		set(k8sComp.Task(b, none{}))
		return none{}
	})
}

var printGreeting = goFunc[none, none]("print_greeting")

type pvcNameOut struct {
	Output dsl.Param[string] `kfp:"Output"`
}

// pvcMountPath is where the PVC goldens mount their volume.
const pvcMountPath = "/data"

// pvcWriteRead is the body of the goldens' producer functions: write text to
// file.txt on the mounted PVC and return what reading it back gives.
func pvcWriteRead(text string) func(context.Context, none) (stringOutput, error) {
	return func(context.Context, none) (out stringOutput, _ error) {
		f := filepath.Join(pvcMountPath, "file.txt")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			return out, err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		out.Output.Set(string(b))
		return out, nil
	}
}

var (
	k8sProducer = goFuncDo("producer", pvcWriteRead("Hello world"))
	k8sConsumer = goFuncDo("consumer", func(context.Context, none) (out stringOutput, _ error) {
		b, err := os.ReadFile(filepath.Join(pvcMountPath, "file.txt"))
		if err != nil {
			return out, err
		}
		out.Output.Set(string(b))
		return out, nil
	})
	getPVCName = goFuncDo("get_pvc_name", func(context.Context, none) (out pvcNameOut, _ error) {
		out.Output.Set("static-pvc-name-cmdepfto")
		return out, nil
	})
)

// pipelineWithVolume is kfp-ir/pipeline_with_volume.yaml and, with a data
// source, kfp-kubernetes/create_mount_delete_dynamic_pvc.yaml.
func pipelineWithVolume(name string, dataSource bool) dsl.PipelineDef {
	return dsl.NewPipeline(name, func(b *dsl.Builder, _ none) none {
		in := kubernetes.CreatePVCIn{
			PVCNameSuffix:    dsl.Lit("-my-pvc"),
			AccessModes:      dsl.Lit([]string{"ReadWriteOnce"}),
			Size:             dsl.Lit("5Mi"),
			StorageClassName: dsl.Lit("standard"),
		}
		if dataSource {
			in.DataSource = dsl.Lit(map[string]any{"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "my-snap"})
		}
		pvc := kubernetes.CreatePVC(b, in)
		t1 := k8sProducer.Task(b, none{})
		t2 := k8sConsumer.Task(b, none{}).After(t1)
		kubernetes.MountPVC(t1, pvc.Out.Name, "/data")
		kubernetes.MountPVC(t2, pvc.Out.Name, "/data")
		kubernetes.DeletePVC(b, kubernetes.DeletePVCIn{PVCName: pvc.Out.Name}).After(t2)
		return none{}
	})
}

// kfp-kubernetes/nodeaffinity.yaml
var (
	helloJSONAffinity      = goFunc[none, none]("print_hello_with_json_affinity")
	helloPreferredAffinity = goFunc[none, none]("print_hello_with_preferred_affinity")
	helloEmptyJSON         = goFunc[none, none]("print_hello_with_empty_json")
)

func preferred(weight int, key, value string) map[string]any {
	return map[string]any{"weight": weight, "preference": map[string]any{
		"matchExpressions": []any{map[string]any{"key": key, "operator": "In", "values": []any{value}}}}}
}

var nodeAffinityPipeline = dsl.NewPipeline("test-node-affinity", func(b *dsl.Builder, _ none) none {
	t1 := helloJSONAffinity.Task(b, none{})
	kubernetes.AddNodeAffinityJSON(t1, dsl.Lit(map[string]any{
		"preferredDuringSchedulingIgnoredDuringExecution": []any{preferred(100, "disktype", "ssd")}}))
	t2 := helloPreferredAffinity.Task(b, none{})
	kubernetes.AddNodeAffinity(t2, kubernetes.NodeAffinityTerm{
		MatchExpressions: []kubernetes.Requirement{{Key: "zone", Operator: "In", Values: []string{"us-west-1"}}}, Weight: 50})
	t3 := helloEmptyJSON.Task(b, none{})
	kubernetes.AddNodeAffinityJSON(t3, dsl.Lit(map[string]any{}))
	t4 := helloJSONAffinity.Task(b, none{})
	kubernetes.AddNodeAffinityJSON(t4, dsl.Lit(map[string]any{
		"preferredDuringSchedulingIgnoredDuringExecution": []any{preferred(100, "zone", "us-west-1"), preferred(50, "instance-type", "n1-standard-4")}}))
	return none{}
})

// kfp-kubernetes/create_mount_delete_existing_pvc*.yaml
var createMountDeleteExisting = dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
	pvc := kubernetes.CreatePVC(b, kubernetes.CreatePVCIn{
		PVCName:          dsl.Lit("static-pvc-name-cmdep"),
		AccessModes:      dsl.Lit([]string{"ReadWriteOnce"}),
		Size:             dsl.Lit("5Gi"),
		StorageClassName: dsl.Lit("standard"),
	})
	t := k8sComp.Task(b, none{})
	kubernetes.MountPVC(t, pvc.Out.Name, "/data")
	kubernetes.DeletePVC(b, kubernetes.DeletePVCIn{PVCName: pvc.Out.Name}).After(t)
	return none{}
})

var createMountDeleteFromTaskOutput = dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
	name := getPVCName.Task(b, none{})
	pvc := kubernetes.CreatePVC(b, kubernetes.CreatePVCIn{
		PVCName:          name.Out.Output,
		AccessModes:      dsl.Lit([]string{"ReadWriteOnce"}),
		Size:             dsl.Lit("5Gi"),
		StorageClassName: dsl.Lit("standard"),
	})
	t := k8sComp.Task(b, none{})
	kubernetes.MountPVC(t, pvc.Out.Name, "/data")
	kubernetes.DeletePVC(b, kubernetes.DeletePVCIn{PVCName: name.Out.Output}).After(t)
	return none{}
})

// kfp-kubernetes/init_container.yaml and security_context.yaml
var initContainerPipeline = dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
	t := printGreeting.Task(b, none{})
	kubernetes.EmptyDirMount(t, kubernetes.EmptyDir{VolumeName: "shared-data", MountPath: "/data"})
	kubernetes.AddInitContainer(t, kubernetes.InitContainer{
		Name: "prepare-data", Image: "busybox:1.36",
		Command: []string{"sh", "-c"}, Args: []string{"echo ready > /data/marker"},
		Env:          []kubernetes.EnvVar{{Name: "MARKER_TEXT", Value: "ready"}},
		VolumeMounts: []kubernetes.VolumeMount{{VolumeName: "shared-data", MountPath: "/data"}},
	})
	return none{}
})

func int64p(v int64) *int64 { return &v }

var securityContextPipeline = dsl.NewPipeline("my-pipeline", func(b *dsl.Builder, _ none) none {
	t := printGreeting.Task(b, none{})
	kubernetes.SetSecurityContext(t, kubernetes.SecurityContext{RunAsUser: int64p(65534), RunAsGroup: int64p(0)})
	return none{}
})

// kfp-ir/create_pod_metadata_complex.yaml
type podMetadataIn struct {
	AnnotationPath1   dsl.Param[string] `kfp:"annotation_path_1,optional"`
	AnnotationExpVal1 dsl.Param[string] `kfp:"annotation_exp_val_1,optional"`
	AnnotationPath2   dsl.Param[string] `kfp:"annotation_path_2,optional"`
	AnnotationExpVal2 dsl.Param[string] `kfp:"annotation_exp_val_2,optional"`
	LabelPath1        dsl.Param[string] `kfp:"label_path_1,optional"`
	LabelExpVal1      dsl.Param[string] `kfp:"label_exp_val_1,optional"`
	LabelPath2        dsl.Param[string] `kfp:"label_path_2,optional"`
	LabelExpVal2      dsl.Param[string] `kfp:"label_exp_val_2,optional"`
}
type noPodMetadataIn struct {
	AnnotationPath dsl.Param[string] `kfp:"annotation_path"`
	LabelPath      dsl.Param[string] `kfp:"label_path"`
}
type boolOutput struct {
	Output dsl.Param[bool] `kfp:"Output"`
}

// envOrNone is os.getenv in Python terms: the variable's value, or "None"
// and false when it is unset.
func envOrNone(name string) (string, bool) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return "None", false
	}
	return v, true
}

// checkPodMetadata checks one (variable, expected value) pair of
// validate_pod_metadata: a variable that is set must hold the expected value
// (with no expected value given, no value matches); an unset variable passes.
// It reports whether the pair counts as validated (the variable is named).
func checkPodMetadata(kind string, path, want dsl.Param[string]) (bool, error) {
	if !path.IsSet() {
		return false, nil
	}
	v, ok := envOrNone(path.Value())
	if !ok {
		return true, nil
	}
	if !want.IsSet() {
		return true, fmt.Errorf("pod %s is %s but is supposed to be None", kind, v)
	}
	if v != want.Value() {
		return true, fmt.Errorf("pod %s is %s but is supposed to be %s", kind, v, want.Value())
	}
	return true, nil
}

var (
	// validatePodMetadata checks that the pod annotations and labels the
	// task's environment names (Kubernetes downward API, kfp-kubernetes
	// use_field_path_as_env) hold the expected values, and returns true.
	validatePodMetadata = goFuncDo("validate_pod_metadata", func(_ context.Context, in podMetadataIn) (out boolOutput, _ error) {
		count := 0
		for _, c := range []struct {
			kind       string
			path, want dsl.Param[string]
		}{
			{"annotation", in.AnnotationPath1, in.AnnotationExpVal1},
			{"annotation", in.AnnotationPath2, in.AnnotationExpVal2},
			{"label", in.LabelPath1, in.LabelExpVal1},
			{"label", in.LabelPath2, in.LabelExpVal2},
		} {
			named, err := checkPodMetadata(c.kind, c.path, c.want)
			if err != nil {
				return out, err
			}
			if named {
				count++
			}
		}
		if count < 1 {
			return out, errors.New("no pod metadata found to validate: name at least one annotation or label variable")
		}
		out.Output.Set(true)
		return out, nil
	})
	// validateNoPodMetadata checks that the annotation and label variables
	// are set and empty, and returns true.
	validateNoPodMetadata = goFuncDo("validate_no_pod_metadata", func(_ context.Context, in noPodMetadataIn) (out boolOutput, _ error) {
		if v, _ := envOrNone(in.AnnotationPath.Value()); v != "" {
			return out, fmt.Errorf("pod annotation is %s but is supposed to be None (variable %s)", v, in.AnnotationPath.Value())
		}
		if v, _ := envOrNone(in.LabelPath.Value()); v != "" {
			return out, fmt.Errorf("pod label is %s but is supposed to be None (variable %s)", v, in.LabelPath.Value())
		}
		out.Output.Set(true)
		return out, nil
	})
)

var podMetadataPipeline = dsl.NewPipeline("pipeline-with-pod-metadata", func(b *dsl.Builder, _ none) none {
	a := validatePodMetadata.Task(b, podMetadataIn{
		AnnotationPath1: dsl.Lit("POD_TASK_ANNOTATION"), AnnotationExpVal1: dsl.Lit("annotation"),
		LabelPath1: dsl.Lit("POD_TASK_LABEL_1"), LabelExpVal1: dsl.Lit("label-1"),
		LabelPath2: dsl.Lit("POD_TASK_LABEL_2"), LabelExpVal2: dsl.Lit("label-2"),
	}).SetCaching(false)
	kubernetes.AddPodLabel(a, "task-label-1", "label-1")
	kubernetes.AddPodLabel(a, "task-label-2", "label-2")
	kubernetes.AddPodAnnotation(a, "task-annotation", "annotation")
	kubernetes.UseFieldPathAsEnv(a, "POD_TASK_ANNOTATION", "metadata.annotations['task-annotation']")
	kubernetes.UseFieldPathAsEnv(a, "POD_TASK_LABEL_1", "metadata.labels['task-label-1']")
	kubernetes.UseFieldPathAsEnv(a, "POD_TASK_LABEL_2", "metadata.labels['task-label-2']")
	c := validatePodMetadata.Task(b, podMetadataIn{
		AnnotationPath1: dsl.Lit("POD_TASK_ANNOTATION_1"), AnnotationExpVal1: dsl.Lit("annotation-1"),
		AnnotationPath2: dsl.Lit("POD_TASK_ANNOTATION_2"), AnnotationExpVal2: dsl.Lit("annotation-2"),
	}).SetCaching(false)
	kubernetes.AddPodAnnotation(c, "task-annotation-1", "annotation-1")
	kubernetes.AddPodAnnotation(c, "task-annotation-2", "annotation-2")
	kubernetes.UseFieldPathAsEnv(c, "POD_TASK_ANNOTATION_1", "metadata.annotations['task-annotation-1']")
	kubernetes.UseFieldPathAsEnv(c, "POD_TASK_ANNOTATION_2", "metadata.annotations['task-annotation-2']")
	validateNoPodMetadata.Task(b, noPodMetadataIn{AnnotationPath: dsl.Lit("POD_TASK_ANNOTATION"), LabelPath: dsl.Lit("POD_TASK_LABEL")}).SetCaching(false)
	return none{}
})

// kfp-ir/critical/pipeline_with_secret_as_env.yaml
type secretParmIn struct {
	SecretParm dsl.Param[string] `kfp:"secret_parm" default:"test-secret-1"`
}
type someOutput struct {
	SomeOutput dsl.Param[string] `kfp:"some_output"`
}

var generateSecretName = goFuncDo("generate_secret_name", func(context.Context, none) (out someOutput, _ error) {
	out.SomeOutput.Set("test-secret-3")
	return out, nil
})

// secretEnvComp is the comp of pipeline_with_secret_as_env: the secrets'
// keys reach it as environment variables (kfp-kubernetes use_secret_as_env),
// each of which must hold the value stored in the golden's test secrets.
var secretEnvComp = goFuncDo("comp", func(context.Context, none) (none, error) {
	for _, kv := range [][2]string{{"USER_NAME", "user1"}, {"PASSWORD_VAR1", "psw1"}, {"PASSWORD_VAR2", "psw2"}} {
		if v := os.Getenv(kv[0]); v != kv[1] {
			return none{}, fmt.Errorf("environment variable %s is %q, want %q: it comes from a Kubernetes secret (use_secret_as_env)", kv[0], v, kv[1])
		}
	}
	return none{}, nil
})

var secretAsEnvPipeline = dsl.NewPipeline("pipeline-secret-env", func(b *dsl.Builder, in secretParmIn) none {
	t := secretEnvComp.Task(b, none{})
	kubernetes.UseSecretAsEnv(t, in.SecretParm, []kubernetes.KeyToEnv{{Key: "username", EnvVar: "USER_NAME"}})
	kubernetes.UseSecretAsEnv(t, dsl.Lit("test-secret-2"), []kubernetes.KeyToEnv{{Key: "password", EnvVar: "PASSWORD_VAR1"}})
	t2 := generateSecretName.Task(b, none{})
	kubernetes.UseSecretAsEnv(t, t2.Out.SomeOutput, []kubernetes.KeyToEnv{{Key: "password", EnvVar: "PASSWORD_VAR2"}})
	return none{}
})

// kfp-ir/pipeline_with_secret_as_volume.yaml
type secretParamIn struct {
	SecretParam dsl.Param[string] `kfp:"secret_param" default:"test-secret-1"`
}

var secretAsVolumePipeline = dsl.NewPipeline("pipeline-secret-volume", func(b *dsl.Builder, in secretParamIn) none {
	kubernetes.UseSecretAsVolume(k8sComp.Task(b, none{}), in.SecretParam, "/mnt/my_vol")
	return none{}
})

// kfp-ir/gpu-scheduling/nvidia_gpu_scheduling_check.yaml
var verifyGPUScheduled = dsl.NewContainerComponent("verify_gpu_scheduled", func(none, none) dsl.Container {
	return dsl.Container{Image: "python:3.11", Command: []any{"sh", "-c"}, Args: []any{`echo "GPU scheduling check: PASS"`}}
})

var gpuSchedulingPipeline = dsl.NewPipeline("nvidia-gpu-scheduling-check", func(b *dsl.Builder, _ none) none {
	t := verifyGPUScheduled.Task(b, none{}).SetCaching(false)
	t.SetAcceleratorType("nvidia.com/gpu").SetAcceleratorLimit(1)
	kubernetes.AddToleration(t, kubernetes.Toleration{Key: "nvidia.com/gpu", Operator: "Exists", Effect: "NoSchedule"})
	return none{}
}, dsl.Description("Verifies a task requesting nvidia.com/gpu with a matching toleration can schedule and complete (no CUDA/torch assertions)."))

// kfp-ir/parallel_and_nested/parallel_for_secret.yaml
type mySecretNameIn struct {
	MySecretName dsl.Param[string] `kfp:"my_secret_name" default:"test-secret-1"`
}
type itemIn struct {
	Item dsl.Param[string] `kfp:"item"`
}

// exampleComponent returns the secret's value from MY_SECRET_KEY, or
// "not-set" when the variable is unset.
var exampleComponent = goFuncDo("example_component", func(context.Context, itemIn) (out stringOutput, _ error) {
	v, ok := os.LookupEnv("MY_SECRET_KEY")
	if !ok {
		v = "not-set"
	}
	out.Output.Set(v)
	return out, nil
})

var parallelForSecret = dsl.NewPipeline("pipeline-2-parallel-for-secret", func(b *dsl.Builder, in mySecretNameIn) none {
	dsl.ParallelForItems(b, []string{"a", "b", "c"}, func(b *dsl.Builder, item dsl.Param[string]) {
		t := exampleComponent.Task(b, itemIn{Item: item})
		kubernetes.UseSecretAsEnv(t, in.MySecretName, []kubernetes.KeyToEnv{{Key: "username", EnvVar: "MY_SECRET_KEY"}})
	}, dsl.Parallelism(1))
	return none{}
}, dsl.Description("Pipeline with 1 component inside ParallelFor using use_secret_as_env."))

// kfp-ir/pvc_mount.yaml
type pvcNameIn struct {
	PVCName dsl.Param[string] `kfp:"pvc_name"`
}

var (
	pvcProducer = goFuncDo("producer", pvcWriteRead("hello"))
	pvcConsumer = goFuncDo("consumer", func(context.Context, none) (none, error) {
		_, err := os.ReadFile(filepath.Join(pvcMountPath, "file.txt"))
		return none{}, err
	})
)

var pvcMountPipeline = dsl.NewPipeline("pvc-mount-pipeline", func(b *dsl.Builder, in pvcNameIn) none {
	p := pvcProducer.Task(b, none{})
	c := pvcConsumer.Task(b, none{}).After(p)
	kubernetes.MountPVC(p, in.PVCName, "/data")
	kubernetes.MountPVC(c, in.PVCName, "/data")
	return none{}
})

func init() {
	newer := func(minor int) compiler.Options { return compiler.Options{Target: kfp.Version{Major: 2, Minor: minor}} }

	add("kfp-kubernetes/config_map_as_env.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.UseConfigMapAsEnv(t, dsl.Lit("my-cm"), []kubernetes.KeyToEnv{{Key: "foo", EnvVar: "CONFIG_MAP_VAR"}})
	}))
	add("kfp-kubernetes/config_map_as_vol.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.UseConfigMapAsVolume(t, dsl.Lit("my-cm"), "/mnt/my_vol")
	}))
	add("kfp-kubernetes/create_mount_delete_dynamic_pvc.yaml", pipelineWithVolume("my-pipeline", true))
	add("kfp-kubernetes/create_mount_delete_existing_pvc.yaml", createMountDeleteExisting)
	add("kfp-kubernetes/create_mount_delete_existing_pvc_from_task_output.yaml", createMountDeleteFromTaskOutput)
	add("kfp-kubernetes/empty_dir_mounts.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.EmptyDirMount(t, kubernetes.EmptyDir{VolumeName: "emptydir-vol-1", MountPath: "/mnt/my_vol_1", Medium: "Memory", SizeLimit: "1Gi"})
	}))
	add("kfp-kubernetes/field_path_as_env.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.UseFieldPathAsEnv(t, "KFP_RUN_NAME", "metadata.annotations['pipelines.kubeflow.org/run_name']")
	}))
	add("kfp-kubernetes/general_ephemeral_volume.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.AddEphemeralVolume(t, kubernetes.EphemeralVolume{VolumeName: "pvc-name", MountPath: "path",
			AccessModes: []string{"ReadWriteOnce"}, Size: "5Gi", Annotations: map[string]string{"annotation1": "a1"}})
	}))
	add("kfp-kubernetes/image_pull_secrets.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.SetImagePullSecrets(t, dsl.Lit("my-secret"))
	}))
	// Init containers reached KFP after 2.17.
	add("kfp-kubernetes/init_container.yaml", initContainerPipeline, newer(18))
	add("kfp-kubernetes/node_selector.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.AddNodeSelector(t, "cloud.google.com/gke-accelerator", "nvidia-tesla-p4")
	}))
	add("kfp-kubernetes/nodeaffinity.yaml", nodeAffinityPipeline, newer(14))
	add("kfp-kubernetes/secret_as_env.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.UseSecretAsEnv(t, dsl.Lit("my-secret"), []kubernetes.KeyToEnv{{Key: "password", EnvVar: "SECRET_VAR"}})
	}))
	add("kfp-kubernetes/secret_as_vol.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.UseSecretAsVolume(t, dsl.Lit("my-secret"), "/mnt/my_vol")
	}))
	add("kfp-kubernetes/security_context.yaml", securityContextPipeline, newer(16))
	add("kfp-kubernetes/timeout.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.SetTimeout(t, 20*time.Second)
	}))
	add("kfp-kubernetes/toleration.yaml", k8sOne(func(t *dsl.Task[none]) {
		kubernetes.AddToleration(t, kubernetes.Toleration{Key: "key1", Operator: "Equal", Value: "value1", Effect: "NoExecute", TolerationSeconds: int64p(10)})
	}))

	add("kfp-ir/create_pod_metadata_complex.yaml", podMetadataPipeline)
	add("kfp-ir/critical/pipeline_with_secret_as_env.yaml", secretAsEnvPipeline)
	add("kfp-ir/gpu-scheduling/nvidia_gpu_scheduling_check.yaml", gpuSchedulingPipeline)
	add("kfp-ir/parallel_and_nested/parallel_for_secret.yaml", parallelForSecret)
	add("kfp-ir/pipeline_with_secret_as_volume.yaml", secretAsVolumePipeline)
	add("kfp-ir/pipeline_with_volume.yaml", pipelineWithVolume("pipeline-with-volume", false))
	add("kfp-ir/pvc_mount.yaml", pvcMountPipeline)
}
