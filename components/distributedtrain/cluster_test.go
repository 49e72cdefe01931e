package distributedtrain

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	trainer "github.com/kubeflow/trainer/v2/pkg/apis/trainer/v1alpha1"
	kubeflowv1 "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
)

// operator plays the training-operator (or Trainer) against the fake
// clients: on create it makes the replica pods, and each read of the job
// returns the next status of a script.
type operator struct {
	t    *testing.T
	dyn  *dynfake.FakeDynamicClient
	kube *kubefake.Clientset

	mu      sync.Mutex
	created *unstructured.Unstructured
	gets    int
	// script[i] is applied at the i-th read (the last entry repeats).
	script []func(op *operator, u *unstructured.Unstructured)
}

func newOperator(t *testing.T, resource string, script ...func(*operator, *unstructured.Unstructured)) *operator {
	op := &operator{
		t: t,
		dyn: dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
			TFJobResource: "TFJobList", TrainJobResource: "TrainJobList",
		}),
		kube:   kubefake.NewClientset(),
		script: script,
	}
	op.dyn.PrependReactor("create", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		u := a.(k8stesting.CreateAction).GetObject().(*unstructured.Unstructured)
		op.mu.Lock()
		op.created = u.DeepCopy()
		op.mu.Unlock()
		op.makePods(u)
		return false, nil, nil // let the tracker store it
	})
	op.dyn.PrependReactor("get", resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		op.mu.Lock()
		defer op.mu.Unlock()
		if op.created == nil {
			return false, nil, nil
		}
		u := op.created.DeepCopy()
		i := min(op.gets, len(op.script)-1)
		op.gets++
		op.script[i](op, u)
		return true, u, nil
	})
	return op
}

// makePods creates one Running pod per replica with the operator's labels.
func (op *operator) makePods(u *unstructured.Unstructured) {
	ctx := context.Background()
	ns, name := u.GetNamespace(), u.GetName()
	add := func(pod *corev1.Pod) {
		pod.Namespace = ns
		pod.Status.Phase = corev1.PodRunning
		_, err := op.kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		require.NoError(op.t, err)
	}
	switch u.GetKind() {
	case kubeflowv1.TFJobKind:
		var job kubeflowv1.TFJob
		require.NoError(op.t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &job))
		for rt, spec := range job.Spec.TFReplicaSpecs {
			for i := range *spec.Replicas {
				typ := strings.ToLower(string(rt))
				add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{
					Name: fmt.Sprintf("%s-%s-%d", name, typ, i),
					Labels: map[string]string{
						kubeflowv1.JobNameLabel: name, kubeflowv1.ReplicaTypeLabel: typ,
						kubeflowv1.ReplicaIndexLabel: fmt.Sprint(i), kubeflowv1.OperatorNameLabel: "tfjob-controller",
					},
				}})
			}
		}
	case trainer.TrainJobKind:
		// As Trainer v2.1.0, JobSet v0.10.1 and the Job controller make
		// them: one Indexed Job "<name>-node-0", pods "<job>-<index>-<suffix>"
		// with host name "<job>-<index>" under subdomain <name>, JobSet's and
		// the Job controller's labels, and the labels of the pod template
		// override's metadata (spec.labels stop at the JobSet).
		var tj trainer.TrainJob
		require.NoError(op.t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &tj))
		for i := range *tj.Spec.Trainer.NumNodes {
			labels := map[string]string{}
			for _, o := range tj.Spec.PodTemplateOverrides {
				if o.Metadata != nil {
					maps.Copy(labels, o.Metadata.Labels)
				}
			}
			idx := fmt.Sprint(i)
			maps.Copy(labels, map[string]string{
				jobSetNameLabel: name, "jobset.sigs.k8s.io/replicatedjob-name": "node", "jobset.sigs.k8s.io/job-index": "0",
				"batch.kubernetes.io/job-completion-index": idx, "batch.kubernetes.io/job-name": name + "-node-0",
				"trainer.kubeflow.org/trainjob-ancestor-step": "trainer",
			})
			add(&corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{
					Name: fmt.Sprintf("%s-node-0-%d-abcde", name, i), Labels: labels,
					Annotations: map[string]string{"batch.kubernetes.io/job-completion-index": idx},
				},
				Spec: corev1.PodSpec{Hostname: fmt.Sprintf("%s-node-0-%d", name, i), Subdomain: name,
					Containers: []corev1.Container{{Name: "node"}}},
			})
		}
	}
}

