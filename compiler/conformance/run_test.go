package conformance

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
	"github.com/kfpgo/kfpgo/sdk/executor"
	"github.com/kfpgo/kfpgo/sdk/launcher"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/local/localtest"
)

// caseFuncs returns the Go-function ports that pipeline g uses, nested
// pipelines included: byName holds every port, and same holds, for each name
// that several different ports of the case share, those ports in order of
// first use.
func caseFuncs(g *ir.Pipeline, byName map[string]dsl.Runnable, same map[string][]dsl.Runnable) {
	visit := func(t *ir.Task) {
		if t == nil || t.Component == nil {
			return
		}
		if sub, ok := t.Component.Impl.(*ir.Pipeline); ok {
			caseFuncs(sub, byName, same)
			return
		}
		r, ok := ports[t.Component]
		if !ok {
			return
		}
		prev, seen := byName[r.Name()]
		switch {
		case !seen:
			byName[r.Name()] = r
		case prev != r:
			if len(same[r.Name()]) == 0 {
				same[r.Name()] = []dsl.Runnable{prev}
			}
			for _, o := range same[r.Name()] {
				if o == r {
					return
				}
			}
			same[r.Name()] = append(same[r.Name()], r)
		}
	}
	for _, t := range g.Tasks {
		visit(t)
	}
	for _, grp := range g.Groups {
		visit(grp.ExitTask)
	}
}

// byLabel maps the executor labels of ports that share a name to the ports:
// the compiler names the executors of same-named components in order of
// first use, exec-<name>, exec-<name>-2, … (as KFP's compiler does).
func byLabel(p *local.Pipeline, same map[string][]dsl.Runnable) (map[string]dsl.Runnable, error) {
	out := map[string]dsl.Runnable{}
	for name, rs := range same {
		for i, r := range rs {
			label := "exec-" + dsl.K8sName(name)
			if i > 0 {
				label += fmt.Sprintf("-%d", i+1)
			}
			if p.Executors[label] == nil {
				return nil, fmt.Errorf("the %d ports named %s do not map to executors %s…: the compiler names them otherwise", len(rs), name, "exec-"+dsl.K8sName(name))
			}
			out[label] = r
		}
	}
	return out, nil
}

// portHandler runs a case's Go-function ports in this process through the
// executor runtime, with the command line the compiled executor gives (the
// same flags and executor output file as a built ports binary), and any
// other image's command on the host.
type portHandler struct {
	// funcs are the case's ports; labels those that share a name, by
	// executor label.
	funcs  []dsl.Runnable
	labels map[string]dsl.Runnable
	host   local.HostHandler
	// env serialises executions that set environment variables (the
	// executor's env) against the others, which read it.
	env *sync.RWMutex
}

func (portHandler) Prepare(context.Context, string) error { return nil }

func (h portHandler) Run(ctx context.Context, p local.Process) error {
	if p.Image != goImage {
		return h.host.Run(ctx, p)
	}
	if len(p.Env) > 0 {
		h.env.Lock()
		defer h.env.Unlock()
		for _, kv := range p.Env {
			k, v, _ := strings.Cut(kv, "=")
			old, had := os.LookupEnv(k)
			if err := os.Setenv(k, v); err != nil {
				return err
			}
			if had {
				defer os.Setenv(k, old)
			} else {
				defer os.Unsetenv(k)
			}
		}
	} else {
		h.env.RLock()
		defer h.env.RUnlock()
	}
	if len(p.Argv) < 1 || !strings.HasPrefix(p.Argv[0], "/ko-app/") {
		return fmt.Errorf("task %s: command %q is not a ports binary", p.Task, p.Argv)
	}
	hosted := h.funcs
	if r, ok := h.labels[p.Component.GetExecutorLabel()]; ok {
		hosted = []dsl.Runnable{r}
	}
	if code := executor.Run(ctx, p.Argv[1:], p.Stdout, p.Stderr, hosted...); code != executor.ExitOK {
		return fmt.Errorf("exit status %d", code)
	}
	return nil
}

