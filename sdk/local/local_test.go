package local_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

func load(t testing.TB, name string) *local.Pipeline {
	t.Helper()
	p, err := local.LoadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return p
}

func stdout(t testing.TB, res *local.RunResult, task string) string {
	t.Helper()
	tr := res.Task(task)
	require.NotNil(t, tr, "task %s not in the result", task)
	b, err := os.ReadFile(filepath.Join(tr.Dir, "stdout.log"))
	require.NoError(t, err)
	return string(b)
}

func state(t testing.TB, res *local.RunResult, task string) local.State {
	t.Helper()
	tr := res.Task(task)
	require.NotNil(t, tr, "task %s not in the result", task)
	return tr.State
}

func TestConditionsAndOneOf(t *testing.T) {
	tests := []struct {
		name     string
		params   map[string]string
		skipped  []string
		ran      []string
		announce string
	}{
		{
			name:     "tails",
			params:   map[string]string{"side": "tails"},
			skipped:  []string{"condition-branches-1/condition-2", "condition-4"},
			ran:      []string{"condition-branches-1/condition-3/say-2"},
			announce: "it was tails",
		},
		{
			name:     "heads and a big threshold",
			params:   map[string]string{"side": "heads", "threshold": "11"},
			skipped:  []string{"condition-branches-1/condition-3"},
			ran:      []string{"condition-branches-1/condition-2/say", "condition-4/say-4"},
			announce: "it was heads",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := local.Run(context.Background(), load(t, "conditions.yaml"), local.Options{Params: tt.params, HostExec: true, PipelineRoot: t.TempDir()})
			require.NoError(t, err)
			assert.Equal(t, local.StateSucceeded, res.State)
			for _, s := range tt.skipped {
				assert.Equal(t, local.StateSkipped, state(t, res, s), s)
				assert.Contains(t, res.Task(s).Reason, "is false")
			}
			for _, s := range tt.ran {
				assert.Equal(t, local.StateSucceeded, state(t, res, s), s)
			}
			assert.Equal(t, tt.announce+"\n", stdout(t, res, "announce"))
			assert.Equal(t, tt.announce, res.Parameters["Output"].GetStringValue())
		})
	}
}

