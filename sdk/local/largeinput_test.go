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
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// largeInputPipeline passes the root parameter big to one task of image,
// whose args put the ExecutorInput ({{$}}) on the command line.
func largeInputPipeline(t *testing.T, image, command string) *local.Pipeline {
	t.Helper()
	y := `components:
  comp-take:
    executorLabel: exec-take
    inputDefinitions:
      parameters:
        big:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-take:
      container:
        args: ["--executor_input", "{{$}}", "--function_to_execute", "noop"]
        command: ` + command + `
        image: ` + image + `
pipelineInfo:
  name: large-input
root:
  dag:
    tasks:
      take:
        componentRef:
          name: comp-take
        inputs:
          parameters:
            big:
              componentInputParameter: big
        taskInfo:
          name: take
  inputDefinitions:
    parameters:
      big:
        parameterType: STRING
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`
	p, err := local.Parse("large-input.yaml", []byte(y))
	require.NoError(t, err)
	return p
}

func TestLargeExecutorInput(t *testing.T) {
	big := strings.Repeat("x", 140_000)

	t.Run("Go component gets it as a file", func(t *testing.T) {
		opts := goOptions(t, t.TempDir())
		opts.Params = map[string]string{"big": big}
		res, err := local.Run(context.Background(), largeInputPipeline(t, "ko://"+noopImport, `["/ko-app/noop"]`), opts)
		require.NoError(t, err)
		assert.Equal(t, local.StateSucceeded, state(t, res, "take"))
		b, err := os.ReadFile(filepath.Join(res.Task("take").Dir, "executor_input.json"))
		require.NoError(t, err)
		assert.Greater(t, len(b), 140_000)
		assert.Contains(t, string(b), big)
	})

	t.Run("small input stays inline", func(t *testing.T) {
		opts := goOptions(t, t.TempDir())
		opts.Params = map[string]string{"big": "small"}
		res, err := local.Run(context.Background(), largeInputPipeline(t, "ko://"+noopImport, `["/ko-app/noop"]`), opts)
		require.NoError(t, err)
		assert.NoFileExists(t, filepath.Join(res.Task("take").Dir, "executor_input.json"))
	})

	t.Run("host command refused with size and limit", func(t *testing.T) {
		res, err := local.Run(context.Background(), largeInputPipeline(t, "alpine", `["sh", "-c", "true"]`), local.Options{
			HostExec: true, PipelineRoot: t.TempDir(), Params: map[string]string{"big": big},
		})
		require.Error(t, err)
		assert.Equal(t, local.StateFailed, state(t, res, "take"))
		assert.Regexp(t, `the ExecutorInput \(\{\{\$\}\}\) is 14\d{4} bytes, over the 65536-byte limit`, res.Task("take").Reason)
		assert.NotContains(t, err.Error(), "argument list too long")
	})
}

func TestSummaryClipsLongValues(t *testing.T) {
	now := time.Now()
	res := &local.RunResult{RunID: "r", RunDir: "/tmp/r", State: local.StateSucceeded, Start: now, End: now,
		Parameters: map[string]*structpb.Value{"p": structpb.NewStringValue(strings.Repeat("é", 150)), "q": structpb.NewStringValue("short")}}
	var b strings.Builder
	require.NoError(t, local.WriteSummary(&b, res))
	assert.Contains(t, b.String(), "output p = "+strings.Repeat("é", 100)+"… (300 bytes)\n")
	assert.Contains(t, b.String(), "output q = short\n")
}