// portRun is what a local run of one port must give.
type portRun struct {
	// params are root parameters (text, as --param takes them); $TMP
	// stands for a temporary folder of the run.
	params map[string]string
	// fails is a substring of the run error when the pipeline fails on
	// purpose (a Python function that raises or exits non-zero).
	fails string
	// states are the final states of the tasks named (task paths).
	states map[string]local.State
	// outputs are output parameters of tasks (task path → name → value as
	// JSON-decoded Go values: float64, string, bool, []any, map[string]any).
	outputs map[string]map[string]any
	// pipeline are the pipeline's own output parameters.
	pipeline map[string]any
	// env are environment variables the run needs.
	env map[string]string
	// files are the contents of output artifacts (task path → output name →
	// the text of its first artifact's file).
	files map[string]map[string]string
}

// portRuns holds the expectations of ports whose bodies do what the Python
// functions do; other function-based ports must simply succeed.
var portRuns = map[string]portRun{
	"kfp-ir/essential/concat_message.yaml": {
		params:   map[string]string{"message1": "Hello ", "message2": "world"},
		outputs:  map[string]map[string]any{"concat-message": {"Output": "Hello world"}},
		pipeline: map[string]any{"Output": "Hello world"},
	},
	"kfp-ir/containerized_python_component.yaml": {
		params:   map[string]string{"message1": "a", "message2": "b"},
		pipeline: map[string]any{"Output": "ab"},
	},
	"kfp-ir/env-var.yaml": {
		params:   map[string]string{"env_var": "KFPGO_PORTS_ENV_VAR"},
		env:      map[string]string{"KFPGO_PORTS_ENV_VAR": "set by the test"},
		pipeline: map[string]any{"Output": "set by the test"},
	},
	"kfp-ir/essential/component_with_env_variable.yaml": {
		outputs: map[string]map[string]any{"read-env-var": {"Output": "env_var_value"}},
	},
	"kfp-ir/critical/parameter_cache.yaml": {
		states:  map[string]local.State{"crust-comp": local.StateSucceeded},
		outputs: map[string]map[string]any{"mantle/core/core-comp": {"Output": "foo"}, "mantle": {"Output": "foo"}},
	},
	"kfp-ir/critical/mixed_parameters.yaml": {
		states:  map[string]local.State{"crust-comp": local.StateSucceeded},
		outputs: map[string]map[string]any{"mantle/core/core-comp": {"Output": 1.0}, "mantle": {"Output": 1.0}},
	},
	"kfp-ir/critical/parameters_simple.yaml": {
		outputs: map[string]map[string]any{
			"for-loop-2[0]/double": {"Output": 2.0}, "for-loop-2[1]/double": {"Output": 4.0}, "for-loop-2[2]/double": {"Output": 6.0},
			"add": {"Output": 12.0}, "add-container": {"sum": 12.0},
		},
		pipeline: map[string]any{"Output": []any{2.0, 4.0, 6.0}},
	},
	"kfp-ir/artifacts_simple.yaml": {
		files: map[string]map[string]string{
			"for-loop-2[0]/double": {"out_dataset": "2"}, "for-loop-2[2]/double": {"out_dataset": "6"},
			"add": {"out_dataset": "12"}, "add-container": {"out_dataset": "12"},
		},
	},
	"kfp-ir/take_nap_compiled.yaml": {
		params:  map[string]string{"naptime_secs": "0"},
		outputs: map[string]map[string]any{"take-nap": {"Output": "I'm awake now. Did I snore?"}},
	},
	"kfp-ir/take_nap_pipeline_root_compiled.yaml": {
		params:  map[string]string{"naptime_secs": "0"},
		outputs: map[string]map[string]any{"take-nap": {"Output": "I'm awake now. Did I snore?"}},
	},
	"kfp-ir/local_execution/local_execution_pipeline_with_retry.yaml": {
		params:   map[string]string{"counter_path": "$TMP/counter"},
		pipeline: map[string]any{"Output": "attempt=2"},
	},
	"kfp-ir/local_execution/local_execution_pipeline_with_exit_handler.yaml": {
		outputs: map[string]map[string]any{"record-exit": {"Output": "exit:SUCCEEDED"}, "exit-handler-1/echo": {"Output": "hello"}},
	},
	"kfp-ir/local_execution/local_execution_pipeline_with_k8s_only_methods.yaml": {
		pipeline: map[string]any{"Output": "hello"},
	},
	"kfp-ir/essential/pipeline_with_reused_component.yaml": {
		pipeline: map[string]any{},
	},
	"kfp-ir/nested_return.yaml": {
		pipeline: map[string]any{"Output": []any{map[string]any{"A_a": "1", "B_b": "2"}, map[string]any{"A_a": "10", "B_b": "20"}}},
	},
	"kfp-ir/pipeline_as_exit_task.yaml": {
		fails: "fail-op failed",
	},
	"kfp-ir/failing/pipeline_with_multiple_exit_handlers.yaml": {
		fails: "fail-op failed",
	},
	"kfp-ir/critical/collected_parameters.yaml": {
		// consume_single_id returns None for its str output: KFP's executor
		// refuses that, and so does the Go executor.
		fails: `output parameter "Output" was not set`,
		states: map[string]local.State{
			"collecting-parameters/for-loop-1[0]/consume-single-id": local.StateFailed,
			"consume-ids": local.StateSkipped,
		},
		outputs: map[string]map[string]any{
			"collecting-parameters/split-ids":                {"Output": []any{"s1", "s2", "s3"}},
			"collecting-parameters/for-loop-1[2]/prepend-id": {"Output": "model_id_s3"},
		},
	},
	"kfp-ir/parallel_and_nested/pipeline_with_loops.yaml": {
		outputs: map[string]map[string]any{"args-generator-op": {"Output": []any{
			map[string]any{"A_a": "1", "B_b": "2"}, map[string]any{"A_a": "10", "B_b": "20"},
		}}},
	},
	"kfp-ir/pipeline_with_task_final_status.yaml": {
		fails: "task exit-handler-1/fail-op failed",
		states: map[string]local.State{
			"exit-handler-1/print-op": local.StateSucceeded,
			"exit-handler-1/fail-op":  local.StateFailed,
			"exit-op":                 local.StateSucceeded,
		},
	},
	"kfp-ir/critical/parallel_for_after_dependency.yaml": {
		outputs: map[string]map[string]any{
			"for-loop-2[1]/print-op": {"Output": "foo"}, "print-op-2": {"Output": "bar"}, "print-op-3": {"Output": "baz"},
		},
	},
	"kfp-ir/component_with_metadata_fields.yaml": {
		// localtest.SampleParams gives each root dataset the text "sample".
		outputs:  map[string]map[string]any{"dataset-joiner": {"Output": "samplesample"}},
		files:    map[string]map[string]string{"dataset-joiner": {"out_dataset": "samplesample"}},
		pipeline: map[string]any{"Output": "samplesample"},
	},
	"kfp-ir/pipeline_with_metadata_fields.yaml": {
		params:  map[string]string{"string": "joined to "},
		outputs: map[string]map[string]any{"dataset-joiner": {"Output": "joined to sample"}},
		files:   map[string]map[string]string{"str-to-dataset": {"dataset": "joined to "}, "dataset-joiner": {"out_dataset": "joined to sample"}},
	},
	"kfp-ir/critical/pipeline_with_artifact_custom_path.yaml": {
		outputs: map[string]map[string]any{"validate-input-artifact": {"Output": true}},
		files:   map[string]map[string]string{"component-output-artifact": {"out_dataset": "Hello, World!"}},
	},
	"kfp-ir/critical/pipeline_with_importer_workspace.yaml": {
		outputs: map[string]map[string]any{
			"import-stage/train": {"scalar": "123", "message": "My model trained using data: Hello from producer file\n"},
		},
		pipeline: map[string]any{"train_result": "123", "dir_result": "part-000.txt,part-001.txt"},
	},
	"kfp-ir/critical/pipeline_with_workspace.yaml": {
		pipeline: map[string]any{"Output": "Hello from workspace!"},
	},
	"kfp-ir/essential/lightweight_python_functions_with_outputs.yaml": {
		params: map[string]string{"first_message": "a", "second_message": "b", "first_number": "1", "second_number": "2"},
		outputs: map[string]map[string]any{
			"concat-message": {"Output": "ab"}, "add-numbers": {"Output": 3.0}, "output-named-tuple": {"scalar": "123"},
		},
		files: map[string]map[string]string{
			"output-artifact":    {"Output": "ab\nab\nab"},
			"output-named-tuple": {"metrics": lwMetricsJSON, "model": "Model contents: ab\nab\nab"},
		},
	},
	"kfp-ir/if_elif_else_complex.yaml": {
		states: map[string]local.State{"print-ints": local.StateSucceeded},
		outputs: map[string]map[string]any{
			"for-loop-1[2]/condition-2/condition-3/print-and-return": {"Output": "Adding drumroll on last trial!"},
		},
	},
	"kfp-ir/local_execution/pipeline_with_collected_artifacts.yaml": {
		pipeline: map[string]any{"Output": "0,1,2"},
	},
	"kfp-ir/parallel_and_nested/parallel_for_secret.yaml": {
		// The secret reaches MY_SECRET_KEY only on Kubernetes
		// (use_secret_as_env): a local run leaves it unset, for which the
		// Python returns "not-set".
		outputs: map[string]map[string]any{
			"for-loop-2[0]/example-component": {"Output": "not-set"}, "for-loop-2[2]/example-component": {"Output": "not-set"},
		},
	},
	"kfp-ir/parameters_complex.yaml": {
		// double: 2, 4, 6 and 8, 10, 12; each simple-add in the outer loop
		// 30; nested-add 90; add-two-numbers 3×12 + 3×90.
		outputs: map[string]map[string]any{
			"for-loop-2[0]/simple-add": {"Output": 30.0}, "nested-add": {"Output": 90.0},
		},
		pipeline: map[string]any{"Output": 306.0},
	},
	"kfp-ir/pipeline_with_dynamic_importer_metadata.yaml": {
		outputs: map[string]map[string]any{"make-name": {"Output": "a-different-name"}},
	},
	"kfp-ir/pipeline_with_parallelfor_parallelism.yaml": {
		outputs: map[string]map[string]any{"list-dict-maker-3": {"Output": []any{
			map[string]any{"a": 1.0, "b": 2.0}, map[string]any{"a": 2.0, "b": 3.0}, map[string]any{"a": 3.0, "b": 4.0},
		}}},
	},
	"kfp-ir/pipeline_with_string_machine_fields_task_output.yaml": {
		outputs: map[string]map[string]any{
			"accelerator-limit": {"Output": "1"}, "accelerator-type": {"Output": "NVIDIA_TESLA_P4"},
			"cpu-limit": {"Output": "4000m"}, "memory-limit": {"Output": "15G"}, "sum-numbers": {"Output": 3.0},
		},
	},
	"kfp-ir/preprocess.yaml": {
		params: map[string]string{"message": "hi", "input_dict_parameter": `{"a": 1}`, "input_list_parameter": `["x", "y"]`},
		outputs: map[string]map[string]any{"preprocess": {
			"output_parameter_path": "hi", "output_bool_parameter_path": true,
			"output_dict_parameter_path": map[string]any{"a": 1.0}, "output_list_parameter_path": []any{"x", "y"},
		}},
		files: map[string]map[string]string{"preprocess": {"output_dataset_one": "hi", "output_dataset_two_path": "hi"}},
	},
}

