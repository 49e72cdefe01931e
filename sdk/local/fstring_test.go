package local_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// fstringIR is what the compiler emits for dsl.Format (KFP f-strings): a
// runtimeValue constant naming the extra pipelinechannel input of the task,
// here at the top level and nested in a LIST constant.
const fstringIR = `components:
  comp-num:
    executorLabel: exec-num
    outputDefinitions:
      parameters:
        Output:
          parameterType: NUMBER_INTEGER
  comp-say:
    executorLabel: exec-say
    inputDefinitions:
      parameters:
        msg:
          parameterType: STRING
        specs:
          parameterType: LIST
deploymentSpec:
  executors:
    exec-num:
      container:
        command: [sh, -c, 'echo 7 > "$0"', '{{$.outputs.parameters[''Output''].output_file}}']
        image: alpine
    exec-say:
      container:
        command: [sh, -c, 'echo "$0|$1"', '{{$.inputs.parameters[''msg'']}}', '{{$.inputs.parameters[''specs'']}}']
        image: alpine
pipelineInfo:
  name: fstring
root:
  dag:
    tasks:
      num:
        componentRef:
          name: comp-num
        taskInfo:
          name: num
      say:
        componentRef:
          name: comp-say
        dependentTasks: [num]
        inputs:
          parameters:
            msg:
              runtimeValue:
                constant: heads and {{$.inputs.parameters['pipelinechannel--num-Output']}} > 5!
            specs:
              runtimeValue:
                constant:
                - machine_spec:
                    accelerator_count: '{{$.inputs.parameters[''pipelinechannel--num-Output'']}}'
            pipelinechannel--num-Output:
              taskOutputParameter:
                outputParameterKey: Output
                producerTask: num
        taskInfo:
          name: say
schemaVersion: 2.1.0
`

func TestFormattedConstantsResolvedAtRunTime(t *testing.T) {
	p, err := local.Parse("fstring.yaml", []byte(fstringIR))
	require.NoError(t, err)
	res, err := local.Run(context.Background(), p, local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, "heads and 7 > 5!|[{\"machine_spec\":{\"accelerator_count\":\"7\"}}]\n", stdout(t, res, "say"))
}