func TestParallelForParallelismCollectedAndNesting(t *testing.T) {
	var mu sync.Mutex
	running, maxRunning := 0, 0
	opts := local.Options{
		HostExec:     true,
		Parallelism:  8,
		PipelineRoot: t.TempDir(),
		OnEvent: func(ev local.Event) {
			if !strings.HasPrefix(ev.Task, "for-loop-1[") || !strings.HasSuffix(ev.Task, "/work") {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch ev.State {
			case local.StateRunning:
				running++
				maxRunning = max(maxRunning, running)
			case local.StateSucceeded, local.StateFailed, local.StateCancelled:
				running--
			}
		},
	}
	res, err := local.Run(context.Background(), load(t, "loops.yaml"), opts)
	require.NoError(t, err)
	t.Logf("for-loop-1: parallelismLimit 2, measured max concurrency %d", maxRunning)
	assert.LessOrEqual(t, maxRunning, 2, "iteratorPolicy.parallelismLimit must bound the loop")
	assert.GreaterOrEqual(t, maxRunning, 1)
	iterations := 0
	for _, tr := range res.Tasks {
		if strings.Contains(tr.Name, "[") && tr.Dir != "" {
			iterations++
			assert.True(t, strings.HasSuffix(tr.Dir, string(filepath.Separator)+filepath.FromSlash(tr.Name)), "a loop iteration's folder has its name: %s in %s", tr.Name, tr.Dir)
			assert.DirExists(t, tr.Dir)
		}
	}
	assert.Positive(t, iterations, "the loops ran tasks inside iterations")

	// Collected: the loop's outputs become a list, in item order.
	assert.Equal(t, `["1-u","2-v","3-w","4-x","5-y","6-z"]`+"\n", stdout(t, res, "collect"))
	assert.Equal(t, `["1-u","2-v","3-w","4-x","5-y","6-z"]`, res.Parameters["Output"].GetStringValue())

	// Nested loops: pipeline parameter [1,2,3] × task output ["p","q"].
	for i, x := range []string{"1", "2", "3"} {
		for j, y := range []string{"p", "q"} {
			task := "for-loop-2[" + string(rune('0'+i)) + "]/for-loop-3[" + string(rune('0'+j)) + "]/pair"
			assert.Equal(t, x+" "+y+"\n", stdout(t, res, task), task)
		}
	}
	assert.Equal(t, local.StateSucceeded, state(t, res, "for-loop-2"))
}

func TestExitHandlerSeesFailureAndIgnoreUpstreamFailure(t *testing.T) {
	res, err := local.Run(context.Background(), load(t, "exit_handler.yaml"), local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	var re *local.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, local.StateFailed, res.State)

	assert.Equal(t, local.StateFailed, state(t, res, "exit-handler-1/fail-op"))
	assert.Equal(t, local.StateSkipped, state(t, res, "exit-handler-1/after-fail"))
	assert.Equal(t, local.StateFailed, state(t, res, "exit-handler-1"))

	require.Equal(t, local.StateSucceeded, state(t, res, "cleanup"))
	fs := res.Task("cleanup").Parameters["Output"].GetStructValue().AsMap()
	assert.Equal(t, "FAILED", fs["state"])
	assert.Equal(t, "exit-handler-1", fs["pipelineTaskName"])
	assert.Equal(t, res.RunID, fs["pipelineJobResourceName"])

	assert.Equal(t, local.StateSucceeded, state(t, res, "tolerant"))
	assert.Equal(t, "ran anyway\n", stdout(t, res, "tolerant"))
	assert.Equal(t, local.StateSkipped, state(t, res, "strict"))

	msg := err.Error()
	assert.Contains(t, msg, "failed: exit status 3")
	assert.Contains(t, msg, "boom", "the error carries the tail of stderr")
	assert.ElementsMatch(t, []string{"fail-root", "exit-handler-1/fail-op"}, names(res.Failed()))
}

func names(ts []*local.TaskResult) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func TestNestedPipelineImporterAndPlaceholders(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.csv")
	require.NoError(t, os.WriteFile(data, []byte("a,b\n1,2\n"), 0o644))
	res, err := local.Run(context.Background(), load(t, "nested.yaml"), local.Options{
		Params: map[string]string{"data_uri": data}, HostExec: true, PipelineRoot: t.TempDir(),
	})
	require.NoError(t, err)
	imp := res.Task("importer").Artifacts["artifact"].GetArtifacts()[0]
	assert.Equal(t, data, imp.GetUri())
	assert.Equal(t, data, imp.GetMetadata().AsMap()["source"])
	assert.Equal(t, "system.Dataset", imp.GetType().GetSchemaTitle())

	inner := res.Task("inner-pipeline")
	assert.Equal(t, float64(3), inner.Parameters["Output"].GetNumberValue())
	out := inner.Artifacts["out"].GetArtifacts()[0]
	assert.Equal(t, float64(3), out.GetMetadata().AsMap()["rows"], "metadata from the executor output file")

	got := stdout(t, res, "read")
	assert.Equal(t, "count=3 --no-suffix {\"rows\":3} "+out.GetUri()+" read\nhello\na,b\n1,2\n", got)
}

func TestRetriesAndCaching(t *testing.T) {
	root := t.TempDir()
	p := load(t, "retry_cache.yaml")
	var progress syncBuffer
	opts := local.Options{Params: map[string]string{"salt": "s1"}, HostExec: true, PipelineRoot: root, Progress: &progress}

	first, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, 3, first.Task("flaky").Attempts, "two failures, then success within maxRetryCount 3")
	for name, want := range map[string]string{"attempt-1.stderr.log": "attempt 1\n", "attempt-2.stderr.log": "attempt 2\n", "stderr.log": "attempt 3\n"} {
		b, err := os.ReadFile(filepath.Join(first.Task("flaky").Dir, name))
		require.NoError(t, err, "every attempt keeps its logs")
		assert.Equal(t, want, string(b), name)
	}
	assert.FileExists(t, filepath.Join(first.Task("flaky").Dir, "attempt-1.stdout.log"))
	assert.Contains(t, progress.String(), "retrying   flaky: retry 1/3 in 50ms: exit status 1")
	assert.Contains(t, progress.String(), "retrying   flaky: retry 2/3 in 100ms: exit status 1")
	assert.Equal(t, local.StateSucceeded, state(t, first, "flaky"))
	assert.Equal(t, local.StateSucceeded, state(t, first, "stamp"))

	second, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateCached, state(t, second, "stamp"))
	assert.Equal(t, first.Task("stamp").Parameters["Output"].GetStringValue(), second.Task("stamp").Parameters["Output"].GetStringValue())
	assert.Equal(t, local.StateSucceeded, state(t, second, "fresh"), "enableCache unset: never cached")
	assert.NotEqual(t, first.Task("fresh").Parameters["Output"].GetStringValue(), second.Task("fresh").Parameters["Output"].GetStringValue())

	opts.Params = map[string]string{"salt": "s2"}
	third, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateSucceeded, state(t, third, "stamp"), "other inputs, other fingerprint")

	opts.Params = map[string]string{"salt": "s1"}
	opts.NoCache = true
	fourth, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateSucceeded, state(t, fourth, "stamp"), "--no-cache")
}

