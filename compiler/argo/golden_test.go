package argo_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/compiler/conformance"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/argo/*.yaml from the current output")

// goldenCases are one pipeline (at least) per feature; the golden file is
// testdata/golden/argo/<name>.yaml.
var goldenCases = []struct {
	name, port string
	opts       argo.Options
}{
	{name: "conditions", port: "kfp-ir/if_elif_else_with_oneof_parameters.yaml"},
	{name: "condition", port: "kfp-ir/essential/pipeline_with_condition.yaml"},
	{name: "loops", port: "kfp-ir/parallel_and_nested/pipeline_with_loops.yaml"},
	{name: "collected", port: "kfp-ir/critical/collected_parameters.yaml"},
	{name: "exit-handler", port: "kfp-ir/pipeline_with_task_final_status.yaml"},
	{name: "nested", port: "kfp-ir/nested_return.yaml"},
	{name: "retry", port: "kfp-ir/critical/pipeline_with_retry.yaml"},
	{name: "caching", port: "kfp-ir/critical/parameter_cache.yaml"},
	{name: "after", port: "kfp-ir/essential/pipeline_with_after.yaml"},
	{name: "artifacts", port: "kfp-ir/critical/artifact_crust.yaml"},
	{name: "placeholders", port: "kfp-ir/critical/pipeline_with_placeholders.yaml"},
	{name: "gpu", port: "kfp-ir/gpu-scheduling/nvidia_gpu_scheduling_check.yaml"},
	{name: "k8s-secret-env", port: "kfp-kubernetes/secret_as_env.yaml"},
	{name: "k8s-secret-volume", port: "kfp-kubernetes/secret_as_vol.yaml"},
	{name: "k8s-config-map", port: "kfp-kubernetes/config_map_as_vol.yaml"},
	{name: "k8s-pvc", port: "kfp-kubernetes/create_mount_delete_dynamic_pvc.yaml"},
	{name: "k8s-node-affinity", port: "kfp-kubernetes/nodeaffinity.yaml"},
	{name: "k8s-node-selector", port: "kfp-kubernetes/node_selector.yaml"},
	{name: "k8s-tolerations", port: "kfp-kubernetes/toleration.yaml"},
	{name: "k8s-pull-secrets", port: "kfp-kubernetes/image_pull_secrets.yaml"},
	{name: "k8s-timeout", port: "kfp-kubernetes/timeout.yaml"},
	{name: "k8s-pod-metadata", port: "kfp-ir/create_pod_metadata_complex.yaml"},
	{name: "k8s-init-container", port: "kfp-kubernetes/init_container.yaml"},
	{name: "k8s-security-context", port: "kfp-kubernetes/security_context.yaml"},
	{name: "cron", port: "kfp-ir/hello_world.yaml", opts: argo.Options{Schedule: "0 3 * * 1-5", Timezone: "Europe/Paris"}},
	{name: "workflow-template", port: "kfp-ir/hello_world.yaml", opts: argo.Options{Kind: argo.KindWorkflowTemplate}},
}

// TestGolden compares the whole YAML with testdata/golden/argo/<name>.yaml
// (run with -update to rewrite) and checks that compiling twice gives the
// same bytes.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := conformance.Cases[tc.port]
			require.True(t, ok, "no conformance port %s", tc.port)
			opts := tc.opts
			opts.DisableCaching = c.Options.DisableCaching
			res, err := argo.Compile(c.Pipeline, opts)
			require.NoError(t, err)
			again, err := argo.Compile(c.Pipeline, opts)
			require.NoError(t, err)
			require.Equal(t, string(res.YAML), string(again.YAML), "output is not deterministic")
			path := filepath.Join("..", "..", "testdata", "golden", "argo", tc.name+".yaml")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, res.YAML, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test ./compiler/argo -run TestGolden -update` to create it")
			if string(want) != string(res.YAML) {
				d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(res.YAML)),
					FromFile: path, ToFile: "got", Context: 3})
				t.Fatalf("%s differs (-want +got):\n%s", path, strings.TrimSpace(d))
			}
		})
	}
}
