package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	wfv1 "github.com/argoproj/argo-workflows/v3/pkg/apis/workflow/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/components/testenv"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
)

// kube is etcd + kube-apiserver with Argo's full CRDs.
var kube *testenv.Kube

func TestMain(m *testing.M) {
	k, err := testenv.StartKube(context.Background(), testenv.KubeOptions{CRDs: []testenv.CRDSource{testenv.ArgoCRDs}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "Argo apply tests need the test control plane:", err)
		os.Exit(1)
	}
	kube = k
	// No kube-controller-manager runs here, so nothing creates the
	// namespace's "default" service account that pod admission looks up;
	// create it as the service account controller would.
	kc, err := kubernetes.NewForConfig(k.Config)
	if err == nil {
		_, err = kc.CoreV1().ServiceAccounts(ns).Create(context.Background(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Argo apply tests: create the default service account:", err)
		k.Stop()
		os.Exit(1)
	}
	code := m.Run()
	k.Stop()
	os.Exit(code)
}

const ns = "default"

var argoResources = map[string]string{"Workflow": "workflows", "WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows"}

// create creates an Argo object as the API server would receive it from
// `kubectl create -f` (server-side dry run: schema validation and
// admission, nothing stored).
func create(t *testing.T, doc []byte) *unstructured.Unstructured {
	t.Helper()
	var u unstructured.Unstructured
	require.NoError(t, yaml.Unmarshal(doc, &u.Object))
	res, ok := argoResources[u.GetKind()]
	require.True(t, ok, "kind %q", u.GetKind())
	dyn, err := dynamic.NewForConfig(kube.Config)
	require.NoError(t, err)
	gvr := schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: res}
	out, err := dyn.Resource(gvr).Namespace(ns).Create(t.Context(), &u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
	require.NoError(t, err, "the API server refuses the %s", u.GetKind())
	return out
}

// goldens are the files `kfpgo compile --target argo` writes for the
// compiler's golden cases (kept byte-identical by compiler/argo's TestGolden).
func goldens(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "golden", "argo", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[strings.TrimSuffix(filepath.Base(p), ".yaml")] = b
	}
	return out
}

// TestGoldensCreate creates every golden Workflow, WorkflowTemplate and
// CronWorkflow in the API server with Argo's full CRD schemas and strict
// field validation (an unknown or misspelt field is an error).
func TestGoldensCreate(t *testing.T) {
	kinds := map[string]int{}
	for name, doc := range goldens(t) {
		t.Run(name, func(t *testing.T) {
			u := create(t, doc)
			kinds[u.GetKind()]++
		})
	}
	assert.Positive(t, kinds["Workflow"])
	assert.Equal(t, 1, kinds["WorkflowTemplate"])
	assert.Equal(t, 1, kinds["CronWorkflow"])
}

// TestCartrainCreate compiles the reference pipeline as each Argo kind and
// creates it.
func TestCartrainCreate(t *testing.T) {
	for _, opts := range []argo.Options{
		{Kind: argo.KindWorkflow},
		{Kind: argo.KindWorkflowTemplate},
		{Kind: argo.KindCronWorkflow, Schedule: "0 3 * * *", Timezone: "Europe/Paris"},
	} {
		t.Run(opts.Kind, func(t *testing.T) {
			res, err := argo.Compile(cartrain.Pipeline, opts)
			require.NoError(t, err)
			create(t, res.YAML)
			pods(t, "cartrain-"+opts.Kind, res.YAML)
		})
	}
}

// placeholder matches Argo's {{...}} expressions, which Argo substitutes
// before it creates a pod.
var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

// podsOf builds, for every container template of a workflow spec, the pod
// Argo's controller would create from it (main container, init containers,
// volumes, node selector, affinity, tolerations, security context,
// metadata, podSpecPatch) with each {{...}} replaced by "p"; and the
// objects of create-resource templates with the literal arguments the DAG
// passes in.
func podsOf(t *testing.T, spec wfv1.WorkflowSpec) (pods []corev1.Pod, objects []*unstructured.Unstructured) {
	t.Helper()
	args := map[string]map[string]string{} // template → parameter → literal value
	for _, tmpl := range spec.Templates {
		if tmpl.DAG == nil {
			continue
		}
		for _, task := range tmpl.DAG.Tasks {
			for _, p := range task.Arguments.Parameters {
				if p.Value != nil && !strings.Contains(p.Value.String(), "{{") {
					if args[task.Template] == nil {
						args[task.Template] = map[string]string{}
					}
					args[task.Template][p.Name] = p.Value.String()
				}
			}
		}
	}
	for _, tmpl := range spec.Templates {
		if r := tmpl.Resource; r != nil && r.Action == "create" {
			m := placeholder.ReplaceAllStringFunc(r.Manifest, func(s string) string {
				name := strings.TrimSpace(s[2 : len(s)-2])
				if v, ok := args[tmpl.Name][strings.TrimPrefix(name, "inputs.parameters.")]; ok {
					return v
				}
				return "p"
			})
			var u unstructured.Unstructured
			require.NoError(t, yaml.Unmarshal([]byte(m), &u.Object), "template %s manifest:\n%s", tmpl.Name, m)
			objects = append(objects, &u)
		}
		if tmpl.Container == nil {
			continue
		}
		ps := corev1.PodSpec{
			Containers:         []corev1.Container{*tmpl.Container},
			Volumes:            append(slices.Clone(spec.Volumes), tmpl.Volumes...),
			NodeSelector:       tmpl.NodeSelector,
			Affinity:           tmpl.Affinity,
			Tolerations:        tmpl.Tolerations,
			SecurityContext:    tmpl.SecurityContext,
			ServiceAccountName: tmpl.ServiceAccountName,
			ImagePullSecrets:   spec.ImagePullSecrets,
			RestartPolicy:      corev1.RestartPolicyNever,
		}
		for _, ic := range tmpl.InitContainers {
			ps.InitContainers = append(ps.InitContainers, ic.Container)
		}
		for i := range ps.Containers {
			if ps.Containers[i].Name == "" {
				ps.Containers[i].Name = "main"
			}
		}
		js, err := json.Marshal(ps)
		require.NoError(t, err)
		for _, patch := range []string{spec.PodSpecPatch, tmpl.PodSpecPatch} {
			if patch == "" {
				continue
			}
			js, err = strategicpatch.StrategicMergePatch(js, []byte(patch), corev1.PodSpec{})
			require.NoError(t, err, "template %s podSpecPatch %s", tmpl.Name, patch)
		}
		js = placeholder.ReplaceAll(js, []byte("p"))
		var pod corev1.Pod
		require.NoError(t, json.Unmarshal(js, &pod.Spec))
		pod.Name = "t-" + strings.ToLower(strings.ReplaceAll(tmpl.Name, "_", "-"))
		lbl, _ := json.Marshal(tmpl.Metadata)
		require.NoError(t, json.Unmarshal(placeholder.ReplaceAll(lbl, []byte("p")), &struct {
			Labels      *map[string]string `json:"labels"`
			Annotations *map[string]string `json:"annotations"`
		}{&pod.Labels, &pod.Annotations}))
		pods = append(pods, pod)
	}
	return pods, objects
}

// pods checks the pods and created objects of one compiled file with the
// API server's own validation (dry-run create).
func pods(t *testing.T, name string, doc []byte) {
	t.Helper()
	var wf struct {
		Kind string            `json:"kind"`
		Spec wfv1.WorkflowSpec `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(doc, &wf))
	spec := wf.Spec
	if wf.Kind == "CronWorkflow" { // the workflow spec is nested
		var cw wfv1.CronWorkflow
		require.NoError(t, yaml.Unmarshal(doc, &cw))
		spec = cw.Spec.WorkflowSpec
	}
	kc, err := kubernetes.NewForConfig(kube.Config)
	require.NoError(t, err)
	dyn, err := dynamic.NewForConfig(kube.Config)
	require.NoError(t, err)
	ps, objs := podsOf(t, spec)
	require.NotEmpty(t, ps, "%s has container templates", name)
	for _, p := range ps {
		_, err := kc.CoreV1().Pods(ns).Create(t.Context(), &p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
		require.NoError(t, err, "%s: the API server refuses the pod of template %s", name, p.Name)
	}
	for _, o := range objs {
		gvr := schema.GroupVersionResource{Version: "v1", Resource: strings.ToLower(o.GetKind()) + "s"}
		if o.GetKind() == "PersistentVolumeClaim" {
			gvr.Resource = "persistentvolumeclaims"
		}
		_, err := dyn.Resource(gvr).Namespace(ns).Create(t.Context(), o, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict})
		require.NoError(t, err, "%s: the API server refuses the %s its resource template creates", name, o.GetKind())
	}
}

// TestGoldenPods checks the pod specs that the golden workflows describe
// (PlatformSpec: tolerations, node selector, affinity, security context,
// init containers, volumes from secrets, config maps and PVCs, pull
// secrets, pod metadata) and the PVCs they create, with the API server's
// validation of core/v1 Pods and PersistentVolumeClaims.
func TestGoldenPods(t *testing.T) {
	for name, doc := range goldens(t) {
		t.Run(name, func(t *testing.T) { pods(t, name, doc) })
	}
}
