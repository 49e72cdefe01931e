package driver_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/driver"
	"github.com/kfpgo/kfpgo/compiler/ir"
	"github.com/kfpgo/kfpgo/sdk/dsl"
)

type none = struct{}

var echo = dsl.NewContainerComponent("echo", func(none, none) dsl.Container {
	return dsl.Container{Image: "alpine", Command: []any{"echo", "hi"}}
})

var (
	_ = dsl.NewPipeline("drv-ok", func(b *dsl.Builder, _ none) none { echo.Task(b, none{}); return none{} })
	_ = dsl.NewPipeline("drv-dup", func(b *dsl.Builder, _ none) none { echo.Task(b, none{}); return none{} })
	_ = dsl.NewPipeline("drv-dup", func(b *dsl.Builder, _ none) none { echo.Task(b, none{}); return none{} })
	_ = dsl.NewPipeline("drv-panics", func(b *dsl.Builder, _ none) none {
		var m map[string]int
		m["x"] = 1 // a bug in the pipeline body
		return none{}
	})
)

func TestRunWritesOnePipeline(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	require.NoError(t, driver.Run([]string{"--pipeline", "drv-ok", "-o", dir}, &out, &errb))
	b, err := os.ReadFile(filepath.Join(dir, "drv-ok.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "# Name: drv-ok")
}

func TestRunRefusesDuplicateNames(t *testing.T) {
	var out, errb bytes.Buffer
	err := driver.Run([]string{"--pipeline", "drv-ok,drv-dup", "-o", t.TempDir()}, &out, &errb)
	require.NoError(t, err, "LookupPipeline picks one of the duplicates by name")
	err = driver.Run([]string{"-o", t.TempDir()}, &out, &errb)
	require.Error(t, err)
	var l ir.ErrorList
	require.True(t, errors.As(err, &l))
	assert.Contains(t, err.Error(), `a second pipeline is named "drv-dup"`)
}

func TestRunReportsPanicsInPipelineBodies(t *testing.T) {
	var out, errb bytes.Buffer
	var err error
	require.NotPanics(t, func() { err = driver.Run([]string{"--pipeline", "drv-panics", "-o", t.TempDir()}, &out, &errb) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pipeline drv-panics panicked while its body ran: assignment to entry in nil map")
	assert.Contains(t, err.Error(), "driver_test.go")
}

func TestRunRefusesMissingOutputDirAndOldKFP(t *testing.T) {
	var out, errb bytes.Buffer
	err := driver.Run([]string{"--pipeline", "drv-ok", "-o", "/nonexistent/dir/x.yaml"}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "directory /nonexistent/dir does not exist")
	err = driver.Run([]string{"--pipeline", "drv-ok", "--kfp-version", "1.8"}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KFP 2.0 or newer")
}
