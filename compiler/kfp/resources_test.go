package kfp_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

// A resource read from a task output becomes a pipelinechannel input but,
// as in KFP, no dependentTasks entry; a value also read as an argument
// still orders the task.
func TestResourceFromTaskOutputAddsNoDependency(t *testing.T) {
	p := dsl.NewPipeline("resource-deps", func(b *dsl.Builder, _ none) none {
		cpu := echo.Task(b, strIn{Text: dsl.Lit("1")})
		mem := echo.Task(b, strIn{Text: dsl.Lit("1G")})
		echo.Task(b, strIn{Text: dsl.Lit("x")}).SetCPULimitFrom(cpu.Out.Output)
		echo.Task(b, strIn{Text: mem.Out.Output}).SetMemoryLimitFrom(mem.Out.Output)
		return none{}
	})
	res, err := compiler.Compile(p, compiler.Options{})
	require.NoError(t, err)
	tasks := res.KFP.Spec.Root.GetDag().Tasks
	limited := tasks["echo-3"]
	assert.Empty(t, limited.DependentTasks)
	assert.Equal(t, "echo", limited.Inputs.Parameters["pipelinechannel--echo-Output"].GetTaskOutputParameter().GetProducerTask())
	assert.Equal(t, "{{$.inputs.parameters['pipelinechannel--echo-Output']}}",
		limited.Inputs.Parameters["cpu_limit"].GetRuntimeValue().GetConstant().GetStringValue())
	assert.Equal(t, []string{"echo-2"}, tasks["echo-4"].DependentTasks)
}
