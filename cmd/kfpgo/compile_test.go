package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileArgumentMessages(t *testing.T) {
	tests := []struct {
		name string
		arg  string
		want []string
	}{
		{"a .go file", "../../compiler/driver/fixtures/nestedpipes/pipes.go", []string{"pass a package directory, not a .go file", "../../compiler/driver/fixtures/nestedpipes"}},
		{"a compiled pipeline", "out.yaml", []string{"out.yaml is a compiled pipeline, and compile takes a Go package", "kfpgo run --local out.yaml", "kfpgo graph out.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kfpgoCtx(context.Background(), "compile", tt.arg)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "go mod init")
			assert.NotContains(t, err.Error(), "outside main module")
		})
	}
}

func TestLocalDir(t *testing.T) {
	for in, want := range map[string]string{"pkg": "./pkg", "a/b": "./a/b", "./a": "./a", "../a": "../a", "/abs": "/abs", ".": "."} {
		assert.Equal(t, want, localDir(in), in)
	}
}

// Two packages with a pipeline of the same name would write the same file
// of the output directory: compile refuses before writing anything, naming
// both pipelines and the path.
func TestCompilePatternRefusesTwoPipelinesToOneFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	out, err := kfpgoCtx(context.Background(), "compile", "./testdata/samename/...", "-o", dir)
	require.Error(t, err, out)
	for _, w := range []string{
		filepath.Join(dir, "echo.yaml"),
		"testdata/samename/a/pipes.go:13", "testdata/samename/b/pipes.go:13",
		"rename one of the pipelines", "compile the packages one at a time",
	} {
		assert.Contains(t, err.Error(), w)
	}
	assert.NotContains(t, out, "→", "nothing is written")
	_, statErr := os.Stat(dir)
	assert.True(t, os.IsNotExist(statErr), "nothing may be written: %v", statErr)

	// One package at a time is fine.
	out, err = kfpgoCtx(context.Background(), "compile", "./testdata/samename/a", "-o", dir+"/")
	require.NoError(t, err, out)
	assert.FileExists(t, filepath.Join(dir, "echo.yaml"))
}
