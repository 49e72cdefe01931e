package local_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// cacheKeyPipeline is one cached task, "greet", that writes its input
// parameter, its input artifact and its environment to its output: each
// element of the local cache key can be changed by editing one line.
const cacheKeyPipeline = `components:
  comp-greet:
    executorLabel: exec-greet
    inputDefinitions:
      artifacts:
        data:
          artifactType:
            schemaTitle: system.Dataset
            schemaVersion: 0.0.1
      parameters:
        name:
          parameterType: STRING
    outputDefinitions:
      parameters:
        Output:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-greet:
      container:
        image: alpine
        command:
        - sh
        - -c
        - printf '%s %s %s' "$GREETING" "$0" "$(cat "$1")" > "$2"
        args:
        - '{{$.inputs.parameters[''name'']}}'
        - '{{$.inputs.artifacts[''data''].path}}'
        - '{{$.outputs.parameters[''Output''].output_file}}'
        env:
        - name: GREETING
          value: hello
        resources:
          cpuLimit: 1.0
pipelineInfo:
  name: cache-key
root:
  dag:
    tasks:
      greet:
        cachingOptions:
          enableCache: true
        componentRef:
          name: comp-greet
        inputs:
          artifacts:
            data:
              componentInputArtifact: data
          parameters:
            name:
              componentInputParameter: name
        taskInfo:
          name: greet
  inputDefinitions:
    artifacts:
      data:
        artifactType:
          schemaTitle: system.Dataset
          schemaVersion: 0.0.1
    parameters:
      name:
        parameterType: STRING
schemaVersion: 2.1.0
`

// TestCacheKeyCoversEverythingThatChangesTheResult changes one element of
// the cache key at a time (see cacheKey in exec.go for the list beside
// KFP's own key) and requires the task to run again rather than return the
// cached result of the old value; changes that cannot alter the result
// (resources) must still hit the cache.
func TestCacheKeyCoversEverythingThatChangesTheResult(t *testing.T) {
	root := t.TempDir()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	require.NoError(t, os.WriteFile(data, []byte("d1"), 0o644))
	other := filepath.Join(dir, "other.txt")
	require.NoError(t, os.WriteFile(other, []byte("d2"), 0o644))
	params := map[string]string{"name": "ann", "data": data}

	run := func(t *testing.T, yaml string, params map[string]string) *local.TaskResult {
		t.Helper()
		p, err := local.Parse("cache-key.yaml", []byte(yaml))
		require.NoError(t, err)
		res, err := local.Run(context.Background(), p, local.Options{Params: params, HostExec: true, PipelineRoot: root})
		require.NoError(t, err)
		return res.Task("greet")
	}
	first := run(t, cacheKeyPipeline, params)
	require.Equal(t, local.StateSucceeded, first.State)
	require.Equal(t, "hello ann d1", first.Parameters["Output"].GetStringValue())
	require.Equal(t, local.StateCached, run(t, cacheKeyPipeline, params).State, "the same task again is cached")

	edit := func(old, new string) string {
		require.Contains(t, cacheKeyPipeline, old)
		return strings.Replace(cacheKeyPipeline, old, new, 1)
	}
	withParams := func(kv ...string) map[string]string {
		out := map[string]string{"name": "ann", "data": data}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		yaml   string
		params map[string]string
		want   local.State
		output string
	}{
		{name: "env value", yaml: edit("value: hello", "value: bonjour"), params: params, want: local.StateSucceeded, output: "bonjour ann d1"},
		{name: "env name", yaml: edit("- name: GREETING\n          value: hello", "- name: GREETING\n          value: hello\n        - name: LANG_HINT\n          value: fr"), params: params, want: local.StateSucceeded, output: "hello ann d1"},
		{name: "input parameter", yaml: cacheKeyPipeline, params: withParams("name", "bob"), want: local.StateSucceeded, output: "hello bob d1"},
		{name: "input artifact", yaml: cacheKeyPipeline, params: withParams("data", other), want: local.StateSucceeded, output: "hello ann d2"},
		{name: "image", yaml: edit("image: alpine", "image: busybox"), params: params, want: local.StateSucceeded, output: "hello ann d1"},
		{name: "command", yaml: edit(`printf '%s %s %s'`, `printf '%s  %s %s'`), params: params, want: local.StateSucceeded, output: "hello  ann d1"},
		{name: "args", yaml: edit("- '{{$.inputs.parameters[''name'']}}'", "- 'x{{$.inputs.parameters[''name'']}}'"), params: params, want: local.StateSucceeded, output: "hello xann d1"},
		{name: "output parameter type", yaml: strings.Replace(cacheKeyPipeline, "Output:\n          parameterType: STRING", "Output:\n          parameterType: STRUCT", 1), params: params, want: local.StateFailed},
		{name: "resources (not in the key)", yaml: edit("cpuLimit: 1.0", "cpuLimit: 2.0"), params: params, want: local.StateCached, output: "hello ann d1"},
		{name: "output artifact", yaml: edit("outputDefinitions:\n      parameters:", "outputDefinitions:\n      artifacts:\n        report:\n          artifactType:\n            schemaTitle: system.Artifact\n            schemaVersion: 0.0.1\n      parameters:"), params: params, want: local.StateSucceeded, output: "hello ann d1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := local.Parse("cache-key.yaml", []byte(tc.yaml))
			require.NoError(t, err)
			res, err := local.Run(context.Background(), p, local.Options{Params: tc.params, HostExec: true, PipelineRoot: root})
			greet := res.Task("greet")
			require.NotNil(t, greet)
			assert.Equal(t, tc.want, greet.State, "reason: %s", greet.Reason)
			if tc.want == local.StateFailed {
				// The old STRING result cannot be read as a STRUCT: the task
				// ran (and failed) rather than returning the cached string.
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.output, greet.Parameters["Output"].GetStringValue())
		})
	}
}