// notRun lists function-based ports that do not run locally, and why; the
// test checks that each still fails with err in its run error, or does not
// start it at all when err is empty.
var notRun = map[string]struct{ reason, err string }{
	"kfp-ir/component_with_task_final_status_GH-12033.yaml":                 {"the pipeline itself takes a task final status, which only an exit handler gives (KFP issue 12033)", "input parameter \"status\" is missing"},
	"kfp-ir/create_pod_metadata_complex.yaml":                               {"checks pod annotations and labels that Kubernetes puts in each task's environment (use_field_path_as_env): a local run sets none, and validate_no_pod_metadata, like the Python, refuses an unset variable", "pod annotation is None but is supposed to be None"},
	"kfp-ir/critical/modelcar.yaml":                                         {"imports a model from an OCI model-car image (oci://), which KFP mounts from the image: a local run pulls no images, so get-model-files-list finds no model folder at the launcher's /oci/<image>/models path", "the model does not exist at /oci/registry.domain.local_modelcar:test/models"},
	"kfp-ir/critical/pipeline_with_secret_as_env.yaml":                      {"comp reads Kubernetes secrets from its environment (use_secret_as_env), which a local run does not set", "environment variable USER_NAME"},
	"kfp-ir/integration/ray_integration_compiled.yaml":                      {"ray-fn creates a Ray cluster on Kubernetes (CodeFlare SDK, KubeRay), which a local run cannot do", "needs a Ray cluster"},
	"kfp-ir/pipeline_with_importer.yaml":                                    {"imports gs://ml-pipeline-playground objects, which a local run does not download: train finds no file at the launcher's /gcs/ path", "/gcs/ml-pipeline-playground/shakespeare1.txt"},
	"kfp-ir/pipeline_with_volume.yaml":                                      {"creates a Kubernetes PVC (kfp-kubernetes CreatePVC), which a local run cannot do", "createpvc"},
	"kfp-ir/pvc_mount.yaml":                                                 {"mounts the PVC named by pvc_name at /data (kfp-kubernetes mount_pvc), which a local run does not mount; not started, as producer would write the host's /data", ""},
	"kfp-kubernetes/create_mount_delete_dynamic_pvc.yaml":                   {"creates a Kubernetes PVC (kfp-kubernetes CreatePVC), which a local run cannot do", "createpvc"},
	"kfp-kubernetes/create_mount_delete_existing_pvc.yaml":                  {"creates a Kubernetes PVC (kfp-kubernetes CreatePVC), which a local run cannot do", "createpvc"},
	"kfp-kubernetes/create_mount_delete_existing_pvc_from_task_output.yaml": {"creates a Kubernetes PVC (kfp-kubernetes CreatePVC), which a local run cannot do", "createpvc"},
}

