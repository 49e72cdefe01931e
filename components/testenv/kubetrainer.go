package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// JobSetCRDs is the JobSet CRD (jobset.x-k8s.io/v1alpha2) at the version
// Trainer v2 requires; Trainer's JobSet runtime creates one JobSet per
// TrainJob.
var JobSetCRDs = CRDSource{Module: "sigs.k8s.io/jobset", Files: []string{
	"config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml"}}

// Resources of Trainer v2 and JobSet.
var (
	// TrainJobGVR is Trainer v2's TrainJob resource.
	TrainJobGVR = schema.GroupVersionResource{Group: "trainer.kubeflow.org", Version: "v1alpha1", Resource: "trainjobs"}
	// ClusterTrainingRuntimeGVR is Trainer v2's cluster-scoped runtime resource.
	ClusterTrainingRuntimeGVR = schema.GroupVersionResource{Group: "trainer.kubeflow.org", Version: "v1alpha1", Resource: "clustertrainingruntimes"}
	// JobSetGVR is JobSet's resource.
	JobSetGVR = schema.GroupVersionResource{Group: "jobset.x-k8s.io", Version: "v1alpha2", Resource: "jobsets"}
)

// TrainJobRuntime is the name of the ClusterTrainingRuntime that
// [StartKube] with KubeOptions.Trainer creates ([TrainJobRuntimeYAML]).
const TrainJobRuntime = "tensorflow-distributed"

// TrainJobRuntimeYAML is the ClusterTrainingRuntime [StartKube] creates
// for TrainJobs: the shape of Trainer's own runtimes
// (manifests/base/runtimes in github.com/kubeflow/trainer/v2) without an
// ML framework policy, so Trainer's plain-ML plugin sets the node count
// from TrainJob.spec.trainer.numNodes and passes the trainer's env as
// given. One replicated job "node" (labelled as the trainer step) with a
// container "node", as BuildTrainJob in components/distributedtrain
// targets; each node is one pod of an Indexed Job (restart policy Never,
// backoff limit 0), so a failing node fails the Job, the JobSet and the
// TrainJob at once instead of being retried in place.
const TrainJobRuntimeYAML = `apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata:
  name: ` + TrainJobRuntime + `
  labels:
    trainer.kubeflow.org/framework: tensorflow
spec:
  mlPolicy:
    numNodes: 1
  template:
    spec:
      replicatedJobs:
      - name: node
        template:
          metadata:
            labels:
              trainer.kubeflow.org/trainjob-ancestor-step: trainer
          spec:
            backoffLimit: 0
            template:
              spec:
                restartPolicy: Never
                containers:
                - name: node
                  image: tensorflow/tensorflow:2.16.1
`

// Where the JobSet controller and the Trainer controller manager live in a
// cluster (their kustomize bases: namespace and the webhook Service), for
// the DNS names of the webhook serving certificate.
const (
	jobSetWebhookDNS  = "jobset-webhook-service.jobset-system.svc"
	trainerWebhookDNS = "kubeflow-trainer-controller-manager.kubeflow-system.svc"
)

