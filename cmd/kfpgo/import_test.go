package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runImport(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"import"}, args...))
	err := root.Execute()
	return out.String(), err
}

func TestImportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "flip")
	src := filepath.Join("..", "..", "sdk", "importgo", "testdata", "flip_coin.yaml")
	out, err := runImport(t, src, "-o", dir, "--package", "flip")
	require.NoError(t, err)
	assert.Equal(t, "wrote "+filepath.Join(dir, "components.go")+"\nwrote "+filepath.Join(dir, "flip_coin_pipeline.go")+"\n", out)
	b, err := os.ReadFile(filepath.Join(dir, "flip_coin_pipeline.go"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "package flip\n")

	// A second import refuses to overwrite without --force.
	_, err = runImport(t, src, "-o", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already exists; pass --force")
	_, err = runImport(t, src, "-o", dir, "--package", "flip", "--force")
	require.NoError(t, err)
	again, err := os.ReadFile(filepath.Join(dir, "flip_coin_pipeline.go"))
	require.NoError(t, err)
	assert.Equal(t, string(b), string(again))

	// Bad input: the error names the file and YAML path, and nothing is written.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("pipelineInfo: {name: x}\nroot: {dag: {tasks: {}}}\nsurprise: 1\n"), 0o644))
	empty := filepath.Join(t.TempDir(), "out")
	_, err = runImport(t, bad, "-o", empty)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml: surprise: unknown or unsupported key")
	_, statErr := os.Stat(empty)
	assert.True(t, os.IsNotExist(statErr), "nothing may be written on error")
}
