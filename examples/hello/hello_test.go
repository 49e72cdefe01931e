package hello_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/examples/hello"
)

// newerKeys are the deploymentSpec keys newer than the pinned pipelinespec
// module (the conformance goldens' README lists them), removed before the strict
// parse of the deployment config.
var newerKeys = []string{"resourceCpuLimit", "resourceCpuRequest", "resourceMemoryLimit", "resourceMemoryRequest", "resourceType", "resourceCount"}

func stripNewer(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range newerKeys {
			delete(x, k)
		}
		for _, c := range x {
			stripNewer(c)
		}
	case []any:
		for _, c := range x {
			stripNewer(c)
		}
	}
}

func TestHelloCompiles(t *testing.T) {
	a, err := compiler.Compile(hello.Pipeline, compiler.Options{})
	require.NoError(t, err)
	b, err := compiler.Compile(hello.Pipeline, compiler.Options{})
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a.YAML, b.YAML), "two compiles must give identical bytes")
	assert.True(t, bytes.HasPrefix(a.YAML, []byte("# PIPELINE DEFINITION\n# Name: hello-world\n")))

	js, err := yaml.YAMLToJSON(a.YAML)
	require.NoError(t, err)
	var spec pipelinespec.PipelineSpec
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(js, &spec), "strict parse of the PipelineSpec")
	assert.Equal(t, "hello-world", spec.GetPipelineInfo().GetName())
	assert.Equal(t, "2.1.0", spec.GetSchemaVersion())

	ds := spec.GetDeploymentSpec().AsMap()
	stripNewer(ds)
	dj, err := json.Marshal(ds)
	require.NoError(t, err)
	var cfg pipelinespec.PipelineDeploymentConfig
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(dj, &cfg), "strict parse of the deployment config")
	c := cfg.GetExecutors()["exec-echo"].GetContainer()
	assert.Equal(t, "alpine:3.20", c.GetImage())
	assert.Equal(t, []string{"{{$.inputs.parameters['message']}}"}, c.GetArgs())
}
