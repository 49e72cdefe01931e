package componentyaml_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// graphYAML is a compiled pipeline whose DAG reads task outputs in every
// form KFP writes: task inputs from taskOutputParameter and
// taskOutputArtifact, dependentTasks, and DAG outputs from
// valueFromParameter, valueFromOneof and artifactSelectors.
const graphYAML = `pipelineInfo: {name: p}
root:
  outputDefinitions:
    parameters: {out: {parameterType: STRING}, either: {parameterType: STRING}}
    artifacts: {m: {artifactType: {schemaTitle: system.Model, schemaVersion: 0.0.1}}}
  dag:
    outputs:
      parameters:
        out: {valueFromParameter: {producerSubtask: a, outputParameterKey: Output}}
        either: {valueFromOneof: {parameterSelectors: [{producerSubtask: a, outputParameterKey: Output}, {producerSubtask: b, outputParameterKey: Output}]}}
      artifacts:
        m: {artifactSelectors: [{producerSubtask: a, outputArtifactKey: model}]}
    tasks:
      a: {componentRef: {name: comp-a}, taskInfo: {name: a}}
      b:
        componentRef: {name: comp-b}
        taskInfo: {name: b}
        dependentTasks: [a]
        inputs:
          parameters: {x: {taskOutputParameter: {producerTask: a, outputParameterKey: Output}}}
          artifacts: {m: {taskOutputArtifact: {producerTask: a, outputArtifactKey: model}}}
components:
  comp-a:
    executorLabel: exec-a
    outputDefinitions:
      parameters: {Output: {parameterType: STRING}}
      artifacts: {model: {artifactType: {schemaTitle: system.Model, schemaVersion: 0.0.1}}}
  comp-b:
    executorLabel: exec-b
    inputDefinitions:
      parameters: {x: {parameterType: STRING}}
      artifacts: {m: {artifactType: {schemaTitle: system.Model, schemaVersion: 0.0.1}}}
    outputDefinitions:
      parameters: {Output: {parameterType: STRING}}
deploymentSpec:
  executors:
    exec-a: {container: {image: alpine, command: [sh]}}
    exec-b: {container: {image: alpine, command: [sh], resources: {cpuLimit: 1.0}}}
`

