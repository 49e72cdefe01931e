package main

import (
	"context"
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