func TestRetriesExhausted(t *testing.T) {
	p := load(t, "retry_cache.yaml")
	p.Spec.GetRoot().GetDag().GetTasks()["flaky"].GetRetryPolicy().MaxRetryCount = 1
	res, err := local.Run(context.Background(), p, local.Options{Params: map[string]string{"salt": "x"}, HostExec: true, PipelineRoot: t.TempDir()})
	require.Error(t, err)
	assert.Equal(t, 2, res.Task("flaky").Attempts)
	assert.Equal(t, local.StateFailed, state(t, res, "flaky"))
	assert.Contains(t, err.Error(), "attempt 2", "stderr tail of the last attempt")
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	p := load(t, "retry_cache.yaml")
	// Exit status 3 (launcher.ExitPermanent) on the first attempt: the
	// component says no retry can fix it, whatever maxRetryCount says.
	c := p.Executors["exec-flaky"].GetContainer()
	c.Command = []string{"sh", "-c", `echo "bad DSN" >&2; exit 3`}
	var progress syncBuffer
	res, err := local.Run(context.Background(), p, local.Options{Params: map[string]string{"salt": "x"}, HostExec: true, PipelineRoot: t.TempDir(), Progress: &progress})
	require.Error(t, err)
	assert.Equal(t, 1, res.Task("flaky").Attempts, "maxRetryCount is 3, but a permanent failure is not retried")
	assert.Equal(t, local.StateFailed, state(t, res, "flaky"))
	assert.Contains(t, res.Task("flaky").Reason, "not retried")
	assert.NotContains(t, progress.String(), "retrying")

	// Any other exit status is retried as before.
	c.Command = []string{"sh", "-c", "exit 4"}
	p.Spec.GetRoot().GetDag().GetTasks()["flaky"].GetRetryPolicy().MaxRetryCount = 1
	res, err = local.Run(context.Background(), p, local.Options{Params: map[string]string{"salt": "x"}, HostExec: true, PipelineRoot: t.TempDir()})
	require.Error(t, err)
	assert.Equal(t, 2, res.Task("flaky").Attempts)
}