func asJSON(m map[string]*structpb.Value) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v.AsInterface()
	}
	return out
}

func runStates(res *local.RunResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range res.Tasks {
		fmt.Fprintf(&b, "  %s %s %s %s\n", t.Name, t.Kind, t.State, t.Reason)
	}
	return b.String()
}

// TestLocalRunPorts runs every function-based port (a port with at least
// one Go-function component) through the local runner: the Go functions run
// in this process with the real executor runtime, container components'
// commands on the host (--host-exec). Each run must end as the golden's
// control flow says, and ports with real bodies must give the outputs the
// Python functions give.
func TestLocalRunPorts(t *testing.T) {
	goldens := make([]string, 0, len(Cases))
	for g := range Cases {
		goldens = append(goldens, g)
	}
	sort.Strings(goldens)
	total, ran, checked := 0, 0, 0
	var skipped []string
	for _, g := range goldens {
		c := Cases[g]
		funcs, same := map[string]dsl.Runnable{}, map[string][]dsl.Runnable{}
		caseFuncs(c.Pipeline.Build(), funcs, same)
		if len(funcs) == 0 {
			continue
		}
		total++
		t.Run(g, func(t *testing.T) {
			want, hasWant := portRuns[g]
			why, refused := notRun[g]
			if refused && why.err == "" {
				// Not even started: its functions would write to the
				// host's own paths.
				skipped = append(skipped, fmt.Sprintf("  not run %s: %s", g, why.reason))
				return
			}
			res, err := compiler.Compile(c.Pipeline, c.Options)
			require.NoError(t, err)
			p, err := local.Parse(g, res.YAML)
			require.NoError(t, err)
			labels, err := byLabel(p, same)
			require.NoError(t, err)
			hosted := make([]dsl.Runnable, 0, len(funcs))
			for _, r := range funcs {
				hosted = append(hosted, r)
			}
			for k, v := range want.env {
				t.Setenv(k, v)
			}
			params := localtest.SampleParams(t, p)
			tmp := t.TempDir()
			for k, v := range want.params {
				params[k] = strings.ReplaceAll(v, "$TMP", tmp)
			}
			root := t.TempDir()
			run, err := local.Run(context.Background(), p, local.Options{
				Params:       params,
				Handler:      portHandler{funcs: hosted, labels: labels, env: &sync.RWMutex{}},
				PipelineRoot: root,
				NoCache:      true,
				Parallelism:  4,
			})
			if refused {
				require.Error(t, err, "%s ran: remove it from notRun", g)
				assert.Contains(t, err.Error(), why.err)
				skipped = append(skipped, fmt.Sprintf("  not run %s: %s", g, why.reason))
				return
			}
			if want.fails != "" {
				var re *local.RunError
				require.ErrorAs(t, err, &re, runStates(run))
				assert.Contains(t, err.Error(), want.fails)
			} else {
				require.NoError(t, err, runStates(run))
				for _, task := range run.Tasks {
					assert.Contains(t, []local.State{local.StateSucceeded, local.StateSkipped}, task.State, "task %s: %s", task.Name, task.Reason)
				}
			}
			for name, st := range want.states {
				task := run.Task(name)
				if assert.NotNil(t, task, "task %s is not in the run:\n%s", name, runStates(run)) {
					assert.Equal(t, st, task.State, "task %s: %s", name, task.Reason)
				}
			}
			for name, outs := range want.outputs {
				task := run.Task(name)
				if assert.NotNil(t, task, "task %s is not in the run:\n%s", name, runStates(run)) {
					got := asJSON(task.Parameters)
					for k, v := range outs {
						assert.Equal(t, v, got[k], "task %s output %s", name, k)
					}
				}
			}
			for name, files := range want.files {
				task := run.Task(name)
				if assert.NotNil(t, task, "task %s is not in the run:\n%s", name, runStates(run)) {
					for k, text := range files {
						arts := task.Artifacts[k].GetArtifacts()
						if assert.NotEmpty(t, arts, "task %s output artifact %s", name, k) {
							path, err := launcher.LocalPath(root, arts[0].GetUri())
							require.NoError(t, err)
							b, err := os.ReadFile(path)
							require.NoError(t, err)
							assert.Equal(t, text, string(b), "task %s output artifact %s", name, k)
						}
					}
				}
			}
			for k, v := range want.pipeline {
				assert.Equal(t, v, asJSON(run.Parameters)[k], "pipeline output %s", k)
			}
			if t.Failed() {
				return
			}
			ran++
			if hasWant && (len(want.outputs) > 0 || len(want.pipeline) > 0 || len(want.files) > 0) {
				checked++
			}
		})
	}
	for g := range portRuns {
		_, ok := Cases[g]
		assert.True(t, ok, "portRuns names %s, which is not a ported golden", g)
	}
	for g := range notRun {
		_, ok := Cases[g]
		assert.True(t, ok, "notRun names %s, which is not a ported golden", g)
	}
	sort.Strings(skipped)
	for _, s := range skipped {
		fmt.Println(s)
	}
	fmt.Printf("local runner: %d of %d function-based ports run (%d with output checks)\n", ran, total, checked)
}

