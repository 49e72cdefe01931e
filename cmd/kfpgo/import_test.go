package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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
	assert.True(t, strings.HasPrefix(out, "wrote "+filepath.Join(dir, "components.go")+"\nwrote "+filepath.Join(dir, "flip_coin_pipeline.go")+"\n"), out)
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

// A pipeline named after a Go keyword gets a package name that is a Go
// identifier, and a --package that is not one is refused before anything
// is read or written.
func TestImportPackageNames(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "sdk", "importgo", "testdata", "flip_coin.yaml"))
	require.NoError(t, err)
	for name, wantPkg := range map[string]string{"func": "funcpipeline", "type": "typepipeline", "main": "mainpipeline", "42-Range": "rangepipeline"} {
		t.Run(name, func(t *testing.T) {
			yml := filepath.Join(t.TempDir(), "p.yaml")
			require.NoError(t, os.WriteFile(yml, bytes.Replace(src, []byte("  name: flip-coin\n"), []byte("  name: "+name+"\n"), 1), 0o644))
			dir := filepath.Join(t.TempDir(), "out")
			out, err := runImport(t, yml, "-o", dir)
			require.NoError(t, err, out)
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			require.NoError(t, err)
			require.NotEmpty(t, files)
			for _, f := range files {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				assert.Contains(t, string(b), "\npackage "+wantPkg+"\n", f)
				assert.True(t, strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, "_test.go"), f)
			}
		})
	}
	for _, bad := range []string{"my-pkg", "range", "func", "1st", "_", "main"} {
		t.Run("--package "+bad, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			_, err := runImport(t, "no-such-file.yaml", "-o", dir, "--package", bad)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--package "+bad)
			assert.NotContains(t, err.Error(), "no-such-file", "checked before the file is read")
			assert.NotContains(t, err.Error(), "bug")
			_, statErr := os.Stat(dir)
			assert.True(t, os.IsNotExist(statErr))
		})
	}
}

// The written package imports kfpgo packages the user's module may not
// have sums for: import ends with one line saying to run go mod tidy.
func TestImportHintsGoModTidy(t *testing.T) {
	src := filepath.Join("..", "..", "sdk", "importgo", "testdata", "flip_coin.yaml")
	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/user\n\ngo 1.24\n"), 0o644))
	dir := filepath.Join(mod, "pipelines", "flip")
	out, err := runImport(t, src, "-o", dir)
	require.NoError(t, err, out)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 3, out)
	assert.Equal(t, "kfpgo: run 'go mod tidy' in "+mod+" if go build reports missing go.sum entries", lines[2])

	// Outside any module, the hint says to make one.
	dir = filepath.Join(t.TempDir(), "flip")
	out, err = runImport(t, src, "-o", dir)
	require.NoError(t, err, out)
	lines = strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[2], "no go.mod")
	assert.Contains(t, lines[2], "go mod init")
}
