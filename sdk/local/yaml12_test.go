package local_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/local"
)

// TestReadsPyYAMLPlainScalarsAsStrings runs a pipeline file written by
// PyYAML (testdata/pyyaml_scalars.yaml, made with yaml.dump as kfp.compiler
// does), where a default, a constant and an environment value are the
// plain scalars n and y: the KFP API server reads YAML 1.2, where they are
// strings, and so must the local runner.
func TestReadsPyYAMLPlainScalarsAsStrings(t *testing.T) {
	p := load(t, "pyyaml_scalars.yaml")
	assert.Equal(t, "n", p.Spec.GetRoot().GetInputDefinitions().GetParameters()["n"].GetDefaultValue().GetStringValue())
	res, err := local.Run(context.Background(), p, local.Options{HostExec: true, PipelineRoot: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, "n y", res.Task("echo").Parameters["Output"].GetStringValue())
}
