package testenv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/template"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

var authTokenRequest = authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3600))}}

// Pod labels that decide what a KWOK node does with a pod after it runs
// (see [StartKube] with KubeOptions.KWOK). Put them on the job's pod
// template; the operators copy them onto every replica pod.
const (
	// KWOKOutcomeLabel "succeed" makes every container exit 0 after
	// about a second (phase Succeeded). Without it pods stay Running until
	// deleted.
	KWOKOutcomeLabel = "kwok.kfpgo.dev/outcome"
	// KWOKFailReplicaLabel "<type>-<index>" ("worker-1", "chief-0",
	// "node-1") makes that replica's containers terminate after about a
	// second with KWOKExitCodeLabel's code and KWOKReasonLabel's reason
	// (phase Failed); the other replicas stay Running. For a TFJob the type
	// and index are the training-operator's pod labels
	// training.kubeflow.org/replica-type and replica-index (types worker,
	// chief, ps, evaluator, master); for a TrainJob they are the JobSet's
	// jobset.sigs.k8s.io/replicatedjob-name (type node) and the Job
	// controller's batch.kubernetes.io/job-completion-index. Indexes 0 to 7.
	KWOKFailReplicaLabel = "kwok.kfpgo.dev/fail-replica"
	// KWOKExitCodeLabel is the failing replica's exit code. Optional:
	// defaults to 1.
	KWOKExitCodeLabel = "kwok.kfpgo.dev/exit-code"
	// KWOKReasonLabel is the failing replica's termination reason.
	// Optional: defaults to "Error".
	KWOKReasonLabel = "kwok.kfpgo.dev/reason"
)

// KWOKLogLines are the lines every KWOK container's log holds (served by
// KWOK's kubelet API through the API server's pods/log), so tests can check
// log streaming.
var KWOKLogLines = []string{"replica starting", "epoch 1/1 loss 0.40", "replica done"}

// kwokStages is KWOK's Stage configuration (kwok.x-k8s.io/v1alpha1) for
// pods: scheduled pods start Running; then the labels above decide; deleted
// pods go away at once. Nodes use KWOK's default node stages.
var kwokStages = template.Must(template.New("stages").Parse(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.podIP, operator: DoesNotExist}
  next:
    statusTemplate: |
      {{"{{"}} $now := Now {{"}}"}}
      conditions:
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "True", type: Initialized}
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "True", type: Ready}
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "True", type: ContainersReady}
      containerStatuses:
      {{"{{"}} range .spec.containers {{"}}"}}
      - image: {{"{{"}} .image | Quote {{"}}"}}
        name: {{"{{"}} .name | Quote {{"}}"}}
        ready: true
        restartCount: 0
        started: true
        state: {running: {startedAt: {{"{{"}} $now | Quote {{"}}"}}}}
      {{"{{"}} end {{"}}"}}
      hostIP: {{"{{"}} NodeIPWith .spec.nodeName | Quote {{"}}"}}
      podIP: {{"{{"}} PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote {{"}}"}}
      phase: Running
      startTime: {{"{{"}} $now | Quote {{"}}"}}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-succeed
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.phase, operator: In, values: [Running]}
    - {key: '.metadata.labels["{{.Outcome}}"]', operator: In, values: [succeed]}
  delay: {durationMilliseconds: 1000}
  next:
    statusTemplate: |
      {{"{{"}} $now := Now {{"}}"}}
      conditions:
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "False", type: Ready, reason: PodCompleted}
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "False", type: ContainersReady, reason: PodCompleted}
      containerStatuses:
      {{"{{"}} range .spec.containers {{"}}"}}
      - image: {{"{{"}} .image | Quote {{"}}"}}
        name: {{"{{"}} .name | Quote {{"}}"}}
        ready: false
        restartCount: 0
        started: false
        state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{"{{"}} $now | Quote {{"}}"}}, finishedAt: {{"{{"}} $now | Quote {{"}}"}}}}
      {{"{{"}} end {{"}}"}}
      phase: Succeeded
{{range .Replicas}}---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-fail-{{.Type}}-{{.Index}}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.phase, operator: In, values: [Running]}
    - {key: '.metadata.labels["{{$.FailReplica}}"]', operator: In, values: ["{{.Type}}-{{.Index}}"]}
    - {key: '.metadata.labels["{{.TypeLabel}}"]', operator: In, values: ["{{.Type}}"]}
    - {key: '.metadata.labels["{{.IndexLabel}}"]', operator: In, values: ["{{.Index}}"]}
  delay: {durationMilliseconds: 1000}
  next:
    statusTemplate: |
      {{"{{"}} $now := Now {{"}}"}}
      {{"{{"}} $code := or ( index .metadata.labels "{{$.ExitCode}}" ) "1" {{"}}"}}
      {{"{{"}} $reason := or ( index .metadata.labels "{{$.Reason}}" ) "Error" {{"}}"}}
      conditions:
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "False", type: Ready, reason: PodFailed}
      - {lastTransitionTime: {{"{{"}} $now | Quote {{"}}"}}, status: "False", type: ContainersReady, reason: PodFailed}
      containerStatuses:
      {{"{{"}} range .spec.containers {{"}}"}}
      - image: {{"{{"}} .image | Quote {{"}}"}}
        name: {{"{{"}} .name | Quote {{"}}"}}
        ready: false
        restartCount: 0
        started: false
        state: {terminated: {exitCode: {{"{{"}} $code {{"}}"}}, reason: {{"{{"}} $reason | Quote {{"}}"}}, startedAt: {{"{{"}} $now | Quote {{"}}"}}, finishedAt: {{"{{"}} $now | Quote {{"}}"}}}}
      {{"{{"}} end {{"}}"}}
      phase: Failed
{{end}}---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: Exists}
  next:
    finalizers: {empty: true}
    delete: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: replica-logs
