package driver_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kfpgo/kfpgo/compiler/driver"
	_ "github.com/kfpgo/kfpgo/compiler/driver/fixtures/flatpipes"
)

func fixtureDir(t *testing.T, name string) string {
	t.Helper()
	wd, err := os.Getwd()
	require.NoError(t, err)
	return filepath.Join(wd, "fixtures", name)
}

func TestPackageDirKeepsOnlyThePackagesPipelines(t *testing.T) {
	var out, errb bytes.Buffer
	require.NoError(t, driver.Run([]string{"--list", "--package-dir", fixtureDir(t, "flatpipes")}, &out, &errb))
	assert.Contains(t, out.String(), "flat-a\t")
	assert.Contains(t, out.String(), "flat-b\t")
	assert.NotContains(t, out.String(), "nested-", "pipelines of an imported package are not the package's")

	out.Reset()
	dir := t.TempDir()
	require.NoError(t, driver.Run([]string{"--package-dir", fixtureDir(t, "flatpipes"), "-o", dir}, &out, &errb))
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.Equal(t, []string{"flat-a.yaml", "flat-b.yaml"}, names)

	err = driver.Run([]string{"--package-dir", fixtureDir(t, "flatpipes"), "--pipeline", "nested-outer", "-o", t.TempDir()}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `pipeline "nested-outer" is defined in another package`)

	err = driver.Run([]string{"--package-dir", t.TempDir(), "-o", t.TempDir()}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no pipelines found in")
}

func TestTopPicksThePipelineNoOtherUses(t *testing.T) {
	var out, errb bytes.Buffer
	file := filepath.Join(t.TempDir(), "p.yaml")
	require.NoError(t, driver.Run([]string{"--package-dir", fixtureDir(t, "nestedpipes"), "--top", "-o", file}, &out, &errb))
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(b), "# Name: nested-outer")

	err = driver.Run([]string{"--package-dir", fixtureDir(t, "flatpipes"), "--top", "-o", file}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the package defines the pipelines flat-a, flat-b, and flat-a, flat-b are not used as a task by another: pass --pipeline NAME to choose one")
}