func TestBadInputRefusedBeforeAnythingStarts(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		yaml   string
		params map[string]string
		host   bool
		want   string
	}{
		{name: "invalid YAML", yaml: "components: [\n  - {", want: "invalid YAML: fix the syntax or recompile the pipeline"},
		{name: "not a pipeline", yaml: "- a\n- b\n", want: "must be a PipelineSpec"},
		{name: "unknown parameter", file: "conditions.yaml", host: true, params: map[string]string{"side": "heads", "sides": "x"}, want: `unknown parameter "sides": the pipeline takes side, threshold`},
		{name: "wrong parameter type", file: "conditions.yaml", host: true, params: map[string]string{"side": "heads", "threshold": "ten"}, want: `parameter "threshold": "ten" is not an integer (NUMBER_INTEGER): pass --param threshold=<integer>`},
		{name: "missing required parameter", file: "conditions.yaml", host: true, want: "missing required parameter side: pass --param side=<string>"},
		{name: "image that cannot run here", file: "conditions.yaml", params: map[string]string{"side": "heads"}, want: "image alpine needs a container runtime, which this machine lacks: rerun with --host-exec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var p *local.Pipeline
			var err error
			if tt.yaml != "" {
				p, err = local.Parse("bad.yaml", []byte(tt.yaml))
				var pe *local.ParseError
				require.ErrorAs(t, err, &pe)
			} else {
				p = load(t, tt.file)
				_, err = local.Run(context.Background(), p, local.Options{Params: tt.params, HostExec: tt.host, PipelineRoot: root})
				var ie *local.InputError
				require.ErrorAs(t, err, &ie)
			}
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			entries, rerr := os.ReadDir(root)
			require.NoError(t, rerr)
			assert.Empty(t, entries, "nothing started")
		})
	}
}

// TestParseOwnGoldenPlatformWarnings loads the repository's own compiled
// reference pipeline: its kubernetes platform settings (PVCs, secrets as
// env) are reported as not applying to a local run.
func TestParseOwnGoldenPlatformWarnings(t *testing.T) {
	p, err := local.LoadFile(filepath.Join("..", "..", "testdata", "golden", "kfp", "cartrain.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, p.Warnings)
	assert.Contains(t, strings.Join(p.Warnings, "\n"), "do not apply to a local run")

	_, err = local.Parse("empty.yaml", nil)
	assert.ErrorContains(t, err, "empty file")
	_, err = local.Parse("bad.yaml", []byte("pipelineInfo: [unclosed\n"))
	assert.Error(t, err)
	_, err = local.Parse("noname.yaml", []byte("root:\n  dag:\n    tasks: {}\n"))
	assert.Error(t, err)
}

func TestRunErrorOnFailureNamesTask(t *testing.T) {
	res, err := local.Run(context.Background(), load(t, "exit_handler.yaml"), local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	var re *local.RunError
	require.True(t, errors.As(err, &re))
	assert.Same(t, res, re.Result)
	assert.True(t, strings.HasPrefix(err.Error(), "task "), err.Error())
}

func TestCancelKillsProcessesThatIgnoreSIGTERM(t *testing.T) {
	p, err := local.Parse("stubborn.yaml", []byte(`
components:
  comp-stubborn:
    executorLabel: exec-stubborn
deploymentSpec:
  executors:
    exec-stubborn:
      container:
        command: ["sh", "-c", "trap '' TERM; echo started; while :; do sleep 1; done"]
        image: alpine
pipelineInfo:
  name: stubborn
root:
  dag:
    tasks:
      stubborn:
        componentRef:
          name: comp-stubborn
        taskInfo:
          name: stubborn
      after:
        componentRef:
          name: comp-stubborn
        dependentTasks: [stubborn]
        taskInfo:
          name: after
`))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := local.Run(ctx, p, local.Options{
		HostExec: true, PipelineRoot: t.TempDir(), GracePeriod: 200 * time.Millisecond,
		OnEvent: func(ev local.Event) {
			if ev.State == local.StateRunning {
				go func() { time.Sleep(300 * time.Millisecond); cancel() }()
			}
		},
	})
	var re *local.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, local.StateCancelled, res.State)
	assert.Equal(t, local.StateCancelled, state(t, res, "stubborn"))
	assert.Equal(t, local.StateCancelled, state(t, res, "after"))
	assert.Equal(t, "started\n", stdout(t, res, "stubborn"))
	assert.Contains(t, err.Error(), "cancelled")
}

// syncBuffer is a strings.Builder safe for the runner's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
