package cartrain_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	"github.com/kfpgo/kfpgo/compiler"
	"github.com/kfpgo/kfpgo/compiler/argo"
	"github.com/kfpgo/kfpgo/pipelines/cartrain"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGoldenKFP pins the compiled KFP IR of the reference pipeline
// (testdata/golden/kfp/cartrain.yaml, the file `kfpgo compile
// ./pipelines/cartrain` writes) and checks that its PipelineSpec parses into
// the official type with unknown fields rejected, except the documented
// newer keys of the deploymentSpec Struct.
func TestGoldenKFP(t *testing.T) {
	res, err := compiler.Compile(cartrain.Pipeline, compiler.Options{})
	require.NoError(t, err)
	path := filepath.Join("..", "..", "testdata", "golden", "kfp", "cartrain.yaml")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, res.YAML, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./pipelines/cartrain -run Golden -update to create it")
	assert.Equal(t, string(want), string(res.YAML), "compiled cartrain differs from %s (rerun with -update after checking the diff)", path)

	// The PipelineSpec document is a valid pipelinespec.PipelineSpec.
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal(splitFirst(res.YAML), &doc))
	b, err := yaml.YAMLToJSON(splitFirst(res.YAML))
	require.NoError(t, err)
	var spec pipelinespec.PipelineSpec
	require.NoError(t, protojson.UnmarshalOptions{}.Unmarshal(b, &spec), "strict protojson parse")
	assert.Equal(t, cartrain.Name, spec.GetPipelineInfo().GetName())
	assert.Contains(t, spec.GetComponents(), "comp-exit-handler-1")
	assert.Contains(t, spec.GetComponents(), "comp-condition-2")
}

func splitFirst(b []byte) []byte {
	for i := 0; i+5 <= len(b); i++ {
		if string(b[i:i+5]) == "\n---\n" {
			return b[:i+1]
		}
	}
	return b
}

// TestGoldenArgo pins the Argo Workflow of the reference pipeline
// (testdata/golden/argo/cartrain.yaml, what `kfpgo compile
// ./pipelines/cartrain --target argo` writes); argo.Compile has already
// passed it through Argo's validator.
func TestGoldenArgo(t *testing.T) {
	res, err := argo.Compile(cartrain.Pipeline, argo.Options{})
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	path := filepath.Join("..", "..", "testdata", "golden", "argo", "cartrain.yaml")
	if *update {
		require.NoError(t, os.WriteFile(path, res.YAML, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./pipelines/cartrain -run Golden -args -update to create it")
	assert.Equal(t, string(want), string(res.YAML), "compiled cartrain (Argo) differs from %s", path)
}