// setPod updates one pod's status.
func (op *operator) setPod(ns, name string, edit func(*corev1.Pod)) {
	ctx := context.Background()
	p, err := op.kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	require.NoError(op.t, err)
	edit(p)
	_, err = op.kube.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	require.NoError(op.t, err)
}

// tfConditions sets kubeflow.org/v1 JobConditions (type → status True).
func tfConditions(types ...kubeflowv1.JobConditionType) func(*operator, *unstructured.Unstructured) {
	return func(op *operator, u *unstructured.Unstructured) {
		var conds []any
		for i, ty := range types {
			st := "False"
			if i == len(types)-1 || ty == kubeflowv1.JobCreated {
				st = "True"
			}
			// Reasons and messages as the training-operator v1.9.3 writes them
			// (pkg/controller.v1/tensorflow/tfjob_controller.go).
			ns, name := u.GetNamespace(), u.GetName()
			msg := map[kubeflowv1.JobConditionType]string{
				kubeflowv1.JobCreated:   fmt.Sprintf("TFJob %s is created.", name),
				kubeflowv1.JobRunning:   fmt.Sprintf("TFJob %s/%s is running.", ns, name),
				kubeflowv1.JobSucceeded: fmt.Sprintf("TFJob %s/%s successfully completed.", ns, name),
				kubeflowv1.JobFailed:    fmt.Sprintf("TFJob %s/%s has failed because 1 Worker replica(s) failed.", ns, name),
			}[ty]
			conds = append(conds, map[string]any{"type": string(ty), "status": st, "reason": "TFJob" + string(ty), "message": msg})
		}
		require.NoError(op.t, unstructured.SetNestedSlice(u.Object, conds, "status", "conditions"))
	}
}

// trainJobCondition sets the one condition Trainer v2.1.0 writes on a
// running TrainJob's end: the JobSet's Completed or Failed condition
// copied under the TrainJob type (pkg/runtime/framework/plugins/jobset
// Status), so reason and message are JobSet v0.10.1's (pkg/constants; a
// failure names the first failed Job).
// Before that a TrainJob has no conditions.
func trainJobCondition(typ string) func(*operator, *unstructured.Unstructured) {
	return func(op *operator, u *unstructured.Unstructured) {
		reason, msg := "AllJobsCompleted", "jobset completed successfully"
		if typ == trainer.TrainJobFailed {
			reason, msg = "FailedJobs", fmt.Sprintf("jobset failed due to one or more job failures (first failed job: %s-node-0)", u.GetName())
		}
		require.NoError(op.t, unstructured.SetNestedSlice(u.Object, []any{
			map[string]any{"type": typ, "status": "True", "reason": reason, "message": msg,
				"lastTransitionTime": "2025-01-01T00:00:00Z"},
		}, "status", "conditions"))
	}
}

// writeMetrics plays the writing replica: it writes the metrics file at the
// path the created job's env gives the replicas. Call it from a script step.
func (op *operator) writeMetrics() {
	t := op.t
	var env []corev1.EnvVar
	switch op.created.GetKind() {
	case kubeflowv1.TFJobKind:
		var job kubeflowv1.TFJob
		require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(op.created.Object, &job))
		env = job.Spec.TFReplicaSpecs[kubeflowv1.TFJobReplicaTypeWorker].Template.Spec.Containers[0].Env
	default:
		var tj trainer.TrainJob
		require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(op.created.Object, &tj))
		env = tj.Spec.Trainer.Env
	}
	var path string
	for _, e := range env {
		if e.Name == contract.EnvMetricsFile {
			path = e.Value
		}
	}
	require.NotEmpty(t, path, "the job sets %s", contract.EnvMetricsFile)
	require.NoError(t, contract.WriteMetrics(path, contract.Metrics{
		Metrics:         map[string]float64{"accuracy": 0.75, "loss": 0.5},
		ConfusionMatrix: &contract.ConfusionMatrix{Classes: []string{"a", "b"}, Matrix: [][]int64{{3, 1}, {0, 4}}},
	}))
}

