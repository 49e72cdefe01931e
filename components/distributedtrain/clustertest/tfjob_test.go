package clustertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	kubeflowv1 "github.com/kubeflow/training-operator/pkg/apis/kubeflow.org/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	dt "github.com/kfpgo/kfpgo/components/distributedtrain"
	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// launcherAccount is the pipeline pod's service account in every test
// namespace; the launcher authenticates as it with a TokenRequest token.
const launcherAccount = "pipeline-runner"

// launcherRules are the permissions the launcher needs, as a namespace's
// Role grants them (documented in the distributedtrain package).
var launcherRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"kubeflow.org"}, Resources: []string{"tfjobs"}, Verbs: []string{"create", "get", "delete"}},
	{APIGroups: []string{"trainer.kubeflow.org"}, Resources: []string{"trainjobs"}, Verbs: []string{"create", "get", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
	{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
}

func admin(t *testing.T) kubernetes.Interface {
	t.Helper()
	kc, err := kubernetes.NewForConfig(kube.Config)
	require.NoError(t, err)
	return kc
}

// namespace creates a namespace with the launcher's service account and,
// if rbac, its Role and RoleBinding, plus a bound model PVC "models".
func namespace(t *testing.T, name string, rbac bool) {
	t.Helper()
	ctx := t.Context()
	kc := admin(t)
	require.NoError(t, kube.CreateNamespace(ctx, name))
	_, err := kube.ServiceAccountConfig(ctx, name, launcherAccount)
	require.NoError(t, err)
	if rbac {
		_, err = kc.RbacV1().Roles(name).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "distributed-train"}, Rules: launcherRules}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = kc.RbacV1().RoleBindings(name).Create(ctx, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "distributed-train"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "distributed-train"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: launcherAccount, Namespace: name}},
		}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err = kc.CoreV1().PersistentVolumes().Create(ctx, &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-models"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/models/" + name}},
			ClaimRef:               &corev1.ObjectReference{Namespace: name, Name: "models"},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = kc.CoreV1().PersistentVolumeClaims(name).Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "models"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			StorageClassName: new(string),
			VolumeName:       name + "-models",
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		pvc, err := kc.CoreV1().PersistentVolumeClaims(name).Get(ctx, "models", metav1.GetOptions{})
		return err == nil && pvc.Status.Phase == corev1.ClaimBound
	}, 90*time.Second, 100*time.Millisecond, "PVC models bound by kube-controller-manager")
}

// syncBuffer collects replica log lines written from several goroutines.
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

// launcher returns the config the pipeline pod's launcher would use in ns:
// clients authenticated as the namespace's pipeline-runner account, the
// model PVC "models" mounted at a local directory that stands for the
// launcher pod's own mount of the same claim.
func launcher(t *testing.T, ns, name string, labels map[string]string) (dt.Config, *syncBuffer, *syncBuffer) {
	t.Helper()
	rc, err := kube.ServiceAccountConfig(t.Context(), ns, launcherAccount)
	require.NoError(t, err)
	dyn, kc, err := dt.NewClients(rc)
	require.NoError(t, err)
	logs, progress := &syncBuffer{}, &syncBuffer{}
	return dt.Config{
		Mode: dt.ModeTFJob, Name: name, Namespace: ns,
		Image: "registry.example/cartrainer:v1", Command: []string{"/ko-app/cartrainer"}, Args: []string{"--epochs", "1"},
		Env:       map[string]string{"PGHOST": "pg." + ns},
		Replicas:  dt.Replicas{Chief: 1, Worker: 2},
		Resources: dt.Resources{CPU: "500m", Memory: "1Gi"},
		ModelPVC:  "models", ModelMountPath: t.TempDir(),
		Labels:       labels,
		PollInterval: 200 * time.Millisecond, Timeout: 2 * time.Minute,
		Dynamic: dyn, Kube: kc, LogOutput: logs,
		Logger: slog.New(slog.NewTextHandler(progress, nil)),
	}, logs, progress
}

