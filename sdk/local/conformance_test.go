//go:build conformance

// The tests of this file run KFP's own compiled goldens (the conformance
// corpus, which a clone of this repository does not hold): `make conformance`
// runs them with -tags conformance.

package local_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// conformanceDir returns the directory of the conformance goldens:
// $KFPGO_CONFORMANCE_DIR, else ../shared/conformance beside the checkout.
func conformanceDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KFPGO_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "kfp-ir"))
	_, err := os.Stat(abs)
	require.NoError(t, err, "conformance goldens missing: looked in %s; set KFPGO_CONFORMANCE_DIR to the folder holding kfp-ir/", abs)
	return dir
}

// TestInterpreterOverEveryGolden runs every valid conformance golden with
// fakeExecutor (see interpretEvery).
func TestInterpreterOverEveryGolden(t *testing.T) {
	interpretEvery(t, filepath.Join(conformanceDir(t), "kfp-ir"), nil)
}

func TestParseRealGoldensAndPlatformWarnings(t *testing.T) {
	dir := conformanceDir(t)
	p, err := local.LoadFile(filepath.Join(dir, "kfp-ir", "pipeline_with_secret_as_volume.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, p.Warnings)
	assert.Contains(t, p.Warnings[0], "secretAsVolume")
	assert.Contains(t, p.Warnings[0], "do not apply to a local run")

	_, err = local.LoadFile(filepath.Join(dir, "kfp-ir", "invalid", "empty_file.yaml"))
	assert.ErrorContains(t, err, "empty file")
	_, err = local.LoadFile(filepath.Join(dir, "kfp-ir", "invalid", "invalid_yaml.yaml"))
	assert.Error(t, err)
	_, err = local.LoadFile(filepath.Join(dir, "kfp-ir", "invalid", "no_name.yaml"))
	assert.Error(t, err)
}

// shellBased reports whether every executor of p is a container whose
// command starts with sh, bash or echo and mentions no Python (importers are
// allowed).
func shellBased(p *local.Pipeline) bool {
	for _, e := range p.Executors {
		if e.GetImporter() != nil {
			continue
		}
		c := e.GetContainer()
		if c == nil {
			return false
		}
		argv := append(append([]string(nil), c.GetCommand()...), c.GetArgs()...)
		if len(argv) == 0 || !slices.Contains([]string{"sh", "bash", "echo"}, filepath.Base(argv[0])) {
			return false
		}
		for _, a := range argv {
			if strings.Contains(a, "python") {
				return false
			}
		}
	}
	return true
}

// recorder runs on the host and keeps the argv of every task.
type recorder struct {
	local.HostHandler
	mu   sync.Mutex
	argv map[string][]string
}

func (r *recorder) Run(ctx context.Context, p local.Process) error {
	r.mu.Lock()
	r.argv[p.Task] = p.Argv
	r.mu.Unlock()
	return r.HostHandler.Run(ctx, p)
}

type golden struct {
	params map[string]string
	// cancelWhenRunning cancels the run once this many tasks run.
	cancelWhenRunning int
	want              local.State
	check             func(t *testing.T, res *local.RunResult, argv map[string][]string)
}

func hostHas(name string) bool { _, err := exec.LookPath(name); return err == nil }

func shSupportsDoubleBrackets() bool {
	return exec.Command("sh", "-ec", `[[ a == a ]]`).Run() == nil
}

func echoes(task, want string) func(t *testing.T, res *local.RunResult, _ map[string][]string) {
	return func(t *testing.T, res *local.RunResult, _ map[string][]string) {
		assert.Equal(t, want+"\n", stdout(t, res, task))
	}
}

func TestConformanceShellGoldens(t *testing.T) {
	dir := filepath.Join(conformanceDir(t), "kfp-ir")
	dataFile := filepath.Join(t.TempDir(), "input.txt")
	require.NoError(t, os.WriteFile(dataFile, []byte("downloaded text"), 0o644))
	concatWant := local.StateFailed
	if shSupportsDoubleBrackets() {
		concatWant = local.StateSucceeded
	}
	seqWant := local.StateFailed
	if hostHas("gsutil") {
		seqWant = local.StateSucceeded
	}
	goldens := map[string]golden{
		"arguments_parameters.yaml": {params: map[string]string{"param2": "world"}, want: local.StateSucceeded, check: echoes("echo", "hello-world")},
		"container_with_artifact_output.yaml": {params: map[string]string{"num_epochs": "4"}, want: local.StateFailed, check: func(t *testing.T, res *local.RunResult, argv map[string][]string) {
			a := argv["container-with-artifact-output"]
			require.Len(t, a, 10)
			assert.Equal(t, []string{"sh", "run.sh", "--epochs", "4", "--model_path"}, a[:5])
			assert.Equal(t, res.Task("container-with-artifact-output").Dir+"/artifacts/model", a[5])
			assert.Equal(t, []string{"--model_metadata", "{}", "--model_config_path"}, a[6:9])
			assert.Contains(t, res.Task("container-with-artifact-output").StderrTail, "run.sh", "the golden's script is not in the image here")
		}},
		"critical/container_component_with_no_inputs.yaml": {want: local.StateSucceeded, check: echoes("hello-world-container", "hello world")},
		"critical/producer_consumer_param_pipeline.yaml": {want: local.StateSucceeded, check: func(t *testing.T, res *local.RunResult, _ map[string][]string) {
			assert.Equal(t, "Hello world, this is an output parameter\n", res.Task("producer").Parameters["output_value"].GetStringValue())
			assert.Contains(t, stdout(t, res, "consumer"), "Hello world, this is an output parameter")
		}},
		"essential/pipeline_with_after.yaml": {want: local.StateSucceeded, check: func(t *testing.T, res *local.RunResult, _ map[string][]string) {
			assert.Equal(t, "1st task\n", stdout(t, res, "print-text"))
			assert.False(t, res.Task("print-text-3").Start.Before(res.Task("print-text-2").End), "print-text-3 runs after print-text-2")
		}},
		"essential/placeholder_with_if_placeholder_none_input_value.yaml": {want: local.StateSucceeded, check: echoes("component-with-optional-inputs", "--arg0 input0 --arg2 default value")},
		"gpu-scheduling/nvidia_gpu_scheduling_check.yaml":                 {want: local.StateSucceeded, check: echoes("verify-gpu-scheduled", "GPU scheduling check: PASS")},
		"hello_world.yaml": {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"long-running.yaml": {cancelWhenRunning: 1, want: local.StateCancelled, check: func(t *testing.T, res *local.RunResult, _ map[string][]string) {
			assert.Equal(t, local.StateCancelled, state(t, res, "wait-op"))
			assert.Equal(t, local.StateCancelled, state(t, res, "wait-op-2"))
			assert.Equal(t, "step-1 sleeping for 5m\n", stdout(t, res, "wait-op"))
			assert.Contains(t, res.Task("wait-op-2").Reason, "cancelled", "never started")
		}},
		"mounted_cabundle_configmap.yaml": {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"mounted_cabundle_secret.yaml":    {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"pipeline_with_concat_placeholder.yaml": {want: concatWant, check: func(t *testing.T, res *local.RunResult, argv map[string][]string) {
			assert.Equal(t, "one+two=three", argv["component-with-concat-placeholder"][3], "Concat resolved to one argument")
		}},
		"pipeline_with_only_display_name.yaml": {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"pipeline_with_task_final_status_yaml.yaml": {want: local.StateSucceeded, check: func(t *testing.T, res *local.RunResult, _ map[string][]string) {
			out := stdout(t, res, "exit-op")
			assert.Contains(t, out, "user input: Hello World! pipeline status:")
			assert.Contains(t, out, `"state":"SUCCEEDED"`)
			assert.Contains(t, out, `"pipelineTaskName":"exit-handler-1"`)
		}},
		"run_as_user_cache_disabled.yaml": {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"run_as_user_cache_enabled.yaml":  {want: local.StateSucceeded, check: echoes("echo", "hello world")},
		"sequential_v2.yaml": {params: map[string]string{"url": dataFile}, want: seqWant, check: func(t *testing.T, res *local.RunResult, _ map[string][]string) {
			if seqWant == local.StateSucceeded {
				assert.Equal(t, "downloaded text\n", stdout(t, res, "echo"))
			} else {
				assert.Contains(t, res.Task("download").StderrTail, "gsutil")
			}
		}},
	}

	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") || strings.Contains(path, "/invalid/") {
			return err
		}
		p, err := local.LoadFile(path)
		require.NoError(t, err, path)
		if shellBased(p) {
			rel, _ := filepath.Rel(dir, path)
			found = append(found, rel)
		}
		return nil
	})
	require.NoError(t, err)
	want := make([]string, 0, len(goldens))
	for k := range goldens {
		want = append(want, k)
	}
	assert.ElementsMatch(t, want, found, "every shell-based golden has an expectation")
	t.Logf("%d shell-based conformance goldens run under --host-exec", len(found))

	for _, rel := range found {
		g := goldens[rel]
		t.Run(rel, func(t *testing.T) {
			p, err := local.LoadFile(filepath.Join(dir, rel))
			require.NoError(t, err)
			rec := &recorder{HostHandler: local.HostHandler{GracePeriod: time.Second}, argv: map[string][]string{}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			running := 0
			opts := local.Options{Params: g.params, Handler: rec, PipelineRoot: t.TempDir(), GracePeriod: time.Second}
			if g.cancelWhenRunning > 0 {
				opts.OnEvent = func(ev local.Event) {
					if ev.State != local.StateRunning {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					if running++; running == g.cancelWhenRunning {
						go func() { time.Sleep(200 * time.Millisecond); cancel() }()
					}
				}
			}
			res, err := local.Run(ctx, p, opts)
			require.NotNil(t, res, "run error: %v", err)
			assert.Equal(t, g.want, res.State, "run error: %v", err)
			if g.want == local.StateSucceeded {
				assert.NoError(t, err)
			}
			g.check(t, res, rec.argv)
		})
	}
}