spec:
  logs:
  - logsFile: {{.LogsFile}}
`))

// Pod labels that tell replicas apart, set by the operators and the Job
// controller (training-operator pkg/apis/kubeflow.org/v1 ReplicaTypeLabel
// and ReplicaIndexLabel, sigs.k8s.io/jobset api/jobset/v1alpha2
// ReplicatedJobNameKey, k8s.io/api/batch/v1 JobCompletionIndexAnnotation).
const (
	tfjobReplicaTypeLabel    = "training.kubeflow.org/replica-type"
	tfjobReplicaIndexLabel   = "training.kubeflow.org/replica-index"
	jobSetReplicatedJobLabel = "jobset.sigs.k8s.io/replicatedjob-name"
	jobCompletionIndexLabel  = "batch.kubernetes.io/job-completion-index"
)

// kwokReplica is one replica a pod-fail stage can fail: pods whose
// TypeLabel is Type and IndexLabel is Index.
type kwokReplica struct {
	TypeLabel, Type, IndexLabel string
	Index                       int
}

// startKWOK starts kube-scheduler and KWOK and creates the fake nodes.
func (k *Kube) startKWOK(ctx context.Context, bin string, pki *kubePKI, nodes int) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	if err := k.start(ctx, bin, "kube-scheduler", nil,
		"--kubeconfig="+k.Kubeconfig, "--authentication-kubeconfig="+k.Kubeconfig, "--authorization-kubeconfig="+k.Kubeconfig,
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", ports[0]), "--leader-elect=false", "--v=1"); err != nil {
		return err
	}
	logsFile := filepath.Join(k.Dir, "replica-cri.log")
	var cri strings.Builder
	for i, l := range KWOKLogLines {
		fmt.Fprintf(&cri, "%s stdout F %s\n", time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339Nano), l)
	}
	if err := os.WriteFile(logsFile, []byte(cri.String()), 0o644); err != nil {
		return err
	}
	var reps []kwokReplica
	for _, t := range []string{"worker", "chief", "ps", "evaluator", "master"} {
		for i := range 8 {
			reps = append(reps, kwokReplica{tfjobReplicaTypeLabel, t, tfjobReplicaIndexLabel, i})
		}
	}
	for i := range 8 {
		reps = append(reps, kwokReplica{jobSetReplicatedJobLabel, "node", jobCompletionIndexLabel, i})
	}
	var stages strings.Builder
	if err := kwokStages.Execute(&stages, map[string]any{
		"Outcome": KWOKOutcomeLabel, "FailReplica": KWOKFailReplicaLabel, "ExitCode": KWOKExitCodeLabel,
		"Reason": KWOKReasonLabel, "Replicas": reps, "LogsFile": logsFile,
	}); err != nil {
		return fmt.Errorf("KWOK stages: %w", err)
	}
	cfg := filepath.Join(k.Dir, "kwok.yaml")
	if err := os.WriteFile(cfg, []byte(stages.String()), 0o644); err != nil {
		return err
	}
	if err := k.start(ctx, bin, "kwok", []string{"HOME=" + k.Dir},
		"--kubeconfig="+k.Kubeconfig, "--config="+cfg,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-ip=127.0.0.1", fmt.Sprintf("--node-port=%d", ports[1]), fmt.Sprintf("--server-address=127.0.0.1:%d", ports[1]),
		"--tls-cert-file="+pki.serverCert, "--tls-private-key-file="+pki.serverKey,
		"--node-lease-duration-seconds=40", "--cidr=10.0.0.1/16"); err != nil {
		return err
	}
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	for i := range nodes {
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        fmt.Sprintf("kwok-node-%d", i),
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": fmt.Sprintf("kwok-node-%d", i), "kubernetes.io/os": "linux"},
			},
			Status: corev1.NodeStatus{
				Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"),
					corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("110")},
			},
		}
		n.Status.Allocatable = n.Status.Capacity
		if _, err := kc.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create KWOK node: %w", err)
		}
	}
	return k.waitFor(ctx, "kwok", func(ctx context.Context) error {
		nl, err := kc.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return err
		}
		for _, n := range nl.Items {
			ready := false
			for _, c := range n.Status.Conditions {
				ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
			}
			if !ready {
				return fmt.Errorf("node %s not Ready", n.Name)
			}
			// The API server's TaintNodesByCondition admission puts
			// node.kubernetes.io/not-ready:NoSchedule on every new node; in a
			// cluster the node lifecycle controller removes it once the node
			// is Ready. That controller does not run here (it would evict
			// KWOK's pods on lease hiccups under load), so do its part.
			taints := slices.DeleteFunc(slices.Clone(n.Spec.Taints), func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeNotReady })
			if len(taints) != len(n.Spec.Taints) {
				n.Spec.Taints = taints
				if _, err := kc.CoreV1().Nodes().Update(ctx, &n, metav1.UpdateOptions{}); err != nil {
					return fmt.Errorf("untaint node %s: %w", n.Name, err)
				}
			}
		}
		return nil
	})
}

// operatorNamespace is where the training-operator's webhook secret and
// service live (its MY_POD_NAMESPACE).
const operatorNamespace = "kubeflow"

// webhookCertDir is where the training-operator v1.9.3 reads its webhook
// serving certificate: a constant of its pkg/cert, not a flag, so two
// operators on one machine share it; lockWebhookCertDir serialises them.
// In a cluster the webhook secret is mounted there; its certificate
// rotator only waits for tls.crt to appear (it never writes the files), so
// the test control plane writes the secret's certificate there itself.
const webhookCertDir = "/tmp/k8s-webhook-server/serving-certs"

// lockWebhookCertDir takes an exclusive lock on webhookCertDir's parent
// for as long as this control plane's operator runs, waiting for one that
// another process holds (its control plane stops within its test run).
func lockWebhookCertDir(ctx context.Context) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(webhookCertDir), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(filepath.Dir(webhookCertDir), ".kfpgo-lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", filepath.Dir(webhookCertDir), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("another test control plane's training-operator holds %s: %w", filepath.Dir(webhookCertDir), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// startTrainingOperator registers the training-operator's validating
// webhooks (from its module's manifests, as its kustomize overlay names
// them) with a url clientConfig on 127.0.0.1 and the operator's webhook
// port, fills the operator's webhook secret with certificates for that
// address (and writes them into webhookCertDir, as the secret's volume
// would be), then starts the operator for TFJob and waits until a dry-run
// TFJob create passes its webhook. The operator's certificate rotator
// keeps those certificates and writes the CA into the webhooks' caBundle,
// as in a cluster.
func (k *Kube) startTrainingOperator(ctx context.Context, bin string) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	webhookPort := ports[2]
	lock, err := lockWebhookCertDir(ctx)
	if err != nil {
		return fmt.Errorf("start training-operator: %w", err)
	}
	k.mu.Lock()
	k.closers = append(k.closers, func() error {
		for _, name := range []string{"ca.crt", "ca.key", "tls.crt", "tls.key"} {
			os.Remove(filepath.Join(webhookCertDir, name))
		}
		return lock.Close()
	})
	k.mu.Unlock()
	if err := k.CreateNamespace(ctx, operatorNamespace); err != nil {
		return err
	}
	caCert, caKey, cert, key, err := ServingCerts("training-operator-ca", "training-operator."+operatorNamespace+".svc")
	if err != nil {
		return fmt.Errorf("start training-operator: %w", err)
	}
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	data := map[string][]byte{"ca.crt": caCert, "ca.key": caKey, "tls.crt": cert, "tls.key": key}
	if _, err := kc.CoreV1().Secrets(operatorNamespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "training-operator-webhook-cert", Namespace: operatorNamespace},
		Data:       data,
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("start training-operator: webhook secret: %w", err)
	}
	// In a cluster the kubelet mounts that secret at the operator's
	// certificate directory, and the rotator waits for the files there.
	if err := os.MkdirAll(webhookCertDir, 0o700); err != nil {
		return fmt.Errorf("start training-operator: %w", err)
	}
	for name, b := range data {
		if err := os.WriteFile(filepath.Join(webhookCertDir, name), b, 0o600); err != nil {
			return fmt.Errorf("start training-operator: %w", err)
		}
	}
	// The kustomize patch of manifests/base/webhook: the operator's name
	// for the configuration and its service.
	if err := k.registerWebhooks(ctx, TFJobCRDs.Module, "manifests/base/webhook/manifests.yaml",
		map[string]string{"ValidatingWebhookConfiguration": "validator.training-operator.kubeflow.org"}, webhookPort, nil, nil); err != nil {
		return fmt.Errorf("start training-operator: %w", err)
	}
	// TMPDIR=/tmp: the webhook server's certificate directory
	// (controller-runtime's default, under os.TempDir) is then the one the
	// rotator checks.
	if err := k.start(ctx, bin, "training-operator", []string{"KUBECONFIG=" + k.Kubeconfig, "MY_POD_NAMESPACE=" + operatorNamespace, "TMPDIR=/tmp"},
		"--enable-scheme=tfjob", "--gang-scheduler-name=",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", ports[0]),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", ports[1]),
		fmt.Sprintf("--webhook-server-port=%d", webhookPort), "--zap-log-level=info"); err != nil {
		return err
	}
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubeflow.org/v1", "kind": "TFJob",
		"metadata": map[string]any{"name": "webhook-probe", "namespace": "default"},
		"spec": map[string]any{"tfReplicaSpecs": map[string]any{"Worker": map[string]any{
			"replicas": int64(1), "template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"name": "tensorflow", "image": "probe"}}}}}}},
	}}
	dyn, err := dynamic.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	tfjobs := dyn.Resource(TFJobGVR).Namespace("default")
	return k.waitFor(ctx, "training-operator", func(ctx context.Context) error {
		_, err := tfjobs.Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		return nil
	})
}

// registerWebhooks creates the webhook configurations of a module's
// manifest file (a kubebuilder "manifests.yaml"): those whose kind names
// has, under that name, with each webhook's service clientConfig replaced
// by a url on https://127.0.0.1:<port> with the service's path, caBundle
// set when given (PEM), and edit applied to each webhook when not nil.
func (k *Kube) registerWebhooks(ctx context.Context, module, file string, names map[string]string, port int, caBundle []byte, edit func(hook map[string]any)) error {
	dir, err := moduleDir(ctx, module)
	if err != nil {
		return err
	}
	objs, err := ReadManifests(filepath.Join(dir, file))
	if err != nil {
		return err
	}
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	for _, o := range objs {
		name, ok := names[o.GetKind()]
		if !ok {
			continue
		}
		o.SetName(name)
		hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
		for _, h := range hooks {
			hook := h.(map[string]any)
			cc, _ := hook["clientConfig"].(map[string]any)
			svc, _ := cc["service"].(map[string]any)
			if svc == nil {
				return fmt.Errorf("%s %s in %s/%s: webhook %v has no service clientConfig", o.GetKind(), name, module, file, hook["name"])
			}
			path, _ := svc["path"].(string)
			delete(cc, "service")
			cc["url"] = fmt.Sprintf("https://127.0.0.1:%d%s", port, path)
			if caBundle != nil {
				cc["caBundle"] = base64.StdEncoding.EncodeToString(caBundle)
			}
			if edit != nil {
				edit(hook)
			}
		}
		_ = unstructured.SetNestedSlice(o.Object, hooks, "webhooks")
		if err := k.create(ctx, kc, dyn, o); err != nil {
			return err
		}
	}
	return nil
}

// TFJobGVR is the training-operator's TFJob resource.
var TFJobGVR = schema.GroupVersionResource{Group: "kubeflow.org", Version: "v1", Resource: "tfjobs"}