// writeMetrics plays the writing replica on the shared claim.
func writeMetrics(t *testing.T, c dt.Config) {
	t.Helper()
	require.NoError(t, contract.WriteMetrics(filepath.Join(c.ModelMountPath, c.Name, "metrics.json"), contract.Metrics{
		Metrics: map[string]float64{"accuracy": 0.81, "loss": 0.4},
	}))
}

func kubeDynamic(t *testing.T) dynamic.Interface {
	t.Helper()
	d, err := dynamic.NewForConfig(kube.Config)
	require.NoError(t, err)
	return d
}

func jobPods(t *testing.T, ns, job string) []corev1.Pod {
	t.Helper()
	pl, err := admin(t).CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: kubeflowv1.JobNameLabel + "=" + job})
	require.NoError(t, err)
	return pl.Items
}

// TestTFJobSucceeds runs a chief and two workers to success: the TFJob
// passes the CRD schema and the operator's webhook, the operator creates
// the pods with TF_CONFIG, KWOK runs them, the launcher reads the
// operator's conditions and streams the replicas' logs.
func TestTFJobSucceeds(t *testing.T) {
	ns := "tfjob-ok"
	namespace(t, ns, true)
	c, logs, progress := launcher(t, ns, "cars", map[string]string{testenv.KWOKOutcomeLabel: "succeed", "pipeline/runid": "run-1"})
	writeMetrics(t, c)

	res, err := dt.Run(t.Context(), c)
	require.NoError(t, err, "launcher progress:\n%s", progress)
	assert.Equal(t, kubeflowv1.TFJobKind, res.Kind)
	assert.Equal(t, 0.81, res.Metrics["accuracy"])
	assert.Equal(t, "pvc://models/cars/model", res.ModelURI)

	// The launcher followed the operator's own conditions: it logs the
	// latest true one at each poll, so Created may be passed over when the
	// operator is quicker than the poll; the job keeps the whole history.
	assert.Contains(t, progress.String(), `condition=Succeeded reason=TFJobSucceeded message="TFJob tfjob-ok/cars successfully completed."`)
	u, err := kubeDynamic(t).Resource(dt.TFJobResource).Namespace(ns).Get(t.Context(), "cars", metav1.GetOptions{})
	require.NoError(t, err)
	var job kubeflowv1.TFJob
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &job))
	var conds []string
	for _, jc := range job.Status.Conditions {
		conds = append(conds, string(jc.Type)+"="+string(jc.Status))
	}
	assert.Equal(t, []string{"Created=True", "Running=False", "Succeeded=True"}, conds)
	// The operator made one pod per replica, each with the TF_CONFIG the
	// local mode imitates: LocalTFConfigs with the operator's addresses
	// gives the same document for every replica.
	pods := jobPods(t, ns, "cars")
	require.Len(t, pods, 3)
	names, local, err := dt.LocalTFConfigs(c.Replicas, []string{
		"cars-chief-0.tfjob-ok.svc:2222", "cars-worker-0.tfjob-ok.svc:2222", "cars-worker-1.tfjob-ok.svc:2222"})
	require.NoError(t, err)
	localByReplica := map[string]string{}
	for i, n := range names {
		localByReplica[n] = local[i]
	}
	for _, p := range pods {
		var raw string
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == contract.EnvTFConfig {
				raw = e.Value
			}
		}
		require.NotEmpty(t, raw, "pod %s has TF_CONFIG", p.Name)
		tfc, err := contract.ParseTFConfig(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, []string{"cars-chief-0.tfjob-ok.svc:2222"}, tfc.Cluster["chief"], p.Name)
		assert.Equal(t, []string{"cars-worker-0.tfjob-ok.svc:2222", "cars-worker-1.tfjob-ok.svc:2222"}, tfc.Cluster["worker"], p.Name)
		typ, idx := p.Labels[kubeflowv1.ReplicaTypeLabel], p.Labels[kubeflowv1.ReplicaIndexLabel]
		assert.JSONEq(t, localByReplica[typ+"-"+idx], raw, "local mode's TF_CONFIG for %s-%s", typ, idx)
		assert.Equal(t, typ, tfc.Task.Type, p.Name)
		assert.Equal(t, idx, fmt.Sprint(tfc.Task.Index), p.Name)
		assert.Equal(t, "run-1", p.Labels["pipeline/runid"], "job labels reach the pods")
	}
	// Replica logs came through pods/log from KWOK's kubelet endpoint.
	assertReplicaLogs(t, logs, "chief-0", "worker-0", "worker-1")
}

