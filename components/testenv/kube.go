package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ErrControlPlaneNotBuilt is wrapped by [StartKube]'s error when the control
// plane binaries are not in the cache; the error says how to build them
// (make setup, i.e. tools/controlplane/build.sh).
var ErrControlPlaneNotBuilt = errors.New("control plane binaries not built")

// CRDSource names CustomResourceDefinition manifests inside a Go module that
// the kfpgo module requires; they are read from the module cache (go mod
// download -json gives the directory), never copied into this repository.
type CRDSource struct {
	// Module is the module path as in kfpgo's go.mod, e.g.
	// "github.com/kubeflow/training-operator"; its version is the one go.mod pins.
	Module string
	// Files are paths inside the module, each a YAML file of one or more
	// CustomResourceDefinitions.
	Files []string
}

// The CRDs of the projects kfpgo targets, at the versions go.mod pins.
var (
	// TFJobCRDs is the training-operator's TFJob (kubeflow.org/v1).
	TFJobCRDs = CRDSource{Module: "github.com/kubeflow/training-operator", Files: []string{
		"manifests/base/crds/kubeflow.org_tfjobs.yaml"}}
	// TrainerCRDs are Trainer v2's TrainJob, TrainingRuntime and
	// ClusterTrainingRuntime (trainer.kubeflow.org/v1alpha1).
	TrainerCRDs = CRDSource{Module: "github.com/kubeflow/trainer/v2", Files: []string{
		"manifests/base/crds/trainer.kubeflow.org_trainjobs.yaml",
		"manifests/base/crds/trainer.kubeflow.org_trainingruntimes.yaml",
		"manifests/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml"}}
	// ArgoCRDs are Argo Workflows' full CRDs (with the OpenAPI schemas the
	// API server validates against): Workflow, WorkflowTemplate,
	// ClusterWorkflowTemplate, CronWorkflow and the rest of argoproj.io/v1alpha1.
	ArgoCRDs = CRDSource{Module: "github.com/argoproj/argo-workflows/v3", Files: []string{
		"manifests/base/crds/full/argoproj.io_clusterworkflowtemplates.yaml",
		"manifests/base/crds/full/argoproj.io_cronworkflows.yaml",
		"manifests/base/crds/full/argoproj.io_workflowartifactgctasks.yaml",
		"manifests/base/crds/full/argoproj.io_workfloweventbindings.yaml",
		"manifests/base/crds/full/argoproj.io_workflows.yaml",
		"manifests/base/crds/full/argoproj.io_workflowtaskresults.yaml",
		"manifests/base/crds/full/argoproj.io_workflowtasksets.yaml",
		"manifests/base/crds/full/argoproj.io_workflowtemplates.yaml"}}
)

// KubeOptions configures [StartKube]. The zero value starts etcd and
// kube-apiserver only.
type KubeOptions struct {
	// BinDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kwok, training-operator, jobset and
	// trainer-controller-manager. Optional: defaults to
	// $KFPGO_CONTROLPLANE_DIR, else the directory tools/controlplane/build.sh
	// builds into for the pinned versions.
	BinDir string
	// CRDs are installed and waited for (Established) before StartKube returns.
	CRDs []CRDSource
	// ControllerManager starts kube-controller-manager with the service
	// account, token, namespace, garbage collector and job controllers.
	// Implied by KWOK and TrainingOperator.
	ControllerManager bool
	// KWOK starts kube-scheduler and KWOK with [KWOKStages] and creates
	// Nodes fake nodes (kwok.x-k8s.io/node=fake) for the pods to run on.
	KWOK bool
	// Nodes is the number of KWOK nodes. Optional: defaults to 2.
	Nodes int
	// TrainingOperator installs the TFJob CRD, starts the training-operator
	// (TFJob scheme only) and registers its validating webhook, so TFJobs
	// pass the operator's real admission. Implies ControllerManager.
	TrainingOperator bool
	// Trainer installs the TrainJob, TrainingRuntime,
	// ClusterTrainingRuntime and JobSet CRDs, starts the JobSet controller
	// and Trainer v2's controller manager with their webhooks, and creates
	// the ClusterTrainingRuntime [TrainJobRuntime], so TrainJobs pass
	// Trainer's real admission and become JobSets, Jobs and pods. Implies
	// ControllerManager (the Job controller and the garbage collector).
	Trainer bool
	// StartTimeout bounds the whole start. Optional: defaults to 3 minutes.
	StartTimeout time.Duration
}

