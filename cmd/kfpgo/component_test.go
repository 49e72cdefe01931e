package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/sdk/componentyaml"
)

// Container components are listed and written like Go-function ones, and
// only the package's own count: flatPkg imports nestedPkg, and both define
// a container component named echo.
func TestComponentCompileContainerComponent(t *testing.T) {
	out, err := kfpgoCtx(context.Background(), "component", "list", flatPkg)
	require.NoError(t, err, out)
	assert.Equal(t, "echo() -> ()\n", out)

	f := filepath.Join(t.TempDir(), "echo.yaml")
	out, err = kfpgoCtx(context.Background(), "component", "compile", flatPkg, "-o", f)
	require.NoError(t, err, out)
	c, err := componentyaml.LoadFile(f)
	require.NoError(t, err)
	assert.Equal(t, "echo", c.Name())
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	assert.Contains(t, string(b), "image: alpine")

	out, err = kfpgoCtx(context.Background(), "component", "compile", flatPkg, "--name", "nope")
	require.Error(t, err)
	assert.Contains(t, out, `no component "nope"`)
	assert.Contains(t, out, "(it has: echo)")
}

// -o - is stdout, as for kfpgo compile: no file named "-" is written.
func TestComponentCompileOutputDashIsStdout(t *testing.T) {
	pkg, err := filepath.Abs(flatPkg)
	require.NoError(t, err)
	dir := t.TempDir()
	t.Chdir(dir)
	yml := filepath.Join(dir, "in.yaml")
	out, err := kfpgoCtx(context.Background(), "component", "compile", pkg, "-o", yml)
	require.NoError(t, err, out)
	for _, src := range []string{pkg, yml} {
		out, err := kfpgoCtx(context.Background(), "component", "compile", src, "-o", "-")
		require.NoError(t, err, out)
		assert.Contains(t, out, "image: alpine", src)
		assert.NoFileExists(t, filepath.Join(dir, "-"), src)
	}
}