func baseConfig(t *testing.T, op *operator, mode Mode) Config {
	return Config{
		Mode: mode, Name: "cars", Namespace: "team-a",
		Image: "registry.example/cartrainer:v1", Command: []string{"/ko-app/cartrainer"}, Args: []string{"--table", "features.cars"},
		Env:       map[string]string{"PGHOST": "pg.team-a", "B_VAR": "2"},
		Replicas:  Replicas{Worker: 2},
		Resources: Resources{CPU: "500m", Memory: "1Gi", GPU: 1},
		ModelPVC:  "models", ModelMountPath: t.TempDir(),
		Labels:       map[string]string{"pipeline/runid": "run-1"},
		Owner:        &Owner{Name: "cartrain-abc-train", UID: "uid-123"},
		RuntimeRef:   "tensorflow-distributed",
		PollInterval: time.Millisecond, Timeout: time.Minute,
		Dynamic: op.dyn, Kube: op.kube, LogOutput: &syncBuffer{},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func createdTFJob(t *testing.T, op *operator) kubeflowv1.TFJob {
	t.Helper()
	var creates []k8stesting.CreateAction
	for _, a := range op.dyn.Actions() {
		if c, ok := a.(k8stesting.CreateAction); ok {
			creates = append(creates, c)
		}
	}
	require.Len(t, creates, 1)
	assert.Equal(t, TFJobResource, creates[0].GetResource())
	assert.Equal(t, "team-a", creates[0].GetNamespace())
	var job kubeflowv1.TFJob
	u := creates[0].GetObject().(*unstructured.Unstructured)
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &job))
	return job
}

