package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCLIReadsPyYAMLFiles: `kfpgo graph` and `kfpgo run --local` read a
// PyYAML-written pipeline whose plain scalars n and y are strings under
// YAML 1.2, as the KFP API server reads them.
func TestCLIReadsPyYAMLFiles(t *testing.T) {
	const file = "../../sdk/local/testdata/pyyaml_scalars.yaml"
	out, err := kfpgoCtx(context.Background(), "graph", file, "--format", "mermaid")
	require.NoError(t, err, out)
	assert.Contains(t, out, "echo")

	out, err = kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), file)
	require.NoError(t, err, out)
	assert.Contains(t, out, "n y")
}
