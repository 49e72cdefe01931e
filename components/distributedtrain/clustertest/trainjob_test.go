package clustertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	dt "github.com/kfpgo/kfpgo/components/distributedtrain"
	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// JobSet's pod labels (sigs.k8s.io/jobset api/jobset/v1alpha2 JobSetNameKey
// and ReplicatedJobNameKey).
const (
	jobSetNameLabel      = "jobset.sigs.k8s.io/jobset-name"
	replicatedJobNameKey = "jobset.sigs.k8s.io/replicatedjob-name"
)

// trainJobLauncher is launcher in TrainJob mode: two nodes of the control
// plane's ClusterTrainingRuntime.
func trainJobLauncher(t *testing.T, ns, name string, labels map[string]string) (dt.Config, *syncBuffer, *syncBuffer) {
	t.Helper()
	c, logs, progress := launcher(t, ns, name, labels)
	c.Mode = dt.ModeTrainJob
	c.RuntimeRef = testenv.TrainJobRuntime
	c.Replicas = dt.Replicas{Worker: 2}
	return c, logs, progress
}

// trainJobPods lists the JobSet's pods sorted by completion index.
func trainJobPods(t *testing.T, ns, job string) []corev1.Pod {
	t.Helper()
	pl, err := admin(t).CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: jobSetNameLabel + "=" + job})
	require.NoError(t, err)
	pods := pl.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		return strings.Compare(a.Labels[batchv1.JobCompletionIndexAnnotation], b.Labels[batchv1.JobCompletionIndexAnnotation])
	})
	return pods
}

func envOf(c corev1.Container, name string) (int, corev1.EnvVar) {
	for i, e := range c.Env {
		if e.Name == name {
			return i, e
		}
	}
	return -1, corev1.EnvVar{}
}

// TestTrainJobSucceeds runs two nodes to success: the TrainJob passes the
// CRD schema and Trainer's webhook, Trainer makes a JobSet of the runtime,
// JobSet a headless Service and an Indexed Job, the Job controller the
// pods, KWOK runs them; the launcher reads Trainer's Complete condition and
// streams both nodes' logs. Each pod's host name under the JobSet's
// subdomain is the address TF_CONFIG gives for its index, and its
// completion index annotation is what KFPGO_NODE_INDEX reads.
func TestTrainJobSucceeds(t *testing.T) {
	ns := "trainjob-ok"
	namespace(t, ns, true)
	c, logs, progress := trainJobLauncher(t, ns, "cars", map[string]string{testenv.KWOKOutcomeLabel: "succeed", "pipeline/runid": "run-1"})
	writeMetrics(t, c)

	res, err := dt.Run(t.Context(), c)
	require.NoError(t, err, "launcher progress:\n%s", progress)
	assert.Equal(t, "TrainJob", res.Kind)
	assert.Equal(t, 0.81, res.Metrics["accuracy"])
	assert.Equal(t, "pvc://models/cars/model", res.ModelURI)
	// Trainer copies the JobSet's Completed condition (JobSet's reason and
	// message) as Complete; it sets no condition before that.
	assert.Contains(t, progress.String(), `condition=Complete reason=AllJobsCompleted message="jobset completed successfully"`)
	assert.Equal(t, 1, strings.Count(progress.String(), "job condition"), progress.String())

	pods := trainJobPods(t, ns, "cars")
	require.Len(t, pods, 2)
	hosts := make([]string, len(pods))
	for i, p := range pods {
		idx := fmt.Sprint(i)
		assert.Equal(t, idx, p.Labels[batchv1.JobCompletionIndexAnnotation], p.Name)
		assert.Equal(t, idx, p.Annotations[batchv1.JobCompletionIndexAnnotation], p.Name)
		assert.Equal(t, "node", p.Labels[replicatedJobNameKey], p.Name)
		assert.True(t, strings.HasPrefix(p.Name, "cars-node-0-"+idx+"-"), "pod %s is named <job>-<index>-<suffix> by the Job controller", p.Name)
		assert.Equal(t, "cars-node-0-"+idx, p.Spec.Hostname, p.Name)
		assert.Equal(t, "cars", p.Spec.Subdomain, p.Name)
		assert.Equal(t, "run-1", p.Labels["pipeline/runid"], "job labels reach the pods")
		assert.Equal(t, corev1.PodSucceeded, p.Status.Phase, p.Name)
		hosts[i] = fmt.Sprintf("%s.%s:29500", p.Spec.Hostname, p.Spec.Subdomain)
	}
	// The JobSet's headless Service makes <hostname>.<subdomain> resolve.
	svc, err := admin(t).CoreV1().Services(ns).Get(t.Context(), "cars", metav1.GetOptions{})
	require.NoError(t, err, "JobSet's headless service")
	assert.Equal(t, corev1.ClusterIPNone, svc.Spec.ClusterIP)
	assert.Equal(t, map[string]string{jobSetNameLabel: "cars"}, svc.Spec.Selector)

	for i, p := range pods {
		require.Len(t, p.Spec.Containers, 1)
		ctr := p.Spec.Containers[0]
		assert.Equal(t, "node", ctr.Name)
		assert.Equal(t, c.Image, ctr.Image)
		assert.Equal(t, c.Command, ctr.Command)
		assert.Equal(t, c.Args, ctr.Args)
		assert.True(t, ctr.Resources.Requests.Cpu().Equal(resource.MustParse(c.Resources.CPU)), "resources per node: %v", ctr.Resources)
		assert.Contains(t, ctr.VolumeMounts, corev1.VolumeMount{Name: "model-store", MountPath: c.ModelMountPath})
		idxPos, idxEnv := envOf(ctr, dt.EnvNodeIndex)
		cfgPos, cfgEnv := envOf(ctr, contract.EnvTFConfig)
		require.GreaterOrEqual(t, idxPos, 0, "pod %s has %s", p.Name, dt.EnvNodeIndex)
		require.Greater(t, cfgPos, idxPos, "%s precedes TF_CONFIG so that Kubernetes expands $(%s)", dt.EnvNodeIndex, dt.EnvNodeIndex)
		require.NotNil(t, idxEnv.ValueFrom)
		assert.Equal(t, "metadata.annotations['batch.kubernetes.io/job-completion-index']", idxEnv.ValueFrom.FieldRef.FieldPath)
		// What the container sees once the kubelet resolves the field and
		// expands the reference.
		raw := strings.ReplaceAll(cfgEnv.Value, "$("+dt.EnvNodeIndex+")", p.Annotations[batchv1.JobCompletionIndexAnnotation])
		tfc, err := contract.ParseTFConfig(raw)
		require.NoError(t, err, raw)
		assert.Equal(t, contract.TFConfig{
			Cluster:     map[string][]string{"worker": hosts},
			Task:        contract.TaskSpec{Type: "worker", Index: i},
			Environment: "cloud",
		}, tfc, p.Name)
		_, pg := envOf(ctr, "PGHOST")
		assert.Equal(t, "pg."+ns, pg.Value)
	}
	assertReplicaLogs(t, logs, "node-0", "node-1")
}

