package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

const noopImport = "github.com/kfpgo/kfpgo/sdk/local/testdata/noop"

// generated returns a pipeline of no-op Go-function components (image,
// /ko-app command and executor args as the compiler emits them): a chain of
// n tasks, or one ParallelFor over n items when fanOut is set.
func generated(t testing.TB, image string, n int, fanOut bool) *local.Pipeline {
	t.Helper()
	var b strings.Builder
	b.WriteString(`components:
  comp-noop:
    executorLabel: exec-noop
  comp-for-loop-1:
    dag:
      tasks:
        noop:
          componentRef:
            name: comp-noop
          taskInfo:
            name: noop
    inputDefinitions:
      parameters:
        pipelinechannel--loop-item-param-1:
          parameterType: NUMBER_INTEGER
deploymentSpec:
  executors:
    exec-noop:
      container:
        args: ["--executor_input", "{{$}}", "--function_to_execute", "noop"]
        command: ["/ko-app/noop"]
        image: ` + image + `
pipelineInfo:
  name: generated
root:
  dag:
    tasks:
`)
	if fanOut {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprint(i)
		}
		fmt.Fprintf(&b, `      for-loop-1:
        componentRef:
          name: comp-for-loop-1
        parameterIterator:
          itemInput: pipelinechannel--loop-item-param-1
          items:
            raw: '[%s]'
        taskInfo:
          name: for-loop-1
`, strings.Join(items, ", "))
	} else {
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "      noop-%d:\n        componentRef:\n          name: comp-noop\n        taskInfo:\n          name: noop-%d\n", i, i)
			if i > 1 {
				fmt.Fprintf(&b, "        dependentTasks:\n        - noop-%d\n", i-1)
			}
		}
	}
	b.WriteString("schemaVersion: 2.1.0\nsdkVersion: kfpgo-test\n")
	p, err := local.Parse("generated.yaml", []byte(b.String()))
	require.NoError(t, err)
	return p
}

func goOptions(t testing.TB, cache string) local.Options {
	return local.Options{
		GoModuleDir:     filepath.Join("..", ".."),
		GoBuildCacheDir: cache,
		PipelineRoot:    t.TempDir(),
		ImageMap:        map[string]string{"example.com/noop:v1": noopImport},
	}
}

func TestGoComponentImages(t *testing.T) {
	cache := t.TempDir()
	for _, image := range []string{"ko://" + noopImport, "example.com/noop:v1"} {
		t.Run(image, func(t *testing.T) {
			res, err := local.Run(context.Background(), generated(t, image, 3, false), goOptions(t, cache))
			require.NoError(t, err)
			for i := 1; i <= 3; i++ {
				assert.Equal(t, local.StateSucceeded, state(t, res, fmt.Sprintf("noop-%d", i)))
			}
			assert.False(t, res.Task("noop-3").Start.Before(res.Task("noop-2").End), "chain order")
		})
	}
	t.Run("build failure refused before anything starts", func(t *testing.T) {
		_, err := local.Run(context.Background(), generated(t, "ko://github.com/kfpgo/kfpgo/no/such/package", 1, false), goOptions(t, cache))
		var ie *local.InputError
		require.ErrorAs(t, err, &ie)
		assert.Contains(t, err.Error(), "go build github.com/kfpgo/kfpgo/no/such/package")
		assert.NotContains(t, err.Error(), "\n")
	})
}

// BenchmarkChain100 runs a 100-task chain of no-op Go-function components
// and reports the runner's overhead per task: the run's wall time minus the
// time the tasks' processes ran (TaskResult.ExecTime), divided by 100.
// Target: ≤ 20 ms.
func BenchmarkChain100(b *testing.B) {
	cache := b.TempDir()
	p := generated(b, "ko://"+noopImport, 100, false)
	if _, err := local.Run(context.Background(), generated(b, "ko://"+noopImport, 1, false), goOptions(b, cache)); err != nil {
		b.Fatal(err)
	}
	var overhead, taskTime, total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res, err := local.Run(context.Background(), p, goOptions(b, cache))
		wall := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		var tasks time.Duration
		for _, t := range res.Tasks {
			tasks += t.ExecTime
		}
		total += wall
		taskTime += tasks
		overhead += wall - tasks
	}
	n := float64(b.N)
	b.ReportMetric(float64(total.Milliseconds())/n, "ms/run")
	b.ReportMetric(float64(taskTime.Microseconds())/n/100/1000, "ms-process/task")
	b.ReportMetric(float64(overhead.Microseconds())/n/100/1000, "ms-overhead/task")
}

