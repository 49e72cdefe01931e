package local_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// cyclicYAML is a pipeline whose tasks add and add2 wait on each other:
// add through dependentTasks, add2 through dependentTasks and add's output.
const cyclicYAML = `
components:
  comp-add:
    executorLabel: exec-add
    inputDefinitions:
      parameters:
        x:
          parameterType: STRING
          isOptional: true
    outputDefinitions:
      parameters:
        Output:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-add:
      container:
        command: [sh, -c, 'echo 1 > "$0"', '{{$.outputs.parameters[''Output''].output_file}}']
        image: alpine
pipelineInfo:
  name: cyclic
root:
  dag:
    tasks:
      add:
        componentRef:
          name: comp-add
        dependentTasks: [add2]
        taskInfo:
          name: add
      add2:
        componentRef:
          name: comp-add
        dependentTasks: [add]
        inputs:
          parameters:
            x:
              taskOutputParameter:
                producerTask: add
                outputParameterKey: Output
        taskInfo:
          name: add2
`

func TestParseRefusesCycle(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{
			name: "dependentTasks both ways",
			yaml: cyclicYAML,
			want: "cyclic.yaml: root.dag.tasks.add.dependentTasks: cycle add -> add2 -> add",
		},
		{
			name: "output producer only",
			yaml: strings.Replace(strings.Replace(cyclicYAML, "        dependentTasks: [add]\n", "", 1), "        dependentTasks: [add2]\n", "", 1),
			want: "",
		},
		{
			name: "self through an output",
			yaml: strings.Replace(strings.Replace(cyclicYAML, "        dependentTasks: [add2]\n", "", 1), "producerTask: add\n", "producerTask: add2\n", 1),
			want: "root.dag.tasks.add2.inputs.parameters.x.taskOutputParameter.producerTask: cycle add2 -> add2",
		},
		{
			name: "unknown producer",
			yaml: strings.Replace(cyclicYAML, "producerTask: add\n", "producerTask: nope\n", 1),
			want: `root.dag.tasks.add2.inputs.parameters.x.taskOutputParameter.producerTask: task "nope" is not in this DAG`,
		},
		{
			name: "DAG output from an unknown task",
			yaml: strings.Replace(cyclicYAML, "        dependentTasks: [add2]\n", "", 1) + `    outputs:
      parameters:
        Output:
          valueFromParameter:
            producerSubtask: gone
            outputParameterKey: Output
`,
			want: `root.dag.outputs.parameters.Output.valueFromParameter.producerSubtask: task "gone" is not in this DAG`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := local.Parse("cyclic.yaml", []byte(tt.yaml))
			if tt.name == "output producer only" {
				// add2 reads add's output and nothing else points back.
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestCancelledWaitStops runs a cyclic pipeline (Parse refuses it, so the
// spec is loaded without it) under a cancelled context: every task waiting
// on another must stop instead of waiting forever.
func TestCancelledWaitStops(t *testing.T) {
	cyc := strings.Replace(cyclicYAML, "        dependentTasks: [add2]\n", "", 1)
	p, err := local.Parse("cyclic.yaml", []byte(cyc))
	require.NoError(t, err)
	// Put the cycle back: add waits on add2, which reads add's output.
	p.Spec.GetRoot().GetDag().GetTasks()["add"].DependentTasks = []string{"add2"}
	require.NotNil(t, p.Spec.GetRoot().GetDag().GetTasks()["add2"].GetInputs().GetParameters()["x"].GetTaskOutputParameter())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan struct{})
	var res *local.RunResult
	go func() {
		defer close(done)
		res, err = local.Run(ctx, p, local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // safety net only
		t.Fatal("local.Run kept waiting on a task cycle after its context was cancelled")
	}
	require.Error(t, err)
	require.NotNil(t, res)
	assert.Equal(t, local.StateCancelled, res.State)
	for _, n := range []string{"add", "add2"} {
		assert.Equal(t, local.StateCancelled, res.Task(n).State, n)
	}
}