// startTrainer starts the JobSet controller and Trainer v2's controller
// manager, each with its webhooks registered on a url clientConfig on
// 127.0.0.1 and its own certificate management switched off: both serve one
// certificate (for 127.0.0.1 and their services' DNS names) that this
// control plane writes into its own directory, and the webhooks carry its
// CA. So unlike the training-operator they never touch the machine's
// /tmp/k8s-webhook-server/serving-certs: JobSet reads webhook.certDir from
// its configuration, and Trainer's webhook server (controller-runtime's
// default CertDir, under os.TempDir) runs with TMPDIR set to this
// control plane's directory. It then creates [TrainJobRuntimeYAML] through
// Trainer's webhook and waits until a dry-run TrainJob passes it.
func (k *Kube) startTrainer(ctx context.Context, bin string) error {
	ports, err := freePorts(6)
	if err != nil {
		return err
	}
	tmp := filepath.Join(k.Dir, "webhook-tmp")
	certDir := filepath.Join(tmp, "k8s-webhook-server", "serving-certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return fmt.Errorf("start trainer: %w", err)
	}
	caCert, _, cert, key, err := ServingCerts("kfpgo-webhook-ca", jobSetWebhookDNS, trainerWebhookDNS)
	if err != nil {
		return fmt.Errorf("start trainer: %w", err)
	}
	if err := os.WriteFile(filepath.Join(certDir, "tls.crt"), cert, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(certDir, "tls.key"), key, 0o600); err != nil {
		return err
	}

	// JobSet: its kustomize base prefixes the configurations' names with
	// "jobset-" and limits the pod webhooks to JobSet pods
	// (config/components/webhook/patches).
	jsHealth, jsMetrics, jsWebhook := ports[0], ports[1], ports[2]
	if err := k.registerWebhooks(ctx, JobSetCRDs.Module, "config/components/webhook/manifests.yaml", map[string]string{
		"MutatingWebhookConfiguration":   "jobset-mutating-webhook-configuration",
		"ValidatingWebhookConfiguration": "jobset-validating-webhook-configuration",
	}, jsWebhook, caCert, func(hook map[string]any) {
		if n := hook["name"]; n == "mpod.kb.io" || n == "vpod.kb.io" {
			hook["objectSelector"] = map[string]any{"matchExpressions": []any{
				map[string]any{"key": "jobset.sigs.k8s.io/jobset-name", "operator": "Exists"}}}
		}
	}); err != nil {
		return fmt.Errorf("start jobset: %w", err)
	}
	jsConfig := filepath.Join(k.Dir, "jobset-config.yaml")
	if err := os.WriteFile(jsConfig, fmt.Appendf(nil, `apiVersion: config.jobset.x-k8s.io/v1alpha1
kind: Configuration
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
webhook:
  host: 127.0.0.1
  port: %d
  certDir: %s
metrics:
  bindAddress: 127.0.0.1:%d
  certDir: %s
health:
  healthProbeBindAddress: 127.0.0.1:%d
clientConnection:
  qps: 200
  burst: 400
`, jsWebhook, certDir, jsMetrics, certDir, jsHealth), 0o600); err != nil {
		return err
	}
	if err := k.start(ctx, bin, "jobset", []string{"KUBECONFIG=" + k.Kubeconfig},
		"--config="+jsConfig, "--zap-devel=false", "--zap-log-level=info"); err != nil {
		return err
	}
	if err := k.waitHTTP(ctx, "jobset", http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/readyz", jsHealth)); err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	jsProbe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
		"metadata": map[string]any{"name": "webhook-probe", "namespace": "default"},
		"spec": map[string]any{"replicatedJobs": []any{map[string]any{
			"name": "node", "template": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"name": "node", "image": "probe"}}}}}}}}},
	}}
	podProbe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "webhook-probe", "namespace": "default",
			"labels": map[string]any{"jobset.sigs.k8s.io/jobset-name": "webhook-probe"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "node", "image": "probe"}}},
	}}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if err := k.waitFor(ctx, "jobset", func(ctx context.Context) error {
		if _, err := dyn.Resource(JobSetGVR).Namespace("default").Create(ctx, jsProbe, dryRun); err != nil {
			return err
		}
		_, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "pods"}).Namespace("default").Create(ctx, podProbe, dryRun)
		return err
	}); err != nil {
		return err
	}

	// Trainer: its kustomize base names the configuration
	// validator.trainer.kubeflow.org (manifests/base/webhook/patch.yaml).
	trHealth, trMetrics, trWebhook := ports[3], ports[4], ports[5]
	if err := k.registerWebhooks(ctx, TrainerCRDs.Module, "manifests/base/webhook/manifests.yaml", map[string]string{
		"ValidatingWebhookConfiguration": "validator.trainer.kubeflow.org",
	}, trWebhook, caCert, nil); err != nil {
		return fmt.Errorf("start trainer: %w", err)
	}
	trConfig := filepath.Join(k.Dir, "trainer-config.yaml")
	if err := os.WriteFile(trConfig, fmt.Appendf(nil, `apiVersion: config.trainer.kubeflow.org/v1alpha1
kind: Configuration
health:
  healthProbeBindAddress: 127.0.0.1:%d
  readinessEndpointName: readyz
  livenessEndpointName: healthz
metrics:
  bindAddress: 127.0.0.1:%d
  secureServing: true
webhook:
  host: 127.0.0.1
  port: %d
leaderElection:
  leaderElect: false
certManagement:
  enable: false
clientConnection:
  qps: 200
  burst: 400
`, trHealth, trMetrics, trWebhook), 0o600); err != nil {
		return err
	}
	if err := k.start(ctx, bin, "trainer-controller-manager", []string{"KUBECONFIG=" + k.Kubeconfig, "TMPDIR=" + tmp},
		"--config="+trConfig, "--zap-log-level=info"); err != nil {
		return err
	}
	if err := k.waitHTTP(ctx, "trainer-controller-manager", http.DefaultClient, fmt.Sprintf("http://127.0.0.1:%d/readyz", trHealth)); err != nil {
		return err
	}
	// The runtime goes through Trainer's webhook, so creating it also tells
	// that the webhook answers.
	if err := k.waitFor(ctx, "trainer-controller-manager", func(ctx context.Context) error {
		return k.apply(ctx, TrainJobRuntimeYAML)
	}); err != nil {
		return err
	}
	tjProbe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob",
		"metadata": map[string]any{"name": "webhook-probe", "namespace": "default"},
		"spec":     map[string]any{"runtimeRef": map[string]any{"name": TrainJobRuntime}},
	}}
	return k.waitFor(ctx, "trainer-controller-manager", func(ctx context.Context) error {
		_, err := dyn.Resource(TrainJobGVR).Namespace("default").Create(ctx, tjProbe, dryRun)
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		return nil
	})
}
