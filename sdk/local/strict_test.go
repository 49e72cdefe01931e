package local_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// strictYAML is a one-task pipeline; TestParseIsStrict edits one line of it
// per case.
const strictYAML = `
components:
  comp-a:
    executorLabel: exec-a
    inputDefinitions:
      parameters:
        x:
          parameterType: STRING
deploymentSpec:
  executors:
    exec-a:
      container:
        image: alpine
        command: [echo, '{{$.inputs.parameters[''x'']}}']
        resources:
          cpuLimit: 1.0
          resourceCpuLimit: '1'
          resourceMemoryLimit: 1Gi
          accelerator:
            resourceType: nvidia.com/gpu
            resourceCount: '1'
pipelineInfo:
  name: strict
root:
  inputDefinitions:
    parameters:
      x:
        parameterType: STRING
  dag:
    tasks:
      a:
        componentRef:
          name: comp-a
        inputs:
          parameters:
            x:
              componentInputParameter: x
        taskInfo:
          name: a
schemaVersion: 2.1.0
sdkVersion: kfp-2.15.0
`

func TestParseIsStrict(t *testing.T) {
	_, err := local.Parse("ok.yaml", []byte(strictYAML))
	require.NoError(t, err, "the newer resource fields real KFP SDKs write are accepted")
	// Proto field names are accepted, as protojson accepts them.
	_, err = local.Parse("ok.yaml", []byte(strings.Replace(strictYAML, "executorLabel:", "executor_label:", 1)))
	require.NoError(t, err)

	for _, tc := range []struct {
		name, old, new string
		want           []string
	}{
		{"misspelled component key", "    executorLabel: exec-a", "    executorLabel: exec-a\n    executorLable: exec-a",
			[]string{"bad.yaml: components.comp-a.executorLable: unknown field", "did you mean executorLabel?"}},
		{"unknown top-level key", "schemaVersion: 2.1.0", "schemaVersion: 2.1.0\nshemaVersion: 2.1.0",
			[]string{"shemaVersion: unknown field", "did you mean schemaVersion?"}},
		{"unknown key far from any field", "        taskInfo:\n          name: a", "        taskInfo:\n          name: a\n        zzz: 1",
			[]string{"root.dag.tasks.a.zzz: unknown field", "(its fields: ", "componentRef"}},
		{"misspelled executor key", "        image: alpine", "        imag: alpine",
			[]string{"deploymentSpec.executors.exec-a.container.imag: unknown field", "did you mean image?"}},
		{"newer field at the wrong message", "        image: alpine", "        image: alpine\n        resourceCpuLimit: '1'",
			[]string{"deploymentSpec.executors.exec-a.container.resourceCpuLimit: unknown field"}},
		{"unknown deploymentSpec key", "deploymentSpec:\n", "deploymentSpec:\n  executor: {}\n",
			[]string{"deploymentSpec.executor: unknown field", "did you mean executors?"}},
		{"bad enum value", "          parameterType: STRING", "          parameterType: STRNG",
			[]string{`components.comp-a.inputDefinitions.parameters.x.parameterType: unknown value "STRNG"`, "want one of", "STRING", "NUMBER_INTEGER", "LIST"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(strictYAML, tc.old, tc.new, 1)
			require.NotEqual(t, strictYAML, src)
			_, err := local.Parse("bad.yaml", []byte(src))
			var pe *local.ParseError
			require.True(t, errors.As(err, &pe), "want a *ParseError, got %v", err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