// TestPodMetadataChecks checks validate_pod_metadata's rule on the values a
// cluster would set, which a local run does not: a named variable that is
// set must hold the expected value, an unset one passes.
func TestPodMetadataChecks(t *testing.T) {
	param := func(v string) (p dsl.Param[string]) {
		p.Set(v)
		return p
	}
	t.Setenv("KFPGO_POD_TASK_LABEL", "label-1")
	named, err := checkPodMetadata("label", param("KFPGO_POD_TASK_LABEL"), param("label-1"))
	require.NoError(t, err)
	assert.True(t, named)
	_, err = checkPodMetadata("label", param("KFPGO_POD_TASK_LABEL"), param("label-2"))
	require.EqualError(t, err, "pod label is label-1 but is supposed to be label-2")
	_, err = checkPodMetadata("label", param("KFPGO_POD_TASK_LABEL"), dsl.Param[string]{})
	require.EqualError(t, err, "pod label is label-1 but is supposed to be None")
	named, err = checkPodMetadata("annotation", param("KFPGO_POD_TASK_UNSET"), param("x"))
	require.NoError(t, err)
	assert.True(t, named, "an unset variable still counts as validated, as in the Python")
	named, err = checkPodMetadata("annotation", dsl.Param[string]{}, param("x"))
	require.NoError(t, err)
	assert.False(t, named)
}
