package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/images"
	"github.com/kfpgo/kfpgo/sdk/local"
	"github.com/kfpgo/kfpgo/sdk/local/containertest"
)

// placeholdersPipeline runs a shell step in a non-root image (uid 65532)
// with every kind of placeholder, an input artifact from outside the
// pipeline root, env and resource limits.
const placeholdersPipeline = `components:
  comp-shout:
    executorLabel: exec-shout
    inputDefinitions:
      artifacts:
        text:
          artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}
      parameters:
        prefix: {parameterType: STRING}
        suffix: {parameterType: STRING, isOptional: true}
    outputDefinitions:
      artifacts:
        out:
          artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}
      parameters:
        lines: {parameterType: NUMBER_INTEGER}
deploymentSpec:
  executors:
    exec-shout:
      container:
        image: localhost/kfpgo-nonroot:1
        command: [sh, -ec]
        args:
        - |
          printf '%s:%s:%s:%s\n' "$0" "$(id -u)" "$GREETING" "$5" > "$1"
          cat "$2" >> "$1"
          wc -l < "$2" | tr -d ' ' > "$3"
          echo "uri=$4"
          echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"
          echo "interfaces=$(ls /sys/class/net | tr '\n' ' ')"
          echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max)"
        - '{"Concat": ["{{$.inputs.parameters[''prefix'']}}", "-", "x"]}'
        - "{{$.outputs.artifacts['out'].path}}"
        - "{{$.inputs.artifacts['text'].path}}"
        - "{{$.outputs.parameters['lines'].output_file}}"
        - "{{$.inputs.artifacts['text'].uri}}"
        - '{"IfPresent": {"InputName": "suffix", "Then": ["{{$.inputs.parameters[''suffix'']}}"], "Else": ["no-suffix"]}}'
        env:
        - {name: GREETING, value: hello}
        resources:
          cpuLimit: 0.5
          memoryLimit: 0.268435456
pipelineInfo:
  name: placeholders
root:
  inputDefinitions:
    artifacts:
      text:
        artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}
    parameters:
      prefix: {parameterType: STRING}
  dag:
    tasks:
      shout:
        componentRef: {name: comp-shout}
        inputs:
          artifacts:
            text: {componentInputArtifact: text}
          parameters:
            prefix: {componentInputParameter: prefix}
        taskInfo: {name: shout}
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`

// shellPipeline is one task running script (sh -c) in image alpine, with
// its output artifact's path as $0.
func shellPipeline(t *testing.T, script string) *local.Pipeline {
	t.Helper()
	y := `components:
  comp-step:
    executorLabel: exec-step
    outputDefinitions:
      artifacts:
        out:
          artifactType: {schemaTitle: system.Artifact, schemaVersion: 0.0.1}
deploymentSpec:
  executors:
    exec-step:
      container:
        image: alpine
        command: [sh, -c, ` + "'" + strings.ReplaceAll(script, "'", "''") + "'" + `]
        args: ["{{$.outputs.artifacts['out'].path}}"]
pipelineInfo:
  name: shell
root:
  dag:
    tasks:
      step:
        componentRef: {name: comp-step}
        taskInfo: {name: step}
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`
	p, err := local.Parse("shell.yaml", []byte(y))
	require.NoError(t, err)
	return p
}

// TestContainerRuntime runs pipelines with the container handler on a real
// podman (its own store in a temp folder) and a real Docker (its own dockerd
// in a temp folder): shell components in a scratch busybox image standing
// for alpine, placeholders and an input artifact in a non-root image, exit
// codes, cancellation, and a Go-function component built with ko into the
// runtime's store.
func TestContainerRuntime(t *testing.T) {
	for _, rt := range []string{local.RuntimePodman, local.RuntimeDocker} {
		t.Run(rt, func(t *testing.T) { testContainerRuntime(t, rt) })
	}
}