// TestTFJobReplicaFails makes worker-1 die with exit code 137 (OOMKilled):
// the operator marks the TFJob Failed and the launcher names the replica,
// its reason and exit code.
func TestTFJobReplicaFails(t *testing.T) {
	ns := "tfjob-fail"
	namespace(t, ns, true)
	c, _, progress := launcher(t, ns, "cars", map[string]string{
		testenv.KWOKFailReplicaLabel: "worker-1", testenv.KWOKExitCodeLabel: "137", testenv.KWOKReasonLabel: "OOMKilled"})

	_, err := dt.Run(t.Context(), c)
	requireOOMKilled(t, err, progress, "TFJob", "TFJobFailed", "TFJob tfjob-fail/cars has failed because 1 Worker replica(s) failed.", "worker-1")
	assert.Contains(t, err.Error(), "replica worker-1 exited with code 137 (OOMKilled)")
}

// requireOOMKilled checks that the launcher's error is a *dt.JobFailedError
// of kind with the operator's reason and message, naming replica as the
// one that exited with code 137 (OOMKilled), and returns it.
func requireOOMKilled(t *testing.T, err error, progress *syncBuffer, kind, reason, message, replica string) *dt.JobFailedError {
	t.Helper()
	var fe *dt.JobFailedError
	require.ErrorAs(t, err, &fe, "launcher progress:\n%s", progress)
	assert.Equal(t, kind, fe.Kind)
	assert.Equal(t, reason, fe.Reason)
	assert.Equal(t, message, fe.Message)
	require.NotNil(t, fe.Replica, "%v", err)
	assert.Equal(t, replica, fe.Replica.Replica)
	assert.Equal(t, 137, fe.Replica.ExitCode)
	assert.Equal(t, "OOMKilled", fe.Replica.Reason)
	return fe
}

// assertReplicaLogs checks that every replica's KWOK log lines reached the
// launcher's log, each prefixed with "[<replica>] ".
func assertReplicaLogs(t *testing.T, logs *syncBuffer, replicas ...string) {
	t.Helper()
	for _, r := range replicas {
		for _, l := range testenv.KWOKLogLines {
			assert.Contains(t, logs.String(), "["+r+"] "+l+"\n")
		}
	}
}

// waitGone waits until the TFJob and its pods no longer exist.
func waitGone(t *testing.T, ns, job string) {
	t.Helper()
	dyn := kubeDynamic(t)
	require.Eventually(t, func() bool {
		_, err := dyn.Resource(dt.TFJobResource).Namespace(ns).Get(t.Context(), job, metav1.GetOptions{})
		return apierrors.IsNotFound(err) && len(jobPods(t, ns, job)) == 0
	}, 60*time.Second, 200*time.Millisecond, "TFJob %s/%s and its pods are deleted", ns, job)
}

