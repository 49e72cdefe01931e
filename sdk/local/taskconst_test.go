package local_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// taskConstPipeline passes {{$.pipeline_task_name}} and
// {{$.pipeline_task_uuid}} as input parameter constants, as the KFP SDK
// compiles dsl.PIPELINE_TASK_NAME_PLACEHOLDER and
// dsl.PIPELINE_TASK_EXECUTION_ID_PLACEHOLDER, to two tasks of one component
// that also prints the command-line placeholder of the uuid.
const taskConstPipeline = `components:
  comp-show:
    executorLabel: exec-show
    inputDefinitions:
      parameters:
        name:
          parameterType: STRING
        id:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-show:
      container:
        command: ["sh", "-c", "echo \"$0 $1 $2\"", "{{$.inputs.parameters['name']}}", "{{$.inputs.parameters['id']}}", "{{$.pipeline_task_uuid}}"]
        image: alpine
pipelineInfo:
  name: task-const
root:
  dag:
    tasks:
%s
schemaVersion: 2.1.0
sdkVersion: kfpgo-test
`

const taskConstTask = `      %s:
        componentRef:
          name: comp-show
        inputs:
          parameters:
            name:
              runtimeValue:
                constant: '{{$.pipeline_task_name}}'
            id:
              runtimeValue:
                constant: '{{$.pipeline_task_uuid}}'
        taskInfo:
          name: %s
`

func TestTaskNameAndUUIDConstants(t *testing.T) {
	tasks := strings.ReplaceAll(taskConstTask, "%s", "first") + strings.ReplaceAll(taskConstTask, "%s", "second")
	p, err := local.Parse("task-const.yaml", []byte(strings.Replace(taskConstPipeline, "%s", strings.TrimRight(tasks, "\n"), 1)))
	require.NoError(t, err)
	opts := local.Options{HostExec: true, PipelineRoot: t.TempDir(), RunID: "run-1"}
	res, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)

	ids := map[string]string{}
	for _, task := range []string{"first", "second"} {
		f := strings.Fields(stdout(t, res, task))
		require.Len(t, f, 3, task)
		assert.Equal(t, task, f[0], "{{$.pipeline_task_name}} is the task's name in its DAG")
		_, err := uuid.Parse(f[1])
		assert.NoError(t, err, "{{$.pipeline_task_uuid}} is a UUID: %q", f[1])
		assert.Equal(t, f[2], f[1], "the constant and the command placeholder name the same execution")
		ids[task] = f[1]
	}
	assert.NotEqual(t, ids["first"], ids["second"])

	opts.RunID, opts.NoCache = "run-2", true
	again, err := local.Run(context.Background(), p, opts)
	require.NoError(t, err)
	assert.NotEqual(t, ids["first"], strings.Fields(stdout(t, again, "first"))[1], "another run, another execution")
}