func TestTFJobSucceeds(t *testing.T) {
	op := newOperator(t, "tfjobs",
		tfConditions(kubeflowv1.JobCreated),
		tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning),
		func(op *operator, u *unstructured.Unstructured) {
			op.writeMetrics()
			tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning, kubeflowv1.JobSucceeded)(op, u)
		},
	)
	cfg := baseConfig(t, op, ModeTFJob)
	cfg.Replicas = Replicas{Chief: 1, Worker: 2}
	cfg.RunPolicy = RunPolicy{CleanPodPolicy: "Running", BackoffLimit: ptr.To[int32](2), ActiveDeadlineSeconds: ptr.To[int64](3600), TTLSecondsAfterFinished: ptr.To[int32](600)}
	cfg.ModelSubPath = "runs/run-1"
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)

	assert.Equal(t, Result{
		Kind: "TFJob", Namespace: "team-a", Name: "cars",
		ModelDir: filepath.Join(cfg.ModelMountPath, "runs/run-1/model"), ModelURI: "pvc://models/runs/run-1/model",
		MetricsFile:     filepath.Join(cfg.ModelMountPath, "runs/run-1/metrics.json"),
		Metrics:         map[string]float64{"accuracy": 0.75, "loss": 0.5},
		ConfusionMatrix: &contract.ConfusionMatrix{Classes: []string{"a", "b"}, Matrix: [][]int64{{3, 1}, {0, 4}}},
	}, res)
	// Replica logs are streamed with a replica prefix (the fake serves "fake logs").
	out := cfg.LogOutput.(*syncBuffer).String()
	for _, r := range []string{"chief-0", "worker-0", "worker-1"} {
		assert.Contains(t, out, "["+r+"] fake logs")
	}

	// The created object, decoded into the operator's own type, field by field.
	job := createdTFJob(t, op)
	assert.Equal(t, "kubeflow.org/v1", job.APIVersion)
	assert.Equal(t, "TFJob", job.Kind)
	assert.Equal(t, "cars", job.Name)
	assert.Equal(t, map[string]string{"pipeline/runid": "run-1"}, job.Labels)
	assert.Equal(t, []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "cartrain-abc-train", UID: "uid-123",
		Controller: ptr.To(false), BlockOwnerDeletion: ptr.To(false)}}, job.OwnerReferences)
	assert.Equal(t, kubeflowv1.RunPolicy{
		CleanPodPolicy: ptr.To(kubeflowv1.CleanPodPolicyRunning), BackoffLimit: ptr.To[int32](2),
		ActiveDeadlineSeconds: ptr.To[int64](3600), TTLSecondsAfterFinished: ptr.To[int32](600),
	}, job.Spec.RunPolicy)
	require.Len(t, job.Spec.TFReplicaSpecs, 2)
	assert.Nil(t, job.Spec.TFReplicaSpecs[kubeflowv1.TFJobReplicaTypePS])
	for rt, n := range map[kubeflowv1.ReplicaType]int32{kubeflowv1.TFJobReplicaTypeChief: 1, kubeflowv1.TFJobReplicaTypeWorker: 2} {
		spec := job.Spec.TFReplicaSpecs[rt]
		require.NotNil(t, spec, rt)
		assert.Equal(t, n, *spec.Replicas)
		assert.Equal(t, kubeflowv1.RestartPolicyNever, spec.RestartPolicy)
		assert.Equal(t, map[string]string{"pipeline/runid": "run-1"}, spec.Template.Labels)
		assert.Equal(t, []corev1.Volume{{Name: "model-store", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "models"}}}}, spec.Template.Spec.Volumes)
		require.Len(t, spec.Template.Spec.Containers, 1)
		ctr := spec.Template.Spec.Containers[0]
		assert.Equal(t, "tensorflow", ctr.Name, "the operator injects TF_CONFIG into the container named tensorflow")
		assert.Equal(t, "registry.example/cartrainer:v1", ctr.Image)
		assert.Equal(t, []string{"/ko-app/cartrainer"}, ctr.Command)
		assert.Equal(t, []string{"--table", "features.cars"}, ctr.Args)
		assert.Equal(t, []corev1.ContainerPort{{Name: "tfjob-port", ContainerPort: 2222}}, ctr.Ports)
		assert.Equal(t, []corev1.EnvVar{
			{Name: "B_VAR", Value: "2"}, {Name: "PGHOST", Value: "pg.team-a"},
			{Name: "KFPGO_MODEL_DIR", Value: filepath.Join(cfg.ModelMountPath, "runs/run-1/model")},
			{Name: "KFPGO_METRICS_FILE", Value: filepath.Join(cfg.ModelMountPath, "runs/run-1/metrics.json")},
		}, ctr.Env)
		assert.Equal(t, []corev1.VolumeMount{{Name: "model-store", MountPath: cfg.ModelMountPath}}, ctr.VolumeMounts)
		assert.True(t, resource.MustParse("500m").Equal(ctr.Resources.Requests[corev1.ResourceCPU]))
		assert.True(t, resource.MustParse("1Gi").Equal(ctr.Resources.Limits[corev1.ResourceMemory]))
		assert.True(t, resource.MustParse("1").Equal(ctr.Resources.Limits["nvidia.com/gpu"]))
		_, gpuRequest := ctr.Resources.Requests["nvidia.com/gpu"]
		assert.False(t, gpuRequest)
	}
	// The job was not deleted: it finished on its own.
	for _, a := range op.dyn.Actions() {
		assert.NotEqual(t, "delete", a.GetVerb())
	}
}

func TestTFJobFailedReplica(t *testing.T) {
	op := newOperator(t, "tfjobs",
		tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning),
		func(op *operator, u *unstructured.Unstructured) {
			op.setPod("team-a", "cars-worker-1", func(p *corev1.Pod) {
				p.Status.Phase = corev1.PodFailed
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "tensorflow", State: corev1.ContainerState{
					Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled", Message: "memory limit 1Gi"}}}}
			})
			tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning, kubeflowv1.JobFailed)(op, u)
		},
	)
	cfg := baseConfig(t, op, ModeTFJob)
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	var jf *JobFailedError
	require.ErrorAs(t, err, &jf)
	assert.Equal(t, "TFJobFailed", jf.Reason)
	require.NotNil(t, jf.Replica)
	assert.Equal(t, ReplicaFailure{Replica: "worker-1", Reason: "OOMKilled", Message: "memory limit 1Gi", ExitCode: 137, LogTail: []string{"fake logs"}}, *jf.Replica)
	assert.Contains(t, err.Error(), "TFJob team-a/cars failed (TFJobFailed: TFJob team-a/cars has failed because 1 Worker replica(s) failed.): replica worker-1 exited with code 137 (OOMKilled): memory limit 1Gi; last 1 log lines:\n  fake logs")
}

func TestTFJobCancelDeletesJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	op := newOperator(t, "tfjobs",
		tfConditions(kubeflowv1.JobCreated),
		func(op *operator, u *unstructured.Unstructured) {
			cancel() // the run is terminated: SIGTERM reaches the launcher
			tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning)(op, u)
		},
	)
	cfg := baseConfig(t, op, ModeTFJob)
	_, err := Run(ctx, cfg)
	require.ErrorIs(t, err, context.Canceled)
	var deleted []string
	for _, a := range op.dyn.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok {
			deleted = append(deleted, d.GetNamespace()+"/"+d.GetName())
		}
	}
	assert.Equal(t, []string{"team-a/cars"}, deleted)
	_, err = op.dyn.Tracker().Get(TFJobResource, "team-a", "cars")
	assert.True(t, isNotFound(err), "the job is gone: %v", err)
}

func TestTFJobTimeoutDeletesJob(t *testing.T) {
	op := newOperator(t, "tfjobs", tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobRunning))
	cfg := baseConfig(t, op, ModeTFJob)
	cfg.Timeout = 30 * time.Millisecond
	_, err := Run(context.Background(), cfg)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "job cars did not finish within the timeout 30ms")
	_, err = op.dyn.Tracker().Get(TFJobResource, "team-a", "cars")
	assert.True(t, isNotFound(err))
}

func TestTFJobMissingMetrics(t *testing.T) {
	op := newOperator(t, "tfjobs", tfConditions(kubeflowv1.JobCreated, kubeflowv1.JobSucceeded))
	cfg := baseConfig(t, op, ModeTFJob)
	_, err := Run(context.Background(), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "succeeded but its metrics are unusable")
	assert.Contains(t, err.Error(), `mount PVC "models"`)
}

func isNotFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not found")
}