// BenchmarkFanOut1000 runs a ParallelFor of 1000 no-op Go-function
// components with parallelism 16.
func BenchmarkFanOut1000(b *testing.B) {
	cache := b.TempDir()
	p := generated(b, "ko://"+noopImport, 1000, true)
	if _, err := local.Run(context.Background(), generated(b, "ko://"+noopImport, 1, false), goOptions(b, cache)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		opts := goOptions(b, cache)
		opts.Parallelism = 16
		res, err := local.Run(context.Background(), p, opts)
		if err != nil {
			b.Fatal(err)
		}
		done := 0
		for _, t := range res.Tasks {
			if (t.Kind == "container" || t.Kind == "go-function") && t.State == local.StateSucceeded {
				done++
			}
		}
		if done != 1000 {
			b.Fatalf("%d of 1000 tasks succeeded", done)
		}
	}
}

// TestGoFunctionComponentEndToEnd runs the compiled examples/gofunc
// pipeline: its ko:// image is built from examples/gofunc/cmd/wordcount and
// speaks the executor protocol (ExecutorInput in, ExecutorOutput out).
func TestGoFunctionComponentEndToEnd(t *testing.T) {
	text := filepath.Join(t.TempDir(), "text.txt")
	require.NoError(t, os.WriteFile(text, []byte("the cat and the dog\nthe end\n"), 0o644))
	opts := goOptions(t, t.TempDir())
	opts.Params = map[string]string{"text": text}
	res, err := local.Run(context.Background(), load(t, "gofunc.yaml"), opts)
	require.NoError(t, err)
	assert.Equal(t, 7.0, res.Parameters["words"].GetNumberValue())
	wc := res.Task("word-count")
	report, err := os.ReadFile(wc.Artifacts["report"].GetArtifacts()[0].GetUri())
	require.NoError(t, err)
	assert.Contains(t, string(report), "| the | 3 |")

	again, err := local.Run(context.Background(), load(t, "gofunc.yaml"), opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateCached, state(t, again, "word-count"))
	assert.Equal(t, 7.0, again.Parameters["words"].GetNumberValue())

	opts.Params = nil
	_, err = local.Run(context.Background(), load(t, "gofunc.yaml"), opts)
	assert.EqualError(t, err, "missing required parameter text: pass --param text=<path or URI>")
}

// tinyModule writes a Go module example.com/tiny whose main package prints
// msg, and returns its folder.
func tinyModule(t *testing.T, dir, msg string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.26\n"), 0o644))
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(" + fmt.Sprintf("%q", msg) + ") }\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644))
}

const tinyPipeline = `components:
  comp-tiny:
    executorLabel: exec-tiny
deploymentSpec:
  executors:
    exec-tiny:
      container:
        args: ["--executor_input", "{{$}}", "--function_to_execute", "tiny"]
        command: ["/ko-app/tiny"]
        image: ko://example.com/tiny
pipelineInfo:
  name: tiny
root:
  dag:
    tasks:
      tiny:
        cachingOptions:
          enableCache: true
        componentRef:
          name: comp-tiny
        taskInfo:
          name: tiny
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`

func TestGoComponentCacheKeyFollowsCode(t *testing.T) {
	mod, root, bins := t.TempDir(), t.TempDir(), t.TempDir()
	p, err := local.Parse("tiny.yaml", []byte(tinyPipeline))
	require.NoError(t, err)
	opts := local.Options{GoModuleDir: mod, GoBuildCacheDir: bins, PipelineRoot: root}

	tinyModule(t, mod, "v1")
	first, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateSucceeded, state(t, first, "tiny"))
	assert.Equal(t, "v1\n", stdout(t, first, "tiny"))
	again, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateCached, state(t, again, "tiny"), "same code, same key")

	tinyModule(t, mod, "version two")
	edited, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.Equal(t, local.StateSucceeded, state(t, edited, "tiny"), "edited code must not hit the old cache entry")
	assert.Equal(t, "version two\n", stdout(t, edited, "tiny"))

	g := &local.GoHandler{ModuleDir: mod, CacheDir: bins}
	d1, err := g.BinaryDigest(context.Background(), "ko://example.com/tiny")
	require.NoError(t, err)
	assert.Len(t, d1, 64)
	tinyModule(t, mod, "v3")
	d2, err := (&local.GoHandler{ModuleDir: mod, CacheDir: bins}).BinaryDigest(context.Background(), "ko://example.com/tiny")
	require.NoError(t, err)
	assert.NotEqual(t, d1, d2)
}