// TestTrainJobNodeFails makes node 1 die with exit code 137 (OOMKilled):
// its Job fails (backoff limit 0), the JobSet fails, Trainer marks the
// TrainJob Failed, and the launcher names the node, its reason and exit
// code.
func TestTrainJobNodeFails(t *testing.T) {
	ns := "trainjob-fail"
	namespace(t, ns, true)
	c, _, progress := trainJobLauncher(t, ns, "cars", map[string]string{
		testenv.KWOKFailReplicaLabel: "node-1", testenv.KWOKExitCodeLabel: "137", testenv.KWOKReasonLabel: "OOMKilled"})

	_, err := dt.Run(t.Context(), c)
	fe := requireOOMKilled(t, err, progress, "TrainJob", "FailedJobs", "jobset failed due to one or more job failures (first failed job: cars-node-0)", "node-1")
	assert.Equal(t, testenv.KWOKLogLines, fe.Replica.LogTail)
	assert.Contains(t, err.Error(), "TrainJob trainjob-fail/cars failed (FailedJobs: jobset failed due to one or more job failures (first failed job: cars-node-0)): replica node-1 exited with code 137 (OOMKilled)")
}

// waitTrainJobGone waits until the TrainJob, its JobSet and its pods no
// longer exist.
func waitTrainJobGone(t *testing.T, ns, job string) {
	t.Helper()
	dyn := kubeDynamic(t)
	require.Eventually(t, func() bool {
		_, err := dyn.Resource(dt.TrainJobResource).Namespace(ns).Get(t.Context(), job, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return false
		}
		_, err = dyn.Resource(testenv.JobSetGVR).Namespace(ns).Get(t.Context(), job, metav1.GetOptions{})
		return apierrors.IsNotFound(err) && len(trainJobPods(t, ns, job)) == 0
	}, 60*time.Second, 200*time.Millisecond, "TrainJob %s/%s, its JobSet and its pods are deleted", ns, job)
}

// TestTrainJobCancel: the pipeline run is terminated while the nodes run;
// the launcher deletes the TrainJob and the garbage collector takes the
// JobSet, its Job and the pods with it.
func TestTrainJobCancel(t *testing.T) {
	ns := "trainjob-cancel"
	namespace(t, ns, true)
	c, _, progress := trainJobLauncher(t, ns, "cars", nil)
	runAndCancel(t, c, progress, func() []corev1.Pod { return trainJobPods(t, ns, "cars") }, 2)
	waitTrainJobGone(t, ns, "cars")
}

// TestTrainJobWithoutRBAC: without a Role the launcher stops at create with
// the API server's Forbidden error, naming the account, the resource and
// the namespace.
func TestTrainJobWithoutRBAC(t *testing.T) {
	ns := "trainjob-norbac"
	namespace(t, ns, false)
	c, _, _ := trainJobLauncher(t, ns, "cars", nil)
	_, err := dt.Run(t.Context(), c)
	require.Error(t, err)
	assert.True(t, apierrors.IsForbidden(err), "%v", err)
	for _, want := range []string{
		"create TrainJob trainjob-norbac/cars", "system:serviceaccount:trainjob-norbac:pipeline-runner",
		`cannot create resource "trainjobs" in API group "trainer.kubeflow.org" in the namespace "trainjob-norbac"`,
		"may this service account create it?",
	} {
		assert.Contains(t, err.Error(), want)
	}
}
