package local_test

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// recordingExecutor records the ExecutorInput parameter "text" of each task
// and writes no outputs.
type recordingExecutor struct {
	mu   sync.Mutex
	seen map[string]any
}

func (*recordingExecutor) Prepare(context.Context, string) error { return nil }

func (r *recordingExecutor) Run(_ context.Context, p local.Process) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[p.Task] = p.ExecutorInput.GetInputs().GetParameterValues()["text"].AsInterface()
	return os.WriteFile(p.ExecutorInput.GetOutputs().GetOutputFile(), []byte("{}"), 0o644)
}

// A loop over an untyped literal list feeds a STRING input: KFP's driver
// hands the component each item's text (resolve.go, PbValueToText).
func TestNonStringValuesReachStringInputsAsText(t *testing.T) {
	doc := `components:
  comp-show:
    executorLabel: exec-show
    inputDefinitions:
      parameters:
        text:
          parameterType: STRING
  comp-for-loop-1:
    dag:
      tasks:
        show:
          componentRef:
            name: comp-show
          inputs:
            parameters:
              text:
                componentInputParameter: pipelinechannel--loop-item-param-1
          taskInfo:
            name: show
    inputDefinitions:
      parameters:
        pipelinechannel--loop-item-param-1:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-show:
      container:
        command: ["true"]
        image: example.com/show:v1
pipelineInfo:
  name: coerce
root:
  dag:
    tasks:
      for-loop-1:
        componentRef:
          name: comp-for-loop-1
        parameterIterator:
          itemInput: pipelinechannel--loop-item-param-1
          items:
            raw: '[2, 2.5, true, "x", [1, "a"], {"b": 1, "a": 2}]'
        taskInfo:
          name: for-loop-1
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`
	p, err := local.Parse("coerce.yaml", []byte(doc))
	require.NoError(t, err)
	rec := &recordingExecutor{seen: map[string]any{}}
	_, err = local.Run(context.Background(), p, local.Options{Handler: rec, PipelineRoot: t.TempDir(), NoCache: true})
	require.NoError(t, err)
	want := []string{"2", "2.5", "true", "x", `[1,"a"]`, `{"a":2,"b":1}`}
	for i, w := range want {
		name := "for-loop-1[" + string(rune('0'+i)) + "]/show"
		assert.Equal(t, w, rec.seen[name], name)
	}
}
