package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nestedPkg defines nested-outer, which uses nested-inner as a task; it
// imports no other pipelines.
const nestedPkg = "../../compiler/driver/fixtures/nestedpipes"

// flatPkg defines flat-a and flat-b and imports nestedPkg.
const flatPkg = "../../compiler/driver/fixtures/flatpipes"

func TestGraphAndRunPickThePackagesTopPipeline(t *testing.T) {
	out, err := kfpgoCtx(context.Background(), "graph", nestedPkg, "--format", "mermaid")
	require.NoError(t, err, out)
	assert.Contains(t, out, "nested-outer")

	out, err = kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), nestedPkg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "nested-inner")

	out, err = kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), "--pipeline", "nested-inner", nestedPkg)
	require.NoError(t, err, out)
	assert.NotContains(t, out, "nested-outer")
}

func TestRunHelpShowsPackageArgument(t *testing.T) {
	out, err := kfpgoCtx(context.Background(), "run", "--help")
	require.NoError(t, err)
	assert.Contains(t, out, "run --local PIPELINE.yaml|./package [--pipeline NAME]")
}

func TestRunPipelineFlagNeedsAPackage(t *testing.T) {
	_, err := kfpgoCtx(context.Background(), "run", "--local", "--pipeline", "x", echoPipeline(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--pipeline applies to a Go package")
}

func TestRunPackageWithSeveralTopPipelinesAsksForOne(t *testing.T) {
	out, err := kfpgoCtx(context.Background(), "run", "--local", "--host-exec", "--pipeline-root", t.TempDir(), flatPkg)
	require.Error(t, err, out)
	assert.Contains(t, err.Error(), "flat-a, flat-b")
	assert.Contains(t, err.Error(), "pass --pipeline NAME")
	assert.NotContains(t, err.Error(), "nested-", "pipelines of imported packages are not the package's")
	assert.NotContains(t, err.Error(), ".yaml", "no temporary file names")
}

func TestCompileListUnderTrimpath(t *testing.T) {
	// Under -trimpath the recorded files are import paths, not directories.
	t.Setenv("GOFLAGS", "-trimpath")
	out, err := kfpgoCtx(context.Background(), "compile", "--list", flatPkg)
	require.NoError(t, err, out)
	assert.Contains(t, out, "flat-a\t")
	assert.NotContains(t, out, "nested-")
}
