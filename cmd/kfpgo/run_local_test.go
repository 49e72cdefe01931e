package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const localEchoYAML = `components:
  comp-echo:
    executorLabel: exec-echo
    inputDefinitions:
      parameters:
        x:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-echo:
      container:
        command: [sh, -c, 'echo "$0"', '{{$.inputs.parameters[''x'']}}']
        image: alpine
pipelineInfo:
  name: echo
root:
  inputDefinitions:
    parameters:
      x:
        parameterType: STRING
        defaultValue: hi
  dag:
    tasks:
      echo:
        componentRef:
          name: comp-echo
        inputs:
          parameters:
            x:
              componentInputParameter: x
        taskInfo:
          name: echo
`

// kfpgoCtx runs the command tree under ctx.
func kfpgoCtx(ctx context.Context, args ...string) (string, error) {
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

func echoPipeline(t *testing.T) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "echo.yaml")
	require.NoError(t, os.WriteFile(file, []byte(localEchoYAML), 0o644))
	return file
}

func TestRunLocalCancelledExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := kfpgoCtx(ctx, "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), echoPipeline(t))
	require.Error(t, err)
	assert.Equal(t, 130, exitStatus(err))
	assert.Contains(t, err.Error(), "cancelled")
	assert.Contains(t, out, "echo", "the summary lists the cancelled task")
}

func TestRunLocalFailureExits1(t *testing.T) {
	_, err := kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), "--param", "nope=1", echoPipeline(t))
	require.Error(t, err)
	assert.Equal(t, 1, exitStatus(err))
}

func TestRunLocalRefusesBadFlags(t *testing.T) {
	file := echoPipeline(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"repeated param", []string{"--param", "x=1", "--param", "x=2"}, "--param x given twice"},
		{"negative parallelism", []string{"--parallelism", "-1"}, "--parallelism -1: want 1 or more"},
		{"zero parallelism", []string{"--parallelism", "0"}, "--parallelism 0: want 1 or more"},
		{"network of an unknown task", []string{"--runtime", "podman", "--network", "nosuch=host"}, `--network nosuch=host: the pipeline has no task named "nosuch"; its tasks are echo`},
		{"volume not absolute", []string{"--runtime", "podman", "--volume", "data:/data:ro"}, `--volume "data:/data:ro": the paths must be absolute`},
		{"volume of an unknown task", []string{"--runtime", "podman", "--volume", "nosuch=/data:ro"}, `no task named "nosuch"`},
		// A value typed after the name is a secret: it must not be echoed.
		{"pass-env with a value", []string{"--runtime", "podman", "--pass-env", "DSN=postgres://u:hunter2@db/x"}, `--pass-env DSN=…: the pipeline has no task named "DSN"`},
		{"pass-env empty name", []string{"--runtime", "podman", "--pass-env", "=hunter2"}, "--pass-env: want NAME or TASK=NAME"},
		{"pass-env a DSN for a name", []string{"--runtime", "podman", "--pass-env", "postgres://u:hunter2@db/x"}, "--pass-env: a variable name must be letters, digits and underscores"},
		{"pass-env a task with a DSN for a name", []string{"--runtime", "podman", "--pass-env", "echo=postgres://u:hunter2@db/x"}, "--pass-env: a variable name must be"},
		{"volume with a comma for options", []string{"--runtime", "podman", "--volume", "/data:/data,ro"}, "a ',' in a path is read by podman and Docker as an option list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--local", "--host-exec", "--pipeline-root", t.TempDir()}, tt.args...)
			_, err := kfpgoCtx(context.Background(), append(args, file)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
	out, err := kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), "--parallelism", "1", "--param", "x=hello", file)
	require.NoError(t, err, out)
}