func TestTrainJobSucceeds(t *testing.T) {
	op := newOperator(t, "trainjobs",
		func(op *operator, u *unstructured.Unstructured) {},
		func(op *operator, u *unstructured.Unstructured) {
			op.writeMetrics()
			trainJobCondition(trainer.TrainJobComplete)(op, u)
		},
	)
	cfg := baseConfig(t, op, ModeTrainJob)
	cfg.Replicas = Replicas{Worker: 3}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, "TrainJob", res.Kind)
	assert.Equal(t, 0.75, res.Metrics["accuracy"])
	out := cfg.LogOutput.(*syncBuffer).String()
	assert.Contains(t, out, "[node-2] fake logs")

	var tj trainer.TrainJob
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(op.created.Object, &tj))
	assert.Equal(t, "trainer.kubeflow.org/v1alpha1", tj.APIVersion)
	assert.Equal(t, "TrainJob", tj.Kind)
	assert.Equal(t, trainer.RuntimeRef{Name: "tensorflow-distributed", APIGroup: ptr.To("trainer.kubeflow.org"), Kind: ptr.To("ClusterTrainingRuntime")}, tj.Spec.RuntimeRef)
	assert.Equal(t, map[string]string{"pipeline/runid": "run-1"}, tj.Spec.Labels)
	assert.Equal(t, "uid-123", string(tj.OwnerReferences[0].UID))
	tr := tj.Spec.Trainer
	require.NotNil(t, tr)
	assert.Equal(t, "registry.example/cartrainer:v1", *tr.Image)
	assert.Equal(t, int32(3), *tr.NumNodes)
	assert.Equal(t, []string{"/ko-app/cartrainer"}, tr.Command)
	assert.True(t, resource.MustParse("1Gi").Equal(tr.ResourcesPerNode.Requests[corev1.ResourceMemory]))
	require.Len(t, tr.Env, 6)
	assert.Equal(t, corev1.EnvVar{Name: "KFPGO_NODE_INDEX", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
		FieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}, tr.Env[0])
	assert.Equal(t, "TF_CONFIG", tr.Env[1].Name)
	assert.Equal(t, []string{"B_VAR", "PGHOST", "KFPGO_MODEL_DIR", "KFPGO_METRICS_FILE"},
		[]string{tr.Env[2].Name, tr.Env[3].Name, tr.Env[4].Name, tr.Env[5].Name})
	// What node 1 sees once Kubernetes expands $(KFPGO_NODE_INDEX).
	tfc, err := contract.ParseTFConfig(strings.ReplaceAll(tr.Env[1].Value, "$(KFPGO_NODE_INDEX)", "1"))
	require.NoError(t, err)
	assert.Equal(t, contract.TFConfig{
		Cluster:     map[string][]string{"worker": {"cars-node-0-0.cars:29500", "cars-node-0-1.cars:29500", "cars-node-0-2.cars:29500"}},
		Task:        contract.TaskSpec{Type: "worker", Index: 1},
		Environment: "cloud",
	}, tfc)
	require.Len(t, tj.Spec.PodTemplateOverrides, 1)
	o := tj.Spec.PodTemplateOverrides[0]
	assert.Equal(t, []trainer.PodTemplateOverrideTargetJob{{Name: "node"}}, o.TargetJobs)
	assert.Equal(t, "models", o.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
	assert.Equal(t, []trainer.ContainerOverride{{Name: "node", VolumeMounts: []corev1.VolumeMount{{Name: "model-store", MountPath: cfg.ModelMountPath}}}}, o.Spec.Containers)
	// spec.labels stop at the JobSet; the override's metadata takes them
	// to the pods.
	require.NotNil(t, o.Metadata)
	assert.Equal(t, map[string]string{"pipeline/runid": "run-1"}, o.Metadata.Labels)
	pl, err := op.kube.CoreV1().Pods("team-a").List(context.Background(), metav1.ListOptions{LabelSelector: "pipeline/runid=run-1"})
	require.NoError(t, err)
	assert.Len(t, pl.Items, 3)
}

func TestTrainJobSingleNodeHasNoTFConfig(t *testing.T) {
	cfg := Config{Name: "one", Namespace: "ns", Image: "img", Replicas: Replicas{Worker: 1}, ModelPVC: "m", RuntimeRef: "rt",
		Dynamic: dynfake.NewSimpleDynamicClient(runtime.NewScheme()), Kube: kubefake.NewClientset()}
	tj, err := BuildTrainJob(cfg)
	require.NoError(t, err)
	for _, e := range tj.Spec.Trainer.Env {
		assert.NotEqual(t, "TF_CONFIG", e.Name)
	}
}

func TestTrainJobFailed(t *testing.T) {
	op := newOperator(t, "trainjobs", func(op *operator, u *unstructured.Unstructured) {
		op.setPod("team-a", "cars-node-0-1-abcde", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "node", State: corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
		})
		trainJobCondition(trainer.TrainJobFailed)(op, u)
	})
	cfg := baseConfig(t, op, ModeTrainJob)
	_, err := Run(context.Background(), cfg)
	var jf *JobFailedError
	require.ErrorAs(t, err, &jf)
	assert.Equal(t, "node-1", jf.Replica.Replica)
	assert.Equal(t, 1, jf.Replica.ExitCode)
	assert.Contains(t, err.Error(), "TrainJob team-a/cars failed (FailedJobs: jobset failed due to one or more job failures (first failed job: cars-node-0)): replica node-1 exited with code 1 (Error)")
}

