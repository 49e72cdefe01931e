package local_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// failingPipeline has one task running script with sh -c.
func failingPipeline(t *testing.T, script string) *local.Pipeline {
	t.Helper()
	y := fmt.Sprintf(`components:
  comp-bad:
    executorLabel: exec-bad
deploymentSpec:
  executors:
    exec-bad:
      container:
        command: ["sh", "-c", %q]
        image: alpine
pipelineInfo:
  name: failing
root:
  dag:
    tasks:
      bad:
        componentRef:
          name: comp-bad
        taskInfo:
          name: bad
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`, script)
	p, err := local.Parse("failing.yaml", []byte(y))
	require.NoError(t, err)
	return p
}

func TestFailureReason(t *testing.T) {
	// What a panicking Go component prints: the executor's one line, then a
	// stack trace longer than the stderr tail.
	const line = `executor: component "bad" panicked: runtime error: index out of range [3] with length 3`
	script := `echo 'starting' >&2; echo '` + line + `' >&2; for i in $(seq 1 40); do echo "stack frame $i" >&2; done; exit 2`
	res, err := local.Run(context.Background(), failingPipeline(t, script), local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	require.Error(t, err)
	bad := res.Task("bad")
	assert.Equal(t, line, bad.Reason)
	assert.NotContains(t, bad.StderrTail, line, "the tail alone would have lost the reason")
	msg := err.Error()
	assert.True(t, strings.HasPrefix(msg, "task bad failed: "+line+"\n"), msg)
	assert.Contains(t, msg, "stack frame 40", "the tail follows")

	var sum strings.Builder
	require.NoError(t, local.WriteSummary(&sum, res))
	assert.Regexp(t, `(?m)^bad\s+container\s+failed\s+\S+\s+1\s+`+strings.ReplaceAll(strings.ReplaceAll(line, "[", `\[`), "]", `\]`)+`$`, sum.String())

	plain, err := local.Run(context.Background(), failingPipeline(t, `echo 'no: reason here' >&2; exit 3`), local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	require.Error(t, err)
	assert.Equal(t, "exit status 3", plain.Task("bad").Reason, "no executor line: the exit status")
	assert.Contains(t, err.Error(), "no: reason here")
}
