package distributedtrain

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	trainer "github.com/kubeflow/trainer/v2/pkg/apis/trainer/v1alpha1"
	kubeflowv1 "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// modelVolume is the pod volume name of the model PVC.
const modelVolume = "model-store"

// EnvNodeIndex is the variable a TrainJob node reads its index from (the
// Job completion index annotation, as Trainer's torch plugin does for
// PET_NODE_RANK); TF_CONFIG refers to it as $(KFPGO_NODE_INDEX).
const EnvNodeIndex = "KFPGO_NODE_INDEX"

// trainJobNode is Trainer v2's trainer job and container name ("node").
const trainJobNode = "node"

func (c Config) resources() corev1.ResourceRequirements {
	var rr corev1.ResourceRequirements
	set := func(name corev1.ResourceName, q resource.Quantity, both bool) {
		if rr.Limits == nil {
			rr.Limits = corev1.ResourceList{}
		}
		rr.Limits[name] = q
		if both {
			if rr.Requests == nil {
				rr.Requests = corev1.ResourceList{}
			}
			rr.Requests[name] = q
		}
	}
	if c.Resources.CPU != "" {
		set(corev1.ResourceCPU, resource.MustParse(c.Resources.CPU), true)
	}
	if c.Resources.Memory != "" {
		set(corev1.ResourceMemory, resource.MustParse(c.Resources.Memory), true)
	}
	if c.Resources.GPU > 0 {
		set(corev1.ResourceName(c.Resources.GPUResource), *resource.NewQuantity(c.Resources.GPU, resource.DecimalSI), false)
	}
	return rr
}

// env returns the user env sorted by name followed by the contract's
// model and metrics paths.
func (c Config) env() []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		out = append(out, corev1.EnvVar{Name: k, Value: c.Env[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(c.SecretEnv)) {
		name, key, _ := strings.Cut(c.SecretEnv[k], "/")
		out = append(out, corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key}}})
	}
	return append(out,
		corev1.EnvVar{Name: contract.EnvModelDir, Value: c.modelDir()},
		corev1.EnvVar{Name: contract.EnvMetricsFile, Value: c.metricsFile()},
	)
}

func (c Config) objectMeta() metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: c.Name, Namespace: c.Namespace}
	if len(c.Labels) > 0 {
		m.Labels = maps.Clone(c.Labels)
	}
	if c.Owner != nil {
		m.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "Pod", Name: c.Owner.Name, UID: types.UID(c.Owner.UID),
			BlockOwnerDeletion: ptr.To(false), Controller: ptr.To(false),
		}}
	}
	return m
}

func (c Config) modelVolume() corev1.Volume {
	return corev1.Volume{Name: modelVolume, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.ModelPVC},
	}}
}

func (c Config) modelMount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: modelVolume, MountPath: c.ModelMountPath}
}

// BuildTFJob returns the TFJob (kubeflow.org/v1) for cfg: one replica spec
// per non-zero replica type, each with a container named "tensorflow" (the
// operator injects TF_CONFIG into that container only) exposing
// "tfjob-port", restart policy Never, the model PVC mounted, and the
// contract env. It returns the config errors of [Run].
func BuildTFJob(cfg Config) (*kubeflowv1.TFJob, error) {
	cfg.Mode = ModeTFJob
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	job := &kubeflowv1.TFJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: kubeflowv1.GroupVersion.String(), Kind: kubeflowv1.TFJobKind},
		ObjectMeta: c.objectMeta(),
		Spec: kubeflowv1.TFJobSpec{
			TFReplicaSpecs: map[kubeflowv1.ReplicaType]*kubeflowv1.ReplicaSpec{},
		},
	}
	rp := &job.Spec.RunPolicy
	if c.RunPolicy.CleanPodPolicy != "" {
		rp.CleanPodPolicy = ptr.To(kubeflowv1.CleanPodPolicy(c.RunPolicy.CleanPodPolicy))
	}
	rp.BackoffLimit = c.RunPolicy.BackoffLimit
	rp.ActiveDeadlineSeconds = c.RunPolicy.ActiveDeadlineSeconds
	rp.TTLSecondsAfterFinished = c.RunPolicy.TTLSecondsAfterFinished
	for _, rt := range replicaTypes {
		n := rt.count(c.Replicas)
		if n == 0 {
			continue
		}
		container := corev1.Container{
			Name:         kubeflowv1.TFJobDefaultContainerName,
			Image:        c.Image,
			Command:      slices.Clone(c.Command),
			Args:         slices.Clone(c.Args),
			Env:          c.env(),
			Ports:        []corev1.ContainerPort{{Name: kubeflowv1.TFJobDefaultPortName, ContainerPort: c.Port}},
			Resources:    c.resources(),
			VolumeMounts: []corev1.VolumeMount{c.modelMount()},
		}
		tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{container},
			Volumes:    []corev1.Volume{c.modelVolume()},
		}}
		if len(c.Labels) > 0 {
			tmpl.Labels = maps.Clone(c.Labels)
		}
		job.Spec.TFReplicaSpecs[rt.tfjob] = &kubeflowv1.ReplicaSpec{
			Replicas:      ptr.To(n),
			Template:      tmpl,
			RestartPolicy: kubeflowv1.RestartPolicyNever,
		}
	}
	return job, nil
}