// Kube is a running test control plane. Its processes log into Dir.
type Kube struct {
	// Dir is the temporary directory: certificates, etcd data, logs
	// (<component>.log) and the admin kubeconfig.
	Dir string
	// Kubeconfig is the path of the admin kubeconfig (group system:masters).
	Kubeconfig string
	// Config is the admin REST config.
	Config *rest.Config
	// Host is the API server URL, "https://127.0.0.1:<port>".
	Host string
	// Versions are the components' versions as their binaries report them.
	Versions map[string]string

	mu      sync.Mutex
	procs   []*kubeProc
	closers []func() error // run by Stop after the processes end
}

type kubeProc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// ControlPlaneBinDir returns where tools/controlplane/build.sh puts the
// binaries for the versions pinned in tools/controlplane/*/go.mod:
// $KFPGO_CONTROLPLANE_CACHE or $XDG_CACHE_HOME/kfpgo/controlplane or
// ~/.cache/kfpgo/controlplane, then "k8s-<version>-<12 hex digits of the
// SHA-256 of the sha256sum listing of the tools' go.mod, go.sum and .go
// files>". It reads those files from the source tree of this package.
func ControlPlaneBinDir() (string, error) {
	if d := os.Getenv("KFPGO_CONTROLPLANE_DIR"); d != "" {
		return d, nil
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("locate tools/controlplane: no caller information")
	}
	tools := filepath.Join(filepath.Dir(self), "..", "..", "tools", "controlplane")
	var files []string
	err := filepath.WalkDir(tools, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if n := d.Name(); !d.IsDir() && (n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".go")) {
			rel, _ := filepath.Rel(tools, p)
			files = append(files, "./"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read tools/controlplane: %w", err)
	}
	slices.Sort(files)
	var listing bytes.Buffer
	k8s := ""
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(tools, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&listing, "%x  %s\n", sha256.Sum256(b), f)
		if f == "./kube/go.mod" {
			for _, line := range strings.Split(string(b), "\n") {
				if fs := strings.Fields(line); len(fs) >= 2 && fs[0] == "k8s.io/kubernetes" {
					k8s = fs[1]
				}
			}
		}
	}
	sum := sha256.Sum256(listing.Bytes())
	root := os.Getenv("KFPGO_CONTROLPLANE_CACHE")
	if root == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("locate the control plane cache: %w", err)
		}
		root = filepath.Join(c, "kfpgo", "controlplane")
	}
	return filepath.Join(root, "k8s-"+k8s+"-"+hex.EncodeToString(sum[:])[:12]), nil
}