// TestTFJobTimeout: replicas that never finish; at Timeout the launcher
// deletes the job and the operator's pods go away.
func TestTFJobTimeout(t *testing.T) {
	ns := "tfjob-timeout"
	namespace(t, ns, true)
	c, _, progress := launcher(t, ns, "cars", nil)
	c.Timeout = 10 * time.Second
	_, err := dt.Run(t.Context(), c)
	require.ErrorIs(t, err, context.DeadlineExceeded, "launcher progress:\n%s", progress)
	assert.Contains(t, err.Error(), "did not finish within the timeout 10s")
	assert.Contains(t, progress.String(), "job deleted")
	waitGone(t, ns, "cars")
}

// TestTFJobCancel: the pipeline run is terminated (SIGTERM cancels the
// executor's context) while the replicas run; the launcher deletes the job
// and the operator's pods go away.
func TestTFJobCancel(t *testing.T) {
	ns := "tfjob-cancel"
	namespace(t, ns, true)
	c, _, progress := launcher(t, ns, "cars", nil)
	runAndCancel(t, c, progress, func() []corev1.Pod { return jobPods(t, ns, "cars") }, 3)
	waitGone(t, ns, "cars")
}

// runAndCancel runs the launcher with c, cancels its context once pods()
// returns want pods, all Running, and checks that the launcher returned
// context.Canceled after deleting the job.
func runAndCancel(t *testing.T, c dt.Config, progress *syncBuffer, pods func() []corev1.Pod, want int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := dt.Run(ctx, c); done <- err }()
	require.Eventually(t, func() bool {
		ps := pods()
		for _, p := range ps {
			if p.Status.Phase != corev1.PodRunning {
				return false
			}
		}
		return len(ps) == want
	}, 60*time.Second, 100*time.Millisecond, "%d pods Running", want)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled, "launcher progress:\n%s", progress)
	assert.Contains(t, progress.String(), "job deleted")
}

// TestTFJobOwnerGarbageCollected: the job is owned by the pipeline task's
// pod; deleting that pod makes kube-controller-manager's garbage collector
// delete the TFJob, and the operator's pods with it.
func TestTFJobOwnerGarbageCollected(t *testing.T) {
	ns := "tfjob-owner"
	namespace(t, ns, true)
	kc := admin(t)
	owner, err := kc.CoreV1().Pods(ns).Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "cartrain-abc-train"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "registry.example/distributed-train:v1"}}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	c, _, progress := launcher(t, ns, "cars", map[string]string{testenv.KWOKOutcomeLabel: "succeed"})
	c.Owner = &dt.Owner{Name: owner.Name, UID: string(owner.UID)}
	writeMetrics(t, c)
	_, err = dt.Run(t.Context(), c)
	require.NoError(t, err, "launcher progress:\n%s", progress)

	u, err := kubeDynamic(t).Resource(dt.TFJobResource).Namespace(ns).Get(t.Context(), "cars", metav1.GetOptions{})
	require.NoError(t, err, "a finished job stays for its owner to collect")
	refs := u.GetOwnerReferences()
	require.Len(t, refs, 1)
	assert.Equal(t, "Pod", refs[0].Kind)
	assert.Equal(t, owner.UID, refs[0].UID)

	require.NoError(t, kc.CoreV1().Pods(ns).Delete(t.Context(), owner.Name, metav1.DeleteOptions{}))
	waitGone(t, ns, "cars")
}

// TestTFJobWithoutRBAC: in a namespace where the pipeline's service account
// has no Role, the launcher stops at create with the API server's
// Forbidden error, naming the account, the resource and the namespace.
func TestTFJobWithoutRBAC(t *testing.T) {
	ns := "tfjob-norbac"
	namespace(t, ns, false)
	c, _, _ := launcher(t, ns, "cars", nil)
	_, err := dt.Run(t.Context(), c)
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(errors.Unwrap(err)) || strings.Contains(err.Error(), "forbidden"), "%v", err)
	for _, want := range []string{"create TFJob tfjob-norbac/cars", "system:serviceaccount:tfjob-norbac:pipeline-runner", `cannot create resource "tfjobs"`} {
		assert.Contains(t, err.Error(), want)
	}
}