func TestConfigErrors(t *testing.T) {
	fakeD, fakeK := dynfake.NewSimpleDynamicClient(runtime.NewScheme()), kubefake.NewClientset()
	ok := Config{Mode: ModeTFJob, Name: "job", Namespace: "ns", Image: "img", Replicas: Replicas{Worker: 1}, ModelPVC: "m", Dynamic: fakeD, Kube: fakeK}
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no mode", func(c *Config) { c.Mode = "" }, "mode is empty"},
		{"bad mode", func(c *Config) { c.Mode = "mpijob" }, `mode "mpijob" is unknown`},
		{"bad name", func(c *Config) { c.Name = "Cars_1" }, `name "Cars_1"`},
		{"long name", func(c *Config) { c.Name = strings.Repeat("a", 49) }, "at most 48"},
		{"no workers", func(c *Config) { c.Replicas = Replicas{PS: 1} }, "no chief or worker"},
		{"two chiefs", func(c *Config) { c.Replicas.Chief = 2 }, "at most one chief"},
		{"negative", func(c *Config) { c.Replicas.Worker = -1 }, "must not be negative"},
		{"bad cpu", func(c *Config) { c.Resources.CPU = "lots" }, `resources.cpu "lots"`},
		{"no image", func(c *Config) { c.Image = "" }, "image is empty"},
		{"no pvc", func(c *Config) { c.ModelPVC = "" }, "modelPVC is empty"},
		{"no clients", func(c *Config) { c.Dynamic = nil }, "no Kubernetes clients"},
		{"reserved env", func(c *Config) { c.Env = map[string]string{"TF_CONFIG": "{}"} }, "TF_CONFIG is set by the launcher"},
		{"escaping subpath", func(c *Config) { c.ModelSubPath = "../x" }, "must be relative"},
		{"clean pod policy", func(c *Config) { c.RunPolicy.CleanPodPolicy = "Sometimes" }, `cleanPodPolicy "Sometimes"`},
		{"half owner", func(c *Config) { c.Owner = &Owner{Name: "p"} }, "owner needs both"},
		{"trainjob chief", func(c *Config) { c.Mode = ModeTrainJob; c.RuntimeRef = "rt"; c.Replicas.Chief = 1 }, "worker nodes only"},
		{"trainjob run policy", func(c *Config) {
			c.Mode = ModeTrainJob
			c.RuntimeRef = "rt"
			c.RunPolicy.BackoffLimit = ptr.To[int32](1)
		}, "not a TrainJob field"},
		{"trainjob runtime", func(c *Config) { c.Mode = ModeTrainJob }, "runtimeRef is empty"},
		{"local command", func(c *Config) { c.Mode = ModeLocal }, "set command to the trainer executable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			_, err := Run(context.Background(), c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, fakeD.Actions(), "nothing is created on a config error")
		})
	}
	t.Run("generated name", func(t *testing.T) {
		c := ok
		c.Name = ""
		job, err := BuildTFJob(c)
		require.NoError(t, err)
		assert.Regexp(t, `^train-[0-9a-f]{8}$`, job.Name)
	})
}

func TestOwnerFromEnv(t *testing.T) {
	t.Setenv(EnvPodName, "p")
	t.Setenv(EnvPodUID, "")
	assert.Nil(t, OwnerFromEnv())
	t.Setenv(EnvPodUID, "u")
	assert.Equal(t, &Owner{Name: "p", UID: "u"}, OwnerFromEnv())
}

func TestConfusionMatrixKFPMetadata(t *testing.T) {
	m := contract.ConfusionMatrix{Classes: []string{"x", "y"}, Matrix: [][]int64{{1, 2}, {3, 4}}}
	assert.Equal(t, map[string]any{"confusionMatrix": map[string]any{
		"annotationSpecs": []any{map[string]any{"displayName": "x"}, map[string]any{"displayName": "y"}},
		"rows":            []any{map[string]any{"row": []any{1.0, 2.0}}, map[string]any{"row": []any{3.0, 4.0}}},
	}}, m.KFPMetadata())
	err := contract.WriteMetrics(filepath.Join(t.TempDir(), "m.json"), contract.Metrics{Metrics: map[string]float64{"loss": math.NaN()}})
	assert.ErrorContains(t, err, `"loss" is NaN`)
}