// StartKube starts a Kubernetes control plane on loopback in a temporary
// directory: etcd, kube-apiserver (RBAC and Node authorization, the default
// admission plugins, a service-account signing key), and as opts ask
// kube-controller-manager, kube-scheduler, KWOK nodes, the
// training-operator, and the JobSet controller with Trainer v2, then
// installs opts.CRDs. It returns once the API server is ready, the CRDs are
// established and the operators' webhooks answer.
//
// Errors: a wrapped [ErrControlPlaneNotBuilt] when the binaries are missing;
// otherwise the failing step with the end of its component's log. Nothing
// keeps running on error.
func StartKube(ctx context.Context, opts KubeOptions) (_ *Kube, err error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 3 * time.Minute
	}
	if opts.Nodes <= 0 {
		opts.Nodes = 2
	}
	if opts.TrainingOperator {
		opts.ControllerManager = true
		if !slices.ContainsFunc(opts.CRDs, func(s CRDSource) bool { return s.Module == TFJobCRDs.Module }) {
			opts.CRDs = append(opts.CRDs, TFJobCRDs)
		}
	}
	if opts.Trainer {
		opts.ControllerManager = true
		for _, c := range []CRDSource{TrainerCRDs, JobSetCRDs} {
			if !slices.ContainsFunc(opts.CRDs, func(s CRDSource) bool { return s.Module == c.Module }) {
				opts.CRDs = append(opts.CRDs, c)
			}
		}
	}
	if opts.KWOK {
		opts.ControllerManager = true
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	bin := opts.BinDir
	if bin == "" {
		if bin, err = ControlPlaneBinDir(); err != nil {
			return nil, fmt.Errorf("start control plane: %w", err)
		}
	}
	need := []string{"etcd", "kube-apiserver"}
	if opts.ControllerManager {
		need = append(need, "kube-controller-manager")
	}
	if opts.KWOK {
		need = append(need, "kube-scheduler", "kwok")
	}
	if opts.TrainingOperator {
		need = append(need, "training-operator")
	}
	if opts.Trainer {
		need = append(need, "jobset", "trainer-controller-manager")
	}
	for _, n := range need {
		if _, err := os.Stat(filepath.Join(bin, n)); err != nil {
			return nil, fmt.Errorf("start control plane: %s not in %s: build the pinned control plane with `make setup` (runs tools/controlplane/build.sh; the first build takes about 20 minutes on 2 cores): %w",
				n, bin, ErrControlPlaneNotBuilt)
		}
	}
	dir, err := os.MkdirTemp("", "kfpgo-kube-")
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	k := &Kube{Dir: dir, Versions: map[string]string{}}
	defer func() {
		if err != nil {
			k.Stop()
		}
	}()
	pki, err := newKubePKI(dir)
	if err != nil {
		return nil, fmt.Errorf("start control plane: certificates: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	if err := k.start(ctx, bin, "etcd", nil,
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", ports[1]),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", ports[1]),
		fmt.Sprintf("--initial-cluster=default=http://127.0.0.1:%d", ports[1]),
		"--unsafe-no-fsync", "--listen-metrics-urls=", "--log-level=warn"); err != nil {
		return nil, err
	}
	if err := k.waitHTTP(ctx, "etcd", http.DefaultClient, etcdURL+"/health"); err != nil {
		return nil, err
	}
	k.Host = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	if err := k.start(ctx, bin, "kube-apiserver", nil,
		"--etcd-servers="+etcdURL, "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", ports[2]),
		"--advertise-address=10.0.0.1", "--endpoint-reconciler-type=none",
		"--service-cluster-ip-range=10.0.0.0/24", "--allow-privileged=true",
		"--authorization-mode=Node,RBAC", "--enable-aggregator-routing=true",
		"--client-ca-file="+pki.caCert, "--tls-cert-file="+pki.serverCert, "--tls-private-key-file="+pki.serverKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+pki.saPub, "--service-account-signing-key-file="+pki.saKey,
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--kubelet-client-certificate="+pki.adminCert, "--kubelet-client-key="+pki.adminKey,
		"--profiling=false", "--v=1"); err != nil {
		return nil, err
	}
	k.Config = &rest.Config{Host: k.Host, QPS: 200, Burst: 400, TLSClientConfig: rest.TLSClientConfig{
		CAData: pki.caPEM, CertData: pki.adminPEM, KeyData: pki.adminKP}}
	k.Kubeconfig = filepath.Join(dir, "admin.kubeconfig")
	if err := writeKubeconfig(k.Kubeconfig, k.Host, pki); err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	hc, err := rest.HTTPClientFor(k.Config)
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	if err := k.waitHTTP(ctx, "kube-apiserver", hc, k.Host+"/readyz"); err != nil {
		return nil, err
	}
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return nil, err
	}
	if v, err := kc.Discovery().ServerVersion(); err == nil {
		k.Versions["kube-apiserver"] = v.GitVersion
	}
	// CRDs first, so that the garbage collector discovers them at start.
	if err := k.installCRDs(ctx, opts.CRDs); err != nil {
		return nil, err
	}
	if opts.ControllerManager {
		p, err := freePorts(1)
		if err != nil {
			return nil, err
		}
		if err := k.start(ctx, bin, "kube-controller-manager", nil,
			"--kubeconfig="+k.Kubeconfig, "--authentication-kubeconfig="+k.Kubeconfig, "--authorization-kubeconfig="+k.Kubeconfig,
			"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", p[0]), "--leader-elect=false",
			"--controllers=serviceaccount-controller,serviceaccount-token-controller,namespace-controller,garbage-collector-controller,job-controller,root-ca-certificate-publisher-controller,persistentvolume-binder-controller",
			"--service-account-private-key-file="+pki.saKey, "--root-ca-file="+pki.caCert,
			"--use-service-account-credentials=false", "--concurrent-gc-syncs=5",
			// The PV binder binds a claim on its events and on this resync; 1s
			// instead of 15s, so a pre-bound claim never waits on the period.
			"--pvclaimbinder-sync-period=1s", "--v=1"); err != nil {
			return nil, err
		}
		// The service-account controller creating "default" is the sign that
		// the controllers run (pods need it to pass admission).
		if err := k.waitFor(ctx, "kube-controller-manager", func(ctx context.Context) error {
			_, err := kc.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err
		}); err != nil {
			return nil, err
		}
	}
	if opts.KWOK {
		if err := k.startKWOK(ctx, bin, pki, opts.Nodes); err != nil {
			return nil, err
		}
	}
	if opts.TrainingOperator {
		if err := k.startTrainingOperator(ctx, bin); err != nil {
			return nil, err
		}
	}
	if opts.Trainer {
		if err := k.startTrainer(ctx, bin); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Stop ends every process (SIGTERM, then SIGKILL after 10 seconds) in
// reverse start order and removes Dir. Safe to call twice.
func (k *Kube) Stop() {
	k.mu.Lock()
	procs, closers := k.procs, k.closers
	k.procs, k.closers = nil, nil
	k.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		stopProcess(procs[i].cmd, procs[i].done, syscall.SIGTERM, 10*time.Second)
	}
	for _, c := range closers {
		c()
	}
	if k.Dir != "" && os.Getenv("KFPGO_KEEP_CONTROLPLANE") == "" {
		os.RemoveAll(k.Dir)
	}
}