// replicaTypes lists the TFJob replica types in TF_CONFIG rank order.
var replicaTypes = []struct {
	tfjob kubeflowv1.ReplicaType
	count func(Replicas) int32
}{
	{kubeflowv1.TFJobReplicaTypeChief, func(r Replicas) int32 { return r.Chief }},
	{kubeflowv1.TFJobReplicaTypeWorker, func(r Replicas) int32 { return r.Worker }},
	{kubeflowv1.TFJobReplicaTypePS, func(r Replicas) int32 { return r.PS }},
	{kubeflowv1.TFJobReplicaTypeEval, func(r Replicas) int32 { return r.Evaluator }},
}

// BuildTrainJob returns the TrainJob (trainer.kubeflow.org/v1alpha1) for
// cfg: Replicas.Worker nodes of the ClusterTrainingRuntime RuntimeRef, the
// trainer image, command, args, resources per node and env, the labels on
// the TrainJob, in spec.labels (Trainer puts them on the JobSet) and on the
// node pods (pod template override metadata), the model PVC mounted into
// the "node" container through the same override, and — because Trainer
// v2 no longer injects it — TF_CONFIG:
//
//	KFPGO_NODE_INDEX  from metadata.annotations['batch.kubernetes.io/job-completion-index']
//	TF_CONFIG         {"cluster":{"worker":["<name>-node-0-0.<name>:<port>",...]},
//	                   "task":{"type":"worker","index":$(KFPGO_NODE_INDEX)},"environment":"cloud"}
//
// Kubernetes expands $(KFPGO_NODE_INDEX) because it is defined earlier in
// the env list; the host names are the JobSet pod names under the JobSet's
// headless service (the form Trainer's torch plugin uses for
// PET_MASTER_ADDR). With a single node TF_CONFIG is left unset, as the
// training-operator does for a one-replica TFJob.
func BuildTrainJob(cfg Config) (*trainer.TrainJob, error) {
	cfg.Mode = ModeTrainJob
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var env []corev1.EnvVar
	if n := c.Replicas.Worker; n > 1 {
		hosts := make([]string, n)
		for i := range hosts {
			hosts[i] = fmt.Sprintf("%s-%s-0-%d.%s:%d", c.Name, trainJobNode, i, c.Name, c.Port)
		}
		cluster, err := json.Marshal(map[string][]string{contract.TypeWorker: hosts})
		if err != nil {
			return nil, fmt.Errorf("build TrainJob TF_CONFIG: %w", err)
		}
		env = append(env,
			corev1.EnvVar{Name: EnvNodeIndex, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation),
			}}},
			corev1.EnvVar{Name: contract.EnvTFConfig, Value: fmt.Sprintf(
				`{"cluster":%s,"task":{"type":"%s","index":$(%s)},"environment":"cloud"}`, cluster, contract.TypeWorker, EnvNodeIndex)},
		)
	}
	env = append(env, c.env()...)
	rr := c.resources()
	tj := &trainer.TrainJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: trainer.GroupVersion.String(), Kind: trainer.TrainJobKind},
		ObjectMeta: c.objectMeta(),
		Spec: trainer.TrainJobSpec{
			RuntimeRef: trainer.RuntimeRef{
				Name:     c.RuntimeRef,
				APIGroup: ptr.To(trainer.GroupVersion.Group),
				Kind:     ptr.To(trainer.ClusterTrainingRuntimeKind),
			},
			Trainer: &trainer.Trainer{
				Image:    ptr.To(c.Image),
				Command:  slices.Clone(c.Command),
				Args:     slices.Clone(c.Args),
				Env:      env,
				NumNodes: ptr.To(c.Replicas.Worker),
			},
			PodTemplateOverrides: []trainer.PodTemplateOverride{{
				TargetJobs: []trainer.PodTemplateOverrideTargetJob{{Name: trainJobNode}},
				Spec: &trainer.PodTemplateSpecOverride{
					Volumes:    []corev1.Volume{c.modelVolume()},
					Containers: []trainer.ContainerOverride{{Name: trainJobNode, VolumeMounts: []corev1.VolumeMount{c.modelMount()}}},
				},
			}},
		},
	}
	if len(rr.Limits) > 0 {
		tj.Spec.Trainer.ResourcesPerNode = &rr
	}
	if len(c.Labels) > 0 {
		// spec.labels reach the JobSet only; the pods get them through the
		// override's metadata, as a TFJob's pod templates carry them.
		tj.Spec.Labels = maps.Clone(c.Labels)
		tj.Spec.PodTemplateOverrides[0].Metadata = &metav1.ObjectMeta{Labels: maps.Clone(c.Labels)}
	}
	return tj, nil
}

// replicaName is the log prefix of a replica: "worker-1", "chief-0", "node-2".
func replicaName(typ string, index string) string {
	return strings.ToLower(typ) + "-" + index
}