func testContainerRuntime(t *testing.T, runtime string) {
	var pm *containertest.Env
	if runtime == local.RuntimeDocker {
		pm = containertest.Docker(t)
	} else {
		pm = containertest.Podman(t)
	}
	pm.Scratch(t, "alpine", "")
	pm.Scratch(t, "localhost/kfpgo-nonroot:1", "65532:65532")
	opts := func(t *testing.T) local.Options {
		return local.Options{Runtime: runtime, Pull: local.PullNever, PipelineRoot: t.TempDir(), NoCache: true}
	}

	t.Run("loops and collected outputs", func(t *testing.T) {
		o := opts(t)
		res, err := local.Run(context.Background(), load(t, "loops.yaml"), o)
		require.NoError(t, err)
		assert.Equal(t, `["1-u","2-v","3-w","4-x","5-y","6-z"]`+"\n", stdout(t, res, "collect"))
		assert.Equal(t, `["1-u","2-v","3-w","4-x","5-y","6-z"]`, res.Parameters["Output"].GetStringValue())
		assert.Equal(t, "3 q\n", stdout(t, res, "for-loop-2[2]/for-loop-3[1]/pair"))

		// Per-task overhead: the same pipeline with the commands run as host
		// processes, same machine, same moment.
		host, err := local.Run(context.Background(), load(t, "loops.yaml"), local.Options{HostExec: true, PipelineRoot: t.TempDir(), NoCache: true})
		require.NoError(t, err)
		c, n := meanExec(res)
		h, _ := meanExec(host)
		t.Logf("loops.yaml, %d container tasks: mean time in the handler %s in %s vs %s as host processes (overhead %s per task)", n, c.Round(time.Millisecond), runtime, h.Round(time.Millisecond), (c - h).Round(time.Millisecond))
	})

	t.Run("condition", func(t *testing.T) {
		o := opts(t)
		o.Params = map[string]string{"side": "tails"}
		res, err := local.Run(context.Background(), load(t, "conditions.yaml"), o)
		require.NoError(t, err)
		assert.Equal(t, local.StateSkipped, state(t, res, "condition-4"))
		assert.Equal(t, local.StateSucceeded, state(t, res, "condition-branches-1/condition-3/say-2"))
		assert.Equal(t, "it was tails\n", stdout(t, res, "announce"))
	})

	t.Run("placeholders input artifact non-root user limits no network", func(t *testing.T) {
		text := filepath.Join(t.TempDir(), "text.txt")
		require.NoError(t, os.WriteFile(text, []byte("one\ntwo\nthree\n"), 0o644))
		p, err := local.Parse("placeholders.yaml", []byte(placeholdersPipeline))
		require.NoError(t, err)
		o := opts(t)
		o.Params = map[string]string{"prefix": "pre", "text": text}
		res, err := local.Run(context.Background(), p, o)
		require.NoError(t, err)
		shout := res.Task("shout")
		out, err := os.ReadFile(shout.Artifacts["out"].GetArtifacts()[0].GetUri())
		require.NoError(t, err)
		assert.Equal(t, "pre-x:65532:hello:no-suffix\none\ntwo\nthree\n", string(out))
		assert.Equal(t, 3.0, shout.Parameters["lines"].GetNumberValue())
		log := stdout(t, res, "shout")
		assert.Contains(t, log, "uri="+text+"\n")
		assert.Contains(t, log, "memory=268435456\n")
		assert.Contains(t, log, "interfaces=lo \n", "--network none leaves only the loopback interface")
		assert.Contains(t, log, "cpu=50000", "cpuLimit 0.5 is a CFS quota of 50 ms per 100 ms")
	})

	t.Run("per-task network, env passed by name, mounts", func(t *testing.T) {
		data := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(data, "in.txt"), []byte("mounted\n"), 0o644))
		t.Setenv("KFPGO_TEST_TOKEN", "tok-123")
		p := shellPipeline(t, `{ echo "token=$KFPGO_TEST_TOKEN"; cat /data/in.txt; echo "interfaces=$(ls /sys/class/net | wc -l)"; touch /data/x 2>/dev/null && echo writable || echo read-only; } > "$0"`)
		run := func(o local.Options) string {
			res, err := local.Run(context.Background(), p, o)
			require.NoError(t, err)
			out, err := os.ReadFile(res.Task("step").Artifacts["out"].GetArtifacts()[0].GetUri())
			require.NoError(t, err)
			return string(out)
		}
		o := opts(t)
		o.TaskNetwork = map[string]string{"step": "host"}
		o.PassEnv = []string{"step=KFPGO_TEST_TOKEN", "KFPGO_TEST_UNSET"}
		o.Mounts = []local.Mount{{Task: "step", Source: data, Target: "/data", ReadOnly: true}}
		out := run(o)
		assert.Contains(t, out, "token=tok-123\nmounted\n")
		assert.NotContains(t, out, "interfaces=1\n", "the host's network has more than the loopback interface")
		assert.Contains(t, out, "read-only\n")

		// Without the settings: no variable, no network, no mount.
		out = run(opts(t))
		assert.Contains(t, out, "token=\n")
		assert.Contains(t, out, "interfaces=1\n")
		assert.NotContains(t, out, "mounted")

		o = opts(t)
		o.PassEnv = []string{"nosuch=KFPGO_TEST_TOKEN"}
		_, err := local.Run(context.Background(), p, o)
		assert.ErrorContains(t, err, `--pass-env nosuch=…: the pipeline has no task named "nosuch"; its tasks are step`)
	})

	t.Run("exit code kept", func(t *testing.T) {
		res, err := local.Run(context.Background(), shellPipeline(t, `echo almost >&2; exit 7`), opts(t))
		var re *local.RunError
		require.ErrorAs(t, err, &re)
		step := res.Task("step")
		assert.Equal(t, local.StateFailed, step.State)
		assert.Equal(t, "exit status 7", step.Reason)
		assert.Equal(t, "almost", step.StderrTail)
		out, err := pm.Output(t, "ps", "--all", "--quiet", "--filter", "name=kfpgo-")
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(out), "the container is removed after its exit code is read")
	})

	t.Run("cancellation stops the container with SIGTERM", func(t *testing.T) {
		o := opts(t)
		o.GracePeriod = 20 * time.Second
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := shellPipeline(t, `trap 'echo term > "$0.term"; exit 143' TERM; echo up > "$0.started"; sleep 300 & wait`)
		type result struct {
			res *local.RunResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := local.Run(ctx, p, o)
			done <- result{res, err}
		}()
		var started []string
		for deadline := time.Now().Add(2 * time.Minute); len(started) == 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			started, _ = filepath.Glob(filepath.Join(o.PipelineRoot, "*", "tasks", "step", "artifacts", "out.started"))
		}
		require.Len(t, started, 1, "the step never started")
		cancel()
		r := <-done
		require.Error(t, r.err)
		assert.Equal(t, local.StateCancelled, r.res.State)
		assert.Equal(t, local.StateCancelled, state(t, r.res, "step"))
		term, err := os.ReadFile(strings.TrimSuffix(started[0], ".started") + ".term")
		require.NoError(t, err, "the shell under --init got no SIGTERM")
		assert.Equal(t, "term\n", string(term))
		out, err := pm.Output(t, "ps", "--all", "--quiet", "--filter", "name=kfpgo-")
		require.NoError(t, err)
		assert.Empty(t, strings.TrimSpace(out), "the cancelled container is removed")
	})

	t.Run("missing image with --pull never", func(t *testing.T) {
		p, err := local.Parse("x.yaml", []byte(strings.Replace(placeholdersPipeline, "localhost/kfpgo-nonroot:1", "localhost/not-loaded:1", 1)))
		require.NoError(t, err)
		o := opts(t)
		o.Params = map[string]string{"prefix": "p", "text": "/nonexistent"}
		_, err = local.Run(context.Background(), p, o)
		assert.ErrorContains(t, err, "image localhost/not-loaded:1 is not in "+runtime+"'s local store and --pull never forbids pulling it: load it")
	})

	t.Run("Go-function component built with ko", func(t *testing.T) {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		require.NoError(t, err)
		ctx := context.Background()
		ko, err := images.EnsureKo(ctx, filepath.Join(root, "bin"))
		require.NoError(t, err)
		const wordcount = "github.com/kfpgo/kfpgo/examples/gofunc/cmd/wordcount"
		refs, err := images.BuildIntoRuntime(ctx, images.RuntimeOptions{Ko: ko, Dir: root, CLI: pm.CLI, Env: []string{"GOFLAGS=-buildvcs=false"}},
			[]images.Component{{Name: "wordcount", ImportPath: wordcount}})
		require.NoError(t, err)
		require.Equal(t, []string{"localhost/kfpgo/wordcount:latest"}, refs)

		text := filepath.Join(t.TempDir(), "text.txt")
		require.NoError(t, os.WriteFile(text, []byte("the cat and the dog\nthe end\n"), 0o644))
		o := opts(t)
		o.ContainerImages = map[string]string{"ko://" + wordcount: refs[0]}
		o.Params = map[string]string{"text": text}
		res, err := local.Run(ctx, load(t, "gofunc.yaml"), o)
		require.NoError(t, err)
		assert.Equal(t, 7.0, res.Parameters["words"].GetNumberValue())
		wc := res.Task("word-count")
		report, err := os.ReadFile(wc.Artifacts["report"].GetArtifacts()[0].GetUri())
		require.NoError(t, err)
		assert.Contains(t, string(report), "| the | 3 |")
		metrics := wc.Artifacts["metrics"].GetArtifacts()[0].GetMetadata().AsMap()
		assert.NotEmpty(t, metrics, "the metrics artifact carries its values in metadata")

		// A failure: the executor's one-line reason and exit status 1.
		o.Params = map[string]string{"text": filepath.Join(t.TempDir(), "missing.txt")}
		res, err = local.Run(ctx, load(t, "gofunc.yaml"), o)
		require.Error(t, err)
		wc = res.Task("word-count")
		assert.Equal(t, local.StateFailed, wc.State)
		assert.Contains(t, wc.Reason, "executor: ")
		assert.Contains(t, wc.Reason, "open the text dataset")
		assert.Contains(t, wc.StderrTail, "no such file or directory")
	})
}

// meanExec returns the mean ExecTime of the container tasks of res and
// their number.
func meanExec(res *local.RunResult) (time.Duration, int) {
	var sum time.Duration
	n := 0
	for _, t := range res.Tasks {
		if t.Kind == "container" && t.Attempts > 0 {
			sum += t.ExecTime
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / time.Duration(n), n
}