// TestGraphRefs checks that a compiled pipeline whose components or DAG
// references do not resolve is refused at load, at the YAML path of the
// reference, instead of running with an output silently dropped.
func TestGraphRefs(t *testing.T) {
	c, err := componentyaml.Load("p.yaml", []byte(graphYAML))
	require.NoError(t, err)
	_, isCompiled := c.IR().Impl.(*ir.Compiled)
	assert.True(t, isCompiled)

	tests := []struct {
		name, old, new, path, msg, hint string
	}{
		{"component with neither executorLabel nor dag", "    executorLabel: exec-b\n", "", "components.comp-b",
			"has neither executorLabel nor dag", "add executorLabel"},
		{"component with both", "    executorLabel: exec-b\n", "    executorLabel: exec-b\n    dag: {tasks: {}}\n", "components.comp-b",
			"has both executorLabel and dag", "not both"},
		{"dag output from a missing task", "out: {valueFromParameter: {producerSubtask: a,", "out: {valueFromParameter: {producerSubtask: nosuch,",
			"root.dag.outputs.parameters.out.valueFromParameter.producerSubtask", `task "nosuch" does not exist in this DAG`, "one of the tasks of this DAG: a, b"},
		{"dag output of an undeclared output", "out: {valueFromParameter: {producerSubtask: a, outputParameterKey: Output}", "out: {valueFromParameter: {producerSubtask: a, outputParameterKey: Outptu}",
			"root.dag.outputs.parameters.out.valueFromParameter.outputParameterKey", `task "a" (component comp-a) has no output parameter "Outptu"`, "output parameters of comp-a: Output"},
		{"oneof selector from a missing task", "{producerSubtask: b, outputParameterKey: Output}]", "{producerSubtask: c, outputParameterKey: Output}]",
			"root.dag.outputs.parameters.either.valueFromOneof.parameterSelectors[1].producerSubtask", `task "c" does not exist`, "a, b"},
		{"artifact selector from a missing task", "[{producerSubtask: a, outputArtifactKey: model}]", "[{producerSubtask: z, outputArtifactKey: model}]",
			"root.dag.outputs.artifacts.m.artifactSelectors[0].producerSubtask", `task "z" does not exist`, "a, b"},
		{"artifact selector of a parameter", "[{producerSubtask: a, outputArtifactKey: model}]", "[{producerSubtask: a, outputArtifactKey: Output}]",
			"root.dag.outputs.artifacts.m.artifactSelectors[0].outputArtifactKey", `has no output artifact "Output"`, "output artifacts of comp-a: model"},
		{"task input from a missing task", "{taskOutputParameter: {producerTask: a,", "{taskOutputParameter: {producerTask: nosuch,",
			"root.dag.tasks.b.inputs.parameters.x.taskOutputParameter.producerTask", `task "nosuch" does not exist`, "a, b"},
		{"task input of an undeclared output", "{taskOutputArtifact: {producerTask: a, outputArtifactKey: model}}", "{taskOutputArtifact: {producerTask: a, outputArtifactKey: modle}}",
			"root.dag.tasks.b.inputs.artifacts.m.taskOutputArtifact.outputArtifactKey", `has no output artifact "modle"`, "model"},
		{"task input without producer", "{taskOutputArtifact: {producerTask: a, outputArtifactKey: model}}", "{taskOutputArtifact: {outputArtifactKey: model}}",
			"root.dag.tasks.b.inputs.artifacts.m.taskOutputArtifact.producerTask", "is missing", "add it"},
		{"final status of a missing task", "parameters: {x: {taskOutputParameter:", "parameters: {s: {taskFinalStatus: {producerTask: exit-handler-1}}, x: {taskOutputParameter:",
			"root.dag.tasks.b.inputs.parameters.s.taskFinalStatus.producerTask", `task "exit-handler-1" does not exist`, "a, b"},
		{"dependent task missing", "dependentTasks: [a]", "dependentTasks: [a, q]",
			"root.dag.tasks.b.dependentTasks[1]", `task "q" does not exist`, "a, b"},
		{"unknown container key", "resources: {cpuLimit: 1.0}", "resource: {cpuLimit: 1.0}",
			"deploymentSpec.executors.exec-b.container.resource", `unknown key "resource" (known: args, command, env, image, lifecycle, resources)`, "KFP's PipelineContainerSpec has no such field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, graphYAML, tt.old)
			data := strings.Replace(graphYAML, tt.old, tt.new, 1)
			_, err := componentyaml.Load("p.yaml", []byte(data))
			var e *componentyaml.Error
			require.True(t, errors.As(err, &e), "want *componentyaml.Error, got %v", err)
			assert.Equal(t, "p.yaml", e.File)
			assert.Equal(t, tt.path, e.Path)
			assert.Contains(t, e.Msg, tt.msg)
			assert.Contains(t, e.Hint, tt.hint)
		})
	}
}

// TestComponentWithoutImplementation checks that a v2 component YAML
// whose component has no implementation is refused at load rather than
// written back without one.
func TestComponentWithoutImplementation(t *testing.T) {
	const y = `pipelineInfo: {name: x}
root: {dag: {tasks: {x: {componentRef: {name: comp-x}, taskInfo: {name: x}}}}}
components:
  comp-x: {inputDefinitions: {parameters: {a: {parameterType: STRING}}}}
deploymentSpec: {executors: {exec-x: {container: {image: alpine}}}}
`
	_, err := componentyaml.Load("x.yaml", []byte(y))
	var e *componentyaml.Error
	require.True(t, errors.As(err, &e), "want *componentyaml.Error, got %v", err)
	assert.Equal(t, "components.comp-x", e.Path)
	assert.Equal(t, "x.yaml: components.comp-x: has neither executorLabel nor dag", strings.SplitN(err.Error(), "\n", 2)[0])
	assert.Contains(t, e.Hint, "deploymentSpec.executors")
}