// LogTail returns the last n bytes of a component's log ("kube-apiserver",
// "training-operator", "kwok", ...), for test failure messages.
func (k *Kube) LogTail(component string, n int) string {
	return tail(filepath.Join(k.Dir, component+".log"), n)
}

// start runs bin/name with args, logging to Dir/name.log.
func (k *Kube) start(ctx context.Context, bin, name string, env []string, args ...string) error {
	logPath := filepath.Join(k.Dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	defer f.Close()
	cmd := command(nil, filepath.Join(bin, name), args...)
	cmd.Dir = k.Dir
	cmd.Stdout, cmd.Stderr = f, f
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &kubeProc{name: name, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { _ = cmd.Wait(); close(p.done) }()
	k.mu.Lock()
	k.procs = append(k.procs, p)
	k.mu.Unlock()
	return nil
}

// exited reports a component that is no longer running.
func (k *Kube) exited(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range k.procs {
		if p.name != name {
			continue
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v); end of %s:\n%s", name, p.cmd.ProcessState, p.log, tail(p.log, 3000))
		default:
		}
	}
	return nil
}

// waitFor polls check every 200ms until it returns nil, the component
// exits, or ctx ends.
func (k *Kube) waitFor(ctx context.Context, name string, check func(context.Context) error) error {
	var last error
	for {
		if err := k.exited(name); err != nil {
			return fmt.Errorf("start control plane: %w", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		last = check(cctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("start control plane: %s not ready: %v; end of its log:\n%s", name, last, k.LogTail(name, 3000))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (k *Kube) waitHTTP(ctx context.Context, name string, hc *http.Client, url string) error {
	return k.waitFor(ctx, name, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
		}
		return nil
	})
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func writeKubeconfig(path, host string, p *kubePKI) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: p.caPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: p.adminPEM, ClientKeyData: p.adminKP}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin"}
	cfg.CurrentContext = "test"
	return clientcmd.WriteToFile(*cfg, path)
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// moduleDir returns the module cache directory of a module kfpgo requires,
// downloading it through the Go proxy if needed.
func moduleDir(ctx context.Context, module string) (string, error) {
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	cmd.Dir = filepath.Dir(self)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w: %s %s", module, err, out, stderr.Bytes())
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", module, err)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory: %s", module, m.Error)
	}
	return m.Dir, nil
}

// ReadManifests decodes every object of a multi-document YAML file.
func ReadManifests(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 1<<16)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) > 0 {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

func (k *Kube) installCRDs(ctx context.Context, srcs []CRDSource) error {
	if len(srcs) == 0 {
		return nil
	}
	dyn, err := dynamic.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	var names []string
	for _, s := range srcs {
		dir, err := moduleDir(ctx, s.Module)
		if err != nil {
			return fmt.Errorf("install CRDs: %w", err)
		}
		for _, f := range s.Files {
			objs, err := ReadManifests(filepath.Join(dir, f))
			if err != nil {
				return fmt.Errorf("install CRDs of %s: %w", s.Module, err)
			}
			for _, o := range objs {
				if _, err := dyn.Resource(crdResource).Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					return fmt.Errorf("install CRD %s from %s/%s: %w", o.GetName(), s.Module, f, err)
				}
				names = append(names, o.GetName())
			}
		}
	}
	for _, n := range names {
		err := k.waitFor(ctx, "kube-apiserver", func(ctx context.Context) error {
			u, err := dyn.Resource(crdResource).Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, c := range conds {
				if m, _ := c.(map[string]any); m["type"] == "Established" && m["status"] == "True" {
					return nil
				}
			}
			return fmt.Errorf("CRD %s not established", n)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// apply creates objects given as YAML (one or more documents).
func (k *Kube) apply(ctx context.Context, manifests string) error {
	dyn, err := dynamic.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifests), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if len(m) == 0 {
			continue
		}
		if err := k.create(ctx, kc, dyn, &unstructured.Unstructured{Object: m}); err != nil {
			return err
		}
	}
}

// create creates one object through discovery's resource mapping.
func (k *Kube) create(ctx context.Context, kc kubernetes.Interface, dyn dynamic.Interface, u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	res, err := kc.Discovery().ServerResourcesForGroupVersion(gvk.GroupVersion().String())
	if err != nil {
		return fmt.Errorf("create %s %s: %w", gvk.Kind, u.GetName(), err)
	}
	for _, r := range res.APIResources {
		if r.Kind != gvk.Kind || strings.Contains(r.Name, "/") {
			continue
		}
		ri := dyn.Resource(gvk.GroupVersion().WithResource(r.Name))
		var err error
		if r.Namespaced {
			_, err = ri.Namespace(u.GetNamespace()).Create(ctx, u, metav1.CreateOptions{})
		} else {
			_, err = ri.Create(ctx, u, metav1.CreateOptions{})
		}
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %s %s: %w", gvk.Kind, u.GetName(), err)
		}
		return nil
	}
	return fmt.Errorf("create %s %s: kind not served by the API server", gvk.Kind, u.GetName())
}

// CreateNamespace creates a namespace and waits for its "default" service
// account (made by kube-controller-manager when it runs).
func (k *Kube) CreateNamespace(ctx context.Context, name string) error {
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return err
	}
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	if k.exited("kube-controller-manager") != nil || !k.running("kube-controller-manager") {
		return nil
	}
	return k.waitFor(ctx, "kube-controller-manager", func(ctx context.Context) error {
		_, err := kc.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
}

func (k *Kube) running(name string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.ContainsFunc(k.procs, func(p *kubeProc) bool { return p.name == name })
}

// ServiceAccountConfig creates service account ns/name (if missing) and
// returns a REST config that authenticates as it with a token from the
// TokenRequest API (valid one hour), as a pod running under that account
// would.
func (k *Kube) ServiceAccountConfig(ctx context.Context, ns, name string) (*rest.Config, error) {
	kc, err := kubernetes.NewForConfig(k.Config)
	if err != nil {
		return nil, err
	}
	_, err = kc.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create service account %s/%s: %w", ns, name, err)
	}
	tr, err := kc.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authTokenRequest, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("request a token for %s/%s: %w", ns, name, err)
	}
	return &rest.Config{Host: k.Host, BearerToken: tr.Status.Token, QPS: 100, Burst: 200,
		TLSClientConfig: rest.TLSClientConfig{CAData: k.Config.CAData}}, nil
}

// Apply creates the objects of a multi-document YAML string with the admin
// identity (an object that already exists is left as it is).
func (k *Kube) Apply(ctx context.Context, manifests string) error { return k.apply(ctx, manifests) }
